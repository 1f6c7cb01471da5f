#!/usr/bin/env bash
# Namespace interop test: vtepd learns its remote MACs and flood list from
# FRR over BMP (RFC 7854), and forwards with them.
#
#   hostA --veth-- [vtepd]    --underlay veth--  leaf  --veth-- hostB
#   203.0.113.1    192.0.2.1                     192.0.2.2      203.0.113.2
#                    ^ feed.sock (Unix)          zebra+bgpd, br100+vxlan100
#                    |                           198.51.100.1
#                  socat relay (ns rr)             | iBGP, l2vpn evpn
#                    ^ BMP over TCP 127.0.0.1:P    |
#                  bgpd -M bmp (ns rr) ----------- 198.51.100.2
#
# The leaf is a kernel EVPN VTEP run by FRR (zebra + bgpd, advertise-all-vni):
# it originates a type-3 (IMET) route for VNI 100 and type-2 (MAC, MAC/IP)
# routes for hostB. A second bgpd ("rr"), its iBGP peer, streams its
# pre-policy Adj-RIB-In over BMP to 127.0.0.1:P, where socat relays it to
# vtepd's feed socket (path sockets cross namespaces). vtepd has NO static
# MACs and NO static flood list: everything it knows about the leaf comes
# from EVPN.
#
# vtepd does not advertise its own MACs yet, so the leaf gets a static
# "flood toward vtepd" entry (00:00:00:00:00:00 dst 192.0.2.1): that is only
# the return path; the routes vtepd learns are the thing under test.
#
# Checks:
#  1. vtepd learns hostB's MAC (type remote, vtep 192.0.2.2) and the flood
#     entry 192.0.2.2 for VNI 100 over BMP; latency from the rr's BGP session
#     becoming Established.
#  2. pings hostA <-> hostB both ways.
#  3. withdrawal: hostB's bridge port down -> the MAC leaves vtepd (measured
#     from the withdrawal seen on the BMP session, and from the link change);
#     port up -> re-learned.
#  4. feed restart: the socat relay is killed and restarted during a 50 ms
#     ping; bgpd reconnects and re-sends its table and End-of-RIB; no ping is
#     lost, stale paths keep forwarding meanwhile, and a route withdrawn while
#     the feed was down is swept at End-of-RIB.
#  5. SIGTERM: vtepd exits 0, stats JSON shows mempool.in_use == 0.
#
# usage: test_frr_evpn.sh [path/to/vtepd]      (root; exit 77 = skipped)
#        KEEP_WORK=1 keeps the work dir (logs, capture) after a passing run
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
VTEPD=$(readlink -f "${1:-$HERE/../../build/vtepd}")
T0=$(date +%s.%N)

FRR_DIR=/usr/lib/frr
FRR_MODDIR=/usr/lib/x86_64-linux-gnu/frr/modules

# ---- names and addresses (everything carries the per-run prefix) ----
P="fe$$"
NS_VTEP="$P-vtep"
NS_LEAF="$P-leaf"
NS_RR="$P-rr"
NS_A="$P-hostA"
NS_B="$P-hostB"
ALL_NS=("$NS_VTEP" "$NS_LEAF" "$NS_RR" "$NS_A" "$NS_B")
IF_UL="${P}ul"      # vtepd underlay port               (ns vtep)
IF_ULK="${P}ulk"    # leaf underlay interface           (ns leaf)
IF_AC="${P}ac"      # vtepd access port                 (ns vtep)
IF_A="${P}a"        # hostA                             (ns hostA)
IF_HB="${P}hb"      # leaf bridge port to hostB         (ns leaf)
IF_B="${P}b"        # hostB                             (ns hostB)
IF_LR="${P}lr"      # leaf side of the BGP link         (ns leaf)
IF_RL="${P}rl"      # rr side of the BGP link           (ns rr)
BR="${P}br100"      # leaf bridge                       (ns leaf)
VX="${P}vx100"      # leaf vxlan device, VNI 100        (ns leaf)

VTEP_IP=192.0.2.1
LEAF_IP=192.0.2.2          # leaf VTEP address and BGP router-id
LEAF_BGP=198.51.100.1
RR_BGP=198.51.100.2
BR_IP=203.0.113.254        # the leaf's address on br100 (for MAC/IP routes)
IP_A=203.0.113.1
IP_B=203.0.113.2
MAC_UL=02:00:00:00:00:01   # vtepd underlay port
MAC_ULK=02:00:00:00:00:02  # leaf underlay interface = vtepd's next hop
MAC_AC=02:00:00:00:00:11
MAC_HB=02:00:00:00:00:12
MAC_LR=02:00:00:00:00:21
MAC_RL=02:00:00:00:00:22
MAC_A=02:00:00:00:aa:01
MAC_B=02:00:00:00:aa:02
MAC_G=02:00:00:00:aa:03    # "ghost": a static fdb entry removed while the feed is down
BMP_PORT=11019            # inside ns rr only: no clash with anything else
ASN=65000

PASS=0
FAIL=0
VTEPD_PID=
TCPDUMP_PID=
SOCAT_PID=
PING_PID=
POLL_PID=
WORK=
RUN=
SUMMARY=0   # 1 once the final "N passed, M failed" line is printed

log() { printf '%s\n' "$*"; }
pass() { PASS=$((PASS + 1)); log "PASS: $*"; }
fail() { FAIL=$((FAIL + 1)); log "FAIL: $*"; }
check() {   # check "description" command...
    local what=$1
    shift
    if "$@"; then pass "$what"; else fail "$what"; fi
}
now() { date +%s.%N; }
elapsed() { awk -v a="$T0" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }
ms_between() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.0f", (b - a) * 1000 }'; }

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

