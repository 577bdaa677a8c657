/* EVFILT_USER conformance (Darwin kernel semantics). */
#include "conformance.h"

static void user_add_not_triggered(void) {
    int kq = kq_new();
    CHECK(kchg(kq, 1, EVFILT_USER, EV_ADD, 0, 0, 0) == 0, "add");
    struct kevent ev;
    CHECK(kwait(kq, &ev, 1, 50) == 0, "untriggered user event fired");
}

static void user_trigger_same_thread(void) {
    int kq = kq_new();
    CHECK(kchg(kq, 1, EVFILT_USER, EV_ADD | EV_CLEAR, 0, 0, (void *)0x10) == 0, "add");
    CHECK(kchg(kq, 1, EVFILT_USER, 0, NOTE_TRIGGER, 0, (void *)0x10) == 0, "trigger");
    struct kevent ev;
    CHECK(kwait(kq, &ev, 1, 1000) == 1, "not delivered");
    CHECK(ev.ident == 1 && ev.filter == EVFILT_USER && ev.udata == (void *)0x10, "ident %lu filter %d", (unsigned long)ev.ident, ev.filter);
    CHECK(!(ev.flags & (EV_ERROR | EV_EOF)), "flags 0x%x", ev.flags);
    CHECK((ev.flags & (EV_ADD | EV_CLEAR)) == (EV_ADD | EV_CLEAR), "flags 0x%x lack EV_ADD|EV_CLEAR", ev.flags);
    CHECK((ev.fflags & NOTE_FFLAGSMASK) == 0, "fflags 0x%x", ev.fflags);
}

static void user_trigger_with_enable_flag(void) {
    int kq = kq_new();
    CHECK(kchg(kq, 1, EVFILT_USER, EV_ADD | EV_CLEAR, 0, 0, 0) == 0, "add");
    CHECK(kchg(kq, 1, EVFILT_USER, EV_ENABLE, NOTE_TRIGGER, 0, 0) == 0, "trigger with EV_ENABLE");
    struct kevent ev;
    CHECK(kwait(kq, &ev, 1, 1000) == 1 && ev.ident == 1, "not delivered");
}

static void user_trigger_with_add_clear_not_lost(void) {
    int kq = kq_new();
    CHECK(kchg(kq, 1, EVFILT_USER, EV_ADD | EV_CLEAR, 0, 0, 0) == 0, "add");
    CHECK(kchg(kq, 1, EVFILT_USER, EV_ADD | EV_CLEAR, NOTE_TRIGGER, 0, 0) == 0, "trigger with EV_ADD|EV_CLEAR");
    struct kevent ev;
    CHECK(kwait(kq, &ev, 1, 200) == 1 && ev.ident == 1,
          "trigger carrying EV_ADD|EV_CLEAR lost (Darwin triggers; only FreeBSD cancels it)");
}

static void user_add_with_trigger(void) {
    int kq = kq_new();
    CHECK(kchg(kq, 2, EVFILT_USER, EV_ADD, NOTE_TRIGGER, 0, 0) == 0, "add");
    struct kevent ev;
    CHECK(kwait(kq, &ev, 1, 1000) == 1 && ev.ident == 2, "EV_ADD with NOTE_TRIGGER not delivered");
}

static void user_add_fflags_stored_verbatim(void) {
    int kq = kq_new();
    CHECK(kchg(kq, 2, EVFILT_USER, EV_ADD, NOTE_TRIGGER | 0x5, 0, 0) == 0, "add");
    struct kevent ev;
    CHECK(kwait(kq, &ev, 1, 1000) == 1, "not delivered");
    CHECK((ev.fflags & NOTE_FFLAGSMASK) == 0x5, "fflags 0x%x, low bits want 0x5", ev.fflags);
    CHECK(ev.fflags == (NOTE_TRIGGER | 0x5), "fflags 0x%x, want 0x%x (EV_ADD stores fflags verbatim on Darwin)",
          ev.fflags, NOTE_TRIGGER | 0x5);
}

struct trig_arg { int kq; uintptr_t id; long delay_ms; int rc; };
static void *trigger_later(void *a) {
    struct trig_arg *t = a;
    sleep_ms(t->delay_ms);
    t->rc = kchg(t->kq, t->id, EVFILT_USER, 0, NOTE_TRIGGER, 0, 0);
    return NULL;
}

