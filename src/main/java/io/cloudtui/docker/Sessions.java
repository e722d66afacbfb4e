package io.cloudtui.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.CreateContainerCmd;
import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.exception.DockerException;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.AccessMode;
import com.github.dockerjava.api.model.Bind;
import com.github.dockerjava.api.model.ExposedPort;
import com.github.dockerjava.api.model.HostConfig;
import com.github.dockerjava.api.model.InternetProtocol;
import com.github.dockerjava.api.model.Ports;
import com.github.dockerjava.api.model.WaitContainerCondition;
import com.github.dockerjava.api.model.WaitResponse;
import io.cloudtui.core.CloudtuiException;
import io.cloudtui.core.ExecSpec;
import io.cloudtui.core.RunSpec;
import io.cloudtui.core.Stdio;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/** Interactive sessions: exec, attach, and creating/running containers from a {@link RunSpec}. */
final class Sessions {
    private static final Stdio NO_STDIO = new Stdio(null, null, null, false, null, null);
    private final Engine engine;
    private final DockerBackend backend;

    Sessions(Engine engine, DockerBackend backend) {
        this.engine = engine;
        this.backend = backend;
    }

    private DockerClient docker() {
        return engine.client();
    }

    int exec(String ref, ExecSpec spec, Stdio given) {
        Stdio in = given != null ? given : NO_STDIO;
        // the engine's own error, when the command cannot be started, comes first on the stream
        Head head = new Head(in.stdout());
        Stdio stdio = new Stdio(in.stdin(), head, in.stderr() != null ? in.stderr() : in.stdout(), in.tty(), in.size(), in.onResize());
        List<String> command = spec.command();
        if (command.isEmpty()) throw CloudtuiException.usage("exec needs a command");
        boolean withStdin = stdio.stdin() != null;
        String execId = backend.call(ref, () -> {
            var cmd = docker().execCreateCmd(ref).withCmd(command.toArray(String[]::new))
                    .withAttachStdout(true).withAttachStderr(true).withAttachStdin(withStdin).withTty(stdio.tty());
            if (!spec.env().isEmpty()) {
                cmd.withEnv(spec.env().entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).toList());
            }
            if (spec.workdir() != null && !spec.workdir().isBlank()) cmd.withWorkingDir(spec.workdir());
            if (spec.user() != null && !spec.user().isBlank()) cmd.withUser(spec.user());
            return cmd.exec().getId();
        });
        try (Hijack h = hijack(ref, "/exec/" + execId + "/start", "{\"Detach\":false,\"Tty\":" + stdio.tty() + "}", stdio.tty())) {
            if (stdio.tty()) {
                Consumer<Stdio.TermSize> resize = size -> resizeWithRetry(() ->
                        docker().resizeExecCmd(execId).withSize(size.rows(), size.columns()).exec());
                if (stdio.size() != null) resize.accept(stdio.size());
                stdio.registerResize(resize);
            }
            // input starts flowing only now, after the size is set, so the command never reads at 0x0
            pump(ref, h, stdio.stdin(), stdio);
        }
        return afterStream(ref, () -> exitCodeOfExec(execId, head.text()));
    }

    /**
     * The exit code that CODE asks the engine for once a session's stream has ended. When the engine
     * cannot be reached now, the stream ended because the connection did (a remote host's ssh lost, a
     * dockerd gone): said so in one line, not as an internal error.
     */
    private int afterStream(String ref, java.util.function.IntSupplier code) {
        try {
            return code.getAsInt();
        } catch (CloudtuiException e) {
            throw e;
        } catch (RuntimeException e) {
            if (engine.connectionProblem(e) != null) throw engine.streamLost(e);
            throw backend.translate(ref, e);
        }
    }

    /** Passes everything on to OUT (none: nowhere) and keeps the first bytes. */
    private static final class Head extends java.io.OutputStream {
        private final java.io.OutputStream out;
        private final java.io.ByteArrayOutputStream kept = new java.io.ByteArrayOutputStream();

        Head(java.io.OutputStream out) {
            this.out = out != null ? out : java.io.OutputStream.nullOutputStream();
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            synchronized (kept) {
                if (kept.size() < 1024) kept.write(b, off, Math.min(len, 1024 - kept.size()));
            }
            out.write(b, off, len);
        }

        @Override
        public void flush() throws IOException {
            out.flush();
        }

        String text() {
            synchronized (kept) {
                return kept.toString(java.nio.charset.StandardCharsets.UTF_8);
            }
        }
    }

    /**
     * The docker CLI's exit code for a container whose start failed with MESSAGE (its
     * runStartContainerErr): 127 the command was not found, 126 it could not be invoked, else 1
     * (which run reports as 125).
     */
    static int startFailureCode(String message) {
        if (message.contains("executable file not found") || message.contains("no such file or directory")
                || message.contains("system cannot find the file specified")) return 127;
        if (message.contains("permission denied") || message.contains("is a directory")) return 126;
        return 1;
    }

    private Hijack hijack(String ref, String path, String body, boolean tty) {
        try {
            return engine.hijack(path, body, tty);
        } catch (IOException | RuntimeException e) {
            throw backend.translate(ref, e);
        }
    }

    private void pump(String ref, Hijack h, InputStream stdin, Stdio stdio) {
        try {
            h.pump(stdin, stdio);
        } catch (IOException e) {
            throw backend.translate(ref, e);
        }
    }

    /**
     * The exec's exit code. An engine before Docker 23 says 126 for every command it could not
     * start; its message (HEAD, the start of the output) tells a command not found, 127 as newer
     * engines and the docker CLI's run.
     */
    private int exitCodeOfExec(String execId, String head) {
        for (int i = 0; i < 100; i++) {
            var r = docker().inspectExecCmd(execId).exec();
            if (!Boolean.TRUE.equals(r.isRunning()) && r.getExitCodeLong() != null) {
                int code = r.getExitCodeLong().intValue();
                boolean neverRan = r.getPidLong() == null || r.getPidLong() == 0;
                if (code == 126 && neverRan && head.contains("exec failed") && startFailureCode(head) == 127) return 127;
                return code;
            }
            sleep(50);
        }
        throw new CloudtuiException("exec " + execId.substring(0, 12) + " did not report an exit code");
    }

    int attach(String ref, Stdio given) {
        Stdio stdio = given != null ? given : NO_STDIO;
        InspectContainerResponse c = backend.inspectContainer(ref);
        if (!Boolean.TRUE.equals(c.getState().getRunning())) throw new CloudtuiException("container " + ref + " is not running");
        String id = c.getId();
        boolean tty = Boolean.TRUE.equals(c.getConfig().getTty());
        try (Hijack h = hijack(ref, attachPath(id, stdio.stdin() != null), null, tty)) {
            if (tty) sizeContainer(id, stdio);
            pump(ref, h, stdio.stdin(), stdio);
        }
        return afterStream(ref, () -> exitCodeAfterStream(id));
    }

    private static String attachPath(String id, boolean stdin) {
        return "/containers/" + id + "/attach?stream=1&stdout=1&stderr=1&stdin=" + (stdin ? 1 : 0);
    }

    /** After an attach stream ends: the exit code if the container stopped, 0 if we only detached. */
    private int exitCodeAfterStream(String id) {
        for (int i = 0; i < 40; i++) {
            try {
                var st = docker().inspectContainerCmd(id).exec().getState();
                if (!Boolean.TRUE.equals(st.getRunning())) return st.getExitCodeLong() == null ? 0 : st.getExitCodeLong().intValue();
            } catch (NotFoundException e) {
                return 0;
            }
            sleep(50);
        }
        return 0;
    }

    private void sizeContainer(String id, Stdio stdio) {
        Consumer<Stdio.TermSize> resize = size -> resizeWithRetry(() ->
                docker().resizeContainerCmd(id).withSize(size.rows(), size.columns()).exec());
        if (stdio.size() != null) resize.accept(stdio.size());
        stdio.registerResize(resize);
    }

    String create(RunSpec spec) {
        if (spec.image() == null || spec.image().isBlank()) throw CloudtuiException.usage("run needs an image");
        try {
            return createCmd(spec).exec().getId();
        } catch (NotFoundException e) {
            if (Engine.engineMessage(e).startsWith("no such image")) {
                throw new CloudtuiException("image '" + spec.image() + "' not found locally (cloudtui does not pull on run: "
                        + "pull it if a registry is reachable, or build/import it first)", e);
            }
            throw backend.translate(null, e);
        } catch (RuntimeException e) {
            throw backend.translate(null, e);
        }
    }

    private CreateContainerCmd createCmd(RunSpec spec) {
        HostConfig host = HostConfig.newHostConfig().withAutoRemove(spec.autoRemove()).withReadonlyRootfs(spec.readOnly());
        List<Bind> binds = new ArrayList<>();
        for (RunSpec.Mount m : spec.mounts()) {
            binds.add(new Bind(m.source(), new com.github.dockerjava.api.model.Volume(m.target()), m.readOnly() ? AccessMode.ro : AccessMode.rw));
        }
        if (!binds.isEmpty()) host.withBinds(binds);
        List<ExposedPort> exposed = new ArrayList<>();
        Ports bindings = new Ports();
        for (RunSpec.Port p : spec.ports()) {
            ExposedPort ep = new ExposedPort(p.containerPort(), InternetProtocol.parse(p.protocol() == null ? "tcp" : p.protocol()));
            exposed.add(ep);
            bindings.bind(ep, new Ports.Binding(p.hostIp() == null || p.hostIp().isBlank() ? null : p.hostIp(),
                    p.hostPort() > 0 ? String.valueOf(p.hostPort()) : null));
        }
        if (!exposed.isEmpty()) host.withPortBindings(bindings);
        if (spec.memoryBytes() != null) host.withMemory(spec.memoryBytes());
        if (spec.cpus() != null) host.withNanoCPUs(Math.round(spec.cpus() * 1e9));
        if (spec.pidsLimit() != null) host.withPidsLimit(spec.pidsLimit());
        if (spec.network() != null && !spec.network().isBlank()) host.withNetworkMode(spec.network());

        boolean attachIn = spec.interactive() && !spec.detach();
        CreateContainerCmd cmd = docker().createContainerCmd(spec.image())
                .withHostConfig(host)
                .withTty(spec.tty())
                .withStdinOpen(spec.interactive())
                .withStdInOnce(attachIn)
                .withAttachStdin(attachIn)
                .withAttachStdout(!spec.detach())
                .withAttachStderr(!spec.detach());
        if (spec.name() != null && !spec.name().isBlank()) cmd.withName(spec.name());
        if (!spec.command().isEmpty()) cmd.withCmd(spec.command());
        if (spec.entrypoint() != null) cmd.withEntrypoint(spec.entrypoint().isEmpty() ? List.of("") : spec.entrypoint());
        if (!spec.env().isEmpty()) {
            List<String> env = new ArrayList<>();
            for (Map.Entry<String, String> e : spec.env().entrySet()) env.add(e.getKey() + "=" + e.getValue());
            cmd.withEnv(env);
        }
        if (spec.workdir() != null && !spec.workdir().isBlank()) cmd.withWorkingDir(spec.workdir());
        if (!exposed.isEmpty()) cmd.withExposedPorts(exposed);
        if (spec.hostname() != null && !spec.hostname().isBlank()) cmd.withHostName(spec.hostname());
        if (spec.user() != null && !spec.user().isBlank()) cmd.withUser(spec.user());
        if (!spec.labels().isEmpty()) cmd.withLabels(spec.labels());
        return cmd;
    }

    int run(RunSpec spec, Stdio given, Consumer<String> onCreated) {
        Stdio stdio = given != null ? given : NO_STDIO;
        String id = create(spec);
        if (onCreated != null) onCreated.accept(id);
        if (spec.detach()) {
            startOrCleanUp(id, spec.autoRemove());
            return 0;
        }
        // Wait and attach are registered before start, so neither the exit nor early output is missed.
        int[] status = {-1};
        Streaming<WaitResponse> wait = new Streaming<>(r -> {
            if (r.getStatusCode() != null) status[0] = r.getStatusCode();
        });
        backend.call(null, () -> docker().waitContainerCmd(id)
                .withCondition(spec.autoRemove() ? WaitContainerCondition.REMOVED : WaitContainerCondition.NEXT_EXIT).exec(wait));
        wait.awaitStarted(30);
        InputStream in = spec.interactive() ? stdio.stdin() : null;
        try (Hijack h = attachToRun(id, in != null, spec)) {
            startOrCleanUp(id, spec.autoRemove());
            if (spec.tty()) sizeContainer(id, stdio);
            pump(null, h, in, stdio);
            wait.await();
        } finally {
            wait.close();
        }
        if (wait.error() != null) throw backend.translate(null, wait.error());
        if (spec.autoRemove()) removeQuietly(id);
        return status[0];
    }

    /** The attach of a run; podman's engine starts the container for it and fails it there when it cannot run. */
    private Hijack attachToRun(String id, boolean stdin, RunSpec spec) {
        try {
            return hijack(null, attachPath(id, stdin), null, spec.tty());
        } catch (CloudtuiException e) {
            int code = startFailureCode(e.getMessage());
            if (code == 1) throw e;
            if (spec.autoRemove()) removeQuietly(id);
            throw new CloudtuiException(e.getMessage(), code, e);
        }
    }

    private void startOrCleanUp(String id, boolean autoRemove) {
        try {
            docker().startContainerCmd(id).exec();
        } catch (RuntimeException e) {
            // like docker run --rm: a container that could not start is not left behind
            if (autoRemove) removeQuietly(id);
            CloudtuiException ce = backend.translate(null, e);
            int code = startFailureCode(ce.getMessage());
            throw code == 1 ? ce : new CloudtuiException(ce.getMessage(), code, e);
        }
    }

    private void removeQuietly(String id) {
        try {
            docker().removeContainerCmd(id).withForce(true).withRemoveVolumes(true).exec();
        } catch (NotFoundException e) {
            // already gone: what we wanted
        } catch (DockerException e) {
            // "removal already in progress" (409): the engine is removing it for us
            if (e.getHttpStatus() != 409) throw backend.translate(null, e);
        }
    }

    /** The engine refuses a resize until the process is running; retry briefly, as the docker CLI does. */
    private static void resizeWithRetry(Runnable resize) {
        for (int i = 0; ; i++) {
            try {
                resize.run();
                return;
            } catch (DockerException e) {
                if (i >= 10) return;
                sleep(10L * (i + 1));
            }
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CloudtuiException("interrupted");
        }
    }
}
