/*
 * store_request.c: the SQLite side of content requests (store_request.h):
 * the requests table with its SLA clock columns, sla_targets, verdicts and
 * feedback_links (schema version 8 in store.c), plus the reads of users,
 * members and feedback that requests need.
 *
 * A request is read whole (row_request), with its verdict counts and
 * linked feedback ids from subqueries, and written back whole
 * (store_request_put): the lifecycle rules live in h_request.c, so no
 * statement here decides anything about a request's state.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_priv.h"
#include "store_request.h"
#include "tandem/errors.h"

/* The columns every request query selects, in row_request()'s order. */
#define REQ_COLS                                                           \
	"r.id, r.conv_id, r.kind, r.title, r.body, r.account, r.deal,"    \
	" r.stage, r.value, r.due_at, r.priority, r.status,"              \
	" r.resume_status, r.reason, r.requester, coalesce(r.assignee, 0)," \
	" coalesce(r.nonce, ''), r.created_at, r.updated_at,"              \
	" r.paused_since, r.paused_ms, r.dl_started_at,"                   \
	" r.fr_target_ms, r.fr_due_at, r.first_response_at,"               \
	" r.fr_stopped_at, r.fr_breached_at,"                              \
	" r.dl_target_ms, r.dl_due_at, r.delivered_at,"                    \
	" r.dl_stopped_at, r.dl_breached_at,"                              \
	" r.asset_url, r.asset_note, r.asset_at, coalesce(r.asset_by, 0),"  \
	" (SELECT count(*) FROM verdicts v WHERE v.request_id = r.id"      \
	"  AND v.verdict = 0),"                                            \
	" (SELECT count(*) FROM verdicts v WHERE v.request_id = r.id"      \
	"  AND v.verdict = 1),"                                            \
	" (SELECT count(*) FROM verdicts v WHERE v.request_id = r.id"      \
	"  AND v.verdict = 2),"                                            \
	" (SELECT group_concat(feedback_id) FROM (SELECT l.feedback_id"    \
	"  FROM feedback_links l WHERE l.request_id = r.id"                \
	"  ORDER BY l.feedback_id))"

static const char SQL_ADD[] =
	"INSERT INTO requests (conv_id, kind, title, body, account, deal,"
	" stage, value, due_at, priority, status, resume_status, reason,"
	" requester, assignee, nonce, created_at, updated_at, paused_since,"
	" paused_ms, dl_started_at, fr_target_ms, fr_due_at,"
	" first_response_at, fr_stopped_at, fr_breached_at, dl_target_ms,"
	" dl_due_at, delivered_at, dl_stopped_at, dl_breached_at, asset_url,"
	" asset_note, asset_at, asset_by) VALUES (?1, ?2, ?3, ?4, ?5, ?6,"
	" ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20,"
	" ?21, ?22, ?23, ?24, ?25, ?26, ?27, ?28, ?29, ?30, ?31, ?32, ?33,"
	" ?34, ?35)";

static const char SQL_PUT[] =
	"UPDATE requests SET kind = ?2, title = ?3, body = ?4, account = ?5,"
	" deal = ?6, stage = ?7, value = ?8, due_at = ?9, priority = ?10,"
	" status = ?11, resume_status = ?12, reason = ?13, assignee = ?15,"
	" updated_at = ?18, paused_since = ?19, paused_ms = ?20,"
	" dl_started_at = ?21, fr_target_ms = ?22, fr_due_at = ?23,"
	" first_response_at = ?24, fr_stopped_at = ?25,"
	" fr_breached_at = ?26, dl_target_ms = ?27, dl_due_at = ?28,"
	" delivered_at = ?29, dl_stopped_at = ?30, dl_breached_at = ?31,"
	" asset_url = ?32, asset_note = ?33, asset_at = ?34, asset_by = ?35"
	" WHERE id = ?36";

static const char SQL_GET[] =
	"SELECT " REQ_COLS " FROM requests r WHERE r.id = ?1";
