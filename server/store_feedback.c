/*
 * store_feedback.c: feedback items and their "me too" votes in SQLite
 * (store_feedback.h), on the tables of migration version 7 plus
 * feedback_links (version 8, written by the requests module).
 *
 * An item's counts (votes, votes per weight, value_total), its accounts,
 * the viewer's own vote and its linked requests are computed by correlated
 * subqueries in the statement that reads the item, so a page of the inbox
 * is one statement and nothing is kept as a counter that could drift.
 * Accounts travel from SQL as one group_concat() joined by U+001F, a
 * control character no account can hold (proto_valid_line refuses it).
 *
 * This file must never hold a statement across calls (store_walk() and
 * the helpers reset each one) and never abort on bad input.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_feedback.h"
#include "store_priv.h"
#include "tandem/errors.h"

/* The separator of the accounts list (see above). */
#define ACCOUNT_SEP '\x1f'

/*
 * An item with its derived columns; ?1 is always the viewer. Columns:
 * 0 id, 1 conv, 2 kind, 3 title, 4 body, 5 account, 6 competitor, 7 stage,
 * 8 value, 9 status, 10 author, 11 nonce, 12 created_at, 13 updated_at,
 * 14 votes, 15 important, 16 deal_blocker, 17 value_total, 18 voted,
 * 19 accounts, 20 requests. The accounts keep the spelling of their
 * first use (the author's, then votes in the order they were cast).
 */
#define FB_SELECT                                                              \
	"SELECT f.id, f.conv_id, f.kind, f.title, f.body, f.account,"          \
	" f.competitor, f.stage, f.value, f.status, f.author,"                 \
	" coalesce(f.nonce, ''), f.created_at, f.updated_at,"                  \
	" (SELECT count(*) FROM feedback_votes v"                              \
	"  WHERE v.feedback_id = f.id) AS n_votes,"                            \
	" (SELECT count(*) FROM feedback_votes v"                              \
	"  WHERE v.feedback_id = f.id AND v.weight = 1),"                      \
	" (SELECT count(*) FROM feedback_votes v"                              \
	"  WHERE v.feedback_id = f.id AND v.weight = 2),"                      \
	" f.value + (SELECT coalesce(sum(v.value), 0) FROM feedback_votes v"   \
	"  WHERE v.feedback_id = f.id) AS value_total,"                        \
	" EXISTS (SELECT 1 FROM feedback_votes v"                              \
	"  WHERE v.feedback_id = f.id AND v.user_id = ?1),"                    \
	" (SELECT group_concat(a, char(31)) FROM"                              \
	"  (SELECT a, min(o) FROM"                                             \
	"   (SELECT f.account AS a, -1 AS o"                                   \
	"    UNION ALL SELECT v.account, v.created_at FROM feedback_votes v"   \
	"    WHERE v.feedback_id = f.id)"                                      \
	"   WHERE a <> '' GROUP BY a COLLATE NOCASE ORDER BY min(o))),"        \
	" (SELECT group_concat(request_id) FROM"                               \
	"  (SELECT l.request_id FROM feedback_links l"                         \
	"   WHERE l.feedback_id = f.id ORDER BY l.request_id))"                \
	" FROM feedback f"

static const char SQL_ADD[] =
	"INSERT INTO feedback (conv_id, kind, title, body, account,"
	" competitor, stage, value, status, author, nonce, created_at,"
	" updated_at)"
	" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 0, ?9, nullif(?10, ''),"
	" ?11, ?11)";
static const char SQL_GET[] = FB_SELECT " WHERE f.id = ?2";
static const char SQL_BY_NONCE[] =
	FB_SELECT " WHERE f.author = ?2 AND f.nonce = ?3";
static const char SQL_BY_CONV[] = FB_SELECT " WHERE f.conv_id = ?2";
static const char SQL_SET_STATUS[] =
	"UPDATE feedback SET status = ?2, updated_at = ?3 WHERE id = ?1";
static const char SQL_TOUCH[] =
	"UPDATE feedback SET updated_at = ?2 WHERE id = ?1";
static const char SQL_VOTE_SET[] =
	"INSERT INTO feedback_votes (feedback_id, user_id, account, weight,"
	" value, stage, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"
	" ON CONFLICT (feedback_id, user_id) DO UPDATE SET"
	" account = excluded.account, weight = excluded.weight,"
	" value = excluded.value, stage = excluded.stage";
