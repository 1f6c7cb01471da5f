#!/usr/bin/python3
"""Two vtepd builds against each other and against dpdk-testpmd, in the
same rounds (a benchmark, not a test).

    scripts/bench-ab --a OLD/build/vtepd --b NEW/build/vtepd [--runs 5]
                     [--seconds 3] [--flows 1024] [--modes encap,decap]
                     [--a-drop-key mempool_mbufs] [--json FILE]

Same harness as scripts/bench (bench.py: net_pcap infinite_rx source,
net_null sink, one worker, 64-byte inner frames). Each round runs, per
direction, testpmd once and then build A and build B on the same input;
every vtepd figure is divided by the testpmd figure of its round, and B is
divided by A of the same round. Medians (min-max) over the rounds.

--a-drop-key KEY removes `, KEY: VALUE` from the generated config for build
A, for builds older than a config key that bench.py now writes (the build
before the layout move did not know vtep.mempool_mbufs).
"""
import argparse
import json
import os
import re
import statistics
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench  # noqa: E402


def med(xs):
    return statistics.median(xs), min(xs), max(xs)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--a", required=True, help="vtepd binary A (the baseline)")
    p.add_argument("--b", required=True, help="vtepd binary B")
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--seconds", type=int, default=3)
    p.add_argument("--flows", type=int, default=1024)
    p.add_argument("--modes", default="encap,decap")
    p.add_argument("--a-drop-key", action="append", default=[])
    p.add_argument("--json", default=os.path.join(bench.OUT, "bench-ab.json"))
    p.add_argument("--huge", action="store_true",
                   help="EAL memory from hugepages for testpmd and both builds (as bench --huge)")
    a = p.parse_args()
    for b in (a.a, a.b):
        if not os.access(b, os.X_OK):
            p.error(f"{b}: not an executable")
    modes = [m for m in a.modes.split(",") if m]
    for m in modes:
        if m not in ("encap", "encap-cls", "decap"):
            p.error(f"mode {m}: only encap, encap-cls and decap")
    if a.huge:
        bench.HUGE = True
        bench.huge_check(a.flows)
    os.makedirs(bench.OUT, exist_ok=True)
    conf = bench.vtepd_conf

    def conf_a(*x, **k):
        text = conf(*x, **k)
        for key in a.a_drop_key:
            text = re.sub(r",\s*%s:\s*[^,}\n]+" % re.escape(key), "", text)
        return text

    enc, dec, _ = bench.pcaps(a.flows)
    rows = {}
    for r in range(1, a.runs + 1):
        for direction, pcap in (("encap", enc), ("decap", dec)):
            todo = [m for m in modes if m.startswith(direction)]
            if not todo:
                continue
            tp = bench.testpmd(pcap, a.flows, a.seconds)
            for m in todo:
                got = {}
                for name, binary, cf in (("A", a.a, conf_a), ("B", a.b, conf)):
                    bench.VTEPD, bench.vtepd_conf = binary, cf
                    got[name] = bench.vtepd(m, pcap, a.flows, a.seconds)[0]
                row = rows.setdefault(m, {"testpmd": [], "A": [], "B": []})
                row["testpmd"].append(tp)
                row["A"].append(got["A"])
                row["B"].append(got["B"])
                print(f"round {r} {m:9s}: testpmd {tp / 1e6:6.2f} Mpps | A {got['A'] / 1e6:6.2f} "
                      f"({got['A'] / tp if tp else 0:.3f}) | B {got['B'] / 1e6:6.2f} "
                      f"({got['B'] / tp if tp else 0:.3f}) | B/A {got['B'] / got['A'] if got['A'] else 0:.3f}",
                      flush=True)
    bench.vtepd_conf = conf
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"# A = {a.a}\n# B = {a.b}\n# {a.runs} rounds x {a.seconds} s, {a.flows} flows, "
          f"EAL memory {bench.mem_label()}, load average {load} at the end; "
          "median (min-max)")
    out = {"a": a.a, "b": a.b, "flows": a.flows, "runs": a.runs, "seconds": a.seconds,
           "memory": bench.mem_label(), "results": {}}
    for m, row in rows.items():
        ra = [x / t for x, t in zip(row["A"], row["testpmd"]) if t]
        rb = [x / t for x, t in zip(row["B"], row["testpmd"]) if t]
        ba = [y / x for x, y in zip(row["A"], row["B"]) if x]
        fmt = "%.3f (%.3f-%.3f)"
        print(f"{m:9s} A/testpmd {fmt % med(ra)} | B/testpmd {fmt % med(rb)} | B/A {fmt % med(ba)}")
        out["results"][m] = {"per_round": row, "a_ratio": med(ra), "b_ratio": med(rb),
                             "b_over_a": med(ba)}
    with open(a.json, "w") as f:
        json.dump(out, f, indent=1)
    print(f"# figures: {a.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
