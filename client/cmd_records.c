/*
 * cmd_records.c: the sales-and-marketing commands of `tandem`: content
 * requests (requests, request template|new|show|move|assign|deliver),
 * feedback items (feedback [list]|new|show|vote|status|to-request), the
 * buddy pair and the team dashboard.
 *
 * Arguments are checked here before anything is sent (a bad kind, date or
 * id is a usage error, exit 2); replies are read through the payload view
 * (proto_value_*) and printed as compact text or, with --json, as the
 * server's own objects, one per line. Every text that came from the server
 * (titles, accounts, notes, URLs, handles) reaches the terminal only through
 * util_fput_safe, util_fput_cell or util_fput_json_line.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "util.h"

/* Width of the labels in `request show` and `feedback show`. */
#define LABEL_W 15
/* How many history pages `buddy` reads looking for the pair's starter. */
#define STARTER_PAGES 5

typedef const struct proto_value pv;

/* ---- arguments ---- */

/* A record id: digits, optionally after '#'. */
static int
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
static int
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
static int
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
static int
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
static int
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
static int
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

/* ---- calls ---- */

/*
 * Send the request in w and check that the result holds `key` (an object
 * or an array). *out borrows from *f (the caller finis f).
 */
static int
rec_call(struct cli *c, struct jw *w, struct proto_frame *f, const char *key,
	 pv **out)
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
static int
rec_get(struct cli *c, enum proto_op op, const char *key, int64_t id,
	struct proto_frame *f, pv **out)
{
	struct jw w;

	rpc_begin(&c->rpc, &w, op);
	jw_kint(&w, key, id);
	return rec_call(c, &w, f, key, out);
}

/* ---- output helpers ---- */

static const char *
rec_str(pv *o, const char *key)
{
	return proto_value_str(proto_value_get(o, key), "");
}

static int64_t
rec_int(pv *o, const char *key)
{
	return proto_value_int(proto_value_get(o, key), 0);
}

/* "Label:" padded to LABEL_W. */
static void
rec_label(const char *label)
{
	int pad = LABEL_W - (int)strlen(label) - 1;

	if (!label[0])
		printf("%*s", LABEL_W, "");
	else
		printf("%s:%*s", label, pad > 1 ? pad : 1, "");
}

/* A labelled line of server text. */
static void
rec_field(const char *label, const char *text)
{
	rec_label(label);
	util_fput_safe(stdout, text[0] ? text : "-", 0);
	fputc('\n', stdout);
}

/* "@handle" of a user id ("-" for 0), sanitized. */
static void
rec_put_user(struct cli *c, FILE *f, int64_t id)
{
	char h[TD_HANDLE_MAX + 24];

	cli_handle_of(c, id, h, sizeof(h));
	if (id)
		fputc('@', f);
	util_fput_safe(f, h, 0);
}

/* A user as a table cell: "@handle" cut to width. */
static void
rec_user_cell(struct cli *c, int64_t id, size_t width)
{
	char h[TD_HANDLE_MAX + 24], at[TD_HANDLE_MAX + 26];

	cli_handle_of(c, id, h, sizeof(h));
	snprintf(at, sizeof(at), "%s%s", id ? "@" : "", h);
	util_fput_cell(stdout, at, width);
}

/* A time as "YYYY-MM-DD HH:MM UTC (in 3d)". */
static void
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
static void
rec_put_ids(pv *arr)
{
	size_t i, n = proto_value_len(arr);

	for (i = 0; i < n; i++)
		printf("%s#%" PRId64, i ? ", " : "",
		       proto_value_int(proto_value_at(arr, i), 0));
	if (n == 0)
		fputs("-", stdout);
}

/* The body, indented, after a blank line. */
static void
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

/* ---- requests ---- */

/* A kind in at most 7 characters, for the table. */
static const char *
rec_kind_short(const char *kind)
{
	static const char *const map[][2] = {
		{"case_study", "case"},
		{"battle_card", "battle"},
		{"one_pager", "1-pager"},
		{"email_template", "email"},
	};
	size_t i;

	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (strcmp(kind, map[i][0]) == 0)
			return map[i][1];
	return kind;
}

/*
 * One word for a request's two SLA clocks, worst first: "breach" when
 * either breached, "paused", "ok" while one runs, "met" when both are
 * met, else "stop".
 */
static const char *
rec_sla_word(pv *req)
{
	pv *sla = proto_value_get(req, "sla");
	const char *a =
		rec_str(proto_value_get(sla, "first_response"), "state");
	const char *b = rec_str(proto_value_get(sla, "delivery"), "state");

	if (!strcmp(a, "breached") || !strcmp(b, "breached"))
		return "breach";
	if (!strcmp(a, "paused") || !strcmp(b, "paused"))
		return "paused";
	if (!strcmp(a, "running") || !strcmp(b, "running"))
		return "ok";
	if (!strcmp(a, "met") && !strcmp(b, "met"))
		return "met";
	return a[0] || b[0] ? "stop" : "-";
}

static void
rec_request_header(void)
{
	printf("%-4s %-11s %-7s %-15s %-8s %-8s %-7s %-5s %s\n", "ID", "STATUS",
	       "KIND", "TITLE", "FROM", "ASSIGNEE", "DUE", "VALUE", "SLA");
}

/* One row of the requests table: 79 columns. */
static void
rec_request_row(struct cli *c, pv *r)
{
	const char *status = rec_str(r, "status");
	char due[32], value[32];

	util_format_relative(rec_int(r, "due"), due, sizeof(due));
	util_format_amount(rec_int(r, "value"), value, sizeof(value));
	printf("%-4" PRId64 " ", rec_int(r, "id"));
	util_fput_cell(stdout,
		       strcmp(status, "waiting_on_requester") ? status
							      : "waiting",
		       11);
	fputc(' ', stdout);
	util_fput_cell(stdout, rec_kind_short(rec_str(r, "kind")), 7);
	fputc(' ', stdout);
	util_fput_cell(stdout, rec_str(r, "title"), 15);
	fputc(' ', stdout);
	rec_user_cell(c, rec_int(r, "requester"), 8);
	fputc(' ', stdout);
	rec_user_cell(c, rec_int(r, "assignee"), 8);
	printf(" %-7s %-5s %s\n", due, value, rec_sla_word(r));
}

