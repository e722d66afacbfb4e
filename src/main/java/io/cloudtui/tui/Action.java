package io.cloudtui.tui;

import java.util.Locale;

/** Everything a key can do. The help screen and README's key table are generated from this list. */
enum Action {
    // any view
    QUIT(Scope.GLOBAL, "q", "quit cloudtui (ctrl-c too)"),
    HELP(Scope.GLOBAL, "?", "this help, generated from the live key map"),
    REDRAW(Scope.GLOBAL, "ctrl-l", "redraw the whole screen"),
    BACK(Scope.GLOBAL, "esc", "back to the previous view"),
    PALETTE(Scope.GLOBAL, ":", "command palette (tab completes, up/down history)"),
    MESSAGES(Scope.GLOBAL, "M", "the recent messages in full (one too long for the message line says so)"),
    UP(Scope.GLOBAL, "k", "move up (arrow up too)"),
    DOWN(Scope.GLOBAL, "j", "move down (arrow down too)"),
    PAGE_UP(Scope.GLOBAL, "pgup", "page up"),
    PAGE_DOWN(Scope.GLOBAL, "pgdn", "page down"),
    TOP(Scope.GLOBAL, "g", "go to the top (home too)"),
    BOTTOM(Scope.GLOBAL, "G", "go to the bottom (end too)"),

    // the workload table
    OPEN(Scope.TABLE, "enter", "drill into the selected workload (logs; a VM: its stats)"),
    LOGS(Scope.TABLE, "l", "logs of the selected workload"),
    INSPECT(Scope.TABLE, "i", "inspect (engine JSON)"),
    STATS(Scope.TABLE, "S", "stats: CPU, memory, net, block over time"),
    ENV(Scope.TABLE, "E", "environment and config"),
    SHELL(Scope.TABLE, "e", "open a shell in the container (tries ui.shell in order); a VM: its serial console"),
    ATTACH(Scope.TABLE, "a", "attach to the main process (detach: ui.detachKeys); a VM: its serial console (ctrl-] leaves)"),
    STOP_START(Scope.TABLE, "s", "stop a running workload, start a stopped one"),
    RESTART(Scope.TABLE, "r", "restart"),
    KILL(Scope.TABLE, "K", "kill (SIGKILL)"),
    PAUSE(Scope.TABLE, "p", "pause or resume"),
    REMOVE(Scope.TABLE, "d", "remove"),
    NEW(Scope.TABLE, "n", "run a new container"),
    NEW_VM(Scope.TABLE, "N", "create a new VM (vCPUs, RAM, disk, base image, SSH key)"),
    SSH(Scope.TABLE, "x", "ssh to the selected VM (ssh -i KEY USER@ADDRESS)"),
    SNAPSHOTS(Scope.TABLE, "z", "snapshots of the selected VM: take, revert, delete"),
    MARK(Scope.TABLE, "space", "mark or unmark the row; actions apply to all marked rows"),
    UNMARK_ALL(Scope.TABLE, "u", "clear all marks"),
    FILTER(Scope.TABLE, "/", "filter rows as you type (re: regex, ! inverts)"),
    SORT_NEXT(Scope.TABLE, ">", "sort by the next column"),
    SORT_PREV(Scope.TABLE, "<", "sort by the previous column"),
    SORT_REVERSE(Scope.TABLE, "O", "reverse the sort order"),
    TOGGLE_STOPPED(Scope.TABLE, "H", "hide or show stopped workloads"),
    GROUP_BY_HOST(Scope.TABLE, "h", "group rows by host (host first, then the current sort), or stop grouping"),
    COLLAPSE(Scope.TABLE, "c", "fold a Compose project's containers under its line, or unfold them"),
    COMPOSE(Scope.TABLE, "C", "act on the selected Compose project or service: stop, start, restart, down; up, pull, build, down -v (Compose CLI)"),

    // the workload table and the image, volume and network lists
    SHOW_WORKLOADS(Scope.LISTS, "1", "workloads"),
    SHOW_IMAGES(Scope.LISTS, "2", "images of every backend"),
    SHOW_VOLUMES(Scope.LISTS, "3", "volumes"),
    SHOW_NETWORKS(Scope.LISTS, "4", "networks"),
    SHOW_SERVICES(Scope.LISTS, "5", "swarm services (of each engine that is a swarm manager)"),
    SHOW_NODES(Scope.LISTS, "6", "swarm nodes"),

    // image, volume and network lists
    REFRESH(Scope.RESOURCES, "R", "list again"),
    REMOVE_IMAGE(Scope.RESOURCES, "d", "remove the selected image"),
    PULL(Scope.RESOURCES, "P", "pull an image (asks for the reference)"),
    IMPORT(Scope.RESOURCES, "m", "import an image file (docker save tar, OCI layout)"),
    BUILD(Scope.RESOURCES, "b", "build an image from a Dockerfile directory"),
    RUN_IMAGE(Scope.RESOURCES, "n", "run a new container from the selected image"),

