#!/usr/bin/env bash
# cluster.sh -- a one-node SLURM cluster on this machine, for the cluster test
# (tests/slurm/test_cluster.sh) and for trying docs/SLURM.md by hand.
#
#   cluster.sh install    install Debian's slurm-wlm and munge when missing
#                         (root; apt-get update first); exit 77 when they are
#                         missing and cannot be installed
#   cluster.sh up DIR     write DIR/slurm.conf for this host, start munged (as
#                         user munge, on its own socket in DIR), slurmctld and
#                         slurmd, wait until the node is idle; prints
#                         `export SLURM_CONF=DIR/slurm.conf`
#   cluster.sh down DIR   stop the three daemons by the PIDs in DIR
#
# No systemd: the daemons are started by hand and stopped by PID.  Needs root
# (slurmd runs the jobs of any user).  Ports: EDGESIM_SLURMCTLD_PORT (6817) and
# EDGESIM_SLURMD_PORT (6818).
set -euo pipefail

PKGS=(slurm-wlm munge)

die() {
    echo "cluster.sh: $*" >&2
    exit 1
}

missing_pkgs() {
    local p
    for p in "${PKGS[@]}"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || echo "$p"
    done
}

cmd_install() {
    if ! command -v dpkg-query >/dev/null; then
        echo "cluster.sh: not a Debian system: install SLURM and munge yourself" >&2
        exit 77
    fi
    local missing
    missing=$(missing_pkgs)
    [ -z "$missing" ] && return 0
    if [ "$(id -u)" -ne 0 ]; then
        echo "cluster.sh: missing packages:" $missing "(run as root to install them)" >&2
        exit 77
    fi
    echo "cluster.sh: installing" $missing >&2
    export DEBIAN_FRONTEND=noninteractive
    # policy-rc.d keeps the packages' init scripts from starting daemons.
    if ! { apt-get update -qq && apt-get install -y -qq --no-install-recommends $missing >/dev/null; }; then
        echo "cluster.sh: apt-get could not install" $missing >&2
        exit 77
    fi
}

# Wait up to $1 tenths of a second for the command that follows to succeed.
wait_for() {
    local tenths=$1
    shift
    local i
    for ((i = 0; i < tenths; i++)); do
        "$@" >/dev/null 2>&1 && return 0
        sleep 0.1
    done
    return 1
}

write_conf() {
    local dir=$1 host node
    host=$(hostname -s)
    # `slurmd -C` prints this host's NodeName line (CPUs, sockets, cores, memory).
    node=$(slurmd -C | head -n 1)
    case "$node" in
    NodeName=*) ;;
    *) die "slurmd -C printed no NodeName line: $node" ;;
    esac
    cat >"$dir/slurm.conf" <<EOF
# Written by tests/slurm/cluster.sh: a one-node cluster on $host.
ClusterName=edgesim
SlurmctldHost=$host
SlurmctldPort=${EDGESIM_SLURMCTLD_PORT:-6817}
SlurmdPort=${EDGESIM_SLURMD_PORT:-6818}
SlurmUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$dir/munge/munge.socket
StateSaveLocation=$dir/ctld
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/slurmctld.log
SlurmdLogFile=$dir/slurmd.log
# No cgroups, no accounting daemon.
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MailProg=/bin/true
SchedulerType=sched/backfill
# Cores and memory are consumable; without DefMemPerCPU the first task
# takes the whole node's memory and the array runs one task at a time.
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
DefMemPerCPU=256
MaxArraySize=1001
ReturnToService=2
SlurmdTimeout=30
InactiveLimit=0
KillWait=5
MinJobAge=300
$node State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
EOF
}

cmd_up() {
    local dir=${1:?usage: cluster.sh up DIR}
    for b in munged slurmctld slurmd sinfo; do
        command -v "$b" >/dev/null || die "$b not found (cluster.sh install)"
    done
    [ "$(id -u)" -eq 0 ] || die "must run as root (slurmd starts jobs as their users)"
    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd)
    [ -f "$dir/slurmctld.pid" ] && die "$dir already holds a cluster (cluster.sh down $dir)"
    rm -rf "$dir/munge" "$dir/ctld" "$dir/spool"
    mkdir -p "$dir/ctld" "$dir/spool" "$dir/munge"
    chmod 755 "$dir"

    # munged as user munge, with its own key, socket, PID, log and seed.
    chown munge:munge "$dir/munge"
    chmod 700 "$dir/munge"
    dd if=/dev/urandom of="$dir/munge/munge.key" bs=1024 count=1 status=none
    chown munge:munge "$dir/munge/munge.key"
    chmod 400 "$dir/munge/munge.key"
    chmod 755 "$dir/munge"
    runuser -u munge -- munged --socket="$dir/munge/munge.socket" --key-file="$dir/munge/munge.key" \
        --pid-file="$dir/munge/munged.pid" --log-file="$dir/munge/munged.log" \
        --seed-file="$dir/munge/munged.seed" ||
        die "munged did not start (see $dir/munge/munged.log)"
    wait_for 50 test -S "$dir/munge/munge.socket" || die "munged made no socket"

    write_conf "$dir"
    export SLURM_CONF=$dir/slurm.conf
    slurmctld -f "$SLURM_CONF" || die "slurmctld did not start (see $dir/slurmctld.log)"
    slurmd -f "$SLURM_CONF" || die "slurmd did not start (see $dir/slurmd.log)"
    # Idle: registered and ready for jobs.
    if ! wait_for 300 node_idle; then
        sinfo -N -o '%N %T' >&2 || true
        tail -n 20 "$dir/slurmctld.log" "$dir/slurmd.log" >&2 || true
        die "the node did not become idle in 30 s"
    fi
    echo "export SLURM_CONF=$SLURM_CONF"
}

node_idle() {
    [ "$(sinfo -h -N -o %T 2>/dev/null)" = idle ]
}

# Stop the daemon whose PID is in file $1 and wait until it is gone.
stop_pid() {
    local f=$1 pid
    [ -f "$f" ] || return 0
    pid=$(cat "$f")
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
        kill -TERM "$pid" 2>/dev/null || true
        if ! wait_for 100 sh -c "! kill -0 $pid"; then
            echo "cluster.sh: PID $pid (from $f) ignored SIGTERM; SIGKILL" >&2
            kill -KILL "$pid" 2>/dev/null || true
            wait_for 50 sh -c "! kill -0 $pid" || true
        fi
    fi
    rm -f "$f"
}

cmd_down() {
    local dir=${1:?usage: cluster.sh down DIR}
    [ -d "$dir" ] || return 0
    stop_pid "$dir/slurmd.pid"
    stop_pid "$dir/slurmctld.pid"
    stop_pid "$dir/munge/munged.pid"
}

case "${1:-}" in
install) cmd_install ;;
up) cmd_up "${2:-}" ;;
down) cmd_down "${2:-}" ;;
*)
    sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//' >&2
    exit 2
    ;;
esac
