# Shared helpers of the namespace labs (sourced, bash). A lab sets P (its
# per-run prefix), calls lab_init, creates namespaces with ns_add, starts
# processes and records their PIDs with track_pid, FRR daemons with
# frr_start; lab_cleanup (the EXIT trap) stops every one of them by PID,
# deletes the namespaces and the DPDK runtime directory, and keeps the work
# directory when something failed.
#
#   pass/fail/check "what" CMD...   one PASS:/FAIL: line each
#   lab_done                        prints "N passed, M failed", exits
#   skip "why"                      exits 77 (a missing prerequisite)
#   die "why"                       a failed setup step: FAIL, diagnostics, exit 1

FRR_DIR=${FRR_DIR:-/usr/lib/frr}
PY=/usr/bin/python3
PASS=0
FAIL=0
SUMMARY=0
WORK=
RUN=
LAB_NS=()
LAB_PIDS=()
LAB_FRR_PIDFILES=()

log() { printf '%s\n' "$*"; }
pass() { PASS=$((PASS + 1)); log "PASS: $*"; }
fail() { FAIL=$((FAIL + 1)); log "FAIL: $*"; }
check() {   # check "description" command...
    local what=$1
    shift
    if "$@"; then pass "$what"; else fail "$what"; fi
}
now() { date +%s.%N; }
usec() { local t=${EPOCHREALTIME/./}; echo "${t#0}"; }
ms_between() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", (b - a) * 1000 }'; }
nsx() { local ns=$1; shift; ip netns exec "$ns" "$@"; }
skip() { log "SKIP: $*"; exit 77; }

# wait_for SECONDS CMD...: poll CMD every 50 ms until it succeeds
wait_for() {
    local end=$(( $(usec) + ${1%.*} * 1000000 ))
    shift
    while :; do
        "$@" && return 0
        [ "$(usec)" -lt "$end" ] || return 1
        sleep 0.05
    done
}

# Stop a process we started, by PID: SIGTERM, wait up to $2 tenths of a
# second, then SIGKILL. Returns the process's exit status when it exited.
stop_pid() {
    local pid=$1 tenths=${2:-50} rc=0
    [ -n "$pid" ] || return 0
    kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null || rc=$?; return $rc; }
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < tenths; i++)); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
        log "process $pid did not stop on SIGTERM: SIGKILL"
        kill -KILL "$pid" 2>/dev/null || true
    fi
    wait "$pid" 2>/dev/null || rc=$?
    return $rc
}

# track_pid PID: stopped by lab_cleanup. Start processes in a namespace
# with `ip netns exec NS CMD &` (it execs CMD: $! is CMD's own PID), never
# through a shell function, whose $! would be a subshell.
track_pid() { LAB_PIDS+=("$1"); }

