/*
 * decode.c: JSON text in, validated structs out. proto_decode_request()
 * turns a client frame into a struct proto_request; proto_decode_frame()
 * turns a server frame into a struct proto_frame for clients.
 *
 * With value.c (a view of a frame's payload), the only files in the project
 * that include jansson. Requests are decoded by two tables: field_table[]
 * says how each wire field is typed, limited and stored, op_table[] says
 * which fields each op requires or allows. Adding an op is a row here (see
 * the checklist in proto.h).
 *
 * Everything here reads untrusted bytes: it must never crash, abort, leak
 * or read out of bounds on any input, and it must never let a field reach
 * a handler unchecked. Passwords are wiped before their memory is freed.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "tandem/proto.h"

/* The largest integer a JavaScript client can hold exactly: 2^53 - 1. */
#define ID_MAX ((int64_t)9007199254740991LL)

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* How much of a peer's key or op name an error message repeats. */
#define ECHO_MAX 32

enum field_type {
	FT_INT64,     /* int64_t at off, within min..max */
	FT_INT,	      /* int at off, within min..max */
	FT_BOOL,      /* bool at off */
	FT_TEXT,      /* char[max + 1] at off, checked by `rule` */
	FT_HEAP_TEXT, /* char * at off, owned, checked by `rule` */
	FT_TEAM,      /* enum td_team at off */
	FT_WORD,      /* char[PROTO_WORD_MAX + 1] at off: [a-z_]; the op's
		       * check resolves it (kind, status, sort) */
	FT_MEMBERS,   /* members[] and n_members */
	FT_NOTIFY,    /* enum td_notify at off */
	FT_ENUM       /* int at off: a name from the field's td_enum */
};

/* How a text field's contents are checked once its length is known. */
enum text_rule {
	TR_TOKEN,    /* exactly TD_TOKEN_LEN base64url characters */
	TR_INVITE,   /* 1..TD_INVITE_LEN base64url characters */
	TR_HANDLE,   /* one line of text; register adds proto_valid_handle */
	TR_PASSWORD, /* any UTF-8 without NUL */
	TR_LINE,     /* proto_valid_line, at most max_chars characters */
	TR_CHANNEL,  /* proto_valid_channel_name */
	TR_BODY,     /* proto_valid_body */
	TR_NONCE,    /* printable ASCII 0x21..0x7e */
	TR_EMOJI,    /* proto_valid_emoji */
	TR_URL       /* proto_valid_url */
};

/*
 * One wire field. Numbers use min..max as their range; text uses min..max
 * as its length in bytes, and over max answers too_large (except tokens
 * and invites, whose length is part of their format).
 */
struct field_desc {
	const char *name;
	uint64_t bit;
	enum field_type type;
	size_t off;
	int64_t min, max;
	enum text_rule rule;
	size_t max_chars; /* TR_LINE only */
	bool allow_empty; /* TR_LINE only */
	const struct td_enum *en; /* FT_ENUM only */
};

#define RQ(m) offsetof(struct proto_request, m)

static const struct field_desc field_table[] = {
	{ "token", PF_TOKEN, FT_TEXT, RQ(token), TD_TOKEN_LEN, TD_TOKEN_LEN,
	  TR_TOKEN, 0, false, NULL },
	{ "since", PF_SINCE, FT_INT64, RQ(since), 0, ID_MAX, 0, 0, false, NULL },
	{ "handle", PF_HANDLE, FT_TEXT, RQ(handle), 1, TD_HANDLE_MAX, TR_HANDLE,
	  0, false, NULL },
	{ "password", PF_PASSWORD, FT_HEAP_TEXT, RQ(password), 1,
	  TD_PASSWORD_MAX, TR_PASSWORD, 0, false, NULL },
	{ "display_name", PF_DISPLAY_NAME, FT_TEXT, RQ(display_name), 1,
	  TD_DISPLAY_MAX, TR_LINE, TD_DISPLAY_CHARS, false, NULL },
	{ "team", PF_TEAM, FT_TEAM, RQ(team), 0, 0, 0, 0, false, NULL },
	{ "invite", PF_INVITE, FT_TEXT, RQ(invite), 1, TD_INVITE_LEN, TR_INVITE,
	  0, false, NULL },
	{ "conv", PF_CONV, FT_INT64, RQ(conv), 1, ID_MAX, 0, 0, false, NULL },
	{ "user", PF_USER, FT_INT64, RQ(user), 1, ID_MAX, 0, 0, false, NULL },
	{ "message", PF_MESSAGE, FT_INT64, RQ(message), 1, ID_MAX, 0, 0,
	  false, NULL },
	{ "name", PF_NAME, FT_TEXT, RQ(name), 1, TD_CHANNEL_NAME_MAX,
	  TR_CHANNEL, 0, false, NULL },
	{ "topic", PF_TOPIC, FT_TEXT, RQ(topic), 0, TD_TOPIC_MAX, TR_LINE,
	  TD_TOPIC_CHARS, true, NULL },
	{ "kind", PF_KIND, FT_WORD, RQ(kind_name), 1, PROTO_WORD_MAX, 0, 0,
	  false, NULL },
	{ "private", PF_PRIVATE, FT_BOOL, RQ(is_private), 0, 0, 0, 0, false, NULL },
	{ "members", PF_MEMBERS, FT_MEMBERS, RQ(members), 0, TD_MEMBERS_MAX, 0,
	  0, false, NULL },
	{ "body", PF_BODY, FT_HEAP_TEXT, RQ(body), 1, TD_MAX_BODY, TR_BODY, 0,
	  false, NULL },
	{ "nonce", PF_NONCE, FT_TEXT, RQ(nonce), 1, TD_NONCE_MAX, TR_NONCE, 0,
	  false, NULL },
	{ "before", PF_BEFORE, FT_INT64, RQ(before), 1, ID_MAX, 0, 0, false, NULL },
	{ "after", PF_AFTER, FT_INT64, RQ(after), 0, ID_MAX, 0, 0, false, NULL },
	{ "limit", PF_LIMIT, FT_INT, RQ(limit), 1, TD_HISTORY_MAX, 0, 0,
	  false, NULL },
	{ "max_uses", PF_MAX_USES, FT_INT, RQ(max_uses), 1, 1000, 0, 0, false, NULL },
	{ "ttl_hours", PF_TTL_HOURS, FT_INT, RQ(ttl_hours), 1, 720, 0, 0,
	  false, NULL },
	{ "thread", PF_THREAD, FT_INT64, RQ(thread), 1, ID_MAX, 0, 0, false, NULL },
	{ "follow", PF_FOLLOW, FT_BOOL, RQ(follow), 0, 0, 0, 0, false, NULL },
	{ "emoji", PF_EMOJI, FT_TEXT, RQ(emoji), 1, TD_EMOJI_MAX, TR_EMOJI, 0,
	  false, NULL },
	{ "query", PF_QUERY, FT_TEXT, RQ(query), 1, TD_QUERY_MAX, TR_LINE,
	  TD_QUERY_MAX, false, NULL },
	{ "offset", PF_OFFSET, FT_INT, RQ(offset), 0, TD_SEARCH_OFFSET_MAX, 0,
	  0, false, NULL },
	{ "notify", PF_NOTIFY, FT_NOTIFY, RQ(notify), 0, 0, 0, 0, false, NULL },
	{ "at", PF_AT, FT_INT64, RQ(at), 1, ID_MAX, 0, 0, false, NULL },
	{ "schedule", PF_SCHEDULE, FT_INT64, RQ(schedule), 1, ID_MAX, 0, 0,
	  false, NULL },
	{ "reminder", PF_REMINDER, FT_INT64, RQ(reminder), 1, ID_MAX, 0, 0,
	  false, NULL },
	/* Sales and marketing. */
	{ "request", PF_REQUEST, FT_INT64, RQ(request), 1, ID_MAX, 0, 0,
	  false, NULL },
	{ "feedback", PF_FEEDBACK, FT_INT64, RQ(feedback), 1, ID_MAX, 0, 0,
	  false, NULL },
	{ "pair", PF_PAIR, FT_INT64, RQ(pair), 1, ID_MAX, 0, 0, false, NULL },
	{ "term", PF_TERM, FT_INT64, RQ(term), 1, ID_MAX, 0, 0, false, NULL },
	{ "title", PF_TITLE, FT_TEXT, RQ(title), 1, TD_TITLE_CHARS * 4,
	  TR_LINE, TD_TITLE_CHARS, false, NULL },
	{ "account", PF_ACCOUNT, FT_TEXT, RQ(account), 0, TD_ACCOUNT_CHARS * 4,
	  TR_LINE, TD_ACCOUNT_CHARS, true, NULL },
	{ "deal", PF_DEAL, FT_TEXT, RQ(deal), 0, TD_ACCOUNT_CHARS * 4, TR_LINE,
	  TD_ACCOUNT_CHARS, true, NULL },
	{ "stage", PF_STAGE, FT_ENUM, RQ(stage), 0, 0, 0, 0, false,
	  &td_enum_deal_stage },
	{ "value", PF_VALUE, FT_INT64, RQ(value), 0, TD_VALUE_MAX, 0, 0,
	  false, NULL },
	{ "due", PF_DUE, FT_INT64, RQ(due), 0, ID_MAX, 0, 0, false, NULL },
	{ "priority", PF_PRIORITY, FT_ENUM, RQ(priority), 0, 0, 0, 0, false,
	  &td_enum_priority },
	{ "status", PF_STATUS, FT_WORD, RQ(status_name), 1, PROTO_WORD_MAX, 0,
	  0, false, NULL },
	{ "reason", PF_REASON, FT_TEXT, RQ(reason), 1, TD_REASON_CHARS * 4,
	  TR_LINE, TD_REASON_CHARS, false, NULL },
	{ "url", PF_URL, FT_TEXT, RQ(url), 1, TD_URL_MAX, TR_URL, 0, false, NULL },
	{ "note", PF_NOTE, FT_TEXT, RQ(note), 0, TD_NOTE_CHARS * 4, TR_LINE,
	  TD_NOTE_CHARS, true, NULL },
	{ "verdict", PF_VERDICT, FT_ENUM, RQ(verdict), 0, 0, 0, 0, false,
	  &td_enum_verdict },
	{ "weight", PF_WEIGHT, FT_ENUM, RQ(weight), 0, 0, 0, 0, false,
	  &td_enum_weight },
	{ "competitor", PF_COMPETITOR, FT_TEXT, RQ(competitor), 0,
	  TD_ACCOUNT_CHARS * 4, TR_LINE, TD_ACCOUNT_CHARS, true, NULL },
	{ "assignee", PF_ASSIGNEE, FT_INT64, RQ(assignee), 0, ID_MAX, 0, 0,
	  false, NULL },
	{ "sort", PF_SORT, FT_WORD, RQ(sort), 1, PROTO_WORD_MAX, 0, 0, false, NULL },
	{ "watch", PF_WATCH, FT_BOOL, RQ(watch), 0, 0, 0, 0, false, NULL },
	{ "rep", PF_REP, FT_INT64, RQ(rep), 1, ID_MAX, 0, 0, false, NULL },
	{ "marketer", PF_MARKETER, FT_INT64, RQ(marketer), 1, ID_MAX, 0, 0,
	  false, NULL },
	{ "cadence", PF_CADENCE, FT_ENUM, RQ(cadence), 0, 0, 0, 0, false,
	  &td_enum_cadence },
	{ "first_response", PF_FIRST_RESPONSE, FT_INT, RQ(first_response), 1,
	  60 * 24 * 30, 0, 0, false, NULL },
	{ "delivery", PF_DELIVERY, FT_INT, RQ(delivery), 1, 60 * 24 * 365, 0,
	  0, false, NULL },
	{ "opt_out", PF_OPT_OUT, FT_BOOL, RQ(opt_out), 0, 0, 0, 0, false, NULL },
	{ "snooze", PF_SNOOZE, FT_INT64, RQ(snooze), 0, ID_MAX, 0, 0, false, NULL },
	{ "version", PF_VERSION, FT_INT, RQ(version), 1, 1000000, 0, 0, false, NULL },
	{ "approver", PF_APPROVER, FT_BOOL, RQ(approver), 0, 0, 0, 0, false, NULL },
	{ "created_after", PF_CREATED_AFTER, FT_INT64, RQ(created_after), 0,
	  ID_MAX, 0, 0, false, NULL },
	{ "created_before", PF_CREATED_BEFORE, FT_INT64, RQ(created_before), 1,
	  ID_MAX, 0, 0, false, NULL },
};

