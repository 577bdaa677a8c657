package io.kqueueffm.harness;

import io.kqueueffm.example.HelloHandler;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerExpectContinueHandler;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Keep-alive {@code GET /plaintext} on a fixed number of connections, each sending {@code depth}
 * requests in one write and the next batch when all their responses are in (depth 1: one request
 * in flight per connection, as wrk does). Responses are counted by length, learnt from one request
 * before the load starts: every /plaintext response of the server is the same bytes.
 */
class HttpWorkload extends Workload {
    final int connections;
    final int depth;

    HttpWorkload(String id, String title, int connections, int depth) {
        super(id, title);
        this.connections = connections;
        this.depth = depth;
    }

    @Override
    String service() {
        return "http";
    }

    /** The main job's HTTP/1.1 pipeline (http-server's handler), the same on every transport. */
    @Override
    Channel bindServer(EventLoopGroup group, Transport transport, Path dir) throws Exception {
        return ServerMain.bind(group, transport, httpPipeline());
    }

    static ChannelInitializer<Channel> httpPipeline() {
        return new ChannelInitializer<>() {
            @Override
            protected void initChannel(Channel ch) {
                ch.pipeline().addLast(new HttpServerCodec(), new HttpServerExpectContinueHandler(),
                        new HelloHandler());
            }
        };
    }

    static byte[] request(InetSocketAddress target, boolean close) {
        return request(target.getHostString() + ':' + target.getPort(), close);
    }

    static byte[] request(String host, boolean close) {
        return ("GET /plaintext HTTP/1.1\r\nHost: " + host + "\r\n"
                + (close ? "Connection: close\r\n" : "") + "\r\n").getBytes(StandardCharsets.US_ASCII);
    }

    /** Sends one request on a plain socket and returns the whole response's length in bytes. */
    static int probeResponseLength(InetSocketAddress target, byte[] request) throws IOException {
        try (Socket s = new Socket(target.getAddress(), target.getPort())) {
            s.setSoTimeout(10_000);
            return probeResponseLength(s.getInputStream(), s.getOutputStream(), request);
        }
    }

    /** Writes one request and returns the whole response's length in bytes; the caller bounds the wait. */
    static int probeResponseLength(InputStream in, OutputStream out, byte[] request) throws IOException {
        out.write(request);
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("server closed before a response header: " + head);
            }
            head.append((char) b);
        }
        String h = head.toString();
        if (!h.startsWith("HTTP/1.1 200")) {
            throw new IOException("unexpected response: " + h.lines().findFirst().orElse(h));
        }
        int contentLength = h.lines()
                .filter(l -> l.toLowerCase(Locale.ROOT).startsWith("content-length:"))
                .mapToInt(l -> Integer.parseInt(l.substring(l.indexOf(':') + 1).trim()))
                .findFirst().orElseThrow(() -> new IOException("no content-length in " + h));
        return h.length() + contentLength;
    }

    @Override
    void start(LoadRun run) throws Exception {
        InetSocketAddress target = (InetSocketAddress) run.target;
        byte[] one = request(target, false);
        int responseLength = probeResponseLength(target, one);
        ByteBuf batch = Unpooled.directBuffer(one.length * depth);
        for (int i = 0; i < depth; i++) {
            batch.writeBytes(one);
        }
        ByteBuf requests = Unpooled.unreleasableBuffer(batch);
        run.connectAll(connections, () -> new ClosedLoopConnection(run, requests, depth, responseLength));
    }
}
