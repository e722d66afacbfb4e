package io.cloudtui.cli;

import io.cloudtui.core.Backend;
import io.cloudtui.core.Capability;
import io.cloudtui.core.ImageSupport;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code cloudtui rmi}: remove images; each failure is reported and the rest still removed. */
@Command(name = "rmi", mixinStandardHelpOptions = true, description = "Remove one or more images",
        footerHeading = Examples.HEADING,
        footer = {"  cloudtui rmi local/app:1.0", "  cloudtui rmi -f 3f57d9401f8d", "  cloudtui rmi --backend runtime local/app"})
final class RmiCommand extends Base {
    @Option(names = {"-f", "--force"}, description = "Remove even if containers use it, and all its tags")
    boolean force;

    @Option(names = "--backend", paramLabel = "NAME", description = "Backend holding the images (default: defaultBackend, else the first with images)")
    String backend;

    @Parameters(arity = "1..*", paramLabel = "IMAGE", description = "Image reference, id or id prefix")
    List<String> images;

    @Override
    public Integer call() {
        Backend b = ctx().backends().forCreate(backend, Capability.IMAGES);
        ImageSupport is = support(b, Capability.IMAGES, ImageSupport.class);
        int failed = 0;
        for (String image : images) {
            try {
                for (String line : is.removeImage(image, force)) out().println(line);
            } catch (RuntimeException e) {
                error(messageOf(e));
                failed++;
            }
        }
        return failed == 0 ? 0 : 1;
    }
}
