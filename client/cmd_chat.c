/*
 * cmd_chat.c: `tandem search`: message search from the shell. The
 * command line's filters (--in, --from, --before, --after) become the
 * server's query syntax (in:#x, from:@x, before:, after:), words are
 * passed as they are (so has:link and the other filters work too), and
 * each result prints as one line: conversation, author, time, snippet.
 *
 * The snippet's highlight markers (U+0002, U+0003) never reach the
 * terminal as such: each piece of the snippet is sanitized on its own and
 * the highlight is drawn by this file, in bold on a terminal and between
 * brackets otherwise.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "util.h"

/* Results per search: the server's maximum. */
#define SEARCH_LIMIT_MAX 50

typedef const struct proto_value pv;

/* Conversation labels already looked up, by id. */
struct label_cache {
	struct {
		int64_t id;
		char *label;
	} e[SEARCH_LIMIT_MAX];
	size_t n;
};

/* A YYYY-MM-DD date: four digits, '-', two, '-', two. */
static bool
search_is_date(const char *s)
{
	static const char shape[] = "dddd-dd-dd";
	size_t i;

	for (i = 0; shape[i]; i++)
		if (shape[i] == 'd' ? (s[i] < '0' || s[i] > '9') : s[i] != '-')
			return false;
	return s[i] == '\0';
}

/*
 * The in: filter for --in: "@handle" stays, "#name" or "name" is a
 * channel, an id is looked up when resolve is set (a channel's id only:
 * the server's filter names channels and people).
 */
static int
search_in_filter(struct cli *c, const char *arg, bool resolve, struct sbuf *q)
{
	struct td_conv cv;
	int rc;

	if (arg[0] == '@' || arg[0] == '#') {
		sbuf_addf(q, " in:%s", arg);
		return 0;
	}
	if (arg[strspn(arg, "0123456789")] != '\0' || !resolve) {
		sbuf_addf(q, " in:#%s", arg);
		return 0;
	}
	rc = cli_resolve_conv(c, arg, &cv);
	if (rc == 0 && cv.kind != TD_CONV_CHANNEL)
		rc = cli_usage_fail(c, "--in takes #channel, @handle or a "
				       "channel's id");
	if (rc == 0)
		sbuf_addf(q, " in:#%s", cv.name);
	return rc;
}

/*
 * Build the query text from the words and the filter options; resolve:
 * look a channel id given to --in up (not while checking arguments).
 */
static int
search_query(struct cli *c, bool resolve, struct sbuf *q)
{
	const char *from = c->opt[OPT_FROM];
	int i, rc = cli_limit_max(c, SEARCH_LIMIT_MAX);

	for (i = 0; i < c->n_args; i++)
		sbuf_addf(q, " %s", c->args[i]);
	if (rc == 0 && c->opt[OPT_IN])
		rc = search_in_filter(c, c->opt[OPT_IN], resolve, q);
	if (rc == 0 && from)
		sbuf_addf(q, " from:@%s", from[0] == '@' ? from + 1 : from);
	if (rc == 0 &&
	    ((c->opt[OPT_BEFORE] && !search_is_date(c->opt[OPT_BEFORE])) ||
	     (c->opt[OPT_AFTER] && !search_is_date(c->opt[OPT_AFTER]))))
		rc = cli_usage_fail(c, "--before and --after take a date: "
				       "YYYY-MM-DD");
	if (rc == 0 && c->opt[OPT_BEFORE])
		sbuf_addf(q, " before:%s", c->opt[OPT_BEFORE]);
	if (rc == 0 && c->opt[OPT_AFTER])
		sbuf_addf(q, " after:%s", c->opt[OPT_AFTER]);
	if (rc == 0 && q->len == 0)
		rc = cli_usage_fail(c, "give words to search for, or a filter");
	if (rc == 0 && q->len - 1 > TD_QUERY_MAX)
		rc = cli_usage_fail(c, "the search is over %d bytes",
				    TD_QUERY_MAX);
	return rc;
}

/*
 * A label for a conversation: "#name" for a channel, "@a, @b" for a dm or
 * group (the other members), "request: title" for a record's. Cached.
 */
