/*
 * records.c: the pieces the record commands share (see records.h):
 * argument checks, calls, and sanitized output helpers.
 *
 * Every text that came from the server (titles, accounts, notes, URLs,
 * handles) reaches the terminal only through util_fput_safe,
 * util_fput_cell or util_fput_json_line; this file must never hand server
 * text to stdio directly.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "records.h"
#include "util.h"

/* A record id: digits, optionally after '#'. */
int
rec_id(struct cli *c, const char *arg, const char *what, int64_t *id)
{
	char *end;

	if (arg[0] == '#')
		arg++;
	errno = 0;
	*id = strtoll(arg, &end, 10);
	if (errno || end == arg || *end || *id <= 0 || arg[0] == '+' ||
	    arg[0] == '-')
		return cli_usage_fail(c, "'%s' is not a %s id", arg, what);
	return 0;
}

/*
 * The wire name of an enum value given on the command line ("in-progress"
 * is taken for "in_progress"). Returns 0 and *wire (a static string), or a
 * usage error listing the names.
 */
int
rec_enum(struct cli *c, const char *label, const char *s,
	 const struct td_enum *e, const char **wire)
{
	char word[64];
	struct sbuf names;
	size_t i;
	int v;

	snprintf(word, sizeof(word), "%s", s);
	for (i = 0; word[i]; i++)
		if (word[i] == '-')
			word[i] = '_';
	v = td_enum_parse(e, word);
	if (v >= 0 && strlen(s) < sizeof(word)) {
		*wire = td_enum_name(e, v);
		return 0;
	}
	sbuf_init(&names);
	for (v = 0; v < e->n; v++)
		sbuf_addf(&names, "%s%s", v ? ", " : "", e->names[v]);
	cli_usage_fail(c, "%s must be one of: %s", label, names.s);
	sbuf_fini(&names);
	return CLI_ERR_USAGE;
}

/* An option holding one line of text of at most max characters. */
static int
rec_line(struct cli *c, enum opt o, const char *name, size_t max)
{
	const char *s = c->opt[o];

	if (s && !proto_valid_line(s, max, true))
		return cli_usage_fail(c,
				      "--%s must be one line of at most %zu "
				      "characters, without control characters",
				      name, max);
	return 0;
}

/* --value: whole currency units, with an optional k or m suffix. */
int
rec_value(struct cli *c, const char *s, int64_t *v)
{
	char *end;
	int64_t mul = 1;

	errno = 0;
	*v = strtoll(s, &end, 10);
	if (*end == 'k' || *end == 'K')
		mul = 1000;
	else if (*end == 'm' || *end == 'M')
		mul = 1000000;
	if (mul > 1)
		end++;
	if (errno || end == s || *end || s[0] == '-' || s[0] == '+' ||
	    *v > TD_VALUE_MAX / mul)
		return cli_usage_fail(c,
				      "--value must be a whole amount from 0 "
				      "to %lld (120000, 120k or 1m)",
				      (long long)TD_VALUE_MAX);
	*v *= mul;
	return 0;
}

/*
 * --due: YYYY-MM-DD (23:59 UTC that day) or +N followed by h, d or w
 * (from now). Returns 0 and ms since the epoch, or a usage error.
 */
static int
rec_due(struct cli *c, const char *s, int64_t *ms)
{
	struct tm tm;
	char *end;
	long n;

	if (s[0] == '+') {
		errno = 0;
		n = strtol(s + 1, &end, 10);
		if (!errno && end != s + 1 && n > 0 && n <= 3650 &&
		    end[1] == '\0' && strchr("hdw", end[0])) {
			int64_t unit = end[0] == 'h'   ? 3600000
				       : end[0] == 'd' ? 86400000
						       : 7 * 86400000LL;
			*ms = util_wall_ms() + n * unit;
			return 0;
		}
	} else if (strlen(s) == 10 && s[4] == '-' && s[7] == '-' &&
		   strspn(s, "0123456789-") == 10) {
		memset(&tm, 0, sizeof(tm));
		tm.tm_year = atoi(s) - 1900;
		tm.tm_mon = atoi(s + 5) - 1;
		tm.tm_mday = atoi(s + 8);
		tm.tm_hour = 23;
		tm.tm_min = 59;
		if (tm.tm_mon >= 0 && tm.tm_mon < 12 && tm.tm_mday >= 1 &&
		    tm.tm_mday <= 31) {
			*ms = (int64_t)timegm(&tm) * 1000;
			return 0;
		}
	}
	return cli_usage_fail(c, "--due must be a date (YYYY-MM-DD) or +N "
				 "with h, d or w (+3d)");
}

/*
 * The body of a record: --body TEXT, or stdin for "--body -". Returns 0
 * and a heap string (NULL when --body was not given).
 */
int
rec_body(struct cli *c, char **body)
{
	*body = NULL;
	if (!c->opt[OPT_BODY])
		return 0;
	return cli_read_body(c, c->opt[OPT_BODY], "the body", body);
}

