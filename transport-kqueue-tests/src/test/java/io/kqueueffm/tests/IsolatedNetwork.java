package io.kqueueffm.tests;

import org.junit.jupiter.api.Assumptions;

import java.net.NetworkInterface;
import java.net.SocketException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * The guard of tests that send multicast: they run only in the network namespace the build makes
 * for them (src/test/netns/bin/java), whose only interfaces are loopback and a veth pair with both
 * ends inside it, so no datagram can leave the machine. Elsewhere they are skipped, except on CI (CI=true) on Linux, where the
 * namespace is expected and its absence is a failure.
 */
public final class IsolatedNetwork {
    private IsolatedNetwork() {
    }

    public static void require() throws SocketException {
        String netns = System.getProperty("kqueueffm.netns", "none");
        if (!"isolated".equals(netns)) {
            String why = "multicast tests need a network namespace with loopback alone (kqueueffm.netns=" + netns
                    + "; the build makes one as root with unshare and ip)";
            if ("true".equals(System.getenv("CI")) && System.getProperty("os.name").startsWith("Linux")) {
                fail(why);
            }
            Assumptions.abort(why);
        }
        List<String> ours = List.of(System.getProperty("kqueueffm.netns.veth", "").split(","));
        List<String> others = new ArrayList<>();
        for (NetworkInterface ni : Collections.list(NetworkInterface.getNetworkInterfaces())) {
            if (!ni.isLoopback() && !ours.contains(ni.getName())) {
                others.add(ni.getName());
            }
        }
        if (!others.isEmpty()) {
            fail("refusing to send multicast: interfaces other than the namespace's own are present: " + others);
        }
    }
}
