#!/usr/bin/env bash
# vtep-meter live on real ports: two af_packet taps in a network namespace,
# stamped with the TSC (af_packet offers no RX timestamps).
#
#   x0 --veth-- x1 (tap A)        y0 --veth-- y1 (tap B)
#
# A sender writes each test packet on x0 as a plain frame and, a
# millisecond later, on y0 VXLAN-encapsulated with another TTL, DSCP and
# MACs (what a leaf and a spine would do to it); three packets are never
# sent at B (lost), two are sent only at B (unexpected), one is sent twice at
# B (duplicate). vtep-meter is stopped with SIGINT.
#
# Checks: both ports report the TSC fallback with its reason; every sent
# packet matched, lost, unexpected or duplicate exactly as sent; latencies
# of at least the 1 ms the sender waited, less the lateness of the TSC
# stamps that the meter reports (a stamp is taken when a burst is polled: a
# poller off the CPU on a busy machine stamps late); FCT, loss, completion
# and class per flow; results and summary written.
#
# usage: test_meter_afpacket.sh [path/to/vtep-meter]   (root; exit 77 = skipped)
set -uo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
METER=$(readlink -f "${1:-$HERE/../../build/vtep-meter}")
P="mt$$"
. "$HERE/../netns/lib.sh"
NS="$P-ns"

tools_require ip
"$PY" -c "import scapy" 2>/dev/null || skip "needs python3-scapy"
lab_init meter-afp
[ -x "$METER" ] || die "vtep-meter not built: $METER"
diagnostics() {
    [ -f "$WORK/meter.err" ] && { log "--- meter.err (tail)"; tail -n 20 "$WORK/meter.err"; }
    return 0
}

ns_add "$NS"
veth_pair "$NS" x0 "" "$NS" x1 ""
veth_pair "$NS" y0 "" "$NS" y1 ""

ip netns exec "$NS" "$METER" --port A=net_af_packet_a0,iface=x1 --port B=net_af_packet_b0,iface=y1 \
    -o "$WORK/out" --per-packet --no-plot -- --no-huge --no-pci -m 512 -l 0 --no-telemetry \
    --log-level lib.eal:error --file-prefix "$P" >"$WORK/meter.out" 2>"$WORK/meter.err" &
MPID=$!
track_pid "$MPID"
wait_for 30 _alive_or_done "$MPID" grep -q "port B0" "$WORK/meter.out" || true   # EAL init is slow on a busy machine
check "vtep-meter started on two af_packet ports" grep -q "port B0" "$WORK/meter.out"

cat >"$WORK/send.py" <<'EOF'
import json, sys, time
from scapy.all import IP, TCP, UDP, VXLAN, Ether, Raw, conf
sa, sb = conf.L2socket(iface="x0"), conf.L2socket(iface="y0")
sent = {"lost": 0, "unexpected": 0, "dup": 0, "matched": 0}
def inner(flow, i, ttl, tos, smac):
    return (Ether(src=smac, dst="02:00:00:00:0a:02") /
            IP(src="198.51.100.%d" % (10 + flow), dst="203.0.113.1", id=i, ttl=ttl, tos=tos) /
            TCP(sport=40000 + flow, dport=80, seq=1000 + 100 * i, flags="PA") / Raw(b"pkt-%04d" % i))
def outer(p):
    return (Ether(src="02:00:00:00:0c:01", dst="02:00:00:00:0c:02") /
            IP(src="192.0.2.1", dst="192.0.2.2", ttl=62, tos=46 << 2) /
            UDP(sport=50000, dport=4789) / VXLAN(vni=10) / p)
for i in range(60):
    flow = i % 3          # flows of 20 packets
    a = inner(flow, i, 64, 0, "02:00:00:00:0a:01")
    b = outer(inner(flow, i, 63, 10 << 2, "02:00:00:00:0b:01"))
    sa.send(a)
    time.sleep(0.001)
    if i in (5, 17, 33):
        sent["lost"] += 1
        continue
    sb.send(b)
    sent["matched"] += 1
    if i == 40:
        sb.send(b)
        sent["dup"] += 1
for i in (1000, 1001):
    sb.send(outer(inner(9, i, 63, 0, "02:00:00:00:0b:01")))
    sent["unexpected"] += 1
