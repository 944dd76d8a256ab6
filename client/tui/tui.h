/*
 * tui.h: the interactive mode of the terminal client (`tandem` with no
 * command on a terminal): a full-screen ncurses interface over one live
 * connection. The pieces, one job per file:
 *
 *   tui.c        the loop: poll the terminal and the socket, dispatch keys
 *   tui_net.c    connection, hello/resume, reconnect with backoff, requests
 *                in flight, the outbox of posts with nonces
 *   tui_model.c  conversations, messages, users, unread counts; events
 *   tui_draw.c   layout and drawing; every server string is sanitized here
 *   tui_input.c  the input line: editing, history, tab completion
 *   tui_views.c  the requests queue, feedback inbox, buddy, thread, help
 *
 * Nothing in the interactive mode may block on the network: requests are
 * sent with rpc_send() and their replies matched by id when they arrive.
 */
#ifndef TANDEM_CLIENT_TUI_H
#define TANDEM_CLIENT_TUI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <wchar.h>

#include "tandem/proto.h"
#include "../config.h"
#include "../rpc.h"

#define TUI_INPUT_MAX 4000   /* characters in the input line */
#define TUI_HISTORY_MAX 100  /* remembered input lines */
#define TUI_INFLIGHT_MAX 128 /* requests awaiting replies */
#define TUI_PAGE 50	     /* messages per history page */

/* What a request in flight was for, to route its reply. */
enum tui_req {
	TUI_REQ_NONE,
	TUI_REQ_HELLO,
	TUI_REQ_USERS,
	TUI_REQ_CONVS,
	TUI_REQ_CONV_GET,
	TUI_REQ_COUNTS,
	TUI_REQ_HISTORY,
	TUI_REQ_SEND,
	TUI_REQ_READ,
	TUI_REQ_THREAD,
	TUI_REQ_REQUESTS,
	TUI_REQ_FEEDBACK,
	TUI_REQ_BUDDY,
	TUI_REQ_PING
};

enum tui_conn { TUI_DOWN, TUI_HELLO, TUI_UP };

enum tui_view {
	TUI_VIEW_CHAT,
	TUI_VIEW_THREAD,
	TUI_VIEW_REQUESTS,
	TUI_VIEW_FEEDBACK,
	TUI_VIEW_BUDDY,
	TUI_VIEW_HELP
};

/* A conversation the user belongs to, with its loaded messages. */
struct tui_conv {
	struct td_conv c;
	char label[96];		 /* "#general", "@ben", "req: title" (raw) */
	struct td_message *msgs; /* top level, ascending by id */
	size_t n_msgs, cap_msgs;
	bool loaded;	 /* the newest page arrived */
	bool more_older; /* older pages exist */
	bool loading;	 /* a history request is in flight */
	int unread, mentions;
	int64_t last_read;
};

/* A post not yet acknowledged; re-sent with its nonce after reconnect. */
struct tui_post {
	struct tui_post *next;
	int64_t conv, thread;
	char nonce[40];
	char *body;
	int64_t req_id;	  /* 0 while not sent on this connection */
	int64_t retry_at; /* after a transient refusal: not before this */
};

/* A request awaiting its reply. */
struct tui_inflight {
	int64_t id;
	enum tui_req what;
	int64_t arg;
};

/* The lines of a list view (requests, feedback, buddy). */
struct tui_list {
	char **lines;  /* raw server text; sanitized when drawn */
	int64_t *conv; /* the conversation Enter opens, 0 for none */
	size_t n;
	int sel;
	bool loading;
};

/* The input line. */
struct tui_input {
	wchar_t buf[TUI_INPUT_MAX + 1];
	size_t len, cur;
	char *hist[TUI_HISTORY_MAX];
	size_t n_hist;
	int hist_pos; /* -1: editing a new line */
	/* Tab completion: the word being completed and the match index. */
	wchar_t comp_prefix[128];
	size_t comp_start;
	int comp_next;
	bool comp_active;
};

struct tui {
	struct rpc *rpc;
	const struct config *cfg;
	bool quit;
	bool dirty;

	/* Connection (tui_net.c). */
	enum tui_conn conn;
	bool ever_up;
	int64_t last_seq;
	int64_t backoff_ms, retry_at, last_rx, ping_sent;
	char conn_err[160];
	int fatal; /* an error that ends the program (bad token) */
	struct tui_inflight inflight[TUI_INFLIGHT_MAX];
	struct tui_post *outbox;

	/* Model (tui_model.c). */
	struct td_user me;
	struct td_user *users;
	size_t n_users;
	struct tui_conv *convs;
	size_t n_convs;
	int cur; /* index into convs, -1 when none */

