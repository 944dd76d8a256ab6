/*
 * util.c: allocation, string building, input reading and, above all, the
 * output sanitizer of the terminal client.
 *
 * Everything the server sends is untrusted text written by other people. The
 * sanitizer is the only way such text reaches the terminal: it turns control
 * characters, escape sequences and bidi overrides into visible, inert escapes
 * and invalid UTF-8 into U+FFFD. This file must never emit a byte it was not
 * sure about, and must never abort on bad input (only on exhausted memory).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

static void
util_oom(size_t n)
{
	fprintf(stderr, "tandem: out of memory (%zu bytes)\n", n);
	abort();
}

void *
xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (!p)
		util_oom(n);
	return p;
}

void *
xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	if (!p)
		util_oom(n * size);
	return p;
}

void *
xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);

	if (!q)
		util_oom(n);
	return q;
}

char *
xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

char *
xstrndup(const char *s, size_t n)
{
	char *p = xmalloc(n + 1);

	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *
xasprintf(const char *fmt, ...)
{
	struct sbuf b;
	va_list ap;

	sbuf_init(&b);
	va_start(ap, fmt);
	{
		va_list ap2;
		int n;

		va_copy(ap2, ap);
		n = vsnprintf(NULL, 0, fmt, ap2);
		va_end(ap2);
		if (n < 0)
			util_oom(0);
		if (b.cap < (size_t)n + 1) {
			b.s = xrealloc(b.s, (size_t)n + 1);
			b.cap = (size_t)n + 1;
		}
		vsnprintf(b.s, b.cap, fmt, ap);
		b.len = (size_t)n;
	}
	va_end(ap);
	return sbuf_take(&b);
}

void
sbuf_init(struct sbuf *b)
{
	b->cap = 64;
	b->s = xmalloc(b->cap);
	b->s[0] = '\0';
	b->len = 0;
}

void
sbuf_fini(struct sbuf *b)
{
	free(b->s);
	b->s = NULL;
	b->len = b->cap = 0;
}

char *
sbuf_take(struct sbuf *b)
{
	char *s = b->s;

	b->s = NULL;
	b->len = b->cap = 0;
	return s;
}

/* Make room for n more bytes plus the NUL. */
static void
sbuf_grow(struct sbuf *b, size_t n)
{
	size_t need = b->len + n + 1;

	if (need <= b->cap)
		return;
	while (b->cap < need)
		b->cap *= 2;
	b->s = xrealloc(b->s, b->cap);
}

void
sbuf_add(struct sbuf *b, const char *s, size_t n)
{
	sbuf_grow(b, n);
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

void
sbuf_adds(struct sbuf *b, const char *s)
{
	sbuf_add(b, s, strlen(s));
}

void
sbuf_addf(struct sbuf *b, const char *fmt, ...)
{
	va_list ap, ap2;
	int n;

	va_start(ap, fmt);
	va_copy(ap2, ap);
	n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (n > 0) {
		sbuf_grow(b, (size_t)n);
		vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
		b->len += (size_t)n;
	}
	va_end(ap);
}

/*
 * Decode one UTF-8 code point from s[0..len). Returns its length (1..4) and
 * sets *cp, or returns 0 when s does not start a well-formed sequence
 * (overlong forms, surrogates, values above U+10FFFF and truncated sequences
 * are all malformed).
 */
static size_t
util_utf8_decode(const unsigned char *s, size_t len, uint32_t *cp)
{
	uint32_t c = s[0];
	size_t n, i;
	uint32_t min;

	if (c < 0x80) {
		*cp = c;
		return 1;
	} else if (c >= 0xc2 && c <= 0xdf) {
		n = 2;
		c &= 0x1f;
		min = 0x80;
	} else if (c >= 0xe0 && c <= 0xef) {
		n = 3;
		c &= 0x0f;
		min = 0x800;
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4;
		c &= 0x07;
		min = 0x10000;
	} else {
		return 0;
	}
	if (len < n)
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return n;
}

/* True for the bidi embedding, override and isolate controls. */
static bool
util_is_bidi_control(uint32_t cp)
{
	return (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069);
}

void
util_sanitize(struct sbuf *out, const char *s, size_t len, unsigned flags)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;

	while (i < len) {
		uint32_t cp;
		size_t n = util_utf8_decode(p + i, len - i, &cp);

		if (n == 0) {
			sbuf_adds(out, "\xef\xbf\xbd"); /* U+FFFD */
			i++;
			continue;
		}
		if (cp == '\n' && (flags & SAN_KEEP_NL))
			sbuf_add(out, "\n", 1);
		else if (cp == '\n' && (flags & SAN_NL_MARK))
			sbuf_adds(out, "\xe2\x86\xb5"); /* U+21B5 */
		else if (cp == '\t' && (flags & SAN_KEEP_TAB))
			sbuf_add(out, "\t", 1);
		else if (cp < 0x20 || cp == 0x7f)
			sbuf_addf(out, "\\x%02x", (unsigned)cp);
		else if ((cp >= 0x80 && cp <= 0x9f) || util_is_bidi_control(cp))
			sbuf_addf(out, "\\u%04x", (unsigned)cp);
		else
			sbuf_add(out, s + i, n);
		i += n;
	}
}

