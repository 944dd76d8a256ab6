/*
 * server.h: the server's shared state and the seams between its modules.
 *
 * One event-loop thread owns everything here. The path of one message:
 *
 *   ws.c (socket, reassembly, size cap)
 *     -> dispatch.c (rate limit, proto_decode_request, op table, auth state)
 *       -> h_*.c handler (authorize, store writes inside the batch savepoint,
 *          fanout_event() for each change, batch_reply() for the answer)
 *     -> batch.c at the end of the loop turn: COMMIT, then release replies
 *        and events in order (durable ack)
 *       -> fanout.c / session.c: frame queued on each recipient (bounded)
 *         -> ws.c writeable callback: one lws_write per callback
 */
#ifndef TANDEM_SERVER_H
#define TANDEM_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tandem/proto.h"
#include "batch.h"
#include "ratelimit.h"
#include "session.h"

struct store;
struct pool;
struct ws;

struct server_options {
	const char *listen;		/* address, default 127.0.0.1 */
	int port;			/* 0 = any */
	const char *data_dir;
	const char *web_root;
	const char **allow_origins;	/* extra allowed Origins */
	size_t n_allow_origins;
	const char *tls_cert, *tls_key;
	bool open_registration;
	bool no_rate_limit;		/* benchmarks: no per-connection limit */
	bool sync_normal;		/* synchronous=NORMAL instead of FULL */
	unsigned long long pwhash_ops;	/* Argon2id opslimit */
	size_t pwhash_mem;		/* Argon2id memlimit, bytes */
	int64_t event_retention;	/* events kept for resume */
	int workers;			/* password-hashing threads */
	int keepalive;			/* WebSocket ping after this many idle
					 * seconds, close after twice; 0 = off */
};

struct server {
	struct server_options opt;
	struct store *store;
	struct ws *ws;
	struct pool *pool;
	struct batch batch;
	struct session_index sessions;
	struct ratelimit_table login_by_user;	/* failures per handle */
	struct ratelimit_table login_by_addr;	/* attempts per address */
	int64_t head_seq;	/* highest committed event seq */
	int64_t next_seq;	/* next seq to hand out inside the batch */
	int64_t min_seq;	/* oldest event still kept (0: none) */
	uint64_t commits;
	bool stopping;
};

/* ---- ws.c: the libwebsockets adapter (the only file including lws) ---- */
int ws_start(struct server *srv);
/* Run the loop until server_stop(); returns 0 on a clean stop. */
int ws_run(struct server *srv);
void ws_destroy(struct server *srv);
/* Ask for a writeable callback on the session's connection. */
void ws_want_write(struct session *s);
/* Close the connection with a WebSocket close code after pending writes. */
void ws_close(struct session *s, int code, const char *reason);
/* Pause or resume reading from a connection. */
void ws_rx_pause(struct session *s, bool pause);
/* Run batch_flush() at the end of this loop turn. */
void ws_schedule_flush(struct server *srv);
/* Wake the loop from another thread (worker pool); thread-safe. */
void ws_wake(struct server *srv);
/*
 * Call schedule_due() at the wall-clock time `at_ms` (ms since the epoch;
 * a time already past means right away). One timer serves the whole
 * server: a later time than the one armed is ignored (schedule_due() arms
 * the next one itself), an earlier one moves the timer forward.
 */
void ws_timer_at(struct server *srv, int64_t at_ms);

/* Forget the armed timer (the test clock jumped); schedule_arm() next. */
void ws_timer_reset(struct server *srv);

/* ---- schedule.c: the one timer, for everything that comes due ---- */
/* Fire everything due by now (scheduled messages, reminders and the
 * module timers below), then re-arm for the earliest next item. */
void schedule_due(struct server *srv);
/* Arm the timer for the earliest pending item (start-up). */
void schedule_arm(struct server *srv);
/*
 * Module timers, called by schedule_due() and schedule_arm(). Each fires,
 * when now > 0, everything of its own due by `now` (each item in its own
 * write savepoint, as schedule.c does) and returns the time its next item
 * comes due (0: none). now == 0 only asks for that time. Exact across
 * restarts: due times live in the store, and whatever came due while the
 * server was down fires at start-up.
 */
int64_t request_timers(struct server *srv, int64_t now); /* SLA breaches */
int64_t pair_timers(struct server *srv, int64_t now);	  /* rounds, nudges */

/* ---- dispatch.c ---- */
/* Handle one complete text frame from a session. */
void dispatch_frame(struct server *srv, struct session *s, const char *buf,
		    size_t len);
/* Re-run frames a session held while an async op was in flight. */
void dispatch_resume(struct server *srv, struct session *s);

/* Request flood close threshold, close code for it. */
#define CLOSE_NORMAL 1000
#define CLOSE_GOING_AWAY 1001
#define CLOSE_UNSUPPORTED 1003
#define CLOSE_INVALID_UTF8 1007
#define CLOSE_TOO_BIG 1009
#define CLOSE_LOGGED_OUT 4001
#define CLOSE_SLOW_CONSUMER 4008
#define CLOSE_FLOOD 4029

void server_stop(struct server *srv);
/* h_auth.c: the login rate-limit tables. */
void server_login_limits_init(struct server *srv);

#endif
