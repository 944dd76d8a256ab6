/*
 * store.h: durable state. The only module that includes sqlite3.
 *
 * One writer (the event-loop thread). Writes happen inside a batch:
 * store_batch_begin() opens BEGIN IMMEDIATE, each request runs inside a
 * savepoint (store_sp_begin/store_sp_end) so a failed request undoes only
 * its own writes, and store_batch_commit() makes the whole loop turn durable
 * at once (group commit). Reads may happen inside or outside a batch; inside,
 * they see the batch's own uncommitted writes.
 *
 * The interface is narrow on purpose: plain structs in and out, callbacks for
 * lists, no SQL or sqlite types outside store.c, so a PostgreSQL store can
 * stand beside this one.
 *
 * Every function returns 0 or a negative TD_ERR_* code: TD_ERR_NOT_FOUND for
 * a missing row, TD_ERR_HANDLE_TAKEN / TD_ERR_CONFLICT for uniqueness
 * violations, TD_ERR_STORAGE for anything SQLite refused (disk full, I/O).
 */
#ifndef TANDEM_STORE_H
#define TANDEM_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tandem/types.h"

struct store;

struct store_options {
	const char *path;	/* database file; ":memory:" for tests */
	bool sync_full;		/* synchronous=FULL (default) or NORMAL */
	/* The clock for times the caller does not pass (NULL: the wall
	 * clock); the server passes its own, which tests can move. */
	int64_t (*now_ms)(void);
};

int store_open(struct store **out, const struct store_options *opt);
void store_close(struct store *st);

/* Group commit: one transaction per loop turn. */
int store_batch_begin(struct store *st);	/* idempotent */
bool store_batch_open(const struct store *st);
int store_batch_commit(struct store *st);
void store_batch_rollback(struct store *st);
/* Per-request savepoint inside the batch; ok=false rolls it back. */
int store_sp_begin(struct store *st);
int store_sp_end(struct store *st, bool ok);

/* Online backup to `path` (SQLite backup API). */
int store_backup(struct store *st, const char *path);

/* ---- users ---- */
int store_user_count(struct store *st, int64_t *n);
/* Fills u->id and u->created_at; TD_ERR_HANDLE_TAKEN if the handle exists. */
int store_user_add(struct store *st, struct td_user *u, const char *pwhash);
int store_user_get(struct store *st, int64_t id, struct td_user *u);
/* pwhash may be NULL; otherwise receives the stored hash string. */
int store_user_by_handle(struct store *st, const char *handle,
			 struct td_user *u, char *pwhash, size_t pwhash_len);
int store_user_set_pwhash(struct store *st, int64_t id, const char *pwhash);
int store_user_list(struct store *st,
		    int (*fn)(void *ctx, const struct td_user *u), void *ctx);

/* ---- session tokens (only hashes are stored) ---- */
int store_token_add(struct store *st, int64_t user_id,
		    const unsigned char hash[32], int64_t expires_at,
		    int64_t *token_id);
/* TD_ERR_NOT_FOUND when unknown, revoked or expired at `now`. */
int store_token_lookup(struct store *st, const unsigned char hash[32],
		       int64_t now, int64_t *user_id, int64_t *token_id,
		       int64_t *expires_at);
int store_token_revoke(struct store *st, int64_t token_id);

/* ---- invites (only hashes are stored) ---- */
int store_invite_add(struct store *st, const unsigned char hash[32],
		     int64_t created_by, int max_uses, int64_t expires_at);
/* Consume one use; TD_ERR_NOT_FOUND when unknown, used up or expired. */
int store_invite_use(struct store *st, const unsigned char hash[32],
		     int64_t now);

/* ---- conversations ---- */
/* Fills c->id; the creator is not added as a member by this call. */
int store_conv_add(struct store *st, struct td_conv *c);
int store_conv_get(struct store *st, int64_t id, struct td_conv *c);
/* The channel with that name; TD_ERR_NOT_FOUND when there is none.
 * (store_conv_add and store_conv_set_name answer TD_ERR_CONFLICT for a
 * name that is taken.) */
