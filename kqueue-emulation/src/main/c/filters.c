/*
 * Filter evaluation for fd knotes (EVFILT_READ / EVFILT_WRITE) and timer parameter
 * validation. Evaluation mirrors xnu's filt_soread_common / filt_sowrite_common /
 * filt_piperead / filt_pipewrite / filt_vnode: it is run at scan time on knotes that epoll
 * marked active, exactly like the kernel calls f_process on queued knotes.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>
#include <linux/sockios.h>

#include "kq_internal.h"

#ifndef SO_MEMINFO
#define SO_MEMINFO 55
#endif
enum { MI_RMEM_ALLOC, MI_RCVBUF, MI_WMEM_ALLOC, MI_SNDBUF, MI_FWD_ALLOC, MI_WMEM_QUEUED,
	MI_OPTMEM, MI_BACKLOG, MI_DROPS, MI_VARS };

uint64_t mono_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static uint64_t realtime_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* ---------------- classification at EV_ADD ---------------- */

int fd_classify(int fd, struct knote *kn)
{
	struct stat st;
	if (fstat(fd, &st) < 0)
		return EBADF;
	kn->ino = st.st_ino;
	if (S_ISSOCK(st.st_mode)) {
		int type = 0, domain = 0, proto = 0;
		socklen_t l = sizeof(int);
		sys_getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &l);
		l = sizeof(int);
		sys_getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &l);
		l = sizeof(int);
		sys_getsockopt(fd, SOL_SOCKET, SO_PROTOCOL, &proto, &l);
		if (domain == AF_UNIX) {
			kn->kind = type == SOCK_STREAM ? FK_UNIX_STREAM
			    : type == SOCK_SEQPACKET ? FK_UNIX_SEQPACKET : FK_UNIX_DGRAM;
		} else if ((domain == AF_INET || domain == AF_INET6) && type == SOCK_STREAM && proto == IPPROTO_TCP) {
			kn->kind = FK_TCP;
		} else if ((domain == AF_INET || domain == AF_INET6) && type == SOCK_DGRAM) {
			kn->kind = FK_UDP;
		} else {
			kn->kind = FK_SOCK_OTHER;
		}
	} else if (S_ISFIFO(st.st_mode)) {
		kn->kind = FK_PIPE;
		int fl = fcntl(fd, F_GETFL);
		if (fl >= 0 && (fl & O_ACCMODE) == O_RDONLY)
			kn->status |= KN_RDONLY;
		if (fl >= 0 && (fl & O_ACCMODE) == O_WRONLY)
			kn->status |= KN_WRONLY;
	} else if (S_ISREG(st.st_mode) || S_ISDIR(st.st_mode)) {
		kn->kind = FK_FILE;
	} else {
		kn->kind = FK_OTHER;
		struct fdent *e = fdent_get(fd, 0);
		if (e && __atomic_load_n(&e->kq, __ATOMIC_ACQUIRE))
			kn->kind = FK_KQUEUE;
	}
	return 0;
}

static int is_socket_kind(int k)
{
	return k >= FK_TCP && k <= FK_SOCK_OTHER;
}

/* cache the low/high water marks (re-read at every EV_ADD / modify of the knote) */
void fd_refresh_params(struct knote *kn)
{
	kn->base_lowat = 1;
	kn->hiwat = INT64_MAX;
	if (!is_socket_kind(kn->kind))
		return;
	int v = 0;
	socklen_t l = sizeof v;
	if (kn->filter == EVFILT_READ) {
		if (sys_getsockopt(kn->fd, SOL_SOCKET, SO_RCVLOWAT, &v, &l) == 0 && v > 0)
			kn->base_lowat = v;
		l = sizeof v;
		if (sys_getsockopt(kn->fd, SOL_SOCKET, SO_RCVBUF, &v, &l) == 0 && v > 0)
			kn->hiwat = v;
	} else {
		if (sys_getsockopt(kn->fd, SOL_SOCKET, SO_SNDBUF, &v, &l) == 0 && v > 0)
			kn->hiwat = v;
	}
}

