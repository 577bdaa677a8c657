package io.kqueueffm.socket;

import io.kqueueffm.abi.SocketAbi;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * Who is at the other end of a connected Unix domain socket, as the kernel recorded it at connect
 * time: the accessors of Netty's {@code io.netty.channel.unix.PeerCredentials}, whose constructor is
 * private to Netty's JNI code.
 *
 * <p>Darwin: LOCAL_PEERCRED (struct xucred: uid and up to 16 groups) and LOCAL_PEERPID, both at level
 * SOL_LOCAL. FreeBSD: LOCAL_PEERCRED, whose xucred also carries the pid (0 before 13.0). Linux:
 * SO_PEERCRED (pid, uid and the primary gid only).
 */
public final class PeerCredentials {
    private final int pid;
    private final int uid;
    private final int[] gids;

    PeerCredentials(int pid, int uid, int[] gids) {
        this.pid = pid;
        this.uid = uid;
        this.gids = gids;
    }

    /** Reads the credentials of {@code socket}'s peer. */
    public static PeerCredentials of(Socket socket) throws IOException {
        SocketAbi abi = Socket.abi();
        if (SocketAbi.has(abi.soPeercred)) {
            ByteBuffer b = order(socket.getRaw(abi.solSocket, abi.soPeercred, SocketAbi.UCRED_SIZE));
            if (b.remaining() < SocketAbi.UCRED_SIZE) {
                throw new IOException("SO_PEERCRED returned " + b.remaining() + " bytes");
            }
            return new PeerCredentials(b.getInt(0), b.getInt(4), new int[] {b.getInt(8)});
        }
        ByteBuffer x = order(socket.getRaw(abi.solLocal, abi.localPeercred, abi.xucredSize));
        if (x.remaining() < SocketAbi.XUCRED_OFF_GROUPS || x.getInt(0) != 0) {
            throw new IOException("LOCAL_PEERCRED returned an unknown struct xucred (" + x.remaining() + " bytes)");
        }
        int ngroups = Math.max(0, Math.min(x.getShort(SocketAbi.XUCRED_OFF_NGROUPS), SocketAbi.XUCRED_MAX_GROUPS));
        ngroups = Math.min(ngroups, (x.remaining() - SocketAbi.XUCRED_OFF_GROUPS) / 4);
        int[] gids = new int[ngroups];
        for (int i = 0; i < ngroups; i++) {
            gids[i] = x.getInt(SocketAbi.XUCRED_OFF_GROUPS + 4 * i);
        }
        int pid = 0;
        if (SocketAbi.has(abi.xucredOffPid) && x.remaining() >= abi.xucredOffPid + 4) {
            pid = x.getInt(abi.xucredOffPid);
        } else if (SocketAbi.has(abi.localPeerpid)) {
            pid = socket.getInt(abi.solLocal, abi.localPeerpid);
        }
        return new PeerCredentials(pid, x.getInt(SocketAbi.XUCRED_OFF_UID), gids);
    }

    private static ByteBuffer order(byte[] bytes) {
        return ByteBuffer.wrap(bytes).order(ByteOrder.nativeOrder());
    }

    /** The peer's process id; 0 where the OS does not say (FreeBSD before 13.0). */
    public int pid() {
        return pid;
    }

    /** The peer's effective user id. */
    public int uid() {
        return uid;
    }

    /** The peer's groups: the effective gid first (on Linux, only that one). */
    public int[] gids() {
        return gids.clone();
    }

    @Override
    public String toString() {
        return "PeerCredentials[pid=" + pid + "; uid=" + uid + "; gids=" + Arrays.toString(gids) + "]";
    }
}
