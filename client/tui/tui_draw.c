/*
 * tui_draw.c: the screen of the interactive mode, drawn from the model on
 * every change:
 *
 *   +--------------------+-----------------------------------------------+
 *   | Conversations      | #general  topic                               |
 *   | #general       (2) | ---------------- Mon 23 Nov ----------------- |
 *   | @ben               | 09:12 ana: hello                              |
 *   | req: Battle card   |       continued lines are indented            |
 *   +--------------------+-----------------------------------------------+
 *   | status: connection, @me, conversation, pending posts, notices      |
 *   | > input line                                                       |
 *   +--------------------------------------------------------------------+
 *
 * Every string that came from the server passes tui_wsafe() before it
 * reaches ncurses: util.c's sanitizer (one rule set for the whole client)
 * makes controls, escapes, C1 and bidi controls visible and inert, then
 * each character is checked with wcwidth(); widths drive wrapping and
 * truncation, so CJK and emoji stay aligned. This file must never pass
 * unsanitized server text to curses.
 */
#include <curses.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <wctype.h>

#include "../util.h"
#include "tui.h"

enum tui_pair {
	P_TIME = 1,
	P_AUTHOR,
	P_STATUS,
	P_SYSTEM,
	P_SEP,
	P_UNREAD,
	P_PENDING
};

enum tui_kind { LK_TEXT, LK_SEP, LK_SYSTEM, LK_PENDING, LK_INFO };

/* One display line of the message pane. */
struct tui_line {
	wchar_t *s;
	enum tui_kind kind;
	int head; /* characters of "HH:MM author" on a first line, else 0 */
	int msg;  /* index of its message in the pane's array, -1 for none */
};

struct tui_lines {
	struct tui_line *v;
	size_t n, cap;
};

void
tui_draw_init(void)
{
	if (!has_colors())
		return;
	start_color();
	use_default_colors();
	init_pair(P_TIME, COLOR_YELLOW, -1);
	init_pair(P_AUTHOR, COLOR_CYAN, -1);
	init_pair(P_STATUS, COLOR_BLACK, COLOR_CYAN);
	init_pair(P_SYSTEM, COLOR_MAGENTA, -1);
	init_pair(P_SEP, COLOR_BLUE, -1);
	init_pair(P_UNREAD, COLOR_GREEN, -1);
	init_pair(P_PENDING, COLOR_WHITE, -1);
}

static attr_t
tui_color(enum tui_pair p)
{
	return has_colors() ? COLOR_PAIR(p) : A_NORMAL;
}

wchar_t *
tui_wsafe(const char *s, bool multiline)
{
	struct sbuf b;
	mbstate_t st;
	wchar_t *out;
	size_t i = 0, n = 0;

	sbuf_init(&b);
	util_sanitize(&b, s, strlen(s),
		      multiline ? SAN_KEEP_NL | SAN_KEEP_TAB : 0);
	out = xcalloc(b.len + 1, sizeof(*out));
	memset(&st, 0, sizeof(st));
	while (i < b.len) {
		wchar_t wc;
		size_t k = mbrtowc(&wc, b.s + i, b.len - i, &st);

		if (k == (size_t)-1 || k == (size_t)-2 || k == 0) {
			/* Not representable in this locale. */
			memset(&st, 0, sizeof(st));
			wc = L'?';
			k = 1;
		}
		if (wc == L'\t')
			wc = L' ';
		else if (wc != L'\n' && wcwidth(wc) < 0)
			wc = 0xfffd; /* unknown to the terminal: not drawn */
		out[n++] = wc;
		i += k;
	}
	out[n] = 0;
	sbuf_fini(&b);
	return out;
}

static int
tui_wcw(wchar_t c)
{
	int w = wcwidth(c);

	return w < 0 ? 1 : w;
}

/* Display width of the first n characters of s. */
static int
tui_width(const wchar_t *s, size_t n)
{
	int w = 0;
	size_t i;

	for (i = 0; i < n && s[i]; i++)
		w += tui_wcw(s[i]);
	return w;
}

/* How many characters of s fit in width columns. */
static size_t
tui_fit(const wchar_t *s, int width)
{
	size_t i = 0;
	int w = 0;

	while (s[i] && s[i] != L'\n' && w + tui_wcw(s[i]) <= width)
		w += tui_wcw(s[i++]);
	return i;
}

