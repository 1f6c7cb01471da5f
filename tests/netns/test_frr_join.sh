#!/usr/bin/env bash
# Namespace lab: vtepd is a leaf of an FRR EVPN fabric on its own (issue 11).
# No static fdb entry and no static next-hop MAC anywhere.
#
#  hostA ---- [ vtepd ns: vtepd ac0 | ul0 ] ---- spine ---- leaf K ---- hostB
#  203.0.113.1   tap 192.0.2.1 (kernel_iface)    RR, iBGP   198.51.100.1  203.0.113.2
#                zebra + bgpd -M bmp              .254/.254  zebra+bgpd
#                kernel mirror vtdbr100/vtdvx100             br100+vx100
#                                                               |
#                                                             hostC (hostA's MAC
#                                                             when it "moves")
#
# vtepd's ns runs FRR too: its bgpd peers with the spine (route reflector,
# AS 65000) through vtepd's exception path (net_tap interface with the
# underlay port's MAC), its zebra reads vtepd's local MACs from the kernel
# mirror (advertise-all-vni), and its bgpd streams its Adj-RIB-In over BMP
# to vtepd's feed_tcp_port on 127.0.0.1. vtepd's only next hop (the spine)
# has no MAC in the configuration: it is resolved by ARP. Leaf K is a Linux
# VXLAN VTEP run by FRR.
#
# Checks:
#  1. BGP vtepd-ns <-> spine Established through the exception path
#     (to_kernel/from_kernel > 0); the spine's MAC resolved by ARP.
#  2. K learns hostA (MAC, then MAC/IP snooped by vtepd) over BGP; vtepd
#     learns hostB from its feed; pings both ways.
#  5. ARP suppression: hostA's ARP for hostB answered by vtepd (no inner ARP
#     request for hostB on the underlay); an unknown IP is flooded;
#     'show arp-cache 100' has hostB's binding from EVPN.
#  6. A crafted VXLAN frame from a VTEP not on the flood list is dropped
#     (src_vtep_unknown); K's frames are delivered (the pings).
#  3. Ageing: hostA quiet with vtep.mac_age_s 2 (reload) -> K withdraws it;
#     move: hostA's MAC speaks behind K -> K re-advertises with a higher
#     mobility sequence, vtepd's route withdrawn, vtepd forwards to K.
#     Times from the dataplane event (capture) to K's change (vty poll).
#  4. Restart vtepd (SIGKILL, start): the mirror is rebuilt with no stale
#     entry (one added by hand on the stand-in port) and none missing
#     (bridge fdb == local MACs in show macs); K's table follows.
#
# usage: test_frr_join.sh [path/to/vtepd]      (root; exit 77 = skipped)
#        KEEP=1 keeps the work dir (logs, captures) after a passing run
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
VTEPD=$(readlink -f "${1:-$HERE/../../build/vtepd}")
FRR_MODDIR=/usr/lib/x86_64-linux-gnu/frr/modules

P="fj$$"
. "$HERE/lib.sh"
NS_VTEP="$P-vtep"
NS_SP="$P-spine"
NS_K="$P-leafk"
NS_A="$P-hostA"
NS_B="$P-hostB"
NS_C="$P-hostC"
IF_UL="${P}ul"      # vtepd underlay port (af_packet)       ns vtep
IF_SV="${P}sv"      # spine toward vtepd                     ns spine
IF_SK="${P}sk"      # spine toward K                         ns spine
IF_KS="${P}ks"      # K toward the spine                     ns K
IF_AC="${P}ac"      # vtepd access port (af_packet)          ns vtep
IF_A="${P}a"        # hostA                                  ns hostA
IF_KB="${P}kb"      # K's bridge port to hostB               ns K
IF_B="${P}b"        # hostB                                  ns hostB
IF_KC="${P}kc"      # K's bridge port to hostC               ns K
IF_C="${P}c"        # hostC                                  ns hostC
TAP="${P}tap"       # vtepd's kernel interface               ns vtep
BR="${P}br"         # K's bridge                             ns K
VX="${P}vx"         # K's VXLAN device                       ns K
VTEP_IP=192.0.2.1
SP_V=192.0.2.254
SP_K=198.51.100.254
K_IP=198.51.100.1
IP_A=203.0.113.1
IP_B=203.0.113.2
IP_KBR=203.0.113.254   # K's bridge (hostB pings it: K's MAC/IP route)
IP_UNKNOWN=203.0.113.77
IP_ROGUE=198.51.100.77 # the source of the crafted VXLAN frame
MAC_UL=02:00:00:00:00:01
MAC_SV=02:00:00:00:00:fe
MAC_SK=02:00:00:00:01:fe
MAC_KS=02:00:00:00:01:01
MAC_AC=02:00:00:00:00:11
MAC_A=02:00:00:00:aa:01
MAC_B=02:00:00:00:aa:02
MAC_X=02:00:00:00:aa:0f    # added by hand on the stand-in port before the restart
mac_a=${MAC_A,,}
mac_b=${MAC_B,,}
mac_x=${MAC_X,,}
ASN=65000
FEED_PORT=11019     # vtepd's BMP TCP port, 127.0.0.1 in ns vtep
MPT=vtdpt100        # the kernel mirror's stand-in port and bridge
MBR=vtdbr100

vty() { frr_vty "$RUN/$1" "$2" -c "$3"; }       # vty m|sp|k DAEMON COMMAND
cli() { vcli "$RUN/cli.sock" "$1"; }