static const char SQL_BY_CONV[] =
	"SELECT " REQ_COLS " FROM requests r WHERE r.conv_id = ?1";
static const char SQL_BY_NONCE[] =
	"SELECT " REQ_COLS " FROM requests r"
	" WHERE r.requester = ?1 AND r.nonce = ?2";

/* request.list: one statement per order, the same filters; ?6 is now
 * (only the queue order reads it: what is past due). Status < 0 means
 * the open ones: every enum td_request_status but delivered (5), closed
 * (6) and declined (7). */
#define LIST_WHERE                                                         \
	"SELECT " REQ_COLS " FROM requests r WHERE"                        \
	" (CASE WHEN ?1 < 0 THEN r.status IN (0, 1, 2, 3, 4, 8)"           \
	"  ELSE r.status = ?1 END)"                                        \
	" AND (?2 < 0 OR r.kind = ?2)"                                     \
	" AND (?3 < 0 OR coalesce(r.assignee, 0) = ?3)"                    \
	" AND (?4 IS NULL OR r.account = ?4 COLLATE NOCASE)"               \
	" AND (?5 = 0 OR r.requester = ?5)"
#define LIST_PAGE " LIMIT ?7 OFFSET ?8"

static const char SQL_LIST_QUEUE[] =
	LIST_WHERE " ORDER BY ((r.due_at > 0 AND r.due_at < ?6)"
	" OR (r.fr_breached_at > 0 AND r.first_response_at = 0)"
	" OR (r.dl_breached_at > 0 AND r.delivered_at = 0)) DESC,"
	" r.value DESC, r.due_at = 0, r.due_at, r.id" LIST_PAGE;
static const char SQL_LIST_DUE[] =
	LIST_WHERE " ORDER BY r.due_at = 0, r.due_at, r.id"
	LIST_PAGE;
static const char SQL_LIST_NEWEST[] =
	LIST_WHERE " ORDER BY r.created_at DESC, r.id DESC"
	LIST_PAGE;

static const char SQL_SLA_GET[] =
	"SELECT first_response_ms, delivery_ms FROM sla_targets"
	" WHERE priority = ?1";
static const char SQL_SLA_SET[] =
	"INSERT INTO sla_targets (priority, first_response_ms, delivery_ms)"
	" VALUES (?1, ?2, ?3) ON CONFLICT (priority) DO UPDATE SET"
	" first_response_ms = excluded.first_response_ms,"
	" delivery_ms = excluded.delivery_ms";
static const char SQL_SLA_LIST[] =
	"SELECT priority, first_response_ms, delivery_ms FROM sla_targets"
	" ORDER BY priority";

/* The next clock to breach: the WHERE terms match the partial indexes. */
static const char SQL_FR_NEXT[] =
	"SELECT fr_due_at, id FROM requests WHERE first_response_at = 0"
	" AND fr_stopped_at = 0 AND fr_breached_at = 0 AND paused_since = 0"
	" ORDER BY fr_due_at, id LIMIT 1";
static const char SQL_DL_NEXT[] =
	"SELECT dl_due_at, id FROM requests WHERE delivered_at = 0"
	" AND dl_stopped_at = 0 AND dl_breached_at = 0 AND paused_since = 0"
	" ORDER BY dl_due_at, id LIMIT 1";

static const char SQL_VERDICT_PUT[] =
	"INSERT INTO verdicts (request_id, user_id, verdict, note, deal,"
	" created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)"
	" ON CONFLICT (request_id, user_id) DO UPDATE SET"
	" verdict = excluded.verdict, note = excluded.note,"
	" deal = excluded.deal, created_at = excluded.created_at";
static const char SQL_VERDICT_LIST[] =
	"SELECT user_id, verdict, note, deal, created_at FROM verdicts"
	" WHERE request_id = ?1 ORDER BY created_at, user_id";