/* Draw at most width columns of s at (y, x), padding with spaces. */
static void
tui_put(int y, int x, const wchar_t *s, int width)
{
	size_t n = tui_fit(s, width);
	int used = tui_width(s, n);

	if (n)
		mvaddnwstr(y, x, s, (int)n);
	else
		move(y, x);
	for (; used < width; used++)
		addch(' ');
}

/* Draw raw server text (sanitized here) truncated to width. */
static void
tui_put_raw(int y, int x, const char *s, int width)
{
	wchar_t *w = tui_wsafe(s, false);

	tui_put(y, x, w, width);
	free(w);
}

static void
tui_lines_add(struct tui_lines *L, const wchar_t *s, size_t n,
	      enum tui_kind kind, int head, int msg)
{
	struct tui_line *l;

	if (L->n == L->cap) {
		L->cap = L->cap ? L->cap * 2 : 128;
		L->v = xrealloc(L->v, L->cap * sizeof(*L->v));
	}
	l = &L->v[L->n++];
	l->s = xcalloc(n + 1, sizeof(wchar_t));
	wmemcpy(l->s, s, n);
	l->kind = kind;
	l->head = head;
	l->msg = msg;
}

static void
tui_lines_free(struct tui_lines *L)
{
	size_t i;

	for (i = 0; i < L->n; i++)
		free(L->v[i].s);
	free(L->v);
}

/*
 * Wrap s (may hold newlines) into lines of width columns; lines after the
 * first are indented by indent columns. Breaks at a space when one is near.
 */
static void
tui_wrap(struct tui_lines *L, const wchar_t *s, int width, int indent,
	 enum tui_kind kind, int head, int msg)
{
	wchar_t *buf = xcalloc((size_t)width + 1, sizeof(wchar_t));
	bool first = true;

	if (width <= indent + 4)
		indent = 0;
	do {
		int avail = first ? width : width - indent;
		size_t n = tui_fit(s, avail), i;

		if (s[n] && s[n] != L'\n') {
			for (i = n; i > n / 2; i--)
				if (s[i] == L' ')
					break;
			if (i > n / 2)
				n = i;
		}
		if (n == 0 && s[0] && s[0] != L'\n')
			n = 1; /* wider than the pane: take it anyway */
		for (i = 0; !first && i < (size_t)indent; i++)
			buf[i] = L' ';
		wmemcpy(buf + (first ? 0 : indent), s, n);
		tui_lines_add(L, buf, n + (first ? 0 : (size_t)indent), kind,
			      first ? head : 0, msg);
		s += n;
		if (*s == L' ' || *s == L'\n')
			s++;
		first = false;
	} while (*s);
	free(buf);
}

/* A day separator when m starts a new local day. */
static void
tui_day_sep(struct tui_lines *L, int64_t prev_ms, int64_t ms, int width)
{
	time_t a = (time_t)(prev_ms / 1000), b = (time_t)(ms / 1000);
	struct tm ta, tb;
	char day[64];
	wchar_t line[256];
	int i, pad;
	size_t n = 0, k;

	localtime_r(&b, &tb);
	if (prev_ms && localtime_r(&a, &ta) && ta.tm_yday == tb.tm_yday &&
	    ta.tm_year == tb.tm_year)
		return;
	strftime(day, sizeof(day), " %a %d %b %Y ", &tb);
	pad = (width - (int)strlen(day)) / 2;
	if (pad < 0)
		pad = 0;
	if (pad > 100)
		pad = 100;
	for (i = 0; i < pad; i++)
		line[n++] = 0x2500;
	for (k = 0; day[k]; k++)
		line[n++] = (wchar_t)day[k];
	for (i = 0; i < pad; i++)
		line[n++] = 0x2500;
	line[n] = 0;
	tui_lines_add(L, line, tui_fit(line, width), LK_SEP, 0, -1);
}

