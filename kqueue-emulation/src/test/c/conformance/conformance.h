/*
 * Independent black-box conformance harness for a Linux emulation of Darwin's kqueue.
 *
 * Everything here is written from Darwin's public ABI (bsd/sys/event.h) and the documented
 * kernel behaviour; it deliberately does not include the implementation's header.
 * Expectations are Darwin's KERNEL behaviour, with Linux errno numbers (the emulation runs
 * inside a Linux process).
 */
#ifndef KQ_CONFORMANCE_H
#define KQ_CONFORMANCE_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>
#include <dirent.h>
#include <assert.h>

/* ------------------------------------------------------------------ Darwin ABI */

#pragma pack(push, 4)
struct kevent {
    uintptr_t ident;
    int16_t   filter;
    uint16_t  flags;
    uint32_t  fflags;
    intptr_t  data;
    void     *udata;
};
#pragma pack(pop)

struct kevent64_s {
    uint64_t ident;
    int16_t  filter;
    uint16_t flags;
    uint32_t fflags;
    int64_t  data;
    uint64_t udata;
    uint64_t ext[2];
};

static_assert(sizeof(struct kevent) == 32, "struct kevent is 32 bytes");
static_assert(_Alignof(struct kevent) == 4, "struct kevent is pack(4)");
static_assert(offsetof(struct kevent, ident) == 0, "ident@0");
static_assert(offsetof(struct kevent, filter) == 8, "filter@8");
static_assert(offsetof(struct kevent, flags) == 10, "flags@10");
static_assert(offsetof(struct kevent, fflags) == 12, "fflags@12");
static_assert(offsetof(struct kevent, data) == 16, "data@16");
static_assert(offsetof(struct kevent, udata) == 24, "udata@24");

static_assert(sizeof(struct kevent64_s) == 48, "struct kevent64_s is 48 bytes");
static_assert(_Alignof(struct kevent64_s) == 8, "kevent64_s align 8");
static_assert(offsetof(struct kevent64_s, ident) == 0, "ident@0");
static_assert(offsetof(struct kevent64_s, filter) == 8, "filter@8");
static_assert(offsetof(struct kevent64_s, flags) == 10, "flags@10");
static_assert(offsetof(struct kevent64_s, fflags) == 12, "fflags@12");
static_assert(offsetof(struct kevent64_s, data) == 16, "data@16");
static_assert(offsetof(struct kevent64_s, udata) == 24, "udata@24");
static_assert(offsetof(struct kevent64_s, ext) == 32, "ext@32");

/* filters */
#define EVFILT_READ      (-1)
#define EVFILT_WRITE     (-2)
#define EVFILT_AIO       (-3)
#define EVFILT_VNODE     (-4)
#define EVFILT_PROC      (-5)
#define EVFILT_SIGNAL    (-6)
#define EVFILT_TIMER     (-7)
#define EVFILT_MACHPORT  (-8)
#define EVFILT_FS        (-9)
#define EVFILT_USER      (-10)
#define EVFILT_VM        (-12)
#define EVFILT_EXCEPT    (-15)
#define EVFILT_SYSCOUNT  18

/* flags */
#define EV_ADD            0x0001
#define EV_DELETE         0x0002
#define EV_ENABLE         0x0004
#define EV_DISABLE        0x0008
#define EV_ONESHOT        0x0010
#define EV_CLEAR          0x0020
#define EV_RECEIPT        0x0040
#define EV_DISPATCH       0x0080
#define EV_UDATA_SPECIFIC 0x0100
#define EV_DISPATCH2      (EV_DISPATCH | EV_UDATA_SPECIFIC)
#define EV_VANISHED       0x0200
#define EV_SYSFLAGS       0xF000
#define EV_FLAG0          0x1000
#define EV_POLL           EV_FLAG0
#define EV_FLAG1          0x2000
#define EV_OOBAND         EV_FLAG1
#define EV_ERROR          0x4000
#define EV_EOF            0x8000

/* read / write */
#define NOTE_LOWAT        0x00000001
#define NOTE_OOB          0x00000002

/* user */
#define NOTE_FFNOP        0x00000000
#define NOTE_FFAND        0x40000000
#define NOTE_FFOR         0x80000000
#define NOTE_FFCOPY       0xC0000000
#define NOTE_FFCTRLMASK   0xC0000000
#define NOTE_FFLAGSMASK   0x00FFFFFF
#define NOTE_TRIGGER      0x01000000

