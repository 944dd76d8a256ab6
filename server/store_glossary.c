/*
 * store_glossary.c: the glossary's tables (migration "Version 10" in
 * store.c) behind store_glossary.h, and the users.approver flag.
 *
 * A term row holds its name, its current version number and its agreed
 * version number; every version's text lives in glossary_versions, never
 * rewritten (history), and acknowledgements in glossary_acks, one row per
 * approver and version with the team the approver had then. Reads join
 * the current and the agreed version's text into one struct store_term.
 *
 * Like the rest of the store, this file decides no policy, never aborts on
 * anything a peer can send, and resets every statement before returning.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_glossary.h"
#include "store_priv.h"
#include "tandem/errors.h"

/* The columns row_term() reads, then the clause that picks the term(s). */
#define TERM_SELECT                                                            \
	"SELECT t.id, t.name, t.version, t.agreed_version, cur.definition,"    \
	" coalesce(agr.definition, ''), t.created_by, t.created_at,"           \
	" t.updated_at FROM glossary_terms t"                                  \
	" JOIN glossary_versions cur"                                          \
	" ON cur.term_id = t.id AND cur.version = t.version"                   \
	" LEFT JOIN glossary_versions agr"                                     \
	" ON agr.term_id = t.id AND agr.version = t.agreed_version "

static const char SQL_TERM_GET[] = TERM_SELECT "WHERE t.id = ?";
/* The name column's collation is NOCASE, so this order ignores case. */
static const char SQL_TERM_LIST[] = TERM_SELECT "ORDER BY t.name, t.id";
static const char SQL_TERM_ACKS[] =
	"SELECT user_id, team FROM glossary_acks"
	" WHERE term_id = ? AND version = ? ORDER BY user_id";
static const char SQL_TERM_ADD[] =
	"INSERT INTO glossary_terms (name, created_by, created_at, updated_at)"
	" VALUES (?, ?, ?, ?)";
/* The term's current version, which the caller has just set. */
static const char SQL_VERSION_ADD[] =
	"INSERT INTO glossary_versions"
	" (term_id, version, definition, author, created_at)"
	" SELECT id, version, ?2, ?3, ?4 FROM glossary_terms WHERE id = ?1";
static const char SQL_TERM_BUMP[] =
	"UPDATE glossary_terms SET version = version + 1, updated_at = ?2"
	" WHERE id = ?1";
static const char SQL_TERM_HISTORY[] =
	"SELECT version, definition, author, created_at, agreed_at"
	" FROM glossary_versions WHERE term_id = ?"
	" ORDER BY version DESC LIMIT ?";
static const char SQL_ACK_ADD[] =
	"INSERT OR IGNORE INTO glossary_acks"
	" (term_id, version, user_id, team, created_at) VALUES (?, ?, ?, ?, ?)";
static const char SQL_TERM_TOUCH[] =
	"UPDATE glossary_terms SET updated_at = ?2 WHERE id = ?1";
static const char SQL_TERM_AGREE[] =
	"UPDATE glossary_terms SET agreed_version = ?2, updated_at = ?3"
	" WHERE id = ?1";
static const char SQL_VERSION_AGREE[] =
	"UPDATE glossary_versions SET agreed_at = ?3"
	" WHERE term_id = ?1 AND version = ?2";
static const char SQL_USER_APPROVER[] =
	"UPDATE users SET approver = ?2 WHERE id = ?1";

void
store_term_fini(struct store_term *t)
{
	free(t->definition);
	free(t->agreed_definition);
	for (int i = 0; i < STORE_TERM_TEAMS; i++)
		free(t->acks[i]);
	memset(t, 0, sizeof(*t));
}

static void
row_term(sqlite3_stmt *s, struct store_term *t)
{
	memset(t, 0, sizeof(*t));
	t->id = sqlite3_column_int64(s, 0);
	store_copy_col(t->name, sizeof(t->name), s, 1);
	t->version = sqlite3_column_int(s, 2);
	t->agreed_version = sqlite3_column_int(s, 3);
	t->definition = store_col_dup(s, 4);
	t->agreed_definition = store_col_dup(s, 5);
	t->created_by = sqlite3_column_int64(s, 6);
	t->created_at = sqlite3_column_int64(s, 7);
	t->updated_at = sqlite3_column_int64(s, 8);
}

