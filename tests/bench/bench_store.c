/*
 * bench_store.c: the store benchmark behind issue 3's figures.
 *
 * Builds a fresh database (a temporary file, synchronous=FULL, WAL) holding
 * 50 users, 200 conversations and N messages of generated sales/marketing
 * text, inserted through store_msg_add() with one savepoint per message, as
 * the server's loop does, and --batch messages per transaction (1000 by
 * default; the server commits once per loop turn, so under light load a
 * transaction holds a few messages). --prefill gives the timed insert an
 * existing history first. It then times
 * search (the function the search op calls, after the same parsing and
 * filter resolution as server/h_search.c) and unread counts (the function
 * unread.counts calls) and prints one table.
 *
 * Built with -DBENCH_BASELINE it runs the insert phase only, against the
 * store of commit 222d782 (no search index, no threads or mentions), so
 * the same source measures the throughput cost of the search index.
 *
 * Everything is generated from a fixed seed, so two runs build the same
 * database. The program writes nothing but its temporary database (removed
 * at exit) and its output; it never asserts on timings, only on results
 * (search must find something and never a message the searcher cannot
 * see), so it is safe for CI in --smoke mode.
 */
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "store.h"
#include "tandem/errors.h"
#include "tandem/proto.h"
#include "tandem/types.h"

#define N_USERS 50
#define N_CONVS 200
#define PREFILL_BATCH 1000 /* messages per transaction in --prefill */
#define START_MS 1704067200000LL /* 2024-01-01 00:00 UTC */
#define STEP_MS 30000LL		 /* one message every 30 s */

/* The measured user (member of all 200) and the searcher (about half). */
#define U_MEASURED 0
#define U_SEARCHER 1

static const char *const vocab[] = {
	"the", "and", "for", "with", "this", "that", "our", "we", "can",
	"next", "week", "call", "deal", "client", "customer", "pipeline",
	"quarter", "quarterly", "revenue", "forecast", "target", "quota",
	"lead", "leads", "prospect", "prospects", "demo", "pricing",
	"discount", "proposal", "contract", "renewal", "upsell",
	"cross-sell", "churn", "retention", "onboarding", "onboarded",
	"campaign", "campaigns", "launch", "webinar", "newsletter",
	"landing", "page", "conversion", "funnel", "engagement",
	"analytics", "dashboard", "metrics", "kpi", "roi", "budget",
	"spend", "attribution", "segment", "persona", "messaging",
	"positioning", "competitor", "battle", "card", "objection",
	"follow-up", "meeting", "agenda", "stakeholder", "decision",
	"procurement", "legal", "signature", "closed", "won", "lost",
	"opportunity", "account", "enterprise", "mid-market", "smb",
	"territory", "region", "emea", "apac", "americas", "partner",
	"reseller", "channel", "referral", "inbound", "outbound",
	"cadence", "sequence", "email", "linkedin", "social", "content",
	"blog", "whitepaper", "ebook", "case", "study", "testimonial",
	"brand", "awareness", "event", "booth", "trade", "show",
	"sponsorship", "press", "release", "announcement", "roadmap",
	"feature", "integration", "salesforce", "hubspot", "crm",
	"spreadsheet", "slides", "deck", "review", "approve", "draft",
	"update", "status", "blocked", "urgent", "today", "tomorrow",
	"friday", "monday", "asap", "thanks", "great", "job", "team",
	"sales", "marketing", "manager", "director", "vp", "cfo", "cmo",
	"budgeting", "negotiation", "mql", "sql", "nurture", "scoring",
	"personalization", "ab-test", "headline", "copy", "creative",
	"impressions", "clicks", "ctr", "cpc", "cpa", "ltv", "arr", "mrr",
};
#define N_VOCAB ((int)(sizeof(vocab) / sizeof(vocab[0])))

static const char *const url_hosts[] = {
	"https://crm.acme-example.com/deals/",
	"https://docs.acme-example.com/battlecards/",
	"http://go.acme-example.com/webinar-",
	"https://www.linkedin.com/posts/acme-",
	"https://hubspot.example.net/campaigns/",
};
#define N_URLS ((int)(sizeof(url_hosts) / sizeof(url_hosts[0])))

