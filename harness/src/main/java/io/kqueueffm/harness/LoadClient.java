package io.kqueueffm.harness;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.util.concurrent.DefaultThreadFactory;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.SocketAddress;
import java.net.URLDecoder;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.concurrent.TimeUnit;

/**
 * The load generator JVM, the same for every server transport in a run: it runs on one fixed
 * transport (Netty's native one for the machine, else NIO), and stays up across rounds so that
 * its JIT state is the same for every server.
 *
 * <p>Protocol: prints {@code READY transport=T}; for each {@code RUN workload endpoint warmupMs
 * measureMs maxOps} line (the endpoint URL-encoded, as the server JVM printed it) it starts the
 * load, prints {@code MEASURING} when the measured window opens and {@code MEASURED} when it
 * closes (the harness samples the server at both), then
 * {@code RESULT ops=N errors=N nanos=N hist=BASE64} (the latency histogram, HdrHistogram's
 * compressed encoding) or {@code FAILED reason}. Exits at EOF on stdin.
 */
public final class LoadClient {
    private LoadClient() {
    }

    public static void main(String[] args) throws Exception {
        Transport transport = Transport.of(args[0]);
        int threads = Integer.parseInt(args[1]);
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(threads,
                new DefaultThreadFactory("load"), transport.newFactory());
        System.out.println("READY transport=" + transport.id);
        System.out.flush();
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.US_ASCII));
        try {
            for (String line; (line = in.readLine()) != null; ) {
                String[] f = line.trim().split(" ");
                if (f[0].equals("RUN")) {
                    try {
                        System.out.println(run(group, transport, Workload.of(f[1]), f[2],
                                Long.parseLong(f[3]), Long.parseLong(f[4]), Long.parseLong(f[5])));
                    } catch (Exception e) {
                        System.out.println("FAILED " + String.valueOf(e).replace('\n', ' '));
                    }
                    System.out.flush();
                }
            }
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    private static String run(EventLoopGroup group, Transport transport, Workload workload, String endpoint,
                              long warmupMs, long measureMs, long maxOps) throws Exception {
        SocketAddress target = workload.target(URLDecoder.decode(endpoint, StandardCharsets.UTF_8), transport);
        LoadRun run = new LoadRun(group, transport, target, maxOps);
        LoadRun.Stats total;
        long nanos;
        try {
            workload.start(run);
            Thread.sleep(warmupMs);
            System.out.println("MEASURING");
            System.out.flush();
            run.measuring(true);
            long t0 = System.nanoTime();
            Thread.sleep(measureMs);
            run.measuring(false);
            nanos = System.nanoTime() - t0;
            System.out.println("MEASURED");
            System.out.flush();
        } finally {
            run.stop();
        }
        total = run.collect();
        ByteBuffer buf = ByteBuffer.allocate(total.latency.getNeededByteBufferCapacity());
        total.latency.encodeIntoCompressedByteBuffer(buf);
        buf.flip();
        byte[] bytes = new byte[buf.remaining()];
        buf.get(bytes);
        return "RESULT ops=" + total.ops + " errors=" + total.errors + " nanos=" + nanos
                + " hist=" + Base64.getEncoder().encodeToString(bytes);
    }
}