# The relay: socat with fork. Its children (one per BMP session) are found
# by parent PID and stopped first, then the listener itself.
stop_relay() {
    local pid=$1 kids
    [ -n "$pid" ] || return 0
    kids=$(pgrep -P "$pid" 2>/dev/null || true)
    for k in $kids; do kill -TERM "$k" 2>/dev/null || true; done
    stop_pid "$pid" 20 >/dev/null 2>&1 || true
    for k in $kids; do
        for ((i = 0; i < 20; i++)); do kill -0 "$k" 2>/dev/null || break; sleep 0.05; done
        kill -KILL "$k" 2>/dev/null || true
    done
}

# FRR daemons daemonize (-d): stop them by the PID in their pid file,
# checking the PID still runs that daemon.
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

diagnostics() {
    [ -n "$WORK" ] || return 0
    log "=== diagnostics"
    if [ -S "$RUN/cli.sock" ]; then
        log "--- vtepd: show evpn"
        vcli "show evpn" 2>&1 | head -n 60 || true
        log "--- vtepd: show macs"
        vcli "show macs" 2>&1 | head -n 30 || true
    fi
    for side in leaf rr; do
        if [ -S "$RUN/$side/bgpd.vty" ]; then
            log "--- $side: show bgp l2vpn evpn summary / route"
            vty "$side" "show bgp l2vpn evpn summary" 2>&1 | tail -n 8 || true
            vty "$side" "show bgp l2vpn evpn route" 2>&1 | head -n 40 || true
        fi
    done
    if [ -S "$RUN/rr/bgpd.vty" ]; then
        log "--- rr: show bmp"
        vty rr "show bmp" 2>&1 | head -n 40 || true
    fi
    [ -f "$WORK/vtepd.log" ] && { log "--- vtepd.log (tail)"; tail -n 40 "$WORK/vtepd.log"; }
    for f in "$RUN"/leaf/zebra.log "$RUN"/leaf/bgpd.log "$RUN"/rr/bgpd.log; do
        [ -f "$f" ] && { log "--- $f (tail)"; tail -n 25 "$f"; }
    done
    [ -f "$WORK/socat.log" ] && { log "--- socat.log (tail)"; tail -n 10 "$WORK/socat.log"; }
    return 0
}

cleanup() {
    local rc=$?
    set +e
    if [ "$SUMMARY" -eq 0 ] && [ "$rc" -ne 0 ] && [ "$rc" -ne 77 ]; then
        FAIL=$((FAIL + 1))     # a setup command failed (set -e) or we were interrupted
        log "FAIL: aborted (exit status $rc)"
        diagnostics
        log "$PASS passed, $FAIL failed"
    fi
    stop_pid "$PING_PID" 10 >/dev/null 2>&1
    stop_pid "$POLL_PID" 10 >/dev/null 2>&1
    stop_relay "$SOCAT_PID"
    if [ -n "$RUN" ]; then
        for side in rr leaf; do
            stop_frr "$RUN/$side/bgpd.pid"
            stop_frr "$RUN/$side/zebra.pid"
        done
    fi
    stop_pid "$TCPDUMP_PID" 20 >/dev/null 2>&1
    stop_pid "$VTEPD_PID" 50 >/dev/null 2>&1
    PING_PID='' POLL_PID='' SOCAT_PID='' TCPDUMP_PID='' VTEPD_PID=''
    # EAL's runtime files for our --file-prefix
    rm -rf "/var/run/dpdk/$P" 2>/dev/null
    for ns in "${ALL_NS[@]}"; do
        if [ -e "/run/netns/$ns" ]; then
            for ifc in $(ip -n "$ns" -o link show 2>/dev/null | awk -F': ' '{ print $2 }' | cut -d@ -f1); do
                [ "$ifc" = lo ] || ip -n "$ns" link del "$ifc" 2>/dev/null
            done
            ip netns del "$ns" 2>/dev/null
        fi
    done
    if [ -n "$WORK" ] && [ -d "$WORK" ]; then
        if [ "$FAIL" -eq 0 ] && [ "$rc" -eq 0 ] && [ -z "${KEEP_WORK:-}" ]; then
            rm -rf "$WORK"
        else
            log "kept $WORK (vtepd.log, stats.json, rr.pcap (BGP+BMP), run/{leaf,rr}/*.log)"
        fi
    fi
    exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---- prerequisites ----
skip() { log "SKIP: $*"; exit 77; }
[ "$(id -u)" -eq 0 ] || skip "needs root (network namespaces)"
for d in zebra bgpd; do
    [ -x "$FRR_DIR/$d" ] || skip "FRR not installed ($FRR_DIR/$d; apt-get install frr)"
done
[ -f "$FRR_MODDIR/bgpd_bmp.so" ] || skip "FRR's BMP module is missing ($FRR_MODDIR/bgpd_bmp.so)"
getent passwd frr >/dev/null && getent group frr >/dev/null || skip "no frr user/group"
for tool in vtysh ip bridge ping jq timeout socat tcpdump tshark pgrep python3; do
    command -v "$tool" >/dev/null || skip "$tool not found (bash scripts/install-deps)"
done
[ -x "$VTEPD" ] || { log "FAIL: vtepd binary not found: $VTEPD"; log "0 passed, 1 failed"; SUMMARY=1; exit 1; }
HAVE_ETHTOOL=1
command -v ethtool >/dev/null || { HAVE_ETHTOOL=0; log "note: ethtool missing, veth TX checksum offload left on"; }
WORK=$(mktemp -d /tmp/vtepd-frr.XXXXXX)
# FRR drops to user frr: it must reach its run dir through $WORK
chmod 0755 "$WORK"
RUN="$WORK/run"
mkdir -p "$RUN"

# Setup failures end the test through this.
die() {
    fail "$*"
    diagnostics
    log "$PASS passed, $FAIL failed"
    SUMMARY=1
    exit 1
}

nsx() { local ns=$1; shift; ip netns exec "$ns" "$@"; }
# vtysh against one side's daemons (only its own vty dir, no /etc/frr)
vty() {     # vty leaf|rr COMMAND
    timeout 5 vtysh --config_dir "$RUN/$1" --vty_socket "$RUN/$1" -d bgpd -c "$2"
}
# vtepd's CLI: one command, JSON back
vcli() { echo "$1" | timeout 3 socat -t 2 - "UNIX-CONNECT:$RUN/cli.sock"; }

# Timing poller: one process querying vtepd's CLI every INTERVAL seconds
# (a shell loop of socat + jq takes ~80 ms a round on 2 busy cores).
# Prints "ready" after its first round (python may take a second to
# start: start it, wait for that, then cause the event), then "COND EPOCH"
# for each condition when a query first finds it true (the time the answer
# arrived), "COND -" if never; exit 0 when all held.
#   mac:MAC:VTEP   show macs has MAC, type remote, via VTEP
#   nomac:MAC      show macs does not list MAC
#   flood:VNI:VTEP show evpn's flood list of VNI has VTEP
cat >"$WORK/poll.py" <<'PYEOF'
import json, socket, sys, time
sock, timeout, interval, conds = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), sys.argv[4:]
def query(cmd):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(2)
    try:
        s.connect(sock)
        s.sendall(cmd.encode() + b"\n")
        buf = b""
        while True:
            d = s.recv(65536)
            if not d:
                break
            buf += d
        return json.loads(buf)
    except (OSError, ValueError):
        return None
    finally:
        s.close()