/* Write request.list's filters from the options; uid: --assignee's id. */
static int
rec_request_filters(struct cli *c, struct jw *w, int64_t uid)
{
	const char *wire;
	int rc = cli_limit_max(c, 100);

	if (rc == 0 && c->opt[OPT_STATUS] &&
	    (rc = rec_enum(c, "--status", c->opt[OPT_STATUS],
			   &td_enum_request_status, &wire)) == 0)
		jw_kstr(w, "status", wire);
	if (rc == 0 && c->opt[OPT_KIND] &&
	    (rc = rec_enum(c, "--kind", c->opt[OPT_KIND], &td_enum_request_kind,
			   &wire)) == 0)
		jw_kstr(w, "kind", wire);
	if (rc == 0 && c->opt[OPT_ASSIGNEE])
		jw_kint(w, "assignee", uid);
	if (rc == 0 && c->opt[OPT_ACCOUNT])
		jw_kstr(w, "account", c->opt[OPT_ACCOUNT]);
	if (rc == 0 && c->opt[OPT_MINE])
		jw_kint(w, "user", c->me.id);
	if (rc == 0 && c->opt[OPT_SORT]) {
		if (strcmp(c->opt[OPT_SORT], "queue") &&
		    strcmp(c->opt[OPT_SORT], "due") &&
		    strcmp(c->opt[OPT_SORT], "newest"))
			rc = cli_usage_fail(c, "--sort must be queue, due or "
					       "newest");
		else
			jw_kstr(w, "sort", c->opt[OPT_SORT]);
	}
	if (rc == 0 && c->limit)
		jw_kint(w, "limit", c->limit);
	return rc;
}

int
cmd_requests(struct cli *c)
{
	struct proto_frame f;
	struct jw w;
	pv *list;
	int64_t uid = 0;
	size_t i;
	int rc = 0;

	memset(&f, 0, sizeof(f));
	/* Look the assignee up first: one request at a time. */
	if (c->opt[OPT_ASSIGNEE] && strcmp(c->opt[OPT_ASSIGNEE], "none") != 0)
		rc = cli_user_by_handle(c, c->opt[OPT_ASSIGNEE], &uid);
	if (rc != 0)
		return rc;
	rpc_begin(&c->rpc, &w, PROTO_OP_REQUEST_LIST);
	rc = rec_request_filters(c, &w, uid);
	if (rc != 0) {
		jw_fini(&w);
		return rc;
	}
	rc = rec_call(c, &w, &f, "requests", &list);
	for (i = 0; rc == 0 && i < proto_value_len(list); i++) {
		if (c->json) {
			cli_json_value(proto_value_at(list, i));
			continue;
		}
		if (i == 0)
			rec_request_header();
		rec_request_row(c, proto_value_at(list, i));
	}
	if (rc == 0 && !c->json && proto_value_len(list) == 0)
		fputs("no requests\n", stdout);
	if (rc == 0 && !c->json && f.more)
		fputs("tandem: more requests follow: use --limit\n", stderr);
	proto_frame_fini(&f);
	return rc;
}

int
cmd_request_template(struct cli *c)
{
	struct proto_frame f;
	const char *wire;
	pv *list, *t = NULL;
	size_t i;
	int rc = rec_enum(c, "the kind", c->args[0], &td_enum_request_kind,
			  &wire);

	memset(&f, 0, sizeof(f));
	if (rc == 0)
		rc = cli_simple(c, PROTO_OP_REQUEST_TEMPLATES, &f);
	list = proto_value_get(f.payload, "templates");
	for (i = 0; rc == 0 && i < proto_value_len(list); i++)
		if (!strcmp(rec_str(proto_value_at(list, i), "kind"), wire))
			t = proto_value_at(list, i);
	if (rc == 0 && !t)
		rc = cli_fail(c, TD_ERR_NOT_FOUND, "no template for %s", wire);
	if (rc == 0 && c->json) {
		cli_json_value(t);
	} else if (rc == 0) {
		util_fput_safe(stdout, rec_str(t, "body"),
			       SAN_KEEP_NL | SAN_KEEP_TAB);
		fputc('\n', stdout);
	}
	proto_frame_fini(&f);
	return rc;
}

/* One SLA clock: "met (target 4h, due ..., met ...)". */
static void
rec_put_clock(const char *label, pv *clock)
{
	const char *state = rec_str(clock, "state");
	char target[32];

	util_format_minutes(rec_int(clock, "target"), target, sizeof(target));
	rec_label(label);
	util_fput_safe(stdout, state[0] ? state : "-", 0);
	printf(" (target %s, due ", target);
	if (proto_value_type(proto_value_get(clock, "due_at")) ==
	    PROTO_VALUE_INT)
		rec_put_time(rec_int(clock, "due_at"), true);
	else
		fputs("paused", stdout);
	if (rec_int(clock, "breached_at")) {
		fputs(", breached ", stdout);
		rec_put_time(rec_int(clock, "breached_at"), false);
	}
	if (rec_int(clock, "stopped_at")) {
		fputs(", stopped ", stdout);
		rec_put_time(rec_int(clock, "stopped_at"), false);
	}
	fputs(")\n", stdout);
}

/* The delivered asset: link, note, when and by whom. */
static void
rec_put_asset(struct cli *c, pv *asset)
{
	const char *note = rec_str(asset, "note");

	rec_label("Asset");
	if (proto_value_type(asset) != PROTO_VALUE_OBJECT) {
		fputs("-\n", stdout);
		return;
	}
	util_fput_safe(stdout, rec_str(asset, "url"), 0);
	fputs(" (delivered ", stdout);
	rec_put_time(rec_int(asset, "delivered_at"), false);
	fputs(" by ", stdout);
	rec_put_user(c, stdout, rec_int(asset, "by"));
	fputs(")\n", stdout);
	if (note[0]) {
		rec_label("Note");
		util_fput_safe(stdout, note, SAN_NL_MARK);
		fputc('\n', stdout);
	}
}

