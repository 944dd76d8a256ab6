/*
 * tui.c: the interactive mode's loop and keys. One thread: poll() waits
 * on the terminal and the server's socket together (at most 200 ms, so
 * timers run), then the network is drained, keys are handled and the
 * screen is redrawn when something changed. Resizes arrive as KEY_RESIZE
 * (ncurses' own SIGWINCH handler); SIGTERM and SIGHUP end the loop, and
 * the terminal is always restored before returning.
 */
#include <curses.h>
#include <errno.h>
#include <locale.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "../util.h"
#include "tui.h"

#define CTRL(c) ((c)&0x1f)

static volatile sig_atomic_t tui_stop;

static void
tui_on_signal(int sig)
{
	(void)sig;
	tui_stop = 1;
}

void
tui_notice(struct tui *t, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(t->note, sizeof(t->note), fmt, ap);
	va_end(ap);
	t->dirty = true;
}

/* Key codes for Alt+Up/Down and Shift+Up/Down, known to terminfo or not. */
static int tui_key_alt_up, tui_key_alt_down, tui_key_shift_up,
	tui_key_shift_down;

static int
tui_key_code(const char *seq, int fallback)
{
	int code = key_defined(seq);

	if (code > 0)
		return code;
	define_key(seq, fallback);
	return fallback;
}

static void
tui_keys_init(void)
{
	tui_key_alt_up = tui_key_code("\033[1;3A", KEY_MAX + 1);
	tui_key_alt_down = tui_key_code("\033[1;3B", KEY_MAX + 2);
	tui_key_shift_up = tui_key_code("\033[1;2A", KEY_SR);
	tui_key_shift_down = tui_key_code("\033[1;2B", KEY_SF);
}

static void
tui_next_conv(struct tui *t, int dir)
{
	int n = (int)t->n_convs;

	if (n)
		tui_select_conv(t, ((t->cur < 0 ? 0 : t->cur) + dir + n) % n);
}

/* Shift+Up/Down: move the selection among the open conversation's
 * messages; past the newest it clears, at the oldest it loads older. */
static void
tui_select_msg(struct tui *t, int dir)
{
	struct tui_conv *cv = tui_current(t);
	int n = cv ? (int)cv->n_msgs : 0;
	int sel = tui_msg_index(cv, t->sel_id);

	if (!n || t->view != TUI_VIEW_CHAT)
		return;
	if (sel < 0)
		sel = dir < 0 ? n - 1 : n;
	else
		sel += dir;
	if (sel < 0)
		sel = 0;
	if (sel == 0 && dir < 0)
		tui_load_older(t);
	t->sel_id = sel < n ? cv->msgs[sel].id : 0;
}

static void
tui_scroll(struct tui *t, int pages)
{
	int page = LINES - 4 > 1 ? LINES - 4 : 1;

	t->scroll += pages * page;
	if (t->scroll < 0)
		t->scroll = 0;
	if (pages > 0 && t->scroll >= t->scroll_max)
		tui_load_older(t);
}

