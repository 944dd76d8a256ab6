/*
 * xmpp.c: the adapter for XMPP over WebSocket (RFC 7395, subprotocol
 * "xmpp") with multi-user chat (XEP-0045), as prosody serves it: open the
 * stream, SASL ANONYMOUS, open again, bind, then join room<b> with no
 * history; our own presence (status 110) says the join is done. Posts are
 * groupchat messages whose body is "t<due ns>". One WebSocket message
 * holds one element, so no stream parser is needed.
 */
#include <stdio.h>
#include <string.h>

#include "lg.h"

#define XMPP_DOMAIN "bench.local"
#define XMPP_MUC "rooms.bench.local"
#define XMPP_CLIENT "xmlns='jabber:client'"

enum { XP_OPENED, XP_AUTHING, XP_REOPENED, XP_BINDING, XP_JOINING };

static void
send_str(struct conn *c, const char *s)
{
	net_send_text(c, s, strlen(s));
}

static void
send_open(struct conn *c)
{
	send_str(c, "<open xmlns='urn:ietf:params:xml:ns:xmpp-framing' "
		    "to='" XMPP_DOMAIN "' version='1.0'/>");
}

static void
xmpp_open(struct conn *c)
{
	c->phase = XP_OPENED;
	send_open(c);
}

static bool
has(const char *p, size_t n, const char *s)
{
	return memmem(p, n, s, strlen(s)) != NULL;
}

/* The steps before the room: SASL, the second stream, bind, join. */
static void
handshake(struct conn *c, const char *p, size_t n)
{
	char join[256];

	if (c->phase == XP_OPENED && has(p, n, "ANONYMOUS")) {
		c->phase = XP_AUTHING;
		send_str(c, "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' "
			    "mechanism='ANONYMOUS'/>");
	} else if (c->phase == XP_AUTHING && has(p, n, "<success")) {
		c->phase = XP_REOPENED;
		send_open(c);
	} else if (c->phase == XP_REOPENED && has(p, n, "xmpp-bind")) {
		c->phase = XP_BINDING;
		send_str(c, "<iq " XMPP_CLIENT " type='set' id='b'><bind "
			    "xmlns='urn:ietf:params:xml:ns:xmpp-bind'/></iq>");
	} else if (c->phase == XP_BINDING && has(p, n, "<iq") &&
		   has(p, n, "result")) {
		c->phase = XP_JOINING;
		snprintf(join, sizeof(join),
			 "<presence " XMPP_CLIENT " to='room%lld@" XMPP_MUC
			 "/u%d'><x xmlns='http://jabber.org/protocol/muc'>"
			 "<history maxstanzas='0'/></x></presence>",
			 (long long)c->b, c->idx);
		send_str(c, join);
	} else if (c->phase == XP_JOINING && has(p, n, "<presence") &&
		   has(p, n, "code='110'")) {
		c->ready = true;
	} else if (has(p, n, "<failure") || has(p, n, "type='error'")) {
		if (lg_meter.errors++ < 5)
			fprintf(stderr, "xmpp: %.*s\n", (int)n, p);
	}
}

static void
xmpp_message(struct conn *c, const char *p, size_t n)
{
	if (n > 9 && memcmp(p, "<message", 8) == 0) {
		meter_delivery(c, stamp_after(p, n, "<body>t"));
		return;
	}
	if (!c->ready)
		handshake(c, p, n);
}

static void
xmpp_publish(struct conn *c, uint64_t due)
{
	char m[256];

	snprintf(m, sizeof(m),
		 "<message " XMPP_CLIENT " to='room%lld@" XMPP_MUC
		 "' type='groupchat'><body>t%llu</body></message>",
		 (long long)c->b, (unsigned long long)due);
	send_str(c, m);
}

const struct adapter adapter_xmpp = {
	.name = "prosody",
	.path = "/xmpp-websocket",
	.subproto = "xmpp",
	.persists = false,
	.start = peer_start_prosody,
	.on_open = xmpp_open,
	.on_message = xmpp_message,
	.publish = xmpp_publish,
};
