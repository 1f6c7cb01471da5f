/* vtep-meter: dissection of one captured frame.
 *
 * For every frame seen at a tap the meter needs three things: the flow it
 * belongs to (the 5-tuple of the innermost IP packet, after VXLAN
 * decapsulation when there is one), a signature of the fields a forwarding
 * path does not change (so the copy of a packet seen at tap A can be found
 * among the packets seen at tap B), and the DSCP of the outermost IP header
 * (the class mark a splitter or classifier left on it).
 *
 * The signature covers: IP version and protocol, inner addresses, the IPv4
 * identification, total length and fragment offset/MF (the IPv6 payload
 * length and fragment identification), the L4 ports, UDP length, TCP
 * sequence and acknowledgement numbers and flags (without ECE/CWR), ICMP
 * type/code, and a prefix of the L4 payload. It never covers: Ethernet
 * addresses, VLAN tags, outer headers, TTL/hop limit, checksums, DSCP/ECN,
 * IPv4 options, DF, IPv6 flow label, TCP window or options.
 *
 * Pure functions over byte buffers: no DPDK, nothing read beyond caplen.
 */
#ifndef VTEPD_METER_PACKET_H
#define VTEPD_METER_PACKET_H

#include <stddef.h>
#include <stdint.h>

/* Link layers the dissector understands (values are pcap LINKTYPE_ numbers). */
enum meter_link {
    METER_LINK_ETHERNET = 1,     /* LINKTYPE_ETHERNET */
    METER_LINK_RAW = 101,        /* LINKTYPE_RAW: IPv4 or IPv6, no link header */
    METER_LINK_LINUX_SLL = 113,  /* tcpdump -i any (Linux cooked v1) */
    METER_LINK_LINUX_SLL2 = 276, /* Linux cooked v2 */
};

#define METER_MAX_VXLAN_PORTS 4
#define METER_MAX_PREFIX 64      /* longest payload prefix in a signature */
#define METER_VXLAN_PORT 4789

/* Directional 5-tuple. IPv4 addresses sit in the first 4 bytes, the rest
 * is zero. Ports are host order (0 for protocols without ports and for
 * non-first fragments). Compared with memcmp: keep it padding-free. */
struct meter_flow_key {
    uint8_t src[16];
    uint8_t dst[16];
    uint16_t sport;
    uint16_t dport;
    uint8_t proto;
    uint8_t family;   /* 4 or 6 */
    uint8_t pad[2];   /* always 0 */
};

struct meter_parse_cfg {
    uint16_t vxlan_ports[METER_MAX_VXLAN_PORTS]; /* host order */
    uint8_t n_vxlan_ports;
    uint8_t prefix_len;                          /* 0..METER_MAX_PREFIX */
};

/* What the dissector found in one frame. */
struct meter_pkt {
    struct meter_flow_key key;
    uint64_t sig;        /* signature of the invariant fields */
    uint64_t key_hash;   /* hash of key */
    uint32_t ip_len;     /* inner IP packet length from its own header */
    uint32_t vni;        /* VXLAN network identifier when encap */
    uint8_t dscp;        /* DSCP of the outermost IP header */
    uint8_t encap;       /* 1 when a VXLAN header was removed */
    uint8_t short_prefix;/* 1 when the capture cut the payload prefix short */
    uint8_t tcp_flags;
};

/* Default configuration: VXLAN on UDP 4789, 16-byte payload prefix. */
void meter_parse_cfg_default(struct meter_parse_cfg *cfg);

/* Dissect frame (caplen captured bytes, link layer link) into *out.
 * Returns 0, or:
 *   -EPROTONOSUPPORT  not IPv4/IPv6 (ARP, LLDP, ...), or an unknown link
 *   -EBADMSG          malformed (bad version, header lengths that lie)
 *   -ENODATA          the capture stops inside the headers the meter needs
 * On error *out is unspecified. */
int meter_parse(const struct meter_parse_cfg *cfg, enum meter_link link,
                const uint8_t *frame, uint32_t caplen, struct meter_pkt *out);

/* 64-bit hash of len bytes (seeded): the hash behind signatures and flow
 * keys. Deterministic across runs and machines (little- and big-endian
 * hosts give the same value). */
uint64_t meter_hash64(const void *data, size_t len, uint64_t seed);

/* Hash of a flow key, as stored in meter_pkt.key_hash. */
uint64_t meter_flow_key_hash(const struct meter_flow_key *key);

/* "tcp 192.0.2.1:1000 > 198.51.100.2:80" style text into buf (always
 * terminated). Returns buf. */
char *meter_flow_key_str(const struct meter_flow_key *key, char *buf, size_t size);

/* Name of an IP protocol ("tcp", "udp", "icmp", "ipv6-icmp", or the number). */
const char *meter_proto_name(uint8_t proto, char *buf, size_t size);

#endif
