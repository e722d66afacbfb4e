#!/usr/bin/env bash
# A one-node Slurm cluster for the integration tests (issue #13's Slurm part): munge, slurmctld and
# slurmd from Debian, this machine as the only node. Its configuration is kept out of /etc/slurm
# (in /etc/cloudtui-test/slurm/slurm.conf) so that cloudtui does not find Slurm by itself in the other
# tests; the Slurm tests point SLURM_CONF there. Idempotent: running daemons are left as they are.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
need=()
for p in munge slurmctld slurmd slurm-client; do dpkg -s "$p" >/dev/null 2>&1 || need+=("$p"); done
if [ ${#need[@]} -gt 0 ]; then apt-get install -y -qq -o DPkg::Lock::Timeout=900 "${need[@]}" >/dev/null; fi
dir=/etc/cloudtui-test/slurm
conf=$dir/slurm.conf
node=$(hostname -s)
cpus=$(nproc)
mem=$(( $(awk '/MemTotal/ {print $2}' /proc/meminfo) / 1024 / 2 ))
mkdir -p "$dir" /var/lib/cloudtui-test/slurm/ctld /var/lib/cloudtui-test/slurm/d /var/log/cloudtui-slurm
want=$(cat <<CONF
# cloudtui-test: a one-node cluster on this machine (scripts/provision/35-slurm.sh)
ClusterName=cloudtui
SlurmctldHost=$node
SlurmUser=slurm
AuthType=auth/munge
StateSaveLocation=/var/lib/cloudtui-test/slurm/ctld
SlurmdSpoolDir=/var/lib/cloudtui-test/slurm/d
SlurmctldPidFile=/run/cloudtui-slurmctld.pid
SlurmdPidFile=/run/cloudtui-slurmd.pid
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
KillWait=5
MinJobAge=600
SlurmctldLogFile=/var/log/cloudtui-slurm/slurmctld.log
SlurmdLogFile=/var/log/cloudtui-slurm/slurmd.log
MpiDefault=none
NodeName=$node CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=debug Nodes=$node Default=YES MaxTime=INFINITE State=UP OverSubscribe=FORCE:8
CONF
)
changed=0
if [ "$(cat "$conf" 2>/dev/null)" != "$want" ]; then printf '%s\n' "$want" >"$conf"; changed=1; fi
chown -R slurm:slurm /var/lib/cloudtui-test/slurm /var/log/cloudtui-slurm
alive() { [ -n "$1" ] && kill -0 "$1" 2>/dev/null; }
# munge (its key comes with the package)
mkdir -p /run/munge /var/log/munge /var/lib/munge
chown munge:munge /run/munge /var/log/munge /var/lib/munge
if ! munge -n </dev/null >/dev/null 2>&1; then
  su -s /bin/sh munge -c /usr/sbin/munged
  for _ in $(seq 1 40); do munge -n </dev/null >/dev/null 2>&1 && break; sleep 0.25; done
fi
munge -n </dev/null | unmunge >/dev/null || { echo "35-slurm: munged does not answer" >&2; exit 1; }
ctld=$(cat /run/cloudtui-slurmctld.pid 2>/dev/null || true)
d=$(cat /run/cloudtui-slurmd.pid 2>/dev/null || true)
if [ "$changed" = 1 ]; then
  alive "$ctld" && kill "$ctld" && sleep 1
  alive "$d" && kill "$d" && sleep 1
  ctld= d=
fi
alive "$ctld" || slurmctld -f "$conf"
alive "$d" || slurmd -f "$conf"
export SLURM_CONF=$conf
for _ in $(seq 1 60); do
  st=$(sinfo -h -n "$node" -o %t 2>/dev/null || true)
  case "$st" in
    idle*|mix*|alloc*) break ;;
    down*|drain*|inval*) scontrol update nodename="$node" state=resume >/dev/null 2>&1 || true ;;
  esac
  sleep 0.5
done
st=$(sinfo -h -n "$node" -o %t 2>/dev/null || true)
case "$st" in
  idle*|mix*|alloc*) echo "35-slurm: one-node cluster up ($node: $st), SLURM_CONF=$conf" ;;
  *) echo "35-slurm: node $node is '$st' (see /var/log/cloudtui-slurm/)" >&2; exit 1 ;;
esac
