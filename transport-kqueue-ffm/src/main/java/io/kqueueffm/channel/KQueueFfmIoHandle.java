package io.kqueueffm.channel;

import io.netty.channel.IoHandle;

/** Something registered with a {@link KQueueFfmIoHandler}: an fd, or any other kqueue ident. */
public interface KQueueFfmIoHandle extends IoHandle {
    /** The ident changes are submitted for (the fd for sockets). */
    int ident();
}