_Static_assert(NELEM(field_table) == PF__COUNT,
	       "field_table needs one row per PF_* bit");

struct why {
	char *buf;
	size_t len;
};

/* A check an op needs beyond its fields' own rules; returns 0 or TD_ERR_*. */
typedef int (*op_check_fn)(struct proto_request *req, struct why *why);

static int check_register(struct proto_request *, struct why *);
static int check_conv_create(struct proto_request *, struct why *);
static int check_history(struct proto_request *, struct why *);
static int check_list(struct proto_request *, struct why *);
static int check_search(struct proto_request *, struct why *);
static int check_by_conv(struct proto_request *, struct why *);
static int check_request(struct proto_request *, struct why *);
static int check_request_list(struct proto_request *, struct why *);
static int check_request_move(struct proto_request *, struct why *);
static int check_feedback(struct proto_request *, struct why *);
static int check_feedback_list(struct proto_request *, struct why *);
static int check_feedback_status(struct proto_request *, struct why *);

struct op_desc {
	const char *name;
	enum proto_op op;
	uint64_t required;
	uint64_t optional;
	op_check_fn check;
};

/* Indexed by enum proto_op: proto_op_name() relies on that. */
static const struct op_desc op_table[] = {
	{ "hello", PROTO_OP_HELLO, 0, PF_TOKEN | PF_SINCE, NULL },
	{ "register", PROTO_OP_REGISTER,
	  PF_HANDLE | PF_PASSWORD | PF_DISPLAY_NAME | PF_TEAM,
	  PF_INVITE | PF_SINCE, check_register },
	{ "login", PROTO_OP_LOGIN, PF_HANDLE | PF_PASSWORD, PF_SINCE, NULL },
	{ "logout", PROTO_OP_LOGOUT, 0, 0, NULL },
	{ "ping", PROTO_OP_PING, 0, 0, NULL },
	{ "user.list", PROTO_OP_USER_LIST, 0, 0, NULL },
	{ "invite.create", PROTO_OP_INVITE_CREATE, 0,
	  PF_MAX_USES | PF_TTL_HOURS, NULL },
	{ "conv.list", PROTO_OP_CONV_LIST, 0, 0, NULL },
	{ "conv.get", PROTO_OP_CONV_GET, PF_CONV, 0, NULL },
	{ "conv.create", PROTO_OP_CONV_CREATE, PF_KIND,
	  PF_NAME | PF_TOPIC | PF_PRIVATE | PF_MEMBERS, check_conv_create },
	{ "dm.open", PROTO_OP_DM_OPEN, PF_USER, 0, NULL },
	{ "conv.join", PROTO_OP_CONV_JOIN, PF_CONV, 0, NULL },
	{ "conv.leave", PROTO_OP_CONV_LEAVE, PF_CONV, 0, NULL },
	{ "conv.invite", PROTO_OP_CONV_INVITE, PF_CONV | PF_USER, 0, NULL },
	{ "conv.remove", PROTO_OP_CONV_REMOVE, PF_CONV | PF_USER, 0, NULL },
	{ "conv.update", PROTO_OP_CONV_UPDATE, PF_CONV, PF_TOPIC | PF_NAME,
	  NULL },
	{ "conv.archive", PROTO_OP_CONV_ARCHIVE, PF_CONV, 0, NULL },
	{ "msg.send", PROTO_OP_MSG_SEND, PF_CONV | PF_BODY | PF_NONCE, PF_THREAD,
	  NULL },
	{ "msg.edit", PROTO_OP_MSG_EDIT, PF_MESSAGE | PF_BODY, 0, NULL },
	{ "msg.delete", PROTO_OP_MSG_DELETE, PF_MESSAGE, 0, NULL },
	{ "msg.history", PROTO_OP_MSG_HISTORY, PF_CONV,
	  PF_BEFORE | PF_AFTER | PF_LIMIT, check_history },
	{ "typing", PROTO_OP_TYPING, PF_CONV, 0, NULL },
	{ "thread.replies", PROTO_OP_THREAD_REPLIES, PF_MESSAGE,
	  PF_BEFORE | PF_AFTER | PF_LIMIT, check_history },
	{ "thread.follow", PROTO_OP_THREAD_FOLLOW, PF_MESSAGE | PF_FOLLOW, 0,
	  NULL },
	{ "thread.list", PROTO_OP_THREAD_LIST, 0, PF_LIMIT, check_list },
	{ "thread.read", PROTO_OP_THREAD_READ, PF_MESSAGE, 0, NULL },
	{ "conv.read", PROTO_OP_CONV_READ, PF_CONV | PF_MESSAGE, 0, NULL },
	{ "conv.unread", PROTO_OP_CONV_UNREAD, PF_CONV | PF_MESSAGE, 0, NULL },
	{ "unread.counts", PROTO_OP_UNREAD_COUNTS, 0, 0, NULL },
	{ "mention.list", PROTO_OP_MENTION_LIST, 0, PF_BEFORE | PF_LIMIT,
	  check_list },
	{ "react.add", PROTO_OP_REACT_ADD, PF_MESSAGE | PF_EMOJI, 0, NULL },
	{ "react.remove", PROTO_OP_REACT_REMOVE, PF_MESSAGE | PF_EMOJI, 0,
	  NULL },
	{ "pin.add", PROTO_OP_PIN_ADD, PF_MESSAGE, 0, NULL },
	{ "pin.remove", PROTO_OP_PIN_REMOVE, PF_MESSAGE, 0, NULL },
	{ "pin.list", PROTO_OP_PIN_LIST, PF_CONV, 0, NULL },
	{ "save.add", PROTO_OP_SAVE_ADD, PF_MESSAGE, 0, NULL },
	{ "save.remove", PROTO_OP_SAVE_REMOVE, PF_MESSAGE, 0, NULL },
	{ "save.list", PROTO_OP_SAVE_LIST, 0, PF_LIMIT, check_list },
	{ "search", PROTO_OP_SEARCH, PF_QUERY, PF_LIMIT | PF_OFFSET,
	  check_search },
	{ "conv.prefs", PROTO_OP_CONV_PREFS, PF_CONV | PF_NOTIFY, 0, NULL },
	{ "msg.schedule", PROTO_OP_MSG_SCHEDULE,
	  PF_CONV | PF_BODY | PF_NONCE | PF_AT, 0, NULL },
	{ "schedule.list", PROTO_OP_SCHEDULE_LIST, 0, 0, NULL },
	{ "schedule.cancel", PROTO_OP_SCHEDULE_CANCEL, PF_SCHEDULE, 0, NULL },
	{ "remind.add", PROTO_OP_REMIND_ADD, PF_MESSAGE | PF_AT, 0, NULL },
	{ "remind.list", PROTO_OP_REMIND_LIST, 0, 0, NULL },
	{ "remind.cancel", PROTO_OP_REMIND_CANCEL, PF_REMINDER, 0, NULL },
	/* Sales and marketing. */
	{ "request.templates", PROTO_OP_REQUEST_TEMPLATES, 0, 0, NULL },
	{ "request.create", PROTO_OP_REQUEST_CREATE,
	  PF_KIND | PF_TITLE | PF_BODY,
	  PF_ACCOUNT | PF_DEAL | PF_STAGE | PF_VALUE | PF_DUE | PF_PRIORITY |
		  PF_NONCE,
	  check_request },
	{ "request.get", PROTO_OP_REQUEST_GET, 0, PF_REQUEST | PF_CONV,
	  check_by_conv },
	{ "request.list", PROTO_OP_REQUEST_LIST, 0,
	  PF_STATUS | PF_KIND | PF_ASSIGNEE | PF_ACCOUNT | PF_USER | PF_SORT |
		  PF_LIMIT | PF_OFFSET,
	  check_request_list },
	{ "request.update", PROTO_OP_REQUEST_UPDATE, PF_REQUEST,
	  PF_TITLE | PF_BODY | PF_ACCOUNT | PF_DEAL | PF_STAGE | PF_VALUE |
		  PF_DUE | PF_PRIORITY | PF_KIND,
	  check_request },
	{ "request.move", PROTO_OP_REQUEST_MOVE, PF_REQUEST | PF_STATUS,
	  PF_REASON, check_request_move },
	{ "request.assign", PROTO_OP_REQUEST_ASSIGN, PF_REQUEST | PF_ASSIGNEE,
	  0, NULL },
	{ "request.watch", PROTO_OP_REQUEST_WATCH, PF_REQUEST | PF_WATCH, 0,
	  NULL },
	{ "request.deliver", PROTO_OP_REQUEST_DELIVER, PF_REQUEST | PF_URL,
	  PF_NOTE, NULL },
	{ "request.verdict", PROTO_OP_REQUEST_VERDICT,
	  PF_REQUEST | PF_VERDICT, PF_NOTE | PF_DEAL, NULL },
	{ "request.link", PROTO_OP_REQUEST_LINK, PF_REQUEST | PF_FEEDBACK, 0,
	  NULL },
	{ "sla.get", PROTO_OP_SLA_GET, 0, 0, NULL },
	{ "sla.set", PROTO_OP_SLA_SET,
	  PF_PRIORITY | PF_FIRST_RESPONSE | PF_DELIVERY, 0, NULL },
	{ "feedback.create", PROTO_OP_FEEDBACK_CREATE, PF_KIND | PF_BODY,
	  PF_TITLE | PF_ACCOUNT | PF_COMPETITOR | PF_STAGE | PF_VALUE |
		  PF_NONCE,
	  check_feedback },
	{ "feedback.get", PROTO_OP_FEEDBACK_GET, 0, PF_FEEDBACK | PF_CONV,
	  check_by_conv },
	{ "feedback.list", PROTO_OP_FEEDBACK_LIST, 0,
	  PF_KIND | PF_STATUS | PF_ACCOUNT | PF_COMPETITOR |
		  PF_CREATED_AFTER | PF_CREATED_BEFORE | PF_SORT | PF_LIMIT |
		  PF_OFFSET,
	  check_feedback_list },
	{ "feedback.vote", PROTO_OP_FEEDBACK_VOTE, PF_FEEDBACK | PF_WEIGHT,
	  PF_ACCOUNT | PF_VALUE | PF_STAGE, NULL },
	{ "feedback.unvote", PROTO_OP_FEEDBACK_UNVOTE, PF_FEEDBACK, 0, NULL },
	{ "feedback.status", PROTO_OP_FEEDBACK_STATUS,
	  PF_FEEDBACK | PF_STATUS, 0, check_feedback_status },
	{ "feedback.spikes", PROTO_OP_FEEDBACK_SPIKES, 0, 0, NULL },
	{ "feedback.to_request", PROTO_OP_FEEDBACK_TO_REQUEST, PF_FEEDBACK,
	  PF_KIND | PF_TITLE | PF_BODY | PF_DUE | PF_PRIORITY | PF_NONCE,
	  check_request },
	{ "pair.create", PROTO_OP_PAIR_CREATE, PF_REP | PF_MARKETER, 0, NULL },
	{ "pair.end", PROTO_OP_PAIR_END, PF_PAIR, 0, NULL },
	{ "pair.list", PROTO_OP_PAIR_LIST, 0, 0, NULL },
	{ "buddy.get", PROTO_OP_BUDDY_GET, 0, 0, NULL },
	{ "round.run", PROTO_OP_ROUND_RUN, 0, 0, NULL },
	{ "round.config", PROTO_OP_ROUND_CONFIG, PF_CADENCE, PF_AT, NULL },
	{ "round.get", PROTO_OP_ROUND_GET, 0, 0, NULL },
	{ "pair.prefs", PROTO_OP_PAIR_PREFS, 0, PF_OPT_OUT | PF_SNOOZE, NULL },
	{ "pair.health", PROTO_OP_PAIR_HEALTH, 0, 0, NULL },
	{ "glossary.create", PROTO_OP_GLOSSARY_CREATE, PF_TITLE | PF_BODY, 0,
	  NULL },
	{ "glossary.edit", PROTO_OP_GLOSSARY_EDIT, PF_TERM | PF_BODY, 0, NULL },
	{ "glossary.get", PROTO_OP_GLOSSARY_GET, PF_TERM, 0, NULL },
	{ "glossary.list", PROTO_OP_GLOSSARY_LIST, 0, 0, NULL },
	{ "glossary.ack", PROTO_OP_GLOSSARY_ACK, PF_TERM | PF_VERSION, 0,
	  NULL },
	{ "approver.set", PROTO_OP_APPROVER_SET, PF_USER | PF_APPROVER, 0,
	  NULL },
	{ "dashboard", PROTO_OP_DASHBOARD, 0, 0, NULL },
	{ "test.clock", PROTO_OP_TEST_CLOCK, PF_AT, 0, NULL },
};

