/*
 * tandem.c: the adapter for tandemd's JSON protocol (proto/PROTOCOL.md).
 * A connection without a token registers an account (handle u<idx>) and
 * then joins its channel, opens its note-to-self dm, or creates channel
 * room<b>; with a token it says hello. Posts are msg.send with the due
 * time as the body ("t<ns>") and a unique nonce; message.new events are
 * deliveries, msg.send replies are durable acks. tandemd runs with
 * --no-rate-limit, as the peers have no per-connection limit either.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lg.h"

#define ID_AUTH 1
#define ID_SETUP 2
#define ID_HISTORY 3
#define ID_FETCH 4
#define ID_SEND_BASE 100

const char *tandem_bin = "tandemd";
enum tandem_setup tandem_setup = TS_JOIN;
bool tandem_keep_acked;

static int
tandem_start(int port, const char *dir)
{
	char ps[16];
	char *argv[] = { (char *)tandem_bin, "--listen", "127.0.0.1",
			 "--port", ps, "--data-dir", (char *)dir,
			 "--open-registration", "--no-rate-limit",
			 "--pwhash-ops", "1",
			 "--pwhash-mem", "8192", "--workers", "1", NULL };

	snprintf(ps, sizeof(ps), "%d", port);
	target_spawn(argv);
	return target_wait_port(port, 10000);
}

static void send_fmt(struct conn *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void
send_fmt(struct conn *c, const char *fmt, ...)
{
	char f[1024];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(f, sizeof(f), fmt, ap);
	va_end(ap);
	net_send_text(c, f, (size_t)n);
}

static void
tandem_open(struct conn *c)
{
	c->next_id = ID_SEND_BASE;
	if (c->token != NULL && c->seq > 0) {
		send_fmt(c, "{\"op\":\"hello\",\"id\":%d,\"token\":\"%s\","
			 "\"since\":%lld}", ID_AUTH, c->token,
			 (long long)c->seq);
		return;
	}
	if (c->token != NULL) {
		send_fmt(c, "{\"op\":\"hello\",\"id\":%d,\"token\":\"%s\"}",
			 ID_AUTH, c->token);
		return;
	}
	send_fmt(c, "{\"op\":\"register\",\"id\":%d,\"handle\":\"u%d\","
		 "\"password\":\"bench-password-%d\",\"display_name\":\"U%d\","
		 "\"team\":\"sales\"}", ID_AUTH, c->idx, c->idx, c->idx);
}

/* After register: the step that makes the account a member of its room. */
static void
tandem_setup_step(struct conn *c)
{
	if (tandem_setup == TS_DM_SELF)
		send_fmt(c, "{\"op\":\"dm.open\",\"id\":%d,\"user\":%lld}",
			 ID_SETUP, (long long)c->a);
	else if (tandem_setup == TS_CREATE)
		send_fmt(c, "{\"op\":\"conv.create\",\"id\":%d,"
			 "\"kind\":\"channel\",\"name\":\"room%lld\"}",
			 ID_SETUP, (long long)c->b);
	else
		send_fmt(c, "{\"op\":\"conv.join\",\"id\":%d,\"conv\":%lld}",
			 ID_SETUP, (long long)c->b);
}

static void
on_auth_reply(struct conn *c, const char *p, size_t n)
{
	const char *t, *e;

	if (memmem(p, n, "\"error\"", 7) != NULL) {
		if (lg_meter.errors++ < 5)
			fprintf(stderr, "tandem: auth u%d: %.*s\n", c->idx,
				(int)n, p);
		net_close(c);
		return;
	}
	if (c->token != NULL) {
		c->ready = true;
		return;
	}
	c->a = json_int_after(p, n, "\"user\":{\"id\":");
	t = memmem(p, n, "\"token\":\"", 9);
	if (t == NULL)
		return;
	t += 9;
	e = memchr(t, '"', (size_t)(p + n - t));
	if (e == NULL)
		return;
	c->token = strndup(t, (size_t)(e - t));
	tandem_setup_step(c);
}

static void
on_setup_reply(struct conn *c, const char *p, size_t n)
{
	if (memmem(p, n, "\"error\"", 7) != NULL) {
		if (lg_meter.errors++ < 5)
			fprintf(stderr, "tandem: setup u%d: %.*s\n", c->idx,
				(int)n, p);
		return;
	}
	c->b = json_int_after(p, n, "\"conversation\":{\"id\":");
	c->ready = true;
}

