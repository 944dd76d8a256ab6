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

/* thread.update: the root message with its current thread counts. */
static int
event_thread(struct op_ctx *ctx, int64_t root_id)
{
	struct td_message root;
	int rc = store_msg_get(ctx->srv->store, root_id, &root);

	if (rc == 0)
		rc = event_message(ctx, "thread.update", &root);
	td_message_fini(&root);
	return rc;
}

/*
 * The users a message mentions, without repeats, and whether each was
 * named (@handle) rather than reached through @channel or @team-*.
 */
struct mention_set {
	int64_t ids[256];
	bool direct[256];
	size_t n;
	bool full;
};

static void
mention_set_add(struct mention_set *ms, int64_t user, bool direct)
{
	for (size_t i = 0; i < ms->n; i++)
		if (ms->ids[i] == user) {
			ms->direct[i] = ms->direct[i] || direct;
			return;
		}
	if (ms->n == sizeof(ms->ids) / sizeof(ms->ids[0])) {
		ms->full = true;
		return;
	}
	ms->direct[ms->n] = direct;
	ms->ids[ms->n++] = user;
}

struct member_walk {
	struct store *st;
	struct mention_set *ms;
	const struct proto_mentions *pm;
	int64_t author;
};

/* Members matched by @channel, @team-sales or @team-marketing. */
static int
mention_member(void *arg, int64_t user)
{
	struct member_walk *mw = arg;
	struct td_user u;

	if (user == mw->author)
		return 0;
	if (mw->pm->channel) {
		mention_set_add(mw->ms, user, false);
		return 0;
	}
	if (store_user_get(mw->st, user, &u) != 0)
		return 0;
	if ((mw->pm->team_sales && u.team == TD_TEAM_SALES) ||
	    (mw->pm->team_marketing && u.team == TD_TEAM_MARKETING))
		mention_set_add(mw->ms, user, false);
	return 0;
}

/*
 * Record and announce the mentions in a new message. A named user is
 * mentioned when it may read the conversation (a member, or anyone for a
 * public channel); group mentions reach members only. The author is never
 * mentioned by its own message. A member who muted the conversation
 * (conv.prefs) is mentioned only by name: a group mention of it is not
 * recorded, announced or followed.
 */
static int
mentions_apply(struct op_ctx *ctx, const struct td_conv *c,
	       const struct td_message *m)
{
	struct store *st = ctx->srv->store;
	struct proto_mentions pm;
	struct mention_set ms;
	struct member_walk mw = { st, &ms, &pm, m->author };
	struct td_user u;
	struct td_message root;
	struct jw w;
	bool public_channel = td_conv_is_open(c);
	int rc = 0;

	proto_parse_mentions(m->body, &pm);
	memset(&ms, 0, sizeof(ms));
	for (size_t i = 0; i < pm.n_handles; i++) {
		if (store_user_by_handle(st, pm.handles[i], &u, NULL, 0) != 0 ||
		    u.id == m->author)
			continue;
		if (public_channel || store_member_is(st, c->id, u.id))
			mention_set_add(&ms, u.id, true);
	}
	if (pm.channel || pm.team_sales || pm.team_marketing)
		rc = store_member_list(st, c->id, mention_member, &mw);
	if (rc != 0 || ms.n == 0)
		return rc;
	memset(&root, 0, sizeof(root));
	if (m->thread != 0)
		rc = store_msg_get(st, m->thread, &root);
	for (size_t i = 0; rc == 0 && i < ms.n; i++) {
		enum td_notify notify = TD_NOTIFY_ALL;

		if (!ms.direct[i]) {
			rc = store_prefs_get(st, ms.ids[i], c->id, &notify);
			if (rc != 0)
				break;
			if (notify == TD_NOTIFY_MUTED)
				continue;
		}
		rc = store_mention_add(st, ms.ids[i], m->id, m->conv);
		if (rc != 0)
			break;
		fanout_open(ctx->srv, &w, "mention");
		jw_key(&w, "message");
		proto_write_message(&w, m);
		rc = fanout_commit(ctx->srv, &w, 0, ms.ids[i]);
		if (rc == 0 && m->thread != 0)
			rc = thread_autofollow(ctx, ms.ids[i], &root);
	}
	td_message_fini(&root);
	return rc;
}

/*
 * The root of the thread a reply joins: the message `thread` names, or its
 * root when it is itself a reply. It must be in conversation `conv` (else
 * not_found) and not deleted (conflict).
 */
static int
thread_root(struct op_ctx *ctx, int64_t conv, int64_t thread,
	    struct td_message *root)
{
	int rc = store_msg_get(ctx->srv->store, thread, root);

	if (rc == 0 && root->thread != 0) {
		thread = root->thread;
		td_message_fini(root);
		rc = store_msg_get(ctx->srv->store, thread, root);
	}
	if (rc != 0)
		return rc;
	if (root->conv != conv) {
		td_message_fini(root);
		ctx->why = "no such message in this conversation";
		return TD_ERR_NOT_FOUND;
	}
	if (root->deleted) {
		td_message_fini(root);
		ctx->why = "the thread's first message was deleted";
		return TD_ERR_CONFLICT;
	}
	return 0;
}

