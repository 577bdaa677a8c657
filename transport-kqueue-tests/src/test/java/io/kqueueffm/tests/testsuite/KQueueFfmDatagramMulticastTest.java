package io.kqueueffm.tests.testsuite;

import io.kqueueffm.tests.IsolatedNetwork;
import io.netty.bootstrap.Bootstrap;
import io.netty.testsuite.transport.TestsuitePermutation;
import io.netty.testsuite.transport.socket.DatagramMulticastTest;
import org.junit.jupiter.api.BeforeAll;

import java.net.SocketException;
import java.util.List;

/**
 * Netty's {@link DatagramMulticastTest} against this transport's datagram channel, in the network namespace the
 * build makes for it (surefire execution "multicast-netns"): loopback, with multicast on, is the only
 * interface there, so the test's group traffic stays on this machine.
 */
public class KQueueFfmDatagramMulticastTest extends DatagramMulticastTest {
    @BeforeAll
    static void isolated() throws SocketException {
        IsolatedNetwork.require();
    }

    @Override
    protected List<TestsuitePermutation.BootstrapComboFactory<Bootstrap, Bootstrap>> newFactories() {
        return KQueueFfmSocketTestPermutation.INSTANCE.datagram(socketInternetProtocalFamily());
    }
}
