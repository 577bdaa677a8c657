/* Call-level conformance of kqueue()/kevent()/kevent64() against Darwin's kernel behaviour. */
#include "conformance.h"
#include <poll.h>
#include <sys/wait.h>

/* ---------------------------------------------------------------- descriptors */

static void kqueue_returns_fd(void) {
    int kq = kq_new();
    CHECK(kq >= 0, "kqueue() = %d errno %d", kq, errno);
    struct stat st;
    CHECK(fstat(kq, &st) == 0, "fstat on kqueue fd failed errno %d", errno);
}

static void kevent_ebadf_minus1(void) {
    struct kevent ev;
    struct timespec z = { 0, 0 };
    errno = 0;
    int r = kevent(-1, NULL, 0, &ev, 1, &z);
    CHECK(r == -1 && errno == EBADF, "kevent(-1) = %d errno %d, want -1/EBADF", r, errno);
    struct kevent64_s e64;
    errno = 0;
    r = kevent64(-1, NULL, 0, &e64, 1, 0, &z);
    CHECK(r == -1 && errno == EBADF, "kevent64(-1) = %d errno %d, want -1/EBADF", r, errno);
}

static void kevent_ebadf_closed_kq(void) {
    int kq = kqueue();
    CHECK(kq >= 0, "kqueue failed");
    close(kq);
    struct kevent ev;
    struct timespec z = { 0, 0 };
    errno = 0;
    int r = kevent(kq, NULL, 0, &ev, 1, &z);
    CHECK(r == -1 && errno == EBADF, "kevent(closed kq) = %d errno %d, want -1/EBADF", r, errno);
    errno = 0;
    struct kevent64_s e64;
    r = kevent64(kq, NULL, 0, &e64, 1, 0, &z);
    CHECK(r == -1 && errno == EBADF, "kevent64(closed kq) = %d errno %d, want -1/EBADF", r, errno);
}

static void kevent_ebadf_non_kqueue_fd(void) {
    int p[2];
    CHECK(pipe_nb(p) == 0, "pipe");
    struct kevent ev;
    struct timespec z = { 0, 0 };
    errno = 0;
    int r = kevent(p[0], NULL, 0, &ev, 1, &z);
    CHECK(r == -1 && errno == EBADF, "kevent(pipe fd) = %d errno %d, want -1/EBADF", r, errno);
    int s = track(socket(AF_INET, SOCK_STREAM, 0));
    errno = 0;
    r = kevent(s, NULL, 0, &ev, 1, &z);
    CHECK(r == -1 && errno == EBADF, "kevent(socket fd) = %d errno %d, want -1/EBADF", r, errno);
    int f = track(open("/dev/null", O_RDONLY));
    errno = 0;
    struct kevent64_s e64;
    r = kevent64(f, NULL, 0, &e64, 1, 0, &z);
    CHECK(r == -1 && errno == EBADF, "kevent64(/dev/null) = %d errno %d, want -1/EBADF", r, errno);
}

static void kqueue_fd_is_cloexec(void) {
    int kq = kq_new();
    CHECK(kq >= 0, "kqueue");
    int fl = fcntl(kq, F_GETFD);
    CHECK(fl >= 0 && (fl & FD_CLOEXEC), "kqueue fd flags 0x%x: FD_CLOEXEC not set (Darwin sets it)", fl);
}

static void kqueue_close_no_fd_leak(void) {
    int before = count_open_fds();
    for (int i = 0; i < 300; i++) {
        int kq = kqueue();
        CHECK(kq >= 0, "kqueue #%d failed errno %d", i, errno);
        CHECK(kchg(kq, 1, EVFILT_USER, EV_ADD, 0, 0, 0) == 0, "user add");
        CHECK(kchg(kq, 1, EVFILT_TIMER, EV_ADD, 0, 1000, 0) == 0, "timer add");
        close(kq);
    }
    int after = count_open_fds();
    CHECK(after <= before, "open fds grew from %d to %d after 300 kqueue()/close()", before, after);
}

/* ---------------------------------------------------------------- timeouts */

/* a triggered user event makes the call return at once, so a valid timeout costs nothing */
static int kq_with_pending_user(void) {
    int kq = kq_new();
    if (kq < 0) return -1;
    if (kchg(kq, 1, EVFILT_USER, EV_ADD, NOTE_TRIGGER, 0, 0) != 0) return -1;
    return kq;
}

static void timeout_nsec_1e9_accepted(void) {
    int kq = kq_with_pending_user();
    CHECK(kq >= 0, "setup");
    struct timespec ts = { 0, 1000000000L };
    struct kevent ev;
    errno = 0;
    int r = kevent(kq, NULL, 0, &ev, 1, &ts);
    CHECK(r == 1, "kevent with tv_nsec=1e9 = %d errno %d, want 1 (Darwin accepts 1e9)", r, errno);
}

static void timeout_invalid_einval(void) {
    struct timespec bad[] = {
        { 0, -1 }, { 0, 1000000001L }, { -1, 0 }, { (time_t)INT32_MAX + 1, 0 }, { 0, LONG_MAX },
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int kq = kq_with_pending_user();
        CHECK(kq >= 0, "setup");
        struct kevent ev;
        errno = 0;
        int r = kevent(kq, NULL, 0, &ev, 1, &bad[i]);
        CHECK(r == -1 && errno == EINVAL, "timeout {%ld,%ld}: kevent = %d errno %d, want -1/EINVAL",
              (long)bad[i].tv_sec, bad[i].tv_nsec, r, errno);
        struct kevent64_s e64;
        int kq2 = kq_new();
        errno = 0;
        r = kevent64(kq2, NULL, 0, &e64, 1, 0, &bad[i]);
        CHECK(r == -1 && errno == EINVAL, "timeout {%ld,%ld}: kevent64 = %d errno %d, want -1/EINVAL",
              (long)bad[i].tv_sec, bad[i].tv_nsec, r, errno);
        xclose(kq);
        xclose(kq2);
    }
}

static void timeout_int32_max_accepted(void) {
    int kq = kq_with_pending_user();
    CHECK(kq >= 0, "setup");
    struct timespec ts = { INT32_MAX, 999999999L };
    struct kevent ev;
    int r = kevent(kq, NULL, 0, &ev, 1, &ts);
    CHECK(r == 1, "timeout {INT32_MAX, 999999999} = %d errno %d, want 1", r, errno);
}

static void timeout_invalid_checked_before_changes(void) {
    int kq = kq_new();
    struct kevent ch;
    ev_set(&ch, 77, EVFILT_USER, EV_ADD, 0, 0, 0);
    struct timespec bad = { 0, -5 };
    errno = 0;
    int r = kevent(kq, &ch, 1, NULL, 0, &bad);
    CHECK(r == -1 && errno == EINVAL, "invalid timeout with a change and nevents 0 = %d errno %d, want EINVAL", r, errno);
    int e = kchg(kq, 77, EVFILT_USER, EV_DELETE, 0, 0, 0);
    CHECK(e == ENOENT, "change was applied despite invalid timeout (delete -> %d, want ENOENT)", e);
}

static void timeout_zero_polls(void) {
    int kq = kq_new();
    struct kevent ev;
    struct timespec z = { 0, 0 };
    long t0 = now_ms();
    int r = kevent(kq, NULL, 0, &ev, 1, &z);
    long dt = now_ms() - t0;
    CHECK(r == 0, "poll on empty kqueue = %d errno %d", r, errno);
    CHECK(dt < 200, "zero timeout took %ld ms", dt);
}

static void timeout_relative_waits(void) {
    int kq = kq_new();
    struct kevent ev;
    struct timespec ts = { 0, 150 * 1000000L };
    long t0 = now_ms();
    int r = kevent(kq, NULL, 0, &ev, 1, &ts);
    long dt = now_ms() - t0;
    CHECK(r == 0, "timeout wait = %d errno %d, want 0", r, errno);
    CHECK(dt >= 130 && dt < 2000, "150ms timeout returned after %ld ms", dt);
}

/* ---------------------------------------------------------------- kevent64 flags */

static void kevent64_immediate_null_timeout(void) {
    int kq = kq_new();
    struct kevent64_s ev;
    long t0 = now_ms();
    int r = kevent64(kq, NULL, 0, &ev, 1, KEVENT_FLAG_IMMEDIATE, NULL);
    long dt = now_ms() - t0;
    CHECK(r == 0, "IMMEDIATE on empty kq = %d errno %d", r, errno);
    CHECK(dt < 500, "IMMEDIATE blocked %ld ms", dt);
}

