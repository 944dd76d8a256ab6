/*
 * fuzz_ops.c: a libFuzzer target for every op handler, in process. The
 * server runs as tandemd runs it (store in a temporary directory, batch,
 * fan-out, sessions, the hashing pool) except for the socket layer: ws.c is
 * replaced by the stubs below, so frames go straight into dispatch_frame()
 * and queued frames are dropped instead of written.
 *
 * Each input is one connection: a fresh session logged in (hello) as one of
 * three users chosen by the first byte (an admin, a sales rep, a marketer;
 * 0xff stays logged out), then the rest split at newlines, each line one
 * frame dispatched as if it had arrived, the batch committed after each
 * (one loop turn), and the connection closed. The database persists
 * between inputs, so later inputs meet the objects earlier ones made (a
 * crash may need the inputs before it: rerun the corpus directory).
 *
 * The oracle is the sanitizers, plus what the protocol promises: exactly
 * one reply per request that has an id, and the server keeps serving (a
 * ping after the input's frames must be answered).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "auth.h"
#include "batch.h"
#include "fanout.h"
#include "frame.h"
#include "pool.h"
#include "server.h"
#include "session.h"
#include "store.h"
#include "util.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct server srv;
static char tokens[3][128];
static char dir[] = "/tmp/tandem-fuzz-ops-XXXXXX";

/* ---- ws.c, replaced: no sockets ---- */
void
ws_want_write(struct session *s)
{
	(void)s;
}
void
ws_close(struct session *s, int code, const char *reason)
{
	(void)s;
	(void)code;
	(void)reason;
}
void
ws_rx_pause(struct session *s, bool pause)
{
	(void)s;
	(void)pause;
}
void
ws_schedule_flush(struct server *s)
{
	(void)s;
}
void
ws_wake(struct server *s)
{
	(void)s;
}
void
ws_timer_at(struct server *s, int64_t at_ms)
{
	(void)s;
	(void)at_ms;
}
void
ws_timer_reset(struct server *s)
{
	(void)s;
}
void
server_stop(struct server *s)
{
	s->stopping = true;
}

static void
fail(const char *what)
{
	fprintf(stderr, "fuzz_ops: %s\n", what);
	abort();
}

/* One loop turn: finished hashing jobs, then the batch's commit. */
static void
turn(struct session *s)
{
	for (int i = 0; i < 20000 && s->async_busy; i++) {
		pool_drain(srv.pool);
		if (s->async_busy)
			usleep(100);
	}
	if (s->async_busy)
		fail("an async op never finished");
	batch_flush(&srv);
}

/* Count the replies queued for `s` (frames with "id"), then drop them;
 * copy the first reply's text into `first` when asked. */
static int
drain(struct session *s, char *first, size_t cap)
{
	struct frame *f;
	int replies = 0;

	while ((f = session_peek(s)) != NULL) {
		const char *t = frame_text(f);

		if (strncmp(t, "{\"id\":", 6) == 0) {
			if (replies == 0 && first != NULL)
				snprintf(first, cap, "%.*s", (int)f->len, t);
			replies++;
		}
		session_pop(s);
	}
	return replies;
}

static void
frame_in(struct session *s, const char *text)
{
	dispatch_frame(&srv, s, text, strlen(text));
	turn(s);
}

/* Register a user and keep its token. */
static void
make_user(int i, const char *handle, const char *team)
{
	struct session *s = session_new(&srv, NULL, "127.0.0.1");
	char req[256], reply[4096];
	const char *t;
	size_t n;

	snprintf(req, sizeof(req),
		 "{\"op\":\"register\",\"id\":1,\"handle\":\"%s\","
		 "\"password\":\"correct horse battery\","
		 "\"display_name\":\"%s\",\"team\":\"%s\"}",
		 handle, handle, team);
	frame_in(s, req);
	if (drain(s, reply, sizeof(reply)) != 1)
		fail("register did not answer once");
	t = strstr(reply, "\"token\":\"");
	if (t == NULL)
		fail(reply);
	t += 9;
	n = strcspn(t, "\"");
	if (n >= sizeof(tokens[i]))
		fail("token too long");
	memcpy(tokens[i], t, n);
	tokens[i][n] = '\0';
	session_detach(s);
	session_unref(s);
	batch_flush(&srv);
}

/* At exit: the temporary database goes. */
static void
remove_dir(void)
{
	static const char *const files[] = {"tandem.db", "tandem.db-wal",
					    "tandem.db-shm"};
	char path[sizeof(dir) + 16];

	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
		unlink(path);
	}
	rmdir(dir);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static char path[sizeof(dir) + 16];
	struct store_options so;

	(void)argc;
	(void)argv;
	if (auth_init(1, 8192) != 0 || mkdtemp(dir) == NULL)
		fail("setup");
	atexit(remove_dir);
	snprintf(path, sizeof(path), "%s/tandem.db", dir);
	srv.opt.data_dir = dir;
	srv.opt.open_registration = true;
	srv.opt.event_retention = 100000;
	srv.opt.workers = 1;
	srv.opt.pwhash_ops = 1;
	srv.opt.pwhash_mem = 8192;
	memset(&so, 0, sizeof(so));
	so.path = path;
	so.now_ms = util_now_ms;
	if (store_open(&srv.store, &so) != 0)
		fail("store_open");
	srv.next_seq = srv.head_seq + 1;
	session_index_init(&srv.sessions);
	batch_init(&srv.batch);
	server_login_limits_init(&srv);
	if (pool_new(&srv.pool, &srv, 1, 64) != 0)
		fail("pool_new");
	/* The first account is the admin. */
	make_user(0, "fuzzadmin", "other");
	make_user(1, "fuzzrep", "sales");
	make_user(2, "fuzzmkt", "marketing");
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct session *s;
	char *text, *line, *save = NULL;
	char hello[256], reply[256];
	int replies;

	if (size < 1)
		return 0;
	s = session_new(&srv, NULL, "127.0.0.1");
	if (data[0] != 0xff) {
		snprintf(hello, sizeof(hello),
			 "{\"op\":\"hello\",\"id\":1,\"token\":\"%s\"}",
			 tokens[data[0] % 3]);
		frame_in(s, hello);
		drain(s, NULL, 0);
	}
	text = malloc(size);
	memcpy(text, data + 1, size - 1);
	text[size - 1] = '\0';
	for (line = strtok_r(text, "\n", &save); line != NULL && !s->closing;
	     line = strtok_r(NULL, "\n", &save)) {
		dispatch_frame(&srv, s, line, strlen(line));
		turn(s);
		/* Exactly one reply per frame, unless it closed the
		 * connection (logout, flooding). */
		if (drain(s, NULL, 0) != 1 && !s->closing)
			fail("a frame was not answered exactly once");
	}
	free(text);
	/* Still serving: a ping is answered (unless the input got the
	 * connection closed: logout, flooding). */
	if (!s->closing) {
		frame_in(s, "{\"op\":\"ping\",\"id\":424242}");
		replies = drain(s, reply, sizeof(reply));
		if (replies != 1 || strstr(reply, "424242") == NULL)
			fail("the server stopped answering");
	}
	session_detach(s);
	session_unref(s);
	batch_flush(&srv);
	return 0;
}
