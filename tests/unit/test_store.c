/*
 * test_store.c: the store against real SQLite databases, a temporary file
 * (mkstemp in /tmp, removed at the end with its -wal and -shm) and
 * ":memory:". No mocks: every check goes through store.h.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../../server/store.h"
#include "check.h"
#include "tandem/errors.h"
#include "tandem/types.h"

#define MAX_SEEN 64

/* What a listing callback saw. */
struct seen {
	int n;
	int64_t ids[MAX_SEEN];
	bool member[MAX_SEEN];
	char text[MAX_SEEN][TD_CHANNEL_NAME_MAX + 1];
	int stop_after; /* 0: never stop */
};

static int
on_user(void *ctx, const struct td_user *u)
{
	struct seen *s = ctx;

	if (s->n < MAX_SEEN) {
		s->ids[s->n] = u->id;
		snprintf(s->text[s->n], sizeof(s->text[0]), "%s", u->handle);
	}
	s->n++;
	return s->stop_after != 0 && s->n >= s->stop_after ? 7 : 0;
}

static int
on_conv(void *ctx, const struct td_conv *c)
{
	struct seen *s = ctx;

	if (s->n < MAX_SEEN) {
		s->ids[s->n] = c->id;
		s->member[s->n] = c->member;
		snprintf(s->text[s->n], sizeof(s->text[0]), "%s", c->name);
	}
	s->n++;
	return 0;
}

static int
on_member(void *ctx, int64_t user)
{
	struct seen *s = ctx;

	if (s->n < MAX_SEEN)
		s->ids[s->n] = user;
	s->n++;
	return 0;
}

static int
on_msg(void *ctx, const struct td_message *m)
{
	struct seen *s = ctx;

	if (s->n < MAX_SEEN) {
		s->ids[s->n] = m->id;
		snprintf(s->text[s->n], sizeof(s->text[0]), "%s", m->body);
	}
	s->n++;
	return 0;
}

static int
on_event(void *ctx, int64_t seq, const char *frame, size_t len)
{
	struct seen *s = ctx;

	if (s->n < MAX_SEEN) {
		s->ids[s->n] = seq;
		snprintf(s->text[s->n], sizeof(s->text[0]), "%.*s", (int)len,
			 frame);
	}
	s->n++;
	return 0;
}

static int
count_event(void *ctx, int64_t seq, const char *frame, size_t len)
{
	int64_t *n = ctx;

	(*n)++;
	return 0;
}

static int
count_msg(void *ctx, const struct td_message *m)
{
	int64_t *n = ctx;

	(*n)++;
	return 0;
}

static int
on_result(void *ctx, const struct td_message *m, const char *snippet)
{
	struct seen *s = ctx;

	if (s->n < MAX_SEEN) {
		s->ids[s->n] = m->id;
		snprintf(s->text[s->n], sizeof(s->text[0]), "%s", snippet);
	}
	s->n++;
	return 0;
}

static struct store *
open_db(const char *path)
{
	struct store_options opt = { .path = path, .sync_full = true };
	struct store *st = NULL;

	CHECK_EQ_INT(store_open(&st, &opt), 0);
	CHECK(st != NULL);
	return st;
}

static int64_t
add_user(struct store *st, const char *handle)
{
	struct td_user u = { 0 };

	snprintf(u.handle, sizeof(u.handle), "%s", handle);
	snprintf(u.display_name, sizeof(u.display_name), "User %s", handle);
	u.team = TD_TEAM_SALES;
	CHECK_EQ_INT(store_user_add(st, &u, "hash-of-pw"), 0);
	return u.id;
}

static int64_t
add_conv(struct store *st, enum td_conv_kind kind, const char *name,
	 bool priv, int64_t creator)
{
	struct td_conv c = { 0 };

	c.kind = kind;
	snprintf(c.name, sizeof(c.name), "%s", name);
	c.is_private = priv;
	c.created_by = creator;
	CHECK_EQ_INT(store_conv_add(st, &c), 0);
	return c.id;
}

static int64_t
add_msg(struct store *st, int64_t conv, int64_t author, const char *body,
	const char *nonce)
{
	struct td_message m = { 0 };

	m.conv = conv;
	m.author = author;
	m.body = (char *)(uintptr_t)body;
	snprintf(m.nonce, sizeof(m.nonce), "%s", nonce);
	CHECK_EQ_INT(store_msg_add(st, &m), 0);
	return m.id;
}

static void
test_users(struct store *st)
{
	struct td_user u = { 0 }, got;
	struct seen seen = { 0 };
	char pw[128];
	int64_t n = -1;

	CHECK_EQ_INT(store_user_count(st, &n), 0);
	CHECK_EQ_INT(n, 0);
	snprintf(u.handle, sizeof(u.handle), "alice");
	snprintf(u.display_name, sizeof(u.display_name), "Alice A.");
	u.team = TD_TEAM_MARKETING;
	u.role = TD_ROLE_ADMIN;
	CHECK_EQ_INT(store_user_add(st, &u, "$argon2id$alice"), 0);
	CHECK(u.id > 0);
	CHECK(u.created_at > 1600000000000LL);

	/* Duplicate handle. */
	{
		struct td_user dup = u;

		dup.id = 0;
		CHECK_EQ_INT(store_user_add(st, &dup, "x"),
			     TD_ERR_HANDLE_TAKEN);
		CHECK_EQ_INT(dup.id, 0);
	}

	/* An explicit created_at is kept. */
	{
		struct td_user b = { 0 };

		snprintf(b.handle, sizeof(b.handle), "bob");
		b.created_at = 12345;
		CHECK_EQ_INT(store_user_add(st, &b, NULL), 0);
		CHECK_EQ_INT(b.created_at, 12345);
		CHECK(b.id > u.id);
	}

	CHECK_EQ_INT(store_user_get(st, u.id, &got), 0);
	CHECK_EQ_INT(got.id, u.id);
	CHECK(strcmp(got.handle, "alice") == 0);
	CHECK(strcmp(got.display_name, "Alice A.") == 0);
	CHECK_EQ_INT(got.team, TD_TEAM_MARKETING);
	CHECK_EQ_INT(got.role, TD_ROLE_ADMIN);
	CHECK_EQ_INT(got.created_at, u.created_at);
	CHECK_EQ_INT(store_user_get(st, 9999, &got), TD_ERR_NOT_FOUND);

	CHECK_EQ_INT(store_user_by_handle(st, "alice", &got, pw, sizeof(pw)),
		     0);
	CHECK_EQ_INT(got.id, u.id);
	CHECK(strcmp(pw, "$argon2id$alice") == 0);
	CHECK_EQ_INT(store_user_by_handle(st, "alice", &got, NULL, 0), 0);
	CHECK_EQ_INT(store_user_by_handle(st, "alice", &got, pw, 4),
		     TD_ERR_INTERNAL);
	CHECK_EQ_INT(store_user_by_handle(st, "nobody", &got, pw, sizeof(pw)),
		     TD_ERR_NOT_FOUND);
	CHECK_EQ_INT(store_user_by_handle(st, "ALICE", &got, NULL, 0),
		     TD_ERR_NOT_FOUND);

	CHECK_EQ_INT(store_user_set_pwhash(st, u.id, "$argon2id$new"), 0);
	CHECK_EQ_INT(store_user_by_handle(st, "alice", &got, pw, sizeof(pw)),
		     0);
	CHECK(strcmp(pw, "$argon2id$new") == 0);
	CHECK_EQ_INT(store_user_set_pwhash(st, 9999, "x"), TD_ERR_NOT_FOUND);

	CHECK_EQ_INT(store_user_count(st, &n), 0);
	CHECK_EQ_INT(n, 2);
	CHECK_EQ_INT(store_user_list(st, on_user, &seen), 0);
	CHECK_EQ_INT(seen.n, 2);
	CHECK(strcmp(seen.text[0], "alice") == 0);
	CHECK(strcmp(seen.text[1], "bob") == 0);
	CHECK(seen.ids[0] < seen.ids[1]);

	/* A callback's non-zero return stops the walk and is returned. */
	memset(&seen, 0, sizeof(seen));
	seen.stop_after = 1;
	CHECK_EQ_INT(store_user_list(st, on_user, &seen), 7);
	CHECK_EQ_INT(seen.n, 1);
}

