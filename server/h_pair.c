/*
 * h_pair.c: buddy pairs. The ops pair.create, pair.end, pair.list,
 * buddy.get, round.run, round.config, round.get, pair.prefs and
 * pair.health, and pair_timers(): rounds on a cadence and daily nudges.
 *
 * A pair is a rep (team sales) and a marketer (team marketing), made by an
 * admin by hand or by a round; a round may add a third person, making a
 * trio. Its conversation is the dm of the two (reused when they have one)
 * or, for a trio, a new group; a system line written as the admin who made
 * the pair opens it with a starter drawn from the rep's real work.
 *
 *   pair.create / round --> active --pair.end / next round--> ended
 *
 * Nothing here ever changes an ended pair. Times are UTC: a working day
 * is Monday to Friday, and the nudge comes at 16:00 of each. Rounds and
 * nudges keep their next time in the store (round_config.next_at,
 * nudge_state.next_at), so a restart neither loses nor repeats them: a
 * round missed while down runs once at start-up; a missed nudge fires at
 * start-up only on the same day, and pair_nudges keeps it to one per pair
 * and day.
 *
 * This file must never fire timed work outside a write savepoint, and
 * never let one failing item stop the others for good.
 */
#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fanout.h"
#include "handlers.h"
#include "server.h"
#include "session.h"
#include "store.h"
#include "store_pair.h"
#include "util.h"

#define DAY_MS 86400000LL
#define WEEK_MS (7 * DAY_MS)
#define NUDGE_AT_MS (16LL * 3600000)	/* 16:00 UTC */
#define RECENT_ROUNDS 3			/* whose pairs a round avoids */
#define ROUNDS_SHOWN 10			/* by round.get */
#define HEALTH_WINDOW_MS (28 * DAY_MS)	/* response times */
#define SILENT_DAYS 3			/* working days without a word */
#define STREAK_MAX_DAYS 366		/* how far back a streak looks */

/* ---- UTC days ---- */

static int64_t
day_of(int64_t ms)
{
	return ms / DAY_MS;
}

/* Monday to Friday; day 0 (1970-01-01) was a Thursday. */
static bool
working_day(int64_t day)
{
	int wd = (int)((day + 4) % 7); /* 0 = Sunday */

	return wd >= 1 && wd <= 5;
}

static int64_t
prev_working_day(int64_t day)
{
	do
		day--;
	while (!working_day(day));
	return day;
}

/* The first nudge time (16:00 of a working day) strictly after `t`. */
static int64_t
nudge_slot_after(int64_t t)
{
	int64_t day = day_of(t);

	if (!working_day(day) || day * DAY_MS + NUDGE_AT_MS <= t) {
		do
			day++;
		while (!working_day(day));
	}
	return day * DAY_MS + NUDGE_AT_MS;
}

static int64_t
cadence_period(int cadence)
{
	switch (cadence) {
	case TD_CADENCE_WEEKLY:
		return WEEK_MS;
	case TD_CADENCE_BIWEEKLY:
		return 2 * WEEK_MS;
	case TD_CADENCE_FOURWEEKLY:
		return 4 * WEEK_MS;
	default:
		return 0;
	}
}

/* ---- objects and events ---- */

static bool
is_admin(const struct op_ctx *ctx)
{
	return ctx->s->user.role == TD_ROLE_ADMIN;
}

static int
need_admin(struct op_ctx *ctx)
{
	if (is_admin(ctx))
		return 0;
	ctx->why = "only admins manage pairs; ask an admin";
	return TD_ERR_FORBIDDEN;
}

static void
write_pair(struct jw *w, const struct store_pair *p)
{
	jw_obj_open(w);
	jw_kint(w, "id", p->id);
	jw_kint(w, "rep", p->rep);
	jw_kint(w, "marketer", p->marketer);
	jw_kint(w, "third", p->third);
	jw_kint(w, "round", p->round);
	jw_kint(w, "conv", p->conv);
	jw_kint(w, "created_at", p->created_at);
	jw_kint(w, "ended_at", p->ended_at);
	jw_kint(w, "created_by", p->created_by);
	jw_obj_close(w);
}

static void
write_pairs(struct jw *w, const char *key, const struct store_pairs *a)
{
	jw_key(w, key);
	jw_arr_open(w);
	for (size_t i = 0; i < a->n; i++)
		write_pair(w, &a->v[i]);
	jw_arr_close(w);
}

/* The members of p: 2 or 3 user ids. */
static size_t
pair_members(const struct store_pair *p, int64_t out[3])
{
	out[0] = p->rep;
	out[1] = p->marketer;
	out[2] = p->third;
	return p->third > 0 ? 3 : 2;
}

