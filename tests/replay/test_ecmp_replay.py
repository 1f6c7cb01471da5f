#!/usr/bin/python3
"""ECMP replay: vtepd with two uplinks (two underlay net_pcap ports, one
next hop each) encapsulates 256 flows x 4 packets, interleaved. Every packet
of a flow must leave on the same uplink with the same outer UDP source port;
the flows must spread over both uplinks; tshark decodes every output frame.
A second run with ecmp_hash [inner_dst_ip] (all flows share it) must put
every flow on one uplink with one source port: the policy is honoured."""
import collections
import os
import subprocess
import sys
import tempfile

from scapy.all import IP, UDP, VXLAN, Ether, Raw, rdpcap, wrpcap

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "lib"))
from vtepdtest import Checks, Vtepd, vtepd_binary  # noqa: E402

CONFIG = """eal: [ "--no-huge", "--no-pci", "-m", "512", "-l", "0-1", "--file-prefix", "@PREFIX@",
       "--log-level", "pmd.net.pcap:warning" ]
vtep: { local_ip: 192.0.2.1 }
ports:
  - { name: h0, role: access, devargs: "net_pcap0,rx_pcap=@TMP@/in.pcap,tx_pcap=@TMP@/out-h0.pcap" }
  - { name: up0, role: underlay, mac: "02:00:00:00:00:01", devargs: "net_pcap1,rx_pcap=@TMP@/empty.pcap,tx_pcap=@TMP@/out-up0.pcap" }
  - { name: up1, role: underlay, mac: "02:00:00:00:00:02", devargs: "net_pcap2,rx_pcap=@TMP@/empty.pcap,tx_pcap=@TMP@/out-up1.pcap" }
underlay:
  nexthops:
    - { name: spine1, port: up0, ip: 192.0.2.254, mac: "02:00:00:00:01:01" }
    - { name: spine2, port: up1, ip: 192.0.2.253, mac: "02:00:00:00:01:02" }
@HASH@
vnis:
  - vni: 100
    access: [ { port: h0 } ]
    static_macs: [ { mac: "02:00:00:00:aa:02", vtep: 198.51.100.2 } ]
"""
c = Checks()
check = c.check


def run(tmp, tag, hash_line):
    d = os.path.join(tmp, tag)
    os.makedirs(d)
    frames = []
    for rnd in range(4):
        for i in range(256):
            f = Ether(src="02:00:00:00:aa:01", dst="02:00:00:00:aa:02") / \
                IP(src="203.0.113.%d" % (1 + i % 50), dst="203.0.113.200") / \
                UDP(sport=1024 + i, dport=80) / Raw(b"%03d-%d" % (i, rnd))
            frames.append(f)
    wrpcap(os.path.join(d, "in.pcap"), frames)
    wrpcap(os.path.join(d, "empty.pcap"), [])
    v = Vtepd(vtepd_binary(), CONFIG.replace("@HASH@", hash_line), name="ecmp" + tag,
              args=["--exit-on-idle", "500"], tmp=d)
    rc, _ = v.run(timeout=60)
    if rc != 0:
        print(v.log_text()[-3000:])
    flows = collections.defaultdict(set)
    per_uplink = collections.Counter()
    for up, nh_mac, src_mac in (("up0", "02:00:00:00:01:01", "02:00:00:00:00:01"),
                                ("up1", "02:00:00:00:01:02", "02:00:00:00:00:02")):
        path = os.path.join(d, f"out-{up}.pcap")
        pk = rdpcap(path) if os.path.getsize(path) > 24 else []
        for p in pk:
            if VXLAN not in p:
                continue
            inner = p[VXLAN].payload
            flows[inner[UDP].sport].add((up, p[UDP].sport))
            per_uplink[up] += 1
            check_frame = p[Ether].dst == nh_mac and p[Ether].src == src_mac
            if not check_frame:
                check(f"{tag}: outer MACs of {up}", False, p.summary())
        tsh = subprocess.run(["tshark", "-r", path, "-o", "ip.check_checksum:TRUE", "-T", "fields",
                              "-e", "ip.checksum.status", "-e", "vxlan.vni", "-e", "udp.srcport"],
                             capture_output=True, text=True).stdout.split("\n")
        rows = [x.split("\t") for x in tsh if x.strip()]
        check(f"{tag}: tshark decodes {len(rows)} frames on {up}: VNI 100, checksum good, "
              "source port 49152-65535",
              all(x[0].split(",")[0] == "1" and x[1] == "100" and 49152 <= int(x[2].split(",")[0]) <= 65535
                  for x in rows), rows[:3])
    st = v.stats_json()
    check(f"{tag}: vtepd ran cleanly, no leak", rc == 0 and st["mempool"]["in_use"] == 0)
    check(f"{tag}: all 1024 packets encapsulated", sum(per_uplink.values()) == 1024, per_uplink)
    return flows, per_uplink


def main():
    tmp = tempfile.mkdtemp(prefix="vtepd-ecmp-")
    flows, per = run(tmp, "default", "")
    check("default policy: every flow on one uplink with one source port",
          len(flows) == 256 and all(len(v) == 1 for v in flows.values()),
          [k for k, v in flows.items() if len(v) != 1][:5])
    n0 = sum(1 for v in flows.values() if next(iter(v))[0] == "up0")
    check(f"default policy: flows spread over both uplinks ({n0}/256 on up0)", 96 <= n0 <= 160, n0)
    ports = {next(iter(v))[1] for v in flows.values()}
    check(f"default policy: {len(ports)} distinct source ports for 256 flows", len(ports) >= 240)
    flows, per = run(tmp, "dstip", "  ecmp_hash: [ inner_dst_ip ]")
    allv = set().union(*flows.values())
    check("policy [inner_dst_ip]: all flows share one uplink and one source port", len(allv) == 1, allv)
    # a group with spine2 only, routed for the remote VTEP's prefix
    flows, per = run(tmp, "group", "  groups: [ { name: right, nexthops: [ spine2 ], "
                     "ecmp_hash: [ inner_src_port ] } ]\n"
                     "  routes: [ { prefix: 198.51.100.0/24, group: right } ]")
    ups = {u for v in flows.values() for (u, _) in v}
    check("VTEP route to group 'right': every flow on up1", ups == {"up1"}, ups)
    check("group policy [inner_src_port]: flows keep distinct source ports",
          len({p for v in flows.values() for (_, p) in v}) >= 240)
    flows, per = run(tmp, "group2", "  groups: [ { name: right, nexthops: [ spine2 ] } ]\n"
                     "  routes: [ { prefix: 203.0.113.0/24, group: right } ]")
    n0 = sum(1 for v in flows.values() if next(iter(v))[0] == "up0")
    check(f"VTEP outside every route: default group, both uplinks ({n0}/256 on up0)",
          96 <= n0 <= 160, n0)
    return c.summary()


if __name__ == "__main__":
    sys.exit(main())