static void
rec_put_verdicts(struct cli *c, pv *r)
{
	pv *counts = proto_value_get(r, "verdict_counts");
	pv *list = proto_value_get(r, "verdicts");
	size_t i;

	rec_label("Verdicts");
	printf("helped %" PRId64 ", fell flat %" PRId64 ", outdated %" PRId64
	       "\n",
	       rec_int(counts, "helped"), rec_int(counts, "fell_flat"),
	       rec_int(counts, "outdated"));
	for (i = 0; i < proto_value_len(list); i++) {
		pv *v = proto_value_at(list, i);

		fputs("  ", stdout);
		rec_put_user(c, stdout, rec_int(v, "user"));
		fputc(' ', stdout);
		util_fput_safe(stdout, rec_str(v, "verdict"), 0);
		if (rec_str(v, "deal")[0]) {
			fputs(" (deal ", stdout);
			util_fput_safe(stdout, rec_str(v, "deal"), 0);
			fputc(')', stdout);
		}
		if (rec_str(v, "note")[0]) {
			fputs(": ", stdout);
			util_fput_safe(stdout, rec_str(v, "note"), SAN_NL_MARK);
		}
		fputc('\n', stdout);
	}
}

/* The users of an id array: "@ana, @cat". */
static void
rec_put_users(struct cli *c, pv *arr)
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

/* Every field of a request, for request show. */
static void
rec_print_request(struct cli *c, pv *r)
{
	pv *sla = proto_value_get(r, "sla");
	char value[32];

	printf("Request #%" PRId64 ": ", rec_int(r, "id"));
	util_fput_safe(stdout, rec_str(r, "title"), 0);
	fputc('\n', stdout);
	rec_field("Status", rec_str(r, "status"));
	if (rec_str(r, "reason")[0])
		rec_field("Reason", rec_str(r, "reason"));
	rec_field("Kind", rec_str(r, "kind"));
	rec_field("Priority", rec_str(r, "priority"));
	rec_label("Requester");
	rec_put_user(c, stdout, rec_int(r, "requester"));
	fputc('\n', stdout);
	rec_label("Assignee");
	rec_put_user(c, stdout, rec_int(r, "assignee"));
	fputc('\n', stdout);
	rec_field("Account", rec_str(r, "account"));
	rec_field("Deal", rec_str(r, "deal"));
	rec_field("Stage", rec_str(r, "stage"));
	snprintf(value, sizeof(value), "%" PRId64, rec_int(r, "value"));
	rec_field("Value", value);
	rec_label("Due");
	rec_put_time(rec_int(r, "due"), true);
	fputc('\n', stdout);
	rec_label("Filed");
	rec_put_time(rec_int(r, "created_at"), true);
	fputc('\n', stdout);
	rec_label("Updated");
	rec_put_time(rec_int(r, "updated_at"), true);
	printf("\n");
	rec_put_clock("SLA response", proto_value_get(sla, "first_response"));
	rec_put_clock("SLA delivery", proto_value_get(sla, "delivery"));
	rec_put_asset(c, proto_value_get(r, "asset"));
	rec_put_verdicts(c, r);
	rec_label("Watchers");
	rec_put_users(c, proto_value_get(r, "watchers"));
	rec_label("Feedback");
	rec_put_ids(proto_value_get(r, "feedback"));
	printf("\n");
	rec_label("Conversation");
	printf("%" PRId64 "\n", rec_int(r, "conv"));
	rec_put_body(rec_str(r, "body"));
}

/* Print a request reply: its object with --json, else `say` and a line. */
static void
rec_done_request(struct cli *c, pv *r, const char *say)
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

int
cmd_request_show(struct cli *c)
{
	struct proto_frame f;
	int64_t id;
	pv *r;
	int rc = rec_id(c, c->args[0], "request", &id);

	memset(&f, 0, sizeof(f));
	if (rc == 0)
		rc = rec_get(c, PROTO_OP_REQUEST_GET, "request", id, &f, &r);
	if (rc == 0 && c->json)
		cli_json_value(r);
	else if (rc == 0)
		rec_print_request(c, r);
	proto_frame_fini(&f);
	return rc;
}

int
cmd_request_new(struct cli *c)
{
	struct proto_frame f;
	char *body = NULL;
	struct jw w;
	pv *r;
	int rc;

	memset(&f, 0, sizeof(f));
	rc = rec_body(c, &body);
	if (rc != 0)
		goto out;
	rpc_begin(&c->rpc, &w, PROTO_OP_REQUEST_CREATE);
	rc = rec_request_fields(c, &w, body);
	if (rc != 0) {
		jw_fini(&w);
		goto out;
	}
	rc = rec_call(c, &w, &f, "request", &r);
	if (rc == 0)
		rec_done_request(c, r, "filed request");
out:
	proto_frame_fini(&f);
	free(body);
	return rc;
}

int
cmd_request_move(struct cli *c)
{
	struct proto_frame f;
	const char *wire;
	struct jw w;
	int64_t id;
	pv *r;
	int rc = rec_id(c, c->args[0], "request", &id);

	memset(&f, 0, sizeof(f));
	rc = rc ? rc
		: rec_enum(c, "the status", c->args[1], &td_enum_request_status,
			   &wire);
	if (rc != 0)
		return rc;
	rpc_begin(&c->rpc, &w, PROTO_OP_REQUEST_MOVE);
	jw_kint(&w, "request", id);
	jw_kstr(&w, "status", wire);
	if (c->opt[OPT_REASON])
		jw_kstr(&w, "reason", c->opt[OPT_REASON]);
	rc = rec_call(c, &w, &f, "request", &r);
	if (rc == 0)
		rec_done_request(c, r, "moved request");
	proto_frame_fini(&f);
	return rc;
}

