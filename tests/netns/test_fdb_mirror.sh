#!/usr/bin/env bash
# Namespace test of the kernel mirror for zebra (control/evpn/fdb_mirror.c),
# driven by fdb_mirror_tool (each run of it is a fresh mirror instance, as
# after a vtepd restart).
#
#   ns M (the "vtepd host")                          ns K (a kernel leaf)
#   vtdbr100 + vtdvx100 + vtdpt100   <- fdb_mirror   kbr100 + kvx100 + khp
#   zebra + bgpd  198.51.100.1 ---- iBGP l2vpn evpn ---- 198.51.100.2  zebra + bgpd
#   VTEP 192.0.2.1 (lo)                                   VTEP 192.0.2.2 (lo)
#
# Part A (kernel only, before FRR): the mirror makes the devices with the
#   right parameters, adds/removes MACs and a neighbour, ensures again
#   without changes, reconciles a stale kernel to a new desired set, removes
#   the VNI. `bridge fdb show` / `ip neigh` / `ip -d link` are compared.
# Part B (FRR 8.4 on both sides, advertise-all-vni): the VNI appears while
#   zebra runs; MACs (and one MAC/IP) added through the mirror are local in
#   M's `show evpn mac vni 100`, remote via 192.0.2.1 in K's, type-2 routes
#   in K's BGP table; a type-3 route for the VNI from 192.0.2.1.
# Part C: advertise and withdraw times over TRIALS runs: from the mirror's
#   netlink ACK to (a) the BGP UPDATE on the wire (capture in K) and (b) K's
#   zebra installing/removing the remote MAC in K's kernel (bridge monitor).
# Part D: mobility: a MAC local at M appears on K's host port; then vtepd
#   drops it; then it comes back to M. Sequence numbers and the kernel
#   entries are checked on both sides.
# Part E: restart: a new instance reconciles against a desired set that
#   dropped a MAC (and its IP) and added another: M's kernel and K's routes
#   converge, nothing stale, and the MACs that stayed are not re-announced.
# Part F: the mirror carries no traffic: no VXLAN packet from M's VTEP on
#   the underlay during the whole run (IPv6 is on in M: addrgenmode none
#   keeps the bridge and vxlan device without link-local addresses). A
#   control (A17) shows a bridge made without it does leak IPv6 MLD/DAD
#   into its VNI, and that the capture sees it.
#
# usage: test_fdb_mirror.sh [path/to/fdb_mirror_tool]   (root; 77 = skipped)
#        TRIALS=N (default 5); KEEP=1 (or KEEP_WORK=1) keeps the work dir
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
TOOL=$(readlink -f "${1:-$HERE/../../build/tests/netns/fdb_mirror_tool}")
TRIALS=${TRIALS:-5}

P="fm$$"
. "$HERE/lib.sh"
MS_DECIMALS=0       # whole milliseconds in the trial lines
KEEP=${KEEP:-${KEEP_WORK:-}}
NS_M="$P-m"
NS_K="$P-k"
IF_M="${P}m"           # M's underlay/BGP interface
IF_K="${P}k"           # K's
UL_M=198.51.100.1
UL_K=198.51.100.2
VTEP_M=192.0.2.1
VTEP_K=192.0.2.2
ASN=65000
VNI=100
BR=vtdbr$VNI VX=vtdvx$VNI PT=vtdpt$VNI PP=vtdpp$VNI   # the mirror's names (default prefix)
KBR=kbr$VNI KVX=kvx$VNI KHP=khp KHQ=khq               # K's own bridge

diagnostics() {
    [ -n "$RUN" ] || return 0
    log "=== diagnostics"
    for side in m k; do
        if [ -S "$RUN/$side/zebra.vty" ]; then
            log "--- $side: show evpn mac vni $VNI / show bgp l2vpn evpn route"
            vty "$side" "show evpn mac vni $VNI" 2>&1 | head -n 30 || true
            vty "$side" "show bgp l2vpn evpn route" 2>&1 | head -n 60 || true
        fi
    done
    log "--- M: bridge fdb / neigh"
    bridge -n "$NS_M" fdb show br "$BR" 2>&1 | head -n 30 || true
    ip -n "$NS_M" neigh show dev "$BR" nud all 2>&1 | head -n 20 || true
    for f in "$RUN"/m/zebra.log "$RUN"/k/zebra.log "$RUN"/m/bgpd.log "$RUN"/k/bgpd.log; do
        [ -f "$f" ] && { log "--- $f (tail)"; tail -n 20 "$f"; }
    done
    return 0
}

