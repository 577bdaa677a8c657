package io.kqueueffm.harness;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.unix.DomainSocketAddress;

import java.io.IOException;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * {@link HttpWorkload}'s keep-alive load (depth 1) over a Unix domain socket file instead of TCP:
 * the same server pipeline, the socket file in the server JVM's temporary folder, its path the
 * endpoint. wrk speaks TCP only, so the harness's own client always drives this one.
 */
final class DomainHttpWorkload extends HttpWorkload {
    private static final String SOCKET_FILE = "http.sock";

    DomainHttpWorkload(String id, String title, int connections) {
        super(id, title, connections, 1);
    }

    @Override
    String service() {
        return "domain-http";
    }

    @Override
    Optional<String> unsupported(Transport t) {
        return t.domainServerChannel == null || t.domainChannel == null
                ? Optional.of("no Unix domain socket channel") : Optional.empty();
    }

    /** The HTTP endpoint's options, minus TCP's. */
    @Override
    Channel bindServer(EventLoopGroup group, Transport transport, Path dir) throws Exception {
        String path = dir.resolve(SOCKET_FILE).toString();
        return new ServerBootstrap()
                .group(group)
                .channel(transport.domainServerChannel)
                .option(ChannelOption.SO_BACKLOG, 4096)
                .childHandler(httpPipeline())
                .bind(transport.domainAddress(path)).sync().channel();
    }

    @Override
    String endpoint(Channel bound) {
        return path(bound.localAddress());
    }

    @Override
    SocketAddress target(String endpoint, Transport clientTransport) {
        return clientTransport.domainAddress(endpoint);
    }

    @Override
    void start(LoadRun run) throws Exception {
        if (run.transport.domainChannel == null) {
            throw new IllegalStateException("the load client's transport " + run.transport.id
                    + " has no Unix domain socket channel");
        }
        String path = path(run.target);
        byte[] one = request("localhost", false);
        int responseLength = probeResponseLength(Path.of(path), one);
        ByteBuf requests = Unpooled.unreleasableBuffer(Unpooled.directBuffer(one.length).writeBytes(one));
        run.connectAll(connections, run::domainBootstrap,
                () -> new ClosedLoopConnection(run, requests, 1, responseLength));
    }

    /** The socket file's path, from Netty's address (the native transports, ours) or the JDK's (NIO). */
    private static String path(SocketAddress a) {
        if (a instanceof DomainSocketAddress d) {
            return d.path();
        }
        if (a instanceof UnixDomainSocketAddress u) {
            return u.getPath().toString();
        }
        throw new IllegalStateException("not a Unix domain socket address: " + a);
    }

    /** One request on a JDK socket of the file; closing the socket ends a wait past 10 s. */
    private static int probeResponseLength(Path file, byte[] request) throws Exception {
        try (SocketChannel sc = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            FutureTask<Integer> probe = new FutureTask<>(() -> {
                sc.connect(UnixDomainSocketAddress.of(file));
                return probeResponseLength(Channels.newInputStream(sc), Channels.newOutputStream(sc), request);
            });
            Thread t = new Thread(probe, "domain-http-probe");
            t.setDaemon(true);
            t.start();
            try {
                return probe.get(10, TimeUnit.SECONDS);
            } catch (TimeoutException e) {
                throw new IOException("no response on " + file.getFileName() + " within 10 s");
            } catch (ExecutionException e) {
                throw e.getCause() instanceof Exception c ? c : e;
            }
        }
    }
}
