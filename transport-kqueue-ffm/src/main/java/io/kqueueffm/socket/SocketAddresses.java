package io.kqueueffm.socket;

import io.kqueueffm.abi.SocketAbi;

import java.lang.foreign.MemorySegment;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteOrder;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * sockaddr_in / sockaddr_in6 to and from {@link InetSocketAddress}. BSD sockaddrs begin with a length
 * byte and a one-byte family, Linux's with a two-byte family (abi.md 4.1). An IPv4 address on an IPv6
 * socket travels as an IPv4-mapped address, and comes back as an {@link Inet4Address}, as Netty's
 * transports present it.
 */
public final class SocketAddresses {
    private static final byte[] MAPPED_PREFIX = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte) 0xff, (byte) 0xff};

    private SocketAddresses() {
    }

    private static void family(SocketAbi abi, MemorySegment m, int family, int len) {
        if (abi.bsdSockaddr) {
            m.set(JAVA_BYTE, 0, (byte) len);
            m.set(JAVA_BYTE, 1, (byte) family);
        } else {
            m.set(JAVA_SHORT, 0, (short) family);
        }
    }

    private static int family(SocketAbi abi, MemorySegment m) {
        return abi.bsdSockaddr ? m.get(JAVA_BYTE, 1) & 0xFF : m.get(JAVA_SHORT, 0) & 0xFFFF;
    }

    private static void port(MemorySegment m, int port) {
        m.set(JAVA_BYTE, 2, (byte) (port >>> 8));
        m.set(JAVA_BYTE, 3, (byte) port);
    }

    /**
     * Writes {@code address} as a sockaddr for a socket of family {@code inet6 ? AF_INET6 : AF_INET}
     * into {@code m} (at least 28 bytes) and returns its length.
     */
    public static int encode(SocketAbi abi, MemorySegment m, InetSocketAddress address, boolean inet6) {
        if (address.isUnresolved()) {
            throw new java.nio.channels.UnresolvedAddressException();
        }
        InetAddress ip = address.getAddress();
        byte[] bytes = ip.getAddress();
        m.asSlice(0, SocketAbi.SOCKADDR_IN6_SIZE).fill((byte) 0);
        if (!inet6) {
            if (bytes.length != 4) {
                throw new IllegalArgumentException("IPv6 address " + address + " on an IPv4 socket");
            }
            family(abi, m, SocketAbi.AF_INET, SocketAbi.SOCKADDR_IN_SIZE);
            port(m, address.getPort());
            MemorySegment.copy(bytes, 0, m, JAVA_BYTE, 4, 4);
            return SocketAbi.SOCKADDR_IN_SIZE;
        }
        family(abi, m, abi.afInet6, SocketAbi.SOCKADDR_IN6_SIZE);
        port(m, address.getPort());
        if (bytes.length == 4 && ip.isAnyLocalAddress()) {
            // 0.0.0.0 on a dual-stack socket means "any": in6addr_any, which takes IPv4 and IPv6
            // alike. Its mapped form ::ffff:0.0.0.0 would make the socket IPv4-only.
            return SocketAbi.SOCKADDR_IN6_SIZE;
        }
        if (bytes.length == 4) {
            MemorySegment.copy(MAPPED_PREFIX, 0, m, JAVA_BYTE, 8, 12);
            MemorySegment.copy(bytes, 0, m, JAVA_BYTE, 20, 4);
        } else {
            MemorySegment.copy(bytes, 0, m, JAVA_BYTE, 8, 16);
            if (ip instanceof Inet6Address v6 && v6.getScopeId() != 0) {
                m.set(JAVA_INT.withOrder(ByteOrder.nativeOrder()), 24, v6.getScopeId());
            }
        }
        return SocketAbi.SOCKADDR_IN6_SIZE;
    }

    /** Writes an AF_UNSPEC sockaddr (for disconnecting a datagram socket) and returns its length. */
    static int encodeUnspec(SocketAbi abi, MemorySegment m) {
        family(abi, m, SocketAbi.AF_UNSPEC, SocketAbi.SOCKADDR_IN_SIZE);
        return SocketAbi.SOCKADDR_IN_SIZE;
    }

    /** Reads a sockaddr_in/sockaddr_in6; null for another family (e.g. an unbound socket's AF_UNSPEC). */
    public static InetSocketAddress decode(SocketAbi abi, MemorySegment m, int len) {
        if (len < 4) {
            return null;
        }
        int family = family(abi, m);
        int port = ((m.get(JAVA_BYTE, 2) & 0xFF) << 8) | (m.get(JAVA_BYTE, 3) & 0xFF);
        try {
            if (family == SocketAbi.AF_INET) {
                byte[] b = new byte[4];
                MemorySegment.copy(m, JAVA_BYTE, 4, b, 0, 4);
                return new InetSocketAddress(InetAddress.getByAddress(b), port);
            }
            if (family == abi.afInet6 && len >= SocketAbi.SOCKADDR_IN6_SIZE) {
                byte[] b = new byte[16];
                MemorySegment.copy(m, JAVA_BYTE, 8, b, 0, 16);
                if (isMapped(b)) {
                    byte[] v4 = {b[12], b[13], b[14], b[15]};
                    return new InetSocketAddress(InetAddress.getByAddress(v4), port);
                }
                int scope = m.get(JAVA_INT.withOrder(ByteOrder.nativeOrder()), 24);
                return new InetSocketAddress(Inet6Address.getByAddress(null, b, scope), port);
            }
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
        return null;
    }

    private static boolean isMapped(byte[] b) {
        for (int i = 0; i < 12; i++) {
            if (b[i] != MAPPED_PREFIX[i]) {
                return false;
            }
        }
        return true;
    }
}
