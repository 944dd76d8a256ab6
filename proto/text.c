/*
 * text.c: the text rules of tandem.v1 (handles, channel names, one-line
 * text such as display names and topics, message bodies) and the names of
 * the small enums.
 *
 * Every check here takes untrusted bytes: it must never read past the
 * string's end, never accept invalid UTF-8 (overlong forms, surrogates,
 * code points above U+10FFFF) and never allocate.
 */
#include <stdlib.h>
#include <string.h>

#include "tandem/proto.h"
#include "tandem/types.h"

static const char *const team_names[] = { "sales", "marketing", "other" };
static const char *const role_names[] = { "member", "admin" };
static const char *const kind_names[] = { "channel", "dm", "group", "request",
					  "feedback" };
static const char *const notify_names[] = { "all", "mentions", "muted" };

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static const char *
enum_name(const char *const *names, size_t n, int v)
{
	if (v < 0 || (size_t)v >= n)
		return "unknown";
	return names[v];
}

static int
enum_parse(const char *const *names, size_t n, const char *s)
{
	if (s == NULL)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (strcmp(names[i], s) == 0)
			return (int)i;
	return -1;
}

const char *
td_team_name(enum td_team t)
{
	return enum_name(team_names, NELEM(team_names), (int)t);
}

const char *
td_role_name(enum td_role r)
{
	return enum_name(role_names, NELEM(role_names), (int)r);
}

const char *
td_conv_kind_name(enum td_conv_kind k)
{
	return enum_name(kind_names, NELEM(kind_names), (int)k);
}

const char *
td_notify_name(enum td_notify n)
{
	return enum_name(notify_names, NELEM(notify_names), (int)n);
}

int
td_notify_parse(const char *s, enum td_notify *out)
{
	int v = enum_parse(notify_names, NELEM(notify_names), s);

	if (v < 0)
		return -1;
	*out = (enum td_notify)v;
	return 0;
}

int
td_team_parse(const char *s, enum td_team *out)
{
	int v = enum_parse(team_names, NELEM(team_names), s);

	if (v < 0)
		return -1;
	*out = (enum td_team)v;
	return 0;
}

int
td_role_parse(const char *s, enum td_role *out)
{
	int v = enum_parse(role_names, NELEM(role_names), s);

	if (v < 0)
		return -1;
	*out = (enum td_role)v;
	return 0;
}

int
td_conv_kind_parse(const char *s, enum td_conv_kind *out)
{
	int v = enum_parse(kind_names, NELEM(kind_names), s);

	if (v < 0)
		return -1;
	*out = (enum td_conv_kind)v;
	return 0;
}

void
td_message_fini(struct td_message *m)
{
	free(m->body);
	m->body = NULL;
	free(m->participants);
	m->participants = NULL;
	m->n_participants = 0;
	free(m->reactions);
	m->reactions = NULL;
	m->n_reactions = 0;
}

/*
 * Decode one UTF-8 sequence from s[0..n). Returns its length in bytes and
 * stores the code point in *cp, or returns 0 when the bytes are not the
 * shortest encoding of a scalar value (RFC 3629).
 */
static size_t
utf8_decode(const unsigned char *s, size_t n, unsigned long *cp)
{
	unsigned long c;
	size_t len;
	unsigned long min;

	if (n == 0)
		return 0;
	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	} else if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		len = 2;
		c = s[0] & 0x1f;
		min = 0x80;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		len = 3;
		c = s[0] & 0x0f;
		min = 0x800;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		len = 4;
		c = s[0] & 0x07;
		min = 0x10000;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return len;
}

/* C0 controls, DEL and the C1 controls U+0080..U+009F. */
static bool
is_control(unsigned long c)
{
	return c < 0x20 || (c >= 0x7f && c <= 0x9f);
}

/*
 * Bidi embeddings, overrides and isolates: they can make a name display as
 * something other than what it is, so one-line text refuses them.
 */
static bool
is_bidi_control(unsigned long c)
{
	return (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069);
}

/* Unicode White_Space, for the "not only whitespace" rule of bodies. */
static bool
is_space(unsigned long c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' ||
	       c == '\r' || c == 0x85 || c == 0xa0 || c == 0x1680 ||
	       (c >= 0x2000 && c <= 0x200a) || c == 0x2028 || c == 0x2029 ||
	       c == 0x202f || c == 0x205f || c == 0x3000;
}

bool
proto_valid_handle(const char *s)
{
	size_t n;

	if (s == NULL)
		return false;
	n = strlen(s);
	if (n < TD_HANDLE_MIN || n > TD_HANDLE_MAX)
		return false;
	if (s[0] < 'a' || s[0] > 'z')
		return false;
	for (size_t i = 1; i < n; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '_' || c == '-'))
			return false;
	}
	return true;
}

bool
proto_valid_channel_name(const char *s)
{
	size_t n;

	if (s == NULL)
		return false;
	n = strlen(s);
	if (n < 1 || n > TD_CHANNEL_NAME_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');

		if (i > 0)
			ok = ok || c == '_' || c == '-';
		if (!ok)
			return false;
	}
	return true;
}

bool
proto_valid_line(const char *s, size_t max_chars, bool allow_empty)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n, chars = 0;

	if (s == NULL)
		return false;
	n = strlen(s);
	while (n > 0) {
		unsigned long c;
		size_t k = utf8_decode(p, n, &c);

		if (k == 0 || is_control(c) || is_bidi_control(c))
			return false;
		p += k;
		n -= k;
		if (++chars > max_chars)
			return false;
	}
	return chars > 0 || allow_empty;
}

bool
proto_valid_body(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	bool blank = true;

	if (s == NULL)
		return false;
	while (len > 0) {
		unsigned long c;
		size_t k = utf8_decode(p, len, &c);

		if (k == 0)
			return false;
		if (is_control(c) && c != '\n' && c != '\t')
			return false;
		if (!is_space(c))
			blank = false;
		p += k;
		len -= k;
	}
	return !blank;
}

size_t
proto_utf8_chars(const char *s)
{
	size_t chars = 0;

	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if ((*p & 0xc0) != 0x80)
			chars++;
	return chars;
}