static void user_trigger_other_thread_wakes_waiter(void) {
    int kq = kq_new();
    CHECK(kchg(kq, 3, EVFILT_USER, EV_ADD | EV_CLEAR, 0, 0, 0) == 0, "add");
    struct trig_arg t = { kq, 3, 150, -1 };
    pthread_t th;
    pthread_create(&th, NULL, trigger_later, &t);
    struct kevent ev;
    struct timespec ts = { 5, 0 };
    long t0 = now_ms();
    int r = kevent(kq, NULL, 0, &ev, 1, &ts);
    long dt = now_ms() - t0;
    pthread_join(th, NULL);
    CHECK(t.rc == 0, "trigger failed %d", t.rc);
    CHECK(r == 1 && ev.ident == 3, "r %d errno %d", r, errno);
    CHECK(dt >= 100 && dt < 2000, "woke after %ld ms", dt);
}

static void user_trigger_other_thread_null_timeout(void) {
    int kq = kq_new();
    CHECK(kchg(kq, 3, EVFILT_USER, EV_ADD | EV_CLEAR, 0, 0, 0) == 0, "add");
    struct trig_arg t = { kq, 3, 100, -1 };
    pthread_t th;
    pthread_create(&th, NULL, trigger_later, &t);
    struct kevent ev;
    int r = kevent(kq, NULL, 0, &ev, 1, NULL); /* bounded by the trigger + watchdog */
    pthread_join(th, NULL);
    CHECK(r == 1 && ev.ident == 3, "r %d errno %d", r, errno);
}

static void *trigger64_later(void *a) {
    struct trig_arg *t = a;
    sleep_ms(t->delay_ms);
    t->rc = k64chg(t->kq, t->id, EVFILT_USER, 0, NOTE_TRIGGER, 0, 0, 0, 0);
    return NULL;
}

static void user_trigger_other_thread_kevent64(void) {
    int kq = kq_new();
    CHECK(k64chg(kq, 3, EVFILT_USER, EV_ADD | EV_CLEAR, 0, 0, 0, 0, 0) == 0, "add");
    struct trig_arg t = { kq, 3, 100, -1 };
    pthread_t th;
    pthread_create(&th, NULL, trigger64_later, &t);
    struct kevent64_s ev;
    struct timespec ts = { 5, 0 };
    int r = kevent64(kq, NULL, 0, &ev, 1, 0, &ts);
    pthread_join(th, NULL);
    CHECK(t.rc == 0, "trigger rc %d", t.rc);
    CHECK(r == 1 && ev.ident == 3, "r %d errno %d", r, errno);
}

static void user_fflags_operations(void) {
    int kq = kq_new();
    struct kevent ev;
    CHECK(kchg(kq, 4, EVFILT_USER, EV_ADD | EV_CLEAR, 0x0F, 0, 0) == 0, "add");
    CHECK(kchg(kq, 4, EVFILT_USER, 0, NOTE_TRIGGER | NOTE_FFNOP | 0xF00, 0, 0) == 0, "nop");
    CHECK(kwait(kq, &ev, 1, 1000) == 1 && (ev.fflags & NOTE_FFLAGSMASK) == 0x0F, "FFNOP: fflags 0x%x, want 0xF", ev.fflags);
    CHECK(kchg(kq, 4, EVFILT_USER, 0, NOTE_TRIGGER | NOTE_FFAND | 0x3, 0, 0) == 0, "and");
    CHECK(kwait(kq, &ev, 1, 1000) == 1 && (ev.fflags & NOTE_FFLAGSMASK) == 0x03, "FFAND: fflags 0x%x, want 0x3", ev.fflags);
    CHECK(kchg(kq, 4, EVFILT_USER, 0, NOTE_TRIGGER | NOTE_FFOR | 0x30, 0, 0) == 0, "or");
    CHECK(kwait(kq, &ev, 1, 1000) == 1 && (ev.fflags & NOTE_FFLAGSMASK) == 0x33, "FFOR: fflags 0x%x, want 0x33", ev.fflags);
    CHECK(kchg(kq, 4, EVFILT_USER, 0, NOTE_TRIGGER | NOTE_FFCOPY | 0x500, 0, 0) == 0, "copy");
    CHECK(kwait(kq, &ev, 1, 1000) == 1, "no event");
    CHECK(ev.fflags == 0x500, "FFCOPY: fflags 0x%x, want exactly 0x500", ev.fflags);
    /* control bits never leak into the stored value, and only the low 24 bits are kept */
    CHECK(kchg(kq, 4, EVFILT_USER, 0, NOTE_TRIGGER | NOTE_FFCOPY | 0x00ABCDEF, 0, 0) == 0, "copy 2");
    CHECK(kwait(kq, &ev, 1, 1000) == 1 && ev.fflags == 0x00ABCDEF, "fflags 0x%x, want 0xABCDEF", ev.fflags);
    CHECK(kchg(kq, 4, EVFILT_USER, 0, NOTE_TRIGGER | NOTE_FFOR | 0x3F000000u, 0, 0) == 0, "or high");
    CHECK(kwait(kq, &ev, 1, 1000) == 1 && ev.fflags == 0x00ABCDEF, "bits above 24 stored: fflags 0x%x", ev.fflags);
}

