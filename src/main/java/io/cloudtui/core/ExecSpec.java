package io.cloudtui.core;

import java.util.List;
import java.util.Map;

/**
 * What {@code cloudtui exec} asks for, as {@code docker exec} options.
 *
 * @param command     the command and its arguments
 * @param env         extra environment ({@code -e K=V}); empty for none
 * @param workdir     working directory ({@code -w}); null for the workload's default
 * @param user        user or uid[:gid] ({@code -u}); null for the workload's default
 * @param tty         allocate a TTY ({@code -t})
 * @param interactive keep stdin open ({@code -i})
 */
public record ExecSpec(List<String> command, Map<String, String> env, String workdir, String user, boolean tty, boolean interactive) {
    public ExecSpec {
        command = command == null ? List.of() : List.copyOf(command);
        env = env == null ? Map.of() : Map.copyOf(env);
    }

    /** True when only the command is set, so the plain {@link Backend#exec(String, List, Stdio)} can run it. */
    public boolean isPlain() {
        return env.isEmpty() && workdir == null && user == null;
    }
}