# ---- prerequisites ----
frr_require zebra bgpd
tools_require vtysh ip bridge jq timeout tcpdump tshark awk
[ -x "$TOOL" ] || { log "FAIL: fdb_mirror_tool not found: $TOOL"; log "0 passed, 1 failed"; SUMMARY=1; exit 1; }
lab_init fdbm
KEEP_NOTE="ul.pcap, fdb-monitor.txt, tool-*.out, run/{m,k}/*.log"

vty() { timeout 10 vtysh --config_dir "$RUN/$1" --vty_socket "$RUN/$1" -c "$2"; }

# one fresh mirror instance in ns M; its output in $WORK/tool-N.out, and in $out
NTOOL=0
fm() {
    NTOOL=$((NTOOL + 1))
    local f="$WORK/tool-$NTOOL.out" rc=0
    nsx "$NS_M" "$TOOL" --local "$VTEP_M" "$@" >"$f" 2>&1 || rc=$?
    out=$(cat "$f")
    return $rc
}
kv() { sed -n "s/.*[ ^]$2=\([^ ]*\).*/\1/p" <<<"$1" | tail -n 1; }    # kv TEXT KEY
stat_of() { kv "$(grep '^stats ' <<<"$out")" "$1"; }
last_sync() { grep '^sync ' <<<"$out" | tail -n 1; }

# the static (non-permanent) bridge entries on M's stand-in port, sorted
pt_macs() {
    bridge -n "$NS_M" -j fdb show dev "$PT" 2>/dev/null |
        jq -r --arg br "$BR" '.[] | select(.master == $br and (.state // "") != "permanent") | .mac' |
        sort | tr '\n' ' ' | sed 's/ $//'
}
br_neighs() {   # our permanent neighbours on M's bridge: "ip=mac ..." sorted
    ip -n "$NS_M" -j neigh show dev "$BR" nud permanent 2>/dev/null |
        jq -r '.[] | "\(.dst)=\(.lladdr)"' | sort | tr '\n' ' ' | sed 's/ $//'
}
linkj() { ip -n "$NS_M" -d -j link show dev "$1" 2>/dev/null; }

# ---- topology ----
# IPv6 stays on in M (the mirror must keep its devices silent by itself);
# off in K
ns_add "$NS_M" ipv6
ns_add "$NS_K"
veth_pair "$NS_M" "$IF_M" "" "$NS_K" "$IF_K" ""
ip -n "$NS_M" addr add "$UL_M/24" dev "$IF_M"
ip -n "$NS_K" addr add "$UL_K/24" dev "$IF_K"
ip -n "$NS_M" addr add "$VTEP_M/32" dev lo
ip -n "$NS_K" addr add "$VTEP_K/32" dev lo
ip -n "$NS_M" route add "$VTEP_K/32" via "$UL_K"
ip -n "$NS_K" route add "$VTEP_M/32" via "$UL_M"
# K: a kernel EVPN leaf with one host port (a veth whose peer is up)
ip -n "$NS_K" link add "$KBR" type bridge mcast_snooping 0
ip -n "$NS_K" link add "$KVX" type vxlan id "$VNI" local "$VTEP_K" dstport 4789 nolearning
ip -n "$NS_K" link add "$KHP" type veth peer name "$KHQ"
ip -n "$NS_K" link set "$KVX" master "$KBR"
ip -n "$NS_K" link set "$KHP" master "$KBR"
for ifc in "$KBR" "$KVX" "$KHP" "$KHQ"; do ip -n "$NS_K" link set "$ifc" up; done

# everything on the underlay, seen from K: VXLAN and BGP
CAP="$WORK/ul.pcap"
tcpdump_start "$NS_K" "$WORK/tcpdump.log" -i "$IF_K" -n -U --immediate-mode -s 0 -w "$CAP" \
    "udp port 4789 or tcp port 179"

