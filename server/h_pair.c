/*
 * h_pair.c: buddy pairs, pairing rounds, preferences, nudges, pair health.
 * (Placeholder until the feature lands: every op answers unknown_op.)
 */
#include "handlers.h"
#include "server.h"

int
h_pair_create(struct op_ctx *ctx)
{
	(void)ctx;
	return TD_ERR_UNKNOWN_OP;
}

int
h_pair_end(struct op_ctx *ctx)
{
	(void)ctx;
	return TD_ERR_UNKNOWN_OP;
}

int
h_pair_list(struct op_ctx *ctx)
{
	(void)ctx;
	return TD_ERR_UNKNOWN_OP;
}

int
h_buddy_get(struct op_ctx *ctx)
{
	(void)ctx;
	return TD_ERR_UNKNOWN_OP;
}

int
h_round_run(struct op_ctx *ctx)
{
	(void)ctx;
	return TD_ERR_UNKNOWN_OP;
}

int
h_round_config(struct op_ctx *ctx)
{
	(void)ctx;
	return TD_ERR_UNKNOWN_OP;
}

int
h_round_get(struct op_ctx *ctx)
{
	(void)ctx;
	return TD_ERR_UNKNOWN_OP;
}

int
h_pair_prefs(struct op_ctx *ctx)
{
	(void)ctx;
	return TD_ERR_UNKNOWN_OP;
}

int
h_pair_health(struct op_ctx *ctx)
{
	(void)ctx;
	return TD_ERR_UNKNOWN_OP;
}

int64_t
pair_timers(struct server *srv, int64_t now)
{
	(void)srv;
	(void)now;
	return 0;
}
