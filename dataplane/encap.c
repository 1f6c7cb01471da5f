/* VXLAN encapsulation: prepend the next hop's 50-byte outer header
 * template, with this packet's lengths, destination VTEP, VNI, UDP source
 * port, TOS and an incrementally updated IPv4 checksum. A burst of unicast
 * frames is parsed once (fc_extract: the inner 5-tuple), which serves both
 * the short/long classifier, when it is on, and the flow hash of the
 * default (5-tuple) policy. */
#include "flow_class.h"
#include "flow_hash.h"
#include "flow_table.h"
#include "worker_priv.h"

#define FC_ALL_PROTOS (FC_PROTO_TCP | FC_PROTO_UDP)

_Static_assert(DP_BURST <= 64, "one bit per frame of a burst");
_Static_assert(DP_BURST <= FLOW_TABLE_BURST_MAX, "a burst is one classifier call");

/* Prepend and fill the outer headers of m (inner_len bytes) of run r
 * toward nh, with the TX offload flags for its port (tx_ip_csum: the NIC
 * fills the outer IPv4 checksum). Returns 0, or -1 when m has no headroom
 * (m untouched). */
static inline int encap_write_run(struct rte_mbuf *m, const struct dp_nexthop *nh,
                                  const struct vxlan_run *r, uint32_t h, uint32_t inner_len,
                                  bool tx_ip_csum)
{
    void *hdr;

    if (unlikely(m->data_off < VXLAN_ENCAP_LEN))
        return -1;
    m->data_off = (uint16_t)(m->data_off - VXLAN_ENCAP_LEN);
    m->data_len = (uint16_t)(m->data_len + VXLAN_ENCAP_LEN);
    m->pkt_len += VXLAN_ENCAP_LEN;
    hdr = rte_pktmbuf_mtod(m, void *);
    vxlan_encap_write_run(hdr, dp_nexthop_tmpl(nh), r, flow_hash_udp_sport(h),
                          (uint16_t)inner_len);
    if (tx_ip_csum) {
        /* RTE_ETH_TX_OFFLOAD_IPV4_CKSUM */
        ((struct vxlan_outer *)hdr)->ip.hdr_checksum = 0;
        m->l2_len = sizeof(struct rte_ether_hdr);
        m->l3_len = sizeof(struct rte_ipv4_hdr);
        m->ol_flags = RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_IP_CKSUM;
    } else {
        m->ol_flags = 0;
    }
    return 0;
}

/* encap_write_run for one packet toward vtep_be, VNI vni, TOS tos. */
static inline int encap_write(struct rte_mbuf *m, const struct dp_nexthop *nh, uint32_t vtep_be,
                              uint32_t h, uint32_t vni, uint32_t inner_len, uint8_t tos,
                              bool tx_ip_csum)
{
    struct vxlan_run r;

    vxlan_run_init(&r, vtep_be, vni, tos);
    return encap_write_run(m, nh, &r, h, inner_len, tx_ip_csum);
}

int encap_send(struct wk *w, struct rte_mbuf *m, uint32_t vni_idx, uint32_t vtep_be, int group,
               uint8_t tos)
{
    const struct dp_conf *c = w->conf;
    uint32_t vni = c->vnis[vni_idx].vni;
    uint32_t inner_len = rte_pktmbuf_pkt_len(m);
    const struct dp_nexthop *nh;
    uint32_t h;

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
    if (unlikely(encap_write(m, nh, vtep_be, h, vni, inner_len, tos,
                             g_dp.ports[nh->port].tx_ip_csum) != 0)) {
        wk_drop(w, m, DROP_NO_HEADROOM);
        return -1;
    }
    tx_enqueue(w, nh->port, m);
    return 0;
}