static void
test_tokens_invites(struct store *st)
{
	unsigned char h1[32], h2[32], h3[32];
	int64_t uid = add_user(st, "tok");
	int64_t tid = 0, tid2 = 0, who = 0, id = 0, exp = 0;

	memset(h1, 1, sizeof(h1));
	memset(h2, 2, sizeof(h2));
	memset(h3, 3, sizeof(h3));
	CHECK_EQ_INT(store_token_add(st, uid, h1, 5000, &tid), 0);
	CHECK(tid > 0);
	CHECK_EQ_INT(store_token_add(st, uid, h1, 5000, &tid2),
		     TD_ERR_CONFLICT);
	CHECK_EQ_INT(store_token_add(st, 9999, h2, 5000, &tid2),
		     TD_ERR_NOT_FOUND);
	CHECK_EQ_INT(store_token_lookup(st, h1, 4999, &who, &id, &exp), 0);
	CHECK_EQ_INT(who, uid);
	CHECK_EQ_INT(id, tid);
	CHECK_EQ_INT(exp, 5000);
	/* Expired at its expiry instant. */
	CHECK_EQ_INT(store_token_lookup(st, h1, 5000, &who, &id, &exp),
		     TD_ERR_NOT_FOUND);
	CHECK_EQ_INT(store_token_lookup(st, h2, 1, &who, &id, &exp),
		     TD_ERR_NOT_FOUND);
	CHECK_EQ_INT(store_token_add(st, uid, h2, 9000, &tid2), 0);
	CHECK_EQ_INT(store_token_revoke(st, tid), 0);
	CHECK_EQ_INT(store_token_lookup(st, h1, 1, &who, &id, &exp),
		     TD_ERR_NOT_FOUND);
	CHECK_EQ_INT(store_token_lookup(st, h2, 1, &who, &id, &exp), 0);
	CHECK_EQ_INT(id, tid2);
	CHECK_EQ_INT(store_token_revoke(st, 9999), TD_ERR_NOT_FOUND);

	/* Invites: two uses, then exhausted; expiry; unknown. */
	CHECK_EQ_INT(store_invite_add(st, h1, uid, 2, 10000), 0);
	CHECK_EQ_INT(store_invite_add(st, h1, uid, 2, 10000),
		     TD_ERR_CONFLICT);
	CHECK_EQ_INT(store_invite_add(st, h2, 0, 5, 100), 0);
	CHECK_EQ_INT(store_invite_use(st, h1, 1), 0);
	CHECK_EQ_INT(store_invite_use(st, h1, 1), 0);
	CHECK_EQ_INT(store_invite_use(st, h1, 1), TD_ERR_NOT_FOUND);
	CHECK_EQ_INT(store_invite_use(st, h2, 100), TD_ERR_NOT_FOUND);
	CHECK_EQ_INT(store_invite_use(st, h2, 99), 0);
	CHECK_EQ_INT(store_invite_use(st, h3, 1), TD_ERR_NOT_FOUND);
}

static void
test_convs(struct store *st)
{
	int64_t a = add_user(st, "ca"), b = add_user(st, "cb");
	int64_t c = add_user(st, "cc");
	int64_t general, secret, random, dm, dm2 = 0, found = 0;
	struct td_conv cv = { 0 }, got;
	struct seen seen = { 0 };

	general = add_conv(st, TD_CONV_CHANNEL, "general", false, a);
	CHECK(general > 0);
	cv.kind = TD_CONV_CHANNEL;
	snprintf(cv.name, sizeof(cv.name), "general");
	CHECK_EQ_INT(store_conv_add(st, &cv), TD_ERR_CONFLICT);
	cv.created_by = 9999;
	snprintf(cv.name, sizeof(cv.name), "orphan");
	CHECK_EQ_INT(store_conv_add(st, &cv), TD_ERR_NOT_FOUND);

	secret = add_conv(st, TD_CONV_CHANNEL, "secret", true, a);
	random = add_conv(st, TD_CONV_CHANNEL, "random", false, b);
	/* dm and group names are "" and need not be unique. */
	dm = add_conv(st, TD_CONV_DM, "", true, a);
	dm2 = add_conv(st, TD_CONV_GROUP, "", true, b);
	CHECK(dm > 0 && dm2 > dm);
	/* A non-channel may reuse a channel's name (the index is partial). */
	CHECK(add_conv(st, TD_CONV_GROUP, "general", true, a) > 0);

	CHECK_EQ_INT(store_conv_get(st, general, &got), 0);
	CHECK_EQ_INT(got.id, general);
	CHECK_EQ_INT(got.kind, TD_CONV_CHANNEL);
	CHECK(strcmp(got.name, "general") == 0);
	CHECK(!got.is_private && !got.archived && !got.member);
	CHECK_EQ_INT(got.created_by, a);
	CHECK(got.created_at > 0);
	CHECK_EQ_INT(got.last_message_id, 0);
	CHECK_EQ_INT(got.member_count, 0);
	CHECK_EQ_INT(store_conv_get(st, 9999, &got), TD_ERR_NOT_FOUND);

	CHECK_EQ_INT(store_conv_by_name(st, "secret", &got), 0);
	CHECK_EQ_INT(got.id, secret);
	CHECK(got.is_private);
	CHECK_EQ_INT(store_conv_by_name(st, "nope", &got), TD_ERR_NOT_FOUND);

	CHECK_EQ_INT(store_conv_set_topic(st, general, "Company-wide"), 0);
	CHECK_EQ_INT(store_conv_set_name(st, random, "watercooler"), 0);
	CHECK_EQ_INT(store_conv_set_name(st, random, "general"),
		     TD_ERR_CONFLICT);
	CHECK_EQ_INT(store_conv_set_archived(st, random, true), 0);
	CHECK_EQ_INT(store_conv_get(st, random, &got), 0);
	CHECK(strcmp(got.name, "watercooler") == 0);
	CHECK(got.archived);
	CHECK_EQ_INT(store_conv_get(st, general, &got), 0);
	CHECK(strcmp(got.topic, "Company-wide") == 0);
	CHECK_EQ_INT(store_conv_by_name(st, "random", &got),
		     TD_ERR_NOT_FOUND);
	CHECK_EQ_INT(store_conv_set_topic(st, 9999, "x"), TD_ERR_NOT_FOUND);
	CHECK_EQ_INT(store_conv_set_archived(st, 9999, true),
		     TD_ERR_NOT_FOUND);

	/* dms are symmetric. */
	CHECK_EQ_INT(store_dm_find(st, a, b, &found), TD_ERR_NOT_FOUND);
	CHECK_EQ_INT(store_dm_link(st, b, a, dm), 0);
	CHECK_EQ_INT(store_dm_find(st, a, b, &found), 0);
	CHECK_EQ_INT(found, dm);
	found = 0;
	CHECK_EQ_INT(store_dm_find(st, b, a, &found), 0);
	CHECK_EQ_INT(found, dm);
	CHECK_EQ_INT(store_dm_link(st, a, b, dm2), TD_ERR_CONFLICT);
	CHECK_EQ_INT(store_dm_find(st, a, c, &found), TD_ERR_NOT_FOUND);

	/* Membership. */
	CHECK_EQ_INT(store_member_add(st, general, a), 0);
	CHECK_EQ_INT(store_member_add(st, general, b), 0);
	CHECK_EQ_INT(store_member_add(st, general, a), TD_ERR_CONFLICT);
	CHECK_EQ_INT(store_member_add(st, 9999, a), TD_ERR_NOT_FOUND);
	CHECK_EQ_INT(store_member_add(st, general, 9999), TD_ERR_NOT_FOUND);
	CHECK_EQ_INT(store_member_add(st, secret, a), 0);
	CHECK_EQ_INT(store_member_add(st, dm, a), 0);
	CHECK_EQ_INT(store_member_add(st, dm, b), 0);
	CHECK(store_member_is(st, general, a));
	CHECK(!store_member_is(st, general, c));
	CHECK(!store_member_is(st, secret, b));
	CHECK_EQ_INT(store_member_list(st, general, on_member, &seen), 0);
	CHECK_EQ_INT(seen.n, 2);
	CHECK_EQ_INT(seen.ids[0], a);
	CHECK_EQ_INT(seen.ids[1], b);
	CHECK_EQ_INT(store_conv_get(st, general, &got), 0);
	CHECK_EQ_INT(got.member_count, 2);
	CHECK_EQ_INT(store_member_remove(st, general, b), 0);
	CHECK_EQ_INT(store_member_remove(st, general, b), TD_ERR_NOT_FOUND);
	CHECK(!store_member_is(st, general, b));
	CHECK_EQ_INT(store_conv_get(st, general, &got), 0);
	CHECK_EQ_INT(got.member_count, 1);

	/*
	 * Visibility. a: general, secret (members), dm (member), the
	 * archived public watercooler (not joined). b: dm (member), general
	 * and watercooler public; never secret. c: public channels only.
	 */
	memset(&seen, 0, sizeof(seen));
	CHECK_EQ_INT(store_conv_list_visible(st, a, on_conv, &seen), 0);
	CHECK_EQ_INT(seen.n, 4);
	CHECK_EQ_INT(seen.ids[0], general);
	CHECK(seen.member[0]);
	CHECK_EQ_INT(seen.ids[1], secret);
	CHECK(seen.member[1]);
	CHECK_EQ_INT(seen.ids[2], random);
	CHECK(!seen.member[2]);
	CHECK_EQ_INT(seen.ids[3], dm);
	CHECK(seen.member[3]);

	memset(&seen, 0, sizeof(seen));
	CHECK_EQ_INT(store_conv_list_visible(st, b, on_conv, &seen), 0);
	CHECK_EQ_INT(seen.n, 3);
	CHECK_EQ_INT(seen.ids[0], general);
	CHECK(!seen.member[0]);
	CHECK_EQ_INT(seen.ids[1], random);
	CHECK_EQ_INT(seen.ids[2], dm);
	CHECK(seen.member[2]);

	memset(&seen, 0, sizeof(seen));
	CHECK_EQ_INT(store_conv_list_visible(st, c, on_conv, &seen), 0);
	CHECK_EQ_INT(seen.n, 2);
	CHECK_EQ_INT(seen.ids[0], general);
	CHECK_EQ_INT(seen.ids[1], random);
	CHECK(!seen.member[0] && !seen.member[1]);
}

