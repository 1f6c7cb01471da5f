#!/usr/bin/python3
"""Traffic ends of the two-worker lab (test_workers.sh), on raw AF_PACKET
sockets inside the lab's namespaces (root):

  send-access IF     UDP flows from hosts behind vtepd's access port to a
                     remote MAC (encapsulated by vtepd)
  garp IF            one broadcast ARP from each host MAC (learning warm-up)
  send-underlay IF   VXLAN flows from the peer VTEP to the hosts (decapsulated
                     by vtepd), one outer UDP source port per flow
  recv IF OUT        until SIGTERM: every frame carrying a test payload, plain
                     or VXLAN; per flow the sequence numbers in arrival order,
                     outer UDP source ports and outer DSCPs -> JSON
  arp IF OUT         ARP requests for the VTEP address, one per sender
                     address, and the replies -> JSON
  bfd-peer IF OUT    until SIGTERM: single-hop BFD peers (RFC 5880/5881), one
                     per local address, each on its own UDP source port -> JSON
  check ...          the lab's checks over the JSON files: PASS/FAIL lines

Payload of a test frame: b"VTWK", flow id (u32), sequence number (u32).
Flow f of the access side comes from host MAC f % macs; flow ids of the
underlay side start at 1000."""
import argparse
import json
import os
import select
import signal
import socket
import struct
import sys
import time

MAGIC = b"VTWK"
ETH_P_ALL = 0x0003
UNDERLAY_FLOW0 = 1000


def mac_b(s):
    return bytes(int(x, 16) for x in s.split(":"))


def mac_s(b):
    return ":".join("%02x" % x for x in b)


def ip_b(s):
    return socket.inet_aton(s)


def host_mac(i):
    return bytes([0x02, 0, 0, 1, (i >> 8) & 0xff, i & 0xff])


def host_ip(i):
    return ip_b("203.0.113.%d" % (10 + i % 200))


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return (~s) & 0xffff


def ipv4(src, dst, proto, payload, tos=0, ttl=64):
    h = struct.pack("!BBHHHBBH4s4s", 0x45, tos, 20 + len(payload), 0, 0x4000, ttl, proto, 0,
                    src, dst)
    return h[:10] + struct.pack("!H", csum(h)) + h[12:] + payload


def udp(sport, dport, payload):
    return struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload


def eth(dst, src, etype, payload):
    return dst + src + struct.pack("!H", etype) + payload


def payload(flow, seq):
    return MAGIC + struct.pack("!II", flow, seq) + b"\0" * 6


def raw_socket(ifname, rcvbuf=0):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    if rcvbuf:
        s.setsockopt(socket.SOL_SOCKET, 33, rcvbuf)    # SO_RCVBUFFORCE
    s.bind((ifname, 0))
    return s


def received(s, timeout_s, size=2048):
    """The frames the non-blocking socket s received (not those it sent),
    after waiting at most timeout_s for the first."""
    r, _, _ = select.select([s], [], [], timeout_s)
    while r:
        try:
            f, addr = s.recvfrom(size)
        except BlockingIOError:
            return
        if addr[2] != socket.PACKET_OUTGOING:
            yield f


def pace(i, every, pause_s):
    if every and i % every == every - 1:
        time.sleep(pause_s)


# ---- senders -----------------------------------------------------------

def access_frame(a, flow, seq):
    hm = flow % a.macs
    inner = udp(20000 + flow, 5001, payload(flow, seq))
    return eth(mac_b(a.dst_mac), host_mac(hm), 0x0800,
               ipv4(host_ip(hm), ip_b("203.0.113.250"), 17, inner))


def underlay_frame(a, flow, seq):
    hm = flow % a.macs
    fid = UNDERLAY_FLOW0 + flow
    inner = eth(host_mac(hm), mac_b(a.remote_mac), 0x0800,
                ipv4(ip_b("203.0.113.250"), host_ip(hm), 17, udp(5001, 30000 + flow,
                                                                   payload(fid, seq))))
    vx = struct.pack("!II", 0x08000000, a.vni << 8) + inner
    return eth(mac_b(a.dst_mac), mac_b(a.src_mac), 0x0800,
               ipv4(ip_b(a.src_ip), ip_b(a.dst_ip), 17, udp(49152 + flow, 4789, vx)))


