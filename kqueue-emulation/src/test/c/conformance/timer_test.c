/* EVFILT_TIMER conformance (Darwin kernel semantics; generous timing bounds). */
#include "conformance.h"

static long wall_ms(void) {
    struct timeval tv;
    gettimeofday(&tv, NULL);
    return (long)tv.tv_sec * 1000L + tv.tv_usec / 1000;
}

/* wait for the timer (ident), returns elapsed ms since t0, or -1 */
static long wait_timer(int kq, uintptr_t ident, struct kevent *ev, long t0, long max_ms) {
    int r = kwait_for(kq, ident, EVFILT_TIMER, ev, max_ms);
    if (r != 1) return -1;
    return now_ms() - t0;
}

static void timer_default_ms_periodic(void) {
    int kq = kq_new();
    long t0 = now_ms();
    CHECK(kchg(kq, 1, EVFILT_TIMER, EV_ADD, 0, 50, (void *)0x51) == 0, "add");
    struct kevent ev;
    long dt = wait_timer(kq, 1, &ev, t0, 2000);
    CHECK(dt >= 0, "50ms timer did not fire within 2s");
    CHECK(dt >= 40 && dt <= 1000, "first expiry after %ld ms, want 50..1000", dt);
    CHECK(ev.filter == EVFILT_TIMER && ev.ident == 1 && ev.udata == (void *)0x51, "ident/filter/udata");
    CHECK(ev.data >= 1, "data %ld", (long)ev.data);
    CHECK(!(ev.flags & (EV_ERROR | EV_EOF)), "flags 0x%x", ev.flags);
    for (int i = 0; i < 3; i++) {
        long t1 = now_ms();
        long d = wait_timer(kq, 1, &ev, t1, 2000);
        CHECK(d >= 0, "periodic timer stopped after %d expiries", i + 1);
        CHECK(ev.data >= 1, "data %ld", (long)ev.data);
    }
}

static void timer_flags_and_fflags_returned(void) {
    int kq = kq_new();
    CHECK(kchg(kq, 2, EVFILT_TIMER, EV_ADD, NOTE_USECONDS, 20000, 0) == 0, "add");
    struct kevent ev;
    CHECK(wait_timer(kq, 2, &ev, now_ms(), 2000) >= 0, "no expiry");
    CHECK(ev.flags & EV_CLEAR, "flags 0x%x lack EV_CLEAR (forced on timers)", ev.flags);
    CHECK(ev.flags & EV_ADD, "flags 0x%x lack EV_ADD", ev.flags);
    CHECK(ev.fflags == 0, "fflags 0x%x, want 0 (Darwin does not echo timer fflags)", ev.fflags);
}

static void timer_clear_forced_not_level(void) {
    int kq = kq_new();
    CHECK(kchg(kq, 3, EVFILT_TIMER, EV_ADD, 0, 300, 0) == 0, "add");
    struct kevent ev;
    CHECK(wait_timer(kq, 3, &ev, now_ms(), 2000) >= 0, "no expiry");
    CHECK(kwait(kq, &ev, 1, 0) == 0, "timer reported again right after retrieval (EV_CLEAR must be forced)");
}

static void timer_seconds(void) {
    int kq = kq_new();
    long t0 = now_ms();
    CHECK(kchg(kq, 4, EVFILT_TIMER, EV_ADD | EV_ONESHOT, NOTE_SECONDS, 1, 0) == 0, "add");
    struct kevent ev;
    CHECK(kwait(kq, &ev, 1, 500) == 0, "1s timer fired before 500 ms");
    long dt = wait_timer(kq, 4, &ev, t0, 3000);
    CHECK(dt >= 900 && dt <= 3000, "1s timer fired after %ld ms", dt);
}

static void timer_useconds(void) {
    int kq = kq_new();
    long t0 = now_ms();
    CHECK(kchg(kq, 5, EVFILT_TIMER, EV_ADD | EV_ONESHOT, NOTE_USECONDS, 150000, 0) == 0, "add");
    struct kevent ev;
    long dt = wait_timer(kq, 5, &ev, t0, 3000);
    CHECK(dt >= 140 && dt <= 1500, "150000us timer fired after %ld ms", dt);
}

