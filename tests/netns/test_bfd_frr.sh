#!/usr/bin/env bash
# Namespace interop test: vtepd's BFD against FRR's bfdd (single hop, RFC 5881).
#
#   [vtepd, af_packet port ul0] --veth-- [zebra + bfdd]
#    ns vtep, VTEP 192.0.2.1               ns frr, 192.0.2.2 (vtepd's next hop)
#
# vtepd has one underlay port and one next hop, the bfdd side, watched by a
# BFD session. bfdd has `peer 192.0.2.1 interface <if>`.
#
# Checks:
#  1. bring-up at 100 ms x 3 (both sides Up), then at 10 ms x 3 (vtepd
#     restarted with the new timers, bfdd reconfigured through vtysh);
#  2. link cut: every frame on bfdd's veth is dropped in both directions
#     (tc clsact filters on its ingress and egress redirect everything to a
#     veth that is down), the interfaces stay up: both sides go Down, vtepd
#     with diag detect_expired and the next hop out of the ECMP group;
#     restore: both Up again, the next hop back in;
#  3. detection time at 10 ms x 3 over TRIALS cuts (default 20): the time of
#     vtepd's Down (realtime stamp in its state-change log line) minus the
#     time of the last BFD packet from bfdd that reached vtepd's veth
#     (tcpdump in vtepd's namespace, nanosecond stamps, --immediate-mode);
#     min/median/p90/max printed; the median must stay within detection
#     time + 5 ms and 90 % of the samples in 29.9-45 ms (a Down before 30 ms
#     would be early; a loaded 2-CPU machine delays a few). Downs that no cut
#     caused (a starved bfdd, or vtepd's control thread or worker held off the
#     CPU for 30 ms) are counted and printed, not failed;
#  4. TTL: BFD packets with TTL 254 (scapy, from bfdd's namespace) are
#     dropped and counted (rx_frame_drops.ttl), the session stays Up;
#  5. SIGTERM: vtepd exits 0, stats JSON with mempool.in_use == 0.
#
# Measurement error of 3: both stamps come from the same CLOCK_REALTIME.
# The capture stamp is taken when the frame reaches vtepd's veth (a few us
# before vtepd's worker reads it from its af_packet ring); the log stamp is
# taken in the state-change callback, microseconds after the decision. Each
# sample is therefore good to well under 0.1 ms, unless the clock is stepped
# during the run (NTP slew is irrelevant at this scale).
#
# Besides root it needs FRR (zebra, bfdd; exit 77 without), tc, tcpdump,
# tshark, jq, socat, ethtool and python3-scapy. About 55 s with 20 trials.
#
# usage: test_bfd_frr.sh [path/to/vtepd]      (root; exit 77 = skipped)
#        TRIALS=N test_bfd_frr.sh ...           number of detection trials
#        KEEP=1 test_bfd_frr.sh ...             keep the work directory
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
VTEPD=$(readlink -f "${1:-$HERE/../../build/vtepd}")
TRIALS=${TRIALS:-20}

# ---- names and addresses (everything carries the per-run prefix) ----
P="bf$$"
. "$HERE/lib.sh"
bfd_names           # NS_VTEP, NS_FRR, IF_UL, IF_FR, VTEP_IP, FRR_IP, MAC_UL, MAC_FR
IF_BH="${P}bh"      # blackhole: a veth left down (ns frr)

VTEPD_PID=
BRINGUP=()

# ---- prerequisites ----
frr_require zebra bfdd
tools_require ip tc vtysh tcpdump tshark jq timeout socat ethtool
"$PY" -c 'import scapy.all' 2>/dev/null || skip "python3-scapy not installed"
lab_init bfd
KEEP_NOTE="vtepd*.log, stats*.json, bfd.pcap, run/bfdd.log"

# vtysh against our bfdd only (its own vty dir, no /etc/frr)
vty() { frr_vty "$RUN" bfdd "$@"; }
# vtepd's CLI: one command, JSON back
cli() { vcli "$RUN/cli.sock" "$1"; }

