/*
 * h_auth.c: hello, register, login, logout, ping, user.list, invite.create.
 *
 * Password hashing and verifying run on the worker pool: the handler checks
 * what it can cheaply, moves the request into a job, pauses the connection
 * and returns OP_ASYNC; the job's done() resumes on the loop thread inside a
 * write savepoint (register_finish, login_finish). A password never leaves
 * the request struct, which wipes it when freed.
 */
#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "fanout.h"
#include "handlers.h"
#include "pool.h"
#include "server.h"
#include "session.h"
#include "store.h"
#include "util.h"

/* Login failures per handle: 10 per 15 minutes. */
#define LOGIN_FAIL_BURST 10.0
#define LOGIN_FAIL_PER_SEC (10.0 / 900.0)
/* Failed logins per address: 30 per minute. */
#define LOGIN_ADDR_BURST 30.0
#define LOGIN_ADDR_PER_SEC 0.5

enum auth_job_kind { AUTH_JOB_LOGIN, AUTH_JOB_REGISTER };

struct auth_job {
	struct pool_job base;	/* first: the pool sees only this */
	enum auth_job_kind kind;
	struct session *s;	/* referenced */
	struct proto_request *req;
	unsigned long long ops;
	size_t mem;
	/* Login: the stored hash (or the dummy) and the user it belongs to. */
	char hash[AUTH_HASH_MAX];
	bool user_exists;
	struct td_user user;
	/* Results, written by the worker. */
	bool ok;
	bool rehash;
	char new_hash[AUTH_HASH_MAX];
};

void
server_login_limits_init(struct server *srv)
{
	ratelimit_init(&srv->login_by_user, 4096, LOGIN_FAIL_PER_SEC,
		       LOGIN_FAIL_BURST);
	ratelimit_init(&srv->login_by_addr, 4096, LOGIN_ADDR_PER_SEC,
		       LOGIN_ADDR_BURST);
}

/*
 * Authenticate the session as `u` and start its event delivery, writing
 * user, head and (when needed) resync into the reply.
 */
static void
attach_user(struct op_ctx *ctx, const struct td_user *u, int64_t token_id)
{
	struct server *srv = ctx->srv;
	struct session *s = ctx->s;
	bool first = session_first_of_user(srv, u->id) == NULL;
	int64_t since = (ctx->req->present & PF_SINCE) ? ctx->req->since : -1;
	bool resync;

	session_set_user(s, u, token_id);
	resync = fanout_attach(srv, s, since);
	ctx->catch_up = s->needs_catch_up;
	if (first)
		fanout_presence(srv, u->id, true);
	jw_key(ctx->out, "user");
	proto_write_user(ctx->out, u, -1);
	jw_kint(ctx->out, "head", srv->head_seq);
	if (resync)
		jw_kbool(ctx->out, "resync", true);
}

/* Issue a new token for `user`; writes token and expires_at. */
static int
issue_token(struct op_ctx *ctx, int64_t user, int64_t *token_id)
{
	char text[TD_TOKEN_LEN + 1];
	unsigned char hash[32];
	int64_t expires = util_now_ms() + TD_TOKEN_TTL_MS;
	int rc;

	auth_token_new(text, hash);
	rc = store_token_add(ctx->srv->store, user, hash, expires, token_id);
	if (rc == 0) {
		jw_kstr(ctx->out, "token", text);
		jw_kint(ctx->out, "expires_at", expires);
	}
	auth_wipe(text, sizeof(text));
	return rc;
}

int
h_hello(struct op_ctx *ctx)
{
	struct server *srv = ctx->srv;
	struct td_user u;
	unsigned char hash[32];
	int64_t user_id, token_id, expires, users = 0;
	int rc;

	rc = store_user_count(srv->store, &users);
	if (rc != 0)
		return rc;
	if (ctx->req->present & PF_TOKEN) {
		auth_token_hash(ctx->req->token, hash);
		rc = store_token_lookup(srv->store, hash, util_now_ms(),
					&user_id, &token_id, &expires);
		if (rc == TD_ERR_NOT_FOUND)
			return TD_ERR_BAD_TOKEN;
		if (rc == 0)
			rc = store_user_get(srv->store, user_id, &u);
		if (rc == TD_ERR_NOT_FOUND)
			return TD_ERR_BAD_TOKEN;
		if (rc != 0)
			return rc;
	}
	jw_kstr(ctx->out, "protocol", TD_PROTOCOL_NAME);
	jw_kstr(ctx->out, "server", TD_SERVER_NAME);
	jw_key(ctx->out, "limits");
	proto_write_limits(ctx->out);
	jw_kbool(ctx->out, "open_registration", srv->opt.open_registration);
	jw_kbool(ctx->out, "needs_invite",
		 users > 0 && !srv->opt.open_registration);
	if (ctx->req->present & PF_TOKEN)
		attach_user(ctx, &u, token_id);
	else
		jw_kint(ctx->out, "head", srv->head_seq);
	return 0;
}