static const char SQL_VOTE_REMOVE[] =
	"DELETE FROM feedback_votes WHERE feedback_id = ?1 AND user_id = ?2";
static const char SQL_VOTES[] =
	"SELECT feedback_id, user_id, account, weight, value, stage,"
	" created_at FROM feedback_votes WHERE feedback_id = ?1"
	" ORDER BY created_at, user_id";

/* The inbox: ?2 kind, ?3 status, ?4 account, ?5 competitor, ?6 after,
 * ?7 before, ?8 limit, ?9 offset; one statement per order. */
#define FB_FILTER                                                              \
	FB_SELECT                                                              \
	" WHERE (?2 < 0 OR f.kind = ?2) AND (?3 < 0 OR f.status = ?3)"         \
	" AND (?4 = '' OR f.account = ?4 COLLATE NOCASE OR EXISTS"             \
	"  (SELECT 1 FROM feedback_votes v WHERE v.feedback_id = f.id"         \
	"   AND v.account = ?4 COLLATE NOCASE))"                               \
	" AND (?5 = '' OR f.competitor = ?5 COLLATE NOCASE)"                   \
	" AND f.created_at > ?6 AND (?7 = 0 OR f.created_at < ?7)"
#define FB_PAGE " LIMIT ?8 OFFSET ?9"

static const char SQL_LIST_VOTES[] =
	FB_FILTER " ORDER BY n_votes DESC, value_total DESC,"
		  " f.created_at DESC, f.id DESC" FB_PAGE;
static const char SQL_LIST_VALUE[] = FB_FILTER
	" ORDER BY value_total DESC, f.created_at DESC, f.id DESC" FB_PAGE;
static const char SQL_LIST_NEWEST[] =
	FB_FILTER " ORDER BY f.created_at DESC, f.id DESC" FB_PAGE;

/*
 * Activity per kind and per competitor in the two windows: ?1 now, ?2 the
 * recent window's length, ?3 both windows' length. Kinds come with an
 * empty name (the caller names them), competitors with kind -1.
 */
static const char SQL_SPIKES[] =
	"WITH ev(kind, competitor, at) AS ("
	" SELECT kind, competitor, created_at FROM feedback"
	"  WHERE created_at > ?1 - ?3 AND created_at <= ?1"
	" UNION ALL"
	" SELECT f.kind, f.competitor, v.created_at FROM feedback_votes v"
	"  JOIN feedback f ON f.id = v.feedback_id"
	"  WHERE v.created_at > ?1 - ?3 AND v.created_at <= ?1),"
	" c(kind, name, last, prior) AS ("
	" SELECT kind, '', sum(at > ?1 - ?2), sum(at <= ?1 - ?2) FROM ev"
	"  GROUP BY kind"
	" UNION ALL"
	" SELECT -1, min(competitor), sum(at > ?1 - ?2), sum(at <= ?1 - ?2)"
	"  FROM ev WHERE competitor <> '' GROUP BY competitor COLLATE NOCASE)"
	" SELECT kind, name, last, prior, prior / 4.0,"
	" last / max(prior / 4.0, 1.0) AS ratio FROM c"
	" WHERE last >= 3 AND 2 * last >= prior"
	" ORDER BY ratio DESC, last DESC, kind DESC, name";

void
store_feedback_fini(struct store_feedback *f)
{
	free(f->body);
	for (size_t i = 0; i < f->n_accounts; i++)
		free(f->accounts[i]);
	free(f->accounts);
	free(f->requests);
	memset(f, 0, sizeof(*f));
}

static void *
fb_calloc(size_t n, size_t size)
{
	void *p = calloc(n, size);

	if (p == NULL) {
		fprintf(stderr, "store: out of memory\n");
		abort();
	}
	return p;
}

