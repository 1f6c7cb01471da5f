# shellcheck shell=bash
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
#
# Background processes: start them with `ip netns exec NS CMD ... &` written
# out in the lab or in a helper here (ip execs CMD, so $! is CMD's own PID)
# and register them with track_pid; never run a shell function with `&` (its
# $! is a subshell, and the real process would outlive the lab).
# vtepd_start, tcpdump_start and relay_start do this for the usual ones.
#
# Also here: namespaces and links (ns_add, veth_pair, vtep_link, csum_sw,
# kernel_vtep), the VXLAN and BFD labs' topologies (vni100_*, bfd_*), FRR
# (frr_require, frr_dir, frr_start[_in], frr_vty, frr_bfd_peer), vtepd
# configuration pieces (conf_head, conf_afp_port, conf_vni100), vtepd's CLI
# (vcli), waiting and time (wait_for, elapsed, ms_between), pings, JSON.

FRR_DIR=${FRR_DIR:-/usr/lib/frr}
PY=/usr/bin/python3
PASS=0
FAIL=0
SUMMARY=0
WORK=
RUN=
LAB_NS=()
LAB_PIDS=()
LAB_RELAYS=()
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
ms_now() { echo $(( $(usec) / 1000 )); }
LAB_T0=$(now)
# seconds since the lab started, one decimal
elapsed() { awk -v a="$LAB_T0" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }
# ms_between EPOCH1 EPOCH2: milliseconds, $MS_DECIMALS decimals (default 1)
ms_between() { awk -v a="$1" -v b="$2" -v d="${MS_DECIMALS:-1}" 'BEGIN { printf "%.*f", d, (b - a) * 1000 }'; }
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

# stop_pid PID [TENTHS] [SIGNAL]: stop a process we started, by PID: SIGNAL
# (TERM), wait up to TENTHS tenths of a second (50), then SIGKILL. Returns
# the process's exit status when it exited; it is no longer tracked.
stop_pid() {
    local pid=$1 tenths=${2:-50} sig=${3:-TERM} rc=0 i
    [ -n "$pid" ] || return 0
    untrack_pid "$pid"
    if kill -0 "$pid" 2>/dev/null; then
        kill -"$sig" "$pid" 2>/dev/null || true
        for ((i = 0; i < tenths; i++)); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        if kill -0 "$pid" 2>/dev/null; then
            log "process $pid did not stop on SIG$sig: SIGKILL"
            kill -KILL "$pid" 2>/dev/null || true
        fi
    fi
    wait "$pid" 2>/dev/null || rc=$?
    return $rc
}

# track_pid PID: stopped by lab_cleanup (see the note at the top on $!).
track_pid() { LAB_PIDS+=("$1"); }
# untrack_pid PID: stopped or reaped already (its PID may be reused)
untrack_pid() {
    local p keep=()
    for p in "${LAB_PIDS[@]}"; do
        [ "$p" = "$1" ] || keep+=("$p")
    done
    LAB_PIDS=("${keep[@]}")
}

# _alive_or_done PID CMD...: CMD holds, or PID has exited (a wait_for that
# does not sit out its timeout for a process that is gone)
_alive_or_done() {
    local pid=$1
    shift
    "$@" || ! kill -0 "$pid" 2>/dev/null
}

# tcpdump_start NS LOG TCPDUMP-ARGS...: a capture in NS, tracked, its PID in
# TCPDUMP_PID; returns once tcpdump listens (dies after 5 s)
tcpdump_start() {
    local ns=$1 tlog=$2
    shift 2
    ip netns exec "$ns" tcpdump "$@" 2>"$tlog" &
    TCPDUMP_PID=$!
    track_pid "$TCPDUMP_PID"
    wait_for 5 _alive_or_done "$TCPDUMP_PID" grep -q "listening on" "$tlog" || true
    grep -q "listening on" "$tlog" || die "tcpdump did not start: $(cat "$tlog")"
}

