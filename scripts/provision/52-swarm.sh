#!/usr/bin/env bash
# A Docker Swarm over the test hosts of 50-hosts.sh, for the swarm tests (SwarmIT, TuiSwarmTmuxIT):
# h1's dockerd is the manager (advertising 10.213.0.101), h2's and h3's are workers (10.213.0.102/103).
# The swarm state lives in each host's data root, so a dockerd that a fault test stops and starts comes
# back in the swarm (a stopped worker is just 'Down' for a while). Overlay and the ingress network work
# in these namespaces (vxlan between them over ctui-br0).
#
# Usage: 52-swarm.sh          make the swarm (already made: only checks, about a second)
#        52-swarm.sh down     every host leaves the swarm
# Idempotent: a worker in another swarm (h1's re-initialised) or none joins h1's; node entries left
# by an earlier join of the same host are removed from the manager's list.
set -euo pipefail

base=/var/lib/cloudtui-test/hosts
net=10.213.0
dk() { docker -H "unix://$base/$1/run/docker.sock" "${@:2}"; }
state() { dk "$1" info --format '{{.Swarm.LocalNodeState}} {{.Swarm.Cluster.ID}} {{.Swarm.ControlAvailable}}' 2>/dev/null || true; }

count=$(cat "$base/COUNT" 2>/dev/null || echo 0)
if [ "$count" -lt 3 ]; then
  echo "provision: 52-swarm.sh needs the test hosts h1..h3 (scripts/provision/50-hosts.sh)" >&2
  exit 1
fi

if [ "${1:-up}" = down ]; then
  for h in h3 h2 h1; do dk "$h" swarm leave --force >/dev/null 2>&1 || true; done
  exit 0
fi

# the manager
read -r s1 cluster ctl <<<"$(state h1)"
if [ "$s1" != active ] || [ "$ctl" != true ]; then
  [ "$s1" = inactive ] || dk h1 swarm leave --force >/dev/null 2>&1 || true
  dk h1 swarm init --advertise-addr "$net.101" --listen-addr "$net.101:2377" >/dev/null
  read -r s1 cluster ctl <<<"$(state h1)"
fi

# the workers: in h1's cluster (a worker's info has no cluster id, so ask the manager for its node)
token=""
for n in 2 3; do
  h=h$n
  read -r s _ <<<"$(state "$h")"
  self=$(dk "$h" info --format '{{.Swarm.NodeID}}' 2>/dev/null || true)
  if [ "$s" = active ] && [ -n "$self" ] && dk h1 node inspect "$self" >/dev/null 2>&1; then continue; fi
  [ -n "$token" ] || token=$(dk h1 swarm join-token -q worker)
  [ "$s" = inactive ] || dk "$h" swarm leave --force >/dev/null 2>&1 || true
  dk "$h" swarm join --token "$token" --advertise-addr "$net.$((100 + n))" --listen-addr "$net.$((100 + n)):2377" \
    "$net.101:2377" >/dev/null
done

# nodes an earlier join of a host left behind (its hostname, another id)
for n in 2 3; do
  self=$(dk "h$n" info --format '{{.Swarm.NodeID}}')
  for id in $(dk h1 node ls --format '{{.ID}} {{.Hostname}}' | awk -v h="h$n" -v s="$self" '$2 == h && $1 != s {print $1}'); do
    dk h1 node rm --force "$id" >/dev/null
  done
done
exit 0
