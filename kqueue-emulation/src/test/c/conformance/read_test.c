/* EVFILT_READ conformance (Darwin kernel semantics, Linux errno numbers). */
#include "conformance.h"

/* wait until the read knote reports data >= want (or EOF); returns 1 on success */
static int wait_read_data(int kq, int fd, long want, struct kevent *out, long ms) {
    long end = now_ms() + ms;
    struct kevent ev;
    memset(&ev, 0, sizeof ev);
    while (now_ms() < end) {
        int r = kwait_for(kq, fd, EVFILT_READ, &ev, 50);
        if (r == 1 && (ev.data >= want || (ev.flags & EV_EOF))) { if (out) *out = ev; return 1; }
        if (r < 0) return 0;
    }
    if (out) *out = ev;
    return 0;
}

static void tcp_data_byte_count(void) {
    int c, s;
    CHECK(tcp_pair(&c, &s) == 0, "tcp pair");
    int kq = kq_new();
    CHECK(kchg(kq, s, EVFILT_READ, EV_ADD, 0, 0, (void *)0x42) == 0, "add");
    struct kevent ev;
    CHECK(kwait(kq, &ev, 1, 50) == 0, "readable before any data");
    CHECK(write_n(c, 100, 'a') == 100, "send");
    CHECK(wait_read_data(kq, s, 100, &ev, 2000), "no event with data 100 (last data %ld)", (long)ev.data);
    CHECK(ev.data == 100, "data %ld, want 100", (long)ev.data);
    CHECK(ev.ident == (uintptr_t)s && ev.filter == EVFILT_READ && ev.udata == (void *)0x42, "ident/filter/udata");
    CHECK(!(ev.flags & EV_EOF) && !(ev.flags & EV_ERROR), "flags 0x%x", ev.flags);
    CHECK(ev.fflags == 0, "fflags 0x%x", ev.fflags);
    CHECK(ev.flags & EV_ADD, "returned flags 0x%x lack EV_ADD (Darwin keeps it)", ev.flags);
    char buf[40];
    CHECK(read(s, buf, 40) == 40, "read");
    CHECK(kwait_for(kq, s, EVFILT_READ, &ev, 1000) == 1 && ev.data == 60, "after reading 40: data %ld, want 60", (long)ev.data);
    drain_fd(s);
    CHECK(kwait(kq, &ev, 1, 50) == 0, "readable after draining");
}

static void tcp_level_triggered_repeats(void) {
    int c, s;
    CHECK(tcp_pair(&c, &s) == 0, "tcp pair");
    int kq = kq_new();
    CHECK(kchg(kq, s, EVFILT_READ, EV_ADD, 0, 0, 0) == 0, "add");
    CHECK(write_n(c, 10, 'a') == 10, "send");
    struct kevent ev;
    CHECK(wait_read_data(kq, s, 10, &ev, 2000), "no event");
    for (int i = 0; i < 3; i++)
        CHECK(kwait(kq, &ev, 1, 0) == 1 && ev.data == 10, "level-triggered event %d missing", i);
}

static void tcp_ev_clear_edge(void) {
    int c, s;
    CHECK(tcp_pair(&c, &s) == 0, "tcp pair");
    int kq = kq_new();
    CHECK(kchg(kq, s, EVFILT_READ, EV_ADD | EV_CLEAR, 0, 0, 0) == 0, "add");
    CHECK(write_n(c, 10, 'a') == 10, "send");
    struct kevent ev;
    CHECK(kwait_for(kq, s, EVFILT_READ, &ev, 2000) == 1, "no first event");
    CHECK(ev.flags & EV_CLEAR, "flags 0x%x lack EV_CLEAR", ev.flags);
    CHECK(kwait(kq, &ev, 1, 100) == 0, "EV_CLEAR knote fired again without new data");
    CHECK(write_n(c, 5, 'b') == 5, "send 2");
    CHECK(kwait_for(kq, s, EVFILT_READ, &ev, 2000) == 1, "no event after new data");
    CHECK(ev.data == 15, "data %ld, want 15 (all unread bytes)", (long)ev.data);
    CHECK(kwait(kq, &ev, 1, 100) == 0, "fired again");
}

static void tcp_oneshot(void) {
    int c, s;
    CHECK(tcp_pair(&c, &s) == 0, "tcp pair");
    int kq = kq_new();
    CHECK(kchg(kq, s, EVFILT_READ, EV_ADD | EV_ONESHOT, 0, 0, 0) == 0, "add");
    CHECK(write_n(c, 10, 'a') == 10, "send");
    struct kevent ev;
    CHECK(kwait_for(kq, s, EVFILT_READ, &ev, 2000) == 1, "no event");
    CHECK(ev.flags & EV_ONESHOT, "flags 0x%x lack EV_ONESHOT", ev.flags);
    CHECK(kwait(kq, &ev, 1, 50) == 0, "oneshot fired twice");
    CHECK(kchg(kq, s, EVFILT_READ, EV_DELETE, 0, 0, 0) == ENOENT, "oneshot knote not deleted");
}