MAC1=02:00:00:00:10:01 MAC2=02:00:00:00:10:02 MAC3=02:00:00:00:10:03
MAC4=02:00:00:00:10:04 MAC5=02:00:00:00:10:05 MACS=02:00:00:00:10:99
IP1=203.0.113.11 IP4=203.0.113.14

# ==== A. the kernel side alone ====
fm ensure $VNI sync status $VNI || die "A: ensure failed: $out"
st=$(grep '^status ' <<<"$out")
check "A1. VNI $VNI ready ($(kv "$st" state), $(stat_of requests) requests)" test "$(kv "$st" state)" = ready
vxok() {
    linkj "$VX" | jq -e --arg br "$BR" '.[0] | .master == $br and .linkinfo.info_kind == "vxlan"
        and .linkinfo.info_data.id == 100 and .linkinfo.info_data.local == "192.0.2.1"
        and .linkinfo.info_data.port == 4789 and .linkinfo.info_data.learning == false
        and (.flags | index("UP")) != null' >/dev/null
}
check "A2. $VX: vxlan id 100 local $VTEP_M dstport 4789 nolearning, in $BR, up" vxok
ptok() {
    linkj "$PT" | jq -e --arg br "$BR" '.[0] | .master == $br and .linkinfo.info_kind == "veth"
        and (.flags | index("UP")) != null and (.flags | index("NO-CARRIER")) != null' >/dev/null &&
        linkj "$PP" | jq -e '.[0] | (.flags | index("UP")) == null and .master == null' >/dev/null
}
check "A3. $PT: veth in $BR, up, no carrier (peer $PP down, not enslaved)" ptok
bridge_ok() {
    linkj "$BR" | jq -e '.[0] | .linkinfo.info_kind == "bridge" and .linkinfo.info_data.mcast_snooping == 0
        and (.flags | index("UP")) != null' >/dev/null
}
check "A4. $BR: bridge, multicast snooping off, up" bridge_ok
noip6() {
    local d
    for d in "$BR" "$VX" "$PT"; do
        [ "$(linkj "$d" | jq -r '.[0].inet6_addr_gen_mode // .[0].addrgenmode // empty')" = none ] || return 1
        [ -z "$(ip -n "$NS_M" -6 addr show dev "$d")" ] || return 1
    done
    [ -n "$(ip -n "$NS_M" -6 addr show dev "$IF_M")" ]   # IPv6 itself is on in M
}
check "A5. addrgenmode none, no IPv6 address on $BR/$VX/$PT (IPv6 on in the namespace)" noip6
IDX0="$(linkj "$VX" | jq -r '.[0].ifindex') $(linkj "$PT" | jq -r '.[0].ifindex')"

fm ensure $VNI sync add $VNI $MAC1 add $VNI $MAC2 add $VNI $MAC3 ip $VNI $IP1 $MAC1 sync ||
    die "A: adds failed: $out"
check "A6. 3 MACs added: bridge fdb on $PT = static $MAC1 $MAC2 $MAC3 ($(pt_macs))" \
    test "$(pt_macs)" = "$MAC1 $MAC2 $MAC3"
fdb_static() {
    bridge -n "$NS_M" -j fdb show dev "$PT" |
        jq -e --arg m "$MAC1" '.[] | select(.mac == $m) | .state == "static" and ((.flags // []) | index("sticky")) == null' >/dev/null
}
check "A7. entries are static, not sticky, not permanent" fdb_static
check "A8. neighbour $IP1 -> $MAC1 permanent on $BR ($(br_neighs))" test "$(br_neighs)" = "$IP1=$MAC1"
check "A9. ensure of existing devices changes nothing (ifindexes kept, no create)" \
    test "$(linkj "$VX" | jq -r '.[0].ifindex') $(linkj "$PT" | jq -r '.[0].ifindex')" = "$IDX0"

fm ensure $VNI sync del $VNI $MAC2 sync || die "A: del failed: $out"
check "A10. del $MAC2: fdb = $MAC1 $MAC3 ($(pt_macs))" test "$(pt_macs)" = "$MAC1 $MAC3"
fm ensure $VNI sync del $VNI $MAC2 sync || true
check "A11. deleting it again: not an error (enoent_ok $(stat_of enoent_ok), errors $(stat_of errors))" \
    test "$(stat_of errors)" = 0 -a "$(stat_of enoent_ok)" = 1