int
cmd_request_assign(struct cli *c)
{
	struct proto_frame f;
	struct jw w;
	int64_t id, uid = 0;
	pv *r;
	int rc = rec_id(c, c->args[0], "request", &id);

	memset(&f, 0, sizeof(f));
	if (rc == 0 && strcmp(c->args[1], "none") != 0)
		rc = cli_user_by_handle(c, c->args[1], &uid);
	if (rc != 0)
		return rc;
	rpc_begin(&c->rpc, &w, PROTO_OP_REQUEST_ASSIGN);
	jw_kint(&w, "request", id);
	jw_kint(&w, "assignee", uid);
	rc = rec_call(c, &w, &f, "request", &r);
	if (rc == 0)
		rec_done_request(
			c, r, uid ? "assigned request" : "unassigned request");
	proto_frame_fini(&f);
	return rc;
}

int
cmd_request_deliver(struct cli *c)
{
	struct proto_frame f;
	struct jw w;
	int64_t id;
	pv *r;
	int rc = rec_id(c, c->args[0], "request", &id);

	memset(&f, 0, sizeof(f));
	if (rc != 0)
		return rc;
	rpc_begin(&c->rpc, &w, PROTO_OP_REQUEST_DELIVER);
	jw_kint(&w, "request", id);
	jw_kstr(&w, "url", c->args[1]);
	if (c->opt[OPT_NOTE])
		jw_kstr(&w, "note", c->opt[OPT_NOTE]);
	rc = rec_call(c, &w, &f, "request", &r);
	if (rc == 0)
		rec_done_request(c, r, "delivered request");
	proto_frame_fini(&f);
	return rc;
}

int
cmd_request_verdict(struct cli *c)
{
	struct proto_frame f;
	const char *wire;
	struct jw w;
	int64_t id;
	pv *r;
	int rc = rec_id(c, c->args[0], "request", &id);

	memset(&f, 0, sizeof(f));
	rc = rc ? rc
		: rec_enum(c, "the verdict", c->args[1], &td_enum_verdict,
			   &wire);
	if (rc != 0)
		return rc;
	rpc_begin(&c->rpc, &w, PROTO_OP_REQUEST_VERDICT);
	jw_kint(&w, "request", id);
	jw_kstr(&w, "verdict", wire);
	if (c->opt[OPT_NOTE])
		jw_kstr(&w, "note", c->opt[OPT_NOTE]);
	if (c->opt[OPT_DEAL])
		jw_kstr(&w, "deal", c->opt[OPT_DEAL]);
	rc = rec_call(c, &w, &f, "request", &r);
	if (rc == 0)
		rec_done_request(c, r, "recorded a verdict on request");
	proto_frame_fini(&f);
	return rc;
}

/* ---- feedback ---- */

static void
rec_feedback_header(void)
{
	printf("%-4s %-12s %-12s %-26s %5s %-6s %s\n", "ID", "STATUS", "KIND",
	       "TITLE", "VOTES", "VALUE", "FROM");
}

/* One row of the feedback table: 79 columns. */
static void
rec_feedback_row(struct cli *c, pv *fb)
{
	char value[32];

	util_format_amount(rec_int(fb, "value_total"), value, sizeof(value));
	printf("%-4" PRId64 " ", rec_int(fb, "id"));
	util_fput_cell(stdout, rec_str(fb, "status"), 12);
	fputc(' ', stdout);
	util_fput_cell(stdout, rec_str(fb, "kind"), 12);
	fputc(' ', stdout);
	util_fput_cell(stdout, rec_str(fb, "title"), 26);
	printf(" %5" PRId64 " %-6s ", rec_int(fb, "votes"), value);
	rec_put_user(c, stdout, rec_int(fb, "author"));
	fputc('\n', stdout);
}

/* Write feedback.list's filters from the options. */
static int
rec_feedback_filters(struct cli *c, struct jw *w)
{
	const char *wire;
	int rc = cli_limit_max(c, 100);

	if (rc == 0 && c->opt[OPT_KIND] &&
	    (rc = rec_enum(c, "--kind", c->opt[OPT_KIND],
			   &td_enum_feedback_kind, &wire)) == 0)
		jw_kstr(w, "kind", wire);
	if (rc == 0 && c->opt[OPT_STATUS] &&
	    (rc = rec_enum(c, "--status", c->opt[OPT_STATUS],
			   &td_enum_feedback_status, &wire)) == 0)
		jw_kstr(w, "status", wire);
	if (rc == 0 && c->opt[OPT_ACCOUNT])
		jw_kstr(w, "account", c->opt[OPT_ACCOUNT]);
	if (rc == 0 && c->opt[OPT_COMPETITOR])
		jw_kstr(w, "competitor", c->opt[OPT_COMPETITOR]);
	if (rc == 0 && c->opt[OPT_SORT]) {
		if (strcmp(c->opt[OPT_SORT], "votes") &&
		    strcmp(c->opt[OPT_SORT], "value") &&
		    strcmp(c->opt[OPT_SORT], "newest"))
			rc = cli_usage_fail(c, "--sort must be votes, value "
					       "or newest");
		else
			jw_kstr(w, "sort", c->opt[OPT_SORT]);
	}
	if (rc == 0 && c->limit)
		jw_kint(w, "limit", c->limit);
	return rc;
}

int
cmd_feedback_list(struct cli *c)
{
	struct proto_frame f;
	struct jw w;
	pv *list;
	size_t i;
	int rc;

	memset(&f, 0, sizeof(f));
	rpc_begin(&c->rpc, &w, PROTO_OP_FEEDBACK_LIST);
	rc = rec_feedback_filters(c, &w);
	if (rc != 0) {
		jw_fini(&w);
		return rc;
	}
	rc = rec_call(c, &w, &f, "feedback", &list);
	for (i = 0; rc == 0 && i < proto_value_len(list); i++) {
		if (c->json) {
			cli_json_value(proto_value_at(list, i));
			continue;
		}
		if (i == 0)
			rec_feedback_header();
		rec_feedback_row(c, proto_value_at(list, i));
	}
	if (rc == 0 && !c->json && proto_value_len(list) == 0)
		fputs("no feedback\n", stdout);
	if (rc == 0 && !c->json && f.more)
		fputs("tandem: more feedback follows: use --limit\n", stderr);
	proto_frame_fini(&f);
	return rc;
}

