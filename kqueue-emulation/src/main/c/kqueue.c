/*
 * kqueue(), kevent(), kevent64(): Darwin semantics over epoll.
 *
 * One kqueue = one epoll instance (its fd is the kqueue fd) plus:
 *  - a private dup of the epoll fd used for every epoll_ctl/epoll_wait (so a concurrent close()
 *    of the user's fd number never makes a waiter touch a reused fd number),
 *  - a second epoll set for the write direction (nested, level-triggered, in the first) so
 *    that read-side and write-side wakeups are told apart as the kernel's two sockbuf klists do,
 *  - an eventfd kept readable while the active queue is non-empty (wakes other waiters,
 *    makes the kqueue fd pollable, wakes waiters when the kqueue is closed),
 *  - a timerfd armed at the earliest timer deadline (timers live in a min-heap).
 * EV_CLEAR/ONESHOT/DISPATCH fd knotes are registered edge-triggered, plain level ones
 * level-triggered (see kn_set_epoll); an epoll report puts the knote on the active queue and the
 * filter is re-evaluated at scan time, as xnu's knote_process does.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <time.h>

#include "kq_internal.h"

#define TAG_EVFD (~0ull)
#define TAG_TFD (~0ull - 1)
#define TAG_WEP (~0ull - 2)
#define TAG_SIG (~0ull - 3)
#define TAG_SIGP (~0ull - 4)
#define EVBUF 64

#define KEVENT_FLAG_EINVAL_MASK \
	(KEVENT_FLAG_WORKLOOP | KEVENT_FLAG_DYNAMIC_KQ_MUST_EXIST | KEVENT_FLAG_DYNAMIC_KQ_MUST_NOT_EXIST)

static pthread_mutex_t reg_lock = PTHREAD_MUTEX_INITIALIZER;
static struct kq *all_kqs;
static pthread_once_t init_once = PTHREAD_ONCE_INIT;

void fdtable_reinit_locks(void);

/* ---------------- fork: kqueues are not inherited (Darwin: close-on-fork) ---------------- */

void fdtable_lock_all(void);
void fdtable_unlock_all(void);
void sig_lock_fork(int phase);

/*
 * Every lock is held across fork() so that the child sees the tables in a consistent state
 * (another thread may have been half-way through a change). Order as everywhere else:
 * registry, kqueues, stripes, chunk allocation, signal table.
 */
static void atfork_prepare(void)
{
	pthread_mutex_lock(&reg_lock);
	for (struct kq *kq = all_kqs; kq; kq = kq->allnext)
		pthread_mutex_lock(&kq->lock);
	fdtable_lock_all();
	sig_lock_fork(0);
}

static void atfork_parent(void)
{
	sig_lock_fork(1);
	fdtable_unlock_all();
	for (struct kq *kq = all_kqs; kq; kq = kq->allnext)
		pthread_mutex_unlock(&kq->lock);
	pthread_mutex_unlock(&reg_lock);
}

static void atfork_child(void)
{
	sig_lock_fork(2);
	fdtable_reinit_locks();
	pthread_mutex_init(&reg_lock, NULL);
	for (struct kq *kq = all_kqs; kq; kq = kq->allnext) {
		for (uint32_t b = 0; kq->htab && b <= kq->hmask; b++) {
			for (struct knote *kn = kq->htab[b]; kn; kn = kn->hnext) {
				if (kn->status & KN_FDLIST) {
					struct fdent *e = fdent_get(kn->fd, 0);
					if (e)
						e->knotes = NULL;
				}
				if (kn->auxfd >= 0)
					sys_close(kn->auxfd);
				if (kn->filter == EVFILT_SIGNAL)
					sig_unregister((int)kn->ident);
			}
		}
		struct fdent *e = fdent_get(kq->fd, 0);
		if (e && e->kq == kq)
			e->kq = NULL;
		kq->closed = 1;
		sig_wake_remove(kq->sigslot);
		sys_close(kq->fd);
		sys_close(kq->epfd);
		sys_close(kq->evfd);
		int extra[] = { kq->wepfd, kq->tfd, kq->sigfd, kq->sigpfd };
		for (size_t i = 0; i < sizeof extra / sizeof extra[0]; i++)
			if (extra[i] >= 0)
				sys_close(extra[i]);
	}
	all_kqs = NULL;         /* the child leaks the memory: nothing of it is reachable any more */
}

static void global_init(void)
{
	pthread_atfork(atfork_prepare, atfork_parent, atfork_child);
}

/* ---------------- small containers ---------------- */

static inline uint32_t khash(uint64_t ident, int16_t filter)
{
	uint64_t h = (ident ^ ((uint64_t)(uint16_t)filter << 48)) * 0x9E3779B97F4A7C15ull;
	return (uint32_t)(h >> 32);
}

static struct knote *hash_find(struct kq *kq, uint64_t ident, int16_t filter)
{
	struct knote *kn = kq->htab[khash(ident, filter) & kq->hmask];
	while (kn && (kn->ident != ident || kn->filter != filter))
		kn = kn->hnext;
	return kn;
}

static int hash_insert(struct kq *kq, struct knote *kn)
{
	if (kq->hcount + 1 > kq->hmask + 1) {
		uint32_t nsize = (kq->hmask + 1) * 2;
		struct knote **nt = calloc(nsize, sizeof *nt);
		if (nt) {
			for (uint32_t b = 0; b <= kq->hmask; b++) {
				struct knote *k = kq->htab[b];
				while (k) {
					struct knote *next = k->hnext;
					uint32_t h = khash(k->ident, k->filter) & (nsize - 1);
					k->hnext = nt[h];
					nt[h] = k;
					k = next;
				}
			}
			free(kq->htab);
			kq->htab = nt;
			kq->hmask = nsize - 1;
		}
	}
	uint32_t h = khash(kn->ident, kn->filter) & kq->hmask;
	kn->hnext = kq->htab[h];
	kq->htab[h] = kn;
	kq->hcount++;
	return 0;
}

static void hash_remove(struct kq *kq, struct knote *kn)
{
	struct knote **pp = &kq->htab[khash(kn->ident, kn->filter) & kq->hmask];
	while (*pp && *pp != kn)
		pp = &(*pp)->hnext;
	if (*pp) {
		*pp = kn->hnext;
		kq->hcount--;
	}
}

static int slot_alloc(struct kq *kq, struct knote *kn)
{
	uint32_t s;
	if (kq->nfree) {
		s = kq->freeslots[--kq->nfree];
	} else {
		if (kq->nslots == kq->slotcap) {
			uint32_t ncap = kq->slotcap ? kq->slotcap * 2 : 64;
			struct knote **ns = realloc(kq->slots, ncap * sizeof *ns);
			if (!ns)
				return ENOMEM;
			kq->slots = ns;
			uint32_t *nf = realloc(kq->freeslots, ncap * sizeof *nf);
			if (!nf)
				return ENOMEM;
			kq->freeslots = nf;
			kq->slotcap = ncap;
		}
		s = kq->nslots++;
	}
	if (++kq->gen == 0)
		kq->gen = 1;
	kn->slot = s;
	kn->gen = kq->gen;
	kq->slots[s] = kn;
	return 0;
}

static void slot_free(struct kq *kq, struct knote *kn)
{
	kq->slots[kn->slot] = NULL;
	kq->freeslots[kq->nfree++] = kn->slot;
}

