package io.cloudtui.slurm;

import io.cloudtui.config.BackendConfig;
import io.cloudtui.core.Backend;
import io.cloudtui.core.BackendProvider;
import io.cloudtui.core.CloudtuiException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * {@code type: slurm}: the user's jobs of the Slurm cluster this machine is a node or login node of.
 * Enabled without config where squeue is on PATH and Slurm's configuration is there.
 */
public final class SlurmProvider implements BackendProvider {
    static final String TYPE = "slurm";

    @Override
    public String type() {
        return TYPE;
    }

    @Override
    public Backend create(BackendConfig config) {
        if (config.host() != null || config.root() != null || config.store() != null || config.ociRuntime() != null
                || config.uri() != null || config.tlsVerify() != null || config.certPath() != null) {
            throw CloudtuiException.usage("backend '" + config.name() + "': a slurm backend takes only options: {pollInterval: SECONDS}");
        }
        Duration poll = Duration.ofSeconds(3);
        for (var o : config.options().entrySet()) {
            if (!o.getKey().equals("pollInterval")) {
                throw CloudtuiException.usage("backend '" + config.name() + "': unknown slurm option '" + o.getKey() + "' (known: pollInterval)");
            }
            int s;
            try {
                s = Integer.parseInt(String.valueOf(o.getValue()));
            } catch (NumberFormatException e) {
                s = 0;
            }
            if (s < 1 || s > 3600) throw CloudtuiException.usage("backend '" + config.name() + "': pollInterval must be 1..3600 seconds");
            poll = Duration.ofSeconds(s);
        }
        return new SlurmBackend(config.name(), poll);
    }

    @Override
    public Optional<Backend> autodetect() {
        return present(System.getenv("PATH"), System.getenv("SLURM_CONF"))
                ? Optional.of(new SlurmBackend(TYPE, Duration.ofSeconds(3))) : Optional.empty();
    }

    /** squeue on PATH and a configuration it will read (SLURM_CONF, or the usual places). No process is run. */
    static boolean present(String path, String slurmConf) {
        boolean squeue = false;
        for (String d : (path == null ? "" : path).split(":")) {
            if (!d.isEmpty() && Files.isExecutable(Path.of(d, "squeue"))) {
                squeue = true;
                break;
            }
        }
        if (!squeue) return false;
        if (slurmConf != null && !slurmConf.isBlank()) return Files.isReadable(Path.of(slurmConf));
        return Files.isReadable(Path.of("/etc/slurm/slurm.conf")) || Files.isReadable(Path.of("/etc/slurm-llnl/slurm.conf"));
    }
}
