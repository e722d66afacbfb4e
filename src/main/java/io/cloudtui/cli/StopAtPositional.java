package io.cloudtui.cli;

import picocli.CommandLine.IModelTransformer;
import picocli.CommandLine.Model.CommandSpec;

/** For {@code exec}/{@code run}: everything after the first positional belongs to the workload's command. */
final class StopAtPositional implements IModelTransformer {
    @Override
    public CommandSpec transform(CommandSpec spec) {
        spec.parser().stopAtPositional(true);
        return spec;
    }
}
