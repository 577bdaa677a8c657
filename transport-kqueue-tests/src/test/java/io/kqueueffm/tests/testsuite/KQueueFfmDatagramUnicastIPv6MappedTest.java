package io.kqueueffm.tests.testsuite;

import io.netty.bootstrap.Bootstrap;
import io.netty.testsuite.transport.TestsuitePermutation;
import io.netty.testsuite.transport.socket.DatagramUnicastIPv6MappedTest;

import java.util.List;

/** Netty's {@link DatagramUnicastIPv6MappedTest} against this transport's datagram channel. */
public class KQueueFfmDatagramUnicastIPv6MappedTest extends DatagramUnicastIPv6MappedTest {
    @Override
    protected List<TestsuitePermutation.BootstrapComboFactory<Bootstrap, Bootstrap>> newFactories() {
        return KQueueFfmSocketTestPermutation.INSTANCE.datagram(socketInternetProtocalFamily());
    }
}
