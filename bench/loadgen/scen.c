/*
 * scen.c: the scenarios driven through an adapter: idle connections,
 * fan-out in one room (open loop, latency from each post's due time) and
 * durable writes with a kill -9 check. Each sets up accounts once (tandem
 * only: peers need none), then repeats its measurement opt.repeats times
 * and reports median and range.
 */
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lg.h"

#define HANDSHAKE_WINDOW 256
#define SETUP_WINDOW 32	/* tandemd answers busy past 64 pending hashes */
#define MS 1000000ull
#define SEC 1000000000ull
#define DRAIN_QUIET (3 * SEC)
#define SATURATED_MS 1000

struct conn **conns;
int n_conns;
int n_paused;
static int pending_goal;

static bool
all_settled(void)
{
	int i;

	for (i = 0; i < pending_goal; i++)
		if (conns[i] != NULL && !conns[i]->ready &&
		    conns[i]->state != CS_CLOSED)
			return false;
	return true;
}

static int
count_ready(int from, int to)
{
	int i, n = 0;

	for (i = from; i < to; i++)
		n += conns[i] != NULL && conns[i]->ready;
	return n;
}

struct conn *
reconnect(int idx)
{
	struct conn *old = conns[idx], *c;

	net_close(old);
	c = net_connect(idx);
	c->token = old->token;
	c->a = old->a;
	c->b = old->b;
	c->seq = old->seq;
	c->got = old->got;
	free(old->in.p);
	free(old->out.p);
	free(old->app.p);
	free(old->frag.p);
	free(old->acked);
	free(old);
	conns[idx] = c;
	return c;
}

/*
 * Open every closed connection in [from, to) with at most `window`
 * handshakes in flight; one with a saved token says hello, one without
 * registers.
 * Returns the seconds it took.
 */
double
open_range(int from, int to, int window, int64_t (*room)(int idx))
{
	uint64_t t0 = now_ns();
	int next = from;

	while (next < to || !all_settled()) {
		int inflight = 0, i;

		for (i = from; i < next; i++)
			inflight += !conns[i]->ready &&
				    conns[i]->state != CS_CLOSED;
		while (next < to && inflight < window) {
			if (conns[next] != NULL &&
			    conns[next]->state != CS_CLOSED) {
				next++;
				continue;
			} else if (conns[next] != NULL) {
				reconnect(next++);
			} else {
				conns[next] = net_connect(next);
				conns[next]->b = room(next);
				next++;
			}
			inflight++;
		}
		pending_goal = next;
		net_run(now_ns() + 5 * MS, all_settled, NULL, 0);
		if (now_ns() - t0 > 120 * SEC) {
			fprintf(stderr, "lg: handshakes stalled\n");
			break;
		}
	}
	return (double)(now_ns() - t0) / 1e9;
}

void
close_all(void)
{
	int i;

	for (i = 0; i < n_conns; i++)
		if (conns[i] != NULL)
			net_close(conns[i]);
	net_run(now_ns() + 500 * MS, NULL, NULL, 0);
}

static int64_t room_creator_conv[4096];

/* Rooms of opt.room_size: the first connection of each creates it. */
static int64_t
room_of(int idx)
{
	return room_creator_conv[idx / opt.room_size];
}

int64_t
room_index(int idx)
{
	return idx / opt.room_size;
}

/*
 * Tandem: register every account and make it a member of its room, then
 * close (so later joins do not fan out to everyone online). Peers: nothing.
 */
