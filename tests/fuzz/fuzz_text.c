/*
 * fuzz_text.c: a libFuzzer target for proto/'s text rules
 * (proto_valid_handle, proto_valid_channel_name, proto_valid_line,
 * proto_valid_body, proto_utf8_chars), the checks every display name,
 * topic, channel name, handle and message body passes through.
 *
 * Besides letting the sanitizers watch for out-of-bounds reads, it is a
 * differential test: each verdict is compared with an independent oracle
 * written here from the Unicode standard's table of well-formed UTF-8 byte
 * sequences (Table 3-7) and PROTOCOL.md's Limits. A disagreement aborts,
 * which libFuzzer reports as a crash with the input that caused it.
 *
 * Input layout: byte 0 picks the limit for proto_valid_line (1..256
 * characters) and whether empty is allowed; the rest is the text, which is
 * given to the NUL-terminated checks up to its first NUL and to
 * proto_valid_body with its full length.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tandem/proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
disagree(const char *what, const uint8_t *s, size_t n, bool got)
{
	fprintf(stderr, "fuzz_text: %s answered %s for %zu bytes:", what,
		got ? "true" : "false", n);
	for (size_t i = 0; i < n && i < 64; i++)
		fprintf(stderr, " %02x", s[i]);
	fputc('\n', stderr);
	abort();
}

/*
 * One well-formed UTF-8 sequence at s[0..n) per Unicode Table 3-7: returns
 * its length and the scalar value, or 0 when the bytes are ill-formed.
 */
static size_t
oracle_utf8(const uint8_t *s, size_t n, uint32_t *cp)
{
	uint8_t b0 = s[0], lo = 0x80, hi = 0xbf;
	size_t len;

	if (b0 <= 0x7f) {
		*cp = b0;
		return 1;
	}
	if (b0 >= 0xc2 && b0 <= 0xdf)
		len = 2;
	else if (b0 == 0xe0)
		len = 3, lo = 0xa0;
	else if ((b0 >= 0xe1 && b0 <= 0xec) || b0 == 0xee || b0 == 0xef)
		len = 3;
	else if (b0 == 0xed)
		len = 3, hi = 0x9f;
	else if (b0 == 0xf0)
		len = 4, lo = 0x90;
	else if (b0 >= 0xf1 && b0 <= 0xf3)
		len = 4;
	else if (b0 == 0xf4)
		len = 4, hi = 0x8f;
	else
		return 0;
	if (n < len || s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < len; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	if (len == 2)
		*cp = (uint32_t)(b0 & 0x1f) << 6 | (s[1] & 0x3f);
	else if (len == 3)
		*cp = (uint32_t)(b0 & 0x0f) << 12 | (uint32_t)(s[1] & 0x3f) << 6 |
		      (s[2] & 0x3f);
	else
		*cp = (uint32_t)(b0 & 0x07) << 18 |
		      (uint32_t)(s[1] & 0x3f) << 12 |
		      (uint32_t)(s[2] & 0x3f) << 6 | (s[3] & 0x3f);
	return len;
}

static bool
oracle_control(uint32_t c)
{
	return c <= 0x1f || (c >= 0x7f && c <= 0x9f);
}

static bool
oracle_bidi(uint32_t c)
{
	static const uint32_t bidi[] = { 0x202a, 0x202b, 0x202c, 0x202d,
					 0x202e, 0x2066, 0x2067, 0x2068,
					 0x2069 };

	for (size_t i = 0; i < sizeof(bidi) / sizeof(bidi[0]); i++)
		if (c == bidi[i])
			return true;
	return false;
}

static bool
oracle_space(uint32_t c)
{
	static const uint32_t ws[] = { 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x20,
				       0x85, 0xa0, 0x1680, 0x2028, 0x2029,
				       0x202f, 0x205f, 0x3000 };

	if (c >= 0x2000 && c <= 0x200a)
		return true;
	for (size_t i = 0; i < sizeof(ws) / sizeof(ws[0]); i++)
		if (c == ws[i])
			return true;
	return false;
}

/* Code points of s[0..n), or -1 when it is not well-formed UTF-8. */
static long
oracle_count(const uint8_t *s, size_t n, bool *has_control, bool *has_bidi,
	     bool *blank, bool *bad_body_control)
{
	long chars = 0;

	*has_control = *has_bidi = *bad_body_control = false;
	*blank = true;
	while (n > 0) {
		uint32_t c;
		size_t k = oracle_utf8(s, n, &c);

		if (k == 0)
			return -1;
		if (oracle_control(c)) {
			*has_control = true;
			if (c != '\n' && c != '\t')
				*bad_body_control = true;
		}
		if (oracle_bidi(c))
			*has_bidi = true;
		if (!oracle_space(c))
			*blank = false;
		s += k;
		n -= k;
		chars++;
	}
	return chars;
}

static bool
oracle_handle(const uint8_t *s, size_t n)
{
	if (n < 2 || n > 32 || s[0] < 'a' || s[0] > 'z')
		return false;
	for (size_t i = 1; i < n; i++)
		if (!strchr("abcdefghijklmnopqrstuvwxyz0123456789._-", s[i]))
			return false;
	return true;
}

static bool
oracle_channel(const uint8_t *s, size_t n)
{
	if (n < 1 || n > 64)
		return false;
	for (size_t i = 0; i < n; i++) {
		const char *ok = i == 0 ? "abcdefghijklmnopqrstuvwxyz0123456789"
					: "abcdefghijklmnopqrstuvwxyz0123456789_-";

		if (!strchr(ok, s[i]))
			return false;
	}
	return true;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	bool ctrl, bidi, blank, body_ctrl, got, want;
	size_t max_chars, n, cstr_len;
	bool allow_empty;
	long chars;
	char *text;

	if (size < 1)
		return 0;
	max_chars = (size_t)(data[0] & 0x7f) * 2 + 1;	/* 1..255 */
	allow_empty = (data[0] & 0x80) != 0;
	n = size - 1;
	/* A heap copy of exactly n + 1 bytes, so ASan sees any overread. */
	text = malloc(n + 1);
	if (text == NULL)
		return 0;
	memcpy(text, data + 1, n);
	text[n] = '\0';
	cstr_len = strlen(text);

	/* Body: the full length, embedded NULs included (C0 controls). */
	got = proto_valid_body(text, n);
	chars = oracle_count((const uint8_t *)text, n, &ctrl, &bidi, &blank,
			     &body_ctrl);
	want = chars >= 0 && !body_ctrl && !blank;
	if (got != want)
		disagree("proto_valid_body", data + 1, n, got);

	/* The NUL-terminated checks see the text up to its first NUL. */
	chars = oracle_count((const uint8_t *)text, cstr_len, &ctrl, &bidi,
			     &blank, &body_ctrl);
	got = proto_valid_line(text, max_chars, allow_empty);
	want = chars >= 0 && !ctrl && !bidi && (size_t)chars <= max_chars &&
	       (chars > 0 || allow_empty);
	if (got != want)
		disagree("proto_valid_line", data + 1, cstr_len, got);
	if (chars >= 0 && proto_utf8_chars(text) != (size_t)chars)
		disagree("proto_utf8_chars", data + 1, cstr_len, false);

	got = proto_valid_handle(text);
	if (got != oracle_handle((const uint8_t *)text, cstr_len))
		disagree("proto_valid_handle", data + 1, cstr_len, got);
	got = proto_valid_channel_name(text);
	if (got != oracle_channel((const uint8_t *)text, cstr_len))
		disagree("proto_valid_channel_name", data + 1, cstr_len, got);

	free(text);
	return 0;
}
