/*
 * session.h: one WebSocket connection's state on the event-loop thread.
 *
 * Session state machine:
 *
 *   NEW --hello(token)/login/register ok--> AUTHED --logout/revoke--> closing
 *    |  \                                     |
 *    |   +-- login/register in flight: rx paused, frames held (async)
 *    +-- socket closed at any point --> dead (freed when the last ref drops)
 *
 * While authenticated a session is either live (fan-out queues every event
 * it may see) or catching up (fanout.c replays stored events from `cursor`
 * as its queue drains, then turns it live).
 *
 * Sessions are refcounted: the socket holds one reference, and so does every
 * batch item that will reply to it, so a reply computed in a loop turn in
 * which the socket closed never touches freed memory.
 */
#ifndef TANDEM_SESSION_H
#define TANDEM_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tandem/types.h"
#include "imap.h"
#include "ratelimit.h"
#include "reasm.h"

struct frame;
struct server;

enum session_state { SESSION_NEW, SESSION_AUTHED };

struct session {
	int64_t id;		/* unique for the process, > 0 */
	int refs;
	bool dead;		/* socket gone */
	void *wsi;		/* opaque to everything but ws.c */
	struct server *srv;
	enum session_state state;
	struct td_user user;	/* valid when AUTHED */
	int64_t token_id;
	char peer[64];		/* remote address */

	/* Reassembly of one incoming message (ws.c, reasm.c). */
	struct reasm rx;

	/* Frames received while an async op runs; replayed in order. */
	struct held_frame *held_head, *held_tail;
	size_t held_bytes;
	bool async_busy;

	/* Outgoing queue: a ring of frame references. */
	struct frame **q;
	size_t q_head, q_len, q_cap;
	size_t q_bytes;

	/* Event delivery. */
	bool live;
	bool needs_catch_up;
	int64_t cursor;		/* highest seq queued or skipped */

	/* Per-connection request rate. */
	struct bucket rate;
	struct bucket flood;

	/* Closing. */
	bool closing;
	bool close_sent;	/* the close frame is out (ws.c) */
	int close_code;
	char close_reason[64];

	/* Index links: sessions of the same user (while indexed). */
	bool indexed;
	struct session *user_next, *user_prev;
};

struct held_frame {
	struct held_frame *next;
	size_t len;
	char data[];
};

struct session_index {
	struct imap by_id;	/* session id -> session */
	struct imap by_user;	/* user id -> first session of that user */
	int64_t next_id;
	size_t count;		/* open sessions */
	size_t authed;
};

void session_index_init(struct session_index *ix);
void session_index_fini(struct session_index *ix);

/* A new session for a fresh connection; the caller owns one reference. */
struct session *session_new(struct server *srv, void *wsi, const char *peer);
struct session *session_ref(struct session *s);
void session_unref(struct session *s);
/* The socket is gone: drop from indexes, free the queue; refs keep it. */
void session_detach(struct session *s);
struct session *session_by_id(struct server *srv, int64_t id);
/* First session of a user (follow user_next), or NULL. */
struct session *session_first_of_user(struct server *srv, int64_t user_id);

/* Mark authenticated as `u` and index it under the user. */
void session_set_user(struct session *s, const struct td_user *u,
		      int64_t token_id);

/*
 * Queue a frame reference for sending. Returns 0, or -1 when the queue is
 * over its cap: the session is then being closed with 4008 and the frame was
 * not queued.
 */
int session_enqueue(struct session *s, struct frame *f);
/* The frame at the head of the queue, or NULL. */
struct frame *session_peek(const struct session *s);
/* Drop the head frame after it was written. */
void session_pop(struct session *s);

/* Leave the user's index (and announce offline if it was the last). */
void session_offline(struct session *s);
/* Close after the queued frames are written. */
void session_close(struct session *s, int code, const char *reason);

#endif
