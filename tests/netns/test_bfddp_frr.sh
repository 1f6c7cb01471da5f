#!/usr/bin/env bash
# Namespace test: FRR's bfdd hands its BFD sessions to an external data plane
# over the distributed-BFD protocol (bfdd --dplaneaddr), and bfdd and BGP
# follow the session states the data plane reports.
#
#   ns a: zebra + bfdd --dplaneaddr unix:RUN/dplane.sock + bgpd (AS 65001,
#         neighbor 192.0.2.2 bfd); veth 192.0.2.1/24
#         bfddp_standin (tests/netns/bfddp_standin.c, vtepd's codec) connects
#         to RUN/dplane.sock and plays the data plane
#   ns b: zebra + bgpd (AS 65002); veth 192.0.2.2/24; no BFD at all, so the
#         only BFD state anywhere is what the stand-in reports
#
# bfdd.conf has one configured peer, 192.0.2.3 interface A (not a BGP
# neighbour); bgpd's `neighbor 192.0.2.2 bfd` adds a second session.
#
# Checks:
#  1. bfdd listens on the socket and the stand-in's connection is accepted;
#     DP_ADD_SESSION arrives for the configured peer with its lid (the id in
#     `show bfd peers`), timers, multiplier and interface;
#  2. the stand-in reports Up: `show bfd peers` says up, with the remote
#     discriminator sent; counters come from the stand-in's answer; an
#     ECHO_REQUEST is answered;
#  3. bgpd starts: DP_ADD_SESSION for 192.0.2.2 with source 192.0.2.1; BGP
#     Established; the stand-in reports Up: bfdd and bgpd's peerBfdInfo
#     say Up;
#  4. the stand-in reports Down (diag 1): bfdd shows down with remote
#     diagnostic control-expired, and BGP drops the neighbour (Cease/BFD
#     Down, connectionsDropped + 1) within 1 s; the time from the report to
#     bgpd's neighbour-Down log line (microsecond stamps) is printed;
#  5. Up again: BGP back to Established with BFD Up;
#  6. `no peer 192.0.2.3 ...`: DP_DELETE_SESSION with that lid;
#  7. the stand-in refused nothing and logged no error; bfdd and bgpd run.
#
# usage: test_bfddp_frr.sh [path/to/bfddp_standin]   (root; exit 77 = skipped)
#        KEEP=1 keeps the work directory
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
STANDIN=$(readlink -f "${1:-$HERE/../../build/tests/netns/bfddp_standin}")

P="bd$$"
. "$HERE/lib.sh"
NS_A="$P-a"
NS_B="$P-b"
IF_A="${P}A"
IF_B="${P}B"

SI_PID=

vty() { local s=$1; shift; frr_vty "$RUN/$s" "$@"; }    # vty a|b DAEMON VTYSH-ARGS...

diagnostics() {
    [ -n "$WORK" ] || return 0
    log "=== diagnostics"
    [ -S "$RUN/a/bfdd.vty" ] && { log "--- bfdd: show bfd peers"; vty a bfdd -c "show bfd peers" 2>&1 | head -n 40; }
    [ -S "$RUN/a/bgpd.vty" ] && { log "--- bgpd: show bgp summary"; vty a bgpd -c "show bgp summary" 2>&1 | head -n 20; }
    [ -f "$WORK/standin.log" ] && { log "--- stand-in log (tail)"; tail -n 25 "$WORK/standin.log"; }
    [ -f "$RUN/a/bfdd.log" ] && { log "--- bfdd.log (tail)"; tail -n 15 "$RUN/a/bfdd.log"; }
    return 0
}

# ---- prerequisites ----
frr_require zebra bfdd bgpd
tools_require ip vtysh jq timeout ss
lab_init bfddp
KEEP_NOTE="standin.log, run/a/bfdd.log, run/a/bgpd.log"
[ -x "$STANDIN" ] || die "stand-in not built: $STANDIN"

# ---- topology ----
ns_add "$NS_A"
ns_add "$NS_B"
veth_pair "$NS_A" "$IF_A" "" "$NS_B" "$IF_B" ""
ip -n "$NS_A" addr add 192.0.2.1/24 dev "$IF_A"
ip -n "$NS_B" addr add 192.0.2.2/24 dev "$IF_B"