diagnostics() {
    [ -n "$WORK" ] || return 0
    log "=== diagnostics"
    if [ -S "$RUN/cli.sock" ]; then
        local c
        for c in "show neighbors" "show macs" "show kernel-mirror" "show arp-cache 100"; do
            log "--- vtepd: $c"
            cli "$c" 2>&1 | head -c 3000 || true
            echo
        done
        log "--- vtepd: show evpn summary"
        cli "show evpn summary" 2>&1 | head -c 2000 || true
        echo
    fi
    local side
    for side in m sp k; do
        if [ -S "$RUN/$side/bgpd.vty" ]; then
            log "--- $side: show bgp l2vpn evpn summary / route"
            vty "$side" bgpd "show bgp l2vpn evpn summary" 2>&1 | tail -n 6 || true
            vty "$side" bgpd "show bgp l2vpn evpn route" 2>&1 | head -n 40 || true
        fi
    done
    [ -S "$RUN/k/zebra.vty" ] && { log "--- k: show evpn mac vni 100"; vty k zebra "show evpn mac vni 100" 2>&1 | head -n 20; }
    [ -S "$RUN/m/zebra.vty" ] && { log "--- m: show evpn mac vni 100"; vty m zebra "show evpn mac vni 100" 2>&1 | head -n 20; }
    [ -f "$WORK/vtepd.log" ] && { log "--- vtepd.log (tail)"; tail -n 30 "$WORK/vtepd.log"; }
    local f
    for f in "$RUN"/m/bgpd.log "$RUN"/m/zebra.log "$RUN"/sp/bgpd.log; do
        [ -f "$f" ] && { log "--- $f (tail)"; tail -n 15 "$f"; }
    done
    return 0
}

# ---- prerequisites ----
frr_require zebra bgpd
[ -f "$FRR_MODDIR/bgpd_bmp.so" ] || skip "FRR's BMP module is missing ($FRR_MODDIR/bgpd_bmp.so)"
tools_require vtysh ip bridge ping jq timeout socat tcpdump tshark ethtool "$PY"
"$PY" -c 'import scapy.all' 2>/dev/null || skip "scapy missing ($PY; apt-get install python3-scapy)"
[ -c /dev/net/tun ] || skip "no /dev/net/tun (the exception path's TAP)"
lab_init frrjoin
KEEP_NOTE="vtepd*.log, *.pcap, run/{m,sp,k}/*.log"

# ---- topology ----
for ns in "$NS_VTEP" "$NS_SP" "$NS_K" "$NS_A" "$NS_B" "$NS_C"; do ns_add "$ns"; done
# vtepd's ports carry no address; the spine's and hostA's ends checksum in
# software (af_packet would read unfilled checksums)
vtep_link "$NS_VTEP" "$IF_UL" "$MAC_UL" "$NS_SP" "$IF_SV" "$MAC_SV" "$SP_V"
vtep_link "$NS_VTEP" "$IF_AC" "$MAC_AC" "$NS_A" "$IF_A" "$MAC_A" "$IP_A"
veth_pair "$NS_SP" "$IF_SK" "$MAC_SK" "$NS_K" "$IF_KS" "$MAC_KS"
csum_sw "$NS_K" "$IF_KS"
ip -n "$NS_SP" addr add "$SP_K/24" dev "$IF_SK"
ip -n "$NS_K" addr add "$K_IP/24" dev "$IF_KS"
ip -n "$NS_K" route add 192.0.2.0/24 via "$SP_K"
nsx "$NS_SP" sysctl -qw net.ipv4.ip_forward=1
veth_pair "$NS_K" "$IF_KB" "" "$NS_B" "$IF_B" "$MAC_B"
ip -n "$NS_B" addr add "$IP_B/24" dev "$IF_B"
kernel_vtep "$NS_K" "$VX" "$BR" "$K_IP" 100 "$IF_KB"
ip -n "$NS_K" addr add "$IP_KBR/24" dev "$BR"
# hostC: a port of K's bridge, down until hostA's MAC moves there
ip link add "$IF_KC" netns "$NS_K" type veth peer name "$IF_C" netns "$NS_C" address "$MAC_A"
ip -n "$NS_K" link set "$IF_KC" master "$BR"
ip -n "$NS_K" link set "$IF_KC" up
ip -n "$NS_C" addr add "$IP_A/24" dev "$IF_C"

# ---- vtepd ----
write_conf() {  # write_conf MAC_AGE_S
    conf_head "$VTEP_IP" pmd.net.af_packet:info | sed "s/^vtep: { local_ip: $VTEP_IP }/vtep: { local_ip: $VTEP_IP, mac_age_s: $1 }/"
    cat <<EOF
ports:
  - { name: ul0, role: underlay, mac: "$MAC_UL", kernel_iface: $TAP, kernel_rate_pps: 2000,
      devargs: "net_af_packet_ul0,iface=$IF_UL,qpairs=1,framecnt=256" }
  - { name: ac0, role: access, devargs: "net_af_packet_ac0,iface=$IF_AC,qpairs=1,framecnt=256" }
underlay:
  nexthops:
    - { name: spine, port: ul0, ip: $SP_V }
vnis:
  - vni: 100
    access: [ { port: ac0, vlan: untagged } ]
control:
  feed_socket: $RUN/feed.sock
  feed_tcp_port: $FEED_PORT
  cli_socket: $RUN/cli.sock
  feed_stale_s: 30
  kernel_mirror: { enabled: true }
EOF
}
write_conf 300 >"$WORK/vtepd.yaml"
grep -q "mac_age_s: 300" "$WORK/vtepd.yaml" || die "could not write mac_age_s into the configuration"

