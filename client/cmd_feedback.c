/*
 * cmd_feedback.c: the feedback commands of `tandem`: feedback [list]
 * (the inbox as an 80-column table), feedback new|show|vote|status|
 * to-request. Text output is compact; --json prints the server's Feedback
 * objects, one per line. Arguments are checked by the check_* functions
 * before any connection.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "records.h"
#include "util.h"

static void
fb_header(void)
{
	printf("%-4s %-12s %-12s %-26s %5s %-6s %s\n", "ID", "STATUS", "KIND",
	       "TITLE", "VOTES", "VALUE", "FROM");
}

/* One row of the feedback table: 79 columns. */
static void
fb_row(struct cli *c, const struct proto_value *fb)
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
fb_filters(struct cli *c, struct jw *w)
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
	if (rc == 0)
		rc = rec_list_order(c, w, "votes", "value", "newest");
	return rc;
}

int
cmd_feedback_list(struct cli *c)
{
	struct proto_frame f;
	struct jw w;
	const struct proto_value *list;
	size_t i;
	int rc;

	memset(&f, 0, sizeof(f));
	rpc_begin(&c->rpc, &w, PROTO_OP_FEEDBACK_LIST);
	rc = fb_filters(c, &w);
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
			fb_header();
		fb_row(c, proto_value_at(list, i));
	}
	if (rc == 0 && !c->json && proto_value_len(list) == 0)
		fputs("no feedback\n", stdout);
	if (rc == 0 && !c->json && f.more)
		fputs("tandem: more feedback follows: use --offset\n", stderr);
	proto_frame_fini(&f);
	return rc;
}

/* The votes of feedback show: one line each. */
static void
fb_put_votes(struct cli *c, const struct proto_value *fb)
{
	const struct proto_value *weights = proto_value_get(fb, "weights");
	const struct proto_value *list = proto_value_get(fb, "vote_list");
	size_t i;

	rec_label("Votes");
	printf("%" PRId64 " (nice to have %" PRId64 ", important %" PRId64
	       ", deal blocker %" PRId64 "); deal value affected %" PRId64 "\n",
	       rec_int(fb, "votes"), rec_int(weights, "nice_to_have"),
	       rec_int(weights, "important"), rec_int(weights, "deal_blocker"),
	       rec_int(fb, "value_total"));
	for (i = 0; i < proto_value_len(list); i++) {
		const struct proto_value *v = proto_value_at(list, i);

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
fb_print(struct cli *c, const struct proto_value *fb)
{
	const struct proto_value *accounts = proto_value_get(fb, "accounts");
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
	fb_put_votes(c, fb);
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
fb_done(struct cli *c, const struct proto_value *fb, const char *say)
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
	const struct proto_value *fb;
	int rc = rec_id(c, c->args[0], "feedback", &id);

	memset(&f, 0, sizeof(f));
	if (rc == 0)
		rc = rec_get(c, PROTO_OP_FEEDBACK_GET, "feedback", id, &f, &fb);
	if (rc == 0 && c->json)
		cli_json_value(fb);
	else if (rc == 0)
		fb_print(c, fb);
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
	const struct proto_value *fb;
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
		fb_done(c, fb, "filed feedback");
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
	const struct proto_value *fb;
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
		fb_done(c, fb, "voted on feedback");
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
	const struct proto_value *fb;
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
		fb_done(c, fb, "moved feedback");
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
	const struct proto_value *r;
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

int
check_feedback_list(struct cli *c)
{
	int rc = rec_check_lines(c);

	return rc ? rc : rec_dry(c, fb_filters);
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