static void
keep_acked(struct conn *c, int64_t id)
{
	if (c->n_acked == c->cap_acked) {
		c->cap_acked = c->cap_acked ? c->cap_acked * 2 : 64;
		c->acked = realloc(c->acked, c->cap_acked * sizeof(*c->acked));
		if (c->acked == NULL)
			abort();
	}
	c->acked[c->n_acked++] = id;
}

static void
on_send_reply(struct conn *c, const char *p, size_t n)
{
	uint64_t due, now;

	if (memmem(p, n, "\"error\"", 7) != NULL) {
		if (lg_meter.errors++ < 5)
			fprintf(stderr, "tandem: send: %.*s\n", (int)n, p);
		return;
	}
	due = stamp_after(p, n, "\"body\":\"t");
	now = now_ns();
	lg_meter.acks++;
	lat_add(&lg_meter.ack_lat, now > due ? (now - due) / 1000 : 0);
	if (tandem_keep_acked)
		keep_acked(c, json_int_after(p, n, "\"message\":{\"id\":"));
}

/*
 * A history page: strike every id found from the acked list (kept
 * sorted ascending); ask for the next page while there is more, else
 * leave what is left in the list as lost and clear c->phase.
 */
static void
on_history_reply(struct conn *c, const char *p, size_t n)
{
	const char *q = p + 6, *end = p + n;
	size_t i = 0, kept = 0;
	int64_t last = -1;

	while ((q = memmem(q, (size_t)(end - q), "{\"id\":", 6)) != NULL) {
		int64_t id = json_int_after(q, (size_t)(end - q), "{\"id\":");
		q += 6;
		last = id;
		while (i < c->n_acked && c->acked[i] < id)
			c->acked[kept++] = c->acked[i++];
		if (i < c->n_acked && c->acked[i] == id)
			i++;
	}
	while (i < c->n_acked)
		c->acked[kept++] = c->acked[i++];
	c->n_acked = kept;
	if (last > 0 && memmem(p, n, "\"more\":true", 11) != NULL &&
	    kept > 0)
		tandem_history(c, last);
	else
		c->phase = 0;
}

static void
tandem_message(struct conn *c, const char *p, size_t n)
{
	int64_t id;

	if (n > 24 && memcmp(p, "{\"event\":", 9) == 0) {
		int64_t seq = json_int_after(p, n, "\"seq\":");

		if (seq > c->seq)
			c->seq = seq;
		if (memcmp(p + 9, "\"message.new\"", 13) == 0)
			meter_delivery(c, stamp_after(p, n, "\"body\":\"t"));
		return;
	}
	if (n < 7 || memcmp(p, "{\"id\":", 6) != 0)
		return;
	id = json_int_after(p, n, "{\"id\":");
	if (id == ID_AUTH)
		on_auth_reply(c, p, n);
	else if (id == ID_SETUP)
		on_setup_reply(c, p, n);
	else if (id == ID_HISTORY)
		on_history_reply(c, p, n);
	else if (id == ID_FETCH && c->fetch_due != 0)
		lat_add(&lg_meter.fetch, (now_ns() - c->fetch_due) / 1000);
	else if (id >= ID_SEND_BASE)
		on_send_reply(c, p, n);
}

static void
tandem_publish(struct conn *c, uint64_t due)
{
	send_fmt(c, "{\"op\":\"msg.send\",\"id\":%lld,\"conv\":%lld,"
		 "\"body\":\"t%llu\",\"nonce\":\"n%llu-%d\"}",
		 (long long)c->next_id++, (long long)c->b,
		 (unsigned long long)due, (unsigned long long)due, c->idx);
}

void
tandem_history(struct conn *c, int64_t after)
{
	c->phase = 1;
	send_fmt(c, "{\"op\":\"msg.history\",\"id\":%d,\"conv\":%lld,"
		 "\"after\":%lld,\"limit\":200}", ID_HISTORY,
		 (long long)c->b, (long long)after);
}

/* The room's latest 50 messages, timed from `due`. */
static void
tandem_fetch(struct conn *c, uint64_t due)
{
	c->fetch_due = due;
	send_fmt(c, "{\"op\":\"msg.history\",\"id\":%d,\"conv\":%lld}",
		 ID_FETCH, (long long)c->b);
}

const struct adapter adapter_tandem = {
	.name = "tandem",
	.path = "/ws",
	.subproto = "tandem.v1",
	.persists = true,
	.start = tandem_start,
	.on_open = tandem_open,
	.on_message = tandem_message,
	.publish = tandem_publish,
	.fetch = tandem_fetch,
};
