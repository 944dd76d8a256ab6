/*
 * fanout.c: events, from creation to every recipient's queue, and the replay
 * of stored events for a client that resumes.
 *
 * This file must never queue an event for a user who may not see it: live
 * delivery uses the recipients fixed when the event was made, replay uses
 * the store's visibility rule (current membership, targeted user, or
 * broadcast), and both skip a session that is not authenticated.
 */
#include "fanout.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "batch.h"
#include "frame.h"
#include "server.h"
#include "session.h"
#include "store.h"
#include "util.h"

/* Events replayed per step of a catch-up; the rest follow as it drains. */
#define FANOUT_REPLAY_PAGE 256

void
fanout_open(struct server *srv, struct jw *w, const char *name)
{
	jw_init(w, FRAME_HEADROOM);
	proto_event_open(w, name, srv->next_seq);
}

void
fanout_open_ephemeral(struct jw *w, const char *name)
{
	jw_init(w, FRAME_HEADROOM);
	proto_event_open(w, name, -1);
}

struct recipients {
	int64_t *ids;
	size_t n, cap;
};

static int
recipients_add(void *ctx, int64_t user)
{
	struct recipients *r = ctx;

	if (r->n == r->cap) {
		r->cap = r->cap ? r->cap * 2 : 16;
		r->ids = xrealloc(r->ids, r->cap * sizeof(*r->ids));
	}
	r->ids[r->n++] = user;
	return 0;
}

static bool
recipients_has(const struct recipients *r, int64_t user)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		if (r->ids[i] == user)
			return true;
	return false;
}

int
fanout_commit(struct server *srv, struct jw *w, int64_t conv, int64_t user)
{
	struct batch_item *it;
	struct recipients r = { NULL, 0, 0 };
	int64_t seq = srv->next_seq;
	int rc;

	proto_event_close(w);
	rc = store_event_add(srv->store, seq, conv, user, jw_text(w),
			     jw_text_len(w));
	if (rc == 0 && conv > 0)
		rc = store_member_list(srv->store, conv, recipients_add, &r);
	if (rc != 0) {
		free(r.ids);
		jw_fini(w);
		return rc;
	}
	if (user > 0 && !recipients_has(&r, user))
		recipients_add(&r, user);
	srv->next_seq++;
	it = xcalloc(1, sizeof(*it));
	it->kind = BATCH_EVENT;
	it->seq = seq;
	it->frame = frame_from_jw(w);
	it->recipients = r.ids;
	it->n_recipients = r.n;
	it->broadcast = conv == 0 && user == 0;
	batch_append(srv, it);
	return 0;
}

void
fanout_commit_ephemeral(struct server *srv, struct jw *w, int64_t conv,
			int64_t exclude_session)
{
	struct batch_item *it = xcalloc(1, sizeof(*it));
	struct recipients r = { NULL, 0, 0 };

	proto_event_close(w);
	if (conv > 0)
		store_member_list(srv->store, conv, recipients_add, &r);
	it->kind = BATCH_EVENT;
	it->seq = -1;
	it->frame = frame_from_jw(w);
	it->recipients = r.ids;
	it->n_recipients = r.n;
	it->broadcast = conv == 0;
	it->exclude_session = exclude_session;
	batch_append(srv, it);
}

static void
fanout_to_session(struct session *s, struct batch_item *it)
{
	if (!s->live || s->id == it->exclude_session)
		return;
	if (it->seq > 0) {
		if (it->seq <= s->cursor)
			return;
		s->cursor = it->seq;
	}
	session_enqueue(s, it->frame);
}

void
fanout_deliver(struct server *srv, struct batch_item *it)
{
	struct imap *ids = &srv->sessions.by_id;
	struct session *s, *next;
	size_t i;

	if (it->broadcast) {
		for (i = 0; i < ids->cap; i++)
			if (ids->keys[i] > 0)
				fanout_to_session(ids->vals[i], it);
		return;
	}
	for (i = 0; i < it->n_recipients; i++) {
		for (s = session_first_of_user(srv, it->recipients[i]);
		     s != NULL; s = next) {
			next = s->user_next;
			fanout_to_session(s, it);
		}
	}
}

bool
fanout_attach(struct server *srv, struct session *s, int64_t since)
{
	assert(s->state == SESSION_AUTHED);
	if (since < 0 || since >= srv->head_seq) {
		s->cursor = srv->head_seq;
		s->live = true;
		return since > srv->head_seq;
	}
	if (srv->min_seq > 0 && since < srv->min_seq - 1) {
		s->cursor = srv->head_seq;
		s->live = true;
		return true;
	}
	s->cursor = since;
	s->live = false;
	s->needs_catch_up = true;
	return false;
}

struct replay {
	struct session *s;
	int n;
};

static int
fanout_replay_one(void *ctx, int64_t seq, const char *text, size_t len)
{
	struct replay *r = ctx;
	struct frame *f = frame_from_text(text, len);

	r->n++;
	r->s->cursor = seq;
	session_enqueue(r->s, f);
	frame_unref(f);
	return 0;
}

void
fanout_catch_up(struct server *srv, struct session *s)
{
	struct replay r = { s, 0 };
	int rc;

	if (!s->needs_catch_up || s->dead || s->closing)
		return;
	rc = store_event_range(srv->store, s->user.id, s->cursor,
			       srv->head_seq, FANOUT_REPLAY_PAGE,
			       fanout_replay_one, &r);
	if (rc < 0) {
		session_close(s, CLOSE_GOING_AWAY, "replay failed");
		return;
	}
	if (r.n < FANOUT_REPLAY_PAGE && !s->closing) {
		/* Caught up with everything committed: go live. */
		s->cursor = srv->head_seq;
		s->needs_catch_up = false;
		s->live = true;
	}
}

void
fanout_presence(struct server *srv, int64_t user, bool online)
{
	struct jw w;

	fanout_open_ephemeral(&w, "presence");
	jw_kint(&w, "user", user);
	jw_kbool(&w, "online", online);
	fanout_commit_ephemeral(srv, &w, 0, 0);
}

int
fanout_prune(struct server *srv, bool force)
{
	int64_t keep = srv->opt.event_retention;
	int64_t kept = srv->min_seq > 0 ? srv->head_seq - srv->min_seq + 1 : 0;
	int rc;

	if (kept <= keep || (!force && kept <= keep + keep / 8 + 1))
		return 0;
	rc = store_event_prune(srv->store, keep);
	if (rc == 0)
		rc = store_event_min_seq(srv->store, &srv->min_seq);
	return rc;
}
