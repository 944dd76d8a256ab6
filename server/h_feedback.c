/*
 * h_feedback.c: feedback items, what reps hear from customers (pain
 * points, objections, lost reasons, competitors...): feedback.create,
 * feedback.get, feedback.list (the marketing inbox), feedback.vote and
 * feedback.unvote ("me too"), feedback.status and feedback.spikes.
 *
 * Each item owns a conversation (kind feedback, open to everyone) that
 * holds its discussion; its author and every voter are members, so they
 * watch it. Anyone files and votes (not on their own item); marketers
 * (team marketing) and admins move the status, forward only:
 *
 *   new --> acknowledged --> planned --> done --> closed
 *
 * Any later status may be set at once (new -> planned skips a step, and
 * closed is reachable from every other status); the same or an earlier
 * one is a conflict. A closed item takes no votes and loses none.
 *
 * Every change (created, vote, unvote, status) is a feedback.update with
 * the whole item to everyone, so inboxes stay live. A status change is
 * also a system line in the conversation and a feedback.status to the
 * author and to each voter, one event per user. Items in broadcast events
 * carry no "voted" (it depends on who looks); feedback.status, being per
 * user, does.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fanout.h"
#include "handlers.h"
#include "server.h"
#include "session.h"
#include "store.h"
#include "store_feedback.h"
#include "util.h"

/* A title made from the body: its first line, cut near this many
 * characters at a word boundary when there is one in the second half. */
#define AUTO_TITLE_CHARS 80

static bool
is_marketer(const struct td_user *u)
{
	return u->team == TD_TEAM_MARKETING || u->role == TD_ROLE_ADMIN;
}

/* The byte length of the UTF-8 sequence starting with `c` (valid text). */
static size_t
utf8_seq_len(unsigned char c)
{
	if (c < 0x80)
		return 1;
	if (c < 0xe0)
		return 2;
	return c < 0xf0 ? 3 : 4;
}

/* U+202A..U+202E and U+2066..U+2069: one-line text refuses them. */
static bool
is_bidi_seq(const unsigned char *p)
{
	return p[0] == 0xe2 &&
	       ((p[1] == 0x80 && p[2] >= 0xaa && p[2] <= 0xae) ||
		(p[1] == 0x81 && p[2] >= 0xa6 && p[2] <= 0xa9));
}

/*
 * The title of an item filed without one: the body's first non-blank
 * line, tabs as spaces, bidi controls dropped, cut to AUTO_TITLE_CHARS
 * characters (at the last space when it lies in the second half) and
 * then ended with an ellipsis. out holds at least TD_TITLE_CHARS * 4 + 1.
 */
static void
title_from_body(const char *body, char *out)
{
	const unsigned char *p = (const unsigned char *)body;
	size_t len = 0, chars = 0, cut = 0, cut_chars = 0;
	bool more = false;

	while (*p == ' ' || *p == '\t' || *p == '\n')
		p++;
	while (*p != '\0' && *p != '\n') {
		size_t k = utf8_seq_len(*p);

		if (k == 3 && is_bidi_seq(p)) {
			p += k;
			continue;
		}
		if (*p == ' ' || *p == '\t') {
			cut = len;
			cut_chars = chars;
		}
		if (chars == AUTO_TITLE_CHARS) {
			more = true;
			break;
		}
		memcpy(out + len, p, k);
		if (*p == '\t')
			out[len] = ' ';
		len += k;
		chars++;
		p += k;
	}
	if (more && cut_chars >= AUTO_TITLE_CHARS / 2)
		len = cut;
	while (len > 0 && out[len - 1] == ' ')
		len--;
	if (more) {
		memcpy(out + len, "\xe2\x80\xa6", 3); /* U+2026 */
		len += 3;
	}
	out[len] = '\0';
	if (len == 0) /* the line held only bidi controls */
		util_strlcpy(out, "untitled", TD_TITLE_CHARS * 4 + 1);
}

