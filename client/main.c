/*
 * main.c: `tandem`, the terminal client of Tandem: command-line parsing
 * and the commands themselves.
 *
 * Commands are data: one row per command in cmd_table[] (name, usage,
 * argument counts, allowed options, whether it needs a session, handler),
 * and options in opt_table[]; parsing and checking happen once, here, for
 * all of them. The protocol goes through rpc.h and proto.h: this file never
 * handles JSON text or sockets.
 *
 * Everything received from the server is printed through the sanitizer in
 * util.c (util_fput_safe, util_fput_json_line); this file must never pass
 * server text to stdio directly. It must never print a token or password.
 *
 * Exit statuses: 0 ok, 1 other error, 2 usage, 3 authentication, 4 not
 * found, 5 network (enum cli_exit; also in --help and tandem(1)).
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "tandem/proto.h"
#include "cli.h"
#include "net.h"
#include "tui/tui.h"
#include "util.h"

#define OPTS_GLOBAL                                                            \
	(O(OPT_SERVER) | O(OPT_TOKEN) | O(OPT_JSON) | O(OPT_INSECURE) |        \
	 O(OPT_HELP))

struct opt_desc {
	const char *name; /* without the leading "--" */
	bool has_arg;
};

static const struct opt_desc opt_table[OPT__COUNT] = {
	[OPT_SERVER] = {"server", true},
	[OPT_TOKEN] = {"token", true},
	[OPT_JSON] = {"json", false},
	[OPT_INSECURE] = {"insecure", false},
	[OPT_HELP] = {"help", false},
	[OPT_TEAM] = {"team", true},
	[OPT_NAME] = {"name", true},
	[OPT_INVITE] = {"invite", true},
	[OPT_PASSWORD_STDIN] = {"password-stdin", false},
	[OPT_PRIVATE] = {"private", false},
	[OPT_TOPIC] = {"topic", true},
	[OPT_LIMIT] = {"limit", true},
	[OPT_OFFSET] = {"offset", true},
	[OPT_WAIT] = {"wait", true},
	[OPT_NONCE] = {"nonce", true},
	[OPT_IN] = {"in", true},
	[OPT_FROM] = {"from", true},
	[OPT_BEFORE] = {"before", true},
	[OPT_AFTER] = {"after", true},
	[OPT_STATUS] = {"status", true},
	[OPT_KIND] = {"kind", true},
	[OPT_ASSIGNEE] = {"assignee", true},
	[OPT_ACCOUNT] = {"account", true},
	[OPT_MINE] = {"mine", false},
	[OPT_SORT] = {"sort", true},
	[OPT_TITLE] = {"title", true},
	[OPT_BODY] = {"body", true},
	[OPT_DEAL] = {"deal", true},
	[OPT_STAGE] = {"stage", true},
	[OPT_VALUE] = {"value", true},
	[OPT_DUE] = {"due", true},
	[OPT_PRIORITY] = {"priority", true},
	[OPT_REASON] = {"reason", true},
	[OPT_NOTE] = {"note", true},
	[OPT_COMPETITOR] = {"competitor", true},
	[OPT_WEIGHT] = {"weight", true},
};

static int cmd_help(struct cli *c);
static int cmd_register(struct cli *c);
static int cmd_login(struct cli *c);
static int cmd_logout(struct cli *c);
static int cmd_channels(struct cli *c);
static int cmd_join(struct cli *c);
static int cmd_create(struct cli *c);
static int cmd_post(struct cli *c);
static int cmd_history(struct cli *c);
static int cmd_tail(struct cli *c);
static int cmd_users(struct cli *c);
static int cmd_dm(struct cli *c);
static int check_post(struct cli *c);
static void cli_print_cmd(FILE *f, const struct cmd *cmd);