void
util_fput_safe(FILE *f, const char *s, unsigned flags)
{
	struct sbuf b;

	sbuf_init(&b);
	util_sanitize(&b, s, strlen(s), flags);
	fputs(b.s, f);
	sbuf_fini(&b);
}

void
util_fput_cell(FILE *f, const char *s, size_t width)
{
	struct sbuf b;
	size_t i, chars = 0, cut = 0;

	sbuf_init(&b);
	util_sanitize(&b, s, strlen(s), 0);
	/* The sanitized text is valid UTF-8: count lead bytes. */
	for (i = 0; i < b.len; i++) {
		if (((unsigned char)b.s[i] & 0xc0) == 0x80)
			continue;
		if (width > 0 && chars == width - 1)
			cut = i;
		chars++;
	}
	if (width > 0 && chars > width) {
		b.s[cut] = '\0';
		b.len = cut;
		sbuf_adds(&b, "\xe2\x80\xa6"); /* U+2026 */
		chars = width;
	}
	fputs(b.s, f);
	for (; chars < width; chars++)
		fputc(' ', f);
	sbuf_fini(&b);
}

void
util_fput_json_line(FILE *f, const char *json, size_t len)
{
	const unsigned char *p = (const unsigned char *)json;
	struct sbuf b;
	size_t i = 0;

	sbuf_init(&b);
	while (i < len) {
		uint32_t cp;
		size_t n = util_utf8_decode(p + i, len - i, &cp);

		if (n == 0) {
			sbuf_adds(&b, "\\ufffd");
			i++;
			continue;
		}
		/*
		 * JSON structure is ASCII without controls, so any control
		 * found here sits inside a string, where \uXXXX means the same.
		 */
		if (cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp <= 0x9f) ||
		    util_is_bidi_control(cp))
			sbuf_addf(&b, "\\u%04x", (unsigned)cp);
		else
			sbuf_add(&b, json + i, n);
		i += n;
	}
	sbuf_add(&b, "\n", 1);
	fwrite(b.s, 1, b.len, f);
	sbuf_fini(&b);
}

int
util_read_line(FILE *f, char **out)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;

	n = getline(&line, &cap, f);
	if (n < 0) {
		free(line);
		*out = NULL;
		return CLI_ERR_IO;
	}
	while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
		line[--n] = '\0';
	*out = line;
	return 0;
}

int
util_read_all(int fd, size_t max, char **out, size_t *len)
{
	struct sbuf b;
	char chunk[4096];
	int rc = 0;

	sbuf_init(&b);
	for (;;) {
		ssize_t n = read(fd, chunk, sizeof(chunk));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = CLI_ERR_IO;
			goto out;
		}
		if (n == 0)
			break;
		if (b.len + (size_t)n > max) {
			rc = 1;
			goto out;
		}
		sbuf_add(&b, chunk, (size_t)n);
	}
	*len = b.len;
	*out = sbuf_take(&b);
