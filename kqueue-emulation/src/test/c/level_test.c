/*
 * Level-triggered fd knotes (registered level-triggered in epoll, not re-queued after delivery):
 * repetition, once per call, pollability, other waiters, disabled and spurious-ready knotes must
 * not make epoll spin.
 */
#include "harness.h"

static long cpu_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

/* a quiet 200 ms wait: no event and (no busy loop) little CPU */
#define CHECK_QUIET(kq, what) do { \
	struct kevent _e; \
	long _c = cpu_ms(); \
	int _r = kwait(kq, &_e, 1, 200); \
	long _u = cpu_ms() - _c; \
	CHECK(_r == 0, "%s: unexpected event (r %d ident %ld filter %d)", what, _r, (long)_e.ident, _e.filter); \
	CHECK(_u < 60, "%s: %ld ms of CPU in a 200 ms wait (epoll spinning)", what, _u); \
} while (0)

static void t_level_repeats_and_stops(void)
{
	int sv[2];
	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0, "pair");
	int kq = kqueue();
	CHECK(kch(kq, sv[0], EVFILT_READ, EV_ADD, 0, 0, 0) == 0, "add");
	CHECK_QUIET(kq, "empty");
	CHECK(write(sv[1], "abc", 3) == 3, "write");
	struct kevent ev;
	for (int i = 0; i < 5; i++)
		CHECK(kwait(kq, &ev, 1, 1000) == 1 && ev.data == 3, "level %d: data %ld", i, (long)ev.data);
	/* an immediate timeout still sees it (nothing on the active queue any more) */
	struct timespec tiny = { 0, 1 };
	CHECK(kevent(kq, NULL, 0, &ev, 1, &tiny) == 1 && ev.data == 3, "1 ns timeout");
	char b[3];
	CHECK(read(sv[0], b, 3) == 3, "drain");
	CHECK_QUIET(kq, "drained");
	CHECK(write(sv[1], "z", 1) == 1, "write again");
	CHECK(kwait(kq, &ev, 1, 1000) == 1 && ev.data == 1, "again");
	close(kq);
	close(sv[0]);
	close(sv[1]);
}

static void t_level_once_per_call(void)
{
	int a[2], b[2];
	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, a) == 0 && socketpair(AF_UNIX, SOCK_STREAM, 0, b) == 0, "pairs");
	int kq = kqueue();
	CHECK(kch(kq, a[0], EVFILT_READ, EV_ADD, 0, 0, 0) == 0, "add a");
	CHECK(kch(kq, b[0], EVFILT_READ, EV_ADD, 0, 0, 0) == 0, "add b");
	CHECK(kch(kq, a[0], EVFILT_WRITE, EV_ADD, 0, 0, 0) == 0, "add a write");
	CHECK(write(a[1], "x", 1) == 1 && write(b[1], "yy", 2) == 2, "writes");
	for (int round = 0; round < 3; round++) {
		struct kevent ev[8];
		int n = kwait(kq, ev, 8, 1000);
		CHECK(n == 3, "round %d: %d events", round, n);
		for (int i = 0; i < n; i++)
			for (int j = i + 1; j < n; j++)
				CHECK(ev[i].ident != ev[j].ident || ev[i].filter != ev[j].filter,
				    "round %d: duplicate event", round);
	}
	/* one slot per call: the ready knotes rotate */
	int seen_a = 0, seen_b = 0, seen_w = 0;
	for (int i = 0; i < 6; i++) {
		struct kevent ev;
		CHECK(kwait(kq, &ev, 1, 1000) == 1, "single %d", i);
		if (ev.filter == EVFILT_WRITE)
			seen_w++;
		else if (ev.ident == (uintptr_t)a[0])
			seen_a++;
		else
			seen_b++;
	}
	CHECK(seen_a && seen_b && seen_w, "rotation a %d b %d w %d", seen_a, seen_b, seen_w);
	close(kq);
	close(a[0]);
	close(a[1]);
	close(b[0]);
	close(b[1]);
}