int store_conv_by_name(struct store *st, const char *name, struct td_conv *c);
int store_conv_set_topic(struct store *st, int64_t id, const char *topic);
int store_conv_set_name(struct store *st, int64_t id, const char *name);
int store_conv_set_archived(struct store *st, int64_t id, bool archived);
/* The dm between two users, if any (order of a, b does not matter). */
int store_dm_find(struct store *st, int64_t a, int64_t b, int64_t *conv_id);
int store_dm_link(struct store *st, int64_t a, int64_t b, int64_t conv_id);
/*
 * Conversations visible to `user`: every conversation it is a member of,
 * plus public channels (member=false for those it has not joined). Sets
 * c->member for each.
 */
int store_conv_list_visible(struct store *st, int64_t user,
			    int (*fn)(void *ctx, const struct td_conv *c),
			    void *ctx);

/* ---- membership ---- */
/* TD_ERR_CONFLICT when already a member. */
int store_member_add(struct store *st, int64_t conv, int64_t user);
/* TD_ERR_NOT_FOUND when not a member. */
int store_member_remove(struct store *st, int64_t conv, int64_t user);
bool store_member_is(struct store *st, int64_t conv, int64_t user);
int store_member_list(struct store *st, int64_t conv,
		      int (*fn)(void *ctx, int64_t user), void *ctx);

/* ---- messages ---- */
/* Fills m->id; updates the conversation's last_message_id. */
int store_msg_add(struct store *st, struct td_message *m);
/* m->body is allocated; call td_message_fini(). */
int store_msg_get(struct store *st, int64_t id, struct td_message *m);
int store_msg_by_nonce(struct store *st, int64_t author, const char *nonce,
		       struct td_message *m);
int store_msg_edit(struct store *st, int64_t id, const char *body,
		   int64_t edited_at);
/* Tombstone: body emptied, deleted=1, edited_at set. */
int store_msg_delete(struct store *st, int64_t id, int64_t deleted_at);
/*
 * Page of history, ascending by id. before > 0: the `limit` newest with
 * id < before. after >= 0 (and before == 0): the `limit` oldest with
 * id > after. Neither (both 0, after < 0): the newest `limit`.
 * *more says whether further messages exist in that direction.
 * The message passed to fn is borrowed for the call.
 */
int store_msg_history(struct store *st, int64_t conv, int64_t before,
		      int64_t after, int limit, bool *more,
		      int (*fn)(void *ctx, const struct td_message *m),
		      void *ctx);

/*
 * A page of a thread's replies (thread_id = root), ascending, with the
 * same paging rules as store_msg_history(). store_msg_history() itself
 * lists only top-level messages: replies live in their thread.
 */
int store_msg_replies(struct store *st, int64_t root, int64_t before,
		      int64_t after, int limit, bool *more,
		      int (*fn)(void *ctx, const struct td_message *m),
		      void *ctx);

/* ---- threads: following and per-thread read markers ---- */
int store_follow_set(struct store *st, int64_t user, int64_t root,
		     bool follow);
/*
 * Follow because of a reply or a mention: not when the user unfollowed the
 * thread on purpose. *changed says whether the user follows it now and did
 * not before.
 */
int store_follow_auto(struct store *st, int64_t user, int64_t root,
		      bool *changed);
/* No row is not an error: *following = false, *last_read = 0. */
int store_follow_get(struct store *st, int64_t user, int64_t root,
		     bool *following, int64_t *last_read);
/* Set the thread read marker (any direction; the handler decides). */
int store_thread_read(struct store *st, int64_t user, int64_t root,
		      int64_t last_read);
/* Live replies by others after the user's thread marker. */
int store_thread_unread(struct store *st, int64_t user, int64_t root,
			int *n);