void
setup_rooms(int n)
{
	int k, rooms = (n + opt.room_size - 1) / opt.room_size;
	double t;

	conns = calloc((size_t)n, sizeof(*conns));
	n_conns = n;
	if (lg_ad != &adapter_tandem)
		return;
	if (rooms > 4096) {
		fprintf(stderr, "lg: too many rooms\n");
		exit(2);
	}
	t = now_ns() / 1e9;
	tandem_setup = TS_CREATE;
	for (k = 0; k < rooms; k++) {
		int idx = k * opt.room_size;

		open_range(idx, idx + 1, 1, room_index);
		room_creator_conv[k] = conns[idx]->b;
		net_close(conns[idx]);
	}
	tandem_setup = TS_JOIN;
	for (k = 0; k < n; k += 256) {
		int to = k + 256 < n ? k + 256 : n, i;

		open_range(k, to, SETUP_WINDOW, room_of);
		for (i = k; i < to; i++)
			net_close(conns[i]);
	}
	fprintf(stderr, "lg: set up %d accounts in %d rooms in %.1f s\n", n,
		rooms, now_ns() / 1e9 - t);
}

/* Peers subscribe on open to room c->b; tandem hellos with its token. */
int64_t
room_for_peer(int idx)
{
	return lg_ad == &adapter_tandem ? room_of(idx) : room_index(idx);
}

int
check_ready(const char *what)
{
	int r = count_ready(0, n_conns);

	if (r < n_conns) {
		fprintf(stderr, "lg: %s: only %d of %d connections ready\n",
			what, r, n_conns);
		return 1;
	}
	return 0;
}

int
scen_idle(void)
{
	double *rate = calloc((size_t)opt.repeats, sizeof(double));
	double *kib = calloc((size_t)opt.repeats, sizeof(double));
	double *cpu = calloc((size_t)opt.repeats, sizeof(double));
	int r, fail = 0;

	setup_rooms(opt.conns);
	for (r = 0; r < opt.repeats; r++) {
		long rss0;
		uint64_t c0, t0;
		double secs;

		/* A fresh process each time: freed memory stays in malloc. */
		target_kill(SIGTERM);
		if (lg_ad->start(opt.port, opt.dir) != 0) {
			fprintf(stderr, "lg: idle: restart failed\n");
			return 1;
		}
		rss0 = target_rss_kib();

		secs = open_range(0, n_conns, HANDSHAKE_WINDOW, room_for_peer);
		fail |= check_ready("idle");
		rate[r] = n_conns / secs;
		/* Let the server settle before it is weighed and timed. */
		net_run(now_ns() + 1 * SEC, NULL, NULL, 0);
		kib[r] = (double)(target_rss_kib() - rss0) * 1024.0 / n_conns;
		c0 = target_cpu_ns();
		t0 = now_ns();
		net_run(now_ns() + (uint64_t)(opt.seconds * SEC), NULL, NULL,
			0);
		cpu[r] = 100.0 * (double)(target_cpu_ns() - c0) /
			 (double)(now_ns() - t0);
		close_all();
	}
	report("idle", "connections/s (connect, log in, join)", "conn/s", rate,
	       opt.repeats, NULL);
	report("idle", "server memory per connection", "bytes", kib,
	       opt.repeats, NULL);
	report("idle", "server CPU while idle", "%", cpu, opt.repeats, NULL);
	return fail;
}

/* Open-loop senders: each posts every `interval` from its own due time. */
static struct conn **senders;
static uint64_t *due;
static int n_senders;
static uint64_t interval;
uint64_t sent;

static uint64_t expect_deliveries;

static bool
all_delivered(void)
{
	return lg_meter.deliveries >= expect_deliveries;
}

uint64_t drive_stop_at;
int drive_span, drive_fanout, drive_fetch_every;
static uint64_t slots;

void
drive_start(int n_send, double rate, double secs)
{
	uint64_t t0 = now_ns();
	int i;

	n_senders = n_send;
	interval = (uint64_t)(n_send * 1e9 / rate);
	senders = realloc(senders, (size_t)n_send * sizeof(*senders));
	due = realloc(due, (size_t)n_send * sizeof(*due));
	for (i = 0; i < n_send; i++) {
		int span = drive_span ? drive_span : n_conns;

		/* Spread the senders' phases evenly over one interval. */
		senders[i] = conns[(int)((long)i * span / n_send)];
		due[i] = t0 + interval * (uint64_t)i / (uint64_t)n_send;
	}
	drive_stop_at = t0 + (uint64_t)(secs * SEC);
	sent = slots = 0;
}