static const struct cmd cmd_table[] = {
	{"register",
	 "<handle> --team sales|marketing|other [--name NAME] "
	 "[--invite CODE] [--password-stdin]",
	 "create an account and log in", 1, 1,
	 O(OPT_TEAM) | O(OPT_NAME) | O(OPT_INVITE) | O(OPT_PASSWORD_STDIN),
	 CMD_CONNECT, cmd_register, NULL},
	{"login", "<handle> [--password-stdin]", "log in and save the token", 1,
	 1, O(OPT_PASSWORD_STDIN), CMD_CONNECT, cmd_login, NULL},
	{"logout", "", "revoke the saved token and forget it", 0, 0, 0, 0,
	 cmd_logout, NULL},
	{"channels", "", "list conversations: id, name, membership, topic", 0,
	 0, 0, CMD_CONNECT | CMD_AUTH, cmd_channels, NULL},
	{"join", "<channel>", "join a public channel", 1, 1, 0,
	 CMD_CONNECT | CMD_AUTH, cmd_join, NULL},
	{"create", "<channel> [--private] [--topic TEXT]", "create a channel",
	 1, 1, O(OPT_PRIVATE) | O(OPT_TOPIC), CMD_CONNECT | CMD_AUTH,
	 cmd_create, NULL},
	{"post", "<conversation> [TEXT | -] [--wait SECONDS] [--nonce N]",
	 "post a message (no TEXT or -: read it from stdin)", 1, 2,
	 O(OPT_WAIT) | O(OPT_NONCE), CMD_CONNECT | CMD_AUTH, cmd_post,
	 check_post},
	{"history", "<conversation> [--limit N]",
	 "print the latest messages (N from 1 to 200, default 50)", 1, 1,
	 O(OPT_LIMIT), CMD_CONNECT | CMD_AUTH, cmd_history, NULL},
	{"tail", "<conversation> [--limit N]",
	 "print the latest messages, then follow new ones live", 1, 1,
	 O(OPT_LIMIT), CMD_CONNECT | CMD_AUTH, cmd_tail, NULL},
	{"users", "", "list users", 0, 0, 0, CMD_CONNECT | CMD_AUTH, cmd_users,
	 NULL},
	{"dm", "<handle> [TEXT | -] [--wait SECONDS] [--nonce N]",
	 "send a direct message (no TEXT or -: read it from stdin)", 1, 2,
	 O(OPT_WAIT) | O(OPT_NONCE), CMD_CONNECT | CMD_AUTH, cmd_dm,
	 check_post},
	{"search",
	 "<words...> [--in CONV] [--from HANDLE] [--before YYYY-MM-DD] "
	 "[--after YYYY-MM-DD] [--limit N] [--offset N]",
	 "search messages (N up to 50; server filters like has:link work)", 0,
	 32,
	 O(OPT_IN) | O(OPT_FROM) | O(OPT_BEFORE) | O(OPT_AFTER) | O(OPT_LIMIT) |
		 O(OPT_OFFSET),
	 CMD_CONNECT | CMD_AUTH, cmd_search, check_search},
	{"requests",
	 "[--status S] [--kind K] [--assignee HANDLE|none] [--account A] "
	 "[--mine] [--sort queue|due|newest] [--limit N] [--offset N]",
	 "list content requests (default: the open ones, in queue order)", 0, 0,
	 O(OPT_STATUS) | O(OPT_KIND) | O(OPT_ASSIGNEE) | O(OPT_ACCOUNT) |
		 O(OPT_MINE) | O(OPT_SORT) | O(OPT_LIMIT) | O(OPT_OFFSET),
	 CMD_CONNECT | CMD_AUTH, cmd_requests, check_requests},
	{"request template", "<kind>",
	 "print the questions marketing asks for a kind of request", 1, 1, 0,
	 CMD_CONNECT | CMD_AUTH, cmd_request_template, check_request_template},
	{"request new",
	 "--kind K --title T --body TEXT|- [--account A] [--deal D] "
	 "[--stage S] [--value N] [--due YYYY-MM-DD|+3d] [--priority P] "
	 "[--nonce N]",
	 "file a content request", 0, 0,
	 O(OPT_KIND) | O(OPT_TITLE) | O(OPT_BODY) | O(OPT_ACCOUNT) |
		 O(OPT_DEAL) | O(OPT_STAGE) | O(OPT_VALUE) | O(OPT_DUE) |
		 O(OPT_PRIORITY) | O(OPT_NONCE),
	 CMD_CONNECT | CMD_AUTH, cmd_request_new, check_request_new},
	{"request show", "<id>",
	 "show a request: fields, SLA clocks, asset, verdicts, watchers", 1, 1,
	 0, CMD_CONNECT | CMD_AUTH, cmd_request_show, check_request_show},
	{"request move", "<id> <status> [--reason TEXT]",
	 "move a request to another status", 2, 2, O(OPT_REASON),
	 CMD_CONNECT | CMD_AUTH, cmd_request_move, check_request_move},
	{"request assign", "<id> <handle|none>",
	 "assign a request to a marketer, or unassign it", 2, 2, 0,
	 CMD_CONNECT | CMD_AUTH, cmd_request_assign, check_request_assign},
	{"request deliver", "<id> <url> [--note TEXT]",
	 "deliver the asset of a request", 2, 2, O(OPT_NOTE),
	 CMD_CONNECT | CMD_AUTH, cmd_request_deliver, check_request_deliver},
	{"request verdict",
	 "<id> helped|fell_flat|outdated [--note TEXT] "
	 "[--deal D]",
	 "say whether a delivered asset helped (requester and sales reps)", 2,
	 2, O(OPT_NOTE) | O(OPT_DEAL), CMD_CONNECT | CMD_AUTH,
	 cmd_request_verdict, check_request_verdict},
	{"feedback",
	 "[--kind K] [--status S] [--account A] [--competitor C] "
	 "[--sort votes|value|newest] [--limit N] [--offset N]",
	 "list feedback items (the same as feedback list)", 0, 0,
	 O(OPT_KIND) | O(OPT_STATUS) | O(OPT_ACCOUNT) | O(OPT_COMPETITOR) |
		 O(OPT_SORT) | O(OPT_LIMIT) | O(OPT_OFFSET),
	 CMD_CONNECT | CMD_AUTH, cmd_feedback_list, check_feedback_list},
	{"feedback list",
	 "[--kind K] [--status S] [--account A] [--competitor C] "
	 "[--sort votes|value|newest] [--limit N] [--offset N]",
	 "list feedback items (N from 1 to 100)", 0, 0,
	 O(OPT_KIND) | O(OPT_STATUS) | O(OPT_ACCOUNT) | O(OPT_COMPETITOR) |
		 O(OPT_SORT) | O(OPT_LIMIT) | O(OPT_OFFSET),
	 CMD_CONNECT | CMD_AUTH, cmd_feedback_list, check_feedback_list},
	{"feedback new",
	 "--kind K --body TEXT|- [--title T] [--account A] "
	 "[--competitor C] [--stage S] [--value N] [--nonce N]",
	 "file a feedback item (what a customer said)", 0, 0,
	 O(OPT_KIND) | O(OPT_BODY) | O(OPT_TITLE) | O(OPT_ACCOUNT) |
		 O(OPT_COMPETITOR) | O(OPT_STAGE) | O(OPT_VALUE) | O(OPT_NONCE),
	 CMD_CONNECT | CMD_AUTH, cmd_feedback_new, check_feedback_new},
	{"feedback show", "<id>", "show a feedback item and its votes", 1, 1, 0,
	 CMD_CONNECT | CMD_AUTH, cmd_feedback_show, check_feedback_show},
	{"feedback vote",
	 "<id> [--weight nice_to_have|important|deal_blocker] "
	 "[--account A] [--value N] [--stage S]",
	 "say \"me too\" (default weight nice_to_have)", 1, 1,
	 O(OPT_WEIGHT) | O(OPT_ACCOUNT) | O(OPT_VALUE) | O(OPT_STAGE),
	 CMD_CONNECT | CMD_AUTH, cmd_feedback_vote, check_feedback_vote},
	{"feedback status", "<id> <status>",
	 "move a feedback item forward (marketers)", 2, 2, 0,
	 CMD_CONNECT | CMD_AUTH, cmd_feedback_status, check_feedback_status},
	{"feedback to-request",
	 "<id> [--kind K] [--title T] [--body TEXT|-] [--due DATE] "
	 "[--priority P] [--nonce N]",
	 "file a content request from a feedback item", 1, 1,
	 O(OPT_KIND) | O(OPT_TITLE) | O(OPT_BODY) | O(OPT_DUE) |
		 O(OPT_PRIORITY) | O(OPT_NONCE),
	 CMD_CONNECT | CMD_AUTH, cmd_feedback_to_request,
	 check_feedback_to_request},
	{"buddy", "", "my buddy pair: who, our conversation, our streak", 0, 0,
	 0, CMD_CONNECT | CMD_AUTH, cmd_buddy, NULL},
	{"dashboard", "", "the team's weekly figures", 0, 0, 0,
	 CMD_CONNECT | CMD_AUTH, cmd_dashboard, NULL},
	{"help", "[command]", "show help", 0, 2, 0, 0, cmd_help, NULL},
};

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* Idle time after which tail checks the connection with a ping. */
#define TAIL_PING_MS 30000
#define TAIL_PING_TIMEOUT_MS 10000
#define TAIL_BACKOFF_MIN_MS 200
#define TAIL_BACKOFF_MAX_MS 5000
/* post: the one retry without --wait; the backoff with it. */
#define POST_RETRY_MS 300
#define POST_BACKOFF_MIN_MS 250
#define POST_BACKOFF_MAX_MS 2000
#define POST_WAIT_MAX_S 86400
/* At most this many conv.get lookups to name dms and groups. */
#define CHANNELS_MAX_LOOKUPS 40

/* ---- errors and exit statuses ---- */

int
cli_fail(struct cli *c, int code, const char *fmt, ...)
{
	va_list ap;

	snprintf(c->rpc.err_code, sizeof(c->rpc.err_code), "%s",
		 rpc_code_name(code));
	va_start(ap, fmt);
	vsnprintf(c->rpc.err_msg, sizeof(c->rpc.err_msg), fmt, ap);
	va_end(ap);
	return code;
}

static int
cli_exit_status(int code)
{
	switch (code) {
	case 0: return CLI_EXIT_OK;
	case CLI_ERR_USAGE: return CLI_EXIT_USAGE;
	case TD_ERR_UNAUTHENTICATED:
	case TD_ERR_BAD_TOKEN:
	case TD_ERR_INVALID_CREDENTIALS: return CLI_EXIT_AUTH;
	case TD_ERR_NOT_FOUND: return CLI_EXIT_NOT_FOUND;
	case CLI_ERR_NET: return CLI_EXIT_NETWORK;
	default: return CLI_EXIT_ERROR;
	}
}

/* Print "tandem: <code>: <message>" (sanitized: it may be server text). */
static void
cli_print_error(struct cli *c)
{
	fputs("tandem: ", stderr);
	util_fput_safe(stderr, c->rpc.err_code[0] ? c->rpc.err_code : "error",
		       0);
	fputs(": ", stderr);
	util_fput_safe(stderr, c->rpc.err_msg, 0);
	fputc('\n', stderr);
	if (c->usage_error && c->cmd) {
		fputs("usage:\n", stderr);
		cli_print_cmd(stderr, c->cmd);
	}
}

/* ---- help ---- */

/*
 * Print one command's usage, wrapped at 80 columns between options (at
 * spaces outside brackets), and its summary.
 */
static void
cli_print_cmd(FILE *f, const struct cmd *cmd)
{
	const char *p = cmd->usage;
	int col = fprintf(f, "  tandem %s", cmd->name);

	while (*p) {
		const char *q = p;
		int depth = 0;

		/* One unit: up to the next space outside brackets. */
		for (; *q && (*q != ' ' || depth > 0); q++)
			depth += (*q == '[') - (*q == ']');
		if (col + 1 + (q - p) > 79)
			col = fprintf(f, "\n       ");
		col += fprintf(f, " %.*s", (int)(q - p), p);
		p = *q ? q + 1 : q;
	}
	fprintf(f, "\n      %s\n", cmd->summary);
}

