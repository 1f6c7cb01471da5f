/* VXLAN (RFC 7348) outer headers: building them for encapsulation and
 * checking them on receipt. Pure functions over byte buffers (DPDK's header
 * structs, no mbufs), so unit tests and the fuzzer can call them.
 */
#ifndef VTEPD_VXLAN_H
#define VTEPD_VXLAN_H

#include <stdint.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_udp.h>
#include <rte_vxlan.h>

#include "drop_reasons.h"

/* The outer headers, as sent (no VLAN tag on the underlay). */
struct vxlan_outer {
    struct rte_ether_hdr eth;
    struct rte_ipv4_hdr ip;
    struct rte_udp_hdr udp;
    struct rte_vxlan_hdr vx;
} __rte_packed __rte_aligned(2);

#define VXLAN_ENCAP_LEN ((uint16_t)sizeof(struct vxlan_outer))  /* 50 */
#define VXLAN_OUTER_IP_OVERHEAD ((uint16_t)(VXLAN_ENCAP_LEN - sizeof(struct rte_ether_hdr)))
#define VXLAN_FLAG_I 0x08
#define BFD_UDP_PORT 3784       /* RFC 5881 single-hop control */

_Static_assert(sizeof(struct vxlan_outer) == 50, "outer headers are 50 bytes");

/* Outer headers that stay the same for every packet sent to one next hop:
 * Ethernet (next-hop MAC, our port MAC), IPv4 (our address, DF, TTL, UDP)
 * and the UDP destination port. sum holds the one's-complement sum of the
 * constant IPv4 header words as they lie in memory (loaded in host order:
 * the sum is byte-order independent), so each packet's checksum costs a
 * few adds and no byte swap. */
struct vxlan_tmpl {
    struct vxlan_outer hdr;
    uint32_t sum;
};

/* Fill t for packets from src_mac/src_ip (ours) to next hop dst_mac, with
 * the given TTL and UDP destination port (host order). IPv4 id is 0: every
 * packet we send has DF set (RFC 6864 atomic datagrams). */
void vxlan_tmpl_init(struct vxlan_tmpl *t, const uint8_t dst_mac[6],
                     const uint8_t src_mac[6], uint32_t src_ip_be,
                     uint8_t ttl, uint16_t udp_dport);

/* Host to network order without DPDK's asm (which the compiler can neither
 * fold nor schedule). */
static inline uint16_t vxlan_be16(uint16_t x)
{
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    return __builtin_bswap16(x);
#else
    return x;
#endif
}

static inline uint32_t vxlan_be32(uint32_t x)
{
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    return __builtin_bswap32(x);
#else
    return x;
#endif
}

/* Write the 50 outer bytes at out for one packet: remote VTEP dst_ip_be,
 * UDP source port sport (host order), VNI vni, TOS byte tos (DSCP << 2 |
 * ECN) and an inner frame of inner_len bytes. The IPv4 checksum is valid
 * (incremental from the template's sum); the UDP checksum is 0. */
static inline void vxlan_encap_write(void *out, const struct vxlan_tmpl *t,
                                     uint32_t dst_ip_be, uint16_t sport,
                                     uint32_t vni, uint16_t inner_len,
                                     uint8_t tos)
{
    struct vxlan_outer *h = out;
    uint16_t ip_len_be = vxlan_be16((uint16_t)(inner_len + VXLAN_OUTER_IP_OVERHEAD));
    /* the words that change, as they will lie in memory: [0, tos],
     * total length, the destination's two halves */
    uint32_t sum = t->sum + vxlan_be16(tos) + ip_len_be + (dst_ip_be & 0xffff) +
                   (dst_ip_be >> 16);

    memcpy(h, &t->hdr, VXLAN_ENCAP_LEN);
    sum = (sum & 0xffff) + (sum >> 16);
    sum = (sum & 0xffff) + (sum >> 16);
    h->ip.type_of_service = tos;
    h->ip.total_length = ip_len_be;
    h->ip.hdr_checksum = (uint16_t)~sum;
    h->ip.dst_addr = dst_ip_be;
    h->udp.src_port = vxlan_be16(sport);
    h->udp.dgram_len = vxlan_be16((uint16_t)(inner_len + 16));
    h->vx.vx_vni = vxlan_be32(vni << 8);
}

/* What a received underlay frame is. */
enum underlay_class {
    UL_VXLAN = 0,   /* valid VXLAN for us: decapsulate */
    UL_ARP,         /* ARP: give to the control thread */
    UL_BFD,         /* single-hop BFD (UDP 3784) to our VTEP address or to
                     * another address of this host (an unfragmented UDP
                     * header to port 3784 is all that is checked then):
                     * give to the BFD thread */
    UL_HOST,        /* for this host but not the dataplane (BGP, ICMP, SSH,
                     * LLDP, IPv6, ...): the kernel, through the exception
                     * path; result.drop says why it is not ours, the drop
                     * reason when the port has no exception path */
    UL_DROP         /* see result.drop */
};

struct underlay_params {
    uint32_t local_ip;      /* network order */
    uint16_t udp_port;      /* host order */
    uint8_t port_mac[6];
};

struct underlay_result {
    enum drop_reason drop;  /* valid when UL_DROP */
    uint32_t vni;           /* UL_VXLAN */
    uint32_t outer_src;     /* UL_VXLAN, UL_BFD: IPv4 source, network order */
    uint16_t inner_off;     /* UL_VXLAN: offset of the inner Ethernet frame */
    uint16_t inner_len;     /* UL_VXLAN: its length */
    uint8_t outer_tos;      /* UL_VXLAN: outer DSCP/ECN */
};

/* Classify one frame of pkt_len bytes received on an underlay port, whose
 * first seg_len bytes (the first mbuf segment) are at pkt. Checks every
 * header against the lengths before reading it: Ethernet destination, IPv4
 * version/IHL/lengths/checksum (skipped when ip_csum_good), not a fragment,
 * destination = our VTEP, UDP length, destination port, VXLAN I flag and
 * that an inner Ethernet header follows. Lengths are checked against
 * pkt_len; the headers read (outer Ethernet, IPv4 with options, UDP,
 * VXLAN, inner Ethernet) must lie in the first seg_len bytes, else
 * DROP_UNDERLAY_HDR_SPLIT. The VNI is not checked here.
 * Multicast and broadcast frames other than ARP, frames that are not IPv4,
 * and IPv4 to us that is not VXLAN or BFD are UL_HOST. */
enum underlay_class underlay_classify_seg(const uint8_t *pkt, uint32_t seg_len,
                                          uint32_t pkt_len,
                                          const struct underlay_params *p,
                                          int ip_csum_good,
                                          struct underlay_result *r);

/* The same for a frame of len contiguous bytes. */
static inline enum underlay_class underlay_classify(const uint8_t *pkt, uint32_t len,
                                                    const struct underlay_params *p,
                                                    int ip_csum_good,
                                                    struct underlay_result *r)
{
    return underlay_classify_seg(pkt, len, len, p, ip_csum_good, r);
}

#endif
