/* Underlay port input: each frame checked (underlay_classify); ARP and BFD
 * for us punted; VXLAN for a configured VNI, from a VTEP on that VNI's
 * flood list unless the check is off, decapsulated; the inner frames
 * looked up as a burst and delivered to their local attachment, or flooded
 * to the VNI's local attachments only (split horizon: never back to the
 * underlay).
 *
 * Per burst, not per frame where a run of frames allows it: the VNI map
 * lookup, the source-VTEP check and the VNI counters are redone only when
 * the VNI (or the source) changes; consecutive inner frames to one (VNI,
 * MAC) form a run that costs one MAC table lookup and, to an untagged
 * attachment, one copy into the TX buffer. */
#include <rte_prefetch.h>

#include "vni_map.h"
#include "worker_priv.h"

/* The destination MAC of an Ethernet header (8 readable bytes) in the
 * high 48 bits of a word, the low 16 bits 0. */
static inline uint64_t eth_dst_hi48(const uint8_t *d)
{
    uint64_t x;

    memcpy(&x, d, 8);
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    return x << 16;
#else
    return x & ~0xffffull;
#endif
}

void underlay_input(struct wk *w, uint16_t port, struct rte_mbuf **pkts, uint16_t n)
{
    const struct dp_conf *c = w->conf;
    const struct dp_port *p = &g_dp.ports[port];
    struct port_stats *ps = &w->pub.st.port[port];
    struct underlay_params up = {.local_ip = g_dp.local_ip, .udp_port = c->udp_port};
    struct underlay_fast fp;
    struct mac_key keys[DP_BURST];      /* one per run */
    struct mac_lookup lk[DP_BURST];     /* its lookup, started at once */
    uint8_t run_start[DP_BURST + 1];    /* run r: dm[run_start[r] .. run_start[r + 1]) */
    struct rte_mbuf *dm[DP_BURST];
    uint64_t vals[DP_BURST];
    uint64_t rx_bytes = 0;
    unsigned nd = 0, n_runs = 0;
    /* a run is (inner destination MAC, VNI slot): MAC << 16 | slot, and
     * slots are below 0x7fff, so never all ones */
    uint64_t run_id = UINT64_MAX;
    /* the VNI of the frames before (its slot, or < 0 when unknown), its
     * counts not yet added, and the (VNI << 32 | source VTEP) last
     * accepted (VNIs are 24 bits: never all ones) */
    uint32_t cur_vni = UINT32_MAX;
    int64_t cur_idx = -1;
    uint64_t cur_pkts = 0, cur_bytes = 0;
    uint64_t ok_vs = UINT64_MAX;

    memcpy(up.port_mac, p->mac.addr_bytes, RTE_ETHER_ADDR_LEN);
    underlay_fast_init(&fp, &up);
    for (uint16_t i = 0; i < n; i++) {
        struct rte_mbuf *m = pkts[i];
        const uint8_t *in;
        uint8_t *d = rte_pktmbuf_mtod(m, uint8_t *);
        uint32_t pkt_len = rte_pktmbuf_pkt_len(m);
        uint32_t vni, src, inner_len, inner_off = UNDERLAY_FAST_INNER_OFF;
        uint64_t vs, id;
        uint16_t et;
        bool csum_good;

        if (i + 1 < n)
            rte_prefetch0(rte_pktmbuf_mtod(pkts[i + 1], void *));
        rx_bytes += pkt_len;
        csum_good = (m->ol_flags & RTE_MBUF_F_RX_IP_CKSUM_MASK) == RTE_MBUF_F_RX_IP_CKSUM_GOOD;
        /* lengths from the whole chain, headers from the first segment;
         * the common frame in one branch, anything else by the ordered
         * checks */
        if (unlikely(!underlay_rx_fast(d, rte_pktmbuf_data_len(m), pkt_len, &fp, csum_good,
                                       &vni, &src, &inner_len))) {
            struct underlay_result r;

            switch (underlay_classify_seg(d, rte_pktmbuf_data_len(m), pkt_len, &up, csum_good,
                                          &r)) {
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
            vni = r.vni;
            src = r.outer_src;
            inner_off = r.inner_off;
            inner_len = r.inner_len;
        }
        /* the VNI and the source VTEP as one word: the same as the frame
         * before's (accepted) in one compare */
        vs = (uint64_t)vni << 32 | src;
        if (unlikely(vs != ok_vs)) {
            if (vni != cur_vni) {
                if (cur_pkts) {
                    w->pub.st.vni[cur_idx].decap_packets += cur_pkts;
                    w->pub.st.vni[cur_idx].decap_bytes += cur_bytes;
                    cur_pkts = cur_bytes = 0;
                }
                cur_vni = vni;
                cur_idx = vni_map_find(c->vni_map, vni);
                ok_vs = UINT64_MAX;
            }
            if (unlikely(cur_idx < 0)) {
                wk_drop(w, m, DROP_VXLAN_UNKNOWN_VNI);
                continue;
            }
            /* only the VTEPs the VNI floods to (configured, or from type-3
             * routes) may send into it; the last source accepted is
             * remembered */
            if (c->vnis[cur_idx].src_check &&
                unlikely(!dp_flood_has(__atomic_load_n(&g_dp.flood[cur_idx], __ATOMIC_ACQUIRE),
                                       src))) {
                wk_drop(w, m, DROP_SRC_VTEP_UNKNOWN);
                continue;
            }
            ok_vs = vs;
        }
        /* the outer headers are in the first segment (checked above), and
         * the inner frame ends within the frame (inner_off + inner_len <=
         * pkt_len) */
        if (likely(m->next == NULL)) {
            m->data_off = (uint16_t)(m->data_off + inner_off);
            m->data_len = (uint16_t)inner_len;
            m->pkt_len = inner_len;
        } else {
            rte_pktmbuf_adj(m, (uint16_t)inner_off);
            if (rte_pktmbuf_pkt_len(m) > inner_len)
                dp_mbuf_trim_to(m, inner_len);
        }
        m->ol_flags = 0;
        cur_pkts++;
        cur_bytes += inner_len;
        /* the inner Ethernet header is in the first segment (checked) */
        in = d + inner_off;
        memcpy(&et, in + 12, 2);
        /* RFC 7348 section 5: decapsulated frames with an inner VLAN tag
         * SHOULD be discarded */
        if (unlikely(et == RTE_BE16(RTE_ETHER_TYPE_VLAN) || et == RTE_BE16(RTE_ETHER_TYPE_QINQ))) {
            wk_drop(w, m, DROP_DECAP_INNER_VLAN);
            continue;
        }
        if (unlikely((in[0] & 1) && dp_is_link_local(in))) {
            wk_drop(w, m, DROP_LINK_LOCAL);
            continue;
        }
        id = eth_dst_hi48(in) | (uint64_t)cur_idx;
        if (id != run_id) {
            mac_key_set(&keys[n_runs], (uint32_t)cur_idx, in);
            l2_lookup_start(&keys[n_runs], &lk[n_runs]);
            run_start[n_runs++] = (uint8_t)nd;
            run_id = id;
        }
        dm[nd++] = m;
    }
    if (cur_pkts) {
        w->pub.st.vni[cur_idx].decap_packets += cur_pkts;
        w->pub.st.vni[cur_idx].decap_bytes += cur_bytes;
    }
    ps->rx_packets += n;
    ps->rx_bytes += rx_bytes;
    if (nd == 0)
        return;
    run_start[n_runs] = (uint8_t)nd;

    l2_lookup_runs(lk, n_runs, vals);
    for (unsigned r = 0; r < n_runs; r++) {
        struct rte_mbuf **rm = &dm[run_start[r]];
        unsigned len = (unsigned)(run_start[r + 1] - run_start[r]);
        uint64_t v = vals[r];
        enum mac_kind k = mac_val_kind(v);
        uint32_t vni_idx = keys[r].vni_idx;
        uint16_t a = mac_val_attach(v);

        if ((keys[r].mac[0] & 1) || k == MAC_NONE) {
            for (unsigned j = 0; j < len; j++)
                flood_send(w, rm[j], vni_idx, DP_NO_ATTACH, 0);
        } else if (mac_kind_is_local(k) && a < DP_MAX_ATTACH && c->attach[a].vni_idx == vni_idx) {
            if (c->attach[a].vlan == 0)
                tx_enqueue_bulk(w, c->attach[a].port, rm, len);
            else
                for (unsigned j = 0; j < len; j++)
                    access_send(w, rm[j], a);
        } else {
            for (unsigned j = 0; j < len; j++)
                wk_drop(w, rm[j], DROP_DECAP_DST_REMOTE);   /* split horizon */
        }
    }
}