/* The votes of feedback show: one line each. */
static void
rec_put_votes(struct cli *c, pv *fb)
{
	pv *weights = proto_value_get(fb, "weights");
	pv *list = proto_value_get(fb, "vote_list");
	size_t i;

	rec_label("Votes");
	printf("%" PRId64 " (nice to have %" PRId64 ", important %" PRId64
	       ", deal blocker %" PRId64 "); deal value affected %" PRId64 "\n",
	       rec_int(fb, "votes"), rec_int(weights, "nice_to_have"),
	       rec_int(weights, "important"), rec_int(weights, "deal_blocker"),
	       rec_int(fb, "value_total"));
	for (i = 0; i < proto_value_len(list); i++) {
		pv *v = proto_value_at(list, i);

		fputs("  ", stdout);
		rec_put_user(c, stdout, rec_int(v, "user"));
		fputc(' ', stdout);
		util_fput_safe(stdout, rec_str(v, "weight"), 0);
		fputs(", ", stdout);
		util_fput_safe(stdout,
			       rec_str(v, "account")[0] ? rec_str(v, "account")
							: "no account",
			       0);
		printf(", value %" PRId64 ", ", rec_int(v, "value"));
		util_fput_safe(stdout, rec_str(v, "stage"), 0);
		fputs(", ", stdout);
		rec_put_time(rec_int(v, "created_at"), false);
		fputc('\n', stdout);
	}
}

/* Every field of a feedback item, for feedback show. */
static void
rec_print_feedback(struct cli *c, pv *fb)
{
	pv *accounts = proto_value_get(fb, "accounts");
	char value[32];
	size_t i;

	printf("Feedback #%" PRId64 ": ", rec_int(fb, "id"));
	util_fput_safe(stdout, rec_str(fb, "title"), 0);
	fputc('\n', stdout);
	rec_field("Status", rec_str(fb, "status"));
	rec_field("Kind", rec_str(fb, "kind"));
	rec_label("Author");
	rec_put_user(c, stdout, rec_int(fb, "author"));
	fputc('\n', stdout);
	rec_field("Account", rec_str(fb, "account"));
	rec_field("Competitor", rec_str(fb, "competitor"));
	rec_field("Stage", rec_str(fb, "stage"));
	snprintf(value, sizeof(value), "%" PRId64, rec_int(fb, "value"));
	rec_field("Value", value);
	rec_label("Filed");
	rec_put_time(rec_int(fb, "created_at"), true);
	fputc('\n', stdout);
	rec_label("Updated");
	rec_put_time(rec_int(fb, "updated_at"), true);
	fputc('\n', stdout);
	rec_put_votes(c, fb);
	rec_label("Accounts");
	for (i = 0; i < proto_value_len(accounts); i++) {
		fputs(i ? ", " : "", stdout);
		util_fput_safe(stdout,
			       proto_value_str(proto_value_at(accounts, i), ""),
			       0);
	}
	fputs(proto_value_len(accounts) ? "\n" : "-\n", stdout);
	rec_label("Requests");
	rec_put_ids(proto_value_get(fb, "requests"));
	fputc('\n', stdout);
	rec_label("Conversation");
	printf("%" PRId64 "\n", rec_int(fb, "conv"));
	rec_put_body(rec_str(fb, "body"));
}

/* Print a feedback reply: its object with --json, else `say` and a line. */
static void
rec_done_feedback(struct cli *c, pv *fb, const char *say)
{
	if (c->json) {
		cli_json_value(fb);
		return;
	}
	printf("%s #%" PRId64 " (%s, %" PRId64 " votes): ", say,
	       rec_int(fb, "id"), rec_str(fb, "status"), rec_int(fb, "votes"));
	util_fput_safe(stdout, rec_str(fb, "title"), 0);
	fputc('\n', stdout);
}

int
cmd_feedback_show(struct cli *c)
{
	struct proto_frame f;
	int64_t id;
	pv *fb;
	int rc = rec_id(c, c->args[0], "feedback", &id);

	memset(&f, 0, sizeof(f));
	if (rc == 0)
		rc = rec_get(c, PROTO_OP_FEEDBACK_GET, "feedback", id, &f, &fb);
	if (rc == 0 && c->json)
		cli_json_value(fb);
	else if (rc == 0)
		rec_print_feedback(c, fb);
	proto_frame_fini(&f);
	return rc;
}

int
cmd_feedback_new(struct cli *c)
{
	struct proto_frame f;
	const char *wire = NULL;
	char *body = NULL;
	struct jw w;
	int64_t v = 0;
	pv *fb;
	int rc = rec_enum(c, "--kind", c->opt[OPT_KIND], &td_enum_feedback_kind,
			  &wire);

	memset(&f, 0, sizeof(f));
	if (rc == 0 && c->opt[OPT_VALUE])
		rc = rec_value(c, c->opt[OPT_VALUE], &v);
	if (rc == 0)
		rc = rec_body(c, &body);
	if (rc != 0)
		goto out;
	rpc_begin(&c->rpc, &w, PROTO_OP_FEEDBACK_CREATE);
	jw_kstr(&w, "kind", wire);
	jw_kstr(&w, "body", body);
	if (c->opt[OPT_TITLE])
		jw_kstr(&w, "title", c->opt[OPT_TITLE]);
	if (c->opt[OPT_ACCOUNT])
		jw_kstr(&w, "account", c->opt[OPT_ACCOUNT]);
	if (c->opt[OPT_COMPETITOR])
		jw_kstr(&w, "competitor", c->opt[OPT_COMPETITOR]);
	if (c->opt[OPT_VALUE])
		jw_kint(&w, "value", v);
	if (c->opt[OPT_NONCE])
		jw_kstr(&w, "nonce", c->opt[OPT_NONCE]);
	if (c->opt[OPT_STAGE] &&
	    (rc = rec_enum(c, "--stage", c->opt[OPT_STAGE], &td_enum_deal_stage,
			   &wire)) == 0)
		jw_kstr(&w, "stage", wire);
	if (rc != 0) {
		jw_fini(&w);
		goto out;
	}
	rc = rec_call(c, &w, &f, "feedback", &fb);
	if (rc == 0)
		rec_done_feedback(c, fb, "filed feedback");
out:
	proto_frame_fini(&f);
	free(body);
	return rc;
}

