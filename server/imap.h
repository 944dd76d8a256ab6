/*
 * imap.h: an open-addressing hash map from non-zero int64 keys to pointers,
 * used for the session indexes (by session id and by user id).
 */
#ifndef TANDEM_IMAP_H
#define TANDEM_IMAP_H

#include <stddef.h>
#include <stdint.h>

struct imap {
	int64_t *keys;	/* 0 = empty, -1 = deleted */
	void **vals;
	size_t cap;	/* power of two */
	size_t len;
	size_t used;	/* len + deleted slots */
};

void imap_init(struct imap *m);
void imap_fini(struct imap *m);
void *imap_get(const struct imap *m, int64_t key);
/* Insert or replace. */
void imap_put(struct imap *m, int64_t key, void *val);
void imap_del(struct imap *m, int64_t key);

#endif