/*
 * Darwin: NOTE_LOWAT may raise the threshold above SO_*LOWAT, capped at the high-water mark.
 * FreeBSD (filt_soread/filt_sowrite) compares with the NOTE_LOWAT value as it is.
 */
static int64_t eff_lowat(const struct knote *kn)
{
	if (KQ_FREEBSD && (kn->sfflags & NOTE_LOWAT))
		return kn->sdata;
	int64_t lw = kn->base_lowat;
	if (kn->sfflags & NOTE_LOWAT) {
		if (kn->sdata > kn->hiwat)
			lw = kn->hiwat;
		else if (kn->sdata > lw)
			lw = kn->sdata;
	}
	return lw;
}

/* plain pipes/FIFOs: the NOTE_LOWAT value is used directly (at least 1) */
static int64_t pipe_lowat(const struct knote *kn)
{
	if ((kn->sfflags & NOTE_LOWAT) && kn->sdata > 1)
		return kn->sdata;
	return 1;
}

static int poll_now(int fd, short ev)
{
	struct pollfd p = { .fd = fd, .events = ev };
	if (poll(&p, 1, 0) <= 0)
		return 0;
	return p.revents;
}

static int meminfo(int fd, uint32_t mi[MI_VARS])
{
	socklen_t l = sizeof(uint32_t) * MI_VARS;
	memset(mi, 0, l);
	return sys_getsockopt(fd, SOL_SOCKET, SO_MEMINFO, mi, &l);
}

/* ---- accept-queue length of a listening AF_UNIX socket, through NETLINK_SOCK_DIAG ---- */
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>
#include <linux/unix_diag.h>