static void
auth_job_work(struct pool_job *base)
{
	struct auth_job *job = (struct auth_job *)base;
	const char *pw = job->req->password;

	if (job->kind == AUTH_JOB_REGISTER) {
		job->ok = auth_password_hash(pw, job->ops, job->mem,
					     job->new_hash) == 0;
		return;
	}
	job->ok = auth_password_verify(job->hash, pw) == 0 &&
		  job->user_exists;
	if (job->ok &&
	    auth_password_needs_rehash(job->hash, job->ops, job->mem))
		job->rehash = auth_password_hash(pw, job->ops, job->mem,
						 job->new_hash) == 0;
}

static int login_finish(struct op_ctx *ctx);
static int register_finish(struct op_ctx *ctx);

static void
auth_job_done(struct server *srv, struct pool_job *base)
{
	struct auth_job *job = (struct auth_job *)base;

	if (srv != NULL)
		dispatch_async_done(srv, job->s, job->req, true,
				    job->kind == AUTH_JOB_LOGIN
					    ? login_finish
					    : register_finish,
				    job);
	session_unref(job->s);
	dispatch_request_free(job->req);
	auth_wipe(job->new_hash, sizeof(job->new_hash));
	free(job);
}

/* Move the request into a job and hand it to the pool. */
static int
auth_job_submit(struct op_ctx *ctx, struct auth_job *job)
{
	int rc;

	job->base.work = auth_job_work;
	job->base.done = auth_job_done;
	job->ops = ctx->srv->opt.pwhash_ops;
	job->mem = ctx->srv->opt.pwhash_mem;
	job->req = dispatch_request_steal(ctx->req);
	job->s = session_ref(ctx->s);
	rc = pool_submit(ctx->srv->pool, &job->base);
	if (rc != 0) {
		/* Give the request back so the dispatcher frees it. */
		*ctx->req = *job->req;
		free(job->req);
		session_unref(job->s);
		free(job);
		return rc;
	}
	dispatch_async_begin(ctx->s);
	return OP_ASYNC;
}

int
h_login(struct op_ctx *ctx)
{
	struct server *srv = ctx->srv;
	struct auth_job *job;
	int64_t now = util_mono_ms();
	int rc;

	/*
	 * Each attempt reserves a token from both limits before hashing, so
	 * concurrent attempts cannot overrun them; a success gives them back
	 * (only failures count).
	 */
	if (!ratelimit_allows(&srv->login_by_addr, ctx->s->peer, now) ||
	    !ratelimit_allows(&srv->login_by_user, ctx->req->handle, now)) {
		ctx->why = "too many login attempts; try again later";
		return TD_ERR_RATE_LIMITED;
	}
	ratelimit_take(&srv->login_by_addr, ctx->s->peer, now);
	ratelimit_take(&srv->login_by_user, ctx->req->handle, now);
	job = xcalloc(1, sizeof(*job));
	job->kind = AUTH_JOB_LOGIN;
	rc = store_user_by_handle(srv->store, ctx->req->handle, &job->user,
				  job->hash, sizeof(job->hash));
	if (rc == TD_ERR_NOT_FOUND) {
		/* Same work for an unknown handle: no timing oracle. */
		util_strlcpy(job->hash, auth_dummy_hash(), sizeof(job->hash));
	} else if (rc != 0) {
		free(job);
		return rc;
	} else {
		job->user_exists = true;
	}
	return auth_job_submit(ctx, job);
}

static int
login_finish(struct op_ctx *ctx)
{
	struct server *srv = ctx->srv;
	struct auth_job *job = ctx->async;
	int64_t token_id;
	int rc;

	if (!job->ok)
		return TD_ERR_INVALID_CREDENTIALS;
	ratelimit_refund(&srv->login_by_user, ctx->req->handle);
	ratelimit_refund(&srv->login_by_addr, ctx->s->peer);
	if (job->rehash) {
		rc = store_user_set_pwhash(srv->store, job->user.id,
					   job->new_hash);
		if (rc != 0)
			return rc;
	}
	rc = issue_token(ctx, job->user.id, &token_id);
	if (rc != 0)
		return rc;
	attach_user(ctx, &job->user, token_id);
	return 0;
}

/* Password policy: length in characters, and not the handle itself. */
static bool
password_acceptable(const char *password, const char *handle)
{
	return proto_utf8_chars(password) >= TD_PASSWORD_MIN &&
	       strcmp(password, handle) != 0;
}

