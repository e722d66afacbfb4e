package io.cloudtui.tui;

import com.googlecode.lanterna.input.KeyStroke;
import io.cloudtui.core.Backend;
import io.cloudtui.core.Capability;
import io.cloudtui.core.ImageInfo;
import io.cloudtui.core.ImageSupport;
import io.cloudtui.core.NetworkSupport;
import io.cloudtui.core.VolumeSupport;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Images, volumes or networks of every backend that has them. */
final class ResourceView implements View {
    enum Kind {
        IMAGES(Capability.IMAGES, new String[] {"BACKEND", "REPOSITORY:TAG", "ID", "SIZE", "CREATED"}),
        VOLUMES(Capability.VOLUMES, new String[] {"BACKEND", "NAME", "DRIVER", "MOUNTPOINT"}),
        NETWORKS(Capability.NETWORKS, new String[] {"BACKEND", "NAME", "ID", "DRIVER", "SCOPE"});

        final Capability capability;
        final String[] headers;

        Kind(Capability c, String[] headers) {
            this.capability = c;
            this.headers = headers;
        }

        String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** One row: its backend, its cells, and the reference verbs use. */
    record Item(Backend backend, String ref, String[] cells) {}

    private final TuiApp app;
    final Kind kind;
    private List<Item> items = List.of();
    private String status = "loading...";
    private final Grid grid = new Grid();

    ResourceView(TuiApp app, Kind kind) {
        this.app = app;
        this.kind = kind;
        load();
    }

    void load() {
        status = "loading...";
        List<Backend> bs = new ArrayList<>();
        for (Backend b : app.backendList()) if (b.supports(kind.capability)) bs.add(b);
        if (bs.isEmpty()) {
            status = "no backend has " + kind.label();
            return;
        }
        app.background(() -> {
            List<Item> out = new ArrayList<>();
            List<String> errors = new ArrayList<>();
            for (Backend b : bs) {
                try {
                    out.addAll(list(b));
                } catch (RuntimeException e) {
                    errors.add(b.name() + ": " + e.getMessage());
                }
            }
            app.onUi(() -> {
                items = out;
                status = errors.isEmpty() ? (out.isEmpty() ? "no " + kind.label() : "") : String.join("; ", errors);
                grid.clamp(items.size());
            });
        });
    }

    private List<Item> list(Backend b) {
        List<Item> out = new ArrayList<>();
        switch (kind) {
            case IMAGES -> {
                if (!(b instanceof ImageSupport is)) return out;
                for (ImageInfo i : is.images(false)) {
                    String tag = i.tags().isEmpty() ? "<none>" : i.tags().get(0);
                    String id = i.id().startsWith("sha256:") ? i.id().substring(7) : i.id();
                    String age = i.created() == null ? "-" : Fmt.uptime(Duration.between(i.created(), app.now())) + " ago";
                    out.add(new Item(b, i.tags().isEmpty() ? i.id() : tag, new String[] {b.name(), tag, id.substring(0, Math.min(12, id.length())),
                        Fmt.bytes(i.size()), age}));
                }
            }
            case VOLUMES -> {
                if (!(b instanceof VolumeSupport vs)) return out;
                for (VolumeSupport.Volume v : vs.volumes()) {
                    out.add(new Item(b, v.name(), new String[] {b.name(), v.name(), v.driver(), v.mountpoint()}));
                }
            }
            case NETWORKS -> {
                if (!(b instanceof NetworkSupport ns)) return out;
                for (NetworkSupport.Network n : ns.networks()) {
                    String id = n.id() == null ? "" : n.id();
                    out.add(new Item(b, n.name(), new String[] {b.name(), n.name(), id.substring(0, Math.min(12, id.length())), n.driver(), n.scope()}));
                }
            }
        }
        return out;
    }

    Item selectedItem() {
        return items.isEmpty() ? null : items.get(Math.min(grid.selected, items.size() - 1));
    }

    List<Item> items() {
        return items;
    }

    @Override
    public String title() {
        return kind.label();
    }

    @Override
    public Action.Scope[] scopes() {
        return new Action.Scope[] {Action.Scope.RESOURCES, Action.Scope.LISTS};
    }

    @Override
    public List<Action> hints() {
        return kind == Kind.IMAGES
                ? List.of(Action.SHOW_WORKLOADS, Action.RUN_IMAGE, Action.REMOVE_IMAGE, Action.PULL, Action.BUILD, Action.IMPORT, Action.REFRESH, Action.BACK)
                : kind == Kind.VOLUMES ? List.of(Action.SHOW_WORKLOADS, Action.SHOW_IMAGES, Action.SHOW_NETWORKS, Action.REFRESH, Action.BACK)
                : List.of(Action.SHOW_WORKLOADS, Action.SHOW_IMAGES, Action.SHOW_VOLUMES, Action.REFRESH, Action.BACK);
    }

    @Override
    public boolean key(KeyStroke k, Action a) {
        if (a == null) return false;
        if (grid.move(a, items.size())) return true;
        switch (a) {
            case REFRESH -> load();
            case SHOW_WORKLOADS -> app.showWorkloads();
            case SHOW_IMAGES -> app.openResources(Kind.IMAGES);
            case SHOW_VOLUMES -> app.openResources(Kind.VOLUMES);
            case SHOW_NETWORKS -> app.openResources(Kind.NETWORKS);
            case SHOW_SERVICES -> app.swarm.open(SwarmView.Kind.SERVICES);
            case SHOW_NODES -> app.swarm.open(SwarmView.Kind.NODES);
            case REMOVE_IMAGE, PULL, IMPORT, BUILD, RUN_IMAGE -> {
                if (kind != Kind.IMAGES) return false;
                switch (a) {
                    case REMOVE_IMAGE -> {
                        Item i = selectedItem();
                        if (i == null) app.error("no image selected");
                        else app.imageActions.removeImage(i.backend(), i.ref());
                    }
                    case PULL -> app.openPalette("pull ");
                    case IMPORT -> app.openPalette("import ");
                    case BUILD -> app.openPalette("build ");
                    default -> {
                        Item i = selectedItem();
                        app.imageActions.openRunForm(i == null ? null : i.ref());
                    }
                }
            }
            default -> {
                return false;
            }
        }
        return true;
    }

    @Override
    public void render(Canvas c, int top, int bottom) {
        List<String[]> rows = new ArrayList<>(items.size());
        for (Item it : items) rows.add(it.cells());
        grid.render(c, top, bottom, kind.headers, rows, 48,
                i -> app.model.connected(items.get(i).backend().name()) ? Role.NORMAL : Role.DIM, status);
    }
}
