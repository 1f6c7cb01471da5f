#!/usr/bin/env bash
# Kernel lab for the XDP twin of the classifier (vtep-splitter):
#
#   client ns (c0) --veth-- (r0: XDP, native) router ns
#                            router: ip rule dsfield -> table short / table long
#                            vx-s (VNI 101) and vx-l (VNI 102): two kernel VXLAN
#                            tunnels over one underlay veth (u0) to
#   far ns (u1, vx-s, vx-l, server 198.51.100.200 on lo)
#
# A TCP transfer from the client to the server: the XDP program marks the
# first THRESHOLD packets of the flow with the short DSCP and the rest with
# the long one; policy routing by DSCP puts them on vx-s and vx-l. Captures
# on both tunnels must show exactly the first THRESHOLD packets of the flow
# on vx-s, the rest on vx-l, none out of order, each with its DSCP; the
# program's own counters must agree. A second connection (a new 5-tuple)
# starts short again.
#
# The DSCPs are 4 (short, TOS 0x10) and 2 (long, TOS 0x08): the kernel's
# legacy rule selector (`ip rule ... dsfield`, iproute2 6.1) accepts only
# TOS-field values 0x04-0x1c; newer iproute2 has `ip rule ... dscp N`.
#
# Usage: test_splitter_lab.sh VTEP_SPLITTER. Root; exit 77 when a
# prerequisite is missing. One PASS/FAIL line per check.
set -u
SPLITTER=${1:?usage: $0 VTEP_SPLITTER}
THRESHOLD=20
P="spl$$-"
C=${P}c; R=${P}r; F=${P}f
TMP=$(mktemp -d /tmp/vtepd-splitter-lab.XXXXXX)
fails=0
pids=()

pass() { echo "PASS: $*"; }
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
check() { local what=$1; shift; if "$@"; then pass "$what"; else fail "$what"; fi; }

cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; done
    ip netns exec "$R" "$SPLITTER" detach r0 >/dev/null 2>&1
    for ns in "$C" "$R" "$F"; do ip netns del "$ns" 2>/dev/null; done
    rm -rf "$TMP"
}
trap cleanup EXIT

[ "$(id -u)" = 0 ] || { echo "SKIP: needs root"; exit 77; }
for t in socat tcpdump ethtool; do
    command -v "$t" >/dev/null || { echo "SKIP: $t missing"; exit 77; }
done

ip netns add "$C" && ip netns add "$R" && ip netns add "$F" || exit 1
for ns in "$C" "$R" "$F"; do
    ip netns exec "$ns" sysctl -qw net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0
    ip -n "$ns" link set lo up
done
ip netns exec "$R" sysctl -qw net.ipv4.ip_forward=1
ip netns exec "$F" sysctl -qw net.ipv4.ip_forward=1

# client <-> router
ip link add c0 netns "$C" type veth peer name r0 netns "$R"
ip -n "$C" addr add 192.0.2.2/24 dev c0
ip -n "$R" addr add 192.0.2.1/24 dev r0
ip -n "$C" link set c0 up
ip -n "$R" link set r0 up
ip -n "$C" route add default via 192.0.2.1
# segments as the client's stack sends them: no TSO/GSO on the client side,
# no GRO where the XDP program runs
ip netns exec "$C" ethtool -K c0 tso off gso off >/dev/null 2>&1
ip netns exec "$R" ethtool -K r0 gro off >/dev/null 2>&1