void encap_run(struct wk *w, struct rte_mbuf **pkts, unsigned n, uint32_t vni_idx,
               uint32_t vtep_be)
{
    const struct dp_conf *c = w->conf;
    const struct dp_group *grp = c->routes == NULL ? &c->groups[0] :
                                 nexthop_group(c, -1, vtep_be);
    const bool dflt = grp->hash.fields == FH_DEFAULT_FIELDS;
    const uint32_t vni = c->vnis[vni_idx].vni;
    const uint32_t lim = c->underlay_mtu - VXLAN_OUTER_IP_OVERHEAD;
    struct vni_stats *vs = &w->pub.st.vni[vni_idx];
    struct txbuf *b = NULL;
    uint16_t port = UINT16_MAX;     /* of the previous frame sent */
    bool tx_ip_csum = false;
    uint64_t pk = 0, by = 0;
    struct vxlan_run r;

    vxlan_run_init(&r, vtep_be, vni, 0);

    for (unsigned i = 0; i < n; i++) {
        struct rte_mbuf *m = pkts[i];
        const uint8_t *f = rte_pktmbuf_mtod(m, const uint8_t *);
        uint32_t len = rte_pktmbuf_pkt_len(m);
        const struct dp_nexthop *nh;
        uint32_t h;

        if (unlikely(len > lim)) {
            wk_drop(w, m, DROP_MTU_EXCEEDED);
            continue;
        }
        if (!likely(dflt && flow_hash_ipv4_fast(&grp->hash, f, rte_pktmbuf_data_len(m), &h)))
            h = flow_hash(&grp->hash, f, rte_pktmbuf_data_len(m), vni, g_dp.local_ip, vtep_be);
        nh = nexthop_pick(c, grp, h);
        if (unlikely(nh == NULL)) {
            wk_drop(w, m, DROP_NO_NEXTHOP);
            continue;
        }
        if (nh->port != port) {
            port = nh->port;
            b = &w->tx[port];
            tx_ip_csum = g_dp.ports[port].tx_ip_csum;
        }
        if (unlikely(encap_write_run(m, nh, &r, h, len, tx_ip_csum) != 0)) {
            wk_drop(w, m, DROP_NO_HEADROOM);
            continue;
        }
        if (unlikely(b->n == DP_TXBUF))
            tx_flush_port(w, port);
        b->pkts[b->n++] = m;
        pk++;
        by += len;
    }
    vs->encap_packets += pk;
    vs->encap_bytes += by;
}

/* A classified frame's class code, res & 3 (FC_R_COUNTED | FC_R_LONG):
 * 0 short, not counted; 1 short, not counted and not keyed (no 5-tuple: set
 * by the parse loop, never by the classifier); 2 short; 3 long. */
#define CLS_UNKEYED 1u
#define CLS_CODES 4u

/* Counters of a run of frames of one VNI, added once per run to the VNI's
 * and, for counted frames (codes 2, 3), to the burst's totals for the
 * classifier table. */
struct vni_run {
    uint64_t pk, by;                        /* encapsulated */
    uint64_t cpk[CLS_CODES], cby[CLS_CODES];    /* classified, by code */
};

static inline void vni_run_flush(struct wk *w, uint32_t vni_idx, struct vni_run *r,
                                 uint64_t *tpk, uint64_t *tby)
{
    struct vni_stats *vs = &w->pub.st.vni[vni_idx];

    vs->encap_packets += r->pk;
    vs->encap_bytes += r->by;
    vs->cls_packets[0] += r->cpk[0] + r->cpk[1] + r->cpk[2];
    vs->cls_packets[1] += r->cpk[3];
    vs->cls_bytes[0] += r->cby[0] + r->cby[1] + r->cby[2];
    vs->cls_bytes[1] += r->cby[3];
    tpk[0] += r->cpk[2];
    tpk[1] += r->cpk[3];
    tby[0] += r->cby[2];
    tby[1] += r->cby[3];
    *r = (struct vni_run){0, 0, {0, 0, 0, 0}, {0, 0, 0, 0}};
}

/* encap_burst for n <= DP_BURST frames; with_cls: the configuration has a
 * classifier (compiled twice, so that a configuration without one runs
 * none of its code). */
