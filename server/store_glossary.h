/*
 * store_glossary.h: the glossary's part of the store (store_glossary.c):
 * terms, every version of their definitions, approvers' acknowledgements,
 * and the users.approver flag.
 *
 * The store keeps facts and answers questions; the rules (who may ack,
 * when a version counts as agreed) are h_glossary.c's. Every function
 * returns 0 or a negative TD_ERR_* code, as store.h says.
 */
#ifndef TANDEM_STORE_GLOSSARY_H
#define TANDEM_STORE_GLOSSARY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store.h"
#include "tandem/types.h"

/* Index of a team in store_term.acks: sales and marketing only. */
#define STORE_TERM_TEAMS 2

/*
 * A term as glossary.get and glossary.list show it. The strings and ack
 * arrays are owned (store_term_fini() frees them).
 */
struct store_term {
	int64_t id;
	char name[TD_TITLE_CHARS * 4 + 1];
	int version;		 /* the current one, >= 1 */
	int agreed_version;	 /* 0: never agreed */
	char *definition;	 /* the current version's */
	char *agreed_definition; /* "" when never agreed */
	int64_t created_by, created_at, updated_at;
	/* Approvers who acknowledged the current version, ascending ids,
	 * by the team they had then: [TD_TEAM_SALES], [TD_TEAM_MARKETING]. */
	int64_t *acks[STORE_TERM_TEAMS];
	size_t n_acks[STORE_TERM_TEAMS];
};

void store_term_fini(struct store_term *t);

/* One version of a definition, borrowed for the duration of a callback. */
struct store_term_version {
	int version;
	const char *definition;
	int64_t author;
	int64_t created_at;
	int64_t agreed_at; /* 0: not agreed */
};

/*
 * A new term with its version 1 by `author` at `now`; *id gets its id.
 * TD_ERR_CONFLICT when a term has that name in any ASCII case.
 */
int store_term_add(struct store *st, const char *name, const char *definition,
		   int64_t author, int64_t now, int64_t *id);
/* TD_ERR_NOT_FOUND when there is no such term; fini *t after success. */
int store_term_get(struct store *st, int64_t id, struct store_term *t);
/* Every term, by name without regard to case; *t is borrowed for fn. */
int store_term_list(struct store *st,
		    int (*fn)(void *ctx, const struct store_term *t),
		    void *ctx);
/* The newest `limit` versions of a term, newest first. */
int store_term_history(struct store *st, int64_t id, int limit,
		       int (*fn)(void *ctx, const struct store_term_version *v),
		       void *ctx);
/* A new current version (the old current one plus 1) by `author`. */
int store_term_edit(struct store *st, int64_t id, const char *definition,
		    int64_t author, int64_t now);
/*
 * Record that `user`, of `team`, acknowledges `version`; *added is false
 * when that user had acknowledged it already (nothing changes then).
 */
int store_term_ack(struct store *st, int64_t id, int version, int64_t user,
		   enum td_team team, int64_t now, bool *added);
/* `version` becomes the agreed one, agreed at `now`. */
int store_term_agree(struct store *st, int64_t id, int version, int64_t now);

/* users.approver; TD_ERR_NOT_FOUND when there is no such user. */
int store_user_set_approver(struct store *st, int64_t user, bool approver);

#endif