static const char SQL_FEEDBACK_EXISTS[] =
	"SELECT count(*) FROM feedback WHERE id = ?1";
static const char SQL_LINK[] =
	"INSERT OR IGNORE INTO feedback_links (feedback_id, request_id,"
	" created_at) VALUES (?1, ?2, ?3)";
static const char SQL_FEEDBACK_SOURCE[] =
	"SELECT kind, title, body, account, stage, value, author"
	" FROM feedback WHERE id = ?1";

static const char SQL_AUDIENCE[] =
	"SELECT requester FROM requests WHERE id = ?1"
	" UNION SELECT m.user_id FROM members m"
	" JOIN requests r ON m.conv_id = r.conv_id WHERE r.id = ?1"
	" UNION SELECT f.author FROM feedback_links l"
	" JOIN feedback f ON f.id = l.feedback_id WHERE l.request_id = ?1"
	" UNION SELECT v.user_id FROM feedback_links l"
	" JOIN feedback_votes v ON v.feedback_id = l.feedback_id"
	" WHERE l.request_id = ?1 ORDER BY 1";
static const char SQL_TEAM_USERS[] =
	"SELECT id FROM users WHERE team = ?1 ORDER BY id";

void
store_request_fini(struct store_request *r)
{
	free(r->body);
	free(r->feedback);
	r->body = NULL;
	r->feedback = NULL;
	r->n_feedback = 0;
}

/* Bind ?1..?35 in SQL_ADD's order (SQL_PUT uses the same numbers). */
static void
bind_request(sqlite3_stmt *s, const struct store_request *r)
{
	sqlite3_bind_int64(s, 1, r->conv);
	sqlite3_bind_int(s, 2, r->kind);
	store_bind_text(s, 3, r->title);
	store_bind_text(s, 4, r->body);
	store_bind_text(s, 5, r->account);
	store_bind_text(s, 6, r->deal);
	sqlite3_bind_int(s, 7, r->stage);
	sqlite3_bind_int64(s, 8, r->value);
	sqlite3_bind_int64(s, 9, r->due);
	sqlite3_bind_int(s, 10, r->priority);
	sqlite3_bind_int(s, 11, r->status);
	sqlite3_bind_int(s, 12, r->resume_status);
	store_bind_text(s, 13, r->reason);
	sqlite3_bind_int64(s, 14, r->requester);
	if (r->assignee > 0)
		sqlite3_bind_int64(s, 15, r->assignee);
	if (r->nonce[0] != '\0')
		store_bind_text(s, 16, r->nonce);
	sqlite3_bind_int64(s, 17, r->created_at);
	sqlite3_bind_int64(s, 18, r->updated_at);
	sqlite3_bind_int64(s, 19, r->paused_since);
	sqlite3_bind_int64(s, 20, r->paused_ms);
	sqlite3_bind_int64(s, 21, r->dl_started_at);
	sqlite3_bind_int64(s, 22, r->fr.target_ms);
	sqlite3_bind_int64(s, 23, r->fr.due_at);
	sqlite3_bind_int64(s, 24, r->fr.met_at);
	sqlite3_bind_int64(s, 25, r->fr.stopped_at);
	sqlite3_bind_int64(s, 26, r->fr.breached_at);
	sqlite3_bind_int64(s, 27, r->dl.target_ms);
	sqlite3_bind_int64(s, 28, r->dl.due_at);
	sqlite3_bind_int64(s, 29, r->dl.met_at);
	sqlite3_bind_int64(s, 30, r->dl.stopped_at);
	sqlite3_bind_int64(s, 31, r->dl.breached_at);
	store_bind_text(s, 32, r->asset_url);
	store_bind_text(s, 33, r->asset_note);
	sqlite3_bind_int64(s, 34, r->asset_at);
	if (r->asset_by > 0)
		sqlite3_bind_int64(s, 35, r->asset_by);
}

