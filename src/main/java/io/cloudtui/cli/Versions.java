package io.cloudtui.cli;

import picocli.CommandLine.IVersionProvider;

/** Version from the jar manifest, or "dev" when run from classes. */
public final class Versions implements IVersionProvider {
    @Override
    public String[] getVersion() {
        String v = Versions.class.getPackage().getImplementationVersion();
        return new String[] {"cloudtui " + (v != null ? v : "dev") + " (Java " + Runtime.version() + ")"};
    }
}
