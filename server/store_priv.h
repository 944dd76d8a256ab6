/*
 * store_priv.h: what the store's implementation files share, and nothing
 * outside them may include. store.c holds the core schema (users, tokens,
 * conversations, messages, events, chat features) and the migrations;
 * each sales-and-marketing record has its own file (store_request.c,
 * store_feedback.c, store_pair.c, store_glossary.c, store_dashboard.c)
 * with its part of store.h, and search has store_search.c. Only these
 * files include sqlite3.h.
 *
 * Those files keep their SQL next to their functions and get statements
 * through store_sql(): prepared on first use, cached for the life of the
 * connection, handed back reset and unbound. The SQL text's address is the
 * cache key, so pass a string that lives for the program (a static const
 * array or a literal), never a buffer.
 *
 * The error and row helpers behave exactly as store.c's own (see there).
 */
#ifndef TANDEM_STORE_PRIV_H
#define TANDEM_STORE_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

#include "store.h"

sqlite3 *store_db(struct store *st);
/* NULL only when SQLite refused the SQL (logged): a bug, answered as
 * TD_ERR_STORAGE by callers. */
sqlite3_stmt *store_sql(struct store *st, const char *sql);
/* The store's clock (store_options.now_ms, else the wall clock). */
int64_t store_now(struct store *st);

int store_map_err(struct store *st, int rc, int unique_err, const char *what);
/* Step a statement that returns no rows, then reset it. */
int store_exec_done(struct store *st, sqlite3_stmt *s, int unique_err,
		    const char *what);
/* The same, TD_ERR_NOT_FOUND when no row changed. */
int store_exec_change(struct store *st, sqlite3_stmt *s, int unique_err,
		      const char *what);
/* Step expecting a row: 0 (row ready), TD_ERR_NOT_FOUND, or an error. */
int store_step_row(struct store *st, sqlite3_stmt *s, const char *what);
/* One integer from a one-row query, then reset. */
int store_query_int(struct store *st, sqlite3_stmt *s, int64_t *out,
		    const char *what);
/* Walk rows: fn(ctx, s) per row; stops on non-zero. Resets s. */
int store_walk(struct store *st, sqlite3_stmt *s, const char *what,
	       int (*fn)(void *ctx, sqlite3_stmt *s), void *ctx);
void store_bind_text(sqlite3_stmt *s, int i, const char *t);
/* Column text into a fixed array (truncated to fit, "" for NULL). */
void store_copy_col(char *dst, size_t cap, sqlite3_stmt *s, int col);
/* Column text as a heap string (aborts on OOM). */
char *store_col_dup(sqlite3_stmt *s, int col);

/*
 * Messages (store.c): the columns every message query selects, the row
 * reader for them, and the visibility test. store_search.c builds its
 * SQL from these.
 */
/*
 * The columns every message query selects, in store_row_msg()'s order. The
 * thread subqueries repeat "r.thread_id > 0" (implied by thread_id = m.id,
 * since ids start at 1) because SQLite uses the partial index
 * messages_thread only when the WHERE states its condition; without it
 * each subquery scans the whole messages table, per result row.
 */
#define MSG_COLS                                                           \
	"m.id, m.conv_id, m.author, m.body, coalesce(m.nonce, ''),"       \
	" m.created_at, m.edited_at, m.deleted, m.thread_id,"             \
	" (SELECT count(*) FROM messages r WHERE r.thread_id = m.id"      \
	"  AND r.thread_id > 0 AND r.deleted = 0),"                       \
	" (SELECT coalesce(max(r.created_at), 0) FROM messages r"         \
	"  WHERE r.thread_id = m.id AND r.thread_id > 0"                  \
	"  AND r.deleted = 0),"                                           \
	" (SELECT group_concat(a) FROM (SELECT DISTINCT r.author a"       \
	"  FROM messages r WHERE r.thread_id = m.id AND r.thread_id > 0"  \
	"  AND r.deleted = 0 ORDER BY 1)),"                               \
	" (SELECT group_concat(e, ',') FROM (SELECT x.emoji || ':' ||"    \
	"  x.user_id e FROM reactions x WHERE x.message_id = m.id"        \
	"  ORDER BY x.emoji, x.user_id)), m.system"

/* Number of columns in MSG_COLS: extra columns of a query follow it. */
#define MSG_NCOLS 14

void store_row_msg(sqlite3_stmt *s, struct td_message *m);

/* Visible to user ?1: a member's conversation, or an open one (a public
 * channel, a request's or a feedback item's: td_conv_is_open()). */
#define VISIBLE_TO_1(conv)                                                 \
	" (" conv " IN (SELECT v.conv_id FROM members v"                 \
	"  WHERE v.user_id = ?1) OR " conv " IN (SELECT p.id"            \
	"  FROM conversations p WHERE (p.kind = 0 AND p.private = 0)"    \
	"  OR p.kind IN (3, 4)))"

/* Search (store_search.c). Register td_rank() with the connection's FTS5:
 * store_open() calls it before preparing any statement. */
int store_search_register(struct store *st);
/* Index the messages waiting for the word index: all of them (all), or
 * only when a chunk's worth is waiting (store_batch_commit()). */
int store_fts_sync(struct store *st, bool all);

#endif
