/* Internal declarations of the kqueue emulation. Nothing here is exported. */
#ifndef KQ_INTERNAL_H
#define KQ_INTERNAL_H

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stddef.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/socket.h>
#include <unistd.h>

#include "kqueue_emulation/event.h"

#define KQ_API __attribute__((visibility("default")))

/*
 * The record the emulation works on: Darwin's kevent64_s (ext[2]) or FreeBSD's kevent (ext[4]),
 * with udata as an integer. Its layout is that of the kernel's own record, so native changelists
 * and eventlists are copied as they are.
 */
#ifdef KQ_ABI_FREEBSD
#define KQ_NEXT 4
#define KQ_FREEBSD 1
#else
#define KQ_NEXT 2
#define KQ_FREEBSD 0
#endif
struct kq_kev {
	uint64_t ident;
	int16_t filter;
	uint16_t flags;
	uint32_t fflags;
	int64_t data;
	uint64_t udata;
	uint64_t ext[KQ_NEXT];
};
#ifdef KQ_ABI_FREEBSD
/* FreeBSD's kevent has no flags argument: the kevent64 flags never apply */
#define KEVENT_FLAG_IMMEDIATE 0
#define KEVENT_FLAG_ERROR_EVENTS 0
#define KEVENT_FLAG_WORKLOOP 0
#define KEVENT_FLAG_DYNAMIC_KQ_MUST_EXIST 0
#define KEVENT_FLAG_DYNAMIC_KQ_MUST_NOT_EXIST 0
_Static_assert(sizeof(struct kq_kev) == sizeof(struct kevent), "FreeBSD struct kevent layout");
#else
_Static_assert(sizeof(struct kq_kev) == sizeof(struct kq_kev), "Darwin struct kq_kev layout");
#endif
#define KQ_LIKELY(x) __builtin_expect(!!(x), 1)
#define KQ_UNLIKELY(x) __builtin_expect(!!(x), 0)

/* kind of object behind an fd knote */
enum fdkind {
	FK_TCP = 1,
	FK_UDP,
	FK_UNIX_STREAM,
	FK_UNIX_DGRAM,
	FK_UNIX_SEQPACKET,
	FK_SOCK_OTHER,
	FK_PIPE,        /* pipe or FIFO */
	FK_FILE,        /* regular file or directory: not epollable, always evaluated */
	FK_KQUEUE,      /* one of our kqueues */
	FK_OTHER,       /* any other epollable fd (eventfd, tty, ...) */
};

/* knote status bits */
#define KN_QUEUED       0x0001  /* on the kqueue's active queue */
#define KN_DISABLED     0x0002
#define KN_FIRED        0x0004  /* timer expired, not yet delivered */
#define KN_TRIGGERED    0x0008  /* EVFILT_USER triggered */
#define KN_INHEAP       0x0010  /* timer armed (in the heap) */
#define KN_EPOLL        0x0020  /* registered in an epoll set */
#define KN_POLLALWAYS   0x0040  /* regular file: evaluated on every scan */
#define KN_RDONLY       0x0080  /* pipe end opened read-only */
#define KN_WRONLY       0x0100  /* pipe end opened write-only */
#define KN_DEFERDELETE  0x0200  /* EV_DISPATCH2 deferred delete */
#define KN_FDLIST       0x0400  /* on the global per-fd list */
#define KN_REPORTED     0x0800  /* queued because epoll reported the fd (cleared at dequeue) */
#define KN_DEMOTED      0x1000  /* level fd knote held edge-triggered after a spurious report */

struct kq;

struct knote {
	/* user-visible state (Darwin kn_kevent) */
	uint64_t ident;
	int16_t filter;
	uint16_t flags;         /* stored flags as given at EV_ADD (after simplification) */
	uint32_t sfflags;       /* saved fflags */
	int64_t sdata;          /* saved data */
	uint64_t udata;
	uint64_t ext[KQ_NEXT];

	uint32_t status;
	struct kq *kq;

	struct knote *hnext;                    /* hash chain */
	struct knote *qnext, *qprev;            /* active queue */
	struct knote *fdnext, *fdprev;          /* global per-fd list (all kqueues) */
	struct knote *pnext, *pprev;            /* poll-always list */

	uint32_t slot, gen;                     /* epoll tag */

	/* fd filters */
	int fd;
	uint8_t kind;
	uint32_t revents;                       /* last epoll mask seen */
	uint32_t emask;                         /* epoll events currently registered (KN_EPOLL) */
	int64_t base_lowat;                     /* SO_RCVLOWAT (read) or 1 */
	int64_t hiwat;                          /* SO_RCVBUF / SO_SNDBUF */
	int64_t last_data;                      /* regular files with EV_CLEAR */
	uint64_t ino;                           /* socket inode (unix listener queue length) */

