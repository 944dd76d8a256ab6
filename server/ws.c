/*
 * ws.c: the libwebsockets adapter. The only file that includes
 * libwebsockets.h: it owns the lws context, serves web/ over HTTP, accepts
 * WebSocket connections for "tandem.v1" at /ws, checks Origin, hands what
 * it receives to reasm.c (messages reassembled under the size cap), writes
 * one queued frame per writeable callback, pings idle connections and drops
 * dead ones (--keepalive), and runs the end-of-turn flush and the pool
 * drain.
 *
 * It must never write outside the WRITEABLE callback, never buffer more than
 * TD_MAX_FRAME of a message, and never free a session directly (sessions
 * are refcounted; CLOSED only drops the socket's reference).
 */
#include <libwebsockets.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>

#include "batch.h"
#include "fanout.h"
#include "frame.h"
#include "pool.h"
#include "reasm.h"
#include "server.h"
#include "session.h"
#include "util.h"
#include "waker.h"

_Static_assert(LWS_PRE <= FRAME_HEADROOM, "frame headroom below LWS_PRE");

/*
 * lws 4.1.6 keeps LWS_WRITE_CLOSE (4) out of its public enum because
 * lws_close_reason() normally sends the close frame; ws_close_now() needs
 * to send it itself (see there).
 */
#define WS_WRITE_CLOSE ((enum lws_write_protocol)4)

/* Bytes lws reads per receive callback; messages are reassembled. */
#define WS_RX_BUFFER 4096
/* Catch-up refills the queue when it drains below this. */
#define WS_CATCH_UP_LOW 64
/* A closing connection gets this long to take its close frame (a slow
 * consumer must read what is buffered first) before it is dropped. */
#define WS_CLOSE_GRACE_US (30 * LWS_US_PER_SEC)
/*
 * Descriptors kept out of lws's reach: the database and its WAL and shm
 * files, the waker's and lws's own pipes, stdio, and a margin. lws stops
 * accepting (takes POLLIN off the listen socket) when its table is full;
 * if its table were as large as the process limit, accept() would fail
 * with EMFILE first and lws 4.1.6 would retry it in a tight loop, starving
 * every existing connection.
 */
#define WS_FD_RESERVE 24
/* After a hard close frame, the peer's pending bytes get this long. */
#define WS_DRAIN_US (500 * 1000)

struct ws {
	struct lws_context *ctx;
	struct lws_vhost *vh;
	struct lws_http_mount mount;
	lws_sorted_usec_list_t flush_sul;
	lws_sorted_usec_list_t stop_sul;
	lws_sorted_usec_list_t due_sul;	/* ws_timer_at() */
	int64_t due_at;			/* wall-clock ms it is armed for */
	bool due_armed;
	bool flush_pending;
	bool shutting_down;
	bool destroying;
	bool tls;
	int port;
	struct waker *waker;
	lws_retry_bo_t idle;		/* --keepalive: ping, then hang up */
	lws_sorted_usec_list_t tick_sul; /* wakes lws for the idle timers */
	bool ticking;
};

/*
 * Per-connection data, allocated by lws with the wsi. The kill timer lives
 * here (not in the session, which may outlive the wsi) and is cancelled in
 * CLOSED before lws frees it.
 */
struct pss {
	struct session *s;
	struct lws *wsi;
	lws_sorted_usec_list_t kill_sul;
};

static struct server *ws_srv;	/* for the signal callback */
/*
 * True while one of our lws_sul callbacks runs. A timer scheduled from
 * there is not picked up until lws's next wake-up (see waker.h), so
 * ws_schedule_flush() wakes the loop explicitly in that case.
 */
static bool ws_in_timer;

static void
ws_waker_cb(void *arg)
{
	lws_cancel_service(arg);
}

/*
 * The waker works in whole milliseconds and lws in microseconds, so the
 * wake can land up to a millisecond before the timer is ripe; lws then
 * services nothing and re-arms nothing, and the timer waits for lws's next
 * tick (up to 30 s). Waking this much after the deadline avoids that.
 */
#define WS_WAKE_SLACK_MS 2

