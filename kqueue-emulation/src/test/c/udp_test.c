/*
 * EVFILT_READ / EVFILT_WRITE on UDP sockets as xnu's filt_soread / filt_sowrite report them
 * (bsd/kern/uipc_socket.c): data = protocol bytes queued (every datagram, without the sender
 * addresses), an empty datagram still wakes the reader (sb_cc counts its address), a pending
 * so_error ("temporary udp error") fires both filters without EV_EOF, and sosendcheck hands that
 * error to the next send.
 */
#include "harness.h"

#include <arpa/inet.h>
#include <netinet/in.h>

static int udp_bound(struct sockaddr_in *a)
{
	int u = socket(AF_INET, SOCK_DGRAM, 0);
	memset(a, 0, sizeof *a);
	a->sin_family = AF_INET;
	a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	socklen_t l = sizeof *a;
	if (u < 0 || bind(u, (struct sockaddr *)a, sizeof *a) < 0 || getsockname(u, (struct sockaddr *)a, &l) < 0)
		return -1;
	set_nonblock(u);
	return u;
}

static void t_empty_datagram_readable(void)
{
	struct sockaddr_in a;
	int r = udp_bound(&a);
	int s = socket(AF_INET, SOCK_DGRAM, 0);
	CHECK(r >= 0 && s >= 0, "sockets");
	int kq = kqueue();
	CHECK(kch(kq, r, EVFILT_READ, EV_ADD, 0, 0, 0) == 0, "add");
	struct kevent ev;
	CHECK(kwait(kq, &ev, 1, 30) == 0, "empty queue: not readable");
	CHECK(sendto(s, "", 0, 0, (struct sockaddr *)&a, sizeof a) == 0, "send empty datagram");
	CHECK(kwait_for(kq, r, EVFILT_READ, &ev, 1000) == 1, "empty datagram makes the socket readable");
	CHECK(ev.data == 0 && !(ev.flags & EV_EOF), "data %ld flags 0x%x", (long)ev.data, ev.flags);
	char b[8];
	CHECK(recv(r, b, sizeof b, 0) == 0, "receive the empty datagram");
	CHECK(kwait(kq, &ev, 1, 30) == 0, "drained: not readable");
	CHECK(sendto(s, "", 0, 0, (struct sockaddr *)&a, sizeof a) == 0, "empty");
	CHECK(sendto(s, "abc", 3, 0, (struct sockaddr *)&a, sizeof a) == 3, "three bytes");
	CHECK(kwait_for(kq, r, EVFILT_READ, &ev, 1000) == 1, "readable");
	CHECK(recv(r, b, sizeof b, 0) == 0, "empty one first");
	CHECK(kwait_for(kq, r, EVFILT_READ, &ev, 1000) == 1 && ev.data == 3, "then 3 bytes: data %ld", (long)ev.data);
	close(kq);
	close(r);
	close(s);
}

static void t_data_counts_every_datagram(void)
{
	struct sockaddr_in a;
	int r = udp_bound(&a);
	int s = socket(AF_INET, SOCK_DGRAM, 0);
	int kq = kqueue();
	CHECK(kch(kq, r, EVFILT_READ, EV_ADD, 0, 0, 0) == 0, "add");
	for (int i = 0; i < 4; i++)
		CHECK(sendto(s, "0123456789", 10, 0, (struct sockaddr *)&a, sizeof a) == 10, "send");
	struct kevent ev;
	long end = h_now_ms() + 1000;
	do {
		CHECK(kwait_for(kq, r, EVFILT_READ, &ev, 200) == 1, "readable");
	} while (ev.data < 40 && h_now_ms() < end);
	CHECK(ev.data == 40, "four datagrams of 10: data %ld", (long)ev.data);
	close(kq);
	close(r);
	close(s);
}

/* A connected socket whose peer port is closed: the ICMP error is a "temporary udp error". */
static void t_connected_port_unreachable(void)
{
	struct sockaddr_in a;
	int gone = udp_bound(&a);
	close(gone);
	int c = socket(AF_INET, SOCK_DGRAM, 0);
	CHECK(c >= 0 && connect(c, (struct sockaddr *)&a, sizeof a) == 0, "connect");
	set_nonblock(c);
	int kq = kqueue();
	CHECK(kch(kq, c, EVFILT_READ, EV_ADD, 0, 0, 0) == 0, "add read");
	CHECK(send(c, "x", 1, 0) == 1, "first send goes out");
	struct kevent ev;
	CHECK(kwait_for(kq, c, EVFILT_READ, &ev, 1000) == 1, "ICMP error makes it readable");
	CHECK(!(ev.flags & EV_EOF) && ev.data == 0, "no EV_EOF, data 0: flags 0x%x data %ld", ev.flags, (long)ev.data);
	CHECK(kch(kq, c, EVFILT_WRITE, EV_ADD, 0, 0, 0) == 0, "add write");
	CHECK(kwait_for(kq, c, EVFILT_WRITE, &ev, 1000) == 1 && !(ev.flags & EV_EOF), "writable, no EOF");
	errno = 0;
	CHECK(send(c, "y", 1, 0) == -1 && errno == ECONNREFUSED, "the next send reports it: errno %d", errno);
	CHECK(send(c, "z", 1, 0) == 1, "once");
	close(kq);
	close(c);
}

static void t_receive_reports_refusal_once(void)
{
	struct sockaddr_in a;
	int gone = udp_bound(&a);
	close(gone);
	int c = socket(AF_INET, SOCK_DGRAM, 0);
	CHECK(connect(c, (struct sockaddr *)&a, sizeof a) == 0, "connect");
	set_nonblock(c);
	int kq = kqueue();
	CHECK(kch(kq, c, EVFILT_READ, EV_ADD, 0, 0, 0) == 0, "add read");
	CHECK(send(c, "x", 1, 0) == 1, "send");
	struct kevent ev;
	CHECK(kwait_for(kq, c, EVFILT_READ, &ev, 1000) == 1, "readable");
	char b[4];
	errno = 0;
	CHECK(recv(c, b, sizeof b, 0) == -1 && errno == ECONNREFUSED, "receive reports it: errno %d", errno);
	errno = 0;
	CHECK(recv(c, b, sizeof b, 0) == -1 && errno == EAGAIN, "once: errno %d", errno);
	CHECK(kwait(kq, &ev, 1, 30) == 0, "consumed: not readable");
	close(kq);
	close(c);
}

int main(void)
{
	RUN(t_empty_datagram_readable);
	RUN(t_data_counts_every_datagram);
	RUN(t_connected_port_unreachable);
	RUN(t_receive_reports_refusal_once);
	return h_finish();
}
