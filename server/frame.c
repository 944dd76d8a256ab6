/*
 * frame.c: refcounted outgoing frames. A frame is serialized once and every
 * recipient's queue holds a reference; the last unref frees it. Frames are
 * only touched by the event-loop thread, so the count is a plain int.
 */
#include "frame.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

struct frame *
frame_from_jw(struct jw *w)
{
	struct frame *f = xmalloc(sizeof(*f));

	assert(w->headroom == FRAME_HEADROOM);
	f->refs = 1;
	f->buf = jw_take(w, &f->len);
	return f;
}

struct frame *
frame_from_text(const char *text, size_t len)
{
	struct frame *f = xmalloc(sizeof(*f));

	f->refs = 1;
	f->len = len;
	f->buf = xmalloc(FRAME_HEADROOM + len + 1);
	memcpy(f->buf + FRAME_HEADROOM, text, len);
	f->buf[FRAME_HEADROOM + len] = '\0';
	return f;
}

struct frame *
frame_ref(struct frame *f)
{
	assert(f->refs > 0);
	f->refs++;
	return f;
}

void
frame_unref(struct frame *f)
{
	if (f == NULL)
		return;
	assert(f->refs > 0);
	if (--f->refs == 0) {
		free(f->buf);
		free(f);
	}
}
