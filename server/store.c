/*
 * store.c: the SQLite implementation of store.h, and the only file in the
 * project that includes sqlite3.h.
 *
 * The database runs in WAL mode with foreign keys on and a 5 s busy timeout.
 * Its schema is versioned by PRAGMA user_version: migrations[] below is an
 * ordered list, entry i brings the schema from version i to version i + 1,
 * and store_open() applies the missing ones in one transaction. Entries are
 * never edited once published; a schema change appends an entry.
 *
 * Every SQL statement is a row of stmt_sql[], prepared once by store_open()
 * and reused, so a query is data and the hot path never parses SQL. Each
 * function resets the statements it used before returning, so no read
 * transaction outlives a call (an open read would pin the WAL and block
 * checkpoints).
 *
 * Time: callers pass times in (ms since the epoch). Where a function has no
 * time parameter (tokens' created_at, members' joined_at) or the struct's
 * created_at is 0 (store_user_add, store_conv_add, store_msg_add), the
 * wall clock is used and written back into the struct.
 *
 * List callbacks return 0 to go on; any other value stops the walk and is
 * returned by the listing function. A callback runs while the listing's
 * statement is live, so it must not call the same listing function again and
 * must not write to the store.
 *
 * This file must never let an sqlite3 type or SQL text escape through
 * store.h, and must never abort on anything a peer or the disk can cause:
 * such failures are TD_ERR_* codes, logged here with a "store:" prefix.
 */
#include <assert.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "store.h"
#include "store_priv.h"
#include "tandem/errors.h"
#include "tandem/types.h"

/*
 * The schema, one migration per entry. Entry 0 is version 1.
 *
 * Notes on version 1:
 * - messages.id is AUTOINCREMENT so a deleted highest id is never reused;
 *   ids ascend across the whole workspace.
 * - messages.nonce is NULL when the client sent none, so UNIQUE(author,
 *   nonce) only binds real nonces.
 * - conversations.created_by and invites.created_by are NULL for "nobody"
 *   (0 at the interface), so the foreign key does not need a user 0.
 * - dms keeps user_a <= user_b (a user may hold a dm with itself).
 * - events has no foreign keys: conv_id and user_id are 0 for "none".
 *
 * Notes on version 2:
 * - messages.thread_id is the root's id for a thread reply, 0 otherwise;
 *   a root's reply count, last reply time and participants are derived
 *   from its replies (messages_thread), never kept as counters that could
 *   drift.
 * - read_markers and thread_follows.last_read hold the highest message id
 *   read; a missing row reads as 0 (everything unread).
 * - messages_fts is an external-content FTS5 index (trigram tokenizer
 *   until version 5 replaced it with words), kept in step by triggers:
 *   a tombstone's body is '', so a delete empties its index entry in the
 *   same statement.
 *
 * Notes on version 3:
 * - conv_prefs holds a notification preference (enum td_notify) only
 *   where a user changed it; a missing row reads as "all".
 * - scheduled keeps every scheduled message with its state (0 pending,
 *   1 sent, 2 cancelled, 3 failed) so that a retry of msg.schedule with
 *   the same nonce finds the original after it fired; the partial indexes
 *   cover only pending rows, which are all the timer and lists look at.
 * - reminders are deleted when they fire or are cancelled.
 *
 * Notes on version 5:
 * - messages_fts is rebuilt with the unicode61 word tokenizer
 *   (remove_diacritics 2: case and diacritics folded; URLs split at
 *   punctuation into words) and prefix indexes for 2, 3 and 4
 *   characters. Every search term is a prefix query ("term"*), so
 *   "onboard" still finds "onboarding"; a match must start at a word
 *   start ("board" no longer finds "onboarding"). Triggers as before.
 */