/* Fetch one history page into `seen`. */
static int
page(struct store *st, int64_t conv, int64_t before, int64_t after,
     int limit, bool *more, struct seen *seen)
{
	memset(seen, 0, sizeof(*seen));
	*more = true; /* the store must reset it */
	return store_msg_history(st, conv, before, after, limit, more, on_msg,
				 seen);
}

static void
test_messages(struct store *st)
{
	int64_t a = add_user(st, "ma"), b = add_user(st, "mb");
	int64_t conv = add_conv(st, TD_CONV_CHANNEL, "msgs", false, a);
	int64_t other = add_conv(st, TD_CONV_CHANNEL, "other", false, a);
	int64_t empty = add_conv(st, TD_CONV_CHANNEL, "empty", false, a);
	int64_t ids[7];
	struct td_message m = { 0 }, got = { 0 };
	struct td_conv cv;
	struct seen seen;
	bool more = false;
	int i;

	/* Ids ascend across the workspace, interleaving conversations. */
	for (i = 0; i < 7; i++) {
		char body[16], nonce[16];

		snprintf(body, sizeof(body), "m%d", i);
		snprintf(nonce, sizeof(nonce), "n%d", i);
		ids[i] = add_msg(st, conv, i % 2 ? b : a, body, nonce);
		add_msg(st, other, a, "noise", "");
		if (i > 0)
			CHECK(ids[i] > ids[i - 1]);
	}
	CHECK_EQ_INT(store_conv_get(st, conv, &cv), 0);
	CHECK_EQ_INT(cv.last_message_id, ids[6]);

	/* Explicit created_at, and an unknown conversation. */
	m.conv = conv;
	m.author = a;
	m.body = (char *)(uintptr_t)"timed";
	m.created_at = 777;
	CHECK_EQ_INT(store_msg_add(st, &m), 0);
	CHECK_EQ_INT(m.created_at, 777);
	CHECK_EQ_INT(store_msg_get(st, m.id, &got), 0);
	CHECK_EQ_INT(got.created_at, 777);
	CHECK(strcmp(got.nonce, "") == 0);
	td_message_fini(&got);
	CHECK_EQ_INT(store_msg_delete(st, m.id, 778), 0);
	m.conv = 9999;
	m.id = 0;
	CHECK_EQ_INT(store_msg_add(st, &m), TD_ERR_NOT_FOUND);
	CHECK_EQ_INT(m.id, 0);

	/* Nonces. */
	CHECK_EQ_INT(store_msg_by_nonce(st, a, "n2", &got), 0);
	CHECK_EQ_INT(got.id, ids[2]);
	CHECK(strcmp(got.body, "m2") == 0);
	CHECK(strcmp(got.nonce, "n2") == 0);
	CHECK_EQ_INT(got.author, a);
	CHECK_EQ_INT(got.conv, conv);
	CHECK(!got.deleted);
	td_message_fini(&got);
	CHECK_EQ_INT(store_msg_by_nonce(st, b, "n2", &got), TD_ERR_NOT_FOUND);
	memset(&m, 0, sizeof(m));
	m.conv = other;
	m.author = a;
	m.body = (char *)(uintptr_t)"again";
	snprintf(m.nonce, sizeof(m.nonce), "n0");
	CHECK_EQ_INT(store_msg_add(st, &m), TD_ERR_CONFLICT);
	m.author = b;
	snprintf(m.nonce, sizeof(m.nonce), "n1");
	CHECK_EQ_INT(store_msg_add(st, &m), TD_ERR_CONFLICT); /* b sent n1 */
	snprintf(m.nonce, sizeof(m.nonce), "n0");
	CHECK_EQ_INT(store_msg_add(st, &m), 0); /* b never used n0 */

	/* Edit, delete, edit-after-delete. */
	CHECK_EQ_INT(store_msg_edit(st, ids[3], "m3 fixed", 1000), 0);
	CHECK_EQ_INT(store_msg_get(st, ids[3], &got), 0);
	CHECK(strcmp(got.body, "m3 fixed") == 0);
	CHECK_EQ_INT(got.edited_at, 1000);
	td_message_fini(&got);
	CHECK_EQ_INT(store_msg_delete(st, ids[4], 2000), 0);
	CHECK_EQ_INT(store_msg_get(st, ids[4], &got), 0);
	CHECK(got.deleted);
	CHECK(strcmp(got.body, "") == 0);
	CHECK_EQ_INT(got.edited_at, 2000);
	CHECK(strcmp(got.nonce, "n4") == 0);
	td_message_fini(&got);
	CHECK_EQ_INT(store_msg_edit(st, ids[4], "revive", 3000),
		     TD_ERR_CONFLICT);
	CHECK_EQ_INT(store_msg_edit(st, 99999, "x", 3000), TD_ERR_NOT_FOUND);
	CHECK_EQ_INT(store_msg_delete(st, 99999, 3000), TD_ERR_NOT_FOUND);
	CHECK_EQ_INT(store_msg_get(st, 99999, &got), TD_ERR_NOT_FOUND);

	/*
	 * History of conv: ids[0..6] plus the deleted "timed" one (8
	 * messages). Newest page of 3: the last three ascending, more.
	 */
	CHECK_EQ_INT(page(st, conv, 0, -1, 3, &more, &seen), 0);
	CHECK_EQ_INT(seen.n, 3);
	CHECK_EQ_INT(seen.ids[0], ids[5]);
	CHECK_EQ_INT(seen.ids[1], ids[6]);
	CHECK(seen.ids[2] > ids[6]); /* the tombstone "timed" */
	CHECK(strcmp(seen.text[2], "") == 0);
	CHECK(more);

	/* Backwards from ids[5]: ids[2..4], more; then ids[0..1], no more. */
	CHECK_EQ_INT(page(st, conv, ids[5], -1, 3, &more, &seen), 0);
	CHECK_EQ_INT(seen.n, 3);
	CHECK_EQ_INT(seen.ids[0], ids[2]);
	CHECK_EQ_INT(seen.ids[2], ids[4]);
	CHECK(strcmp(seen.text[1], "m3 fixed") == 0);
	CHECK(more);
	CHECK_EQ_INT(page(st, conv, ids[2], -1, 3, &more, &seen), 0);
	CHECK_EQ_INT(seen.n, 2);
	CHECK_EQ_INT(seen.ids[0], ids[0]);
	CHECK_EQ_INT(seen.ids[1], ids[1]);
	CHECK(!more);
	/* Exactly `limit` left: no more. */
	CHECK_EQ_INT(page(st, conv, ids[3], -1, 3, &more, &seen), 0);
	CHECK_EQ_INT(seen.n, 3);
	CHECK_EQ_INT(seen.ids[0], ids[0]);
	CHECK(!more);
	CHECK_EQ_INT(page(st, conv, ids[0], -1, 3, &more, &seen), 0);
	CHECK_EQ_INT(seen.n, 0);
	CHECK(!more);

	/* Forwards: after 0 is the oldest page. */
	CHECK_EQ_INT(page(st, conv, 0, 0, 3, &more, &seen), 0);
	CHECK_EQ_INT(seen.n, 3);
	CHECK_EQ_INT(seen.ids[0], ids[0]);
	CHECK_EQ_INT(seen.ids[2], ids[2]);
	CHECK(more);
	CHECK_EQ_INT(page(st, conv, 0, ids[2], 4, &more, &seen), 0);
	CHECK_EQ_INT(seen.n, 4);
	CHECK_EQ_INT(seen.ids[0], ids[3]);
	CHECK_EQ_INT(seen.ids[3], ids[6]);
	CHECK(more); /* the tombstone follows */
	CHECK_EQ_INT(page(st, conv, 0, ids[3], 4, &more, &seen), 0);
	CHECK_EQ_INT(seen.n, 4);
	CHECK(!more); /* exactly four left */
	CHECK_EQ_INT(page(st, conv, 0, ids[6], 10, &more, &seen), 0);
	CHECK_EQ_INT(seen.n, 1);
	CHECK(!more);
	/* before wins over after (the handler refuses both). */
	CHECK_EQ_INT(page(st, conv, ids[2], 0, 10, &more, &seen), 0);
	CHECK_EQ_INT(seen.n, 2);
	CHECK_EQ_INT(seen.ids[1], ids[1]);
	CHECK(!more);
	/* Another conversation's ids as bounds: only this one's messages. */
	CHECK_EQ_INT(page(st, other, 0, -1, 3, &more, &seen), 0);
	CHECK_EQ_INT(seen.n, 3);
	CHECK(strcmp(seen.text[0], "noise") == 0 ||
	      strcmp(seen.text[0], "again") == 0);
	CHECK(more);

	/* A whole conversation in one page; an empty one; bad limit. */
	CHECK_EQ_INT(page(st, conv, 0, -1, 200, &more, &seen), 0);
	CHECK_EQ_INT(seen.n, 8);
	CHECK(!more);
	CHECK_EQ_INT(page(st, empty, 0, -1, 50, &more, &seen), 0);
	CHECK_EQ_INT(seen.n, 0);
	CHECK(!more);
	CHECK_EQ_INT(page(st, conv, 0, -1, 0, &more, &seen),
		     TD_ERR_BAD_REQUEST);
	CHECK_EQ_INT(store_conv_get(st, empty, &cv), 0);
	CHECK_EQ_INT(cv.last_message_id, 0);
}

