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

/* xnu posts EVFILT_SIGNAL at generation (psignal), before the mask is looked at */
static void t_signal_blocked_still_counted(void)
{
	sigset_t m, old;
	sigemptyset(&m);
	sigaddset(&m, SIGUSR2);
	pthread_sigmask(SIG_BLOCK, &m, &old);
	int kq = kqueue();
	CHECK(kch(kq, SIGUSR2, EVFILT_SIGNAL, EV_ADD, 0, 0, 0) == 0, "add");
	kill(getpid(), SIGUSR2);
	struct kevent ev;
	int r = kwait(kq, &ev, 1, 1000);
	int r2 = kwait(kq, &ev, 1, 30);
	/* unblocking delivers it (default: terminate), so ignore it first */
	signal(SIGUSR2, SIG_IGN);
	CHECK(kch(kq, SIGUSR2, EVFILT_SIGNAL, EV_ADD, 0, 0, 0) == 0, "modify");
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	struct kevent ev3;
	int r3 = kwait(kq, &ev3, 1, 50);
	close(kq);
	signal(SIGUSR2, SIG_DFL);
	CHECK(r == 1 && ev.ident == SIGUSR2 && ev.data == 1, "blocked signal: r %d data %ld", r, (long)ev.data);
	CHECK(r2 == 0, "reported twice");
	CHECK(r3 == 0, "the delivery at unblock was counted again (data %ld)", (long)ev3.data);
}

/* a blocked signal taken by sigwait is counted once, whether or not a kevent saw it pending first */
static void t_signal_blocked_taken_by_sigwait(void)
{
	sigset_t m, old;
	sigemptyset(&m);
	sigaddset(&m, SIGUSR2);
	pthread_sigmask(SIG_BLOCK, &m, &old);
	int kq = kqueue(), sig = 0;
	struct kevent ev;
	int ok = kch(kq, SIGUSR2, EVFILT_SIGNAL, EV_ADD, 0, 0, 0) == 0;
	kill(getpid(), SIGUSR2);
	int w1 = sigwait(&m, &sig);                     /* taken before any kevent looked */
	int r1 = kwait(kq, &ev, 1, 1000);
	long d1 = ev.data;
	int r2 = 0, r3 = 0, r4 = 0;
	long d2 = 0, d3 = 0;
	for (int i = 0; i < 2; i++) {                   /* seen pending first, then taken */
		kill(getpid(), SIGUSR2);
		int r = kwait(kq, &ev, 1, 1000);
		long d = ev.data;
		sigwait(&m, &sig);
		if (i == 0) {
			r2 = r;
			d2 = d;
		} else {
			r3 = r;
			d3 = d;
		}
	}
	r4 = kwait(kq, &ev, 1, 50);
	close(kq);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	CHECK(ok && w1 == 0 && sig == SIGUSR2, "setup");
	CHECK(r1 == 1 && d1 == 1, "taken by sigwait first: r %d data %ld", r1, d1);
	CHECK(r2 == 1 && d2 == 1 && r3 == 1 && d3 == 1, "seen pending: r %d/%d data %ld/%ld", r2, r3, d2, d3);
	CHECK(r4 == 0, "counted twice");
}

/* pthread_kill/raise are thread-directed: xnu's EVFILT_SIGNAL sees process signals only */
static void t_signal_thread_directed_ignored(void)
{
	int kq = kqueue();
	g_hits = 0;
	signal(SIGUSR1, on_usr1);
	CHECK(kch(kq, SIGUSR1, EVFILT_SIGNAL, EV_ADD, 0, 0, 0) == 0, "add");
	pthread_kill(pthread_self(), SIGUSR1);
	struct kevent ev;
	int r = kwait(kq, &ev, 1, 50);
	kill(getpid(), SIGUSR1);
	int r2 = kwait(kq, &ev, 1, 1000);
	close(kq);
	signal(SIGUSR1, SIG_DFL);
	CHECK(g_hits == 2, "handler ran %d times", (int)g_hits);
	CHECK(r == 0, "pthread_kill fired the knote");
	CHECK(r2 == 1 && ev.data == 1, "kill: r %d data %ld", r2, (long)ev.data);
}

