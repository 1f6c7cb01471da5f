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
PY=/usr/bin/python3

if [ "$(id -u)" -ne 0 ]; then echo "SKIP: needs root (network namespaces)"; exit 77; fi
if ! $PY -c "import scapy" 2>/dev/null; then echo "SKIP: needs python3-scapy"; exit 77; fi

P="mt$$"
NS="$P-ns"
TMP=$(mktemp -d /tmp/meter-afp-XXXXXX)
MPID=
cleanup() {
    [ -n "$MPID" ] && kill "$MPID" 2>/dev/null && wait "$MPID" 2>/dev/null
    ip netns del "$NS" 2>/dev/null
    if [ "${KEEP:-}" = "" ] && [ "$FAILED" -eq 0 ]; then rm -rf "$TMP"; else echo "kept $TMP"; fi
}
PASSED=0
FAILED=0
trap cleanup EXIT
check() {   # check NAME CONDITION-EXIT-STATUS
    if [ "$2" -eq 0 ]; then PASSED=$((PASSED + 1)); echo "PASS  $1";
    else FAILED=$((FAILED + 1)); echo "FAIL  $1"; fi
}

ip netns add "$NS"
ip -n "$NS" link add x0 type veth peer name x1
ip -n "$NS" link add y0 type veth peer name y1
ip netns exec "$NS" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
for i in x0 x1 y0 y1 lo; do
    ip netns exec "$NS" sysctl -qw "net.ipv6.conf.$i.disable_ipv6=1" 2>/dev/null
    ip -n "$NS" link set "$i" up
done

ip netns exec "$NS" "$METER" --port A=net_af_packet_a0,iface=x1 --port B=net_af_packet_b0,iface=y1 \
    -o "$TMP/out" --per-packet --no-plot -- --no-huge --no-pci -m 512 -l 0 --no-telemetry \
    --log-level lib.eal:error --file-prefix "$P" >"$TMP/meter.out" 2>"$TMP/meter.err" &
MPID=$!
for _ in $(seq 1 100); do
    grep -q "port B0" "$TMP/meter.out" 2>/dev/null && break
    sleep 0.1
done
grep -q "port B0" "$TMP/meter.out"
check "vtep-meter started on two af_packet ports" $?

cat >"$TMP/send.py" <<'EOF'
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
ip netns exec "$NS" $PY "$TMP/send.py" >"$TMP/sent.json"
check "sender ran" $?
sleep 1.5
kill -INT "$MPID"
wait "$MPID"
RC=$?
MPID=
check "SIGINT: vtep-meter exits 0 (got $RC)" "$RC"
test "$(grep -c 'no RX timestamp support (driver net_af_packet' "$TMP/meter.out")" -eq 2 &&
    grep -q "falling back to the TSC at receive" "$TMP/meter.out"
check "both ports say they fall back to the TSC, and why" $?

$PY - "$TMP/out" "$TMP/sent.json" >"$TMP/checks.out" 2>&1 <<'EOF'
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
cat "$TMP/checks.out"
PASSED=$((PASSED + $(grep -c '^PASS' "$TMP/checks.out")))
FAILED=$((FAILED + $(grep -c '^FAIL' "$TMP/checks.out")))
[ "$R" -eq 0 ] || [ "$(grep -c '^FAIL' "$TMP/checks.out")" -gt 0 ] || check "result checks ran" "$R"
echo "$PASSED passed, $FAILED failed"
[ "$FAILED" -eq 0 ]