# The tap exists only while vtepd runs. Its address lives in the zebra
# configuration of vtepd's ns and the route to K's VTEP in staticd's: zebra
# gives the address again whenever the interface appears (vtepd restarted)
# and staticd re-installs the route. tap_ready waits for both.
tap_ready() {
    wait_for 10 eval 'ip -n "$NS_VTEP" -4 addr show dev "$TAP" 2>/dev/null | grep -q "inet $VTEP_IP/24" &&
        ip -n "$NS_VTEP" route show 198.51.100.0/24 2>/dev/null | grep -q "via $SP_V dev $TAP"'
}
vtepd_start "$NS_VTEP" "$WORK/vtepd.yaml" "$WORK/vtepd.log" "$RUN/cli.sock" --duration 1800000
nsx "$NS_VTEP" ip link show "$TAP" >/dev/null 2>&1 || die "vtepd did not create its kernel interface $TAP"
wait_for 5 eval 'cli "show kernel-mirror" | jq -e ".vnis[0].state == \"ready\"" >/dev/null 2>&1' \
    || die "kernel mirror of VNI 100 not ready: $(cli 'show kernel-mirror')"
pass "vtepd forwarding, $TAP created, kernel mirror ready ($(elapsed) s)"

# ---- FRR: spine (route reflector), K, and vtepd's own ns (m) ----
frr_dir "$RUN/m" "$P-m"
frr_dir "$RUN/sp" "$P-spine"
frr_dir "$RUN/k" "$P-k"
printf 'interface %s\n ip address %s/24\nexit\n' "$TAP" "$VTEP_IP" >>"$RUN/m/zebra.conf"
printf 'hostname %s-m\nip route 198.51.100.0/24 %s\n' "$P" "$SP_V" >"$RUN/m/staticd.conf"
bgp_head() {    # bgp_head ROUTER_ID
    printf 'router bgp %s\n bgp router-id %s\n bgp log-neighbor-changes\n' "$ASN" "$1"
    printf ' no bgp default ipv4-unicast\n coalesce-time 0\n timers bgp 3 9\n'
}
{
    bgp_head "$VTEP_IP"
    cat <<EOF
 neighbor $SP_V remote-as $ASN
 neighbor $SP_V timers connect 1
 address-family l2vpn evpn
  neighbor $SP_V activate
  neighbor $SP_V soft-reconfiguration inbound
  advertise-all-vni
 exit-address-family
 bmp targets vtepd
  bmp monitor l2vpn evpn pre-policy
  bmp connect 127.0.0.1 port $FEED_PORT min-retry 100 max-retry 1000
 exit
exit
EOF
} >"$RUN/m/bgpd.conf"
{
    bgp_head "$SP_V"
    for n in "$VTEP_IP" "$K_IP"; do
        printf ' neighbor %s remote-as %s\n neighbor %s timers connect 1\n' "$n" "$ASN" "$n"
    done
    printf ' address-family l2vpn evpn\n'
    for n in "$VTEP_IP" "$K_IP"; do
        printf '  neighbor %s activate\n  neighbor %s route-reflector-client\n' "$n" "$n"
    done
    printf ' exit-address-family\nexit\n'
} >"$RUN/sp/bgpd.conf"
{
    bgp_head "$K_IP"
    cat <<EOF
 neighbor $SP_K remote-as $ASN
 neighbor $SP_K timers connect 1
 address-family l2vpn evpn
  neighbor $SP_K activate
  advertise-all-vni
 exit-address-family
exit
EOF
} >"$RUN/k/bgpd.conf"
T_FRR=$(now)
frr_start_in "$RUN/sp" "$NS_SP" zebra
frr_start_in "$RUN/k" "$NS_K" zebra
frr_start_in "$RUN/m" "$NS_VTEP" zebra
frr_start_in "$RUN/m" "$NS_VTEP" staticd
frr_start_in "$RUN/sp" "$NS_SP" bgpd
frr_start_in "$RUN/k" "$NS_K" bgpd
frr_start_in "$RUN/m" "$NS_VTEP" bgpd -M bmp

# ---- 1. BGP through the exception path, next hop resolved by ARP ----
tap_ready || die "zebra/staticd did not give $TAP its address $VTEP_IP/24 and the route to 198.51.100.0/24"
m_state() { vty m bgpd "show bgp neighbors $SP_V json" 2>/dev/null | jq -r --arg n "$SP_V" '.[$n].bgpState // empty'; }
k_state() { vty k bgpd "show bgp neighbors $SP_K json" 2>/dev/null | jq -r --arg n "$SP_K" '.[$n].bgpState // empty'; }
est() { [ "$(m_state)" = Established ] && [ "$(k_state)" = Established ]; }
wait_for 20 est || true
check "1a. vtepd's ns BGP session to the spine Established through $TAP ($(ms_between "$T_FRR" "$(now)") ms after FRR start)" \
    test "$(m_state)" = Established
check "1b. leaf K's BGP session to the spine Established" test "$(k_state)" = Established
ST=$(cli "show stats")
TOK=$(jq -r '.events.to_kernel // 0' <<<"$ST")
FROMK=$(jq -r '.events.from_kernel // 0' <<<"$ST")
ARPK=$(jq -r '.events.arp_to_kernel // 0' <<<"$ST")
check "1c. exception path used: to_kernel $TOK, from_kernel $FROMK, arp_to_kernel $ARPK" \
    test "$TOK" -gt 0 -a "$FROMK" -gt 0
