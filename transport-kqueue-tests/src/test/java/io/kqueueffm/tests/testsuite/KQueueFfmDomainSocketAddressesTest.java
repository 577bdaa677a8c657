package io.kqueueffm.tests.testsuite;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.testsuite.transport.TestsuitePermutation;
import io.netty.testsuite.transport.socket.SocketAddressesTest;

import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Netty's {@link SocketAddressesTest} over Unix domain sockets. */
public class KQueueFfmDomainSocketAddressesTest extends SocketAddressesTest {
    @Override
    protected SocketAddress newSocketAddress() {
        return KQueueFfmDomainSocketTestPermutation.newSocketAddress();
    }

    @Override
    protected List<TestsuitePermutation.BootstrapComboFactory<ServerBootstrap, Bootstrap>> newFactories() {
        return KQueueFfmDomainSocketTestPermutation.INSTANCE.domainSocket();
    }

    @Override
    protected void assertAddress(SocketAddress address) {
        // Ours report Netty's type (an unnamed peer has the empty path); NIO reports the JDK's.
        if (address instanceof UnixDomainSocketAddress jdk) {
            assertNotNull(jdk.getPath());
            return;
        }
        assertTrue(address instanceof DomainSocketAddress, String.valueOf(address));
        assertNotNull(((DomainSocketAddress) address).path());
    }
}
