/* EVFILT_READ / EVFILT_WRITE on sockets, pipes and files. */
#include "harness.h"

static void t_tcp_read_data_and_clear(void)
{
	int sv[2];
	CHECK(tcp_pair(sv) == 0, "pair");
	int kq = kqueue();
	CHECK(kch(kq, sv[1], EVFILT_READ, EV_ADD | EV_CLEAR, 0, 0, 0x77) == 0, "add");
	struct kevent ev;
	CHECK(kwait(kq, &ev, 1, 0) == 0, "nothing yet");
	CHECK(write(sv[0], "hello", 5) == 5, "write");
	CHECK(kwait_for(kq, sv[1], EVFILT_READ, &ev, 1000) == 1, "read event");
	CHECK(ev.data == 5 && ev.udata == (void *)0x77 && (ev.flags & EV_CLEAR) && (ev.flags & EV_ADD), "data %ld flags 0x%x", (long)ev.data, ev.flags);
	CHECK(kwait(kq, &ev, 1, 50) == 0, "EV_CLEAR: no new activity, no event");
	CHECK(write(sv[0], "!!", 2) == 2, "write more");
	CHECK(kwait_for(kq, sv[1], EVFILT_READ, &ev, 1000) == 1 && ev.data == 7, "new data, data %ld", (long)ev.data);
	/* write-direction activity must not re-fire the EV_CLEAR read knote */
	CHECK(kch(kq, sv[1], EVFILT_WRITE, EV_ADD | EV_CLEAR, 0, 0, 0) == 0, "add write");
	CHECK(kwait_for(kq, sv[1], EVFILT_WRITE, &ev, 1000) == 1, "write event");
	char big[4096];
	memset(big, 'x', sizeof big);
	CHECK(write(sv[1], big, sizeof big) == (ssize_t)sizeof big, "send");
	char rb[8192];
	h_sleep_ms(20);
	CHECK(read(sv[0], rb, sizeof rb) > 0, "peer reads");
	struct kevent evs[4];
	int r = kwait(kq, evs, 4, 100);
	for (int i = 0; i < r; i++)
		CHECK(evs[i].filter != EVFILT_READ, "read knote re-fired without read activity");
	close(kq);
	close(sv[0]);
	close(sv[1]);
}

static void t_tcp_level_triggered(void)
{
	int sv[2];
	CHECK(tcp_pair(sv) == 0, "pair");
	int kq = kqueue();
	CHECK(kch(kq, sv[1], EVFILT_READ, EV_ADD, 0, 0, 0) == 0, "add");
	CHECK(write(sv[0], "abc", 3) == 3, "write");
	struct kevent ev;
	CHECK(kwait_for(kq, sv[1], EVFILT_READ, &ev, 1000) == 1 && ev.data == 3, "first");
	CHECK(kwait(kq, &ev, 1, 0) == 1 && ev.data == 3, "level: again");
	char b[3];
	CHECK(read(sv[1], b, 3) == 3, "drain");
	CHECK(kwait(kq, &ev, 1, 0) == 0, "drained: no event");
	close(kq);
	close(sv[0]);
	close(sv[1]);
}

static void t_tcp_eof(void)
{
	int sv[2];
	CHECK(tcp_pair(sv) == 0, "pair");
	int kq = kqueue();
	CHECK(kch(kq, sv[1], EVFILT_READ, EV_ADD, 0, 0, 0) == 0, "add read");
	CHECK(kch(kq, sv[1], EVFILT_WRITE, EV_ADD, 0, 0, 0) == 0, "add write");
	CHECK(write(sv[0], "zz", 2) == 2, "write");
	close(sv[0]);
	struct kevent ev;
	CHECK(kwait_for(kq, sv[1], EVFILT_READ, &ev, 1000) == 1, "read");
	long end = h_now_ms() + 1000;
	while (!(ev.flags & EV_EOF) && h_now_ms() < end)
		kwait_for(kq, sv[1], EVFILT_READ, &ev, 100);
	CHECK(ev.flags & EV_EOF, "EV_EOF after peer FIN");
	CHECK(ev.fflags == 0 && ev.data == 2, "orderly: fflags %u data %ld", ev.fflags, (long)ev.data);
	CHECK(kwait_for(kq, sv[1], EVFILT_WRITE, &ev, 1000) == 1, "still writable");
	CHECK(!(ev.flags & EV_EOF), "TCP peer FIN alone gives no write EOF");
	close(kq);
	close(sv[1]);
}

