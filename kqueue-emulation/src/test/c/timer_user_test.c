/* EVFILT_TIMER (Darwin units/semantics) and EVFILT_USER. */
#include "harness.h"
#include <sys/time.h>

static void t_timer_validation(void)
{
	int kq = kqueue();
	CHECK(kch(kq, 1, EVFILT_TIMER, EV_ADD, NOTE_SECONDS | NOTE_USECONDS, 1, 0) == EINVAL, "two units");
	CHECK(kch(kq, 1, EVFILT_TIMER, EV_ADD, NOTE_NSECONDS | NOTE_MACHTIME, 1, 0) == EINVAL, "two units");
	CHECK(kch(kq, 1, EVFILT_TIMER, EV_ADD, NOTE_SECONDS, INTPTR_MAX / 10, 0) == ERANGE, "overflow");
	CHECK(kch(kq, 1, EVFILT_TIMER, EV_ADD, 0, 100000, 0) == 0, "ok");
	CHECK(kch(kq, 1, EVFILT_TIMER, EV_ADD, NOTE_SECONDS | NOTE_USECONDS, 1, 0) == EINVAL, "bad modify");
	CHECK(kch(kq, 1, EVFILT_TIMER, EV_ADD, NOTE_ABSOLUTE, 1, 0) == EINVAL, "NOTE_ABSOLUTE change");
	close(kq);
}

static void t_timer_flags_data(void)
{
	int kq = kqueue();
	CHECK(kch(kq, 7, EVFILT_TIMER, EV_ADD, NOTE_USECONDS, 20000, 0x5) == 0, "20ms periodic");
	h_sleep_ms(110);
	struct kevent ev;
	CHECK(kwait(kq, &ev, 1, 1000) == 1, "fired");
	CHECK(ev.flags == (EV_ADD | EV_CLEAR) && ev.fflags == 0 && ev.udata == (void *)0x5, "flags 0x%x fflags %u", ev.flags, ev.fflags);
	CHECK(ev.data >= 4 && ev.data <= 7, "intervals elapsed %ld", (long)ev.data);
	CHECK(kwait(kq, &ev, 1, 1000) == 1 && ev.data >= 1 && ev.data <= 2, "next %ld", (long)ev.data);
	close(kq);
}

static void t_timer_oneshot_absolute(void)
{
	int kq = kqueue();
	struct timeval tv;
	gettimeofday(&tv, NULL);
	int64_t dl_us = (int64_t)tv.tv_sec * 1000000 + tv.tv_usec + 50000;
	long t0 = h_now_ms();
	CHECK(kch(kq, 3, EVFILT_TIMER, EV_ADD, NOTE_ABSOLUTE | NOTE_USECONDS, dl_us, 0) == 0, "abs");
	struct kevent ev;
	CHECK(kwait(kq, &ev, 1, 2000) == 1 && ev.ident == 3, "fired");
	long dt = h_now_ms() - t0;
	CHECK(dt >= 40 && dt < 1000, "after %ld ms", dt);
	CHECK((ev.flags & (EV_ONESHOT | EV_CLEAR)) == (EV_ONESHOT | EV_CLEAR) && ev.data == 1, "flags 0x%x data %ld", ev.flags, (long)ev.data);
	CHECK(kch(kq, 3, EVFILT_TIMER, EV_DELETE, 0, 0, 0) == ENOENT, "deleted after delivery");
	close(kq);
}

static void t_timer_disable_rearms(void)
{
	int kq = kqueue();
	CHECK(kch(kq, 1, EVFILT_TIMER, EV_ADD, 0, 30, 0) == 0, "add");
	h_sleep_ms(80);
	/* disable re-arms from this change's data, dropping the pending expiry */
	CHECK(kch(kq, 1, EVFILT_TIMER, EV_DISABLE, 0, 200, 0) == 0, "disable");
	struct kevent ev;
	CHECK(kwait(kq, &ev, 1, 0) == 0, "pending expiry dropped");
	long t0 = h_now_ms();
	CHECK(kch(kq, 1, EVFILT_TIMER, EV_ENABLE, 0, 60, 0) == 0, "enable 60ms");
	CHECK(kwait(kq, &ev, 1, 2000) == 1, "fires");
	long dt = h_now_ms() - t0;
	CHECK(dt >= 50 && dt < 1000, "re-armed at enable: %ld ms", dt);
	CHECK(kch(kq, 1, EVFILT_TIMER, EV_ENABLE, 0, 0, 0) == 0, "enable with data 0");
	CHECK(kwait(kq, &ev, 1, 100) == 1 && ev.data == 1, "fires at once");
	CHECK(kwait(kq, &ev, 1, 100) == 0, "does not repeat");
	close(kq);
}

static void t_timer_leeway_ext(void)
{
	int kq = kqueue();
	struct kevent64_s ch, ev;
	EV_SET64(&ch, 9, EVFILT_TIMER, EV_ADD | EV_ONESHOT, NOTE_LEEWAY, 10, 0x9, 77, 5);
	CHECK(kevent64(kq, &ch, 1, NULL, 0, 0, NULL) == 0, "add");
	CHECK(kevent64(kq, NULL, 0, &ev, 1, 0, NULL) == 1, "fired");
	CHECK(ev.ext[0] == 0 && ev.ext[1] == 5000000, "ext %llu %llu", (unsigned long long)ev.ext[0], (unsigned long long)ev.ext[1]);
	EV_SET64(&ch, 10, EVFILT_TIMER, EV_ADD | EV_ONESHOT, 0, 5, 0, 77, 88);
	CHECK(kevent64(kq, &ch, 1, NULL, 0, 0, NULL) == 0, "add");
	CHECK(kevent64(kq, NULL, 0, &ev, 1, 0, NULL) == 1, "fired");
	CHECK(ev.ext[0] == 0 && ev.ext[1] == 0, "timers zero ext");
	close(kq);
}

