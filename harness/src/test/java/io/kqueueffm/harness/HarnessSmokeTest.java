package io.kqueueffm.harness;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The harness end to end in a few seconds: one short round of one workload per transport that
 * loads here. It checks that figures and report files come out, never how fast anything is.
 */
class HarnessSmokeTest {
    @Test
    void oneShortRoundPerTransportProducesFiguresAndReports() throws Exception {
        Path out = Path.of("target", "harness-smoke");
        Options o = Options.parse(new String[] {
            "--workloads", "plaintext-64", "--rounds", "1", "--warmup", "200", "--duration", "500",
            "--jit-warmup", "0", "--strace-duration", "300", "--load", "java", "--out", out.toString()});
        assertTrue(Harness.run(o), "no round produced figures");

        String json = Files.readString(out.resolve("results.json"));
        for (Transport t : Transport.values()) {
            if (t.unavailableReason().isEmpty()) {
                assertTrue(json.matches("(?s).*\"transport\": \"" + t.id + "\", \"round\": 1, \"ops\": [1-9].*"),
                        t.id + " has no figures in results.json:\n" + json);
            }
        }
        for (String f : new String[] {"report.html", "report.md", "charts/throughput-vs-nio.svg",
            "charts/throughput-vs-nio.png", "charts/plaintext-64-latency.png"}) {
            assertTrue(Files.size(out.resolve(f)) > 0, f);
        }
        String md = Files.readString(out.resolve("report.md"));
        assertTrue(md.contains("| kqueue-ffm |") && md.contains("| nio |"), md);
        assertTrue(!md.contains(System.getProperty("user.dir")), "the report names a path of this machine");
    }

    /** UDP echo and HTTP over a socket file, on our transport only, to keep this to a few seconds. */
    @Test
    void udpEchoAndDomainSocketHttpProduceFigures() throws Exception {
        Path out = Path.of("target", "harness-smoke-udp-uds");
        Options o = Options.parse(new String[] {
            "--transports", "kqueue-ffm", "--workloads", "udp-echo,domain-http", "--rounds", "1",
            "--warmup", "100", "--duration", "300", "--jit-warmup", "0", "--no-strace", "--load", "java",
            "--out", out.toString()});
        assertTrue(Harness.run(o), "no round produced figures");
        String json = Files.readString(out.resolve("results.json"));
        for (String w : new String[] {"udp-echo", "domain-http"}) {
            assertTrue(json.matches("(?s).*\"workload\": \"" + w + "\", \"transport\": \"kqueue-ffm\", "
                    + "\"round\": 1, \"ops\": [1-9].*"), w + " has no figures in results.json:\n" + json);
        }
    }
}