static void
cli_usage(FILE *f)
{
	size_t i;

	fprintf(f, "usage: tandem [--server URL] [--token T] [--json] "
		   "[--insecure] <command> [args]\n\nCommands:\n");
	for (i = 0; i < NELEM(cmd_table); i++)
		cli_print_cmd(f, &cmd_table[i]);
	fprintf(f,
		"\nA <conversation> is #name or name (a channel), a numeric "
		"id,\n"
		"or @handle (the direct message with that user).\n"
		"Every command takes --help; `tandem help request` lists the "
		"request commands.\n\n"
		"Global options:\n"
		"  --server URL  server, e.g. ws://host:8080/ws or "
		"wss://host/ws\n"
		"                (else $TANDEM_SERVER, else the config file)\n"
		"  --token T     session token (else $TANDEM_TOKEN, else the "
		"config file)\n"
		"  --json        machine-readable output, one JSON object per "
		"line\n"
		"  --insecure    accept self-signed TLS certificates\n"
		"  --help        this help\n\n"
		"Config file: $XDG_CONFIG_HOME/tandem/config or "
		"~/.config/tandem/config\n\n"
		"Exit status: 0 ok, 1 other error, 2 usage, 3 authentication "
		"(not logged in,\nbad token, wrong password), 4 not found, "
		"5 network (server unreachable).\n");
}

/* True when the row's name is word, or begins with "word ". */
static bool
cli_in_group(const struct cmd *cmd, const char *word)
{
	size_t n = strlen(word);

	return strncmp(cmd->name, word, n) == 0 &&
	       (cmd->name[n] == '\0' || cmd->name[n] == ' ');
}

/* Print every command of a group ("request"); false when there is none. */
static bool
cli_group_help(FILE *f, const char *word)
{
	bool any = false;
	size_t i;

	for (i = 0; i < NELEM(cmd_table); i++) {
		if (cli_in_group(&cmd_table[i], word)) {
			if (!any)
				fputs("usage:\n", f);
			cli_print_cmd(f, &cmd_table[i]);
			any = true;
		}
	}
	return any;
}

/*
 * The row for `word` or, when next is not NULL, for "word next" (which
 * wins: "feedback show" over "feedback"). *two says which matched.
 */
static const struct cmd *
cli_find_cmd(const char *word, const char *next, bool *two)
{
	char name[64];
	size_t i;

	*two = false;
	if (next && snprintf(name, sizeof(name), "%s %s", word, next) <
			    (int)sizeof(name)) {
		for (i = 0; i < NELEM(cmd_table); i++) {
			if (strcmp(cmd_table[i].name, name) == 0) {
				*two = true;
				return &cmd_table[i];
			}
		}
	}
	for (i = 0; i < NELEM(cmd_table); i++)
		if (strcmp(cmd_table[i].name, word) == 0)
			return &cmd_table[i];
	return NULL;
}

static int
cmd_help(struct cli *c)
{
	const struct cmd *cmd;
	bool two;

	if (c->n_args == 0) {
		cli_usage(stdout);
		return 0;
	}
	cmd = cli_find_cmd(c->args[0], c->n_args > 1 ? c->args[1] : NULL, &two);
	if (cmd && two) {
		fputs("usage:\n", stdout);
		cli_print_cmd(stdout, cmd);
		return 0;
	}
	if (c->n_args == 1 && cli_group_help(stdout, c->args[0]))
		return 0;
	return cli_fail(c, CLI_ERR_USAGE, "no command '%s%s%s'", c->args[0],
			c->n_args > 1 ? " " : "",
			c->n_args > 1 ? c->args[1] : "");
}

/* ---- command line ---- */

int
cli_limit_max(struct cli *c, int max)
{
	if (c->limit > max)
		return cli_usage_fail(
			c, "--limit must be a number from 1 to %d", max);
	return 0;
}

int
cli_usage_fail(struct cli *c, const char *fmt, ...)
{
	va_list ap;

	snprintf(c->rpc.err_code, sizeof(c->rpc.err_code), "%s",
		 rpc_code_name(CLI_ERR_USAGE));
	va_start(ap, fmt);
	vsnprintf(c->rpc.err_msg, sizeof(c->rpc.err_msg), fmt, ap);
	va_end(ap);
	c->usage_error = true;
	return CLI_ERR_USAGE;
}

/* Parse --offset into 0..TD_SEARCH_OFFSET_MAX (every list's deepest). */
static int
cli_offset(struct cli *c)
{
	const char *s = c->opt[OPT_OFFSET];
	char *end;
	long n;

	if (!s)
		return 0;
	errno = 0;
	n = strtol(s, &end, 10);
	if (errno || end == s || *end || n < 0 || n > TD_SEARCH_OFFSET_MAX)
		return cli_fail(c, CLI_ERR_USAGE,
				"--offset must be a number from 0 to %d",
				TD_SEARCH_OFFSET_MAX);
	c->offset = (int)n;
	return 0;
}

/* Parse --limit into 1..TD_HISTORY_MAX; 0 when not given. */
static int
cli_limit(struct cli *c, int *limit)
{
	const char *s = c->opt[OPT_LIMIT];
	char *end;
	long n;

	*limit = 0;
	if (!s)
		return 0;
	errno = 0;
	n = strtol(s, &end, 10);
	if (errno || end == s || *end || n < 1 || n > TD_HISTORY_MAX)
		return cli_fail(c, CLI_ERR_USAGE,
				"--limit must be a number from 1 to %d",
				TD_HISTORY_MAX);
	*limit = (int)n;
	return 0;
}

/*
 * A command word that names no command: for a group ("request") without a
 * known subcommand, its help when --help follows, else a usage error.
 */
static int
cli_no_cmd(struct cli *c, const char *word, int argc, char **argv, bool *help)
{
	int i;
	size_t j;

	for (j = 0; j < NELEM(cmd_table); j++)
		if (cli_in_group(&cmd_table[j], word))
			break;
	if (j == NELEM(cmd_table))
		return cli_fail(c, CLI_ERR_USAGE,
				"unknown command '%s' (see tandem --help)",
				word);
	for (i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--help") == 0 ||
		    strcmp(argv[i], "-h") == 0) {
			c->group = word;
			*help = true;
			return 0;
		}
	}
	if (argc > 0 && argv[0][0] != '-')
		return cli_fail(c, CLI_ERR_USAGE,
				"no command '%s %s' (see tandem help %s)", word,
				argv[0], word);
	return cli_fail(c, CLI_ERR_USAGE,
			"'%s' needs a subcommand (see tandem help %s)", word,
			word);
}

/*
 * Parse argv: global options, the command, then its arguments and options
 * (global ones are accepted there too). "--" ends options; "-" is an
 * argument. Returns 0 or CLI_ERR_USAGE; *help is set for --help.
 */
static int
cli_parse(struct cli *c, int argc, char **argv, bool *help)
{
	int i;
	bool opts_done = false;

	c->args = xcalloc((size_t)argc + 1, sizeof(char *));
	c->usage_error = true;
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *val = NULL;
		size_t namelen;
		uint64_t allowed;
		int o;

		if (opts_done || a[0] != '-' || strcmp(a, "-") == 0) {
			if (!c->cmd) {
				bool two;

				c->cmd = cli_find_cmd(
					a, i + 1 < argc ? argv[i + 1] : NULL,
					&two);
				if (two)
					i++;
				if (!c->cmd)
					return cli_no_cmd(c, a, argc - i - 1,
							  argv + i + 1, help);
			} else {
				c->args[c->n_args++] = argv[i];
			}
			continue;
		}
		if (strcmp(a, "--") == 0) {
			opts_done = true;
			continue;
		}
		if (strcmp(a, "-h") == 0)
			a = "--help";
		if (strncmp(a, "--", 2) != 0)
			return cli_fail(c, CLI_ERR_USAGE, "unknown option '%s'",
					a);
		a += 2;
		namelen = strcspn(a, "=");
		allowed = OPTS_GLOBAL | (c->cmd ? c->cmd->opts : 0);
		for (o = 0; o < OPT__COUNT; o++)
			if (strlen(opt_table[o].name) == namelen &&
			    strncmp(opt_table[o].name, a, namelen) == 0)
				break;
		if (o == OPT__COUNT || !(allowed & O(o)))
			return cli_fail(c, CLI_ERR_USAGE,
					"unknown option '--%s'%s", a,
					c->cmd ? "" : " (before the command)");
		if (opt_table[o].has_arg) {
			if (a[namelen] == '=')
				val = a + namelen + 1;
			else if (i + 1 < argc)
				val = argv[++i];
			else
				return cli_fail(c, CLI_ERR_USAGE,
						"option '--%s' needs a value",
						opt_table[o].name);
		} else {
			if (a[namelen] == '=')
				return cli_fail(c, CLI_ERR_USAGE,
						"option '--%s' takes no value",
						opt_table[o].name);
			val = "";
		}
		c->opt[o] = val;
	}
	*help = c->opt[OPT_HELP] != NULL;
	if (*help)
		return 0;
	if (!c->cmd && isatty(STDIN_FILENO) && isatty(STDOUT_FILENO))
		return 0; /* no command on a terminal: interactive mode */
	if (!c->cmd)
		return cli_fail(c, CLI_ERR_USAGE,
				"no command given (see tandem --help)");
	if (c->n_args < c->cmd->min_args || c->n_args > c->cmd->max_args)
		return cli_fail(c, CLI_ERR_USAGE, "wrong number of arguments");
	if (cli_limit(c, &c->limit) != 0 || cli_offset(c) != 0)
		return CLI_ERR_USAGE;
	c->usage_error = false;
	c->json = c->opt[OPT_JSON] != NULL;
	return 0;
}