/*
 * One batch, three requests: the second fails and rolls its savepoint back;
 * the first and third commit.
 */
static void
test_savepoints(struct store *st)
{
	int64_t a = add_user(st, "sa");
	int64_t conv = add_conv(st, TD_CONV_CHANNEL, "sp", false, a);
	int64_t m1, m2, m3, n = 0;
	struct td_conv cv;
	struct td_message got = { 0 };

	CHECK(!store_batch_open(st));
	CHECK_EQ_INT(store_batch_begin(st), 0);
	CHECK(store_batch_open(st));
	CHECK_EQ_INT(store_batch_begin(st), 0); /* idempotent */
	CHECK(store_batch_open(st));

	CHECK_EQ_INT(store_sp_begin(st), 0);
	m1 = add_msg(st, conv, a, "kept 1", "sp1");
	CHECK_EQ_INT(store_sp_end(st, true), 0);

	CHECK_EQ_INT(store_sp_begin(st), 0);
	m2 = add_msg(st, conv, a, "undone", "sp2");
	CHECK_EQ_INT(store_conv_set_topic(st, conv, "undone topic"), 0);
	/* Inside the batch the writes are visible. */
	CHECK_EQ_INT(store_msg_get(st, m2, &got), 0);
	td_message_fini(&got);
	CHECK_EQ_INT(store_sp_end(st, false), 0);
	CHECK(store_batch_open(st));

	CHECK_EQ_INT(store_sp_begin(st), 0);
	m3 = add_msg(st, conv, a, "kept 3", "sp3");
	CHECK_EQ_INT(store_sp_end(st, true), 0);
	CHECK_EQ_INT(store_batch_commit(st), 0);
	CHECK(!store_batch_open(st));
	CHECK_EQ_INT(store_batch_commit(st), 0); /* nothing open: no-op */

	CHECK_EQ_INT(store_msg_get(st, m1, &got), 0);
	td_message_fini(&got);
	CHECK_EQ_INT(store_msg_by_nonce(st, a, "sp2", &got),
		     TD_ERR_NOT_FOUND);
	CHECK_EQ_INT(store_msg_get(st, m3, &got), 0);
	td_message_fini(&got);
	/* An id rolled back with its savepoint was never seen: reusable. */
	CHECK(m3 > m1);
	CHECK_EQ_INT(store_conv_get(st, conv, &cv), 0);
	CHECK(strcmp(cv.topic, "") == 0);
	CHECK_EQ_INT(cv.last_message_id, m3);

	/* A rolled-back batch leaves nothing. */
	CHECK_EQ_INT(store_batch_begin(st), 0);
	CHECK_EQ_INT(store_sp_begin(st), 0);
	add_msg(st, conv, a, "rolled back", "sp4");
	CHECK_EQ_INT(store_sp_end(st, true), 0);
	store_batch_rollback(st);
	CHECK(!store_batch_open(st));
	CHECK_EQ_INT(store_msg_by_nonce(st, a, "sp4", &got),
		     TD_ERR_NOT_FOUND);

	/* A savepoint outside a batch opens one; ending without one fails. */
	CHECK_EQ_INT(store_sp_end(st, true), TD_ERR_STORAGE);
	CHECK_EQ_INT(store_sp_begin(st), 0);
	CHECK(store_batch_open(st));
	add_msg(st, conv, a, "implicit", "sp5");
	CHECK_EQ_INT(store_sp_end(st, true), 0);
	CHECK_EQ_INT(store_batch_commit(st), 0);
	CHECK_EQ_INT(store_msg_by_nonce(st, a, "sp5", &got), 0);
	td_message_fini(&got);

	/* A failed write inside a savepoint: roll back, batch goes on. */
	CHECK_EQ_INT(store_batch_begin(st), 0);
	CHECK_EQ_INT(store_sp_begin(st), 0);
	CHECK_EQ_INT(store_member_add(st, conv, a), 0);
	CHECK_EQ_INT(store_member_add(st, conv, a), TD_ERR_CONFLICT);
	CHECK_EQ_INT(store_sp_end(st, false), 0);
	CHECK_EQ_INT(store_batch_commit(st), 0);
	CHECK(!store_member_is(st, conv, a));
	CHECK_EQ_INT(store_user_count(st, &n), 0);
	CHECK(n > 0);
}

