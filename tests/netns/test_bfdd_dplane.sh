#!/usr/bin/env bash
# Namespace lab: vtepd as FRR bfdd's data plane (control.bfdd_dplane). The
# BFD session FRR's bgpd asks for (`neighbor X bfd`) runs in vtepd, and BGP
# reacts to the state vtepd reports; a session from vtepd's own bfd: section
# runs beside it.
#
#   ns vtep: vtepd, underlay port ul0 (af_packet on IF_UL) with its
#            exception-path TAP IF_K = 192.0.2.1/24 (the VTEP address);
#            host FRR: zebra, bgpd (AS 65001, neighbor 192.0.2.2 bfd
#            profile fast), bfdd --dplaneaddr unix:RUN/h/dplane.sock
#   ns sw:   a bridge joining IF_UL's peer, p1 and p2
#   ns p1:   FRR zebra + bgpd (AS 65002, neighbor 192.0.2.1 bfd profile
#            fast) + bfdd (plain kernel BFD); 192.0.2.2
#   ns p2:   FRR zebra + bfdd (peer 192.0.2.1, 100 ms x 3); 192.0.2.3,
#            vtepd's configured BFD session (bfd: section)
#
# The profile "fast" is 10 ms x 3 (the lowest FRR 8.4 takes) on both sides.
# vtepd's BFD thread runs at control.realtime_priority 10 and the peers'
# bfdd at SCHED_FIFO 10, as in test_control_stress.sh.
#
# Checks (one PASS/FAIL line each, numbers in the text):
#  1. vtepd connects to bfdd's socket; BGP Established on both sides; the
#     session for 192.0.2.2 is Up in `show bfd peers` of the host's bfdd
#     and of p1's bfdd, and in vtepd's `show bfd` (origin bfdd, lid = the
#     host bfdd's id, detect time 30 ms); bgpd's peerBfdInfo says Up;
#     vtepd's configured session to 192.0.2.3 is Up (origin config), and
#     p2's bfdd shows it up;
#  2. TRIALS cuts (default 6) of p1's link (tc on p1's interface sends
#     every frame both ways to a veth that is down): vtepd's session goes
#     Down, bfdd tells bgpd, bgpd drops 192.0.2.2 (Cease/BFD Down). A trial
#     is valid when vtepd's session was Up and BGP Established at the cut
#     and no packet from p1 reached vtepd between vtepd's Down and the
#     restore (on a loaded machine a 10 ms session also flaps by itself).
#     Per valid trial, from the last BFD packet of p1 captured on vtepd's
#     port: -> vtepd Down (detection), -> host bgpd's neighbour Down.
#     Pass: at least half the trials valid; in each, host bgpd Down within
#     1000 ms (BGP's hold time is 3 s: only BFD drops it that fast) with
#     Cease/BFD Down sent; median <= 100 ms; every cut restored (BGP
#     Established and BFD Up again);
#  3. the configured session to 192.0.2.3 (100 ms x 3) never went Down
#     during the cuts, and p2's bfdd still shows it up;
#  4. counters: bfdd's `show bfd peer ... counters` are vtepd's (nonzero);
#  5. bfdd stops: vtepd sees the connection close, keeps the session for
#     its grace period (5 s), then retires it; the configured session is
#     still Up; vtepd exits 0 on SIGTERM with no mbuf held.
#
# Times: vtepd's state-change line carries CLOCK_REALTIME with ns; FRR logs
# with `log timestamp precision 6` (local time, microseconds); tcpdump on
# vtepd's port stamps p1's packets (ns). All one clock.
#
# Needs root, FRR (zebra, bgpd, bfdd), tc, tcpdump, tshark, jq, socat,
# ethtool, chrt. 2-5 minutes (BGP re-establishes after each cut).
#
# usage: test_bfdd_dplane.sh [path/to/vtepd]   (root; exit 77 = skipped)
#        TRIALS=N ...  cuts (default 6);  KEEP=1 ...  keep the work directory
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
VTEPD=$(readlink -f "${1:-$HERE/../../build/vtepd}")
TRIALS=${TRIALS:-6}