def holds(c, macs, evpn):
    f = c.split(":", 1)
    if f[0] == "mac":
        mac, vtep = f[1].rsplit(":", 1)
        return macs is not None and any(m.get("mac") == mac and m.get("type") == "remote"
                                        and m.get("vtep") == vtep for m in macs["macs"])
    if f[0] == "nomac":
        return macs is not None and all(m.get("mac") != f[1] for m in macs["macs"])
    if f[0] == "flood":
        vni, vtep = f[1].split(":", 1)
        return evpn is not None and vtep in evpn["rib"]["flood"].get(vni, [])
    raise SystemExit("unknown condition " + c)
seen = {}
end = time.time() + timeout
first = True
while len(seen) < len(conds) and time.time() < end:
    need = [c for c in conds if c not in seen]
    macs = query("show macs") if any(not c.startswith("flood") for c in need) else None
    evpn = query("show evpn") if any(c.startswith("flood") for c in need) else None
    t = time.time()
    for c in need:
        if holds(c, macs, evpn):
            seen[c] = t
    if first:
        print("ready", flush=True)
        first = False
    if len(seen) < len(conds):
        time.sleep(interval)
for c in conds:
    print(c, "%.6f" % seen[c] if c in seen else "-")
sys.exit(0 if len(seen) == len(conds) else 1)
PYEOF
PY=python3
[ -x /usr/bin/python3 ] && PY=/usr/bin/python3     # not a version-manager shim
poll_start() {  # poll_start NAME TIMEOUT_S COND...: in the background, ready when it returns
    local name=$1
    shift
    "$PY" "$WORK/poll.py" "$RUN/cli.sock" "$1" 0.01 "${@:2}" >"$WORK/poll-$name.out" 2>&1 &
    POLL_PID=$!
    for ((i = 0; i < 100; i++)); do
        grep -q '^ready' "$WORK/poll-$name.out" 2>/dev/null && return 0
        kill -0 "$POLL_PID" 2>/dev/null || break
        sleep 0.05
    done
    return 1
}
poll_wait() {   # poll_wait NAME: wait for the poller (not in a subshell), results in $out
    wait "$POLL_PID" 2>/dev/null || true
    POLL_PID=
    out=$(cat "$WORK/poll-$1.out")
}
# poll_get OUTPUT COND: the time printed for COND, or empty
poll_get() { awk -v c="$2" '$1 == c && $2 != "-" { print $2 }' <<<"$1"; }

# ---- topology ----
for ns in "${ALL_NS[@]}"; do
    ip netns add "$ns" || die "cannot create namespace $ns"
    # before any link exists there, so none ever gets an IPv6 address
    nsx "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 \
        || die "cannot disable IPv6 in $ns"
    ip -n "$ns" link set lo up
done

veth() {    # veth NS1 IF1 MAC1 NS2 IF2 MAC2
    ip link add "$2" address "$3" netns "$1" type veth peer name "$5" address "$6" netns "$4" \
        || die "cannot create veth $2/$5"
    nsx "$1" sysctl -qw "net.ipv6.conf.$2.disable_ipv6=1"
    nsx "$4" sysctl -qw "net.ipv6.conf.$5.disable_ipv6=1"
}
veth "$NS_VTEP" "$IF_UL" "$MAC_UL" "$NS_LEAF" "$IF_ULK" "$MAC_ULK"
veth "$NS_VTEP" "$IF_AC" "$MAC_AC" "$NS_A" "$IF_A" "$MAC_A"
veth "$NS_LEAF" "$IF_HB" "$MAC_HB" "$NS_B" "$IF_B" "$MAC_B"
veth "$NS_LEAF" "$IF_LR" "$MAC_LR" "$NS_RR" "$IF_RL" "$MAC_RL"