# a stale kernel: a new instance wants {MAC1, MAC4} and IP4 -> MAC4 only
bridge -n "$NS_M" fdb add $MACS dev "$PT" master static    # left by "someone" (a crash)
fm ensure $VNI add $VNI $MAC1 add $VNI $MAC4 ip $VNI $IP4 $MAC4 reconcile $VNI sync status $VNI ||
    die "A: reconcile failed: $out"
log "reconcile: $(grep '^stats ' <<<"$out" | grep -o 'dump_entries=[0-9]* stale_removed=[0-9]* missing_added=[0-9]* already_present=[0-9]*')"
check "A12. reconciled fdb = $MAC1 $MAC4 ($(pt_macs))" test "$(pt_macs)" = "$MAC1 $MAC4"
check "A13. reconciled neighbours = $IP4=$MAC4 ($(br_neighs))" test "$(br_neighs)" = "$IP4=$MAC4"
check "A14. stale 3 ($MAC3 $MACS $IP1), missing 2 ($MAC4 $IP4), present 1 ($MAC1)" \
    test "$(stat_of stale_removed) $(stat_of missing_added) $(stat_of already_present)" = "3 2 1"
check "A15. only what was missing was written ($(stat_of fdb_adds) fdb add, $(stat_of neigh_adds) neighbour add)" \
    test "$(stat_of fdb_adds) $(stat_of neigh_adds)" = "1 1"

fm ensure $VNI remove $VNI sync status $VNI || die "A: remove failed: $out"
gone() { ! ip -n "$NS_M" link show "$1" >/dev/null 2>&1; }
check "A16. remove: $BR $VX $PT $PP gone" eval 'gone $BR && gone $VX && gone $PT && gone $PP'

# Control for F2: a bridge + vxlan made the usual way (IPv6 link-local
# left on) with a flood entry toward K does send into its VNI: the capture
# below would see the mirror's devices if they did the same.
ip -n "$NS_M" link add ctlbr999 type bridge mcast_snooping 0
ip -n "$NS_M" link add ctlvx999 type vxlan id 999 local "$VTEP_M" dstport 4789 nolearning
ip -n "$NS_M" link set ctlvx999 master ctlbr999
bridge -n "$NS_M" fdb append 00:00:00:00:00:00 dev ctlvx999 dst "$VTEP_K"
ip -n "$NS_M" link set ctlvx999 up
ip -n "$NS_M" link set ctlbr999 up
sleep 2
ip -n "$NS_M" link del ctlvx999
ip -n "$NS_M" link del ctlbr999
sleep 0.3
ncl=$(tshark -r "$CAP" -n -Y "vxlan.vni == 999 && ip.src == $VTEP_M" 2>/dev/null | wc -l)
check "A17. control: bridge+vxlan without addrgenmode none sent $ncl IPv6 packet(s) into VNI 999 in 2 s" \
    test "$ncl" -gt 0

# ==== B. FRR on both sides ====
for side in m k; do
    d="$RUN/$side"
    frr_dir "$d" "$P-$side"
    if [ "$side" = m ]; then me=$VTEP_M peer=$UL_K; else me=$VTEP_K peer=$UL_M; fi
    cat >"$d/bgpd.conf" <<EOF
hostname $P-$side
router bgp $ASN
 bgp router-id $me
 bgp log-neighbor-changes
 no bgp default ipv4-unicast
 coalesce-time 0
 timers bgp 3 9
 neighbor $peer remote-as $ASN
 neighbor $peer timers connect 1
 address-family l2vpn evpn
  neighbor $peer activate
  advertise-all-vni
 exit-address-family
exit
EOF
done
frr_start_in "$RUN/m" "$NS_M" zebra
frr_start_in "$RUN/k" "$NS_K" zebra
frr_start_in "$RUN/m" "$NS_M" bgpd
frr_start_in "$RUN/k" "$NS_K" bgpd
est=0
for ((i = 0; i < 150; i++)); do
    st=$(vty m "show bgp neighbors $UL_K json" 2>/dev/null | jq -r --arg n "$UL_K" '.[$n].bgpState // empty' 2>/dev/null || true)
    [ "$st" = Established ] && { est=1; break; }
    sleep 0.1
