/*
 * tui_input.c: the input line of the interactive mode: editing (cursor
 * keys, Home/End, Ctrl+A/E/U/W, Backspace, Delete), a history of sent lines
 * (Up/Down), Tab completion of #channels, @handles and, after /go, any
 * conversation label (Tab again cycles through the matches), and Enter,
 * which posts the line or runs a /command. The line is kept as wide
 * characters and converted to UTF-8 only when it is sent.
 */
#include <curses.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <wctype.h>

#include "../util.h"
#include "tui.h"

#define CTRL(c) ((c)&0x1f)

/* The line as UTF-8 (heap). */
static char *
tui_input_utf8(const wchar_t *s, size_t n)
{
	struct sbuf b;
	char mb[MB_LEN_MAX];
	mbstate_t st;
	size_t i;

	sbuf_init(&b);
	memset(&st, 0, sizeof(st));
	for (i = 0; i < n; i++) {
		size_t k = wcrtomb(mb, s[i], &st);

		if (k != (size_t)-1)
			sbuf_add(&b, mb, k);
	}
	return sbuf_take(&b);
}

static void
tui_input_set(struct tui_input *in, const char *s)
{
	mbstate_t st;
	size_t n;

	memset(&st, 0, sizeof(st));
	n = mbsrtowcs(in->buf, &s, TUI_INPUT_MAX, &st);
	in->len = n == (size_t)-1 ? 0 : n;
	in->buf[in->len] = 0;
	in->cur = in->len;
}

static void
tui_input_insert(struct tui_input *in, const wchar_t *s, size_t n)
{
	if (in->len + n > TUI_INPUT_MAX)
		return;
	wmemmove(in->buf + in->cur + n, in->buf + in->cur, in->len - in->cur);
	wmemcpy(in->buf + in->cur, s, n);
	in->len += n;
	in->cur += n;
	in->buf[in->len] = 0;
}

static void
tui_input_delete(struct tui_input *in, size_t from, size_t to)
{
	wmemmove(in->buf + from, in->buf + to, in->len - to);
	in->len -= to - from;
	in->cur = from;
	in->buf[in->len] = 0;
}

static void
tui_history_add(struct tui_input *in, const char *line)
{
	if (in->n_hist && strcmp(in->hist[in->n_hist - 1], line) == 0)
		return;
	if (in->n_hist == TUI_HISTORY_MAX) {
		free(in->hist[0]);
		memmove(in->hist, in->hist + 1,
			(TUI_HISTORY_MAX - 1) * sizeof(char *));
		in->n_hist--;
	}
	in->hist[in->n_hist++] = xstrdup(line);
}

static void
tui_history_move(struct tui_input *in, int dir)
{
	int pos = in->hist_pos < 0 ? (int)in->n_hist : in->hist_pos;

	pos += dir;
	if (pos < 0 || pos > (int)in->n_hist)
		return;
	if (pos == (int)in->n_hist) {
		in->hist_pos = -1;
		tui_input_set(in, "");
	} else {
		in->hist_pos = pos;
		tui_input_set(in, in->hist[pos]);
	}
}

/* Candidate k (0-based) for prefix: channel, handle or label. */
static const char *
tui_candidate(struct tui *t, const char *prefix, bool any_label, int k,
	      char *buf, size_t size)
{
	size_t i, plen = strlen(prefix);

	for (i = 0; i < t->n_convs; i++) {
		const char *l = t->convs[i].label;

		if ((any_label || l[0] == '#') &&
		    strncmp(l, prefix, plen) == 0 && k-- == 0)
			return l;
	}
	if (prefix[0] != '@')
		return NULL;
	for (i = 0; i < t->n_users; i++) {
		snprintf(buf, size, "@%s", t->users[i].handle);
		if (strncmp(buf, prefix, plen) == 0 &&
		    !(any_label && tui_find_conv(t, buf) >= 0) && k-- == 0)
			return buf;
	}
	return NULL;
}