NB=$(cli "show neighbors")
nh_ok() {
    jq -e --arg ip "$SP_V" --arg mac "${MAC_SV,,}" \
        'any(.neighbors[]; .ip == $ip and .mac == $mac and .state != "incomplete")' <<<"$NB" >/dev/null 2>&1
}
check "1d. next hop $SP_V resolved by ARP to $MAC_SV ($(jq -c --arg ip "$SP_V" '.neighbors[] | select(.ip == $ip) | {mac, state}' <<<"$NB" 2>/dev/null))" nh_ok
[ "$FAIL" -eq 0 ] || die "stopping: no BGP through the exception path"


# ---- helpers for the checks below ----
# pollers (tests/netns/cli_poll.py on vtepd, frr_poll.py on a zebra): one
# process each, every 10 ms; started before the event, read after it
declare -A POLLS
poll_bg() {     # poll_bg NAME SCRIPT ARGS...: returns once it printed "ready"
    local name=$1
    shift
    "$PY" "$HERE/$1" "${@:2}" >"$WORK/poll-$name.out" 2>&1 &
    POLLS[$name]=$!
    track_pid "${POLLS[$name]}"
    wait_for 15 _alive_or_done "${POLLS[$name]}" grep -q '^ready' "$WORK/poll-$name.out" || true
    grep -q '^ready' "$WORK/poll-$name.out"
}
poll_end() {    # poll_end NAME...: wait for them
    local name
    for name in "$@"; do
        wait "${POLLS[$name]}" 2>/dev/null || true
        untrack_pid "${POLLS[$name]}"
    done
}
# poll_t NAME COND: when a round first saw COND (its answer's arrival), or ""
poll_t() { awk -v c="$2" '$1 == c && $2 != "-" { print ($4 != "" ? $3 : $2) }' "$WORK/poll-$1.out"; }
vpoll() { local n=$1; shift; poll_bg "$n" cli_poll.py "$RUN/cli.sock" "$@"; }      # vpoll NAME TIMEOUT INTERVAL COND...
zpoll() { local n=$1 s=$2; shift 2; poll_bg "$n" frr_poll.py "$RUN/$s/zebra.vty" "$@"; }  # zpoll NAME m|k TIMEOUT INTERVAL MAC COND...

# cap_time first|last PCAP FILTER: epoch time of the first/last matching frame
cap_time() {
    local pick=head
    [ "$1" = last ] && pick=tail
    tshark -r "$2" -n -Y "$3" -T fields -e frame.time_epoch 2>/dev/null | "$pick" -n 1 || true
}
cap_count() { tshark -r "$1" -n -Y "$2" 2>/dev/null | wc -l; }
# ms A B: B - A in ms (one decimal), "?" when either is missing
ms() { if [ -n "$1" ] && [ -n "$2" ]; then ms_between "$1" "$2"; else echo "?"; fi; }

k_json() { vty k zebra "show evpn mac vni 100 mac $1 json" 2>/dev/null; }
m_json() { vty m zebra "show evpn mac vni 100 mac $1 json" 2>/dev/null; }
# zmac m|k MAC JQ: the MAC's entry in that zebra satisfies JQ (on .[MAC])
zmac() { vty "$1" zebra "show evpn mac vni 100 mac $2 json" 2>/dev/null | jq -e --arg m "$2" ".[\$m] | $3" >/dev/null 2>&1; }
zseq() { vty "$1" zebra "show evpn mac vni 100 mac $2 json" 2>/dev/null | jq -c --arg m "$2" '.[$m] // {} | {type, remoteVtep, localSequence, remoteSequence}' 2>/dev/null; }
k_remote_a() { zmac k "$mac_a" "select(.type == \"remote\" and .remoteVtep == \"$VTEP_IP\")"; }
k_arp() {   # k_arp IP MAC: K has IP -> MAC as a remote neighbour via vtepd
    vty k zebra "show evpn arp-cache vni 100 json" 2>/dev/null | jq -e --arg ip "$1" --arg m "$2" --arg v "$VTEP_IP" \
        '.[$ip] | select(.type == "remote" and .mac == $m and .remoteVtep == $v)' >/dev/null 2>&1
}
v_remote() {    # v_remote MAC VTEP: vtepd's show macs has MAC remote via VTEP
    cli "show macs" | jq -e --arg m "$1" --arg v "$2" 'any(.macs[]; .mac == $m and .type == "remote" and .vtep == $v)' >/dev/null 2>&1
}
flood_has_k() { cli "show evpn" | jq -e --arg v "$K_IP" '(.rib.flood["100"] // []) | any(. == $v)' >/dev/null 2>&1; }
arp_has_b() {
    cli "show arp-cache 100" | jq -e --arg ip "$IP_B" --arg m "$mac_b" --arg v "$K_IP" \
        'any(.bindings[]; .ip == $ip and .remote.mac == $m and .remote.vtep == $v)' >/dev/null 2>&1
}
stat() { cli "show stats" | jq -r "$1 // 0"; }
reload_age() {  # reload_age S: vtep.mac_age_s S through a reload
    write_conf "$1" >"$WORK/vtepd.yaml"
    cli reload | jq -e '.ok == true' >/dev/null 2>&1
}

