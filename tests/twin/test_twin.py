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

from scapy.all import IP, TCP, UDP, Dot1Q, Ether, IPv6, rdpcap

SPLITTER, TWIN = sys.argv[1], sys.argv[2]
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