# ---- FRR ----
for s in a b; do
    frr_dir "$RUN/$s" "$P-$s"
    touch "$RUN/$s/bgpd-us.log" "$RUN/$s/bfdd-us.log"
    chown frr:frr "$RUN/$s/bgpd-us.log" "$RUN/$s/bfdd-us.log"
done
cat >"$RUN/a/bfdd.conf" <<EOF
hostname $P-a
log timestamp precision 6
log file $RUN/a/bfdd-us.log debugging
debug bfd distributed
debug bfd peer
EOF
frr_bfd_peer 192.0.2.3 "$IF_A" 100 >>"$RUN/a/bfdd.conf"
for s in a b; do
    if [ $s = a ]; then me=192.0.2.1 as=65001 peer=192.0.2.2 pas=65002 bfd=" neighbor 192.0.2.2 bfd"
    else me=192.0.2.2 as=65002 peer=192.0.2.1 pas=65001 bfd=""; fi
    cat >"$RUN/$s/bgpd.conf" <<EOF
hostname $P-$s
log timestamp precision 6
log file $RUN/$s/bgpd-us.log informational
router bgp $as
 bgp router-id $me
 bgp log-neighbor-changes
 no bgp ebgp-requires-policy
 timers bgp 1 3
 neighbor $peer remote-as $pas
 neighbor $peer timers connect 1
$bfd
exit
EOF
done
frr_start_in "$RUN/a" "$NS_A" zebra
frr_start_in "$RUN/b" "$NS_B" zebra
frr_start_in "$RUN/a" "$NS_A" bfdd --bfdctl "$RUN/a/bfdd.sock" --dplaneaddr "unix:$RUN/a/dplane.sock"
for ((i = 0; i < 100; i++)); do [ -S "$RUN/a/dplane.sock" ] && break; sleep 0.05; done

# ---- helpers ----
SLOG="$WORK/standin.log"
CTL="$WORK/standin.fifo"
cmd() { printf '%s\n' "$*" >&9; }
si_has() { grep -q -- "$1" "$SLOG" 2>/dev/null; }
si_count() { grep -c -- "$1" "$SLOG" 2>/dev/null || true; }
bfd_json() { vty a bfdd -c "show bfd peers json" 2>/dev/null; }
bfd_field() {   # bfd_field PEER FIELD
    bfd_json | jq -r --arg p "$1" --arg f "$2" '[.[] | select(.peer == $p)][0][$f] // empty'
}
bfd_is() { [ "$(bfd_field "$1" status)" = "$2" ]; }
bgp_json() { vty a bgpd -c "show bgp neighbors 192.0.2.2 json" 2>/dev/null; }
bgp_field() { bgp_json | jq -r --arg f "$1" '.["192.0.2.2"][$f] // empty'; }
bgp_bfd_status() { bgp_json | jq -r '.["192.0.2.2"].peerBfdInfo.status // empty'; }
bgp_is() { [ "$(bgp_field bgpState)" = "$1" ]; }
bgp_not() { [ "$(bgp_field bgpState)" != "$1" ]; }
bgp_bfd_is() { [ "$(bgp_bfd_status)" = "$1" ]; }
lid_of_log() {  # lid_of_log REGEX: the lid of the last rx line matching it
    { grep -E -- "$1" "$SLOG" || true; } | tail -n 1 | sed -E 's/.* lid ([0-9]+) .*/\1/'
}

# ---- 1. connection and the configured session ----
check "bfdd listens on its data-plane socket (unix:, bfdd is the server)" \
    bash -c "ip netns exec '$NS_A' ss -xlp | grep -F '$RUN/a/dplane.sock' | grep -q bfdd"
mkfifo "$CTL"
exec 9<>"$CTL"
ip netns exec "$NS_A" "$STANDIN" --addr "unix:$RUN/a/dplane.sock" --control "$CTL" >"$SLOG" 2>&1 &
SI_PID=$!
track_pid "$SI_PID"
wait_for 5 si_has " connected" || die "the stand-in did not connect: $(tail -n 3 "$SLOG")"
wait_for 5 si_has "rx DP_ADD_SESSION .* -> 192.0.2.3 " || die "no DP_ADD_SESSION for 192.0.2.3"
pass "stand-in connected; DP_ADD_SESSION for the configured peer 192.0.2.3"
LID1=$(lid_of_log "rx DP_ADD_SESSION .* -> 192.0.2.3 ")
check "its lid ($LID1) is bfdd's id for the peer ($(bfd_field 192.0.2.3 id))" \
    test "$LID1" = "$(bfd_field 192.0.2.3 id)"
