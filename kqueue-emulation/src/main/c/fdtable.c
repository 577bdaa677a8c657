/*
 * Process-wide fd-indexed table and the libc interposers (close, dup2, dup3, getsockopt,
 * read, readv, recv, recvfrom, recvmsg).
 *
 * The table is two-level (chunks of 4096 entries allocated on first use and never freed) so
 * that the read-side hooks cost one atomic load of the chunk pointer plus one load of the
 * entry, without any lock.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/uio.h>

#include "kq_internal.h"

#define CHUNK_BITS 12
#define CHUNK_SIZE (1u << CHUNK_BITS)
#define TOP_SIZE 4096u          /* 16M fds */
#define NSTRIPES 64

static _Atomic(struct fdent *) fdtop[TOP_SIZE];
static pthread_mutex_t chunk_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t stripes[NSTRIPES];
static pthread_once_t stripes_once = PTHREAD_ONCE_INIT;

static void stripes_init(void)
{
	for (int i = 0; i < NSTRIPES; i++)
		pthread_mutex_init(&stripes[i], NULL);
}

pthread_mutex_t *fd_stripe(int fd)
{
	pthread_once(&stripes_once, stripes_init);
	return &stripes[(unsigned)fd % NSTRIPES];
}

void fdtable_lock_all(void);
void fdtable_unlock_all(void);
void fdtable_reinit_locks(void);

void fdtable_lock_all(void)
{
	pthread_once(&stripes_once, stripes_init);
	for (int i = 0; i < NSTRIPES; i++)
		pthread_mutex_lock(&stripes[i]);
	pthread_mutex_lock(&chunk_lock);
}

void fdtable_unlock_all(void)
{
	pthread_mutex_unlock(&chunk_lock);
	for (int i = NSTRIPES - 1; i >= 0; i--)
		pthread_mutex_unlock(&stripes[i]);
}

/* in a forked child the locks were held across fork() by the forking thread (fdtable_lock_all) */
void fdtable_reinit_locks(void)
{
	stripes_init();
	pthread_mutex_init(&chunk_lock, NULL);
}

struct fdent *fdent_get(int fd, int create)
{
	if (fd < 0 || (unsigned)fd >= TOP_SIZE * CHUNK_SIZE)
		return NULL;
	unsigned top = (unsigned)fd >> CHUNK_BITS;
	struct fdent *c = atomic_load_explicit(&fdtop[top], memory_order_acquire);
	if (!c) {
		if (!create)
			return NULL;
		pthread_mutex_lock(&chunk_lock);
		c = atomic_load_explicit(&fdtop[top], memory_order_acquire);
		if (!c) {
			c = calloc(CHUNK_SIZE, sizeof(struct fdent));
			if (c)
				atomic_store_explicit(&fdtop[top], c, memory_order_release);
		}
		pthread_mutex_unlock(&chunk_lock);
		if (!c)
			return NULL;
	}
	return &c[(unsigned)fd & (CHUNK_SIZE - 1)];
}

static inline atomic_int *stash_slot(int fd)
{
	if (KQ_UNLIKELY(fd < 0 || (unsigned)fd >= TOP_SIZE * CHUNK_SIZE))
		return NULL;
	struct fdent *c = atomic_load_explicit(&fdtop[(unsigned)fd >> CHUNK_BITS], memory_order_acquire);
	if (!c)
		return NULL;
	return &c[(unsigned)fd & (CHUNK_SIZE - 1)].err;
}

int stash_take(int fd)
{
	atomic_int *p = stash_slot(fd);
	if (KQ_LIKELY(!p || atomic_load_explicit(p, memory_order_relaxed) == 0))
		return 0;
	return atomic_exchange(p, 0);
}

int stash_peek(int fd)
{
	atomic_int *p = stash_slot(fd);
	return p ? atomic_load_explicit(p, memory_order_relaxed) : 0;
}

void stash_put(int fd, int err)
{
	struct fdent *e = fdent_get(fd, 1);
	if (e)
		atomic_store(&e->err, err);
}

/*
 * knote_fdclose: every knote on this fd number in every kqueue goes away; if the fd is a
 * kqueue, that kqueue is destroyed. Lock order is kq->lock then stripe, so the stripe is
 * dropped before a kqueue lock is taken.
 */
void fd_closing(int fd)
{
	struct fdent *e = fdent_get(fd, 0);
	if (!e)
		return;
	/* racy peek: nothing registered on this fd is the overwhelmingly common case */
	if (__atomic_load_n(&e->knotes, __ATOMIC_ACQUIRE) || __atomic_load_n(&e->kq, __ATOMIC_ACQUIRE)) {
		pthread_mutex_t *m = fd_stripe(fd);
		pthread_mutex_lock(m);
		struct kq *self = e->kq;
		if (self)
			e->kq = NULL;   /* the registry's reference is now ours */
		pthread_mutex_unlock(m);
		if (self)
			kq_destroy(self);
		for (;;) {
			pthread_mutex_lock(m);
			struct knote *kn = e->knotes;
			struct kq *kq = kn ? kn->kq : NULL;
			if (kq)
				atomic_fetch_add(&kq->refs, 1);
			pthread_mutex_unlock(m);
			if (!kq)
				break;
			kq_remove_fd_knotes(kq, fd);
			kq_unref(kq);
		}
	}
	/*
	 * Only now: a kevent() holding a kqueue lock may still have stashed this fd's SO_ERROR from
	 * an epoll report until its knote was removed above; once no knote is left nothing stashes
	 * for this number again, so the socket that reuses it starts clean.
	 */
	if (atomic_load_explicit(&e->err, memory_order_relaxed))
		atomic_store(&e->err, 0);
}

