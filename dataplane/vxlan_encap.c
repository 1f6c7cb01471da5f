/* VXLAN outer header template (see include/vxlan.h). */
#include <rte_ether.h>
#include <rte_ip.h>

#include "vxlan.h"

void vxlan_tmpl_init(struct vxlan_tmpl *t, const uint8_t dst_mac[6],
                     const uint8_t src_mac[6], uint32_t src_ip_be,
                     uint8_t ttl, uint16_t udp_dport)
{
    uint8_t *h = t->hdr;
    uint32_t sum = 0;

    memset(t, 0, sizeof(*t));
    memcpy(h, dst_mac, 6);
    memcpy(h + 6, src_mac, 6);
    h[12] = 0x08;           /* IPv4 */
    h[13] = 0x00;
    h[14] = 0x45;           /* version 4, IHL 5 */
    h[15] = 0;              /* TOS: per packet */
    /* 16-17 total length: per packet; 18-19 id 0 */
    h[20] = 0x40;           /* DF */
    h[21] = 0;
    h[22] = ttl;
    h[23] = IPPROTO_UDP;
    /* 24-25 checksum: per packet */
    memcpy(h + 26, &src_ip_be, 4);
    /* 30-33 destination: per packet */
    /* 34-35 UDP source port, 36-37 destination port, 38-39 length, 40-41 checksum 0 */
    h[36] = (uint8_t)(udp_dport >> 8);
    h[37] = (uint8_t)udp_dport;
    h[42] = VXLAN_FLAG_I;
    /* 46-48 VNI, 49 reserved */

    /* sum of the IPv4 words that do not change per packet */
    for (int i = 14; i < 34; i += 2)
        sum += (uint32_t)(h[i] << 8 | h[i + 1]);
    t->sum = sum;
}

/* ---- sending (worker hot path) ---- */
#include <rte_lpm.h>

#include "dp.h"

static inline const struct dp_group *group_of(uint32_t vtep_be)
{
    uint32_t g;

    if (likely(g_dp.routes == NULL) ||
        rte_lpm_lookup(g_dp.routes, rte_be_to_cpu_32(vtep_be), &g) != 0 || g >= g_dp.n_groups)
        return &g_dp.groups[0];
    return &g_dp.groups[g];
}

int vxlan_encap_send(struct worker *w, struct rte_mbuf *m, uint32_t vni_idx,
                     uint32_t vtep_be)
{
    const struct dp_vni *v = &g_dp.vnis[vni_idx];
    uint32_t inner_len = rte_pktmbuf_pkt_len(m);
    const struct dp_group *grp = group_of(vtep_be);
    const struct dp_nexthop *nh;
    uint32_t h;
    uint16_t mi;
    uint8_t *hdr;

    if (unlikely(inner_len + VXLAN_OUTER_IP_OVERHEAD > g_dp.underlay_mtu)) {
        dp_drop(w, m, DROP_MTU_EXCEEDED);
        return -1;
    }
    h = flow_hash(&grp->hash, rte_pktmbuf_mtod(m, const uint8_t *),
                  rte_pktmbuf_data_len(m), v->vni, g_dp.local_ip, vtep_be);
    mi = ecmp_pick(&grp->ecmp, h);
    if (unlikely(mi >= grp->ecmp.n_members)) {
        dp_drop(w, m, DROP_NO_NEXTHOP);
        return -1;
    }
    nh = &g_dp.nexthops[grp->member_nh[mi]];
    hdr = (uint8_t *)rte_pktmbuf_prepend(m, VXLAN_ENCAP_LEN);
    if (unlikely(hdr == NULL)) {
        dp_drop(w, m, DROP_NO_HEADROOM);
        return -1;
    }
    vxlan_encap_write(hdr, &nh->tmpl, vtep_be, flow_hash_udp_sport(h), v->vni,
                      (uint16_t)inner_len, 0);
    m->ol_flags = 0;
    tx_enqueue(w, nh->port, m);
    return 0;
}