struct opts {
	long messages;
	long prefill; /* inserted first, untimed, in PREFILL_BATCH batches */
	int batch;    /* messages per transaction in the timed insert */
	int queries;
	int unread_calls;
	int rounds;
	int budget; /* seconds per search round */
	bool smoke;
	bool insert_only;
	bool keep;
	bool no_index; /* the same store with the search index never fed */
	bool shapes;   /* time each of shapes[] after the rounds */
	const char *reuse; /* a database kept by --keep: search only */
};

/* Ids of the messages of one conversation, ascending. */
struct conv_ids {
	int64_t *ids;
	size_t n, cap;
};

struct world {
	int64_t user[N_USERS];
	int64_t conv[N_CONVS];
	/* member[c][u]: user u is a member of conversation c. */
	bool member[N_CONVS][N_USERS];
	bool is_public[N_CONVS];
	int members[N_CONVS][N_USERS]; /* user indexes, for authors */
	int n_members[N_CONVS];
	struct conv_ids ids[N_CONVS];
	long mentions;
	long links;
};

static uint64_t rng_state = 0x5eed5eed12345678ULL;

/* xorshift64*: deterministic, fast, good enough for test data. */
static uint64_t
rng(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545F4914F6CDD1DULL;
}

static int
rng_below(int n)
{
	return (int)(rng() % (uint64_t)n);
}

/* A vocabulary index skewed towards the start, as real word use is. */
static int
rng_word(void)
{
	double u = (double)(rng() >> 11) / (double)(1ULL << 53);

	return (int)(u * u * N_VOCAB);
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/*
 * Checkpoint the WAL through a second connection (nothing is open on the
 * store's between batches), so the timed insert after --prefill does not
 * pay for copying the prefill's pages into the database file.
 */
static void
checkpoint(const char *path)
{
	sqlite3 *db = NULL;

	if (sqlite3_open(path, &db) != SQLITE_OK ||
	    sqlite3_wal_checkpoint_v2(db, NULL, SQLITE_CHECKPOINT_TRUNCATE,
				      NULL, NULL) != SQLITE_OK) {
		fprintf(stderr, "bench_store: checkpoint: %s\n",
			sqlite3_errmsg(db));
		exit(1);
	}
	sqlite3_close(db);
}

/* CPU time of this process: on a shared machine it is what the work
 * costs, while wall time also counts waiting for a core. */
static double
cpu_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The 1-minute load average, for the figures' context. */
static const char *
loadavg(void)
{
	static char buf[32];
	FILE *f = fopen("/proc/loadavg", "r");

	snprintf(buf, sizeof(buf), "?");
	if (f != NULL) {
		if (fscanf(f, "%31s", buf) != 1)
			snprintf(buf, sizeof(buf), "?");
		fclose(f);
	}
	return buf;
}


static void
die(const char *what, int rc)
{
	fprintf(stderr, "bench_store: %s failed (%d)\n", what, rc);
	exit(1);
}

static void *
xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n);

	if (q == NULL) {
		fprintf(stderr, "bench_store: out of memory\n");
		exit(1);
	}
	return q;
}

static void
ids_push(struct conv_ids *c, int64_t id)
{
	if (c->n == c->cap) {
		c->cap = c->cap != 0 ? c->cap * 2 : 1024;
		c->ids = xrealloc(c->ids, c->cap * sizeof(*c->ids));
	}
	c->ids[c->n++] = id;
}

/*
 * Users, conversations and memberships, in one transaction. With reuse
 * the database already holds them (--reuse): the same choices are made
 * from the same seed and the ids looked up, nothing is written.
 */