out:
	if (rc != 0)
		sbuf_fini(&b);
	return rc;
}

void
util_random_hex(char *buf, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char raw[64];
	size_t i, got = 0;

	if (n > sizeof(raw))
		n = sizeof(raw);
	while (got < n) {
		ssize_t r = getrandom(raw + got, n - got, 0);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			/* No kernel entropy interface: time and pid will do
			 * for a nonce, which only has to be unique. */
			struct timespec ts;

			clock_gettime(CLOCK_REALTIME, &ts);
			srandom((unsigned)(ts.tv_nsec ^ ts.tv_sec ^ getpid()));
			for (; got < n; got++)
				raw[got] = (unsigned char)random();
			break;
		}
		got += (size_t)r;
	}
	for (i = 0; i < n; i++)
		buf[i] = hex[raw[i] & 0x0f];
	buf[n] = '\0';
}

void
util_format_hhmm(int64_t ms, char *buf, size_t size)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	if (!localtime_r(&t, &tm) || strftime(buf, size, "%H:%M", &tm) == 0)
		snprintf(buf, size, "--:--");
}

void
util_format_utc(int64_t ms, char *buf, size_t size)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	if (ms == 0)
		snprintf(buf, size, "-");
	else if (!gmtime_r(&t, &tm) ||
		 strftime(buf, size, "%Y-%m-%d %H:%M", &tm) == 0)
		snprintf(buf, size, "?");
}

void
util_format_relative(int64_t ms, char *buf, size_t size)
{
	static const struct {
		const char *unit;
		int64_t ms;
	} units[] = {{"d", 86400000}, {"h", 3600000}, {"m", 60000}};
	int64_t d = ms - util_wall_ms();
	int64_t a = d < 0 ? -d : d;
	size_t i;

	if (ms == 0) {
		snprintf(buf, size, "-");
		return;
	}
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (a >= units[i].ms) {
			snprintf(buf, size,
				 d < 0 ? "%" PRId64 "%s ago"
				       : "in %" PRId64 "%s",
				 (a + units[i].ms / 2) / units[i].ms,
				 units[i].unit);
			return;
		}
	}
	snprintf(buf, size, "now");
}

void
util_format_amount(int64_t v, char *buf, size_t size)
{
	static const struct {
		const char *suffix;
		int64_t div;
	} units[] = {{"B", 1000000000}, {"M", 1000000}, {"k", 1000}};
	size_t i;

	if (v == 0) {
		snprintf(buf, size, "-");
		return;
	}
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (v >= units[i].div) {
			if (v < 10 * units[i].div && v % units[i].div)
				snprintf(buf, size, "%.1f%s",
					 (double)v / (double)units[i].div,
					 units[i].suffix);
			else
				snprintf(buf, size, "%" PRId64 "%s",
					 v / units[i].div, units[i].suffix);
			return;
		}
	}
	snprintf(buf, size, "%" PRId64, v);
}

void
util_format_minutes(int64_t minutes, char *buf, size_t size)
{
	int64_t d = minutes / 1440, h = minutes % 1440 / 60, m = minutes % 60;

	if (d && h)
		snprintf(buf, size, "%" PRId64 "d %" PRId64 "h", d, h);
	else if (d && !m)
		snprintf(buf, size, "%" PRId64 "d", d);
	else if (minutes >= 60 && !m)
		snprintf(buf, size, "%" PRId64 "h", minutes / 60);
	else
		snprintf(buf, size, "%" PRId64 "m", minutes);
}

int64_t
util_wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t
util_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void
util_sleep_ms(int64_t ms)
{
	struct timespec ts, rem;

	if (ms <= 0)
		return;
	ts.tv_sec = (time_t)(ms / 1000);
	ts.tv_nsec = (long)(ms % 1000) * 1000000L;
	while (nanosleep(&ts, &rem) < 0 && errno == EINTR)
		ts = rem;
}

void
util_wipe(void *p, size_t n)
{
	if (p && n)
		explicit_bzero(p, n);
}