/* ---- sessions ---- */

/* The server URL to use, or an error when none is configured. */
static int
cli_need_server(struct cli *c)
{
	if (!c->cfg.server)
		return cli_fail(c, CLI_ERR_CONFIG,
				"no server: use --server URL, set "
				"TANDEM_SERVER, or log in with --server");
	if (!c->rpc_ready) {
		int rc = rpc_init(&c->rpc, c->cfg.server, c->cfg.insecure);

		if (rc != 0)
			return rc;
		c->rpc_ready = true;
	}
	return 0;
}

/*
 * Authenticate the open connection with the token. since < 0: from now on;
 * otherwise resume after that seq. Returns 0 with the reply in *reply (when
 * not NULL; the caller finis it), or an error.
 */
static int
cli_hello(struct cli *c, int64_t since, struct proto_frame *reply)
{
	struct proto_frame f;
	struct jw w;
	int rc;

	if (!c->cfg.token)
		return cli_fail(c, TD_ERR_UNAUTHENTICATED,
				"not logged in: run tandem login <handle> "
				"(or pass --token)");
	if (strlen(c->cfg.token) != TD_TOKEN_LEN)
		return cli_fail(c, TD_ERR_BAD_TOKEN,
				"the token is malformed (want %d characters)",
				TD_TOKEN_LEN);
	rpc_begin(&c->rpc, &w, PROTO_OP_HELLO);
	jw_kstr(&w, "token", c->cfg.token);
	if (since >= 0)
		jw_kint(&w, "since", since);
	rc = rpc_call(&c->rpc, &w, &f, RPC_REPLY_TIMEOUT_MS);
	if (rc == 0 && f.n_users == 0) {
		/* A hello without a user was not authenticated. */
		rc = cli_fail(c, TD_ERR_BAD_TOKEN,
			      "the server did not accept the token");
	}
	if (rc == 0) {
		c->head = f.head;
		c->me = f.users[0];
	}
	if (rc == 0 && reply)
		*reply = f;
	else
		proto_frame_fini(&f);
	return rc;
}

/* Connect and authenticate from the saved token. */
int
cli_session(struct cli *c)
{
	int rc = cli_need_server(c);

	if (rc == 0 && !c->cfg.token)
		rc = cli_fail(c, TD_ERR_UNAUTHENTICATED,
			      "not logged in: run tandem login <handle> "
			      "(or pass --token)");
	if (rc == 0)
		rc = rpc_connect(&c->rpc);
	if (rc == 0)
		rc = cli_hello(c, -1, NULL);
	return rc;
}

/* A request without fields: begin, call. */
int
cli_simple(struct cli *c, enum proto_op op, struct proto_frame *reply)
{
	struct jw w;

	rpc_begin(&c->rpc, &w, op);
	return rpc_call(&c->rpc, &w, reply, RPC_REPLY_TIMEOUT_MS);
}

/* ---- users ---- */

/* Load (or reload) the user list into the cache. */
static int
cli_load_users(struct cli *c)
{
	struct proto_frame f;
	int rc = cli_simple(c, PROTO_OP_USER_LIST, &f);

	if (rc != 0)
		goto out;
	free(c->users);
	free(c->users_online);
	c->users = f.users;
	c->users_online = f.users_online;
	c->n_users = f.n_users;
	f.users = NULL;
	f.users_online = NULL;
	f.n_users = 0;
	c->users_loaded = true;
out:
	proto_frame_fini(&f);
	return rc;
}

static const struct td_user *
cli_user_by_id(struct cli *c, int64_t id)
{
	size_t i;

	for (i = 0; i < c->n_users; i++)
		if (c->users[i].id == id)
			return &c->users[i];
	return NULL;
}

/* True when id was already looked up in a fresh user list, in vain. */
static bool
cli_user_known_unknown(const struct cli *c, int64_t id)
{
	size_t i;

	for (i = 0; i < c->n_unknown; i++)
		if (c->unknown_ids[i] == id)
			return true;
	return false;
}

/*
 * The handle for a user id. An id missing from the cached list (a user who
 * registered since) reloads the list once; an id still missing after that
 * is remembered, so that it costs no further requests. Writes "#<id>" for
 * an unknown user.
 */
void
cli_handle_of(struct cli *c, int64_t id, char *buf, size_t size)
{
	const struct td_user *u = id ? cli_user_by_id(c, id) : NULL;

	if (id == 0) {
		snprintf(buf, size, "-");
		return;
	}
	if (!u && !cli_user_known_unknown(c, id) &&
	    c->n_unknown < NELEM(c->unknown_ids)) {
		if (cli_load_users(c) == 0) {
			u = cli_user_by_id(c, id);
			if (!u)
				c->unknown_ids[c->n_unknown++] = id;
		}
	}
	if (u)
		snprintf(buf, size, "%s", u->handle);
	else
		snprintf(buf, size, "#%" PRId64, id);
}

/* Remember a user announced by a user.new event. */
static void
cli_add_user(struct cli *c, const struct td_user *u)
{
	if (!c->users_loaded || cli_user_by_id(c, u->id))
		return;
	c->users = xrealloc(c->users, (c->n_users + 1) * sizeof(*c->users));
	c->users_online =
		xrealloc(c->users_online, (c->n_users + 1) * sizeof(bool));
	c->users[c->n_users] = *u;
	c->users_online[c->n_users] = false;
	c->n_users++;
}

/* Find a user by handle (with or without a leading '@'). */
int
cli_user_by_handle(struct cli *c, const char *handle, int64_t *id)
{
	size_t i;
	int rc = 0;

	if (handle[0] == '@')
		handle++;
	if (!c->users_loaded)
		rc = cli_load_users(c);
	if (rc != 0)
		return rc;
	for (i = 0; i < c->n_users; i++) {
		if (strcmp(c->users[i].handle, handle) == 0) {
			*id = c->users[i].id;
			return 0;
		}
	}
	return cli_fail(c, TD_ERR_NOT_FOUND, "no user @%s", handle);
}

/* ---- conversations ---- */

