/*
 * h_dashboard.c: the team dashboard, one call with the figures a weekly
 * alignment meeting looks at (PROTOCOL.md "Team dashboard"). Anyone may
 * read it: both teams look at the same numbers.
 */
#include "handlers.h"
#include "server.h"
#include "store_dashboard.h"
#include "store_feedback.h"
#include "util.h"

static void
write_top(struct jw *w, const char *key, const struct dash_feedback *f,
	  int n)
{
	jw_key(w, key);
	jw_arr_open(w);
	for (int i = 0; i < n; i++) {
		jw_obj_open(w);
		jw_kint(w, "id", f[i].id);
		jw_kstr(w, "title", f[i].title);
		jw_kstr(w, "kind", td_enum_name(&td_enum_feedback_kind,
						f[i].kind));
		jw_kint(w, "votes", f[i].votes);
		jw_kint(w, "value_total", f[i].value_total);
		jw_obj_close(w);
	}
	jw_arr_close(w);
}

/* A median in ms, or null when there was nothing to measure. */
static void
write_median(struct jw *w, const char *key, int64_t ms)
{
	jw_key(w, key);
	if (ms < 0)
		jw_null(w);
	else
		jw_int(w, ms);
}

static void
write_requests(struct jw *w, const struct store_dashboard *d)
{
	jw_key(w, "requests");
	jw_obj_open(w);
	jw_key(w, "by_status");
	jw_obj_open(w);
	for (int i = 0; i < DASH_STATUSES; i++)
		jw_kint(w, td_enum_name(&td_enum_request_status, i),
			d->requests_by_status[i]);
	jw_obj_close(w);
	jw_kint(w, "open", d->open_requests);
	jw_key(w, "sla_breaches_this_week");
	jw_obj_open(w);
	jw_kint(w, "first_response", d->breaches_week_first_response);
	jw_kint(w, "delivery", d->breaches_week_delivery);
	jw_obj_close(w);
	write_median(w, "median_first_response_ms",
		     d->median_first_response_ms);
	write_median(w, "median_delivery_ms", d->median_delivery_ms);
	jw_kint(w, "first_responses_30d", d->first_responses_30d);
	jw_kint(w, "delivered_30d", d->delivered_30d);
	jw_key(w, "verdicts_30d");
	jw_obj_open(w);
	for (int i = 0; i < 3; i++)
		jw_kint(w, td_enum_name(&td_enum_verdict, i),
			d->verdicts_30d[i]);
	jw_obj_close(w);
	jw_obj_close(w);
}

static int
write_feedback(struct op_ctx *ctx, const struct store_dashboard *d)
{
	struct jw *w = ctx->out;
	int rc;

	jw_key(w, "feedback");
	jw_obj_open(w);
	jw_key(w, "by_kind_30d");
	jw_obj_open(w);
	for (int k = 0; k < DASH_KINDS; k++)
		jw_kint(w, td_enum_name(&td_enum_feedback_kind, k),
			d->feedback_30d[k]);
	jw_obj_close(w);
	jw_key(w, "daily_by_kind");
	jw_obj_open(w);
	for (int k = 0; k < DASH_KINDS; k++) {
		jw_key(w, td_enum_name(&td_enum_feedback_kind, k));
		jw_arr_open(w);
		for (int i = 0; i < DASH_DAYS; i++)
			jw_int(w, d->feedback_daily[k][i]);
		jw_arr_close(w);
	}
	jw_obj_close(w);
	jw_key(w, "spikes");
	jw_arr_open(w);
	rc = store_feedback_spikes(ctx->srv->store, d->now,
				   feedback_write_spike, w);
	jw_arr_close(w);
	write_top(w, "top_by_votes", d->top_votes, d->n_top_votes);
	write_top(w, "top_by_value", d->top_value, d->n_top_value);
	jw_obj_close(w);
	return rc;
}

int
h_dashboard(struct op_ctx *ctx)
{
	struct store_dashboard d;
	struct jw *w = ctx->out;
	int rc = store_dashboard(ctx->srv->store, util_now_ms(), &d);

	if (rc != 0)
		return rc;
	jw_key(w, "dashboard");
	jw_obj_open(w);
	jw_kint(w, "time", d.now);
	jw_kint(w, "week_start", d.week_start);
	jw_kint(w, "since_30d", d.since_30d);
	write_requests(w, &d);
	rc = write_feedback(ctx, &d);
	jw_key(w, "pairs");
	jw_obj_open(w);
	jw_kint(w, "active", d.pairs_active);
	jw_kint(w, "talking_7d", d.pairs_talking_7d);
	jw_kint(w, "silent_7d", d.pairs_silent_7d);
	jw_kint(w, "messages_7d", d.pair_messages_7d);
	jw_obj_close(w);
	jw_obj_close(w);
	return rc;
}
