package io.kqueueffm.harness;

import org.HdrHistogram.Histogram;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The harness's own load generator: {@link LoadClient} in a JVM of its own, for every workload. */
final class JvmLoadGenerator implements LoadGenerator {
    private final ChildJvm jvm;
    private final Transport transport;
    private final int threads;
    private final long maxOps;

    JvmLoadGenerator(Transport transport, int threads, long maxOps, List<String> jvmArgs, Path log)
            throws IOException, InterruptedException {
        this.transport = transport;
        this.threads = threads;
        this.maxOps = maxOps;
        jvm = new ChildJvm(LoadClient.class, jvmArgs, List.of(transport.id, Integer.toString(threads)), log);
        try {
            jvm.expect(Duration.ofSeconds(60), "READY");
        } catch (IOException e) {
            jvm.close();
            throw e;
        }
    }

    @Override
    public String describe() {
        return "the harness's load client (its own JVM, Netty " + transport.id + ", " + threads + " thread(s))";
    }

    @Override
    public boolean supports(Workload w) {
        return true;
    }

    @Override
    public Load run(Workload w, String endpoint, long warmupMs, long measureMs, Window window) throws Exception {
        jvm.send("RUN " + w.id + " " + endpoint + " " + warmupMs + " " + measureMs + " " + maxOps);
        Duration timeout = Duration.ofMillis(warmupMs + measureMs + 60_000);
        expect(timeout, "MEASURING");
        try {
            window.open();
            expect(timeout, "MEASURED");
            window.close();
        } catch (Exception e) {
            // Let the client finish this run, so that the next one does not read its lines.
            jvm.expect(timeout, "RESULT", "FAILED");
            throw e;
        }
        String line = expect(timeout, "RESULT");
        Map<String, String> kv = new LinkedHashMap<>();
        for (String f : line.substring("RESULT".length()).trim().split(" ")) {
            int eq = f.indexOf('=');
            kv.put(f.substring(0, eq), f.substring(eq + 1));
        }
        Histogram hist = Histogram.decodeFromCompressedByteBuffer(
                ByteBuffer.wrap(Base64.getDecoder().decode(kv.get("hist"))), 0);
        return new Load(Long.parseLong(kv.get("ops")), Long.parseLong(kv.get("errors")),
                Long.parseLong(kv.get("nanos")), hist);
    }

    private String expect(Duration timeout, String what) throws IOException, InterruptedException {
        String line = jvm.expect(timeout, what, "FAILED");
        if (line.startsWith("FAILED")) {
            throw new Failure(line.substring("FAILED".length()).trim());
        }
        return line;
    }

    @Override
    public void close() {
        jvm.close();
    }
}
