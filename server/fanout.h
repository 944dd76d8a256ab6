/*
 * fanout.h: events. A change that someone must see becomes one event: a seq
 * from the server's sequence, one serialized frame, a row in the store's
 * event log (for resume), and, after the commit, a reference to that one
 * frame on the queue of every live connection allowed to see it.
 *
 * Recipients are fixed when the event is made (the conversation's members at
 * that moment, plus a targeted user), so a change later in the same batch
 * cannot widen or narrow who sees an earlier event.
 */
#ifndef TANDEM_FANOUT_H
#define TANDEM_FANOUT_H

#include <stdbool.h>
#include <stdint.h>

#include "tandem/proto.h"

struct batch_item;
struct server;
struct session;

/* Start an event frame in *w: {"event":name,"seq":N,"data":{ */
void fanout_open(struct server *srv, struct jw *w, const char *name);
/*
 * Finish and queue the event begun with fanout_open(). conv > 0: the
 * conversation's members see it; user > 0: that user sees it too; both 0:
 * everyone. Returns 0 or TD_ERR_STORAGE (the request then fails).
 */
int fanout_commit(struct server *srv, struct jw *w, int64_t conv,
		  int64_t user);

/* Start an ephemeral event (no seq, not stored). */
void fanout_open_ephemeral(struct jw *w, const char *name);
/* Queue an ephemeral event to conv members (or everyone when conv == 0),
 * never to the connection `exclude_session`. */
void fanout_commit_ephemeral(struct server *srv, struct jw *w, int64_t conv,
			     int64_t exclude_session);

/* After the commit: put an event item's frame on its recipients' queues. */
void fanout_deliver(struct server *srv, struct batch_item *it);

/*
 * Start delivering to a session that just authenticated. since < 0: live
 * from the committed head. Otherwise replay from since (resync when pruned).
 * Returns true when the client must resync (events after since are gone).
 */
bool fanout_attach(struct server *srv, struct session *s, int64_t since);
/* Queue the next page of stored events for a catching-up session. */
void fanout_catch_up(struct server *srv, struct session *s);

/*
 * Keep the resume log near --event-retention events: prune when it has
 * grown an eighth past the limit (so pruning is rare), and remember the
 * oldest seq still kept. Returns 0 or TD_ERR_STORAGE.
 */
int fanout_prune(struct server *srv, bool force);

/* Presence: the user's first connection came, or its last one went. */
void fanout_presence(struct server *srv, int64_t user, bool online);

#endif