int
store_request_add(struct store *st, struct store_request *r)
{
	sqlite3_stmt *s = store_sql(st, SQL_ADD);
	int rc;

	if (s == NULL)
		return TD_ERR_STORAGE;
	bind_request(s, r);
	rc = store_exec_done(st, s, TD_ERR_CONFLICT, "request add");
	if (rc == 0)
		r->id = sqlite3_last_insert_rowid(store_db(st));
	return rc;
}

int
store_request_put(struct store *st, const struct store_request *r)
{
	sqlite3_stmt *s = store_sql(st, SQL_PUT);

	if (s == NULL)
		return TD_ERR_STORAGE;
	bind_request(s, r);
	sqlite3_bind_int64(s, 36, r->id);
	return store_exec_change(st, s, TD_ERR_CONFLICT, "request put");
}

/* Parse group_concat's "3,5,9" into an owned array. */
static void
row_feedback(sqlite3_stmt *s, int col, struct store_request *r)
{
	const char *p = (const char *)sqlite3_column_text(s, col);
	size_t n = 1;

	if (p == NULL || *p == '\0')
		return;
	for (const char *q = p; *q != '\0'; q++)
		n += *q == ',';
	r->feedback = calloc(n, sizeof(*r->feedback));
	if (r->feedback == NULL) {
		fprintf(stderr, "store: out of memory\n");
		abort();
	}
	while (*p != '\0' && r->n_feedback < n) {
		char *end;

		r->feedback[r->n_feedback++] = strtoll(p, &end, 10);
		p = *end == ',' ? end + 1 : end;
	}
}

static void
row_clock(sqlite3_stmt *s, int col, struct store_sla_clock *c)
{
	c->target_ms = sqlite3_column_int64(s, col);
	c->due_at = sqlite3_column_int64(s, col + 1);
	c->met_at = sqlite3_column_int64(s, col + 2);
	c->stopped_at = sqlite3_column_int64(s, col + 3);
	c->breached_at = sqlite3_column_int64(s, col + 4);
}

static void
row_request(sqlite3_stmt *s, struct store_request *r)
{
	memset(r, 0, sizeof(*r));
	r->id = sqlite3_column_int64(s, 0);
	r->conv = sqlite3_column_int64(s, 1);
	r->kind = sqlite3_column_int(s, 2);
	store_copy_col(r->title, sizeof(r->title), s, 3);
	r->body = store_col_dup(s, 4);
	store_copy_col(r->account, sizeof(r->account), s, 5);
	store_copy_col(r->deal, sizeof(r->deal), s, 6);
	r->stage = sqlite3_column_int(s, 7);
	r->value = sqlite3_column_int64(s, 8);
	r->due = sqlite3_column_int64(s, 9);
	r->priority = sqlite3_column_int(s, 10);
	r->status = sqlite3_column_int(s, 11);
	r->resume_status = sqlite3_column_int(s, 12);
	store_copy_col(r->reason, sizeof(r->reason), s, 13);
	r->requester = sqlite3_column_int64(s, 14);
	r->assignee = sqlite3_column_int64(s, 15);
	store_copy_col(r->nonce, sizeof(r->nonce), s, 16);
	r->created_at = sqlite3_column_int64(s, 17);
	r->updated_at = sqlite3_column_int64(s, 18);
	r->paused_since = sqlite3_column_int64(s, 19);
	r->paused_ms = sqlite3_column_int64(s, 20);
	r->dl_started_at = sqlite3_column_int64(s, 21);
	row_clock(s, 22, &r->fr);
	row_clock(s, 27, &r->dl);
	store_copy_col(r->asset_url, sizeof(r->asset_url), s, 32);
	store_copy_col(r->asset_note, sizeof(r->asset_note), s, 33);
	r->asset_at = sqlite3_column_int64(s, 34);
	r->asset_by = sqlite3_column_int64(s, 35);
	for (int i = 0; i < 3; i++)
		r->verdicts[i] = sqlite3_column_int(s, 36 + i);
	row_feedback(s, 39, r);
}

