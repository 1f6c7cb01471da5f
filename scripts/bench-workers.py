#!/usr/bin/python3
"""Forwarding rate of vtepd with one worker and with two (a benchmark, not
a test): the same ports and frames, the worker count the only change.

Two source ports (net_pcap infinite_rx, 1,024 UDP flows of 64-byte inner
frames each, different flows on each) feed one net_null sink. With one
worker it polls both sources; with two, each polls one (queue 0 of port p
goes to worker p mod 2) and both transmit to the sink on their own TX
queue. EAL: one worker is "-l 0-1"; two are "--lcores 0@(0,1),1@0,2@1"
(each worker its own CPU, the control thread floating). Rounds are
interleaved (1 then 2 workers, encap then decap); each round's ratio is
2-worker rate / 1-worker rate, and the medians of RUNS rounds are reported,
with the TSC cycles per packet of the workers' busy loop turns (what one
packet costs a worker whatever share of its CPU it gets: on a shared
machine the rate follows the scheduler, the cycles much less).

    scripts/bench-workers [--runs 5] [--seconds 5] [--modes encap,decap]
                          [--json build/bench/workers.json]
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench  # noqa: E402  (frame builders and pcap writer)

FLOWS = 1024
LCORES = {1: '"-l", "0-1"', 2: '"--lcores", "0@(0,1),1@0,2@1"'}


def pcaps():
    out = {}
    for src in (0, 1):
        base = src * FLOWS
        enc = os.path.join(bench.OUT, f"workers-encap{src}.pcap")
        dec = os.path.join(bench.OUT, f"workers-decap{src}.pcap")
        bench.write_pcap(enc, (bench.inner(base + i) for i in range(FLOWS)))
        bench.write_pcap(dec, (bench.vxlan(base + i) for i in range(FLOWS)))
        out[("encap", src)], out[("decap", src)] = enc, dec
    return out


def conf(mode, workers, files):
    # a source port never transmits, but needs a TX queue per worker
    txq = ",".join(["tx_pcap=/dev/null"] * workers)
    if mode == "encap":
        srcs = "\n".join(
            f'  - {{ name: h{s}, role: access, devargs: "net_pcap{s},'
            f'rx_pcap={files[(mode, s)]},infinite_rx=1,{txq}" }}' for s in (0, 1))
        sink = ('  - { name: up0, role: underlay, mac: "02:00:00:00:00:01", '
                'devargs: "net_null0,no-rx=1" }')
        access = "[ { port: h0, vlan: untagged }, { port: h1, vlan: untagged } ]"
        ports = srcs + "\n" + sink
        host_port = "h0"
    else:
        srcs = "\n".join(
            f'  - {{ name: up{s}, role: underlay, mac: "02:00:00:00:00:01", devargs: '
            f'"net_pcap{s},rx_pcap={files[(mode, s)]},infinite_rx=1,{txq}" }}' for s in (0, 1))
        sink = '  - { name: h0, role: access, devargs: "net_null0,no-rx=1" }'
        access = "[ { port: h0, vlan: untagged } ]"
        ports = srcs + "\n" + sink
        host_port = "h0"
    return f"""
eal: [ "--no-huge", "--no-pci", "-m", "1024", {LCORES[workers]}, "--file-prefix",
       "bench-wk{os.getpid()}", "--log-level", "pmd.net.pcap:warning" ]
vtep: {{ local_ip: 192.0.2.1, mempool_mbufs: {2 * FLOWS + 32768} }}
ports:
{ports}
underlay:
  nexthops: [ {{ name: spine1, port: up0, ip: 192.0.2.254, mac: "02:00:00:00:01:01" }} ]
vnis:
  - vni: 100
    access: {access}
    static_macs:
      - {{ mac: "02:00:00:00:aa:02", vtep: 198.51.100.2 }}
      - {{ mac: "02:00:00:00:aa:01", port: {host_port} }}
    flood: [ 198.51.100.2 ]
