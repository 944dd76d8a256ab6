/*
 * rpc.h: requests and replies over one connection to tandemd, for the
 * terminal client. Built on net.h (bytes) and proto.h (frames): a caller
 * writes a request with struct jw, rpc_call() sends it and returns the
 * decoded reply; events that arrive meanwhile are kept for
 * rpc_next_event() when the caller asked for them.
 *
 * Every function returns 0 or a negative code: a TD_ERR_* from the server's
 * error reply, or a CLI_ERR_* (network, protocol). The code's stable name
 * and a message are left in the struct rpc for the caller to print.
 */
#ifndef TANDEM_CLIENT_RPC_H
#define TANDEM_CLIENT_RPC_H

#include <stdbool.h>
#include <stdint.h>

#include "tandem/proto.h"
#include "net.h"

/* How long to wait for a reply, and for the handshake. */
#define RPC_REPLY_TIMEOUT_MS 30000
#define RPC_CONNECT_TIMEOUT_MS 10000

struct rpc_event;

struct rpc {
	struct net_conn *net;
	struct net_url url;
	bool insecure;
	int64_t next_id;
	int64_t req_id;	  /* id of the request being written */
	bool keep_events; /* queue events for rpc_next_event() */
	struct rpc_event *ev_head, *ev_tail;
	/* The last error: its stable code name and a message. */
	char err_code[48];
	char err_msg[512];
};

/* Prepare r for url (not connected yet). Returns 0 or CLI_ERR_USAGE. */
int rpc_init(struct rpc *r, const char *url, bool insecure);
void rpc_fini(struct rpc *r);

/* Connect (closing any previous connection). Returns 0 or CLI_ERR_NET. */
int rpc_connect(struct rpc *r);
/* Drop the connection, keeping queued events. */
void rpc_disconnect(struct rpc *r);

/*
 * Start a request: jw_init(w) and write {"op":..,"id":.. into it; the
 * caller adds the op's fields and then calls rpc_call().
 */
void rpc_begin(struct rpc *r, struct jw *w, enum proto_op op);

/*
 * Close and send the request in w (which is wiped and freed), then wait
 * up to timeout_ms for its reply. Returns 0 with the result in *reply
 * (caller calls proto_frame_fini()), the server's error as TD_ERR_* (or
 * CLI_ERR_SERVER for a code this client does not know), CLI_ERR_NET, or
 * CLI_ERR_PROTO. *reply is always safe to fini.
 */
int rpc_call(struct rpc *r, struct jw *w, struct proto_frame *reply,
	     int timeout_ms);

/*
 * Close and send the request in w (wiped and freed) without waiting: the
 * caller matches the reply by r->req_id itself (the interactive mode keeps
 * many requests in flight). Returns 0, or CLI_ERR_NET when not connected.
 */
int rpc_send(struct rpc *r, struct jw *w);

/*
 * The next frame, reply or event, within timeout_ms, decoded (its payload
 * view included); timeout_ms 0 takes only what is ready. Returns 0 with *f
 * (caller finis), 1 on timeout, CLI_ERR_NET (connection lost),
 * TD_ERR_BAD_TOKEN (closed with 4001: logged out or token revoked) or
 * CLI_ERR_PROTO (a frame this client cannot read; *f holds what was read
 * of it, such as a reply's id). *f is always safe to fini.
 */
int rpc_recv(struct rpc *r, int timeout_ms, struct proto_frame *f);

/*
 * The next event, queued or arriving within timeout_ms (-1: forever).
 * Returns 0 with *ev filled (caller finis it), 1 on timeout, or
 * CLI_ERR_NET / CLI_ERR_PROTO.
 */
int rpc_next_event(struct rpc *r, struct proto_frame *ev, int timeout_ms);

/* The close code of the last connection (4001: logged out), or 0. */
int rpc_close_code(const struct rpc *r);

/* Record an error for the caller to print; returns code. */
int rpc_fail(struct rpc *r, int code, const char *name, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* The stable name of a code ("not_found", "network", "usage"). */
const char *rpc_code_name(int code);

#endif
