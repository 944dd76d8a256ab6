/*
 * h_react.c: reactions, pins and saved items, the small marks people put
 * on messages.
 *
 * Reactions and pins belong to the conversation: any member may add or
 * remove them (a reaction only its own), members see reaction.update and
 * pin.update, and a public channel's non-member may look but not touch.
 * Saved items belong to one user: save.update goes to that user's
 * connections only. A tombstone takes no new marks and loses its reactions
 * and pin (store_msg_delete()); saves of it stay stored but are not
 * listed.
 */
#include <string.h>

#include "fanout.h"
#include "handlers.h"
#include "server.h"
#include "session.h"
#include "store.h"
#include "util.h"

/*
 * Load the request's message for a change by a member: not_found when
 * invisible, forbidden for a non-member, conflict for a tombstone,
 * archived for an archived conversation.
 */
static int
mark_load(struct op_ctx *ctx, struct td_message *m, struct td_conv *c)
{
	int rc = msg_load_visible(ctx, ctx->req->message, m, c);

	if (rc != 0)
		return rc;
	if (!c->member) {
		ctx->why = "join the channel first";
		rc = TD_ERR_FORBIDDEN;
	} else if (m->deleted) {
		ctx->why = "the message was deleted";
		rc = TD_ERR_CONFLICT;
	} else if (c->archived) {
		rc = TD_ERR_ARCHIVED;
	}
	if (rc != 0)
		td_message_fini(m);
	return rc;
}

/* Reload the message and announce its reactions to the members. */
static int
reaction_done(struct op_ctx *ctx, bool added)
{
	struct td_message m;
	struct jw w;
	int rc = store_msg_get(ctx->srv->store, ctx->req->message, &m);

	if (rc != 0)
		return rc;
	fanout_open(ctx->srv, &w, "reaction.update");
	jw_key(&w, "message");
	proto_write_message(&w, &m);
	jw_kstr(&w, "emoji", ctx->req->emoji);
	jw_kint(&w, "user", ctx->s->user.id);
	jw_kbool(&w, "added", added);
	rc = fanout_commit(ctx->srv, &w, m.conv, 0);
	if (rc == 0) {
		jw_key(ctx->out, "message");
		proto_write_message(ctx->out, &m);
	}
	td_message_fini(&m);
	return rc;
}

int
h_react_add(struct op_ctx *ctx)
{
	struct td_message m;
	struct td_conv c;
	int rc = mark_load(ctx, &m, &c);

	if (rc != 0)
		return rc;
	td_message_fini(&m);
	rc = store_reaction_add(ctx->srv->store, ctx->req->message,
				ctx->req->emoji, ctx->s->user.id,
				util_now_ms());
	if (rc == TD_ERR_CONFLICT)
		ctx->why = "you already reacted with that emoji";
	return rc != 0 ? rc : reaction_done(ctx, true);
}

int
h_react_remove(struct op_ctx *ctx)
{
	struct td_message m;
	struct td_conv c;
	int rc = mark_load(ctx, &m, &c);

	if (rc != 0)
		return rc;
	td_message_fini(&m);
	rc = store_reaction_remove(ctx->srv->store, ctx->req->message,
				   ctx->req->emoji, ctx->s->user.id);
	if (rc == TD_ERR_NOT_FOUND)
		ctx->why = "no such reaction of yours";
	return rc != 0 ? rc : reaction_done(ctx, false);
}

/* pin.update to the members; the reply carries the message too. */
static int
pin_event(struct op_ctx *ctx, const struct td_message *m, bool pinned,
	  int64_t at)
{
	struct jw w;
	int rc;

	fanout_open(ctx->srv, &w, "pin.update");
	jw_kint(&w, "conv", m->conv);
	jw_key(&w, "message");
	proto_write_message(&w, m);
	jw_kbool(&w, "pinned", pinned);
	jw_kint(&w, "pinned_by", ctx->s->user.id);
	jw_kint(&w, "pinned_at", at);
	rc = fanout_commit(ctx->srv, &w, m->conv, 0);
	if (rc == 0) {
		jw_key(ctx->out, "message");
		proto_write_message(ctx->out, m);
	}
	return rc;
}

int
h_pin_add(struct op_ctx *ctx)
{
	int64_t now = util_now_ms();
	struct td_message m;
	struct td_conv c;
	int rc = mark_load(ctx, &m, &c);

	if (rc != 0)
		return rc;
	rc = store_pin_add(ctx->srv->store, m.id, m.conv, ctx->s->user.id,
			   now);
	if (rc == TD_ERR_CONFLICT)
		ctx->why = "the message is already pinned";
	if (rc == 0)
		rc = pin_event(ctx, &m, true, now);
	td_message_fini(&m);
	return rc;
}

