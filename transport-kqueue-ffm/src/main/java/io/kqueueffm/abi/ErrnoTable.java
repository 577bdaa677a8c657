package io.kqueueffm.abi;

import java.util.List;

/**
 * errno numbers of one operating system (abi.md 3.14). Numbers from 35 up differ between the BSDs
 * and Linux, and above 77 between Darwin and FreeBSD, so the running OS's table decodes every error
 * (under the Linux emulation, errno values are Linux's: semantics.md section 12).
 */
public final class ErrnoTable {
    private static final String[] NAMES = {"EPERM", "ENOENT", "ESRCH", "EINTR", "EIO", "EBADF", "ECHILD", "EDEADLK", "ENOMEM", "EACCES", "EFAULT", "EBUSY", "EEXIST", "ENOTDIR", "EISDIR", "EINVAL", "ENFILE", "EMFILE", "ENOTTY", "ENOSPC", "ESPIPE", "EPIPE", "ERANGE", "EAGAIN", "EWOULDBLOCK", "EINPROGRESS", "EALREADY", "ENOTSOCK", "EDESTADDRREQ", "EMSGSIZE", "EPROTOTYPE", "ENOPROTOOPT", "EPROTONOSUPPORT", "ESOCKTNOSUPPORT", "EOPNOTSUPP", "ENOTSUP", "EPFNOSUPPORT", "EAFNOSUPPORT", "EADDRINUSE", "EADDRNOTAVAIL", "ENETDOWN", "ENETUNREACH", "ENETRESET", "ECONNABORTED", "ECONNRESET", "ENOBUFS", "EISCONN", "ENOTCONN", "ESHUTDOWN", "ETOOMANYREFS", "ETIMEDOUT", "ECONNREFUSED", "ELOOP", "ENAMETOOLONG", "EHOSTDOWN", "EHOSTUNREACH", "ENOTEMPTY", "ENOLCK", "ENOSYS", "EOVERFLOW", "ECANCELED", "EIDRM", "ENOMSG", "EILSEQ", "EBADMSG", "EPROTO", "ENOTRECOVERABLE", "EOWNERDEAD", "ETIME", "ELAST"};
    /** strerror's wording (BSD), index for index with the names. */
    private static final String[] MESSAGES = {"Operation not permitted", "No such file or directory", "No such process", "Interrupted system call", "Input/output error", "Bad file descriptor", "No child processes", "Resource deadlock avoided", "Cannot allocate memory", "Permission denied", "Bad address", "Device or resource busy", "File exists", "Not a directory", "Is a directory", "Invalid argument", "Too many open files in system", "Too many open files", "Inappropriate ioctl for device", "No space left on device", "Illegal seek", "Broken pipe", "Result too large", "Resource temporarily unavailable", "Operation would block", "Operation now in progress", "Operation already in progress", "Socket operation on non-socket", "Destination address required", "Message too long", "Protocol wrong type for socket", "Protocol not available", "Protocol not supported", "Socket type not supported", "Operation not supported on socket", "Operation not supported", "Protocol family not supported", "Address family not supported by protocol family", "Address already in use", "Can't assign requested address", "Network is down", "Network is unreachable", "Network dropped connection on reset", "Software caused connection abort", "Connection reset by peer", "No buffer space available", "Socket is already connected", "Socket is not connected", "Can't send after socket shutdown", "Too many references: can't splice", "Operation timed out", "Connection refused", "Too many levels of symbolic links", "File name too long", "Host is down", "No route to host", "Directory not empty", "No locks available", "Function not implemented", "Value too large to be stored in data type", "Operation canceled", "Identifier removed", "No message of desired type", "Illegal byte sequence", "Bad message", "Protocol error", "State not recoverable", "Previous owner died", "Timer expired", "Last errno value"};
    public static final ErrnoTable DARWIN = new ErrnoTable("darwin", new int[] {1, 2, 3, 4, 5, 9, 10, 11, 12, 13, 14, 16, 17, 20, 21, 22, 23, 24, 25, 28, 29, 32, 34, 35, 35, 36, 37, 38, 39, 40, 41, 42, 43, 44, 102, 45, 46, 47, 48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 58, 59, 60, 61, 62, 63, 64, 65, 66, 77, 78, 84, 89, 90, 91, 92, 94, 100, 104, 105, 101, 106});
    public static final ErrnoTable FREEBSD = new ErrnoTable("freebsd", new int[] {1, 2, 3, 4, 5, 9, 10, 11, 12, 13, 14, 16, 17, 20, 21, 22, 23, 24, 25, 28, 29, 32, 34, 35, 35, 36, 37, 38, 39, 40, 41, 42, 43, 44, 45, 45, 46, 47, 48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 58, 59, 60, 61, 62, 63, 64, 65, 66, 77, 78, 84, 85, 82, 83, 86, 89, 92, 95, 96, -1, 97});
    public static final ErrnoTable LINUX = new ErrnoTable("linux", new int[] {1, 2, 3, 4, 5, 9, 10, 35, 12, 13, 14, 16, 17, 20, 21, 22, 23, 24, 25, 28, 29, 32, 34, 11, 11, 115, 114, 88, 89, 90, 91, 92, 93, 94, 95, 95, 96, 97, 98, 99, 100, 101, 102, 103, 104, 105, 106, 107, 108, 109, 110, 111, 40, 36, 112, 113, 39, 37, 38, 75, 125, 43, 42, 84, 74, 71, 131, 130, 62, -1});

    private final String name;
    private final int[] numbers;
    private final String[] byNumber;
    private final String[] messageByNumber;

    private ErrnoTable(String name, int[] numbers) {
        this.name = name;
        this.numbers = numbers;
        int max = 0;
        for (int n : numbers) {
            max = Math.max(max, n);
        }
        byNumber = new String[max + 1];
        messageByNumber = new String[max + 1];
        // First name wins for aliases (EAGAIN before EWOULDBLOCK, ENOTSUP/EOPNOTSUPP on FreeBSD/Linux).
        for (int i = 0; i < numbers.length; i++) {
            if (numbers[i] >= 0 && byNumber[numbers[i]] == null) {
                byNumber[numbers[i]] = NAMES[i];
                messageByNumber[numbers[i]] = MESSAGES[i];
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

    /** strerror's text for {@code errno} on this OS ("Connection reset by peer"), or "errno N" if unknown. */
    public String message(int errno) {
        if (errno >= 0 && errno < messageByNumber.length && messageByNumber[errno] != null) {
            return messageByNumber[errno];
        }
        return "errno " + errno;
    }

    /** Every symbolic name this table knows, for tests that walk the whole table. */
    public static List<String> names() {
        return List.of(NAMES);
    }

    @Override
    public String toString() {
        return name;
    }
}
