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

/*
 * Sales-and-marketing enums (issue 4). Each has a table of wire names in
 * proto/names.c, indexed by value: td_enum_name() and td_enum_parse() read
 * it. Values are stored in the database as these integers: never reorder,
 * only append.
 */
enum td_request_kind {
	TD_RK_CASE_STUDY, TD_RK_BATTLE_CARD, TD_RK_ONE_PAGER, TD_RK_DECK,
	TD_RK_EMAIL_TEMPLATE, TD_RK_VIDEO, TD_RK_OTHER
};
enum td_request_status {
	TD_RS_NEW, TD_RS_ACCEPTED, TD_RS_IN_PROGRESS,
	TD_RS_WAITING_ON_REQUESTER, TD_RS_IN_REVIEW, TD_RS_DELIVERED,
	TD_RS_CLOSED, TD_RS_DECLINED, TD_RS_REOPENED,
	/* Not a stored status: request.move's "waiting_on_marketing" target
	 * (back to the status before waiting_on_requester). */
	TD_RS_WAITING_ON_MARKETING
};
enum td_priority { TD_PRIO_LOW, TD_PRIO_NORMAL, TD_PRIO_HIGH, TD_PRIO_URGENT };
enum td_deal_stage {
	TD_STAGE_NONE, TD_STAGE_PROSPECTING, TD_STAGE_DISCOVERY, TD_STAGE_DEMO,
	TD_STAGE_PROPOSAL, TD_STAGE_NEGOTIATION, TD_STAGE_CLOSED_WON,
	TD_STAGE_CLOSED_LOST
};
enum td_verdict { TD_VERDICT_HELPED, TD_VERDICT_FELL_FLAT, TD_VERDICT_OUTDATED };
enum td_feedback_kind {
	TD_FK_PAIN_POINT, TD_FK_OBJECTION, TD_FK_LOST_REASON,
	TD_FK_PRODUCT_FIT, TD_FK_COMPETITOR, TD_FK_TESTIMONIAL,
	TD_FK_CONTENT_IDEA, TD_FK_MISSING_CONTENT
};
enum td_feedback_status {
	TD_FS_NEW, TD_FS_ACKNOWLEDGED, TD_FS_PLANNED, TD_FS_DONE, TD_FS_CLOSED
};
enum td_weight { TD_WEIGHT_NICE_TO_HAVE, TD_WEIGHT_IMPORTANT,
		 TD_WEIGHT_DEAL_BLOCKER };
enum td_cadence { TD_CADENCE_OFF, TD_CADENCE_WEEKLY, TD_CADENCE_BIWEEKLY,
		  TD_CADENCE_FOURWEEKLY };

/* A table of wire names for one enum. */
struct td_enum {
	const char *what;		/* "request kind", for error messages */
	const char *const *names;
	int n;
};

extern const struct td_enum td_enum_request_kind;
extern const struct td_enum td_enum_request_status; /* incl. the alias */
extern const struct td_enum td_enum_priority;
extern const struct td_enum td_enum_deal_stage;
extern const struct td_enum td_enum_verdict;
extern const struct td_enum td_enum_feedback_kind;
extern const struct td_enum td_enum_feedback_status;
extern const struct td_enum td_enum_weight;
extern const struct td_enum td_enum_cadence;

/* The wire name of value v, or "unknown". */
const char *td_enum_name(const struct td_enum *e, int v);
/* The value named s, or -1. */
int td_enum_parse(const struct td_enum *e, const char *s);

/* Text limits of the sales-and-marketing records, in characters (bytes:
 * four times as many). */
#define TD_TITLE_CHARS 200	  /* request title, feedback title, term */
#define TD_ACCOUNT_CHARS 120	  /* account, deal and competitor names */
#define TD_REASON_CHARS 500	  /* decline reason */
#define TD_NOTE_CHARS 2000	  /* delivery note, verdict note */
#define TD_URL_MAX 2048		  /* asset link, bytes: http:// or https:// */
#define TD_VALUE_MAX 1000000000000LL /* deal value, whole currency units */
#define TD_TERM_VERSIONS_MAX 100  /* history returned by glossary.get */

struct td_user {
	int64_t id;
	char handle[TD_HANDLE_MAX + 1];
	char display_name[TD_DISPLAY_MAX + 1];
	enum td_team team;
	enum td_role role;
	int64_t created_at; /* ms since the epoch */
	bool approver;	    /* may acknowledge glossary changes (its team) */
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
	bool system;	    /* a line the server wrote for an action of the
			     * author (a request's status change, a pair's
			     * starter); clients show it as an event line */
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

/*
 * Conversations anyone in the workspace may read and join: public channels,
 * and the conversations of requests and feedback items (which are never
 * private: both teams see every request and every piece of feedback).
 */
bool td_conv_is_open(const struct td_conv *c);

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
