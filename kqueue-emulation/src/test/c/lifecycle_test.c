/* close()/dup2() hooks, kqueue destruction, fork, and multi-threaded use. */
#include "harness.h"

static void t_close_removes_knotes(void)
{
	int kq = kqueue(), kq2 = kqueue();
	int sv[2];
	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0, "pair");
	int keep = dup(sv[0]);
	CHECK(kch(kq, sv[0], EVFILT_READ, EV_ADD, 0, 0, 0) == 0, "add");
	CHECK(kch(kq, sv[0], EVFILT_WRITE, EV_ADD, 0, 0, 0) == 0, "add w");
	CHECK(kch(kq2, sv[0], EVFILT_READ, EV_ADD, 0, 0, 0) == 0, "add kq2");
	close(sv[0]);
	CHECK(kch(kq, sv[0], EVFILT_READ, EV_DELETE, 0, 0, 0) == ENOENT, "gone from kq (Darwin ENOENT)");
	CHECK(kch(kq, sv[0], EVFILT_WRITE, EV_DELETE, 0, 0, 0) == ENOENT, "write gone");
	CHECK(kch(kq2, sv[0], EVFILT_READ, EV_DELETE, 0, 0, 0) == ENOENT, "gone from kq2");
	/* the open file survives through the dup: it must not report events any more */
	CHECK(write(sv[1], "x", 1) == 1, "write");
	struct kevent ev;
	CHECK(kwait(kq, &ev, 1, 50) == 0, "no event for a closed fd number");
	CHECK(kwait(kq2, &ev, 1, 0) == 0, "no event in kq2");
	/* reused fd number starts clean */
	int p[2];
	CHECK(pipe(p) == 0, "pipe");
	CHECK(kch(kq, p[0], EVFILT_READ, EV_DELETE, 0, 0, 0) == ENOENT, "reused fd: clean");
	close(p[0]);
	close(p[1]);
	close(keep);
	close(sv[1]);
	close(kq);
	close(kq2);
}

static void t_dup2_closes_target(void)
{
	int kq = kqueue();
	int p[2], q[2];
	CHECK(pipe(p) == 0 && pipe(q) == 0, "pipes");
	CHECK(kch(kq, p[0], EVFILT_READ, EV_ADD, 0, 0, 0) == 0, "add");
	CHECK(dup2(q[0], p[0]) == p[0], "dup2");
	CHECK(kch(kq, p[0], EVFILT_READ, EV_DELETE, 0, 0, 0) == ENOENT, "dup2 target knotes removed");
	CHECK(kch(kq, q[0], EVFILT_READ, EV_ADD, 0, 0, 0) == 0, "add q");
	CHECK(dup3(p[0], q[0], O_CLOEXEC) == q[0], "dup3");
	CHECK(kch(kq, q[0], EVFILT_READ, EV_DELETE, 0, 0, 0) == ENOENT, "dup3 target knotes removed");
	CHECK(dup2(p[0], p[0]) == p[0], "dup2 same fd is a no-op");
	errno = 0;
	CHECK(dup3(p[0], p[0], 0) == -1 && errno == EINVAL, "dup3 same fd");
	close(p[0]);
	close(p[1]);
	close(q[0]);
	close(q[1]);
	close(kq);
}

struct waiter {
	int kq;
	int r, err;
	long woke;
};

static void *waiter_fn(void *arg)
{
	struct waiter *w = arg;
	struct kevent ev;
	errno = 0;
	w->r = kevent(w->kq, NULL, 0, &ev, 1, NULL);
	w->err = errno;
	w->woke = h_now_ms();
	return NULL;
}

static void t_close_kqueue_wakes_waiter(void)
{
	struct waiter w = { .kq = kqueue() };
	pthread_t t;
	pthread_create(&t, NULL, waiter_fn, &w);
	h_sleep_ms(100);
	long t0 = h_now_ms();
	close(w.kq);
	pthread_join(t, NULL);
	CHECK(w.r == -1 && w.err == EBADF, "r %d errno %d", w.r, w.err);
	CHECK(w.woke - t0 < 1000, "woke after %ld ms", w.woke - t0);
	struct kevent ev;
	errno = 0;
	CHECK(kevent(w.kq, NULL, 0, &ev, 1, NULL) == -1 && errno == EBADF, "closed");
}

