/*
 * store_pair.c: buddy pairs in the store (see store_pair.h): the pairs,
 * rounds and their schedule, preferences, starter facts, activity and
 * nudge state of schema version 9. It reads the requests and feedback
 * tables (versions 7 and 8) only for a starter's facts, and never writes
 * them.
 *
 * Lists are read whole into heap arrays so callers may write while they
 * go through them (ending pairs, posting starters) without a statement
 * left open on the same table.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_pair.h"
#include "store_priv.h"
#include "tandem/errors.h"

/* What a starter reaches back for: feedback 14 days, assets 7 days. */
#define FEEDBACK_WINDOW_MS (14LL * 86400000)
#define ASSET_WINDOW_MS (7LL * 86400000)

/* The columns every pair query selects, in row_pair()'s order. */
#define PAIR_COLS                                                          \
	"id, rep, marketer, third, round_id, conv_id, created_at,"        \
	" ended_at, coalesce(created_by, 0)"

static void *
grow(void *v, size_t *cap, size_t n, size_t size)
{
	if (n < *cap)
		return v;
	*cap = *cap == 0 ? 8 : *cap * 2;
	v = realloc(v, *cap * size);
	if (v == NULL) {
		fprintf(stderr, "store: out of memory\n");
		abort();
	}
	return v;
}

void
store_ids_push(struct store_ids *a, int64_t id)
{
	a->v = grow(a->v, &a->cap, a->n, sizeof(*a->v));
	a->v[a->n++] = id;
}

void
store_ids_fini(struct store_ids *a)
{
	free(a->v);
	memset(a, 0, sizeof(*a));
}

void
store_pairs_fini(struct store_pairs *a)
{
	free(a->v);
	memset(a, 0, sizeof(*a));
}

static void
row_pair(sqlite3_stmt *s, struct store_pair *p)
{
	p->id = sqlite3_column_int64(s, 0);
	p->rep = sqlite3_column_int64(s, 1);
	p->marketer = sqlite3_column_int64(s, 2);
	p->third = sqlite3_column_int64(s, 3);
	p->round = sqlite3_column_int64(s, 4);
	p->conv = sqlite3_column_int64(s, 5);
	p->created_at = sqlite3_column_int64(s, 6);
	p->ended_at = sqlite3_column_int64(s, 7);
	p->created_by = sqlite3_column_int64(s, 8);
}

static int
pair_row_push(void *arg, sqlite3_stmt *s)
{
	struct store_pairs *a = arg;

	a->v = grow(a->v, &a->cap, a->n, sizeof(*a->v));
	row_pair(s, &a->v[a->n++]);
	return 0;
}

static int
id_row_push(void *arg, sqlite3_stmt *s)
{
	store_ids_push(arg, sqlite3_column_int64(s, 0));
	return 0;
}

/* Walk `s` into *out; on failure *out is left empty. */
static int
walk_pairs(struct store *st, sqlite3_stmt *s, const char *what,
	   struct store_pairs *out)
{
	int rc;

	memset(out, 0, sizeof(*out));
	rc = store_walk(st, s, what, pair_row_push, out);
	if (rc != 0)
		store_pairs_fini(out);
	return rc;
}

/* One pair row from `s`, then reset. */
static int
one_pair(struct store *st, sqlite3_stmt *s, struct store_pair *p,
	 const char *what)
{
	int rc = store_step_row(st, s, what);

	if (rc == 0)
		row_pair(s, p);
	sqlite3_reset(s);
	return rc;
}

int
store_pair_add(struct store *st, struct store_pair *p)
{
	static const char SQL[] =
		"INSERT INTO pairs (rep, marketer, third, round_id, conv_id,"
		" created_by, created_at) VALUES (?1, ?2, ?3, ?4, ?5,"
		" nullif(?6, 0), ?7)";
	sqlite3_stmt *s = store_sql(st, SQL);
	int rc;

	if (s == NULL)
		return TD_ERR_STORAGE;
	sqlite3_bind_int64(s, 1, p->rep);
	sqlite3_bind_int64(s, 2, p->marketer);
	sqlite3_bind_int64(s, 3, p->third);
	sqlite3_bind_int64(s, 4, p->round);
	sqlite3_bind_int64(s, 5, p->conv);
	sqlite3_bind_int64(s, 6, p->created_by);
	sqlite3_bind_int64(s, 7, p->created_at);
	rc = store_exec_done(st, s, TD_ERR_CONFLICT, "pair add");
	if (rc == 0)
		p->id = sqlite3_last_insert_rowid(store_db(st));
	return rc;
}