# underlay and the two tunnels
ip link add u0 netns "$R" mtu 9000 type veth peer name u1 netns "$F" mtu 9000
ip -n "$R" addr add 203.0.113.1/24 dev u0
ip -n "$F" addr add 203.0.113.2/24 dev u1
ip -n "$R" link set u0 up
ip -n "$F" link set u1 up
for side in R F; do
    ns=${!side}
    if [ $side = R ]; then l=203.0.113.1; r=203.0.113.2; a=1; else l=203.0.113.2; r=203.0.113.1; a=2; fi
    if ! ip -n "$ns" link add vx-s mtu 1500 type vxlan id 101 local $l remote $r dstport 4789 2>/dev/null ||
       ! ip -n "$ns" link add vx-l mtu 1500 type vxlan id 102 local $l remote $r dstport 4789 2>/dev/null; then
        echo "SKIP: no VXLAN devices in this kernel"; exit 77
    fi
    ip -n "$ns" addr add 198.51.100.$a/30 dev vx-s
    ip -n "$ns" addr add 198.51.100.$((a + 4))/30 dev vx-l
    ip -n "$ns" link set vx-s up
    ip -n "$ns" link set vx-l up
done
ip -n "$F" addr add 198.51.100.200/32 dev lo
ip -n "$F" route add 192.0.2.0/24 via 198.51.100.1 dev vx-s

# policy routing by DSCP on the router
ip -n "$R" route add 198.51.100.200/32 via 198.51.100.2 dev vx-s table 100
ip -n "$R" route add 198.51.100.200/32 via 198.51.100.6 dev vx-l table 101
ip -n "$R" route add 198.51.100.200/32 via 198.51.100.2 dev vx-s
ip -n "$R" rule add dsfield 0x10 lookup 100 pref 100
ip -n "$R" rule add dsfield 0x08 lookup 101 pref 101

cat >"$TMP/splitter.yaml" <<EOF
classifier:
  threshold_packets: $THRESHOLD
  idle_s: 30
  protocols: [ tcp ]
  short: { dscp: 4 }
  long: { dscp: 2 }
EOF

if out=$(ip netns exec "$R" "$SPLITTER" -c "$TMP/splitter.yaml" attach r0 2>&1); then
    pass "XDP program attached natively to the router's veth: $out"
else
    fail "native attach to veth r0: $out"
    exit 1
fi
ip -n "$R" -d link show r0 | grep -q "prog/xdp" && pass "ip link shows prog/xdp on r0" ||
    fail "ip link shows no XDP program on r0"

# server: counts what it receives
ip netns exec "$F" socat -u TCP-LISTEN:5001,bind=198.51.100.200,reuseaddr,fork \
    OPEN:"$TMP/received",creat,append >/dev/null 2>&1 &
pids+=($!)
# captures on both tunnels (inner frames), client -> server direction only
for t in vx-s vx-l; do
    ip netns exec "$R" tcpdump -i $t -U -n --time-stamp-precision nano -w "$TMP/$t.pcap" \
        "tcp and src host 192.0.2.2 and dst host 198.51.100.200" 2>"$TMP/$t.err" &
    pids+=($!)
done
for t in vx-s vx-l; do
    for _ in $(seq 50); do grep -q "listening on" "$TMP/$t.err" && break; sleep 0.1; done
done
ip netns exec "$C" ping -c 1 -W 2 198.51.100.200 >/dev/null 2>&1 ||
    fail "client reaches the server before the transfer"

run_transfer() {   # $1 bytes, $2 source port
    head -c "$1" /dev/zero | ip netns exec "$C" socat -u - \
        TCP:198.51.100.200:5001,sourceport="$2",connect-timeout=5
}
BYTES=300000
check "TCP transfer 1 ($BYTES bytes) completed" run_transfer $BYTES 40001
sleep 0.5
check "TCP transfer 2 (short: 3000 bytes, new source port) completed" run_transfer 3000 40002
sleep 1
for i in "${!pids[@]}"; do
    [ "$i" = 0 ] && continue
    kill -INT "${pids[$i]}" 2>/dev/null; wait "${pids[$i]}" 2>/dev/null
done
got=$(stat -c %s "$TMP/received" 2>/dev/null || echo 0)
check "the server received $((BYTES + 3000)) bytes (got $got)" [ "$got" = $((BYTES + 3000)) ]

