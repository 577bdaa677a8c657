package io.kqueueffm.socket;

import io.kqueueffm.abi.SocketAbi;
import io.netty.channel.unix.DomainSocketAddress;

import java.lang.foreign.MemorySegment;
import java.net.SocketAddress;
import java.net.SocketException;
import java.net.UnixDomainSocketAddress;
import java.nio.charset.StandardCharsets;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * sockaddr_un to and from Netty's {@link DomainSocketAddress} (abi.md 4.1). The BSDs begin it with
 * {@code sun_len} and a one-byte family and hold 104 path bytes; Linux has a two-byte family and 108.
 * The JDK's {@link UnixDomainSocketAddress} is taken too. On Linux a path that starts with a NUL byte
 * is an abstract name (no file), as Netty's epoll transport spells it.
 */
public final class UnixSocketAddresses {
    /** sun_path follows a two-byte header on every OS (sun_len + sun_family, or sun_family). */
    static final int PATH_OFFSET = 2;

    private UnixSocketAddresses() {
    }

    public static boolean isUnix(SocketAddress address) {
        return address instanceof DomainSocketAddress || address instanceof UnixDomainSocketAddress;
    }

    /** The path of either address type, or null for another type. */
    public static String path(SocketAddress address) {
        if (address instanceof DomainSocketAddress d) {
            return d.path();
        }
        if (address instanceof UnixDomainSocketAddress u) {
            return u.getPath().toString();
        }
        return null;
    }

    /** {@code address} as Netty's type, which the domain channels report. */
    public static DomainSocketAddress toDomain(SocketAddress address) {
        if (address == null || address instanceof DomainSocketAddress) {
            return (DomainSocketAddress) address;
        }
        String path = path(address);
        if (path == null) {
            throw new IllegalArgumentException("not a Unix domain socket address: " + address);
        }
        return new DomainSocketAddress(path);
    }

    /** Whether the sockaddr in {@code m} is an AF_UNIX one. */
    static boolean isUnix(SocketAbi abi, MemorySegment m, int len) {
        if (len < PATH_OFFSET) {
            return false;
        }
        int family = abi.bsdSockaddr ? m.get(JAVA_BYTE, 1) & 0xFF : m.get(JAVA_SHORT, 0) & 0xFFFF;
        return family == SocketAbi.AF_UNIX;
    }

    /**
     * Writes {@code address} as a sockaddr_un into {@code m} (at least {@code 2 + abi.sunPathSize}
     * bytes) and returns the length to pass with it.
     *
     * @throws SocketException naming the path if it does not fit in this OS's sun_path, or if it is an
     *     abstract name on an OS without them
     */
    public static int encode(SocketAbi abi, MemorySegment m, SocketAddress address) throws SocketException {
        return encode(abi, m, pathBytes(address));
    }

    /** The bytes of {@code address}'s path as sun_path takes them, for {@link #encode(SocketAbi, MemorySegment, byte[])}. */
    public static byte[] pathBytes(SocketAddress address) {
        String path = path(address);
        if (path == null) {
            throw new IllegalArgumentException("not a Unix domain socket address: " + address);
        }
        return path.getBytes(StandardCharsets.UTF_8);
    }

    /** As {@link #encode(SocketAbi, MemorySegment, SocketAddress)}, from {@link #pathBytes} kept by the caller. */
    public static int encode(SocketAbi abi, MemorySegment m, byte[] bytes) throws SocketException {
        if (bytes.length == 0) {
            throw new SocketException("empty Unix domain socket path");
        }
        boolean abstractName = bytes[0] == 0;
        if (abstractName && !abi.abstractUnixNames) {
            throw new SocketException("abstract Unix domain socket names (a path starting with NUL) do not exist on "
                    + abi + ": " + printable(bytes));
        }
        // A file path keeps its terminating NUL inside sun_path; an abstract name is exactly its bytes.
        int max = abstractName ? abi.sunPathSize : abi.sunPathSize - 1;
        if (bytes.length > max) {
            throw new SocketException("Unix domain socket path too long: " + bytes.length + " bytes, at most " + max
                    + " on " + abi + ": " + printable(bytes));
        }
        m.asSlice(0, PATH_OFFSET + abi.sunPathSize).fill((byte) 0);
        MemorySegment.copy(bytes, 0, m, JAVA_BYTE, PATH_OFFSET, bytes.length);
        int len = PATH_OFFSET + bytes.length + (abstractName ? 0 : 1);
        if (abi.bsdSockaddr) {
            m.set(JAVA_BYTE, 0, (byte) len);
            m.set(JAVA_BYTE, 1, (byte) SocketAbi.AF_UNIX);
        } else {
            m.set(JAVA_SHORT, 0, (short) SocketAbi.AF_UNIX);
        }
        return len;
    }

    /**
     * Reads a sockaddr_un of {@code len} bytes. An unnamed socket (a client that never bound) has the
     * empty path, as in Netty's transports.
     */
    public static DomainSocketAddress decode(SocketAbi abi, MemorySegment m, int len) {
        int n = Math.min(len, PATH_OFFSET + abi.sunPathSize) - PATH_OFFSET;
        if (n <= 0) {
            return new DomainSocketAddress("");
        }
        boolean abstractName = abi.abstractUnixNames && m.get(JAVA_BYTE, PATH_OFFSET) == 0 && n > 1;
        int end = n;
        if (!abstractName) {
            // The kernel may count the NUL (or, on the BSDs, report the whole structure).
            for (int i = 0; i < n; i++) {
                if (m.get(JAVA_BYTE, PATH_OFFSET + i) == 0) {
                    end = i;
                    break;
                }
            }
        }
        byte[] bytes = new byte[end];
        MemorySegment.copy(m, JAVA_BYTE, PATH_OFFSET, bytes, 0, end);
        return new DomainSocketAddress(new String(bytes, StandardCharsets.UTF_8));
    }

    private static String printable(byte[] path) {
        return new String(path, StandardCharsets.UTF_8).replace("\0", "\\0");
    }
}