static inline __attribute__((always_inline)) void
encap_burst_tmpl(struct wk *w, struct rte_mbuf **pkts, const uint32_t *vni_idx,
                 const uint32_t *vtep_be, unsigned n, const bool with_cls)
{
    const struct dp_conf *c = w->conf;
    const struct dp_vni *vnis = c->vnis;
    const struct dp_group *grp0 = c->routes == NULL ? &c->groups[0] : NULL;
    const uint32_t mtu = c->underlay_mtu;
    struct flow_table *ft = with_cls ? c->cls->ft[w->pub.id] : NULL;
    const uint32_t protos = c->cls_protocols;
    const bool rewrite_inner = c->cls_rewrite_inner;
    const uint64_t now = w->now_tsc;
    struct fc_key keys[DP_BURST];
    struct fc_meta meta[DP_BURST];
    uint32_t vni[DP_BURST];
    uint8_t iecn[DP_BURST];     /* inner ECN bits, of classified frames */
    uint8_t res[DP_BURST];      /* FC_R_* of classified frames (or CLS_UNKEYED) */
    uint8_t keyed[DP_BURST];    /* keys[i] is frame i's 5-tuple (FC_OK) */
    uint32_t crc[DP_BURST];     /* flow_hash_5tuple_crc(), of keyed classified frames */
    uint64_t cls_mask = 0;      /* bit i: frame i's VNI has the classifier */
    uint64_t skip_mask = 0;     /* bit i: ... but the classifier does not count frame i */
    uint32_t run_vni;
    struct vni_run run = {0, 0, {0, 0, 0, 0}, {0, 0, 0, 0}};
    uint64_t tot_pk[2] = {0, 0}, tot_by[2] = {0, 0};    /* counted, for the table */
    struct rte_mbuf *out[DP_BURST];
    uint16_t out_port[DP_BURST];
    unsigned n_out = 0;
    uint16_t port = UINT16_MAX;     /* of the previous frame sent */
    bool one_port = true, tx_ip_csum = false;
    /* by class code: the class DSCP << 2, the class group, and whether
     * the frame's flow hash is flow_hash_mix(crc[i]) with nothing else to
     * do (a keyed frame, a group hashing the 5-tuple with FLOW_HASH_SEED,
     * no inner rewrite) */
    uint8_t cls_tos[CLS_CODES] = {0, 0, 0, 0};
    const struct dp_group *cls_grp[CLS_CODES] = {NULL, NULL, NULL, NULL};
    bool cls_fast[CLS_CODES] = {false, false, false, false};

    if (n == 0)
        return;
    /* one parse per frame: the 5-tuple for the classifier and the hash */
    for (unsigned i = 0; i < n; i++) {
        const uint8_t *f = rte_pktmbuf_mtod(pkts[i], const uint8_t *);
        const uint8_t *end = f + rte_pktmbuf_data_len(pkts[i]);
        const struct dp_vni *v = &vnis[vni_idx[i]];

        vni[i] = v->vni;
        keyed[i] = likely(fc_extract_fast(f, end, vni[i], FC_ALL_PROTOS, &keys[i],
                                          &meta[i]) == FC_OK) ||
                   fc_extract(f, end, vni[i], FC_ALL_PROTOS, &keys[i], &meta[i]) == FC_OK;
        meta[i].len = rte_pktmbuf_pkt_len(pkts[i]);
        if (ft == NULL || !v->classify)
            continue;
        cls_mask |= 1ull << i;
        iecn[i] = fc_inner_tos(f, &meta[i]) & 3;
        if (unlikely(!keyed[i])) {
            /* not IP, a fragment, ...: short, uncounted */
            res[i] = CLS_UNKEYED;
            skip_mask |= 1ull << i;
            continue;
        }
        /* one CRC for the table and the flow hash */
        crc[i] = flow_hash_5tuple_crc(FLOW_HASH_SEED, &keys[i]);
        /* a protocol the classifier does not count: short, uncounted (the
         * key still serves the hash) */
        if (unlikely(protos != FC_ALL_PROTOS) &&
            !(fc_proto_bit((uint8_t)(keys[i].vni_proto & 0x7fu)) & protos)) {
            res[i] = 0;
            skip_mask |= 1ull << i;
        }
    }
    /* the classifier, for the whole burst in one call */
    if (cls_mask != 0) {
        flow_table_classify_hashed(ft, keys, meta, crc, cls_mask & ~skip_mask,
                                   (unsigned)__builtin_popcountll(skip_mask), now, res);
        for (unsigned code = 0; code < CLS_CODES; code++) {
            const struct dp_class_action *a = &c->cls_act[code == 3];

            cls_tos[code] = (uint8_t)(a->dscp << 2);
            cls_grp[code] = &c->groups[a->group];
            cls_fast[code] = code != CLS_UNKEYED && !rewrite_inner &&
                             cls_grp[code]->hash.fields == FH_DEFAULT_FIELDS &&
                             cls_grp[code]->hash.seed == FLOW_HASH_SEED;
        }
    }

    run_vni = vni_idx[0];
    for (unsigned i = 0; i < n; i++) {
        struct rte_mbuf *m = pkts[i];
        uint32_t len = meta[i].len;
        const struct dp_group *grp = grp0;
        const struct dp_nexthop *nh;
        uint8_t tos = 0;
        uint32_t h;

        if (unlikely(vni_idx[i] != run_vni)) {
            vni_run_flush(w, run_vni, &run, tot_pk, tot_by);
            run_vni = vni_idx[i];
        }
        if (cls_mask & (1ull << i)) {
            /* the classifier's verdict: class group and outer TOS (class
             * DSCP, inner ECN copied: RFC 6040 normal mode); frames it does
             * not count (not IP, fragments, protocols not enabled) go as
             * short */
            unsigned code = res[i] & 3u;

            tos = cls_tos[code] | iecn[i];
            grp = cls_grp[code];
            run.cpk[code]++;
            run.cby[code] += len;
            if (likely(cls_fast[code])) {
                /* the flow hash from the CRC the classifier used */
                if (unlikely(len + VXLAN_OUTER_IP_OVERHEAD > mtu)) {
                    wk_drop(w, m, DROP_MTU_EXCEEDED);
                    continue;
                }
                h = flow_hash_mix(crc[i]);
                goto pick;
            }
            if (unlikely(rewrite_inner)) {
                /* the IPv4 checksum is fixed incrementally */
                uint8_t *f = rte_pktmbuf_mtod(m, uint8_t *);
                uint8_t dscp = c->cls_act[code == 3].dscp;

                if (meta[i].flags & FC_M_IPV4)
                    fc_ipv4_set_dscp(f + meta[i].l3_off, dscp);
                else if (meta[i].flags & FC_M_IPV6)
                    fc_ipv6_set_dscp(f + meta[i].l3_off, dscp);
            }
        }
        if (unlikely(len + VXLAN_OUTER_IP_OVERHEAD > mtu)) {
            wk_drop(w, m, DROP_MTU_EXCEEDED);
            continue;
        }
        if (unlikely(grp == NULL))
            grp = nexthop_group(c, -1, vtep_be[i]);
        if (likely(grp->hash.fields == FH_DEFAULT_FIELDS && keyed[i]))
            h = flow_hash_5tuple_key(&grp->hash, &keys[i]);
        else
            h = flow_hash(&grp->hash, rte_pktmbuf_mtod(m, const uint8_t *),
                          rte_pktmbuf_data_len(m), vni[i], g_dp.local_ip, vtep_be[i]);
pick:
        nh = nexthop_pick(c, grp, h);
        if (unlikely(nh == NULL)) {
            wk_drop(w, m, DROP_NO_NEXTHOP);
            continue;
        }
        if (nh->port != port) {
            port = nh->port;
            one_port = n_out == 0;
            tx_ip_csum = g_dp.ports[port].tx_ip_csum;
        }
        if (unlikely(encap_write(m, nh, vtep_be[i], h, vni[i], len, tos, tx_ip_csum) != 0)) {
            wk_drop(w, m, DROP_NO_HEADROOM);
            continue;
        }
        out[n_out] = m;
        out_port[n_out++] = port;
        run.pk++;
        run.by += len;
    }
    vni_run_flush(w, run_vni, &run, tot_pk, tot_by);
    if (cls_mask != 0)
        flow_table_add_counted(ft, tot_pk, tot_by);
    /* to the TX buffers: in one copy when every frame takes the same port */
    if (n_out == 0)
        return;
    struct txbuf *b = &w->tx[port];
    if (one_port && b->n + n_out <= DP_TXBUF) {
        memcpy(&b->pkts[b->n], out, n_out * sizeof(out[0]));
        b->n = (uint16_t)(b->n + n_out);
    } else {
        for (unsigned i = 0; i < n_out; i++)
            tx_enqueue(w, out_port[i], out[i]);
    }
}

