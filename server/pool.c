/*
 * pool.c: worker threads with a bounded queue in and an unbounded (but
 * bounded by the queue) list out. Only lws_cancel_service() crosses from a
 * worker into the loop (through ws_wake).
 */
#include "pool.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>

#include "tandem/errors.h"
#include "server.h"
#include "util.h"

struct pool {
	struct server *srv;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct pool_job *todo_head, *todo_tail;
	struct pool_job *done_head, *done_tail;
	size_t pending;		/* queued + running */
	size_t max_pending;
	bool stopping;
	pthread_t *threads;
	int n_threads;
};

static void
pool_push(struct pool_job **head, struct pool_job **tail,
	  struct pool_job *job)
{
	job->next = NULL;
	if (*tail != NULL)
		(*tail)->next = job;
	else
		*head = job;
	*tail = job;
}

static void *
pool_main(void *arg)
{
	struct pool *p = arg;
	struct pool_job *job;

	pthread_mutex_lock(&p->lock);
	for (;;) {
		while (p->todo_head == NULL && !p->stopping)
			pthread_cond_wait(&p->cond, &p->lock);
		if (p->stopping)
			break;
		job = p->todo_head;
		p->todo_head = job->next;
		if (p->todo_head == NULL)
			p->todo_tail = NULL;
		pthread_mutex_unlock(&p->lock);

		job->work(job);

		pthread_mutex_lock(&p->lock);
		pool_push(&p->done_head, &p->done_tail, job);
		pthread_mutex_unlock(&p->lock);
		ws_wake(p->srv);
		pthread_mutex_lock(&p->lock);
	}
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

int
pool_new(struct pool **out, struct server *srv, int threads,
	 size_t max_pending)
{
	struct pool *p = xcalloc(1, sizeof(*p));
	int i;

	p->srv = srv;
	p->max_pending = max_pending;
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->cond, NULL);
	p->threads = xcalloc((size_t)threads, sizeof(*p->threads));
	for (i = 0; i < threads; i++) {
		if (pthread_create(&p->threads[i], NULL, pool_main, p) != 0)
			break;
		p->n_threads++;
	}
	if (p->n_threads == 0) {
		pool_free(p);
		return TD_ERR_INTERNAL;
	}
	*out = p;
	return 0;
}

static void
pool_free_list(struct pool_job *job)
{
	struct pool_job *next;

	/*
	 * Jobs never handed back are freed through done() with no server
	 * state to act on; done() must cope with a NULL server.
	 */
	for (; job != NULL; job = next) {
		next = job->next;
		job->done(NULL, job);
	}
}

void
pool_free(struct pool *p)
{
	int i;

	if (p == NULL)
		return;
	pthread_mutex_lock(&p->lock);
	p->stopping = true;
	pthread_cond_broadcast(&p->cond);
	pthread_mutex_unlock(&p->lock);
	for (i = 0; i < p->n_threads; i++)
		pthread_join(p->threads[i], NULL);
	pool_free_list(p->todo_head);
	pool_free_list(p->done_head);
	pthread_mutex_destroy(&p->lock);
	pthread_cond_destroy(&p->cond);
	free(p->threads);
	free(p);
}

int
pool_submit(struct pool *p, struct pool_job *job)
{
	pthread_mutex_lock(&p->lock);
	if (p->pending >= p->max_pending) {
		pthread_mutex_unlock(&p->lock);
		return TD_ERR_BUSY;
	}
	p->pending++;
	pool_push(&p->todo_head, &p->todo_tail, job);
	pthread_cond_signal(&p->cond);
	pthread_mutex_unlock(&p->lock);
	return 0;
}

void
pool_drain(struct pool *p)
{
	struct pool_job *job, *next;

	pthread_mutex_lock(&p->lock);
	job = p->done_head;
	p->done_head = p->done_tail = NULL;
	pthread_mutex_unlock(&p->lock);
	for (; job != NULL; job = next) {
		next = job->next;
		pthread_mutex_lock(&p->lock);
		p->pending--;
		pthread_mutex_unlock(&p->lock);
		job->done(p->srv, job);
	}
}
