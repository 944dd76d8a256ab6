/*
 * h_request.c: content requests. The ops request.templates, request.create,
 * request.get, request.list, request.update, request.move, request.assign,
 * request.watch, request.deliver, request.verdict, request.link, sla.get,
 * sla.set and feedback.to_request; the hook on messages posted in a
 * request's conversation (request_on_message) and the SLA breach timer
 * (request_timers).
 *
 * A request owns an open conversation (kind request): its members are the
 * watchers, the requester always one of them. Its lifecycle (request.move
 * unless noted; M = marketers and admins, R = the requester):
 *
 *              M                M                     M
 *     new ---------> accepted ------> in_progress <--------> in_review
 *      |                |                  \                    /
 *      | M + reason     | M + reason        \  request.deliver  /
 *      v                v                    v      (M)        v
 *   declined <----------+                    delivered --M|R--> closed
 *                                             |     ^             |
 *                                        M|R  v     | deliver (M) |
 *                                           reopened <----M|R-----+
 *
 *   reopened --M--> accepted or in_progress; request.deliver also from
 *   accepted and reopened;
 *   accepted, in_progress, in_review, reopened --M--> waiting_on_requester
 *   waiting_on_requester --M|R, or any message of the requester--> the
 *   status it had before (the move target waiting_on_marketing);
 *   new, accepted, in_progress, waiting_on_requester, in_review, reopened
 *   --R--> closed (the requester withdraws it).
 *
 * Each transition writes a system line in the conversation and sends
 * request.update to everyone, so every marketer's queue stays live.
 *
 * SLA clocks (first response, delivery) start at filing with the targets
 * of the request's priority. First response is met at the first message or
 * status change by a marketer who is not the requester; delivery at
 * request.deliver. Both pause while waiting on the requester (their due
 * times move on by the pause), stop at a close or a decline, and breach at
 * their due time: request_timers() marks the breach at exactly due_at,
 * also when it fires late (after a restart), and tells the assignee and
 * the requester's team. A reopen restarts the delivery clock.
 *
 * All of these rules live here; the store only keeps the rows. This file
 * must never change a request's state without its system line and event,
 * nor fire a breach outside a write savepoint.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "batch.h"
#include "fanout.h"
#include "handlers.h"
#include "server.h"
#include "session.h"
#include "store.h"
#include "store_request.h"
#include "util.h"

#define ST_BIT(status) (1u << (status))
#define ST(x) ST_BIT(TD_RS_##x)
#define OPEN_STATUSES                                                     \
	(ST(NEW) | ST(ACCEPTED) | ST(IN_PROGRESS) |                       \
	 ST(WAITING_ON_REQUESTER) | ST(IN_REVIEW) | ST(REOPENED))
#define DELIVERABLE                                                       \
	(ST(ACCEPTED) | ST(IN_PROGRESS) | ST(IN_REVIEW) | ST(REOPENED))
#define MINUTE_MS 60000
/* Breaches fired per timer callback; the rest go on the next turn. */
#define BREACH_FIRE_MAX 64

/* Who may make a move: bits of roles_of(). */
enum { BY_MARKETER = 1, BY_REQUESTER = 2 };

struct move_rule {
	unsigned from;	/* ST() bits */
	int to;
	unsigned by;
};

/* The lifecycle: every (from, to) pair not here is a conflict. */
static const struct move_rule move_rules[] = {
	{ ST(NEW) | ST(REOPENED), TD_RS_ACCEPTED, BY_MARKETER },
	{ ST(NEW) | ST(ACCEPTED), TD_RS_DECLINED, BY_MARKETER },
	{ ST(ACCEPTED) | ST(IN_REVIEW) | ST(REOPENED), TD_RS_IN_PROGRESS,
	  BY_MARKETER },
	{ ST(IN_PROGRESS), TD_RS_IN_REVIEW, BY_MARKETER },
	{ DELIVERABLE, TD_RS_WAITING_ON_REQUESTER, BY_MARKETER },
	{ ST(WAITING_ON_REQUESTER), TD_RS_WAITING_ON_MARKETING,
	  BY_MARKETER | BY_REQUESTER },
	{ ST(DELIVERED), TD_RS_CLOSED, BY_MARKETER | BY_REQUESTER },
	{ OPEN_STATUSES, TD_RS_CLOSED, BY_REQUESTER },
	{ ST(DELIVERED) | ST(CLOSED), TD_RS_REOPENED,
	  BY_MARKETER | BY_REQUESTER },
};

/* Status names for system lines, indexed by enum td_request_status. */
static const char *const status_labels[] = {
	"New", "Accepted", "In progress", "Waiting on requester",
	"In review", "Delivered", "Closed", "Declined", "Reopened",
};

enum clock_state {
	CLOCK_RUNNING, CLOCK_PAUSED, CLOCK_MET, CLOCK_STOPPED, CLOCK_BREACHED
};

static const char *const clock_state_names[] = {
	"running", "paused", "met", "stopped", "breached",
};

static const char *const clock_names[] = { "first_response", "delivery" };

/* The questions marketing always asks, per kind (request.templates). */
static const struct {
	int kind;
	const char *title;
	const char *body;
} templates[] = {
	{ TD_RK_CASE_STUDY, "Case study",
	  "Customer and industry:\n"
	  "Their problem before us, in their words:\n"
	  "What they use us for, and since when:\n"
	  "Results with numbers (time saved, revenue, cost, adoption):\n"
	  "Who at the customer would be quoted (name, title):\n"
	  "Have they agreed to be named? (yes / anonymised / not asked yet)\n"
	  "Which deals or prospects is this for:" },
	{ TD_RK_BATTLE_CARD, "Battle card",
	  "Competitor:\n"
	  "Where we meet them (segment, region, deal size):\n"
	  "Why customers pick them:\n"
	  "Why customers pick us:\n"
	  "Objections you hear, word for word:\n"
	  "Landmines to lay and traps to avoid:\n"
	  "Recent wins or losses against them:" },
	{ TD_RK_ONE_PAGER, "One-pager",
	  "Audience (role, industry, company size):\n"
	  "The one message it must land:\n"
	  "Three proof points:\n"
	  "Call to action:\n"
	  "Language and format (print, PDF, slide):\n"
	  "Existing material to start from:" },
	{ TD_RK_DECK, "Deck",
	  "Meeting and audience (who is in the room):\n"
	  "Goal of the meeting:\n"
	  "Story in three to five steps:\n"
	  "Must-have slides (pricing, security, roadmap, references):\n"
	  "Length in minutes:\n"
	  "Existing decks to reuse:" },
	{ TD_RK_EMAIL_TEMPLATE, "Email template",
	  "Sequence step (first touch, follow-up, break-up, renewal):\n"
	  "Audience (role, industry):\n"
	  "The hook: why them, why now:\n"
	  "Call to action:\n"
	  "Personalisation fields you fill in:\n"
	  "Tone and length:" },
	{ TD_RK_VIDEO, "Video",
	  "Purpose (demo, testimonial, explainer, personal outreach):\n"
	  "Audience:\n"
	  "Length:\n"
	  "Key moments to show:\n"
	  "Who appears on camera, and have they agreed:\n"
	  "Where it will be used (email, website, meeting):" },
	{ TD_RK_OTHER, "Other",
	  "What you need:\n"
	  "Who it is for:\n"
	  "What it should make them do:\n"
	  "Examples of what good looks like:\n"
	  "Deadline and what happens if it is late:" },
};

