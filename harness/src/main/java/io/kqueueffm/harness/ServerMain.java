package io.kqueueffm.harness;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.EventExecutor;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One server JVM per transport: every workload's endpoint (the example HTTP server, a byte echo)
 * on one event loop group. The harness talks to it over stdin/stdout only, so that asking for
 * figures puts no traffic and no work on the loops being measured.
 *
 * <p>Protocol: prints {@code READY http=E echo=E ...}, each service's endpoint as {@link
 * Workload#endpoint} gives it (a port, a socket file's path), URL-encoded; then answers each {@code STATS} line with
 * {@code STATS alloc=B cpu=NS user=NS} (bytes allocated, CPU time and its user-mode part, of the loop
 * threads so far); exits at
 * EOF on stdin, so it never outlives the harness.
 */
public final class ServerMain {
    /** Short: Linux truncates thread names to 15 bytes, and the harness finds loop threads by it. */
    static final String LOOP_THREAD_PREFIX = "hloop";

    private ServerMain() {
    }

    public static void main(String[] args) throws Exception {
        Transport transport = Transport.of(args[0]);
        int threads = Integer.parseInt(args[1]);
        var unavailable = transport.unavailableReason();
        if (unavailable.isPresent()) {
            System.out.println("UNAVAILABLE " + unavailable.get());
            System.exit(3);
        }
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(threads,
                new DefaultThreadFactory(LOOP_THREAD_PREFIX), transport.newFactory());
        // Socket files of the domain socket workloads: a folder of this JVM's own, deleted at exit.
        Path dir = Files.createTempDirectory("kqh");
        Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteTree(dir), "harness-tmp-cleanup"));
        Map<String, Channel> bound = new LinkedHashMap<>();
        Map<String, String> endpoints = new LinkedHashMap<>();
        for (Workload w : Workload.ALL) {
            if (!bound.containsKey(w.service()) && w.unsupported(transport).isEmpty()) {
                Channel ch = w.bindServer(group, transport, dir);
                bound.put(w.service(), ch);
                endpoints.put(w.service(), w.endpoint(ch));
            }
        }
        long[] loopThreadIds = loopThreadIds(group);
        var threadBean = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

        StringBuilder ready = new StringBuilder("READY");
        endpoints.forEach((name, e) -> ready.append(' ').append(name).append('=')
                .append(URLEncoder.encode(e, StandardCharsets.UTF_8)));
        System.out.println(ready);
        System.out.flush();

        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.US_ASCII));
        for (String line; (line = in.readLine()) != null; ) {
            if (line.equals("STATS")) {
                long alloc = 0;
                for (long a : threadBean.getThreadAllocatedBytes(loopThreadIds)) {
                    alloc += Math.max(0, a);
                }
                long cpu = 0;
                long user = 0;
                for (long id : loopThreadIds) {
                    cpu += Math.max(0, threadBean.getThreadCpuTime(id));
                    user += Math.max(0, threadBean.getThreadUserTime(id));
                }
                System.out.println("STATS alloc=" + alloc + " cpu=" + cpu + " user=" + user);
                System.out.flush();
            }
        }
        for (Channel ch : bound.values()) {
            ch.close().syncUninterruptibly();
        }
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        deleteTree(dir);
    }

    /** Deletes the socket files in {@code dir} (it has no subfolders), then {@code dir}. */
    private static void deleteTree(Path dir) {
        try (var files = Files.list(dir)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                Files.deleteIfExists(f);
            }
            Files.deleteIfExists(dir);
        } catch (IOException ignored) {
            // Already gone (the shutdown hook after a normal exit), or nothing more to do at exit.
        }
    }

    /** Same options on every transport: what differs between server JVMs is the transport alone. */
    static Channel bind(EventLoopGroup group, Transport transport, ChannelHandler child) throws InterruptedException {
        return new ServerBootstrap()
                .group(group)
                .channel(transport.serverChannel)
                .option(ChannelOption.SO_BACKLOG, 4096)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(child)
                .bind("127.0.0.1", 0).sync().channel();
    }

    private static long[] loopThreadIds(EventLoopGroup group) throws Exception {
        List<Long> ids = new ArrayList<>();
        for (EventExecutor loop : group) {
            ids.add(loop.submit(() -> Thread.currentThread().threadId()).get());
        }
        return ids.stream().mapToLong(Long::longValue).toArray();
    }
}
