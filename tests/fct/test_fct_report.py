#!/usr/bin/python3
"""scripts/fct_report.py over several seeds and with strict-priority bands,
on synthetic run folders whose answers are known:

  seed  ECMP RPC FCT  classifier RPC FCT  speedup   ECMP bulk  classifier bulk  long ratio
  1     6 ms          3 ms                2.00x     100 ms     105 ms           1.05x
  2     12 ms         8 ms                1.50x     100 ms     110 ms           1.10x
  3     9 ms          9 ms                1.00x     100 ms     120 ms           1.20x

Over seeds: short p50 speedup median 1.50x (min 1.00x, max 2.00x), long
median 1.10x (1.05-1.20x), target met in 2 of 3 seeds (seeds 1 and 2).
A report that paired every classifier run with one ECMP run would give
2.00x / 0.75x / 0.67x instead. Band counters: the high band of fwd1 is
read from tc.json into results.json and results.md.

One PASS/FAIL line per check; exit 1 on any failure, 77 without matplotlib.
usage: test_fct_report.py [ROOT]
"""
import json
import os
import subprocess
import sys
import tempfile

ROOT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
FAILS = 0


def check(what, ok):
    global FAILS
    print("%s: %s" % ("PASS" if ok else "FAIL", what))
    if not ok:
        FAILS += 1


def write_run(base, name, mode, t, seed, rpc_ms, bulk_ms, high_pkts):
    d = os.path.join(base, "runs", name)
    os.makedirs(os.path.join(d, "meter"))
    run = {"name": name, "mode": mode, "threshold": t, "load_pct": 40, "seed": seed,
           "fabric_qos": "prio", "class_groups": "ecmp", "duration_s": 40, "skip_s": 5,
           "traffic_start": 1000.0, "traffic_end": 1040.0, "rate_mbit": 50, "queue_pkts": 100,
           "dscp_short": 46, "dscp_long": 10, "loadavg_start": "1 1 1", "loadavg_end": "1 1 1",
           "loadavg_1min_during": {"mean": 1.0, "max": 1.0, "samples": 8},
           "tcpdump_dropped": {"A1": 0, "A2": 0, "B1": 0, "B2": 0}, "vtepd_rc": 0, "meter_rc": 0}
    with open(os.path.join(d, "run.json"), "w") as f:
        json.dump(run, f)
    rows = ["proto,sport,dport,first_a_ns,last_b_ns,skipped,packets,lost,jitter_ns,dscp_b_set"]
    with open(os.path.join(d, "flows.jsonl"), "w") as f:
        # 9 RPCs of 5 segments (fit T = 20) and 3 bulk transfers
        # (kind, count, first source port, server port, segments, FCT ms, DSCP seen when classified)
        for kind, n, sport0, dport, segs, ms, dscp_cls in (("rpc", 9, 20000, 5001, 5, rpc_ms, "46"),
                                                           ("bulk", 3, 50000, 5002, 1200, bulk_ms, "46|10")):
            dscp = "0" if mode == "ecmp" else dscp_cls
            for i in range(n):
                sport = sport0 + i
                f.write(json.dumps({"kind": kind, "sport": sport, "dport": dport, "packets": segs,
                                    "ok": True, "done_ns": int(ms * 1e6)}) + "\n")
                rows.append("tcp,%d,%d,%d,%d,0,%d,0,1000,%s" % (sport, dport, 10 ** 9, 10 ** 9 + int(ms * 1e6),
                                                               segs + 1, dscp))
    with open(os.path.join(d, "meter", "flows.csv"), "w") as f:
        f.write("\n".join(rows) + "\n")
    tc = []
    for role in ("fwd1", "fwd2", "rev1", "rev2"):
        hp = high_pkts if role == "fwd1" else 0
        tc.append({"kind": "tbf", "role": role, "dev": "w", "bytes": 1000, "packets": 100 + hp, "drops": 0,
                   "bands": [{"band": "high", "packets": hp, "bytes": hp * 100, "drops": 0},
                             {"band": "low", "packets": 100, "bytes": 10000, "drops": 2}]})
    with open(os.path.join(d, "tc.json"), "w") as f:
        json.dump(tc, f)


