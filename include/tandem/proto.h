/*
 * proto.h: the wire protocol tandem.v1 as pure C.
 *
 * Decoding turns one client frame (JSON text) into a validated struct
 * proto_request: every field is type- and range-checked against the op's row
 * in the field table, so handlers never see JSON. Encoding writes replies and
 * events through a small JSON writer (struct jw) that reserves headroom in
 * front of the text, so the server can hand the buffer to the socket layer
 * without copying.
 *
 * proto/ does no I/O, keeps no global state and never aborts on bad input.
 *
 * Checklist when adding an op: a row in proto/decode.c's op table, its fields
 * in the field table if new, a handler row in server/dispatch.c, a section in
 * proto/PROTOCOL.md, and an example under proto/examples/.
 */
#ifndef TANDEM_PROTO_H
#define TANDEM_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tandem/errors.h"
#include "tandem/types.h"

enum proto_op {
	PROTO_OP_HELLO,
	PROTO_OP_REGISTER,
	PROTO_OP_LOGIN,
	PROTO_OP_LOGOUT,
	PROTO_OP_PING,
	PROTO_OP_USER_LIST,
	PROTO_OP_INVITE_CREATE,
	PROTO_OP_CONV_LIST,
	PROTO_OP_CONV_GET,
	PROTO_OP_CONV_CREATE,
	PROTO_OP_DM_OPEN,
	PROTO_OP_CONV_JOIN,
	PROTO_OP_CONV_LEAVE,
	PROTO_OP_CONV_INVITE,
	PROTO_OP_CONV_REMOVE,
	PROTO_OP_CONV_UPDATE,
	PROTO_OP_CONV_ARCHIVE,
	PROTO_OP_MSG_SEND,
	PROTO_OP_MSG_EDIT,
	PROTO_OP_MSG_DELETE,
	PROTO_OP_MSG_HISTORY,
	PROTO_OP_TYPING,
	PROTO_OP_THREAD_REPLIES,
	PROTO_OP_THREAD_FOLLOW,
	PROTO_OP_THREAD_LIST,
	PROTO_OP_THREAD_READ,
	PROTO_OP_CONV_READ,
	PROTO_OP_CONV_UNREAD,
	PROTO_OP_UNREAD_COUNTS,
	PROTO_OP_MENTION_LIST,
	PROTO_OP_REACT_ADD,
	PROTO_OP_REACT_REMOVE,
	PROTO_OP_PIN_ADD,
	PROTO_OP_PIN_REMOVE,
	PROTO_OP_PIN_LIST,
	PROTO_OP_SAVE_ADD,
	PROTO_OP_SAVE_REMOVE,
	PROTO_OP_SAVE_LIST,
	PROTO_OP_SEARCH,
	PROTO_OP_CONV_PREFS,
	PROTO_OP_MSG_SCHEDULE,
	PROTO_OP_SCHEDULE_LIST,
	PROTO_OP_SCHEDULE_CANCEL,
	PROTO_OP_REMIND_ADD,
	PROTO_OP_REMIND_LIST,
	PROTO_OP_REMIND_CANCEL,
	/* Sales and marketing (issue 4). */
	PROTO_OP_REQUEST_TEMPLATES,
	PROTO_OP_REQUEST_CREATE,
	PROTO_OP_REQUEST_GET,
	PROTO_OP_REQUEST_LIST,
	PROTO_OP_REQUEST_UPDATE,
	PROTO_OP_REQUEST_MOVE,
	PROTO_OP_REQUEST_ASSIGN,
	PROTO_OP_REQUEST_WATCH,
	PROTO_OP_REQUEST_DELIVER,
	PROTO_OP_REQUEST_VERDICT,
	PROTO_OP_REQUEST_LINK,
	PROTO_OP_SLA_GET,
	PROTO_OP_SLA_SET,
	PROTO_OP_FEEDBACK_CREATE,
	PROTO_OP_FEEDBACK_GET,
	PROTO_OP_FEEDBACK_LIST,
	PROTO_OP_FEEDBACK_VOTE,
	PROTO_OP_FEEDBACK_UNVOTE,
	PROTO_OP_FEEDBACK_STATUS,
	PROTO_OP_FEEDBACK_SPIKES,
	PROTO_OP_FEEDBACK_TO_REQUEST,
	PROTO_OP_PAIR_CREATE,
	PROTO_OP_PAIR_END,
	PROTO_OP_PAIR_LIST,
	PROTO_OP_BUDDY_GET,
	PROTO_OP_ROUND_RUN,
	PROTO_OP_ROUND_CONFIG,
	PROTO_OP_ROUND_GET,
	PROTO_OP_PAIR_PREFS,
	PROTO_OP_PAIR_HEALTH,
	PROTO_OP_GLOSSARY_CREATE,
	PROTO_OP_GLOSSARY_EDIT,
	PROTO_OP_GLOSSARY_GET,
	PROTO_OP_GLOSSARY_LIST,
	PROTO_OP_GLOSSARY_ACK,
	PROTO_OP_APPROVER_SET,
	PROTO_OP_DASHBOARD,
	/* Test builds only (TANDEM_TEST_HOOKS and --test-clock): move the
	 * server's clock forward. Elsewhere it answers unknown_op. */
	PROTO_OP_TEST_CLOCK,
	PROTO_OP__COUNT
};

