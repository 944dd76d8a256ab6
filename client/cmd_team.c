/*
 * cmd_team.c: `tandem buddy` (the caller's buddy pair, its conversation,
 * streak and starter) and `tandem dashboard` (the team's weekly figures as
 * a short report; --json the server's object).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "records.h"
#include "util.h"

/* How many history pages `buddy` reads looking for the pair's starter. */
#define STARTER_PAGES 5

/*
 * Find the pair's starter: the first system line in its conversation
 * written when the pair was made. Copies its body into *out (a heap
 * string, NULL when not found within STARTER_PAGES pages).
 */
static int
team_find_starter(struct cli *c, const struct proto_value *pair, char **out)
{
	int64_t after = 0, made = rec_int(pair, "created_at");
	struct proto_frame f;
	int page, rc = 0;

	*out = NULL;
	for (page = 0; page < STARTER_PAGES && !*out; page++) {
		struct jw w;
		const struct proto_value *msgs;
		size_t i;

		rpc_begin(&c->rpc, &w, PROTO_OP_MSG_HISTORY);
		jw_kint(&w, "conv", rec_int(pair, "conv"));
		jw_kint(&w, "after", after);
		jw_kint(&w, "limit", TD_HISTORY_MAX);
		rc = rpc_call(&c->rpc, &w, &f, RPC_REPLY_TIMEOUT_MS);
		msgs = proto_value_get(f.payload, "messages");
		for (i = 0; rc == 0 && i < proto_value_len(msgs); i++) {
			const struct proto_value *m = proto_value_at(msgs, i);

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
team_print_buddy(const struct proto_frame *f, const struct proto_value *pair,
		 const char *starter)
{
	const struct proto_value *buddies =
		proto_value_get(f->payload, "buddies");
	size_t i;

	for (i = 0; i < proto_value_len(buddies); i++) {
		const struct proto_value *u = proto_value_at(buddies, i);

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
	const struct proto_value *pair;
	int rc = cli_simple(c, PROTO_OP_BUDDY_GET, &f);

	pair = proto_value_get(f.payload, "pair");
	if (rc == 0 && c->json) {
		cli_json_value(f.payload);
	} else if (rc == 0 && proto_value_type(pair) != PROTO_VALUE_OBJECT) {
		fputs("no buddy: you are in no active pair\n", stdout);
	} else if (rc == 0) {
		rc = team_find_starter(c, pair, &starter);
		if (rc == 0)
			team_print_buddy(&f, pair, starter);
	}
	free(starter);
	proto_frame_fini(&f);
	return rc;
}

/* "name 3, name 0, ..." for every member of an object of counts. */
static void
team_put_counts(const struct proto_value *obj, bool skip_zero)
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
team_put_median(const char *label, const struct proto_value *ms, int64_t over)
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
team_dash_requests(const struct proto_value *r)
{
	const struct proto_value *breaches =
		proto_value_get(r, "sla_breaches_this_week");

	printf("Requests\n");
	rec_label("  Open");
	printf("%" PRId64 "\n", rec_int(r, "open"));
	rec_label("  By status");
	team_put_counts(proto_value_get(r, "by_status"), true);
	rec_label("  SLA breaches");
	printf("first response %" PRId64 ", delivery %" PRId64 " (this week)\n",
	       rec_int(breaches, "first_response"),
	       rec_int(breaches, "delivery"));
	team_put_median("  Response",
			proto_value_get(r, "median_first_response_ms"),
			rec_int(r, "first_responses_30d"));
	team_put_median("  Delivery", proto_value_get(r, "median_delivery_ms"),
			rec_int(r, "delivered_30d"));
	rec_label("  Verdicts");
	team_put_counts(proto_value_get(r, "verdicts_30d"), false);
}

/* Up to 5 feedback items: "#7 title (3 votes, 83k)". */
static void
team_dash_top(const char *label, const struct proto_value *list)
{
	size_t i;

	for (i = 0; i < proto_value_len(list); i++) {
		const struct proto_value *fb = proto_value_at(list, i);
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
team_dash_feedback(const struct proto_value *fb)
{
	const struct proto_value *spikes = proto_value_get(fb, "spikes");
	size_t i;

	printf("\nFeedback\n");
	rec_label("  Last 30 days");
	team_put_counts(proto_value_get(fb, "by_kind_30d"), true);
	for (i = 0; i < proto_value_len(spikes); i++) {
		const struct proto_value *s = proto_value_at(spikes, i);

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
	team_dash_top("  Top votes", proto_value_get(fb, "top_by_votes"));
	team_dash_top("  Top value", proto_value_get(fb, "top_by_value"));
}

int
cmd_dashboard(struct cli *c)
{
	struct proto_frame f;
	const struct proto_value *d, *pairs;
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
		team_dash_requests(proto_value_get(d, "requests"));
		team_dash_feedback(proto_value_get(d, "feedback"));
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
