/*
 * lg.h: the load generator's shared types: connections on one epoll loop,
 * the adapters that speak each server's protocol over them, latency
 * samples, and the target server process. Single-threaded: one loop owns
 * every connection; nothing here is safe to call from another thread.
 */
#ifndef LG_H
#define LG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define LG_SERVER_CORE 0
#define LG_GEN_CORE 1

struct conn;

/* A growable byte buffer. */
struct buf {
	char *p;
	size_t len, cap, off;
};

void buf_put(struct buf *b, const void *p, size_t n);
void buf_consume(struct buf *b, size_t n);

enum conn_state { CS_CONNECTING, CS_HANDSHAKE, CS_OPEN, CS_CLOSED };

/* One WebSocket client connection and the adapter's state for it. */
struct conn {
	int fd;
	int idx;
	enum conn_state state;
	bool want_out;
	bool ready;       /* authenticated and subscribed, per the adapter */
	bool paused;      /* stop reading (slow consumer) */
	struct buf in, out, app, frag;
	int64_t next_id;  /* request ids (tandem) */
	int64_t a, b;     /* adapter fields: user id, conv id, ... */
	int phase;        /* adapter's handshake step */
	int64_t *acked;   /* message ids acknowledged (durable check) */
	size_t n_acked, cap_acked;
	char *token;
	int64_t seq;          /* last event seq seen (tandem resume) */
	uint64_t got;         /* deliveries to this connection */
	uint64_t target;      /* storm: deliveries that mean caught up */
	uint64_t reconnect_ns;
	uint64_t fetch_due;   /* the history fetch in flight */
};

/* What a server is: how to start it and how to speak to it. */
struct adapter {
	const char *name;
	const char *path;      /* WebSocket path */
	const char *subproto;  /* Sec-WebSocket-Protocol, or NULL */
	bool persists;         /* stores every message before delivery */
	int (*start)(int port, const char *dir);
	/* The upgrade succeeded: authenticate and join room `c->b`. */
	void (*on_open)(struct conn *c);
	/* One complete WebSocket message (text or binary). */
	void (*on_message)(struct conn *c, const char *p, size_t n);
	/* Post one message to the connection's room, stamped with `due`. */
	void (*publish)(struct conn *c, uint64_t due_ns);
	/* Fetch the room's latest page; NULL when there is no history. */
	void (*fetch)(struct conn *c, uint64_t due_ns);
};

/* Latency samples, in microseconds. */
struct lat {
	uint32_t *v;
	size_t n, cap;
};

void lat_add(struct lat *l, uint64_t us);
void lat_reset(struct lat *l);
/* Percentile `p` (0..100) in ms; sorts in place. 0 when empty. */
double lat_pct(struct lat *l, double p);

/* Counters the adapters feed while a measurement runs. */
struct meter {
	uint64_t deliveries, acks, errors;
	struct lat lat;      /* post due time -> delivery */
	struct lat ack_lat;  /* post due time -> durable ack */
	struct lat catchup;  /* resume -> every missed post delivered */
	struct lat fetch;    /* fetch due time -> history page */
};

extern struct meter lg_meter;
extern const struct adapter *lg_ad;
extern const char *lg_host;
extern int lg_port;

uint64_t now_ns(void);

/* net.c: the loop and the WebSocket client. */
void net_init(void);
struct conn *net_connect(int idx);
void net_send_text(struct conn *c, const char *p, size_t n);
void net_send_binary(struct conn *c, const char *p, size_t n);
void net_close(struct conn *c);
/* Run the loop until `deadline` or until `done()` says so. */
typedef bool (*net_done_fn)(void);
typedef void (*net_tick_fn)(uint64_t now);
void net_run(uint64_t deadline, net_done_fn done, net_tick_fn tick,
	     uint64_t tick_every_ns);
void net_set_paused(struct conn *c, bool paused);

/* Read a decimal after `key` in `p[0..n)`; -1 when absent. */
int64_t json_int_after(const char *p, size_t n, const char *key);
/* Stamp parsing: "t<ns>" -> ns, 0 when absent. */
uint64_t stamp_after(const char *p, size_t n, const char *key);
/* Record one delivery to `c` stamped `due` (0: not a bench message). */
void meter_delivery(struct conn *c, uint64_t due);