def cmd_garp(a):
    """one broadcast ARP from each host MAC: vtepd learns them (and floods)"""
    s = raw_socket(a.iface)
    for i in range(a.macs):
        m, ip = host_mac(i), host_ip(i)
        arp = struct.pack("!HHBBH6s4s6s4s", 1, 0x0800, 6, 4, 1, m, ip, b"\0" * 6, ip)
        s.send(eth(b"\xff" * 6, m, 0x0806, arp + b"\0" * 18))


def cmd_send(a, build):
    s = raw_socket(a.iface)
    n = 0
    t0 = time.monotonic()
    seqs = range(a.first_seq, a.first_seq + a.packets)
    for seq in seqs:
        for f in range(a.flows):
            s.send(build(a, f, seq))
            n += 1
            pace(n, a.pace_every, a.pace_ms / 1000.0)
    print(json.dumps({"sent": n, "seconds": round(time.monotonic() - t0, 3)}))


# ---- receiver ----------------------------------------------------------

STOP = False


def on_term(signum, frame):
    global STOP
    STOP = True


def parse_test_frame(f):
    """(flow, seq, outer sport or None, outer tos or None) of a frame with
    a test payload, plain UDP or VXLAN; None otherwise."""
    if len(f) < 14 + 20 + 8 + 12 or f[12:14] != b"\x08\x00":
        return None
    ihl = (f[14] & 0x0f) * 4
    tos = f[15]
    if f[23] != 17:
        return None
    u = 14 + ihl
    sport, dport = struct.unpack_from("!HH", f, u)
    p = u + 8
    outer_sport = outer_tos = None
    if dport == 4789:
        outer_sport, outer_tos = sport, tos
        i = p + 8       # VXLAN header, then the inner frame
        if len(f) < i + 14 + 20 + 8 + 12 or f[i + 12:i + 14] != b"\x08\x00":
            return None
        iihl = (f[i + 14] & 0x0f) * 4
        p = i + 14 + iihl + 8
    if f[p:p + 4] != MAGIC:
        return None
    flow, seq = struct.unpack_from("!II", f, p + 4)
    return flow, seq, outer_sport, outer_tos


def cmd_recv(a):
    signal.signal(signal.SIGTERM, on_term)
    s = raw_socket(a.iface, rcvbuf=64 << 20)
    s.setblocking(False)
    flows = {}
    other = 0
    open(a.out + ".ready", "w").close()
    while not STOP:
        for f in received(s, 0.2, 4096):
            t = parse_test_frame(f)
            if t is None:
                other += 1
                continue
            fl = flows.setdefault(str(t[0]), {"seq": [], "sport": [], "tos": []})
            fl["seq"].append(t[1])
            if t[2] is not None:
                if t[2] not in fl["sport"]:
                    fl["sport"].append(t[2])
                fl["tos"].append(t[3])
    with open(a.out, "w") as o:
        json.dump({"flows": flows, "other": other}, o)


# ---- ARP ---------------------------------------------------------------

def cmd_arp(a):
    s = raw_socket(a.iface, rcvbuf=4 << 20)
    s.setblocking(False)
    my = mac_b(a.src_mac)
    answered = set()
    sent = 0
    for k in range(a.count):
        spa = ip_b("%s.%d" % (a.src_net, a.src_host0 + k))
        arp = struct.pack("!HHBBH6s4s6s4s", 1, 0x0800, 6, 4, 1, my, spa, b"\0" * 6,
                          ip_b(a.target))
        s.send(eth(b"\xff" * 6, my, 0x0806, arp + b"\0" * 18))
        sent += 1
        time.sleep(a.gap_ms / 1000.0)
    end = time.monotonic() + a.wait_s
    while time.monotonic() < end and len(answered) < a.count:
        for f in received(s, 0.1):
            if len(f) < 42 or f[12:14] != b"\x08\x06":
                continue
            op, sha, spa, tha, tpa = struct.unpack_from("!6x H 6s4s6s4s", f, 14)
            if op == 2 and spa == ip_b(a.target) and tha == my and f[0:6] == my:
                answered.add(socket.inet_ntoa(tpa))
                reply_mac = mac_s(sha)
    out = {"sent": sent, "answered": len(answered)}
    if answered:
        out["reply_mac"] = reply_mac
    with open(a.out, "w") as o:
        json.dump(out, o)
    print(json.dumps(out))


# ---- BFD peer ----------------------------------------------------------

DOWN, INIT, UP = 1, 2, 3
STATE_NAME = {0: "AdminDown", 1: "Down", 2: "Init", 3: "Up"}


