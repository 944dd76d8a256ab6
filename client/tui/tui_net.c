/*
 * tui_net.c: the interactive mode's connection. It connects, says hello
 * (resuming with `since` after the first time), keeps requests in flight
 * without waiting for them, routes replies to the model by id and events
 * in seq order, notices a dead connection (close, or a ping left
 * unanswered), and reconnects with backoff.
 *
 * Posts go through an outbox: each has a nonce chosen once; a post made
 * while disconnected waits there and is sent after the next hello, and a
 * post whose reply was lost is sent again with the same nonce, so the
 * server stores it exactly once. This file must never block for more than
 * the connect timeout, and never drop an unacknowledged post.
 *
 *     DOWN --connect ok, send hello--> HELLO --reply ok--> UP
 *       ^                                 |                 |
 *       +------- lost / error ------------+-----------------+
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../util.h"
#include "tui.h"

#define TUI_CONNECT_MS 3000
#define TUI_BACKOFF_MIN_MS 250
#define TUI_BACKOFF_MAX_MS 5000
#define TUI_PING_IDLE_MS 30000
#define TUI_PING_TIMEOUT_MS 10000
#define TUI_POST_RETRY_MS 1000
#define TUI_POSTS_IN_FLIGHT 32

static void tui_net_hello(struct tui *t);

bool
tui_net_ready(const struct tui *t)
{
	return t->conn == TUI_UP;
}

int
tui_net_fd(const struct tui *t)
{
	return t->rpc->net ? net_fd(t->rpc->net) : -1;
}

/* How long the loop may sleep: until the next retry, at most 200 ms. */
int
tui_net_timeout(const struct tui *t)
{
	int64_t left;

	if (t->conn != TUI_DOWN)
		return 200;
	left = t->retry_at - util_now_ms();
	return left < 0 ? 0 : left > 200 ? 200 : (int)left;
}

void
tui_net_begin(struct tui *t, struct jw *w, enum proto_op op)
{
	rpc_begin(t->rpc, w, op);
}

void
tui_net_send(struct tui *t, struct jw *w, enum tui_req what, int64_t arg)
{
	int64_t id = t->rpc->req_id;
	size_t i;

	if (rpc_send(t->rpc, w) != 0)
		return; /* the next receive notices the loss */
	for (i = 0; i < TUI_INFLIGHT_MAX; i++) {
		if (t->inflight[i].what == TUI_REQ_NONE) {
			t->inflight[i].id = id;
			t->inflight[i].what = what;
			t->inflight[i].arg = arg;
			return;
		}
	}
	/* Full: the reply will be ignored, as for a request nobody needs. */
}

/* Send one outbox entry on the current connection. */
static void
tui_post_send(struct tui *t, struct tui_post *p)
{
	struct jw w;

	tui_net_begin(t, &w, PROTO_OP_MSG_SEND);
	jw_kint(&w, "conv", p->conv);
	jw_kstr(&w, "body", p->body);
	jw_kstr(&w, "nonce", p->nonce);
	if (p->thread)
		jw_kint(&w, "thread", p->thread);
	p->req_id = t->rpc->req_id;
	tui_net_send(t, &w, TUI_REQ_SEND, 0);
}

void
tui_net_post(struct tui *t, int64_t conv, int64_t thread, const char *body)
{
	struct tui_post *p = xcalloc(1, sizeof(*p)), **end = &t->outbox;
	char hex[17];

	util_random_hex(hex, 16);
	snprintf(p->nonce, sizeof(p->nonce), "tui-%s", hex);
	p->conv = conv;
	p->thread = thread;
	p->body = xstrdup(body);
	while (*end)
		end = &(*end)->next;
	*end = p; /* the next tick sends it */
	t->dirty = true;
}

/*
 * Send what the outbox holds and this connection has not sent yet, at most
 * TUI_POSTS_IN_FLIGHT awaiting replies at a time, so that a long outbox
 * never fills the table of requests in flight.
 */
static void
tui_outbox_flush(struct tui *t)
{
	int64_t now = util_now_ms();
	struct tui_post *p;
	int busy = 0;

	for (p = t->outbox; p; p = p->next)
		if (p->req_id)
			busy++;
	for (p = t->outbox; p && busy < TUI_POSTS_IN_FLIGHT; p = p->next) {
		if (!p->req_id && now >= p->retry_at) {
			tui_post_send(t, p);
			busy++;
		}
	}
}

/* Drop the outbox entry with this nonce (its message is stored). */
static void
tui_post_done(struct tui *t, const char *nonce)
{
	struct tui_post **pp = &t->outbox;

	while (*pp) {
		struct tui_post *p = *pp;

		if (strcmp(p->nonce, nonce) == 0) {
			*pp = p->next;
			free(p->body);
			free(p);
			t->dirty = true;
			return;
		}
		pp = &p->next;
	}
}