static void tcp_dispatch(void) {
    int c, s;
    CHECK(tcp_pair(&c, &s) == 0, "tcp pair");
    int kq = kq_new();
    CHECK(kchg(kq, s, EVFILT_READ, EV_ADD | EV_DISPATCH, 0, 0, 0) == 0, "add");
    CHECK(write_n(c, 10, 'a') == 10, "send");
    struct kevent ev;
    CHECK(kwait_for(kq, s, EVFILT_READ, &ev, 2000) == 1, "no event");
    CHECK(ev.flags & EV_DISPATCH, "flags 0x%x lack EV_DISPATCH", ev.flags);
    CHECK(kwait(kq, &ev, 1, 50) == 0, "dispatch knote fired while disabled");
    CHECK(write_n(c, 10, 'a') == 10, "send");
    CHECK(kwait(kq, &ev, 1, 100) == 0, "dispatch knote fired on new data while disabled");
    CHECK(kchg(kq, s, EVFILT_READ, EV_ENABLE, 0, 0, 0) == 0, "enable");
    CHECK(kwait_for(kq, s, EVFILT_READ, &ev, 1000) == 1 && ev.data == 20, "after re-enable: data %ld", (long)ev.data);
    CHECK(kchg(kq, s, EVFILT_READ, EV_DELETE, 0, 0, 0) == 0, "knote gone (dispatch must not delete)");
}

static void tcp_disable_enable(void) {
    int c, s;
    CHECK(tcp_pair(&c, &s) == 0, "tcp pair");
    int kq = kq_new();
    CHECK(kchg(kq, s, EVFILT_READ, EV_ADD, 0, 0, 0) == 0, "add");
    CHECK(kchg(kq, s, EVFILT_READ, EV_DISABLE, 0, 0, 0) == 0, "disable");
    CHECK(write_n(c, 7, 'a') == 7, "send");
    sleep_ms(50);
    struct kevent ev;
    CHECK(kwait(kq, &ev, 1, 50) == 0, "disabled knote fired");
    CHECK(kchg(kq, s, EVFILT_READ, EV_ENABLE, 0, 0, 0) == 0, "enable");
    CHECK(kwait_for(kq, s, EVFILT_READ, &ev, 1000) == 1 && ev.data == 7, "pending data not reported after enable");
}

static void tcp_disable_enable_clear(void) {
    int c, s;
    CHECK(tcp_pair(&c, &s) == 0, "tcp pair");
    int kq = kq_new();
    CHECK(kchg(kq, s, EVFILT_READ, EV_ADD | EV_CLEAR | EV_DISABLE, 0, 0, 0) == 0, "add disabled");
    CHECK(write_n(c, 7, 'a') == 7, "send");
    sleep_ms(50);
    struct kevent ev;
    CHECK(kwait(kq, &ev, 1, 50) == 0, "disabled knote fired");
    CHECK(kchg(kq, s, EVFILT_READ, EV_ENABLE, 0, 0, 0) == 0, "enable");
    CHECK(kwait_for(kq, s, EVFILT_READ, &ev, 1000) == 1 && ev.data == 7,
          "EV_CLEAR knote: data that arrived while disabled not reported after enable");
}

static void tcp_delete_stops(void) {
    int c, s;
    CHECK(tcp_pair(&c, &s) == 0, "tcp pair");
    int kq = kq_new();
    CHECK(kchg(kq, s, EVFILT_READ, EV_ADD, 0, 0, 0) == 0, "add");
    CHECK(write_n(c, 7, 'a') == 7, "send");
    struct kevent ev;
    CHECK(wait_read_data(kq, s, 7, &ev, 2000), "no event");
    CHECK(kchg(kq, s, EVFILT_READ, EV_DELETE, 0, 0, 0) == 0, "delete");
    CHECK(kwait(kq, &ev, 1, 50) == 0, "event after delete");
}

static void listen_queue_length(void) {
    uint16_t port;
    int l = tcp_bound(&port);
    CHECK(l >= 0, "bind");
    int kq = kq_new();
    CHECK(kchg(kq, l, EVFILT_READ, EV_ADD, 0, 0, 0) == 0, "add before listen() errno");
    struct kevent ev;
    CHECK(kwait(kq, &ev, 1, 50) == 0, "non-listening socket readable");
    CHECK(listen(l, 16) == 0, "listen");
    CHECK(kwait(kq, &ev, 1, 50) == 0, "listener readable with empty queue");
    int cl[3];
    for (int i = 0; i < 3; i++) { cl[i] = tcp_connect_blocking(port); CHECK(cl[i] >= 0, "connect %d", i); }
    CHECK(wait_read_data(kq, l, 3, &ev, 2000), "listener data %ld, want 3 pending connections", (long)ev.data);
    CHECK(ev.data == 3, "data %ld, want 3", (long)ev.data);
    CHECK(!(ev.flags & EV_EOF), "EV_EOF on listener");
    int a = track(accept(l, NULL, NULL));
    CHECK(a >= 0, "accept");
    CHECK(kwait_for(kq, l, EVFILT_READ, &ev, 1000) == 1 && ev.data == 2, "after 1 accept data %ld, want 2", (long)ev.data);
    track(accept(l, NULL, NULL));
    track(accept(l, NULL, NULL));
    CHECK(kwait(kq, &ev, 1, 50) == 0, "listener readable with empty queue");
}

