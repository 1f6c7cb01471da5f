#!/usr/bin/python3
"""Generate the fixtures of the pcap replay suite (tests/replay/test_replay.py).

    gen_replay_fixtures.py OUTDIR [--tag TAG] [--case NAME ...]

For every case this writes OUTDIR/<case>/:
  config.yaml    vtepd configuration: net_pcap ports reading in-<port>.pcap
                 and writing out-<port>.pcap in the same directory, EAL
                 arguments with a file prefix of its own (vtepd-replay-<case>-TAG)
  in-<port>.pcap one input capture per port (possibly empty)
  case.json      the oracle: the topology the test needs to build expected
                 frames, and for every input frame (port, index) what vtepd
                 must do with it ("do": encap, switch, flood, decap,
                 decap_flood, drop, arp_reply, punt), plus case-specific
                 expectations (MAC table, events).

Nothing here looks at vtepd's code or output: the intents are the behaviour
the configuration asks for. The test builds the exact expected frames from
these intents with scapy.

Runs with Debian's /usr/bin/python3 (python3-scapy).
"""
import argparse
import json
import os
import struct
import sys

from scapy.all import (ARP, ICMP, IP, TCP, UDP, Dot1Q, Ether, IPOption_EOL,
                       IPOption_NOP, IPv6, Raw)

# ---- shared topology -------------------------------------------------------
LOCAL_IP = "192.0.2.1"
UP0_MAC = "02:00:00:00:00:01"
NH_IP = "192.0.2.254"
NH_MAC = "02:00:00:00:01:01"
NH2_MAC = "02:00:00:00:01:02"   # another underlay router (ARP only)
V2, V3, V4, V9 = "198.51.100.2", "198.51.100.3", "198.51.100.4", "198.51.100.9"
BCAST = "ff:ff:ff:ff:ff:ff"


def mac(a, b):
    """02:00:00:00:aa:bb - locally administered unicast."""
    return "02:00:00:00:%02x:%02x" % (a, b)


