/*
 * stats.c: latency samples and percentiles (sorted samples, exact), the
 * meter the adapters feed, and the tiny string scanners the adapters use
 * to pull a number out of a frame without a JSON parser on the hot path.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lg.h"

struct meter lg_meter;

void
lat_add(struct lat *l, uint64_t us)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 65536;
		l->v = realloc(l->v, l->cap * sizeof(*l->v));
		if (l->v == NULL)
			abort();
	}
	l->v[l->n++] = us > UINT32_MAX ? UINT32_MAX : (uint32_t)us;
}

void
lat_reset(struct lat *l)
{
	l->n = 0;
}

static int
cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

double
lat_pct(struct lat *l, double p)
{
	size_t i;

	if (l->n == 0)
		return 0;
	qsort(l->v, l->n, sizeof(*l->v), cmp_u32);
	i = (size_t)(p / 100.0 * (double)(l->n - 1) + 0.5);
	return l->v[i] / 1000.0;
}

int64_t
json_int_after(const char *p, size_t n, const char *key)
{
	size_t kl = strlen(key);
	const char *k = memmem(p, n, key, kl);
	int64_t v = 0;
	bool any = false;

	if (k == NULL)
		return -1;
	for (k += kl; k < p + n && *k >= '0' && *k <= '9'; k++) {
		v = v * 10 + (*k - '0');
		any = true;
	}
	return any ? v : -1;
}

uint64_t
stamp_after(const char *p, size_t n, const char *key)
{
	int64_t v = json_int_after(p, n, key);

	return v < 0 ? 0 : (uint64_t)v;
}

void
meter_delivery(struct conn *c, uint64_t due)
{
	uint64_t now;

	if (due == 0)
		return;
	now = now_ns();
	lg_meter.deliveries++;
	lat_add(&lg_meter.lat, now > due ? (now - due) / 1000 : 0);
	if (++c->got == c->target && c->reconnect_ns != 0)
		lat_add(&lg_meter.catchup, (now - c->reconnect_ns) / 1000);
}
