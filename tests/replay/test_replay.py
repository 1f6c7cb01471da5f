#!/usr/bin/python3
"""pcap replay suite: the real vtepd binary on net_pcap ports.

    test_replay.py [VTEPD] [CASE ...]

VTEPD defaults to $VTEPD, then build/vtepd under the repository root.
scripts/gen_replay_fixtures.py writes, per case, a configuration, one input
capture per port and case.json (what vtepd must do with every input frame)
into a temporary directory. vtepd runs once per case (--exit-on-idle) and
each case is then checked three ways:

  (a) every output capture, frame by frame, against frames built here with
      scapy from the intents: exact bytes, except the outer UDP source port
      (a hash) which must lie in 49152-65535, be the same for every packet
      of one inner flow and differ across flows;
  (b) an independent decode of every output frame by tshark (outer IPv4
      checksum good, DF, TTL, id 0, UDP port and checksum 0, VXLAN flags and
      VNI, inner Ethernet addresses, VLAN id, inner bytes);
  (c) the stats JSON: every drop counter exactly, per-VNI and per-port
      counters, events and the MAC table where the case says so, and
      mempool.in_use == 0 (no mbuf leak).

Prints one line per check and ends with "N passed, M failed"; exits 1 when
anything failed. KEEP_FIXTURES=1 keeps the temporary directory (it is always
kept, and named, when something failed).
Needs Debian's /usr/bin/python3 (python3-scapy) and tshark.
"""
import collections
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path

from scapy.all import ARP, IP, UDP, VXLAN, Dot1Q, Ether, Raw

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "lib"))
from vtepdtest import Checks, run_to_exit  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
GEN = REPO / "scripts" / "gen_replay_fixtures.py"
SPORT_MIN, SPORT_MAX = 49152, 65535
IDLE_MS = "500"     # generous: the host may be busy; rx counters catch an early exit
TSHARK_FIELDS = [
    "frame.len", "eth.src", "eth.dst", "eth.type", "vlan.id", "ip.checksum.status",
    "ip.flags.df", "ip.flags.mf", "ip.frag_offset", "ip.ttl", "ip.id", "ip.src", "ip.dst",
    "udp.srcport", "udp.dstport", "udp.checksum", "udp.length", "vxlan.flags", "vxlan.vni",
    "udp.payload", "arp.opcode", "arp.src.hw_mac", "arp.src.proto_ipv4", "arp.dst.hw_mac",
    "arp.dst.proto_ipv4",
]


# ---- reading captures -----------------------------------------------------------------
def read_pcap(path):
    """Raw frames of a classic pcap file (either byte order, us or ns)."""
    data = Path(path).read_bytes()
    if len(data) < 24:
        raise ValueError("%s: not a pcap file (%d bytes)" % (path, len(data)))
    magic = struct.unpack("<I", data[:4])[0]
    if magic in (0xa1b2c3d4, 0xa1b23c4d):
        e = "<"
    elif magic in (0xd4c3b2a1, 0x4d3cb2a1):
        e = ">"
    else:
        raise ValueError("%s: bad pcap magic %08x" % (path, magic))
    off, frames = 24, []
    while off + 16 <= len(data):
        _, _, incl, orig = struct.unpack(e + "IIII", data[off:off + 16])
        off += 16
        frames.append(data[off:off + incl])
        if incl != orig:
            raise ValueError("%s: frame %d truncated in the capture" % (path, len(frames)))
        off += incl
    return frames