static inline void enqueue(struct kq *kq, struct knote *kn)
{
	if (kn->status & (KN_QUEUED | KN_DISABLED))
		return;
	kn->status |= KN_QUEUED;
	kn->qnext = NULL;
	kn->qprev = kq->qtail;
	if (kq->qtail)
		kq->qtail->qnext = kn;
	else
		kq->qhead = kn;
	kq->qtail = kn;
	atomic_fetch_add_explicit(&kq->qlen, 1, memory_order_relaxed);
}

static inline void dequeue(struct kq *kq, struct knote *kn)
{
	if (!(kn->status & KN_QUEUED))
		return;
	if (kn->qprev)
		kn->qprev->qnext = kn->qnext;
	else
		kq->qhead = kn->qnext;
	if (kn->qnext)
		kn->qnext->qprev = kn->qprev;
	else
		kq->qtail = kn->qprev;
	kn->qnext = kn->qprev = NULL;
	kn->status &= ~(KN_QUEUED | KN_REPORTED);
	atomic_fetch_sub_explicit(&kq->qlen, 1, memory_order_relaxed);
}

unsigned kq_pending(struct kq *kq)
{
	return atomic_load_explicit(&kq->qlen, memory_order_relaxed);
}

/* timer min-heap on t_deadline */
static void heap_swap(struct kq *kq, uint32_t a, uint32_t b)
{
	struct knote *t = kq->heap[a];
	kq->heap[a] = kq->heap[b];
	kq->heap[b] = t;
	kq->heap[a]->heap_idx = a;
	kq->heap[b]->heap_idx = b;
}

static void heap_up(struct kq *kq, uint32_t i)
{
	while (i > 0) {
		uint32_t p = (i - 1) / 2;
		if (kq->heap[p]->t_deadline <= kq->heap[i]->t_deadline)
			break;
		heap_swap(kq, p, i);
		i = p;
	}
}

static void heap_down(struct kq *kq, uint32_t i)
{
	for (;;) {
		uint32_t l = 2 * i + 1, r = l + 1, m = i;
		if (l < kq->hlen && kq->heap[l]->t_deadline < kq->heap[m]->t_deadline)
			m = l;
		if (r < kq->hlen && kq->heap[r]->t_deadline < kq->heap[m]->t_deadline)
			m = r;
		if (m == i)
			break;
		heap_swap(kq, i, m);
		i = m;
	}
}

static int heap_push(struct kq *kq, struct knote *kn)
{
	if (kq->hlen == kq->hcap) {
		uint32_t ncap = kq->hcap ? kq->hcap * 2 : 16;
		struct knote **nh = realloc(kq->heap, ncap * sizeof *nh);
		if (!nh)
			return ENOMEM;
		kq->heap = nh;
		kq->hcap = ncap;
	}
	kn->heap_idx = kq->hlen;
	kq->heap[kq->hlen++] = kn;
	heap_up(kq, kn->heap_idx);
	kn->status |= KN_INHEAP;
	return 0;
}

static void heap_remove(struct kq *kq, struct knote *kn)
{
	if (!(kn->status & KN_INHEAP))
		return;
	uint32_t i = kn->heap_idx;
	kn->status &= ~KN_INHEAP;
	kq->hlen--;
	if (i != kq->hlen) {
		kq->heap[i] = kq->heap[kq->hlen];
		kq->heap[i]->heap_idx = i;
		heap_up(kq, i);
		heap_down(kq, kq->heap[i]->heap_idx);
	}
}

/* ---------------- kqueue lifetime ---------------- */

static void kq_free(struct kq *kq)
{
	sys_close(kq->epfd);
	if (kq->wepfd >= 0)
		sys_close(kq->wepfd);
	sys_close(kq->evfd);
	if (kq->tfd >= 0)
		sys_close(kq->tfd);
	if (kq->sigfd >= 0)
		sys_close(kq->sigfd);
	if (kq->sigpfd >= 0)
		sys_close(kq->sigpfd);
	pthread_mutex_destroy(&kq->lock);
	free(kq->htab);
	free(kq->slots);
	free(kq->freeslots);
	free(kq->heap);
	free(kq);
}

void kq_unref(struct kq *kq)
{
	if (atomic_fetch_sub(&kq->refs, 1) == 1)
		kq_free(kq);
}

struct kq *kq_lookup_ref(int fd)
{
	struct fdent *e = fdent_get(fd, 0);
	if (!e || !__atomic_load_n(&e->kq, __ATOMIC_ACQUIRE))
		return NULL;
	pthread_mutex_t *m = fd_stripe(fd);
	pthread_mutex_lock(m);
	struct kq *kq = e->kq;
	if (kq)
		atomic_fetch_add(&kq->refs, 1);
	pthread_mutex_unlock(m);
	return kq;
}

static void fdlist_unlink(struct knote *kn)
{
	if (!(kn->status & KN_FDLIST))
		return;
	pthread_mutex_t *m = fd_stripe(kn->fd);
	pthread_mutex_lock(m);
	struct fdent *e = fdent_get(kn->fd, 0);
	if (kn->fdprev)
		kn->fdprev->fdnext = kn->fdnext;
	else if (e && e->knotes == kn)
		__atomic_store_n(&e->knotes, kn->fdnext, __ATOMIC_RELEASE);
	if (kn->fdnext)
		kn->fdnext->fdprev = kn->fdprev;
	kn->fdnext = kn->fdprev = NULL;
	kn->status &= ~KN_FDLIST;
	pthread_mutex_unlock(m);
}

static int fdlist_link(struct knote *kn)
{
	struct fdent *e = fdent_get(kn->fd, 1);
	if (!e)
		return ENOMEM;
	pthread_mutex_t *m = fd_stripe(kn->fd);
	pthread_mutex_lock(m);
	kn->fdprev = NULL;
	kn->fdnext = e->knotes;
	if (e->knotes)
		e->knotes->fdprev = kn;
	__atomic_store_n(&e->knotes, kn, __ATOMIC_RELEASE);
	kn->status |= KN_FDLIST;
	pthread_mutex_unlock(m);
	return 0;
}

static void kq_sync(struct kq *kq);

/* Called with the registry's reference: the fd entry no longer points at kq. */
void kq_destroy(struct kq *kq)
{
	pthread_mutex_lock(&kq->lock);
	if (!kq->closed) {
		kq->closed = 1;
		for (uint32_t b = 0; b <= kq->hmask; b++) {
			struct knote *kn = kq->htab[b];
			while (kn) {
				struct knote *next = kn->hnext;
				fdlist_unlink(kn);
				if (kn->auxfd >= 0)
					sys_close(kn->auxfd);
				if (kn->filter == EVFILT_SIGNAL)
					sig_unregister((int)kn->ident);
				free(kn);
				kn = next;
			}
			kq->htab[b] = NULL;
		}
		kq->hcount = 0;
		kq->qhead = kq->qtail = NULL;
		atomic_store(&kq->qlen, 0);
		kq->plist = NULL;
		kq->siglist = NULL;
		sig_wake_remove(kq->sigslot);
		kq->sigslot = -1;
		kq->hlen = 0;
		for (uint32_t i = 0; i < kq->nslots; i++)
			kq->slots[i] = NULL;
		kq_sync(kq);    /* arms the eventfd: blocked waiters wake up and return EBADF */
	}
	pthread_mutex_unlock(&kq->lock);
	pthread_mutex_lock(&reg_lock);
	if (kq->allprev)
		kq->allprev->allnext = kq->allnext;
	else if (all_kqs == kq)
		all_kqs = kq->allnext;
	if (kq->allnext)
		kq->allnext->allprev = kq->allprev;
	kq->allnext = kq->allprev = NULL;
	pthread_mutex_unlock(&reg_lock);
	kq_unref(kq);
}

