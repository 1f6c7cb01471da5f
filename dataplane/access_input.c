/* Access port input: each frame -> attachment -> VNI (access_classify),
 * VLAN tag off, source learned, then BUM frames replicated and unicast
 * frames looked up as a burst and encapsulated toward their VTEP or
 * switched to another local attachment (the remote ones as one burst:
 * classifier, encapsulation).
 *
 * The common frame - untagged, unicast, not ARP to suppress, from the
 * source the frame before came from on the same attachment (already
 * checked and learned) - takes a short path; every other frame the full
 * checks. Consecutive unicast frames to one (VNI, MAC) from one attachment
 * form a run: one MAC table lookup, one decision, and to an untagged local
 * attachment one copy into the TX buffer. Runs to a remote VTEP are
 * encapsulated a run at a time (encap_run), or, in VNIs with the
 * classifier, a run at a time too while the worker's classifier table is
 * small (encap_run_cls), else gathered and classified together after the
 * other runs (encap_runs_cls): frames to different destinations may leave
 * in another order than they came, each flow's frames in theirs. */
#include <rte_prefetch.h>

#include "access_classify.h"
#include "worker_priv.h"

/* The destination and the source MAC of an Ethernet header (at least 14
 * readable bytes) as 48-bit numbers, read as one word each. */
static inline uint64_t eth_dst48(const uint8_t *d)
{
    uint64_t x;

    memcpy(&x, d, 8);
#if RTE_BYTE_ORDER == RTE_LITTLE_ENDIAN
    return x & 0xffffffffffffULL;
#else
    return x >> 16;
#endif
}

static inline uint64_t eth_src48(const uint8_t *d)
{
    uint64_t x;

    memcpy(&x, d + 4, 8);
#if RTE_BYTE_ORDER == RTE_LITTLE_ENDIAN
    return x >> 16;
#else
    return x & 0xffffffffffffULL;
#endif
}

/* access_input's fast_w1 when no frame gave it (see there) */
#define FAST_W1_NONE 1ull

