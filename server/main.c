/*
 * main.c: tandemd's entry point: flags, the data directory, opening the
 * store, the worker pool and the event loop, and a clean shutdown (stop
 * accepting, finish the batch in flight, close the database).
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "auth.h"
#include "fanout.h"
#include "pool.h"
#include "server.h"
#include "store.h"
#include "util.h"

/* Argon2id defaults: libsodium's "interactive" (~0.1 s, 64 MiB). */
#define PWHASH_OPS_DEFAULT 2ULL
#define PWHASH_MEM_DEFAULT (64u << 20)
#define WORKERS_DEFAULT 2
#define POOL_MAX_PENDING 64
/* WebSocket keepalive: ping a connection idle this long, close it when no
 * pong came after twice this long (PROTOCOL.md, Transport). */
#define KEEPALIVE_DEFAULT 30
#define KEEPALIVE_MAX 3600

static const char usage[] =
	"usage: tandemd [options]\n"
	"\n"
	"  --listen ADDR         address to listen on (default 127.0.0.1)\n"
	"  --port N              port (default 8080; 0 picks a free one and "
	"prints it)\n"
	"  --data-dir DIR        where the database lives (default ./data; "
	"created)\n"
	"  --web-root DIR        static web client to serve at / (default "
	"./web)\n"
	"  --allow-origin URL    also accept WebSockets from this browser "
	"Origin\n"
	"                        (repeatable; the server's own origin is "
	"always allowed)\n"
	"  --tls-cert FILE       PEM certificate: serve https:// and wss://\n"
	"  --tls-key FILE        PEM private key for --tls-cert\n"
	"  --open-registration   anyone may register without an invite\n"
	"  --no-rate-limit       no per-connection request limit (for "
	"benchmarks\n"
	"                        beside servers that have none)\n"
	"  --sync normal|full    SQLite synchronous mode (default full: an "
	"acknowledged\n"
	"                        write survives power loss; normal survives a "
	"crash of\n"
	"                        tandemd but not of the machine)\n"
	"  --event-retention N   events kept for resume (default 100000)\n"
	"  --workers N           password-hashing threads (default 2)\n"
	"  --pwhash-ops N        Argon2id opslimit (default 2)\n"
	"  --pwhash-mem BYTES    Argon2id memlimit (default 67108864)\n"
	"  --keepalive SECONDS   ping a WebSocket idle for SECONDS, close it "
	"when no\n"
	"                        pong came after twice that (default 30; 0 = "
	"off,\n"
	"                        TCP keepalive only; at most 3600)\n"
	"  --backup-to FILE      copy the database in --data-dir to FILE (a new\n"
	"                        file; safe while a server runs) and exit\n"
#ifdef TANDEM_TEST_HOOKS
	"  --test-clock MS       test builds: start the clock at MS (ms since\n"
	"                        the epoch) and accept the test.clock op\n"
#endif
	"  --help                this text\n";

enum {
	OPT_LISTEN = 256, OPT_PORT, OPT_DATA_DIR, OPT_WEB_ROOT,
	OPT_ALLOW_ORIGIN, OPT_TLS_CERT, OPT_TLS_KEY, OPT_OPEN_REG, OPT_NO_RATE_LIMIT, OPT_SYNC,
	OPT_RETENTION, OPT_WORKERS, OPT_PWHASH_OPS, OPT_PWHASH_MEM, OPT_KEEPALIVE, OPT_BACKUP_TO, OPT_TEST_CLOCK,
	OPT_HELP
};