static void t_trigger_wakes_waiter(void)
{
	struct waiter w = { .kq = kqueue() };
	CHECK(kch(w.kq, 1, EVFILT_USER, EV_ADD | EV_CLEAR, 0, 0, 0) == 0, "add");
	pthread_t t;
	pthread_create(&t, NULL, waiter_fn, &w);
	h_sleep_ms(50);
	long t0 = h_now_ms();
	CHECK(kch(w.kq, 1, EVFILT_USER, 0, NOTE_TRIGGER, 0, 0) == 0, "trigger");
	pthread_join(t, NULL);
	CHECK(w.r == 1 && w.woke - t0 < 1000, "r %d after %ld", w.r, w.woke - t0);
	close(w.kq);
}

static void t_fork_not_inherited(void)
{
	int kq = kqueue();
	CHECK(kch(kq, 1, EVFILT_USER, EV_ADD, NOTE_TRIGGER, 0, 0) == 0, "add");
	pid_t pid = fork();
	if (pid == 0) {
		struct kevent ev;
		struct timespec z = { 0, 0 };
		int r = kevent(kq, NULL, 0, &ev, 1, &z);
		int ok = r == -1 && errno == EBADF;
		int k2 = kqueue();
		ok = ok && k2 >= 0 && kch(k2, 2, EVFILT_USER, EV_ADD, NOTE_TRIGGER, 0, 0) == 0
		    && kevent(k2, NULL, 0, &ev, 1, &z) == 1;
		_exit(ok ? 0 : 1);
	}
	int st = 0;
	waitpid(pid, &st, 0);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "child: kqueue not usable / new kqueue broken");
	struct kevent ev;
	CHECK(kwait(kq, &ev, 1, 0) == 1, "parent unaffected");
	close(kq);
}

/* EV_CLEAR / ONESHOT / DISPATCH events go to exactly one of several waiters */
enum { NTHREADS = 4, NEVENTS = 2000 };
static int g_kq;
static atomic_int g_count[NEVENTS];
static atomic_int g_total;

static void *collector(void *arg)
{
	(void)arg;
	struct kevent ev[8];
	for (;;) {
		int r = kwait(g_kq, ev, 8, 2000);
		if (r <= 0)
			return NULL;
		for (int i = 0; i < r; i++) {
			if (ev[i].ident >= NEVENTS)
				return NULL;
			atomic_fetch_add(&g_count[ev[i].ident], 1);
			atomic_fetch_add(&g_total, 1);
			if (ev[i].flags & EV_DISPATCH)
				kch(g_kq, ev[i].ident, EVFILT_USER, EV_ENABLE, 0, 0, 0);
		}
	}
}

static void t_exactly_once(void)
{
	static const uint16_t modes[] = { EV_CLEAR, EV_ONESHOT, EV_DISPATCH | EV_CLEAR };
	for (int m = 0; m < 3; m++) {
		g_kq = kqueue();
		atomic_store(&g_total, 0);
		for (int i = 0; i < NEVENTS; i++) {
			atomic_store(&g_count[i], 0);
			CHECK(kch(g_kq, i, EVFILT_USER, EV_ADD | modes[m], 0, 0, 0) == 0, "add");
		}
		pthread_t t[NTHREADS];
		for (int i = 0; i < NTHREADS; i++)
			pthread_create(&t[i], NULL, collector, NULL);
		for (int i = 0; i < NEVENTS; i++)
			CHECK(kch(g_kq, i, EVFILT_USER, 0, NOTE_TRIGGER, 0, 0) == 0, "trigger %d", i);
		long end = h_now_ms() + 10000;
		while (atomic_load(&g_total) < NEVENTS && h_now_ms() < end)
			h_sleep_ms(5);
		h_sleep_ms(50);
		CHECK(kch(g_kq, NEVENTS, EVFILT_USER, EV_ADD, NOTE_TRIGGER, 0, 0) == 0, "stop marker");
		for (int i = 0; i < NTHREADS; i++)
			pthread_join(t[i], NULL);
		for (int i = 0; i < NEVENTS; i++)
			CHECK(atomic_load(&g_count[i]) == 1, "mode %d event %d delivered %d times", m, i, atomic_load(&g_count[i]));
		close(g_kq);
	}
}

