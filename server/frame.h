/*
 * frame.h: one outgoing WebSocket text message, immutable once built and
 * shared by reference between every recipient's queue. The text starts
 * FRAME_HEADROOM bytes into the buffer so the socket layer can prepend its
 * header in place (LWS_PRE; ws.c checks the two agree).
 */
#ifndef TANDEM_FRAME_H
#define TANDEM_FRAME_H

#include <stddef.h>

#include "tandem/proto.h"

#define FRAME_HEADROOM 16

struct frame {
	int refs;
	size_t len;	/* text length, after the headroom */
	char *buf;	/* FRAME_HEADROOM + len bytes */
};

/* Take ownership of a writer's buffer (built with FRAME_HEADROOM). */
struct frame *frame_from_jw(struct jw *w);
/* Copy `len` bytes of text into a new frame. */
struct frame *frame_from_text(const char *text, size_t len);
struct frame *frame_ref(struct frame *f);
void frame_unref(struct frame *f);

static inline const char *
frame_text(const struct frame *f)
{
	return f->buf + FRAME_HEADROOM;
}

#endif