static void
build_world(struct store *st, struct world *w, bool reuse)
{
	int rc;

	rc = store_batch_begin(st);
	if (rc != 0)
		die("batch begin", rc);
	for (int u = 0; u < N_USERS; u++) {
		struct td_user tu;

		memset(&tu, 0, sizeof(tu));
		snprintf(tu.handle, sizeof(tu.handle), "user%02d", u);
		snprintf(tu.display_name, sizeof(tu.display_name), "User %02d",
			 u);
		tu.team = u % 2 == 0 ? TD_TEAM_SALES : TD_TEAM_MARKETING;
		tu.role = u == 0 ? TD_ROLE_ADMIN : TD_ROLE_MEMBER;
		rc = reuse ? store_user_by_handle(st, tu.handle, &tu, NULL, 0)
			   : store_user_add(st, &tu, "$bench$not-a-hash");
		if (rc != 0)
			die("user add", rc);
		w->user[u] = tu.id;
	}
	for (int c = 0; c < N_CONVS; c++) {
		struct td_conv tc;

		memset(&tc, 0, sizeof(tc));
		tc.kind = TD_CONV_CHANNEL;
		snprintf(tc.name, sizeof(tc.name), "chan%03d", c);
		/* Every tenth channel is public; the searcher belongs to the
		 * even ones, so it sees exactly half of them. */
		w->is_public[c] = c % 10 == 0;
		tc.is_private = !w->is_public[c];
		tc.created_by = w->user[U_MEASURED];
		rc = reuse ? store_conv_by_name(st, tc.name, &tc)
			   : store_conv_add(st, &tc);
		if (rc != 0)
			die("conv add", rc);
		w->conv[c] = tc.id;
		for (int u = 0; u < N_USERS; u++) {
			bool in = u == U_MEASURED ||
				  (u == U_SEARCHER ? c % 2 == 0
						   : rng_below(5) == 0);

			if (!in)
				continue;
			rc = reuse ? 0 : store_member_add(st, tc.id, w->user[u]);
			if (rc != 0)
				die("member add", rc);
			w->member[c][u] = true;
			w->members[c][w->n_members[c]++] = u;
		}
	}
	rc = store_batch_commit(st);
	if (rc != 0)
		die("batch commit", rc);
}

/* A message body of 5 to 40 words, now and then a URL or a mention. */
static void
make_body(char *buf, size_t cap, bool *mention, bool *link)
{
	int words = 5 + rng_below(36);
	size_t len = 0;

	*mention = rng_below(100) == 0;
	*link = rng_below(12) == 0;
	buf[0] = '\0';
	for (int i = 0; i < words && len + 64 < cap; i++) {
		const char *sep = i == 0 ? "" : " ";

		if (*mention && i == words / 2)
			len += (size_t)snprintf(buf + len, cap - len, "%s@user%02d",
						sep, U_MEASURED);
		else if (*link && i == words - 1)
			len += (size_t)snprintf(buf + len, cap - len, "%s%s%d",
						sep, url_hosts[rng_below(N_URLS)],
						rng_below(100000));
		else
			len += (size_t)snprintf(buf + len, cap - len, "%s%s",
						sep, vocab[rng_word()]);
	}
}

/*
 * Insert n messages, batch per transaction, one savepoint each; message
 * number first (0-based) sets the clock, so a timed run continues a
 * prefill's history. Returns the elapsed seconds.
 */
static double
insert_messages(struct store *st, struct world *w, long first, long n,
		int batch, bool progress)
{
	char body[1024];
	double t0 = now_s(), tlap = t0;
	long step = n >= 500000 ? 100000 : n;
	int rc;

	for (long i = 0; i < n; i++) {
		struct td_message m;
		bool mention, link;
		int c = rng_below(N_CONVS);
		int a = w->members[c][rng_below(w->n_members[c])];

		if (i % batch == 0) {
			rc = store_batch_begin(st);
			if (rc != 0)
				die("batch begin", rc);
		}
		make_body(body, sizeof(body), &mention, &link);
		memset(&m, 0, sizeof(m));
		m.conv = w->conv[c];
		m.author = w->user[a];
		m.body = body;
		m.created_at = START_MS + (first + i) * STEP_MS;
		rc = store_sp_begin(st);
		if (rc != 0)
			die("savepoint", rc);
		rc = store_msg_add(st, &m);
		if (rc != 0)
			die("msg add", rc);
#ifndef BENCH_BASELINE
		if (mention && a != U_MEASURED) {
			rc = store_mention_add(st, w->user[U_MEASURED], m.id,
					       m.conv);
			if (rc != 0)
				die("mention add", rc);
			w->mentions++;
		}
#endif
		rc = store_sp_end(st, true);
		if (rc != 0)
			die("savepoint end", rc);
		w->links += link;
		ids_push(&w->ids[c], m.id);
		if ((i + 1) % batch == 0 || i + 1 == n) {
			rc = store_batch_commit(st);
			if (rc != 0)
				die("batch commit", rc);
		}
		if (progress && (i + 1) % step == 0 && step < n) {
			double t = now_s();

			fprintf(stderr, "  inserted %ld: %.0f msgs/s over the "
				"last %ld\n", i + 1, step / (t - tlap), step);
			tlap = t;
		}
	}
	return now_s() - t0;
}