static void user_fflags_update_without_trigger(void) {
    int kq = kq_new();
    CHECK(kchg(kq, 5, EVFILT_USER, EV_ADD | EV_CLEAR, 0, 0, 0) == 0, "add");
    CHECK(kchg(kq, 5, EVFILT_USER, 0, NOTE_FFOR | 0x1, 0, 0) == 0, "or 1 without trigger");
    struct kevent ev;
    CHECK(kwait(kq, &ev, 1, 50) == 0, "fflags update alone triggered the event");
    CHECK(kchg(kq, 5, EVFILT_USER, 0, NOTE_FFOR | NOTE_TRIGGER | 0x2, 0, 0) == 0, "or 2 + trigger");
    CHECK(kwait(kq, &ev, 1, 1000) == 1 && (ev.fflags & NOTE_FFLAGSMASK) == 0x3, "fflags 0x%x, want 0x3", ev.fflags);
}

static void user_fflags_persist_across_clear(void) {
    int kq = kq_new();
    CHECK(kchg(kq, 6, EVFILT_USER, EV_ADD | EV_CLEAR, 0, 0, 0) == 0, "add");
    CHECK(kchg(kq, 6, EVFILT_USER, 0, NOTE_TRIGGER | NOTE_FFOR | 0x8, 0, 0) == 0, "trigger");
    struct kevent ev;
    CHECK(kwait(kq, &ev, 1, 1000) == 1 && (ev.fflags & NOTE_FFLAGSMASK) == 0x8, "first");
    CHECK(kchg(kq, 6, EVFILT_USER, 0, NOTE_TRIGGER, 0, 0) == 0, "trigger 2");
    CHECK(kwait(kq, &ev, 1, 1000) == 1 && (ev.fflags & NOTE_FFLAGSMASK) == 0x8,
          "stored fflags not persisted across EV_CLEAR: 0x%x", ev.fflags);
}

static void user_data_passthrough(void) {
    int kq = kq_new();
    CHECK(kchg(kq, 7, EVFILT_USER, EV_ADD | EV_CLEAR, 0, 123, 0) == 0, "add");
    CHECK(kchg(kq, 7, EVFILT_USER, 0, NOTE_TRIGGER, 42, 0) == 0, "trigger");
    struct kevent ev;
    CHECK(kwait(kq, &ev, 1, 1000) == 1, "no event");
    CHECK(ev.data == 42, "data %ld, want 42 (last stored)", (long)ev.data);
    CHECK(kchg(kq, 7, EVFILT_USER, 0, NOTE_TRIGGER, -77, 0) == 0, "trigger");
    CHECK(kwait(kq, &ev, 1, 1000) == 1 && ev.data == -77, "data %ld, want -77", (long)ev.data);
    CHECK(kchg(kq, 7, EVFILT_USER, 0, NOTE_TRIGGER, 0, 0) == 0, "trigger");
    CHECK(kwait(kq, &ev, 1, 1000) == 1 && ev.data == 0, "data %ld, want 0 (each modify stores data)", (long)ev.data);
}