static const char *const migrations[] = {
	"CREATE TABLE users ("
	" id INTEGER PRIMARY KEY,"
	" handle TEXT NOT NULL UNIQUE,"
	" display_name TEXT NOT NULL DEFAULT '',"
	" team INTEGER NOT NULL DEFAULT 0,"
	" role INTEGER NOT NULL DEFAULT 0,"
	" pwhash TEXT NOT NULL DEFAULT '',"
	" created_at INTEGER NOT NULL);"
	"CREATE TABLE tokens ("
	" id INTEGER PRIMARY KEY,"
	" user_id INTEGER NOT NULL REFERENCES users(id),"
	" hash BLOB NOT NULL UNIQUE,"
	" created_at INTEGER NOT NULL,"
	" expires_at INTEGER NOT NULL,"
	" revoked INTEGER NOT NULL DEFAULT 0);"
	"CREATE INDEX tokens_user ON tokens(user_id);"
	"CREATE TABLE invites ("
	" id INTEGER PRIMARY KEY,"
	" hash BLOB NOT NULL UNIQUE,"
	" created_by INTEGER REFERENCES users(id),"
	" max_uses INTEGER NOT NULL,"
	" uses INTEGER NOT NULL DEFAULT 0,"
	" expires_at INTEGER NOT NULL);"
	"CREATE TABLE conversations ("
	" id INTEGER PRIMARY KEY,"
	" kind INTEGER NOT NULL,"
	" name TEXT NOT NULL DEFAULT '',"
	" topic TEXT NOT NULL DEFAULT '',"
	" private INTEGER NOT NULL DEFAULT 0,"
	" archived INTEGER NOT NULL DEFAULT 0,"
	" created_by INTEGER REFERENCES users(id),"
	" created_at INTEGER NOT NULL,"
	" last_message_id INTEGER NOT NULL DEFAULT 0);"
	"CREATE UNIQUE INDEX conversations_channel_name"
	" ON conversations(name) WHERE kind = 0;"
	"CREATE TABLE members ("
	" conv_id INTEGER NOT NULL REFERENCES conversations(id),"
	" user_id INTEGER NOT NULL REFERENCES users(id),"
	" joined_at INTEGER NOT NULL,"
	" PRIMARY KEY (conv_id, user_id)) WITHOUT ROWID;"
	"CREATE INDEX members_user ON members(user_id, conv_id);"
	"CREATE TABLE dms ("
	" user_a INTEGER NOT NULL REFERENCES users(id),"
	" user_b INTEGER NOT NULL REFERENCES users(id),"
	" conv_id INTEGER NOT NULL UNIQUE REFERENCES conversations(id),"
	" PRIMARY KEY (user_a, user_b),"
	" CHECK (user_a <= user_b)) WITHOUT ROWID;"
	"CREATE TABLE messages ("
	" id INTEGER PRIMARY KEY AUTOINCREMENT,"
	" conv_id INTEGER NOT NULL REFERENCES conversations(id),"
	" author INTEGER NOT NULL REFERENCES users(id),"
	" body TEXT NOT NULL,"
	" nonce TEXT,"
	" created_at INTEGER NOT NULL,"
	" edited_at INTEGER NOT NULL DEFAULT 0,"
	" deleted INTEGER NOT NULL DEFAULT 0,"
	" UNIQUE (author, nonce));"
	"CREATE INDEX messages_conv ON messages(conv_id, id);"
	"CREATE TABLE events ("
	" seq INTEGER PRIMARY KEY,"
	" conv_id INTEGER NOT NULL DEFAULT 0,"
	" user_id INTEGER NOT NULL DEFAULT 0,"
	" frame BLOB NOT NULL);"
	"CREATE INDEX events_conv ON events(conv_id, seq);",

	/* Version 2: threads, read markers, mentions, reactions, pins,
	 * saved items, full-text search. */
	"ALTER TABLE messages ADD COLUMN thread_id INTEGER NOT NULL DEFAULT 0;"
	"CREATE INDEX messages_thread ON messages(thread_id, id)"
	" WHERE thread_id > 0;"
	"CREATE INDEX messages_conv_top ON messages(conv_id, id)"
	" WHERE thread_id = 0;"
	"CREATE TABLE thread_follows ("
	" user_id INTEGER NOT NULL REFERENCES users(id),"
	" root_id INTEGER NOT NULL REFERENCES messages(id),"
	" following INTEGER NOT NULL DEFAULT 1,"
	" unfollowed INTEGER NOT NULL DEFAULT 0,"
	" last_read INTEGER NOT NULL DEFAULT 0,"
	" PRIMARY KEY (user_id, root_id)) WITHOUT ROWID;"
	"CREATE TABLE read_markers ("
	" user_id INTEGER NOT NULL REFERENCES users(id),"
	" conv_id INTEGER NOT NULL REFERENCES conversations(id),"
	" last_read INTEGER NOT NULL,"
	" PRIMARY KEY (user_id, conv_id)) WITHOUT ROWID;"
	"CREATE TABLE mentions ("
	" user_id INTEGER NOT NULL REFERENCES users(id),"
	" message_id INTEGER NOT NULL REFERENCES messages(id),"
	" conv_id INTEGER NOT NULL,"
	" PRIMARY KEY (user_id, message_id)) WITHOUT ROWID;"
	"CREATE INDEX mentions_conv ON mentions(user_id, conv_id, message_id);"
	"CREATE TABLE reactions ("
	" message_id INTEGER NOT NULL REFERENCES messages(id),"
	" emoji TEXT NOT NULL,"
	" user_id INTEGER NOT NULL REFERENCES users(id),"
	" created_at INTEGER NOT NULL,"
	" PRIMARY KEY (message_id, emoji, user_id)) WITHOUT ROWID;"
	"CREATE TABLE pins ("
	" message_id INTEGER PRIMARY KEY REFERENCES messages(id),"
	" conv_id INTEGER NOT NULL,"
	" pinned_by INTEGER NOT NULL,"
	" pinned_at INTEGER NOT NULL);"
	"CREATE INDEX pins_conv ON pins(conv_id, pinned_at);"
	"CREATE TABLE saved ("
	" user_id INTEGER NOT NULL REFERENCES users(id),"
	" message_id INTEGER NOT NULL REFERENCES messages(id),"
	" saved_at INTEGER NOT NULL,"
	" PRIMARY KEY (user_id, message_id)) WITHOUT ROWID;"
	"CREATE VIRTUAL TABLE messages_fts USING fts5(body,"
	" content='messages', content_rowid='id', tokenize='trigram');"
	"CREATE TRIGGER messages_fts_ai AFTER INSERT ON messages BEGIN"
	" INSERT INTO messages_fts(rowid, body) VALUES (new.id, new.body);"
	" END;"
	"CREATE TRIGGER messages_fts_au AFTER UPDATE OF body ON messages BEGIN"
	" INSERT INTO messages_fts(messages_fts, rowid, body)"
	"  VALUES ('delete', old.id, old.body);"
	" INSERT INTO messages_fts(rowid, body) VALUES (new.id, new.body);"
	" END;"
	"INSERT INTO messages_fts(messages_fts) VALUES ('rebuild');",

	/* Version 3: notification preferences, scheduled messages,
	 * reminders. */
	"CREATE TABLE conv_prefs ("
	" user_id INTEGER NOT NULL REFERENCES users(id),"
	" conv_id INTEGER NOT NULL REFERENCES conversations(id),"
	" notify INTEGER NOT NULL,"
	" PRIMARY KEY (user_id, conv_id)) WITHOUT ROWID;"
	"CREATE TABLE scheduled ("
	" id INTEGER PRIMARY KEY,"
	" user_id INTEGER NOT NULL REFERENCES users(id),"
	" conv_id INTEGER NOT NULL REFERENCES conversations(id),"
	" body TEXT NOT NULL,"
	" nonce TEXT NOT NULL,"
	" at INTEGER NOT NULL,"
	" state INTEGER NOT NULL DEFAULT 0,"
	" message_id INTEGER NOT NULL DEFAULT 0,"
	" created_at INTEGER NOT NULL,"
	" UNIQUE (user_id, nonce));"
	"CREATE INDEX scheduled_due ON scheduled(at, id) WHERE state = 0;"
	"CREATE INDEX scheduled_user ON scheduled(user_id, at, id)"
	" WHERE state = 0;"
	"CREATE TABLE reminders ("
	" id INTEGER PRIMARY KEY,"
	" user_id INTEGER NOT NULL REFERENCES users(id),"
	" message_id INTEGER NOT NULL REFERENCES messages(id),"
	" conv_id INTEGER NOT NULL,"
	" at INTEGER NOT NULL,"
	" created_at INTEGER NOT NULL);"
	"CREATE INDEX reminders_due ON reminders(at, id);"
	"CREATE INDEX reminders_user ON reminders(user_id, at, id);",

	/* Version 4: unread counts from the index alone. messages_conv_top
	 * lacked author and deleted, so counting unread messages cost a
	 * table lookup each; the covering index serves history's (conv, id)
	 * ranges as well, so it replaces the old one rather than adding a
	 * third index every insert must update. thread_id is in it only
	 * because SQLite 3.40 does not count a partial index's own WHERE
	 * column as covered, and would otherwise read the table anyway. */
	"DROP INDEX messages_conv_top;"
	"CREATE INDEX messages_conv_top ON messages(conv_id, id, author,"
	" deleted, thread_id) WHERE thread_id = 0;",

	/* Version 5: word search. The trigram index made every insert
	 * about 12x slower and common terms decoded long doclists; words
	 * (unicode61, which also splits URLs at punctuation) with prefix
	 * indexes for 2 to 4 characters keep "onboard" finding
	 * "onboarding" through prefix queries (see store_search()).
	 * Same external content and triggers as version 2, rebuilt. */
	"DROP TRIGGER messages_fts_ai;"
	"DROP TRIGGER messages_fts_au;"
	"DROP TABLE messages_fts;"
	"CREATE VIRTUAL TABLE messages_fts USING fts5(body,"
	" content='messages', content_rowid='id',"
	" tokenize='unicode61 remove_diacritics 2', prefix='2 3 4');"
	"CREATE TRIGGER messages_fts_ai AFTER INSERT ON messages BEGIN"
	" INSERT INTO messages_fts(rowid, body) VALUES (new.id, new.body);"
	" END;"
	"CREATE TRIGGER messages_fts_au AFTER UPDATE OF body ON messages BEGIN"
	" INSERT INTO messages_fts(messages_fts, rowid, body)"
	"  VALUES ('delete', old.id, old.body);"
	" INSERT INTO messages_fts(rowid, body) VALUES (new.id, new.body);"
	" END;"
	"INSERT INTO messages_fts(messages_fts) VALUES ('rebuild');",

	/* Version 6: what the sales-and-marketing records need of the core.
	 * messages.system marks a line the server wrote for an action of
	 * its author (a status change, a pair's starter); users.approver
	 * marks who acknowledges glossary changes for their team. */
	"ALTER TABLE messages ADD COLUMN system INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE users ADD COLUMN approver INTEGER NOT NULL DEFAULT 0;",

	/* Version 7: feedback items (store_feedback.c). A vote keeps the
	 * time it was first cast (feedback_votes_created serves the spike
	 * windows); the inbox filters by status (feedback_status). */
	"CREATE TABLE feedback ("
	" id INTEGER PRIMARY KEY,"
	" conv_id INTEGER NOT NULL UNIQUE REFERENCES conversations(id),"
	" kind INTEGER NOT NULL,"
	" title TEXT NOT NULL,"
	" body TEXT NOT NULL,"
	" account TEXT NOT NULL DEFAULT '',"
	" competitor TEXT NOT NULL DEFAULT '',"
	" stage INTEGER NOT NULL DEFAULT 0,"
	" value INTEGER NOT NULL DEFAULT 0,"
	" status INTEGER NOT NULL DEFAULT 0,"
	" author INTEGER NOT NULL REFERENCES users(id),"
	" nonce TEXT,"
	" created_at INTEGER NOT NULL,"
	" updated_at INTEGER NOT NULL,"
	" UNIQUE (author, nonce));"
	"CREATE INDEX feedback_created ON feedback(created_at, id);"
	"CREATE INDEX feedback_kind ON feedback(kind, created_at);"
	"CREATE TABLE feedback_votes ("
	" feedback_id INTEGER NOT NULL REFERENCES feedback(id),"
	" user_id INTEGER NOT NULL REFERENCES users(id),"
	" account TEXT NOT NULL DEFAULT '',"
	" weight INTEGER NOT NULL,"
	" value INTEGER NOT NULL DEFAULT 0,"
	" stage INTEGER NOT NULL DEFAULT 0,"
	" created_at INTEGER NOT NULL,"
	" PRIMARY KEY (feedback_id, user_id)) WITHOUT ROWID;"
	"CREATE INDEX feedback_votes_user ON feedback_votes(user_id);"
	"CREATE INDEX feedback_status ON feedback(status, created_at);"
	"CREATE INDEX feedback_votes_created ON feedback_votes(created_at);",

	/* Version 8: content requests, SLA targets, verdicts, and links
	 * from feedback (store_request.c). The SLA columns hold what makes
	 * the clocks exact across restarts: targets copied at filing,
	 * stop times, the total paused and the start of a running pause.
	 * Each clock keeps its due time (fr_due_at, dl_due_at: moved on
	 * by every pause, kept once the clock ends) and how it ended:
	 * met (first_response_at, delivered_at), stopped by a close or
	 * decline (fr_stopped_at, dl_stopped_at) or breached at its due
	 * time. A reopen restarts the delivery clock at dl_started_at;
	 * paused_ms is the pause total of the current delivery clock.
	 * The partial indexes find the next clock to breach. */
	"CREATE TABLE requests ("
	" id INTEGER PRIMARY KEY,"
	" conv_id INTEGER NOT NULL UNIQUE REFERENCES conversations(id),"
	" kind INTEGER NOT NULL,"
	" title TEXT NOT NULL,"
	" body TEXT NOT NULL,"
	" account TEXT NOT NULL DEFAULT '',"
	" deal TEXT NOT NULL DEFAULT '',"
	" stage INTEGER NOT NULL DEFAULT 0,"
	" value INTEGER NOT NULL DEFAULT 0,"
	" due_at INTEGER NOT NULL DEFAULT 0,"
	" priority INTEGER NOT NULL DEFAULT 1,"
	" status INTEGER NOT NULL DEFAULT 0,"
	" resume_status INTEGER NOT NULL DEFAULT 0,"
	" reason TEXT NOT NULL DEFAULT '',"
	" requester INTEGER NOT NULL REFERENCES users(id),"
	" assignee INTEGER REFERENCES users(id),"
	" nonce TEXT,"
	" created_at INTEGER NOT NULL,"
	" updated_at INTEGER NOT NULL,"
	" fr_target_ms INTEGER NOT NULL,"
	" dl_target_ms INTEGER NOT NULL,"
	" first_response_at INTEGER NOT NULL DEFAULT 0,"
	" delivered_at INTEGER NOT NULL DEFAULT 0,"
	" paused_ms INTEGER NOT NULL DEFAULT 0,"
	" paused_since INTEGER NOT NULL DEFAULT 0,"
	" fr_breached_at INTEGER NOT NULL DEFAULT 0,"
	" dl_breached_at INTEGER NOT NULL DEFAULT 0,"
	" asset_url TEXT NOT NULL DEFAULT '',"
	" asset_note TEXT NOT NULL DEFAULT '',"
	" dl_started_at INTEGER NOT NULL DEFAULT 0,"
	" fr_due_at INTEGER NOT NULL DEFAULT 0,"
	" dl_due_at INTEGER NOT NULL DEFAULT 0,"
	" fr_stopped_at INTEGER NOT NULL DEFAULT 0,"
	" dl_stopped_at INTEGER NOT NULL DEFAULT 0,"
	" asset_at INTEGER NOT NULL DEFAULT 0,"
	" asset_by INTEGER REFERENCES users(id),"
	" UNIQUE (requester, nonce));"
	"CREATE INDEX requests_status ON requests(status, due_at);"
	"CREATE INDEX requests_fr_clock ON requests(fr_due_at)"
	" WHERE first_response_at = 0 AND fr_stopped_at = 0"
	" AND fr_breached_at = 0;"
	"CREATE INDEX requests_dl_clock ON requests(dl_due_at)"
	" WHERE delivered_at = 0 AND dl_stopped_at = 0"
	" AND dl_breached_at = 0;"
	"CREATE INDEX requests_assignee ON requests(assignee, status);"
	"CREATE INDEX requests_requester ON requests(requester, status);"
	"CREATE TABLE sla_targets ("
	" priority INTEGER PRIMARY KEY,"
	" first_response_ms INTEGER NOT NULL,"
	" delivery_ms INTEGER NOT NULL);"
	"INSERT INTO sla_targets VALUES"
	" (0, 172800000, 1728000000), (1, 86400000, 864000000),"
	" (2, 14400000, 432000000), (3, 3600000, 172800000);"
	"CREATE TABLE verdicts ("
	" request_id INTEGER NOT NULL REFERENCES requests(id),"
	" user_id INTEGER NOT NULL REFERENCES users(id),"
	" verdict INTEGER NOT NULL,"
	" note TEXT NOT NULL DEFAULT '',"
	" deal TEXT NOT NULL DEFAULT '',"
	" created_at INTEGER NOT NULL,"
	" PRIMARY KEY (request_id, user_id)) WITHOUT ROWID;"
	"CREATE TABLE feedback_links ("
	" feedback_id INTEGER NOT NULL REFERENCES feedback(id),"
	" request_id INTEGER NOT NULL REFERENCES requests(id),"
	" created_at INTEGER NOT NULL,"
	" PRIMARY KEY (feedback_id, request_id)) WITHOUT ROWID;"
	"CREATE INDEX feedback_links_request"
	" ON feedback_links(request_id, feedback_id);",

	/* Version 9: buddy pairs, rounds, pairing preferences and nudges
	 * (store_pair.c). A trio's third member is `third` (0: a pair);
	 * its conversation is then a group instead of a dm. A round keeps
	 * the people it could not pair (round_unpaired); pair_nudges holds
	 * one row per pair and UTC day nudged (day: ms / 86400000). */
	"CREATE TABLE rounds ("
	" id INTEGER PRIMARY KEY,"
	" created_by INTEGER REFERENCES users(id),"
	" created_at INTEGER NOT NULL);"
	"CREATE TABLE round_unpaired ("
	" round_id INTEGER NOT NULL REFERENCES rounds(id),"
	" user_id INTEGER NOT NULL REFERENCES users(id),"
	" PRIMARY KEY (round_id, user_id)) WITHOUT ROWID;"
	"CREATE TABLE pairs ("
	" id INTEGER PRIMARY KEY,"
	" rep INTEGER NOT NULL REFERENCES users(id),"
	" marketer INTEGER NOT NULL REFERENCES users(id),"
	" third INTEGER NOT NULL DEFAULT 0,"
	" round_id INTEGER NOT NULL DEFAULT 0,"
	" conv_id INTEGER NOT NULL REFERENCES conversations(id),"
	" created_by INTEGER REFERENCES users(id),"
	" created_at INTEGER NOT NULL,"
	" ended_at INTEGER NOT NULL DEFAULT 0);"
	"CREATE INDEX pairs_rep ON pairs(rep, ended_at);"
	"CREATE INDEX pairs_marketer ON pairs(marketer, ended_at);"
	"CREATE INDEX pairs_third ON pairs(third, ended_at) WHERE third > 0;"
	"CREATE INDEX pairs_round ON pairs(round_id, id);"
	"CREATE INDEX pairs_active ON pairs(id) WHERE ended_at = 0;"
	"CREATE TABLE round_config ("
	" id INTEGER PRIMARY KEY CHECK (id = 1),"
	" cadence INTEGER NOT NULL DEFAULT 0,"
	" next_at INTEGER NOT NULL DEFAULT 0,"
	" set_by INTEGER REFERENCES users(id));"
	"INSERT INTO round_config (id) VALUES (1);"
	"CREATE TABLE pair_prefs ("
	" user_id INTEGER PRIMARY KEY REFERENCES users(id),"
	" opt_out INTEGER NOT NULL DEFAULT 0,"
	" snooze_until INTEGER NOT NULL DEFAULT 0);"
	"CREATE TABLE pair_nudges ("
	" pair_id INTEGER NOT NULL REFERENCES pairs(id),"
	" day INTEGER NOT NULL,"
	" PRIMARY KEY (pair_id, day)) WITHOUT ROWID;"
	"CREATE TABLE nudge_state ("
	" id INTEGER PRIMARY KEY CHECK (id = 1),"
	" next_at INTEGER NOT NULL DEFAULT 0);"
	"INSERT INTO nudge_state (id) VALUES (1);",

	/* Version 10: the glossary (store_glossary.c). A term's agreed
	 * version is the newest acknowledged by an approver of each team.
	 * Names are unique without regard to ASCII case (NOCASE), and the
	 * same index lists them in that order. An ack keeps the team its
	 * approver had when acknowledging. */
	"CREATE TABLE glossary_terms ("
	" id INTEGER PRIMARY KEY,"
	" name TEXT NOT NULL UNIQUE COLLATE NOCASE,"
	" created_by INTEGER NOT NULL REFERENCES users(id),"
	" created_at INTEGER NOT NULL,"
	" updated_at INTEGER NOT NULL,"
	" version INTEGER NOT NULL DEFAULT 1,"
	" agreed_version INTEGER NOT NULL DEFAULT 0);"
	"CREATE TABLE glossary_versions ("
	" term_id INTEGER NOT NULL REFERENCES glossary_terms(id),"
	" version INTEGER NOT NULL,"
	" definition TEXT NOT NULL,"
	" author INTEGER NOT NULL REFERENCES users(id),"
	" created_at INTEGER NOT NULL,"
	" agreed_at INTEGER NOT NULL DEFAULT 0,"
	" PRIMARY KEY (term_id, version)) WITHOUT ROWID;"
	"CREATE TABLE glossary_acks ("
	" term_id INTEGER NOT NULL REFERENCES glossary_terms(id),"
	" version INTEGER NOT NULL,"
	" user_id INTEGER NOT NULL REFERENCES users(id),"
	" team INTEGER NOT NULL,"
	" created_at INTEGER NOT NULL,"
	" PRIMARY KEY (term_id, version, user_id)) WITHOUT ROWID;",

	/* Version 11: the word index is fed in chunks (store_fts_sync()
	 * in store_search.c), not by a trigger per message: FTS5 writes a
	 * segment at every savepoint and commit it takes part in, which
	 * made each message stored by the server's loop cost three times
	 * as much.
	 * fts_state.indexed_upto is the highest message id in the index;
	 * ids ascend (AUTOINCREMENT), so every newer message is pending.
	 * An edit or delete of an indexed message updates the index at
	 * once (messages_fts_au); of a pending one, nothing is needed: its
	 * current body is indexed when its chunk is.
	 * The index also holds each message's conversation and author ids,
	 * each as the one word of its own column, so "in:" and "from:"
	 * intersect the terms' matches with that conversation's or
	 * author's inside FTS5 (search_query()); only the body column is
	 * ranked (td_rank()). */
	"DROP TRIGGER messages_fts_ai;"
	"DROP TRIGGER messages_fts_au;"
	"DROP TABLE messages_fts;"
	"CREATE VIRTUAL TABLE messages_fts USING fts5(body, conv_id, author,"
	" content='messages', content_rowid='id',"
	" tokenize='unicode61 remove_diacritics 2', prefix='2 3 4');"
	"INSERT INTO messages_fts(messages_fts) VALUES ('rebuild');"
	"CREATE TABLE fts_state ("
	" id INTEGER PRIMARY KEY CHECK (id = 1),"
	" indexed_upto INTEGER NOT NULL);"
	"INSERT INTO fts_state (id, indexed_upto)"
	" VALUES (1, (SELECT coalesce(max(id), 0) FROM messages));"
	"CREATE TRIGGER messages_fts_au AFTER UPDATE OF body ON messages"
	" WHEN old.id <= (SELECT indexed_upto FROM fts_state) BEGIN"
	" INSERT INTO messages_fts(messages_fts, rowid, body, conv_id,"
	"  author) VALUES ('delete', old.id, old.body, old.conv_id,"
	"  old.author);"
	" INSERT INTO messages_fts(rowid, body, conv_id, author)"
	"  VALUES (new.id, new.body, new.conv_id, new.author);"
	" END;",
};