/* Field bits: which fields a request carried (proto_request.present). */
#define PFB(n) ((uint64_t)1 << (n))
enum proto_field_bit {
	PF_TOKEN_B, PF_SINCE_B, PF_HANDLE_B, PF_PASSWORD_B, PF_DISPLAY_NAME_B,
	PF_TEAM_B, PF_INVITE_B, PF_CONV_B, PF_USER_B, PF_MESSAGE_B, PF_NAME_B,
	PF_TOPIC_B, PF_KIND_B, PF_PRIVATE_B, PF_MEMBERS_B, PF_BODY_B,
	PF_NONCE_B, PF_BEFORE_B, PF_AFTER_B, PF_LIMIT_B, PF_MAX_USES_B,
	PF_TTL_HOURS_B, PF_THREAD_B, PF_FOLLOW_B, PF_EMOJI_B, PF_QUERY_B,
	PF_OFFSET_B, PF_NOTIFY_B, PF_AT_B, PF_SCHEDULE_B, PF_REMINDER_B,
	PF_REQUEST_B, PF_FEEDBACK_B, PF_PAIR_B, PF_TERM_B, PF_TITLE_B,
	PF_ACCOUNT_B, PF_DEAL_B, PF_STAGE_B, PF_VALUE_B, PF_DUE_B,
	PF_PRIORITY_B, PF_STATUS_B, PF_REASON_B, PF_URL_B, PF_NOTE_B,
	PF_VERDICT_B, PF_WEIGHT_B, PF_COMPETITOR_B, PF_ASSIGNEE_B, PF_SORT_B,
	PF_WATCH_B, PF_REP_B, PF_MARKETER_B, PF_CADENCE_B,
	PF_FIRST_RESPONSE_B, PF_DELIVERY_B, PF_OPT_OUT_B, PF_SNOOZE_B,
	PF_VERSION_B, PF_APPROVER_B, PF_CREATED_AFTER_B, PF_CREATED_BEFORE_B,
	PF__COUNT
	/* At most 64 bits: past that, split the request struct per family. */
};
_Static_assert(PF__COUNT <= 64, "proto_request.present holds 64 bits");

