#!/usr/bin/env bash
# The FCT experiment's pipeline, end to end, in under a minute:
# scripts/fct-experiment --short (one ECMP run and one classifier run at
# threshold 20, 40 % background load, 10 s each) and then its outputs:
# the results table with both rows, the three figures, the raw per-run
# outputs, enough measured flows, complete captures, and on the wire (the
# outer DSCP that vtep-meter saw at tap B, vtepd's per-uplink and per-class
# counters) that ECMP used both tunnels unmarked and that the classifier
# kept short RPCs on the short tunnel with DSCP 46 and moved bulk transfers
# to the long one with DSCP 10.
# It does not judge the speedup: that needs the long runs (docs/FCT.md).
#
# With options for fct-experiment after the binaries (--fabric-qos prio,
# --class-groups ecmp), the checks follow them: with prio, the WAN queues'
# high bands took in exactly vtepd's short-class packets in the classifier
# run and nothing in the ECMP run, and nothing in the reverse direction;
# with --class-groups ecmp, both classes crossed both tunnels.
#
# usage: test_fct_short.sh VTEPD VTEP_METER [fct-experiment options]
#        (root; exit 77 = a prerequisite is missing)
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
VTEPD=${1:?usage: $0 VTEPD VTEP_METER}
METER=${2:?usage: $0 VTEPD VTEP_METER}
shift 2
EXTRA=("$@")
PASS=0
FAIL=0
pass() { PASS=$((PASS + 1)); echo "PASS: $*"; }
fail() { FAIL=$((FAIL + 1)); echo "FAIL: $*"; }
check() { local what=$1; shift; if "$@"; then pass "$what"; else fail "$what"; fi; }

OUT=$(mktemp -d /tmp/vtepd-fct-short.XXXXXX)
trap 'rm -rf "$OUT"' EXIT
T0=$(date +%s)
rc=0
bash "$ROOT/scripts/fct-experiment" --short --vtepd "$VTEPD" --meter "$METER" -o "$OUT/res" "${EXTRA[@]}" || rc=$?
[ "$rc" = 77 ] && exit 77
secs=$(( $(date +%s) - T0 ))
check "fct-experiment --short exited 0 (rc $rc)" [ "$rc" = 0 ]
check "it took at most 60 s ($secs s)" [ "$secs" -le 60 ]
R=$OUT/res
md=$R/results.md
check "results.md written" [ -s "$md" ]
for run in ecmp-L40 t20-L40; do
    check "results.md has a row for $run" grep -q "^| $run |" "$md"
    for f in run.json flows.jsonl tc.json vtepd-stats.json meter/flows.csv meter/summary.json; do
        check "raw output runs/$run/$f" [ -s "$R/runs/$run/$f" ]
    done
done
for png in fig4a_speedup_vs_threshold fig4b_speedup_vs_load fig5_pdfs; do
    f=$R/$png.png
    check "$png.png is a PNG image of some size ($(stat -c %s "$f" 2>/dev/null || echo 0) bytes)" \
        sh -c "[ \$(stat -c %s '$f') -gt 10000 ] && head -c 8 '$f' | od -An -tx1 | grep -q '89 50 4e 47 0d 0a 1a 0a'"
done

J=$R/results.json
if ! jq -e . "$J" >/dev/null 2>&1; then
    fail "results.json is JSON"
