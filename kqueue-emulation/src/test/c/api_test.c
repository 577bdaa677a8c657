/* kevent()/kevent64() call rules: errors, receipts, flags, kinds, timeouts. */
#include "harness.h"

static void t_layout(void)
{
	CHECK(sizeof(struct kevent) == 32, "kevent size %zu", sizeof(struct kevent));
	CHECK(_Alignof(struct kevent) == 4, "kevent align");
	CHECK(sizeof(struct kevent64_s) == 48, "kevent64_s size");
	CHECK(EVFILT_USER == -10 && NOTE_USECONDS == 2 && NOTE_NSECONDS == 4 && NOTE_ABSOLUTE == 8, "consts");
}

static void t_kqueue_cloexec(void)
{
	int kq = kqueue();
	CHECK(kq >= 0, "kqueue");
	CHECK(fcntl(kq, F_GETFD) & FD_CLOEXEC, "kqueue fd must be close-on-exec");
	close(kq);
}

static void t_bad_fd(void)
{
	struct kevent ev;
	errno = 0;
	CHECK(kevent(-1, NULL, 0, &ev, 1, NULL) == -1 && errno == EBADF, "-1");
	int p[2];
	CHECK(pipe(p) == 0, "pipe");
	errno = 0;
	CHECK(kevent(p[0], NULL, 0, &ev, 1, NULL) == -1 && errno == EBADF, "pipe is not a kqueue");
	close(p[0]);
	close(p[1]);
	int kq = kqueue();
	close(kq);
	errno = 0;
	CHECK(kevent(kq, NULL, 0, &ev, 1, NULL) == -1 && errno == EBADF, "closed kqueue");
	errno = 0;
	CHECK(kevent64(1 << 28, NULL, 0, NULL, 0, 0, NULL) == -1 && errno == EBADF, "huge fd");
}

static void t_kind_fixed(void)
{
	int kq = kqueue();
	struct timespec z = { 0, 0 };
	CHECK(kevent(kq, NULL, 0, NULL, 0, &z) == 0, "first kevent");
	errno = 0;
	CHECK(kevent64(kq, NULL, 0, NULL, 0, 0, &z) == -1 && errno == EINVAL, "kevent64 after kevent");
	CHECK(kevent(kq, NULL, 0, NULL, 0, &z) == 0, "kevent still fine");
	close(kq);
	kq = kqueue();
	CHECK(kevent64(kq, NULL, 0, NULL, 0, 0, &z) == 0, "first kevent64");
	errno = 0;
	CHECK(kevent(kq, NULL, 0, NULL, 0, &z) == -1 && errno == EINVAL, "kevent after kevent64");
	close(kq);
}

static void t_private_flags(void)
{
	int kq = kqueue();
	struct kevent64_s ev;
	unsigned bad[] = { KEVENT_FLAG_WORKLOOP, KEVENT_FLAG_DYNAMIC_KQ_MUST_EXIST,
		KEVENT_FLAG_DYNAMIC_KQ_MUST_NOT_EXIST };
	for (unsigned i = 0; i < 3; i++) {
		errno = 0;
		CHECK(kevent64(kq, NULL, 0, &ev, 1, bad[i] | KEVENT_FLAG_IMMEDIATE, NULL) == -1 && errno == EINVAL,
		    "flag 0x%x", bad[i]);
	}
	CHECK(kevent64(kq, NULL, 0, &ev, 1, KEVENT_FLAG_IMMEDIATE, NULL) == 0, "immediate");
	close(kq);
}

static void t_timeout_validation(void)
{
	int kq = kqueue();
	struct kevent ch, ev;
	EV_SET(&ch, 1, EVFILT_USER, EV_ADD, 0, 0, 0);
	struct timespec bad[] = { { -1, 0 }, { 0, -1 }, { 0, 1000000001 }, { (time_t)INT32_MAX + 1, 0 } };
	for (unsigned i = 0; i < 4; i++) {
		errno = 0;
		CHECK(kevent(kq, &ch, 1, &ev, 1, &bad[i]) == -1 && errno == EINVAL, "bad timespec %u", i);
	}
	/* checked before applying the change: the knote must not exist */
	EV_SET(&ch, 1, EVFILT_USER, 0, NOTE_TRIGGER, 0, 0);
	struct timespec z = { 0, 0 };
	CHECK(kevent(kq, &ch, 1, &ev, 1, &z) == 1 && (ev.flags & EV_ERROR) && ev.data == ENOENT, "not added");
	struct timespec ok = { 0, 1000000000 };
	CHECK(kevent(kq, NULL, 0, &ev, 1, &ok) == 0, "tv_nsec == 1e9 accepted");
	close(kq);
}

