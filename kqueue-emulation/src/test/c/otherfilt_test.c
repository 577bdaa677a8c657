/* EVFILT_SIGNAL / EVFILT_PROC / EVFILT_VNODE as emulated (signal handler chaining, pidfd, inotify). */
#include "harness.h"

static volatile sig_atomic_t g_hits;
static void on_usr1(int s) { (void)s; g_hits++; }

static void t_signal_chains_handler(void)
{
	int kq = kqueue();
	g_hits = 0;
	signal(SIGUSR1, on_usr1);
	CHECK(kch(kq, SIGUSR1, EVFILT_SIGNAL, EV_ADD, 0, 0, 0x9) == 0, "add");
	kill(getpid(), SIGUSR1);
	kill(getpid(), SIGUSR1);
	struct kevent ev;
	CHECK(kwait(kq, &ev, 1, 1000) == 1 && ev.data == 2 && (ev.flags & EV_CLEAR) && ev.udata == (void *)0x9, "data %ld", (long)ev.data);
	CHECK(g_hits == 2, "application handler still runs: %d", (int)g_hits);
	CHECK(kwait(kq, &ev, 1, 30) == 0, "cleared");
	/* the application replaces the disposition; a modify re-attaches the counter */
	signal(SIGUSR1, SIG_IGN);
	CHECK(kch(kq, SIGUSR1, EVFILT_SIGNAL, EV_ADD, 0, 0, 0) == 0, "modify");
	kill(getpid(), SIGUSR1);
	CHECK(kwait(kq, &ev, 1, 1000) == 1 && ev.data == 1, "ignored signal counted");
	CHECK(kch(kq, SIGUSR1, EVFILT_SIGNAL, EV_DELETE, 0, 0, 0) == 0, "delete");
	struct sigaction cur;
	sigaction(SIGUSR1, NULL, &cur);
	CHECK(cur.sa_handler == SIG_IGN, "disposition restored after the last delete");
	signal(SIGUSR1, SIG_DFL);
	close(kq);
}

static void t_proc_exit(void)
{
	int kq = kqueue();
	pid_t pid = fork();
	if (pid == 0) {
		h_sleep_ms(50);
		_exit(3);
	}
	CHECK(kch(kq, pid, EVFILT_PROC, EV_ADD, NOTE_EXIT | NOTE_EXITSTATUS, 0, 0) == 0, "add");
	struct kevent ev;
	CHECK(kwait(kq, &ev, 1, 3000) == 1, "exit event");
	CHECK((ev.fflags & NOTE_EXIT) && ev.data == (3 << 8) && (ev.flags & EV_EOF), "fflags 0x%x data %ld", ev.fflags, (long)ev.data);
	int st;
	CHECK(waitpid(pid, &st, 0) == pid, "child not reaped by the emulation");
	CHECK(kch(kq, pid, EVFILT_PROC, EV_DELETE, 0, 0, 0) == ENOENT, "oneshot");
	close(kq);
}

static void t_vnode(void)
{
	char path[] = "/tmp/kqemu-vn-XXXXXX";
	int fd = mkstemp(path);
	int kq = kqueue();
	CHECK(kch(kq, fd, EVFILT_VNODE, EV_ADD | EV_CLEAR, NOTE_WRITE | NOTE_DELETE | NOTE_RENAME, 0, 0) == 0, "add");
	struct kevent ev;
	CHECK(kwait(kq, &ev, 1, 30) == 0, "quiet");
	CHECK(write(fd, "a", 1) == 1, "write");
	CHECK(kwait(kq, &ev, 1, 1000) == 1 && ev.fflags == NOTE_WRITE, "write 0x%x", ev.fflags);
	char p2[64];
	snprintf(p2, sizeof p2, "%s.moved", path);
	CHECK(rename(path, p2) == 0, "rename");
	CHECK(kwait(kq, &ev, 1, 1000) == 1 && (ev.fflags & NOTE_RENAME), "rename 0x%x", ev.fflags);
	unlink(p2);
	CHECK(kwait(kq, &ev, 1, 1000) == 1 && (ev.fflags & NOTE_DELETE), "delete 0x%x", ev.fflags);
	close(fd);
	CHECK(kch(kq, fd, EVFILT_VNODE, EV_DELETE, 0, 0, 0) == ENOENT, "close removed it");
	close(kq);
}

int main(void)
{
	RUN(t_signal_chains_handler);
	RUN(t_proc_exit);
	RUN(t_vnode);
	return h_finish();
}