/* The members of the Feedback object; voted < 0 leaves "voted" out. */
static void
write_fields(struct jw *w, const struct store_feedback *f, int voted)
{
	jw_kint(w, "id", f->id);
	jw_kint(w, "conv", f->conv);
	jw_kstr(w, "kind", td_enum_name(&td_enum_feedback_kind, f->kind));
	jw_kstr(w, "title", f->title);
	jw_kstr(w, "body", f->body);
	jw_kstr(w, "account", f->account);
	jw_kstr(w, "competitor", f->competitor);
	jw_kstr(w, "stage", td_enum_name(&td_enum_deal_stage, f->stage));
	jw_kint(w, "value", f->value);
	jw_kstr(w, "status", td_enum_name(&td_enum_feedback_status, f->status));
	jw_kint(w, "author", f->author);
	jw_kint(w, "created_at", f->created_at);
	jw_kint(w, "updated_at", f->updated_at);
	jw_kint(w, "votes", f->votes);
	jw_key(w, "weights");
	jw_obj_open(w);
	for (int i = 0; i < td_enum_weight.n; i++)
		jw_kint(w, td_enum_name(&td_enum_weight, i), f->weights[i]);
	jw_obj_close(w);
	jw_key(w, "accounts");
	jw_arr_open(w);
	for (size_t i = 0; i < f->n_accounts; i++)
		jw_str(w, f->accounts[i]);
	jw_arr_close(w);
	jw_kint(w, "value_total", f->value_total);
	if (voted >= 0)
		jw_kbool(w, "voted", voted != 0);
	jw_key(w, "requests");
	jw_arr_open(w);
	for (size_t i = 0; i < f->n_requests; i++)
		jw_int(w, f->requests[i]);
	jw_arr_close(w);
}

static void
write_feedback(struct jw *w, const struct store_feedback *f, int voted)
{
	jw_obj_open(w);
	write_fields(w, f, voted);
	jw_obj_close(w);
}

/* One entry of vote_list. */
static int
write_vote(void *arg, const struct store_feedback_vote *v)
{
	struct jw *w = arg;

	jw_obj_open(w);
	jw_kint(w, "user", v->user);
	jw_kstr(w, "account", v->account);
	jw_kstr(w, "weight", td_enum_name(&td_enum_weight, v->weight));
	jw_kint(w, "value", v->value);
	jw_kstr(w, "stage", td_enum_name(&td_enum_deal_stage, v->stage));
	jw_kint(w, "created_at", v->created_at);
	jw_obj_close(w);
	return 0;
}

/* Item `id` as the caller sees it; not_found when there is none. */
static int
feedback_load(struct op_ctx *ctx, int64_t id, struct store_feedback *f)
{
	return store_feedback_get(ctx->srv->store, id, ctx->s->user.id, f);
}

/* feedback.update to everyone: the item as it is, what changed, by whom. */
static int
feedback_broadcast(struct op_ctx *ctx, const struct store_feedback *f,
		   const char *change)
{
	struct jw w;

	fanout_open(ctx->srv, &w, "feedback.update");
	jw_key(&w, "feedback");
	write_feedback(&w, f, -1);
	jw_kstr(&w, "change", change);
	jw_kint(&w, "by", ctx->s->user.id);
	return fanout_commit(ctx->srv, &w, 0, 0);
}

/*
 * After a change: reload the item, tell everyone (feedback.update with
 * what changed and who changed it) and answer the caller with the item.
 */
static int
feedback_changed(struct op_ctx *ctx, int64_t id, const char *change)
{
	struct store_feedback f;
	int rc = feedback_load(ctx, id, &f);

	if (rc != 0)
		return rc;
	rc = feedback_broadcast(ctx, &f, change);
	if (rc == 0) {
		jw_key(ctx->out, "feedback");
		write_feedback(ctx->out, &f, f.voted);
	}
	store_feedback_fini(&f);
	return rc;
}

int
feedback_linked(struct op_ctx *ctx, int64_t id, int64_t request,
		const char *title)
{
	struct store_feedback f;
	char line[TD_TITLE_CHARS * 4 + 64];
	int rc = feedback_load(ctx, id, &f);

	if (rc != 0)
		return rc;
	snprintf(line, sizeof(line), "linked this feedback to request #%lld: %s",
		 (long long)request, title);
	rc = msg_post_system(ctx, ctx->s->user.id, f.conv, line, NULL);
	if (rc == 0)
		rc = feedback_broadcast(ctx, &f, "link");
	store_feedback_fini(&f);
	return rc;
}

