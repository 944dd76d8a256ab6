/*
 * store_search.c: full-text search over messages, and the word index
 * behind it (SQLite FTS5, external content on messages; the schema is in
 * store.c's migrations, version 11 for its current form).
 *
 * The index is fed in chunks, not per message: store_fts_sync() indexes
 * every message above fts_state.indexed_upto in one statement, when a
 * batch commits with FTS_CHUNK or more waiting and before every
 * full-text search, so a search always sees every message stored before
 * it. Edits and deletes of indexed messages reach the index through a
 * trigger, in their own statement. Ranking (td_rank()) and the candidate
 * window (SEARCH_WINDOW) keep a search's cost bounded however common its
 * words are; docs/PERFORMANCE.md has the measurements behind each choice.
 *
 * This file must never return a message the searcher may not read: the
 * visibility test is in the innermost WHERE of every search statement.
 */
#include <ctype.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "store.h"
#include "store_priv.h"
#include "tandem/errors.h"
#include "tandem/types.h"

/*
 * Full-text search ranks by relevance only among the newest SEARCH_WINDOW
 * visible matches (after filters), so its cost is bounded however common
 * the words are; PROTOCOL.md's search section states this (change both
 * together). The window holds the deepest page plus the row peeked for
 * "more". It was 2000 until the fourth pass of docs/PERFORMANCE.md:
 * 1100 cuts a million-message search's median by about 40%.
 */
#define SEARCH_WINDOW_N 1100
#define SEARCH_WINDOW STR(SEARCH_WINDOW_N)
#define STR(x) STR_(x)
#define STR_(x) #x
_Static_assert(SEARCH_WINDOW_N >= TD_SEARCH_OFFSET_MAX + TD_SEARCH_MAX + 1,
	       "the search window must hold every reachable page");

/*
 * Messages the word index may lag behind by at a commit (store_fts_sync()):
 * enough that FTS5's per-write cost (a new segment, its structure record)
 * is shared by many messages, few enough that a search, which indexes
 * the backlog first, pays at most a few milliseconds for it.
 */
#define FTS_CHUNK 128

/*
 * Search. ?2 is the FTS5 query text, always a bound parameter built
 * by proto_parse_search() from quoted terms. Filters: ?3 conv (0:
 * any), ?4 author (0: any), ?5 created before (0: none), ?6 created
 * at or after (0: none), ?7 has a link. Visibility is part of the
 * innermost WHERE, so no page can hold what the searcher may not
 * read. Snippets mark matches with U+0002 ... U+0003.
 *
 * Three steps, because ranking every match costs hundreds of
 * milliseconds for common words at a million messages: c takes the
 * newest SEARCH_WINDOW visible matches (FTS5 walks rowids newest
 * first and stops there) with their snippets, w ranks only those
 * (td_rank(), not FTS5's bm25(), whose IDF reads every match of
 * every term) and cuts the page, and only the page's rows get
 * MSG_COLS. The snippets are made in c, for every candidate,
 * because snippet() needs the MATCH: doing it for the page alone
 * means running the MATCH again, and a prefix query ("term"*
 * longer than the prefix indexes) merges the doclists of every
 * word with that prefix each time it starts, 13 to 27 ms at a
 * million messages, more than the candidates' snippets cost.
 * With a conversation filter, ?2 also asks for that conversation's
 * id in the index's conv_id column (search_query()), so FTS5 walks
 * only that conversation's matches, skipping the others by its
 * doclist indexes, rather than c reading every match of a term
 * that is common elsewhere.
 */
static const char search_fts_sql[] =
	"WITH w AS MATERIALIZED (SELECT c.id AS id, c.rank AS rank,"
	"  c.snip AS snip FROM"
	"  (SELECT m.id AS id, td_rank(messages_fts) AS rank,"
	"   snippet(messages_fts, 0, char(2), char(3), '…', 64) AS snip"
	"   FROM messages_fts f JOIN messages m ON m.id = f.rowid"
	"   WHERE messages_fts MATCH ?2 AND m.deleted = 0"
	"   AND (?3 = 0 OR m.conv_id = ?3)"
	"   AND (?4 = 0 OR m.author = ?4)"
	"   AND (?5 = 0 OR m.created_at < ?5)"
	"   AND (?6 = 0 OR m.created_at >= ?6)"
	"   AND (?7 = 0 OR m.body LIKE '%http://%'"
	"    OR m.body LIKE '%https://%') AND"
	VISIBLE_TO_1("m.conv_id")
	"   ORDER BY f.rowid DESC LIMIT " SEARCH_WINDOW ") c"
	"  ORDER BY c.rank, c.id DESC LIMIT ?8 OFFSET ?9)"
	" SELECT " MSG_COLS ", w.snip"
	" FROM w CROSS JOIN messages m"
	" WHERE m.id = w.id"
	" ORDER BY w.rank, w.id DESC";

