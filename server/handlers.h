/*
 * handlers.h: the op handlers, one file per message family (h_auth.c,
 * h_conv.c, h_msg.c, h_thread.c, h_read.c, h_react.c, h_search.c, and
 * schedule.c for scheduled messages and reminders), and the context
 * dispatch.c gives them.
 *
 * A handler authorizes the request, reads and writes the store (a write op
 * runs inside its own savepoint of the turn's batch), queues the events it
 * causes with fanout_open()/fanout_commit(), and writes the members of its
 * result into ctx->out. It returns 0, a negative TD_ERR_* code (dispatch
 * then answers the error and rolls back the savepoint), or OP_ASYNC when the
 * work continues on the worker pool and the reply comes later
 * (dispatch_async_done()).
 */
#ifndef TANDEM_HANDLERS_H
#define TANDEM_HANDLERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tandem/proto.h"

struct server;
struct session;

#define OP_ASYNC 1

struct op_ctx {
	struct server *srv;
	struct session *s;
	struct proto_request *req;
	struct jw *out;		/* result members go here */
	const char *why;	/* optional message for an error reply */
	bool catch_up;		/* replay stored events after the reply */
	int64_t close_token;	/* close this token's sessions after it */
	void *async;		/* the finished job, in async continuations */
};

/* Op flags in dispatch.c's table. */
#define OPF_AUTH 0x1		/* needs an authenticated session */
#define OPF_ANON 0x2		/* only before authentication */
#define OPF_WRITE 0x4		/* runs in a savepoint; ack after commit */

typedef int (*op_handler)(struct op_ctx *ctx);

/* h_auth.c */
int h_hello(struct op_ctx *ctx);
int h_register(struct op_ctx *ctx);
int h_login(struct op_ctx *ctx);
int h_logout(struct op_ctx *ctx);
int h_ping(struct op_ctx *ctx);
int h_user_list(struct op_ctx *ctx);
int h_invite_create(struct op_ctx *ctx);
/* h_conv.c */
int h_conv_list(struct op_ctx *ctx);
int h_conv_get(struct op_ctx *ctx);
int h_conv_create(struct op_ctx *ctx);
int h_dm_open(struct op_ctx *ctx);
int h_conv_join(struct op_ctx *ctx);
int h_conv_leave(struct op_ctx *ctx);
int h_conv_invite(struct op_ctx *ctx);
int h_conv_remove(struct op_ctx *ctx);
int h_conv_update(struct op_ctx *ctx);
int h_conv_archive(struct op_ctx *ctx);
int h_typing(struct op_ctx *ctx);
/* h_msg.c */
int h_msg_send(struct op_ctx *ctx);
int h_msg_edit(struct op_ctx *ctx);
int h_msg_delete(struct op_ctx *ctx);
int h_msg_history(struct op_ctx *ctx);
/* h_thread.c */
int h_thread_replies(struct op_ctx *ctx);
int h_thread_follow(struct op_ctx *ctx);
int h_thread_list(struct op_ctx *ctx);
int h_thread_read(struct op_ctx *ctx);
/* h_read.c */
int h_conv_read(struct op_ctx *ctx);
int h_conv_unread(struct op_ctx *ctx);
int h_unread_counts(struct op_ctx *ctx);
int h_mention_list(struct op_ctx *ctx);
/* h_react.c */
int h_react_add(struct op_ctx *ctx);
int h_react_remove(struct op_ctx *ctx);
int h_pin_add(struct op_ctx *ctx);
int h_pin_remove(struct op_ctx *ctx);
int h_pin_list(struct op_ctx *ctx);
int h_save_add(struct op_ctx *ctx);
int h_save_remove(struct op_ctx *ctx);
int h_save_list(struct op_ctx *ctx);
/* h_search.c */
int h_search(struct op_ctx *ctx);
/* h_read.c */
int h_conv_prefs(struct op_ctx *ctx);
/* schedule.c */
int h_msg_schedule(struct op_ctx *ctx);
int h_schedule_list(struct op_ctx *ctx);
int h_schedule_cancel(struct op_ctx *ctx);
int h_remind_add(struct op_ctx *ctx);
int h_remind_list(struct op_ctx *ctx);
int h_remind_cancel(struct op_ctx *ctx);

