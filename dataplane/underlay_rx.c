/* Underlay port -> checks -> decapsulate -> deliver by inner destination to
 * a local attachment, or flood to the VNI's local attachments only. ARP and
 * BFD for us go to the control thread. */
#include <rte_cycles.h>
#include <rte_ether.h>
#include <rte_prefetch.h>

#include "dp.h"
#include "mac_table.h"
#include "vni_map.h"

static inline void punt(struct worker *w, struct rte_ring *r, struct rte_mbuf *m, uint16_t port)
{
    m->port = port;     /* dp port index for the control thread */
    *dp_punt_tsc(m) = rte_rdtsc();  /* arrival time, for BFD timers */
    if (unlikely(rte_ring_sp_enqueue(r, m) != 0)) {
        dp_drop(w, m, DROP_PUNT_RING_FULL);
        return;
    }
    w->st.ev.punted++;
}

void underlay_rx_burst(struct worker *w, uint16_t port, struct rte_mbuf **pkts, uint16_t n)
{
    const struct dp_port *p = &g_dp.ports[port];
    struct port_stats *ps = &w->st.port[port];
    struct underlay_params up = {.local_ip = g_dp.local_ip, .udp_port = g_dp.udp_port};
    struct mac_key keys[DP_BURST];
    const struct mac_key *kp[DP_BURST];
    struct rte_mbuf *dm[DP_BURST];
    uint64_t vals[DP_BURST];
    uint8_t uidx[DP_BURST];     /* packet -> its unique key in kp/vals */
    unsigned nd = 0, n_u = 0;

    memcpy(up.port_mac, p->mac.addr_bytes, 6);
    for (uint16_t i = 0; i < n; i++) {
        struct rte_mbuf *m = pkts[i];
        struct underlay_result r;
        int64_t vni_idx;
        int csum_good;

        if (i + 1 < n)
            rte_prefetch0(rte_pktmbuf_mtod(pkts[i + 1], void *));
        ps->rx_packets++;
        ps->rx_bytes += rte_pktmbuf_pkt_len(m);
        csum_good = (m->ol_flags & RTE_MBUF_F_RX_IP_CKSUM_MASK) == RTE_MBUF_F_RX_IP_CKSUM_GOOD;
        switch (underlay_classify(rte_pktmbuf_mtod(m, const uint8_t *),
                                  rte_pktmbuf_data_len(m), &up, csum_good, &r)) {
        case UL_ARP:
            punt(w, w->punt_ring, m, port);
            continue;
        case UL_BFD:
            punt(w, w->bfd_ring, m, port);
            continue;
        case UL_DROP:
            dp_drop(w, m, r.drop);
            continue;
        case UL_VXLAN:
            break;
        }
        vni_idx = vni_map_find(g_dp.vni_map, r.vni);
        if (unlikely(vni_idx < 0)) {
            dp_drop(w, m, DROP_VXLAN_UNKNOWN_VNI);
            continue;
        }
        rte_pktmbuf_adj(m, r.inner_off);
        if (rte_pktmbuf_pkt_len(m) > r.inner_len)
            rte_pktmbuf_trim(m, (uint16_t)(rte_pktmbuf_pkt_len(m) - r.inner_len));
        m->ol_flags = 0;
        w->st.vni[vni_idx].decap_packets++;
        w->st.vni[vni_idx].decap_bytes += r.inner_len;
        {
            const uint8_t *in = rte_pktmbuf_mtod(m, const uint8_t *);
            /* RFC 7348 section 5: decapsulated frames with an inner VLAN tag
             * SHOULD be discarded */
            if (unlikely((in[12] == 0x81 && in[13] == 0x00) || (in[12] == 0x88 && in[13] == 0xa8))) {
                dp_drop(w, m, DROP_DECAP_INNER_VLAN);
                continue;
            }
            if (unlikely(dp_is_link_local(in))) {
                dp_drop(w, m, DROP_LINK_LOCAL);
                continue;
            }
        }
        mac_key_set(&keys[nd], (uint32_t)vni_idx, rte_pktmbuf_mtod(m, const uint8_t *));
        /* consecutive frames to one destination share one table lookup */
        if (nd && !memcmp(&keys[nd], &keys[nd - 1], sizeof(keys[0]))) {
            uidx[nd] = uidx[nd - 1];
        } else {
            kp[n_u] = &keys[nd];
            uidx[nd] = (uint8_t)n_u++;
        }
        dm[nd++] = m;
    }
    if (nd == 0)
        return;

    mac_table_lookup_bulk(g_dp.macs, kp, n_u, vals);
    for (unsigned i = 0; i < nd; i++) {
        struct rte_mbuf *m = dm[i];
        uint64_t v = vals[uidx[i]];
        enum mac_kind k = mac_val_kind(v);

        if (keys[i].mac[0] & 1 || k == MAC_NONE) {
            flood_send(w, m, keys[i].vni_idx, DP_NO_ATTACH, 0);
        } else if (mac_kind_is_local(k) && mac_val_attach(v) < g_dp.n_attach) {
            access_send(w, m, mac_val_attach(v));
        } else {
            dp_drop(w, m, DROP_DECAP_DST_REMOTE);   /* split horizon */
        }
    }
}
