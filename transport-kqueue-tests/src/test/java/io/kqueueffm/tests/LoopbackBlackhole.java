package io.kqueueffm.tests;

import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;

/**
 * An address on loopback where connects hang: a listener whose accept queue is full, so the kernel
 * drops further SYNs. Netty's testsuite needs such a "bad host" for its connect-timeout and
 * connect-cancellation tests and defaults to 198.51.100.254; our tests never send traffic off this
 * machine, so the testsuite's properties are pointed here before any of its classes loads.
 * Registered (before everything else) through JUnit's extension autodetection.
 */
public final class LoopbackBlackhole implements BeforeAllCallback {
    private static final List<Object> KEEP = new ArrayList<>();

    static {
        try {
            InetAddress lo = InetAddress.getByName("127.0.0.1");
            ServerSocket listener = new ServerSocket(0, 1, lo);
            KEEP.add(listener);
            InetSocketAddress addr = new InetSocketAddress(lo, listener.getLocalPort());
            for (int i = 0; i < 8; i++) {
                SocketChannel filler = SocketChannel.open();
                filler.configureBlocking(false);
                filler.connect(addr);
                KEEP.add(filler);
            }
            System.setProperty("io.netty.testsuite.badHost", "127.0.0.1");
            System.setProperty("io.netty.testsuite.badPort", Integer.toString(listener.getLocalPort()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        // The work is done once, when JUnit loads the extension.
    }
}
