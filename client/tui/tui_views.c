/*
 * tui_views.c: the views beside the chat pane and the /commands: the
 * requests queue (request.list), the feedback inbox (feedback.list), my
 * buddy (buddy.get), the thread view (thread.replies) and the help. A list
 * view holds raw lines (drawn sanitized by tui_draw.c) and, per line, the
 * conversation Enter opens. Esc goes back to the chat.
 */
#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../util.h"
#include "tui.h"

static void
tui_list_clear(struct tui_list *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->lines[i]);
	free(l->lines);
	free(l->conv);
	memset(l, 0, sizeof(*l));
}

static void
tui_list_add(struct tui_list *l, int64_t conv, char *line)
{
	l->lines = xrealloc(l->lines, (l->n + 1) * sizeof(*l->lines));
	l->conv = xrealloc(l->conv, (l->n + 1) * sizeof(*l->conv));
	l->lines[l->n] = line;
	l->conv[l->n] = conv;
	l->n++;
}

void
tui_view_open(struct tui *t, enum tui_view v)
{
	static const enum proto_op ops[] = {
		[TUI_VIEW_REQUESTS] = PROTO_OP_REQUEST_LIST,
		[TUI_VIEW_FEEDBACK] = PROTO_OP_FEEDBACK_LIST,
		[TUI_VIEW_BUDDY] = PROTO_OP_BUDDY_GET,
	};
	static const enum tui_req reqs[] = {
		[TUI_VIEW_REQUESTS] = TUI_REQ_REQUESTS,
		[TUI_VIEW_FEEDBACK] = TUI_REQ_FEEDBACK,
		[TUI_VIEW_BUDDY] = TUI_REQ_BUDDY,
	};
	struct jw w;

	t->view = v;
	t->dirty = true;
	if (v != TUI_VIEW_REQUESTS && v != TUI_VIEW_FEEDBACK &&
	    v != TUI_VIEW_BUDDY)
		return;
	tui_list_clear(&t->list);
	if (!tui_net_ready(t)) {
		tui_notice(t, "offline: the view fills in once reconnected");
		return;
	}
	tui_net_begin(t, &w, ops[v]);
	if (v != TUI_VIEW_BUDDY)
		jw_kint(&w, "limit", 100);
	tui_net_send(t, &w, reqs[v], 0);
	t->list.loading = true;
}

/* "@handle" of a user id in a record, or "nobody" (into buf). */
static const char *
tui_who(struct tui *t, const struct proto_value *v, char *buf, size_t size)
{
	int64_t id = proto_value_int(v, 0);

	if (!id)
		return "nobody";
	snprintf(buf, size, "@%s", tui_handle_of(t, id));
	return buf;
}

static void
tui_requests(struct tui *t, const struct proto_value *res)
{
	const struct proto_value *arr = proto_value_get(res, "requests");
	size_t i;

	for (i = 0; i < proto_value_len(arr); i++) {
		const struct proto_value *r = proto_value_at(arr, i);
		char from[TD_HANDLE_MAX + 2], to[TD_HANDLE_MAX + 2];

		tui_list_add(
			&t->list,
			proto_value_int(proto_value_get(r, "conv"), 0),
			xasprintf("#%lld [%s] %s: %s  (%s -> %s)",
				  (long long)proto_value_int(
					  proto_value_get(r, "id"), 0),
				  proto_value_str(proto_value_get(r, "status"),
						  "?"),
				  proto_value_str(proto_value_get(r, "kind"),
						  "?"),
				  proto_value_str(proto_value_get(r, "title"),
						  ""),
				  tui_who(t, proto_value_get(r, "requester"),
					  from, sizeof(from)),
				  tui_who(t, proto_value_get(r, "assignee"), to,
					  sizeof(to))));
	}
}

static void
tui_feedback(struct tui *t, const struct proto_value *res)
{
	const struct proto_value *arr = proto_value_get(res, "feedback");
	size_t i;

	for (i = 0; i < proto_value_len(arr); i++) {
		const struct proto_value *f = proto_value_at(arr, i);
		const char *title =
			proto_value_str(proto_value_get(f, "title"), "");

		if (!title[0])
			title = proto_value_str(proto_value_get(f, "body"), "");
		tui_list_add(
			&t->list,
			proto_value_int(proto_value_get(f, "conv"), 0),
			xasprintf("#%lld [%s] %s, %lld votes: %s",
				  (long long)proto_value_int(
					  proto_value_get(f, "id"), 0),
				  proto_value_str(proto_value_get(f, "status"),
						  "?"),
				  proto_value_str(proto_value_get(f, "kind"),
						  "?"),
				  (long long)proto_value_int(
					  proto_value_get(f, "votes"), 0),
				  title));
	}
}

static void
tui_buddy(struct tui *t, const struct proto_value *res)
{
	const struct proto_value *buddies = proto_value_get(res, "buddies");
	int64_t conv = proto_value_int(proto_value_get(res, "conv"), 0);
	size_t i;

	if (proto_value_type(proto_value_get(res, "pair")) <=
	    PROTO_VALUE_NULL) {
		tui_list_add(&t->list, 0,
			     xstrdup("You are in no buddy pair right now."));
		return;
	}
	for (i = 0; i < proto_value_len(buddies); i++) {
		const struct proto_value *u = proto_value_at(buddies, i);

		tui_list_add(
			&t->list, conv,
			xasprintf(
				"Buddy: @%s  %s  (%s)",
				proto_value_str(proto_value_get(u, "handle"),
						"?"),
				proto_value_str(
					proto_value_get(u, "display_name"), ""),
				proto_value_str(proto_value_get(u, "team"),
						"")));
	}
	tui_list_add(
		&t->list, conv,
		xasprintf("Streak: %lld working day(s); written today: %s",
			  (long long)proto_value_int(
				  proto_value_get(res, "streak"), 0),
			  proto_value_bool(proto_value_get(res, "today"), false)
				  ? "yes"
				  : "no"));
}