/*
 * Followed threads whose conversation the user may still see: those with
 * unread replies first, then by newest reply. At most `limit`.
 */
int store_thread_list(struct store *st, int64_t user, int limit,
		      int (*fn)(void *ctx, const struct td_message *root,
				int64_t last_read, int unread),
		      void *ctx);

/* ---- read markers and unread counts ---- */
/* force = false: the marker only moves forwards; true: set as given. */
int store_read_set(struct store *st, int64_t user, int64_t conv,
		   int64_t last_read, bool force);

struct store_unread {
	int64_t conv;
	int64_t last_read;	/* 0: nothing read */
	int unread;		/* live top-level messages by others, at most 1000
				 * (1000 means 1000 or more) */
	int mentions;		/* of those, the ones mentioning the user */
	enum td_notify notify;	/* the user's preference (conv_prefs) */
};

/* For each conversation the user is a member of (conv > 0: only that
 * one), in one statement, ascending by conversation id. */
int store_unread_list(struct store *st, int64_t user, int64_t conv,
		      int (*fn)(void *ctx, const struct store_unread *u),
		      void *ctx);

/* ---- mentions ---- */
int store_mention_add(struct store *st, int64_t user, int64_t message,
		      int64_t conv);
/* Newest first, below `before` (0: from the newest), live messages in
 * conversations the user may still see. */
int store_mention_list(struct store *st, int64_t user, int64_t before,
		       int limit,
		       int (*fn)(void *ctx, const struct td_message *m),
		       void *ctx);

/* ---- reactions (read back inside struct td_message) ---- */
int store_reaction_add(struct store *st, int64_t message, const char *emoji,
		       int64_t user, int64_t at);
int store_reaction_remove(struct store *st, int64_t message,
			  const char *emoji, int64_t user);

/* ---- pins ---- */
int store_pin_add(struct store *st, int64_t message, int64_t conv,
		  int64_t by, int64_t at);
int store_pin_remove(struct store *st, int64_t message);
/* Newest pin first; fn gets who pinned it and when. */
int store_pin_list(struct store *st, int64_t conv, int limit,
		   int (*fn)(void *ctx, const struct td_message *m,
			     int64_t by, int64_t at),
		   void *ctx);

/* ---- saved items (per user) ---- */
int store_save_add(struct store *st, int64_t user, int64_t message,
		   int64_t at);
int store_save_remove(struct store *st, int64_t user, int64_t message);
/* TD_ERR_NOT_FOUND when not saved. */
int store_save_get(struct store *st, int64_t user, int64_t message,
		   int64_t *saved_at);
/* Newest first, live messages the user may still see; fn's `by` is 0. */
int store_save_list(struct store *st, int64_t user, int limit,
		    int (*fn)(void *ctx, const struct td_message *m,
			      int64_t by, int64_t at),
		    void *ctx);

/* ---- search ---- */
struct store_search {
	int64_t user;		/* the searcher: only what it may read */
	const char *fts;	/* FTS5 query (quoted terms) or "" */
	int64_t conv;		/* 0: every visible conversation */
	int64_t author;		/* 0: anyone */
	int64_t before_ms, after_ms; /* 0: unbounded */
	bool has_link;
	int limit, offset;
};

/* Ranked (bm25) with terms, newest first without; snippet borrowed. */
int store_search(struct store *st, const struct store_search *q, bool *more,
		 int (*fn)(void *ctx, const struct td_message *m,
			   const char *snippet),
		 void *ctx);

/* ---- notification preferences (per user and conversation) ---- */
/* Insert or replace; TD_ERR_NOT_FOUND for an unknown user or conv. */
int store_prefs_set(struct store *st, int64_t user, int64_t conv,
		    enum td_notify notify);
/* No row is not an error: *notify = TD_NOTIFY_ALL. */
int store_prefs_get(struct store *st, int64_t user, int64_t conv,
		    enum td_notify *notify);

