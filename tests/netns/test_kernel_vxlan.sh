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

# ---- names and addresses (everything carries the per-run prefix) ----
P="vt$$"
. "$HERE/lib.sh"
NS_REMOTE="$P-remote"
vni100_names "$NS_REMOTE"   # hostA, vtepd, hostB; IF_ULK, IF_HB in ns remote
KERNEL_IP=$PEER_IP

# ---- prerequisites ----
tools_require ip bridge ping tcpdump tshark jq timeout
lab_init netns
KEEP_NOTE="vtepd.log, stats.json, underlay.pcap"
diagnostics() {
    [ -f "$WORK/vtepd.log" ] && { log "--- vtepd.log (tail)"; tail -n 40 "$WORK/vtepd.log"; }
    return 0
}

# ---- topology ----
vni100_topology

# remote: the kernel leaf
kernel_vtep "$NS_REMOTE" vxlan100 br100 "$KERNEL_IP" 100 "$IF_HB"
bridge -n "$NS_REMOTE" fdb append 00:00:00:00:00:00 dev vxlan100 dst "$VTEP_IP" \
    || die "cannot add the kernel flood entry"
bridge -n "$NS_REMOTE" fdb add "$MAC_A" dev vxlan100 dst "$VTEP_IP" \
    || die "cannot add the kernel static MAC"

# ---- vtepd ----
{
    conf_vni100 kernel
    cat <<EOF
    static_macs:
      - { mac: "$MAC_B", vtep: $KERNEL_IP }
    flood: [ $KERNEL_IP ]
EOF
} >"$WORK/vtepd.yaml"

# capture the kernel's underlay interface from before vtepd starts
tcpdump_start "$NS_REMOTE" "$WORK/tcpdump.log" -i "$IF_ULK" -n -U --immediate-mode -s 512 \
    -w "$WORK/underlay.pcap"

# --duration: a fail-safe so vtepd never outlives the test
vtepd_start "$NS_VTEP" "$WORK/vtepd.yaml" "$WORK/vtepd.log" "" --duration 55000 \
    --stats-json "$WORK/stats.json"
pass "vtepd forwarding ($(elapsed) s)"

# ---- traffic ----
# Warm-up: the first exchange resolves ARP on both sides (hostB->hostA over
# the VXLAN flood path, remote->vtepd on the underlay). Bounded retries.
ready=0
ping_first "$NS_B" "$IP_A" && ready=1
check "first hostB->hostA reply ($PING_TRIES attempt(s), $(elapsed) s)" test "$ready" -eq 1

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
check "vtepd exited 0 on SIGTERM (rc $rc)" test "$rc" -eq 0
stop_pid "$TCPDUMP_PID" 30 || true
sed -n '/^port \|^vni \|^drop \|^arp /p' "$WORK/vtepd.log"

S="$WORK/stats.json"
if json_ok "$S"; then
    pass "stats JSON written"
    jqc() { jq_true "$S" "$1"; }
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

log "time: $(elapsed) s"
lab_done
