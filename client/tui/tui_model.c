/*
 * tui_model.c: what the interactive mode knows: the user, the users, the
 * conversations the user belongs to with their loaded messages and unread
 * counts, and the open thread. Replies (routed by tui_net.c) and events
 * update it; tui_draw.c only reads it.
 *
 * Messages of a conversation are kept ascending by id with no duplicates,
 * whatever order replies and events arrive in (the message.new event may
 * beat the msg.send reply, a history page may overlap live events). Text
 * is kept raw here; it is sanitized when drawn.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../util.h"
#include "tui.h"

/* A deep copy of m (the frame that holds m is freed after the call). */
static void
tui_msg_copy(struct td_message *dst, const struct td_message *m)
{
	*dst = *m;
	dst->body = xstrdup(m->body ? m->body : "");
	dst->participants = NULL;
	dst->n_participants = 0;
	dst->reactions = NULL;
	dst->n_reactions = 0;
}

/* Insert or replace m in an ascending array. */
static void
tui_msgs_put(struct td_message **arr, size_t *n, size_t *cap,
	     const struct td_message *m)
{
	size_t i = *n;

	while (i > 0 && (*arr)[i - 1].id >= m->id)
		i--;
	if (i < *n && (*arr)[i].id == m->id) {
		td_message_fini(&(*arr)[i]);
		tui_msg_copy(&(*arr)[i], m);
		return;
	}
	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 64;
		*arr = xrealloc(*arr, *cap * sizeof(**arr));
	}
	memmove(&(*arr)[i + 1], &(*arr)[i], (*n - i) * sizeof(**arr));
	tui_msg_copy(&(*arr)[i], m);
	(*n)++;
}

static void
tui_msgs_free(struct td_message *arr, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		td_message_fini(&arr[i]);
	free(arr);
}

struct tui_conv *
tui_conv_by_id(struct tui *t, int64_t id)
{
	size_t i;

	for (i = 0; i < t->n_convs; i++)
		if (t->convs[i].c.id == id)
			return &t->convs[i];
	return NULL;
}

int
tui_msg_index(const struct tui_conv *cv, int64_t id)
{
	size_t i;

	for (i = 0; id && cv && i < cv->n_msgs; i++)
		if (cv->msgs[i].id == id)
			return (int)i;
	return -1;
}

struct tui_conv *
tui_current(struct tui *t)
{
	return t->cur >= 0 && (size_t)t->cur < t->n_convs ? &t->convs[t->cur]
							  : NULL;
}

const char *
tui_handle_of(const struct tui *t, int64_t id)
{
	size_t i;

	for (i = 0; i < t->n_users; i++)
		if (t->users[i].id == id)
			return t->users[i].handle;
	return "?";
}

static void
tui_simple(struct tui *t, enum proto_op op, enum tui_req what)
{
	struct jw w;

	tui_net_begin(t, &w, op);
	tui_net_send(t, &w, what, 0);
}

void
tui_model_refresh(struct tui *t)
{
	size_t i;

	for (i = 0; i < t->n_convs; i++) {
		tui_msgs_free(t->convs[i].msgs, t->convs[i].n_msgs);
		t->convs[i].msgs = NULL;
		t->convs[i].n_msgs = t->convs[i].cap_msgs = 0;
		t->convs[i].loaded = false;
	}
	tui_simple(t, PROTO_OP_USER_LIST, TUI_REQ_USERS);
	tui_simple(t, PROTO_OP_CONV_LIST, TUI_REQ_CONVS);
	tui_simple(t, PROTO_OP_UNREAD_COUNTS, TUI_REQ_COUNTS);
}

/* Ask for the newest page, or the page before the oldest loaded one. */
static void
tui_load_page(struct tui *t, struct tui_conv *cv, bool older)
{
	struct jw w;

	if (cv->loading || !tui_net_ready(t))
		return;
	tui_net_begin(t, &w, PROTO_OP_MSG_HISTORY);
	jw_kint(&w, "conv", cv->c.id);
	jw_kint(&w, "limit", TUI_PAGE);
	if (older && cv->n_msgs)
		jw_kint(&w, "before", cv->msgs[0].id);
	tui_net_send(t, &w, TUI_REQ_HISTORY, cv->c.id);
	cv->loading = true;
}

