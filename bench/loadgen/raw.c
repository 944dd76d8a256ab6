/*
 * raw.c: the machine's ceiling. A child process pinned to the server's
 * core accepts the generator's connections, answers the upgrade with a
 * bare 101, and on each "go" writes for `seconds`: one write() per small
 * WebSocket frame (raw_frame_bytes, the size of a tandem message.new),
 * round-robin over every socket, the way a server without coalescing
 * would; or raw_per_write frames per write(), as one that coalesces a
 * backlog would. The adapter here only counts and times what arrives.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "lg.h"

int raw_frame_bytes = 230;
int raw_per_write = 1;

static const char upgrade_reply[] =
	"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
	"Connection: Upgrade\r\n\r\n";

static int
listen_on(int port)
{
	struct sockaddr_in sa = { 0 };
	int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;

	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	inet_pton(AF_INET, lg_host, &sa.sin_addr);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
	    listen(fd, 4096) != 0) {
		perror("raw: listen");
		return -1;
	}
	return fd;
}

/* Read the upgrade request up to its blank line and answer 101. */
static int
accept_one(int lfd)
{
	char req[2048];
	size_t got = 0;
	int fd = accept(lfd, NULL, NULL), one = 1;

	if (fd < 0)
		return -1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	while (got < sizeof(req) - 1) {
		ssize_t r = read(fd, req + got, sizeof(req) - 1 - got);
		if (r <= 0)
			return -1;
		got += (size_t)r;
		req[got] = '\0';
		if (strstr(req, "\r\n\r\n") != NULL)
			break;
	}
	if (write(fd, upgrade_reply, sizeof(upgrade_reply) - 1) < 0)
		return -1;
	return fd;
}

/*
 * One burst: one write() of raw_per_write frames (1: one per frame, as a
 * server without coalescing), round-robin, for `seconds`.
 */
static void
burst(const int *fds, int n, double seconds)
{
	static char out[64 * (4 + 65536)];
	char *frame = out;
	size_t len = (size_t)raw_frame_bytes, hl = len < 126 ? 2 : 4, body;
	size_t fl = hl + len;
	uint64_t end = now_ns() + (uint64_t)(seconds * 1e9);
	int i = 0, j;

	frame[0] = (char)0x81;
	if (hl == 2) {
		frame[1] = (char)len;
	} else {
		frame[1] = 126;
		frame[2] = (char)(len >> 8);
		frame[3] = (char)len;
	}
	memset(frame + hl, ' ', len);
	body = (size_t)snprintf(frame + hl, len, "{\"event\":\"message.new\","
				"\"data\":{\"message\":{\"body\":\"t");
	for (;;) {
		uint64_t now = now_ns();
		int k;

		if (now >= end)
			break;
		snprintf(frame + hl + body, 21, "%020llu",
			 (unsigned long long)now);
		frame[hl + body + 20] = '"';
		for (j = 1; j < raw_per_write; j++)
			memcpy(out + (size_t)j * fl, frame, fl);
		for (k = 0; k < 64; k++, i = (i + 1) % n)
			if (write(fds[i], out, fl * (size_t)raw_per_write) < 0
			    && errno != EINTR)
				return;
	}
}

int
raw_writer_spawn(int port, int n, double seconds)
{
	int pipefd[2], lfd;
	pid_t pid;

	lfd = listen_on(port);
	if (lfd < 0 || pipe(pipefd) != 0)
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		int *fds = calloc((size_t)n, sizeof(int)), i;
		cpu_set_t set;
		char go;

		CPU_ZERO(&set);
		CPU_SET(LG_SERVER_CORE, &set);
		sched_setaffinity(0, sizeof(set), &set);
		close(pipefd[1]);
		for (i = 0; i < n; i++)
			if ((fds[i] = accept_one(lfd)) < 0)
				_exit(1);
		while (read(pipefd[0], &go, 1) == 1)
			burst(fds, n, seconds);
		_exit(0);
	}
	close(lfd);
	close(pipefd[0]);
	target_pid = pid;
	return pipefd[1];
}

void
raw_writer_go(int fd)
{
	if (write(fd, "g", 1) != 1)
		perror("raw: go");
}

static void
raw_open(struct conn *c)
{
	c->ready = true;
}

static void
raw_message(struct conn *c, const char *p, size_t n)
{
	meter_delivery(c, stamp_after(p, n, "\"body\":\"t"));
}

static void
raw_publish(struct conn *c, uint64_t due)
{
	(void)c;
	(void)due;
}

const struct adapter adapter_raw = {
	.name = "raw",
	.path = "/",
	.persists = false,
	.on_open = raw_open,
	.on_message = raw_message,
	.publish = raw_publish,
};
