/*
 * batch.h: group commit and the durable ack.
 *
 * Everything a loop turn produces for clients (replies and events) is held
 * in one ordered list. At the end of the turn batch_flush() commits the
 * turn's transaction, then releases the list in order: a reply to a write is
 * sent only after its commit, and an event only for what was committed. When
 * the commit fails, each write's reply becomes `storage_failed` and its
 * events are dropped.
 *
 * Each write request runs in its own savepoint (batch_write_begin/end): a
 * request that fails undoes its own writes and the events it queued, and the
 * rest of the batch goes on.
 */
#ifndef TANDEM_BATCH_H
#define TANDEM_BATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct frame;
struct server;
struct session;

enum batch_item_kind { BATCH_REPLY, BATCH_EVENT };

struct batch_item {
	struct batch_item *next;
	enum batch_item_kind kind;
	struct frame *frame;
	/* Replies. */
	struct session *session;	/* referenced */
	int64_t req_id;
	bool after_write;		/* depends on the commit */
	bool start_catch_up;		/* session replays events after it */
	int64_t close_token;		/* > 0: close that token's sessions */
	/* Events. */
	int64_t seq;			/* -1: ephemeral */
	int64_t *recipients;		/* user ids; NULL with broadcast */
	size_t n_recipients;
	bool broadcast;
	int64_t exclude_session;	/* not to this connection */
};

struct batch {
	struct batch_item *head, *tail;
	struct batch_item *sp_mark;	/* tail when the savepoint began */
	int64_t sp_next_seq;
	bool in_write;
	int64_t opened_ms; /* monotonic time the transaction began */
	int writes;	   /* requests written in it so far */
};

void batch_init(struct batch *b);
void batch_fini(struct batch *b);

/*
 * The bounds of one group commit: a loop that never goes idle (writes
 * arriving faster than they commit) still commits, and answers, at least
 * this often.
 */
#define BATCH_MAX_WRITES 1000
#define BATCH_MAX_MS 5

/* Open the turn's transaction if needed and a savepoint for one request. */
int batch_write_begin(struct server *srv);
/* Release (ok) or roll back the request's savepoint and its events. */
void batch_write_end(struct server *srv, bool ok);

/* Queue a reply; the item takes the frame reference and refs the session. */
struct batch_item *batch_reply(struct server *srv, struct session *s,
			       struct frame *f, int64_t req_id,
			       bool after_write);
/* Queue an event item (fanout.c builds it). */
void batch_append(struct server *srv, struct batch_item *it);

/* Commit and release everything queued this turn. */
void batch_flush(struct server *srv);
/*
 * batch_flush() now if the open transaction has reached BATCH_MAX_WRITES
 * or BATCH_MAX_MS; called after each request, so the bound holds even when
 * the loop never goes idle to run the flush timer.
 */
void batch_flush_if_due(struct server *srv);

#endif
