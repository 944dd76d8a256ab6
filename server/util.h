/*
 * util.h: small helpers every server module uses: allocation that aborts on
 * failure (only for small, bounded sizes; peer-sized allocations are checked
 * against a limit first), the clock, and logging.
 */
#ifndef TANDEM_UTIL_H
#define TANDEM_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);

/* Wall-clock milliseconds since the epoch (the test clock when set). */
int64_t util_now_ms(void);
/*
 * The test clock (builds with TANDEM_TEST_HOOKS, started with
 * --test-clock): util_test_clock_set() makes util_now_ms() read `at_ms`
 * now and run on from there; it refuses (-1) to go backwards, and always
 * refuses in other builds.
 */
bool util_test_clock_enabled(void);
int util_test_clock_set(int64_t at_ms);
/* Monotonic milliseconds, for rate limits and timeouts. */
int64_t util_mono_ms(void);

/* Copy NUL-terminated src into dst of size n, truncating; returns dst. */
char *util_strlcpy(char *dst, const char *src, size_t n);

void util_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
