#!/usr/bin/python3
"""Forwarding rate of one vtepd worker core against the raw I/O ceiling of
the same ports, measured in the same run (a benchmark, not a test).

  ceiling  dpdk-testpmd io forwarding: net_pcap infinite_rx source -> net_null sink
  encap    vtepd, access port = that source, underlay = the sink
  encap-cls  the same with the short/long classifier on (every flow counted:
           protocols tcp and udp, threshold 20, a table with room for every flow)
  decap    vtepd, underlay = a source of VXLAN frames, access = the sink
  encap-hist, decap-hist  encap / decap with vtep.residence_histogram on
           (its cost: compared with encap / decap of the same round)

The exception path (root: vtepd runs in a network namespace of its own,
where net_tap creates its kernel interface). A second underlay port, up1,
has the kernel interface (kernel_iface); the kernel-bound stream is TCP
SYNs to our address, port 179 (BGP), FLOWS source ports, at the rate
net_pcap can read them (no address on the TAP: the kernel drops them in
its IP layer and sends nothing back):
  encap-k / decap-k    encap / decap with up1 idle (net_null): the cost of
                       having the exception path (polling the TAP)
  encap-kx / decap-kx  the same with up1 = the kernel-bound stream at max
                       rate, concurrently: the cost of a flood toward the host
  exc      only the kernel-bound stream; kernel_rate_pps --kernel-rate
           (default 10000): frames/s into the TAP, dropped at kernel_rate_limit
  exc-max  the same with kernel_rate_pps 10000000 (limiter out of the way):
           what the TAP itself takes
Their rates come from vtepd's counters (VNI encap/decap packets, to_kernel,
the TAP port's tx, drops) over its forwarding seconds; ratios are taken
within a round (encap-k / encap, encap-kx / encap-k, ...). testpmd's
ceiling for exc is io forwarding of the kernel-bound capture.

Frames: 64-byte inner frames (60 B + FCS), FLOWS UDP flows (1,024 and
1,000,000 by default). Rounds are interleaved: in each round testpmd runs on
the encap input, then every encap mode, then testpmd on the decap input,
then decap; each vtepd figure is divided by the testpmd figure of its own
round, and the medians of RUNS rounds are reported (min-max alongside),
with vtepd's TSC cycles per packet.

vtepd's rate is worker packets / forwarding seconds from its stats JSON;
testpmd's the median of its per-second Tx-pps (the first two dropped).

--insn adds instructions per packet, which the load on a shared machine does
not move: each vtepd mode runs once more under valgrind (callgrind, one
profile per thread) for --insn-seconds, and the worker thread's instruction
count is divided by the packets it forwarded (stats JSON), split into the
PMDs' share (net_pcap RX, net_null TX: the work testpmd's io forwarding
also does per packet) and vtepd's own. The VM has no hardware counters, so
`perf stat -e instructions` cannot count them here; callgrind counts the
same instructions in software. (testpmd itself under callgrind reports
fewer TX-packets than its PMDs' instruction counts imply, so its own count
is not used.)

    scripts/bench [--runs 5] [--seconds 5] [--flows 1024,1000000]
                  [--modes encap,encap-cls,decap] [--json build/bench/bench.json]
                  [--vtepd build/vtepd] [--kernel-rate 10000] [--insn] [--insn-seconds 3]
    scripts/bench --flows 1024 --modes encap,encap-k,encap-kx,decap,decap-k,decap-kx,exc,exc-max
    scripts/bench --flows 1024 --modes encap,encap-hist,decap,decap-hist [--runs 0 --insn]
"""
import argparse
import contextlib
import json
import os
import re
import signal
import statistics
import struct
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
VTEPD = os.environ.get("VTEPD", os.path.join(ROOT, "build", "vtepd"))   # or --vtepd
OUT = os.path.join(ROOT, "build", "bench")
HOST, REMOTE = bytes.fromhex("02000000aa01"), bytes.fromhex("02000000aa02")


