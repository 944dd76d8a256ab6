/*
 * dispatch.c: from one complete text frame to one reply. Rate limits, the
 * decode into a struct proto_request, the op table (handler, auth state,
 * whether it writes), the savepoint around writes, and the reply through the
 * batch. Frames that arrive while an async op (password hashing) runs are
 * held and replayed in order, so replies keep the order of requests.
 */
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "batch.h"
#include "fanout.h"
#include "frame.h"
#include "handlers.h"
#include "server.h"
#include "session.h"
#include "util.h"

/* Frames held while an async op runs; beyond this the client is flooding. */
#define DISPATCH_HELD_MAX (256u * 1024u)
/* Sustained request rate past which a connection is closed (4029). */
#define DISPATCH_FLOOD_FACTOR 5.0

struct op_row {
	op_handler fn;
	unsigned flags;
};

/* One row per op, indexed by enum proto_op. */
static const struct op_row op_table[PROTO_OP__COUNT] = {
	[PROTO_OP_HELLO] = { h_hello, OPF_ANON },
	[PROTO_OP_REGISTER] = { h_register, OPF_ANON | OPF_WRITE },
	[PROTO_OP_LOGIN] = { h_login, OPF_ANON | OPF_WRITE },
	[PROTO_OP_LOGOUT] = { h_logout, OPF_AUTH | OPF_WRITE },
	[PROTO_OP_PING] = { h_ping, 0 },
	[PROTO_OP_USER_LIST] = { h_user_list, OPF_AUTH },
	[PROTO_OP_INVITE_CREATE] = { h_invite_create, OPF_AUTH | OPF_WRITE },
	[PROTO_OP_CONV_LIST] = { h_conv_list, OPF_AUTH },
	[PROTO_OP_CONV_GET] = { h_conv_get, OPF_AUTH },
	[PROTO_OP_CONV_CREATE] = { h_conv_create, OPF_AUTH | OPF_WRITE },
	[PROTO_OP_DM_OPEN] = { h_dm_open, OPF_AUTH | OPF_WRITE },
	[PROTO_OP_CONV_JOIN] = { h_conv_join, OPF_AUTH | OPF_WRITE },
	[PROTO_OP_CONV_LEAVE] = { h_conv_leave, OPF_AUTH | OPF_WRITE },
	[PROTO_OP_CONV_INVITE] = { h_conv_invite, OPF_AUTH | OPF_WRITE },
	[PROTO_OP_CONV_REMOVE] = { h_conv_remove, OPF_AUTH | OPF_WRITE },
	[PROTO_OP_CONV_UPDATE] = { h_conv_update, OPF_AUTH | OPF_WRITE },
	[PROTO_OP_CONV_ARCHIVE] = { h_conv_archive, OPF_AUTH | OPF_WRITE },
	[PROTO_OP_MSG_SEND] = { h_msg_send, OPF_AUTH | OPF_WRITE },
	[PROTO_OP_MSG_EDIT] = { h_msg_edit, OPF_AUTH | OPF_WRITE },
	[PROTO_OP_MSG_DELETE] = { h_msg_delete, OPF_AUTH | OPF_WRITE },
	[PROTO_OP_MSG_HISTORY] = { h_msg_history, OPF_AUTH },
	[PROTO_OP_TYPING] = { h_typing, OPF_AUTH },
	[PROTO_OP_THREAD_REPLIES] = { h_thread_replies, OPF_AUTH },
	[PROTO_OP_THREAD_FOLLOW] = { h_thread_follow, OPF_AUTH | OPF_WRITE },
	[PROTO_OP_THREAD_LIST] = { h_thread_list, OPF_AUTH },
	[PROTO_OP_THREAD_READ] = { h_thread_read, OPF_AUTH | OPF_WRITE },
	[PROTO_OP_CONV_READ] = { h_conv_read, OPF_AUTH | OPF_WRITE },
	[PROTO_OP_CONV_UNREAD] = { h_conv_unread, OPF_AUTH | OPF_WRITE },
	[PROTO_OP_UNREAD_COUNTS] = { h_unread_counts, OPF_AUTH },
	[PROTO_OP_MENTION_LIST] = { h_mention_list, OPF_AUTH },
	[PROTO_OP_REACT_ADD] = { h_react_add, OPF_AUTH | OPF_WRITE },
	[PROTO_OP_REACT_REMOVE] = { h_react_remove, OPF_AUTH | OPF_WRITE },
	[PROTO_OP_PIN_ADD] = { h_pin_add, OPF_AUTH | OPF_WRITE },
	[PROTO_OP_PIN_REMOVE] = { h_pin_remove, OPF_AUTH | OPF_WRITE },
	[PROTO_OP_PIN_LIST] = { h_pin_list, OPF_AUTH },
	[PROTO_OP_SAVE_ADD] = { h_save_add, OPF_AUTH | OPF_WRITE },
	[PROTO_OP_SAVE_REMOVE] = { h_save_remove, OPF_AUTH | OPF_WRITE },
	[PROTO_OP_SAVE_LIST] = { h_save_list, OPF_AUTH },
	[PROTO_OP_SEARCH] = { h_search, OPF_AUTH },
	[PROTO_OP_CONV_PREFS] = { h_conv_prefs, OPF_AUTH | OPF_WRITE },
	[PROTO_OP_MSG_SCHEDULE] = { h_msg_schedule, OPF_AUTH | OPF_WRITE },
	[PROTO_OP_SCHEDULE_LIST] = { h_schedule_list, OPF_AUTH },
	[PROTO_OP_SCHEDULE_CANCEL] = { h_schedule_cancel,
				       OPF_AUTH | OPF_WRITE },
	[PROTO_OP_REMIND_ADD] = { h_remind_add, OPF_AUTH | OPF_WRITE },
	[PROTO_OP_REMIND_LIST] = { h_remind_list, OPF_AUTH },
	[PROTO_OP_REMIND_CANCEL] = { h_remind_cancel, OPF_AUTH | OPF_WRITE },
	[PROTO_OP_REQUEST_TEMPLATES] = { h_request_templates, OPF_AUTH },
	[PROTO_OP_REQUEST_CREATE] = { h_request_create, OPF_AUTH | OPF_WRITE },
	[PROTO_OP_REQUEST_GET] = { h_request_get, OPF_AUTH },
	[PROTO_OP_REQUEST_LIST] = { h_request_list, OPF_AUTH },
	[PROTO_OP_REQUEST_UPDATE] = { h_request_update, OPF_AUTH | OPF_WRITE },
	[PROTO_OP_REQUEST_MOVE] = { h_request_move, OPF_AUTH | OPF_WRITE },
	[PROTO_OP_REQUEST_ASSIGN] = { h_request_assign, OPF_AUTH | OPF_WRITE },
	[PROTO_OP_REQUEST_WATCH] = { h_request_watch, OPF_AUTH | OPF_WRITE },
	[PROTO_OP_REQUEST_DELIVER] = { h_request_deliver, OPF_AUTH | OPF_WRITE },
	[PROTO_OP_REQUEST_VERDICT] = { h_request_verdict, OPF_AUTH | OPF_WRITE },
	[PROTO_OP_REQUEST_LINK] = { h_request_link, OPF_AUTH | OPF_WRITE },
	[PROTO_OP_SLA_GET] = { h_sla_get, OPF_AUTH },
	[PROTO_OP_SLA_SET] = { h_sla_set, OPF_AUTH | OPF_WRITE },
	[PROTO_OP_FEEDBACK_TO_REQUEST] = { h_feedback_to_request, OPF_AUTH | OPF_WRITE },
	[PROTO_OP_FEEDBACK_CREATE] = { h_feedback_create, OPF_AUTH | OPF_WRITE },
	[PROTO_OP_FEEDBACK_GET] = { h_feedback_get, OPF_AUTH },
	[PROTO_OP_FEEDBACK_LIST] = { h_feedback_list, OPF_AUTH },
	[PROTO_OP_FEEDBACK_VOTE] = { h_feedback_vote, OPF_AUTH | OPF_WRITE },
	[PROTO_OP_FEEDBACK_UNVOTE] = { h_feedback_unvote, OPF_AUTH | OPF_WRITE },
	[PROTO_OP_FEEDBACK_STATUS] = { h_feedback_status, OPF_AUTH | OPF_WRITE },
	[PROTO_OP_FEEDBACK_SPIKES] = { h_feedback_spikes, OPF_AUTH },
	[PROTO_OP_PAIR_CREATE] = { h_pair_create, OPF_AUTH | OPF_WRITE },
	[PROTO_OP_PAIR_END] = { h_pair_end, OPF_AUTH | OPF_WRITE },
	[PROTO_OP_PAIR_LIST] = { h_pair_list, OPF_AUTH },
	[PROTO_OP_BUDDY_GET] = { h_buddy_get, OPF_AUTH },
	[PROTO_OP_ROUND_RUN] = { h_round_run, OPF_AUTH | OPF_WRITE },
	[PROTO_OP_ROUND_CONFIG] = { h_round_config, OPF_AUTH | OPF_WRITE },
	[PROTO_OP_ROUND_GET] = { h_round_get, OPF_AUTH },
	[PROTO_OP_PAIR_PREFS] = { h_pair_prefs, OPF_AUTH | OPF_WRITE },
	[PROTO_OP_PAIR_HEALTH] = { h_pair_health, OPF_AUTH },
	[PROTO_OP_GLOSSARY_CREATE] = { h_glossary_create, OPF_AUTH | OPF_WRITE },
	[PROTO_OP_GLOSSARY_EDIT] = { h_glossary_edit, OPF_AUTH | OPF_WRITE },
	[PROTO_OP_GLOSSARY_GET] = { h_glossary_get, OPF_AUTH },
	[PROTO_OP_GLOSSARY_LIST] = { h_glossary_list, OPF_AUTH },
	[PROTO_OP_GLOSSARY_ACK] = { h_glossary_ack, OPF_AUTH | OPF_WRITE },
	[PROTO_OP_APPROVER_SET] = { h_approver_set, OPF_AUTH | OPF_WRITE },
	[PROTO_OP_DASHBOARD] = { h_dashboard, OPF_AUTH },
	[PROTO_OP_TEST_CLOCK] = { h_test_clock, OPF_AUTH },
};

