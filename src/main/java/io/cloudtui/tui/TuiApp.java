package io.cloudtui.tui;

import com.googlecode.lanterna.TerminalSize;
import com.googlecode.lanterna.input.KeyStroke;
import com.googlecode.lanterna.input.KeyType;
import com.googlecode.lanterna.screen.Screen;
import com.googlecode.lanterna.screen.TerminalScreen;
import com.googlecode.lanterna.terminal.Terminal;
import com.googlecode.lanterna.terminal.ansi.UnixLikeTerminal;
import com.googlecode.lanterna.terminal.ansi.UnixTerminal;
import io.cloudtui.LogSetup;
import io.cloudtui.cli.Context;
import io.cloudtui.config.Config;
import io.cloudtui.core.Backend;
import io.cloudtui.core.Backends;
import io.cloudtui.core.Capability;
import io.cloudtui.core.CloudtuiException;
import io.cloudtui.core.State;
import io.cloudtui.core.Stdio;
import io.cloudtui.core.Workload;
import io.cloudtui.core.WorkloadId;
import io.cloudtui.core.WorkloadKind;
import io.cloudtui.term.DetachKeys;
import io.cloudtui.libvirt.VmSupport;
import io.cloudtui.term.TerminalSession;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The full-screen UI. One UI thread owns the screen and the model: each {@link #step} reads keys,
 * applies the backends' queued updates (at most every 100 ms), runs tasks posted by worker threads,
 * and redraws only if something changed, with lanterna's differential refresh. Backend verbs, lists
 * and stats run on worker threads; their results come back through the model or {@link #onUi}.
 */
public final class TuiApp implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(TuiApp.class);
    static final int MIN_WIDTH = 60;
    static final int MIN_HEIGHT = 10;

    /** Knobs tests turn; {@link #defaults} is what the real UI uses. */
    public record Options(Duration batch, Duration resync, Duration resizeDebounce, Duration messageTtl,
            LongSupplier millis, Clock wall, Map<String, String> env, Path stateDir, Themes themes, Sessions sessions) {
        public static Options defaults(Map<String, String> env) {
            return new Options(Duration.ofMillis(100), Duration.ofSeconds(60), Duration.ofMillis(60), Duration.ofSeconds(6),
                    () -> System.nanoTime() / 1_000_000, Clock.systemUTC(), env,
                    LogSetup.defaultLogFile(env).getParent(), Themes.standard(env), null);
        }
    }

    record Message(String text, Role role, long at) {}

    private final Terminal terminal;
    final Screen screen;
    final Config config;
    final KeyMap keys;
    final Themes themes;
    final WorkloadTable model = new WorkloadTable();
    final TableView table;
    private final Map<String, Backend> backends = new LinkedHashMap<>();
    /** Engines that are there but this user may not use (docker's socket outside its group), by backend name. */
    private final Map<String, io.cloudtui.core.BackendProvider.Unusable> unusable;
    private final BackendFeed feed;
    private final Options opts;
    private final ColorDepth depth;
    private final Glyphs glyphs;
    private final Deque<View> views = new ArrayDeque<>();
    private final ConcurrentLinkedQueue<Runnable> uiTasks = new ConcurrentLinkedQueue<>();
    private final ExecutorService workers = Executors.newFixedThreadPool(4, BackendFeed.daemon("cloudtui-action"));
    private final ReentrantLock screenLock = new ReentrantLock();
    private final AtomicBoolean restored = new AtomicBoolean();
    private final List<String> paletteHistory = new ArrayList<>();
    private final List<String> searchHistory = new ArrayList<>();
    private Sessions sessions;
    private Theme theme;
    private String themeName;
    private Prompt prompt;
    private Consumer<String> promptAccept;
    private Consumer<String> promptLive;
    private Confirm confirm;
    private Message message;
    private volatile Set<WorkloadId> watched = Set.of();
    private volatile boolean quit;
    private boolean dirty = true;
    private boolean fullRedraw = true;
    private long lastApply;
    private long resizeAt = -1;
    private long renderedMinute = -1;
    private long lastRender = Long.MIN_VALUE / 2;
    private boolean started;
    /** How the loop waits when idle; the real terminal gets poll(2) on stdin ({@link Waiter#forStdin}). */
    private volatile Waiter waiter = new Waiter.Parked(IDLE_POLL_MS);
    /** Without poll(2) the terminal is looked at this often. */
    static final long IDLE_POLL_MS = 15;
    /** Longest wait of an idle loop, whatever the deadlines: a safety net for a wake-up that never came. */
    static final long MAX_IDLE_MS = 1000;

    /** A pending confirmation: the question, what it will do, and the action run on y. */
    record Confirm(String question, List<String> details, Runnable onYes) {}

    /** Asks before {@code onYes} runs; {@code details} say what will happen. */
    void confirm(String question, List<String> details, Runnable onYes) {
        confirm = new Confirm(question, details, onYes);
    }

    /** Builds the UI on any lanterna terminal (tests pass a DefaultVirtualTerminal). */
    public TuiApp(Terminal terminal, Backends backends, Config config, Options opts) throws IOException {
        this.terminal = terminal;
        this.config = config;
        this.opts = opts;
        this.keys = KeyMap.of(config.keys());
        this.themes = opts.themes();
        this.depth = ColorDepth.detect(opts.env());
        this.glyphs = Glyphs.detect(opts.env());
        setThemeOrThrow(config.ui().theme());
        for (Backend b : backends.all()) {
            this.backends.put(b.name(), b);
            model.addBackend(b.name(), b.type());
        }
        this.unusable = backends.unusable();
        this.table = new TableView(this, config.ui().showStopped());
        views.push(table);
        this.screen = new TerminalScreen(terminal);
        terminal.addResizeListener((t, size) -> wake());
        model.onPost(this::wake);
        this.sessions = opts.sessions() != null ? opts.sessions() : new TerminalSessions(System.in, System.out, System.err);
        this.feed = new BackendFeed(List.copyOf(this.backends.values()), model, opts.resync(), config.ui().statsInterval(), () -> watched);
    }

    /** Opens the UI on the real terminal; returns the exit code when the user quits. */
    public static int run(Context ctx) {
        Config cfg = ctx.config();
        Map<String, String> env = System.getenv();
        Options opts = Options.defaults(env);
        // bad keys or themes are reported before the screen is taken over
        KeyMap.of(cfg.keys());
        opts.themes().load(cfg.ui().theme());
        if (!TerminalSession.isTerminal(System.in)) {
            throw CloudtuiException.usage("the full-screen UI needs a terminal on stdin; use a subcommand (cloudtui --help)");
        }
        Backends backends = ctx.backends();
        PrintStream realErr = System.err;
        UnixTerminal term;
        try {
            term = new UnixTerminal(System.in, System.out, StandardCharsets.UTF_8, UnixLikeTerminal.CtrlCBehaviour.TRAP);
        } catch (IOException e) {
            throw new CloudtuiException("cannot open the terminal: " + e.getMessage(), e);
        }
        TuiApp app;
        try {
            app = new TuiApp(term, backends, cfg, opts);
        } catch (IOException | RuntimeException e) {
            closeQuietly(term);
            throw e instanceof CloudtuiException ce ? ce : new CloudtuiException("cannot start the UI: " + e.getMessage(), e);
        }
        app.sessions = app.new TerminalSessions(System.in, System.out, realErr);
        app.waiter = Waiter.forStdin(IDLE_POLL_MS);
        // SIGTERM, SIGHUP (ssh dropped) and SIGINT run shutdown hooks: give the terminal back there too
        Thread hook = new Thread(app::restoreTerminal, "cloudtui-restore-screen");
        Runtime.getRuntime().addShutdownHook(hook);
        // stray library output on stderr would scribble over the screen
        System.setErr(new PrintStream(OutputStream.nullOutputStream(), true, StandardCharsets.UTF_8));
        try {
            app.runLoop();
        } finally {
            app.close();
            System.setErr(realErr);
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException e) {
                // already shutting down
            }
        }
        return 0;
    }

    private static void closeQuietly(Terminal t) {
        try {
            t.close();
        } catch (IOException | RuntimeException e) {
            LOG.debug("closing terminal", e);
        }
    }

    /** Starts the screen and the backend feed; {@link #step} then drives everything. */
    public void start() throws IOException {
        if (started) return;
        started = true;
        screen.startScreen();
        screen.setCursorPosition(null);
        feed.start();
        checkEmptyStores(true);
    }

    /** Set when the bundled engine's store has no image yet: the table says how to get one. */
    volatile String emptyStoreHint;

    /**
     * ANNOUNCE (at start): the hint is also the message line's, for when other backends' rows fill
     * the table. Also run after an image job: a store that got its first image loses the hint.
     */
    private void checkEmptyStores(boolean announce) {
        List<Backend> dockers = backends.values().stream().filter(b -> b.type().equals("docker")).toList();
        for (Backend b : backends.values()) {
            if (!b.type().equals("runtime") || !(b instanceof io.cloudtui.core.ImageSupport is)) continue;
            background(() -> {
                try {
                    if (is.images(false).isEmpty()) {
                        // with a Docker engine around, copying an image from it is the quickest start
                        String hint = dockers.isEmpty()
                                ? b.name() + " has no images yet: :import FILE (docker save tar, OCI layout, rootfs tar) or :pull REF"
                                : b.name() + " has no images yet: :copy " + (dockers.size() == 1 ? "" : dockers.get(0).name() + ":")
                                        + "IMAGE (from " + dockers.get(0).name() + "), :pull REF, :import FILE";
                        onUi(() -> {
                            emptyStoreHint = hint;
                            if (announce) info(hint);
                        });
                    } else {
                        onUi(() -> {
                            if (emptyStoreHint != null && emptyStoreHint.startsWith(b.name() + " has no images")) emptyStoreHint = null;
                        });
                    }
                } catch (RuntimeException e) {
                    LOG.debug("image list of {}", b.name(), e);
                }
            });
        }
    }

    /** Runs until the user quits. */
    public void runLoop() {
        try {
            start();
            while (!quit) {
                if (!step()) idle();
            }
        } catch (IOException e) {
            throw new CloudtuiException("terminal failed: " + e.getMessage(), e);
        }
    }

    private void idle() {
        if (Thread.currentThread().isInterrupted()) {
            quit = true;
            return;
        }
        waiter.await(idleTimeout(opts.millis().getAsLong()));
    }

    /** Wakes the UI loop: background threads call this after they posted something for it. */
    void wake() {
        waiter.wake();
    }

    /** How long an idle loop may wait: until the next thing that is due by the clock, at most {@link #MAX_IDLE_MS}. */
    long idleTimeout(long now) {
        long due = now + MAX_IDLE_MS;
        if (dirty) {
            due = Math.min(due, lastRender + opts.batch().toMillis() / 2);
            if (resizeAt >= 0) due = Math.min(due, resizeAt + opts.resizeDebounce().toMillis());
        }
        if (model.hasPending()) due = Math.min(due, lastApply + opts.batch().toMillis());
        Message m = message;
        if (m != null) {
            long ttl = opts.messageTtl().toMillis();
            due = Math.min(due, m.role() != Role.DIM ? m.at() + ttl * 2 / 3 : m.at() + ttl);
        }
        long wall = opts.wall().millis();
        due = Math.min(due, now + (60_000 - wall % 60_000)); // uptimes and the clock move each minute
        return Math.max(1, due - now);
    }

    /** One turn of the loop; returns whether it did any work (so the caller need not sleep). */
    public boolean step() throws IOException {
        screenLock.lock();
        try {
            if (restored.get()) {
                quit = true;
                return false;
            }
            return stepLocked();
        } finally {
            screenLock.unlock();
        }
    }

    private boolean stepLocked() throws IOException {
        long now = opts.millis().getAsLong();
        boolean worked = false;
        TerminalSize resized = screen.doResizeIfNecessary();
        if (resized != null) {
            resizeAt = now;
            dirty = true;
            fullRedraw = true;
        }
        boolean keyed = false;
        for (int i = 0; i < 64; i++) {
            KeyStroke k = screen.pollInput();
            if (k == null) break;
            keyed = true;
            if (k.getKeyType() == KeyType.EOF) {
                quit = true;
                return true;
            }
            handleKey(k);
            worked = true;
            dirty = true;
        }
        Runnable task;
        while ((task = uiTasks.poll()) != null) {
            task.run();
            dirty = true;
            worked = true;
        }
        if (model.hasPending() && now - lastApply >= opts.batch().toMillis()) {
            lastApply = now;
            if (model.apply()) dirty = true;
        }
        for (View v : views) {
            if (v.poll() && v == views.peek()) dirty = true;
        }
        if (message != null) {
            long age = now - message.at();
            long ttl = opts.messageTtl().toMillis();
            if (age >= ttl) {
                message = null;
                dirty = true;
            } else if (age >= ttl * 2 / 3 && message.role() != Role.DIM) {
                // fade before it goes
                message = new Message(message.text(), Role.DIM, message.at());
                dirty = true;
            }
        }
        long minute = opts.wall().millis() / 60_000;
        if (minute != renderedMinute) dirty = true;
        if (quit) return true;
        // keys redraw at once; background changes (log floods, stats) at most every half batch (50 ms)
        boolean due = keyed || now - lastRender >= opts.batch().toMillis() / 2;
        if (dirty && due && (resizeAt < 0 || now - resizeAt >= opts.resizeDebounce().toMillis())) {
            resizeAt = -1;
            lastRender = now;
            render();
            renderedMinute = minute;
            screen.refresh(fullRedraw ? Screen.RefreshType.COMPLETE : Screen.RefreshType.DELTA);
            dirty = false;
            fullRedraw = false;
            worked = true;
        }
        return worked;
    }

    // ---- keys ----

    private void handleKey(KeyStroke k) {
        if (k.getKeyType() == KeyType.Character && k.isCtrlDown() && k.getCharacter() == 'c') {
            quit = true;
            return;
        }
        if (prompt != null) {
            promptKey(k);
            return;
        }
        if (confirm != null) {
            confirmKey(k);
            return;
        }
        View v = views.peek();
        Action a = keys.lookup(k, v.scopes());
        if (v.key(k, a)) return;
        if (a == null) return;
        switch (a) {
            case QUIT -> quit = true;
            case HELP -> openHelp();
            case REDRAW -> fullRedraw = true;
            case PALETTE -> openPalette();
            case MESSAGES -> openMessages();
            case BACK -> {
                if (views.size() > 1) {
                    views.pop().close();
                    // back from a build or pull: the list below may have changed
                    if (views.peek() instanceof ResourceView rv) rv.load();
                }
            }
            default -> {
                // a key that means nothing here
            }
        }
    }

    private void promptKey(KeyStroke k) {
        Prompt p = prompt;
        Prompt.Result r = p.key(k);
        switch (r) {
            case CHANGED -> {
                if (p.kind != Prompt.Kind.PALETTE) p.hint = "";
                if (promptLive != null) promptLive.accept(p.value());
            }
            case ACCEPTED -> {
                p.remember();
                prompt = null;
                Consumer<String> acc = promptAccept;
                promptAccept = null;
                promptLive = null;
                if (acc != null) acc.accept(p.value());
            }
            case CANCELLED -> {
                prompt = null;
                promptAccept = null;
                Consumer<String> live = promptLive;
                promptLive = null;
                if (p.kind == Prompt.Kind.FILTER && live != null) live.accept("");
            }
            default -> {
                // cursor moved
            }
        }
    }

    private void confirmKey(KeyStroke k) {
        if (k.getKeyType() == KeyType.Character && (k.getCharacter() == 'y' || k.getCharacter() == 'Y') && !k.isCtrlDown()) {
            Confirm c = confirm;
            confirm = null;
            c.onYes().run();
        } else if (k.getKeyType() == KeyType.Escape
                || (k.getKeyType() == KeyType.Character && (k.getCharacter() == 'n' || k.getCharacter() == 'N' || k.getCharacter() == 'q'))
                || k.getKeyType() == KeyType.Enter) {
            confirm = null;
            info("cancelled");
        }
    }

    void openFilter() {
        Prompt p = new Prompt(Prompt.Kind.FILTER, "/", table.filter.source, null, null);
        prompt = p;
        promptLive = s -> {
            table.setFilter(s);
            p.hint = table.filter.error != null ? table.filter.error : "";
        };
        promptAccept = s -> {
            table.setFilter(s);
            if (table.filter.error != null) error(table.filter.error);
        };
    }

    void openPalette() {
        openPalette("");
    }

    void openPalette(String initial) {
        prompt = new Prompt(Prompt.Kind.PALETTE, ":", initial, paletteHistory, before -> Palette.complete(before, this));
        promptAccept = s -> Palette.execute(s, this);
    }

    void openSearch(Consumer<TextMatcher> target) {
        prompt = new Prompt(Prompt.Kind.SEARCH, "/", "", searchHistory, null);
        promptAccept = s -> {
            TextMatcher m = TextMatcher.parse(s);
            if (m.error != null) {
                error(m.error);
                return;
            }
            target.accept(m);
        };
    }

    /** The recent messages, whole, wrapped to the screen. */
    void openMessages() {
        if (views.peek() instanceof MessagesView) return;
        views.push(new MessagesView(this, messages.text(Math.max(MIN_WIDTH, screen.getTerminalSize().getColumns() - 1), opts.wall().getZone())));
    }

    void openHelp() {
        if (views.peek() instanceof HelpView) return;
        views.push(new HelpView(this));
    }

    void openDetail(DetailView.Tab tab) {
        WorkloadTable.Row r = table.selectedRow();
        if (r == null) {
            error("no workload selected");
            return;
        }
        openDetail(r.w, tab);
    }

    /** Enter on a row: its logs, or its stats when its backend has no logs (VMs). */
    void drillIn() {
        WorkloadTable.Row r = table.selectedRow();
        if (r == null) {
            error("no workload selected");
            return;
        }
        openDetail(r.w, refusal(Capability.LOGS, r.w) == null ? DetailView.Tab.LOGS : DetailView.Tab.STATS);
    }

    void openDetail(Workload w, DetailView.Tab tab) {
        String why = refusal(DetailView.needs(tab), w);
        if (why != null) {
            error(why);
            return;
        }
        while (views.size() > 1) views.pop().close();
        views.push(new DetailView(this, w, tab));
    }

    void quit() {
        quit = true;
    }

    List<Backend> backendList() {
        return List.copyOf(backends.values());
    }

    void showWorkloads() {
        while (views.size() > 1) views.pop().close();
    }

    void openResources(ResourceView.Kind kind) {
        showWorkloads();
        views.push(new ResourceView(this, kind));
    }

    /** The backend new images and containers go to: the one in view, else the first that can. */
    Backend backendFor(Capability c) {
        View v = views.peek();
        if (v instanceof ResourceView rv && rv.selectedItem() != null && rv.selectedItem().backend().supports(c)) return rv.selectedItem().backend();
        WorkloadTable.Row r = table.selectedRow();
        if (v == table && r != null && backends.get(r.w.backend()).supports(c)) return backends.get(r.w.backend());
        String d = config.defaultBackend();
        if (d != null && backends.containsKey(d) && backends.get(d).supports(c)) return backends.get(d);
        for (Backend b : backends.values()) if (b.supports(c)) return b;
        return null;
    }

    void openRunForm(String image) {
        Backend b = backendFor(Capability.RUN);
        if (b == null) {
            error("no backend can run new containers");
            return;
        }
        views.push(new RunForm(this, b, image));
    }

    void runContainer(Backend b, io.cloudtui.core.RunSpec spec) {
        io.cloudtui.core.RunSupport rs = (io.cloudtui.core.RunSupport) b;
        if (views.peek() instanceof RunForm) views.pop();
        if (spec.interactive()) {
            String what = "run " + spec.image();
            SessionTail tail = new SessionTail();
            int code;
            try {
                code = sessions.run(what, config.ui().detachKeys(), stdio -> rs.run(spec, tail.wrap(stdio), id -> { }));
            } catch (RuntimeException e) {
                fullRedraw = true;
                error(what + " failed: " + e.getMessage());
                return;
            }
            fullRedraw = true;
            if (code == TerminalSession.DETACHED) info("detached from " + what);
            else if (code == 0) info(what + ": exited with status 0");
            else error(what + ": exited with status " + code + tail.summary());
            feed.relist(b.name());
            return;
        }
        info("starting " + spec.image() + "...");
        background(() -> {
            try {
                String[] id = {null};
                rs.run(spec, quietStdio(), x -> id[0] = x);
                Ended gone = id[0] == null ? null : endedAtOnce(b, id[0]);
                if (gone != null) onUi(() -> {
                    // a command that simply finished (exited (0)) is news, not an error
                    if (gone.failed()) error("run " + spec.image() + ": " + gone.text());
                    else info("run " + spec.image() + ": " + gone.text());
                });
                else onUi(() -> info("started " + (spec.name() != null ? spec.name() : spec.image()) + (id[0] != null ? " (" + id[0].substring(0, Math.min(12, id[0].length())) + ")" : "")));
            } catch (RuntimeException e) {
                onUi(() -> error("run " + spec.image() + " failed: " + e.getMessage()));
            }
            feed.relist(b.name());
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
        confirm("Remove image " + ref + " from " + b.name() + "?", List.of("This untags it and deletes its layers if nothing else uses them.",
                "Containers using it must be removed first."), () -> background(() -> {
                    try {
                        List<String> out = ((io.cloudtui.core.ImageSupport) b).removeImage(ref, false);
                        onUi(() -> {
                            info("removed " + ref + (out.isEmpty() ? "" : " (" + out.size() + " untagged/deleted)"));
                            if (views.peek() instanceof ResourceView rv) rv.load();
                        });
                    } catch (RuntimeException e) {
                        onUi(() -> error("remove image " + ref + " failed: " + e.getMessage()));
                    }
                }));
    }

    /** Runs an image job (pull, import, build) on a worker, streaming its progress into a view. */
    void imageJob(String title, java.util.function.Function<Consumer<String>, String> job) {
        ProgressView pv = new ProgressView(this, title);
        views.push(pv);
        background(() -> {
            try {
                String id = job.apply(line -> onUi(() -> pv.pane.append(line)));
                onUi(() -> {
                    pv.done = true;
                    pv.pane.append("done: " + id);
                    info(title + ": done");
                    if (emptyStoreHint != null) checkEmptyStores(false);
                });
            } catch (RuntimeException e) {
                onUi(() -> {
                    pv.done = true;
                    pv.pane.append("failed: " + e.getMessage());
                    error(title + " failed: " + e.getMessage());
                });
            }
        });
    }

    /**
     * {@code :copy [BACKEND:]IMAGE [DEST[:REF]]}: streams an image from one backend into another;
     * by default from the (only) docker backend into the (only) runtime backend.
     */
    void copyImage(List<String> args) {
        if (args.isEmpty() || args.size() > 2) {
            error("copy: what? (copy [BACKEND:]IMAGE [DEST[:REF]])");
            return;
        }
        // docker can be named when this user may not open it: the copy then says why not
        java.util.Set<String> names = new java.util.LinkedHashSet<>(backends.keySet());
        names.addAll(unusable.keySet());
        io.cloudtui.core.ImageCopy.Place from = io.cloudtui.core.ImageCopy.Place.parse(args.get(0), names);
        io.cloudtui.core.ImageCopy.Place to = args.size() > 1 ? io.cloudtui.core.ImageCopy.Place.parse(args.get(1), names) : null;
        for (io.cloudtui.core.ImageCopy.Place p : new io.cloudtui.core.ImageCopy.Place[] {from, to}) {
            if (p != null && p.backend() != null && !backends.containsKey(p.backend()) && unusable.containsKey(p.backend())) {
                error("copy: " + p.backend() + ": " + unusable.get(p.backend()).message());
                return;
            }
        }
        if (from.image() == null) {
            error("copy: which image of " + from.backend() + "?");
            return;
        }
        if (to != null && to.backend() == null) {
            error("copy: no backend '" + args.get(1) + "'");
            return;
        }
        Backend src = from.backend() != null ? backends.get(from.backend()) : onlyOfType("docker", null);
        if (src == null && from.backend() == null && unusable.containsKey("docker") && backends.values().stream().noneMatch(b -> b.type().equals("docker"))) {
            error("copy: docker: " + unusable.get("docker").message());
            return;
        }
        if (src == null) {
            error("copy: say which backend the image is on (BACKEND:IMAGE)");
            return;
        }
        Backend dst = to != null ? backends.get(to.backend()) : onlyOfType("runtime", src);
        if (dst == null) {
            error("copy: say where to (copy " + args.get(0) + " BACKEND)");
            return;
        }
        String ref = to == null ? null : to.image();
        imageJob("copy " + src.name() + ":" + from.image() + " to " + dst.name(),
                p -> io.cloudtui.core.ImageCopy.copy(src, from.image(), dst, ref, p));
    }

    private Backend onlyOfType(String type, Backend not) {
        List<Backend> found = backends.values().stream().filter(b -> b.type().equals(type) && b != not).toList();
        return found.size() == 1 ? found.get(0) : null;
    }

    boolean isQuit() {
        return quit;
    }

    // ---- actions ----

    /** s and p: the first verb for targets where it applies (stop running ones), else the second. */
    void requestToggle(List<Workload> targets, Verb first, Verb second) {
        List<Workload> firsts = targets.stream().filter(w -> first.applies(w.state())).toList();
        if (!firsts.isEmpty()) request(first, firsts);
        else request(second, targets);
    }

    void request(Verb verb, List<Workload> targets) {
        if (targets.isEmpty()) {
            error("no workload selected");
            return;
        }
        List<Workload> ok = new ArrayList<>();
        List<String> skipped = new ArrayList<>();
        for (Workload w : targets) {
            String why = refusal(verb.capability, w);
            if (why != null) skipped.add(w.name() + " (" + why + ")");
            else if (!verb.applies(w.state())) skipped.add(w.name() + " (" + w.state().label() + ")");
            else ok.add(w);
        }
        if (ok.isEmpty()) {
            error("cannot " + verb.label + ": " + String.join(", ", skipped));
            return;
        }
        if (verb.destructive) {
            int n = ok.size();
            String question = Character.toUpperCase(verb.label.charAt(0)) + verb.label.substring(1) + " "
                    + (n == 1 ? ok.get(0).backend() + ":" + ok.get(0).name() : n + " workloads") + "?";
            List<String> details = new ArrayList<>();
            details.add("This will " + verb.explanation + ".");
            if (n > 1) {
                for (Workload t : ok) details.add("  " + t.backend() + ":" + t.name() + " (" + t.state().label() + ")");
            } else if (verb == Verb.REMOVE && ok.get(0).state().isActive()) {
                details.add("It is " + ok.get(0).state().label() + ": it will be killed first.");
            }
            if (!skipped.isEmpty()) details.add("Skipped: " + String.join(", ", skipped));
            confirm(question, details, () -> {
                table.marks.clear();
                execute(verb, ok);
            });
        } else {
            table.marks.clear();
            execute(verb, ok);
        }
    }

    private void execute(Verb verb, List<Workload> targets) {
        info(verb.label + (verb.label.endsWith("e") ? "" : "") + " " + names(targets) + "...");
        int[] pending = {targets.size()};
        List<String> failures = new ArrayList<>();
        for (Workload w : targets) {
            Backend b = backends.get(w.backend());
            // the row says "stopping" from now until the engine says stopped (a stop may take its whole timeout)
            model.post(new WorkloadTable.Transit(w.id(), verb.ing));
            background(() -> {
                String err = null;
                try {
                    verb.run(b, w);
                } catch (RuntimeException e) {
                    err = e.getMessage() != null ? e.getMessage() : e.toString();
                    LOG.debug("{} {} failed", verb.label, w.id(), e);
                }
                if (verb == Verb.REMOVE && err == null) {
                    model.post(new WorkloadTable.Removed(w.id()));
                } else {
                    // the state after the verb, then the end of its "-ing", in one batch: no flash of the old state
                    try {
                        model.post(new WorkloadTable.Changed(b.get(w.nativeId())));
                    } catch (RuntimeException e) {
                        feed.refresh(b, w.id());
                    }
                    model.post(new WorkloadTable.Transit(w.id(), null));
                }
                String fe = err;
                onUi(() -> {
                    if (fe != null) failures.add(w.name() + ": " + fe);
                    if (--pending[0] == 0) {
                        if (failures.isEmpty()) info(verb.past + " " + names(targets));
                        else error(verb.label + " failed: " + String.join("; ", failures));
                    }
                });
            });
        }
    }

    private static String names(List<Workload> ws) {
        if (ws.size() > 3) return ws.size() + " workloads";
        return String.join(", ", ws.stream().map(Workload::name).toList());
    }

    /**
     * The backend for a terminal session on {@code w}, or null after telling the user why not. A VM
     * gets its serial console instead (also null: the console is already open).
     */
    private Backend sessionBackend(Workload w, Capability needed, String verb, String what) {
        if (w == null) {
            error("no workload selected");
            return null;
        }
        if (w.kind() == WorkloadKind.VM) {
            console(w);
            return null;
        }
        Backend b = backends.get(w.backend());
        String why = refusal(needed, w);
        if (why != null) {
            error(why);
            return null;
        }
        if (w.state() != State.RUNNING) {
            error(w.name() + " is " + w.state().label() + ": " + what + " needs it running");
            return null;
        }
        return b;
    }

    void shell(Workload w) {
        Backend b = sessionBackend(w, Capability.EXEC, "exec", "a shell");
        if (b == null) return;
        // find a shell that exists before handing over the terminal, so a miss prints nothing
        String found = null;
        for (String sh : config.ui().shell()) {
            try {
                int code = b.exec(w.nativeId(), List.of(sh, "-c", "exit 0"), quietStdio());
                if (code == 0) {
                    found = sh;
                    break;
                }
            } catch (RuntimeException e) {
                LOG.debug("shell {} not usable in {}", sh, w.id(), e);
            }
        }
        if (found == null) {
            error("no shell found in " + w.name() + " (tried " + String.join(", ", config.ui().shell()) + ")");
            return;
        }
        String sh = found;
        runSession(w, "shell " + sh + " in " + w.name(), config.ui().detachKeys(), stdio -> b.exec(w.nativeId(), List.of(sh), stdio));
    }

    void attach(Workload w) {
        Backend b = sessionBackend(w, Capability.ATTACH, "attach", "attach");
        if (b == null) return;
        runSession(w, "attached to " + w.name(), config.ui().detachKeys(), stdio -> b.attach(w.nativeId(), stdio));
    }

    private void console(Workload w) {
        console(w, false);
    }

    /** A VM's serial console; one held by another client is offered to be taken over. */
    private void console(Workload w, boolean force) {
        Backend b = backends.get(w.backend());
        if (!(b instanceof VmSupport vs) && !b.supports(Capability.CONSOLE) && !b.supports(Capability.ATTACH)) {
            error(w.backend() + " has no console");
            return;
        }
        runSession(w, "console of " + w.name(), "ctrl-]",
                stdio -> b instanceof VmSupport vs ? vs.console(w.nativeId(), stdio, force) : b.attach(w.nativeId(), stdio),
                e -> {
                    if (!(e instanceof VmSupport.ConsoleBusyException)) return false;
                    confirm("The console of " + w.name() + " is in use by another client. Take it over?",
                            List.of("The other client (virsh console, another cloudtui) is disconnected."), () -> console(w, true));
                    return true;
                });
    }

    // ---- VMs: snapshots, creation, ssh ----

    /** The selected row's VM support, or null after telling the user why not. */
    private VmSupport vmOf(Workload w, String what) {
        if (w == null) {
            error("no workload selected");
            return null;
        }
        if (w.kind() != WorkloadKind.VM || !(backends.get(w.backend()) instanceof VmSupport vs)) {
            error(what + ": " + w.name() + " is not a VM");
            return null;
        }
        return vs;
    }

    void openSnapshots(Workload w) {
        VmSupport vs = vmOf(w, "snapshots");
        if (vs == null) return;
        while (views.size() > 1) views.pop().close();
        views.push(new SnapshotView(this, w, vs));
    }

    /** {@code :snapshot create NAME [--no-memory] [DESCRIPTION...]}, {@code revert NAME}, {@code delete NAME}. */
    void snapshotCommand(List<String> args) {
        SnapshotView sv = views.peek() instanceof SnapshotView v ? v : null;
        if (sv == null) {
            WorkloadTable.Row r = table.selectedRow();
            VmSupport vs = vmOf(r == null ? null : r.w, "snapshot");
            if (vs == null) return;
            sv = new SnapshotView(this, r.w, vs);
            views.push(sv);
        }
        if (args.size() < 2 || !List.of("create", "revert", "delete").contains(args.get(0))) {
            error("snapshot: say create NAME [--no-memory] [DESCRIPTION], revert NAME or delete NAME");
            return;
        }
        if (!args.get(0).equals("create")) {
            snapshotVerb(sv, args.get(0), args.get(1));
            return;
        }
        String name = args.get(1);
        List<String> rest = new ArrayList<>(args.subList(2, args.size()));
        Boolean memory = rest.remove("--no-memory") ? Boolean.FALSE : null;
        String description = rest.isEmpty() ? null : String.join(" ", rest);
        SnapshotView view = sv;
        info("taking snapshot " + name + " of " + sv.vm.name() + "...");
        background(() -> {
            try {
                view.vs.snapshotCreate(view.vm.nativeId(), name, description, memory);
                onUi(() -> info("took snapshot " + name + " of " + view.vm.name()));
            } catch (RuntimeException e) {
                onUi(() -> error("snapshot " + name + " failed: " + e.getMessage()));
            }
            onUi(view::load);
        });
    }

    /** Revert or delete one snapshot, after confirmation. */
    void snapshotVerb(SnapshotView sv, String verb, String name) {
        boolean revert = verb.equals("revert");
        List<String> details = revert
                ? List.of("The VM goes back to the state it had then; what changed since is lost", "unless another snapshot holds it.")
                : List.of("Its metadata and internal state go; disk files are never deleted.");
        confirm((revert ? "Revert " : "Delete snapshot ") + (revert ? sv.vm.name() + " to snapshot " + name : name + " of " + sv.vm.name()) + "?",
                details, () -> {
                    info((revert ? "reverting to " : "deleting ") + name + "...");
                    background(() -> {
                        try {
                            if (revert) sv.vs.snapshotRevert(sv.vm.nativeId(), name);
                            else sv.vs.snapshotDelete(sv.vm.nativeId(), name);
                            onUi(() -> info((revert ? "reverted " + sv.vm.name() + " to " : "deleted snapshot ") + name));
                        } catch (RuntimeException e) {
                            onUi(() -> error(verb + " " + name + " failed: " + e.getMessage()));
                        }
                        feed.refresh(backends.get(sv.vm.backend()), sv.vm.id());
                        onUi(sv::load);
                    });
                });
    }

    void openVmForm() {
        Backend b = null;
        WorkloadTable.Row r = table.selectedRow();
        if (r != null && backends.get(r.w.backend()) instanceof VmSupport) b = backends.get(r.w.backend());
        if (b == null) for (Backend x : backends.values()) if (x instanceof VmSupport) {
            b = x;
            break;
        }
        if (b == null) {
            error("no backend has VMs (is libvirtd running?)");
            return;
        }
        views.push(new VmForm(this, b, opts.env()));
    }

    void createVm(Backend b, VmSupport vs, VmSupport.CreateSpec spec) {
        if (views.peek() instanceof VmForm) views.pop();
        // libvirtd can take a minute to define a domain: the message line says what it waits for, and for how long
        String doing = "creating VM " + spec.name() + ": ";
        String[] step = {"starting"};
        long t0 = System.nanoTime();
        Runnable show = () -> {
            if (message == null || message.text().startsWith(doing)) {
                info(doing + step[0] + " " + java.util.concurrent.TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - t0) + "s");
            }
        };
        show.run();
        Thread ticker = Thread.ofVirtual().start(() -> {
            try {
                while (true) {
                    Thread.sleep(1000);
                    onUi(show);
                }
            } catch (InterruptedException e) {
                // created or failed
            }
        });
        background(() -> {
            try {
                String uuid = vs.create(spec, s -> onUi(() -> {
                    step[0] = s;
                    show.run();
                }));
                ticker.interrupt();
                onUi(() -> info("created VM " + spec.name() + " (" + uuid + ")" + (spec.start() ? ", starting" : "")));
            } catch (RuntimeException e) {
                ticker.interrupt();
                onUi(() -> error("create VM " + spec.name() + " failed: " + e.getMessage()));
            }
            feed.relist(b.name());
        });
    }

    /** ssh to the VM's address in the user's terminal, like an attached shell. */
    void ssh(Workload w) {
        VmSupport vs = vmOf(w, "ssh");
        if (vs == null) return;
        if (w.state() != State.RUNNING) {
            error(w.name() + " is " + w.state().label() + ": ssh needs it running");
            return;
        }
        info("looking up the address of " + w.name() + "...");
        background(() -> {
            VmSupport.SshTarget t;
            try {
                t = vs.sshTarget(w.nativeId(), null);
            } catch (RuntimeException e) {
                onUi(() -> error("ssh " + w.name() + ": " + e.getMessage()));
                return;
            }
            onUi(() -> {
                List<String> cmd = t.command(List.of());
                String what = "ssh " + t.where();
                io.cloudtui.term.ForegroundProcess.Result r;
                try {
                    r = sessions.runProcess(what, cmd);
                } catch (RuntimeException e) {
                    fullRedraw = true;
                    error(what + " failed: " + e.getMessage());
                    return;
                }
                fullRedraw = true;
                dirty = true;
                // ssh exits 255 for its own errors (no route, refused, auth): say why in one line, naming the VM
                if (r.code() == 0) info(what + ": exited with status 0");
                else if (r.code() == 255) error(t.failure(w.name(), r.lastError()) + " [exit 255]");
                else if (r.code() == TerminalSession.INTERRUPTED) info(t.interrupted(w.name()));
                else error(what + ": exited with status " + r.code());
            });
        });
    }

    private static Stdio quietStdio() {
        return new Stdio(InputStream.nullInputStream(), OutputStream.nullOutputStream(), OutputStream.nullOutputStream(), false, null, null);
    }

    private void runSession(Workload w, String what, String detach, java.util.function.ToIntFunction<Stdio> body) {
        runSession(w, what, detach, body, e -> false);
    }

    /** {@code handled} may take over a failure (and return true) instead of the error message. */
    private void runSession(Workload w, String what, String detach, java.util.function.ToIntFunction<Stdio> body,
            java.util.function.Predicate<RuntimeException> handled) {
        SessionTail tail = new SessionTail();
        int code;
        try {
            code = sessions.run(what, detach, stdio -> body.applyAsInt(tail.wrap(stdio)));
        } catch (RuntimeException e) {
            fullRedraw = true;
            if (!handled.test(e)) error(what + " failed: " + e.getMessage());
            return;
        }
        fullRedraw = true;
        dirty = true;
        if (code == TerminalSession.DETACHED) info("detached from " + w.name());
        else if (code == 0) info(what + ": exited with status 0");
        else error(what + ": exited with status " + code + tail.summary());
        feed.refresh(backends.get(w.backend()), w.id());
    }

    /** The real terminal: suspend the screen, run the session raw, then restore the screen as it was. */
    final class TerminalSessions implements Sessions {
        private final InputStream in;
        private final PrintStream out;
        private final PrintStream err;

        TerminalSessions(InputStream in, PrintStream out, PrintStream err) {
            this.in = in;
            this.out = out;
            this.err = err;
        }

        @Override
        public int run(String banner, String detachKeys, java.util.function.ToIntFunction<Stdio> body) {
            try {
                screen.stopScreen();
            } catch (IOException e) {
                throw new CloudtuiException("cannot suspend the screen: " + e.getMessage(), e);
            }
            try {
                out.print("\r\ncloudtui: " + banner + " (leave with " + detachKeys + " or by exiting)\r\n");
                out.flush();
                DetachKeys keys = detachKeys == null || detachKeys.isBlank() ? null : DetachKeys.parse(detachKeys);
                return new TerminalSession(in, out, err).run(true, keys, body);
            } finally {
                resume();
            }
        }

        @Override
        public int process(String banner, List<String> command) {
            return runProcess(banner, command).code();
        }

        @Override
        public io.cloudtui.term.ForegroundProcess.Result runProcess(String banner, List<String> command) {
            try {
                screen.stopScreen();
            } catch (IOException e) {
                throw new CloudtuiException("cannot suspend the screen: " + e.getMessage(), e);
            }
            try {
                // the child owns the terminal, in its usual modes (ctrl-c reaches it); the UI reads no input meanwhile.
                // The banner comes once those modes are set, so a ctrl-c after it is an interrupt.
                return io.cloudtui.term.ForegroundProcess.run(command, err, () -> {
                    out.print("\r\ncloudtui: " + banner + " (leave by exiting)\r\n");
                    out.flush();
                });
            } catch (IOException e) {
                throw new CloudtuiException("cannot run " + command.get(0) + ": " + e.getMessage(), e);
            } finally {
                resume();
            }
        }

        private void resume() {
            try {
                screen.startScreen();
                screen.setCursorPosition(null);
            } catch (IOException e) {
                LOG.warn("cannot resume the screen", e);
            }
        }
    }

    // ---- services for views ----

    Backend backend(String name) {
        return backends.get(name);
    }

    /**
     * Why {@code c} cannot be done to {@code w}, or null when it can: the backend's own answer, asked
     * before a verb is offered (footer, palette) or confirmed.
     */
    String refusal(Capability c, Workload w) {
        Backend b = backends.get(w.backend());
        return b == null ? "no backend " + w.backend() : b.refusal(c, w);
    }

    boolean anyConnected() {
        for (WorkloadTable.BackendState b : model.backends()) if (b.conn == WorkloadTable.Conn.CONNECTED) return true;
        return false;
    }

    void background(Runnable r) {
        try {
            workers.execute(r);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            // shutting down
        }
    }

    /** Runs {@code r} on the UI thread at the next step. */
    void onUi(Runnable r) {
        uiTasks.add(r);
        wake();
    }

    void info(String s) {
        message = new Message(s, Role.INFO, opts.millis().getAsLong());
        messages.add(now(), Role.INFO, s);
    }

    void error(String s) {
        message = new Message(s, Role.ERROR, opts.millis().getAsLong());
        messages.add(now(), Role.ERROR, s);
    }

    /** Every message, whole, for {@link MessagesView}. */
    final MessageLog messages = new MessageLog();

    /** Whether the message on the line is cut (too long, or several lines): the footer then offers the messages view. */
    private boolean messageCut(int width) {
        Message m = message;
        return m != null && !MessageLog.fits(m.text(), width);
    }

    private String messagesHint() {
        return "(" + KeyMap.display(keys.key(Action.MESSAGES)) + ": whole message)";
    }

    Message message() {
        return message;
    }

    Instant now() {
        return opts.wall().instant();
    }

    Path stateDir() {
        return opts.stateDir();
    }

    int logBufferLines() {
        return config.ui().logBufferLines();
    }

    Duration statsInterval() {
        return config.ui().statsInterval();
    }

    String themeName() {
        return themeName;
    }

    void setTheme(String name) {
        try {
            setThemeOrThrow(name);
            fullRedraw = true;
            info("theme " + name + (depth == ColorDepth.NONE ? " (no colours on this terminal: monochrome styles)" : ""));
        } catch (CloudtuiException e) {
            error(e.getMessage());
        }
    }

    private void setThemeOrThrow(String name) {
        Theme t = themes.load(name);
        // without colours a theme's meaning would vanish: use the monochrome roles instead
        if (depth == ColorDepth.NONE) t = themes.load("monochrome");
        theme = t.degrade(depth);
        themeName = name;
    }

    /** Ids whose stats are worth fetching: running rows on screen and the drilled-in workload. */
    private void updateWatched() {
        Set<WorkloadId> s = new HashSet<>();
        View top = views.peek();
        if (top == table) s.addAll(table.onScreen());
        for (View v : views) {
            if (v instanceof DetailView d && d.tab == DetailView.Tab.STATS) {
                WorkloadTable.Row r = model.row(d.w.id());
                if (r != null && r.w.state() == State.RUNNING) s.add(d.w.id());
            }
        }
        if (top instanceof DetailView d) {
            WorkloadTable.Row r = model.row(d.w.id());
            if (r != null && r.w.state() == State.RUNNING) s.add(d.w.id());
        }
        Set<WorkloadId> now = Set.copyOf(s);
        if (!now.equals(watched)) {
            watched = now;
            feed.watchedChanged(now);
        }
    }

    // ---- drawing ----

    private void render() {
        TerminalSize size = screen.getTerminalSize();
        int w = size.getColumns();
        int h = size.getRows();
        Canvas c = new Canvas(screen, theme, depth, glyphs, w, h);
        try {
            draw(c, w, h);
        } finally {
            c.flush();
        }
    }

    private void draw(Canvas c, int w, int h) {
        if (w < MIN_WIDTH || h < MIN_HEIGHT) {
            screen.clear();
            String msg = "terminal too small (" + w + "x" + h + "); need " + MIN_WIDTH + "x" + MIN_HEIGHT;
            int y = Math.max(0, h / 2);
            if (h > 0) {
                c.fillRow(y, Role.NORMAL);
                c.put(0, y, msg, Role.ERROR);
            }
            return;
        }
        renderHeader(c, w);
        View v = views.peek();
        v.render(c, 1, h - 2);
        updateWatched();
        renderMessageLine(c, h - 2);
        renderFooter(c, v, h - 1);
        if (confirm != null) renderConfirm(c, w, h);
    }

    private void renderHeader(Canvas c, int w) {
        c.fillRow(0, Role.HEADER);
        Style hs = c.style(Role.HEADER);
        int x = c.put(0, 0, " cloudtui ", hs.with(com.googlecode.lanterna.SGR.BOLD), w);
        View v = views.peek();
        x = c.put(x, 0, "> " + v.title() + " ", hs, w);
        Map<String, int[]> counts = model.counts();
        for (WorkloadTable.BackendState b : model.backends()) {
            x = c.put(x, 0, "| ", hs, w);
            int[] n = counts.getOrDefault(b.name, new int[2]);
            switch (b.conn) {
                case CONNECTED -> {
                    x = c.put(x, 0, String.valueOf(glyphs.connected()), hs, w);
                    x = c.put(x, 0, " " + b.name + " " + n[1] + "/" + n[0] + " ", hs, w);
                }
                case CONNECTING -> x = c.put(x, 0, glyphs.disconnected() + " " + b.name + " connecting ", hs, w);
                case DISCONNECTED -> {
                    Style ds = hs.withFg(c.style(Role.DISCONNECTED).fg()).with(com.googlecode.lanterna.SGR.BOLD);
                    x = c.put(x, 0, glyphs.disconnected() + " " + b.name + " disconnected ", ds, w);
                }
            }
        }
        for (var u : unusable.entrySet()) {
            Style ds = hs.withFg(c.style(Role.DISCONNECTED).fg()).with(com.googlecode.lanterna.SGR.BOLD);
            x = c.put(x, 0, "| ", hs, w);
            x = c.put(x, 0, glyphs.disconnected() + " " + u.getKey() + " no access ", ds, w);
        }
        if (v == table) {
            List<String> extra = new ArrayList<>();
            if (!table.filter.isEmpty()) extra.add("filter: " + table.filter.source);
            if (table.only != TableView.Only.ALL) extra.add("only " + table.only.name().toLowerCase(java.util.Locale.ROOT));
            if (!table.showStopped) extra.add("stopped hidden");
            if (!table.marks.isEmpty()) extra.add(table.marks.size() + " marked");
            for (String e : extra) x = c.put(x, 0, "| " + e + " ", hs, w);
        }
    }

    private void renderMessageLine(Canvas c, int y) {
        c.fillRow(y, Role.NORMAL);
        if (prompt != null) {
            int x = c.put(0, y, prompt.prefix, Role.ACCENT);
            String t = prompt.value();
            int room = c.width - x - 1;
            int from = Math.max(0, prompt.cursor - room);
            int end = c.put(x, y, t.substring(Math.min(from, t.length())), Role.NORMAL, c.width);
            int cx = x + prompt.cursor - from;
            // a visible cursor cell without moving the terminal's real cursor
            char under = prompt.cursor < t.length() ? t.charAt(prompt.cursor) : ' ';
            c.set(Math.min(cx, c.width - 1), y, Canvas.safe(under), c.style(Role.NORMAL).with(com.googlecode.lanterna.SGR.REVERSE));
            if (!prompt.hint.isEmpty()) c.put(Math.max(end, cx) + 2, y, prompt.hint, Role.DIM);
            return;
        }
        WorkloadTable.BackendState down = null;
        for (WorkloadTable.BackendState b : model.backends()) if (b.conn == WorkloadTable.Conn.DISCONNECTED) down = b;
        if (message != null) {
            c.put(0, y, MessageLog.line(message.text(), c.width, messagesHint()), message.role());
        } else if (down != null && views.peek() == table) {
            c.put(0, y, down.name + ": " + (down.error == null ? "disconnected" : down.error) + " (retrying)", Role.DISCONNECTED);
        }
    }

    private void renderFooter(Canvas c, View v, int y) {
        c.fillRow(y, Role.FOOTER);
        Style fs = c.style(Role.FOOTER);
        Style ks = fs.withFg(c.style(Role.KEY).fg()).with(com.googlecode.lanterna.SGR.BOLD);
        int x = 0;
        List<Action> hints = prompt != null
                ? List.<Action>of()
                : confirm != null ? List.<Action>of() : v.hints();
        if (prompt != null) {
            String t = prompt.kind == Prompt.Kind.PALETTE ? " enter run  tab complete  up/down history  esc cancel"
                    : prompt.kind == Prompt.Kind.FILTER ? " enter keep  esc clear  re:REGEX  !inverts" : " enter search  esc cancel  re:REGEX";
            c.put(0, y, t, fs, c.width);
            return;
        }
        if (confirm != null) {
            x = c.put(x, y, " y", ks, c.width);
            x = c.put(x, y, " confirm  ", fs, c.width);
            x = c.put(x, y, "n/esc", ks, c.width);
            c.put(x, y, " cancel", fs, c.width);
            return;
        }
        // help and quit always show, at the right; the view's own keys fill what room is left
        String tail = " " + KeyMap.display(keys.key(Action.HELP)) + " help  " + KeyMap.display(keys.key(Action.QUIT)) + " quit ";
        int tailX = Math.max(0, c.width - tail.length());
        x = 1;
        if (messageCut(c.width)) {
            List<Action> h = new ArrayList<>();
            h.add(Action.MESSAGES);
            h.addAll(hints);
            hints = h;
        }
        for (Action a : hints) {
            if (a == Action.HELP || a == Action.QUIT) continue;
            String k = KeyMap.display(keys.key(a));
            String label = a.label();
            if (x + k.length() + label.length() + 2 > tailX) break;
            x = c.put(x, y, k, ks, c.width);
            x = c.put(x, y, " " + label + "  ", fs, c.width);
        }
        int tx = c.put(tailX, y, " " + KeyMap.display(keys.key(Action.HELP)), ks, c.width);
        tx = c.put(tx, y, " help  ", fs, c.width);
        tx = c.put(tx, y, KeyMap.display(keys.key(Action.QUIT)), ks, c.width);
        c.put(tx, y, " quit ", fs, c.width);
    }

    private void renderConfirm(Canvas c, int w, int h) {
        Confirm cf = confirm;
        List<String> lines = new ArrayList<>();
        lines.add(cf.question());
        int room = Math.max(1, h - 9);
        List<String> d = cf.details();
        for (int i = 0; i < d.size() && i < room; i++) lines.add(d.get(i));
        if (d.size() > room) lines.add("  ... and " + (d.size() - room) + " more");
        lines.add("");
        lines.add("y: yes, do it     n or esc: no");
        int bw = 0;
        for (String l : lines) bw = Math.max(bw, l.length());
        bw = Math.min(w - 2, bw + 4);
        int bh = lines.size() + 2;
        int x0 = Math.max(0, (w - bw) / 2);
        int y0 = Math.max(1, (h - bh) / 2);
        Style border = c.style(Role.BORDER);
        Style body = c.style(Role.NORMAL);
        boolean ascii = glyphs == Glyphs.ASCII;
        char hz = ascii ? '-' : '─', vt = ascii ? '|' : '│';
        for (int y = y0; y < y0 + bh && y < h - 1; y++) {
            for (int x = x0; x < x0 + bw; x++) {
                boolean top = y == y0, bot = y == y0 + bh - 1, left = x == x0, right = x == x0 + bw - 1;
                char ch = ' ';
                if ((top || bot) && (left || right)) ch = ascii ? '+' : top ? (left ? '┌' : '┐') : (left ? '└' : '┘');
                else if (top || bot) ch = hz;
                else if (left || right) ch = vt;
                c.set(x, y, ch, top || bot || left || right ? border : body);
            }
        }
        c.put(x0 + 2, y0, " Confirm ", Role.TITLE, x0 + bw - 1);
        for (int i = 0; i < lines.size(); i++) {
            Role r = i == 0 ? Role.ACCENT : i == lines.size() - 1 ? Role.KEY : Role.NORMAL;
            c.put(x0 + 2, y0 + 1 + i, lines.get(i), r, x0 + bw - 2);
        }
    }

    // ---- shutdown ----

    /** Gives the terminal back: leaves the alternate screen and restores the tty settings. Idempotent. */
    void restoreTerminal() {
        boolean locked = false;
        try {
            locked = screenLock.tryLock(500, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            if (!restored.compareAndSet(false, true)) return;
            quit = true;
            wake();
            try {
                if (started) screen.stopScreen();
            } catch (IOException | RuntimeException e) {
                LOG.debug("stopping screen", e);
            }
            closeQuietly(terminal);
        } finally {
            if (locked) screenLock.unlock();
        }
    }

    @Override
    public void close() {
        quit = true;
        feed.close();
        for (View v : views) v.close();
        workers.shutdownNow();
        restoreTerminal();
        waiter.close();
    }

    boolean hasConfirm() {
        return confirm != null;
    }

    Prompt prompt() {
        return prompt;
    }

    View top() {
        return views.peek();
    }
}