# Locally sent UDP leaves veth with CHECKSUM_PARTIAL; af_packet on the peer
# would read frames whose checksum was never filled in. Checksum in software
# on the interfaces that feed vtepd.
if [ "$HAVE_ETHTOOL" -eq 1 ]; then
    nsx "$NS_LEAF" ethtool -K "$IF_ULK" tx off >/dev/null 2>&1 || log "note: ethtool -K $IF_ULK tx off failed"
    nsx "$NS_A" ethtool -K "$IF_A" tx off >/dev/null 2>&1 || log "note: ethtool -K $IF_A tx off failed"
fi

# vtepd's side: links up, no addresses
ip -n "$NS_VTEP" link set "$IF_UL" up
ip -n "$NS_VTEP" link set "$IF_AC" up

# leaf: underlay (its VTEP address on the link to vtepd, as in
# test_kernel_vxlan.sh), the BGP link to rr, VNI 100 on a bridge
ip -n "$NS_LEAF" addr add "$LEAF_IP/24" dev "$IF_ULK"
ip -n "$NS_LEAF" link set "$IF_ULK" up
ip -n "$NS_LEAF" addr add "$LEAF_BGP/24" dev "$IF_LR"
ip -n "$NS_LEAF" link set "$IF_LR" up
ip -n "$NS_LEAF" link add "$VX" type vxlan id 100 local "$LEAF_IP" dstport 4789 nolearning \
    || die "cannot create the leaf's vxlan device"
# no multicast snooping: the bridge would send IGMP reports over VXLAN
ip -n "$NS_LEAF" link add "$BR" type bridge mcast_snooping 0
ip -n "$NS_LEAF" link set "$VX" master "$BR"
ip -n "$NS_LEAF" link set "$IF_HB" master "$BR"
ip -n "$NS_LEAF" addr add "$BR_IP/24" dev "$BR"
for ifc in "$VX" "$IF_HB" "$BR"; do ip -n "$NS_LEAF" link set "$ifc" up; done
# Return path only: vtepd does not advertise its own MACs (no type-2/3 from
# vtepd yet), so the leaf floods unknown unicast/BUM toward vtepd's VTEP.
bridge -n "$NS_LEAF" fdb append 00:00:00:00:00:00 dev "$VX" dst "$VTEP_IP" \
    || die "cannot add the leaf's flood entry toward vtepd"

# rr: the BGP link, and a route to the leaf's VTEP so its next hops resolve
ip -n "$NS_RR" addr add "$RR_BGP/24" dev "$IF_RL"
ip -n "$NS_RR" link set "$IF_RL" up
ip -n "$NS_RR" route add 192.0.2.0/24 via "$LEAF_BGP"

# the two hosts
ip -n "$NS_A" addr add "$IP_A/24" dev "$IF_A"
ip -n "$NS_A" link set "$IF_A" up
ip -n "$NS_B" addr add "$IP_B/24" dev "$IF_B"
ip -n "$NS_B" link set "$IF_B" up

# hostB talks to the leaf's bridge address: its MAC in the bridge fdb, its
# ARP entry on br100 -> zebra has a local MAC and MAC/IP for VNI 100.
ready=0
for ((i = 0; i < 10; i++)); do
    if nsx "$NS_B" ping -c 1 -W 1 "$BR_IP" >/dev/null 2>&1; then ready=1; break; fi
done
[ "$ready" -eq 1 ] || die "hostB cannot reach the leaf's bridge address $BR_IP"

# ---- vtepd ----
cat >"$WORK/vtepd.yaml" <<EOF
# generated by tests/netns/test_frr_evpn.sh
eal: [ "--no-huge", "--no-pci", "-m", "512", "-l", "0-1", "--file-prefix", "$P",
       "--log-level", "pmd.net.af_packet:info" ]
vtep:
  local_ip: $VTEP_IP
ports:
  - { name: ul0, role: underlay, mac: "$MAC_UL",
      devargs: "net_af_packet0,iface=$IF_UL,qpairs=1,framecnt=256" }
  - { name: ac0, role: access,
      devargs: "net_af_packet1,iface=$IF_AC,qpairs=1,framecnt=256" }
underlay:
  nexthops:
    - { name: leaf, port: ul0, ip: $LEAF_IP, mac: "$MAC_ULK" }
vnis:
  - vni: 100
    access: [ { port: ac0, vlan: untagged } ]
control:
  feed_socket: $RUN/feed.sock
  cli_socket: $RUN/cli.sock
  feed_stale_s: 30
EOF

# Background jobs run "ip netns exec" directly, never through a shell
# function: ip execs the command, so $! is the PID of the program itself.
# --duration: a fail-safe so vtepd never outlives the test
ip netns exec "$NS_VTEP" "$VTEPD" -c "$WORK/vtepd.yaml" --duration 150000 \
    --stats-json "$WORK/stats.json" >"$WORK/vtepd.log" 2>&1 &
VTEPD_PID=$!
for ((i = 0; i < 150; i++)); do
    grep -q "forwarding:" "$WORK/vtepd.log" 2>/dev/null && [ -S "$RUN/cli.sock" ] && break
    kill -0 "$VTEPD_PID" 2>/dev/null || break
    sleep 0.1
