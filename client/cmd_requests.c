/*
 * cmd_requests.c: the content-request commands of `tandem`: requests (the
 * queue as an 80-column table), request template|new|show|move|assign|
 * deliver|verdict. Text output is compact; --json prints the server's
 * Request objects, one per line. Arguments are checked by the check_*
 * functions before any connection.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "records.h"
#include "util.h"

/* A kind in at most 7 characters, for the table. */
static const char *
req_kind_short(const char *kind)
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
req_sla_word(const struct proto_value *req)
{
	const struct proto_value *sla = proto_value_get(req, "sla");
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
req_header(void)
{
	printf("%-4s %-11s %-7s %-15s %-8s %-8s %-7s %-5s %s\n", "ID", "STATUS",
	       "KIND", "TITLE", "FROM", "ASSIGNEE", "DUE", "VALUE", "SLA");
}

/* One row of the requests table: 79 columns. */
static void
req_row(struct cli *c, const struct proto_value *r)
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
	util_fput_cell(stdout, req_kind_short(rec_str(r, "kind")), 7);
	fputc(' ', stdout);
	util_fput_cell(stdout, rec_str(r, "title"), 15);
	fputc(' ', stdout);
	rec_user_cell(c, rec_int(r, "requester"), 8);
	fputc(' ', stdout);
	rec_user_cell(c, rec_int(r, "assignee"), 8);
	printf(" %-7s %-5s %s\n", due, value, req_sla_word(r));
}

/* Write request.list's filters from the options; uid: --assignee's id. */
static int
req_filters(struct cli *c, struct jw *w, int64_t uid)
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
	if (rc == 0)
		rc = rec_list_order(c, w, "queue", "due", "newest");
	return rc;
}

int
cmd_requests(struct cli *c)
{
	struct proto_frame f;
	struct jw w;
	const struct proto_value *list;
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
	rc = req_filters(c, &w, uid);
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
			req_header();
		req_row(c, proto_value_at(list, i));
	}
	if (rc == 0 && !c->json && proto_value_len(list) == 0)
		fputs("no requests\n", stdout);
	if (rc == 0 && !c->json && f.more)
		fputs("tandem: more requests follow: use --offset\n", stderr);
	proto_frame_fini(&f);
	return rc;
}

int
cmd_request_template(struct cli *c)
{
	struct proto_frame f;
	const char *wire;
	const struct proto_value *list, *t = NULL;
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
req_put_clock(const char *label, const struct proto_value *clock)
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
req_put_asset(struct cli *c, const struct proto_value *asset)
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
req_put_verdicts(struct cli *c, const struct proto_value *r)
{
	const struct proto_value *counts = proto_value_get(r, "verdict_counts");
	const struct proto_value *list = proto_value_get(r, "verdicts");
	size_t i;

	rec_label("Verdicts");
	printf("helped %" PRId64 ", fell flat %" PRId64 ", outdated %" PRId64
	       "\n",
	       rec_int(counts, "helped"), rec_int(counts, "fell_flat"),
	       rec_int(counts, "outdated"));
	for (i = 0; i < proto_value_len(list); i++) {
		const struct proto_value *v = proto_value_at(list, i);

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

/* Every field of a request, for request show. */
static void
req_print(struct cli *c, const struct proto_value *r)
{
	const struct proto_value *sla = proto_value_get(r, "sla");
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
	req_put_clock("SLA response", proto_value_get(sla, "first_response"));
	req_put_clock("SLA delivery", proto_value_get(sla, "delivery"));
	req_put_asset(c, proto_value_get(r, "asset"));
	req_put_verdicts(c, r);
	rec_label("Watchers");
	rec_put_users(c, proto_value_get(r, "watchers"));
	rec_label("Feedback");
	rec_put_ids(proto_value_get(r, "feedback"));
	printf("\n");
	rec_label("Conversation");
	printf("%" PRId64 "\n", rec_int(r, "conv"));
	rec_put_body(rec_str(r, "body"));
}

int
cmd_request_show(struct cli *c)
{
	struct proto_frame f;
	int64_t id;
	const struct proto_value *r;
	int rc = rec_id(c, c->args[0], "request", &id);

	memset(&f, 0, sizeof(f));
	if (rc == 0)
		rc = rec_get(c, PROTO_OP_REQUEST_GET, "request", id, &f, &r);
	if (rc == 0 && c->json)
		cli_json_value(r);
	else if (rc == 0)
		req_print(c, r);
	proto_frame_fini(&f);
	return rc;
}

int
cmd_request_new(struct cli *c)
{
	struct proto_frame f;
	char *body = NULL;
	struct jw w;
	const struct proto_value *r;
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
	const struct proto_value *r;
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
	const struct proto_value *r;
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
	const struct proto_value *r;
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
	const struct proto_value *r;
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

static int
req_fill_filters(struct cli *c, struct jw *w)
{
	return req_filters(c, w, 0);
}

int
check_requests(struct cli *c)
{
	return rec_dry(c, req_fill_filters);
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
