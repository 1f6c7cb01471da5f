#!/usr/bin/env bash
# Reload under constant-rate traffic (issue: a daemon operators can reload).
#
#   [ns host] --veth-- [vtepd h0 | up0] --veth-- [ns spine: tcpdump]
#   tcpreplay 2,000 fps       ns vtep            VXLAN out, counted
#
# The host replays, at a constant 2,000 frames/s for 6 s, frames of three
# VLANs round-robin, each carrying its sequence number:
#   VLAN 10 -> VNI 100, static MAC aa:01 behind 198.51.100.2 (never changes)
#   VLAN 20 -> VNI 200, static MAC bb:01 behind 198.51.100.3, then .4
#   VLAN 30 -> no VNI at first (dropped: access_no_vni), then VNI 300, cc:01
#              behind 198.51.100.5
# At 2 s the configuration file is replaced and reloaded ("reload" on the
# CLI); at 4 s a file with a syntax error (SIGHUP) and one that changes a
# port (CLI) are refused. Checks, from the capture on the spine side:
#   - VNI 100: every frame sent, all to .2, none lost across the reloads;
#   - VNI 200: every frame sent, to .3 up to one point and to .4 after it,
#     never back; the refused reloads change nothing;
#   - VNI 300: nothing before the reload, then every frame to .5; the frames
#     before it are exactly vtepd's access_no_vni drops;
#   - the configuration generation went 1 -> 2 and stayed; no other drop.
#
# usage: test_reload_replay.sh [path/to/vtepd]     (root; exit 77 = skipped)
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
VTEPD=$(readlink -f "${1:-$HERE/../../build/vtepd}")
P="rl$$"
. "$HERE/lib.sh"

NS_HOST="$P-host"
NS_VTEP="$P-vtep"
NS_SPINE="$P-spine"
FPS=2000
SECONDS_SENT=6

tools_require ip tcpdump tshark jq socat tcpreplay
"$PY" -c 'import scapy.all' 2>/dev/null || skip "python3-scapy not installed"
lab_init reload-replay
cli() { vcli "$WORK/cli.sock" "$1"; }
diagnostics() {
    [ -S "$WORK/cli.sock" ] && { log "--- show version"; cli "show version" || true; }
    [ -f "$WORK/vtepd.log" ] && { log "--- vtepd.log (tail)"; tail -n 20 "$WORK/vtepd.log"; }
    return 0
}

ns_add "$NS_HOST"
ns_add "$NS_VTEP"
ns_add "$NS_SPINE"
veth_pair "$NS_HOST" "${P}hh" 02:00:00:00:0f:01 "$NS_VTEP" "${P}ha" ""
veth_pair "$NS_VTEP" "${P}ul" 02:00:00:00:00:01 "$NS_SPINE" "${P}sp" 02:00:00:00:01:01