static void timer_nseconds(void) {
    int kq = kq_new();
    long t0 = now_ms();
    CHECK(kchg(kq, 6, EVFILT_TIMER, EV_ADD | EV_ONESHOT, NOTE_NSECONDS, 150000000L, 0) == 0, "add");
    struct kevent ev;
    long dt = wait_timer(kq, 6, &ev, t0, 3000);
    CHECK(dt >= 140 && dt <= 1500, "150000000ns timer fired after %ld ms", dt);
}

static void timer_ms_precision(void) {
    int kq = kq_new();
    long t0 = now_ms();
    CHECK(kchg(kq, 7, EVFILT_TIMER, EV_ADD | EV_ONESHOT, 0, 150, 0) == 0, "add");
    struct kevent ev;
    long dt = wait_timer(kq, 7, &ev, t0, 3000);
    CHECK(dt >= 140 && dt <= 1500, "150ms timer fired after %ld ms", dt);
}

static void timer_two_units_einval(void) {
    int kq = kq_new();
    uint32_t bad[] = { NOTE_SECONDS | NOTE_USECONDS, NOTE_USECONDS | NOTE_NSECONDS, NOTE_SECONDS | NOTE_NSECONDS,
                       NOTE_SECONDS | NOTE_USECONDS | NOTE_NSECONDS, NOTE_MACHTIME | NOTE_SECONDS,
                       NOTE_MACHTIME | NOTE_NSECONDS };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int e = kchg(kq, 100 + i, EVFILT_TIMER, EV_ADD, bad[i], 100, 0);
        CHECK(e == EINVAL, "fflags 0x%x -> %d, want EINVAL", bad[i], e);
        CHECK(kchg(kq, 100 + i, EVFILT_TIMER, EV_DELETE, 0, 0, 0) == ENOENT, "rejected timer was created");
    }
}

static void timer_oneshot(void) {
    int kq = kq_new();
    CHECK(kchg(kq, 8, EVFILT_TIMER, EV_ADD | EV_ONESHOT, 0, 30, 0) == 0, "add");
    struct kevent ev;
    CHECK(wait_timer(kq, 8, &ev, now_ms(), 2000) >= 0, "no expiry");
    CHECK(ev.flags & EV_ONESHOT, "flags 0x%x", ev.flags);
    CHECK(ev.data >= 1, "data %ld, want >= 1", (long)ev.data);
    CHECK(kwait(kq, &ev, 1, 200) == 0, "oneshot timer fired twice");
    CHECK(kchg(kq, 8, EVFILT_TIMER, EV_DELETE, 0, 0, 0) == ENOENT, "oneshot timer not deleted");
}

static void timer_data_counts_intervals(void) {
    int kq = kq_new();
    long t0 = now_ms();
    CHECK(kchg(kq, 9, EVFILT_TIMER, EV_ADD, 0, 20, 0) == 0, "add");
    sleep_ms(300);
    struct kevent ev;
    CHECK(kwait(kq, &ev, 1, 0) == 1, "no event after 300ms");
    long el = now_ms() - t0;
    CHECK(ev.data >= 5 && ev.data <= el / 20 + 1, "data %ld after %ld ms of a 20ms timer", (long)ev.data, el);
    /* counting restarts after delivery */
    long t1 = now_ms();
    sleep_ms(100);
    CHECK(kwait(kq, &ev, 1, 0) == 1, "no event");
    el = now_ms() - t1;
    CHECK(ev.data >= 2 && ev.data <= el / 20 + 2, "second data %ld after %ld ms", (long)ev.data, el);
}

