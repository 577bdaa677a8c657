package io.kqueueffm.abi;

/**
 * errno numbers of one operating system (abi.md 3.14). Numbers from 35 up differ between the BSDs
 * and Linux, and above 77 between Darwin and FreeBSD, so the running OS's table decodes every error
 * (under the Linux emulation, errno values are Linux's: semantics.md section 12).
 */
public final class ErrnoTable {
    private static final String[] NAMES = {"EPERM", "ENOENT", "ESRCH", "EINTR", "EIO", "EBADF", "ECHILD", "EDEADLK", "ENOMEM", "EACCES", "EFAULT", "EBUSY", "EEXIST", "ENOTDIR", "EISDIR", "EINVAL", "ENFILE", "EMFILE", "ENOTTY", "ENOSPC", "ESPIPE", "EPIPE", "ERANGE", "EAGAIN", "EWOULDBLOCK", "EINPROGRESS", "EALREADY", "ENOTSOCK", "EDESTADDRREQ", "EMSGSIZE", "EPROTOTYPE", "ENOPROTOOPT", "EPROTONOSUPPORT", "ESOCKTNOSUPPORT", "EOPNOTSUPP", "ENOTSUP", "EPFNOSUPPORT", "EAFNOSUPPORT", "EADDRINUSE", "EADDRNOTAVAIL", "ENETDOWN", "ENETUNREACH", "ENETRESET", "ECONNABORTED", "ECONNRESET", "ENOBUFS", "EISCONN", "ENOTCONN", "ESHUTDOWN", "ETOOMANYREFS", "ETIMEDOUT", "ECONNREFUSED", "ELOOP", "ENAMETOOLONG", "EHOSTDOWN", "EHOSTUNREACH", "ENOTEMPTY", "ENOLCK", "ENOSYS", "EOVERFLOW", "ECANCELED", "EIDRM", "ENOMSG", "EILSEQ", "EBADMSG", "EPROTO", "ENOTRECOVERABLE", "EOWNERDEAD", "ETIME", "ELAST"};
    public static final ErrnoTable DARWIN = new ErrnoTable("darwin", new int[] {1, 2, 3, 4, 5, 9, 10, 11, 12, 13, 14, 16, 17, 20, 21, 22, 23, 24, 25, 28, 29, 32, 34, 35, 35, 36, 37, 38, 39, 40, 41, 42, 43, 44, 102, 45, 46, 47, 48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 58, 59, 60, 61, 62, 63, 64, 65, 66, 77, 78, 84, 89, 90, 91, 92, 94, 100, 104, 105, 101, 106});
    public static final ErrnoTable FREEBSD = new ErrnoTable("freebsd", new int[] {1, 2, 3, 4, 5, 9, 10, 11, 12, 13, 14, 16, 17, 20, 21, 22, 23, 24, 25, 28, 29, 32, 34, 35, 35, 36, 37, 38, 39, 40, 41, 42, 43, 44, 45, 45, 46, 47, 48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 58, 59, 60, 61, 62, 63, 64, 65, 66, 77, 78, 84, 85, 82, 83, 86, 89, 92, 95, 96, -1, 97});
    public static final ErrnoTable LINUX = new ErrnoTable("linux", new int[] {1, 2, 3, 4, 5, 9, 10, 35, 12, 13, 14, 16, 17, 20, 21, 22, 23, 24, 25, 28, 29, 32, 34, 11, 11, 115, 114, 88, 89, 90, 91, 92, 93, 94, 95, 95, 96, 97, 98, 99, 100, 101, 102, 103, 104, 105, 106, 107, 108, 109, 110, 111, 40, 36, 112, 113, 39, 37, 38, 75, 125, 43, 42, 84, 74, 71, 131, 130, 62, -1});

    private final String name;
    private final int[] numbers;
    private final String[] byNumber;

    private ErrnoTable(String name, int[] numbers) {
        this.name = name;
        this.numbers = numbers;
        int max = 0;
        for (int n : numbers) {
            max = Math.max(max, n);
        }
        byNumber = new String[max + 1];
        // First name wins for aliases (EAGAIN before EWOULDBLOCK, ENOTSUP/EOPNOTSUPP on FreeBSD/Linux).
        for (int i = 0; i < numbers.length; i++) {
            if (numbers[i] >= 0 && byNumber[numbers[i]] == null) {
                byNumber[numbers[i]] = NAMES[i];
            }
        }
    }

    /** The number of {@code symbol} on this OS, or -1 where the OS does not define it. */
    public int number(String symbol) {
        for (int i = 0; i < NAMES.length; i++) {
            if (NAMES[i].equals(symbol)) {
                return numbers[i];
            }
        }
        throw new IllegalArgumentException("unknown errno symbol " + symbol);
    }

    /** The symbolic name of {@code errno} on this OS, e.g. "EBADF", or "errno N" if unknown. */
    public String name(int errno) {
        if (errno >= 0 && errno < byNumber.length && byNumber[errno] != null) {
            return byNumber[errno];
        }
        return "errno " + errno;
    }

    @Override
    public String toString() {
        return name;
    }
}