/* pair.new, pair.end or pair.nudge {pair, conv}: one event per member. */
static int
event_pair(struct server *srv, const char *name, const struct store_pair *p)
{
	int64_t who[3];
	size_t n = pair_members(p, who);
	struct jw w;
	int rc = 0;

	for (size_t i = 0; rc == 0 && i < n; i++) {
		fanout_open(srv, &w, name);
		jw_key(&w, "pair");
		write_pair(&w, p);
		jw_kint(&w, "conv", p->conv);
		rc = fanout_commit(srv, &w, 0, who[i]);
	}
	return rc;
}

/*
 * A Round object: {id, created_at, created_by, pairs, unpaired}. viewer >
 * 0 shows only what concerns that user.
 */
static int
write_round(struct store *st, struct jw *w, const struct store_round *r,
	    int64_t viewer)
{
	struct store_pairs pairs;
	struct store_ids unpaired;
	int rc = store_round_pairs(st, r->id, viewer, &pairs);

	if (rc != 0)
		return rc;
	rc = store_round_unpaired(st, r->id, viewer, &unpaired);
	if (rc != 0) {
		store_pairs_fini(&pairs);
		return rc;
	}
	jw_obj_open(w);
	jw_kint(w, "id", r->id);
	jw_kint(w, "created_at", r->created_at);
	jw_kint(w, "created_by", r->created_by);
	write_pairs(w, "pairs", &pairs);
	jw_key(w, "unpaired");
	jw_arr_open(w);
	for (size_t i = 0; i < unpaired.n; i++)
		jw_int(w, unpaired.v[i]);
	jw_arr_close(w);
	jw_obj_close(w);
	store_pairs_fini(&pairs);
	store_ids_fini(&unpaired);
	return 0;
}

/* round.done {round} to every admin, one event each. */
static int
event_round_done(struct server *srv, const struct store_round *r)
{
	struct store_ids admins;
	struct jw w;
	int rc = store_pair_admins(srv->store, &admins);

	for (size_t i = 0; rc == 0 && i < admins.n; i++) {
		fanout_open(srv, &w, "round.done");
		jw_key(&w, "round");
		rc = write_round(srv->store, &w, r, 0);
		if (rc == 0)
			rc = fanout_commit(srv, &w, 0, admins.v[i]);
		else
			jw_fini(&w);
	}
	store_ids_fini(&admins);
	return rc;
}

/* ---- the starter ---- */

struct text {
	char buf[TD_MAX_BODY + 1];
	size_t len;
};

/*
 * Append to t. The starter's parts (a few names, five titles, a link) add
 * up to far less than TD_MAX_BODY, so nothing is ever cut (were it cut,
 * t would still end in a NUL).
 */
static void __attribute__((format(printf, 2, 3)))
text_add(struct text *t, const char *fmt, ...)
{
	size_t room = sizeof(t->buf) - t->len;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(t->buf + t->len, room, fmt, ap);
	va_end(ap);
	assert(n >= 0 && (size_t)n < room);
	if (n > 0)
		t->len += (size_t)n < room ? (size_t)n : room - 1;
}

/*
 * Compose the starter: who is paired, then the rep's open requests, the
 * feedback the rep filed lately and an asset just delivered to the rep,
 * or, when there is none of these, a generic question to break the ice.
 */
static void
starter_text(struct text *t, const struct td_user *u, size_t n,
	     const struct store_starter *f)
{
	const char *rep = u[0].display_name, *mk = u[1].display_name;

	t->len = 0;
	if (n == 3)
		text_add(t, "New buddy trio: %s, %s and %s.", rep, mk,
			 u[2].display_name);
	else
		text_add(t, "New buddy pair: %s and %s.", rep, mk);
	text_add(t, " Say a word to each other every working day.");
	if (f->n_requests > 0)
		text_add(t, "\nOpen requests from %s:", rep);
	for (int i = 0; i < f->n_requests; i++)
		text_add(t, "%s \"%s\"", i == 0 ? "" : ",", f->requests[i]);
	if (f->n_requests > 0)
		text_add(t, ".");
	if (f->feedback[0] != '\0')
		text_add(t, "\nFeedback %s filed lately: \"%s\".", rep,
			 f->feedback);
	if (f->asset_title[0] != '\0')
		text_add(t, "\nJust delivered to %s: \"%s\" %s", rep,
			 f->asset_title, f->asset_url);
	if (f->n_requests > 0 || f->feedback[0] != '\0' ||
	    f->asset_title[0] != '\0')
		text_add(t, "\n%s, which of these can you help with?", mk);
	else
		text_add(t, "\nTo start: %s, which deal are you working on "
			    "this week? %s, what content would help close it?",
			 rep, mk);
}