static void timer_ext_zeroed_kevent64(void) {
    int kq = kq_new();
    CHECK(k64chg(kq, 10, EVFILT_TIMER, EV_ADD | EV_ONESHOT, 0, 20, 0x1122334455667788ULL, 5, 6) == 0, "add");
    struct kevent64_s ev;
    memset(&ev, 0xFF, sizeof ev);
    int r = k64wait(kq, &ev, 1, 2000);
    CHECK(r == 1, "no event");
    CHECK(ev.udata == 0x1122334455667788ULL, "udata 0x%llx", (unsigned long long)ev.udata);
    CHECK(ev.ext[0] == 0 && ev.ext[1] == 0, "ext {%llu,%llu}, want {0,0}", (unsigned long long)ev.ext[0],
          (unsigned long long)ev.ext[1]);
    CHECK(ev.fflags == 0, "fflags %u", ev.fflags);
}

static void timer_data_zero_fires_once(void) {
    int kq = kq_new();
    long t0 = now_ms();
    CHECK(kchg(kq, 11, EVFILT_TIMER, EV_ADD, 0, 0, 0) == 0, "add with data 0 (Darwin accepts)");
    struct kevent ev;
    long dt = wait_timer(kq, 11, &ev, t0, 1000);
    CHECK(dt >= 0 && dt < 500, "data-0 timer fired after %ld ms, want immediately", dt);
    CHECK(kwait(kq, &ev, 1, 300) == 0, "data-0 timer repeated");
}

static void timer_data_negative_fires_once(void) {
    int kq = kq_new();
    long t0 = now_ms();
    CHECK(kchg(kq, 12, EVFILT_TIMER, EV_ADD, 0, -1, 0) == 0, "add with data -1 (Darwin accepts)");
    CHECK(kchg(kq, 13, EVFILT_TIMER, EV_ADD, NOTE_SECONDS, -5, 0) == 0, "add with -5 s");
    struct kevent ev;
    long seen12 = -1, seen13 = -1;
    while ((seen12 < 0 || seen13 < 0) && now_ms() - t0 < 1000) {
        struct kevent evs[4];
        int r = kwait(kq, evs, 4, 100);
        CHECK(r >= 0, "errno %d", errno);
        for (int i = 0; i < r; i++) {
            if (evs[i].ident == 12) seen12 = now_ms() - t0;
            if (evs[i].ident == 13) seen13 = now_ms() - t0;
        }
    }
    CHECK(seen12 >= 0 && seen12 < 500, "data -1 ms timer fired after %ld ms, want immediately", seen12);
    CHECK(seen13 >= 0 && seen13 < 500, "data -5 s timer fired after %ld ms, want immediately", seen13);
    CHECK(kwait(kq, &ev, 1, 300) == 0, "negative timer repeated");
}

static void timer_absolute_past_fires_now(void) {
    int kq = kq_new();
    struct timeval tv;
    gettimeofday(&tv, NULL);
    long t0 = now_ms();
    CHECK(kchg(kq, 14, EVFILT_TIMER, EV_ADD, NOTE_ABSOLUTE | NOTE_SECONDS, tv.tv_sec - 10, 0) == 0, "add");
    struct kevent ev;
    long dt = wait_timer(kq, 14, &ev, t0, 1000);
    CHECK(dt >= 0 && dt < 500, "past absolute deadline fired after %ld ms", dt);
    CHECK(kwait(kq, &ev, 1, 200) == 0, "absolute timer fired twice");
    CHECK(kchg(kq, 14, EVFILT_TIMER, EV_DELETE, 0, 0, 0) == ENOENT, "absolute timer not oneshot");
}

static void timer_absolute_future_ms(void) {
    int kq = kq_new();
    long t0 = now_ms();
    CHECK(kchg(kq, 15, EVFILT_TIMER, EV_ADD, NOTE_ABSOLUTE, wall_ms() + 300, 0) == 0, "add");
    struct kevent ev;
    CHECK(kwait(kq, &ev, 1, 150) == 0, "absolute timer 300ms ahead fired before 150ms");
    long dt = wait_timer(kq, 15, &ev, t0, 3000);
    CHECK(dt >= 250 && dt <= 2000, "absolute 300ms-ahead deadline fired after %ld ms", dt);
    CHECK(ev.flags & EV_ONESHOT, "flags 0x%x lack EV_ONESHOT (forced by NOTE_ABSOLUTE)", ev.flags);
    CHECK(kwait(kq, &ev, 1, 200) == 0, "fired twice");
    CHECK(kchg(kq, 15, EVFILT_TIMER, EV_DELETE, 0, 0, 0) == ENOENT, "absolute timer not deleted after firing");
}