/* ---------------- interposers ---------------- */

KQ_API int close(int fd)
{
	fd_closing(fd);
	return sys_close(fd);
}

KQ_API int dup2(int oldfd, int newfd)
{
	if (oldfd == newfd)
		return (int)syscall(SYS_fcntl, oldfd, F_GETFD) < 0 ? -1 : newfd;
	if ((int)syscall(SYS_fcntl, oldfd, F_GETFD) < 0)
		return -1;
	fd_closing(newfd);
	return (int)syscall(SYS_dup2, oldfd, newfd);
}

KQ_API int dup3(int oldfd, int newfd, int flags)
{
	if (oldfd == newfd) {
		errno = EINVAL;
		return -1;
	}
	if ((int)syscall(SYS_fcntl, oldfd, F_GETFD) < 0)
		return -1;
	fd_closing(newfd);
	return (int)syscall(SYS_dup3, oldfd, newfd, flags);
}

KQ_API int getsockopt(int fd, int level, int optname, void *optval, socklen_t *optlen)
{
	if (level == SOL_SOCKET && optname == SO_ERROR && optval && optlen && *optlen >= sizeof(int)) {
		int e = stash_take(fd);
		if (e) {
			*(int *)optval = e;
			*optlen = sizeof(int);
			return 0;
		}
	}
	return sys_getsockopt(fd, level, optname, optval, optlen);
}

/* A stashed error is reported by the next receive, after any data still queued (as the kernels do). */
static inline int stash_pending(int fd)
{
	atomic_int *p = stash_slot(fd);
	if (KQ_LIKELY(!p || atomic_load_explicit(p, memory_order_relaxed) == 0))
		return 0;
	int avail = 0;
	if (ioctl(fd, FIONREAD, &avail) == 0 && avail > 0)
		return 0;
	int e = atomic_exchange(p, 0);
	if (e)
		errno = e;
	return e;
}

/*
 * xnu's sosendcheck returns and clears so_error before sending (after the EPIPE of a socket that can
 * no longer send): a connected UDP socket's ICMP port-unreachable fails the next send as well as the
 * next receive. Linux does the same with sk_err, but the emulation may already have moved it into
 * the stash; hand it back on the send side too. Stream sockets are left alone: a stashed reset
 * belongs to their next receive, and their sends fail with EPIPE first, as on Darwin.
 */
static inline int stash_pending_send(int fd)
{
	atomic_int *p = stash_slot(fd);
	if (KQ_LIKELY(!p || atomic_load_explicit(p, memory_order_relaxed) == 0))
		return 0;
	int type = 0;
	socklen_t l = sizeof type;
	if (sys_getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &l) < 0 || type != SOCK_DGRAM)
		return 0;
	int e = atomic_exchange(p, 0);
	if (e)
		errno = e;
	return e;
}

KQ_API ssize_t send(int fd, const void *buf, size_t len, int flags)
{
	if (KQ_UNLIKELY(stash_pending_send(fd)))
		return -1;
	return syscall(SYS_sendto, fd, buf, len, flags, NULL, 0);
}

KQ_API ssize_t sendto(int fd, const void *buf, size_t len, int flags, const struct sockaddr *addr, socklen_t alen)
{
	if (KQ_UNLIKELY(stash_pending_send(fd)))
		return -1;
	return syscall(SYS_sendto, fd, buf, len, flags, addr, alen);
}

KQ_API ssize_t sendmsg(int fd, const struct msghdr *msg, int flags)
{
	if (KQ_UNLIKELY(stash_pending_send(fd)))
		return -1;
	return syscall(SYS_sendmsg, fd, msg, flags);
}

KQ_API ssize_t write(int fd, const void *buf, size_t count)
{
	if (KQ_UNLIKELY(stash_pending_send(fd)))
		return -1;
	return syscall(SYS_write, fd, buf, count);
}

KQ_API ssize_t writev(int fd, const struct iovec *iov, int iovcnt)
{
	if (KQ_UNLIKELY(stash_pending_send(fd)))
		return -1;
	return syscall(SYS_writev, fd, iov, iovcnt);
}

KQ_API ssize_t read(int fd, void *buf, size_t count)
{
	if (KQ_UNLIKELY(stash_pending(fd)))
		return -1;
	return syscall(SYS_read, fd, buf, count);
}

KQ_API ssize_t readv(int fd, const struct iovec *iov, int iovcnt)
{
	if (KQ_UNLIKELY(stash_pending(fd)))
		return -1;
	return syscall(SYS_readv, fd, iov, iovcnt);
}

KQ_API ssize_t recv(int fd, void *buf, size_t len, int flags)
{
	if (KQ_UNLIKELY(stash_pending(fd)))
		return -1;
	return syscall(SYS_recvfrom, fd, buf, len, flags, NULL, NULL);
}

KQ_API ssize_t recvfrom(int fd, void *buf, size_t len, int flags, struct sockaddr *addr, socklen_t *alen)
{
	if (KQ_UNLIKELY(stash_pending(fd)))
		return -1;
	return syscall(SYS_recvfrom, fd, buf, len, flags, addr, alen);
}

KQ_API ssize_t recvmsg(int fd, struct msghdr *msg, int flags)
{
	if (KQ_UNLIKELY(stash_pending(fd)))
		return -1;
	return syscall(SYS_recvmsg, fd, msg, flags);
}