/* timer */
#define NOTE_SECONDS      0x00000001
#define NOTE_USECONDS     0x00000002
#define NOTE_NSECONDS     0x00000004
#define NOTE_ABSOLUTE     0x00000008
#define NOTE_LEEWAY       0x00000010
#define NOTE_CRITICAL     0x00000020
#define NOTE_BACKGROUND   0x00000040
#define NOTE_MACH_CONTINUOUS_TIME 0x00000080
#define NOTE_MACHTIME     0x00000100

/* kevent64 flags */
#define KEVENT_FLAG_NONE                      0x000000
#define KEVENT_FLAG_IMMEDIATE                 0x000001
#define KEVENT_FLAG_ERROR_EVENTS              0x000002
#define KEVENT_FLAG_WORKLOOP_PRIVATE          0x000400
#define KEVENT_FLAG_DYNAMIC_KQ_MUST_EXIST_P   0x020000
#define KEVENT_FLAG_DYNAMIC_KQ_MUST_NOT_EXIST_P 0x040000

int kqueue(void);
int kevent(int kq, const struct kevent *changelist, int nchanges,
           struct kevent *eventlist, int nevents, const struct timespec *timeout);
int kevent64(int kq, const struct kevent64_s *changelist, int nchanges,
             struct kevent64_s *eventlist, int nevents, unsigned int flags,
             const struct timespec *timeout);

/* ------------------------------------------------------------------ harness */

typedef void (*test_fn)(void);
struct test_case { const char *name; test_fn fn; int timeout_s; };

static int g_pass, g_fail;
static const char *g_cur;
static int g_cur_failed;
static volatile long g_deadline_ms; /* monotonic ms, 0 = none */
static pthread_mutex_t g_out_mu = PTHREAD_MUTEX_INITIALIZER;

static inline long now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long)ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

static inline long now_us(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long)ts.tv_sec * 1000000L + ts.tv_nsec / 1000L;
}

static inline void sleep_ms(long ms) {
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
    while (nanosleep(&ts, &ts) == -1 && errno == EINTR) { }
}

static void fail_at(int line, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void fail_at(int line, const char *fmt, ...) {
    if (g_cur_failed) return; /* report the first failure of a test only */
    g_cur_failed = 1;
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    pthread_mutex_lock(&g_out_mu);
    printf("FAIL %s: %s (line %d)\n", g_cur, buf, line);
    fflush(stdout);
    pthread_mutex_unlock(&g_out_mu);
}

/* Record a failure and return from the test function. */
#define FAIL(...) do { fail_at(__LINE__, __VA_ARGS__); return; } while (0)
#define CHECK(cond, fmt, ...) do { if (!(cond)) { fail_at(__LINE__, "check `%s` failed: " fmt, #cond, ##__VA_ARGS__); return; } } while (0)
/* Record a failure but continue (use where cleanup such as joins must still happen). */
#define EXPECT(cond, fmt, ...) do { if (!(cond)) { fail_at(__LINE__, "expect `%s` failed: " fmt, #cond, ##__VA_ARGS__); } } while (0)

/* -------- fd tracking: every fd a test opens is closed after the test */
#define MAX_TRACK 4096
static int g_tracked[MAX_TRACK];
static int g_ntracked;
static pthread_mutex_t g_track_mu = PTHREAD_MUTEX_INITIALIZER;

static inline int track(int fd) {
    if (fd < 0) return fd;
    pthread_mutex_lock(&g_track_mu);
    if (g_ntracked < MAX_TRACK) g_tracked[g_ntracked++] = fd;
    pthread_mutex_unlock(&g_track_mu);
    return fd;
}
static inline void untrack(int fd) {
    pthread_mutex_lock(&g_track_mu);
    for (int i = g_ntracked - 1; i >= 0; i--) {
        if (g_tracked[i] == fd) { g_tracked[i] = g_tracked[--g_ntracked]; break; }
    }
    pthread_mutex_unlock(&g_track_mu);
}
/* close a tracked fd (by design, inside a test) */
static inline int xclose(int fd) {
    untrack(fd);
    return close(fd);
}
static inline void close_tracked(void) {
    pthread_mutex_lock(&g_track_mu);
    for (int i = 0; i < g_ntracked; i++) close(g_tracked[i]);
    g_ntracked = 0;
    pthread_mutex_unlock(&g_track_mu);
}

static inline int count_open_fds(void) {
    DIR *d = opendir("/proc/self/fd");
    if (!d) return -1;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) if (e->d_name[0] != '.') n++;
    closedir(d);
    return n - 1; /* the DIR's own fd */
}

