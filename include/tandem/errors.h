/*
 * errors.h: the project's error codes.
 *
 * Every function that can fail returns 0 or one of these negative codes.
 * Each code maps onto exactly one stable string in proto/PROTOCOL.md's error
 * table (td_err_code()); that string is what clients see and must never
 * change once published.
 *
 * Checklist when adding a code: add it here, to the table in proto/errors.c,
 * to the error table in proto/PROTOCOL.md, and to an example under
 * proto/examples/ that provokes it.
 */
#ifndef TANDEM_ERRORS_H
#define TANDEM_ERRORS_H

enum td_err {
	TD_OK = 0,
	TD_ERR_BAD_JSON = -1,		/* not JSON, not an object, dup keys */
	TD_ERR_BAD_REQUEST = -2,	/* missing/invalid/unknown field */
	TD_ERR_UNKNOWN_OP = -3,
	TD_ERR_UNAUTHENTICATED = -4,	/* op needs a logged-in session */
	TD_ERR_ALREADY_AUTHENTICATED = -5,
	TD_ERR_INVALID_CREDENTIALS = -6,
	TD_ERR_BAD_TOKEN = -7,		/* unknown, expired or revoked token */
	TD_ERR_INVITE_REQUIRED = -8,	/* registration needs a valid invite */
	TD_ERR_WEAK_PASSWORD = -9,
	TD_ERR_HANDLE_TAKEN = -10,
	TD_ERR_FORBIDDEN = -11,		/* visible thing, not allowed */
	TD_ERR_NOT_FOUND = -12,		/* absent, or invisible to caller */
	TD_ERR_CONFLICT = -13,		/* state does not allow it */
	TD_ERR_NONCE_CONFLICT = -14,	/* nonce reused with other content */
	TD_ERR_ARCHIVED = -15,
	TD_ERR_RATE_LIMITED = -16,
	TD_ERR_TOO_LARGE = -17,
	TD_ERR_BUSY = -18,		/* worker pool full, try again */
	TD_ERR_STORAGE = -19,		/* commit failed; nothing was stored */
	TD_ERR_INTERNAL = -20,
	TD_ERR__COUNT = 21
};

/* The stable wire string for an error ("not_found"); never NULL. */
const char *td_err_code(int err);
/* A default human-readable message for an error; never NULL. */
const char *td_err_message(int err);

#endif