/*
 * Filters only: newest first, stopping at the page. "+m.conv_id"
 * in the visibility test keeps SQLite from answering it with a
 * MULTI-INDEX OR over messages_conv, which gathers and sorts every
 * visible message instead of walking ids downwards. With a
 * conversation filter, S_SEARCH_PLAIN_CONV walks that one
 * conversation's (conv_id, id) index instead.
 */
static const char search_plain_sql[] =
	"SELECT " MSG_COLS ", substr(m.body, 1, 160)"
	" FROM messages m"
	" WHERE m.deleted = 0"
	" AND (?3 = 0 OR m.conv_id = ?3) AND (?4 = 0 OR m.author = ?4)"
	" AND (?5 = 0 OR m.created_at < ?5)"
	" AND (?6 = 0 OR m.created_at >= ?6)"
	" AND (?7 = 0 OR m.body LIKE '%http://%'"
	"  OR m.body LIKE '%https://%') AND"
	VISIBLE_TO_1("+m.conv_id")
	" ORDER BY m.id DESC LIMIT ?8 OFFSET ?9";

static const char search_plain_conv_sql[] =
	"SELECT " MSG_COLS ", substr(m.body, 1, 160)"
	" FROM messages m"
	" WHERE m.conv_id = ?3 AND m.deleted = 0"
	" AND (?4 = 0 OR m.author = ?4)"
	" AND (?5 = 0 OR m.created_at < ?5)"
	" AND (?6 = 0 OR m.created_at >= ?6)"
	" AND (?7 = 0 OR m.body LIKE '%http://%'"
	"  OR m.body LIKE '%https://%') AND"
	VISIBLE_TO_1("+m.conv_id")
	" ORDER BY m.id DESC LIMIT ?8 OFFSET ?9";

/* The word index's backlog (store_fts_sync()): indexed up to, newest. */
static const char fts_state_sql[] =
	"SELECT indexed_upto, (SELECT coalesce(max(id), 0) FROM messages)"
	" FROM fts_state";
static const char fts_index_sql[] =
	"INSERT INTO messages_fts(rowid, body, conv_id, author)"
	" SELECT id, body, conv_id, author FROM messages"
	" WHERE id > ?1 AND id <= ?2 ORDER BY id";
static const char fts_mark_sql[] =
	"UPDATE fts_state SET indexed_upto = ?1";

/*
 * Index the messages stored since the last call (ids above
 * fts_state.indexed_upto), all of them or only when FTS_CHUNK or more are
 * waiting, in one statement inside a savepoint of the current batch
 * (opened if none is), so the index and its mark move together or not
 * at all. FTS5 then writes one segment for the whole chunk. Returns 0 or
 * TD_ERR_STORAGE.
 */
int
store_fts_sync(struct store *st, bool all)
{
	sqlite3_stmt *s = store_sql(st, fts_state_sql);
	int64_t min = all ? 1 : FTS_CHUNK;
	int64_t lo, hi;
	int err;

	if (s == NULL)
		return TD_ERR_STORAGE;
	err = store_step_row(st, s, "fts state");
	if (err != 0)
		return err == TD_ERR_NOT_FOUND ? TD_ERR_STORAGE : err;
	lo = sqlite3_column_int64(s, 0);
	hi = sqlite3_column_int64(s, 1);
	sqlite3_reset(s);
	if (hi - lo < min || hi <= lo)
		return 0;
	err = store_sp_begin(st);
	if (err != 0)
		return err;
	s = store_sql(st, fts_index_sql);
	err = s != NULL ? 0 : TD_ERR_STORAGE;
	if (err == 0) {
		sqlite3_bind_int64(s, 1, lo);
		sqlite3_bind_int64(s, 2, hi);
		err = store_exec_done(st, s, TD_ERR_STORAGE, "fts index");
	}
	if (err == 0) {
		s = store_sql(st, fts_mark_sql);
		err = s != NULL ? 0 : TD_ERR_STORAGE;
	}
	if (err == 0) {
		sqlite3_bind_int64(s, 1, hi);
		err = store_exec_done(st, s, TD_ERR_STORAGE, "fts mark");
	}
	if (store_sp_end(st, err == 0) != 0)
		err = TD_ERR_STORAGE;
	return err;
}

