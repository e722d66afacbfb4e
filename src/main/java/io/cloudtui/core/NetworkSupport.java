package io.cloudtui.core;

import java.util.List;

/** Backends with networks (capability NETWORKS). */
public interface NetworkSupport {
    record Network(String backend, String id, String name, String driver, String scope) {}

    List<Network> networks();
}