P="bp$$"
. "$HERE/lib.sh"
NS_VTEP="$P-vtep"
NS_SW="$P-sw"
NS_P1="$P-p1"
NS_P2="$P-p2"
IF_UL="${P}ul"      # vtepd's underlay port           (ns vtep)
IF_K="${P}k"        # its exception-path TAP          (ns vtep, made by vtepd)
IF_SV="${P}sv"      # bridge ports                    (ns sw)
IF_S1="${P}s1"
IF_S2="${P}s2"
IF_P1="${P}p1"      # p1's interface                  (ns p1)
IF_P2="${P}p2"      # p2's interface                  (ns p2)
IF_BH="${P}bh"      # blackhole veth, left down       (ns p1)
VTEP_IP=192.0.2.1
P1_IP=192.0.2.2
P2_IP=192.0.2.3
MAC_UL=02:00:00:00:00:01
MAC_P1=02:00:00:00:00:02
MAC_P2=02:00:00:00:00:03

VTEPD_PID=

frr_require zebra bfdd bgpd
tools_require ip tc vtysh jq timeout socat ethtool chrt tcpdump tshark
lab_init bfdd-dplane
KEEP_NOTE="vtepd.log, run/*/bgpd-us.log, run/h/bfdd-us.log"

vty() { local s=$1; shift; frr_vty "$RUN/$s" "$@"; }    # vty h|p1|p2 DAEMON ARGS...
cli() { vcli "$RUN/cli.sock" "$1"; }
VLOG="$WORK/vtepd.log"

diagnostics() {
    [ -n "$WORK" ] || return 0
    log "=== diagnostics"
    if [ -n "$VTEPD_PID" ] && [ -S "$RUN/cli.sock" ]; then
        log "--- vtepd: show bfd"
        cli "show bfd" 2>&1 | jq -c '.sessions[]? | {peer, origin, state, local_diag, bfdd_lids}' 2>&1 | head -n 10
        cli "show bfd" 2>&1 | jq -c '.bfdd_dplane | del(.sessions)' 2>&1 | head -n 5
        cli "show bfd" 2>&1 | jq -c '.bfdd_dplane.sessions[]?' 2>&1 | head -n 5
    fi
    for s in h p1 p2; do
        [ -S "$RUN/$s/bfdd.vty" ] && { log "--- $s: show bfd peers brief"; vty $s bfdd -c "show bfd peers brief" 2>&1 | head -n 10; }
    done
    for s in h p1; do
        [ -S "$RUN/$s/bgpd.vty" ] && { log "--- $s: show bgp summary"; vty $s bgpd -c "show bgp summary" 2>&1 | head -n 12; }
    done
    [ -f "$VLOG" ] && { log "--- vtepd.log (tail)"; tail -n 25 "$VLOG"; }
    [ -f "$RUN/h/bfdd-us.log" ] && { log "--- host bfdd log (tail)"; tail -n 15 "$RUN/h/bfdd-us.log"; }
    return 0
}

# ---- topology ----
for ns in "$NS_VTEP" "$NS_SW" "$NS_P1" "$NS_P2"; do ns_add "$ns"; done
ip -n "$NS_SW" link add br0 type bridge mcast_snooping 0 stp_state 0 forward_delay 0
veth_pair "$NS_VTEP" "$IF_UL" "$MAC_UL" "$NS_SW" "$IF_SV" ""
veth_pair "$NS_P1" "$IF_P1" "$MAC_P1" "$NS_SW" "$IF_S1" ""
veth_pair "$NS_P2" "$IF_P2" "$MAC_P2" "$NS_SW" "$IF_S2" ""
for i in "$IF_SV" "$IF_S1" "$IF_S2"; do ip -n "$NS_SW" link set "$i" master br0; done
ip -n "$NS_SW" link set br0 up
# frames that reach vtepd's af_packet ring must carry full checksums
csum_sw "$NS_P1" "$IF_P1"
csum_sw "$NS_P2" "$IF_P2"
ip -n "$NS_P1" addr add "$P1_IP/24" dev "$IF_P1"
ip -n "$NS_P2" addr add "$P2_IP/24" dev "$IF_P2"
# static neighbours: the lab measures BFD and BGP, not ARP through vtepd
ip -n "$NS_P1" neigh replace "$VTEP_IP" lladdr "$MAC_UL" dev "$IF_P1" nud permanent
ip -n "$NS_P2" neigh replace "$VTEP_IP" lladdr "$MAC_UL" dev "$IF_P2" nud permanent
# the cut, as in test_bfd_frr.sh: tc on p1's interface redirects every frame,
# both ways, to a veth that stays down
ip -n "$NS_P1" link add "${IF_BH}0" type veth peer name "${IF_BH}1"
nsx "$NS_P1" tc qdisc add dev "$IF_P1" clsact || die "tc clsact on $IF_P1 failed"
cut_link() {
    nsx "$NS_P1" tc -batch - <<EOF
filter add dev $IF_P1 egress prio 1 protocol all u32 match u32 0 0 action mirred egress redirect dev ${IF_BH}0
filter add dev $IF_P1 ingress prio 1 protocol all u32 match u32 0 0 action mirred egress redirect dev ${IF_BH}0
EOF
}
restore_link() {
    nsx "$NS_P1" tc -force -batch - <<EOF 2>/dev/null || true
filter del dev $IF_P1 ingress prio 1
filter del dev $IF_P1 egress prio 1
EOF
}