static void *watchdog_main(void *arg) {
    (void)arg;
    for (;;) {
        sleep_ms(50);
        long dl = g_deadline_ms;
        if (dl != 0 && now_ms() > dl) {
            pthread_mutex_lock(&g_out_mu);
            printf("FAIL %s: timed out (test hung; aborting the program)\n", g_cur);
            printf("RESULT %d %d\n", g_pass, g_fail + 1);
            fflush(stdout);
            _exit(1);
        }
    }
    return NULL;
}

static inline int run_tests(const struct test_case *t, size_t n, int argc, char **argv) {
    signal(SIGPIPE, SIG_IGN);
    setvbuf(stdout, NULL, _IOLBF, 0);
    pthread_t wd;
    pthread_create(&wd, NULL, watchdog_main, NULL);
    pthread_detach(wd);
    for (size_t i = 0; i < n; i++) {
        if (argc > 1) {
            int sel = 0;
            for (int a = 1; a < argc; a++) if (strstr(t[i].name, argv[a])) sel = 1;
            if (!sel) continue;
        }
        g_cur = t[i].name;
        g_cur_failed = 0;
        g_deadline_ms = now_ms() + 1000L * (t[i].timeout_s > 0 ? t[i].timeout_s : 10);
        errno = 0;
        t[i].fn();
        g_deadline_ms = 0;
        close_tracked();
        if (g_cur_failed) g_fail++;
        else { g_pass++; printf("ok %s\n", t[i].name); }
        fflush(stdout);
    }
    printf("RESULT %d %d\n", g_pass, g_fail);
    fflush(stdout);
    return g_fail == 0 ? 0 : 1;
}

#define T(name) { #name, name, 0 }
#define TT(name, secs) { #name, name, secs }
#define RUN_ALL(tests) run_tests(tests, sizeof(tests) / sizeof(tests[0]), argc, argv)

/* ------------------------------------------------------------------ kevent helpers */

static inline void ev_set(struct kevent *k, uintptr_t ident, int16_t filter, uint16_t flags,
                          uint32_t fflags, intptr_t data, void *udata) {
    memset(k, 0, sizeof *k);
    k->ident = ident; k->filter = filter; k->flags = flags;
    k->fflags = fflags; k->data = data; k->udata = udata;
}

static inline void ev64_set(struct kevent64_s *k, uint64_t ident, int16_t filter, uint16_t flags,
                            uint32_t fflags, int64_t data, uint64_t udata, uint64_t e0, uint64_t e1) {
    memset(k, 0, sizeof *k);
    k->ident = ident; k->filter = filter; k->flags = flags;
    k->fflags = fflags; k->data = data; k->udata = udata;
    k->ext[0] = e0; k->ext[1] = e1;
}

static inline int kq_new(void) { return track(kqueue()); }

/* Apply one change with no eventlist: returns 0 on success, else the errno of the failure. */
static inline int kchg(int kq, uintptr_t ident, int16_t filter, uint16_t flags, uint32_t fflags,
                       intptr_t data, void *udata) {
    struct kevent k;
    ev_set(&k, ident, filter, flags, fflags, data, udata);
    struct timespec z = { 0, 0 };
    int r = kevent(kq, &k, 1, NULL, 0, &z);
    if (r == 0) return 0;
    if (r < 0) return errno ? errno : -1;
    return -1000 - r; /* returned records with nevents 0: nonsense */
}

static inline int k64chg(int kq, uint64_t ident, int16_t filter, uint16_t flags, uint32_t fflags,
                         int64_t data, uint64_t udata, uint64_t e0, uint64_t e1) {
    struct kevent64_s k;
    ev64_set(&k, ident, filter, flags, fflags, data, udata, e0, e1);
    int r = kevent64(kq, &k, 1, NULL, 0, 0, NULL);
    if (r == 0) return 0;
    if (r < 0) return errno ? errno : -1;
    return -1000 - r;
}

static inline struct timespec ms_ts(long ms) {
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
    return ts;
}

/* Wait for events; ms < 0 = NULL timeout. */
static inline int kwait(int kq, struct kevent *out, int n, long ms) {
    struct timespec ts = ms_ts(ms < 0 ? 0 : ms);
    int r;
    do {
        r = kevent(kq, NULL, 0, out, n, ms < 0 ? NULL : &ts);
    } while (r < 0 && errno == EINTR);
    return r;
}

static inline int k64wait(int kq, struct kevent64_s *out, int n, long ms) {
    struct timespec ts = ms_ts(ms < 0 ? 0 : ms);
    int r;
    do {
        r = kevent64(kq, NULL, 0, out, n, 0, ms < 0 ? NULL : &ts);
    } while (r < 0 && errno == EINTR);
    return r;
}

