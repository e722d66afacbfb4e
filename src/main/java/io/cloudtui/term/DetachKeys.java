package io.cloudtui.term;

import io.cloudtui.core.CloudtuiException;
import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import java.util.Locale;

/**
 * A detach key sequence in docker's notation: comma-separated keys, each {@code ctrl-X} (X one of
 * a-z, @, [, \, ], ^, _) or one printable character. {@code "ctrl-p,ctrl-q"} is docker's default,
 * {@code "ctrl-]"} is virsh console's.
 */
public final class DetachKeys {
    private final byte[] sequence;
    private final String spec;

    private DetachKeys(byte[] sequence, String spec) {
        this.sequence = sequence;
        this.spec = spec;
    }

    /** Parses docker's notation; a blank spec yields null (no detach keys). */
    public static DetachKeys parse(String spec) {
        if (spec == null || spec.isBlank()) return null;
        String[] parts = spec.split(",");
        byte[] seq = new byte[parts.length];
        for (int i = 0; i < parts.length; i++) {
            String k = parts[i].trim();
            String lower = k.toLowerCase(Locale.ROOT);
            if (lower.startsWith("ctrl-") && k.length() == 6) {
                char c = lower.charAt(5);
                if (c >= 'a' && c <= 'z') seq[i] = (byte) (c - 'a' + 1);
                else if (c == '@') seq[i] = 0;
                else if (c >= '[' && c <= '_') seq[i] = (byte) (c - '[' + 27);
                else throw invalid(spec, k);
            } else if (k.length() == 1 && k.charAt(0) >= 0x20 && k.charAt(0) < 0x7f) {
                seq[i] = (byte) k.charAt(0);
            } else {
                throw invalid(spec, k);
            }
        }
        return new DetachKeys(seq, spec);
    }

    private static CloudtuiException invalid(String spec, String key) {
        return CloudtuiException.usage("invalid detach keys '" + spec + "': '" + key
                + "' is not ctrl-<a-z @ [ \\ ] ^ _> or a single character");
    }

    public byte[] bytes() {
        return sequence.clone();
    }

    @Override
    public String toString() {
        return spec;
    }

    /** Watches a byte stream for the sequence; holds back a partial match until it is decided. */
    public Matcher matcher() {
        return new Matcher();
    }

    /** Stateful filter over the input of one session. */
    public final class Matcher {
        private int matched;

        private Matcher() {}

        /**
         * Copies {@code in[0..n)} to {@code out}, minus any bytes that are (so far) part of the sequence.
         * Returns true when the full sequence was typed: the caller detaches and discards what follows.
         */
        public boolean filter(byte[] in, int n, ByteArrayOutputStream out) {
            for (int i = 0; i < n; i++) {
                byte b = in[i];
                if (b == sequence[matched]) {
                    matched++;
                    if (matched == sequence.length) {
                        matched = 0;
                        return true;
                    }
                } else {
                    // Not the sequence after all: what was held back belongs to the workload.
                    out.write(sequence, 0, matched);
                    matched = 0;
                    if (b == sequence[0]) {
                        matched = 1;
                        if (sequence.length == 1) return true;
                    } else {
                        out.write(b);
                    }
                }
            }
            return false;
        }

        byte[] pending() {
            return Arrays.copyOf(sequence, matched);
        }
    }
}