static void t_level_pollable(void)
{
	int sv[2];
	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0, "pair");
	int kq = kqueue(), outer = kqueue();
	CHECK(kch(kq, sv[0], EVFILT_READ, EV_ADD, 0, 0, 0) == 0, "add");
	CHECK(kch(outer, kq, EVFILT_READ, EV_ADD, 0, 0, 0) == 0, "nest");
	struct pollfd p = { .fd = kq, .events = POLLIN };
	CHECK(poll(&p, 1, 0) == 0, "idle kqueue not readable");
	CHECK(write(sv[1], "ab", 2) == 2, "write");
	CHECK(poll(&p, 1, 1000) == 1, "readable with data");
	struct kevent ev;
	CHECK(kwait(kq, &ev, 1, 0) == 1, "collect");
	CHECK(poll(&p, 1, 0) == 1, "still readable: level event still pending");
	CHECK(kwait_for(outer, kq, EVFILT_READ, &ev, 1000) == 1 && ev.data >= 1, "outer sees inner");
	char b[2];
	CHECK(read(sv[0], b, 2) == 2, "drain");
	CHECK(kwait(kq, &ev, 1, 0) == 0, "inner drained");
	CHECK(poll(&p, 1, 0) == 0, "not readable once drained");
	CHECK_QUIET(outer, "outer after drain");
	close(outer);
	close(kq);
	close(sv[0]);
	close(sv[1]);
}

struct waiter {
	int kq;
	int got;
};

static void *wait_thread(void *arg)
{
	struct waiter *w = arg;
	struct kevent ev;
	struct timespec t = { 3, 0 };
	w->got = kevent(w->kq, NULL, 0, &ev, 1, &t);
	return NULL;
}

static void t_level_wakes_all_waiters(void)
{
	int sv[2];
	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0, "pair");
	int kq = kqueue();
	CHECK(kch(kq, sv[0], EVFILT_READ, EV_ADD, 0, 0, 0) == 0, "add");
	struct waiter w[3];
	pthread_t th[3];
	for (int i = 0; i < 3; i++) {
		w[i].kq = kq;
		w[i].got = -2;
		pthread_create(&th[i], NULL, wait_thread, &w[i]);
	}
	h_sleep_ms(50);
	long t0 = h_now_ms();
	CHECK(write(sv[1], "x", 1) == 1, "write");
	for (int i = 0; i < 3; i++)
		pthread_join(th[i], NULL);
	long dt = h_now_ms() - t0;
	for (int i = 0; i < 3; i++)
		CHECK(w[i].got == 1, "waiter %d got %d", i, w[i].got);
	CHECK(dt < 1500, "waiters took %ld ms", dt);
	close(kq);
	close(sv[0]);
	close(sv[1]);
}

static void t_level_disabled_quiet(void)
{
	int sv[2];
	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0, "pair");
	int kq = kqueue();
	CHECK(kch(kq, sv[0], EVFILT_READ, EV_ADD, 0, 0, 0) == 0, "add read");
	CHECK(kch(kq, sv[0], EVFILT_WRITE, EV_ADD, 0, 0, 0) == 0, "add write");
	CHECK(write(sv[1], "abc", 3) == 3, "write");
	struct kevent ev[4];
	CHECK(kwait(kq, ev, 4, 1000) == 2, "both ready");
	CHECK(kch(kq, sv[0], EVFILT_READ, EV_DISABLE, 0, 0, 0) == 0, "disable read");
	CHECK(kch(kq, sv[0], EVFILT_WRITE, EV_DISABLE, 0, 0, 0) == 0, "disable write");
	CHECK_QUIET(kq, "disabled");
	struct pollfd p = { .fd = kq, .events = POLLIN };
	CHECK(poll(&p, 1, 0) == 0, "disabled: kqueue not readable");
	CHECK(kch(kq, sv[0], EVFILT_READ, EV_ENABLE, 0, 0, 0) == 0, "enable read");
	CHECK(kwait(kq, ev, 4, 1000) == 1 && ev[0].filter == EVFILT_READ && ev[0].data == 3, "read again");
	CHECK(kwait(kq, ev, 4, 1000) == 1 && ev[0].filter == EVFILT_READ, "read level");
	CHECK(kch(kq, sv[0], EVFILT_WRITE, EV_ENABLE, 0, 0, 0) == 0, "enable write");
	CHECK(kwait(kq, ev, 4, 1000) == 2, "both again");
	CHECK(kwait(kq, ev, 4, 1000) == 2, "both level");
	/* disabled at EV_ADD */
	CHECK(kch(kq, sv[1], EVFILT_WRITE, EV_ADD | EV_DISABLE, 0, 0, 0) == 0, "add disabled");
	CHECK(kch(kq, sv[0], EVFILT_READ, EV_DELETE, 0, 0, 0) == 0, "del read");
	CHECK(kch(kq, sv[0], EVFILT_WRITE, EV_DELETE, 0, 0, 0) == 0, "del write");
	CHECK_QUIET(kq, "added disabled");
	CHECK(kch(kq, sv[1], EVFILT_WRITE, EV_ENABLE, 0, 0, 0) == 0, "enable");
	CHECK(kwait(kq, ev, 4, 1000) == 1 && ev[0].ident == (uintptr_t)sv[1], "enabled fires");
	close(kq);
	close(sv[0]);
	close(sv[1]);
}