# ---- FRR configuration ----
for s in h p1 p2; do
    frr_dir "$RUN/$s" "$P-$s"
    touch "$RUN/$s/bgpd-us.log" "$RUN/$s/bfdd-us.log"
    chown frr:frr "$RUN/$s/bgpd-us.log" "$RUN/$s/bfdd-us.log"
done
bfdd_conf() {   # bfdd_conf SITE: logging and the 10 ms profile
    cat <<EOF
hostname $P-$1
log timestamp precision 6
log file $RUN/$1/bfdd-us.log informational
bfd
 profile fast
  detect-multiplier 3
  receive-interval 10
  transmit-interval 10
 exit
exit
EOF
}
bfdd_conf h >"$RUN/h/bfdd.conf"
bfdd_conf p1 >"$RUN/p1/bfdd.conf"
{ bfdd_conf p2; frr_bfd_peer "$VTEP_IP" "$IF_P2" 100; } >"$RUN/p2/bfdd.conf"
bgpd_conf() {   # bgpd_conf SITE MY_IP AS PEER_IP PEER_AS
    cat <<EOF
hostname $P-$1
log timestamp precision 6
log file $RUN/$1/bgpd-us.log informational
router bgp $3
 bgp router-id $2
 bgp log-neighbor-changes
 no bgp ebgp-requires-policy
 timers bgp 1 3
 neighbor $4 remote-as $5
 neighbor $4 timers connect 1
 neighbor $4 bfd profile fast
exit
EOF
}
bgpd_conf h "$VTEP_IP" 65001 "$P1_IP" 65002 >"$RUN/h/bgpd.conf"
bgpd_conf p1 "$P1_IP" 65002 "$VTEP_IP" 65001 >"$RUN/p1/bgpd.conf"

# the BFD packets p1 sends, as they reach vtepd's port (nanosecond stamps):
# the last one before each Down is when the cut took effect
tcpdump_start "$NS_VTEP" "$WORK/tcpdump.log" -i "$IF_UL" -n -U --immediate-mode \
    --time-stamp-precision=nano -s 96 -w "$WORK/p1.pcap" "udp dst port 3784 and src host $P1_IP"

# ---- vtepd: ul0 with its TAP, two next hops, a configured session to p2 ----
{
    conf_head "$VTEP_IP"
    cat <<EOF
ports:
  - { name: ul0, role: underlay, mac: "$MAC_UL", kernel_iface: $IF_K,
      devargs: "net_af_packet_ul0,iface=$IF_UL,qpairs=1,framecnt=256" }
underlay:
  nexthops:
    - { name: p1, port: ul0, ip: $P1_IP, mac: "$MAC_P1" }
    - { name: p2, port: ul0, ip: $P2_IP, mac: "$MAC_P2" }
control:
  cli_socket: $RUN/cli.sock
  realtime_priority: 10
  bfdd_dplane: "unix:$RUN/h/dplane.sock"
bfd:
  - { peer: $P2_IP, port: ul0, tx_ms: 100, rx_ms: 100, multiplier: 3, hold_down_ms: 0 }
EOF
} >"$WORK/vtepd.yaml"
VTEPD_START_S=60   # a loaded machine starts it slowly
vtepd_start "$NS_VTEP" "$WORK/vtepd.yaml" "$VLOG" "$RUN/cli.sock" --duration 600000 \
    --stats-json "$WORK/stats.json"