static int
post_starter(struct op_ctx *ctx, int64_t author, const struct store_pair *p)
{
	struct store *st = ctx->srv->store;
	struct store_starter f;
	struct td_user u[3];
	int64_t who[3];
	size_t n = pair_members(p, who);
	struct text *t;
	int rc = 0;

	for (size_t i = 0; rc == 0 && i < n; i++)
		rc = store_user_get(st, who[i], &u[i]);
	if (rc == 0)
		rc = store_pair_starter(st, p->rep, p->created_at, &f);
	if (rc != 0)
		return rc;
	t = xmalloc(sizeof(*t));
	starter_text(t, u, n, &f);
	rc = msg_post_system(ctx, author, p->conv, t->buf, NULL);
	free(t);
	return rc;
}

/*
 * Open a pair (third == 0) or trio: its conversation, the row, the starter
 * and pair.new to each member. *p gets the pair.
 */
static int
pair_open(struct op_ctx *ctx, int64_t author, int64_t round,
	  const int64_t who[3], struct store_pair *p)
{
	int rc;

	memset(p, 0, sizeof(*p));
	p->rep = who[0];
	p->marketer = who[1];
	p->third = who[2];
	p->round = round;
	p->created_by = author;
	p->created_at = util_now_ms();
	if (p->third == 0)
		rc = dm_between(ctx, p->rep, p->marketer, &p->conv);
	else
		rc = group_between(ctx, author, who, 3, &p->conv);
	if (rc == 0)
		rc = store_pair_add(ctx->srv->store, p);
	if (rc == 0)
		rc = post_starter(ctx, author, p);
	if (rc == 0)
		rc = event_pair(ctx->srv, "pair.new", p);
	return rc;
}

/* A pair or round was made: arm the nudge timer if it was not. */
static void
arm_timers(struct server *srv)
{
	int64_t next = pair_timers(srv, 0);

	if (next > 0)
		ws_timer_at(srv, next);
}

/* ---- pair.create, pair.end, pair.list, buddy.get ---- */

/* Load user `id` and check its team: not_found, bad_request. */
static int
load_member(struct op_ctx *ctx, int64_t id, enum td_team team,
	    const char *why)
{
	struct td_user u;
	int rc = store_user_get(ctx->srv->store, id, &u);

	if (rc == 0 && u.team != team) {
		ctx->why = why;
		rc = TD_ERR_BAD_REQUEST;
	}
	return rc;
}

static int
check_free(struct op_ctx *ctx, int64_t user)
{
	struct store_pair p;
	int rc = store_pair_active_of(ctx->srv->store, user, &p);

	if (rc == 0) {
		ctx->why = "already in an active pair; end that pair first";
		return TD_ERR_CONFLICT;
	}
	return rc == TD_ERR_NOT_FOUND ? 0 : rc;
}

int
h_pair_create(struct op_ctx *ctx)
{
	const struct proto_request *req = ctx->req;
	int64_t who[3] = { req->rep, req->marketer, 0 };
	struct store_pair p;
	int rc = need_admin(ctx);

	if (rc == 0)
		rc = load_member(ctx, req->rep, TD_TEAM_SALES,
				 "the rep must be on the sales team");
	if (rc == 0)
		rc = load_member(ctx, req->marketer, TD_TEAM_MARKETING,
				 "the marketer must be on the marketing team");
	if (rc == 0)
		rc = check_free(ctx, req->rep);
	if (rc == 0)
		rc = check_free(ctx, req->marketer);
	if (rc == 0)
		rc = pair_open(ctx, ctx->s->user.id, 0, who, &p);
	if (rc != 0)
		return rc;
	arm_timers(ctx->srv);
	jw_key(ctx->out, "pair");
	write_pair(ctx->out, &p);
	return 0;
}

/* End pair p now and tell its members. */
static int
pair_close(struct server *srv, struct store_pair *p)
{
	int64_t now = util_now_ms();
	int rc = store_pair_end(srv->store, p->id, now);

	if (rc != 0)
		return rc;
	p->ended_at = now;
	return event_pair(srv, "pair.end", p);
}

int
h_pair_end(struct op_ctx *ctx)
{
	struct store_pair p;
	int rc = need_admin(ctx);

	if (rc == 0)
		rc = store_pair_get(ctx->srv->store, ctx->req->pair, &p);
	if (rc == 0 && p.ended_at != 0) {
		ctx->why = "the pair has already ended";
		rc = TD_ERR_CONFLICT;
	}
	if (rc == 0)
		rc = pair_close(ctx->srv, &p);
	if (rc != 0)
		return rc;
	jw_key(ctx->out, "pair");
	write_pair(ctx->out, &p);
	return 0;
}

