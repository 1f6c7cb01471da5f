/* Checks on frames received from the underlay (see include/vxlan.h). */
#include <netinet/in.h>

#include "vxlan.h"

/* One's-complement sum of an IPv4 header is 0xffff when its checksum is
 * valid. The usual 20-byte header is summed 64 bits at a time
 * (ipv4_hdr20_sum), then folded to 16 bits; options take rte_raw_cksum. */
static inline int ipv4_hdr_csum_ok(const struct rte_ipv4_hdr *ip, uint32_t ihl)
{
    if (likely(ihl == sizeof(*ip))) {
        uint64_t s = ipv4_hdr20_sum((const uint8_t *)ip);
        uint32_t t, hi;

        hi = (uint32_t)(s >> 32);
        t = (uint32_t)s + hi;
        t += t < hi;
        t = (t & 0xffff) + (t >> 16);
        t = (t & 0xffff) + (t >> 16);
        return t == 0xffff;
    }
    return rte_raw_cksum(ip, ihl) == 0xffff;
}

static enum underlay_class drop(struct underlay_result *r, enum drop_reason why)
{
    r->drop = why;
    return UL_DROP;
}

static enum underlay_class host(struct underlay_result *r, enum drop_reason why)
{
    r->drop = why;
    return UL_HOST;
}

/* A header of need bytes at offset off: beyond the frame, or beyond the
 * first segment of a longer frame (split), or readable. */
enum hdr_fit { HDR_OK = 0, HDR_SHORT, HDR_SPLIT };

static enum hdr_fit fits(uint32_t off, uint32_t need, uint32_t seg_len, uint32_t pkt_len)
{
    if (off + need > pkt_len)
        return HDR_SHORT;
    return off + need > seg_len ? HDR_SPLIT : HDR_OK;
}

enum underlay_class underlay_classify_seg(const uint8_t *pkt, uint32_t seg_len,
                                          uint32_t pkt_len,
                                          const struct underlay_params *p,
                                          int ip_csum_good,
                                          struct underlay_result *r)
{
    const struct rte_ether_hdr *eth = (const struct rte_ether_hdr *)pkt;
    const struct rte_ipv4_hdr *ip;
    const struct rte_udp_hdr *udp;
    const struct rte_vxlan_hdr *vx;
    uint32_t ihl, ip_len, udp_len, l4len, len = pkt_len;
    uint16_t dport;
    enum hdr_fit f;

    if (seg_len > pkt_len)
        seg_len = pkt_len;  /* a first segment longer than the frame: not trusted */

    /* The common case first, in one pass over the first segment: VXLAN to
     * our MAC, IPv4 without options to our address, not fragmented, to
     * our UDP port, I flag set, lengths consistent, the outer headers and
     * the inner Ethernet header in the first segment. Anything else takes
     * the checks below, in their order (the same answer for a frame that
     * passes here). */
    if (likely(seg_len >= RTE_ETHER_HDR_LEN + sizeof(struct rte_ipv4_hdr) +
               sizeof(struct rte_udp_hdr) + sizeof(struct rte_vxlan_hdr) + RTE_ETHER_HDR_LEN)) {
        const struct rte_ether_hdr *e = (const struct rte_ether_hdr *)pkt;
        const struct rte_ipv4_hdr *fip = (const struct rte_ipv4_hdr *)(e + 1);
        const struct rte_udp_hdr *fudp = (const struct rte_udp_hdr *)(fip + 1);
        const struct rte_vxlan_hdr *fvx = (const struct rte_vxlan_hdr *)(fudp + 1);
        uint32_t d4, p4;
        uint16_t d2, p2;
        uint32_t fip_len = rte_be_to_cpu_16(fip->total_length);
        uint32_t fudp_len = rte_be_to_cpu_16(fudp->dgram_len);

        memcpy(&d4, pkt, 4);
        memcpy(&d2, pkt + 4, 2);
        memcpy(&p4, p->port_mac, 4);
        memcpy(&p2, p->port_mac + 4, 2);
        if (e->ether_type == RTE_BE16(RTE_ETHER_TYPE_IPV4) && ((d4 ^ p4) | (uint32_t)(d2 ^ p2)) == 0 &&
            fip->version_ihl == 0x45 && fip->dst_addr == p->local_ip &&
            !(fip->fragment_offset & RTE_BE16(RTE_IPV4_HDR_MF_FLAG | RTE_IPV4_HDR_OFFSET_MASK)) &&
            fip->next_proto_id == IPPROTO_UDP &&
            fudp->dst_port == rte_cpu_to_be_16(p->udp_port) &&
            fudp_len >= sizeof(*fudp) + sizeof(*fvx) + RTE_ETHER_HDR_LEN &&
            fudp_len + sizeof(*fip) <= fip_len && RTE_ETHER_HDR_LEN + fip_len <= pkt_len &&
            (fvx->vx_flags & RTE_BE32((uint32_t)VXLAN_FLAG_I << 24)) &&
            (ip_csum_good || ipv4_hdr_csum_ok(fip, sizeof(*fip)))) {
            r->outer_src = fip->src_addr;
            r->vni = rte_be_to_cpu_32(fvx->vx_vni) >> 8;
            r->inner_off = RTE_ETHER_HDR_LEN + sizeof(*fip) + sizeof(*fudp) + sizeof(*fvx);
            r->inner_len = (uint16_t)(fudp_len - sizeof(*fudp) - sizeof(*fvx));
            r->outer_tos = fip->type_of_service;
            return UL_VXLAN;
        }
    }
    if ((f = fits(0, sizeof(*eth), seg_len, len)) != HDR_OK)
        return drop(r, f == HDR_SHORT ? DROP_UNDERLAY_RUNT : DROP_UNDERLAY_HDR_SPLIT);
    if (eth->ether_type == RTE_BE16(RTE_ETHER_TYPE_ARP))
        return UL_ARP;  /* the control thread checks the ARP itself */
    if (memcmp(eth->dst_addr.addr_bytes, p->port_mac, RTE_ETHER_ADDR_LEN) != 0)
        return rte_is_multicast_ether_addr(&eth->dst_addr) ?
            host(r, DROP_UNDERLAY_NOT_FOR_US) : drop(r, DROP_UNDERLAY_NOT_FOR_US);
    if (eth->ether_type != RTE_BE16(RTE_ETHER_TYPE_IPV4))
        return host(r, DROP_UNDERLAY_ETHERTYPE);

