package io.cloudtui.cli;

import io.cloudtui.core.Backend;
import io.cloudtui.core.Capability;
import io.cloudtui.core.CloudtuiException;
import io.cloudtui.core.ImageSupport;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code cloudtui build}: build an image from a Dockerfile, streaming progress as it comes. */
@Command(name = "build", mixinStandardHelpOptions = true, description = "Build an image from a directory with a Dockerfile",
        footerHeading = Examples.HEADING,
        footer = {"  cloudtui build -t local/app:1.0 .", "  cloudtui build -f docker/Dockerfile.dev -t app:dev .", "  cloudtui build -q ."})
final class BuildCommand extends Base {
    @Option(names = {"-t", "--tag"}, paramLabel = "NAME[:TAG]", description = "Name and tag for the image (repeatable)")
    List<String> tags = new ArrayList<>();

    @Option(names = {"-f", "--file"}, paramLabel = "FILE", description = "Dockerfile path, inside the context (default: DIR/Dockerfile)")
    Path file;

    @Option(names = {"-q", "--quiet"}, description = "Print only the image id")
    boolean quiet;

    @Option(names = "--backend", paramLabel = "NAME", description = "Backend to build on (default: defaultBackend, else the first with images)")
    String backend;

    @Parameters(index = "0", paramLabel = "DIR", description = "Build context directory")
    Path dir;

    @Override
    public Integer call() {
        Path context = dir.toAbsolutePath().normalize();
        if (!Files.isDirectory(context)) throw new CloudtuiException("build context '" + dir + "' is not a directory");
        String dockerfile = null;
        if (file != null) {
            Path f = file.toAbsolutePath().normalize();
            if (!Files.isRegularFile(f)) throw new CloudtuiException("Dockerfile '" + file + "' not found");
            if (!f.startsWith(context)) throw new CloudtuiException("Dockerfile '" + file + "' must be inside the build context " + context);
            dockerfile = context.relativize(f).toString();
        } else if (!Files.isRegularFile(context.resolve("Dockerfile"))) {
            throw new CloudtuiException("no Dockerfile in " + context + " (use -f FILE)");
        }
        Backend b = ctx().backends().forCreate(backend, Capability.IMAGES);
        ImageSupport is = support(b, Capability.IMAGES, ImageSupport.class);
        String id = is.build(context, dockerfile, tags, line -> {
            if (!quiet) {
                out().println(line);
                out().flush();
            }
        });
        if (quiet) out().println(id);
        return 0;
    }
}
