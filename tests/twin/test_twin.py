#!/usr/bin/python3
"""Twin equality of the short/long flow classifier.

    test_twin.py VTEP_SPLITTER TWIN_CLASSIFY

For each case (a classifier: configuration and a capture from
gen_twin_pcap.py), every frame goes through
  - "xdp":      the XDP program, by vtep-splitter test-run (BPF_PROG_TEST_RUN,
                maps kept between frames, the capture's clock);
  - "c-table":  the DPDK dataplane's key extraction and flow table, by
                tests/twin/twin_classify (bulk API, bursts of equal stamps);
  - "expected": this script's own reading of the rules, on scapy's decode.
Each party gives, per frame, (class, counted, dscp); None where it cannot
tell. Every party must agree with the first on every frame; the first
difference is printed. More parties (vtepd, by the outer DSCP of its output)
plug into PARTIES.

One PASS/FAIL line per check; exit 1 on any failure, 77 when the XDP program
cannot be loaded here (not root, no BPF).
"""
import os
import subprocess
import sys
import tempfile

from scapy.all import IP, TCP, UDP, VXLAN, Dot1Q, Ether, IPv6, PcapWriter, rdpcap

SPLITTER, TWIN = sys.argv[1], sys.argv[2]
VTEPD = sys.argv[3] if len(sys.argv) > 3 else None
HERE = os.path.dirname(os.path.abspath(__file__))
failures = 0


def check(ok, what):
    global failures
    print(("PASS" if ok else "FAIL") + ": " + what)
    if not ok:
        failures += 1


def parse_lines(text):
    out = []
    for line in text.splitlines():
        f = line.split()
        if len(f) == 2 and f[1] == "skipped":
            out.append((int(f[0]), None, None, None))
            continue
        idx, cls, cnt, dscp = f
        out.append((int(idx), cls, cnt == "counted", None if dscp == "-" else int(dscp)))
    return [x[1:] for x in sorted(out)]


def run_xdp(cfg, pcap):
    r = subprocess.run([SPLITTER, "-c", cfg, "test-run", pcap], capture_output=True, text=True)
    if r.returncode != 0:
        print(r.stderr, end="")
        if "Operation not permitted" in r.stderr:     # not root: a missing prerequisite
            print("SKIP: not allowed to load BPF programs here")
            sys.exit(77)
        return None
    return parse_lines(r.stdout)


def run_ctable(cfg, pcap):
    r = subprocess.run([TWIN, cfg, pcap], capture_output=True, text=True)
    if r.returncode != 0:
        print(r.stderr, end="")
        return None
    return parse_lines(r.stdout)


def expected(case, pcap):
    """The rules, from the issue and the paper, on scapy's decode: packet k
    of a flow is short while k <= threshold; a flow idle for idle_s is over;
    a TCP SYN starts a connection again; only enabled protocols, no
    fragments, no non-IP are counted (they go as short); the IP DSCP becomes
    the class's, ECN kept."""
    thr, idle, protos = case["threshold"], case["idle_s"] * 10**9, case["protocols"]
    flows = {}
    out = []
    for p in rdpcap(pcap):
        now = int(p.time * 10**9) + 1
        ip = p[IP] if IP in p else (p[IPv6] if IPv6 in p else None)
        cls, counted = "short", False
        if ip is not None:
            frag = (isinstance(ip, IP) and (ip.flags.MF or ip.frag)) or \
                   (isinstance(ip, IPv6) and ip.nh == 44)
            l4 = ip.payload
            proto = ip.proto if isinstance(ip, IP) else ip.nh
            name = {6: "tcp", 17: "udp"}.get(proto)
            if not frag and name in protos and isinstance(l4, (TCP, UDP)):
                vlan = 0  # VNI 0 in both twins; the tag is not part of the key
                key = (vlan, isinstance(ip, IPv6), proto, ip.src, ip.dst, l4.sport, l4.dport)
                syn = isinstance(l4, TCP) and bool(l4.flags.S)
                st = flows.get(key)
                if st is None or now - st[1] >= idle or syn:
                    st = [0, now]
                st[0] += 1
                st[1] = now
                flows[key] = st
                counted = True
                cls = "long" if st[0] > thr else "short"
        dscp = None
        if ip is not None:
            dscp = case["long_dscp"] if cls == "long" else case["short_dscp"]
        out.append((cls, counted, dscp))
    return out


