#!/usr/bin/python3
"""Write seed inputs for tests/fuzz/fuzz_bmp.c.

Seeds: the FRR capture as a whole and split into its messages, plus
synthetic BMP messages covering every message type and the EVPN/UPDATE
variants the parser decodes, and a few raw BGP UPDATEs and EVPN NLRI blocks
(the fuzz target also feeds its input straight to those parsers). Messages
are built with tests/lib/bmp_build.py, the builder the feed tests use.

Usage: scripts/gen_bmp_corpus.py [OUTDIR]   (default tests/fuzz/corpus-bmp)
Standard library only; run with /usr/bin/python3.
"""
import os
import struct
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "lib"))
import bmp_build as B  # noqa: E402

FIXTURE = os.path.join(ROOT, "tests", "fixtures", "frr-8.4.4-ibgp-evpn.bmp")

IP6 = "2001:db8::11"
VTEP = "198.51.100.7"
MAC = "02:00:00:00:01:01"
# the per-peer header of every synthetic message unless a seed says otherwise
PEER = dict(peer="192.0.2.1", asn=65000, bgp_id="198.51.100.1", ts=(1700000000, 1))


def peer(**kw):
    return dict(PEER, **kw)


def ext_comms():
    return (B.rt(65000, 100) + B.rt_ip("192.0.2.1", 200) + B.rt_as4(4200000000, 300) +
            B.ENCAP_VXLAN + B.mac_mobility(7, sticky=True) + B.router_mac("00:00:00:00:00:00"))


def rich_update(as4=True, nh=VTEP):
    """Every path attribute the parser knows and one it does not; MP_REACH
    with MAC/IP (IPv4, two labels; IPv6), IMET, two route types it skips;
    MP_UNREACH; IPv4 withdrawn routes and NLRI around them."""
    reach = (B.type2(B.rd1(VTEP, 2), MAC, 100, ip="203.0.113.11", label2=5001) +
             B.type2(B.rd0(65000, 100), MAC, 100, ip=IP6) +
             B.type3(B.rd2(70000, 7), VTEP) +
             B.evpn_route(5, b"\x5a" * 34) + B.evpn_route(1, b"\x5a" * 25))
    attrs = (B.attr(0x40, 1, b"\0") +
             B.attr(0x50, 2, B.as_path([(3, [64512]), (2, [65001, 65002]), (1, [100, 200])], as4)) +
             B.attr(0x40, 3, B.addr(VTEP)) +
             B.attr(0x80, 4, struct.pack("!I", 50)) +
             B.attr(0x40, 5, struct.pack("!I", 100)) +
             B.attr(0x80, 9, B.addr(VTEP)) +
             B.attr(0x80, 10, B.addr("198.51.100.2") + B.addr("198.51.100.3")) +
             B.attr(0xc0, 16, ext_comms()) +
             B.attr(0xc0, 22, B.pmsi_tunnel(100, VTEP)) +
             B.attr(0x90, 14, B.mp_reach(nh, reach)) +
             B.attr(0x80, 15, B.mp_unreach(B.type2(B.rd0(1, 1), MAC, 100))) +
             B.attr(0xc0, 99, b"\x01\x02\x03"))
    return B.bgp_update(attrs, B.prefix4("10.0.0.0/8") + B.prefix4("192.0.2.0/24"),
                        B.prefix4("198.51.100.0/24"))


def open_msg(bgp_id, as4=True, ext=False):
    caps = B.cap_multiprotocol() + (B.cap_as4(65000) if as4 else b"")
    return B.open_msg(bgp_id, asn=65000, hold=9, caps=caps, extended=ext)


def synthetic():
    seeds = {}
    seeds["initiation"] = B.common(B.INITIATION, B.tlv(1, b"FRRouting 8.4.4") +
                                   B.tlv(2, b"leaf2") + B.tlv(0, b"hello"))
    seeds["termination"] = B.termination(2, b"bye")
    seeds["peer-up-v6-ext-open"] = B.peer_up(IP6, 40000, 179, open_msg("198.51.100.2", ext=True),
                                             open_msg("198.51.100.1", as4=False),
                                             B.tlv(0, b"s") + B.tlv(3, b"blue"),
                                             **peer(flags=0x80, peer=IP6))
    notif = B.notification(6, 2)
    seeds["peer-down-1"] = B.peer_down(1, notif, **PEER)
    seeds["peer-down-2"] = B.peer_down(2, struct.pack("!H", 5), **PEER)
    seeds["peer-down-3"] = B.peer_down(3, notif, **PEER)
    seeds["peer-down-5"] = B.peer_down(5, **PEER)
    seeds["peer-down-6"] = B.peer_down(6, B.tlv(0, b"gone"), **PEER)
    seeds["stats"] = B.stats_report([(0, struct.pack("!I", 11)), (7, struct.pack("!II", 1, 2)),
                                     (9, struct.pack("!HBQ", B.AFI_L2VPN, B.SAFI_EVPN, 42)),
                                     (20, bytes(6))], **PEER)
    seeds["mirroring"] = B.route_mirroring(B.tlv(0, rich_update()) + B.tlv(1, struct.pack("!H", 1)),
                                           **PEER)
    seeds["rm-rich-as4"] = B.route_monitoring(rich_update(), **peer(flags=0x40))
    seeds["rm-rich-as2"] = B.route_monitoring(rich_update(False), **peer(flags=0x20))
    seeds["rm-rich-nh6"] = B.route_monitoring(rich_update(nh=IP6), **PEER)
    seeds["rm-rich-nh6ll"] = B.route_monitoring(rich_update(nh=B.addr(IP6) * 2), **PEER)
    seeds["rm-eor-evpn"] = B.end_of_rib(**PEER)
    seeds["rm-eor-ipv4"] = B.route_monitoring(B.bgp_update(b""), **PEER)
    seeds["rm-loc-rib"] = B.route_monitoring(rich_update(),
                                             **peer(peer_type=3, flags=0x80, peer="::", asn=0))
    seeds["unknown-type"] = B.common(9, b"\xde\xad\xbe\xef")
    seeds["stream-mixed"] = (seeds["initiation"] + seeds["peer-up-v6-ext-open"] +
                             seeds["rm-rich-as4"] + seeds["unknown-type"] +
                             seeds["stats"] + seeds["peer-down-1"] +
                             seeds["termination"])
    seeds["raw-update"] = rich_update()
    seeds["raw-nlri"] = (B.type2(B.rd0(1, 2), "00:00:00:00:00:00", 1, ip=IP6, label2=2) +
                         B.type3(B.rd1("192.0.2.1", 3), IP6))
    return seeds


def main():
    outdir = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        ROOT, "tests", "fuzz", "corpus-bmp")
    os.makedirs(outdir, exist_ok=True)
    seeds = synthetic()
    with open(FIXTURE, "rb") as f:
        capture = f.read()
    seeds["frr-capture"] = capture
    seen = set()
    for i, msg in enumerate(B.split(capture)):
        if msg not in seen:
            seen.add(msg)
            seeds["frr-msg-%02d" % i] = msg
    for name, data in sorted(seeds.items()):
        with open(os.path.join(outdir, "seed-" + name), "wb") as f:
            f.write(data)
    print("wrote %d seeds to %s" % (len(seeds), outdir))


if __name__ == "__main__":
    main()