static void encap_burst_cls(struct wk *w, struct rte_mbuf **pkts, const uint32_t *vni_idx,
                            const uint32_t *vtep_be, unsigned n)
{
    encap_burst_tmpl(w, pkts, vni_idx, vtep_be, n, true);
}

static void encap_burst_plain(struct wk *w, struct rte_mbuf **pkts, const uint32_t *vni_idx,
                              const uint32_t *vtep_be, unsigned n)
{
    encap_burst_tmpl(w, pkts, vni_idx, vtep_be, n, false);
}

static void encap_burst_one(struct wk *w, struct rte_mbuf **pkts, const uint32_t *vni_idx,
                            const uint32_t *vtep_be, unsigned n)
{
    if (w->conf->cls != NULL)
        encap_burst_cls(w, pkts, vni_idx, vtep_be, n);
    else
        encap_burst_plain(w, pkts, vni_idx, vtep_be, n);
}

void encap_burst(struct wk *w, struct rte_mbuf **pkts, const uint32_t *vni_idx,
                 const uint32_t *vtep_be, unsigned n)
{
    /* in order, a burst's worth of frames at a time */
    while (unlikely(n > DP_BURST)) {
        encap_burst_one(w, pkts, vni_idx, vtep_be, DP_BURST);
        pkts += DP_BURST;
        vni_idx += DP_BURST;
        vtep_be += DP_BURST;
        n -= DP_BURST;
    }
    encap_burst_one(w, pkts, vni_idx, vtep_be, n);
}