static bool
cli_all_digits(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

/*
 * Resolve a conversation argument: "@handle" (the dm with that user,
 * opened if new), "#name" or "name" (a channel, via conv.list), or a
 * numeric id (via conv.get). Fills *out. Returns 0, TD_ERR_NOT_FOUND, or
 * another error.
 */
int
cli_resolve_conv(struct cli *c, const char *arg, struct td_conv *out)
{
	struct proto_frame f;
	struct jw w;
	const char *name = arg;
	size_t i;
	int rc;

	memset(&f, 0, sizeof(f));
	memset(out, 0, sizeof(*out));
	if (arg[0] == '@') {
		int64_t uid = 0;

		rc = cli_user_by_handle(c, arg, &uid);
		if (rc != 0)
			goto out;
		rpc_begin(&c->rpc, &w, PROTO_OP_DM_OPEN);
		jw_kint(&w, "user", uid);
		rc = rpc_call(&c->rpc, &w, &f, RPC_REPLY_TIMEOUT_MS);
	} else if (cli_all_digits(arg)) {
		int64_t id;

		errno = 0;
		id = strtoll(arg, NULL, 10);
		if (id <= 0 || errno == ERANGE) {
			rc = cli_fail(c, TD_ERR_NOT_FOUND, "no conversation %s",
				      arg);
			goto out;
		}
		rpc_begin(&c->rpc, &w, PROTO_OP_CONV_GET);
		jw_kint(&w, "conv", id);
		rc = rpc_call(&c->rpc, &w, &f, RPC_REPLY_TIMEOUT_MS);
	} else {
		if (name[0] == '#')
			name++;
		rc = cli_simple(c, PROTO_OP_CONV_LIST, &f);
		if (rc != 0)
			goto out;
		for (i = 0; i < f.n_convs; i++) {
			if (f.convs[i].kind == TD_CONV_CHANNEL &&
			    strcmp(f.convs[i].name, name) == 0) {
				*out = f.convs[i];
				goto out;
			}
		}
		rc = cli_fail(c, TD_ERR_NOT_FOUND, "no channel #%s", name);
		goto out;
	}
	if (rc == 0 && f.n_convs == 0)
		rc = cli_fail(c, CLI_ERR_PROTO,
			      "the reply has no conversation");
	if (rc == 0)
		*out = f.convs[0];
out:
	proto_frame_fini(&f);
	return rc;
}

/* A label for a conversation: "#name", or kind and id for dm/group. */
static void
cli_conv_label(const struct td_conv *cv, char *buf, size_t size)
{
	if (cv->kind == TD_CONV_CHANNEL)
		snprintf(buf, size, "#%s", cv->name);
	else
		snprintf(buf, size, "%s %" PRId64, td_conv_kind_name(cv->kind),
			 cv->id);
}

/* ---- output ---- */

void
cli_json_emit(struct jw *w)
{
	util_fput_json_line(stdout, jw_text(w), jw_text_len(w));
	jw_fini(w);
}

void
cli_json_value(const struct proto_value *v)
{
	struct jw w;

	jw_init(&w, 0);
	proto_value_write(&w, v);
	cli_json_emit(&w);
}

static void
cli_json_conv_fields(struct jw *w, const struct td_conv *cv)
{
	jw_kint(w, "id", cv->id);
	jw_kstr(w, "kind", td_conv_kind_name(cv->kind));
	jw_kstr(w, "name", cv->name);
	jw_kstr(w, "topic", cv->topic);
	jw_kbool(w, "private", cv->is_private);
	jw_kbool(w, "archived", cv->archived);
	jw_kbool(w, "member", cv->member);
	jw_kint(w, "member_count", cv->member_count);
	jw_kint(w, "last_message_id", cv->last_message_id);
}

/* Print one conversation object (for create and join). */
static void
cli_print_conv_json(const struct td_conv *cv)
{
	struct jw w;

	jw_init(&w, 0);
	jw_obj_open(&w);
	cli_json_conv_fields(&w, cv);
	jw_obj_close(&w);
	cli_json_emit(&w);
}

/*
 * Print one message: `[HH:MM] handle: body` on one line (newlines in the
 * body shown as U+21B5), or one JSON object. event names an edit or delete
 * in tail's output, else NULL.
 */
static void
cli_print_message(struct cli *c, const struct td_message *m, const char *event)
{
	char handle[TD_HANDLE_MAX + 16], hhmm[16];
	struct jw w;

	cli_handle_of(c, m->author, handle, sizeof(handle));
	if (c->json) {
		jw_init(&w, 0);
		jw_obj_open(&w);
		if (event)
			jw_kstr(&w, "event", event);
		jw_kint(&w, "id", m->id);
		jw_kint(&w, "conv", m->conv);
		jw_kint(&w, "author", m->author);
		jw_kstr(&w, "handle", handle);
		jw_kstr(&w, "body", m->body ? m->body : "");
		jw_kstr(&w, "nonce", m->nonce);
		jw_kint(&w, "created_at", m->created_at);
		jw_kint(&w, "edited_at", m->edited_at);
		jw_kbool(&w, "deleted", m->deleted);
		jw_obj_close(&w);
		cli_json_emit(&w);
		return;
	}
	util_format_hhmm(m->created_at, hhmm, sizeof(hhmm));
	printf("[%s] ", hhmm);
	util_fput_safe(stdout, handle, 0);
	fputs(": ", stdout);
	if (m->deleted)
		fputs("(deleted)", stdout);
	else
		util_fput_safe(stdout, m->body ? m->body : "",
			       SAN_NL_MARK | SAN_KEEP_TAB);
	if (m->edited_at && !m->deleted)
		fputs(" (edited)", stdout);
	fputc('\n', stdout);
}

/* ---- input ---- */

static struct termios cli_saved_tty;
static volatile sig_atomic_t cli_tty_changed;

static void
cli_restore_tty_on_signal(int sig)
{
	if (cli_tty_changed)
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &cli_saved_tty);
	signal(sig, SIG_DFL);
	raise(sig);
}

/*
 * Read a password: from the terminal without echo (with a prompt on
 * stderr), or as one line of stdin when it is not a terminal or
 * --password-stdin was given. Returns 0 and a heap string the caller wipes
 * and frees, or an error.
 */
static int
cli_read_password(struct cli *c, const char *prompt, char **out)
{
	bool tty = !c->opt[OPT_PASSWORD_STDIN] && isatty(STDIN_FILENO);
	struct termios t;
	int rc;

	*out = NULL;
	if (tty && tcgetattr(STDIN_FILENO, &cli_saved_tty) == 0) {
		t = cli_saved_tty;
		t.c_lflag &= ~(tcflag_t)ECHO;
		signal(SIGINT, cli_restore_tty_on_signal);
		signal(SIGTERM, cli_restore_tty_on_signal);
		fputs(prompt, stderr);
		fflush(stderr);
		cli_tty_changed = 1;
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &t);
	}
	rc = util_read_line(stdin, out);
	if (cli_tty_changed) {
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &cli_saved_tty);
		cli_tty_changed = 0;
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		fputc('\n', stderr);
	}
	if (rc != 0)
		return cli_fail(c, CLI_ERR_IO, "no password on stdin");
	if (!(*out)[0]) {
		free(*out);
		*out = NULL;
		return cli_fail(c, CLI_ERR_USAGE, "empty password");
	}
	return 0;
}

static void
cli_free_secret(char *s)
{
	if (s) {
		util_wipe(s, strlen(s));
		free(s);
	}
}

int
cli_read_body(struct cli *c, const char *arg, const char *what, char **out)
{
	size_t len;
	int rc;

	*out = NULL;
	if (arg && strcmp(arg, "-") != 0) {
		*out = xstrdup(arg);
		len = strlen(arg);
	} else {
		if (isatty(STDIN_FILENO))
			fprintf(stderr, "tandem: type %s, then Ctrl-D\n", what);
		rc = util_read_all(STDIN_FILENO, TD_MAX_BODY + 2, out, &len);
		if (rc == 1)
			return cli_fail(c, TD_ERR_TOO_LARGE,
					"%s is over %d bytes", what,
					TD_MAX_BODY);
		if (rc != 0)
			return cli_fail(c, CLI_ERR_IO, "cannot read stdin: %s",
					strerror(errno));
		if (len && (*out)[len - 1] == '\n')
			(*out)[--len] = '\0';
		if (len && (*out)[len - 1] == '\r')
			(*out)[--len] = '\0';
	}
	if (len > TD_MAX_BODY)
		rc = cli_fail(c, TD_ERR_TOO_LARGE, "%s is over %d bytes", what,
			      TD_MAX_BODY);
	else if (strlen(*out) != len || !proto_valid_body(*out, len))
		rc = cli_fail(c, TD_ERR_BAD_REQUEST,
			      "%s is empty, only whitespace, not UTF-8, or "
			      "has control characters",
			      what);
	else
		rc = 0;
	if (rc != 0) {
		free(*out);
		*out = NULL;
	}
	return rc;
}

/* ---- register, login, logout ---- */

/* After register or login: save server and token, say who we are. */
static int
cli_logged_in(struct cli *c, const struct proto_frame *f, const char *verb)
{
	char url[1024], why[512];
	int rc;

	if (f->n_users == 0 || !f->token[0])
		return cli_fail(c, CLI_ERR_PROTO,
				"the reply has no user or token");
	net_url_format(&c->rpc.url, url, sizeof(url));
	rc = config_save(&c->cfg, url, f->token, c->cfg.insecure, why,
			 sizeof(why));
	if (rc != 0)
		return cli_fail(c, rc, "%s", why);
	if (c->json) {
		struct jw w;

		jw_init(&w, 0);
		jw_obj_open(&w);
		jw_key(&w, "user");
		proto_write_user(&w, &f->users[0], -1);
		jw_kstr(&w, "server", url);
		jw_kint(&w, "expires_at", f->expires_at);
		jw_obj_close(&w);
		cli_json_emit(&w);
	} else {
		printf("%s as @", verb);
		util_fput_safe(stdout, f->users[0].handle, 0);
		fputs(" (", stdout);
		util_fput_safe(stdout, f->users[0].display_name, 0);
		printf(") on %s\n", url);
	}
	return 0;
}

