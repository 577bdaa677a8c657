/* The emulation's Darwin sendfile: counts, offsets, end of file, and partial sends that block. */
#include "harness.h"

#include <signal.h>
#include <sys/time.h>

int sendfile(int fd, int s, off_t offset, off_t *len, void *hdtr, int flags);

static int temp_file(long size)
{
	char path[] = "/tmp/kq-sendfile-XXXXXX";
	int fd = mkstemp(path);
	if (fd < 0)
		return -1;
	unlink(path);
	unsigned char buf[4096];
	for (long off = 0; off < size; ) {
		long n = size - off < (long)sizeof buf ? size - off : (long)sizeof buf;
		for (long i = 0; i < n; i++)
			buf[i] = (unsigned char)((off + i) * 7);
		if (write(fd, buf, (size_t)n) != n)
			return -1;
		off += n;
	}
	return fd;
}

static void on_alarm(int sig)
{
	(void)sig;
}

static int pair(int sv[2])
{
	return socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
}

static void t_count_and_offset(void)
{
	int f = temp_file(10000);
	int sv[2];
	CHECK(f >= 0 && pair(sv) == 0, "setup");
	off_t len = 1000;
	CHECK(sendfile(f, sv[0], 300, &len, NULL, 0) == 0, "sendfile");
	CHECK(len == 1000, "sent %ld", (long)len);
	unsigned char got[1000];
	CHECK(read(sv[1], got, sizeof got) == 1000, "read");
	for (int i = 0; i < 1000; i++)
		CHECK(got[i] == (unsigned char)((300 + i) * 7), "byte %d", i);
	CHECK(lseek(f, 0, SEEK_CUR) == 10000, "the file offset moved");
	close(f);
	close(sv[0]);
	close(sv[1]);
}

static void t_zero_means_to_eof(void)
{
	int f = temp_file(5000);
	int sv[2];
	CHECK(f >= 0 && pair(sv) == 0, "setup");
	off_t len = 0;
	CHECK(sendfile(f, sv[0], 4000, &len, NULL, 0) == 0, "sendfile");
	CHECK(len == 1000, "sent %ld", (long)len);
	len = 500;
	CHECK(sendfile(f, sv[0], 4800, &len, NULL, 0) == 0, "past the end");
	CHECK(len == 200, "sent %ld up to EOF", (long)len);
	close(f);
	close(sv[0]);
	close(sv[1]);
}

static void t_eagain_reports_partial_count(void)
{
	long size = 8L << 20;
	int f = temp_file(size);
	int sv[2];
	CHECK(f >= 0 && pair(sv) == 0, "setup");
	int sz = 16384;
	setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &sz, sizeof sz);
	CHECK(fcntl(sv[0], F_SETFL, O_NONBLOCK) == 0, "nonblock");
	off_t len = size;
	int r = sendfile(f, sv[0], 0, &len, NULL, 0);
	CHECK(r == -1 && errno == EAGAIN, "r=%d", r);
	CHECK(len > 0 && len < size, "partial count %ld", (long)len);
	/* Draining and resuming at offset + len yields the file exactly once. */
	off_t total = len;
	long got = 0;
	unsigned char buf[65536];
	for (int rounds = 0; got < size && rounds < 100000; rounds++) {
		ssize_t n = read(sv[1], buf, sizeof buf);
		if (n > 0) {
			for (ssize_t i = 0; i < n; i++)
				CHECK(buf[i] == (unsigned char)((got + i) * 7), "byte %ld", got + i);
			got += n;
		}
		if (total < size) {
			off_t more = size - total;
			r = sendfile(f, sv[0], total, &more, NULL, 0);
			CHECK(r == 0 || errno == EAGAIN, "resume: errno %d", errno);
			total += more;
		}
	}
	CHECK(got == size && total == size, "got %ld, sent %ld", got, (long)total);
	close(f);
	close(sv[0]);
	close(sv[1]);
}

static void t_bad_arguments(void)
{
	int f = temp_file(10);
	int sv[2];
	CHECK(f >= 0 && pair(sv) == 0, "setup");
	off_t len = 1;
	CHECK(sendfile(f, sv[0], 0, NULL, NULL, 0) == -1 && errno == EINVAL, "NULL len");
	CHECK(sendfile(f, sv[0], -1, &len, NULL, 0) == -1 && errno == EINVAL, "negative offset");
	CHECK(sendfile(f, sv[0], 0, &len, NULL, 1) == -1 && errno == EINVAL, "flags");
	char hdtr[32] = {0};
	len = 1;
	CHECK(sendfile(f, sv[0], 0, &len, hdtr, 0) == -1 && errno == EOPNOTSUPP && len == 0, "hdtr");
	close(f);
	close(sv[0]);
	close(sv[1]);
}

/*
 * A signal interrupts a sendfile blocked on a full socket: -1/EINTR, with the bytes that did go out
 * in *len. Resuming from there delivers every byte of the file exactly once, in order.
 */
static void t_signal_mid_transfer_counts_what_was_sent(void)
{
	long size = 4L << 20;
	int f = temp_file(size);
	int sv[2];
	CHECK(f >= 0 && pair(sv) == 0, "setup");
	int small = 4096;
	setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &small, sizeof small);
	setsockopt(sv[1], SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
	struct sigaction sa, old;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_alarm;       /* no SA_RESTART: the blocked call returns */
	sigaction(SIGALRM, &sa, &old);
	struct itimerval every50ms = { { 0, 50000 }, { 0, 50000 } };
	setitimer(ITIMER_REAL, &every50ms, NULL);
	off_t len = size;
	errno = 0;
	int r = sendfile(f, sv[0], 0, &len, NULL, 0);   /* blocking socket, nobody reads yet */
	int e = errno;
	struct itimerval stop = { { 0, 0 }, { 0, 0 } };
	setitimer(ITIMER_REAL, &stop, NULL);
	sigaction(SIGALRM, &old, NULL);
	CHECK(r == -1 && e == EINTR, "interrupted: r %d errno %d", r, e);
	CHECK(len > 0 && len < size, "the bytes sent are reported: %ld", (long)len);

	set_nonblock(sv[0]);
	set_nonblock(sv[1]);
	off_t next = len;
	long received = 0;
	int bad = 0;
	unsigned char buf[65536];
	long end = h_now_ms() + 20000;
	while (received < size && h_now_ms() < end) {
		if (next < size) {
			off_t chunk = size - next;
			int rr = sendfile(f, sv[0], next, &chunk, NULL, 0);
			CHECK(rr == 0 || errno == EAGAIN || errno == EINTR, "resume: errno %d", errno);
			next += chunk;
		}
		ssize_t n = read(sv[1], buf, sizeof buf);
		for (ssize_t i = 0; i < n; i++)
			if (buf[i] != (unsigned char)((received + i) * 7))
				bad++;
		if (n > 0)
			received += n;
	}
	CHECK(received == size && next == size, "received %ld of %ld, sent up to %ld", received, size, (long)next);
	CHECK(bad == 0, "%d bytes out of place (sent twice or lost)", bad);
	close(f);
	close(sv[0]);
	close(sv[1]);
}

int main(void)
{
	signal(SIGPIPE, SIG_IGN);
	RUN(t_count_and_offset);
	RUN(t_zero_means_to_eof);
	RUN(t_eagain_reports_partial_count);
	RUN(t_signal_mid_transfer_counts_what_was_sent);
	RUN(t_bad_arguments);
	return h_finish();
}
