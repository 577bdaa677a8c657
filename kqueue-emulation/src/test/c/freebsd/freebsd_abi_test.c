/*
 * libkqueue-emulation-freebsd.so: FreeBSD 12+'s kevent ABI (64-byte records, ext[4], its
 * constants) and the places where FreeBSD's kern_event.c differs from xnu's.
 */
#include "harness.h"

_Static_assert(sizeof(struct kevent) == 64, "FreeBSD 12+ struct kevent");
_Static_assert(EVFILT_USER == -11 && EVFILT_EMPTY == -13, "FreeBSD filter numbers");

static void t_record_layout_and_ext(void)
{
	int kq = kqueue();
	struct kevent c, ev;
	EV_SET(&c, 5, EVFILT_USER, EV_ADD | EV_CLEAR, NOTE_TRIGGER, 7, 0x99);
	c.ext[0] = 1;
	c.ext[1] = 2;
	c.ext[2] = 3;
	c.ext[3] = 4;
	struct timespec z = { 0, 0 };
	int r = kevent(kq, &c, 1, &ev, 1, &z);
	close(kq);
	CHECK(r == 1 && ev.ident == 5 && ev.filter == EVFILT_USER && ev.udata == (void *)0x99, "r %d", r);
	CHECK(ev.flags == EV_CLEAR, "returned flags 0x%x: FreeBSD keeps no EV_ADD", ev.flags);
	CHECK(ev.ext[0] == 1 && ev.ext[1] == 2 && ev.ext[2] == 3 && ev.ext[3] == 4, "ext passed through");
}

static void t_error_records(void)
{
	int kq = kqueue();
	struct kevent c[3], ev[3];
	EV_SET(&c[0], 1, EVFILT_USER, EV_ADD | EV_RECEIPT, 0, 0, 0);
	EV_SET(&c[1], 0, 0, EV_ADD, 0, 0, 0);           /* filter 0: skipped */
	EV_SET(&c[2], 999999, EVFILT_READ, EV_ADD, 0, 0, 0x5);
	struct timespec z = { 0, 0 };
	int r = kevent(kq, c, 3, ev, 3, &z);
	CHECK(r == 2, "records %d", r);
	CHECK(ev[0].flags == EV_ERROR && ev[0].data == 0, "receipt flags 0x%x data %ld", ev[0].flags, (long)ev[0].data);
	CHECK(ev[1].flags == EV_ERROR && ev[1].data == EBADF && ev[1].udata == (void *)0x5, "error flags 0x%x data %ld", ev[1].flags, (long)ev[1].data);
	CHECK(kch(kq, 1, EVFILT_USER, EV_ENABLE | EV_DISABLE, 0, 0, 0) == EINVAL, "EV_ENABLE|EV_DISABLE");
	close(kq);
}

static void t_fd_checked_before_lookup(void)
{
	int kq = kqueue(), p[2];
	CHECK(pipe(p) == 0, "pipe");
	CHECK(kch(kq, p[0], EVFILT_READ, EV_ADD, 0, 0, 0) == 0, "add");
	close(p[0]);
	int e = kch(kq, p[0], EVFILT_READ, EV_DELETE, 0, 0, 0);
	close(p[1]);
	close(kq);
	CHECK(e == EBADF, "delete after close -> %d (FreeBSD: EBADF)", e);
}

static void t_timer_units_and_counts(void)
{
	int kq = kqueue();
	CHECK(kch(kq, 1, EVFILT_TIMER, EV_ADD, 0x20, 10, 0) == EINVAL, "unknown fflags bit");
	CHECK(kch(kq, 1, EVFILT_TIMER, EV_ADD, 0, -1, 0) == EINVAL, "negative period");
	CHECK(kch(kq, 1, EVFILT_TIMER, EV_ADD, NOTE_SECONDS | NOTE_MSECONDS, 1, 0) == EINVAL, "two units");
	/* NOTE_NSECONDS is 0x8 here (Darwin's NOTE_ABSOLUTE): 5 ms periodic */
	CHECK(kch(kq, 1, EVFILT_TIMER, EV_ADD, NOTE_NSECONDS, 5000000, 0) == 0, "ns timer");
	h_sleep_ms(60);
	struct kevent ev;
	int r = kwait(kq, &ev, 1, 1000);
	CHECK(r == 1 && ev.data >= 5 && ev.fflags == 0 && (ev.flags & EV_CLEAR), "r %d count %ld fflags 0x%x", r, (long)ev.data, ev.fflags);
	/* a disabled timer keeps counting; the enable reports the expirations */
	CHECK(kch(kq, 1, EVFILT_TIMER, EV_DISABLE, 0, 0, 0) == 0, "disable");
	h_sleep_ms(40);
	CHECK(kwait(kq, &ev, 1, 0) == 0, "disabled");
	CHECK(kch(kq, 1, EVFILT_TIMER, EV_ENABLE, 0, 0, 0) == 0, "enable");
	r = kwait(kq, &ev, 1, 1000);
	CHECK(r == 1 && ev.data >= 4, "after enable: r %d count %ld", r, (long)ev.data);
	CHECK(kch(kq, 1, EVFILT_TIMER, EV_DELETE, 0, 0, 0) == 0, "delete");
	/* data 0 with EV_ONESHOT fires at once; NOTE_MSECONDS is 0x2 */
	CHECK(kch(kq, 2, EVFILT_TIMER, EV_ADD | EV_ONESHOT, NOTE_MSECONDS, 0, 0) == 0, "oneshot 0");
	r = kwait(kq, &ev, 1, 1000);
	CHECK(r == 1 && ev.ident == 2 && ev.data == 1, "oneshot: r %d data %ld", r, (long)ev.data);
	close(kq);
}