static void t_immediate_ignores_timeout(void)
{
	int kq = kqueue();
	struct kevent64_s ev;
	struct timespec bad = { -5, -5 };
	long t0 = h_now_ms();
	CHECK(kevent64(kq, NULL, 0, &ev, 1, KEVENT_FLAG_IMMEDIATE, &bad) == 0, "timeout not read");
	CHECK(h_now_ms() - t0 < 100, "did not block");
	close(kq);
}

static void t_error_records(void)
{
	int kq = kqueue();
	struct kevent ch[4], ev[4];
	EV_SET(&ch[0], 1, 0, EV_ADD, 0, 0, 0x11);                  /* filter 0 */
	EV_SET(&ch[1], 1, -40, EV_ADD, 0, 0, 0x12);                /* out of range */
	EV_SET(&ch[2], 7, EVFILT_USER, EV_ENABLE, 0, 0, 0x13);     /* ENOENT */
	EV_SET(&ch[3], 999999, EVFILT_READ, EV_ADD | EV_CLEAR, 0, 0, 0x14); /* EBADF */
	int r = kevent(kq, ch, 4, ev, 4, NULL);
	CHECK(r == 4, "r %d", r);
	CHECK(ev[0].data == EINVAL && ev[0].udata == (void *)0x11 && (ev[0].flags & (EV_ERROR | EV_ADD)) == (EV_ERROR | EV_ADD), "filter 0");
	CHECK(ev[1].data == EINVAL && ev[1].filter == -40, "out of range");
	CHECK(ev[2].data == ENOENT && ev[2].ident == 7 && ev[2].flags == (EV_ENABLE | EV_ERROR), "enoent flags 0x%x", ev[2].flags);
	CHECK(ev[3].data == EBADF && (ev[3].flags & EV_CLEAR), "ebadf");
	/* unsupported filter with EV_ADD */
	CHECK(kch(kq, 1, EVFILT_MACHPORT, EV_ADD, 0, 0, 0) == ENOTSUP, "machport");
	CHECK(kch(kq, 1, EVFILT_AIO, EV_ADD, 0, 0, 0) == ENOTSUP, "aio");
	CHECK(kch(kq, 1, EVFILT_MACHPORT, EV_DELETE, 0, 0, 0) == ENOENT, "machport delete");
	CHECK(kch(kq, 0, EVFILT_SIGNAL, EV_ADD, 0, 0, 0) == EINVAL, "signal 0");
	CHECK(kch(kq, 0x7fffffff, EVFILT_PROC, EV_ADD, NOTE_EXIT, 0, 0) == ESRCH, "missing pid");
	close(kq);
}

static void t_error_no_room(void)
{
	int kq = kqueue();
	struct kevent ch[3], ev[1];
	EV_SET(&ch[0], 1, EVFILT_USER, EV_DELETE, 0, 0, 0);        /* ENOENT, goes to ev[0] */
	EV_SET(&ch[1], 2, EVFILT_USER, EV_DELETE, 0, 0, 0);        /* ENOENT, no room -> -1 */
	EV_SET(&ch[2], 3, EVFILT_USER, EV_ADD, 0, 0, 0);           /* never applied */
	errno = 0;
	CHECK(kevent(kq, ch, 3, ev, 1, NULL) == -1 && errno == ENOENT, "-1/ENOENT");
	CHECK(kch(kq, 3, EVFILT_USER, EV_DELETE, 0, 0, 0) == ENOENT, "third change not applied");
	/* nevents 0: first error fails the call */
	errno = 0;
	CHECK(kevent(kq, ch, 1, NULL, 0, NULL) == -1 && errno == ENOENT, "nevents 0");
	close(kq);
}