#define PF_TOKEN PFB(PF_TOKEN_B)
#define PF_SINCE PFB(PF_SINCE_B)
#define PF_HANDLE PFB(PF_HANDLE_B)
#define PF_PASSWORD PFB(PF_PASSWORD_B)
#define PF_DISPLAY_NAME PFB(PF_DISPLAY_NAME_B)
#define PF_TEAM PFB(PF_TEAM_B)
#define PF_INVITE PFB(PF_INVITE_B)
#define PF_CONV PFB(PF_CONV_B)
#define PF_USER PFB(PF_USER_B)
#define PF_MESSAGE PFB(PF_MESSAGE_B)
#define PF_NAME PFB(PF_NAME_B)
#define PF_TOPIC PFB(PF_TOPIC_B)
#define PF_KIND PFB(PF_KIND_B)
#define PF_PRIVATE PFB(PF_PRIVATE_B)
#define PF_MEMBERS PFB(PF_MEMBERS_B)
#define PF_BODY PFB(PF_BODY_B)
#define PF_NONCE PFB(PF_NONCE_B)
#define PF_BEFORE PFB(PF_BEFORE_B)
#define PF_AFTER PFB(PF_AFTER_B)
#define PF_LIMIT PFB(PF_LIMIT_B)
#define PF_MAX_USES PFB(PF_MAX_USES_B)
#define PF_TTL_HOURS PFB(PF_TTL_HOURS_B)
#define PF_THREAD PFB(PF_THREAD_B)
#define PF_FOLLOW PFB(PF_FOLLOW_B)
#define PF_EMOJI PFB(PF_EMOJI_B)
#define PF_QUERY PFB(PF_QUERY_B)
#define PF_OFFSET PFB(PF_OFFSET_B)
#define PF_NOTIFY PFB(PF_NOTIFY_B)
#define PF_AT PFB(PF_AT_B)
#define PF_SCHEDULE PFB(PF_SCHEDULE_B)
#define PF_REMINDER PFB(PF_REMINDER_B)
#define PF_REQUEST PFB(PF_REQUEST_B)
#define PF_FEEDBACK PFB(PF_FEEDBACK_B)
#define PF_PAIR PFB(PF_PAIR_B)
#define PF_TERM PFB(PF_TERM_B)
#define PF_TITLE PFB(PF_TITLE_B)
#define PF_ACCOUNT PFB(PF_ACCOUNT_B)
#define PF_DEAL PFB(PF_DEAL_B)
#define PF_STAGE PFB(PF_STAGE_B)
#define PF_VALUE PFB(PF_VALUE_B)
#define PF_DUE PFB(PF_DUE_B)
#define PF_PRIORITY PFB(PF_PRIORITY_B)
#define PF_STATUS PFB(PF_STATUS_B)
#define PF_REASON PFB(PF_REASON_B)
#define PF_URL PFB(PF_URL_B)
#define PF_NOTE PFB(PF_NOTE_B)
#define PF_VERDICT PFB(PF_VERDICT_B)
#define PF_WEIGHT PFB(PF_WEIGHT_B)
#define PF_COMPETITOR PFB(PF_COMPETITOR_B)
#define PF_ASSIGNEE PFB(PF_ASSIGNEE_B)
#define PF_SORT PFB(PF_SORT_B)
#define PF_WATCH PFB(PF_WATCH_B)
#define PF_REP PFB(PF_REP_B)
#define PF_MARKETER PFB(PF_MARKETER_B)
#define PF_CADENCE PFB(PF_CADENCE_B)
#define PF_FIRST_RESPONSE PFB(PF_FIRST_RESPONSE_B)
#define PF_DELIVERY PFB(PF_DELIVERY_B)
#define PF_OPT_OUT PFB(PF_OPT_OUT_B)
#define PF_SNOOZE PFB(PF_SNOOZE_B)
#define PF_VERSION PFB(PF_VERSION_B)
#define PF_APPROVER PFB(PF_APPROVER_B)
#define PF_CREATED_AFTER PFB(PF_CREATED_AFTER_B)
#define PF_CREATED_BEFORE PFB(PF_CREATED_BEFORE_B)

/* A word field's room: "kind", "status" and "sort" ([a-z_], 1..31). */
#define PROTO_WORD_MAX 31


/*
 * One decoded request. Each field has one meaning in every op that takes it;
 * `present` says which were given. Strings are NUL-terminated copies owned by
 * the struct (proto_request_fini() frees and wipes them: password is zeroed).
 */
