/*
 * h_conv.c: conversations and membership: conv.list, conv.get, conv.create,
 * dm.open, conv.join, conv.leave, conv.invite, conv.remove, conv.update,
 * conv.archive, typing.
 *
 * Visibility rule (conv_load_visible): a conversation is visible to its
 * members, and an open one (td_conv_is_open: a public channel, a request's
 * or a feedback item's conversation) to everyone. Anything else answers
 * not_found exactly as a missing id does, so nobody learns that a private
 * conversation exists.
 */
#include <string.h>

#include "fanout.h"
#include "handlers.h"
#include "server.h"
#include "session.h"
#include "store.h"
#include "util.h"

int
conv_load_visible_to(struct server *srv, int64_t user, int64_t id,
		     struct td_conv *c)
{
	int rc = store_conv_get(srv->store, id, c);

	if (rc != 0)
		return rc;
	c->member = store_member_is(srv->store, id, user);
	if (!c->member && !td_conv_is_open(c))
		return TD_ERR_NOT_FOUND;
	return 0;
}

int
conv_load_visible(struct op_ctx *ctx, int64_t id, struct td_conv *c)
{
	return conv_load_visible_to(ctx->srv, ctx->s->user.id, id, c);
}

int
conv_load_postable(struct op_ctx *ctx, int64_t user, int64_t id,
		   struct td_conv *c)
{
	int rc = conv_load_visible_to(ctx->srv, user, id, c);

	if (rc != 0)
		return rc;
	if (!c->member) {
		ctx->why = "join the channel first";
		return TD_ERR_FORBIDDEN;
	}
	if (c->archived)
		return TD_ERR_ARCHIVED;
	return 0;
}

static bool
is_admin(const struct op_ctx *ctx)
{
	return ctx->s->user.role == TD_ROLE_ADMIN;
}

static bool
may_manage(const struct op_ctx *ctx, const struct td_conv *c)
{
	return is_admin(ctx) || c->created_by == ctx->s->user.id;
}

/* Reload a conversation (fresh counts) and write it as "conversation". */
static int
reply_conv(struct op_ctx *ctx, int64_t id)
{
	struct td_conv c;
	int rc = store_conv_get(ctx->srv->store, id, &c);

	if (rc != 0)
		return rc;
	c.member = store_member_is(ctx->srv->store, id, ctx->s->user.id);
	jw_key(ctx->out, "conversation");
	proto_write_conv(ctx->out, &c);
	return 0;
}

static int
member_id_one(void *arg, int64_t user)
{
	jw_int(arg, user);
	return 0;
}

/*
 * Queue a conv.new or conv.update event carrying the conversation and its
 * member ids. A public channel is announced to everyone (anyone may see and
 * join it); anything else goes to its members (conv) or one user (user).
 * Recipients tell from "members" whether they are in it.
 */
static int
event_conv(struct op_ctx *ctx, const char *name, int64_t id, int64_t conv,
	   int64_t user)
{
	struct td_conv c;
	struct jw w;
	int rc = store_conv_get(ctx->srv->store, id, &c);

	if (rc != 0)
		return rc;
	c.member = true;
	if (c.kind == TD_CONV_CHANNEL && !c.is_private) {
		conv = 0;
		user = 0;
		c.member = false;
	}
	fanout_open(ctx->srv, &w, name);
	jw_key(&w, "conversation");
	proto_write_conv(&w, &c);
	jw_key(&w, "members");
	jw_arr_open(&w);
	rc = store_member_list(ctx->srv->store, id, member_id_one, &w);
	jw_arr_close(&w);
	if (rc != 0) {
		jw_fini(&w);
		return rc;
	}
	return fanout_commit(ctx->srv, &w, conv, user);
}

/* member.join: `user` joined `conv`, brought in by `by`. */
int
event_member_join(struct op_ctx *ctx, int64_t conv, int64_t user, int64_t by)
{
	struct td_user u;
	struct jw w;
	int rc = store_user_get(ctx->srv->store, user, &u);

	if (rc != 0)
		return rc;
	fanout_open(ctx->srv, &w, "member.join");
	jw_kint(&w, "conv", conv);
	jw_key(&w, "user");
	proto_write_user(&w, &u, -1);
	jw_kint(&w, "by", by);
	return fanout_commit(ctx->srv, &w, conv, 0);
}

/* member.leave: to the remaining members and to the one who left. */
static int
event_member_leave(struct op_ctx *ctx, int64_t conv, int64_t user, int64_t by)
{
	struct jw w;

	fanout_open(ctx->srv, &w, "member.leave");
	jw_kint(&w, "conv", conv);
	jw_kint(&w, "user", user);
	jw_kint(&w, "by", by);
	return fanout_commit(ctx->srv, &w, conv, user);
}

struct conv_list_ctx {
	struct jw *w;
};