static void listen_ev_clear(void) {
    uint16_t port;
    int l = tcp_listener(&port);
    CHECK(l >= 0, "listen");
    int kq = kq_new();
    CHECK(kchg(kq, l, EVFILT_READ, EV_ADD | EV_CLEAR, 0, 0, 0) == 0, "add");
    CHECK(tcp_connect_blocking(port) >= 0, "connect");
    struct kevent ev;
    CHECK(kwait_for(kq, l, EVFILT_READ, &ev, 2000) == 1 && ev.data == 1, "first connection data %ld", (long)ev.data);
    CHECK(kwait(kq, &ev, 1, 50) == 0, "EV_CLEAR listener fired again");
    CHECK(tcp_connect_blocking(port) >= 0, "connect 2");
    CHECK(wait_read_data(kq, l, 2, &ev, 2000) && ev.data == 2, "second connection data %ld, want 2", (long)ev.data);
}

static void tcp_peer_close_eof_with_data(void) {
    int c, s;
    CHECK(tcp_pair(&c, &s) == 0, "tcp pair");
    int kq = kq_new();
    CHECK(kchg(kq, s, EVFILT_READ, EV_ADD, 0, 0, 0) == 0, "add");
    CHECK(write_n(c, 33, 'a') == 33, "send");
    CHECK(xclose(c) == 0, "close peer");
    struct kevent ev;
    long end = now_ms() + 2000;
    int got = 0;
    while (now_ms() < end) {
        if (kwait_for(kq, s, EVFILT_READ, &ev, 100) == 1 && (ev.flags & EV_EOF)) { got = 1; break; }
    }
    CHECK(got, "no EV_EOF after peer close");
    CHECK(ev.fflags == 0, "fflags %u, want 0 for an orderly close", ev.fflags);
    CHECK(ev.data == 33, "data %ld, want 33 unread bytes", (long)ev.data);
    CHECK(drain_fd(s) == 33, "drain");
    CHECK(kwait_for(kq, s, EVFILT_READ, &ev, 500) == 1 && (ev.flags & EV_EOF) && ev.data == 0,
          "after drain: EOF still reported with data 0 (flags 0x%x data %ld)", ev.flags, (long)ev.data);
    char b;
    CHECK(read(s, &b, 1) == 0, "read returns 0 at EOF");
}

static void tcp_peer_close_eof_clear(void) {
    int c, s;
    CHECK(tcp_pair(&c, &s) == 0, "tcp pair");
    int kq = kq_new();
    CHECK(kchg(kq, s, EVFILT_READ, EV_ADD | EV_CLEAR, 0, 0, 0) == 0, "add");
    CHECK(xclose(c) == 0, "close peer");
    struct kevent ev;
    CHECK(kwait_for(kq, s, EVFILT_READ, &ev, 2000) == 1, "no event");
    CHECK(ev.flags & EV_EOF, "flags 0x%x lack EV_EOF", ev.flags);
    CHECK(ev.data == 0, "data %ld", (long)ev.data);
}

static int make_rst(int c) {
    struct linger lg = { 1, 0 };
    if (setsockopt(c, SOL_SOCKET, SO_LINGER, &lg, sizeof lg) < 0) return -1;
    return xclose(c);
}

static void tcp_rst_eof_econnreset(void) {
    int c, s;
    CHECK(tcp_pair(&c, &s) == 0, "tcp pair");
    int kq = kq_new();
    CHECK(kchg(kq, s, EVFILT_READ, EV_ADD, 0, 0, 0) == 0, "add");
    CHECK(make_rst(c) == 0, "abortive close");
    struct kevent ev;
    CHECK(kwait_for(kq, s, EVFILT_READ, &ev, 2000) == 1, "no event after RST");
    CHECK(ev.flags & EV_EOF, "flags 0x%x lack EV_EOF", ev.flags);
    CHECK(ev.fflags == ECONNRESET, "fflags %u, want ECONNRESET (%d)", ev.fflags, ECONNRESET);
    /* the error is still pending for the application (kevent must not consume it) */
    CHECK(kwait_for(kq, s, EVFILT_READ, &ev, 500) == 1 && ev.fflags == ECONNRESET, "second report fflags %u", ev.fflags);
    char b;
    errno = 0;
    ssize_t r = read(s, &b, 1);
    CHECK(r == -1 && errno == ECONNRESET, "read after RST = %zd errno %d, want -1/ECONNRESET", r, errno);
}

static void tcp_rst_so_error_preserved(void) {
    int c, s;
    CHECK(tcp_pair(&c, &s) == 0, "tcp pair");
    int kq = kq_new();
    CHECK(kchg(kq, s, EVFILT_READ, EV_ADD, 0, 0, 0) == 0, "add");
    CHECK(make_rst(c) == 0, "abortive close");
    struct kevent ev;
    CHECK(kwait_for(kq, s, EVFILT_READ, &ev, 2000) == 1 && (ev.flags & EV_EOF), "no EOF event after RST");
    int err = -1;
    socklen_t l = sizeof err;
    CHECK(getsockopt(s, SOL_SOCKET, SO_ERROR, &err, &l) == 0, "getsockopt");
    CHECK(err == ECONNRESET, "SO_ERROR after the event = %d, want ECONNRESET", err);
}