struct proto_request {
	enum proto_op op;
	int64_t id;		/* 0..2^53-1 */
	uint64_t present;	/* PF_* bits */
	char token[TD_TOKEN_LEN + 1];
	int64_t since;		/* >= 0 */
	char handle[TD_HANDLE_MAX + 1];
	char *password;		/* owned, zeroed on fini */
	char display_name[TD_DISPLAY_MAX + 1];
	enum td_team team;
	char invite[TD_INVITE_LEN + 1];
	int64_t conv, user, message; /* > 0 */
	char name[TD_CHANNEL_NAME_MAX + 1];
	char topic[TD_TOPIC_MAX + 1];
	/*
	 * "kind" means a conversation kind in conv.create (kind: channel or
	 * group), a request kind in request.* and feedback.to_request, and a
	 * feedback kind in feedback.*; the op's check resolves kind_name into
	 * the right one (the other stays 0). "status" likewise resolves into
	 * status (enum td_request_status or td_feedback_status).
	 */
	char kind_name[PROTO_WORD_MAX + 1];
	enum td_conv_kind kind;
	int sub_kind;
	char status_name[PROTO_WORD_MAX + 1];
	int status;
	char sort[PROTO_WORD_MAX + 1]; /* list order; the op's check names
					* the words it takes */
	bool is_private;
	int64_t members[TD_MEMBERS_MAX];
	size_t n_members;
	char *body;		/* owned */
	char nonce[TD_NONCE_MAX + 1];
	int64_t before, after;	/* message ids; before > 0, after >= 0 */
	int limit;		/* 1..TD_HISTORY_MAX */
	int max_uses;		/* 1..1000 */
	int ttl_hours;		/* 1..720 */
	int64_t thread;		/* msg.send: a message of the thread, > 0 */
	bool follow;		/* thread.follow */
	char emoji[TD_EMOJI_MAX + 1]; /* [a-z0-9_+-]{1,32} */
	char query[TD_QUERY_MAX + 1]; /* search text with filters */
	int offset;		/* search: 0..TD_SEARCH_OFFSET_MAX */
	enum td_notify notify;	/* conv.prefs */
	int64_t at;		/* ms since the epoch, > 0 (future: handler) */
	int64_t schedule;	/* schedule.cancel: a scheduled message id */
	int64_t reminder;	/* remind.cancel: a reminder id */
	/* Sales and marketing (issue 4). */
	int64_t request, feedback, pair, term; /* record ids, > 0 */
	char title[TD_TITLE_CHARS * 4 + 1];
	char account[TD_ACCOUNT_CHARS * 4 + 1];
	char deal[TD_ACCOUNT_CHARS * 4 + 1];	/* deal name */
	char competitor[TD_ACCOUNT_CHARS * 4 + 1];
	int stage;		/* enum td_deal_stage */
	int64_t value;		/* deal value, 0..TD_VALUE_MAX */
	int64_t due;		/* ms since the epoch, 0 = none */
	int priority;		/* enum td_priority */
	char reason[TD_REASON_CHARS * 4 + 1];
	char url[TD_URL_MAX + 1];
	char note[TD_NOTE_CHARS * 4 + 1];
	int verdict;		/* enum td_verdict */
	int weight;		/* enum td_weight */
	int64_t assignee;	/* a user id; 0 = nobody */
	bool watch;
	int64_t rep, marketer;	/* user ids */
	int cadence;		/* enum td_cadence */
	int first_response;	/* SLA target, minutes */
	int delivery;		/* SLA target, minutes */
	bool opt_out;
	int64_t snooze;		/* ms since the epoch, 0 = not snoozed */
	int version;		/* glossary version, >= 1 */
	bool approver;
	int64_t created_after, created_before; /* ms since the epoch */
};

/* The wire name of an op ("msg.send"), or NULL for an out-of-range op. */
const char *proto_op_name(enum proto_op op);

/*
 * Decode one client frame of `len` bytes (not NUL-terminated).
 * Returns 0 and fills *req, or a negative TD_ERR_* code. On error, *req_id is
 * set to the request's id when it could be read (else -1) so the error reply
 * can name it, and why_buf receives a human explanation ("field 'limit' must
 * be an integer from 1 to 200"): printable ASCII, NUL-terminated, cut to
 * why_len bytes, "" on success; why_buf may be NULL and req_id may be NULL.
 * Always call proto_request_fini() afterwards, whatever the result.
 */
int proto_decode_request(const char *buf, size_t len, struct proto_request *req,
			 int64_t *req_id, char *why_buf, size_t why_len);
void proto_request_fini(struct proto_request *req);

/*
 * Text rules, shared by the decoder, the server and the clients.
 * Each returns true when `s` is acceptable.
 */
bool proto_valid_handle(const char *s);
bool proto_valid_channel_name(const char *s);
/* Valid UTF-8, no C0/C1 controls, no bidi overrides, 1..max_chars chars. */
bool proto_valid_line(const char *s, size_t max_chars, bool allow_empty);
/* Valid UTF-8, no controls but \n and \t, not only whitespace. */
bool proto_valid_body(const char *s, size_t len);
/* Number of code points in valid UTF-8 `s`. */
size_t proto_utf8_chars(const char *s);
/* A reaction shortcode: 1..TD_EMOJI_MAX of a-z 0-9 _ + -. */
bool proto_valid_emoji(const char *s);
/* An asset link: http:// or https:// then printable ASCII, no spaces. */
bool proto_valid_url(const char *s);