_Static_assert(NELEM(op_table) == PROTO_OP__COUNT,
	       "op_table needs one row per enum proto_op");

const char *
proto_op_name(enum proto_op op)
{
	if ((int)op < 0 || (size_t)op >= NELEM(op_table))
		return NULL;
	return op_table[op].name;
}

static int fail(struct why *why, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Write the human explanation of an error into the caller's buffer. */
static int
fail(struct why *why, int err, const char *fmt, ...)
{
	va_list ap;

	if (why->buf != NULL && why->len > 0) {
		va_start(ap, fmt);
		vsnprintf(why->buf, why->len, fmt, ap);
		va_end(ap);
	}
	return err;
}

/*
 * Copy untrusted text into `out` for an error message: at most outlen - 1
 * bytes, anything but printable ASCII shown as '?', so the message stays
 * short and valid whatever the peer sent.
 */
static void
safe_copy(const char *src, char *out, size_t outlen)
{
	size_t i;

	for (i = 0; src[i] != '\0' && i + 1 < outlen; i++)
		out[i] = src[i] >= 0x20 && src[i] < 0x7f ? src[i] : '?';
	out[i] = '\0';
}

static bool
is_base64url(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		      (c >= '0' && c <= '9') || c == '-' || c == '_'))
			return false;
	}
	return true;
}