/*
 * Write the request fields given as options (kind, title, body, account,
 * deal, stage, value, due, priority, nonce) into w. Only options the
 * command allows can be set, so one writer serves request new and
 * feedback to-request. Returns 0 or a usage error.
 */
int
rec_request_fields(struct cli *c, struct jw *w, const char *body)
{
	const char *wire;
	int64_t v;
	int rc = 0;

	if (c->opt[OPT_KIND] &&
	    (rc = rec_enum(c, "--kind", c->opt[OPT_KIND], &td_enum_request_kind,
			   &wire)) == 0)
		jw_kstr(w, "kind", wire);
	if (rc == 0 && c->opt[OPT_TITLE])
		jw_kstr(w, "title", c->opt[OPT_TITLE]);
	if (rc == 0 && body)
		jw_kstr(w, "body", body);
	if (rc == 0 && c->opt[OPT_ACCOUNT])
		jw_kstr(w, "account", c->opt[OPT_ACCOUNT]);
	if (rc == 0 && c->opt[OPT_DEAL])
		jw_kstr(w, "deal", c->opt[OPT_DEAL]);
	if (rc == 0 && c->opt[OPT_STAGE] &&
	    (rc = rec_enum(c, "--stage", c->opt[OPT_STAGE], &td_enum_deal_stage,
			   &wire)) == 0)
		jw_kstr(w, "stage", wire);
	if (rc == 0 && c->opt[OPT_VALUE] &&
	    (rc = rec_value(c, c->opt[OPT_VALUE], &v)) == 0)
		jw_kint(w, "value", v);
	if (rc == 0 && c->opt[OPT_DUE] &&
	    (rc = rec_due(c, c->opt[OPT_DUE], &v)) == 0)
		jw_kint(w, "due", v);
	if (rc == 0 && c->opt[OPT_PRIORITY] &&
	    (rc = rec_enum(c, "--priority", c->opt[OPT_PRIORITY],
			   &td_enum_priority, &wire)) == 0)
		jw_kstr(w, "priority", wire);
	if (rc == 0 && c->opt[OPT_NONCE])
		jw_kstr(w, "nonce", c->opt[OPT_NONCE]);
	return rc;
}

/* Check the one-line text options a record command may carry. */
int
rec_check_lines(struct cli *c)
{
	int rc = rec_line(c, OPT_TITLE, "title", TD_TITLE_CHARS);

	rc = rc ? rc : rec_line(c, OPT_ACCOUNT, "account", TD_ACCOUNT_CHARS);
	rc = rc ? rc : rec_line(c, OPT_DEAL, "deal", TD_ACCOUNT_CHARS);
	rc = rc ? rc
		: rec_line(c, OPT_COMPETITOR, "competitor", TD_ACCOUNT_CHARS);
	rc = rc ? rc : rec_line(c, OPT_REASON, "reason", TD_REASON_CHARS);
	if (rc == 0 && c->opt[OPT_TITLE] && !c->opt[OPT_TITLE][0])
		rc = cli_usage_fail(c, "--title must not be empty");
	if (rc == 0 && c->opt[OPT_NONCE] &&
	    (!c->opt[OPT_NONCE][0] || strlen(c->opt[OPT_NONCE]) > TD_NONCE_MAX))
		rc = cli_usage_fail(c, "--nonce must be 1 to %d characters",
				    TD_NONCE_MAX);
	return rc;
}

/*
 * Send the request in w and check that the result holds `key` (an object
 * or an array). *out borrows from *f (the caller finis f).
 */
int
rec_call(struct cli *c, struct jw *w, struct proto_frame *f, const char *key,
	 const struct proto_value **out)
{
	int rc = rpc_call(&c->rpc, w, f, RPC_REPLY_TIMEOUT_MS);

	*out = NULL;
	if (rc != 0)
		return rc;
	*out = proto_value_get(f->payload, key);
	if (proto_value_type(*out) != PROTO_VALUE_OBJECT &&
	    proto_value_type(*out) != PROTO_VALUE_ARRAY)
		return cli_fail(c, CLI_ERR_PROTO, "the reply has no %s", key);
	return 0;
}

/* One record by id: {op, key: id}; the result's `key` object in *out. */
int
rec_get(struct cli *c, enum proto_op op, const char *key, int64_t id,
	struct proto_frame *f, const struct proto_value **out)
{
	struct jw w;

	rpc_begin(&c->rpc, &w, op);
	jw_kint(&w, key, id);
	return rec_call(c, &w, f, key, out);
}

const char *
rec_str(const struct proto_value *o, const char *key)
{
	return proto_value_str(proto_value_get(o, key), "");
}

int64_t
rec_int(const struct proto_value *o, const char *key)
{
	return proto_value_int(proto_value_get(o, key), 0);
}