#ifndef BENCH_BASELINE

/*
 * "The same benchmark without search": through a second connection, drop
 * the trigger that keeps indexed messages' edits in the index and mark
 * every message id as indexed, so the store never feeds the index. Only
 * the benchmark reaches past the store's API like this.
 */
static void
disable_search_index(const char *path)
{
	sqlite3 *db = NULL;
	char *msg = NULL;

	if (sqlite3_open(path, &db) != SQLITE_OK ||
	    sqlite3_exec(db, "DROP TRIGGER messages_fts_au;"
			 "UPDATE fts_state SET indexed_upto ="
			 " 9223372036854775807;", NULL, NULL, &msg) !=
		    SQLITE_OK) {
		fprintf(stderr, "bench_store: disabling the index: %s\n",
			msg != NULL ? msg : sqlite3_errmsg(db));
		exit(1);
	}
	sqlite3_close(db);
}

/*
 * A search round over budget stops the program from SIGALRM, since one
 * query can run for hours on a slow store and the store has no way to
 * interrupt it from here. The handler only uses async-signal-safe calls.
 */
static const char *volatile current_query = "";
static char db_path[4096];
static volatile sig_atomic_t db_keep;

static void
on_alarm(int sig)
{
	static const char msg[] = "\nbench_store: search budget spent inside "
				  "one query, stopping; query: ";
	const char *q = current_query;

	(void)sig;
	(void)!write(2, msg, sizeof(msg) - 1);
	(void)!write(2, q, strlen(q));
	(void)!write(2, "\n", 1);
	if (!db_keep) {
		char p[4096 + 8];
		size_t n = strlen(db_path);

		unlink(db_path);
		memcpy(p, db_path, n);
		memcpy(p + n, "-wal", 5);
		unlink(p);
		memcpy(p + n, "-shm", 5);
		unlink(p);
	}
	_exit(3);
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* The q-quantile (0..1) of sorted v, nearest rank. */
static double
quantile(const double *v, int n, double q)
{
	int i = (int)(q * n + 0.999999) - 1;

	if (i < 0)
		i = 0;
	if (i >= n)
		i = n - 1;
	return v[i];
}

struct search_check {
	const struct world *w;
	int hits;
	int hidden; /* results the searcher may not see: must stay 0 */
};

static int
search_one(void *arg, const struct td_message *m, const char *snippet)
{
	struct search_check *sc = arg;
	const struct world *w = sc->w;
	int c;

	for (c = 0; c < N_CONVS; c++)
		if (w->conv[c] == m->conv)
			break;
	if (c == N_CONVS || !(w->member[c][U_SEARCHER] || w->is_public[c]))
		sc->hidden++;
	sc->hits++;
	return snippet != NULL ? 0 : -1;
}

/* Query i of the benchmark: a fixed mix of the shapes people type. */
static void
make_query(char *buf, size_t cap, int i)
{
	const char *a = vocab[rng_below(N_VOCAB)];
	const char *b = vocab[rng_word()];
	int c = 2 * rng_below(N_CONVS / 2); /* one the searcher sees */
	int u = 2 + rng_below(N_USERS - 2);

	switch (i % 10) {
	case 0:
	case 1:
	case 2:
		snprintf(buf, cap, "%s", a);
		break;
	case 3:
		snprintf(buf, cap, "%.*s", 4 + rng_below(3), a);
		break;
	case 4:
		snprintf(buf, cap, "onboard");
		break;
	case 5:
	case 6:
		snprintf(buf, cap, "%s %s", a, b);
		break;
	case 7:
		snprintf(buf, cap, "in:#chan%03d from:@user%02d", c, u);
		break;
	case 8:
		snprintf(buf, cap, "has:link");
		break;
	default:
		snprintf(buf, cap, "%s in:#chan%03d", a, c);
		break;
	}
}

/*
 * What h_search() does for one query, minus the JSON: parse, resolve the
 * filters, run store_search(). Returns the result count, -1 for a query
 * the parser refuses (too-short terms), or exits on a store error.
 */
static int
run_search(struct store *st, const struct world *w, const char *text,
	   struct search_check *sc)
{
	struct proto_search ps;
	struct store_search q;
	struct td_conv c;
	struct td_user u;
	bool more;
	int rc;

	if (proto_parse_search(text, &ps) != 0)
		return -1;
	memset(&q, 0, sizeof(q));
	q.user = w->user[U_SEARCHER];
	q.fts = ps.fts;
	q.before_ms = ps.before_ms;
	q.after_ms = ps.after_ms;
	q.has_link = ps.has_link;
	q.limit = TD_HISTORY_DEFAULT; /* the op's default page */
	if (ps.in_channel[0] != '\0') {
		rc = store_conv_by_name(st, ps.in_channel, &c);
		if (rc != 0)
			die("conv by name", rc);
		q.conv = c.id;
	}
	if (ps.from[0] != '\0') {
		rc = store_user_by_handle(st, ps.from, &u, NULL, 0);
		if (rc != 0)
			die("user by handle", rc);
		q.author = u.id;
	}
	sc->hits = 0;
	rc = store_search(st, &q, &more, search_one, sc);
	if (rc != 0)
		die("store_search", rc);
	return sc->hits;
}

struct timing {
	double med, p90, p99, max;
	int n;
};

static void
summarize(double *v, int n, struct timing *t)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	t->n = n;
	t->med = quantile(v, n, 0.50);
	t->p90 = quantile(v, n, 0.90);
	t->p99 = quantile(v, n, 0.99);
	t->max = v[n - 1];
}

