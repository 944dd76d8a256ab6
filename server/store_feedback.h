/*
 * store_feedback.h: the store's part for feedback items (store_feedback.c):
 * the items, their "me too" votes, the inbox listing and the spike
 * detector the feedback handlers and the team dashboard share.
 *
 * Same rules as store.h: plain structs in and out, callbacks for lists,
 * 0 or a negative TD_ERR_* code from every function, no SQL outside.
 * Times are passed in by the caller (ms since the epoch).
 */
#ifndef TANDEM_STORE_FEEDBACK_H
#define TANDEM_STORE_FEEDBACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tandem/types.h"

struct store;

#define STORE_FB_TEXT (TD_TITLE_CHARS * 4 + 1)
#define STORE_FB_NAME (TD_ACCOUNT_CHARS * 4 + 1)

/*
 * A feedback item. The fields up to updated_at are stored; the rest are
 * derived from its votes and links whenever it is read (never kept as
 * counters that could drift).
 */
struct store_feedback {
	int64_t id;
	int64_t conv;		/* the conversation it owns */
	int kind;		/* enum td_feedback_kind */
	char title[STORE_FB_TEXT];
	char *body;		/* owned when read back; borrowed by _add */
	char account[STORE_FB_NAME];
	char competitor[STORE_FB_NAME];
	int stage;		/* enum td_deal_stage */
	int64_t value;
	int status;		/* enum td_feedback_status */
	int64_t author;
	char nonce[TD_NONCE_MAX + 1]; /* "" when none */
	int64_t created_at, updated_at;
	/* Derived. */
	int votes;
	int weights[3];		/* votes per enum td_weight */
	int64_t value_total;	/* value plus every vote's value */
	bool voted;		/* by the viewer the read was made for */
	char **accounts;	/* owned: distinct non-empty accounts */
	size_t n_accounts;
	int64_t *requests;	/* owned: linked request ids, ascending */
	size_t n_requests;
};

void store_feedback_fini(struct store_feedback *f);

/*
 * Store a new item (f->body borrowed, f->created_at the time). Fills
 * f->id; updated_at = created_at. TD_ERR_CONFLICT when the author already
 * used that nonce.
 */
int store_feedback_add(struct store *st, struct store_feedback *f);
/*
 * Read an item with its derived fields, as seen by `viewer` (0: nobody,
 * voted = false). On success *f is the caller's (store_feedback_fini()).
 */
int store_feedback_get(struct store *st, int64_t id, int64_t viewer,
		       struct store_feedback *f);
/* The item that owns conversation conv, as store_feedback_get(). */
int store_feedback_by_conv(struct store *st, int64_t conv, int64_t viewer,
			   struct store_feedback *f);
/* The author's item with that nonce, as store_feedback_get(). */
int store_feedback_by_nonce(struct store *st, int64_t author,
			    const char *nonce, struct store_feedback *f);
/* Set the status and updated_at. TD_ERR_NOT_FOUND for no such item. */
int store_feedback_set_status(struct store *st, int64_t id, int status,
			      int64_t at);

/* One "me too". */
struct store_feedback_vote {
	int64_t feedback;
	int64_t user;
	char account[STORE_FB_NAME];
	int weight;		/* enum td_weight */
	int64_t value;
	int stage;		/* enum td_deal_stage */
	int64_t created_at;	/* when first cast */
};

/*
 * Cast or replace the user's vote (at v->created_at) and touch the item's
 * updated_at. A replaced vote keeps the time it was first cast.
 * TD_ERR_NOT_FOUND for an unknown item or user.
 */
int store_feedback_vote_set(struct store *st,
			    const struct store_feedback_vote *v);
/* Remove the user's vote, touching updated_at (`at`); TD_ERR_NOT_FOUND
 * when it has none. */
int store_feedback_vote_remove(struct store *st, int64_t feedback,
			       int64_t user, int64_t at);
/* An item's votes, oldest first; the vote passed to fn is borrowed. */
int store_feedback_votes(struct store *st, int64_t feedback,
			 int (*fn)(void *ctx,
				   const struct store_feedback_vote *v),
			 void *ctx);

/* The inbox: filters, order and page of store_feedback_list(). */
enum store_feedback_sort {
	STORE_FB_SORT_VOTES,	/* votes, then value_total, then newest */
	STORE_FB_SORT_VALUE,	/* value_total, then newest */
	STORE_FB_SORT_NEWEST	/* created_at, then id, descending */
};

struct store_feedback_query {
	int64_t viewer;		/* for `voted` */
	int kind;		/* -1: any */
	int status;		/* -1: any */
	const char *account;	/* "": any; else the author's or a vote's,
				 * ASCII case-insensitively */
	const char *competitor;	/* "": any; ASCII case-insensitively */
	int64_t created_after;	/* created_at > this; -1: unbounded */
	int64_t created_before;	/* created_at < this; 0: unbounded */
	enum store_feedback_sort sort;
	int limit, offset;
};

/*
 * One page of the inbox in one statement (aggregates as subqueries).
 * *more says whether items follow the page. The item passed to fn is
 * borrowed for the call.
 */
int store_feedback_list(struct store *st, const struct store_feedback_query *q,
			bool *more,
			int (*fn)(void *ctx, const struct store_feedback *f),
			void *ctx);

/* The spike windows: the last 7 days, and the 28 days before them. */
#define STORE_FB_WEEK_MS (7LL * 24 * 3600 * 1000)
#define STORE_FB_PRIOR_MS (4 * STORE_FB_WEEK_MS)

/*
 * A kind or a competitor rising: activity (items filed plus votes cast on
 * items of that kind or naming that competitor) in the last 7 days
 * against a weekly baseline of the 28 days before.
 */
struct store_feedback_spike {
	int kind;		/* enum td_feedback_kind; -1: a competitor */
	char key[STORE_FB_NAME]; /* the kind's wire name, or the competitor */
	int64_t last_7_days;
	int64_t prior_4_weeks;
	double weekly_baseline;	/* prior_4_weeks / 4 */
	double ratio;		/* last_7_days / max(weekly_baseline, 1) */
};

/*
 * The spikes at `now`: last_7_days >= 3 and last_7_days >= 2 x
 * weekly_baseline (so a zero baseline counts with 3 or more), highest
 * ratio first, then most activity. Competitors group ASCII
 * case-insensitively under one spelling. The spike passed to fn is
 * borrowed for the call.
 */
int store_feedback_spikes(struct store *st, int64_t now,
			  int (*fn)(void *ctx,
				    const struct store_feedback_spike *sp),
			  void *ctx);

#endif