/* True for refusals worth retrying with the same nonce. */
static bool
tui_transient(const char *code)
{
	return strcmp(code, "rate_limited") == 0 || strcmp(code, "busy") == 0 ||
	       strcmp(code, "storage_failed") == 0 ||
	       strcmp(code, "internal") == 0;
}

/* The server refused the post sent as request id: retry it a second later
 * when the refusal is transient, else drop it and say why. */
static void
tui_post_refused(struct tui *t, int64_t req_id, const struct proto_frame *f)
{
	struct tui_post *p;

	for (p = t->outbox; p; p = p->next) {
		if (p->req_id != req_id)
			continue;
		if (tui_transient(f->error_code)) {
			p->req_id = 0;
			p->retry_at = util_now_ms() + TUI_POST_RETRY_MS;
			return;
		}
		tui_notice(t, "not posted: %s", f->error_message);
		tui_post_done(t, p->nonce);
		return;
	}
}

static void
tui_net_lost(struct tui *t, const char *why)
{
	struct tui_post *p;
	size_t i;

	rpc_disconnect(t->rpc);
	t->conn = TUI_DOWN;
	if (t->backoff_ms < TUI_BACKOFF_MIN_MS)
		t->backoff_ms = TUI_BACKOFF_MIN_MS;
	snprintf(t->conn_err, sizeof(t->conn_err), "%s", why);
	memset(t->inflight, 0, sizeof(t->inflight));
	for (p = t->outbox; p; p = p->next)
		p->req_id = 0;
	for (i = 0; i < t->n_convs; i++)
		t->convs[i].loading = false;
	t->list.loading = false;
	t->retry_at = util_now_ms() + t->backoff_ms;
	t->backoff_ms = t->backoff_ms * 2 > TUI_BACKOFF_MAX_MS
				? TUI_BACKOFF_MAX_MS
				: t->backoff_ms * 2;
	t->dirty = true;
}

static void
tui_net_connect(struct tui *t)
{
	char why[256];

	rpc_disconnect(t->rpc);
	if (net_open(&t->rpc->url, t->rpc->insecure, TUI_CONNECT_MS,
		     &t->rpc->net, why, sizeof(why)) != 0) {
		t->rpc->net = NULL;
		tui_net_lost(t, why);
		return;
	}
	tui_net_hello(t);
}

static void
tui_net_hello(struct tui *t)
{
	struct jw w;

	t->conn = TUI_HELLO;
	tui_net_begin(t, &w, PROTO_OP_HELLO);
	jw_kstr(&w, "token", t->cfg->token);
	if (t->ever_up)
		jw_kint(&w, "since", t->last_seq);
	tui_net_send(t, &w, TUI_REQ_HELLO, 0);
	t->last_rx = util_now_ms();
	t->dirty = true;
}

/* The hello reply: up, then state (first time or resync); the next tick
 * sends the outbox. */
static void
tui_net_hello_reply(struct tui *t, const struct proto_frame *f)
{
	if (f->kind == PROTO_FRAME_ERROR || f->n_users == 0) {
		snprintf(t->rpc->err_code, sizeof(t->rpc->err_code), "%s",
			 f->kind == PROTO_FRAME_ERROR ? f->error_code
						      : "bad_token");
		snprintf(t->rpc->err_msg, sizeof(t->rpc->err_msg),
			 "the server did not accept the token (log in again)");
		t->fatal = TD_ERR_BAD_TOKEN;
		t->quit = true;
		return;
	}
	t->conn = TUI_UP;
	t->backoff_ms = TUI_BACKOFF_MIN_MS;
	t->conn_err[0] = '\0';
	t->me = f->users[0];
	if (!t->ever_up || f->resync) {
		t->last_seq = f->head;
		tui_model_refresh(t);
	}
	t->ever_up = true;
	t->dirty = true;
}

/* Take the in-flight entry for a reply id; false when unknown. */
static bool
tui_inflight_take(struct tui *t, int64_t id, struct tui_inflight *out)
{
	size_t i;

	for (i = 0; i < TUI_INFLIGHT_MAX; i++) {
		if (t->inflight[i].what != TUI_REQ_NONE &&
		    t->inflight[i].id == id) {
			*out = t->inflight[i];
			t->inflight[i].what = TUI_REQ_NONE;
			return true;
		}
	}
	return false;
}

static void
tui_net_reply(struct tui *t, const struct proto_frame *f)
{
	struct tui_inflight req;

	if (!tui_inflight_take(t, f->id, &req))
		return;
	switch (req.what) {
	case TUI_REQ_HELLO: tui_net_hello_reply(t, f); return;
	case TUI_REQ_PING: t->ping_sent = 0; return;
	case TUI_REQ_SEND:
		if (f->kind == PROTO_FRAME_ERROR)
			tui_post_refused(t, f->id, f);
		else if (f->n_messages)
			tui_post_done(t, f->messages[0].nonce);
		break;
	default: break;
	}
	if (f->kind == PROTO_FRAME_ERROR && req.what != TUI_REQ_SEND &&
	    req.what != TUI_REQ_READ)
		tui_notice(t, "%s: %s", f->error_code, f->error_message);
	tui_model_reply(t, req.what, req.arg,
			f->kind == PROTO_FRAME_ERROR ? NULL : f, f->payload);
	t->dirty = true;
}

