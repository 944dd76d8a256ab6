/*
 * net.c: the terminal client's WebSocket connection, over libwebsockets
 * 4.1.6. It is the only client file that includes libwebsockets.
 *
 * Each connection owns its own lws context and runs the lws event loop only
 * while the caller waits (net_open, net_recv, net_close), which gives the
 * rest of the client a simple blocking API. Incoming fragments are
 * reassembled into whole messages under a size cap; outgoing messages wait
 * in a queue and go out one lws_write() per WRITEABLE callback.
 *
 * This file must never write outside the WRITEABLE callback, never accept
 * a message larger than NET_MAX_MESSAGE, and never accept an unverified
 * certificate unless the caller asked for insecure mode.
 */
#include <stdlib.h>
#include <string.h>

#include <libwebsockets.h>

#include "tandem/types.h"
#include "net.h"
#include "util.h"

/* A complete received message. */
struct net_msg {
	struct net_msg *next;
	size_t len;
	char *data;
};

/* A queued outgoing message, with LWS_PRE bytes of headroom. */
struct net_out {
	struct net_out *next;
	size_t len;
	unsigned char *buf;
};

enum net_state { NET_CONNECTING, NET_OPEN, NET_CLOSED };

struct net_conn {
	struct lws_context *ctx;
	struct lws *wsi;
	enum net_state state;
	int close_code;
	char why[256];
	bool closing; /* net_close() asked for a close frame */

	/* Reassembly of the message being received. */
	char *rx;
	size_t rx_len, rx_cap;

	struct net_msg *in_head, *in_tail;
	struct net_out *out_head, *out_tail;

	/* Wakes lws_service() up at a deadline. */
	lws_sorted_usec_list_t timer;
	bool timer_fired;
};

static int net_callback(struct lws *wsi, enum lws_callback_reasons reason,
			void *user, void *in, size_t len);

static const struct lws_protocols net_protocols[] = {
	{TD_PROTOCOL_NAME, net_callback, 0, 0, 0, NULL, 0},
	{NULL, NULL, 0, 0, 0, NULL, 0}};

int
net_url_parse(const char *s, struct net_url *u)
{
	const char *host, *end, *path;
	size_t hlen;

	memset(u, 0, sizeof(*u));
	if (strncmp(s, "ws://", 5) == 0) {
		s += 5;
	} else if (strncmp(s, "wss://", 6) == 0) {
		u->tls = true;
		s += 6;
	} else if (strncmp(s, "http://", 7) == 0) {
		s += 7;
	} else if (strncmp(s, "https://", 8) == 0) {
		u->tls = true;
		s += 8;
	} else if (strstr(s, "://")) {
		return NET_ERR_URL;
	}
	path = strchr(s, '/');
	end = path ? path : s + strlen(s);
	host = s;
	if (*host == '[') {
		/* An IPv6 literal: [::1]:8080. */
		const char *close = memchr(host, ']', (size_t)(end - host));

		if (!close)
			return NET_ERR_URL;
		hlen = (size_t)(close - host - 1);
		host++;
		s = close + 1;
	} else {
		const char *colon = memchr(host, ':', (size_t)(end - host));

		s = colon ? colon : end;
		hlen = (size_t)(s - host);
	}
	if (hlen == 0 || hlen >= sizeof(u->host))
		return NET_ERR_URL;
	memcpy(u->host, host, hlen);
	u->host[hlen] = '\0';
	if (strpbrk(u->host, " \t\r\n@?#"))
		return NET_ERR_URL;
	u->port = u->tls ? 443 : 80;
	if (*s == ':') {
		char *num_end;
		long port = strtol(s + 1, &num_end, 10);

		if (num_end == s + 1 || num_end != end || port < 1 ||
		    port > 65535)
			return NET_ERR_URL;
		u->port = (int)port;
	} else if (s != end) {
		return NET_ERR_URL;
	}
	if (!path || strcmp(path, "/") == 0)
		path = "/ws";
	if (strlen(path) >= sizeof(u->path) || strpbrk(path, " \t\r\n"))
		return NET_ERR_URL;
	strcpy(u->path, path);
	return 0;
}

void
net_url_format(const struct net_url *u, char *buf, size_t size)
{
	bool v6 = strchr(u->host, ':') != NULL;

	snprintf(buf, size, "%s://%s%s%s:%d%s", u->tls ? "wss" : "ws",
		 v6 ? "[" : "", u->host, v6 ? "]" : "", u->port, u->path);
}

static struct net_conn *
net_conn_of(struct lws *wsi)
{
	return lws_context_user(lws_get_context(wsi));
}

static void
net_set_why(struct net_conn *c, const char *why, size_t len)
{
	if (c->why[0])
		return;
	if (len >= sizeof(c->why))
		len = sizeof(c->why) - 1;
	memcpy(c->why, why, len);
	c->why[len] = '\0';
}