/* Step a bound one-row request query into *r, then reset it. */
static int
request_one(struct store *st, sqlite3_stmt *s, struct store_request *r,
	    const char *what)
{
	int rc = store_step_row(st, s, what);

	if (rc == 0)
		row_request(s, r);
	sqlite3_reset(s);
	return rc;
}

int
store_request_get(struct store *st, int64_t id, struct store_request *r)
{
	sqlite3_stmt *s = store_sql(st, SQL_GET);

	if (s == NULL)
		return TD_ERR_STORAGE;
	sqlite3_bind_int64(s, 1, id);
	return request_one(st, s, r, "request get");
}

int
store_request_by_conv(struct store *st, int64_t conv, struct store_request *r)
{
	sqlite3_stmt *s = store_sql(st, SQL_BY_CONV);

	if (s == NULL)
		return TD_ERR_STORAGE;
	sqlite3_bind_int64(s, 1, conv);
	return request_one(st, s, r, "request by conv");
}

int
store_request_by_nonce(struct store *st, int64_t requester, const char *nonce,
		       struct store_request *r)
{
	sqlite3_stmt *s = store_sql(st, SQL_BY_NONCE);

	if (s == NULL)
		return TD_ERR_STORAGE;
	sqlite3_bind_int64(s, 1, requester);
	store_bind_text(s, 2, nonce);
	return request_one(st, s, r, "request by nonce");
}

struct list_walk {
	int (*fn)(void *ctx, const struct store_request *r);
	void *ctx;
	int left;	/* rows still to hand out; the one after is "more" */
	bool more;
};

static int
list_row(void *arg, sqlite3_stmt *s)
{
	struct list_walk *l = arg;
	struct store_request r;
	int rc;

	if (l->left == 0) {
		l->more = true;
		return 0;
	}
	l->left--;
	row_request(s, &r);
	rc = l->fn(l->ctx, &r);
	store_request_fini(&r);
	return rc;
}

int
store_request_list(struct store *st, const struct store_request_filter *f,
		   bool *more,
		   int (*fn)(void *ctx, const struct store_request *r),
		   void *ctx)
{
	static const char *const sql[] = {
		[STORE_REQUEST_SORT_QUEUE] = SQL_LIST_QUEUE,
		[STORE_REQUEST_SORT_DUE] = SQL_LIST_DUE,
		[STORE_REQUEST_SORT_NEWEST] = SQL_LIST_NEWEST,
	};
	struct list_walk l = { fn, ctx, f->limit, false };
	sqlite3_stmt *s = store_sql(st, sql[f->sort]);
	int rc;

	if (s == NULL)
		return TD_ERR_STORAGE;
	sqlite3_bind_int(s, 1, f->status);
	sqlite3_bind_int(s, 2, f->kind);
	sqlite3_bind_int64(s, 3, f->assignee);
	if (f->account != NULL)
		store_bind_text(s, 4, f->account);
	sqlite3_bind_int64(s, 5, f->requester);
	sqlite3_bind_int64(s, 6, f->now);
	sqlite3_bind_int(s, 7, f->limit + 1);
	sqlite3_bind_int(s, 8, f->offset);
	rc = store_walk(st, s, "request list", list_row, &l);
	*more = l.more;
	return rc;
}

int
store_sla_get(struct store *st, int priority, int64_t *fr_ms, int64_t *dl_ms)
{
	sqlite3_stmt *s = store_sql(st, SQL_SLA_GET);
	int rc;

	if (s == NULL)
		return TD_ERR_STORAGE;
	sqlite3_bind_int(s, 1, priority);
	rc = store_step_row(st, s, "sla get");
	if (rc == 0) {
		*fr_ms = sqlite3_column_int64(s, 0);
		*dl_ms = sqlite3_column_int64(s, 1);
	}
	sqlite3_reset(s);
	return rc;
}