static int
conv_list_one(void *arg, const struct td_conv *c)
{
	struct conv_list_ctx *l = arg;

	proto_write_conv(l->w, c);
	return 0;
}

int
h_conv_list(struct op_ctx *ctx)
{
	struct conv_list_ctx l = { ctx->out };
	int rc;

	jw_key(ctx->out, "conversations");
	jw_arr_open(ctx->out);
	rc = store_conv_list_visible(ctx->srv->store, ctx->s->user.id,
				     conv_list_one, &l);
	jw_arr_close(ctx->out);
	return rc;
}

int
h_conv_get(struct op_ctx *ctx)
{
	struct td_conv c;
	int rc = conv_load_visible(ctx, ctx->req->conv, &c);

	if (rc != 0)
		return rc;
	jw_key(ctx->out, "conversation");
	proto_write_conv(ctx->out, &c);
	if (c.member) {
		enum td_notify notify;

		rc = store_prefs_get(ctx->srv->store, ctx->s->user.id, c.id,
				     &notify);
		if (rc != 0)
			return rc;
		jw_kstr(ctx->out, "notify", td_notify_name(notify));
	}
	jw_key(ctx->out, "members");
	jw_arr_open(ctx->out);
	rc = store_member_list(ctx->srv->store, c.id, member_id_one,
			       ctx->out);
	jw_arr_close(ctx->out);
	return rc;
}

/* Distinct other users named in `members`, all existing. */
static int
collect_members(struct op_ctx *ctx, int64_t *out, size_t *n)
{
	const struct proto_request *req = ctx->req;
	struct td_user u;
	size_t i, j;
	int rc;

	*n = 0;
	for (i = 0; i < req->n_members; i++) {
		int64_t id = req->members[i];
		bool dup = id == ctx->s->user.id;

		for (j = 0; j < *n && !dup; j++)
			dup = out[j] == id;
		if (dup)
			continue;
		rc = store_user_get(ctx->srv->store, id, &u);
		if (rc != 0)
			return rc;
		out[(*n)++] = id;
	}
	return 0;
}

int
h_conv_create(struct op_ctx *ctx)
{
	struct server *srv = ctx->srv;
	const struct proto_request *req = ctx->req;
	int64_t members[TD_MEMBERS_MAX];
	struct td_conv c;
	size_t n, i;
	int rc;

	memset(&c, 0, sizeof(c));
	c.kind = req->kind;
	c.created_by = ctx->s->user.id;
	if (req->present & PF_TOPIC)
		util_strlcpy(c.topic, req->topic, sizeof(c.topic));
	if (c.kind == TD_CONV_CHANNEL) {
		if (!(req->present & PF_NAME)) {
			ctx->why = "a channel needs a name";
			return TD_ERR_BAD_REQUEST;
		}
		util_strlcpy(c.name, req->name, sizeof(c.name));
		c.is_private = req->is_private;
	} else {
		if (req->present & (PF_NAME | PF_PRIVATE)) {
			ctx->why = "groups take neither name nor private";
			return TD_ERR_BAD_REQUEST;
		}
		c.is_private = true;
	}
	rc = collect_members(ctx, members, &n);
	if (rc != 0)
		return rc;
	if (c.kind == TD_CONV_GROUP &&
	    (n < 2 || n + 1 > TD_GROUP_MAX_MEMBERS)) {
		ctx->why = "a group has 3 to 9 people including you";
		return TD_ERR_BAD_REQUEST;
	}
	rc = store_conv_add(srv->store, &c);
	if (rc == 0)
		rc = store_member_add(srv->store, c.id, ctx->s->user.id);
	for (i = 0; rc == 0 && i < n; i++)
		rc = store_member_add(srv->store, c.id, members[i]);
	if (rc == 0)
		rc = event_conv(ctx, "conv.new", c.id, c.id, 0);
	if (rc == 0)
		rc = reply_conv(ctx, c.id);
	if (rc == TD_ERR_CONFLICT)
		ctx->why = "a channel with that name exists";
	return rc;
}

int
dm_between(struct op_ctx *ctx, int64_t me, int64_t other, int64_t *conv)
{
	struct server *srv = ctx->srv;
	struct td_user u;
	struct td_conv c;
	int rc;

	rc = store_user_get(srv->store, other, &u);
	if (rc != 0)
		return rc;
	rc = store_dm_find(srv->store, me, other, conv);
	if (rc != TD_ERR_NOT_FOUND)
		return rc;
	memset(&c, 0, sizeof(c));
	c.kind = TD_CONV_DM;
	c.is_private = true;
	c.created_by = me;
	rc = store_conv_add(srv->store, &c);
	if (rc == 0)
		rc = store_member_add(srv->store, c.id, me);
	if (rc == 0 && other != me)
		rc = store_member_add(srv->store, c.id, other);
	if (rc == 0)
		rc = store_dm_link(srv->store, me, other, c.id);
	if (rc == 0)
		rc = event_conv(ctx, "conv.new", c.id, c.id, 0);
	if (rc == 0)
		*conv = c.id;
	return rc;
}

