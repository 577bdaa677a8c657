/* EVFILT_WRITE conformance (Darwin kernel semantics, Linux errno numbers). */
#include "conformance.h"

static void tcp_fresh_connected_writable(void) {
    int c, s;
    CHECK(tcp_pair(&c, &s) == 0, "tcp pair");
    int kq = kq_new();
    CHECK(kchg(kq, c, EVFILT_WRITE, EV_ADD, 0, 0, (void *)0x77) == 0, "add");
    struct kevent ev;
    CHECK(kwait_for(kq, c, EVFILT_WRITE, &ev, 1000) == 1, "connected socket not writable");
    CHECK(ev.data > 0, "data %ld, want free send space > 0", (long)ev.data);
    CHECK(!(ev.flags & (EV_EOF | EV_ERROR)), "flags 0x%x", ev.flags);
    CHECK(ev.fflags == 0, "fflags %u", ev.fflags);
    CHECK(ev.udata == (void *)0x77, "udata");
    CHECK(ev.flags & EV_ADD, "returned flags 0x%x lack EV_ADD", ev.flags);
    /* level-triggered: reported again */
    CHECK(kwait_for(kq, c, EVFILT_WRITE, &ev, 0) == 1, "level-triggered write not reported twice");
}

static void tcp_write_data_tracks_send_space(void) {
    int c, s;
    CHECK(tcp_pair(&c, &s) == 0, "tcp pair");
    int sndbuf = 0;
    socklen_t l = sizeof sndbuf;
    getsockopt(c, SOL_SOCKET, SO_SNDBUF, &sndbuf, &l);
    int kq = kq_new();
    CHECK(kchg(kq, c, EVFILT_WRITE, EV_ADD, 0, 0, 0) == 0, "add");
    struct kevent ev;
    CHECK(kwait_for(kq, c, EVFILT_WRITE, &ev, 1000) == 1, "not writable");
    CHECK(ev.data > 0 && ev.data <= (intptr_t)sndbuf * 2 + 65536, "data %ld vs SO_SNDBUF %d", (long)ev.data, sndbuf);
}

static void tcp_unconnected_not_writable(void) {
    int s = track(socket(AF_INET, SOCK_STREAM, 0));
    CHECK(s >= 0, "socket");
    set_nonblock(s);
    int kq = kq_new();
    CHECK(kchg(kq, s, EVFILT_WRITE, EV_ADD, 0, 0, 0) == 0, "add");
    CHECK(kchg(kq, s, EVFILT_READ, EV_ADD, 0, 0, 0) == 0, "add read");
    struct kevent ev;
    int r = kwait(kq, &ev, 1, 100);
    CHECK(r == 0, "fresh unconnected TCP socket reported filter %d flags 0x%x (Darwin: neither readable nor writable)",
          ev.filter, ev.flags);
}

static void tcp_listener_never_writable(void) {
    uint16_t port;
    int l = tcp_listener(&port);
    CHECK(l >= 0, "listener");
    int kq = kq_new();
    CHECK(kchg(kq, l, EVFILT_WRITE, EV_ADD, 0, 0, 0) == 0, "add");
    struct kevent ev;
    CHECK(kwait(kq, &ev, 1, 100) == 0, "listening socket writable (flags 0x%x)", ev.flags);
    CHECK(tcp_connect_blocking(port) >= 0, "connect");
    CHECK(kwait(kq, &ev, 1, 100) == 0, "listening socket writable with a pending connection");
}

static void tcp_nonblocking_connect_becomes_writable(void) {
    uint16_t port;
    int l = tcp_listener(&port);
    CHECK(l >= 0, "listener");
    int c = track(socket(AF_INET, SOCK_STREAM, 0));
    set_nonblock(c);
    int kq = kq_new();
    CHECK(kchg(kq, c, EVFILT_WRITE, EV_ADD, 0, 0, 0) == 0, "add before connect");
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(port);
    int r = connect(c, (struct sockaddr *)&a, sizeof a);
    CHECK(r == 0 || errno == EINPROGRESS, "connect errno %d", errno);
    struct kevent ev;
    CHECK(kwait_for(kq, c, EVFILT_WRITE, &ev, 2000) == 1, "not writable after connect completed");
    CHECK(!(ev.flags & EV_EOF), "EV_EOF on a successful connect (flags 0x%x fflags %u)", ev.flags, ev.fflags);
    CHECK(ev.data > 0, "data %ld", (long)ev.data);
    int err = -1;
    socklen_t el = sizeof err;
    CHECK(getsockopt(c, SOL_SOCKET, SO_ERROR, &err, &el) == 0 && err == 0, "SO_ERROR %d", err);
}

