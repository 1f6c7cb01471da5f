#!/usr/bin/python3
"""The short/long classifier through build/vtepd (pcap replay): interleaved
TCP flows of 1, threshold, threshold+1 and 1,000 packets (with ECN bits on
some), a UDP flow, ICMP and ARP, to one remote VTEP; the short group is
uplink up0, the long group uplink up1. Every output frame is checked: its
uplink, outer DSCP, outer ECN (= inner, RFC 6040), that no short packet
went long and no long packet short (packet k of a flow is long iff
k > threshold), tshark's decode; and the exact counters, and the mempool
back to full. A second run with rewrite_inner_dscp checks the inner DSCP
and IPv4 checksum."""
import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "lib"))
from scapy.all import ARP, ICMP, IP, TCP, UDP, VXLAN, Ether, Raw, rdpcap, wrpcap  # noqa: E402
from vtepdtest import Checks, Vtepd, vtepd_binary  # noqa: E402

THRESHOLD = 20
SIZES = {"A": 1, "B": THRESHOLD, "C": THRESHOLD + 1, "D": 1000}
ECN = {"A": 0, "B": 2, "C": 1, "D": 3}      # not-ECT, ECT(0), ECT(1), CE
SPORT = {"A": 40001, "B": 40002, "C": 40003, "D": 40004}
HOST, REMOTE = "02:00:00:00:aa:01", "02:00:00:00:aa:02"

CONFIG = """
eal: [ "--no-huge", "--no-pci", "-m", "512", "-l", "0-1", "--file-prefix", "@PREFIX@",
       "--log-level", "pmd.net.pcap:warning" ]
vtep: { local_ip: 192.0.2.1, residence_histogram: @REWRITE@ }
ports:
  - { name: up0, role: underlay, mac: "02:00:00:00:00:01",
      devargs: "net_pcap0,rx_pcap=@TMP@/empty.pcap,tx_pcap=@TMP@/up0.pcap" }
  - { name: up1, role: underlay, mac: "02:00:00:00:00:02",
      devargs: "net_pcap1,rx_pcap=@TMP@/empty.pcap,tx_pcap=@TMP@/up1.pcap" }
  - { name: h0, role: access, devargs: "net_pcap2,rx_pcap=@TMP@/in.pcap,tx_pcap=@TMP@/h0.pcap" }
underlay:
  nexthops:
    - { name: spine1, port: up0, ip: 192.0.2.254, mac: "02:00:00:00:01:01" }
    - { name: spine2, port: up1, ip: 192.0.2.253, mac: "02:00:00:00:01:02" }
  groups:
    - { name: short, nexthops: [ spine1 ] }
    - { name: long, nexthops: [ spine2 ] }
vnis:
  - vni: 100
    access: [ { port: h0 } ]
    static_macs: [ { mac: "02:00:00:00:aa:02", vtep: 198.51.100.2 } ]
    flood: [ 198.51.100.2 ]
classifier: { threshold_packets: 20, idle_s: 30, protocols: [ tcp ],
              short: { group: short, dscp: 46 }, long: { group: long, dscp: 10 },
              rewrite_inner_dscp: @REWRITE@ }
"""


def inputs(path):
    """Round-robin over the flows; payload 'F:k' names flow F's packet k."""
    pk, k = [], {f: 0 for f in SIZES}
    left = dict(SIZES)
    n = 0
    while any(left.values()):
        for f in SIZES:
            if not left[f]:
                continue
            k[f] += 1
            left[f] -= 1
            pk.append(Ether(src=HOST, dst=REMOTE) /
                      IP(src="203.0.113.1", dst="203.0.113.2", tos=(4 << 2) | ECN[f]) /
                      TCP(sport=SPORT[f], dport=80, flags="A", seq=k[f]) / Raw(b"%s:%d" % (f.encode(), k[f])))
            n += 1
            if n % 50 == 0:
                pk.append(Ether(src=HOST, dst=REMOTE) / IP(src="203.0.113.1", dst="203.0.113.2") /
                          UDP(sport=5000, dport=53) / Raw(b"U:%d" % n))
                pk.append(Ether(src=HOST, dst=REMOTE) / IP(src="203.0.113.1", dst="203.0.113.2") /
                          ICMP() / Raw(b"I:%d" % n))
    pk.append(Ether(src=HOST, dst="ff:ff:ff:ff:ff:ff") / ARP(psrc="203.0.113.1", pdst="203.0.113.2"))
    wrpcap(path, pk)
    return pk


