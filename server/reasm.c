/*
 * reasm.c: reassembly of one incoming WebSocket message under a size cap
 * (see reasm.h). It never buffers past the cap and never calls out: the
 * caller decides what a completed or refused message means.
 */
#include "reasm.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

/* A buffer larger than this is freed once its message is handled. */
#define REASM_KEEP 16384
#define REASM_FIRST_CAP 1024

enum reasm_status
reasm_feed(struct reasm *r, const struct reasm_piece *p, size_t max)
{
	if (r->discard)
		return REASM_DROPPED;
	if (p->binary) {
		r->discard = true;
		r->len = 0;
		return REASM_BINARY;
	}
	if (p->first)
		r->len = 0;
	if (p->len > max || p->remaining > max - p->len ||
	    r->len > max - p->len - p->remaining) {
		r->discard = true;
		r->len = 0;
		return REASM_TOO_BIG;
	}
	if (r->len + p->len > r->cap) {
		size_t ncap = r->cap ? r->cap : REASM_FIRST_CAP;

		while (ncap < r->len + p->len)
			ncap *= 2;
		r->buf = xrealloc(r->buf, ncap);
		r->cap = ncap;
	}
	if (p->len > 0)
		memcpy(r->buf + r->len, p->data, p->len);
	r->len += p->len;
	if (!p->final || p->remaining > 0)
		return REASM_MORE;
	return REASM_DONE;
}

void
reasm_done(struct reasm *r)
{
	r->len = 0;
	if (r->cap > REASM_KEEP) {
		free(r->buf);
		r->buf = NULL;
		r->cap = 0;
	}
}

void
reasm_fini(struct reasm *r)
{
	free(r->buf);
	r->buf = NULL;
	r->len = r->cap = 0;
}