# FRR daemons daemonize (-d): stop them by the PID in their pid file,
# checking the PID still runs an FRR binary.
stop_frr() {    # stop_frr PIDFILE
    local f=$1 pid
    [ -s "$f" ] || return 0
    pid=$(cat "$f" 2>/dev/null) || return 0
    [[ "$pid" =~ ^[0-9]+$ ]] || return 0
    case "$(readlink "/proc/$pid/exe" 2>/dev/null)" in
        "$FRR_DIR"/*) ;;
        *) return 0 ;;
    esac
    kill -TERM "$pid" 2>/dev/null || return 0
    for ((i = 0; i < 50; i++)); do
        kill -0 "$pid" 2>/dev/null || return 0
        sleep 0.1
    done
    log "FRR process $pid ($f) did not stop on SIGTERM: SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
}

# ns_add NAME: a namespace with lo up and IPv6 off (quiet captures)
ns_add() {
    ip netns add "$1" || die "cannot create namespace $1"
    LAB_NS+=("$1")
    nsx "$1" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 \
        || die "cannot disable IPv6 in $1"
    ip -n "$1" link set lo up
}

# veth_pair NS1 IF1 MAC1 NS2 IF2 MAC2 (MACs may be "" for random); both up
veth_pair() {
    local a=(name "$2") b=(name "$5")
    [ -n "$3" ] && a+=(address "$3")
    [ -n "$6" ] && b+=(address "$6")
    ip link add "${a[@]}" netns "$1" type veth peer "${b[@]}" netns "$4" \
        || die "cannot create veth $2/$5"
    ip -n "$1" link set "$2" up
    ip -n "$4" link set "$5" up
}

# frr_start NS DAEMON [extra args]: FRR daemon with every path under $RUN
# ($RUN/DAEMON.conf must exist), waits for its vty socket
frr_start() {
    local ns=$1 d=$2
    shift 2
    touch "$RUN/$d.log"
    chown frr:frr "$RUN/$d.log" "$RUN/$d.conf" 2>/dev/null
    nsx "$ns" "$FRR_DIR/$d" -d -u frr -g frr -P 0 "$@" \
        -f "$RUN/$d.conf" -i "$RUN/$d.pid" -z "$RUN/zserv.api" --vty_socket "$RUN" \
        --log "file:$RUN/$d.log" >>"$WORK/frr-start.log" 2>&1 \
        || die "$d did not start: $(tail -n 3 "$WORK/frr-start.log")"
    LAB_FRR_PIDFILES+=("$RUN/$d.pid")
    for ((i = 0; i < 100; i++)); do
        [ -S "$RUN/$d.vty" ] && [ -s "$RUN/$d.pid" ] && return 0
        sleep 0.05
    done
    die "$d: no vty socket after 5 s"
}

# frr_require DAEMON...: skip unless FRR and its user are there
frr_require() {
    for d in "$@"; do
        [ -x "$FRR_DIR/$d" ] || skip "FRR not installed ($FRR_DIR/$d; apt-get install frr)"
    done
    getent passwd frr >/dev/null && getent group frr >/dev/null || skip "no frr user/group"
}

# tools_require TOOL...: skip unless each is on PATH
tools_require() {
    for t in "$@"; do
        command -v "$t" >/dev/null || skip "$t not found (bash scripts/install-deps)"
    done
}

# vcli SOCKET COMMAND: one vtepd CLI command, its JSON answer
vcli() { echo "$2" | timeout 5 socat -t 4 - "UNIX-CONNECT:$1"; }

# Overridden by a lab for its own state dumps on failure.
diagnostics() { :; }

die() {
    fail "$*"
    diagnostics
    log "$PASS passed, $FAIL failed"
    SUMMARY=1
    exit 1
}

lab_done() {
    log "$PASS passed, $FAIL failed"
    SUMMARY=1
    [ "$FAIL" -eq 0 ] || { diagnostics; exit 1; }
    exit 0
}

# lab_init NAME: work directory (world-traversable: FRR runs as frr), RUN
# under it, the EXIT trap; checks root and the vtepd binary in $VTEPD
lab_init() {
    [ "$(id -u)" -eq 0 ] || skip "needs root (network namespaces)"
    if [ -n "${VTEPD:-}" ] && [ ! -x "$VTEPD" ]; then
        log "FAIL: vtepd binary not found: $VTEPD"
        log "0 passed, 1 failed"
        SUMMARY=1
        exit 1
    fi
    WORK=$(mktemp -d "/tmp/vtepd-$1.XXXXXX")
    chmod 0755 "$WORK"
    RUN="$WORK/run"
    mkdir -p "$RUN"
    chown frr:frr "$RUN" 2>/dev/null
    chmod 0750 "$RUN"
    trap lab_cleanup EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
    log "load average at start: $(cut -d' ' -f1-3 /proc/loadavg) ($(nproc) CPUs)"
}

lab_cleanup() {
    local rc=$?
    set +e
    if [ "$SUMMARY" -eq 0 ] && [ "$rc" -ne 0 ] && [ "$rc" -ne 77 ]; then
        FAIL=$((FAIL + 1))     # a setup command failed (set -e) or we were interrupted
        log "FAIL: aborted (exit status $rc)"
        diagnostics
        log "$PASS passed, $FAIL failed"
    fi
    for f in "${LAB_FRR_PIDFILES[@]}"; do
        stop_frr "$f"
    done
    for ((i = ${#LAB_PIDS[@]} - 1; i >= 0; i--)); do
        stop_pid "${LAB_PIDS[$i]}" 50 >/dev/null 2>&1
    done
    [ -n "${P:-}" ] && rm -rf "/var/run/dpdk/$P"* 2>/dev/null
    for ns in "${LAB_NS[@]}"; do
        if [ -e "/run/netns/$ns" ]; then
            for ifc in $(ip -n "$ns" -o link show 2>/dev/null | awk -F': ' '{ print $2 }' | cut -d@ -f1); do
                [ "$ifc" = lo ] || ip -n "$ns" link del "$ifc" 2>/dev/null
            done
            ip netns del "$ns" 2>/dev/null
        fi
    done
    if [ -n "$WORK" ] && [ -d "$WORK" ]; then
        if [ "$FAIL" -eq 0 ] && [ "$rc" -eq 0 ] && [ -z "${KEEP:-}" ]; then
            rm -rf "$WORK"
        else
            log "kept $WORK"
        fi
    fi
    exit $rc
}