void access_input(struct wk *w, uint16_t port, struct rte_mbuf **pkts, uint16_t n)
{
    const struct dp_conf *c = w->conf;
    struct port_stats *ps = &w->pub.st.port[port];
    struct mac_key keys[DP_BURST];      /* one per run */
    struct mac_lookup lk[DP_BURST];     /* its lookup, started at once */
    uint16_t run_attach[DP_BURST];
    uint8_t run_start[DP_BURST + 1];    /* run r: uc[run_start[r] .. run_start[r + 1]) */
    struct rte_mbuf *uc[DP_BURST];
    uint64_t vals[DP_BURST];
    uint64_t rx_bytes = 0;
    unsigned n_uc = 0, n_runs = 0;
    /* a run is (destination MAC, attachment): the attachment names the VNI */
    uint64_t run_id = UINT64_MAX;       /* attachments are below 0xffff */
    const uint16_t ua = c->untagged_attach[port];
    const uint16_t *vmap = c->vlan_attach[port];
    const uint64_t ua_tag = (uint64_t)ua << 48;
    /* the untagged attachment's VNI, and whether it suppresses ARP (then
     * ARP frames take the full path) */
    const uint32_t ua_vni = ua != DP_NO_ATTACH ? c->attach[ua].vni_idx : DP_NO_VNI;
    const uint16_t slow_et = ua != DP_NO_ATTACH && c->vnis[ua_vni].arp_suppress ?
        RTE_BE16(RTE_ETHER_TYPE_ARP) : RTE_BE16(RTE_ETHER_TYPE_VLAN);
    /* the source last reported in this burst: runs of frames from one
     * station (the common case) skip the checks and the learn cache (six
     * bytes never make UINT64_MAX); fast_src is it when it came on the
     * untagged attachment */
    uint64_t last_src = UINT64_MAX, fast_src = UINT64_MAX;
    uint16_t last_attach = DP_NO_ATTACH;
    /* the first 8 bytes of a short-path frame of the open run (destination
     * and 2 bytes of the source), while that run is (its destination, the
     * untagged attachment): a frame whose first 8 bytes are the same joins
     * it without building its run id or testing its destination again.
     * UINT64_MAX: no such frame (a frame with these bytes has a multicast
     * source, never fast_src) */
    uint64_t run_w0 = UINT64_MAX;
    /* bytes 6-13 (source, ethertype) of the last short-path frame while
     * fast_src is its source: a frame with the same bytes passes the
     * source and ethertype tests, and with run_w0's first 8 bytes as well
     * joins the open run at once. FAST_W1_NONE: no such frame. Byte 6
     * tells the sentinels apart from real bytes and from each other: a
     * short-path frame's is fast_src's first (group bit clear); in
     * FAST_W1_NONE it is 0x01, in run_w0's UINT64_MAX 0xff, so no frame
     * matches both unless both are real */
    uint64_t fast_w1 = FAST_W1_NONE;

    for (uint16_t i = 0; i < n; i++) {
        struct rte_mbuf *m = pkts[i];
        uint8_t *d = rte_pktmbuf_mtod(m, uint8_t *);
        const struct rte_ether_hdr *eth = (const struct rte_ether_hdr *)d;

        if (i + 1 < n)
            rte_prefetch0(rte_pktmbuf_mtod(pkts[i + 1], void *));
        rx_bytes += rte_pktmbuf_pkt_len(m);
        if (likely(rte_pktmbuf_data_len(m) >= sizeof(struct rte_ether_hdr))) {
            uint16_t et = eth->ether_type;
            uint64_t w0, w1;

            memcpy(&w0, d, 8);
            memcpy(&w1, d + 6, 8);
            if (likely(w1 == fast_w1 && w0 == run_w0)) {
                uc[n_uc++] = m;
                continue;
            }
            /* a frame with run_w0's bytes has its unicast destination */
            if (likely(eth_src48(d) == fast_src && (w0 == run_w0 || !(d[0] & 1)) &&
                       et != RTE_BE16(RTE_ETHER_TYPE_VLAN) && et != slow_et)) {
                fast_w1 = w1;
                if (w0 != run_w0) {
                    uint64_t id = eth_dst48(d) | ua_tag;

                    if (id != run_id) {
                        mac_key_set(&keys[n_runs], ua_vni, d);
                        l2_lookup_start(&keys[n_runs], &lk[n_runs]);
                        run_attach[n_runs] = ua;
                        run_start[n_runs++] = (uint8_t)n_uc;
                        run_id = id;
                    }
                    run_w0 = w0;
                }
                uc[n_uc++] = m;
                continue;
            }
        }
        {
            struct access_result r;
            enum access_class cls;
            uint64_t src, id;
            uint32_t vni_idx;
            uint16_t a;

            cls = access_classify(d, rte_pktmbuf_data_len(m), ua, vmap, &r);
            if (unlikely(cls == AC_DROP)) {
                wk_drop(w, m, r.drop);
                continue;
            }
            if (r.strip_tag) {
                memmove(d + sizeof(struct rte_vlan_hdr), d, 2 * (size_t)RTE_ETHER_ADDR_LEN);
                rte_pktmbuf_adj(m, sizeof(struct rte_vlan_hdr));
            }
            eth = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
            a = r.attach;
            vni_idx = c->attach[a].vni_idx;
            src = eth_src48((const uint8_t *)eth);
            if (src != last_src || a != last_attach) {
                learn_source(w, vni_idx, eth->src_addr.addr_bytes, a);
                last_src = src;
                last_attach = a;
                fast_src = a == ua ? src : UINT64_MAX;
                fast_w1 = FAST_W1_NONE;
            }
            if (eth->ether_type == RTE_BE16(RTE_ETHER_TYPE_ARP) && c->vnis[vni_idx].arp_suppress) {
                /* ARP suppression: the control thread answers a request
                 * from what it knows, or hands it back to be flooded; it
                 * snoops the senders of the unicast ARP that goes on here */
                if (cls == AC_BUM) {
                    m->hash.usr = a;
                    punt_send(w, w->pub.punt_ring, m, port);
                    continue;
                }
                struct rte_mbuf *copy = rte_pktmbuf_copy(m, w->pool, 0, UINT32_MAX);
                if (copy) {
                    copy->hash.usr = a | DP_PUNT_SNOOP;
                    punt_send(w, w->pub.punt_ring, copy, port);
                }
            }
            if (cls == AC_BUM) {
                flood_send(w, m, vni_idx, a, 1);
                continue;
            }
            id = eth_dst48((const uint8_t *)eth) | (uint64_t)a << 48;
            if (id != run_id) {
                mac_key_set(&keys[n_runs], vni_idx, eth->dst_addr.addr_bytes);
                l2_lookup_start(&keys[n_runs], &lk[n_runs]);
                run_attach[n_runs] = a;
                run_start[n_runs++] = (uint8_t)n_uc;
                run_id = id;
                run_w0 = UINT64_MAX;
            }
        }
        uc[n_uc++] = m;
    }
    ps->rx_packets += n;
    ps->rx_bytes += rx_bytes;
    if (n_uc == 0)
        return;
    run_start[n_runs] = (uint8_t)n_uc;

    struct rte_mbuf *cls[DP_BURST];         /* frames of classifier VNIs, run after run */
    struct encap_cls_run cr[DP_BURST];
    unsigned n_cls = 0, n_cr = 0;
    int by_run = -1;            /* encap_cls_by_run(), once a classified run comes */
    struct encap_cache *ec = &w->enc, *ecc = w->encc;  /* encap_run's; encap_run_cls's */

    encap_cache_init(ec);
    encap_cache_init(&ecc[0]);
    encap_cache_init(&ecc[1]);

    l2_lookup_runs(lk, n_runs, vals);
    for (unsigned r = 0; r < n_runs; r++) {
        struct rte_mbuf **rm = &uc[run_start[r]];
        unsigned len = (unsigned)(run_start[r + 1] - run_start[r]);
        uint32_t vni_idx = keys[r].vni_idx;
        uint64_t v = vals[r];
        enum mac_kind k = mac_val_kind(v);

        if (k == MAC_NONE) {
            for (unsigned j = 0; j < len; j++)
                flood_send(w, rm[j], vni_idx, run_attach[r], 1);
        } else if (mac_kind_is_local(k)) {
            uint16_t to = mac_val_attach(v);
            /* the entry may name an attachment a reload has just removed */
            if (unlikely(to == run_attach[r] || to >= DP_MAX_ATTACH ||
                         c->attach[to].vni_idx != vni_idx)) {
                for (unsigned j = 0; j < len; j++)
                    wk_drop(w, rm[j], DROP_ACCESS_SAME_PORT);
                continue;
            }
            w->pub.st.vni[vni_idx].local_switched += len;
            if (c->attach[to].vlan == 0)
                tx_enqueue_bulk(w, c->attach[to].port, rm, len);
            else
                for (unsigned j = 0; j < len; j++)
                    access_send(w, rm[j], to);
        } else {
            uint32_t vtep = mac_val_vtep(v);

            if (likely(!encap_vni_classified(c, vni_idx))) {
                encap_run(w, ec, rm, len, vni_idx, vtep);
                continue;
            }
            if (by_run < 0)
                by_run = encap_cls_by_run(c, w);
            if (by_run) {
                encap_run_cls(w, ecc, rm, len, vni_idx, vtep);
                continue;
            }
            memcpy(&cls[n_cls], rm, len * sizeof(rm[0]));
            n_cls += len;
            cr[n_cr++] = (struct encap_cls_run){len, vni_idx, vtep};
        }
    }
    if (n_cr)
        encap_runs_cls(w, ecc, cls, cr, n_cr);
}
