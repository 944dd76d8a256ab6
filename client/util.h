/*
 * util.h: small helpers of the terminal client: aborting allocators, the
 * client's own error codes and exit statuses, and the output sanitizer that
 * stands between text received from the server and the user's terminal.
 */
#ifndef TANDEM_CLIENT_UTIL_H
#define TANDEM_CLIENT_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/*
 * Client-side error codes. Server errors are the TD_ERR_* codes of
 * tandem/errors.h (-1..-20); these live below them so one int carries either.
 * Each has a stable name printed in "tandem: <code>: <message>".
 */
enum cli_err {
	CLI_ERR_USAGE = -100,  /* "usage": bad command line */
	CLI_ERR_NET = -101,    /* "network": cannot reach or lost the server */
	CLI_ERR_IO = -102,     /* "io": a local file or stdin failed */
	CLI_ERR_PROTO = -103,  /* "protocol": the server sent nonsense */
	CLI_ERR_SERVER = -104, /* an error code this client does not know */
	CLI_ERR_CONFIG = -105  /* "config": no server or token configured */
};

/* Exit statuses, documented in --help and tandem(1). */
enum cli_exit {
	CLI_EXIT_OK = 0,
	CLI_EXIT_ERROR = 1,
	CLI_EXIT_USAGE = 2,
	CLI_EXIT_AUTH = 3,
	CLI_EXIT_NOT_FOUND = 4,
	CLI_EXIT_NETWORK = 5
};

/* Allocation that cannot fail: on exhaustion print a message and abort. */
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
/* Like asprintf(), aborting on failure. */
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * A growable byte string, always NUL-terminated. Embedded: sbuf_init() /
 * sbuf_fini(); sbuf_take() hands the heap string to the caller.
 */
struct sbuf {
	char *s;
	size_t len;
	size_t cap;
};

void sbuf_init(struct sbuf *b);
void sbuf_fini(struct sbuf *b);
char *sbuf_take(struct sbuf *b);
void sbuf_add(struct sbuf *b, const char *s, size_t n);
void sbuf_adds(struct sbuf *b, const char *s);
void sbuf_addf(struct sbuf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Sanitizer flags. Without them, \n and \t are neutralized like any C0. */
#define SAN_KEEP_NL 0x1u  /* pass \n through (multi-line output) */
#define SAN_KEEP_TAB 0x2u /* pass \t through */
#define SAN_NL_MARK 0x4u  /* show \n as U+21B5 (one line per message) */

/*
 * Append `s` (len bytes, any content) to `out` so that it is safe to print
 * on a terminal: C0 controls (except \n/\t when allowed), DEL and C1
 * controls become visible escapes ("\x1b", "\u009b"), bidi overrides and
 * isolates (U+202A-202E, U+2066-2069) become "\u202e"-style escapes, and each
 * invalid UTF-8 byte becomes U+FFFD. Nothing that a terminal interprets ever
 * reaches `out`.
 */
void util_sanitize(struct sbuf *out, const char *s, size_t len, unsigned flags);

/* Print sanitized text (a NUL-terminated string) to f. */
void util_fput_safe(FILE *f, const char *s, unsigned flags);

/*
 * Print s sanitized in a table cell of exactly `width` characters (code
 * points): cut with "…" when longer, padded with spaces when shorter.
 */
void util_fput_cell(FILE *f, const char *s, size_t width);

/*
 * Print one line of JSON text (from struct jw) to f followed by "\n",
 * rewriting raw DEL, C1 controls and bidi controls inside strings as \uXXXX
 * escapes and invalid UTF-8 as \ufffd. The JSON value is unchanged, but a
 * terminal showing it sees no control sequence.
 */
void util_fput_json_line(FILE *f, const char *json, size_t len);

/*
 * Read one line from f into a heap string without its line ending.
 * Returns 0, or CLI_ERR_IO at end of input or on a read error.
 */
int util_read_line(FILE *f, char **out);

/*
 * Read all of fd, at most `max` bytes. Returns 0 and a heap string (*out,
 * *len), CLI_ERR_IO on a read error, or 1 when the input is longer than max.
 */
int util_read_all(int fd, size_t max, char **out, size_t *len);

/* Fill buf with n random lowercase hex digits and a NUL (n+1 bytes). */
void util_random_hex(char *buf, size_t n);

/* "HH:MM" in local time for ms since the epoch; buf holds at least 6. */
void util_format_hhmm(int64_t ms, char *buf, size_t size);

/* "YYYY-MM-DD HH:MM" in UTC for ms since the epoch, "-" for 0. */
void util_format_utc(int64_t ms, char *buf, size_t size);

/*
 * How far `ms` (since the epoch) is from now, in the largest whole unit:
 * "in 3d", "5h ago", "now"; "-" for 0.
 */
void util_format_relative(int64_t ms, char *buf, size_t size);

/* A short amount: "950", "120k", "1.5M", "2B"; "-" for 0. */
void util_format_amount(int64_t v, char *buf, size_t size);

/* A duration in minutes as "45m", "4h", "5d", "1d 12h". */
void util_format_minutes(int64_t minutes, char *buf, size_t size);

/* Milliseconds since the epoch, from the wall clock. */
int64_t util_wall_ms(void);

/* Milliseconds of a monotonic clock. */
int64_t util_now_ms(void);

/* Sleep for ms milliseconds (restarting after signals). */
void util_sleep_ms(int64_t ms);

/* Overwrite n bytes at p in a way the compiler does not elide. */
void util_wipe(void *p, size_t n);

#endif
