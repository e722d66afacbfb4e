package io.cloudtui.cli;

import io.cloudtui.core.Backend;
import io.cloudtui.core.Capability;
import io.cloudtui.core.CloudtuiException;
import java.io.PrintStream;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** What every subcommand shares: the context and a capability check. */
abstract class Base implements Callable<Integer> {
    /** The root command, or a command group (image, vm) for nested subcommands. */
    @ParentCommand
    Object parent;

    @Spec
    CommandSpec spec;

    Context ctx() {
        return parent instanceof Base b ? b.ctx() : ((CloudtuiCommand) parent).context();
    }

    PrintStream out() {
        return ctx().out();
    }

    PrintStream err() {
        return ctx().err();
    }

    /** {@code cloudtui: MESSAGE} on stderr, the docker CLI's one-line error. */
    void error(String message) {
        err().println("cloudtui: " + message);
    }

    static void require(Backend b, Capability c) {
        if (!b.supports(c)) throw CloudtuiException.unsupported(b.name(), c.name().toLowerCase(Locale.ROOT));
        // limits of how the backend runs (a rootless engine cannot pause): refused before anything is done
        String why = b.refusal(c, null);
        if (why != null) throw new CloudtuiException(c.phrase() + ": " + why);
    }

    /** The backend's optional interface for {@code c}, or a one-line error. */
    static <T> T support(Backend b, Capability c, Class<T> type) {
        require(b, c);
        if (!type.isInstance(b)) throw CloudtuiException.unsupported(b.name(), c.name().toLowerCase(Locale.ROOT));
        return type.cast(b);
    }

    /**
     * Calls {@code f} on {@code only} (if given) or on every backend with {@code c}; like ps, a failing
     * backend is a warning unless every one failed.
     */
    <S, T> java.util.List<T> across(String only, Capability c, Class<S> type, java.util.function.Function<S, java.util.List<T>> f) {
        java.util.List<Backend> backends = only != null ? java.util.List.of(ctx().backends().get(only))
                : ctx().backends().all().stream().filter(b -> b.supports(c) && type.isInstance(b)).toList();
        if (only != null) support(backends.get(0), c, type);
        if (backends.isEmpty() && ctx().backends().isEmpty() && !ctx().backends().failed().isEmpty()) {
            // what was named and could not be opened is said already (Context): nothing answered
            throw new CloudtuiException("no backend could be opened");
        }
        if (backends.isEmpty()) {
            throw new CloudtuiException(ctx().backends().isEmpty()
                    ? "no backend is enabled: start a container engine or configure one (see config.example.yaml)"
                    : "no enabled backend supports " + c.name().toLowerCase(Locale.ROOT));
        }
        java.util.List<T> rows = new java.util.ArrayList<>();
        java.util.List<String> failures = new java.util.ArrayList<>();
        for (Backend b : backends) {
            try {
                rows.addAll(f.apply(type.cast(b)));
            } catch (RuntimeException e) {
                failures.add(b.name() + "\u0000" + messageOf(e));
            }
        }
        if (failures.size() == backends.size()) {
            if (failures.size() == 1) throw new CloudtuiException(failures.get(0).split("\u0000", 2)[1]);
            for (String fl : failures) error(fl.split("\u0000", 2)[1]);
            throw new CloudtuiException("no backend could be listed");
        }
        for (String fl : failures) {
            String[] p = fl.split("\u0000", 2);
            error("warning: backend '" + p[0] + "' not listed: " + p[1]);
        }
        if (only == null) warnUnusable();
        return rows;
    }

    /** One short line for each autodetected engine that is there but this user cannot use (docker's socket, not in its group). */
    void warnUnusable() {
        ctx().backends().unusable().forEach((type, u) -> error("warning: backend '" + type + "' not listed: " + u.what()));
    }

    /** Message of any failure, for per-target error lines. */
    static String messageOf(RuntimeException e) {
        if (e instanceof CloudtuiException) return e.getMessage();
        org.slf4j.LoggerFactory.getLogger(Base.class).error("unexpected failure", e);
        return e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
    }
}
