package io.kqueueffm.harness;

import io.netty.channel.Channel;
import io.netty.channel.EventLoopGroup;

import java.util.Arrays;
import java.util.List;

/**
 * One load pattern: the server endpoint it needs (bound in every server JVM) and the client that
 * drives it (run in the load generator JVM). A new workload, e.g. UDP echo or HTTP over a Unix
 * domain socket, is one subclass added to {@link #ALL}; {@link #service()} names its endpoint and
 * {@link #bindServer} binds it, so the server JVM needs no change.
 */
abstract class Workload {
    static final List<Workload> ALL = List.of(
            new HttpWorkload("plaintext-64", "HTTP/1.1 plaintext keep-alive, 64 connections", 64, 1),
            new HttpWorkload("plaintext-256", "HTTP/1.1 plaintext keep-alive, 256 connections", 256, 1),
            new HttpWorkload("plaintext-1000", "HTTP/1.1 plaintext keep-alive, 1,000 connections", 1000, 1),
            new HttpWorkload("pipelined-16", "HTTP/1.1 plaintext pipelined 16 deep, 64 connections", 64, 16),
            new ChurnWorkload("churn", "connect, one HTTP request, close; 32 at a time", 32),
            new EchoWorkload("echo-64k", "64 KiB echo, 8 connections", 8, 64 * 1024),
            new EchoWorkload("ping-pong", "1-byte ping-pong, 1 connection", 1, 1));

    final String id;
    final String title;

    Workload(String id, String title) {
        this.id = id;
        this.title = title;
    }

    /** Name of the server endpoint this workload talks to; workloads may share one. */
    abstract String service();

    /** Binds this workload's endpoint on 127.0.0.1, any port, in a server JVM. */
    abstract Channel bindServer(EventLoopGroup group, Transport transport) throws Exception;

    /**
     * Opens this workload's connections and starts the closed loop; returns once the load is
     * running. Completed operations go to {@code run}; it stops issuing when {@code run} stops.
     */
    abstract void start(LoadRun run) throws Exception;

    /** Payload bytes per operation each way, for a MiB/s figure; 0 where req/s says it all. */
    int payloadBytes() {
        return 0;
    }

    String unit() {
        return "req/s";
    }

    static Workload of(String id) {
        return ALL.stream().filter(w -> w.id.equals(id)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("unknown workload " + id + "; known: " + ids()));
    }

    static List<String> ids() {
        return ALL.stream().map(w -> w.id).toList();
    }

    static List<Workload> parse(String csv) {
        return Arrays.stream(csv.split(",")).map(String::trim).filter(s -> !s.isEmpty()).map(Workload::of).toList();
    }
}