/* After a reply is stored: follows, the author's thread marker, events. */
static int
reply_apply(struct op_ctx *ctx, const struct td_message *root,
	    const struct td_message *m)
{
	int rc = store_thread_read(ctx->srv->store, m->author, root->id,
				   m->id);

	if (rc == 0)
		rc = thread_autofollow(ctx, m->author, root);
	if (rc == 0 && root->author != m->author)
		rc = thread_autofollow(ctx, root->author, root);
	if (rc == 0)
		rc = event_thread(ctx, root->id);
	return rc;
}

int
msg_post(struct op_ctx *ctx, int64_t user, int64_t conv, const char *body,
	 const char *nonce, int64_t thread, int64_t *id)
{
	struct server *srv = ctx->srv;
	struct td_message m, root;
	struct td_conv c;
	int rc = conv_load_postable(ctx, user, conv, &c);

	if (rc != 0)
		return rc;
	memset(&m, 0, sizeof(m));
	memset(&root, 0, sizeof(root));
	rc = store_msg_by_nonce(srv->store, user, nonce, &m);
	if (rc == 0) {
		/* A retry names the same thread, maybe through a reply. */
		int64_t want = thread;

		if (want != 0 && thread_root(ctx, c.id, want, &root) == 0) {
			want = root.id;
			td_message_fini(&root);
		}
		if (m.conv != conv || strcmp(m.body, body) != 0 ||
		    m.thread != want) {
			rc = TD_ERR_NONCE_CONFLICT;
		} else {
			*id = m.id;
			if (ctx->out != NULL)
				reply_message(ctx, &m);
		}
		td_message_fini(&m);
		return rc;
	}
	if (rc != TD_ERR_NOT_FOUND)
		return rc;
	if (thread != 0) {
		rc = thread_root(ctx, c.id, thread, &root);
		if (rc != 0)
			return rc;
	}
	m.conv = c.id;
	m.author = user;
	m.body = xstrdup(body);
	m.thread = root.id;
	util_strlcpy(m.nonce, nonce, sizeof(m.nonce));
	m.created_at = util_now_ms();
	rc = store_msg_add(srv->store, &m);
	if (rc == 0)
		rc = event_message(ctx, "message.new", &m);
	if (rc == 0 && m.thread != 0)
		rc = reply_apply(ctx, &root, &m);
	if (rc == 0)
		rc = mentions_apply(ctx, &c, &m);
	if (rc == 0 && c.kind == TD_CONV_REQUEST)
		rc = request_on_message(ctx, &c, &m);
	if (rc == 0) {
		*id = m.id;
		if (ctx->out != NULL)
			reply_message(ctx, &m);
	}
	td_message_fini(&m);
	td_message_fini(&root);
	return rc;
}

int
msg_post_system(struct op_ctx *ctx, int64_t user, int64_t conv,
		const char *body, int64_t *id)
{
	struct td_message m;
	int rc;

	memset(&m, 0, sizeof(m));
	m.conv = conv;
	m.author = user;
	m.body = xstrdup(body);
	m.system = true;
	m.created_at = util_now_ms();
	rc = store_msg_add(ctx->srv->store, &m);
	if (rc == 0)
		rc = event_message(ctx, "message.new", &m);
	if (rc == 0 && id != NULL)
		*id = m.id;
	td_message_fini(&m);
	return rc;
}

int
h_msg_send(struct op_ctx *ctx)
{
	const struct proto_request *req = ctx->req;
	int64_t id;

	return msg_post(ctx, ctx->s->user.id, req->conv, req->body, req->nonce,
			(req->present & PF_THREAD) ? req->thread : 0, &id);
}

int
msg_load_visible(struct op_ctx *ctx, int64_t id, struct td_message *m,
		 struct td_conv *c)
{
	int rc = store_msg_get(ctx->srv->store, id, m);

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
	int rc = msg_load_visible(ctx, ctx->req->message, &m, &c);

	if (rc != 0)
		return rc;
	if (m.author != ctx->s->user.id) {
		ctx->why = "you can only edit your own messages";
		rc = TD_ERR_FORBIDDEN;
	} else if (m.system) {
		ctx->why = "lines the server wrote cannot be edited";
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
	int rc = msg_load_visible(ctx, ctx->req->message, &m, &c);

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
	if (rc == 0 && !already && m.thread != 0)
		rc = event_thread(ctx, m.thread);
	if (rc == 0)
		reply_message(ctx, &m);
	td_message_fini(&m);
	return rc;
}

int
msg_write_each(void *arg, const struct td_message *m)
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
			       req->limit, &more, msg_write_each, ctx->out);
	jw_arr_close(ctx->out);
	jw_kbool(ctx->out, "more", more);
	return rc;
}
