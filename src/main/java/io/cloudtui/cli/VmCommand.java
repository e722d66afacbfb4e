package io.cloudtui.cli;

import io.cloudtui.core.Backend;
import io.cloudtui.core.CloudtuiException;
import io.cloudtui.core.Workloads;
import io.cloudtui.libvirt.VmSupport;
import io.cloudtui.term.ForegroundProcess;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code cloudtui vm ...}: what only VMs have: creation, snapshots, ssh, autostart, removal with disks. */
@Command(name = "vm", mixinStandardHelpOptions = true, description = "Virtual machine commands (libvirt backends)",
        subcommands = {VmCommand.Create.class, VmCommand.SnapshotCmd.class, VmCommand.Ssh.class, VmCommand.Autostart.class,
            VmCommand.Rm.class, VmCommand.Addresses.class})
final class VmCommand extends Base {
    @Override
    public Integer call() {
        spec.commandLine().usage(out());
        return 0;
    }

    /** The VM a target names, with its backend's VM verbs. */
    record Vm(VmSupport support, Workloads.Target target) {
        String ref() {
            return target.ref();
        }

        String name() {
            return target.workload().name();
        }
    }

    static Vm vm(Context ctx, String target) {
        Workloads.Target t = ctx.workloads().resolve(target);
        return new Vm(ConsoleCommand.vmSupport(t), t);
    }

    abstract static class Sub implements Callable<Integer> {
        @ParentCommand
        VmCommand parent;

        Context ctx() {
            return parent.ctx();
        }
    }

    @Command(name = "create", mixinStandardHelpOptions = true,
            description = {"Create a VM: a qcow2 overlay on a base image (the base is never written) or direct kernel boot,",
                "with a cloud-init NoCloud seed holding the user and SSH key. Domain type kvm when a KVM guest",
                "really boots on this host, else qemu (TCG)."},
            footerHeading = Examples.HEADING,
            footer = {"  cloudtui vm create web --vcpus 2 --memory 2g --disk 20g --image debian-12.qcow2 --ssh-key ~/.ssh/id_ed25519.pub --user me",
                "  cloudtui vm create tiny --vcpus 1 --memory 128m --kernel vmlinuz --initrd initrd.img --no-start"})
    static final class Create extends Sub {
        @Parameters(index = "0", paramLabel = "NAME")
        String name;

        @Option(names = "--vcpus", defaultValue = "1", paramLabel = "N")
        int vcpus;

        @Option(names = "--memory", required = true, converter = Parsers.SizeConverter.class, paramLabel = "SIZE", description = "RAM, e.g. 512m, 2g")
        long memory;

        @Option(names = "--disk", converter = Parsers.SizeConverter.class, paramLabel = "SIZE", description = "Disk size, e.g. 20g (default: the image's size; with --kernel a 16 MiB disk that holds its snapshots)")
        Long disk;

        @Option(names = "--image", paramLabel = "FILE", description = "Base disk image (qcow2 or raw), used read-only as the backing file")
        Path image;

        @Option(names = "--kernel", paramLabel = "FILE", description = "Kernel to boot directly")
        Path kernel;

        @Option(names = "--initrd", paramLabel = "FILE", description = "Initrd for --kernel")
        Path initrd;

        @Option(names = "--cmdline", paramLabel = "ARGS", description = "Kernel command line for --kernel (default: console=ttyS0)")
        String cmdline;

        @Option(names = "--ssh-key", paramLabel = "FILE", description = "SSH public key for the cloud-init user")
        Path sshKey;

        @Option(names = "--user", paramLabel = "NAME", description = "User cloud-init creates, and vm ssh logs in as (default: cloud, when a key is given)")
        String user;

        @Option(names = "--network", paramLabel = "NAME", description = "libvirt network (default: 'default' when it exists)")
        String network;

        @Option(names = "--backend", paramLabel = "NAME", description = "libvirt backend to create it on")
        String backend;

        @Option(names = "--no-start", description = "Define the VM without starting it")
        boolean noStart;

        @Override
        public Integer call() {
            VmSupport vs = vmBackend(ctx(), backend);
            String id;
            // libvirtd can take a minute to define a domain: on a terminal, a line says what it waits for
            try (ProgressLine progress = ProgressLine.on(ctx().err(), "creating VM " + name)) {
                id = vs.create(new VmSupport.CreateSpec(name, vcpus, memory, disk == null ? 0 : disk, image, kernel, initrd, cmdline,
                        sshKey, user, network, !noStart), progress::step);
            }
            ctx().out().println(id);
            return 0;
        }
    }

