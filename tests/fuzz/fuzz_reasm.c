/*
 * fuzz_reasm.c: a libFuzzer target for the server's message reassembly
 * (server/reasm.c), the code between libwebsockets' receive callbacks and
 * the protocol decoder. The input is a stream of pieces as lws would hand
 * them over, each with its flags and what its frame header still
 * announces (up to 2^40 bytes), so every order of fragments, oversize
 * headers, binary pieces and pieces after a refusal is tried.
 *
 * Oracle: a model written from PROTOCOL.md's close codes (1009: a message
 * whose pieces so far plus what the header still announces pass the cap;
 * 1003: binary; nothing read after a refusal) in 64-bit arithmetic. Every
 * status must agree with it, every completed message must be exactly the
 * bytes the model collected, and the buffer must never hold more than the
 * cap; any disagreement aborts.
 *
 * Input layout: byte 0 picks the cap (255: the real TD_MAX_FRAME, else
 * 1 + 64 x byte); then pieces: a flags byte (1 first, 2 final, 4 binary,
 * 8 a remaining field follows), a 2-byte little-endian length, the
 * optional 5-byte little-endian remaining, and the piece's bytes (cut
 * short at the end of the input).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reasm.h"
#include "tandem/types.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum { F_FIRST = 1, F_FINAL = 2, F_BINARY = 4, F_REMAINING = 8 };

struct model {
	uint8_t *buf;
	uint64_t len;
	int discard;
};

static void
check(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz_reasm: oracle disagrees: %s\n", what);
		abort();
	}
}

static enum reasm_status
model_feed(struct model *m, const struct reasm_piece *p, uint64_t max)
{
	if (m->discard)
		return REASM_DROPPED;
	if (p->binary) {
		m->discard = 1;
		return REASM_BINARY;
	}
	if (p->first)
		m->len = 0;
	if (m->len + (uint64_t)p->len + (uint64_t)p->remaining > max) {
		m->discard = 1;
		return REASM_TOO_BIG;
	}
	memcpy(m->buf + m->len, p->data, p->len);
	m->len += p->len;
	return p->final && p->remaining == 0 ? REASM_DONE : REASM_MORE;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct reasm r = {0};
	struct model m = {0};
	size_t max, at = 1;

	if (size < 1)
		return 0;
	max = data[0] == 255 ? TD_MAX_FRAME : 1 + 64 * (size_t)data[0];
	m.buf = malloc(max);
	while (at + 3 <= size) {
		struct reasm_piece p = {0};
		uint8_t flags = data[at];
		size_t len = data[at + 1] | (size_t)data[at + 2] << 8;
		enum reasm_status got, want;

		at += 3;
		if (flags & F_REMAINING) {
			if (at + 5 > size)
				break;
			for (int i = 4; i >= 0; i--)
				p.remaining = p.remaining << 8 | data[at + i];
			at += 5;
		}
		if (len > size - at)
			len = size - at;
		p.data = (const char *)data + at;
		p.len = len;
		p.first = flags & F_FIRST;
		p.final = flags & F_FINAL;
		p.binary = flags & F_BINARY;
		at += len;
		got = reasm_feed(&r, &p, max);
		want = model_feed(&m, &p, max);
		check(got == want, "status");
		/* Held bytes never pass the cap; the allocation at most
		 * doubles it (or is the first 1 KiB). */
		check(r.len <= max && (r.cap <= 2 * max || r.cap == 1024),
		      "buffered past the cap");
		if (got == REASM_DONE) {
			check(r.len == m.len, "message length");
			check(m.len == 0 || memcmp(r.buf, m.buf, m.len) == 0,
			      "message bytes");
			reasm_done(&r);
			m.len = 0;
		}
	}
	reasm_fini(&r);
	free(m.buf);
	return 0;
}