static void kevent64_immediate_ignores_timeout_contents(void) {
    int kq = kq_new();
    struct kevent64_s ev;
    struct timespec bad = { 0, -1 };
    long t0 = now_ms();
    errno = 0;
    int r = kevent64(kq, NULL, 0, &ev, 1, KEVENT_FLAG_IMMEDIATE, &bad);
    long dt = now_ms() - t0;
    CHECK(r == 0, "IMMEDIATE with invalid timespec = %d errno %d, want 0 (timeout not read)", r, errno);
    CHECK(dt < 500, "IMMEDIATE blocked %ld ms", dt);
    struct timespec longt = { 10, 0 };
    t0 = now_ms();
    r = kevent64(kq, NULL, 0, &ev, 1, KEVENT_FLAG_IMMEDIATE, &longt);
    dt = now_ms() - t0;
    CHECK(r == 0 && dt < 500, "IMMEDIATE with 10s timeout = %d after %ld ms", r, dt);
}

static void kevent64_immediate_returns_pending(void) {
    int kq = kq_new();
    CHECK(k64chg(kq, 3, EVFILT_USER, EV_ADD, NOTE_TRIGGER, 0, 0, 0, 0) == 0, "add");
    struct kevent64_s ev;
    int r = kevent64(kq, NULL, 0, &ev, 1, KEVENT_FLAG_IMMEDIATE, NULL);
    CHECK(r == 1 && ev.ident == 3 && ev.filter == EVFILT_USER, "IMMEDIATE = %d ident %lu", r, (unsigned long)ev.ident);
}

static void kevent64_error_events_never_blocks(void) {
    int kq = kq_new();
    /* a pending event must not be returned, NULL timeout must not block */
    CHECK(k64chg(kq, 1, EVFILT_USER, EV_ADD, NOTE_TRIGGER, 0, 0, 0, 0) == 0, "add");
    struct kevent64_s ch, out[4];
    ev64_set(&ch, 2, EVFILT_USER, EV_ADD, 0, 0, 0, 0, 0);
    long t0 = now_ms();
    int r = kevent64(kq, &ch, 1, out, 4, KEVENT_FLAG_ERROR_EVENTS, NULL);
    long dt = now_ms() - t0;
    CHECK(r == 0, "ERROR_EVENTS with a successful change = %d errno %d, want 0 (no scan)", r, errno);
    CHECK(dt < 500, "ERROR_EVENTS blocked %ld ms", dt);
    r = kevent64(kq, NULL, 0, out, 4, KEVENT_FLAG_ERROR_EVENTS, NULL);
    CHECK(r == 0, "ERROR_EVENTS without changes = %d, want 0", r);
    /* the event is still pending */
    r = kevent64(kq, NULL, 0, out, 4, KEVENT_FLAG_IMMEDIATE, NULL);
    CHECK(r == 1 && out[0].ident == 1, "pending event lost: %d", r);
}

static void kevent64_error_events_reports_errors_and_receipts(void) {
    int kq = kq_new();
    struct kevent64_s ch[3], out[4];
    ev64_set(&ch[0], 5, EVFILT_USER, EV_DELETE, 0, 0, 0x55, 0, 0);           /* ENOENT */
    ev64_set(&ch[1], 6, EVFILT_USER, EV_ADD | EV_RECEIPT, 0, 0, 0x66, 0, 0); /* receipt */
    ev64_set(&ch[2], 7, EVFILT_USER, EV_ADD, NOTE_TRIGGER, 0, 0x77, 0, 0);   /* silent */
    memset(out, 0, sizeof out);
    int r = kevent64(kq, ch, 3, out, 4, KEVENT_FLAG_ERROR_EVENTS, NULL);
    CHECK(r == 2, "ERROR_EVENTS = %d errno %d, want 2 records", r, errno);
    CHECK(out[0].ident == 5 && (out[0].flags & EV_ERROR) && out[0].data == ENOENT && out[0].udata == 0x55,
          "record 0: ident %lu flags 0x%x data %ld", (unsigned long)out[0].ident, out[0].flags, (long)out[0].data);
    CHECK(out[1].ident == 6 && (out[1].flags & EV_ERROR) && out[1].data == 0 && out[1].udata == 0x66,
          "record 1: ident %lu flags 0x%x data %ld", (unsigned long)out[1].ident, out[1].flags, (long)out[1].data);
}

static void kevent64_private_flags_einval(void) {
    unsigned bad[] = { KEVENT_FLAG_WORKLOOP_PRIVATE, KEVENT_FLAG_DYNAMIC_KQ_MUST_EXIST_P,
                       KEVENT_FLAG_DYNAMIC_KQ_MUST_NOT_EXIST_P };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int kq = kq_new();
        struct kevent64_s ch, out;
        ev64_set(&ch, 1, EVFILT_USER, EV_ADD, 0, 0, 0, 0, 0);
        struct timespec z = { 0, 0 };
        errno = 0;
        int r = kevent64(kq, &ch, 1, &out, 1, bad[i], &z);
        CHECK(r == -1 && errno == EINVAL, "kevent64 flags 0x%x = %d errno %d, want -1/EINVAL", bad[i], r, errno);
        xclose(kq);
    }
}

static void mixing_kevent_then_kevent64_einval(void) {
    int kq = kq_new();
    struct timespec z = { 0, 0 };
    struct kevent ev;
    int r = kevent(kq, NULL, 0, &ev, 1, &z);
    CHECK(r == 0, "first kevent = %d errno %d", r, errno);
    struct kevent64_s e64;
    errno = 0;
    r = kevent64(kq, NULL, 0, &e64, 1, 0, &z);
    CHECK(r == -1 && errno == EINVAL, "kevent64 on a kevent() kqueue = %d errno %d, want -1/EINVAL", r, errno);
    r = kevent(kq, NULL, 0, &ev, 1, &z);
    CHECK(r == 0, "kevent after rejected kevent64 = %d errno %d", r, errno);
}

static void mixing_kevent64_then_kevent_einval(void) {
    int kq = kq_new();
    struct timespec z = { 0, 0 };
    struct kevent64_s e64;
    int r = kevent64(kq, NULL, 0, &e64, 1, KEVENT_FLAG_IMMEDIATE, NULL);
    CHECK(r == 0, "first kevent64 = %d errno %d", r, errno);
    struct kevent ev;
    errno = 0;
    r = kevent(kq, NULL, 0, &ev, 1, &z);
    CHECK(r == -1 && errno == EINVAL, "kevent on a kevent64() kqueue = %d errno %d, want -1/EINVAL", r, errno);
}

static void mixing_first_call_with_changes_fixes_kind(void) {
    int kq = kq_new();
    CHECK(kchg(kq, 1, EVFILT_USER, EV_ADD, 0, 0, 0) == 0, "add via kevent");
    struct kevent64_s ch;
    ev64_set(&ch, 1, EVFILT_USER, 0, NOTE_TRIGGER, 0, 0, 0, 0);
    errno = 0;
    int r = kevent64(kq, &ch, 1, NULL, 0, 0, NULL);
    CHECK(r == -1 && errno == EINVAL, "kevent64 trigger on kevent() kqueue = %d errno %d, want EINVAL", r, errno);
    struct kevent ev;
    CHECK(kwait(kq, &ev, 1, 0) == 0, "trigger through rejected kevent64 was applied");
}

/* ---------------------------------------------------------------- change processing */

static void nevents_zero_with_changes_does_not_wait(void) {
    int kq = kq_new();
    CHECK(kchg(kq, 9, EVFILT_USER, EV_ADD, NOTE_TRIGGER, 0, 0) == 0, "add triggered");
    struct kevent ch;
    ev_set(&ch, 10, EVFILT_USER, EV_ADD, 0, 0, 0);
    long t0 = now_ms();
    int r = kevent(kq, &ch, 1, NULL, 0, NULL);
    long dt = now_ms() - t0;
    CHECK(r == 0, "nevents 0 with NULL timeout = %d errno %d, want 0", r, errno);
    CHECK(dt < 500, "nevents 0 blocked %ld ms", dt);
    t0 = now_ms();
    r = kevent(kq, NULL, 0, NULL, 0, NULL);
    dt = now_ms() - t0;
    CHECK(r == 0 && dt < 500, "kevent(kq,NULL,0,NULL,0,NULL) = %d after %ld ms, want immediate 0", r, dt);
    CHECK(kchg(kq, 10, EVFILT_USER, EV_DELETE, 0, 0, 0) == 0, "the change was not applied");
}