int
h_register(struct op_ctx *ctx)
{
	struct server *srv = ctx->srv;
	struct proto_request *req = ctx->req;
	struct auth_job *job;
	struct td_user existing;
	int64_t users;
	int rc;

	if (!password_acceptable(req->password, req->handle)) {
		ctx->why = "passwords need at least 10 characters and must "
			   "differ from the handle";
		return TD_ERR_WEAK_PASSWORD;
	}
	rc = store_user_by_handle(srv->store, req->handle, &existing, NULL,
				  0);
	if (rc == 0)
		return TD_ERR_HANDLE_TAKEN;
	if (rc != TD_ERR_NOT_FOUND)
		return rc;
	rc = store_user_count(srv->store, &users);
	if (rc != 0)
		return rc;
	if (users > 0 && !srv->opt.open_registration &&
	    !(req->present & PF_INVITE))
		return TD_ERR_INVITE_REQUIRED;
	job = xcalloc(1, sizeof(*job));
	job->kind = AUTH_JOB_REGISTER;
	return auth_job_submit(ctx, job);
}

static int
register_finish(struct op_ctx *ctx)
{
	struct server *srv = ctx->srv;
	struct proto_request *req = ctx->req;
	struct auth_job *job = ctx->async;
	struct td_user u;
	unsigned char hash[32];
	int64_t users, token_id;
	struct jw w;
	int rc;

	if (!job->ok)
		return TD_ERR_INTERNAL;
	rc = store_user_count(srv->store, &users);
	if (rc != 0)
		return rc;
	if (users > 0 && !srv->opt.open_registration) {
		if (!(req->present & PF_INVITE))
			return TD_ERR_INVITE_REQUIRED;
		auth_token_hash(req->invite, hash);
		rc = store_invite_use(srv->store, hash, util_now_ms());
		if (rc == TD_ERR_NOT_FOUND)
			return TD_ERR_INVITE_REQUIRED;
		if (rc != 0)
			return rc;
	}
	memset(&u, 0, sizeof(u));
	util_strlcpy(u.handle, req->handle, sizeof(u.handle));
	util_strlcpy(u.display_name, req->display_name,
		     sizeof(u.display_name));
	u.team = req->team;
	u.role = users == 0 ? TD_ROLE_ADMIN : TD_ROLE_MEMBER;
	rc = store_user_add(srv->store, &u, job->new_hash);
	if (rc != 0)
		return rc;
	rc = issue_token(ctx, u.id, &token_id);
	if (rc != 0)
		return rc;
	fanout_open(srv, &w, "user.new");
	jw_key(&w, "user");
	proto_write_user(&w, &u, -1);
	rc = fanout_commit(srv, &w, 0, 0);
	if (rc != 0)
		return rc;
	attach_user(ctx, &u, token_id);
	return 0;
}

int
h_logout(struct op_ctx *ctx)
{
	int rc = store_token_revoke(ctx->srv->store, ctx->s->token_id);

	if (rc != 0)
		return rc;
	ctx->close_token = ctx->s->token_id;
	return 0;
}

int
h_ping(struct op_ctx *ctx)
{
	jw_kint(ctx->out, "time", util_now_ms());
	return 0;
}

struct user_list_ctx {
	struct server *srv;
	struct jw *w;
};

static int
user_list_one(void *arg, const struct td_user *u)
{
	struct user_list_ctx *c = arg;

	proto_write_user(c->w, u,
			 session_first_of_user(c->srv, u->id) != NULL);
	return 0;
}

int
h_user_list(struct op_ctx *ctx)
{
	struct user_list_ctx c = { ctx->srv, ctx->out };
	int rc;

	jw_key(ctx->out, "users");
	jw_arr_open(ctx->out);
	rc = store_user_list(ctx->srv->store, user_list_one, &c);
	jw_arr_close(ctx->out);
	return rc;
}

int
h_invite_create(struct op_ctx *ctx)
{
	char code[TD_INVITE_LEN + 1];
	unsigned char hash[32];
	int64_t expires;
	int rc;

	if (ctx->s->user.role != TD_ROLE_ADMIN) {
		ctx->why = "only admins can create invites";
		return TD_ERR_FORBIDDEN;
	}
	expires = util_now_ms() + (int64_t)ctx->req->ttl_hours * 3600000;
	auth_invite_new(code, hash);
	rc = store_invite_add(ctx->srv->store, hash, ctx->s->user.id,
			      ctx->req->max_uses, expires);
	if (rc != 0)
		return rc;
	jw_kstr(ctx->out, "code", code);
	jw_kint(ctx->out, "expires_at", expires);
	return 0;
}