int
store_pair_get(struct store *st, int64_t id, struct store_pair *p)
{
	static const char SQL[] =
		"SELECT " PAIR_COLS " FROM pairs WHERE id = ?1";
	sqlite3_stmt *s = store_sql(st, SQL);

	if (s == NULL)
		return TD_ERR_STORAGE;
	sqlite3_bind_int64(s, 1, id);
	return one_pair(st, s, p, "pair get");
}

int
store_pair_end(struct store *st, int64_t id, int64_t at)
{
	static const char SQL[] =
		"UPDATE pairs SET ended_at = ?2 WHERE id = ?1 AND ended_at = 0";
	sqlite3_stmt *s = store_sql(st, SQL);
	int rc;

	if (s == NULL)
		return TD_ERR_STORAGE;
	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_int64(s, 2, at);
	rc = store_exec_change(st, s, TD_ERR_CONFLICT, "pair end");
	return rc == TD_ERR_NOT_FOUND ? TD_ERR_CONFLICT : rc;
}

int
store_pair_active_count(struct store *st, int64_t *n)
{
	static const char SQL[] =
		"SELECT count(*) FROM pairs WHERE ended_at = 0";
	sqlite3_stmt *s = store_sql(st, SQL);

	if (s == NULL)
		return TD_ERR_STORAGE;
	return store_query_int(st, s, n, "pair count");
}

int
store_pair_active_of(struct store *st, int64_t user, struct store_pair *p)
{
	static const char SQL[] =
		"SELECT " PAIR_COLS " FROM pairs WHERE ended_at = 0"
		" AND ?1 IN (rep, marketer, third) ORDER BY id LIMIT 1";
	sqlite3_stmt *s = store_sql(st, SQL);

	if (s == NULL)
		return TD_ERR_STORAGE;
	sqlite3_bind_int64(s, 1, user);
	return one_pair(st, s, p, "pair of user");
}

int
store_pair_list(struct store *st, bool with_last_round, int64_t viewer,
		struct store_pairs *out)
{
	static const char SQL[] =
		"SELECT " PAIR_COLS " FROM pairs"
		" WHERE (ended_at = 0 OR (?1 AND round_id > 0"
		"  AND round_id = (SELECT max(id) FROM rounds)))"
		" AND (?2 = 0 OR ?2 IN (rep, marketer, third)) ORDER BY id";
	sqlite3_stmt *s = store_sql(st, SQL);

	memset(out, 0, sizeof(*out));
	if (s == NULL)
		return TD_ERR_STORAGE;
	sqlite3_bind_int(s, 1, with_last_round);
	sqlite3_bind_int64(s, 2, viewer);
	return walk_pairs(st, s, "pair list", out);
}

int
store_round_pairs(struct store *st, int64_t round, int64_t viewer,
		  struct store_pairs *out)
{
	static const char SQL[] =
		"SELECT " PAIR_COLS " FROM pairs WHERE round_id = ?1"
		" AND (?2 = 0 OR ?2 IN (rep, marketer, third)) ORDER BY id";
	sqlite3_stmt *s = store_sql(st, SQL);

	memset(out, 0, sizeof(*out));
	if (s == NULL)
		return TD_ERR_STORAGE;
	sqlite3_bind_int64(s, 1, round);
	sqlite3_bind_int64(s, 2, viewer);
	return walk_pairs(st, s, "round pairs", out);
}

