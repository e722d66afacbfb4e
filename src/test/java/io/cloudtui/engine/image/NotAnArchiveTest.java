package io.cloudtui.engine.image;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cloudtui.core.CloudtuiException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A file that is no archive the importer knows is refused in one line whatever its first bytes are,
 * from a file and from a stream, and leaves the store empty (it used to store an empty 0 B image
 * for a SIF, a zero-filled file and a truncated SIF).
 */
class NotAnArchiveTest {
    @TempDir
    Path tmp;

    /** The first bytes of a SIF: launch script, magic, version, arch, and a header pointing past a short file. */
    static byte[] sifHead(int total) {
        ByteBuffer b = ByteBuffer.allocate(total).order(ByteOrder.LITTLE_ENDIAN);
        b.put(Arrays.copyOf("#!/usr/bin/env run-singularity\n".getBytes(StandardCharsets.US_ASCII), 32));
        b.put("SIF_MAGIC\0".getBytes(StandardCharsets.US_ASCII));
        b.put("01\0".getBytes(StandardCharsets.US_ASCII));
        b.put("02\0".getBytes(StandardCharsets.US_ASCII));
        b.put(new byte[16]);
        b.putLong(0).putLong(0).putLong(47).putLong(48).putLong(4096).putLong(48 * 585).putLong(32768).putLong(1 << 20);
        return b.array();
    }

    private void refused(String name, byte[] data) throws IOException {
        Path storeRoot = tmp.resolve("store-" + name);
        ImageStore s = new ImageStore(storeRoot);
        Path in = Tars.write(tmp, name, data);
        CloudtuiException e = assertThrows(CloudtuiException.class, () -> s.importImage(in, "ctui-it/bad:1", null), name);
        assertFalse(e.getMessage().contains("\n"), name + ": one line: " + e.getMessage());
        assertTrue(e.getMessage().contains(name), name + ": names the file: " + e.getMessage());
        assertTrue(s.list().isEmpty(), name + ": nothing stored");
        CloudtuiException e2 = assertThrows(CloudtuiException.class,
                () -> s.importStream(new ByteArrayInputStream(data), name, "ctui-it/bad:1", null), name + " (stream)");
        assertFalse(e2.getMessage().contains("\n"), name + ": one line: " + e2.getMessage());
        assertTrue(s.list().isEmpty(), name + " (stream): nothing stored");
        try (Stream<Path> w = Files.list(storeRoot.resolve("layers"))) {
            assertTrue(w.findAny().isEmpty(), name + ": no layer left");
        }
    }

    @Test
    void sifHeaderAloneIsRefused() throws IOException {
        refused("only-head.sif", sifHead(4096));
    }

    @Test
    void zeroFilledFilesAreRefused() throws IOException {
        refused("zeros-512", new byte[512]);
        refused("zeros-1m", new byte[1 << 20]);
        refused("empty", new byte[0]);
    }

    @Test
    void randomBytesAreRefused() throws IOException {
        Random r = new Random(13);
        for (int n : List.of(7, 512, 10_000)) {
            byte[] b = new byte[n];
            r.nextBytes(b);
            refused("random-" + n, b);
        }
    }

    @Test
    void truncatedTarsAreRefused() throws IOException {
        byte[] tar = new Tars().dir("etc").file("etc/a", new byte[3000], 0100644).file("etc/b", "bbb").bytes();
        refused("cut-in-content.tar", Arrays.copyOf(tar, 512 + 512 + 1500));
        refused("cut-in-header.tar", Arrays.copyOf(tar, 512 + 100));
        refused("cut-after-entry.tar", Arrays.copyOf(tar, 512 + 512 + 3072));
        byte[] gz = Tars.gzip(tar);
        refused("cut.tar.gz", Arrays.copyOf(gz, gz.length / 2));
        refused("no-trailer.tar.gz", Arrays.copyOf(gz, gz.length - 4));
    }

    @Test
    void aLongZstdFileIsNamedAsSuch() throws IOException {
        byte[] z = new byte[4096];
        new Random(5).nextBytes(z);
        z[0] = 0x28;
        z[1] = (byte) 0xb5;
        z[2] = 0x2f;
        z[3] = (byte) 0xfd;
        ImageStore s = new ImageStore(tmp.resolve("store-z"));
        CloudtuiException e = assertThrows(CloudtuiException.class, () -> s.importImage(Tars.write(tmp, "long.tar.zst", z), "ctui-it/z:1", null));
        assertTrue(e.getMessage().contains("zstd"), e.getMessage());
    }

    @Test
    void truncatedDockerSaveIsRefused() throws IOException {
        byte[] save = Tars.dockerSave(List.of(new Tars().file("a", new byte[5000], 0100644).bytes()), "ctui-it/cut:1");
        refused("cut-save.tar", Arrays.copyOf(save, save.length / 2));
    }
}