diagnostics() {
    [ -n "$WORK" ] || return 0
    log "=== diagnostics"
    if [ -n "$VTEPD_PID" ] && [ -S "$RUN/cli.sock" ]; then
        log "--- vtepd: show bfd"
        cli "show bfd" 2>&1 | head -n 30 || true
    fi
    if [ -S "$RUN/bfdd.vty" ]; then
        log "--- bfdd: show bfd peers"
        vty -c "show bfd peers" 2>&1 | head -n 40 || true
    fi
    [ -f "$WORK/${VLOG:-}" ] && { log "--- $VLOG (tail)"; tail -n 30 "$WORK/$VLOG"; }
    [ -f "$RUN/bfdd.log" ] && { log "--- bfdd.log (tail)"; tail -n 20 "$RUN/bfdd.log"; }
    return 0
}

# ---- topology ----
bfd_topology
# The cut: tc on bfdd's veth redirects every frame, both ways, to a veth
# that stays down (mirred drops what it cannot send). This kernel has no
# netem, gact or nft binary; u32 + mirred + clsact is what it has.
ip -n "$NS_FRR" link add "${IF_BH}0" type veth peer name "${IF_BH}1"
nsx "$NS_FRR" tc qdisc add dev "$IF_FR" clsact || die "tc clsact on $IF_FR failed"
# One tc process for both directions (tc -batch): they go in within ~1 ms.
cut_link() {
    nsx "$NS_FRR" tc -batch - <<EOF
filter add dev $IF_FR egress prio 1 protocol all u32 match u32 0 0 action mirred egress redirect dev ${IF_BH}0
filter add dev $IF_FR ingress prio 1 protocol all u32 match u32 0 0 action mirred egress redirect dev ${IF_BH}0
EOF
}
restore_link() {
    nsx "$NS_FRR" tc -force -batch - <<EOF 2>/dev/null || true
filter del dev $IF_FR ingress prio 1
filter del dev $IF_FR egress prio 1
EOF
}

# ---- FRR: zebra + bfdd, every path under $RUN, owned by frr ----
frr_dir "$RUN" "$P-frr"
{ echo "hostname $P-frr"; frr_bfd_peer "$VTEP_IP" "$IF_FR" 100; } >"$RUN/bfdd.conf"
frr_start "$NS_FRR" zebra
frr_start "$NS_FRR" bfdd --bfdctl "$RUN/bfdd.sock"

# Polling must stay light: one core is taken by vtepd's worker, and a
# starved bfdd misses its own 10 ms timers. Hot loops therefore read vtepd's
# state from its log and bfdd's with grep, never with jq.
frr_status() {  # bfdd's view of its only peer: up, down, init, ... ("" if none)
    vty -c "show bfd peers json" 2>/dev/null | grep -o '"status": *"[a-z]*"' | head -n 1 |
        sed 's/.*"\([a-z]*\)"$/\1/' || true
}
frr_field() {   # frr_field JQ-EXPR
    vty -c "show bfd peers json" 2>/dev/null |
        jq -r --arg p "$VTEP_IP" "[.[] | select(.peer == \$p)][0] | $1" 2>/dev/null
}
vtepd_sess() {  # vtepd_sess JQ-EXPR: from vtepd's only session
    cli "show bfd" 2>/dev/null | jq -r ".sessions[0] | $1" 2>/dev/null
}
# vtepd's state-change log lines: "vtepd: bfd PEER: OLD -> NEW (diag D) at SEC.NSEC"
vtepd_state() {
    { grep -i "bfd $FRR_IP: .* -> " "$WORK/$VLOG" 2>/dev/null || true; } | tail -n 1 |
        awk '{ print tolower($6) }'
}
frr_is() { [ "$(frr_status)" = "$1" ]; }
vtepd_is() { [ "$(vtepd_state)" = "$1" ]; }
both_up() { vtepd_is up && frr_is up; }
both_down() { vtepd_is down && [ "$(frr_status)" != up ]; }
fast_detect() { cli "show bfd" 2>/dev/null | grep -q '"detect_time_us": 30000,'; }
n_changes() { grep -ci "bfd $FRR_IP: $1 -> $2 " "$WORK/$VLOG" 2>/dev/null || true; }
change_time() { { grep -i "bfd $FRR_IP: $1 -> $2 " "$WORK/$VLOG" || true; } | sed -n "${3}p" | awk '{ print $NF }'; }

# ---- capture of vtepd's veth (BFD only), from before vtepd starts ----
tcpdump_start "$NS_VTEP" "$WORK/tcpdump.log" -i "$IF_UL" -n -U --immediate-mode \
    --time-stamp-precision=nano -s 128 -w "$WORK/bfd.pcap" udp port 3784
