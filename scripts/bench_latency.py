#!/usr/bin/python3
"""Latency under load: vtepd's residence-time histogram (RX burst to the TX
burst that sends the packet, per worker; vtep.residence_histogram) at
fractions of the maximum forwarding rate, encap and decap (a benchmark, not
a test; tests/latency/test_pktgen.py checks the tooling).

Source: build/vtep-pktgen replays a capture (64-byte inner frames, FLOWS
UDP flows, the frames of scripts/bench) in a loop into vtepd through a
net_memif pair (vtepd the server, the generator the client; two processes,
each its own --file-prefix), at a packet rate paced by the TSC, or unpaced.
vtepd's other port is a net_null sink. vtepd's worker runs on lcore 1, its
control thread and the generator on lcore 0.

For each direction:
  1. the maximum rate: the generator unpaced (it offers more than vtepd
     takes: its memif ring stays full), RUNS runs of SECONDS; the rate is
     vtepd's VNI encap (decap) packets over the generator's sending time;
     the median of the runs is the maximum.
  2. at each FRACTION (%) of that maximum, RUNS paced runs.
Every run is a fresh vtepd with the histogram on; the figures are the
medians over the runs (min-max alongside; a paced run whose generator sent
less than 95 % of its schedule is reported as short and left out) of p50, p90, p99 and max
(microseconds, the upper bound of the histogram bucket: at most 25 % above
the true value). The 1-minute load average at the start of each run is
printed beside it: on a shared machine, the figures mean little when it is
above the number of cores.

Residence time does not include the time a packet waits in the memif ring
before vtepd's RX burst picks it up, only vtepd's own processing and
batching (from the RX burst's TSC to the TX burst that sends it).

    scripts/bench-latency [--runs 3] [--seconds 3] [--flows 1024]
                          [--fractions 10,50,90] [--directions encap,decap]
                          [--json build/bench/latency.json]
                          [--vtepd build/vtepd] [--pktgen build/vtep-pktgen] [--huge]
"""
import argparse
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench    # noqa: E402  (the benchmark frames, bench.pcaps; EAL memory options)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = os.path.join(ROOT, "build")
OUT = os.path.join(BUILD, "bench", "latency")
_seq = [0]


def vtepd_conf(direction, sock, prefix, flows, cli):
    memif = f"net_memif0,role=server,socket={sock},socket-abstract=no"
    if direction == "encap":
        src = f'{{ name: h0, role: access, devargs: "{memif}" }}'
        sink = '{ name: up0, role: underlay, mac: "02:00:00:00:00:01", devargs: "net_null0,no-rx=1" }'
    else:
        src = f'{{ name: up0, role: underlay, mac: "02:00:00:00:00:01", devargs: "{memif}" }}'
        sink = '{ name: h0, role: access, devargs: "net_null0,no-rx=1" }'
    return f"""
eal: [ {bench.yaml_list(bench.eal_mem_opts(1024))}, "--no-pci", "-l", "0-1", "--file-prefix", "{prefix}" ]
vtep: {{ local_ip: 192.0.2.1, mempool_mbufs: {flows + 16384}, residence_histogram: true }}
control: {{ cli_socket: {cli} }}
ports:
  - {src}
  - {sink}
{bench.FORWARDING}"""


def _wait(pred, timeout, proc=None):
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        if pred():
            return True
        if proc is not None and proc.poll() is not None:
            return pred()
        time.sleep(0.05)
    return False


def _load(path):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def _rx_packets(cli, port):
    """The memif port's rx_packets from vtepd's `show stats`, or -1."""
    try:
        c = socket.socket(socket.AF_UNIX)
        c.settimeout(5)
        c.connect(cli)
        c.sendall(b"show stats\n")
        data = b""
        while True:
            b = c.recv(1 << 16)
            if not b:
                break
            data += b
        c.close()
        return json.loads(data)["ports"][port]["rx_packets"]
    except (OSError, ValueError, KeyError):
        return -1


def _stop(p, sig, timeout):
    if p.poll() is None:
        p.send_signal(sig)
    try:
        p.wait(timeout)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()


