/*
 * types.h: the entities of Tandem, shared by proto/, the server, the store
 * and the terminal client, plus the published limits.
 *
 * Fixed-size text fields hold at most their documented limit in bytes of
 * UTF-8 plus the terminating NUL. Message bodies are heap strings owned by
 * the struct (td_message_fini() frees them).
 *
 * Checklist: a limit changed here must change in proto/PROTOCOL.md
 * ("Limits") and in the hello reply (proto/encode.c) in the same commit.
 */
#ifndef TANDEM_TYPES_H
#define TANDEM_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TD_PROTOCOL_NAME "tandem.v1"
#define TD_SERVER_NAME "tandemd/0.1.0"

/* Limits, in bytes unless said otherwise. */
#define TD_MAX_FRAME 65536	  /* one reassembled WebSocket message */
#define TD_MAX_BODY 16384	  /* message body, UTF-8 bytes */
#define TD_HANDLE_MIN 2
#define TD_HANDLE_MAX 32	  /* [a-z][a-z0-9._-]{1,31} */
#define TD_DISPLAY_MAX 256	  /* bytes; at most 64 characters */
#define TD_DISPLAY_CHARS 64
#define TD_PASSWORD_MIN 10	  /* characters */
#define TD_PASSWORD_MAX 1024	  /* bytes */
#define TD_CHANNEL_NAME_MAX 64	  /* [a-z0-9][a-z0-9_-]{0,63} */
#define TD_TOPIC_MAX 1000	  /* bytes; at most 250 characters */
#define TD_TOPIC_CHARS 250
#define TD_NONCE_MAX 64		  /* printable ASCII */
#define TD_TOKEN_LEN 43		  /* base64url of 32 bytes, no padding */
#define TD_INVITE_LEN 22	  /* base64url of 16 bytes, no padding */
#define TD_HISTORY_DEFAULT 50
#define TD_HISTORY_MAX 200
#define TD_GROUP_MAX_MEMBERS 9	  /* including the creator */
#define TD_MEMBERS_MAX 16	  /* array length in conv.create */
#define TD_RATE_PER_SEC 20	  /* requests per connection, sustained */
#define TD_RATE_BURST 60
#define TD_QUEUE_MAX_FRAMES 4096  /* outgoing frames per connection */
#define TD_QUEUE_MAX_BYTES (8u << 20)
#define TD_TOKEN_TTL_MS (30LL * 24 * 3600 * 1000)
#define TD_EMOJI_MAX 32		  /* reaction shortcode: [a-z0-9_+-]{1,32} */
#define TD_QUERY_MAX 256	  /* search query, bytes */
#define TD_SEARCH_MAX 50	  /* search results per page */
#define TD_SEARCH_OFFSET_MAX 1000 /* deepest search result reachable */
#define TD_MENTIONS_MAX 32	  /* distinct @names parsed per message */
#define TD_LIST_MAX 100		  /* thread.list, mention.list, pins, saved */
#define TD_PENDING_MAX 100	  /* scheduled messages, reminders per user */
/* How far ahead msg.schedule and remind.add may aim: one year, in ms. */
#define TD_AT_AHEAD_MAX (365LL * 24 * 3600 * 1000)

enum td_team { TD_TEAM_SALES, TD_TEAM_MARKETING, TD_TEAM_OTHER };
enum td_role { TD_ROLE_MEMBER, TD_ROLE_ADMIN };
/* Notification preference per user and conversation (conv.prefs). */
enum td_notify { TD_NOTIFY_ALL, TD_NOTIFY_MENTIONS, TD_NOTIFY_MUTED };
enum td_conv_kind {
	TD_CONV_CHANNEL,
	TD_CONV_DM,
	TD_CONV_GROUP,
	TD_CONV_REQUEST,
	TD_CONV_FEEDBACK
};

struct td_user {
	int64_t id;
	char handle[TD_HANDLE_MAX + 1];
	char display_name[TD_DISPLAY_MAX + 1];
	enum td_team team;
	enum td_role role;
	int64_t created_at; /* ms since the epoch */
};

struct td_conv {
	int64_t id;
	enum td_conv_kind kind;
	char name[TD_CHANNEL_NAME_MAX + 1]; /* "" for dm and group */
	char topic[TD_TOPIC_MAX + 1];
	bool is_private;   /* channels only; dm and group are always private */
	bool archived;
	int64_t created_by;
	int64_t created_at;
	int64_t last_message_id; /* 0 when empty */
	int member_count;
	/* Per-viewer: whether the viewer is a member. Set by the caller. */
	bool member;
};

/* One user's reaction with one emoji. */
struct td_reaction {
	char emoji[TD_EMOJI_MAX + 1];
	int64_t user;
};

struct td_message {
	int64_t id;
	int64_t conv;
	int64_t author;
	char *body;	 /* owned; "" when deleted */
	char nonce[TD_NONCE_MAX + 1];
	int64_t created_at;
	int64_t edited_at;  /* 0 when never edited */
	bool deleted;	    /* tombstone */
	int64_t thread;	    /* root message id of a reply; 0 otherwise */
	/* A root's thread: live (not deleted) replies, newest reply time. */
	int reply_count;
	int64_t last_reply_at;
	int64_t *participants; /* owned: reply authors, ascending ids */
	size_t n_participants;
	/* Owned: sorted by emoji, then user; the encoder groups them. */
	struct td_reaction *reactions;
	size_t n_reactions;
};

void td_message_fini(struct td_message *m);

const char *td_team_name(enum td_team t);
const char *td_role_name(enum td_role r);
const char *td_conv_kind_name(enum td_conv_kind k);
const char *td_notify_name(enum td_notify n);
/* Parse a name into its enum; return 0, or -1 when the name is unknown. */
int td_team_parse(const char *s, enum td_team *out);
int td_role_parse(const char *s, enum td_role *out);
int td_conv_kind_parse(const char *s, enum td_conv_kind *out);
int td_notify_parse(const char *s, enum td_notify *out);

#endif
