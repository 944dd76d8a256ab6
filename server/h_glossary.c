/*
 * h_glossary.c: the glossary and its approvers.
 *
 * A term is a shared definition (MQL, SQL, ICP...) that both teams agree
 * on. Anyone creates a term or edits its definition; every edit is a new
 * version and history keeps them all. A version counts as agreed once an
 * approver of sales and an approver of marketing have acknowledged it;
 * until then the term is pending and the last agreed text stays visible
 * beside the new one. Admins choose the approvers (approver.set).
 *
 * The life of the current version:
 *
 *   create / edit --> pending --ack (one team)--> pending, acked
 *                        ^                            |
 *                        |                   ack (the other team)
 *                        |                            v
 *                        +---------- edit -------- agreed
 *
 * Every change is a glossary.update event to everyone, since both teams
 * must hear when a definition changes; approver.set announces the user's
 * new flag with user.update to everyone. Nothing here is hidden: not_found
 * only means no such term or user.
 */
#include <string.h>

#include "fanout.h"
#include "handlers.h"
#include "server.h"
#include "session.h"
#include "store.h"
#include "store_glossary.h"
#include "util.h"

static void
ids_write(struct jw *w, const char *key, const int64_t *ids, size_t n)
{
	jw_key(w, key);
	jw_arr_open(w);
	for (size_t i = 0; i < n; i++)
		jw_int(w, ids[i]);
	jw_arr_close(w);
}

/* The Term object's members (PROTOCOL.md "Glossary"), without braces. */
static void
term_members(struct jw *w, const struct store_term *t)
{
	bool agreed = t->agreed_version == t->version;

	jw_kint(w, "id", t->id);
	jw_kstr(w, "name", t->name);
	jw_kstr(w, "definition", t->definition);
	jw_kint(w, "version", t->version);
	jw_kint(w, "agreed_version", t->agreed_version);
	jw_kstr(w, "agreed_definition", t->agreed_definition);
	jw_kstr(w, "status", agreed ? "agreed" : "pending");
	jw_key(w, "acks");
	jw_obj_open(w);
	ids_write(w, "sales", t->acks[TD_TEAM_SALES], t->n_acks[TD_TEAM_SALES]);
	ids_write(w, "marketing", t->acks[TD_TEAM_MARKETING],
		  t->n_acks[TD_TEAM_MARKETING]);
	jw_obj_close(w);
	jw_kint(w, "created_by", t->created_by);
	jw_kint(w, "created_at", t->created_at);
	jw_kint(w, "updated_at", t->updated_at);
}

static void
term_write(struct jw *w, const struct store_term *t)
{
	jw_obj_open(w);
	term_members(w, t);
	jw_obj_close(w);
}

/* Reply with the term, and tell everyone what changed when `change`. */
static int
term_done(struct op_ctx *ctx, int64_t id, const char *change)
{
	struct store_term t;
	struct jw w;
	int rc = store_term_get(ctx->srv->store, id, &t);

	if (rc != 0)
		return rc;
	if (change != NULL) {
		fanout_open(ctx->srv, &w, "glossary.update");
		jw_key(&w, "term");
		term_write(&w, &t);
		jw_kstr(&w, "change", change);
		rc = fanout_commit(ctx->srv, &w, 0, 0);
	}
	if (rc == 0) {
		jw_key(ctx->out, "term");
		term_write(ctx->out, &t);
	}
	store_term_fini(&t);
	return rc;
}

/* The title without the spaces around it; false when nothing is left. */
static bool
term_name(char *title)
{
	size_t n = strlen(title);
	size_t skip = strspn(title, " ");

	while (n > skip && title[n - 1] == ' ')
		n--;
	memmove(title, title + skip, n - skip);
	title[n - skip] = '\0';
	return n > skip;
}

int
h_glossary_create(struct op_ctx *ctx)
{
	struct proto_request *req = ctx->req;
	int64_t id;
	int rc;

	if (!term_name(req->title)) {
		ctx->why = "give the term a name";
		return TD_ERR_BAD_REQUEST;
	}
	rc = store_term_add(ctx->srv->store, req->title, req->body,
			    ctx->s->user.id, util_now_ms(), &id);
	if (rc == TD_ERR_CONFLICT)
		ctx->why = "that term exists already: edit it instead";
	return rc != 0 ? rc : term_done(ctx, id, "created");
}

int
h_glossary_edit(struct op_ctx *ctx)
{
	struct proto_request *req = ctx->req;
	struct store_term t;
	int rc = store_term_get(ctx->srv->store, req->term, &t);

	if (rc != 0)
		return rc;
	if (strcmp(t.definition, req->body) == 0) {
		ctx->why = "the definition is unchanged: change the text first";
		rc = TD_ERR_CONFLICT;
	}
	store_term_fini(&t);
	if (rc == 0)
		rc = store_term_edit(ctx->srv->store, req->term, req->body,
				     ctx->s->user.id, util_now_ms());
	return rc != 0 ? rc : term_done(ctx, req->term, "edited");
}