static void t_receipt(void)
{
	int kq = kqueue();
	struct kevent ch[3], ev[3];
	EV_SET(&ch[0], 1, EVFILT_USER, EV_ADD | EV_RECEIPT, NOTE_TRIGGER, 0, 1);
	EV_SET(&ch[1], 2, EVFILT_USER, EV_ADD | EV_RECEIPT, 0, 0, 2);
	EV_SET(&ch[2], 3, EVFILT_USER, EV_ADD | EV_RECEIPT, 0, 0, 3);
	/* room for one receipt: the other successful receipts are dropped, processing continues */
	int r = kevent(kq, ch, 3, ev, 1, NULL);
	CHECK(r == 1 && ev[0].ident == 1 && ev[0].data == 0, "r %d", r);
	CHECK(ev[0].flags == (EV_ADD | EV_RECEIPT | EV_ERROR), "flags 0x%x", ev[0].flags);
	CHECK(kch(kq, 3, EVFILT_USER, 0, NOTE_TRIGGER, 0, 3) == 0, "3 was added");
	/* pending events are not collected when a record was written */
	EV_SET(&ch[0], 9, EVFILT_USER, EV_ADD | EV_RECEIPT, 0, 0, 0);
	r = kevent(kq, ch, 1, ev, 3, NULL);
	CHECK(r == 1 && ev[0].ident == 9, "only the receipt");
	r = kwait(kq, ev, 3, 0);
	CHECK(r == 2, "pending r %d", r);
	close(kq);
}

static void t_error_events_flag(void)
{
	int kq = kqueue();
	struct kevent64_s ch[2], ev[2];
	EV_SET64(&ch[0], 1, EVFILT_USER, EV_ADD, NOTE_TRIGGER, 0, 0, 0, 0);
	EV_SET64(&ch[1], 2, EVFILT_USER, EV_DELETE, 0, 0, 0, 0, 0);
	long t0 = h_now_ms();
	int r = kevent64(kq, ch, 2, ev, 2, KEVENT_FLAG_ERROR_EVENTS, NULL);
	CHECK(r == 1 && ev[0].ident == 2 && ev[0].data == ENOENT, "r %d", r);
	r = kevent64(kq, NULL, 0, ev, 2, KEVENT_FLAG_ERROR_EVENTS, NULL);
	CHECK(r == 0 && h_now_ms() - t0 < 100, "never scans, never blocks");
	r = kevent64(kq, NULL, 0, ev, 2, KEVENT_FLAG_IMMEDIATE, NULL);
	CHECK(r == 1 && ev[0].ident == 1, "still pending");
	close(kq);
}

static void t_negative_counts(void)
{
	int kq = kqueue();
	struct kevent ch, ev;
	EV_SET(&ch, 1, EVFILT_USER, EV_ADD, NOTE_TRIGGER, 0, 0);
	struct timespec z = { 0, 0 };
	CHECK(kevent(kq, &ch, -1, &ev, 1, &z) == 0, "nchanges<0 applies nothing");
	CHECK(kch(kq, 1, EVFILT_USER, 0, NOTE_TRIGGER, 0, 0) == ENOENT, "not added");
	close(kq);
	kq = kqueue();
	long t0 = h_now_ms();
	CHECK(kevent(kq, &ch, 1, &ev, -5, NULL) == 0, "nevents<0 behaves as 0 (no block)");
	CHECK(h_now_ms() - t0 < 100, "no block");
	close(kq);
}

static void t_sysflags_stripped(void)
{
	int kq = kqueue();
	struct kevent ch, ev;
	EV_SET(&ch, 1, EVFILT_USER, EV_ADD | EV_CLEAR | EV_EOF | EV_ERROR | EV_FLAG0, NOTE_TRIGGER, 0, 0);
	CHECK(kevent(kq, &ch, 1, NULL, 0, NULL) == 0, "add");
	CHECK(kwait(kq, &ev, 1, 0) == 1, "event");
	CHECK(ev.flags == (EV_ADD | EV_CLEAR), "flags 0x%x", ev.flags);
	close(kq);
}