static void t_tcp_shutdown_wr_and_rd(void)
{
	int sv[2];
	CHECK(tcp_pair(sv) == 0, "pair");
	int kq = kqueue();
	CHECK(kch(kq, sv[0], EVFILT_WRITE, EV_ADD, 0, 0, 0) == 0, "add write");
	struct kevent ev;
	CHECK(kwait_for(kq, sv[0], EVFILT_WRITE, &ev, 1000) == 1 && !(ev.flags & EV_EOF) && ev.data > 0, "writable");
	shutdown(sv[0], SHUT_WR);
	CHECK(kwait_for(kq, sv[0], EVFILT_WRITE, &ev, 1000) == 1 && (ev.flags & EV_EOF), "write EOF after SHUT_WR");
	CHECK(kch(kq, sv[1], EVFILT_READ, EV_ADD, 0, 0, 0) == 0, "add read on peer");
	CHECK(kwait_for(kq, sv[1], EVFILT_READ, &ev, 1000) == 1 && (ev.flags & EV_EOF), "peer read EOF");
	int kq2 = kqueue();
	int sv2[2];
	CHECK(tcp_pair(sv2) == 0, "pair2");
	shutdown(sv2[0], SHUT_RD);
	CHECK(kch(kq2, sv2[0], EVFILT_READ, EV_ADD, 0, 0, 0) == 0, "add");
	CHECK(kwait_for(kq2, sv2[0], EVFILT_READ, &ev, 1000) == 1 && (ev.flags & EV_EOF), "SHUT_RD -> read EOF");
	close(kq);
	close(kq2);
	close(sv[0]);
	close(sv[1]);
	close(sv2[0]);
	close(sv2[1]);
}

static void t_connect_refused_stash(void)
{
	int port = closed_port();
	int c = socket(AF_INET, SOCK_STREAM, 0);
	set_nonblock(c);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int r = connect(c, (struct sockaddr *)&a, sizeof a);
	CHECK(r == 0 || errno == EINPROGRESS || errno == ECONNREFUSED, "connect %d", r);
	int kq = kqueue();
	CHECK(kch(kq, c, EVFILT_WRITE, EV_ADD | EV_ONESHOT, 0, 0, 0) == 0, "add write");
	struct kevent ev;
	CHECK(kwait_for(kq, c, EVFILT_WRITE, &ev, 2000) == 1, "write event");
	CHECK((ev.flags & EV_EOF) && ev.fflags == ECONNREFUSED, "flags 0x%x fflags %u", ev.flags, ev.fflags);
	int err = 0;
	socklen_t l = sizeof err;
	CHECK(getsockopt(c, SOL_SOCKET, SO_ERROR, &err, &l) == 0 && err == ECONNREFUSED, "SO_ERROR still there: %d", err);
	err = -1;
	CHECK(getsockopt(c, SOL_SOCKET, SO_ERROR, &err, &l) == 0 && err == 0, "then cleared: %d", err);
	close(kq);
	close(c);
}