/* The item a feedback.create describes (body borrowed from the request). */
static void
feedback_from_request(struct proto_request *req, int64_t author,
		      struct store_feedback *f)
{
	memset(f, 0, sizeof(*f));
	f->kind = req->sub_kind;
	if (req->present & PF_TITLE)
		util_strlcpy(f->title, req->title, sizeof(f->title));
	else
		title_from_body(req->body, f->title);
	f->body = req->body;
	util_strlcpy(f->account, req->account, sizeof(f->account));
	util_strlcpy(f->competitor, req->competitor, sizeof(f->competitor));
	f->stage = (req->present & PF_STAGE) ? req->stage : TD_STAGE_NONE;
	f->value = (req->present & PF_VALUE) ? req->value : 0;
	f->author = author;
	util_strlcpy(f->nonce, req->nonce, sizeof(f->nonce));
}

/* Whether a retry describes the item its nonce filed. */
static bool
feedback_same(const struct store_feedback *a, const struct store_feedback *b)
{
	return a->kind == b->kind && strcmp(a->body, b->body) == 0 &&
	       strcmp(a->title, b->title) == 0 &&
	       strcmp(a->account, b->account) == 0 &&
	       strcmp(a->competitor, b->competitor) == 0 &&
	       a->stage == b->stage && a->value == b->value;
}

/*
 * A retry of feedback.create (the nonce is known): the original item when
 * it says the same, nonce_conflict otherwise. Stores and announces
 * nothing.
 */
static int
create_retry(struct op_ctx *ctx, const struct store_feedback *want,
	     const struct store_feedback *had)
{
	if (!feedback_same(want, had)) {
		ctx->why = "that nonce filed other feedback: use a new nonce";
		return TD_ERR_NONCE_CONFLICT;
	}
	jw_key(ctx->out, "feedback");
	write_feedback(ctx->out, had, had->voted);
	return 0;
}

int
h_feedback_create(struct op_ctx *ctx)
{
	struct store *st = ctx->srv->store;
	int64_t user = ctx->s->user.id;
	struct store_feedback f, had;
	int rc;

	feedback_from_request(ctx->req, user, &f);
	if (f.nonce[0] != '\0') {
		rc = store_feedback_by_nonce(st, user, f.nonce, &had);
		if (rc == 0) {
			rc = create_retry(ctx, &f, &had);
			store_feedback_fini(&had);
			return rc;
		}
		if (rc != TD_ERR_NOT_FOUND)
			return rc;
	}
	rc = conv_open_record(ctx, TD_CONV_FEEDBACK, user, f.title, &f.conv);
	if (rc != 0)
		return rc;
	f.created_at = util_now_ms();
	rc = store_feedback_add(st, &f);
	return rc != 0 ? rc : feedback_changed(ctx, f.id, "created");
}

int
h_feedback_get(struct op_ctx *ctx)
{
	struct store_feedback f;
	int rc;

	if (ctx->req->present & PF_CONV) {
		rc = store_feedback_by_conv(ctx->srv->store, ctx->req->conv,
					    ctx->s->user.id, &f);
		if (rc == TD_ERR_NOT_FOUND)
			ctx->why = "no feedback owns that conversation";
	} else {
		rc = feedback_load(ctx, ctx->req->feedback, &f);
	}
	if (rc != 0)
		return rc;
	jw_key(ctx->out, "feedback");
	jw_obj_open(ctx->out);
	write_fields(ctx->out, &f, f.voted);
	jw_key(ctx->out, "vote_list");
	jw_arr_open(ctx->out);
	rc = store_feedback_votes(ctx->srv->store, f.id, write_vote, ctx->out);
	jw_arr_close(ctx->out);
	jw_obj_close(ctx->out);
	store_feedback_fini(&f);
	return rc;
}

static int
list_one(void *arg, const struct store_feedback *f)
{
	write_feedback(arg, f, f->voted);
	return 0;
}

