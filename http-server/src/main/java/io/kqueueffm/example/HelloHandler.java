package io.kqueueffm.example;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.AsciiString;
import io.netty.util.CharsetUtil;

/** Answers /plaintext and /json from pre-encoded bodies; flushes once per read batch. */
public final class HelloHandler extends SimpleChannelInboundHandler<HttpObject> {
    private static final ByteBuf PLAINTEXT = Unpooled.unreleasableBuffer(
            Unpooled.directBuffer().writeBytes("Hello, World!".getBytes(CharsetUtil.US_ASCII))).asReadOnly();
    private static final ByteBuf JSON = Unpooled.unreleasableBuffer(
            Unpooled.directBuffer().writeBytes("{\"message\":\"Hello, World!\"}".getBytes(CharsetUtil.US_ASCII)))
            .asReadOnly();
    private static final AsciiString SERVER = AsciiString.cached("kqueue-ffm");
    private static final AsciiString TEXT_PLAIN = AsciiString.cached("text/plain");

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, HttpObject msg) {
        if (!(msg instanceof HttpRequest req)) {
            return;
        }
        boolean keepAlive = HttpUtil.isKeepAlive(req);
        FullHttpResponse res;
        String uri = req.uri();
        if (req.method() != HttpMethod.GET && req.method() != HttpMethod.HEAD) {
            res = empty(req.protocolVersion(), HttpResponseStatus.METHOD_NOT_ALLOWED);
        } else if ("/plaintext".equals(uri) || "/".equals(uri)) {
            res = body(req.protocolVersion(), PLAINTEXT, TEXT_PLAIN);
        } else if ("/json".equals(uri)) {
            res = body(req.protocolVersion(), JSON, HttpHeaderValues.APPLICATION_JSON);
        } else {
            res = empty(req.protocolVersion(), HttpResponseStatus.NOT_FOUND);
        }
        if (keepAlive) {
            if (!req.protocolVersion().isKeepAliveDefault()) {
                res.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
            }
            ctx.write(res, ctx.voidPromise());
        } else {
            res.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            ctx.writeAndFlush(res).addListener(ChannelFutureListener.CLOSE);
        }
    }

    private static FullHttpResponse body(HttpVersion version, ByteBuf content, AsciiString type) {
        FullHttpResponse res = new DefaultFullHttpResponse(version, HttpResponseStatus.OK, content.duplicate());
        res.headers()
                .set(HttpHeaderNames.SERVER, SERVER)
                .set(HttpHeaderNames.CONTENT_TYPE, type)
                .setInt(HttpHeaderNames.CONTENT_LENGTH, content.readableBytes());
        return res;
    }

    private static FullHttpResponse empty(HttpVersion version, HttpResponseStatus status) {
        FullHttpResponse res = new DefaultFullHttpResponse(version, status);
        res.headers().set(HttpHeaderNames.SERVER, SERVER).setInt(HttpHeaderNames.CONTENT_LENGTH, 0);
        return res;
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        ctx.flush();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }
}
