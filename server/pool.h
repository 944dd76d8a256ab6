/*
 * pool.h: a small bounded pool of worker threads for work that would stall
 * the event loop (Argon2id: ~0.1 s and 64 MiB a hash).
 *
 * A job's work() runs on a worker and may touch nothing but the job itself.
 * Finished jobs are handed back to the loop thread: the pool wakes the loop
 * (ws_wake, i.e. lws_cancel_service) and pool_drain() runs each job's done()
 * there, which also frees the job. If pool_submit() fails, neither callback
 * is ever called and the caller still owns the job.
 */
#ifndef TANDEM_POOL_H
#define TANDEM_POOL_H

#include <stddef.h>

struct pool;
struct server;

struct pool_job {
	struct pool_job *next;
	void (*work)(struct pool_job *job);
	void (*done)(struct server *srv, struct pool_job *job);
};

int pool_new(struct pool **out, struct server *srv, int threads,
	     size_t max_pending);
/* Stop the workers (after their current job) and free finished jobs. */
void pool_free(struct pool *p);
/* 0, or TD_ERR_BUSY when max_pending jobs are already waiting. */
int pool_submit(struct pool *p, struct pool_job *job);
/* On the loop thread: run done() for every finished job. */
void pool_drain(struct pool *p);

#endif
