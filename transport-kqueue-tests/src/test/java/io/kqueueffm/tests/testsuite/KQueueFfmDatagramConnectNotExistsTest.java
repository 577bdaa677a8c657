package io.kqueueffm.tests.testsuite;

import io.netty.bootstrap.Bootstrap;
import io.netty.testsuite.transport.TestsuitePermutation;
import io.netty.testsuite.transport.socket.DatagramConnectNotExistsTest;

import java.util.List;

/** Netty's {@link DatagramConnectNotExistsTest} against this transport's datagram channel. */
public class KQueueFfmDatagramConnectNotExistsTest extends DatagramConnectNotExistsTest {
    @Override
    protected List<TestsuitePermutation.BootstrapFactory<Bootstrap>> newFactories() {
        return KQueueFfmSocketTestPermutation.INSTANCE.datagramSocket();
    }
}
