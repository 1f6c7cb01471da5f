#!/usr/bin/python3
"""Write seed inputs for tests/fuzz/fuzz_bmp.c.

Seeds: the FRR capture as a whole and split into its messages, plus
synthetic BMP messages covering every message type and the EVPN/UPDATE
variants the parser decodes, and a few raw BGP UPDATEs and EVPN NLRI blocks
(the fuzz target also feeds its input straight to those parsers).

Usage: scripts/gen_bmp_corpus.py [OUTDIR]   (default tests/fuzz/corpus-bmp)
Standard library only; run with /usr/bin/python3.
"""
import os
import struct
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIXTURE = os.path.join(ROOT, "tests", "fixtures", "frr-8.4.4-ibgp-evpn.bmp")

AFI_L2VPN, SAFI_EVPN = 25, 70


def u16(v):
    return struct.pack("!H", v)


def u32(v):
    return struct.pack("!I", v)


def ip4(s):
    return bytes(int(x) for x in s.split("."))


IP6 = bytes.fromhex("20010db8000000000000000000000011")
VTEP = ip4("198.51.100.7")


# ---- BGP -------------------------------------------------------------------

def bgp_msg(mtype, body):
    return b"\xff" * 16 + u16(19 + len(body)) + bytes([mtype]) + body


def attr(flags, atype, value):
    if flags & 0x10:
        return bytes([flags, atype]) + u16(len(value)) + value
    return bytes([flags, atype, len(value)]) + value


def as_path(segments, as4=True):
    out = b""
    for stype, asns in segments:
        out += bytes([stype, len(asns)])
        for a in asns:
            out += u32(a) if as4 else u16(a)
    return out


def rd_type0(asn, num):
    return u16(0) + u16(asn) + u32(num)


def rd_type1(ip, num):
    return u16(1) + ip4(ip) + u16(num)


def rd_type2(asn, num):
    return u16(2) + u32(asn) + u16(num)


def label(v):
    return struct.pack("!I", v)[1:]


def nlri_mac_ip(rd, mac, ip=b"", labels=(100,)):
    body = rd + bytes(10) + u32(0) + bytes([48]) + mac
    body += bytes([len(ip) * 8]) + ip
    body += b"".join(label(x) for x in labels)
    return bytes([2, len(body)]) + body


def nlri_imet(rd, ip):
    body = rd + u32(0) + bytes([len(ip) * 8]) + ip
    return bytes([3, len(body)]) + body


def nlri_other(rtype, n):
    return bytes([rtype, n]) + bytes([0x5a]) * n


def ext_comms():
    return (bytes([0x00, 0x02]) + u16(65000) + u32(100) +
            bytes([0x01, 0x02]) + ip4("192.0.2.1") + u16(200) +
            bytes([0x02, 0x02]) + u32(4200000000) + u16(300) +
            bytes([0x03, 0x0c]) + bytes(4) + u16(8) +
            bytes([0x06, 0x00, 0x01, 0x00]) + u32(7) +
            bytes([0x06, 0x03]) + bytes(6))


def pmsi(endpoint):
    return bytes([0, 6]) + label(100) + endpoint


def mp_reach(nh, nlri):
    return u16(AFI_L2VPN) + bytes([SAFI_EVPN, len(nh)]) + nh + b"\0" + nlri


def mp_unreach(nlri, afi=AFI_L2VPN, safi=SAFI_EVPN):
    return u16(afi) + bytes([safi]) + nlri


def update(attrs, withdrawn=b"", nlri=b""):
    body = u16(len(withdrawn)) + withdrawn + u16(len(attrs)) + attrs + nlri
    return bgp_msg(2, body)


def rich_update(as4=True, nh=VTEP):
    mac = bytes.fromhex("020000000101")
    reach = (nlri_mac_ip(rd_type1("198.51.100.7", 2), mac, ip4("203.0.113.11"),
                         (100, 5001)) +
             nlri_mac_ip(rd_type0(65000, 100), mac, IP6) +
             nlri_imet(rd_type2(70000, 7), VTEP) +
             nlri_other(5, 34) + nlri_other(1, 25))
    attrs = (attr(0x40, 1, b"\0") +
             attr(0x50, 2, as_path([(3, [64512]), (2, [65001, 65002]),
                                    (1, [100, 200])], as4)) +
             attr(0x40, 3, VTEP) +
             attr(0x80, 4, u32(50)) +
             attr(0x40, 5, u32(100)) +
             attr(0x80, 9, VTEP) +
             attr(0x80, 10, ip4("198.51.100.2") + ip4("198.51.100.3")) +
             attr(0xc0, 16, ext_comms()) +
             attr(0xc0, 22, pmsi(VTEP)) +
             attr(0x90, 14, mp_reach(nh, reach)) +
             attr(0x80, 15, mp_unreach(nlri_mac_ip(rd_type0(1, 1), mac))) +
             attr(0xc0, 99, b"\x01\x02\x03"))
    withdrawn = bytes([8, 10, 24, 192, 0, 2])
    nlri = bytes([24, 198, 51, 100])
    return update(attrs, withdrawn, nlri)


