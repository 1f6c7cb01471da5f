#!/usr/bin/env python3
"""Write seed inputs for tests/fuzz/fuzz_packet.c into tests/fuzz/corpus-packet.

Each seed is two bytes of settings (bit 0: the port has an untagged
attachment, bit 1: a VLAN map, bit 2: the NIC vouched for the IPv4
checksum; with the second byte, the flow-hash fields) and then one frame:
access frames of every shape (untagged, tagged, priority-tagged, QinQ,
IPv4/IPv6/ARP/LLDP, runts, bad sources) and underlay frames for
192.0.2.1 on port MAC 02:00:00:00:00:01 (VXLAN with and without IPv4
options and padding, ARP, BFD, fragments, wrong port, bad flags, bad
checksum). Plain Python, no scapy: run with any python3.

Usage: tests/fuzz/gen_packet_corpus.py [OUTDIR]
"""
import os
import shutil
import struct
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PORT_MAC = bytes.fromhex("020000000001")
PEER_MAC = bytes.fromhex("020000000101")
HOST_A = bytes.fromhex("02000000aa01")
HOST_B = bytes.fromhex("02000000bb01")
BCAST = b"\xff" * 6
LOCAL = bytes([192, 0, 2, 1])
PEER = bytes([198, 51, 100, 2])


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def eth(dst, src, etype, payload, tci=None):
    tag = b"" if tci is None else struct.pack("!HH", 0x8100, tci)
    return dst + src + tag + struct.pack("!H", etype) + payload


def ipv4(src, dst, proto, payload, opts=b"", frag=0x4000, good=True):
    ihl = 5 + len(opts) // 4
    h = struct.pack("!BBHHHBBH4s4s", 0x40 | ihl, 0, 4 * ihl + len(payload), 0, frag, 64,
                    proto, 0, src, dst) + opts
    c = csum(h) if good else 0x1234
    return h[:10] + struct.pack("!H", c) + h[12:] + payload


def udp(sport, dport, payload):
    return struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload


def tcp(sport, dport):
    return struct.pack("!HHIIBBHHH", sport, dport, 1, 0, 0x50, 0x02, 65535, 0, 0)


def ipv6_udp(sport, dport, n):
    pl = udp(sport, dport, bytes(n))
    return struct.pack("!IHBB16s16s", 0x60000000, len(pl), 17, 64,
                       bytes.fromhex("20010db8000000000000000000000001"),
                       bytes.fromhex("20010db8000000000000000000000002")) + pl


def vxlan(vni, inner, flags=0x08, dport=4789, opts=b"", pad=0, good=True, frag=0x4000):
    vx = struct.pack("!B3xI", flags, vni << 8)
    return eth(PORT_MAC, PEER_MAC, 0x0800,
               ipv4(PEER, LOCAL, 17, udp(50000, dport, vx + inner), opts, frag, good)) + bytes(pad)


