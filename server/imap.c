/*
 * imap.c: linear-probing hash map, int64 keys (> 0) to pointers. Deleted
 * slots are tombstones; the table is rebuilt when live plus dead slots pass
 * three quarters of its size.
 */
#include "imap.h"

#include <assert.h>
#include <stdlib.h>

#include "util.h"

#define IMAP_EMPTY 0
#define IMAP_DEAD (-1)

static size_t
imap_hash(int64_t key, size_t cap)
{
	uint64_t x = (uint64_t)key;

	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	return (size_t)x & (cap - 1);
}

void
imap_init(struct imap *m)
{
	m->cap = 64;
	m->len = 0;
	m->used = 0;
	m->keys = xcalloc(m->cap, sizeof(*m->keys));
	m->vals = xcalloc(m->cap, sizeof(*m->vals));
}

void
imap_fini(struct imap *m)
{
	free(m->keys);
	free(m->vals);
	m->keys = NULL;
	m->vals = NULL;
	m->cap = m->len = m->used = 0;
}

static void
imap_grow(struct imap *m)
{
	struct imap n;
	size_t i;

	n.cap = m->len * 4 > m->cap ? m->cap * 2 : m->cap;
	n.len = n.used = 0;
	n.keys = xcalloc(n.cap, sizeof(*n.keys));
	n.vals = xcalloc(n.cap, sizeof(*n.vals));
	for (i = 0; i < m->cap; i++)
		if (m->keys[i] > 0)
			imap_put(&n, m->keys[i], m->vals[i]);
	imap_fini(m);
	*m = n;
}

void *
imap_get(const struct imap *m, int64_t key)
{
	size_t i = imap_hash(key, m->cap);

	assert(key > 0);
	for (;;) {
		if (m->keys[i] == key)
			return m->vals[i];
		if (m->keys[i] == IMAP_EMPTY)
			return NULL;
		i = (i + 1) & (m->cap - 1);
	}
}

void
imap_put(struct imap *m, int64_t key, void *val)
{
	size_t i, dead = SIZE_MAX;

	assert(key > 0);
	if ((m->used + 1) * 4 > m->cap * 3)
		imap_grow(m);
	i = imap_hash(key, m->cap);
	for (;;) {
		if (m->keys[i] == key) {
			m->vals[i] = val;
			return;
		}
		if (m->keys[i] == IMAP_DEAD && dead == SIZE_MAX)
			dead = i;
		if (m->keys[i] == IMAP_EMPTY)
			break;
		i = (i + 1) & (m->cap - 1);
	}
	if (dead != SIZE_MAX) {
		i = dead;
	} else {
		m->used++;
	}
	m->keys[i] = key;
	m->vals[i] = val;
	m->len++;
}

void
imap_del(struct imap *m, int64_t key)
{
	size_t i = imap_hash(key, m->cap);

	for (;;) {
		if (m->keys[i] == key) {
			m->keys[i] = IMAP_DEAD;
			m->vals[i] = NULL;
			m->len--;
			return;
		}
		if (m->keys[i] == IMAP_EMPTY)
			return;
		i = (i + 1) & (m->cap - 1);
	}
}
