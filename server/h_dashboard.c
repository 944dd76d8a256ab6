/*
 * h_dashboard.c: the team dashboard.
 * (Placeholder until the feature lands: every op answers unknown_op.)
 */
#include "handlers.h"
#include "server.h"

int
h_dashboard(struct op_ctx *ctx)
{
	(void)ctx;
	return TD_ERR_UNKNOWN_OP;
}