/* Room for a why message built at run time (one loop thread). */
static char why_buf[160];

static bool
is_marketer(const struct td_user *u)
{
	return u->team == TD_TEAM_MARKETING || u->role == TD_ROLE_ADMIN;
}

static unsigned
roles_of(const struct td_user *u, const struct store_request *r)
{
	return (is_marketer(u) ? BY_MARKETER : 0) |
	       (u->id == r->requester ? BY_REQUESTER : 0);
}

static bool
is_status(const struct store_request *r, unsigned set)
{
	return (ST_BIT(r->status) & set) != 0;
}

/* ---- clocks ---- */

/* Not yet met nor stopped: it can still be met. */
static bool
clock_open(const struct store_sla_clock *c)
{
	return c->met_at == 0 && c->stopped_at == 0;
}

/* Open and not breached: it can still breach, pause and move. */
static bool
clock_ticking(const struct store_sla_clock *c)
{
	return clock_open(c) && c->breached_at == 0;
}

static enum clock_state
clock_state(const struct store_request *r, const struct store_sla_clock *c)
{
	if (c->breached_at != 0)
		return CLOCK_BREACHED;
	if (c->met_at != 0)
		return CLOCK_MET;
	if (c->stopped_at != 0)
		return CLOCK_STOPPED;
	return r->paused_since != 0 ? CLOCK_PAUSED : CLOCK_RUNNING;
}

static void
clock_meet(struct store_sla_clock *c, int64_t at)
{
	if (clock_open(c))
		c->met_at = at;
}

static void
clock_stop(struct store_sla_clock *c, int64_t at)
{
	if (clock_open(c))
		c->stopped_at = at;
}

/* A new target (priority change) for a clock that still ticks. */
static void
clock_retarget(struct store_sla_clock *c, int64_t target_ms)
{
	if (!clock_ticking(c))
		return;
	c->due_at += target_ms - c->target_ms;
	c->target_ms = target_ms;
}

/* End a pause: ticking clocks come due later by its length. */
static void
sla_resume(struct store_request *r, int64_t now)
{
	int64_t pause = now - r->paused_since;

	if (r->paused_since == 0)
		return;
	if (clock_ticking(&r->fr))
		r->fr.due_at += pause;
	if (clock_ticking(&r->dl))
		r->dl.due_at += pause;
	if (clock_open(&r->dl))
		r->paused_ms += pause;
	r->paused_since = 0;
}

/* Make sure the timer fires by the due time of each running clock. */
static void
sla_arm(struct server *srv, const struct store_request *r)
{
	if (clock_state(r, &r->fr) == CLOCK_RUNNING)
		ws_timer_at(srv, r->fr.due_at);
	if (clock_state(r, &r->dl) == CLOCK_RUNNING)
		ws_timer_at(srv, r->dl.due_at);
}

/* ---- the Request object ---- */

static void
write_clock(struct jw *w, const char *key, const struct store_request *r,
	    const struct store_sla_clock *c)
{
	enum clock_state state = clock_state(r, c);

	jw_key(w, key);
	jw_obj_open(w);
	jw_kint(w, "target", c->target_ms / MINUTE_MS);
	jw_key(w, "due_at");
	if (state == CLOCK_PAUSED)
		jw_null(w);
	else
		jw_int(w, c->due_at);
	jw_kint(w, "stopped_at", c->met_at != 0 ? c->met_at : c->stopped_at);
	jw_kint(w, "breached_at", c->breached_at);
	jw_kstr(w, "state", clock_state_names[state]);
	jw_obj_close(w);
}

static void
write_asset(struct jw *w, const struct store_request *r)
{
	jw_key(w, "asset");
	if (r->asset_url[0] == '\0') {
		jw_null(w);
		return;
	}
	jw_obj_open(w);
	jw_kstr(w, "url", r->asset_url);
	jw_kstr(w, "note", r->asset_note);
	jw_kint(w, "delivered_at", r->asset_at);
	jw_kint(w, "by", r->asset_by);
	jw_obj_close(w);
}

/* The members of a Request object (PROTOCOL.md), without the braces. */
static void
write_request_members(struct jw *w, const struct store_request *r)
{
	jw_kint(w, "id", r->id);
	jw_kint(w, "conv", r->conv);
	jw_kstr(w, "kind", td_enum_name(&td_enum_request_kind, r->kind));
	jw_kstr(w, "title", r->title);
	jw_kstr(w, "body", r->body);
	jw_kstr(w, "account", r->account);
	jw_kstr(w, "deal", r->deal);
	jw_kstr(w, "stage", td_enum_name(&td_enum_deal_stage, r->stage));
	jw_kint(w, "value", r->value);
	jw_kint(w, "due", r->due);
	jw_kstr(w, "priority", td_enum_name(&td_enum_priority, r->priority));
	jw_kstr(w, "status", td_enum_name(&td_enum_request_status, r->status));
	jw_kstr(w, "reason", r->reason);
	jw_kint(w, "requester", r->requester);
	jw_kint(w, "assignee", r->assignee);
	jw_kint(w, "created_at", r->created_at);
	jw_kint(w, "updated_at", r->updated_at);
	jw_key(w, "sla");
	jw_obj_open(w);
	write_clock(w, "first_response", r, &r->fr);
	write_clock(w, "delivery", r, &r->dl);
	jw_obj_close(w);
	write_asset(w, r);
	jw_key(w, "verdict_counts");
	jw_obj_open(w);
	for (int i = 0; i < 3; i++)
		jw_kint(w, td_enum_name(&td_enum_verdict, i), r->verdicts[i]);
	jw_obj_close(w);
	jw_key(w, "feedback");
	jw_arr_open(w);
	for (size_t i = 0; i < r->n_feedback; i++)
		jw_int(w, r->feedback[i]);
	jw_arr_close(w);
}

static void
write_request(struct jw *w, const struct store_request *r)
{
	jw_obj_open(w);
	write_request_members(w, r);
	jw_obj_close(w);
}

static void
reply_request(struct op_ctx *ctx, const struct store_request *r)
{
	jw_key(ctx->out, "request");
	write_request(ctx->out, r);
}

/* ---- events, system lines, loading and saving ---- */

/* Begin request.update about r: the caller adds the change's own keys
 * and ends with change_commit(). by 0: the server (a breach). */
static void
change_open(struct server *srv, struct jw *w, const struct store_request *r,
	    const char *type, int64_t by)
{
	fanout_open(srv, w, "request.update");
	jw_key(w, "request");
	write_request(w, r);
	jw_key(w, "change");
	jw_obj_open(w);
	jw_kstr(w, "type", type);
	jw_kint(w, "by", by);
}