static void timer_absolute_future_useconds(void) {
    int kq = kq_new();
    struct timeval tv;
    gettimeofday(&tv, NULL);
    long long deadline = (long long)tv.tv_sec * 1000000LL + tv.tv_usec + 250000;
    long t0 = now_ms();
    CHECK(kchg(kq, 16, EVFILT_TIMER, EV_ADD, NOTE_ABSOLUTE | NOTE_USECONDS, deadline, 0) == 0, "add");
    struct kevent ev;
    long dt = wait_timer(kq, 16, &ev, t0, 3000);
    CHECK(dt >= 200 && dt <= 2000, "absolute us deadline fired after %ld ms", dt);
}

static void timer_absolute_future_nseconds(void) {
    int kq = kq_new();
    struct timespec rt;
    clock_gettime(CLOCK_REALTIME, &rt);
    long long deadline = (long long)rt.tv_sec * 1000000000LL + rt.tv_nsec + 250000000LL;
    long t0 = now_ms();
    CHECK(kchg(kq, 17, EVFILT_TIMER, EV_ADD, NOTE_ABSOLUTE | NOTE_NSECONDS, deadline, 0) == 0, "add");
    struct kevent ev;
    long dt = wait_timer(kq, 17, &ev, t0, 3000);
    CHECK(dt >= 200 && dt <= 2000, "absolute ns deadline fired after %ld ms", dt);
}

static void timer_huge_erange(void) {
    int kq = kq_new();
    struct { uint32_t ff; intptr_t data; } bad[] = {
        { NOTE_SECONDS, (intptr_t)1 << 62 }, { NOTE_SECONDS, INTPTR_MAX }, { 0, INTPTR_MAX },
        { NOTE_USECONDS, INTPTR_MAX }, { 0, (intptr_t)1 << 50 },
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int e = kchg(kq, 200 + i, EVFILT_TIMER, EV_ADD, bad[i].ff, bad[i].data, 0);
        CHECK(e == ERANGE, "fflags 0x%x data %ld -> %d, want ERANGE (%d)", bad[i].ff, (long)bad[i].data, e, ERANGE);
    }
    /* large but representable: accepted */
    CHECK(kchg(kq, 300, EVFILT_TIMER, EV_ADD, NOTE_SECONDS, 1000000, 0) == 0, "1e6 s rejected");
    CHECK(kchg(kq, 301, EVFILT_TIMER, EV_ADD, NOTE_NSECONDS, 1000000000000000000L, 0) == 0, "1e18 ns rejected");
    struct kevent ev;
    CHECK(kwait(kq, &ev, 1, 50) == 0, "long timer fired");
}

static void timer_readd_rearms_and_drops_pending(void) {
    int kq = kq_new();
    CHECK(kchg(kq, 18, EVFILT_TIMER, EV_ADD, 0, 30, 0) == 0, "add");
    sleep_ms(200); /* several expirations pending */
    long t0 = now_ms();
    CHECK(kchg(kq, 18, EVFILT_TIMER, EV_ADD, 0, 400, 0) == 0, "re-add 400ms");
    struct kevent ev;
    int r = kwait(kq, &ev, 1, 0);
    CHECK(r == 0, "pending expiration (data %ld) survived re-add", (long)ev.data);
    long dt = wait_timer(kq, 18, &ev, t0, 3000);
    CHECK(dt >= 350 && dt <= 2000, "re-armed timer fired after %ld ms, want ~400", dt);
    CHECK(ev.data == 1, "data %ld, want 1", (long)ev.data);
}

