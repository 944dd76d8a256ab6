/*
 * rpc.c: one request at a time over a tandemd connection, for the
 * terminal client.
 *
 * A request goes out, then frames are read until the reply carrying its id
 * arrives; events read on the way are queued (when the caller keeps them)
 * or dropped. Replies to older ids (a request that timed out) are skipped.
 * This file never prints: it records the error's code name and message in
 * struct rpc, and the caller decides what the user sees.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rpc.h"
#include "util.h"

struct rpc_event {
	struct rpc_event *next;
	struct proto_frame f;
};

int
rpc_fail(struct rpc *r, int code, const char *name, const char *fmt, ...)
{
	va_list ap;

	snprintf(r->err_code, sizeof(r->err_code), "%s",
		 name ? name : rpc_code_name(code));
	va_start(ap, fmt);
	vsnprintf(r->err_msg, sizeof(r->err_msg), fmt, ap);
	va_end(ap);
	return code;
}

const char *
rpc_code_name(int code)
{
	switch (code) {
	case CLI_ERR_USAGE: return "usage";
	case CLI_ERR_NET: return "network";
	case CLI_ERR_IO: return "io";
	case CLI_ERR_PROTO: return "protocol";
	case CLI_ERR_CONFIG: return "config";
	case CLI_ERR_SERVER: return "error";
	default: return td_err_code(code);
	}
}

int
rpc_init(struct rpc *r, const char *url, bool insecure)
{
	memset(r, 0, sizeof(*r));
	r->next_id = 1;
	r->insecure = insecure;
	if (net_url_parse(url, &r->url) != 0)
		return rpc_fail(r, CLI_ERR_USAGE, NULL,
				"bad server URL '%s' (want ws://host:port/ws)",
				url);
	return 0;
}

static void
rpc_drop_events(struct rpc *r)
{
	while (r->ev_head) {
		struct rpc_event *e = r->ev_head;

		r->ev_head = e->next;
		proto_frame_fini(&e->f);
		free(e);
	}
	r->ev_tail = NULL;
}

void
rpc_fini(struct rpc *r)
{
	rpc_disconnect(r);
	rpc_drop_events(r);
}

int
rpc_connect(struct rpc *r)
{
	char why[256], url[1024];
	bool tls_hint;

	rpc_disconnect(r);
	if (net_open(&r->url, r->insecure, RPC_CONNECT_TIMEOUT_MS, &r->net, why,
		     sizeof(why)) == 0)
		return 0;
	net_url_format(&r->url, url, sizeof(url));
	tls_hint = r->url.tls && !r->insecure && strstr(why, "SSL");
	return rpc_fail(r, CLI_ERR_NET, NULL, "cannot connect to %s: %s%s", url,
			why,
			tls_hint ? " (for a self-signed certificate, use "
				   "--insecure)"
				 : "");
}

void
rpc_disconnect(struct rpc *r)
{
	if (r->net) {
		net_close(r->net);
		r->net = NULL;
	}
}

int
rpc_close_code(const struct rpc *r)
{
	return r->net ? net_close_code(r->net) : 0;
}

void
rpc_begin(struct rpc *r, struct jw *w, enum proto_op op)
{
	r->req_id = r->next_id++;
	jw_init(w, 0);
	proto_request_open(w, op, r->req_id);
}

/* Describe a lost connection, naming the close code when there was one. */
static int
rpc_lost(struct rpc *r)
{
	int code = net_close_code(r->net);

	if (code == 4001)
		return rpc_fail(r, TD_ERR_BAD_TOKEN, NULL,
				"the server ended the session (logged out or "
				"token revoked)");
	if (code)
		return rpc_fail(r, CLI_ERR_NET, NULL,
				"connection closed by the server (code %d)",
				code);
	return rpc_fail(r, CLI_ERR_NET, NULL, "connection lost: %s",
			net_why(r->net)[0] ? net_why(r->net) : "closed");
}

/* Map a server error code name onto TD_ERR_*, or CLI_ERR_SERVER. */
static int
rpc_err_from_name(const char *name)
{
	int e;

	for (e = -1; e > -TD_ERR__COUNT; e--)
		if (strcmp(td_err_code(e), name) == 0)
			return e;
	return CLI_ERR_SERVER;
}

