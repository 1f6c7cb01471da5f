"""Build BMP (RFC 7854) messages and the BGP messages they carry (OPEN,
UPDATE with multiprotocol EVPN routes, NOTIFICATION), independently of
vtepd's C parser. Used by the feed and control tests, the namespace labs'
attackers, scripts/evpn-scale and scripts/gen_bmp_corpus.py (the fuzz
corpus). Addresses are text (IPv4 or IPv6) or bytes taken as they are."""
import ipaddress
import struct

# BMP message types (RFC 7854 4.1)
ROUTE_MONITORING, STATS_REPORT, PEER_DOWN, PEER_UP, INITIATION, TERMINATION, \
    ROUTE_MIRRORING = range(7)
# BGP message types (RFC 4271 4.1)
BGP_OPEN, BGP_UPDATE, BGP_NOTIFICATION, BGP_KEEPALIVE = 1, 2, 3, 4
AFI_L2VPN, SAFI_EVPN = 25, 70


def addr(a):
    if isinstance(a, (bytes, bytearray)):
        return bytes(a)
    return ipaddress.ip_address(a).packed


def _ip16(a):
    """An address in a 16-byte BMP field: IPv4 in its last four bytes."""
    a = addr(a)
    return a if len(a) == 16 else b"\0" * (16 - len(a)) + a


def _mac(mac):
    return bytes(int(x, 16) for x in mac.split(":"))


# ---- BMP -------------------------------------------------------------------

def common(msg_type, body):
    return struct.pack("!BIB", 3, 6 + len(body), msg_type) + body


def tlv(typ, value):
    """An Information/Stats/Mirroring TLV: 2-byte type and length."""
    return struct.pack("!HH", typ, len(value)) + value


def peer_header(peer="192.0.2.254", asn=65000, bgp_id="192.0.2.254", flags=0, dist=0,
                peer_type=0, ts=(0, 0)):
    """Per-peer header (RFC 7854 4.2). peer_type 0 global, 1 RD instance,
    2 local instance, 3 Loc-RIB (RFC 9069); flags V (0x80) says the peer
    address is IPv6, L (0x40) post-policy, A (0x20) 2-byte AS_PATH;
    ts = (seconds, microseconds)."""
    return struct.pack("!BBQ", peer_type, flags, dist) + _ip16(peer) + \
        struct.pack("!I", asn) + addr(bgp_id) + struct.pack("!II", *ts)


def initiation(sys_name, descr="vtepd test builder"):
    return common(INITIATION, tlv(2, sys_name.encode()) + tlv(1, descr.encode()))


def termination(reason=0, info=None):
    """Termination: an optional string TLV, then the reason TLV."""
    return common(TERMINATION, (tlv(0, info) if info is not None else b"") +
                  tlv(1, struct.pack("!H", reason)))


def peer_down(reason=2, data=None, **peer):
    """Peer Down; data follows the reason (default: FSM event 0 for
    reason 2, nothing for the others)."""
    if data is None:
        data = b"\0\0" if reason == 2 else b""
    return common(PEER_DOWN, peer_header(**peer) + bytes([reason]) + data)


def peer_up(local, local_port, remote_port, sent_open, received_open, info=b"", **peer):
    return common(PEER_UP, peer_header(**peer) + _ip16(local) +
                  struct.pack("!HH", local_port, remote_port) + sent_open + received_open + info)


def stats_report(counters, **peer):
    """Stats Report from [(stat type, value bytes), ...]."""
    return common(STATS_REPORT, peer_header(**peer) + struct.pack("!I", len(counters)) +
                  b"".join(tlv(t, v) for t, v in counters))


def route_mirroring(tlvs, **peer):
    return common(ROUTE_MIRRORING, peer_header(**peer) + tlvs)


def route_monitoring(upd, **peer):
    return common(ROUTE_MONITORING, peer_header(**peer) + upd)


def split(stream):
    """The BMP messages of a byte stream, up to the first that is cut or
    has a length below the common header's."""
    out, off = [], 0
    while off + 6 <= len(stream):
        n = struct.unpack("!I", stream[off + 1:off + 5])[0]
        if n < 6 or off + n > len(stream):
            break
        out.append(stream[off:off + n])
        off += n
    return out


# ---- BGP -------------------------------------------------------------------

def bgp_message(msg_type, body):
    return b"\xff" * 16 + struct.pack("!HB", 19 + len(body), msg_type) + body


def notification(code, subcode, data=b""):
    return bgp_message(BGP_NOTIFICATION, bytes([code, subcode]) + data)


def cap_multiprotocol(afi=AFI_L2VPN, safi=SAFI_EVPN):
    return struct.pack("!BBHBB", 1, 4, afi, 0, safi)


def cap_as4(asn):
    return struct.pack("!BBI", 65, 4, asn)


def open_msg(bgp_id, asn=65000, hold=9, caps=b"", extended=False):
    """OPEN with the capabilities caps in one optional parameter, in the
    extended optional parameters format (RFC 9072) when extended."""
    if extended:
        params = struct.pack("!BH", 2, len(caps)) + caps
        opt = struct.pack("!BBH", 255, 255, len(params)) + params
    else:
        params = bytes([2, len(caps)]) + caps
        opt = bytes([len(params)]) + params
    return bgp_message(BGP_OPEN, struct.pack("!BHH", 4, asn, hold) + addr(bgp_id) + opt)