	/* Views (tui_views.c). */
	enum tui_view view;
	int64_t sel_id; /* selected message (its id) in the chat, 0: none */
	int scroll;	/* lines scrolled up from the bottom */
	int scroll_max; /* set by the last draw */
	struct td_message thread_root;
	bool thread_open;
	struct td_message *replies;
	size_t n_replies;
	struct tui_list list;
	char note[200]; /* a one-line notice on the status line */

	struct tui_input in;
};

/* tui.c */
/* Run the interactive mode until the user quits. Returns 0, or an error
 * (its text in r->err_msg) that main() prints after the screen is restored. */
int tui_run(struct rpc *r, const struct config *cfg);
void tui_notice(struct tui *t, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* tui_net.c */
/* Connect or reconnect when due, read every ready frame, keep alive. */
void tui_net_tick(struct tui *t);
/* The socket to poll beside the terminal (-1 when down), and how long
 * the loop may sleep before the next tick (ms). */
int tui_net_fd(const struct tui *t);
int tui_net_timeout(const struct tui *t);
/* True once hello was answered on the current connection. */
bool tui_net_ready(const struct tui *t);
/* Begin a request (see rpc_begin()); tui_net_send() sends it without
 * waiting and routes its reply to tui_model_reply() with what and arg. */
void tui_net_begin(struct tui *t, struct jw *w, enum proto_op op);
void tui_net_send(struct tui *t, struct jw *w, enum tui_req what, int64_t arg);
/* Queue a post with a fresh nonce: sent now when connected, else after
 * the next hello; it stays in the outbox until the server stored it. */
void tui_net_post(struct tui *t, int64_t conv, int64_t thread,
		  const char *body);
void tui_net_fini(struct tui *t);

/* tui_model.c */
/* A reply to a request of kind what (f NULL: it failed); res is its
 * payload (proto_value), for what the frame decoder does not cover. */
void tui_model_reply(struct tui *t, enum tui_req what, int64_t arg,
		     const struct proto_frame *f,
		     const struct proto_value *res);
/* An event, in seq order, each once; data is its "data" tree. */
void tui_model_event(struct tui *t, const struct proto_frame *f,
		     const struct proto_value *data);
/* Drop loaded messages and fetch users, conversations, unread counts
 * (first hello, or a resume the server could not serve: resync). */
void tui_model_refresh(struct tui *t);
struct tui_conv *tui_conv_by_id(struct tui *t, int64_t id);
/* The index of message id among cv's loaded messages, or -1. */
int tui_msg_index(const struct tui_conv *cv, int64_t id);
/* The open conversation, or NULL. */
struct tui_conv *tui_current(struct tui *t);
/* A user's handle (raw server text), "?" when unknown. */
const char *tui_handle_of(const struct tui *t, int64_t id);
/* Open conversation index in the chat view: load it, mark it read. */
void tui_select_conv(struct tui *t, int index);
/* Fetch the page before the oldest loaded message, if there is one. */
void tui_load_older(struct tui *t);
/* Move the read marker to the newest message when the chat shows it. */
void tui_mark_read(struct tui *t);
/* Find a conversation by "#name", "@handle", label or id; -1 if none. */
int tui_find_conv(const struct tui *t, const char *name);
void tui_model_fini(struct tui *t);

/* tui_draw.c */
void tui_draw_init(void);
void tui_draw(struct tui *t);
/* Sanitize server text (any bytes) into a heap wide string, safe for
 * ncurses: util.c's rules, then every character checked with wcwidth. */
wchar_t *tui_wsafe(const char *s, bool multiline);

/* tui_input.c */
/* A key for the input line (is_key: a KEY_* code, else a character). */
void tui_input_key(struct tui *t, wint_t ch, bool is_key);
void tui_input_fini(struct tui_input *in);

/* tui_views.c */
/* Show a view; list views fetch their records. */
void tui_view_open(struct tui *t, enum tui_view v);
/* Keys of the current view; false when it does not take the key. */
bool tui_view_key(struct tui *t, wint_t ch, bool is_key);
/* Open the thread of a message (the root or any reply). */
void tui_open_thread(struct tui *t, int64_t msg_id);
/* Run a /command line. */
void tui_command(struct tui *t, const char *line);
/* Fill the list view from a request.list, feedback.list or buddy.get
 * result. */
void tui_views_reply(struct tui *t, enum tui_req what,
		     const struct proto_value *res);
void tui_views_fini(struct tui *t);

#endif