/* After the kqueue reported the reset, every receive entry point still sees the pending error once. */
static void rst_error_via(int which) {
    int c, s;
    CHECK(tcp_pair(&c, &s) == 0, "tcp pair");
    int kq = kq_new();
    CHECK(kchg(kq, s, EVFILT_READ, EV_ADD, 0, 0, 0) == 0, "add");
    CHECK(kchg(kq, s, EVFILT_WRITE, EV_ADD, 0, 0, 0) == 0, "add w");
    CHECK(make_rst(c) == 0, "abortive close");
    struct kevent ev;
    CHECK(kwait_for(kq, s, EVFILT_READ, &ev, 2000) == 1 && (ev.flags & EV_EOF), "no EOF after RST");
    /* poll both filters a few times: evaluation must not consume the socket error */
    for (int i = 0; i < 3; i++) kcount(kq, s, EVFILT_WRITE, NULL);
    char buf[8];
    struct iovec iov = { buf, sizeof buf };
    struct msghdr mh;
    memset(&mh, 0, sizeof mh);
    mh.msg_iov = &iov;
    mh.msg_iovlen = 1;
    struct sockaddr_storage ss;
    socklen_t sl = sizeof ss;
    ssize_t r = 0;
    const char *name = "?";
    errno = 0;
    switch (which) {
    case 0: name = "read"; r = read(s, buf, sizeof buf); break;
    case 1: name = "recv"; r = recv(s, buf, sizeof buf, 0); break;
    case 2: name = "readv"; r = readv(s, &iov, 1); break;
    case 3: name = "recvmsg"; r = recvmsg(s, &mh, 0); break;
    case 4: name = "recvfrom"; r = recvfrom(s, buf, sizeof buf, 0, (struct sockaddr *)&ss, &sl); break;
    }
    CHECK(r == -1 && errno == ECONNRESET, "%s after the RST event = %zd errno %d, want -1/ECONNRESET", name, r, errno);
    errno = 0;
    r = read(s, buf, sizeof buf);
    CHECK(r == 0, "second read = %zd errno %d, want 0 (error reported once)", r, errno);
}
static void tcp_rst_error_read(void) { rst_error_via(0); }
static void tcp_rst_error_recv(void) { rst_error_via(1); }
static void tcp_rst_error_readv(void) { rst_error_via(2); }
static void tcp_rst_error_recvmsg(void) { rst_error_via(3); }
static void tcp_rst_error_recvfrom(void) { rst_error_via(4); }

static void tcp_rst_getsockopt_once(void) {
    int c, s;
    CHECK(tcp_pair(&c, &s) == 0, "tcp pair");
    int kq = kq_new();
    CHECK(kchg(kq, s, EVFILT_READ, EV_ADD, 0, 0, 0) == 0, "add");
    CHECK(make_rst(c) == 0, "abortive close");
    struct kevent ev;
    CHECK(kwait_for(kq, s, EVFILT_READ, &ev, 2000) == 1 && (ev.flags & EV_EOF), "no EOF after RST");
    CHECK(kwait_for(kq, s, EVFILT_READ, &ev, 200) == 1, "no second report");
    int err = -1;
    socklen_t l = sizeof err;
    CHECK(getsockopt(s, SOL_SOCKET, SO_ERROR, &err, &l) == 0 && err == ECONNRESET, "first SO_ERROR %d", err);
    l = sizeof err;
    CHECK(getsockopt(s, SOL_SOCKET, SO_ERROR, &err, &l) == 0 && err == 0, "second SO_ERROR %d, want 0 (cleared)", err);
}

static void tcp_shutdown_rd_eof(void) {
    int c, s;
    CHECK(tcp_pair(&c, &s) == 0, "tcp pair");
    int kq = kq_new();
    CHECK(kchg(kq, s, EVFILT_READ, EV_ADD, 0, 0, 0) == 0, "add");
    CHECK(shutdown(s, SHUT_RD) == 0, "shutdown");
    struct kevent ev;
    CHECK(kwait_for(kq, s, EVFILT_READ, &ev, 2000) == 1, "no event after SHUT_RD");
    CHECK(ev.flags & EV_EOF, "flags 0x%x lack EV_EOF", ev.flags);
    CHECK(ev.fflags == 0, "fflags %u", ev.fflags);
}

static void tcp_shutdown_wr_peer_eof(void) {
    int c, s;
    CHECK(tcp_pair(&c, &s) == 0, "tcp pair");
    int kq = kq_new();
    CHECK(kchg(kq, s, EVFILT_READ, EV_ADD, 0, 0, 0) == 0, "add");
    CHECK(shutdown(c, SHUT_WR) == 0, "shutdown");
    struct kevent ev;
    CHECK(kwait_for(kq, s, EVFILT_READ, &ev, 2000) == 1 && (ev.flags & EV_EOF), "no EV_EOF after peer SHUT_WR");
    CHECK(ev.fflags == 0 && ev.data == 0, "fflags %u data %ld", ev.fflags, (long)ev.data);
}