static enum store_feedback_sort
list_sort(const struct proto_request *req)
{
	if (!(req->present & PF_SORT))
		return STORE_FB_SORT_VOTES;
	if (strcmp(req->sort, "value") == 0)
		return STORE_FB_SORT_VALUE;
	if (strcmp(req->sort, "newest") == 0)
		return STORE_FB_SORT_NEWEST;
	return STORE_FB_SORT_VOTES;
}

int
h_feedback_list(struct op_ctx *ctx)
{
	const struct proto_request *req = ctx->req;
	struct store_feedback_query q = {
		.viewer = ctx->s->user.id,
		.kind = (req->present & PF_KIND) ? req->sub_kind : -1,
		.status = (req->present & PF_STATUS) ? req->status : -1,
		.account = req->account,
		.competitor = req->competitor,
		.created_after = (req->present & PF_CREATED_AFTER)
					 ? req->created_after
					 : -1,
		.created_before = (req->present & PF_CREATED_BEFORE)
					  ? req->created_before
					  : 0,
		.sort = list_sort(req),
		.limit = req->limit,
		.offset = req->offset,
	};
	bool more = false;
	int rc;

	jw_key(ctx->out, "feedback");
	jw_arr_open(ctx->out);
	rc = store_feedback_list(ctx->srv->store, &q, &more, list_one,
				 ctx->out);
	jw_arr_close(ctx->out);
	jw_kbool(ctx->out, "more", more);
	return rc;
}

/*
 * Load the item a vote or an unvote is about: not_found when there is
 * none, conflict when it is closed or (for a vote) the caller filed it.
 * *conv (when not NULL) gets its conversation.
 */
static int
vote_target(struct op_ctx *ctx, bool vote, int64_t *conv)
{
	struct store_feedback f;
	int rc = feedback_load(ctx, ctx->req->feedback, &f);

	if (rc != 0)
		return rc;
	if (vote && f.author == ctx->s->user.id) {
		ctx->why = "you filed it: it counts your account already";
		rc = TD_ERR_CONFLICT;
	} else if (f.status == TD_FS_CLOSED) {
		ctx->why = "the feedback is closed: file new feedback instead";
		rc = TD_ERR_CONFLICT;
	}
	if (conv != NULL)
		*conv = f.conv;
	store_feedback_fini(&f);
	return rc;
}

int
h_feedback_vote(struct op_ctx *ctx)
{
	const struct proto_request *req = ctx->req;
	int64_t user = ctx->s->user.id;
	struct store_feedback_vote v;
	int64_t conv;
	int rc = vote_target(ctx, true, &conv);

	if (rc != 0)
		return rc;
	memset(&v, 0, sizeof(v));
	v.feedback = req->feedback;
	v.user = user;
	util_strlcpy(v.account, req->account, sizeof(v.account));
	v.weight = req->weight;
	v.value = (req->present & PF_VALUE) ? req->value : 0;
	v.stage = (req->present & PF_STAGE) ? req->stage : TD_STAGE_NONE;
	v.created_at = util_now_ms();
	rc = store_feedback_vote_set(ctx->srv->store, &v);
	if (rc == 0)
		rc = conv_watch(ctx, conv, user, user, true);
	return rc != 0 ? rc : feedback_changed(ctx, req->feedback, "vote");
}

int
h_feedback_unvote(struct op_ctx *ctx)
{
	int64_t id = ctx->req->feedback;
	int rc = vote_target(ctx, false, NULL);

	if (rc != 0)
		return rc;
	rc = store_feedback_vote_remove(ctx->srv->store, id, ctx->s->user.id,
					util_now_ms());
	if (rc == TD_ERR_NOT_FOUND)
		ctx->why = "you have not voted for it";
	return rc != 0 ? rc : feedback_changed(ctx, id, "unvote");
}

/* The users a status change is for: the author, then each voter. */
struct people {
	int64_t *ids;
	size_t n, cap;
};

static void
people_push(struct people *p, int64_t user)
{
	if (p->n == p->cap) {
		p->cap = p->cap ? p->cap * 2 : 16;
		p->ids = xrealloc(p->ids, p->cap * sizeof(*p->ids));
	}
	p->ids[p->n++] = user;
}

static int
people_add_voter(void *arg, const struct store_feedback_vote *v)
{
	people_push(arg, v->user);
	return 0;
}