pass "vtepd forwarding ($(elapsed) s)"
wait_for 5 nsx "$NS_VTEP" ip link show "$IF_K" >/dev/null 2>&1 || die "no exception-path TAP $IF_K"
ip -n "$NS_VTEP" addr add "$VTEP_IP/24" dev "$IF_K"
ip -n "$NS_VTEP" link set "$IF_K" up
ip -n "$NS_VTEP" neigh replace "$P1_IP" lladdr "$MAC_P1" dev "$IF_K" nud permanent

frr_start_in "$RUN/p1" "$NS_P1" zebra
frr_start_in "$RUN/p2" "$NS_P2" zebra
frr_start_in "$RUN/h" "$NS_VTEP" zebra
frr_start_in "$RUN/p1" "$NS_P1" bfdd --bfdctl "$RUN/p1/bfdd.sock"
frr_start_in "$RUN/p2" "$NS_P2" bfdd --bfdctl "$RUN/p2/bfdd.sock"
# as test_control_stress.sh: the peers' BFD timers at SCHED_FIFO (vtepd's BFD
# thread has control.realtime_priority), so that a loaded machine delays
# them less
for s in p1 p2; do
    chrt -a -f -p 10 "$(cat "$RUN/$s/bfdd.pid")" >/dev/null || log "note: cannot give $s's bfdd SCHED_FIFO"
done
frr_start_in "$RUN/h" "$NS_VTEP" bfdd --bfdctl "$RUN/h/bfdd.sock" --dplaneaddr "unix:$RUN/h/dplane.sock"
frr_start_in "$RUN/p1" "$NS_P1" bgpd
frr_start_in "$RUN/h" "$NS_VTEP" bgpd

# ---- helpers ----
# vtepd
vsess() {   # vsess PEER JQ-EXPR: from vtepd's session to PEER
    cli "show bfd" 2>/dev/null | jq -r --arg p "$1" "[.sessions[] | select(.peer == \$p)][0] | $2" 2>/dev/null || true
}
dp_field() { cli "show bfd" 2>/dev/null | jq -r ".bfdd_dplane | $1" 2>/dev/null || true; }
# vtepd's state-change lines: "bfd PEER: OLD -> NEW (diag D) at SEC.NSEC"
n_changes() { grep -ci "bfd $1: $2 -> $3 " "$VLOG" 2>/dev/null || true; }
change_line() { { grep -i "bfd $1: $2 -> $3 " "$VLOG" || true; } | sed -n "${4}p"; }
vstate() { { grep -i "bfd $1: .* -> " "$VLOG" 2>/dev/null || true; } | tail -n 1 | awk '{ print tolower($6) }'; }
# FRR
bfd_field() {   # bfd_field SITE PEER FIELD
    vty "$1" bfdd -c "show bfd peers json" 2>/dev/null |
        jq -r --arg p "$2" --arg f "$3" '[.[] | select(.peer == $p)][0][$f] // empty' 2>/dev/null || true
}
bfd_is() { [ "$(bfd_field "$1" "$2" status)" = "$3" ]; }
bgp_field() {   # bgp_field SITE PEER JQ-PATH (after the neighbour object)
    vty "$1" bgpd -c "show bgp neighbors $2 json" 2>/dev/null |
        jq -r --arg p "$2" ".[\$p]$3 // empty" 2>/dev/null || true
}
h_bgp_is() { [ "$(bgp_field h "$P1_IP" .bgpState)" = "$1" ]; }
p1_bgp_is() { [ "$(bgp_field p1 "$VTEP_IP" .bgpState)" = "$1" ]; }
h_bgp_bfd_is() { [ "$(bgp_field h "$P1_IP" .peerBfdInfo.status)" = "$1" ]; }
all_up() {
    h_bgp_is Established && p1_bgp_is Established && h_bgp_bfd_is Up && bfd_is p1 "$VTEP_IP" up &&
        [ "$(vstate "$P1_IP")" = up ]
}
# frr_epoch LOG REGEX AFTER: epoch of the first line matching REGEX at or after AFTER
frr_epoch() {
    { grep -E -- "$2" "$1" || true; } | while read -r d t _; do
        date -d "${d//\//-} $t" +%s.%6N
    done | awk -v a="$3" '$1 >= a - 0.0005 { print; exit }'
}