static void
bench_search(struct store *st, const struct world *w, int nq, int budget,
	     struct timing *t, struct timing *tcpu, char *slowest,
	     size_t slowest_cap)
{
	double start = now_s();
	double *ms = xrealloc(NULL, (size_t)nq * sizeof(*ms));
	double *cpu = xrealloc(NULL, (size_t)nq * sizeof(*cpu));
	struct search_check sc = { w, 0, 0 };
	char text[TD_QUERY_MAX + 1];
	int found = 0, n = 0;
	double worst = -1;

	rng_state = 0xfeedface0badf00dULL; /* same queries every round */
	signal(SIGALRM, on_alarm);
	alarm((unsigned)budget + 1);
	for (int i = 0; i < nq; i++) {
		double t0, c0;
		int hits;

		make_query(text, sizeof(text), i);
		current_query = text;
		t0 = now_s();
		c0 = cpu_s();
		hits = run_search(st, w, text, &sc);
		cpu[n] = (cpu_s() - c0) * 1000.0;
		ms[n] = (now_s() - t0) * 1000.0;
		if (hits < 0)
			continue;
		if (ms[n] > worst) {
			worst = ms[n];
			snprintf(slowest, slowest_cap, "%s", text);
		}
		n++;
		found += hits > 0;
		if (now_s() - start > budget) {
			fprintf(stderr, "bench_store: search budget of %d s "
				"spent after %d of %d queries\n", budget, i + 1,
				nq);
			break;
		}
	}
	alarm(0);
	current_query = "";
	if (sc.hidden != 0) {
		fprintf(stderr, "bench_store: search returned %d messages "
			"the searcher may not see\n", sc.hidden);
		exit(1);
	}
	if (found < n / 2) {
		fprintf(stderr, "bench_store: only %d of %d queries found "
			"anything\n", found, n);
		exit(1);
	}
	summarize(ms, n, t);
	summarize(cpu, n, tcpu);
	free(ms);
	free(cpu);
}

/*
 * Query shapes measured one by one after the mix (--shapes): common and
 * rare words, short and long prefixes, phrases, filters. chan166 is one
 * of the searcher's channels.
 */
static const char *const shapes[] = {
	"the",			/* the most common word */
	"ltv",			/* a rare word */
	"pi",			/* 2-letter prefix */
	"pip",			/* 3-letter prefix */
	"onboard",		/* long prefix of two common words */
	"pipeline",		/* common word longer than 4 letters */
	"battle card",		/* two words */
	"cross-sell",		/* a phrase (two words in sequence) */
	"crm.acme",		/* words inside a URL */
	"the in:#chan166",	/* common word, one conversation */
	"ltv in:#chan166",	/* rare word, one conversation */
	"the from:@user07",	/* common word, one author */
	"pipeline after:2024-06-01 before:2024-07-01",
	"from:@user07",		/* filter only */
	"has:link",		/* filter only */
};
#define N_SHAPES ((int)(sizeof(shapes) / sizeof(shapes[0])))
#define SHAPE_REPS 5