/*
 * lws_sul_schedule() that also runs on time: see waker.h for why lws 4.1.6
 * on libev needs the loop woken at the deadline.
 */
static void
ws_schedule(struct ws *ws, lws_sorted_usec_list_t *sul, sul_cb_t cb,
	    lws_usec_t us)
{
	lws_sul_schedule(ws->ctx, 0, sul, cb, us);
	if (ws->waker != NULL && us > 1000)
		waker_at(ws->waker, util_mono_ms() + (us + 999) / 1000 +
					    WS_WAKE_SLACK_MS);
}

/* Whether `origin` may open a WebSocket (see PROTOCOL.md "Transport"). */
static bool
ws_origin_allowed(struct server *srv, struct lws *wsi)
{
	char origin[256], host[256], self[300];
	size_t i;

	if (lws_hdr_total_length(wsi, WSI_TOKEN_ORIGIN) <= 0)
		return true; /* not a browser */
	if (lws_hdr_copy(wsi, origin, sizeof(origin), WSI_TOKEN_ORIGIN) < 0)
		return false;
	if (lws_hdr_copy(wsi, host, sizeof(host), WSI_TOKEN_HOST) > 0) {
		snprintf(self, sizeof(self), "%s://%s",
			 srv->ws->tls ? "https" : "http", host);
		if (strcasecmp(origin, self) == 0)
			return true;
	}
	for (i = 0; i < srv->opt.n_allow_origins; i++)
		if (strcasecmp(origin, srv->opt.allow_origins[i]) == 0)
			return true;
	return false;
}

/*
 * Before an upgrade: only GET /ws with the tandem.v1 subprotocol and an
 * allowed Origin. Refusals are answered with an HTTP status (403 for a
 * foreign Origin, 404 for another path, 400 without the subprotocol), so a
 * browser sees why. Returns 0 to allow, 1 when a status was sent.
 */
static int
ws_confirm_upgrade(struct server *srv, struct lws *wsi)
{
	char uri[64], proto[128];
	unsigned int status = 0;

	if (lws_hdr_copy(wsi, uri, sizeof(uri), WSI_TOKEN_GET_URI) < 0 ||
	    strcmp(uri, "/ws") != 0)
		status = HTTP_STATUS_NOT_FOUND;
	else if (!ws_origin_allowed(srv, wsi))
		status = HTTP_STATUS_FORBIDDEN;
	else if (lws_hdr_copy(wsi, proto, sizeof(proto),
			      WSI_TOKEN_PROTOCOL) < 0 ||
		 strstr(proto, TD_PROTOCOL_NAME) == NULL)
		status = HTTP_STATUS_BAD_REQUEST;
	if (status == 0)
		return 0;
	if (lws_return_http_status(wsi, status, NULL) != 0)
		return -1;
	return 1;
}

/*
 * Reassemble one message (reasm.c) and dispatch it once complete. A refused
 * message closes the connection (1009, 1003) as soon as the close frame is
 * out, without waiting for the peer's close (its bytes may be the tail of
 * a frame we will never parse); reasm drops everything after it.
 */
static int
ws_receive(struct server *srv, struct lws *wsi, struct session *s,
	   const char *in, size_t len)
{
	struct reasm_piece p = {
		.data = in,
		.len = len,
		.remaining = lws_remaining_packet_payload(wsi),
		.first = lws_is_first_fragment(wsi),
		.final = lws_is_final_fragment(wsi),
		.binary = lws_frame_is_binary(wsi),
	};

	switch (reasm_feed(&s->rx, &p, TD_MAX_FRAME)) {
	case REASM_DONE:
		dispatch_frame(srv, s, s->rx.buf, s->rx.len);
		reasm_done(&s->rx);
		break;
	case REASM_TOO_BIG:
		session_close(s, CLOSE_TOO_BIG, "message too big");
		break;
	case REASM_BINARY:
		session_close(s, CLOSE_UNSUPPORTED,
			      "binary messages are not accepted");
		break;
	case REASM_MORE:
	case REASM_DROPPED:
		break;
	}
	return 0;
}