static void *closer_adder(void *arg)
{
	int kq = *(int *)arg;
	for (int i = 0; i < 2000; i++) {
		int p[2];
		if (pipe(p) < 0)
			continue;
		kch(kq, p[0], EVFILT_READ, EV_ADD, 0, 0, 0);
		kch(kq, p[1], EVFILT_WRITE, EV_ADD, 0, 0, 0);
		write(p[1], "x", 1);
		close(p[0]);
		close(p[1]);
	}
	return NULL;
}

static void *poller(void *arg)
{
	int kq = *(int *)arg;
	struct kevent ev[16];
	for (int i = 0; i < 3000; i++)
		kwait(kq, ev, 16, 1);
	return NULL;
}

static void t_close_races(void)
{
	int kq = kqueue();
	pthread_t a, b, c;
	pthread_create(&a, NULL, closer_adder, &kq);
	pthread_create(&b, NULL, closer_adder, &kq);
	pthread_create(&c, NULL, poller, &kq);
	pthread_join(a, NULL);
	pthread_join(b, NULL);
	pthread_join(c, NULL);
	struct kevent ev[16];
	CHECK(kwait(kq, ev, 16, 0) == 0, "all knotes of closed fds are gone");
	close(kq);
}

/* anon-inode fds open in this process whose link names contain `kind` */
static int count_anon(const char *kind)
{
	int n = 0;
	char path[64], link[128];
	for (int fd = 0; fd < 1024; fd++) {
		snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
		ssize_t l = readlink(path, link, sizeof link - 1);
		if (l <= 0)
			continue;
		link[l] = 0;
		if (strstr(link, kind))
			n++;
	}
	return n;
}

/* the child gets none of the emulation's fds: Darwin does not inherit kqueues at all */
static void t_fork_child_closes_aux_fds(void)
{
	int kq = kqueue();
	char path[] = "/tmp/kqemu-fk-XXXXXX";
	int fd = mkstemp(path);
	unlink(path);
	int rel;
	pid_t kid = h_child_waiting(&rel);
	CHECK(kid > 0, "fork");
	signal(SIGUSR2, SIG_IGN);
	CHECK(kch(kq, fd, EVFILT_VNODE, EV_ADD, NOTE_WRITE, 0, 0) == 0, "vnode");
	CHECK(kch(kq, kid, EVFILT_PROC, EV_ADD, NOTE_EXIT, 0, 0) == 0, "proc");
	CHECK(kch(kq, SIGUSR2, EVFILT_SIGNAL, EV_ADD, 0, 0, 0) == 0, "signal");
	CHECK(kch(kq, 1, EVFILT_TIMER, EV_ADD, 0, 100000, 0) == 0, "timer");
	const char *kinds[] = { "inotify", "pidfd", "eventfd", "signalfd", "eventpoll", "timerfd" };
	int before = 0;
	for (int i = 0; i < 6; i++)
		before += count_anon(kinds[i]) > 0;
	pid_t pid = fork();
	if (pid == 0) {
		int left = 0;
		for (int i = 0; i < 6; i++)
			left |= (count_anon(kinds[i]) > 0) << i;
		_exit(left);
	}
	int st = 0;
	waitpid(pid, &st, 0);
	close(rel);
	waitpid(kid, NULL, 0);
	close(fd);
	close(kq);
	signal(SIGUSR2, SIG_DFL);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "child still has fds of kind mask 0x%x (inotify, pidfd, eventfd, signalfd, epoll, timerfd)", WEXITSTATUS(st));
	CHECK(before == 6, "setup: %d kinds of fds", before);
}