static const char *
search_conv_label(struct cli *c, struct label_cache *lc, int64_t id)
{
	struct proto_frame f;
	struct sbuf b;
	struct jw w;
	size_t i;
	int rc;

	for (i = 0; i < lc->n; i++)
		if (lc->e[i].id == id)
			return lc->e[i].label;
	sbuf_init(&b);
	rpc_begin(&c->rpc, &w, PROTO_OP_CONV_GET);
	jw_kint(&w, "conv", id);
	rc = rpc_call(&c->rpc, &w, &f, RPC_REPLY_TIMEOUT_MS);
	if (rc != 0 || f.n_convs == 0)
		sbuf_addf(&b, "conv %" PRId64, id);
	else if (f.convs[0].kind == TD_CONV_CHANNEL)
		sbuf_addf(&b, "#%s", f.convs[0].name);
	else if (f.convs[0].kind == TD_CONV_DM ||
		 f.convs[0].kind == TD_CONV_GROUP)
		for (i = 0; i < f.n_members; i++) {
			char h[TD_HANDLE_MAX + 24];

			if (f.members[i] == c->me.id && f.n_members > 1)
				continue;
			cli_handle_of(c, f.members[i], h, sizeof(h));
			sbuf_addf(&b, "%s@%s", b.len ? ", " : "", h);
		}
	else
		sbuf_addf(&b, "%s: %s", td_conv_kind_name(f.convs[0].kind),
			  f.convs[0].topic);
	proto_frame_fini(&f);
	if (lc->n == SEARCH_LIMIT_MAX) {
		free(lc->e[0].label);
		memmove(&lc->e[0], &lc->e[1], sizeof(lc->e[0]) * --lc->n);
	}
	lc->e[lc->n].id = id;
	lc->e[lc->n].label = sbuf_take(&b);
	return lc->e[lc->n++].label;
}

/*
 * The snippet, each piece sanitized, the highlighted ones between
 * `on` and `off`.
 */
static void
search_put_snippet(const char *s, const char *on, const char *off)
{
	struct sbuf piece;
	bool lit = false;

	sbuf_init(&piece);
	for (;; s++) {
		if (*s == '\0' || *s == '\x02' || *s == '\x03') {
			if (piece.len) {
				fputs(lit ? on : "", stdout);
				util_fput_safe(stdout, piece.s, SAN_NL_MARK);
				fputs(lit ? off : "", stdout);
			}
			piece.len = 0;
			piece.s[0] = '\0';
			if (*s == '\0')
				break;
			lit = *s == '\x02';
			continue;
		}
		sbuf_add(&piece, s, 1);
	}
	sbuf_fini(&piece);
}

static void
search_print(struct cli *c, struct label_cache *lc, pv *res, bool tty)
{
	pv *m = proto_value_get(res, "message");
	const char *label = search_conv_label(
		c, lc, proto_value_int(proto_value_get(m, "conv"), 0));
	char h[TD_HANDLE_MAX + 24], at[TD_HANDLE_MAX + 26], t[32];
	struct jw w;

	cli_handle_of(c, proto_value_int(proto_value_get(m, "author"), 0), h,
		      sizeof(h));
	if (c->json) {
		jw_init(&w, 0);
		jw_obj_open(&w);
		jw_kstr(&w, "conv_label", label);
		jw_kstr(&w, "handle", h);
		jw_key(&w, "message");
		proto_value_write(&w, m);
		jw_key(&w, "snippet");
		proto_value_write(&w, proto_value_get(res, "snippet"));
		jw_obj_close(&w);
		cli_json_emit(&w);
		return;
	}
	snprintf(at, sizeof(at), "@%s", h);
	util_format_utc(proto_value_int(proto_value_get(m, "created_at"), 0), t,
			sizeof(t));
	util_fput_cell(stdout, label, 16);
	fputc(' ', stdout);
	util_fput_cell(stdout, at, 10);
	printf(" %s  ", t);
	search_put_snippet(proto_value_str(proto_value_get(res, "snippet"), ""),
			   tty ? "\x1b[1m" : "[", tty ? "\x1b[22m" : "]");
	fputc('\n', stdout);
}

int
cmd_search(struct cli *c)
{
	struct label_cache lc;
	struct proto_frame f;
	struct sbuf q;
	struct jw w;
	pv *results = NULL;
	size_t i;
	int rc;

	memset(&lc, 0, sizeof(lc));
	memset(&f, 0, sizeof(f));
	sbuf_init(&q);
	rc = search_query(c, true, &q);
	if (rc == 0) {
		rpc_begin(&c->rpc, &w, PROTO_OP_SEARCH);
		jw_kstr(&w, "query", q.s + 1); /* without the leading space */
		if (c->limit)
			jw_kint(&w, "limit", c->limit);
		if (c->offset)
			jw_kint(&w, "offset", c->offset);
		rc = rpc_call(&c->rpc, &w, &f, RPC_REPLY_TIMEOUT_MS);
		results = proto_value_get(f.payload, "results");
	}
	for (i = 0; rc == 0 && i < proto_value_len(results); i++)
		search_print(c, &lc, proto_value_at(results, i),
			     isatty(STDOUT_FILENO));
	if (rc == 0 && !c->json && proto_value_len(results) == 0)
		fputs("no results\n", stdout);
	if (rc == 0 && !c->json && f.more)
		fputs("tandem: more results: use --offset\n", stderr);
	for (i = 0; i < lc.n; i++)
		free(lc.e[i].label);
	proto_frame_fini(&f);
	sbuf_fini(&q);
	return rc;
}

int
check_search(struct cli *c)
{
	struct sbuf q;
	int rc;

	sbuf_init(&q);
	rc = search_query(c, false, &q);
	sbuf_fini(&q);
	return rc;
}