# ---- expected frames (built with scapy from the intents) ----------------------------
class Model:
    """Turns a case's intents into expected output frames and counters."""

    def __init__(self, case, inputs):
        self.case = case
        self.s = case["settings"]
        self.inputs = inputs            # port -> [bytes]
        self.roles = {p["name"]: p["role"] for p in case["ports"]}
        self.underlay = [p for p, r in self.roles.items() if r == "underlay"][0]
        self.out = {p: [] for p in self.roles}      # port -> [(bytes, meta)]
        self.drops = collections.Counter()
        self.vni = collections.defaultdict(collections.Counter)
        self.punted = 0
        self.arp_replies = 0
        for port, intents in case["intents"].items():
            frames = inputs[port]
            if len(frames) != len(intents):
                raise ValueError("%s: %d frames but %d intents" % (port, len(frames), len(intents)))
            for idx, (frame, it) in enumerate(zip(frames, intents)):
                self.apply(port, idx, frame, it)

    def arp_suppress(self, vni):
        for v in self.case["vnis"]:
            if v["vni"] == vni:
                return v.get("arp_suppress", True)
        return True

    @staticmethod
    def untag(frame):
        """The frame as vtepd must carry it inside VXLAN: without its 802.1Q
        header."""
        if len(frame) >= 18 and frame[12:14] == b"\x81\x00":
            return frame[:12] + frame[16:]
        return frame

    @staticmethod
    def tag(inner, vlan):
        """inner as sent on an attachment with VLAN vlan (0: untagged)."""
        if not vlan:
            return inner
        e = Ether(inner[:14])
        return bytes(Ether(dst=e.dst, src=e.src, type=0x8100) /
                     Dot1Q(prio=0, id=0, vlan=vlan, type=e.type) / Raw(inner[14:]))

    def vxlan(self, vtep, vni, inner):
        """Expected encapsulation with the UDP source port zeroed."""
        s = self.s
        return bytes(Ether(src=self.case["up0_mac"], dst=self.case["nh_mac"]) /
                     IP(version=4, ihl=5, tos=0, id=0, flags="DF", frag=0, ttl=s["ttl"],
                        proto=17, src=s["local_ip"], dst=vtep) /
                     UDP(sport=0, dport=s["udp_port"], chksum=0) /
                     VXLAN(flags=0x08, vni=vni) / Raw(inner))

    def emit(self, port, frame, **meta):
        self.out[port].append((frame, meta))

    def apply(self, port, idx, frame, it):
        do = it["do"]
        src = "%s#%d" % (port, idx + 1)
        vc = self.vni[str(it.get("vni", it.get("decap_vni", 0)))]
        if (do in ("encap", "switch", "flood") and self.untag(frame)[12:14] == b"\x08\x06" and
                self.arp_suppress(it["vni"])):
            # ARP suppression (on by default): broadcast ARP goes through the
            # control thread (answered or handed back to be flooded), a copy
            # of unicast ARP is snooped there
            self.punted += 1
        if do == "encap":
            inner = self.untag(frame)
            self.emit(self.underlay, self.vxlan(it["vtep"], it["vni"], inner), src=src,
                      kind="vxlan", vtep=it["vtep"], vni=it["vni"], inner=inner,
                      flow=it.get("flow"))
            vc["encap_packets"] += 1
            vc["encap_bytes"] += len(inner)
        elif do == "switch":
            inner = self.untag(frame)
            p, vlan = it["to"]
            self.emit(p, self.tag(inner, vlan), src=src, kind="access", vlan=vlan, inner=inner)
            vc["local_switched"] += 1
        elif do == "flood":
            inner = self.untag(frame)
            for vtep in it["vteps"]:
                self.emit(self.underlay, self.vxlan(vtep, it["vni"], inner), src=src,
                          kind="vxlan", vtep=vtep, vni=it["vni"], inner=inner, flow=None)
            for p, vlan in it["local"]:
                self.emit(p, self.tag(inner, vlan), src=src, kind="access", vlan=vlan,
                          inner=inner)
            vc["flood_packets"] += 1
            vc["flood_copies"] += len(it["vteps"]) + len(it["local"])
            for reason, n in it.get("dropped_copies", {}).items():
                self.drops[reason] += n
            if not (it["vteps"] or it["local"] or it.get("dropped_copies")):
                self.drops["flood_no_target"] += 1  # a VNI with nowhere to send it
        elif do in ("decap", "decap_flood"):
            inner = bytes.fromhex(it["inner"])
            targets = it["to"] if do == "decap" else it["local"]
            for p, vlan in targets:
                self.emit(p, self.tag(inner, vlan), src=src, kind="access", vlan=vlan,
                          inner=inner)
            vc["decap_packets"] += 1
            vc["decap_bytes"] += len(inner)
            if do == "decap_flood":
                vc["flood_packets"] += 1
                vc["flood_copies"] += len(targets)
        elif do == "drop":
            self.drops[it["reason"]] += 1
            if it["reason"] in ("arp_not_for_us", "arp_bad"):
                self.punted += 1
            if "decap_vni" in it:
                inner = bytes.fromhex(it["inner"])
                vc["decap_packets"] += 1
                vc["decap_bytes"] += len(inner)
        elif do == "arp_reply":
            req = Ether(frame)[ARP]
            reply = bytes(Ether(dst=req.hwsrc, src=self.case["up0_mac"], type=0x0806) /
                          ARP(hwtype=1, ptype=0x0800, hwlen=6, plen=4, op=2,
                              hwsrc=self.case["up0_mac"], psrc=self.s["local_ip"],
                              hwdst=req.hwsrc, pdst=req.psrc))
            reply += b"\0" * (60 - len(reply))
            self.emit(port, reply, src=src, kind="arp", requester=req.hwsrc,
                      requester_ip=req.psrc)
            self.punted += 1
            self.arp_replies += 1
        elif do == "arp_answer":
            # ARP suppression: the reply from the binding, to the asker, out
            # of the attachment it asked on
            req = Ether(self.untag(frame))[ARP]
            reply = bytes(Ether(dst=req.hwsrc, src=it["answer"], type=0x0806) /
                          ARP(hwtype=1, ptype=0x0800, hwlen=6, plen=4, op=2,
                              hwsrc=it["answer"], psrc=it["tpa"], hwdst=req.hwsrc,
                              pdst=req.psrc))
            reply += b"\0" * (60 - len(reply))
            self.emit(port, self.tag(reply, it["vlan"]), src=src, kind="arp_answer",
                      vlan=it["vlan"], inner=reply)
            self.punted += 1
        elif do == "punt":
            self.punted += 1
        else:
            raise ValueError("unknown intent %r" % do)