#define MIGRATION_COUNT ((int)(sizeof(migrations) / sizeof(migrations[0])))

/* The columns every conversation query selects, in row_conv()'s order. */
#define CONV_COLS                                                          \
	"c.id, c.kind, c.name, c.topic, c.private, c.archived,"           \
	" coalesce(c.created_by, 0), c.created_at, c.last_message_id,"    \
	" (SELECT count(*) FROM members x WHERE x.conv_id = c.id)"




/* The most unread messages counted per conversation (see S_UNREAD_ONE). */
#define UNREAD_CAP "1000"


#define USER_COLS \
	"id, handle, display_name, team, role, created_at, approver"

/* The columns of a scheduled message, in row_sched()'s order. */
#define SCHED_COLS "id, user_id, conv_id, body, nonce, at, state, message_id"

/* The columns of a reminder, in row_reminder()'s order. */
#define REMIND_COLS "id, user_id, message_id, conv_id, at"

enum stmt_id {
	S_BEGIN,
	S_COMMIT,
	S_ROLLBACK,
	S_SAVEPOINT,
	S_RELEASE,
	S_ROLLBACK_TO,
	S_USER_COUNT,
	S_USER_ADD,
	S_USER_GET,
	S_USER_BY_HANDLE,
	S_USER_SET_PWHASH,
	S_USER_LIST,
	S_TOKEN_ADD,
	S_TOKEN_LOOKUP,
	S_TOKEN_REVOKE,
	S_INVITE_ADD,
	S_INVITE_USE,
	S_CONV_ADD,
	S_CONV_GET,
	S_CONV_BY_NAME,
	S_CONV_SET_TOPIC,
	S_CONV_SET_NAME,
	S_CONV_SET_ARCHIVED,
	S_CONV_SET_LAST,
	S_CONV_LIST_VISIBLE,
	S_DM_FIND,
	S_DM_LINK,
	S_MEMBER_ADD,
	S_MEMBER_REMOVE,
	S_MEMBER_IS,
	S_MEMBER_LIST,
	S_MSG_ADD,
	S_MSG_GET,
	S_MSG_BY_NONCE,
	S_MSG_STATE,
	S_MSG_EDIT,
	S_MSG_DELETE,
	S_HIST_BOUND,
	S_HIST_RANGE,
	S_EVENT_ADD,
	S_EVENT_MAX,
	S_EVENT_MIN,
	S_EVENT_RANGE,
	S_EVENT_PRUNE,
	S_REPLY_BOUND,
	S_REPLY_RANGE,
	S_MSG_CLEAR,
	S_FOLLOW_SET,
	S_FOLLOW_AUTO,
	S_FOLLOW_GET,
	S_THREAD_READ,
	S_THREAD_LIST,
	S_THREAD_UNREAD,
	S_READ_SET,
	S_READ_FORCE,
	S_UNREAD_ONE,
	S_MENTION_ADD,
	S_MENTION_LIST,
	S_REACT_ADD,
	S_REACT_REMOVE,
	S_PIN_ADD,
	S_PIN_REMOVE,
	S_PIN_LIST,
	S_SAVE_ADD,
	S_SAVE_REMOVE,
	S_SAVE_GET,
	S_SAVE_LIST,
	S_PREFS_SET,
	S_PREFS_GET,
	S_SCHED_ADD,
	S_SCHED_GET,
	S_SCHED_BY_NONCE,
	S_SCHED_COUNT,
	S_SCHED_LIST,
	S_SCHED_SET_STATE,
	S_SCHED_NEXT,
	S_REMIND_ADD,
	S_REMIND_GET,
	S_REMIND_COUNT,
	S_REMIND_LIST,
	S_REMIND_REMOVE,
	S_REMIND_NEXT,
	S__COUNT
};

static const char *const stmt_sql[S__COUNT] = {
	[S_BEGIN] = "BEGIN IMMEDIATE",
	[S_COMMIT] = "COMMIT",
	[S_ROLLBACK] = "ROLLBACK",
	[S_SAVEPOINT] = "SAVEPOINT sp",
	[S_RELEASE] = "RELEASE sp",
	[S_ROLLBACK_TO] = "ROLLBACK TO sp",

	[S_USER_COUNT] = "SELECT count(*) FROM users",
	[S_USER_ADD] = "INSERT INTO users (handle, display_name, team, role,"
		       " pwhash, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
	[S_USER_GET] = "SELECT " USER_COLS " FROM users WHERE id = ?1",
	[S_USER_BY_HANDLE] = "SELECT " USER_COLS ", pwhash FROM users"
			     " WHERE handle = ?1",
	[S_USER_SET_PWHASH] = "UPDATE users SET pwhash = ?2 WHERE id = ?1",
	[S_USER_LIST] = "SELECT " USER_COLS " FROM users ORDER BY id",

	[S_TOKEN_ADD] = "INSERT INTO tokens (user_id, hash, created_at,"
			" expires_at) VALUES (?1, ?2, ?3, ?4)",
	[S_TOKEN_LOOKUP] = "SELECT user_id, id, expires_at FROM tokens"
			   " WHERE hash = ?1 AND revoked = 0"
			   " AND expires_at > ?2",
	[S_TOKEN_REVOKE] = "UPDATE tokens SET revoked = 1 WHERE id = ?1",

	[S_INVITE_ADD] = "INSERT INTO invites (hash, created_by, max_uses,"
			 " expires_at) VALUES (?1, nullif(?2, 0), ?3, ?4)",
	[S_INVITE_USE] = "UPDATE invites SET uses = uses + 1"
			 " WHERE hash = ?1 AND uses < max_uses"
			 " AND expires_at > ?2",

	[S_CONV_ADD] = "INSERT INTO conversations (kind, name, topic,"
		       " private, archived, created_by, created_at)"
		       " VALUES (?1, ?2, ?3, ?4, ?5, nullif(?6, 0), ?7)",
	[S_CONV_GET] = "SELECT " CONV_COLS " FROM conversations c"
		       " WHERE c.id = ?1",
	[S_CONV_BY_NAME] = "SELECT " CONV_COLS " FROM conversations c"
			   " WHERE c.kind = 0 AND c.name = ?1",
	[S_CONV_SET_TOPIC] = "UPDATE conversations SET topic = ?2"
			     " WHERE id = ?1",
	[S_CONV_SET_NAME] = "UPDATE conversations SET name = ?2"
			    " WHERE id = ?1",
	[S_CONV_SET_ARCHIVED] = "UPDATE conversations SET archived = ?2"
				" WHERE id = ?1",
	[S_CONV_SET_LAST] = "UPDATE conversations SET last_message_id = ?2"
			    " WHERE id = ?1 AND last_message_id < ?2",
	[S_CONV_LIST_VISIBLE] =
		"SELECT " CONV_COLS ", 1 FROM members m"
		" JOIN conversations c ON c.id = m.conv_id"
		" WHERE m.user_id = ?1"
		" UNION ALL "
		"SELECT " CONV_COLS ", 0 FROM conversations c"
		" WHERE c.kind = 0 AND c.private = 0 AND NOT EXISTS"
		" (SELECT 1 FROM members m"
		"  WHERE m.conv_id = c.id AND m.user_id = ?1)"
		" ORDER BY 2, 3, 1",
	[S_DM_FIND] = "SELECT conv_id FROM dms WHERE user_a = ?1"
		      " AND user_b = ?2",
	[S_DM_LINK] = "INSERT INTO dms (user_a, user_b, conv_id)"
		      " VALUES (?1, ?2, ?3)",

	[S_MEMBER_ADD] = "INSERT INTO members (conv_id, user_id, joined_at)"
			 " VALUES (?1, ?2, ?3)",
	[S_MEMBER_REMOVE] = "DELETE FROM members WHERE conv_id = ?1"
			    " AND user_id = ?2",
	[S_MEMBER_IS] = "SELECT 1 FROM members WHERE conv_id = ?1"
			" AND user_id = ?2",
	[S_MEMBER_LIST] = "SELECT user_id FROM members WHERE conv_id = ?1"
			  " ORDER BY user_id",

	[S_MSG_ADD] = "INSERT INTO messages (conv_id, author, body, nonce,"
		      " created_at, thread_id, system)"
		      " VALUES (?1, ?2, ?3, nullif(?4, ''), ?5, ?6, ?7)",
	[S_MSG_GET] = "SELECT " MSG_COLS " FROM messages m WHERE m.id = ?1",
	[S_MSG_BY_NONCE] = "SELECT " MSG_COLS " FROM messages m"
			   " WHERE m.author = ?1 AND m.nonce = ?2",
	[S_MSG_STATE] = "SELECT deleted FROM messages WHERE id = ?1",
	[S_MSG_EDIT] = "UPDATE messages SET body = ?2, edited_at = ?3"
		       " WHERE id = ?1 AND deleted = 0",
	[S_MSG_DELETE] = "UPDATE messages SET body = '', deleted = 1,"
			 " edited_at = ?2 WHERE id = ?1",
	/* The (limit + 1)-th newest id below `before`: the page's floor. */
	/* History is the conversation's top level: replies live in threads. */
	[S_HIST_BOUND] = "SELECT id FROM messages WHERE conv_id = ?1"
			 " AND thread_id = 0"
			 " AND id < ?2 ORDER BY id DESC LIMIT 1 OFFSET ?3",
	[S_HIST_RANGE] = "SELECT " MSG_COLS " FROM messages m"
			 " WHERE m.conv_id = ?1 AND m.thread_id = 0"
			 " AND m.id > ?2 AND m.id < ?3"
			 " ORDER BY m.id LIMIT ?4",

	[S_EVENT_ADD] = "INSERT INTO events (seq, conv_id, user_id, frame)"
			" VALUES (?1, ?2, ?3, ?4)",
	[S_EVENT_MAX] = "SELECT coalesce(max(seq), 0) FROM events",
	[S_EVENT_MIN] = "SELECT coalesce(min(seq), 0) FROM events",
	/*
	 * Walk the seq range in rowid order and test each event there: the
	 * user's conversations are read once (members_user) into an
	 * ephemeral index that each conversation event probes. No sort, and
	 * LIMIT stops the walk early, so resuming through the whole log
	 * costs one pass however it is paged. The unary + keep the planner
	 * from trading the walk for per-conversation index scans plus a sort
	 * of everything visible (a sort per page: quadratic when paging).
	 */
	[S_EVENT_RANGE] =
		"SELECT e.seq, e.frame FROM events e"
		" WHERE e.seq > ?2 AND e.seq <= ?3 AND ("
		" (+e.conv_id = 0 AND +e.user_id = 0)"
		" OR +e.user_id = ?1"
		" OR +e.conv_id IN (SELECT m.conv_id FROM members m"
		"  WHERE m.user_id = ?1))"
		" ORDER BY e.seq LIMIT ?4",
	[S_EVENT_PRUNE] = "DELETE FROM events WHERE seq <= coalesce("
			  " (SELECT seq FROM events ORDER BY seq DESC"
			  "  LIMIT 1 OFFSET ?1), 0)",

	/* "thread_id > 0" lets these use messages_thread (see MSG_COLS). */
	[S_REPLY_BOUND] = "SELECT id FROM messages WHERE thread_id = ?1"
			  " AND thread_id > 0"
			  " AND id < ?2 ORDER BY id DESC LIMIT 1 OFFSET ?3",
	[S_REPLY_RANGE] = "SELECT " MSG_COLS " FROM messages m"
			  " WHERE m.thread_id = ?1 AND m.thread_id > 0"
			  " AND m.id > ?2 AND m.id < ?3"
			  " ORDER BY m.id LIMIT ?4",
	/* What a tombstone loses: its reactions, its pin, saves of it. */
	[S_MSG_CLEAR] = "DELETE FROM reactions WHERE message_id = ?1",
	[S_FOLLOW_SET] = "INSERT INTO thread_follows (user_id, root_id,"
			 " following, unfollowed) VALUES (?1, ?2, ?3, 1 - ?3)"
			 " ON CONFLICT (user_id, root_id)"
			 " DO UPDATE SET following = ?3, unfollowed = 1 - ?3",
	/* Follow unless following already or unfollowed on purpose. */
	[S_FOLLOW_AUTO] = "INSERT INTO thread_follows (user_id, root_id,"
			  " following) VALUES (?1, ?2, 1)"
			  " ON CONFLICT (user_id, root_id)"
			  " DO UPDATE SET following = 1"
			  " WHERE following = 0 AND unfollowed = 0",
	[S_FOLLOW_GET] = "SELECT following, last_read FROM thread_follows"
			 " WHERE user_id = ?1 AND root_id = ?2",
	[S_THREAD_READ] = "INSERT INTO thread_follows (user_id, root_id,"
			  " following, last_read) VALUES (?1, ?2, 0, ?3)"
			  " ON CONFLICT (user_id, root_id)"
			  " DO UPDATE SET last_read = ?3",
	[S_THREAD_LIST] =
		"SELECT " MSG_COLS ", f.last_read,"
		" (SELECT count(*) FROM messages u WHERE u.thread_id = m.id"
		"  AND u.thread_id > 0"
		"  AND u.id > f.last_read AND u.deleted = 0"
		"  AND u.author != ?1) AS unread"
		" FROM thread_follows f JOIN messages m ON m.id = f.root_id"
		" WHERE f.user_id = ?1 AND f.following = 1 AND"
		VISIBLE_TO_1("m.conv_id")
		" ORDER BY unread > 0 DESC, (SELECT max(u.id) FROM messages u"
		" WHERE u.thread_id = m.id AND u.thread_id > 0) DESC,"
		" m.id DESC LIMIT ?2",
	[S_THREAD_UNREAD] = "SELECT count(*) FROM messages u"
			    " WHERE u.thread_id = ?2 AND u.thread_id > 0"
			    " AND u.deleted = 0"
			    " AND u.author != ?1 AND u.id > coalesce("
			    " (SELECT last_read FROM thread_follows"
			    "  WHERE user_id = ?1 AND root_id = ?2), 0)",
	[S_READ_SET] = "INSERT INTO read_markers (user_id, conv_id, last_read)"
		       " VALUES (?1, ?2, ?3) ON CONFLICT (user_id, conv_id)"
		       " DO UPDATE SET last_read = max(last_read, ?3)",
	[S_READ_FORCE] = "INSERT INTO read_markers (user_id, conv_id,"
			 " last_read) VALUES (?1, ?2, ?3)"
			 " ON CONFLICT (user_id, conv_id)"
			 " DO UPDATE SET last_read = ?3",
	/*
	 * Per conversation of user ?1: marker, unread top-level messages by
	 * others, unread mentions of ?1. Each count is one range probe of a
	 * (conv, id) index past the marker, so the cost follows what is
	 * unread, not the history's length. messages_conv_top covers the
	 * unread count, and it stops at UNREAD_CAP so a conversation never
	 * opened costs no more than one a little behind (PROTOCOL.md:
	 * unread.counts reports UNREAD_CAP as "that many or more").
	 */
	[S_UNREAD_ONE] =
		"SELECT c.conv_id, coalesce(r.last_read, 0),"
		" (SELECT count(*) FROM (SELECT 1 FROM messages x"
		"  WHERE x.conv_id = c.conv_id"
		"  AND x.thread_id = 0 AND x.id > coalesce(r.last_read, 0)"
		"  AND x.deleted = 0 AND x.author != ?1 LIMIT " UNREAD_CAP ")),"
		" (SELECT count(*) FROM mentions n JOIN messages x"
		"  ON x.id = n.message_id WHERE n.user_id = ?1"
		"  AND n.conv_id = c.conv_id AND n.message_id >"
		"  coalesce(r.last_read, 0) AND x.thread_id = 0"
		"  AND x.deleted = 0),"
		" coalesce((SELECT p.notify FROM conv_prefs p"
		"  WHERE p.user_id = ?1 AND p.conv_id = c.conv_id), 0)"
		" FROM members c LEFT JOIN read_markers r"
		" ON r.user_id = c.user_id AND r.conv_id = c.conv_id"
		" WHERE c.user_id = ?1 AND (?2 = 0 OR c.conv_id = ?2)"
		" ORDER BY c.conv_id",
	[S_MENTION_ADD] = "INSERT OR IGNORE INTO mentions (user_id,"
			  " message_id, conv_id) VALUES (?1, ?2, ?3)",
	[S_MENTION_LIST] =
		"SELECT " MSG_COLS " FROM mentions n"
		" JOIN messages m ON m.id = n.message_id"
		" WHERE n.user_id = ?1 AND n.message_id < ?2"
		" AND m.deleted = 0 AND" VISIBLE_TO_1("m.conv_id")
		" ORDER BY n.message_id DESC LIMIT ?3",
	[S_REACT_ADD] = "INSERT INTO reactions (message_id, emoji, user_id,"
			" created_at) VALUES (?1, ?2, ?3, ?4)",
	[S_REACT_REMOVE] = "DELETE FROM reactions WHERE message_id = ?1"
			   " AND emoji = ?2 AND user_id = ?3",
	[S_PIN_ADD] = "INSERT INTO pins (message_id, conv_id, pinned_by,"
		      " pinned_at) VALUES (?1, ?2, ?3, ?4)",
	[S_PIN_REMOVE] = "DELETE FROM pins WHERE message_id = ?1",
	[S_PIN_LIST] = "SELECT " MSG_COLS ", p.pinned_by, p.pinned_at"
		       " FROM pins p JOIN messages m ON m.id = p.message_id"
		       " WHERE p.conv_id = ?1 AND m.deleted = 0"
		       " ORDER BY p.pinned_at DESC, p.message_id DESC"
		       " LIMIT ?2",
	[S_SAVE_ADD] = "INSERT INTO saved (user_id, message_id, saved_at)"
		       " VALUES (?1, ?2, ?3)",
	[S_SAVE_REMOVE] = "DELETE FROM saved WHERE user_id = ?1"
			  " AND message_id = ?2",
	[S_SAVE_GET] = "SELECT saved_at FROM saved WHERE user_id = ?1"
		       " AND message_id = ?2",
	[S_SAVE_LIST] = "SELECT " MSG_COLS ", s.saved_at FROM saved s"
			" JOIN messages m ON m.id = s.message_id"
			" WHERE s.user_id = ?1 AND m.deleted = 0 AND"
			VISIBLE_TO_1("m.conv_id")
			" ORDER BY s.saved_at DESC, s.message_id DESC"
			" LIMIT ?2",
	[S_PREFS_SET] = "INSERT INTO conv_prefs (user_id, conv_id, notify)"
			" VALUES (?1, ?2, ?3) ON CONFLICT (user_id, conv_id)"
			" DO UPDATE SET notify = ?3",
	[S_PREFS_GET] = "SELECT notify FROM conv_prefs WHERE user_id = ?1"
			" AND conv_id = ?2",
	[S_SCHED_ADD] = "INSERT INTO scheduled (user_id, conv_id, body, nonce,"
			" at, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
	[S_SCHED_GET] = "SELECT " SCHED_COLS " FROM scheduled WHERE id = ?1",
	[S_SCHED_BY_NONCE] = "SELECT " SCHED_COLS " FROM scheduled"
			     " WHERE user_id = ?1 AND nonce = ?2",
	[S_SCHED_COUNT] = "SELECT count(*) FROM scheduled WHERE user_id = ?1"
			  " AND state = 0",
	[S_SCHED_LIST] = "SELECT " SCHED_COLS " FROM scheduled"
			 " WHERE user_id = ?1 AND state = 0"
			 " ORDER BY at, id LIMIT ?2",
	[S_SCHED_SET_STATE] = "UPDATE scheduled SET state = ?2,"
			      " message_id = ?3 WHERE id = ?1 AND state = 0",
	[S_SCHED_NEXT] = "SELECT " SCHED_COLS " FROM scheduled"
			 " WHERE state = 0 ORDER BY at, id LIMIT 1",
	[S_REMIND_ADD] = "INSERT INTO reminders (user_id, message_id, conv_id,"
			 " at, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
	[S_REMIND_GET] = "SELECT " REMIND_COLS " FROM reminders WHERE id = ?1",
	[S_REMIND_COUNT] = "SELECT count(*) FROM reminders WHERE user_id = ?1",
	[S_REMIND_LIST] = "SELECT " REMIND_COLS " FROM reminders"
			  " WHERE user_id = ?1 ORDER BY at, id LIMIT ?2",
	[S_REMIND_REMOVE] = "DELETE FROM reminders WHERE id = ?1",
	[S_REMIND_NEXT] = "SELECT " REMIND_COLS " FROM reminders"
			  " ORDER BY at, id LIMIT 1",
};