/* Tab: complete the word before the cursor, or cycle to the next match. */
static void
tui_complete(struct tui *t)
{
	struct tui_input *in = &t->in;
	char *prefix, buf[TD_HANDLE_MAX + 2];
	const char *c;
	bool any;
	wchar_t *w;

	if (!in->comp_active) {
		size_t s = in->cur;

		while (s > 0 && in->buf[s - 1] != L' ')
			s--;
		if (in->cur - s >= 127)
			return;
		wmemcpy(in->comp_prefix, in->buf + s, in->cur - s);
		in->comp_prefix[in->cur - s] = 0;
		in->comp_start = s;
		in->comp_next = 0;
	}
	prefix = tui_input_utf8(in->comp_prefix, wcslen(in->comp_prefix));
	any = wcsncmp(in->buf, L"/go ", 4) == 0 && in->comp_start == 4;
	if (!any && prefix[0] != '#' && prefix[0] != '@') {
		free(prefix);
		return;
	}
	c = tui_candidate(t, prefix, any, in->comp_next, buf, sizeof(buf));
	if (!c && in->comp_next > 0) {
		in->comp_next = 0; /* wrap around */
		c = tui_candidate(t, prefix, any, 0, buf, sizeof(buf));
	}
	free(prefix);
	if (!c)
		return;
	in->comp_next++;
	in->comp_active = true;
	/* Candidates are server text: insert only their sanitized form. */
	w = tui_wsafe(c, false);
	tui_input_delete(in, in->comp_start, in->cur);
	tui_input_insert(in, w, wcslen(w));
	free(w);
}

/* Enter: a /command, or a post to the open conversation or thread. */
static void
tui_submit(struct tui *t)
{
	struct tui_input *in = &t->in;
	struct tui_conv *cv = tui_current(t);
	char *line = tui_input_utf8(in->buf, in->len);

	if (line[0])
		tui_history_add(in, line);
	in->hist_pos = -1;
	tui_input_set(in, "");
	if (line[0] == '/' && line[1] != '/') {
		tui_command(t, line);
	} else if (line[strspn(line, " \t")]) {
		const char *body = line[0] == '/' ? line + 1 : line;

		if (t->view == TUI_VIEW_THREAD && !t->thread_root.conv)
			tui_notice(t, "the thread is still loading");
		else if (t->view == TUI_VIEW_THREAD)
			tui_net_post(t, t->thread_root.conv, t->thread_root.id,
				     body);
		else if (cv)
			tui_net_post(t, cv->c.id, 0, body);
		else
			tui_notice(t, "no conversation open");
		t->scroll = 0;
	}
	free(line);
}

void
tui_input_key(struct tui *t, wint_t ch, bool is_key)
{
	struct tui_input *in = &t->in;

	if (!(!is_key && ch == L'\t'))
		in->comp_active = false;
	if (is_key) {
		switch (ch) {
		case KEY_LEFT:
			if (in->cur)
				in->cur--;
			break;
		case KEY_RIGHT:
			if (in->cur < in->len)
				in->cur++;
			break;
		case KEY_HOME: in->cur = 0; break;
		case KEY_END: in->cur = in->len; break;
		case KEY_UP: tui_history_move(in, -1); break;
		case KEY_DOWN: tui_history_move(in, 1); break;
		case KEY_BACKSPACE:
			if (in->cur)
				tui_input_delete(in, in->cur - 1, in->cur);
			break;
		case KEY_DC:
			if (in->cur < in->len)
				tui_input_delete(in, in->cur, in->cur + 1);
			break;
		case KEY_ENTER: tui_submit(t); break;
		default: break;
		}
		return;
	}
	switch (ch) {
	case L'\r':
	case L'\n': tui_submit(t); break;
	case L'\t': tui_complete(t); break;
	case CTRL('A'): in->cur = 0; break;
	case CTRL('E'): in->cur = in->len; break;
	case CTRL('U'): tui_input_delete(in, 0, in->cur); break;
	case CTRL('W'): {
		size_t s = in->cur;

		while (s > 0 && in->buf[s - 1] == L' ')
			s--;
		while (s > 0 && in->buf[s - 1] != L' ')
			s--;
		tui_input_delete(in, s, in->cur);
		break;
	}
	case 0x7f:
	case CTRL('H'):
		if (in->cur)
			tui_input_delete(in, in->cur - 1, in->cur);
		break;
	default:
		if (iswprint(ch)) {
			wchar_t c = (wchar_t)ch;

			tui_input_insert(in, &c, 1);
		}
	}
}

void
tui_input_fini(struct tui_input *in)
{
	size_t i;

	for (i = 0; i < in->n_hist; i++)
		free(in->hist[i]);
}
