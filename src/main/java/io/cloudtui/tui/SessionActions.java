package io.cloudtui.tui;

import io.cloudtui.core.Backend;
import io.cloudtui.core.Capability;
import io.cloudtui.core.State;
import io.cloudtui.core.Stdio;
import io.cloudtui.core.Workload;
import io.cloudtui.core.WorkloadKind;
import io.cloudtui.libvirt.VmSupport;
import io.cloudtui.term.TerminalSession;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sessions that take the user's terminal: a shell in or an attach to a container, a VM's serial
 * console (taken over when another client holds it), ssh to a VM; each ends with one message that
 * says how it ended (with the last lines it printed when it failed). UI thread only.
 */
final class SessionActions {
    private static final Logger LOG = LoggerFactory.getLogger(SessionActions.class);
    private final TuiApp app;

    SessionActions(TuiApp app) {
        this.app = app;
    }

    /**
     * The backend for a terminal session on {@code w}, or null after telling the user why not. A VM
     * gets its serial console instead (also null: the console is already open).
     */
    private Backend sessionBackend(Workload w, Capability needed, String verb, String what) {
        if (w == null) {
            app.error("no workload selected");
            return null;
        }
        if (w.kind() == WorkloadKind.VM) {
            console(w);
            return null;
        }
        Backend b = app.backend(w.backend());
        String why = app.refusal(needed, w);
        if (why != null) {
            app.error(why);
            return null;
        }
        if (w.state() != State.RUNNING) {
            app.error(w.name() + " is " + w.state().label() + ": " + what + " needs it running");
            return null;
        }
        return b;
    }

    void shell(Workload w) {
        Backend b = sessionBackend(w, Capability.EXEC, "exec", "a shell");
        if (b == null) return;
        // find a shell that exists before handing over the terminal, so a miss prints nothing
        String found = null;
        for (String sh : app.config.ui().shell()) {
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
            app.error("no shell found in " + w.name() + " (tried " + String.join(", ", app.config.ui().shell()) + ")");
            return;
        }
        String sh = found;
        runSession(w, "shell " + sh + " in " + w.name(), app.config.ui().detachKeys(), stdio -> b.exec(w.nativeId(), List.of(sh), stdio));
    }

    void attach(Workload w) {
        Backend b = sessionBackend(w, Capability.ATTACH, "attach", "attach");
        if (b == null) return;
        runSession(w, "attached to " + w.name(), app.config.ui().detachKeys(), stdio -> b.attach(w.nativeId(), stdio));
    }

    private void console(Workload w) {
        console(w, false);
    }

    /** A VM's serial console; one held by another client is offered to be taken over. */
    private void console(Workload w, boolean force) {
        Backend b = app.backend(w.backend());
        if (!(b instanceof VmSupport vs) && !b.supports(Capability.CONSOLE) && !b.supports(Capability.ATTACH)) {
            app.error(w.backend() + " has no console");
            return;
        }
        runSession(w, "console of " + w.name(), "ctrl-]",
                stdio -> b instanceof VmSupport vs ? vs.console(w.nativeId(), stdio, force) : b.attach(w.nativeId(), stdio),
                e -> {
                    if (!(e instanceof VmSupport.ConsoleBusyException)) return false;
                    app.confirm("The console of " + w.name() + " is in use by another client. Take it over?",
                            List.of("The other client (virsh console, another cloudtui) is disconnected."), () -> console(w, true));
                    return true;
                });
    }

    /** ssh to the VM's address in the user's terminal, like an attached shell. */
    void ssh(Workload w) {
        VmSupport vs = app.vmActions.vmOf(w, "ssh");
        if (vs == null) return;
        if (w.state() != State.RUNNING) {
            app.error(w.name() + " is " + w.state().label() + ": ssh needs it running");
            return;
        }
        app.info("looking up the address of " + w.name() + "...");
        app.background(() -> {
            VmSupport.SshTarget t;
            try {
                t = vs.sshTarget(w.nativeId(), null);
            } catch (RuntimeException e) {
                app.onUi(() -> app.error("ssh " + w.name() + ": " + e.getMessage()));
                return;
            }
            app.onUi(() -> {
                List<String> cmd = t.command(List.of());
                String what = "ssh " + t.where();
                io.cloudtui.term.ForegroundProcess.Result r;
                try {
                    r = app.sessions().runProcess(what, cmd);
                } catch (RuntimeException e) {
                    app.screenTaken();
                    app.error(what + " failed: " + e.getMessage());
                    return;
                }
                app.screenTaken();
                // ssh exits 255 for its own errors (no route, refused, auth): say why in one line, naming the VM
                if (r.code() == 0) app.info(what + ": exited with status 0");
                else if (r.code() == 255) app.error(t.failure(w.name(), r.lastError()) + " [exit 255]");
                // ctrl-c (SIGINT) ended an ssh still connecting (a host that never answers): said as such, naming the VM
                else if (r.code() == TerminalSession.INTERRUPTED) app.info(t.interrupted(w.name()));
                else app.error(what + ": exited with status " + r.code());
            });
        });
    }

    static Stdio quietStdio() {
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
            code = app.sessions().run(what, detach, stdio -> body.applyAsInt(tail.wrap(stdio)));
        } catch (RuntimeException e) {
            app.screenTaken();
            if (!handled.test(e)) app.error(what + " failed: " + e.getMessage());
            return;
        }
        app.screenTaken();
        if (code == TerminalSession.DETACHED) app.info("detached from " + w.name());
        else if (code == 0) app.info(what + ": exited with status 0");
        else app.error(what + ": exited with status " + code + tail.summary());
        app.feed.refresh(app.backend(w.backend()), w.id());
    }
}
