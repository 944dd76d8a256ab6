/*
 * h_feedback.c: feedback items, "me too" votes, status, spikes.
 * (Placeholder until the feature lands: every op answers unknown_op.)
 */
#include "handlers.h"
#include "server.h"

int
h_feedback_create(struct op_ctx *ctx)
{
	(void)ctx;
	return TD_ERR_UNKNOWN_OP;
}

int
h_feedback_get(struct op_ctx *ctx)
{
	(void)ctx;
	return TD_ERR_UNKNOWN_OP;
}

int
h_feedback_list(struct op_ctx *ctx)
{
	(void)ctx;
	return TD_ERR_UNKNOWN_OP;
}

int
h_feedback_vote(struct op_ctx *ctx)
{
	(void)ctx;
	return TD_ERR_UNKNOWN_OP;
}

int
h_feedback_unvote(struct op_ctx *ctx)
{
	(void)ctx;
	return TD_ERR_UNKNOWN_OP;
}

int
h_feedback_status(struct op_ctx *ctx)
{
	(void)ctx;
	return TD_ERR_UNKNOWN_OP;
}

int
h_feedback_spikes(struct op_ctx *ctx)
{
	(void)ctx;
	return TD_ERR_UNKNOWN_OP;
}