VTEPD_CONF = """
eal: [ "--no-huge", "--no-pci", "-m", "512", "-l", "0-1", "--file-prefix", "twin%(pid)d",
       "--log-level", "pmd.net.pcap:warning" ]
vtep: { local_ip: 192.0.2.1 }
ports:
  - { name: up0, role: underlay, mac: "02:00:00:00:00:01",
      devargs: "net_pcap0,rx_pcap=%(tmp)s/empty.pcap,tx_pcap=%(tmp)s/up0.pcap" }
  - { name: h0, role: access, devargs: "net_pcap1,rx_pcap=%(pcap)s,tx_pcap=%(tmp)s/h0.pcap" }
underlay:
  nexthops: [ { name: spine1, port: up0, ip: 192.0.2.254, mac: "02:00:00:00:01:01" } ]
vnis:
  - vni: 100
    access: [ { port: h0 } ]
    static_macs: [ { mac: "02:00:00:00:aa:02", vtep: 198.51.100.2 } ]
  - vni: 200
    access: [ { port: h0, vlan: 7 } ]
    static_macs: [ { mac: "02:00:00:00:aa:02", vtep: 198.51.100.2 } ]
classifier: { threshold_packets: %(threshold)d, idle_s: %(idle_s)d, flows_per_worker: 65536,
              protocols: [ %(protocols)s ], short: { dscp: %(short_dscp)d },
              long: { dscp: %(long_dscp)d } }
"""


def run_vtepd(cfg, pcap, case):
    """vtepd itself (pcap replay): the class of a frame is the outer DSCP of
    its encapsulated copy; frames vtepd does not encapsulate as unicast
    (broadcast, link-local) tell nothing (None). Replay takes milliseconds,
    so only a case whose capture has no idle pause compares meaningfully."""
    tmp = os.path.dirname(pcap)
    PcapWriter(os.path.join(tmp, "empty.pcap"), linktype=1).close()
    conf = os.path.join(tmp, "vtepd.yaml")
    with open(conf, "w") as f:
        f.write(VTEPD_CONF % dict(case, pid=os.getpid(), tmp=tmp, pcap=pcap,
                                  protocols=", ".join(case["protocols"])))
    r = subprocess.run([VTEPD, "-c", conf, "--exit-on-idle", "500"], capture_output=True,
                       text=True, timeout=120)
    if r.returncode != 0:
        print(r.stdout[-2000:] + r.stderr[-2000:])
        return None
    outs = [p for p in rdpcap(os.path.join(tmp, "up0.pcap")) if VXLAN in p]
    res, j = [], 0
    for p in rdpcap(pcap):
        if p[Ether].dst != "02:00:00:00:aa:02":
            res.append((None, None, None))
            continue
        inner = p.copy()
        if Dot1Q in inner:      # vtepd strips the tag of an attached VLAN
            inner = Ether(src=inner.src, dst=inner.dst, type=inner[Dot1Q].type) / inner[Dot1Q].payload
        want = bytes(inner)
        if j < len(outs) and bytes(outs[j][VXLAN].payload) == want:
            dscp = outs[j][IP].tos >> 2
            cls = "long" if dscp == case["long_dscp"] and dscp != case["short_dscp"] else "short"
            res.append((cls, None, None))
            j += 1
        else:
            res.append(("missing", None, None))
    if j != len(outs):
        print(f"vtepd: {len(outs) - j} output frames not matched to an input")
        return None
    return res


PARTIES = [("xdp", run_xdp), ("c-table", run_ctable),
           ("expected", None)]      # None: expected() with the case


