#!/usr/bin/python3
"""Capture for the twin-equality test of the short/long flow classifier.

    gen_twin_pcap.py OUT.pcap THRESHOLD IDLE_S [SEED]

Interleaved TCP flows of 1, THRESHOLD, THRESHOLD+1 and 1,000 packets (the
first segment of each is a SYN), plus:
  - UDP flows, ICMP, ARP and LLDP frames, IPv4 fragments (noise that is not
    classified unless UDP is enabled);
  - IPv6 TCP flows and an IPv6 fragment, an 802.1Q-tagged TCP flow;
  - a long flow with a FIN and a RST in the middle (they do not end it),
    then a SYN on the same 5-tuple (a new connection: it restarts);
  - two flows that pause: one for exactly IDLE_S (its next packet starts a
    new flow), one for IDLE_S minus 1 ns (it goes on).
Packets come in bursts that share a timestamp (1-32 frames), bursts 10-500 us
apart; ECN bits vary, so a DSCP rewrite that loses them shows. Nanosecond
timestamps (pcap magic a1b23c4d).
"""
import random
import sys
from decimal import Decimal

from scapy.all import (ARP, ICMP, IP, TCP, UDP, Dot1Q, Ether, IPv6,
                       IPv6ExtHdrFragment, PcapWriter, Raw)

out = sys.argv[1]
T = int(sys.argv[2])
IDLE_NS = int(sys.argv[3]) * 10**9
rng = random.Random(int(sys.argv[4]) if len(sys.argv) > 4 else 9)

CMAC, RMAC = "02:00:00:00:aa:01", "02:00:00:00:aa:02"
CLIENT, SERVER = "192.0.2.10", "198.51.100.20"


def eth():
    return Ether(src=CMAC, dst=RMAC)


def tcp_flow(n, sport, src=CLIENT, dst=SERVER, v6=False, vlan=None, extra=None):
    """n segments of one connection: SYN first, then data; extra maps a
    segment number (1-based) to TCP flags to use there."""
    pkts = []
    for k in range(1, n + 1):
        flags = "S" if k == 1 else "PA"
        if extra and k in extra:
            flags = extra[k]
        l2 = eth()
        if vlan:
            l2 = l2 / Dot1Q(vlan=vlan)
        tos = rng.choice([0, 1, 2, 3, 0x28, 0xb8])
        if v6:
            l3 = IPv6(src=src, dst=dst, tc=tos)
        else:
            l3 = IP(src=src, dst=dst, tos=tos)
        pay = b"" if flags == "S" else bytes(rng.randrange(0, 200))
        pkts.append(l2 / l3 / TCP(sport=sport, dport=443, flags=flags, seq=k) / Raw(pay))
    return pkts


flows = []
sport = 20000
for size, count in ((1, 4), (T, 4), (T + 1, 4), (1000, 2)):
    for _ in range(count):
        flows.append(tcp_flow(size, sport))
        sport += 1
# the same 5-tuple in reverse (a different flow)
flows.append(tcp_flow(T + 3, 443, src=SERVER, dst=CLIENT))
# IPv6 and 802.1Q
flows.append(tcp_flow(T + 3, 30001, src="2001:db8::10", dst="2001:db8:1::20", v6=True))
flows.append(tcp_flow(T, 30002, src="2001:db8::10", dst="2001:db8:1::20", v6=True))
flows.append(tcp_flow(T + 2, 30003, vlan=7))
# FIN and RST inside a long flow, then a SYN restarts the same 5-tuple
fr = tcp_flow(T + 10, 30004, extra={T + 3: "FA", T + 5: "R"})
fr += tcp_flow(T + 2, 30004)
flows.append(fr)
# UDP flows, ICMP, ARP, LLDP
for u in range(3):
    flows.append([eth() / IP(src=CLIENT, dst=SERVER, tos=rng.choice([0, 2])) /
                  UDP(sport=40000 + u, dport=53) / Raw(bytes(40)) for _ in range(T + 4)])
flows.append([eth() / IP(src=CLIENT, dst=SERVER) / ICMP(seq=i) for i in range(10)])
flows.append([Ether(src=CMAC, dst="ff:ff:ff:ff:ff:ff") / ARP(psrc=CLIENT, pdst=SERVER)
              for _ in range(15)])
flows.append([Ether(src=CMAC, dst="01:80:c2:00:00:0e", type=0x88cc) / Raw(bytes(46))
              for _ in range(5)])
# IPv4 fragments of a TCP segment and of a UDP datagram; an IPv6 fragment
big = IP(src=CLIENT, dst=SERVER, id=77) / TCP(sport=30005, dport=443, flags="PA") / Raw(bytes(3000))
flows.append([eth() / f for f in big.fragment(1000)])
bigu = IP(src=CLIENT, dst=SERVER, id=78) / UDP(sport=40009, dport=53) / Raw(bytes(2500))
flows.append([eth() / f for f in bigu.fragment(1000)])
flows.append([eth() / IPv6(src="2001:db8::10", dst="2001:db8:1::20") /
              IPv6ExtHdrFragment(id=5, m=1) / TCP(sport=30006, dport=443) / Raw(bytes(50))])

# the two pausing flows: phase 1 here, phase 2 after the pause
pause_at = tcp_flow(T + 6, 31000)
pause_before = tcp_flow(T + 6, 31001)
flows.append(pause_at[:T - 2])
flows.append(pause_before[:T - 2])

# interleave, keeping each flow's order
queue = [list(f) for f in flows]
order = []
while any(queue):
    live = [q for q in queue if q]
    q = rng.choice(live)
    order.append(q.pop(0))

# timestamps: bursts sharing one stamp
t = 1000 * 10**9
stamped = []
i = 0
while i < len(order):
    n = rng.randint(1, 32)
    for p in order[i:i + n]:
        stamped.append((t, p))
    i += n
    t += rng.randint(10, 500) * 1000


def last_time(prefix_pkts):
    want = prefix_pkts[-1]
    return max(ts for ts, p in stamped if p is want)


ta = last_time(pause_at[:T - 2])
tb = last_time(pause_before[:T - 2])
assert t < ta + IDLE_NS - 10**6 and t < tb + IDLE_NS - 10**6, "phase 1 longer than the pause"
phase2 = [(ta + IDLE_NS + k * 1000, p) for k, p in enumerate(pause_at[T - 2:])]
phase2 += [(tb + IDLE_NS - 1 + k * 1000, p) for k, p in enumerate(pause_before[T - 2:])]
phase2.sort(key=lambda x: x[0])

w = PcapWriter(out, nano=True, sync=False)
for ts, p in stamped + phase2:
    p.time = Decimal(ts) / Decimal(10**9)
    w.write(p)
w.close()
print(f"{out}: {len(stamped) + len(phase2)} frames, threshold {T}, idle {IDLE_NS // 10**9} s")
