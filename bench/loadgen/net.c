/*
 * net.c: the generator's event loop (epoll, nonblocking sockets) and a
 * minimal RFC 6455 client: the HTTP upgrade, masked frames out, unmasked
 * frames in (fragments reassembled, pings answered). It hands each
 * complete message to the adapter in `lg_ad` and never blocks.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "lg.h"

#define READ_CHUNK 65536
#define MAX_EVENTS 512

static int epfd = -1;
static uint32_t mask_state = 0x9e3779b9u;

uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void
buf_put(struct buf *b, const void *p, size_t n)
{
	if (b->off > 0 && b->off == b->len)
		b->off = b->len = 0;
	if (b->len + n > b->cap) {
		if (b->off > 0) {
			memmove(b->p, b->p + b->off, b->len - b->off);
			b->len -= b->off;
			b->off = 0;
		}
		while (b->len + n > b->cap)
			b->cap = b->cap ? b->cap * 2 : 4096;
		b->p = realloc(b->p, b->cap);
		if (b->p == NULL) {
			perror("realloc");
			exit(2);
		}
	}
	memcpy(b->p + b->len, p, n);
	b->len += n;
}

void
buf_consume(struct buf *b, size_t n)
{
	b->off += n;
	if (b->off == b->len)
		b->off = b->len = 0;
}

void
net_init(void)
{
	epfd = epoll_create1(EPOLL_CLOEXEC);
	if (epfd < 0) {
		perror("epoll_create1");
		exit(2);
	}
}

static void
watch(struct conn *c, int op)
{
	struct epoll_event ev = { 0 };

	ev.events = (c->paused ? 0 : EPOLLIN) | (c->want_out ? EPOLLOUT : 0);
	ev.data.ptr = c;
	if (epoll_ctl(epfd, op, c->fd, &ev) != 0 && op != EPOLL_CTL_DEL)
		perror("epoll_ctl");
}

struct conn *
net_connect(int idx)
{
	struct sockaddr_in sa = { 0 };
	struct conn *c = calloc(1, sizeof(*c));
	int one = 1;

	if (c == NULL)
		abort();
	c->idx = idx;
	c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->fd < 0) {
		perror("socket");
		exit(2);
	}
	setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)lg_port);
	inet_pton(AF_INET, lg_host, &sa.sin_addr);
	c->state = CS_CONNECTING;
	c->want_out = true;
	if (connect(c->fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 &&
	    errno != EINPROGRESS) {
		close(c->fd);
		c->state = CS_CLOSED;
		return c;
	}
	watch(c, EPOLL_CTL_ADD);
	return c;
}

void
net_close(struct conn *c)
{
	if (c->state == CS_CLOSED)
		return;
	watch(c, EPOLL_CTL_DEL);
	close(c->fd);
	c->state = CS_CLOSED;
	c->ready = false;
}

void
net_set_paused(struct conn *c, bool paused)
{
	c->paused = paused;
	if (c->state != CS_CLOSED)
		watch(c, EPOLL_CTL_MOD);
}

/* Write what is queued; ask for EPOLLOUT only while something is left. */
static void
flush(struct conn *c)
{
	bool was = c->want_out;

	while (c->out.len > c->out.off) {
		ssize_t w = write(c->fd, c->out.p + c->out.off,
				  c->out.len - c->out.off);
		if (w < 0) {
			if (errno == EAGAIN)
				break;
			net_close(c);
			return;
		}
		buf_consume(&c->out, (size_t)w);
	}
	c->want_out = c->out.len > c->out.off;
	if (was != c->want_out)
		watch(c, EPOLL_CTL_MOD);
}

static void
send_frame(struct conn *c, int opcode, const char *p, size_t n)
{
	unsigned char h[14];
	size_t hl = 2, i;
	uint32_t key;
	char *dst;

	if (c->state == CS_CLOSED)
		return;
	h[0] = (unsigned char)(0x80 | opcode);
	if (n < 126) {
		h[1] = (unsigned char)(0x80 | n);
	} else if (n < 65536) {
		h[1] = 0x80 | 126;
		h[2] = (unsigned char)(n >> 8);
		h[3] = (unsigned char)n;
		hl = 4;
	} else {
		h[1] = 0x80 | 127;
		for (i = 0; i < 8; i++)
			h[2 + i] = (unsigned char)((uint64_t)n >> (56 - 8 * i));
		hl = 10;
	}
	mask_state = mask_state * 1664525u + 1013904223u;
	key = mask_state;
	memcpy(h + hl, &key, 4);
	buf_put(&c->out, h, hl + 4);
	buf_put(&c->out, p, n);
	dst = c->out.p + c->out.len - n;
	for (i = 0; i < n; i++)
		dst[i] ^= (char)h[hl + (i & 3)];
	if (c->state == CS_OPEN)
		flush(c);
}

void
net_send_text(struct conn *c, const char *p, size_t n)
{
	send_frame(c, 1, p, n);
}

void
net_send_binary(struct conn *c, const char *p, size_t n)
{
	send_frame(c, 2, p, n);
}

