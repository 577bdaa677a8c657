package io.kqueueffm.tests.testsuite;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.testsuite.transport.TestsuitePermutation;
import io.netty.testsuite.transport.socket.SocketEchoTest;

import java.net.SocketAddress;
import java.util.List;

/** Netty's {@link SocketEchoTest} over Unix domain sockets: ours with ours, ours with NIO both ways. */
public class KQueueFfmDomainSocketEchoTest extends SocketEchoTest {
    @Override
    protected SocketAddress newSocketAddress() {
        return KQueueFfmDomainSocketTestPermutation.newSocketAddress();
    }

    @Override
    protected List<TestsuitePermutation.BootstrapComboFactory<ServerBootstrap, Bootstrap>> newFactories() {
        return KQueueFfmDomainSocketTestPermutation.INSTANCE.domainSocket();
    }
}
