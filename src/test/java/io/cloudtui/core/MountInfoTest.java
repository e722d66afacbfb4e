package io.cloudtui.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class MountInfoTest {
    private static final String TABLE = String.join("\n",
            "22 1 0:21 / / rw,relatime shared:1 - overlay overlay rw,lowerdir=/a:/b,upperdir=/u,workdir=/w",
            "30 22 0:26 / /sys/fs/cgroup/memory rw,nosuid shared:9 - cgroup cgroup rw,memory",
            "31 22 0:27 / /sys/fs/cgroup/unified rw,nosuid shared:10 - cgroup2 cgroup2 rw",
            "40 22 0:40 /srv/x /var/lib/c/ctr/rootfs rw - ext4 /dev/sda1 rw",
            "41 22 0:41 /var/lib/c/other/rootfs /mnt rw - ext4 /dev/sda1 rw",
            "42 22 0:42 / /tmp/with\\040space/rootfs rw - tmpfs tmpfs rw",
            "43 22 0:43 / /tmp/back\\134slash rw - tmpfs tmpfs rw",
            "");

    @Test
    void findsAMountPointByItsFifthField() {
        assertTrue(MountInfo.isMountPoint(TABLE, Path.of("/var/lib/c/ctr/rootfs")));
        assertTrue(MountInfo.isMountPoint(TABLE, Path.of("/")));
        assertTrue(MountInfo.isMountPoint(TABLE, Path.of("/tmp/with space/rootfs")));
        assertTrue(MountInfo.isMountPoint(TABLE, Path.of("/tmp/back\\slash")));
        // a mount's root (4th field) is not a mount point; prefixes are not either
        assertFalse(MountInfo.isMountPoint(TABLE, Path.of("/var/lib/c/other/rootfs")));
        assertFalse(MountInfo.isMountPoint(TABLE, Path.of("/srv/x")));
        assertFalse(MountInfo.isMountPoint(TABLE, Path.of("/var/lib/c/ctr")));
        assertFalse(MountInfo.isMountPoint(TABLE, Path.of("/var/lib/c/ctr/rootfs/sub")));
    }

    @Test
    void listsCgroupMounts() {
        assertEquals(List.of(new MountInfo.Mount(Path.of("/sys/fs/cgroup/memory"), "cgroup"),
                new MountInfo.Mount(Path.of("/sys/fs/cgroup/unified"), "cgroup2")), MountInfo.cgroupMounts(TABLE));
    }

    @Test
    void answersForThisProcess(@org.junit.jupiter.api.io.TempDir Path dir) {
        assertTrue(MountInfo.isMountPoint(Path.of("/")));
        assertTrue(MountInfo.isMountPoint(Path.of("/proc")));
        assertFalse(MountInfo.isMountPoint(dir));
    }
}