static void t_reset_read_stash(void)
{
	int sv[2];
	CHECK(tcp_pair(sv) == 0, "pair");
	struct linger lg = { 1, 0 };
	setsockopt(sv[0], SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
	int kq = kqueue();
	CHECK(kch(kq, sv[1], EVFILT_READ, EV_ADD, 0, 0, 0) == 0, "add");
	close(sv[0]);       /* RST */
	struct kevent ev;
	CHECK(kwait_for(kq, sv[1], EVFILT_READ, &ev, 1000) == 1, "event");
	CHECK((ev.flags & EV_EOF) && ev.fflags == ECONNRESET, "flags 0x%x fflags %u", ev.flags, ev.fflags);
	CHECK(kwait_for(kq, sv[1], EVFILT_READ, &ev, 1000) == 1 && ev.fflags == ECONNRESET, "error stays visible");
	char b[4];
	errno = 0;
	CHECK(read(sv[1], b, 4) == -1 && errno == ECONNRESET, "read returns the error");
	CHECK(read(sv[1], b, 4) == 0, "then EOF");
	CHECK(kwait_for(kq, sv[1], EVFILT_READ, &ev, 1000) == 1 && (ev.flags & EV_EOF) && ev.fflags == 0, "consumed");
	close(kq);
	close(sv[1]);
}

static void t_unconnected_and_connecting(void)
{
	int kq = kqueue();
	int s = socket(AF_INET, SOCK_STREAM, 0);
	CHECK(kch(kq, s, EVFILT_WRITE, EV_ADD, 0, 0, 0) == 0, "add");
	CHECK(kch(kq, s, EVFILT_READ, EV_ADD, 0, 0, 0) == 0, "add");
	struct kevent ev;
	CHECK(kwait(kq, &ev, 1, 50) == 0, "fresh TCP socket: neither readable nor writable");
	int u = socket(AF_INET, SOCK_DGRAM, 0);
	CHECK(kch(kq, u, EVFILT_WRITE, EV_ADD, 0, 0, 0) == 0, "add udp");
	CHECK(kwait_for(kq, u, EVFILT_WRITE, &ev, 1000) == 1 && ev.data > 0, "unconnected UDP writable");
	close(kq);
	close(s);
	close(u);
}

static void t_tcp_listen_backlog(void)
{
	int port = 0;
	int l = tcp_listener(&port, 16);
	int kq = kqueue();
	CHECK(kch(kq, l, EVFILT_READ, EV_ADD, 0, 0, 0) == 0, "add");
	CHECK(kch(kq, l, EVFILT_WRITE, EV_ADD, 0, 0, 0) == 0, "add write");
	struct kevent ev;
	CHECK(kwait(kq, &ev, 1, 30) == 0, "empty backlog, listener never writable");
	int c1 = tcp_connect(port), c2 = tcp_connect(port), c3 = tcp_connect(port);
	h_sleep_ms(50);
	CHECK(kwait_for(kq, l, EVFILT_READ, &ev, 1000) == 1 && ev.data == 3, "backlog %ld", (long)ev.data);
	int a = accept(l, NULL, NULL);
	CHECK(kwait_for(kq, l, EVFILT_READ, &ev, 1000) == 1 && ev.data == 2, "backlog %ld", (long)ev.data);
	close(a);
	close(c1);
	close(c2);
	close(c3);
	close(l);
	close(kq);
}

static void t_unix_listen_backlog(void)
{
	char path[108];
	snprintf(path, sizeof path, "/tmp/kqemu-%d.sock", (int)getpid());
	unlink(path);
	int l = socket(AF_UNIX, SOCK_STREAM, 0);
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	strcpy(a.sun_path, path);
	CHECK(bind(l, (struct sockaddr *)&a, sizeof a) == 0 && listen(l, 8) == 0, "listen");
	int kq = kqueue();
	CHECK(kch(kq, l, EVFILT_READ, EV_ADD, 0, 0, 0) == 0, "add");
	int c[2];
	for (int i = 0; i < 2; i++) {
		c[i] = socket(AF_UNIX, SOCK_STREAM, 0);
		CHECK(connect(c[i], (struct sockaddr *)&a, sizeof a) == 0, "connect");
	}
	struct kevent ev;
	CHECK(kwait_for(kq, l, EVFILT_READ, &ev, 1000) == 1 && ev.data == 2, "unix backlog %ld", (long)ev.data);
	close(c[0]);
	close(c[1]);
	close(l);
	close(kq);
	unlink(path);
}

static void t_unix_stream(void)
{
	int sv[2];
	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0, "pair");
	int kq = kqueue();
	CHECK(kch(kq, sv[0], EVFILT_WRITE, EV_ADD, 0, 0, 0) == 0, "add w");
	CHECK(kch(kq, sv[0], EVFILT_READ, EV_ADD, 0, 0, 0) == 0, "add r");
	struct kevent ev;
	CHECK(kwait_for(kq, sv[0], EVFILT_WRITE, &ev, 1000) == 1 && ev.data > 0 && !(ev.flags & EV_EOF), "writable");
	CHECK(write(sv[1], "12345678", 8) == 8, "write");
	CHECK(kwait_for(kq, sv[0], EVFILT_READ, &ev, 1000) == 1 && ev.data == 8, "read data %ld", (long)ev.data);
	close(sv[1]);
	CHECK(kwait_for(kq, sv[0], EVFILT_WRITE, &ev, 1000) == 1 && (ev.flags & EV_EOF), "unix peer close -> write EOF");
	CHECK(kwait_for(kq, sv[0], EVFILT_READ, &ev, 1000) == 1 && (ev.flags & EV_EOF) && ev.data == 8, "read EOF with data");
	close(kq);
	close(sv[0]);

	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0, "pair");
	kq = kqueue();
	shutdown(sv[0], SHUT_WR);
	CHECK(kch(kq, sv[0], EVFILT_WRITE, EV_ADD, 0, 0, 0) == 0, "add w");
	CHECK(kwait_for(kq, sv[0], EVFILT_WRITE, &ev, 1000) == 1 && (ev.flags & EV_EOF), "SHUT_WR -> write EOF");
	close(kq);
	close(sv[0]);
	close(sv[1]);

	int u = socket(AF_UNIX, SOCK_STREAM, 0);
	kq = kqueue();
	CHECK(kch(kq, u, EVFILT_WRITE, EV_ADD, 0, 0, 0) == 0, "add");
	CHECK(kwait(kq, &ev, 1, 30) == 0, "unconnected unix stream is not writable");
	close(kq);
	close(u);
}