done
if ! grep -q "forwarding:" "$WORK/vtepd.log"; then
    kill -0 "$VTEPD_PID" 2>/dev/null || die "vtepd exited before forwarding"
    die "vtepd did not start forwarding within 15 s"
fi
[ "$(readlink "/proc/$VTEPD_PID/exe")" = "$VTEPD" ] || die "PID $VTEPD_PID is not vtepd"
[ -S "$RUN/feed.sock" ] || die "vtepd does not listen on its feed socket $RUN/feed.sock (no EVPN feed server in this build?)"
[ -S "$RUN/cli.sock" ] || die "vtepd does not listen on its CLI socket $RUN/cli.sock"
vcli "show evpn" | jq -e '.rib.counters' >/dev/null 2>&1 || die "vtepd's CLI has no 'show evpn' with a RIB"
pass "vtepd forwarding, feed and CLI sockets up ($(elapsed) s)"

# ---- the BMP relay (ns rr); BGP and BMP captured in ns rr ----
# One capture of both sessions: BGP leaf -> rr on the link, BMP rr ->
# relay on loopback. Its timestamps split the latencies measured below.
CAP="$WORK/rr.pcap"
ip netns exec "$NS_RR" tcpdump -i any -n -U --immediate-mode -s 0 -w "$CAP" \
    "tcp port $BMP_PORT or tcp port 179" 2>"$WORK/tcpdump.log" &
TCPDUMP_PID=$!
for ((i = 0; i < 50; i++)); do
    grep -q "listening on" "$WORK/tcpdump.log" 2>/dev/null && break
    kill -0 "$TCPDUMP_PID" 2>/dev/null || break
    sleep 0.1
done
grep -q "listening on" "$WORK/tcpdump.log" || die "tcpdump did not start: $(cat "$WORK/tcpdump.log")"

start_relay() {
    ip netns exec "$NS_RR" socat -d \
        "TCP-LISTEN:$BMP_PORT,bind=127.0.0.1,reuseaddr,fork" "UNIX-CONNECT:$RUN/feed.sock" \
        2>>"$WORK/socat.log" &
    SOCAT_PID=$!
    for ((i = 0; i < 50; i++)); do
        nsx "$NS_RR" ss -Hltn "sport = :$BMP_PORT" 2>/dev/null | grep -q LISTEN && return 0
        kill -0 "$SOCAT_PID" 2>/dev/null || return 1
        sleep 0.05
    done
    return 1
}
start_relay || die "socat relay did not listen on 127.0.0.1:$BMP_PORT in $NS_RR"

# ---- what vtepd and the capture say ----
mac_b=${MAC_B,,}
# cap_time first|last FILTER: epoch time of the first/last matching frame
cap_time() {
    local pick=head
    [ "$1" = last ] && pick=tail
    tshark -r "$CAP" -n -d "tcp.port==$BMP_PORT,bmp" -Y "$2" -T fields -e frame.time_epoch \
        2>/dev/null | "$pick" -n 1 || true
}
EVPN_REACH="bgp.update.path_attribute.mp_reach_nlri.afi == 25"
EVPN_UNREACH="bgp.update.path_attribute.mp_unreach_nlri.afi == 25"
BGP_REACH="tcp.port == 179 && ip.src == $LEAF_BGP && $EVPN_REACH"
BMP_REACH="tcp.dstport == $BMP_PORT && $EVPN_REACH"
BMP_WITHDRAW="tcp.dstport == $BMP_PORT && $EVPN_UNREACH && bgp.evpn.nlri.mac_addr == ${MAC_B,,}"
have_mac() {    # have_mac MAC: a remote entry via the leaf in show macs
    vcli "show macs" | jq -e --arg m "$1" --arg v "$LEAF_IP" \
        'any(.macs[]; .vni == 100 and .mac == $m and .type == "remote" and .vtep == $v)' >/dev/null 2>&1
}
no_mac() {      # no_mac MAC: not in show macs at all (the CLI answered)
    vcli "show macs" | jq -e --arg m "$1" 'all(.macs[]; .mac != $m)' >/dev/null 2>&1
}
have_flood() {
    vcli "show evpn" | jq -e --arg v "$LEAF_IP" \
        '(.rib.flood["100"] // []) | any(. == $v)' >/dev/null 2>&1
}

# ---- FRR ----
# Every path explicit, under $RUN/<side>, owned by frr; nothing in /etc/frr
# or /var/run/frr is touched, the running config is never written.
frr_dir() {     # frr_dir SIDE: the daemons' directory with empty log files
    local d="$RUN/$1"
    mkdir -p "$d"
    touch "$d/zebra.log" "$d/bgpd.log"
    printf 'hostname %s-%s\n' "$P" "$1" >"$d/zebra.conf"
    : >"$d/vtysh.conf"
}
frr_dir leaf
frr_dir rr
cat >"$RUN/leaf/bgpd.conf" <<EOF
hostname $P-leaf
router bgp $ASN
 bgp router-id $LEAF_IP
 bgp log-neighbor-changes
 no bgp default ipv4-unicast
 coalesce-time 0
 timers bgp 3 9
 neighbor $RR_BGP remote-as $ASN
 neighbor $RR_BGP timers connect 1
 address-family l2vpn evpn
  neighbor $RR_BGP activate
  advertise-all-vni
 exit-address-family