static void
bench_shapes(struct store *st, const struct world *w)
{
	struct search_check sc = { w, 0, 0 };

	printf("query shapes, median of %d runs each:\n", SHAPE_REPS);
	printf("  %-44s %8s %8s %4s\n", "query", "wall ms", "cpu ms",
	       "hits");
	for (int i = 0; i < N_SHAPES; i++) {
		double ms[SHAPE_REPS], cpu[SHAPE_REPS];
		struct timing t, tcpu;
		int hits = 0;

		for (int r = 0; r < SHAPE_REPS; r++) {
			double t0 = now_s(), c0 = cpu_s();

			hits = run_search(st, w, shapes[i], &sc);
			cpu[r] = (cpu_s() - c0) * 1000.0;
			ms[r] = (now_s() - t0) * 1000.0;
		}
		summarize(ms, SHAPE_REPS, &t);
		summarize(cpu, SHAPE_REPS, &tcpu);
		printf("  %-44s %8.2f %8.2f %4d\n", shapes[i], t.med,
		       tcpu.med, hits);
	}
	if (sc.hidden != 0) {
		fprintf(stderr, "bench_store: search returned %d messages "
			"the searcher may not see\n", sc.hidden);
		exit(1);
	}
}

/*
 * Read markers for the measured user in every conversation: most read up
 * to the last few messages, some a few hundred or thousand behind, a few
 * never read.
 */
static void
set_markers(struct store *st, const struct world *w)
{
	int rc = store_batch_begin(st);

	if (rc != 0)
		die("batch begin", rc);
	rng_state = 0x0123456789abcdefULL;
	for (int c = 0; c < N_CONVS; c++) {
		const struct conv_ids *ci = &w->ids[c];
		int kind = rng_below(20);
		size_t behind;
		int64_t last;

		if (kind < 10)
			behind = (size_t)rng_below(20);
		else if (kind < 16)
			behind = (size_t)rng_below(200);
		else if (kind < 19)
			behind = (size_t)rng_below(2000);
		else
			behind = ci->n;
		last = behind >= ci->n ? 0 : ci->ids[ci->n - 1 - behind];
		rc = store_read_set(st, w->user[U_MEASURED], w->conv[c], last,
				    true);
		if (rc != 0)
			die("read set", rc);
	}
	rc = store_batch_commit(st);
	if (rc != 0)
		die("batch commit", rc);
}

struct unread_sum {
	int convs;
	long unread, mentions;
};

static int
unread_one(void *arg, const struct store_unread *u)
{
	struct unread_sum *s = arg;

	s->convs++;
	s->unread += u->unread;
	s->mentions += u->mentions;
	return 0;
}

static void
bench_unread(struct store *st, const struct world *w, int calls,
	     struct timing *t, struct unread_sum *sum)
{
	double *ms = xrealloc(NULL, (size_t)calls * sizeof(*ms));

	for (int i = 0; i < calls; i++) {
		double t0 = now_s();
		int rc;

		memset(sum, 0, sizeof(*sum));
		rc = store_unread_list(st, w->user[U_MEASURED], 0, unread_one,
				       sum);
		ms[i] = (now_s() - t0) * 1000.0;
		if (rc != 0)
			die("store_unread_list", rc);
	}
	if (sum->convs != N_CONVS) {
		fprintf(stderr, "bench_store: unread counts for %d "
			"conversations, expected %d\n", sum->convs, N_CONVS);
		exit(1);
	}
	summarize(ms, calls, t);
	free(ms);
}

#endif /* BENCH_BASELINE */

