package example.plugin;

import io.cloudtui.config.BackendConfig;
import io.cloudtui.core.*;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;

/** A third-party backend, compiled and packaged by PluginIT to prove the SPI needs no cloudtui change. */
public final class ExampleProvider implements BackendProvider {
    @Override public String type() { return "example"; }
    @Override public Backend create(BackendConfig c) { return new ExampleBackend(c.name(), String.valueOf(c.options().getOrDefault("greeting", "hello"))); }
    @Override public Optional<Backend> autodetect() { return Optional.of(new ExampleBackend("example", "auto")); }

    static final class ExampleBackend implements Backend {
        private final String name;
        private final String greeting;
        ExampleBackend(String name, String greeting) { this.name = name; this.greeting = greeting; }
        @Override public String name() { return name; }
        @Override public String type() { return "example"; }
        @Override public String endpoint() { return "example://" + greeting; }
        @Override public Set<Capability> capabilities() { return EnumSet.of(Capability.LIST, Capability.INSPECT); }
        @Override public void ping() {}
        @Override public List<Workload> list(boolean all) {
            return List.of(new Workload(new WorkloadId(name, "ex-1"), "plugin-" + greeting, WorkloadKind.CONTAINER, "example/image", "run",
                    State.RUNNING, "Up", Instant.parse("2026-01-01T00:00:00Z"), Instant.parse("2026-01-01T00:00:00Z"), List.of(), Map.of(), "here"));
        }
        @Override public AutoCloseable events(Consumer<WorkloadEvent> l) { return () -> {}; }
        @Override public void start(String r) { throw CloudtuiException.unsupported(name, "start"); }
        @Override public void stop(String r, Duration t) { throw CloudtuiException.unsupported(name, "stop"); }
        @Override public void restart(String r, Duration t) { throw CloudtuiException.unsupported(name, "restart"); }
        @Override public void kill(String r, String s) { throw CloudtuiException.unsupported(name, "kill"); }
        @Override public void pause(String r) { throw CloudtuiException.unsupported(name, "pause"); }
        @Override public void unpause(String r) { throw CloudtuiException.unsupported(name, "unpause"); }
        @Override public void remove(String r, boolean f) { throw CloudtuiException.unsupported(name, "remove"); }
        @Override public void logs(String r, LogOptions o, Consumer<LogLine> s, Cancel c) { throw CloudtuiException.unsupported(name, "logs"); }
        @Override public int exec(String r, List<String> c, Stdio s) { throw CloudtuiException.unsupported(name, "exec"); }
        @Override public int attach(String r, Stdio s) { throw CloudtuiException.unsupported(name, "attach"); }
        @Override public String inspect(String r) { return "{\"plugin\": \"" + greeting + "\"}"; }
        @Override public Stats stats(String r) { throw CloudtuiException.unsupported(name, "stats"); }
        @Override public void close() {}
    }
}