/*
 * Mentions in a message body (proto/mention.c). An "@" starts a mention
 * when it begins the body or follows a character that cannot be part of a
 * handle or an e-mail address's local part (so "ana@example.com" is not a
 * mention); the name is the longest run of a-z 0-9 . _ - after it (ASCII
 * letters are folded to lowercase) with trailing '.', '_' and '-' dropped
 * (sentence punctuation). "channel", "team-sales" and "team-marketing" are
 * the group mentions; any other name that is a valid handle is kept, once,
 * up to TD_MENTIONS_MAX names. Pure: no I/O, never fails.
 */
struct proto_mentions {
	char handles[TD_MENTIONS_MAX][TD_HANDLE_MAX + 1];
	size_t n_handles;
	bool channel;
	bool team_sales;
	bool team_marketing;
};

void proto_parse_mentions(const char *body, struct proto_mentions *out);

/*
 * Search queries (proto/search.c). The query text is split on whitespace
 * into filters and terms: in:#channel, in:@handle (the dm with that user),
 * from:@handle (the "@" is optional), before:YYYY-MM-DD, after:YYYY-MM-DD
 * (UTC days: before is exclusive of that day, after too), has:link. Every
 * other word is a term. The terms become one FTS5 query in `fts`: each
 * term as a quoted string ('"' doubled), joined by AND,
 * so nothing the user types is FTS5 syntax. Terms with fewer than 2
 * letters or digits are dropped and counted in `dropped`; the store matches
 * each remaining term as a word prefix.
 * Returns 0, or TD_ERR_BAD_REQUEST with `why` set (bad date, unknown
 * filter, empty value, nothing to search for).
 */
struct proto_search {
	char in_channel[TD_CHANNEL_NAME_MAX + 1];
	char in_dm[TD_HANDLE_MAX + 1];
	char from[TD_HANDLE_MAX + 1];
	int64_t before_ms, after_ms; /* 0: no bound */
	bool has_link;
	char fts[TD_QUERY_MAX * 4 + 16];
	int n_terms;
	int dropped;
	const char *why;
};

int proto_parse_search(const char *query, struct proto_search *out);

/*
 * struct jw: an append-only JSON writer into a heap buffer that begins with
 * `headroom` spare bytes (for LWS_PRE). Allocation failure aborts (small,
 * bounded sizes). Keys and strings are escaped; the writer inserts commas.
 */
struct jw {
	char *buf;
	size_t len;	 /* bytes used, including headroom */
	size_t cap;
	size_t headroom;
	unsigned depth;
	uint64_t need_comma; /* bit per depth */
};

void jw_init(struct jw *w, size_t headroom);
void jw_fini(struct jw *w);
/* Take the buffer: *len gets the JSON length (after headroom). */
char *jw_take(struct jw *w, size_t *len);
const char *jw_text(const struct jw *w); /* JSON text (after headroom) */
size_t jw_text_len(const struct jw *w);
void jw_obj_open(struct jw *w);
void jw_obj_close(struct jw *w);
void jw_arr_open(struct jw *w);
void jw_arr_close(struct jw *w);
void jw_key(struct jw *w, const char *key);
void jw_str(struct jw *w, const char *s);
void jw_strn(struct jw *w, const char *s, size_t n);
void jw_int(struct jw *w, int64_t v);
void jw_double(struct jw *w, double v); /* null when not finite */
void jw_bool(struct jw *w, bool v);
void jw_null(struct jw *w);
/* Key + value shorthands. */
void jw_kstr(struct jw *w, const char *key, const char *s);
void jw_kint(struct jw *w, const char *key, int64_t v);
void jw_kbool(struct jw *w, const char *key, bool v);

/* Entities as JSON objects (see PROTOCOL.md "Objects"). */
void proto_write_user(struct jw *w, const struct td_user *u, int online);
void proto_write_conv(struct jw *w, const struct td_conv *c);
void proto_write_message(struct jw *w, const struct td_message *m);
/* The "reactions" member of a Message (grouped by emoji). */
void proto_write_reactions(struct jw *w, const struct td_message *m);
/* The hello reply's "limits" object (PROTOCOL.md "Limits"), as a value. */
void proto_write_limits(struct jw *w);

/*
 * Replies and events. A reply is {"id":N,"result":{...}}: call
 * proto_reply_open(), write the result's members, then proto_reply_close().
 * An event is {"event":"name","seq":N,"data":{...}}; seq < 0 means an
 * ephemeral event, written without "seq".
 */
