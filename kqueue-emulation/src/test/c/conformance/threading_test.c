/* Multi-threaded conformance: exactly-once delivery, cross-thread wakeups, bounded stress. */
#include "conformance.h"

#define NWAIT 4

struct waiter {
    int kq;
    long timeout_ms;
    int r;
    int err;
    struct kevent ev;
    pthread_barrier_t *bar;
};

static void *waiter_main(void *a) {
    struct waiter *w = a;
    if (w->bar) pthread_barrier_wait(w->bar);
    struct timespec ts = ms_ts(w->timeout_ms);
    errno = 0;
    w->r = kevent(w->kq, NULL, 0, &w->ev, 1, &ts);
    w->err = errno;
    return NULL;
}

typedef int (*setup_fn)(int kq, int *aux);   /* register the knote; returns ident */
typedef int (*fire_fn)(int kq, int ident, int *aux);

static int count_winners(struct waiter *w, int n, int ident, int16_t filter, char *why, size_t whylen) {
    int winners = 0;
    for (int i = 0; i < n; i++) {
        if (w[i].r == 1 && w[i].ev.ident == (uintptr_t)ident && w[i].ev.filter == filter) winners++;
        else if (w[i].r != 0) { snprintf(why, whylen, "waiter %d: r %d errno %d", i, w[i].r, w[i].err); return -1; }
    }
    return winners;
}

static void run_exactly_once(int kq, int ident, int16_t filter, fire_fn fire, int *aux, const char *what) {
    struct waiter w[NWAIT];
    pthread_t th[NWAIT];
    pthread_barrier_t bar;
    pthread_barrier_init(&bar, NULL, NWAIT + 1);
    for (int i = 0; i < NWAIT; i++) {
        memset(&w[i], 0, sizeof w[i]);
        w[i].kq = kq;
        w[i].timeout_ms = 1500;
        w[i].bar = &bar;
        pthread_create(&th[i], NULL, waiter_main, &w[i]);
    }
    pthread_barrier_wait(&bar);
    sleep_ms(200); /* let every waiter block */
    int rc = fire(kq, ident, aux);
    for (int i = 0; i < NWAIT; i++) pthread_join(th[i], NULL);
    pthread_barrier_destroy(&bar);
    EXPECT(rc == 0, "%s: firing failed rc %d", what, rc);
    char why[128] = "";
    int winners = count_winners(w, NWAIT, ident, filter, why, sizeof why);
    CHECK(winners >= 0, "%s: %s", what, why);
    CHECK(winners == 1, "%s: delivered to %d of %d blocked threads, want exactly 1", what, winners, NWAIT);
}

static int fire_user(int kq, int ident, int *aux) { (void)aux; return kchg(kq, ident, EVFILT_USER, 0, NOTE_TRIGGER, 0, 0); }
static int fire_pipe(int kq, int ident, int *aux) { (void)kq; (void)ident; return write(aux[1], "x", 1) == 1 ? 0 : errno; }

static void exactly_once_user_clear(void) {
    int kq = kq_new();
    CHECK(kchg(kq, 1, EVFILT_USER, EV_ADD | EV_CLEAR, 0, 0, 0) == 0, "add");
    run_exactly_once(kq, 1, EVFILT_USER, fire_user, NULL, "EVFILT_USER EV_CLEAR");
}

static void exactly_once_user_oneshot(void) {
    int kq = kq_new();
    CHECK(kchg(kq, 2, EVFILT_USER, EV_ADD | EV_ONESHOT, 0, 0, 0) == 0, "add");
    run_exactly_once(kq, 2, EVFILT_USER, fire_user, NULL, "EVFILT_USER EV_ONESHOT");
}

static void exactly_once_user_dispatch(void) {
    int kq = kq_new();
    CHECK(kchg(kq, 3, EVFILT_USER, EV_ADD | EV_DISPATCH, 0, 0, 0) == 0, "add");
    run_exactly_once(kq, 3, EVFILT_USER, fire_user, NULL, "EVFILT_USER EV_DISPATCH");
}