def one_run(vtepd, pktgen, direction, pcap, rate, secs, flows=1024, out=OUT, finish=0):
    """One vtepd with the histogram on, the generator sending `pcap` at
    `rate` packets/s (0: unpaced) for `secs` through memif (with `finish`,
    up to that many seconds more to send all that was due: vtep-pktgen
    --finish). vtepd is stopped once it received all the generator sent
    (its CLI), at most 30 s later. Returns a dict:
    sent, gen_seconds, forwarded (VNI encap or decap packets), drops,
    residence (vtepd's stats JSON), load (1-minute load average at the
    start), or raises RuntimeError with the reason."""
    os.makedirs(out, exist_ok=True)
    _seq[0] += 1
    tag = f"{direction}-{rate}-{_seq[0]}"
    sock = f"/tmp/vlat{os.getpid()}-{_seq[0]}.sock"
    cli = f"/tmp/vlat{os.getpid()}-{_seq[0]}-cli.sock"
    conf, stats = os.path.join(out, f"{tag}.yaml"), os.path.join(out, f"{tag}.json")
    gjson, vlog = os.path.join(out, f"{tag}-gen.json"), os.path.join(out, f"{tag}-vtepd.log")
    for f in (sock, cli, stats, gjson):
        if os.path.exists(f):
            os.unlink(f)
    with open(conf, "w") as f:
        f.write(vtepd_conf(direction, sock, f"vlat{os.getpid()}-vt{_seq[0]}", flows, cli))
    load = os.getloadavg()[0]
    v = g = None
    try:
        with open(vlog, "w") as log:
            v = subprocess.Popen([vtepd, "-c", conf, "--stats-json", stats], stdout=log,
                                 stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        if not _wait(lambda: "forwarding:" in open(vlog, errors="replace").read(), 120, v):
            raise RuntimeError(f"vtepd did not start forwarding: see {vlog}")
        cmd = [pktgen, "--pcap", pcap, "--seconds", str(secs), "--rate", str(int(rate)),
               "--hold", "60", "--json", gjson] + (["--finish", str(finish)] if finish else []) + ["--",
               *bench.eal_mem_opts(256), "--no-pci", "-l", "0",
               "--file-prefix", f"vlat{os.getpid()}-g{_seq[0]}", "--log-level", "pmd.net.memif:warning",
               "--vdev", f"net_memif0,role=client,socket={sock},socket-abstract=no"]
        with open(os.path.join(out, f"{tag}-gen.log"), "w") as log:
            g = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        if not _wait(lambda: _load(gjson) is not None, secs + finish + 120, g):
            raise RuntimeError(f"vtep-pktgen wrote no result: see {out}/{tag}-gen.log")
        sent = _load(gjson)["sent"]
        port = "h0" if direction == "encap" else "up0"
        _wait(lambda: _rx_packets(cli, port) >= sent, 30, v)    # the ring's last packets
        # vtepd stops first: its worker must not poll a memif the client closed
        _stop(v, signal.SIGINT, 60)
        _stop(g, signal.SIGTERM, 60)
    finally:
        for p in (v, g):
            if p is not None and p.poll() is None:
                p.kill()
                p.wait()
        for f in (sock, cli):
            if os.path.exists(f):
                os.unlink(f)
        # the EAL runtime directories of both processes (DPDK leaves them)
        for prefix in (f"vlat{os.getpid()}-vt{_seq[0]}", f"vlat{os.getpid()}-g{_seq[0]}"):
            shutil.rmtree(os.path.join("/var/run/dpdk", prefix), ignore_errors=True)
    if v.returncode != 0:
        raise RuntimeError(f"vtepd exit status {v.returncode}: see {vlog}")
    try:
        s = json.load(open(stats))
        gen = json.load(open(gjson))
    except (OSError, ValueError) as e:
        raise RuntimeError(f"no result: {e}")
    w = s["workers"][0]
    vni = s["vnis"].get("100", {})
    return {"rate": rate, "sent": gen["sent"], "due": gen["due"], "gen_seconds": gen["seconds"],
            "sent_pps": gen["sent_pps"], "late_turns": gen["late_turns"],
            "max_backlog": gen["max_backlog"], "refused": gen["refused"],
            "forwarded": vni.get(f"{direction}_packets", 0), "worker_packets": w["packets"],
            "drops": sum(s["drops"].values()), "residence": w.get("residence", {}),
            "load": round(load, 2)}


def med(xs):
    return [statistics.median(xs), min(xs), max(xs)]


def summarise(direction, label, rate, runs):
    """Medians over the runs that offered the rate: a paced run whose
    generator sent less than 95 % of what was due (vtepd, or the generator,
    starved of CPU by other jobs) is counted as short and left out, unless
    every run was short."""
    full = [r for r in runs if rate == 0 or label == "max" or r["sent"] >= 0.95 * r["due"]]
    use = full or runs
    res = [r["residence"] for r in use]
    return {"direction": direction, "point": label, "rate_pps": round(rate),
            "forwarded_pps": med([r["forwarded"] / r["gen_seconds"] for r in use]),
            "lost": sum(r["sent"] - r["forwarded"] for r in runs),
            "short_runs": len(runs) - len(full),
            "p50_us": med([x.get("p50_us", 0) for x in res]),
            "p90_us": med([x.get("p90_us", 0) for x in res]),
            "p99_us": med([x.get("p99_us", 0) for x in res]),
            "max_us": med([x.get("max_us", 0) for x in res]),
            "load": med([r["load"] for r in use]), "runs": runs}


def row(s):
    def f(k):
        m = s[k]
        return f"{m[0]:7.2f} ({m[1]:.2f}-{m[2]:.2f})"
    target = "unpaced" if s["point"] == "max" else f"{s['rate_pps'] / 1e6:.3f}"
    return (f"{s['direction']:5s} {s['point']:>4s} offered {target:>7s} forwarded "
            f"{s['forwarded_pps'][0] / 1e6:6.3f} Mpps"
            f" | p50 {f('p50_us')} | p90 {f('p90_us')} | p99 {f('p99_us')}"
            f" | max {s['max_us'][0]:8.1f} ({s['max_us'][1]:.1f}-{s['max_us'][2]:.1f})"
            f" | lost {s['lost']} | short {s['short_runs']}/{len(s['runs'])} | load {s['load'][0]:.2f} ({s['load'][1]:.2f}-{s['load'][2]:.2f})")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--seconds", type=float, default=3)
    ap.add_argument("--flows", type=int, default=1024)
    ap.add_argument("--fractions", default="10,50,90", help="percent of the maximum rate")
    ap.add_argument("--directions", default="encap,decap")
    ap.add_argument("--json", default=os.path.join(BUILD, "bench", "latency.json"))
    ap.add_argument("--vtepd", default=os.path.join(BUILD, "vtepd"))
    ap.add_argument("--pktgen", default=os.path.join(BUILD, "vtep-pktgen"))
    ap.add_argument("--huge", action="store_true",
                    help="EAL memory from hugepages for vtepd and the generator (1,280 MB)")
    a = ap.parse_args()
    if a.huge:
        # both processes take their EAL memory from hugepages, as a leaf does
        bench.HUGE = True
        bench.huge_need(1024 + 256, "for vtepd and the generator")
    vtepd, pktgen = os.path.abspath(a.vtepd), os.path.abspath(a.pktgen)
    if not (os.path.exists(vtepd) and os.path.exists(pktgen)):
        subprocess.run(["bash", os.path.join(ROOT, "scripts", "build")], check=True)
    os.makedirs(bench.OUT, exist_ok=True)
    enc, dec, _ = bench.pcaps(a.flows)
    t0 = time.monotonic()
    load0 = os.getloadavg()
    report = {"date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
              "cpu": open("/proc/cpuinfo").read().split("model name")[1].split("\n")[0].strip(" :\t"),
              "cores": os.cpu_count(), "runs": a.runs, "seconds": a.seconds, "flows": a.flows,
              "memory": bench.mem_label(), "results": []}
    for d in a.directions.split(","):
        pcap = enc if d == "encap" else dec
        runs = []
        for i in range(a.runs):
            r = one_run(vtepd, pktgen, d, pcap, 0, a.seconds, a.flows)
            runs.append(r)
            print(f"{d} max run {i + 1}: {r['forwarded'] / r['gen_seconds'] / 1e6:.3f} Mpps, "
                  f"p50 {r['residence'].get('p50_us')} p99 {r['residence'].get('p99_us')} us, "
                  f"load {r['load']}", file=sys.stderr, flush=True)
        top = statistics.median([r["forwarded"] / r["gen_seconds"] for r in runs])
        report["results"].append(summarise(d, "max", top, runs))
        for pc in (int(x) for x in a.fractions.split(",")):
            rate = max(1, round(top * pc / 100))
            runs = []
            for i in range(a.runs):
                r = one_run(vtepd, pktgen, d, pcap, rate, a.seconds, a.flows)
                runs.append(r)
                print(f"{d} {pc}% ({rate} pps) run {i + 1}: sent {r['sent']}, forwarded "
                      f"{r['forwarded']}, p50 {r['residence'].get('p50_us')} p99 "
                      f"{r['residence'].get('p99_us')} max {r['residence'].get('max_us')} us, "
                      f"generator late turns {r['late_turns']}, load {r['load']}",
                      file=sys.stderr, flush=True)
            report["results"].append(summarise(d, f"{pc}%", rate, runs))
    report["loadavg_start"] = [round(x, 2) for x in load0]
    report["loadavg_end"] = [round(x, 2) for x in os.getloadavg()]
    report["wall_seconds"] = round(time.monotonic() - t0, 1)
    os.makedirs(os.path.dirname(os.path.abspath(a.json)), exist_ok=True)
    with open(a.json, "w") as f:
        json.dump(report, f, indent=1)
    print(f"# {report['date']}, {report['cores']} cores, {report['cpu']}, load average "
          f"{' '.join('%.2f' % x for x in load0)} at start, "
          f"{' '.join('%.2f' % x for x in report['loadavg_end'])} at end, {report['wall_seconds']} s")
    print(f"# vtep-pktgen -> net_memif -> vtepd (residence histogram on) -> net_null; "
          f"{a.flows} flows, 64-byte inner frames, EAL memory {report['memory']}; "
          f"{a.runs} runs x {a.seconds} s per point; "
          f"median (min-max) over the runs; us = bucket upper bound; load = 1-min load average; "
          f"short = paced runs whose generator sent < 95 % of its schedule (left out)")
    for s in report["results"]:
        print(row(s))
    print(f"# figures: {a.json}")


if __name__ == "__main__":
    main()