def arp(op, spa, tpa):
    return eth(BCAST, PEER_MAC, 0x0806,
               struct.pack("!HHBBH6s4s6s4s", 1, 0x0800, 6, 4, op, PEER_MAC, spa, bytes(6), tpa))


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "tests", "fuzz", "corpus-packet")
    inner_ip = eth(HOST_B, HOST_A, 0x0800, ipv4(bytes([10, 0, 0, 1]), bytes([10, 0, 0, 2]), 17,
                                                udp(1000, 80, bytes(18))))
    inner_tcp = eth(HOST_B, HOST_A, 0x0800, ipv4(bytes([10, 0, 0, 1]), bytes([10, 0, 0, 2]), 6,
                                                 tcp(1000, 443)))
    seeds = {
        # access side
        "acc-untagged-udp": (0x03, 0x1F, inner_ip),
        "acc-tagged-tcp": (0x03, 0xFF, eth(HOST_B, HOST_A, 0x0800, inner_tcp[14:], tci=0x2001)),
        "acc-priority-tag": (0x01, 0x1F, eth(HOST_B, HOST_A, 0x0806, bytes(28), tci=0xE000)),
        "acc-qinq": (0x03, 0x07, eth(HOST_B, HOST_A, 0x88A8, struct.pack("!HH", 10, 0x8100)
                                     + struct.pack("!HH", 20, 0x0800) + inner_ip[14:])),
        "acc-ipv6": (0x03, 0x1F, eth(HOST_B, HOST_A, 0x86DD, ipv6_udp(5000, 53, 20))),
        "acc-arp-bcast": (0x03, 0x00, eth(BCAST, HOST_A, 0x0806, bytes(28))),
        "acc-lldp": (0x03, 0x00, eth(bytes.fromhex("0180c200000e"), HOST_A, 0x88CC, bytes(40))),
        "acc-mcast": (0x03, 0x18, eth(bytes.fromhex("01005e000001"), HOST_A, 0x0800,
                                      inner_ip[14:])),
        "acc-bad-src": (0x03, 0x00, eth(HOST_B, bytes.fromhex("01005e000001"), 0x0800,
                                        bytes(46))),
        "acc-runt-13": (0x03, 0x00, inner_ip[:13]),
        "acc-runt-tagged-17": (0x03, 0x00, eth(HOST_B, HOST_A, 0x0800, bytes(4), tci=5)[:17]),
        "acc-frag": (0x03, 0x1F, eth(HOST_B, HOST_A, 0x0800,
                                     ipv4(bytes([10, 0, 0, 1]), bytes([10, 0, 0, 2]), 17,
                                          bytes(30), frag=0x2001))),
        # underlay side
        "ul-vxlan": (0x03, 0x1F, vxlan(100, inner_ip)),
        "ul-vxlan-tcp-tagged-inner": (0x03, 0x1F, vxlan(16777215,
                                                        eth(HOST_B, HOST_A, 0x0800,
                                                            inner_tcp[14:], tci=10))),
        "ul-vxlan-options-pad": (0x07, 0x1F, vxlan(200, inner_ip, opts=b"\x01\x01\x01\x00",
                                                   pad=12)),
        "ul-vxlan-bad-flags": (0x03, 0x1F, vxlan(100, inner_ip, flags=0x00)),
        "ul-vxlan-wrong-port": (0x03, 0x1F, vxlan(100, inner_ip, dport=4790)),
        "ul-vxlan-bad-csum": (0x03, 0x1F, vxlan(100, inner_ip, good=False)),
        "ul-vxlan-bad-csum-nic-good": (0x07, 0x1F, vxlan(100, inner_ip, good=False)),
        "ul-vxlan-fragment": (0x03, 0x1F, vxlan(100, inner_ip, frag=0x2000)),
        "ul-vxlan-short-inner": (0x03, 0x1F, vxlan(100, inner_ip[:13])),
        "ul-vxlan-ipv6-inner": (0x03, 0x1F, vxlan(100, eth(HOST_B, HOST_A, 0x86DD,
                                                            ipv6_udp(1, 2, 8)))),
        "ul-arp-request": (0x03, 0x00, arp(1, PEER, LOCAL)),
        "ul-bfd": (0x03, 0x00, eth(PORT_MAC, PEER_MAC, 0x0800,
                                   ipv4(PEER, LOCAL, 17, udp(49152, 3784, bytes(24))))),
        "ul-not-for-us": (0x03, 0x00, eth(HOST_B, PEER_MAC, 0x0800,
                                          ipv4(PEER, LOCAL, 17, udp(1, 4789, bytes(30))))),
        "ul-tcp-to-us": (0x03, 0x00, eth(PORT_MAC, PEER_MAC, 0x0800,
                                         ipv4(PEER, LOCAL, 6, tcp(1, 179)))),
    }
    if os.path.isdir(out):
        shutil.rmtree(out)
    os.makedirs(out)
    for name, (s0, s1, frame) in sorted(seeds.items()):
        with open(os.path.join(out, "seed-" + name), "wb") as f:
            f.write(bytes([s0, s1]) + frame)
    print("%s: %d seeds" % (out, len(seeds)))


if __name__ == "__main__":
    main()