static void exactly_once_pipe_clear(void) {
    int kq = kq_new();
    int p[2];
    CHECK(pipe_nb(p) == 0, "pipe");
    CHECK(kchg(kq, p[0], EVFILT_READ, EV_ADD | EV_CLEAR, 0, 0, 0) == 0, "add");
    run_exactly_once(kq, p[0], EVFILT_READ, fire_pipe, p, "EVFILT_READ EV_CLEAR");
}

static void exactly_once_pipe_dispatch(void) {
    int kq = kq_new();
    int p[2];
    CHECK(pipe_nb(p) == 0, "pipe");
    CHECK(kchg(kq, p[0], EVFILT_READ, EV_ADD | EV_DISPATCH, 0, 0, 0) == 0, "add");
    run_exactly_once(kq, p[0], EVFILT_READ, fire_pipe, p, "EVFILT_READ EV_DISPATCH");
}

static void exactly_once_pipe_oneshot(void) {
    int kq = kq_new();
    int p[2];
    CHECK(pipe_nb(p) == 0, "pipe");
    CHECK(kchg(kq, p[0], EVFILT_READ, EV_ADD | EV_ONESHOT, 0, 0, 0) == 0, "add");
    run_exactly_once(kq, p[0], EVFILT_READ, fire_pipe, p, "EVFILT_READ EV_ONESHOT");
}

static int fire_nothing(int kq, int ident, int *aux) { (void)kq; (void)ident; (void)aux; return 0; }

static void exactly_once_timer_oneshot(void) {
    int kq = kq_new();
    CHECK(kchg(kq, 4, EVFILT_TIMER, EV_ADD | EV_ONESHOT, 0, 400, 0) == 0, "add");
    run_exactly_once(kq, 4, EVFILT_TIMER, fire_nothing, NULL, "EVFILT_TIMER EV_ONESHOT");
}

/* ---- a knote added by another thread wakes a waiter */

struct adder { int kq; int kind; int fd; int rc; };
static void *adder_main(void *a) {
    struct adder *d = a;
    sleep_ms(150);
    if (d->kind == 0) d->rc = kchg(d->kq, 9, EVFILT_USER, EV_ADD, NOTE_TRIGGER, 0, 0);
    else if (d->kind == 1) d->rc = kchg(d->kq, d->fd, EVFILT_READ, EV_ADD, 0, 0, 0);
    else d->rc = kchg(d->kq, 9, EVFILT_TIMER, EV_ADD | EV_ONESHOT, 0, 50, 0);
    return NULL;
}

static void add_from_other_thread_wakes_waiter(void) {
    int p[2];
    CHECK(pipe_nb(p) == 0, "pipe");
    CHECK(write(p[1], "abc", 3) == 3, "write");
    const char *names[] = { "triggered user knote", "ready pipe knote", "timer knote" };
    int16_t filters[] = { EVFILT_USER, EVFILT_READ, EVFILT_TIMER };
    for (int kind = 0; kind < 3; kind++) {
        int kq = kq_new();
        struct adder d = { kq, kind, p[0], -1 };
        pthread_t th;
        pthread_create(&th, NULL, adder_main, &d);
        struct kevent ev;
        struct timespec ts = { 3, 0 };
        long t0 = now_ms();
        int r = kevent(kq, NULL, 0, &ev, 1, &ts);
        long dt = now_ms() - t0;
        pthread_join(th, NULL);
        CHECK(d.rc == 0, "%s: add rc %d", names[kind], d.rc);
        CHECK(r == 1 && ev.filter == filters[kind], "%s added by another thread: waiter r %d after %ld ms", names[kind], r, dt);
        CHECK(dt < 1500, "%s: waiter woke after %ld ms", names[kind], dt);
        xclose(kq);
    }
}

/* ---- many oneshot events, many consumers: every event exactly once */

struct consumer { int kq; volatile int *stop; int *seen; int n; long got; int err; };
static void *consumer_main(void *a) {
    struct consumer *c = a;
    while (!*c->stop) {
        struct kevent ev[8];
        struct timespec ts = { 0, 20 * 1000000L };
        int r = kevent(c->kq, NULL, 0, ev, 8, &ts);
        if (r < 0) { if (errno == EINTR) continue; c->err = errno; break; }
        for (int i = 0; i < r; i++) {
            intptr_t id = (intptr_t)ev[i].ident;
            if (ev[i].filter == EVFILT_USER && id >= 0 && id < c->n) __atomic_add_fetch(&c->seen[id], 1, __ATOMIC_RELAXED);
            c->got++;
        }
    }
    return NULL;
}