static void t_timer_many(void)
{
	int kq = kqueue();
	for (int i = 0; i < 200; i++)
		CHECK(kch(kq, i, EVFILT_TIMER, EV_ADD | EV_ONESHOT, NOTE_USECONDS, 1000 + (i * 7919) % 50000, 0) == 0, "add");
	int seen = 0;
	struct kevent ev[64];
	long end = h_now_ms() + 3000;
	while (seen < 200 && h_now_ms() < end) {
		int r = kwait(kq, ev, 64, 100);
		CHECK(r >= 0, "kevent");
		seen += r;
	}
	CHECK(seen == 200, "seen %d", seen);
	close(kq);
}

static void t_user_ops(void)
{
	int kq = kqueue();
	CHECK(kch(kq, 1, EVFILT_USER, EV_ADD | EV_CLEAR, NOTE_FFCOPY | 0x0f, 42, 0) == 0, "add");
	struct kevent ev;
	CHECK(kwait(kq, &ev, 1, 0) == 0, "not triggered");
	CHECK(kch(kq, 1, EVFILT_USER, 0, NOTE_TRIGGER | NOTE_FFOR | 0x30, 43, 0) == 0, "trigger|or");
	CHECK(kwait(kq, &ev, 1, 0) == 1, "triggered");
	CHECK(ev.fflags == (NOTE_FFCOPY | 0x3f) && ev.data == 43, "stored verbatim then or'ed: 0x%x data %ld", ev.fflags, (long)ev.data);
	CHECK(kwait(kq, &ev, 1, 0) == 0, "EV_CLEAR reset");
	CHECK(kch(kq, 1, EVFILT_USER, 0, NOTE_FFAND | 0x21, 0, 0) == 0, "and");
	CHECK(kch(kq, 1, EVFILT_USER, 0, NOTE_TRIGGER, 0, 0) == 0, "trigger");
	CHECK(kch(kq, 1, EVFILT_USER, 0, NOTE_TRIGGER, 5, 0) == 0, "trigger again (coalesce)");
	CHECK(kwait(kq, &ev, 1, 0) == 1 && (ev.fflags & NOTE_FFLAGSMASK) == 0x21 && ev.data == 5, "and: 0x%x", ev.fflags);
	CHECK(kwait(kq, &ev, 1, 0) == 0, "coalesced");
	CHECK(kch(kq, 1, EVFILT_USER, 0, NOTE_FFCOPY | 0x7, 0, 0) == 0, "copy");
	CHECK(kch(kq, 1, EVFILT_USER, 0, NOTE_TRIGGER, 0, 0) == 0, "trigger");
	CHECK(kwait(kq, &ev, 1, 0) == 1 && ev.fflags == 0x7, "copy: 0x%x", ev.fflags);
	CHECK(kch(kq, 2, EVFILT_USER, EV_ADD, NOTE_TRIGGER, 0, 0) == 0, "no EV_CLEAR");
	CHECK(kwait(kq, &ev, 1, 0) == 1 && ev.ident == 2, "1");
	CHECK(kwait(kq, &ev, 1, 0) == 1 && ev.ident == 2, "stays triggered");
	CHECK(ev.fflags == NOTE_TRIGGER, "stored fflags incl. trigger bit: 0x%x", ev.fflags);
	close(kq);
}

static void t_user_dispatch(void)
{
	int kq = kqueue();
	CHECK(kch(kq, 1, EVFILT_USER, EV_ADD | EV_DISPATCH, NOTE_TRIGGER, 0, 0) == 0, "add");
	struct kevent ev;
	CHECK(kwait(kq, &ev, 1, 0) == 1, "first");
	CHECK(kwait(kq, &ev, 1, 0) == 0, "disabled");
	CHECK(kch(kq, 1, EVFILT_USER, EV_ENABLE, 0, 0, 0) == 0, "enable");
	CHECK(kwait(kq, &ev, 1, 0) == 1, "still triggered (no EV_CLEAR)");
	CHECK(kch(kq, 3, EVFILT_USER, EV_ADD | EV_DISPATCH2, NOTE_TRIGGER, 0, 0) == 0, "dispatch2");
	CHECK(kwait_for(kq, 3, EVFILT_USER, &ev, 100) == 1, "fires");
	struct kevent ch;
	EV_SET(&ch, 3, EVFILT_USER, EV_DELETE | EV_RECEIPT, 0, 0, 0);
	CHECK(kevent(kq, &ch, 1, &ev, 1, NULL) == 1 && ev.data == EINPROGRESS, "deferred delete: %ld", (long)ev.data);
	close(kq);
}

int main(void)
{
	RUN(t_timer_validation);
	RUN(t_timer_flags_data);
	RUN(t_timer_oneshot_absolute);
	RUN(t_timer_disable_rearms);
	RUN(t_timer_leeway_ext);
	RUN(t_timer_many);
	RUN(t_user_ops);
	RUN(t_user_dispatch);
	return h_finish();
}
