package io.kqueueffm.tests.testsuite;

import io.netty.bootstrap.Bootstrap;
import io.netty.testsuite.transport.TestsuitePermutation;
import io.netty.testsuite.transport.socket.DatagramUnicastInetTest;

import java.util.List;

/** Netty's {@link DatagramUnicastInetTest} against this transport's datagram channel. */
public class KQueueFfmDatagramUnicastInetTest extends DatagramUnicastInetTest {
    @Override
    protected List<TestsuitePermutation.BootstrapComboFactory<Bootstrap, Bootstrap>> newFactories() {
        return KQueueFfmSocketTestPermutation.INSTANCE.datagram(socketInternetProtocalFamily());
    }
}
