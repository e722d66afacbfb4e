package io.cloudtui.cli;

import io.cloudtui.core.Backend;
import io.cloudtui.core.Capability;
import io.cloudtui.core.CloudtuiException;
import io.cloudtui.core.ImageSupport;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code cloudtui image import|pull|tag|prune}, and {@code cloudtui pull} as docker has it. */
@Command(name = "image", mixinStandardHelpOptions = true, description = "Import, pull, tag and prune images",
        subcommands = {ImageCommand.Import.class, ImageCommand.Pull.class, ImageCommand.Tag.class, ImageCommand.Prune.class})
final class ImageCommand extends Base {
    @Override
    public Integer call() {
        throw CloudtuiException.usage("image: say import, pull, tag or prune (cloudtui image --help)");
    }

    /** The common part: --backend, resolved to a backend with images. */
    abstract static class Sub extends Base {
        @Option(names = "--backend", paramLabel = "NAME", description = "Backend for the image (default: defaultBackend, else the first with images)")
        String backend;

        ImageSupport images() {
            Backend b = ctx().backends().forCreate(backend, Capability.IMAGES);
            return support(b, Capability.IMAGES, ImageSupport.class);
        }
    }

    @Command(name = "import", mixinStandardHelpOptions = true,
            description = "Import a docker save tar (legacy or OCI form), an OCI image layout (directory or tar), or a plain rootfs tar or directory",
            footerHeading = Examples.HEADING,
            footer = {"  cloudtui image import --backend runtime busybox.tar", "  cloudtui image import --backend runtime rootfs.tar local/mybox:1"})
    static final class Import extends Sub {
        @Parameters(index = "0", paramLabel = "FILE")
        Path file;

        @Parameters(index = "1", arity = "0..1", paramLabel = "REF", description = "Reference to tag it with (needed for a rootfs)")
        String reference;

        @Override
        public Integer call() {
            if (!Files.exists(file)) throw CloudtuiException.usage("no such file: " + file);
            out().println(images().importImage(file, reference, line -> err().println(line)));
            return 0;
        }
    }

    @Command(name = "pull", mixinStandardHelpOptions = true, description = "Pull an image from a registry",
            footerHeading = Examples.HEADING, footer = {"  cloudtui pull --backend runtime localhost:5000/busybox:latest"})
    static final class Pull extends Sub {
        @Parameters(index = "0", paramLabel = "REF")
        String reference;

        @Override
        public Integer call() {
            out().println(images().pull(reference, line -> err().println(line)));
            return 0;
        }
    }

    @Command(name = "tag", mixinStandardHelpOptions = true, description = "Give an image another reference")
    static final class Tag extends Sub {
        @Parameters(index = "0", paramLabel = "SOURCE")
        String source;

        @Parameters(index = "1", paramLabel = "TARGET")
        String target;

        @Override
        public Integer call() {
            images().tag(source, target);
            return 0;
        }
    }

    @Command(name = "prune", mixinStandardHelpOptions = true, description = "Remove untagged images no container uses, and unreferenced layers")
    static final class Prune extends Sub {
        @Override
        public Integer call() {
            for (String line : images().prune()) out().println(line);
            return 0;
        }
    }
}