/* Sales and marketing: h_request.c, h_feedback.c, h_pair.c,
 * h_glossary.c, h_dashboard.c. */
/* h_request.c */
int h_request_templates(struct op_ctx *ctx);
int h_request_create(struct op_ctx *ctx);
int h_request_get(struct op_ctx *ctx);
int h_request_list(struct op_ctx *ctx);
int h_request_update(struct op_ctx *ctx);
int h_request_move(struct op_ctx *ctx);
int h_request_assign(struct op_ctx *ctx);
int h_request_watch(struct op_ctx *ctx);
int h_request_deliver(struct op_ctx *ctx);
int h_request_verdict(struct op_ctx *ctx);
int h_request_link(struct op_ctx *ctx);
int h_sla_get(struct op_ctx *ctx);
int h_sla_set(struct op_ctx *ctx);
int h_feedback_to_request(struct op_ctx *ctx);
/* h_feedback.c */
int h_feedback_create(struct op_ctx *ctx);
int h_feedback_get(struct op_ctx *ctx);
int h_feedback_list(struct op_ctx *ctx);
int h_feedback_vote(struct op_ctx *ctx);
int h_feedback_unvote(struct op_ctx *ctx);
int h_feedback_status(struct op_ctx *ctx);
int h_feedback_spikes(struct op_ctx *ctx);
/* h_pair.c */
int h_pair_create(struct op_ctx *ctx);
int h_pair_end(struct op_ctx *ctx);
int h_pair_list(struct op_ctx *ctx);
int h_buddy_get(struct op_ctx *ctx);
int h_round_run(struct op_ctx *ctx);
int h_round_config(struct op_ctx *ctx);
int h_round_get(struct op_ctx *ctx);
int h_pair_prefs(struct op_ctx *ctx);
int h_pair_health(struct op_ctx *ctx);
/* h_glossary.c */
int h_glossary_create(struct op_ctx *ctx);
int h_glossary_edit(struct op_ctx *ctx);
int h_glossary_get(struct op_ctx *ctx);
int h_glossary_list(struct op_ctx *ctx);
int h_glossary_ack(struct op_ctx *ctx);
int h_approver_set(struct op_ctx *ctx);
/* h_dashboard.c */
int h_dashboard(struct op_ctx *ctx);
struct store_feedback_spike;
/* h_feedback.c: a store_feedback_spikes() callback writing one spike as a
 * JSON array element into the struct jw `arg` (feedback.spikes, dashboard). */
int feedback_write_spike(void *arg, const struct store_feedback_spike *sp);
/*
 * h_feedback.c: feedback item `id` was just linked to request `request`
 * (titled `title`): a system line in the item's conversation and
 * feedback.update (change "link") to everyone. Inside a write savepoint.
 */
int feedback_linked(struct op_ctx *ctx, int64_t id, int64_t request,
		    const char *title);
/* schedule.c: test builds only (unknown_op otherwise). */
int h_test_clock(struct op_ctx *ctx);
/*
 * h_request.c: a message was posted in a request's conversation (by
 * msg_post, inside its savepoint): stops the first-response clock at a
 * marketer's first reply, and an answer by the requester to a request
 * waiting on them puts it back to marketing.
 */
int request_on_message(struct op_ctx *ctx, const struct td_conv *c,
		       const struct td_message *m);

/*
 * For async handlers: move the request out of the dispatcher's frame into a
 * heap copy the job owns (free with dispatch_request_free()).
 */
struct proto_request *dispatch_request_steal(struct proto_request *req);
void dispatch_request_free(struct proto_request *req);
/*
 * Finish an async op on the loop thread: `s` may be dead (the reply is then
 * dropped). `run` is called inside a write savepoint (when `writes`) with a
 * fresh ctx and answers like a synchronous handler.
 */
void dispatch_async_done(struct server *srv, struct session *s,
			 struct proto_request *req, bool writes,
			 op_handler run, void *async);