/* The lines of one message: "HH:MM handle: body", wrapped. */
static void
tui_msg_lines(struct tui *t, struct tui_lines *L, const struct td_message *m,
	      int idx, int width, bool pending)
{
	char hhmm[8], *head;
	wchar_t *wh, *wb, *all;
	size_t nh, nb;

	if (pending)
		snprintf(hhmm, sizeof(hhmm), "--:--");
	else
		util_format_hhmm(m->created_at, hhmm, sizeof(hhmm));
	head = xasprintf("%s %s%s", hhmm, m->system ? "* " : "",
			 tui_handle_of(t, m->author));
	wh = tui_wsafe(head, false);
	wb = tui_wsafe(m->deleted ? "(deleted)" : m->body ? m->body : "", true);
	nh = wcslen(wh);
	nb = wcslen(wb);
	all = xcalloc(nh + nb + 64, sizeof(wchar_t));
	wmemcpy(all, wh, nh);
	wmemcpy(all + nh, L": ", 2);
	wmemcpy(all + nh + 2, wb, nb);
	if (pending)
		wcscat(all, L"  (pending)");
	else if (m->edited_at && !m->deleted)
		wcscat(all, L" (edited)");
	tui_wrap(L, all, width, 6,
		 pending     ? LK_PENDING
		 : m->system ? LK_SYSTEM
			     : LK_TEXT,
		 (int)nh, idx);
	if (m->reply_count > 0) {
		wchar_t info[64];

		swprintf(info, 64, L"      \x21b3 %d repl%ls", m->reply_count,
			 m->reply_count == 1 ? L"y" : L"ies");
		tui_lines_add(L, info, tui_fit(info, width), LK_INFO, 0, idx);
	}
	free(head);
	free(wh);
	free(wb);
	free(all);
}

/* Posts of this conversation (and thread) still in the outbox. */
static void
tui_pending_lines(struct tui *t, struct tui_lines *L, int64_t conv,
		  int64_t thread, int width)
{
	struct tui_post *p;

	for (p = t->outbox; p; p = p->next) {
		struct td_message m;

		if (p->conv != conv || p->thread != thread)
			continue;
		memset(&m, 0, sizeof(m));
		m.author = t->me.id;
		m.body = p->body;
		tui_msg_lines(t, L, &m, -1, width, true);
	}
}

/* Build the lines of the chat or thread pane. */
static void
tui_pane_lines(struct tui *t, struct tui_lines *L, int width)
{
	struct tui_conv *cv = tui_current(t);
	int64_t prev = 0;
	size_t i;

	if (t->view == TUI_VIEW_THREAD) {
		wchar_t sep[64];

		if (!t->thread_open || !t->thread_root.body) {
			tui_lines_add(L, L"loading...", 10, LK_INFO, 0, -1);
			return;
		}
		tui_msg_lines(t, L, &t->thread_root, -1, width, false);
		swprintf(sep, 64, L"\x2500\x2500 %zu repl%ls \x2500\x2500",
			 t->n_replies, t->n_replies == 1 ? L"y" : L"ies");
		tui_lines_add(L, sep, tui_fit(sep, width), LK_SEP, 0, -1);
		for (i = 0; i < t->n_replies; i++)
			tui_msg_lines(t, L, &t->replies[i], (int)i, width,
				      false);
		tui_pending_lines(t, L, t->thread_root.conv, t->thread_root.id,
				  width);
		return;
	}
	if (!cv)
		return;
	if (cv->loaded && !cv->more_older)
		tui_lines_add(L, L"(start of the conversation)", 27, LK_INFO, 0,
			      -1);
	for (i = 0; i < cv->n_msgs; i++) {
		tui_day_sep(L, prev, cv->msgs[i].created_at, width);
		prev = cv->msgs[i].created_at;
		tui_msg_lines(t, L, &cv->msgs[i], (int)i, width, false);
	}
	tui_pending_lines(t, L, cv->c.id, 0, width);
}

static void
tui_draw_line(const struct tui_line *l, int y, int x, int width, bool sel)
{
	attr_t a = A_NORMAL;

	switch (l->kind) {
	case LK_SEP: a = tui_color(P_SEP); break;
	case LK_SYSTEM: a = tui_color(P_SYSTEM); break;
	case LK_PENDING: a = tui_color(P_PENDING) | A_DIM; break;
	case LK_INFO: a = A_DIM; break;
	default: break;
	}
	if (sel)
		a |= A_REVERSE;
	attrset(a);
	tui_put(y, x, l->s, width);
	if (l->head >= 5 && l->kind == LK_TEXT) {
		attrset(tui_color(P_TIME) | (sel ? A_REVERSE : 0));
		mvaddnwstr(y, x, l->s, 5);
		attrset(tui_color(P_AUTHOR) | A_BOLD | (sel ? A_REVERSE : 0));
		mvaddnwstr(y, x + 6, l->s + 6, l->head - 6);
	}
	attrset(A_NORMAL);
}

