/*
 * jw.c: struct jw, an append-only JSON writer. Text goes into one heap
 * buffer after `headroom` uninitialised bytes that the socket layer fills
 * with its own framing (LWS_PRE), so a finished frame is sent uncopied.
 *
 * The writer must never emit invalid JSON: it inserts the commas itself,
 * escapes quotes, backslashes and every byte below 0x20, and replaces bytes
 * that are not valid UTF-8 with U+FFFD. Its sizes are bounded by the
 * protocol's limits, so a failed allocation aborts instead of returning.
 */
#include <assert.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tandem/proto.h"

#define JW_MAX_DEPTH 63

static void *
xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n);

	if (q == NULL) {
		fprintf(stderr, "tandem: out of memory (%zu bytes)\n", n);
		abort();
	}
	return q;
}

/* Make room for `n` more bytes plus the NUL that always follows the text. */
static void
reserve(struct jw *w, size_t n)
{
	size_t need, cap;

	if (n > SIZE_MAX - w->len - 1) {
		fprintf(stderr, "tandem: JSON buffer size overflow\n");
		abort();
	}
	need = w->len + n + 1;
	if (need <= w->cap)
		return;
	cap = w->cap ? w->cap : 256;
	while (cap < need)
		cap = cap > SIZE_MAX / 2 ? need : cap * 2;
	w->buf = xrealloc(w->buf, cap);
	w->cap = cap;
}

static void
put(struct jw *w, const char *s, size_t n)
{
	reserve(w, n);
	memcpy(w->buf + w->len, s, n);
	w->len += n;
	w->buf[w->len] = '\0';
}

static void
putc_(struct jw *w, char c)
{
	put(w, &c, 1);
}

static uint64_t
depth_bit(const struct jw *w)
{
	return (uint64_t)1 << w->depth;
}

/*
 * Called before every value: a value after a sibling needs a comma. jw_key()
 * clears the bit after writing "key":, so the value that follows a key
 * writes no comma of its own.
 */
static void
before_value(struct jw *w)
{
	if (w->need_comma & depth_bit(w))
		putc_(w, ',');
}

static void
after_value(struct jw *w)
{
	w->need_comma |= depth_bit(w);
}

void
jw_init(struct jw *w, size_t headroom)
{
	memset(w, 0, sizeof(*w));
	w->headroom = headroom;
	reserve(w, headroom);
	w->len = headroom;
	w->buf[w->len] = '\0';
}

void
jw_fini(struct jw *w)
{
	free(w->buf);
	memset(w, 0, sizeof(*w));
}

/*
 * Hand the buffer to the caller, who frees it. The JSON text starts at
 * buf + headroom and is *len bytes long (NUL-terminated besides). The
 * writer is left empty; jw_init() it again to reuse it.
 */
char *
jw_take(struct jw *w, size_t *len)
{
	char *buf = w->buf;

	if (len != NULL)
		*len = w->len - w->headroom;
	memset(w, 0, sizeof(*w));
	return buf;
}

const char *
jw_text(const struct jw *w)
{
	return w->buf + w->headroom;
}

size_t
jw_text_len(const struct jw *w)
{
	return w->len - w->headroom;
}

static void
open_(struct jw *w, char c)
{
	before_value(w);
	putc_(w, c);
	assert(w->depth < JW_MAX_DEPTH);
	w->depth++;
	w->need_comma &= ~depth_bit(w);
}

static void
close_(struct jw *w, char c)
{
	assert(w->depth > 0);
	w->depth--;
	putc_(w, c);
	after_value(w);
}

void
jw_obj_open(struct jw *w)
{
	open_(w, '{');
}

void
jw_obj_close(struct jw *w)
{
	close_(w, '}');
}

void
jw_arr_open(struct jw *w)
{
	open_(w, '[');
}

void
jw_arr_close(struct jw *w)
{
	close_(w, ']');
}

