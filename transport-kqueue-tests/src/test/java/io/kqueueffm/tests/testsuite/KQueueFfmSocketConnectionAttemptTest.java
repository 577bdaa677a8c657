package io.kqueueffm.tests.testsuite;

import io.netty.bootstrap.Bootstrap;
import io.netty.testsuite.transport.TestsuitePermutation;
import io.netty.testsuite.transport.socket.SocketConnectionAttemptTest;

import java.util.List;

/** Netty's {@link SocketConnectionAttemptTest} against this transport's channels. */
public class KQueueFfmSocketConnectionAttemptTest extends SocketConnectionAttemptTest {
    @Override
    protected List<TestsuitePermutation.BootstrapFactory<Bootstrap>> newFactories() {
        return KQueueFfmSocketTestPermutation.INSTANCE.ourClientSocket();
    }
}