static const struct option long_opts[] = {
	{ "listen", required_argument, NULL, OPT_LISTEN },
	{ "port", required_argument, NULL, OPT_PORT },
	{ "data-dir", required_argument, NULL, OPT_DATA_DIR },
	{ "web-root", required_argument, NULL, OPT_WEB_ROOT },
	{ "allow-origin", required_argument, NULL, OPT_ALLOW_ORIGIN },
	{ "tls-cert", required_argument, NULL, OPT_TLS_CERT },
	{ "tls-key", required_argument, NULL, OPT_TLS_KEY },
	{ "open-registration", no_argument, NULL, OPT_OPEN_REG },
	{ "no-rate-limit", no_argument, NULL, OPT_NO_RATE_LIMIT },
	{ "sync", required_argument, NULL, OPT_SYNC },
	{ "event-retention", required_argument, NULL, OPT_RETENTION },
	{ "workers", required_argument, NULL, OPT_WORKERS },
	{ "pwhash-ops", required_argument, NULL, OPT_PWHASH_OPS },
	{ "pwhash-mem", required_argument, NULL, OPT_PWHASH_MEM },
	{ "keepalive", required_argument, NULL, OPT_KEEPALIVE },
	{ "backup-to", required_argument, NULL, OPT_BACKUP_TO },
#ifdef TANDEM_TEST_HOOKS
	{ "test-clock", required_argument, NULL, OPT_TEST_CLOCK },
#endif
	{ "help", no_argument, NULL, OPT_HELP },
	{ NULL, 0, NULL, 0 }
};

/* --backup-to: where to copy the database; NULL to run the server. */
static const char *backup_to;

/* Parse a decimal number in [lo, hi]; false on anything else. */
static bool
parse_num(const char *s, long long lo, long long hi, long long *out)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < lo || v > hi)
		return false;
	*out = v;
	return true;
}

static int
parse_flags(int argc, char **argv, struct server_options *o)
{
	long long v;
	int c;

	o->listen = "127.0.0.1";
	o->port = 8080;
	o->data_dir = "data";
	o->web_root = "web";
	o->pwhash_ops = PWHASH_OPS_DEFAULT;
	o->pwhash_mem = PWHASH_MEM_DEFAULT;
	o->event_retention = 100000;
	o->workers = WORKERS_DEFAULT;
	o->keepalive = KEEPALIVE_DEFAULT;
	while ((c = getopt_long(argc, argv, "h", long_opts, NULL)) != -1) {
		switch (c) {
		case OPT_LISTEN: o->listen = optarg; break;
		case OPT_PORT:
			if (!parse_num(optarg, 0, 65535, &v))
				goto bad;
			o->port = (int)v;
			break;
		case OPT_DATA_DIR: o->data_dir = optarg; break;
		case OPT_WEB_ROOT: o->web_root = optarg; break;
		case OPT_ALLOW_ORIGIN:
			o->allow_origins = xrealloc(
				(void *)o->allow_origins,
				(o->n_allow_origins + 1) * sizeof(char *));
			o->allow_origins[o->n_allow_origins++] = optarg;
			break;
		case OPT_TLS_CERT: o->tls_cert = optarg; break;
		case OPT_TLS_KEY: o->tls_key = optarg; break;
		case OPT_OPEN_REG: o->open_registration = true; break;
		case OPT_NO_RATE_LIMIT: o->no_rate_limit = true; break;
		case OPT_SYNC:
			if (strcmp(optarg, "normal") == 0)
				o->sync_normal = true;
			else if (strcmp(optarg, "full") != 0)
				goto bad;
			break;
		case OPT_RETENTION:
			if (!parse_num(optarg, 1, LLONG_MAX, &v))
				goto bad;
			o->event_retention = v;
			break;
		case OPT_WORKERS:
			if (!parse_num(optarg, 1, 64, &v))
				goto bad;
			o->workers = (int)v;
			break;
		case OPT_PWHASH_OPS:
			if (!parse_num(optarg, 1, 64, &v))
				goto bad;
			o->pwhash_ops = (unsigned long long)v;
			break;
		case OPT_PWHASH_MEM:
			if (!parse_num(optarg, 8192, 1LL << 32, &v))
				goto bad;
			o->pwhash_mem = (size_t)v;
			break;
		case OPT_KEEPALIVE:
			if (!parse_num(optarg, 0, KEEPALIVE_MAX, &v))
				goto bad;
			o->keepalive = (int)v;
			break;
		case OPT_BACKUP_TO: backup_to = optarg; break;
		case OPT_TEST_CLOCK:
			if (!parse_num(optarg, 1, LLONG_MAX, &v) ||
			    util_test_clock_set(v) != 0)
				goto bad;
			break;
		case OPT_HELP:
		case 'h':
			fputs(usage, stdout);
			exit(0);
		default:
			goto bad;
		}
	}
	if (optind != argc || (o->tls_cert == NULL) != (o->tls_key == NULL))
		goto bad;
	return 0;
bad:
	fputs(usage, stderr);
	return -1;
}