static bool
is_printable_ascii(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] < 0x21 || s[i] > 0x7e)
			return false;
	return true;
}

static int
bad_int(const struct field_desc *fd, struct why *why)
{
	return fail(why, TD_ERR_BAD_REQUEST,
		    "field '%s' must be an integer from %" PRId64
		    " to %" PRId64,
		    fd->name, fd->min, fd->max);
}

/* The refusal for a text field whose contents break its format. */
static int
format_error(const struct field_desc *fd, struct why *why)
{
	switch (fd->rule) {
	case TR_TOKEN:
		/* A malformed token is as unusable as an unknown one. */
		return fail(why, TD_ERR_BAD_TOKEN,
			    "field '%s' must be %d base64url characters",
			    fd->name, TD_TOKEN_LEN);
	case TR_INVITE:
		return fail(why, TD_ERR_BAD_REQUEST,
			    "field '%s' must be 1 to %d base64url characters",
			    fd->name, TD_INVITE_LEN);
	case TR_CHANNEL:
		return fail(why, TD_ERR_BAD_REQUEST,
			    "field '%s' must be 1 to %d of a-z 0-9 _ -, "
			    "starting with a letter or digit",
			    fd->name, TD_CHANNEL_NAME_MAX);
	case TR_LINE:
		return fail(why, TD_ERR_BAD_REQUEST,
			    "field '%s' must be text without control or "
			    "bidi-override characters",
			    fd->name);
	case TR_BODY:
		return fail(why, TD_ERR_BAD_REQUEST,
			    "field '%s' must be text that is not only "
			    "whitespace, without control characters other "
			    "than tab and newline",
			    fd->name);
	case TR_EMOJI:
		return fail(why, TD_ERR_BAD_REQUEST,
			    "field '%s' must be 1 to %d of a-z 0-9 _ + -",
			    fd->name, TD_EMOJI_MAX);
	case TR_URL:
		return fail(why, TD_ERR_BAD_REQUEST,
			    "field '%s' must be an http:// or https:// link "
			    "without spaces",
			    fd->name);
	case TR_HANDLE:
	case TR_NONCE:
	case TR_PASSWORD:
		break;
	}
	return fail(why, TD_ERR_BAD_REQUEST,
		    "field '%s' must be printable ASCII without spaces",
		    fd->name);
}

/*
 * Check a text field's contents once its length in bytes is within limits.
 * Bad contents answer bad_request; too many characters answer too_large.
 */
static int
check_text(const struct field_desc *fd, const char *s, size_t n,
	   struct why *why)
{
	bool ok = true;

	switch (fd->rule) {
	case TR_TOKEN:
	case TR_INVITE:
		ok = is_base64url(s, n);
		break;
	case TR_HANDLE:
		/* Any single line: login answers invalid_credentials for
		 * what no account has; register adds proto_valid_handle. */
		ok = proto_valid_line(s, SIZE_MAX, false);
		break;
	case TR_NONCE:
		ok = is_printable_ascii(s, n);
		break;
	case TR_PASSWORD:
		break;
	case TR_LINE:
		ok = proto_valid_line(s, SIZE_MAX, fd->allow_empty);
		if (ok && proto_utf8_chars(s) > fd->max_chars)
			return fail(why, TD_ERR_TOO_LARGE,
				    "field '%s' must be at most %zu characters",
				    fd->name, fd->max_chars);
		break;
	case TR_CHANNEL:
		ok = proto_valid_channel_name(s);
		break;
	case TR_BODY:
		ok = proto_valid_body(s, n);
		break;
	case TR_EMOJI:
		ok = proto_valid_emoji(s);
		break;
	case TR_URL:
		ok = proto_valid_url(s);
		break;
	}
	return ok ? 0 : format_error(fd, why);
}

static int
decode_text(const struct field_desc *fd, json_t *v, struct proto_request *req,
	    struct why *why)
{
	const char *s;
	size_t n;
	char *dst;
	int rc;