def compare(name_a, a, name_b, b):
    if a is None or b is None:
        check(False, f"{name_b} vs {name_a}: a party produced no result")
        return
    if len(a) != len(b):
        check(False, f"{name_b} vs {name_a}: {len(b)} frames vs {len(a)}")
        return
    for i, (x, y) in enumerate(zip(a, b)):
        same = all(u is None or v is None or u == v for u, v in zip(x, y))
        if not same:
            check(False, f"{name_b} == {name_a}: first difference at frame {i + 1}: "
                         f"{name_a} {x}, {name_b} {y}")
            return
    check(True, f"{name_b} == {name_a} on all {len(a)} frames")


CASES = [
    {"name": "threshold 10, no pauses (timestamps compressed), tcp; with vtepd itself",
     "threshold": 10, "idle_s": 30, "protocols": ["tcp"], "short_dscp": 46, "long_dscp": 10,
     "seed": 5, "compress": True},
    {"name": "paper defaults (threshold 20, idle 30 s, tcp)", "threshold": 20, "idle_s": 30,
     "protocols": ["tcp"], "short_dscp": 4, "long_dscp": 2, "seed": 9},
    {"name": "threshold 5, idle 2 s, tcp+udp", "threshold": 5, "idle_s": 2,
     "protocols": ["tcp", "udp"], "short_dscp": 46, "long_dscp": 10, "seed": 21},
]

with tempfile.TemporaryDirectory(prefix="vtepd-twin-") as tmp:
    for n, case in enumerate(CASES):
        print(f"# case {n + 1}: {case['name']}")
        pcap = os.path.join(tmp, f"twin{n}.pcap")
        cfg = os.path.join(tmp, f"twin{n}.yaml")
        subprocess.run([sys.executable, os.path.join(HERE, "gen_twin_pcap.py"), pcap,
                        str(case["threshold"]), str(case["idle_s"]), str(case["seed"])],
                       check=True, stdout=subprocess.DEVNULL)
        if case.get("compress"):
            # 1 us apart: no pause anywhere, as when vtepd replays the file
            frames = rdpcap(pcap)
            w = PcapWriter(pcap, linktype=1, nano=True)
            for i, p in enumerate(frames):
                p.time = 1700000000 + i / 1e6
                w.write(p)
            w.close()
        with open(cfg, "w") as f:
            f.write("classifier:\n"
                    f"  threshold_packets: {case['threshold']}\n"
                    f"  idle_s: {case['idle_s']}\n"
                    "  flows_per_worker: 65536\n"
                    f"  protocols: [ {', '.join(case['protocols'])} ]\n"
                    f"  short: {{ dscp: {case['short_dscp']} }}\n"
                    f"  long: {{ dscp: {case['long_dscp']} }}\n")
        results = []
        for name, fn in PARTIES:
            results.append((name, fn(cfg, pcap) if fn else expected(case, pcap)))
        if case.get("compress"):
            if VTEPD:
                vt = run_vtepd(cfg, pcap, case)
                results.append(("vtepd", vt))
                known = sum(1 for x in vt or [] if x[0] in ("short", "long"))
                check(vt is not None and known >= 0.95 * len(vt),
                      f"vtepd encapsulated and classified {known} of {len(vt or [])} frames "
                      "(the rest: broadcast, link-local)")
            else:
                check(False, "vtepd binary not given: the vtepd party cannot run")
        base_name, base = results[0]
        for name, r in results[1:]:
            compare(base_name, base, name, r)
        exp = dict(results)["expected"]
        longs = sum(1 for c in exp if c[0] == "long")
        shorts = sum(1 for c in exp if c[0] == "short" and c[1])
        unc = sum(1 for c in exp if not c[1])
        print(f"  frames {len(exp)}: long {longs}, short counted {shorts}, uncounted {unc}")
        # the capture must exercise what it claims to
        check(longs > 1000 and shorts > 100 and unc > 30,
              "the capture has long, short and uncounted packets")

sys.exit(1 if failures else 0)
