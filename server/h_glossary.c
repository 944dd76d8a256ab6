/*
 * h_glossary.c: the glossary and its approvers.
 * (Placeholder until the feature lands: every op answers unknown_op.)
 */
#include "handlers.h"
#include "server.h"

int
h_glossary_create(struct op_ctx *ctx)
{
	(void)ctx;
	return TD_ERR_UNKNOWN_OP;
}

int
h_glossary_edit(struct op_ctx *ctx)
{
	(void)ctx;
	return TD_ERR_UNKNOWN_OP;
}

int
h_glossary_get(struct op_ctx *ctx)
{
	(void)ctx;
	return TD_ERR_UNKNOWN_OP;
}

int
h_glossary_list(struct op_ctx *ctx)
{
	(void)ctx;
	return TD_ERR_UNKNOWN_OP;
}

int
h_glossary_ack(struct op_ctx *ctx)
{
	(void)ctx;
	return TD_ERR_UNKNOWN_OP;
}

int
h_approver_set(struct op_ctx *ctx)
{
	(void)ctx;
	return TD_ERR_UNKNOWN_OP;
}