static void t_delete_wins_disable_wins(void)
{
	int kq = kqueue();
	struct kevent ch, ev;
	EV_SET(&ch, 1, EVFILT_USER, EV_ADD | EV_DELETE | EV_RECEIPT, 0, 0, 0);
	CHECK(kevent(kq, &ch, 1, &ev, 1, NULL) == 1 && ev.data == ENOENT, "add|delete on missing -> ENOENT");
	CHECK(ev.flags == (EV_DELETE | EV_RECEIPT | EV_ERROR), "EV_ADD stripped: 0x%x", ev.flags);
	CHECK(kch(kq, 1, EVFILT_USER, EV_ADD | EV_ENABLE | EV_DISABLE, NOTE_TRIGGER, 0, 0) == 0, "add disabled");
	CHECK(kwait(kq, &ev, 1, 0) == 0, "disabled wins");
	CHECK(kch(kq, 1, EVFILT_USER, EV_ENABLE, 0, 0, 0) == 0, "enable");
	CHECK(kwait(kq, &ev, 1, 0) == 1, "now delivered");
	CHECK(ev.flags == (EV_ADD | EV_DISABLE), "stored flags 0x%x", ev.flags);
	close(kq);
}

static void t_same_array(void)
{
	int kq = kqueue();
	struct kevent a[3];
	EV_SET(&a[0], 1, EVFILT_USER, EV_ADD | EV_RECEIPT, 0, 0, 1);
	EV_SET(&a[1], 2, EVFILT_USER, EV_ADD | EV_RECEIPT, 0, 0, 2);
	EV_SET(&a[2], 3, EVFILT_USER, EV_DELETE, 0, 0, 3);
	int r = kevent(kq, a, 3, a, 3, NULL);
	CHECK(r == 3, "r %d", r);
	CHECK(a[0].ident == 1 && a[1].ident == 2 && a[2].ident == 3 && a[2].data == ENOENT, "records");
	close(kq);
}

static void t_udata_ext_roundtrip(void)
{
	int kq = kqueue();
	struct kevent64_s ch, ev;
	EV_SET64(&ch, 5, EVFILT_USER, EV_ADD, NOTE_TRIGGER, 0, 0xdeadbeefcafef00dull, 111, 222);
	CHECK(kevent64(kq, &ch, 1, NULL, 0, 0, NULL) == 0, "add");
	CHECK(kevent64(kq, NULL, 0, &ev, 1, KEVENT_FLAG_IMMEDIATE, NULL) == 1, "ev");
	CHECK(ev.udata == 0xdeadbeefcafef00dull && ev.ext[0] == 111 && ev.ext[1] == 222, "udata/ext");
	EV_SET64(&ch, 5, EVFILT_USER, 0, NOTE_TRIGGER, 0, 7, 333, 444);
	CHECK(kevent64(kq, &ch, 1, NULL, 0, 0, NULL) == 0, "modify");
	CHECK(kevent64(kq, NULL, 0, &ev, 1, KEVENT_FLAG_IMMEDIATE, NULL) == 1, "ev2");
	CHECK(ev.udata == 7 && ev.ext[0] == 111 && ev.ext[1] == 222, "udata replaced, ext kept");
	close(kq);
}

static void t_rotation(void)
{
	int kq = kqueue();
	for (int i = 0; i < 4; i++)
		CHECK(kch(kq, i, EVFILT_USER, EV_ADD, NOTE_TRIGGER, 0, 0) == 0, "add");
	int seen[4] = { 0 };
	struct kevent ev;
	for (int i = 0; i < 8; i++) {
		CHECK(kwait(kq, &ev, 1, 0) == 1, "one");
		seen[ev.ident]++;
	}
	for (int i = 0; i < 4; i++)
		CHECK(seen[i] == 2, "level-triggered knotes rotate: %d seen %d", i, seen[i]);
	close(kq);
}

