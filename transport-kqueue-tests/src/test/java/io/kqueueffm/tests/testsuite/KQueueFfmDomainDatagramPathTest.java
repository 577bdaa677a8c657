package io.kqueueffm.tests.testsuite;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.unix.DomainDatagramPacket;
import io.netty.testsuite.transport.TestsuitePermutation;
import io.netty.testsuite.transport.socket.AbstractClientSocketTest;
import io.netty.util.CharsetUtil;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

import java.io.FileNotFoundException;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A domain datagram to or connected to a path with no socket fails with FileNotFoundException, as in Netty's kqueue. */
public class KQueueFfmDomainDatagramPathTest extends AbstractClientSocketTest {
    @Override
    protected List<TestsuitePermutation.BootstrapFactory<Bootstrap>> newFactories() {
        return KQueueFfmDomainSocketTestPermutation.INSTANCE.domainDatagramSocket();
    }

    @Test
    void connectToAMissingPath(TestInfo testInfo) throws Throwable {
        run(testInfo, cb -> {
            ChannelFuture f = cb.handler(new ChannelInboundHandlerAdapter())
                    .connect(KQueueFfmDomainSocketTestPermutation.newSocketAddress()).awaitUninterruptibly();
            assertInstanceOf(FileNotFoundException.class, f.cause());
        });
    }

    @Test
    void writeToAMissingPathFailsThatWriteOnly(TestInfo testInfo) throws Throwable {
        run(testInfo, cb -> {
            Channel ch = cb.handler(new ChannelInboundHandlerAdapter())
                    .bind(KQueueFfmDomainSocketTestPermutation.newSocketAddress()).sync().channel();
            try {
                ChannelFuture f = ch.writeAndFlush(new DomainDatagramPacket(
                        Unpooled.copiedBuffer("test", CharsetUtil.US_ASCII),
                        KQueueFfmDomainSocketTestPermutation.newSocketAddress())).awaitUninterruptibly();
                assertInstanceOf(FileNotFoundException.class, f.cause());
                assertTrue(ch.isOpen());
            } finally {
                ch.close().sync();
            }
        });
    }
}
