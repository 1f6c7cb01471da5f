#!/usr/bin/python3
"""vtep-pktgen into vtepd through net_memif (the tooling of
scripts/bench-latency): for encap and decap, 2 s at 20,000 packets/s and
2 s unpaced, and check that
  - the paced generator sent rate x time packets (+-5 %), in no less
    than 2 s (--finish 10: on a loaded machine, what fell behind is sent
    after the 2 s, so the count holds),
  - vtepd forwarded (VNI encap/decap packets) what was sent (+-5 % of
    rate x time), with no drop,
  - the residence histogram counted every forwarded packet, with
    0 < p50 <= p99 <= max,
  - unpaced, the generator sent more than twice the paced rate (the pacing
    does hold the rate down).
One PASS/FAIL line per check; exit 1 on any failure, 77 when net_memif is
missing.
    test_pktgen.py VTEPD VTEP-PKTGEN
"""
import glob
import os
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts"))
import bench            # noqa: E402
import bench_latency    # noqa: E402

RATE, SECS = 20000, 2
failed = 0


def check(name, ok, detail=""):
    global failed
    print(f"{'PASS' if ok else 'FAIL'}: {name}{' (' + detail + ')' if detail else ''}", flush=True)
    if not ok:
        failed += 1


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    vtepd, pktgen = sys.argv[1], sys.argv[2]
    if not glob.glob("/usr/lib/*/dpdk/pmds-*/librte_net_memif.so*"):
        print("SKIP: DPDK's net_memif PMD is not installed")
        sys.exit(77)
    out = tempfile.mkdtemp(prefix="vlat-test-")
    bench.OUT = out
    enc, dec, _ = bench.pcaps(1024)
    want = RATE * SECS
    for d, pcap in (("encap", enc), ("decap", dec)):
        try:
            r = bench_latency.one_run(vtepd, pktgen, d, pcap, RATE, SECS, out=out, finish=10)
        except RuntimeError as e:
            check(f"{d}: paced run", False, str(e))
            continue
        res = r["residence"]
        check(f"{d}: generator sent {RATE} pps x {SECS} s", abs(r["sent"] - want) <= 0.05 * want,
              f"sent {r['sent']}, want {want}")
        check(f"{d}: generator not faster than {RATE} pps", r["gen_seconds"] >= 0.95 * SECS,
              f"{r['sent']} packets in {r['gen_seconds']:.3f} s")
        check(f"{d}: vtepd forwarded rate x time", abs(r["forwarded"] - want) <= 0.05 * want,
              f"forwarded {r['forwarded']}, want {want}")
        check(f"{d}: vtepd dropped nothing", r["drops"] == 0, f"drops {r['drops']}")
        check(f"{d}: histogram counted every forwarded packet",
              res.get("count") == r["forwarded"], f"count {res.get('count')}")
        check(f"{d}: 0 < p50 <= p99 <= max",
              0 < res.get("p50_us", 0) <= res.get("p99_us", 0) <= res.get("max_us", 0),
              f"p50 {res.get('p50_us')} p99 {res.get('p99_us')} max {res.get('max_us')} us")
        try:
            u = bench_latency.one_run(vtepd, pktgen, d, pcap, 0, SECS, out=out)
        except RuntimeError as e:
            check(f"{d}: unpaced run", False, str(e))
            continue
        check(f"{d}: unpaced sends more than twice the paced rate", u["sent"] > 2 * want,
              f"sent {u['sent']}")
        check(f"{d}: unpaced: vtepd forwarded what was sent",
              u["forwarded"] == u["sent"] and u["drops"] == 0,
              f"sent {u['sent']}, forwarded {u['forwarded']}, drops {u['drops']}")
    if failed:
        print(f"logs and results kept in {out}")
    else:
        shutil.rmtree(out, ignore_errors=True)
    print(f"test_pktgen: {'FAIL' if failed else 'PASS'} ({failed} failed)")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