/* Queue an error reply for request `id` (-1: unknown id). */
static void
dispatch_error(struct server *srv, struct session *s, int64_t id, int err,
	       const char *why)
{
	struct jw w;

	jw_init(&w, FRAME_HEADROOM);
	proto_write_error(&w, id, err, why);
	batch_reply(srv, s, frame_from_jw(&w), id, false);
}

/*
 * Run a handler with its savepoint and queue its reply. `rc` from the
 * handler decides: 0 answers the result, OP_ASYNC answers nothing yet,
 * anything else answers the error.
 */
static void
dispatch_run(struct server *srv, struct session *s, struct proto_request *req,
	     bool writes, op_handler fn, void *async)
{
	struct op_ctx ctx;
	struct batch_item *it;
	struct jw out;
	int rc;

	memset(&ctx, 0, sizeof(ctx));
	ctx.srv = srv;
	ctx.s = s;
	ctx.req = req;
	ctx.out = &out;
	ctx.async = async;
	jw_init(&out, FRAME_HEADROOM);
	proto_reply_open(&out, req->id);
	if (writes) {
		rc = batch_write_begin(srv);
		if (rc == 0) {
			rc = fn(&ctx);
			batch_write_end(srv, rc == 0);
		}
	} else {
		rc = fn(&ctx);
	}
	if (rc == OP_ASYNC) {
		jw_fini(&out);
		return;
	}
	if (rc != 0) {
		jw_fini(&out);
		dispatch_error(srv, s, req->id, rc, ctx.why);
		return;
	}
	proto_reply_close(&out);
	it = batch_reply(srv, s, frame_from_jw(&out), req->id, writes);
	it->start_catch_up = ctx.catch_up;
	it->close_token = ctx.close_token;
}