done
[ "$est" -eq 1 ] || die "B: BGP M <-> K not Established within 15 s (state '$st')"
pass "B1. FRR 8.4: M <-> K iBGP l2vpn evpn Established ($(elapsed) s)"

# K's kernel, timestamped: zebra installing/removing remote MACs
TZ=UTC ip netns exec "$NS_K" bridge -timestamp monitor fdb >"$WORK/fdb-monitor.txt" 2>&1 &
track_pid $!
sleep 0.3

# conditions, read through vtysh
mac_json() { vty "$1" "show evpn mac vni $VNI mac $2 json" 2>/dev/null; }
m_local() {     # m_local MAC: local on the stand-in port in M's zebra
    mac_json m "$1" | jq -e --arg pt "$PT" '.[keys[0]] | .type == "local" and .intf == $pt' >/dev/null 2>&1
}
k_remote() {    # k_remote MAC VTEP: remote via VTEP in K's zebra
    mac_json k "$1" | jq -e --arg v "$2" '.[keys[0]] | .type == "remote" and .remoteVtep == $v' >/dev/null 2>&1
}
k_has_route() { # k_has_route MAC [IP]: a type-2 route from M's RD in K's BGP table
    local pfx="[2]:[0]:[48]:[$1]"
    [ -n "${2:-}" ] && pfx="$pfx:[32]:[$2]"
    vty k "show bgp l2vpn evpn route type macip" 2>/dev/null |
        awk -v rd="Route Distinguisher: $VTEP_M:" -v p="$pfx" '
            index($0, "Route Distinguisher:") == 1 { inrd = (index($0, rd) == 1) }
            inrd && index($0, p) && (substr($0, index($0, p) + length(p), 1) != ":") { f = 1 }
            END { exit !f }'
}
k_type3() {
    vty k "show bgp l2vpn evpn route type multicast" 2>/dev/null | grep -qF "[3]:[0]:[32]:[$VTEP_M]"
}
not() { ! "$@"; }

fm ensure $VNI sync add $VNI $MAC1 add $VNI $MAC2 add $VNI $MAC3 ip $VNI $IP1 $MAC1 sync ||
    die "B: mirror failed: $out"
check "B2. type-3 route for VNI $VNI from $VTEP_M at K" wait_for 10 k_type3
check "B3. $MAC1 $MAC2 $MAC3 remote via $VTEP_M in K's show evpn mac vni $VNI" \
    wait_for 10 eval "k_remote $MAC1 $VTEP_M && k_remote $MAC2 $VTEP_M && k_remote $MAC3 $VTEP_M"
check "B4. ... and local on $PT in M's" eval "m_local $MAC1 && m_local $MAC2 && m_local $MAC3"
check "B5. type-2 routes at K: $MAC1, $MAC1+$IP1, $MAC2, $MAC3" \
    wait_for 5 eval "k_has_route $MAC1 && k_has_route $MAC1 $IP1 && k_has_route $MAC2 && k_has_route $MAC3"
karp() { vty k "show evpn arp-cache vni $VNI ip $IP1 json" 2>/dev/null | jq -e --arg m "$MAC1" '.type == "remote" and .mac == $m' >/dev/null 2>&1; }
check "B6. $IP1 -> $MAC1 remote in K's show evpn arp-cache" karp

