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
#        KEEP=1 keeps the work dir (logs, capture) after a passing run
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
VTEPD=$(readlink -f "${1:-$HERE/../../build/vtepd}")
FRR_MODDIR=/usr/lib/x86_64-linux-gnu/frr/modules

# ---- names and addresses (everything carries the per-run prefix) ----
P="fe$$"
. "$HERE/lib.sh"
MS_DECIMALS=0       # whole milliseconds: compared with test -le
NS_LEAF="$P-leaf"
NS_RR="$P-rr"
vni100_names "$NS_LEAF"     # hostA, vtepd, hostB; IF_ULK, IF_HB in ns leaf
IF_LR="${P}lr"      # leaf side of the BGP link         (ns leaf)
IF_RL="${P}rl"      # rr side of the BGP link           (ns rr)
BR="${P}br100"      # leaf bridge                       (ns leaf)
VX="${P}vx100"      # leaf vxlan device, VNI 100        (ns leaf)

LEAF_IP=$PEER_IP           # leaf VTEP address and BGP router-id
LEAF_BGP=198.51.100.1
RR_BGP=198.51.100.2
BR_IP=203.0.113.254        # the leaf's address on br100 (for MAC/IP routes)
MAC_LR=02:00:00:00:00:21
MAC_RL=02:00:00:00:00:22
MAC_G=02:00:00:00:aa:03    # "ghost": a static fdb entry removed while the feed is down
BMP_PORT=11019            # inside ns rr only: no clash with anything else
ASN=65000

SOCAT_PID=
POLL_PID=

