package io.kqueueffm.socket;

import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteOrder;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

/** The per-channel peer cache must never hand out another peer's sockaddr. */
class InetSockaddrCacheTest {
    private static final int SCOPE_OFFSET = 24;

    /** InetSocketAddress.equals ignores an IPv6 scope; the sockaddr must not. */
    @Test
    void encodeKeepsEachScope() throws Exception {
        byte[] linkLocal = InetAddress.getByName("fe80::1").getAddress();
        InetSocketAddress scope1 = new InetSocketAddress(Inet6Address.getByAddress(null, linkLocal, 1), 53);
        InetSocketAddress scope2 = new InetSocketAddress(Inet6Address.getByAddress(null, linkLocal, 2), 53);
        InetSockaddrCache cache = new InetSockaddrCache();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment m = arena.allocate(128, 8);
            cache.encode(Socket.abi(), m, scope1, true);
            assertEquals(1, m.get(JAVA_INT.withOrder(ByteOrder.nativeOrder()), SCOPE_OFFSET));
            cache.encode(Socket.abi(), m, scope2, true);
            assertEquals(2, m.get(JAVA_INT.withOrder(ByteOrder.nativeOrder()), SCOPE_OFFSET));
            cache.encode(Socket.abi(), m, scope1, true);
            assertEquals(1, m.get(JAVA_INT.withOrder(ByteOrder.nativeOrder()), SCOPE_OFFSET));
        }
    }

    @Test
    void decodeReusesTheAddressOfTheSameBytesOnly() throws Exception {
        InetSockaddrCache cache = new InetSockaddrCache();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment m = arena.allocate(128, 8);
            InetSocketAddress a = new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 1000);
            InetSocketAddress b = new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 1001);
            int len = SocketAddresses.encode(Socket.abi(), m, a, false);
            InetSocketAddress first = cache.decode(Socket.abi(), m, len);
            assertEquals(a, first);
            assertSame(first, cache.decode(Socket.abi(), m, len));
            len = SocketAddresses.encode(Socket.abi(), m, b, false);
            assertEquals(b, cache.decode(Socket.abi(), m, len));
        }
    }
}