static void tcp_note_lowat(void) {
    int c, s;
    CHECK(tcp_pair(&c, &s) == 0, "tcp pair");
    int kq = kq_new();
    CHECK(kchg(kq, s, EVFILT_READ, EV_ADD, NOTE_LOWAT, 10, 0) == 0, "add");
    CHECK(write_n(c, 5, 'a') == 5, "send");
    sleep_ms(100);
    struct kevent ev;
    CHECK(kwait(kq, &ev, 1, 50) == 0, "fired below NOTE_LOWAT (data %ld)", (long)ev.data);
    CHECK(write_n(c, 5, 'a') == 5, "send");
    CHECK(kwait_for(kq, s, EVFILT_READ, &ev, 2000) == 1, "not fired at NOTE_LOWAT");
    CHECK(ev.data == 10, "data %ld", (long)ev.data);
    /* modify the threshold: 20 -> not ready any more */
    CHECK(kchg(kq, s, EVFILT_READ, EV_ADD, NOTE_LOWAT, 20, 0) == 0, "modify");
    CHECK(kwait(kq, &ev, 1, 50) == 0, "fired below the new NOTE_LOWAT");
}

static void tcp_note_lowat_eof_overrides(void) {
    int c, s;
    CHECK(tcp_pair(&c, &s) == 0, "tcp pair");
    int kq = kq_new();
    CHECK(kchg(kq, s, EVFILT_READ, EV_ADD, NOTE_LOWAT, 100, 0) == 0, "add");
    CHECK(write_n(c, 5, 'a') == 5, "send");
    CHECK(xclose(c) == 0, "close");
    struct kevent ev;
    CHECK(kwait_for(kq, s, EVFILT_READ, &ev, 2000) == 1, "EOF below NOTE_LOWAT not reported");
    CHECK((ev.flags & EV_EOF) && ev.data == 5, "flags 0x%x data %ld", ev.flags, (long)ev.data);
}

static void tcp_rcvlowat_respected(void) {
    int c, s;
    CHECK(tcp_pair(&c, &s) == 0, "tcp pair");
    int lw = 8;
    CHECK(setsockopt(s, SOL_SOCKET, SO_RCVLOWAT, &lw, sizeof lw) == 0, "SO_RCVLOWAT");
    int kq = kq_new();
    CHECK(kchg(kq, s, EVFILT_READ, EV_ADD, 0, 0, 0) == 0, "add");
    CHECK(write_n(c, 5, 'a') == 5, "send");
    sleep_ms(100);
    struct kevent ev;
    CHECK(kwait(kq, &ev, 1, 50) == 0, "fired below SO_RCVLOWAT");
    CHECK(write_n(c, 3, 'a') == 3, "send");
    CHECK(kwait_for(kq, s, EVFILT_READ, &ev, 2000) == 1 && ev.data == 8, "not fired at SO_RCVLOWAT");
}

static void tcp_note_lowat_cannot_lower_rcvlowat(void) {
    int c, s;
    CHECK(tcp_pair(&c, &s) == 0, "tcp pair");
    int lw = 8;
    CHECK(setsockopt(s, SOL_SOCKET, SO_RCVLOWAT, &lw, sizeof lw) == 0, "SO_RCVLOWAT");
    int kq = kq_new();
    CHECK(kchg(kq, s, EVFILT_READ, EV_ADD, NOTE_LOWAT, 2, 0) == 0, "add");
    CHECK(write_n(c, 5, 'a') == 5, "send");
    sleep_ms(100);
    struct kevent ev;
    CHECK(kwait(kq, &ev, 1, 50) == 0, "NOTE_LOWAT 2 lowered SO_RCVLOWAT 8 (Darwin clamps)");
    CHECK(write_n(c, 3, 'a') == 3, "send");
    CHECK(kwait_for(kq, s, EVFILT_READ, &ev, 2000) == 1 && ev.data == 8, "not fired at SO_RCVLOWAT");
}

static void udp_datagrams(void) {
    int a = track(socket(AF_INET, SOCK_DGRAM, 0)), b = track(socket(AF_INET, SOCK_DGRAM, 0));
    CHECK(a >= 0 && b >= 0, "sockets");
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    CHECK(bind(b, (struct sockaddr *)&sa, sizeof sa) == 0, "bind");
    socklen_t l = sizeof sa;
    getsockname(b, (struct sockaddr *)&sa, &l);
    set_nonblock(b);
    int kq = kq_new();
    CHECK(kchg(kq, b, EVFILT_READ, EV_ADD, 0, 0, 0) == 0, "add");
    struct kevent ev;
    CHECK(kwait(kq, &ev, 1, 50) == 0, "empty UDP socket readable");
    char buf[64] = { 0 };
    CHECK(sendto(a, buf, 10, 0, (struct sockaddr *)&sa, sizeof sa) == 10, "sendto");
    CHECK(kwait_for(kq, b, EVFILT_READ, &ev, 2000) == 1, "no event for datagram");
    CHECK(ev.data == 10, "one 10-byte datagram: data %ld, want 10", (long)ev.data);
    CHECK(sendto(a, buf, 20, 0, (struct sockaddr *)&sa, sizeof sa) == 20, "sendto");
    sleep_ms(50);
    CHECK(kwait_for(kq, b, EVFILT_READ, &ev, 2000) == 1, "no event");
    CHECK(ev.data == 30, "two datagrams 10+20: data %ld, want 30 (Darwin: all protocol bytes in the buffer)", (long)ev.data);
    CHECK(recv(b, buf, sizeof buf, 0) == 10, "recv 1");
    CHECK(kwait_for(kq, b, EVFILT_READ, &ev, 1000) == 1 && ev.data == 20, "after 1 recv data %ld, want 20", (long)ev.data);
    CHECK(recv(b, buf, sizeof buf, 0) == 20, "recv 2");
    CHECK(kwait(kq, &ev, 1, 50) == 0, "readable after draining");
}

