/*
 * main.c: the load generator's entry point: flags, raising the file
 * limit, pinning itself to LG_GEN_CORE, starting the target on
 * LG_SERVER_CORE, running one scenario and printing its figures as
 * markdown table rows (median and range over the repeats).
 */
#include <getopt.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include "lg.h"

struct opts opt = {
	.target = "tandem",
	.scenario = "fanout",
	.dir = "/tmp/lg-data",
	.conns = 1000,
	.repeats = 5,
	.room_size = 100,
	.rooms = 100,
	.port = 18080,
	.seconds = 3,
	.rate = 50000,
	.per_sender = 16,
	.rates = "50,100,150,200,300",
};
const struct adapter *lg_ad = &adapter_tandem;
const char *lg_host = "127.0.0.1";
int lg_port;

static const char usage[] =
	"usage: lg [options]\n"
	"  --target NAME      tandem | nodews | mosquitto | nats | prosody\n"
	"                     (default tandem)\n"
	"  --scenario NAME    idle | fanout | mixed | durable | slow | storm "
	"| raw\n"
	"                     (default fanout)\n"
	"  --conns N          connections (default 1000)\n"
	"  --room-size N      members per room in idle and mixed (default "
	"100)\n"
	"  --rooms N          mixed: busy rooms (default 100)\n"
	"  --seconds S        length of one measurement (default 3)\n"
	"  --repeats N        measurements per figure (default 5)\n"
	"  --rates R,R,...    fanout: posts/s to try (default "
	"50,100,150,200,300)\n"
	"  --rate R           durable, mixed, slow, storm: posts/s offered "
	"(default\n"
	"                     50000)\n"
	"  --per-sender R     posts/s per sending connection (default 16)\n"
	"  --port N           port for the target (default 18080)\n"
	"  --dir DIR          the target's data directory (default "
	"/tmp/lg-data)\n"
	"  --tandemd PATH     tandemd binary (default: tandemd on PATH)\n"
	"  --peers DIR        bench/peers (the node server; default "
	"bench/peers)\n"
	"  --frame-bytes N    raw: frame size (default 230)\n"
	"  --per-write N      raw: frames per write() (default 1; up to 64)\n"
	"  --ceiling N        raw frames/s of this run: deliveries/s are also\n"
	"                     printed as a share of it\n";