int
h_pin_remove(struct op_ctx *ctx)
{
	int64_t now = util_now_ms();
	struct td_message m;
	struct td_conv c;
	int rc = mark_load(ctx, &m, &c);

	if (rc != 0)
		return rc;
	rc = store_pin_remove(ctx->srv->store, m.id);
	if (rc == TD_ERR_NOT_FOUND)
		ctx->why = "the message is not pinned";
	if (rc == 0)
		rc = pin_event(ctx, &m, false, now);
	td_message_fini(&m);
	return rc;
}

/* One {message, pinned_by, pinned_at} or {message, saved_at} entry. */
static int
pin_one(void *arg, const struct td_message *m, int64_t by, int64_t at)
{
	struct jw *w = arg;

	jw_obj_open(w);
	jw_key(w, "message");
	proto_write_message(w, m);
	jw_kint(w, "pinned_by", by);
	jw_kint(w, "pinned_at", at);
	jw_obj_close(w);
	return 0;
}

int
h_pin_list(struct op_ctx *ctx)
{
	struct td_conv c;
	int rc = conv_load_visible(ctx, ctx->req->conv, &c);

	if (rc != 0)
		return rc;
	jw_key(ctx->out, "pins");
	jw_arr_open(ctx->out);
	rc = store_pin_list(ctx->srv->store, c.id, TD_LIST_MAX, pin_one,
			    ctx->out);
	jw_arr_close(ctx->out);
	return rc;
}

/* save.update to the caller's own connections. */
static int
save_event(struct op_ctx *ctx, const struct td_message *m, bool saved,
	   int64_t at)
{
	struct jw w;
	int rc;

	fanout_open(ctx->srv, &w, "save.update");
	jw_key(&w, "message");
	proto_write_message(&w, m);
	jw_kbool(&w, "saved", saved);
	jw_kint(&w, "saved_at", at);
	rc = fanout_commit(ctx->srv, &w, 0, ctx->s->user.id);
	if (rc == 0) {
		jw_key(ctx->out, "message");
		proto_write_message(ctx->out, m);
		jw_kbool(ctx->out, "saved", saved);
		jw_kint(ctx->out, "saved_at", at);
	}
	return rc;
}

int
h_save_add(struct op_ctx *ctx)
{
	int64_t now = util_now_ms();
	struct td_message m;
	struct td_conv c;
	int rc = msg_load_visible(ctx, ctx->req->message, &m, &c);

	if (rc != 0)
		return rc;
	if (m.deleted) {
		ctx->why = "the message was deleted";
		rc = TD_ERR_CONFLICT;
	}
	if (rc == 0)
		rc = store_save_add(ctx->srv->store, ctx->s->user.id, m.id,
				    now);
	if (rc == TD_ERR_CONFLICT && ctx->why == NULL)
		ctx->why = "the message is already saved";
	if (rc == 0)
		rc = save_event(ctx, &m, true, now);
	td_message_fini(&m);
	return rc;
}

int
h_save_remove(struct op_ctx *ctx)
{
	struct td_message m;
	struct td_conv c;
	int rc = msg_load_visible(ctx, ctx->req->message, &m, &c);

	if (rc != 0)
		return rc;
	rc = store_save_remove(ctx->srv->store, ctx->s->user.id, m.id);
	if (rc == TD_ERR_NOT_FOUND)
		ctx->why = "the message is not saved";
	if (rc == 0)
		rc = save_event(ctx, &m, false, 0);
	td_message_fini(&m);
	return rc;
}

static int
save_one(void *arg, const struct td_message *m, int64_t by, int64_t at)
{
	struct jw *w = arg;

	(void)by;
	jw_obj_open(w);
	jw_key(w, "message");
	proto_write_message(w, m);
	jw_kint(w, "saved_at", at);
	jw_obj_close(w);
	return 0;
}

int
h_save_list(struct op_ctx *ctx)
{
	int rc;

	jw_key(ctx->out, "saved");
	jw_arr_open(ctx->out);
	rc = store_save_list(ctx->srv->store, ctx->s->user.id,
			     ctx->req->limit, save_one, ctx->out);
	jw_arr_close(ctx->out);
	return rc;
}