static int
change_commit(struct server *srv, struct jw *w)
{
	jw_obj_close(w);
	return fanout_commit(srv, w, 0, 0);
}

/* A change with nothing to add beyond its type. */
static int
change_event(struct server *srv, const struct store_request *r,
	     const char *type, int64_t by)
{
	struct jw w;

	change_open(srv, &w, r, type, by);
	return change_commit(srv, &w);
}

static int system_line(struct op_ctx *ctx, int64_t user, int64_t conv,
		       const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* A system line in the request's conversation, written as `user`. Every
 * part is bounded well below TD_MAX_BODY, so nothing is cut. */
static int
system_line(struct op_ctx *ctx, int64_t user, int64_t conv, const char *fmt,
	    ...)
{
	char body[TD_MAX_BODY + 1];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(body, sizeof(body), fmt, ap);
	va_end(ap);
	return msg_post_system(ctx, user, conv, body, NULL);
}

static int
request_load(struct op_ctx *ctx, int64_t id, struct store_request *r)
{
	int rc;

	memset(r, 0, sizeof(*r));
	rc = store_request_get(ctx->srv->store, id, r);
	if (rc == TD_ERR_NOT_FOUND)
		ctx->why = "no such request";
	return rc;
}

/* Write r back and read it again (fresh verdict counts and links). */
static int
request_save(struct store *st, struct store_request *r)
{
	int64_t id = r->id;
	int rc = store_request_put(st, r);

	store_request_fini(r);
	if (rc == 0)
		rc = store_request_get(st, id, r);
	return rc;
}

/* A growable set of user ids, each once. */
struct id_set {
	int64_t *ids;
	size_t n, cap;
};

static int
id_set_add(void *arg, int64_t id)
{
	struct id_set *s = arg;

	for (size_t i = 0; i < s->n; i++)
		if (s->ids[i] == id)
			return 0;
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 16;
		s->ids = xrealloc(s->ids, s->cap * sizeof(*s->ids));
	}
	s->ids[s->n++] = id;
	return 0;
}

/* ---- transitions ---- */

/* The union of who may make the move, or 0 when no rule allows it. */
static unsigned
move_allowed(int from, int to)
{
	unsigned by = 0;

	for (size_t i = 0; i < sizeof(move_rules) / sizeof(move_rules[0]);
	     i++)
		if ((move_rules[i].from & ST_BIT(from)) &&
		    move_rules[i].to == to)
			by |= move_rules[i].by;
	return by;
}

static const char *
move_refusal(unsigned by)
{
	if (by == BY_REQUESTER)
		return "only the requester can withdraw an open request; "
		       "marketers decline it instead";
	if (by == BY_MARKETER)
		return "only marketers and admins can make this move";
	return "only the requester, marketers and admins can make this move";
}

/*
 * Apply a transition of r to `to` (not the alias; already authorized) by
 * `actor`: clocks, status, the system line `line`, and request.update of
 * `type` ("move" or "deliver"). r is saved and reloaded.
 */
static int
move_apply(struct op_ctx *ctx, struct store_request *r,
	   const struct td_user *actor, int to, const char *reason,
	   const char *type, const char *line)
{
	int64_t now = util_now_ms();
	int from = r->status;
	struct jw w;
	int rc;

	sla_resume(r, now);
	if (is_marketer(actor) && actor->id != r->requester)
		clock_meet(&r->fr, now);
	if (to == TD_RS_WAITING_ON_REQUESTER) {
		r->resume_status = from;
		r->paused_since = now;
	} else if (to == TD_RS_CLOSED || to == TD_RS_DECLINED) {
		clock_stop(&r->fr, now);
		clock_stop(&r->dl, now);
	} else if (to == TD_RS_REOPENED) {
		r->dl.met_at = 0;
		r->dl.stopped_at = 0;
		r->dl.breached_at = 0;
		r->dl.due_at = now + r->dl.target_ms;
		r->dl_started_at = now;
		r->paused_ms = 0;
	} else if (to == TD_RS_DELIVERED) {
		clock_meet(&r->dl, now);
	}
	if (to == TD_RS_DECLINED)
		util_strlcpy(r->reason, reason, sizeof(r->reason));
	r->status = to;
	r->updated_at = now;
	rc = request_save(ctx->srv->store, r);
	if (rc == 0)
		rc = system_line(ctx, actor->id, r->conv, "%s", line);
	if (rc != 0)
		return rc;
	change_open(ctx->srv, &w, r, type, actor->id);
	jw_kstr(&w, "from", td_enum_name(&td_enum_request_status, from));
	jw_kstr(&w, "to", td_enum_name(&td_enum_request_status, to));
	jw_kstr(&w, "reason", reason);
	rc = change_commit(ctx->srv, &w);
	if (rc == 0)
		sla_arm(ctx->srv, r);
	return rc;
}

/* The line of a plain move: "moved this request from New to Accepted". */
static void
move_line(char *buf, size_t len, int from, int to, bool back,
	  const char *reason)
{
	snprintf(buf, len, "moved this request from %s %sto %s%s%s",
		 status_labels[from], back ? "back " : "", status_labels[to],
		 reason[0] != '\0' ? ": " : "", reason);
}

/* ---- the hook on messages in a request's conversation ---- */

/* The requester answered a request waiting on them: back to marketing. */
static int
answer_resumes(struct op_ctx *ctx, struct store_request *r,
	       const struct td_user *author)
{
	char line[128];

	snprintf(line, sizeof(line),
		 "answered, so this request moved from %s back to %s",
		 status_labels[r->status], status_labels[r->resume_status]);
	return move_apply(ctx, r, author, r->resume_status, "", "move", line);
}

/* A marketer's first reply meets the first-response clock. */
static int
first_reply(struct op_ctx *ctx, struct store_request *r,
	    const struct td_user *author, int64_t at)
{
	int rc;

	clock_meet(&r->fr, at);
	r->updated_at = at;
	rc = request_save(ctx->srv->store, r);
	if (rc == 0)
		rc = change_event(ctx->srv, r, "first_response", author->id);
	return rc;
}

int
request_on_message(struct op_ctx *ctx, const struct td_conv *c,
		   const struct td_message *m)
{
	struct store *st = ctx->srv->store;
	struct store_request r;
	struct td_user author;
	int rc;

	memset(&r, 0, sizeof(r));
	rc = store_request_by_conv(st, c->id, &r);
	if (rc == TD_ERR_NOT_FOUND)
		return 0;
	if (rc == 0)
		rc = store_user_get(st, m->author, &author);
	if (rc == 0 && m->author == r.requester &&
	    r.status == TD_RS_WAITING_ON_REQUESTER)
		rc = answer_resumes(ctx, &r, &author);
	else if (rc == 0 && m->author != r.requester && is_marketer(&author) &&
		 clock_open(&r.fr))
		rc = first_reply(ctx, &r, &author, m->created_at);
	store_request_fini(&r);
	return rc;
}