static void timer_modify_interval_shorter(void) {
    int kq = kq_new();
    CHECK(kchg(kq, 19, EVFILT_TIMER, EV_ADD, 0, 5000, 0) == 0, "add 5s");
    sleep_ms(50);
    long t0 = now_ms();
    CHECK(kchg(kq, 19, EVFILT_TIMER, EV_ADD, 0, 100, 0) == 0, "modify 100ms");
    struct kevent ev;
    long dt = wait_timer(kq, 19, &ev, t0, 2000);
    CHECK(dt >= 80 && dt <= 1500, "modified timer fired after %ld ms", dt);
}

static void timer_disable_enable_rearms(void) {
    int kq = kq_new();
    CHECK(kchg(kq, 20, EVFILT_TIMER, EV_ADD, 0, 40, 0) == 0, "add");
    sleep_ms(150);
    CHECK(kchg(kq, 20, EVFILT_TIMER, EV_DISABLE, 0, 40, 0) == 0, "disable");
    struct kevent ev;
    CHECK(kwait(kq, &ev, 1, 0) == 0, "disabled timer delivered");
    sleep_ms(150);
    CHECK(kwait(kq, &ev, 1, 0) == 0, "disabled timer delivered");
    long t0 = now_ms();
    CHECK(kchg(kq, 20, EVFILT_TIMER, EV_ENABLE, 0, 400, 0) == 0, "enable with 400ms");
    int r = kwait(kq, &ev, 1, 0);
    CHECK(r == 0, "expirations from before EV_ENABLE delivered (data %ld); Darwin re-arms on enable", (long)ev.data);
    long dt = wait_timer(kq, 20, &ev, t0, 3000);
    CHECK(dt >= 350 && dt <= 2000, "re-enabled timer fired after %ld ms, want ~400", dt);
    CHECK(ev.data == 1, "data %ld, want 1", (long)ev.data);
}

static void timer_enable_data_zero_fires_now(void) {
    int kq = kq_new();
    CHECK(kchg(kq, 21, EVFILT_TIMER, EV_ADD | EV_DISABLE, 0, 5000, 0) == 0, "add disabled");
    long t0 = now_ms();
    CHECK(kchg(kq, 21, EVFILT_TIMER, EV_ENABLE, 0, 0, 0) == 0, "enable with data 0");
    struct kevent ev;
    long dt = wait_timer(kq, 21, &ev, t0, 1000);
    CHECK(dt >= 0 && dt < 500, "EV_ENABLE with data 0 fired after %ld ms, want at once", dt);
}

static void timer_delete_stops(void) {
    int kq = kq_new();
    CHECK(kchg(kq, 22, EVFILT_TIMER, EV_ADD, 0, 20, 0) == 0, "add");
    sleep_ms(60);
    CHECK(kchg(kq, 22, EVFILT_TIMER, EV_DELETE, 0, 0, 0) == 0, "delete");
    struct kevent ev;
    CHECK(kwait(kq, &ev, 1, 200) == 0, "deleted timer fired (pending expirations must be discarded too)");
    CHECK(kchg(kq, 22, EVFILT_TIMER, EV_DELETE, 0, 0, 0) == ENOENT, "double delete");
}

static void timer_dispatch(void) {
    int kq = kq_new();
    CHECK(kchg(kq, 23, EVFILT_TIMER, EV_ADD | EV_DISPATCH, 0, 30, 0) == 0, "add");
    struct kevent ev;
    CHECK(wait_timer(kq, 23, &ev, now_ms(), 2000) >= 0, "no expiry");
    CHECK(ev.flags & EV_DISPATCH, "flags 0x%x", ev.flags);
    CHECK(kwait(kq, &ev, 1, 200) == 0, "dispatched timer fired while disabled");
    long t0 = now_ms();
    CHECK(kchg(kq, 23, EVFILT_TIMER, EV_ENABLE, 0, 30, 0) == 0, "enable");
    long dt = wait_timer(kq, 23, &ev, t0, 2000);
    CHECK(dt >= 0, "not fired after re-enable");
}