def normalize(frame, port, underlay):
    """(bytes with the outer UDP source port zeroed, that port or None)."""
    if (port == underlay and len(frame) >= 42 and frame[12:14] == b"\x08\x00" and
            frame[23] == 17 and (frame[14] & 0x0f) == 5):
        return frame[:34] + b"\0\0" + frame[36:], struct.unpack("!H", frame[34:36])[0]
    return frame, None


def describe(frame):
    try:
        return Ether(frame).summary()
    except Exception:   # noqa: BLE001 - any frame must be printable
        return frame.hex()


def first_diff(a, b):
    for i, (x, y) in enumerate(zip(a, b)):
        if x != y:
            return i
    return min(len(a), len(b))


# ---- checks --------------------------------------------------------------------------
def check_frames(model, port, actual):
    """(a): exact multiset match. Returns (problems, mapping index -> meta, sports)."""
    problems, mapping, sports = [], {}, {}
    want = collections.defaultdict(list)
    for frame, meta in model.out[port]:
        want[frame].append(meta)
    unexpected = []
    for i, frame in enumerate(actual):
        norm, sport = normalize(frame, port, model.underlay)
        if want.get(norm):
            mapping[i] = want[norm].pop(0)
            if sport is not None:
                sports[i] = sport
        else:
            unexpected.append(i)
    missing = [(f, m) for f, ms in want.items() for m in ms]
    for i in unexpected:
        # the closest expected frame helps reading a failure
        near = ""
        norm = normalize(actual[i], port, model.underlay)[0]
        cands = [f for f, _ in model.out[port] if len(f) == len(actual[i])]
        if norm in [f for f, _ in model.out[port]]:
            near = " (one more copy than expected of an expected frame)"
        elif cands:
            best = max(cands, key=lambda f: first_diff(f, norm))
            near = " (closest expected frame differs from byte %d: got %s want %s)" % (
                first_diff(best, norm), norm[first_diff(best, norm):][:8].hex(),
                best[first_diff(best, norm):][:8].hex())
        problems.append("%s frame %d unexpected: %s%s" % (port, i + 1, describe(actual[i]), near))
    for f, m in missing:
        problems.append("%s: missing frame for input %s: %s" % (port, m["src"], describe(f)))
    if len(actual) != len(model.out[port]):
        problems.append("%s: %d frames out, %d expected" % (port, len(actual),
                                                             len(model.out[port])))
    return problems, mapping, sports