static const struct adapter *
adapter_named(const char *name)
{
	if (strcmp(name, "tandem") == 0)
		return &adapter_tandem;
	if (strcmp(name, "nodews") == 0)
		return &adapter_nodews;
	if (strcmp(name, "mosquitto") == 0)
		return &adapter_mqtt;
	if (strcmp(name, "nats") == 0)
		return &adapter_nats;
	if (strcmp(name, "prosody") == 0)
		return &adapter_xmpp;
	return NULL;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

double
median(const double *v, int n)
{
	double *s = malloc((size_t)n * sizeof(*s)), m;

	if (s == NULL)
		abort();
	memcpy(s, v, (size_t)n * sizeof(*s));
	qsort(s, (size_t)n, sizeof(*s), cmp_double);
	m = n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
	free(s);
	return m;
}

/* Whole numbers above 100, three significant digits below. */
static const char *
fmt(char *b, size_t n, double v)
{
	snprintf(b, n, v >= 100 || v <= -100 ? "%.0f" : "%.3g", v);
	return b;
}

void
report(const char *scenario, const char *metric, const char *unit,
       double *v, int n, const char *note)
{
	double lo = v[0], hi = v[0];
	char m[32], l[32], h[32];
	int i;

	for (i = 1; i < n; i++) {
		lo = v[i] < lo ? v[i] : lo;
		hi = v[i] > hi ? v[i] : hi;
	}
	printf("| %s | %s%s | %s | %s | %s .. %s | %s |\n", scenario,
	       opt.target, lg_ad->persists ? "" : " (persists nothing)",
	       metric, fmt(m, sizeof(m), median(v, n)),
	       fmt(l, sizeof(l), lo), fmt(h, sizeof(h), hi),
	       note ? note : unit);
	fflush(stdout);
}

static void
pin_self(void)
{
	cpu_set_t set;
	struct rlimit rl;

	CPU_ZERO(&set);
	CPU_SET(LG_GEN_CORE, &set);
	if (sched_setaffinity(0, sizeof(set), &set) != 0)
		perror("sched_setaffinity");
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	signal(SIGPIPE, SIG_IGN);
}

static int
parse(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "target", required_argument, NULL, 't' },
		{ "scenario", required_argument, NULL, 's' },
		{ "conns", required_argument, NULL, 'c' },
		{ "room-size", required_argument, NULL, 'm' },
		{ "rooms", required_argument, NULL, 'o' },
		{ "seconds", required_argument, NULL, 'S' },
		{ "repeats", required_argument, NULL, 'r' },
		{ "rates", required_argument, NULL, 'R' },
		{ "rate", required_argument, NULL, 'a' },
		{ "per-sender", required_argument, NULL, 'p' },
		{ "port", required_argument, NULL, 'P' },
		{ "dir", required_argument, NULL, 'd' },
		{ "tandemd", required_argument, NULL, 'T' },
		{ "frame-bytes", required_argument, NULL, 'f' },
		{ "ceiling", required_argument, NULL, 'C' },
		{ "per-write", required_argument, NULL, 'W' },
		{ "peers", required_argument, NULL, 'D' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	int ch;

	while ((ch = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (ch) {
		case 't': opt.target = optarg; break;
		case 's': opt.scenario = optarg; break;
		case 'c': opt.conns = atoi(optarg); break;
		case 'm': opt.room_size = atoi(optarg); break;
		case 'o': opt.rooms = atoi(optarg); break;
		case 'S': opt.seconds = atof(optarg); break;
		case 'r': opt.repeats = atoi(optarg); break;
		case 'R': opt.rates = optarg; break;
		case 'a': opt.rate = atof(optarg); break;
		case 'p': opt.per_sender = atof(optarg); break;
		case 'P': opt.port = atoi(optarg); break;
		case 'd': opt.dir = optarg; break;
		case 'T': tandem_bin = optarg; break;
		case 'f': raw_frame_bytes = atoi(optarg); break;
		case 'D': peers_dir = optarg; break;
		case 'W': raw_per_write = atoi(optarg); break;
		case 'C': opt.ceiling = atof(optarg); break;
		case 'h': fputs(usage, stdout); exit(0);
		default: fputs(usage, stderr); return -1;
		}
	}
	if (opt.conns < 1 || opt.repeats < 1 || opt.room_size < 1 ||
	    opt.rooms < 1 ||
	    opt.seconds <= 0 || opt.rate <= 0 || opt.per_sender <= 0 ||
	    raw_frame_bytes < 64 || raw_frame_bytes > 65535 ||
	    raw_per_write < 1 || raw_per_write > 64) {
		fputs(usage, stderr);
		return -1;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	char log[4096];
	int rc;

	if (parse(argc, argv) != 0)
		return 2;
	pin_self();
	net_init();
	lg_port = opt.port;
	if (strcmp(opt.scenario, "raw") == 0) {
		opt.target = "raw writer";
		lg_ad = &adapter_raw;
		return scen_raw();
	}
	lg_ad = adapter_named(opt.target);
	if (lg_ad == NULL) {
		fprintf(stderr, "lg: unknown target %s\n", opt.target);
		return 2;
	}
	if (mkdir(opt.dir, 0700) != 0) {
		fprintf(stderr, "lg: --dir %s: must not exist yet (each run "
			"starts from an empty server)\n", opt.dir);
		return 2;
	}
	snprintf(log, sizeof(log), "%s/server.log", opt.dir);
	target_log = log;
	if (lg_ad->start(opt.port, opt.dir) != 0) {
		fprintf(stderr, "lg: %s did not start\n", opt.target);
		return 1;
	}
	if (strcmp(opt.scenario, "idle") == 0)
		rc = scen_idle();
	else if (strcmp(opt.scenario, "fanout") == 0)
		rc = scen_fanout();
	else if (strcmp(opt.scenario, "durable") == 0)
		rc = scen_durable();
	else if (strcmp(opt.scenario, "slow") == 0)
		rc = scen_slow();
	else if (strcmp(opt.scenario, "storm") == 0)
		rc = scen_storm();
	else if (strcmp(opt.scenario, "mixed") == 0)
		rc = scen_mixed();
	else {
		fprintf(stderr, "lg: unknown scenario %s\n", opt.scenario);
		rc = 2;
	}
	target_kill(SIGTERM);
	return rc;
}