    // swarm services, nodes and tasks
    SWARM_OPEN(Scope.SWARM, "enter", "a service's or a node's tasks; a task: its container's logs (on its node: a host of the session, else reached by your ssh)"),
    SWARM_REFRESH(Scope.SWARM, "R", "list again (the lists follow the engine's events by themselves)"),
    TASK_SHELL(Scope.SWARM, "e", "a shell in the selected task's container, on its node (a host of the session, else reached by your ssh)"),
    TASK_ATTACH(Scope.SWARM, "A", "attach to the selected task's container's main process, on its node (detach: ui.detachKeys)"),
    SERVICE_CREATE(Scope.SWARM, "n", "create a service (the palette's :service-create, to fill in)"),
    SCALE(Scope.SWARM, "c", "scale the selected service (asks for the number of replicas)"),
    FORCE_UPDATE(Scope.SWARM, "U", "force a rolling update of the selected service"),
    ROLLBACK(Scope.SWARM, "B", "roll the selected service back to its previous spec"),
    SERVICE_LOGS(Scope.SWARM, "l", "the selected service's logs, merged across its tasks, followed"),
    SWARM_REMOVE(Scope.SWARM, "d", "remove the selected service, or the selected node when it is down (asks first)"),
    DRAIN(Scope.SWARM, "D", "drain the selected node (its tasks move to other nodes)"),
    PAUSE_NODE(Scope.SWARM, "p", "pause the selected node (no new tasks)"),
    ACTIVATE(Scope.SWARM, "a", "make the selected node active again"),
    PROMOTE(Scope.SWARM, "+", "promote the selected node to a manager"),
    DEMOTE(Scope.SWARM, "-", "demote the selected manager to a worker"),

    // a VM's snapshots
    TAKE_SNAPSHOT(Scope.SNAPSHOTS, "c", "take a snapshot (asks for a name and description)"),
    REVERT_SNAPSHOT(Scope.SNAPSHOTS, "r", "revert the VM to the selected snapshot"),
    DELETE_SNAPSHOT(Scope.SNAPSHOTS, "d", "delete the selected snapshot (disks are kept)"),

    // drill-in views
    NEXT_TAB(Scope.DETAIL, "tab", "next tab (logs, stats, inspect, env)"),
    FOLLOW(Scope.LOGS, "f", "follow new output again (end too)"),
    TIMESTAMPS(Scope.LOGS, "t", "show or hide timestamps"),
    WRAP(Scope.LOGS, "w", "wrap long lines"),
    SAVE(Scope.LOGS, "s", "save the buffer to a file"),
    CLEAR(Scope.LOGS, "c", "clear the buffer"),
    SEARCH(Scope.TEXT, "/", "search (re: for a regex)"),
    NEXT_MATCH(Scope.TEXT, "n", "next match"),
    PREV_MATCH(Scope.TEXT, "N", "previous match");

    /**
     * Where an action's key is live. TEXT covers logs, inspect, env and help; LISTS the workload
     * table, the image, volume and network lists (RESOURCES) and the swarm's lists (SWARM).
     */
    enum Scope { GLOBAL, LISTS, TABLE, RESOURCES, SWARM, SNAPSHOTS, DETAIL, LOGS, TEXT }

    final Scope scope;
    final String defaultKey;
    final String description;

    Action(Scope scope, String defaultKey, String description) {
        this.scope = scope;
        this.defaultKey = defaultKey;
        this.description = description;
    }

    /**
     * The short word the footer shows after the key ("l logs", "1 workloads"): never the config name
     * (that is for config.yaml) and never the key itself.
     */
    String label() {
        return switch (this) {
            case PALETTE -> "command";
            case PAGE_UP -> "page up";
            case PAGE_DOWN -> "page down";
            case STOP_START -> "stop/start";
            case NEW -> "new";
            case NEW_VM -> "new vm";
            case UNMARK_ALL -> "unmark";
            case SORT_NEXT -> "sort";
            case SORT_PREV -> "sort back";
            case SORT_REVERSE -> "reverse";
            case TOGGLE_STOPPED -> "stopped";
            case GROUP_BY_HOST -> "group";
            case COLLAPSE -> "fold";
            case SHOW_WORKLOADS -> "workloads";
            case SHOW_IMAGES -> "images";
            case SHOW_VOLUMES -> "volumes";
            case SHOW_NETWORKS -> "networks";
            case SHOW_SERVICES -> "services";
            case SHOW_NODES -> "nodes";
            case SWARM_OPEN -> "open";
            case SWARM_REFRESH -> "refresh";
            case FORCE_UPDATE -> "update";
            case SERVICE_LOGS -> "logs";
            case TASK_SHELL -> "shell";
            case TASK_ATTACH -> "attach";
            case SERVICE_CREATE -> "create";
            case SWARM_REMOVE -> "remove";
            case PAUSE_NODE -> "pause";
            case REMOVE_IMAGE -> "remove";
            case RUN_IMAGE -> "run";
            case TAKE_SNAPSHOT -> "take";
            case REVERT_SNAPSHOT -> "revert";
            case DELETE_SNAPSHOT -> "delete";
            case NEXT_TAB -> "next tab";
            case TIMESTAMPS -> "time";
            case NEXT_MATCH -> "next";
            case PREV_MATCH -> "prev";
            default -> name().toLowerCase(Locale.ROOT);
        };
    }

    /** Name used in config.yaml's keys section: "page-down", "stop-start". */
    String configName() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    static Action ofConfigName(String n) {
        for (Action a : values()) {
            if (a.configName().equals(n)) return a;
        }
        return null;
    }
}