def run(c, rewrite):
    v = Vtepd(vtepd_binary(), CONFIG.replace("@REWRITE@", "true" if rewrite else "false"),
              name="clsreplay", args=["--exit-on-idle", "500"])
    wrpcap(os.path.join(v.tmp, "empty.pcap"), [])
    sent = inputs(os.path.join(v.tmp, "in.pcap"))
    v.start(wait_socket=False)
    rc = v.proc.wait(60)
    v.log.close()
    tag = " (rewrite_inner_dscp)" if rewrite else ""
    c.check(f"vtepd replay exits 0{tag}", rc == 0, v.log_text()[-2000:])
    st = v.stats_json()
    out = {}
    for up in ("up0", "up1"):
        out[up] = [p for p in rdpcap(os.path.join(v.tmp, up + ".pcap"))]
    n_tcp = sum(SIZES.values())
    n_udp = n_icmp = sum(1 for p in sent if UDP in p and p[UDP].dport == 53)
    bad = []
    seen = {f: [] for f in SIZES}
    for up, frames in out.items():
        for p in frames:
            if VXLAN not in p:
                continue        # the ARP flood copy
            inner = p[VXLAN].payload
            tos = p[IP].tos
            payload = bytes(inner[Raw].load) if Raw in inner else b""
            tag_, _, num = payload.partition(b":")
            f = tag_.decode()
            if f in SIZES:
                k = int(num)
                seen[f].append(k)
                long_ = k > THRESHOLD
                want_up, want_dscp = ("up1", 10) if long_ else ("up0", 46)
                if up != want_up or tos >> 2 != want_dscp or tos & 3 != ECN[f]:
                    bad.append((f, k, up, tos))
                if rewrite and (inner[IP].tos >> 2 != want_dscp or inner[IP].tos & 3 != ECN[f]):
                    bad.append(("inner-tos", f, k, inner[IP].tos))
                if not rewrite and inner[IP].tos != (4 << 2) | ECN[f]:
                    bad.append(("inner-touched", f, k, inner[IP].tos))
                chk = inner[IP].chksum
                del inner[IP].chksum
                if IP(bytes(inner[IP]))[IP].chksum != chk:
                    bad.append(("inner-checksum", f, k))
            elif f in ("U", "I"):
                # not counted: short, outer ECN from the inner (0 here)
                if up != "up0" or tos != 46 << 2:
                    bad.append((f, up, tos))
    c.check(f"every frame on its class's uplink with its DSCP and the inner ECN{tag} "
            f"({sum(len(x) for x in out.values())} frames)", not bad, bad[:5])
    c.check(f"every TCP packet out, each flow in order{tag}",
            all(seen[f] == list(range(1, SIZES[f] + 1)) for f in SIZES),
            {f: len(seen[f]) for f in SIZES})
    vn = st["vnis"]["100"]
    n_short_tcp = sum(min(n, THRESHOLD) for n in SIZES.values())
    n_long_tcp = n_tcp - n_short_tcp
    c.check(f"VNI counters: short {vn.get('classified_short_packets')} = {n_short_tcp} TCP + "
            f"{n_udp + n_icmp} not counted, long {vn.get('classified_long_packets')} = {n_long_tcp}{tag}",
            vn.get("classified_short_packets") == n_short_tcp + n_udp + n_icmp and
            vn.get("classified_long_packets") == n_long_tcp, vn)
    c.check(f"no drops{tag}", sum(st["drops"].values()) == 0, {k: x for k, x in st["drops"].items() if x})
    res = st["workers"][0].get("residence")
    if rewrite:
        tx = st["ports"]["up0"]["tx_packets"] + st["ports"]["up1"]["tx_packets"] + \
            st["ports"]["h0"]["tx_packets"]
        c.check(f"residence histogram: one sample per packet sent ({res and res['count']} of {tx}), "
                f"p50 {res and res['p50_us']} <= p99 {res and res['p99_us']} <= max "
                f"{res and res['max_us']} us", res and res["count"] == tx and
                0 < res["p50_us"] <= res["p99_us"] <= res["max_us"], res)
    else:
        c.check("residence histogram off: no residence section", res is None, res)
    c.check(f"mempool back to full{tag}", st["mempool"]["in_use"] == 0, st["mempool"])
    # tshark: every output frame decodes as VXLAN over UDP 4789 with a valid
    # outer IPv4 checksum (the inner frames are the input's, compared above)
    for up in ("up0", "up1"):
        r = subprocess.run(["tshark", "-r", os.path.join(v.tmp, up + ".pcap"), "-o",
                            "ip.check_checksum:TRUE", "-o", "tcp.analyze_sequence_numbers:FALSE",
                            "-Y", "!(vxlan.vni == 100 && udp.dstport == 4789 && "
                            "ip.checksum.status == 1)",
                            "-T", "fields", "-e", "frame.number"],
                           capture_output=True, text=True)
        c.check(f"tshark: {up} frames decode clean{tag}", r.returncode == 0 and r.stdout.strip() == "",
                r.stdout[:200] + r.stderr[:200])



def main():
    c = Checks()
    run(c, False)
    run(c, True)
    return c.summary()


if __name__ == "__main__":
    sys.exit(main())