/* Split column `col` (entries joined by `sep`) into heap strings. */
static void
row_accounts(sqlite3_stmt *s, int col, struct store_feedback *f)
{
	const char *t = (const char *)sqlite3_column_text(s, col);
	size_t n = 1;

	if (t == NULL || *t == '\0')
		return;
	for (const char *p = t; *p != '\0'; p++)
		n += *p == ACCOUNT_SEP;
	f->accounts = fb_calloc(n, sizeof(*f->accounts));
	while (f->n_accounts < n) {
		const char *end = strchr(t, ACCOUNT_SEP);
		size_t len = end != NULL ? (size_t)(end - t) : strlen(t);
		char *a = fb_calloc(len + 1, 1);

		memcpy(a, t, len);
		f->accounts[f->n_accounts++] = a;
		t += len + (end != NULL);
	}
}

/* "4,9" (group_concat of request ids) into f->requests. */
static void
row_requests(sqlite3_stmt *s, int col, struct store_feedback *f)
{
	const char *t = (const char *)sqlite3_column_text(s, col);
	size_t n = 1;
	char *end;

	if (t == NULL || *t == '\0')
		return;
	for (const char *p = t; *p != '\0'; p++)
		n += *p == ',';
	f->requests = fb_calloc(n, sizeof(*f->requests));
	while (f->n_requests < n) {
		f->requests[f->n_requests++] = strtoll(t, &end, 10);
		if (*end != ',')
			break;
		t = end + 1;
	}
}

/* Fill *f from a FB_SELECT row; *f then owns its heap parts. */
static void
row_feedback(sqlite3_stmt *s, struct store_feedback *f)
{
	memset(f, 0, sizeof(*f));
	f->id = sqlite3_column_int64(s, 0);
	f->conv = sqlite3_column_int64(s, 1);
	f->kind = sqlite3_column_int(s, 2);
	store_copy_col(f->title, sizeof(f->title), s, 3);
	f->body = store_col_dup(s, 4);
	store_copy_col(f->account, sizeof(f->account), s, 5);
	store_copy_col(f->competitor, sizeof(f->competitor), s, 6);
	f->stage = sqlite3_column_int(s, 7);
	f->value = sqlite3_column_int64(s, 8);
	f->status = sqlite3_column_int(s, 9);
	f->author = sqlite3_column_int64(s, 10);
	store_copy_col(f->nonce, sizeof(f->nonce), s, 11);
	f->created_at = sqlite3_column_int64(s, 12);
	f->updated_at = sqlite3_column_int64(s, 13);
	f->votes = sqlite3_column_int(s, 14);
	f->weights[TD_WEIGHT_IMPORTANT] = sqlite3_column_int(s, 15);
	f->weights[TD_WEIGHT_DEAL_BLOCKER] = sqlite3_column_int(s, 16);
	f->weights[TD_WEIGHT_NICE_TO_HAVE] = f->votes -
					     f->weights[TD_WEIGHT_IMPORTANT] -
					     f->weights[TD_WEIGHT_DEAL_BLOCKER];
	f->value_total = sqlite3_column_int64(s, 17);
	f->voted = sqlite3_column_int(s, 18) != 0;
	row_accounts(s, 19, f);
	row_requests(s, 20, f);
}

/* Step a FB_SELECT statement for one item, then reset it. */
static int
feedback_one(struct store *st, sqlite3_stmt *s, struct store_feedback *f,
	     const char *what)
{
	int rc = store_step_row(st, s, what);

	if (rc == 0)
		row_feedback(s, f);
	sqlite3_reset(s);
	return rc;
}

int
store_feedback_add(struct store *st, struct store_feedback *f)
{
	sqlite3_stmt *s = store_sql(st, SQL_ADD);
	int rc;

	if (s == NULL)
		return TD_ERR_STORAGE;
	sqlite3_bind_int64(s, 1, f->conv);
	sqlite3_bind_int(s, 2, f->kind);
	store_bind_text(s, 3, f->title);
	store_bind_text(s, 4, f->body);
	store_bind_text(s, 5, f->account);
	store_bind_text(s, 6, f->competitor);
	sqlite3_bind_int(s, 7, f->stage);
	sqlite3_bind_int64(s, 8, f->value);
	sqlite3_bind_int64(s, 9, f->author);
	store_bind_text(s, 10, f->nonce);
	sqlite3_bind_int64(s, 11, f->created_at);
	rc = store_exec_done(st, s, TD_ERR_CONFLICT, "feedback add");
	if (rc == 0) {
		f->id = sqlite3_last_insert_rowid(store_db(st));
		f->status = TD_FS_NEW;
		f->updated_at = f->created_at;
	}
	return rc;
}