static void timer_many_in_one_kqueue(void) {
    int kq = kq_new();
    enum { N = 1000 };
    static int seen[N];
    memset(seen, 0, sizeof seen);
    for (int i = 0; i < N; i++) {
        int e = kchg(kq, 5000 + i, EVFILT_TIMER, EV_ADD | EV_ONESHOT, 0, 10 + (i % 50), (void *)(intptr_t)i);
        CHECK(e == 0, "timer %d add -> %d", i, e);
    }
    int total = 0;
    long end = now_ms() + 8000;
    while (total < N && now_ms() < end) {
        struct kevent ev[128];
        int r = kwait(kq, ev, 128, 200);
        CHECK(r >= 0, "kevent errno %d", errno);
        for (int k = 0; k < r; k++) {
            intptr_t i = (intptr_t)ev[k].udata;
            CHECK(i >= 0 && i < N && ev[k].ident == (uintptr_t)(5000 + i), "bad event");
            seen[i]++;
            total++;
        }
    }
    CHECK(total == N, "%d of %d timers fired", total, N);
    for (int i = 0; i < N; i++) CHECK(seen[i] == 1, "timer %d fired %d times", i, seen[i]);
}

static void timer_many_periodic(void) {
    int kq = kq_new();
    enum { N = 200 };
    for (int i = 0; i < N; i++) CHECK(kchg(kq, i, EVFILT_TIMER, EV_ADD, 0, 25, 0) == 0, "add %d", i);
    static int seen[N];
    memset(seen, 0, sizeof seen);
    long end = now_ms() + 600;
    while (now_ms() < end) {
        struct kevent ev[64];
        int r = kwait(kq, ev, 64, 50);
        CHECK(r >= 0, "errno %d", errno);
        for (int k = 0; k < r; k++) if (ev[k].ident < N) seen[ev[k].ident]++;
    }
    for (int i = 0; i < N; i++) CHECK(seen[i] >= 2, "periodic timer %d fired %d times in 600ms", i, seen[i]);
    for (int i = 0; i < N; i++) CHECK(kchg(kq, i, EVFILT_TIMER, EV_DELETE, 0, 0, 0) == 0, "delete %d", i);
}

static void timer_absolute_flag_change_einval(void) {
    int kq = kq_new();
    CHECK(kchg(kq, 24, EVFILT_TIMER, EV_ADD, 0, 5000, 0) == 0, "add relative");
    int e = kchg(kq, 24, EVFILT_TIMER, EV_ADD, NOTE_ABSOLUTE, wall_ms() + 5000, 0);
    CHECK(e == EINVAL, "changing NOTE_ABSOLUTE on an existing timer -> %d, want EINVAL", e);
}

static void timer_coalescing_hints_accepted(void) {
    int kq = kq_new(), kq2 = kq_new();
    CHECK(kchg(kq, 25, EVFILT_TIMER, EV_ADD | EV_ONESHOT, NOTE_CRITICAL, 30, 0) == 0, "NOTE_CRITICAL");
    CHECK(kchg(kq2, 26, EVFILT_TIMER, EV_ADD | EV_ONESHOT, NOTE_BACKGROUND, 30, 0) == 0, "NOTE_BACKGROUND");
    struct kevent ev;
    CHECK(wait_timer(kq, 25, &ev, now_ms(), 3000) >= 0, "NOTE_CRITICAL timer never fired");
    CHECK(wait_timer(kq2, 26, &ev, now_ms(), 3000) >= 0, "NOTE_BACKGROUND timer never fired");
}

static void timer_leeway_kevent64(void) {
    int kq = kq_new();
    CHECK(k64chg(kq, 28, EVFILT_TIMER, EV_ADD | EV_ONESHOT, NOTE_LEEWAY, 30, 0, 0, 1000000) == 0, "NOTE_LEEWAY add");
    struct kevent64_s ev;
    CHECK(k64wait(kq, &ev, 1, 3000) == 1 && ev.ident == 28, "NOTE_LEEWAY timer never fired");
}