static void user_data_from_add(void) {
    int kq = kq_new();
    CHECK(kchg(kq, 7, EVFILT_USER, EV_ADD, NOTE_TRIGGER, 9999, 0) == 0, "add");
    struct kevent ev;
    CHECK(kwait(kq, &ev, 1, 1000) == 1 && ev.data == 9999, "data %ld, want 9999", (long)ev.data);
}

static void user_data_64bit_kevent64(void) {
    int kq = kq_new();
    CHECK(k64chg(kq, 7, EVFILT_USER, EV_ADD | EV_CLEAR, 0, 0, 0, 0, 0) == 0, "add");
    CHECK(k64chg(kq, 7, EVFILT_USER, 0, NOTE_TRIGGER, 0x123456789ABCDLL, 0, 0, 0) == 0, "trigger");
    struct kevent64_s ev;
    CHECK(k64wait(kq, &ev, 1, 1000) == 1 && ev.data == 0x123456789ABCDLL, "data 0x%llx", (long long)ev.data);
}

static void user_level_without_clear(void) {
    int kq = kq_new();
    CHECK(kchg(kq, 8, EVFILT_USER, EV_ADD, 0, 0, 0) == 0, "add");
    CHECK(kchg(kq, 8, EVFILT_USER, 0, NOTE_TRIGGER, 0, 0) == 0, "trigger");
    struct kevent ev;
    for (int i = 0; i < 3; i++) CHECK(kwait(kq, &ev, 1, 0) == 1 && ev.ident == 8, "retrieval %d missing (stays triggered)", i);
}

static void user_clear_resets(void) {
    int kq = kq_new();
    CHECK(kchg(kq, 9, EVFILT_USER, EV_ADD | EV_CLEAR, 0, 0, 0) == 0, "add");
    CHECK(kchg(kq, 9, EVFILT_USER, 0, NOTE_TRIGGER, 0, 0) == 0, "trigger");
    struct kevent ev;
    CHECK(kwait(kq, &ev, 1, 0) == 1, "first");
    CHECK(kwait(kq, &ev, 1, 50) == 0, "EV_CLEAR user event delivered twice");
    CHECK(kchg(kq, 9, EVFILT_USER, 0, NOTE_TRIGGER, 0, 0) == 0, "trigger again");
    CHECK(kwait(kq, &ev, 1, 0) == 1, "re-trigger not delivered");
}

static void user_triggers_coalesce(void) {
    int kq = kq_new();
    CHECK(kchg(kq, 10, EVFILT_USER, EV_ADD | EV_CLEAR, 0, 0, 0) == 0, "add");
    for (int i = 0; i < 5; i++) CHECK(kchg(kq, 10, EVFILT_USER, 0, NOTE_TRIGGER, i, 0) == 0, "trigger %d", i);
    struct kevent ev[8];
    int r = kwait(kq, ev, 8, 0);
    CHECK(r == 1, "%d events, want 1 (coalesced)", r);
    CHECK(ev[0].data == 4, "data %ld, want the last stored 4", (long)ev[0].data);
    CHECK(kwait(kq, ev, 8, 50) == 0, "extra event");
}

static void user_dispatch(void) {
    int kq = kq_new();
    CHECK(kchg(kq, 11, EVFILT_USER, EV_ADD | EV_CLEAR | EV_DISPATCH, 0, 0, 0) == 0, "add");
    CHECK(kchg(kq, 11, EVFILT_USER, 0, NOTE_TRIGGER, 0, 0) == 0, "trigger");
    struct kevent ev;
    CHECK(kwait(kq, &ev, 1, 0) == 1 && (ev.flags & EV_DISPATCH), "first (flags 0x%x)", ev.flags);
    CHECK(kchg(kq, 11, EVFILT_USER, 0, NOTE_TRIGGER, 0, 0) == 0, "trigger while disabled");
    CHECK(kwait(kq, &ev, 1, 50) == 0, "dispatch knote delivered while disabled");
    CHECK(kchg(kq, 11, EVFILT_USER, EV_ENABLE, 0, 0, 0) == 0, "enable");
    CHECK(kwait(kq, &ev, 1, 0) == 1, "trigger while disabled not delivered on re-enable");
    CHECK(kwait(kq, &ev, 1, 50) == 0, "delivered twice");
    CHECK(kchg(kq, 11, EVFILT_USER, EV_DELETE, 0, 0, 0) == 0, "knote must still exist");
}