static void nevents_negative_behaves_as_zero(void) {
    int kq = kq_new();
    struct kevent ch, out[2];
    ev_set(&ch, 11, EVFILT_USER, EV_ADD, NOTE_TRIGGER, 0, 0);
    long t0 = now_ms();
    errno = 0;
    int r = kevent(kq, &ch, 1, out, -1, NULL);
    long dt = now_ms() - t0;
    CHECK(r == 0, "nevents -1 = %d errno %d, want 0", r, errno);
    CHECK(dt < 500, "nevents -1 blocked %ld ms", dt);
    CHECK(kwait(kq, out, 2, 0) == 1, "change with nevents -1 not applied");
}

static void nchanges_negative_applies_nothing(void) {
    int kq = kq_new();
    struct kevent ch, out[2];
    ev_set(&ch, 12, EVFILT_USER, EV_ADD, NOTE_TRIGGER, 0, 0);
    struct timespec z = { 0, 0 };
    errno = 0;
    int r = kevent(kq, &ch, -1, out, 2, &z);
    CHECK(r == 0, "nchanges -1 = %d errno %d, want 0", r, errno);
    CHECK(kchg(kq, 12, EVFILT_USER, EV_DELETE, 0, 0, 0) == ENOENT, "nchanges -1 applied a change");
}

static void error_record_format(void) {
    int kq = kq_new();
    struct kevent ch, out[2];
    ev_set(&ch, 4242, EVFILT_USER, EV_DELETE, 0, 0, (void *)0xABCDEF);
    memset(out, 0xEE, sizeof out);
    struct timespec z = { 0, 0 };
    int r = kevent(kq, &ch, 1, out, 2, &z);
    CHECK(r == 1, "kevent = %d errno %d, want 1 error record", r, errno);
    CHECK(out[0].ident == 4242, "ident %lu", (unsigned long)out[0].ident);
    CHECK(out[0].filter == EVFILT_USER, "filter %d", out[0].filter);
    CHECK(out[0].flags == (EV_DELETE | EV_ERROR), "flags 0x%x, want EV_DELETE|EV_ERROR (Darwin ORs EV_ERROR into caller flags)", out[0].flags);
    CHECK(out[0].data == ENOENT, "data %ld, want ENOENT(%d)", (long)out[0].data, ENOENT);
    CHECK(out[0].udata == (void *)0xABCDEF, "udata %p", out[0].udata);
}

static void error_record_keeps_caller_flags(void) {
    int kq = kq_new();
    struct kevent ch, out;
    ev_set(&ch, 1, EVFILT_USER, EV_ENABLE | EV_CLEAR | EV_DISPATCH, 0, 0, 0);
    struct timespec z = { 0, 0 };
    int r = kevent(kq, &ch, 1, &out, 1, &z);
    CHECK(r == 1 && (out.flags & EV_ERROR) && out.data == ENOENT, "r %d flags 0x%x data %ld", r, out.flags, (long)out.data);
    CHECK(out.flags == (EV_ENABLE | EV_CLEAR | EV_DISPATCH | EV_ERROR), "flags 0x%x, want 0x%x", out.flags,
          EV_ENABLE | EV_CLEAR | EV_DISPATCH | EV_ERROR);
}

static void records_return_immediately_without_scan(void) {
    int kq = kq_new();
    CHECK(kchg(kq, 1, EVFILT_USER, EV_ADD, NOTE_TRIGGER, 0, 0) == 0, "add");
    struct kevent ch, out[4];
    ev_set(&ch, 99, EVFILT_USER, EV_DELETE, 0, 0, 0);
    long t0 = now_ms();
    int r = kevent(kq, &ch, 1, out, 4, NULL);
    long dt = now_ms() - t0;
    CHECK(r == 1, "= %d, want exactly the 1 error record (pending events not collected)", r);
    CHECK(out[0].ident == 99 && (out[0].flags & EV_ERROR), "record ident %lu flags 0x%x", (unsigned long)out[0].ident, out[0].flags);
    CHECK(dt < 500, "took %ld ms", dt);
    /* error record + no pending events + NULL timeout must not block either */
    int kq2 = kq_new();
    t0 = now_ms();
    r = kevent(kq2, &ch, 1, out, 4, NULL);
    dt = now_ms() - t0;
    CHECK(r == 1 && dt < 500, "error on an empty kqueue with NULL timeout = %d after %ld ms, want 1 at once", r, dt);
    /* with a long timeout too */
    struct timespec ts = { 5, 0 };
    t0 = now_ms();
    r = kevent(kq2, &ch, 1, out, 4, &ts);
    dt = now_ms() - t0;
    CHECK(r == 1 && dt < 500, "error with 5s timeout and spare room = %d after %ld ms, want 1 at once", r, dt);
}

static void receipt_success_record(void) {
    int kq = kq_new();
    struct kevent ch, out[2];
    ev_set(&ch, 5, EVFILT_USER, EV_ADD | EV_RECEIPT, 0, 0, (void *)0x1234);
    long t0 = now_ms();
    int r = kevent(kq, &ch, 1, out, 2, NULL);
    CHECK(r == 1, "receipt = %d errno %d", r, errno);
    CHECK(now_ms() - t0 < 500, "receipt blocked");
    CHECK(out[0].ident == 5 && out[0].filter == EVFILT_USER, "ident/filter");
    CHECK(out[0].flags == (EV_ADD | EV_RECEIPT | EV_ERROR), "flags 0x%x, want EV_ADD|EV_RECEIPT|EV_ERROR", out[0].flags);
    CHECK(out[0].data == 0, "data %ld, want 0", (long)out[0].data);
    CHECK(out[0].udata == (void *)0x1234, "udata");
}

static void receipt_no_room_ignored(void) {
    int kq = kq_new();
    struct kevent ch[3], out[1];
    ev_set(&ch[0], 1, EVFILT_USER, EV_ADD | EV_RECEIPT, 0, 0, 0);
    ev_set(&ch[1], 2, EVFILT_USER, EV_ADD | EV_RECEIPT, 0, 0, 0);
    ev_set(&ch[2], 3, EVFILT_USER, EV_ADD | EV_RECEIPT, 0, 0, 0);
    struct timespec z = { 0, 0 };
    int r = kevent(kq, ch, 3, out, 1, &z);
    CHECK(r == 1 && out[0].ident == 1, "= %d (ident %lu), want 1 record for ident 1", r, (unsigned long)out[0].ident);
    CHECK(kchg(kq, 2, EVFILT_USER, EV_DELETE, 0, 0, 0) == 0, "change 2 not applied (Darwin continues)");
    CHECK(kchg(kq, 3, EVFILT_USER, EV_DELETE, 0, 0, 0) == 0, "change 3 not applied (Darwin continues)");
    /* nevents 0: all receipts silently ignored */
    ev_set(&ch[0], 4, EVFILT_USER, EV_ADD | EV_RECEIPT, 0, 0, 0);
    r = kevent(kq, ch, 1, NULL, 0, NULL);
    CHECK(r == 0, "receipt with nevents 0 = %d errno %d", r, errno);
    CHECK(kchg(kq, 4, EVFILT_USER, EV_DELETE, 0, 0, 0) == 0, "change 4 not applied");
}

static void error_no_room_stops_processing(void) {
    int kq = kq_new();
    struct kevent ch[2];
    ev_set(&ch[0], 50, EVFILT_USER, EV_DELETE, 0, 0, 0);
    ev_set(&ch[1], 51, EVFILT_USER, EV_ADD, 0, 0, 0);
    errno = 0;
    int r = kevent(kq, ch, 2, NULL, 0, NULL);
    CHECK(r == -1 && errno == ENOENT, "= %d errno %d, want -1/ENOENT", r, errno);
    CHECK(kchg(kq, 51, EVFILT_USER, EV_DELETE, 0, 0, 0) == ENOENT, "change after the failing one was applied");
}

static void error_room_exhausted_stops_processing(void) {
    int kq = kq_new();
    struct kevent ch[4], out[1];
    ev_set(&ch[0], 60, EVFILT_USER, EV_ADD, 0, 0, 0);        /* ok */
    ev_set(&ch[1], 61, EVFILT_USER, EV_DELETE, 0, 0, 0);     /* ENOENT -> record */
    ev_set(&ch[2], 62, 0, EV_ADD, 0, 0, 0);                  /* EINVAL -> no room -> -1 */
    ev_set(&ch[3], 63, EVFILT_USER, EV_ADD, 0, 0, 0);        /* not applied */
    memset(out, 0, sizeof out);
    errno = 0;
    int r = kevent(kq, ch, 4, out, 1, NULL);
    CHECK(r == -1 && errno == EINVAL, "= %d errno %d, want -1/EINVAL", r, errno);
    CHECK(out[0].ident == 61 && (out[0].flags & EV_ERROR) && out[0].data == ENOENT,
          "first record ident %lu flags 0x%x data %ld", (unsigned long)out[0].ident, out[0].flags, (long)out[0].data);
    CHECK(kchg(kq, 60, EVFILT_USER, EV_DELETE, 0, 0, 0) == 0, "change 0 not applied");
    CHECK(kchg(kq, 63, EVFILT_USER, EV_DELETE, 0, 0, 0) == ENOENT, "change 3 applied after stop");
}