int
store_feedback_get(struct store *st, int64_t id, int64_t viewer,
		   struct store_feedback *f)
{
	sqlite3_stmt *s = store_sql(st, SQL_GET);

	if (s == NULL)
		return TD_ERR_STORAGE;
	sqlite3_bind_int64(s, 1, viewer);
	sqlite3_bind_int64(s, 2, id);
	return feedback_one(st, s, f, "feedback get");
}

int
store_feedback_by_conv(struct store *st, int64_t conv, int64_t viewer,
		       struct store_feedback *f)
{
	sqlite3_stmt *s = store_sql(st, SQL_BY_CONV);

	if (s == NULL)
		return TD_ERR_STORAGE;
	sqlite3_bind_int64(s, 1, viewer);
	sqlite3_bind_int64(s, 2, conv);
	return feedback_one(st, s, f, "feedback by conv");
}

int
store_feedback_by_nonce(struct store *st, int64_t author, const char *nonce,
			struct store_feedback *f)
{
	sqlite3_stmt *s = store_sql(st, SQL_BY_NONCE);

	if (s == NULL)
		return TD_ERR_STORAGE;
	sqlite3_bind_int64(s, 1, author);
	sqlite3_bind_int64(s, 2, author);
	store_bind_text(s, 3, nonce);
	return feedback_one(st, s, f, "feedback by nonce");
}

int
store_feedback_set_status(struct store *st, int64_t id, int status, int64_t at)
{
	sqlite3_stmt *s = store_sql(st, SQL_SET_STATUS);

	if (s == NULL)
		return TD_ERR_STORAGE;
	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_int(s, 2, status);
	sqlite3_bind_int64(s, 3, at);
	return store_exec_change(st, s, TD_ERR_STORAGE, "feedback status");
}

/* Set updated_at; TD_ERR_NOT_FOUND for no such item. */
static int
feedback_touch(struct store *st, int64_t id, int64_t at)
{
	sqlite3_stmt *s = store_sql(st, SQL_TOUCH);

	if (s == NULL)
		return TD_ERR_STORAGE;
	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_int64(s, 2, at);
	return store_exec_change(st, s, TD_ERR_STORAGE, "feedback touch");
}

int
store_feedback_vote_set(struct store *st, const struct store_feedback_vote *v)
{
	sqlite3_stmt *s;
	int rc = feedback_touch(st, v->feedback, v->created_at);

	if (rc != 0)
		return rc;
	s = store_sql(st, SQL_VOTE_SET);
	if (s == NULL)
		return TD_ERR_STORAGE;
	sqlite3_bind_int64(s, 1, v->feedback);
	sqlite3_bind_int64(s, 2, v->user);
	store_bind_text(s, 3, v->account);
	sqlite3_bind_int(s, 4, v->weight);
	sqlite3_bind_int64(s, 5, v->value);
	sqlite3_bind_int(s, 6, v->stage);
	sqlite3_bind_int64(s, 7, v->created_at);
	return store_exec_done(st, s, TD_ERR_STORAGE, "feedback vote");
}

int
store_feedback_vote_remove(struct store *st, int64_t feedback, int64_t user,
			   int64_t at)
{
	sqlite3_stmt *s = store_sql(st, SQL_VOTE_REMOVE);
	int rc;

	if (s == NULL)
		return TD_ERR_STORAGE;
	sqlite3_bind_int64(s, 1, feedback);
	sqlite3_bind_int64(s, 2, user);
	rc = store_exec_change(st, s, TD_ERR_STORAGE, "feedback unvote");
	return rc != 0 ? rc : feedback_touch(st, feedback, at);
}

struct votes_walk {
	int (*fn)(void *ctx, const struct store_feedback_vote *v);
	void *ctx;
};

static int
vote_row(void *arg, sqlite3_stmt *s)
{
	struct votes_walk *w = arg;
	struct store_feedback_vote v;

	memset(&v, 0, sizeof(v));
	v.feedback = sqlite3_column_int64(s, 0);
	v.user = sqlite3_column_int64(s, 1);
	store_copy_col(v.account, sizeof(v.account), s, 2);
	v.weight = sqlite3_column_int(s, 3);
	v.value = sqlite3_column_int64(s, 4);
	v.stage = sqlite3_column_int(s, 5);
	v.created_at = sqlite3_column_int64(s, 6);
	return w->fn(w->ctx, &v);
}