/* Append a fragment; on the final one, move the message to the in queue.
 * Returns -1 when the message is over the cap or binary (close it). */
static int
net_rx(struct net_conn *c, struct lws *wsi, const char *in, size_t len)
{
	struct net_msg *m;

	if (lws_frame_is_binary(wsi)) {
		net_set_why(c, "server sent a binary message", 28);
		return -1;
	}
	if (lws_is_first_fragment(wsi))
		c->rx_len = 0;
	if (len > NET_MAX_MESSAGE - c->rx_len) {
		net_set_why(c, "server sent a message over the size cap", 39);
		return -1;
	}
	if (c->rx_len + len + 1 > c->rx_cap) {
		size_t cap = c->rx_cap ? c->rx_cap : 4096;

		while (cap < c->rx_len + len + 1)
			cap *= 2;
		c->rx = xrealloc(c->rx, cap);
		c->rx_cap = cap;
	}
	memcpy(c->rx + c->rx_len, in, len);
	c->rx_len += len;
	if (!lws_is_final_fragment(wsi) || lws_remaining_packet_payload(wsi))
		return 0;
	m = xcalloc(1, sizeof(*m));
	m->len = c->rx_len;
	m->data = xstrndup(c->rx, c->rx_len);
	c->rx_len = 0;
	if (c->in_tail)
		c->in_tail->next = m;
	else
		c->in_head = m;
	c->in_tail = m;
	return 0;
}

/* Write the head of the out queue: one lws_write per WRITEABLE. */
static int
net_writeable(struct net_conn *c, struct lws *wsi)
{
	struct net_out *o = c->out_head;
	int n;

	if (!o) {
		if (c->closing) {
			lws_close_reason(wsi, LWS_CLOSE_STATUS_NORMAL, NULL, 0);
			return -1;
		}
		return 0;
	}
	n = lws_write(wsi, o->buf + LWS_PRE, o->len, LWS_WRITE_TEXT);
	c->out_head = o->next;
	if (!c->out_head)
		c->out_tail = NULL;
	util_wipe(o->buf, LWS_PRE + o->len);
	free(o->buf);
	free(o);
	if (n < 0) {
		net_set_why(c, "write failed", 12);
		return -1;
	}
	if (c->out_head || c->closing)
		lws_callback_on_writable(wsi);
	return 0;
}

static int
net_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user,
	     void *in, size_t len)
{
	struct net_conn *c;

	switch (reason) {
	case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
		c = net_conn_of(wsi);
		if (in && len)
			net_set_why(c, in, strnlen(in, len));
		else
			net_set_why(c, "connection failed", 17);
		c->state = NET_CLOSED;
		c->wsi = NULL;
		break;
	case LWS_CALLBACK_CLIENT_ESTABLISHED:
		c = net_conn_of(wsi);
		c->state = NET_OPEN;
		if (c->out_head)
			lws_callback_on_writable(wsi);
		break;
	case LWS_CALLBACK_CLIENT_RECEIVE:
		return net_rx(net_conn_of(wsi), wsi, in, len);
	case LWS_CALLBACK_CLIENT_WRITEABLE:
		return net_writeable(net_conn_of(wsi), wsi);
	case LWS_CALLBACK_WS_PEER_INITIATED_CLOSE:
		c = net_conn_of(wsi);
		if (in && len >= 2) {
			const unsigned char *p = in;

			c->close_code = (p[0] << 8) | p[1];
		}
		break;
	case LWS_CALLBACK_CLIENT_CLOSED:
		c = net_conn_of(wsi);
		net_set_why(c, "connection closed", 17);
		c->state = NET_CLOSED;
		c->wsi = NULL;
		break;
	default: break;
	}
	return 0;
}

static void
net_timer_cb(lws_sorted_usec_list_t *sul)
{
	struct net_conn *c = lws_container_of(sul, struct net_conn, timer);

	c->timer_fired = true;
}

/*
 * Run the event loop until done(c) is true or timeout_ms passes (-1: no
 * deadline). Returns true when done(c) became true.
 */
static bool
net_run(struct net_conn *c, int timeout_ms, bool (*done)(struct net_conn *))
{
	bool ok;

	c->timer_fired = false;
	if (timeout_ms == 0) {
		/* Only what is ready now: a negative timeout makes lws 4.1.6
		 * poll without waiting (a timer due now would not wake it). */
		lws_service(c->ctx, -1);
		return done(c);
	}
	if (timeout_ms > 0)
		lws_sul_schedule(c->ctx, 0, &c->timer, net_timer_cb,
				 (lws_usec_t)timeout_ms * 1000);
	while (!done(c) && !c->timer_fired)
		if (lws_service(c->ctx, 0) < 0)
			break;
	ok = done(c);
	lws_sul_cancel(&c->timer);
	return ok;
}

static bool
net_done_connecting(struct net_conn *c)
{
	return c->state != NET_CONNECTING;
}

static bool
net_done_recv(struct net_conn *c)
{
	return c->in_head || c->state == NET_CLOSED;
}

