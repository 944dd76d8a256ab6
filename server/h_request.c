/*
 * h_request.c: requests: content requests, SLA targets and clocks, verdicts, links from feedback.
 * (Placeholder until the feature lands: every op answers unknown_op.)
 */
#include "handlers.h"
#include "server.h"

int
h_request_templates(struct op_ctx *ctx)
{
	(void)ctx;
	return TD_ERR_UNKNOWN_OP;
}

int
h_request_create(struct op_ctx *ctx)
{
	(void)ctx;
	return TD_ERR_UNKNOWN_OP;
}

int
h_request_get(struct op_ctx *ctx)
{
	(void)ctx;
	return TD_ERR_UNKNOWN_OP;
}

int
h_request_list(struct op_ctx *ctx)
{
	(void)ctx;
	return TD_ERR_UNKNOWN_OP;
}

int
h_request_update(struct op_ctx *ctx)
{
	(void)ctx;
	return TD_ERR_UNKNOWN_OP;
}

int
h_request_move(struct op_ctx *ctx)
{
	(void)ctx;
	return TD_ERR_UNKNOWN_OP;
}

int
h_request_assign(struct op_ctx *ctx)
{
	(void)ctx;
	return TD_ERR_UNKNOWN_OP;
}

int
h_request_watch(struct op_ctx *ctx)
{
	(void)ctx;
	return TD_ERR_UNKNOWN_OP;
}

int
h_request_deliver(struct op_ctx *ctx)
{
	(void)ctx;
	return TD_ERR_UNKNOWN_OP;
}

int
h_request_verdict(struct op_ctx *ctx)
{
	(void)ctx;
	return TD_ERR_UNKNOWN_OP;
}

int
h_request_link(struct op_ctx *ctx)
{
	(void)ctx;
	return TD_ERR_UNKNOWN_OP;
}

int
h_sla_get(struct op_ctx *ctx)
{
	(void)ctx;
	return TD_ERR_UNKNOWN_OP;
}

int
h_sla_set(struct op_ctx *ctx)
{
	(void)ctx;
	return TD_ERR_UNKNOWN_OP;
}

int
h_feedback_to_request(struct op_ctx *ctx)
{
	(void)ctx;
	return TD_ERR_UNKNOWN_OP;
}

int
request_on_message(struct op_ctx *ctx, const struct td_conv *c,
		   const struct td_message *m)
{
	(void)ctx;
	(void)c;
	(void)m;
	return 0;
}

int64_t
request_timers(struct server *srv, int64_t now)
{
	(void)srv;
	(void)now;
	return 0;
}