void
tui_views_reply(struct tui *t, enum tui_req what, const struct proto_value *res)
{
	tui_list_clear(&t->list);
	if (what == TUI_REQ_REQUESTS)
		tui_requests(t, res);
	else if (what == TUI_REQ_FEEDBACK)
		tui_feedback(t, res);
	else
		tui_buddy(t, res);
}

void
tui_open_thread(struct tui *t, int64_t msg_id)
{
	struct jw w;

	if (!tui_net_ready(t)) {
		tui_notice(t, "offline: open the thread once reconnected");
		return;
	}
	td_message_fini(&t->thread_root);
	memset(&t->thread_root, 0, sizeof(t->thread_root));
	for (size_t i = 0; i < t->n_replies; i++)
		td_message_fini(&t->replies[i]);
	free(t->replies);
	t->replies = NULL;
	t->n_replies = 0;
	t->thread_root.id = msg_id;
	t->thread_open = true;
	t->view = TUI_VIEW_THREAD;
	t->scroll = 0;
	tui_net_begin(t, &w, PROTO_OP_THREAD_REPLIES);
	jw_kint(&w, "message", msg_id);
	jw_kint(&w, "limit", TD_HISTORY_MAX);
	tui_net_send(t, &w, TUI_REQ_THREAD, msg_id);
	t->dirty = true;
}

/* Enter in a list view: open the line's conversation. */
static void
tui_list_open(struct tui *t)
{
	int64_t conv;
	size_t i;

	if (t->list.sel < 0 || (size_t)t->list.sel >= t->list.n)
		return;
	conv = t->list.conv[t->list.sel];
	for (i = 0; conv && i < t->n_convs; i++) {
		if (t->convs[i].c.id == conv) {
			tui_select_conv(t, (int)i);
			return;
		}
	}
	tui_notice(t, "you are not a member of that conversation");
}

bool
tui_view_key(struct tui *t, wint_t ch, bool is_key)
{
	bool list = t->view == TUI_VIEW_REQUESTS ||
		    t->view == TUI_VIEW_FEEDBACK || t->view == TUI_VIEW_BUDDY;

	if (t->view == TUI_VIEW_CHAT)
		return false;
	if (!is_key && ch == 27) {
		t->view = TUI_VIEW_CHAT;
		t->scroll = 0;
		tui_mark_read(t);
		return true;
	}
	if (!list)
		return false;
	if (is_key && ch == KEY_UP && t->list.sel > 0) {
		t->list.sel--;
		return true;
	}
	if (is_key && ch == KEY_DOWN && (size_t)t->list.sel + 1 < t->list.n) {
		t->list.sel++;
		return true;
	}
	if (((is_key && ch == KEY_ENTER) ||
	     (!is_key && (ch == L'\r' || ch == L'\n'))) &&
	    t->in.len == 0) {
		tui_list_open(t);
		return true;
	}
	return is_key && (ch == KEY_UP || ch == KEY_DOWN);
}

/* /thread [id]: the given message, the selected one, or the newest. */
static void
tui_cmd_thread(struct tui *t, const char *arg)
{
	struct tui_conv *cv = tui_current(t);
	long long id = atoll(arg);

	if (id <= 0)
		id = t->sel_id;
	if (id <= 0 && cv && cv->n_msgs)
		id = cv->msgs[cv->n_msgs - 1].id;
	if (id <= 0)
		tui_notice(t, "no message to open a thread on");
	else
		tui_open_thread(t, id);
}

void
tui_command(struct tui *t, const char *line)
{
	const char *arg = strchr(line, ' ');
	size_t n = arg ? (size_t)(arg - line) : strlen(line);

	while (arg && *arg == ' ')
		arg++;
	if (!arg)
		arg = "";
	if (n == 5 && strncmp(line, "/quit", 5) == 0) {
		t->quit = true;
	} else if (n == 3 && strncmp(line, "/go", 3) == 0) {
		int i = tui_find_conv(t, arg);

		if (i < 0 && arg[0] != '#' && arg[0] != '@') {
			char *h = xasprintf("#%s", arg);

			i = tui_find_conv(t, h);
			free(h);
		}
		if (i < 0)
			tui_notice(t, "no conversation %s here", arg);
		else
			tui_select_conv(t, i);
	} else if (n == 7 && strncmp(line, "/thread", 7) == 0) {
		tui_cmd_thread(t, arg);
	} else if (n == 9 && strncmp(line, "/requests", 9) == 0) {
		tui_view_open(t, TUI_VIEW_REQUESTS);
	} else if (n == 9 && strncmp(line, "/feedback", 9) == 0) {
		tui_view_open(t, TUI_VIEW_FEEDBACK);
	} else if (n == 6 && strncmp(line, "/buddy", 6) == 0) {
		tui_view_open(t, TUI_VIEW_BUDDY);
	} else if (n == 5 && strncmp(line, "/help", 5) == 0) {
		tui_view_open(t, TUI_VIEW_HELP);
	} else {
		tui_notice(t, "unknown command (F1 for help; // posts a /)");
	}
}

void
tui_views_fini(struct tui *t)
{
	tui_list_clear(&t->list);
}