# ==== C. advertise / withdraw times ====
# first/last frame times in the capture (tshark), and K's fdb monitor
cap_first() {   # cap_first AFTER FILTER
    tshark -r "$CAP" -n -Y "frame.time_epoch >= $1 && $2" -T fields -e frame.time_epoch 2>/dev/null | head -n 1
}
mon_time() {    # mon_time AFTER MAC add|del: first K fdb event (master entry on kvx100)
    TZ=UTC awk -v after="$1" -v mac="$2" -v kind="$3" -v dev="$KVX" '
        /^Timestamp:/ {
            # Timestamp: Tue Dec  1 21:56:33 2026 729286 usec
            split($0, f, " "); ts = f[2] " " f[3] " " f[4] " " f[5] " " f[6]; us = f[7]; next
        }
        index($0, mac) && index($0, "dev " dev " ") && index($0, "master") {
            del = ($1 == "Deleted")
            if ((kind == "del") != del) next
            cmd = "date -u -d \"" ts "\" +%s"; cmd | getline s; close(cmd)
            t = s + us / 1e6
            if (t >= after) { printf "%.6f\n", t; exit }
        }' "$WORK/fdb-monitor.txt"
}
REACH="bgp.update.path_attribute.mp_reach_nlri.afi == 25"
UNREACH="bgp.update.path_attribute.mp_unreach_nlri.afi == 25"
FROM_M="ip.src == $UL_M && tcp.port == 179"
declare -a A_WIRE A_KERN W_WIRE W_KERN
for ((t = 1; t <= TRIALS; t++)); do
    X=$(printf '02:00:00:00:50:%02x' "$t")
    fm ensure $VNI sync add $VNI "$X" sync || { fail "C. trial $t: add failed: $out"; continue; }
    ta=$(kv "$(last_sync)" t1)
    wait_for 10 k_has_route "$X" || { fail "C. trial $t: $X never reached K"; continue; }
    sleep 0.3
    fm ensure $VNI sync del $VNI "$X" sync || { fail "C. trial $t: del failed: $out"; continue; }
    td=$(kv "$(last_sync)" t1)
    wait_for 10 not k_has_route "$X" || { fail "C. trial $t: $X still at K 10 s after its delete"; continue; }
    sleep 0.3
    x=${X,,}
    aw=$(cap_first "$ta" "($FROM_M) && $REACH && bgp.evpn.nlri.mac_addr == $x")
    ww=$(cap_first "$td" "($FROM_M) && $UNREACH && bgp.evpn.nlri.mac_addr == $x")
    ak=$(mon_time "$ta" "$x" add)
    wk=$(mon_time "$td" "$x" del)
    A_WIRE+=("$( [ -n "$aw" ] && ms_between "$ta" "$aw" || echo -)")
    A_KERN+=("$( [ -n "$ak" ] && ms_between "$ta" "$ak" || echo -)")
    W_WIRE+=("$( [ -n "$ww" ] && ms_between "$td" "$ww" || echo -)")
    W_KERN+=("$( [ -n "$wk" ] && ms_between "$td" "$wk" || echo -)")
    log "trial $t $X: advertise: UPDATE on the wire ${A_WIRE[-1]} ms, in K's kernel ${A_KERN[-1]} ms;" \
        "withdraw: UPDATE ${W_WIRE[-1]} ms, gone from K's kernel ${W_KERN[-1]} ms (after the netlink ACK)"
done
summ() {    # min/median/max of numeric args
    printf '%s\n' "$@" | grep -E '^-?[0-9]+$' | sort -n |
        awk '{ a[NR] = $1 } END { if (NR == 0) { print "none"; exit }
                 printf "min %d, median %d, max %d ms (%d trials)", a[1], a[int((NR + 1) / 2)], a[NR], NR }'
}
log "advertise, netlink ACK -> BGP UPDATE at K: $(summ "${A_WIRE[@]}")"
log "advertise, netlink ACK -> remote MAC in K's kernel: $(summ "${A_KERN[@]}")"
log "withdraw,  netlink ACK -> BGP withdrawal at K: $(summ "${W_WIRE[@]}")"
log "withdraw,  netlink ACK -> remote MAC gone from K's kernel: $(summ "${W_KERN[@]}")"
nk=$(printf '%s\n' "${W_KERN[@]}" "${A_KERN[@]}" | grep -cE '^[0-9]+$' || true)
check "C1. $TRIALS advertise/withdraw trials timed at K's kernel ($nk of $((2 * TRIALS)) events)" \
    test "$nk" -eq $((2 * TRIALS))
slow=$(printf '%s\n' "${W_KERN[@]}" "${A_KERN[@]}" | awk '$1 ~ /^[0-9]+$/ && $1 > 2000' | wc -l)
check "C2. every advertise/withdraw reached K's kernel within 2 s" test "$slow" -eq 0

