/*
 * session.c: connection state, the session indexes and the bounded outgoing
 * queue. It never writes to a socket (ws.c does, from its writeable
 * callback) and never frees a session another part still references.
 */
#include "session.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "fanout.h"
#include "frame.h"
#include "server.h"
#include "util.h"

void
session_index_init(struct session_index *ix)
{
	imap_init(&ix->by_id);
	imap_init(&ix->by_user);
	ix->next_id = 1;
	ix->count = 0;
	ix->authed = 0;
}

void
session_index_fini(struct session_index *ix)
{
	imap_fini(&ix->by_id);
	imap_fini(&ix->by_user);
}

struct session *
session_new(struct server *srv, void *wsi, const char *peer)
{
	struct session *s = xcalloc(1, sizeof(*s));

	s->id = srv->sessions.next_id++;
	s->refs = 1;
	s->wsi = wsi;
	s->srv = srv;
	s->state = SESSION_NEW;
	util_strlcpy(s->peer, peer, sizeof(s->peer));
	imap_put(&srv->sessions.by_id, s->id, s);
	srv->sessions.count++;
	return s;
}

struct session *
session_ref(struct session *s)
{
	assert(s->refs > 0);
	s->refs++;
	return s;
}

static void
session_free(struct session *s)
{
	struct held_frame *h, *next;

	assert(s->dead);
	for (h = s->held_head; h != NULL; h = next) {
		next = h->next;
		free(h);
	}
	reasm_fini(&s->rx);
	free(s->q);
	free(s);
}

void
session_unref(struct session *s)
{
	assert(s->refs > 0);
	if (--s->refs == 0)
		session_free(s);
}

static void
session_unlink_user(struct session *s)
{
	struct server *srv = s->srv;

	if (s->state != SESSION_AUTHED || !s->indexed)
		return;
	s->indexed = false;
	if (s->user_prev != NULL) {
		s->user_prev->user_next = s->user_next;
	} else if (s->user_next != NULL) {
		imap_put(&srv->sessions.by_user, s->user.id, s->user_next);
	} else {
		imap_del(&srv->sessions.by_user, s->user.id);
	}
	if (s->user_next != NULL)
		s->user_next->user_prev = s->user_prev;
	s->user_next = s->user_prev = NULL;
	srv->sessions.authed--;
}

void
session_offline(struct session *s)
{
	struct server *srv = s->srv;
	bool was = s->indexed;

	session_unlink_user(s);
	if (was && session_first_of_user(srv, s->user.id) == NULL &&
	    !srv->stopping)
		fanout_presence(srv, s->user.id, false);
}

void
session_detach(struct session *s)
{
	struct server *srv = s->srv;

	if (s->dead)
		return;
	s->dead = true;
	s->wsi = NULL;
	session_offline(s);
	imap_del(&srv->sessions.by_id, s->id);
	srv->sessions.count--;
	while (s->q_len > 0)
		session_pop(s);
	s->live = false;
}

struct session *
session_by_id(struct server *srv, int64_t id)
{
	return imap_get(&srv->sessions.by_id, id);
}

struct session *
session_first_of_user(struct server *srv, int64_t user_id)
{
	return imap_get(&srv->sessions.by_user, user_id);
}

void
session_set_user(struct session *s, const struct td_user *u,
		 int64_t token_id)
{
	struct server *srv = s->srv;
	struct session *first;

	assert(s->state == SESSION_NEW && !s->dead);
	s->user = *u;
	s->token_id = token_id;
	s->state = SESSION_AUTHED;
	s->indexed = true;
	first = imap_get(&srv->sessions.by_user, u->id);
	s->user_prev = NULL;
	s->user_next = first;
	if (first != NULL)
		first->user_prev = s;
	imap_put(&srv->sessions.by_user, u->id, s);
	srv->sessions.authed++;
}

int
session_enqueue(struct session *s, struct frame *f)
{
	size_t i;

	if (s->dead || s->closing)
		return 0;
	if (s->q_len >= TD_QUEUE_MAX_FRAMES ||
	    s->q_bytes + f->len > TD_QUEUE_MAX_BYTES) {
		/*
		 * The backlog is dropped at once so memory stays bounded by
		 * the cap; the client resumes from its last seq and loses
		 * nothing.
		 */
		while (s->q_len > 0)
			session_pop(s);
		session_close(s, CLOSE_SLOW_CONSUMER, "slow consumer");
		return -1;
	}
	if (s->q_len == s->q_cap) {
		size_t ncap = s->q_cap ? s->q_cap * 2 : 8;
		struct frame **nq = xmalloc(ncap * sizeof(*nq));

		for (i = 0; i < s->q_len; i++)
			nq[i] = s->q[(s->q_head + i) % s->q_cap];
		free(s->q);
		s->q = nq;
		s->q_cap = ncap;
		s->q_head = 0;
	}
	s->q[(s->q_head + s->q_len) % s->q_cap] = frame_ref(f);
	s->q_len++;
	s->q_bytes += f->len;
	if (s->q_len == 1)
		ws_want_write(s);
	return 0;
}

struct frame *
session_peek(const struct session *s)
{
	return s->q_len ? s->q[s->q_head] : NULL;
}

void
session_pop(struct session *s)
{
	struct frame *f;

	assert(s->q_len > 0);
	f = s->q[s->q_head];
	s->q_head = (s->q_head + 1) % s->q_cap;
	s->q_len--;
	s->q_bytes -= f->len;
	frame_unref(f);
}

void
session_close(struct session *s, int code, const char *reason)
{
	if (s->dead || s->closing)
		return;
	s->closing = true;
	s->close_code = code;
	util_strlcpy(s->close_reason, reason, sizeof(s->close_reason));
	s->live = false;
	s->needs_catch_up = false;
	/* A closing connection no longer counts as the user being online. */
	session_offline(s);
	ws_close(s, code, reason);
}
