"""Build BMP (RFC 7854) messages carrying BGP EVPN routes, independently of
vtepd's C parser. Used by the feed tests and scripts/evpn-scale."""
import ipaddress
import struct


def _ip4(a):
    return ipaddress.IPv4Address(a).packed


def common(msg_type, body):
    return struct.pack("!BIB", 3, 6 + len(body), msg_type) + body


def peer_header(peer="192.0.2.254", asn=65000, bgp_id="192.0.2.254", flags=0, dist=0):
    return struct.pack("!BBQ", 0, flags, dist) + b"\0" * 12 + _ip4(peer) + \
        struct.pack("!I", asn) + _ip4(bgp_id) + struct.pack("!II", 0, 0)


def initiation(sys_name):
    name = sys_name.encode()
    descr = b"vtepd test builder"
    return common(4, struct.pack("!HH", 2, len(name)) + name +
                  struct.pack("!HH", 1, len(descr)) + descr)


def termination():
    return common(5, struct.pack("!HHH", 1, 2, 0))


def peer_down(reason=2, **peer):
    return common(2, peer_header(**peer) + struct.pack("!BH", reason, 0))


def _attr(flags, typ, val):
    if len(val) > 255:
        return struct.pack("!BBH", flags | 0x10, typ, len(val)) + val
    return struct.pack("!BBB", flags, typ, len(val)) + val


def rd0(asn, num):
    return struct.pack("!HHI", 0, asn, num)


def rd1(ip, num):
    return struct.pack("!H", 1) + _ip4(ip) + struct.pack("!H", num)


def type2(rd, mac, label=0, ip=None):
    m = bytes(int(x, 16) for x in mac.split(":"))
    body = rd + b"\0" * 10 + struct.pack("!I", 0) + bytes([48]) + m
    if ip:
        body += bytes([32]) + _ip4(ip)
    else:
        body += bytes([0])
    body += label.to_bytes(3, "big")
    return bytes([2, len(body)]) + body


def type3(rd, originator):
    body = rd + struct.pack("!I", 0) + bytes([32]) + _ip4(originator)
    return bytes([3, len(body)]) + body


def rt(asn, local):
    return struct.pack("!BBHI", 0x00, 0x02, asn, local)


ENCAP_VXLAN = struct.pack("!BBIH", 0x03, 0x0C, 0, 8)


def mac_mobility(seq, sticky=False):
    return struct.pack("!BBBBI", 0x06, 0x00, 1 if sticky else 0, 0, seq)


def update(nlri=b"", withdrawn=b"", nexthop="198.51.100.2", ext=b"", pmsi=None):
    attrs = _attr(0x40, 1, b"\0") + _attr(0x40, 2, b"") + _attr(0x40, 5, struct.pack("!I", 100))
    if nlri:
        attrs += _attr(0x80, 14, struct.pack("!HBB", 25, 70, 4) + _ip4(nexthop) + b"\0" + nlri)
    if withdrawn is not None and (withdrawn or not nlri):
        attrs += _attr(0x80, 15, struct.pack("!HB", 25, 70) + withdrawn)
    if ext:
        attrs += _attr(0xC0, 16, ext)
    if pmsi:
        label, endpoint = pmsi
        attrs += _attr(0xC0, 22, struct.pack("!BB", 0, 6) + label.to_bytes(3, "big") + _ip4(endpoint))
    body = struct.pack("!H", 0) + struct.pack("!H", len(attrs)) + attrs
    return b"\xff" * 16 + struct.pack("!HB", 19 + len(body), 2) + body


def route_monitoring(upd, **peer):
    return common(0, peer_header(**peer) + upd)


def end_of_rib(**peer):
    """An UPDATE whose only content is an empty MP_UNREACH for 25/70."""
    attrs = _attr(0x80, 15, struct.pack("!HB", 25, 70))
    body = struct.pack("!HH", 0, len(attrs)) + attrs
    return route_monitoring(b"\xff" * 16 + struct.pack("!HB", 19 + len(body), 2) + body, **peer)
