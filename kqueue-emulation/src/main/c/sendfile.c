/*
 * Darwin's sendfile(2), so that the transport's Darwin code path is the one tested on Linux:
 *
 *   int sendfile(int fd, int s, off_t offset, off_t *len, struct sf_hdtr *hdtr, int flags);
 *
 * and in the FreeBSD build (KQ_ABI_FREEBSD) FreeBSD's, with the same rules, the count by value and
 * the bytes sent through sbytes (which may be NULL):
 *
 *   int sendfile(int fd, int s, off_t offset, size_t nbytes, struct sf_hdtr *hdtr, off_t *sbytes, int flags);
 *
 * fd is the file, s the stream socket; *len is the count to send (0: up to end of file) and, on
 * return, the count sent, on success and on failure alike: a non-blocking socket that fills up
 * returns -1/EAGAIN with the bytes it did take in *len (so does EINTR), and a caller that ignored
 * them would send them twice. Returns 0 once *len bytes were sent or the file ended.
 *
 * Headers and trailers (hdtr) are not emulated: the transport never passes them, and a non-NULL
 * hdtr fails with EOPNOTSUPP rather than being ignored.
 */
#include <errno.h>
#include <sys/stat.h>

#include "kq_internal.h"

/* Linux's sendfile(2) moves at most this much per call (MAX_RW_COUNT). */
#define LINUX_SENDFILE_MAX 0x7ffff000L

static int bsd_sendfile(int fd, int s, off_t offset, off_t *len, void *hdtr, int flags)
{
	if (len == NULL || offset < 0 || *len < 0 || flags != 0) {
		errno = EINVAL;
		return -1;
	}
	if (hdtr != NULL) {
		*len = 0;
		errno = EOPNOTSUPP;
		return -1;
	}
	off_t want = *len;
	if (want == 0) {
		struct stat st;
		if (fstat(fd, &st) < 0)
			return -1;   /* *len stays 0: nothing sent */
		want = st.st_size > offset ? st.st_size - offset : 0;
	}
	off_t pos = offset;
	off_t sent = 0;
	while (sent < want) {
		off_t chunk = want - sent < LINUX_SENDFILE_MAX ? want - sent : LINUX_SENDFILE_MAX;
		/* The raw call: the name sendfile is this function in this library. */
		long r = syscall(SYS_sendfile, s, fd, &pos, (size_t)chunk);
		if (r < 0) {
			int e = errno;
			*len = sent;
			errno = e;
			return -1;
		}
		if (r == 0)
			break;          /* end of file before the count */
		sent += r;
	}
	*len = sent;
	return 0;
}

#ifdef KQ_ABI_FREEBSD
KQ_API int sendfile(int fd, int s, off_t offset, size_t nbytes, void *hdtr, off_t *sbytes, int flags)
{
	/* SF_NODISKIO, SF_NOCACHE and the readahead bits are hints Linux has no use for. */
	(void)flags;
	off_t len = (off_t)nbytes;
	int r = bsd_sendfile(fd, s, offset, &len, hdtr, 0);
	if (sbytes != NULL)
		*sbytes = len;
	return r;
}
#else
KQ_API int sendfile(int fd, int s, off_t offset, off_t *len, void *hdtr, int flags)
{
	return bsd_sendfile(fd, s, offset, len, hdtr, flags);
}
#endif