int
cmd_feedback_vote(struct cli *c)
{
	struct proto_frame f;
	const char *weight = "nice_to_have", *stage = NULL;
	struct jw w;
	int64_t id, v = 0;
	pv *fb;
	int rc = rec_id(c, c->args[0], "feedback", &id);

	memset(&f, 0, sizeof(f));
	if (rc == 0 && c->opt[OPT_WEIGHT])
		rc = rec_enum(c, "--weight", c->opt[OPT_WEIGHT],
			      &td_enum_weight, &weight);
	if (rc == 0 && c->opt[OPT_STAGE])
		rc = rec_enum(c, "--stage", c->opt[OPT_STAGE],
			      &td_enum_deal_stage, &stage);
	if (rc == 0 && c->opt[OPT_VALUE])
		rc = rec_value(c, c->opt[OPT_VALUE], &v);
	if (rc != 0)
		return rc;
	rpc_begin(&c->rpc, &w, PROTO_OP_FEEDBACK_VOTE);
	jw_kint(&w, "feedback", id);
	jw_kstr(&w, "weight", weight);
	if (c->opt[OPT_ACCOUNT])
		jw_kstr(&w, "account", c->opt[OPT_ACCOUNT]);
	if (c->opt[OPT_VALUE])
		jw_kint(&w, "value", v);
	if (stage)
		jw_kstr(&w, "stage", stage);
	rc = rec_call(c, &w, &f, "feedback", &fb);
	if (rc == 0)
		rec_done_feedback(c, fb, "voted on feedback");
	proto_frame_fini(&f);
	return rc;
}

int
cmd_feedback_status(struct cli *c)
{
	struct proto_frame f;
	const char *wire;
	struct jw w;
	int64_t id;
	pv *fb;
	int rc = rec_id(c, c->args[0], "feedback", &id);

	memset(&f, 0, sizeof(f));
	rc = rc ? rc
		: rec_enum(c, "the status", c->args[1],
			   &td_enum_feedback_status, &wire);
	if (rc != 0)
		return rc;
	rpc_begin(&c->rpc, &w, PROTO_OP_FEEDBACK_STATUS);
	jw_kint(&w, "feedback", id);
	jw_kstr(&w, "status", wire);
	rc = rec_call(c, &w, &f, "feedback", &fb);
	if (rc == 0)
		rec_done_feedback(c, fb, "moved feedback");
	proto_frame_fini(&f);
	return rc;
}

int
cmd_feedback_to_request(struct cli *c)
{
	struct proto_frame f;
	char *body = NULL;
	struct jw w;
	int64_t id;
	pv *r;
	int rc = rec_id(c, c->args[0], "feedback", &id);

	memset(&f, 0, sizeof(f));
	rc = rc ? rc : rec_body(c, &body);
	if (rc != 0)
		goto out;
	rpc_begin(&c->rpc, &w, PROTO_OP_FEEDBACK_TO_REQUEST);
	jw_kint(&w, "feedback", id);
	rc = rec_request_fields(c, &w, body);
	if (rc != 0) {
		jw_fini(&w);
		goto out;
	}
	rc = rec_call(c, &w, &f, "request", &r);
	if (rc == 0)
		rec_done_request(c, r, "filed request");
out:
	proto_frame_fini(&f);
	free(body);
	return rc;
}

/* ---- buddy ---- */

/*
 * Find the pair's starter: the first system line in its conversation
 * written when the pair was made. Copies its body into *out (a heap
 * string, NULL when not found within STARTER_PAGES pages).
 */
static int
rec_find_starter(struct cli *c, pv *pair, char **out)
{
	int64_t after = 0, made = rec_int(pair, "created_at");
	struct proto_frame f;
	int page, rc = 0;

	*out = NULL;
	for (page = 0; page < STARTER_PAGES && !*out; page++) {
		struct jw w;
		pv *msgs;
		size_t i;

		rpc_begin(&c->rpc, &w, PROTO_OP_MSG_HISTORY);
		jw_kint(&w, "conv", rec_int(pair, "conv"));
		jw_kint(&w, "after", after);
		jw_kint(&w, "limit", TD_HISTORY_MAX);
		rc = rpc_call(&c->rpc, &w, &f, RPC_REPLY_TIMEOUT_MS);
		msgs = proto_value_get(f.payload, "messages");
		for (i = 0; rc == 0 && i < proto_value_len(msgs); i++) {
			pv *m = proto_value_at(msgs, i);

			after = rec_int(m, "id");
			if (!*out && rec_int(m, "created_at") >= made &&
			    proto_value_bool(proto_value_get(m, "system"),
					     false))
				*out = xstrdup(rec_str(m, "body"));
		}
		page = rc == 0 && f.more ? page : STARTER_PAGES;
		proto_frame_fini(&f);
	}
	return rc;
}

static void
rec_print_buddy(const struct proto_frame *f, pv *pair, const char *starter)
{
	pv *buddies = proto_value_get(f->payload, "buddies");
	size_t i;

	for (i = 0; i < proto_value_len(buddies); i++) {
		pv *u = proto_value_at(buddies, i);

		rec_label("Buddy");
		fputc('@', stdout);
		util_fput_safe(stdout, rec_str(u, "handle"), 0);
		fputs(" (", stdout);
		util_fput_safe(stdout, rec_str(u, "display_name"), 0);
		fputs(", ", stdout);
		util_fput_safe(stdout, rec_str(u, "team"), 0);
		fputs(")\n", stdout);
	}
	rec_label("Conversation");
	printf("%" PRId64 " (tandem post %" PRId64 " TEXT)\n",
	       rec_int(f->payload, "conv"), rec_int(f->payload, "conv"));
	rec_label("Streak");
	printf("%" PRId64 " working day%s; written today: %s\n",
	       rec_int(f->payload, "streak"),
	       rec_int(f->payload, "streak") == 1 ? "" : "s",
	       proto_value_bool(proto_value_get(f->payload, "today"), false)
		       ? "yes"
		       : "no");
	rec_label("Paired");
	rec_put_time(rec_int(pair, "created_at"), true);
	if (rec_int(pair, "round"))
		printf(" (round %" PRId64 ")\n", rec_int(pair, "round"));
	else
		fputs(" (by hand)\n", stdout);
	if (starter) {
		fputs("Starter:", stdout);
		rec_put_body(starter);
	}
}