static void
test_events(struct store *st)
{
	int64_t u1 = add_user(st, "eu1"), u2 = add_user(st, "eu2");
	int64_t c1 = add_conv(st, TD_CONV_CHANNEL, "ev1", false, u1);
	int64_t c2 = add_conv(st, TD_CONV_CHANNEL, "ev2", true, u1);
	int64_t seq = -1;
	struct seen seen = { 0 };
	char frame[32];
	int i;

	CHECK_EQ_INT(store_event_max_seq(st, &seq), 0);
	CHECK_EQ_INT(seq, 0);
	CHECK_EQ_INT(store_event_min_seq(st, &seq), 0);
	CHECK_EQ_INT(seq, 0);
	CHECK_EQ_INT(store_member_add(st, c1, u1), 0);
	CHECK_EQ_INT(store_member_add(st, c1, u2), 0);
	CHECK_EQ_INT(store_member_add(st, c2, u1), 0);

	/*
	 * seq 1: c1; 2: c2 (u1 only); 3: broadcast; 4: to u2; 5: to u1;
	 * 6: c1; 7: c2; 8: an empty frame broadcast.
	 */
	CHECK_EQ_INT(store_event_add(st, 1, c1, 0, "e1", 2), 0);
	CHECK_EQ_INT(store_event_add(st, 2, c2, 0, "e2", 2), 0);
	CHECK_EQ_INT(store_event_add(st, 3, 0, 0, "e3", 2), 0);
	CHECK_EQ_INT(store_event_add(st, 4, 0, u2, "e4", 2), 0);
	CHECK_EQ_INT(store_event_add(st, 5, 0, u1, "e5", 2), 0);
	CHECK_EQ_INT(store_event_add(st, 6, c1, 0, "e6xyz", 2), 0);
	CHECK_EQ_INT(store_event_add(st, 7, c2, 0, "e7", 2), 0);
	CHECK_EQ_INT(store_event_add(st, 8, 0, 0, "", 0), 0);
	CHECK_EQ_INT(store_event_add(st, 8, 0, 0, "dup", 3), TD_ERR_CONFLICT);
	CHECK_EQ_INT(store_event_max_seq(st, &seq), 0);
	CHECK_EQ_INT(seq, 8);
	CHECK_EQ_INT(store_event_min_seq(st, &seq), 0);
	CHECK_EQ_INT(seq, 1);

	CHECK_EQ_INT(store_event_range(st, u1, 0, 8, 100, on_event, &seen), 0);
	CHECK_EQ_INT(seen.n, 7);
	CHECK_EQ_INT(seen.ids[0], 1);
	CHECK_EQ_INT(seen.ids[1], 2);
	CHECK_EQ_INT(seen.ids[2], 3);
	CHECK_EQ_INT(seen.ids[3], 5);
	CHECK_EQ_INT(seen.ids[6], 8);
	CHECK(strcmp(seen.text[0], "e1") == 0);
	CHECK(strcmp(seen.text[4], "e6") == 0); /* len, not strlen */
	CHECK(strcmp(seen.text[6], "") == 0);

	memset(&seen, 0, sizeof(seen));
	CHECK_EQ_INT(store_event_range(st, u2, 0, 8, 100, on_event, &seen), 0);
	CHECK_EQ_INT(seen.n, 5);
	CHECK_EQ_INT(seen.ids[0], 1);
	CHECK_EQ_INT(seen.ids[1], 3);
	CHECK_EQ_INT(seen.ids[2], 4);
	CHECK_EQ_INT(seen.ids[3], 6);
	CHECK_EQ_INT(seen.ids[4], 8);

	/* since is exclusive, upto inclusive, limit caps. */
	memset(&seen, 0, sizeof(seen));
	CHECK_EQ_INT(store_event_range(st, u1, 2, 6, 100, on_event, &seen), 0);
	CHECK_EQ_INT(seen.n, 3);
	CHECK_EQ_INT(seen.ids[0], 3);
	CHECK_EQ_INT(seen.ids[2], 6);
	memset(&seen, 0, sizeof(seen));
	CHECK_EQ_INT(store_event_range(st, u1, 0, 8, 2, on_event, &seen), 0);
	CHECK_EQ_INT(seen.n, 2);
	CHECK_EQ_INT(seen.ids[1], 2);
	CHECK_EQ_INT(store_event_range(st, u1, 0, 8, 0, on_event, &seen),
		     TD_ERR_BAD_REQUEST);

	/* Visibility follows current membership. */
	CHECK_EQ_INT(store_member_remove(st, c1, u2), 0);
	memset(&seen, 0, sizeof(seen));
	CHECK_EQ_INT(store_event_range(st, u2, 0, 8, 100, on_event, &seen), 0);
	CHECK_EQ_INT(seen.n, 3);
	CHECK_EQ_INT(seen.ids[0], 3);
	CHECK_EQ_INT(seen.ids[1], 4);
	CHECK_EQ_INT(seen.ids[2], 8);
	CHECK_EQ_INT(store_member_add(st, c2, u2), 0);
	memset(&seen, 0, sizeof(seen));
	CHECK_EQ_INT(store_event_range(st, u2, 0, 8, 100, on_event, &seen), 0);
	CHECK_EQ_INT(seen.n, 5);
	CHECK_EQ_INT(seen.ids[0], 2);

	/*
	 * A conversation event also addressed to a user (member.leave to the
	 * removed user) reaches the members and that user.
	 */
	CHECK_EQ_INT(store_member_remove(st, c2, u2), 0);
	CHECK_EQ_INT(store_event_add(st, 9, c2, u2, "leave", 5), 0);
	memset(&seen, 0, sizeof(seen));
	CHECK_EQ_INT(store_event_range(st, u2, 8, 9, 100, on_event, &seen), 0);
	CHECK_EQ_INT(seen.n, 1);
	CHECK(strcmp(seen.text[0], "leave") == 0);
	memset(&seen, 0, sizeof(seen));
	CHECK_EQ_INT(store_event_range(st, u1, 8, 9, 100, on_event, &seen), 0);
	CHECK_EQ_INT(seen.n, 1);
	/* A stranger sees only broadcasts. */
	memset(&seen, 0, sizeof(seen));
	CHECK_EQ_INT(store_event_range(st, 9999, 0, 9, 100, on_event, &seen),
		     0);
	CHECK_EQ_INT(seen.n, 2);
	CHECK_EQ_INT(seen.ids[0], 3);
	CHECK_EQ_INT(seen.ids[1], 8);

	/* Prune keeps the newest N. */
	for (i = 10; i <= 20; i++) {
		snprintf(frame, sizeof(frame), "e%d", i);
		CHECK_EQ_INT(store_event_add(st, i, 0, 0, frame,
					     strlen(frame)), 0);
	}
	CHECK_EQ_INT(store_event_prune(st, 100), 0);
	CHECK_EQ_INT(store_event_min_seq(st, &seq), 0);
	CHECK_EQ_INT(seq, 1);
	CHECK_EQ_INT(store_event_prune(st, 5), 0);
	CHECK_EQ_INT(store_event_min_seq(st, &seq), 0);
	CHECK_EQ_INT(seq, 16);
	CHECK_EQ_INT(store_event_max_seq(st, &seq), 0);
	CHECK_EQ_INT(seq, 20);
	memset(&seen, 0, sizeof(seen));
	CHECK_EQ_INT(store_event_range(st, u1, 0, 100, 100, on_event, &seen),
		     0);
	CHECK_EQ_INT(seen.n, 5);
	CHECK_EQ_INT(seen.ids[0], 16);
	CHECK(strcmp(seen.text[4], "e20") == 0);
	CHECK_EQ_INT(store_event_prune(st, 0), 0);
	CHECK_EQ_INT(store_event_max_seq(st, &seq), 0);
	CHECK_EQ_INT(seq, 0);
}

