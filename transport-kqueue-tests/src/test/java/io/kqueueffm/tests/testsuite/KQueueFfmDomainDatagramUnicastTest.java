package io.kqueueffm.tests.testsuite;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.unix.DomainDatagramChannel;
import io.netty.channel.unix.DomainDatagramPacket;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.testsuite.transport.TestsuitePermutation;
import io.netty.testsuite.transport.socket.DatagramUnicastTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;

/**
 * Netty's {@link DatagramUnicastTest} over Unix domain datagram sockets, ours with ours. Its empty
 * datagram test needs a JDK DatagramSocket on a socket path, which the JDK lacks: the testsuite skips
 * it itself (an assumption on the JDK's "unsupported address type"), as under Netty's kqueue module.
 */
public class KQueueFfmDomainDatagramUnicastTest extends DatagramUnicastTest {
    @Override
    protected List<TestsuitePermutation.BootstrapComboFactory<Bootstrap, Bootstrap>> newFactories() {
        return KQueueFfmDomainSocketTestPermutation.INSTANCE.domainDatagram();
    }

    @Override
    protected SocketAddress newSocketAddress() {
        return KQueueFfmDomainSocketTestPermutation.newSocketAddress();
    }

    @Test
    void bindReportsTheDomainAddress(TestInfo testInfo) throws Throwable {
        run(testInfo, (sb, cb) -> {
            Channel ch = cb.handler(new ChannelInboundHandlerAdapter()).bind(newSocketAddress()).sync().channel();
            try {
                assertInstanceOf(DomainSocketAddress.class, ch.localAddress());
            } finally {
                closeChannel(ch);
            }
        });
    }

    @Override
    protected boolean supportDisconnect() {
        return false;
    }

    @Override
    protected boolean isConnected(Channel channel) {
        return ((DomainDatagramChannel) channel).isConnected();
    }

    @Override
    protected Channel setupClientChannel(Bootstrap cb, byte[] bytes, CountDownLatch latch,
                                         AtomicReference<Throwable> errorRef) throws Throwable {
        cb.handler(new Receiver(bytes, null, latch, errorRef, false));
        return cb.bind(newSocketAddress()).sync().channel();
    }

    @Override
    protected Channel setupServerChannel(Bootstrap sb, byte[] bytes, SocketAddress sender, CountDownLatch latch,
                                         AtomicReference<Throwable> errorRef, boolean echo) throws Throwable {
        sb.handler(new Receiver(bytes, sender, latch, errorRef, echo));
        return sb.bind(newSocketAddress()).sync().channel();
    }

    @Override
    protected ChannelFuture write(Channel cc, ByteBuf buf, SocketAddress remote, WrapType wrapType) {
        ByteBuf content = switch (wrapType) {
            case DUP -> buf.retainedDuplicate();
            case SLICE -> buf.retainedSlice();
            case READ_ONLY -> buf.retain().asReadOnly();
            case NONE -> buf.retain();
        };
        return cc.write(new DomainDatagramPacket(content, (DomainSocketAddress) remote));
    }

    /** Checks each datagram's bytes and addresses; the server side may echo it to its sender. */
    private static final class Receiver extends SimpleChannelInboundHandler<DomainDatagramPacket> {
        private final byte[] bytes;
        private final SocketAddress sender;
        private final CountDownLatch latch;
        private final AtomicReference<Throwable> errorRef;
        private final boolean echo;

        Receiver(byte[] bytes, SocketAddress sender, CountDownLatch latch, AtomicReference<Throwable> errorRef,
                 boolean echo) {
            this.bytes = bytes;
            this.sender = sender;
            this.latch = latch;
            this.errorRef = errorRef;
            this.echo = echo;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, DomainDatagramPacket msg) {
            try {
                if (sender != null) {
                    assertEquals(sender, msg.sender());
                } else {
                    assertNotNull(msg.sender());
                }
                ByteBuf buf = msg.content();
                byte[] got = new byte[buf.readableBytes()];
                buf.getBytes(buf.readerIndex(), got);
                assertEquals(new String(bytes, StandardCharsets.ISO_8859_1),
                        new String(got, StandardCharsets.ISO_8859_1));
                assertEquals(ctx.channel().localAddress(), msg.recipient());
                if (echo) {
                    ctx.writeAndFlush(new DomainDatagramPacket(buf.retainedDuplicate(), msg.sender()));
                }
            } finally {
                latch.countDown();
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            errorRef.compareAndSet(null, cause);
        }
    }
}