/* filt_procevent records only subscribed events and activates only when some are recorded */
static void t_proc_fflags_zero_silent(void)
{
	int kq = kqueue(), rel;
	pid_t pid = h_child_waiting(&rel);
	CHECK(pid > 0, "fork");
	int e1 = kch(kq, pid, EVFILT_PROC, EV_ADD, NOTE_EXIT, 0, 0);
	int e2 = kch(kq, pid, EVFILT_PROC, EV_ADD, 0, 0, 0);    /* filt_proctouch: fflags now 0 */
	close(rel);
	struct kevent ev;
	int r = kwait(kq, &ev, 1, 300);
	int st;
	waitpid(pid, &st, 0);
	close(kq);
	CHECK(e1 == 0 && e2 == 0, "add %d modify %d", e1, e2);
	CHECK(r == 0, "event with fflags 0x%x after re-adding with fflags 0", ev.fflags);
}

static void t_proc_disable_fflags_zero_silent(void)
{
	int kq = kqueue(), rel;
	pid_t pid = h_child_waiting(&rel);
	CHECK(pid > 0, "fork");
	CHECK(kch(kq, pid, EVFILT_PROC, EV_ADD, NOTE_EXIT, 0, 0) == 0, "add");
	CHECK(kch(kq, pid, EVFILT_PROC, EV_DISABLE, 0, 0, 0) == 0, "disable with fflags 0");
	CHECK(kch(kq, pid, EVFILT_PROC, EV_ENABLE, 0, 0, 0) == 0, "enable with fflags 0");
	close(rel);
	struct kevent ev;
	int r = kwait(kq, &ev, 1, 300);
	int st;
	waitpid(pid, &st, 0);
	close(kq);
	CHECK(r == 0, "event with fflags 0x%x", ev.fflags);
}

/* filt_procattach: an exiting process is not found (proc_find) -> ESRCH */
static void t_proc_zombie_esrch(void)
{
	int kq = kqueue();
	pid_t pid = fork();
	if (pid == 0)
		_exit(0);
	siginfo_t si;
	memset(&si, 0, sizeof si);
	CHECK(waitid(P_PID, (id_t)pid, &si, WEXITED | WNOWAIT) == 0, "zombie");
	int e = kch(kq, pid, EVFILT_PROC, EV_ADD, NOTE_EXIT, 0, 0);
	int st;
	waitpid(pid, &st, 0);
	close(kq);
	CHECK(e == ESRCH, "EVFILT_PROC on a zombie -> %d", e);
}

static int tmpdir(char *buf, size_t n)
{
	snprintf(buf, n, "/tmp/kqemu-dir-XXXXXX");
	if (!mkdtemp(buf))
		return -1;
	return open(buf, O_RDONLY | O_DIRECTORY);
}

/* VNOP_MKDIR / VNOP_RMDIR post NOTE_LINK|NOTE_WRITE on the parent */
static void t_vnode_dir_mkdir_link(void)
{
	char dir[64], sub[96];
	int dfd = tmpdir(dir, sizeof dir);
	CHECK(dfd >= 0, "mkdtemp");
	snprintf(sub, sizeof sub, "%s/sub", dir);
	int kq = kqueue();
	CHECK(kch(kq, dfd, EVFILT_VNODE, EV_ADD | EV_CLEAR, NOTE_LINK, 0, 0) == 0, "add");
	int m = mkdir(sub, 0700);
	struct kevent ev;
	int r = kwait(kq, &ev, 1, 1000);
	uint32_t f = ev.fflags;
	int d = rmdir(sub);
	int r2 = kwait(kq, &ev, 1, 1000);
	uint32_t f2 = ev.fflags;
	close(kq);
	close(dfd);
	rmdir(dir);
	CHECK(m == 0 && r == 1 && f == (NOTE_LINK | NOTE_WRITE), "mkdir: r %d fflags 0x%x", r, f);
	CHECK(d == 0 && r2 == 1 && f2 == (NOTE_LINK | NOTE_WRITE), "rmdir: r %d fflags 0x%x", r2, f2);
}

/* VNOP_CREATE / VNOP_REMOVE post NOTE_WRITE on the directory */
static void t_vnode_dir_create_unlink_write(void)
{
	char dir[64], f1[96];
	int dfd = tmpdir(dir, sizeof dir);
	CHECK(dfd >= 0, "mkdtemp");
	snprintf(f1, sizeof f1, "%s/f", dir);
	int kq = kqueue();
	CHECK(kch(kq, dfd, EVFILT_VNODE, EV_ADD | EV_CLEAR, NOTE_WRITE | NOTE_LINK, 0, 0) == 0, "add");
	int fd = open(f1, O_CREAT | O_WRONLY, 0600);
	struct kevent ev;
	int r = kwait(kq, &ev, 1, 1000);
	uint32_t fa = ev.fflags;
	int w = (int)write(fd, "x", 1);
	int rw = kwait(kq, &ev, 1, 50);
	close(fd);
	int u = unlink(f1);
	int r2 = kwait(kq, &ev, 1, 1000);
	uint32_t fb = ev.fflags;
	close(kq);
	close(dfd);
	rmdir(dir);
	CHECK(fd >= 0 && r == 1 && fa == NOTE_WRITE, "create: r %d fflags 0x%x", r, fa);
	CHECK(w == 1 && rw == 0, "writing a child's data is no event of the directory");
	CHECK(u == 0 && r2 == 1 && fb == NOTE_WRITE, "unlink: r %d fflags 0x%x", r2, fb);
}