/* ---- filing ---- */

/* due must not lie in the past (0: none). */
static int
check_due(struct op_ctx *ctx)
{
	const struct proto_request *req = ctx->req;

	if ((req->present & PF_DUE) && req->due != 0 &&
	    req->due < util_now_ms()) {
		ctx->why = "field 'due' must not be in the past";
		return TD_ERR_BAD_REQUEST;
	}
	return 0;
}

/*
 * Store a new request r (filled by the caller: kind, texts, deal, due,
 * priority, requester, nonce): its conversation, the SLA targets of its
 * priority, status new, clocks started now.
 */
static int
request_insert(struct op_ctx *ctx, struct store_request *r)
{
	struct store *st = ctx->srv->store;
	int64_t now = util_now_ms();
	int rc = store_sla_get(st, r->priority, &r->fr.target_ms,
			       &r->dl.target_ms);

	if (rc == 0)
		rc = conv_open_record(ctx, TD_CONV_REQUEST, r->requester,
				      r->title, &r->conv);
	if (rc != 0)
		return rc;
	r->status = TD_RS_NEW;
	r->resume_status = TD_RS_NEW;
	r->created_at = now;
	r->updated_at = now;
	r->dl_started_at = now;
	r->fr.due_at = now + r->fr.target_ms;
	r->dl.due_at = now + r->dl.target_ms;
	return store_request_add(st, r);
}

/* Reload a new request, announce it, arm its clocks, answer it. */
static int
request_filed(struct op_ctx *ctx, struct store_request *r)
{
	int rc = request_save(ctx->srv->store, r);

	if (rc == 0)
		rc = change_event(ctx->srv, r, "create", r->requester);
	if (rc != 0)
		return rc;
	sla_arm(ctx->srv, r);
	reply_request(ctx, r);
	return 0;
}

/* A request as request.create's fields describe it (defaults filled). */
static void
request_from_fields(const struct op_ctx *ctx, struct store_request *r)
{
	const struct proto_request *req = ctx->req;

	memset(r, 0, sizeof(*r));
	r->kind = req->sub_kind;
	util_strlcpy(r->title, req->title, sizeof(r->title));
	r->body = xstrdup(req->body);
	util_strlcpy(r->account, req->account, sizeof(r->account));
	util_strlcpy(r->deal, req->deal, sizeof(r->deal));
	r->stage = req->stage;
	r->value = req->value;
	r->due = req->due;
	r->priority = (req->present & PF_PRIORITY) ? req->priority
						    : TD_PRIO_NORMAL;
	r->requester = ctx->s->user.id;
	util_strlcpy(r->nonce, req->nonce, sizeof(r->nonce));
}

static bool
same_content(const struct store_request *a, const struct store_request *b)
{
	return a->kind == b->kind && strcmp(a->title, b->title) == 0 &&
	       strcmp(a->body, b->body) == 0 &&
	       strcmp(a->account, b->account) == 0 &&
	       strcmp(a->deal, b->deal) == 0 && a->stage == b->stage &&
	       a->value == b->value && a->due == b->due &&
	       a->priority == b->priority;
}

/*
 * A retry of a filing with this nonce: 1 when the request exists (*old
 * filled, owned by the caller), 0 when the nonce is new, or an error.
 */
static int
nonce_lookup(struct op_ctx *ctx, struct store_request *old)
{
	int rc;

	memset(old, 0, sizeof(*old));
	if (!(ctx->req->present & PF_NONCE))
		return 0;
	rc = store_request_by_nonce(ctx->srv->store, ctx->s->user.id,
				    ctx->req->nonce, old);
	if (rc == TD_ERR_NOT_FOUND)
		return 0;
	return rc == 0 ? 1 : rc;
}

int
h_request_templates(struct op_ctx *ctx)
{
	jw_key(ctx->out, "templates");
	jw_arr_open(ctx->out);
	for (size_t i = 0; i < sizeof(templates) / sizeof(templates[0]); i++) {
		jw_obj_open(ctx->out);
		jw_kstr(ctx->out, "kind",
			td_enum_name(&td_enum_request_kind, templates[i].kind));
		jw_kstr(ctx->out, "title", templates[i].title);
		jw_kstr(ctx->out, "body", templates[i].body);
		jw_obj_close(ctx->out);
	}
	jw_arr_close(ctx->out);
	return 0;
}

int
h_request_create(struct op_ctx *ctx)
{
	struct store_request r, old;
	int rc = nonce_lookup(ctx, &old);

	if (rc < 0)
		return rc;
	request_from_fields(ctx, &r);
	if (rc == 1) {
		rc = 0;
		if (same_content(&r, &old))
			reply_request(ctx, &old);
		else
			rc = TD_ERR_NONCE_CONFLICT;
	} else {
		rc = check_due(ctx);
		if (rc == 0)
			rc = request_insert(ctx, &r);
		if (rc == 0)
			rc = request_filed(ctx, &r);
	}
	store_request_fini(&r);
	store_request_fini(&old);
	return rc;
}

/* ---- reading ---- */

static int
watcher_one(void *arg, int64_t user)
{
	jw_int(arg, user);
	return 0;
}

static int
verdict_one(void *arg, const struct store_verdict *v)
{
	struct jw *w = arg;

	jw_obj_open(w);
	jw_kint(w, "user", v->user);
	jw_kstr(w, "verdict", td_enum_name(&td_enum_verdict, v->verdict));
	jw_kstr(w, "note", v->note);
	jw_kstr(w, "deal", v->deal);
	jw_kint(w, "created_at", v->created_at);
	jw_obj_close(w);
	return 0;
}

int
h_request_get(struct op_ctx *ctx)
{
	struct store *st = ctx->srv->store;
	struct jw *w = ctx->out;
	struct store_request r;
	int rc;

	if (ctx->req->present & PF_CONV) {
		memset(&r, 0, sizeof(r));
		rc = store_request_by_conv(st, ctx->req->conv, &r);
		if (rc == TD_ERR_NOT_FOUND)
			ctx->why = "no request owns that conversation";
	} else {
		rc = request_load(ctx, ctx->req->request, &r);
	}
	if (rc != 0)
		return rc;
	jw_key(w, "request");
	jw_obj_open(w);
	write_request_members(w, &r);
	jw_key(w, "watchers");
	jw_arr_open(w);
	rc = store_member_list(st, r.conv, watcher_one, w);
	jw_arr_close(w);
	jw_key(w, "verdicts");
	jw_arr_open(w);
	if (rc == 0)
		rc = store_verdict_list(st, r.id, verdict_one, w);
	jw_arr_close(w);
	jw_obj_close(w);
	store_request_fini(&r);
	return rc;
}

static int
list_one(void *arg, const struct store_request *r)
{
	write_request(arg, r);
	return 0;
}

