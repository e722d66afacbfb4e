#!/bin/sh
# The TUI's end-to-end tests drive the real UI inside tmux, locally and over ssh to a private sshd on loopback.
set -eu
need=""
command -v tmux >/dev/null 2>&1 || need="$need tmux"
[ -x /usr/sbin/sshd ] || need="$need openssh-server"
command -v ssh >/dev/null 2>&1 || need="$need openssh-client"
command -v ssh-keygen >/dev/null 2>&1 || need="$need openssh-client"
if [ -n "$need" ]; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    # shellcheck disable=SC2086
    apt-get install -y -qq $need >/dev/null
fi
# sshd refuses to start without its privilege separation directory
mkdir -p /run/sshd