int
store_pair_recent(struct store *st, int rounds, struct store_pairs *out)
{
	static const char SQL[] =
		"WITH recent AS (SELECT id, created_at FROM rounds"
		" ORDER BY id DESC LIMIT ?1)"
		" SELECT " PAIR_COLS " FROM pairs"
		" WHERE round_id IN (SELECT id FROM recent)"
		" OR (round_id = 0 AND ((SELECT count(*) FROM recent) < ?1"
		"  OR created_at >= (SELECT min(created_at) FROM recent)))"
		" ORDER BY id";
	sqlite3_stmt *s = store_sql(st, SQL);

	memset(out, 0, sizeof(*out));
	if (s == NULL)
		return TD_ERR_STORAGE;
	sqlite3_bind_int(s, 1, rounds);
	return walk_pairs(st, s, "recent pairs", out);
}

int
store_round_add(struct store *st, struct store_round *r)
{
	static const char SQL[] =
		"INSERT INTO rounds (created_by, created_at)"
		" VALUES (nullif(?1, 0), ?2)";
	sqlite3_stmt *s = store_sql(st, SQL);
	int rc;

	if (s == NULL)
		return TD_ERR_STORAGE;
	sqlite3_bind_int64(s, 1, r->created_by);
	sqlite3_bind_int64(s, 2, r->created_at);
	rc = store_exec_done(st, s, TD_ERR_CONFLICT, "round add");
	if (rc == 0)
		r->id = sqlite3_last_insert_rowid(store_db(st));
	return rc;
}

int
store_round_unpaired_add(struct store *st, int64_t round, int64_t user)
{
	static const char SQL[] =
		"INSERT INTO round_unpaired (round_id, user_id)"
		" VALUES (?1, ?2)";
	sqlite3_stmt *s = store_sql(st, SQL);

	if (s == NULL)
		return TD_ERR_STORAGE;
	sqlite3_bind_int64(s, 1, round);
	sqlite3_bind_int64(s, 2, user);
	return store_exec_done(st, s, TD_ERR_CONFLICT, "round unpaired add");
}

int
store_round_unpaired(struct store *st, int64_t round, int64_t viewer,
		     struct store_ids *out)
{
	static const char SQL[] =
		"SELECT user_id FROM round_unpaired WHERE round_id = ?1"
		" AND (?2 = 0 OR user_id = ?2) ORDER BY user_id";
	sqlite3_stmt *s = store_sql(st, SQL);
	int rc;

	memset(out, 0, sizeof(*out));
	if (s == NULL)
		return TD_ERR_STORAGE;
	sqlite3_bind_int64(s, 1, round);
	sqlite3_bind_int64(s, 2, viewer);
	rc = store_walk(st, s, "round unpaired", id_row_push, out);
	if (rc != 0)
		store_ids_fini(out);
	return rc;
}

struct round_vec {
	struct store_round *v;
	size_t n, cap;
};

static int
round_row_push(void *arg, sqlite3_stmt *s)
{
	struct round_vec *a = arg;
	struct store_round *r;

	a->v = grow(a->v, &a->cap, a->n, sizeof(*a->v));
	r = &a->v[a->n++];
	r->id = sqlite3_column_int64(s, 0);
	r->created_at = sqlite3_column_int64(s, 1);
	r->created_by = sqlite3_column_int64(s, 2);
	return 0;
}

int
store_round_recent(struct store *st, int limit, struct store_round **out,
		   size_t *n)
{
	static const char SQL[] =
		"SELECT id, created_at, coalesce(created_by, 0) FROM rounds"
		" ORDER BY id DESC LIMIT ?1";
	sqlite3_stmt *s = store_sql(st, SQL);
	struct round_vec a = { NULL, 0, 0 };
	int rc;

	*out = NULL;
	*n = 0;
	if (s == NULL)
		return TD_ERR_STORAGE;
	sqlite3_bind_int(s, 1, limit);
	rc = store_walk(st, s, "round recent", round_row_push, &a);
	if (rc != 0) {
		free(a.v);
		return rc;
	}
	*out = a.v;
	*n = a.n;
	return 0;
}