/* The message pane (chat or thread) in rows [y0, y1). */
static void
tui_draw_pane(struct tui *t, int y0, int y1, int x, int width)
{
	struct tui_lines L = {0};
	int h = y1 - y0, top, i;
	int sel = t->view == TUI_VIEW_CHAT
			  ? tui_msg_index(tui_current(t), t->sel_id)
			  : -1;

	tui_pane_lines(t, &L, width);
	t->scroll_max = (int)L.n > h ? (int)L.n - h : 0;
	if (sel >= 0) {
		/* Keep the selected message in view. */
		int first = -1, last = -1;

		for (i = 0; i < (int)L.n; i++)
			if (L.v[i].msg == sel) {
				if (first < 0)
					first = i;
				last = i;
			}
		if (last >= 0 && last >= (int)L.n - t->scroll)
			t->scroll = (int)L.n - last - 1;
		if (first >= 0 && first < (int)L.n - t->scroll - h)
			t->scroll = (int)L.n - first - h;
	}
	if (t->scroll > t->scroll_max)
		t->scroll = t->scroll_max;
	if (t->scroll < 0)
		t->scroll = 0;
	/* The newest line sits just above the status line. */
	top = (int)L.n - h - t->scroll;
	for (i = 0; i < h; i++) {
		int li = top + i;

		if (li >= 0 && li < (int)L.n)
			tui_draw_line(&L.v[li], y0 + i, x, width,
				      sel >= 0 && L.v[li].msg == sel);
		else
			tui_put(y0 + i, x, L"", width);
	}
	tui_lines_free(&L);
}

/* A list view (requests, feedback, buddy) in rows [y0, y1). */
static void
tui_draw_list(struct tui *t, int y0, int y1, int x, int width)
{
	int h = y1 - y0, top = 0, i;

	if (t->list.sel >= h)
		top = t->list.sel - h + 1;
	for (i = 0; i < h; i++) {
		size_t li = (size_t)(top + i);

		if (li < t->list.n) {
			attrset(li == (size_t)t->list.sel ? A_REVERSE
							  : A_NORMAL);
			tui_put_raw(y0 + i, x, t->list.lines[li], width);
			attrset(A_NORMAL);
		} else {
			tui_put(y0 + i, x,
				i == 0 && t->list.loading ? L"loading..."
				: i == 0 && !t->list.n	  ? L"(nothing here)"
							  : L"",
				width);
		}
	}
}

static const wchar_t *const tui_help[] = {
	L"Keys",
	L"  Ctrl+N / Ctrl+P, Alt+Down/Up  next / previous conversation",
	L"  PgUp / PgDn                   scroll (PgUp loads older pages)",
	L"  Shift+Up / Shift+Down         select a message",
	L"  Enter on a selected message   open its thread",
	L"  Up / Down                     input history",
	L"  Tab                           complete #channel, @handle",
	L"  F2 or Ctrl+R                  requests queue",
	L"  F3                            feedback inbox",
	L"  F4                            my buddy",
	L"  Esc                           back",
	L"  F1 or ? (empty input)         this help",
	L"  Ctrl+L                        redraw",
	L"  Ctrl+C or /quit               quit",
	L"Commands",
	L"  /go <#channel|@handle|id>     open a conversation",
	L"  /thread [message id]          open a thread",
	L"  /requests /feedback /buddy /help /quit",
};

static void
tui_draw_help(int y0, int y1, int x, int width)
{
	size_t i;

	for (i = 0; (int)i < y1 - y0; i++)
		tui_put(y0 + (int)i, x,
			i < sizeof(tui_help) / sizeof(tui_help[0]) ? tui_help[i]
								   : L"",
			width);
}

/* The conversation list in the left column. */
static void
tui_draw_convs(struct tui *t, int h, int width)
{
	int top = 0, i;

	attrset(A_BOLD);
	tui_put(0, 0, L"Conversations", width);
	attrset(A_NORMAL);
	if (t->cur >= h - 1)
		top = t->cur - (h - 2);
	for (i = 0; i < h - 1; i++) {
		size_t ci = (size_t)(top + i);
		const struct tui_conv *cv;
		char count[16] = "";
		int cw;

		if (ci >= t->n_convs) {
			tui_put(i + 1, 0, L"", width);
			continue;
		}
		cv = &t->convs[ci];
		if (cv->mentions)
			snprintf(count, sizeof(count), " @%d", cv->mentions);
		else if (cv->unread >= 1000) /* the server counts to 1000 */
			snprintf(count, sizeof(count), " (999+)");
		else if (cv->unread)
			snprintf(count, sizeof(count), " (%d)", cv->unread);
		cw = (int)strlen(count);
		attrset((ci == (size_t)t->cur ? A_REVERSE : A_NORMAL) |
			(cv->unread ? A_BOLD : A_NORMAL));
		tui_put_raw(i + 1, 0, cv->label, width - cw);
		if (cw) {
			attron(tui_color(P_UNREAD));
			mvaddstr(i + 1, width - cw, count);
		}
		attrset(A_NORMAL);
	}
}