static void user_dispatch_level(void) {
    int kq = kq_new();
    CHECK(kchg(kq, 12, EVFILT_USER, EV_ADD | EV_DISPATCH, NOTE_TRIGGER, 0, 0) == 0, "add");
    struct kevent ev;
    CHECK(kwait(kq, &ev, 1, 0) == 1, "first");
    CHECK(kwait(kq, &ev, 1, 50) == 0, "delivered while disabled");
    CHECK(kchg(kq, 12, EVFILT_USER, EV_ENABLE, 0, 0, 0) == 0, "enable");
    CHECK(kwait(kq, &ev, 1, 0) == 1, "still-triggered (no EV_CLEAR) event not delivered after re-enable");
}

static void user_oneshot(void) {
    int kq = kq_new();
    CHECK(kchg(kq, 13, EVFILT_USER, EV_ADD | EV_ONESHOT, 0, 0, 0) == 0, "add");
    CHECK(kchg(kq, 13, EVFILT_USER, 0, NOTE_TRIGGER, 0, 0) == 0, "trigger");
    struct kevent ev;
    CHECK(kwait(kq, &ev, 1, 0) == 1 && (ev.flags & EV_ONESHOT), "first");
    CHECK(kwait(kq, &ev, 1, 50) == 0, "oneshot delivered twice");
    CHECK(kchg(kq, 13, EVFILT_USER, 0, NOTE_TRIGGER, 0, 0) == ENOENT, "oneshot knote not deleted after delivery");
}

static void user_delete_discards_pending(void) {
    int kq = kq_new();
    CHECK(kchg(kq, 14, EVFILT_USER, EV_ADD, NOTE_TRIGGER, 0, 0) == 0, "add");
    CHECK(kchg(kq, 14, EVFILT_USER, EV_DELETE, 0, 0, 0) == 0, "delete");
    struct kevent ev;
    CHECK(kwait(kq, &ev, 1, 50) == 0, "pending event survived delete");
    CHECK(kchg(kq, 14, EVFILT_USER, 0, NOTE_TRIGGER, 0, 0) == ENOENT, "trigger after delete");
}

static void user_disable_enable(void) {
    int kq = kq_new();
    CHECK(kchg(kq, 15, EVFILT_USER, EV_ADD | EV_CLEAR, 0, 0, 0) == 0, "add");
    CHECK(kchg(kq, 15, EVFILT_USER, EV_DISABLE, 0, 0, 0) == 0, "disable");
    CHECK(kchg(kq, 15, EVFILT_USER, 0, NOTE_TRIGGER, 0, 0) == 0, "trigger");
    struct kevent ev;
    CHECK(kwait(kq, &ev, 1, 50) == 0, "disabled event delivered");
    CHECK(kchg(kq, 15, EVFILT_USER, EV_ENABLE, 0, 0, 0) == 0, "enable");
    CHECK(kwait(kq, &ev, 1, 0) == 1, "trigger while disabled lost");
}

static void user_disable_after_trigger(void) {
    int kq = kq_new();
    CHECK(kchg(kq, 16, EVFILT_USER, EV_ADD | EV_CLEAR, NOTE_TRIGGER, 0, 0) == 0, "add");
    CHECK(kchg(kq, 16, EVFILT_USER, EV_DISABLE, 0, 0, 0) == 0, "disable");
    struct kevent ev;
    CHECK(kwait(kq, &ev, 1, 50) == 0, "pending event of a disabled knote delivered");
    CHECK(kchg(kq, 16, EVFILT_USER, EV_ENABLE, 0, 0, 0) == 0, "enable");
    CHECK(kwait(kq, &ev, 1, 0) == 1, "pending event lost across disable/enable");
}

static void user_trigger_missing_enoent(void) {
    int kq = kq_new();
    int e = kchg(kq, 999, EVFILT_USER, 0, NOTE_TRIGGER, 0, 0);
    CHECK(e == ENOENT, "trigger of missing knote -> %d, want ENOENT", e);
}