KQ_API int kqueue(void)
{
	pthread_once(&init_once, global_init);
	struct kq *kq = calloc(1, sizeof *kq);
	if (!kq) {
		errno = ENOMEM;
		return -1;
	}
	kq->fd = kq->epfd = kq->evfd = kq->wepfd = kq->tfd = kq->sigfd = kq->sigslot = kq->sigpfd = -1;
	kq->hmask = 63;
	kq->htab = calloc(kq->hmask + 1, sizeof *kq->htab);
	int err = ENOMEM;
	if (!kq->htab)
		goto fail;
	kq->fd = epoll_create1(EPOLL_CLOEXEC);
	if (kq->fd < 0)
		goto fail_errno;
	kq->epfd = fcntl(kq->fd, F_DUPFD_CLOEXEC, 0);
	if (kq->epfd < 0)
		goto fail_errno;
	kq->evfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (kq->evfd < 0)
		goto fail_errno;
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = TAG_EVFD };
	if (epoll_ctl(kq->epfd, EPOLL_CTL_ADD, kq->evfd, &ev) < 0)
		goto fail_errno;
	pthread_mutex_init(&kq->lock, NULL);
	atomic_init(&kq->refs, 1);
	atomic_init(&kq->qlen, 0);

	struct fdent *e = fdent_get(kq->fd, 1);
	if (!e) {
		pthread_mutex_destroy(&kq->lock);
		goto fail;
	}
	pthread_mutex_t *m = fd_stripe(kq->fd);
	pthread_mutex_lock(m);
	struct kq *stale = e->kq;       /* the fd number was closed behind our back */
	__atomic_store_n(&e->kq, kq, __ATOMIC_RELEASE);
	pthread_mutex_unlock(m);
	atomic_store(&e->err, 0);
	if (stale)
		kq_destroy(stale);
	pthread_mutex_lock(&reg_lock);
	kq->allnext = all_kqs;
	if (all_kqs)
		all_kqs->allprev = kq;
	all_kqs = kq;
	pthread_mutex_unlock(&reg_lock);
	return kq->fd;

fail_errno:
	err = errno;
fail:
	if (kq->fd >= 0)
		sys_close(kq->fd);
	if (kq->epfd >= 0)
		sys_close(kq->epfd);
	if (kq->evfd >= 0)
		sys_close(kq->evfd);
	free(kq->htab);
	free(kq);
	errno = err;
	return -1;
}

static int ensure_wep(struct kq *kq)
{
	if (kq->wepfd >= 0)
		return 0;
	int w = epoll_create1(EPOLL_CLOEXEC);
	if (w < 0)
		return errno;
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = TAG_WEP };
	if (epoll_ctl(kq->epfd, EPOLL_CTL_ADD, w, &ev) < 0) {
		int e = errno;
		sys_close(w);
		return e;
	}
	kq->wepfd = w;
	return 0;
}

static int ensure_tfd(struct kq *kq)
{
	if (kq->tfd >= 0)
		return 0;
	int t = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (t < 0)
		return errno;
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = TAG_TFD };
	if (epoll_ctl(kq->epfd, EPOLL_CTL_ADD, t, &ev) < 0) {
		int e = errno;
		sys_close(t);
		return e;
	}
	kq->tfd = t;
	return 0;
}

static void timers_arm(struct kq *kq);

/*
 * End of every operation: keep the eventfd readable exactly while events are pending (or the
 * kqueue is closed) and the timerfd armed at the earliest deadline.
 */
static void kq_sync(struct kq *kq)
{
	if (!kq->closed)
		timers_arm(kq);
	int want = kq->qhead != NULL || kq->closed;
	if (want && !kq->ev_armed) {
		uint64_t one = 1;
		if (syscall(SYS_write, kq->evfd, &one, sizeof one) == sizeof one)
			kq->ev_armed = 1;
	} else if (!want && kq->ev_armed) {
		uint64_t v;
		sys_read(kq->evfd, &v, sizeof v);
		kq->ev_armed = 0;
	}
}

/* ---------------- timers ---------------- */

static void timers_arm(struct kq *kq)
{
	uint64_t want = kq->hlen ? kq->heap[0]->t_deadline : 0;
	if (want == kq->tfd_armed)
		return;
	if (ensure_tfd(kq) != 0)
		return;
	struct itimerspec its;
	memset(&its, 0, sizeof its);
	its.it_value.tv_sec = (time_t)(want / 1000000000ull);
	its.it_value.tv_nsec = (long)(want % 1000000000ull);
	if (want && its.it_value.tv_sec == 0 && its.it_value.tv_nsec == 0)
		its.it_value.tv_nsec = 1;
	if (timerfd_settime(kq->tfd, TFD_TIMER_ABSTIME, &its, NULL) == 0)
		kq->tfd_armed = want;
}

static void timers_expire(struct kq *kq)
{
	if (kq->hlen) {
		uint64_t now = mono_now();
		while (kq->hlen && kq->heap[0]->t_deadline <= now) {
			struct knote *kn = kq->heap[0];
			heap_remove(kq, kn);
#ifdef KQ_ABI_FREEBSD
			/* filt_timerexpire: count every expiration, re-arm at once (disabled or not) */
			uint64_t n = 1;
			if (kn->t_interval) {
				n += (now - kn->t_deadline) / kn->t_interval;
				kn->t_deadline += n * kn->t_interval;
				heap_push(kq, kn);
			}
			kn->t_count += n;
#endif
			kn->status |= KN_FIRED;
			enqueue(kq, kn);
		}
	}
	timers_arm(kq);
}

static void timer_start(struct kq *kq, struct knote *kn, uint64_t now)
{
	if (KQ_FREEBSD) {
		/* even a deadline already passed is counted by timers_expire, like any expiry */
		if (kn->t_deadline == 0)
			kn->t_deadline = 1;
		if (heap_push(kq, kn) == 0)
			return;
	}
	if (kn->t_deadline == 0 || kn->t_deadline <= now) {
		kn->status |= KN_FIRED;
		enqueue(kq, kn);
	} else if (heap_push(kq, kn) != 0) {
		kn->status |= KN_FIRED;         /* out of memory: fire now rather than never */
		enqueue(kq, kn);
	}
}

/* ---------------- knote operations ---------------- */

/*
 * Level-triggered fd knotes (EVFILT_READ/WRITE without EV_CLEAR/ONESHOT/DISPATCH) are registered
 * in epoll level-triggered: the epoll set itself stays readable while the condition holds, so a
 * delivered level knote need not go back on the active queue (no eventfd arming, no re-evaluation
 * when the condition went false). Held edge-triggered instead while disabled (IN/OUT removed, so
 * a ready disabled fd never wakes epoll) and after a spurious report (epoll ready, filter not:
 * NOTE_LOWAT, unconnected socket HUP...; "demoted" until the knote fires again). Every other
 * fd knote is edge-triggered.
 */
static inline int kn_is_level_fd(const struct knote *kn)
{
	return (kn->status & KN_EPOLL) && !(kn->flags & (EV_CLEAR | EV_ONESHOT | EV_DISPATCH));
}

static inline int kn_lt_registered(const struct knote *kn)
{
	return (kn->status & KN_EPOLL) && !(kn->emask & EPOLLET);
}