/*
 * lws 4.1.6's own per-connection timeouts are only checked when the loop
 * wakes for other reasons, so a closing connection gets its own timer: when
 * it fires (outside any wsi callback) the connection is dropped at once.
 */
static void
ws_kill_cb(lws_sorted_usec_list_t *sul)
{
	struct pss *pss = lws_container_of(sul, struct pss, kill_sul);

	ws_in_timer = true;
	lws_set_timeout(pss->wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_SYNC);
	ws_in_timer = false;
}

static void
ws_kill_after(struct lws *wsi, lws_usec_t us)
{
	struct pss *pss = lws_wsi_user(wsi);

	if (pss == NULL)
		return;
	pss->wsi = wsi;
	ws_schedule(ws_srv->ws, &pss->kill_sul, ws_kill_cb, us);
}

/*
 * Send the close frame ourselves and drop the connection shortly after.
 * Whatever the peer sends meanwhile is read and dropped (RECEIVE ignores a
 * closing session), so the socket is not closed on unread bytes, which
 * would reset the connection and could destroy the close frame before the
 * peer reads it. lws's own close (lws_close_reason) is not used: it waits
 * for a close reply that, after an oversize header, is hidden inside a
 * frame we will never parse.
 */
static int
ws_close_now(struct lws *wsi, struct session *s)
{
	unsigned char buf[LWS_PRE + 2 + sizeof(s->close_reason)];
	size_t n = strlen(s->close_reason);

	buf[LWS_PRE] = (unsigned char)(s->close_code >> 8);
	buf[LWS_PRE + 1] = (unsigned char)(s->close_code & 0xff);
	memcpy(buf + LWS_PRE + 2, s->close_reason, n);
	s->close_sent = true;
	lws_write(wsi, buf + LWS_PRE, 2 + n, WS_WRITE_CLOSE);
	ws_kill_after(wsi, WS_DRAIN_US);
	return 0;
}

static int
ws_writeable(struct server *srv, struct lws *wsi, struct session *s)
{
	struct frame *f = session_peek(s);

	if (f == NULL) {
		if (s->closing && !s->close_sent)
			return ws_close_now(wsi, s);
		return 0;
	}
	if (lws_write(wsi, (unsigned char *)f->buf + FRAME_HEADROOM, f->len,
		      LWS_WRITE_TEXT) < (int)f->len)
		return -1;
	session_pop(s);
	if (s->needs_catch_up && s->q_len < WS_CATCH_UP_LOW)
		fanout_catch_up(srv, s);
	if (s->q_len > 0 || s->closing)
		lws_callback_on_writable(wsi);
	return 0;
}

static void ws_schedule_stop(struct server *srv, lws_usec_t us);
static void ws_begin_shutdown(struct server *srv);

static void
ws_closed(struct server *srv, struct pss *pss)
{
	struct session *s = pss->s;

	if (s == NULL)
		return;
	pss->s = NULL;
	session_detach(s);
	session_unref(s);
	if (srv->ws->shutting_down && srv->sessions.count == 0)
		ws_schedule_stop(srv, 0);
}

static int
ws_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user,
	    void *in, size_t len)
{
	struct pss *pss = user;
	struct server *srv = ws_srv;
	char peer[64];

	switch (reason) {
	case LWS_CALLBACK_HTTP_CONFIRM_UPGRADE:
		return ws_confirm_upgrade(srv, wsi);
	case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION:
		/* Checked in HTTP_CONFIRM_UPGRADE; refuse anything else. */
		return ws_origin_allowed(srv, wsi) ? 0 : 1;
	case LWS_CALLBACK_ESTABLISHED:
		if (srv->stopping)
			return -1;
		peer[0] = '\0';
		lws_get_peer_simple(wsi, peer, sizeof(peer));
		pss->s = session_new(srv, wsi, peer);
		pss->wsi = wsi;
		return 0;
	case LWS_CALLBACK_RECEIVE:
		if (pss == NULL || pss->s == NULL || pss->s->closing)
			return 0;
		return ws_receive(srv, wsi, pss->s, in, len);
	case LWS_CALLBACK_SERVER_WRITEABLE:
		if (pss == NULL || pss->s == NULL)
			return 0;
		return ws_writeable(srv, wsi, pss->s);
	case LWS_CALLBACK_WS_PEER_INITIATED_CLOSE:
		/*
		 * The peer's close answers ours when we sent one first: then
		 * lws must not echo it (a second close confuses browsers).
		 */
		return pss != NULL && pss->s != NULL && pss->s->close_sent;
	case LWS_CALLBACK_CLOSED:
		if (pss != NULL) {
			lws_sul_cancel(&pss->kill_sul);
			ws_closed(srv, pss);
		}
		return 0;
	case LWS_CALLBACK_EVENT_WAIT_CANCELLED:
		if (srv == NULL)
			return 0;
		if (srv->pool != NULL)
			pool_drain(srv->pool);
		if (srv->stopping)
			ws_begin_shutdown(srv);
		return 0;
	default:
		break;
	}
	return lws_callback_http_dummy(wsi, reason, user, in, len);
}