int
store_round_config_get(struct store *st, struct store_round_config *c)
{
	static const char SQL[] =
		"SELECT cadence, next_at, coalesce(set_by, 0) FROM round_config"
		" WHERE id = 1";
	sqlite3_stmt *s = store_sql(st, SQL);
	int rc;

	if (s == NULL)
		return TD_ERR_STORAGE;
	rc = store_step_row(st, s, "round config get");
	if (rc == 0) {
		c->cadence = sqlite3_column_int(s, 0);
		c->next_at = sqlite3_column_int64(s, 1);
		c->set_by = sqlite3_column_int64(s, 2);
	}
	sqlite3_reset(s);
	return rc;
}

int
store_round_config_set(struct store *st, const struct store_round_config *c)
{
	static const char SQL[] =
		"UPDATE round_config SET cadence = ?1, next_at = ?2,"
		" set_by = nullif(?3, 0) WHERE id = 1";
	sqlite3_stmt *s = store_sql(st, SQL);

	if (s == NULL)
		return TD_ERR_STORAGE;
	sqlite3_bind_int(s, 1, c->cadence);
	sqlite3_bind_int64(s, 2, c->next_at);
	sqlite3_bind_int64(s, 3, c->set_by);
	return store_exec_change(st, s, TD_ERR_CONFLICT, "round config set");
}

int
store_pair_prefs_get(struct store *st, int64_t user, bool *opt_out,
		     int64_t *snooze)
{
	static const char SQL[] =
		"SELECT opt_out, snooze_until FROM pair_prefs"
		" WHERE user_id = ?1";
	sqlite3_stmt *s = store_sql(st, SQL);
	int rc;

	*opt_out = false;
	*snooze = 0;
	if (s == NULL)
		return TD_ERR_STORAGE;
	sqlite3_bind_int64(s, 1, user);
	rc = store_step_row(st, s, "pair prefs get");
	if (rc == 0) {
		*opt_out = sqlite3_column_int(s, 0) != 0;
		*snooze = sqlite3_column_int64(s, 1);
	}
	sqlite3_reset(s);
	return rc == TD_ERR_NOT_FOUND ? 0 : rc;
}

int
store_pair_prefs_set(struct store *st, int64_t user, bool opt_out,
		     int64_t snooze)
{
	static const char SQL[] =
		"INSERT INTO pair_prefs (user_id, opt_out, snooze_until)"
		" VALUES (?1, ?2, ?3) ON CONFLICT (user_id) DO UPDATE SET"
		" opt_out = excluded.opt_out,"
		" snooze_until = excluded.snooze_until";
	sqlite3_stmt *s = store_sql(st, SQL);

	if (s == NULL)
		return TD_ERR_STORAGE;
	sqlite3_bind_int64(s, 1, user);
	sqlite3_bind_int(s, 2, opt_out);
	sqlite3_bind_int64(s, 3, snooze);
	return store_exec_done(st, s, TD_ERR_CONFLICT, "pair prefs set");
}

struct eligible {
	struct store_ids *reps, *marketers;
};

static int
eligible_row(void *arg, sqlite3_stmt *s)
{
	struct eligible *e = arg;

	store_ids_push(sqlite3_column_int(s, 1) == TD_TEAM_SALES
			       ? e->reps
			       : e->marketers,
		       sqlite3_column_int64(s, 0));
	return 0;
}

int
store_pair_eligible(struct store *st, int64_t now, struct store_ids *reps,
		    struct store_ids *marketers)
{
	static const char SQL[] =
		"SELECT u.id, u.team FROM users u"
		" LEFT JOIN pair_prefs p ON p.user_id = u.id"
		" WHERE u.team IN (?2, ?3) AND coalesce(p.opt_out, 0) = 0"
		" AND coalesce(p.snooze_until, 0) <= ?1 ORDER BY u.id";
	sqlite3_stmt *s = store_sql(st, SQL);
	struct eligible e = { reps, marketers };
	int rc;

	memset(reps, 0, sizeof(*reps));
	memset(marketers, 0, sizeof(*marketers));
	if (s == NULL)
		return TD_ERR_STORAGE;
	sqlite3_bind_int64(s, 1, now);
	sqlite3_bind_int(s, 2, TD_TEAM_SALES);
	sqlite3_bind_int(s, 3, TD_TEAM_MARKETING);
	rc = store_walk(st, s, "pair eligible", eligible_row, &e);
	if (rc != 0) {
		store_ids_fini(reps);
		store_ids_fini(marketers);
	}
	return rc;
}

