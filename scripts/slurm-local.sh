#!/usr/bin/env bash
# A one-node Slurm on this machine, to run examples/slurm/ for real.
#
#   bash scripts/slurm-local.sh up      start munge, slurmctld and slurmd; wait until the node is idle
#   bash scripts/slurm-local.sh down    cancel the jobs, stop the three daemons by their pids
#   bash scripts/slurm-local.sh demo    up, the cluster tests (tests/test_cluster.py), down
#
# When a Slurm already answers (`sinfo` works), `up` and `down` leave it alone and `demo` only runs
# the tests. Otherwise `up` installs the Debian packages if they are missing (needs root and apt),
# writes a slurm.conf for one node with this machine's real cores and memory (`slurmd -C`), and
# needs no cgroups (proctrack/linuxproc, task/none), so it runs in a container too. Everything the
# daemons write (config, munge key and socket, state, logs, pids) lives in $KATA_SLURM_DIR.
set -euo pipefail

STATE="${KATA_SLURM_DIR:-${TMPDIR:-/tmp}/kata-slurm}"
CONF="$STATE/slurm.conf"
SYSTEM_CONF=/etc/slurm/slurm.conf  # where sbatch looks without SLURM_CONF
PACKAGES=(slurmctld slurmd slurm-client munge)
DAEMONS=(slurmd slurmctld munged)  # stop order: the node, the controller, then authentication

say() { printf 'slurm-local: %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }

slurm_answers() { command -v sinfo >/dev/null && timeout 10 sinfo -h >/dev/null 2>&1; }
ours_running() { [[ -f "$STATE/slurmctld.pid" ]] && kill -0 "$(cat "$STATE/slurmctld.pid")" 2>/dev/null; }

install_packages() {
    local missing=()
    command -v slurmctld >/dev/null || missing+=(slurmctld)
    command -v slurmd >/dev/null || missing+=(slurmd)
    command -v sbatch >/dev/null || missing+=(slurm-client)
    command -v munged >/dev/null || missing+=(munge)
    ((${#missing[@]})) || return 0
    command -v apt-get >/dev/null || die "missing ${missing[*]}: install ${PACKAGES[*]} or their equivalents"
    say "installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

write_conf() {
    local host node user
    host=$(hostname -s)
    # `slurmd -C` prints this machine's CPUs, sockets, cores, threads and RealMemory as a NodeName line
    node=$(slurmd -C | head -n 1 | sed "s/^NodeName=[^ ]*/NodeName=$host NodeAddr=127.0.0.1/")
    user=$(id -un)
    cat >"$CONF" <<EOF
# Written by scripts/slurm-local.sh: one node, this machine, no cgroups needed.
ClusterName=kata-local
SlurmctldHost=$host(127.0.0.1)
SlurmUser=$user
AuthType=auth/munge
AuthInfo=socket=$STATE/munge.socket
CredType=cred/munge
StateSaveLocation=$STATE/ctld
SlurmdSpoolDir=$STATE/slurmd
SlurmctldPidFile=$STATE/slurmctld.pid
SlurmdPidFile=$STATE/slurmd.pid
SlurmctldLogFile=$STATE/slurmctld.log
SlurmdLogFile=$STATE/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SwitchType=switch/none
MpiDefault=none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
ReturnToService=2
SlurmctldTimeout=30
SlurmdTimeout=30
MailProg=/bin/true
$node State=UNKNOWN
PartitionName=local Nodes=ALL Default=YES MaxTime=INFINITE State=UP
EOF
}

start_munge() {
    # A private key and socket: a munge the machine may already run is left alone.
    dd if=/dev/urandom of="$STATE/munge.key" bs=1024 count=1 status=none
    chmod 400 "$STATE/munge.key"
    munged --key-file="$STATE/munge.key" --socket="$STATE/munge.socket" --pid-file="$STATE/munged.pid" \
        --log-file="$STATE/munged.log" --seed-file="$STATE/munged.seed" --force
}

wait_idle() {
    local state
    for _ in $(seq 120); do
        state=$(sinfo -h -N -o %T 2>/dev/null | head -n 1 || true)
        [[ $state == idle ]] && return 0
        sleep 0.5
    done
    die "the node is not idle after 60 s (state: '${state:-none}'); see $STATE/slurmctld.log and $STATE/slurmd.log"
}

up() {
    if ours_running; then say "already up ($CONF)"; return 0; fi
    if slurm_answers; then say "a Slurm already answers here: nothing to start"; return 0; fi
    [[ $(id -u) == 0 ]] || die "slurmd (and the package install) need root"
    install_packages
    rm -rf "$STATE"
    mkdir -p "$STATE"
    chmod 700 "$STATE"  # munged refuses a key or socket that others could reach
    mkdir "$STATE/ctld" "$STATE/slurmd"
    write_conf
    export SLURM_CONF="$CONF"
    start_munge
    slurmctld -f "$CONF"
    slurmd -f "$CONF"
    if [[ -L $SYSTEM_CONF && ! -e $SYSTEM_CONF ]]; then rm -f "$SYSTEM_CONF"; fi  # left by a run that died
    if [[ ! -e $SYSTEM_CONF ]]; then
        mkdir -p "$(dirname "$SYSTEM_CONF")"
        ln -s "$CONF" "$SYSTEM_CONF"  # so that sbatch works in any shell; `down` removes the link
    fi
    wait_idle
    say "up: node $(hostname -s) idle; $(grep -o 'CPUs=[0-9]*' "$CONF"), $(grep -o 'RealMemory=[0-9]*' "$CONF") MB"
    [[ $(readlink "$SYSTEM_CONF" 2>/dev/null) == "$CONF" ]] || echo "export SLURM_CONF=$CONF"
}

down() {
    ours_running || [[ -f "$STATE/munged.pid" ]] || { say "nothing of ours is running"; return 0; }
    export SLURM_CONF="$CONF"
    if ours_running; then  # jobs first, so that no slurmstepd outlives its slurmd
        local jobs
        mapfile -t jobs < <(squeue -h -o %A 2>/dev/null | sort -u)
        ((${#jobs[@]})) && scancel --quiet "${jobs[@]}"
        for _ in $(seq 60); do [[ -z $(squeue -h -o %A 2>/dev/null) ]] && break; sleep 0.5; done
    fi
    local daemon pid
    for daemon in "${DAEMONS[@]}"; do
        [[ -f "$STATE/$daemon.pid" ]] || continue
        pid=$(cat "$STATE/$daemon.pid")
        kill "$pid" 2>/dev/null || continue
        for _ in $(seq 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
        if kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid"; fi
        rm -f "$STATE/$daemon.pid"
    done
    [[ $(readlink "$SYSTEM_CONF" 2>/dev/null) == "$CONF" ]] && rm -f "$SYSTEM_CONF"
    say "down (logs kept in $STATE)"
}

demo() {
    local started=0 repo
    repo=$(cd "$(dirname "$0")/.." && pwd)
    if ! slurm_answers; then
        up
        started=1
        export SLURM_CONF="$CONF"
    fi
    ((started)) && trap down EXIT
    cd "$repo"
    python -m pytest -q -s -m cluster tests/test_cluster.py "$@"
}

case "${1:-}" in
    up) up ;;
    down) down ;;
    demo) shift; demo "$@" ;;
    *) echo "usage: $0 up|down|demo [pytest options]" >&2; exit 2 ;;
esac