# and of bfdd's veth: vtepd's own packets (af_packet TX bypasses the taps on
# vtepd's side, so they show only here)
tcpdump_start "$NS_FRR" "$WORK/tcpdump-frr.log" -i "$IF_FR" -n -U --immediate-mode \
    --time-stamp-precision=nano -s 128 -w "$WORK/bfd-frr.pcap" udp port 3784

# ---- vtepd ----
start_vtepd() {     # start_vtepd TAG TX_MS: config, start, wait for forwarding
    local tag=$1 ms=$2
    VLOG="vtepd-$tag.log"
    {
        conf_head "$VTEP_IP"
        echo "ports:"
        conf_afp_port ul0 underlay "$IF_UL" "$MAC_UL"
        cat <<EOF
underlay:
  nexthops:
    - { name: frr, port: ul0, ip: $FRR_IP, mac: "$MAC_FR" }
control:
  cli_socket: $RUN/cli.sock
bfd:
  - { peer: $FRR_IP, port: ul0, tx_ms: $ms, rx_ms: $ms, multiplier: 3, hold_down_ms: 0 }
EOF
    } >"$WORK/vtepd-$tag.yaml"
    rm -f "$RUN/cli.sock"
    T_VSTART=$(now)
    # --duration: a fail-safe so vtepd never outlives the test
    vtepd_start "$NS_VTEP" "$WORK/vtepd-$tag.yaml" "$WORK/$VLOG" "$RUN/cli.sock" --duration 110000 \
        --stats-json "$WORK/stats-$tag.json"
}

stop_vtepd() {      # stop_vtepd TAG: SIGTERM, exit status and stats JSON
    local tag=$1 rc=0 S="$WORK/stats-$1.json"
    stop_pid "$VTEPD_PID" 100 || rc=$?
    VTEPD_PID=
    check "vtepd ($tag) exited 0 on SIGTERM (rc $rc)" test "$rc" -eq 0
    if json_ok "$S"; then
        check "vtepd ($tag) stats: mempool.in_use == 0 ($(jq '.mempool.in_use' "$S"))" \
            test "$(jq '.mempool.in_use' "$S")" = 0
    else
        fail "vtepd ($tag) stats JSON written ($S)"
    fi
}

# first_pkt_after EPOCH FILTER: the time of the first BFD packet matching
# FILTER at or after EPOCH in the capture on bfdd's side
first_pkt_after() {
    tshark -r "$WORK/bfd-frr.pcap" -n -Y "$2" -T fields -e frame.time_epoch \
        2>/dev/null | awk -v t="$1" '$1 >= t { print; exit }' || true
}

