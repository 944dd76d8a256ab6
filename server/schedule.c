/*
 * schedule.c: scheduled messages and reminders. The ops msg.schedule,
 * schedule.list, schedule.cancel, remind.add, remind.list and
 * remind.cancel, and the firing of what came due.
 *
 * Both kinds live in the store (they survive a restart) and one timer
 * (ws_timer_at) stands for the earliest of them. When it fires,
 * schedule_due() handles everything due by now, each item in its own write
 * savepoint of the turn's batch, then arms the timer for the next one:
 *
 *   msg.schedule --> pending --due, msg_post() ok------> sent (schedule.sent)
 *                      |    \--due, refused (left,  --> failed
 *                      |        archived, ...)          (schedule.failed)
 *                      +--schedule.cancel-------------> cancelled
 *
 * A scheduled message is posted with msg_post(), the very path of msg.send,
 * so authorization is checked again at send time. Its row stays after it
 * left the pending state, so a retry of msg.schedule with the same nonce
 * finds the original item. A reminder is deleted when it fires or is
 * cancelled; it tells its user only if the user may still see the message.
 *
 * This file must never fire an item outside a write savepoint (events
 * would escape the commit), and never let one failing item stop the
 * others for good: an item that cannot even be marked failed is retried
 * a second later.
 */
#include <string.h>

#include "batch.h"
#include "fanout.h"
#include "handlers.h"
#include "server.h"
#include "session.h"
#include "store.h"
#include "util.h"

/* Items of each kind fired per timer callback; the rest go next turn. */
#define SCHEDULE_FIRE_MAX 64
/* When an item could not be fired nor marked failed, try again after. */
#define SCHEDULE_RETRY_MS 1000

/* The other modules' timers (server.h): SLA clocks, pairing rounds and
 * nudges. */
static int64_t (*const module_timers[])(struct server *, int64_t) = {
	request_timers,
	pair_timers,
};

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static void schedule_arm_after(struct server *srv, int64_t fired_at);

static const char *const sched_state_names[] = { "pending", "sent",
						 "cancelled", "failed" };

static void
write_sched(struct jw *w, const struct store_sched *sc)
{
	jw_obj_open(w);
	jw_kint(w, "id", sc->id);
	jw_kint(w, "conv", sc->conv);
	jw_kstr(w, "body", sc->body);
	jw_kstr(w, "nonce", sc->nonce);
	jw_kint(w, "at", sc->at);
	jw_kstr(w, "state", (unsigned)sc->state < 4
				    ? sched_state_names[sc->state]
				    : "failed");
	jw_kint(w, "message", sc->message);
	jw_obj_close(w);
}

static void
write_reminder(struct jw *w, const struct store_reminder *r)
{
	jw_obj_open(w);
	jw_kint(w, "id", r->id);
	jw_kint(w, "message", r->message);
	jw_kint(w, "conv", r->conv);
	jw_kint(w, "at", r->at);
	jw_obj_close(w);
}

/* `at` must lie in the future and at most TD_AT_AHEAD_MAX ahead. */
static int
check_at(struct op_ctx *ctx, int64_t at)
{
	int64_t now = util_now_ms();

	if (at <= now) {
		ctx->why = "field 'at' must be in the future";
		return TD_ERR_BAD_REQUEST;
	}
	if (at - now > TD_AT_AHEAD_MAX) {
		ctx->why = "field 'at' must be at most a year ahead";
		return TD_ERR_BAD_REQUEST;
	}
	return 0;
}

/*
 * msg.schedule. The nonce is looked up first, so a retry answers the
 * original item whatever became of it (even once its time has passed);
 * only a new item is checked like a msg.send now, and again when it fires.
 */
