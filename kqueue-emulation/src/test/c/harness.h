/* Minimal harness for the emulation's own white-box tests. */
#ifndef KQ_TEST_HARNESS_H
#define KQ_TEST_HARNESS_H

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <kqueue_emulation/event.h>

static int h_pass, h_fail, h_cur_failed;
static const char *h_cur;

#define CHECK(cond, ...) do { \
	if (!(cond)) { \
		char _m[512]; \
		snprintf(_m, sizeof _m, __VA_ARGS__); \
		printf("FAIL %s: line %d: `%s`: %s (errno %d)\n", h_cur, __LINE__, #cond, _m, errno); \
		fflush(stdout); \
		h_cur_failed = 1; \
		return; \
	} \
} while (0)

#define RUN(fn) h_run(#fn, fn)

static void h_run(const char *name, void (*fn)(void))
{
	h_cur = name;
	h_cur_failed = 0;
	fn();
	if (h_cur_failed) {
		h_fail++;
	} else {
		h_pass++;
		printf("ok %s\n", name);
	}
	fflush(stdout);
}

static int h_finish(void)
{
	printf("RESULT %d %d\n", h_pass, h_fail);
	fflush(stdout);
	return h_fail ? 1 : 0;
}

static inline long h_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

static inline void h_sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* one change, no eventlist: 0 or the errno */
static inline int kch(int kq, uintptr_t ident, int16_t filter, uint16_t flags, uint32_t fflags,
    intptr_t data, uintptr_t udata)
{
	struct kevent k;
	EV_SET(&k, ident, filter, flags, fflags, data, udata);
	struct timespec z = { 0, 0 };
	int r = kevent(kq, &k, 1, NULL, 0, &z);
	return r == 0 ? 0 : (r < 0 ? errno : -1000);
}

/* wait up to ms for events */
static inline int kwait(int kq, struct kevent *ev, int n, long ms)
{
	struct timespec t = { ms / 1000, (ms % 1000) * 1000000L };
	return kevent(kq, NULL, 0, ev, n, ms < 0 ? NULL : &t);
}

/* wait for a specific (ident, filter) event */
static inline int kwait_for(int kq, uintptr_t ident, int16_t filter, struct kevent *out, long ms)
{
	long end = h_now_ms() + ms;
	memset(out, 0, sizeof *out);
	for (;;) {
		long left = end - h_now_ms();
		if (left < 0)
			left = 0;
		struct kevent ev[16];
		int r = kwait(kq, ev, 16, left);
		if (r < 0)
			return -1;
		for (int i = 0; i < r; i++) {
			if (ev[i].ident == ident && ev[i].filter == filter) {
				*out = ev[i];
				return 1;
			}
		}
		if (left == 0)
			return 0;
	}
}

static inline int set_nonblock(int fd)
{
	return fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
}

/* TCP listener on 127.0.0.1, port returned through *port */
static inline int tcp_listener(int *port, int backlog)
{
	*port = 0;
	int s = socket(AF_INET, SOCK_STREAM, 0);
	int one = 1;
	setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	if (bind(s, (struct sockaddr *)&a, sizeof a) < 0 || listen(s, backlog) < 0)
		return -1;
	socklen_t l = sizeof a;
	getsockname(s, (struct sockaddr *)&a, &l);
	*port = ntohs(a.sin_port);
	return s;
}

static inline int tcp_connect(int port)
{
	int c = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port),
		.sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	if (connect(c, (struct sockaddr *)&a, sizeof a) < 0) {
		close(c);
		return -1;
	}
	return c;
}

/* connected TCP pair over loopback: sv[0] client, sv[1] accepted */
static inline int tcp_pair(int sv[2])
{
	int port;
	int l = tcp_listener(&port, 8);
	if (l < 0)
		return -1;
	sv[0] = tcp_connect(port);
	sv[1] = accept(l, NULL, NULL);
	close(l);
	return (sv[0] >= 0 && sv[1] >= 0) ? 0 : -1;
}

/* a port with nothing listening on it */
static inline int closed_port(void)
{
	int port = 0;
	int l = tcp_listener(&port, 1);
	close(l);
	return port;
}

/* a child that exits (status 5) once *release, the write end of a pipe, is closed */
static inline pid_t h_child_waiting(int *release)
{
	int p[2];
	if (pipe(p) < 0)
		return -1;
	pid_t pid = fork();
	if (pid == 0) {
		char c;
		close(p[1]);
		(void)!read(p[0], &c, 1);
		_exit(5);
	}
	close(p[0]);
	*release = p[1];
	return pid;
}

#endif