# vtepd_start NS CONFIG LOG SOCKET [VTEPD-ARGS...]: $VTEPD in NS, tracked,
# its PID in VTEPD_PID; returns once it logged "forwarding:" and SOCKET
# exists ("" for none); dies when it exits first or takes over 20 s
_vtepd_ready() { grep -q "forwarding:" "$1" 2>/dev/null && { [ -z "$2" ] || [ -S "$2" ]; }; }
vtepd_start() {
    local ns=$1 conf=$2 vlog=$3 sock=$4
    shift 4
    ip netns exec "$ns" "$VTEPD" -c "$conf" "$@" >"$vlog" 2>&1 &
    VTEPD_PID=$!
    track_pid "$VTEPD_PID"
    wait_for 20 _alive_or_done "$VTEPD_PID" _vtepd_ready "$vlog" "$sock" || true
    if ! _vtepd_ready "$vlog" "$sock"; then
        kill -0 "$VTEPD_PID" 2>/dev/null || die "vtepd exited before forwarding"
        die "vtepd did not start forwarding${sock:+ and listen on $sock} within 20 s"
    fi
    [ "$(readlink "/proc/$VTEPD_PID/exe")" = "$VTEPD" ] || die "PID $VTEPD_PID is not vtepd"
}

# relay_start NS PORT TARGET LOG: socat in NS listening on 127.0.0.1:PORT,
# one child per connection relayed to the socat address TARGET (e.g.
# UNIX-CONNECT:path: path sockets cross namespaces); its PID in RELAY_PID,
# stopped with its children by relay_stop (and lab_cleanup). Returns 1 when
# it does not listen within 2.5 s.
relay_start() {
    local ns=$1 port=$2 target=$3 rlog=$4 i
    ip netns exec "$ns" socat -d "TCP-LISTEN:$port,bind=127.0.0.1,reuseaddr,fork" "$target" \
        2>>"$rlog" &
    RELAY_PID=$!
    LAB_RELAYS+=("$RELAY_PID")
    for ((i = 0; i < 50; i++)); do
        nsx "$ns" ss -Hltn "sport = :$port" 2>/dev/null | grep -q LISTEN && return 0
        kill -0 "$RELAY_PID" 2>/dev/null || return 1
        sleep 0.05
    done
    return 1
}

# relay_stop PID: the relay's children (found by parent PID) first, then
# the listener itself
relay_stop() {
    local pid=$1 kids k i keep=()
    [ -n "$pid" ] || return 0
    for k in "${LAB_RELAYS[@]}"; do
        [ "$k" = "$pid" ] || keep+=("$k")
    done
    LAB_RELAYS=("${keep[@]}")
    kids=$(pgrep -P "$pid" 2>/dev/null || true)
    for k in $kids; do kill -TERM "$k" 2>/dev/null || true; done
    stop_pid "$pid" 20 >/dev/null 2>&1 || true
    for k in $kids; do
        for ((i = 0; i < 20; i++)); do kill -0 "$k" 2>/dev/null || break; sleep 0.05; done
        kill -KILL "$k" 2>/dev/null || true
    done
}