static void errors_continue_while_room(void) {
    int kq = kq_new();
    struct kevent ch[4], out[4];
    ev_set(&ch[0], 70, EVFILT_USER, EV_DELETE, 0, 0, 0);
    ev_set(&ch[1], 71, EVFILT_USER, EV_ADD, 0, 0, 0);
    ev_set(&ch[2], 72, EVFILT_USER, EV_ENABLE, 0, 0, 0);
    ev_set(&ch[3], 73, EVFILT_USER, EV_ADD, 0, 0, 0);
    int r = kevent(kq, ch, 4, out, 4, NULL);
    CHECK(r == 2, "= %d errno %d, want 2 error records", r, errno);
    CHECK(out[0].ident == 70 && out[1].ident == 72, "records in order: %lu %lu", (unsigned long)out[0].ident, (unsigned long)out[1].ident);
    CHECK(kchg(kq, 71, EVFILT_USER, EV_DELETE, 0, 0, 0) == 0, "71 missing");
    CHECK(kchg(kq, 73, EVFILT_USER, EV_DELETE, 0, 0, 0) == 0, "73 missing");
}

static void same_buffer_change_and_event_list(void) {
    int kq = kq_new();
    struct kevent buf[3];
    ev_set(&buf[0], 1, EVFILT_USER, EV_ADD | EV_RECEIPT, 0, 0, (void *)1);
    ev_set(&buf[1], 2, EVFILT_USER, EV_DELETE, 0, 0, (void *)2);
    ev_set(&buf[2], 3, EVFILT_USER, EV_ADD | EV_RECEIPT, 0, 0, (void *)3);
    int r = kevent(kq, buf, 3, buf, 3, NULL);
    CHECK(r == 3, "= %d errno %d, want 3", r, errno);
    CHECK(buf[0].ident == 1 && buf[0].data == 0 && (buf[0].flags & EV_ERROR), "rec0 ident %lu data %ld", (unsigned long)buf[0].ident, (long)buf[0].data);
    CHECK(buf[1].ident == 2 && buf[1].data == ENOENT, "rec1 ident %lu data %ld", (unsigned long)buf[1].ident, (long)buf[1].data);
    CHECK(buf[2].ident == 3 && buf[2].data == 0, "rec2 ident %lu data %ld", (unsigned long)buf[2].ident, (long)buf[2].data);
    CHECK(kchg(kq, 3, EVFILT_USER, EV_DELETE, 0, 0, 0) == 0, "change 3 not applied");
}

static void same_buffer_events(void) {
    int kq = kq_new();
    CHECK(kchg(kq, 8, EVFILT_USER, EV_ADD, 0, 0, 0) == 0, "add");
    struct kevent buf[2];
    ev_set(&buf[0], 8, EVFILT_USER, 0, NOTE_TRIGGER, 0, (void *)0x88);
    ev_set(&buf[1], 0, 0, 0, 0, 0, 0);
    struct timespec ts = { 1, 0 };
    int r = kevent(kq, buf, 1, buf, 2, &ts);
    CHECK(r == 1 && buf[0].ident == 8 && buf[0].filter == EVFILT_USER && !(buf[0].flags & EV_ERROR),
          "= %d ident %lu flags 0x%x", r, (unsigned long)buf[0].ident, buf[0].flags);
}

static void sysflags_stripped_on_input(void) {
    int kq = kq_new();
    struct kevent ch, out[2];
    ev_set(&ch, 20, EVFILT_USER, EV_ADD | EV_ERROR | EV_EOF | EV_FLAG0 | EV_FLAG1, NOTE_TRIGGER, 0, 0);
    struct timespec z = { 0, 0 };
    int r = kevent(kq, &ch, 1, NULL, 0, &z);
    CHECK(r == 0, "add with sysflags = %d errno %d, want 0", r, errno);
    r = kwait(kq, out, 2, 0);
    CHECK(r == 1, "event count %d", r);
    CHECK(!(out[0].flags & (EV_ERROR | EV_EOF | EV_FLAG0 | EV_FLAG1)), "returned flags 0x%x keep input sysflags", out[0].flags);
    /* EV_RECEIPT record for a change carrying sysflags */
    ev_set(&ch, 21, EVFILT_USER, EV_ADD | EV_RECEIPT | EV_EOF, 0, 0, 0);
    r = kevent(kq, &ch, 1, out, 1, &z);
    CHECK(r == 1 && out[0].data == 0, "receipt = %d data %ld", r, (long)out[0].data);
    CHECK(out[0].flags == (EV_ADD | EV_RECEIPT | EV_ERROR), "receipt flags 0x%x, want EV_ADD|EV_RECEIPT|EV_ERROR", out[0].flags);
}

static void filter_invalid_einval(void) {
    int bad[] = { 0, 1, 5, 100, -19, -100, -32768 };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int kq = kq_new();
        struct kevent ch, out;
        ev_set(&ch, 1, (int16_t)bad[i], EV_ADD, 0, 0, 0);
        struct timespec z = { 0, 0 };
        int r = kevent(kq, &ch, 1, &out, 1, &z);
        CHECK(r == 1 && (out.flags & EV_ERROR) && out.data == EINVAL,
              "filter %d: r %d flags 0x%x data %ld, want EV_ERROR/EINVAL record", bad[i], r, out.flags, (long)out.data);
        ev_set(&ch, 1, (int16_t)bad[i], EV_DELETE, 0, 0, 0);
        r = kevent(kq, &ch, 1, &out, 1, &z);
        CHECK(r == 1 && (out.flags & EV_ERROR) && out.data == EINVAL,
              "delete filter %d: r %d data %ld, want EINVAL", bad[i], r, (long)out.data);
        xclose(kq);
    }
}

static void enoent_for_missing_knote(void) {
    int kq = kq_new();
    int p[2];
    CHECK(pipe_nb(p) == 0, "pipe");
    uint16_t ops[] = { EV_DELETE, EV_ENABLE, EV_DISABLE, 0, EV_CLEAR, EV_ONESHOT };
    int16_t filters[] = { EVFILT_USER, EVFILT_TIMER, EVFILT_READ, EVFILT_WRITE };
    for (size_t f = 0; f < 4; f++) {
        for (size_t o = 0; o < sizeof ops / sizeof ops[0]; o++) {
            uintptr_t id = (filters[f] == EVFILT_READ || filters[f] == EVFILT_WRITE) ? (uintptr_t)p[0] : 12345;
            int e = kchg(kq, id, filters[f], ops[o], 0, 0, 0);
            CHECK(e == ENOENT, "filter %d flags 0x%x on missing knote -> %d, want ENOENT", filters[f], ops[o], e);
        }
    }
}

static void delete_with_add_deletes(void) {
    int kq = kq_new();
    int e = kchg(kq, 30, EVFILT_USER, EV_ADD | EV_DELETE, 0, 0, 0);
    CHECK(e == ENOENT, "EV_ADD|EV_DELETE on missing -> %d, want ENOENT (Darwin: delete wins)", e);
    CHECK(kchg(kq, 30, EVFILT_USER, EV_DELETE, 0, 0, 0) == ENOENT, "EV_ADD|EV_DELETE created the knote");
    CHECK(kchg(kq, 31, EVFILT_USER, EV_ADD, NOTE_TRIGGER, 0, 0) == 0, "add");
    e = kchg(kq, 31, EVFILT_USER, EV_ADD | EV_DELETE, NOTE_TRIGGER, 0, 0);
    CHECK(e == 0, "EV_ADD|EV_DELETE on existing -> %d, want 0", e);
    struct kevent ev;
    CHECK(kwait(kq, &ev, 1, 0) == 0, "knote still delivers after EV_ADD|EV_DELETE");
    CHECK(kchg(kq, 31, EVFILT_USER, EV_DELETE, 0, 0, 0) == ENOENT, "knote still exists");
}

