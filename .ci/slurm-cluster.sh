#!/usr/bin/env bash
# A real single-node SLURM cluster (Debian 12: Slurm 22.05 and munge) for tests and CI.
#
#   slurm-cluster.sh install      apt-get install slurm-wlm and munge, unless already there
#   slurm-cluster.sh start DIR    write DIR/slurm.conf, start munged, slurmctld and slurmd,
#                                 wait until the node is idle; print the line
#                                 `export SLURM_CONF=DIR/slurm.conf` (the only line on stdout,
#                                 so `eval "$(slurm-cluster.sh start DIR)"` works)
#   slurm-cluster.sh stop DIR     end DIR's jobs, stop the daemons this script started for
#                                 DIR (found even if DIR was deleted meanwhile)
#   slurm-cluster.sh status DIR   show the daemons and the node; exit 0 only when all run
#
# `start` is idempotent (a running cluster is left as it is) and starts clean after a crash
# (stale pid files, one daemon dead). SLURM_CLUSTER_TIMEOUT (seconds, default 60) bounds its
# wait for the node; on a timeout it prints the logs' tails, stops what it started, and ends
# with one line `slurm-cluster: error: ...`.
#
# Client commands (sbatch, srun, squeue, scancel, sinfo, scontrol) and submitit reach the
# cluster through SLURM_CONF=DIR/slurm.conf in their environment. Needs root: the daemons
# run as root (SlurmUser=root) and munged runs as the munge user.
#
# Slurm's daemons write only under DIR (conf, pid files, state, spool, logs). munged is the
# machine's one authentication service: it keeps its socket, pid file, seed and log in the
# system's places (/run/munge, /var/lib/munge, /var/log/munge), because clients of every user
# must reach its socket and the munge user cannot enter a private DIR such as pytest's.
# The Slurm ports are fixed (6817, 6818), so one cluster runs on a machine at a time;
# when they are taken, `start` names the process holding them (its command line shows the
# other cluster's DIR).
set -euo pipefail

readonly CTLD_PORT=6817
readonly SLURMD_PORT=6818
# Seconds to wait for the node to become idle (CI machines can be slow on a cold start).
readonly START_TIMEOUT="${SLURM_CLUSTER_TIMEOUT:-60}"
# Serialises concurrent start/stop calls on one machine (e.g. pytest-xdist workers).
readonly LOCK_FILE=/run/lock/aieco-slurm-cluster.lock
readonly MUNGE_KEY=/etc/munge/munge.key
readonly MUNGE_RUN=/run/munge
readonly MUNGE_PIDFILE="$MUNGE_RUN/munged.pid"

# Debian keeps the daemons in /usr/sbin, which a non-login PATH may lack.
export PATH="$PATH:/usr/sbin:/sbin"

say() { echo "slurm-cluster: $*" >&2; }
die() { echo "slurm-cluster: error: $*" >&2; exit 1; }

usage() {
    echo "usage: $0 install | start DIR | stop DIR | status DIR" >&2
    exit 2
}

need_root() {
    [[ $(id -u) -eq 0 ]] || die "must run as root (the daemons need it); this is uid $(id -u)"
}

have_packages() {
    local cmd
    for cmd in slurmctld slurmd munged munge sinfo sbatch srun squeue scancel scontrol; do
        command -v "$cmd" >/dev/null 2>&1 || return 1
    done
}

cmd_install() {
    need_root
    if have_packages; then
        return 0
    fi
    say "installing slurm-wlm and munge with apt-get"
    # The package scripts cannot start the services here (no init system; policy-rc.d
    # refuses), which suits us: `start` runs the daemons itself. Their chatter goes to a
    # file, shown only if apt-get fails. Without the recommended plugins (-dev packages,
    # ROCm, HDF5, InfluxDB...) it is 9 packages and 14 MB instead of 42 and 46 MB.
    export DEBIAN_FRONTEND=noninteractive
    local out
    out=$(mktemp)
    if ! { apt-get update -qq \
        && apt-get install -y -qq --no-install-recommends -o Dpkg::Use-Pty=0 slurm-wlm munge; \
        } >"$out" 2>&1; then
        tail -n 30 "$out" >&2
        rm -f "$out"
        die "apt-get install slurm-wlm munge failed"
    fi
    rm -f "$out"
    have_packages || die "apt-get finished but the Slurm or munge commands are still missing"
}