# ---- 2. hostB behind K: K's routes reach vtepd over BMP ----
ping_first "$NS_B" "$IP_KBR" || die "hostB cannot reach K's bridge address $IP_KBR"
wait_for 10 eval 'v_remote "$mac_b" "$K_IP" && flood_has_k && arp_has_b' || true
check "2a. vtepd learned hostB $MAC_B via $K_IP from its BMP feed (show macs)" v_remote "$mac_b" "$K_IP"
check "2b. vtepd's flood list of VNI 100 has $K_IP (type-3 from the feed)" flood_has_k
check "5a. show arp-cache 100: $IP_B -> $MAC_B, remote via $K_IP (EVPN MAC/IP route)" arp_has_b

# ---- 5. ARP suppression: hostA's first ARP for hostB stays local ----
CAP_UL="$WORK/underlay.pcap"
tcpdump_start "$NS_SP" "$WORK/tcpdump-ul.log" -i "$IF_SV" -n -U --immediate-mode -s 0 -w "$CAP_UL" udp port 4789
UL_PID=$TCPDUMP_PID
ANS0=$(stat '.arp_suppress.answered')
ok=0
ping_first "$NS_A" "$IP_B" && ok=1
check "2c. first ping hostA -> hostB answered ($PING_TRIES attempt(s))" test "$ok" -eq 1
a_neigh() { nsx "$NS_A" ip neigh show "$IP_B" dev "$IF_A" | grep -qi "lladdr $MAC_B"; }
check "5b. hostA's neighbour table: $IP_B lladdr $MAC_B ($(nsx "$NS_A" ip neigh show "$IP_B" | head -n 1))" a_neigh
ANS1=$(stat '.arp_suppress.answered')
check "5c. vtepd answered hostA's ARP itself (arp_suppress.answered $ANS0 -> $ANS1)" test "$ANS1" -gt "$ANS0"
nsx "$NS_A" ping -c 1 -W 1 "$IP_UNKNOWN" >/dev/null 2>&1 || true
sleep 0.3
stop_pid "$UL_PID" 20 || true
N_B=$(cap_count "$CAP_UL" "vxlan && arp.opcode == 1 && arp.dst.proto_ipv4 == $IP_B")
N_U=$(cap_count "$CAP_UL" "vxlan && arp.opcode == 1 && arp.dst.proto_ipv4 == $IP_UNKNOWN && ip.src == $VTEP_IP")
N_ALL=$(cap_count "$CAP_UL" "vxlan")
check "5d. no inner ARP request for $IP_B on the underlay (counted $N_B of $N_ALL VXLAN frames)" test "$N_B" -eq 0
check "5e. ARP for the unknown $IP_UNKNOWN flooded to $K_IP ($N_U inner ARP request(s))" test "$N_U" -ge 1

check "2d. hostA ping hostB: 5/5 replies" ping_all "$NS_A" "$IP_B"
# hostB has no neighbour entry for hostA yet (vtepd answered hostA's ARP,
# so hostB never saw it): its ARP crosses K, the fabric and vtepd first
ok=0
ping_first "$NS_B" "$IP_A" && ok=1
check "2e. first ping hostB -> hostA answered ($PING_TRIES attempt(s)), then 5/5 replies" \
    eval '[ "$ok" -eq 1 ] && ping_all "$NS_B" "$IP_A"'
wait_for 5 k_remote_a || true
check "2f. K learned hostA over BGP: $MAC_A remote via $VTEP_IP ($(zseq k "$mac_a"))" k_remote_a
wait_for 5 k_arp "$IP_A" "$mac_a" || true
check "2g. K learned hostA's MAC/IP (snooped by vtepd): $IP_A -> $MAC_A via $VTEP_IP" k_arp "$IP_A" "$mac_a"

# ---- 6. VXLAN from a VTEP not on the flood list ----
CAP_A="$WORK/hostA.pcap"
tcpdump_start "$NS_A" "$WORK/tcpdump-a.log" -i "$IF_A" -n -U --immediate-mode -s 0 -w "$CAP_A"
A_PID=$TCPDUMP_PID
craft() {   # craft SRC_IP N: N VXLAN frames (VNI 100) from SRC_IP to vtepd, inner to hostA
    nsx "$NS_SP" "$PY" - "$1" "$2" "$IF_SV" "$MAC_SV" "$MAC_UL" "$VTEP_IP" "$MAC_A" <<'EOF'
import sys
from scapy.all import Ether, IP, UDP, Raw, sendp
from scapy.layers.vxlan import VXLAN
src, n, ifc, smac, dmac, dst, inner_dst = sys.argv[1], int(sys.argv[2]), *sys.argv[3:]
# inner: an experimental ethertype hostA's kernel drops silently
f = (Ether(src=smac, dst=dmac) / IP(src=src, dst=dst, ttl=64) / UDP(sport=49999, dport=4789) /
     VXLAN(vni=100, flags=0x08) / Ether(src="02:00:00:00:bb:01", dst=inner_dst, type=0x88b5) /
     Raw(b"vtepd src_vtep_check " + src.encode()))
sendp(f, iface=ifc, count=n, verbose=False)
EOF
}
D0=$(stat '.drops.src_vtep_unknown')
craft "$IP_ROGUE" 5 || die "scapy could not send"
wait_for 3 eval '[ $(( $(stat ".drops.src_vtep_unknown") - D0 )) -ge 5 ]' || true
D1=$(stat '.drops.src_vtep_unknown')
check "6a. 5 VXLAN frames from $IP_ROGUE (not on the flood list): src_vtep_unknown +$((D1 - D0))" test $((D1 - D0)) -eq 5
craft "$K_IP" 5 || die "scapy could not send"
sleep 0.5
D2=$(stat '.drops.src_vtep_unknown')
N_ROGUE=$(cap_count "$CAP_A" "eth.src == 02:00:00:00:bb:01 && frame contains \"$IP_ROGUE\"")
N_KNOWN=$(cap_count "$CAP_A" "eth.src == 02:00:00:00:bb:01 && frame contains \"$K_IP\"")
check "6b. none of them reached hostA ($N_ROGUE), the same frames from $K_IP did ($N_KNOWN of 5, src_vtep_unknown +$((D2 - D1)))" \
    test "$N_ROGUE" -eq 0 -a "$N_KNOWN" -eq 5 -a "$D2" -eq "$D1"