int
h_msg_schedule(struct op_ctx *ctx)
{
	const struct proto_request *req = ctx->req;
	struct store *st = ctx->srv->store;
	int64_t user = ctx->s->user.id;
	struct store_sched sc;
	struct td_message m;
	struct td_conv c;
	int n, rc;

	rc = store_sched_by_nonce(st, user, req->nonce, &sc);
	if (rc == 0) {
		if (sc.conv != req->conv || strcmp(sc.body, req->body) != 0 ||
		    sc.at != req->at) {
			rc = TD_ERR_NONCE_CONFLICT;
		} else {
			jw_key(ctx->out, "scheduled");
			write_sched(ctx->out, &sc);
		}
		store_sched_fini(&sc);
		return rc;
	}
	if (rc != TD_ERR_NOT_FOUND)
		return rc;
	rc = conv_load_postable(ctx, user, req->conv, &c);
	if (rc != 0)
		return rc;
	rc = check_at(ctx, req->at);
	if (rc != 0)
		return rc;
	rc = store_msg_by_nonce(st, user, req->nonce, &m);
	if (rc == 0) {
		td_message_fini(&m);
		ctx->why = "a message already has this nonce";
		return TD_ERR_NONCE_CONFLICT;
	}
	if (rc != TD_ERR_NOT_FOUND)
		return rc;
	rc = store_sched_count(st, user, &n);
	if (rc != 0)
		return rc;
	if (n >= TD_PENDING_MAX) {
		ctx->why = "too many scheduled messages";
		return TD_ERR_CONFLICT;
	}
	memset(&sc, 0, sizeof(sc));
	sc.user = user;
	sc.conv = c.id;
	sc.body = req->body;
	util_strlcpy(sc.nonce, req->nonce, sizeof(sc.nonce));
	sc.at = req->at;
	rc = store_sched_add(st, &sc);
	if (rc != 0)
		return rc;
	ws_timer_at(ctx->srv, sc.at);
	jw_key(ctx->out, "scheduled");
	write_sched(ctx->out, &sc);
	return 0;
}

static int
sched_one(void *arg, const struct store_sched *sc)
{
	write_sched(arg, sc);
	return 0;
}

int
h_schedule_list(struct op_ctx *ctx)
{
	int rc;

	jw_key(ctx->out, "scheduled");
	jw_arr_open(ctx->out);
	rc = store_sched_list(ctx->srv->store, ctx->s->user.id, sched_one,
			      ctx->out);
	jw_arr_close(ctx->out);
	return rc;
}

/* Someone else's item answers not_found, like a missing one. */
int
h_schedule_cancel(struct op_ctx *ctx)
{
	struct store *st = ctx->srv->store;
	struct store_sched sc;
	int rc = store_sched_get(st, ctx->req->schedule, &sc);

	if (rc != 0)
		return rc;
	if (sc.user != ctx->s->user.id) {
		rc = TD_ERR_NOT_FOUND;
	} else if (sc.state != STORE_SCHED_PENDING) {
		ctx->why = "already sent, failed or cancelled";
		rc = TD_ERR_CONFLICT;
	} else {
		rc = store_sched_set_state(st, sc.id, STORE_SCHED_CANCELLED,
					   0);
	}
	if (rc == 0) {
		sc.state = STORE_SCHED_CANCELLED;
		jw_key(ctx->out, "scheduled");
		write_sched(ctx->out, &sc);
	}
	store_sched_fini(&sc);
	return rc;
}