struct long_changes {
	int kq;
	int n;
	struct kevent *chg;
	atomic_int started;
};

static void *apply_changes(void *arg)
{
	struct long_changes *lc = arg;
	struct kevent ev[4];
	atomic_store(&lc->started, 1);
	/* one call, one lock hold: the changes, then the harvest of the reset socket's EPOLLERR */
	struct timespec z = { 0, 0 };
	kevent(lc->kq, lc->chg, lc->n, ev, 4, &z);
	return NULL;
}

/*
 * close() of a socket whose reset is being harvested by a kevent() holding the kqueue lock: the
 * socket that reuses the number must not inherit the stashed ECONNRESET.
 */
static void t_close_does_not_leak_stash_to_reused_fd(void)
{
	int leaked = 0, rounds = 0;
	enum { NCHG = 400000 };
	struct kevent *chg = calloc(NCHG, sizeof *chg);
	CHECK(chg != NULL, "calloc");
	for (int i = 0; i < NCHG; i += 2) {
		EV_SET(&chg[i], 1000 + i, EVFILT_USER, EV_ADD, 0, 0, 0);
		EV_SET(&chg[i + 1], 1000 + i, EVFILT_USER, EV_DELETE, 0, 0, 0);
	}
	for (int round = 0; round < 5 && !leaked; round++, rounds++) {
		int sv[2];
		CHECK(tcp_pair(sv) == 0, "pair");
		int kq = kqueue();
		CHECK(kch(kq, sv[0], EVFILT_READ, EV_ADD | EV_CLEAR, 0, 0, 0) == 0, "add");
		struct linger lg = { 1, 0 };
		setsockopt(sv[1], SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
		close(sv[1]);           /* RST: sv[0] gets ECONNRESET and EPOLLERR */
		h_sleep_ms(20);
		struct long_changes lc = { .kq = kq, .n = NCHG, .chg = chg };
		pthread_t t;
		pthread_create(&t, NULL, apply_changes, &lc);
		for (int i = 0; i < 1000 && !atomic_load(&lc.started); i++)
			h_sleep_ms(1);
		h_sleep_ms(2);          /* the changelist holds the kqueue lock for a while */
		close(sv[0]);
		int s = socket(AF_INET, SOCK_STREAM, 0);
		pthread_join(t, NULL);
		int err = 0;
		socklen_t l = sizeof err;
		if (s == sv[0] && getsockopt(s, SOL_SOCKET, SO_ERROR, &err, &l) == 0 && err)
			leaked = err;
		close(s);
		close(kq);
	}
	free(chg);
	CHECK(!leaked, "the socket reusing the number saw errno %d", leaked);
}

/*
 * A kqueue fd is an epoll instance, so kqueues nest only as deep as Linux lets epoll sets nest
 * (EP_MAX_NESTS); where the chain would be deeper the EV_ADD fails with EINVAL, the errno xnu's
 * kqueue_kqfilter gives where it refuses a nesting. Events pass through every accepted level.
 */
static void t_nesting_limit(void)
{
	enum { MAXL = 12 };
	int kq[MAXL], depth = 1, err = 0;
	for (int i = 0; i < MAXL; i++)
		kq[i] = kqueue();
	CHECK(kch(kq[0], 7, EVFILT_USER, EV_ADD | EV_CLEAR, 0, 0, 0) == 0, "user");
	/* bottom-up: kq[i] goes into kq[i+1] */
	for (int i = 0; i + 1 < MAXL; i++) {
		err = kch(kq[i + 1], kq[i], EVFILT_READ, EV_ADD | EV_CLEAR, 0, 0, 0);
		if (err)
			break;
		depth++;
	}
	CHECK(depth >= 4, "only %d levels", depth);
	CHECK(err == EINVAL, "refused with %d", err);
	CHECK(kch(kq[0], 7, EVFILT_USER, 0, NOTE_TRIGGER, 0, 0) == 0, "trigger");
	struct kevent ev;
	CHECK(kwait(kq[depth - 1], &ev, 1, 1000) == 1 && ev.ident == (uintptr_t)kq[depth - 2], "top level sees it");
	for (int i = 0; i < MAXL; i++)
		close(kq[i]);
	/* top-down: the same limit */
	for (int i = 0; i < MAXL; i++)
		kq[i] = kqueue();
	int depth2 = 1;
	for (int i = MAXL - 1; i > 0; i--) {
		err = kch(kq[i], kq[i - 1], EVFILT_READ, EV_ADD | EV_CLEAR, 0, 0, 0);
		if (err)
			break;
		depth2++;
	}
	for (int i = 0; i < MAXL; i++)
		close(kq[i]);
	CHECK(err == EINVAL && depth2 == depth, "top-down: %d levels, error %d", depth2, err);
}

static atomic_int g_churn_stop;

static void *signal_churn(void *arg)
{
	int kq = *(int *)arg;
	for (int i = 0; i < 200000 && !atomic_load(&g_churn_stop); i++) {
		kch(kq, SIGUSR2, EVFILT_SIGNAL, EV_ADD, 0, 0, 0);
		kch(kq, SIGUSR2, EVFILT_SIGNAL, EV_DELETE, 0, 0, 0);
		kch(kq, 100 + (i & 63), EVFILT_USER, EV_ADD, 0, 0, 0);
	}
	return NULL;
}

/*
 * fork() while another thread is changing knotes: every emulation lock is held across the fork,
 * so the child never inherits a lock taken by a thread it does not have, nor a table half-way
 * through a change, and can use kqueues at once.
 */
static void t_fork_during_changes(void)
{
	signal(SIGUSR2, SIG_IGN);
	int kq = kqueue();
	atomic_store(&g_churn_stop, 0);
	pthread_t t;
	pthread_create(&t, NULL, signal_churn, &kq);
	int hung = 0, bad = 0, forks;
	for (forks = 0; forks < 40 && !hung && !bad; forks++) {
		h_sleep_ms(2);
		pid_t pid = fork();
		if (pid == 0) {
			int k = kqueue();
			int ok = k >= 0 && kch(k, SIGUSR2, EVFILT_SIGNAL, EV_ADD, 0, 0, 0) == 0
			    && kch(k, 1, EVFILT_USER, EV_ADD, NOTE_TRIGGER, 0, 0) == 0;
			_exit(ok ? 0 : 1);
		}
		int st = 0;
		long end = h_now_ms() + 3000;
		while (waitpid(pid, &st, WNOHANG) == 0) {
			if (h_now_ms() > end) {
				kill(pid, SIGKILL);
				waitpid(pid, &st, 0);
				hung = 1;
				break;
			}
			h_sleep_ms(1);
		}
		if (!hung && !(WIFEXITED(st) && WEXITSTATUS(st) == 0))
			bad = 1;
	}
	atomic_store(&g_churn_stop, 1);
	pthread_join(t, NULL);
	close(kq);
	signal(SIGUSR2, SIG_DFL);
	CHECK(!hung, "fork %d: the child hung on a lock held at fork time", forks);
	CHECK(!bad, "fork %d: the child could not use a new kqueue", forks);
}

int main(void)
{
	signal(SIGPIPE, SIG_IGN);
	RUN(t_close_removes_knotes);
	RUN(t_dup2_closes_target);
	RUN(t_close_kqueue_wakes_waiter);
	RUN(t_trigger_wakes_waiter);
	RUN(t_fork_not_inherited);
	RUN(t_exactly_once);
	RUN(t_close_races);
	RUN(t_fork_child_closes_aux_fds);
	RUN(t_fork_during_changes);
	RUN(t_close_does_not_leak_stash_to_reused_fd);
	RUN(t_nesting_limit);
	return h_finish();
}