def csum(b):
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return (~s) & 0xffff


def ipv4(src, dst, proto, payload_len, ttl=64, df=False):
    h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + payload_len, 0, 0x4000 if df else 0, ttl,
                    proto, 0, bytes(src), bytes(dst))
    return h[:10] + struct.pack("!H", csum(h)) + h[12:]


def inner(i, rev=False):
    """60-byte UDP frame of flow i: 192.0.2.(1 + i>>20):(1024 + i&0x7fff) ->
    203.0.113.2:(80 + (i>>15)&31), so that up to 2^20 * 254 flows differ."""
    src = [192, 0, 2, 1 + (i >> 20)]
    dst = [203, 0, 113, 2]
    sport, dport = 1024 + (i & 0x7fff), 80 + ((i >> 15) & 31)
    smac, dmac = HOST, REMOTE
    if rev:
        src, dst, sport, dport, smac, dmac = dst, src, dport, sport, dmac, smac
    udp = struct.pack("!HHHH", sport, dport, 26, 0) + b"\0" * 18
    return dmac + smac + b"\x08\x00" + ipv4(src, dst, 17, len(udp)) + udp


def vxlan(i):
    inn = inner(i, rev=True)
    udp_len = 8 + 8 + len(inn)
    udp = struct.pack("!HHHH", 49152 + i % 16384, 4789, udp_len, 0) + \
        struct.pack("!II", 0x08000000, 100 << 8) + inn
    return bytes.fromhex("020000000001") + bytes.fromhex("020000000101") + b"\x08\x00" + \
        ipv4([198, 51, 100, 2], [192, 0, 2, 1], 17, len(udp), df=True) + udp


def kernel_bound(i):
    """60-byte TCP SYN of flow i to our address, port 179, on up1's MAC."""
    tcp = struct.pack("!HHIIBBHHH", 1024 + i % 64512, 179, i, 0, 5 << 4, 0x02, 64240, 0, 0)
    return bytes.fromhex("020000000002") + bytes.fromhex("020000000101") + b"\x08\x00" + \
        ipv4([198, 51, 100, 2 + (i >> 16)], [192, 0, 2, 1], 6, len(tcp), df=True) + tcp + b"\0" * 6


def write_pcap(path, frames):
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
        for fr in frames:
            f.write(struct.pack("<IIII", 0, 0, len(fr), len(fr)))
            f.write(fr)


def pcaps(flows):
    enc = os.path.join(OUT, f"encap-{flows}.pcap")
    dec = os.path.join(OUT, f"decap-{flows}.pcap")
    kern = os.path.join(OUT, f"kernel-{flows}.pcap")
    if not os.path.exists(enc):
        write_pcap(enc, (inner(i) for i in range(flows)))
    if not os.path.exists(dec):
        write_pcap(dec, (vxlan(i) for i in range(flows)))
    if not os.path.exists(kern):
        write_pcap(kern, (kernel_bound(i) for i in range(flows)))
    return enc, dec, kern


NETNS = f"vbench{os.getpid()}"
TAP = f"vbtap{os.getpid() % 100000}"
KERNEL_MODES = ("encap-k", "encap-kx", "decap-k", "decap-kx", "exc", "exc-max")


@contextlib.contextmanager
def bench_netns(needed):
    """A network namespace for the runs with a TAP, deleted afterwards."""
    if not needed:
        yield
        return
    subprocess.run(["ip", "netns", "add", NETNS], check=True)
    try:
        subprocess.run(["ip", "-n", NETNS, "link", "set", "lo", "up"], check=True)
        yield
    finally:
        subprocess.run(["ip", "netns", "del", NETNS])


def eal_mem(flows):
    # net_pcap infinite_rx holds the whole capture in mbufs: 2,176 B of data
    # room, the 128-byte mbuf and the mempool's object header (2,368 B), and
    # with --no-huge an object may not cross a 4 KiB page, so each takes a
    # page (2,300 B a flow left the 1,000,000-flow pool short)
    return max(1024, (flows * 4200 >> 20) + 1024)