# FRR daemons daemonize (-d): stop them by the PID in their pid file,
# checking the PID still runs an FRR binary.
stop_frr() {    # stop_frr PIDFILE
    local f=$1 pid i
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

# vtep_link NS IF MAC PEER_NS PEER_IF PEER_MAC [PEER_IP]: a veth pair from
# vtepd's namespace to a peer that feeds it: the peer's end checksums in
# software (csum_sw) and gets PEER_IP/24 when given
vtep_link() {
    veth_pair "$1" "$2" "$3" "$4" "$5" "$6"
    csum_sw "$4" "$5"
    [ -z "${7:-}" ] || ip -n "$4" addr add "$7/24" dev "$5"
}

# ns_add NAME [ipv6]: a namespace with lo up and IPv6 off (quiet captures),
# or left on when the second word is ipv6
ns_add() {
    ip netns add "$1" || die "cannot create namespace $1"
    LAB_NS+=("$1")
    if [ "${2:-}" != ipv6 ]; then
        nsx "$1" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 \
            || die "cannot disable IPv6 in $1"
    fi
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

# frr_dir DIR HOSTNAME: a directory for one router's FRR daemons, owned by
# frr (0750), with zebra.conf (hostname) and an empty vtysh.conf; the lab
# writes the other daemons' configurations into it
frr_dir() {
    mkdir -p "$1"
    printf 'hostname %s\n' "$2" >"$1/zebra.conf"
    : >"$1/vtysh.conf"
    chown frr:frr "$1" "$1/zebra.conf" "$1/vtysh.conf" 2>/dev/null
    chmod 0750 "$1"
}

# frr_start_in DIR NS DAEMON [extra args]: FRR daemon with every path under
# DIR (DIR/DAEMON.conf must exist), waits for its vty socket; stopped by
# lab_cleanup (through its pid file, last started first)
frr_start_in() {
    local dir=$1 ns=$2 d=$3 i
    shift 3
    touch "$dir/$d.log"
    chown frr:frr "$dir/$d.log" "$dir/$d.conf" 2>/dev/null
    nsx "$ns" "$FRR_DIR/$d" -d -u frr -g frr -P 0 "$@" \
        -f "$dir/$d.conf" -i "$dir/$d.pid" -z "$dir/zserv.api" --vty_socket "$dir" \
        --log "file:$dir/$d.log" >>"$WORK/frr-start.log" 2>&1 \
        || die "$d in $ns did not start: $(tail -n 3 "$WORK/frr-start.log")"
    LAB_FRR_PIDFILES+=("$dir/$d.pid")
    for ((i = 0; i < 100; i++)); do
        [ -S "$dir/$d.vty" ] && [ -s "$dir/$d.pid" ] && return 0
        sleep 0.05
    done
    die "$d in $ns: no vty socket after 5 s"
}

# frr_start NS DAEMON [extra args]: frr_start_in $RUN
frr_start() { frr_start_in "$RUN" "$@"; }

# frr_vty DIR DAEMON VTYSH-ARGS...: vtysh against the daemon in DIR only
# (its own vty directory, nothing from /etc/frr)
frr_vty() {
    local dir=$1 d=$2
    shift 2
    timeout 5 vtysh --config_dir "$dir" --vty_socket "$dir" -d "$d" "$@"
}

# csum_sw NS IFACE...: the kernel leaves checksums of locally sent UDP/TCP
# as CHECKSUM_PARTIAL on veth, and af_packet on the peer reads frames whose
# checksum was never filled in: interfaces that feed vtepd checksum in
# software (TX offload off); a note when that cannot be done
csum_sw() {
    local ns=$1 ifc
    shift
    for ifc in "$@"; do
        if ! command -v ethtool >/dev/null; then
            log "note: ethtool missing, TX checksum offload left on ($ifc)"
        elif ! nsx "$ns" ethtool -K "$ifc" tx off >/dev/null 2>&1; then
            log "note: ethtool -K $ifc tx off failed"
        fi
    done
}

# kernel_vtep NS VXLAN BRIDGE LOCAL_IP VNI PORT: a Linux VXLAN VTEP in NS:
# device VXLAN (VNI, source LOCAL_IP, port 4789, no learning) and PORT on
# BRIDGE (no multicast snooping: it would send IGMP reports over VXLAN),
# all up
kernel_vtep() {
    local ns=$1 vx=$2 br=$3 ifc
    ip -n "$ns" link add "$vx" type vxlan id "$5" local "$4" dstport 4789 nolearning \
        || die "cannot create the vxlan device $vx in $ns"
    ip -n "$ns" link add "$br" type bridge mcast_snooping 0
    ip -n "$ns" link set "$vx" master "$br"
    ip -n "$ns" link set "$6" master "$br"
    for ifc in "$vx" "$6" "$br"; do ip -n "$ns" link set "$ifc" up; done
}

# frr_require DAEMON...: skip unless FRR and its user are there
frr_require() {
    local d
    for d in "$@"; do
        [ -x "$FRR_DIR/$d" ] || skip "FRR not installed ($FRR_DIR/$d; apt-get install frr)"
    done
    getent passwd frr >/dev/null && getent group frr >/dev/null || skip "no frr user/group"
}

# tools_require TOOL...: skip unless each is on PATH
tools_require() {
    local t
    for t in "$@"; do
        command -v "$t" >/dev/null || skip "$t not found (bash scripts/install-deps)"
    done
}

# vcli SOCKET COMMAND: one vtepd CLI command, its JSON answer
vcli() { echo "$2" | timeout 5 socat -t 4 - "UNIX-CONNECT:$1"; }

# conf_head LOCAL_IP [LOG-LEVEL...]: the first lines of a lab's vtepd
# configuration: EAL without hugepages or PCI, 512 MB, lcores 0-1, our file
# prefix and the given --log-level settings; the VTEP address
conf_head() {
    local ip=$1 l
    shift
    printf 'eal: [ "--no-huge", "--no-pci", "-m", "512", "-l", "0-1", "--file-prefix", "%s"' "$P"
    for l in "$@"; do printf ',\n       "--log-level", "%s"' "$l"; done
    printf ' ]\nvtep: { local_ip: %s }\n' "$ip"
}

# conf_afp_port NAME ROLE IFACE [MAC]: a port line on af_packet (one queue
# pair, 256 frames), under "ports:"
conf_afp_port() {
    printf '  - { name: %s, role: %s,%s devargs: "net_af_packet_%s,iface=%s,qpairs=1,framecnt=256" }\n' \
        "$1" "$2" "${4:+ mac: \"$4\",}" "$1" "$3"
}

# The VXLAN labs' topology (test_kernel_vxlan.sh, test_frr_evpn.sh):
#
#   hostA --veth-- [vtepd: ac0 | ul0] --veth-- peer VTEP --veth-- hostB
#   203.0.113.1      192.0.2.1          192.0.2.2 (IF_ULK, IF_HB)  203.0.113.2
#
# vni100_names PEER_NS: the names (interfaces carry $P) and addresses;
# vni100_topology: the namespaces and links (the peer's VXLAN device and
# bridge are the lab's); conf_vni100: vtepd's configuration
vni100_names() {
    NS_VTEP="$P-vtep"
    NS_PEER=$1
    NS_A="$P-hostA"
    NS_B="$P-hostB"
    IF_UL="${P}ul"      # vtepd underlay port               (ns vtep)
    IF_ULK="${P}ulk"    # peer underlay interface           (ns peer)
    IF_AC="${P}ac"      # vtepd access port                 (ns vtep)
    IF_A="${P}a"        # hostA                             (ns hostA)
    IF_HB="${P}hb"      # peer's bridge port to hostB       (ns peer)
    IF_B="${P}b"        # hostB                             (ns hostB)
    VTEP_IP=192.0.2.1
    PEER_IP=192.0.2.2
    IP_A=203.0.113.1
    IP_B=203.0.113.2
    MAC_UL=02:00:00:00:00:01    # vtepd underlay port
    MAC_ULK=02:00:00:00:00:02   # peer underlay interface = vtepd's next hop
    MAC_AC=02:00:00:00:00:11
    MAC_HB=02:00:00:00:00:12
    MAC_A=02:00:00:00:aa:01
    MAC_B=02:00:00:00:aa:02
}

vni100_topology() {
    local ns
    for ns in "$NS_VTEP" "$NS_PEER" "$NS_A" "$NS_B"; do
        ns_add "$ns"
    done
    # vtepd's side has no addresses (the kernel stack stays off its links)
    vtep_link "$NS_VTEP" "$IF_UL" "$MAC_UL" "$NS_PEER" "$IF_ULK" "$MAC_ULK" "$PEER_IP"
    vtep_link "$NS_VTEP" "$IF_AC" "$MAC_AC" "$NS_A" "$IF_A" "$MAC_A" "$IP_A"
    veth_pair "$NS_PEER" "$IF_HB" "$MAC_HB" "$NS_B" "$IF_B" "$MAC_B"
    ip -n "$NS_B" addr add "$IP_B/24" dev "$IF_B"
}

# The BFD labs' topology (test_bfd_frr.sh, test_control_stress.sh):
#
#   [vtepd, af_packet port ul0] --veth-- [zebra + bfdd]
#    ns vtep, 192.0.2.1                   ns frr, 192.0.2.2 (vtepd's next hop)
#
# bfd_names: the names (interfaces carry $P) and addresses; bfd_topology:
# the two namespaces and the link
bfd_names() {
    NS_VTEP="$P-vtep"
    NS_FRR="$P-frr"
    IF_UL="${P}ul"      # vtepd's underlay port    (ns vtep)
    IF_FR="${P}fr"      # bfdd's interface         (ns frr)
    VTEP_IP=192.0.2.1
    FRR_IP=192.0.2.2
    MAC_UL=02:00:00:00:00:01
    MAC_FR=02:00:00:00:00:02
}

bfd_topology() {
    ns_add "$NS_VTEP"
    ns_add "$NS_FRR"
    # bfdd's UDP checksums would otherwise reach vtepd's af_packet ring
    # unfilled and be dropped as udp_checksum
    vtep_link "$NS_VTEP" "$IF_UL" "$MAC_UL" "$NS_FRR" "$IF_FR" "$MAC_FR" "$FRR_IP"
}

# conf_vni100 NH_NAME: vtepd in that topology: underlay port ul0, access
# port ac0, the peer (named NH_NAME) as its one next hop, VNI 100 on ac0
# untagged; the lab appends the rest of VNI 100 and other sections
conf_vni100() {
    conf_head "$VTEP_IP" pmd.net.af_packet:info
    echo "ports:"
    conf_afp_port ul0 underlay "$IF_UL" "$MAC_UL"
    conf_afp_port ac0 access "$IF_AC"
    printf 'underlay:\n  nexthops:\n    - { name: %s, port: ul0, ip: %s, mac: "%s" }\n' \
        "$1" "$PEER_IP" "$MAC_ULK"
    printf 'vnis:\n  - vni: 100\n    access: [ { port: ac0, vlan: untagged } ]\n'
}

# frr_bfd_peer PEER IFACE MS: bfdd's configuration block for one
# single-hop peer at MS ms x 3
frr_bfd_peer() {
    printf 'bfd\n peer %s interface %s\n  detect-multiplier 3\n  receive-interval %s\n' "$1" "$2" "$3"
    printf '  transmit-interval %s\n exit\nexit\n' "$3"
}

# json_ok FILE: a non-empty, valid JSON file; jq_true FILE EXPR: EXPR holds
json_ok() { [ -s "$1" ] && jq -e . "$1" >/dev/null 2>&1; }
jq_true() { jq -e "$2" "$1" >/dev/null; }

# ping_first NS DST [TRIES]: one ping (1 s) at a time until one is answered,
# at most TRIES (10); the attempts made in PING_TRIES
ping_first() {
    local ns=$1 dst=$2 max=${3:-10}
    PING_TRIES=0
    while [ "$PING_TRIES" -lt "$max" ]; do
        PING_TRIES=$((PING_TRIES + 1))
        nsx "$ns" ping -c 1 -W 1 "$dst" >/dev/null 2>&1 && return 0
    done
    return 1
}

# ping_all NS DST: 5 echo requests 0.2 s apart, every one answered (prints
# ping's summary line)
ping_all() {
    local out
    out=$(nsx "$1" ping -c 5 -i 0.2 -W 1 "$2" 2>&1) || true
    log "$out" | sed -n '/packets transmitted/p'
    grep -q "5 packets transmitted, 5 received" <<<"$out"
}

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
    trap '' INT TERM    # a signal now would leave processes and namespaces behind
    if [ "$SUMMARY" -eq 0 ] && [ "$rc" -ne 0 ] && [ "$rc" -ne 77 ]; then
        FAIL=$((FAIL + 1))     # a setup command failed (set -e) or we were interrupted
        log "FAIL: aborted (exit status $rc)"
        diagnostics
        log "$PASS passed, $FAIL failed"
    fi
    local i pids=("${LAB_PIDS[@]}") relays=("${LAB_RELAYS[@]}")
    for ((i = ${#relays[@]} - 1; i >= 0; i--)); do
        relay_stop "${relays[$i]}"
    done
    for ((i = ${#LAB_FRR_PIDFILES[@]} - 1; i >= 0; i--)); do
        stop_frr "${LAB_FRR_PIDFILES[$i]}"
    done
    for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
        stop_pid "${pids[$i]}" 50 >/dev/null 2>&1
    done
    [ -n "${P:-}" ] && rm -rf "/var/run/dpdk/$P" 2>/dev/null
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
            log "kept $WORK${KEEP_NOTE:+ ($KEEP_NOTE)}"
        fi
    fi
    exit $rc
}
