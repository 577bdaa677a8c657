/*
 * EVFILT_SIGNAL (process-wide counting handler), EVFILT_PROC (pidfd) and EVFILT_VNODE
 * (inotify) support.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <sys/wait.h>

#include "kq_internal.h"

#ifndef PIPEFS_MAGIC
#define PIPEFS_MAGIC 0x50495045
#endif

#define NSIGS 65
#define NWAKE 256

static atomic_ulong sig_counts[NSIGS];
/* set when a signal was counted while pending, so its later delivery is not counted again */
static atomic_int sig_pend_counted[NSIGS];
static atomic_int sig_wake[NWAKE];
static struct sigaction sig_old[NSIGS];
static int sig_users[NSIGS];
static pthread_mutex_t sig_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t sig_once = PTHREAD_ONCE_INIT;

static void sig_init(void)
{
	for (int i = 0; i < NWAKE; i++)
		atomic_init(&sig_wake[i], -1);
}

static int default_is_ignore(int s)
{
	return s == SIGCHLD || s == SIGURG || s == SIGWINCH || s == SIGCONT;
}

/*
 * A signal instance leaves the kernel (to the handler, or to sigwait and friends): count it unless
 * it was already counted while pending. xnu posts the knote from psignal for process-directed
 * signals only; tgkill/tkill (pthread_kill, raise) are thread-directed.
 */
static void sig_delivered(int s, const siginfo_t *si)
{
	if (s <= 0 || s >= NSIGS || (si && si->si_code == SI_TKILL))
		return;
	if (!atomic_exchange(&sig_pend_counted[s], 0))
		atomic_fetch_add(&sig_counts[s], 1);
	for (int i = 0; i < NWAKE; i++) {
		int fd = atomic_load_explicit(&sig_wake[i], memory_order_relaxed);
		if (fd >= 0) {
			uint64_t one = 1;
			(void)!syscall(SYS_write, fd, &one, sizeof one);
		}
	}
}

/* Darwin notes the signal before (and regardless of) its normal disposition; chain to it. */
static void sig_handler(int s, siginfo_t *si, void *uc)
{
	int saved = errno;
	sig_delivered(s, si);
	struct sigaction *o = &sig_old[s];
	if (o->sa_flags & SA_SIGINFO) {
		if (o->sa_sigaction)
			o->sa_sigaction(s, si, uc);
	} else if (o->sa_handler == SIG_IGN) {
		/* recorded, otherwise ignored */
	} else if (o->sa_handler == SIG_DFL) {
		if (!default_is_ignore(s)) {
			/* default action (terminate/stop): reinstate it and re-raise */
			struct sigaction d;
			memset(&d, 0, sizeof d);
			d.sa_handler = SIG_DFL;
			sigaction(s, &d, NULL);
			raise(s);
		}
	} else {
		o->sa_handler(s);
	}
	errno = saved;
}

static int sig_install_locked(int s);

int sig_register(int s)
{
	pthread_once(&sig_once, sig_init);
	pthread_mutex_lock(&sig_lock);
	int err = sig_install_locked(s);
	if (sig_users[s]++ == 0)
		atomic_store(&sig_pend_counted[s], 0);
	pthread_mutex_unlock(&sig_lock);
	return err;
}

/* a modify of a signal knote re-installs the counting handler if the application replaced it */
void sig_reinstall(int s)
{
	pthread_once(&sig_once, sig_init);
	pthread_mutex_lock(&sig_lock);
	sig_install_locked(s);
	pthread_mutex_unlock(&sig_lock);
}

static int sig_install_locked(int s)
{
	struct sigaction cur;
	int err = 0;
	if (sigaction(s, NULL, &cur) == 0 && !((cur.sa_flags & SA_SIGINFO) && cur.sa_sigaction == sig_handler)) {
		struct sigaction sa;
		memset(&sa, 0, sizeof sa);
		sa.sa_sigaction = sig_handler;
		sa.sa_flags = SA_SIGINFO | SA_RESTART | SA_ONSTACK;
		sigemptyset(&sa.sa_mask);
		sig_old[s] = cur;
		if (sigaction(s, &sa, NULL) < 0)
			err = 0;        /* SIGKILL/SIGSTOP: accepted, never reported */
	}
	return err;
}

void sig_unregister(int s)
{
	pthread_mutex_lock(&sig_lock);
	if (sig_users[s] > 0 && --sig_users[s] == 0) {
		struct sigaction cur;
		if (sigaction(s, NULL, &cur) == 0 && (cur.sa_flags & SA_SIGINFO) && cur.sa_sigaction == sig_handler)
			sigaction(s, &sig_old[s], NULL);
	}
	pthread_mutex_unlock(&sig_lock);
}

