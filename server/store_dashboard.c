/*
 * store_dashboard.c: the dashboard's figures (store_dashboard.h). Every
 * figure is one aggregate statement over the record tables, bounded by
 * their indexes or by the small number of open requests, pairs and recent
 * feedback, so the call stays cheap however old the workspace is.
 *
 * Medians are exact: the middle row of the ordered values (the lower one
 * for an even count), read with LIMIT 1 OFFSET (n - 1) / 2.
 */
#include <string.h>

#include "store_dashboard.h"
#include "store_priv.h"
#include "tandem/errors.h"

#define DAY_MS 86400000LL

static const char SQL_BY_STATUS[] =
	"SELECT status, count(*) FROM requests GROUP BY status";

/* Breaches this week: the breach time is the clock's due time. */
static const char SQL_BREACHES[] =
	"SELECT (SELECT count(*) FROM requests"
	"  WHERE fr_breached_at >= ?1 AND fr_breached_at <= ?2),"
	" (SELECT count(*) FROM requests"
	"  WHERE dl_breached_at >= ?1 AND dl_breached_at <= ?2)";

/* Time to first response of requests answered in the window, paused
 * time excluded (a request answered while paused cannot happen: waiting
 * on the requester is itself a response). */
static const char SQL_FR_COUNT[] =
	"SELECT count(*) FROM requests"
	" WHERE first_response_at >= ?1 AND first_response_at <= ?2";
static const char SQL_FR_MEDIAN[] =
	"SELECT first_response_at - created_at AS t FROM requests"
	" WHERE first_response_at >= ?1 AND first_response_at <= ?2"
	" ORDER BY t LIMIT 1 OFFSET ?3";

/* Time to delivery of requests delivered in the window: from the start
 * of the delivery clock (filing, or the last reopen) less the time spent
 * waiting on the requester. */
static const char SQL_DL_COUNT[] =
	"SELECT count(*) FROM requests"
	" WHERE delivered_at >= ?1 AND delivered_at <= ?2";
static const char SQL_DL_MEDIAN[] =
	"SELECT max(delivered_at - (CASE WHEN dl_started_at > 0"
	" THEN dl_started_at ELSE created_at END) - paused_ms, 0) AS t"
	" FROM requests WHERE delivered_at >= ?1 AND delivered_at <= ?2"
	" ORDER BY t LIMIT 1 OFFSET ?3";

static const char SQL_VERDICTS[] =
	"SELECT v.verdict, count(*) FROM verdicts v"
	" JOIN requests r ON r.id = v.request_id"
	" WHERE r.delivered_at >= ?1 AND r.delivered_at <= ?2"
	" GROUP BY v.verdict";

/* Feedback filed per kind and UTC day over the window (day 0 = oldest). */
static const char SQL_FEEDBACK_DAILY[] =
	"SELECT kind, (created_at - ?1) / 86400000, count(*) FROM feedback"
	" WHERE created_at >= ?1 AND created_at <= ?2 GROUP BY 1, 2";

/* Open feedback (not closed) ranked by votes, then by deal value. */
#define TOP_FEEDBACK(order)                                                \
	"SELECT f.id, f.title, f.kind,"                                    \
	" (SELECT count(*) FROM feedback_votes v WHERE v.feedback_id = f.id)" \
	" AS votes,"                                                       \
	" f.value + (SELECT coalesce(sum(v.value), 0) FROM feedback_votes v" \
	"  WHERE v.feedback_id = f.id) AS total"                           \
	" FROM feedback f WHERE f.status < 4 ORDER BY " order " LIMIT ?1"
static const char SQL_TOP_VOTES[] = TOP_FEEDBACK("votes DESC, total DESC, f.id DESC");
static const char SQL_TOP_VALUE[] = TOP_FEEDBACK("total DESC, votes DESC, f.id DESC");

/* Active pairs, how many talked in the last 7 days, and their messages
 * (members' messages only: system lines such as starters do not count). */
static const char SQL_PAIRS[] =
	"SELECT count(*), coalesce(sum(n > 0), 0), coalesce(sum(n), 0) FROM"
	" (SELECT (SELECT count(*) FROM messages m"
	"   WHERE m.conv_id = p.conv_id AND m.id > 0 AND m.system = 0"
	"   AND m.deleted = 0 AND m.created_at >= ?1"
	"   AND m.author IN (p.rep, p.marketer, p.third)) AS n"
	"  FROM pairs p WHERE p.ended_at = 0)";

static int
by_status(void *arg, sqlite3_stmt *s)
{
	struct store_dashboard *d = arg;
	int status = sqlite3_column_int(s, 0);

	if (status >= 0 && status < DASH_STATUSES)
		d->requests_by_status[status] = sqlite3_column_int64(s, 1);
	return 0;
}

static int
verdict_row(void *arg, sqlite3_stmt *s)
{
	struct store_dashboard *d = arg;
	int v = sqlite3_column_int(s, 0);

	if (v >= 0 && v < 3)
		d->verdicts_30d[v] = sqlite3_column_int64(s, 1);
	return 0;
}

static int
daily_row(void *arg, sqlite3_stmt *s)
{
	struct store_dashboard *d = arg;
	int kind = sqlite3_column_int(s, 0);
	int64_t day = sqlite3_column_int64(s, 1);

	if (kind >= 0 && kind < DASH_KINDS && day >= 0 && day < DASH_DAYS) {
		d->feedback_daily[kind][day] += sqlite3_column_int64(s, 2);
		d->feedback_30d[kind] += sqlite3_column_int64(s, 2);
	}
	return 0;
}

struct top_ctx {
	struct dash_feedback *out;
	int *n;
};

