package io.kqueueffm.tests.testsuite;

import io.kqueueffm.abi.SocketAbi;
import io.kqueueffm.ffi.Errno;
import io.kqueueffm.socket.Socket;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.testsuite.transport.TestsuitePermutation;
import io.netty.testsuite.transport.socket.AbstractSocketShutdownOutputByPeerTest;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.SocketAddress;
import java.util.List;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;

/** Netty's peer-shutdown test with our server and our own Unix domain socket as the peer. */
public class KQueueFfmDomainSocketShutdownOutputByPeerTest extends AbstractSocketShutdownOutputByPeerTest<Socket> {
    @Override
    protected List<TestsuitePermutation.BootstrapFactory<ServerBootstrap>> newFactories() {
        return KQueueFfmDomainSocketTestPermutation.INSTANCE.serverDomainSocket();
    }

    @Override
    protected SocketAddress newSocketAddress() {
        return KQueueFfmDomainSocketTestPermutation.newSocketAddress();
    }

    @Override
    protected Socket newSocket() {
        try {
            return Socket.newUnixSocket(SocketAbi.SOCK_STREAM);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    protected void connect(Socket s, SocketAddress address) throws IOException {
        // A Unix domain connect completes at once (or fails): there is no handshake to wait for.
        if (!s.connect(address)) {
            throw new IOException("connect did not complete: " + address);
        }
    }

    @Override
    protected void shutdownOutput(Socket s) throws IOException {
        s.shutdown(false, true);
    }

    @Override
    protected void close(Socket s) throws IOException {
        s.close();
    }

    @Override
    protected void write(Socket s, int data) throws IOException {
        // One byte, as java.net.Socket's OutputStream.write(int) sends it in the TCP variant.
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(1);
            buf.set(JAVA_BYTE, 0, (byte) data);
            if (s.write(Errno.threadSegment(), buf.address(), 1) != 1) {
                throw new IOException("short write");
            }
        }
    }
}