bring_up() {    # bring_up TAG INTERVAL_MS: vtepd started; wait for Up on both sides
    local tag=$1 ms=$2 t_up t_frr t_tx t_fast
    wait_for 10 both_up || die "$tag: session not Up on both sides within 10 s (vtepd $(vtepd_state), bfdd $(frr_status))"
    sleep 0.3       # Poll sequences end; tcpdump -U: the last packets reach the file
    t_up=$(change_time '[a-z]*' up 1)     # the first change to Up
    # vtepd's first packet; bfdd's first Up packet; the Final that ends the
    # last Poll sequence (both sides on the configured intervals)
    t_tx=$(first_pkt_after "$T_VSTART" "ip.src == $VTEP_IP")
    t_frr=$(first_pkt_after "$T_VSTART" "ip.src == $FRR_IP && bfd.sta == 3")
    t_fast=$(tshark -r "$WORK/bfd-frr.pcap" -n -Y "bfd.flags.f == 1 && bfd.sta == 3" \
        -T fields -e frame.time_epoch 2>/dev/null |
        awk -v a="$T_VSTART" -v b="$t_up" '$1 >= a && $1 <= b + 0.1 { t = $1 } END { print t }' || true)
    log "$tag bring-up, from vtepd's first BFD packet: vtepd Up after $(ms_between "$t_tx" "$t_up") ms," \
        "bfdd's first Up packet after $(ms_between "$t_tx" "$t_frr") ms, last Final (timers" \
        "negotiated) after $(ms_between "$t_tx" "$t_fast") ms; vtepd Up $(ms_between "$T_VSTART" "$t_up") ms after its launch"
    BRINGUP+=("[$tag: vtepd Up $(ms_between "$t_tx" "$t_up") ms, bfdd Up $(ms_between "$t_tx" "$t_frr") ms, negotiated $(ms_between "$t_tx" "$t_fast") ms]")
    check "$tag: vtepd state up, remote_state up" \
        test "$(vtepd_sess '.state + "/" + .remote_state | ascii_downcase')" = "up/up"
    # vtepd settles on the negotiated values after the Poll sequences
    local want=$((ms * 1000)) want_det=$((ms * 3000)) got
    wait_for 3 eval '[ "$(vtepd_sess ".tx_interval_us >= '$((want * 3 / 4))' and .detect_time_us == '$want_det'")" = true ]' || true
    got=$(vtepd_sess '"tx \(.tx_interval_us) us, detect \(.detect_time_us) us, remote tx \(.remote_desired_tx_us) rx \(.remote_min_rx_us) mult \(.remote_mult)"')
    check "$tag: vtepd detect_time_us == $want_det ($got)" \
        test "$(vtepd_sess .detect_time_us)" = "$want_det"
    check "$tag: next hop in the ECMP group (ecmp_live $(vtepd_sess .ecmp_live), buckets $(vtepd_sess .ecmp_buckets))" \
        test "$(vtepd_sess '.ecmp_live and .ecmp_buckets > 0')" = true
    got=$(frr_field '"rx \(."receive-interval") tx \(."transmit-interval") mult \(."detect-multiplier") remote rx \(."remote-receive-interval") remote tx \(."remote-transmit-interval")"')
    check "bfdd: $tag session up ($got)" \
        test "$(frr_field '.status + "/" + (."transmit-interval"|tostring) + "/" + (."remote-receive-interval"|tostring)')" = "up/$ms/$ms"
}

# ---- 1a. 100 ms x 3 ----
start_vtepd slow 100
pass "vtepd forwarding ($(elapsed) s)"
bring_up "100 ms x 3" 100
stop_vtepd slow

# ---- 1b. 10 ms x 3: bfdd reconfigured, vtepd restarted with 10 ms ----
wait_for 5 frr_is down || log "note: bfdd still $(frr_status) after vtepd stopped"
vty -c "configure terminal" -c "bfd" -c "peer $VTEP_IP interface $IF_FR" \
    -c "receive-interval 10" -c "transmit-interval 10" -c "detect-multiplier 3" >/dev/null \
    || die "vtysh: cannot set bfdd's intervals to 10 ms"
start_vtepd fast 10
bring_up "10 ms x 3" 10

# ---- 2. link cut and restore ----
# Both sides lose everything; vtepd must detect it (diag detect_expired),
# take the next hop out of the ECMP group, and bfdd must see it too.
downs0=$(n_changes up down)
T_CUT=$(now)
cut_link || die "tc: cannot cut the link"
wait_for 2 eval '[ "$(n_changes up down)" -gt '"$downs0"' ]' || true
check "cut: vtepd went Down" test "$(n_changes up down)" -gt "$downs0"
check "cut: vtepd local_diag detect_expired ($(vtepd_sess .local_diag))" \
    test "$(vtepd_sess .local_diag)" = detect_expired
check "cut: next hop out of the ECMP group (ecmp_live $(vtepd_sess .ecmp_live), buckets $(vtepd_sess .ecmp_buckets))" \
    test "$(vtepd_sess '(.ecmp_live | not) and .ecmp_buckets == 0')" = true
wait_for 3 frr_is down || true
check "cut: bfdd shows the peer down ($(frr_status), diag $(frr_field .diagnostic))" frr_is down
log "cut: vtepd Down $(ms_between "$T_CUT" "$(change_time up down $((downs0 + 1)))") ms after the cut began"
restore_link
T_RES=$(now)
wait_for 10 both_up || true
check "restore: Up again on both sides ($(ms_between "$T_RES" "$(now)") ms; vtepd $(vtepd_state), bfdd $(frr_status))" both_up
check "restore: next hop back in the ECMP group (buckets $(vtepd_sess .ecmp_buckets))" \
    test "$(vtepd_sess '.ecmp_live and .ecmp_buckets > 0')" = true