static void unix_stream_pair(void) {
    int sv[2];
    CHECK(sockpair_nb(SOCK_STREAM, sv) == 0, "socketpair");
    int kq = kq_new();
    CHECK(kchg(kq, sv[0], EVFILT_READ, EV_ADD, 0, 0, 0) == 0, "add");
    struct kevent ev;
    CHECK(kwait(kq, &ev, 1, 50) == 0, "readable with no data");
    CHECK(write_n(sv[1], 123, 'u') == 123, "send");
    CHECK(kwait_for(kq, sv[0], EVFILT_READ, &ev, 1000) == 1 && ev.data == 123, "data %ld, want 123", (long)ev.data);
    CHECK(xclose(sv[1]) == 0, "close peer");
    CHECK(kwait_for(kq, sv[0], EVFILT_READ, &ev, 1000) == 1, "no event after close");
    CHECK((ev.flags & EV_EOF) && ev.data == 123 && ev.fflags == 0, "flags 0x%x data %ld fflags %u", ev.flags, (long)ev.data, ev.fflags);
}

static void unix_dgram_pair(void) {
    int sv[2];
    CHECK(sockpair_nb(SOCK_DGRAM, sv) == 0, "socketpair");
    int kq = kq_new();
    CHECK(kchg(kq, sv[0], EVFILT_READ, EV_ADD, 0, 0, 0) == 0, "add");
    char buf[64] = { 0 };
    CHECK(send(sv[1], buf, 10, 0) == 10, "send");
    struct kevent ev;
    CHECK(kwait_for(kq, sv[0], EVFILT_READ, &ev, 1000) == 1 && ev.data == 10, "data %ld, want 10", (long)ev.data);
    CHECK(send(sv[1], buf, 20, 0) == 20, "send");
    CHECK(kwait_for(kq, sv[0], EVFILT_READ, &ev, 1000) == 1 && ev.data == 30,
          "two datagrams: data %ld, want 30 (Darwin counts all bytes)", (long)ev.data);
}

static void pipe_data_and_eof(void) {
    int p[2];
    CHECK(pipe_nb(p) == 0, "pipe");
    int kq = kq_new();
    CHECK(kchg(kq, p[0], EVFILT_READ, EV_ADD, 0, 0, 0) == 0, "add");
    struct kevent ev;
    CHECK(kwait(kq, &ev, 1, 50) == 0, "empty pipe readable");
    CHECK(write(p[1], "hello", 5) == 5, "write");
    CHECK(kwait_for(kq, p[0], EVFILT_READ, &ev, 1000) == 1 && ev.data == 5, "data %ld, want 5", (long)ev.data);
    CHECK(!(ev.flags & EV_EOF), "EOF with writer open");
    CHECK(xclose(p[1]) == 0, "close writer");
    CHECK(kwait_for(kq, p[0], EVFILT_READ, &ev, 1000) == 1, "no event after writer close");
    CHECK((ev.flags & EV_EOF) && ev.data == 5, "flags 0x%x data %ld, want EV_EOF with 5 unread", ev.flags, (long)ev.data);
    CHECK(ev.fflags == 0, "fflags %u", ev.fflags);
    drain_fd(p[0]);
    CHECK(kwait_for(kq, p[0], EVFILT_READ, &ev, 1000) == 1 && (ev.flags & EV_EOF) && ev.data == 0, "EOF after drain");
}

static void pipe_eof_empty(void) {
    int p[2];
    CHECK(pipe_nb(p) == 0, "pipe");
    int kq = kq_new();
    CHECK(kchg(kq, p[0], EVFILT_READ, EV_ADD | EV_CLEAR, 0, 0, 0) == 0, "add");
    CHECK(xclose(p[1]) == 0, "close writer");
    struct kevent ev;
    CHECK(kwait_for(kq, p[0], EVFILT_READ, &ev, 1000) == 1 && (ev.flags & EV_EOF) && ev.data == 0,
          "flags 0x%x data %ld", ev.flags, (long)ev.data);
}

