package io.cloudtui.tui;

import io.cloudtui.cli.Parsers;
import io.cloudtui.core.Backend;
import io.cloudtui.libvirt.VmSupport;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The N form: creates a VM the way {@code cloudtui vm create} does: vCPUs, RAM, disk, a base image
 * (qcow2 backing file) or a kernel and initrd, network, and the cloud-init user and SSH key. Tab on
 * a path field completes file names.
 */
final class VmForm extends Form<VmForm.Field> {
    enum Field implements Form.Field {
        BACKEND("backend"), NAME("name"), VCPUS("vCPUs"), MEMORY("memory (512m, 2g)"), DISK("disk (20g; empty: the image's size)"),
        IMAGE("base image (qcow2, raw)"), KERNEL("or kernel"), INITRD("initrd"), NETWORK("network (empty: default)"),
        SSH_KEY("SSH public key"), USER("user"), START("start now", true);

        private final String label;
        private final boolean toggle;

        Field(String label) {
            this(label, false);
        }

        Field(String label, boolean toggle) {
            this.label = label;
            this.toggle = toggle;
        }

        @Override
        public String label() {
            return label;
        }

        @Override
        public boolean toggle() {
            return toggle;
        }
    }

    private static final List<Field> PATHS = List.of(Field.IMAGE, Field.KERNEL, Field.INITRD, Field.SSH_KEY);

    /** What the form hands its result to. */
    interface Create {
        void create(Backend b, VmSupport vs, VmSupport.CreateSpec spec);
    }

    private final java.util.function.Function<String, Backend> backends;
    private final Create create;
    private final String home;

    /** {@code backends} finds a backend by name; ~ in paths is the home of {@code env}. */
    VmForm(java.util.function.Function<String, Backend> backends, Create create, Backend backend, Map<String, String> env) {
        super(Field.class, Field.NAME);
        this.backends = backends;
        this.create = create;
        this.home = io.cloudtui.core.Dirs.home(env).toString();
        if (backend != null) set(Field.BACKEND, backend.name());
        set(Field.VCPUS, "1");
        set(Field.MEMORY, "1g");
        set(Field.DISK, "10g");
        for (String k : List.of("id_ed25519.pub", "id_ecdsa.pub", "id_rsa.pub")) {
            if (home != null && Files.isReadable(Path.of(home, ".ssh", k))) {
                set(Field.SSH_KEY, "~/.ssh/" + k);
                break;
            }
        }
        set(Field.START, "yes");
    }

    @Override
    public String title() {
        return "create a new VM";
    }

    @Override
    String help() {
        return "enter creates; up/down or tab move; tab on a path completes; space toggles; esc cancels";
    }

    @Override
    boolean complete(Field f) {
        if (!PATHS.contains(f)) return false;
        String cur = value(f);
        List<String> names = Palette.paths(cur);
        String common = commonPrefix(cur, names);
        if (common == null) return false;
        set(f, common);
        error = names.size() > 1 ? String.join(" ", names.subList(0, Math.min(8, names.size()))) : "";
        return true;
    }

    private Path path(Field f) {
        String v = value(f);
        if (v.isEmpty()) return null;
        String bn = value(Field.BACKEND);
        int slash = bn.indexOf('/');
        if (slash > 0 && f != Field.SSH_KEY) {
            // a remote host's VM (backend HOST/TYPE) boots that host's files: checked there when it is made
            if (!v.startsWith("/")) throw new IllegalArgumentException(f.label() + ": an absolute path on " + bn.substring(0, slash));
            return Path.of(v);
        }
        if (v.equals("~") || v.startsWith("~/")) v = home + v.substring(1);
        Path p = Path.of(v).toAbsolutePath();
        if (!Files.isReadable(p)) throw new IllegalArgumentException(f.label() + ": cannot read " + p);
        return p;
    }

    private long size(Field f, boolean required) {
        String v = value(f);
        if (v.isEmpty()) {
            if (required) throw new IllegalArgumentException(f.label() + ": required");
            return 0;
        }
        try {
            return Parsers.size(v);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(f.label() + ": " + e.getMessage());
        }
    }

    /** Builds the spec or explains what is wrong with a field (and focuses it). */
    VmSupport.CreateSpec spec() {
        Field at = Field.NAME;
        try {
            String name = value(Field.NAME);
            if (!name.matches("[a-zA-Z0-9][a-zA-Z0-9_.-]*")) {
                throw new IllegalArgumentException("name: " + (name.isEmpty() ? "required" : "letters, digits, _ . - only"));
            }
            at = Field.VCPUS;
            int vcpus;
            try {
                vcpus = Integer.parseInt(value(Field.VCPUS));
            } catch (NumberFormatException e) {
                vcpus = 0;
            }
            if (vcpus < 1 || vcpus > 256) throw new IllegalArgumentException("vCPUs: a number from 1 to 256");
            at = Field.MEMORY;
            long memory = size(Field.MEMORY, true);
            if (memory < (32L << 20)) throw new IllegalArgumentException("memory: at least 32m");
            at = Field.DISK;
            long disk = size(Field.DISK, false);
            at = Field.IMAGE;
            Path image = path(Field.IMAGE);
            at = Field.KERNEL;
            Path kernel = path(Field.KERNEL);
            if ((image == null) == (kernel == null)) throw new IllegalArgumentException("give a base image or a kernel (one of them)");
            at = Field.INITRD;
            Path initrd = path(Field.INITRD);
            if (initrd != null && kernel == null) throw new IllegalArgumentException("initrd: only with a kernel");
            at = Field.SSH_KEY;
            Path key = path(Field.SSH_KEY);
            String user = value(Field.USER);
            String network = value(Field.NETWORK);
            return new VmSupport.CreateSpec(name, vcpus, memory, disk, image, kernel, initrd, null, key, user.isEmpty() ? null : user,
                    network.isEmpty() ? null : network, yes(Field.START));
        } catch (IllegalArgumentException e) {
            focus = at;
            throw e;
        }
    }

    @Override
    void submit() {
        String bn = value(Field.BACKEND);
        Backend b = bn.isEmpty() ? null : backends.apply(bn);
        if (!(b instanceof VmSupport vs)) {
            error = "backend: " + (bn.isEmpty() ? "required" : b == null ? "no backend '" + bn + "'" : bn + " has no VMs");
            focus = Field.BACKEND;
            return;
        }
        VmSupport.CreateSpec spec;
        try {
            spec = spec();
        } catch (IllegalArgumentException e) {
            error = e.getMessage();
            return;
        }
        error = "";
        create.create(b, vs, spec);
    }
}