void
tui_load_older(struct tui *t)
{
	struct tui_conv *cv = tui_current(t);

	if (cv && cv->loaded && cv->more_older)
		tui_load_page(t, cv, true);
}

/* Move the read marker to the newest message of the open conversation. */
void
tui_mark_read(struct tui *t)
{
	struct tui_conv *cv = tui_current(t);
	int64_t last;
	struct jw w;

	if (!cv || !cv->n_msgs || t->view != TUI_VIEW_CHAT || !tui_net_ready(t))
		return;
	last = cv->msgs[cv->n_msgs - 1].id;
	if (last <= cv->last_read && cv->unread == 0)
		return;
	cv->last_read = last;
	cv->unread = cv->mentions = 0;
	tui_net_begin(t, &w, PROTO_OP_CONV_READ);
	jw_kint(&w, "conv", cv->c.id);
	jw_kint(&w, "message", last);
	tui_net_send(t, &w, TUI_REQ_READ, cv->c.id);
}

void
tui_select_conv(struct tui *t, int index)
{
	struct tui_conv *cv;

	if (index < 0 || (size_t)index >= t->n_convs)
		return;
	t->cur = index;
	t->scroll = 0;
	t->sel_id = 0;
	t->view = TUI_VIEW_CHAT;
	cv = &t->convs[index];
	if (!cv->loaded)
		tui_load_page(t, cv, false);
	tui_mark_read(t);
	t->dirty = true;
}

/* Kind order in the list: channels, dms, groups, requests, feedback. */
static int
tui_conv_cmp(const void *a, const void *b)
{
	const struct tui_conv *x = a, *y = b;

	if (x->c.kind != y->c.kind)
		return (int)x->c.kind - (int)y->c.kind;
	if (x->c.kind == TD_CONV_CHANNEL)
		return strcmp(x->c.name, y->c.name);
	return x->c.id < y->c.id ? -1 : x->c.id > y->c.id;
}

/* label = prefix + text, cut at a character boundary to fit. */
static void
tui_label_set(struct tui_conv *cv, const char *prefix, const char *text)
{
	size_t room = sizeof(cv->label) - 1 - strlen(prefix);
	size_t n = strlen(text);

	if (n > room) {
		n = room;
		while (n > 0 && ((unsigned char)text[n] & 0xc0) == 0x80)
			n--;
	}
	snprintf(cv->label, sizeof(cv->label), "%s%.*s", prefix, (int)n, text);
}

static void
tui_conv_label(struct tui_conv *cv)
{
	switch (cv->c.kind) {
	case TD_CONV_CHANNEL: tui_label_set(cv, "#", cv->c.name); break;
	case TD_CONV_REQUEST: tui_label_set(cv, "req: ", cv->c.topic); break;
	case TD_CONV_FEEDBACK: tui_label_set(cv, "fb: ", cv->c.topic); break;
	default:
		if (!cv->label[0])
			snprintf(cv->label, sizeof(cv->label), "dm %lld",
				 (long long)cv->c.id);
	}
}

/* A fresh conv.list: keep what is loaded of conversations still there. */
static void
tui_convs_replace(struct tui *t, const struct proto_frame *f)
{
	struct tui_conv *old = t->convs, *cur = tui_current(t);
	int64_t cur_id = cur ? cur->c.id : 0;
	size_t n_old = t->n_convs, i, j, n = 0;

	t->convs = xcalloc(f->n_convs + 1, sizeof(*t->convs));
	for (i = 0; i < f->n_convs; i++) {
		struct tui_conv *cv = &t->convs[n];

		if (!f->convs[i].member || f->convs[i].archived)
			continue;
		cv->c = f->convs[i];
		for (j = 0; j < n_old; j++) {
			if (old[j].c.id == cv->c.id) {
				struct td_conv c = cv->c;

				*cv = old[j];
				cv->c = c;
				old[j].msgs = NULL;
				old[j].n_msgs = 0;
			}
		}
		tui_conv_label(cv);
		n++;
	}
	for (j = 0; j < n_old; j++)
		tui_msgs_free(old[j].msgs, old[j].n_msgs);
	free(old);
	t->n_convs = n;
	qsort(t->convs, n, sizeof(*t->convs), tui_conv_cmp);
	t->cur = -1;
	for (i = 0; i < n; i++) {
		if (t->convs[i].c.id == cur_id)
			t->cur = (int)i;
		if ((t->convs[i].c.kind == TD_CONV_DM ||
		     t->convs[i].c.kind == TD_CONV_GROUP) &&
		    strncmp(t->convs[i].label, "dm ", 3) == 0) {
			struct jw w;

			tui_net_begin(t, &w, PROTO_OP_CONV_GET);
			jw_kint(&w, "conv", t->convs[i].c.id);
			tui_net_send(t, &w, TUI_REQ_CONV_GET, t->convs[i].c.id);
		}
	}
	if (t->cur < 0 && n)
		tui_select_conv(t, 0);
	else if (t->cur >= 0 && !t->convs[t->cur].loaded)
		tui_load_page(t, &t->convs[t->cur], false); /* after a resync */
}