def main():
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        print("SKIP: matplotlib missing (apt-get install python3-matplotlib)")
        return 77
    with tempfile.TemporaryDirectory(prefix="fct-report-test.") as base:
        os.makedirs(os.path.join(base, "runs"))
        with open(os.path.join(base, "experiment.json"), "w") as f:
            json.dump({"command": "synthetic", "seeds": [1, 2, 3], "seed": 1, "fabric_qos": "prio",
                       "class_groups": "ecmp", "queue_pkts": 100, "bulk_scale": 50, "ref_threshold": 20,
                       "bg_at": "wan", "ncpu": 2}, f)
        ecmp_ms = {1: 6, 2: 12, 3: 9}
        cls_ms = {1: 3, 2: 8, 3: 9}
        bulk_ms = {1: 105, 2: 110, 3: 120}
        for s in (1, 2, 3):
            write_run(base, "ecmp-L40-s%d" % s, "ecmp", None, s, ecmp_ms[s], 100, 0)
            write_run(base, "t20-L40-s%d" % s, "classifier", 20, s, cls_ms[s], bulk_ms[s], 50 + s)
        p = subprocess.run(["/usr/bin/python3", os.path.join(ROOT, "scripts", "fct_report.py"), base],
                           capture_output=True, text=True)
        check("fct_report.py exits 0 (rc %d%s)" % (p.returncode, (": " + p.stderr.strip()[-300:]) if p.returncode else ""),
              p.returncode == 0)
        if p.returncode:
            return 1
        with open(os.path.join(base, "results.json")) as f:
            res = json.load(f)
        agg = res.get("over_seeds", [])
        check("one over-seeds row (load 40, T 20): %d" % len(agg), len(agg) == 1)
        if not agg:
            return 1
        a = agg[0]
        per = [round(v, 3) for v in a["short_p50"]["per_seed"]]
        check("per-seed short p50 speedups paired by seed: %s (expected [2.0, 1.5, 1.0])" % per,
              per == [2.0, 1.5, 1.0])
        sp = a["short_p50"]
        check("short p50 speedup over seeds: median %.3f min %.3f max %.3f (expected 1.5, 1.0, 2.0)" % (
            sp["median"], sp["min"], sp["max"]),
            abs(sp["median"] - 1.5) < 1e-9 and abs(sp["min"] - 1.0) < 1e-9 and abs(sp["max"] - 2.0) < 1e-9)
        lr = a["long_p50"]
        check("long ratio over seeds: median %.3f min %.3f max %.3f (expected 1.10, 1.05, 1.20)" % (
            lr["median"], lr["min"], lr["max"]),
            abs(lr["median"] - 1.10) < 1e-9 and abs(lr["min"] - 1.05) < 1e-9 and abs(lr["max"] - 1.20) < 1e-9)
        check("target met in %d of %d seeds (expected 2 of 3)" % (a["target_met_seeds"], len(a["seeds"])),
              a["target_met_seeds"] == 2 and a["seeds"] == [1, 2, 3])
        highs = {r["name"]: r["high_band_fwd"] for r in res["runs"]}
        check("forward high-band counts read from tc.json: %s" % highs,
              highs == {"ecmp-L40-s1": 0, "ecmp-L40-s2": 0, "ecmp-L40-s3": 0,
                        "t20-L40-s1": 51, "t20-L40-s2": 52, "t20-L40-s3": 53})
        with open(os.path.join(base, "results.md")) as f:
            md = f.read()
        check("results.md has the over-seeds table with 1.50x (1.00x-2.00x)",
              "## Over seeds" in md and "1.50x (1.00x-2.00x)" in md)
        check("results.md's target line: met on the medians (1.50x, 1.10x), in 2 of 3 seeds",
              "**met**; met in 2 of 3 seeds" in md)
        check("results.md lists the band counters", "fwd1 high 51 pkts" in md)
        for png in ("fig4a_speedup_vs_threshold", "fig4b_speedup_vs_load", "fig5_pdfs"):
            fp = os.path.join(base, png + ".png")
            check("%s.png written" % png, os.path.exists(fp) and os.path.getsize(fp) > 1000)
    print("%d failed" % FAILS)
    return 1 if FAILS else 0


if __name__ == "__main__":
    sys.exit(main())