def bfd_ctrl(state, final, mult, my, your, interval_us):
    b1 = (state << 6) | (0x10 if final else 0)
    return struct.pack("!BBBBIIIII", 0x20, b1, mult, 24, my, your, interval_us, interval_us, 0)


def cmd_bfd_peer(a):
    signal.signal(signal.SIGTERM, on_term)
    s = raw_socket(a.iface, rcvbuf=4 << 20)
    s.setblocking(False)
    my_mac, vtep_mac = mac_b(a.src_mac), mac_b(a.dst_mac)
    sess = {}
    for k in range(a.sessions):
        ip = "%s.%d" % (a.src_net, a.src_host0 + k)
        sess[ip_b(ip)] = {"ip": ip, "sport": 49152 + k, "my": 0x1000 + k, "your": 0,
                          "state": DOWN, "rx": 0, "tx": 0, "up": 0, "final": False, "next": 0.0}
    iv = a.interval_ms / 1000.0

    def send(x):
        ctl = bfd_ctrl(x["state"], x["final"], a.mult, x["my"], x["your"],
                       a.interval_ms * 1000)
        x["final"] = False
        s.send(eth(vtep_mac, my_mac, 0x0800,
                   ipv4(ip_b(x["ip"]), ip_b(a.vtep_ip), 17, udp(x["sport"], 3784, ctl),
                        ttl=255)))
        x["tx"] += 1

    open(a.out + ".ready", "w").close()
    while not STOP:
        now = time.monotonic()
        for x in sess.values():
            if now >= x["next"]:
                send(x)
                x["next"] = now + iv
        for f in received(s, 0.02):
            if len(f) < 14 + 20 + 8 + 24:
                continue
            if f[12:14] != b"\x08\x00" or f[23] != 17:
                continue
            u = 14 + (f[14] & 0x0f) * 4
            if struct.unpack_from("!H", f, u + 2)[0] != 3784:
                continue
            x = sess.get(f[30:34])
            if x is None:
                continue
            b = f[u + 8:]
            rstate, poll = b[1] >> 6, bool(b[1] & 0x20)
            rmy, ryour = struct.unpack_from("!II", b, 4)
            if ryour not in (0, x["my"]):
                continue
            x["rx"] += 1
            x["your"] = rmy
            st = x["state"]
            if rstate == 0:
                st = DOWN
            elif st == DOWN and rstate == DOWN:
                st = INIT
            elif st in (DOWN, INIT) and rstate in (INIT, UP):
                st = UP
            elif st == UP and rstate == DOWN:
                st = DOWN
            if st == UP and x["state"] != UP:
                x["up"] += 1
            changed = st != x["state"]
            x["state"] = st
            if poll:
                x["final"] = True
            if poll or changed:
                send(x)
    with open(a.out, "w") as o:
        json.dump({x["ip"]: {"state": STATE_NAME[x["state"]], "rx": x["rx"], "tx": x["tx"],
                             "up_transitions": x["up"], "sport": x["sport"]}
                   for x in sess.values()}, o)


# ---- checks ------------------------------------------------------------

class Checks:
    def __init__(self):
        self.passed = self.failed = 0

    def __call__(self, ok, what):
        print("%s: %s" % ("PASS" if ok else "FAIL", what))
        if ok:
            self.passed += 1
        else:
            self.failed += 1


def load(path):
    with open(path) as f:
        return json.load(f)


def order_report(rx, flow_ids, packets):
    """received, lost, reordered (a sequence number below one already seen)
    and duplicated packets over the given flows"""
    got = lost = reordered = dup = 0
    for fid in flow_ids:
        seq = rx["flows"].get(str(fid), {"seq": []})["seq"]
        got += len(seq)
        seen, high = set(), -1
        for q in seq:
            if q in seen:
                dup += 1
            elif q < high:
                reordered += 1
            seen.add(q)
            high = max(high, q)
        lost += packets - len(seen)
    return got, lost, reordered, dup