static void enable_with_disable_disables(void) {
    int kq = kq_new();
    CHECK(kchg(kq, 40, EVFILT_USER, EV_ADD, NOTE_TRIGGER, 0, 0) == 0, "add");
    int e = kchg(kq, 40, EVFILT_USER, EV_ENABLE | EV_DISABLE, 0, 0, 0);
    CHECK(e == 0, "EV_ENABLE|EV_DISABLE -> %d, want 0 (Darwin accepts; disable wins)", e);
    struct kevent ev;
    CHECK(kwait(kq, &ev, 1, 0) == 0, "knote delivered after EV_ENABLE|EV_DISABLE");
    CHECK(kchg(kq, 40, EVFILT_USER, EV_ENABLE, 0, 0, 0) == 0, "enable");
    CHECK(kwait(kq, &ev, 1, 0) == 1 && ev.ident == 40, "not delivered after EV_ENABLE");
    /* add disabled */
    CHECK(kchg(kq, 41, EVFILT_USER, EV_ADD | EV_DISABLE, NOTE_TRIGGER, 0, 0) == 0, "add disabled");
    CHECK(kcount(kq, 41, EVFILT_USER, NULL) == 0, "EV_ADD|EV_DISABLE knote delivered");
}

static void udata_roundtrip_kevent(void) {
    int kq = kq_new();
    void *u = (void *)(uintptr_t)0xFEDCBA9876543210ULL;
    CHECK(kchg(kq, 1, EVFILT_USER, EV_ADD, NOTE_TRIGGER, 0, u) == 0, "add");
    struct kevent ev;
    CHECK(kwait(kq, &ev, 1, 0) == 1, "no event");
    CHECK(ev.udata == u, "udata %p, want %p", ev.udata, u);
}

static void udata_roundtrip_kevent64(void) {
    int kq = kq_new();
    uint64_t u = 0xDEADBEEFCAFEBABEULL;
    CHECK(k64chg(kq, 0xFFFFFFFFFFFFULL, EVFILT_USER, EV_ADD, NOTE_TRIGGER, 0, u, 0, 0) == 0, "add");
    struct kevent64_s ev;
    CHECK(k64wait(kq, &ev, 1, 0) == 1, "no event");
    CHECK(ev.udata == u, "udata 0x%llx", (unsigned long long)ev.udata);
    CHECK(ev.ident == 0xFFFFFFFFFFFFULL, "ident 0x%llx", (unsigned long long)ev.ident);
}

static void udata_replaced_on_modify(void) {
    int kq = kq_new();
    CHECK(kchg(kq, 1, EVFILT_USER, EV_ADD, 0, 0, (void *)0x111) == 0, "add");
    CHECK(kchg(kq, 1, EVFILT_USER, 0, NOTE_TRIGGER, 0, (void *)0x222) == 0, "trigger");
    struct kevent ev;
    CHECK(kwait(kq, &ev, 1, 0) == 1, "no event");
    CHECK(ev.udata == (void *)0x222, "udata %p, want 0x222 (modify replaces udata)", ev.udata);
}

static void ext_captured_at_add_user(void) {
    int kq = kq_new();
    CHECK(k64chg(kq, 1, EVFILT_USER, EV_ADD, 0, 0, 7, 0x1111, 0x2222) == 0, "add");
    CHECK(k64chg(kq, 1, EVFILT_USER, 0, NOTE_TRIGGER, 0, 8, 0x3333, 0x4444) == 0, "trigger");
    struct kevent64_s ev;
    CHECK(k64wait(kq, &ev, 1, 0) == 1, "no event");
    CHECK(ev.ext[0] == 0x1111 && ev.ext[1] == 0x2222, "ext {0x%llx,0x%llx}, want {0x1111,0x2222}",
          (unsigned long long)ev.ext[0], (unsigned long long)ev.ext[1]);
    CHECK(ev.udata == 8, "udata %llu, want 8", (unsigned long long)ev.udata);
}

static void ext_captured_at_add_read(void) {
    int kq = kq_new();
    int p[2];
    CHECK(pipe_nb(p) == 0, "pipe");
    CHECK(k64chg(kq, p[0], EVFILT_READ, EV_ADD, 0, 0, 1, 0xAAAA000000000001ULL, 0xBBBB000000000002ULL) == 0, "add");
    CHECK(k64chg(kq, p[0], EVFILT_READ, EV_ADD, 0, 0, 2, 5, 6) == 0, "modify");
    CHECK(write(p[1], "x", 1) == 1, "write");
    struct kevent64_s ev;
    CHECK(k64wait(kq, &ev, 1, 1000) == 1, "no event");
    CHECK(ev.ext[0] == 0xAAAA000000000001ULL && ev.ext[1] == 0xBBBB000000000002ULL, "ext {0x%llx,0x%llx}",
          (unsigned long long)ev.ext[0], (unsigned long long)ev.ext[1]);
    CHECK(ev.udata == 2, "udata %llu, want 2", (unsigned long long)ev.udata);
}

static void duplicate_add_modifies(void) {
    int kq = kq_new();
    int p[2];
    CHECK(pipe_nb(p) == 0, "pipe");
    CHECK(kchg(kq, p[0], EVFILT_READ, EV_ADD, 0, 0, (void *)1) == 0, "add 1");
    CHECK(kchg(kq, p[0], EVFILT_READ, EV_ADD, 0, 0, (void *)2) == 0, "add 2");
    CHECK(write(p[1], "ab", 2) == 2, "write");
    struct kevent ev[4];
    int r = kwait(kq, ev, 4, 1000);
    CHECK(r == 1, "%d events, want 1 (no duplicate knotes)", r);
    CHECK(ev[0].udata == (void *)2, "udata %p, want 2", ev[0].udata);
    CHECK(ev[0].data == 2, "data %ld", (long)ev[0].data);
    CHECK(kchg(kq, p[0], EVFILT_READ, EV_DELETE, 0, 0, 0) == 0, "delete");
    CHECK(kchg(kq, p[0], EVFILT_READ, EV_DELETE, 0, 0, 0) == ENOENT, "second knote existed");
}

static void returned_flags_keep_caller_bits(void) {
    int kq = kq_new();
    struct { uint16_t fl; } cases[] = {
        { EV_ADD }, { EV_ADD | EV_CLEAR }, { EV_ADD | EV_ONESHOT }, { EV_ADD | EV_DISPATCH },
        { EV_ADD | EV_CLEAR | EV_DISPATCH },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        uintptr_t id = 100 + i;
        CHECK(kchg(kq, id, EVFILT_USER, cases[i].fl, NOTE_TRIGGER, 0, 0) == 0, "add");
        struct kevent ev;
        CHECK(kwait_for(kq, id, EVFILT_USER, &ev, 0) == 1, "no event for case %zu", i);
        CHECK((ev.flags & cases[i].fl) == cases[i].fl, "flags 0x%x lack caller bits 0x%x", ev.flags, cases[i].fl);
        kchg(kq, id, EVFILT_USER, EV_DELETE, 0, 0, 0);
    }
}

static void eventlist_smaller_than_ready(void) {
    int kq = kq_new();
    for (int i = 0; i < 5; i++)
        CHECK(kchg(kq, 200 + i, EVFILT_USER, EV_ADD | EV_ONESHOT, NOTE_TRIGGER, 0, 0) == 0, "add");
    int seen[5] = { 0 };
    int counts[4];
    for (int c = 0; c < 4; c++) {
        struct kevent ev[2];
        counts[c] = kwait(kq, ev, 2, 0);
        for (int k = 0; k < counts[c]; k++) {
            int idx = (int)ev[k].ident - 200;
            if (idx >= 0 && idx < 5) seen[idx]++;
        }
    }
    CHECK(counts[0] == 2 && counts[1] == 2 && counts[2] == 1 && counts[3] == 0, "batches %d %d %d %d, want 2 2 1 0",
          counts[0], counts[1], counts[2], counts[3]);
    for (int i = 0; i < 5; i++) CHECK(seen[i] == 1, "ident %d seen %d times", 200 + i, seen[i]);
}

static void ident_namespace_per_filter_and_kqueue(void) {
    int kq = kq_new(), kq2 = kq_new();
    CHECK(kchg(kq, 5, EVFILT_USER, EV_ADD, NOTE_TRIGGER, 0, (void *)1) == 0, "user 5");
    CHECK(kchg(kq, 5, EVFILT_TIMER, EV_ADD | EV_ONESHOT, 0, 10, (void *)2) == 0, "timer 5");
    CHECK(kchg(kq2, 5, EVFILT_USER, EV_ADD, 0, 0, (void *)3) == 0, "user 5 on kq2");
    struct kevent ev;
    CHECK(kwait_for(kq, 5, EVFILT_USER, &ev, 1000) == 1 && ev.udata == (void *)1, "user 5");
    CHECK(kwait_for(kq, 5, EVFILT_TIMER, &ev, 2000) == 1 && ev.udata == (void *)2, "timer 5");
    CHECK(kwait(kq2, &ev, 1, 0) == 0, "kq2's untriggered user 5 fired");
}

/* ---------------------------------------------------------------- EV_ADD errors on fds */