/* remind.add: any message the caller may see, deleted ones excepted. */
int
h_remind_add(struct op_ctx *ctx)
{
	const struct proto_request *req = ctx->req;
	struct store *st = ctx->srv->store;
	struct store_reminder r;
	struct td_message m;
	struct td_conv c;
	bool deleted;
	int n, rc = msg_load_visible(ctx, req->message, &m, &c);

	if (rc != 0)
		return rc;
	deleted = m.deleted;
	td_message_fini(&m);
	if (deleted) {
		ctx->why = "the message was deleted";
		return TD_ERR_CONFLICT;
	}
	rc = check_at(ctx, req->at);
	if (rc == 0)
		rc = store_remind_count(st, ctx->s->user.id, &n);
	if (rc != 0)
		return rc;
	if (n >= TD_PENDING_MAX) {
		ctx->why = "too many reminders";
		return TD_ERR_CONFLICT;
	}
	memset(&r, 0, sizeof(r));
	r.user = ctx->s->user.id;
	r.message = req->message;
	r.conv = c.id;
	r.at = req->at;
	rc = store_remind_add(st, &r);
	if (rc != 0)
		return rc;
	ws_timer_at(ctx->srv, r.at);
	jw_key(ctx->out, "reminder");
	write_reminder(ctx->out, &r);
	return 0;
}

static int
remind_one(void *arg, const struct store_reminder *r)
{
	write_reminder(arg, r);
	return 0;
}

int
h_remind_list(struct op_ctx *ctx)
{
	int rc;

	jw_key(ctx->out, "reminders");
	jw_arr_open(ctx->out);
	rc = store_remind_list(ctx->srv->store, ctx->s->user.id, remind_one,
			       ctx->out);
	jw_arr_close(ctx->out);
	return rc;
}

int
h_remind_cancel(struct op_ctx *ctx)
{
	struct store *st = ctx->srv->store;
	struct store_reminder r;
	int rc = store_remind_get(st, ctx->req->reminder, &r);

	if (rc == 0 && r.user != ctx->s->user.id)
		rc = TD_ERR_NOT_FOUND;
	if (rc == 0)
		rc = store_remind_remove(st, r.id);
	if (rc != 0)
		return rc;
	jw_key(ctx->out, "reminder");
	write_reminder(ctx->out, &r);
	return 0;
}

/* schedule.sent or schedule.failed to the item's user. */
static int
event_sched(struct server *srv, const char *name,
	    const struct store_sched *sc, int err)
{
	struct jw w;

	fanout_open(srv, &w, name);
	jw_key(&w, "scheduled");
	write_sched(&w, sc);
	if (err != 0)
		jw_kstr(&w, "error", td_err_code(err));
	return fanout_commit(srv, &w, 0, sc->user);
}

/*
 * Post one due item as its user, in its own savepoint. When msg_post()
 * refuses it (the user left, the conversation was archived, the nonce
 * went to another message), that savepoint is undone and a second one
 * marks the item failed and tells the user. Returns 0 when the item left
 * the pending state, or the error that kept it pending.
 */
static int
fire_sched(struct server *srv, struct store_sched *sc)
{
	struct op_ctx ctx;
	int64_t id = 0;
	int rc, err;

	memset(&ctx, 0, sizeof(ctx));
	ctx.srv = srv;
	rc = batch_write_begin(srv);
	if (rc != 0)
		return rc;
	err = msg_post(&ctx, sc->user, sc->conv, sc->body, sc->nonce, 0, &id);
	if (err == 0)
		err = store_sched_set_state(srv->store, sc->id,
					    STORE_SCHED_SENT, id);
	if (err == 0) {
		sc->state = STORE_SCHED_SENT;
		sc->message = id;
		err = event_sched(srv, "schedule.sent", sc, 0);
	}
	batch_write_end(srv, err == 0);
	if (err == 0)
		return 0;
	rc = batch_write_begin(srv);
	if (rc != 0)
		return rc;
	rc = store_sched_set_state(srv->store, sc->id, STORE_SCHED_FAILED, 0);
	if (rc == 0) {
		sc->state = STORE_SCHED_FAILED;
		sc->message = 0;
		rc = event_sched(srv, "schedule.failed", sc, err);
	}
	batch_write_end(srv, rc == 0);
	return rc;
}

/*
 * Fire one due reminder: delete it and, when its user may still see the
 * (live) message, send the reminder event. Returns 0 or the error that
 * kept it.
 */
