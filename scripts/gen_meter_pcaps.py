#!/usr/bin/python3
"""Crafted captures for the vtep-meter tests, with their expected results.

    gen_meter_pcaps.py OUTDIR [--seed N]

Writes into OUTDIR:
  A.pcap, B.pcap        tap A (before the path) and tap B (after it),
                        nanosecond pcap (magic a1b23c4d), time-ordered
  A.pcapng, B.pcapng    the same records as pcapng with if_tsresol = 9
  B-truncated.pcap      B.pcap cut in the middle of a record
  A-linktype.pcap       A.pcap's records under link type 105 (802.11)
  garbage.pcap          not a capture at all
  expected.json         the oracle (see below)

The story: flows leave a client through tap A as plain Ethernet frames (one
with an 802.1Q tag) and reach tap B VXLAN-encapsulated by a leaf, with a
different outer header per tunnel (short tunnel DSCP 46, long tunnel DSCP
10, outer TTL 61-63), inner MACs rewritten, inner TTL decremented, inner
DSCP/ECN re-marked and checksums recomputed (so only fields the meter must
ignore differ). One IPv6 flow is VXLAN-encapsulated at both taps with
different outer headers. Every A packet gets a latency (ns, with a sub-us
part) and its B copy is stamped A + latency, which reorders packets within
flows. The intents exercise what the meter must handle:

  short-tcp     4 packets                         complete, short
  long-tcp      30 packets, tunnel changes DSCP   complete, long (threshold 20)
                from 46 to 10 after packet 20
  lossy-udp     8 packets, #5 lost at B           never completes
  tail-lost     6 packets, the last lost at B     never completes
  dup-b         5 packets, #2 twice at B          complete, dup_b 1
  dup-a         3 packets, #1 sent twice (same    complete, 4 packets
                bytes) and both copies arrive
  v6-vxlan      IPv6, 6 packets, VXLAN at A and B complete
  icmp-vlan     ICMP echo with an 802.1Q tag at A complete
  plus:         one UDP packet of dup-b's 5-tuple seen only at B (unexpected),
                one UDP packet of an unknown flow seen only at B, ARP at both
                taps, a malformed IPv4 header at A, and Ethernet padding on
                short A frames

expected.json holds, per flow (by name and 5-tuple): packets, bytes,
matched, lost, dup_b, unexpected_b, completed, class, first_a, last_b, fct,
jitter (RFC 3550 over the matched packets in B order), DSCP first/last/set,
and per matched packet ts_a, ts_b, latency; plus global counters. The oracle
is computed here from the intents, not from the meter.

Runs with Debian's /usr/bin/python3 (python3-scapy).
"""
import argparse
import json
import os
import random
import struct
import sys

from scapy.all import ARP, ICMP, IP, TCP, UDP, VXLAN, Dot1Q, Ether, IPv6, Raw

T0 = 1700000000 * 10**9          # ns
THRESHOLD = 20
CLIENT_MAC, LEAF_MAC = "02:00:00:00:0a:01", "02:00:00:00:0a:02"
INNER_B_SRC, INNER_B_DST = "02:00:00:00:0b:01", "02:00:00:00:0b:02"
SPINE_MAC, LEAF2_MAC = "02:00:00:00:0c:01", "02:00:00:00:0c:02"
VNI = 100
DSCP_SHORT, DSCP_LONG = 46, 10