else
    q() { jq -r "$1" "$J"; }
    for i in 0 1; do
        name=$(q ".runs[$i].name")
        ns=$(q ".runs[$i].short.n") nl=$(q ".runs[$i].long.n")
        check "$name: short flows measured after the discarded seconds ($ns >= 50)" [ "$ns" -ge 50 ]
        check "$name: bulk transfers measured ($nl >= 1)" [ "$nl" -ge 1 ]
        p50=$(q ".runs[$i].short.p50")
        check "$name: short-flow median FCT is a time (${p50} ms, 0.05-1000)" \
            awk -v v="$p50" 'BEGIN { exit !(v > 0.05 && v < 1000) }'
        miss=$(q "[.runs[$i].missing[]] | add")
        check "$name: every answered flow seen at both taps ($miss missing)" [ "$miss" -le 2 ]
        d=$(q "[.runs[$i].run.tcpdump_dropped[]] | map(. // 1) | add")
        check "$name: no capture lost a packet (tcpdump drops $d)" [ "$d" = 0 ]
        mrc=$(q ".runs[$i].run.meter_rc")
        check "$name: vtep-meter read both taps completely (rc $mrc)" [ "$mrc" = 0 ]
    done
    # ECMP: unmarked, vtepd used both tunnels
    d0=$(q '.runs[0].wire_check.dscp0') all=$(q '.runs[0].wire_check.flows')
    check "ECMP: every flow unmarked at tap B ($d0 of $all)" [ "$d0" = "$all" -a "$all" -gt 0 ]
    u1=$(q '.runs[0].vtepd.up1_tx_packets') u2=$(q '.runs[0].vtepd.up2_tx_packets')
    check "ECMP: vtepd sent on both tunnels ($u1 and $u2 packets)" \
        awk -v a="$u1" -v b="$u2" 'BEGIN { exit !(a > 0 && b > 0 && a / (a + b) > 0.1 && a / (a + b) < 0.9) }'
    # classifier: short RPCs on DSCP 46, bulk transfers reach DSCP 10,
    # each class on its own tunnel
    fs=$(q '.runs[1].wire_check.short_fit_all_short_dscp') fn=$(q '.runs[1].wire_check.short_fit_flows')
    check "classifier: RPCs of at most T packets (no retransmission) carry only DSCP 46 at tap B ($fs of $fn)" \
        [ "$fn" -gt 0 -a "$fs" = "$fn" ]
    rp=$(q '.runs[1].wire_check.rpc_as_predicted') rn=$(q '.runs[1].wire_check.rpc_flows')
    check "classifier: every RPC's DSCPs at tap B follow its packet count and T ($rp of $rn)" \
        [ "$rn" -gt 0 -a "$rp" = "$rn" ]
    ls=$(q '.runs[1].wire_check.long_with_long_dscp') ln=$(q '.runs[1].wire_check.long_flows')
    check "classifier: bulk transfers move to DSCP 10 ($ls of $ln)" [ "$ln" -gt 0 -a "$ls" = "$ln" ]
    u1=$(q '.runs[1].vtepd.up1_tx_packets') u2=$(q '.runs[1].vtepd.up2_tx_packets')
    cs=$(q '.runs[1].vtepd.classified_short_packets') cl=$(q '.runs[1].vtepd.classified_long_packets')
    qos=$(q '.experiment.fabric_qos // "fifo"') groups=$(q '.experiment.class_groups // "split"')
    check "the run used what was asked (queues $qos, classes $groups; options: ${EXTRA[*]:-none})" \
        [ "$(q '.runs[0].run.fabric_qos // "fifo"')" = "$qos" -a "$(q '.runs[1].run.class_groups // "split"')" = "$groups" ]
    if [ "$groups" = split ]; then
        check "classifier: short packets left on tunnel 1, long on tunnel 2 (short $cs = $u1 sent on up1, long $cl = $u2 on up2)" \
            [ "$cs" = "$u1" -a "$cl" = "$u2" -a "$cs" -gt 0 -a "$cl" -gt 0 ]
    else
        check "classifier, classes over both tunnels: every packet classified ($cs short + $cl long = $u1 + $u2 sent)" \
            [ "$((cs + cl))" = "$((u1 + u2))" -a "$cs" -gt 0 -a "$cl" -gt 0 ]
        check "classifier, classes over both tunnels: both uplinks used ($u1 and $u2 packets)" \
            awk -v a="$u1" -v b="$u2" 'BEGIN { exit !(a > 0 && b > 0 && a / (a + b) > 0.1 && a / (a + b) < 0.9) }'
    fi
    # the WAN queues' bands (tc counters; sent + dropped = what the band took in)
    band() {   # band RUN ROLE high|low
        q "[.runs[$1].queues.$2.bands.$3 // {} | (.packets // 0), (.drops // 0)] | add"
    }
    if [ "$qos" = prio ]; then
        for i in 0 1; do
            name=$(q ".runs[$i].name")
            for role in fwd1 fwd2 rev1 rev2; do
                lo=$(band "$i" "$role" low)
                check "$name: $role has a strict-priority queue whose low band carried traffic ($lo packets)" \
                    [ "$(q ".runs[$i].queues.$role.bands | length")" = 2 -a "$lo" -gt 0 ]
            done
            hr=$(( $(band "$i" rev1 high) + $(band "$i" rev2 high) ))
            check "$name: nothing in the reverse high bands (leaf B marks nothing: $hr packets)" [ "$hr" = 0 ]
        done
        h=$(( $(band 0 fwd1 high) + $(band 0 fwd2 high) ))
        check "ECMP: nothing in the forward high bands (outer DSCP 0: $h packets)" [ "$h" = 0 ]
        h1=$(band 1 fwd1 high) h2=$(band 1 fwd2 high)
        check "classifier: the forward high bands took in exactly the short class ($h1 + $h2 = $cs packets)" \
            [ "$((h1 + h2))" = "$cs" -a "$cs" -gt 0 ]
        if [ "$groups" = split ]; then
            check "classifier, split: the short class in tunnel 1's high band only ($h1 and $h2)" \
                [ "$h1" -gt 0 -a "$h2" = 0 ]
        else
            check "classifier, classes over both tunnels: both high bands used ($h1 and $h2)" \
                [ "$h1" -gt 0 -a "$h2" -gt 0 ]
        fi
    else
        for role in fwd1 fwd2 rev1 rev2; do
            check "fifo: $role is a single queue (no bands)" [ "$(q ".runs[0].queues.$role.bands | length")" = 0 ]
        done
    fi
fi
echo "$PASS passed, $FAIL failed"
[ "$FAIL" = 0 ]