int
h_dm_open(struct op_ctx *ctx)
{
	int64_t id;
	int rc = dm_between(ctx, ctx->s->user.id, ctx->req->user, &id);

	return rc != 0 ? rc : reply_conv(ctx, id);
}

int
group_between(struct op_ctx *ctx, int64_t creator, const int64_t *users,
	      size_t n, int64_t *conv)
{
	struct td_conv c;
	int rc;

	memset(&c, 0, sizeof(c));
	c.kind = TD_CONV_GROUP;
	c.is_private = true;
	c.created_by = creator;
	rc = store_conv_add(ctx->srv->store, &c);
	for (size_t i = 0; rc == 0 && i < n; i++)
		rc = store_member_add(ctx->srv->store, c.id, users[i]);
	if (rc == 0)
		rc = event_conv(ctx, "conv.new", c.id, c.id, 0);
	if (rc == 0)
		*conv = c.id;
	return rc;
}

int
conv_open_record(struct op_ctx *ctx, enum td_conv_kind kind, int64_t creator,
		 const char *title, int64_t *conv)
{
	struct td_conv c;
	int rc;

	memset(&c, 0, sizeof(c));
	c.kind = kind;
	c.is_private = false;
	c.created_by = creator;
	/* A title is at most TD_TITLE_CHARS characters, within a topic's. */
	util_strlcpy(c.topic, title, sizeof(c.topic));
	rc = store_conv_add(ctx->srv->store, &c);
	if (rc == 0)
		rc = store_member_add(ctx->srv->store, c.id, creator);
	if (rc == 0)
		rc = event_conv(ctx, "conv.new", c.id, c.id, 0);
	if (rc == 0)
		*conv = c.id;
	return rc;
}

int
conv_watch(struct op_ctx *ctx, int64_t conv, int64_t user, int64_t by,
	   bool watch)
{
	struct store *st = ctx->srv->store;
	bool member = store_member_is(st, conv, user);
	int rc;

	if (member == watch)
		return 0;
	if (watch) {
		rc = store_member_add(st, conv, user);
		if (rc == 0)
			rc = event_member_join(ctx, conv, user, by);
		/* The newcomer learns of the conversation itself. */
		if (rc == 0)
			rc = event_conv(ctx, "conv.new", conv, 0, user);
		return rc;
	}
	rc = store_member_remove(st, conv, user);
	if (rc == 0)
		rc = event_member_leave(ctx, conv, user, by);
	return rc;
}

int
h_conv_join(struct op_ctx *ctx)
{
	struct td_conv c;
	int rc = conv_load_visible(ctx, ctx->req->conv, &c);

	if (rc != 0)
		return rc;
	/* Channels, and the open conversations of requests and feedback
	 * (joining one is watching it); a private channel's non-members
	 * never get here (not_found above). */
	if (c.kind == TD_CONV_DM || c.kind == TD_CONV_GROUP)
		return TD_ERR_NOT_FOUND;
	if (c.member) {
		ctx->why = "already a member";
		return TD_ERR_CONFLICT;
	}
	if (c.archived)
		return TD_ERR_ARCHIVED;
	rc = store_member_add(ctx->srv->store, c.id, ctx->s->user.id);
	if (rc == 0)
		rc = event_member_join(ctx, c.id, ctx->s->user.id,
				       ctx->s->user.id);
	if (rc == 0)
		rc = reply_conv(ctx, c.id);
	return rc;
}

int
h_conv_leave(struct op_ctx *ctx)
{
	struct td_conv c;
	int rc = conv_load_visible(ctx, ctx->req->conv, &c);

	if (rc != 0)
		return rc;
	if (!c.member)
		return TD_ERR_NOT_FOUND;
	if (c.kind == TD_CONV_DM) {
		ctx->why = "a direct conversation cannot be left";
		return TD_ERR_CONFLICT;
	}
	if ((c.kind == TD_CONV_REQUEST || c.kind == TD_CONV_FEEDBACK) &&
	    c.created_by == ctx->s->user.id) {
		ctx->why = "whoever filed it always watches it";
		return TD_ERR_CONFLICT;
	}
	rc = store_member_remove(ctx->srv->store, c.id, ctx->s->user.id);
	if (rc == 0)
		rc = event_member_leave(ctx, c.id, ctx->s->user.id,
					ctx->s->user.id);
	return rc;
}

