/* EVFILT_SIGNAL / EVFILT_PROC / EVFILT_VNODE basics (Darwin kernel semantics). */
#include "conformance.h"
#include <sys/wait.h>

#define NOTE_EXIT        0x80000000u
#define NOTE_FORK        0x40000000u
#define NOTE_EXEC        0x20000000u
#define NOTE_EXITSTATUS  0x04000000u
#define NOTE_DELETE      0x00000001u
#define NOTE_WRITE       0x00000002u
#define NOTE_EXTEND      0x00000004u
#define NOTE_ATTRIB      0x00000008u
#define NOTE_RENAME      0x00000020u

static void signal_counts_ignored_signal(void) {
    struct sigaction sa, old;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = SIG_IGN;
    sigaction(SIGUSR2, &sa, &old);
    int kq = kq_new();
    int e = kchg(kq, SIGUSR2, EVFILT_SIGNAL, EV_ADD, 0, 0, (void *)0x5);
    if (e != 0) { sigaction(SIGUSR2, &old, NULL); FAIL("EVFILT_SIGNAL add -> %d", e); }
    struct kevent ev;
    int r0 = kwait(kq, &ev, 1, 50);
    for (int i = 0; i < 3; i++) kill(getpid(), SIGUSR2);
    int r = kwait_for(kq, SIGUSR2, EVFILT_SIGNAL, &ev, 1000);
    sigaction(SIGUSR2, &old, NULL);
    CHECK(r0 == 0, "signal knote fired without a signal");
    CHECK(r == 1, "ignored SIGUSR2 not recorded (Darwin records even SIG_IGN signals)");
    CHECK(ev.data == 3, "data %ld, want 3 deliveries", (long)ev.data);
    CHECK(ev.flags & EV_CLEAR, "flags 0x%x lack EV_CLEAR (implied)", ev.flags);
    CHECK(ev.udata == (void *)0x5, "udata");
    CHECK(kwait(kq, &ev, 1, 50) == 0, "signal event reported twice");
}

static void signal_delete_stops(void) {
    struct sigaction sa, old;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = SIG_IGN;
    sigaction(SIGUSR2, &sa, &old);
    int kq = kq_new();
    CHECK(kchg(kq, SIGUSR2, EVFILT_SIGNAL, EV_ADD, 0, 0, 0) == 0, "add");
    CHECK(kchg(kq, SIGUSR2, EVFILT_SIGNAL, EV_DELETE, 0, 0, 0) == 0, "delete");
    kill(getpid(), SIGUSR2);
    struct kevent ev;
    int r = kwait(kq, &ev, 1, 100);
    sigaction(SIGUSR2, &old, NULL);
    CHECK(r == 0, "deleted signal knote fired");
    CHECK(kchg(kq, SIGUSR2, EVFILT_SIGNAL, EV_DELETE, 0, 0, 0) == ENOENT, "double delete");
}

static void signal_invalid_number(void) {
    int kq = kq_new();
    int e = kchg(kq, 1000, EVFILT_SIGNAL, EV_ADD, 0, 0, 0);
    CHECK(e == EINVAL, "signal 1000 -> %d, want EINVAL", e);
}

static void proc_exit_status(void) {
    int kq = kq_new();
    int pfd[2];
    CHECK(pipe(pfd) == 0, "pipe");
    fflush(stdout);
    pid_t pid = fork();
    CHECK(pid >= 0, "fork");
    if (pid == 0) {
        char c;
        close(pfd[1]);
        if (read(pfd[0], &c, 1) < 0) _exit(99);
        _exit(7);
    }
    close(pfd[0]);
    int e = kchg(kq, pid, EVFILT_PROC, EV_ADD, NOTE_EXIT | NOTE_EXITSTATUS, 0, (void *)0x77);
    close(pfd[1]); /* let the child exit */
    struct kevent ev;
    int r = e == 0 ? kwait_for(kq, pid, EVFILT_PROC, &ev, 3000) : 0;
    int st = 0;
    waitpid(pid, &st, 0);
    CHECK(e == 0, "EVFILT_PROC add -> %d", e);
    CHECK(r == 1, "no NOTE_EXIT event");
    CHECK(ev.fflags & NOTE_EXIT, "fflags 0x%x lack NOTE_EXIT", ev.fflags);
    CHECK(ev.flags & EV_EOF, "flags 0x%x lack EV_EOF", ev.flags);
    CHECK(ev.data == (7 << 8), "data %ld, want wait status %d (NOTE_EXITSTATUS)", (long)ev.data, 7 << 8);
    CHECK(ev.udata == (void *)0x77, "udata");
    CHECK(kchg(kq, pid, EVFILT_PROC, EV_DELETE, 0, 0, 0) == ENOENT, "proc knote not removed after NOTE_EXIT");
}

static void proc_missing_pid_esrch(void) {
    int kq = kq_new();
    pid_t pid = 4000000;
    while (kill(pid, 0) == 0 || errno != ESRCH) pid--;
    int e = kchg(kq, pid, EVFILT_PROC, EV_ADD, NOTE_EXIT, 0, 0);
    CHECK(e == ESRCH, "EVFILT_PROC for missing pid -> %d, want ESRCH", e);
}

static void vnode_write_attrib_delete(void) {
    char path[] = "/tmp/kqconfvXXXXXX";
    int fd = track(mkstemp(path));
    CHECK(fd >= 0, "mkstemp");
    int kq = kq_new();
    int e = kchg(kq, fd, EVFILT_VNODE, EV_ADD | EV_CLEAR, NOTE_WRITE | NOTE_EXTEND | NOTE_ATTRIB | NOTE_DELETE, 0, 0);
    if (e != 0) { unlink(path); FAIL("EVFILT_VNODE add -> %d", e); }
    struct kevent ev;
    int r0 = kwait(kq, &ev, 1, 50);
    int w = (int)write(fd, "hello", 5);
    int r1 = kwait_for(kq, fd, EVFILT_VNODE, &ev, 1000);
    uint32_t f1 = ev.fflags;
    int c = fchmod(fd, 0644);
    int r2 = kwait_for(kq, fd, EVFILT_VNODE, &ev, 1000);
    uint32_t f2 = ev.fflags;
    unlink(path);
    int r3 = kwait_for(kq, fd, EVFILT_VNODE, &ev, 1000);
    uint32_t f3 = ev.fflags;
    CHECK(r0 == 0, "vnode knote fired without activity");
    CHECK(w == 5 && r1 == 1 && (f1 & NOTE_WRITE), "write: r %d fflags 0x%x, want NOTE_WRITE", r1, f1);
    CHECK(c == 0 && r2 == 1 && (f2 & NOTE_ATTRIB), "chmod: r %d fflags 0x%x, want NOTE_ATTRIB", r2, f2);
    CHECK(r3 == 1 && (f3 & NOTE_DELETE), "unlink: r %d fflags 0x%x, want NOTE_DELETE", r3, f3);
}

int main(int argc, char **argv) {
    static const struct test_case tests[] = {
        T(signal_counts_ignored_signal),
        T(signal_delete_stops),
        T(signal_invalid_number),
        T(proc_exit_status),
        T(proc_missing_pid_esrch),
        T(vnode_write_attrib_delete),
    };
    return RUN_ALL(tests);
}