static void add_bad_fd_ebadf(void) {
    int kq = kq_new();
    int fd = open("/dev/null", O_RDONLY);
    close(fd);
    int e = kchg(kq, fd, EVFILT_READ, EV_ADD, 0, 0, 0);
    CHECK(e == EBADF, "EVFILT_READ on closed fd -> %d, want EBADF", e);
    e = kchg(kq, fd, EVFILT_WRITE, EV_ADD, 0, 0, 0);
    CHECK(e == EBADF, "EVFILT_WRITE on closed fd -> %d, want EBADF", e);
    e = kchg(kq, 100000, EVFILT_READ, EV_ADD, 0, 0, 0);
    CHECK(e == EBADF, "EVFILT_READ on fd 100000 -> %d, want EBADF", e);
    e = kchg(kq, (uintptr_t)-1, EVFILT_READ, EV_ADD, 0, 0, 0);
    CHECK(e == EBADF, "EVFILT_READ on ident (uintptr_t)-1 -> %d, want EBADF", e);
}

static void delete_on_closed_fd_enoent(void) {
    int kq = kq_new();
    int fd = open("/dev/null", O_RDONLY);
    close(fd);
    int e = kchg(kq, fd, EVFILT_READ, EV_DELETE, 0, 0, 0);
    CHECK(e == ENOENT, "EV_DELETE of never-registered closed fd -> %d, want ENOENT (Darwin does not validate fd)", e);
}

/* ---------------------------------------------------------------- close / dup interplay */

static void close_fd_removes_knote(void) {
    int kq = kq_new();
    int p[2];
    CHECK(pipe_nb(p) == 0, "pipe");
    CHECK(kchg(kq, p[0], EVFILT_READ, EV_ADD, 0, 0, 0) == 0, "add");
    int rfd = p[0];
    xclose(rfd);
    int e = kchg(kq, rfd, EVFILT_READ, EV_DELETE, 0, 0, 0);
    CHECK(e == ENOENT, "delete after close -> %d, want ENOENT", e);
}

static void close_fd_drops_pending_event(void) {
    int kq = kq_new();
    int p[2];
    CHECK(pipe_nb(p) == 0, "pipe");
    CHECK(kchg(kq, p[0], EVFILT_READ, EV_ADD, 0, 0, 0) == 0, "add");
    CHECK(write(p[1], "abc", 3) == 3, "write");
    struct kevent ev;
    int rfd = p[0];
    xclose(rfd);
    int r = kwait(kq, &ev, 1, 50);
    CHECK(r == 0, "stale event after close: r %d ident %lu", r, (unsigned long)ev.ident);
}

static void reused_fd_starts_clean(void) {
    int kq = kq_new();
    int p[2];
    CHECK(pipe_nb(p) == 0, "pipe");
    int rfd = p[0];
    CHECK(kchg(kq, rfd, EVFILT_READ, EV_ADD, 0, 0, (void *)0x5) == 0, "add");
    CHECK(write(p[1], "abc", 3) == 3, "write");
    xclose(rfd);
    xclose(p[1]);
    /* reopen: lowest free fd numbers, so the read end number is reused */
    int q[2];
    CHECK(pipe_nb(q) == 0, "pipe2");
    int reused = (q[0] == rfd || q[1] == rfd);
    CHECK(write(q[1], "zz", 2) == 2, "write q");
    struct kevent ev;
    int r = kwait(kq, &ev, 1, 100);
    CHECK(r == 0, "reused fd %d (reused=%d) reported an event (ident %lu udata %p)", rfd, reused,
          (unsigned long)ev.ident, ev.udata);
    CHECK(kchg(kq, rfd, EVFILT_READ, EV_DELETE, 0, 0, 0) == ENOENT, "reused fd has a knote");
}

static void close_dup_original_still_removes(void) {
    int kq = kq_new();
    int p[2];
    CHECK(pipe_nb(p) == 0, "pipe");
    int d = track(dup(p[0]));
    CHECK(d >= 0, "dup");
    int rfd = p[0];
    CHECK(kchg(kq, rfd, EVFILT_READ, EV_ADD, 0, 0, 0) == 0, "add");
    xclose(rfd);
    CHECK(write(p[1], "x", 1) == 1, "write");
    struct kevent ev;
    CHECK(kwait(kq, &ev, 1, 100) == 0, "knote survived close() of its fd number (open file kept alive by dup)");
    CHECK(kchg(kq, rfd, EVFILT_READ, EV_DELETE, 0, 0, 0) == ENOENT, "delete after close");
    /* the dup'd fd number is independent and can be watched */
    CHECK(kchg(kq, d, EVFILT_READ, EV_ADD, 0, 0, 0) == 0, "add dup");
    CHECK(kwait(kq, &ev, 1, 1000) == 1 && ev.ident == (uintptr_t)d && ev.data == 1, "dup fd not reported");
}

static void close_removes_from_all_kqueues(void) {
    int kq1 = kq_new(), kq2 = kq_new();
    int p[2];
    CHECK(pipe_nb(p) == 0, "pipe");
    int rfd = p[0];
    CHECK(kchg(kq1, rfd, EVFILT_READ, EV_ADD, 0, 0, 0) == 0, "add1");
    CHECK(kchg(kq2, rfd, EVFILT_READ, EV_ADD, 0, 0, 0) == 0, "add2");
    CHECK(kchg(kq2, p[1], EVFILT_WRITE, EV_ADD, 0, 0, 0) == 0, "add w");
    xclose(rfd);
    CHECK(kchg(kq1, rfd, EVFILT_READ, EV_DELETE, 0, 0, 0) == ENOENT, "kq1 still has knote");
    CHECK(kchg(kq2, rfd, EVFILT_READ, EV_DELETE, 0, 0, 0) == ENOENT, "kq2 still has knote");
    CHECK(kchg(kq2, p[1], EVFILT_WRITE, EV_DELETE, 0, 0, 0) == 0, "unrelated knote removed");
}

static void dup2_onto_watched_fd(void) {
    int kq = kq_new();
    int p[2], q[2];
    CHECK(pipe_nb(p) == 0 && pipe_nb(q) == 0, "pipes");
    CHECK(kchg(kq, p[0], EVFILT_READ, EV_ADD, 0, 0, 0) == 0, "add");
    CHECK(dup2(q[0], p[0]) == p[0], "dup2 errno %d", errno);
    CHECK(write(q[1], "x", 1) == 1, "write");
    struct kevent ev;
    CHECK(kwait(kq, &ev, 1, 100) == 0, "knote on fd replaced by dup2 still fires");
    CHECK(kchg(kq, p[0], EVFILT_READ, EV_DELETE, 0, 0, 0) == ENOENT, "knote survived dup2");
}

static void dup3_onto_watched_fd(void) {
    int kq = kq_new();
    int p[2], q[2];
    CHECK(pipe_nb(p) == 0 && pipe_nb(q) == 0, "pipes");
    CHECK(kchg(kq, p[0], EVFILT_READ, EV_ADD, 0, 0, 0) == 0, "add");
    CHECK(dup3(q[0], p[0], O_CLOEXEC) == p[0], "dup3 errno %d", errno);
    CHECK(write(q[1], "x", 1) == 1, "write");
    struct kevent ev;
    CHECK(kwait(kq, &ev, 1, 100) == 0, "knote on fd replaced by dup3 still fires");
    CHECK(kchg(kq, p[0], EVFILT_READ, EV_DELETE, 0, 0, 0) == ENOENT, "knote survived dup3");
}

static void dup2_same_fd_keeps_knote(void) {
    int kq = kq_new();
    int p[2];
    CHECK(pipe_nb(p) == 0, "pipe");
    CHECK(kchg(kq, p[0], EVFILT_READ, EV_ADD, 0, 0, 0) == 0, "add");
    CHECK(dup2(p[0], p[0]) == p[0], "dup2 same");
    CHECK(write(p[1], "x", 1) == 1, "write");
    struct kevent ev;
    CHECK(kwait(kq, &ev, 1, 1000) == 1, "dup2(fd, fd) removed the knote (it is a no-op)");
}

static void close_kqueue_then_fd_ok(void) {
    int kq = kq_new();
    int p[2];
    CHECK(pipe_nb(p) == 0, "pipe");
    CHECK(kchg(kq, p[0], EVFILT_READ, EV_ADD, 0, 0, 0) == 0, "add");
    CHECK(xclose(kq) == 0, "close kq");
    CHECK(write(p[1], "x", 1) == 1, "write after kq close");
    char c;
    CHECK(read(p[0], &c, 1) == 1, "read after kq close");
    CHECK(xclose(p[0]) == 0, "close fd after its kqueue closed: errno %d", errno);
}