void
drive_tick(uint64_t now)
{
	int i;

	for (i = 0; i < n_senders; i++)
		while (due[i] <= now && due[i] < drive_stop_at) {
			bool fetch = drive_fetch_every > 0 &&
				     ++slots % (uint64_t)drive_fetch_every == 0;

			if (fetch && senders[i]->ready) {
				lg_ad->fetch(senders[i], due[i]);
			} else if (!fetch) {
				if (senders[i]->ready)
					lg_ad->publish(senders[i], due[i]);
				sent++;
			}
			due[i] += interval;
		}
}

/*
 * Wait up to `drain` for every reading member to have every post; give
 * up sooner once nothing has arrived for DRAIN_QUIET (what is still
 * missing then is lost, not late).
 */
void
drive_finish(uint64_t drain)
{
	uint64_t end = now_ns() + drain, quiet = now_ns();
	uint64_t seen = lg_meter.deliveries;

	expect_deliveries = sent * (uint64_t)(drive_fanout ? drive_fanout
						  : n_conns - n_paused);
	while (!all_delivered() && now_ns() < end &&
	       now_ns() - quiet < DRAIN_QUIET) {
		net_run(now_ns() + 200 * MS, all_delivered, NULL, 0);
		if (lg_meter.deliveries != seen) {
			seen = lg_meter.deliveries;
			quiet = now_ns();
		}
	}
}

/* Run senders at `rate` posts/s in total for `secs`, then drain. */
void
drive(int n_send, double rate, double secs, uint64_t drain)
{
	drive_start(n_send, rate, secs);
	net_run(drive_stop_at, NULL, drive_tick, 100000);
	drive_finish(drain);
}

void
meter_reset(void)
{
	lat_reset(&lg_meter.lat);
	lat_reset(&lg_meter.ack_lat);
	lat_reset(&lg_meter.catchup);
	lat_reset(&lg_meter.fetch);
	lg_meter.deliveries = lg_meter.acks = lg_meter.errors = 0;
}

int
senders_for(double rate)
{
	int n = (int)ceil(rate / opt.per_sender);

	return n < 1 ? 1 : n > n_conns ? n_conns : n;
}

/* One summary row of the fan-out ramp, with its share of the ceiling. */
static void
summary(const char *what, const char *metric, double v)
{
	char share[64] = "1/s";

	if (opt.ceiling > 0)
		snprintf(share, sizeof(share), "1/s = %.1f%% of raw",
			 100 * v / opt.ceiling);
	printf("| %s | %s%s | %s (rates tried: %s) | %.0f | | %s |\n", what,
	       opt.target, lg_ad->persists ? "" : " (persists nothing)",
	       metric, opt.rates, v, share);
}

/*
 * Fan-out in one room of opt.conns members at each rate of opt.rates
 * (posts/s): deliveries/s, p50 and p99 from due time to delivery, and
 * what was lost, from the lowest rate up to the first that loses a
 * delivery or whose median p99 passes SATURATED_MS (the server no longer
 * keeps up: posts only queue). Two summaries: the highest rate with p99
 * within the 20 ms, and the highest it kept up with.
 */