static void pipe_add_after_writer_closed(void) {
    int p[2];
    CHECK(pipe_nb(p) == 0, "pipe");
    CHECK(xclose(p[1]) == 0, "close writer");
    int kq = kq_new();
    CHECK(kchg(kq, p[0], EVFILT_READ, EV_ADD, 0, 0, 0) == 0, "add");
    struct kevent ev;
    CHECK(kwait_for(kq, p[0], EVFILT_READ, &ev, 1000) == 1 && (ev.flags & EV_EOF), "no EOF for already-closed writer");
}

static void pipe_oneshot_clear_multiple_writes(void) {
    int p[2];
    CHECK(pipe_nb(p) == 0, "pipe");
    int kq = kq_new();
    CHECK(kchg(kq, p[0], EVFILT_READ, EV_ADD | EV_CLEAR, 0, 0, 0) == 0, "add");
    for (int i = 0; i < 5; i++) CHECK(write(p[1], "ab", 2) == 2, "write");
    struct kevent ev[4];
    int r = kwait(kq, ev, 4, 1000);
    CHECK(r == 1 && ev[0].data == 10, "r %d data %ld, want 1 event with data 10", r, (long)ev[0].data);
    CHECK(kwait(kq, ev, 4, 50) == 0, "EV_CLEAR pipe fired twice");
}

static void regular_file_offset(void) {
    char path[] = "/tmp/kqconfXXXXXX";
    int fd = track(mkstemp(path));
    CHECK(fd >= 0, "mkstemp");
    unlink(path);
    char buf[1000];
    memset(buf, 'f', sizeof buf);
    CHECK(write(fd, buf, 1000) == 1000, "write");
    CHECK(lseek(fd, 100, SEEK_SET) == 100, "lseek");
    int kq = kq_new();
    CHECK(kchg(kq, fd, EVFILT_READ, EV_ADD, 0, 0, 0) == 0, "add regular file");
    struct kevent ev;
    CHECK(kwait_for(kq, fd, EVFILT_READ, &ev, 1000) == 1, "regular file not readable");
    CHECK(ev.data == 900, "data %ld, want 900 (size - offset)", (long)ev.data);
    CHECK(lseek(fd, 400, SEEK_SET) == 400, "lseek");
    CHECK(kwait_for(kq, fd, EVFILT_READ, &ev, 1000) == 1 && ev.data == 600, "data %ld, want 600", (long)ev.data);
}

static void regular_file_at_eof_not_ready(void) {
    char path[] = "/tmp/kqconfXXXXXX";
    int fd = track(mkstemp(path));
    CHECK(fd >= 0, "mkstemp");
    unlink(path);
    CHECK(write(fd, "0123456789", 10) == 10, "write");
    int kq = kq_new();
    CHECK(kchg(kq, fd, EVFILT_READ, EV_ADD, 0, 0, 0) == 0, "add");
    struct kevent ev;
    CHECK(kwait(kq, &ev, 1, 50) == 0, "file at EOF reported readable (data %ld)", (long)ev.data);
    /* a write extending the file posts the knote */
    CHECK(pwrite(fd, "abcde", 5, 10) == 5, "append");
    CHECK(kwait_for(kq, fd, EVFILT_READ, &ev, 1000) == 1 && ev.data == 5, "after the file grew by 5: data %ld, want 5", (long)ev.data);
}

static void regular_file_past_eof_negative(void) {
    char path[] = "/tmp/kqconfXXXXXX";
    int fd = track(mkstemp(path));
    CHECK(fd >= 0, "mkstemp");
    unlink(path);
    CHECK(write(fd, "0123456789", 10) == 10, "write");
    CHECK(lseek(fd, 30, SEEK_SET) == 30, "lseek");
    int kq = kq_new();
    CHECK(kchg(kq, fd, EVFILT_READ, EV_ADD, 0, 0, 0) == 0, "add");
    struct kevent ev;
    CHECK(kwait_for(kq, fd, EVFILT_READ, &ev, 1000) == 1, "past-EOF offset not reported");
    CHECK(ev.data == -20, "data %ld, want -20", (long)ev.data);
}

static void read_and_write_filters_independent(void) {
    int c, s;
    CHECK(tcp_pair(&c, &s) == 0, "tcp pair");
    int kq = kq_new();
    CHECK(kchg(kq, s, EVFILT_READ, EV_ADD, 0, 0, (void *)1) == 0, "add r");
    CHECK(kchg(kq, s, EVFILT_WRITE, EV_ADD, 0, 0, (void *)2) == 0, "add w");
    struct kevent ev[4];
    CHECK(kwait_for(kq, s, EVFILT_WRITE, &ev[0], 1000) == 1 && ev[0].udata == (void *)2, "write event");
    CHECK(kcount(kq, s, EVFILT_READ, NULL) == 0, "read fired without data");
    CHECK(kchg(kq, s, EVFILT_WRITE, EV_DELETE, 0, 0, 0) == 0, "delete w");
    CHECK(write_n(c, 3, 'a') == 3, "send");
    CHECK(kwait_for(kq, s, EVFILT_READ, &ev[0], 1000) == 1 && ev[0].udata == (void *)1, "read event");
    CHECK(kcount(kq, s, EVFILT_WRITE, NULL) == 0, "deleted write filter fired");
}