int
store_sla_set(struct store *st, int priority, int64_t fr_ms, int64_t dl_ms)
{
	sqlite3_stmt *s = store_sql(st, SQL_SLA_SET);

	if (s == NULL)
		return TD_ERR_STORAGE;
	sqlite3_bind_int(s, 1, priority);
	sqlite3_bind_int64(s, 2, fr_ms);
	sqlite3_bind_int64(s, 3, dl_ms);
	return store_exec_done(st, s, TD_ERR_CONFLICT, "sla set");
}

struct sla_walk {
	int (*fn)(void *ctx, int priority, int64_t fr_ms, int64_t dl_ms);
	void *ctx;
};

static int
sla_row(void *arg, sqlite3_stmt *s)
{
	struct sla_walk *w = arg;

	return w->fn(w->ctx, sqlite3_column_int(s, 0),
		     sqlite3_column_int64(s, 1), sqlite3_column_int64(s, 2));
}

int
store_sla_list(struct store *st,
	       int (*fn)(void *ctx, int priority, int64_t fr_ms,
			 int64_t dl_ms),
	       void *ctx)
{
	struct sla_walk w = { fn, ctx };
	sqlite3_stmt *s = store_sql(st, SQL_SLA_LIST);

	if (s == NULL)
		return TD_ERR_STORAGE;
	return store_walk(st, s, "sla list", sla_row, &w);
}

/* The first row of a "due, id" query: 0 or TD_ERR_NOT_FOUND. */
static int
clock_next(struct store *st, const char *sql, int64_t *due, int64_t *id)
{
	sqlite3_stmt *s = store_sql(st, sql);
	int rc;

	if (s == NULL)
		return TD_ERR_STORAGE;
	rc = store_step_row(st, s, "sla next");
	if (rc == 0) {
		*due = sqlite3_column_int64(s, 0);
		*id = sqlite3_column_int64(s, 1);
	}
	sqlite3_reset(s);
	return rc;
}

int
store_sla_next(struct store *st, int64_t *due, int64_t *request, int *clock)
{
	int64_t fr_due = 0, fr_id = 0, dl_due = 0, dl_id = 0;
	int fr = clock_next(st, SQL_FR_NEXT, &fr_due, &fr_id);
	int dl = clock_next(st, SQL_DL_NEXT, &dl_due, &dl_id);

	if (fr != 0 && fr != TD_ERR_NOT_FOUND)
		return fr;
	if (dl != 0 && dl != TD_ERR_NOT_FOUND)
		return dl;
	if (fr != 0 && dl != 0)
		return TD_ERR_NOT_FOUND;
	if (fr == 0 && (dl != 0 || fr_due <= dl_due)) {
		*due = fr_due;
		*request = fr_id;
		*clock = 0;
	} else {
		*due = dl_due;
		*request = dl_id;
		*clock = 1;
	}
	return 0;
}

int
store_verdict_put(struct store *st, int64_t request,
		  const struct store_verdict *v)
{
	sqlite3_stmt *s = store_sql(st, SQL_VERDICT_PUT);

	if (s == NULL)
		return TD_ERR_STORAGE;
	sqlite3_bind_int64(s, 1, request);
	sqlite3_bind_int64(s, 2, v->user);
	sqlite3_bind_int(s, 3, v->verdict);
	store_bind_text(s, 4, v->note);
	store_bind_text(s, 5, v->deal);
	sqlite3_bind_int64(s, 6, v->created_at);
	return store_exec_done(st, s, TD_ERR_CONFLICT, "verdict put");
}

struct verdict_walk {
	int (*fn)(void *ctx, const struct store_verdict *v);
	void *ctx;
};