int
scen_fanout(void)
{
	char *rates = strdup(opt.rates), *tok, *save = NULL;
	double *dps = calloc((size_t)opt.repeats, sizeof(double));
	double *p50 = calloc((size_t)opt.repeats, sizeof(double));
	double *p99 = calloc((size_t)opt.repeats, sizeof(double));
	double *gen = calloc((size_t)opt.repeats, sizeof(double));
	double *lost = calloc((size_t)opt.repeats, sizeof(double));
	int r, fail = 0;
	double best = 0, kept = 0;
	char share[64] = "1/s";

	opt.room_size = opt.conns;
	setup_rooms(opt.conns);
	open_range(0, n_conns, HANDSHAKE_WINDOW, room_for_peer);
	if (check_ready("fanout"))
		return 1;
	for (tok = strtok_r(rates, ",", &save); tok != NULL;
	     tok = strtok_r(NULL, ",", &save)) {
		double rate = atof(tok);
		char name[64];

		for (r = 0; r < opt.repeats; r++) {
			uint64_t c0 = self_cpu_ns(), t0 = now_ns();

			meter_reset();
			drive(senders_for(rate), rate, opt.seconds, 30 * SEC);
			dps[r] = lg_meter.deliveries / opt.seconds;
			p50[r] = lat_pct(&lg_meter.lat, 50);
			p99[r] = lat_pct(&lg_meter.lat, 99);
			lost[r] = (double)sent * n_conns -
				  (double)lg_meter.deliveries;
			gen[r] = 100.0 * (double)(self_cpu_ns() - c0) /
				 (double)(now_ns() - t0);
		}
		snprintf(name, sizeof(name), "fanout %gx%d", rate, n_conns);
		if (opt.ceiling > 0)
			snprintf(share, sizeof(share), "1/s = %.1f%% of raw",
				 100 * median(dps, opt.repeats) / opt.ceiling);
		report(name, "deliveries/s", "1/s", dps, opt.repeats, share);
		report(name, "p50 post->delivery", "ms", p50, opt.repeats,
		       NULL);
		report(name, "p99 post->delivery", "ms", p99, opt.repeats,
		       NULL);
		report(name, "deliveries missing", "", lost, opt.repeats, NULL);
		report(name, "generator CPU", "%", gen, opt.repeats, NULL);
		if (median(lost, opt.repeats) > 0 ||
		    median(p99, opt.repeats) > SATURATED_MS)
			break;	/* past the knee: higher rates only queue */
		kept = rate * n_conns;
		if (median(p99, opt.repeats) <= 20)
			best = rate * n_conns;
	}
	summary("fanout best", "deliveries/s with p99 <= 20 ms, none lost",
		best);
	summary("fanout kept up", "deliveries/s, none lost, p99 <= 1 s",
		kept);
	close_all();
	free(rates);
	return fail;
}

/* Tandem: one note-to-self dm per writer, so a post reaches only it. */
static void
setup_dms(int n)
{
	int k;

	conns = calloc((size_t)n, sizeof(*conns));
	n_conns = n;
	tandem_setup = TS_DM_SELF;
	for (k = 0; k < n; k += 256) {
		int to = k + 256 < n ? k + 256 : n, i;

		open_range(k, to, SETUP_WINDOW, room_index);
		for (i = k; i < to; i++)
			net_close(conns[i]);
	}
}

static bool
histories_done(void)
{
	int i;

	for (i = 0; i < n_conns; i++)
		if (conns[i]->phase != 0 && conns[i]->state != CS_CLOSED)
			return false;
	return true;
}

/*
 * After kill -9 and a restart: fetch each writer's dm after the first id
 * it saw acknowledged; every acknowledged id must be there. Returns how
 * many are missing.
 */
static double
verify_acked(double *checked)
{
	double missing = 0;
	int i;

	*checked = 0;
	for (i = 0; i < n_conns; i++)
		*checked += (double)conns[i]->n_acked;

	tandem_keep_acked = false;
	open_range(0, n_conns, HANDSHAKE_WINDOW, room_index);
	for (i = 0; i < n_conns; i++)
		if (conns[i]->n_acked > 0)
			tandem_history(conns[i], conns[i]->acked[0] - 1);
	net_run(now_ns() + 30 * SEC, histories_done, NULL, 0);
	for (i = 0; i < n_conns; i++) {
		missing += (double)conns[i]->n_acked;
		conns[i]->n_acked = 0;
	}
	return missing;
}

/*
 * Durable writes: writers post at opt.rate in total, each into its own
 * dm; the server's ack comes after a synchronous=FULL group commit. At
 * the end of each repeat the server is killed with SIGKILL while posts
 * are in flight, restarted, and every acknowledged message is looked up.
 */