	if (!json_is_string(v))
		return fail(why, TD_ERR_BAD_REQUEST,
			    "field '%s' must be a string", fd->name);
	s = json_string_value(v);
	n = json_string_length(v);
	/* Parsed with JSON_ALLOW_NUL so that a \u0000 is refused here, with
	 * the request's id, rather than as unreadable JSON. */
	if (memchr(s, '\0', n) != NULL)
		return fail(why, TD_ERR_BAD_REQUEST,
			    "field '%s' must not contain NUL", fd->name);
	/* A token's or an invite's length is part of its format. */
	if ((fd->rule == TR_TOKEN || fd->rule == TR_INVITE) &&
	    (n < (size_t)fd->min || n > (size_t)fd->max))
		return format_error(fd, why);
	if (n > (size_t)fd->max)
		return fail(why, TD_ERR_TOO_LARGE,
			    "field '%s' must be at most %" PRId64 " bytes",
			    fd->name, fd->max);
	if (n < (size_t)fd->min)
		return fail(why, TD_ERR_BAD_REQUEST,
			    "field '%s' must not be empty", fd->name);
	rc = check_text(fd, s, n, why);
	if (rc != 0)
		return rc;
	if (fd->type == FT_HEAP_TEXT) {
		char **slot = (char **)((char *)req + fd->off);

		dst = malloc(n + 1);
		if (dst == NULL)
			return fail(why, TD_ERR_INTERNAL, "out of memory");
		*slot = dst;
	} else {
		dst = (char *)req + fd->off;
	}
	memcpy(dst, s, n);
	dst[n] = '\0';
	return 0;
}

static int
decode_members(const struct field_desc *fd, json_t *v,
	       struct proto_request *req, struct why *why)
{
	size_t n = json_is_array(v) ? json_array_size(v) : 0;

	if (!json_is_array(v) || n < (size_t)fd->min || n > (size_t)fd->max)
		return fail(why, TD_ERR_BAD_REQUEST,
			    "field '%s' must be an array of at most %d user ids",
			    fd->name, TD_MEMBERS_MAX);
	for (size_t i = 0; i < n; i++) {
		json_t *e = json_array_get(v, i);
		json_int_t id;

		if (!json_is_integer(e))
			goto bad;
		id = json_integer_value(e);
		if (id < 1 || id > ID_MAX)
			goto bad;
		req->members[i] = (int64_t)id;
	}
	req->n_members = n;
	return 0;
bad:
	return fail(why, TD_ERR_BAD_REQUEST,
		    "field '%s' must hold user ids from 1 to %" PRId64,
		    fd->name, ID_MAX);
}

/* The refusal for a name outside an enum: lists the names it takes. */
static int
enum_error(const char *field, const struct td_enum *en, struct why *why)
{
	char list[400];
	size_t used = 0;

	list[0] = '\0';
	for (int i = 0; i < en->n && used + 2 < sizeof(list); i++) {
		int n = snprintf(list + used, sizeof(list) - used, "%s%s",
				 i ? ", " : "", en->names[i]);

		if (n < 0)
			break;
		used += (size_t)n;
	}
	return fail(why, TD_ERR_BAD_REQUEST, "field '%s' must be a %s: %s",
		    field, en->what, list);
}

/* A word: 1..PROTO_WORD_MAX of a-z and _, resolved later by the op. */
static int
decode_word(const struct field_desc *fd, json_t *v, char *dst,
	    struct why *why)
{
	const char *s = json_string_value(v);
	size_t n = s != NULL ? json_string_length(v) : 0;

	if (s == NULL || n < 1 || n > PROTO_WORD_MAX)
		goto bad;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || s[i] == '_'))
			goto bad;
	memcpy(dst, s, n);
	dst[n] = '\0';
	return 0;
bad:
	return fail(why, TD_ERR_BAD_REQUEST,
		    "field '%s' must be a name of a-z and _", fd->name);
}

/* Decode one field's value into req. Returns 0 or TD_ERR_*. */
static int
decode_field(const struct field_desc *fd, json_t *v, struct proto_request *req,
	     struct why *why)
{
	void *slot = (char *)req + fd->off;
	json_int_t i;
	const char *s;

	switch (fd->type) {
	case FT_INT64:
	case FT_INT:
		if (!json_is_integer(v))
			return bad_int(fd, why);
		i = json_integer_value(v);
		if (i < fd->min || i > fd->max)
			return bad_int(fd, why);
		if (fd->type == FT_INT64)
			*(int64_t *)slot = (int64_t)i;
		else
			*(int *)slot = (int)i;
		return 0;
	case FT_BOOL:
		if (!json_is_boolean(v))
			return fail(why, TD_ERR_BAD_REQUEST,
				    "field '%s' must be true or false",
				    fd->name);
		*(bool *)slot = json_is_true(v);
		return 0;
	case FT_TEXT:
	case FT_HEAP_TEXT:
		return decode_text(fd, v, req, why);
	case FT_TEAM:
		s = json_string_value(v);
		if (s == NULL || td_team_parse(s, slot) != 0)
			return fail(why, TD_ERR_BAD_REQUEST,
				    "field '%s' must be \"sales\", "
				    "\"marketing\" or \"other\"",
				    fd->name);
		return 0;
	case FT_WORD:
		return decode_word(fd, v, slot, why);
	case FT_ENUM:
		s = json_string_value(v);
		if (s == NULL || (*(int *)slot = td_enum_parse(fd->en, s)) < 0)
			return enum_error(fd->name, fd->en, why);
		return 0;
	case FT_MEMBERS:
		return decode_members(fd, v, req, why);
	case FT_NOTIFY:
		s = json_string_value(v);
		if (s == NULL || td_notify_parse(s, slot) != 0)
			return fail(why, TD_ERR_BAD_REQUEST,
				    "field '%s' must be \"all\", "
				    "\"mentions\" or \"muted\"",
				    fd->name);
		return 0;
	}
	return fail(why, TD_ERR_INTERNAL, "bad field table");
}

static const struct field_desc *
find_field(const char *name)
{
	for (size_t i = 0; i < NELEM(field_table); i++)
		if (strcmp(field_table[i].name, name) == 0)
			return &field_table[i];
	return NULL;
}

static const struct op_desc *
find_op(const char *name)
{
	for (size_t i = 0; i < NELEM(op_table); i++)
		if (strcmp(op_table[i].name, name) == 0)
			return &op_table[i];
	return NULL;
}

/* register: the handle must be a valid new handle, not just printable. */
static int
check_register(struct proto_request *req, struct why *why)
{
	if (!proto_valid_handle(req->handle))
		return fail(why, TD_ERR_BAD_REQUEST,
			    "field 'handle' must be %d to %d bytes: a "
			    "lowercase letter, then a-z 0-9 . _ -",
			    TD_HANDLE_MIN, TD_HANDLE_MAX);
	return 0;
}

/* conv.create: a channel needs a name; a group needs members, no name. */
static int
check_conv_create(struct proto_request *req, struct why *why)
{
	if (strcmp(req->kind_name, "channel") == 0)
		req->kind = TD_CONV_CHANNEL;
	else if (strcmp(req->kind_name, "group") == 0)
		req->kind = TD_CONV_GROUP;
	else
		return fail(why, TD_ERR_BAD_REQUEST,
			    "field 'kind' must be \"channel\" or \"group\"");
	if (req->kind == TD_CONV_CHANNEL) {
		if (!(req->present & PF_NAME))
			return fail(why, TD_ERR_BAD_REQUEST,
				    "field 'name' is required for channels");
		return 0;
	}
	if (req->present & PF_NAME)
		return fail(why, TD_ERR_BAD_REQUEST,
			    "field 'name' is only for channels");
	if (req->present & PF_PRIVATE)
		return fail(why, TD_ERR_BAD_REQUEST,
			    "field 'private' is only for channels");
	if (!(req->present & PF_MEMBERS))
		return fail(why, TD_ERR_BAD_REQUEST,
			    "field 'members' is required for groups");
	return 0;
}

/* msg.history pages one way at a time. */
static int
check_history(struct proto_request *req, struct why *why)
{
	if ((req->present & PF_BEFORE) && (req->present & PF_AFTER))
		return fail(why, TD_ERR_BAD_REQUEST,
			    "fields 'before' and 'after' cannot be combined");
	return 0;
}

/* Lists (thread.list, mention.list, save.list) hold at most TD_LIST_MAX. */
static int
check_list(struct proto_request *req, struct why *why)
{
	if ((req->present & PF_LIMIT) && req->limit > TD_LIST_MAX)
		return fail(why, TD_ERR_BAD_REQUEST,
			    "field 'limit' must be an integer from 1 to %d",
			    TD_LIST_MAX);
	return 0;
}

