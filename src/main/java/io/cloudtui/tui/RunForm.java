package io.cloudtui.tui;

import com.googlecode.lanterna.input.KeyStroke;
import com.googlecode.lanterna.input.KeyType;
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
 * The n form: runs a new container the way {@code docker run [-it] [--rm] -v -p -e} does. Up/down or
 * tab move between fields, tab on the image field completes from the backend's images, space
 * toggles the yes/no fields, enter runs, esc cancels.
 */
final class RunForm implements View {
    enum Field {
        BACKEND("backend", false), IMAGE("image", false), NAME("name", false), COMMAND("command", false),
        ENV("env (K=V ...)", false), VOLUMES("volumes (host:ctr[:ro] ...)", false), PORTS("ports ([ip:]host:ctr[/proto] ...)", false),
        INTERACTIVE("interactive (-it)", true), REMOVE("remove on exit (--rm)", true);

        final String label;
        final boolean toggle;

        Field(String label, boolean toggle) {
            this.label = label;
            this.toggle = toggle;
        }
    }

    private final TuiApp app;
    final Map<Field, StringBuilder> values = new LinkedHashMap<>();
    Field focus = Field.IMAGE;
    String error = "";
    private final List<String> images = new ArrayList<>();
    private volatile boolean imagesLoaded;

    RunForm(TuiApp app, Backend backend, String image) {
        this.app = app;
        for (Field f : Field.values()) values.put(f, new StringBuilder());
        if (backend != null) values.get(Field.BACKEND).append(backend.name());
        if (image != null) values.get(Field.IMAGE).append(image);
        values.get(Field.INTERACTIVE).append("yes");
        values.get(Field.REMOVE).append("yes");
        if (backend instanceof ImageSupport is) {
            app.background(() -> {
                try {
                    List<String> tags = new ArrayList<>();
                    for (ImageInfo i : is.images(false)) tags.addAll(i.tags());
                    app.onUi(() -> {
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

    String value(Field f) {
        return values.get(f).toString().trim();
    }

    boolean yes(Field f) {
        return value(f).equals("yes");
    }

    @Override
    public String title() {
        return "run a new container";
    }

    @Override
    public Action.Scope[] scopes() {
        return new Action.Scope[0];
    }

    @Override
    public List<Action> hints() {
        return List.of(Action.BACK);
    }

    @Override
    public boolean key(KeyStroke k, Action a) {
        KeyType t = k.getKeyType();
        StringBuilder v = values.get(focus);
        switch (t) {
            case ArrowUp, ReverseTab -> focus = Field.values()[(focus.ordinal() + Field.values().length - 1) % Field.values().length];
            case ArrowDown -> focus = Field.values()[(focus.ordinal() + 1) % Field.values().length];
            case Tab -> {
                if (focus == Field.IMAGE && complete()) return true;
                focus = Field.values()[(focus.ordinal() + 1) % Field.values().length];
            }
            case Backspace -> {
                if (!focus.toggle && !v.isEmpty()) v.setLength(v.length() - 1);
            }
            case Enter -> submit();
            case Escape -> {
                return false;
            }
            case Character -> {
                if (k.isCtrlDown()) {
                    if (k.getCharacter() == 'u' && !focus.toggle) v.setLength(0);
                    return k.getCharacter() == 'u';
                }
                if (focus.toggle) {
                    if (k.getCharacter() == ' ' || k.getCharacter() == 'y' || k.getCharacter() == 'n') {
                        boolean on = k.getCharacter() == ' ' ? !yes(focus) : k.getCharacter() == 'y';
                        v.setLength(0);
                        v.append(on ? "yes" : "no");
                    }
                } else if (k.getCharacter() >= 0x20) {
                    v.append(k.getCharacter());
                }
            }
            default -> {
                return false;
            }
        }
        return true;
    }

    private boolean complete() {
        String cur = value(Field.IMAGE);
        if (!imagesLoaded && values.get(Field.BACKEND).length() > 0
                && app.backend(value(Field.BACKEND)) instanceof ImageSupport) {
            error = "images still loading...";
            return true;
        }
        List<String> m = images.stream().filter(s -> s.startsWith(cur)).toList();
        if (m.isEmpty() || (m.size() == 1 && m.get(0).equals(cur))) return false;
        String common = m.get(0);
        for (String s : m) {
            int i = 0;
            while (i < common.length() && i < s.length() && common.charAt(i) == s.charAt(i)) i++;
            common = common.substring(0, i);
        }
        values.get(Field.IMAGE).setLength(0);
        values.get(Field.IMAGE).append(common);
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

    static List<String> words(String s) {
        List<String> out = new ArrayList<>();
        Matcher m = Pattern.compile("\"([^\"]*)\"|'([^']*)'|(\\S+)").matcher(s);
        while (m.find()) out.add(m.group(1) != null ? m.group(1) : m.group(2) != null ? m.group(2) : m.group(3));
        return out;
    }

    private void submit() {
        String bn = value(Field.BACKEND);
        Backend b = bn.isEmpty() ? null : app.backend(bn);
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
        app.runContainer(b, spec);
    }

    @Override
    public void render(Canvas c, int top, int bottom) {
        for (int y = top; y < bottom; y++) c.fillRow(y, Role.NORMAL);
        int y = top + 1;
        int lw = 0;
        for (Field f : Field.values()) lw = Math.max(lw, f.label.length());
        for (Field f : Field.values()) {
            if (y >= bottom - 2) break;
            boolean on = f == focus;
            c.put(2, y, f.label, on ? Role.ACCENT : Role.DIM);
            String v = values.get(f).toString();
            Style st = on ? c.style(Role.SELECTION) : c.style(Role.NORMAL);
            int x0 = 4 + lw;
            c.pad(x0, y, st, c.width - 2);
            int from = Math.max(0, v.length() - (c.width - x0 - 4));
            int end = c.put(x0, y, (f.toggle ? "[" + (v.equals("yes") ? "x" : " ") + "] " : "") + v.substring(from), st, c.width - 2);
            if (on && !f.toggle) c.set(end, y, ' ', st.with(com.googlecode.lanterna.SGR.REVERSE));
            y += 2;
        }
        if (y < bottom) c.put(2, y, "enter runs; up/down or tab move; space toggles; tab on image completes; esc cancels", Role.DIM);
        if (!error.isEmpty() && y + 1 < bottom) c.put(2, y + 1, error, Role.ERROR);
    }
}
