/*
 * h_thread.c: thread.replies, thread.follow, thread.list, thread.read, and
 * the automatic follow that replies and mentions cause.
 *
 * A thread is a root message and the replies that name it (a reply's
 * `thread` is the root's id). Following and the per-thread read marker are
 * per user; their changes are events targeted at that user only
 * (thread.follow, read.update), so the user's other connections stay in
 * step and nobody else learns of them. Every op loads the root through
 * msg_load_visible(), so a thread in a conversation the caller cannot see
 * is not_found like a missing one.
 */
#include <string.h>

#include "fanout.h"
#include "handlers.h"
#include "server.h"
#include "session.h"
#include "store.h"

/*
 * Load the root of the thread that message `id` belongs to (the message
 * itself when it is not a reply), visible to the caller.
 */
static int
root_load(struct op_ctx *ctx, int64_t id, struct td_message *root,
	  struct td_conv *c)
{
	int64_t root_id;
	int rc = msg_load_visible(ctx, id, root, c);

	if (rc != 0 || root->thread == 0)
		return rc;
	root_id = root->thread;
	td_message_fini(root);
	return store_msg_get(ctx->srv->store, root_id, root);
}

/* Members of a thread state: root, follow flag, marker, unread count. */
static int
write_thread_state(struct op_ctx *ctx, struct jw *w,
		   const struct td_message *root, int64_t user)
{
	bool following;
	int64_t last_read;
	int unread = 0;
	int rc = store_follow_get(ctx->srv->store, user, root->id, &following,
				  &last_read);

	if (rc == 0)
		rc = store_thread_unread(ctx->srv->store, user, root->id,
					 &unread);
	if (rc != 0)
		return rc;
	jw_key(w, "message");
	proto_write_message(w, root);
	jw_kbool(w, "following", following);
	jw_kint(w, "last_read", last_read);
	jw_kint(w, "unread", unread);
	return 0;
}

/* thread.follow to `user`'s connections: the thread's state for them. */
static int
event_follow(struct op_ctx *ctx, int64_t user, const struct td_message *root)
{
	struct jw w;
	int rc;

	fanout_open(ctx->srv, &w, "thread.follow");
	rc = write_thread_state(ctx, &w, root, user);
	if (rc != 0) {
		jw_fini(&w);
		return rc;
	}
	return fanout_commit(ctx->srv, &w, 0, user);
}

int
thread_autofollow(struct op_ctx *ctx, int64_t user,
		  const struct td_message *root)
{
	bool changed;
	struct td_message fresh;
	int rc = store_follow_auto(ctx->srv->store, user, root->id, &changed);

	if (rc != 0 || !changed)
		return rc;
	rc = store_msg_get(ctx->srv->store, root->id, &fresh);
	if (rc != 0)
		return rc;
	rc = event_follow(ctx, user, &fresh);
	td_message_fini(&fresh);
	return rc;
}

int
h_thread_replies(struct op_ctx *ctx)
{
	const struct proto_request *req = ctx->req;
	struct td_message root;
	struct td_conv c;
	int64_t before = 0, after = -1;
	bool more = false;
	int rc = root_load(ctx, req->message, &root, &c);

	if (rc != 0)
		return rc;
	if (req->present & PF_BEFORE)
		before = req->before;
	if (req->present & PF_AFTER)
		after = req->after;
	jw_key(ctx->out, "message");
	proto_write_message(ctx->out, &root);
	jw_key(ctx->out, "messages");
	jw_arr_open(ctx->out);
	rc = store_msg_replies(ctx->srv->store, root.id, before, after,
			       req->limit, &more, msg_write_each, ctx->out);
	jw_arr_close(ctx->out);
	jw_kbool(ctx->out, "more", more);
	td_message_fini(&root);
	return rc;
}

int
h_thread_follow(struct op_ctx *ctx)
{
	int64_t user = ctx->s->user.id;
	struct td_message root;
	struct td_conv c;
	bool following;
	int64_t last_read;
	int rc = root_load(ctx, ctx->req->message, &root, &c);

	if (rc != 0)
		return rc;
	rc = store_follow_get(ctx->srv->store, user, root.id, &following,
			      &last_read);
	if (rc == 0 && following != ctx->req->follow) {
		rc = store_follow_set(ctx->srv->store, user, root.id,
				      ctx->req->follow);
		if (rc == 0)
			rc = event_follow(ctx, user, &root);
	}
	if (rc == 0)
		rc = write_thread_state(ctx, ctx->out, &root, user);
	td_message_fini(&root);
	return rc;
}

static int
list_one(void *arg, const struct td_message *root, int64_t last_read,
	 int unread)
{
	struct jw *w = arg;

	jw_obj_open(w);
	jw_key(w, "message");
	proto_write_message(w, root);
	jw_kbool(w, "following", true);
	jw_kint(w, "last_read", last_read);
	jw_kint(w, "unread", unread);
	jw_obj_close(w);
	return 0;
}

int
h_thread_list(struct op_ctx *ctx)
{
	int rc;

	jw_key(ctx->out, "threads");
	jw_arr_open(ctx->out);
	rc = store_thread_list(ctx->srv->store, ctx->s->user.id,
			       ctx->req->limit, list_one, ctx->out);
	jw_arr_close(ctx->out);
	return rc;
}

/*
 * Move the caller's marker in the thread of `message` to that message:
 * everything up to it is read, everything after it unread (naming the root
 * marks the whole thread unread).
 */
int
h_thread_read(struct op_ctx *ctx)
{
	int64_t user = ctx->s->user.id;
	struct td_message root;
	struct td_conv c;
	struct jw w;
	int rc = root_load(ctx, ctx->req->message, &root, &c);

	if (rc != 0)
		return rc;
	rc = store_thread_read(ctx->srv->store, user, root.id,
			       ctx->req->message);
	if (rc == 0) {
		fanout_open(ctx->srv, &w, "read.update");
		jw_kint(&w, "conv", root.conv);
		jw_kint(&w, "thread", root.id);
		rc = write_thread_state(ctx, &w, &root, user);
		if (rc == 0)
			rc = fanout_commit(ctx->srv, &w, 0, user);
		else
			jw_fini(&w);
	}
	if (rc == 0) {
		jw_kint(ctx->out, "conv", root.conv);
		jw_kint(ctx->out, "thread", root.id);
		rc = write_thread_state(ctx, ctx->out, &root, user);
	}
	td_message_fini(&root);
	return rc;
}
