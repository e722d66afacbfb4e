package io.cloudtui.core;

import java.util.List;

/** Backends with named volumes (capability VOLUMES). */
public interface VolumeSupport {
    record Volume(String backend, String name, String driver, String mountpoint) {}

    List<Volume> volumes();
}