static const struct lws_protocols ws_protocols[] = {
	{ TD_PROTOCOL_NAME, ws_callback, sizeof(struct pss), WS_RX_BUFFER, 0,
	  NULL, 0 },
	{ NULL, NULL, 0, 0, 0, NULL, 0 }
};

static void
ws_flush_cb(lws_sorted_usec_list_t *sul)
{
	struct ws *ws = lws_container_of(sul, struct ws, flush_sul);

	ws->flush_pending = false;
	ws_in_timer = true;
	batch_flush(ws_srv);
	ws_in_timer = false;
}

/* libev delivers SIGINT on the loop thread. */
static void
ws_signal_cb(void *handle, int signum)
{
	if (ws_srv != NULL) {
		ws_srv->stopping = true;
		ws_begin_shutdown(ws_srv);
	}
}

/* SIGTERM and SIGINT arrive on any thread: set the flag, wake the loop. */
static void
ws_sigterm(int signum)
{
	if (ws_srv != NULL) {
		ws_srv->stopping = true;
		if (ws_srv->ws != NULL && ws_srv->ws->ctx != NULL)
			lws_cancel_service(ws_srv->ws->ctx);
	}
}

/*
 * The scheduled-items timer (ws_timer_at). What it fires is flushed here,
 * not by flush_sul: a timer scheduled from inside lws's timer service
 * waits for lws's next wake-up (see waker.h), and nothing else may come.
 */
static void
ws_due_cb(lws_sorted_usec_list_t *sul)
{
	struct ws *ws = lws_container_of(sul, struct ws, due_sul);

	ws->due_armed = false;
	if (ws_srv == NULL || ws_srv->stopping || ws->shutting_down)
		return;
	schedule_due(ws_srv);
	if (ws->flush_pending) {
		lws_sul_cancel(&ws->flush_sul);
		ws->flush_pending = false;
		batch_flush(ws_srv);
	}
}

/*
 * While --keepalive is on, lws keeps a validity timer per connection (ping
 * after K idle seconds, hang up after 2K). lws inserts those timers itself,
 * so ws_schedule() cannot wake the loop for them (see waker.h); this tick
 * wakes it every WS_TICK_US, which services every ripe timer on time.
 */
#define WS_TICK_US (LWS_US_PER_SEC / 4)

static void
ws_tick_cb(lws_sorted_usec_list_t *sul)
{
	struct ws *ws = lws_container_of(sul, struct ws, tick_sul);

	ws->ticking = false;
	if (ws->shutting_down || ws->destroying)
		return;
	ws->ticking = true;
	ws_schedule(ws, &ws->tick_sul, ws_tick_cb, WS_TICK_US);
}

/* Breaking out of the event loop: lws_context_destroy() stops it. */
static void
ws_stop_cb(lws_sorted_usec_list_t *sul)
{
	struct ws *ws = lws_container_of(sul, struct ws, stop_sul);

	if (ws->destroying)
		return;
	ws->destroying = true;
	lws_context_destroy(ws->ctx);
}