int
h_request_list(struct op_ctx *ctx)
{
	const struct proto_request *req = ctx->req;
	struct store_request_filter f;
	bool more = false;
	int rc;

	memset(&f, 0, sizeof(f));
	f.status = (req->present & PF_STATUS) ? req->status : -1;
	f.kind = (req->present & PF_KIND) ? req->sub_kind : -1;
	f.assignee = (req->present & PF_ASSIGNEE) ? req->assignee : -1;
	f.account = (req->present & PF_ACCOUNT) ? req->account : NULL;
	f.requester = (req->present & PF_USER) ? req->user : 0;
	f.sort = STORE_REQUEST_SORT_QUEUE;
	if (strcmp(req->sort, "due") == 0)
		f.sort = STORE_REQUEST_SORT_DUE;
	else if (strcmp(req->sort, "newest") == 0)
		f.sort = STORE_REQUEST_SORT_NEWEST;
	f.now = util_now_ms();
	f.limit = req->limit;
	f.offset = req->offset;
	jw_key(ctx->out, "requests");
	jw_arr_open(ctx->out);
	rc = store_request_list(ctx->srv->store, &f, &more, list_one,
				ctx->out);
	jw_arr_close(ctx->out);
	jw_kbool(ctx->out, "more", more);
	return rc;
}

/* ---- changing a request ---- */

/* conv.update to the watchers: the conversation's topic is the title. */
static int
conv_retitle(struct op_ctx *ctx, int64_t conv, const char *title)
{
	struct store *st = ctx->srv->store;
	struct td_conv c;
	struct jw w;
	int rc = store_conv_set_topic(st, conv, title);

	if (rc == 0)
		rc = store_conv_get(st, conv, &c);
	if (rc != 0)
		return rc;
	c.member = true;
	fanout_open(ctx->srv, &w, "conv.update");
	jw_key(&w, "conversation");
	proto_write_conv(&w, &c);
	jw_key(&w, "members");
	jw_arr_open(&w);
	rc = store_member_list(st, conv, watcher_one, &w);
	jw_arr_close(&w);
	if (rc != 0) {
		jw_fini(&w);
		return rc;
	}
	return fanout_commit(ctx->srv, &w, conv, 0);
}

/* Closed and declined requests are finished: conflict for changes. */
static int
check_editable(struct op_ctx *ctx, const struct store_request *r)
{
	if (is_status(r, ST(CLOSED) | ST(DECLINED))) {
		ctx->why = "closed and declined requests cannot be changed; "
			   "reopen a closed one first";
		return TD_ERR_CONFLICT;
	}
	return 0;
}

/* The fields request.update may change, in the order it names them. */
static const struct {
	uint64_t bit;
	const char *name;
} update_fields[] = {
	{ PF_KIND, "kind" },	   { PF_TITLE, "title" },
	{ PF_BODY, "body" },	   { PF_ACCOUNT, "account" },
	{ PF_DEAL, "deal" },	   { PF_STAGE, "stage" },
	{ PF_VALUE, "value" },	   { PF_DUE, "due" },
	{ PF_PRIORITY, "priority" },
};

#define UPDATE_FIELDS                                                      \
	(PF_KIND | PF_TITLE | PF_BODY | PF_ACCOUNT | PF_DEAL | PF_STAGE |  \
	 PF_VALUE | PF_DUE | PF_PRIORITY)

/* The names of the fields given, comma-separated, into names[len]. */
static void
update_names(const struct proto_request *req, char *names, size_t len)
{
	size_t used = 0;

	names[0] = '\0';
	for (size_t i = 0; i < sizeof(update_fields) / sizeof(update_fields[0]);
	     i++)
		if ((req->present & update_fields[i].bit) && used < len)
			used += (size_t)snprintf(names + used, len - used,
						 "%s%s", used ? ", " : "",
						 update_fields[i].name);
}

/*
 * Copy request.update's fields into r. A new priority re-targets the
 * clocks that still tick from the current SLA table.
 */
static int
update_apply(const struct op_ctx *ctx, struct store_request *r)
{
	const struct proto_request *req = ctx->req;
	int64_t fr_ms, dl_ms;
	int rc;

	if (req->present & PF_KIND)
		r->kind = req->sub_kind;
	if (req->present & PF_TITLE)
		util_strlcpy(r->title, req->title, sizeof(r->title));
	if (req->present & PF_BODY) {
		free(r->body);
		r->body = xstrdup(req->body);
	}
	if (req->present & PF_ACCOUNT)
		util_strlcpy(r->account, req->account, sizeof(r->account));
	if (req->present & PF_DEAL)
		util_strlcpy(r->deal, req->deal, sizeof(r->deal));
	if (req->present & PF_STAGE)
		r->stage = req->stage;
	if (req->present & PF_VALUE)
		r->value = req->value;
	if (req->present & PF_DUE)
		r->due = req->due;
	if (!(req->present & PF_PRIORITY))
		return 0;
	r->priority = req->priority;
	rc = store_sla_get(ctx->srv->store, r->priority, &fr_ms, &dl_ms);
	if (rc == 0) {
		clock_retarget(&r->fr, fr_ms);
		clock_retarget(&r->dl, dl_ms);
	}
	return rc;
}

/* request.update's event: the change names the fields given. */
static int
update_event(struct op_ctx *ctx, const struct store_request *r)
{
	struct jw w;

	change_open(ctx->srv, &w, r, "edit", ctx->s->user.id);
	jw_key(&w, "fields");
	jw_arr_open(&w);
	for (size_t i = 0; i < sizeof(update_fields) / sizeof(update_fields[0]);
	     i++)
		if (ctx->req->present & update_fields[i].bit)
			jw_str(&w, update_fields[i].name);
	jw_arr_close(&w);
	return change_commit(ctx->srv, &w);
}

int
h_request_update(struct op_ctx *ctx)
{
	const struct td_user *me = &ctx->s->user;
	struct store_request r;
	char names[128];
	int rc;

	if (!(ctx->req->present & UPDATE_FIELDS)) {
		ctx->why = "give at least one field to change";
		return TD_ERR_BAD_REQUEST;
	}
	rc = request_load(ctx, ctx->req->request, &r);
	if (rc != 0)
		return rc;
	if (roles_of(me, &r) == 0) {
		ctx->why = "only the requester, marketers and admins can edit "
			   "a request";
		rc = TD_ERR_FORBIDDEN;
	}
	if (rc == 0)
		rc = check_editable(ctx, &r);
	if (rc == 0)
		rc = check_due(ctx);
	if (rc == 0)
		rc = update_apply(ctx, &r);
	if (rc == 0) {
		r.updated_at = util_now_ms();
		rc = request_save(ctx->srv->store, &r);
	}
	if (rc == 0 && (ctx->req->present & PF_TITLE))
		rc = conv_retitle(ctx, r.conv, r.title);
	update_names(ctx->req, names, sizeof(names));
	if (rc == 0)
		rc = system_line(ctx, me->id, r.conv, "edited this request: %s",
				 names);
	if (rc == 0)
		rc = update_event(ctx, &r);
	if (rc == 0) {
		sla_arm(ctx->srv, &r);
		reply_request(ctx, &r);
	}
	store_request_fini(&r);
	return rc;
}