# the traffic: FPS * SECONDS_SENT frames, VLANs 10/20/30 in turn
"$PY" - "$WORK/traffic.pcap" $((FPS * SECONDS_SENT)) <<'EOP'
import sys
from scapy.all import Ether, Dot1Q, IP, UDP, Raw, wrpcap
out, n = sys.argv[1], int(sys.argv[2])
dst = {10: "02:00:00:00:aa:01", 20: "02:00:00:00:bb:01", 30: "02:00:00:00:cc:01"}
src = {10: "02:00:00:00:0a:10", 20: "02:00:00:00:0a:20", 30: "02:00:00:00:0a:30"}
pk = []
for i in range(n):
    v = (10, 20, 30)[i % 3]
    pk.append(Ether(src=src[v], dst=dst[v]) / Dot1Q(vlan=v) /
              IP(src="203.0.113.%d" % (v // 10), dst="203.0.113.100") /
              UDP(sport=40000 + v, dport=5000) / Raw(b"seq=%08d" % i))
wrpcap(out, pk)
EOP

conf() {    # conf B_VTEP_FOR_BB01 WITH_VNI300
    conf_head 192.0.2.1 pmd.net.af_packet:warning
    cat <<EOC
ports:
  - { name: up0, role: underlay, mac: "02:00:00:00:00:01", devargs: "net_af_packet0,iface=${P}ul" }
  - { name: h0, role: access, devargs: "net_af_packet1,iface=${P}ha" }
underlay:
  nexthops: [ { name: spine, port: up0, ip: 192.0.2.254, mac: "02:00:00:00:01:01" } ]
vnis:
  - vni: 100
    access: [ { port: h0, vlan: 10 } ]
    static_macs: [ { mac: "02:00:00:00:aa:01", vtep: 198.51.100.2 } ]
  - vni: 200
    access: [ { port: h0, vlan: 20 } ]
    static_macs: [ { mac: "02:00:00:00:bb:01", vtep: $1 } ]
EOC
    if [ "$2" = yes ]; then cat <<EOC
  - vni: 300
    access: [ { port: h0, vlan: 30 } ]
    static_macs: [ { mac: "02:00:00:00:cc:01", vtep: 198.51.100.5 } ]
EOC
    fi
    echo "control: { cli_socket: $WORK/cli.sock }"
}
conf 198.51.100.3 no >"$WORK/vtepd.yaml"
conf 198.51.100.4 yes >"$WORK/b.yaml"

tcpdump_start "$NS_SPINE" "$WORK/tcpdump.log" -i "${P}sp" -n -U -s 200 -w "$WORK/underlay.pcap" \
    udp port 4789
vtepd_start "$NS_VTEP" "$WORK/vtepd.yaml" "$WORK/vtepd.log" "$WORK/cli.sock" --stats-json "$WORK/stats.json"
check "generation 1 at start" test "$(cli 'show version' | jq .config_generation)" -eq 1

ip netns exec "$NS_HOST" tcpreplay -i "${P}hh" --pps=$FPS "$WORK/traffic.pcap" >"$WORK/tcpreplay.log" 2>&1 &
REPLAY=$!
track_pid $REPLAY
sleep 2
cp "$WORK/b.yaml" "$WORK/vtepd.yaml"
r=$(cli reload)
log "reload: $(jq -c . <<<"$r")"
check "reload applied: generation 2" test "$(jq -r .config_generation <<<"$r")" = 2
sleep 2
printf 'vnis: [ { vni: 100\n' >"$WORK/vtepd.yaml"
kill -HUP "$VTEPD_PID"
sleep 0.3
conf 198.51.100.4 yes | sed 's/iface=\([a-z0-9]*\)ul"/iface=\1ul,qpairs=1"/' >"$WORK/vtepd.yaml"
r=$(cli reload)
log "reload with a port change: $(jq -c . <<<"$r")"
check "a port change is refused (needs a restart), named" \
    bash -c "jq -r .error <<<'$r' | grep -q 'ports\[0\]: changed; this needs a restart'"
v=$(cli "show version")
check "after the refused reloads: still generation 2, 2 failures" \
    test "$(jq .config_generation <<<"$v")" -eq 2 -a "$(jq .reload.failures <<<"$v")" -eq 2
grep -q "reload refused: .*vtepd.yaml:2:1: (syntax)" "$WORK/vtepd.log" &&
    pass "SIGHUP with a syntax error: refused with file:line:col" ||
    fail "SIGHUP with a syntax error: refused with file:line:col"
wait "$REPLAY" || true
log "tcpreplay: $(grep -E 'Actual|Rated' "$WORK/tcpreplay.log" | tr -s ' ' | head -2 | tr '\n' ' ')"
sleep 0.5
rc=0
stop_pid "$VTEPD_PID" 100 || rc=$?
check "vtepd exits 0" test "$rc" -eq 0
stop_pid "$TCPDUMP_PID" 20 || true

sent=$((FPS * SECONDS_SENT))
per=$((sent / 3))
st="$WORK/stats.json"
nov=$(jq '.drops.access_no_vni' "$st")
other=$(jq '[.drops | to_entries[] | select(.key != "access_no_vni") | .value] | add' "$st")
check "vtepd received every frame ($(jq .ports.h0.rx_packets "$st") of $sent)" \
    test "$(jq .ports.h0.rx_packets "$st")" -eq "$sent"
check "no drop but access_no_vni (others: $other)" test "$other" -eq 0
tshark -r "$WORK/underlay.pcap" -d udp.port==4789,vxlan -T fields -e vxlan.vni -e ip.dst \
    -e data.data 2>/dev/null | awk '{ split($2, d, ","); print $1, d[1], $3 }' >"$WORK/out.txt"
# VNI, outer destination, sequence number of each frame on the underlay
"$PY" -c '
import sys
for line in open(sys.argv[1]):
    f = line.split()
    if len(f) == 3:
        print(f[0], f[1], int(bytes.fromhex(f[2])[4:12]))
' "$WORK/out.txt" >"$WORK/seq.txt"
n100=$(awk '$1 == 100' "$WORK/seq.txt" | wc -l)
n100_2=$(awk '$1 == 100 && $2 == "198.51.100.2"' "$WORK/seq.txt" | wc -l)
check "VNI 100 (unchanged): $n100 of $per frames, all to 198.51.100.2" \
    test "$n100" -eq "$per" -a "$n100_2" -eq "$per"
n200=$(awk '$1 == 200' "$WORK/seq.txt" | wc -l)
last3=$(awk '$1 == 200 && $2 == "198.51.100.3" { m = $3 } END { print m + 0 }' "$WORK/seq.txt")
first4=$(awk '$1 == 200 && $2 == "198.51.100.4" { if (m == "" || $3 < m) m = $3 } END { print m + 0 }' "$WORK/seq.txt")
n4=$(awk '$1 == 200 && $2 == "198.51.100.4"' "$WORK/seq.txt" | wc -l)
log "VNI 200: last frame to .3 seq $last3, first to .4 seq $first4, $n4 frames to .4"
check "VNI 200 (changed): $n200 of $per frames, .3 then .4 from one point on, never back" \
    test "$n200" -eq "$per" -a "$last3" -lt "$first4" -a "$n4" -gt 0
last_is_4=$(awk '$1 == 200 { l = $2 } END { print l }' "$WORK/seq.txt")
check "VNI 200 after the refused reloads: still to .4 (last frame to $last_is_4)" \
    test "$last_is_4" = 198.51.100.4
n300=$(awk '$1 == 300 && $2 == "198.51.100.5"' "$WORK/seq.txt" | wc -l)
first300=$(awk '$1 == 300 { if (m == "" || $3 < m) m = $3 } END { print m + 0 }' "$WORK/seq.txt")
log "VNI 300: $n300 frames to .5 from seq $first300; access_no_vni drops $nov"
check "VNI 300 (added): every frame after the reload ($n300 + $nov dropped before = $per)" \
    test $((n300 + nov)) -eq "$per" -a "$n300" -gt 0
check "VNI 300 starts where VNI 200 switched (seq $first300 vs $first4, within 30 frames)" \
    awk -v a="$first300" -v b="$first4" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(d <= 30) }'
check "no mbuf leak" test "$(jq .mempool.in_use "$st")" -eq 0
lab_done