static int
verdict_row(void *arg, sqlite3_stmt *s)
{
	struct verdict_walk *w = arg;
	struct store_verdict v;

	memset(&v, 0, sizeof(v));
	v.user = sqlite3_column_int64(s, 0);
	v.verdict = sqlite3_column_int(s, 1);
	store_copy_col(v.note, sizeof(v.note), s, 2);
	store_copy_col(v.deal, sizeof(v.deal), s, 3);
	v.created_at = sqlite3_column_int64(s, 4);
	return w->fn(w->ctx, &v);
}

int
store_verdict_list(struct store *st, int64_t request,
		   int (*fn)(void *ctx, const struct store_verdict *v),
		   void *ctx)
{
	struct verdict_walk w = { fn, ctx };
	sqlite3_stmt *s = store_sql(st, SQL_VERDICT_LIST);

	if (s == NULL)
		return TD_ERR_STORAGE;
	sqlite3_bind_int64(s, 1, request);
	return store_walk(st, s, "verdict list", verdict_row, &w);
}

int
store_request_link(struct store *st, int64_t request, int64_t feedback,
		   int64_t at, bool *added)
{
	sqlite3_stmt *s = store_sql(st, SQL_FEEDBACK_EXISTS);
	int64_t n = 0;
	int rc;

	if (s == NULL)
		return TD_ERR_STORAGE;
	sqlite3_bind_int64(s, 1, feedback);
	rc = store_query_int(st, s, &n, "feedback exists");
	if (rc != 0)
		return rc;
	if (n == 0)
		return TD_ERR_NOT_FOUND;
	s = store_sql(st, SQL_LINK);
	if (s == NULL)
		return TD_ERR_STORAGE;
	sqlite3_bind_int64(s, 1, feedback);
	sqlite3_bind_int64(s, 2, request);
	sqlite3_bind_int64(s, 3, at);
	rc = store_exec_done(st, s, TD_ERR_CONFLICT, "request link");
	if (rc == 0)
		*added = sqlite3_changes(store_db(st)) > 0;
	return rc;
}

int
store_feedback_source(struct store *st, int64_t feedback,
		      struct store_feedback_source *out)
{
	sqlite3_stmt *s = store_sql(st, SQL_FEEDBACK_SOURCE);
	int rc;

	if (s == NULL)
		return TD_ERR_STORAGE;
	sqlite3_bind_int64(s, 1, feedback);
	rc = store_step_row(st, s, "feedback source");
	if (rc == 0) {
		memset(out, 0, sizeof(*out));
		out->kind = sqlite3_column_int(s, 0);
		store_copy_col(out->title, sizeof(out->title), s, 1);
		out->body = store_col_dup(s, 2);
		store_copy_col(out->account, sizeof(out->account), s, 3);
		out->stage = sqlite3_column_int(s, 4);
		out->value = sqlite3_column_int64(s, 5);
		out->author = sqlite3_column_int64(s, 6);
	}
	sqlite3_reset(s);
	return rc;
}

struct id_walk {
	int (*fn)(void *ctx, int64_t user);
	void *ctx;
};

static int
id_row(void *arg, sqlite3_stmt *s)
{
	struct id_walk *w = arg;

	return w->fn(w->ctx, sqlite3_column_int64(s, 0));
}

int
store_request_audience(struct store *st, int64_t request,
		       int (*fn)(void *ctx, int64_t user), void *ctx)
{
	struct id_walk w = { fn, ctx };
	sqlite3_stmt *s = store_sql(st, SQL_AUDIENCE);

	if (s == NULL)
		return TD_ERR_STORAGE;
	sqlite3_bind_int64(s, 1, request);
	return store_walk(st, s, "request audience", id_row, &w);
}

int
store_team_users(struct store *st, int team,
		 int (*fn)(void *ctx, int64_t user), void *ctx)
{
	struct id_walk w = { fn, ctx };
	sqlite3_stmt *s = store_sql(st, SQL_TEAM_USERS);

	if (s == NULL)
		return TD_ERR_STORAGE;
	sqlite3_bind_int(s, 1, team);
	return store_walk(st, s, "team users", id_row, &w);
}
