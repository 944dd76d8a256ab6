/*
 * waker.c: one thread, a min-heap of deadlines, a condition variable. The
 * thread sleeps until the earliest deadline, pops every deadline that has
 * passed and calls wake() once. It touches nothing of the server but the
 * wake function, which must be thread-safe (lws_cancel_service is).
 */
#include "waker.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <time.h>

#include "tandem/errors.h"
#include "util.h"

/* Deadlines kept at once; more are merged into the latest kept one. */
#define WAKER_MAX 4096

struct waker {
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int64_t heap[WAKER_MAX];
	size_t len;
	bool stopping;
	void (*wake)(void *arg);
	void *arg;
};

static void
heap_push(struct waker *w, int64_t v)
{
	size_t i = w->len++;

	while (i > 0 && w->heap[(i - 1) / 2] > v) {
		w->heap[i] = w->heap[(i - 1) / 2];
		i = (i - 1) / 2;
	}
	w->heap[i] = v;
}

static void
heap_pop(struct waker *w)
{
	int64_t v = w->heap[--w->len];
	size_t i = 0, c;

	for (;;) {
		c = 2 * i + 1;
		if (c >= w->len)
			break;
		if (c + 1 < w->len && w->heap[c + 1] < w->heap[c])
			c++;
		if (w->heap[c] >= v)
			break;
		w->heap[i] = w->heap[c];
		i = c;
	}
	if (w->len > 0)
		w->heap[i] = v;
}

static void *
waker_main(void *arg)
{
	struct waker *w = arg;
	struct timespec ts;
	int64_t now;
	bool fire;

	pthread_mutex_lock(&w->lock);
	while (!w->stopping) {
		if (w->len == 0) {
			pthread_cond_wait(&w->cond, &w->lock);
			continue;
		}
		now = util_mono_ms();
		if (w->heap[0] > now) {
			clock_gettime(CLOCK_MONOTONIC, &ts);
			ts.tv_sec += (w->heap[0] - now) / 1000;
			ts.tv_nsec += ((w->heap[0] - now) % 1000) * 1000000;
			if (ts.tv_nsec >= 1000000000) {
				ts.tv_sec++;
				ts.tv_nsec -= 1000000000;
			}
			pthread_cond_timedwait(&w->cond, &w->lock, &ts);
			continue;
		}
		fire = false;
		while (w->len > 0 && w->heap[0] <= now) {
			heap_pop(w);
			fire = true;
		}
		if (fire) {
			pthread_mutex_unlock(&w->lock);
			w->wake(w->arg);
			pthread_mutex_lock(&w->lock);
		}
	}
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

int
waker_new(struct waker **out, void (*wake)(void *arg), void *arg)
{
	struct waker *w = xcalloc(1, sizeof(*w));
	pthread_condattr_t ca;

	w->wake = wake;
	w->arg = arg;
	pthread_mutex_init(&w->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&w->cond, &ca);
	pthread_condattr_destroy(&ca);
	if (pthread_create(&w->thread, NULL, waker_main, w) != 0) {
		pthread_mutex_destroy(&w->lock);
		pthread_cond_destroy(&w->cond);
		free(w);
		return TD_ERR_INTERNAL;
	}
	*out = w;
	return 0;
}

void
waker_free(struct waker *w)
{
	if (w == NULL)
		return;
	pthread_mutex_lock(&w->lock);
	w->stopping = true;
	pthread_cond_signal(&w->cond);
	pthread_mutex_unlock(&w->lock);
	pthread_join(w->thread, NULL);
	pthread_mutex_destroy(&w->lock);
	pthread_cond_destroy(&w->cond);
	free(w);
}

void
waker_at(struct waker *w, int64_t at_ms)
{
	pthread_mutex_lock(&w->lock);
	if (w->len == WAKER_MAX) {
		/* Full: waking at the earliest kept time is early, not late;
		 * the loop re-arms what is not yet ripe. */
		pthread_mutex_unlock(&w->lock);
		return;
	}
	heap_push(w, at_ms);
	if (w->heap[0] == at_ms)
		pthread_cond_signal(&w->cond);
	pthread_mutex_unlock(&w->lock);
}
