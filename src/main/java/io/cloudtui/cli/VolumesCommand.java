package io.cloudtui.cli;

import io.cloudtui.core.Capability;
import io.cloudtui.core.VolumeSupport;
import java.util.Comparator;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code cloudtui volumes}: named volumes of every backend that has them. */
@Command(name = "volumes", mixinStandardHelpOptions = true, description = "List volumes",
        footerHeading = Examples.HEADING, footer = {"  cloudtui volumes", "  cloudtui volumes --backend docker -q"})
final class VolumesCommand extends Base {
    @Option(names = "--backend", paramLabel = "NAME", description = "Only this backend")
    String backend;

    @Option(names = {"-q", "--quiet"}, description = "Only display volume names")
    boolean quiet;

    @Override
    public Integer call() {
        List<VolumeSupport.Volume> list = across(backend, Capability.VOLUMES, VolumeSupport.class, VolumeSupport::volumes).stream()
                .sorted(Comparator.comparing(VolumeSupport.Volume::backend).thenComparing(VolumeSupport.Volume::name)).toList();
        if (quiet) {
            list.forEach(v -> out().println(v.name()));
            return 0;
        }
        Table t = new Table("BACKEND", "DRIVER", "VOLUME NAME", "MOUNTPOINT");
        for (VolumeSupport.Volume v : list) t.row(v.backend(), v.driver(), v.name(), v.mountpoint());
        t.print(out());
        return 0;
    }
}
