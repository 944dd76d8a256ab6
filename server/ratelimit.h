/*
 * ratelimit.h: token buckets, for requests per connection and for login
 * attempts per account and per address.
 */
#ifndef TANDEM_RATELIMIT_H
#define TANDEM_RATELIMIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct bucket {
	double tokens;
	int64_t last_ms;
};

/* Refill at `per_sec` up to `burst`, then take one token if there is one. */
bool bucket_take(struct bucket *b, double per_sec, double burst,
		 int64_t now_ms);
/* Peek without taking: would a take succeed? */
bool bucket_has(struct bucket *b, double per_sec, double burst,
		int64_t now_ms);

/*
 * A table of buckets keyed by string (a handle or an address), bounded in
 * size: when full, the entry least recently used is evicted.
 */
struct ratelimit_entry;
struct ratelimit_table {
	struct ratelimit_entry *entries;
	size_t len, cap;
	double per_sec, burst;
};

void ratelimit_init(struct ratelimit_table *t, size_t cap, double per_sec,
		    double burst);
void ratelimit_fini(struct ratelimit_table *t);
/* Take one token for `key`; false when the key is over its limit. */
bool ratelimit_take(struct ratelimit_table *t, const char *key,
		    int64_t now_ms);
/* Give back a token taken for `key` (the attempt turned out fine). */
void ratelimit_refund(struct ratelimit_table *t, const char *key);
/* Whether `key` still has a token, without taking one. */
bool ratelimit_allows(struct ratelimit_table *t, const char *key,
		      int64_t now_ms);

#endif
