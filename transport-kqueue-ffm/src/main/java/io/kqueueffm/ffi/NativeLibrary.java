package io.kqueueffm.ffi;

import io.kqueueffm.abi.Platform;

import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Locale;
import java.util.Optional;

/**
 * Where native symbols come from. On Darwin and FreeBSD: libc, through the linker's default lookup.
 * On Linux there is no kqueue, so the project's emulation library is searched first and libc second:
 * the emulation also exports {@code close}, {@code read}, {@code getsockopt}... so that closing an
 * fd drops its knotes just as the kernel does.
 *
 * <p>The emulation is found, in order, at the path in {@value #EMULATION_PATH_PROPERTY}, or as the
 * class-path resource {@code META-INF/native/kqueue-ffm/linux-<arch>/<library>} (the
 * {@code kqueue-emulation} artifact), where the library is the one of {@link Platform#emulationLibrary}:
 * {@code libkqueue-emulation.so} (Darwin's ABI) or, under
 * {@code -Dkqueueffm.emulation.abi=freebsd}, {@code libkqueue-emulation-freebsd.so}. Setting
 * {@value #DISABLE_PROPERTY}{@code =true} makes the transport report itself unavailable.
 */
public final class NativeLibrary {
    public static final String DISABLE_PROPERTY = "kqueueffm.disable";
    public static final String EMULATION_PATH_PROPERTY = "kqueueffm.emulation.library";

    private static final SymbolLookup LOOKUP;
    private static final Throwable UNAVAILABILITY_CAUSE;
    private static final String DESCRIPTION;

    static {
        SymbolLookup lookup = name -> Optional.empty();
        Throwable cause = null;
        String description;
        Platform platform = Platform.current();
        if (Boolean.getBoolean(DISABLE_PROPERTY)) {
            cause = new UnsupportedOperationException(
                    "kqueue-ffm disabled by the system property " + DISABLE_PROPERTY + "=true");
            description = "disabled";
        } else if (platform == Platform.UNSUPPORTED) {
            cause = new UnsupportedOperationException(
                    "kqueue-ffm needs macOS, FreeBSD, or Linux with the kqueue emulation; this is "
                            + System.getProperty("os.name"));
            description = "unsupported OS";
        } else if (!platform.emulated) {
            lookup = Linker.nativeLinker().defaultLookup();
            description = "libc (" + platform.kevent + ")";
        } else {
            Path emulation = null;
            try {
                emulation = findEmulation(platform.emulationLibrary);
            } catch (IOException | RuntimeException e) {
                cause = e;
            }
            if (emulation == null) {
                if (cause == null) {
                    cause = new UnsupportedOperationException(
                            "Linux has no kqueue and the kqueue emulation was not found: put the artifact "
                                    + "io.github.kqueueffm:kqueue-emulation on the class path, or set -D"
                                    + EMULATION_PATH_PROPERTY + "=/path/to/" + platform.emulationLibrary);
                }
                description = "emulation missing";
            } else {
                SymbolLookup emulated = SymbolLookup.libraryLookup(emulation, Arena.global());
                SymbolLookup libc = Linker.nativeLinker().defaultLookup();
                lookup = name -> {
                    Optional<MemorySegment> s = emulated.find(name);
                    return s.isPresent() ? s : libc.find(name);
                };
                description = "kqueue emulation " + emulation + " (" + platform.kevent + ") then libc";
            }
        }
        LOOKUP = lookup;
        UNAVAILABILITY_CAUSE = cause;
        DESCRIPTION = description;
    }

    private NativeLibrary() {
    }

    private static Path findEmulation(String file) throws IOException {
        String explicit = System.getProperty(EMULATION_PATH_PROPERTY);
        if (explicit != null && !explicit.isEmpty()) {
            Path p = Path.of(explicit);
            if (!Files.isRegularFile(p)) {
                throw new IOException(EMULATION_PATH_PROPERTY + " names " + p + ", which is not a file");
            }
            return p;
        }
        String resource = "META-INF/native/kqueue-ffm/linux-" + arch() + "/" + file;
        ClassLoader cl = NativeLibrary.class.getClassLoader();
        URL url = cl == null ? ClassLoader.getSystemResource(resource) : cl.getResource(resource);
        if (url == null) {
            return null;
        }
        if ("file".equals(url.getProtocol())) {
            try {
                return Path.of(url.toURI());
            } catch (URISyntaxException e) {
                throw new IOException("bad emulation URL " + url, e);
            }
        }
        // Inside a jar: a shared library must be a file to be loaded.
        Path tmp = Files.createTempFile("kqueue-ffm-", "-" + file);
        tmp.toFile().deleteOnExit();
        try (InputStream in = url.openStream()) {
            Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
        }
        return tmp;
    }

    private static String arch() {
        return System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
    }

    public static SymbolLookup lookup() {
        return LOOKUP;
    }

    /** What the symbols are resolved from, for diagnostics. */
    public static String description() {
        return DESCRIPTION;
    }

    /** null when the native side was found; otherwise why it cannot be used. */
    public static Throwable unavailabilityCause() {
        return UNAVAILABILITY_CAUSE;
    }
}