exit
EOF
cat >"$RUN/rr/bgpd.conf" <<EOF
hostname $P-rr
router bgp $ASN
 bgp router-id $RR_BGP
 bgp log-neighbor-changes
 no bgp default ipv4-unicast
 coalesce-time 0
 timers bgp 3 9
 neighbor $LEAF_BGP remote-as $ASN
 neighbor $LEAF_BGP timers connect 1
 address-family l2vpn evpn
  neighbor $LEAF_BGP activate
  neighbor $LEAF_BGP soft-reconfiguration inbound
 exit-address-family
 bmp targets coll
  bmp monitor l2vpn evpn pre-policy
  bmp connect 127.0.0.1 port $BMP_PORT min-retry 100 max-retry 1000
 exit
exit
EOF
chown -R frr:frr "$RUN/leaf" "$RUN/rr"
chmod 0750 "$RUN/leaf" "$RUN/rr"

frr_start() {   # frr_start SIDE NS DAEMON [extra args]
    local side=$1 ns=$2 d=$3 dir="$RUN/$1"
    shift 3
    nsx "$ns" "$FRR_DIR/$d" -d -u frr -g frr -P 0 "$@" \
        -f "$dir/$d.conf" -i "$dir/$d.pid" -z "$dir/zserv.api" --vty_socket "$dir" \
        --log "file:$dir/$d.log" >>"$WORK/frr-start.log" 2>&1 \
        || die "$side $d did not start: $(tail -n 3 "$WORK/frr-start.log")"
    for ((i = 0; i < 100; i++)); do
        [ -S "$dir/$d.vty" ] && [ -s "$dir/$d.pid" ] && return 0
        sleep 0.05
    done
    die "$side $d: no vty socket after 5 s"
}

# ---- 1. vtepd learns hostB's MAC and the leaf's flood entry over BMP ----
# vtepd is polled from before bgpd starts; the first time each entry is seen.
poll_start learn 10 "mac:$mac_b:$LEAF_IP" "flood:100:$LEAF_IP" || die "CLI poller did not start"
frr_start leaf "$NS_LEAF" zebra
frr_start rr "$NS_RR" zebra
T_BGPD=$(now)
frr_start leaf "$NS_LEAF" bgpd
frr_start rr "$NS_RR" bgpd -M bmp
poll_wait learn
T_MAC=$(poll_get "$out" "mac:$mac_b:$LEAF_IP")
T_FLOOD=$(poll_get "$out" "flood:100:$LEAF_IP")

# the leaf's session, as seen by the rr
rr_nbr() { vty rr "show bgp neighbors $LEAF_BGP json" 2>/dev/null; }
est=0
for ((i = 0; i < 100; i++)); do
    st=$(rr_nbr | jq -r --arg n "$LEAF_BGP" '.[$n].bgpState // empty' 2>/dev/null || true)
    [ "$st" = Established ] && { est=1; break; }
    sleep 0.05
done
[ "$est" -eq 1 ] || die "rr's BGP session to the leaf not Established within 15 s of bgpd's start (state '$st')"
T_EST_SEEN=$(now)

# When the session became Established at the rr: the leaf's first KEEPALIVE
# in the capture (bgpTimerUpMsec in FRR's JSON has 1 s resolution). vtepd
# had an entry by the end of the first poll (every ~10 ms) that saw it.
sleep 0.2   # let tcpdump flush (-U) the frames
T_EST=$(cap_time first "tcp.port == 179 && ip.src == $LEAF_BGP && bgp.type == 4")
T_EST=${T_EST:-$T_EST_SEEN}
rel() { if [ -n "$1" ]; then ms_between "$T_EST" "$1"; else echo "?"; fi; }
pass "FRR: leaf <-> rr iBGP l2vpn evpn Established ($(ms_between "$T_BGPD" "$T_EST") ms after starting bgpd)"
LEARN_MS="?"
if [ -n "$T_MAC" ] && [ -n "$T_FLOOD" ]; then
    LEARN_MS=$(awk -v a="$(rel "$T_MAC")" -v b="$(rel "$T_FLOOD")" 'BEGIN { print (a > b ? a : b) }')
fi
log "learn timeline (ms after Established at the rr):" \
    "leaf UPDATE type-3 $(rel "$(cap_time first "$BGP_REACH && bgp.evpn.nlri.rt == 3")")," \
    "type-2 $(rel "$(cap_time first "$BGP_REACH && bgp.evpn.nlri.mac_addr == $mac_b")");" \
    "BMP session open $(rel "$(cap_time first "tcp.port == $BMP_PORT && tcp.flags.syn == 1")")," \
    "type-3 $(rel "$(cap_time first "$BMP_REACH && bgp.evpn.nlri.rt == 3")")," \
    "type-2 $(rel "$(cap_time first "$BMP_REACH && bgp.evpn.nlri.mac_addr == $mac_b")");" \
    "vtepd flood entry $(rel "$T_FLOOD"), MAC $(rel "$T_MAC")"