def payload(flow, i, n=40):
    b = ("%s#%d|" % (flow, i)).encode()
    return (b * (n // len(b) + 1))[:n]


class Flow:
    def __init__(self, name, family, proto, src, dst, sport, dport):
        self.name, self.family, self.proto = name, family, proto
        self.src, self.dst, self.sport, self.dport = src, dst, sport, dport

    def key(self):
        return {"proto": {6: "tcp", 17: "udp", 1: "icmp"}[self.proto], "src": self.src,
                "dst": self.dst, "sport": self.sport, "dport": self.dport}


def inner_v4(fl, i, ttl, tos, body, vlan=None, src_mac=CLIENT_MAC, dst_mac=LEAF_MAC):
    ip = IP(src=fl.src, dst=fl.dst, ttl=ttl, tos=tos, id=(0x1000 + 97 * i) & 0xffff, flags="DF")
    if fl.proto == 6:
        l4 = TCP(sport=fl.sport, dport=fl.dport, seq=1000 + 1448 * i, ack=777,
                 flags="S" if i == 0 else "PA", window=5000 + i)
    elif fl.proto == 17:
        l4 = UDP(sport=fl.sport, dport=fl.dport)
    else:
        l4 = ICMP(type=8, id=0x42, seq=i)
    eth = Ether(src=src_mac, dst=dst_mac)
    if vlan is not None:
        eth = eth / Dot1Q(vlan=vlan)
    return eth / ip / l4 / Raw(body)


def inner_v6(fl, i, hlim, tc, body, src_mac=CLIENT_MAC, dst_mac=LEAF_MAC):
    return (Ether(src=src_mac, dst=dst_mac) /
            IPv6(src=fl.src, dst=fl.dst, hlim=hlim, tc=tc, fl=0x12345) /
            TCP(sport=fl.sport, dport=fl.dport, seq=5000 + 1000 * i, ack=9, flags="PA") /
            Raw(body))


def vxlan(inner, osrc, odst, ttl, dscp, sport, vni=VNI, smac=SPINE_MAC, dmac=LEAF2_MAC):
    return (Ether(src=smac, dst=dmac) /
            IP(src=osrc, dst=odst, ttl=ttl, tos=dscp << 2, flags="DF", id=0) /
            UDP(sport=sport, dport=4789, chksum=0) / VXLAN(vni=vni, flags=0x08) / inner)


def pad60(b):
    return b + b"\0" * (60 - len(b)) if len(b) < 60 else b


def ip_len(pkt):
    """Length of the innermost IP packet (from the built bytes)."""
    pkt = Ether(bytes(pkt))
    if pkt.haslayer(VXLAN):
        pkt = pkt[VXLAN].payload
    if pkt.haslayer(IPv6):
        return 40 + pkt[IPv6].plen
    return pkt[IP].len


# ---- file writers ---------------------------------------------------------------

def write_pcap(path, records, linktype=1):
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xa1b23c4d, 2, 4, 0, 0, 65535, linktype))
        for ts, data in records:
            f.write(struct.pack("<IIII", ts // 10**9, ts % 10**9, len(data), len(data)))
            f.write(data)


def _block(btype, body):
    body = body + b"\0" * (-len(body) % 4)
    n = 12 + len(body)
    return struct.pack("<II", btype, n) + body + struct.pack("<I", n)


def write_pcapng(path, records):
    shb = _block(0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1) + struct.pack("<HH", 0, 0))
    opts = struct.pack("<HHB3x", 9, 1, 9) + struct.pack("<HH", 0, 0)   # if_tsresol = 9
    idb = _block(1, struct.pack("<HHI", 1, 0, 65535) + opts)
    with open(path, "wb") as f:
        f.write(shb + idb)
        for ts, data in records:
            epb = struct.pack("<IIIII", 0, ts >> 32, ts & 0xffffffff, len(data), len(data)) + data
            f.write(_block(6, epb))


# ---- the scenario ---------------------------------------------------------------

def build(seed):
    rnd = random.Random(seed)
    flows = [
        Flow("short-tcp", 4, 6, "198.51.100.10", "203.0.113.10", 40001, 80),
        Flow("long-tcp", 4, 6, "198.51.100.11", "203.0.113.11", 40002, 5001),
        Flow("lossy-udp", 4, 17, "198.51.100.12", "203.0.113.12", 40003, 7000),
        Flow("tail-lost", 4, 17, "198.51.100.13", "203.0.113.13", 40004, 7001),
        Flow("dup-b", 4, 17, "198.51.100.14", "203.0.113.14", 40005, 7002),
        Flow("dup-a", 4, 6, "198.51.100.15", "203.0.113.15", 40006, 443),
        Flow("v6-vxlan", 6, 6, "2001:db8::10", "2001:db8::20", 40007, 8080),
        Flow("icmp-vlan", 4, 1, "198.51.100.17", "203.0.113.17", 0, 0),
    ]
    counts = {"short-tcp": 4, "long-tcp": 30, "lossy-udp": 8, "tail-lost": 6, "dup-b": 5,
              "dup-a": 3, "v6-vxlan": 6, "icmp-vlan": 3}
    by_name = {f.name: f for f in flows}
    # Interleave the flows' packets on tap A: a shuffled sequence of (flow, index).
    seq = [(f.name, i) for f in flows for i in range(counts[f.name])]
    rnd.shuffle(seq)
    nxt = {f.name: 0 for f in flows}
    order = []
    for name, _ in seq:             # keep per-flow index order on the wire
        order.append((name, nxt[name]))
        nxt[name] += 1

    a_recs, b_recs = [], []          # (ts, bytes, tag)
    sent = []                        # per A packet: dict
    t = T0 + 1_000_000 + rnd.randint(0, 999)
    for name, i in order:
        fl = by_name[name]
        t += rnd.randint(20_000, 90_000) + rnd.randint(1, 999)    # gap with a sub-us part
        lat = rnd.randint(40_000, 400_000) + rnd.randint(1, 999)
        body = payload(name, i)
        if fl.family == 6:
            a_pkt = vxlan(inner_v6(fl, i, 64, 0, body), "192.0.2.10", "192.0.2.20", 64, 0,
                          50000 + i, smac=CLIENT_MAC, dmac=LEAF_MAC)
            b_pkt = vxlan(inner_v6(fl, i, 63, 0x2e << 2 | 1, body, INNER_B_SRC, INNER_B_DST),
                          "192.0.2.30", "192.0.2.40", 61, 26, 60000 + 7 * i)
            dscp_b = 26
        else:
            vlan = 42 if name == "icmp-vlan" else None
            a_pkt = inner_v4(fl, i, 64, 0, body, vlan=vlan)
            mark = DSCP_SHORT if i < THRESHOLD else DSCP_LONG
            b_inner = inner_v4(fl, i, 63, (mark << 2) | (3 if i % 3 == 0 else 0), body,
                               src_mac=INNER_B_SRC, dst_mac=INNER_B_DST)
            b_pkt = vxlan(b_inner, "192.0.2.1", "192.0.2.2" if mark == DSCP_SHORT else "192.0.2.3",
                          63 if mark == DSCP_SHORT else 62, mark, 49152 + (i * 131) % 16000)
            dscp_b = mark
        a_bytes, b_bytes = pad60(bytes(a_pkt)), bytes(b_pkt)
        copies = 1
        if name == "dup-a" and i == 1:
            copies = 2
        for c in range(copies):
            ta = t + c * 5_000
            la = lat + c * 1_111
            lost = (name == "lossy-udp" and i == 5) or (name == "tail-lost" and i == counts[name] - 1)
            rec = {"flow": name, "i": i, "ts_a": ta, "lat": la, "lost": lost, "dscp_b": dscp_b,
                   "ip_len": ip_len(a_pkt), "b": []}
            a_recs.append((ta, a_bytes))
            if not lost:
                b_recs.append((ta + la, b_bytes))
                rec["b"].append(ta + la)
                if name == "dup-b" and i == 2:
                    b_recs.append((ta + la + 3_456, b_bytes))
                    rec["b"].append(ta + la + 3_456)
            sent.append(rec)
        t += (copies - 1) * 5_000

    # Extras. The unexpected packet of a known flow comes after that flow's
    # last A packet (the flow exists when it arrives).
    t_mid = sorted(r[0] for r in b_recs)[len(b_recs) // 2]
    fl = by_name["dup-b"]
    t_unexp = max(tb for r in sent if r["flow"] == "dup-b" for tb in r["b"]) + 17
    unexp_known = vxlan(inner_v4(fl, 99, 63, DSCP_SHORT << 2, b"never seen at tap A, same flow"),
                        "192.0.2.1", "192.0.2.2", 63, DSCP_SHORT, 50001)
    b_recs.append((t_unexp, bytes(unexp_known)))
    stranger = Flow("stranger", 4, 17, "198.51.100.99", "203.0.113.99", 1234, 4321)
    b_recs.append((t_mid + 29_000 + 3, bytes(vxlan(inner_v4(stranger, 0, 63, 0, b"who am i"),
                                                   "192.0.2.1", "192.0.2.2", 63, 0, 50002))))
    arp = Ether(src=CLIENT_MAC, dst="ff:ff:ff:ff:ff:ff") / ARP(psrc="198.51.100.10", pdst="198.51.100.1")
    a_recs.append((T0 + 500_000 + 1, pad60(bytes(arp))))
    b_recs.append((T0 + 600_000 + 2, pad60(bytes(arp))))
    bad = bytearray(pad60(bytes(inner_v4(by_name["short-tcp"], 50, 64, 0, b"x"))))
    bad[14] = 0x43                       # IPv4 with IHL 3: malformed
    a_recs.append((T0 + 700_000 + 3, bytes(bad)))

    a_recs.sort(key=lambda r: r[0])
    b_recs.sort(key=lambda r: r[0])
    assert len({r[0] for r in a_recs}) == len(a_recs), "A timestamps must be distinct"
    assert len({r[0] for r in b_recs}) == len(b_recs), "B timestamps must be distinct"
    return flows, sent, a_recs, b_recs, counts, {"unexpected_known": "dup-b"}


def jitter(lats):
    j = 0.0
    for k in range(1, len(lats)):
        j += (abs(lats[k] - lats[k - 1]) - j) / 16.0
    return j


def oracle(flows, sent, counts, extras):
    out = {"threshold": THRESHOLD, "flows": {}, "packets": []}
    reordered = False
    for fl in flows:
        recs = [r for r in sent if r["flow"] == fl.name]
        matched = [r for r in recs if r["b"]]
        # Matching: the k-th A copy of a signature takes the k-th B copy; the
        # extra B copy (dup-b) is a duplicate. Order of matching = B order.
        pairs = sorted(((r["b"][0], r) for r in matched), key=lambda x: x[0])
        lats = [tb - r["ts_a"] for tb, r in pairs]
        if [r["ts_a"] for _, r in pairs] != sorted(r["ts_a"] for _, r in pairs):
            reordered = True
        dscps = [r["dscp_b"] for _, r in pairs]
        first_a = min(r["ts_a"] for r in recs)
        last_b = max(tb for tb, _ in pairs)
        dup_b = sum(len(r["b"]) - 1 for r in recs if r["b"])
        unexpected = 1 if fl.name == extras["unexpected_known"] else 0
        lost = sum(1 for r in recs if r["lost"])
        out["flows"][fl.name] = {
            "key": fl.key(),
            "packets": len(recs),
            "bytes": sum(r["ip_len"] for r in recs),
            "matched": len(pairs),
            "lost": lost,
            "dup_b": dup_b,
            "unexpected_b": unexpected,
            "b_packets": len(pairs) + dup_b + unexpected,
            "completed": lost == 0,
            "class": "short" if len(recs) <= THRESHOLD else "long",
            "first_a": first_a,
            "last_b": last_b,
            "fct": last_b - first_a,
            "lat_min": min(lats),
            "lat_max": max(lats),
            "jitter": jitter(lats),
            "dscp_first": dscps[0],
            "dscp_last": dscps[-1],
            "dscp_set": sorted(set(dscps)),
            # B-order list for re-deriving values at another clock resolution
            "pairs": [[r["ts_a"], tb] for tb, r in pairs],
        }
        for tb, r in pairs:
            out["packets"].append({"flow": fl.name, "ts_a": r["ts_a"], "ts_b": tb,
                                   "latency": tb - r["ts_a"]})
    assert reordered, "the scenario must reorder packets within a flow"
    out["counters"] = {
        "matched": len(out["packets"]),
        "lost": sum(f["lost"] for f in out["flows"].values()),
        "dup_b": sum(f["dup_b"] for f in out["flows"].values()),
        "unexpected_b": 2,
        "flows": len(flows),
        "a_not_ip": 1, "b_not_ip": 1, "a_malformed": 1,
        "dup_sig_a": 1,
    }
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("outdir")
    ap.add_argument("--seed", type=int, default=10)
    args = ap.parse_args()
    os.makedirs(args.outdir, exist_ok=True)
    flows, sent, a_recs, b_recs, counts, extras = build(args.seed)
    exp = oracle(flows, sent, counts, extras)
    exp["a_frames"], exp["b_frames"] = len(a_recs), len(b_recs)
    d = args.outdir
    write_pcap(os.path.join(d, "A.pcap"), a_recs)
    write_pcap(os.path.join(d, "B.pcap"), b_recs)
    write_pcapng(os.path.join(d, "A.pcapng"), a_recs)
    write_pcapng(os.path.join(d, "B.pcapng"), b_recs)
    write_pcap(os.path.join(d, "A-linktype.pcap"), a_recs, linktype=105)
    # Truncated: keep the first `keep` records whole and half of the next one.
    keep = len(b_recs) * 3 // 5
    with open(os.path.join(d, "B.pcap"), "rb") as f:
        raw = f.read()
    off = 24
    for _ in range(keep):
        caplen = struct.unpack_from("<I", raw, off + 8)[0]
        off += 16 + caplen
    with open(os.path.join(d, "B-truncated.pcap"), "wb") as f:
        f.write(raw[:off + 16 + 20])
    exp["truncated_b_records"] = keep
    exp["truncated_b_last_ts"] = b_recs[keep - 1][0]
    with open(os.path.join(d, "garbage.pcap"), "wb") as f:
        f.write(b"this is not a capture file\n" * 4)
    with open(os.path.join(d, "expected.json"), "w") as f:
        json.dump(exp, f, indent=1, sort_keys=True)
    print("gen_meter_pcaps: %d A frames, %d B frames, %d flows in %s" %
          (len(a_recs), len(b_recs), len(flows), d))


if __name__ == "__main__":
    sys.exit(main())