static void
tui_draw_status(struct tui *t, int y)
{
	struct tui_conv *cv = tui_current(t);
	struct tui_post *p;
	struct sbuf b;
	int pending = 0;
	int64_t left;

	for (p = t->outbox; p; p = p->next)
		pending++;
	sbuf_init(&b);
	if (t->conn == TUI_UP) {
		sbuf_addf(&b, " online @%s", t->me.handle);
	} else if (t->conn == TUI_HELLO) {
		sbuf_adds(&b, " connecting");
	} else {
		left = (t->retry_at - util_now_ms() + 999) / 1000;
		sbuf_addf(&b, " offline (%s), retry in %llds", t->conn_err,
			  (long long)(left < 0 ? 0 : left));
	}
	if (t->view == TUI_VIEW_THREAD)
		sbuf_adds(&b, " | thread in ");
	else
		sbuf_adds(&b, " | ");
	if (cv)
		sbuf_adds(&b, cv->label);
	if (pending)
		sbuf_addf(&b, " | %d pending", pending);
	if (t->note[0])
		sbuf_addf(&b, " | %s", t->note);
	attrset(tui_color(P_STATUS) | (has_colors() ? 0 : A_REVERSE));
	tui_put_raw(y, 0, b.s, COLS);
	attrset(A_NORMAL);
	sbuf_fini(&b);
}

/* The input line, scrolled so that the cursor shows. */
static void
tui_draw_input(struct tui *t, int y)
{
	struct tui_input *in = &t->in;
	int width = COLS - 3;
	size_t start = 0;

	while (tui_width(in->buf + start, in->cur - start) > width)
		start++;
	mvaddstr(y, 0, "> ");
	tui_put(y, 2, in->buf + start, COLS - 2);
	move(y, 2 + tui_width(in->buf + start, in->cur - start));
}

static const char *
tui_view_title(struct tui *t)
{
	switch (t->view) {
	case TUI_VIEW_REQUESTS: return "Requests queue (Enter opens, Esc back)";
	case TUI_VIEW_FEEDBACK: return "Feedback inbox (Enter opens, Esc back)";
	case TUI_VIEW_BUDDY: return "My buddy (Enter opens our dm, Esc back)";
	case TUI_VIEW_HELP: return "Help (Esc back)";
	case TUI_VIEW_THREAD: return "Thread (Esc back)";
	default: return NULL;
	}
}

void
tui_draw(struct tui *t)
{
	int lw = COLS >= 100 ? 24 : 20, x = lw + 1, w = COLS - x;
	int h = LINES - 2, y;
	const char *title = tui_view_title(t);
	struct tui_conv *cv = tui_current(t);

	if (LINES < 6 || COLS < 40) {
		erase();
		mvaddstr(0, 0, "window too small");
		refresh();
		return;
	}
	tui_draw_convs(t, h, lw);
	for (y = 0; y < h; y++)
		mvaddch(y, lw, ACS_VLINE);
	attrset(A_BOLD);
	if (title)
		tui_put_raw(0, x, title, w);
	else if (cv && cv->c.topic[0] && cv->c.kind == TD_CONV_CHANNEL) {
		char *s = xasprintf("%s  %s", cv->label, cv->c.topic);

		tui_put_raw(0, x, s, w);
		free(s);
	} else
		tui_put_raw(0, x, cv ? cv->label : "", w);
	attrset(A_NORMAL);
	if (t->view == TUI_VIEW_CHAT || t->view == TUI_VIEW_THREAD)
		tui_draw_pane(t, 1, h, x, w);
	else if (t->view == TUI_VIEW_HELP)
		tui_draw_help(1, h, x, w);
	else
		tui_draw_list(t, 1, h, x, w);
	tui_draw_status(t, LINES - 2);
	tui_draw_input(t, LINES - 1);
	refresh();
}