static uint32_t kn_want_mask(const struct knote *kn)
{
	uint32_t base = (kn->filter == EVFILT_READ ? EPOLLIN : EPOLLOUT) | EPOLLRDHUP;
	if (!kn_is_level_fd(kn))
		return base | EPOLLET;
	if (kn->status & KN_DISABLED)
		return EPOLLRDHUP | EPOLLET;
	if (kn->status & KN_DEMOTED)
		return base | EPOLLET;
	return base;
}

/* bring the epoll registration of a level fd knote in line with its state (one epoll_ctl on change) */
static void kn_set_epoll(struct kq *kq, struct knote *kn)
{
	if (!kn_is_level_fd(kn))
		return;
	uint32_t want = kn_want_mask(kn);
	if (want == kn->emask)
		return;
	struct epoll_event ev;
	ev.events = want;
	ev.data.u64 = ((uint64_t)kn->gen << 32) | kn->slot;
	if (epoll_ctl(kn->filter == EVFILT_READ ? kq->epfd : kq->wepfd, EPOLL_CTL_MOD, kn->fd, &ev) == 0)
		kn->emask = want;
}

static void sigpfd_update(struct kq *kq);

static void kn_drop(struct kq *kq, struct knote *kn)
{
	hash_remove(kq, kn);
	dequeue(kq, kn);
	heap_remove(kq, kn);
	if (kn->status & KN_POLLALWAYS) {
		if (kn->pprev)
			kn->pprev->pnext = kn->pnext;
		else
			kq->plist = kn->pnext;
		if (kn->pnext)
			kn->pnext->pprev = kn->pprev;
	}
	if (kn->auxfd >= 0) {
		struct epoll_event dummy;
		epoll_ctl(kq->epfd, EPOLL_CTL_DEL, kn->auxfd, &dummy);
		sys_close(kn->auxfd);
		slot_free(kq, kn);
	} else if (kn->status & KN_EPOLL) {
		int efd = kn->filter == EVFILT_READ ? kq->epfd : kq->wepfd;
		struct epoll_event dummy;
		epoll_ctl(efd, EPOLL_CTL_DEL, kn->fd, &dummy);
		slot_free(kq, kn);
	}
	if (kn->filter == EVFILT_SIGNAL) {
		if (kn->pprev)
			kn->pprev->pnext = kn->pnext;
		else
			kq->siglist = kn->pnext;
		if (kn->pnext)
			kn->pnext->pprev = kn->pprev;
		sig_unregister((int)kn->ident);
		sigpfd_update(kq);
	}
	fdlist_unlink(kn);
	free(kn);
}

/* after a modify/enable: queue the knote if the filter may be active (re-evaluated at scan) */
static void kn_activate(struct kq *kq, struct knote *kn)
{
	if (kn->status & KN_DISABLED)
		return;
	if (kn->status & KN_DEFERDELETE) {
		enqueue(kq, kn);
		return;
	}
	switch (kn->filter) {
	case EVFILT_READ:
	case EVFILT_WRITE:
		enqueue(kq, kn);
		break;
	case EVFILT_TIMER:
		if (kn->status & KN_FIRED)
			enqueue(kq, kn);
		break;
	case EVFILT_USER:
		if (kn->status & KN_TRIGGERED)
			enqueue(kq, kn);
		break;
	default:        /* PROC, VNODE, SIGNAL: evaluated at scan time */
		enqueue(kq, kn);
		break;
	}
}

static int ensure_sigfd(struct kq *kq)
{
	if (kq->sigfd >= 0)
		return 0;
	int fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (fd < 0)
		return errno;
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = TAG_SIG };
	if (epoll_ctl(kq->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
		int e = errno;
		sys_close(fd);
		return e;
	}
	sigset_t none;
	sigemptyset(&none);
	int pfd = signalfd(-1, &none, SFD_CLOEXEC | SFD_NONBLOCK);
	if (pfd < 0) {
		int e = errno;
		sys_close(fd);
		return e;
	}
	ev.events = EPOLLIN | EPOLLET;
	ev.data.u64 = TAG_SIGP;
	if (epoll_ctl(kq->epfd, EPOLL_CTL_ADD, pfd, &ev) < 0) {
		int e = errno;
		sys_close(pfd);
		sys_close(fd);
		return e;
	}
	kq->sigslot = sig_wake_add(fd);
	kq->sigfd = fd;
	kq->sigpfd = pfd;
	return 0;
}

/* the signalfd watches exactly the signals of the kqueue's signal knotes (at most 64 of them) */
static void sigpfd_update(struct kq *kq)
{
	if (kq->sigpfd < 0)
		return;
	sigset_t m;
	sigemptyset(&m);
	for (struct knote *kn = kq->siglist; kn; kn = kn->pnext)
		sigaddset(&m, (int)kn->ident);
	signalfd(kq->sigpfd, &m, 0);
}

/* register kn->auxfd (pidfd / inotify fd) in the main epoll set */
static int aux_register(struct kq *kq, struct knote *kn)
{
	int err = slot_alloc(kq, kn);
	if (err)
		return err;
	struct epoll_event ev;
	ev.events = EPOLLIN | EPOLLET;
	ev.data.u64 = ((uint64_t)kn->gen << 32) | kn->slot;
	if (epoll_ctl(kq->epfd, EPOLL_CTL_ADD, kn->auxfd, &ev) < 0) {
		err = errno;
		slot_free(kq, kn);
		return err;
	}
	return 0;
}

#ifdef KQ_ABI_FREEBSD
#define FILTER_IS_FD(f) ((f) == EVFILT_READ || (f) == EVFILT_WRITE || (f) == EVFILT_VNODE \
	|| (f) == EVFILT_EMPTY || (f) == EVFILT_PROCDESC || (f) == EVFILT_SENDFILE)
#else
#define FILTER_IS_FD(f) ((f) == EVFILT_READ || (f) == EVFILT_WRITE || (f) == EVFILT_VNODE)
#endif

/* the errno of EV_ADD for a filter in range that the emulation does not implement */
static int unsupported_filter(int16_t f)
{
#ifdef KQ_ABI_FREEBSD
	/* no aio: null_filtops attach; PROCDESC/SENDFILE need a kind of file Linux has not */
	if (f == EVFILT_AIO || f == EVFILT_LIO)
		return ENXIO;
	if (f == EVFILT_PROCDESC || f == EVFILT_SENDFILE)
		return EINVAL;
#else
	(void)f;
#endif
	return ENOTSUP;         /* xnu bad_filtops */
}

