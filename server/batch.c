/*
 * batch.c: group commit. See batch.h for the contract. This file must never
 * send a reply to a write before store_batch_commit() has returned success,
 * and never deliver an event whose transaction did not commit.
 */
#include "batch.h"

#include <assert.h>
#include <stdlib.h>

#include "fanout.h"
#include "frame.h"
#include "server.h"
#include "session.h"
#include "store.h"
#include "util.h"

void
batch_init(struct batch *b)
{
	b->head = b->tail = NULL;
	b->sp_mark = NULL;
	b->in_write = false;
}

static void
batch_item_free(struct batch_item *it)
{
	frame_unref(it->frame);
	if (it->session != NULL)
		session_unref(it->session);
	free(it->recipients);
	free(it);
}

void
batch_fini(struct batch *b)
{
	struct batch_item *it, *next;

	for (it = b->head; it != NULL; it = next) {
		next = it->next;
		batch_item_free(it);
	}
	batch_init(b);
}

int
batch_write_begin(struct server *srv)
{
	struct batch *b = &srv->batch;
	int rc;

	assert(!b->in_write);
	if (!store_batch_open(srv->store)) {
		b->opened_ms = util_mono_ms();
		b->writes = 0;
	}
	rc = store_batch_begin(srv->store);
	if (rc == 0)
		rc = store_sp_begin(srv->store);
	if (rc != 0)
		return rc;
	b->in_write = true;
	b->writes++;
	b->sp_mark = b->tail;
	b->sp_next_seq = srv->next_seq;
	ws_schedule_flush(srv);
	return 0;
}

void
batch_write_end(struct server *srv, bool ok)
{
	struct batch *b = &srv->batch;
	struct batch_item *it, *next;

	assert(b->in_write);
	b->in_write = false;
	if (store_sp_end(srv->store, ok) != 0)
		ok = false;
	if (ok)
		return;
	/* Forget the events this request queued and the seqs it took. */
	it = b->sp_mark != NULL ? b->sp_mark->next : b->head;
	for (; it != NULL; it = next) {
		next = it->next;
		batch_item_free(it);
	}
	b->tail = b->sp_mark;
	if (b->tail != NULL)
		b->tail->next = NULL;
	else
		b->head = NULL;
	srv->next_seq = b->sp_next_seq;
}

void
batch_append(struct server *srv, struct batch_item *it)
{
	struct batch *b = &srv->batch;

	it->next = NULL;
	if (b->tail != NULL)
		b->tail->next = it;
	else
		b->head = it;
	b->tail = it;
	ws_schedule_flush(srv);
}

void
batch_flush_if_due(struct server *srv)
{
	struct batch *b = &srv->batch;

	if (b->in_write || !store_batch_open(srv->store))
		return;
	if (b->writes >= BATCH_MAX_WRITES ||
	    util_mono_ms() - b->opened_ms >= BATCH_MAX_MS)
		batch_flush(srv);
}

struct batch_item *
batch_reply(struct server *srv, struct session *s, struct frame *f,
	    int64_t req_id, bool after_write)
{
	struct batch_item *it = xcalloc(1, sizeof(*it));

	it->kind = BATCH_REPLY;
	it->frame = f;
	it->session = session_ref(s);
	it->req_id = req_id;
	it->after_write = after_write;
	batch_append(srv, it);
	return it;
}

/* The reply that replaces a write's reply when the commit failed. */
static struct frame *
batch_storage_error(int64_t req_id)
{
	struct jw w;

	jw_init(&w, FRAME_HEADROOM);
	proto_write_error(&w, req_id, TD_ERR_STORAGE,
			  "the write could not be committed; nothing was "
			  "stored");
	return frame_from_jw(&w);
}

/* Close every connection that used a revoked token. */
static void
batch_close_token(struct server *srv, int64_t user, int64_t token_id)
{
	struct session *s, *next;

	for (s = session_first_of_user(srv, user); s != NULL; s = next) {
		next = s->user_next;	/* closing unlinks s */
		if (s->token_id == token_id)
			session_close(s, CLOSE_LOGGED_OUT, "logged out");
	}
}

static void
batch_release(struct server *srv, struct batch_item *it, bool committed)
{
	struct session *s = it->session;

	if (it->kind == BATCH_EVENT) {
		if (committed || it->seq < 0)
			fanout_deliver(srv, it);
		return;
	}
	if (!committed && it->after_write) {
		frame_unref(it->frame);
		it->frame = batch_storage_error(it->req_id);
	}
	if (s->dead)
		return;
	session_enqueue(s, it->frame);
	if (committed && it->close_token > 0)
		batch_close_token(srv, s->user.id, it->close_token);
	if (it->start_catch_up && !s->dead && !s->closing)
		fanout_catch_up(srv, s);
}

void
batch_flush(struct server *srv)
{
	struct batch *b = &srv->batch;
	struct batch_item *it, *next;
	bool committed = true;

	assert(!b->in_write);
	if (store_batch_open(srv->store)) {
		if (store_batch_commit(srv->store) == 0) {
			if (srv->min_seq == 0 && srv->next_seq - 1 > srv->head_seq)
				srv->min_seq = srv->head_seq + 1;
			srv->head_seq = srv->next_seq - 1;
			srv->commits++;
			fanout_prune(srv, false);
		} else {
			util_log("commit failed: this turn's writes are "
				 "answered storage_failed");
			committed = false;
			srv->next_seq = srv->head_seq + 1;
		}
	}
	it = b->head;
	b->head = b->tail = b->sp_mark = NULL;
	for (; it != NULL; it = next) {
		next = it->next;
		batch_release(srv, it, committed);
		batch_item_free(it);
	}
}
