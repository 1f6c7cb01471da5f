#!/usr/bin/env bash
# Two workers (issue 13, "Several workers"): vtepd with two worker lcores,
# every port a net_af_packet device with two queue pairs. The kernel's
# PACKET_FANOUT_HASH (which DPDK 22.11's af_packet PMD sets, with the
# DEFRAG and ROLLOVER flags) spreads frames over the queues by flow, as RSS
# does on a NIC; queue q of port p is polled by worker (p + q) mod 2.
#
#   hostA --veth-- [vtepd: ac0 | ul0] --veth-- peer (raw sockets: the remote
#   64 flows,        2 workers  | ul1 --veth--  VTEP's traffic, 14 BFD peers,
#   32 host MACs                                 ARP for the VTEP address)
#
# Traffic: 64 UDP flows x 50 packets each way at once (encapsulated from
# hostA, decapsulated from the peer), sequence numbers in the payload.
# Checked with vtepd's per-worker counters and at the receivers: both
# workers forwarded both ways; no flow reordered (and none lost); each flow
# kept its outer UDP source port; every host MAC learned, learn events
# from both workers; the classifier's per-worker tables hold every flow
# once and mark packets 1-20 short, the rest long (outer DSCP at the
# receiver); ARP for the VTEP address punted by both workers and all
# answered (ul0 and ul1: every ARP frame hashes alike, and the two ports'
# queues go to different workers); BFD punted by both workers, all 14
# sessions Up; control TX (ARP replies, BFD) sent through both workers.
#
# Usage: test_workers.sh VTEPD   (root; exit 77 without it)
set -euo pipefail
VTEPD=$1
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
. "$HERE/lib.sh"
P="wk$$"
TOOL=("$PY" "$HERE/workers_traffic.py")
FLOWS=64
PACKETS=50
MACS=32
THRESHOLD=20
BFD_N=14
lab_init workers
tools_require jq socat

NS_VTEP="$P-vtep"
NS_A="$P-hostA"
NS_PEER="$P-peer"
MAC_UL=02:00:00:00:00:01
MAC_ULK=02:00:00:00:00:02
MAC_U1=02:00:00:00:00:03
MAC_U1K=02:00:00:00:00:04
REMOTE_MAC=02:00:00:00:bb:01
SOCK="$WORK/cli.sock"

diagnostics() {
    [ -f "$WORK/vtepd.log" ] && { log "--- vtepd log (tail)"; tail -n 30 "$WORK/vtepd.log"; }
    [ -S "$SOCK" ] && { log "--- show bfd (states)"; vcli "$SOCK" "show bfd" |
        jq -c '[.sessions[]? | {peer, state, rx}]' 2>/dev/null || true; }
    return 0
}

for ns in "$NS_VTEP" "$NS_A" "$NS_PEER"; do ns_add "$ns"; done
veth_pair "$NS_VTEP" "${P}ac" "" "$NS_A" "${P}a" ""
veth_pair "$NS_VTEP" "${P}ul" "$MAC_UL" "$NS_PEER" "${P}ulk" "$MAC_ULK"
veth_pair "$NS_VTEP" "${P}u1" "$MAC_U1" "$NS_PEER" "${P}u1k" "$MAC_U1K"

# vtepd: the main lcore (control thread) floats over CPUs 0-1, worker 1 on
# CPU 0, worker 2 on CPU 1
write_conf() {   # write_conf EXTRA-VTEP-KEYS
    local i
    printf 'eal: [ "--no-huge", "--no-pci", "-m", "512", "--lcores", "0@(0,1),1@0,2@1",\n'
    printf '       "--file-prefix", "%s", "--log-level", "pmd.net.af_packet:info" ]\n' "$P"
    printf 'vtep: { local_ip: 192.0.2.1%s }\n' "$1"
    printf 'ports:\n'
    printf '  - { name: ac0, role: access, devargs: "net_af_packet_ac0,iface=%sac,qpairs=2,framecnt=4096" }\n' "$P"
    printf '  - { name: ul0, role: underlay, mac: "%s", devargs: "net_af_packet_ul0,iface=%sul,qpairs=2,framecnt=4096" }\n' "$MAC_UL" "$P"
    printf '  - { name: ul1, role: underlay, mac: "%s", devargs: "net_af_packet_ul1,iface=%su1,qpairs=2,framecnt=512" }\n' "$MAC_U1" "$P"
    printf 'underlay:\n  nexthops:\n'
    printf '    - { name: spine, port: ul0, ip: 192.0.2.2, mac: "%s" }\n' "$MAC_ULK"
    for ((i = 0; i < BFD_N; i++)); do
        printf '    - { name: b%d, port: ul0, ip: 192.0.2.%d, mac: "%s" }\n' $((10 + i)) $((10 + i)) "$MAC_ULK"
    done
    printf 'vnis:\n  - vni: 100\n    access: [ { port: ac0, vlan: untagged } ]\n'
    printf '    static_macs: [ { mac: "%s", vtep: 198.51.100.2 } ]\n' "$REMOTE_MAC"
    printf '    flood: [ 198.51.100.2 ]\n    arp_suppress: false\n'
    printf 'control: { cli_socket: %s }\n' "$SOCK"
    printf 'bfd:\n'
    for ((i = 0; i < BFD_N; i++)); do
        printf '  - { peer: 192.0.2.%d, port: ul0, tx_ms: 300, rx_ms: 300, multiplier: 10 }\n' $((10 + i))
    done
    printf 'classifier:\n  threshold_packets: %d\n  idle_s: 120\n  protocols: [ udp ]\n' "$THRESHOLD"
    printf '  short: { group: default, dscp: 46 }\n  long: { group: default, dscp: 10 }\n'
}
# idle workers sleep where vtepd offers it (vtep.poll_sleep_us): the two
# workers share the machine's two CPUs with the traffic ends
write_conf ", poll_sleep_us: 50" >"$WORK/vtepd.yaml"
if nsx "$NS_VTEP" "$VTEPD" -c "$WORK/vtepd.yaml" --check >"$WORK/check.log" 2>&1; then
    log "vtep.poll_sleep_us: 50 (idle workers sleep)"
