/*
 * reasm.h: reassembly of one incoming WebSocket message from the pieces the
 * socket layer hands over (lws calls back with parts of frames, and a
 * message may be fragmented into several frames), under a size cap.
 *
 * Pure code, no libwebsockets: ws.c describes each piece (its bytes, what
 * its frame header still announces, first/final fragment, binary) and acts
 * on the answer; tests/fuzz/fuzz_reasm.c drives it directly. It must never
 * buffer more than the cap, and after a refusal it drops everything.
 */
#ifndef TANDEM_REASM_H
#define TANDEM_REASM_H

#include <stdbool.h>
#include <stddef.h>

struct reasm {
	char *buf;	 /* the message so far */
	size_t len, cap; /* bytes in buf, bytes allocated */
	bool discard;	 /* refused: drop the rest of the stream */
};

/* One piece as the socket layer sees it. */
struct reasm_piece {
	const char *data;
	size_t len;
	size_t remaining; /* payload bytes the frame header still announces */
	bool first;	  /* starts a message (first fragment) */
	bool final;	  /* belongs to the message's final fragment */
	bool binary;	  /* the message is binary */
};

enum reasm_status {
	REASM_MORE,    /* buffered; the message goes on */
	REASM_DONE,    /* complete: buf[0..len), valid until reasm_done() */
	REASM_TOO_BIG, /* refused: over the cap (close 1009) */
	REASM_BINARY,  /* refused: a binary message (close 1003) */
	REASM_DROPPED, /* a piece after a refusal, ignored */
};

/*
 * Take one piece. A message is refused as soon as what arrived plus what
 * its header still announces passes `max`, before anything more is
 * buffered; after TOO_BIG or BINARY every later piece answers DROPPED.
 */
enum reasm_status reasm_feed(struct reasm *r, const struct reasm_piece *p,
			     size_t max);
/* After DONE: forget the message; a large buffer is given back. */
void reasm_done(struct reasm *r);
/* Free the buffer (the struct itself is the caller's). */
void reasm_fini(struct reasm *r);

#endif