static bool
net_done_closed(struct net_conn *c)
{
	return c->state == NET_CLOSED;
}

int
net_open(const struct net_url *u, bool insecure, int timeout_ms,
	 struct net_conn **out, char *why, size_t why_len)
{
	struct lws_context_creation_info info;
	struct lws_client_connect_info ci;
	struct net_conn *c = xcalloc(1, sizeof(*c));
	int rc = NET_ERR_CONNECT;

	*out = NULL;
	lws_set_log_level(getenv("TANDEM_DEBUG_LWS") ? LLL_ERR | LLL_WARN : 0,
			  NULL);
	memset(&info, 0, sizeof(info));
	info.port = CONTEXT_PORT_NO_LISTEN;
	info.protocols = net_protocols;
	info.user = c;
	info.gid = -1;
	info.uid = -1;
	if (u->tls)
		info.options |= LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
	c->ctx = lws_create_context(&info);
	if (!c->ctx) {
		snprintf(why, why_len, "cannot create the network context");
		goto out;
	}

	memset(&ci, 0, sizeof(ci));
	ci.context = c->ctx;
	ci.address = u->host;
	ci.port = u->port;
	ci.path = u->path;
	ci.host = u->host;
	ci.origin = NULL; /* not a browser: no Origin header */
	ci.protocol = TD_PROTOCOL_NAME;
	ci.local_protocol_name = TD_PROTOCOL_NAME;
	ci.ietf_version_or_minus_one = -1;
	ci.pwsi = &c->wsi;
	if (u->tls) {
		ci.ssl_connection = LCCSCF_USE_SSL;
		if (insecure)
			ci.ssl_connection |=
				LCCSCF_ALLOW_SELFSIGNED |
				LCCSCF_SKIP_SERVER_CERT_HOSTNAME_CHECK |
				LCCSCF_ALLOW_EXPIRED | LCCSCF_ALLOW_INSECURE;
	}
	c->state = NET_CONNECTING;
	if (!lws_client_connect_via_info(&ci) && c->state == NET_CONNECTING) {
		net_set_why(c, "cannot start the connection", 27);
		c->state = NET_CLOSED;
	}
	if (!net_run(c, timeout_ms, net_done_connecting))
		net_set_why(c, "timed out connecting", 20);
	if (c->state != NET_OPEN) {
		snprintf(why, why_len, "%s", c->why[0] ? c->why : "failed");
		goto out;
	}
	c->why[0] = '\0';
	*out = c;
	rc = 0;
out:
	if (rc != 0)
		net_close(c);
	return rc;
}

int
net_send(struct net_conn *c, const char *text, size_t len)
{
	struct net_out *o;

	if (c->state != NET_OPEN || c->closing)
		return NET_ERR_CLOSED;
	o = xcalloc(1, sizeof(*o));
	o->buf = xmalloc(LWS_PRE + len);
	memcpy(o->buf + LWS_PRE, text, len);
	o->len = len;
	if (c->out_tail)
		c->out_tail->next = o;
	else
		c->out_head = o;
	c->out_tail = o;
	if (c->wsi)
		lws_callback_on_writable(c->wsi);
	return 0;
}

int
net_recv(struct net_conn *c, int timeout_ms, char **msg, size_t *len)
{
	struct net_msg *m;

	*msg = NULL;
	*len = 0;
	if (!c->in_head && c->state != NET_CLOSED)
		net_run(c, timeout_ms, net_done_recv);
	m = c->in_head;
	if (!m)
		return c->state == NET_CLOSED ? NET_ERR_CLOSED
					      : NET_ERR_TIMEOUT;
	c->in_head = m->next;
	if (!c->in_head)
		c->in_tail = NULL;
	*msg = m->data;
	*len = m->len;
	free(m);
	return 0;
}

int
net_fd(const struct net_conn *c)
{
	if (!c->wsi || c->state != NET_OPEN)
		return -1;
	return (int)lws_get_socket_fd(c->wsi);
}

int
net_close_code(const struct net_conn *c)
{
	return c->close_code;
}

const char *
net_why(const struct net_conn *c)
{
	return c->why;
}

void
net_close(struct net_conn *c)
{
	if (!c)
		return;
	if (c->ctx && c->wsi && c->state == NET_OPEN) {
		/* Flush what is queued, then the close handshake. */
		c->closing = true;
		lws_callback_on_writable(c->wsi);
		net_run(c, 1000, net_done_closed);
	}
	if (c->ctx)
		lws_context_destroy(c->ctx);
	while (c->in_head) {
		struct net_msg *m = c->in_head;

		c->in_head = m->next;
		free(m->data);
		free(m);
	}
	while (c->out_head) {
		struct net_out *o = c->out_head;

		c->out_head = o->next;
		util_wipe(o->buf, LWS_PRE + o->len);
		free(o->buf);
		free(o);
	}
	free(c->rx);
	free(c);
}