# Sets the globals that name DIR's files; DIR is made absolute because the daemons and
# the clients resolve it from other working directories. Only `start` creates DIR.
set_paths() {
    [[ -n "${1:-}" ]] || usage
    [[ "${2:-}" == create ]] && mkdir -p "$1"
    DIR=$(realpath -m "$1")
    NODE=$(hostname -s)
    # slurmstepd makes Unix sockets (paths of at most 107 bytes) named
    # DIR/spool/<node>_<job id>.<step id>; leave room for 8-digit job and 10-digit step ids.
    local max_len=$((107 - ${#NODE} - 26))
    ((${#DIR} <= max_len)) \
        || die "DIR is ${#DIR} characters, over $max_len: slurmstepd's sockets would not fit"
    CONF="$DIR/slurm.conf"
    RUN="$DIR/run"
    LOG="$DIR/log"
    CTLD_PIDFILE="$RUN/slurmctld.pid"
    SLURMD_PIDFILE="$RUN/slurmd.pid"
    # Present only when this script started munged for DIR, holding its pid.
    MUNGED_MARK="$RUN/munged.pid"
    export SLURM_CONF="$CONF"
}

# True while process $1 runs. A daemon that exited stays a zombie until PID 1 reaps it, which
# the init of these machines does only now and then: count zombies as gone.
alive() {
    local stat
    stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
    # The state letter follows the command name in parentheses.
    [[ "${stat##*) }" != Z* ]]
}

# Prints the pid in pid file $2 if that process is alive and is really $1: after a crash or
# a reboot the file can be stale and its number reused by an unrelated process.
live_pid() {
    local name=$1 file=$2 pid
    [[ -s "$file" ]] || return 1
    pid=$(tr -dc '0-9' <"$file")
    [[ -n "$pid" ]] || return 1
    alive "$pid" || return 1
    [[ "$(cat "/proc/$pid/comm" 2>/dev/null)" == "$name" ]] || return 1
    echo "$pid"
}

# Pid of DIR's Slurm daemon $1 (slurmctld or slurmd) from its pid file $2, or, when DIR's
# files are gone (pytest prunes old tmp folders, a crashed run may leave its daemons), from
# the environment `start` gave it: SLURM_CONF=DIR/slurm.conf.
daemon_pid() {
    local name=$1 file=$2 pid
    live_pid "$name" "$file" && return 0
    while read -r file; do
        pid=${file#/proc/}
        pid=${pid%/environ}
        if [[ "$(cat "/proc/$pid/comm" 2>/dev/null)" == "$name" ]] && alive "$pid"; then
            echo "$pid"
            return 0
        fi
    done < <(grep -lzxF "SLURM_CONF=$CONF" /proc/[0-9]*/environ 2>/dev/null)
    return 1
}

# Stops daemon $1 whose pid file is $2: SIGTERM, then SIGKILL after 10 s. Quiet and
# successful when it is not running. munged is found by its pid file alone: another DIR's
# cluster may be using it.
stop_daemon() {
    local name=$1 file=$2 pid i
    if { [[ "$name" == munged ]] && pid=$(live_pid "$name" "$file"); } \
        || { [[ "$name" != munged ]] && pid=$(daemon_pid "$name" "$file"); }; then
        kill -TERM "$pid" 2>/dev/null || true
        for ((i = 0; i < 100; i++)); do
            alive "$pid" || break
            sleep 0.1
        done
        if alive "$pid"; then
            say "$name ($pid) ignored SIGTERM for 10 s; killing it"
            kill -KILL "$pid" 2>/dev/null || true
        fi
        say "stopped $name ($pid)"
    fi
    rm -f "$file"
}

# The daemon holding TCP port $1, as "pid command line", or nothing when the port is free.
port_holder() {
    local pid
    command -v ss >/dev/null 2>&1 || return 0
    pid=$(ss -Hltnp "sport = :$1" 2>/dev/null | grep -o 'pid=[0-9]*' | head -n1 | cut -d= -f2)
    [[ -n "$pid" ]] || return 0
    echo "$pid $(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null)"
}

munge_works() {
    munge -n 2>/dev/null | unmunge >/dev/null 2>&1
}

start_munged() {
    if [[ ! -f "$MUNGE_KEY" ]]; then
        say "creating $MUNGE_KEY"
        install -d -o munge -g munge -m 0700 "$(dirname "$MUNGE_KEY")"
        # umask first, so the key is never readable by others, not even for a moment.
        (umask 077 && head -c 1024 /dev/urandom >"$MUNGE_KEY")
        chown munge:munge "$MUNGE_KEY"
        chmod 0400 "$MUNGE_KEY"
    fi
    if munge_works; then
        # Another munged (the system's, or one a crashed run left) serves already: use it and
        # leave it alone on stop.
        return 0
    fi
    # /run is a fresh tmpfs after a reboot, and nothing recreates munge's folder without an
    # init system. A pid file left by a killed munged would make the new one refuse to start.
    install -d -o munge -g munge -m 0755 "$MUNGE_RUN"
    live_pid munged "$MUNGE_PIDFILE" >/dev/null || rm -f "$MUNGE_PIDFILE"
    runuser -u munge -- munged </dev/null >>"$LOG/munged.out" 2>&1 9>&- \
        || { show_logs; die "munged did not start; logs in $LOG and /var/log/munge"; }
    local i
    for ((i = 0; i < 50; i++)); do
        munge_works && break
        sleep 0.1
    done
    # Remember that DIR started it: stop, and a start that fails later, end it.
    live_pid munged "$MUNGE_PIDFILE" >"$MUNGED_MARK" || rm -f "$MUNGED_MARK"
    munge_works \
        || { show_logs; teardown; die "munged started but does not answer; see /var/log/munge"; }
    say "started munged ($(cat "$MUNGED_MARK" 2>/dev/null || echo '?'))"
}

write_conf() {
    local cpus mem_mb
    cpus=$(nproc)
    # Declare 95% of the memory, so jobs asking for --mem (submitit's mem_gb) fit, while
    # staying under what slurmd measures (more would drain the node as "Low RealMemory").
    mem_mb=$(awk '/^MemTotal:/ {printf "%d", $2 / 1024 * 0.95}' /proc/meminfo)
    mkdir -p "$RUN" "$LOG" "$DIR/state" "$DIR/spool"
    cat >"$CONF" <<EOF
# Written by .ci/slurm-cluster.sh start: a one-node cluster for tests. Rewritten on start.
ClusterName=local
# The address in parentheses (and NodeAddr below) spares every daemon and client a name
# lookup of this host: everything talks over loopback.
SlurmctldHost=$NODE(127.0.0.1)
SlurmctldPort=$CTLD_PORT
SlurmdPort=$SLURMD_PORT
SlurmUser=root
AuthType=auth/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
ReturnToService=2
# No mail on this machine.
MailProg=/bin/true
SlurmctldPidFile=$CTLD_PIDFILE
SlurmdPidFile=$SLURMD_PIDFILE
StateSaveLocation=$DIR/state
SlurmdSpoolDir=$DIR/spool
SlurmctldLogFile=$LOG/slurmctld.log
SlurmdLogFile=$LOG/slurmd.log
NodeName=$NODE NodeHostname=$NODE NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$mem_mb State=UNKNOWN
PartitionName=debug Nodes=$NODE Default=YES MaxTime=INFINITE State=UP
EOF
}

# The node's state as sinfo prints it (idle, mix, alloc, down*, ...), or nothing.
node_state() {
    timeout 10 sinfo -h -n "$NODE" -o '%t' 2>/dev/null | head -n1 || true
}

node_up() {
    [[ "$(node_state)" =~ ^(idle|mix|alloc)$ ]]
}

show_logs() {
    local f
    for f in "$LOG/slurmctld.log" "$LOG/slurmd.log" "$LOG/slurmctld.out" "$LOG/slurmd.out" \
             "$LOG/munged.out" /var/log/munge/munged.log; do
        [[ -s "$f" ]] || continue
        echo "--- tail of $f" >&2
        tail -n 15 "$f" >&2
    done
}

cmd_start() {
    need_root
    have_packages || die "Slurm or munge is not installed: run '$0 install' first"
    set_paths "${1:-}" create
    exec 9>"$LOCK_FILE"
    flock -w 120 9 || die "another start or stop has held $LOCK_FILE for 120 s"

    local ctld_pid slurmd_pid holder port started=$SECONDS
    if ctld_pid=$(daemon_pid slurmctld "$CTLD_PIDFILE") \
        && slurmd_pid=$(daemon_pid slurmd "$SLURMD_PIDFILE"); then
        say "already running in $DIR (slurmctld $ctld_pid, slurmd $slurmd_pid)"
    else
        # Half a cluster (one daemon died) or stale pid files: start clean.
        stop_daemon slurmd "$SLURMD_PIDFILE"
        stop_daemon slurmctld "$CTLD_PIDFILE"
        for port in "$CTLD_PORT" "$SLURMD_PORT"; do
            holder=$(port_holder "$port")
            [[ -z "$holder" ]] \
                || die "port $port is taken (by another cluster?): $holder"
        done
        write_conf
        start_munged
        # -c: forget jobs and node states saved by an earlier run in DIR, so every start
        # begins empty. The daemons fork into the background and keep the descriptors they
        # got: their stdio goes to files, so that a caller reading our output through a pipe
        # does not wait on them, and the lock (fd 9) is closed, or they would hold it forever.
        slurmctld -c -f "$CONF" </dev/null >>"$LOG/slurmctld.out" 2>&1 9>&- \
            || { show_logs; teardown; die "slurmctld failed to start; logs in $LOG"; }
        slurmd -f "$CONF" </dev/null >>"$LOG/slurmd.out" 2>&1 9>&- \
            || { show_logs; teardown; die "slurmd failed to start; logs in $LOG"; }
    fi

    local deadline=$((SECONDS + START_TIMEOUT))
    until node_up; do
        if ((SECONDS >= deadline)); then
            local state
            state=$(node_state)
            show_logs
            # Leave nothing half-started behind; the logs stay in DIR.
            teardown
            die "node $NODE not idle after ${START_TIMEOUT}s (sinfo: '${state:-no answer}');" \
                "logs in $LOG"
        fi
        sleep 0.5
    done
    say "node $NODE is $(node_state) after $((SECONDS - started))s; conf $CONF"
    echo "export SLURM_CONF=$CONF"
}

# True when the controller lists no job of DIR (or does not answer).
no_jobs() {
    [[ -z "$(timeout 10 squeue -h -o '%A' 2>/dev/null)" ]]
}

# Waits up to $1 seconds for DIR's jobs to be gone.
wait_no_jobs() {
    local i
    for ((i = 0; i < $1 * 2; i++)); do
        no_jobs && return 0
        sleep 0.5
    done
    return 1
}

# The parent pid of process $1 (field 4 of /proc/PID/stat; the command name before it may
# hold spaces, hence the cut at its closing parenthesis).
ppid_of() {
    local stat
    stat=$(cat "/proc/$1/stat" 2>/dev/null) || { echo 1; return; }
    stat=${stat##*) }
    # shellcheck disable=SC2086 # split the fields on purpose
    set -- $stat
    echo "$2"
}

# Pids of the processes of DIR's jobs, which carry SLURM_CONF=DIR/slurm.conf and SLURM_JOB_ID
# in their environment (Slurm sets both, even with --export=NONE); with $1 = all, also DIR's
# slurmstepd processes (SLURM_CONF alone, inherited from slurmd). Our caller's chain, which
# may export the same SLURM_CONF, is left out.
job_pids() {
    local file p q chain=" "
    q=$BASHPID
    while ((q > 1)); do
        chain+="$q "
        q=$(ppid_of "$q")
    done
    # One grep over all environments (NUL-separated) finds the candidates quickly.
    while read -r file; do
        p=${file#/proc/}
        p=${p%/environ}
        [[ "$chain" != *" $p "* ]] || continue
        alive "$p" || continue
        if grep -qz '^SLURM_JOB_ID=' "$file" 2>/dev/null \
            || [[ "${1:-}" == all && "$(cat "/proc/$p/comm" 2>/dev/null)" == slurmstepd ]]; then
            echo "$p"
        fi
    done < <(grep -lzxF "SLURM_CONF=$CONF" /proc/[0-9]*/environ 2>/dev/null)
}

# SIGKILLs the processes job_pids "$1" lists.
kill_job_processes() {
    local pids
    pids=$(job_pids "${1:-}" | tr '\n' ' ')
    [[ -n "${pids// /}" ]] || return 0
    say "killing processes left by jobs: $pids"
    # shellcheck disable=SC2086 # one argument per pid
    kill -KILL $pids 2>/dev/null || true
}

# Ends DIR's jobs before the daemons stop. scancel sends SIGTERM at once, but a job that
# ignores it keeps its node for KillWait (30 s) before Slurm's SIGKILL, and slurmd will not
# shut down while it waits for one. So: 5 s of grace, then SIGKILL from us.
end_jobs() {
    local jobs
    jobs=$(timeout 10 squeue -h -o '%A' 2>/dev/null | tr '\n' ' ') || true
    [[ -n "${jobs// /}" ]] || return 0
    say "cancelling jobs: $jobs"
    # shellcheck disable=SC2086 # one argument per job id
    timeout 10 scancel $jobs 2>/dev/null || true
    wait_no_jobs 5 && return 0
    kill_job_processes
    wait_no_jobs 5 || say "jobs still listed; stopping the daemons anyway"
}

# Stops what start started for DIR, whether it runs or crashed half-way.
teardown() {
    stop_daemon slurmd "$SLURMD_PIDFILE"
    stop_daemon slurmctld "$CTLD_PIDFILE"
    # slurmstepd and job processes outlive slurmd by design (a restarted slurmd takes them
    # up again); with the cluster gone for good, whatever is left goes too.
    kill_job_processes all
    # munged only when this script started it for DIR.
    stop_daemon munged "$MUNGED_MARK"
}

cmd_stop() {
    need_root
    set_paths "${1:-}"
    exec 9>"$LOCK_FILE"
    flock -w 120 9 || die "another start or stop has held $LOCK_FILE for 120 s"
    if daemon_pid slurmctld "$CTLD_PIDFILE" >/dev/null \
        && daemon_pid slurmd "$SLURMD_PIDFILE" >/dev/null; then
        end_jobs
    fi
    teardown
}

cmd_status() {
    set_paths "${1:-}"
    local pid ok=0 name file
    for name in slurmctld slurmd; do
        file="$RUN/$name.pid"
        if pid=$(daemon_pid "$name" "$file"); then
            echo "$name: running ($pid)"
        else
            echo "$name: stopped"
            ok=3
        fi
    done
    if munge_works; then echo "munged: answering"; else echo "munged: not answering"; ok=3; fi
    if ((ok == 0)); then
        echo "node $NODE: $(node_state)"
        echo "export SLURM_CONF=$CONF"
    fi
    return "$ok"
}

case "${1:-}" in
    install) cmd_install ;;
    start) cmd_start "${2:-}" ;;
    stop) cmd_stop "${2:-}" ;;
    status) cmd_status "${2:-}" ;;
    *) usage ;;
esac