# ---- 3. detection-time distribution at 10 ms x 3 ----
# Each trial: Up on both sides, a random pause (the cut falls at a random
# phase of bfdd's transmit interval), cut, vtepd Down, bfdd down, restore.
log "detection trials: $TRIALS cuts at 10 ms x 3"
T_TRIALS=$(now)
ok_trials=0
bringups=()
: >"$WORK/trials.txt"
for ((k = 1; k <= TRIALS; k++)); do
    wait_for 10 both_up || { fail "trial $k: not Up before the cut"; break; }
    # the Poll sequences after Up are over: vtepd detects in 30 ms
    wait_for 5 fast_detect || log "trial $k: vtepd detect_time_us not 30000 yet"
    sleep "0.$((RANDOM % 20 + 10))"
    downs0=$(n_changes up down)
    t_c=$(now)
    cut_link || { fail "trial $k: tc cut failed"; break; }
    if ! wait_for 2 eval '[ "$(n_changes up down)" -gt '"$downs0"' ]'; then
        restore_link
        fail "trial $k: vtepd did not go Down within 2 s"
        continue
    fi
    t_d=$(change_time up down $((downs0 + 1)))
    diag=$(grep -i "bfd $FRR_IP: up -> down " "$WORK/$VLOG" | sed -n "$((downs0 + 1))p" |
        sed 's/.*(diag \([a-z_]*\)).*/\1/')
    echo "$k $t_c $t_d $diag" >>"$WORK/trials.txt"
    wait_for 2 both_down || log "trial $k: bfdd still $(frr_status)"
    restore_link
    t_r=$(now)
    if wait_for 10 both_up; then
        bringups+=("$(ms_between "$t_r" "$(now)")")
        ok_trials=$((ok_trials + 1))
    fi
done
check "detection trials: $ok_trials of $TRIALS cut and restored" test "$ok_trials" -eq "$TRIALS"
log "re-up after restore (ms, polled every 50 ms): ${bringups[*]}"
wait_for 10 both_up || true
# Downs during the trials that no cut caused: the machine's scheduling
# (another busy process) delayed vtepd or bfdd past the detection time
flaps=$(( $(awk -v t="$T_TRIALS" '$0 ~ /Up -> Down/ && $NF + 0 >= t + 0' "$WORK/$VLOG" | wc -l) \
    - $(wc -l <"$WORK/trials.txt") ))

# Pair every trial's Down with the last packet from bfdd that reached
# vtepd's veth before it.
sleep 0.2    # tcpdump -U writes per packet; give the last write a moment
tshark -r "$WORK/bfd.pcap" -n -Y "ip.src == $FRR_IP && ip.dst == $VTEP_IP" \
    -T fields -e frame.time_epoch 2>/dev/null >"$WORK/peer_rx.txt"
"$PY" - "$WORK/trials.txt" "$WORK/peer_rx.txt" >"$WORK/detect.txt" <<'EOF'
import bisect, sys
from decimal import Decimal
rx = sorted(Decimal(l) for l in open(sys.argv[2]) if l.strip())
det, cut2down, bad = [], [], []
for line in open(sys.argv[1]):
    k, t_cut, t_down, diag = line.split()
    t_cut, t_down = Decimal(t_cut), Decimal(t_down)
    if diag != "detect_expired":
        bad.append("trial %s: diag %s" % (k, diag))
        continue
    i = bisect.bisect_left(rx, t_down)
    if i == 0:
        bad.append("trial %s: no packet before the Down" % k)
        continue
    det.append(float(t_down - rx[i - 1]) * 1000)
    cut2down.append(float(t_down - t_cut) * 1000)
det.sort()
within = sum(1 for x in det if 29.9 <= x <= 45.0)
print("within", within)
if not det:
    print("0 nan nan nan nan nan")
    sys.exit()
def pct(v, p):
    return v[min(len(v) - 1, int(round(p * (len(v) - 1))))]