int
h_conv_invite(struct op_ctx *ctx)
{
	struct server *srv = ctx->srv;
	struct td_conv c;
	struct td_user u;
	int rc = conv_load_visible(ctx, ctx->req->conv, &c);

	if (rc != 0)
		return rc;
	if (!c.member) {
		ctx->why = "join the conversation first";
		return TD_ERR_FORBIDDEN;
	}
	if (c.kind == TD_CONV_DM) {
		ctx->why = "a direct conversation has two people; start a "
			   "group instead";
		return TD_ERR_FORBIDDEN;
	}
	if (c.archived)
		return TD_ERR_ARCHIVED;
	rc = store_user_get(srv->store, ctx->req->user, &u);
	if (rc != 0)
		return rc;
	if (c.kind == TD_CONV_GROUP &&
	    c.member_count + 1 > TD_GROUP_MAX_MEMBERS) {
		ctx->why = "a group has at most 9 people";
		return TD_ERR_CONFLICT;
	}
	rc = store_member_add(srv->store, c.id, u.id);
	if (rc == TD_ERR_CONFLICT)
		ctx->why = "already a member";
	if (rc == 0)
		rc = event_member_join(ctx, c.id, u.id, ctx->s->user.id);
	if (rc == 0)
		rc = event_conv(ctx, "conv.new", c.id, 0, u.id);
	return rc;
}

int
h_conv_remove(struct op_ctx *ctx)
{
	struct td_conv c;
	int rc = conv_load_visible(ctx, ctx->req->conv, &c);

	if (rc != 0)
		return rc;
	if (!may_manage(ctx, &c) || c.kind == TD_CONV_DM) {
		ctx->why = "only the creator or an admin can remove people";
		return TD_ERR_FORBIDDEN;
	}
	if ((c.kind == TD_CONV_REQUEST || c.kind == TD_CONV_FEEDBACK) &&
	    c.created_by == ctx->req->user) {
		ctx->why = "whoever filed it always watches it";
		return TD_ERR_CONFLICT;
	}
	rc = store_member_remove(ctx->srv->store, c.id, ctx->req->user);
	if (rc == 0)
		rc = event_member_leave(ctx, c.id, ctx->req->user,
					ctx->s->user.id);
	return rc;
}

int
h_conv_update(struct op_ctx *ctx)
{
	struct server *srv = ctx->srv;
	const struct proto_request *req = ctx->req;
	struct td_conv c;
	int rc = conv_load_visible(ctx, req->conv, &c);

	if (rc != 0)
		return rc;
	/* Members set the topic; admins may manage channels they are not in. */
	if (!c.member && !is_admin(ctx)) {
		ctx->why = "join the conversation first";
		return TD_ERR_FORBIDDEN;
	}
	if (c.archived)
		return TD_ERR_ARCHIVED;
	if (!(req->present & (PF_TOPIC | PF_NAME))) {
		ctx->why = "give a topic or a name";
		return TD_ERR_BAD_REQUEST;
	}
	if ((req->present & PF_NAME) &&
	    (c.kind != TD_CONV_CHANNEL || !may_manage(ctx, &c))) {
		ctx->why = "only the creator or an admin can rename a channel";
		return TD_ERR_FORBIDDEN;
	}
	if (req->present & PF_TOPIC)
		rc = store_conv_set_topic(srv->store, c.id, req->topic);
	if (rc == 0 && (req->present & PF_NAME))
		rc = store_conv_set_name(srv->store, c.id, req->name);
	if (rc == TD_ERR_CONFLICT)
		ctx->why = "a channel with that name exists";
	if (rc == 0)
		rc = event_conv(ctx, "conv.update", c.id, c.id, 0);
	if (rc == 0)
		rc = reply_conv(ctx, c.id);
	return rc;
}

int
h_conv_archive(struct op_ctx *ctx)
{
	struct td_conv c;
	int rc = conv_load_visible(ctx, ctx->req->conv, &c);

	if (rc != 0)
		return rc;
	if (c.kind != TD_CONV_CHANNEL || !may_manage(ctx, &c)) {
		ctx->why = "only the creator or an admin can archive a channel";
		return TD_ERR_FORBIDDEN;
	}
	if (!c.archived) {
		rc = store_conv_set_archived(ctx->srv->store, c.id, true);
		if (rc == 0)
			rc = event_conv(ctx, "conv.update", c.id, c.id, 0);
	}
	if (rc == 0)
		rc = reply_conv(ctx, c.id);
	return rc;
}

int
h_typing(struct op_ctx *ctx)
{
	struct td_conv c;
	struct jw w;
	int rc = conv_load_visible(ctx, ctx->req->conv, &c);

	if (rc != 0)
		return rc;
	if (!c.member)
		return TD_ERR_NOT_FOUND;
	fanout_open_ephemeral(&w, "typing");
	jw_kint(&w, "conv", c.id);
	jw_kint(&w, "user", ctx->s->user.id);
	fanout_commit_ephemeral(ctx->srv, &w, c.id, ctx->s->id);
	return 0;
}