/* Check a request.move of r to `to` (the alias resolved by the caller
 * into *target) by the caller. */
static int
move_check(struct op_ctx *ctx, const struct store_request *r, int to,
	   int *target)
{
	const char *reason = ctx->req->reason;
	unsigned by;

	if (to == TD_RS_DELIVERED) {
		ctx->why = "use request.deliver to deliver a request with "
			   "its asset";
		return TD_ERR_BAD_REQUEST;
	}
	by = move_allowed(r->status, to);
	if (by == 0) {
		snprintf(why_buf, sizeof(why_buf),
			 "cannot move a request from %s to %s",
			 td_enum_name(&td_enum_request_status, r->status),
			 td_enum_name(&td_enum_request_status, to));
		ctx->why = why_buf;
		return TD_ERR_CONFLICT;
	}
	if ((roles_of(&ctx->s->user, r) & by) == 0) {
		ctx->why = move_refusal(by);
		return TD_ERR_FORBIDDEN;
	}
	if (to == TD_RS_DECLINED && reason[0] == '\0') {
		ctx->why = "give a reason for declining";
		return TD_ERR_BAD_REQUEST;
	}
	*target = to == TD_RS_WAITING_ON_MARKETING ? r->resume_status : to;
	return 0;
}

int
h_request_move(struct op_ctx *ctx)
{
	const struct proto_request *req = ctx->req;
	struct store_request r;
	char line[TD_REASON_CHARS * 4 + 128];
	int to = 0, rc = request_load(ctx, req->request, &r);

	if (rc == 0)
		rc = move_check(ctx, &r, req->status, &to);
	if (rc == 0) {
		move_line(line, sizeof(line), r.status, to,
			  req->status == TD_RS_WAITING_ON_MARKETING,
			  req->reason);
		rc = move_apply(ctx, &r, &ctx->s->user, to, req->reason,
				"move", line);
	}
	if (rc == 0)
		reply_request(ctx, &r);
	store_request_fini(&r);
	return rc;
}

/* Marketers and admins only: forbidden, with `why`, for anyone else. */
static int
check_marketer(struct op_ctx *ctx, const char *why)
{
	if (is_marketer(&ctx->s->user))
		return 0;
	ctx->why = why;
	return TD_ERR_FORBIDDEN;
}

/* The new assignee: 0, or an existing marketer or admin. */
static int
check_assignee(struct op_ctx *ctx, int64_t id, struct td_user *u)
{
	int rc;

	if (id == 0)
		return 0;
	rc = store_user_get(ctx->srv->store, id, u);
	if (rc == TD_ERR_NOT_FOUND)
		ctx->why = "no such user";
	if (rc == 0 && !is_marketer(u)) {
		ctx->why = "assign a marketer or an admin";
		rc = TD_ERR_BAD_REQUEST;
	}
	return rc;
}

static int
assign_apply(struct op_ctx *ctx, struct store_request *r,
	     const struct td_user *to)
{
	int64_t me = ctx->s->user.id, from = r->assignee;
	struct jw w;
	int rc;

	r->assignee = ctx->req->assignee;
	r->updated_at = util_now_ms();
	rc = request_save(ctx->srv->store, r);
	if (rc == 0 && r->assignee != 0)
		rc = conv_watch(ctx, r->conv, r->assignee, me, true);
	if (rc == 0 && r->assignee != 0)
		rc = system_line(ctx, me, r->conv,
				 "assigned this request to @%s", to->handle);
	else if (rc == 0)
		rc = system_line(ctx, me, r->conv, "unassigned this request");
	if (rc != 0)
		return rc;
	change_open(ctx->srv, &w, r, "assign", me);
	jw_kint(&w, "from", from);
	jw_kint(&w, "to", r->assignee);
	return change_commit(ctx->srv, &w);
}

int
h_request_assign(struct op_ctx *ctx)
{
	struct store_request r;
	struct td_user to;
	int rc = check_marketer(ctx, "only marketers and admins can assign "
				     "requests");

	if (rc != 0)
		return rc;
	rc = request_load(ctx, ctx->req->request, &r);
	if (rc == 0)
		rc = check_editable(ctx, &r);
	if (rc == 0)
		rc = check_assignee(ctx, ctx->req->assignee, &to);
	if (rc == 0 && r.assignee != ctx->req->assignee)
		rc = assign_apply(ctx, &r, &to);
	if (rc == 0)
		reply_request(ctx, &r);
	store_request_fini(&r);
	return rc;
}

int
h_request_watch(struct op_ctx *ctx)
{
	int64_t me = ctx->s->user.id;
	bool watch = ctx->req->watch;
	struct store_request r;
	int rc = request_load(ctx, ctx->req->request, &r);

	if (rc == 0 && !watch && me == r.requester) {
		ctx->why = "the requester always watches the request";
		rc = TD_ERR_CONFLICT;
	}
	if (rc == 0)
		rc = conv_watch(ctx, r.conv, me, me, watch);
	if (rc == 0) {
		reply_request(ctx, &r);
		jw_kbool(ctx->out, "watching", watch);
	}
	store_request_fini(&r);
	return rc;
}

/* request.delivered, with the asset, to everyone the delivery concerns. */
static int
deliver_notify(struct op_ctx *ctx, const struct store_request *r)
{
	struct id_set to = { NULL, 0, 0 };
	struct jw w;
	int rc = store_request_audience(ctx->srv->store, r->id, id_set_add,
					&to);

	for (size_t i = 0; rc == 0 && i < to.n; i++) {
		fanout_open(ctx->srv, &w, "request.delivered");
		jw_key(&w, "request");
		write_request(&w, r);
		write_asset(&w, r);
		rc = fanout_commit(ctx->srv, &w, 0, to.ids[i]);
	}
	free(to.ids);
	return rc;
}

int
h_request_deliver(struct op_ctx *ctx)
{
	const struct proto_request *req = ctx->req;
	char line[TD_URL_MAX + TD_NOTE_CHARS * 4 + 64];
	struct store_request r;
	int rc = check_marketer(ctx, "only marketers and admins can deliver "
				     "requests");

	if (rc != 0)
		return rc;
	rc = request_load(ctx, req->request, &r);
	if (rc == 0 && !is_status(&r, DELIVERABLE)) {
		ctx->why = "deliver a request that is accepted, in progress, "
			   "in review or reopened";
		rc = TD_ERR_CONFLICT;
	}
	if (rc == 0) {
		util_strlcpy(r.asset_url, req->url, sizeof(r.asset_url));
		util_strlcpy(r.asset_note, req->note, sizeof(r.asset_note));
		r.asset_at = util_now_ms();
		r.asset_by = ctx->s->user.id;
		snprintf(line, sizeof(line), "delivered this request: %s%s%s",
			 req->url, req->note[0] ? "\n" : "", req->note);
		rc = move_apply(ctx, &r, &ctx->s->user, TD_RS_DELIVERED, "",
				"deliver", line);
	}
	if (rc == 0)
		rc = deliver_notify(ctx, &r);
	if (rc == 0)
		reply_request(ctx, &r);
	store_request_fini(&r);
	return rc;
}