check "its timers, multiplier, TTL and interface are the configuration's" \
    si_has "rx DP_ADD_SESSION id 0 lid $LID1 0.0.0.0 -> 192.0.2.3 if $IF_A([0-9]*) flags 0x00 tx 100000 rx 100000 .* mult 3 ttl 255 "
check "bfdd shows the session down before the data plane reports" bfd_is 192.0.2.3 down

# ---- 2. Up, counters, echo ----
T0=$(ms_now)
cmd "up 192.0.2.3"
if wait_for 3 bfd_is 192.0.2.3 up; then
    pass "Up reported: bfdd shows 192.0.2.3 up ($(( $(ms_now) - T0 )) ms, polled)"
else
    fail "Up reported: bfdd shows 192.0.2.3 up (status $(bfd_field 192.0.2.3 status))"
fi
RID=$(( LID1 ^ 0x5a5a5a5a ))
check "bfdd shows the remote discriminator the data plane sent ($RID)" \
    test "$(bfd_field 192.0.2.3 remote-id)" = "$RID"
CJ=$(vty a bfdd -c "show bfd peer 192.0.2.3 interface $IF_A counters json" 2>/dev/null || true)
check "bfdd's counters are the data plane's answer (control in 1001, out 2001: $(echo "$CJ" | jq -c '[."control-packet-input", ."control-packet-output"]' 2>/dev/null))" \
    test "$(echo "$CJ" | jq -r '."control-packet-input"'),$(echo "$CJ" | jq -r '."control-packet-output"')" = "1001,2001"
check "the counters request was answered with its id" si_has "tx BFD_SESSION_COUNTERS id [1-9][0-9]* lid $LID1 "
cmd "echo"
if wait_for 3 si_has "echo rtt"; then
    pass "ECHO_REQUEST answered by ECHO_REPLY ($(grep 'echo rtt' "$SLOG" | tail -n 1 | awk '{ print $4, $5 }'))"
else
    fail "ECHO_REQUEST answered by ECHO_REPLY"
fi

# ---- 3. BGP's session ----
frr_start_in "$RUN/a" "$NS_A" bgpd
frr_start_in "$RUN/b" "$NS_B" bgpd
if wait_for 20 bgp_is Established; then pass "BGP 192.0.2.1 <-> 192.0.2.2 Established"
else die "BGP not Established within 20 s ($(bgp_field bgpState))"; fi
if wait_for 5 si_has "rx DP_ADD_SESSION .* 192.0.2.1 -> 192.0.2.2 if $IF_A"; then
    pass "bgpd's neighbor bfd: DP_ADD_SESSION 192.0.2.1 -> 192.0.2.2 on $IF_A"
else
    die "no DP_ADD_SESSION for BGP's neighbour with its source address"
fi
LID2=$(lid_of_log "rx DP_ADD_SESSION .* 192.0.2.1 -> 192.0.2.2 ")
BS=$(bgp_bfd_status)
check "BGP's BFD session is not Up before the data plane says so (bgpd: $BS)" test "$BS" != Up
cmd "up 192.0.2.2"
wait_for 3 bfd_is 192.0.2.2 up && pass "Up reported: bfdd shows 192.0.2.2 up" ||
    fail "Up reported: bfdd shows 192.0.2.2 up (status $(bfd_field 192.0.2.2 status))"
wait_for 3 bgp_bfd_is Up && pass "bgpd sees BFD Up for 192.0.2.2" ||
    fail "bgpd sees BFD Up for 192.0.2.2 ($(bgp_bfd_status))"

# ---- 4. Down: BGP drops the neighbour ----
DROPS=$(bgp_field connectionsDropped)
T0=$(ms_now)
cmd "down 192.0.2.2 1"
if wait_for 5 bgp_not Established; then
    pass "Down reported: BGP left Established after $(( $(ms_now) - T0 )) ms (polled every ~60 ms)"
else
    fail "Down reported: BGP left Established within 5 s"
fi
wait_for 3 bfd_is 192.0.2.2 down && pass "bfdd shows 192.0.2.2 down" ||
    fail "bfdd shows 192.0.2.2 down ($(bfd_field 192.0.2.2 status))"