static void
usage(void)
{
	fprintf(stderr,
		"usage: bench_store [--messages N] [--batch N] [--prefill N]\n"
		"                   [--queries N] [--unread-calls N]\n"
		"                   [--rounds N] [--search-budget S]\n"
		"                   [--insert-only] [--no-search-index] "
		"[--shapes]\n"
		"                   [--keep] [--reuse PATH] [--smoke]\n"
		"  --messages N      messages to insert, timed "
		"(default 1000000)\n"
		"  --batch N         messages per transaction in the timed "
		"insert\n"
		"                    (default 1000; the server commits once "
		"per loop turn)\n"
		"  --prefill N       first insert N messages untimed, in "
		"batches of 1000,\n"
		"                    then checkpoint the WAL\n"
		"  --queries N       search queries per round (default 200)\n"
		"  --unread-calls N  unread.counts calls per round "
		"(default 100)\n"
		"  --rounds N        repeat the search and unread phases "
		"(default 1)\n"
		"  --insert-only     stop after the insert phase\n"
		"  --no-search-index the same, never feeding the search "
		"index\n"
		"                    (the throughput baseline; implies "
		"--insert-only)\n"
		"  --search-budget S stop a search round after S seconds "
		"(default 600)\n"
		"  --shapes          then time each query shape of a fixed "
		"list\n"
		"  --keep            keep the database file (for profiling)\n"
		"  --reuse PATH      search and unread rounds only, on a "
		"database kept\n"
		"                    by --keep with the same build (nothing "
		"is written)\n"
		"  --smoke           20000 messages, 20 queries, 10 calls\n");
	exit(2);
}

static long
arg_num(int argc, char **argv, int *i)
{
	char *end;
	long v;

	if (*i + 1 >= argc)
		usage();
	errno = 0;
	v = strtol(argv[++*i], &end, 10);
	if (errno != 0 || *end != '\0' || v < 1)
		usage();
	return v;
}

static void
parse_args(int argc, char **argv, struct opts *o)
{
	o->messages = 1000000;
	o->batch = PREFILL_BATCH;
	o->queries = 200;
	o->unread_calls = 100;
	o->rounds = 1;
	o->budget = 600;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--messages") == 0)
			o->messages = arg_num(argc, argv, &i);
		else if (strcmp(argv[i], "--batch") == 0)
			o->batch = (int)arg_num(argc, argv, &i);
		else if (strcmp(argv[i], "--prefill") == 0)
			o->prefill = arg_num(argc, argv, &i);
		else if (strcmp(argv[i], "--queries") == 0)
			o->queries = (int)arg_num(argc, argv, &i);
		else if (strcmp(argv[i], "--unread-calls") == 0)
			o->unread_calls = (int)arg_num(argc, argv, &i);
		else if (strcmp(argv[i], "--rounds") == 0)
			o->rounds = (int)arg_num(argc, argv, &i);
		else if (strcmp(argv[i], "--insert-only") == 0)
			o->insert_only = true;
		else if (strcmp(argv[i], "--no-search-index") == 0)
			o->no_index = o->insert_only = true;
		else if (strcmp(argv[i], "--search-budget") == 0)
			o->budget = (int)arg_num(argc, argv, &i);
		else if (strcmp(argv[i], "--shapes") == 0)
			o->shapes = true;
		else if (strcmp(argv[i], "--reuse") == 0 && i + 1 < argc)
			o->reuse = argv[++i];
		else if (strcmp(argv[i], "--keep") == 0)
			o->keep = true;
		else if (strcmp(argv[i], "--smoke") == 0)
			o->smoke = true;
		else
			usage();
	}
	if (o->smoke) {
		o->messages = 20000;
		o->queries = 20;
		o->unread_calls = 10;
	}
}

static void
remove_db(const char *path)
{
	char p[4096];

	unlink(path);
	snprintf(p, sizeof(p), "%s-wal", path);
	unlink(p);
	snprintf(p, sizeof(p), "%s-shm", path);
	unlink(p);
}

