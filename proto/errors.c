/*
 * errors.c: the table that maps each TD_ERR_* code onto its stable wire
 * string (PROTOCOL.md "Errors") and a default human message.
 *
 * The wire strings are a published contract: this file must never rename
 * one, and it must never return NULL, whatever code it is given.
 */
#include <assert.h>
#include <stddef.h>

#include "tandem/errors.h"

struct err_row {
	const char *code;
	const char *message;
};

/* Indexed by -err; row 0 is TD_OK. */
static const struct err_row err_table[] = {
	{ "ok", "no error" },
	{ "bad_json", "the frame is not a JSON object" },
	{ "bad_request", "the request is malformed" },
	{ "unknown_op", "no such op" },
	{ "unauthenticated", "log in first" },
	{ "already_authenticated", "this connection is already logged in" },
	{ "invalid_credentials", "wrong handle or password" },
	{ "bad_token", "the token is unknown, expired or revoked" },
	{ "invite_required", "registration needs a valid invite code" },
	{ "weak_password",
	  "the password is shorter than 10 characters or equal to the handle" },
	{ "handle_taken", "the handle is already registered" },
	{ "forbidden", "you may not do this" },
	{ "not_found", "no such thing" },
	{ "conflict", "the current state does not allow this" },
	{ "nonce_conflict", "the nonce was already used for another message" },
	{ "archived", "the conversation is archived" },
	{ "rate_limited", "too many requests; retry later" },
	{ "too_large", "a field is over its limit" },
	{ "busy", "the server is busy; retry" },
	{ "storage_failed", "the write could not be stored" },
	{ "internal", "internal error" },
};

static_assert(sizeof(err_table) / sizeof(err_table[0]) == TD_ERR__COUNT,
	      "err_table needs one row per TD_ERR_* code");

/* An unknown code reads as "internal": a bug, never a crash. */
static const struct err_row *
err_row(int err)
{
	if (err > 0 || err <= -TD_ERR__COUNT)
		return &err_table[-TD_ERR_INTERNAL];
	return &err_table[-err];
}

const char *
td_err_code(int err)
{
	return err_row(err)->code;
}

const char *
td_err_message(int err)
{
	return err_row(err)->message;
}