/* Hold a frame while an async op of the same session runs. */
static void
dispatch_hold(struct session *s, const char *buf, size_t len)
{
	struct held_frame *h;

	if (s->held_bytes + len > DISPATCH_HELD_MAX) {
		session_close(s, CLOSE_FLOOD, "too many requests");
		return;
	}
	h = xmalloc(sizeof(*h) + len);
	h->next = NULL;
	h->len = len;
	memcpy(h->data, buf, len);
	if (s->held_tail != NULL)
		s->held_tail->next = h;
	else
		s->held_head = h;
	s->held_tail = h;
	s->held_bytes += len;
}

void
dispatch_frame(struct server *srv, struct session *s, const char *buf,
	       size_t len)
{
	struct proto_request req;
	const struct op_row *row;
	char why[160];
	int64_t id = -1, now = util_mono_ms();
	int rc;

	if (s->dead || s->closing)
		return;
	if (s->async_busy) {
		dispatch_hold(s, buf, len);
		return;
	}
	if (!srv->opt.no_rate_limit &&
	    !bucket_take(&s->flood, TD_RATE_PER_SEC * DISPATCH_FLOOD_FACTOR,
			 TD_RATE_BURST * DISPATCH_FLOOD_FACTOR, now)) {
		session_close(s, CLOSE_FLOOD, "flooding");
		return;
	}
	why[0] = '\0';
	rc = proto_decode_request(buf, len, &req, &id, why, sizeof(why));
	if (rc != 0) {
		dispatch_error(srv, s, id, rc, why[0] ? why : NULL);
		goto out;
	}
	if (!srv->opt.no_rate_limit &&
	    !bucket_take(&s->rate, TD_RATE_PER_SEC, TD_RATE_BURST, now)) {
		dispatch_error(srv, s, req.id, TD_ERR_RATE_LIMITED,
			       "too many requests; slow down");
		goto out;
	}
	row = &op_table[req.op];
	assert(row->fn != NULL);
	if ((row->flags & OPF_AUTH) && s->state != SESSION_AUTHED) {
		dispatch_error(srv, s, req.id, TD_ERR_UNAUTHENTICATED, NULL);
		goto out;
	}
	if ((row->flags & OPF_ANON) && s->state == SESSION_AUTHED) {
		dispatch_error(srv, s, req.id, TD_ERR_ALREADY_AUTHENTICATED,
			       NULL);
		goto out;
	}
	dispatch_run(srv, s, &req, (row->flags & OPF_WRITE) != 0, row->fn,
		     NULL);
out:
	proto_request_fini(&req);
	batch_flush_if_due(srv);
}