/* epoll says ready, the filter says no: must not spin, and must fire once the filter agrees */
static void t_level_spurious_quiet(void)
{
	int kq = kqueue();
	int s = socket(AF_INET, SOCK_STREAM, 0);        /* unconnected: EPOLLHUP (and EPOLLOUT) */
	CHECK(kch(kq, s, EVFILT_READ, EV_ADD, 0, 0, 0) == 0, "add read");
	CHECK(kch(kq, s, EVFILT_WRITE, EV_ADD, 0, 0, 0) == 0, "add write");
	CHECK_QUIET(kq, "unconnected socket");
	struct pollfd p = { .fd = kq, .events = POLLIN };
	struct kevent ev;
	CHECK(kwait(kq, &ev, 1, 0) == 0, "nothing");
	CHECK(poll(&p, 1, 0) == 0, "kqueue not readable");
	close(s);

	int sv[2];
	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0, "pair");
	CHECK(kch(kq, sv[0], EVFILT_READ, EV_ADD, NOTE_LOWAT, 10, 0) == 0, "add lowat");
	for (int round = 0; round < 2; round++) {
		CHECK(write(sv[1], "abc", 3) == 3, "write 3");
		CHECK_QUIET(kq, "below low-water");
		CHECK(write(sv[1], "defghij", 7) == 7, "write 7");
		CHECK(kwait(kq, &ev, 1, 1000) == 1 && ev.data == 10, "at low-water: data %ld", (long)ev.data);
		CHECK(kwait(kq, &ev, 1, 1000) == 1 && ev.data == 10, "level");
		char b[10];
		CHECK(read(sv[0], b, 10) == 10, "drain");
		CHECK_QUIET(kq, "drained");
	}
	close(kq);
	close(sv[0]);
	close(sv[1]);
}

/* peer close: EV_EOF stays reported for a level knote; the pipe write end with no reader too */
static void t_level_eof_repeats(void)
{
	int sv[2], p[2];
	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0 && pipe(p) == 0, "fds");
	int kq = kqueue();
	CHECK(kch(kq, sv[0], EVFILT_READ, EV_ADD, 0, 0, 0) == 0, "add");
	CHECK(kch(kq, p[1], EVFILT_WRITE, EV_ADD, 0, 0, 0) == 0, "add pipe write");
	struct kevent ev[4];
	CHECK(kwait(kq, ev, 4, 1000) == 1 && ev[0].ident == (uintptr_t)p[1], "pipe writable");
	close(sv[1]);
	close(p[0]);
	for (int i = 0; i < 3; i++) {
		int n = kwait(kq, ev, 4, 1000);
		CHECK(n == 2, "round %d: %d events", i, n);
		CHECK((ev[0].flags & EV_EOF) && (ev[1].flags & EV_EOF), "EOF flags 0x%x 0x%x", ev[0].flags, ev[1].flags);
	}
	close(kq);
	close(sv[0]);
	close(p[1]);
}

int main(void)
{
	signal(SIGPIPE, SIG_IGN);
	RUN(t_level_repeats_and_stops);
	RUN(t_level_once_per_call);
	RUN(t_level_pollable);
	RUN(t_level_wakes_all_waiters);
	RUN(t_level_disabled_quiet);
	RUN(t_level_spurious_quiet);
	RUN(t_level_eof_repeats);
	return h_finish();
}
