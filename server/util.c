/*
 * util.c: allocation that aborts on failure, clocks and logging.
 *
 * Aborting on a failed small allocation keeps every call site clean (tmux,
 * Redis and h2o do the same); nothing here may be used for sizes a peer
 * controls without checking them against a limit first.
 */
#include "util.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdbool.h>
#include <time.h>

static void
util_oom(size_t n)
{
	fprintf(stderr, "tandemd: out of memory allocating %zu bytes\n", n);
	abort();
}

void *
xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (p == NULL)
		util_oom(n);
	return p;
}

void *
xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	if (p == NULL)
		util_oom(n * size);
	return p;
}

void *
xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);

	if (q == NULL)
		util_oom(n);
	return q;
}

char *
xstrdup(const char *s)
{
	size_t n = strlen(s) + 1;
	char *p = xmalloc(n);

	memcpy(p, s, n);
	return p;
}

static int64_t
wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

#ifdef TANDEM_TEST_HOOKS
/* The test clock: wall time plus an offset that only moves forward. */
static bool test_clock_on;
static int64_t test_clock_offset;

bool
util_test_clock_enabled(void)
{
	return test_clock_on;
}

int
util_test_clock_set(int64_t at_ms)
{
	int64_t offset = at_ms - wall_ms();

	if (test_clock_on && offset < test_clock_offset)
		return -1;
	test_clock_on = true;
	test_clock_offset = offset;
	return 0;
}

int64_t
util_now_ms(void)
{
	return wall_ms() + test_clock_offset;
}
#else
bool
util_test_clock_enabled(void)
{
	return false;
}

int
util_test_clock_set(int64_t at_ms)
{
	(void)at_ms;
	return -1;
}

int64_t
util_now_ms(void)
{
	return wall_ms();
}
#endif

int64_t
util_mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

char *
util_strlcpy(char *dst, const char *src, size_t n)
{
	size_t len = strlen(src);

	if (n == 0)
		return dst;
	if (len >= n)
		len = n - 1;
	memcpy(dst, src, len);
	dst[len] = '\0';
	return dst;
}

void
util_log(const char *fmt, ...)
{
	va_list ap;

	fputs("tandemd: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}