/* feedback.status to one user: the item as that user sees it. */
static int
status_event(struct op_ctx *ctx, const struct store_feedback *f, int from,
	     int64_t user)
{
	struct jw w;

	fanout_open(ctx->srv, &w, "feedback.status");
	jw_key(&w, "feedback");
	write_feedback(&w, f, user != f->author);
	jw_kstr(&w, "from", td_enum_name(&td_enum_feedback_status, from));
	jw_kstr(&w, "to", td_enum_name(&td_enum_feedback_status, f->status));
	jw_kint(&w, "by", ctx->s->user.id);
	return fanout_commit(ctx->srv, &w, 0, user);
}

/* After a status change: feedback.status to the author and each voter.
 * The voters are read first: events are store writes, which must not
 * happen while the listing runs. */
static int
status_events(struct op_ctx *ctx, int64_t id, int from)
{
	struct store_feedback f;
	struct people p = { NULL, 0, 0 };
	int rc = store_feedback_get(ctx->srv->store, id, 0, &f);

	if (rc != 0)
		return rc;
	people_push(&p, f.author);
	rc = store_feedback_votes(ctx->srv->store, id, people_add_voter, &p);
	for (size_t i = 0; rc == 0 && i < p.n; i++)
		rc = status_event(ctx, &f, from, p.ids[i]);
	free(p.ids);
	store_feedback_fini(&f);
	return rc;
}

/* Move item f (as it was) to status `to`: the store, a system line in
 * its conversation, then the events. */
static int
status_apply(struct op_ctx *ctx, const struct store_feedback *f, int to)
{
	char line[96];
	int rc = store_feedback_set_status(ctx->srv->store, f->id, to,
					   util_now_ms());

	snprintf(line, sizeof(line), "changed the status from %s to %s",
		 td_enum_name(&td_enum_feedback_status, f->status),
		 td_enum_name(&td_enum_feedback_status, to));
	if (rc == 0)
		rc = msg_post_system(ctx, ctx->s->user.id, f->conv, line, NULL);
	if (rc == 0)
		rc = status_events(ctx, f->id, f->status);
	return rc != 0 ? rc : feedback_changed(ctx, f->id, "status");
}

int
h_feedback_status(struct op_ctx *ctx)
{
	const struct proto_request *req = ctx->req;
	struct store_feedback f;
	int from;
	int rc = feedback_load(ctx, req->feedback, &f);

	if (rc != 0)
		return rc;
	from = f.status;
	if (!is_marketer(&ctx->s->user)) {
		ctx->why = "only marketers and admins set it: ask marketing";
		rc = TD_ERR_FORBIDDEN;
	} else if (req->status <= from) {
		ctx->why = "pick a later status: new, acknowledged, planned, "
			   "done, closed";
		rc = TD_ERR_CONFLICT;
	}
	if (rc == 0)
		rc = status_apply(ctx, &f, req->status);
	store_feedback_fini(&f);
	return rc;
}

/* Two decimals are plenty for a ratio a person reads (ratios are >= 0). */
static double
two_decimals(double v)
{
	return (double)(int64_t)(v * 100 + 0.5) / 100;
}

int
feedback_write_spike(void *arg, const struct store_feedback_spike *sp)
{
	struct jw *w = arg;

	jw_obj_open(w);
	jw_kstr(w, "dimension", sp->kind >= 0 ? "kind" : "competitor");
	jw_kstr(w, "key", sp->key);
	jw_kint(w, "last_7_days", sp->last_7_days);
	jw_kint(w, "prior_4_weeks", sp->prior_4_weeks);
	jw_key(w, "weekly_baseline");
	jw_double(w, sp->weekly_baseline);
	jw_key(w, "ratio");
	jw_double(w, two_decimals(sp->ratio));
	jw_obj_close(w);
	return 0;
}

int
h_feedback_spikes(struct op_ctx *ctx)
{
	int rc;

	jw_key(ctx->out, "spikes");
	jw_arr_open(ctx->out);
	rc = store_feedback_spikes(ctx->srv->store, util_now_ms(),
				   feedback_write_spike,
				   ctx->out);
	jw_arr_close(ctx->out);
	return rc;
}
