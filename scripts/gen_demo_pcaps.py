#!/usr/bin/python3
"""Write the input captures of the bundled default (conf/default.yaml).

access-in.pcap: a host (02:00:00:00:aa:01, 203.0.113.1) sends 10 UDP flows to a
remote host known by a static MAC (encapsulated to 198.51.100.2) and one ARP
broadcast (flooded to both VTEPs of the flood list).
underlay-in.pcap: a VXLAN frame from 198.51.100.2 for the local host, and the
spine asking ARP for our VTEP address (vtepd answers).
"""
import os
import sys

from scapy.all import ARP, ICMP, IP, UDP, VXLAN, Ether, Raw, wrpcap

out = sys.argv[1] if len(sys.argv) > 1 else "build/demo"
os.makedirs(out, exist_ok=True)
host, remote = "02:00:00:00:aa:01", "02:00:00:00:aa:02"
access = [Ether(src=host, dst=remote) / IP(src="203.0.113.1", dst="203.0.113.2") /
          UDP(sport=1000 + i, dport=80) / Raw(b"x" * 18) for i in range(10)]
access.append(Ether(src=host, dst="ff:ff:ff:ff:ff:ff") /
              ARP(hwsrc=host, psrc="203.0.113.1", pdst="203.0.113.2"))
wrpcap(os.path.join(out, "access-in.pcap"), access)
inner = Ether(src=remote, dst=host) / IP(src="203.0.113.2", dst="203.0.113.1") / ICMP()
underlay = [Ether(src="02:00:00:00:01:01", dst="02:00:00:00:00:01") /
            IP(src="198.51.100.2", dst="192.0.2.1") / UDP(sport=50000, dport=4789) /
            VXLAN(vni=100, flags=0x08) / inner,
            Ether(src="02:00:00:00:01:01", dst="ff:ff:ff:ff:ff:ff") /
            ARP(hwsrc="02:00:00:00:01:01", psrc="192.0.2.254", pdst="192.0.2.1")]
wrpcap(os.path.join(out, "underlay-in.pcap"), underlay)
print(f"wrote {len(access)} access and {len(underlay)} underlay frames into {out}/")