json.dump(sent, sys.stdout)
EOF
sender() { nsx "$NS" "$PY" "$WORK/send.py" >"$WORK/sent.json"; }
check "sender ran" sender
sleep 1.5
RC=0
stop_pid "$MPID" 100 INT || RC=$?
check "SIGINT: vtep-meter exits 0 (got $RC)" test "$RC" -eq 0
tsc_fallback() {
    test "$(grep -c 'no RX timestamp support (driver net_af_packet' "$WORK/meter.out")" -eq 2 &&
        grep -q "falling back to the TSC at receive" "$WORK/meter.out"
}
check "both ports say they fall back to the TSC, and why" tsc_fallback

$PY - "$WORK/out" "$WORK/sent.json" >"$WORK/checks.out" 2>&1 <<'EOF'
import csv, json, sys
out, sent = sys.argv[1], json.load(open(sys.argv[2]))
s = json.load(open(out + "/summary.json"))
c = s["counters"]
fl = {int(r["sport"]): r for r in csv.DictReader(open(out + "/flows.csv")) if r["proto"] == "tcp"}
pk = list(csv.DictReader(open(out + "/packets.csv")))
lat = [int(p["latency_ns"]) for p in pk]
def show(name, ok, detail=""):
    print("%s  %s%s" % ("PASS" if ok else "FAIL", name, (": " + detail) if not ok and detail else ""))
    return ok
ok = True
ok &= show("matched/lost/unexpected/duplicates as sent",
           (c["matched"], c["lost"], c["unexpected_b"], c["dup_b"]) ==
           (sent["matched"], sent["lost"], sent["unexpected"], sent["dup"]),
           "got %s %s %s %s, sent %s" % (c["matched"], c["lost"], c["unexpected_b"], c["dup_b"], sent))
lat_sorted = sorted(lat)
med = lat_sorted[len(lat) // 2] if lat else None
# A TSC stamp is taken when the burst is polled: it may be late by up to the
# gap since the previous poll, which the meter reports per port.
unc = max(p.get("stamp_gap_max_ns", 1e12) for p in s["ports"])
print("info  latencies: %d, min %s, median %s, max %s ns, negative %d; stamps late by up to "
      "%.0f ns (poller off the CPU)" % (len(lat), lat_sorted[0] if lat else None, med,
                                       lat_sorted[-1] if lat else None,
                                       sum(1 for x in lat if x < 0), unc))
ok &= show("latencies: each >= 1 ms (the sender's wait) less the stamps' reported lateness, "
           "< 1 s; median >= 1 ms when the poller kept up (lateness < 0.5 ms)",
           len(lat) == sent["matched"] and
           all(1_000_000 - unc - 1000 <= x < 1_000_000_000 + unc for x in lat) and
           (unc >= 500_000 or med >= 1_000_000))
ok &= show("ports use the TSC", [p["clock"] for p in s["ports"]] == ["tsc", "tsc"])
want = {40000: 1, 40001: 0, 40002: 2}    # lost per flow: i = 33 (flow 0), 5 and 17 (flow 2)
good = all(int(fl[p]["lost"]) == n and fl[p]["completed"] == ("0" if n else "1") and
           fl[p]["class"] == "short" and int(fl[p]["packets"]) == 20
           for p, n in want.items()) and len(fl) == 3
ok &= show("three flows of 20 packets, lost 1/0/2, only the lossless one completed, short", good,
           str({p: (r["packets"], r["lost"], r["completed"], r["class"]) for p, r in fl.items()}))
fct_ok = all(int(r["fct_ns"]) >= 57 * 1_000_000 for r in fl.values())
ok &= show("FCT spans the flow (>= 57 sender waits of 1 ms)", fct_ok,
           str([r["fct_ns"] for r in fl.values()]))
ok &= show("DSCP at B is the outer one (46)", all(r["dscp_b_set"] == "46" for r in fl.values()))
ok &= show("summary written, not interrupted by errors",
           s["interrupted"] is True and s["complete"] is True and s["errors"] == [])
sys.exit(0 if ok else 1)
EOF
R=$?
# the checker's PASS/FAIL lines are this lab's checks
while IFS= read -r line; do
    case "$line" in
        "PASS  "*) pass "${line#PASS  }" ;;
        "FAIL  "*) fail "${line#FAIL  }" ;;
        *) log "$line" ;;
    esac
done <"$WORK/checks.out"
[ "$R" -eq 0 ] || grep -q '^FAIL' "$WORK/checks.out" || fail "result checks ran (exit status $R)"
lab_done