check "bfdd shows the data plane's diag (remote-diagnostic $(bfd_field 192.0.2.2 remote-diagnostic))" \
    test "$(bfd_field 192.0.2.2 remote-diagnostic)" = "control detection time expired"
# The chain from the logs (all CLOCK_REALTIME, microseconds): the stand-in's
# send, bfdd's state change, bgpd's neighbour Down.
frr_epoch() {   # frr_epoch LOG REGEX AFTER: time of the first matching line at/after AFTER
    { grep -E -- "$2" "$1" || true; } | while read -r d t _; do
        date -d "${d//\//-} $t" +%s.%6N
    done | awk -v a="$3" '$1 >= a - 0.0005 { print; exit }'
}
T_TX=$({ grep -E "tx BFD_STATE_CHANGE id 0 lid $LID2 .* Down diag 1" "$SLOG" || true; } | head -n 1 | awk '{ print $1 }')
T_BFDD=$(frr_epoch "$RUN/a/bfdd-us.log" "state-change: \\[data plane: .*peer:192.0.2.2 .*\\] up -> down" "$T_TX")
T_BGP=$(frr_epoch "$RUN/a/bgpd-us.log" "ADJCHANGE: neighbor 192.0.2.2.* Down" "$T_TX")
if [ -n "$T_TX" ] && [ -n "$T_BFDD" ] && [ -n "$T_BGP" ]; then
    D_BGP=$(awk -v a="$T_TX" -v b="$T_BGP" 'BEGIN { printf "%.3f", (b - a) * 1000 }')
    D_BFDD=$(awk -v a="$T_TX" -v b="$T_BFDD" 'BEGIN { printf "%.3f", (b - a) * 1000 }')
    check "Down chain from the logs: bgpd dropped the neighbour $D_BGP ms after the stand-in sent Down (bfdd logged the change at $D_BFDD ms, after notifying zebra); limit 1000 ms" \
        awk -v d="$D_BGP" 'BEGIN { exit !(d >= 0 && d < 1000) }'
else
    fail "Down chain from the logs (stand-in '$T_TX', bfdd '$T_BFDD', bgpd '$T_BGP')"
fi
check "BGP dropped the connection (connectionsDropped $DROPS -> $(bgp_field connectionsDropped))" \
    test "$(bgp_field connectionsDropped)" -gt "$DROPS"
T_NOTIF=$(frr_epoch "$RUN/a/bgpd-us.log" "NOTIFICATION.*sent to neighbor 192.0.2.2 6/10 \\(Cease/BFD Down\\)" "${T_TX:-0}")
check "bgpd sent NOTIFICATION 6/10 Cease/BFD Down to 192.0.2.2 (bgpd log)" test -n "$T_NOTIF"
check "bgpd sees BFD Down for 192.0.2.2" bgp_bfd_is Down

# ---- 5. Up again ----
cmd "up 192.0.2.2"
wait_for 20 bgp_is Established && pass "Up again: BGP Established" ||
    fail "Up again: BGP Established ($(bgp_field bgpState))"
wait_for 3 bgp_bfd_is Up && pass "Up again: bgpd sees BFD Up" || fail "Up again: bgpd sees BFD Up ($(bgp_bfd_status))"

# ---- 6. delete ----
vty a bfdd -c "configure terminal" -c "bfd" -c "no peer 192.0.2.3 interface $IF_A" >/dev/null
if wait_for 5 si_has "rx DP_DELETE_SESSION id 0 lid $LID1 "; then
    pass "no peer 192.0.2.3: DP_DELETE_SESSION for lid $LID1"
else
    fail "no peer 192.0.2.3: DP_DELETE_SESSION for lid $LID1"
fi
check "bfdd no longer lists 192.0.2.3" test -z "$(bfd_field 192.0.2.3 id)"

# ---- 7. health ----
check "the stand-in refused nothing and logged no error" \
    test "$(si_count -E ' (refused|fatal|error) ')" = 0
check "the stand-in is still connected" kill -0 "$SI_PID"
for f in a/bfdd a/bgpd; do
    check "$f still runs" kill -0 "$(cat "$RUN/$f.pid")"
done
log "stand-in: $(si_count ' rx ') messages from bfdd, $(si_count ' tx ') sent; lids $LID1 (configured), $LID2 (BGP)"

lab_done
