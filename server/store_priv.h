/*
 * store_priv.h: what the store's implementation files share, and nothing
 * outside them may include. store.c holds the core schema (users, tokens,
 * conversations, messages, events, chat features) and the migrations;
 * each sales-and-marketing record has its own file (store_request.c,
 * store_feedback.c, store_pair.c, store_glossary.c, store_dashboard.c)
 * with its part of store.h. Only these files include sqlite3.h.
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

#endif
