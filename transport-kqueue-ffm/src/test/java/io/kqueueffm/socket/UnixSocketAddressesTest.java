package io.kqueueffm.socket;

import io.kqueueffm.abi.SocketAbi;
import io.netty.channel.unix.DomainSocketAddress;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.SocketException;
import java.net.UnixDomainSocketAddress;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** sockaddr_un bytes under each OS's table (abi.md 4.1), without a syscall. */
class UnixSocketAddressesTest {
    private static final String PATH = "/tmp/app.sock";

    @Test
    void bsdSockaddrHasLengthAndOneByteFamily() throws SocketException {
        for (SocketAbi abi : new SocketAbi[] {SocketAbi.DARWIN, SocketAbi.FREEBSD}) {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment m = arena.allocate(256);
                int len = UnixSocketAddresses.encode(abi, m, new DomainSocketAddress(PATH));
                assertEquals(2 + PATH.length() + 1, len);
                assertEquals(len, m.get(JAVA_BYTE, 0));
                assertEquals(SocketAbi.AF_UNIX, m.get(JAVA_BYTE, 1));
                assertEquals('/', m.get(JAVA_BYTE, 2));
                assertEquals(0, m.get(JAVA_BYTE, 2 + PATH.length()));
                assertEquals(new DomainSocketAddress(PATH), UnixSocketAddresses.decode(abi, m, len));
            }
        }
    }

    @Test
    void linuxSockaddrHasTwoByteFamilyAndAbstractNames() throws SocketException {
        SocketAbi abi = SocketAbi.LINUX;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment m = arena.allocate(256);
            int len = UnixSocketAddresses.encode(abi, m, UnixDomainSocketAddress.of(PATH));
            assertEquals(2 + PATH.length() + 1, len);
            assertEquals(SocketAbi.AF_UNIX, m.get(JAVA_SHORT, 0));
            assertEquals(new DomainSocketAddress(PATH), UnixSocketAddresses.decode(abi, m, len));

            DomainSocketAddress name = new DomainSocketAddress("\0name");
            len = UnixSocketAddresses.encode(abi, m, name);
            assertEquals(2 + 5, len, "an abstract name has no terminating NUL");
            assertEquals(name, UnixSocketAddresses.decode(abi, m, len));
            assertThrows(SocketException.class, () -> UnixSocketAddresses.encode(SocketAbi.DARWIN, m, name));
        }
    }

    @Test
    void pathLimitIsPerOs() throws SocketException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment m = arena.allocate(256);
            String bsdMax = "/" + "p".repeat(102);
            UnixSocketAddresses.encode(SocketAbi.DARWIN, m, new DomainSocketAddress(bsdMax));
            String tooLong = bsdMax + "x";
            SocketException e = assertThrows(SocketException.class,
                    () -> UnixSocketAddresses.encode(SocketAbi.FREEBSD, m, new DomainSocketAddress(tooLong)));
            assertTrue(e.getMessage().contains(tooLong), e.getMessage());
            UnixSocketAddresses.encode(SocketAbi.LINUX, m, new DomainSocketAddress(tooLong));
            assertThrows(SocketException.class, () -> UnixSocketAddresses.encode(SocketAbi.LINUX, m,
                    new DomainSocketAddress("/" + "p".repeat(107))));
        }
    }

    @Test
    void unnamedSocketHasTheEmptyPath() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment m = arena.allocate(256);
            m.set(JAVA_SHORT, 0, (short) SocketAbi.AF_UNIX);
            assertEquals(new DomainSocketAddress(""), UnixSocketAddresses.decode(SocketAbi.LINUX, m, 2));
        }
    }
}