struct producer { int kq; int base; int count; int err; };
static void *producer_main(void *a) {
    struct producer *p = a;
    for (int i = 0; i < p->count; i++) {
        int id = p->base + i;
        int e = kchg(p->kq, id, EVFILT_USER, EV_ADD | EV_ONESHOT, NOTE_TRIGGER, 0, 0);
        if (e) { p->err = e; break; }
    }
    return NULL;
}

static void stress_producers_consumers(void) {
    int kq = kq_new();
    enum { NP = 4, NC = 3, PER = 2500, N = NP * PER };
    static int seen[N];
    memset(seen, 0, sizeof seen);
    volatile int stop = 0;
    struct consumer cs[NC];
    struct producer ps[NP];
    pthread_t ct[NC], pt[NP];
    for (int i = 0; i < NC; i++) {
        cs[i] = (struct consumer){ kq, &stop, seen, N, 0, 0 };
        pthread_create(&ct[i], NULL, consumer_main, &cs[i]);
    }
    for (int i = 0; i < NP; i++) {
        ps[i] = (struct producer){ kq, i * PER, PER, 0 };
        pthread_create(&pt[i], NULL, producer_main, &ps[i]);
    }
    for (int i = 0; i < NP; i++) pthread_join(pt[i], NULL);
    long end = now_ms() + 8000;
    for (;;) {
        long total = 0;
        for (int i = 0; i < N; i++) total += __atomic_load_n(&seen[i], __ATOMIC_RELAXED) ? 1 : 0;
        if (total == N || now_ms() > end) break;
        sleep_ms(20);
    }
    sleep_ms(100);
    stop = 1;
    for (int i = 0; i < NC; i++) pthread_join(ct[i], NULL);
    for (int i = 0; i < NP; i++) CHECK(ps[i].err == 0, "producer %d error %d", i, ps[i].err);
    for (int i = 0; i < NC; i++) CHECK(cs[i].err == 0, "consumer %d error %d", i, cs[i].err);
    int missing = 0, dup = 0;
    for (int i = 0; i < N; i++) { if (seen[i] == 0) missing++; if (seen[i] > 1) dup++; }
    CHECK(missing == 0 && dup == 0, "%d events missing, %d delivered more than once (of %d)", missing, dup, N);
}

/* ---- concurrent add/delete/trigger churn on shared idents; must not crash or hang */

struct churner { int kq; int seed; int iters; int bad; int badval; };
static void *churner_main(void *a) {
    struct churner *c = a;
    unsigned s = (unsigned)c->seed;
    for (int i = 0; i < c->iters; i++) {
        s = s * 1103515245u + 12345u;
        int id = (int)((s >> 8) % 16);
        int op = (int)((s >> 16) % 4);
        int e;
        switch (op) {
        case 0: e = kchg(c->kq, id, EVFILT_USER, EV_ADD | EV_CLEAR, 0, 0, 0); break;
        case 1: e = kchg(c->kq, id, EVFILT_USER, EV_DELETE, 0, 0, 0); break;
        case 2: e = kchg(c->kq, id, EVFILT_USER, 0, NOTE_TRIGGER, 0, 0); break;
        default: e = kchg(c->kq, id, EVFILT_USER, EV_DISABLE, 0, 0, 0); break;
        }
        if (e != 0 && e != ENOENT) { c->bad++; c->badval = e; }
    }
    return NULL;
}

