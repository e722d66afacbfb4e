package io.cloudtui.tui;

import io.cloudtui.core.Backend;
import io.cloudtui.core.BackendProvider;
import io.cloudtui.core.Capability;
import io.cloudtui.core.State;
import io.cloudtui.core.Workload;
import io.cloudtui.term.TerminalSession;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Images and what is made of them: pull, import, build and copy (streamed into a {@link ProgressView}),
 * remove, the run form and running a container (interactive in the user's terminal, or detached with
 * word of one that ended at once), and the hint of a bundled store with no image yet. UI thread only.
 */
final class ImageActions {
    private static final Logger LOG = LoggerFactory.getLogger(ImageActions.class);
    private final TuiApp app;

    ImageActions(TuiApp app) {
        this.app = app;
    }

    /** Set when the bundled engine's store has no image yet: the table says how to get one. */
    volatile String emptyStoreHint;

    /**
     * ANNOUNCE (at start): the hint is also the message line's, for when other backends' rows fill
     * the table. Also run after an image job: a store that got its first image loses the hint.
     */
    void checkEmptyStores(boolean announce) {
        List<Backend> dockers = app.backendList().stream().filter(b -> b.type().equals("docker")).toList();
        for (Backend b : app.backendList()) {
            if (!b.type().equals("runtime") || !(b instanceof io.cloudtui.core.ImageSupport is)) continue;
            app.background(() -> {
                try {
                    if (is.images(false).isEmpty()) {
                        // with a Docker engine around, copying an image from it is the quickest start
                        String hint = dockers.isEmpty()
                                ? b.name() + " has no images yet: :import FILE (docker save tar, OCI layout, rootfs tar) or :pull REF"
                                : b.name() + " has no images yet: :copy " + (dockers.size() == 1 ? "" : dockers.get(0).name() + ":")
                                        + "IMAGE (from " + dockers.get(0).name() + "), :pull REF, :import FILE";
                        app.onUi(() -> {
                            emptyStoreHint = hint;
                            if (announce) app.notice(hint);
                        });
                    } else {
                        app.onUi(() -> {
                            if (emptyStoreHint != null && emptyStoreHint.startsWith(b.name() + " has no images")) emptyStoreHint = null;
                        });
                    }
                } catch (RuntimeException e) {
                    LOG.debug("image list of {}", b.name(), e);
                }
            });
        }
    }

    void openRunForm(String image) {
        Backend b = app.backendFor(Capability.RUN);
        if (b == null) {
            app.error("no backend can run new containers");
            return;
        }
        app.push(new RunForm(app, app::backend, this::runContainer, b, image));
    }

    void runContainer(Backend b, io.cloudtui.core.RunSpec spec) {
        io.cloudtui.core.RunSupport rs = (io.cloudtui.core.RunSupport) b;
        if (app.top() instanceof RunForm) app.popTop();
        if (spec.interactive()) {
            String what = "run " + spec.image();
            SessionTail tail = new SessionTail();
            int code;
            try {
                code = app.sessions().run(what, app.config.ui().detachKeys(), stdio -> rs.run(spec, tail.wrap(stdio), id -> { }));
            } catch (RuntimeException e) {
                app.screenTaken();
                app.error(what + " failed: " + e.getMessage());
                return;
            }
            app.screenTaken();
            if (code == TerminalSession.DETACHED) app.info("detached from " + what);
            else if (code == 0) app.info(what + ": exited with status 0");
            else app.error(what + ": exited with status " + code + tail.summary());
            app.feed.relist(b.name());
            return;
        }
        app.info("starting " + spec.image() + "...");
        app.background(() -> {
            try {
                String[] id = {null};
                rs.run(spec, SessionActions.quietStdio(), x -> id[0] = x);
                Ended gone = id[0] == null ? null : endedAtOnce(b, id[0]);
                if (gone != null) app.onUi(() -> {
                    // a command that simply finished (exited (0)) is news, not an error
                    if (gone.failed()) app.error("run " + spec.image() + ": " + gone.text());
                    else app.info("run " + spec.image() + ": " + gone.text());
                });
                else app.onUi(() -> app.info("started " + (spec.name() != null ? spec.name() : spec.image()) + (id[0] != null ? " (" + id[0].substring(0, Math.min(12, id[0].length())) + ")" : "")));
            } catch (RuntimeException e) {
                app.onUi(() -> app.error("run " + spec.image() + " failed: " + e.getMessage()));
            }
            app.feed.relist(b.name());
        });
    }

    /**
     * A detached container that has already ended (its command does not exist, it failed at once):
     * its status and the last lines it printed, or null while it runs. Worker thread.
     */
    record Ended(String text, boolean failed) {}