static int
history_each(void *arg, const struct store_term_version *v)
{
	struct jw *w = arg;

	jw_obj_open(w);
	jw_kint(w, "version", v->version);
	jw_kstr(w, "definition", v->definition);
	jw_kint(w, "author", v->author);
	jw_kint(w, "created_at", v->created_at);
	jw_kint(w, "agreed_at", v->agreed_at);
	jw_obj_close(w);
	return 0;
}

int
h_glossary_get(struct op_ctx *ctx)
{
	struct store_term t;
	int rc = store_term_get(ctx->srv->store, ctx->req->term, &t);

	if (rc != 0)
		return rc;
	jw_key(ctx->out, "term");
	jw_obj_open(ctx->out);
	term_members(ctx->out, &t);
	jw_key(ctx->out, "history");
	jw_arr_open(ctx->out);
	rc = store_term_history(ctx->srv->store, t.id, TD_TERM_VERSIONS_MAX,
				history_each, ctx->out);
	jw_arr_close(ctx->out);
	jw_obj_close(ctx->out);
	store_term_fini(&t);
	return rc;
}

static int
list_each(void *arg, const struct store_term *t)
{
	term_write(arg, t);
	return 0;
}

int
h_glossary_list(struct op_ctx *ctx)
{
	int rc;

	jw_key(ctx->out, "terms");
	jw_arr_open(ctx->out);
	rc = store_term_list(ctx->srv->store, list_each, ctx->out);
	jw_arr_close(ctx->out);
	return rc;
}

/*
 * May the caller acknowledge `version` of `t`? Read from the store, not
 * the session, so an approver.set takes effect on live connections.
 */
static int
ack_check(struct op_ctx *ctx, const struct store_term *t, struct td_user *u)
{
	int rc = store_user_get(ctx->srv->store, ctx->s->user.id, u);

	if (rc != 0)
		return rc;
	if (!u->approver || u->team == TD_TEAM_OTHER) {
		ctx->why =
			"only glossary approvers can acknowledge: ask an admin";
		return TD_ERR_FORBIDDEN;
	}
	if (ctx->req->version > t->version) {
		ctx->why = "no such version yet: acknowledge the current one";
		return TD_ERR_NOT_FOUND;
	}
	if (ctx->req->version < t->version) {
		ctx->why =
			"a newer version exists: acknowledge the current one";
		return TD_ERR_CONFLICT;
	}
	return 0;
}

/*
 * After a new ack: the current version becomes agreed when an approver of
 * each team has acknowledged it. *change says which happened.
 */
static int
ack_agree(struct op_ctx *ctx, int64_t now, const char **change)
{
	struct store *st = ctx->srv->store;
	struct store_term t;
	int rc = store_term_get(st, ctx->req->term, &t);

	*change = "acked";
	if (rc != 0)
		return rc;
	if (t.agreed_version != t.version && t.n_acks[TD_TEAM_SALES] > 0 &&
	    t.n_acks[TD_TEAM_MARKETING] > 0) {
		*change = "agreed";
		rc = store_term_agree(st, t.id, t.version, now);
	}
	store_term_fini(&t);
	return rc;
}

int
h_glossary_ack(struct op_ctx *ctx)
{
	int64_t now = util_now_ms();
	const char *change;
	struct store_term t;
	struct td_user u;
	bool added = false;
	int rc = store_term_get(ctx->srv->store, ctx->req->term, &t);

	if (rc != 0)
		return rc;
	rc = ack_check(ctx, &t, &u);
	if (rc == 0)
		rc = store_term_ack(ctx->srv->store, t.id, t.version, u.id,
				    u.team, now, &added);
	store_term_fini(&t);
	if (rc != 0)
		return rc;
	/* Acknowledging twice changes nothing and announces nothing. */
	if (!added)
		return term_done(ctx, ctx->req->term, NULL);
	rc = ack_agree(ctx, now, &change);
	return rc != 0 ? rc : term_done(ctx, ctx->req->term, change);
}

int
h_approver_set(struct op_ctx *ctx)
{
	struct proto_request *req = ctx->req;
	struct td_user u;
	struct jw w;
	int rc;

	if (ctx->s->user.role != TD_ROLE_ADMIN) {
		ctx->why = "only admins can choose glossary approvers";
		return TD_ERR_FORBIDDEN;
	}
	rc = store_user_get(ctx->srv->store, req->user, &u);
	if (rc != 0)
		return rc;
	if (req->approver && u.team == TD_TEAM_OTHER) {
		ctx->why = "approvers speak for sales or marketing: pick "
			   "someone on those teams";
		return TD_ERR_BAD_REQUEST;
	}
	if (u.approver != req->approver) {
		rc = store_user_set_approver(ctx->srv->store, u.id,
					     req->approver);
		if (rc != 0)
			return rc;
		u.approver = req->approver;
		fanout_open(ctx->srv, &w, "user.update");
		jw_key(&w, "user");
		proto_write_user(&w, &u, -1);
		rc = fanout_commit(ctx->srv, &w, 0, 0);
	}
	if (rc == 0) {
		jw_key(ctx->out, "user");
		proto_write_user(ctx->out, &u, -1);
	}
	return rc;
}