static void timer_udata_updates_on_modify(void) {
    int kq = kq_new();
    CHECK(kchg(kq, 29, EVFILT_TIMER, EV_ADD, 0, 30, (void *)1) == 0, "add");
    CHECK(kchg(kq, 29, EVFILT_TIMER, EV_ADD, 0, 30, (void *)2) == 0, "modify");
    struct kevent ev;
    CHECK(wait_timer(kq, 29, &ev, now_ms(), 2000) >= 0, "no expiry");
    CHECK(ev.udata == (void *)2, "udata %p", ev.udata);
}

static void timer_oneshot_receipt(void) {
    int kq = kq_new();
    struct kevent ch, out[2];
    ev_set(&ch, 30, EVFILT_TIMER, EV_ADD | EV_ONESHOT | EV_RECEIPT, 0, 20, 0);
    int r = kevent(kq, &ch, 1, out, 2, NULL);
    CHECK(r == 1 && (out[0].flags & EV_ERROR) && out[0].data == 0, "receipt r %d data %ld", r, (long)out[0].data);
    CHECK(wait_timer(kq, 30, &out[0], now_ms(), 2000) >= 0, "timer never fired");
}

static void timer_exact_returned_flags(void) {
    int kq = kq_new();
    CHECK(kchg(kq, 40, EVFILT_TIMER, EV_ADD, 0, 50, 0) == 0, "add periodic");
    CHECK(kchg(kq, 41, EVFILT_TIMER, EV_ADD | EV_ONESHOT, 0, 50, 0) == 0, "add oneshot");
    int got40 = 0, got41 = 0;
    long t0 = now_ms();
    while ((!got40 || !got41) && now_ms() - t0 < 2000) {
        struct kevent ev[4];
        int r = kwait(kq, ev, 4, 100);
        CHECK(r >= 0, "errno %d", errno);
        for (int i = 0; i < r; i++) {
            if (ev[i].ident == 40 && !got40) {
                got40 = 1;
                CHECK(ev[i].flags == (EV_ADD | EV_CLEAR), "periodic flags 0x%x, want EV_ADD|EV_CLEAR", ev[i].flags);
            }
            if (ev[i].ident == 41) {
                got41 = 1;
                CHECK(ev[i].flags == (EV_ADD | EV_CLEAR | EV_ONESHOT), "oneshot flags 0x%x, want EV_ADD|EV_CLEAR|EV_ONESHOT", ev[i].flags);
            }
        }
    }
    CHECK(got40 && got41, "timers did not fire");
}

static void timer_dispatch_reenable_accumulates(void) {
    int kq = kq_new();
    CHECK(kchg(kq, 42, EVFILT_TIMER, EV_ADD | EV_DISPATCH, 0, 100, 0) == 0, "add");
    struct kevent ev;
    CHECK(wait_timer(kq, 42, &ev, now_ms(), 2000) >= 0, "no first expiry");
    CHECK(kwait(kq, &ev, 1, 300) == 0, "fired while dispatched-disabled");
    long t0 = now_ms();
    CHECK(kchg(kq, 42, EVFILT_TIMER, EV_ENABLE | EV_DISPATCH, 0, 100, 0) == 0, "enable");
    CHECK(kwait(kq, &ev, 1, 0) == 0, "event pending right after re-enable");
    sleep_ms(550);
    CHECK(kwait(kq, &ev, 1, 1000) == 1, "no event after re-enable");
    long el = now_ms() - t0;
    CHECK(ev.flags == (EV_ADD | EV_CLEAR | EV_DISPATCH), "flags 0x%x, want EV_ADD|EV_CLEAR|EV_DISPATCH", ev.flags);
    CHECK(ev.data >= 4 && ev.data <= el / 100 + 1, "data %ld after %ld ms of a 100ms timer", (long)ev.data, el);
}

static void timer_modify_replaces_unit(void) {
    int kq = kq_new();
    CHECK(kchg(kq, 43, EVFILT_TIMER, EV_ADD | EV_ONESHOT, NOTE_NSECONDS, 3600L * 1000000000L, 0) == 0, "add 1h in ns");
    CHECK(kchg(kq, 43, EVFILT_TIMER, EV_ADD | EV_ONESHOT, 0, 100, 0) == 0, "modify to 100 ms");
    struct kevent ev;
    long dt = wait_timer(kq, 43, &ev, now_ms(), 2000);
    CHECK(dt >= 0 && dt < 1500, "modified timer (new unit) fired after %ld ms", dt);
}