/* Length of the valid UTF-8 sequence at s[0..n), or 0 when invalid. */
static size_t
utf8_len(const unsigned char *s, size_t n)
{
	size_t len;

	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		len = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		len = 4;
	else
		return 0;
	if (n < len)
		return 0;
	for (size_t i = 1; i < len; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	/* Overlong three- and four-byte forms, surrogates, > U+10FFFF. */
	if (s[0] == 0xe0 && s[1] < 0xa0)
		return 0;
	if (s[0] == 0xed && s[1] >= 0xa0)
		return 0;
	if (s[0] == 0xf0 && s[1] < 0x90)
		return 0;
	if (s[0] == 0xf4 && s[1] >= 0x90)
		return 0;
	return len;
}

/* Write s[0..n) as a JSON string, escaping as RFC 8259 requires. */
static void
put_string(struct jw *w, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;

	putc_(w, '"');
	while (i < n) {
		size_t run = i;
		char esc[8];

		/* Copy plain ASCII in runs: the common case. */
		while (run < n && p[run] >= 0x20 && p[run] < 0x80 &&
		       p[run] != '"' && p[run] != '\\')
			run++;
		if (run > i) {
			put(w, s + i, run - i);
			i = run;
			continue;
		}
		if (p[i] >= 0x80) {
			size_t k = utf8_len(p + i, n - i);

			if (k == 0) {
				put(w, "\\ufffd", 6);
				i++;
			} else {
				put(w, s + i, k);
				i += k;
			}
			continue;
		}
		switch (p[i]) {
		case '"':
			put(w, "\\\"", 2);
			break;
		case '\\':
			put(w, "\\\\", 2);
			break;
		case '\n':
			put(w, "\\n", 2);
			break;
		case '\r':
			put(w, "\\r", 2);
			break;
		case '\t':
			put(w, "\\t", 2);
			break;
		case '\b':
			put(w, "\\b", 2);
			break;
		case '\f':
			put(w, "\\f", 2);
			break;
		default:
			snprintf(esc, sizeof(esc), "\\u%04x", p[i]);
			put(w, esc, 6);
			break;
		}
		i++;
	}
	putc_(w, '"');
}

void
jw_key(struct jw *w, const char *key)
{
	before_value(w);
	put_string(w, key, strlen(key));
	putc_(w, ':');
	w->need_comma &= ~depth_bit(w);
}

void
jw_str(struct jw *w, const char *s)
{
	jw_strn(w, s ? s : "", s ? strlen(s) : 0);
}

void
jw_strn(struct jw *w, const char *s, size_t n)
{
	before_value(w);
	put_string(w, s, n);
	after_value(w);
}

void
jw_int(struct jw *w, int64_t v)
{
	char num[24];
	int n = snprintf(num, sizeof(num), "%" PRId64, v);

	before_value(w);
	put(w, num, (size_t)n);
	after_value(w);
}

/* A number with up to 15 significant digits; JSON has no NaN or
 * infinity, so those become null. */
void
jw_double(struct jw *w, double v)
{
	char num[32];
	int n;

	if (!isfinite(v)) {
		jw_null(w);
		return;
	}
	n = snprintf(num, sizeof(num), "%.15g", v);
	before_value(w);
	put(w, num, (size_t)n);
	after_value(w);
}

void
jw_bool(struct jw *w, bool v)
{
	before_value(w);
	if (v)
		put(w, "true", 4);
	else
		put(w, "false", 5);
	after_value(w);
}

void
jw_null(struct jw *w)
{
	before_value(w);
	put(w, "null", 4);
	after_value(w);
}

void
jw_kstr(struct jw *w, const char *key, const char *s)
{
	jw_key(w, key);
	jw_str(w, s);
}

void
jw_kint(struct jw *w, const char *key, int64_t v)
{
	jw_key(w, key);
	jw_int(w, v);
}

void
jw_kbool(struct jw *w, const char *key, bool v)
{
	jw_key(w, key);
	jw_bool(w, v);
}