/* Mark a session busy with an async op: hold its frames, pause reading. */
void dispatch_async_begin(struct session *s);

/*
 * A store listing callback that writes each message as a JSON array element
 * into the struct jw passed as `arg` (history, thread replies, mentions).
 */
int msg_write_each(void *arg, const struct td_message *m);

/*
 * Shared authorization: load a conversation the caller may see. Returns
 * TD_ERR_NOT_FOUND both when it does not exist and when the caller may not
 * see it, so the two look the same.
 */
int conv_load_visible(struct op_ctx *ctx, int64_t id, struct td_conv *c);
/* The same for any user, without a session (scheduled sends, reminders). */
int conv_load_visible_to(struct server *srv, int64_t user, int64_t id,
			 struct td_conv *c);
/*
 * Load a conversation `user` may post in now: visible (else not_found),
 * joined (else forbidden, with ctx->why set) and not archived (archived).
 * The one rule behind msg.send and scheduled sends, at request and at
 * firing time.
 */
int conv_load_postable(struct op_ctx *ctx, int64_t user, int64_t id,
		       struct td_conv *c);
/*
 * h_msg.c: post `body` in `conv` as `user`, exactly as msg.send does:
 * authorization (not_found, forbidden for a public channel not joined,
 * archived), idempotency by (user, nonce), the store write and every event
 * (message.new, thread.update, thread.follow, mention). thread > 0: reply
 * in that message's thread. Runs inside a write savepoint. ctx->s may be
 * NULL; ctx->out, when not NULL, receives the "message" member of the
 * result. *id gets the message's id (also for a retry, which stores and
 * announces nothing).
 */
int msg_post(struct op_ctx *ctx, int64_t user, int64_t conv, const char *body,
	     const char *nonce, int64_t thread, int64_t *id);
/*
 * h_conv.c, shared with the sales-and-marketing handlers. Each runs inside
 * a write savepoint and queues the events a client needs (conv.new to the
 * members, member.join / member.leave).
 *
 * dm_between: the dm between `me` and `other`, opened (by `me`) if there
 * is none yet; *conv gets its id. not_found when `other` does not exist.
 */
int dm_between(struct op_ctx *ctx, int64_t me, int64_t other, int64_t *conv);
/* A new group of exactly `users` (the creator need not be one of them). */
int group_between(struct op_ctx *ctx, int64_t creator, const int64_t *users,
		  size_t n, int64_t *conv);
/* The conversation a request or feedback item owns (kind request or
 * feedback, open to everyone, topic = title), its creator a member. */
int conv_open_record(struct op_ctx *ctx, enum td_conv_kind kind,
		     int64_t creator, const char *title, int64_t *conv);
/* Make `user` a member of `conv` (watch) or not, brought by `by`;
 * nothing happens when it already is (or is not). */
int conv_watch(struct op_ctx *ctx, int64_t conv, int64_t user, int64_t by,
	       bool watch);
/* member.join event: `user` joined `conv`, brought in by `by`. */
int event_member_join(struct op_ctx *ctx, int64_t conv, int64_t user,
		      int64_t by);

/*
 * h_msg.c: write a system line (struct td_message.system) in `conv` as
 * `user`: stored and announced (message.new) like a message, without
 * nonce, thread, mentions or authorization, which are the caller's.
 * Runs inside a write savepoint. id may be NULL.
 */
int msg_post_system(struct op_ctx *ctx, int64_t user, int64_t conv,
		    const char *body, int64_t *id);
/*
 * h_msg.c: load message `id` and its conversation when the caller may see
 * that conversation; TD_ERR_NOT_FOUND otherwise. On success *m belongs to
 * the caller (td_message_fini()).
 */
int msg_load_visible(struct op_ctx *ctx, int64_t id, struct td_message *m,
		     struct td_conv *c);
/*
 * h_thread.c: make `user` follow thread `root` unless it follows it
 * already or unfollowed it on purpose, and tell the user's connections
 * (thread.follow). Used when a user starts, replies in or is
 * mentioned in a thread.
 */
int thread_autofollow(struct op_ctx *ctx, int64_t user,
		      const struct td_message *root);

#endif