void
dispatch_resume(struct server *srv, struct session *s)
{
	struct held_frame *h;

	while (!s->async_busy && !s->dead && (h = s->held_head) != NULL) {
		s->held_head = h->next;
		if (s->held_head == NULL)
			s->held_tail = NULL;
		s->held_bytes -= h->len;
		dispatch_frame(srv, s, h->data, h->len);
		free(h);
	}
	if (!s->async_busy && !s->dead)
		ws_rx_pause(s, false);
}

struct proto_request *
dispatch_request_steal(struct proto_request *req)
{
	struct proto_request *copy = xmalloc(sizeof(*copy));

	*copy = *req;
	req->password = NULL;
	req->body = NULL;
	return copy;
}

void
dispatch_request_free(struct proto_request *req)
{
	if (req == NULL)
		return;
	proto_request_fini(req);
	free(req);
}

void
dispatch_async_begin(struct session *s)
{
	s->async_busy = true;
	ws_rx_pause(s, true);
}

void
dispatch_async_done(struct server *srv, struct session *s,
		    struct proto_request *req, bool writes, op_handler run,
		    void *async)
{
	if (s == NULL || s->dead)
		return;
	s->async_busy = false;
	if (!s->closing)
		dispatch_run(srv, s, req, writes, run, async);
	dispatch_resume(srv, s);
}