# ==== D. mobility ====
seq_of() {      # seq_of SIDE MAC: "local/remote" sequence numbers
    mac_json "$1" "$2" | jq -r '.[keys[0]] | "\(.localSequence)/\(.remoteSequence)"' 2>/dev/null
}
kroute_mm() {   # the MM sequence of K's route for MAC from RD of VTEP
    vty k "show bgp l2vpn evpn route type macip" 2>/dev/null |
        awk -v rd="Route Distinguisher: $1:" -v p="[2]:[0]:[48]:[$2]" '
            index($0, "Route Distinguisher:") == 1 { inrd = (index($0, rd) == 1); want = 0 }
            inrd && index($0, p) && substr($0, index($0, p) + length(p), 1) != ":" { want = 1; next }
            want && /MM:/ { sub(/.*MM:/, ""); sub(/[ ,].*/, ""); print; exit }
            want && /^\*/ { want = 0 }'
}
log "mobility: $MAC1 local at M, seq $(seq_of m $MAC1) (local/remote)"
# the host behind MAC1 shows up behind K's host port
bridge -n "$NS_K" fdb replace $MAC1 dev "$KHP" master static
k_local_hp() {  # k_local_hp MAC: local on K's host port
    mac_json k "$1" | jq -e --arg p "$KHP" '.[keys[0]] | .type == "local" and .intf == $p' >/dev/null 2>&1
}
m_remote() {    # m_remote MAC VTEP: remote via VTEP in M's zebra
    mac_json m "$1" | jq -e --arg v "$2" '.[keys[0]] | .type == "remote" and .remoteVtep == $v' >/dev/null 2>&1
}
check "D1. moved: $MAC1 local at K, remote via $VTEP_K at M" \
    wait_for 10 eval "k_local_hp $MAC1 && m_remote $MAC1 $VTEP_K"
SEQ_K=$(seq_of k $MAC1)
SEQ_M=$(seq_of m $MAC1)
log "mobility: after the move K $MAC1 seq $SEQ_K, M seq $SEQ_M (local/remote)"
check "D2. K advertises $MAC1 with a higher sequence (K local ${SEQ_K%%/*} > M's earlier 0)" \
    test "${SEQ_K%%/*}" -ge 1
fdb_where() {   # fdb_where MAC: "dev flags..." of M's bridge entry for MAC
    bridge -n "$NS_M" -j fdb show br "$BR" | jq -r --arg m "$1" \
        '.[] | select(.mac == $m and .master != null) | "\(.ifname) \((.flags // []) | join(","))"' | head -n 1
}
W=$(fdb_where $MAC1)
check "D3. M's kernel: zebra moved the entry to $VX (extern_learn), off $PT ($W)" \
    eval "[[ '$W' == '$VX '*extern_learn* ]]"
# vtepd's RIB sees the higher sequence too and drops its local MAC
fm ensure $VNI sync del $VNI $MAC1 sync || true
check "D4. vtepd's delete after the move: kernel says not there (enoent_ok $(stat_of enoent_ok)), no error" \
    test "$(stat_of enoent_ok) $(stat_of errors)" = "1 0"
W=$(fdb_where $MAC1)
check "D5. ... and zebra's remote entry stays (M: $MAC1 remote via $VTEP_K; kernel $W)" \
    eval "m_remote $MAC1 $VTEP_K && [[ '$W' == '$VX '* ]]"
# the host comes back behind vtepd
fm ensure $VNI sync add $VNI $MAC1 sync || fail "D: add back failed: $out"
tb=$(kv "$(last_sync)" t1)
check "D6. back: $MAC1 local at M, remote via $VTEP_M at K" \
    wait_for 10 eval "m_local $MAC1 && k_remote $MAC1 $VTEP_M"
SEQ_M2=$(seq_of m $MAC1)
MM=$(kroute_mm "$VTEP_M" "$MAC1")
log "mobility: after the move back M $MAC1 seq $SEQ_M2, K's route from $VTEP_M MM:${MM:-?}"
check "D7. M re-advertises with sequence > K's (${SEQ_M2%%/*} > ${SEQ_K%%/*}, MM:${MM:-none} in K's table)" \
    test "${SEQ_M2%%/*}" -gt "${SEQ_K%%/*}" -a "${MM:-0}" = "${SEQ_M2%%/*}"
kb=$(mon_time "$tb" "${MAC1,,}" add)
log "mobility: move back, netlink ACK -> K's kernel points $MAC1 to $VTEP_M: $( [ -n "$kb" ] && ms_between "$tb" "$kb" || echo '?') ms"
check "D8. M's kernel: $MAC1 on $PT again ($(fdb_where $MAC1))" eval "[[ '$(fdb_where $MAC1)' == '$PT'* ]]"

