#!/usr/bin/env bash
# The fabric of scripts/fabric, shortened: up, status, the ping matrix and
# one cut of a vtepd leaf's busiest spine link at BFD 100 ms x 3 under
# constant-rate UDP flows (scripts/fabric test --short --kinds vtepd, with
# its Prometheus read-back when the prometheus package is installed), down; then nothing of it may be left:
# no namespace, process, DPDK runtime directory, interface or work directory.
#
#   tests/fabric/test_fabric.sh [VTEPD]
#
# One PASS/FAIL line per check; exit 1 on any failure, 77 only without root
# or FRR. Uses its own prefix (fNNNN) and work directory, so it never meets a
# fabric someone else brought up.
set -u
HERE=$(cd "$(dirname "$(readlink -f "$0")")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
FABRIC="$REPO/scripts/fabric"
VTEPD=${1:-$REPO/build/vtepd}

[ "$(id -u)" -eq 0 ] || { echo "SKIP: needs root (network namespaces)"; exit 77; }
for d in zebra bgpd bfdd; do
    [ -x "/usr/lib/frr/$d" ] || { echo "SKIP: FRR not installed (/usr/lib/frr/$d)"; exit 77; }
done

P="f$(printf '%04d' $(( $$ % 10000 )))"
export FABRIC_WORKDIR="/tmp/vtepd-fabric-test-$P"
OUT=$(mktemp -d "/tmp/fabric-test-$P.XXXXXX")
FAILED=0
check() {   # check OK WHAT
    if [ "$1" -eq 0 ]; then echo "PASS: $2"; else echo "FAIL: $2"; FAILED=$((FAILED + 1)); fi
}
# shellcheck disable=SC2317  # run by the EXIT trap
cleanup() {
    if [ -e "$FABRIC_WORKDIR/state.json" ]; then
        "$FABRIC" down -p "$P" --keep-logs >/dev/null 2>&1
    fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

t0=$(date +%s)
"$FABRIC" up -p "$P" --vtepd "$VTEPD" 2>&1 | sed 's/^/  up: /'
rc=${PIPESTATUS[0]}
check "$rc" "fabric up (prefix $P) in $(( $(date +%s) - t0 )) s"
if [ "$rc" -ne 0 ]; then
    [ -d "$FABRIC_WORKDIR" ] && echo "  logs: $FABRIC_WORKDIR"
    exit 1
fi

"$FABRIC" status -p "$P" > "$OUT/status.txt" 2>&1
rc=$?
sed 's/^/  status: /' "$OUT/status.txt"
check "$rc" "fabric status: every process alive"
grep -q "Established" "$OUT/status.txt"
check $? "fabric status lists Established sessions"

t1=$(date +%s)
"$FABRIC" test -p "$P" --short --kinds vtepd -o "$OUT" 2>&1 | sed 's/^/  test: /'
rc=${PIPESTATUS[0]}
check "$rc" "fabric test --short --kinds vtepd (ping matrix, one cut of a vtepd leaf's uplink at 100 ms x 3) in $(( $(date +%s) - t1 )) s"
[ -s "$OUT/report.md" ] && ls "$OUT"/timeline-*.png >/dev/null 2>&1
check $? "report.md and PNG timelines written ($OUT)"

# what `down` must remove: the processes it recorded, namespaces, DPDK dirs
pids=$(/usr/bin/python3 - "$FABRIC_WORKDIR/state.json" <<'PY' 2>/dev/null
import json, sys
def start(pid):
    try:
        s = open(f"/proc/{pid}/stat").read()
        return s[s.rindex(")") + 2:].split()[19]
    except (OSError, ValueError, IndexError):
        return ""
out = []
for e in json.load(open(sys.argv[1])).get("created", []):
    pid = e.get("pid")
    if e.get("kind") == "frr":          # FRR daemons: their pid files
        try:
            pid = int(open(e["pidfile"]).read().split()[0])
        except (OSError, ValueError, IndexError):
            pid = None
        st = start(pid) if pid else ""
    else:
        st = e.get("start") or ""
    if pid:
        out.append(f"{pid}:{st}")
print(" ".join(out))
PY
)
[ -n "$pids" ]
check $? "state file lists the fabric's processes ($(echo "$pids" | wc -w))"

"$FABRIC" down -p "$P" 2>&1 | sed 's/^/  down: /'
check "${PIPESTATUS[0]}" "fabric down"

# alive: the same process (start time) and not a zombie (a daemon's exit is
# complete once it is one; its parent, init, reaps it in its own time);
# a process in the middle of exiting gets 5 s
still_alive() {
    local e pid st now state out=""
    for e in $pids; do
        pid=${e%%:*}; st=${e#*:}
        [ -r "/proc/$pid/stat" ] || continue
        state=$(awk '{ sub(/.*\) /, ""); print $1 }' "/proc/$pid/stat" 2>/dev/null)
        now=$(awk '{ sub(/.*\) /, ""); print $20 }' "/proc/$pid/stat" 2>/dev/null)
        [ "$state" = "Z" ] && continue
        if [ -z "$st" ] || [ "$now" = "$st" ]; then out="$out $pid"; fi
    done
    echo "$out"
}
alive=$(still_alive)
for _ in $(seq 50); do
    [ -z "$alive" ] && break
    sleep 0.1
    alive=$(still_alive)
done
[ -z "$alive" ]
check $? "no process of the fabric left${alive:+ (alive:$alive)}"
left=$(ip netns list | awk -v p="$P-" 'index($1, p) == 1 { print $1 }' | tr '\n' ' ')
[ -z "$left" ]
check $? "no namespace $P-* left${left:+ ($left)}"
links=$(ip -o link show | awk -F': ' -v p="$P" 'index($2, p) == 1 { print $2 }' | tr '\n' ' ')
[ -z "$links" ]
check $? "no interface $P* left in the root namespace${links:+ ($links)}"
dpdk=$(find /var/run/dpdk -maxdepth 1 -name "$P-*" 2>/dev/null | tr "\n" " ")
[ -z "$dpdk" ]
check $? "no DPDK runtime directory /var/run/dpdk/$P-* left${dpdk:+ ($dpdk)}"
[ ! -e "$FABRIC_WORKDIR" ]
check $? "work directory $FABRIC_WORKDIR removed"

echo "$([ "$FAILED" -eq 0 ] && echo PASS || echo FAIL): fabric lab, $FAILED failed check(s), $(( $(date +%s) - t0 )) s in all"
if [ "$FAILED" -eq 0 ]; then
    sed -n '/^## Link cuts: summary/,/^## Every cut/p' "$OUT/report.md" | sed 's/^/  report: /'
    rm -rf "$OUT"
    exit 0
fi
echo "report, flows and logs kept: $OUT"
exit 1
