/* Checks on frames received from the underlay (see include/vxlan.h). */
#include <netinet/in.h>

#include "vxlan.h"

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

enum underlay_class underlay_classify(const uint8_t *pkt, uint32_t len,
                                      const struct underlay_params *p,
                                      int ip_csum_good,
                                      struct underlay_result *r)
{
    const struct rte_ether_hdr *eth = (const struct rte_ether_hdr *)pkt;
    const struct rte_ipv4_hdr *ip;
    const struct rte_udp_hdr *udp;
    const struct rte_vxlan_hdr *vx;
    uint32_t ihl, ip_len, udp_len, l4len;
    uint16_t dport;

    if (len < sizeof(*eth))
        return drop(r, DROP_UNDERLAY_RUNT);
    if (eth->ether_type == RTE_BE16(RTE_ETHER_TYPE_ARP))
        return UL_ARP;  /* the control thread checks the ARP itself */
    if (memcmp(eth->dst_addr.addr_bytes, p->port_mac, RTE_ETHER_ADDR_LEN) != 0)
        return rte_is_multicast_ether_addr(&eth->dst_addr) ?
            host(r, DROP_UNDERLAY_NOT_FOR_US) : drop(r, DROP_UNDERLAY_NOT_FOR_US);
    if (eth->ether_type != RTE_BE16(RTE_ETHER_TYPE_IPV4))
        return host(r, DROP_UNDERLAY_ETHERTYPE);

    if (len < sizeof(*eth) + sizeof(*ip))
        return drop(r, DROP_IP_BAD_HEADER);
    ip = (const struct rte_ipv4_hdr *)(eth + 1);
    ihl = rte_ipv4_hdr_len(ip);
    ip_len = rte_be_to_cpu_16(ip->total_length);
    if ((ip->version_ihl >> 4) != 4 || ihl < sizeof(*ip) || ip_len < ihl ||
        sizeof(*eth) + ip_len > len)
        return drop(r, DROP_IP_BAD_HEADER);
    /* rte_raw_cksum over the header, options included: 0xffff when valid */
    if (!ip_csum_good && rte_raw_cksum(ip, ihl) != 0xffff)
        return drop(r, DROP_IP_BAD_HEADER);
    if (ip->dst_addr != p->local_ip) {
        /* single-hop BFD to another of the host's addresses (a session FRR's
         * bfdd runs from the address it peers from): the BFD thread takes
         * it, or hands it on to the kernel when no session of its own is
         * on that address */
        if (!(ip->fragment_offset & RTE_BE16(RTE_IPV4_HDR_MF_FLAG | RTE_IPV4_HDR_OFFSET_MASK)) &&
            ip->next_proto_id == IPPROTO_UDP && ip_len >= ihl + sizeof(*udp)) {
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
    vx = (const struct rte_vxlan_hdr *)(udp + 1);
    if (!(rte_be_to_cpu_32(vx->vx_flags) & ((uint32_t)VXLAN_FLAG_I << 24)))
        return drop(r, DROP_VXLAN_BAD_FLAGS);
    r->vni = rte_be_to_cpu_32(vx->vx_vni) >> 8;
    r->inner_off = (uint16_t)((const uint8_t *)(vx + 1) - pkt);
    r->inner_len = (uint16_t)(udp_len - sizeof(*udp) - sizeof(*vx));
    r->outer_tos = ip->type_of_service;
    return UL_VXLAN;
}