int
cmd_buddy(struct cli *c)
{
	struct proto_frame f;
	char *starter = NULL;
	pv *pair;
	int rc = cli_simple(c, PROTO_OP_BUDDY_GET, &f);

	pair = proto_value_get(f.payload, "pair");
	if (rc == 0 && c->json) {
		cli_json_value(f.payload);
	} else if (rc == 0 && proto_value_type(pair) != PROTO_VALUE_OBJECT) {
		fputs("no buddy: you are in no active pair\n", stdout);
	} else if (rc == 0) {
		rc = rec_find_starter(c, pair, &starter);
		if (rc == 0)
			rec_print_buddy(&f, pair, starter);
	}
	free(starter);
	proto_frame_fini(&f);
	return rc;
}

/* ---- dashboard ---- */

/* "name 3, name 0, ..." for every member of an object of counts. */
static void
rec_put_counts(pv *obj, bool skip_zero)
{
	const struct proto_value *v;
	const char *key;
	size_t i;
	bool any = false;

	for (i = 0; (key = proto_value_key_at(obj, i, &v)) != NULL; i++) {
		if (skip_zero && proto_value_int(v, 0) == 0)
			continue;
		fputs(any ? ", " : "", stdout);
		util_fput_safe(stdout, key, 0);
		printf(" %" PRId64, proto_value_int(v, 0));
		any = true;
	}
	fputs(any ? "\n" : "none\n", stdout);
}

/* A median duration in ms, or "-" for null. */
static void
rec_put_median(const char *label, pv *ms, int64_t over)
{
	char d[32];

	rec_label(label);
	if (proto_value_type(ms) != PROTO_VALUE_INT) {
		fputs("-\n", stdout);
		return;
	}
	util_format_minutes(proto_value_int(ms, 0) / 60000, d, sizeof(d));
	printf("%s (median of %" PRId64 ", 30 days)\n", d, over);
}

static void
rec_dash_requests(pv *r)
{
	pv *breaches = proto_value_get(r, "sla_breaches_this_week");

	printf("Requests\n");
	rec_label("  Open");
	printf("%" PRId64 "\n", rec_int(r, "open"));
	rec_label("  By status");
	rec_put_counts(proto_value_get(r, "by_status"), true);
	rec_label("  SLA breaches");
	printf("first response %" PRId64 ", delivery %" PRId64 " (this week)\n",
	       rec_int(breaches, "first_response"),
	       rec_int(breaches, "delivery"));
	rec_put_median("  Response",
		       proto_value_get(r, "median_first_response_ms"),
		       rec_int(r, "first_responses_30d"));
	rec_put_median("  Delivery", proto_value_get(r, "median_delivery_ms"),
		       rec_int(r, "delivered_30d"));
	rec_label("  Verdicts");
	rec_put_counts(proto_value_get(r, "verdicts_30d"), false);
}

/* Up to 5 feedback items: "#7 title (3 votes, 83k)". */
static void
rec_dash_top(const char *label, pv *list)
{
	size_t i;

	for (i = 0; i < proto_value_len(list); i++) {
		pv *fb = proto_value_at(list, i);
		char value[32];

		util_format_amount(rec_int(fb, "value_total"), value,
				   sizeof(value));
		rec_label(i ? "" : label);
		printf("#%" PRId64 " ", rec_int(fb, "id"));
		util_fput_cell(stdout, rec_str(fb, "title"), 36);
		printf(" %" PRId64 " votes, %s\n", rec_int(fb, "votes"), value);
	}
	if (i == 0) {
		rec_label(label);
		fputs("-\n", stdout);
	}
}

static void
rec_dash_feedback(pv *fb)
{
	pv *spikes = proto_value_get(fb, "spikes");
	size_t i;

	printf("\nFeedback\n");
	rec_label("  Last 30 days");
	rec_put_counts(proto_value_get(fb, "by_kind_30d"), true);
	for (i = 0; i < proto_value_len(spikes); i++) {
		pv *s = proto_value_at(spikes, i);

		rec_label(i ? "" : "  Spikes");
		util_fput_safe(stdout, rec_str(s, "dimension"), 0);
		fputc(' ', stdout);
		util_fput_safe(stdout, rec_str(s, "key"), 0);
		printf(": %" PRId64 " this week, x%.2f the usual\n",
		       rec_int(s, "last_7_days"),
		       proto_value_real(proto_value_get(s, "ratio"), 0));
	}
	if (i == 0) {
		rec_label("  Spikes");
		fputs("none\n", stdout);
	}
	rec_dash_top("  Top votes", proto_value_get(fb, "top_by_votes"));
	rec_dash_top("  Top value", proto_value_get(fb, "top_by_value"));
}

int
cmd_dashboard(struct cli *c)
{
	struct proto_frame f;
	pv *d, *pairs;
	char t[32];
	int rc = cli_simple(c, PROTO_OP_DASHBOARD, &f);

	d = proto_value_get(f.payload, "dashboard");
	if (rc == 0 && proto_value_type(d) != PROTO_VALUE_OBJECT)
		rc = cli_fail(c, CLI_ERR_PROTO, "the reply has no dashboard");
	if (rc == 0 && c->json) {
		cli_json_value(d);
	} else if (rc == 0) {
		util_format_utc(rec_int(d, "time"), t, sizeof(t));
		printf("Team dashboard, %s UTC\n\n", t);
		rec_dash_requests(proto_value_get(d, "requests"));
		rec_dash_feedback(proto_value_get(d, "feedback"));
		pairs = proto_value_get(d, "pairs");
		printf("\nBuddy pairs\n");
		rec_label("  Active");
		printf("%" PRId64 " (talking %" PRId64 ", silent %" PRId64
		       " in the last 7 days)\n",
		       rec_int(pairs, "active"), rec_int(pairs, "talking_7d"),
		       rec_int(pairs, "silent_7d"));
		rec_label("  Messages");
		printf("%" PRId64 " (last 7 days)\n",
		       rec_int(pairs, "messages_7d"));
	}
	proto_frame_fini(&f);
	return rc;
}

