/*
 * search.c: the search box's language, parsed into a struct proto_search.
 *
 * The user's words never become FTS5 syntax: each term is written as an
 * FTS5 string (double quotes, inner quotes doubled), so "OR", "NEAR(",
 * "*" or an unbalanced quote are just text to find. The store binds the
 * result as a parameter; nothing here or there pastes user text into SQL.
 *
 * Pure: no I/O, no allocation; any bytes are accepted without overrun.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "tandem/proto.h"

/* Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar. */
static int64_t
days_from_civil(int y, int m, int d)
{
	int era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return (int64_t)era * 146097 + doe - 719468;
}

/* "YYYY-MM-DD" to the ms at 00:00 UTC of that day; -1 when malformed. */
static int64_t
parse_day(const char *s)
{
	static const int mdays[] = { 31, 29, 31, 30, 31, 30,
				     31, 31, 30, 31, 30, 31 };
	int y, m, d;

	if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return -1;
	for (int i = 0; i < 10; i++)
		if (i != 4 && i != 7 && !isdigit((unsigned char)s[i]))
			return -1;
	y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 +
	    (s[3] - '0');
	m = (s[5] - '0') * 10 + (s[6] - '0');
	d = (s[8] - '0') * 10 + (s[9] - '0');
	if (y < 1970 || m < 1 || m > 12 || d < 1 || d > mdays[m - 1])
		return -1;
	if (m == 2 && d == 29 && !(y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)))
		return -1;
	return days_from_civil(y, m, d) * 86400000LL;
}

/* Copy a filter value into a fixed field; false when empty or too long. */
static bool
take_value(char *dst, size_t cap, const char *v, bool handle)
{
	size_t n = strlen(v);

	if (n == 0 || n >= cap)
		return false;
	memcpy(dst, v, n + 1);
	return handle ? proto_valid_handle(dst) : proto_valid_channel_name(dst);
}

/*
 * Bytes of t that the store's word tokenizer (unicode61) keeps: ASCII
 * letters and digits and every non-ASCII byte; other ASCII characters
 * separate words. A term with fewer than 2 is dropped: punctuation alone
 * would be an empty phrase that makes the whole AND match nothing, and a
 * single letter a prefix query over most of the index.
 */
static size_t
word_chars(const char *t)
{
	size_t n = 0;

	for (; *t != '\0'; t++)
		if (isalnum((unsigned char)*t) || (unsigned char)*t >= 0x80)
			n++;
	return n;
}

/* Append one term to out->fts as an FTS5 string. */
static void
add_term(struct proto_search *out, const char *t)
{
	size_t len = strlen(out->fts);

	if (word_chars(t) < 2) {
		out->dropped++;
		return;
	}
	if (out->n_terms > 0) {
		memcpy(out->fts + len, " AND ", 6);
		len += 5;
	}
	out->fts[len++] = '"';
	for (; *t != '\0' && len + 3 < sizeof(out->fts); t++) {
		if (*t == '"')
			out->fts[len++] = '"';
		out->fts[len++] = *t;
	}
	out->fts[len++] = '"';
	out->fts[len] = '\0';
	out->n_terms++;
}

static int
bad(struct proto_search *out, const char *why)
{
	out->why = why;
	return TD_ERR_BAD_REQUEST;
}

/* One whitespace-separated word: a filter or a term. */
static int
parse_word(struct proto_search *out, const char *w)
{
	const char *v;
	int64_t t;

	if (strncmp(w, "in:#", 4) == 0) {
		if (!take_value(out->in_channel, sizeof(out->in_channel), w + 4,
				false))
			return bad(out, "in:# needs a channel name");
		out->in_dm[0] = '\0';
		return 0;
	}
	if (strncmp(w, "in:@", 4) == 0) {
		if (!take_value(out->in_dm, sizeof(out->in_dm), w + 4, true))
			return bad(out, "in:@ needs a handle");
		out->in_channel[0] = '\0';
		return 0;
	}
	if (strncmp(w, "from:", 5) == 0) {
		v = w + 5 + (w[5] == '@');
		if (!take_value(out->from, sizeof(out->from), v, true))
			return bad(out, "from: needs a handle");
		return 0;
	}
	if (strncmp(w, "before:", 7) == 0 || strncmp(w, "after:", 6) == 0) {
		bool before = w[0] == 'b';

		t = parse_day(w + (before ? 7 : 6));
		if (t < 0)
			return bad(out, "dates are written YYYY-MM-DD");
		if (before)
			out->before_ms = t;
		else
			out->after_ms = t + 86400000LL;
		return 0;
	}
	if (strcmp(w, "has:link") == 0) {
		out->has_link = true;
		return 0;
	}
	if (strncmp(w, "in:", 3) == 0 || strncmp(w, "has:", 4) == 0)
		return bad(out, "unknown filter: use in:#channel, in:@handle, "
				"from:@handle, before:, after: or has:link");
	add_term(out, w);
	return 0;
}

int
proto_parse_search(const char *query, struct proto_search *out)
{
	char word[TD_QUERY_MAX + 1];
	size_t n;
	int rc;

	memset(out, 0, sizeof(*out));
	if (query == NULL)
		return bad(out, "empty query");
	while (*query != '\0') {
		while (*query == ' ' || *query == '\t' || *query == '\n')
			query++;
		n = 0;
		while (query[n] != '\0' && query[n] != ' ' && query[n] != '\t' &&
		       query[n] != '\n')
			n++;
		if (n == 0)
			break;
		if (n >= sizeof(word))
			return bad(out, "query too long");
		memcpy(word, query, n);
		word[n] = '\0';
		query += n;
		rc = parse_word(out, word);
		if (rc != 0)
			return rc;
	}
	if (out->n_terms == 0 && !out->has_link && out->from[0] == '\0' &&
	    out->in_channel[0] == '\0' && out->in_dm[0] == '\0')
		return bad(out, out->dropped > 0
					? "search terms need at least 2 characters"
					: "nothing to search for");
	return 0;
}
