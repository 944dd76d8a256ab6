/*
 * nats.c: the adapter for the NATS text protocol over WebSocket
 * (nats-server). CONNECT, SUB room.<b>, then PING: the PONG says the
 * subscription is in place. Posts are PUBs of "t<due ns>"; deliveries
 * are MSGs. Server PINGs are answered. Parsed from a stream buffer.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lg.h"

static void
nats_open(struct conn *c)
{
	char b[256];
	int n = snprintf(b, sizeof(b),
			 "CONNECT {\"verbose\":false,\"pedantic\":false,"
			 "\"echo\":true}\r\nSUB room.%lld 1\r\nPING\r\n",
			 (long long)c->b);

	net_send_binary(c, b, (size_t)n);
}

/* One protocol line at q[0..eol); may need the payload after it. */
static size_t
on_line(struct conn *c, const char *q, const char *eol, size_t avail)
{
	size_t ll = (size_t)(eol - q) + 2;

	if (ll >= 6 && memcmp(q, "MSG ", 4) == 0) {
		const char *sp = eol;
		size_t plen;

		while (sp > q && sp[-1] != ' ')
			sp--;
		plen = (size_t)strtoul(sp, NULL, 10);
		if (avail < ll + plen + 2)
			return 0;
		meter_delivery(c, stamp_after(q + ll, plen, "t"));
		return ll + plen + 2;
	}
	if (ll >= 6 && memcmp(q, "PING", 4) == 0) {
		net_send_binary(c, "PONG\r\n", 6);
	} else if (ll >= 6 && memcmp(q, "PONG", 4) == 0) {
		c->ready = true;
	} else if (ll >= 4 && memcmp(q, "-ERR", 4) == 0) {
		if (lg_meter.errors++ < 5)
			fprintf(stderr, "nats: %.*s\n", (int)ll - 2, q);
	}
	return ll;
}

static void
nats_message(struct conn *c, const char *p, size_t n)
{
	buf_put(&c->app, p, n);
	for (;;) {
		const char *q = c->app.p + c->app.off;
		size_t avail = c->app.len - c->app.off, used;
		const char *eol = memmem(q, avail, "\r\n", 2);

		if (eol == NULL)
			return;
		used = on_line(c, q, eol, avail);
		if (used == 0)
			return;
		buf_consume(&c->app, used);
	}
}

static void
nats_publish(struct conn *c, uint64_t due)
{
	char b[128], payload[32];
	int pl = snprintf(payload, sizeof(payload), "t%llu",
			  (unsigned long long)due);
	int n = snprintf(b, sizeof(b), "PUB room.%lld %d\r\n%s\r\n",
			 (long long)c->b, pl, payload);

	net_send_binary(c, b, (size_t)n);
}

const struct adapter adapter_nats = {
	.name = "nats",
	.path = "/",
	.subproto = NULL,
	.persists = false,
	.start = peer_start_nats,
	.on_open = nats_open,
	.on_message = nats_message,
	.publish = nats_publish,
};