static void timer_receipt_flag_sticky(void) {
    int kq = kq_new();
    struct kevent ch, out;
    ev_set(&ch, 44, EVFILT_TIMER, EV_ADD | EV_RECEIPT | EV_ONESHOT, 0, 3600000, 0);
    CHECK(kevent(kq, &ch, 1, &out, 1, NULL) == 1 && out.data == 0, "receipt");
    CHECK(kchg(kq, 44, EVFILT_TIMER, EV_ADD | EV_ONESHOT, 0, 50, 0) == 0, "modify");
    struct kevent ev;
    CHECK(wait_timer(kq, 44, &ev, now_ms(), 2000) >= 0, "no expiry");
    CHECK(ev.flags & EV_RECEIPT, "flags 0x%x: EV_RECEIPT from the original EV_ADD not kept", ev.flags);
}

static void timer_same_ident_two_kqueues(void) {
    int kq1 = kq_new(), kq2 = kq_new();
    CHECK(kchg(kq1, 45, EVFILT_TIMER, EV_ADD | EV_ONESHOT, 0, 50, 0) == 0, "add 1");
    CHECK(kchg(kq2, 45, EVFILT_TIMER, EV_ADD | EV_ONESHOT, 0, 50, 0) == 0, "add 2");
    struct kevent ev;
    CHECK(wait_timer(kq1, 45, &ev, now_ms(), 2000) >= 0, "kq1 timer");
    CHECK(wait_timer(kq2, 45, &ev, now_ms(), 2000) >= 0, "kq2 timer");
}

static void timer_disable_drops_pending(void) {
    int kq = kq_new();
    CHECK(kchg(kq, 46, EVFILT_TIMER, EV_ADD | EV_ONESHOT, 0, 30, 0) == 0, "add");
    sleep_ms(150);
    CHECK(kchg(kq, 46, EVFILT_TIMER, EV_DISABLE, 0, 0, 0) == 0, "disable");
    struct kevent ev;
    CHECK(kwait(kq, &ev, 1, 100) == 0, "disabled timer delivered its pending expiry");
    CHECK(kchg(kq, 46, EVFILT_TIMER, EV_DELETE, 0, 0, 0) == 0, "delete");
}

int main(int argc, char **argv) {
    static const struct test_case tests[] = {
        T(timer_default_ms_periodic),
        T(timer_flags_and_fflags_returned),
        T(timer_clear_forced_not_level),
        T(timer_seconds),
        T(timer_useconds),
        T(timer_nseconds),
        T(timer_ms_precision),
        T(timer_two_units_einval),
        T(timer_oneshot),
        T(timer_data_counts_intervals),
        T(timer_ext_zeroed_kevent64),
        T(timer_data_zero_fires_once),
        T(timer_data_negative_fires_once),
        T(timer_absolute_past_fires_now),
        T(timer_absolute_future_ms),
        T(timer_absolute_future_useconds),
        T(timer_absolute_future_nseconds),
        T(timer_huge_erange),
        T(timer_readd_rearms_and_drops_pending),
        T(timer_modify_interval_shorter),
        T(timer_disable_enable_rearms),
        T(timer_enable_data_zero_fires_now),
        T(timer_delete_stops),
        T(timer_dispatch),
        TT(timer_many_in_one_kqueue, 20),
        T(timer_many_periodic),
        T(timer_absolute_flag_change_einval),
        T(timer_coalescing_hints_accepted),
        T(timer_leeway_kevent64),
        T(timer_udata_updates_on_modify),
        T(timer_oneshot_receipt),
        T(timer_exact_returned_flags),
        T(timer_dispatch_reenable_accumulates),
        T(timer_modify_replaces_unit),
        T(timer_receipt_flag_sticky),
        T(timer_same_ident_two_kqueues),
        T(timer_disable_drops_pending),
    };
    return RUN_ALL(tests);
}
