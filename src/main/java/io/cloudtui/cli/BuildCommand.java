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
        footer = {"  cloudtui build -t local/app:1.0 .", "  cloudtui build -f docker/Dockerfile.dev -t app:dev .", "  cloudtui build -q .", "  cloudtui build --build-arg VERSION=2 --target runtime --no-cache -t app:2 ."})
final class BuildCommand extends Base {
    @Option(names = {"-t", "--tag"}, paramLabel = "NAME[:TAG]", description = "Name and tag for the image (repeatable)")
    List<String> tags = new ArrayList<>();

    @Option(names = {"-f", "--file"}, paramLabel = "FILE", description = "Dockerfile path, inside the context (default: DIR/Dockerfile)")
    Path file;

    @Option(names = {"-q", "--quiet"}, description = "Print only the image id")
    boolean quiet;

    @Option(names = "--build-arg", paramLabel = "KEY=VALUE", description = "A value for an ARG of the Dockerfile (repeatable; KEY alone takes it from the environment)")
    List<String> buildArgs = new ArrayList<>();

    @Option(names = "--target", paramLabel = "STAGE", description = "Build up to this stage of a multi-stage Dockerfile")
    String target;

    @Option(names = "--no-cache", description = "Run every step again instead of reusing the cached result")
    boolean noCache;

    @Option(names = "--network", paramLabel = "host|none", description = "The network of RUN steps (bundled engine default: host)")
    String network;

    @Option(names = "--backend", paramLabel = "NAME", description = "Backend to build on (default: defaultBackend, else the first with images)")
    String backend;

    @Parameters(index = "0", paramLabel = "DIR", description = "Build context directory")
    Path dir;

    @Override
    public Integer call() {
        Path context = ctx().resolve(dir);
        if (!Files.isDirectory(context)) throw new CloudtuiException("build context '" + dir + "' is not a directory");
        String dockerfile = null;
        if (file != null) {
            Path f = ctx().resolve(file);
            if (!Files.isRegularFile(f)) throw new CloudtuiException("Dockerfile '" + file + "' not found");
            if (!f.startsWith(context)) throw new CloudtuiException("Dockerfile '" + file + "' must be inside the build context " + context);
            dockerfile = context.relativize(f).toString();
        } else if (!Files.isRegularFile(context.resolve("Dockerfile"))) {
            throw new CloudtuiException("no Dockerfile in " + context + " (use -f FILE)");
        }
        Backend b = ctx().backends().forCreate(backend, Capability.IMAGES);
        ImageSupport is = support(b, Capability.IMAGES, ImageSupport.class);
        java.util.Map<String, String> args = new java.util.LinkedHashMap<>();
        for (String a : buildArgs) {
            int eq = a.indexOf('=');
            if (eq == 0) throw CloudtuiException.usage("--build-arg '" + a + "': KEY=VALUE");
            if (eq < 0) {
                String v = ctx().getenv(a);
                if (v != null) args.put(a, v);
            } else {
                args.put(a.substring(0, eq), a.substring(eq + 1));
            }
        }
        if (network != null && !network.equals("host") && !network.equals("none")) {
            throw CloudtuiException.usage("--network '" + network + "': host or none");
        }
        io.cloudtui.core.BuildOptions options = new io.cloudtui.core.BuildOptions(dockerfile, tags, args, target, noCache, network);
        String id = is.build(context, options, line -> {
            if (!quiet) {
                out().println(line);
                out().flush();
            }
        });
        if (quiet) out().println(id);
        return 0;
    }
}