# ---- 3. MAC mobility and ageing, timed ----
# Captures: hostA's interface (still running), hostC's port on K's
# bridge, K's BGP session. Pollers on K's zebra, on vtepd's zebra (m) and
# on vtepd every 10 ms; each time is "answer that first saw it" (upper
# bound; the round before did not see it).
CAP_C="$WORK/hostC.pcap"
tcpdump_start "$NS_K" "$WORK/tcpdump-c.log" -i "$IF_KC" -n -U --immediate-mode -s 0 -w "$CAP_C"
C_PID=$TCPDUMP_PID
CAP_KB="$WORK/k-bgp.pcap"
tcpdump_start "$NS_K" "$WORK/tcpdump-kb.log" -i "$IF_KS" -n -U --immediate-mode -s 0 -w "$CAP_KB" tcp port 179
KB_PID=$TCPDUMP_PID
EVPN_MAC_A="bgp.evpn.nlri.mac_addr == $mac_a"
k_bgp_time() {  # k_bgp_time FILTER AFTER: first BGP frame on K's link matching, after AFTER
    cap_time first "$CAP_KB" "tcp.port == 179 && $1 && frame.time_epoch >= $2"
}

# 3a. vtepd -> K: hostA's MAC speaks from hostC, behind K
k_remote_a || die "K does not have $MAC_A via vtepd before the move"
zpoll kmv k 10 0.01 "$mac_a" local+seq:1 || die "poller on K did not start"
zpoll mmv m 10 0.01 "$mac_a" "remote:$K_IP+seq:1" || die "poller on vtepd's zebra did not start"
vpoll vmv 10 0.01 "mac:$mac_a:$K_IP" || die "poller on vtepd did not start"
T_EV=$(now)
ip -n "$NS_C" link set "$IF_C" up
nsx "$NS_C" ping -c 1 -W 1 "$IP_B" >/dev/null 2>&1 || true
poll_end kmv mmv vmv
# hostC now stays quiet: without an address it answers no ARP
ip -n "$NS_C" addr flush dev "$IF_C"
sleep 0.2   # tcpdump -U flushes
T_C1=$(cap_time first "$CAP_C" "eth.src == $mac_a && frame.time_epoch >= $T_EV")
T_K=$(poll_t kmv local+seq:1)
T_M=$(poll_t mmv "remote:$K_IP+seq:1")
T_V=$(poll_t vmv "mac:$mac_a:$K_IP")
T_UPD=$(k_bgp_time "ip.src == $K_IP && bgp.update.path_attribute.mp_reach_nlri && $EVPN_MAC_A" "$T_EV")
MOVE1_K=$(ms "$T_C1" "$T_K")
MOVE1_V=$(ms "$T_C1" "$T_V")
log "move vtepd -> K: first frame from hostC at K +0; K's UPDATE sent $(ms "$T_C1" "$T_UPD") ms;" \
    "K local seq 1 seen $MOVE1_K ms; vtepd's zebra remote seq 1 $(ms "$T_C1" "$T_M") ms; vtepd remote via K $MOVE1_V ms"
