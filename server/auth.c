/*
 * auth.c: Argon2id password hashing and the random secrets (tokens, invite
 * codes). The only file including sodium.h. It never logs or keeps a
 * password or a token in the clear; callers wipe their copies.
 */
#include "auth.h"

#include <sodium.h>
#include <string.h>

#include "tandem/errors.h"
#include "util.h"

static char auth_dummy[AUTH_HASH_MAX];

_Static_assert(AUTH_HASH_MAX >= crypto_pwhash_STRBYTES, "hash buffer");

int
auth_init(unsigned long long ops, size_t mem)
{
	static const char pw[] = "tandem dummy password";

	if (sodium_init() < 0)
		return TD_ERR_INTERNAL;
	/*
	 * The same parameters as real hashes: verifying a login for an
	 * unknown handle against this one must cost as much as for a real
	 * account, or the time would tell which handles exist.
	 */
	if (crypto_pwhash_str(auth_dummy, pw, sizeof(pw) - 1, ops, mem) != 0)
		return TD_ERR_INTERNAL;
	return 0;
}

int
auth_password_hash(const char *password, unsigned long long ops, size_t mem,
		   char out[AUTH_HASH_MAX])
{
	if (crypto_pwhash_str(out, password, strlen(password), ops, mem) != 0)
		return TD_ERR_INTERNAL;
	return 0;
}

int
auth_password_verify(const char *hash, const char *password)
{
	return crypto_pwhash_str_verify(hash, password, strlen(password)) == 0
		       ? 0
		       : -1;
}

bool
auth_password_needs_rehash(const char *hash, unsigned long long ops,
			   size_t mem)
{
	return crypto_pwhash_str_needs_rehash(hash, ops, mem) != 0;
}

const char *
auth_dummy_hash(void)
{
	return auth_dummy;
}

static void
auth_secret_new(size_t nbytes, char *text, size_t text_len,
		unsigned char hash[32])
{
	unsigned char raw[32];

	randombytes_buf(raw, nbytes);
	sodium_bin2base64(text, text_len, raw, nbytes,
			  sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	sodium_memzero(raw, sizeof(raw));
	auth_token_hash(text, hash);
}

void
auth_token_new(char text[TD_TOKEN_LEN + 1], unsigned char hash[32])
{
	auth_secret_new(32, text, TD_TOKEN_LEN + 1, hash);
}

void
auth_invite_new(char text[TD_INVITE_LEN + 1], unsigned char hash[32])
{
	auth_secret_new(16, text, TD_INVITE_LEN + 1, hash);
}

void
auth_token_hash(const char *text, unsigned char hash[32])
{
	crypto_generichash(hash, 32, (const unsigned char *)text,
			   strlen(text), NULL, 0);
}

void
auth_wipe(void *p, size_t n)
{
	sodium_memzero(p, n);
}