F1=$FAIL
check "1a. vtepd: $MAC_B remote via $LEAF_IP in VNI 100 (show macs), from EVPN" have_mac "$mac_b"
check "1b. vtepd: flood list of VNI 100 has $LEAF_IP (show evpn)" have_flood
EV=$(vcli "show evpn" 2>/dev/null || true)
best_ok() {
    jq -e --arg m "$mac_b" --arg v "$LEAF_IP" --arg p "$LEAF_BGP" \
        'any(.rib.best[]; .vni == 100 and .mac == $m and .vtep == $v and .peer == $p)' <<<"$EV" >/dev/null 2>&1
}
check "1c. RIB best path for $MAC_B: VNI 100 -> $LEAF_IP, peer $LEAF_BGP (feed $(jq -r '.feeds[0].name // "?"' <<<"$EV" 2>/dev/null))" best_ok
log "learn latency: ${LEARN_MS} ms after the rr's session to the leaf was Established"
log "RIB: $(jq -c '.rib.counters | {paths, type2_paths, type3_paths, unresolved, stale}' <<<"$EV" 2>/dev/null || true)"
# everything below needs these routes
[ "$FAIL" -eq "$F1" ] || die "stopping: vtepd did not learn the leaf's routes over BMP (rr.pcap in the work dir has the BMP stream)"

# ---- 2. pings both ways ----
ready=0 tries=0
while [ "$tries" -lt 10 ]; do
    tries=$((tries + 1))
    if nsx "$NS_A" ping -c 1 -W 1 "$IP_B" >/dev/null 2>&1; then ready=1; break; fi
done
check "2a. first hostA->hostB reply ($tries attempt(s))" test "$ready" -eq 1
ping_all() {    # ping_all NS DST: 5 echo requests, every one answered
    local out
    out=$(nsx "$1" ping -c 5 -i 0.2 -W 1 "$2" 2>&1) || true
    log "$out" | sed -n '/packets transmitted/p'
    grep -q "5 packets transmitted, 5 received" <<<"$out"
}
check "2b. hostA ping hostB: 5/5 replies" ping_all "$NS_A" "$IP_B"
check "2c. hostB ping hostA: 5/5 replies" ping_all "$NS_B" "$IP_A"

# ---- 3. withdrawal and re-learning ----
# Taking hostB's bridge port down flushes its fdb entries; zebra deletes the
# local MAC and bgpd withdraws both type-2 routes (MAC and MAC/IP: zebra
# withdraws the MAC/IP route too, although the ARP entry on br100 stays).
have_mac "$mac_b" || die "$MAC_B is not in vtepd before the withdrawal test"
poll_start withdraw 5 "nomac:$mac_b" || die "CLI poller did not start"
T_DOWN=$(now)
ip -n "$NS_LEAF" link set "$IF_HB" down
poll_wait withdraw
T_GONE=$(poll_get "$out" "nomac:$mac_b")
gone=0
[ -n "$T_GONE" ] && gone=1
# the poller's first round ran before the port went down
[ "$gone" -eq 1 ] && [ "$(ms_between "$T_DOWN" "$T_GONE")" -lt 0 ] && die "$MAC_B left vtepd before its port went down"
# when the withdrawal of hostB's MAC went out on the BMP session (first frame after the port change)
sleep 0.2   # let tcpdump flush (-U) the frames
T_WD=$(cap_time first "$BMP_WITHDRAW && frame.time_epoch >= $T_DOWN")
if [ "$gone" -eq 1 ]; then
    WD_LINK_MS=$(ms_between "$T_DOWN" "$T_GONE")
    if [ -n "$T_WD" ]; then
        WD_MS=$(ms_between "$T_WD" "$T_GONE")
        log "withdrawal: MAC gone from vtepd ${WD_MS} ms after the BMP withdrawal, ${WD_LINK_MS} ms after the port went down"
        check "3a. $MAC_B removed within 1 s of its withdrawal on the BMP session (${WD_MS} ms)" \
            test "$WD_MS" -le 1000
    else
        log "withdrawal: no BMP withdrawal frame found in the capture; MAC gone ${WD_LINK_MS} ms after the port went down"
        check "3a. $MAC_B removed within 1 s of the port going down (${WD_LINK_MS} ms)" test "$WD_LINK_MS" -le 1000
    fi
else
    fail "3a. $MAC_B still in vtepd 5 s after hostB's port went down"
fi
ip -n "$NS_LEAF" link set "$IF_HB" up
T_UP=$(now)
back=0
for ((i = 0; i < 100; i++)); do
    # hostB speaks again: the bridge re-learns it, zebra re-advertises
    nsx "$NS_B" ping -c 1 -W 0.2 "$BR_IP" >/dev/null 2>&1 || true
    if have_mac "$mac_b"; then back=1; break; fi
    sleep 0.05
done
check "3b. $MAC_B re-learned after the port came back ($(ms_between "$T_UP" "$(now)") ms)" test "$back" -eq 1
check "3c. hostA ping hostB after re-learning: 5/5 replies" ping_all "$NS_A" "$IP_B"

# ---- 4. feed restart during a 50 ms ping ----
# A "ghost" MAC on hostB's port (static fdb entry): learned, then deleted
# while the feed is down, so the re-sent table lacks it and End-of-RIB
# must sweep its stale path.
bridge -n "$NS_LEAF" fdb add "$MAC_G" dev "$IF_HB" master static
mac_g=${MAC_G,,}
ok=0
for ((i = 0; i < 100; i++)); do have_mac "$mac_g" && { ok=1; break; }; sleep 0.05; done
check "4a. ghost $MAC_G (static fdb entry on the leaf) learned by vtepd" test "$ok" -eq 1

EV=$(vcli "show evpn" 2>/dev/null || true)
FEED=$(jq -r '.feeds[0].name // empty' <<<"$EV" 2>/dev/null || true)
SWEPT0=$(jq -r '.rib.counters.swept // 0' <<<"$EV" 2>/dev/null || echo 0)
PATHS0=$(jq -r '.rib.counters.paths // 0' <<<"$EV" 2>/dev/null || echo 0)
log "feed '$FEED': $PATHS0 path(s) before the restart"