def testpmd(pcap, flows, secs):
    """testpmd's io forwarding rate: the median of its per-second Tx-pps on
    the sink, the first two seconds dropped. Stopped (SIGINT) once it has
    printed secs + 2 samples: on a loaded machine its start-up alone can
    take longer than a fixed timeout."""
    log = os.path.join(OUT, "testpmd.log")
    cmd = ["stdbuf", "-oL", "dpdk-testpmd",
           "--no-huge", "--no-pci", "-m", str(eal_mem(flows)), "-l", "0-1",
           "--file-prefix", f"bench-tp{os.getpid()}",
           "--vdev", f"net_pcap0,rx_pcap={pcap},infinite_rx=1", "--vdev", "net_null0,no-rx=1",
           "--", "--forward-mode=io", "--auto-start", "--stats-period", "1", "--nb-cores=1",
           f"--total-num-mbufs={flows + 16384}"]
    pps = []
    deadline = time.monotonic() + secs + 120
    with open(log, "w") as f:
        p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        os.set_blocking(p.stdout.fileno(), False)
        buf = ""
        while p.poll() is None and time.monotonic() < deadline and len(pps) < 2 * (secs + 2):
            chunk = (p.stdout.read() or b"").decode(errors="replace")
            if chunk:
                f.write(chunk)
                buf += chunk
                pps = [int(m) for m in re.findall(r"Tx-pps:\s+(\d+)", buf)]
            else:
                time.sleep(0.2)
        if p.poll() is None:
            p.send_signal(signal.SIGINT)
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        os.set_blocking(p.stdout.fileno(), True)
        f.write((p.stdout.read() or b"").decode(errors="replace"))
    pps = pps[1::2][2:]          # port 1 (the sink), first two seconds dropped
    return statistics.median(pps) if pps else 0


# The forwarding part of every benchmark config: one uplink next hop, VNI 100
# on the access port h0, the remote MAC behind 198.51.100.2, the local one on h0.
FORWARDING = """underlay:
  nexthops: [ { name: spine1, port: up0, ip: 192.0.2.254, mac: "02:00:00:00:01:01" } ]
vnis:
  - vni: 100
    access: [ { port: h0, vlan: untagged } ]
    static_macs:
      - { mac: "02:00:00:00:aa:02", vtep: 198.51.100.2 }
      - { mac: "02:00:00:00:aa:01", port: h0 }
    flood: [ 198.51.100.2 ]
"""


def vtepd_conf(mode, pcap, flows, kern=None, kernel_rate=10000):
    if mode.startswith("exc"):
        src = '{ name: h0, role: access, devargs: "net_null1,no-rx=1" }'
        sink = '{ name: up0, role: underlay, mac: "02:00:00:00:00:01", devargs: "net_null0,no-rx=1" }'
    elif mode.startswith("encap"):
        src = f'{{ name: h0, role: access, devargs: "net_pcap0,rx_pcap={pcap},infinite_rx=1" }}'
        sink = '{ name: up0, role: underlay, mac: "02:00:00:00:00:01", devargs: "net_null0,no-rx=1" }'
    else:
        src = (f'{{ name: up0, role: underlay, mac: "02:00:00:00:00:01", '
               f'devargs: "net_pcap0,rx_pcap={pcap},infinite_rx=1" }}')
        sink = '{ name: h0, role: access, devargs: "net_null0,no-rx=1" }'
    cls = ""
    if mode == "encap-cls":
        cap = 1 << max(16, (2 * flows - 1).bit_length())
        cls = (f"classifier: {{ threshold_packets: 20, idle_s: 30, flows_per_worker: {cap}, "
               f"protocols: [ tcp, udp ], short: {{ dscp: 46 }}, long: {{ dscp: 10 }} }}\n")
    up1 = ""
    if mode in KERNEL_MODES:
        # the second underlay port with the exception path: idle or the
        # kernel-bound stream (tx to /dev/null: the kernel sends nothing)
        rate = 10000000 if mode == "exc-max" else kernel_rate
        dev = ("net_null2,no-rx=1" if mode.endswith("-k") else
               f"net_pcap2,rx_pcap={kern},infinite_rx=1,tx_pcap=/dev/null")
        up1 = (f'  - {{ name: up1, role: underlay, mac: "02:00:00:00:00:02", kernel_iface: {TAP}, '
               f'kernel_rate_pps: {rate}, devargs: "{dev}" }}\n')
    hist = ", residence_histogram: true" if mode.endswith("-hist") else ""
    return f"""
eal: [ "--no-huge", "--no-pci", "-m", "{eal_mem(flows)}", "-l", "0-1", "--file-prefix",
       "bench-vt{os.getpid()}", "--log-level", "pmd.net.pcap:warning" ]
vtep: {{ local_ip: 192.0.2.1, mempool_mbufs: {flows + 16384}{hist} }}
ports:
  - {src}
  - {sink}
{up1}{FORWARDING}{cls}"""