static int closed_port(uint16_t *port) {
    int s = tcp_bound(port);
    if (s < 0) return -1;
    xclose(s);
    return 0;
}

static int connect_nb(uint16_t port, int *out, int *immediate_err) {
    int c = track(socket(AF_INET, SOCK_STREAM, 0));
    if (c < 0) return -1;
    set_nonblock(c);
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(port);
    int r = connect(c, (struct sockaddr *)&a, sizeof a);
    *immediate_err = (r == 0) ? 0 : errno;
    *out = c;
    return 0;
}

static void tcp_connect_refused_write_eof(void) {
    uint16_t port;
    CHECK(closed_port(&port) == 0, "port");
    int c, ie;
    CHECK(connect_nb(port, &c, &ie) == 0, "socket");
    CHECK(ie == EINPROGRESS || ie == ECONNREFUSED, "connect errno %d", ie);
    if (ie == ECONNREFUSED) return; /* refused synchronously: nothing to observe */
    int kq = kq_new();
    CHECK(kchg(kq, c, EVFILT_WRITE, EV_ADD, 0, 0, 0) == 0, "add");
    struct kevent ev;
    CHECK(kwait_for(kq, c, EVFILT_WRITE, &ev, 2000) == 1, "refused connect not reported on EVFILT_WRITE");
    CHECK(ev.flags & EV_EOF, "flags 0x%x lack EV_EOF", ev.flags);
    CHECK(ev.fflags == ECONNREFUSED, "fflags %u, want ECONNREFUSED (%d)", ev.fflags, ECONNREFUSED);
    /* reported again (level) and the error is still pending */
    CHECK(kwait_for(kq, c, EVFILT_WRITE, &ev, 500) == 1 && ev.fflags == ECONNREFUSED, "second report fflags %u", ev.fflags);
    int err = -1;
    socklen_t el = sizeof err;
    CHECK(getsockopt(c, SOL_SOCKET, SO_ERROR, &err, &el) == 0, "getsockopt");
    CHECK(err == ECONNREFUSED, "SO_ERROR after the event = %d, want ECONNREFUSED (kevent must not consume it)", err);
}

static void tcp_connect_refused_read_eof(void) {
    uint16_t port;
    CHECK(closed_port(&port) == 0, "port");
    int c, ie;
    CHECK(connect_nb(port, &c, &ie) == 0, "socket");
    if (ie == ECONNREFUSED) return;
    CHECK(ie == EINPROGRESS, "connect errno %d", ie);
    int kq = kq_new();
    CHECK(kchg(kq, c, EVFILT_READ, EV_ADD, 0, 0, 0) == 0, "add");
    struct kevent ev;
    CHECK(kwait_for(kq, c, EVFILT_READ, &ev, 2000) == 1, "refused connect not reported on EVFILT_READ");
    CHECK((ev.flags & EV_EOF) && ev.fflags == ECONNREFUSED, "flags 0x%x fflags %u", ev.flags, ev.fflags);
    char b;
    errno = 0;
    ssize_t r = read(c, &b, 1);
    CHECK(r == -1 && errno == ECONNREFUSED, "read = %zd errno %d, want -1/ECONNREFUSED", r, errno);
}