static void user_many_idents(void) {
    int kq = kq_new();
    enum { N = 500 };
    for (int i = 0; i < N; i++) CHECK(kchg(kq, 1000 + i, EVFILT_USER, EV_ADD | EV_ONESHOT, 0, 0, (void *)(intptr_t)i) == 0, "add %d", i);
    for (int i = 0; i < N; i += 3) CHECK(kchg(kq, 1000 + i, EVFILT_USER, 0, NOTE_TRIGGER, i, (void *)(intptr_t)i) == 0, "trigger %d", i);
    static int seen[N];
    memset(seen, 0, sizeof seen);
    int total = 0;
    for (;;) {
        struct kevent ev[64];
        int r = kwait(kq, ev, 64, 0);
        CHECK(r >= 0, "kevent errno %d", errno);
        if (r == 0) break;
        for (int k = 0; k < r; k++) {
            int idx = (int)ev[k].ident - 1000;
            CHECK(idx >= 0 && idx < N && ev[k].data == idx && ev[k].udata == (void *)(intptr_t)idx, "bad event ident %lu", (unsigned long)ev[k].ident);
            seen[idx]++;
            total++;
        }
    }
    for (int i = 0; i < N; i++) CHECK(seen[i] == (i % 3 == 0), "ident %d seen %d", 1000 + i, seen[i]);
    CHECK(total == (N + 2) / 3, "total %d", total);
}

static void user_ident_zero_and_large(void) {
    int kq = kq_new();
    CHECK(kchg(kq, 0, EVFILT_USER, EV_ADD, NOTE_TRIGGER, 0, 0) == 0, "ident 0");
    CHECK(kchg(kq, (uintptr_t)-1, EVFILT_USER, EV_ADD, NOTE_TRIGGER, 0, 0) == 0, "ident UINTPTR_MAX");
    struct kevent ev[4];
    int r = kwait(kq, ev, 4, 0);
    CHECK(r == 2, "%d events", r);
    int z = 0, m = 0;
    for (int i = 0; i < r; i++) { if (ev[i].ident == 0) z++; if (ev[i].ident == (uintptr_t)-1) m++; }
    CHECK(z == 1 && m == 1, "idents not preserved");
}

static void user_kevent64_receipt_and_ext(void) {
    int kq = kq_new();
    struct kevent64_s ch, out;
    ev64_set(&ch, 17, EVFILT_USER, EV_ADD | EV_RECEIPT, NOTE_TRIGGER, 5, 0xAB, 0xC0FFEE, 0xBEEF);
    int r = kevent64(kq, &ch, 1, &out, 1, 0, NULL);
    CHECK(r == 1 && (out.flags & EV_ERROR) && out.data == 0, "receipt r %d flags 0x%x data %lld", r, out.flags, (long long)out.data);
    CHECK(out.udata == 0xAB, "receipt udata");
    r = kevent64(kq, NULL, 0, &out, 1, KEVENT_FLAG_IMMEDIATE, NULL);
    CHECK(r == 1 && out.ident == 17 && out.data == 5 && out.ext[0] == 0xC0FFEE && out.ext[1] == 0xBEEF,
          "event r %d data %lld ext {0x%llx,0x%llx}", r, (long long)out.data, (unsigned long long)out.ext[0], (unsigned long long)out.ext[1]);
}

int main(int argc, char **argv) {
    static const struct test_case tests[] = {
        T(user_add_not_triggered),
        T(user_trigger_same_thread),
        T(user_trigger_with_enable_flag),
        T(user_trigger_with_add_clear_not_lost),
        T(user_add_with_trigger),
        T(user_add_fflags_stored_verbatim),
        T(user_trigger_other_thread_wakes_waiter),
        T(user_trigger_other_thread_null_timeout),
        T(user_trigger_other_thread_kevent64),
        T(user_fflags_operations),
        T(user_fflags_update_without_trigger),
        T(user_fflags_persist_across_clear),
        T(user_data_passthrough),
        T(user_data_from_add),
        T(user_data_64bit_kevent64),
        T(user_level_without_clear),
        T(user_clear_resets),
        T(user_triggers_coalesce),
        T(user_dispatch),
        T(user_dispatch_level),
        T(user_oneshot),
        T(user_delete_discards_pending),
        T(user_disable_enable),
        T(user_disable_after_trigger),
        T(user_trigger_missing_enoent),
        T(user_many_idents),
        T(user_ident_zero_and_large),
        T(user_kevent64_receipt_and_ext),
    };
    return RUN_ALL(tests);
}