/* After delivery: delivered, or closed with an asset. */
static int
check_verdict(struct op_ctx *ctx, const struct store_request *r)
{
	const struct td_user *me = &ctx->s->user;

	if (me->id != r->requester && me->team != TD_TEAM_SALES) {
		ctx->why = "only the requester and sales reps can record a "
			   "verdict";
		return TD_ERR_FORBIDDEN;
	}
	if (!is_status(r, ST(DELIVERED) | ST(CLOSED)) ||
	    r->asset_url[0] == '\0') {
		ctx->why = "verdicts can be recorded once the asset is "
			   "delivered";
		return TD_ERR_CONFLICT;
	}
	return 0;
}

int
h_request_verdict(struct op_ctx *ctx)
{
	const struct proto_request *req = ctx->req;
	const char *name = td_enum_name(&td_enum_verdict, req->verdict);
	struct store_verdict v;
	struct store_request r;
	struct jw w;
	int rc = request_load(ctx, req->request, &r);

	if (rc == 0)
		rc = check_verdict(ctx, &r);
	memset(&v, 0, sizeof(v));
	v.user = ctx->s->user.id;
	v.verdict = req->verdict;
	util_strlcpy(v.note, req->note, sizeof(v.note));
	util_strlcpy(v.deal, req->deal, sizeof(v.deal));
	v.created_at = util_now_ms();
	if (rc == 0)
		rc = store_verdict_put(ctx->srv->store, r.id, &v);
	if (rc == 0)
		rc = request_save(ctx->srv->store, &r);
	if (rc == 0)
		rc = system_line(ctx, v.user, r.conv,
				 "recorded a verdict on the asset: "
				 "%s%s%s%s%s%s",
				 name, v.deal[0] ? " (deal: " : "", v.deal,
				 v.deal[0] ? ")" : "", v.note[0] ? "\n" : "",
				 v.note);
	if (rc == 0) {
		change_open(ctx->srv, &w, &r, "verdict", v.user);
		jw_kstr(&w, "verdict", name);
		rc = change_commit(ctx->srv, &w);
	}
	if (rc == 0) {
		reply_request(ctx, &r);
		jw_key(ctx->out, "verdict");
		verdict_one(ctx->out, &v);
	}
	store_request_fini(&r);
	return rc;
}

/* Link feedback to r as `by`: when new, a system line and an event. */
static int
link_apply(struct op_ctx *ctx, struct store_request *r, int64_t feedback,
	   int64_t by)
{
	struct store *st = ctx->srv->store;
	bool added = false;
	struct jw w;
	int rc = store_request_link(st, r->id, feedback, util_now_ms(),
				    &added);

	if (rc == TD_ERR_NOT_FOUND)
		ctx->why = "no such feedback item";
	if (rc != 0 || !added)
		return rc;
	rc = request_save(st, r);
	if (rc == 0)
		rc = system_line(ctx, by, r->conv,
				 "linked feedback #%lld to this request",
				 (long long)feedback);
	if (rc == 0)
		rc = feedback_linked(ctx, feedback, r->id, r->title);
	if (rc != 0)
		return rc;
	change_open(ctx->srv, &w, r, "link", by);
	jw_kint(&w, "feedback", feedback);
	return change_commit(ctx->srv, &w);
}

int
h_request_link(struct op_ctx *ctx)
{
	struct store_request r;
	int rc = check_marketer(ctx, "only marketers and admins can link "
				     "feedback to requests");

	if (rc != 0)
		return rc;
	rc = request_load(ctx, ctx->req->request, &r);
	if (rc == 0)
		rc = link_apply(ctx, &r, ctx->req->feedback, ctx->s->user.id);
	if (rc == 0)
		reply_request(ctx, &r);
	store_request_fini(&r);
	return rc;
}

/* ---- SLA targets ---- */

static void
write_target(struct jw *w, int priority, int64_t fr_ms, int64_t dl_ms)
{
	jw_obj_open(w);
	jw_kstr(w, "priority", td_enum_name(&td_enum_priority, priority));
	jw_kint(w, "first_response", fr_ms / MINUTE_MS);
	jw_kint(w, "delivery", dl_ms / MINUTE_MS);
	jw_obj_close(w);
}

static int
target_one(void *arg, int priority, int64_t fr_ms, int64_t dl_ms)
{
	write_target(arg, priority, fr_ms, dl_ms);
	return 0;
}

int
h_sla_get(struct op_ctx *ctx)
{
	int rc;

	jw_key(ctx->out, "targets");
	jw_arr_open(ctx->out);
	rc = store_sla_list(ctx->srv->store, target_one, ctx->out);
	jw_arr_close(ctx->out);
	return rc;
}

int
h_sla_set(struct op_ctx *ctx)
{
	const struct proto_request *req = ctx->req;
	int64_t fr_ms = (int64_t)req->first_response * MINUTE_MS;
	int64_t dl_ms = (int64_t)req->delivery * MINUTE_MS;
	struct jw w;
	int rc;

	if (ctx->s->user.role != TD_ROLE_ADMIN) {
		ctx->why = "only admins can change SLA targets";
		return TD_ERR_FORBIDDEN;
	}
	if (req->first_response > req->delivery) {
		ctx->why = "field 'first_response' must not exceed 'delivery'";
		return TD_ERR_BAD_REQUEST;
	}
	rc = store_sla_set(ctx->srv->store, req->priority, fr_ms, dl_ms);
	if (rc != 0)
		return rc;
	fanout_open(ctx->srv, &w, "sla.update");
	jw_key(&w, "target");
	write_target(&w, req->priority, fr_ms, dl_ms);
	jw_kint(&w, "by", ctx->s->user.id);
	rc = fanout_commit(ctx->srv, &w, 0, 0);
	if (rc == 0) {
		jw_key(ctx->out, "target");
		write_target(ctx->out, req->priority, fr_ms, dl_ms);
	}
	return rc;
}

/* ---- from feedback ---- */

/* The request kind a feedback kind most often calls for. */
static int
kind_for_feedback(int feedback_kind)
{
	switch (feedback_kind) {
	case TD_FK_COMPETITOR:
	case TD_FK_OBJECTION:
	case TD_FK_LOST_REASON:
		return TD_RK_BATTLE_CARD;
	case TD_FK_TESTIMONIAL:
		return TD_RK_CASE_STUDY;
	case TD_FK_PAIN_POINT:
	case TD_FK_PRODUCT_FIT:
		return TD_RK_ONE_PAGER;
	default:
		return TD_RK_OTHER;
	}
}

/*
 * The body of a request made from feedback: the caller's text (if any),
 * then the customer's words quoted line by line ("> "), cut to
 * TD_MAX_BODY bytes at a character boundary. Returns a heap string.
 */