static int
cmd_register(struct cli *c)
{
	const char *handle = c->args[0];
	const char *name = c->opt[OPT_NAME] ? c->opt[OPT_NAME] : handle;
	struct proto_frame f;
	enum td_team team;
	char *pw = NULL, *pw2 = NULL;
	struct jw w;
	int rc;

	memset(&f, 0, sizeof(f));
	if (!c->opt[OPT_TEAM] || td_team_parse(c->opt[OPT_TEAM], &team) != 0) {
		rc = cli_fail(c, CLI_ERR_USAGE,
			      "--team must be sales, marketing or other");
		goto out;
	}
	rc = cli_read_password(c, "Password: ", &pw);
	if (rc == 0 && !c->opt[OPT_PASSWORD_STDIN] && isatty(STDIN_FILENO)) {
		rc = cli_read_password(c, "Password (again): ", &pw2);
		if (rc == 0 && pw && pw2 && strcmp(pw, pw2) != 0)
			rc = cli_fail(c, CLI_ERR_USAGE,
				      "the passwords do not match");
	}
	if (rc != 0)
		goto out;
	rpc_begin(&c->rpc, &w, PROTO_OP_REGISTER);
	jw_kstr(&w, "handle", handle);
	jw_kstr(&w, "password", pw);
	jw_kstr(&w, "display_name", name);
	jw_kstr(&w, "team", td_team_name(team));
	if (c->opt[OPT_INVITE])
		jw_kstr(&w, "invite", c->opt[OPT_INVITE]);
	rc = rpc_call(&c->rpc, &w, &f, RPC_REPLY_TIMEOUT_MS);
	if (rc == 0)
		rc = cli_logged_in(c, &f, "registered and logged in");
out:
	proto_frame_fini(&f);
	cli_free_secret(pw);
	cli_free_secret(pw2);
	return rc;
}

static int
cmd_login(struct cli *c)
{
	struct proto_frame f;
	char *pw = NULL;
	struct jw w;
	int rc;

	memset(&f, 0, sizeof(f));
	rc = cli_read_password(c, "Password: ", &pw);
	if (rc != 0)
		goto out;
	rpc_begin(&c->rpc, &w, PROTO_OP_LOGIN);
	jw_kstr(&w, "handle", c->args[0]);
	jw_kstr(&w, "password", pw);
	rc = rpc_call(&c->rpc, &w, &f, RPC_REPLY_TIMEOUT_MS);
	if (rc == 0)
		rc = cli_logged_in(c, &f, "logged in");
out:
	proto_frame_fini(&f);
	cli_free_secret(pw);
	return rc;
}

/*
 * Revoke the token on the server, then forget it locally. A token the
 * server no longer knows is forgotten quietly; when the server cannot be
 * reached the token is still forgotten, and the exit status says so.
 */
static int
cmd_logout(struct cli *c)
{
	struct proto_frame f;
	char why[512];
	int rc, rc_save = 0;

	memset(&f, 0, sizeof(f));
	if (!c->cfg.token) {
		fputs("tandem: not logged in\n", stderr);
		return 0;
	}
	rc = cli_session(c);
	if (rc == 0)
		rc = cli_simple(c, PROTO_OP_LOGOUT, &f);
	if (rc == TD_ERR_BAD_TOKEN)
		rc = 0;
	if (c->cfg.token_from_file && rc != CLI_ERR_USAGE &&
	    rc != CLI_ERR_CONFIG)
		rc_save = config_save(&c->cfg, c->cfg.file_server, NULL,
				      c->cfg.file_insecure, why, sizeof(why));
	if (rc == 0 && rc_save != 0)
		rc = cli_fail(c, rc_save, "%s", why);
	else if (rc == CLI_ERR_NET && c->cfg.token_from_file)
		cli_fail(c, CLI_ERR_NET,
			 "%s; the token was forgotten here but "
			 "is still valid on the server",
			 c->rpc.err_msg);
	if (rc == 0 && !c->json)
		puts("logged out");
	proto_frame_fini(&f);
	return rc;
}

/* ---- conversations ---- */

/*
 * For a dm or group, a label naming its members ("@bob", "group: @a, @b")
 * from conv.get; falls back to the kind when the lookup fails. Returns 0,
 * or CLI_ERR_NET when the connection is gone.
 */
static int
cli_members_label(struct cli *c, const struct td_conv *cv, struct sbuf *out,
		  struct jw *json)
{
	struct proto_frame f;
	struct jw w;
	char handle[TD_HANDLE_MAX + 16];
	size_t i, shown = 0;
	int rc;

	rpc_begin(&c->rpc, &w, PROTO_OP_CONV_GET);
	jw_kint(&w, "conv", cv->id);
	rc = rpc_call(&c->rpc, &w, &f, RPC_REPLY_TIMEOUT_MS);
	if (rc != 0) {
		sbuf_adds(out, td_conv_kind_name(cv->kind));
		goto out;
	}
	if (cv->kind == TD_CONV_GROUP)
		sbuf_adds(out, "group: ");
	if (json) {
		jw_key(json, "members");
		jw_arr_open(json);
	}
	for (i = 0; i < f.n_members; i++) {
		cli_handle_of(c, f.members[i], handle, sizeof(handle));
		if (json)
			jw_str(json, handle);
		/* A dm is labelled by the other person (or yourself). */
		if (cv->kind == TD_CONV_DM && f.members[i] == c->me.id &&
		    f.n_members > 1)
			continue;
		sbuf_addf(out, "%s@%s", shown++ ? ", " : "", handle);
	}
	if (json)
		jw_arr_close(json);
out:
	proto_frame_fini(&f);
	/* Only a lost connection stops the listing. */
	return rc == CLI_ERR_NET ? rc : 0;
}

static int
cmd_channels(struct cli *c)
{
	struct proto_frame f;
	size_t i, lookups = 0;
	int rc = cli_simple(c, PROTO_OP_CONV_LIST, &f);

	if (rc != 0)
		goto out;
	if (!c->json && f.n_convs)
		printf("%-6s %-28s %-7s %s\n", "ID", "NAME", "MEMBER", "TOPIC");
	for (i = 0; i < f.n_convs; i++) {
		const struct td_conv *cv = &f.convs[i];
		bool lookup = cv->kind != TD_CONV_CHANNEL &&
			      lookups < CHANNELS_MAX_LOOKUPS;
		struct sbuf label;
		struct jw w;

		sbuf_init(&label);
		if (lookup)
			lookups++;
		if (c->json) {
			jw_init(&w, 0);
			jw_obj_open(&w);
			cli_json_conv_fields(&w, cv);
			if (lookup)
				rc = cli_members_label(c, cv, &label, &w);
			jw_obj_close(&w);
			if (rc == 0)
				cli_json_emit(&w);
			else
				jw_fini(&w);
		} else {
			if (cv->kind == TD_CONV_CHANNEL)
				sbuf_addf(&label, "#%s%s", cv->name,
					  cv->is_private ? " (private)" : "");
			else if (lookup)
				rc = cli_members_label(c, cv, &label, NULL);
			else
				sbuf_adds(&label, td_conv_kind_name(cv->kind));
			if (cv->archived)
				sbuf_adds(&label, " (archived)");
			printf("%-6" PRId64 " ", cv->id);
			util_fput_safe(stdout, label.s, 0);
			printf("%*s %-7s ",
			       label.len < 28 ? (int)(28 - label.len) : 0, "",
			       cv->member ? "yes" : "no");
			util_fput_safe(stdout, cv->topic, 0);
			fputc('\n', stdout);
		}
		sbuf_fini(&label);
		if (rc != 0)
			break;
	}
out:
	proto_frame_fini(&f);
	return rc;
}

