/*
 * target.c: the server under test as a child process, pinned to its own
 * core (LG_SERVER_CORE) before exec, and what /proc says about it:
 * resident memory and CPU time. The generator itself runs on LG_GEN_CORE.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lg.h"

pid_t target_pid = -1;
const char *target_log = "/dev/null";

pid_t
target_spawn(char *const argv[])
{
	pid_t pid = fork();

	if (pid < 0) {
		perror("fork");
		exit(2);
	}
	if (pid == 0) {
		cpu_set_t set;
		int log = open(target_log, O_WRONLY | O_CREAT | O_APPEND, 0600);

		if (log >= 0) {
			dup2(log, 1);
			dup2(log, 2);
			close(log);
		}
		CPU_ZERO(&set);
		CPU_SET(LG_SERVER_CORE, &set);
		sched_setaffinity(0, sizeof(set), &set);
		execvp(argv[0], argv);
		perror(argv[0]);
		_exit(127);
	}
	target_pid = pid;
	return pid;
}

int
target_wait_port(int port, int timeout_ms)
{
	int i;

	for (i = 0; i < timeout_ms / 20; i++) {
		struct sockaddr_in sa = { 0 };
		int fd = socket(AF_INET, SOCK_STREAM, 0), rc;
		struct timespec ts = { 0, 20 * 1000000L };

		sa.sin_family = AF_INET;
		sa.sin_port = htons((uint16_t)port);
		inet_pton(AF_INET, lg_host, &sa.sin_addr);
		rc = connect(fd, (struct sockaddr *)&sa, sizeof(sa));
		close(fd);
		if (rc == 0)
			return 0;
		if (target_pid > 0 && waitpid(target_pid, NULL, WNOHANG) ==
		    target_pid) {
			target_pid = -1;
			return -1;
		}
		nanosleep(&ts, NULL);
	}
	return -1;
}

void
target_kill(int sig)
{
	if (target_pid <= 0)
		return;
	kill(target_pid, sig);
	waitpid(target_pid, NULL, 0);
	target_pid = -1;
}

long
target_rss_kib(void)
{
	char path[64], line[256];
	long kib = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)target_pid);
	f = fopen(path, "r");
	if (f == NULL)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "VmRSS: %ld", &kib) == 1)
			break;
	fclose(f);
	return kib;
}

uint64_t
target_cpu_ns(void)
{
	char path[64], buf[1024], *p;
	unsigned long ut = 0, st = 0;
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)target_pid);
	f = fopen(path, "r");
	if (f == NULL)
		return 0;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	p = strrchr(buf, ')');
	if (p == NULL || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u "
				"%*u %*u %lu %lu", &ut, &st) != 2)
		return 0;
	return (uint64_t)(ut + st) * (1000000000ull /
				      (uint64_t)sysconf(_SC_CLK_TCK));
}

uint64_t
self_cpu_ns(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (uint64_t)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) *
		       1000000000ull +
	       (uint64_t)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1000ull;
}