# every captured packet of a flow: "epoch-seconds tos tunnel"
decode() {   # $1 tunnel, $2 source port
    tcpdump -r "$TMP/$1.pcap" -n -tt -v --time-stamp-precision nano "tcp and src port $2" 2>/dev/null |
        awk -v t="$1" '/ IP \(tos / { for (i = 1; i <= NF; i++) if ($i == "(tos") { tos = $(i + 1); sub(",.*", "", tos) } print $1, tos, t }'
}
for port in 40001 40002; do
    { decode vx-s $port; decode vx-l $port; } | sort -n -k1,1 >"$TMP/flow$port.txt"
done

F1="$TMP/flow40001.txt"
check "every captured packet decoded with its TOS" [ "$(awk 'NF != 3 || $2 !~ /^0x/' "$F1" "$TMP/flow40002.txt" | wc -l)" = 0 ]
n_s=$(grep -c " vx-s$" "$F1")
n_l=$(grep -c " vx-l$" "$F1")
total=$((n_s + n_l))
echo "counted: transfer 1: $total packets client->server: $n_s on vx-s (short tunnel), $n_l on vx-l (long tunnel)"
check "the first $THRESHOLD packets of the flow are on the short tunnel, none more ($n_s)" [ "$n_s" = $THRESHOLD ]
check "the rest ($((total - THRESHOLD))) are on the long tunnel ($n_l)" [ "$n_l" = $((total - THRESHOLD)) -a "$n_l" -gt 50 ]
first_long=$(awk '$3 == "vx-l" { print NR; exit }' "$F1")
last_short=$(awk '$3 == "vx-s" { n = NR } END { print n + 0 }' "$F1")
check "in time order, packets 1-$THRESHOLD short then $((THRESHOLD + 1))-$total long (last short #$last_short, first long #$first_long)" \
    [ "$last_short" = $THRESHOLD -a "$first_long" = $((THRESHOLD + 1)) ]
bad_s=$(awk '$3 == "vx-s" && $2 != "0x10" && $2 != "0x11" && $2 != "0x12" && $2 != "0x13"' "$F1" | wc -l)
bad_l=$(awk '$3 == "vx-l" && $2 != "0x8" && $2 != "0x9" && $2 != "0xa" && $2 != "0xb"' "$F1" | wc -l)
check "short packets carry DSCP 4, long ones DSCP 2 ($bad_s and $bad_l wrong)" [ "$bad_s" = 0 -a "$bad_l" = 0 ]

F2="$TMP/flow40002.txt"
n2_s=$(grep -c " vx-s$" "$F2")
n2_l=$(grep -c " vx-l$" "$F2")
echo "counted: transfer 2: $((n2_s + n2_l)) packets: $n2_s on vx-s, $n2_l on vx-l"
check "a new connection starts short: transfer 2's packets all on vx-s" [ "$n2_s" -ge 3 -a "$n2_l" = 0 ]

# the program's own counters
ip netns exec "$R" "$SPLITTER" stats r0 >"$TMP/stats" 2>&1
sed 's/^/  stats: /' "$TMP/stats"
val() { awk -v k="$1" '$1 == k { print $2 }' "$TMP/stats"; }
check "program counters: short_packets $(val short_packets) = $THRESHOLD + $((n2_s))" \
    [ "$(val short_packets)" = $((THRESHOLD + n2_s)) ]
check "program counters: long_packets $(val long_packets) = $n_l" [ "$(val long_packets)" = "$n_l" ]
check "program counters: promotions $(val promotions) = 1, inserts $(val inserts) = 2" \
    [ "$(val promotions)" = 1 -a "$(val inserts)" = 2 ]
check "program counters: flows_in_map $(val flows_in_map) = 2" [ "$(val flows_in_map)" = 2 ]
out=$(ip netns exec "$R" "$SPLITTER" detach r0 2>&1)
check "detach: $out" ip netns exec "$R" sh -c "! ip -d link show r0 | grep -q prog/xdp"

echo "splitter lab: $fails failure(s)"
[ $fails = 0 ]