static void t_dgram_total(void)
{
	int sv[2];
	CHECK(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv) == 0, "pair");
	int kq = kqueue();
	CHECK(send(sv[1], "0123456789", 10, 0) == 10 && send(sv[1], "abcde", 5, 0) == 5, "send");
	CHECK(kch(kq, sv[0], EVFILT_READ, EV_ADD, 0, 0, 0) == 0, "add");
	struct kevent ev;
	CHECK(kwait_for(kq, sv[0], EVFILT_READ, &ev, 1000) == 1 && ev.data == 15, "data %ld", (long)ev.data);
	char b[32];
	CHECK(recv(sv[0], b, sizeof b, 0) == 10, "datagram boundaries preserved after peeking");
	CHECK(recv(sv[0], b, sizeof b, 0) == 5, "second");
	close(kq);
	close(sv[0]);
	close(sv[1]);
}

static void t_lowat(void)
{
	int sv[2];
	CHECK(tcp_pair(sv) == 0, "pair");
	int kq = kqueue();
	CHECK(kch(kq, sv[1], EVFILT_READ, EV_ADD, NOTE_LOWAT, 10, 0) == 0, "add");
	CHECK(write(sv[0], "12345", 5) == 5, "write");
	struct kevent ev;
	CHECK(kwait(kq, &ev, 1, 50) == 0, "below low-water");
	CHECK(write(sv[0], "67890", 5) == 5, "write");
	CHECK(kwait_for(kq, sv[1], EVFILT_READ, &ev, 1000) == 1 && ev.data == 10, "at low-water");
	CHECK(kch(kq, sv[1], EVFILT_READ, EV_ADD, NOTE_LOWAT, 0, 0) == 0, "lower than SO_RCVLOWAT: clamped to 1");
	CHECK(kwait(kq, &ev, 1, 0) == 1, "fires");
	close(kq);
	close(sv[0]);
	close(sv[1]);
}

static void t_dispatch_oneshot_disable(void)
{
	int sv[2];
	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0, "pair");
	int kq = kqueue();
	CHECK(write(sv[1], "x", 1) == 1, "write");
	CHECK(kch(kq, sv[0], EVFILT_READ, EV_ADD | EV_DISPATCH, 0, 0, 0) == 0, "add");
	struct kevent ev;
	CHECK(kwait(kq, &ev, 1, 1000) == 1 && (ev.flags & EV_DISPATCH), "first");
	CHECK(kwait(kq, &ev, 1, 30) == 0, "disabled after dispatch");
	CHECK(kch(kq, sv[0], EVFILT_READ, EV_ENABLE, 0, 0, 0) == 0, "enable");
	CHECK(kwait(kq, &ev, 1, 1000) == 1, "re-enabled, still readable");
	CHECK(kch(kq, sv[0], EVFILT_READ, EV_DELETE, 0, 0, 0) == 0, "delete");
	CHECK(kch(kq, sv[0], EVFILT_READ, EV_ADD | EV_ONESHOT, 0, 0, 0) == 0, "oneshot");
	CHECK(kwait(kq, &ev, 1, 1000) == 1 && (ev.flags & EV_ONESHOT), "oneshot fires");
	CHECK(kch(kq, sv[0], EVFILT_READ, EV_DELETE, 0, 0, 0) == ENOENT, "oneshot deleted");
	CHECK(kch(kq, sv[0], EVFILT_READ, EV_ADD | EV_DISABLE, 0, 0, 0) == 0, "add disabled");
	CHECK(kwait(kq, &ev, 1, 30) == 0, "disabled");
	CHECK(kch(kq, sv[0], EVFILT_READ, EV_ENABLE, 0, 0, 0) == 0, "enable");
	CHECK(kwait(kq, &ev, 1, 1000) == 1, "enabled");
	close(kq);
	close(sv[0]);
	close(sv[1]);
}