static void many_sockets_one_kqueue(void) {
    enum { N = 64 };
    int sv[N][2];
    int kq = kq_new();
    for (int i = 0; i < N; i++) {
        CHECK(sockpair_nb(SOCK_STREAM, sv[i]) == 0, "socketpair %d", i);
        CHECK(kchg(kq, sv[i][0], EVFILT_READ, EV_ADD | EV_CLEAR, 0, 0, (void *)(intptr_t)i) == 0, "add %d", i);
    }
    for (int i = 0; i < N; i += 2) CHECK(write(sv[i][1], "x", 1) == 1, "write");
    int seen[N] = { 0 }, total = 0;
    long end = now_ms() + 2000;
    while (total < N / 2 && now_ms() < end) {
        struct kevent ev[16];
        int r = kwait(kq, ev, 16, 100);
        CHECK(r >= 0, "kevent errno %d", errno);
        for (int k = 0; k < r; k++) { seen[(intptr_t)ev[k].udata]++; total++; }
    }
    for (int i = 0; i < N; i++)
        CHECK(seen[i] == (i % 2 == 0 ? 1 : 0), "socket %d seen %d times", i, seen[i]);
}

static void fifo_read_and_eof(void) {
    char path[64];
    snprintf(path, sizeof path, "/tmp/kqconf-fifo-%d", (int)getpid());
    unlink(path);
    CHECK(mkfifo(path, 0600) == 0, "mkfifo errno %d", errno);
    int r = track(open(path, O_RDONLY | O_NONBLOCK));
    int w = track(open(path, O_WRONLY | O_NONBLOCK));
    unlink(path);
    CHECK(r >= 0 && w >= 0, "open fifo");
    int kq = kq_new();
    CHECK(kchg(kq, r, EVFILT_READ, EV_ADD, 0, 0, 0) == 0, "add");
    struct kevent ev;
    CHECK(kwait(kq, &ev, 1, 50) == 0, "empty fifo readable");
    CHECK(write(w, "12345", 5) == 5, "write");
    CHECK(kwait_for(kq, r, EVFILT_READ, &ev, 1000) == 1 && ev.data == 5, "fifo data %ld, want 5", (long)ev.data);
    CHECK(xclose(w) == 0, "close writer");
    CHECK(kwait_for(kq, r, EVFILT_READ, &ev, 1000) == 1 && (ev.flags & EV_EOF), "no EV_EOF after fifo writer closed");
}

static void tcp_shutdown_rdwr_both_eof(void) {
    int c, s;
    CHECK(tcp_pair(&c, &s) == 0, "tcp pair");
    int kq = kq_new();
    CHECK(kchg(kq, c, EVFILT_READ, EV_ADD, 0, 0, 0) == 0, "add r");
    CHECK(kchg(kq, c, EVFILT_WRITE, EV_ADD, 0, 0, 0) == 0, "add w");
    CHECK(shutdown(c, SHUT_RDWR) == 0, "shutdown");
    struct kevent ev;
    CHECK(kwait_for(kq, c, EVFILT_READ, &ev, 1000) == 1 && (ev.flags & EV_EOF), "read: no EV_EOF");
    CHECK(kwait_for(kq, c, EVFILT_WRITE, &ev, 1000) == 1 && (ev.flags & EV_EOF), "write: no EV_EOF");
}

int main(int argc, char **argv) {
    static const struct test_case tests[] = {
        T(tcp_data_byte_count),
        T(tcp_level_triggered_repeats),
        T(tcp_ev_clear_edge),
        T(tcp_oneshot),
        T(tcp_dispatch),
        T(tcp_disable_enable),
        T(tcp_disable_enable_clear),
        T(tcp_delete_stops),
        T(listen_queue_length),
        T(listen_ev_clear),
        T(tcp_peer_close_eof_with_data),
        T(tcp_peer_close_eof_clear),
        T(tcp_rst_eof_econnreset),
        T(tcp_rst_so_error_preserved),
        T(tcp_rst_error_read),
        T(tcp_rst_error_recv),
        T(tcp_rst_error_readv),
        T(tcp_rst_error_recvmsg),
        T(tcp_rst_error_recvfrom),
        T(tcp_rst_getsockopt_once),
        T(tcp_shutdown_rd_eof),
        T(tcp_shutdown_wr_peer_eof),
        T(tcp_note_lowat),
        T(tcp_note_lowat_eof_overrides),
        T(tcp_rcvlowat_respected),
        T(tcp_note_lowat_cannot_lower_rcvlowat),
        T(udp_datagrams),
        T(unix_stream_pair),
        T(unix_dgram_pair),
        T(pipe_data_and_eof),
        T(pipe_eof_empty),
        T(pipe_add_after_writer_closed),
        T(pipe_oneshot_clear_multiple_writes),
        T(regular_file_offset),
        T(regular_file_at_eof_not_ready),
        T(regular_file_past_eof_negative),
        T(read_and_write_filters_independent),
        T(many_sockets_one_kqueue),
        T(fifo_read_and_eof),
        T(tcp_shutdown_rdwr_both_eof),
    };
    return RUN_ALL(tests);
}