int
store_feedback_votes(struct store *st, int64_t feedback,
		     int (*fn)(void *ctx, const struct store_feedback_vote *v),
		     void *ctx)
{
	struct votes_walk w = { fn, ctx };
	sqlite3_stmt *s = store_sql(st, SQL_VOTES);

	if (s == NULL)
		return TD_ERR_STORAGE;
	sqlite3_bind_int64(s, 1, feedback);
	return store_walk(st, s, "feedback votes", vote_row, &w);
}

struct list_walk {
	int (*fn)(void *ctx, const struct store_feedback *f);
	void *ctx;
	int limit, seen;
	bool *more;
};

/* One inbox row: the page's rows go to fn, the one past it sets more. */
static int
list_row(void *arg, sqlite3_stmt *s)
{
	struct list_walk *w = arg;
	struct store_feedback f;
	int rc;

	if (w->seen++ == w->limit) {
		*w->more = true;
		return 0;
	}
	row_feedback(s, &f);
	rc = w->fn(w->ctx, &f);
	store_feedback_fini(&f);
	return rc;
}

static const char *
list_sql(enum store_feedback_sort sort)
{
	switch (sort) {
	case STORE_FB_SORT_VALUE: return SQL_LIST_VALUE;
	case STORE_FB_SORT_NEWEST: return SQL_LIST_NEWEST;
	case STORE_FB_SORT_VOTES: break;
	}
	return SQL_LIST_VOTES;
}

int
store_feedback_list(struct store *st, const struct store_feedback_query *q,
		    bool *more,
		    int (*fn)(void *ctx, const struct store_feedback *f),
		    void *ctx)
{
	struct list_walk w = { fn, ctx, q->limit, 0, more };
	sqlite3_stmt *s = store_sql(st, list_sql(q->sort));

	*more = false;
	if (s == NULL)
		return TD_ERR_STORAGE;
	sqlite3_bind_int64(s, 1, q->viewer);
	sqlite3_bind_int(s, 2, q->kind);
	sqlite3_bind_int(s, 3, q->status);
	store_bind_text(s, 4, q->account);
	store_bind_text(s, 5, q->competitor);
	sqlite3_bind_int64(s, 6, q->created_after);
	sqlite3_bind_int64(s, 7, q->created_before);
	sqlite3_bind_int(s, 8, q->limit + 1);
	sqlite3_bind_int(s, 9, q->offset);
	return store_walk(st, s, "feedback list", list_row, &w);
}

struct spikes_walk {
	int (*fn)(void *ctx, const struct store_feedback_spike *sp);
	void *ctx;
};

static int
spike_row(void *arg, sqlite3_stmt *s)
{
	struct spikes_walk *w = arg;
	struct store_feedback_spike sp;

	memset(&sp, 0, sizeof(sp));
	sp.kind = sqlite3_column_int(s, 0);
	if (sp.kind >= 0)
		snprintf(sp.key, sizeof(sp.key), "%s",
			 td_enum_name(&td_enum_feedback_kind, sp.kind));
	else
		store_copy_col(sp.key, sizeof(sp.key), s, 1);
	sp.last_7_days = sqlite3_column_int64(s, 2);
	sp.prior_4_weeks = sqlite3_column_int64(s, 3);
	sp.weekly_baseline = sqlite3_column_double(s, 4);
	sp.ratio = sqlite3_column_double(s, 5);
	return w->fn(w->ctx, &sp);
}

int
store_feedback_spikes(struct store *st, int64_t now,
		      int (*fn)(void *ctx,
				const struct store_feedback_spike *sp),
		      void *ctx)
{
	struct spikes_walk w = { fn, ctx };
	sqlite3_stmt *s = store_sql(st, SQL_SPIKES);

	if (s == NULL)
		return TD_ERR_STORAGE;
	sqlite3_bind_int64(s, 1, now);
	sqlite3_bind_int64(s, 2, STORE_FB_WEEK_MS);
	sqlite3_bind_int64(s, 3, STORE_FB_WEEK_MS + STORE_FB_PRIOR_MS);
	return store_walk(st, s, "feedback spikes", spike_row, &w);
}