void proto_reply_open(struct jw *w, int64_t id);
void proto_reply_close(struct jw *w);
/* {"id":N|null,"error":{"code":..,"message":..}}; id < 0 writes null. */
void proto_write_error(struct jw *w, int64_t id, int err, const char *message);
void proto_event_open(struct jw *w, const char *name, int64_t seq);
void proto_event_close(struct jw *w);

/*
 * Decoding server frames, for clients. A frame is a reply (ok or error) or
 * an event; the entities it carries under the well-known keys are decoded
 * into typed arrays so the client never sees JSON either.
 */
/*
 * A read-only view of a server frame's JSON payload (proto/value.c), for
 * the members struct proto_frame has no field for. A view borrows from its
 * frame: valid until proto_frame_fini(). Every accessor takes NULL (an
 * absent member) and then answers its default.
 */
struct proto_value;

enum proto_value_type {
	PROTO_VALUE_ABSENT, /* NULL: no such member */
	PROTO_VALUE_NULL,
	PROTO_VALUE_BOOL,
	PROTO_VALUE_INT,
	PROTO_VALUE_REAL,
	PROTO_VALUE_STRING,
	PROTO_VALUE_ARRAY,
	PROTO_VALUE_OBJECT
};

enum proto_value_type proto_value_type(const struct proto_value *v);
/* An object's member, or NULL (absent, or v is not an object). */
const struct proto_value *proto_value_get(const struct proto_value *obj,
					  const char *key);
/* An array's element i, or NULL. */
const struct proto_value *proto_value_at(const struct proto_value *arr,
					 size_t i);
/* Elements of an array, members of an object, else 0. */
size_t proto_value_len(const struct proto_value *v);
/* An object's i-th key (in the frame's order) and value, or NULL. */
const char *proto_value_key_at(const struct proto_value *obj, size_t i,
			       const struct proto_value **val);
/* Scalars; dflt when absent or of another type. A string is cut at a NUL. */
const char *proto_value_str(const struct proto_value *v, const char *dflt);
int64_t proto_value_int(const struct proto_value *v, int64_t dflt);
double proto_value_real(const struct proto_value *v, double dflt);
bool proto_value_bool(const struct proto_value *v, bool dflt);
/* Write v as a JSON value into w (null when absent). */
void proto_value_write(struct jw *w, const struct proto_value *v);

enum proto_frame_kind { PROTO_FRAME_REPLY, PROTO_FRAME_ERROR, PROTO_FRAME_EVENT };

struct proto_frame {
	enum proto_frame_kind kind;
	int64_t id;		/* replies; -1 when null */
	char event[48];		/* events: "message.new" */
	int64_t seq;		/* events; -1 when ephemeral */
	char error_code[48];	/* errors */
	char error_message[256];
	/* Result or event data, whichever keys were present. */
	char token[TD_TOKEN_LEN + 1];
	int64_t head;		/* -1 when absent */
	bool resync;
	bool more;
	char code[TD_INVITE_LEN + 1]; /* invite.create */
	int64_t conv_id, user_id;     /* "conv", "user" ids in events */
	bool online;		      /* presence */
	struct td_user *users;	      /* "user" or "users" */
	size_t n_users;
	struct td_conv *convs;	      /* "conversation" or "conversations" */
	size_t n_convs;
	struct td_message *messages;  /* "message" or "messages" */
	size_t n_messages;
	bool *users_online;	      /* parallel to users: each "online" */
	int64_t *members;	      /* conv.get "members" (user ids) */
	size_t n_members;
	int64_t by;		      /* member.join/leave "by"; 0 if absent */
	int64_t expires_at;	      /* register/login/invite.create; 0 */
	int64_t time;		      /* ping "time"; 0 when absent */
	bool needs_invite;	      /* hello */
	bool open_registration;	      /* hello */
	/* The whole result or event data; NULL when none. */
	struct proto_value *payload;
};

int proto_decode_frame(const char *buf, size_t len, struct proto_frame *f);
void proto_frame_fini(struct proto_frame *f);

/*
 * Encode a client request. `fields` is a JSON object's members written by
 * the caller through w between proto_request_open() and
 * proto_request_close(); e.g. open(w, PROTO_OP_MSG_SEND, 7), jw_kint(w,
 * "conv", 3), jw_kstr(w, "body", "hi"), close(w).
 */
void proto_request_open(struct jw *w, enum proto_op op, int64_t id);
void proto_request_close(struct jw *w);

#endif