/* conv.get: name a dm or group by its other members' handles. */
static void
tui_conv_named(struct tui *t, struct tui_conv *cv, const struct proto_frame *f)
{
	size_t i, len = 0;

	cv->label[0] = '\0';
	for (i = 0; i < f->n_members; i++) {
		if (f->members[i] == t->me.id && f->n_members > 1)
			continue;
		len += (size_t)snprintf(
			cv->label + len,
			len < sizeof(cv->label) ? sizeof(cv->label) - len : 0,
			"%s@%s", len ? "," : "",
			tui_handle_of(t, f->members[i]));
		if (len >= sizeof(cv->label))
			break;
	}
	tui_conv_label(cv);
}

static void
tui_counts(struct tui *t, const struct proto_value *counts)
{
	size_t i;

	for (i = 0; i < proto_value_len(counts); i++) {
		const struct proto_value *e = proto_value_at(counts, i);
		struct tui_conv *cv = tui_conv_by_id(
			t, proto_value_int(proto_value_get(e, "conv"), 0));

		if (!cv ||
		    proto_value_int(proto_value_get(e, "thread"), 0) != 0)
			continue;
		cv->unread =
			(int)proto_value_int(proto_value_get(e, "unread"), 0);
		cv->mentions =
			(int)proto_value_int(proto_value_get(e, "mentions"), 0);
		cv->last_read =
			proto_value_int(proto_value_get(e, "last_read"), 0);
	}
	tui_mark_read(t);
}

static void
tui_history(struct tui *t, struct tui_conv *cv, const struct proto_frame *f)
{
	size_t i;

	cv->loading = false;
	for (i = 0; i < f->n_messages; i++)
		if (f->messages[i].thread == 0)
			tui_msgs_put(&cv->msgs, &cv->n_msgs, &cv->cap_msgs,
				     &f->messages[i]);
	cv->more_older = f->more;
	cv->loaded = true;
	if (cv == tui_current(t))
		tui_mark_read(t);
}

static void
tui_thread_reply(struct tui *t, int64_t root, const struct proto_frame *f)
{
	size_t i;

	if (!t->thread_open || t->thread_root.id != root || !f->n_messages)
		return;
	td_message_fini(&t->thread_root);
	tui_msg_copy(&t->thread_root, &f->messages[0]);
	for (i = 1; i < f->n_messages; i++) {
		size_t cap = t->n_replies;

		tui_msgs_put(&t->replies, &t->n_replies, &cap, &f->messages[i]);
	}
}

void
tui_model_reply(struct tui *t, enum tui_req what, int64_t arg,
		const struct proto_frame *f, const struct proto_value *res)
{
	struct tui_conv *cv = tui_conv_by_id(t, arg);

	if (!f) {
		if (cv)
			cv->loading = false;
		return;
	}
	switch (what) {
	case TUI_REQ_USERS:
		free(t->users);
		t->users = xcalloc(f->n_users + 1, sizeof(*t->users));
		memcpy(t->users, f->users, f->n_users * sizeof(*t->users));
		t->n_users = f->n_users;
		break;
	case TUI_REQ_CONVS: tui_convs_replace(t, f); break;
	case TUI_REQ_CONV_GET:
		if (cv)
			tui_conv_named(t, cv, f);
		break;
	case TUI_REQ_COUNTS:
		tui_counts(t, proto_value_get(res, "counts"));
		break;
	case TUI_REQ_HISTORY:
		if (cv)
			tui_history(t, cv, f);
		break;
	case TUI_REQ_THREAD: tui_thread_reply(t, arg, f); break;
	case TUI_REQ_REQUESTS:
	case TUI_REQ_FEEDBACK:
	case TUI_REQ_BUDDY: tui_views_reply(t, what, res); break;
	default: break;
	}
}