int
h_pair_list(struct op_ctx *ctx)
{
	struct store_pairs a;
	int rc = store_pair_list(ctx->srv->store, true,
				 is_admin(ctx) ? 0 : ctx->s->user.id, &a);

	if (rc != 0)
		return rc;
	write_pairs(ctx->out, "pairs", &a);
	store_pairs_fini(&a);
	return 0;
}

/* ---- activity: streaks and health ---- */

struct pair_stats {
	int64_t messages_7d;
	int64_t median_response_ms;	/* -1: no response yet */
	int64_t last_message_at;	/* 0: no message */
	int streak;
	bool today;			/* a member wrote today */
	bool silent;
};

/*
 * Consecutive working days up to today with a message; `days` holds the
 * distinct days with one, ascending. Today counts only once it has a
 * message; otherwise the count starts from the working day before.
 */
static int
streak_of(const int64_t *days, size_t n, int64_t today)
{
	int64_t d = today;
	int streak = 0;
	size_t i = n;

	if (!working_day(today) || n == 0 || days[n - 1] != today)
		d = prev_working_day(today);
	for (;;) {
		while (i > 0 && days[i - 1] > d)
			i--;
		if (i == 0 || days[i - 1] != d)
			return streak;
		streak++;
		d = prev_working_day(d);
	}
}

static int
cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

