/*
 * ratelimit.c: token buckets. The login tables are small linear arrays
 * bounded at a fixed size; they evict the least recently touched key, so an
 * attacker cycling through addresses cannot grow memory.
 */
#include "ratelimit.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

struct ratelimit_entry {
	char key[72];
	struct bucket b;
};

static void
bucket_refill(struct bucket *b, double per_sec, double burst, int64_t now)
{
	if (b->last_ms == 0) {
		b->tokens = burst;
	} else if (now > b->last_ms) {
		b->tokens += (double)(now - b->last_ms) * per_sec / 1000.0;
		if (b->tokens > burst)
			b->tokens = burst;
	}
	b->last_ms = now;
}

bool
bucket_take(struct bucket *b, double per_sec, double burst, int64_t now_ms)
{
	bucket_refill(b, per_sec, burst, now_ms);
	if (b->tokens < 1.0)
		return false;
	b->tokens -= 1.0;
	return true;
}

bool
bucket_has(struct bucket *b, double per_sec, double burst, int64_t now_ms)
{
	bucket_refill(b, per_sec, burst, now_ms);
	return b->tokens >= 1.0;
}

void
ratelimit_init(struct ratelimit_table *t, size_t cap, double per_sec,
	       double burst)
{
	t->entries = xcalloc(cap, sizeof(*t->entries));
	t->len = 0;
	t->cap = cap;
	t->per_sec = per_sec;
	t->burst = burst;
}

void
ratelimit_fini(struct ratelimit_table *t)
{
	free(t->entries);
	t->entries = NULL;
	t->len = t->cap = 0;
}

static struct bucket *
ratelimit_find(struct ratelimit_table *t, const char *key)
{
	size_t i, oldest = 0;

	for (i = 0; i < t->len; i++) {
		if (strcmp(t->entries[i].key, key) == 0)
			return &t->entries[i].b;
		if (t->entries[i].b.last_ms < t->entries[oldest].b.last_ms)
			oldest = i;
	}
	if (t->len < t->cap)
		i = t->len++;
	else
		i = oldest;
	util_strlcpy(t->entries[i].key, key, sizeof(t->entries[i].key));
	memset(&t->entries[i].b, 0, sizeof(t->entries[i].b));
	return &t->entries[i].b;
}

bool
ratelimit_take(struct ratelimit_table *t, const char *key, int64_t now_ms)
{
	return bucket_take(ratelimit_find(t, key), t->per_sec, t->burst,
			   now_ms);
}

bool
ratelimit_allows(struct ratelimit_table *t, const char *key, int64_t now_ms)
{
	return bucket_has(ratelimit_find(t, key), t->per_sec, t->burst,
			  now_ms);
}

void
ratelimit_refund(struct ratelimit_table *t, const char *key)
{
	struct bucket *b = ratelimit_find(t, key);

	b->tokens += 1.0;
	if (b->tokens > t->burst)
		b->tokens = t->burst;
}