/* Keys that work everywhere; false when the key is not one of them. */
static bool
tui_global_key(struct tui *t, wint_t ch, bool is_key)
{
	bool enter = (!is_key && (ch == L'\r' || ch == L'\n')) ||
		     (is_key && ch == KEY_ENTER);

	if (is_key) {
		if (ch == KEY_F(1))
			tui_view_open(t, TUI_VIEW_HELP);
		else if (ch == KEY_F(2))
			tui_view_open(t, TUI_VIEW_REQUESTS);
		else if (ch == KEY_F(3))
			tui_view_open(t, TUI_VIEW_FEEDBACK);
		else if (ch == KEY_F(4))
			tui_view_open(t, TUI_VIEW_BUDDY);
		else if ((int)ch == tui_key_alt_down)
			tui_next_conv(t, 1);
		else if ((int)ch == tui_key_alt_up)
			tui_next_conv(t, -1);
		else if (ch == KEY_SR || (int)ch == tui_key_shift_up)
			tui_select_msg(t, -1);
		else if (ch == KEY_SF || (int)ch == tui_key_shift_down)
			tui_select_msg(t, 1);
		else if (ch == KEY_PPAGE)
			tui_scroll(t, 1);
		else if (ch == KEY_NPAGE)
			tui_scroll(t, -1);
		else if (ch == KEY_RESIZE)
			clear();
		else if (!enter)
			return false;
	} else if (ch == CTRL('C')) {
		t->quit = true;
	} else if (ch == CTRL('R')) {
		tui_view_open(t, TUI_VIEW_REQUESTS);
	} else if (ch == CTRL('N')) {
		tui_next_conv(t, 1);
	} else if (ch == CTRL('P')) {
		tui_next_conv(t, -1);
	} else if (ch == CTRL('L')) {
		clear();
	} else if (ch == L'?' && t->in.len == 0) {
		tui_view_open(t, TUI_VIEW_HELP);
	} else if (!enter) {
		return false;
	}
	if (!enter)
		return true;
	/* Enter with an empty line on a selected message opens its thread. */
	if (t->view == TUI_VIEW_CHAT && t->sel_id && t->in.len == 0) {
		tui_open_thread(t, t->sel_id);
		t->sel_id = 0;
		return true;
	}
	return false;
}

static void
tui_key(struct tui *t, wint_t ch, bool is_key)
{
	t->note[0] = '\0';
	t->dirty = true;
	if (tui_view_key(t, ch, is_key))
		return;
	if (tui_global_key(t, ch, is_key))
		return;
	if (!is_key && ch == 27) {
		t->sel_id = 0; /* Esc in the chat: drop the selection */
		return;
	}
	tui_input_key(t, ch, is_key);
}

static void
tui_read_keys(struct tui *t)
{
	wint_t ch;
	int rc;

	while ((rc = get_wch(&ch)) != ERR && !t->quit)
		tui_key(t, ch, rc == KEY_CODE_YES);
}

static void
tui_loop(struct tui *t)
{
	while (!t->quit && !tui_stop) {
		struct pollfd fds[2];
		int nfds = 1, fd;

		tui_net_tick(t);
		if (t->quit)
			break;
		if (t->dirty || t->conn == TUI_DOWN) {
			tui_draw(t);
			t->dirty = false;
		}
		fds[0].fd = STDIN_FILENO;
		fds[0].events = POLLIN;
		fd = tui_net_fd(t);
		if (fd >= 0) {
			fds[1].fd = fd;
			fds[1].events = POLLIN;
			nfds = 2;
		}
		if (poll(fds, (nfds_t)nfds, tui_net_timeout(t)) < 0 &&
		    errno != EINTR)
			break;
		tui_read_keys(t);
	}
}

/* After the screen is restored: say what the outbox still held. */
static void
tui_warn_unsent(const struct tui *t)
{
	const struct tui_post *p;
	int n = 0;

	for (p = t->outbox; p; p = p->next)
		n++;
	if (n)
		fprintf(stderr,
			"tandem: %d post%s not sent (the server was "
			"unreachable) and discarded\n",
			n, n == 1 ? " was" : "s were");
}

static void
tui_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = tui_on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
}

int
tui_run(struct rpc *r, const struct config *cfg)
{
	static struct tui t; /* large (the input line); one per process */
	int rc;

	if (!cfg->token)
		return rpc_fail(r, TD_ERR_UNAUTHENTICATED, NULL,
				"not logged in: run tandem login <handle> "
				"(or pass --token)");
	memset(&t, 0, sizeof(t));
	t.rpc = r;
	t.cfg = cfg;
	t.cur = -1;
	t.in.hist_pos = -1;
	t.dirty = true;
	setlocale(LC_ALL, "");
	tui_signals();
	initscr();
	raw();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	nodelay(stdscr, TRUE);
	set_escdelay(25);
	tui_keys_init();
	tui_draw_init();
	tui_loop(&t);
	endwin();
	tui_warn_unsent(&t);
	rc = t.fatal;
	tui_views_fini(&t);
	tui_model_fini(&t);
	tui_net_fini(&t);
	tui_input_fini(&t.in);
	return rc;
}