/* ---- scheduled messages ---- */
enum store_sched_state {
	STORE_SCHED_PENDING,
	STORE_SCHED_SENT,
	STORE_SCHED_CANCELLED,
	STORE_SCHED_FAILED
};

struct store_sched {
	int64_t id;
	int64_t user;		/* the author-to-be */
	int64_t conv;
	char *body;		/* owned when read back: store_sched_fini() */
	char nonce[TD_NONCE_MAX + 1];
	int64_t at;		/* due time, ms since the epoch */
	enum store_sched_state state;
	int64_t message;	/* the message it became (sent), else 0 */
};

void store_sched_fini(struct store_sched *sc);
/*
 * Store a pending item (body borrowed). Fills sc->id. TD_ERR_CONFLICT when
 * the user already scheduled something with that nonce; TD_ERR_NOT_FOUND
 * for an unknown user or conversation.
 */
int store_sched_add(struct store *st, struct store_sched *sc);
/* Any state; sc->body is allocated. */
int store_sched_get(struct store *st, int64_t id, struct store_sched *sc);
int store_sched_by_nonce(struct store *st, int64_t user, const char *nonce,
			 struct store_sched *sc);
/* Pending items of a user. */
int store_sched_count(struct store *st, int64_t user, int *n);
/* A user's pending items, soonest first, at most TD_PENDING_MAX; the item
 * passed to fn is borrowed for the call. */
int store_sched_list(struct store *st, int64_t user,
		     int (*fn)(void *ctx, const struct store_sched *sc),
		     void *ctx);
/* Leave the pending state (sent: `message` is the posted message).
 * TD_ERR_NOT_FOUND when no pending item has that id. */
int store_sched_set_state(struct store *st, int64_t id,
			  enum store_sched_state state, int64_t message);
/* The pending item due first, of any user; TD_ERR_NOT_FOUND if none. */
int store_sched_next(struct store *st, struct store_sched *sc);

/* ---- reminders (deleted when they fire or are cancelled) ---- */
struct store_reminder {
	int64_t id;
	int64_t user;
	int64_t message;
	int64_t conv;		/* the message's conversation */
	int64_t at;		/* due time, ms since the epoch */
};

/* Fills r->id; TD_ERR_NOT_FOUND for an unknown user or message. */
int store_remind_add(struct store *st, struct store_reminder *r);
int store_remind_get(struct store *st, int64_t id, struct store_reminder *r);
int store_remind_count(struct store *st, int64_t user, int *n);
/* Soonest first, at most TD_PENDING_MAX. */
int store_remind_list(struct store *st, int64_t user,
		      int (*fn)(void *ctx, const struct store_reminder *r),
		      void *ctx);
/* TD_ERR_NOT_FOUND when there is no such reminder. */
int store_remind_remove(struct store *st, int64_t id);
/* The reminder due first, of any user; TD_ERR_NOT_FOUND if none. */
int store_remind_next(struct store *st, struct store_reminder *r);

/* ---- events (the resume log) ---- */
/*
 * An event is kept with its serialized frame so that resume replays the same
 * bytes. conv > 0: visible to the conversation's members; user > 0: visible
 * to that user; both 0: visible to everyone.
 */
int store_event_add(struct store *st, int64_t seq, int64_t conv, int64_t user,
		    const char *frame, size_t len);
int store_event_max_seq(struct store *st, int64_t *seq); /* 0 when empty */
int store_event_min_seq(struct store *st, int64_t *seq); /* 0 when empty */
/*
 * Events with since < seq <= upto visible to `user` (by current membership),
 * ascending, at most `limit`. The frame passed to fn is borrowed.
 */
int store_event_range(struct store *st, int64_t user, int64_t since,
		      int64_t upto, int limit,
		      int (*fn)(void *ctx, int64_t seq, const char *frame,
				size_t len),
		      void *ctx);
/* Drop all but the newest `keep` events. */
int store_event_prune(struct store *st, int64_t keep);

#endif