void
server_stop(struct server *srv)
{
	srv->stopping = true;
	ws_wake(srv);
}



/* Load the committed event range so seqs continue where they stopped. */
static int
server_load_seq(struct server *srv)
{
	int rc = store_event_max_seq(srv->store, &srv->head_seq);

	if (rc == 0)
		rc = store_event_min_seq(srv->store, &srv->min_seq);
	srv->next_seq = srv->head_seq + 1;
	if (rc == 0)
		rc = fanout_prune(srv, true);
	return rc;
}

/*
 * --backup-to: open the existing database beside a running server (WAL
 * mode lets both read) and copy a consistent snapshot of it with SQLite's
 * backup API. store_backup() refuses a target that already exists. Returns
 * the process exit code: 0 when the copy is complete, 1 otherwise.
 */
static int
main_backup(const char *db_path, const char *target)
{
	struct store_options so;
	struct store *st;
	int rc;

	if (access(db_path, F_OK) != 0) {
		util_log("backup: no database at %s", db_path);
		return 1;
	}
	memset(&so, 0, sizeof(so));
	so.path = db_path;
	so.sync_full = true;
	if (store_open(&st, &so) != 0) {
		util_log("backup: cannot open the database %s", db_path);
		return 1;
	}
	rc = store_backup(st, target);
	store_close(st);
	if (rc != 0) {
		util_log("backup: copying %s to %s failed", db_path, target);
		return 1;
	}
	printf("tandemd: backed up %s to %s\n", db_path, target);
	return 0;
}

int
main(int argc, char **argv)
{
	static struct server srv;
	struct store_options so;
	char path[PATH_MAX];
	int rc = 1;

	if (parse_flags(argc, argv, &srv.opt) != 0)
		return 2;
	if (auth_init(srv.opt.pwhash_ops, srv.opt.pwhash_mem) != 0) {
		util_log("libsodium failed to initialise");
		return 1;
	}
	if (backup_to != NULL) {
		snprintf(path, sizeof(path), "%s/tandem.db", srv.opt.data_dir);
		return main_backup(path, backup_to);
	}
	if (mkdir(srv.opt.data_dir, 0700) != 0 && errno != EEXIST) {
		util_log("cannot create %s: %s", srv.opt.data_dir,
			 strerror(errno));
		return 1;
	}
	snprintf(path, sizeof(path), "%s/tandem.db", srv.opt.data_dir);
	memset(&so, 0, sizeof(so));
	so.path = path;
	so.sync_full = !srv.opt.sync_normal;
	so.now_ms = util_now_ms;
	if (store_open(&srv.store, &so) != 0) {
		util_log("cannot open the database %s", path);
		return 1;
	}
	if (server_load_seq(&srv) != 0)
		goto out;
	session_index_init(&srv.sessions);
	batch_init(&srv.batch);
	server_login_limits_init(&srv);
	if (pool_new(&srv.pool, &srv, srv.opt.workers, POOL_MAX_PENDING) != 0)
		goto out_sessions;
	if (ws_start(&srv) != 0)
		goto out_pool;
	/* Items that came due while the server was down fire right away. */
	schedule_arm(&srv);
	rc = ws_run(&srv) == 0 ? 0 : 1;
out_pool:
	pool_free(srv.pool);
	srv.pool = NULL;
	ws_destroy(&srv);
	batch_flush(&srv);
	batch_fini(&srv.batch);
out_sessions:
	ratelimit_fini(&srv.login_by_user);
	ratelimit_fini(&srv.login_by_addr);
	session_index_fini(&srv.sessions);
out:
	store_close(srv.store);
	free((void *)srv.opt.allow_origins);
	return rc;
}