/*
 * Darwin counts a signal when it is generated, even while every thread blocks it; then the handler
 * does not run until it is unblocked. The kqueue's signalfd wakes epoll when such a signal becomes
 * pending: count each pending signal once here, and its eventual delivery not again.
 */
void sig_note_pending(void)
{
	sigset_t p;
	if (sigpending(&p) < 0)
		return;
	for (int s = 1; s < NSIGS; s++) {
		if (!sigismember(&p, s) || !__atomic_load_n(&sig_users[s], __ATOMIC_RELAXED))
			continue;
		int zero = 0;
		if (atomic_compare_exchange_strong(&sig_pend_counted[s], &zero, 1))
			atomic_fetch_add(&sig_counts[s], 1);
	}
}

/* fork(): 0 prepare (lock), 1 parent (unlock), 2 child (re-initialise) */
void sig_lock_fork(int phase)
{
	if (phase == 0)
		pthread_mutex_lock(&sig_lock);
	else if (phase == 1)
		pthread_mutex_unlock(&sig_lock);
	else
		pthread_mutex_init(&sig_lock, NULL);
}

/*
 * A blocked signal taken with sigwait/sigwaitinfo/sigtimedwait never reaches the handler: these
 * report the instance (counted now if no kevent saw it pending) and clear its pending mark.
 */
KQ_API int sigtimedwait(const sigset_t *set, siginfo_t *info, const struct timespec *timeout)
{
	siginfo_t si;
	int r = (int)syscall(SYS_rt_sigtimedwait, set, &si, timeout, (size_t)(_NSIG / 8));
	if (r > 0) {
		if (r < NSIGS && __atomic_load_n(&sig_users[r], __ATOMIC_RELAXED))
			sig_delivered(r, &si);
		if (info)
			*info = si;
	}
	return r;
}

KQ_API int sigwaitinfo(const sigset_t *set, siginfo_t *info)
{
	return sigtimedwait(set, info, NULL);
}

KQ_API int sigwait(const sigset_t *set, int *sig)
{
	int r;
	do {
		r = sigtimedwait(set, NULL, NULL);
	} while (r < 0 && errno == EINTR);
	if (r < 0)
		return errno;
	*sig = r;
	return 0;
}

uint64_t sig_count(int s)
{
	return atomic_load(&sig_counts[s]);
}

int sig_wake_add(int fd)
{
	pthread_once(&sig_once, sig_init);
	for (int i = 0; i < NWAKE; i++) {
		int expect = -1;
		if (atomic_compare_exchange_strong(&sig_wake[i], &expect, fd))
			return i;
	}
	return -1;
}

void sig_wake_remove(int slot)
{
	if (slot >= 0 && slot < NWAKE)
		atomic_store(&sig_wake[slot], -1);
}

/* ---- EVFILT_VNODE over inotify ---- */

/*
 * Only vnodes take EVFILT_VNODE (vn_kqfilter accepts it for every vnode type, named FIFOs and
 * devices included): pipe_kqfilter, soo_kqfilter and kqueue_kqfilter accept READ and WRITE only.
 * On Linux a pipe() end is a FIFO on pipefs, a named FIFO one on a real file system.
 */
int vnode_open(struct knote *kn)
{
	struct stat st;
	struct statfs sfs;
	if (fstat(kn->fd, &st) < 0)
		return -EBADF;
	int vnode = S_ISREG(st.st_mode) || S_ISDIR(st.st_mode) || S_ISLNK(st.st_mode)
	    || S_ISBLK(st.st_mode) || S_ISCHR(st.st_mode)
	    || (S_ISFIFO(st.st_mode) && fstatfs(kn->fd, &sfs) == 0 && sfs.f_type != PIPEFS_MAGIC);
	if (!vnode)
		return -EINVAL;
	int ifd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
	if (ifd < 0)
		return -errno;
	char path[64];
	snprintf(path, sizeof path, "/proc/self/fd/%d", kn->fd);
	uint32_t mask = IN_MODIFY | IN_ATTRIB | IN_DELETE_SELF | IN_MOVE_SELF | IN_UNMOUNT;
	if (S_ISDIR(st.st_mode))
		mask |= IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO;
	if (inotify_add_watch(ifd, path, mask) < 0) {
		int e = errno;
		sys_close(ifd);
		return -(e == ENOENT ? EBADF : EINVAL);
	}
	kn->vnlink = (uint32_t)st.st_nlink;
	kn->vsize = (int64_t)st.st_size;
	return ifd;
}

/*
 * xnu filt_vnode_common: a posted hint is ORed in whole when it shares any bit with the
 * subscribed fflags. The hints are those the VNOPs post (kpi_vfs.c): write NOTE_WRITE (the file
 * system adds NOTE_EXTEND when the size grew), remove NOTE_DELETE|NOTE_LINK on the file and
 * NOTE_WRITE on the directory, link NOTE_LINK, mkdir/rmdir NOTE_LINK|NOTE_WRITE on the parent,
 * create and rename NOTE_WRITE on the directories, NOTE_RENAME on the renamed vnode, setattr
 * NOTE_ATTRIB. inotify's IN_ATTRIB also covers link-count changes, told apart by st_nlink.
 */
