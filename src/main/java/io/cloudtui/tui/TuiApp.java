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
import io.cloudtui.core.Workload;
import io.cloudtui.core.WorkloadId;
import io.cloudtui.term.TerminalSession;
import java.io.IOException;
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
 *
 * <p>TuiApp keeps the loop, the key dispatch, the prompt, the view stack and the frame (header,
 * message line, footer, the {@link ConfirmBox}). Actions live per subject: {@link WorkloadActions}
 * (lifecycle verbs), {@link SessionActions} (shell, attach, console, ssh), {@link ImageActions}
 * (image jobs, run), {@link VmActions} (snapshots, new VM); the {@link Palette} parses commands into
 * them. Views that need little get it as a small interface ({@link Notifier}, {@link Workers},
 * {@link PaneHost}) rather than the whole app.
 */
public final class TuiApp implements PaneHost, Workers, AutoCloseable {
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

    private final Terminal terminal;
    final Screen screen;
    final Config config;
    final KeyMap keys;
    final Themes themes;
    final WorkloadTable model = new WorkloadTable();
    final TableView table;
    /** Lifecycle verbs on workloads. */
    final WorkloadActions workloadActions = new WorkloadActions(this);
    /** Shells, attaches, consoles and ssh: sessions on the user's terminal. */
    final SessionActions sessionActions = new SessionActions(this);
    /** Pull, import, build, copy, remove and run images. */
    final ImageActions imageActions = new ImageActions(this);
    /** The swarm's services, nodes and tasks views and their verbs. */
    final SwarmActions swarm = new SwarmActions(this);
    /** Snapshots and the new-VM form. */
    final VmActions vmActions = new VmActions(this);
    /** Compose projects and services: their verbs, the Compose CLI, merged logs. */
    final ComposeActions composeActions = new ComposeActions(this);
    private final Map<String, Backend> backends = new LinkedHashMap<>();
    /** The session's backends (those that failed to open, backends that join later). */
    private final Backends session;
    /** Backends the environment named that could not be opened, as last said on the message line. */
    private Map<String, String> failedSaid = Map.of();
    /** The remote hosts and their states (the header); tests put fake ones here. */
    HostStates hostStates;
    /** Whether a remote host is in the session: the table then has a HOST column. */
    private final boolean remoteSession;
    /** Engines that are there but this user may not use (docker's socket outside its group), by backend name. */
    private final Map<String, io.cloudtui.core.BackendProvider.Unusable> unusable;
    final BackendFeed feed;
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
    /** The y/n box over the view, when a question is pending. */
    private final ConfirmBox confirm = new ConfirmBox();
    /** The message line: {@link #info} and {@link #error} land there. */
    final MessageLine messages;
    private volatile Set<WorkloadId> watched = Set.of();
    private volatile boolean quit;
    private boolean dirty = true;
    private boolean fullRedraw = true;
    private long lastApply;
    private long resizeAt = -1;
    private long renderedMinute = -1;
    private long lastRender = Long.MIN_VALUE / 2;
    /** Frames drawn, and those that went to the terminal (tests). */
    long frames;
    long refreshes;
    private boolean started;
    /** How the loop waits when idle; the real terminal gets poll(2) on stdin ({@link Waiter#forStdin}). */
    private volatile Waiter waiter = new Waiter.Parked(IDLE_POLL_MS);
    /** Without poll(2) the terminal is looked at this often. */
    static final long IDLE_POLL_MS = 15;
    /** Longest wait of an idle loop, whatever the deadlines: a safety net for a wake-up that never came. */
    static final long MAX_IDLE_MS = 1000;

    /** Builds the UI on any lanterna terminal (tests pass a DefaultVirtualTerminal). */
    public TuiApp(Terminal terminal, Backends backends, Config config, Options opts) throws IOException {
        this.terminal = terminal;
        this.config = config;
        this.opts = opts;
        this.keys = KeyMap.of(config.keys());
        this.themes = opts.themes();
        this.depth = ColorDepth.detect(opts.env());
        this.glyphs = Glyphs.detect(opts.env());
        this.messages = new MessageLine(opts.millis(), opts.wall(), opts.messageTtl());
        setThemeOrThrow(config.ui().theme());
        // a remote host that connects later (in the background) brings its backends then; listened to
        // before the first read, so none is missed (one seen twice is added once)
        backends.onAdded(b -> onUi(() -> addBackend(b)));
        for (Backend b : backends.all()) {
            this.backends.put(b.name(), b);
            model.addBackend(b.name(), b.type());
        }
        this.session = backends;
        this.unusable = backends.unusable();
        this.hostStates = HostStates.of(backends);
        this.remoteSession = backends.hasRemote() || this.backends.keySet().stream().anyMatch(n -> n.indexOf('/') > 0);
        this.table = new TableView(this, config.ui().showStopped());
        views.push(table);
        this.screen = new TerminalScreen(terminal);
        terminal.addResizeListener((t, size) -> wake());
        model.onPost(this::wake);
        this.sessions = opts.sessions() != null ? opts.sessions() : new TerminalSessions(screen, System.in, System.out, System.err);
        this.feed = new BackendFeed(List.copyOf(this.backends.values()), model, opts.resync(), config.ui().statsInterval(), () -> watched);
    }