static int kn_attach(struct kq *kq, struct kq_kev *kev)
{
	int16_t f = kev->filter;
	if (FILTER_IS_FD(f) && kev->ident > (uint64_t)INT_MAX)
		return EBADF;
	if (f != EVFILT_READ && f != EVFILT_WRITE && f != EVFILT_TIMER && f != EVFILT_USER
	    && f != EVFILT_PROC && f != EVFILT_SIGNAL && f != EVFILT_VNODE
#ifdef KQ_ABI_FREEBSD
	    && f != EVFILT_EMPTY
#endif
	    )
		return unsupported_filter(f);
	if (f == EVFILT_SIGNAL && (kev->ident == 0 || kev->ident >= 65))
		return EINVAL;
	if (f == EVFILT_PROC && (kev->fflags & (NOTE_TRACK | NOTE_TRACKERR | NOTE_CHILD)))
		return ENOTSUP;
	if (f == EVFILT_PROC && (kev->ident == 0 || kev->ident > (uint64_t)INT_MAX))
		return ESRCH;
	struct knote *kn = calloc(1, sizeof *kn);
	if (!kn)
		return ENOMEM;
	int disabled = (kev->flags & EV_DISABLE) != 0;
#ifdef KQ_ABI_FREEBSD
	/* FreeBSD keeps neither the actions nor its private 0x100/0x200 in the knote's flags */
	kev->flags &= (uint16_t)~(EV_ADD | EV_DELETE | EV_ENABLE | EV_DISABLE | EV_FORCEONESHOT | EV_KEEPUDATA);
#else
	kev->flags &= (uint16_t)~EV_VANISHED;
#endif
	kn->ident = kev->ident;
	kn->filter = f;
	kn->flags = kev->flags;
	kn->sfflags = kev->fflags;
	kn->sdata = kev->data;
	kn->udata = kev->udata;
	for (int i = 0; i < KQ_NEXT; i++)
		kn->ext[i] = kev->ext[i];
	kn->kq = kq;
	kn->fd = -1;
	kn->auxfd = -1;
	if (disabled)
		kn->status |= KN_DISABLED;

	int err;
	switch (f) {
#ifdef KQ_ABI_FREEBSD
	case EVFILT_EMPTY:
#endif
	case EVFILT_READ:
	case EVFILT_WRITE: {
		int fd = (int)kev->ident;
		kn->fd = fd;
		err = fd_classify(fd, kn);
		if (err)
			goto fail;
		if (kn->kind == FK_KQUEUE && f != EVFILT_READ) {
			err = EINVAL;   /* xnu kqueue_kqfilter: only EVFILT_READ */
			goto fail;
		}
		if (f != EVFILT_READ && f != EVFILT_WRITE && !(kn->kind >= FK_TCP && kn->kind <= FK_SOCK_OTHER)) {
			err = EINVAL;   /* EVFILT_EMPTY: soo_kqfilter only */
			goto fail;
		}
		/* send-queue drain makes no epoll edge of its own: EVFILT_EMPTY is looked at every scan */
		if (kn->kind == FK_FILE || (f != EVFILT_READ && f != EVFILT_WRITE)) {
			kn->status |= KN_POLLALWAYS;
			kn->pprev = NULL;
			kn->pnext = kq->plist;
			if (kq->plist)
				kq->plist->pprev = kn;
			kq->plist = kn;
		} else {
			int efd;
			if (f == EVFILT_WRITE) {
				err = ensure_wep(kq);
				if (err)
					goto fail;
				efd = kq->wepfd;
			} else {
				efd = kq->epfd;
			}
			err = slot_alloc(kq, kn);
			if (err)
				goto fail;
			kn->status |= KN_EPOLL;         /* for kn_want_mask; cleared on failure */
			struct epoll_event ev;
			ev.events = kn->emask = kn_want_mask(kn);
			ev.data.u64 = ((uint64_t)kn->gen << 32) | kn->slot;
			int r = epoll_ctl(efd, EPOLL_CTL_ADD, fd, &ev);
			if (r < 0 && errno == EEXIST)
				r = epoll_ctl(efd, EPOLL_CTL_MOD, fd, &ev);
			if (r < 0) {
				err = errno;
				kn->status &= ~KN_EPOLL;
				slot_free(kq, kn);
				if (err == EPERM || err == EINVAL || err == ELOOP)
					err = EINVAL;
				else if (err == ENOSPC)
					err = ENOMEM;
				goto fail;
			}
			kn->status |= KN_EPOLL;
		}
		fd_refresh_params(kn);
		err = fdlist_link(kn);
		if (err) {
			hash_insert(kq, kn);
			kn_drop(kq, kn);
			return err;
		}
		hash_insert(kq, kn);
		if (kn->status & KN_POLLALWAYS)
			enqueue(kq, kn);
		return 0;
	}
	case EVFILT_TIMER: {
		uint64_t now = mono_now();
		err = timer_validate(kev, now, &kn->t_deadline, &kn->t_interval, &kn->t_leeway);
		if (err)
			goto fail;
#ifdef KQ_ABI_FREEBSD
		if (!(kn->sfflags & NOTE_ABSTIME))
			kn->flags |= EV_CLEAR;
#else
		kn->flags |= EV_CLEAR;
		if (kn->sfflags & NOTE_ABSOLUTE)
			kn->flags |= EV_ONESHOT;
#endif
		hash_insert(kq, kn);
		timer_start(kq, kn, now);
		return 0;
	}
	case EVFILT_USER:
		if (kn->sfflags & NOTE_TRIGGER)
			kn->status |= KN_TRIGGERED;
		hash_insert(kq, kn);
		kn_activate(kq, kn);
		return 0;
	case EVFILT_PROC: {
		int pfd = proc_open((pid_t)kev->ident);
		if (pfd < 0) {
			err = -pfd;
			goto fail;
		}
		kn->auxfd = pfd;
		kn->flags |= EV_CLEAR;
		kn->sdata = 0;
		err = aux_register(kq, kn);
		if (err) {
			sys_close(pfd);
			goto fail;
		}
		hash_insert(kq, kn);
		return 0;
	}
	case EVFILT_VNODE: {
		kn->fd = (int)kev->ident;
		int ifd = vnode_open(kn);
		if (ifd < 0) {
			err = -ifd;
			goto fail;
		}
		kn->auxfd = ifd;
		err = aux_register(kq, kn);
		if (err) {
			sys_close(ifd);
			goto fail;
		}
		hash_insert(kq, kn);
		err = fdlist_link(kn);
		if (err) {
			kn_drop(kq, kn);
			return err;
		}
		return 0;
	}
	case EVFILT_SIGNAL: {
		err = ensure_sigfd(kq);
		if (err)
			goto fail;
		sig_register((int)kn->ident);
		kn->flags |= EV_CLEAR;
		kn->sigseen = sig_count((int)kn->ident);
		kn->pprev = NULL;
		kn->pnext = kq->siglist;
		if (kq->siglist)
			kq->siglist->pprev = kn;
		kq->siglist = kn;
		sigpfd_update(kq);
		hash_insert(kq, kn);
		return 0;
	}
	}
	err = ENOTSUP;
fail:
	if (kn->status & KN_POLLALWAYS) {
		kq->plist = kn->pnext;
		if (kn->pnext)
			kn->pnext->pprev = NULL;
	}
	free(kn);
	return err;
}

