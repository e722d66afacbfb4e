package io.cloudtui.tui;

import io.cloudtui.core.Backend;
import io.cloudtui.core.Capability;
import io.cloudtui.core.ImageInfo;
import io.cloudtui.core.ImageSupport;
import io.cloudtui.core.RunSpec;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The n form: runs a new container the way {@code docker run [-it] [--rm] -v -p -e} does; tab on
 * the image field completes from the backend's images.
 */
final class RunForm extends Form<RunForm.Field> {
    enum Field implements Form.Field {
        BACKEND("backend", false), IMAGE("image", false), NAME("name", false), COMMAND("command", false),
        ENV("env (K=V ...)", false), VOLUMES("volumes (host:ctr[:ro] ...)", false), PORTS("ports ([ip:]host:ctr[/proto] ...)", false),
        INTERACTIVE("interactive (-it)", true), REMOVE("remove on exit (--rm)", true);

        private final String label;
        private final boolean toggle;

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

    private final Workers workers;
    private final java.util.function.Function<String, Backend> backends;
    private final java.util.function.BiConsumer<Backend, RunSpec> run;
    private final List<String> images = new ArrayList<>();
    private volatile boolean imagesLoaded;

    /** {@code backends} finds a backend by name; {@code run} gets the filled-in form. */
    RunForm(Workers workers, java.util.function.Function<String, Backend> backends, java.util.function.BiConsumer<Backend, RunSpec> run,
            Backend backend, String image) {
        super(Field.class, Field.IMAGE);
        this.workers = workers;
        this.backends = backends;
        this.run = run;
        if (backend != null) set(Field.BACKEND, backend.name());
        set(Field.IMAGE, image);
        set(Field.INTERACTIVE, "yes");
        set(Field.REMOVE, "yes");
        if (backend instanceof ImageSupport is) {
            workers.background(() -> {
                try {
                    List<String> tags = new ArrayList<>();
                    for (ImageInfo i : is.images(false)) tags.addAll(i.tags());
                    workers.onUi(() -> {
                        images.addAll(new TreeSet<>(tags));
                        imagesLoaded = true;
                    });
                } catch (RuntimeException e) {
                    // completion is a convenience; typing the image still works
                    imagesLoaded = true;
                }
            });
        }
    }

    @Override
    public String title() {
        return "run a new container";
    }

    @Override
    String help() {
        return "enter runs; up/down or tab move; space toggles; tab on image completes; esc cancels";
    }

    @Override
    boolean complete(Field f) {
        if (f != Field.IMAGE) return false;
        String cur = value(Field.IMAGE);
        if (!imagesLoaded && values.get(Field.BACKEND).length() > 0
                && backends.apply(value(Field.BACKEND)) instanceof ImageSupport) {
            error = "images still loading...";
            return true;
        }
        String common = commonPrefix(cur, images);
        if (common == null) return false;
        List<String> m = images.stream().filter(s -> s.startsWith(cur)).toList();
        set(Field.IMAGE, common);
        error = m.size() > 1 ? "images: " + String.join(" ", m.subList(0, Math.min(8, m.size()))) : "";
        return true;
    }

    private static final Pattern PORT = Pattern.compile("(?:([0-9.]+|\\[[0-9a-fA-F:]+\\]):)?(\\d{1,5}):(\\d{1,5})(?:/(tcp|udp|sctp))?");

    /** Builds the spec or explains what is wrong with a field. */
    RunSpec spec() {
        String image = value(Field.IMAGE);
        if (image.isEmpty()) throw new IllegalArgumentException("image: required");
        Map<String, String> env = new LinkedHashMap<>();
        for (String e : words(value(Field.ENV))) {
            int eq = e.indexOf('=');
            if (eq <= 0) throw new IllegalArgumentException("env: '" + e + "' is not K=V");
            env.put(e.substring(0, eq), e.substring(eq + 1));
        }
        List<RunSpec.Mount> mounts = new ArrayList<>();
        for (String m : words(value(Field.VOLUMES))) {
            String[] p = m.split(":");
            if (p.length < 2 || p.length > 3 || p[0].isEmpty() || !p[1].startsWith("/") || (p.length == 3 && !p[2].equals("ro") && !p[2].equals("rw"))) {
                throw new IllegalArgumentException("volumes: '" + m + "' is not host:/container[:ro]");
            }
            mounts.add(new RunSpec.Mount(p[0], p[1], p.length == 3 && p[2].equals("ro")));
        }
        List<RunSpec.Port> ports = new ArrayList<>();
        for (String p : words(value(Field.PORTS))) {
            Matcher mm = PORT.matcher(p);
            if (!mm.matches()) throw new IllegalArgumentException("ports: '" + p + "' is not [ip:]host:container[/proto]");
            int hp = Integer.parseInt(mm.group(2));
            int cp = Integer.parseInt(mm.group(3));
            if (hp > 65535 || cp < 1 || cp > 65535) throw new IllegalArgumentException("ports: '" + p + "' is out of range");
            ports.add(new RunSpec.Port(mm.group(1), hp, cp, mm.group(4) == null ? "tcp" : mm.group(4)));
        }
        String name = value(Field.NAME);
        if (!name.isEmpty() && !name.matches("[a-zA-Z0-9][a-zA-Z0-9_.-]*")) throw new IllegalArgumentException("name: letters, digits, _ . - only");
        boolean it = yes(Field.INTERACTIVE);
        return new RunSpec(image, name.isEmpty() ? null : name, words(value(Field.COMMAND)), null, env, mounts, null, ports,
                !it, it, it, yes(Field.REMOVE), null, null, null, null, null, false, null, null);
    }

    @Override
    void submit() {
        String bn = value(Field.BACKEND);
        Backend b = bn.isEmpty() ? null : backends.apply(bn);
        if (b == null) {
            error = "backend: " + (bn.isEmpty() ? "required" : "no backend '" + bn + "'");
            focus = Field.BACKEND;
            return;
        }
        if (!b.supports(Capability.RUN) || !(b instanceof io.cloudtui.core.RunSupport)) {
            error = "backend: " + bn + " cannot run new containers";
            return;
        }
        RunSpec spec;
        try {
            spec = spec();
        } catch (IllegalArgumentException e) {
            error = e.getMessage();
            return;
        }
        error = "";
        run.accept(b, spec);
    }
}