static void stress_churn_same_idents(void) {
    int kq = kq_new();
    volatile int stop = 0;
    static int seen[16];
    struct consumer cs[2];
    pthread_t ct[2], ht[4];
    struct churner ch[4];
    for (int i = 0; i < 2; i++) {
        cs[i] = (struct consumer){ kq, &stop, seen, 16, 0, 0 };
        pthread_create(&ct[i], NULL, consumer_main, &cs[i]);
    }
    for (int i = 0; i < 4; i++) {
        ch[i] = (struct churner){ kq, 17 + i, 20000, 0, 0 };
        pthread_create(&ht[i], NULL, churner_main, &ch[i]);
    }
    for (int i = 0; i < 4; i++) pthread_join(ht[i], NULL);
    stop = 1;
    for (int i = 0; i < 2; i++) pthread_join(ct[i], NULL);
    for (int i = 0; i < 4; i++) CHECK(ch[i].bad == 0, "churner %d: %d unexpected errors (last %d)", i, ch[i].bad, ch[i].badval);
    for (int i = 0; i < 2; i++) CHECK(cs[i].err == 0, "consumer error %d", cs[i].err);
    /* the kqueue still works */
    CHECK(kchg(kq, 100, EVFILT_USER, EV_ADD, NOTE_TRIGGER, 0, 0) == 0, "add after churn");
    struct kevent ev;
    CHECK(kwait_for(kq, 100, EVFILT_USER, &ev, 1000) == 1, "kqueue broken after churn");
}

/* ---- close of a watched fd while another thread waits */

static void close_watched_fd_while_waiting(void) {
    int kq = kq_new();
    int p[2];
    CHECK(pipe_nb(p) == 0, "pipe");
    CHECK(kchg(kq, p[0], EVFILT_READ, EV_ADD, 0, 0, 0) == 0, "add");
    struct waiter w;
    memset(&w, 0, sizeof w);
    w.kq = kq;
    w.timeout_ms = 600;
    pthread_t th;
    pthread_create(&th, NULL, waiter_main, &w);
    sleep_ms(100);
    int rfd = p[0];
    xclose(rfd);
    if (write(p[1], "x", 1) < 0) { /* EPIPE expected: reader closed */ }
    pthread_join(th, NULL);
    CHECK(w.r == 0, "waiter got r %d errno %d ident %lu after its fd was closed", w.r, w.err, (unsigned long)w.ev.ident);
    CHECK(kchg(kq, rfd, EVFILT_READ, EV_DELETE, 0, 0, 0) == ENOENT, "knote survived close");
}

/* ---- several kqueues used from several threads independently */

struct ping { int kq; int iters; int err; };
static void *ping_main(void *a) {
    struct ping *p = a;
    if (kchg(p->kq, 1, EVFILT_USER, EV_ADD | EV_CLEAR, 0, 0, 0)) { p->err = 1; return NULL; }
    for (int i = 0; i < p->iters; i++) {
        if (kchg(p->kq, 1, EVFILT_USER, 0, NOTE_TRIGGER, i, 0)) { p->err = 2; return NULL; }
        struct kevent ev;
        int r = kwait(p->kq, &ev, 1, 1000);
        if (r != 1 || ev.data != i) { p->err = 3; return NULL; }
    }
    return NULL;
}

static void independent_kqueues_in_threads(void) {
    enum { N = 4 };
    struct ping ps[N];
    pthread_t th[N];
    for (int i = 0; i < N; i++) {
        ps[i] = (struct ping){ kq_new(), 5000, 0 };
        pthread_create(&th[i], NULL, ping_main, &ps[i]);
    }
    for (int i = 0; i < N; i++) pthread_join(th[i], NULL);
    for (int i = 0; i < N; i++) CHECK(ps[i].err == 0, "thread %d failed at stage %d", i, ps[i].err);
}

int main(int argc, char **argv) {
    static const struct test_case tests[] = {
        T(exactly_once_user_clear),
        T(exactly_once_user_oneshot),
        T(exactly_once_user_dispatch),
        T(exactly_once_pipe_clear),
        T(exactly_once_pipe_dispatch),
        T(exactly_once_pipe_oneshot),
        T(exactly_once_timer_oneshot),
        T(add_from_other_thread_wakes_waiter),
        TT(stress_producers_consumers, 30),
        TT(stress_churn_same_idents, 30),
        T(close_watched_fd_while_waiting),
        TT(independent_kqueues_in_threads, 30),
    };
    return RUN_ALL(tests);
}
