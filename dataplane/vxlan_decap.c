/* Checks on frames received from the underlay (see include/vxlan.h). */
#include <rte_ether.h>
#include <rte_ip.h>

#include "vxlan.h"

static inline uint16_t rd16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

static enum underlay_class drop(struct underlay_result *r, enum drop_reason why)
{
    r->drop = why;
    return UL_DROP;
}

static int ipv4_sum_ok(const uint8_t *ip, uint32_t ihl)
{
    uint32_t sum = 0;

    for (uint32_t i = 0; i < ihl; i += 2)
        sum += rd16(ip + i);
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return sum == 0xffff;
}

enum underlay_class underlay_classify(const uint8_t *pkt, uint32_t len,
                                      const struct underlay_params *p,
                                      int ip_csum_good,
                                      struct underlay_result *r)
{
    const uint8_t *ip, *udp, *vx;
    uint32_t ihl, ip_len, udp_len, l4len;
    uint16_t etype, dport, frag;

    if (len < RTE_ETHER_HDR_LEN)
        return drop(r, DROP_UNDERLAY_RUNT);
    etype = rd16(pkt + 12);
    if (etype == RTE_ETHER_TYPE_ARP)
        return UL_ARP;  /* the control thread checks the ARP itself */
    if (memcmp(pkt, p->port_mac, 6) != 0)
        return drop(r, DROP_UNDERLAY_NOT_FOR_US);
    if (etype != RTE_ETHER_TYPE_IPV4)
        return drop(r, DROP_UNDERLAY_ETHERTYPE);

    ip = pkt + RTE_ETHER_HDR_LEN;
    if (len < RTE_ETHER_HDR_LEN + 20)
        return drop(r, DROP_IP_BAD_HEADER);
    ihl = (uint32_t)(ip[0] & 0x0f) * 4;
    ip_len = rd16(ip + 2);
    if ((ip[0] >> 4) != 4 || ihl < 20 || ip_len < ihl ||
        RTE_ETHER_HDR_LEN + ip_len > len)
        return drop(r, DROP_IP_BAD_HEADER);
    if (!ip_csum_good && !ipv4_sum_ok(ip, ihl))
        return drop(r, DROP_IP_BAD_HEADER);
    if (memcmp(ip + 16, &p->local_ip, 4) != 0)
        return drop(r, DROP_IP_NOT_LOCAL);
    frag = rd16(ip + 6);
    if (frag & (RTE_IPV4_HDR_MF_FLAG | RTE_IPV4_HDR_OFFSET_MASK))
        return drop(r, DROP_IP_FRAGMENT);
    if (ip[9] != IPPROTO_UDP)
        return drop(r, DROP_IP_NOT_UDP);

    udp = ip + ihl;
    l4len = ip_len - ihl;
    if (l4len < 8)
        return drop(r, DROP_UDP_BAD_LENGTH);
    udp_len = rd16(udp + 4);
    if (udp_len < 8 || udp_len > l4len)
        return drop(r, DROP_UDP_BAD_LENGTH);
    dport = rd16(udp + 2);
    memcpy(&r->outer_src, ip + 12, 4);
    if (dport != p->udp_port) {
        if (dport == BFD_UDP_PORT)
            return UL_BFD;
        return drop(r, DROP_UDP_WRONG_PORT);
    }
    if (udp_len < 8 + 8 + RTE_ETHER_HDR_LEN)
        return drop(r, DROP_VXLAN_TRUNCATED);
    vx = udp + 8;
    if (!(vx[0] & VXLAN_FLAG_I))
        return drop(r, DROP_VXLAN_BAD_FLAGS);
    r->vni = (uint32_t)vx[4] << 16 | (uint32_t)vx[5] << 8 | vx[6];
    r->inner_off = (uint16_t)(vx + 8 - pkt);
    r->inner_len = (uint16_t)(udp_len - 16);
    return UL_VXLAN;
}
