package io.kqueueffm.abi;

/**
 * The two BSD shapes of {@code sendfile} (abi.md section 5). Both take the file first and the socket
 * second and report the bytes sent even when they fail with EAGAIN or EINTR; they differ in where
 * the count goes in and the sent bytes come out.
 */
public enum SendfileAbi {
    /**
     * Darwin: {@code int sendfile(int fd, int s, off_t offset, off_t *len, struct sf_hdtr *hdtr, int flags)};
     * {@code *len} is the count on input and the bytes sent on output.
     */
    DARWIN(6),
    /**
     * FreeBSD: {@code int sendfile(int fd, int s, off_t offset, size_t nbytes, struct sf_hdtr *hdtr,
     * off_t *sbytes, int flags)}; the count by value, the bytes sent through {@code *sbytes}.
     */
    FREEBSD(7);

    /** The number of arguments of the C function. */
    public final int arity;

    SendfileAbi(int arity) {
        this.arity = arity;
    }
}