int
scen_durable(void)
{
	double *aps = calloc((size_t)opt.repeats, sizeof(double));
	double *p50 = calloc((size_t)opt.repeats, sizeof(double));
	double *p99 = calloc((size_t)opt.repeats, sizeof(double));
	double *lost = calloc((size_t)opt.repeats, sizeof(double));
	double *gen = calloc((size_t)opt.repeats, sizeof(double));
	double *checked = calloc((size_t)opt.repeats, sizeof(double));
	int w = (int)ceil(opt.rate / opt.per_sender), r, fail = 0;
	char name[64];

	if (lg_ad != &adapter_tandem) {
		fprintf(stderr, "lg: durable: %s persists nothing\n",
			lg_ad->name);
		return 1;
	}
	setup_dms(w);
	for (r = 0; r < opt.repeats; r++) {
		uint64_t c0, t0;
		int i;

		open_range(0, n_conns, HANDSHAKE_WINDOW, room_index);
		fail |= check_ready("durable");
		meter_reset();
		tandem_keep_acked = true;
		c0 = self_cpu_ns();
		t0 = now_ns();
		drive(w, opt.rate, opt.seconds, 0);
		target_kill(SIGKILL);
		gen[r] = 100.0 * (double)(self_cpu_ns() - c0) /
			 (double)(now_ns() - t0);
		aps[r] = lg_meter.acks / opt.seconds;
		p50[r] = lat_pct(&lg_meter.ack_lat, 50);
		p99[r] = lat_pct(&lg_meter.ack_lat, 99);
		for (i = 0; i < n_conns; i++)
			net_close(conns[i]);
		if (lg_ad->start(opt.port, opt.dir) != 0) {
			fprintf(stderr, "lg: durable: restart failed\n");
			return 1;
		}
		lost[r] = verify_acked(&checked[r]);
		fail |= lost[r] > 0;
		close_all();
	}
	snprintf(name, sizeof(name), "durable, %g/s offered", opt.rate);
	report(name, "acknowledged posts/s", "1/s", aps, opt.repeats, NULL);
	report(name, "p50 post->ack", "ms", p50, opt.repeats, NULL);
	report(name, "p99 post->ack", "ms", p99, opt.repeats, NULL);
	report(name, "acked posts looked up after kill -9", "", checked,
	       opt.repeats, NULL);
	report(name, "acked but lost after kill -9", "", lost, opt.repeats,
	       NULL);
	report(name, "generator CPU", "%", gen, opt.repeats, NULL);
	return fail;
}

/*
 * The ceiling: a plain writer process on the server's core doing one
 * write() per small frame, round-robin over opt.conns sockets, read by
 * this generator through the same frame parser as every scenario. What
 * arrives per second bounds both the machine and the generator.
 */
int
scen_raw(void)
{
	double *mps = calloc((size_t)opt.repeats, sizeof(double));
	double *gen = calloc((size_t)opt.repeats, sizeof(double));
	int go = raw_writer_spawn(opt.port, opt.conns, opt.seconds);
	char name[64];
	int r;

	if (go < 0)
		return 1;
	conns = calloc((size_t)opt.conns, sizeof(*conns));
	n_conns = opt.conns;
	open_range(0, n_conns, HANDSHAKE_WINDOW, room_index);
	if (check_ready("raw"))
		return 1;
	for (r = 0; r < opt.repeats; r++) {
		uint64_t c0 = self_cpu_ns(), t0 = now_ns();

		meter_reset();
		raw_writer_go(go);
		net_run(now_ns() + (uint64_t)(opt.seconds * SEC) + 200 * MS,
			NULL, NULL, 0);
		mps[r] = lg_meter.deliveries / opt.seconds;
		gen[r] = 100.0 * (double)(self_cpu_ns() - c0) /
			 (double)(now_ns() - t0);
	}
	snprintf(name, sizeof(name), raw_per_write == 1 ? "raw ceiling" :
		 "raw, %d frames per write()", raw_per_write);
	report(name, "frames/s", "1/s", mps, opt.repeats, NULL);
	report(name, "generator CPU", "%", gen, opt.repeats, NULL);
	close_all();
	target_kill(SIGTERM);
	return 0;
}