def pad_to(pkt, size, tag="p"):
    """pkt with a Raw payload appended so that len(bytes) == size. Bytes are
    padded with zero bytes (an Ethernet trailer, whatever the headers say)."""
    if isinstance(pkt, (bytes, bytearray)):
        if len(pkt) > size:
            raise ValueError("frame already %d > %d bytes" % (len(pkt), size))
        return bytes(pkt) + b"\0" * (size - len(pkt))
    short = size - len(pkt)
    if short < 0:
        raise ValueError("frame already %d > %d bytes" % (len(pkt), size))
    body = (tag.encode() * (short // max(1, len(tag)) + 1))[:short]
    return pkt / Raw(body) if short else pkt


def udp_frame(src, dst, sip="203.0.113.1", dip="203.0.113.11", sport=1000, dport=5555,
              size=80, vlan=None, prio=0, payload="x"):
    """Ethernet/[802.1Q]/IPv4/UDP frame of `size` bytes without the tag (the
    tag, when given, adds 4)."""
    l3 = IP(src=sip, dst=dip, id=7, ttl=61) / UDP(sport=sport, dport=dport)
    untagged = pad_to(Ether(src=src, dst=dst) / l3, size, payload)
    if vlan is None:
        return untagged
    return Ether(src=src, dst=dst) / Dot1Q(vlan=vlan, prio=prio) / untagged.payload


def vxlan_hdr(vni, flags=0x08, r1=0, r2=0):
    """The 8 VXLAN bytes, written by hand: flags, 24 reserved bits, VNI,
    8 reserved bits (RFC 7348)."""
    return struct.pack("!I", flags << 24 | r1) + struct.pack("!I", vni << 8 | r2)


def outer(inner, vni, src_ip=V2, dst_ip=LOCAL_IP, dst_mac=UP0_MAC, sport=50123,
          dport=4789, flags=0x08, r1=0, r2=0, ip_options=None):
    """A VXLAN frame from the spine to us."""
    ip = IP(src=src_ip, dst=dst_ip, ttl=62)
    if ip_options:
        ip.options = ip_options
    return (Ether(src=NH_MAC, dst=dst_mac) / ip / UDP(sport=sport, dport=dport, chksum=0) /
            Raw(vxlan_hdr(vni, flags, r1, r2) + bytes(inner)))


def write_pcap(path, frames):
    """Classic pcap (microsecond timestamps, Ethernet). Written by hand so that
    runts and empty captures come out exactly as given."""
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
        for n, data in enumerate(frames):
            f.write(struct.pack("<IIII", 1700000000, n, len(data), len(data)))
            f.write(data)


# ---- a case ------------------------------------------------------------------
class Case:
    def __init__(self, name, ports, vnis, vtep=None, ecmp_hash=None, doc=""):
        self.name = name
        self.doc = doc
        self.vtep = {"local_ip": LOCAL_IP}
        self.vtep.update(vtep or {})
        self.ports = ports          # [(name, role)]
        self.vnis = vnis            # list of dicts in the config's schema
        self.ecmp_hash = ecmp_hash
        self.inputs = {p: [] for p, _ in ports}
        self.intents = {p: [] for p, _ in ports}
        self.extra = {}

    def add(self, port, frame, **intent):
        """Queue frame (scapy packet or bytes) on port's input, with what
        vtepd must do with it."""
        data = bytes(frame)
        if "inner" in intent and not isinstance(intent["inner"], str):
            intent["inner"] = bytes(intent["inner"]).hex()
        self.inputs[port].append(data)
        self.intents[port].append(intent)

    def decap(self, inner, vni, to=None, local=None, **outer_kw):
        """inner in VXLAN from the spine on up0: decapsulated to the
        attachments `to`, or flooded to the attachments `local`."""
        if local is None:
            self.add("up0", outer(inner, vni, **outer_kw), do="decap", vni=vni, to=to, inner=inner)
        else:
            self.add("up0", outer(inner, vni, **outer_kw), do="decap_flood", vni=vni, local=local,
                     inner=inner)

    def decap_drop(self, inner, vni, reason, **outer_kw):
        """inner in VXLAN from the spine on up0, decapsulated (counted in
        VNI vni) and dropped for reason."""
        self.add("up0", outer(inner, vni, **outer_kw), do="drop", reason=reason, decap_vni=vni,
                 inner=inner)

    def settings(self):
        s = {"udp_port": 4789, "ttl": 64, "underlay_mtu": 1500}
        s.update(self.vtep)
        return s

    def config_yaml(self, d, tag):
        def j(x):
            return json.dumps(x)
        lines = ["# generated by scripts/gen_replay_fixtures.py: case %s" % self.name]
        for l in self.doc.strip().splitlines():
            lines.append("# " + l)
        lines.append("eal: " + j(["--no-huge", "--no-pci", "-m", "512", "-l", "0-1",
                                  "--file-prefix", "vtepd-replay-%s-%s" % (self.name, tag),
                                  "--log-level", "pmd.net.pcap:warning"]))
        lines.append("vtep:")
        for k, v in self.vtep.items():
            lines.append("  %s: %s" % (k, v))
        lines.append("ports:")
        for i, (p, role) in enumerate(self.ports):
            e = {"name": p, "role": role,
                 "devargs": "net_pcap%d,rx_pcap=%s,tx_pcap=%s" % (
                     i, os.path.join(d, "in-%s.pcap" % p), os.path.join(d, "out-%s.pcap" % p))}
            if role == "underlay":
                e["mac"] = UP0_MAC
            lines.append("  - " + j(e))
        lines.append("underlay:")
        lines.append("  nexthops:")
        lines.append("    - " + j({"name": "spine1", "port": "up0", "ip": NH_IP, "mac": NH_MAC}))
        if self.ecmp_hash:
            lines.append("  ecmp_hash: " + j(self.ecmp_hash))
        lines.append("vnis:")
        for v in self.vnis:
            lines.append("  - vni: %d" % v["vni"])
            if "mac_limit" in v:
                lines.append("    mac_limit: %d" % v["mac_limit"])
            lines.append("    access:")
            for p, vlan in v["access"]:
                lines.append("      - " + j({"port": p, "vlan": vlan or "untagged"}))
            if v.get("static_macs"):
                lines.append("    static_macs:")
                for s in v["static_macs"]:
                    lines.append("      - " + j(s))
            if v.get("flood"):
                lines.append("    flood: " + j(v["flood"]))
            if "src_vtep_check" in v:
                lines.append("    src_vtep_check: %s" % ("true" if v["src_vtep_check"] else "false"))
            if "arp_suppress" in v:
                lines.append("    arp_suppress: %s" % ("true" if v["arp_suppress"] else "false"))
        return "\n".join(lines) + "\n"

    def write(self, outdir, tag):
        d = os.path.abspath(os.path.join(outdir, self.name))
        os.makedirs(d, exist_ok=True)
        for p, _ in self.ports:
            write_pcap(os.path.join(d, "in-%s.pcap" % p), self.inputs[p])
        with open(os.path.join(d, "config.yaml"), "w") as f:
            f.write(self.config_yaml(d, tag))
        manifest = {
            "name": self.name, "doc": self.doc.strip(),
            "settings": self.settings(),
            "up0_mac": UP0_MAC, "nh_mac": NH_MAC,
            "ports": [{"name": p, "role": r} for p, r in self.ports],
            "vnis": self.vnis,
            "intents": self.intents,
            "extra": self.extra,
        }
        with open(os.path.join(d, "case.json"), "w") as f:
            json.dump(manifest, f, indent=1)
        return d


STD_PORTS = [("up0", "underlay"), ("h0", "access"), ("h1", "access")]
STD_PORTS3 = STD_PORTS + [("h2", "access")]


# ---- 1 + flow hash: access -> underlay encapsulation -------------------------
def case_encap():
    A, B = mac(0x0a, 1), mac(0x0a, 2)
    R1, R2 = mac(0x0b, 1), mac(0x0b, 2)
    c = Case("encap", STD_PORTS, [
        {"vni": 100, "access": [("h0", 0), ("h1", 10)],
         "static_macs": [{"mac": R1, "vtep": V2}, {"mac": R2, "vtep": V3}]},
    ], vtep={"udp_port": 4789, "ttl": 33, "underlay_mtu": 1500},
        doc="Unicast to static remote MACs from an untagged (h0) and an 802.1Q\n"
            "tagged (h1 vlan 10) attachment; 128 flows x 2 packets for the\n"
            "outer UDP source port; MTU edge at the default underlay_mtu 1500.")
    nflows = 128
    for seq in range(2):
        for i in range(nflows):
            c.add("h0", udp_frame(A, R1, sport=10000 + i, size=64 + (i * 7) % 200,
                                  payload="s%d" % seq),
                  do="encap", vni=100, vtep=V2, flow="f%d" % i)
    for i in range(3):
        c.add("h0", udp_frame(A, R2, sip="203.0.113.2", sport=2000 + i, size=100),
              do="encap", vni=100, vtep=V3, flow="g%d" % i)
    # priority tag (VLAN 0, PCP 5) on h0: the untagged attachment, tag stripped;
    # same inner 5-tuple as flow f0, so the same outer source port
    c.add("h0", udp_frame(A, R1, sport=10000, size=90, vlan=0, prio=5, payload="prio"),
          do="encap", vni=100, vtep=V2, flow="f0")
    # MTU edge: inner 1464 bytes -> outer IPv4 1500 (passes), 1465 -> 1501
    c.add("h0", udp_frame(A, R1, sport=3000, size=1464), do="encap", vni=100, vtep=V2,
          flow="mtu0")
    c.add("h0", udp_frame(A, R1, sport=3001, size=1465), do="drop", reason="mtu_exceeded")
    # tagged h1: same inner 5-tuples as f0..f9 from another host
    for i in range(10):
        c.add("h1", udp_frame(B, R1, sport=10000 + i, size=70 + i, vlan=10, payload="t"),
              do="encap", vni=100, vtep=V2, flow="f%d" % i)
    c.add("h1", udp_frame(B, R2, sip="203.0.113.3", sport=4000, size=128, vlan=10, prio=3),
          do="encap", vni=100, vtep=V3, flow="h-prio")
    # MTU edge counted after the tag is stripped
    c.add("h1", udp_frame(B, R1, sport=3002, size=1464, vlan=10), do="encap", vni=100,
          vtep=V2, flow="mtu1")
    c.add("h1", udp_frame(B, R1, sport=3003, size=1465, vlan=10), do="drop",
          reason="mtu_exceeded")
    c.extra["sport_spread_min"] = 115   # distinct ports among the 128 f* flows
    return c


# ---- 4: MTU at a configured underlay_mtu, unicast and flood ---------------------
def case_mtu():
    A, R1 = mac(0x0a, 1), mac(0x0b, 1)
    c = Case("mtu", STD_PORTS, [
        {"vni": 100, "access": [("h0", 0), ("h1", 0)],
         "static_macs": [{"mac": R1, "vtep": V2}], "flood": [V2, V3]},
    ], vtep={"underlay_mtu": 1400},
        doc="underlay_mtu 1400 (TTL and UDP port left at their defaults):\n"
            "inner 1364 bytes passes, 1365 is dropped; a 1365-byte broadcast loses\n"
            "its two VXLAN copies but still reaches the local port h1.")
    c.add("h0", udp_frame(A, R1, size=1364), do="encap", vni=100, vtep=V2)
    c.add("h0", udp_frame(A, R1, size=1365), do="drop", reason="mtu_exceeded")
    c.add("h0", udp_frame(A, BCAST, dip="203.0.113.255", size=1364), do="flood", vni=100,
          vteps=[V2, V3], local=[["h1", 0]])
    c.add("h0", udp_frame(A, BCAST, dip="203.0.113.255", size=1365), do="flood", vni=100,
          vteps=[], local=[["h1", 0]], dropped_copies={"mtu_exceeded": 2})
    return c


# ---- 4b: jumbo underlay (regression: frames larger than a default mbuf) ----------
def case_jumbo():
    A, R, R1, L0 = mac(0x0a, 1), mac(0x0d, 1), mac(0x0b, 1), mac(0x0c, 0)
    c = Case("jumbo", STD_PORTS, [
        {"vni": 100, "access": [("h0", 0), ("h1", 10)],
         "static_macs": [{"mac": R1, "vtep": V2}, {"mac": L0, "port": "h0"}],
         "src_vtep_check": False},
    ], vtep={"underlay_mtu": 9000},
        doc="underlay_mtu 9000: vtepd must decapsulate the jumbo VXLAN frames it\n"
            "sends itself (frames larger than a default 2 KB mbuf), both ways up\n"
            "to the limit (outer IPv4 9000 bytes, frame 9014).")
    c.add("h1", udp_frame(A, R1, size=3000, vlan=10), do="encap", vni=100, vtep=V2)
    c.add("h1", udp_frame(A, R1, sport=1001, size=8964, vlan=10), do="encap", vni=100,
          vtep=V2)
    c.add("h1", udp_frame(A, R1, sport=1002, size=8965, vlan=10), do="drop",
          reason="mtu_exceeded")
    c.decap(udp_frame(R, L0, sip="203.0.113.91", size=3000), 100, to=[["h0", 0]])
    c.decap(udp_frame(R, L0, sip="203.0.113.91", size=8964), 100, to=[["h0", 0]])
    c.decap(udp_frame(R, BCAST, sip="203.0.113.91", size=5000), 100, local=[["h0", 0], ["h1", 10]])
    return c


# ---- 4c: jumbo frames chained over small mbufs ------------------------------------
def case_jumbo_chained():
    A, R, R1, L0 = mac(0x0a, 1), mac(0x0d, 1), mac(0x0b, 1), mac(0x0c, 0)
    c = Case("jumbo_chained", STD_PORTS, [
        {"vni": 100, "access": [("h0", 0), ("h1", 10)],
         "static_macs": [{"mac": R1, "vtep": V2}, {"mac": L0, "port": "h0"}],
         "flood": [V2, V3], "src_vtep_check": False},
    ], vtep={"underlay_mtu": 9100, "mbuf_data_room": 2048},
        doc="mbuf_data_room 2048 with underlay_mtu 9100: net_pcap chains every frame\n"
            "longer than 2048 bytes over several mbufs (as a NIC with RX scatter does).\n"
            "9000-byte VXLAN frames are checked on the chain and decapsulated, 9000-byte\n"
            "access frames encapsulated and flooded, each copy sent whole.")
    # access -> underlay: a 9000-byte frame (outer IPv4 9036), tagged and untagged
    c.add("h0", udp_frame(A, R1, sport=1000, size=9000), do="encap", vni=100, vtep=V2)
    c.add("h1", udp_frame(A, R1, sport=1001, size=9000, vlan=10), do="encap", vni=100,
          vtep=V2)
    # the largest that passes (inner 9064 -> outer IPv4 9100) and one byte more
    c.add("h0", udp_frame(A, R1, sport=1002, size=9064), do="encap", vni=100, vtep=V2)
    c.add("h0", udp_frame(A, R1, sport=1003, size=9065), do="drop", reason="mtu_exceeded")
    # a 9000-byte broadcast: one VXLAN copy per flood VTEP and a tagged copy to h1
    c.add("h0", udp_frame(A, BCAST, dip="203.0.113.255", size=9000), do="flood", vni=100,
          vteps=[V2, V3], local=[["h1", 10]])
    # underlay -> access: a 9000-byte VXLAN frame (inner 8950) and a 9050-byte one
    c.decap(udp_frame(R, L0, sip="203.0.113.91", size=8950), 100, to=[["h0", 0]])
    c.decap(udp_frame(R, L0, sip="203.0.113.91", sport=7, size=9000), 100, to=[["h0", 0]])
    c.decap(udp_frame(R, BCAST, sip="203.0.113.91", size=8950), 100,
            local=[["h0", 0], ["h1", 10]])
    return c


# ---- 2: local switching between attachments ---------------------------------
def case_local_switch():
    S0, S1, S2 = mac(0x0e, 0), mac(0x0e, 1), mac(0x0e, 2)
    X0, X1, X2 = mac(0x0f, 0), mac(0x0f, 1), mac(0x0f, 2)
    c = Case("local_switch", STD_PORTS3, [
        {"vni": 100, "access": [("h0", 10), ("h1", 0), ("h2", 30)],
         "static_macs": [{"mac": X0, "port": "h0"}, {"mac": X1, "port": "h1"},
                         {"mac": X2, "port": "h2"}], "flood": [V2]},
    ], doc="Static local MACs X0 (h0 vlan 10), X1 (h1 untagged), X2 (h2 vlan 30):\n"
           "tag removed, added and rewritten; a destination on the ingress\n"
           "attachment is dropped (access_same_port). Nothing reaches the underlay.")
    c.add("h0", udp_frame(S0, X1, size=80, vlan=10), do="switch", vni=100, to=["h1", 0])
    c.add("h0", udp_frame(S0, X2, size=81, vlan=10), do="switch", vni=100, to=["h2", 30])
    c.add("h0", udp_frame(S0, X0, size=82, vlan=10), do="drop", reason="access_same_port")
    c.add("h0", udp_frame(S0, X1, size=83, vlan=10, prio=5), do="switch", vni=100,
          to=["h1", 0])
    c.add("h1", udp_frame(S1, X0, size=84), do="switch", vni=100, to=["h0", 10])
    c.add("h1", udp_frame(S1, X2, size=85), do="switch", vni=100, to=["h2", 30])
    c.add("h1", udp_frame(S1, X1, size=86), do="drop", reason="access_same_port")
    c.add("h2", udp_frame(S2, X0, size=87, vlan=30), do="switch", vni=100, to=["h0", 10])
    c.add("h2", udp_frame(S2, X1, size=88, vlan=30), do="switch", vni=100, to=["h1", 0])
    c.add("h2", udp_frame(S2, X2, size=89, vlan=30), do="drop", reason="access_same_port")
    return c


# ---- 10: access drops ----------------------------------------------------------
def case_access_drops():
    A, A2, R1 = mac(0x0a, 1), mac(0x0a, 2), mac(0x0b, 1)
    c = Case("access_drops", STD_PORTS, [
        {"vni": 100, "access": [("h0", 10), ("h1", 0)],
         "static_macs": [{"mac": R1, "vtep": V2}]},
        {"vni": 200, "access": [("h0", 20)]},
    ], doc="h0 carries VLANs 10 and 20 only, h1 untagged only: frames on other\n"
           "VLANs, bad source MACs and runts are dropped with their own counters.")
    c.add("h0", udp_frame(A, R1, size=90, vlan=10), do="encap", vni=100, vtep=V2)
    c.add("h0", udp_frame(A, R1, size=90), do="drop", reason="access_no_vni")
    c.add("h0", udp_frame(A, R1, size=90, vlan=99), do="drop", reason="access_no_vni")
    c.add("h0", udp_frame(A, R1, size=90, vlan=0, prio=3), do="drop", reason="access_no_vni")
    c.add("h0", udp_frame("01:00:5e:00:00:01", R1, size=90, vlan=10), do="drop",
          reason="access_bad_src_mac")
    c.add("h0", udp_frame(BCAST, R1, size=90, vlan=10), do="drop", reason="access_bad_src_mac")
    c.add("h0", udp_frame("00:00:00:00:00:00", R1, size=90, vlan=10), do="drop",
          reason="access_bad_src_mac")
    c.add("h0", bytes.fromhex("0200000000bb"), do="drop", reason="access_runt")
    c.add("h0", bytes(Ether(src=A, dst=R1))[:13], do="drop", reason="access_runt")
    # an 802.1Q header cut after the TCI's first byte: 17 bytes
    c.add("h0", bytes(Ether(src=A, dst=R1) / Dot1Q(vlan=10))[:17], do="drop",
          reason="access_runt")
    c.add("h1", udp_frame(A2, R1, size=90, vlan=10), do="drop", reason="access_no_vni")
    # IEEE 802.1D link-local groups (here LLDP and STP) are never bridged
    c.add("h1", pad_to(Ether(src=A2, dst="01:80:c2:00:00:0e", type=0x88cc), 60), do="drop",
          reason="link_local_multicast")
    c.add("h0", udp_frame(A, "01:80:c2:00:00:00", size=64, vlan=10), do="drop",
          reason="link_local_multicast")
    c.add("h1", udp_frame(A2, R1, size=91), do="encap", vni=100, vtep=V2)
    c.extra["macs"] = [
        {"vni": 100, "mac": A, "type": "local", "port": "h0", "vlan": 10},
        {"vni": 100, "mac": A2, "type": "local", "port": "h1", "vlan": 0},
        {"vni": 100, "mac": R1, "type": "static-remote", "vtep": V2},
    ]
    return c


# ---- 3: BUM head-end replication ------------------------------------------------
def case_flood():
    A, B, C = mac(0x0a, 1), mac(0x0a, 2), mac(0x0a, 3)
    U = mac(0xee, 0xee)      # never a source: stays unknown
    c = Case("flood", STD_PORTS3, [
        {"vni": 100, "access": [("h0", 0), ("h1", 10), ("h2", 0)], "flood": [V2, V3, V4]},
        {"vni": 200, "access": [("h2", 20)], "flood": [V9]},
    ], doc="VNI 100 on h0 (untagged), h1 (vlan 10), h2 (untagged), flood list of\n"
           "three VTEPs: broadcast, multicast and unknown unicast get one VXLAN\n"
           "copy per VTEP and one copy per other local attachment, never back\n"
           "out of the ingress attachment. VNI 200 (h2 vlan 20, VTEP .9) gets nothing.")
    every = {"h0": ["h0", 0], "h1": ["h1", 10], "h2": ["h2", 0]}

    def others(p):
        return [v for k, v in every.items() if k != p]

    arp = Ether(src=A, dst=BCAST) / ARP(hwsrc=A, psrc="203.0.113.1", pdst="203.0.113.9")
    c.add("h0", pad_to(arp, 60, "\0"), do="flood", vni=100, vteps=[V2, V3, V4],
          local=others("h0"))
    c.add("h0", udp_frame(A, "01:00:5e:01:02:03", dip="224.1.2.3", size=120), do="flood",
          vni=100, vteps=[V2, V3, V4], local=others("h0"))
    v6 = Ether(src=A, dst="33:33:00:00:00:01") / IPv6(src="fe80::1", dst="ff02::1") / \
        UDP(sport=546, dport=547) / Raw(b"v6-multicast")
    c.add("h0", v6, do="flood", vni=100, vteps=[V2, V3, V4], local=others("h0"))
    c.add("h0", udp_frame(A, U, size=200), do="flood", vni=100, vteps=[V2, V3, V4],
          local=others("h0"))
    c.add("h1", udp_frame(B, BCAST, dip="255.255.255.255", size=99, vlan=10), do="flood",
          vni=100, vteps=[V2, V3, V4], local=others("h1"))
    c.add("h1", udp_frame(B, U, size=98, vlan=10), do="flood", vni=100,
          vteps=[V2, V3, V4], local=others("h1"))
    c.add("h2", udp_frame(C, BCAST, dip="255.255.255.255", size=97), do="flood", vni=100,
          vteps=[V2, V3, V4], local=others("h2"))
    return c


# ---- 5: underlay -> access decapsulation -----------------------------------------
def case_decap():
    R, L0, L1, L2 = mac(0x0d, 1), mac(0x0c, 0), mac(0x0c, 1), mac(0x0c, 2)
    R1, U = mac(0x0b, 1), mac(0xee, 0xee)
    c = Case("decap", STD_PORTS3, [
        {"vni": 100, "access": [("h0", 0), ("h1", 10)],
         "static_macs": [{"mac": L0, "port": "h0"}, {"mac": L1, "port": "h1"},
                         {"mac": R1, "vtep": V2}], "flood": [V2]},
        {"vni": 200, "access": [("h2", 0)], "static_macs": [{"mac": L2, "port": "h2"}],
         "src_vtep_check": False},
    ], doc="VXLAN to our VTEP: delivered by inner destination (static local MACs),\n"
           "tagged for h1 (vlan 10); broadcast, multicast and unknown inner\n"
           "destinations go to the VNI's local attachments only, never back to\n"
           "the underlay. The inner frame is delivered byte for byte. VNI 200\n"
           "has no flood list and its source check off: any VTEP may send.")

    def inner(dst, size=100, **kw):
        kw.setdefault("dip", "203.0.113.1")
        return udp_frame(R, dst, sip="203.0.113.91", size=size, **kw)

    both = [["h0", 0], ["h1", 10]]
    i = inner(L0, 100)
    c.decap(i, 100, to=[["h0", 0]])
    i = inner(L1, 101)
    c.decap(i, 100, to=[["h1", 10]])
    i = inner(BCAST, 102, dip="203.0.113.255")
    c.decap(i, 100, local=both)
    i = inner(U, 103)
    c.decap(i, 100, local=both)
    i = inner("01:00:5e:7f:00:01", 104, dip="239.255.0.1")
    c.decap(i, 100, local=both)
    i = inner(L2, 105)
    c.decap(i, 200, src_ip=V4, to=[["h2", 0]])
    i = inner(BCAST, 106)
    c.decap(i, 200, local=[["h2", 0]])
    # IPv4 options (IHL 6): the UDP header is found after them
    i = inner(L0, 107)
    o = outer(i, 100, ip_options=[IPOption_NOP(), IPOption_NOP(), IPOption_NOP(),
                                  IPOption_EOL()])
    assert bytes(o)[14] == 0x46
    c.add("up0", o, do="decap", vni=100, to=[["h0", 0]], inner=i)
    # Ethernet trailer after the IPv4 datagram: the inner frame ends with UDP
    i = inner(L1, 108)
    c.add("up0", bytes(outer(i, 100)) + b"TRAILER!", do="decap", vni=100, to=[["h1", 10]],
          inner=i)
    # reserved VXLAN bits and flags other than I are ignored on receipt
    i = inner(L0, 109)
    o = outer(i, 100, flags=0x0c, r1=0xabcdef, r2=0x5a)
    c.add("up0", o, do="decap", vni=100, to=[["h0", 0]], inner=i)
    # a valid UDP checksum is fine too
    i = inner(L1, 110)
    o = outer(i, 100)
    del o[UDP].chksum
    assert Ether(bytes(o))[UDP].chksum != 0
    c.add("up0", o, do="decap", vni=100, to=[["h1", 10]], inner=i)
    # a small inner frame (ARP, 42 bytes, no padding)
    i = Ether(src=R, dst=BCAST) / ARP(hwsrc=R, psrc="203.0.113.91", pdst="203.0.113.1")
    c.decap(i, 100, local=both)
    # an inner 802.1Q tag: discarded (RFC 7348 section 5)
    i = Ether(src=R, dst=L0) / Dot1Q(vlan=10) / IP(src="203.0.113.91", dst="203.0.113.1") / UDP()
    c.decap_drop(i, 100, "decap_inner_vlan")
    # an inner link-local group frame (LLDP): never bridged
    i = pad_to(Ether(src=R, dst="01:80:c2:00:00:0e", type=0x88cc), 60)
    c.decap_drop(i, 100, "link_local_multicast")
    # inner destination behind a remote VTEP: split horizon
    i = inner(R1, 111)
    c.decap_drop(i, 100, "decap_dst_remote")
    return c


# ---- 6 + 8: malformed / not-for-us underlay input, ARP ---------------------------
def case_underlay_bad():
    R, L0, R1 = mac(0x0d, 1), mac(0x0c, 0), mac(0x0b, 1)
    c = Case("underlay_bad", STD_PORTS, [
        {"vni": 100, "access": [("h0", 0), ("h1", 0)],
         "static_macs": [{"mac": L0, "port": "h0"}, {"mac": R1, "vtep": V2}], "flood": [V2]},
    ], vtep={"udp_port": 4790, "ttl": 64},
        doc="VXLAN on the configured port 4790. One valid frame (delivered to h0),\n"
            "then one or more frames per drop reason; none may appear anywhere.\n"
            "ARP for our address is answered once per request, padded to 60 bytes.")
    P = 4790

    def good(dst=L0, size=100):
        return udp_frame(R, dst, sip="203.0.113.91", dip="203.0.113.1", size=size)

    def base(**kw):
        kw.setdefault("dport", P)
        return outer(good(), 100, **kw)

    i = good()
    c.add("up0", base(), do="decap", vni=100, to=[["h0", 0]], inner=i)

    # VXLAN I flag clear
    c.add("up0", base(flags=0x00), do="drop", reason="vxlan_bad_flags")
    c.add("up0", base(flags=0x04), do="drop", reason="vxlan_bad_flags")
    # truncated: UDP 8 + VXLAN 8 + 13 bytes of inner Ethernet; VXLAN header cut
    o = Ether(src=NH_MAC, dst=UP0_MAC) / IP(src=V2, dst=LOCAL_IP) / \
        UDP(sport=50000, dport=P, chksum=0) / Raw(vxlan_hdr(100) + bytes(good())[:13])
    c.add("up0", pad_to(bytes(o), 64), do="drop", reason="vxlan_truncated")
    o = Ether(src=NH_MAC, dst=UP0_MAC) / IP(src=V2, dst=LOCAL_IP) / \
        UDP(sport=50000, dport=P, chksum=0) / Raw(b"\x08\x00\x00\x00")
    c.add("up0", pad_to(bytes(o), 60), do="drop", reason="vxlan_truncated")
    # UDP length: below 8, beyond the IPv4 payload, IPv4 payload under 8 bytes
    o = base()
    o[UDP].len = 7
    c.add("up0", o, do="drop", reason="udp_bad_length")
    o = base()
    o[UDP].len = len(o[UDP]) + 1
    c.add("up0", o, do="drop", reason="udp_bad_length")
    b = bytes(Ether(src=NH_MAC, dst=UP0_MAC) /
              IP(src=V2, dst=LOCAL_IP, proto=17, len=26) / Raw(b"\xc3\x50\x12"))
    c.add("up0", pad_to(b, 60), do="drop", reason="udp_bad_length")
    # UDP to us, wrong port (4789 is not ours in this case); BFD goes to control
    c.add("up0", base(dport=4789), do="drop", reason="udp_wrong_port")
    c.add("up0", pad_to(Ether(src=NH_MAC, dst=UP0_MAC) / IP(src=V2, dst=LOCAL_IP, ttl=255) /
                        UDP(sport=49152, dport=3784) / Raw(b"\x20\x40\x03\x18" + b"\0" * 20), 66),
          do="punt")
    # not our VTEP address
    c.add("up0", base(dst_ip="192.0.2.99"), do="drop", reason="ip_not_local")
    c.add("up0", base(dst_ip="255.255.255.255"), do="drop", reason="ip_not_local")
    # unknown VNI
    c.add("up0", outer(good(), 999, dport=P), do="drop", reason="vxlan_unknown_vni")
    # IPv4 header: bad checksum, IHL 4, total length past the frame, version 6,
    # frame too short for an IPv4 header, total length below the IHL
    o = base()
    o[IP].chksum = 0x1234
    c.add("up0", o, do="drop", reason="ip_bad_header")
    raw = bytearray(bytes(base()))
    raw[14] = 0x44
    c.add("up0", bytes(raw), do="drop", reason="ip_bad_header")
    o = base()
    o[IP].len = len(o[IP]) + 4
    c.add("up0", o, do="drop", reason="ip_bad_header")
    raw = bytearray(bytes(base()))
    raw[14] = 0x65
    c.add("up0", bytes(raw), do="drop", reason="ip_bad_header")
    c.add("up0", bytes(base())[:14 + 19], do="drop", reason="ip_bad_header")
    o = base()
    o[IP].len = 19
    c.add("up0", o, do="drop", reason="ip_bad_header")
    # fragments: more-fragments set; a last fragment (offset, no MF)
    o = base()
    o[IP].flags = "MF"
    c.add("up0", o, do="drop", reason="ip_fragment")
    o = base()
    o[IP].flags = 0
    o[IP].frag = 100
    c.add("up0", o, do="drop", reason="ip_fragment")
    # not UDP
    c.add("up0", pad_to(Ether(src=NH_MAC, dst=UP0_MAC) / IP(src=V2, dst=LOCAL_IP) /
                        TCP(sport=179, dport=40000), 60, "\0"), do="drop", reason="ip_not_udp")
    c.add("up0", pad_to(Ether(src=NH_MAC, dst=UP0_MAC) / IP(src=V2, dst=LOCAL_IP) / ICMP(),
                        60, "\0"), do="drop", reason="ip_not_udp")
    # Ethernet destination not ours
    c.add("up0", base(dst_mac="02:00:00:00:00:99"), do="drop", reason="underlay_not_for_us")
    c.add("up0", base(dst_mac=BCAST), do="drop", reason="underlay_not_for_us")
    # neither IPv4 nor ARP: IPv6, 802.1Q-tagged IPv4
    c.add("up0", Ether(src=NH_MAC, dst=UP0_MAC) / IPv6(src="2001:db8::2", dst="2001:db8::1") /
          UDP(sport=50000, dport=P) / Raw(vxlan_hdr(100) + bytes(good())), do="drop",
          reason="underlay_ethertype")
    o = Ether(src=NH_MAC, dst=UP0_MAC) / Dot1Q(vlan=5) / base()[IP]
    c.add("up0", o, do="drop", reason="underlay_ethertype")
    # runts
    c.add("up0", bytes(base())[:13], do="drop", reason="underlay_runt")
    c.add("up0", b"\x02", do="drop", reason="underlay_runt")
    # inner destination behind a remote VTEP
    i = good(R1)
    c.decap_drop(i, 100, "decap_dst_remote", dport=P)

    # ARP: request for us (padded, from the spine), request for us (unpadded,
    # 42 bytes, unicast to our MAC, from another router), request for
    # someone else, a reply to us (ignored), a request with a multicast
    # sender MAC (malformed)
    c.add("up0", pad_to(Ether(src=NH_MAC, dst=BCAST) /
                        ARP(op=1, hwsrc=NH_MAC, psrc=NH_IP, pdst=LOCAL_IP), 60, "\0"),
          do="arp_reply")
    c.add("up0", Ether(src=NH2_MAC, dst=UP0_MAC) /
          ARP(op=1, hwsrc=NH2_MAC, psrc="192.0.2.253", hwdst="00:00:00:00:00:00",
              pdst=LOCAL_IP), do="arp_reply")
    c.add("up0", pad_to(Ether(src=NH_MAC, dst=BCAST) /
                        ARP(op=1, hwsrc=NH_MAC, psrc=NH_IP, pdst="192.0.2.77"), 60, "\0"),
          do="drop", reason="arp_not_for_us")
    c.add("up0", pad_to(Ether(src=NH_MAC, dst=UP0_MAC) /
                        ARP(op=2, hwsrc=NH_MAC, psrc=NH_IP, hwdst=UP0_MAC, pdst=LOCAL_IP),
                        60, "\0"), do="punt")
    c.add("up0", pad_to(Ether(src=NH_MAC, dst=BCAST) /
                        ARP(op=1, hwsrc="01:00:5e:00:00:09", psrc=NH_IP, pdst=LOCAL_IP),
                        60, "\0"), do="drop", reason="arp_bad")
    # (the BFD frame is punted - events.punted - and is the BFD manager's
    # business from there; only that nothing comes out is checked here)
    c.extra["events"] = {"arp_replies": 2, "arp_ignored": 1}
    return c


# ---- 7: tenant isolation ------------------------------------------------------------
def case_isolation():
    A, B, C, D = mac(0x0a, 1), mac(0x0a, 2), mac(0x0a, 3), mac(0x0a, 4)
    M = mac(0x99, 0x99)      # the same MAC in both VNIs, on different ports
    Q = mac(0x98, 0x98)      # the same remote MAC in both VNIs, different VTEPs
    R = mac(0x0d, 1)
    c = Case("isolation", STD_PORTS, [
        {"vni": 100, "access": [("h0", 0)],
         "static_macs": [{"mac": M, "port": "h0"}, {"mac": Q, "vtep": V2}], "flood": [V2]},
        {"vni": 200, "access": [("h0", 20), ("h1", 0)],
         "static_macs": [{"mac": M, "port": "h1"}, {"mac": Q, "vtep": V3}], "flood": [V3]},
    ], doc="VNI 100 on h0 untagged (flood to .2); VNI 200 on h0 vlan 20 and h1\n"
           "(flood to .3). M is a local static MAC in both VNIs (h0 in 100, h1 in\n"
           "200), Q a remote static MAC in both (.2 in 100, .3 in 200). Nothing of\n"
           "one VNI may reach an attachment or a VTEP of the other.")
    # underlay -> access
    c.decap(udp_frame(R, M, sip="203.0.113.91", size=100), 200, src_ip=V3, to=[["h1", 0]])
    c.decap(udp_frame(R, M, sip="203.0.113.91", size=101), 100, to=[["h0", 0]])
    c.decap(udp_frame(R, BCAST, sip="203.0.113.91", size=102), 200, src_ip=V3, local=[["h0", 20], ["h1", 0]])
    c.decap(udp_frame(R, BCAST, sip="203.0.113.91", size=103), 100, local=[["h0", 0]])
    c.decap_drop(udp_frame(R, Q, sip="203.0.113.91", size=104), 200, "decap_dst_remote", src_ip=V3)
    # access -> *
    c.add("h0", udp_frame(A, BCAST, size=110), do="flood", vni=100, vteps=[V2], local=[])
    c.add("h0", udp_frame(B, BCAST, size=111, vlan=20), do="flood", vni=200, vteps=[V3],
          local=[["h1", 0]])
    c.add("h0", udp_frame(A, Q, size=112), do="encap", vni=100, vtep=V2)
    c.add("h0", udp_frame(B, Q, size=113, vlan=20), do="encap", vni=200, vtep=V3)
    c.add("h0", udp_frame(B, M, size=114, vlan=20), do="switch", vni=200, to=["h1", 0])
    c.add("h0", udp_frame(A, M, size=115), do="drop", reason="access_same_port")
    c.add("h1", udp_frame(C, BCAST, size=116), do="flood", vni=200, vteps=[V3],
          local=[["h0", 20]])
    c.add("h1", udp_frame(C, Q, size=117), do="encap", vni=200, vtep=V3)
    c.add("h1", udp_frame(D, M, size=118), do="drop", reason="access_same_port")
    return c


# ---- 8b: decapsulation source check ---------------------------------------------------
def case_srccheck():
    L0, R = mac(0x0c, 0), mac(0x0d, 1)
    c = Case("srccheck", STD_PORTS, [
        {"vni": 100, "access": [("h0", 0)], "static_macs": [{"mac": L0, "port": "h0"}],
         "flood": [V2, V3]},
        {"vni": 200, "access": [("h1", 0)], "static_macs": [{"mac": L0, "port": "h1"}],
         "flood": [V2], "src_vtep_check": False},
    ], doc="VNI 100 (flood to .2 and .3, source check on by default): VXLAN from\n"
           ".2 and .3 is delivered, from .9 dropped as src_vtep_unknown, unicast\n"
           "and broadcast alike. VNI 200 (flood to .2, check off): from .9 too.")
    for n, (src, ok) in enumerate(((V2, True), (V3, True), (V9, False), (V3, True), (V9, False))):
        i = udp_frame(R, L0, sip="203.0.113.91", size=100 + n)
        if ok:
            c.add("up0", outer(i, 100, src_ip=src), do="decap", vni=100, to=[["h0", 0]], inner=i)
        else:
            c.add("up0", outer(i, 100, src_ip=src), do="drop", reason="src_vtep_unknown", inner=i)
    i = udp_frame(R, BCAST, sip="203.0.113.91", size=110)
    c.add("up0", outer(i, 100, src_ip=V9), do="drop", reason="src_vtep_unknown", inner=i)
    i = udp_frame(R, BCAST, sip="203.0.113.91", size=111)
    c.add("up0", outer(i, 100, src_ip=V2), do="decap_flood", vni=100, local=[["h0", 0]],
          inner=i)
    i = udp_frame(R, L0, sip="203.0.113.91", size=112)
    c.add("up0", outer(i, 200, src_ip=V9), do="decap", vni=200, to=[["h1", 0]], inner=i)
    return c


# ---- 9: MAC learning, limit, move ----------------------------------------------------
def case_learn():
    D0, D1 = mac(0x0d, 0), mac(0x0d, 1)
    MV, F1 = mac(0x77, 0x77), mac(0x0f, 1)
    N = [mac(0x10, k) for k in range(1, 21)]
    P = [mac(0x20, k) for k in range(1, 9)]
    c = Case("learn", STD_PORTS3, [
        {"vni": 100, "access": [("h0", 0), ("h1", 0)],
         "static_macs": [{"mac": D0, "port": "h0"}, {"mac": D1, "port": "h1"}]},
        {"vni": 200, "mac_limit": 5, "access": [("h2", 0)]},
    ], doc="20 source MACs learned on h0; MV seen on h0 then on h1 (a move);\n"
           "VNI 200 with mac_limit 5 sees 8 source MACs on h2.")
    # Learning is asynchronous: the worker puts (vni, mac, attachment) events on
    # its learn ring in the order it processes frames, and the control thread
    # applies them in ring order. With "-l 0-1" there is exactly one worker,
    # which polls every port each loop iteration, taking at most DP_BURST (32)
    # frames per port (net_pcap reads the capture in order). MV is frame 0 of
    # h0, so it is processed in the first iteration; on h1 it is frame 40,
    # after 40 frames from F1, so it cannot be taken before the second
    # iteration, whatever order the ports are polled in. Hence the event
    # (MV, h0) always precedes (MV, h1) on the ring, and the final state is
    # MV local on h1 with exactly one move. Likewise the 8 sources on h2 reach
    # the control thread in capture order, so P1..P5 are the ones learned.
    c.add("h0", udp_frame(MV, D1, size=70), do="switch", vni=100, to=["h1", 0])
    for k, m in enumerate(N):
        c.add("h0", udp_frame(m, D1, size=71 + k), do="switch", vni=100, to=["h1", 0])
    for k in range(40):
        c.add("h1", udp_frame(F1, D0, size=64 + k), do="switch", vni=100, to=["h0", 0])
    c.add("h1", udp_frame(MV, D0, size=72), do="switch", vni=100, to=["h0", 0])
    for k, m in enumerate(P):
        # broadcast in a VNI with no other attachment and no flood list: no
        # copy (counted as flood_no_target)
        c.add("h2", udp_frame(m, BCAST, size=80 + k), do="flood", vni=200, vteps=[], local=[])
    macs = [{"vni": 100, "mac": D0, "type": "static-local", "port": "h0", "vlan": 0},
            {"vni": 100, "mac": D1, "type": "static-local", "port": "h1", "vlan": 0},
            {"vni": 100, "mac": MV, "type": "local", "port": "h1", "vlan": 0},
            {"vni": 100, "mac": F1, "type": "local", "port": "h1", "vlan": 0}]
    macs += [{"vni": 100, "mac": m, "type": "local", "port": "h0", "vlan": 0} for m in N]
    macs += [{"vni": 200, "mac": m, "type": "local", "port": "h2", "vlan": 0} for m in P[:5]]
    c.extra["macs"] = macs
    c.extra["events"] = {"learn_new": 20 + 1 + 1 + 5, "learn_moved": 1, "learn_limit": 3,
                         "learn_ring_full": 0}
    c.extra["vnis"] = {"100": {"mac_learned": 22, "mac_count": 24, "mac_limit_refused": 0},
                       "200": {"mac_learned": 5, "mac_count": 5, "mac_limit_refused": 3}}
    return c


# ---- ARP suppression: the control thread answers local ARP it can ---------------
def case_arp_suppress():
    X, Y, Z, W = mac(0x0a, 1), mac(0x0a, 2), mac(0x0a, 3), mac(0x0a, 4)
    T, U = mac(0x0b, 1), mac(0x0b, 2)      # VNI 200, tagged
    R = mac(0x0d, 1)        # static, behind .2
    S = mac(0x0a, 9)        # VNI 300
    c = Case("arp_suppress", STD_PORTS, [
        {"vni": 100, "access": [("h0", 0)], "flood": [V2],
         "static_macs": [{"mac": R, "vtep": V2}]},
        {"vni": 200, "access": [("h0", 10)], "flood": [V3]},
        {"vni": 300, "access": [("h1", 0)], "flood": [V4], "arp_suppress": False},
    ], doc="VNI 100 on h0 untagged (flood to .2) and VNI 200 on h0 vlan 10 (flood\n"
           "to .3), ARP suppression on (the default); VNI 300 on h1 with it off.\n"
           "The suppressed VNIs' frames all enter on h0 so that the control thread\n"
           "sees them in the order sent: bindings snooped from earlier frames\n"
           "answer later requests.")
    ip = {X: "203.0.113.1", Y: "203.0.113.2", Z: "203.0.113.3", W: "203.0.113.4",
          T: "198.51.100.101", U: "198.51.100.102"}

    def req(src, tpa, vlan=None, psrc=None, op=1, dst=BCAST, hwdst="00:00:00:00:00:00"):
        a = ARP(op=op, hwsrc=src, psrc=ip[src] if psrc is None else psrc, hwdst=hwdst, pdst=tpa)
        if vlan is None:
            return pad_to(Ether(src=src, dst=dst) / a, 60, "\0")
        return Ether(src=src, dst=dst) / Dot1Q(vlan=vlan) / pad_to(Ether(src=src, dst=dst) / a,
                                                                   60, "\0").payload

    # X asks for an unknown IP: flooded (X is snooped on the way)
    c.add("h0", req(X, "203.0.113.9"), do="flood", vni=100, vteps=[V2], local=[])
    # Y asks for X: answered from the snooped binding
    c.add("h0", req(Y, ip[X]), do="arp_answer", vni=100, vlan=0, answer=X, tpa=ip[X])
    # X asks for Y: answered
    c.add("h0", req(X, ip[Y]), do="arp_answer", vni=100, vlan=0, answer=Y, tpa=ip[Y])
    # W sends unicast ARP to R (remote): encapsulated as usual, its copy
    # snooped; then X asks for W: answered
    c.add("h0", req(W, "203.0.113.200", dst=R, hwdst=R), do="encap", vni=100, vtep=V2)
    c.add("h0", req(X, ip[W]), do="arp_answer", vni=100, vlan=0, answer=W, tpa=ip[W])
    # VNI 200 (tagged): T announces itself (gratuitous: flooded), U asks for
    # T: answered with the tag; T's IP is unknown in VNI 100 (isolation)
    c.add("h0", req(T, ip[T], vlan=10), do="flood", vni=200, vteps=[V3], local=[])
    c.add("h0", req(U, ip[T], vlan=10), do="arp_answer", vni=200, vlan=10, answer=T, tpa=ip[T])
    c.add("h0", req(X, ip[T]), do="flood", vni=100, vteps=[V2], local=[])
    # RFC 5227 probe for a known IP: flooded, only the owner may answer
    c.add("h0", req(Z, ip[Y], psrc="0.0.0.0"), do="flood", vni=100, vteps=[V2], local=[])
    # an ARP reply broadcast: flooded (and its sender snooped)
    c.add("h0", req(Z, ip[X], op=2), do="flood", vni=100, vteps=[V2], local=[])
    # Y claims X's IP (a conflict): X's IP is flooded during the hold
    c.add("h0", req(Y, "203.0.113.9", psrc=ip[X]), do="flood", vni=100, vteps=[V2], local=[])
    c.add("h0", req(Z, ip[X]), do="flood", vni=100, vteps=[V2], local=[])
    # malformed (opcode 3): dropped by the control thread
    c.add("h0", req(X, ip[Y], op=3), do="drop", reason="arp_bad")
    # VNI 300, suppression off: flooded by the worker, nothing punted
    c.add("h1", req(S, ip[X], psrc="203.0.113.99"), do="flood", vni=300, vteps=[V4], local=[])
    c.extra["arp_suppress"] = {"requests": 10, "answered": 4, "flood_unknown": 3,
                               "flood_conflict": 1, "probes": 1, "gratuitous": 1,
                               "replies": 1, "malformed": 1, "conflicts": 1,
                               "answer_tx_full": 0, "flood_tx_full": 0}
    return c


CASES = [case_encap, case_mtu, case_jumbo, case_jumbo_chained, case_local_switch, case_access_drops, case_flood,
         case_srccheck, case_arp_suppress,
         case_decap, case_underlay_bad, case_isolation, case_learn]


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("outdir")
    ap.add_argument("--tag", default=str(os.getpid()),
                    help="suffix of the EAL --file-prefix (default: this PID)")
    ap.add_argument("--case", action="append", help="only these cases")
    a = ap.parse_args(argv)
    names = []
    for fn in CASES:
        c = fn()
        if a.case and c.name not in a.case:
            continue
        c.write(a.outdir, a.tag)
        names.append(c.name)
    with open(os.path.join(a.outdir, "cases.json"), "w") as f:
        json.dump(names, f)
    print("wrote %d cases into %s: %s" % (len(names), a.outdir, " ".join(names)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