static int kn_touch(struct kq *kq, struct knote *kn, struct kq_kev *kev)
{
	switch (kn->filter) {
#ifdef KQ_ABI_FREEBSD
	case EVFILT_EMPTY:
#endif
	case EVFILT_READ:
	case EVFILT_WRITE:
		kn->sfflags = kev->fflags;
		kn->sdata = kev->data;
		fd_refresh_params(kn);
		return 0;
	case EVFILT_PROC:
	case EVFILT_VNODE:
		kn->sfflags = kev->fflags;
		return 0;
	case EVFILT_SIGNAL:
		sig_reinstall((int)kn->ident);
		return 0;
	case EVFILT_TIMER: {
#ifdef KQ_ABI_FREEBSD
		/* filt_timertouch restarts only on EV_ADD; the knote's own flags decide ONESHOT */
		if (!(kev->flags & EV_ADD))
			return 0;
		struct kq_kev v = *kev;
		v.flags = kn->flags;
		kev = &v;
		kn->t_count = 0;
#else
		if ((kn->sfflags ^ kev->fflags) & NOTE_ABSOLUTE)
			return EINVAL;
#endif
		uint64_t now = mono_now(), dl, iv, lw;
		int err = timer_validate(kev, now, &dl, &iv, &lw);
		if (err)
			return err;
		heap_remove(kq, kn);
		dequeue(kq, kn);
		kn->status &= ~KN_FIRED;
		kn->t_deadline = dl;
		kn->t_interval = iv;
		kn->t_leeway = lw;
		kn->sfflags = kev->fflags;
		timer_start(kq, kn, now);
		return 0;
	}
	case EVFILT_USER: {
		uint32_t ff = kev->fflags & NOTE_FFLAGSMASK;
		switch (kev->fflags & NOTE_FFCTRLMASK) {
		case NOTE_FFAND:
			kn->sfflags &= ff;
			break;
		case NOTE_FFOR:
			kn->sfflags |= ff;
			break;
		case NOTE_FFCOPY:
			kn->sfflags = ff;
			break;
		default:
			break;
		}
		kn->sdata = kev->data;
		if (kev->fflags & NOTE_TRIGGER)
			kn->status |= KN_TRIGGERED;
		/* FreeBSD filt_usertouch: EV_CLEAR in a modify un-triggers, after NOTE_TRIGGER */
		if (KQ_FREEBSD && (kev->flags & EV_CLEAR))
			kn->status &= ~KN_TRIGGERED;
		return 0;
	}
	}
	return 0;
}

#ifdef KQ_ABI_FREEBSD
/*
 * FreeBSD kqueue_register(): EV_ENABLE|EV_DISABLE is EINVAL; an fd filter needs an open fd
 * (EBADF) before the knote is looked up; EV_ADD creates when absent even with EV_DELETE;
 * EV_FORCEONESHOT, EV_KEEPUDATA; timers and user events are touched, others store fflags/data.
 */
static int kq_register(struct kq *kq, struct kq_kev *kev)
{
	if ((kev->flags & (EV_ENABLE | EV_DISABLE)) == (EV_ENABLE | EV_DISABLE))
		return EINVAL;
	if (!(kev->filter < 0 && kev->filter + EVFILT_SYSCOUNT >= 0))
		return EINVAL;
	if (FILTER_IS_FD(kev->filter)
	    && (kev->ident > (uint64_t)INT_MAX || syscall(SYS_fcntl, (int)kev->ident, F_GETFD) < 0))
		return EBADF;
	if ((kev->flags & (EV_ADD | EV_KEEPUDATA)) == (EV_ADD | EV_KEEPUDATA))
		return EINVAL;
	struct knote *kn = hash_find(kq, kev->ident, kev->filter);
	if (!kn)
		return (kev->flags & EV_ADD) ? kn_attach(kq, kev) : ENOENT;
	if (kev->flags & EV_DELETE) {
		kn_drop(kq, kn);
		return 0;
	}
	if (kev->flags & EV_FORCEONESHOT)
		kn->flags |= EV_ONESHOT;
	if (kev->flags & EV_ENABLE) {
		kn->status &= ~KN_DISABLED;
	} else if ((kev->flags & EV_DISABLE) && !(kn->status & KN_DISABLED)) {
		kn->status |= KN_DISABLED;
		dequeue(kq, kn);
	}
	if (!(kev->flags & EV_KEEPUDATA))
		kn->udata = kev->udata;
	int err = kn_touch(kq, kn, kev);
	if (err)
		return err;
	kn_set_epoll(kq, kn);
	kn_activate(kq, kn);
	return 0;
}
#else
/* xnu kevent_register(): returns the errno for this change (0 on success) */
static int kq_register(struct kq *kq, struct kq_kev *kev)
{
	if (!(kev->filter < 0 && kev->filter + EVFILT_SYSCOUNT >= 0))
		return EINVAL;
	if ((kev->flags & EV_VANISHED) && (kev->flags & (EV_ADD | EV_DISPATCH2)) != (EV_ADD | EV_DISPATCH2))
		return EINVAL;
	if (kev->flags & EV_DELETE)
		kev->flags &= (uint16_t)~EV_ADD;
	if (kev->flags & EV_DISABLE)
		kev->flags &= (uint16_t)~EV_ENABLE;

	struct knote *kn = hash_find(kq, kev->ident, kev->filter);
	if (!kn) {
		if (!(kev->flags & EV_ADD))
			return ENOENT;
		return kn_attach(kq, kev);
	}
	if (kev->flags & EV_DELETE) {
		if (!(kev->flags & EV_ENABLE) && (kn->flags & EV_DISPATCH2) == EV_DISPATCH2
		    && (kn->status & KN_DISABLED)) {
			kn->status |= KN_DEFERDELETE;
			return EINPROGRESS;
		}
		kn_drop(kq, kn);
		return 0;
	}
	if (!(kn->status & KN_DEFERDELETE)) {
		int err = kn_touch(kq, kn, kev);
		if (err)
			return err;
	}
	if (!(kn->flags & EV_UDATA_SPECIFIC))
		kn->udata = kev->udata;
	if ((kev->flags & EV_DISABLE) && !(kn->status & KN_DISABLED)) {
		kn->status |= KN_DISABLED;
		dequeue(kq, kn);
	}
	if ((kev->flags & EV_ENABLE) && (kn->status & KN_DISABLED))
		kn->status &= ~KN_DISABLED;
	kn_set_epoll(kq, kn);
	if ((kn->status & KN_DEFERDELETE) && !(kev->flags & EV_ENABLE))
		return 0;
	kn_activate(kq, kn);
	return 0;
}
#endif

/* remove every knote of this kqueue on fd (close hook); lock order kq -> stripe */
void kq_remove_fd_knotes(struct kq *kq, int fd)
{
	pthread_mutex_lock(&kq->lock);
	pthread_mutex_t *m = fd_stripe(fd);
	struct fdent *e = fdent_get(fd, 0);
	for (;;) {
		pthread_mutex_lock(m);
		struct knote *kn = e ? e->knotes : NULL;
		while (kn && kn->kq != kq)
			kn = kn->fdnext;
		if (kn && kq->closed) {
			/* cannot happen (destroy unlinks everything); never loop forever */
			if (kn->fdprev)
				kn->fdprev->fdnext = kn->fdnext;
			else
				e->knotes = kn->fdnext;
			if (kn->fdnext)
				kn->fdnext->fdprev = kn->fdprev;
			kn->status &= ~KN_FDLIST;
			pthread_mutex_unlock(m);
			continue;
		}
		pthread_mutex_unlock(m);
		if (!kn)
			break;
		kn_drop(kq, kn);
	}
	if (!kq->closed)
		kq_sync(kq);
	pthread_mutex_unlock(&kq->lock);
}

/* ---------------- event collection ---------------- */

static void kq_process_epoll(struct kq *kq, struct epoll_event *evs, int n);

static void kq_harvest(struct kq *kq, int efd)
{
	struct epoll_event evs[EVBUF];
	for (int round = 0; round < 4; round++) {
		int n = epoll_wait(efd, evs, EVBUF, 0);
		if (n <= 0)
			break;
		kq_process_epoll(kq, evs, n);
		if (n < EVBUF)
			break;
	}
}