# ---- 1. up ----
# On a loaded machine a 10 ms session flaps now and then, and each flap
# resets BGP: every condition is polled until it holds (or its time is up),
# and the value seen is what the check prints.
wait_for 10 eval '[ "$(dp_field .connection)" = up ]' || true
check "vtepd connected to bfdd's data-plane socket (connection $(dp_field .connection), connects $(dp_field .connects), failures before $(dp_field .connect_failures))" \
    test "$(dp_field .connection)" = up
if wait_for 60 h_bgp_is Established && wait_for 30 p1_bgp_is Established; then
    pass "BGP 192.0.2.1 <-> 192.0.2.2 Established on both sides ($(elapsed) s)"
else
    die "BGP not Established (host $(bgp_field h "$P1_IP" .bgpState), p1 $(bgp_field p1 "$VTEP_IP" .bgpState))"
fi
wait_for 60 all_up || true
log "host bfdd (data plane vtepd): show bfd peers"
{ vty h bfdd -c "show bfd peers" 2>&1 || true; } | sed -n "/peer /,/^$/p" | sed "s/^/  | /"
log "p1 bfdd (kernel BFD): show bfd peers"
{ vty p1 bfdd -c "show bfd peers" 2>&1 || true; } | sed -n "/peer /,/^$/p" | sed "s/^/  | /"
v=
wait_for 30 eval 'v=$(bfd_field h "$P1_IP" status); [ "$v" = up ]' || true
check "host bfdd: peer $P1_IP up ($v, remote-id $(bfd_field h "$P1_IP" remote-id))" test "$v" = up
v=
wait_for 30 eval 'v=$(bfd_field p1 "$VTEP_IP" status); [ "$v" = up ]' || true
check "p1 bfdd: peer $VTEP_IP up ($v, transmit-interval $(bfd_field p1 "$VTEP_IP" transmit-interval) ms, remote rx $(bfd_field p1 "$VTEP_IP" remote-receive-interval) ms)" \
    test "$v" = up
LID=
wait_for 30 eval 'LID=$(bfd_field h "$P1_IP" id); [ -n "$LID" ]' || true
v=
wait_for 30 eval 'v=$(vsess "$P1_IP" '"'"'"\(.state)/\(.origin)/\(.bfdd_lids | map(tostring) | join(","))"'"'"'); [ "$v" = "Up/bfdd/$LID" ]' || true
log "vtepd show bfd: $P1_IP: $(vsess "$P1_IP" '"\(.state) origin \(.origin) lids \(.bfdd_lids) local \(.local) detect \(.detect_time_us) us tx \(.tx_interval_us) us"')"
check "vtepd: session to $P1_IP Up, origin bfdd, lid = host bfdd's id ($v; bfdd id $LID)" test "$v" = "Up/bfdd/$LID"
v=$(cli 'show bfd' 2>/dev/null | jq -c --argjson l "${LID:-0}" '.bfdd_dplane.sessions[] | select(.lid == $l) | {status, port, interface, tx_us, rx_us, multiplier}' 2>/dev/null || true)
check "vtepd: bfdd's session running on ul0 ($v)" test "$(jq -r '.status + "/" + .port' <<<"${v:-{\}}" 2>/dev/null)" = running/ul0
v=
wait_for 10 eval 'v=$(vsess "$P1_IP" .detect_time_us); [ "$v" = 30000 ]' || true
check "vtepd: the bfdd session at 10 ms x 3 (detect_time_us $v)" test "$v" = 30000
v=
wait_for 30 eval 'v=$(bgp_field h "$P1_IP" .peerBfdInfo.status); [ "$v" = Up ]' || true
check "host bgpd: peerBfdInfo Up ($v)" test "$v" = Up
v=
wait_for 30 eval 'v=$(vsess "$P2_IP" '"'"'.state + "/" + .origin'"'"'); [ "$v" = Up/config ]' || true
check "vtepd: configured session to $P2_IP Up, origin config ($v)" test "$v" = Up/config
v=
wait_for 30 eval 'v=$(bfd_field p2 "$VTEP_IP" status); [ "$v" = up ]' || true
check "p2 bfdd: peer $VTEP_IP up ($v)" test "$v" = up
wait_for 60 all_up || die "not everything Up at once within 60 s before the cuts"