int
store_pair_admins(struct store *st, struct store_ids *out)
{
	static const char SQL[] =
		"SELECT id FROM users WHERE role = ?1 ORDER BY id";
	sqlite3_stmt *s = store_sql(st, SQL);
	int rc;

	memset(out, 0, sizeof(*out));
	if (s == NULL)
		return TD_ERR_STORAGE;
	sqlite3_bind_int(s, 1, TD_ROLE_ADMIN);
	rc = store_walk(st, s, "pair admins", id_row_push, out);
	if (rc != 0)
		store_ids_fini(out);
	return rc;
}

static int
starter_request_row(void *arg, sqlite3_stmt *s)
{
	struct store_starter *f = arg;

	store_copy_col(f->requests[f->n_requests],
		       sizeof(f->requests[0]), s, 0);
	f->n_requests++;
	return 0;
}

/* The rep's open requests (not delivered, closed or declined). */
static int
starter_requests(struct store *st, int64_t rep, struct store_starter *f)
{
	static const char SQL[] =
		"SELECT title FROM requests WHERE requester = ?1"
		" AND status NOT IN (?2, ?3, ?4)"
		" ORDER BY priority DESC, id DESC LIMIT ?5";
	sqlite3_stmt *s = store_sql(st, SQL);

	if (s == NULL)
		return TD_ERR_STORAGE;
	sqlite3_bind_int64(s, 1, rep);
	sqlite3_bind_int(s, 2, TD_RS_DELIVERED);
	sqlite3_bind_int(s, 3, TD_RS_CLOSED);
	sqlite3_bind_int(s, 4, TD_RS_DECLINED);
	sqlite3_bind_int(s, 5, STORE_STARTER_REQUESTS);
	return store_walk(st, s, "starter requests", starter_request_row, f);
}

static int
starter_feedback(struct store *st, int64_t rep, int64_t now,
		 struct store_starter *f)
{
	static const char SQL[] =
		"SELECT title FROM feedback WHERE author = ?1"
		" AND created_at >= ?2"
		" ORDER BY created_at DESC, id DESC LIMIT 1";
	sqlite3_stmt *s = store_sql(st, SQL);
	int rc;

	if (s == NULL)
		return TD_ERR_STORAGE;
	sqlite3_bind_int64(s, 1, rep);
	sqlite3_bind_int64(s, 2, now - FEEDBACK_WINDOW_MS);
	rc = store_step_row(st, s, "starter feedback");
	if (rc == 0)
		store_copy_col(f->feedback, sizeof(f->feedback), s, 0);
	sqlite3_reset(s);
	return rc == TD_ERR_NOT_FOUND ? 0 : rc;
}

static int
starter_asset(struct store *st, int64_t rep, int64_t now,
	      struct store_starter *f)
{
	static const char SQL[] =
		"SELECT title, asset_url FROM requests WHERE requester = ?1"
		" AND delivered_at > 0 AND delivered_at >= ?2"
		" AND asset_url <> ''"
		" ORDER BY delivered_at DESC, id DESC LIMIT 1";
	sqlite3_stmt *s = store_sql(st, SQL);
	int rc;

	if (s == NULL)
		return TD_ERR_STORAGE;
	sqlite3_bind_int64(s, 1, rep);
	sqlite3_bind_int64(s, 2, now - ASSET_WINDOW_MS);
	rc = store_step_row(st, s, "starter asset");
	if (rc == 0) {
		store_copy_col(f->asset_title, sizeof(f->asset_title), s, 0);
		store_copy_col(f->asset_url, sizeof(f->asset_url), s, 1);
	}
	sqlite3_reset(s);
	return rc == TD_ERR_NOT_FOUND ? 0 : rc;
}

int
store_pair_starter(struct store *st, int64_t rep, int64_t now,
		   struct store_starter *out)
{
	int rc;

	memset(out, 0, sizeof(*out));
	rc = starter_requests(st, rep, out);
	if (rc == 0)
		rc = starter_feedback(st, rep, now, out);
	if (rc == 0)
		rc = starter_asset(st, rep, now, out);
	return rc;
}