/* Statements of the per-record store files (store_sql()): open
 * addressing on the SQL text's address; a power of two. */
#define LAZY_SLOTS 512

struct lazy_stmt {
	const char *sql;
	sqlite3_stmt *stmt;
};

struct store {
	sqlite3 *db;
	sqlite3_stmt *stmt[S__COUNT];
	int sp_depth; /* open savepoints */
	int64_t (*now)(void);
	struct lazy_stmt lazy[LAZY_SLOTS];
};

static int64_t
wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t
store_now(struct store *st)
{
	return st != NULL && st->now != NULL ? st->now() : wall_ms();
}

static void *
xcalloc(size_t n, size_t size)
{
	void *p = calloc(n, size);

	if (p == NULL) {
		fprintf(stderr, "store: out of memory\n");
		abort();
	}
	return p;
}

/* A heap copy of `len` bytes of text plus a NUL; aborts on OOM. */
static char *
xstrndup(const char *s, size_t len)
{
	char *p = malloc(len + 1);

	if (p == NULL) {
		fprintf(stderr, "store: out of memory\n");
		abort();
	}
	if (len > 0)
		memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

/* Copy column text into a fixed array, truncating to fit. */
static void
copy_col(char *dst, size_t cap, sqlite3_stmt *s, int col)
{
	const unsigned char *t = sqlite3_column_text(s, col);

	snprintf(dst, cap, "%s", t != NULL ? (const char *)t : "");
}

static void
log_err(struct store *st, const char *what)
{
	fprintf(stderr, "store: %s: %s\n", what, sqlite3_errmsg(st->db));
}

/*
 * Map a failed step's result code onto a TD_ERR_* code. Uniqueness
 * violations become `unique_err`, a broken foreign key (a referenced row is
 * missing) TD_ERR_NOT_FOUND; anything else is logged and TD_ERR_STORAGE.
 */
static int
map_err(struct store *st, int rc, int unique_err, const char *what)
{
	switch (rc) {
	case SQLITE_CONSTRAINT_UNIQUE:
	case SQLITE_CONSTRAINT_PRIMARYKEY:
		return unique_err;
	case SQLITE_CONSTRAINT_FOREIGNKEY:
		return TD_ERR_NOT_FOUND;
	default:
		log_err(st, what);
		return TD_ERR_STORAGE;
	}
}

/* The statement `id`, reset and with its bindings cleared. */
static sqlite3_stmt *
stmt(struct store *st, enum stmt_id id)
{
	sqlite3_stmt *s = st->stmt[id];

	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	return s;
}

/* ---- shared with the per-record store files (store_priv.h) ---- */

sqlite3 *
store_db(struct store *st)
{
	return st->db;
}

sqlite3_stmt *
store_sql(struct store *st, const char *sql)
{
	size_t h = ((uintptr_t)sql >> 3) * 2654435761u;

	for (size_t i = 0; i < LAZY_SLOTS; i++) {
		struct lazy_stmt *l = &st->lazy[(h + i) & (LAZY_SLOTS - 1)];

		if (l->sql == sql) {
			sqlite3_reset(l->stmt);
			sqlite3_clear_bindings(l->stmt);
			return l->stmt;
		}
		if (l->sql == NULL) {
			if (sqlite3_prepare_v3(st->db, sql, -1,
					       SQLITE_PREPARE_PERSISTENT,
					       &l->stmt, NULL) != SQLITE_OK) {
				fprintf(stderr, "store: prepare: %s: %s\n",
					sqlite3_errmsg(st->db), sql);
				sqlite3_finalize(l->stmt);
				l->stmt = NULL;
				return NULL;
			}
			l->sql = sql;
			return l->stmt;
		}
	}
	fprintf(stderr, "store: statement cache full\n");
	return NULL;
}

/* Step a statement that returns no rows, then reset it. */
static int
exec_done(struct store *st, sqlite3_stmt *s, int unique_err,
	  const char *what)
{
	int rc = sqlite3_step(s);
	int err = 0;

	if (rc != SQLITE_DONE)
		err = map_err(st, rc, unique_err, what);
	sqlite3_reset(s);
	return err;
}

/* Run a change statement that must touch a row: TD_ERR_NOT_FOUND if none. */
static int
exec_change(struct store *st, sqlite3_stmt *s, int unique_err,
	    const char *what)
{
	int err = exec_done(st, s, unique_err, what);

	if (err == 0 && sqlite3_changes(st->db) == 0)
		err = TD_ERR_NOT_FOUND;
	return err;
}

/* Step a statement expecting one row; TD_ERR_NOT_FOUND when there is none. */
static int
step_row(struct store *st, sqlite3_stmt *s, const char *what)
{
	int rc = sqlite3_step(s);

	if (rc == SQLITE_ROW)
		return 0;
	if (rc == SQLITE_DONE)
		return TD_ERR_NOT_FOUND;
	return map_err(st, rc, TD_ERR_STORAGE, what);
}

/* Read a single integer from a one-row query, then reset it. */
static int
query_int(struct store *st, sqlite3_stmt *s, int64_t *out, const char *what)
{
	int err = step_row(st, s, what);

	if (err == 0)
		*out = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	return err;
}

static void
bind_text(sqlite3_stmt *s, int i, const char *t)
{
	sqlite3_bind_text(s, i, t != NULL ? t : "", -1, SQLITE_STATIC);
}

static void
row_user(sqlite3_stmt *s, struct td_user *u)
{
	memset(u, 0, sizeof(*u));
	u->id = sqlite3_column_int64(s, 0);
	copy_col(u->handle, sizeof(u->handle), s, 1);
	copy_col(u->display_name, sizeof(u->display_name), s, 2);
	u->team = (enum td_team)sqlite3_column_int(s, 3);
	u->role = (enum td_role)sqlite3_column_int(s, 4);
	u->created_at = sqlite3_column_int64(s, 5);
	u->approver = sqlite3_column_int(s, 6) != 0;
}

/* Fill a conversation from CONV_COLS; c->member is left false. */
static void
row_conv(sqlite3_stmt *s, struct td_conv *c)
{
	memset(c, 0, sizeof(*c));
	c->id = sqlite3_column_int64(s, 0);
	c->kind = (enum td_conv_kind)sqlite3_column_int(s, 1);
	copy_col(c->name, sizeof(c->name), s, 2);
	copy_col(c->topic, sizeof(c->topic), s, 3);
	c->is_private = sqlite3_column_int(s, 4) != 0;
	c->archived = sqlite3_column_int(s, 5) != 0;
	c->created_by = sqlite3_column_int64(s, 6);
	c->created_at = sqlite3_column_int64(s, 7);
	c->last_message_id = sqlite3_column_int64(s, 8);
	c->member_count = sqlite3_column_int(s, 9);
}

/* Count the separators in a group_concat() list: entries - 1. */
static size_t
count_char(const char *t, char c)
{
	size_t n = 0;

	for (; *t != '\0'; t++)
		n += *t == c;
	return n;
}

/* "3,5,9" (group_concat of user ids) into m->participants. */
static void
row_participants(sqlite3_stmt *s, int col, struct td_message *m)
{
	const char *t = (const char *)sqlite3_column_text(s, col);
	char *end;

	if (t == NULL || *t == '\0')
		return;
	m->participants = xcalloc(count_char(t, ',') + 1,
				  sizeof(*m->participants));
	while (*t != '\0') {
		m->participants[m->n_participants++] = strtoll(t, &end, 10);
		if (*end != ',')
			break;
		t = end + 1;
	}
}

/*
 * "smile:3,smile:5,tada:3" into m->reactions. Shortcodes are
 * [a-z0-9_+-] (checked on the way in), so ':' and ',' cannot occur in
 * them.
 */
static void
row_reactions(sqlite3_stmt *s, int col, struct td_message *m)
{
	const char *t = (const char *)sqlite3_column_text(s, col);
	const char *colon;
	char *end;
	size_t len;

	if (t == NULL || *t == '\0')
		return;
	m->reactions = xcalloc(count_char(t, ',') + 1, sizeof(*m->reactions));
	while (*t != '\0') {
		struct td_reaction *r = &m->reactions[m->n_reactions];

		colon = strchr(t, ':');
		if (colon == NULL)
			break;
		len = (size_t)(colon - t);
		if (len > TD_EMOJI_MAX)
			len = TD_EMOJI_MAX;
		memcpy(r->emoji, t, len);
		r->emoji[len] = '\0';
		r->user = strtoll(colon + 1, &end, 10);
		m->n_reactions++;
		if (*end != ',')
			break;
		t = end + 1;
	}
}

/* Fill a message from MSG_COLS; m->body and the arrays are allocated. */
void
store_row_msg(sqlite3_stmt *s, struct td_message *m)
{
	const char *body;

	memset(m, 0, sizeof(*m));
	m->id = sqlite3_column_int64(s, 0);
	m->conv = sqlite3_column_int64(s, 1);
	m->author = sqlite3_column_int64(s, 2);
	body = (const char *)sqlite3_column_text(s, 3);
	m->body = xstrndup(body != NULL ? body : "",
			   body != NULL ? (size_t)sqlite3_column_bytes(s, 3)
					: 0);
	copy_col(m->nonce, sizeof(m->nonce), s, 4);
	m->created_at = sqlite3_column_int64(s, 5);
	m->edited_at = sqlite3_column_int64(s, 6);
	m->deleted = sqlite3_column_int(s, 7) != 0;
	m->thread = sqlite3_column_int64(s, 8);
	m->reply_count = sqlite3_column_int(s, 9);
	m->last_reply_at = sqlite3_column_int64(s, 10);
	row_participants(s, 11, m);
	row_reactions(s, 12, m);
	m->system = sqlite3_column_int(s, 13) != 0;
}

/*
 * Bring the schema to the newest version. The version is read inside the
 * write transaction, so two processes opening a fresh file at once cannot
 * both migrate. A file newer than this binary is refused.
 */
static int
migrate(struct store *st)
{
	sqlite3_stmt *s = NULL;
	char sql[64];
	int version = 0;
	int err = TD_ERR_STORAGE;
	int i;

	if (sqlite3_exec(st->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) !=
	    SQLITE_OK) {
		log_err(st, "migrate: begin");
		return TD_ERR_STORAGE;
	}
	if (sqlite3_prepare_v2(st->db, "PRAGMA user_version", -1, &s,
			       NULL) != SQLITE_OK ||
	    sqlite3_step(s) != SQLITE_ROW) {
		log_err(st, "migrate: user_version");
		goto out;
	}
	version = sqlite3_column_int(s, 0);
	/* A statement still running would make DROP INDEX fail with
	 * "database table is locked". */
	sqlite3_reset(s);
	if (version > MIGRATION_COUNT) {
		fprintf(stderr,
			"store: database schema version %d is newer than "
			"this build (%d)\n", version, MIGRATION_COUNT);
		goto out;
	}
	for (i = version; i < MIGRATION_COUNT; i++) {
		if (sqlite3_exec(st->db, migrations[i], NULL, NULL, NULL) !=
		    SQLITE_OK) {
			log_err(st, "migrate");
			goto out;
		}
	}
	snprintf(sql, sizeof(sql), "PRAGMA user_version = %d",
		 MIGRATION_COUNT);
	if (sqlite3_exec(st->db, sql, NULL, NULL, NULL) != SQLITE_OK) {
		log_err(st, "migrate: set user_version");
		goto out;
	}
	err = 0;
out:
	sqlite3_finalize(s);
	if (err == 0 &&
	    sqlite3_exec(st->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		log_err(st, "migrate: commit");
		err = TD_ERR_STORAGE;
	}
	if (err != 0 && !sqlite3_get_autocommit(st->db))
		sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
	return err;
}

/*
 * Open (creating if needed) the database at opt->path, set the connection's
 * pragmas, migrate the schema and prepare every statement. On success *out
 * belongs to the caller (store_close()); on failure nothing is left open.
 */
int
store_open(struct store **out, const struct store_options *opt)
{
	struct store *st = xcalloc(1, sizeof(*st));
	const char *sync = opt->sync_full ? "PRAGMA synchronous = FULL"
					  : "PRAGMA synchronous = NORMAL";
	int err = TD_ERR_STORAGE;
	int i;

	*out = NULL;
	st->now = opt->now_ms;
	if (sqlite3_open_v2(opt->path, &st->db,
			    SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
			    NULL) != SQLITE_OK) {
		fprintf(stderr, "store: open %s: %s\n", opt->path,
			st->db != NULL ? sqlite3_errmsg(st->db)
				       : "out of memory");
		goto out;
	}
	sqlite3_extended_result_codes(st->db, 1);
	sqlite3_busy_timeout(st->db, 5000);
	if (sqlite3_exec(st->db, "PRAGMA journal_mode = WAL", NULL, NULL,
			 NULL) != SQLITE_OK ||
	    sqlite3_exec(st->db, sync, NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_exec(st->db, "PRAGMA foreign_keys = ON", NULL, NULL,
			 NULL) != SQLITE_OK) {
		log_err(st, "pragmas");
		goto out;
	}
	if (migrate(st) != 0 || store_search_register(st) != 0)
		goto out;
	for (i = 0; i < S__COUNT; i++) {
		assert(stmt_sql[i] != NULL);
		if (sqlite3_prepare_v3(st->db, stmt_sql[i], -1,
				       SQLITE_PREPARE_PERSISTENT, &st->stmt[i],
				       NULL) != SQLITE_OK) {
			fprintf(stderr, "store: prepare %d: %s\n", i,
				sqlite3_errmsg(st->db));
			goto out;
		}
	}
	*out = st;
	err = 0;
out:
	if (err != 0)
		store_close(st);
	return err;
}

/* Finalize every statement, roll back any open batch and close. */
void
store_close(struct store *st)
{
	int i;

	if (st == NULL)
		return;
	if (st->db != NULL && !sqlite3_get_autocommit(st->db))
		sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
	for (i = 0; i < S__COUNT; i++)
		sqlite3_finalize(st->stmt[i]);
	for (i = 0; i < LAZY_SLOTS; i++)
		sqlite3_finalize(st->lazy[i].stmt);
	if (st->db != NULL && sqlite3_close(st->db) != SQLITE_OK)
		log_err(st, "close");
	free(st);
}

int
store_batch_begin(struct store *st)
{
	if (store_batch_open(st))
		return 0;
	st->sp_depth = 0;
	return exec_done(st, stmt(st, S_BEGIN), TD_ERR_STORAGE, "begin");
}

bool
store_batch_open(const struct store *st)
{
	return !sqlite3_get_autocommit(st->db);
}

/*
 * Commit the batch. On failure the batch is rolled back, so no transaction
 * is left open either way, and TD_ERR_STORAGE says nothing was stored.
 * Committing with no batch open is a no-op. A chunk of messages waiting
 * for the word index is indexed first (store_fts_sync()), in the same
 * transaction; if that fails they keep waiting (logged) and the commit
 * goes ahead.
 */
int
store_batch_commit(struct store *st)
{
	int err = 0;

	if (!store_batch_open(st))
		goto out;
	if (store_fts_sync(st, false) != 0)
		log_err(st, "fts sync: indexing left for later");
	err = exec_done(st, stmt(st, S_COMMIT), TD_ERR_STORAGE, "commit");
	if (err != 0)
		store_batch_rollback(st);
out:
	st->sp_depth = 0;
	return err;
}

void
store_batch_rollback(struct store *st)
{
	if (store_batch_open(st) &&
	    exec_done(st, stmt(st, S_ROLLBACK), TD_ERR_STORAGE, "rollback"))
		sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
	st->sp_depth = 0;
}

/*
 * Open a savepoint for one request. Called outside a batch, it opens one
 * first (BEGIN IMMEDIATE), so a write never runs in a deferred transaction;
 * the caller then owns committing it.
 */
int
store_sp_begin(struct store *st)
{
	int err = store_batch_begin(st);

	if (err == 0)
		err = exec_done(st, stmt(st, S_SAVEPOINT), TD_ERR_STORAGE,
				"savepoint");
	if (err == 0)
		st->sp_depth++;
	return err;
}

/*
 * Close the innermost savepoint: keep its writes (ok) or undo them. If
 * SQLite already rolled the whole transaction back (I/O error, disk full)
 * the savepoint is gone and this returns TD_ERR_STORAGE.
 */
int
store_sp_end(struct store *st, bool ok)
{
	int err = 0;

	if (st->sp_depth <= 0 || !store_batch_open(st)) {
		st->sp_depth = 0;
		return TD_ERR_STORAGE;
	}
	st->sp_depth--;
	if (!ok)
		err = exec_done(st, stmt(st, S_ROLLBACK_TO), TD_ERR_STORAGE,
				"rollback to savepoint");
	if (err == 0)
		err = exec_done(st, stmt(st, S_RELEASE), TD_ERR_STORAGE,
				"release savepoint");
	return err;
}

/*
 * Copy the committed database into a new file at `path` with the online
 * backup API. An existing file is never overwritten (TD_ERR_CONFLICT).
 * SQLite cannot copy from a connection that is writing, so inside a batch
 * this returns TD_ERR_BUSY at once: call it between batches.
 */
int
store_backup(struct store *st, const char *path)
{
	sqlite3 *dst = NULL;
	sqlite3_backup *bk = NULL;
	int err = TD_ERR_STORAGE;
	int rc;
	int tries = 0;

	if (store_batch_open(st))
		return TD_ERR_BUSY;
	if (access(path, F_OK) == 0) {
		fprintf(stderr, "store: backup: %s exists\n", path);
		return TD_ERR_CONFLICT;
	}
	if (sqlite3_open_v2(path, &dst,
			    SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
			    NULL) != SQLITE_OK) {
		fprintf(stderr, "store: backup: open %s: %s\n", path,
			dst != NULL ? sqlite3_errmsg(dst) : "out of memory");
		goto out;
	}
	bk = sqlite3_backup_init(dst, "main", st->db, "main");
	if (bk == NULL) {
		fprintf(stderr, "store: backup: %s\n", sqlite3_errmsg(dst));
		goto out;
	}
	/* Another process may briefly hold a lock: retry for up to 5 s. */
	do {
		rc = sqlite3_backup_step(bk, -1);
		if (rc == SQLITE_BUSY)
			sqlite3_sleep(10);
	} while ((rc == SQLITE_OK || rc == SQLITE_BUSY) && ++tries < 500);
	rc = sqlite3_backup_finish(bk);
	bk = NULL;
	if (rc != SQLITE_OK) {
		fprintf(stderr, "store: backup: %s\n", sqlite3_errmsg(dst));
		goto out;
	}
	err = 0;
out:
	if (bk != NULL)
		sqlite3_backup_finish(bk);
	sqlite3_close(dst);
	if (err != 0)
		unlink(path);
	return err;
}

/* ---- users ---- */

int
store_user_count(struct store *st, int64_t *n)
{
	return query_int(st, stmt(st, S_USER_COUNT), n, "user count");
}

/* created_at: u->created_at when non-zero, else the wall clock. */
int
store_user_add(struct store *st, struct td_user *u, const char *pwhash)
{
	sqlite3_stmt *s = stmt(st, S_USER_ADD);
	int64_t created = u->created_at != 0 ? u->created_at : store_now(st);
	int err;

	bind_text(s, 1, u->handle);
	bind_text(s, 2, u->display_name);
	sqlite3_bind_int(s, 3, (int)u->team);
	sqlite3_bind_int(s, 4, (int)u->role);
	bind_text(s, 5, pwhash);
	sqlite3_bind_int64(s, 6, created);
	err = exec_done(st, s, TD_ERR_HANDLE_TAKEN, "user add");
	if (err == 0) {
		u->id = sqlite3_last_insert_rowid(st->db);
		u->created_at = created;
	}
	return err;
}

int
store_user_get(struct store *st, int64_t id, struct td_user *u)
{
	sqlite3_stmt *s = stmt(st, S_USER_GET);
	int err;

	sqlite3_bind_int64(s, 1, id);
	err = step_row(st, s, "user get");
	if (err == 0)
		row_user(s, u);
	sqlite3_reset(s);
	return err;
}

/*
 * Look a user up by handle. With pwhash non-NULL the stored hash is copied
 * into it; a buffer too small for it is TD_ERR_INTERNAL (a truncated hash
 * would never verify, which must not look like a wrong password).
 */
int
store_user_by_handle(struct store *st, const char *handle,
		     struct td_user *u, char *pwhash, size_t pwhash_len)
{
	sqlite3_stmt *s = stmt(st, S_USER_BY_HANDLE);
	int err;

	bind_text(s, 1, handle);
	err = step_row(st, s, "user by handle");
	if (err != 0)
		goto out;
	row_user(s, u);
	if (pwhash != NULL) {
		const unsigned char *h = sqlite3_column_text(s, 7);
		int n = snprintf(pwhash, pwhash_len, "%s",
				 h != NULL ? (const char *)h : "");

		if (n < 0 || (size_t)n >= pwhash_len) {
			fprintf(stderr, "store: password hash buffer too "
					"small\n");
			err = TD_ERR_INTERNAL;
		}
	}
out:
	sqlite3_reset(s);
	return err;
}

int
store_user_set_pwhash(struct store *st, int64_t id, const char *pwhash)
{
	sqlite3_stmt *s = stmt(st, S_USER_SET_PWHASH);

	sqlite3_bind_int64(s, 1, id);
	bind_text(s, 2, pwhash);
	return exec_change(st, s, TD_ERR_CONFLICT, "set pwhash");
}

/* Every user, by ascending id. */
int
store_user_list(struct store *st,
		int (*fn)(void *ctx, const struct td_user *u), void *ctx)
{
	sqlite3_stmt *s = stmt(st, S_USER_LIST);
	struct td_user u;
	int err = 0;
	int rc;

	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		row_user(s, &u);
		err = fn(ctx, &u);
		if (err != 0)
			goto out;
	}
	if (rc != SQLITE_DONE)
		err = map_err(st, rc, TD_ERR_STORAGE, "user list");
out:
	sqlite3_reset(s);
	return err;
}

/* ---- tokens ---- */

/* created_at is the wall clock; the token lives until `expires_at`. */
int
store_token_add(struct store *st, int64_t user_id,
		const unsigned char hash[32], int64_t expires_at,
		int64_t *token_id)
{
	sqlite3_stmt *s = stmt(st, S_TOKEN_ADD);
	int err;

	sqlite3_bind_int64(s, 1, user_id);
	sqlite3_bind_blob(s, 2, hash, 32, SQLITE_STATIC);
	sqlite3_bind_int64(s, 3, store_now(st));
	sqlite3_bind_int64(s, 4, expires_at);
	err = exec_done(st, s, TD_ERR_CONFLICT, "token add");
	if (err == 0 && token_id != NULL)
		*token_id = sqlite3_last_insert_rowid(st->db);
	return err;
}

/* A token is valid while not revoked and now < expires_at. */
int
store_token_lookup(struct store *st, const unsigned char hash[32],
		   int64_t now, int64_t *user_id, int64_t *token_id,
		   int64_t *expires_at)
{
	sqlite3_stmt *s = stmt(st, S_TOKEN_LOOKUP);
	int err;

	sqlite3_bind_blob(s, 1, hash, 32, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, now);
	err = step_row(st, s, "token lookup");
	if (err == 0) {
		if (user_id != NULL)
			*user_id = sqlite3_column_int64(s, 0);
		if (token_id != NULL)
			*token_id = sqlite3_column_int64(s, 1);
		if (expires_at != NULL)
			*expires_at = sqlite3_column_int64(s, 2);
	}
	sqlite3_reset(s);
	return err;
}

int
store_token_revoke(struct store *st, int64_t token_id)
{
	sqlite3_stmt *s = stmt(st, S_TOKEN_REVOKE);

	sqlite3_bind_int64(s, 1, token_id);
	return exec_change(st, s, TD_ERR_CONFLICT, "token revoke");
}

/* ---- invites ---- */

/* created_by 0 means no user (an invite made from the command line). */
int
store_invite_add(struct store *st, const unsigned char hash[32],
		 int64_t created_by, int max_uses, int64_t expires_at)
{
	sqlite3_stmt *s = stmt(st, S_INVITE_ADD);

	sqlite3_bind_blob(s, 1, hash, 32, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, created_by);
	sqlite3_bind_int(s, 3, max_uses);
	sqlite3_bind_int64(s, 4, expires_at);
	return exec_done(st, s, TD_ERR_CONFLICT, "invite add");
}

/* An invite is usable while uses < max_uses and now < expires_at. */
int
store_invite_use(struct store *st, const unsigned char hash[32], int64_t now)
{
	sqlite3_stmt *s = stmt(st, S_INVITE_USE);

	sqlite3_bind_blob(s, 1, hash, 32, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, now);
	return exec_change(st, s, TD_ERR_CONFLICT, "invite use");
}

/* ---- conversations ---- */

/*
 * Insert a conversation. created_at: c->created_at when non-zero, else the
 * wall clock. A channel whose name is taken is TD_ERR_CONFLICT; an unknown
 * created_by is TD_ERR_NOT_FOUND (0 means nobody). Fills c->id and
 * c->created_at; last_message_id and member_count start at 0.
 */
int
store_conv_add(struct store *st, struct td_conv *c)
{
	sqlite3_stmt *s = stmt(st, S_CONV_ADD);
	int64_t created = c->created_at != 0 ? c->created_at : store_now(st);
	int err;

	sqlite3_bind_int(s, 1, (int)c->kind);
	bind_text(s, 2, c->name);
	bind_text(s, 3, c->topic);
	sqlite3_bind_int(s, 4, c->is_private);
	sqlite3_bind_int(s, 5, c->archived);
	sqlite3_bind_int64(s, 6, c->created_by);
	sqlite3_bind_int64(s, 7, created);
	err = exec_done(st, s, TD_ERR_CONFLICT, "conv add");
	if (err == 0) {
		c->id = sqlite3_last_insert_rowid(st->db);
		c->created_at = created;
		c->last_message_id = 0;
		c->member_count = 0;
	}
	return err;
}

static int
conv_one(struct store *st, sqlite3_stmt *s, struct td_conv *c,
	 const char *what)
{
	int err = step_row(st, s, what);

	if (err == 0)
		row_conv(s, c);
	sqlite3_reset(s);
	return err;
}

int
store_conv_get(struct store *st, int64_t id, struct td_conv *c)
{
	sqlite3_stmt *s = stmt(st, S_CONV_GET);

	sqlite3_bind_int64(s, 1, id);
	return conv_one(st, s, c, "conv get");
}

/* The channel named `name`; TD_ERR_NOT_FOUND when there is none. */
int
store_conv_by_name(struct store *st, const char *name, struct td_conv *c)
{
	sqlite3_stmt *s = stmt(st, S_CONV_BY_NAME);

	bind_text(s, 1, name);
	return conv_one(st, s, c, "conv by name");
}

int
store_conv_set_topic(struct store *st, int64_t id, const char *topic)
{
	sqlite3_stmt *s = stmt(st, S_CONV_SET_TOPIC);

	sqlite3_bind_int64(s, 1, id);
	bind_text(s, 2, topic);
	return exec_change(st, s, TD_ERR_CONFLICT, "conv set topic");
}

/* TD_ERR_CONFLICT when another channel has that name. */
int
store_conv_set_name(struct store *st, int64_t id, const char *name)
{
	sqlite3_stmt *s = stmt(st, S_CONV_SET_NAME);

	sqlite3_bind_int64(s, 1, id);
	bind_text(s, 2, name);
	return exec_change(st, s, TD_ERR_CONFLICT, "conv set name");
}

int
store_conv_set_archived(struct store *st, int64_t id, bool archived)
{
	sqlite3_stmt *s = stmt(st, S_CONV_SET_ARCHIVED);

	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_int(s, 2, archived);
	return exec_change(st, s, TD_ERR_CONFLICT, "conv set archived");
}

int
store_dm_find(struct store *st, int64_t a, int64_t b, int64_t *conv_id)
{
	sqlite3_stmt *s = stmt(st, S_DM_FIND);

	sqlite3_bind_int64(s, 1, a < b ? a : b);
	sqlite3_bind_int64(s, 2, a < b ? b : a);
	return query_int(st, s, conv_id, "dm find");
}

/*
 * Record conv_id as the dm between a and b (a == b is a user's dm with
 * itself). TD_ERR_CONFLICT when that pair or that conversation already has
 * a dm; TD_ERR_NOT_FOUND when a user or the conversation does not exist.
 */
int
store_dm_link(struct store *st, int64_t a, int64_t b, int64_t conv_id)
{
	sqlite3_stmt *s = stmt(st, S_DM_LINK);

	sqlite3_bind_int64(s, 1, a < b ? a : b);
	sqlite3_bind_int64(s, 2, a < b ? b : a);
	sqlite3_bind_int64(s, 3, conv_id);
	return exec_done(st, s, TD_ERR_CONFLICT, "dm link");
}

/*
 * The user's conversations (member=true) then the public channels it has
 * not joined, archived ones included (member=false), ordered by kind, name
 * and id.
 */
int
store_conv_list_visible(struct store *st, int64_t user,
			int (*fn)(void *ctx, const struct td_conv *c),
			void *ctx)
{
	sqlite3_stmt *s = stmt(st, S_CONV_LIST_VISIBLE);
	struct td_conv c;
	int err = 0;
	int rc;

	sqlite3_bind_int64(s, 1, user);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		row_conv(s, &c);
		c.member = sqlite3_column_int(s, 10) != 0;
		err = fn(ctx, &c);
		if (err != 0)
			goto out;
	}
	if (rc != SQLITE_DONE)
		err = map_err(st, rc, TD_ERR_STORAGE, "conv list visible");
out:
	sqlite3_reset(s);
	return err;
}

/* ---- membership ---- */

/* joined_at is the wall clock. Unknown conv or user: TD_ERR_NOT_FOUND. */
int
store_member_add(struct store *st, int64_t conv, int64_t user)
{
	sqlite3_stmt *s = stmt(st, S_MEMBER_ADD);

	sqlite3_bind_int64(s, 1, conv);
	sqlite3_bind_int64(s, 2, user);
	sqlite3_bind_int64(s, 3, store_now(st));
	return exec_done(st, s, TD_ERR_CONFLICT, "member add");
}

int
store_member_remove(struct store *st, int64_t conv, int64_t user)
{
	sqlite3_stmt *s = stmt(st, S_MEMBER_REMOVE);

	sqlite3_bind_int64(s, 1, conv);
	sqlite3_bind_int64(s, 2, user);
	return exec_change(st, s, TD_ERR_CONFLICT, "member remove");
}

/* False also when the query fails (logged): failing closed. */
bool
store_member_is(struct store *st, int64_t conv, int64_t user)
{
	sqlite3_stmt *s = stmt(st, S_MEMBER_IS);
	bool is;

	sqlite3_bind_int64(s, 1, conv);
	sqlite3_bind_int64(s, 2, user);
	is = step_row(st, s, "member is") == 0;
	sqlite3_reset(s);
	return is;
}

/* The conversation's members by ascending user id. */
int
store_member_list(struct store *st, int64_t conv,
		  int (*fn)(void *ctx, int64_t user), void *ctx)
{
	sqlite3_stmt *s = stmt(st, S_MEMBER_LIST);
	int err = 0;
	int rc;

	sqlite3_bind_int64(s, 1, conv);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		err = fn(ctx, sqlite3_column_int64(s, 0));
		if (err != 0)
			goto out;
	}
	if (rc != SQLITE_DONE)
		err = map_err(st, rc, TD_ERR_STORAGE, "member list");
out:
	sqlite3_reset(s);
	return err;
}