# ---- 2. cuts ----
# A trial is valid when, at the cut, vtepd's session was Up and BGP
# Established (the last change before it in each log), and no packet from
# p1 reached vtepd between vtepd's Down and the restore (the Down is the
# cut's, not a flap of a loaded machine just before the cut took effect).
p2_down0=$(n_changes "$P2_IP" up down)
flaps0=$(n_changes "$P1_IP" up down)
: >"$WORK/trials.txt"
ok=0
for ((k = 1; k <= TRIALS; k++)); do
    wait_for 30 all_up || { log "trial $k: not Up before the cut (a flap; the trial counts as not valid)"; }
    wait_for 5 eval '[ "$(vsess "$P1_IP" .detect_time_us)" = 30000 ]' || true
    sleep "0.$((RANDOM % 50 + 20))"
    t_cut=$(now)
    cut_link || { fail "trial $k: tc cut failed"; break; }
    t_cut1=$(now)
    wait_for 5 eval '! h_bgp_is Established' || true
    sleep 0.3
    restore_link
    t_r=$(now)
    echo "$k $t_cut $t_cut1 $t_r" >>"$WORK/trials.txt"
    if wait_for 60 all_up; then
        ok=$((ok + 1))
        log "trial $k: tc took $(ms_between "$t_cut" "$t_cut1") ms; restored: BGP Established and BFD Up again after $(ms_between "$t_r" "$(now)") ms"
    else
        log "trial $k: not all Up 60 s after the restore"
    fi
done
check "$ok of $TRIALS cuts restored (BGP Established, BFD Up again)" test "$ok" -eq "$TRIALS"
flaps=$(( $(n_changes "$P1_IP" up down) - flaps0 ))
sleep 0.3   # tcpdump -U writes per packet
tshark -r "$WORK/p1.pcap" -n -T fields -e frame.time_epoch 2>/dev/null >"$WORK/p1_rx.txt" || true
"$PY" - "$WORK/trials.txt" "$WORK/p1_rx.txt" "$VLOG" "$RUN/h/bgpd-us.log" "$P1_IP" \
    >"$WORK/summary.txt" <<'EOF'
import bisect, re, sys
from datetime import datetime
trials = [[float(x) for x in l.split()[1:]] for l in open(sys.argv[1]) if l.strip()]
rx = sorted(float(l) for l in open(sys.argv[2]) if l.strip())
peer = sys.argv[5]
vt = []     # (epoch, new state) of vtepd's session to p1
for l in open(sys.argv[3]):
    m = re.search(r"bfd %s: (\w+) -> (\w+) \(diag (\w+)\) at ([0-9.]+)" % re.escape(peer), l)
    if m:
        vt.append((float(m.group(4)), m.group(2).lower(), m.group(3)))
def frr_t(l):
    d, t = l.split()[:2]
    return datetime.strptime(d + " " + t, "%Y/%m/%d %H:%M:%S.%f").timestamp()
bgp, notif = [], []
for l in open(sys.argv[4]):
    if "ADJCHANGE: neighbor %s(" % peer in l:
        bgp.append((frr_t(l), "up" if l.rstrip().endswith(" Up") else "down"))
    elif re.search(r"NOTIFICATION.*sent to neighbor %s 6/10 \(Cease/BFD Down\)" % re.escape(peer), l):
        notif.append(frr_t(l))
def last_before(ev, t):
    s = None
    for e in ev:
        if e[0] < t:
            s = e
    return s
def ms(a, b):
    return (b - a) * 1000.0