    static VmSupport vmBackend(Context ctx, String name) {
        if (name != null) {
            Backend b = ctx.backends().get(name);
            if (b instanceof VmSupport vs) return vs;
            throw new CloudtuiException("backend '" + name + "' has no VMs");
        }
        for (Backend b : ctx.backends().all()) {
            if (b instanceof VmSupport vs) return vs;
        }
        throw new CloudtuiException("no libvirt backend is enabled (is libvirtd running? see config.example.yaml)");
    }

    @Command(name = "snapshot", mixinStandardHelpOptions = true, description = "Create, list, revert and delete VM snapshots",
            subcommands = {SnapCreate.class, SnapList.class, SnapRevert.class, SnapDelete.class})
    static final class SnapshotCmd extends Sub {
        @picocli.CommandLine.Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            spec.commandLine().usage(ctx().out());
            return 0;
        }
    }

    abstract static class SnapSub implements Callable<Integer> {
        @ParentCommand
        SnapshotCmd parent;

        Context ctx() {
            return parent.ctx();
        }
    }

    @Command(name = "create", mixinStandardHelpOptions = true,
            description = "Snapshot a VM: a running VM's snapshot includes its memory; a shut-off VM's is disk-only",
            footerHeading = Examples.HEADING, footer = {"  cloudtui vm snapshot create vm1 before-upgrade -d 'kernel 6.1'"})
    static final class SnapCreate extends SnapSub {
        @Parameters(index = "0", paramLabel = "VM")
        String target;

        @Parameters(index = "1", paramLabel = "NAME")
        String name;

        @Option(names = {"-d", "--description"}, paramLabel = "TEXT")
        String description;

        @Override
        public Integer call() {
            Vm vm = vm(ctx(), target);
            vm.support().snapshotCreate(vm.ref(), name, description, null);
            ctx().out().println(name);
            return 0;
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List a VM's snapshots as a tree; * marks the current one")
    static final class SnapList extends SnapSub {
        @Parameters(index = "0", paramLabel = "VM")
        String target;

        @Override
        public Integer call() {
            Vm vm = vm(ctx(), target);
            ctx().out().print(renderTree(vm.support().snapshots(vm.ref())));
            ctx().out().flush();
            return 0;
        }
    }

    static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss").withZone(ZoneId.systemDefault());

    /** NAME column indented by depth with tree lines; the current snapshot marked with '*'. */
    static String renderTree(List<VmSupport.Snapshot> snaps) {
        if (snaps.isEmpty()) return "no snapshots\n";
        Map<String, Integer> depth = new HashMap<>();
        List<String[]> rows = new ArrayList<>();
        for (VmSupport.Snapshot s : snaps) {
            int d = s.parent() != null && depth.containsKey(s.parent()) ? depth.get(s.parent()) + 1 : 0;
            depth.put(s.name(), d);
            String label = (d == 0 ? "" : "  ".repeat(d - 1) + "└─ ") + s.name() + (s.current() ? " *" : "");
            rows.add(new String[] {label, s.created() == null ? "-" : TIME.format(s.created()), s.state() == null ? "-" : s.state(),
                s.memory() ? "yes" : "no", s.description() == null ? "" : s.description()});
        }
        String[] head = {"NAME", "CREATED", "STATE", "MEMORY", "DESCRIPTION"};
        int[] w = new int[head.length];
        for (int i = 0; i < head.length; i++) w[i] = head[i].length();
        for (String[] r : rows) for (int i = 0; i < r.length; i++) w[i] = Math.max(w[i], r[i].length());
        StringBuilder sb = new StringBuilder();
        appendRow(sb, head, w);
        for (String[] r : rows) appendRow(sb, r, w);
        return sb.toString();
    }

    private static void appendRow(StringBuilder sb, String[] cells, int[] w) {
        for (int i = 0; i < cells.length; i++) {
            if (i == cells.length - 1) sb.append(cells[i]);
            else sb.append(cells[i]).append(" ".repeat(w[i] - cells[i].length() + 3));
        }
        sb.append(System.lineSeparator());
    }

    /** A verb on one named snapshot of a VM: prints the snapshot's name when it is done. */
    abstract static class SnapNamed extends SnapSub {
        @Parameters(index = "0", paramLabel = "VM")
        String target;

        @Parameters(index = "1", paramLabel = "NAME")
        String name;

        abstract void apply(Vm vm);

        @Override
        public Integer call() {
            apply(vm(ctx(), target));
            ctx().out().println(name);
            return 0;
        }
    }

    @Command(name = "revert", mixinStandardHelpOptions = true, description = "Revert a VM to a snapshot (its disk, and memory if saved)")
    static final class SnapRevert extends SnapNamed {
        @Override
        void apply(Vm vm) {
            vm.support().snapshotRevert(vm.ref(), name);
        }
    }

    @Command(name = "delete", mixinStandardHelpOptions = true,
            description = "Delete one snapshot; its children are kept, and no disk file is ever deleted")
    static final class SnapDelete extends SnapNamed {
        @Override
        void apply(Vm vm) {
            vm.support().snapshotDelete(vm.ref(), name);
        }
    }

    @Command(name = "ssh", mixinStandardHelpOptions = true,
            description = "Run ssh to the VM's address (DHCP lease, guest agent or ARP) with the key and user it was created with")
    static final class Ssh extends Sub {
        @Parameters(index = "0", paramLabel = "VM")
        String target;

        @Option(names = {"-l", "--user"}, paramLabel = "NAME", description = "Login user (default: the user from vm create, else root)")
        String user;

        @Option(names = {"-o", "--ssh-option"}, paramLabel = "OPTION",
                description = "An ssh -o option, repeatable (e.g. -o UserKnownHostsFile=/dev/null -o StrictHostKeyChecking=no)")
        List<String> sshOptions = new ArrayList<>();

        @Parameters(index = "1..*", paramLabel = "ARG", description = "Extra arguments for ssh (e.g. a remote command)")
        List<String> extra = new ArrayList<>();

        @Override
        public Integer call() {
            Vm vm = vm(ctx(), target);
            VmSupport.SshTarget t = vm.support().sshTarget(vm.ref(), user);
            List<String> cmd = t.command(sshOptions, extra);
            ForegroundProcess.Result r;
            try {
                // ctrl-c goes to ssh; cloudtui waits for it and passes its status on
                r = ForegroundProcess.run(cmd, ctx().err());
            } catch (IOException e) {
                throw new CloudtuiException("cannot run ssh: " + e.getMessage(), e);
            }
            // 255: ssh's own failure (no route, refused key); ssh said why, this line says which VM and what to do
            if (r.code() == 255) {
                ctx().err().println("cloudtui: " + t.failure(vm.name(), r.lastError()));
                ctx().err().flush();
            }
            return r.code();
        }
    }

    @Command(name = "autostart", mixinStandardHelpOptions = true, description = "Start the VM when the host boots (on) or not (off)")
    static final class Autostart extends Sub {
        @Parameters(index = "0", paramLabel = "VM")
        String target;

        @Parameters(index = "1", paramLabel = "on|off")
        String value;

        @Override
        public Integer call() {
            boolean on = switch (value.toLowerCase(java.util.Locale.ROOT)) {
                case "on", "true", "yes" -> true;
                case "off", "false", "no" -> false;
                default -> throw CloudtuiException.usage("autostart takes on or off, not '" + value + "'");
            };
            Vm vm = vm(ctx(), target);
            vm.support().setAutostart(vm.ref(), on);
            ctx().out().println(vm.name() + ": autostart " + (on ? "on" : "off"));
            return 0;
        }
    }

    @Command(name = "addresses", mixinStandardHelpOptions = true, description = "Print the VM's guest addresses, one per line")
    static final class Addresses extends Sub {
        @Parameters(index = "0", paramLabel = "VM")
        String target;

        @Override
        public Integer call() {
            Vm vm = vm(ctx(), target);
            for (String a : vm.support().addresses(vm.ref())) ctx().out().println(a);
            return 0;
        }
    }

    @Command(name = "rm", mixinStandardHelpOptions = true,
            description = {"Undefine a VM (snapshot metadata too) after confirmation; with --storage also delete its own disk",
                "files (never a base image or a file another VM uses)."})
    static final class Rm extends Sub {
        @Parameters(index = "0", paramLabel = "VM")
        String target;

        @Option(names = {"-f", "--force"}, description = "Force a running VM off first")
        boolean force;

        @Option(names = "--storage", description = "Also delete the VM's own disk files")
        boolean storage;

        @Option(names = {"-y", "--yes"}, description = "Do not ask for confirmation")
        boolean yes;

        @Override
        public Integer call() {
            Vm vm = vm(ctx(), target);
            if (!yes) {
                ctx().err().print("Remove VM " + vm.name() + (storage ? " and its disk files" : "") + "? [y/N] ");
                ctx().err().flush();
                String answer;
                try {
                    answer = new BufferedReader(new InputStreamReader(ctx().in(), StandardCharsets.UTF_8)).readLine();
                } catch (IOException e) {
                    answer = null;
                }
                if (answer == null || !answer.trim().toLowerCase(java.util.Locale.ROOT).matches("y|yes")) {
                    ctx().err().println("not removed");
                    return 1;
                }
            }
            List<String> deleted = vm.support().undefine(vm.ref(), force, storage);
            ctx().out().println(vm.name());
            for (String f : deleted) ctx().out().println("deleted " + f);
            return 0;
        }
    }
}