"""


def run(mode, workers, files, secs):
    path = os.path.join(bench.OUT, f"workers-{mode}-{workers}")
    with open(path + ".yaml", "w") as f:
        f.write(conf(mode, workers, files))
    with open(path + ".log", "w") as log:
        r = subprocess.run([bench.VTEPD, "-c", path + ".yaml", "--duration", str(secs * 1000),
                            "--stats-json", path + ".json"], stdout=log,
                           stderr=subprocess.STDOUT)
    if r.returncode != 0:
        sys.exit(f"vtepd {mode} with {workers} workers failed: see {path}.log")
    s = json.load(open(path + ".json"))
    if s["mempool"]["in_use"] != 0:
        sys.exit(f"vtepd {mode}/{workers}: {s['mempool']['in_use']} mbufs leaked")
    pkts = [w["packets"] for w in s["workers"]]
    cpp = sum(w["busy_cycles"] for w in s["workers"]) / max(1, sum(pkts))
    return sum(pkts) / s["forwarding_seconds"], pkts, sum(s["drops"].values()), cpp


def med(xs):
    return [statistics.median(xs), min(xs), max(xs)]


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--seconds", type=int, default=5)
    ap.add_argument("--modes", default="encap,decap")
    ap.add_argument("--json", default=os.path.join(bench.OUT, "workers.json"))
    a = ap.parse_args()
    os.makedirs(bench.OUT, exist_ok=True)
    files = pcaps()
    modes = a.modes.split(",")
    rows = {m: {1: [], 2: [], "ratio": [], "split": [], "cpp1": [], "cpp2": []} for m in modes}
    for r in range(1, a.runs + 1):
        for m in modes:
            one, _, d1, c1 = run(m, 1, files, a.seconds)
            two, split, d2, c2 = run(m, 2, files, a.seconds)
            rows[m]["cpp1"].append(c1)
            rows[m]["cpp2"].append(c2)
            rows[m][1].append(one)
            rows[m][2].append(two)
            rows[m]["ratio"].append(two / one if one else 0)
            rows[m]["split"].append(split)
            print(f"run {r} {m}: 1 worker {one / 1e6:6.2f} Mpps, 2 workers {two / 1e6:6.2f} Mpps"
                  f" (per worker {split}), ratio {two / one if one else 0:.2f}, cycles/pkt "
                  f"{c1:.0f} / {c2:.0f}, drops {d1}/{d2}",
                  file=sys.stderr, flush=True)
    report = {"date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
              "cores": os.cpu_count(), "loadavg": open("/proc/loadavg").read().split()[:3],
              "runs": a.runs, "seconds": a.seconds, "flows_per_source": FLOWS, "results": {}}
    print(f"# {report['date']}, {report['cores']} cores, load average {report['loadavg']}")
    print(f"# {a.runs} rounds x {a.seconds} s; median (min-max); ratio = 2 workers / 1 worker "
          f"of the same round")
    for m in modes:
        x = rows[m]
        res = {"one_worker_mpps": [round(v / 1e6, 2) for v in med(x[1])],
               "two_workers_mpps": [round(v / 1e6, 2) for v in med(x[2])],
               "ratio": [round(v, 3) for v in med(x["ratio"])],
               "cycles_per_packet_one": [round(v, 1) for v in med(x["cpp1"])],
               "cycles_per_packet_two": [round(v, 1) for v in med(x["cpp2"])], "per_run": x}
        report["results"][m] = res
        o, t, q = res["one_worker_mpps"], res["two_workers_mpps"], res["ratio"]
        c1, c2 = res["cycles_per_packet_one"], res["cycles_per_packet_two"]
        print(f"{m}: 1 worker {o[0]:.2f} Mpps ({o[1]:.2f}-{o[2]:.2f}) | 2 workers {t[0]:.2f} "
              f"Mpps ({t[1]:.2f}-{t[2]:.2f}) | ratio {q[0]:.2f} ({q[1]:.2f}-{q[2]:.2f}) | "
              f"cycles/pkt {c1[0]:.0f} ({c1[1]:.0f}-{c1[2]:.0f}) / {c2[0]:.0f} "
              f"({c2[1]:.0f}-{c2[2]:.0f})")
    with open(a.json, "w") as f:
        json.dump(report, f, indent=1)
    print(f"# figures: {a.json}")


if __name__ == "__main__":
    main()
