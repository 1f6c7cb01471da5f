/* Access port -> (port, VLAN) -> VNI -> learn source -> forward by
 * destination: encapsulate toward a remote VTEP, switch to another local
 * attachment, or flood (broadcast, multicast, unknown unicast). */
#include <rte_cycles.h>
#include <rte_ether.h>
#include <rte_hash_crc.h>
#include <rte_prefetch.h>

#include "dp.h"
#include "mac_table.h"

static inline uint32_t ld32(const uint8_t *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
}

static inline uint16_t ld16(const uint8_t *p)
{
    uint16_t v;
    memcpy(&v, p, 2);
    return v;
}

/* Tell the control thread where src lives, unless this worker told it the
 * same thing less than learn_refresh_tsc ago. */
static inline void learn(struct worker *w, uint32_t vni_idx, const uint8_t *mac,
                         uint16_t a, uint64_t now)
{
    uint32_t h = rte_hash_crc_2byte(ld16(mac + 4),
                                    rte_hash_crc_4byte(ld32(mac), vni_idx));
    struct learn_slot *s = &w->learn_cache[h & (LEARN_CACHE_SLOTS - 1)];
    struct learn_event ev;

    if (s->vni_idx == vni_idx && s->attach == a && ld32(s->mac) == ld32(mac) &&
        ld16(s->mac + 4) == ld16(mac + 4) && now - s->tsc < w->learn_refresh_tsc)
        return;
    ev.vni_idx = vni_idx;
    ev.attach = a;
    memcpy(ev.mac, mac, 6);
    if (rte_ring_sp_enqueue_elem(w->learn_ring, &ev, sizeof(ev)) != 0) {
        w->st.ev.learn_ring_full++;
        return;     /* slot untouched: the next frame tries again */
    }
    w->st.ev.learn_events++;
    s->vni_idx = vni_idx;
    s->attach = a;
    memcpy(s->mac, mac, 6);
    s->tsc = now;
}

static inline int bad_src(const uint8_t *mac)
{
    return (mac[0] & 1) || (ld32(mac) == 0 && ld16(mac + 4) == 0);
}

void access_rx_burst(struct worker *w, uint16_t port, struct rte_mbuf **pkts, uint16_t n)
{
    const struct dp_port *p = &g_dp.ports[port];
    struct port_stats *ps = &w->st.port[port];
    struct mac_key keys[DP_BURST];
    const struct mac_key *kp[DP_BURST];
    struct rte_mbuf *uc[DP_BURST];
    uint16_t uc_attach[DP_BURST];
    uint64_t vals[DP_BURST];
    uint8_t uidx[DP_BURST];     /* packet -> its unique key in kp/vals */
    uint64_t now = rte_rdtsc();
    unsigned n_uc = 0, n_u = 0;
    /* the source last reported in this burst: runs of frames from one
     * station (the common case) skip the learn cache entirely */
    uint64_t last_src = 0;
    uint32_t last_vni = UINT32_MAX;
    uint16_t last_attach = DP_NO_ATTACH;

    for (uint16_t i = 0; i < n; i++) {
        struct rte_mbuf *m = pkts[i];
        uint8_t *d;
        uint16_t a;

        if (i + 1 < n)
            rte_prefetch0(rte_pktmbuf_mtod(pkts[i + 1], void *));
        ps->rx_packets++;
        ps->rx_bytes += rte_pktmbuf_pkt_len(m);
        if (unlikely(rte_pktmbuf_data_len(m) < RTE_ETHER_HDR_LEN)) {
            dp_drop(w, m, DROP_ACCESS_RUNT);
            continue;
        }
        d = rte_pktmbuf_mtod(m, uint8_t *);
        if (ld16(d + 12) == RTE_BE16(RTE_ETHER_TYPE_VLAN)) {
            uint16_t vid;
            if (unlikely(rte_pktmbuf_data_len(m) < RTE_ETHER_HDR_LEN + 4)) {
                dp_drop(w, m, DROP_ACCESS_RUNT);
                continue;
            }
            vid = (uint16_t)((d[14] << 8 | d[15]) & 0xfff);
            a = vid ? p->vlan_attach[vid] : p->untagged_attach;  /* vid 0: priority tag */
            if (a != DP_NO_ATTACH) {
                /* strip the tag: the VXLAN payload is always untagged */
                memmove(d + 4, d, 12);
                rte_pktmbuf_adj(m, 4);
                d += 4;
            }
        } else {
            a = p->untagged_attach;
        }
        if (unlikely(a == DP_NO_ATTACH)) {
            dp_drop(w, m, DROP_ACCESS_NO_VNI);
            continue;
        }
        if (unlikely(bad_src(d + 6))) {
            dp_drop(w, m, DROP_ACCESS_BAD_SRC_MAC);
            continue;
        }
        uint32_t vni_idx = g_dp.attach[a].vni_idx;
        uint64_t src = (uint64_t)ld32(d + 6) | (uint64_t)ld16(d + 10) << 32;
        if (src != last_src || vni_idx != last_vni || a != last_attach) {
            learn(w, vni_idx, d + 6, a, now);
            last_src = src;
            last_vni = vni_idx;
            last_attach = a;
        }
        if (d[0] & 1) {     /* broadcast / multicast */
            if (unlikely(dp_is_link_local(d))) {
                dp_drop(w, m, DROP_LINK_LOCAL);
                continue;
            }
            flood_send(w, m, vni_idx, a, 1);
            continue;
        }
        mac_key_set(&keys[n_uc], vni_idx, d);
        /* consecutive frames to one destination share one table lookup */
        if (n_uc && !memcmp(&keys[n_uc], &keys[n_uc - 1], sizeof(keys[0]))) {
            uidx[n_uc] = uidx[n_uc - 1];
        } else {
            kp[n_u] = &keys[n_uc];
            uidx[n_uc] = (uint8_t)n_u++;
        }
        uc[n_uc] = m;
        uc_attach[n_uc] = a;
        n_uc++;
    }
    if (n_uc == 0)
        return;

    mac_table_lookup_bulk(g_dp.macs, kp, n_u, vals);
    for (unsigned i = 0; i < n_uc; i++) {
        struct rte_mbuf *m = uc[i];
        uint32_t vni_idx = keys[i].vni_idx;
        uint64_t v = vals[uidx[i]];
        enum mac_kind k = mac_val_kind(v);
        struct vni_stats *vs = &w->st.vni[vni_idx];

        if (k == MAC_NONE) {
            flood_send(w, m, vni_idx, uc_attach[i], 1);
        } else if (mac_kind_is_local(k)) {
            uint16_t to = mac_val_attach(v);
            if (unlikely(to == uc_attach[i] || to >= g_dp.n_attach)) {
                dp_drop(w, m, DROP_ACCESS_SAME_PORT);
                continue;
            }
            vs->local_switched++;
            access_send(w, m, to);
        } else {
            uint32_t len = rte_pktmbuf_pkt_len(m);
            if (vxlan_encap_send(w, m, vni_idx, mac_val_vtep(v)) == 0) {
                vs->encap_packets++;
                vs->encap_bytes += len;
            }
        }
    }
}