/* ---- messages ---- */

/*
 * Insert a message and raise its conversation's last_message_id.
 * created_at: m->created_at when non-zero, else the wall clock. An empty
 * nonce is stored as none. A nonce the author already used is
 * TD_ERR_CONFLICT; an unknown conversation or author TD_ERR_NOT_FOUND.
 * Fills m->id and m->created_at. Run it inside a savepoint so that the two
 * writes stand or fall together.
 */
int
store_msg_add(struct store *st, struct td_message *m)
{
	sqlite3_stmt *s = stmt(st, S_MSG_ADD);
	int64_t created = m->created_at != 0 ? m->created_at : store_now(st);
	int64_t id;
	int err;

	sqlite3_bind_int64(s, 1, m->conv);
	sqlite3_bind_int64(s, 2, m->author);
	bind_text(s, 3, m->body);
	bind_text(s, 4, m->nonce);
	sqlite3_bind_int64(s, 5, created);
	sqlite3_bind_int64(s, 6, m->thread);
	sqlite3_bind_int(s, 7, m->system);
	err = exec_done(st, s, TD_ERR_CONFLICT, "msg add");
	if (err != 0)
		return err;
	id = sqlite3_last_insert_rowid(st->db);
	if (m->thread != 0) {
		/* A reply is not the conversation's latest message. */
		m->id = id;
		m->created_at = created;
		return 0;
	}
	s = stmt(st, S_CONV_SET_LAST);
	sqlite3_bind_int64(s, 1, m->conv);
	sqlite3_bind_int64(s, 2, id);
	err = exec_done(st, s, TD_ERR_CONFLICT, "msg add: last id");
	if (err == 0) {
		m->id = id;
		m->created_at = created;
	}
	return err;
}

