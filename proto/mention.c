/*
 * mention.c: the small text rules of chat features that the server and the
 * clients share: reaction shortcodes and the @mentions of a message body.
 *
 * Pure functions over NUL-terminated UTF-8: no I/O, no allocation, and they
 * must accept any bytes at all without reading past the terminator.
 */
#include <string.h>

#include "tandem/proto.h"

bool
proto_valid_emoji(const char *s)
{
	size_t n;

	if (s == NULL)
		return false;
	n = strlen(s);
	if (n < 1 || n > TD_EMOJI_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '+' || c == '-'))
			return false;
	}
	return true;
}

/* A byte that may be part of a mentioned name (before case folding). */
static bool
name_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
}

/*
 * Whether an "@" after byte `prev` starts a mention. Letters, digits and
 * the characters of an e-mail local part before it make it an address;
 * bytes >= 0x80 (a letter in another script) count as word characters too.
 */
static bool
mention_boundary(unsigned char prev)
{
	if (prev >= 0x80)
		return false;
	return !(name_char(prev) || prev == '+' || prev == '@' ||
		 prev == '/' || prev == '`');
}

static void
mentions_add(struct proto_mentions *out, const char *name)
{
	if (strcmp(name, "channel") == 0) {
		out->channel = true;
		return;
	}
	if (strcmp(name, "team-sales") == 0) {
		out->team_sales = true;
		return;
	}
	if (strcmp(name, "team-marketing") == 0) {
		out->team_marketing = true;
		return;
	}
	if (!proto_valid_handle(name))
		return;
	for (size_t i = 0; i < out->n_handles; i++)
		if (strcmp(out->handles[i], name) == 0)
			return;
	if (out->n_handles == TD_MENTIONS_MAX)
		return;
	memcpy(out->handles[out->n_handles++], name, strlen(name) + 1);
}

void
proto_parse_mentions(const char *body, struct proto_mentions *out)
{
	const unsigned char *p = (const unsigned char *)body;
	char name[TD_HANDLE_MAX + 16];
	size_t i, n;

	memset(out, 0, sizeof(*out));
	if (body == NULL)
		return;
	for (i = 0; p[i] != '\0'; i++) {
		if (p[i] != '@' || (i > 0 && !mention_boundary(p[i - 1])))
			continue;
		n = 0;
		while (name_char(p[i + 1 + n]))
			n++;
		/* Drop sentence punctuation: "thanks @ana." */
		while (n > 0 && (p[i + n] == '.' || p[i + n] == '_' ||
				 p[i + n] == '-'))
			n--;
		if (n > 0 && n < sizeof(name)) {
			for (size_t k = 0; k < n; k++) {
				unsigned char c = p[i + 1 + k];

				name[k] = (char)(c >= 'A' && c <= 'Z'
							 ? c - 'A' + 'a'
							 : c);
			}
			name[n] = '\0';
			mentions_add(out, name);
		}
		while (name_char(p[i + 1]))
			i++;
	}
}