/* Copy the thread fields of one message object, which the frame decoder
 * of proto.h leaves out, from the frame's payload. */
static void
tui_msg_fill(struct td_message *m, const struct proto_value *o)
{
	m->thread = proto_value_int(proto_value_get(o, "thread"), 0);
	m->reply_count =
		(int)proto_value_int(proto_value_get(o, "reply_count"), 0);
	m->last_reply_at =
		proto_value_int(proto_value_get(o, "last_reply_at"), 0);
	m->system = proto_value_bool(proto_value_get(o, "system"), false);
}

/* The frame's messages in the order proto_decode_frame() put them:
 * "message" first, then the "messages" array. */
static void
tui_frame_fill(struct proto_frame *f, const struct proto_value *d)
{
	const struct proto_value *one = proto_value_get(d, "message");
	const struct proto_value *many = proto_value_get(d, "messages");
	size_t i, k = 0;

	if (proto_value_get(one, "id") && k < f->n_messages)
		tui_msg_fill(&f->messages[k++], one);
	for (i = 0; i < proto_value_len(many) && k < f->n_messages; i++)
		tui_msg_fill(&f->messages[k++], proto_value_at(many, i));
}

static void
tui_net_frame(struct tui *t, struct proto_frame *f)
{
	tui_frame_fill(f, f->payload);
	if (f->kind != PROTO_FRAME_EVENT) {
		tui_net_reply(t, f);
		return;
	}
	if (f->seq > 0 && f->seq <= t->last_seq)
		return; /* already processed */
	if (f->seq > 0)
		t->last_seq = f->seq;
	if (f->n_messages && f->messages[0].nonce[0] &&
	    strcmp(f->event, "message.new") == 0)
		tui_post_done(t, f->messages[0].nonce);
	tui_model_event(t, f, f->payload);
	t->dirty = true;
}

/* A frame this client cannot decode: skip it, but free the request slot
 * of a reply (its id was read) so that it does not wait forever. */
static void
tui_net_unreadable(struct tui *t, const struct proto_frame *f)
{
	struct tui_inflight req;

	if (f->kind != PROTO_FRAME_EVENT && f->id > 0 &&
	    tui_inflight_take(t, f->id, &req))
		tui_model_reply(t, req.what, req.arg, NULL, NULL);
	tui_notice(t, "skipped a frame this client cannot read");
}

/* Read every frame that is ready; notice a lost connection. */
static void
tui_net_drain(struct tui *t)
{
	for (;;) {
		struct proto_frame f;
		int rc = rpc_recv(t->rpc, 0, &f);

		if (rc == 1)
			return;
		if (rc == 0) {
			t->last_rx = util_now_ms();
			tui_net_frame(t, &f);
		} else if (rc == CLI_ERR_PROTO) {
			tui_net_unreadable(t, &f);
		}
		proto_frame_fini(&f);
		if (rc == TD_ERR_BAD_TOKEN) {
			/* Logged out, or the token was revoked: no retry. */
			t->fatal = rc;
			t->quit = true;
			return;
		}
		if (rc != 0 && rc != CLI_ERR_PROTO) {
			tui_net_lost(t, t->rpc->err_msg);
			return;
		}
		if (t->quit)
			return;
	}
}

/* Ping after a quiet spell; a ping left unanswered means a dead link. */
static void
tui_net_keepalive(struct tui *t)
{
	int64_t now = util_now_ms();
	struct jw w;

	if (t->ping_sent && now - t->ping_sent > TUI_PING_TIMEOUT_MS) {
		t->ping_sent = 0;
		tui_net_lost(t, "the server stopped answering");
		return;
	}
	if (t->conn != TUI_UP || t->ping_sent ||
	    now - t->last_rx < TUI_PING_IDLE_MS)
		return;
	tui_net_begin(t, &w, PROTO_OP_PING);
	tui_net_send(t, &w, TUI_REQ_PING, 0);
	t->ping_sent = now;
}

void
tui_net_tick(struct tui *t)
{
	if (t->conn == TUI_DOWN) {
		if (util_now_ms() >= t->retry_at)
			tui_net_connect(t);
		if (t->conn == TUI_DOWN)
			return;
	}
	tui_net_drain(t);
	if (t->conn == TUI_UP)
		tui_outbox_flush(t);
	if (t->conn != TUI_DOWN)
		tui_net_keepalive(t);
}

void
tui_net_fini(struct tui *t)
{
	while (t->outbox) {
		struct tui_post *p = t->outbox;

		t->outbox = p->next;
		free(p->body);
		free(p);
	}
}