/* search pages hold at most TD_SEARCH_MAX results. */
static int
check_search(struct proto_request *req, struct why *why)
{
	if ((req->present & PF_LIMIT) && req->limit > TD_SEARCH_MAX)
		return fail(why, TD_ERR_BAD_REQUEST,
			    "field 'limit' must be an integer from 1 to %d",
			    TD_SEARCH_MAX);
	return 0;
}

/* Resolve "kind" (when given) against an enum into req->sub_kind. */
static int
resolve_kind(struct proto_request *req, const struct td_enum *en,
	     struct why *why)
{
	if (!(req->present & PF_KIND))
		return 0;
	req->sub_kind = td_enum_parse(en, req->kind_name);
	return req->sub_kind < 0 ? enum_error("kind", en, why) : 0;
}

/* Resolve "status" (when given); the alias counts only when `alias`. */
static int
resolve_status(struct proto_request *req, const struct td_enum *en,
	       bool alias, struct why *why)
{
	if (!(req->present & PF_STATUS))
		return 0;
	req->status = td_enum_parse(en, req->status_name);
	if (req->status < 0 ||
	    (!alias && en == &td_enum_request_status &&
	     req->status == TD_RS_WAITING_ON_MARKETING))
		return enum_error("status", en, why);
	return 0;
}

/* "sort" must be one of the words in the NULL-terminated list. */
static int
resolve_sort(const struct proto_request *req, const char *const *words,
	     struct why *why)
{
	if (!(req->present & PF_SORT))
		return 0;
	for (size_t i = 0; words[i] != NULL; i++)
		if (strcmp(req->sort, words[i]) == 0)
			return 0;
	return fail(why, TD_ERR_BAD_REQUEST,
		    "field 'sort' must be one of: %s, %s, %s", words[0],
		    words[1], words[2]);
}

/*
 * request.get, feedback.get: the record by its id or by the conversation it
 * owns, exactly one of the two.
 */
static int
check_by_conv(struct proto_request *req, struct why *why)
{
	bool by_id = req->present & (PF_REQUEST | PF_FEEDBACK);
	bool by_conv = req->present & PF_CONV;
	const char *id = req->op == PROTO_OP_REQUEST_GET ? "request" : "feedback";

	if (!by_id && !by_conv)
		return fail(why, TD_ERR_BAD_REQUEST,
			    "missing field '%s' (or 'conv')", id);
	if (by_id && by_conv)
		return fail(why, TD_ERR_BAD_REQUEST,
			    "give field '%s' or field 'conv', not both", id);
	return 0;
}

/* request.create, request.update, feedback.to_request: a request kind. */
static int
check_request(struct proto_request *req, struct why *why)
{
	return resolve_kind(req, &td_enum_request_kind, why);
}

static int
check_request_list(struct proto_request *req, struct why *why)
{
	static const char *const sorts[] = { "queue", "due", "newest", NULL };
	int rc = resolve_kind(req, &td_enum_request_kind, why);

	if (rc == 0)
		rc = resolve_status(req, &td_enum_request_status, false, why);
	if (rc == 0)
		rc = resolve_sort(req, sorts, why);
	return rc != 0 ? rc : check_list(req, why);
}

static int
check_request_move(struct proto_request *req, struct why *why)
{
	return resolve_status(req, &td_enum_request_status, true, why);
}

static int
check_feedback(struct proto_request *req, struct why *why)
{
	return resolve_kind(req, &td_enum_feedback_kind, why);
}

static int
check_feedback_list(struct proto_request *req, struct why *why)
{
	static const char *const sorts[] = { "votes", "value", "newest",
					     NULL };
	int rc = resolve_kind(req, &td_enum_feedback_kind, why);

	if (rc == 0)
		rc = resolve_status(req, &td_enum_feedback_status, false, why);
	if (rc == 0)
		rc = resolve_sort(req, sorts, why);
	return rc != 0 ? rc : check_list(req, why);
}

static int
check_feedback_status(struct proto_request *req, struct why *why)
{
	return resolve_status(req, &td_enum_feedback_status, false, why);
}

/* Read "id": an integer 0..2^53-1. Returns 0 or TD_ERR_BAD_REQUEST. */
static int
decode_id(json_t *root, int64_t *id, struct why *why)
{
	json_t *v = json_object_get(root, "id");
	json_int_t i;

	if (!json_is_integer(v))
		return fail(why, TD_ERR_BAD_REQUEST,
			    "field 'id' must be an integer from 0 to %" PRId64,
			    ID_MAX);
	i = json_integer_value(v);
	if (i < 0 || i > ID_MAX)
		return fail(why, TD_ERR_BAD_REQUEST,
			    "field 'id' must be an integer from 0 to %" PRId64,
			    ID_MAX);
	*id = (int64_t)i;
	return 0;
}

/* Decode every member of the request object but "op" and "id". */
static int
decode_fields(json_t *root, const struct op_desc *od, struct proto_request *req,
	      struct why *why)
{
	uint64_t allowed = od->required | od->optional;
	const char *key;
	json_t *v;
	char shown[ECHO_MAX + 1];
	int rc;

	json_object_foreach (root, key, v) {
		const struct field_desc *fd;

		if (strcmp(key, "op") == 0 || strcmp(key, "id") == 0)
			continue;
		fd = find_field(key);
		if (fd == NULL || !(allowed & fd->bit)) {
			safe_copy(key, shown, sizeof(shown));
			return fail(why, TD_ERR_BAD_REQUEST,
				    "unknown field '%s' for op '%s'", shown,
				    od->name);
		}
		rc = decode_field(fd, v, req, why);
		if (rc != 0)
			return rc;
		req->present |= fd->bit;
	}
	for (size_t i = 0; i < NELEM(field_table); i++) {
		const struct field_desc *fd = &field_table[i];

		if ((od->required & fd->bit) && !(req->present & fd->bit))
			return fail(why, TD_ERR_BAD_REQUEST,
				    "missing field '%s'", fd->name);
	}
	return 0;
}

int
proto_decode_request(const char *buf, size_t len, struct proto_request *req,
		     int64_t *req_id, char *why_buf, size_t why_len)
{
	struct why why = { why_buf, why_len };
	const struct op_desc *od;
	json_error_t jerr;
	json_t *root = NULL, *op;
	char shown[sizeof(jerr.text)];
	int64_t id = -1;
	int rc;

	memset(req, 0, sizeof(*req));
	if (req_id != NULL)
		*req_id = -1;
	if (why_buf != NULL && why_len > 0)
		why_buf[0] = '\0';
	if (buf == NULL) {
		rc = fail(&why, TD_ERR_BAD_JSON, "empty frame");
		goto out;
	}
	root = json_loadb(buf, len, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL,
			  &jerr);
	if (root == NULL) {
		/* jansson quotes the offending input: keep it printable. */
		safe_copy(jerr.text, shown, sizeof(shown));
		rc = fail(&why, TD_ERR_BAD_JSON, "invalid JSON: %s", shown);
		goto out;
	}
	if (!json_is_object(root)) {
		rc = fail(&why, TD_ERR_BAD_JSON, "the frame must be an object");
		goto out;
	}
	rc = decode_id(root, &id, &why);
	if (rc != 0)
		goto out;
	req->id = id;
	if (req_id != NULL)
		*req_id = id;
	op = json_object_get(root, "op");
	if (!json_is_string(op)) {
		rc = fail(&why, TD_ERR_BAD_REQUEST,
			  "field 'op' must be a string");
		goto out;
	}
	od = find_op(json_string_value(op));
	if (od == NULL ||
	    strlen(json_string_value(op)) != json_string_length(op)) {
		safe_copy(json_string_value(op), shown, ECHO_MAX + 1);
		rc = fail(&why, TD_ERR_UNKNOWN_OP, "unknown op '%s'", shown);
		goto out;
	}
	req->op = od->op;
	rc = decode_fields(root, od, req, &why);
	if (rc == 0 && od->check != NULL)
		rc = od->check(req, &why);
	if (rc != 0)
		goto out;
	if (!(req->present & PF_LIMIT))
		req->limit = TD_HISTORY_DEFAULT;
	if (!(req->present & PF_MAX_USES))
		req->max_uses = 1;
	if (!(req->present & PF_TTL_HOURS))
		req->ttl_hours = 168;
out:
	json_decref(root);
	return rc;
}