static void tcp_connect_refused_knote_before_connect(void) {
    uint16_t port;
    CHECK(closed_port(&port) == 0, "port");
    int c = track(socket(AF_INET, SOCK_STREAM, 0));
    set_nonblock(c);
    int kq = kq_new();
    CHECK(kchg(kq, c, EVFILT_WRITE, EV_ADD | EV_CLEAR, 0, 0, 0) == 0, "add");
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(port);
    int r = connect(c, (struct sockaddr *)&a, sizeof a);
    if (r < 0 && errno == ECONNREFUSED) return;
    struct kevent ev;
    CHECK(kwait_for(kq, c, EVFILT_WRITE, &ev, 2000) == 1, "no event");
    CHECK((ev.flags & EV_EOF) && ev.fflags == ECONNREFUSED, "flags 0x%x fflags %u", ev.flags, ev.fflags);
    int err = -1;
    socklen_t el = sizeof err;
    CHECK(getsockopt(c, SOL_SOCKET, SO_ERROR, &err, &el) == 0 && err == ECONNREFUSED, "SO_ERROR %d", err);
    el = sizeof err;
    CHECK(getsockopt(c, SOL_SOCKET, SO_ERROR, &err, &el) == 0 && err == 0, "SO_ERROR not cleared by reading it: %d", err);
}