/* ---------------------------------------------------------------- kqueue fd pollable */

static void kqueue_fd_readable_when_pending(void) {
    int inner = kq_new(), outer = kq_new();
    CHECK(kchg(inner, 1, EVFILT_USER, EV_ADD | EV_CLEAR, 0, 0, 0) == 0, "inner add");
    int e = kchg(outer, inner, EVFILT_READ, EV_ADD, 0, 0, (void *)0x99);
    CHECK(e == 0, "EVFILT_READ on a kqueue fd -> %d, want 0", e);
    struct kevent ev;
    CHECK(kwait(outer, &ev, 1, 50) == 0, "outer fired with nothing pending in inner");
    CHECK(kchg(inner, 1, EVFILT_USER, 0, NOTE_TRIGGER, 0, 0) == 0, "trigger");
    int r = kwait(outer, &ev, 1, 2000);
    CHECK(r == 1 && ev.ident == (uintptr_t)inner && ev.filter == EVFILT_READ, "outer r %d ident %lu", r, (unsigned long)ev.ident);
    CHECK(ev.data >= 1, "data %ld, want >= 1 pending", (long)ev.data);
    CHECK(ev.udata == (void *)0x99, "udata");
    CHECK(kwait(inner, &ev, 1, 0) == 1, "inner event");
    CHECK(kwait(outer, &ev, 1, 50) == 0, "outer still readable after inner drained");
}

static void kqueue_on_itself_einval(void) {
    int kq = kq_new();
    int e = kchg(kq, kq, EVFILT_READ, EV_ADD, 0, 0, 0);
    CHECK(e == EINVAL, "EVFILT_READ of a kqueue on itself -> %d, want EINVAL", e);
}

static void kqueue_fd_write_filter_einval(void) {
    int inner = kq_new(), outer = kq_new();
    int e = kchg(outer, inner, EVFILT_WRITE, EV_ADD, 0, 0, 0);
    CHECK(e == EINVAL, "EVFILT_WRITE on a kqueue fd -> %d, want EINVAL", e);
}

/* ---------------------------------------------------------------- threads: close + signals */

struct waiter { int kq; int r; int err; long dt; int flags64; };

static void *waiter_main(void *arg) {
    struct waiter *w = arg;
    struct kevent ev;
    struct timespec ts = { 5, 0 };
    long t0 = now_ms();
    errno = 0;
    w->r = kevent(w->kq, NULL, 0, &ev, 1, &ts);
    w->err = errno;
    w->dt = now_ms() - t0;
    return NULL;
}

static void close_kqueue_wakes_waiter_ebadf(void) {
    int kq = kqueue();
    CHECK(kq >= 0, "kqueue");
    struct waiter w = { kq, 0, 0, 0, 0 };
    pthread_t th;
    pthread_create(&th, NULL, waiter_main, &w);
    sleep_ms(200);
    close(kq);
    pthread_join(th, NULL);
    CHECK(w.r == -1 && w.err == EBADF, "waiter returned %d errno %d after %ld ms, want -1/EBADF", w.r, w.err, w.dt);
    CHECK(w.dt < 3000, "waiter not woken promptly (%ld ms)", w.dt);
}

static void sig_handler_count(int s) { (void)s; }

static void kevent_eintr_no_restart(void) {
    for (int restart = 0; restart < 2; restart++) {
        struct sigaction sa, old;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = sig_handler_count;
        sa.sa_flags = restart ? SA_RESTART : 0;
        sigemptyset(&sa.sa_mask);
        sigaction(SIGUSR1, &sa, &old);
        int kq = kq_new();
        struct waiter w = { kq, 0, 0, 0, 0 };
        pthread_t th;
        pthread_create(&th, NULL, waiter_main, &w);
        sleep_ms(200);
        pthread_kill(th, SIGUSR1);
        pthread_join(th, NULL);
        sigaction(SIGUSR1, &old, NULL);
        CHECK(w.r == -1 && w.err == EINTR, "%s: waiter returned %d errno %d after %ld ms, want -1/EINTR",
              restart ? "SA_RESTART" : "no SA_RESTART", w.r, w.err, w.dt);
        CHECK(w.dt < 3000, "not interrupted promptly (%ld ms)", w.dt);
    }
}

struct waiter_chg { int kq; int r; int err; };
static void *waiter_chg_main(void *arg) {
    struct waiter_chg *w = arg;
    struct kevent ch, ev;
    ev_set(&ch, 777, EVFILT_USER, EV_ADD, 0, 0, 0);
    struct timespec ts = { 5, 0 };
    errno = 0;
    w->r = kevent(w->kq, &ch, 1, &ev, 1, &ts);
    w->err = errno;
    return NULL;
}

static void kevent_eintr_changes_applied(void) {
    struct sigaction sa, old;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = sig_handler_count;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGUSR1, &sa, &old);
    int kq = kq_new();
    struct waiter_chg w = { kq, 0, 0 };
    pthread_t th;
    pthread_create(&th, NULL, waiter_chg_main, &w);
    sleep_ms(200);
    pthread_kill(th, SIGUSR1);
    pthread_join(th, NULL);
    sigaction(SIGUSR1, &old, NULL);
    CHECK(w.r == -1 && w.err == EINTR, "r %d errno %d", w.r, w.err);
    CHECK(kchg(kq, 777, EVFILT_USER, EV_DELETE, 0, 0, 0) == 0, "change not applied before the interrupted wait");
}

static void kevent64_udata_and_flags_pass_through_error(void) {
    int kq = kq_new();
    struct kevent64_s ch, out[2];
    ev64_set(&ch, 0x1234567890ULL, EVFILT_USER, EV_DISABLE, 0, 0, 0x8000000000000001ULL, 9, 10);
    int r = kevent64(kq, &ch, 1, out, 2, 0, NULL);
    CHECK(r == 1, "= %d errno %d", r, errno);
    CHECK(out[0].ident == 0x1234567890ULL && out[0].udata == 0x8000000000000001ULL, "ident/udata not echoed");
    CHECK(out[0].flags == (EV_DISABLE | EV_ERROR) && out[0].data == ENOENT, "flags 0x%x data %lld", out[0].flags, (long long)out[0].data);
}

static void kevent64_error_no_room(void) {
    int kq = kq_new();
    struct kevent64_s ch[2];
    ev64_set(&ch[0], 1, EVFILT_USER, EV_DELETE, 0, 0, 0, 0, 0);
    ev64_set(&ch[1], 2, EVFILT_USER, EV_ADD, 0, 0, 0, 0, 0);
    errno = 0;
    int r = kevent64(kq, ch, 2, NULL, 0, KEVENT_FLAG_ERROR_EVENTS, NULL);
    CHECK(r == -1 && errno == ENOENT, "= %d errno %d, want -1/ENOENT", r, errno);
    CHECK(k64chg(kq, 2, EVFILT_USER, EV_DELETE, 0, 0, 0, 0, 0) == ENOENT, "change after the failure applied");
}

static void kevent64_receipt_flags(void) {
    int kq = kq_new();
    struct kevent64_s ch, out;
    ev64_set(&ch, 3, EVFILT_TIMER, EV_ADD | EV_RECEIPT | EV_ONESHOT, 0, 5000, 0x99, 0, 0);
    int r = kevent64(kq, &ch, 1, &out, 1, KEVENT_FLAG_IMMEDIATE, NULL);
    CHECK(r == 1, "= %d errno %d", r, errno);
    CHECK((out.flags & (EV_ADD | EV_RECEIPT | EV_ONESHOT | EV_ERROR)) == (EV_ADD | EV_RECEIPT | EV_ONESHOT | EV_ERROR) &&
          out.data == 0 && out.udata == 0x99,
          "flags 0x%x data %lld", out.flags, (long long)out.data);
}

static void ev_receipt_on_fd_filters(void) {
    int kq = kq_new();
    int p[2];
    CHECK(pipe_nb(p) == 0, "pipe");
    CHECK(write(p[1], "x", 1) == 1, "write");
    struct kevent ch[2], out[2];
    ev_set(&ch[0], p[0], EVFILT_READ, EV_ADD | EV_RECEIPT, 0, 0, 0);
    ev_set(&ch[1], p[1], EVFILT_WRITE, EV_ADD | EV_RECEIPT, 0, 0, 0);
    int r = kevent(kq, ch, 2, out, 2, NULL);
    CHECK(r == 2, "= %d, want 2 receipts (ready events not collected)", r);
    for (int i = 0; i < 2; i++) CHECK((out[i].flags & EV_ERROR) && out[i].data == 0, "record %d flags 0x%x data %ld", i, out[i].flags, (long)out[i].data);
    r = kwait(kq, out, 2, 1000);
    CHECK(r == 2, "then both events: %d", r);
}