/* Zero memory in a way the compiler may not drop as a dead store. */
static void
wipe(void *p, size_t n)
{
	volatile unsigned char *v = p;

	while (n-- > 0)
		*v++ = 0;
}

void
proto_request_fini(struct proto_request *req)
{
	if (req->password != NULL) {
		wipe(req->password, strlen(req->password));
		free(req->password);
		req->password = NULL;
	}
	free(req->body);
	req->body = NULL;
	wipe(req->token, sizeof(req->token));
	wipe(req->invite, sizeof(req->invite));
}

/*
 * Server frames, for clients. The helpers below read optional members of a
 * result or data object: an absent member leaves the default, a member of
 * the wrong type or too long for its buffer fails the whole frame.
 */

static int
get_int(json_t *o, const char *key, int64_t *out)
{
	json_t *v = json_object_get(o, key);

	if (v == NULL)
		return 0;
	if (!json_is_integer(v))
		return TD_ERR_BAD_JSON;
	*out = (int64_t)json_integer_value(v);
	return 0;
}

static int
get_bool(json_t *o, const char *key, bool *out)
{
	json_t *v = json_object_get(o, key);

	if (v == NULL)
		return 0;
	if (!json_is_boolean(v))
		return TD_ERR_BAD_JSON;
	*out = json_is_true(v);
	return 0;
}

static int
get_str(json_t *o, const char *key, char *out, size_t cap)
{
	json_t *v = json_object_get(o, key);
	size_t n;

	if (v == NULL)
		return 0;
	if (!json_is_string(v))
		return TD_ERR_BAD_JSON;
	n = json_string_length(v);
	if (n >= cap)
		return TD_ERR_TOO_LARGE;
	memcpy(out, json_string_value(v), n);
	out[n] = '\0';
	return 0;
}

static int
get_enum(json_t *o, const char *key, int (*parse)(const char *, void *),
	 void *out)
{
	json_t *v = json_object_get(o, key);

	if (v == NULL)
		return 0;
	if (!json_is_string(v) || parse(json_string_value(v), out) != 0)
		return TD_ERR_BAD_JSON;
	return 0;
}

static int
parse_team(const char *s, void *out)
{
	return td_team_parse(s, out);
}

static int
parse_role(const char *s, void *out)
{
	return td_role_parse(s, out);
}

static int
parse_kind(const char *s, void *out)
{
	return td_conv_kind_parse(s, out);
}

static int
decode_user(json_t *o, struct td_user *u, bool *online)
{
	int rc = 0;

	if (!json_is_object(o))
		return TD_ERR_BAD_JSON;
	rc = rc ? rc : get_int(o, "id", &u->id);
	rc = rc ? rc : get_str(o, "handle", u->handle, sizeof(u->handle));
	rc = rc ? rc
		: get_str(o, "display_name", u->display_name,
			  sizeof(u->display_name));
	rc = rc ? rc : get_enum(o, "team", parse_team, &u->team);
	rc = rc ? rc : get_enum(o, "role", parse_role, &u->role);
	rc = rc ? rc : get_bool(o, "online", online);
	return rc;
}

static int
decode_conv(json_t *o, struct td_conv *c)
{
	int64_t count = 0;
	int rc = 0;

	if (!json_is_object(o))
		return TD_ERR_BAD_JSON;
	rc = rc ? rc : get_int(o, "id", &c->id);
	rc = rc ? rc : get_enum(o, "kind", parse_kind, &c->kind);
	rc = rc ? rc : get_str(o, "name", c->name, sizeof(c->name));
	rc = rc ? rc : get_str(o, "topic", c->topic, sizeof(c->topic));
	rc = rc ? rc : get_bool(o, "private", &c->is_private);
	rc = rc ? rc : get_bool(o, "archived", &c->archived);
	rc = rc ? rc : get_int(o, "created_by", &c->created_by);
	rc = rc ? rc : get_int(o, "created_at", &c->created_at);
	rc = rc ? rc : get_int(o, "last_message_id", &c->last_message_id);
	rc = rc ? rc : get_int(o, "member_count", &count);
	rc = rc ? rc : get_bool(o, "member", &c->member);
	if (rc == 0 && (count < 0 || count > INT32_MAX))
		rc = TD_ERR_BAD_JSON;
	c->member_count = (int)(rc == 0 ? count : 0);
	return rc;
}

static int
decode_message(json_t *o, struct td_message *m)
{
	json_t *body;
	size_t n;
	int rc = 0;

	if (!json_is_object(o))
		return TD_ERR_BAD_JSON;
	rc = rc ? rc : get_int(o, "id", &m->id);
	rc = rc ? rc : get_int(o, "conv", &m->conv);
	rc = rc ? rc : get_int(o, "author", &m->author);
	rc = rc ? rc : get_str(o, "nonce", m->nonce, sizeof(m->nonce));
	rc = rc ? rc : get_int(o, "created_at", &m->created_at);
	rc = rc ? rc : get_int(o, "edited_at", &m->edited_at);
	rc = rc ? rc : get_bool(o, "deleted", &m->deleted);
	if (rc != 0)
		return rc;
	body = json_object_get(o, "body");
	if (body != NULL && !json_is_string(body))
		return TD_ERR_BAD_JSON;
	n = body != NULL ? json_string_length(body) : 0;
	m->body = malloc(n + 1);
	if (m->body == NULL)
		return TD_ERR_INTERNAL;
	if (n > 0)
		memcpy(m->body, json_string_value(body), n);
	m->body[n] = '\0';
	return 0;
}

/*
 * Count the entities under `one` (a single object, counted when it is an
 * object) and `many` (an array) and allocate room for all of them: *out
 * stays NULL when there are none, *n_out gets the count.
 */
static int
alloc_entities(json_t *one, json_t *many, size_t size, void **out,
	       size_t *n_out)
{
	size_t n = 0;

	if (many != NULL && !json_is_array(many))
		return TD_ERR_BAD_JSON;
	if (json_is_object(one))
		n++;
	if (many != NULL)
		n += json_array_size(many);
	*n_out = n;
	if (n == 0)
		return 0;
	*out = calloc(n, size);
	if (*out == NULL)
		return TD_ERR_INTERNAL;
	return 0;
}

static int
decode_users(json_t *d, struct proto_frame *f)
{
	json_t *one = json_object_get(d, "user");
	json_t *many = json_object_get(d, "users");
	void *users = NULL;
	size_t n = 0;
	int rc;

	if (json_is_integer(one))
		f->user_id = (int64_t)json_integer_value(one);
	else if (one != NULL && !json_is_object(one))
		return TD_ERR_BAD_JSON;
	rc = alloc_entities(one, many, sizeof(struct td_user), &users, &n);
	if (rc != 0 || users == NULL)
		return rc;
	f->users = users;
	f->users_online = calloc(n, sizeof(bool));
	if (f->users_online == NULL)
		return TD_ERR_INTERNAL;
	if (json_is_object(one)) {
		rc = decode_user(one, &f->users[0], &f->users_online[0]);
		if (rc != 0)
			return rc;
		f->n_users++;
	}
	for (size_t i = 0; many != NULL && i < json_array_size(many); i++) {
		rc = decode_user(json_array_get(many, i), &f->users[f->n_users],
				 &f->users_online[f->n_users]);
		if (rc != 0)
			return rc;
		f->n_users++;
	}
	return 0;
}