static int64_t unix_listen_qlen(struct knote *kn)
{
	int s = (int)syscall(SYS_socket, AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
	if (s < 0)
		return -1;
	struct {
		struct nlmsghdr nlh;
		struct unix_diag_req req;
	} msg;
	memset(&msg, 0, sizeof msg);
	msg.nlh.nlmsg_len = sizeof msg;
	msg.nlh.nlmsg_type = SOCK_DIAG_BY_FAMILY;
	msg.nlh.nlmsg_flags = NLM_F_REQUEST;
	msg.req.sdiag_family = AF_UNIX;
	msg.req.udiag_states = ~0u;
	msg.req.udiag_ino = (uint32_t)kn->ino;
	msg.req.udiag_show = UDIAG_SHOW_RQLEN;
	msg.req.udiag_cookie[0] = ~0u;
	msg.req.udiag_cookie[1] = ~0u;
	int64_t result = -1;
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	if (syscall(SYS_sendto, s, &msg, sizeof msg, 0, &sa, sizeof sa) == (long)sizeof msg) {
		union {
			struct nlmsghdr h;
			char b[1024];
		} buf;
		long n = syscall(SYS_recvfrom, s, buf.b, sizeof buf.b, 0, NULL, NULL);
		if (n > 0) {
			struct nlmsghdr *h = &buf.h;
			if (NLMSG_OK(h, (unsigned long)n) && h->nlmsg_type == SOCK_DIAG_BY_FAMILY) {
				struct unix_diag_msg *m = NLMSG_DATA(h);
				struct rtattr *a = (struct rtattr *)(m + 1);
				int rem = (int)(h->nlmsg_len - NLMSG_LENGTH(sizeof *m));
				while (RTA_OK(a, rem)) {
					if (a->rta_type == UNIX_DIAG_RQLEN) {
						struct unix_diag_rqlen *rq = RTA_DATA(a);
						result = rq->udiag_rqueue;
						break;
					}
					a = RTA_NEXT(a, rem);
				}
			}
		}
	}
	sys_close(s);
	return result;
}

/* ---------------- evaluation ---------------- */

static int64_t inq(int fd, int *listening)
{
	int v = 0;
	*listening = 0;
	if (ioctl(fd, SIOCINQ, &v) < 0) {
		if (errno == EINVAL)
			*listening = 1;
		return 0;
	}
	return v;
}

/*
 * Darwin reports every protocol byte queued on a datagram socket; Linux's SIOCINQ gives the
 * first datagram only. Walk the queue with MSG_PEEK|MSG_TRUNC and an explicit SO_PEEK_OFF
 * (restored afterwards), up to 64 datagrams.
 */
static int64_t dgram_total(int fd, int64_t first)
{
	int old = -1;
	socklen_t l = sizeof old;
	if (sys_getsockopt(fd, SOL_SOCKET, SO_PEEK_OFF, &old, &l) < 0)
		return first;
	int64_t total = 0;
	int off = 0;
	for (int i = 0; i < 64; i++) {
		if (setsockopt(fd, SOL_SOCKET, SO_PEEK_OFF, &off, sizeof off) < 0)
			break;
		char b;
		struct iovec iov = { .iov_base = &b, .iov_len = 0 };
		struct msghdr m;
		memset(&m, 0, sizeof m);
		m.msg_iov = &iov;
		m.msg_iovlen = 1;
		long n = syscall(SYS_recvmsg, fd, &m, MSG_PEEK | MSG_TRUNC | MSG_DONTWAIT);
		if (n <= 0)
			break;
		total += n;
		off += (int)n;
	}
	setsockopt(fd, SOL_SOCKET, SO_PEEK_OFF, &old, sizeof old);
	return total > first ? total : first;
}

static int tcp_state(int fd, struct tcp_info *ti)
{
	socklen_t l = sizeof *ti;
	memset(ti, 0, sizeof *ti);
	if (sys_getsockopt(fd, IPPROTO_TCP, TCP_INFO, ti, &l) < 0)
		return -1;
	return ti->tcpi_state;
}

static int eval_read(struct knote *kn, struct kq_kev *out)
{
	int fd = kn->fd;
	int64_t data = 0;
	int eof = 0, ready = 0;
	uint32_t fflags = 0;

	switch (kn->kind) {
	case FK_TCP:
	case FK_UDP:
	case FK_UNIX_STREAM:
	case FK_UNIX_DGRAM:
	case FK_UNIX_SEQPACKET:
	case FK_SOCK_OTHER: {
		int listening;
		data = inq(fd, &listening);
		if (listening) {
			if (kn->kind == FK_TCP) {
				struct tcp_info ti;
				if (tcp_state(fd, &ti) == TCP_LISTEN)
					data = ti.tcpi_unacked;
			} else if (kn->kind == FK_UNIX_STREAM || kn->kind == FK_UNIX_SEQPACKET) {
				data = unix_listen_qlen(kn);
				if (data < 0)
					data = (poll_now(fd, POLLIN) & POLLIN) ? 1 : 0;
			} else {
				data = (poll_now(fd, POLLIN) & POLLIN) ? 1 : 0;
			}
			ready = data > 0;
			break;
		}
		if (data > 0 && (kn->kind == FK_UDP || kn->kind == FK_UNIX_DGRAM))
			data = dgram_total(fd, data);
		int err = stash_peek(fd);
		eof = (kn->revents & EPOLLRDHUP) != 0;
		if (eof) {
			fflags = (uint32_t)err;
			ready = 1;
		} else if (err) {
			ready = 1;      /* pending error without EOF */
		} else {
			ready = data >= eff_lowat(kn);
			/*
			 * xnu's filt_soread compares sb_cc, which counts each queued datagram's sender
			 * address as well, against the low-water mark: an empty datagram makes the socket
			 * readable with data 0. SIOCINQ says 0 both for that and for an empty queue.
			 */
			if (!ready && data == 0 && (kn->kind == FK_UDP || kn->kind == FK_UNIX_DGRAM))
				ready = (poll_now(fd, POLLIN) & POLLIN) != 0;
		}
		break;
	}
	case FK_PIPE:
		if (kn->status & KN_WRONLY)
			return 0;
		{
			int v = 0;
			if (ioctl(fd, FIONREAD, &v) == 0)
				data = v;
		}
		eof = (kn->revents & EPOLLHUP) != 0;
		ready = eof || data >= pipe_lowat(kn);
		break;
	case FK_FILE: {
		struct stat st;
		if (fstat(fd, &st) < 0)
			return 0;
		off_t off = lseek(fd, 0, SEEK_CUR);
		if (off < 0)
			off = 0;
		data = (int64_t)st.st_size - (int64_t)off;
		ready = data != 0;
		if (ready && (kn->flags & EV_CLEAR)) {
			/* no write notifications on Linux: EV_CLEAR fires again only when data changed */
			if (data == kn->last_data)
				ready = 0;
		}
		if (ready)
			kn->last_data = data;
		break;
	}
	case FK_KQUEUE:
	case FK_OTHER:
	default: {
		int r = poll_now(fd, POLLIN);
		if (r & POLLNVAL)
			return 0;
		ready = (r & (POLLIN | POLLHUP | POLLERR)) != 0;
		eof = (r & POLLHUP) != 0;
		if (kn->kind == FK_KQUEUE) {
			struct fdent *e = fdent_get(fd, 0);
			struct kq *t = e ? __atomic_load_n(&e->kq, __ATOMIC_ACQUIRE) : NULL;
			data = t ? kq_pending(t) : 0;
			if (ready && data <= 0)
				data = 1;
			eof = 0;
		} else {
			int v = 0;
			if (ioctl(fd, FIONREAD, &v) == 0)
				data = v;
			else
				data = ready ? 1 : 0;
		}
		break;
	}
	}
	if (!ready)
		return 0;
	out->data = data;
	out->fflags = fflags;
	if (eof)
		out->flags |= EV_EOF;
	return 1;
}

static int eval_write(struct knote *kn, struct kq_kev *out)
{
	int fd = kn->fd;
	int64_t data = 0;
	int eof = 0, ready = 0;
	uint32_t fflags = 0;
	uint32_t mi[MI_VARS];

	switch (kn->kind) {
	case FK_TCP: {
		struct tcp_info ti;
		int st = tcp_state(fd, &ti);
		int err = stash_peek(fd);
		int writable_state = 0;
		switch (st) {
		case TCP_ESTABLISHED:
		case TCP_CLOSE_WAIT:
			writable_state = 1;
			break;
		case TCP_FIN_WAIT1:
		case TCP_FIN_WAIT2:
		case TCP_CLOSING:
		case TCP_TIME_WAIT:
		case TCP_LAST_ACK:
			eof = 1;
			break;
		case TCP_CLOSE:
			/* never connected (no RDHUP) vs. reset / refused / timed out */
			if ((kn->revents & EPOLLRDHUP) || err)
				eof = 1;
			else if (poll_now(fd, POLLRDHUP) & POLLRDHUP)
				eof = 1;
			break;
		case TCP_LISTEN:
			return 0;
		default:        /* SYN_SENT, SYN_RECV: connect in progress */
			break;
		}
		if (meminfo(fd, mi) == 0) {
			int64_t sp = (int64_t)mi[MI_SNDBUF] - (int64_t)mi[MI_WMEM_QUEUED];
			data = sp > 0 ? sp : 0;
			if (writable_state) {
				/* Linux's own writability rule (sk_stream_is_writeable), so that a
				 * reported event never leads to EAGAIN */
				int lin = sp >= (int64_t)(mi[MI_WMEM_QUEUED] >> 1) && sp > 0;
				ready = lin && data >= eff_lowat(kn);
			}
		}
		if (eof) {
			fflags = (uint32_t)err;
			ready = 1;
		} else if (err) {
			ready = 1;
		}
		break;
	}
	case FK_UNIX_STREAM: {
		long r = syscall(SYS_sendto, fd, "", 0, MSG_DONTWAIT | MSG_NOSIGNAL, NULL, 0);
		int err = stash_peek(fd);
		int connected = 0;
		if (r == 0)
			connected = 1;
		else if (errno == EPIPE)
			eof = 1;
		if (meminfo(fd, mi) == 0) {
			int64_t sp = (int64_t)mi[MI_SNDBUF] - (int64_t)mi[MI_WMEM_ALLOC];
			data = sp > 0 ? sp : 0;
			if (connected)
				ready = ((int64_t)mi[MI_WMEM_ALLOC] << 2) <= (int64_t)mi[MI_SNDBUF]
				    && data > 0 && data >= eff_lowat(kn);
		}
		if (eof) {
			fflags = (uint32_t)err;
			ready = 1;
		} else if (err) {
			ready = 1;
		}
		break;
	}
	case FK_UNIX_SEQPACKET:
	case FK_UNIX_DGRAM:
	case FK_UDP:
	case FK_SOCK_OTHER: {
		int err = stash_peek(fd);
		int unconnected_stream = 0;
		if (kn->kind == FK_UNIX_SEQPACKET && (kn->revents & EPOLLHUP)) {
			if (kn->revents & EPOLLRDHUP)
				eof = 1;
			else
				unconnected_stream = 1;
		} else if ((kn->revents & EPOLLHUP) && (kn->revents & EPOLLRDHUP)) {
			eof = 1;
		}
		if (meminfo(fd, mi) == 0) {
			int64_t sp = (int64_t)mi[MI_SNDBUF] - (int64_t)mi[MI_WMEM_ALLOC];
			data = sp > 0 ? sp : 0;
			if (!unconnected_stream) {
				int lin = kn->kind == FK_UNIX_SEQPACKET
				    ? ((int64_t)mi[MI_WMEM_ALLOC] << 2) <= (int64_t)mi[MI_SNDBUF]
				    : ((int64_t)mi[MI_WMEM_ALLOC] << 1) < (int64_t)mi[MI_SNDBUF];
				ready = lin && data > 0 && data >= eff_lowat(kn);
			}
		}
		if (eof) {
			fflags = (uint32_t)err;
			ready = 1;
		} else if (err) {
			ready = 1;
		}
		break;
	}
	case FK_PIPE: {
		if (kn->status & KN_RDONLY)
			return 0;
		int r = poll_now(fd, POLLOUT);
		if (r & POLLERR) {
			/* no reader left: Darwin reports EV_EOF with data 0 */
			eof = 1;
			ready = 1;
			data = 0;
			break;
		}
		int sz = fcntl(fd, F_GETPIPE_SZ);
		int v = 0;
		if (sz < 0)
			sz = 65536;
		if (ioctl(fd, FIONREAD, &v) < 0)
			v = 0;
		data = (int64_t)sz - v;
		if (data < 0)
			data = 0;
		ready = (r & POLLOUT) && data > 0 && data >= pipe_lowat(kn);
		break;
	}
	case FK_FILE:
		data = 1;       /* xnu filt_vnode_common: regular files are always writable, data 1 */
		ready = 1;
		break;
	case FK_KQUEUE:
	case FK_OTHER:
	default: {
		int r = poll_now(fd, POLLOUT);
		if (r & POLLNVAL)
			return 0;
		ready = (r & (POLLOUT | POLLERR | POLLHUP)) != 0;
		eof = (r & (POLLERR | POLLHUP)) != 0;
		data = ready ? 1 : 0;
		break;
	}
	}
	if (!ready)
		return 0;
	out->data = data;
	out->fflags = fflags;
	if (eof)
		out->flags |= EV_EOF;
	return 1;
}

#ifdef KQ_ABI_FREEBSD
/* filt_soempty: ready once nothing is left in the send buffer (sent-but-unacked included) */
static int eval_empty(struct knote *kn, struct kq_kev *out)
{
	int v = 0, listening = 0;
	socklen_t l = sizeof listening;
	if (sys_getsockopt(kn->fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &l) == 0 && listening) {
		out->data = 0;
		return 1;
	}
	if (ioctl(kn->fd, SIOCOUTQ, &v) < 0)
		return 0;
	out->data = v;
	return v == 0;
}
#endif

int fd_evaluate(struct knote *kn, struct kq_kev *out)
{
#ifdef KQ_ABI_FREEBSD
	if (kn->filter == EVFILT_EMPTY)
		return eval_empty(kn, out);
#endif
	return kn->filter == EVFILT_READ ? eval_read(kn, out) : eval_write(kn, out);
}

/* ---------------- timers (xnu / FreeBSD filt_timervalidate) ---------------- */

/* ns per unit of the one unit bit in fflags (none: milliseconds); more than one → EINVAL */
static int timer_unit(uint32_t fflags, uint64_t *mult)
{
#ifdef KQ_ABI_FREEBSD
	switch (fflags & (NOTE_SECONDS | NOTE_MSECONDS | NOTE_USECONDS | NOTE_NSECONDS)) {
	case NOTE_MSECONDS:
#else
	switch (fflags & (NOTE_SECONDS | NOTE_USECONDS | NOTE_NSECONDS | NOTE_MACHTIME)) {
	case NOTE_MACHTIME:     /* Mach absolute time units are nanoseconds on x86_64 Darwin */
		*mult = 1;
		return 0;
#endif
	case 0:
		*mult = 1000000ull;
		return 0;
	case NOTE_SECONDS:
		*mult = 1000000000ull;
		return 0;
	case NOTE_USECONDS:
		*mult = 1000ull;
		return 0;
	case NOTE_NSECONDS:
		*mult = 1;
		return 0;
	}
	return EINVAL;
}

#ifdef KQ_ABI_FREEBSD
/*
 * FreeBSD: data < 0 → EINVAL, 0 means 1 unit unless EV_ONESHOT, any bit but one unit and
 * NOTE_ABSTIME → EINVAL, huge values clamp instead of failing; NOTE_ABSTIME is a realtime
 * deadline, fires once. Periodic unless EV_ONESHOT or NOTE_ABSTIME.
 */
int timer_validate(const struct kq_kev *kev, uint64_t now, uint64_t *deadline,
    uint64_t *interval, uint64_t *leeway)
{
	uint64_t mult;
	*leeway = 0;
	if (kev->data < 0 || (kev->fflags & ~(uint32_t)(NOTE_SECONDS | NOTE_MSECONDS | NOTE_USECONDS
	    | NOTE_NSECONDS | NOTE_ABSTIME)))
		return EINVAL;
	if (timer_unit(kev->fflags, &mult))
		return EINVAL;
	uint64_t amount = (uint64_t)kev->data;
	if (amount == 0 && !(kev->flags & EV_ONESHOT) && !(kev->fflags & NOTE_ABSTIME))
		amount = 1;
	uint64_t ns;
	if (__builtin_mul_overflow(amount, mult, &ns) || ns > (uint64_t)INT64_MAX)
		ns = INT64_MAX;
	if (kev->fflags & NOTE_ABSTIME) {
		uint64_t rt = realtime_now();
		*deadline = ns > rt ? now + (ns - rt) : 0;
		*interval = 0;
		return 0;
	}
	if (__builtin_add_overflow(now, ns, deadline) || *deadline > (uint64_t)INT64_MAX)
		*deadline = INT64_MAX;
	*interval = (kev->flags & EV_ONESHOT) ? 0 : ns;
	return 0;
}
#else
int timer_validate(const struct kq_kev *kev, uint64_t now, uint64_t *deadline,
    uint64_t *interval, uint64_t *leeway)
{
	uint64_t mult;
	if (timer_unit(kev->fflags, &mult))
		return EINVAL;
	int abstime = (kev->fflags & NOTE_MACHTIME) != 0;
	if (kev->fflags & NOTE_LEEWAY) {
		uint64_t l;
		if (__builtin_mul_overflow((uint64_t)kev->ext[1], mult, &l))
			return ERANGE;
		*leeway = l;
	} else {
		*leeway = 0;
	}
	if (kev->fflags & NOTE_ABSOLUTE) {
		uint64_t dl;
		if (abstime) {
			dl = (uint64_t)kev->data;       /* CLOCK_MONOTONIC stands for mach_absolute_time */
		} else {
			uint64_t cal;
			if (__builtin_mul_overflow((uint64_t)kev->data, mult, &cal))
				return ERANGE;
			uint64_t rt = realtime_now();
			if (rt < cal) {
				if (__builtin_add_overflow(now, cal - rt, &dl))
					return ERANGE;
			} else {
				dl = 0;
			}
		}
		*deadline = dl;
		*interval = 0;
	} else if (kev->data < 0) {
		*deadline = 0;
		*interval = 0;
	} else {
		uint64_t iv;
		if (__builtin_mul_overflow((uint64_t)kev->data, mult, &iv))
			return ERANGE;
		uint64_t dl;
		if (__builtin_add_overflow(now, iv, &dl))
			return ERANGE;
		*deadline = dl;
		*interval = iv;
	}
	return 0;
}
#endif
