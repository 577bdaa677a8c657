package io.kqueueffm.harness;

import io.netty.channel.Channel;
import io.netty.channel.EventLoopGroup;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * One load pattern: the server endpoint it needs (bound in every server JVM) and the client that
 * drives it (run in the load generator JVM). A new workload is one subclass added to {@link #ALL};
 * {@link #service()} names its endpoint, {@link #bindServer} binds it and {@link #endpoint} says
 * where it is (a port, a socket file's path), so the server JVM needs no change.
 */
abstract class Workload {
    static final List<Workload> ALL = List.of(
            new HttpWorkload("plaintext-64", "HTTP/1.1 plaintext keep-alive, 64 connections", 64, 1),
            new HttpWorkload("plaintext-256", "HTTP/1.1 plaintext keep-alive, 256 connections", 256, 1),
            new HttpWorkload("plaintext-1000", "HTTP/1.1 plaintext keep-alive, 1,000 connections", 1000, 1),
            new HttpWorkload("pipelined-16", "HTTP/1.1 plaintext pipelined 16 deep, 64 connections", 64, 16),
            new ChurnWorkload("churn", "connect, one HTTP request, close; 32 at a time", 32),
            new EchoWorkload("echo-64k", "64 KiB echo, 8 connections", 8, 64 * 1024),
            new EchoWorkload("ping-pong", "1-byte ping-pong, 1 connection", 1, 1),
            new UdpEchoWorkload("udp-echo", "64-byte UDP echo, 4 senders, 8 datagrams in flight each", 4, 8, 64),
            new DomainHttpWorkload("domain-http",
                    "HTTP/1.1 plaintext keep-alive over a Unix domain socket, 64 connections", 64));

    final String id;
    final String title;

    Workload(String id, String title) {
        this.id = id;
        this.title = title;
    }

    /** Name of the server endpoint this workload talks to; workloads may share one. */
    abstract String service();

    /**
     * Binds this workload's endpoint in a server JVM: on 127.0.0.1, any port, or a socket file in
     * {@code dir}, a temporary folder of that JVM's own that it deletes when it exits.
     */
    abstract Channel bindServer(EventLoopGroup group, Transport transport, Path dir) throws Exception;

    /** Where the load generator finds the endpoint {@link #bindServer} bound: its port by default. */
    String endpoint(Channel bound) {
        return Integer.toString(((InetSocketAddress) bound.localAddress()).getPort());
    }

    /** The server's address, from {@link #endpoint}, in the form the client's transport takes. */
    SocketAddress target(String endpoint, Transport clientTransport) {
        return new InetSocketAddress("127.0.0.1", Integer.parseInt(endpoint));
    }

    /** Why {@code t} cannot run this workload (it lacks the channel kind), or empty. */
    Optional<String> unsupported(Transport t) {
        return Optional.empty();
    }

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