/* Everything on one store, as the server would use it. */
static void
run_all(struct store *st)
{
	test_users(st);
	test_tokens_invites(st);
	test_convs(st);
	test_messages(st);
	test_savepoints(st);
	test_events(st);
}

static void
remove_db(const char *path)
{
	char side[300];

	unlink(path);
	snprintf(side, sizeof(side), "%s-wal", path);
	unlink(side);
	snprintf(side, sizeof(side), "%s-shm", path);
	unlink(side);
}

/*
 * A file database: the full suite, then durability across close and
 * reopen (the migration is then a no-op), then a backup that opens on its
 * own.
 */
static void
test_file(void)
{
	char path[] = "/tmp/tandem-store-XXXXXX";
	char backup[300];
	struct store *st;
	struct td_user u;
	struct td_conv cv;
	struct td_message m = { 0 };
	int64_t n = 0, seq = 0, mid;
	int fd = mkstemp(path);

	CHECK(fd >= 0);
	if (fd < 0)
		return;
	close(fd);
	/* An empty file is a valid empty database. */
	st = open_db(path);
	if (st == NULL)
		goto out;
	run_all(st);
	CHECK_EQ_INT(store_batch_begin(st), 0);
	mid = add_msg(st, 1, 1, "durable", "dur-1");
	CHECK_EQ_INT(store_event_add(st, 500, 0, 0, "{\"e\":1}", 7), 0);
	CHECK_EQ_INT(store_batch_commit(st), 0);
	store_close(st);

	st = open_db(path);
	if (st == NULL)
		goto out;
	CHECK_EQ_INT(store_user_by_handle(st, "alice", &u, NULL, 0), 0);
	CHECK_EQ_INT(store_msg_get(st, mid, &m), 0);
	CHECK(m.body != NULL && strcmp(m.body, "durable") == 0);
	td_message_fini(&m);
	CHECK_EQ_INT(store_event_max_seq(st, &seq), 0);
	CHECK_EQ_INT(seq, 500);
	CHECK_EQ_INT(store_conv_by_name(st, "general", &cv), 0);
	CHECK(strcmp(cv.topic, "Company-wide") == 0);
	CHECK(add_msg(st, 1, 1, "after reopen", "dur-2") > mid);

	snprintf(backup, sizeof(backup), "%s.bak", path);
	remove_db(backup);
	CHECK_EQ_INT(store_backup(st, backup), 0);
	CHECK_EQ_INT(store_backup(st, backup), TD_ERR_CONFLICT);
	store_close(st);

	/* A third open (migration no-op) then the backup. */
	st = open_db(path);
	if (st != NULL) {
		CHECK_EQ_INT(store_user_count(st, &n), 0);
		CHECK(n > 5);
		store_close(st);
	}
	st = open_db(backup);
	if (st != NULL) {
		int64_t n2 = 0;

		CHECK_EQ_INT(store_user_count(st, &n2), 0);
		CHECK_EQ_INT(n2, n);
		CHECK_EQ_INT(store_msg_by_nonce(st, 1, "dur-2", &m), 0);
		CHECK(strcmp(m.body, "after reopen") == 0);
		td_message_fini(&m);
		CHECK_EQ_INT(store_event_max_seq(st, &seq), 0);
		CHECK_EQ_INT(seq, 500);
		store_close(st);
	}
	remove_db(backup);

	/*
	 * synchronous=NORMAL opens the same file; a backup is refused inside
	 * a batch (SQLite cannot copy a connection that is writing) and
	 * holds the batch's writes once committed.
	 */
	{
		struct store_options opt = { .path = path, .sync_full = false };

		st = NULL;
		CHECK_EQ_INT(store_open(&st, &opt), 0);
	}
	if (st != NULL) {
		CHECK_EQ_INT(store_batch_begin(st), 0);
		add_user(st, "inbatch");
		CHECK_EQ_INT(store_backup(st, backup), TD_ERR_BUSY);
		CHECK(access(backup, F_OK) != 0);
		CHECK(store_batch_open(st));
		CHECK_EQ_INT(store_batch_commit(st), 0);
		CHECK_EQ_INT(store_backup(st, backup), 0);
		store_close(st);
		st = open_db(backup);
	}
	if (st != NULL) {
		CHECK_EQ_INT(store_user_by_handle(st, "inbatch", &u, NULL, 0),
			     0);
		store_close(st);
	}
	remove_db(backup);
out:
	remove_db(path);
}

/* A file that is not a database is refused, not crashed on. */
static void
test_bad_file(void)
{
	char path[] = "/tmp/tandem-store-bad-XXXXXX";
	struct store_options opt = { .path = path, .sync_full = false };
	struct store *st = (struct store *)1;
	int fd = mkstemp(path);
	static const char junk[] = "this is not an SQLite database, not at "
				   "all, and it is long enough to have a "
				   "header of one hundred bytes or so.....";

	CHECK(fd >= 0);
	if (fd < 0)
		return;
	CHECK(write(fd, junk, sizeof(junk)) == (ssize_t)sizeof(junk));
	close(fd);
	CHECK_EQ_INT(store_open(&st, &opt), TD_ERR_STORAGE);
	CHECK(st == NULL);
	remove_db(path);
}

static double
ms_since(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) * 1e3 +
	       (double)(t1.tv_nsec - t0->tv_nsec) / 1e6;
}

/*
 * A micro benchmark, run only with TANDEM_STORE_BENCH=N in the
 * environment: N events over 200 conversations, a user in 20 of them, one
 * in none, and N messages in one conversation; prints the time of event
 * ranges and history pages.
 */
