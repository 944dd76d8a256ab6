/*
 * h_read.c: read markers and unread state: conv.read, conv.unread,
 * unread.counts, the mention list, and the notification preference
 * (conv.prefs) that each unread entry carries.
 *
 * A read marker is the highest message id the user has read in a
 * conversation's top level (thread replies have their own markers, see
 * h_thread.c). conv.read only moves it forwards, so a slow connection
 * cannot undo a newer read; conv.unread moves it back on purpose. Each
 * change is a read.update event for the same user only, carrying the new
 * counts, so the user's other connections need not ask again.
 */
#include <string.h>

#include "fanout.h"
#include "handlers.h"
#include "server.h"
#include "session.h"
#include "store.h"

static void
write_unread(struct jw *w, const struct store_unread *u)
{
	jw_kint(w, "conv", u->conv);
	jw_kint(w, "thread", 0);
	jw_kint(w, "last_read", u->last_read);
	jw_kint(w, "unread", u->unread);
	jw_kint(w, "mentions", u->mentions);
	jw_kstr(w, "notify", td_notify_name(u->notify));
}

static int
unread_copy(void *arg, const struct store_unread *u)
{
	*(struct store_unread *)arg = *u;
	return 0;
}

/*
 * The shared part of conv.read and conv.unread: the caller must be a
 * member and the message a top-level message of that conversation.
 */
static int
read_move(struct op_ctx *ctx, int64_t last_read, bool force)
{
	const struct proto_request *req = ctx->req;
	int64_t user = ctx->s->user.id;
	struct store_unread u;
	struct td_message m;
	struct td_conv c;
	struct jw w;
	int rc = conv_load_visible(ctx, req->conv, &c);

	if (rc != 0)
		return rc;
	if (!c.member) {
		ctx->why = "join the channel first";
		return TD_ERR_FORBIDDEN;
	}
	rc = store_msg_get(ctx->srv->store, req->message, &m);
	if (rc != 0)
		return rc;
	if (m.conv != c.id)
		rc = TD_ERR_NOT_FOUND;
	else if (m.thread != 0)
		ctx->why = "a thread reply: use thread.read";
	td_message_fini(&m);
	if (rc != 0)
		return rc;
	if (ctx->why != NULL)
		return TD_ERR_BAD_REQUEST;
	rc = store_read_set(ctx->srv->store, user, c.id, last_read, force);
	memset(&u, 0, sizeof(u));
	if (rc == 0)
		rc = store_unread_list(ctx->srv->store, user, c.id,
				       unread_copy, &u);
	if (rc != 0)
		return rc;
	fanout_open(ctx->srv, &w, "read.update");
	write_unread(&w, &u);
	rc = fanout_commit(ctx->srv, &w, 0, user);
	if (rc == 0)
		write_unread(ctx->out, &u);
	return rc;
}

int
h_conv_read(struct op_ctx *ctx)
{
	return read_move(ctx, ctx->req->message, false);
}

/* Mark `message` and everything after it unread. */
int
h_conv_unread(struct op_ctx *ctx)
{
	return read_move(ctx, ctx->req->message - 1, true);
}

static int
counts_one(void *arg, const struct store_unread *u)
{
	struct jw *w = arg;

	jw_obj_open(w);
	write_unread(w, u);
	jw_obj_close(w);
	return 0;
}

int
h_unread_counts(struct op_ctx *ctx)
{
	int rc;

	jw_key(ctx->out, "counts");
	jw_arr_open(ctx->out);
	rc = store_unread_list(ctx->srv->store, ctx->s->user.id, 0,
			       counts_one, ctx->out);
	jw_arr_close(ctx->out);
	return rc;
}

int
h_mention_list(struct op_ctx *ctx)
{
	const struct proto_request *req = ctx->req;
	int rc;

	jw_key(ctx->out, "messages");
	jw_arr_open(ctx->out);
	rc = store_mention_list(ctx->srv->store, ctx->s->user.id,
				(req->present & PF_BEFORE) ? req->before : 0,
				req->limit, msg_write_each, ctx->out);
	jw_arr_close(ctx->out);
	return rc;
}

/*
 * conv.prefs: set the caller's notification preference for a conversation
 * it is a member of (anything else is not_found, as if it did not exist).
 * The preference is the caller's own: prefs.update goes to its connections
 * only.
 */
int
h_conv_prefs(struct op_ctx *ctx)
{
	const struct proto_request *req = ctx->req;
	int64_t user = ctx->s->user.id;
	struct td_conv c;
	struct jw w;
	int rc = conv_load_visible(ctx, req->conv, &c);

	if (rc == 0 && !c.member)
		rc = TD_ERR_NOT_FOUND;
	if (rc == 0)
		rc = store_prefs_set(ctx->srv->store, user, c.id, req->notify);
	if (rc != 0)
		return rc;
	fanout_open(ctx->srv, &w, "prefs.update");
	jw_kint(&w, "conv", c.id);
	jw_kstr(&w, "notify", td_notify_name(req->notify));
	rc = fanout_commit(ctx->srv, &w, 0, user);
	if (rc == 0) {
		jw_kint(ctx->out, "conv", c.id);
		jw_kstr(ctx->out, "notify", td_notify_name(req->notify));
	}
	return rc;
}
