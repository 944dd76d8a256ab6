/*
 * store_request.h: the store's part for content requests (store_request.c):
 * requests with their SLA clocks and delivered asset, SLA targets per
 * priority, verdicts, links from feedback, and the lookups the request
 * handlers need (who hears of a delivery, who hears of a breach, which
 * clock breaches next).
 *
 * Plain structs in and out; every function returns 0 or a TD_ERR_* code
 * (TD_ERR_NOT_FOUND for a missing row). The store applies no rule of the
 * request lifecycle: h_request.c decides, the store keeps.
 */
#ifndef TANDEM_STORE_REQUEST_H
#define TANDEM_STORE_REQUEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tandem/types.h"

struct store;

/*
 * One SLA clock. It runs from its start until it is met (met_at), stopped
 * by a close or a decline (stopped_at), or breached (breached_at, which
 * is always due_at); a breached clock can still be met later. due_at is
 * start + target + the pauses it ran through, and stays once it ends.
 */
struct store_sla_clock {
	int64_t target_ms;
	int64_t due_at;
	int64_t met_at;
	int64_t stopped_at;
	int64_t breached_at;
};

#define STORE_REQUEST_TEXT (TD_ACCOUNT_CHARS * 4 + 1)

struct store_request {
	int64_t id;
	int64_t conv;
	int kind;		/* enum td_request_kind */
	char title[TD_TITLE_CHARS * 4 + 1];
	char *body;		/* owned: store_request_fini() */
	char account[STORE_REQUEST_TEXT];
	char deal[STORE_REQUEST_TEXT];
	int stage;		/* enum td_deal_stage */
	int64_t value;
	int64_t due;		/* the requester's due date, 0 = none */
	int priority;		/* enum td_priority */
	int status;		/* enum td_request_status */
	int resume_status;	/* the status before waiting_on_requester */
	char reason[TD_REASON_CHARS * 4 + 1]; /* decline reason */
	int64_t requester;
	int64_t assignee;	/* 0 = nobody */
	char nonce[TD_NONCE_MAX + 1]; /* "" = none */
	int64_t created_at, updated_at;
	int64_t paused_since;	/* > 0 while waiting on the requester */
	int64_t paused_ms;	/* pauses of the current delivery clock */
	int64_t dl_started_at;	/* the delivery clock's start */
	struct store_sla_clock fr, dl;
	char asset_url[TD_URL_MAX + 1]; /* "" = nothing delivered yet */
	char asset_note[TD_NOTE_CHARS * 4 + 1];
	int64_t asset_at, asset_by;
	/* Read back only (store_request_put ignores them). */
	int verdicts[3];	/* count per enum td_verdict */
	int64_t *feedback;	/* owned: linked feedback ids, ascending */
	size_t n_feedback;
};

/* Free what a read-back request owns (body, feedback); safe twice. */
void store_request_fini(struct store_request *r);

/* Insert a new request (all columns as given; body borrowed). Fills
 * r->id. TD_ERR_CONFLICT when the requester already used the nonce. */
int store_request_add(struct store *st, struct store_request *r);
/* Write back every column a request's life changes (not id, conv,
 * requester, nonce, created_at). TD_ERR_NOT_FOUND for no such id. */
int store_request_put(struct store *st, const struct store_request *r);
/* Read one request; the result owns body and feedback. */
int store_request_get(struct store *st, int64_t id, struct store_request *r);
int store_request_by_conv(struct store *st, int64_t conv,
			  struct store_request *r);
int store_request_by_nonce(struct store *st, int64_t requester,
			   const char *nonce, struct store_request *r);

enum store_request_sort {
	STORE_REQUEST_SORT_QUEUE,
	STORE_REQUEST_SORT_DUE,
	STORE_REQUEST_SORT_NEWEST
};

/* request.list's filters: a negative or zero "any" as noted. */
struct store_request_filter {
	int status;		/* < 0: the open statuses */
	int kind;		/* < 0: any */
	int64_t assignee;	/* < 0: any; 0: unassigned */
	const char *account;	/* NULL: any; else ASCII case-insensitive */
	int64_t requester;	/* 0: any */
	enum store_request_sort sort;
	int64_t now;		/* what "past due" is measured against */
	int limit, offset;
};

/* A page of requests in the filter's order; *more says whether more
 * follow. The request passed to fn is borrowed for the call. */
int store_request_list(struct store *st, const struct store_request_filter *f,
		       bool *more,
		       int (*fn)(void *ctx, const struct store_request *r),
		       void *ctx);

/* ---- SLA targets, ms per priority ---- */
int store_sla_get(struct store *st, int priority, int64_t *fr_ms,
		  int64_t *dl_ms);
int store_sla_set(struct store *st, int priority, int64_t fr_ms,
		  int64_t dl_ms);
/* Every priority, ascending. */
int store_sla_list(struct store *st,
		   int (*fn)(void *ctx, int priority, int64_t fr_ms,
			     int64_t dl_ms),
		   void *ctx);

/*
 * The running clock that comes due first (not met, stopped, breached or
 * paused): *due, its request and which clock (0 first response, 1
 * delivery). TD_ERR_NOT_FOUND when no clock runs.
 */
int store_sla_next(struct store *st, int64_t *due, int64_t *request,
		   int *clock);

/* ---- verdicts: one per user and request ---- */
struct store_verdict {
	int64_t user;
	int verdict;		/* enum td_verdict */
	char note[TD_NOTE_CHARS * 4 + 1];
	char deal[STORE_REQUEST_TEXT];
	int64_t created_at;
};

/* Insert or replace the user's verdict (note and deal borrowed). */
int store_verdict_put(struct store *st, int64_t request,
		      const struct store_verdict *v);
/* Oldest first; the verdict passed to fn is borrowed for the call. */
int store_verdict_list(struct store *st, int64_t request,
		       int (*fn)(void *ctx, const struct store_verdict *v),
		       void *ctx);

/* ---- feedback ---- */
/* Link a feedback item to a request; *added is false when it already
 * was. TD_ERR_NOT_FOUND when the feedback item does not exist. */
int store_request_link(struct store *st, int64_t request, int64_t feedback,
		       int64_t at, bool *added);

/* What feedback.to_request copies from a feedback item. */
struct store_feedback_source {
	int kind;		/* enum td_feedback_kind */
	char title[TD_TITLE_CHARS * 4 + 1];
	char *body;		/* owned: free() */
	char account[STORE_REQUEST_TEXT];
	int stage;
	int64_t value;
	int64_t author;
};

int store_feedback_source(struct store *st, int64_t feedback,
			  struct store_feedback_source *out);

/* ---- audiences: user ids, each once, ascending ---- */
/* Who hears of a delivery: the requester, the watchers (members of the
 * request's conversation), and the authors and voters of every linked
 * feedback item. */
int store_request_audience(struct store *st, int64_t request,
			   int (*fn)(void *ctx, int64_t user), void *ctx);
/* Every user of `team`. */
int store_team_users(struct store *st, int team,
		     int (*fn)(void *ctx, int64_t user), void *ctx);

#endif
