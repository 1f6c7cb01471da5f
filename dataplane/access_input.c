/* Access port input: each frame -> attachment -> VNI (access_classify),
 * VLAN tag off, source learned, then BUM frames replicated and unicast
 * frames looked up as a burst and encapsulated toward their VTEP or
 * switched to another local attachment (the remote ones as one burst:
 * classifier, encapsulation). */
#include <rte_prefetch.h>

#include "access_classify.h"
#include "worker_priv.h"

void access_input(struct wk *w, uint16_t port, struct rte_mbuf **pkts, uint16_t n)
{
    const struct dp_conf *c = w->conf;
    struct port_stats *ps = &w->pub.st.port[port];
    struct mac_key keys[DP_BURST];
    struct rte_mbuf *uc[DP_BURST];
    uint16_t uc_attach[DP_BURST];
    uint64_t vals[DP_BURST];
    uint64_t rx_bytes = 0;
    unsigned n_uc = 0;
    /* the source last reported in this burst: runs of frames from one
     * station (the common case) skip the learn cache entirely */
    uint64_t last_src = 0;
    uint16_t last_attach = DP_NO_ATTACH;

    for (uint16_t i = 0; i < n; i++) {
        struct rte_mbuf *m = pkts[i];
        struct access_result r;
        struct rte_ether_hdr *eth;
        enum access_class cls;
        uint32_t vni_idx;

        if (i + 1 < n)
            rte_prefetch0(rte_pktmbuf_mtod(pkts[i + 1], void *));
        rx_bytes += rte_pktmbuf_pkt_len(m);
        cls = access_classify(rte_pktmbuf_mtod(m, const uint8_t *), rte_pktmbuf_data_len(m),
                              c->untagged_attach[port], c->vlan_attach[port], &r);
        if (unlikely(cls == AC_DROP)) {
            wk_drop(w, m, r.drop);
            continue;
        }
        if (r.strip_tag) {
            uint8_t *d = rte_pktmbuf_mtod(m, uint8_t *);
            memmove(d + sizeof(struct rte_vlan_hdr), d, 2 * (size_t)RTE_ETHER_ADDR_LEN);
            rte_pktmbuf_adj(m, sizeof(struct rte_vlan_hdr));
        }
        eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
        vni_idx = c->attach[r.attach].vni_idx;
        uint64_t src = 0;
        memcpy(&src, eth->src_addr.addr_bytes, RTE_ETHER_ADDR_LEN);
        if (src != last_src || r.attach != last_attach) {
            learn_source(w, vni_idx, eth->src_addr.addr_bytes, r.attach);
            last_src = src;
            last_attach = r.attach;
        }
        if (eth->ether_type == RTE_BE16(RTE_ETHER_TYPE_ARP) && c->vnis[vni_idx].arp_suppress) {
            /* ARP suppression: the control thread answers a request from
             * what it knows, or hands it back to be flooded; it snoops the
             * senders of the unicast ARP that goes on here */
            if (cls == AC_BUM) {
                m->hash.usr = r.attach;
                punt_send(w, w->pub.punt_ring, m, port);
                continue;
            }
            struct rte_mbuf *copy = rte_pktmbuf_copy(m, w->pool, 0, UINT32_MAX);
            if (copy) {
                copy->hash.usr = r.attach | DP_PUNT_SNOOP;
                punt_send(w, w->pub.punt_ring, copy, port);
            }
        }
        if (cls == AC_BUM) {
            flood_send(w, m, vni_idx, r.attach, 1);
            continue;
        }
        mac_key_set(&keys[n_uc], vni_idx, eth->dst_addr.addr_bytes);
        uc[n_uc] = m;
        uc_attach[n_uc] = r.attach;
        n_uc++;
    }
    ps->rx_packets += n;
    ps->rx_bytes += rx_bytes;
    if (n_uc == 0)
        return;

    struct rte_mbuf *enc[DP_BURST];
    uint32_t enc_vni[DP_BURST], enc_vtep[DP_BURST];
    unsigned n_enc = 0;

    l2_lookup_burst(keys, n_uc, vals);
    for (unsigned i = 0; i < n_uc; i++) {
        struct rte_mbuf *m = uc[i];
        uint32_t vni_idx = keys[i].vni_idx;
        uint64_t v = vals[i];
        enum mac_kind k = mac_val_kind(v);

        if (k == MAC_NONE) {
            flood_send(w, m, vni_idx, uc_attach[i], 1);
        } else if (mac_kind_is_local(k)) {
            uint16_t to = mac_val_attach(v);
            /* the entry may name an attachment a reload has just removed */
            if (unlikely(to == uc_attach[i] || to >= DP_MAX_ATTACH ||
                         c->attach[to].vni_idx != vni_idx)) {
                wk_drop(w, m, DROP_ACCESS_SAME_PORT);
                continue;
            }
            w->pub.st.vni[vni_idx].local_switched++;
            access_send(w, m, to);
        } else {
            enc[n_enc] = m;
            enc_vni[n_enc] = vni_idx;
            enc_vtep[n_enc] = mac_val_vtep(v);
            n_enc++;
        }
    }
    if (n_enc)
        encap_burst(w, enc, enc_vni, enc_vtep, n_enc);
}
