/* Underlay port input: each frame checked (underlay_classify); ARP and BFD
 * for us punted; VXLAN for a configured VNI, from a VTEP on that VNI's
 * flood list unless the check is off, decapsulated; the inner frames
 * looked up as a burst and delivered to their local attachment, or flooded
 * to the VNI's local attachments only (split horizon: never back to the
 * underlay). */
#include <rte_prefetch.h>

#include "vni_map.h"
#include "worker_priv.h"

void underlay_input(struct wk *w, uint16_t port, struct rte_mbuf **pkts, uint16_t n)
{
    const struct dp_conf *c = w->conf;
    const struct dp_port *p = &g_dp.ports[port];
    struct port_stats *ps = &w->pub.st.port[port];
    struct underlay_params up = {.local_ip = g_dp.local_ip, .udp_port = c->udp_port};
    struct mac_key keys[DP_BURST];
    struct rte_mbuf *dm[DP_BURST];
    uint64_t vals[DP_BURST];
    uint64_t rx_bytes = 0;
    unsigned nd = 0;
    uint32_t last_src = 0;
    int64_t last_src_vni = -1;

    memcpy(up.port_mac, p->mac.addr_bytes, RTE_ETHER_ADDR_LEN);
    for (uint16_t i = 0; i < n; i++) {
        struct rte_mbuf *m = pkts[i];
        const struct rte_ether_hdr *in;
        struct underlay_result r;
        int64_t vni_idx;
        int csum_good;

        if (i + 1 < n)
            rte_prefetch0(rte_pktmbuf_mtod(pkts[i + 1], void *));
        rx_bytes += rte_pktmbuf_pkt_len(m);
        csum_good = (m->ol_flags & RTE_MBUF_F_RX_IP_CKSUM_MASK) == RTE_MBUF_F_RX_IP_CKSUM_GOOD;
        /* lengths from the whole chain, headers from the first segment */
        switch (underlay_classify_seg(rte_pktmbuf_mtod(m, const uint8_t *),
                                      rte_pktmbuf_data_len(m), rte_pktmbuf_pkt_len(m), &up,
                                      csum_good, &r)) {
        case UL_ARP:
            punt_send(w, w->pub.punt_ring, m, port);
            continue;
        case UL_BFD:
            punt_send(w, w->pub.bfd_ring, m, port);
            continue;
        case UL_HOST:
            if (p->kernel != DP_NO_PORT)
                kernel_send(w, port, m);
            else
                wk_drop(w, m, r.drop);
            continue;
        case UL_DROP:
            wk_drop(w, m, r.drop);
            continue;
        case UL_VXLAN:
            break;
        }
        vni_idx = vni_map_find(c->vni_map, r.vni);
        if (unlikely(vni_idx < 0)) {
            wk_drop(w, m, DROP_VXLAN_UNKNOWN_VNI);
            continue;
        }
        /* only the VTEPs the VNI floods to (configured, or from type-3
         * routes) may send into it; the last source checked is remembered */
        if (c->vnis[vni_idx].src_check &&
            (r.outer_src != last_src || vni_idx != last_src_vni)) {
            if (unlikely(!dp_flood_has(__atomic_load_n(&g_dp.flood[vni_idx], __ATOMIC_ACQUIRE),
                                       r.outer_src))) {
                wk_drop(w, m, DROP_SRC_VTEP_UNKNOWN);
                continue;
            }
            last_src = r.outer_src;
            last_src_vni = vni_idx;
        }
        /* the outer headers are in the first segment (checked above) */
        rte_pktmbuf_adj(m, r.inner_off);
        if (rte_pktmbuf_pkt_len(m) > r.inner_len)
            dp_mbuf_trim_to(m, r.inner_len);
        m->ol_flags = 0;
        w->pub.st.vni[vni_idx].decap_packets++;
        w->pub.st.vni[vni_idx].decap_bytes += r.inner_len;
        in = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
        /* RFC 7348 section 5: decapsulated frames with an inner VLAN tag
         * SHOULD be discarded */
        if (unlikely(in->ether_type == RTE_BE16(RTE_ETHER_TYPE_VLAN) ||
                     in->ether_type == RTE_BE16(RTE_ETHER_TYPE_QINQ))) {
            wk_drop(w, m, DROP_DECAP_INNER_VLAN);
            continue;
        }
        if (unlikely(dp_is_link_local(in->dst_addr.addr_bytes))) {
            wk_drop(w, m, DROP_LINK_LOCAL);
            continue;
        }
        mac_key_set(&keys[nd], (uint32_t)vni_idx, in->dst_addr.addr_bytes);
        dm[nd++] = m;
    }
    ps->rx_packets += n;
    ps->rx_bytes += rx_bytes;
    if (nd == 0)
        return;

    l2_lookup_burst(keys, nd, vals);
    for (unsigned i = 0; i < nd; i++) {
        struct rte_mbuf *m = dm[i];
        uint64_t v = vals[i];
        enum mac_kind k = mac_val_kind(v);
        uint32_t vni_idx = keys[i].vni_idx;

        if ((keys[i].mac[0] & 1) || k == MAC_NONE) {
            flood_send(w, m, vni_idx, DP_NO_ATTACH, 0);
        } else if (mac_kind_is_local(k) && mac_val_attach(v) < DP_MAX_ATTACH &&
                   c->attach[mac_val_attach(v)].vni_idx == vni_idx) {
            access_send(w, m, mac_val_attach(v));
        } else {
            wk_drop(w, m, DROP_DECAP_DST_REMOTE);   /* split horizon */
        }
    }
}
