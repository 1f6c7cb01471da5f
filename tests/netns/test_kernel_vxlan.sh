#!/usr/bin/env bash
# Namespace interop test: vtepd against the Linux kernel's own VXLAN device.
#
#   hostA --veth-- [vtepd, af_packet ports] --veth (underlay)-- remote --veth-- hostB
#   203.0.113.1     VTEP 192.0.2.1                192.0.2.2 vxlan100+br100    203.0.113.2
#
# vtepd runs in its own namespace with two DPDK af_packet ports: the access
# port on a veth to hostA, the underlay port on a veth to "remote", where a
# kernel vxlan device (VNI 100) and a bridge put hostB on the same segment.
# Both sides use static flood lists and MACs. The kernel resolves vtepd's
# VTEP address by ARP (answered by vtepd's control thread): there is no
# static neighbour entry for 192.0.2.1 in "remote".
#
# Checks: pings both ways, the kernel's ARP entry for vtepd, vtepd's stats
# JSON at exit (encap/decap, ARP replies, learned MAC, no leaked mbufs) and
# a tshark decode of the underlay capture (VNI 100, valid outer IPv4
# checksum on every frame vtepd sent).
#
# usage: test_kernel_vxlan.sh [path/to/vtepd]      (root; exit 77 = skipped)
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
VTEPD=$(readlink -f "${1:-$HERE/../../build/vtepd}")
T0=$(date +%s.%N)

# ---- names and addresses (everything carries the per-run prefix) ----
P="vt$$"
NS_VTEP="$P-vtep"
NS_REMOTE="$P-remote"
NS_A="$P-hostA"
NS_B="$P-hostB"
ALL_NS=("$NS_VTEP" "$NS_REMOTE" "$NS_A" "$NS_B")
IF_UL="${P}ul"      # vtepd underlay port       (ns vtep)
IF_ULK="${P}ulk"    # kernel underlay interface (ns remote)
IF_AC="${P}ac"      # vtepd access port         (ns vtep)
IF_A="${P}a"        # hostA                     (ns hostA)
IF_HB="${P}hb"      # bridge port to hostB      (ns remote)
IF_B="${P}b"        # hostB                     (ns hostB)

VTEP_IP=192.0.2.1
KERNEL_IP=192.0.2.2
MAC_UL=02:00:00:00:00:01    # vtepd underlay port
MAC_ULK=02:00:00:00:00:02   # kernel underlay interface = vtepd's next hop
MAC_AC=02:00:00:00:00:11
MAC_HB=02:00:00:00:00:12
MAC_A=02:00:00:00:aa:01
MAC_B=02:00:00:00:aa:02
IP_A=203.0.113.1
IP_B=203.0.113.2

PASS=0
FAIL=0
VTEPD_PID=
TCPDUMP_PID=
WORK=
SUMMARY=0   # 1 once the final "N passed, M failed" line is printed

