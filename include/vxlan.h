/* VXLAN (RFC 7348) outer headers: building them for encapsulation and
 * checking them on receipt. Pure functions over byte buffers (DPDK's header
 * structs, no mbufs), so unit tests and the fuzzer can call them.
 */
#ifndef VTEPD_VXLAN_H
#define VTEPD_VXLAN_H

#include <stdbool.h>
#include <stddef.h>
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

/* The outer header fields that are the same for every packet toward one
 * remote VTEP, VNI and TOS, worked out once for a run of such packets. */
struct vxlan_run {
    uint32_t dst_ip_be;
    uint32_t vni_be;    /* the VXLAN header's VNI word */
    uint32_t sum;       /* their share of the IPv4 header sum */
    uint8_t tos;
};

/* Fill r for remote VTEP dst_ip_be, VNI vni and TOS byte tos (DSCP << 2 |
 * ECN). */
static inline void vxlan_run_init(struct vxlan_run *r, uint32_t dst_ip_be, uint32_t vni,
                                  uint8_t tos)
{
    r->dst_ip_be = dst_ip_be;
    r->vni_be = vxlan_be32(vni << 8);
    r->tos = tos;
    /* the words that change, as they will lie in memory: [0, tos], the
     * destination's two halves (the total length is per packet) */
    r->sum = (uint32_t)vxlan_be16(tos) + (dst_ip_be & 0xffff) + (dst_ip_be >> 16);
}

/* Write the 50 outer bytes at out for one packet of run r: template t (the
 * next hop), UDP source port sport (host order), an inner frame of
 * inner_len bytes. The IPv4 checksum is valid (incremental from the
 * template's sum); the UDP checksum is 0. */
static inline void vxlan_encap_write_run(void *out, const struct vxlan_tmpl *t,
                                         const struct vxlan_run *r, uint16_t sport,
                                         uint16_t inner_len)
{
    struct vxlan_outer *h = out;
    uint16_t ip_len_be = vxlan_be16((uint16_t)(inner_len + VXLAN_OUTER_IP_OVERHEAD));
    uint32_t sum = t->sum + r->sum + ip_len_be;

    memcpy(h, &t->hdr, VXLAN_ENCAP_LEN);
    sum = (sum & 0xffff) + (sum >> 16);
    sum = (sum & 0xffff) + (sum >> 16);
    h->ip.type_of_service = r->tos;
    h->ip.total_length = ip_len_be;
    h->ip.hdr_checksum = (uint16_t)~sum;
    h->ip.dst_addr = r->dst_ip_be;
    h->udp.src_port = vxlan_be16(sport);
    h->udp.dgram_len = vxlan_be16((uint16_t)(inner_len + 16));
    h->vx.vx_vni = r->vni_be;
}

/* The outer header of every packet of one run (r) toward one next hop
 * (template t), made once for the run and next hop: the template with the
 * run's TOS, destination and VNI written, and the sum of every IPv4 header
 * word but the total length, folded to 16 bits. */
struct vxlan_prep {
    struct vxlan_outer hdr;
    uint16_t sum;
} __rte_aligned(2);

static inline void vxlan_prep_init(struct vxlan_prep *p, const struct vxlan_tmpl *t,
                                   const struct vxlan_run *r)
{
    uint32_t sum = t->sum + r->sum;

    p->hdr = t->hdr;
    p->hdr.ip.type_of_service = r->tos;
    p->hdr.ip.dst_addr = r->dst_ip_be;
    p->hdr.vx.vx_vni = r->vni_be;
    sum = (sum & 0xffff) + (sum >> 16);
    sum = (sum & 0xffff) + (sum >> 16);
    p->sum = (uint16_t)sum;
}

/* The same 50 bytes at out as vxlan_encap_write_run() with p's template
 * and run: p's header, then this packet's lengths, checksum and UDP source
 * port. The copy leaves out the IPv4 total length (bytes 16-17), written
 * after it: 16 + 32 bytes are three 16-byte moves. Two 16-bit numbers sum
 * to at most 0x1fffe: one end-around carry folds them. */
