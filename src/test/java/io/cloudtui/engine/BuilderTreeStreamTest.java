package io.cloudtui.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.Test;

/**
 * The tree stream the native walk writes from inside a rootless step container's user namespace
 * (nsexec.c, walk) as a layer tar: owners as the container sees them, whiteouts and opaque
 * directories in OCI form, hard links, and what is not part of the step's change left out.
 */
class BuilderTreeStreamTest {
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final DataOutputStream out = new DataOutputStream(bytes);

    private void entry(String path, int mode, int uid, int gid, long size, int major, int minor, long ino, int nlink, boolean opaque, String link, String content)
            throws IOException {
        out.write('E');
        out.writeInt(mode);
        out.writeInt(uid);
        out.writeInt(gid);
        out.writeLong(1_700_000_000L);
        out.writeInt(5);
        out.writeLong(size);
        out.writeInt(major);
        out.writeInt(minor);
        out.writeLong(7);
        out.writeLong(ino);
        out.writeInt(nlink);
        out.writeByte(opaque ? 1 : 0);
        byte[] p = path.getBytes(StandardCharsets.UTF_8);
        out.writeInt(p.length);
        out.write(p);
        byte[] l = link.getBytes(StandardCharsets.UTF_8);
        out.writeInt(l.length);
        out.write(l);
        out.write(content.getBytes(StandardCharsets.UTF_8));
    }

    private void file(String path, int uid, long ino, int nlink, String content) throws IOException {
        entry(path, 0100600, uid, uid, content.length(), 0, 0, ino, nlink, false, "", content);
    }

    private void dir(String path, boolean opaque) throws IOException {
        entry(path, 0040700, 42, 0, 0, 0, 0, path.hashCode(), 2, opaque, "", "");
    }

    private List<String> tar() throws IOException {
        ByteArrayOutputStream t = new ByteArrayOutputStream();
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(t)) {
            tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            Builder.tarStream(new DataInputStream(new ByteArrayInputStream(bytes.toByteArray())), tar, Set.of("mnt"));
            tar.finish();
        }
        List<String> names = new ArrayList<>();
        try (TarArchiveInputStream in = new TarArchiveInputStream(new ByteArrayInputStream(t.toByteArray()))) {
            for (TarArchiveEntry e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
                String what = e.isLink() ? " link " + e.getLinkName() : e.isSymbolicLink() ? " -> " + e.getLinkName()
                        : e.isCharacterDevice() ? " chr " + e.getDevMajor() + ":" + e.getDevMinor() : e.isFile() ? " " + new String(in.readAllBytes(), StandardCharsets.UTF_8) : "";
                names.add(e.getName() + " " + Integer.toOctalString(e.getMode() & 07777) + " " + e.getLongUserId() + ":" + e.getLongGroupId() + what);
            }
        }
        return names;
    }

    @Test
    void ownersAsInsideWhiteoutsLinksAndLeftOut() throws Exception {
        dir("dev", false);
        file("dev/null-copy", 0, 1, 1, "left out with dev");
        dir("etc", true);
        entry("etc/hosts", 0100644, 0, 0, 0, 0, 0, 2, 1, false, "", "");
        file("etc/x", 42, 3, 2, "abc");
        file("etc/y", 42, 3, 2, "abc");
        entry("gone", 0020000, 0, 0, 0, 0, 0, 4, 1, false, "", "");
        entry("l", 0120777, 1000, 1000, 0, 0, 0, 5, 1, false, "../x", "");
        dir("mnt", false);
        entry("null", 0020666, 0, 0, 0, 1, 3, 6, 1, false, "", "");
        entry("sock", 0140755, 0, 0, 0, 0, 0, 7, 1, false, "", "");
        dir("var", false);
        dir("var/cache", false);
        dir("var/cache/partial", false);
        out.write('Z');
        assertEquals(List.of("etc/ 700 42:0", "etc/.wh..wh..opq 0 0:0 ", "etc/x 600 42:42 abc", "etc/y 600 42:42 link etc/x", ".wh.gone 0 0:0 ",
                "l 777 1000:1000 -> ../x", "null 666 0:0 chr 1:3", "var/ 700 42:0", "var/cache/ 700 42:0", "var/cache/partial/ 700 42:0"), tar());
    }

    @Test
    void aStreamCutShortFails() throws Exception {
        dir("etc", false);
        assertThrows(IOException.class, this::tar);
    }
}