static int
msg_one(struct store *st, sqlite3_stmt *s, struct td_message *m,
	const char *what)
{
	int err = step_row(st, s, what);

	if (err == 0)
		store_row_msg(s, m);
	sqlite3_reset(s);
	return err;
}

int
store_msg_get(struct store *st, int64_t id, struct td_message *m)
{
	sqlite3_stmt *s = stmt(st, S_MSG_GET);

	sqlite3_bind_int64(s, 1, id);
	return msg_one(st, s, m, "msg get");
}

int
store_msg_by_nonce(struct store *st, int64_t author, const char *nonce,
		   struct td_message *m)
{
	sqlite3_stmt *s = stmt(st, S_MSG_BY_NONCE);

	sqlite3_bind_int64(s, 1, author);
	bind_text(s, 2, nonce);
	return msg_one(st, s, m, "msg by nonce");
}

/* TD_ERR_CONFLICT for a tombstone, TD_ERR_NOT_FOUND for no message. */
int
store_msg_edit(struct store *st, int64_t id, const char *body,
	       int64_t edited_at)
{
	sqlite3_stmt *s = stmt(st, S_MSG_EDIT);
	int64_t deleted;
	int err;

	sqlite3_bind_int64(s, 1, id);
	bind_text(s, 2, body);
	sqlite3_bind_int64(s, 3, edited_at);
	err = exec_change(st, s, TD_ERR_CONFLICT, "msg edit");
	if (err != TD_ERR_NOT_FOUND)
		return err;
	s = stmt(st, S_MSG_STATE);
	sqlite3_bind_int64(s, 1, id);
	err = query_int(st, s, &deleted, "msg state");
	return err == 0 ? TD_ERR_CONFLICT : err;
}

/*
 * Deleting a tombstone again succeeds and moves edited_at. The tombstone
 * loses its reactions and its pin in the same savepoint; its thread
 * replies stay where they are.
 */
int
store_msg_delete(struct store *st, int64_t id, int64_t deleted_at)
{
	sqlite3_stmt *s = stmt(st, S_MSG_DELETE);
	int err;

	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_int64(s, 2, deleted_at);
	err = exec_change(st, s, TD_ERR_CONFLICT, "msg delete");
	if (err != 0)
		return err;
	s = stmt(st, S_MSG_CLEAR);
	sqlite3_bind_int64(s, 1, id);
	err = exec_done(st, s, TD_ERR_CONFLICT, "msg delete: reactions");
	if (err != 0)
		return err;
	s = stmt(st, S_PIN_REMOVE);
	sqlite3_bind_int64(s, 1, id);
	return exec_done(st, s, TD_ERR_CONFLICT, "msg delete: pin");
}