static void
send_upgrade(struct conn *c)
{
	char req[512];
	int n;

	n = snprintf(req, sizeof(req),
		     "GET %s HTTP/1.1\r\nHost: %s:%d\r\n"
		     "Upgrade: websocket\r\nConnection: Upgrade\r\n"
		     "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
		     "Sec-WebSocket-Version: 13\r\n%s%s%s\r\n",
		     lg_ad->path, lg_host, lg_port,
		     lg_ad->subproto ? "Sec-WebSocket-Protocol: " : "",
		     lg_ad->subproto ? lg_ad->subproto : "",
		     lg_ad->subproto ? "\r\n" : "");
	buf_put(&c->out, req, (size_t)n);
	c->state = CS_HANDSHAKE;
	flush(c);
}

/* Parse every complete frame in c->in. */
static void
parse_frames(struct conn *c)
{
	while (c->state == CS_OPEN) {
		unsigned char *p = (unsigned char *)c->in.p + c->in.off;
		size_t avail = c->in.len - c->in.off, hl = 2, i;
		uint64_t len;
		int op;
		bool fin, masked;

		if (avail < 2)
			return;
		fin = p[0] & 0x80;
		op = p[0] & 0x0f;
		masked = p[1] & 0x80;
		len = p[1] & 0x7f;
		if (len == 126) {
			if (avail < 4)
				return;
			len = (uint64_t)p[2] << 8 | p[3];
			hl = 4;
		} else if (len == 127) {
			if (avail < 10)
				return;
			for (len = 0, i = 0; i < 8; i++)
				len = len << 8 | p[2 + i];
			hl = 10;
		}
		if (masked)
			hl += 4;
		if (avail < hl + len)
			return;
		if (masked)
			for (i = 0; i < len; i++)
				p[hl + i] ^= p[hl - 4 + (i & 3)];
		buf_consume(&c->in, hl + len);
		if (op == 8) {
			net_close(c);
			return;
		} else if (op == 9) {
			send_frame(c, 10, (char *)p + hl, (size_t)len);
		} else if (op == 0 || !fin) {
			buf_put(&c->frag, p + hl, (size_t)len);
			if (fin) {
				lg_ad->on_message(c, c->frag.p, c->frag.len);
				c->frag.len = c->frag.off = 0;
			}
		} else if (op == 1 || op == 2) {
			lg_ad->on_message(c, (char *)p + hl, (size_t)len);
		}
	}
}

static void
on_readable(struct conn *c)
{
	char tmp[READ_CHUNK];

	for (;;) {
		ssize_t r = read(c->fd, tmp, sizeof(tmp));
		if (r == 0 || (r < 0 && errno != EAGAIN)) {
			net_close(c);
			return;
		}
		if (r < 0)
			break;
		buf_put(&c->in, tmp, (size_t)r);
		if ((size_t)r < sizeof(tmp))
			break;
	}
	if (c->state == CS_HANDSHAKE) {
		char *end = memmem(c->in.p + c->in.off, c->in.len - c->in.off,
				   "\r\n\r\n", 4);
		if (end == NULL)
			return;
		if (strncmp(c->in.p + c->in.off, "HTTP/1.1 101", 12) != 0) {
			net_close(c);
			return;
		}
		buf_consume(&c->in, (size_t)(end + 4 - (c->in.p + c->in.off)));
		c->state = CS_OPEN;
		lg_ad->on_open(c);
	}
	parse_frames(c);
}

static void
on_event(struct conn *c, uint32_t ev)
{
	if (c->state == CS_CONNECTING) {
		int err = 0;
		socklen_t el = sizeof(err);

		getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &el);
		if (err != 0 || (ev & (EPOLLERR | EPOLLHUP))) {
			net_close(c);
			return;
		}
		send_upgrade(c);
		return;
	}
	if (ev & EPOLLIN)
		on_readable(c);
	if (c->state != CS_CLOSED && (ev & (EPOLLERR | EPOLLHUP)) &&
	    !(ev & EPOLLIN))
		net_close(c);
	if (c->state != CS_CLOSED && (ev & EPOLLOUT))
		flush(c);
}

void
net_run(uint64_t deadline, net_done_fn done, net_tick_fn tick,
	uint64_t tick_every_ns)
{
	struct epoll_event evs[MAX_EVENTS];
	uint64_t next_tick = now_ns();

	for (;;) {
		uint64_t now = now_ns(), wake = deadline;
		struct timespec ts;
		int n, i;

		if (now >= deadline || (done != NULL && done()))
			return;
		if (tick != NULL && now >= next_tick) {
			tick(now);
			next_tick = now + tick_every_ns;
		}
		if (tick != NULL && next_tick < wake)
			wake = next_tick;
		ts.tv_sec = (time_t)((wake - now) / 1000000000ull);
		ts.tv_nsec = (long)((wake - now) % 1000000000ull);
		n = epoll_pwait2(epfd, evs, MAX_EVENTS, &ts, NULL);
		for (i = 0; i < n; i++)
			on_event(evs[i].data.ptr, evs[i].events);
	}
}