static int
cmd_join(struct cli *c)
{
	struct proto_frame f;
	struct td_conv cv;
	char label[TD_CHANNEL_NAME_MAX + 32];
	struct jw w;
	int rc;

	memset(&f, 0, sizeof(f));
	rc = cli_resolve_conv(c, c->args[0], &cv);
	if (rc != 0)
		goto out;
	rpc_begin(&c->rpc, &w, PROTO_OP_CONV_JOIN);
	jw_kint(&w, "conv", cv.id);
	rc = rpc_call(&c->rpc, &w, &f, RPC_REPLY_TIMEOUT_MS);
	if (rc == TD_ERR_CONFLICT) {
		cli_conv_label(&cv, label, sizeof(label));
		rc = cli_fail(c, rc, "already a member of %s", label);
	}
	if (rc != 0)
		goto out;
	if (f.n_convs)
		cv = f.convs[0];
	cv.member = true;
	if (c->json) {
		cli_print_conv_json(&cv);
	} else {
		cli_conv_label(&cv, label, sizeof(label));
		fputs("joined ", stdout);
		util_fput_safe(stdout, label, 0);
		fputc('\n', stdout);
	}
out:
	proto_frame_fini(&f);
	return rc;
}

static int
cmd_create(struct cli *c)
{
	const char *name = c->args[0];
	struct proto_frame f;
	struct jw w;
	int rc;

	if (name[0] == '#')
		name++;
	rpc_begin(&c->rpc, &w, PROTO_OP_CONV_CREATE);
	jw_kstr(&w, "kind", "channel");
	jw_kstr(&w, "name", name);
	if (c->opt[OPT_TOPIC])
		jw_kstr(&w, "topic", c->opt[OPT_TOPIC]);
	if (c->opt[OPT_PRIVATE])
		jw_kbool(&w, "private", true);
	rc = rpc_call(&c->rpc, &w, &f, RPC_REPLY_TIMEOUT_MS);
	if (rc == TD_ERR_CONFLICT)
		rc = cli_fail(c, rc, "a channel named #%s already exists",
			      name);
	if (rc == 0 && f.n_convs == 0)
		rc = cli_fail(c, CLI_ERR_PROTO,
			      "the reply has no conversation");
	if (rc != 0)
		goto out;
	f.convs[0].member = true;
	if (c->json) {
		cli_print_conv_json(&f.convs[0]);
	} else {
		fputs("created #", stdout);
		util_fput_safe(stdout, f.convs[0].name, 0);
		printf(" (id %" PRId64 ")\n", f.convs[0].id);
	}
out:
	proto_frame_fini(&f);
	return rc;
}

/* ---- messages ---- */

/*
 * --wait SECONDS: how long post keeps trying to reach the server, in ms;
 * 0 when not given. Returns 0 or CLI_ERR_USAGE.
 */
static int
cli_wait_ms(struct cli *c, int64_t *ms)
{
	const char *s = c->opt[OPT_WAIT];
	char *end;
	long n;

	*ms = 0;
	if (!s)
		return 0;
	errno = 0;
	n = strtol(s, &end, 10);
	if (errno || end == s || *end || n < 0 || n > POST_WAIT_MAX_S)
		return cli_usage_fail(c,
				      "--wait must be a number of seconds "
				      "from 0 to %d",
				      POST_WAIT_MAX_S);
	*ms = (int64_t)n * 1000;
	return 0;
}

/*
 * The nonce of a post: --nonce (so that a script re-running the same post
 * stores it once), else a random one.
 */
static int
cli_nonce(struct cli *c, char *nonce, size_t size)
{
	const char *s = c->opt[OPT_NONCE];
	size_t i, n;

	if (!s) {
		nonce[0] = 't';
		util_random_hex(nonce + 1, 24);
		return 0;
	}
	n = strlen(s);
	for (i = 0; i < n; i++)
		if (s[i] < 0x21 || s[i] > 0x7e)
			break;
	if (n == 0 || n > TD_NONCE_MAX || n >= size || i < n)
		return cli_usage_fail(c,
				      "--nonce must be 1 to %d printable "
				      "ASCII characters without spaces",
				      TD_NONCE_MAX);
	memcpy(nonce, s, n + 1);
	return 0;
}

/*
 * Post body to the conversation named by target. Every attempt carries the
 * same nonce, so an attempt whose reply was lost cannot store the message
 * twice. Without --wait a lost connection is retried once; with --wait the
 * client keeps reconnecting (with backoff) until the time is up, also when
 * the server was down from the start (main then left the session to us).
 */
static int
cli_post(struct cli *c, const char *target, const char *text)
{
	struct proto_frame f;
	struct td_conv cv;
	bool resolved = false;
	char nonce[TD_NONCE_MAX + 1];
	char *body = NULL;
	int64_t wait_ms, deadline, backoff = POST_BACKOFF_MIN_MS;
	struct jw w;
	int attempt, rc;

	memset(&f, 0, sizeof(f));
	rc = cli_wait_ms(c, &wait_ms);
	if (rc == 0)
		rc = cli_nonce(c, nonce, sizeof(nonce));
	if (rc == 0)
		rc = cli_read_body(c, text, "the message", &body);
	if (rc != 0)
		goto out;
	deadline = util_now_ms() + wait_ms;
	for (attempt = 0;; attempt++) {
		if (attempt > 0 || !c->rpc.net)
			rc = cli_session(c);
		if (rc == 0 && !resolved) {
			rc = cli_resolve_conv(c, target, &cv);
			resolved = rc == 0;
		}
		if (rc == 0) {
			rpc_begin(&c->rpc, &w, PROTO_OP_MSG_SEND);
			jw_kint(&w, "conv", cv.id);
			jw_kstr(&w, "body", body);
			jw_kstr(&w, "nonce", nonce);
			proto_frame_fini(&f);
			rc = rpc_call(&c->rpc, &w, &f, RPC_REPLY_TIMEOUT_MS);
		}
		if (rc != CLI_ERR_NET)
			break;
		if (wait_ms == 0 && attempt > 0)
			break;
		if (wait_ms > 0 && util_now_ms() >= deadline)
			break;
		util_sleep_ms(wait_ms == 0 ? POST_RETRY_MS : backoff);
		backoff = backoff * 2 > POST_BACKOFF_MAX_MS
				  ? POST_BACKOFF_MAX_MS
				  : backoff * 2;
	}
	if (rc != 0)
		goto out;
	if (f.n_messages == 0) {
		rc = cli_fail(c, CLI_ERR_PROTO, "the reply has no message");
		goto out;
	}
	if (c->json)
		cli_print_message(c, &f.messages[0], NULL);
out:
	proto_frame_fini(&f);
	free(body);
	return rc;
}

/* post and dm: --wait and --nonce. */
static int
check_post(struct cli *c)
{
	char nonce[TD_NONCE_MAX + 1];
	int64_t wait_ms;
	int rc = cli_wait_ms(c, &wait_ms);

	return rc ? rc : cli_nonce(c, nonce, sizeof(nonce));
}

static int
cmd_post(struct cli *c)
{
	return cli_post(c, c->args[0], c->n_args > 1 ? c->args[1] : NULL);
}

static int
cmd_dm(struct cli *c)
{
	const char *handle = c->args[0];
	char *target;
	int rc;

	if (handle[0] == '@')
		handle++;
	target = xasprintf("@%s", handle);
	rc = cli_post(c, target, c->n_args > 1 ? c->args[1] : NULL);
	free(target);
	return rc;
}

/*
 * One page of msg.history: the newest (after < 0) or the one after a
 * message id. Prints messages with id > *last_id and raises *last_id.
 * *more says whether a forward page has more after it.
 */
static int
cli_history_page(struct cli *c, int64_t conv, int limit, int64_t after,
		 int64_t *last_id, bool *more)
{
	struct proto_frame f;
	struct jw w;
	size_t i;
	int rc;

	rpc_begin(&c->rpc, &w, PROTO_OP_MSG_HISTORY);
	jw_kint(&w, "conv", conv);
	if (after >= 0)
		jw_kint(&w, "after", after);
	if (limit > 0)
		jw_kint(&w, "limit", limit);
	rc = rpc_call(&c->rpc, &w, &f, RPC_REPLY_TIMEOUT_MS);
	if (rc != 0)
		goto out;
	for (i = 0; i < f.n_messages; i++) {
		if (f.messages[i].id <= *last_id)
			continue;
		cli_print_message(c, &f.messages[i], NULL);
		*last_id = f.messages[i].id;
	}
	*more = f.more;
out:
	proto_frame_fini(&f);
	return rc;
}

