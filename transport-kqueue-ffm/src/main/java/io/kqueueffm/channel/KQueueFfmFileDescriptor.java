package io.kqueueffm.channel;

import io.kqueueffm.socket.ControlMessages;
import io.kqueueffm.socket.Errors;
import io.kqueueffm.socket.Socket;
import io.netty.channel.unix.FileDescriptor;

import java.io.IOException;

/**
 * A file descriptor as Netty's {@link FileDescriptor}, usable without Netty's JNI library:
 * {@link #intValue()}, {@link #isOpen()} and {@link #close()} work (close goes through FFM). This is
 * what a domain socket channel in {@code DomainSocketReadMode.FILE_DESCRIPTORS} delivers for every
 * descriptor it receives; the receiver owns it and must close it. The inherited read/write methods
 * are Netty's native ones and fail without its JNI library: hand {@link #intValue()} to whatever
 * will use the descriptor.
 *
 * <p>Netty's {@link FileDescriptor} written to a domain socket channel is sent as it is (only its int
 * value is read); so is this type.
 */
public class KQueueFfmFileDescriptor extends FileDescriptor {
    /** Non-null for a channel's own socket: the view opens and closes with it. */
    private final Socket socket;

    public KQueueFfmFileDescriptor(int fd) {
        super(fd);
        this.socket = null;
    }

    KQueueFfmFileDescriptor(Socket socket) {
        super(socket.fd());
        this.socket = socket;
    }

    @Override
    public boolean isOpen() {
        return socket != null ? socket.isOpen() : super.isOpen();
    }

    @Override
    public void close() throws IOException {
        if (socket != null) {
            socket.close();
        } else if (markClosed()) {
            int r = ControlMessages.closeDescriptor(intValue());
            if (r < 0) {
                throw Errors.newIOException("close", -r);
            }
        }
    }

    @Override
    public String toString() {
        return "FileDescriptor{fd=" + intValue() + (isOpen() ? "" : ", closed") + '}';
    }
}