/* wait for a child up to ms; returns its status or -1 (killed) */
static int wait_child(pid_t pid, long ms) {
    long end = now_ms() + ms;
    int st = 0;
    while (now_ms() < end) {
        pid_t r = waitpid(pid, &st, WNOHANG);
        if (r == pid) return st;
        sleep_ms(10);
    }
    kill(pid, SIGKILL);
    waitpid(pid, &st, 0);
    return -1;
}

static void fork_child_has_no_kqueue(void) {
    int kq = kq_new();
    CHECK(kchg(kq, 1, EVFILT_USER, EV_ADD, NOTE_TRIGGER, 0, 0) == 0, "add");
    fflush(stdout);
    pid_t pid = fork();
    CHECK(pid >= 0, "fork");
    if (pid == 0) {
        struct kevent ev;
        struct timespec z = { 0, 0 };
        errno = 0;
        int r = kevent(kq, NULL, 0, &ev, 1, &z);
        if (r != -1 || errno != EBADF) _exit(10 + (r < 0 ? 0 : r));
        _exit(0);
    }
    int st = wait_child(pid, 5000);
    CHECK(st != -1, "child hung");
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0,
          "in the child, kevent on the parent's kqueue did not fail with EBADF (exit %d); Darwin kqueues are not inherited across fork",
          WIFEXITED(st) ? WEXITSTATUS(st) : -1);
    struct kevent ev;
    CHECK(kwait(kq, &ev, 1, 0) == 1, "parent's kqueue broken after fork");
}

static void fork_child_can_create_kqueue(void) {
    int kq = kq_new();
    CHECK(kchg(kq, 1, EVFILT_USER, EV_ADD, 0, 0, 0) == 0, "add");
    fflush(stdout);
    pid_t pid = fork();
    CHECK(pid >= 0, "fork");
    if (pid == 0) {
        int k = kqueue();
        if (k < 0) _exit(2);
        struct kevent ch, ev;
        ev_set(&ch, 5, EVFILT_USER, EV_ADD, NOTE_TRIGGER, 0, 0);
        struct timespec ts = { 1, 0 };
        int r = kevent(k, &ch, 1, &ev, 1, &ts);
        if (r != 1 || ev.ident != 5) _exit(3);
        ev_set(&ch, 6, EVFILT_TIMER, EV_ADD | EV_ONESHOT, 0, 20, 0);
        r = kevent(k, &ch, 1, &ev, 1, &ts);
        if (r != 1 || ev.ident != 5) _exit(4); /* user 5 still level-triggered */
        _exit(0);
    }
    int st = wait_child(pid, 5000);
    CHECK(st != -1, "child hung");
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "child using its own kqueue failed (exit %d)", WIFEXITED(st) ? WEXITSTATUS(st) : -1);
}

static void poll_on_kqueue_fd(void) {
    int kq = kq_new();
    CHECK(kchg(kq, 1, EVFILT_USER, EV_ADD | EV_CLEAR, 0, 0, 0) == 0, "add");
    struct pollfd pfd = { kq, POLLIN, 0 };
    int r = poll(&pfd, 1, 50);
    CHECK(r == 0, "poll on an idle kqueue = %d revents 0x%x", r, pfd.revents);
    CHECK(kchg(kq, 1, EVFILT_USER, 0, NOTE_TRIGGER, 0, 0) == 0, "trigger");
    pfd.revents = 0;
    r = poll(&pfd, 1, 1000);
    CHECK(r == 1 && (pfd.revents & POLLIN), "poll with a pending event = %d revents 0x%x", r, pfd.revents);
    struct kevent ev;
    CHECK(kwait(kq, &ev, 1, 0) == 1, "event");
    pfd.revents = 0;
    r = poll(&pfd, 1, 50);
    CHECK(r == 0, "poll after draining = %d revents 0x%x", r, pfd.revents);
}

static void same_fd_two_kqueues_both_report(void) {
    int kq1 = kq_new(), kq2 = kq_new();
    int p[2];
    CHECK(pipe_nb(p) == 0, "pipe");
    CHECK(kchg(kq1, p[0], EVFILT_READ, EV_ADD | EV_CLEAR, 0, 0, (void *)1) == 0, "add1");
    CHECK(kchg(kq2, p[0], EVFILT_READ, EV_ADD | EV_CLEAR, 0, 0, (void *)2) == 0, "add2");
    CHECK(write(p[1], "abc", 3) == 3, "write");
    struct kevent ev;
    CHECK(kwait(kq1, &ev, 1, 1000) == 1 && ev.udata == (void *)1 && ev.data == 3, "kq1");
    CHECK(kwait(kq2, &ev, 1, 1000) == 1 && ev.udata == (void *)2 && ev.data == 3, "kq2");
    CHECK(kchg(kq1, p[0], EVFILT_READ, EV_DELETE, 0, 0, 0) == 0, "delete in kq1");
    CHECK(write(p[1], "d", 1) == 1, "write");
    CHECK(kwait(kq2, &ev, 1, 1000) == 1 && ev.data == 4, "kq2 after kq1 deleted its knote");
    CHECK(kwait(kq1, &ev, 1, 50) == 0, "kq1 after delete");
}

int main(int argc, char **argv) {
    static const struct test_case tests[] = {
        T(kqueue_returns_fd),
        T(kevent_ebadf_minus1),
        T(kevent_ebadf_closed_kq),
        T(kevent_ebadf_non_kqueue_fd),
        T(kqueue_fd_is_cloexec),
        TT(kqueue_close_no_fd_leak, 30),
        T(timeout_nsec_1e9_accepted),
        T(timeout_invalid_einval),
        T(timeout_int32_max_accepted),
        T(timeout_invalid_checked_before_changes),
        T(timeout_zero_polls),
        T(timeout_relative_waits),
        T(kevent64_immediate_null_timeout),
        T(kevent64_immediate_ignores_timeout_contents),
        T(kevent64_immediate_returns_pending),
        T(kevent64_error_events_never_blocks),
        T(kevent64_error_events_reports_errors_and_receipts),
        T(kevent64_private_flags_einval),
        T(mixing_kevent_then_kevent64_einval),
        T(mixing_kevent64_then_kevent_einval),
        T(mixing_first_call_with_changes_fixes_kind),
        T(nevents_zero_with_changes_does_not_wait),
        T(nevents_negative_behaves_as_zero),
        T(nchanges_negative_applies_nothing),
        T(error_record_format),
        T(error_record_keeps_caller_flags),
        T(records_return_immediately_without_scan),
        T(receipt_success_record),
        T(receipt_no_room_ignored),
        T(error_no_room_stops_processing),
        T(error_room_exhausted_stops_processing),
        T(errors_continue_while_room),
        T(same_buffer_change_and_event_list),
        T(same_buffer_events),
        T(sysflags_stripped_on_input),
        T(filter_invalid_einval),
        T(enoent_for_missing_knote),
        T(delete_with_add_deletes),
        T(enable_with_disable_disables),
        T(udata_roundtrip_kevent),
        T(udata_roundtrip_kevent64),
        T(udata_replaced_on_modify),
        T(ext_captured_at_add_user),
        T(ext_captured_at_add_read),
        T(duplicate_add_modifies),
        T(returned_flags_keep_caller_bits),
        T(eventlist_smaller_than_ready),
        T(ident_namespace_per_filter_and_kqueue),
        T(add_bad_fd_ebadf),
        T(delete_on_closed_fd_enoent),
        T(close_fd_removes_knote),
        T(close_fd_drops_pending_event),
        T(reused_fd_starts_clean),
        T(close_dup_original_still_removes),
        T(close_removes_from_all_kqueues),
        T(dup2_onto_watched_fd),
        T(dup3_onto_watched_fd),
        T(dup2_same_fd_keeps_knote),
        T(close_kqueue_then_fd_ok),
        T(kqueue_fd_readable_when_pending),
        T(kqueue_fd_write_filter_einval),
        T(kqueue_on_itself_einval),
        T(close_kqueue_wakes_waiter_ebadf),
        T(kevent_eintr_no_restart),
        T(kevent_eintr_changes_applied),
        T(kevent64_udata_and_flags_pass_through_error),
        T(kevent64_error_no_room),
        T(kevent64_receipt_flags),
        T(ev_receipt_on_fd_filters),
        T(fork_child_has_no_kqueue),
        T(fork_child_can_create_kqueue),
        T(poll_on_kqueue_fd),
        T(same_fd_two_kqueues_both_report),
    };
    return RUN_ALL(tests);
}