/* Append one ack to the term's list for its team (aborts on OOM). */
static int
ack_each(void *arg, sqlite3_stmt *s)
{
	struct store_term *t = arg;
	int team = sqlite3_column_int(s, 1);
	int64_t *a;

	/* Approvers are on sales or marketing; anything else has no say. */
	if (team < 0 || team >= STORE_TERM_TEAMS)
		return 0;
	a = realloc(t->acks[team], (t->n_acks[team] + 1) * sizeof(*a));
	if (a == NULL) {
		fprintf(stderr, "store: out of memory\n");
		abort();
	}
	a[t->n_acks[team]++] = sqlite3_column_int64(s, 0);
	t->acks[team] = a;
	return 0;
}

/* Fill the acks of the term's current version. */
static int
term_load_acks(struct store *st, struct store_term *t)
{
	sqlite3_stmt *s = store_sql(st, SQL_TERM_ACKS);

	if (s == NULL)
		return TD_ERR_STORAGE;
	sqlite3_bind_int64(s, 1, t->id);
	sqlite3_bind_int(s, 2, t->version);
	return store_walk(st, s, "glossary acks", ack_each, t);
}

int
store_term_get(struct store *st, int64_t id, struct store_term *t)
{
	sqlite3_stmt *s = store_sql(st, SQL_TERM_GET);
	int err;

	memset(t, 0, sizeof(*t));
	if (s == NULL)
		return TD_ERR_STORAGE;
	sqlite3_bind_int64(s, 1, id);
	err = store_step_row(st, s, "glossary get");
	if (err == 0)
		row_term(s, t);
	sqlite3_reset(s);
	if (err == 0)
		err = term_load_acks(st, t);
	if (err != 0)
		store_term_fini(t);
	return err;
}

struct term_walk {
	struct store *st;
	int (*fn)(void *ctx, const struct store_term *t);
	void *ctx;
};

static int
term_each(void *arg, sqlite3_stmt *s)
{
	struct term_walk *tw = arg;
	struct store_term t;
	int err;

	row_term(s, &t);
	err = term_load_acks(tw->st, &t);
	if (err == 0)
		err = tw->fn(tw->ctx, &t);
	store_term_fini(&t);
	return err;
}

int
store_term_list(struct store *st,
		int (*fn)(void *ctx, const struct store_term *t), void *ctx)
{
	sqlite3_stmt *s = store_sql(st, SQL_TERM_LIST);
	struct term_walk tw = {st, fn, ctx};

	if (s == NULL)
		return TD_ERR_STORAGE;
	return store_walk(st, s, "glossary list", term_each, &tw);
}

struct version_walk {
	int (*fn)(void *ctx, const struct store_term_version *v);
	void *ctx;
};

static int
version_each(void *arg, sqlite3_stmt *s)
{
	struct version_walk *vw = arg;
	struct store_term_version v;
	const unsigned char *text = sqlite3_column_text(s, 1);

	v.version = sqlite3_column_int(s, 0);
	v.definition = text != NULL ? (const char *)text : "";
	v.author = sqlite3_column_int64(s, 2);
	v.created_at = sqlite3_column_int64(s, 3);
	v.agreed_at = sqlite3_column_int64(s, 4);
	return vw->fn(vw->ctx, &v);
}

int
store_term_history(struct store *st, int64_t id, int limit,
		   int (*fn)(void *ctx, const struct store_term_version *v),
		   void *ctx)
{
	sqlite3_stmt *s = store_sql(st, SQL_TERM_HISTORY);
	struct version_walk vw = {fn, ctx};

	if (s == NULL)
		return TD_ERR_STORAGE;
	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_int(s, 2, limit);
	return store_walk(st, s, "glossary history", version_each, &vw);
}

