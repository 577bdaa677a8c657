package io.kqueueffm.channel;

import io.kqueueffm.abi.SocketAbi;
import io.kqueueffm.ffi.Errno;
import io.kqueueffm.ffi.NativeException;
import io.kqueueffm.socket.Socket;
import io.kqueueffm.socket.UnixSocketAddresses;
import io.netty.channel.Channel;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.channel.unix.ServerDomainSocketChannel;
import io.netty.util.internal.logging.InternalLogger;
import io.netty.util.internal.logging.InternalLoggerFactory;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.net.BindException;
import java.net.SocketAddress;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Objects;

/**
 * A Unix domain socket listening on a socket file (or, on Linux, an abstract name); accepts
 * {@link KQueueFfmDomainSocketChannel}s.
 *
 * <p>The socket file is removed when the channel closes, as Netty's domain server channels do, but
 * only if it is still the file this channel created. A file already at the path is never removed:
 * binding fails with a {@link BindException} that says whether another process listens there or the
 * file is stale (left by a process that died), so that the operator, not the library, decides.
 */
public final class KQueueFfmServerDomainSocketChannel extends AbstractKQueueFfmServerChannel
        implements ServerDomainSocketChannel {
    private static final InternalLogger logger = InternalLoggerFactory.getInstance(KQueueFfmServerDomainSocketChannel.class);

    private final KQueueFfmServerSocketChannelConfig config;
    /** The socket file this channel bound, and its identity (device and inode), to remove on close. */
    private volatile Path socketFile;
    private volatile Object socketFileKey;

    public KQueueFfmServerDomainSocketChannel() {
        super(Sockets.newUnix(SocketAbi.SOCK_STREAM));
        config = new KQueueFfmServerSocketChannelConfig(this);
    }

    @Override
    public KQueueFfmServerSocketChannelConfig config() {
        return config;
    }

    @Override
    int backlog() {
        return config.getBacklog();
    }

    @Override
    Channel newChild(int fd, MemorySegment addr, int addrLen) {
        return new KQueueFfmDomainSocketChannel(this, Socket.adopt(fd, false),
                UnixSocketAddresses.decode(Socket.abi(), addr, addrLen));
    }

    @Override
    protected void doBind(SocketAddress localAddress) throws Exception {
        try {
            super.doBind(localAddress);
        } catch (BindException e) {
            if (e.getCause() instanceof NativeException n && n.errno() == Errno.EADDRINUSE) {
                throw addressInUse(localAddress, e);
            }
            throw e;
        }
        Path file = fileOf(localAddress);
        if (file != null) {
            socketFileKey = fileKey(file);
            socketFile = file;
        }
    }

    private static BindException addressInUse(SocketAddress address, BindException cause) {
        String path = UnixSocketAddresses.path(address);
        String why = acceptsConnections(address)
                ? "another socket is listening on it"
                : "nothing accepts connections on it: a stale socket file (left by a process that exited"
                  + " without removing it?); remove it if nothing owns it";
        BindException e = new BindException("cannot bind " + path + ": address already in use (EADDRINUSE), "
                + why);
        e.initCause(cause);
        return e;
    }

    private static boolean acceptsConnections(SocketAddress address) {
        Socket probe = null;
        try {
            probe = Socket.newUnixSocket(SocketAbi.SOCK_STREAM);
            probe.connect(address);
            return true;
        } catch (IOException e) {
            return !(e.getCause() instanceof NativeException n
                    && (n.errno() == Errno.ECONNREFUSED || n.errno() == Errno.ENOENT));
        } finally {
            if (probe != null) {
                try {
                    probe.close();
                } catch (IOException ignore) {
                    // the probe had no other use
                }
            }
        }
    }

    /** The file a bind to {@code address} creates; null for an abstract name. */
    private static Path fileOf(SocketAddress address) {
        String path = UnixSocketAddresses.path(address);
        if (path == null || path.isEmpty() || path.charAt(0) == '\0') {
            return null;
        }
        try {
            return Path.of(path);
        } catch (InvalidPathException e) {
            return null;
        }
    }

    private static Object fileKey(Path file) {
        try {
            return Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).fileKey();
        } catch (IOException e) {
            return null;
        }
    }

    @Override
    protected void doClose() throws Exception {
        try {
            super.doClose();
        } finally {
            Path file = socketFile;
            Object key = socketFileKey;
            socketFile = null;
            // Only the file this channel created: a process may have replaced it since.
            if (file != null && key != null && Objects.equals(key, fileKey(file))) {
                try {
                    Files.deleteIfExists(file);
                } catch (IOException e) {
                    logger.debug("cannot remove socket file {}", file, e);
                }
            }
        }
    }

    @Override
    public DomainSocketAddress localAddress() {
        return (DomainSocketAddress) super.localAddress();
    }

    @Override
    public DomainSocketAddress remoteAddress() {
        return null;
    }
}