/*
 * Stream the messages with lo < id < hi of `conv`, ascending, at most
 * `limit` of them; when `peek`, a (limit + 1)-th row sets *more instead of
 * being passed on.
 */
static int
hist_range(struct store *st, enum stmt_id range, int64_t conv, int64_t lo,
	   int64_t hi, int limit, bool peek, bool *more,
	   int (*fn)(void *ctx, const struct td_message *m), void *ctx)
{
	sqlite3_stmt *s = stmt(st, range);
	struct td_message m;
	int n = 0;
	int err = 0;
	int rc;

	sqlite3_bind_int64(s, 1, conv);
	sqlite3_bind_int64(s, 2, lo);
	sqlite3_bind_int64(s, 3, hi);
	sqlite3_bind_int64(s, 4, (int64_t)limit + (peek ? 1 : 0));
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (n++ == limit) {
			*more = true;
			continue;
		}
		store_row_msg(s, &m);
		err = fn(ctx, &m);
		td_message_fini(&m);
		if (err != 0)
			goto out;
	}
	if (rc != SQLITE_DONE)
		err = map_err(st, rc, TD_ERR_STORAGE, "msg history");
out:
	sqlite3_reset(s);
	return err;
}

/*
 * A page of history (or of a thread's replies: `bound` and `range` pick
 * the statements, `conv` is then the root), as store.h describes. Paging
 * backwards (before > 0, or the newest page) first finds the page's
 * floor, the (limit + 1)-th
 * newest id below `before`: its existence is *more, and the page is then
 * streamed forwards from it, so nothing is buffered. limit < 1 is
 * TD_ERR_BAD_REQUEST. An unknown conversation is simply an empty page.
 */
static int
hist_page(struct store *st, enum stmt_id bound, enum stmt_id range,
	  int64_t conv, int64_t before, int64_t after, int limit, bool *more,
	  int (*fn)(void *ctx, const struct td_message *m), void *ctx)
{
	sqlite3_stmt *s;
	int64_t floor_id = 0;
	int err;

	*more = false;
	if (limit < 1)
		return TD_ERR_BAD_REQUEST;
	if (before <= 0 && after >= 0)
		return hist_range(st, range, conv, after, INT64_MAX, limit,
				  true, more, fn, ctx);
	if (before <= 0)
		before = INT64_MAX;
	s = stmt(st, bound);
	sqlite3_bind_int64(s, 1, conv);
	sqlite3_bind_int64(s, 2, before);
	sqlite3_bind_int64(s, 3, limit);
	err = query_int(st, s, &floor_id, "msg history bound");
	if (err == 0)
		*more = true;
	else if (err == TD_ERR_NOT_FOUND)
		floor_id = 0;
	else
		return err;
	return hist_range(st, range, conv, floor_id, before, limit, false,
			  more, fn, ctx);
}

int
store_msg_history(struct store *st, int64_t conv, int64_t before,
		  int64_t after, int limit, bool *more,
		  int (*fn)(void *ctx, const struct td_message *m),
		  void *ctx)
{
	return hist_page(st, S_HIST_BOUND, S_HIST_RANGE, conv, before, after,
			 limit, more, fn, ctx);
}

int
store_msg_replies(struct store *st, int64_t root, int64_t before,
		  int64_t after, int limit, bool *more,
		  int (*fn)(void *ctx, const struct td_message *m),
		  void *ctx)
{
	return hist_page(st, S_REPLY_BOUND, S_REPLY_RANGE, root, before,
			 after, limit, more, fn, ctx);
}

/* ---- events ---- */

/* A seq already stored is TD_ERR_CONFLICT. */
int
store_event_add(struct store *st, int64_t seq, int64_t conv, int64_t user,
		const char *frame, size_t len)
{
	sqlite3_stmt *s = stmt(st, S_EVENT_ADD);

	sqlite3_bind_int64(s, 1, seq);
	sqlite3_bind_int64(s, 2, conv);
	sqlite3_bind_int64(s, 3, user);
	sqlite3_bind_blob64(s, 4, len > 0 ? frame : "", len, SQLITE_STATIC);
	return exec_done(st, s, TD_ERR_CONFLICT, "event add");
}

int
store_event_max_seq(struct store *st, int64_t *seq)
{
	return query_int(st, stmt(st, S_EVENT_MAX), seq, "event max");
}

int
store_event_min_seq(struct store *st, int64_t *seq)
{
	return query_int(st, stmt(st, S_EVENT_MIN), seq, "event min");
}

/*
 * Visible events in (since, upto], ascending, at most `limit` (limit < 1
 * is TD_ERR_BAD_REQUEST). See S_EVENT_RANGE for the plan: one walk of the
 * seq range, one in-memory membership probe per event.
 */
int
store_event_range(struct store *st, int64_t user, int64_t since,
		  int64_t upto, int limit,
		  int (*fn)(void *ctx, int64_t seq, const char *frame,
			    size_t len),
		  void *ctx)
{
	sqlite3_stmt *s = stmt(st, S_EVENT_RANGE);
	const void *frame;
	int err = 0;
	int rc;

	if (limit < 1)
		return TD_ERR_BAD_REQUEST;
	sqlite3_bind_int64(s, 1, user);
	sqlite3_bind_int64(s, 2, since);
	sqlite3_bind_int64(s, 3, upto);
	sqlite3_bind_int(s, 4, limit);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		frame = sqlite3_column_blob(s, 1);
		err = fn(ctx, sqlite3_column_int64(s, 0),
			 frame != NULL ? (const char *)frame : "",
			 (size_t)sqlite3_column_bytes(s, 1));
		if (err != 0)
			goto out;
	}
	if (rc != SQLITE_DONE)
		err = map_err(st, rc, TD_ERR_STORAGE, "event range");
out:
	sqlite3_reset(s);
	return err;
}

/* keep < 0 is treated as 0: everything goes. */
int
store_event_prune(struct store *st, int64_t keep)
{
	sqlite3_stmt *s = stmt(st, S_EVENT_PRUNE);

	sqlite3_bind_int64(s, 1, keep > 0 ? keep : 0);
	return exec_done(st, s, TD_ERR_CONFLICT, "event prune");
}

/* ---- threads ---- */

int
store_follow_set(struct store *st, int64_t user, int64_t root, bool follow)
{
	sqlite3_stmt *s = stmt(st, S_FOLLOW_SET);

	sqlite3_bind_int64(s, 1, user);
	sqlite3_bind_int64(s, 2, root);
	sqlite3_bind_int(s, 3, follow ? 1 : 0);
	return exec_done(st, s, TD_ERR_CONFLICT, "follow set");
}

int
store_follow_auto(struct store *st, int64_t user, int64_t root,
		  bool *changed)
{
	sqlite3_stmt *s = stmt(st, S_FOLLOW_AUTO);
	int err;

	sqlite3_bind_int64(s, 1, user);
	sqlite3_bind_int64(s, 2, root);
	err = exec_done(st, s, TD_ERR_CONFLICT, "follow auto");
	*changed = err == 0 && sqlite3_changes(st->db) > 0;
	return err;
}

/* No row: not following, nothing read (0, not an error). */
int
store_follow_get(struct store *st, int64_t user, int64_t root,
		 bool *following, int64_t *last_read)
{
	sqlite3_stmt *s = stmt(st, S_FOLLOW_GET);
	int err;

	*following = false;
	*last_read = 0;
	sqlite3_bind_int64(s, 1, user);
	sqlite3_bind_int64(s, 2, root);
	err = step_row(st, s, "follow get");
	if (err == 0) {
		*following = sqlite3_column_int(s, 0) != 0;
		*last_read = sqlite3_column_int64(s, 1);
	}
	sqlite3_reset(s);
	return err == TD_ERR_NOT_FOUND ? 0 : err;
}

int
store_thread_read(struct store *st, int64_t user, int64_t root,
		  int64_t last_read)
{
	sqlite3_stmt *s = stmt(st, S_THREAD_READ);

	sqlite3_bind_int64(s, 1, user);
	sqlite3_bind_int64(s, 2, root);
	sqlite3_bind_int64(s, 3, last_read);
	return exec_done(st, s, TD_ERR_CONFLICT, "thread read");
}

int
store_thread_unread(struct store *st, int64_t user, int64_t root, int *n)
{
	sqlite3_stmt *s = stmt(st, S_THREAD_UNREAD);
	int64_t v = 0;
	int err;

	sqlite3_bind_int64(s, 1, user);
	sqlite3_bind_int64(s, 2, root);
	err = query_int(st, s, &v, "thread unread");
	*n = (int)v;
	return err;
}

int
store_thread_list(struct store *st, int64_t user, int limit,
		  int (*fn)(void *ctx, const struct td_message *root,
			    int64_t last_read, int unread),
		  void *ctx)
{
	sqlite3_stmt *s = stmt(st, S_THREAD_LIST);
	struct td_message m;
	int err = 0;
	int rc;

	sqlite3_bind_int64(s, 1, user);
	sqlite3_bind_int(s, 2, limit);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		store_row_msg(s, &m);
		err = fn(ctx, &m, sqlite3_column_int64(s, MSG_NCOLS),
			 sqlite3_column_int(s, MSG_NCOLS + 1));
		td_message_fini(&m);
		if (err != 0)
			goto out;
	}
	if (rc != SQLITE_DONE)
		err = map_err(st, rc, TD_ERR_STORAGE, "thread list");
out:
	sqlite3_reset(s);
	return err;
}

/* ---- read markers ---- */

int
store_read_set(struct store *st, int64_t user, int64_t conv,
	       int64_t last_read, bool force)
{
	sqlite3_stmt *s = stmt(st, force ? S_READ_FORCE : S_READ_SET);

	sqlite3_bind_int64(s, 1, user);
	sqlite3_bind_int64(s, 2, conv);
	sqlite3_bind_int64(s, 3, last_read);
	return exec_done(st, s, TD_ERR_CONFLICT, "read set");
}

int
store_unread_list(struct store *st, int64_t user, int64_t conv,
		  int (*fn)(void *ctx, const struct store_unread *u),
		  void *ctx)
{
	sqlite3_stmt *s = stmt(st, S_UNREAD_ONE);
	struct store_unread u;
	int err = 0;
	int rc;

	sqlite3_bind_int64(s, 1, user);
	sqlite3_bind_int64(s, 2, conv);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		u.conv = sqlite3_column_int64(s, 0);
		u.last_read = sqlite3_column_int64(s, 1);
		u.unread = sqlite3_column_int(s, 2);
		u.mentions = sqlite3_column_int(s, 3);
		u.notify = (enum td_notify)sqlite3_column_int(s, 4);
		err = fn(ctx, &u);
		if (err != 0)
			goto out;
	}
	if (rc != SQLITE_DONE)
		err = map_err(st, rc, TD_ERR_STORAGE, "unread list");
out:
	sqlite3_reset(s);
	return err;
}

/* ---- mentions ---- */

/* Recording the same mention twice is a no-op. */
int
store_mention_add(struct store *st, int64_t user, int64_t message,
		  int64_t conv)
{
	sqlite3_stmt *s = stmt(st, S_MENTION_ADD);

	sqlite3_bind_int64(s, 1, user);
	sqlite3_bind_int64(s, 2, message);
	sqlite3_bind_int64(s, 3, conv);
	return exec_done(st, s, TD_ERR_CONFLICT, "mention add");
}

/* Walk rows whose first MSG_NCOLS columns are a message. */
static int
msg_walk(struct store *st, sqlite3_stmt *s,
	 int (*fn)(void *ctx, const struct td_message *m, sqlite3_stmt *s),
	 void *ctx, const char *what)
{
	struct td_message m;
	int err = 0;
	int rc;

	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		store_row_msg(s, &m);
		err = fn(ctx, &m, s);
		td_message_fini(&m);
		if (err != 0)
			goto out;
	}
	if (rc != SQLITE_DONE)
		err = map_err(st, rc, TD_ERR_STORAGE, what);
out:
	sqlite3_reset(s);
	return err;
}

/* Adapters from msg_walk's callback to the public ones. */
struct walk_ctx {
	int (*msg)(void *ctx, const struct td_message *m);
	int (*at)(void *ctx, const struct td_message *m, int64_t by,
		  int64_t at);
	void *ctx;
};

static int
walk_msg(void *arg, const struct td_message *m, sqlite3_stmt *s)
{
	struct walk_ctx *w = arg;

	(void)s;
	return w->msg(w->ctx, m);
}

static int
walk_by_at(void *arg, const struct td_message *m, sqlite3_stmt *s)
{
	struct walk_ctx *w = arg;

	return w->at(w->ctx, m, sqlite3_column_int64(s, MSG_NCOLS),
		     sqlite3_column_int64(s, MSG_NCOLS + 1));
}

static int
walk_at(void *arg, const struct td_message *m, sqlite3_stmt *s)
{
	struct walk_ctx *w = arg;

	return w->at(w->ctx, m, 0, sqlite3_column_int64(s, MSG_NCOLS));
}

int
store_mention_list(struct store *st, int64_t user, int64_t before,
		   int limit,
		   int (*fn)(void *ctx, const struct td_message *m),
		   void *ctx)
{
	sqlite3_stmt *s = stmt(st, S_MENTION_LIST);
	struct walk_ctx w = { .msg = fn, .ctx = ctx };

	sqlite3_bind_int64(s, 1, user);
	sqlite3_bind_int64(s, 2, before > 0 ? before : INT64_MAX);
	sqlite3_bind_int(s, 3, limit);
	return msg_walk(st, s, walk_msg, &w, "mention list");
}

/* ---- reactions ---- */

