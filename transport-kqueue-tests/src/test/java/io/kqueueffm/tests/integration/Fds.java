package io.kqueueffm.tests.integration;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/** Counts this process's open file descriptors (Linux /proc, BSD/macOS /dev/fd). */
final class Fds {
    private Fds() {
    }

    static long open() throws IOException {
        Path dir = Files.isDirectory(Path.of("/proc/self/fd")) ? Path.of("/proc/self/fd") : Path.of("/dev/fd");
        try (Stream<Path> s = Files.list(dir)) {
            return s.count();
        }
    }
}