med = (det[(len(det) - 1) // 2] + det[len(det) // 2]) / 2
print(len(det), "%.2f %.2f %.2f %.2f %.2f" % (det[0], med, pct(det, 0.9), det[-1], sum(det) / len(det)))
print("samples_ms", " ".join("%.2f" % x for x in det))
print("cut_to_down_ms", " ".join("%.1f" % x for x in sorted(cut2down)))
for b in bad:
    print("bad", b)
EOF
read -r n_det d_min d_med d_p90 d_max d_avg < <(sed -n 2p "$WORK/detect.txt")
n_within=$(sed -n 's/^within //p' "$WORK/detect.txt")
log "vtepd detection time at 10 ms x 3 (last packet from bfdd -> vtepd Down), $n_det trials:"
log "  min $d_min  median $d_med  p90 $d_p90  max $d_max  mean $d_avg ms (detection time 30 ms)"
sed -n 's/^samples_ms /  samples (ms): /p; s/^cut_to_down_ms /  cut command started -> Down (ms): /p; s/^bad /  not counted: /p' "$WORK/detect.txt"
check "detection samples: $n_det of $TRIALS trials (diag detect_expired, paired with a packet)" \
    test "$n_det" -ge "$TRIALS"
check "detection: median <= 35 ms ($d_med; detection time 30 ms + 5)" \
    awk -v v="$d_med" 'BEGIN { exit !(v <= 35) }'
# Below 30 ms would be a Down before the detection time (counted from the
# wire); far above it, a timer that fired late. A loaded 2-core machine
# delays a few: at least 90 % must be in 29.9-45 ms.
check "detection: $n_within of $n_det samples in 29.9-45 ms (min $d_min, max $d_max)" \
    test "$((n_within * 10))" -ge "$((n_det * 9))"
log "Downs during the trials that no cut caused (load on the machine): $flaps"
log "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
log "vtepd timer lateness: tx_late_max_us $(vtepd_sess .tx_late_max_us), tx_late_avg_us $(vtepd_sess .tx_late_avg_us);" \
    "up_transitions $(vtepd_sess .up_transitions), down_transitions $(vtepd_sess .down_transitions)," \
    "detect_expired $(vtepd_sess .detect_expired)"

# ---- 4. TTL 254 is dropped and counted ----
wait_for 10 both_up || die "not Up before the TTL check"
ttl0=$(cli "show bfd" | jq '.rx_frame_drops.ttl // 0')
my=$(vtepd_sess .remote_disc)
your=$(vtepd_sess .local_disc)
nsx "$NS_FRR" "$PY" - "$IF_FR" "$MAC_FR" "$MAC_UL" "$FRR_IP" "$VTEP_IP" "$my" "$your" <<'EOF' \
    >"$WORK/scapy.log" 2>&1 || die "scapy sender failed: $(tail -n 3 "$WORK/scapy.log")"
import struct, sys
from scapy.all import Ether, IP, UDP, Raw, sendp
ifc, smac, dmac, sip, dip, my, your = sys.argv[1:8]
# version 1, diag 0, state Up, mult 3, length 24, 10 ms intervals
bfd = struct.pack("!BBBBIIIII", 0x20, 0xC0, 3, 24, int(my), int(your), 10000, 10000, 0)
pkt = Ether(src=smac, dst=dmac) / IP(src=sip, dst=dip, ttl=254, tos=0xC0) / \
      UDP(sport=49152, dport=3784) / Raw(bfd)
sendp(pkt, iface=ifc, count=5, inter=0.01, verbose=False)
EOF
sleep 0.3
ttl1=$(cli "show bfd" | jq '.rx_frame_drops.ttl // 0')
check "TTL 254: 5 frames dropped as ttl (rx_frame_drops.ttl $ttl0 -> $ttl1)" test "$((ttl1 - ttl0))" -eq 5
check "TTL 254: session still up ($(vtepd_sess .state))" test "$(vtepd_sess .state)" = Up
log "vtepd show bfd:"
cli "show bfd" | jq -c '.sessions[0] | {state, remote_state, local_diag, remote_diag, local_disc, remote_disc, tx_interval_us, detect_time_us, ecmp_live, ecmp_buckets, tx, rx, up_transitions, down_transitions, detect_expired, tx_late_max_us, tx_late_avg_us, rx_drop}'
cli "show bfd" | jq -c '{rx_no_session, rx_bad_packet, rx_frames_ok, rx_frame_drops}'

# ---- 5. SIGTERM ----
stop_vtepd fast

log "summary: bring-up (first BFD packet from vtepd -> Up): ${BRINGUP[*]}"
log "summary: detection at 10 ms x 3 over $n_det trials: min $d_min median $d_med p90 $d_p90 max $d_max ms"
log "time: $(elapsed) s"
lab_done
