/*
 * cli.h: what the command files of `tandem` share: the options, the state
 * of one run (struct cli), the command descriptor, and the helpers main.c
 * offers every command (errors, sessions, users, conversations, output).
 *
 * A command is a row in main.c's cmd_table[] pointing at a cmd_* function
 * declared here; its options are bits of enum opt. Adding an option: a
 * value here, a row in main.c's opt_table[], its bit in the commands that
 * take it, and a line in tandem.1.
 */
#ifndef TANDEM_CLIENT_CLI_H
#define TANDEM_CLIENT_CLI_H

#include <stdbool.h>
#include <stdint.h>

#include "tandem/proto.h"
#include "config.h"
#include "rpc.h"

/* Options, global and per command. */
enum opt {
	OPT_SERVER,
	OPT_TOKEN,
	OPT_JSON,
	OPT_INSECURE,
	OPT_HELP,
	OPT_TEAM,
	OPT_NAME,
	OPT_INVITE,
	OPT_PASSWORD_STDIN,
	OPT_PRIVATE,
	OPT_TOPIC,
	OPT_LIMIT,
	OPT_OFFSET,
	OPT_WAIT,
	OPT_NONCE,
	OPT_IN,
	OPT_FROM,
	OPT_BEFORE,
	OPT_AFTER,
	OPT_STATUS,
	OPT_KIND,
	OPT_ASSIGNEE,
	OPT_ACCOUNT,
	OPT_MINE,
	OPT_SORT,
	OPT_TITLE,
	OPT_BODY,
	OPT_DEAL,
	OPT_STAGE,
	OPT_VALUE,
	OPT_DUE,
	OPT_PRIORITY,
	OPT_REASON,
	OPT_NOTE,
	OPT_COMPETITOR,
	OPT_WEIGHT,
	OPT__COUNT
};
_Static_assert(OPT__COUNT <= 64, "struct cmd.opts holds 64 bits");

#define O(x) (UINT64_C(1) << (x))

struct cli;

/* Command flags. */
#define CMD_CONNECT 0x1u /* needs a server and a connection */
#define CMD_AUTH 0x2u	 /* ... and a session from the saved token */

struct cmd {
	const char *name;  /* one word, or "group word" ("request new") */
	const char *usage; /* arguments and options after the name */
	const char *summary;
	int min_args, max_args;
	uint64_t opts;	/* O(OPT_*) allowed besides the global ones */
	unsigned flags; /* CMD_* */
	int (*fn)(struct cli *c);
	/* Checks the arguments before any connection (a bad value is a
	 * usage error even with the server down); NULL when fn needs none. */
	int (*check)(struct cli *c);
};

/* The state of one run of the program. */
struct cli {
	const struct cmd *cmd;
	const char *group; /* "request" given alone, with --help */
	char **args;	   /* positional arguments after the command */
	int n_args;
	const char *opt[OPT__COUNT]; /* values; "" for flags given */
	bool json;
	bool usage_error; /* print the command's usage with the error */
	int limit;	  /* --limit, 0 when not given */
	int offset;	  /* --offset, 0 when not given */
	struct config cfg;
	struct rpc rpc;
	bool rpc_ready;
	int64_t head; /* from the hello reply */
	struct td_user me;
	struct td_user *users; /* user.list cache */
	bool *users_online;
	size_t n_users;
	bool users_loaded;
	int64_t unknown_ids[64]; /* ids missing even from a fresh list */
	size_t n_unknown;
};

/* ---- helpers, in main.c ---- */

/* Record a client-side error for main to print; returns code. */
int cli_fail(struct cli *c, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* A usage error: the command's usage line is printed with it. */
int cli_usage_fail(struct cli *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Connect and authenticate from the saved token. */
int cli_session(struct cli *c);
/* A request without fields: begin, call. */
int cli_simple(struct cli *c, enum proto_op op, struct proto_frame *reply);
/* The handle for a user id ("#<id>" when unknown); "-" for id 0. */
void cli_handle_of(struct cli *c, int64_t id, char *buf, size_t size);
/* A user id from "handle" or "@handle"; TD_ERR_NOT_FOUND if none. */
int cli_user_by_handle(struct cli *c, const char *handle, int64_t *id);
/* Resolve "@handle", "#name", "name" or an id into a conversation. */
int cli_resolve_conv(struct cli *c, const char *arg, struct td_conv *out);
/*
 * Text from an argument, or stdin for "-" or NULL (one trailing newline
 * removed), checked as a message body; `what` names it in errors
 * ("the message"). Returns 0 and a heap string, or an error.
 */
int cli_read_body(struct cli *c, const char *arg, const char *what, char **out);
/* Parse --limit against a command's own maximum (0 when not given). */
int cli_limit_max(struct cli *c, int max);
/* Print the JSON in w as one line (sanitized) and free w. */
void cli_json_emit(struct jw *w);
/* Print a payload value as one JSON line. */
void cli_json_value(const struct proto_value *v);

/* ---- commands, in cmd_requests.c, cmd_feedback.c, cmd_team.c and
 * cmd_chat.c; check_* run before connecting (struct cmd.check) ---- */

int cmd_search(struct cli *c);
int check_search(struct cli *c);
int cmd_requests(struct cli *c);
int check_requests(struct cli *c);
int cmd_request_template(struct cli *c);
int check_request_template(struct cli *c);
int cmd_request_new(struct cli *c);
int check_request_new(struct cli *c);
int cmd_request_show(struct cli *c);
int check_request_show(struct cli *c);
int cmd_request_move(struct cli *c);
int check_request_move(struct cli *c);
int cmd_request_assign(struct cli *c);
int check_request_assign(struct cli *c);
int cmd_request_deliver(struct cli *c);
int cmd_request_verdict(struct cli *c);
int check_request_verdict(struct cli *c);
int check_request_deliver(struct cli *c);
int cmd_feedback_list(struct cli *c);
int check_feedback_list(struct cli *c);
int cmd_feedback_new(struct cli *c);
int check_feedback_new(struct cli *c);
int cmd_feedback_show(struct cli *c);
int check_feedback_show(struct cli *c);
int cmd_feedback_vote(struct cli *c);
int check_feedback_vote(struct cli *c);
int cmd_feedback_status(struct cli *c);
int check_feedback_status(struct cli *c);
int cmd_feedback_to_request(struct cli *c);
int check_feedback_to_request(struct cli *c);
int cmd_buddy(struct cli *c);
int cmd_dashboard(struct cli *c);

#endif