else
    grep -q poll_sleep_us "$WORK/check.log" || die "vtepd --check: $(cat "$WORK/check.log")"
    log "note: this vtepd has no vtep.poll_sleep_us: the workers busy-poll"
    write_conf "" >"$WORK/vtepd.yaml"
    nsx "$NS_VTEP" "$VTEPD" -c "$WORK/vtepd.yaml" --check >"$WORK/check.log" 2>&1 \
        || die "vtepd --check: $(cat "$WORK/check.log")"
fi

# the receivers first: they see everything from the first frame on
start_bg() {   # start_bg NS OUT TOOL-ARGS...: a tool process in NS, tracked; PID in BG_PID
    local ns=$1 out=$2
    shift 2
    ip netns exec "$ns" "${TOOL[@]}" "$@" >"$out.log" 2>&1 &
    BG_PID=$!
    track_pid "$BG_PID"
}
start_bg "$NS_PEER" "$WORK/rx_ul" recv "${P}ulk" "$WORK/rx_ul.json"
RX_UL=$BG_PID
start_bg "$NS_A" "$WORK/rx_ac" recv "${P}a" "$WORK/rx_ac.json"
RX_AC=$BG_PID
start_bg "$NS_PEER" "$WORK/bfd_peer" bfd-peer "${P}ulk" "$WORK/bfd_peer.json" \
    --sessions "$BFD_N" --src-mac "$MAC_ULK" --dst-mac "$MAC_UL"
BFD_PEER=$BG_PID
wait_for 10 test -f "$WORK/rx_ul.json.ready" -a -f "$WORK/rx_ac.json.ready" \
    -a -f "$WORK/bfd_peer.json.ready" || die "the traffic ends did not start"

log "[$(elapsed) s] topology and traffic ends up"
vtepd_start "$NS_VTEP" "$WORK/vtepd.yaml" "$WORK/vtepd.log" "$SOCK"
grep -E "RX queue [0-9]+ -> worker" "$WORK/vtepd.log" | sed 's/^.*port /  port /' || true
grep -q "share.* a physical core" "$WORK/vtepd.log" && log "note: $(grep -m1 "share.* a physical core" "$WORK/vtepd.log" | sed "s/^.*vtepd: //")"
T_START=$(now)
log "[$(elapsed) s] vtepd forwarding"

# learning warm-up: one broadcast ARP from each host MAC
nsx "$NS_A" "${TOOL[@]}" garp "${P}a" --macs "$MACS"
macs_learned() {
    [ "$(vcli "$SOCK" "show macs" | jq '[.macs[] | select(.port == "ac0")] | length')" \
        -ge "$MACS" ]
}
wait_for 10 macs_learned || log "note: not every host MAC learned after the warm-up"
log "[$(elapsed) s] host MACs learned"

# both directions at once
t0=$(now)
start_bg "$NS_A" "$WORK/send_ac" send-access "${P}a" --flows "$FLOWS" --packets "$PACKETS" \
    --macs "$MACS" --dst-mac "$REMOTE_MAC"
S_AC=$BG_PID
start_bg "$NS_PEER" "$WORK/send_ul" send-underlay "${P}ulk" --flows "$FLOWS" \
    --packets "$PACKETS" --macs "$MACS" --dst-mac "$MAC_UL" --src-mac "$MAC_ULK"
