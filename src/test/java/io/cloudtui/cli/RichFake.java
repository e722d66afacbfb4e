package io.cloudtui.cli;

import io.cloudtui.core.CloudtuiException;
import io.cloudtui.core.ExecSpec;
import io.cloudtui.core.FakeBackend;
import io.cloudtui.core.ImageInfo;
import io.cloudtui.core.ImageSupport;
import io.cloudtui.core.NetworkSupport;
import io.cloudtui.core.RunSpec;
import io.cloudtui.core.RunSupport;
import io.cloudtui.core.State;
import io.cloudtui.core.Stdio;
import io.cloudtui.core.VolumeSupport;
import io.cloudtui.core.WorkloadKind;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/** FakeBackend plus the optional interfaces, recording what the CLI asked for. */
class RichFake extends FakeBackend implements RunSupport, ImageSupport, VolumeSupport, NetworkSupport {
    final List<RunSpec> runs = new ArrayList<>();
    final List<ExecSpec> execs = new ArrayList<>();
    int execExit;
    int runExit;
    String execOutput = "";
    RuntimeException runFailure;
    final List<ImageInfo> images = new ArrayList<>();

    RichFake(String name) {
        super(name);
    }

    @Override
    public int exec(String ref, ExecSpec spec, Stdio stdio) {
        if (get(ref).state() != State.RUNNING) throw new CloudtuiException("container " + ref + " is not running");
        execs.add(spec);
        try {
            if (stdio.stdin() != null) {
                byte[] in = stdio.stdin().readAllBytes();
                stdio.stdout().write(in);
            }
            stdio.stdout().write(execOutput.getBytes(StandardCharsets.UTF_8));
            stdio.stdout().flush();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return execExit;
    }

    @Override
    public String create(RunSpec spec) {
        runs.add(spec);
        return "c0ffee" + "0".repeat(58);
    }

    @Override
    public int run(RunSpec spec, Stdio stdio, Consumer<String> onCreated) {
        if (runFailure != null) throw runFailure;
        String id = create(spec);
        add(id, spec.name() != null ? spec.name() : "random_name", WorkloadKind.CONTAINER, State.RUNNING);
        onCreated.accept(id);
        return spec.detach() ? 0 : runExit;
    }

    @Override
    public List<ImageInfo> images(boolean all) {
        ping();
        return images;
    }

    @Override
    public List<String> removeImage(String ref, boolean force) {
        for (ImageInfo i : images) {
            if (i.tags().contains(ref) || i.id().startsWith("sha256:" + ref)) {
                images.remove(i);
                return List.of("Untagged: " + ref, "Deleted: " + i.id());
            }
        }
        throw new CloudtuiException("no such image: " + ref);
    }

    @Override
    public String build(Path contextDir, String dockerfile, List<String> tags, Consumer<String> progress) {
        progress.accept("Step 1/2 : FROM local/busybox");
        progress.accept("Step 2/2 : RUN true");
        String id = "sha256:" + "b".repeat(64);
        images.add(new ImageInfo(name(), id, tags, 1234, Instant.now()));
        calls.add("build " + contextDir + " " + dockerfile);
        return id;
    }

    @Override
    public List<Volume> volumes() {
        return List.of(new Volume(name(), "data", "local", "/var/lib/docker/volumes/data/_data"));
    }

    @Override
    public List<Network> networks() {
        return List.of(new Network(name(), "f".repeat(64), "bridge", "bridge", "local"));
    }
}
