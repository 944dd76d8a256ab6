/*
 * records.h: what the record commands of `tandem` share (cmd_requests.c,
 * cmd_feedback.c, cmd_team.c; implemented in records.c): checking
 * arguments before anything is sent (a bad kind, date or id is a usage
 * error, exit 2), calling the server, and printing the server's text
 * through the sanitizer (util_fput_safe, util_fput_cell).
 *
 * Replies are read through the payload view (proto_value_*): a
 * `const struct proto_value *` borrowed from its frame.
 */
#ifndef TANDEM_CLIENT_RECORDS_H
#define TANDEM_CLIENT_RECORDS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "cli.h"

/* Width of the labels in `request show`, `feedback show` and the rest. */
#define REC_LABEL_W 15

/* ---- arguments ---- */

/* A record id: digits, optionally after '#'. */
int rec_id(struct cli *c, const char *arg, const char *what, int64_t *id);

/*
 * The wire name of an enum value given on the command line ("in-progress"
 * is taken for "in_progress"). Returns 0 and *wire (a static string), or a
 * usage error listing the names.
 */
int rec_enum(struct cli *c, const char *label, const char *s,
	     const struct td_enum *e, const char **wire);

/* --value: whole currency units, with an optional k or m suffix. */
int rec_value(struct cli *c, const char *s, int64_t *v);

/*
 * The body of a record: --body TEXT, or stdin for "--body -". Returns 0
 * and a heap string (NULL when --body was not given).
 */
int rec_body(struct cli *c, char **body);

/*
 * Write the request fields given as options (kind, title, body, account,
 * deal, stage, value, due, priority, nonce) into w. Only options the
 * command allows can be set, so one writer serves request new and
 * feedback to-request. Returns 0 or a usage error.
 */
int rec_request_fields(struct cli *c, struct jw *w, const char *body);

/* Check the one-line text options a record command may carry. */
int rec_check_lines(struct cli *c);

/* ---- calls ---- */

/*
 * Send the request in w and check that the result holds `key` (an object
 * or an array). *out borrows from *f (the caller finis f).
 */
int rec_call(struct cli *c, struct jw *w, struct proto_frame *f,
	     const char *key, const struct proto_value **out);

/* One record by id: {op, key: id}; the result's `key` object in *out. */
int rec_get(struct cli *c, enum proto_op op, const char *key, int64_t id,
	    struct proto_frame *f, const struct proto_value **out);

/* ---- output ---- */

const char *rec_str(const struct proto_value *o, const char *key);

int64_t rec_int(const struct proto_value *o, const char *key);

/* "Label:" padded to LABEL_W. */
void rec_label(const char *label);

/* A labelled line of server text. */
void rec_field(const char *label, const char *text);

/* "@handle" of a user id ("-" for 0), sanitized. */
void rec_put_user(struct cli *c, FILE *f, int64_t id);

/* A user as a table cell: "@handle" cut to width. */
void rec_user_cell(struct cli *c, int64_t id, size_t width);

/* A time as "YYYY-MM-DD HH:MM UTC (in 3d)". */
void rec_put_time(int64_t ms, bool relative);

/* A list of ids ("#12, #14") or "-". */
void rec_put_ids(const struct proto_value *arr);

/* The body, indented, after a blank line. */
void rec_put_body(const char *body);

/* The users of an id array: "@ana, @cat". */
void rec_put_users(struct cli *c, const struct proto_value *arr);

/* Print a request reply: its object with --json, else `say` and a line. */
void rec_done_request(struct cli *c, const struct proto_value *r,
		      const char *say);

/* ---- checks before connecting ---- */

/* --note: text as a message body (newlines allowed). */
int rec_check_note(struct cli *c);
/*
 * A list op's --sort (one of the three words the op accepts), --limit and
 * --offset, written into w. Returns 0 or CLI_ERR_USAGE.
 */
int rec_list_order(struct cli *c, struct jw *w, const char *a, const char *b,
		   const char *d);

/* Run a writer of request fields into a scratch request: its checks. */
int rec_dry(struct cli *c, int (*fill)(struct cli *c, struct jw *w));

/* For rec_dry(): the request fields of request new and feedback
 * to-request (rec_request_fields without a body). */
int rec_fill_request(struct cli *c, struct jw *w);

/* The first argument is a record id. */
int rec_check_id(struct cli *c, const char *what);

#endif
