/*
 * stress.c: the scenarios that disturb a room while posts flow: a slow
 * consumer (1% of members stop reading) and a reconnect storm (every
 * member but the senders drops and resumes within 2 s). Each repeat
 * measures against its own undisturbed baseline.
 */
#include <stdio.h>
#include <stdlib.h>

#include "lg.h"

#define MS 1000000ull
#define SEC 1000000000ull
#define STORM_DROP_AT (500 * MS)
#define STORM_SPREAD (2 * SEC)
#define CATCHUP_TARGET_MS 3000.0

static bool
is_sender(int idx, int n_send)
{
	int i;

	for (i = 0; i < n_send; i++)
		if ((int)((long)i * n_conns / n_send) == idx)
			return true;
	return false;
}

/* Open the room of opt.conns members; 0 when all are ready. */
static int
open_room(const char *what)
{
	opt.room_size = opt.conns;
	setup_rooms(opt.conns);
	open_range(0, n_conns, 256, room_for_peer);
	return check_ready(what);
}

static double *
figures(void)
{
	double *v = calloc((size_t)opt.repeats, sizeof(double));

	if (v == NULL)
		abort();
	return v;
}

/* Stop reading on every 100th member that does not send; how many. */
static int
pause_one_percent(int n_send, bool paused)
{
	int i, n = 0;

	for (i = 50; i < n_conns; i += 100)
		if (!is_sender(i, n_send) && conns[i]->state != CS_CLOSED) {
			net_set_paused(conns[i], paused);
			n++;
		}
	return n;
}

/*
 * Slow consumer: p99 of the members who keep reading, with everyone
 * reading and then with 1% stopped; the server's memory growth meanwhile
 * (bounded by its per-connection queue cap) and how many stopped members
 * it cut off.
 */
int
scen_slow(void)
{
	double *base = figures(), *slow = figures(), *change = figures();
	double *grow = figures(), *cut = figures();
	int n_send, r, i;

	if (open_room("slow"))
		return 1;
	n_send = senders_for(opt.rate);
	for (r = 0; r < opt.repeats; r++) {
		long rss0;

		meter_reset();
		drive(n_send, opt.rate, opt.seconds, 30 * SEC);
		base[r] = lat_pct(&lg_meter.lat, 99);
		rss0 = target_rss_kib();
		n_paused = pause_one_percent(n_send, true);
		meter_reset();
		drive(n_send, opt.rate, opt.seconds, 30 * SEC);
		slow[r] = lat_pct(&lg_meter.lat, 99);
		change[r] = base[r] > 0 ? 100.0 * (slow[r] / base[r] - 1) : 0;
		grow[r] = (double)(target_rss_kib() - rss0);
		pause_one_percent(n_send, false);
		n_paused = 0;
		net_run(now_ns() + 1 * SEC, NULL, NULL, 0);
		for (i = 50; i < n_conns; i += 100)
			cut[r] += conns[i]->state == CS_CLOSED;
		open_range(0, n_conns, 256, room_for_peer);
	}
	report("slow 1%", "p99 post->delivery, all reading", "ms", base,
	       opt.repeats, NULL);
	report("slow 1%", "p99 of the others, 1% not reading", "ms", slow,
	       opt.repeats, NULL);
	report("slow 1%", "change of the others' p99", "%", change,
	       opt.repeats, NULL);
	report("slow 1%", "server memory growth meanwhile", "KiB", grow,
	       opt.repeats, NULL);
	report("slow 1%", "stopped members cut off by the server", "", cut,
	       opt.repeats, NULL);
	close_all();
	return 0;
}

static uint64_t storm_t0;
static int storm_next, storm_members;

/* Drop every non-sender at t0 + 0.5 s; resume them spread over 2 s. */
static void
storm_tick(uint64_t now)
{
	static int n_send;
	int i;

	drive_tick(now);
	if (storm_next < 0 && now >= storm_t0 + STORM_DROP_AT) {
		n_send = senders_for(opt.rate);
		for (i = 0; i < n_conns; i++)
			if (!is_sender(i, n_send))
				net_close(conns[i]);
		storm_next = 0;
	}
	while (storm_next >= 0 && storm_next < n_conns &&
	       now >= storm_t0 + STORM_DROP_AT +
			      STORM_SPREAD * (uint64_t)storm_next /
				      (uint64_t)n_conns) {
		if (!is_sender(storm_next, n_send)) {
			struct conn *c = reconnect(storm_next);

			c->reconnect_ns = now;
			c->target = sent;
			storm_members++;
		}
		storm_next++;
	}
}

/*
 * Reconnect storm (tandem: resume by seq): posts flow at opt.rate while
 * every member but the senders drops and resumes with hello {since}.
 * Caught up: a member has every post sent before it came back. Nothing
 * may be lost or duplicated; memory returns to where it was.
 */