static int
decode_convs(json_t *d, struct proto_frame *f)
{
	json_t *one = json_object_get(d, "conversation");
	json_t *many = json_object_get(d, "conversations");
	void *convs = NULL;
	size_t n = 0;
	int rc;

	if (one != NULL && !json_is_object(one))
		return TD_ERR_BAD_JSON;
	rc = alloc_entities(one, many, sizeof(struct td_conv), &convs, &n);
	if (rc != 0 || convs == NULL)
		return rc;
	f->convs = convs;
	if (one != NULL) {
		rc = decode_conv(one, &f->convs[0]);
		if (rc != 0)
			return rc;
		f->n_convs++;
	}
	for (size_t i = 0; many != NULL && i < json_array_size(many); i++) {
		rc = decode_conv(json_array_get(many, i),
				 &f->convs[f->n_convs]);
		if (rc != 0)
			return rc;
		f->n_convs++;
	}
	return 0;
}

/*
 * Messages are counted in n_messages as soon as their body is allocated,
 * even when a later member fails, so proto_frame_fini() frees every body.
 */
static int
decode_messages(json_t *d, struct proto_frame *f)
{
	json_t *one = json_object_get(d, "message");
	json_t *many = json_object_get(d, "messages");
	void *msgs = NULL;
	size_t n = 0;
	int rc;

	if (one != NULL && !json_is_object(one))
		return TD_ERR_BAD_JSON;
	rc = alloc_entities(one, many, sizeof(struct td_message), &msgs, &n);
	if (rc != 0 || msgs == NULL)
		return rc;
	f->messages = msgs;
	if (one != NULL) {
		f->n_messages++;
		rc = decode_message(one, &f->messages[0]);
		if (rc != 0)
			return rc;
	}
	for (size_t i = 0; many != NULL && i < json_array_size(many); i++) {
		f->n_messages++;
		rc = decode_message(json_array_get(many, i),
				    &f->messages[f->n_messages - 1]);
		if (rc != 0)
			return rc;
	}
	return 0;
}

static int
decode_members_ids(json_t *d, struct proto_frame *f)
{
	json_t *many = json_object_get(d, "members");
	size_t n;

	if (many == NULL)
		return 0;
	if (!json_is_array(many))
		return TD_ERR_BAD_JSON;
	n = json_array_size(many);
	if (n == 0)
		return 0;
	f->members = calloc(n, sizeof(int64_t));
	if (f->members == NULL)
		return TD_ERR_INTERNAL;
	for (size_t i = 0; i < n; i++) {
		json_t *e = json_array_get(many, i);

		if (!json_is_integer(e))
			return TD_ERR_BAD_JSON;
		f->members[f->n_members++] = (int64_t)json_integer_value(e);
	}
	return 0;
}

/* Pick the well-known members out of a result or an event's data. */
static int
decode_payload(json_t *d, struct proto_frame *f)
{
	json_t *conv;
	int rc = 0;

	if (!json_is_object(d))
		return TD_ERR_BAD_JSON;
	conv = json_object_get(d, "conv");
	if (conv != NULL) {
		if (!json_is_integer(conv))
			return TD_ERR_BAD_JSON;
		f->conv_id = (int64_t)json_integer_value(conv);
	}
	rc = rc ? rc : get_str(d, "token", f->token, sizeof(f->token));
	rc = rc ? rc : get_int(d, "head", &f->head);
	rc = rc ? rc : get_bool(d, "resync", &f->resync);
	rc = rc ? rc : get_bool(d, "more", &f->more);
	rc = rc ? rc : get_str(d, "code", f->code, sizeof(f->code));
	rc = rc ? rc : get_bool(d, "online", &f->online);
	rc = rc ? rc : get_int(d, "by", &f->by);
	rc = rc ? rc : get_int(d, "expires_at", &f->expires_at);
	rc = rc ? rc : get_int(d, "time", &f->time);
	rc = rc ? rc : get_bool(d, "needs_invite", &f->needs_invite);
	rc = rc ? rc : get_bool(d, "open_registration", &f->open_registration);
	rc = rc ? rc : decode_users(d, f);
	rc = rc ? rc : decode_convs(d, f);
	rc = rc ? rc : decode_messages(d, f);
	rc = rc ? rc : decode_members_ids(d, f);
	return rc;
}

static int
decode_frame_root(json_t *root, struct proto_frame *f)
{
	json_t *ev, *err, *res, *id;
	int rc;

	if (!json_is_object(root))
		return TD_ERR_BAD_JSON;
	ev = json_object_get(root, "event");
	err = json_object_get(root, "error");
	res = json_object_get(root, "result");
	id = json_object_get(root, "id");
	if (ev != NULL) {
		f->kind = PROTO_FRAME_EVENT;
		rc = get_str(root, "event", f->event, sizeof(f->event));
		if (rc == 0)
			rc = get_int(root, "seq", &f->seq);
		if (rc != 0)
			return rc;
		res = json_object_get(root, "data");
		if (res == NULL)
			return 0;
		f->payload = (struct proto_value *)json_incref(res);
		return decode_payload(res, f);
	}
	if (id != NULL && !json_is_null(id)) {
		if (!json_is_integer(id))
			return TD_ERR_BAD_JSON;
		f->id = (int64_t)json_integer_value(id);
	}
	if (err != NULL) {
		f->kind = PROTO_FRAME_ERROR;
		if (!json_is_object(err))
			return TD_ERR_BAD_JSON;
		rc = get_str(err, "code", f->error_code, sizeof(f->error_code));
		if (rc != 0)
			return rc;
		/* A long human message is cut, not refused. */
		res = json_object_get(err, "message");
		if (res != NULL && !json_is_string(res))
			return TD_ERR_BAD_JSON;
		if (res != NULL)
			snprintf(f->error_message, sizeof(f->error_message),
				 "%s", json_string_value(res));
		return 0;
	}
	if (res != NULL) {
		f->kind = PROTO_FRAME_REPLY;
		f->payload = (struct proto_value *)json_incref(res);
		return decode_payload(res, f);
	}
	return TD_ERR_BAD_JSON;
}

/*
 * Decode one server frame. Returns 0, or TD_ERR_BAD_JSON when it is not a
 * well-formed reply, error or event, TD_ERR_TOO_LARGE when a text member
 * does not fit its buffer, TD_ERR_INTERNAL when memory runs out. On failure
 * *f is already released (and proto_frame_fini() is still safe to call).
 */
int
proto_decode_frame(const char *buf, size_t len, struct proto_frame *f)
{
	json_error_t jerr;
	json_t *root;
	int rc;

	memset(f, 0, sizeof(*f));
	f->id = -1;
	f->seq = -1;
	f->head = -1;
	if (buf == NULL)
		return TD_ERR_BAD_JSON;
	root = json_loadb(buf, len, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL,
			  &jerr);
	if (root == NULL)
		return TD_ERR_BAD_JSON;
	rc = decode_frame_root(root, f);
	json_decref(root);
	if (rc != 0)
		proto_frame_fini(f);
	return rc;
}

void
proto_frame_fini(struct proto_frame *f)
{
	for (size_t i = 0; i < f->n_messages; i++)
		td_message_fini(&f->messages[i]);
	free(f->messages);
	free(f->users);
	free(f->users_online);
	free(f->convs);
	free(f->members);
	json_decref((json_t *)f->payload);
	f->payload = NULL;
	f->messages = NULL;
	f->users = NULL;
	f->users_online = NULL;
	f->convs = NULL;
	f->members = NULL;
	f->n_messages = 0;
	f->n_users = 0;
	f->n_convs = 0;
	f->n_members = 0;
	wipe(f->token, sizeof(f->token));
}
