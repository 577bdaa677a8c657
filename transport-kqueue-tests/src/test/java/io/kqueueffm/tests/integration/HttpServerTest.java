package io.kqueueffm.tests.integration;

import io.kqueueffm.example.HttpServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.File;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The example HTTP/1.1 server on this transport, spoken to by real clients. */
@Timeout(120)
class HttpServerTest {
    private static HttpServer server;
    private static String base;

    @BeforeAll
    static void start() throws Exception {
        server = new HttpServer("127.0.0.1", 0, "kqueue-ffm", 2);
        InetSocketAddress a = server.start();
        base = "http://127.0.0.1:" + a.getPort();
    }

    @AfterAll
    static void stop() {
        server.stop();
    }

    @Test
    void jdkHttpClientKeepAlive() throws Exception {
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5)).build();
        for (int i = 0; i < 50; i++) {
            HttpResponse<String> plain = client.send(HttpRequest.newBuilder(URI.create(base + "/plaintext")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, plain.statusCode());
            assertEquals("Hello, World!", plain.body());
            assertEquals("text/plain", plain.headers().firstValue("content-type").orElse(""));
            HttpResponse<String> json = client.send(HttpRequest.newBuilder(URI.create(base + "/json")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, json.statusCode());
            assertEquals("{\"message\":\"Hello, World!\"}", json.body());
        }
        HttpResponse<String> missing = client.send(HttpRequest.newBuilder(URI.create(base + "/nope")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(404, missing.statusCode());
    }

    @Test
    void curl() throws Exception {
        File curl = new File("/usr/bin/curl");
        assumeTrue(curl.canExecute(), "curl is not installed");
        Process p = new ProcessBuilder(curl.getPath(), "-s", "--http1.1", base + "/json", base + "/plaintext")
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor());
        // both requests on one keep-alive connection
        assertEquals("{\"message\":\"Hello, World!\"}Hello, World!", out);
        assertTrue(out.startsWith("{"));
    }
}
