package io.cloudtui.cli;

import picocli.AutoComplete;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code cloudtui completion}: prints a shell completion script. */
@Command(name = "completion", mixinStandardHelpOptions = true,
        description = "Print a shell completion script (bash, or zsh through bashcompinit)",
        footerHeading = Examples.HEADING,
        footer = {"  source <(cloudtui completion bash)",
            "  cloudtui completion bash > /etc/bash_completion.d/cloudtui",
            "  cloudtui completion zsh > \"${fpath[1]}/_cloudtui\"    # or: source <(cloudtui completion zsh)"})
final class CompletionCommand extends Base {
    enum Shell { bash, zsh }

    @Parameters(index = "0", arity = "0..1", defaultValue = "bash", paramLabel = "SHELL", description = "bash or zsh (default: ${DEFAULT-VALUE})")
    Shell shell;

    @Override
    public Integer call() {
        String script = AutoComplete.bash("cloudtui", spec.root().commandLine());
        if (shell == Shell.zsh) {
            // picocli's script also runs under zsh once bash-style completion is loaded.
            out().println("autoload -U +X compinit && compinit");
            out().println("autoload -U +X bashcompinit && bashcompinit");
        }
        out().print(script);
        out().flush();
        return 0;
    }
}