def attr(flags, typ, val):
    """A path attribute; the 2-byte length when flags has Extended Length
    (0x10) or the value needs it."""
    if flags & 0x10 or len(val) > 255:
        return struct.pack("!BBH", flags | 0x10, typ, len(val)) + val
    return struct.pack("!BBB", flags, typ, len(val)) + val


def as_path(segments, as4=True):
    """AS_PATH value from [(segment type, [AS, ...]), ...]."""
    fmt = "!I" if as4 else "!H"
    return b"".join(bytes([st, len(asns)]) + b"".join(struct.pack(fmt, a) for a in asns)
                    for st, asns in segments)


def prefix4(p):
    """An IPv4 prefix in UPDATE encoding (length, then the bytes it needs)."""
    n = ipaddress.IPv4Network(p)
    return bytes([n.prefixlen]) + n.network_address.packed[:(n.prefixlen + 7) // 8]


def mp_reach(nexthop, nlri, afi=AFI_L2VPN, safi=SAFI_EVPN):
    nh = addr(nexthop)
    return struct.pack("!HBB", afi, safi, len(nh)) + nh + b"\0" + nlri


def mp_unreach(nlri, afi=AFI_L2VPN, safi=SAFI_EVPN):
    return struct.pack("!HB", afi, safi) + nlri


def bgp_update(attrs, withdrawn=b"", nlri=b""):
    """UPDATE from its parts: IPv4 withdrawn routes, path attributes, NLRI."""
    return bgp_message(BGP_UPDATE, struct.pack("!H", len(withdrawn)) + withdrawn +
                       struct.pack("!H", len(attrs)) + attrs + nlri)


# ---- EVPN (RFC 7432) -------------------------------------------------------

def rd0(asn, num):
    return struct.pack("!HHI", 0, asn, num)


def rd1(ip, num):
    return struct.pack("!H", 1) + addr(ip) + struct.pack("!H", num)


def rd2(asn, num):
    return struct.pack("!HIH", 2, asn, num)


def label(v):
    return v.to_bytes(3, "big")


def evpn_route(rtype, body):
    return bytes([rtype, len(body)]) + body


def type2(rd, mac, label=0, ip=None, label2=None):
    """MAC/IP Advertisement; ip IPv4 or IPv6 (None: no IP); label2 the
    second label (L3 VNI)."""
    body = rd + b"\0" * 10 + struct.pack("!I", 0) + bytes([48]) + _mac(mac)
    a = addr(ip) if ip else b""
    body += bytes([len(a) * 8]) + a + label.to_bytes(3, "big")
    if label2 is not None:
        body += label2.to_bytes(3, "big")
    return evpn_route(2, body)


def type3(rd, originator):
    """Inclusive Multicast Ethernet Tag route (IPv4 or IPv6 originator)."""
    a = addr(originator)
    return evpn_route(3, rd + struct.pack("!I", 0) + bytes([len(a) * 8]) + a)


# Extended communities
def rt(asn, local):
    return struct.pack("!BBHI", 0x00, 0x02, asn, local)


def rt_ip(ip, local):
    return struct.pack("!BB", 0x01, 0x02) + addr(ip) + struct.pack("!H", local)


def rt_as4(asn, local):
    return struct.pack("!BBIH", 0x02, 0x02, asn, local)


ENCAP_VXLAN = struct.pack("!BBIH", 0x03, 0x0C, 0, 8)


def mac_mobility(seq, sticky=False):
    return struct.pack("!BBBBI", 0x06, 0x00, 1 if sticky else 0, 0, seq)


def router_mac(mac):
    return struct.pack("!BB", 0x06, 0x03) + _mac(mac)


def pmsi_tunnel(lbl, endpoint, flags=0, tunnel_type=6):
    """PMSI Tunnel attribute value (type 6: ingress replication)."""
    return struct.pack("!BB", flags, tunnel_type) + label(lbl) + addr(endpoint)


def update(nlri=b"", withdrawn=b"", nexthop="198.51.100.2", ext=b"", pmsi=None):
    """An EVPN UPDATE as FRR sends it: ORIGIN, empty AS_PATH, LOCAL_PREF,
    MP_REACH of nlri and/or MP_UNREACH of withdrawn, extended communities,
    PMSI tunnel (label, endpoint)."""
    attrs = attr(0x40, 1, b"\0") + attr(0x40, 2, b"") + attr(0x40, 5, struct.pack("!I", 100))
    if nlri:
        attrs += attr(0x80, 14, mp_reach(nexthop, nlri))
    if withdrawn is not None and (withdrawn or not nlri):
        attrs += attr(0x80, 15, mp_unreach(withdrawn))
    if ext:
        attrs += attr(0xC0, 16, ext)
    if pmsi:
        attrs += attr(0xC0, 22, pmsi_tunnel(*pmsi))
    return bgp_update(attrs)


def end_of_rib(**peer):
    """An UPDATE whose only content is an empty MP_UNREACH for 25/70."""
    return route_monitoring(bgp_update(attr(0x80, 15, mp_unreach(b""))), **peer)