det, chain, total, rows = [], [], [], []
n_notif = 0
for k, (t_cut, t_cut1, t_r) in enumerate(trials, 1):
    v0, b0 = last_before(vt, t_cut), last_before(bgp, t_cut)
    why = None
    if not v0 or v0[1] != "up":
        why = "vtepd's session not Up at the cut"
    elif not b0 or b0[1] != "up":
        why = "BGP not Established at the cut"
    downs = [e for e in vt if e[0] >= t_cut and e[0] < t_r and e[1] == "down"]
    if not why and not downs:
        why = "no Down in vtepd"
    if not why:
        t_vd, diag = downs[0][0], downs[0][2]
        i = bisect.bisect_left(rx, t_vd)
        j = bisect.bisect_right(rx, t_vd)
        if i == 0:
            why = "no packet from p1 before the Down"
        elif j < len(rx) and rx[j] < t_r:
            why = "packets from p1 after vtepd's Down (a flap before the cut took effect)"
    if why:
        print("trial %d not valid: %s" % (k, why))
        continue
    last = rx[i - 1]
    hb = [e[0] for e in bgp if e[0] >= t_vd - 0.0005 and e[1] == "down"]
    t_hb = hb[0] if hb else None
    nb = any(abs(t - t_hb) < 0.05 for t in notif) if t_hb else False
    n_notif += nb
    det.append(ms(last, t_vd))
    if t_hb:
        chain.append(ms(t_vd, t_hb))
        total.append(ms(last, t_hb))
    print("trial %d: last packet from p1 -> vtepd Down %.1f ms (diag %s); -> host bgpd Down %s ms%s" % (
        k, ms(last, t_vd), diag, "%.1f" % ms(last, t_hb) if t_hb else "never",
        " (Cease/BFD Down sent)" if nb else ""))