static void
ws_schedule_stop(struct server *srv, lws_usec_t us)
{
	ws_schedule(srv->ws, &srv->ws->stop_sul, ws_stop_cb, us > 0 ? us : 1);
}

/* Close every connection with 1001 as the server goes down. */
static void
ws_close_all(struct server *srv)
{
	struct imap *ids = &srv->sessions.by_id;
	size_t i;

	for (i = 0; i < ids->cap; i++)
		if (ids->keys[i] > 0)
			session_close(ids->vals[i], CLOSE_GOING_AWAY,
				      "server shutting down");
}

/*
 * Clean shutdown, on the loop thread: stop accepting (ESTABLISHED refuses
 * from now on), commit and release the batch in flight, say goodbye to
 * every connection, and stop the loop once they are gone or after a second.
 */
static void
ws_begin_shutdown(struct server *srv)
{
	struct ws *ws = srv->ws;

	if (ws->shutting_down)
		return;
	ws->shutting_down = true;
	if (ws->flush_pending) {
		lws_sul_cancel(&ws->flush_sul);
		ws->flush_pending = false;
	}
	if (ws->due_armed) {
		lws_sul_cancel(&ws->due_sul);
		ws->due_armed = false;
	}
	if (ws->ticking) {
		lws_sul_cancel(&ws->tick_sul);
		ws->ticking = false;
	}
	batch_flush(srv);
	ws_close_all(srv);
	ws_schedule_stop(srv, srv->sessions.count == 0 ? 0
						       : LWS_US_PER_SEC);
}

int
ws_start(struct server *srv)
{
	struct lws_context_creation_info info;
	struct ws *ws = xcalloc(1, sizeof(*ws));
	struct sigaction sa;
	struct rlimit nofile;

	ws_srv = srv;
	srv->ws = ws;
	lws_set_log_level(LLL_ERR, NULL);

	ws->mount.mountpoint = "/";
	ws->mount.mountpoint_len = 1;
	ws->mount.origin = srv->opt.web_root;
	ws->mount.def = "index.html";
	ws->mount.origin_protocol = LWSMPRO_FILE;

	memset(&info, 0, sizeof(info));
	info.options = LWS_SERVER_OPTION_LIBEV |
		       LWS_SERVER_OPTION_VALIDATE_UTF8 |
		       LWS_SERVER_OPTION_HTTP_HEADERS_SECURITY_BEST_PRACTICES_ENFORCE |
		       LWS_SERVER_OPTION_DISABLE_IPV6;
	info.port = srv->opt.port;
	info.iface = srv->opt.listen;
	info.protocols = ws_protocols;
	info.mounts = &ws->mount;
	info.signal_cb = ws_signal_cb;
	if (getrlimit(RLIMIT_NOFILE, &nofile) == 0 &&
	    nofile.rlim_cur != RLIM_INFINITY &&
	    nofile.rlim_cur > 2 * WS_FD_RESERVE)
		info.fd_limit_per_thread =
			(unsigned int)(nofile.rlim_cur - WS_FD_RESERVE);
	info.ka_time = 60;
	info.ka_probes = 3;
	info.ka_interval = 10;
	/* WebSocket keepalive (4.1.6 has no ws_ping_pong_interval): lws
	 * pings a connection that showed no proof of life (a pong) for
	 * --keepalive seconds and closes it at twice that, so a peer gone
	 * without FIN or RST is freed within 2 x --keepalive. */
	if (srv->opt.keepalive > 0) {
		ws->idle.secs_since_valid_ping = (uint16_t)srv->opt.keepalive;
		ws->idle.secs_since_valid_hangup =
			(uint16_t)(2 * srv->opt.keepalive);
		info.retry_and_idle_policy = &ws->idle;
	}
	info.pt_serv_buf_size = WS_RX_BUFFER * 2;
	if (srv->opt.tls_cert != NULL) {
		info.options |= LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
		info.ssl_cert_filepath = srv->opt.tls_cert;
		info.ssl_private_key_filepath = srv->opt.tls_key;
		ws->tls = true;
	}
	ws->ctx = lws_create_context(&info);
	if (ws->ctx == NULL) {
		util_log("could not start the WebSocket server on %s:%d",
			 srv->opt.listen, srv->opt.port);
		return -1;
	}
	if (waker_new(&ws->waker, ws_waker_cb, ws->ctx) != 0) {
		util_log("could not start the timer thread");
		return -1;
	}
	if (srv->opt.keepalive > 0) {
		ws->ticking = true;
		ws_schedule(ws, &ws->tick_sul, ws_tick_cb, WS_TICK_US);
	}
	ws->vh = lws_get_vhost_by_name(ws->ctx, "default");
	ws->port = ws->vh != NULL ? lws_get_vhost_listen_port(ws->vh)
				  : srv->opt.port;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = ws_sigterm;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	printf("tandemd listening on %s://%s:%d/ (web client), "
	       "WebSocket at /ws\n",
	       ws->tls ? "https" : "http", srv->opt.listen, ws->port);
	fflush(stdout);
	return 0;
}