static int
top_row(void *arg, sqlite3_stmt *s)
{
	struct top_ctx *t = arg;
	struct dash_feedback *f;

	if (*t->n >= DASH_TOP)
		return 0;
	f = &t->out[(*t->n)++];
	f->id = sqlite3_column_int64(s, 0);
	store_copy_col(f->title, sizeof(f->title), s, 1);
	f->kind = sqlite3_column_int(s, 2);
	f->votes = sqlite3_column_int64(s, 3);
	f->value_total = sqlite3_column_int64(s, 4);
	return 0;
}

/* The median of a window's values; *n gets their count, *median -1 when
 * there are none. */
static int
median(struct store *st, const char *count_sql, const char *median_sql,
       int64_t lo, int64_t hi, int64_t *n, int64_t *out)
{
	sqlite3_stmt *s = store_sql(st, count_sql);
	int rc;

	*out = -1;
	if (s == NULL)
		return TD_ERR_STORAGE;
	sqlite3_bind_int64(s, 1, lo);
	sqlite3_bind_int64(s, 2, hi);
	rc = store_query_int(st, s, n, "dashboard: count");
	if (rc != 0 || *n == 0)
		return rc;
	s = store_sql(st, median_sql);
	if (s == NULL)
		return TD_ERR_STORAGE;
	sqlite3_bind_int64(s, 1, lo);
	sqlite3_bind_int64(s, 2, hi);
	sqlite3_bind_int64(s, 3, (*n - 1) / 2);
	return store_query_int(st, s, out, "dashboard: median");
}

static int
two_ints(struct store *st, sqlite3_stmt *s, int64_t *a, int64_t *b,
	 int64_t *c)
{
	int rc = store_step_row(st, s, "dashboard");

	if (rc == 0) {
		*a = sqlite3_column_int64(s, 0);
		*b = sqlite3_column_int64(s, 1);
		if (c != NULL)
			*c = sqlite3_column_int64(s, 2);
	}
	sqlite3_reset(s);
	return rc;
}

static int
top(struct store *st, const char *sql, struct dash_feedback *out, int *n)
{
	struct top_ctx t = { out, n };
	sqlite3_stmt *s = store_sql(st, sql);

	if (s == NULL)
		return TD_ERR_STORAGE;
	sqlite3_bind_int(s, 1, DASH_TOP);
	return store_walk(st, s, "dashboard: top feedback", top_row, &t);
}

int
store_dashboard(struct store *st, int64_t now, struct store_dashboard *d)
{
	int64_t day = now / DAY_MS;
	/* 1970-01-01 was a Thursday: (day + 3) % 7 is 0 on Mondays. */
	int64_t weekday = ((day % 7) + 7 + 3) % 7;
	sqlite3_stmt *s;
	int rc;

	memset(d, 0, sizeof(*d));
	d->now = now;
	d->week_start = (day - weekday) * DAY_MS;
	d->since_30d = (day - (DASH_DAYS - 1)) * DAY_MS;
	if ((s = store_sql(st, SQL_BY_STATUS)) == NULL)
		return TD_ERR_STORAGE;
	rc = store_walk(st, s, "dashboard: by status", by_status, d);
	for (int i = 0; i < DASH_STATUSES; i++)
		if (i != TD_RS_DELIVERED && i != TD_RS_CLOSED &&
		    i != TD_RS_DECLINED)
			d->open_requests += d->requests_by_status[i];
	if (rc == 0 && (s = store_sql(st, SQL_BREACHES)) == NULL)
		rc = TD_ERR_STORAGE;
	if (rc == 0) {
		sqlite3_bind_int64(s, 1, d->week_start);
		sqlite3_bind_int64(s, 2, now);
		rc = two_ints(st, s, &d->breaches_week_first_response,
			      &d->breaches_week_delivery, NULL);
	}
	if (rc == 0)
		rc = median(st, SQL_FR_COUNT, SQL_FR_MEDIAN, d->since_30d, now,
			    &d->first_responses_30d,
			    &d->median_first_response_ms);
	if (rc == 0)
		rc = median(st, SQL_DL_COUNT, SQL_DL_MEDIAN, d->since_30d, now,
			    &d->delivered_30d, &d->median_delivery_ms);
	if (rc == 0 && (s = store_sql(st, SQL_VERDICTS)) == NULL)
		rc = TD_ERR_STORAGE;
	if (rc == 0) {
		sqlite3_bind_int64(s, 1, d->since_30d);
		sqlite3_bind_int64(s, 2, now);
		rc = store_walk(st, s, "dashboard: verdicts", verdict_row, d);
	}
	if (rc == 0 && (s = store_sql(st, SQL_FEEDBACK_DAILY)) == NULL)
		rc = TD_ERR_STORAGE;
	if (rc == 0) {
		sqlite3_bind_int64(s, 1, d->since_30d);
		sqlite3_bind_int64(s, 2, now);
		rc = store_walk(st, s, "dashboard: feedback", daily_row, d);
	}
	if (rc == 0)
		rc = top(st, SQL_TOP_VOTES, d->top_votes, &d->n_top_votes);
	if (rc == 0)
		rc = top(st, SQL_TOP_VALUE, d->top_value, &d->n_top_value);
	if (rc == 0 && (s = store_sql(st, SQL_PAIRS)) == NULL)
		rc = TD_ERR_STORAGE;
	if (rc == 0) {
		sqlite3_bind_int64(s, 1, now - 7 * DAY_MS);
		rc = two_ints(st, s, &d->pairs_active, &d->pairs_talking_7d,
			      &d->pair_messages_7d);
		d->pairs_silent_7d = d->pairs_active - d->pairs_talking_7d;
	}
	return rc;
}