static void t_pipe(void)
{
	int p[2];
	CHECK(pipe(p) == 0, "pipe");
	int kq = kqueue();
	CHECK(kch(kq, p[0], EVFILT_READ, EV_ADD, 0, 0, 0) == 0, "add r");
	CHECK(kch(kq, p[1], EVFILT_WRITE, EV_ADD, 0, 0, 0) == 0, "add w");
	struct kevent ev;
	CHECK(kwait_for(kq, p[1], EVFILT_WRITE, &ev, 1000) == 1 && ev.data > 0, "pipe writable %ld", (long)ev.data);
	CHECK(write(p[1], "abc", 3) == 3, "write");
	CHECK(kwait_for(kq, p[0], EVFILT_READ, &ev, 1000) == 1 && ev.data == 3, "pipe data");
	close(p[1]);
	CHECK(kwait_for(kq, p[0], EVFILT_READ, &ev, 1000) == 1 && (ev.flags & EV_EOF) && ev.data == 3, "EOF with data");
	close(p[0]);
	CHECK(pipe(p) == 0, "pipe");
	CHECK(kch(kq, p[1], EVFILT_WRITE, EV_ADD, 0, 0, 0) == 0, "add w");
	close(p[0]);
	CHECK(kwait_for(kq, p[1], EVFILT_WRITE, &ev, 1000) == 1 && (ev.flags & EV_EOF), "reader gone -> write EOF");
	close(p[1]);
	close(kq);
}

static void t_regular_file(void)
{
	char path[] = "/tmp/kqemu-file-XXXXXX";
	int fd = mkstemp(path);
	CHECK(fd >= 0, "mkstemp");
	unlink(path);
	CHECK(write(fd, "0123456789", 10) == 10, "write");
	lseek(fd, 4, SEEK_SET);
	int kq = kqueue();
	CHECK(kch(kq, fd, EVFILT_READ, EV_ADD, 0, 0, 0) == 0, "add r");
	struct kevent ev;
	CHECK(kwait_for(kq, fd, EVFILT_READ, &ev, 1000) == 1 && ev.data == 6, "data %ld", (long)ev.data);
	lseek(fd, 0, SEEK_END);
	CHECK(kwait(kq, &ev, 1, 0) == 0, "at EOF: not readable");
	CHECK(kch(kq, fd, EVFILT_WRITE, EV_ADD, 0, 0, 0) == 0, "add w");
	CHECK(kwait_for(kq, fd, EVFILT_WRITE, &ev, 1000) == 1, "file always writable");
	close(kq);
	close(fd);
	int dn = open("/dev/null", O_RDONLY);
	kq = kqueue();
	int e = kch(kq, dn, EVFILT_READ, EV_ADD, 0, 0, 0);
	CHECK(e == EINVAL || e == 0, "/dev/null: %d", e);
	close(dn);
	close(kq);
}

int main(void)
{
	signal(SIGPIPE, SIG_IGN);
	RUN(t_tcp_read_data_and_clear);
	RUN(t_tcp_level_triggered);
	RUN(t_tcp_eof);
	RUN(t_tcp_shutdown_wr_and_rd);
	RUN(t_connect_refused_stash);
	RUN(t_reset_read_stash);
	RUN(t_unconnected_and_connecting);
	RUN(t_tcp_listen_backlog);
	RUN(t_unix_listen_backlog);
	RUN(t_unix_stream);
	RUN(t_dgram_total);
	RUN(t_lowat);
	RUN(t_dispatch_oneshot_disable);
	RUN(t_pipe);
	RUN(t_regular_file);
	return h_finish();
}