/*
 * td_rank(messages_fts): the relevance of the current match, lower is
 * better, as FTS5's bm25() orders it (k1 = 1.2, b = 0.75, body column
 * only) but with every term weighing the same. bm25() weighs each term
 * by its IDF, which it computes by reading every match of every term
 * in the whole index once per query: 20 to 35 ms at a million messages
 * for a common word, more than all the rest of a search. Every result
 * of a search holds every term (terms are ANDed), so the weights only
 * decide which term's repetitions count for more; the term frequency
 * and length normalization, which decide most of the order, are kept.
 */
static void
td_rank(const Fts5ExtensionApi *api, Fts5Context *fts,
	sqlite3_context *ctx, int nval, sqlite3_value **val)
{
	enum { MAX_PHRASES = 128 };
	const double k1 = 1.2, b = 0.75;
	int tf[MAX_PHRASES] = { 0 };
	int nphrase = api->xPhraseCount(fts);
	sqlite3_int64 nrow = 0, total = 0;
	int dl = 0, ninst = 0, i;
	double avgdl, score = 0;

	(void)nval;
	(void)val;
	if (nphrase > MAX_PHRASES)
		nphrase = MAX_PHRASES;
	if (api->xRowCount(fts, &nrow) != SQLITE_OK ||
	    api->xColumnTotalSize(fts, 0, &total) != SQLITE_OK ||
	    api->xColumnSize(fts, 0, &dl) != SQLITE_OK ||
	    api->xInstCount(fts, &ninst) != SQLITE_OK) {
		sqlite3_result_error(ctx, "td_rank: no match data", -1);
		return;
	}
	for (i = 0; i < ninst; i++) {
		int phrase, col, off;

		if (api->xInst(fts, i, &phrase, &col, &off) == SQLITE_OK &&
		    col == 0 && phrase < nphrase)
			tf[phrase]++;
	}
	avgdl = nrow > 0 && total > 0 ? (double)total / (double)nrow : 1.0;
	for (i = 0; i < nphrase; i++)
		score += tf[i] * (k1 + 1) /
			 (tf[i] + k1 * (1 - b + b * dl / avgdl));
	sqlite3_result_double(ctx, -score);
}

/*
 * Register td_rank() with the connection's FTS5 (fts5_api, reached
 * through "SELECT fts5(?)" as SQLite documents). Returns 0 or
 * TD_ERR_STORAGE.
 */
int
store_search_register(struct store *st)
{
	fts5_api *api = NULL;
	sqlite3_stmt *s = NULL;

	if (sqlite3_prepare_v2(store_db(st), "SELECT fts5(?1)", -1, &s, NULL) ==
	    SQLITE_OK) {
		sqlite3_bind_pointer(s, 1, (void *)&api, "fts5_api_ptr",
				     NULL);
		sqlite3_step(s);
	}
	sqlite3_finalize(s);
	if (api == NULL || api->xCreateFunction(api, "td_rank", NULL, td_rank,
						NULL) != SQLITE_OK) {
		fprintf(stderr, "store: fts5: td_rank: %s\n",
			sqlite3_errmsg(store_db(st)));
		return TD_ERR_STORAGE;
	}
	return 0;
}

/*
 * q->fts as FTS5 prefix queries: each closing quote of an FTS5 string
 * ("..." with inner quotes doubled, as proto_parse_search() writes every
 * term) gets a '*', so "onboard" becomes "onboard"* and finds
 * "onboarding" (the '*' applies to the string's last word). When that
 * last word is a single character ("x.y") the string stays an exact
 * phrase: a one-character prefix has no prefix index and would merge
 * the doclists of every word with that initial. Text outside strings is
 * copied as is; an unterminated string is left unterminated, so FTS5
 * still rejects it. dst holds at least 2 * strlen(src) + 1 bytes.
 */
static void
fts_prefix_query(char *dst, const char *src)
{
	bool in = false;
	size_t run = 0; /* bytes of the string's current word */

	for (; *src != '\0'; src++) {
		unsigned char c = (unsigned char)*src;

		*dst++ = *src;
		if (c != '"') {
			run = isalnum(c) || c >= 0x80 ? run + 1 : 0;
			continue;
		}
		if (!in) {
			in = true;
			run = 0;
		} else if (src[1] == '"') {
			*dst++ = *++src; /* a doubled quote inside the string */
			run = 0;
		} else {
			in = false;
			if (run >= 2)
				*dst++ = '*';
		}
	}
	*dst = '\0';
}

