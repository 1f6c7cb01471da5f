/* VXLAN encapsulation: prepend the next hop's 50-byte outer header
 * template, with this packet's lengths, destination VTEP, VNI, UDP source
 * port, TOS and an incrementally updated IPv4 checksum. A burst of unicast
 * frames first goes through the short/long classifier when it is on. */
#include "flow_class.h"
#include "flow_table.h"
#include "worker_priv.h"

int encap_send(struct wk *w, struct rte_mbuf *m, uint32_t vni_idx, uint32_t vtep_be, int group,
               uint8_t tos)
{
    const struct dp_conf *c = w->conf;
    uint32_t vni = c->vnis[vni_idx].vni;
    uint32_t inner_len = rte_pktmbuf_pkt_len(m);
    const struct dp_nexthop *nh;
    uint32_t h;
    void *hdr;

    if (unlikely(inner_len + VXLAN_OUTER_IP_OVERHEAD > c->underlay_mtu)) {
        wk_drop(w, m, DROP_MTU_EXCEEDED);
        return -1;
    }
    nh = nexthop_select(c, group, rte_pktmbuf_mtod(m, const uint8_t *), rte_pktmbuf_data_len(m),
                        vni, vtep_be, &h);
    if (unlikely(nh == NULL)) {
        wk_drop(w, m, DROP_NO_NEXTHOP);
        return -1;
    }
    hdr = rte_pktmbuf_prepend(m, VXLAN_ENCAP_LEN);
    if (unlikely(hdr == NULL)) {
        wk_drop(w, m, DROP_NO_HEADROOM);
        return -1;
    }
    vxlan_encap_write(hdr, dp_nexthop_tmpl(nh), vtep_be, flow_hash_udp_sport(h), vni,
                      (uint16_t)inner_len, tos);
    if (g_dp.ports[nh->port].tx_ip_csum) {
        /* the NIC fills the outer IPv4 checksum (RTE_ETH_TX_OFFLOAD_IPV4_CKSUM) */
        ((struct vxlan_outer *)hdr)->ip.hdr_checksum = 0;
        m->l2_len = sizeof(struct rte_ether_hdr);
        m->l3_len = sizeof(struct rte_ipv4_hdr);
        m->ol_flags = RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_IP_CKSUM;
    } else {
        m->ol_flags = 0;
    }
    tx_enqueue(w, nh->port, m);
    return 0;
}

/* The classifier's verdict for the frames of VNIs it applies to: their class
 * group and outer TOS (class DSCP, inner ECN copied: RFC 6040 normal mode).
 * Frames it does not count (not IP, fragments, protocols not enabled) go as
 * short. Returns, per frame, 0 short, 1 long, -1 not classified. */
static void classify_burst(struct wk *w, struct rte_mbuf **pkts, const uint32_t *vni_idx,
                           unsigned n, int8_t *cls, uint8_t *tos)
{
    const struct dp_conf *c = w->conf;
    struct flow_table *ft = c->cls->ft[w->pub.id];
    struct fc_key keys[DP_BURST];
    struct fc_meta meta[DP_BURST];
    uint8_t res[DP_BURST];
    uint8_t idx[DP_BURST];
    unsigned k = 0;

    for (unsigned i = 0; i < n; i++) {
        const uint8_t *f;

        cls[i] = -1;
        if (!c->vnis[vni_idx[i]].classify)
            continue;
        f = rte_pktmbuf_mtod(pkts[i], const uint8_t *);
        fc_extract(f, f + rte_pktmbuf_data_len(pkts[i]), c->vnis[vni_idx[i]].vni,
                   c->cls_protocols, &keys[k], &meta[k]);
        meta[k].len = rte_pktmbuf_pkt_len(pkts[i]);
        idx[k++] = (uint8_t)i;
    }
    if (k == 0)
        return;
    flow_table_classify_bulk(ft, keys, meta, k, w->now_tsc, res);
    for (unsigned j = 0; j < k; j++) {
        unsigned i = idx[j];
        int l = (res[j] & FC_R_LONG) != 0;
        uint8_t *f = rte_pktmbuf_mtod(pkts[i], uint8_t *);
        const struct dp_class_action *a = &c->cls_act[l];
        struct vni_stats *vs = &w->pub.st.vni[vni_idx[i]];

        cls[i] = (int8_t)l;
        if (c->cls_rewrite_inner) {
            /* the IPv4 checksum is fixed incrementally */
            if (meta[j].flags & FC_M_IPV4)
                fc_ipv4_set_dscp(f + meta[j].l3_off, a->dscp);
            else if (meta[j].flags & FC_M_IPV6)
                fc_ipv6_set_dscp(f + meta[j].l3_off, a->dscp);
        }
        tos[i] = fc_outer_tos(a->dscp, fc_inner_tos(f, &meta[j]));
        vs->cls_packets[l]++;
        vs->cls_bytes[l] += meta[j].len;
    }
}

void encap_burst(struct wk *w, struct rte_mbuf **pkts, const uint32_t *vni_idx,
                 const uint32_t *vtep_be, unsigned n)
{
    const struct dp_conf *c = w->conf;
    int8_t cls[DP_BURST];
    uint8_t tos[DP_BURST];

    if (c->cls)
        classify_burst(w, pkts, vni_idx, n, cls, tos);
    for (unsigned i = 0; i < n; i++) {
        struct vni_stats *vs = &w->pub.st.vni[vni_idx[i]];
        uint32_t len = rte_pktmbuf_pkt_len(pkts[i]);
        int rc;

        if (c->cls && cls[i] >= 0)
            rc = encap_send(w, pkts[i], vni_idx[i], vtep_be[i], c->cls_act[cls[i]].group, tos[i]);
        else
            rc = encap_send(w, pkts[i], vni_idx[i], vtep_be[i], -1, 0);
        if (rc == 0) {
            vs->encap_packets++;
            vs->encap_bytes += len;
        }
    }
}
