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
#include <sys/wait.h>

#include "kq_internal.h"

#define NSIGS 65
#define NWAKE 256

static atomic_ulong sig_counts[NSIGS];
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

/* Darwin notes the signal before (and regardless of) its normal disposition; chain to it. */
static void sig_handler(int s, siginfo_t *si, void *uc)
{
	int saved = errno;
	if (s > 0 && s < NSIGS)
		atomic_fetch_add(&sig_counts[s], 1);
	for (int i = 0; i < NWAKE; i++) {
		int fd = atomic_load_explicit(&sig_wake[i], memory_order_relaxed);
		if (fd >= 0) {
			uint64_t one = 1;
			(void)!syscall(SYS_write, fd, &one, sizeof one);
		}
	}
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
	sig_users[s]++;
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

int vnode_open(int fd, uint32_t sfflags)
{
	(void)sfflags;
	struct stat st;
	if (fstat(fd, &st) < 0)
		return -EBADF;
	int ifd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
	if (ifd < 0)
		return -errno;
	char path[64];
	snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	uint32_t mask = IN_MODIFY | IN_ATTRIB | IN_DELETE_SELF | IN_MOVE_SELF | IN_UNMOUNT;
	if (inotify_add_watch(ifd, path, mask) < 0) {
		int e = errno;
		sys_close(ifd);
		return -(e == ENOENT ? EBADF : EINVAL);
	}
	return ifd;
}

uint32_t vnode_drain(int ifd, int fd, uint32_t sfflags)
{
	uint32_t out = 0;
	union {
		struct inotify_event e;
		char b[4096];
	} buf;
	for (;;) {
		long n = syscall(SYS_read, ifd, buf.b, sizeof buf.b);
		if (n <= 0)
			break;
		for (long off = 0; off + (long)sizeof(struct inotify_event) <= n;) {
			struct inotify_event *e = (struct inotify_event *)(buf.b + off);
			if (e->mask & IN_MODIFY)
				out |= NOTE_WRITE | NOTE_EXTEND;
			if (e->mask & IN_ATTRIB) {
				struct stat st;
				out |= NOTE_ATTRIB;
				if (fstat(fd, &st) == 0 && st.st_nlink == 0)
					out |= NOTE_DELETE;
				else
					out |= NOTE_LINK;
			}
			if (e->mask & IN_DELETE_SELF)
				out |= NOTE_DELETE;
			if (e->mask & IN_MOVE_SELF)
				out |= NOTE_RENAME;
			if (e->mask & IN_UNMOUNT)
				out |= NOTE_REVOKE;
			off += (long)sizeof(struct inotify_event) + e->len;
		}
	}
	/* NOTE_LINK is only a guess from an attribute change: report it only when asked and nothing else */
	if ((out & NOTE_LINK) && (out & ~NOTE_LINK & sfflags & ~NOTE_ATTRIB))
		out &= ~NOTE_LINK;
	return out & sfflags;
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