static int
cmd_history(struct cli *c)
{
	struct td_conv cv;
	int64_t last_id = 0;
	bool more;
	int rc;

	rc = cli_resolve_conv(c, c->args[0], &cv);
	if (rc == 0)
		rc = cli_history_page(c, cv.id, c->limit, -1, &last_id, &more);
	return rc;
}

/* ---- tail ---- */

struct tail {
	int64_t conv;
	int64_t last_id;  /* newest message printed */
	int64_t last_seq; /* newest event processed */
};

/* Handle one event: print new messages of the conversation, once. */
static void
tail_event(struct cli *c, struct tail *t, const struct proto_frame *ev)
{
	const struct td_message *m = ev->n_messages ? &ev->messages[0] : NULL;

	if (ev->seq > 0) {
		if (ev->seq <= t->last_seq)
			return; /* already processed */
		t->last_seq = ev->seq;
	}
	if ((strcmp(ev->event, "user.new") == 0 ||
	     strcmp(ev->event, "member.join") == 0) &&
	    ev->n_users) {
		cli_add_user(c, &ev->users[0]);
	} else if (strcmp(ev->event, "message.new") == 0 && m &&
		   m->conv == t->conv) {
		if (m->id <= t->last_id)
			return;
		cli_print_message(c, m, NULL);
		t->last_id = m->id;
	} else if ((strcmp(ev->event, "message.edit") == 0 ||
		    strcmp(ev->event, "message.delete") == 0) &&
		   m && m->conv == t->conv && m->id <= t->last_id) {
		cli_print_message(c, m, ev->event);
	} else if (strcmp(ev->event, "member.leave") == 0 &&
		   ev->conv_id == t->conv && ev->user_id == c->me.id) {
		fputs("tandem: you are no longer a member of this "
		      "conversation\n",
		      stderr);
	}
}

/* After a resync: print what came after the last printed message. */
static int
tail_catch_up(struct cli *c, struct tail *t)
{
	bool more = true;
	int rc = 0;

	while (rc == 0 && more)
		rc = cli_history_page(c, t->conv, TD_HISTORY_MAX, t->last_id,
				      &t->last_id, &more);
	return rc;
}

/* True for errors worth reconnecting after. */
static bool
tail_transient(int rc)
{
	return rc == CLI_ERR_NET || rc == TD_ERR_BUSY ||
	       rc == TD_ERR_RATE_LIMITED || rc == TD_ERR_INTERNAL ||
	       rc == TD_ERR_STORAGE;
}

/*
 * Reconnect with backoff and resume after t->last_seq, so that the server
 * replays exactly the events missed. Returns 0, or a permanent error (the
 * token was revoked).
 */
static int
tail_reconnect(struct cli *c, struct tail *t)
{
	int64_t backoff = TAIL_BACKOFF_MIN_MS;
	struct proto_frame f;
	int rc;

	memset(&f, 0, sizeof(f));
	fputs("tandem: ", stderr);
	util_fput_safe(stderr, c->rpc.err_msg, 0);
	fputs("; reconnecting\n", stderr);
	for (;;) {
		char jitter[3];

		util_random_hex(jitter, 2);
		util_sleep_ms(backoff +
			      backoff * strtol(jitter, NULL, 16) / 1024);
		rc = rpc_connect(&c->rpc);
		if (rc == 0)
			rc = cli_hello(c, t->last_seq, &f);
		if (rc == 0) {
			bool resync = f.resync;
			int64_t head = f.head;

			proto_frame_fini(&f);
			if (resync) {
				fputs("tandem: missed events are no longer "
				      "kept; catching up from history\n",
				      stderr);
				rc = tail_catch_up(c, t);
				if (rc == 0 && head > t->last_seq)
					t->last_seq = head;
			}
		}
		if (rc == 0) {
			fputs("tandem: reconnected\n", stderr);
			return 0;
		}
		if (!tail_transient(rc))
			return rc;
		backoff = backoff * 2 > TAIL_BACKOFF_MAX_MS
				  ? TAIL_BACKOFF_MAX_MS
				  : backoff * 2;
	}
}

static int
cmd_tail(struct cli *c)
{
	struct proto_frame ev;
	struct td_conv cv;
	struct tail t;
	bool more;
	int rc;

	memset(&t, 0, sizeof(t));
	c->rpc.keep_events = true;
	t.last_seq = c->head;
	rc = cli_resolve_conv(c, c->args[0], &cv);
	if (rc != 0)
		return rc;
	t.conv = cv.id;
	if (!cv.member)
		fputs("tandem: note: you are not a member of this "
		      "conversation; join it to see new messages\n",
		      stderr);
	rc = cli_history_page(c, t.conv, c->limit, -1, &t.last_id, &more);
	if (rc != 0)
		return rc;
	fflush(stdout);
	for (;;) {
		rc = rpc_next_event(&c->rpc, &ev, TAIL_PING_MS);
		if (rc == 0) {
			tail_event(c, &t, &ev);
			proto_frame_fini(&ev);
			fflush(stdout);
			continue;
		}
		if (rc == 1) {
			/* Idle: make sure the connection is still alive. */
			struct jw w;

			rpc_begin(&c->rpc, &w, PROTO_OP_PING);
			rc = rpc_call(&c->rpc, &w, &ev, TAIL_PING_TIMEOUT_MS);
			proto_frame_fini(&ev);
			if (rc == 0)
				continue;
		}
		if (!tail_transient(rc))
			return rc;
		rc = tail_reconnect(c, &t);
		if (rc != 0)
			return rc;
		fflush(stdout);
	}
}

/* ---- users ---- */

static int
cmd_users(struct cli *c)
{
	size_t i;
	int rc = cli_load_users(c);

	if (rc != 0)
		return rc;
	for (i = 0; i < c->n_users; i++) {
		const struct td_user *u = &c->users[i];
		bool online = c->users_online && c->users_online[i];

		if (c->json) {
			struct jw w;

			jw_init(&w, 0);
			proto_write_user(&w, u, online);
			cli_json_emit(&w);
			continue;
		}
		printf("@%-20s ", u->handle);
		util_fput_safe(stdout, u->display_name, 0);
		printf("  (%s, %s%s)\n", td_team_name(u->team),
		       td_role_name(u->role), online ? ", online" : "");
	}
	return 0;
}

/* ---- main ---- */

int
main(int argc, char **argv)
{
	struct cli c;
	char why[512];
	bool help = false;
	int rc;

	memset(&c, 0, sizeof(c));
	setvbuf(stdout, NULL, _IOLBF, 0);
	rc = cli_parse(&c, argc, argv, &help);
	if (rc != 0)
		goto out;
	if (help) {
		if (c.group)
			cli_group_help(stdout, c.group);
		else if (!c.cmd || c.cmd->fn == cmd_help)
			cli_usage(stdout);
		else if (strchr(c.cmd->name, ' '))
			printf("usage:\n"), cli_print_cmd(stdout, c.cmd);
		else
			cli_group_help(stdout, c.cmd->name);
		goto out;
	}
	if (c.cmd && c.cmd->check)
		rc = c.cmd->check(&c);
	if (rc != 0)
		goto out;
	rc = config_load(&c.cfg, c.opt[OPT_SERVER], c.opt[OPT_TOKEN],
			 c.opt[OPT_INSECURE] != NULL, why, sizeof(why));
	if (rc != 0) {
		cli_fail(&c, rc, "%s", why);
		goto out;
	}
	if (!c.cmd) {
		rc = cli_need_server(&c);
		if (rc == 0)
			rc = tui_run(&c.rpc, &c.cfg);
		goto out;
	}
	if ((c.cmd->flags & CMD_AUTH) && c.opt[OPT_WAIT])
		rc = cli_need_server(&c); /* post --wait connects itself */
	else if (c.cmd->flags & CMD_AUTH)
		rc = cli_session(&c);
	else if (c.cmd->flags & CMD_CONNECT)
		rc = cli_need_server(&c);
	if (rc == 0 && (c.cmd->flags & CMD_CONNECT) && !c.rpc.net &&
	    !c.opt[OPT_WAIT])
		rc = rpc_connect(&c.rpc);
	if (rc == 0)
		rc = c.cmd->fn(&c);
out:
	if (rc != 0)
		cli_print_error(&c);
	fflush(stdout);
	if (c.rpc_ready)
		rpc_fini(&c.rpc);
	free(c.users);
	free(c.users_online);
	free(c.args);
	config_fini(&c.cfg);
	return cli_exit_status(rc);
}