# ==== E. restart: new desired set {MAC1 MAC2 MAC3 MAC5}, IP1 kept; MAC4+IP4 never
# existed here, so first give the "old" instance MAC4 and IP4 ====
fm ensure $VNI sync add $VNI $MAC4 ip $VNI $IP4 $MAC4 sync || die "E: add failed: $out"
check "E1. before the restart: $MAC4 and $MAC4+$IP4 at K" \
    wait_for 10 eval "k_has_route $MAC4 && k_has_route $MAC4 $IP4"
sleep 0.5
TR=$(now)
fm ensure $VNI add $VNI $MAC1 add $VNI $MAC2 add $VNI $MAC3 add $VNI $MAC5 ip $VNI $IP1 $MAC1 \
    reconcile $VNI sync status $VNI || die "E: reconcile failed: $out"
log "restart reconcile: $(grep '^stats ' <<<"$out" | grep -o 'dump_entries=[0-9]* stale_removed=[0-9]* missing_added=[0-9]* already_present=[0-9]*')"
check "E2. M's kernel after the restart: $MAC1 $MAC2 $MAC3 $MAC5 ($(pt_macs)), neighbours $IP1=$MAC1 ($(br_neighs))" \
    test "$(pt_macs) | $(br_neighs)" = "$MAC1 $MAC2 $MAC3 $MAC5 | $IP1=$MAC1"
check "E3. reconcile: stale 2 ($MAC4, $IP4), missing 1 ($MAC5), present 4" \
    test "$(stat_of stale_removed) $(stat_of missing_added) $(stat_of already_present)" = "2 1 4"
check "E4. K converges: $MAC5 in, $MAC4 and $MAC4+$IP4 out" \
    wait_for 10 eval "k_has_route $MAC5 && ! k_has_route $MAC4 && ! k_has_route $MAC4 $IP4"
k_remote_set() {    # K's remote MACs via VTEP_M, sorted
    vty k "show evpn mac vni $VNI json" 2>/dev/null |
        jq -r --arg v "$VTEP_M" '.macs // {} | to_entries[] | select(.value.type == "remote" and .value.remoteVtep == $v) | .key' |
        sort | tr '\n' ' ' | sed 's/ $//'
}
check "E5. K's remote MACs via $VTEP_M = $MAC1 $MAC2 $MAC3 $MAC5 ($(k_remote_set))" \
    test "$(k_remote_set)" = "$MAC1 $MAC2 $MAC3 $MAC5"
sleep 0.3
churn=$(tshark -r "$CAP" -n -Y "frame.time_epoch >= $TR && ($FROM_M) && bgp.type == 2" \
    -T fields -e bgp.evpn.nlri.mac_addr 2>/dev/null | tr ',' '\n' | sort -u | tr '\n' ' ')
log "BGP UPDATEs from M after the restart name: ${churn:-none}"
check "E6. the MACs that stayed were not re-announced (only $MAC4/$MAC5 in UPDATEs)" \
    eval "! grep -qiE '${MAC1}|${MAC2}|${MAC3}' <<<'$churn' && grep -qi '$MAC5' <<<'$churn'"

# ==== F. no traffic, removal ====
fm ensure $VNI remove $VNI sync || fail "F: remove failed: $out"
check "F1. VNI removed: K loses the type-3 route and every MAC from $VTEP_M" \
    wait_for 10 eval "! k_type3 && [ -z \"\$(k_remote_set)\" ]"
sleep 0.3
nvx=$(tshark -r "$CAP" -n -Y "udp.dstport == 4789 && ip.src == $VTEP_M && !(vxlan.vni == 999)" 2>/dev/null | wc -l)
nbgp=$(tshark -r "$CAP" -n -Y "bgp.type == 2" 2>/dev/null | wc -l)
check "F2. no VXLAN packet from the mirror ($VTEP_M, VNI $VNI) on the underlay during the run ($nvx; $nbgp BGP UPDATEs seen)" \
    test "$nvx" -eq 0 -a "$nbgp" -gt 0

log "time: $(elapsed) s"
lab_done