static void
bench(long n)
{
	struct store *st = open_db(":memory:");
	struct timespec t0;
	int64_t users[3], convs[200], got = 0;
	bool more;
	char frame[200];
	long i;

	if (st == NULL)
		return;
	users[0] = add_user(st, "bench0");
	users[1] = add_user(st, "bench1");
	users[2] = add_user(st, "bench2");
	for (i = 0; i < 200; i++) {
		char name[16];

		snprintf(name, sizeof(name), "b%ld", i);
		convs[i] = add_conv(st, TD_CONV_CHANNEL, name, false,
				    users[0]);
		store_member_add(st, convs[i], users[0]);
		if (i % 10 == 0)
			store_member_add(st, convs[i], users[1]);
	}
	memset(frame, 'x', sizeof(frame));
	store_batch_begin(st);
	for (i = 1; i <= n; i++) {
		struct td_message m = { 0 };

		store_event_add(st, i, convs[i % 200], 0, frame,
				sizeof(frame));
		m.conv = convs[0];
		m.author = users[0];
		m.body = frame + 100;
		store_msg_add(st, &m);
	}
	store_batch_commit(st);

	clock_gettime(CLOCK_MONOTONIC, &t0);
	store_event_range(st, users[1], 0, n, 1000, count_event, &got);
	printf("bench: event_range 1000 of %ld (user in 20/200 convs): "
	       "%.2f ms, got %lld\n", n, ms_since(&t0), (long long)got);
	got = 0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	store_event_range(st, users[1], 0, n, (int)n, count_event, &got);
	printf("bench: event_range all of %ld (user in 20/200 convs): "
	       "%.2f ms, got %lld\n", n, ms_since(&t0), (long long)got);
	got = 0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	store_event_range(st, users[2], 0, n, 1000, count_event, &got);
	printf("bench: event_range of %ld (user in no conv, worst case): "
	       "%.2f ms, got %lld\n", n, ms_since(&t0), (long long)got);
	got = 0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	store_event_range(st, users[0], n - 1000, n, 1000, count_event, &got);
	printf("bench: event_range last 1000 (user in all): %.2f ms, "
	       "got %lld\n", ms_since(&t0), (long long)got);
	got = 0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	store_msg_history(st, convs[0], 0, -1, 200, &more, count_msg, &got);
	printf("bench: history newest 200 of %ld: %.3f ms\n", n,
	       ms_since(&t0));
	clock_gettime(CLOCK_MONOTONIC, &t0);
	store_msg_history(st, convs[0], n / 2, -1, 200, &more, count_msg,
			  &got);
	printf("bench: history 200 before the middle: %.3f ms\n",
	       ms_since(&t0));
	clock_gettime(CLOCK_MONOTONIC, &t0);
	store_msg_history(st, convs[0], 0, n / 2, 200, &more, count_msg,
			  &got);
	printf("bench: history 200 after the middle: %.3f ms\n",
	       ms_since(&t0));
	store_close(st);
}

/* Version 2: threads, reactions, pins, read markers, search. */
static void
test_chat(void)
{
	struct store *st = open_db(":memory:");
	int64_t ana = add_user(st, "ana"), ben = add_user(st, "ben");
	int64_t pub = add_conv(st, TD_CONV_CHANNEL, "pub", false, ana);
	int64_t priv = add_conv(st, TD_CONV_CHANNEL, "priv", true, ana);
	struct store_search q = { 0 };
	struct td_message m = { 0 }, got;
	struct seen s;
	bool more, changed;
	int64_t root, r1, hidden;
	int n;

	store_member_add(st, pub, ana);
	store_member_add(st, priv, ana);
	root = add_msg(st, pub, ana, "Onboarding plan https://x.io/zebra", "c1");
	m.conv = pub;
	m.author = ben;
	m.body = "a reply";
	m.thread = root;
	CHECK_EQ_INT(store_msg_add(st, &m), 0);
	r1 = m.id;
	hidden = add_msg(st, priv, ana, "onboarding secret", "c2");
	CHECK_EQ_INT(store_reaction_add(st, root, "tada", ben, 1), 0);
	CHECK_EQ_INT(store_reaction_add(st, root, "tada", ana, 2), 0);
	CHECK_EQ_INT(store_reaction_add(st, root, "tada", ana, 3),
		     TD_ERR_CONFLICT);
	CHECK_EQ_INT(store_reaction_add(st, root, "eyes", ben, 4), 0);
	CHECK_EQ_INT(store_msg_get(st, root, &got), 0);
	CHECK_EQ_INT(got.reply_count, 1);
	CHECK_EQ_INT(got.n_participants, 1);
	CHECK_EQ_INT(got.participants[0], ben);
	CHECK_EQ_INT(got.n_reactions, 3);
	CHECK(strcmp(got.reactions[0].emoji, "eyes") == 0);
	CHECK_EQ_INT(got.reactions[1].user, ana);
	td_message_fini(&got);
	memset(&s, 0, sizeof(s));
	CHECK_EQ_INT(store_msg_history(st, pub, 0, -1, 10, &more, on_msg, &s),
		     0);
	CHECK_EQ_INT(s.n, 1);
	memset(&s, 0, sizeof(s));
	CHECK_EQ_INT(store_msg_replies(st, root, 0, -1, 10, &more, on_msg, &s),
		     0);
	CHECK_EQ_INT(s.n, 1);
	CHECK_EQ_INT(s.ids[0], r1);
	CHECK_EQ_INT(store_follow_auto(st, ana, root, &changed), 0);
	CHECK(changed);
	CHECK_EQ_INT(store_thread_unread(st, ana, root, &n), 0);
	CHECK_EQ_INT(n, 1);
	CHECK_EQ_INT(store_follow_set(st, ana, root, false), 0);
	CHECK_EQ_INT(store_follow_auto(st, ana, root, &changed), 0);
	CHECK(!changed);
	/* Search: word prefixes, visibility, bad FTS text. */
	q.user = ben;
	q.fts = "\"onboard\"";
	q.limit = 10;
	memset(&s, 0, sizeof(s));
	CHECK_EQ_INT(store_search(st, &q, &more, on_result, &s), 0);
	CHECK_EQ_INT(s.n, 1);
	CHECK_EQ_INT(s.ids[0], root);
	q.user = ana;
	memset(&s, 0, sizeof(s));
	CHECK_EQ_INT(store_search(st, &q, &more, on_result, &s), 0);
	CHECK_EQ_INT(s.n, 2);
	q.fts = "\"zebra\"";
	memset(&s, 0, sizeof(s));
	CHECK_EQ_INT(store_search(st, &q, &more, on_result, &s), 0);
	CHECK_EQ_INT(s.n, 1);
	q.fts = "NEAR(";
	memset(&s, 0, sizeof(s));
	CHECK_EQ_INT(store_search(st, &q, &more, on_result, &s),
		     TD_ERR_BAD_REQUEST);
	/* Deleting drops reactions, pin and the index entry. */
	CHECK_EQ_INT(store_pin_add(st, root, pub, ana, 5), 0);
	CHECK_EQ_INT(store_msg_delete(st, root, 6), 0);
	CHECK_EQ_INT(store_pin_remove(st, root), TD_ERR_NOT_FOUND);
	CHECK_EQ_INT(store_msg_get(st, root, &got), 0);
	CHECK_EQ_INT(got.n_reactions, 0);
	td_message_fini(&got);
	q.fts = "\"onboard\"";
	memset(&s, 0, sizeof(s));
	CHECK_EQ_INT(store_search(st, &q, &more, on_result, &s), 0);
	CHECK_EQ_INT(s.n, 1);
	CHECK_EQ_INT(s.ids[0], hidden);
	store_close(st);
}

static int
on_sched(void *ctx, const struct store_sched *sc)
{
	struct seen *s = ctx;

	if (s->n < MAX_SEEN) {
		s->ids[s->n] = sc->id;
		snprintf(s->text[s->n], sizeof(s->text[0]), "%s", sc->body);
	}
	s->n++;
	return 0;
}

static int
on_reminder(void *ctx, const struct store_reminder *r)
{
	struct seen *s = ctx;

	if (s->n < MAX_SEEN)
		s->ids[s->n] = r->id;
	s->n++;
	return 0;
}

static int
on_unread(void *ctx, const struct store_unread *u)
{
	struct seen *s = ctx;

	if (s->n < MAX_SEEN) {
		s->ids[s->n] = u->conv;
		s->member[s->n] = u->notify == TD_NOTIFY_MUTED;
	}
	s->n++;
	return 0;
}

/*
 * Schema version 3: notification preferences, scheduled messages and
 * reminders, on a file so that reopening shows they are durable.
 */