/*
 * The FTS5 query for q: its terms as prefix queries on the body column,
 * and with a conversation or author filter that id as the word of the
 * conv_id or author column. Returns a heap string (the caller frees it)
 * or NULL when out of memory.
 */
static char *
search_query(const struct store_search *q)
{
	static const char head[] = "body : (";
	size_t cap = sizeof(head) + 2 * strlen(q->fts) + 96;
	char *pq = malloc(cap);
	size_t n;

	if (pq == NULL)
		return NULL;
	memcpy(pq, head, sizeof(head));
	fts_prefix_query(pq + sizeof(head) - 1, q->fts);
	n = strlen(pq);
	n += (size_t)snprintf(pq + n, cap - n, ")");
	if (q->conv != 0)
		n += (size_t)snprintf(pq + n, cap - n,
				      " AND conv_id : \"%lld\"",
				      (long long)q->conv);
	if (q->author != 0)
		snprintf(pq + n, cap - n, " AND author : \"%lld\"",
			 (long long)q->author);
	return pq;
}

/*
 * Index the backlog (store_fts_sync()) before a full-text search, so that the
 * search sees every message stored before it. Inside a batch this joins
 * the batch; outside one it is a transaction of its own, committed here.
 */
static int
search_sync(struct store *st)
{
	bool own = !store_batch_open(st);
	int err = store_fts_sync(st, true);

	if (own && store_batch_open(st)) {
		if (err == 0)
			err = store_batch_commit(st);
		else
			store_batch_rollback(st);
	}
	return err;
}

/*
 * One page of search results for q->user, best first, with one more row
 * peeked to set *more. Terms match as word prefixes (fts_prefix_query()).
 * A query FTS5 cannot parse (it should not happen: proto_parse_search()
 * quotes every term) is TD_ERR_BAD_REQUEST; TD_ERR_STORAGE when the
 * index's backlog could not be indexed first (search_sync()).
 */
int
store_search(struct store *st, const struct store_search *q, bool *more,
	     int (*fn)(void *ctx, const struct td_message *m,
		       const char *snippet),
	     void *ctx)
{
	bool fts = q->fts != NULL && q->fts[0] != '\0';
	sqlite3_stmt *s = store_sql(st, fts ? search_fts_sql
				    : q->conv != 0 ? search_plain_conv_sql
				    : search_plain_sql);
	struct td_message m;
	char *pq = NULL;
	const char *t;
	int n = 0;
	int err = 0;
	int rc;

	*more = false;
	if (q->limit < 1)
		return TD_ERR_BAD_REQUEST;
	if (s == NULL)
		return TD_ERR_STORAGE;
	if (fts) {
		err = search_sync(st);
		if (err != 0)
			return err;
		pq = search_query(q);
		if (pq == NULL)
			return TD_ERR_INTERNAL;
	}
	sqlite3_bind_int64(s, 1, q->user);
	if (fts)
		store_bind_text(s, 2, pq);
	sqlite3_bind_int64(s, 3, q->conv);
	sqlite3_bind_int64(s, 4, q->author);
	sqlite3_bind_int64(s, 5, q->before_ms);
	sqlite3_bind_int64(s, 6, q->after_ms);
	sqlite3_bind_int(s, 7, q->has_link ? 1 : 0);
	sqlite3_bind_int(s, 8, q->limit + 1);
	sqlite3_bind_int(s, 9, q->offset);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (n++ == q->limit) {
			*more = true;
			continue;
		}
		store_row_msg(s, &m);
		t = (const char *)sqlite3_column_text(s, MSG_NCOLS);
		err = fn(ctx, &m, t != NULL ? t : "");
		td_message_fini(&m);
		if (err != 0)
			goto out;
	}
	if (rc == SQLITE_ERROR) {
		err = TD_ERR_BAD_REQUEST;
		goto out;
	}
	if (rc != SQLITE_DONE)
		err = store_map_err(st, rc, TD_ERR_STORAGE, "search");
out:
	sqlite3_reset(s);
	if (pq != NULL) {
		sqlite3_bind_null(s, 2); /* pq was bound SQLITE_STATIC */
		free(pq);
	}
	return err;
}

