package io.kqueueffm.example;

import io.kqueueffm.channel.KQueueFfm;
import io.kqueueffm.channel.KQueueFfmIoHandler;
import io.kqueueffm.channel.KQueueFfmServerSocketChannel;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerExpectContinueHandler;

import java.net.InetSocketAddress;

/**
 * A small HTTP/1.1 server in the manner of the usual plaintext benchmark: {@code GET /plaintext}
 * and {@code GET /json}, keep-alive, pipelining. Runs on kqueue-ffm (the kernel's kqueue on macOS
 * and FreeBSD, the emulation on Linux), or on NIO with {@code --transport nio} for comparison.
 */
public final class HttpServer {
    private final String host;
    private final int port;
    private final String transport;
    private final int threads;
    private EventLoopGroup group;
    private Channel channel;

    public HttpServer(String host, int port, String transport, int threads) {
        this.host = host;
        this.port = port;
        this.transport = transport;
        this.threads = threads;
    }

    /** Binds and returns the address it listens on. */
    public InetSocketAddress start() throws InterruptedException {
        IoHandlerFactory factory;
        Class<? extends ServerChannel> channelClass;
        if ("nio".equals(transport)) {
            factory = NioIoHandler.newFactory();
            channelClass = NioServerSocketChannel.class;
        } else if ("kqueue-ffm".equals(transport)) {
            KQueueFfm.ensureAvailability();
            factory = KQueueFfmIoHandler.newFactory();
            channelClass = KQueueFfmServerSocketChannel.class;
        } else {
            throw new IllegalArgumentException("unknown transport " + transport + " (kqueue-ffm or nio)");
        }
        group = new MultiThreadIoEventLoopGroup(threads, factory);
        try {
            channel = new ServerBootstrap()
                    .group(group)
                    .channel(channelClass)
                    .option(ChannelOption.SO_BACKLOG, 1024)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            ch.pipeline().addLast(new HttpServerCodec(), new HttpServerExpectContinueHandler(),
                                    new HelloHandler());
                        }
                    })
                    .bind(host, port).sync().channel();
        } catch (InterruptedException | RuntimeException e) {
            group.shutdownGracefully();
            throw e;
        }
        return (InetSocketAddress) channel.localAddress();
    }

    public void stop() {
        if (channel != null) {
            channel.close().syncUninterruptibly();
        }
        if (group != null) {
            group.shutdownGracefully().syncUninterruptibly();
        }
    }

    public static void main(String[] args) throws InterruptedException {
        String host = "127.0.0.1";
        int port = 8080;
        String transport = "kqueue-ffm";
        int threads = Runtime.getRuntime().availableProcessors();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--host" -> host = args[++i];
                case "--port" -> port = Integer.parseInt(args[++i]);
                case "--transport" -> transport = args[++i];
                case "--threads" -> threads = Integer.parseInt(args[++i]);
                default -> {
                    System.err.println("usage: HttpServer [--host H] [--port P] [--transport kqueue-ffm|nio] [--threads N]");
                    System.exit(2);
                }
            }
        }
        if ("kqueue-ffm".equals(transport) && !KQueueFfm.isAvailable()) {
            System.err.println("kqueue-ffm is not available: " + KQueueFfm.unavailabilityCause().getMessage());
            System.exit(1);
        }
        HttpServer server = new HttpServer(host, port, transport, threads);
        InetSocketAddress bound = server.start();
        Runtime.getRuntime().addShutdownHook(new Thread(server::stop, "http-server-shutdown"));
        String via = "kqueue-ffm".equals(transport) ? KQueueFfm.describe() : "NIO";
        System.out.println("HTTP/1.1 server listening on http://" + bound.getHostString() + ":" + bound.getPort()
                + "/ (try /plaintext and /json) with " + threads + " event loop(s) on " + transport
                + " [" + via + "]; Ctrl-C stops it.");
        server.channel.closeFuture().sync();
    }
}