/* target.c: the server under test, pinned to its own core. */
extern pid_t target_pid;
extern const char *target_log;  /* the target's stdout and stderr */
pid_t target_spawn(char *const argv[]);
int target_wait_port(int port, int timeout_ms);
void target_kill(int sig);
/* Resident memory (KiB) and CPU time (ns) of the target. */
long target_rss_kib(void);
uint64_t target_cpu_ns(void);
uint64_t self_cpu_ns(void);

/* The run's settings (main.c). */
struct opts {
	const char *target, *scenario, *dir;
	int conns, repeats, room_size, port, rooms;
	double seconds, rate, per_sender;
	double ceiling;  /* raw frames/s measured in the same run, or 0 */
	const char *rates;
};
extern struct opts opt;

/* One figure of one scenario over the repeats: printed as a table row. */
void report(const char *scenario, const char *metric, const char *unit,
	    double *v, int n, const char *note);

/* The median of v[0..n) (sorts a copy). */
double median(const double *v, int n);

/* scen.c: what every scenario shares. */
extern struct conn **conns;
extern int n_conns, n_paused;  /* n_paused: members not reading */
extern uint64_t sent;           /* posts sent by the last drive() */
/* Open the closed ones in [from, to): hello with a saved token, else
 * register. Seconds. */
double open_range(int from, int to, int window, int64_t (*room)(int idx));
void close_all(void);
int64_t room_index(int idx);
int64_t room_for_peer(int idx);
/* Tandem: accounts in rooms of opt.room_size; peers: just the array. */
void setup_rooms(int n);
int check_ready(const char *what);
/* Open loop: `rate` posts/s from n_send members for `secs`, then drain. */
void drive(int n_send, double rate, double secs, uint64_t drain);
/* drive() in three steps, for scenarios that act while posts flow. */
void drive_start(int n_send, double rate, double secs);
void drive_tick(uint64_t now);
/*
 * Who sends and who hears: senders are spread over the first drive_span
 * members (0: all), each post reaches drive_fanout of them (0: every
 * reading member), and every drive_fetch_every-th due slot (0: none) is a
 * history fetch instead of a post.
 */
extern int drive_span, drive_fanout, drive_fetch_every;
void drive_finish(uint64_t drain);
extern uint64_t drive_stop_at;
/* Replace conns[idx] by a new connection with the same account. */
struct conn *reconnect(int idx);
void meter_reset(void);
int senders_for(double rate);

/* scen.c, stress.c: the scenarios. Each returns 0, or 1 on a failed check. */
int scen_idle(void);
int scen_fanout(void);
int scen_durable(void);
int scen_raw(void);
int scen_slow(void);
int scen_storm(void);
int scen_mixed(void);

/* raw.c: the plain writer. Returns the fd that starts each burst. */
int raw_writer_spawn(int port, int n, double seconds);
void raw_writer_go(int fd);
extern int raw_frame_bytes;
extern int raw_per_write;  /* frames per write() (1..64) */

/* Adapters. */
extern const struct adapter adapter_tandem, adapter_nodews, adapter_mqtt,
	adapter_nats, adapter_xmpp, adapter_raw;
extern const char *tandem_bin;
extern const char *peers_dir;  /* bench/peers: the node server */
extern const char *node_bin;
/* peers.c: start each peer on `port` (configs written into `dir`). */
int peer_start_mosquitto(int port, const char *dir);
int peer_start_nats(int port, const char *dir);
int peer_start_nodews(int port, const char *dir);
int peer_start_prosody(int port, const char *dir);

/* How a new tandem account is set up before it is ready. */
enum tandem_setup { TS_JOIN, TS_DM_SELF, TS_CREATE };
extern enum tandem_setup tandem_setup;
extern bool tandem_keep_acked;
/* Ask for conversation c->b's messages after `after` (durable check). */
void tandem_history(struct conn *c, int64_t after);

#endif