static int
fire_reminder(struct server *srv, const struct store_reminder *r)
{
	struct td_message m;
	struct td_conv c;
	struct jw w;
	int rc = batch_write_begin(srv);

	if (rc != 0)
		return rc;
	rc = store_remind_remove(srv->store, r->id);
	if (rc == 0 && store_msg_get(srv->store, r->message, &m) == 0) {
		if (!m.deleted &&
		    conv_load_visible_to(srv, r->user, m.conv, &c) == 0) {
			fanout_open(srv, &w, "reminder");
			jw_key(&w, "reminder");
			write_reminder(&w, r);
			jw_key(&w, "message");
			proto_write_message(&w, &m);
			rc = fanout_commit(srv, &w, 0, r->user);
		}
		td_message_fini(&m);
	}
	batch_write_end(srv, rc == 0);
	return rc;
}

void
schedule_arm(struct server *srv)
{
	schedule_arm_after(srv, 0);
}

/*
 * Arm the timer for the earliest pending item. fired_at > 0: the module
 * timers just fired everything of theirs due by then, so one still due by
 * then failed (it could not write): retry it after a pause instead of
 * spinning. (Scheduled messages and reminders left due were cut off by
 * SCHEDULE_FIRE_MAX and go on right away.)
 */
static void
schedule_arm_after(struct server *srv, int64_t fired_at)
{
	struct store_sched sc;
	struct store_reminder r;
	int64_t at = 0;

	for (size_t i = 0; i < NELEM(module_timers); i++) {
		int64_t next = module_timers[i](srv, 0);

		if (next > 0 && fired_at > 0 && next <= fired_at)
			next = fired_at + SCHEDULE_RETRY_MS;
		if (next > 0 && (at == 0 || next < at))
			at = next;
	}
	if (store_sched_next(srv->store, &sc) == 0) {
		if (at == 0 || sc.at < at)
			at = sc.at;
		store_sched_fini(&sc);
	}
	if (store_remind_next(srv->store, &r) == 0 && (at == 0 || r.at < at))
		at = r.at;
	if (at > 0)
		ws_timer_at(srv, at);
}

void
schedule_due(struct server *srv)
{
	int64_t now = util_now_ms();
	struct store_sched sc;
	struct store_reminder r;
	int n, rc = 0;

	for (n = 0; rc == 0 && n < SCHEDULE_FIRE_MAX; n++) {
		bool due;

		if (store_sched_next(srv->store, &sc) != 0)
			break;
		due = sc.at <= now;
		if (due)
			rc = fire_sched(srv, &sc);
		store_sched_fini(&sc);
		if (!due)
			break;
	}
	for (n = 0; rc == 0 && n < SCHEDULE_FIRE_MAX; n++) {
		if (store_remind_next(srv->store, &r) != 0 || r.at > now)
			break;
		rc = fire_reminder(srv, &r);
	}
	for (size_t i = 0; i < NELEM(module_timers); i++)
		module_timers[i](srv, now);
	if (rc != 0) {
		util_log("schedule: firing failed (%s); retrying",
			 td_err_code(rc));
		ws_timer_at(srv, now + SCHEDULE_RETRY_MS);
		return;
	}
	schedule_arm_after(srv, now);
}

/*
 * test.clock {at}: test builds started with --test-clock move the clock to
 * `at` (never back: conflict) and fire whatever that made due, before the
 * reply. Other builds answer unknown_op, as for an op they do not know.
 */
int
h_test_clock(struct op_ctx *ctx)
{
	struct server *srv = ctx->srv;

	if (!util_test_clock_enabled())
		return TD_ERR_UNKNOWN_OP;
	if (util_test_clock_set(ctx->req->at) != 0) {
		ctx->why = "the test clock only moves forward";
		return TD_ERR_CONFLICT;
	}
	ws_timer_reset(srv);
	schedule_due(srv);
	jw_kint(ctx->out, "time", util_now_ms());
	return 0;
}