int
scen_storm(void)
{
	double *p50 = figures(), *p99 = figures(), *within = figures();
	double *lost = figures(), *dup = figures(), *mem = figures();
	int n_send, r, i;

	if (lg_ad != &adapter_tandem) {
		fprintf(stderr, "lg: storm: resume is tandem's\n");
		return 1;
	}
	if (opt.seconds < 3) {
		fprintf(stderr, "lg: storm: needs --seconds 3 or more\n");
		return 1;
	}
	if (open_room("storm"))
		return 1;
	n_send = senders_for(opt.rate);
	for (r = 0; r < opt.repeats; r++) {
		long rss0 = target_rss_kib();
		size_t k, ok = 0;

		meter_reset();
		for (i = 0; i < n_conns; i++) {
			conns[i]->got = conns[i]->target = 0;
			conns[i]->reconnect_ns = 0;
		}
		storm_t0 = now_ns();
		storm_next = -1;
		storm_members = 0;
		drive_start(n_send, opt.rate, opt.seconds);
		net_run(drive_stop_at, NULL, storm_tick, 100000);
		drive_finish(60 * SEC);
		p50[r] = lat_pct(&lg_meter.catchup, 50);
		p99[r] = lat_pct(&lg_meter.catchup, 99);
		for (k = 0; k < lg_meter.catchup.n; k++)
			ok += lg_meter.catchup.v[k] <= CATCHUP_TARGET_MS * 1000;
		within[r] = storm_members ? 100.0 * (double)ok / storm_members
					  : 0;
		for (i = 0; i < n_conns; i++) {
			uint64_t got = conns[i]->got;

			lost[r] += got < sent ? (double)(sent - got) : 0;
			dup[r] += got > sent ? (double)(got - sent) : 0;
		}
		net_run(now_ns() + 1 * SEC, NULL, NULL, 0);
		mem[r] = (double)(target_rss_kib() - rss0);
	}
	report("storm", "resume -> caught up, p50", "ms", p50, opt.repeats,
	       NULL);
	report("storm", "resume -> caught up, p99", "ms", p99, opt.repeats,
	       NULL);
	report("storm", "members caught up within 3 s", "%", within,
	       opt.repeats, NULL);
	report("storm", "posts lost (all members)", "", lost, opt.repeats,
	       NULL);
	report("storm", "posts delivered twice", "", dup, opt.repeats, NULL);
	report("storm", "server memory after - before", "KiB", mem,
	       opt.repeats, NULL);
	close_all();
	return 0;
}

/*
 * Mixed load: opt.conns members in rooms of opt.room_size; the first
 * --rooms rooms are busy (one sender each, opt.rate posts/s in all, one
 * slot in ten a history fetch of the latest page), the rest sit idle.
 */
int
scen_mixed(void)
{
	double *dps = figures(), *p50 = figures(), *p99 = figures();
	double *f99 = figures(), *lost = figures();
	int busy = opt.rooms, r;

	if (lg_ad->fetch == NULL) {
		fprintf(stderr, "lg: mixed: %s keeps no history\n",
			lg_ad->name);
		return 1;
	}
	if (busy * opt.room_size > opt.conns) {
		fprintf(stderr, "lg: mixed: --rooms x --room-size > --conns\n");
		return 1;
	}
	setup_rooms(opt.conns);
	open_range(0, n_conns, 256, room_for_peer);
	if (check_ready("mixed"))
		return 1;
	drive_span = busy * opt.room_size;
	drive_fanout = opt.room_size;
	drive_fetch_every = 10;
	for (r = 0; r < opt.repeats; r++) {
		meter_reset();
		drive(busy, opt.rate, opt.seconds, 30 * SEC);
		dps[r] = lg_meter.deliveries / opt.seconds;
		p50[r] = lat_pct(&lg_meter.lat, 50);
		p99[r] = lat_pct(&lg_meter.lat, 99);
		f99[r] = lat_pct(&lg_meter.fetch, 99);
		lost[r] = (double)sent * opt.room_size -
			  (double)lg_meter.deliveries;
	}
	report("mixed", "deliveries/s", "1/s", dps, opt.repeats, NULL);
	report("mixed", "p50 post->delivery", "ms", p50, opt.repeats, NULL);
	report("mixed", "p99 post->delivery", "ms", p99, opt.repeats, NULL);
	report("mixed", "p99 history fetch (latest 50)", "ms", f99,
	       opt.repeats, NULL);
	report("mixed", "deliveries missing", "", lost, opt.repeats, NULL);
	drive_span = drive_fanout = drive_fetch_every = 0;
	close_all();
	return 0;
}
