/*
 * mqtt.c: the adapter for MQTT 3.1.1 over WebSocket (mosquitto). CONNECT
 * with a clean session, SUBSCRIBE to room/<b> at QoS 0, and posts are
 * QoS 0 PUBLISHes whose payload is "t<due ns>". MQTT packets may span or
 * share WebSocket messages, so they are parsed from a stream buffer.
 */
#include <stdio.h>
#include <string.h>

#include "lg.h"

/* Append MQTT's variable-length "remaining length". */
static size_t
put_len(unsigned char *p, size_t n)
{
	size_t i = 0;

	do {
		unsigned char b = n % 128;

		n /= 128;
		p[i++] = (unsigned char)(n ? b | 0x80 : b);
	} while (n);
	return i;
}

static size_t
put_str(unsigned char *p, const char *s, size_t n)
{
	p[0] = (unsigned char)(n >> 8);
	p[1] = (unsigned char)n;
	memcpy(p + 2, s, n);
	return n + 2;
}

/* A packet: type byte, remaining length, then `body`. */
static void
send_packet(struct conn *c, unsigned char type, const unsigned char *body,
	    size_t n)
{
	unsigned char pkt[512];
	size_t hl = 1;

	pkt[0] = type;
	hl += put_len(pkt + 1, n);
	memcpy(pkt + hl, body, n);
	net_send_binary(c, (char *)pkt, hl + n);
}

static void
mqtt_open(struct conn *c)
{
	unsigned char b[256];
	char id[32], topic[32];
	size_t n = 0;
	int il = snprintf(id, sizeof(id), "c%d", c->idx);
	int tl = snprintf(topic, sizeof(topic), "room/%lld", (long long)c->b);

	n += put_str(b, "MQTT", 4);
	b[n++] = 4;    /* protocol level 3.1.1 */
	b[n++] = 0x02; /* clean session */
	b[n++] = 0;
	b[n++] = 0;    /* no keepalive */
	n += put_str(b + n, id, (size_t)il);
	send_packet(c, 0x10, b, n);
	n = 0;
	b[n++] = 0;
	b[n++] = 1;    /* packet id */
	n += put_str(b + n, topic, (size_t)tl);
	b[n++] = 0;    /* QoS 0 */
	send_packet(c, 0x82, b, n);
}

static void
on_packet(struct conn *c, unsigned char type, const unsigned char *p,
	  size_t n)
{
	if ((type & 0xf0) == 0x90) {
		c->ready = true;
	} else if ((type & 0xf0) == 0x30 && n >= 2) {
		size_t tl = (size_t)p[0] << 8 | p[1];

		if (2 + tl <= n)
			meter_delivery(c, stamp_after((const char *)p + 2 + tl,
						   n - 2 - tl, "t"));
	}
}

static void
mqtt_message(struct conn *c, const char *p, size_t n)
{
	buf_put(&c->app, p, n);
	for (;;) {
		const unsigned char *q =
			(const unsigned char *)c->app.p + c->app.off;
		size_t avail = c->app.len - c->app.off, len = 0, i = 1;
		unsigned mult = 1;

		if (avail < 2)
			return;
		do {
			if (i >= avail)
				return;
			len += (q[i] & 0x7fu) * mult;
			mult *= 128;
		} while (q[i++] & 0x80);
		if (avail < i + len)
			return;
		on_packet(c, q[0], q + i, len);
		buf_consume(&c->app, i + len);
	}
}

static void
mqtt_publish(struct conn *c, uint64_t due)
{
	unsigned char b[128];
	char topic[32], payload[32];
	int tl = snprintf(topic, sizeof(topic), "room/%lld", (long long)c->b);
	int pl = snprintf(payload, sizeof(payload), "t%llu",
			  (unsigned long long)due);
	size_t n = put_str(b, topic, (size_t)tl);

	memcpy(b + n, payload, (size_t)pl);
	send_packet(c, 0x30, b, n + (size_t)pl);
}

const struct adapter adapter_mqtt = {
	.name = "mosquitto",
	.path = "/",
	.subproto = "mqtt",
	.persists = false,
	.start = peer_start_mosquitto,
	.on_open = mqtt_open,
	.on_message = mqtt_message,
	.publish = mqtt_publish,
};