def vtepd(mode, pcap, flows, secs, kern=None, kernel_rate=10000):
    """(packets/s, cycles/packet, drops, extra): the worker's rate, or for
    the exception-path modes the encap/decap rate (VNI counters); extra
    holds the exception path's own rates."""
    conf = os.path.join(OUT, f"{mode}.yaml")
    stats = os.path.join(OUT, f"{mode}.json")
    with open(conf, "w") as f:
        f.write(vtepd_conf(mode, pcap, flows, kern, kernel_rate))
    cmd = [VTEPD, "-c", conf, "--duration", str(secs * 1000 + flows // 200), "--stats-json", stats]
    if mode in KERNEL_MODES:
        cmd = ["ip", "netns", "exec", NETNS] + cmd
    with open(os.path.join(OUT, f"{mode}.log"), "w") as log:
        r = subprocess.run(cmd, stdout=log, stderr=subprocess.STDOUT)
    if r.returncode != 0:
        sys.exit(f"vtepd {mode} failed: see {OUT}/{mode}.log")
    s = json.load(open(stats))
    if s["mempool"]["in_use"] != 0:
        sys.exit(f"vtepd {mode}: {s['mempool']['in_use']} mbufs leaked")
    w = s["workers"][0]
    drops = sum(s["drops"].values())
    fs = s["forwarding_seconds"]
    if mode not in KERNEL_MODES:
        return w["packets"] / fs, w["cycles_per_packet"], drops, {}
    ev, tap = s["events"], s["ports"].get(TAP, {})
    extra = {"to_kernel_pps": ev["to_kernel"] / fs,
             "tap_tx_pps": tap.get("tx_packets", 0) / fs,
             "tap_tx_dropped": tap.get("tx_dropped", 0),
             "rate_limited_pps": s["drops"].get("kernel_rate_limit", 0) / fs,
             "kernel_offered_pps": s["ports"].get("up1", {}).get("rx_packets", 0) / fs,
             "worker_pps": w["packets"] / fs}
    v = s["vnis"].get("100", {})
    if mode.startswith("encap"):
        pps = v.get("encap_packets", 0) / fs
    elif mode.startswith("decap"):
        pps = v.get("decap_packets", 0) / fs
    else:
        pps = extra["to_kernel_pps"]
    return pps, w["cycles_per_packet"], drops, extra


def callgrind_thread_ir(prefix, fn_name):
    """Instructions of the thread whose callgrind profile names fn_name."""
    d, base = os.path.split(prefix)
    for name in sorted(os.listdir(d)):
        if not name.startswith(base + "-"):
            continue
        text = open(os.path.join(d, name), errors="replace").read()
        if fn_name in text:
            m = re.search(r"^totals:\s+(\d+)", text, re.M)
            if m:
                return int(m.group(1))
    return 0


def clean_callgrind(prefix):
    d, base = os.path.split(prefix)
    for name in os.listdir(d):
        if name.startswith(base):
            os.unlink(os.path.join(d, name))


VALGRIND = ["valgrind", "--tool=callgrind", "--separate-threads=yes"]


IO_OBJECTS = ("librte_net_", "tls_get_addr")   # the PMDs' RX/TX and their TLS look-ups


def callgrind_io_ir(prefix, fn_name):
    """Instructions of that thread spent in the PMDs (net_pcap RX, net_null
    TX): what testpmd's io forwarding also executes per packet."""
    d, base = os.path.split(prefix)
    for name in sorted(os.listdir(d)):
        path = os.path.join(d, name)
        if not name.startswith(base + "-") or fn_name not in open(path, errors="replace").read():
            continue
        out = subprocess.run(["callgrind_annotate", "--inclusive=no", "--threshold=100", path],
                             capture_output=True, text=True).stdout
        io = 0
        for line in out.splitlines():
            m = re.match(r"\s*([\d,]+)\s+\(", line)
            if m and any(o in line for o in IO_OBJECTS):
                io += int(m.group(1).replace(",", ""))
        return io
    return 0


def vtepd_insn(mode, pcap, flows, secs):
    prefix = os.path.join(OUT, f"cg-{mode}")
    clean_callgrind(prefix)
    conf = os.path.join(OUT, f"{mode}.yaml")
    stats = os.path.join(OUT, f"{mode}-insn.json")
    if os.path.exists(stats):
        os.unlink(stats)
    with open(conf, "w") as f:
        f.write(vtepd_conf(mode, pcap, flows))
    with open(os.path.join(OUT, f"{mode}-insn.log"), "w") as log:
        p = subprocess.Popen(VALGRIND + [f"--callgrind-out-file={prefix}", VTEPD, "-c", conf,
                              "--duration", str(secs * 1000 + flows // 20), "--stats-json", stats],
                             stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        # the stats JSON is written after the workers stopped; valgrind
        # does not know every syscall of the shutdown path, so vtepd is
        # then told to go (callgrind writes its profiles on the signal)
        t0 = time.time()
        while p.poll() is None and not os.path.exists(stats) and time.time() - t0 < secs + 300:
            time.sleep(0.2)
        time.sleep(1)
        if p.poll() is None:
            p.terminate()
            try:
                p.wait(180)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
    try:
        s = json.load(open(stats))
    except (OSError, ValueError):
        return 0, 0, 0
    pkts = s["workers"][0]["packets"]
    # the worker thread's entry function (VTEPD_WORKER_FN for builds that named it otherwise)
    fn = os.environ.get("VTEPD_WORKER_FN", "dp_worker_main")
    ir = callgrind_thread_ir(prefix, fn)
    io = callgrind_io_ir(prefix, fn)
    return (ir / pkts if pkts else 0), (io / pkts if pkts else 0), pkts


def med(xs):
    return statistics.median(xs), min(xs), max(xs)


def main():
    global VTEPD
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--seconds", type=int, default=5)
    ap.add_argument("--flows", default="1024,1000000")
    ap.add_argument("--modes", default="encap,encap-cls,decap")
    ap.add_argument("--json", default=os.path.join(OUT, "bench.json"))
    ap.add_argument("--vtepd", default=VTEPD, help="the vtepd binary (default build/vtepd)")
    ap.add_argument("--kernel-rate", type=int, default=10000,
                    help="kernel_rate_pps of the exception-path modes (not exc-max)")
    ap.add_argument("--insn", action="store_true", help="instructions per packet (callgrind)")
    ap.add_argument("--insn-seconds", type=int, default=3)
    a = ap.parse_args()
    VTEPD = os.path.abspath(a.vtepd)
    os.makedirs(OUT, exist_ok=True)
    if not os.path.exists(VTEPD):
        subprocess.run(["bash", os.path.join(ROOT, "scripts", "build")], check=True)
    modes = a.modes.split(",")
    kernel = [m for m in modes if m in KERNEL_MODES]
    if kernel and os.geteuid() != 0:
        sys.exit(f"modes {','.join(kernel)} need root (a network namespace for the TAP)")
    load0 = os.getloadavg()
    report = {"date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
              "cpu": open("/proc/cpuinfo").read().split("model name")[1].split("\n")[0].strip(": "),
              "cores": os.cpu_count(), "runs": a.runs, "seconds": a.seconds, "results": []}
    with bench_netns(bool(kernel)):
        run_all(a, modes, report)
    report["loadavg_start"] = [round(x, 2) for x in load0]
    report["loadavg_end"] = [round(x, 2) for x in os.getloadavg()]
    with open(a.json, "w") as f:
        json.dump(report, f, indent=1)
    print(f"# {report['date']}, {report['cores']} cores, {report['cpu']}, load average "
          f"{' '.join('%.2f' % x for x in load0)} at start, "
          f"{' '.join('%.2f' % x for x in report['loadavg_end'])} at end")
    print(f"# {a.runs} rounds x {a.seconds} s, 64-byte inner frames; median (min-max); "
          f"ratio = vtepd / testpmd of the same round")
    for r in report["results"]:
        if "instructions_per_packet" in r:
            i = r["instructions_per_packet"]
            print(f"{r['flows']:>8} flows {r['mode']:9s} instructions/packet: worker "
                  f"{i['worker']:.0f} = PMD I/O {i['pmd_io']:.0f} + vtepd {i['vtepd_own']:.0f}"
                  f" | I/O share {i['io_share']:.2f}")
        if not r["ratio"]:
            continue
        t, v, q, c = r["testpmd_mpps"], r["vtepd_mpps"], r["ratio"], r["cycles_per_packet"]
        extra = ""
        if "vs_encap_off" in r:
            o = r["vs_encap_off"]
            extra = f" | on/off {o[0]:.2f} ({o[1]:.2f}-{o[2]:.2f})"
        if "vs" in r:
            o = r["vs"]
            extra += f" | vs {r['vs_mode']} {o[0]:.3f} ({o[1]:.3f}-{o[2]:.3f})"
        if "exception" in r:
            e = r["exception"]
            extra += (f" | to kernel {e['to_kernel_pps'][0] / 1e3:.1f} kpps, TAP tx "
                      f"{e['tap_tx_pps'][0] / 1e3:.1f} kpps, kernel_rate_limit "
                      f"{e['rate_limited_pps'][0] / 1e6:.2f} Mpps of {e['kernel_offered_pps'][0] / 1e6:.2f}"
                      f" offered")
        print(f"{r['flows']:>8} flows {r['mode']:9s} testpmd {t[0]:6.2f} Mpps ({t[1]:.2f}-{t[2]:.2f})"
              f" | vtepd {v[0]:6.2f} Mpps ({v[1]:.2f}-{v[2]:.2f}) | ratio {q[0]:.2f} "
              f"({q[1]:.2f}-{q[2]:.2f}) | {c[0]:.0f} cycles/pkt{extra}")
    print(f"# figures: {a.json}")


# what each exception-path and histogram mode is compared with, in the same round
BASE = {"encap-k": "encap", "encap-kx": "encap-k", "decap-k": "decap", "decap-kx": "decap-k",
        "encap-hist": "encap", "decap-hist": "decap"}
INSN_MODES = ("encap", "encap-cls", "decap", "encap-hist", "decap-hist")


def run_all(a, modes, report):
    for flows in (int(x) for x in a.flows.split(",")):
        enc, dec, kern = pcaps(flows)
        rows = {m: {"pps": [], "cpp": [], "ratio": [], "ceiling": [], "extra": []} for m in modes}
        for r in range(1, a.runs + 1):
            for direction, pcap in (("encap", enc), ("decap", dec), ("exc", kern)):
                todo = [m for m in modes if m.startswith(direction)]
                if not todo:
                    continue
                ceil = testpmd(pcap, flows, a.seconds)
                for m in todo:
                    pps, cpp, drops, extra = vtepd(m, pcap, flows, a.seconds, kern, a.kernel_rate)
                    rows[m]["pps"].append(pps)
                    rows[m]["cpp"].append(cpp)
                    rows[m]["ceiling"].append(ceil)
                    rows[m]["ratio"].append(pps / ceil if ceil else 0)
                    rows[m]["extra"].append(extra)
                    more = ""
                    if extra:
                        more = (f", to_kernel {extra['to_kernel_pps']:.0f}/s, TAP tx "
                                f"{extra['tap_tx_pps']:.0f}/s, kernel_rate_limit "
                                f"{extra['rate_limited_pps']:.0f}/s, kernel stream offered "
                                f"{extra['kernel_offered_pps']:.0f}/s")
                    print(f"flows {flows} run {r} {m:9s}: testpmd {ceil / 1e6:6.2f} Mpps, vtepd "
                          f"{pps / 1e6:6.2f} Mpps, ratio {pps / ceil if ceil else 0:.2f}, "
                          f"{cpp:.1f} cycles/pkt, drops {drops}{more}", file=sys.stderr, flush=True)
        insn = {}
        if a.insn:
            for direction, pcap in (("encap", enc), ("decap", dec)):
                for m in [m for m in modes if m in INSN_MODES and
                          m.startswith(direction)]:
                    vi, io, v_pkts = vtepd_insn(m, pcap, flows, a.insn_seconds)
                    insn[m] = {"worker": round(vi, 1), "pmd_io": round(io, 1),
                               "vtepd_own": round(vi - io, 1), "packets": v_pkts,
                               "io_share": round(io / vi, 3) if vi else 0}
                    print(f"flows {flows} {m:9s} instructions/packet: worker {vi:.1f}, of which "
                          f"PMD I/O {io:.1f} ({v_pkts} pkts)", file=sys.stderr, flush=True)
        for m in modes:
            x = rows[m]
            res = {"flows": flows, "mode": m,
                   "testpmd_mpps": [round(v / 1e6, 2) for v in med(x["ceiling"])] if x["ceiling"] else None,
                   "vtepd_mpps": [round(v / 1e6, 2) for v in med(x["pps"])] if x["pps"] else None,
                   "ratio": [round(v, 3) for v in med(x["ratio"])] if x["ratio"] else None,
                   "cycles_per_packet": [round(v, 1) for v in med(x["cpp"])] if x["cpp"] else None,
                   "per_run": {"testpmd_pps": x["ceiling"], "vtepd_pps": x["pps"],
                               "ratio": x["ratio"]}}
            if m in insn:
                res["instructions_per_packet"] = insn[m]
            if m == "encap-cls" and "encap" in rows and x["pps"]:
                # classifier on / off, each run against its own round
                rel = [c / o for c, o in zip(x["pps"], rows["encap"]["pps"])]
                res["vs_encap_off"] = [round(v, 3) for v in med(rel)]
            if BASE.get(m) in rows and x["pps"]:
                rel = [c / o if o else 0 for c, o in zip(x["pps"], rows[BASE[m]]["pps"])]
                res["vs_mode"] = BASE[m]
                res["vs"] = [round(v, 3) for v in med(rel)]
            if x["extra"] and x["extra"][0]:
                res["exception"] = {k: [round(v) for v in med([e[k] for e in x["extra"]])]
                                    for k in x["extra"][0]}
                res["per_run"]["exception"] = x["extra"]
            report["results"].append(res)


if __name__ == "__main__":
    main()