def check_sports(case, model, mapping_all, sports_all):
    """Outer UDP source ports: range, one per inner flow, spread over flows."""
    problems = []
    flows = collections.defaultdict(set)
    port = model.underlay
    for i, sport in sports_all.get(port, {}).items():
        meta = mapping_all[port][i]
        if not SPORT_MIN <= sport <= SPORT_MAX:
            problems.append("%s frame %d (input %s): UDP source port %d outside %d-%d" % (
                port, i + 1, meta["src"], sport, SPORT_MIN, SPORT_MAX))
        if meta.get("flow"):
            flows[(meta["flow"], meta["vni"], meta["vtep"])].add(sport)
    for key, ps in sorted(flows.items()):
        if len(ps) != 1:
            problems.append("flow %s: %d different source ports %s" % (key[0], len(ps),
                                                                    sorted(ps)))
    need = case["extra"].get("sport_spread_min")
    if need:
        f_flows = {k: next(iter(v)) for k, v in flows.items()
                   if k[0].startswith("f") and len(v) == 1}
        distinct = len(set(f_flows.values()))
        if len(f_flows) < 64:
            problems.append("only %d single-port flows to measure the spread" % len(f_flows))
        if distinct < need:
            problems.append("%d flows use only %d distinct source ports (want >= %d)" % (
                len(f_flows), distinct, need))
        # and they are not all bunched in one part of the range
        buckets = {(p - SPORT_MIN) // 1024 for p in f_flows.values()}
        if len(buckets) < 12:
            problems.append("source ports fall in only %d of 16 ranges of 1024" % len(buckets))
        print("      (%d flows -> %d distinct source ports, %d of 16 ranges)" % (
            len(f_flows), distinct, len(buckets)))
    return problems


def tshark_decode(path, udp_port):
    cmd = ["tshark", "-r", str(path), "-n", "-o", "ip.check_checksum:TRUE",
           "-d", "udp.port==%d,vxlan" % udp_port, "-T", "fields",
           "-E", "separator=/t", "-E", "occurrence=a", "-E", "aggregator=,"]
    for f in TSHARK_FIELDS:
        cmd += ["-e", f]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    if r.returncode != 0:
        raise RuntimeError("tshark failed on %s: %s" % (path, r.stderr.strip()[-500:]))
    rows = []
    for line in r.stdout.splitlines():
        vals = line.split("\t")
        vals += [""] * (len(TSHARK_FIELDS) - len(vals))
        rows.append({k: (v.split(",") if v else []) for k, v in zip(TSHARK_FIELDS, vals)})
    return rows


def inner_expect(inner):
    """What tshark must show for an inner frame: addresses, payload."""
    e = Ether(inner)
    exp = {"src": e.src, "dst": e.dst, "udp_payload": None, "arp": None}
    if UDP in e:
        exp["udp_payload"] = bytes(e[UDP].payload).hex()
        if e[UDP].payload.__class__.__name__ == "Padding":
            exp["udp_payload"] = None
    if ARP in e:
        a = e[ARP]
        exp["arp"] = (a.hwsrc, a.psrc, a.pdst)
    return exp


def check_tshark(case, model, port, path, mapping):
    """(b): tshark's own decode of every output frame of port."""
    s = case["settings"]
    problems = []
    rows = tshark_decode(path, s["udp_port"])
    expected_n = len(read_pcap(path))
    if len(rows) != expected_n:
        problems.append("%s: tshark shows %d frames, the capture holds %d" % (
            port, len(rows), expected_n))

    def want(cond, i, what, got):
        if not cond:
            problems.append("%s frame %d: %s (tshark: %s)" % (port, i + 1, what, got))

    def first(row, k):
        return row[k][0] if row[k] else ""

    def last(row, k):
        return row[k][-1] if row[k] else ""

    for i, row in enumerate(rows):
        meta = mapping.get(i)
        flen = int(first(row, "frame.len") or 0)
        kind = meta["kind"] if meta else None
        if meta is None:
            # not matched in (a): still check what holds for every frame of
            # its kind, so that tshark's verdict stands on its own
            problems.append("%s frame %d: matched no expected frame in (a)" % (port, i + 1))
            if port == model.underlay and row["vxlan.vni"]:
                kind = "vxlan"
            elif port == model.underlay and row["arp.opcode"]:
                kind = "arp"
        if kind == "vxlan":
            want(first(row, "eth.src") == case["up0_mac"], i, "outer Ethernet source",
                 row["eth.src"])
            want(first(row, "eth.dst") == case["nh_mac"], i, "outer Ethernet destination",
                 row["eth.dst"])
            want(first(row, "ip.checksum.status") == "1", i, "outer IPv4 checksum good",
                 row["ip.checksum.status"])
            want(first(row, "ip.flags.df") in ("1", "True"), i, "DF set", row["ip.flags.df"])
            want(first(row, "ip.flags.mf") in ("0", "False"), i, "MF clear",
                 row["ip.flags.mf"])
            want(first(row, "ip.frag_offset") == "0", i, "fragment offset 0",
                 row["ip.frag_offset"])
            want(first(row, "ip.ttl") == str(s["ttl"]), i, "TTL %d" % s["ttl"], row["ip.ttl"])
            want(first(row, "ip.id") == "0x0000", i, "IPv4 id 0", row["ip.id"])
            want(first(row, "ip.src") == s["local_ip"], i, "outer source = local_ip",
                 row["ip.src"])
            sp = int(first(row, "udp.srcport") or 0)
            want(SPORT_MIN <= sp <= SPORT_MAX, i, "UDP source port in range",
                 row["udp.srcport"])
            want(first(row, "udp.dstport") == str(s["udp_port"]), i,
                 "UDP destination port %d" % s["udp_port"], row["udp.dstport"])
            want(first(row, "udp.checksum") == "0x0000", i, "UDP checksum 0",
                 row["udp.checksum"])
            want(first(row, "udp.length") == str(flen - 34), i, "UDP length = frame - 34",
                 row["udp.length"])
            want(row["vxlan.flags"] == ["0x0800"], i, "VXLAN flags: I only", row["vxlan.flags"])
            want(row["vlan.id"] == [], i, "no 802.1Q tag inside VXLAN", row["vlan.id"])
            if meta:
                inner = meta["inner"]
                ie = inner_expect(inner)
                want(first(row, "ip.dst") == meta["vtep"], i,
                     "outer destination %s" % meta["vtep"], row["ip.dst"])
                want(row["vxlan.vni"] == [str(meta["vni"])], i, "VNI %d" % meta["vni"],
                     row["vxlan.vni"])
                want(flen == len(inner) + 50, i, "frame length = inner + 50", flen)
                want(len(row["eth.src"]) >= 2 and row["eth.src"][1] == ie["src"], i,
                     "inner Ethernet source %s" % ie["src"], row["eth.src"])
                want(len(row["eth.dst"]) >= 2 and row["eth.dst"][1] == ie["dst"], i,
                     "inner Ethernet destination %s" % ie["dst"], row["eth.dst"])
                vx = bytes(VXLAN(flags=0x08, vni=meta["vni"]))
                want(first(row, "udp.payload") == (vx + inner).hex(), i,
                     "outer UDP payload = VXLAN header + the inner frame, byte for byte",
                     first(row, "udp.payload")[:64] + "...")
                if ie["udp_payload"] is not None:
                    want(last(row, "udp.payload") == ie["udp_payload"], i,
                         "inner UDP payload", last(row, "udp.payload")[:64])
                if ie["arp"]:
                    want((first(row, "arp.src.hw_mac"), first(row, "arp.src.proto_ipv4"),
                          first(row, "arp.dst.proto_ipv4")) == ie["arp"], i, "inner ARP", row)
        elif kind == "access":
            inner = meta["inner"]
            ie = inner_expect(inner)
            want(row["eth.src"][:1] == [ie["src"]], i, "Ethernet source %s" % ie["src"],
                 row["eth.src"])
            want(row["eth.dst"][:1] == [ie["dst"]], i, "Ethernet destination %s" % ie["dst"],
                 row["eth.dst"])
            want(row["vxlan.vni"] == [], i, "no VXLAN on an access port", row["vxlan.vni"])
            if meta["vlan"]:
                want(row["vlan.id"] == [str(meta["vlan"])], i, "802.1Q VLAN %d" % meta["vlan"],
                     row["vlan.id"])
                want(flen == len(inner) + 4, i, "length = inner + 4 (tag)", flen)
            else:
                want(row["vlan.id"] == [], i, "untagged", row["vlan.id"])
                want(flen == len(inner), i, "length = inner", flen)
            if ie["udp_payload"] is not None:
                want(last(row, "udp.payload") == ie["udp_payload"], i, "UDP payload",
                     last(row, "udp.payload")[:64])
            if ie["arp"]:
                want((first(row, "arp.src.hw_mac"), first(row, "arp.src.proto_ipv4"),
                      first(row, "arp.dst.proto_ipv4")) == ie["arp"], i, "ARP", row)
        elif kind == "arp":
            want(flen == 60, i, "ARP reply padded to 60 bytes", flen)
            want(row["eth.src"] == [case["up0_mac"]], i, "Ethernet source = port MAC",
                 row["eth.src"])
            want(row["arp.opcode"] == ["2"], i, "ARP op 2 (reply)", row["arp.opcode"])
            want(row["arp.src.hw_mac"] == [case["up0_mac"]], i, "sender MAC = port MAC",
                 row["arp.src.hw_mac"])
            want(row["arp.src.proto_ipv4"] == [s["local_ip"]], i, "sender IP = local_ip",
                 row["arp.src.proto_ipv4"])
            if meta:
                want(row["eth.dst"] == [meta["requester"]], i,
                     "Ethernet destination = requester", row["eth.dst"])
                want(row["arp.dst.hw_mac"] == [meta["requester"]], i,
                     "target MAC = requester", row["arp.dst.hw_mac"])
                want(row["arp.dst.proto_ipv4"] == [meta["requester_ip"]], i,
                     "target IP = requester", row["arp.dst.proto_ipv4"])
    return problems


def check_counters(case, model, stats, inputs):
    """(c): drops exactly, per-VNI and per-port counters, events, MACs."""
    problems = []
    drops = stats.get("drops", {})
    for reason in sorted(set(drops) | set(model.drops)):
        got, exp = drops.get(reason), model.drops.get(reason, 0)
        if got != exp:
            problems.append("drops.%s = %s, expected %d" % (reason, got, exp))
    vnis = stats.get("vnis", {})
    keys = ["encap_packets", "encap_bytes", "decap_packets", "decap_bytes", "flood_packets",
            "flood_copies", "local_switched"]
    for v in case["vnis"]:
        name = str(v["vni"])
        got = vnis.get(name)
        if got is None:
            problems.append("vnis.%s missing" % name)
            continue
        for k in keys:
            if got.get(k) != model.vni[name].get(k, 0):
                problems.append("vnis.%s.%s = %s, expected %d" % (name, k, got.get(k),
                                                                  model.vni[name].get(k, 0)))
        for k, exp in case["extra"].get("vnis", {}).get(name, {}).items():
            if got.get(k) != exp:
                problems.append("vnis.%s.%s = %s, expected %d" % (name, k, got.get(k), exp))
    ports = stats.get("ports", {})
    for p in model.roles:
        got = ports.get(p, {})
        exp = {"rx_packets": len(inputs[p]), "rx_bytes": sum(len(f) for f in inputs[p]),
               "tx_packets": len(model.out[p]),
               "tx_bytes": sum(len(f) for f, _ in model.out[p]), "tx_dropped": 0}
        for k, e in exp.items():
            if got.get(k) != e:
                problems.append("ports.%s.%s = %s, expected %d" % (p, k, got.get(k), e))
    ev = stats.get("events", {})
    exp_ev = {"punted": model.punted, "arp_replies": model.arp_replies, "learn_ring_full": 0,
              "ctrl_tx_full": 0}
    exp_ev.update(case["extra"].get("events", {}))
    for k, e in exp_ev.items():
        if ev.get(k) != e:
            problems.append("events.%s = %s, expected %d" % (k, ev.get(k), e))
    for k, e in case["extra"].get("arp_suppress", {}).items():
        got = stats.get("arp_suppress", {}).get(k)
        if got != e:
            problems.append("arp_suppress.%s = %s, expected %d" % (k, got, e))
    if "macs" in case["extra"]:
        def key(m):
            return tuple(sorted(m.items()))
        got = collections.Counter(key(m) for m in stats.get("macs", []))
        exp = collections.Counter(key(m) for m in case["extra"]["macs"])
        for m in sorted(exp - got):
            problems.append("macs: missing %s" % dict(m))
        for m in sorted(got - exp):
            problems.append("macs: unexpected %s" % dict(m))
    return problems


def check_mempool(stats):
    mp = stats.get("mempool")
    if not mp:
        return ["no mempool in the stats JSON"]
    probs = []
    if mp.get("in_use") != 0:
        probs.append("mempool.in_use = %s after the run (mbuf leak)" % mp.get("in_use"))
    if mp.get("size", 0) <= 0 or mp.get("available") != mp.get("size"):
        probs.append("mempool %s" % mp)
    return probs


# ---- running a case --------------------------------------------------------------------
def run_case(vtepd, cdir, name, tag, res):
    case = json.loads((cdir / "case.json").read_text())
    inputs = {p["name"]: read_pcap(cdir / ("in-%s.pcap" % p["name"])) for p in case["ports"]}
    stats_path = cdir / "stats.json"
    log_path = cdir / "vtepd.log"
    cmd = [str(vtepd), "-c", str(cdir / "config.yaml"), "--exit-on-idle", IDLE_MS,
           "--stats-json", str(stats_path)]
    rc, dt = run_to_exit(cmd, log_path, cwd=cdir, timeout=60,
                         prefix="vtepd-replay-%s-%s" % (name, tag))
    probs = []
    stats = None
    if rc != 0:
        probs.append("vtepd exit status %s; log %s:" % (rc, log_path))
        probs += ["  " + l for l in log_path.read_text().splitlines()[-15:]]
    try:
        stats = json.loads(stats_path.read_text())
    except (OSError, ValueError) as e:
        probs.append("stats JSON: %s" % e)
    res.record("%s: vtepd ran (%.2f s)" % (name, dt), probs)
    if stats is None:
        return

    model = Model(case, inputs)
    mapping_all, sports_all = {}, {}
    for p in model.roles:
        path = cdir / ("out-%s.pcap" % p)
        try:
            actual = read_pcap(path)
        except (OSError, ValueError) as e:
            res.record("%s: %s output frames" % (name, p), [str(e)])
            continue
        probs, mapping, sports = check_frames(model, p, actual)
        mapping_all[p], sports_all[p] = mapping, sports
        res.record("%s: %s output frames (%d) exact" % (name, p, len(actual)), probs)
        if actual:
            try:
                probs = check_tshark(case, model, p, path, mapping)
            except (RuntimeError, subprocess.TimeoutExpired) as e:
                probs = [str(e)]
            res.record("%s: %s output decoded by tshark" % (name, p), probs)
    if sports_all.get(model.underlay):
        res.record("%s: outer UDP source ports" % name,
                   check_sports(case, model, mapping_all, sports_all))
    res.record("%s: stats counters" % name, check_counters(case, model, stats, inputs))
    res.record("%s: mempool in_use == 0" % name, check_mempool(stats))


def main(argv):
    args = list(argv)
    vtepd = None
    if args and not args[0].startswith("-") and ("/" in args[0] or os.path.isfile(args[0])):
        vtepd = Path(args.pop(0))
    vtepd = Path(vtepd or os.environ.get("VTEPD") or REPO / "build" / "vtepd").resolve()
    only = args
    res = Checks()
    t0 = time.monotonic()
    for tool in ("tshark",):
        if not shutil.which(tool):
            res.record("%s found" % tool, ["not found (bash scripts/install-deps)"])
            return res.summary()
    if not vtepd.is_file():
        res.record("vtepd binary %s" % vtepd, ["not found (build it: ninja -C build)"])
        return res.summary()
    tmp = Path(tempfile.mkdtemp(prefix="vtepd-replay-"))
    tag = str(os.getpid())
    cmd = [sys.executable, str(GEN), str(tmp), "--tag", tag]
    for c in only:
        cmd += ["--case", c]
    g = subprocess.run(cmd, capture_output=True, text=True)
    res.record("fixtures generated (%s)" % GEN.name,
               [] if g.returncode == 0 else (g.stdout + g.stderr).splitlines()[-20:])
    if g.returncode == 0:
        names = json.loads((tmp / "cases.json").read_text())
        if only and set(only) - set(names):
            res.record("cases selected", ["unknown case(s): %s" % sorted(set(only) - set(names))])
        for name in names:
            try:
                run_case(vtepd, tmp / name, name, tag, res)
            except Exception as e:  # noqa: BLE001 - report, go on with the next case
                res.record("%s: harness error" % name,
                           ["%s: %s" % (type(e).__name__, e)] +
                           traceback.format_exc().splitlines()[-6:])
    dt = time.monotonic() - t0
    if res.failed or os.environ.get("KEEP_FIXTURES"):
        print("fixtures, outputs and logs kept in %s" % tmp)
    else:
        shutil.rmtree(tmp, ignore_errors=True)
    print("replay suite: %.1f s" % dt)
    return res.summary()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