static void t_user_clear_on_modify_untriggers(void)
{
	int kq = kqueue();
	CHECK(kch(kq, 3, EVFILT_USER, EV_ADD | EV_CLEAR, 0, 0, 0) == 0, "add");
	CHECK(kch(kq, 3, EVFILT_USER, EV_CLEAR, NOTE_TRIGGER, 0, 0) == 0, "trigger with EV_CLEAR");
	struct kevent ev;
	CHECK(kwait(kq, &ev, 1, 30) == 0, "FreeBSD: the EV_CLEAR of the modify un-triggered it");
	CHECK(kch(kq, 3, EVFILT_USER, 0, NOTE_TRIGGER, 0, 0) == 0, "trigger");
	CHECK(kwait(kq, &ev, 1, 100) == 1, "triggered");
	close(kq);
}

static void t_keepudata_forceoneshot(void)
{
	int kq = kqueue();
	CHECK(kch(kq, 4, EVFILT_USER, EV_ADD | EV_KEEPUDATA, 0, 0, 0) == EINVAL, "EV_KEEPUDATA with EV_ADD");
	CHECK(kch(kq, 4, EVFILT_USER, EV_ADD, 0, 0, 0x10) == 0, "add");
	CHECK(kch(kq, 4, EVFILT_USER, EV_KEEPUDATA, NOTE_TRIGGER, 0, 0x20) == 0, "trigger keeping udata");
	CHECK(kch(kq, 4, EVFILT_USER, EV_FORCEONESHOT | EV_KEEPUDATA, 0, 0, 0x30) == 0, "force oneshot");
	struct kevent ev;
	int r = kwait(kq, &ev, 1, 100);
	int e = kch(kq, 4, EVFILT_USER, EV_DELETE, 0, 0, 0);
	close(kq);
	CHECK(r == 1 && ev.udata == (void *)0x10 && (ev.flags & EV_ONESHOT), "r %d udata %p flags 0x%x", r, ev.udata, ev.flags);
	CHECK(e == ENOENT, "oneshot knote still there: %d", e);
}

static void t_timeout_rules(void)
{
	int kq = kqueue();
	struct kevent ev;
	struct timespec bad = { 0, 1000000000L }, far = { (time_t)INT32_MAX + 1, 0 };
	errno = 0;
	int r = kevent(kq, NULL, 0, &ev, 1, &bad);
	CHECK(r == -1 && errno == EINVAL, "tv_nsec 1e9: r %d errno %d", r, errno);
	CHECK(kch(kq, 6, EVFILT_USER, EV_ADD, NOTE_TRIGGER, 0, 0) == 0, "add");
	CHECK(kevent(kq, NULL, 0, &ev, 1, &far) == 1, "tv_sec beyond INT32_MAX waits (forever), not EINVAL");
	close(kq);
}

static void t_empty_on_tcp(void)
{
	int sv[2], p[2];
	CHECK(tcp_pair(sv) == 0 && pipe(p) == 0, "fds");
	int kq = kqueue();
	CHECK(kch(kq, p[1], EVFILT_EMPTY, EV_ADD, 0, 0, 0) == EINVAL, "pipe: no EVFILT_EMPTY");
	CHECK(write(sv[0], "hello", 5) == 5, "write");
	CHECK(kch(kq, sv[0], EVFILT_EMPTY, EV_ADD | EV_CLEAR, 0, 0, 0) == 0, "add");
	struct kevent ev;
	int r = 0;
	for (int i = 0; i < 100 && r == 0; i++)
		r = kwait(kq, &ev, 1, 10);
	close(sv[0]);
	close(sv[1]);
	close(p[0]);
	close(p[1]);
	close(kq);
	CHECK(r == 1 && ev.filter == EVFILT_EMPTY && ev.data == 0, "r %d data %ld", r, (long)ev.data);
}

static void t_proc_zombie_reported(void)
{
	int kq = kqueue();
	pid_t pid = fork();
	if (pid == 0)
		_exit(3);
	siginfo_t si;
	memset(&si, 0, sizeof si);
	CHECK(waitid(P_PID, (id_t)pid, &si, WEXITED | WNOWAIT) == 0, "zombie");
	int e = kch(kq, pid, EVFILT_PROC, EV_ADD, NOTE_EXIT, 0, 0);
	struct kevent ev;
	int r = e == 0 ? kwait(kq, &ev, 1, 1000) : -1;
	waitpid(pid, NULL, 0);
	close(kq);
	CHECK(e == 0, "FreeBSD attaches to a zombie: %d", e);
	CHECK(r == 1 && (ev.fflags & NOTE_EXIT) && ev.data == (3 << 8), "r %d fflags 0x%x data %ld", r, ev.fflags, (long)ev.data);
}

int main(void)
{
	signal(SIGPIPE, SIG_IGN);
	RUN(t_record_layout_and_ext);
	RUN(t_error_records);
	RUN(t_fd_checked_before_lookup);
	RUN(t_timer_units_and_counts);
	RUN(t_user_clear_on_modify_untriggers);
	RUN(t_keepudata_forceoneshot);
	RUN(t_timeout_rules);
	RUN(t_empty_on_tcp);
	RUN(t_proc_zombie_reported);
	return h_finish();
}