    static Ended endedAtOnce(Backend b, String id) {
        Workload w;
        try {
            w = b.get(id);
        } catch (RuntimeException e) {
            return null; // removed on exit: nothing to say
        }
        if (w.state().isActive() || w.state() == State.CREATED) return null;
        List<String> lines = new ArrayList<>();
        if (b.supports(Capability.LOGS)) {
            try (Backend.Cancel cancel = new Backend.Cancel()) {
                b.logs(id, new io.cloudtui.core.LogOptions(false, SessionTail.MAX_LINES, null, false), l -> {
                    String t = Sanitizer.sanitize(l.text()).text().strip();
                    if (!t.isEmpty()) lines.add(t);
                }, cancel);
            } catch (RuntimeException e) {
                LOG.debug("logs of {}", id, e);
            }
        }
        boolean failed = !w.status().matches("(?i).*\\bexited \\(0\\).*");
        String s = w.name() + " " + w.status();
        if (lines.isEmpty()) return new Ended(s, failed);
        s += ": " + lines.get(lines.size() - 1);
        if (lines.size() > 1) s += "\nits last output:\n" + String.join("\n", lines);
        return new Ended(s, failed);
    }

    void removeImage(Backend b, String ref) {
        app.confirm("Remove image " + ref + " from " + b.name() + "?", List.of("This untags it and deletes its layers if nothing else uses them.",
                "Containers using it must be removed first."), () -> app.background(() -> {
                    try {
                        List<String> out = ((io.cloudtui.core.ImageSupport) b).removeImage(ref, false);
                        app.onUi(() -> {
                            app.info("removed " + ref + (out.isEmpty() ? "" : " (" + out.size() + " untagged/deleted)"));
                            if (app.top() instanceof ResourceView rv) rv.load();
                        });
                    } catch (RuntimeException e) {
                        app.onUi(() -> app.error("remove image " + ref + " failed: " + e.getMessage()));
                    }
                }));
    }

    /** Runs an image job (pull, import, build) on a worker, streaming its progress into a view. */
    void imageJob(String title, java.util.function.Function<Consumer<String>, String> job) {
        ProgressView pv = new ProgressView(app, title);
        app.push(pv);
        app.background(() -> {
            try {
                String id = job.apply(line -> app.onUi(() -> pv.pane.append(line)));
                app.onUi(() -> {
                    pv.done = true;
                    pv.pane.append("done: " + id);
                    app.info(title + ": done");
                    if (emptyStoreHint != null) checkEmptyStores(false);
                });
            } catch (RuntimeException e) {
                app.onUi(() -> {
                    pv.done = true;
                    pv.pane.append("failed: " + e.getMessage());
                    app.error(title + " failed: " + e.getMessage());
                });
            }
        });
    }

    /**
     * {@code :copy [BACKEND:]IMAGE [DEST[:REF]]}: streams an image from one backend into another;
     * by default from the (only) docker backend into the (only) runtime backend.
     */
    void copyImage(List<String> args) {
        Map<String, BackendProvider.Unusable> unusable = app.unusable();
        if (args.isEmpty() || args.size() > 2) {
            app.error("copy: what? (copy [BACKEND:]IMAGE [DEST[:REF]])");
            return;
        }
        // docker can be named when this user may not open it: the copy then says why not
        java.util.Set<String> names = new java.util.LinkedHashSet<>(app.backendList().stream().map(Backend::name).toList());
        names.addAll(unusable.keySet());
        io.cloudtui.core.ImageCopy.Place from = io.cloudtui.core.ImageCopy.Place.parse(args.get(0), names);
        io.cloudtui.core.ImageCopy.Place to = args.size() > 1 ? io.cloudtui.core.ImageCopy.Place.parse(args.get(1), names) : null;
        for (io.cloudtui.core.ImageCopy.Place p : new io.cloudtui.core.ImageCopy.Place[] {from, to}) {
            if (p != null && p.backend() != null && app.backend(p.backend()) == null && unusable.containsKey(p.backend())) {
                app.error("copy: " + p.backend() + ": " + unusable.get(p.backend()).message());
                return;
            }
        }
        if (from.image() == null) {
            app.error("copy: which image of " + from.backend() + "?");
            return;
        }
        if (to != null && to.backend() == null) {
            app.error("copy: no backend '" + args.get(1) + "'");
            return;
        }
        Backend src = from.backend() != null ? app.backend(from.backend()) : onlyOfType("docker", null);
        if (src == null && from.backend() == null && unusable.containsKey("docker") && app.backendList().stream().noneMatch(b -> b.type().equals("docker"))) {
            app.error("copy: docker: " + unusable.get("docker").message());
            return;
        }
        if (src == null) {
            app.error("copy: say which backend the image is on (BACKEND:IMAGE)");
            return;
        }
        Backend dst = to != null ? app.backend(to.backend()) : onlyOfType("runtime", src);
        if (dst == null) {
            app.error("copy: say where to (copy " + args.get(0) + " BACKEND)");
            return;
        }
        String ref = to == null ? null : to.image();
        imageJob("copy " + src.name() + ":" + from.image() + " to " + dst.name(),
                p -> io.cloudtui.core.ImageCopy.copy(src, from.image(), dst, ref, p));
    }

    private Backend onlyOfType(String type, Backend not) {
        List<Backend> found = app.backendList().stream().filter(b -> b.type().equals(type) && b != not).toList();
        return found.size() == 1 ? found.get(0) : null;
    }
}
