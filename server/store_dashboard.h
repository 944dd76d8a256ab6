/*
 * store_dashboard.h: the figures of the team dashboard, read in one call
 * (one read of several statements) from the request, feedback, verdict and
 * pair tables. See PROTOCOL.md "Team dashboard" for what each means.
 */
#ifndef TANDEM_STORE_DASHBOARD_H
#define TANDEM_STORE_DASHBOARD_H

#include <stdint.h>

#include "store.h"

#define DASH_DAYS 30	/* the feedback series: one bucket per UTC day */
#define DASH_TOP 5	/* entries in each top-feedback list */
#define DASH_KINDS 8	/* enum td_feedback_kind */
#define DASH_STATUSES 9 /* stored enum td_request_status values */

struct dash_feedback {
	int64_t id;
	char title[TD_TITLE_CHARS * 4 + 1];
	int kind;
	int64_t votes;
	int64_t value_total;
};

struct store_dashboard {
	int64_t now, week_start, since_30d;
	int64_t requests_by_status[DASH_STATUSES]; /* every request */
	int64_t open_requests;	   /* not delivered, closed or declined */
	int64_t breaches_week_first_response, breaches_week_delivery;
	/* Medians over the last 30 days; -1 when there is nothing. */
	int64_t median_first_response_ms, median_delivery_ms;
	int64_t first_responses_30d, delivered_30d;
	int64_t verdicts_30d[3];   /* enum td_verdict, on those deliveries */
	int64_t feedback_30d[DASH_KINDS];
	int64_t feedback_daily[DASH_KINDS][DASH_DAYS]; /* oldest day first */
	struct dash_feedback top_votes[DASH_TOP], top_value[DASH_TOP];
	int n_top_votes, n_top_value;
	int64_t pairs_active, pairs_talking_7d, pairs_silent_7d;
	int64_t pair_messages_7d;
};

/* Fill *d for the time `now`. */
int store_dashboard(struct store *st, int64_t now, struct store_dashboard *d);

#endif
