/*
 * h_search.c: search, over everything the caller may read.
 *
 * The query text is parsed by proto_parse_search() into filters and an
 * FTS5 query of quoted terms; filters naming a channel, a dm or a person
 * are resolved here. A filter naming something the caller cannot see (or
 * that does not exist) gives an empty page, never an error, so a search
 * cannot probe for private channels. The store applies visibility inside
 * the query itself: results are never filtered after the fact.
 */
#include <string.h>

#include "handlers.h"
#include "server.h"
#include "session.h"
#include "store.h"

static int
result_one(void *arg, const struct td_message *m, const char *snippet)
{
	struct jw *w = arg;

	jw_obj_open(w);
	jw_key(w, "message");
	proto_write_message(w, m);
	jw_kstr(w, "snippet", snippet);
	jw_obj_close(w);
	return 0;
}

/*
 * Resolve the parsed filters into q. Returns 0, TD_ERR_NOT_FOUND when a
 * filter names nothing the caller may see (an empty page), or an error.
 */
static int
resolve_filters(struct op_ctx *ctx, const struct proto_search *ps,
		struct store_search *q)
{
	struct store *st = ctx->srv->store;
	struct td_conv c;
	struct td_user u;
	int rc;

	if (ps->in_channel[0] != '\0') {
		rc = store_conv_by_name(st, ps->in_channel, &c);
		if (rc == 0)
			rc = conv_load_visible(ctx, c.id, &c);
		if (rc != 0)
			return rc;
		q->conv = c.id;
	}
	if (ps->in_dm[0] != '\0') {
		int64_t conv;

		rc = store_user_by_handle(st, ps->in_dm, &u, NULL, 0);
		if (rc == 0)
			rc = store_dm_find(st, ctx->s->user.id, u.id, &conv);
		if (rc != 0)
			return rc;
		q->conv = conv;
	}
	if (ps->from[0] != '\0') {
		rc = store_user_by_handle(st, ps->from, &u, NULL, 0);
		if (rc != 0)
			return rc;
		q->author = u.id;
	}
	return 0;
}

int
h_search(struct op_ctx *ctx)
{
	const struct proto_request *req = ctx->req;
	struct proto_search ps;
	struct store_search q;
	bool more = false;
	int rc = proto_parse_search(req->query, &ps);

	if (rc != 0) {
		ctx->why = ps.why;
		return rc;
	}
	memset(&q, 0, sizeof(q));
	q.user = ctx->s->user.id;
	q.fts = ps.fts;
	q.before_ms = ps.before_ms;
	q.after_ms = ps.after_ms;
	q.has_link = ps.has_link;
	q.limit = req->limit;
	q.offset = req->offset;
	rc = resolve_filters(ctx, &ps, &q);
	jw_key(ctx->out, "results");
	jw_arr_open(ctx->out);
	if (rc == 0)
		rc = store_search(ctx->srv->store, &q, &more, result_one,
				  ctx->out);
	else if (rc == TD_ERR_NOT_FOUND)
		rc = 0;
	jw_arr_close(ctx->out);
	jw_kbool(ctx->out, "more", more);
	return rc;
}