/* TD_ERR_CONFLICT when that user already reacted with that emoji. */
int
store_reaction_add(struct store *st, int64_t message, const char *emoji,
		   int64_t user, int64_t at)
{
	sqlite3_stmt *s = stmt(st, S_REACT_ADD);

	sqlite3_bind_int64(s, 1, message);
	bind_text(s, 2, emoji);
	sqlite3_bind_int64(s, 3, user);
	sqlite3_bind_int64(s, 4, at);
	return exec_done(st, s, TD_ERR_CONFLICT, "reaction add");
}

/* TD_ERR_NOT_FOUND when there was no such reaction. */
int
store_reaction_remove(struct store *st, int64_t message, const char *emoji,
		      int64_t user)
{
	sqlite3_stmt *s = stmt(st, S_REACT_REMOVE);

	sqlite3_bind_int64(s, 1, message);
	bind_text(s, 2, emoji);
	sqlite3_bind_int64(s, 3, user);
	return exec_change(st, s, TD_ERR_CONFLICT, "reaction remove");
}

/* ---- pins ---- */

/* TD_ERR_CONFLICT when already pinned. */
int
store_pin_add(struct store *st, int64_t message, int64_t conv, int64_t by,
	      int64_t at)
{
	sqlite3_stmt *s = stmt(st, S_PIN_ADD);

	sqlite3_bind_int64(s, 1, message);
	sqlite3_bind_int64(s, 2, conv);
	sqlite3_bind_int64(s, 3, by);
	sqlite3_bind_int64(s, 4, at);
	return exec_done(st, s, TD_ERR_CONFLICT, "pin add");
}

/* TD_ERR_NOT_FOUND when not pinned. */
int
store_pin_remove(struct store *st, int64_t message)
{
	sqlite3_stmt *s = stmt(st, S_PIN_REMOVE);

	sqlite3_bind_int64(s, 1, message);
	return exec_change(st, s, TD_ERR_CONFLICT, "pin remove");
}

int
store_pin_list(struct store *st, int64_t conv, int limit,
	       int (*fn)(void *ctx, const struct td_message *m, int64_t by,
			 int64_t at),
	       void *ctx)
{
	sqlite3_stmt *s = stmt(st, S_PIN_LIST);
	struct walk_ctx w = { .at = fn, .ctx = ctx };

	sqlite3_bind_int64(s, 1, conv);
	sqlite3_bind_int(s, 2, limit);
	return msg_walk(st, s, walk_by_at, &w, "pin list");
}

/* ---- saved items ---- */

/* TD_ERR_CONFLICT when already saved. */
int
store_save_add(struct store *st, int64_t user, int64_t message, int64_t at)
{
	sqlite3_stmt *s = stmt(st, S_SAVE_ADD);

	sqlite3_bind_int64(s, 1, user);
	sqlite3_bind_int64(s, 2, message);
	sqlite3_bind_int64(s, 3, at);
	return exec_done(st, s, TD_ERR_CONFLICT, "save add");
}

/* TD_ERR_NOT_FOUND when not saved. */
int
store_save_remove(struct store *st, int64_t user, int64_t message)
{
	sqlite3_stmt *s = stmt(st, S_SAVE_REMOVE);

	sqlite3_bind_int64(s, 1, user);
	sqlite3_bind_int64(s, 2, message);
	return exec_change(st, s, TD_ERR_CONFLICT, "save remove");
}

int
store_save_get(struct store *st, int64_t user, int64_t message,
	       int64_t *saved_at)
{
	sqlite3_stmt *s = stmt(st, S_SAVE_GET);

	sqlite3_bind_int64(s, 1, user);
	sqlite3_bind_int64(s, 2, message);
	return query_int(st, s, saved_at, "save get");
}

int
store_save_list(struct store *st, int64_t user, int limit,
		int (*fn)(void *ctx, const struct td_message *m, int64_t by,
			  int64_t at),
		void *ctx)
{
	sqlite3_stmt *s = stmt(st, S_SAVE_LIST);
	struct walk_ctx w = { .at = fn, .ctx = ctx };

	sqlite3_bind_int64(s, 1, user);
	sqlite3_bind_int(s, 2, limit);
	return msg_walk(st, s, walk_at, &w, "save list");
}

/* ---- notification preferences ---- */

int
store_prefs_set(struct store *st, int64_t user, int64_t conv,
		enum td_notify notify)
{
	sqlite3_stmt *s = stmt(st, S_PREFS_SET);

	sqlite3_bind_int64(s, 1, user);
	sqlite3_bind_int64(s, 2, conv);
	sqlite3_bind_int(s, 3, (int)notify);
	return exec_done(st, s, TD_ERR_CONFLICT, "prefs set");
}

int
store_prefs_get(struct store *st, int64_t user, int64_t conv,
		enum td_notify *notify)
{
	sqlite3_stmt *s = stmt(st, S_PREFS_GET);
	int64_t v = TD_NOTIFY_ALL;
	int err;

	sqlite3_bind_int64(s, 1, user);
	sqlite3_bind_int64(s, 2, conv);
	err = query_int(st, s, &v, "prefs get");
	if (err == TD_ERR_NOT_FOUND) {
		v = TD_NOTIFY_ALL;
		err = 0;
	}
	if (err == 0)
		*notify = (enum td_notify)v;
	return err;
}

/* ---- scheduled messages ---- */

void
store_sched_fini(struct store_sched *sc)
{
	free(sc->body);
	sc->body = NULL;
}

/* Fill a scheduled message from SCHED_COLS; sc->body is allocated. */
static void
row_sched(sqlite3_stmt *s, struct store_sched *sc)
{
	const char *body = (const char *)sqlite3_column_text(s, 3);

	memset(sc, 0, sizeof(*sc));
	sc->id = sqlite3_column_int64(s, 0);
	sc->user = sqlite3_column_int64(s, 1);
	sc->conv = sqlite3_column_int64(s, 2);
	sc->body = xstrndup(body != NULL ? body : "",
			    body != NULL ? (size_t)sqlite3_column_bytes(s, 3)
					 : 0);
	copy_col(sc->nonce, sizeof(sc->nonce), s, 4);
	sc->at = sqlite3_column_int64(s, 5);
	sc->state = (enum store_sched_state)sqlite3_column_int(s, 6);
	sc->message = sqlite3_column_int64(s, 7);
}

static int
sched_one(struct store *st, sqlite3_stmt *s, struct store_sched *sc,
	  const char *what)
{
	int err = step_row(st, s, what);

	if (err == 0)
		row_sched(s, sc);
	sqlite3_reset(s);
	return err;
}

int
store_sched_add(struct store *st, struct store_sched *sc)
{
	sqlite3_stmt *s = stmt(st, S_SCHED_ADD);
	int err;

	sqlite3_bind_int64(s, 1, sc->user);
	sqlite3_bind_int64(s, 2, sc->conv);
	bind_text(s, 3, sc->body);
	bind_text(s, 4, sc->nonce);
	sqlite3_bind_int64(s, 5, sc->at);
	sqlite3_bind_int64(s, 6, store_now(st));
	err = exec_done(st, s, TD_ERR_CONFLICT, "sched add");
	if (err == 0) {
		sc->id = sqlite3_last_insert_rowid(st->db);
		sc->state = STORE_SCHED_PENDING;
		sc->message = 0;
	}
	return err;
}

int
store_sched_get(struct store *st, int64_t id, struct store_sched *sc)
{
	sqlite3_stmt *s = stmt(st, S_SCHED_GET);

	sqlite3_bind_int64(s, 1, id);
	return sched_one(st, s, sc, "sched get");
}

int
store_sched_by_nonce(struct store *st, int64_t user, const char *nonce,
		     struct store_sched *sc)
{
	sqlite3_stmt *s = stmt(st, S_SCHED_BY_NONCE);

	sqlite3_bind_int64(s, 1, user);
	bind_text(s, 2, nonce);
	return sched_one(st, s, sc, "sched by nonce");
}

int
store_sched_count(struct store *st, int64_t user, int *n)
{
	sqlite3_stmt *s = stmt(st, S_SCHED_COUNT);
	int64_t v = 0;
	int err;

	sqlite3_bind_int64(s, 1, user);
	err = query_int(st, s, &v, "sched count");
	if (err == 0)
		*n = (int)v;
	return err;
}

int
store_sched_list(struct store *st, int64_t user,
		 int (*fn)(void *ctx, const struct store_sched *sc), void *ctx)
{
	sqlite3_stmt *s = stmt(st, S_SCHED_LIST);
	struct store_sched sc;
	int err = 0;
	int rc;

	sqlite3_bind_int64(s, 1, user);
	sqlite3_bind_int(s, 2, TD_PENDING_MAX);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		row_sched(s, &sc);
		err = fn(ctx, &sc);
		store_sched_fini(&sc);
		if (err != 0)
			goto out;
	}
	if (rc != SQLITE_DONE)
		err = map_err(st, rc, TD_ERR_STORAGE, "sched list");
out:
	sqlite3_reset(s);
	return err;
}

int
store_sched_set_state(struct store *st, int64_t id,
		      enum store_sched_state state, int64_t message)
{
	sqlite3_stmt *s = stmt(st, S_SCHED_SET_STATE);

	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_int(s, 2, (int)state);
	sqlite3_bind_int64(s, 3, message);
	return exec_change(st, s, TD_ERR_CONFLICT, "sched set state");
}

int
store_sched_next(struct store *st, struct store_sched *sc)
{
	return sched_one(st, stmt(st, S_SCHED_NEXT), sc, "sched next");
}

/* ---- reminders ---- */

static int
remind_one(struct store *st, sqlite3_stmt *s, struct store_reminder *r,
	   const char *what)
{
	int err = step_row(st, s, what);

	if (err == 0) {
		r->id = sqlite3_column_int64(s, 0);
		r->user = sqlite3_column_int64(s, 1);
		r->message = sqlite3_column_int64(s, 2);
		r->conv = sqlite3_column_int64(s, 3);
		r->at = sqlite3_column_int64(s, 4);
	}
	sqlite3_reset(s);
	return err;
}

int
store_remind_add(struct store *st, struct store_reminder *r)
{
	sqlite3_stmt *s = stmt(st, S_REMIND_ADD);
	int err;

	sqlite3_bind_int64(s, 1, r->user);
	sqlite3_bind_int64(s, 2, r->message);
	sqlite3_bind_int64(s, 3, r->conv);
	sqlite3_bind_int64(s, 4, r->at);
	sqlite3_bind_int64(s, 5, store_now(st));
	err = exec_done(st, s, TD_ERR_CONFLICT, "remind add");
	if (err == 0)
		r->id = sqlite3_last_insert_rowid(st->db);
	return err;
}

int
store_remind_get(struct store *st, int64_t id, struct store_reminder *r)
{
	sqlite3_stmt *s = stmt(st, S_REMIND_GET);

	sqlite3_bind_int64(s, 1, id);
	return remind_one(st, s, r, "remind get");
}

int
store_remind_count(struct store *st, int64_t user, int *n)
{
	sqlite3_stmt *s = stmt(st, S_REMIND_COUNT);
	int64_t v = 0;
	int err;

	sqlite3_bind_int64(s, 1, user);
	err = query_int(st, s, &v, "remind count");
	if (err == 0)
		*n = (int)v;
	return err;
}

int
store_remind_list(struct store *st, int64_t user,
		  int (*fn)(void *ctx, const struct store_reminder *r),
		  void *ctx)
{
	sqlite3_stmt *s = stmt(st, S_REMIND_LIST);
	struct store_reminder r;
	int err = 0;
	int rc;

	sqlite3_bind_int64(s, 1, user);
	sqlite3_bind_int(s, 2, TD_PENDING_MAX);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		r.id = sqlite3_column_int64(s, 0);
		r.user = sqlite3_column_int64(s, 1);
		r.message = sqlite3_column_int64(s, 2);
		r.conv = sqlite3_column_int64(s, 3);
		r.at = sqlite3_column_int64(s, 4);
		err = fn(ctx, &r);
		if (err != 0)
			goto out;
	}
	if (rc != SQLITE_DONE)
		err = map_err(st, rc, TD_ERR_STORAGE, "remind list");
out:
	sqlite3_reset(s);
	return err;
}

int
store_remind_remove(struct store *st, int64_t id)
{
	sqlite3_stmt *s = stmt(st, S_REMIND_REMOVE);

	sqlite3_bind_int64(s, 1, id);
	return exec_change(st, s, TD_ERR_CONFLICT, "remind remove");
}

int
store_remind_next(struct store *st, struct store_reminder *r)
{
	return remind_one(st, stmt(st, S_REMIND_NEXT), r, "remind next");
}

/* ---- store_priv.h wrappers over this file's helpers ---- */

int
store_map_err(struct store *st, int rc, int unique_err, const char *what)
{
	return map_err(st, rc, unique_err, what);
}

int
store_exec_done(struct store *st, sqlite3_stmt *s, int unique_err,
		const char *what)
{
	return exec_done(st, s, unique_err, what);
}

int
store_exec_change(struct store *st, sqlite3_stmt *s, int unique_err,
		  const char *what)
{
	return exec_change(st, s, unique_err, what);
}

int
store_step_row(struct store *st, sqlite3_stmt *s, const char *what)
{
	return step_row(st, s, what);
}

int
store_query_int(struct store *st, sqlite3_stmt *s, int64_t *out,
		const char *what)
{
	return query_int(st, s, out, what);
}

int
store_walk(struct store *st, sqlite3_stmt *s, const char *what,
	   int (*fn)(void *ctx, sqlite3_stmt *s), void *ctx)
{
	int rc, err = 0;

	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		err = fn(ctx, s);
		if (err != 0)
			break;
	}
	if (err == 0 && rc != SQLITE_DONE)
		err = map_err(st, rc, TD_ERR_STORAGE, what);
	sqlite3_reset(s);
	return err;
}

void
store_bind_text(sqlite3_stmt *s, int i, const char *t)
{
	bind_text(s, i, t);
}

void
store_copy_col(char *dst, size_t cap, sqlite3_stmt *s, int col)
{
	copy_col(dst, cap, s, col);
}

char *
store_col_dup(sqlite3_stmt *s, int col)
{
	const char *t = (const char *)sqlite3_column_text(s, col);

	return xstrndup(t != NULL ? t : "",
			t != NULL ? (size_t)sqlite3_column_bytes(s, col) : 0);
}
