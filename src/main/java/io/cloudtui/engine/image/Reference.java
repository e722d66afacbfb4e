package io.cloudtui.engine.image;

import io.cloudtui.core.CloudtuiException;
import java.util.regex.Pattern;

/** An image reference: [registry[:port]/]path[:tag][@sha256:hex], with docker.io's defaults. */
record Reference(String domain, String path, String tag, String digest) {
    static final String DOCKER_HUB = "docker.io";
    private static final Pattern COMPONENT = Pattern.compile("[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*");
    private static final Pattern TAG = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}");
    private static final Pattern DOMAIN = Pattern.compile("(?:[A-Za-z0-9-]+(?:\\.[A-Za-z0-9-]+)*|\\[[0-9a-fA-F:]+\\])(?::[0-9]+)?");

    static Reference parse(String ref) {
        if (ref == null || ref.isBlank()) {
            throw CloudtuiException.usage("empty image reference");
        }
        String s = ref.trim();
        String digest = null;
        int at = s.indexOf('@');
        if (at >= 0) {
            digest = s.substring(at + 1);
            s = s.substring(0, at);
            try {
                Fs.hex(digest);
            } catch (CloudtuiException e) {
                throw CloudtuiException.usage("invalid image reference '" + ref + "': bad digest");
            }
        }
        String tag = null;
        int colon = s.lastIndexOf(':');
        if (colon > s.lastIndexOf('/')) {
            tag = s.substring(colon + 1);
            s = s.substring(0, colon);
            if (!TAG.matcher(tag).matches()) {
                throw CloudtuiException.usage("invalid image reference '" + ref + "': bad tag '" + tag + "'");
            }
        }
        String domain = DOCKER_HUB;
        String path = s;
        int slash = s.indexOf('/');
        if (slash > 0) {
            String first = s.substring(0, slash);
            if (first.contains(".") || first.contains(":") || first.equals("localhost") || first.startsWith("[")) {
                if (!DOMAIN.matcher(first).matches()) {
                    throw CloudtuiException.usage("invalid image reference '" + ref + "': bad registry '" + first + "'");
                }
                domain = first;
                path = s.substring(slash + 1);
            }
        }
        if (domain.equals(DOCKER_HUB) && !path.contains("/")) {
            path = "library/" + path;
        }
        for (String c : path.split("/", -1)) {
            if (!COMPONENT.matcher(c).matches()) {
                throw CloudtuiException.usage("invalid image reference '" + ref + "' (names are lowercase: a-z 0-9 . _ -)");
            }
        }
        if (tag == null && digest == null) {
            tag = "latest";
        }
        return new Reference(domain, path, tag, digest);
    }

    /** The short name people type: docker.io/library/ dropped. */
    String familiarName() {
        if (domain.equals(DOCKER_HUB)) {
            return path.startsWith("library/") ? path.substring("library/".length()) : path;
        }
        return domain + "/" + path;
    }

    /** The tag key the store keeps ("name:tag"), or null for a digest-only reference. */
    String tagKey() {
        return tag == null ? null : familiarName() + ":" + tag;
    }

    /** The host to talk to: Docker Hub's registry lives at registry-1.docker.io. */
    String registryHost() {
        return domain.equals(DOCKER_HUB) ? "registry-1.docker.io" : domain;
    }

    /** The manifest reference: the digest when given, else the tag. */
    String manifestRef() {
        return digest != null ? digest : tag;
    }

    @Override
    public String toString() {
        return familiarName() + (tag != null ? ":" + tag : "") + (digest != null ? "@" + digest : "");
    }
}