static void kq_process_epoll(struct kq *kq, struct epoll_event *evs, int n)
{
	for (int i = 0; i < n; i++) {
		uint64_t tag = evs[i].data.u64;
		if (tag == TAG_EVFD || tag == TAG_TFD)
			continue;
		if (tag == TAG_SIG || tag == TAG_SIGP) {
			uint64_t v;
			if (tag == TAG_SIGP)
				sig_note_pending();
			else if (kq->sigfd >= 0)
				sys_read(kq->sigfd, &v, sizeof v);
			for (struct knote *kn = kq->siglist; kn; kn = kn->pnext)
				enqueue(kq, kn);
			continue;
		}
		if (tag == TAG_WEP) {
			if (kq->wepfd >= 0)
				kq_harvest(kq, kq->wepfd);
			continue;
		}
		uint32_t slot = (uint32_t)tag, gen = (uint32_t)(tag >> 32);
		if (slot >= kq->nslots)
			continue;
		struct knote *kn = kq->slots[slot];
		if (!kn || kn->gen != gen)
			continue;
		kn->revents = evs[i].events;
		if (kn->filter == EVFILT_VNODE) {
			kn->vfflags |= vnode_drain(kn);
			enqueue(kq, kn);
			continue;
		}
		if ((evs[i].events & EPOLLERR) && kn->kind >= FK_TCP && kn->kind <= FK_SOCK_OTHER) {
			/* Linux consumes sk_err on read; keep it for the filter and the application */
			int e = 0;
			socklen_t l = sizeof e;
			if (sys_getsockopt(kn->fd, SOL_SOCKET, SO_ERROR, &e, &l) == 0 && e)
				stash_put(kn->fd, e);
		}
		enqueue(kq, kn);
		if (kn->status & KN_QUEUED)
			kn->status |= KN_REPORTED;
	}
}

static int timer_process(struct kq *kq, struct knote *kn, struct kq_kev *kev)
{
#ifdef KQ_ABI_FREEBSD
	(void)kq;
	if (!(kn->status & KN_FIRED) || !kn->t_count)
		return 0;
	kev->data = (int64_t)kn->t_count;
	if (kn->flags & EV_CLEAR) {
		kn->t_count = 0;
		kn->status &= ~KN_FIRED;
	}
	return 1;
#endif
	if (!(kn->status & KN_FIRED))
		return 0;
	kn->status &= ~KN_FIRED;
	kev->fflags = 0;
	kev->ext[0] = 0;
	kev->ext[1] = kn->t_leeway;
	if (kn->t_interval == 0) {
		kev->data = 1;
	} else {
		uint64_t now = mono_now();
		uint64_t first = kn->t_deadline, iv = kn->t_interval;
		uint64_t orig = first - iv;
		uint64_t num = now > orig ? (now - orig) / iv : 1;
		if (num == 0)
			num = 1;
		kev->data = (int64_t)num;
		if (!(kn->flags & EV_ONESHOT)) {
			kn->t_deadline = first + num * iv;
			if (kn->t_deadline <= now)
				kn->t_deadline = now + iv;
			heap_push(kq, kn);
		}
	}
	return 1;
}

static inline void put_event(void *evl, int i, const struct kq_kev *kev, int is64)
{
	if (is64) {
		((struct kq_kev *)evl)[i] = *kev;
	} else {
		struct kevent *o = (struct kevent *)evl + i;
		o->ident = (uintptr_t)kev->ident;
		o->filter = kev->filter;
		o->flags = kev->flags;
		o->fflags = kev->fflags;
		o->data = (intptr_t)kev->data;
		o->udata = (void *)(uintptr_t)kev->udata;
	}
}

static int kq_scan(struct kq *kq, void *evl, int nev, int is64)
{
	for (struct knote *kn = kq->plist; kn; kn = kn->pnext)
		enqueue(kq, kn);
	int n = 0;
	unsigned limit = atomic_load_explicit(&kq->qlen, memory_order_relaxed);
	struct knote *rq_head = NULL, *rq_tail = NULL;
	while (n < nev && limit-- > 0 && kq->qhead) {
		struct knote *kn = kq->qhead;
		int reported = (kn->status & KN_REPORTED) != 0;
		dequeue(kq, kn);
		struct kq_kev kev;
		kev.ident = kn->ident;
		kev.filter = kn->filter;
		kev.flags = kn->flags;
		kev.fflags = 0;
		kev.data = 0;
		kev.udata = kn->udata;
		for (int i = 0; i < KQ_NEXT; i++)
			kev.ext[i] = kn->ext[i];
		int fire = 0;
#ifndef KQ_ABI_FREEBSD
		if (kn->status & KN_DEFERDELETE) {
			kev.flags = EV_DISPATCH2 | EV_ONESHOT | EV_DELETE;
			kev.ext[0] = kev.ext[1] = 0;
			fire = 1;
		} else
#endif
		{
			switch (kn->filter) {
#ifdef KQ_ABI_FREEBSD
			case EVFILT_EMPTY:
#endif
			case EVFILT_READ:
			case EVFILT_WRITE:
				fire = fd_evaluate(kn, &kev);
				break;
			case EVFILT_TIMER:
				fire = timer_process(kq, kn, &kev);
				break;
			case EVFILT_PROC: {
				int64_t st = 0;
				/* filt_procevent records only subscribed events and fires only if some are */
				if (proc_exited(kn->auxfd, &st)) {
					kev.fflags = kn->sfflags & NOTE_EXIT;
					kev.data = 0;
					if (KQ_FREEBSD)
						kev.data = kev.fflags ? st : 0;     /* FreeBSD: status always */
					else if (kn->sfflags & NOTE_EXITSTATUS) {
						kev.fflags |= NOTE_EXITSTATUS;
						kev.data = st;
					}
					kev.flags |= EV_EOF | EV_ONESHOT;
					fire = kev.fflags != 0;
				}
				break;
			}
			case EVFILT_VNODE:
				if (kn->vfflags) {
					kev.fflags = kn->vfflags;
					if (kn->flags & EV_CLEAR)
						kn->vfflags = 0;
					fire = 1;
				}
				break;
			case EVFILT_SIGNAL: {
				uint64_t c = sig_count((int)kn->ident);
				if (c > kn->sigseen) {
					kev.data = (int64_t)(c - kn->sigseen);
					kn->sigseen = c;
					fire = 1;
				}
				break;
			}
			case EVFILT_USER:
				if (kn->status & KN_TRIGGERED) {
					kev.data = kn->sdata;
					kev.fflags = kn->sfflags;
					if (kn->flags & EV_CLEAR)
						kn->status &= ~KN_TRIGGERED;
					fire = 1;
				}
				break;
			}
		}
		if (!fire) {
			/* epoll keeps reporting a level registration whose filter is false: go edge */
			if (reported && kn_lt_registered(kn) && kn_is_level_fd(kn)) {
				kn->status |= KN_DEMOTED;
				kn_set_epoll(kq, kn);
			}
			continue;
		}
		put_event(evl, n++, &kev, is64);
		if (kev.flags & EV_ONESHOT) {
			kn_drop(kq, kn);
		} else if (kn->flags & EV_DISPATCH) {
			kn->status |= KN_DISABLED;
		} else if (!(kn->flags & EV_CLEAR)) {
			if (kn_is_level_fd(kn)) {
				if (kn->status & KN_DEMOTED) {
					kn->status &= ~KN_DEMOTED;
					kn_set_epoll(kq, kn);
				}
				/* level epoll registration: epoll re-reports it (and keeps the kqueue fd
				 * readable) while the condition holds. A stashed socket error is invisible
				 * to epoll: such a knote takes the queue path below. */
				if (kn_lt_registered(kn) && !stash_peek(kn->fd))
					continue;
			}
			/* level-triggered: back on the queue after this scan (xnu knote_suppress) */
			kn->qnext = NULL;
			if (rq_tail)
				rq_tail->qnext = kn;
			else
				rq_head = kn;
			rq_tail = kn;
		}
	}
	while (rq_head) {
		struct knote *next = rq_head->qnext;
		enqueue(kq, rq_head);
		rq_head = next;
	}
	return n;
}

