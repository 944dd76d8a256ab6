/*
 * store_pair.h: the store's part for buddy pairs (store_pair.c): pairs,
 * pairing rounds and their schedule, pairing preferences, the facts a
 * pair's starter draws on, a pair's message activity and the nudge state.
 *
 * Every function returns 0 or a TD_ERR_* code and never aborts on bad
 * input. Lists come back as heap arrays the caller frees with free();
 * their length is bounded by the number of users.
 */
#ifndef TANDEM_STORE_PAIR_H
#define TANDEM_STORE_PAIR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tandem/types.h"

struct store;

struct store_pair {
	int64_t id;
	int64_t rep, marketer;
	int64_t third;		/* 0: a pair, not a trio */
	int64_t round;		/* 0: made by hand */
	int64_t conv;
	int64_t created_at;
	int64_t ended_at;	/* 0: active */
	int64_t created_by;
};

struct store_round {
	int64_t id;
	int64_t created_at;
	int64_t created_by;
};

struct store_round_config {
	int cadence;		/* enum td_cadence */
	int64_t next_at;	/* 0 when off */
	int64_t set_by;
};

/* A growable array of user ids, or of pairs. */
struct store_ids {
	int64_t *v;
	size_t n, cap;
};

struct store_pairs {
	struct store_pair *v;
	size_t n, cap;
};

void store_ids_push(struct store_ids *a, int64_t id);
void store_ids_fini(struct store_ids *a);
void store_pairs_fini(struct store_pairs *a);

/* Insert p (id is set); p->created_at and the rest come from the caller. */
int store_pair_add(struct store *st, struct store_pair *p);
int store_pair_get(struct store *st, int64_t id, struct store_pair *p);
/* End an active pair at `at`; TD_ERR_CONFLICT when it had ended. */
int store_pair_end(struct store *st, int64_t id, int64_t at);
int store_pair_active_count(struct store *st, int64_t *n);
/* The active pair `user` belongs to; TD_ERR_NOT_FOUND when none. */
int store_pair_active_of(struct store *st, int64_t user,
			 struct store_pair *p);
/*
 * Pairs in id order: active ones, plus those of the newest round even if
 * ended (with_last_round); viewer > 0 keeps only the pairs it is in.
 */
int store_pair_list(struct store *st, bool with_last_round, int64_t viewer,
		    struct store_pairs *out);
/* The pairs of one round in id order (viewer as above). */
int store_round_pairs(struct store *st, int64_t round, int64_t viewer,
		      struct store_pairs *out);
/* Every pair of the last `rounds` rounds, and those made by hand since
 * the oldest of them (all of them when there were fewer rounds). */
int store_pair_recent(struct store *st, int rounds, struct store_pairs *out);

int store_round_add(struct store *st, struct store_round *r);
int store_round_unpaired_add(struct store *st, int64_t round, int64_t user);
/* Unpaired users of a round, ascending (viewer > 0: only itself). */
int store_round_unpaired(struct store *st, int64_t round, int64_t viewer,
			 struct store_ids *out);
/* The newest `limit` rounds, newest first. */
int store_round_recent(struct store *st, int limit, struct store_round **out,
		       size_t *n);

int store_round_config_get(struct store *st, struct store_round_config *c);
int store_round_config_set(struct store *st,
			   const struct store_round_config *c);

/* A user's pairing preferences (defaults when never set). */
int store_pair_prefs_get(struct store *st, int64_t user, bool *opt_out,
			 int64_t *snooze);
int store_pair_prefs_set(struct store *st, int64_t user, bool opt_out,
			 int64_t snooze);
/*
 * Who a round pairs at `now`: users of team sales (reps) and marketing
 * (marketers), not opted out, not snoozed past now, each in id order.
 */
int store_pair_eligible(struct store *st, int64_t now, struct store_ids *reps,
			struct store_ids *marketers);
/* Every admin, in id order. */
int store_pair_admins(struct store *st, struct store_ids *out);

/*
 * What a pair's starter draws on: the rep's real work. requests: open
 * ones, most urgent first; feedback and asset_title are "" when none.
 */
#define STORE_STARTER_REQUESTS 3
struct store_starter {
	char requests[STORE_STARTER_REQUESTS][TD_TITLE_CHARS * 4 + 1];
	int n_requests;
	char feedback[TD_TITLE_CHARS * 4 + 1];
	char asset_title[TD_TITLE_CHARS * 4 + 1];
	char asset_url[TD_URL_MAX + 1];
};
/* The rep's open requests, newest feedback of the last 14 days and an
 * asset delivered to the rep in the last 7 days, as of `now`. */
int store_pair_starter(struct store *st, int64_t rep, int64_t now,
		       struct store_starter *out);

/* One message by a member of a pair (system lines excluded). */
struct store_pair_msg {
	int64_t author;
	int64_t at;
};
/* The members' messages in the pair's conversation since `since`, in id
 * order. */
int store_pair_activity(struct store *st, const struct store_pair *p,
			int64_t since, struct store_pair_msg **out, size_t *n);
/* Whether a member wrote in the pair's conversation since `since`. */
int store_pair_spoke(struct store *st, const struct store_pair *p,
		     int64_t since, bool *spoke);

int store_nudge_next_get(struct store *st, int64_t *next_at);
int store_nudge_next_set(struct store *st, int64_t next_at);
/* Record that pair `pair` was nudged on UTC day `day`; *fresh is false
 * when it already was. */
int store_pair_nudge_mark(struct store *st, int64_t pair, int64_t day,
			  bool *fresh);

#endif