static void t_timeout_waits(void)
{
	int kq = kqueue();
	struct kevent ev;
	long t0 = h_now_ms();
	CHECK(kwait(kq, &ev, 1, 120) == 0, "timeout");
	long dt = h_now_ms() - t0;
	CHECK(dt >= 110 && dt < 1000, "waited %ld", dt);
	close(kq);
}

static void h_sig(int s) { (void)s; }

static void t_eintr(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = h_sig;
	sa.sa_flags = SA_RESTART;
	sigaction(SIGALRM, &sa, NULL);
	int kq = kqueue();
	struct kevent ch, ev;
	EV_SET(&ch, 1, EVFILT_USER, EV_ADD, 0, 0, 0);
	alarm(1);
	errno = 0;
	int r = kevent(kq, &ch, 1, &ev, 1, NULL);
	int e = errno;
	alarm(0);
	CHECK(r == -1 && e == EINTR, "r %d errno %d", r, e);
	CHECK(kch(kq, 1, EVFILT_USER, 0, NOTE_TRIGGER, 0, 0) == 0, "change applied before the wait");
	close(kq);
}

static void t_many_knotes(void)
{
	int kq = kqueue();
	enum { N = 20000 };
	for (int i = 0; i < N; i++)
		CHECK(kch(kq, i, EVFILT_USER, EV_ADD | EV_CLEAR, 0, 0, 0) == 0, "add %d", i);
	/* per-call cost must not depend on the number of knotes */
	struct kevent ev;
	long t0 = h_now_ms();
	for (int i = 0; i < 20000; i++) {
		CHECK(kch(kq, i, EVFILT_USER, 0, NOTE_TRIGGER, 0, 0) == 0, "trigger");
		CHECK(kwait(kq, &ev, 1, 0) == 1 && ev.ident == (uintptr_t)i, "event %d", i);
	}
	long dt = h_now_ms() - t0;
	CHECK(dt < 5000, "20000 trigger+collect took %ld ms", dt);
	for (int i = 0; i < N; i++)
		CHECK(kch(kq, i, EVFILT_USER, EV_DELETE, 0, 0, 0) == 0, "del %d", i);
	close(kq);
}

static void t_kqueue_pollable_and_nested(void)
{
	int kq = kqueue(), outer = kqueue();
	struct pollfd p = { .fd = kq, .events = POLLIN };
	CHECK(poll(&p, 1, 0) == 0, "empty kqueue not readable");
	CHECK(kch(outer, kq, EVFILT_READ, EV_ADD, 0, 0, 0) == 0, "kqueue in kqueue");
	CHECK(kch(outer, kq, EVFILT_WRITE, EV_ADD, 0, 0, 0) == EINVAL, "write filter on kqueue -> EINVAL");
	struct kevent ev;
	CHECK(kwait(outer, &ev, 1, 0) == 0, "outer quiet");
	CHECK(kch(kq, 1, EVFILT_USER, EV_ADD, NOTE_TRIGGER, 0, 0) == 0, "trigger inner");
	CHECK(poll(&p, 1, 1000) == 1, "kqueue readable with a pending event");
	CHECK(kwait_for(outer, kq, EVFILT_READ, &ev, 1000) == 1, "outer sees inner");
	CHECK(ev.data >= 1, "data %ld", (long)ev.data);
	close(outer);
	close(kq);
}

int main(void)
{
	signal(SIGPIPE, SIG_IGN);
	RUN(t_layout);
	RUN(t_kqueue_cloexec);
	RUN(t_bad_fd);
	RUN(t_kind_fixed);
	RUN(t_private_flags);
	RUN(t_timeout_validation);
	RUN(t_immediate_ignores_timeout);
	RUN(t_error_records);
	RUN(t_error_no_room);
	RUN(t_receipt);
	RUN(t_error_events_flag);
	RUN(t_negative_counts);
	RUN(t_sysflags_stripped);
	RUN(t_delete_wins_disable_wins);
	RUN(t_same_array);
	RUN(t_udata_ext_roundtrip);
	RUN(t_rotation);
	RUN(t_timeout_waits);
	RUN(t_eintr);
	RUN(t_many_knotes);
	RUN(t_kqueue_pollable_and_nested);
	return h_finish();
}
