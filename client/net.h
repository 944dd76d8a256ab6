/*
 * net.h: one WebSocket client connection with a blocking-style API, for the
 * terminal client. The implementation (net.c) is the only client file that
 * includes libwebsockets; nothing here exposes it.
 *
 * A connection carries whole text messages: net_send() queues one,
 * net_recv() waits for the next complete (reassembled) one.
 */
#ifndef TANDEM_CLIENT_NET_H
#define TANDEM_CLIENT_NET_H

#include <stdbool.h>
#include <stddef.h>

/* Largest message accepted from the server (a full history page fits). */
#define NET_MAX_MESSAGE (64u << 20)

/* Results of net_* calls, besides 0. */
enum net_err {
	NET_ERR_CONNECT = -1, /* could not connect or handshake */
	NET_ERR_CLOSED = -2,  /* the connection is closed */
	NET_ERR_TIMEOUT = -3, /* nothing arrived in time */
	NET_ERR_URL = -4      /* the server URL cannot be parsed */
};

/* A parsed server URL: ws[s]://host[:port][/path]. */
struct net_url {
	bool tls;
	char host[256];
	int port;
	char path[512];
};

/*
 * Parse a server URL. Accepts ws://, wss://, http:// and https:// (the
 * latter two mean ws and wss), or a bare host[:port]; an empty path or "/"
 * becomes "/ws". Returns 0 or NET_ERR_URL.
 */
int net_url_parse(const char *s, struct net_url *u);
/* The canonical text of u ("ws://127.0.0.1:8080/ws") into buf. */
void net_url_format(const struct net_url *u, char *buf, size_t size);

struct net_conn;

/*
 * Connect to u with subprotocol tandem.v1 and wait up to timeout_ms for the
 * handshake. insecure accepts self-signed, expired or mismatched
 * certificates on wss. Returns 0 and *out (caller frees with net_close()),
 * or NET_ERR_CONNECT with a reason in why.
 */
int net_open(const struct net_url *u, bool insecure, int timeout_ms,
	     struct net_conn **out, char *why, size_t why_len);

/*
 * Queue one text message (copied). It is written from the event loop, so
 * it goes out during a later net_recv() or net_close(). Returns 0 or
 * NET_ERR_CLOSED.
 */
int net_send(struct net_conn *c, const char *text, size_t len);

/*
 * Wait up to timeout_ms (-1: forever; 0: only what is ready now, without
 * waiting) for the next complete message.
 * Returns 0 with a heap string in *msg (NUL-terminated, caller frees) and
 * its length, NET_ERR_TIMEOUT, or NET_ERR_CLOSED once the connection is
 * closed and every received message has been taken.
 */
int net_recv(struct net_conn *c, int timeout_ms, char **msg, size_t *len);

/*
 * The connection's socket, for poll() beside other descriptors (the
 * interactive mode polls the terminal and the socket together), or -1 when
 * closed. Readable means net_recv(c, 0, ...) has work to do; call it also
 * now and then without readiness, since TLS may hold decoded bytes.
 */
int net_fd(const struct net_conn *c);

/* The close code the server sent (e.g. 4001), or 0 when none yet. */
int net_close_code(const struct net_conn *c);
/* Why the connection closed, for messages; "" while open. */
const char *net_why(const struct net_conn *c);

/* Close politely (waiting briefly for the close handshake) and free c. */
void net_close(struct net_conn *c);

#endif