/* A new, edited or deleted message. */
static void
tui_event_message(struct tui *t, const struct td_message *m, bool is_new)
{
	struct tui_conv *cv = tui_conv_by_id(t, m->conv);

	if (m->thread) {
		if (t->thread_open && t->thread_root.id == m->thread) {
			size_t cap = t->n_replies;

			tui_msgs_put(&t->replies, &t->n_replies, &cap, m);
		}
		return;
	}
	if (!cv)
		return;
	/* A conversation not loaded yet gets it with its first page; one
	 * whose first page is on its way merges it, in case the page was
	 * read before the message was stored. */
	if (cv->loaded || cv->loading)
		tui_msgs_put(&cv->msgs, &cv->n_msgs, &cv->cap_msgs, m);
	if (is_new && m->author != t->me.id && !m->system &&
	    !(cv == tui_current(t) && t->view == TUI_VIEW_CHAT))
		cv->unread++;
	if (cv == tui_current(t))
		tui_mark_read(t);
}

static void
tui_event_read(struct tui *t, const struct proto_frame *f,
	       const struct proto_value *d)
{
	struct tui_conv *cv = tui_conv_by_id(t, f->conv_id);

	if (!cv || proto_value_int(proto_value_get(d, "thread"), 0) != 0)
		return;
	cv->unread =
		(int)proto_value_int(proto_value_get(d, "unread"), cv->unread);
	cv->mentions = (int)proto_value_int(proto_value_get(d, "mentions"),
					    cv->mentions);
	cv->last_read =
		proto_value_int(proto_value_get(d, "last_read"), cv->last_read);
}

void
tui_model_event(struct tui *t, const struct proto_frame *f,
		const struct proto_value *data)
{
	const char *e = f->event;
	const struct td_message *m = f->n_messages ? &f->messages[0] : NULL;

	if (m && strcmp(e, "message.new") == 0) {
		tui_event_message(t, m, true);
	} else if (m && (strcmp(e, "message.edit") == 0 ||
			 strcmp(e, "message.delete") == 0 ||
			 strcmp(e, "thread.update") == 0)) {
		tui_event_message(t, m, false);
		if (t->thread_open && t->thread_root.id == m->id) {
			td_message_fini(&t->thread_root);
			tui_msg_copy(&t->thread_root, m);
		}
	} else if (m && strcmp(e, "mention") == 0) {
		struct tui_conv *cv = tui_conv_by_id(t, m->conv);

		if (cv && m->thread == 0 && cv != tui_current(t))
			cv->mentions++;
	} else if (strcmp(e, "read.update") == 0) {
		tui_event_read(t, f, data);
	} else if (strcmp(e, "user.new") == 0 || strcmp(e, "conv.new") == 0 ||
		   strcmp(e, "conv.update") == 0 ||
		   strcmp(e, "member.join") == 0 ||
		   strcmp(e, "member.leave") == 0) {
		/* Membership or names changed: refetch the small lists. */
		if (strcmp(e, "user.new") == 0 || strcmp(e, "member.join") == 0)
			tui_simple(t, PROTO_OP_USER_LIST, TUI_REQ_USERS);
		tui_simple(t, PROTO_OP_CONV_LIST, TUI_REQ_CONVS);
		tui_simple(t, PROTO_OP_UNREAD_COUNTS, TUI_REQ_COUNTS);
	}
}

int
tui_find_conv(const struct tui *t, const char *name)
{
	size_t i;
	char *end;
	long long id = strtoll(name, &end, 10);

	for (i = 0; i < t->n_convs; i++) {
		const struct tui_conv *cv = &t->convs[i];

		if (strcmp(cv->label, name) == 0 ||
		    (cv->c.kind == TD_CONV_CHANNEL &&
		     strcmp(cv->c.name, name) == 0) ||
		    (*name && !*end && cv->c.id == id))
			return (int)i;
	}
	return -1;
}

void
tui_model_fini(struct tui *t)
{
	size_t i;

	for (i = 0; i < t->n_convs; i++)
		tui_msgs_free(t->convs[i].msgs, t->convs[i].n_msgs);
	free(t->convs);
	free(t->users);
	td_message_fini(&t->thread_root);
	tui_msgs_free(t->replies, t->n_replies);
}
