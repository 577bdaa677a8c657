package io.kqueueffm.harness;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.EventExecutor;
import org.HdrHistogram.Histogram;

import java.net.SocketAddress;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * One workload against one server, in the load generator. Operations complete on the client's
 * event loops, each into that loop's own counters and histogram, so recording takes no lock; the
 * controller reads them only through a task on each loop, after the load stopped.
 */
final class LoadRun {
    /** Up to a minute, 3 significant digits: a latency past that is an error, not a sample. */
    private static final long MAX_LATENCY_NS = TimeUnit.SECONDS.toNanos(60);

    final EventLoopGroup group;
    final Transport transport;
    final SocketAddress target;
    private final long maxOps;
    private final Map<EventExecutor, Stats> stats = new IdentityHashMap<>();
    private final Set<Channel> channels = ConcurrentHashMap.newKeySet();
    private volatile boolean measuring;
    private volatile boolean stopped;

    static final class Stats {
        final Histogram latency = new Histogram(MAX_LATENCY_NS, 3);
        long ops;
        long errors;
        /** Operations in the whole run, warm-up included: bounds the run in count. */
        long issued;
    }

    LoadRun(EventLoopGroup group, Transport transport, SocketAddress target, long maxOps) {
        this.group = group;
        this.transport = transport;
        this.target = target;
        this.maxOps = maxOps;
        for (EventExecutor loop : group) {
            stats.put(loop, new Stats());
        }
    }

    Bootstrap bootstrap() {
        return new Bootstrap()
                .group(group)
                .channel(transport.socketChannel)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 10_000);
    }

    /** A client of the transport's Unix domain socket channel. */
    Bootstrap domainBootstrap() {
        return new Bootstrap()
                .group(group)
                .channel(transport.domainChannel)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 10_000);
    }

    /** Opens {@code n} connections, a new handler each, and returns when all are connected. */
    void connectAll(int n, Supplier<ChannelHandler> handler) throws InterruptedException {
        connectAll(n, this::bootstrap, handler);
    }

    /** The same, with the channels {@code bootstrap} makes. */
    void connectAll(int n, Supplier<Bootstrap> bootstrap, Supplier<ChannelHandler> handler)
            throws InterruptedException {
        List<ChannelFuture> connects = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            connects.add(bootstrap.get().handler(handler.get()).connect(target));
        }
        for (ChannelFuture f : connects) {
            track(f.sync().channel());
        }
    }

    Stats stats(EventLoop loop) {
        return stats.get(loop);
    }

    void track(Channel ch) {
        channels.add(ch);
        ch.closeFuture().addListener(f -> channels.remove(ch));
    }

    /** Whether a handler may issue another operation; false once stopped or past the count bound. */
    boolean proceed(Stats s) {
        return !stopped && s.issued++ < maxOps;
    }

    void completed(Stats s, long startNanos) {
        if (measuring) {
            s.ops++;
            s.latency.recordValue(Math.min(System.nanoTime() - startNanos, MAX_LATENCY_NS));
        }
    }

    void failed(Stats s) {
        if (measuring) {
            s.errors++;
        }
    }

    void measuring(boolean on) {
        measuring = on;
    }

    boolean stopped() {
        return stopped;
    }

    /** Stops issuing, closes every connection and waits (bounded) for the closes. */
    void stop() throws InterruptedException {
        stopped = true;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!channels.isEmpty() && System.nanoTime() < deadline) {
            for (Channel ch : channels) {
                ch.close();
            }
            Thread.sleep(5);
        }
    }

    /** Sums every loop's figures; reads each on its own loop so the plain fields are visible here. */
    Stats collect() throws Exception {
        Stats total = new Stats();
        for (Map.Entry<EventExecutor, Stats> e : stats.entrySet()) {
            Stats s = e.getValue();
            e.getKey().submit(() -> {
                synchronized (total) {
                    total.ops += s.ops;
                    total.errors += s.errors;
                    total.latency.add(s.latency);
                }
            }).get(10, TimeUnit.SECONDS);
        }
        return total;
    }
}