    if ((f = fits(sizeof(*eth), sizeof(*ip), seg_len, len)) != HDR_OK)
        return drop(r, f == HDR_SHORT ? DROP_IP_BAD_HEADER : DROP_UNDERLAY_HDR_SPLIT);
    ip = (const struct rte_ipv4_hdr *)(eth + 1);
    ihl = rte_ipv4_hdr_len(ip);
    /* IPv4 options, UDP, VXLAN and the inner Ethernet header are read from
     * the first segment: the whole run must be there */
    if (ihl > sizeof(*ip) && fits(sizeof(*eth), ihl, seg_len, len) == HDR_SPLIT)
        return drop(r, DROP_UNDERLAY_HDR_SPLIT);
    ip_len = rte_be_to_cpu_16(ip->total_length);
    if ((ip->version_ihl >> 4) != 4 || ihl < sizeof(*ip) || ip_len < ihl ||
        sizeof(*eth) + ip_len > len)
        return drop(r, DROP_IP_BAD_HEADER);
    /* rte_raw_cksum over the header, options included: 0xffff when valid */
    if (!ip_csum_good && !ipv4_hdr_csum_ok(ip, ihl))
        return drop(r, DROP_IP_BAD_HEADER);
    if (ip->dst_addr != p->local_ip) {
        /* single-hop BFD to another of the host's addresses (a session FRR's
         * bfdd runs from the address it peers from): the BFD thread takes
         * it, or hands it on to the kernel when no session of its own is
         * on that address */
        if (!(ip->fragment_offset & RTE_BE16(RTE_IPV4_HDR_MF_FLAG | RTE_IPV4_HDR_OFFSET_MASK)) &&
            ip->next_proto_id == IPPROTO_UDP && ip_len >= ihl + sizeof(*udp) &&
            fits(sizeof(*eth) + ihl, sizeof(*udp), seg_len, len) == HDR_OK) {
            udp = (const struct rte_udp_hdr *)((const uint8_t *)ip + ihl);
            if (udp->dst_port == RTE_BE16(BFD_UDP_PORT)) {
                r->outer_src = ip->src_addr;
                return UL_BFD;
            }
        }
        return host(r, DROP_IP_NOT_LOCAL);
    }
    if (ip->fragment_offset & RTE_BE16(RTE_IPV4_HDR_MF_FLAG | RTE_IPV4_HDR_OFFSET_MASK))
        return host(r, DROP_IP_FRAGMENT);
    if (ip->next_proto_id != IPPROTO_UDP)
        return host(r, DROP_IP_NOT_UDP);

    udp = (const struct rte_udp_hdr *)((const uint8_t *)ip + ihl);
    l4len = ip_len - ihl;
    if (l4len < sizeof(*udp))
        return drop(r, DROP_UDP_BAD_LENGTH);
    if (sizeof(*eth) + ihl + sizeof(*udp) > seg_len)
        return drop(r, DROP_UNDERLAY_HDR_SPLIT);
    udp_len = rte_be_to_cpu_16(udp->dgram_len);
    if (udp_len < sizeof(*udp) || udp_len > l4len)
        return drop(r, DROP_UDP_BAD_LENGTH);
    dport = rte_be_to_cpu_16(udp->dst_port);
    r->outer_src = ip->src_addr;
    if (dport != p->udp_port) {
        if (dport == BFD_UDP_PORT)
            return UL_BFD;
        return host(r, DROP_UDP_WRONG_PORT);
    }
    if (udp_len < sizeof(*udp) + sizeof(*vx) + sizeof(*eth))
        return drop(r, DROP_VXLAN_TRUNCATED);
    if (sizeof(*eth) + ihl + sizeof(*udp) + sizeof(*vx) + sizeof(*eth) > seg_len)
        return drop(r, DROP_UNDERLAY_HDR_SPLIT);
    vx = (const struct rte_vxlan_hdr *)(udp + 1);
    if (!(rte_be_to_cpu_32(vx->vx_flags) & ((uint32_t)VXLAN_FLAG_I << 24)))
        return drop(r, DROP_VXLAN_BAD_FLAGS);
    r->vni = rte_be_to_cpu_32(vx->vx_vni) >> 8;
    r->inner_off = (uint16_t)((const uint8_t *)(vx + 1) - pkt);
    r->inner_len = (uint16_t)(udp_len - sizeof(*udp) - sizeof(*vx));
    r->outer_tos = ip->type_of_service;
    return UL_VXLAN;
}
