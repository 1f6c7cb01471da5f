#!/usr/bin/python3
"""Captures and configs for scripts/bench: 1,024 flows of 64-byte inner
frames (60 bytes + FCS on the wire).

encap-in.pcap: host 02:00:00:00:aa:01 -> static remote MAC 02:00:00:00:aa:02,
  UDP flows 203.0.113.1:1024+i -> 203.0.113.2:80 (60 bytes).
decap-in.pcap: the same flows in reverse, VXLAN VNI 100 from 198.51.100.2 to
  our VTEP 192.0.2.1, inner destination a static local MAC (110 bytes).
"""
import os
import sys

from scapy.all import IP, UDP, VXLAN, Ether, Raw, wrpcap

out = sys.argv[1] if len(sys.argv) > 1 else "build/bench"
flows = int(sys.argv[2]) if len(sys.argv) > 2 else 1024
os.makedirs(out, exist_ok=True)
host, remote = "02:00:00:00:aa:01", "02:00:00:00:aa:02"


def inner(i, rev=False):
    s, d = ("203.0.113.1", "203.0.113.2")
    sm, dm = host, remote
    sp, dp = 1024 + i, 80
    if rev:
        s, d, sm, dm, sp, dp = d, s, dm, sm, dp, sp
    f = Ether(src=sm, dst=dm) / IP(src=s, dst=d) / UDP(sport=sp, dport=dp)
    return f / Raw(b"\0" * (60 - len(f)))


enc = [inner(i) for i in range(flows)]
dec = [Ether(src="02:00:00:00:01:01", dst="02:00:00:00:00:01") /
       IP(src="198.51.100.2", dst="192.0.2.1", flags="DF", ttl=64) /
       UDP(sport=49152 + i % 16384, dport=4789, chksum=0) / VXLAN(vni=100, flags=0x08) /
       inner(i, rev=True) for i in range(flows)]
assert all(len(p) == 60 for p in enc) and all(len(p) == 110 for p in dec)
wrpcap(os.path.join(out, "encap-in.pcap"), enc)
wrpcap(os.path.join(out, "decap-in.pcap"), dec)
print(f"{flows} flows: {out}/encap-in.pcap (60 B), {out}/decap-in.pcap (110 B)")