log() { printf '%s\n' "$*"; }
pass() { PASS=$((PASS + 1)); log "PASS: $*"; }
fail() { FAIL=$((FAIL + 1)); log "FAIL: $*"; }
check() {   # check "description" command...
    local what=$1
    shift
    if "$@"; then pass "$what"; else fail "$what"; fi
}
elapsed() { awk -v a="$T0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }'; }

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

cleanup() {
    local rc=$?
    set +e
    if [ "$SUMMARY" -eq 0 ] && [ "$rc" -ne 0 ] && [ "$rc" -ne 77 ]; then
        FAIL=$((FAIL + 1))     # a setup command failed (set -e) or we were interrupted
        log "FAIL: aborted (exit status $rc)"
        log "$PASS passed, $FAIL failed"
    fi
    stop_pid "$TCPDUMP_PID" 20 >/dev/null 2>&1
    stop_pid "$VTEPD_PID" 50 >/dev/null 2>&1
    TCPDUMP_PID='' VTEPD_PID=''
    # EAL's runtime files for our --file-prefix (config, fbarrays: ~6 MB)
    rm -rf "/var/run/dpdk/$P"
    for ns in "${ALL_NS[@]}"; do
        if [ -e "/run/netns/$ns" ]; then
            for ifc in $(ip -n "$ns" -o link show 2>/dev/null | awk -F': ' '{ print $2 }' | cut -d@ -f1); do
                [ "$ifc" = lo ] || ip -n "$ns" link del "$ifc" 2>/dev/null
            done
            ip netns del "$ns" 2>/dev/null
        fi
    done
    if [ -n "$WORK" ] && [ -d "$WORK" ]; then
        if [ "$FAIL" -eq 0 ] && [ "$rc" -eq 0 ]; then
            rm -rf "$WORK"
        else
            log "kept $WORK (vtepd.log, stats.json, underlay.pcap)"
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
for tool in ip bridge ping tcpdump tshark jq timeout; do
    command -v "$tool" >/dev/null || skip "$tool not found (bash scripts/install-deps)"
done
[ -x "$VTEPD" ] || { log "FAIL: vtepd binary not found: $VTEPD"; log "0 passed, 1 failed"; exit 1; }
HAVE_ETHTOOL=1
command -v ethtool >/dev/null || { HAVE_ETHTOOL=0; log "note: ethtool missing, veth TX checksum offload left on"; }
WORK=$(mktemp -d /tmp/vtepd-netns.XXXXXX)

# Setup failures end the test through this.
die() {
    fail "$*"
    [ -f "$WORK/vtepd.log" ] && { log "--- vtepd.log"; tail -n 40 "$WORK/vtepd.log"; }
    log "$PASS passed, $FAIL failed"
    SUMMARY=1
    exit 1
}

# ---- topology ----
nsx() { local ns=$1; shift; ip netns exec "$ns" "$@"; }
for ns in "${ALL_NS[@]}"; do
    ip netns add "$ns" || die "cannot create namespace $ns"
    # before any link exists there, so none ever gets an IPv6 address
    nsx "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 \
        || die "cannot disable IPv6 in $ns"
    ip -n "$ns" link set lo up
done

# veth pairs created directly inside their namespaces
veth() {    # veth NS1 IF1 MAC1 NS2 IF2 MAC2
    ip link add "$2" address "$3" netns "$1" type veth peer name "$5" address "$6" netns "$4" \
        || die "cannot create veth $2/$5"
    nsx "$1" sysctl -qw "net.ipv6.conf.$2.disable_ipv6=1"
    nsx "$4" sysctl -qw "net.ipv6.conf.$5.disable_ipv6=1"
}
veth "$NS_VTEP" "$IF_UL" "$MAC_UL" "$NS_REMOTE" "$IF_ULK" "$MAC_ULK"
veth "$NS_VTEP" "$IF_AC" "$MAC_AC" "$NS_A" "$IF_A" "$MAC_A"
veth "$NS_REMOTE" "$IF_HB" "$MAC_HB" "$NS_B" "$IF_B" "$MAC_B"

# The kernel leaves checksums of locally sent UDP/TCP as CHECKSUM_PARTIAL on
# veth; af_packet on the peer then reads frames whose checksum was never
# filled in. Make the interfaces that feed vtepd checksum in software.
if [ "$HAVE_ETHTOOL" -eq 1 ]; then
    nsx "$NS_REMOTE" ethtool -K "$IF_ULK" tx off >/dev/null 2>&1 || log "note: ethtool -K $IF_ULK tx off failed"
    nsx "$NS_A" ethtool -K "$IF_A" tx off >/dev/null 2>&1 || log "note: ethtool -K $IF_A tx off failed"
fi

# vtepd's side: links up, no addresses (the kernel stack stays off them)
ip -n "$NS_VTEP" link set "$IF_UL" up
ip -n "$NS_VTEP" link set "$IF_AC" up

# remote: the kernel leaf
ip -n "$NS_REMOTE" addr add "$KERNEL_IP/24" dev "$IF_ULK"
ip -n "$NS_REMOTE" link set "$IF_ULK" up
ip -n "$NS_REMOTE" link add vxlan100 type vxlan id 100 local "$KERNEL_IP" dstport 4789 nolearning \
    || die "cannot create the kernel vxlan device"
# no multicast snooping: the bridge would send IGMP reports over VXLAN
ip -n "$NS_REMOTE" link add br100 type bridge mcast_snooping 0
ip -n "$NS_REMOTE" link set vxlan100 master br100
ip -n "$NS_REMOTE" link set "$IF_HB" master br100
for ifc in vxlan100 "$IF_HB" br100; do ip -n "$NS_REMOTE" link set "$ifc" up; done
bridge -n "$NS_REMOTE" fdb append 00:00:00:00:00:00 dev vxlan100 dst "$VTEP_IP" \
    || die "cannot add the kernel flood entry"
bridge -n "$NS_REMOTE" fdb add "$MAC_A" dev vxlan100 dst "$VTEP_IP" \
    || die "cannot add the kernel static MAC"

# the two hosts
ip -n "$NS_A" addr add "$IP_A/24" dev "$IF_A"
ip -n "$NS_A" link set "$IF_A" up
ip -n "$NS_B" addr add "$IP_B/24" dev "$IF_B"
ip -n "$NS_B" link set "$IF_B" up

# ---- vtepd ----
cat >"$WORK/vtepd.yaml" <<EOF
# generated by tests/netns/test_kernel_vxlan.sh
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
    - { name: kernel, port: ul0, ip: $KERNEL_IP, mac: "$MAC_ULK" }
vnis:
  - vni: 100
    access: [ { port: ac0, vlan: untagged } ]
    static_macs:
      - { mac: "$MAC_B", vtep: $KERNEL_IP }
    flood: [ $KERNEL_IP ]
EOF

# capture the kernel's underlay interface from before vtepd starts
# Background jobs run "ip netns exec" directly, never through a shell
# function: ip execs the command, so $! is the PID of tcpdump / vtepd itself.
ip netns exec "$NS_REMOTE" tcpdump -i "$IF_ULK" -n -U --immediate-mode -s 512 -w "$WORK/underlay.pcap" \
    2>"$WORK/tcpdump.log" &
TCPDUMP_PID=$!
for ((i = 0; i < 50; i++)); do
    grep -q "listening on" "$WORK/tcpdump.log" 2>/dev/null && break
    kill -0 "$TCPDUMP_PID" 2>/dev/null || break
    sleep 0.1
done
grep -q "listening on" "$WORK/tcpdump.log" || die "tcpdump did not start: $(cat "$WORK/tcpdump.log")"

# --duration: a fail-safe so vtepd never outlives the test
ip netns exec "$NS_VTEP" "$VTEPD" -c "$WORK/vtepd.yaml" --duration 55000 \
    --stats-json "$WORK/stats.json" >"$WORK/vtepd.log" 2>&1 &
VTEPD_PID=$!
for ((i = 0; i < 150; i++)); do
    grep -q "forwarding:" "$WORK/vtepd.log" 2>/dev/null && break
    kill -0 "$VTEPD_PID" 2>/dev/null || break
    sleep 0.1
done
if ! grep -q "forwarding:" "$WORK/vtepd.log"; then
    kill -0 "$VTEPD_PID" 2>/dev/null || die "vtepd exited before forwarding"
    die "vtepd did not start forwarding within 15 s"
fi
[ "$(readlink "/proc/$VTEPD_PID/exe")" = "$VTEPD" ] || die "PID $VTEPD_PID is not vtepd"
pass "vtepd forwarding ($(elapsed) s)"

# ---- traffic ----
# Warm-up: the first exchange resolves ARP on both sides (hostB->hostA over
# the VXLAN flood path, remote->vtepd on the underlay). Bounded retries.
ready=0 tries=0
while [ "$tries" -lt 10 ]; do
    tries=$((tries + 1))
    if nsx "$NS_B" ping -c 1 -W 1 "$IP_A" >/dev/null 2>&1; then ready=1; break; fi
done
check "first hostB->hostA reply ($tries attempt(s), $(elapsed) s)" test "$ready" -eq 1

ping_all() {    # ping_all NS DST: 5 echo requests, every one answered
    local out
    out=$(nsx "$1" ping -c 5 -i 0.2 -W 1 "$2" 2>&1) || true
    log "$out" | sed -n '/packets transmitted/p'
    grep -q "5 packets transmitted, 5 received" <<<"$out"
}
check "hostB ping hostA: 5/5 replies" ping_all "$NS_B" "$IP_A"
check "hostA ping hostB: 5/5 replies" ping_all "$NS_A" "$IP_B"

# the kernel learned vtepd's VTEP MAC by ARP (no static entry was added)
neigh=$(ip -n "$NS_REMOTE" neigh show "$VTEP_IP" dev "$IF_ULK")
log "remote neighbour: $neigh"
neigh_ok() { [[ "$neigh" == *"lladdr $MAC_UL"* && "$neigh" != *PERMANENT* && "$neigh" != *FAILED* ]]; }
check "kernel resolved $VTEP_IP to $MAC_UL by ARP" neigh_ok

# ---- stop, then read what happened ----
rc=0
stop_pid "$VTEPD_PID" 100 || rc=$?
VTEPD_PID=
check "vtepd exited 0 on SIGTERM (rc $rc)" test "$rc" -eq 0
stop_pid "$TCPDUMP_PID" 30 || true
TCPDUMP_PID=
sed -n '/^port \|^vni \|^drop \|^arp /p' "$WORK/vtepd.log"

S="$WORK/stats.json"
if [ -s "$S" ] && jq -e . "$S" >/dev/null 2>&1; then
    pass "stats JSON written"
    jqc() { jq -e "$1" "$S" >/dev/null; }
    check "VNI 100 encap_packets > 0 ($(jq '.vnis["100"].encap_packets' "$S"))" \
        jqc '.vnis["100"].encap_packets > 0'
    check "VNI 100 decap_packets > 0 ($(jq '.vnis["100"].decap_packets' "$S"))" \
        jqc '.vnis["100"].decap_packets > 0'
    check "events.arp_replies >= 1 ($(jq '.events.arp_replies' "$S"))" \
        jqc '.events.arp_replies >= 1'
    check "mempool.in_use == 0 ($(jq '.mempool.in_use' "$S"))" jqc '.mempool.in_use == 0'
    check "hostA $MAC_A learned as local on ac0 in VNI 100" \
        jqc "any(.macs[]; .vni == 100 and .mac == \"$MAC_A\" and .type == \"local\" and .port == \"ac0\")"
    nz=$(jq -r '[.drops | to_entries[] | select(.value > 0) | "\(.key)=\(.value)"] | join(" ")' "$S")
    log "non-zero drops: ${nz:-none}"
else
    fail "stats JSON written ($S)"
fi

# ---- the wire, as tshark sees it ----
CAP="$WORK/underlay.pcap"
TS=(tshark -r "$CAP" -n -o ip.check_checksum:TRUE -o udp.check_checksum:FALSE)
if [ -s "$CAP" ]; then
    log "--- underlay capture (kernel side)"
    "${TS[@]}" 2>/dev/null | head -n 40 || true
    from_vtepd="eth.src == $MAC_UL && ip.src == $VTEP_IP && udp.dstport == 4789"
    n_all=$("${TS[@]}" -Y "$from_vtepd" 2>/dev/null | wc -l)
    n_good=$("${TS[@]}" -Y "$from_vtepd && vxlan.vni == 100 && ip.checksum.status == 1 && ip.dst == $KERNEL_IP && eth.dst == $MAC_ULK" \
        2>/dev/null | wc -l)
    n_icmp=$("${TS[@]}" -Y "$from_vtepd && icmp" 2>/dev/null | wc -l)
    n_icmp_good=$("${TS[@]}" -Y "$from_vtepd && icmp.checksum.status == 1" 2>/dev/null | wc -l)
    check "tshark: $n_all VXLAN frames from vtepd, all VNI 100 to $KERNEL_IP/$MAC_ULK with a valid outer IPv4 checksum ($n_good)" \
        test "$n_all" -gt 0 -a "$n_all" -eq "$n_good"
    check "tshark: inner ICMP checksums valid in vtepd's frames ($n_icmp_good of $n_icmp)" \
        test "$n_icmp" -gt 0 -a "$n_icmp" -eq "$n_icmp_good"
    n_arp=$("${TS[@]}" -Y "arp.opcode == 2 && eth.src == $MAC_UL && arp.src.hw_mac == $MAC_UL && arp.src.proto_ipv4 == $VTEP_IP" \
        2>/dev/null | wc -l)
    check "tshark: vtepd's ARP reply for $VTEP_IP on the wire ($n_arp)" test "$n_arp" -ge 1
else
    fail "underlay capture is empty"
fi

if [ "$FAIL" -ne 0 ]; then
    log "--- vtepd.log (tail)"
    tail -n 40 "$WORK/vtepd.log"
fi
log "time: $(elapsed) s"
log "$PASS passed, $FAIL failed"
SUMMARY=1
[ "$FAIL" -eq 0 ]
