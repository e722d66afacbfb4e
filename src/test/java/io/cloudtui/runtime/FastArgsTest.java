package io.cloudtui.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.lang.reflect.Field;
import java.util.List;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** What FastArgs reads from a runtime command line is what picocli reads; what it declines, picocli handles. */
class FastArgsTest {
    /** picocli's verb object for ARGS, or null if picocli refuses them. */
    private static Object picocli(String... args) {
        try {
            CommandLine.ParseResult r = new CommandLine(new RuntimeCommand()).parseArgs(args);
            return r.hasSubcommand() ? r.subcommand().commandSpec().userObject() : null;
        } catch (CommandLine.ParameterException e) {
            return null;
        }
    }

    /** Every option and parameter field of the verb, its ContainerLog and its parent, as text. */
    private static String describe(Object verb) throws IllegalAccessException {
        StringBuilder b = new StringBuilder(verb.getClass().getSimpleName());
        List<Field> fields = new java.util.ArrayList<>();
        for (Class<?> k = verb.getClass(); k != Object.class; k = k.getSuperclass()) fields.addAll(List.of(k.getDeclaredFields()));
        for (Field f : fields) {
            f.setAccessible(true);
            Object v = f.get(verb);
            if (v instanceof RuntimeCommand p) {
                b.append(" root=").append(p.root).append(" log=").append(p.log).append(" logFormat=").append(p.logFormat)
                        .append(" debug=").append(p.debug).append(" systemd=").append(p.systemdCgroup);
            } else if (v instanceof RuntimeCommand.ContainerLog l) {
                b.append(" clog=").append(l.file).append('/').append(l.maxBytes).append('/').append(l.keep);
            } else {
                b.append(' ').append(f.getName()).append('=').append(v);
            }
        }
        return b.toString();
    }

    private static final List<String[]> TAKEN = List.of(
            new String[] {"--root", "/run/x", "--log", "/run/x/log.json", "--log-format", "json", "create", "--bundle", "/b",
                "--pid-file", "/b/init.pid", "c1"},
            new String[] {"create", "--bundle=/b", "--console-socket", "/tmp/s.sock", "--no-new-keyring", "c1"},
            new String[] {"--root=/r", "--debug", "create", "-b", "/b", "--container-log", "/l/c.log", "--container-log-max-size",
                "8192", "--container-log-keep", "3", "--container-attach", "id"},
            new String[] {"create", "--no-pivot", "x"},
            new String[] {"create", "c1"},
            new String[] {"run", "-b", "/b", "-d", "--pid-file", "/p", "r1"},
            new String[] {"run", "--bundle", "/b", "r1"},
            new String[] {"--root", "/r", "start", "c1"},
            new String[] {"state", "c1"},
            new String[] {"kill", "c1"},
            new String[] {"kill", "c1", "9"},
            new String[] {"kill", "--all", "c1", "KILL"},
            new String[] {"kill", "-a", "c1", "SIGTERM"},
            new String[] {"delete", "c1"},
            new String[] {"delete", "--force", "c1"},
            new String[] {"delete", "-f", "c1"},
            new String[] {"exec", "--process", "/tmp/p.json", "--detach", "--pid-file", "/tmp/e.pid", "c1"},
            new String[] {"exec", "-t", "-e", "A=1", "--env", "B=two words", "--cwd", "/w", "c1", "sh", "-c", "echo -t; exit 3"},
            new String[] {"exec", "c1", "ls", "-la", "--env", "x"},
            new String[] {"exec", "--console-socket", "/s", "-p", "/p.json", "c1"});

    private static final List<String[]> DECLINED = List.of(
            new String[] {},
            new String[] {"--help"},
            new String[] {"create", "--help"},
            new String[] {"list"},
            new String[] {"pause", "c1"},
            new String[] {"--systemd-cgroup", "create", "c1"},
            new String[] {"create"},
            new String[] {"create", "a", "b"},
            new String[] {"create", "--bundle", "/a", "--bundle", "/b", "c1"},
            new String[] {"create", "-b=/b", "c1"},
            new String[] {"create", "--bundle", "--pid-file", "c1"},
            new String[] {"create", "--unknown", "c1"},
            new String[] {"create", "--no-pivot=true", "c1"},
            new String[] {"create", "--container-log-keep", "many", "c1"},
            new String[] {"create", "@args"},
            new String[] {"--root", "/a", "--root", "/b", "state", "c1"},
            new String[] {"--root"},
            new String[] {"kill", "c1", "9", "x"},
            new String[] {"kill", "-af", "c1"},
            new String[] {"exec"},
            new String[] {"exec", "c1", "--", "ls"},
            new String[] {"delete", "-ff", "c1"});

    @Test
    void readsWhatPicocliReads() throws Exception {
        for (String[] args : TAKEN) {
            Object p = picocli(args);
            assertNotNull(p, "picocli refuses " + List.of(args));
            Callable<Integer> f = FastArgs.parse(args, new RuntimeCommand());
            assertNotNull(f, "FastArgs declines " + List.of(args));
            assertEquals(describe(p), describe(f), List.of(args).toString());
        }
    }

    @Test
    void declinesTheRest() {
        for (String[] args : DECLINED) {
            assertNull(FastArgs.parse(args, new RuntimeCommand()), "FastArgs takes " + List.of(args));
        }
    }

    @Test
    void somethingItDeclinesIsOftenAnErrorPicocliReports() {
        assertNull(picocli("create", "--bundle", "/a", "--bundle", "/b", "c1"));
        assertNull(picocli("create", "a", "b"));
        assertNull(picocli("kill", "c1", "9", "x"));
    }
}
