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

--macs M puts M MACs in the table and spreads the frames' inner destination
MACs over them: flow i goes to MAC i mod M (02:10:xx:xx:xx:xx), for the
modes encap and decap only (the testpmd ceiling runs on the same captures).
  encap  the M MACs are remote, behind 198.51.100.2: vtepd gets them as
         EVPN type-2 routes over its BMP feed socket (the control path FRR
         uses), and the bench waits until VNI 100 holds them all;
  decap  the M MACs are local, behind h0: the configuration cannot hold
         them (static_macs takes 256 per VNI), so vtepd learns them from a
         warm-up capture read once on h0 (net_pcap rx_pcap, its TX dropped
         by the PMD: h0 is then an RX-idle net_pcap port instead of
         net_null), one frame from each MAC, the whole set 4 times over
         (learning events beyond the 4,096-event ring are lost and retried
         on a later pass); the bench waits until VNI 100 has learned M and
         h0 has read the whole capture, and fails if it is read first.
Then the rate is measured over --seconds from vtepd's counters (CLI "show
metrics" before and after: worker packets, busy seconds), and the bench
stops with an error when the VNI's unknown-unicast floods plus the drops
exceed 1 % of the packets of that window, or when fewer than 99 % were
encapsulated / decapsulated. --insn then zeroes callgrind's counters once
the table is full (callgrind_control -z) and dumps them after --insn-seconds
(-d), over the packets the worker forwarded in between (the two windows
line up only roughly: see docs/PERFORMANCE.md, "MAC table at scale").

--huge gives testpmd and vtepd their EAL memory from hugepages (2 MiB,
hugetlbfs; reserve them first: the bench says how many) instead of
--no-huge, where every mbuf sits on a 4 KiB page of its own and each
packet costs TLB misses in both programs. A production leaf runs on
hugepages; the ratios of the two set-ups differ (docs/PERFORMANCE.md).

Captures, configurations and logs go to build/bench (BENCH_OUT=DIR for
another directory, e.g. two benchmarks at once from one worktree).

    scripts/bench [--runs 5] [--seconds 5] [--flows 1024,1000000] [--macs 1000000] [--huge]
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
import socket
import statistics
import struct
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "lib"))
import vtepdtest  # noqa: E402  (tests/lib: the CLI client the tests use)
VTEPD = os.environ.get("VTEPD", os.path.join(ROOT, "build", "vtepd"))   # or --vtepd
OUT = os.environ.get("BENCH_OUT", os.path.join(ROOT, "build", "bench"))   # captures, configs, logs
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


def mac_of(j):
    """The j-th MAC of --macs: 02:10:xx:xx:xx:xx (unicast, locally administered)."""
    return bytes([0x02, 0x10]) + j.to_bytes(4, "big")


def inner(i, rev=False, macs=0):
    """60-byte UDP frame of flow i: 192.0.2.(1 + i>>20):(1024 + i&0x7fff) ->
    203.0.113.2:(80 + (i>>15)&31), so that up to 2^20 * 254 flows differ.
    With macs, the destination MAC is mac_of(i % macs) (either direction)."""
    src = [192, 0, 2, 1 + (i >> 20)]
    dst = [203, 0, 113, 2]
    sport, dport = 1024 + (i & 0x7fff), 80 + ((i >> 15) & 31)
    smac, dmac = HOST, REMOTE
    if rev:
        src, dst, sport, dport, smac, dmac = dst, src, dport, sport, dmac, smac
    if macs:
        dmac = mac_of(i % macs)
    udp = struct.pack("!HHHH", sport, dport, 26, 0) + b"\0" * 18
    return dmac + smac + b"\x08\x00" + ipv4(src, dst, 17, len(udp)) + udp