static int kq_wait(int efd, struct epoll_event *evs, int64_t remain_ns)
{
	if (remain_ns < 0)
		return epoll_wait(efd, evs, EVBUF, -1);
	struct timespec t = { .tv_sec = remain_ns / 1000000000, .tv_nsec = remain_ns % 1000000000 };
	int r = epoll_pwait2(efd, evs, EVBUF, &t, NULL);
	if (r < 0 && errno == ENOSYS) {
		int64_t ms = (remain_ns + 999999) / 1000000;
		r = epoll_wait(efd, evs, EVBUF, ms > INT_MAX ? INT_MAX : (int)ms);
	}
	return r;
}

/*
 * The wait in ns (-1 = forever) or -1 with errno EINVAL. xnu: 0 <= tv_sec <= INT32_MAX and
 * 0 <= tv_nsec <= 1e9 (timespec_is_valid); FreeBSD kqueue_scan: tv_nsec < 1e9, and a tv_sec
 * above INT32_MAX waits forever.
 */
static int timeout_ns(const struct timespec *ts, int64_t *tmo)
{
	*tmo = -1;
	if (!ts)
		return 0;
	if (ts->tv_sec < 0 || ts->tv_nsec < 0 || ts->tv_nsec > 1000000000L
	    || (KQ_FREEBSD ? ts->tv_nsec == 1000000000L : ts->tv_sec > INT32_MAX))
		return EINVAL;
	if (ts->tv_sec <= INT32_MAX)
		*tmo = (int64_t)ts->tv_sec * 1000000000LL + ts->tv_nsec;
	return 0;
}

static int kevent_common(int kqfd, const void *chg, int nchg, void *evl, int nev,
    unsigned int flags, const struct timespec *ts, int is64)
{
	if (flags & KEVENT_FLAG_EINVAL_MASK) {
		errno = EINVAL;
		return -1;
	}
	struct kq *kq = kq_lookup_ref(kqfd);
	if (!kq) {
		errno = EBADF;
		return -1;
	}
	int want_kind = is64 ? 2 : 1, cur = 0;
	if (!__atomic_compare_exchange_n(&kq->kind, &cur, want_kind, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)
	    && cur != want_kind) {
		kq_unref(kq);
		errno = EINVAL;
		return -1;
	}
	int64_t tmo = 0;
	/* xnu reads the timeout before the changes, FreeBSD only when it scans */
	if (!KQ_FREEBSD && !(flags & KEVENT_FLAG_IMMEDIATE) && timeout_ns(ts, &tmo)) {
		kq_unref(kq);
		errno = EINVAL;
		return -1;
	}
	if (nchg < 0 || !chg)
		nchg = 0;
	if (nev < 0 || !evl)
		nev = 0;

	int err = 0, nout = 0, n = 0;
	pthread_mutex_lock(&kq->lock);
	if (kq->closed) {
		err = EBADF;
		goto out;
	}
	for (int i = 0; i < nchg; i++) {
		struct kq_kev kev;
		if (is64) {
			kev = ((const struct kq_kev *)chg)[i];
		} else {
			const struct kevent *c = (const struct kevent *)chg + i;
			kev.ident = c->ident;
			kev.filter = c->filter;
			kev.flags = c->flags;
			kev.fflags = c->fflags;
			kev.data = c->data;
			kev.udata = (uint64_t)(uintptr_t)c->udata;
			kev.ext[0] = kev.ext[1] = 0;
		}
		if (KQ_FREEBSD && kev.filter == 0)
			continue;       /* FreeBSD kqueue_kevent skips it */
		kev.flags &= (uint16_t)~EV_SYSFLAGS;
		uint16_t receipt = kev.flags & EV_RECEIPT;
		int e = kq_register(kq, &kev);
		if (e || receipt) {
			if (nout < nev) {
				/* xnu keeps the change's flags; FreeBSD replaces them */
				kev.flags = KQ_FREEBSD ? EV_ERROR : kev.flags | EV_ERROR;
				kev.data = e;
				put_event(evl, nout++, &kev, is64);
			} else if (e || KQ_FREEBSD) {
				/* FreeBSD stops at the first record without room, returning its error or 0 */
				err = e;
				goto out;
			}
		}
	}
	if (nout > 0 || nev == 0 || (flags & KEVENT_FLAG_ERROR_EVENTS)) {
		n = nout;
		goto out;
	}
	if (KQ_FREEBSD && timeout_ns(ts, &tmo)) {
		err = EINVAL;
		goto out;
	}
	if (flags & KEVENT_FLAG_IMMEDIATE)
		tmo = 0;

	uint64_t deadline = tmo > 0 ? mono_now() + (uint64_t)tmo : 0;
	int skip_harvest = 0, polled = 0;
	for (;;) {
		timers_expire(kq);
		/* Nothing queued: the (possibly blocking) wait below is the harvest, so a blocking
		 * kevent with nothing pending costs one epoll_wait. */
		if (!skip_harvest && (kq->qhead || kq->plist || tmo == 0)) {
			kq_harvest(kq, kq->epfd);
			polled = 1;
		}
		skip_harvest = 0;
		n = kq_scan(kq, evl, nev, is64);
		if (n > 0 || tmo == 0)
			break;
		int64_t remain = -1;
		if (tmo > 0) {
			uint64_t now = mono_now();
			if (now >= deadline) {
				if (polled)
					break;
				remain = 0;     /* epoll not looked at yet in this call */
			} else {
				remain = (int64_t)(deadline - now);
			}
		}
		kq_sync(kq);
		pthread_mutex_unlock(&kq->lock);
		struct epoll_event evs[EVBUF];
		int r = kq_wait(kq->epfd, evs, remain);
		int werr = errno;
		pthread_mutex_lock(&kq->lock);
		if (kq->closed) {
			err = EBADF;
			break;
		}
		if (r < 0) {
			err = werr;
			break;
		}
		polled = 1;
		kq_process_epoll(kq, evs, r);
		if (r < EVBUF)
			skip_harvest = 1;
	}
out:
	if (!kq->closed)
		kq_sync(kq);
	pthread_mutex_unlock(&kq->lock);
	kq_unref(kq);
	if (err) {
		errno = err;
		return -1;
	}
	return n;
}

#ifdef KQ_ABI_FREEBSD
/* FreeBSD 12+ kevent@@FBSD_1.5: the native 64-byte record */
KQ_API int kevent(int kq, const struct kevent *changelist, int nchanges,
    struct kevent *eventlist, int nevents, const struct timespec *timeout)
{
	return kevent_common(kq, changelist, nchanges, eventlist, nevents, 0, timeout, 1);
}
#else
KQ_API int kevent(int kq, const struct kevent *changelist, int nchanges,
    struct kevent *eventlist, int nevents, const struct timespec *timeout)
{
	return kevent_common(kq, changelist, nchanges, eventlist, nevents, 0, timeout, 0);
}

KQ_API int kevent64(int kq, const struct kevent64_s *changelist, int nchanges,
    struct kevent64_s *eventlist, int nevents, unsigned int flags, const struct timespec *timeout)
{
	return kevent_common(kq, changelist, nchanges, eventlist, nevents, flags, timeout, 1);
}
#endif