def open_msg(bgp_id, as4=True, ext=False):
    caps = bytes([1, 4]) + u16(AFI_L2VPN) + bytes([0, SAFI_EVPN])
    if as4:
        caps += bytes([65, 4]) + u32(65000)
    if ext:
        params = bytes([2]) + u16(len(caps)) + caps
        opt = bytes([255, 255]) + u16(len(params)) + params
    else:
        params = bytes([2, len(caps)]) + caps
        opt = bytes([len(params)]) + params
    return bgp_msg(1, bytes([4]) + u16(65000) + u16(9) + ip4(bgp_id) + opt)


# ---- BMP -------------------------------------------------------------------

def bmp(mtype, body):
    return bytes([3]) + u32(6 + len(body)) + bytes([mtype]) + body


def peer_hdr(ptype=0, flags=0, addr=None, asn=65000):
    if addr is None:
        addr = bytes(12) + ip4("192.0.2.1")
    return (bytes([ptype, flags]) + bytes(8) + addr + u32(asn) +
            ip4("198.51.100.1") + u32(1700000000) + u32(1))


def tlv(ttype, value):
    return u16(ttype) + u16(len(value)) + value


def synthetic():
    seeds = {}
    seeds["initiation"] = bmp(4, tlv(1, b"FRRouting 8.4.4") + tlv(2, b"leaf2") +
                              tlv(0, b"hello"))
    seeds["termination"] = bmp(5, tlv(0, b"bye") + tlv(1, u16(2)))
    seeds["peer-up-v6-ext-open"] = bmp(3, peer_hdr(flags=0x80, addr=IP6) +
                                       IP6 + u16(40000) + u16(179) +
                                       open_msg("198.51.100.2", ext=True) +
                                       open_msg("198.51.100.1", as4=False) +
                                       tlv(0, b"s") + tlv(3, b"blue"))
    notif = bgp_msg(3, bytes([6, 2]))
    seeds["peer-down-1"] = bmp(2, peer_hdr() + b"\x01" + notif)
    seeds["peer-down-2"] = bmp(2, peer_hdr() + b"\x02" + u16(5))
    seeds["peer-down-3"] = bmp(2, peer_hdr() + b"\x03" + notif)
    seeds["peer-down-5"] = bmp(2, peer_hdr() + b"\x05")
    seeds["peer-down-6"] = bmp(2, peer_hdr() + b"\x06" + tlv(0, b"gone"))
    stats = (u32(4) + tlv(0, u32(11)) + tlv(7, u32(1) + u32(2)) +
             tlv(9, u16(AFI_L2VPN) + bytes([SAFI_EVPN]) + u32(0) + u32(42)) +
             tlv(20, bytes(6)))
    seeds["stats"] = bmp(1, peer_hdr() + stats)
    seeds["mirroring"] = bmp(6, peer_hdr() + tlv(0, rich_update()) +
                             tlv(1, u16(1)))
    seeds["rm-rich-as4"] = bmp(0, peer_hdr(flags=0x40) + rich_update())
    seeds["rm-rich-as2"] = bmp(0, peer_hdr(flags=0x20) + rich_update(False))
    seeds["rm-rich-nh6"] = bmp(0, peer_hdr() + rich_update(nh=IP6))
    seeds["rm-rich-nh6ll"] = bmp(0, peer_hdr() + rich_update(nh=IP6 + IP6))
    seeds["rm-eor-evpn"] = bmp(0, peer_hdr() +
                               update(attr(0x80, 15, mp_unreach(b""))))
    seeds["rm-eor-ipv4"] = bmp(0, peer_hdr() + update(b""))
    seeds["rm-loc-rib"] = bmp(0, peer_hdr(ptype=3, flags=0x80,
                                          addr=bytes(16), asn=0) +
                              rich_update())
    seeds["unknown-type"] = bmp(9, b"\xde\xad\xbe\xef")
    seeds["stream-mixed"] = (seeds["initiation"] + seeds["peer-up-v6-ext-open"] +
                             seeds["rm-rich-as4"] + seeds["unknown-type"] +
                             seeds["stats"] + seeds["peer-down-1"] +
                             seeds["termination"])
    seeds["raw-update"] = rich_update()
    seeds["raw-nlri"] = (nlri_mac_ip(rd_type0(1, 2), bytes(6), IP6, (1, 2)) +
                         nlri_imet(rd_type1("192.0.2.1", 3), IP6))
    return seeds


def split_stream(data):
    out, off = [], 0
    while off + 6 <= len(data):
        n = struct.unpack("!I", data[off + 1:off + 5])[0]
        if n < 6 or off + n > len(data):
            break
        out.append(data[off:off + n])
        off += n
    return out


def main():
    outdir = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        ROOT, "tests", "fuzz", "corpus-bmp")
    os.makedirs(outdir, exist_ok=True)
    seeds = synthetic()
    with open(FIXTURE, "rb") as f:
        capture = f.read()
    seeds["frr-capture"] = capture
    seen = set()
    for i, msg in enumerate(split_stream(capture)):
        if msg not in seen:
            seen.add(msg)
            seeds["frr-msg-%02d" % i] = msg
    for name, data in sorted(seeds.items()):
        with open(os.path.join(outdir, "seed-" + name), "wb") as f:
            f.write(data)
    print("wrote %d seeds to %s" % (len(seeds), outdir))


if __name__ == "__main__":
    main()