/* fill c's send path; returns bytes written */
static long fill_socket(int c) {
    static char buf[65536];
    long total = 0;
    for (int i = 0; i < 100000; i++) {
        ssize_t w = send(c, buf, sizeof buf, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (w < 0) { if (errno == EAGAIN) break; return -1; }
        total += w;
    }
    return total;
}

static void tcp_full_send_buffer_not_writable(void) {
    int c, s;
    CHECK(tcp_pair(&c, &s) == 0, "tcp pair");
    int kq = kq_new();
    CHECK(kchg(kq, c, EVFILT_WRITE, EV_ADD, 0, 0, 0) == 0, "add");
    struct kevent ev;
    int ok = 0;
    for (int attempt = 0; attempt < 20 && !ok; attempt++) {
        CHECK(fill_socket(c) >= 0, "send errno %d", errno);
        int r = kwait(kq, &ev, 1, 0);
        if (r == 0) { ok = 1; break; }
        /* reported writable: it must really accept data */
        char b = 'x';
        ssize_t w = send(c, &b, 1, MSG_NOSIGNAL | MSG_DONTWAIT);
        CHECK(w == 1, "reported writable (data %ld) right after EAGAIN but send fails errno %d", (long)ev.data, errno);
    }
    CHECK(ok, "never observed a non-writable socket after filling the send buffer");
    CHECK(drain_fd(s) > 0, "drain");
    /* keep draining until writable */
    long end = now_ms() + 3000;
    int got = 0;
    while (now_ms() < end && !got) {
        drain_fd(s);
        got = kwait_for(kq, c, EVFILT_WRITE, &ev, 50) == 1;
    }
    CHECK(got, "not writable again after the peer drained");
    CHECK(ev.data > 0 && !(ev.flags & EV_EOF), "data %ld flags 0x%x", (long)ev.data, ev.flags);
}

static void tcp_peer_fin_no_write_eof(void) {
    int c, s;
    CHECK(tcp_pair(&c, &s) == 0, "tcp pair");
    int kq = kq_new();
    CHECK(kchg(kq, c, EVFILT_READ, EV_ADD, 0, 0, 0) == 0, "add r");
    CHECK(xclose(s) == 0, "peer close (FIN)");
    struct kevent ev;
    CHECK(kwait_for(kq, c, EVFILT_READ, &ev, 2000) == 1 && (ev.flags & EV_EOF), "read EOF not seen");
    sleep_ms(50);
    CHECK(kchg(kq, c, EVFILT_WRITE, EV_ADD, 0, 0, 0) == 0, "add w");
    CHECK(kwait_for(kq, c, EVFILT_WRITE, &ev, 1000) == 1, "half-closed socket not writable");
    CHECK(!(ev.flags & EV_EOF), "write EV_EOF after a TCP FIN alone (flags 0x%x fflags %u); Darwin reports it only after a reset",
          ev.flags, ev.fflags);
}

static void tcp_write_after_peer_close_eof(void) {
    int c, s;
    CHECK(tcp_pair(&c, &s) == 0, "tcp pair");
    int kq = kq_new();
    CHECK(xclose(s) == 0, "peer close");
    sleep_ms(50);
    CHECK(send(c, "x", 1, MSG_NOSIGNAL) == 1, "first send after FIN succeeds");
    sleep_ms(100); /* RST comes back */
    CHECK(kchg(kq, c, EVFILT_WRITE, EV_ADD, 0, 0, 0) == 0, "add w");
    struct kevent ev;
    long end = now_ms() + 2000;
    int got = 0;
    while (now_ms() < end) {
        if (kwait_for(kq, c, EVFILT_WRITE, &ev, 100) == 1 && (ev.flags & EV_EOF)) { got = 1; break; }
    }
    CHECK(got, "no write EV_EOF after the connection was reset");
    CHECK(ev.fflags == ECONNRESET || ev.fflags == EPIPE, "fflags %u, want ECONNRESET or EPIPE", ev.fflags);
}

static void tcp_shutdown_wr_write_eof(void) {
    int c, s;
    CHECK(tcp_pair(&c, &s) == 0, "tcp pair");
    int kq = kq_new();
    CHECK(kchg(kq, c, EVFILT_WRITE, EV_ADD, 0, 0, 0) == 0, "add");
    CHECK(shutdown(c, SHUT_WR) == 0, "shutdown");
    struct kevent ev;
    CHECK(kwait_for(kq, c, EVFILT_WRITE, &ev, 1000) == 1, "no event");
    CHECK(ev.flags & EV_EOF, "flags 0x%x lack EV_EOF after SHUT_WR", ev.flags);
    CHECK(ev.fflags == 0, "fflags %u, want 0", ev.fflags);
}

static void tcp_write_oneshot(void) {
    int c, s;
    CHECK(tcp_pair(&c, &s) == 0, "tcp pair");
    int kq = kq_new();
    CHECK(kchg(kq, c, EVFILT_WRITE, EV_ADD | EV_ONESHOT, 0, 0, 0) == 0, "add");
    struct kevent ev;
    CHECK(kwait_for(kq, c, EVFILT_WRITE, &ev, 1000) == 1, "no event");
    CHECK(kwait(kq, &ev, 1, 50) == 0, "oneshot fired twice");
    CHECK(kchg(kq, c, EVFILT_WRITE, EV_DELETE, 0, 0, 0) == ENOENT, "oneshot knote not removed");
}

static void tcp_write_clear_quiet(void) {
    int c, s;
    CHECK(tcp_pair(&c, &s) == 0, "tcp pair");
    int kq = kq_new();
    CHECK(kchg(kq, c, EVFILT_WRITE, EV_ADD | EV_CLEAR, 0, 0, 0) == 0, "add");
    struct kevent ev;
    CHECK(kwait_for(kq, c, EVFILT_WRITE, &ev, 1000) == 1, "no event");
    CHECK(kwait(kq, &ev, 1, 100) == 0, "EV_CLEAR write knote fired again without activity");
}

static void tcp_write_dispatch(void) {
    int c, s;
    CHECK(tcp_pair(&c, &s) == 0, "tcp pair");
    int kq = kq_new();
    CHECK(kchg(kq, c, EVFILT_WRITE, EV_ADD | EV_DISPATCH, 0, 0, 0) == 0, "add");
    struct kevent ev;
    CHECK(kwait_for(kq, c, EVFILT_WRITE, &ev, 1000) == 1, "no event");
    CHECK(kwait(kq, &ev, 1, 50) == 0, "dispatch knote fired while disabled");
    CHECK(kchg(kq, c, EVFILT_WRITE, EV_ENABLE, 0, 0, 0) == 0, "enable");
    CHECK(kwait_for(kq, c, EVFILT_WRITE, &ev, 1000) == 1, "no event after re-enable");
}

static void unix_stream_writable_data(void) {
    int sv[2];
    CHECK(sockpair_nb(SOCK_STREAM, sv) == 0, "socketpair");
    int kq = kq_new();
    CHECK(kchg(kq, sv[0], EVFILT_WRITE, EV_ADD, 0, 0, 0) == 0, "add");
    struct kevent ev;
    CHECK(kwait_for(kq, sv[0], EVFILT_WRITE, &ev, 1000) == 1, "not writable");
    CHECK(ev.data > 0 && !(ev.flags & EV_EOF), "data %ld flags 0x%x", (long)ev.data, ev.flags);
}

static void unix_stream_peer_close_write_eof(void) {
    int sv[2];
    CHECK(sockpair_nb(SOCK_STREAM, sv) == 0, "socketpair");
    int kq = kq_new();
    CHECK(kchg(kq, sv[0], EVFILT_WRITE, EV_ADD, 0, 0, 0) == 0, "add");
    CHECK(xclose(sv[1]) == 0, "close peer");
    struct kevent ev;
    CHECK(kwait_for(kq, sv[0], EVFILT_WRITE, &ev, 1000) == 1, "no event");
    CHECK(ev.flags & EV_EOF, "flags 0x%x lack EV_EOF (AF_UNIX peer close disconnects both directions)", ev.flags);
    CHECK(ev.fflags == 0, "fflags %u, want 0", ev.fflags);
}

static void unix_stream_shutdown_wr_eof(void) {
    int sv[2];
    CHECK(sockpair_nb(SOCK_STREAM, sv) == 0, "socketpair");
    int kq = kq_new();
    CHECK(kchg(kq, sv[0], EVFILT_WRITE, EV_ADD, 0, 0, 0) == 0, "add");
    CHECK(kchg(kq, sv[1], EVFILT_READ, EV_ADD, 0, 0, 0) == 0, "add peer read");
    CHECK(shutdown(sv[0], SHUT_WR) == 0, "shutdown");
    struct kevent ev;
    CHECK(kwait_for(kq, sv[0], EVFILT_WRITE, &ev, 1000) == 1 && (ev.flags & EV_EOF), "no write EV_EOF after SHUT_WR");
    CHECK(kwait_for(kq, sv[1], EVFILT_READ, &ev, 1000) == 1 && (ev.flags & EV_EOF), "peer read: no EV_EOF");
}

static void unix_stream_full_not_writable(void) {
    int sv[2];
    CHECK(sockpair_nb(SOCK_STREAM, sv) == 0, "socketpair");
    int kq = kq_new();
    CHECK(kchg(kq, sv[0], EVFILT_WRITE, EV_ADD, 0, 0, 0) == 0, "add");
    CHECK(fill_socket(sv[0]) > 0, "fill");
    struct kevent ev;
    int r = kwait(kq, &ev, 1, 0);
    CHECK(r == 0, "full AF_UNIX stream reported writable (data %ld)", (long)ev.data);
    long end = now_ms() + 3000;
    int got = 0;
    while (!got && now_ms() < end) { drain_fd(sv[1]); got = kwait_for(kq, sv[0], EVFILT_WRITE, &ev, 50) == 1; }
    CHECK(got, "not writable after drain");
}

static void udp_unconnected_writable(void) {
    int u = track(socket(AF_INET, SOCK_DGRAM, 0));
    CHECK(u >= 0, "socket");
    int kq = kq_new();
    CHECK(kchg(kq, u, EVFILT_WRITE, EV_ADD, 0, 0, 0) == 0, "add");
    struct kevent ev;
    CHECK(kwait_for(kq, u, EVFILT_WRITE, &ev, 1000) == 1, "unconnected UDP not writable");
    CHECK(ev.data > 0 && !(ev.flags & EV_EOF), "data %ld flags 0x%x", (long)ev.data, ev.flags);
}

static void unix_dgram_writable(void) {
    int sv[2];
    CHECK(sockpair_nb(SOCK_DGRAM, sv) == 0, "socketpair");
    int kq = kq_new();
    CHECK(kchg(kq, sv[0], EVFILT_WRITE, EV_ADD, 0, 0, 0) == 0, "add");
    struct kevent ev;
    CHECK(kwait_for(kq, sv[0], EVFILT_WRITE, &ev, 1000) == 1 && ev.data > 0, "AF_UNIX dgram not writable");
}

static void pipe_writable_then_full_then_drained(void) {
    int p[2];
    CHECK(pipe_nb(p) == 0, "pipe");
    int kq = kq_new();
    CHECK(kchg(kq, p[1], EVFILT_WRITE, EV_ADD, 0, 0, 0) == 0, "add");
    struct kevent ev;
    CHECK(kwait_for(kq, p[1], EVFILT_WRITE, &ev, 1000) == 1, "empty pipe not writable");
    CHECK(ev.data > 0 && !(ev.flags & EV_EOF), "data %ld flags 0x%x", (long)ev.data, ev.flags);
    static char buf[65536];
    for (;;) { ssize_t w = write(p[1], buf, sizeof buf); if (w < 0) break; }
    for (;;) { ssize_t w = write(p[1], buf, 1); if (w < 0) break; }
    CHECK(kwait(kq, &ev, 1, 0) == 0, "full pipe reported writable (data %ld)", (long)ev.data);
    drain_fd(p[0]);
    CHECK(kwait_for(kq, p[1], EVFILT_WRITE, &ev, 1000) == 1 && ev.data > 0, "drained pipe not writable");
}

static void pipe_reader_closed_write_eof(void) {
    int p[2];
    CHECK(pipe_nb(p) == 0, "pipe");
    int kq = kq_new();
    CHECK(kchg(kq, p[1], EVFILT_WRITE, EV_ADD, 0, 0, 0) == 0, "add");
    CHECK(xclose(p[0]) == 0, "close reader");
    struct kevent ev;
    CHECK(kwait_for(kq, p[1], EVFILT_WRITE, &ev, 1000) == 1, "no event");
    CHECK(ev.flags & EV_EOF, "flags 0x%x lack EV_EOF", ev.flags);
}

static void write_delete_then_readd(void) {
    int c, s;
    CHECK(tcp_pair(&c, &s) == 0, "tcp pair");
    int kq = kq_new();
    CHECK(kchg(kq, c, EVFILT_WRITE, EV_ADD, 0, 0, (void *)1) == 0, "add");
    CHECK(kchg(kq, c, EVFILT_WRITE, EV_DELETE, 0, 0, 0) == 0, "delete");
    struct kevent ev;
    CHECK(kwait(kq, &ev, 1, 50) == 0, "deleted knote fired");
    CHECK(kchg(kq, c, EVFILT_WRITE, EV_ADD, 0, 0, (void *)2) == 0, "re-add");
    CHECK(kwait_for(kq, c, EVFILT_WRITE, &ev, 1000) == 1 && ev.udata == (void *)2, "re-added knote");
}

static void regular_file_writable(void) {
    char path[] = "/tmp/kqconfXXXXXX";
    int fd = track(mkstemp(path));
    CHECK(fd >= 0, "mkstemp");
    unlink(path);
    int kq = kq_new();
    CHECK(kchg(kq, fd, EVFILT_WRITE, EV_ADD, 0, 0, 0) == 0, "EVFILT_WRITE on a regular file");
    struct kevent ev;
    CHECK(kwait_for(kq, fd, EVFILT_WRITE, &ev, 1000) == 1, "regular file not writable");
    CHECK(!(ev.flags & (EV_EOF | EV_ERROR)), "flags 0x%x", ev.flags);
}

int main(int argc, char **argv) {
    static const struct test_case tests[] = {
        T(tcp_fresh_connected_writable),
        T(tcp_write_data_tracks_send_space),
        T(tcp_unconnected_not_writable),
        T(tcp_listener_never_writable),
        T(tcp_nonblocking_connect_becomes_writable),
        T(tcp_connect_refused_write_eof),
        T(tcp_connect_refused_read_eof),
        T(tcp_connect_refused_knote_before_connect),
        TT(tcp_full_send_buffer_not_writable, 30),
        T(tcp_peer_fin_no_write_eof),
        T(tcp_write_after_peer_close_eof),
        T(tcp_shutdown_wr_write_eof),
        T(tcp_write_oneshot),
        T(tcp_write_clear_quiet),
        T(tcp_write_dispatch),
        T(unix_stream_writable_data),
        T(unix_stream_peer_close_write_eof),
        T(unix_stream_shutdown_wr_eof),
        T(unix_stream_full_not_writable),
        T(udp_unconnected_writable),
        T(unix_dgram_writable),
        T(pipe_writable_then_full_then_drained),
        T(pipe_reader_closed_write_eof),
        T(write_delete_then_readd),
        T(regular_file_writable),
    };
    return RUN_ALL(tests);
}
