/*
 * waker.h: wakes the event loop at given times.
 *
 * libwebsockets 4.1.6 on libev re-arms its loop timer only when the
 * earliest timer fires, so an lws_sul scheduled sooner than the one already
 * armed runs late (up to lws's 30 s housekeeping tick). A timer thread that
 * calls the wake function (lws_cancel_service) at each deadline makes lws
 * service its ripe timers on time. ws_schedule() pairs the two.
 */
#ifndef TANDEM_WAKER_H
#define TANDEM_WAKER_H

#include <stdint.h>

struct waker;

int waker_new(struct waker **out, void (*wake)(void *arg), void *arg);
/* Stop the thread and free everything. */
void waker_free(struct waker *w);
/* Call wake() at (or just after) the monotonic time `at_ms`. */
void waker_at(struct waker *w, int64_t at_ms);

#endif
