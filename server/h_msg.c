/*
 * h_msg.c: msg.send, msg.edit, msg.delete, msg.history.
 *
 * A send is idempotent per (author, nonce): a retry returns the stored
 * message and queues no event; the same nonce with another conversation or
 * body is a nonce_conflict. Deleting leaves a tombstone (same id, empty
 * body, deleted=true) so history pages and replies keep their places.
 */
#include <string.h>

#include "fanout.h"
#include "handlers.h"
#include "server.h"
#include "session.h"
#include "store.h"
#include "util.h"

static void
reply_message(struct op_ctx *ctx, const struct td_message *m)
{
	jw_key(ctx->out, "message");
	proto_write_message(ctx->out, m);
}

static int
event_message(struct op_ctx *ctx, const char *name,
	      const struct td_message *m)
{
	struct jw w;

	fanout_open(ctx->srv, &w, name);
	jw_key(&w, "message");
	proto_write_message(&w, m);
	return fanout_commit(ctx->srv, &w, m->conv, 0);
}

int
h_msg_send(struct op_ctx *ctx)
{
	struct server *srv = ctx->srv;
	const struct proto_request *req = ctx->req;
	struct td_message m;
	struct td_conv c;
	int rc = conv_load_visible(ctx, req->conv, &c);

	if (rc != 0)
		return rc;
	if (!c.member) {
		ctx->why = "join the channel first";
		return TD_ERR_FORBIDDEN;
	}
	if (c.archived)
		return TD_ERR_ARCHIVED;
	memset(&m, 0, sizeof(m));
	rc = store_msg_by_nonce(srv->store, ctx->s->user.id, req->nonce, &m);
	if (rc == 0) {
		if (m.conv != req->conv || strcmp(m.body, req->body) != 0) {
			rc = TD_ERR_NONCE_CONFLICT;
		} else {
			reply_message(ctx, &m);
		}
		td_message_fini(&m);
		return rc;
	}
	if (rc != TD_ERR_NOT_FOUND)
		return rc;
	m.conv = c.id;
	m.author = ctx->s->user.id;
	m.body = req->body;
	util_strlcpy(m.nonce, req->nonce, sizeof(m.nonce));
	m.created_at = util_now_ms();
	rc = store_msg_add(srv->store, &m);
	if (rc == 0)
		rc = event_message(ctx, "message.new", &m);
	if (rc == 0)
		reply_message(ctx, &m);
	return rc;
}

/* Load a message whose conversation the caller may see. */
static int
msg_load(struct op_ctx *ctx, struct td_message *m, struct td_conv *c)
{
	int rc = store_msg_get(ctx->srv->store, ctx->req->message, m);

	if (rc != 0)
		return rc;
	rc = conv_load_visible(ctx, m->conv, c);
	if (rc != 0)
		td_message_fini(m);
	return rc;
}

int
h_msg_edit(struct op_ctx *ctx)
{
	struct server *srv = ctx->srv;
	struct td_message m;
	struct td_conv c;
	int rc = msg_load(ctx, &m, &c);

	if (rc != 0)
		return rc;
	if (m.author != ctx->s->user.id) {
		ctx->why = "you can only edit your own messages";
		rc = TD_ERR_FORBIDDEN;
	} else if (m.deleted) {
		ctx->why = "the message was deleted";
		rc = TD_ERR_CONFLICT;
	} else if (c.archived) {
		rc = TD_ERR_ARCHIVED;
	}
	td_message_fini(&m);
	if (rc != 0)
		return rc;
	rc = store_msg_edit(srv->store, ctx->req->message, ctx->req->body,
			    util_now_ms());
	if (rc == 0)
		rc = store_msg_get(srv->store, ctx->req->message, &m);
	if (rc != 0)
		return rc;
	rc = event_message(ctx, "message.edit", &m);
	if (rc == 0)
		reply_message(ctx, &m);
	td_message_fini(&m);
	return rc;
}

int
h_msg_delete(struct op_ctx *ctx)
{
	struct server *srv = ctx->srv;
	struct td_message m;
	struct td_conv c;
	bool already;
	int rc = msg_load(ctx, &m, &c);

	if (rc != 0)
		return rc;
	already = m.deleted;
	if (m.author != ctx->s->user.id && ctx->s->user.role != TD_ROLE_ADMIN) {
		ctx->why = "you can only delete your own messages";
		rc = TD_ERR_FORBIDDEN;
	} else if (c.archived) {
		rc = TD_ERR_ARCHIVED;
	}
	td_message_fini(&m);
	if (rc != 0)
		return rc;
	if (!already)
		rc = store_msg_delete(srv->store, ctx->req->message,
				      util_now_ms());
	if (rc == 0)
		rc = store_msg_get(srv->store, ctx->req->message, &m);
	if (rc != 0)
		return rc;
	if (!already)
		rc = event_message(ctx, "message.delete", &m);
	if (rc == 0)
		reply_message(ctx, &m);
	td_message_fini(&m);
	return rc;
}

static int
history_one(void *arg, const struct td_message *m)
{
	proto_write_message(arg, m);
	return 0;
}

int
h_msg_history(struct op_ctx *ctx)
{
	const struct proto_request *req = ctx->req;
	struct td_conv c;
	int64_t before = 0, after = -1;
	bool more = false;
	int rc;

	if ((req->present & PF_BEFORE) && (req->present & PF_AFTER)) {
		ctx->why = "give before or after, not both";
		return TD_ERR_BAD_REQUEST;
	}
	rc = conv_load_visible(ctx, req->conv, &c);
	if (rc != 0)
		return rc;
	if (req->present & PF_BEFORE)
		before = req->before;
	if (req->present & PF_AFTER)
		after = req->after;
	jw_key(ctx->out, "messages");
	jw_arr_open(ctx->out);
	rc = store_msg_history(ctx->srv->store, c.id, before, after,
			       req->limit, &more, history_one, ctx->out);
	jw_arr_close(ctx->out);
	jw_kbool(ctx->out, "more", more);
	return rc;
}