def stats(v):
    v = sorted(v)
    if not v:
        return "n 0"
    med = (v[(len(v) - 1) // 2] + v[len(v) // 2]) / 2
    return "n %d min %.1f median %.1f max %.1f (%s)" % (len(v), v[0], med, v[-1],
                                                     " ".join("%.1f" % x for x in v))
tv = sorted(total)
print("det", stats(det))
print("chain", stats(chain))
print("total", stats(total))
print("valid", len(det), len(trials))
print("total_ok", sum(1 for x in total if 0 <= x < 1000))
print("total_median %.1f" % ((tv[(len(tv) - 1) // 2] + tv[len(tv) // 2]) / 2 if tv else 1e9))
print("notif", n_notif)
EOF
grep "^trial" "$WORK/summary.txt" | sed 's/^/  /'
sv() { sed -n "s/^$1 //p" "$WORK/summary.txt"; }
read -r n_valid n_trials < <(sv valid)
log "detection in vtepd: last BFD packet from p1 at vtepd's port -> vtepd Down (ms): $(sv det)"
log "vtepd Down -> host bgpd drops the neighbour (BFD_STATE_CHANGE to bfdd, bfdd -> zebra -> bgpd) (ms): $(sv chain)"
log "last packet from p1 -> host bgpd drops the neighbour (ms): $(sv total)"
log "Downs of the bfdd session in the cut phase ($n_trials cuts; the rest are flaps of a loaded machine at 10 ms x 3): $flaps"
check "valid trials: $n_valid of $n_trials (at least half)" test "$((n_valid * 2))" -ge "$n_trials" -a "$n_valid" -gt 0
check "host bgpd dropped 192.0.2.2 within 1000 ms of p1's last packet in every valid trial ($(sv total_ok) of $n_valid; BGP hold time 3 s)" \
    test "$(sv total_ok)" -eq "$n_valid"
check "median last packet -> host bgpd Down <= 100 ms ($(sv total_median) ms; detection time 30 ms)" \
    awk -v v="$(sv total_median)" 'BEGIN { exit !(v <= 100) }'
check "host bgpd sent Cease/BFD Down (6/10) in each valid trial ($(sv notif) of $n_valid)" \
    test "$(sv notif)" -eq "$n_valid"

# ---- 3. the configured session beside it ----
p2_down1=$(n_changes "$P2_IP" up down)
check "configured session to $P2_IP (100 ms x 3) stayed Up through the cuts (Downs $p2_down0 -> $p2_down1, state $(vsess "$P2_IP" .state), origin $(vsess "$P2_IP" .origin))" \
    test "$p2_down1" = "$p2_down0" -a "$(vsess "$P2_IP" .state)" = Up
check "p2 bfdd still up ($(bfd_field p2 "$VTEP_IP" status))" bfd_is p2 "$VTEP_IP" up
# ---- 4. counters ----
wait_for 30 all_up || true
LID=$(bfd_field h "$P1_IP" id)
cin=0 cout=0
counters_seen() {
    local cj
    cj=$(vty h bfdd -c "show bfd peer $P1_IP counters json" 2>/dev/null || true)
    cin=$(jq -r '."control-packet-input" // 0' <<<"$cj" 2>/dev/null || echo 0)
    cout=$(jq -r '."control-packet-output" // 0' <<<"$cj" 2>/dev/null || echo 0)
    [ "${cin:-0}" -gt 0 ] && [ "${cout:-0}" -gt 0 ]
}
wait_for 20 counters_seen || true
vrx=$(vsess "$P1_IP" .rx_matched)
vtx=$(vsess "$P1_IP" .tx)
check "host bfdd's counters come from vtepd (bfdd in $cin out $cout; vtepd rx $vrx tx $vtx after)" \
    awk -v i="$cin" -v o="$cout" -v r="$vrx" -v t="$vtx" 'BEGIN { exit !(i > 0 && o > 0 && i <= r && o <= t) }'

# ---- 5. bfdd goes away ----
# One snapshot of vtepd's show bfd once it saw the close: the CLI is slow on
# a loaded machine, and the grace period is 5 s
disc0=$(dp_field .disconnects)
stop_frr "$RUN/h/bfdd.pid"
SNAP=
closed_seen() {
    SNAP=$(cli "show bfd" 2>/dev/null || true)
    [ "$(jq -r '.bfdd_dplane.connection' <<<"$SNAP" 2>/dev/null)" != up ]
}
wait_for 5 closed_seen || true
t_gone=$(now)
check "bfdd stopped: vtepd saw the connection close (connection $(jq -r .bfdd_dplane.connection <<<"$SNAP" 2>/dev/null), disconnects $disc0 -> $(jq -r .bfdd_dplane.disconnects <<<"$SNAP" 2>/dev/null))" \
    test "$(jq -r .bfdd_dplane.connection <<<"$SNAP" 2>/dev/null)" != up
v=$(jq -r --arg p "$P1_IP" '[.sessions[] | select(.peer == $p)][0] | "\(.origin)/\(.retired_in_s > 0)/\(.bfdd_lids | length)"' <<<"$SNAP" 2>/dev/null || true)
check "bfdd's session held for the grace period, without lids ($v; retired_in_s $(jq -r --arg p "$P1_IP" '[.sessions[] | select(.peer == $p)][0].retired_in_s' <<<"$SNAP" 2>/dev/null))" \
    test "$v" = bfdd/true/0
wait_for 10 eval '[ -z "$(vsess "$P1_IP" .peer | grep -v null)" ]' || true
check "then retired ($(ms_between "$t_gone" "$(now)") ms after the close was seen; vtepd log: $(grep -c "bfd $P1_IP: no bfdd session holds it any more" "$VLOG" || true) retirement line)" \
    test -z "$(vsess "$P1_IP" .peer | grep -v null)"
check "configured session to $P2_IP still Up ($(vsess "$P2_IP" .state), origin $(vsess "$P2_IP" .origin))" \
    test "$(vsess "$P2_IP" .state)" = Up

rc=0
stop_pid "$VTEPD_PID" 100 || rc=$?
VTEPD_PID=
check "vtepd exited 0 on SIGTERM (rc $rc)" test "$rc" -eq 0
if json_ok "$WORK/stats.json"; then
    check "vtepd stats: mempool.in_use == 0 ($(jq '.mempool.in_use' "$WORK/stats.json"))" \
        test "$(jq '.mempool.in_use' "$WORK/stats.json")" = 0
else
    fail "vtepd stats JSON written"
fi
log "load average: $(cut -d' ' -f1-3 /proc/loadavg); time $(elapsed) s"
lab_done