static void
test_schedule(void)
{
	char path[] = "/tmp/tandem-sched-XXXXXX";
	struct store *st;
	struct store_sched sc = { 0 }, got;
	struct store_reminder r = { 0 }, rgot;
	enum td_notify notify;
	struct seen s;
	int64_t ana, ben, pub, mid, s1, s2, r1;
	int n;
	int fd = mkstemp(path);

	CHECK(fd >= 0);
	if (fd < 0)
		return;
	close(fd);
	st = open_db(path);
	if (st == NULL)
		goto out;
	ana = add_user(st, "ana");
	ben = add_user(st, "ben");
	pub = add_conv(st, TD_CONV_CHANNEL, "pub", false, ana);
	store_member_add(st, pub, ana);
	store_member_add(st, pub, ben);
	mid = add_msg(st, pub, ana, "remember me", "m1");

	/* Preferences: "all" without a row, one row per (user, conv). */
	CHECK_EQ_INT(store_prefs_get(st, ben, pub, &notify), 0);
	CHECK_EQ_INT(notify, TD_NOTIFY_ALL);
	CHECK_EQ_INT(store_prefs_set(st, ben, pub, TD_NOTIFY_MENTIONS), 0);
	CHECK_EQ_INT(store_prefs_set(st, ben, pub, TD_NOTIFY_MUTED), 0);
	CHECK_EQ_INT(store_prefs_get(st, ben, pub, &notify), 0);
	CHECK_EQ_INT(notify, TD_NOTIFY_MUTED);
	CHECK_EQ_INT(store_prefs_get(st, ana, pub, &notify), 0);
	CHECK_EQ_INT(notify, TD_NOTIFY_ALL);
	CHECK_EQ_INT(store_prefs_set(st, ben, 999, TD_NOTIFY_MUTED),
		     TD_ERR_NOT_FOUND);
	memset(&s, 0, sizeof(s));
	CHECK_EQ_INT(store_unread_list(st, ben, 0, on_unread, &s), 0);
	CHECK_EQ_INT(s.n, 1);
	CHECK(s.member[0]);

	/* Scheduled messages: add, nonce uniqueness, order, states. */
	sc.user = ben;
	sc.conv = pub;
	sc.body = "later";
	snprintf(sc.nonce, sizeof(sc.nonce), "%s", "s1");
	sc.at = 2000;
	CHECK_EQ_INT(store_sched_add(st, &sc), 0);
	s1 = sc.id;
	CHECK(s1 > 0);
	CHECK_EQ_INT(store_sched_add(st, &sc), TD_ERR_CONFLICT);
	snprintf(sc.nonce, sizeof(sc.nonce), "%s", "s2");
	sc.body = "sooner";
	sc.at = 1000;
	CHECK_EQ_INT(store_sched_add(st, &sc), 0);
	s2 = sc.id;
	sc.conv = 999;
	snprintf(sc.nonce, sizeof(sc.nonce), "%s", "s3");
	CHECK_EQ_INT(store_sched_add(st, &sc), TD_ERR_NOT_FOUND);
	CHECK_EQ_INT(store_sched_count(st, ben, &n), 0);
	CHECK_EQ_INT(n, 2);
	CHECK_EQ_INT(store_sched_count(st, ana, &n), 0);
	CHECK_EQ_INT(n, 0);
	memset(&s, 0, sizeof(s));
	CHECK_EQ_INT(store_sched_list(st, ben, on_sched, &s), 0);
	CHECK_EQ_INT(s.n, 2);
	CHECK_EQ_INT(s.ids[0], s2);
	CHECK(strcmp(s.text[0], "sooner") == 0);
	CHECK_EQ_INT(store_sched_next(st, &got), 0);
	CHECK_EQ_INT(got.id, s2);
	CHECK_EQ_INT(got.at, 1000);
	store_sched_fini(&got);
	CHECK_EQ_INT(store_sched_by_nonce(st, ben, "s1", &got), 0);
	CHECK_EQ_INT(got.id, s1);
	CHECK(strcmp(got.body, "later") == 0);
	CHECK_EQ_INT(got.state, STORE_SCHED_PENDING);
	store_sched_fini(&got);
	CHECK_EQ_INT(store_sched_by_nonce(st, ana, "s1", &got),
		     TD_ERR_NOT_FOUND);
	CHECK_EQ_INT(store_sched_set_state(st, s2, STORE_SCHED_SENT, mid), 0);
	CHECK_EQ_INT(store_sched_set_state(st, s2, STORE_SCHED_CANCELLED, 0),
		     TD_ERR_NOT_FOUND);
	CHECK_EQ_INT(store_sched_get(st, s2, &got), 0);
	CHECK_EQ_INT(got.state, STORE_SCHED_SENT);
	CHECK_EQ_INT(got.message, mid);
	store_sched_fini(&got);
	CHECK_EQ_INT(store_sched_next(st, &got), 0);
	CHECK_EQ_INT(got.id, s1);
	store_sched_fini(&got);

	/* Reminders: add, list, next, remove. */
	r.user = ana;
	r.message = mid;
	r.conv = pub;
	r.at = 500;
	CHECK_EQ_INT(store_remind_add(st, &r), 0);
	r1 = r.id;
	r.message = 999;
	CHECK_EQ_INT(store_remind_add(st, &r), TD_ERR_NOT_FOUND);
	CHECK_EQ_INT(store_remind_count(st, ana, &n), 0);
	CHECK_EQ_INT(n, 1);
	memset(&s, 0, sizeof(s));
	CHECK_EQ_INT(store_remind_list(st, ben, on_reminder, &s), 0);
	CHECK_EQ_INT(s.n, 0);
	store_close(st);

	/* Everything is still there after reopening. */
	st = open_db(path);
	if (st == NULL)
		goto out;
	CHECK_EQ_INT(store_prefs_get(st, ben, pub, &notify), 0);
	CHECK_EQ_INT(notify, TD_NOTIFY_MUTED);
	CHECK_EQ_INT(store_sched_next(st, &got), 0);
	CHECK_EQ_INT(got.id, s1);
	store_sched_fini(&got);
	CHECK_EQ_INT(store_remind_next(st, &rgot), 0);
	CHECK_EQ_INT(rgot.id, r1);
	CHECK_EQ_INT(rgot.message, mid);
	CHECK_EQ_INT(rgot.at, 500);
	memset(&s, 0, sizeof(s));
	CHECK_EQ_INT(store_remind_list(st, ana, on_reminder, &s), 0);
	CHECK_EQ_INT(s.n, 1);
	CHECK_EQ_INT(store_remind_remove(st, r1), 0);
	CHECK_EQ_INT(store_remind_remove(st, r1), TD_ERR_NOT_FOUND);
	CHECK_EQ_INT(store_remind_get(st, r1, &rgot), TD_ERR_NOT_FOUND);
	CHECK_EQ_INT(store_remind_next(st, &rgot), TD_ERR_NOT_FOUND);
	CHECK_EQ_INT(store_sched_set_state(st, s1, STORE_SCHED_FAILED, 0), 0);
	CHECK_EQ_INT(store_sched_next(st, &got), TD_ERR_NOT_FOUND);
	memset(&s, 0, sizeof(s));
	CHECK_EQ_INT(store_sched_list(st, ben, on_sched, &s), 0);
	CHECK_EQ_INT(s.n, 0);
	store_close(st);
out:
	remove_db(path);
}

int
main(void)
{
	const char *b = getenv("TANDEM_STORE_BENCH");
	struct store *st = open_db(":memory:");

	if (st != NULL) {
		run_all(st);
		store_close(st);
	}
	test_file();
	test_bad_file();
	test_chat();
	test_schedule();
	if (b != NULL)
		bench(atol(b));
	return check_summary("store");
}