static char *
quote_feedback(const char *intro, const char *words, int64_t id,
	       const char *kind, const char *author)
{
	size_t cap = strlen(intro) + 3 * strlen(words) + 256;
	char *out = xmalloc(cap);
	size_t n = (size_t)snprintf(out, cap,
				    "%s%sFrom feedback #%lld (%s) by @%s:\n> ",
				    intro, intro[0] ? "\n\n" : "",
				    (long long)id, kind, author);

	for (const char *p = words; *p != '\0' && n + 3 < cap; p++) {
		out[n++] = *p;
		if (*p == '\n' && p[1] != '\0') {
			out[n++] = '>';
			out[n++] = ' ';
		}
	}
	if (n > TD_MAX_BODY) {
		n = TD_MAX_BODY;
		while (n > 0 && ((unsigned char)out[n] & 0xc0) == 0x80)
			n--;
	}
	out[n] = '\0';
	return out;
}

/* A new request from feedback item `fb`: the fields the caller gave,
 * the rest from the feedback. */
static int
request_from_feedback(struct op_ctx *ctx,
		      const struct store_feedback_source *fb,
		      struct store_request *r)
{
	const struct proto_request *req = ctx->req;
	struct td_user author;
	int rc = store_user_get(ctx->srv->store, fb->author, &author);

	if (rc != 0)
		return rc;
	memset(r, 0, sizeof(*r));
	r->kind = (req->present & PF_KIND) ? req->sub_kind
					   : kind_for_feedback(fb->kind);
	if (req->present & PF_TITLE)
		util_strlcpy(r->title, req->title, sizeof(r->title));
	else if (fb->title[0] != '\0')
		util_strlcpy(r->title, fb->title, sizeof(r->title));
	else
		snprintf(r->title, sizeof(r->title), "Feedback #%lld: %s",
			 (long long)req->feedback,
			 td_enum_name(&td_enum_feedback_kind, fb->kind));
	r->body = quote_feedback(req->body != NULL ? req->body : "",
				 fb->body, req->feedback,
				 td_enum_name(&td_enum_feedback_kind, fb->kind),
				 author.handle);
	util_strlcpy(r->account, fb->account, sizeof(r->account));
	r->stage = fb->stage;
	r->value = fb->value;
	r->due = req->due;
	r->priority = (req->present & PF_PRIORITY) ? req->priority
						    : TD_PRIO_NORMAL;
	r->requester = ctx->s->user.id;
	util_strlcpy(r->nonce, req->nonce, sizeof(r->nonce));
	return 0;
}

/* A retry answers the request made from the same feedback item. */
static int
to_request_retry(struct op_ctx *ctx, const struct store_request *old)
{
	for (size_t i = 0; i < old->n_feedback; i++) {
		if (old->feedback[i] == ctx->req->feedback) {
			reply_request(ctx, old);
			return 0;
		}
	}
	return TD_ERR_NONCE_CONFLICT;
}

int
h_feedback_to_request(struct op_ctx *ctx)
{
	int64_t me = ctx->s->user.id, fb_id = ctx->req->feedback;
	struct store *st = ctx->srv->store;
	struct store_feedback_source fb;
	struct store_request r, old;
	bool added;
	int rc = nonce_lookup(ctx, &old);

	memset(&r, 0, sizeof(r));
	memset(&fb, 0, sizeof(fb));
	if (rc == 1)
		rc = to_request_retry(ctx, &old);
	else if (rc == 0)
		rc = check_due(ctx);
	if (rc == 0 && old.id == 0) {
		rc = store_feedback_source(st, fb_id, &fb);
		if (rc == TD_ERR_NOT_FOUND)
			ctx->why = "no such feedback item";
		if (rc == 0)
			rc = request_from_feedback(ctx, &fb, &r);
		if (rc == 0)
			rc = request_insert(ctx, &r);
		if (rc == 0)
			rc = store_request_link(st, r.id, fb_id, r.created_at,
						&added);
		if (rc == 0)
			rc = system_line(ctx, me, r.conv,
					 "filed this request from feedback "
					 "#%lld",
					 (long long)fb_id);
		if (rc == 0)
			rc = request_filed(ctx, &r);
		if (rc == 0)
			rc = feedback_linked(ctx, fb_id, r.id, r.title);
	}
	free(fb.body);
	store_request_fini(&r);
	store_request_fini(&old);
	return rc;
}

/* ---- SLA breaches ---- */

/* request.sla_breach to the assignee and the requester's team, then
 * request.update to everyone. */
static int
breach_announce(struct server *srv, const struct store_request *r,
		int clock, const struct store_sla_clock *c)
{
	struct id_set to = { NULL, 0, 0 };
	struct td_user requester;
	struct jw w;
	int rc = store_user_get(srv->store, r->requester, &requester);

	if (rc == 0 && r->assignee != 0)
		id_set_add(&to, r->assignee);
	if (rc == 0)
		rc = store_team_users(srv->store, requester.team, id_set_add,
				      &to);
	for (size_t i = 0; rc == 0 && i < to.n; i++) {
		fanout_open(srv, &w, "request.sla_breach");
		jw_key(&w, "request");
		write_request(&w, r);
		jw_kstr(&w, "clock", clock_names[clock]);
		jw_kint(&w, "due_at", c->due_at);
		rc = fanout_commit(srv, &w, 0, to.ids[i]);
	}
	free(to.ids);
	if (rc != 0)
		return rc;
	change_open(srv, &w, r, "sla_breach", 0);
	jw_kstr(&w, "clock", clock_names[clock]);
	return change_commit(srv, &w);
}

/* Breach one clock at exactly its due time, in its own savepoint. */
static int
breach_fire(struct server *srv, int64_t id, int clock)
{
	struct store_request r;
	struct store_sla_clock *c;
	int rc = batch_write_begin(srv);

	if (rc != 0)
		return rc;
	memset(&r, 0, sizeof(r));
	rc = store_request_get(srv->store, id, &r);
	if (rc == 0) {
		c = clock == 0 ? &r.fr : &r.dl;
		c->breached_at = c->due_at;
		rc = request_save(srv->store, &r);
	}
	if (rc == 0)
		rc = breach_announce(srv, &r, clock,
				     clock == 0 ? &r.fr : &r.dl);
	batch_write_end(srv, rc == 0);
	store_request_fini(&r);
	return rc;
}

int64_t
request_timers(struct server *srv, int64_t now)
{
	int64_t due, id;
	int clock, rc;

	for (int n = 0; n <= BREACH_FIRE_MAX; n++) {
		rc = store_sla_next(srv->store, &due, &id, &clock);
		if (rc != 0)
			return 0;
		if (now == 0 || due > now || n == BREACH_FIRE_MAX)
			return due;
		rc = breach_fire(srv, id, clock);
		if (rc != 0) {
			util_log("request: SLA breach of request %lld failed "
				 "(%s)",
				 (long long)id, td_err_code(rc));
			return due;
		}
	}
	return 0;
}