/*
 * Read one frame within timeout_ms and decode it into *f. Returns 0, 1 on
 * timeout, CLI_ERR_NET or CLI_ERR_PROTO.
 */
static int
rpc_read_frame(struct rpc *r, struct proto_frame *f, int timeout_ms)
{
	char *msg;
	size_t len;
	int rc;

	memset(f, 0, sizeof(*f));
	if (!r->net)
		return rpc_fail(r, CLI_ERR_NET, NULL, "not connected");
	rc = net_recv(r->net, timeout_ms, &msg, &len);
	if (rc == NET_ERR_TIMEOUT)
		return 1;
	if (rc != 0)
		return rpc_lost(r);
	rc = proto_decode_frame(msg, len, f);
	free(msg);
	if (rc != 0)
		return rpc_fail(r, CLI_ERR_PROTO, NULL,
				"the server sent a frame this client cannot "
				"read (%s)",
				td_err_code(rc));
	return 0;
}

static void
rpc_queue_event(struct rpc *r, struct proto_frame *f)
{
	struct rpc_event *e = xcalloc(1, sizeof(*e));

	e->f = *f; /* takes ownership of f's arrays */
	if (r->ev_tail)
		r->ev_tail->next = e;
	else
		r->ev_head = e;
	r->ev_tail = e;
}

int
rpc_call(struct rpc *r, struct jw *w, struct proto_frame *reply, int timeout_ms)
{
	int64_t want = r->req_id;
	int64_t deadline;
	int rc;

	proto_request_close(w);
	memset(reply, 0, sizeof(*reply));
	if (!r->net) {
		rc = rpc_fail(r, CLI_ERR_NET, NULL, "not connected");
		goto out;
	}
	if (net_send(r->net, jw_text(w), jw_text_len(w)) != 0) {
		rc = rpc_lost(r);
		goto out;
	}
	deadline = util_now_ms() + timeout_ms;
	for (;;) {
		int64_t left = deadline - util_now_ms();

		if (left < 0)
			left = 0;
		rc = rpc_read_frame(r, reply, (int)left);
		if (rc == 1) {
			rc = rpc_fail(r, CLI_ERR_NET, NULL,
				      "no reply from the server within %d s",
				      timeout_ms / 1000);
			goto out;
		}
		if (rc != 0)
			goto out;
		if (reply->kind == PROTO_FRAME_EVENT) {
			if (r->keep_events)
				rpc_queue_event(r, reply);
			else
				proto_frame_fini(reply);
			memset(reply, 0, sizeof(*reply));
			continue;
		}
		/* An error with "id": null answers whatever we last sent. */
		if (reply->id == want ||
		    (reply->kind == PROTO_FRAME_ERROR && reply->id < 0))
			break;
		proto_frame_fini(reply);
	}
	rc = 0;
	if (reply->kind == PROTO_FRAME_ERROR) {
		rc = rpc_err_from_name(reply->error_code);
		rpc_fail(r, rc, reply->error_code, "%s",
			 reply->error_message[0] ? reply->error_message
						 : td_err_message(rc));
	}
out:
	util_wipe(w->buf, w->len);
	jw_fini(w);
	return rc;
}

int
rpc_next_event(struct rpc *r, struct proto_frame *ev, int timeout_ms)
{
	struct rpc_event *e = r->ev_head;
	int rc;

	if (e) {
		r->ev_head = e->next;
		if (!r->ev_head)
			r->ev_tail = NULL;
		*ev = e->f;
		free(e);
		return 0;
	}
	for (;;) {
		rc = rpc_read_frame(r, ev, timeout_ms);
		if (rc != 0 || ev->kind == PROTO_FRAME_EVENT)
			return rc;
		/* A late reply to a request that timed out: skip it. */
		proto_frame_fini(ev);
	}
}

int
rpc_send(struct rpc *r, struct jw *w)
{
	int rc = 0;

	proto_request_close(w);
	if (!r->net)
		rc = rpc_fail(r, CLI_ERR_NET, NULL, "not connected");
	else if (net_send(r->net, jw_text(w), jw_text_len(w)) != 0)
		rc = rpc_lost(r);
	util_wipe(w->buf, w->len);
	jw_fini(w);
	return rc;
}

int
rpc_recv(struct rpc *r, int timeout_ms, struct proto_frame *f)
{
	return rpc_read_frame(r, f, timeout_ms);
}