/* The median of n values (sorted in place), -1 when n == 0. */
static int64_t
median(int64_t *v, size_t n)
{
	if (n == 0)
		return -1;
	qsort(v, n, sizeof(*v), cmp_i64);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* The start of the SILENT_DAYS-th working day back, today included. */
static int64_t
silent_since(int64_t today)
{
	int64_t d = working_day(today) ? today : prev_working_day(today);

	for (int i = 1; i < SILENT_DAYS; i++)
		d = prev_working_day(d);
	return d * DAY_MS;
}

/*
 * The statistics of a pair's messages (its members' messages since it
 * was made; system lines and deleted messages do not count). A response
 * is a message whose author differs from the previous one's, timed from
 * the first message of the previous author's run.
 */
static void
stats_from(const struct store_pair_msg *m, size_t n, int64_t now,
	   int64_t *days, int64_t *resp, struct pair_stats *ps)
{
	size_t n_days = 0, n_resp = 0;
	int64_t run_author = 0, run_at = 0;

	for (size_t i = 0; i < n; i++) {
		int64_t d = day_of(m[i].at);

		if (n_days == 0 || days[n_days - 1] != d)
			days[n_days++] = d;
		if (m[i].at >= now - WEEK_MS)
			ps->messages_7d++;
		if (m[i].author != run_author) {
			if (run_author != 0 && run_at >= now - HEALTH_WINDOW_MS)
				resp[n_resp++] = m[i].at - run_at;
			run_author = m[i].author;
			run_at = m[i].at;
		}
		ps->last_message_at = m[i].at;
	}
	ps->streak = streak_of(days, n_days, day_of(now));
	ps->today = n_days > 0 && days[n_days - 1] == day_of(now);
	ps->median_response_ms = median(resp, n_resp);
}

static int
pair_stats(struct store *st, const struct store_pair *p, int64_t now,
	   struct pair_stats *ps)
{
	int64_t since = now - STREAK_MAX_DAYS * DAY_MS;
	struct store_pair_msg *m;
	int64_t *days, *resp;
	size_t n;
	int rc;

	memset(ps, 0, sizeof(*ps));
	if (since < p->created_at)
		since = p->created_at;
	rc = store_pair_activity(st, p, since, &m, &n);
	if (rc != 0)
		return rc;
	days = xcalloc(n + 1, sizeof(*days));
	resp = xcalloc(n + 1, sizeof(*resp));
	stats_from(m, n, now, days, resp, ps);
	ps->silent = p->created_at < silent_since(day_of(now)) &&
		     ps->last_message_at < silent_since(day_of(now));
	free(resp);
	free(days);
	free(m);
	return 0;
}

int
h_buddy_get(struct op_ctx *ctx)
{
	struct store *st = ctx->srv->store;
	int64_t me = ctx->s->user.id;
	struct pair_stats ps;
	struct store_pair p;
	struct td_user u;
	int64_t who[3];
	size_t n;
	int rc = store_pair_active_of(st, me, &p);

	if (rc == TD_ERR_NOT_FOUND) {
		jw_key(ctx->out, "pair");
		jw_null(ctx->out);
		return 0;
	}
	if (rc == 0)
		rc = pair_stats(st, &p, util_now_ms(), &ps);
	if (rc != 0)
		return rc;
	jw_key(ctx->out, "pair");
	write_pair(ctx->out, &p);
	jw_key(ctx->out, "buddies");
	jw_arr_open(ctx->out);
	n = pair_members(&p, who);
	for (size_t i = 0; rc == 0 && i < n; i++) {
		if (who[i] == me)
			continue;
		rc = store_user_get(st, who[i], &u);
		if (rc == 0)
			proto_write_user(ctx->out, &u, -1);
	}
	jw_arr_close(ctx->out);
	jw_kint(ctx->out, "conv", p.conv);
	jw_kint(ctx->out, "streak", ps.streak);
	jw_kbool(ctx->out, "today", ps.today);
	return rc;
}

int
h_pair_health(struct op_ctx *ctx)
{
	struct store *st = ctx->srv->store;
	int64_t now = util_now_ms(), silent = 0;
	struct pair_stats ps;
	struct store_pairs a;
	struct jw *w = ctx->out;
	int rc = need_admin(ctx);

	if (rc == 0)
		rc = store_pair_list(st, false, 0, &a);
	if (rc != 0)
		return rc;
	jw_key(w, "pairs");
	jw_arr_open(w);
	for (size_t i = 0; rc == 0 && i < a.n; i++) {
		rc = pair_stats(st, &a.v[i], now, &ps);
		if (rc != 0)
			break;
		jw_obj_open(w);
		jw_key(w, "pair");
		write_pair(w, &a.v[i]);
		jw_kint(w, "messages_7d", ps.messages_7d);
		jw_key(w, "median_response_ms");
		if (ps.median_response_ms < 0)
			jw_null(w);
		else
			jw_int(w, ps.median_response_ms);
		jw_key(w, "last_message_at");
		if (ps.last_message_at == 0)
			jw_null(w);
		else
			jw_int(w, ps.last_message_at);
		jw_kint(w, "streak", ps.streak);
		jw_kbool(w, "silent", ps.silent);
		jw_obj_close(w);
		silent += ps.silent;
	}
	jw_arr_close(w);
	jw_kint(w, "silent_pairs", silent);
	store_pairs_fini(&a);
	return rc;
}

/* ---- rounds: matching ---- */

/*
 * One round's matching. The smaller team (reps when equal) is "small",
 * the other "big"; both in id order. cnt[i * nb + j] is how often small i
 * and big j were paired in the recent rounds.
 */
struct matching {
	const int64_t *small, *big;
	size_t ns, nb;
	int *cnt;
	long *of_big;	/* small index matched to each big, or -1 */
	long *of_small; /* big index matched to each small, or -1 */
	bool *seen;
};

/* How many recent pairs had both a and b as members. */
static int
together(const struct store_pairs *recent, int64_t a, int64_t b)
{
	int n = 0;

	for (size_t i = 0; i < recent->n; i++) {
		int64_t who[3];
		size_t k = pair_members(&recent->v[i], who);
		bool has_a = false, has_b = false;

		for (size_t j = 0; j < k; j++) {
			has_a |= who[j] == a;
			has_b |= who[j] == b;
		}
		n += has_a && has_b;
	}
	return n;
}

/* Link small i and big j. */
static void
link_pair(struct matching *m, size_t i, size_t j)
{
	m->of_big[j] = (long)i;
	m->of_small[i] = (long)j;
}

/*
 * Kuhn's augmenting path from small i over fresh (not recent) edges: a
 * free big first, in id order, so the matching stays close to id order;
 * else one whose small can move to another.
 */
static bool
augment(struct matching *m, size_t i)
{
	const int *cnt = m->cnt + i * m->nb;

	for (size_t j = 0; j < m->nb; j++) {
		if (cnt[j] == 0 && !m->seen[j] && m->of_big[j] < 0) {
			m->seen[j] = true;
			link_pair(m, i, j);
			return true;
		}
	}
	for (size_t j = 0; j < m->nb; j++) {
		if (cnt[j] != 0 || m->seen[j])
			continue;
		m->seen[j] = true;
		if (augment(m, (size_t)m->of_big[j])) {
			link_pair(m, i, j);
			return true;
		}
	}
	return false;
}

/* Match each small still alone to the free big it was paired with least
 * recently often, the lowest id on ties. */
static void
match_rest(struct matching *m)
{
	for (size_t i = 0; i < m->ns; i++) {
		long best = -1;

		if (m->of_small[i] >= 0)
			continue;
		for (size_t j = 0; j < m->nb; j++) {
			if (m->of_big[j] < 0 &&
			    (best < 0 || m->cnt[i * m->nb + j] <
						 m->cnt[i * m->nb + best]))
				best = (long)j;
		}
		assert(best >= 0); /* the big team is the larger */
		link_pair(m, i, (size_t)best);
	}
}

/*
 * Pair every small with a big: as many never-recent pairs as possible (a
 * maximum matching over them), the rest by fewest recent pairings.
 */
static void
match_pairs(struct matching *m, const struct store_pairs *recent)
{
	for (size_t i = 0; i < m->ns; i++)
		for (size_t j = 0; j < m->nb; j++)
			m->cnt[i * m->nb + j] =
				together(recent, m->small[i], m->big[j]);
	for (size_t j = 0; j < m->nb; j++)
		m->of_big[j] = -1;
	for (size_t i = 0; i < m->ns; i++) {
		m->of_small[i] = -1;
		memset(m->seen, 0, m->nb * sizeof(*m->seen));
		augment(m, i);
	}
	match_rest(m);
}

struct round_plan {
	int64_t (*groups)[3];	/* rep, marketer, third (0) */
	size_t n_groups;
	struct store_ids unpaired;
};

/*
 * The bigs left over: each group in turn (in the smalls' id order) takes
 * as its third the one with the fewest recent pairings with its two
 * members, the lowest id on ties; who is left after that stays unpaired.
 * Someone left out last time has no recent pairings, so comes first.
 */
static void
place_extras(struct matching *m, const struct store_pairs *recent,
	     struct round_plan *plan)
{
	for (size_t g = 0; g < plan->n_groups; g++) {
		int64_t *grp = plan->groups[g];
		long best = -1;
		int best_n = 0;

		for (size_t j = 0; j < m->nb; j++) {
			int n;

			if (m->of_big[j] >= 0)
				continue;
			n = together(recent, m->big[j], grp[0]) +
			    together(recent, m->big[j], grp[1]);
			if (best < 0 || n < best_n) {
				best = (long)j;
				best_n = n;
			}
		}
		if (best < 0)
			break;
		grp[2] = m->big[best];
		m->of_big[best] = (long)g;
	}
	for (size_t j = 0; j < m->nb; j++)
		if (m->of_big[j] < 0)
			store_ids_push(&plan->unpaired, m->big[j]);
}

/* Plan a round over the eligible reps and marketers. */
static void
plan_round(const struct store_ids *reps, const struct store_ids *mks,
	   const struct store_pairs *recent, struct round_plan *plan)
{
	bool reps_small = reps->n <= mks->n;
	const struct store_ids *s = reps_small ? reps : mks;
	const struct store_ids *b = reps_small ? mks : reps;
	struct matching m = { s->v, b->v, s->n, b->n, NULL, NULL, NULL, NULL };

	memset(plan, 0, sizeof(*plan));
	m.cnt = xcalloc(m.ns * m.nb + 1, sizeof(*m.cnt));
	m.of_big = xcalloc(m.nb + 1, sizeof(*m.of_big));
	m.of_small = xcalloc(m.ns + 1, sizeof(*m.of_small));
	m.seen = xcalloc(m.nb + 1, sizeof(*m.seen));
	match_pairs(&m, recent);
	plan->groups = xcalloc(m.ns + 1, sizeof(*plan->groups));
	for (size_t i = 0; i < m.ns; i++) {
		int64_t x = m.small[i], y = m.big[m.of_small[i]];

		plan->groups[i][0] = reps_small ? x : y;
		plan->groups[i][1] = reps_small ? y : x;
	}
	plan->n_groups = m.ns;
	place_extras(&m, recent, plan);
	free(m.seen);
	free(m.of_small);
	free(m.of_big);
	free(m.cnt);
}

/* ---- rounds: running ---- */

/* End every active pair (pair.end to their members). */
static int
end_active(struct server *srv)
{
	struct store_pairs a;
	int rc = store_pair_list(srv->store, false, 0, &a);

	for (size_t i = 0; rc == 0 && i < a.n; i++)
		rc = pair_close(srv, &a.v[i]);
	store_pairs_fini(&a);
	return rc;
}

/* Carry out a plan as round r: open its groups, record the unpaired. */
static int
round_apply(struct op_ctx *ctx, const struct store_round *r,
	    const struct round_plan *plan)
{
	struct store_pair p;
	int rc = 0;

	for (size_t g = 0; rc == 0 && g < plan->n_groups; g++)
		rc = pair_open(ctx, r->created_by, r->id, plan->groups[g], &p);
	for (size_t i = 0; rc == 0 && i < plan->unpaired.n; i++)
		rc = store_round_unpaired_add(ctx->srv->store, r->id,
					      plan->unpaired.v[i]);
	return rc;
}

/*
 * Run a round as `by`: end every active pair, then pair everyone eligible
 * anew (see plan_round), and tell the admins (round.done). Runs inside a
 * write savepoint; *r gets the round.
 */
static int
round_run(struct op_ctx *ctx, int64_t by, struct store_round *r)
{
	struct store *st = ctx->srv->store;
	struct store_ids reps, mks;
	struct store_pairs recent;
	struct round_plan plan;
	int rc = end_active(ctx->srv);

	if (rc != 0)
		return rc;
	r->created_by = by;
	r->created_at = util_now_ms();
	rc = store_pair_eligible(st, r->created_at, &reps, &mks);
	if (rc != 0)
		return rc;
	rc = store_pair_recent(st, RECENT_ROUNDS, &recent);
	if (rc == 0) {
		plan_round(&reps, &mks, &recent, &plan);
		rc = store_round_add(st, r);
		if (rc == 0)
			rc = round_apply(ctx, r, &plan);
		if (rc == 0)
			rc = event_round_done(ctx->srv, r);
		free(plan.groups);
		store_ids_fini(&plan.unpaired);
		store_pairs_fini(&recent);
	}
	store_ids_fini(&reps);
	store_ids_fini(&mks);
	return rc;
}

int
h_round_run(struct op_ctx *ctx)
{
	struct store_round r;
	int rc = need_admin(ctx);

	if (rc == 0)
		rc = round_run(ctx, ctx->s->user.id, &r);
	if (rc != 0)
		return rc;
	arm_timers(ctx->srv);
	jw_key(ctx->out, "round");
	return write_round(ctx->srv->store, ctx->out, &r, 0);
}

static void
write_config(struct jw *w, const struct store_round_config *c)
{
	jw_key(w, "config");
	jw_obj_open(w);
	jw_kstr(w, "cadence", td_enum_name(&td_enum_cadence, c->cadence));
	jw_kint(w, "next_at", c->next_at);
	jw_kint(w, "set_by", c->set_by);
	jw_obj_close(w);
}

/* `at` must lie in the future and at most TD_AT_AHEAD_MAX ahead. */
static int
check_future(struct op_ctx *ctx, int64_t at, const char *why_past,
	     const char *why_far)
{
	int64_t now = util_now_ms();

	if (at <= now)
		ctx->why = why_past;
	else if (at - now > TD_AT_AHEAD_MAX)
		ctx->why = why_far;
	else
		return 0;
	return TD_ERR_BAD_REQUEST;
}

int
h_round_config(struct op_ctx *ctx)
{
	const struct proto_request *req = ctx->req;
	struct store_round_config c;
	int rc = need_admin(ctx);

	if (rc != 0)
		return rc;
	c.cadence = req->cadence;
	c.set_by = ctx->s->user.id;
	c.next_at = 0;
	if (c.cadence == TD_CADENCE_OFF && (req->present & PF_AT)) {
		ctx->why = "give 'at' only with a cadence other than off";
		return TD_ERR_BAD_REQUEST;
	}
	if (req->present & PF_AT) {
		rc = check_future(ctx, req->at,
				  "field 'at' must be in the future",
				  "field 'at' must be at most a year ahead");
		c.next_at = req->at;
	} else if (c.cadence != TD_CADENCE_OFF) {
		c.next_at = util_now_ms() + cadence_period(c.cadence);
	}
	if (rc == 0)
		rc = store_round_config_set(ctx->srv->store, &c);
	if (rc != 0)
		return rc;
	if (c.next_at > 0)
		ws_timer_at(ctx->srv, c.next_at);
	write_config(ctx->out, &c);
	return 0;
}

int
h_round_get(struct op_ctx *ctx)
{
	struct store *st = ctx->srv->store;
	int64_t viewer = is_admin(ctx) ? 0 : ctx->s->user.id;
	struct store_round_config c;
	struct store_round *r;
	size_t n;
	int rc = store_round_config_get(st, &c);

	if (rc == 0)
		rc = store_round_recent(st, ROUNDS_SHOWN, &r, &n);
	if (rc != 0)
		return rc;
	write_config(ctx->out, &c);
	jw_key(ctx->out, "rounds");
	jw_arr_open(ctx->out);
	for (size_t i = 0; rc == 0 && i < n; i++)
		rc = write_round(st, ctx->out, &r[i], viewer);
	jw_arr_close(ctx->out);
	free(r);
	return rc;
}

/* ---- pair.prefs ---- */

int
h_pair_prefs(struct op_ctx *ctx)
{
	const struct proto_request *req = ctx->req;
	struct store *st = ctx->srv->store;
	int64_t me = ctx->s->user.id, snooze, now = util_now_ms();
	bool opt_out;
	int rc = store_pair_prefs_get(st, me, &opt_out, &snooze);

	if (rc != 0)
		return rc;
	if (req->present & PF_OPT_OUT)
		opt_out = req->opt_out;
	if ((req->present & PF_SNOOZE) && req->snooze != 0)
		rc = check_future(ctx, req->snooze,
				  "field 'snooze' must be 0 or in the future",
				  "field 'snooze' must be within a year");
	if (req->present & PF_SNOOZE)
		snooze = req->snooze;
	if (rc == 0 && (req->present & (PF_OPT_OUT | PF_SNOOZE)))
		rc = store_pair_prefs_set(st, me, opt_out, snooze);
	if (rc != 0)
		return rc;
	jw_key(ctx->out, "prefs");
	jw_obj_open(ctx->out);
	jw_kbool(ctx->out, "opt_out", opt_out);
	jw_kint(ctx->out, "snooze", snooze > now ? snooze : 0);
	jw_obj_close(ctx->out);
	return 0;
}

/* ---- timers ---- */

/*
 * The round due at `now`, if any, as the admin who set the cadence; then
 * the next one a whole number of periods later, past now (a restart after
 * several missed periods runs one round, not one per period). A round
 * that fails is skipped, so a broken round never blocks the schedule.
 */
static void
fire_round(struct server *srv, int64_t now)
{
	struct store_round_config c;
	struct store_round r;
	struct op_ctx ctx;
	int64_t period;
	int rc;

	if (store_round_config_get(srv->store, &c) != 0 ||
	    c.cadence == TD_CADENCE_OFF || c.next_at == 0 || c.next_at > now)
		return;
	period = cadence_period(c.cadence);
	c.next_at += period * ((now - c.next_at) / period + 1);
	memset(&ctx, 0, sizeof(ctx));
	ctx.srv = srv;
	if (batch_write_begin(srv) != 0)
		return;
	rc = round_run(&ctx, c.set_by, &r);
	if (rc == 0)
		rc = store_round_config_set(srv->store, &c);
	batch_write_end(srv, rc == 0);
	if (rc == 0)
		return;
	util_log("pairs: the round on cadence failed (%s); skipped",
		 td_err_code(rc));
	if (batch_write_begin(srv) != 0)
		return;
	rc = store_round_config_set(srv->store, &c);
	batch_write_end(srv, rc == 0);
}

/* Nudge pair p for UTC day `day` unless a member wrote that day or it
 * was nudged already; its own savepoint. */
static int
nudge_pair(struct server *srv, const struct store_pair *p, int64_t day)
{
	bool spoke = false, fresh = false;
	int rc = batch_write_begin(srv);

	if (rc != 0)
		return rc;
	rc = store_pair_spoke(srv->store, p, day * DAY_MS, &spoke);
	if (rc == 0 && !spoke)
		rc = store_pair_nudge_mark(srv->store, p->id, day, &fresh);
	if (rc == 0 && fresh)
		rc = event_pair(srv, "pair.nudge", p);
	batch_write_end(srv, rc == 0);
	return rc;
}

/*
 * Nudges due at `now`: when today's 16:00 has passed and was not handled
 * yet (nudge_state.next_at, 0 before the first), every pair active since
 * before it and silent today is nudged; then next_at moves to the next
 * working day's 16:00. A slot of an earlier day (the server was down) is
 * dropped. Nothing happens while no pair is active.
 */
static void
fire_nudges(struct server *srv, int64_t now)
{
	int64_t active = 0, next = 0, today = day_of(now);
	int64_t slot = today * DAY_MS + NUDGE_AT_MS;
	struct store_pairs a;
	int rc;

	if (store_pair_active_count(srv->store, &active) != 0 ||
	    active == 0 || store_nudge_next_get(srv->store, &next) != 0 ||
	    next > now)
		return;
	if (working_day(today) && slot <= now && slot >= next &&
	    store_pair_list(srv->store, false, 0, &a) == 0) {
		for (size_t i = 0; i < a.n; i++) {
			if (a.v[i].created_at >= slot)
				continue;
			rc = nudge_pair(srv, &a.v[i], today);
			if (rc != 0)
				util_log("pairs: nudge of pair %lld failed "
					 "(%s)", (long long)a.v[i].id,
					 td_err_code(rc));
		}
		store_pairs_fini(&a);
	}
	if (batch_write_begin(srv) != 0)
		return;
	rc = store_nudge_next_set(srv->store, nudge_slot_after(now));
	batch_write_end(srv, rc == 0);
}

/* The earliest of the next round and, while a pair is active, the next
 * nudge (0: none). */
static int64_t
next_due(struct server *srv)
{
	struct store_round_config c;
	int64_t at = 0, active = 0, nudge = 0;

	if (store_round_config_get(srv->store, &c) == 0 &&
	    c.cadence != TD_CADENCE_OFF)
		at = c.next_at;
	if (store_pair_active_count(srv->store, &active) == 0 && active > 0 &&
	    store_nudge_next_get(srv->store, &nudge) == 0) {
		if (nudge == 0)
			nudge = nudge_slot_after(util_now_ms());
		if (at == 0 || nudge < at)
			at = nudge;
	}
	return at;
}

int64_t
pair_timers(struct server *srv, int64_t now)
{
	if (now > 0) {
		fire_round(srv, now);
		fire_nudges(srv, now);
	}
	return next_due(srv);
}