static inline uint32_t vnode_hint(uint32_t acc, uint32_t sfflags, uint32_t hint)
{
	return (sfflags & hint) ? acc | hint : acc;
}

uint32_t vnode_drain(struct knote *kn)
{
	uint32_t out = 0, sf = kn->sfflags;
	union {
		struct inotify_event e;
		char b[4096];
	} buf;
	for (;;) {
		long n = syscall(SYS_read, kn->auxfd, buf.b, sizeof buf.b);
		if (n <= 0)
			break;
		for (long off = 0; off + (long)sizeof(struct inotify_event) <= n;) {
			struct inotify_event *e = (struct inotify_event *)(buf.b + off);
			uint32_t m = e->mask;
			/* a directory watch also reports its children's data and attributes: not xnu's */
			if (e->len)
				m &= IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO | IN_ISDIR;
			if (m & (IN_MODIFY | IN_ATTRIB)) {
				struct stat st;
				int ok = fstat(kn->fd, &st) == 0;
				if (m & IN_MODIFY) {
					out = vnode_hint(out, sf, NOTE_WRITE);
					if (ok && (int64_t)st.st_size > kn->vsize)
						out = vnode_hint(out, sf, NOTE_EXTEND);
				}
				if (m & IN_ATTRIB) {
					if (ok && (uint32_t)st.st_nlink < kn->vnlink)
						out = vnode_hint(out, sf, NOTE_DELETE | NOTE_LINK);
					else if (ok && (uint32_t)st.st_nlink > kn->vnlink)
						out = vnode_hint(out, sf, NOTE_LINK);
					else
						out = vnode_hint(out, sf, NOTE_ATTRIB);
				}
				if (ok) {
					kn->vnlink = (uint32_t)st.st_nlink;
					kn->vsize = (int64_t)st.st_size;
				}
			}
			if (m & (IN_CREATE | IN_DELETE))
				out = vnode_hint(out, sf, (m & IN_ISDIR) ? NOTE_LINK | NOTE_WRITE : NOTE_WRITE);
			if (m & (IN_MOVED_FROM | IN_MOVED_TO))
				out = vnode_hint(out, sf, NOTE_WRITE);
			if (m & IN_DELETE_SELF)
				out = vnode_hint(out, sf, NOTE_DELETE | NOTE_LINK);
			if (m & IN_MOVE_SELF)
				out = vnode_hint(out, sf, NOTE_RENAME);
			if (m & IN_UNMOUNT)
				out = vnode_hint(out, sf, NOTE_REVOKE);
			off += (long)sizeof(struct inotify_event) + e->len;
		}
	}
	return out;
}

/* ---- EVFILT_PROC over pidfd ---- */

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef P_PIDFD
#define P_PIDFD 3
#endif

int proc_open(pid_t pid)
{
	if (pid <= 0)
		return -ESRCH;
	int fd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (fd < 0)
		return -(errno == EINVAL ? ESRCH : errno);
	int f = fcntl(fd, F_GETFD);
	fcntl(fd, F_SETFD, f | FD_CLOEXEC);
	/*
	 * An exited process (a zombie included) is invisible to xnu's proc_find: filt_procattach
	 * ESRCH. FreeBSD's filt_procattach takes a zombie and reports its exit at once.
	 */
	struct pollfd p = { .fd = fd, .events = POLLIN };
	if (!KQ_FREEBSD && poll(&p, 1, 0) > 0 && (p.revents & (POLLIN | POLLHUP))) {
		sys_close(fd);
		return -ESRCH;
	}
	return fd;
}

/* 1 if the process has exited; *status = wait(2) status when available (children) */
int proc_exited(int pidfd, int64_t *status)
{
	struct pollfd p = { .fd = pidfd, .events = POLLIN };
	if (poll(&p, 1, 0) <= 0 || !(p.revents & (POLLIN | POLLHUP)))
		return 0;
	siginfo_t si;
	memset(&si, 0, sizeof si);
	*status = 0;
	if (waitid((idtype_t)P_PIDFD, (id_t)pidfd, &si, WEXITED | WNOWAIT | WNOHANG) == 0 && si.si_pid) {
		if (si.si_code == CLD_EXITED)
			*status = (si.si_status & 0xff) << 8;
		else if (si.si_code == CLD_KILLED)
			*status = si.si_status & 0x7f;
		else if (si.si_code == CLD_DUMPED)
			*status = (si.si_status & 0x7f) | 0x80;
	}
	return 1;
}
