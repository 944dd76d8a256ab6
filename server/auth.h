/*
 * auth.h: passwords, session tokens and invite codes. The only module that
 * includes libsodium.
 *
 * Passwords are hashed with Argon2id (crypto_pwhash_str); tokens are 32
 * random bytes sent to the client once, base64url-encoded, and stored only
 * as a BLAKE2b hash, as are invite codes (16 random bytes).
 */
#ifndef TANDEM_AUTH_H
#define TANDEM_AUTH_H

#include <stdbool.h>
#include <stddef.h>

#include "tandem/types.h"

#define AUTH_HASH_MAX 128	/* >= crypto_pwhash_STRBYTES */

/* Initialise libsodium and make the dummy hash with these parameters. */
int auth_init(unsigned long long ops, size_t mem);
/* Hash a password (slow: worker threads only). 0 or TD_ERR_INTERNAL. */
int auth_password_hash(const char *password, unsigned long long ops,
		       size_t mem, char out[AUTH_HASH_MAX]);
/* 0 when the password matches the stored hash, else -1. Slow. */
int auth_password_verify(const char *hash, const char *password);
/* Whether a stored hash was made with other parameters than these. */
bool auth_password_needs_rehash(const char *hash, unsigned long long ops,
				size_t mem);
/* A hash that matches no password, to spend the same time on unknown
 * handles as on known ones. */
const char *auth_dummy_hash(void);

/* New random token (text to send) and its hash (to store). */
void auth_token_new(char text[TD_TOKEN_LEN + 1], unsigned char hash[32]);
void auth_token_hash(const char *text, unsigned char hash[32]);
/* New random invite code and its hash. */
void auth_invite_new(char text[TD_INVITE_LEN + 1], unsigned char hash[32]);

/* Wipe memory the compiler may not optimise away. */
void auth_wipe(void *p, size_t n);

#endif