	/* EVFILT_PROC (pidfd) / EVFILT_VNODE (inotify) / EVFILT_SIGNAL */
	int auxfd;
	uint32_t vfflags;                       /* accumulated NOTE_* for vnode */
	uint32_t vnlink;                        /* vnode link count / size last seen */
	int64_t vsize;
	uint64_t sigseen;                       /* signal count already reported */

	/* timers (CLOCK_MONOTONIC ns) */
	uint64_t t_deadline;                    /* next deadline, 0 = immediate */
	uint64_t t_interval;                    /* 0 = non repeating */
	uint64_t t_leeway;
	uint64_t t_count;                       /* FreeBSD: expirations not yet delivered */
	uint32_t heap_idx;
};

struct kq {
	int fd;                 /* user-visible kqueue fd: the epoll instance */
	int epfd;               /* private dup of fd: all epoll_ctl / epoll_wait go here */
	int wepfd;              /* epoll set for the write direction, nested in epfd */
	int evfd;               /* eventfd: readable while the active queue is non-empty */
	int tfd;                /* timerfd armed at the earliest timer deadline */

	pthread_mutex_t lock;
	atomic_int refs;
	int closed;
	int kind;               /* 0 unset, 1 kevent, 2 kevent64 */
	int ev_armed;
	uint64_t tfd_armed;     /* deadline the timerfd is armed at, 0 = disarmed */

	/* knote hash keyed by (ident, filter) */
	struct knote **htab;
	uint32_t hmask, hcount;

	/* epoll tag slots */
	struct knote **slots;
	uint32_t nslots, slotcap;
	uint32_t *freeslots;
	uint32_t nfree;
	uint32_t gen;

	/* active queue */
	struct knote *qhead, *qtail;
	atomic_uint qlen;

	/* regular-file knotes, evaluated on every scan */
	struct knote *plist;
	/* EVFILT_SIGNAL knotes, and the eventfd the signal handler pokes */
	struct knote *siglist;
	int sigfd;
	int sigslot;
	int sigpfd;             /* signalfd over the signals of siglist: readable while one is pending */

	/* timer min-heap */
	struct knote **heap;
	uint32_t hlen, hcap;

	struct kq *allnext, *allprev;
};

/* ---- raw system calls (never the interposed libc symbols) ---- */
static inline int sys_close(int fd) { return (int)syscall(SYS_close, fd); }
static inline int sys_getsockopt(int fd, int level, int name, void *val, socklen_t *len)
{
	return (int)syscall(SYS_getsockopt, fd, level, name, val, len);
}
static inline ssize_t sys_read(int fd, void *buf, size_t n) { return syscall(SYS_read, fd, buf, n); }

/* ---- fdtable.c ---- */
struct fdent {
	atomic_int err;                 /* stashed SO_ERROR consumed by the emulation */
	struct knote *knotes;           /* fd knotes of every kqueue on this fd number */
	struct kq *kq;                  /* kqueue whose fd this is */
};
struct fdent *fdent_get(int fd, int create);
pthread_mutex_t *fd_stripe(int fd);
int stash_take(int fd);
void stash_put(int fd, int err);
int stash_peek(int fd);
void fd_closing(int fd);                /* close hook: knote removal / kqueue destruction */

/* ---- kqueue.c ---- */
struct kq *kq_lookup_ref(int fd);
void kq_unref(struct kq *kq);
void kq_destroy_locked_registry(struct kq *kq);
void kq_remove_fd_knotes(struct kq *kq, int fd);
void kq_destroy(struct kq *kq);
unsigned kq_pending(struct kq *kq);

/* ---- other_filters.c ---- */
int sig_register(int signo);
void sig_unregister(int signo);
void sig_reinstall(int signo);
uint64_t sig_count(int signo);
void sig_note_pending(void);
int sig_wake_add(int fd);
void sig_wake_remove(int slot);
int vnode_open(struct knote *kn);
uint32_t vnode_drain(struct knote *kn);
int proc_open(pid_t pid);
int proc_exited(int pidfd, int64_t *status);

/* ---- filters.c ---- */
int fd_classify(int fd, struct knote *kn);
void fd_refresh_params(struct knote *kn);
int fd_evaluate(struct knote *kn, struct kq_kev *out);
int timer_validate(const struct kq_kev *kev, uint64_t now_mono,
    uint64_t *deadline, uint64_t *interval, uint64_t *leeway);
uint64_t mono_now(void);

#endif