/* ---- checks before connecting (struct cmd.check) ---- */

/* --note: text as a message body (newlines allowed). */
static int
rec_check_note(struct cli *c)
{
	const char *s = c->opt[OPT_NOTE];

	if (s && !proto_valid_body(s, strlen(s)))
		return cli_usage_fail(c, "--note must be text without control "
					 "characters");
	return 0;
}

/* Run a writer of request fields into a scratch request: its checks. */
static int
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

static int
rec_fill_request(struct cli *c, struct jw *w)
{
	return rec_request_fields(c, w, NULL);
}

static int
rec_fill_request_filters(struct cli *c, struct jw *w)
{
	return rec_request_filters(c, w, 0);
}

/* The first argument is a record id. */
static int
rec_check_id(struct cli *c, const char *what)
{
	int64_t id;

	return rec_id(c, c->args[0], what, &id);
}

int
check_requests(struct cli *c)
{
	return rec_dry(c, rec_fill_request_filters);
}

int
check_request_template(struct cli *c)
{
	const char *wire;

	return rec_enum(c, "the kind", c->args[0], &td_enum_request_kind,
			&wire);
}

int
check_request_new(struct cli *c)
{
	int rc = rec_check_lines(c);

	if (rc == 0 && (!c->opt[OPT_KIND] || !c->opt[OPT_TITLE]))
		rc = cli_usage_fail(c, "--kind and --title are required");
	if (rc == 0 && !c->opt[OPT_BODY])
		rc = cli_usage_fail(c, "--body TEXT or --body - (stdin) is "
				       "required");
	return rc ? rc : rec_dry(c, rec_fill_request);
}

int
check_request_show(struct cli *c)
{
	return rec_check_id(c, "request");
}

int
check_request_move(struct cli *c)
{
	const char *wire;
	int rc = rec_check_id(c, "request");

	rc = rc ? rc
		: rec_enum(c, "the status", c->args[1], &td_enum_request_status,
			   &wire);
	rc = rc ? rc : rec_check_lines(c);
	if (rc == 0 && !strcmp(wire, "delivered"))
		rc = cli_usage_fail(c, "to deliver, use tandem request "
				       "deliver <id> <url>");
	return rc;
}

int
check_request_assign(struct cli *c)
{
	return rec_check_id(c, "request");
}

int
check_request_deliver(struct cli *c)
{
	int rc = rec_check_id(c, "request");

	if (rc == 0 &&
	    (strlen(c->args[1]) > TD_URL_MAX || !proto_valid_url(c->args[1])))
		rc = cli_usage_fail(c,
				    "the link must be http:// or https:// "
				    "without spaces, at most %d bytes",
				    TD_URL_MAX);
	rc = rc ? rc : rec_check_note(c);
	return rc;
}

int
check_request_verdict(struct cli *c)
{
	const char *wire;
	int rc = rec_check_id(c, "request");

	rc = rc ? rc
		: rec_enum(c, "the verdict", c->args[1], &td_enum_verdict,
			   &wire);
	rc = rc ? rc : rec_check_lines(c);
	rc = rc ? rc : rec_check_note(c);
	return rc;
}

int
check_feedback_list(struct cli *c)
{
	int rc = rec_check_lines(c);

	return rc ? rc : rec_dry(c, rec_feedback_filters);
}

int
check_feedback_new(struct cli *c)
{
	const char *wire;
	int64_t v;
	int rc = rec_check_lines(c);

	if (rc == 0 && (!c->opt[OPT_KIND] || !c->opt[OPT_BODY]))
		rc = cli_usage_fail(c, "--kind and --body TEXT (or --body -, "
				       "stdin) are required");
	rc = rc ? rc
		: rec_enum(c, "--kind", c->opt[OPT_KIND],
			   &td_enum_feedback_kind, &wire);
	if (rc == 0 && c->opt[OPT_STAGE])
		rc = rec_enum(c, "--stage", c->opt[OPT_STAGE],
			      &td_enum_deal_stage, &wire);
	if (rc == 0 && c->opt[OPT_VALUE])
		rc = rec_value(c, c->opt[OPT_VALUE], &v);
	return rc;
}

int
check_feedback_show(struct cli *c)
{
	return rec_check_id(c, "feedback");
}

int
check_feedback_vote(struct cli *c)
{
	const char *wire;
	int64_t v;
	int rc = rec_check_id(c, "feedback");

	rc = rc ? rc : rec_check_lines(c);
	if (rc == 0 && c->opt[OPT_WEIGHT])
		rc = rec_enum(c, "--weight", c->opt[OPT_WEIGHT],
			      &td_enum_weight, &wire);
	if (rc == 0 && c->opt[OPT_STAGE])
		rc = rec_enum(c, "--stage", c->opt[OPT_STAGE],
			      &td_enum_deal_stage, &wire);
	if (rc == 0 && c->opt[OPT_VALUE])
		rc = rec_value(c, c->opt[OPT_VALUE], &v);
	return rc;
}

int
check_feedback_status(struct cli *c)
{
	const char *wire;
	int rc = rec_check_id(c, "feedback");

	return rc ? rc
		  : rec_enum(c, "the status", c->args[1],
			     &td_enum_feedback_status, &wire);
}

int
check_feedback_to_request(struct cli *c)
{
	int rc = rec_check_id(c, "feedback");

	rc = rc ? rc : rec_check_lines(c);
	return rc ? rc : rec_dry(c, rec_fill_request);
}