diagnostics() {
    [ -n "$WORK" ] || return 0
    log "=== diagnostics"
    if [ -S "$RUN/cli.sock" ]; then
        log "--- vtepd: show evpn"
        cli "show evpn" 2>&1 | head -n 60 || true
        log "--- vtepd: show macs"
        cli "show macs" 2>&1 | head -n 30 || true
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

# ---- prerequisites ----
frr_require zebra bgpd
[ -f "$FRR_MODDIR/bgpd_bmp.so" ] || skip "FRR's BMP module is missing ($FRR_MODDIR/bgpd_bmp.so)"
tools_require vtysh ip bridge ping jq timeout socat tcpdump tshark pgrep ss "$PY"
lab_init frr
KEEP_NOTE="vtepd.log, stats.json, rr.pcap (BGP+BMP), run/{leaf,rr}/*.log"

# vtysh against one side's bgpd (only its own vty dir, no /etc/frr)
vty() { frr_vty "$RUN/$1" bgpd -c "$2"; }     # vty leaf|rr COMMAND
# vtepd's CLI: one command, JSON back
cli() { vcli "$RUN/cli.sock" "$1"; }

# Timing poller: tests/netns/cli_poll.py, one process querying vtepd's CLI
# every 10 ms; the time each condition first held.
poll_start() {  # poll_start NAME TIMEOUT_S COND...: in the background, ready when it returns
    local name=$1
    shift
    "$PY" "$HERE/cli_poll.py" "$RUN/cli.sock" "$1" 0.01 "${@:2}" >"$WORK/poll-$name.out" 2>&1 &
    POLL_PID=$!
    track_pid "$POLL_PID"
    for ((i = 0; i < 100; i++)); do
        grep -q '^ready' "$WORK/poll-$name.out" 2>/dev/null && return 0
        kill -0 "$POLL_PID" 2>/dev/null || break
        sleep 0.05
    done
    return 1
}
poll_wait() {   # poll_wait NAME: wait for the poller (not in a subshell), results in $out
    wait "$POLL_PID" 2>/dev/null || true
    untrack_pid "$POLL_PID"
    POLL_PID=
    out=$(cat "$WORK/poll-$1.out")
}
# poll_get OUTPUT COND: the time printed for COND, or empty
poll_get() { awk -v c="$2" '$1 == c && $2 != "-" { print $2 }' <<<"$1"; }

# ---- topology ----
vni100_topology
ns_add "$NS_RR"
veth_pair "$NS_LEAF" "$IF_LR" "$MAC_LR" "$NS_RR" "$IF_RL" "$MAC_RL"

# leaf: the BGP link to rr, VNI 100 on a bridge
ip -n "$NS_LEAF" addr add "$LEAF_BGP/24" dev "$IF_LR"
kernel_vtep "$NS_LEAF" "$VX" "$BR" "$LEAF_IP" 100 "$IF_HB"
ip -n "$NS_LEAF" addr add "$BR_IP/24" dev "$BR"
# Return path only: vtepd does not advertise its own MACs (no type-2/3 from
# vtepd yet), so the leaf floods unknown unicast/BUM toward vtepd's VTEP.
bridge -n "$NS_LEAF" fdb append 00:00:00:00:00:00 dev "$VX" dst "$VTEP_IP" \
    || die "cannot add the leaf's flood entry toward vtepd"

# rr: the BGP link, and a route to the leaf's VTEP so its next hops resolve
ip -n "$NS_RR" addr add "$RR_BGP/24" dev "$IF_RL"
ip -n "$NS_RR" route add 192.0.2.0/24 via "$LEAF_BGP"

# hostB talks to the leaf's bridge address: its MAC in the bridge fdb, its
# ARP entry on br100 -> zebra has a local MAC and MAC/IP for VNI 100.
ping_first "$NS_B" "$BR_IP" || die "hostB cannot reach the leaf's bridge address $BR_IP"

# ---- vtepd ----
{
    conf_vni100 leaf
    cat <<EOF
control:
  feed_socket: $RUN/feed.sock
  cli_socket: $RUN/cli.sock
  feed_stale_s: 30
EOF
} >"$WORK/vtepd.yaml"

# --duration: a fail-safe so vtepd never outlives the test
vtepd_start "$NS_VTEP" "$WORK/vtepd.yaml" "$WORK/vtepd.log" "$RUN/cli.sock" --duration 150000 \
    --stats-json "$WORK/stats.json"
[ -S "$RUN/feed.sock" ] || die "vtepd does not listen on its feed socket $RUN/feed.sock (no EVPN feed server in this build?)"
cli "show evpn" | jq -e '.rib.counters' >/dev/null 2>&1 || die "vtepd's CLI has no 'show evpn' with a RIB"
pass "vtepd forwarding, feed and CLI sockets up ($(elapsed) s)"

# ---- the BMP relay (ns rr); BGP and BMP captured in ns rr ----
# One capture of both sessions: BGP leaf -> rr on the link, BMP rr ->
# relay on loopback. Its timestamps split the latencies measured below.
CAP="$WORK/rr.pcap"
tcpdump_start "$NS_RR" "$WORK/tcpdump.log" -i any -n -U --immediate-mode -s 0 -w "$CAP" \
    "tcp port $BMP_PORT or tcp port 179"

start_relay() {
    relay_start "$NS_RR" "$BMP_PORT" "UNIX-CONNECT:$RUN/feed.sock" "$WORK/socat.log"
    SOCAT_PID=$RELAY_PID
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
    cli "show macs" | jq -e --arg m "$1" --arg v "$LEAF_IP" \
        'any(.macs[]; .vni == 100 and .mac == $m and .type == "remote" and .vtep == $v)' >/dev/null 2>&1
}
no_mac() {      # no_mac MAC: not in show macs at all (the CLI answered)
    cli "show macs" | jq -e --arg m "$1" 'all(.macs[]; .mac != $m)' >/dev/null 2>&1
}
have_flood() {
    cli "show evpn" | jq -e --arg v "$LEAF_IP" \
        '(.rib.flood["100"] // []) | any(. == $v)' >/dev/null 2>&1
}

# ---- FRR ----
# Every path explicit, under $RUN/<side>, owned by frr; nothing in /etc/frr
# or /var/run/frr is touched, the running config is never written.
frr_dir "$RUN/leaf" "$P-leaf"
frr_dir "$RUN/rr" "$P-rr"
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

# ---- 1. vtepd learns hostB's MAC and the leaf's flood entry over BMP ----
# vtepd is polled from before bgpd starts; the first time each entry is seen.
poll_start learn 10 "mac:$mac_b:$LEAF_IP" "flood:100:$LEAF_IP" || die "CLI poller did not start"
frr_start_in "$RUN/leaf" "$NS_LEAF" zebra
frr_start_in "$RUN/rr" "$NS_RR" zebra
T_BGPD=$(now)
frr_start_in "$RUN/leaf" "$NS_LEAF" bgpd
frr_start_in "$RUN/rr" "$NS_RR" bgpd -M bmp
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
EV=$(cli "show evpn" 2>/dev/null || true)
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
ready=0
ping_first "$NS_A" "$IP_B" && ready=1
check "2a. first hostA->hostB reply ($PING_TRIES attempt(s))" test "$ready" -eq 1
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

EV=$(cli "show evpn" 2>/dev/null || true)
FEED=$(jq -r '.feeds[0].name // empty' <<<"$EV" 2>/dev/null || true)
SWEPT0=$(jq -r '.rib.counters.swept // 0' <<<"$EV" 2>/dev/null || echo 0)
PATHS0=$(jq -r '.rib.counters.paths // 0' <<<"$EV" 2>/dev/null || echo 0)
log "feed '$FEED': $PATHS0 path(s) before the restart"

PING_N=160   # 8 s at 50 ms
ip netns exec "$NS_A" ping -i 0.05 -c "$PING_N" -W 1 "$IP_B" >"$WORK/ping-restart.log" 2>&1 &
PING_PID=$!
track_pid "$PING_PID"
sleep 0.5
T_KILL=$(now)
relay_stop "$SOCAT_PID"
# vtepd notices the closed session and keeps the paths, stale
stale_ok=0
for ((i = 0; i < 40; i++)); do
    EV=$(cli "show evpn" 2>/dev/null || true)
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
    EV=$(cli "show evpn" 2>/dev/null || true)
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
pline=$(grep "packets transmitted" "$WORK/ping-restart.log" || true)
log "ping during the feed restart: ${pline:-no summary}"
sent=$(sed -n 's/^\([0-9]*\) packets transmitted.*/\1/p' <<<"$pline")
recv=$(sed -n 's/.* \([0-9]*\) received.*/\1/p' <<<"$pline")
check "4j. no ping lost across the feed restart (${recv:-?}/${sent:-?}, 50 ms interval)" \
    test -n "$sent" -a "${sent:-0}" -eq "$PING_N" -a "${recv:--1}" -eq "${sent:-0}"

# ---- 5. stop vtepd, read its stats ----
rc=0
stop_pid "$VTEPD_PID" 100 || rc=$?
check "5a. vtepd exited 0 on SIGTERM (rc $rc)" test "$rc" -eq 0
S="$WORK/stats.json"
if json_ok "$S"; then
    jqc() { jq_true "$S" "$1"; }
    check "5b. mempool.in_use == 0 ($(jq '.mempool.in_use' "$S"))" jqc '.mempool.in_use == 0'
    log "stats: vni 100 $(jq -c '.vnis["100"] | {encap_packets, decap_packets}' "$S" 2>/dev/null)," \
        "evpn_program $(jq -c '.evpn_program // {}' "$S" 2>/dev/null)"
else
    fail "5b. stats JSON written ($S)"
fi

log "times: learn ${LEARN_MS} ms after Established; withdrawal ${WD_MS:-?} ms after BMP (${WD_LINK_MS:-?} ms after port down); feed restart ping ${recv:-?}/${sent:-?}"
log "time: $(elapsed) s"
lab_done