def cmd_check(a):
    c = Checks()
    st = load(a.stats)
    cls = load(a.classifier)
    macs = load(a.macs_json)
    enc, dec = load(a.rx_underlay), load(a.rx_access)
    bfd_vtepd, bfd_peer = load(a.bfd), load(a.bfd_peer)
    arps = [load(p) for p in a.arp]
    ws = st["workers"]
    n = a.flows * a.packets
    c(len(ws) == 2, "vtepd runs %d workers" % len(ws))

    # both workers forwarded, on both paths
    for i, w in enumerate(ws):
        ac, ul = w["ports"][a.access_port], w["ports"][a.underlay_port]
        c(ac["rx_packets"] > 0 and ul["tx_packets"] > 0,
          "worker %d encapsulated: %d frames in on %s, %d out on %s"
          % (i, ac["rx_packets"], a.access_port, ul["tx_packets"], a.underlay_port))
        c(ul["rx_packets"] > 0 and ac["tx_packets"] > 0,
          "worker %d decapsulated: %d frames in on %s, %d out on %s"
          % (i, ul["rx_packets"], a.underlay_port, ac["tx_packets"], a.access_port))
    share = [w["ports"][a.access_port]["rx_packets"] for w in ws]
    c(min(share) >= 0.1 * sum(share),
      "access RX shared by the fanout hash: %s (each >= 10 %%)" % share)

    # per-flow order at the receivers
    got, lost, reord, dup = order_report(enc, range(a.flows), a.packets)
    c(reord == 0 and dup == 0,
      "encap: %d flows x %d packets: %d received at the peer VTEP, %d reordered, %d duplicated"
      % (a.flows, a.packets, got, reord, dup))
    c(lost <= a.max_loss * n, "encap: %d lost (at most %.1f %%)" % (lost, 100 * a.max_loss))
    got, lost, reord, dup = order_report(dec, range(UNDERLAY_FLOW0, UNDERLAY_FLOW0 + a.flows),
                                         a.packets)
    c(reord == 0 and dup == 0,
      "decap: %d flows x %d packets: %d received at the hosts, %d reordered, %d duplicated"
      % (a.flows, a.packets, got, reord, dup))
    c(lost <= a.max_loss * n, "decap: %d lost (at most %.1f %%)" % (lost, 100 * a.max_loss))
    sports = [len(enc["flows"].get(str(f), {"sport": []})["sport"]) for f in range(a.flows)]
    c(all(x == 1 for x in sports),
      "encap: each flow kept one outer UDP source port (%d of %d flows)"
      % (sum(1 for x in sports if x == 1), a.flows))

    # learning from every worker
    learned = [w["learn_events"] for w in ws]
    c(all(x > 0 for x in learned), "learn events sent by each worker: %s" % learned)
    local = {e["mac"].lower() for e in macs.get("macs", []) if e.get("port") == a.access_port}
    want = {mac_s(host_mac(i)) for i in range(a.macs)}
    c(want <= local, "MAC table: %d of %d host MACs learned on %s"
      % (len(want & local), len(want), a.access_port))

    # the classifier: one table per worker, each flow counted in one table
    cw = cls["workers"]
    ins = [w["inserts"] for w in cw]
    c(all(x > 0 for x in ins), "classifier flows per worker: %s" % ins)
    c(sum(ins) == a.flows,
      "classifier: %d flows inserted over the workers' tables for %d flows (none split)"
      % (sum(ins), a.flows))
    sp = sum(w["short_packets"] for w in cw)
    lp = sum(w["long_packets"] for w in cw)
    want_short = a.flows * min(a.packets, a.threshold)
    c(sp == want_short and lp == n - want_short,
      "classifier: short %d (want %d), long %d (want %d); per worker short %s long %s"
      % (sp, want_short, lp, n - want_short, [w["short_packets"] for w in cw],
         [w["long_packets"] for w in cw]))
    bad = 0
    for f in range(a.flows):
        fl = enc["flows"].get(str(f))
        if not fl:
            continue
        for q, tos in zip(fl["seq"], fl["tos"]):
            want_dscp = a.short_dscp if q < a.threshold else a.long_dscp
            bad += (tos >> 2) != want_dscp
    c(bad == 0, "encap: outer DSCP %d for packets 1-%d of each flow, %d after (%d wrong)"
      % (a.short_dscp, a.threshold, a.long_dscp, bad))

    # ARP for the VTEP address and BFD, punted by either worker
    arp_w = [w["punted"] - w["punted_bfd"] for w in ws]
    bfd_w = [w["punted_bfd"] for w in ws]
    arp_sent = sum(r["sent"] for r in arps)
    c(all(x > 0 for x in arp_w) and sum(arp_w) == arp_sent,
      "ARP punted by each worker: %s, %d in all for %d requests" % (arp_w, sum(arp_w), arp_sent))
    for p, r in zip(a.arp, arps):
        c(r["sent"] > 0 and r["answered"] == r["sent"],
          "ARP for the VTEP address through %s: %d of %d answered"
          % (os.path.basename(p).split(".")[0], r["answered"], r["sent"]))
    c(all(x > 0 for x in bfd_w), "BFD punted by each worker: %s" % bfd_w)
    sess = bfd_vtepd.get("sessions", [])
    up = [x for x in sess if x.get("state") == "Up"]
    c(len(sess) == a.bfd_sessions and len(up) == len(sess),
      "BFD: %d of %d sessions Up in vtepd, %d packets received from the peers"
      % (len(up), a.bfd_sessions, sum(x.get("rx", 0) for x in sess)))
    pup = [k for k, v in bfd_peer.items() if v["up_transitions"] > 0]
    c(len(pup) == a.bfd_sessions, "BFD: %d of %d peer sessions reached Up"
      % (len(pup), a.bfd_sessions))
    ctl = [w["ctrl_tx"] for w in ws]
    c(all(x > 0 for x in ctl), "control TX (ARP replies, BFD) sent by each worker: %s" % ctl)
    print("%d passed, %d failed" % (c.passed, c.failed))
    return 1 if c.failed else 0


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    for name in ("send-access", "send-underlay"):
        p = sub.add_parser(name)
        p.add_argument("iface")
        p.add_argument("--flows", type=int, default=64)
        p.add_argument("--packets", type=int, default=50)
        p.add_argument("--first-seq", type=int, default=0)
        p.add_argument("--macs", type=int, default=32)
        p.add_argument("--dst-mac", required=True)
        p.add_argument("--src-mac", default="02:00:00:00:00:02")
        p.add_argument("--remote-mac", default="02:00:00:00:bb:01")
        p.add_argument("--src-ip", default="198.51.100.2")
        p.add_argument("--dst-ip", default="192.0.2.1")
        p.add_argument("--vni", type=int, default=100)
        p.add_argument("--pace-every", type=int, default=0)
        p.add_argument("--pace-ms", type=float, default=1.0)
    p = sub.add_parser("garp")
    p.add_argument("iface")
    p.add_argument("--macs", type=int, default=32)
    p = sub.add_parser("recv")
    p.add_argument("iface")
    p.add_argument("out")
    p = sub.add_parser("arp")
    p.add_argument("iface")
    p.add_argument("out")
    p.add_argument("--count", type=int, default=20)
    p.add_argument("--target", default="192.0.2.1")
    p.add_argument("--src-mac", required=True)
    p.add_argument("--src-net", default="192.0.2")
    p.add_argument("--src-host0", type=int, default=100)
    p.add_argument("--gap-ms", type=float, default=20)
    p.add_argument("--wait-s", type=float, default=5)
    p = sub.add_parser("bfd-peer")
    p.add_argument("iface")
    p.add_argument("out")
    p.add_argument("--sessions", type=int, required=True)
    p.add_argument("--src-net", default="192.0.2")
    p.add_argument("--src-host0", type=int, default=10)
    p.add_argument("--src-mac", required=True)
    p.add_argument("--dst-mac", required=True)
    p.add_argument("--vtep-ip", default="192.0.2.1")
    p.add_argument("--interval-ms", type=int, default=300)
    p.add_argument("--mult", type=int, default=10)
    p = sub.add_parser("check")
    for k in ("stats", "classifier", "macs-json", "bfd", "bfd-peer", "rx-underlay", "rx-access"):
        p.add_argument("--" + k, required=True)
    p.add_argument("--arp", action="append", required=True)
    p.add_argument("--flows", type=int, required=True)
    p.add_argument("--packets", type=int, required=True)
    p.add_argument("--macs", type=int, required=True)
    p.add_argument("--threshold", type=int, required=True)
    p.add_argument("--short-dscp", type=int, required=True)
    p.add_argument("--long-dscp", type=int, required=True)
    p.add_argument("--bfd-sessions", type=int, required=True)
    p.add_argument("--access-port", default="ac0")
    p.add_argument("--underlay-port", default="ul0")
    p.add_argument("--max-loss", type=float, default=0.0)
    a = ap.parse_args()
    if a.cmd == "send-access":
        cmd_send(a, access_frame)
    elif a.cmd == "send-underlay":
        cmd_send(a, underlay_frame)
    elif a.cmd == "garp":
        cmd_garp(a)
    elif a.cmd == "recv":
        cmd_recv(a)
    elif a.cmd == "arp":
        cmd_arp(a)
    elif a.cmd == "bfd-peer":
        cmd_bfd_peer(a)
    else:
        return cmd_check(a)
    return 0


if __name__ == "__main__":
    sys.exit(main())