    /** Opens the UI on the real terminal; returns the exit code when the user quits. */
    public static int run(Context ctx) {
        Config cfg = ctx.config();
        Map<String, String> env = System.getenv();
        Options opts = Options.defaults(env);
        // bad keys and themes were reported when the config was loaded (Main.loader, UiConfigCheck)
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
        app.sessions = new TerminalSessions(app.screen, System.in, System.out, realErr);
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

    /**
     * The UI's part of the launcher's AOT training ({@code io.cloudtui.AotTraining ui}): the UI on a
     * virtual 200x50 terminal over CTX's backends until each has been listed (at most MAX_MS), its
     * help opened and closed and the selection moved, so that the classes of a first frame with the
     * list come from the cache. Reads only; touches no workload.
     */
    public static void train(Context ctx, Map<String, String> env, long maxMs) throws IOException {
        var term = new com.googlecode.lanterna.terminal.virtual.DefaultVirtualTerminal(new TerminalSize(200, 50));
        try (TuiApp app = new TuiApp(term, ctx.backends(), ctx.config(), Options.defaults(env))) {
            app.start();
            long end = System.nanoTime() / 1_000_000 + maxMs;
            while (System.nanoTime() / 1_000_000 < end && !app.model.backends().stream().allMatch(b -> b.conn == WorkloadTable.Conn.CONNECTED)) {
                if (!app.step()) Thread.sleep(10);
            }
            for (KeyStroke k : List.of(new KeyStroke('?', false, false), new KeyStroke(KeyType.Escape),
                    new KeyStroke('j', false, false), new KeyStroke('k', false, false))) {
                term.addInput(k);
                long until = System.nanoTime() / 1_000_000 + 150;
                while (System.nanoTime() / 1_000_000 < until) {
                    if (!app.step()) Thread.sleep(10);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
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
        imageActions.checkEmptyStores(true);
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
        due = Math.min(due, messages.due());
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
        if (messages.age(now)) dirty = true;
        if (pollHosts()) dirty = true;
        long minute = opts.wall().millis() / 60_000;
        if (minute != renderedMinute) dirty = true;
        if (quit) return true;
        // keys redraw at once; background changes (log floods, stats) at most every half batch (50 ms)
        boolean due = keyed || now - lastRender >= opts.batch().toMillis() / 2;
        if (dirty && due && (resizeAt < 0 || now - resizeAt >= opts.resizeDebounce().toMillis())) {
            resizeAt = -1;
            lastRender = now;
            // a stats refresh of idle containers often changes no cell: then nothing goes to the terminal
            // (lanterna's refresh compares every cell of the screen and flushes the terminal even so)
            boolean changed = render();
            renderedMinute = minute;
            if (changed || fullRedraw) screen.refresh(fullRedraw ? Screen.RefreshType.COMPLETE : Screen.RefreshType.DELTA);
            frames++;
            if (changed || fullRedraw) refreshes++;
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
        if (confirm.isOpen()) {
            confirm.key(k, this);
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

    @Override
    public void openSearch(Consumer<TextMatcher> target) {
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

    // ---- the view stack ----

    /** The recent messages, whole, wrapped to the screen. */
    void openMessages() {
        if (views.peek() instanceof MessagesView) return;
        views.push(new MessagesView(this, messages.log.text(Math.max(MIN_WIDTH, screen.getTerminalSize().getColumns() - 1), opts.wall().getZone())));
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

    /** A machine not among the session's hosts, reached by the user's ssh (a swarm node): its Docker engine; one line when not. */
    Backend reach(List<String> names) {
        if (session == null) throw new io.cloudtui.core.CloudtuiException("no session to open hosts in");
        return session.reach(names);
    }

    /** Engines that are there but this user may not use, by backend name. */
    Map<String, io.cloudtui.core.BackendProvider.Unusable> unusable() {
        return unusable;
    }

    void push(View v) {
        views.push(v);
    }

    /** Drops the view on top (a form that did its job) without closing it. */
    void popTop() {
        views.pop();
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

    boolean isQuit() {
        return quit;
    }

    // ---- services for views ----

    /** Asks before {@code onYes} runs; {@code details} say what will happen. */
    void confirm(String question, List<String> details, Runnable onYes) {
        confirm.ask(question, details, onYes);
    }

    /** Where interactive sessions run: the real terminal, or the tests' stand-in. */
    Sessions sessions() {
        return sessions;
    }

    /** The terminal was handed to a session and is back: the whole screen is drawn anew. */
    void screenTaken() {
        fullRedraw = true;
        dirty = true;
    }

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

    @Override
    public void background(Runnable r) {
        try {
            workers.execute(r);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            // shutting down
        }
    }

    @Override
    public void onUi(Runnable r) {
        uiTasks.add(r);
        wake();
    }

    @Override
    public void info(String s) {
        messages.info(s);
    }

    /** A hint found in the background: shown only if the message line is free (see {@link MessageLine#notice}). */
    void notice(String s) {
        messages.notice(s);
    }

    @Override
    public void error(String s) {
        messages.error(s);
    }

    private String messagesHint() {
        return "(" + KeyMap.display(keys.key(Action.MESSAGES)) + ": whole message)";
    }

    Instant now() {
        return opts.wall().instant();
    }

    /** The environment the UI was started in (the VM form's defaults come from it). */
    Map<String, String> env() {
        return opts.env();
    }

    @Override
    public KeyMap keys() {
        return keys;
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

    /** Draws the frame; returns whether the screen changed (a frame equal to the last needs no refresh). */
    private boolean render() {
        TerminalSize size = screen.getTerminalSize();
        int w = size.getColumns();
        int h = size.getRows();
        Canvas c = new Canvas(screen, theme, depth, glyphs, w, h);
        boolean changed = w < MIN_WIDTH || h < MIN_HEIGHT; // draw clears the screen then
        try {
            draw(c, w, h);
        } finally {
            changed |= c.flush();
        }
        return changed;
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
        if (confirm.isOpen()) confirm.render(c, w, h, glyphs);
    }

    /** Whether the session has remote hosts: the HOST column, {@code :host} and grouping by host. */
    boolean showsHosts() {
        return remoteSession || !hostStates.isEmpty();
    }

    /** The host names of the session, local first when it has local backends. */
    List<String> hostNames() {
        java.util.LinkedHashSet<String> out = new java.util.LinkedHashSet<>();
        for (String b : backends.keySet()) if (Backends.hostOf(b).equals("local")) out.add("local");
        for (HostStates.Status s : hostStates.current()) out.add(s.name());
        for (String b : backends.keySet()) out.add(Backends.hostOf(b));
        return List.copyOf(out);
    }

    /** A backend that joined the session after the start (a host that connected later): its rows come as the others'. */
    private void addBackend(Backend b) {
        if (backends.containsKey(b.name())) return;
        backends.put(b.name(), b);
        model.addBackend(b.name(), b.type());
        feed.add(b);
    }

    /**
     * Reads the hosts' states; a change is said on the message line (its full line), and redraws. A
     * host that is connected again has its backends listed at once (not at their next backoff).
     * Each backend that could not be opened is said once too (and whenever its line changes).
     */
    private boolean pollHosts() {
        List<HostStates.Status> changed = hostStates.poll();
        for (HostStates.Status s : changed) {
            if (s.connected()) {
                // news nobody asked for: it replaces what the line said about this host, never what an action said
                MessageLine.Message m = messages.current();
                if (m != null && m.text().startsWith(s.name() + ":")) info(s.name() + ": connected");
                else notice(s.name() + ": connected");
                for (String b : backends.keySet()) if (Backends.hostOf(b).equals(s.name())) feed.relist(b);
            } else if (s.reason() != null && !s.reason().isBlank()) {
                error(s.reason());
            } else if (!s.state().equals("connecting")) {
                error(s.name() + ": " + s.state());
            }
        }
        Map<String, String> failed = session.failed();
        boolean failedChanged = !failed.equals(failedSaid);
        if (failedChanged) {
            for (var e : failed.entrySet()) if (!e.getValue().equals(failedSaid.get(e.getKey()))) error(e.getValue());
            failedSaid = failed;
        }
        return !changed.isEmpty() || failedChanged;
    }

    private void renderHeader(Canvas c, int w) {
        c.fillRow(0, Role.HEADER);
        Style hs = c.style(Role.HEADER);
        int x = c.put(0, 0, " cloudtui ", hs.with(com.googlecode.lanterna.SGR.BOLD), w);
        View v = views.peek();
        x = c.put(x, 0, "> " + v.title() + " ", hs, w);
        if (showsHosts()) x = renderTableState(c, x, v, hs, w);
        Map<String, int[]> counts = model.counts();
        Style ds = hs.withFg(c.style(Role.DISCONNECTED).fg()).with(com.googlecode.lanterna.SGR.BOLD);
        // the local backends (and any of a host not known here), then each host with its state and its
        // backends by type: "| web1 connected docker 2/3 libvirt 1/1"
        java.util.Set<String> hostNames = new java.util.HashSet<>();
        for (HostStates.Status s : hostStates.current()) hostNames.add(s.name());
        for (WorkloadTable.BackendState b : model.backends()) {
            if (b.name.indexOf('/') > 0 && hostNames.contains(Backends.hostOf(b.name))) continue;
            x = c.put(x, 0, "| ", hs, w);
            x = renderBackend(c, x, b, b.name, counts, hs, ds, w);
        }
        for (HostStates.Status s : hostStates.current()) {
            x = c.put(x, 0, "| ", hs, w);
            if (s.connected()) {
                x = c.put(x, 0, glyphs.connected() + " " + s.name() + " " + s.state() + " ", hs, w);
            } else {
                String why = HostStates.shortReason(s);
                boolean same = why.isEmpty() || why.equals(s.state());
                x = c.put(x, 0, glyphs.disconnected() + " " + s.name() + " " + s.state() + (same ? "" : ": " + why) + " ", ds, w);
            }
            for (WorkloadTable.BackendState b : model.backends()) {
                if (!Backends.hostOf(b.name).equals(s.name()) || b.name.indexOf('/') < 0) continue;
                x = renderBackend(c, x, b, b.name.substring(b.name.indexOf('/') + 1), counts, hs, ds, w);
            }
        }
        for (var u : unusable.entrySet()) {
            x = c.put(x, 0, "| ", hs, w);
            x = c.put(x, 0, glyphs.disconnected() + " " + u.getKey() + " no access ", ds, w);
        }
        // named by the environment (DOCKER_HOST, a context, a host's engine) and not opened: the full line is a message (M)
        for (String f : failedSaid.keySet()) {
            if (backends.containsKey(f) || hostNames.contains(f)) continue;
            x = c.put(x, 0, "| ", hs, w);
            x = c.put(x, 0, glyphs.disconnected() + " " + f + " not opened ", ds, w);
        }
        // with hosts the header is long: what narrows the table comes first, so it is never cut off
        if (!showsHosts()) x = renderTableState(c, x, v, hs, w);
    }

    /** The table's filter, host, grouping, marks... in the header. */
    private int renderTableState(Canvas c, int x, View v, Style hs, int w) {
        if (v != table) return x;
        List<String> extra = new ArrayList<>();
        if (!table.filter.isEmpty()) extra.add("filter: " + table.filter.source);
        if (table.host != null) extra.add("host: " + table.host);
        if (table.groupByHost) extra.add("grouped by host");
        if (table.only != TableView.Only.ALL) extra.add("only " + table.only.name().toLowerCase(java.util.Locale.ROOT));
        if (!table.showStopped) extra.add("stopped hidden");
        if (!table.marks.isEmpty()) extra.add(table.marks.size() + " marked");
        for (String e : extra) x = c.put(x, 0, "| " + e + " ", hs, w);
        return x;
    }

    /** One backend in the header: LABEL and its running/total rows, or its connection state. */
    private int renderBackend(Canvas c, int x, WorkloadTable.BackendState b, String label, Map<String, int[]> counts, Style hs, Style ds, int w) {
        int[] n = counts.getOrDefault(b.name, new int[2]);
        return switch (b.conn) {
            case CONNECTED -> {
                x = c.put(x, 0, String.valueOf(glyphs.connected()), hs, w);
                yield c.put(x, 0, " " + label + " " + n[1] + "/" + n[0] + " ", hs, w);
            }
            case CONNECTING -> c.put(x, 0, glyphs.disconnected() + " " + label + " connecting ", hs, w);
            case DISCONNECTED -> c.put(x, 0, glyphs.disconnected() + " " + label + " disconnected ", ds, w);
        };
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
        MessageLine.Message message = messages.current();
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
                : confirm.isOpen() ? List.<Action>of() : v.hints();
        if (prompt != null) {
            String t = prompt.kind == Prompt.Kind.PALETTE ? " enter run  tab complete  up/down history  esc cancel"
                    : prompt.kind == Prompt.Kind.FILTER ? " enter keep  esc clear  re:REGEX  !inverts" : " enter search  esc cancel  re:REGEX";
            c.put(0, y, t, fs, c.width);
            return;
        }
        if (confirm.isOpen()) {
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
        if (messages.cut(c.width)) {
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
        return confirm.isOpen();
    }

    Prompt prompt() {
        return prompt;
    }

    View top() {
        return views.peek();
    }
}
