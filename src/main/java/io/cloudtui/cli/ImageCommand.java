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

/** {@code cloudtui image import|pull|copy|tag|prune}, and {@code cloudtui pull} as docker has it. */
@Command(name = "image", mixinStandardHelpOptions = true, description = "Import, save, pull, push, copy, tag and prune images",
        subcommands = {ImageCommand.Import.class, ImageCommand.Save.class, ImageCommand.Pull.class, ImageCommand.Push.class, ImageCommand.Copy.class, ImageCommand.Tag.class,
            ImageCommand.Prune.class})
final class ImageCommand extends Base {
    @Override
    public Integer call() {
        throw CloudtuiException.usage("image: say import, save, pull, push, copy, tag or prune (cloudtui image --help)");
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

    @Command(name = "save", mixinStandardHelpOptions = true,
            description = {"Write an image to a docker save tar (docker load and 'cloudtui image import' read it)",
                "-o - writes it to stdout"},
            footerHeading = Examples.HEADING,
            footer = {"  cloudtui image save --backend runtime -o app.tar built/app:1", "  cloudtui image save --backend runtime -o - app:1 | docker load"})
    static final class Save extends Sub {
        @Option(names = {"-o", "--output"}, paramLabel = "FILE", required = true, description = "The tar to write (- for stdout)")
        String output;

        @Parameters(index = "0", paramLabel = "IMAGE")
        String image;

        @Override
        public Integer call() {
            String ref = io.cloudtui.core.ImageCopy.normalize(image);
            if (output.equals("-")) {
                try (ImageSupport.Export e = images().exportImage(ref)) {
                    e.stream().transferTo(out());
                    out().flush();
                } catch (java.io.IOException e) {
                    throw new CloudtuiException("cannot write the image to stdout: " + e.getMessage());
                }
                return 0;
            }
            Path file = Path.of(output).toAbsolutePath();
            if (Files.isDirectory(file)) throw CloudtuiException.usage(output + " is a directory");
            Path tmp;
            try {
                tmp = Files.createTempFile(file.getParent(), "." + file.getFileName(), ".part");
            } catch (java.io.IOException e) {
                throw CloudtuiException.usage("cannot write " + output + ": " + e.getMessage());
            }
            try (ImageSupport.Export e = images().exportImage(ref)) {
                try (java.io.OutputStream o = Files.newOutputStream(tmp)) {
                    e.stream().transferTo(o);
                }
                Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
                err().println("saved " + e.reference() + " to " + output + " (" + Files.size(file) + " bytes)");
            } catch (java.io.IOException e) {
                throw new CloudtuiException("cannot write " + output + ": " + e.getMessage());
            } finally {
                try {
                    Files.deleteIfExists(tmp);
                } catch (java.io.IOException e) {
                    // a leftover .part file at worst
                }
            }
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

    @Command(name = "push", mixinStandardHelpOptions = true, description = "Push an image to the registry its reference names (the bundled engine)",
            footerHeading = Examples.HEADING, footer = {"  cloudtui push --backend runtime localhost:5000/app:1"})
    static final class Push extends Sub {
        @Parameters(index = "0", paramLabel = "REF")
        String reference;

        @Override
        public Integer call() {
            out().println(images().push(reference, line -> err().println(line)));
            return 0;
        }
    }

    @Command(name = "copy", mixinStandardHelpOptions = true,
            description = {"Copy an image from one backend into another, streamed with no file in between:",
                "from a Docker engine (its docker save) into the bundled engine's store, or out of it into a Docker engine.",
                "A bare IMAGE means IMAGE:latest; the copy keeps the image's tags unless DEST names a REF."},
            footerHeading = Examples.HEADING,
            footer = {"  cloudtui image copy docker:local/busybox runtime",
                "  cloudtui image copy docker:nginx:1.27 runtime:web/nginx:1.27",
                "  cloudtui image copy runtime:built/app:1 docker",
                "  cloudtui image copy local/busybox          (from the docker backend into runtime)"})
    static final class Copy extends Base {
        @Parameters(index = "0", paramLabel = "[BACKEND:]IMAGE", description = "The image and the backend it is on (default: the docker backend)")
        String source;

        @Parameters(index = "1", arity = "0..1", paramLabel = "DEST[:REF]",
                description = "The backend to copy it into (default: runtime), and optionally the reference it gets there")
        String dest;

        @Override
        public Integer call() {
            io.cloudtui.core.Backends backends = ctx().backends();
            // the bundled engine can be named before it is in use here, docker when this user may not open it (get says why)
            java.util.Set<String> names = new java.util.LinkedHashSet<>(backends.nameable());
            names.add("runtime");
            io.cloudtui.core.ImageCopy.Place from = io.cloudtui.core.ImageCopy.Place.parse(source, names);
            if (from.image() == null) throw CloudtuiException.usage("image copy: which image of " + from.backend() + "? (" + from.backend() + ":IMAGE)");
            Backend src = from.backend() != null ? backends.get(from.backend()) : only(backends, "docker", null,
                    "say which backend the image is on: BACKEND:IMAGE");
            Backend dst;
            String ref = null;
            if (dest == null) {
                dst = only(backends, "runtime", src, "say where to copy it: cloudtui image copy " + source + " BACKEND");
            } else {
                io.cloudtui.core.ImageCopy.Place to = io.cloudtui.core.ImageCopy.Place.parse(dest, names);
                if (to.backend() == null) throw CloudtuiException.usage("image copy: no backend '" + dest + "' (backends: " + String.join(", ", names) + ")");
                dst = backends.get(to.backend());
                ref = to.image();
            }
            out().println(io.cloudtui.core.ImageCopy.copy(src, from.image(), dst, ref, line -> err().println(line)));
            return 0;
        }

        /** The one enabled backend of TYPE other than NOT; for runtime also the bundled engine not yet in use. */
        private static Backend only(io.cloudtui.core.Backends backends, String type, Backend not, String otherwise) {
            java.util.List<Backend> found = backends.all().stream().filter(b -> b.type().equals(type) && b != not).toList();
            if (found.size() == 1) return found.get(0);
            if (found.isEmpty() && (type.equals("runtime") || backends.unusable().containsKey(type))) return backends.get(type);
            throw CloudtuiException.usage("image copy: " + (found.isEmpty() ? "no " + type + " backend is enabled" : "several " + type + " backends")
                    + "; " + otherwise);
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