/* pipe_kqfilter (and soo_kqfilter) accept EVFILT_READ and EVFILT_WRITE only; a named FIFO is a vnode */
static void t_vnode_not_on_pipe_or_socket(void)
{
	int kq = kqueue(), p[2], sv[2];
	CHECK(pipe(p) == 0 && socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0, "fds");
	char fifo[] = "/tmp/kqemu-ff-XXXXXX";
	int tmp = mkstemp(fifo);
	close(tmp);
	unlink(fifo);
	int ff = mkfifo(fifo, 0600) == 0 ? open(fifo, O_RDONLY | O_NONBLOCK) : -1;
	int e1 = kch(kq, p[0], EVFILT_VNODE, EV_ADD, NOTE_WRITE, 0, 0);
	int e2 = kch(kq, sv[0], EVFILT_VNODE, EV_ADD, NOTE_WRITE, 0, 0);
	int e3 = kch(kq, ff, EVFILT_VNODE, EV_ADD, NOTE_DELETE, 0, 0);
	unlink(fifo);
	struct kevent ev;
	int r3 = e3 == 0 ? kwait(kq, &ev, 1, 1000) : -1;
	close(p[0]);
	close(p[1]);
	close(sv[0]);
	close(sv[1]);
	close(ff);
	close(kq);
	CHECK(e1 == EINVAL, "pipe -> %d", e1);
	CHECK(e2 == EINVAL, "socket -> %d", e2);
	CHECK(ff >= 0 && e3 == 0, "named FIFO -> %d", e3);
	CHECK(r3 == 1 && (ev.fflags & NOTE_DELETE), "named FIFO unlinked: r %d fflags 0x%x", r3, ev.fflags);
}

/* filt_vnode_common ORs the whole hint in: unlink posts NOTE_DELETE|NOTE_LINK */
static void t_vnode_delete_whole_hint(void)
{
	char path[] = "/tmp/kqemu-vd-XXXXXX";
	int fd = mkstemp(path);
	int kq = kqueue();
	CHECK(kch(kq, fd, EVFILT_VNODE, EV_ADD | EV_CLEAR, NOTE_DELETE, 0, 0) == 0, "add");
	CHECK(fchmod(fd, 0640) == 0, "chmod");
	struct kevent ev;
	int r0 = kwait(kq, &ev, 1, 50);
	unlink(path);
	int r = kwait(kq, &ev, 1, 1000);
	close(fd);
	close(kq);
	CHECK(r0 == 0, "NOTE_ATTRIB not subscribed, yet an event");
	CHECK(r == 1 && ev.fflags == (NOTE_DELETE | NOTE_LINK), "unlink: r %d fflags 0x%x", r, ev.fflags);
}

/* xnu filt_vnode_common: a regular file is always writable with data 1 */
static void t_write_regular_file_data(void)
{
	char path[] = "/tmp/kqemu-wf-XXXXXX";
	int fd = mkstemp(path);
	unlink(path);
	int kq = kqueue();
	CHECK(kch(kq, fd, EVFILT_WRITE, EV_ADD, 0, 0, 0) == 0, "add");
	struct kevent ev;
	int r = kwait(kq, &ev, 1, 100);
	close(fd);
	close(kq);
	CHECK(r == 1 && ev.data == 1, "r %d data %ld", r, (long)ev.data);
}

int main(void)
{
	RUN(t_signal_chains_handler);
	RUN(t_proc_exit);
	RUN(t_vnode);
	RUN(t_signal_blocked_still_counted);
	RUN(t_signal_thread_directed_ignored);
	RUN(t_signal_blocked_taken_by_sigwait);
	RUN(t_proc_fflags_zero_silent);
	RUN(t_proc_disable_fflags_zero_silent);
	RUN(t_proc_zombie_esrch);
	RUN(t_vnode_dir_mkdir_link);
	RUN(t_vnode_dir_create_unlink_write);
	RUN(t_vnode_not_on_pipe_or_socket);
	RUN(t_vnode_delete_whole_hint);
	RUN(t_write_regular_file_data);
	return h_finish();
}
