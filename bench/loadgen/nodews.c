/*
 * nodews.c: the adapter for bench/peers/ws-broadcast.js, the floor: a
 * node + ws server that relays each text message to every member of a
 * room. "j<room>" joins (answered "ok"), "t<due ns>" posts.
 */
#include <stdio.h>

#include "lg.h"

static void
nodews_open(struct conn *c)
{
	char b[32];
	int n = snprintf(b, sizeof(b), "j%lld", (long long)c->b);

	net_send_text(c, b, (size_t)n);
}

static void
nodews_message(struct conn *c, const char *p, size_t n)
{
	if (n == 2 && p[0] == 'o' && p[1] == 'k') {
		c->ready = true;
		return;
	}
	meter_delivery(c, stamp_after(p, n, "t"));
}

static void
nodews_publish(struct conn *c, uint64_t due)
{
	char b[32];
	int n = snprintf(b, sizeof(b), "t%llu", (unsigned long long)due);

	net_send_text(c, b, (size_t)n);
}

const struct adapter adapter_nodews = {
	.name = "nodews",
	.path = "/",
	.subproto = NULL,
	.persists = false,
	.start = peer_start_nodews,
	.on_open = nodews_open,
	.on_message = nodews_message,
	.publish = nodews_publish,
};