check "3a. move to K: K re-advertises $MAC_A with sequence 1 ($(zseq k "$mac_a"), $MOVE1_K ms after hostC's first frame)" test -n "$T_K"
check "3b. vtepd's zebra withdrew its route: $MAC_A remote via $K_IP, sequence 1 ($(zseq m "$mac_a"))" test -n "$T_M"
sp_paths() {    # the spine's paths for MAC_A: "RD MM" per line
    vty sp bgpd "show bgp l2vpn evpn route type macip" 2>/dev/null |
        awk -v m="[$mac_a]" '/^Route Distinguisher:/ { rd = $3 } index($0, m) && !index($0, "[32]") { want = 1; next }
             want && /RT:/ { mm = "MM:0"; for (i = 1; i <= NF; i++) if ($i ~ /^MM:/) mm = $i; print rd, mm; want = 0 }'
}
SP=$(sp_paths | tr '\n' ' ')
sp_one_k() { [[ "$SP" =~ ^${K_IP//./\\.}:[0-9]+\ MM:1\ $ ]]; }
check "3c. the spine holds one MAC route for $MAC_A, from K with MM:1 (RD, MM: $SP)" sp_one_k
check "3d. vtepd forwards to $MAC_A via $K_IP now ($MOVE1_V ms after the first frame)" test -n "$T_V"

# 3e. K -> vtepd: hostA speaks again (hostC quiet, its port still up)
zpoll kbk k 10 0.01 "$mac_a" "remote:$VTEP_IP+seq:2" || die "poller on K did not start"
zpoll mbk m 10 0.01 "$mac_a" local+seq:2 || die "poller on vtepd's zebra did not start"
vpoll vbk 10 0.01 "local:$mac_a" || die "poller on vtepd did not start"
T_EV=$(now)
nsx "$NS_A" ping -c 1 -W 1 "$IP_B" >/dev/null 2>&1 || true
poll_end kbk mbk vbk
sleep 0.2
T_A1=$(cap_time first "$CAP_A" "eth.src == $mac_a && frame.time_epoch >= $T_EV")
T_K=$(poll_t kbk "remote:$VTEP_IP+seq:2")
T_M=$(poll_t mbk local+seq:2)
T_V=$(poll_t vbk "local:$mac_a")
T_UPD=$(k_bgp_time "ip.dst == $K_IP && bgp.update.path_attribute.mp_reach_nlri && $EVPN_MAC_A" "$T_EV")
MOVE2_K=$(ms "$T_A1" "$T_K")
log "move K -> vtepd: first frame from hostA +0; vtepd local $(ms "$T_A1" "$T_V") ms;" \
    "vtepd's zebra local seq 2 $(ms "$T_A1" "$T_M") ms; UPDATE reached K $(ms "$T_A1" "$T_UPD") ms; K remote seq 2 $MOVE2_K ms"
check "3e. move back: vtepd's zebra advertises $MAC_A with sequence 2 ($(zseq m "$mac_a"))" test -n "$T_M"
check "3f. K: $MAC_A remote via $VTEP_IP, sequence 2 ($(zseq k "$mac_a"), $MOVE2_K ms after hostA's first frame)" test -n "$T_K"
check "3g. hostA ping hostB after the moves: 5/5 replies" ping_all "$NS_A" "$IP_B"
check "3h. hostB ping hostA after the moves: 5/5 replies" ping_all "$NS_B" "$IP_A"

# 3i. ageing: mac_age_s 2 (reload), hostA sends one ping and goes quiet
reload_age 2 || die "reload with mac_age_s 2 failed"
sleep 0.3
zpoll kag k 15 0.01 "$mac_a" absent || die "poller on K did not start"
vpoll vag 15 0.01 "nomac:$mac_a" || die "poller on vtepd did not start"
T_EV=$(now)
nsx "$NS_A" ping -c 1 -W 1 "$IP_B" >/dev/null 2>&1 || true
poll_end kag vag
sleep 0.2
stop_pid "$A_PID" 20 || true
stop_pid "$C_PID" 20 || true
T_K=$(poll_t kag absent)
T_V=$(poll_t vag "nomac:$mac_a")
T_LAST=$(cap_time last "$CAP_A" "eth.src == $mac_a && frame.time_epoch >= $T_EV${T_K:+ && frame.time_epoch <= $T_K}")
T_WD=$(k_bgp_time "ip.dst == $K_IP && bgp.update.path_attribute.mp_unreach_nlri && $EVPN_MAC_A" "${T_V:-$T_EV}")
AGE_K=$(ms "$T_LAST" "$T_K")
AGE_V=$(ms "$T_LAST" "$T_V")
AGE_VK=$(ms "$T_V" "$T_K")
log "ageing (mac_age_s 2): hostA's last frame +0; vtepd aged it $AGE_V ms; withdrawal reached K $(ms "$T_LAST" "$T_WD") ms;" \
    "K's table without it $AGE_K ms ($AGE_VK ms after vtepd aged it)"
check "3i. hostA's MAC aged out of vtepd ($AGE_V ms after its last frame)" test -n "$T_V"
check "3j. K withdrew $MAC_A ($AGE_K ms after hostA's last frame, $AGE_VK ms after vtepd aged it)" test -n "$T_K"
# zebra keeps the MAC as "auto" (not advertised) while hostA's neighbour
# entry on the mirror's bridge refers to it
sp_none_a() { ! vty sp bgpd "show bgp l2vpn evpn route type macip" 2>/dev/null | grep -qF "[$mac_a]"; }
m_not_local() { ! zmac m "$mac_a" 'select(.type == "local")'; }
wait_for 3 sp_none_a || true
check "3k. vtepd's zebra no longer has $MAC_A local ($(zseq m "$mac_a")), the spine no route for it (MAC, MAC/IP)" \
    eval 'm_not_local && sp_none_a'
reload_age 300 || die "reload with mac_age_s 300 failed"
stop_pid "$KB_PID" 20 || true

# ---- 4. restart vtepd with routes advertised ----
# hostA known again (ARP too, so its IP is snooped); an entry added by hand
# on the stand-in port is advertised like any local MAC: it is what a
# stale mirror entry looks like (e.g. a host that left while vtepd was down).
nsx "$NS_A" ip neigh flush dev "$IF_A"
ping_first "$NS_A" "$IP_B" >/dev/null || true
wait_for 5 eval 'k_remote_a && k_arp "$IP_A" "$mac_a"' || die "K did not re-learn hostA before the restart"
bridge -n "$NS_VTEP" fdb add "$MAC_X" dev "$MPT" master static || die "cannot add $MAC_X on $MPT"
k_remote_x() { zmac k "$mac_x" "select(.type == \"remote\" and .remoteVtep == \"$VTEP_IP\")"; }
wait_for 5 k_remote_x || true
check "4a. $MAC_X added by hand on $MPT: advertised, K has it via $VTEP_IP" k_remote_x
CONN0=$(vty m bgpd "show bgp neighbors $SP_V json" 2>/dev/null | jq -r --arg n "$SP_V" '.[$n].connectionsEstablished // 0')
T_STOP=$(now)
rc=0
stop_pid "$VTEPD_PID" 100 KILL || rc=$?
T_DOWN=$(now)
# a crash: nothing of vtepd's shutdown runs (no flush of the mirror)
check "4b. vtepd killed with SIGKILL (rc $rc, $(ms "$T_STOP" "$T_DOWN") ms)" test "$rc" -eq 137
fdb_macs() {    # the MACs on the stand-in port (bridge entries, not the port's own)
    bridge -n "$NS_VTEP" -j fdb show dev "$MPT" 2>/dev/null |
        jq -r '.[] | select(.master == "vtdbr100" and ((.state // "") != "permanent")) | .mac' | sort
}
DOWN_FDB=$(fdb_macs | tr '\n' ' ')
check "4c. while vtepd is down the kernel keeps the mirror ($MPT: $DOWN_FDB)" \
    eval '[[ "$DOWN_FDB" == *"$mac_a"* && "$DOWN_FDB" == *"$mac_x"* ]]'
vtepd_start "$NS_VTEP" "$WORK/vtepd.yaml" "$WORK/vtepd-2.log" "$RUN/cli.sock" --duration 1800000
T_UP=$(now)
tap_ready || die "$TAP did not get its address and route back from zebra/staticd"
T_TAP=$(now)
log "vtepd down for $(ms "$T_STOP" "$T_UP") ms (SIGKILL to forwarding again); $TAP addressed by zebra $(ms "$T_UP" "$T_TAP") ms later"
no_x() { ! fdb_macs | grep -qx "$mac_x"; }
wait_for 10 no_x || true
check "4d. the reconcile removed $MAC_X from $MPT ($(cli 'show kernel-mirror' | jq -c '.counters | {stale_removed, missing_added, already_present}'))" no_x
k_no_x() { [ "$(k_json "$mac_x" | jq -c .)" = "{}" ]; }
wait_for 10 k_no_x || true
check "4e. K withdrew $MAC_X ($(ms "$T_STOP" "$(now)") ms after SIGKILL)" k_no_x
wait_for 15 eval 'v_remote "$mac_b" "$K_IP" && flood_has_k' || true
check "4f. vtepd's feed is back: $MAC_B via $K_IP, $K_IP on the flood list" eval 'v_remote "$mac_b" "$K_IP" && flood_has_k'
# hostA talks again (and ARPs): learned, mirrored, advertised
nsx "$NS_A" ip neigh flush dev "$IF_A"
ok=0
ping_first "$NS_A" "$IP_B" && ok=1
check "4g. hostA ping hostB after the restart ($PING_TRIES attempt(s))" test "$ok" -eq 1
wait_for 5 eval 'k_remote_a && k_arp "$IP_A" "$mac_a"' || true
check "4h. K has hostA again: $MAC_A and $IP_A via $VTEP_IP" eval 'k_remote_a && k_arp "$IP_A" "$mac_a"'
# the mirror against vtepd: MACs on the stand-in port == local MACs in
# show macs; permanent neighbours on the bridge == local ARP bindings
local_macs() { cli "show macs" | jq -r '.macs[] | select(.vni == 100 and .type == "local") | .mac' | sort; }
nb_ips() {
    ip -n "$NS_VTEP" -j neigh show dev "$MBR" nud permanent 2>/dev/null |
        jq -r '.[] | select((.state | index("PERMANENT")) and (has("extern_learn") | not)) | "\(.dst) \(.lladdr)"' | sort
}
local_ips() { cli "show arp-cache 100" | jq -r '.bindings[] | select(.local != null) | "\(.ip) \(.local.mac)"' | sort; }
same_sets() {
    F=$(fdb_macs | tr '\n' ' '); L=$(local_macs | tr '\n' ' ')
    NI=$(nb_ips | tr '\n' ',') ; LI=$(local_ips | tr '\n' ',')
    [ -n "$L" ] && [ "$F" = "$L" ] && [ -n "$LI" ] && [ "$NI" = "$LI" ]
}
wait_for 3 same_sets || true
check "4i. kernel mirror == vtepd: fdb on $MPT [$F] = local MACs [$L]; neighbours on $MBR [$NI] = local bindings [$LI]" same_sets
CONN1=$(vty m bgpd "show bgp neighbors $SP_V json" 2>/dev/null | jq -r --arg n "$SP_V" '.[$n].connectionsEstablished // 0')
check "4j. BGP to the spine Established after the restart (sessions established: $CONN0 before, $CONN1 after)" \
    test "$(m_state)" = Established
check "4k. hostB ping hostA after the restart: 5/5 replies" ping_all "$NS_B" "$IP_A"

ST=$(cli "show stats")
log "exception path: to_kernel $(jq -r .events.to_kernel <<<"$ST"), from_kernel $(jq -r .events.from_kernel <<<"$ST")," \
    "arp_to_kernel $(jq -r .events.arp_to_kernel <<<"$ST"), kernel_rate_limit $(jq -r .drops.kernel_rate_limit <<<"$ST") (since the restart)"
log "times (ms): move vtepd->K ${MOVE1_K}, move K->vtepd ${MOVE2_K}, ageing ${AGE_K} (vtepd aged ${AGE_V}, then K ${AGE_VK})"
rc=0
stop_pid "$VTEPD_PID" 100 || rc=$?
check "4l. vtepd exited 0 on SIGTERM at the end (rc $rc)" test "$rc" -eq 0
log "time: $(elapsed) s"
lab_done