/* Wait up to ms for an event with (ident, filter); others are ignored. 1 found, 0 not, -1 error. */
static inline int kwait_for(int kq, uintptr_t ident, int16_t filter, struct kevent *out, long ms) {
    long end = now_ms() + ms;
    if (out) memset(out, 0, sizeof *out);
    for (;;) {
        long left = end - now_ms();
        if (left < 0) left = 0;
        struct kevent evs[16];
        int r = kwait(kq, evs, 16, left);
        if (r < 0) return -1;
        for (int i = 0; i < r; i++) {
            if (evs[i].ident == ident && evs[i].filter == filter) {
                if (out) *out = evs[i];
                return 1;
            }
        }
        if (now_ms() >= end) return 0;
        if (r == 0) return 0;
    }
}

/* Poll (zero timeout) and count events matching (ident, filter). */
static inline int kcount(int kq, uintptr_t ident, int16_t filter, struct kevent *last) {
    struct kevent evs[64];
    int r = kwait(kq, evs, 64, 0);
    if (r < 0) return -1;
    int c = 0;
    for (int i = 0; i < r; i++)
        if (evs[i].ident == ident && evs[i].filter == filter) { c++; if (last) *last = evs[i]; }
    return c;
}

/* ------------------------------------------------------------------ socket helpers */

static inline int set_nonblock(int fd) {
    int fl = fcntl(fd, F_GETFL);
    return fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

/* bound, not yet listening TCP socket on 127.0.0.1:ephemeral */
static inline int tcp_bound(uint16_t *port) {
    int s = track(socket(AF_INET, SOCK_STREAM, 0));
    if (s < 0) return -1;
    int one = 1;
    setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = 0;
    if (bind(s, (struct sockaddr *)&a, sizeof a) < 0) return -1;
    socklen_t l = sizeof a;
    getsockname(s, (struct sockaddr *)&a, &l);
    if (port) *port = ntohs(a.sin_port);
    return s;
}

static inline int tcp_listener(uint16_t *port) {
    int s = tcp_bound(port);
    if (s < 0) return -1;
    if (listen(s, 64) < 0) return -1;
    return s;
}

static inline int tcp_connect_blocking(uint16_t port) {
    int c = track(socket(AF_INET, SOCK_STREAM, 0));
    if (c < 0) return -1;
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(port);
    if (connect(c, (struct sockaddr *)&a, sizeof a) < 0) return -1;
    return c;
}

/* connected TCP pair over loopback: *cli (connect side), *srv (accepted side); both non-blocking */
static inline int tcp_pair(int *cli, int *srv) {
    uint16_t port;
    int l = tcp_listener(&port);
    if (l < 0) return -1;
    int c = tcp_connect_blocking(port);
    if (c < 0) { xclose(l); return -1; }
    int s = track(accept(l, NULL, NULL));
    xclose(l);
    if (s < 0) return -1;
    int one = 1;
    setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    set_nonblock(c);
    set_nonblock(s);
    *cli = c;
    *srv = s;
    return 0;
}

static inline int pipe_nb(int p[2]) {
    if (pipe(p) < 0) return -1;
    track(p[0]);
    track(p[1]);
    set_nonblock(p[0]);
    set_nonblock(p[1]);
    return 0;
}

static inline int sockpair_nb(int type, int sv[2]) {
    if (socketpair(AF_UNIX, type, 0, sv) < 0) return -1;
    track(sv[0]);
    track(sv[1]);
    set_nonblock(sv[0]);
    set_nonblock(sv[1]);
    return 0;
}

static inline ssize_t write_n(int fd, size_t n, char c) {
    char buf[4096];
    memset(buf, c, sizeof buf);
    size_t done = 0;
    while (done < n) {
        size_t k = n - done < sizeof buf ? n - done : sizeof buf;
        ssize_t w = send(fd, buf, k, MSG_NOSIGNAL);
        if (w < 0 && errno == ENOTSOCK) w = write(fd, buf, k);
        if (w < 0) return done ? (ssize_t)done : -1;
        done += (size_t)w;
    }
    return (ssize_t)done;
}

static inline ssize_t drain_fd(int fd) {
    char buf[65536];
    ssize_t total = 0;
    for (;;) {
        ssize_t r = read(fd, buf, sizeof buf);
        if (r <= 0) break;
        total += r;
    }
    return total;
}

#endif