int
ws_run(struct server *srv)
{
	struct ws *ws = srv->ws;

	/* With libev, lws_service() runs the loop until it is destroyed. */
	while (!ws->destroying)
		if (lws_service(ws->ctx, 0) < 0)
			break;
	return 0;
}

void
ws_destroy(struct server *srv)
{
	struct ws *ws = srv->ws;

	if (ws == NULL)
		return;
	waker_free(ws->waker);
	ws->waker = NULL;
	if (ws->ctx != NULL) {
		if (!ws->destroying) {
			lws_sul_cancel(&ws->flush_sul);
			lws_sul_cancel(&ws->stop_sul);
			lws_sul_cancel(&ws->due_sul);
			lws_sul_cancel(&ws->tick_sul);
		}
		/* The second call finishes what ws_stop_cb began. */
		lws_context_destroy(ws->ctx);
	}
	free(ws);
	srv->ws = NULL;
	ws_srv = NULL;
}

void
ws_want_write(struct session *s)
{
	if (s->wsi != NULL)
		lws_callback_on_writable(s->wsi);
}

void
ws_close(struct session *s, int code, const char *reason)
{
	if (s->wsi == NULL)
		return;
	ws_kill_after(s->wsi, WS_CLOSE_GRACE_US);
	lws_callback_on_writable(s->wsi);
}

void
ws_rx_pause(struct session *s, bool pause)
{
	if (s->wsi != NULL)
		lws_rx_flow_control(s->wsi, pause ? 0 : 1);
}

void
ws_schedule_flush(struct server *srv)
{
	struct ws *ws = srv->ws;

	if (ws == NULL || ws->flush_pending)
		return;
	ws->flush_pending = true;
	lws_sul_schedule(ws->ctx, 0, &ws->flush_sul, ws_flush_cb, 1);
	if (ws_in_timer)
		lws_cancel_service(ws->ctx);
}

void
ws_wake(struct server *srv)
{
	if (srv->ws != NULL && srv->ws->ctx != NULL)
		lws_cancel_service(srv->ws->ctx);
}

/* Below this the waker is not used (see ws_schedule): stay above it. */
#define WS_TIMER_MIN_US 2000

void
ws_timer_reset(struct server *srv)
{
	struct ws *ws = srv->ws;

	if (ws == NULL || !ws->due_armed)
		return;
	lws_sul_cancel(&ws->due_sul);
	ws->due_armed = false;
}

void
ws_timer_at(struct server *srv, int64_t at_ms)
{
	struct ws *ws = srv->ws;
	int64_t delay_ms;
	lws_usec_t us;

	if (ws == NULL || ws->ctx == NULL || ws->shutting_down)
		return;
	if (ws->due_armed && ws->due_at <= at_ms)
		return;
	if (ws->due_armed)
		lws_sul_cancel(&ws->due_sul);
	delay_ms = at_ms - util_now_ms();
	us = delay_ms > 0 ? (lws_usec_t)delay_ms * 1000 : 0;
	if (us < WS_TIMER_MIN_US)
		us = WS_TIMER_MIN_US;
	ws->due_armed = true;
	ws->due_at = at_ms;
	ws_schedule(ws, &ws->due_sul, ws_due_cb, us);
}