static inline void vxlan_encap_write_prep(void *out, const struct vxlan_prep *p, uint16_t sport,
                                          uint16_t inner_len)
{
    struct vxlan_outer *h = out;
    uint16_t ip_len_be = vxlan_be16((uint16_t)(inner_len + VXLAN_OUTER_IP_OVERHEAD));
    uint32_t sum = (uint32_t)p->sum + ip_len_be;

    _Static_assert(offsetof(struct vxlan_outer, ip.total_length) == 16, "total length at 16");
    memcpy(h, &p->hdr, 16);
    memcpy((uint8_t *)h + 18, (const uint8_t *)&p->hdr + 18, VXLAN_ENCAP_LEN - 18);
    h->ip.total_length = ip_len_be;
    h->ip.hdr_checksum = (uint16_t)~(sum + (sum >> 16));
    h->udp.src_port = vxlan_be16(sport);
    h->udp.dgram_len = vxlan_be16((uint16_t)(inner_len + 16));
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
    struct vxlan_run r;

    vxlan_run_init(&r, dst_ip_be, vni, tos);
    vxlan_encap_write_run(out, t, &r, sport, inner_len);
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

/* The common received frame, checked in one pass: what
 * underlay_rx_fast compares, made once per burst from the port's
 * underlay_params by underlay_fast_init. */
struct underlay_fast {
    uint64_t mac48;         /* port MAC as a load of 8 bytes gives it, 0 beyond */
    uint32_t local_ip;      /* network order */
    uint16_t dport;         /* UDP port, network order */
};

#define UNDERLAY_FAST_INNER_OFF 50u     /* Ethernet 14 + IPv4 20 + UDP 8 + VXLAN 8 */

static inline void underlay_fast_init(struct underlay_fast *f, const struct underlay_params *p)
{
    uint8_t mac[8] = {0};

    memcpy(mac, p->port_mac, 6);
    memcpy(&f->mac48, mac, 8);
    f->local_ip = p->local_ip;
    f->dport = vxlan_be16(p->udp_port);
}

/* One's-complement sum of the 20 bytes at h (an IPv4 header without
 * options) as two 64-bit words and one 32-bit word with end-around
 * carries. 2^64 = 1 modulo 0xffff, so it folds to the header's 16-bit sum:
 * a valid header's sum is 0 modulo 0xffff (0xffff once folded). */
static inline uint64_t ipv4_hdr20_sum(const uint8_t *h)
{
    uint64_t a, c, s;
    uint32_t d;

    memcpy(&a, h, 8);
    memcpy(&c, h + 8, 8);
    memcpy(&d, h + 16, 4);
    s = a + c;
    s += s < c;                 /* end-around carry: cannot carry again */
    s += d;
    s += s < d;
    return s;
}

/* True when the frame is the common VXLAN frame that underlay_classify_seg
 * accepts as UL_VXLAN with inner_off UNDERLAY_FAST_INNER_OFF: to our MAC,
 * IPv4 without options to our address (checksum valid, or ip_csum_good),
 * unfragmented, UDP to our port, I flag set, lengths consistent, all 64
 * header bytes (outer headers and the inner Ethernet header) in the first
 * seg_len bytes. Then *vni, *outer_src (network order) and *inner_len are
 * what underlay_classify_seg would give. False says nothing: the frame
 * takes underlay_classify_seg. Fields are compared as whole words where
 * they share one; the IPv4 checksum is the header summed as two 64-bit
 * words and one 32-bit word with end-around carries, modulo 0xffff (2^16
 * = 1 modulo 0xffff, and the one's-complement sum is the same in either
 * byte order): a valid header sums to a multiple of 0xffff.
 * Little-endian only (elsewhere always false). */
static inline bool underlay_rx_fast(const uint8_t *pkt, uint32_t seg_len, uint32_t pkt_len,
                                    const struct underlay_fast *f, bool ip_csum_good,
                                    uint32_t *vni, uint32_t *outer_src, uint32_t *inner_len)
{
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    uint64_t w0;
    uint32_t w12, w20, d30, vx;
    uint16_t dport, be;
    uint32_t ip_len, udp_len;

    if (__builtin_expect(seg_len < UNDERLAY_FAST_INNER_OFF + RTE_ETHER_HDR_LEN ||
                         pkt_len < UNDERLAY_FAST_INNER_OFF + RTE_ETHER_HDR_LEN, 0))
        return false;
    memcpy(&w12, pkt + 12, 4);      /* ethertype, version/IHL, TOS */
    if (__builtin_expect((w12 & 0x00ffffffu) != 0x00450008u, 0))    /* 08 00 45 */
        return false;
    memcpy(&w0, pkt, 8);            /* destination MAC, 2 bytes of the source */
    if (__builtin_expect(((w0 ^ f->mac48) << 16) != 0, 0))
        return false;
    memcpy(&w20, pkt + 20, 4);      /* flags/fragment offset, TTL, protocol */
    if (__builtin_expect((w20 & 0xff00ff3fu) != 0x11000000u, 0))    /* MF, offset 0; UDP */
        return false;
    memcpy(&d30, pkt + 30, 4);
    if (__builtin_expect(d30 != f->local_ip, 0))
        return false;
    memcpy(&dport, pkt + 36, 2);
    if (__builtin_expect(dport != f->dport, 0))
        return false;
    if (__builtin_expect(!(pkt[42] & VXLAN_FLAG_I), 0))
        return false;
    memcpy(&be, pkt + 16, 2);
    ip_len = __builtin_bswap16(be);
    memcpy(&be, pkt + 38, 2);
    udp_len = __builtin_bswap16(be);
    if (__builtin_expect(udp_len < sizeof(struct rte_udp_hdr) + sizeof(struct rte_vxlan_hdr) +
                         RTE_ETHER_HDR_LEN || udp_len + sizeof(struct rte_ipv4_hdr) > ip_len ||
                         RTE_ETHER_HDR_LEN + ip_len > pkt_len, 0))
        return false;
    if (!ip_csum_good && __builtin_expect(ipv4_hdr20_sum(pkt + 14) % 0xffff != 0, 0))
        return false;
    memcpy(&vx, pkt + 46, 4);
    *vni = __builtin_bswap32(vx) >> 8;
    memcpy(outer_src, pkt + 26, 4);
    *inner_len = udp_len - (uint32_t)(sizeof(struct rte_udp_hdr) + sizeof(struct rte_vxlan_hdr));
    return true;
#else
    (void)pkt; (void)seg_len; (void)pkt_len; (void)f; (void)ip_csum_good;
    (void)vni; (void)outer_src; (void)inner_len;
    return false;
#endif
}

#endif