int
main(int argc, char **argv)
{
	struct store_options so = { 0 };
	struct store *st = NULL;
	struct world *w;
	struct opts o = { 0 };
	const char *tmp = getenv("TMPDIR");
	char path[4096];
	double secs;
	int rc;

	parse_args(argc, argv, &o);
	if (o.reuse != NULL) {
		snprintf(path, sizeof(path), "%s", o.reuse);
		o.keep = true;
	} else {
		snprintf(path, sizeof(path), "%s/tandem-bench-%ld.db",
			 tmp != NULL && tmp[0] != '\0' ? tmp : "/tmp",
			 (long)getpid());
		remove_db(path);
	}
#ifndef BENCH_BASELINE
	snprintf(db_path, sizeof(db_path), "%s", path);
	db_keep = o.keep;
#endif
	w = calloc(1, sizeof(*w));
	if (w == NULL)
		die("calloc", TD_ERR_INTERNAL);
	so.path = path;
	so.sync_full = true;
	rc = store_open(&st, &so);
	if (rc != 0)
		die("store_open", rc);
	build_world(st, w, o.reuse != NULL);

#ifdef BENCH_BASELINE
	printf("store: baseline (222d782, no search index)\n");
#else
	if (o.no_index)
		disable_search_index(path);
	printf("store: current tree, %s\n", o.no_index
	       ? "search index never fed (--no-search-index)"
	       : "FTS5 word index with prefixes");
#endif
	printf("database: %s, synchronous=FULL, WAL, %d users, %d "
	       "conversations\n", path, N_USERS, N_CONVS);
	fflush(stdout);
	if (o.prefill > 0 && o.reuse == NULL) {
		insert_messages(st, w, 0, o.prefill, PREFILL_BATCH, true);
		checkpoint(path);
	}
	if (o.reuse == NULL) {
		double c0 = cpu_s();

		secs = insert_messages(st, w, o.prefill, o.messages, o.batch,
				       true);
		c0 = cpu_s() - c0;
		printf("%-34s %12s %12s\n", "measure", "value", "target");
		printf("%-34s %12ld\n", "messages prefilled (untimed)",
		       o.prefill);
		printf("%-34s %12ld\n", "messages inserted", o.messages);
		printf("%-34s %12d\n", "messages per transaction", o.batch);
		printf("%-34s %12.1f\n", "insert time (s)", secs);
		printf("%-34s %12.0f\n", "insert throughput (msgs/s)",
		       (double)o.messages / secs);
		printf("%-34s %12.1f\n", "insert cpu per message (us)",
		       c0 * 1e6 / (double)o.messages);
		printf("%-34s %12s\n", "load average after insert",
		       loadavg());
		fflush(stdout);
	}

#ifndef BENCH_BASELINE
	if (!o.insert_only) {
		char slowest[TD_QUERY_MAX + 1] = "";
		struct unread_sum sum;
		struct timing t, tcpu;

		if (o.reuse == NULL)
			set_markers(st, w);
		for (int r = 1; r <= o.rounds; r++) {
			bench_search(st, w, o.queries, o.budget, &t, &tcpu,
				     slowest, sizeof(slowest));
			printf("round %d: search, %d queries (load %s)\n", r,
			       t.n, loadavg());
			printf("%-34s %12.2f %12s %10.2f\n",
			       "  search median (ms; cpu ms)", t.med, "< 20",
			       tcpu.med);
			printf("%-34s %12.2f %12s %10.2f\n",
			       "  search p90 (ms; cpu ms)", t.p90, "",
			       tcpu.p90);
			printf("%-34s %12.2f %12s %10.2f\n",
			       "  search p99 (ms; cpu ms)", t.p99, "< 100",
			       tcpu.p99);
			printf("%-34s %12.2f %12s %10.2f\n",
			       "  search max (ms; cpu ms)", t.max, "",
			       tcpu.max);
			printf("  slowest query: \"%s\"\n", slowest);
			bench_unread(st, w, o.unread_calls, &t, &sum);
			printf("round %d: unread.counts, %d calls, %d convs, "
			       "%ld unread, %ld mentions\n", r, t.n, sum.convs,
			       sum.unread, sum.mentions);
			printf("%-34s %12.2f %12s\n", "  unread median (ms)",
			       t.med, "< 10");
			printf("%-34s %12.2f\n", "  unread p99 (ms)", t.p99);
			printf("%-34s %12.2f\n", "  unread max (ms)", t.max);
			fflush(stdout);
		}
		if (o.shapes)
			bench_shapes(st, w);
	}
#endif
	store_close(st);
	if (o.keep)
		printf("kept %s\n", path);
	else
		remove_db(path);
	for (int c = 0; c < N_CONVS; c++)
		free(w->ids[c].ids);
	free(w);
	return 0;
}
