package io.kqueueffm.socket;

import io.kqueueffm.abi.SocketAbi;

import java.lang.foreign.MemorySegment;
import java.net.Inet6Address;
import java.net.InetSocketAddress;

import static java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED;
import static java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED;

/**
 * The last peer of one datagram socket, in both forms: a datagram socket mostly talks to the same few
 * peers (a DNS server, the other end of a ping-pong), so decoding the sender of every datagram and
 * encoding the recipient of every send would allocate an address each time for the same bytes. One
 * entry per direction: a hit costs a few word compares, a miss what it would have cost anyway.
 * Not thread-safe: one per channel, used on its event loop.
 */
public final class InetSockaddrCache {
    private final Entry received = new Entry();
    private final Entry sent = new Entry();

    /** The sender in the {@code len} bytes of sockaddr at {@code m}; the same object for the same bytes. */
    public InetSocketAddress decode(SocketAbi abi, MemorySegment m, int len) {
        Entry e = received;
        if (e.address != null && e.matches(m, len)) {
            return e.address;
        }
        InetSocketAddress a = SocketAddresses.decode(abi, m, len);
        e.store(a, m, len);
        return a;
    }

    /**
     * Writes {@code to} as a sockaddr for a socket of family {@code inet6 ? AF_INET6 : AF_INET} into
     * {@code m} and returns its length, re-encoding only when {@code to} differs from the last one.
     */
    public int encode(SocketAbi abi, MemorySegment m, InetSocketAddress to, boolean inet6) {
        Entry e = sent;
        // InetSocketAddress.equals ignores an IPv6 scope, which the sockaddr carries.
        if (e.address == null || !e.address.equals(to) || scope(e.address) != scope(to)) {
            int len = SocketAddresses.encode(abi, m, to, inet6);
            e.store(to, m, len);
            return len;
        }
        e.writeTo(m);
        return e.len;
    }

    private static int scope(InetSocketAddress a) {
        return a.getAddress() instanceof Inet6Address v6 ? v6.getScopeId() : 0;
    }

    /** Up to 28 bytes (a sockaddr_in6) as three longs and an int. */
    private static final class Entry {
        InetSocketAddress address;
        int len;
        long w0;
        long w1;
        long w2;
        int w3;

        boolean matches(MemorySegment m, int n) {
            if (n != len || m.get(JAVA_LONG_UNALIGNED, 0) != w0 || m.get(JAVA_LONG_UNALIGNED, 8) != w1) {
                return false;
            }
            return n <= 16 || m.get(JAVA_LONG_UNALIGNED, 16) == w2 && m.get(JAVA_INT_UNALIGNED, 24) == w3;
        }

        void store(InetSocketAddress a, MemorySegment m, int n) {
            if (n > SocketAbi.SOCKADDR_IN6_SIZE) {
                address = null;
                return;
            }
            address = a;
            len = n;
            w0 = m.get(JAVA_LONG_UNALIGNED, 0);
            w1 = m.get(JAVA_LONG_UNALIGNED, 8);
            w2 = n > 16 ? m.get(JAVA_LONG_UNALIGNED, 16) : 0;
            w3 = n > 16 ? m.get(JAVA_INT_UNALIGNED, 24) : 0;
        }

        void writeTo(MemorySegment m) {
            m.set(JAVA_LONG_UNALIGNED, 0, w0);
            m.set(JAVA_LONG_UNALIGNED, 8, w1);
            if (len > 16) {
                m.set(JAVA_LONG_UNALIGNED, 16, w2);
                m.set(JAVA_INT_UNALIGNED, 24, w3);
            }
        }
    }
}
