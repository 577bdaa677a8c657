package io.kqueueffm.abi;

import java.util.Locale;

/**
 * The one place that asks which operating system the JVM runs on. Everything else asks the
 * {@link Platform} tables instead.
 */
public enum Os {
    DARWIN, FREEBSD, LINUX, OTHER;

    private static final Os CURRENT = detect(System.getProperty("os.name", ""));

    private static final String VERSION = System.getProperty("os.version", "");

    public static Os current() {
        return CURRENT;
    }

    /** The running kernel's release as the JVM reports it (e.g. "14.1-RELEASE", "24.5.0"). */
    public static String version() {
        return VERSION;
    }

    static Os detect(String osName) {
        String n = osName.toLowerCase(Locale.ROOT).replace(" ", "");
        if (n.startsWith("mac") || n.startsWith("darwin") || n.startsWith("osx")) {
            return DARWIN;
        }
        if (n.startsWith("freebsd")) {
            return FREEBSD;
        }
        if (n.startsWith("linux")) {
            return LINUX;
        }
        return OTHER;
    }
}