/* Store the term's current version number's text. */
static int
version_add(struct store *st, int64_t id, const char *definition,
	    int64_t author, int64_t now)
{
	sqlite3_stmt *s = store_sql(st, SQL_VERSION_ADD);

	if (s == NULL)
		return TD_ERR_STORAGE;
	sqlite3_bind_int64(s, 1, id);
	store_bind_text(s, 2, definition);
	sqlite3_bind_int64(s, 3, author);
	sqlite3_bind_int64(s, 4, now);
	return store_exec_change(st, s, TD_ERR_CONFLICT, "glossary version");
}

int
store_term_add(struct store *st, const char *name, const char *definition,
	       int64_t author, int64_t now, int64_t *id)
{
	sqlite3_stmt *s = store_sql(st, SQL_TERM_ADD);
	int err;

	if (s == NULL)
		return TD_ERR_STORAGE;
	store_bind_text(s, 1, name);
	sqlite3_bind_int64(s, 2, author);
	sqlite3_bind_int64(s, 3, now);
	sqlite3_bind_int64(s, 4, now);
	err = store_exec_done(st, s, TD_ERR_CONFLICT, "glossary add");
	if (err != 0)
		return err;
	*id = sqlite3_last_insert_rowid(store_db(st));
	return version_add(st, *id, definition, author, now);
}

int
store_term_edit(struct store *st, int64_t id, const char *definition,
		int64_t author, int64_t now)
{
	sqlite3_stmt *s = store_sql(st, SQL_TERM_BUMP);
	int err;

	if (s == NULL)
		return TD_ERR_STORAGE;
	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_int64(s, 2, now);
	err = store_exec_change(st, s, TD_ERR_CONFLICT, "glossary bump");
	if (err != 0)
		return err;
	return version_add(st, id, definition, author, now);
}

/* Run an UPDATE of one term's rows bound as (id, a, b). */
static int
term_update(struct store *st, const char *sql, int64_t id, int64_t a, int64_t b,
	    const char *what)
{
	sqlite3_stmt *s = store_sql(st, sql);

	if (s == NULL)
		return TD_ERR_STORAGE;
	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_int64(s, 2, a);
	sqlite3_bind_int64(s, 3, b);
	return store_exec_change(st, s, TD_ERR_CONFLICT, what);
}

int
store_term_ack(struct store *st, int64_t id, int version, int64_t user,
	       enum td_team team, int64_t now, bool *added)
{
	sqlite3_stmt *s = store_sql(st, SQL_ACK_ADD);
	int err;

	*added = false;
	if (s == NULL)
		return TD_ERR_STORAGE;
	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_int(s, 2, version);
	sqlite3_bind_int64(s, 3, user);
	sqlite3_bind_int(s, 4, (int)team);
	sqlite3_bind_int64(s, 5, now);
	err = store_exec_done(st, s, TD_ERR_CONFLICT, "glossary ack");
	if (err != 0 || sqlite3_changes(store_db(st)) == 0)
		return err;
	*added = true;
	s = store_sql(st, SQL_TERM_TOUCH);
	if (s == NULL)
		return TD_ERR_STORAGE;
	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_int64(s, 2, now);
	return store_exec_change(st, s, TD_ERR_CONFLICT, "glossary touch");
}

int
store_term_agree(struct store *st, int64_t id, int version, int64_t now)
{
	int err = term_update(st, SQL_TERM_AGREE, id, version, now,
			      "glossary agree");

	if (err == 0)
		err = term_update(st, SQL_VERSION_AGREE, id, version, now,
				  "glossary agreed version");
	return err;
}

int
store_user_set_approver(struct store *st, int64_t user, bool approver)
{
	sqlite3_stmt *s = store_sql(st, SQL_USER_APPROVER);

	if (s == NULL)
		return TD_ERR_STORAGE;
	sqlite3_bind_int64(s, 1, user);
	sqlite3_bind_int(s, 2, approver ? 1 : 0);
	return store_exec_change(st, s, TD_ERR_CONFLICT, "user approver");
}