S_UL=$BG_PID
wait_pid() { local rc=0; wait "$1" || rc=$?; untrack_pid "$1"; return $rc; }
wait_pid "$S_AC" || die "send-access failed: $(cat "$WORK/send_ac.log")"
wait_pid "$S_UL" || die "send-underlay failed: $(cat "$WORK/send_ul.log")"
log "[$(elapsed) s] sent $((2 * FLOWS * PACKETS)) frames in $(ms_between "$t0" "$(now)") ms (access: $(cat "$WORK/send_ac.log"), underlay: $(cat "$WORK/send_ul.log"))"

# ARP for the VTEP address on both underlay ports
nsx "$NS_PEER" "${TOOL[@]}" arp "${P}ulk" "$WORK/arp_ul0.json" --src-mac "$MAC_ULK" >/dev/null
nsx "$NS_PEER" "${TOOL[@]}" arp "${P}u1k" "$WORK/arp_ul1.json" --src-mac "$MAC_U1K" >/dev/null

log "[$(elapsed) s] ARP done"
# the BFD sessions came up meanwhile (vtepd sends at 1 s until Up)
bfd_all_up() {
    [ "$(vcli "$SOCK" "show bfd" | jq '[.sessions[]? | select(.state == "Up")] | length')" \
        = "$BFD_N" ]
}
wait_for 30 bfd_all_up || true
log "[$(elapsed) s] BFD: $(vcli "$SOCK" "show bfd" | jq '[.sessions[]? | select(.state == "Up")] | length') of $BFD_N sessions Up $(ms_between "$T_START" "$(now)") ms after vtepd started forwarding"
# what vtepd forwarded has reached the receivers once its TX counters stop
tx_now() { vcli "$SOCK" "show stats" | jq -c '[.workers[].ports.ac0.tx_packets]'; }
prev=""
for ((i = 0; i < 50; i++)); do
    cur=$(tx_now)
    [ "$cur" = "$prev" ] && break
    prev=$cur
    sleep 0.3
done
log "[$(elapsed) s] TX counters settled"
vcli "$SOCK" "show stats" >"$WORK/stats.json"
vcli "$SOCK" "show classifier" >"$WORK/classifier.json"
vcli "$SOCK" "show macs" >"$WORK/macs.json"
vcli "$SOCK" "show bfd" >"$WORK/bfd.json"
for f in stats classifier macs bfd; do
    json_ok "$WORK/$f.json" || die "vtepd answered no JSON to show $f"
done
log "[$(elapsed) s] state read"
stop_pid "$RX_UL" 100 || true
stop_pid "$RX_AC" 100 || true
stop_pid "$BFD_PEER" 100 || true
log "[$(elapsed) s] traffic ends stopped"
for f in rx_ul rx_ac bfd_peer; do
    json_ok "$WORK/$f.json" || die "$f wrote no JSON: $(cat "$WORK/$f.log")"
done
jq -r '.workers | to_entries[] | "worker \(.key) (lcore \(.value.lcore)): \(.value.packets) packets, learn \(.value.learn_events), punted \(.value.punted) (BFD \(.value.punted_bfd)), control TX \(.value.ctrl_tx), \(.value.ports | to_entries | map("\(.key) rx \(.value.rx_packets) tx \(.value.tx_packets)") | join(", "))"' \
    "$WORK/stats.json"
log "[$(elapsed) s] counters read"

if stop_pid "$VTEPD_PID" 100; then
    pass "vtepd stopped cleanly on SIGTERM"
else
    fail "vtepd did not stop cleanly"
fi

log "[$(elapsed) s] vtepd stopped"
"$PY" "$HERE/workers_traffic.py" check --stats "$WORK/stats.json" \
    --classifier "$WORK/classifier.json" --macs-json "$WORK/macs.json" --bfd "$WORK/bfd.json" \
    --bfd-peer "$WORK/bfd_peer.json" --rx-underlay "$WORK/rx_ul.json" \
    --rx-access "$WORK/rx_ac.json" --arp "$WORK/arp_ul0.json" --arp "$WORK/arp_ul1.json" \
    --flows "$FLOWS" --packets "$PACKETS" --macs "$MACS" --threshold "$THRESHOLD" \
    --short-dscp 46 --long-dscp 10 --bfd-sessions "$BFD_N" >"$WORK/check.out" || true
grep -E '^(PASS|FAIL):' "$WORK/check.out" || true
PASS=$((PASS + $(grep -c '^PASS:' "$WORK/check.out" || true)))
FAIL=$((FAIL + $(grep -c '^FAIL:' "$WORK/check.out" || true)))
grep -qE '^[0-9]+ passed, [0-9]+ failed' "$WORK/check.out" \
    || { fail "the checker did not finish: $(tail -n 5 "$WORK/check.out")"; }
log "elapsed $(elapsed) s"
lab_done