PING_N=160   # 8 s at 50 ms
ip netns exec "$NS_A" ping -i 0.05 -c "$PING_N" -W 1 "$IP_B" >"$WORK/ping-restart.log" 2>&1 &
PING_PID=$!
sleep 0.5
T_KILL=$(now)
stop_relay "$SOCAT_PID"
SOCAT_PID=
# vtepd notices the closed session and keeps the paths, stale
stale_ok=0
for ((i = 0; i < 40; i++)); do
    EV=$(vcli "show evpn" 2>/dev/null || true)
    if jq -e '(.feeds | length) == 0 and .rib.counters.stale > 0' <<<"$EV" >/dev/null 2>&1; then
        stale_ok=1; break
    fi
    sleep 0.05
done
STALE_N=$(jq -r '.rib.counters.stale // "?"' <<<"$EV" 2>/dev/null || echo "?")
check "4b. relay killed: feed closed, $STALE_N stale path(s) kept" test "$stale_ok" -eq 1
check "4c. $MAC_B still forwarded (remote) while the feed is down" have_mac "$mac_b"
# remove the ghost on the leaf; wait until the rr has lost the route
bridge -n "$NS_LEAF" fdb del "$MAC_G" dev "$IF_HB" master static
rr_has_ghost() { vty rr "show bgp l2vpn evpn route type macip" 2>/dev/null | grep -qi "$mac_g"; }
for ((i = 0; i < 60; i++)); do rr_has_ghost || break; sleep 0.05; done
rr_has_ghost && log "note: rr still has the ghost route"
check "4d. ghost still in vtepd while the feed is down (stale)" have_mac "$mac_g"
start_relay || die "socat relay did not restart"
T_RELAY=$(now)
# bgpd reconnects (min-retry 100 ms, max 1 s), re-sends everything + EoR
resync=0
for ((i = 0; i < 100; i++)); do
    EV=$(vcli "show evpn" 2>/dev/null || true)
    if jq -e --arg f "$FEED" '(.feeds | length) == 1 and .feeds[0].name == $f and .feeds[0].eor >= 1
                              and .rib.counters.stale == 0' <<<"$EV" >/dev/null 2>&1; then
        resync=1; break
    fi
    sleep 0.05
done
T_RESYNC=$(now)
log "feed back and swept $(ms_between "$T_RELAY" "$T_RESYNC") ms after the relay restarted ($(ms_between "$T_KILL" "$T_RESYNC") ms after it was killed)"
check "4e. feed '$FEED' reconnected, End-of-RIB received, no stale path left" test "$resync" -eq 1
SWEPT1=$(jq -r '.rib.counters.swept // 0' <<<"$EV" 2>/dev/null || echo 0)
check "4f. stale ghost path(s) swept at End-of-RIB (swept $SWEPT0 -> $SWEPT1)" test "$SWEPT1" -gt "$SWEPT0"
check "4g. ghost $MAC_G gone from vtepd" no_mac "$mac_g"
check "4h. $MAC_B still remote via $LEAF_IP, flood list intact" eval 'have_mac "$mac_b" && have_flood'
peer_ok() {
    jq -e --arg p "$LEAF_BGP" 'any(.feeds[0].peers[]; .address == $p and .up)' <<<"$EV" >/dev/null 2>&1
}
check "4i. feed lists peer $LEAF_BGP up again" peer_ok
# the ping: every one of them answered
for ((i = 0; i < 150; i++)); do kill -0 "$PING_PID" 2>/dev/null || break; sleep 0.1; done
stop_pid "$PING_PID" 10 || true
PING_PID=
pline=$(grep "packets transmitted" "$WORK/ping-restart.log" || true)
log "ping during the feed restart: ${pline:-no summary}"
sent=$(sed -n 's/^\([0-9]*\) packets transmitted.*/\1/p' <<<"$pline")
recv=$(sed -n 's/.* \([0-9]*\) received.*/\1/p' <<<"$pline")
check "4j. no ping lost across the feed restart (${recv:-?}/${sent:-?}, 50 ms interval)" \
    test -n "$sent" -a "${sent:-0}" -eq "$PING_N" -a "${recv:--1}" -eq "${sent:-0}"

# ---- 5. stop vtepd, read its stats ----
rc=0
stop_pid "$VTEPD_PID" 100 || rc=$?
VTEPD_PID=
check "5a. vtepd exited 0 on SIGTERM (rc $rc)" test "$rc" -eq 0
S="$WORK/stats.json"
if [ -s "$S" ] && jq -e . "$S" >/dev/null 2>&1; then
    jqc() { jq -e "$1" "$S" >/dev/null; }
    check "5b. mempool.in_use == 0 ($(jq '.mempool.in_use' "$S"))" jqc '.mempool.in_use == 0'
    log "stats: vni 100 $(jq -c '.vnis["100"] | {encap_packets, decap_packets}' "$S" 2>/dev/null)," \
        "evpn_program $(jq -c '.evpn_program // {}' "$S" 2>/dev/null)"
else
    fail "5b. stats JSON written ($S)"
fi

[ "$FAIL" -ne 0 ] && diagnostics
log "times: learn ${LEARN_MS} ms after Established; withdrawal ${WD_MS:-?} ms after BMP (${WD_LINK_MS:-?} ms after port down); feed restart ping ${recv:-?}/${sent:-?}"
log "time: $(elapsed) s"
log "$PASS passed, $FAIL failed"
SUMMARY=1
[ "$FAIL" -eq 0 ]