/* "Label:" padded to REC_LABEL_W. */
void
rec_label(const char *label)
{
	int pad = REC_LABEL_W - (int)strlen(label) - 1;

	if (!label[0])
		printf("%*s", REC_LABEL_W, "");
	else
		printf("%s:%*s", label, pad > 1 ? pad : 1, "");
}

/* A labelled line of server text. */
void
rec_field(const char *label, const char *text)
{
	rec_label(label);
	util_fput_safe(stdout, text[0] ? text : "-", 0);
	fputc('\n', stdout);
}

/* "@handle" of a user id ("-" for 0), sanitized. */
void
rec_put_user(struct cli *c, FILE *f, int64_t id)
{
	char h[TD_HANDLE_MAX + 24];

	cli_handle_of(c, id, h, sizeof(h));
	if (id)
		fputc('@', f);
	util_fput_safe(f, h, 0);
}

/* A user as a table cell: "@handle" cut to width. */
void
rec_user_cell(struct cli *c, int64_t id, size_t width)
{
	char h[TD_HANDLE_MAX + 24], at[TD_HANDLE_MAX + 26];

	cli_handle_of(c, id, h, sizeof(h));
	snprintf(at, sizeof(at), "%s%s", id ? "@" : "", h);
	util_fput_cell(stdout, at, width);
}

/* A time as "YYYY-MM-DD HH:MM UTC (in 3d)". */
void
rec_put_time(int64_t ms, bool relative)
{
	char t[32], r[32];

	util_format_utc(ms, t, sizeof(t));
	util_format_relative(ms, r, sizeof(r));
	if (!ms)
		fputs("-", stdout);
	else if (relative)
		printf("%s UTC (%s)", t, r);
	else
		printf("%s UTC", t);
}

/* A list of ids ("#12, #14") or "-". */
void
rec_put_ids(const struct proto_value *arr)
{
	size_t i, n = proto_value_len(arr);

	for (i = 0; i < n; i++)
		printf("%s#%" PRId64, i ? ", " : "",
		       proto_value_int(proto_value_at(arr, i), 0));
	if (n == 0)
		fputs("-", stdout);
}

/* The body, indented, after a blank line. */
void
rec_put_body(const char *body)
{
	struct sbuf b;
	const char *p;

	sbuf_init(&b);
	util_sanitize(&b, body, strlen(body), SAN_KEEP_NL | SAN_KEEP_TAB);
	fputs("\n    ", stdout);
	for (p = b.s; *p; p++) {
		fputc(*p, stdout);
		if (*p == '\n' && p[1])
			fputs("    ", stdout);
	}
	fputc('\n', stdout);
	sbuf_fini(&b);
}

/* The users of an id array: "@ana, @cat". */
void
rec_put_users(struct cli *c, const struct proto_value *arr)
{
	size_t i, n = proto_value_len(arr);

	for (i = 0; i < n; i++) {
		if (i)
			fputs(", ", stdout);
		rec_put_user(c, stdout,
			     proto_value_int(proto_value_at(arr, i), 0));
	}
	fputs(n ? "\n" : "-\n", stdout);
}

/* Print a request reply: its object with --json, else `say` and a line. */
void
rec_done_request(struct cli *c, const struct proto_value *r, const char *say)
{
	if (c->json) {
		cli_json_value(r);
		return;
	}
	printf("%s #%" PRId64 " (%s): ", say, rec_int(r, "id"),
	       rec_str(r, "status"));
	util_fput_safe(stdout, rec_str(r, "title"), 0);
	fputc('\n', stdout);
}

/* --note: text as a message body (newlines allowed). */
int
rec_check_note(struct cli *c)
{
	const char *s = c->opt[OPT_NOTE];

	if (s && !proto_valid_body(s, strlen(s)))
		return cli_usage_fail(c, "--note must be text without control "
					 "characters");
	return 0;
}

/* Run a writer of request fields into a scratch request: its checks. */
int
rec_dry(struct cli *c, int (*fill)(struct cli *c, struct jw *w))
{
	struct jw w;
	int rc;

	jw_init(&w, 0);
	jw_obj_open(&w);
	rc = fill(c, &w);
	jw_fini(&w);
	return rc;
}

int
rec_fill_request(struct cli *c, struct jw *w)
{
	return rec_request_fields(c, w, NULL);
}

/* The first argument is a record id. */
int
rec_check_id(struct cli *c, const char *what)
{
	int64_t id;

	return rec_id(c, c->args[0], what, &id);
}

int
rec_list_order(struct cli *c, struct jw *w, const char *a, const char *b,
	       const char *d)
{
	const char *sort = c->opt[OPT_SORT];

	if (sort) {
		if (strcmp(sort, a) && strcmp(sort, b) && strcmp(sort, d))
			return cli_usage_fail(c, "--sort must be %s, %s or %s",
					      a, b, d);
		jw_kstr(w, "sort", sort);
	}
	if (c->limit)
		jw_kint(w, "limit", c->limit);
	if (c->offset)
		jw_kint(w, "offset", c->offset);
	return 0;
}