struct msg_vec {
	struct store_pair_msg *v;
	size_t n, cap;
};

static int
activity_row(void *arg, sqlite3_stmt *s)
{
	struct msg_vec *a = arg;

	a->v = grow(a->v, &a->cap, a->n, sizeof(*a->v));
	a->v[a->n].author = sqlite3_column_int64(s, 0);
	a->v[a->n].at = sqlite3_column_int64(s, 1);
	a->n++;
	return 0;
}

/* Bind a pair's conversation, members and a start time as ?1..?5. */
static void
bind_members(sqlite3_stmt *s, const struct store_pair *p, int64_t since)
{
	sqlite3_bind_int64(s, 1, p->conv);
	sqlite3_bind_int64(s, 2, p->rep);
	sqlite3_bind_int64(s, 3, p->marketer);
	sqlite3_bind_int64(s, 4, p->third);
	sqlite3_bind_int64(s, 5, since);
}

int
store_pair_activity(struct store *st, const struct store_pair *p,
		    int64_t since, struct store_pair_msg **out, size_t *n)
{
	static const char SQL[] =
		"SELECT author, created_at FROM messages WHERE conv_id = ?1"
		" AND system = 0 AND deleted = 0 AND author IN (?2, ?3, ?4)"
		" AND created_at >= ?5 ORDER BY id";
	sqlite3_stmt *s = store_sql(st, SQL);
	struct msg_vec a = { NULL, 0, 0 };
	int rc;

	*out = NULL;
	*n = 0;
	if (s == NULL)
		return TD_ERR_STORAGE;
	bind_members(s, p, since);
	rc = store_walk(st, s, "pair activity", activity_row, &a);
	if (rc != 0) {
		free(a.v);
		return rc;
	}
	*out = a.v;
	*n = a.n;
	return 0;
}

int
store_pair_spoke(struct store *st, const struct store_pair *p, int64_t since,
		 bool *spoke)
{
	static const char SQL[] =
		"SELECT EXISTS (SELECT 1 FROM messages WHERE conv_id = ?1"
		" AND system = 0 AND deleted = 0 AND author IN (?2, ?3, ?4)"
		" AND created_at >= ?5)";
	sqlite3_stmt *s = store_sql(st, SQL);
	int64_t v = 0;
	int rc;

	if (s == NULL)
		return TD_ERR_STORAGE;
	bind_members(s, p, since);
	rc = store_query_int(st, s, &v, "pair spoke");
	*spoke = v != 0;
	return rc;
}

int
store_nudge_next_get(struct store *st, int64_t *next_at)
{
	static const char SQL[] =
		"SELECT next_at FROM nudge_state WHERE id = 1";
	sqlite3_stmt *s = store_sql(st, SQL);

	if (s == NULL)
		return TD_ERR_STORAGE;
	return store_query_int(st, s, next_at, "nudge next get");
}

int
store_nudge_next_set(struct store *st, int64_t next_at)
{
	static const char SQL[] =
		"UPDATE nudge_state SET next_at = ?1 WHERE id = 1";
	sqlite3_stmt *s = store_sql(st, SQL);

	if (s == NULL)
		return TD_ERR_STORAGE;
	sqlite3_bind_int64(s, 1, next_at);
	return store_exec_change(st, s, TD_ERR_CONFLICT, "nudge next set");
}

int
store_pair_nudge_mark(struct store *st, int64_t pair, int64_t day,
		      bool *fresh)
{
	static const char SQL[] =
		"INSERT OR IGNORE INTO pair_nudges (pair_id, day)"
		" VALUES (?1, ?2)";
	sqlite3_stmt *s = store_sql(st, SQL);
	int rc;

	if (s == NULL)
		return TD_ERR_STORAGE;
	sqlite3_bind_int64(s, 1, pair);
	sqlite3_bind_int64(s, 2, day);
	rc = store_exec_done(st, s, TD_ERR_CONFLICT, "pair nudge mark");
	*fresh = rc == 0 && sqlite3_changes(store_db(st)) > 0;
	return rc;
}