def vxlan(i, macs=0):
    inn = inner(i, rev=True, macs=macs)
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
    with open(path + ".tmp", "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
        for fr in frames:
            f.write(struct.pack("<IIII", 0, 0, len(fr), len(fr)))
            f.write(fr)
    os.rename(path + ".tmp", path)     # an interrupted run leaves no half capture


# --macs: how many times the warm-up capture holds each MAC's frame
LEARN_PASSES = 4


def learn_frame(j):
    """The warm-up frame of MAC j on h0: from mac_of(j) to the remote MAC."""
    udp = struct.pack("!HHHH", 1024, 80, 26, 0) + b"\0" * 18
    return REMOTE + mac_of(j) + b"\x08\x00" + ipv4([203, 0, 113, 2], [192, 0, 2, 1], 17,
                                                    len(udp)) + udp


def learn_pcap(macs):
    path = os.path.join(OUT, f"learn-m{macs}.pcap")
    if not os.path.exists(path):
        frames = [learn_frame(j) for j in range(macs)]
        write_pcap(path, (f for _ in range(LEARN_PASSES) for f in frames))
    return path


def feed_stream(macs):
    """BMP stream of macs type-2 routes (VNI 100, toward 198.51.100.2), cached."""
    path = os.path.join(OUT, f"feed-m{macs}.bmp")
    if os.path.exists(path):
        return open(path, "rb").read()
    import bmp_build as B
    peer = dict(peer="198.51.100.250", bgp_id="198.51.100.250")
    out = [B.initiation("bench-feed")]
    batch = []
    for j in range(macs):
        batch.append(B.type2(B.rd0(65000, 100), mac_of(j).hex(":"), label=100))
        if len(batch) == 100 or j == macs - 1:
            out.append(B.route_monitoring(B.update(b"".join(batch), nexthop="198.51.100.2"),
                                          **peer))
            batch = []
    out.append(B.end_of_rib(**peer))
    data = b"".join(out)
    with open(path + ".tmp", "wb") as f:
        f.write(data)
    os.rename(path + ".tmp", path)
    return data


def pcaps(flows, macs=0):
    m = f"-m{macs}" if macs else ""
    enc = os.path.join(OUT, f"encap-{flows}{m}.pcap")
    dec = os.path.join(OUT, f"decap-{flows}{m}.pcap")
    kern = os.path.join(OUT, f"kernel-{flows}.pcap")
    if not os.path.exists(enc):
        write_pcap(enc, (inner(i, macs=macs) for i in range(flows)))
    if not os.path.exists(dec):
        write_pcap(dec, (vxlan(i, macs) for i in range(flows)))
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


def eal_mem(flows, macs=0):
    # net_pcap infinite_rx holds the whole capture in mbufs: 2,176 B of data
    # room, the 128-byte mbuf and the mempool's object header (2,368 B), and
    # with --no-huge an object may not cross a 4 KiB page, so each takes a
    # page (2,300 B a flow left the 1,000,000-flow pool short). The MAC
    # table (--macs) takes 64 B a bucket, a bucket per two entries of its
    # power-of-two size, and 5 B a slot of writer state: under 100 B a MAC.
    return max(1024, (flows * 4200 >> 20) + 1024 + (macs * 100 >> 20))


# --huge: the EAL's memory from hugepages (hugetlbfs), as on a production
# leaf, instead of --no-huge's 4 KiB pages; both testpmd and vtepd
HUGE = False


def huge_mem(flows, macs=0):
    """MB of hugepages for testpmd or vtepd: objects are packed there
    (2,368 B each), the capture's mbufs and the pool's (flows + 16,384),
    512 MB for the rest, the MAC table as in eal_mem()."""
    return ((2 * flows + 16384) * 2368 >> 20) + 512 + (macs * 100 >> 20)


def huge_need(need, what):
    """Exit with a clear message when the free hugepages cannot hold need MB
    (for what)."""
    info = dict(line.split(":", 1) for line in open("/proc/meminfo"))
    free_mb = int(info["HugePages_Free"].split()[0]) * int(info["Hugepagesize"].split()[0]) >> 10
    if free_mb < need:
        sys.exit(f"--huge {what} needs {need} MB of free hugepages, {free_mb} MB free "
                 f"(e.g. echo {(need + 1) // 2 + 8} > /proc/sys/vm/nr_hugepages, with "
                 "hugetlbfs mounted on /dev/hugepages)")


def huge_check(flows, macs=0):
    """huge_need() of huge_mem()."""
    huge_need(huge_mem(flows, macs), f"at {flows} flows")


def eal_mem_opts(mb):
    """The EAL's memory options for mb MB: hugepages with HUGE, else
    --no-huge."""
    return ["--huge-unlink", "-m", str(mb)] if HUGE else ["--no-huge", "-m", str(mb)]


def mem_label():
    """What the EAL's memory is, for reports."""
    return "hugepages" if HUGE else "no-huge (4 KiB pages)"


def yaml_list(args):
    """args as the items of a YAML flow sequence (no brackets)."""
    return ", ".join('"%s"' % x for x in args)


def eal_mem_args(flows, macs=0):
    """The EAL's memory options, the same for testpmd and vtepd."""
    return eal_mem_opts(huge_mem(flows, macs) if HUGE else eal_mem(flows, macs))


def testpmd(pcap, flows, secs):
    """testpmd's io forwarding rate: the median of its per-second Tx-pps on
    the sink, the first two seconds dropped. Stopped (SIGINT) once it has
    printed secs + 2 samples: on a loaded machine its start-up alone can
    take longer than a fixed timeout."""
    log = os.path.join(OUT, "testpmd.log")
    cmd = ["stdbuf", "-oL", "dpdk-testpmd",
           *eal_mem_args(flows), "--no-pci", "-l", "0-1",
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


def vtepd_conf(mode, pcap, flows, kern=None, kernel_rate=10000, macs=0):
    if macs and mode == "decap":
        # h0 reads the warm-up capture once; net_pcap drops what it sends
        src = (f'{{ name: up0, role: underlay, mac: "02:00:00:00:00:01", '
               f'devargs: "net_pcap0,rx_pcap={pcap},infinite_rx=1" }}')
        sink = f'{{ name: h0, role: access, devargs: "net_pcap1,rx_pcap={learn_pcap(macs)}" }}'
    elif mode.startswith("exc"):
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
    ctl = ""
    if macs:
        size = 1 << (macs + 16 - 1).bit_length()
        hist += (f", mac_table_size: {size}, mac_limit: {macs + 16}, mac_age_s: 86400")
        ctl = (f"control: {{ cli_socket: {OUT}/{mode}-cli.sock, feed_socket: {OUT}/{mode}-feed.sock, "
               f"feed_init_timeout_s: 0, feed_idle_timeout_s: 0, feed_stale_s: 86400 }}\n")
    return f"""
eal: [ {yaml_list(eal_mem_args(flows, macs))}, "--no-pci", "-l", "0-1", "--file-prefix",
       "bench-vt{os.getpid()}", "--log-level", "pmd.net.pcap:warning" ]
vtep: {{ local_ip: 192.0.2.1, mempool_mbufs: {flows + 16384}{hist} }}
ports:
  - {src}
  - {sink}
{up1}{ctl}{FORWARDING}{cls}"""


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


def metrics(sock, timeout=30):
    """vtepd's Prometheus counters over its CLI: {name: {labels: value}};
    asked again (up to 5 times) when vtepd dropped the connection: under
    callgrind the control thread can be too slow for the CLI's own timeout."""
    for _ in range(4):
        try:
            return metrics_once(sock, timeout)
        except ConnectionError:
            time.sleep(1)
    return metrics_once(sock, timeout)


def metrics_once(sock, timeout):
    data = vtepdtest.cli_raw(sock, "show metrics", timeout)
    out = {}
    for line in data.decode(errors="replace").splitlines():
        m = re.match(r"^([a-z_]+)(\{[^}]*\})?\s+(\S+)$", line)
        if m:
            out.setdefault(m.group(1), {})[m.group(2) or ""] = float(m.group(3))
    return out


def msum(m, name, labels=None):
    """Sum of a family's samples (those whose labels contain labels)."""
    return sum(v for k, v in m.get(name, {}).items() if labels is None or labels in k)


class MacsStop(Exception):
    pass


def pwait2_shim():
    """valgrind 3.19 does not know epoll_pwait2 (syscall 441, the control
    loop's wait, which the CLI and the feed need): a preloaded wrapper
    turns it into epoll_pwait with the timeout rounded up to ms."""
    src, so = os.path.join(OUT, "pwait2.c"), os.path.join(OUT, "pwait2.so")
    if not os.path.exists(so):
        with open(src, "w") as f:
            f.write("#define _GNU_SOURCE\n#include <signal.h>\n#include <sys/epoll.h>\n"
                    "#include <time.h>\n"
                    "int epoll_pwait2(int epfd, struct epoll_event *events, int maxevents,\n"
                    "                 const struct timespec *timeout, const sigset_t *sigmask)\n"
                    "{\n    int ms = -1;\n"
                    "    if (timeout)\n"
                    "        ms = (int)(timeout->tv_sec * 1000 + (timeout->tv_nsec + 999999) / 1000000);\n"
                    "    return epoll_pwait(epfd, events, maxevents, ms, sigmask);\n}\n")
        subprocess.run(["cc", "-O2", "-shared", "-fPIC", "-o", so, src], check=True)
    return so


def vtepd_macs_run(mode, pcap, flows, macs, secs, log, stats, insn_prefix=None):
    """Start vtepd (under callgrind with insn_prefix), install the MACs,
    wait until VNI 100 holds them, then measure over secs seconds with the
    metrics before and after. Returns the counters' deltas and the time."""
    conf = os.path.join(OUT, f"{mode}.yaml")
    cli_sock = os.path.join(OUT, f"{mode}-cli.sock")
    feed_sock = os.path.join(OUT, f"{mode}-feed.sock")
    for f in (cli_sock, feed_sock, stats):
        if os.path.exists(f):
            os.unlink(f)
    with open(conf, "w") as f:
        f.write(vtepd_conf(mode, pcap, flows, macs=macs))
    data = feed_stream(macs) if mode == "encap" else None
    cmd = [VTEPD, "-c", conf, "--duration", str(3600 * 1000), "--stats-json", stats]
    slow, env = 1, None
    if insn_prefix:
        cmd = VALGRIND + [f"--callgrind-out-file={insn_prefix}"] + cmd
        env = dict(os.environ, LD_PRELOAD=pwait2_shim())
        slow = 20
    p = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                         env=env)
    feed = None
    try:
        t0 = time.monotonic()
        while not os.path.exists(cli_sock):
            if p.poll() is not None or time.monotonic() - t0 > 300 * slow:
                raise MacsStop(f"vtepd {mode} did not start: see {log.name}")
            time.sleep(0.2)
        t_up = time.monotonic()
        if data is not None:
            feed = socket.socket(socket.AF_UNIX)
            feed.connect(feed_sock)
            feed.sendall(data)      # kept open: a closed feed's routes go stale
        # the table holds every MAC: remote ones in the VNI's count (with the
        # two static MACs), learned ones in its learned count
        want, fam = (macs + 2, "vtepd_vni_macs") if mode == "encap" else \
            (macs, "vtepd_vni_macs_learned")
        last, h0_at_full = -1, None
        while True:
            m = metrics(cli_sock, 30 * slow)
            have = msum(m, fam, 'vni="100"')
            h0_rx = msum(m, "vtepd_port_rx_packets_total", 'port="h0"')
            if have >= want and h0_at_full is None:
                h0_at_full, t_full = h0_rx, time.monotonic() - t_up
            # decap: also until h0 has read the whole warm-up capture, so
            # that the measured window holds the VXLAN stream alone
            if have >= want and (mode == "encap" or h0_rx >= LEARN_PASSES * macs):
                break
            if p.poll() is not None:
                raise MacsStop(f"vtepd {mode} ended while the MACs went in: see {log.name}")
            if time.monotonic() - t_up > 600 * slow:
                raise MacsStop(f"vtepd {mode}: VNI 100 holds {have:.0f} of {want} MACs after "
                               f"{time.monotonic() - t_up:.0f} s (learning events lost: "
                               f"{msum(m, 'vtepd_learn_events_lost_total'):.0f})")
            if mode == "decap" and have == last and h0_rx >= LEARN_PASSES * macs:
                raise MacsStop(f"vtepd decap: the warm-up capture is read and VNI 100 has "
                               f"learned {have:.0f} of {macs} MACs (learning events lost: "
                               f"{msum(m, 'vtepd_learn_events_lost_total'):.0f}); raise "
                               f"LEARN_PASSES")
            last = have
            time.sleep(0.5)
        time.sleep(0.5)             # the bursts of the warm-up are through
        def window_edge(ctl):
            """Counters and time at one edge of the measured window; under
            callgrind, the counters first, then its -z (start) or -d (end)."""
            if not insn_prefix:
                t = time.monotonic()
                return metrics(cli_sock, 30 * slow), t
            m = metrics(cli_sock, 30 * slow)
            t = time.monotonic()
            subprocess.run(["callgrind_control", ctl, str(p.pid)], capture_output=True)
            return m, t

        m1, t1 = window_edge("-z")
        time.sleep(secs)
        m2, t2 = window_edge("-d")
        d = {}
        for name, lab in (("packets", "vtepd_worker_packets_total"),
                          ("busy_s", "vtepd_worker_busy_seconds_total"),
                          ("encap", "vtepd_vni_encap_packets_total"),
                          ("decap", "vtepd_vni_decap_packets_total"),
                          ("flood", "vtepd_vni_flood_packets_total"),
                          ("drops", "vtepd_drops_total"),
                          ("learn_lost", "vtepd_learn_events_lost_total")):
            d[name] = msum(m2, lab) - msum(m1, lab)
        d["seconds"] = t2 - t1
        d["fill_seconds"] = t_full
        d["warmup_frames_when_full"] = h0_at_full
        d["learn_lost_total"] = msum(m1, "vtepd_learn_events_lost_total")
        d["macs_in_table"] = msum(m2, "vtepd_vni_macs", 'vni="100"')
    finally:
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
        try:
            p.wait(300 * slow)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
        if feed:
            feed.close()
    return d


def stats_fields(path):
    """The mempool's in_use and tsc_hz of a stats JSON: with a million MACs
    (and the EVPN RIB) the file is hundreds of MB, so they are read with
    grep from its top-level lines (the writer puts one key a line)."""
    if not os.path.exists(path):
        return None
    mp = subprocess.run(["grep", "-m1", "-A4", '^  "mempool": {', path],
                        capture_output=True, text=True).stdout
    hz = subprocess.run(["grep", "-m1", '^  "tsc_hz": ', path], capture_output=True,
                        text=True).stdout
    m1, m2 = re.search(r'"in_use": (\d+)', mp), re.search(r'"tsc_hz": (\d+)', hz)
    if not m1 or not m2:
        return None
    return {"in_use": int(m1.group(1)), "tsc_hz": int(m2.group(1))}


def check_forwarding(mode, d, macs):
    """Fail loudly unless vtepd forwarded (not flooded, not dropped)."""
    n = d["packets"]
    done = d["encap"] if mode == "encap" else d["decap"]
    if n <= 0:
        sys.exit(f"vtepd {mode} --macs {macs}: no packets in the measured window")
    bad = d["flood"] + d["drops"]
    if bad > 0.01 * n or done < 0.99 * n:
        sys.exit(f"vtepd {mode} --macs {macs}: of {n:.0f} packets {done:.0f} {mode}sulated, "
                 f"{d['flood']:.0f} flooded (unknown unicast), {d['drops']:.0f} dropped: more "
                 f"than 1 % not forwarded")


def vtepd_macs(mode, pcap, flows, secs, macs):
    """(packets/s, cycles/packet, drops, extra) of the measured window."""
    stats = os.path.join(OUT, f"{mode}.json")
    with open(os.path.join(OUT, f"{mode}.log"), "w") as log:
        try:
            d = vtepd_macs_run(mode, pcap, flows, macs, secs, log, stats)
        except MacsStop as e:
            sys.exit(str(e))
    check_forwarding(mode, d, macs)
    s = stats_fields(stats)
    if s is None:
        sys.exit(f"vtepd {mode} wrote no stats: see {OUT}/{mode}.log")
    if s["in_use"] != 0:
        sys.exit(f"vtepd {mode}: {s['in_use']} mbufs leaked")
    cpp = d["busy_s"] * s["tsc_hz"] / d["packets"]
    extra = {"fill_seconds": round(d["fill_seconds"], 1), "flooded": d["flood"],
             "warmup_frames_when_full": d["warmup_frames_when_full"],
             "learn_lost_total": d["learn_lost_total"],
             "dropped": d["drops"], "packets": d["packets"],
             "macs_in_table": d["macs_in_table"]}
    return d["packets"] / d["seconds"], cpp, d["drops"], extra


def vtepd_macs_insn(mode, pcap, flows, secs, macs):
    prefix = os.path.join(OUT, f"cg-{mode}-m{macs}")
    clean_callgrind(prefix)
    stats = os.path.join(OUT, f"{mode}-insn.json")
    with open(os.path.join(OUT, f"{mode}-insn.log"), "w") as log:
        try:
            d = vtepd_macs_run(mode, pcap, flows, macs, secs, log, stats, insn_prefix=prefix)
        except MacsStop as e:
            sys.exit(str(e))
    check_forwarding(mode, d, macs)
    # the dump after the measured window is part 1 of each thread's profile
    fn = os.environ.get("VTEPD_WORKER_FN", "dp_worker_main")
    d_, base = os.path.split(prefix)
    part = base + ".1"
    ir = callgrind_thread_ir(os.path.join(d_, part), fn)
    io = callgrind_io_ir(os.path.join(d_, part), fn)
    pkts = d["packets"]
    return (ir / pkts if pkts else 0), (io / pkts if pkts else 0), int(pkts)


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
    global VTEPD, HUGE
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
    ap.add_argument("--huge", action="store_true",
                    help="EAL memory from hugepages for testpmd and vtepd (see above)")
    ap.add_argument("--macs", type=int, default=0,
                    help="MACs in the table, the frames' destinations spread over them "
                         "(modes encap and decap only; see above)")
    a = ap.parse_args()
    VTEPD = os.path.abspath(a.vtepd)
    if a.huge:
        HUGE = True
        for f in a.flows.split(","):
            huge_check(int(f), a.macs)
    os.makedirs(OUT, exist_ok=True)
    if not os.path.exists(VTEPD):
        subprocess.run(["bash", os.path.join(ROOT, "scripts", "build")], check=True)
    modes = a.modes.split(",")
    if a.macs and (a.macs < 1 or a.macs > (1 << 24) - 16 or
                   [m for m in modes if m not in ("encap", "decap")]):
        sys.exit("--macs takes 1 to 16,777,200 MACs and the modes encap and decap only")
    kernel = [m for m in modes if m in KERNEL_MODES]
    if kernel and os.geteuid() != 0:
        sys.exit(f"modes {','.join(kernel)} need root (a network namespace for the TAP)")
    load0 = os.getloadavg()
    report = {"date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
              "cpu": open("/proc/cpuinfo").read().split("model name")[1].split("\n")[0].strip(": \t"),
              "cores": os.cpu_count(), "runs": a.runs, "seconds": a.seconds, "macs": a.macs,
              "memory": mem_label(),
              "results": []}
    with bench_netns(bool(kernel)):
        run_all(a, modes, report)
    report["loadavg_start"] = [round(x, 2) for x in load0]
    report["loadavg_end"] = [round(x, 2) for x in os.getloadavg()]
    with open(a.json, "w") as f:
        json.dump(report, f, indent=1)
    print(f"# {report['date']}, {report['cores']} cores, {report['cpu']}, load average "
          f"{' '.join('%.2f' % x for x in load0)} at start, "
          f"{' '.join('%.2f' % x for x in report['loadavg_end'])} at end")
    print(f"# {a.runs} rounds x {a.seconds} s, 64-byte inner frames, EAL memory "
          f"{report['memory']}; median (min-max); ratio = vtepd / testpmd of the same round")
    if a.macs:
        print(f"# {a.macs} MACs in VNI 100 (encap: remote, over the EVPN feed; decap: local, "
              f"learned on h0); flow i to MAC i mod {a.macs}; vtepd measured over {a.seconds} s "
              f"once the table was full")
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
        enc, dec, kern = pcaps(flows, a.macs)
        rows = {m: {"pps": [], "cpp": [], "ratio": [], "ceiling": [], "extra": []} for m in modes}
        for r in range(1, a.runs + 1):
            for direction, pcap in (("encap", enc), ("decap", dec), ("exc", kern)):
                todo = [m for m in modes if m.startswith(direction)]
                if not todo:
                    continue
                ceil = testpmd(pcap, flows, a.seconds)
                for m in todo:
                    if a.macs:
                        pps, cpp, drops, extra = vtepd_macs(m, pcap, flows, a.seconds, a.macs)
                        print(f"flows {flows} run {r} {m}: {a.macs} MACs in after "
                              f"{extra['fill_seconds']} s" +
                              (f" ({extra['warmup_frames_when_full']:.0f} warm-up frames read, "
                               f"{extra['learn_lost_total']:.0f} learning events lost)"
                               if m == "decap" else "") +
                              f"; {extra['packets']:.0f} packets measured, "
                              f"{extra['flooded']:.0f} flooded, {extra['dropped']:.0f} dropped",
                              file=sys.stderr, flush=True)
                        rows[m].setdefault("macs_runs", []).append(extra)
                        extra = {}
                    else:
                        pps, cpp, drops, extra = vtepd(m, pcap, flows, a.seconds, kern,
                                                       a.kernel_rate)
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
                    if a.macs:
                        vi, io, v_pkts = vtepd_macs_insn(m, pcap, flows, a.insn_seconds, a.macs)
                    else:
                        vi, io, v_pkts = vtepd_insn(m, pcap, flows, a.insn_seconds)
                    insn[m] = {"worker": round(vi, 1), "pmd_io": round(io, 1),
                               "vtepd_own": round(vi - io, 1), "packets": v_pkts,
                               "io_share": round(io / vi, 3) if vi else 0}
                    print(f"flows {flows} {m:9s} instructions/packet: worker {vi:.1f}, of which "
                          f"PMD I/O {io:.1f} ({v_pkts} pkts)", file=sys.stderr, flush=True)
        for m in modes:
            x = rows[m]
            res = {"flows": flows, "mode": m, "macs": a.macs,
                   "testpmd_mpps": [round(v / 1e6, 2) for v in med(x["ceiling"])] if x["ceiling"] else None,
                   "vtepd_mpps": [round(v / 1e6, 2) for v in med(x["pps"])] if x["pps"] else None,
                   "ratio": [round(v, 3) for v in med(x["ratio"])] if x["ratio"] else None,
                   "cycles_per_packet": [round(v, 1) for v in med(x["cpp"])] if x["cpp"] else None,
                   "per_run": {"testpmd_pps": x["ceiling"], "vtepd_pps": x["pps"],
                               "ratio": x["ratio"]}}
            if m in insn:
                res["instructions_per_packet"] = insn[m]
            if x.get("macs_runs"):
                res["per_run"]["macs"] = x["macs_runs"]
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
