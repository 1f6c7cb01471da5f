/* VXLAN encapsulation: prepend the next hop's 50-byte outer header
 * template, with this packet's lengths, destination VTEP, VNI, UDP source
 * port, TOS and an incrementally updated IPv4 checksum. Access frames come
 * in runs of one VNI to one VTEP: encap_run for VNIs without the
 * classifier (the 5-tuple hash read straight from the header; the outer
 * header prepared once per (VNI, VTEP) and ECMP member in a burst, so a
 * frame's costs a copy, its lengths, checksum and UDP port); for VNIs
 * with the classifier, encap_run_cls while the worker's table is small
 * (frame by frame: the common IPv4 frame classified from its header
 * fields in its home entry) and encap_runs_cls for a large one (each frame
 * parsed once, fc_extract, and the burst classified in prefetched
 * stages). In both the inner 5-tuple's CRC serves the short/long
 * classifier and the flow hash, and a frame without inner ECN bits gets
 * its class's prepared header. encap_send is the one-frame path
 * (flooding). */
#include "flow_class.h"
#include "flow_hash.h"
#include "flow_table.h"
#include "worker_priv.h"

#define FC_ALL_PROTOS (FC_PROTO_TCP | FC_PROTO_UDP)

_Static_assert(DP_BURST <= 64, "one bit per frame of a burst");
_Static_assert(DP_BURST <= FLOW_TABLE_BURST_MAX, "a burst is one classifier call");

/* Whether m has headroom for the outer headers. */
static inline bool encap_room(const struct rte_mbuf *m)
{
    return m->data_off >= VXLAN_ENCAP_LEN;
}

/* Make room for the outer headers in front of m (encap_room): their
 * address. */
static inline void *encap_prepend(struct rte_mbuf *m)
{
    m->data_off = (uint16_t)(m->data_off - VXLAN_ENCAP_LEN);
    m->data_len = (uint16_t)(m->data_len + VXLAN_ENCAP_LEN);
    m->pkt_len += VXLAN_ENCAP_LEN;
    return rte_pktmbuf_mtod(m, void *);
}

/* The TX offload flags of m, outer headers hdr, for its port (tx_ip_csum:
 * the NIC fills the outer IPv4 checksum). */
static inline void encap_tx_flags(struct rte_mbuf *m, void *hdr, bool tx_ip_csum)
{
    if (tx_ip_csum) {
        /* RTE_ETH_TX_OFFLOAD_IPV4_CKSUM */
        ((struct vxlan_outer *)hdr)->ip.hdr_checksum = 0;
        m->l2_len = sizeof(struct rte_ether_hdr);
        m->l3_len = sizeof(struct rte_ipv4_hdr);
        m->ol_flags = RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_IP_CKSUM;
    } else {
        m->ol_flags = 0;
    }
}

/* Prepend and fill the outer headers of m (inner_len bytes) of run r
 * toward nh, with the TX offload flags for its port (tx_ip_csum: the NIC
 * fills the outer IPv4 checksum). Returns 0, or -1 when m has no headroom
 * (m untouched). */
static inline int encap_write_run(struct rte_mbuf *m, const struct dp_nexthop *nh,
                                  const struct vxlan_run *r, uint32_t h, uint32_t inner_len,
                                  bool tx_ip_csum)
{
    void *hdr;

    if (unlikely(!encap_room(m)))
        return -1;
    hdr = encap_prepend(m);
    vxlan_encap_write_run(hdr, dp_nexthop_tmpl(nh), r, flow_hash_udp_sport(h),
                          (uint16_t)inner_len);
    encap_tx_flags(m, hdr, tx_ip_csum);
    return 0;
}

int encap_send(struct wk *w, struct rte_mbuf *m, uint32_t vni_idx, uint32_t vtep_be, int group,
               uint8_t tos)
{
    const struct dp_conf *c = w->conf;
    uint32_t vni = c->vnis[vni_idx].vni;
    uint32_t inner_len = rte_pktmbuf_pkt_len(m);
    const struct dp_nexthop *nh;
    struct vxlan_run r;
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
    vxlan_run_init(&r, vtep_be, vni, tos);
    if (unlikely(encap_write_run(m, nh, &r, h, inner_len, g_dp.ports[nh->port].tx_ip_csum) != 0)) {
        wk_drop(w, m, DROP_NO_HEADROOM);
        return -1;
    }
    tx_enqueue(w, nh->port, m);
    return 0;
}

/* Make ec's member mi (an ecmp_pick() of ec->grp); false when mi is no
 * member (ECMP_NONE among them). */
static bool encap_member_init(struct wk *w, const struct dp_conf *c, struct encap_cache *ec,
                              uint16_t mi)
{
    const struct dp_nexthop *nh = nexthop_member(c, ec->grp, mi);
    struct encap_member *e;

    _Static_assert(ECMP_MAX_MEMBERS <= RTE_DIM(ec->mem), "a member of a group has its slot");
    if (unlikely(nh == NULL))
        return false;
    e = &ec->mem[mi];
    vxlan_prep_init(&e->hdr, dp_nexthop_tmpl(nh), &ec->r);
    e->port = nh->port;
    e->tx_ip_csum = g_dp.ports[nh->port].tx_ip_csum;
    e->b = &w->tx[nh->port];
    ec->made |= 1ull << mi;
    return true;
}

/* Set ECN bits ecn in the outer TOS of the header at hdr, its IPv4
 * checksum updated incrementally (RFC 6040 normal mode: the inner ECN
 * copied out). */
static __attribute__((noinline)) void encap_outer_ecn(void *hdr, uint8_t ecn)
{
    struct vxlan_outer *o = hdr;
    uint16_t old, new_;

    memcpy(&old, &o->ip, 2);                /* version/IHL, TOS */
    o->ip.type_of_service |= ecn;
    memcpy(&new_, &o->ip, 2);
    o->ip.hdr_checksum = fc_csum_replace16(o->ip.hdr_checksum, old, new_);
}

/* m (len bytes, flow hash h, inner ECN bits ecn to copy into the outer
 * TOS) toward the member of ec's group (grp, as the caller holds it) that
 * ECMP picks for h: its prepared outer header, then its port's TX buffer.
 * Returns true when queued, false when dropped (and counted). */
static inline __attribute__((always_inline)) bool
encap_cached_send(struct wk *w, const struct dp_conf *c, struct encap_cache *ec,
                  const struct dp_group *grp, struct rte_mbuf *m, uint32_t h, uint32_t len,
                  uint8_t ecn)
{
    const uint16_t mi = ecmp_pick(&grp->ecmp, h);
    const struct encap_member *e;
    void *hdr;

    if (unlikely(mi >= ECMP_MAX_MEMBERS || !((ec->made >> mi) & 1)) &&
        !encap_member_init(w, c, ec, mi)) {
        wk_drop(w, m, DROP_NO_NEXTHOP);
        return false;
    }
    if (unlikely(!encap_room(m))) {
        wk_drop(w, m, DROP_NO_HEADROOM);
        return false;
    }
    e = &ec->mem[mi];
    hdr = encap_prepend(m);
    vxlan_encap_write_prep(hdr, &e->hdr, flow_hash_udp_sport(h), (uint16_t)len);
    if (unlikely(ecn != 0))
        encap_outer_ecn(hdr, ecn);
    encap_tx_flags(m, hdr, e->tx_ip_csum);
    if (unlikely(e->b->n == DP_TXBUF))
        tx_flush_port(w, e->port);
    e->b->pkts[e->b->n++] = m;
    return true;
}

/* Empty ec's members and key it to the run of VNI slot vni_idx (VNI vni)
 * toward vtep_be in group grp with outer TOS tos. */
static void encap_cache_set(struct encap_cache *ec, uint32_t vni_idx, uint32_t vni,
                            uint32_t vtep_be, const struct dp_group *grp, uint8_t tos)
{
    ec->vni_idx = vni_idx;
    ec->vtep_be = vtep_be;
    ec->grp = grp;
    ec->made = 0;
    vxlan_run_init(&ec->r, vtep_be, vni, tos);
}

/* encap_cache_set() unless ec already serves that run. */
static inline void encap_cache_key(struct encap_cache *ec, uint32_t vni_idx, uint32_t vni,
                                   uint32_t vtep_be, const struct dp_group *grp, uint8_t tos)
{
    if (ec->vni_idx != vni_idx || ec->vtep_be != vtep_be || ec->grp != grp ||
        ec->r.tos != tos)
        encap_cache_set(ec, vni_idx, vni, vtep_be, grp, tos);
}

void encap_run(struct wk *w, struct encap_cache *ec, struct rte_mbuf **pkts, unsigned n,
               uint32_t vni_idx, uint32_t vtep_be)
{
    const struct dp_conf *c = w->conf;
    const uint32_t vni = c->vnis[vni_idx].vni;
    const uint32_t lim = c->underlay_mtu - VXLAN_OUTER_IP_OVERHEAD;
    struct vni_stats *vs = &w->pub.st.vni[vni_idx];
    const struct dp_group *grp;
    bool dflt;
    uint64_t pk = 0, by = 0;

    _Static_assert(ECMP_MAX_MEMBERS <= 64, "one bit per member");
    /* the route's group is looked up only when the (VNI, VTEP) changes */
    if (ec->vni_idx != vni_idx || ec->vtep_be != vtep_be)
        encap_cache_set(ec, vni_idx, vni, vtep_be,
                        c->routes == NULL ? &c->groups[0] : nexthop_group(c, -1, vtep_be), 0);
    grp = ec->grp;
    dflt = grp->hash.fields == FH_DEFAULT_FIELDS;

    for (unsigned i = 0; i < n; i++) {
        struct rte_mbuf *m = pkts[i];
        const uint8_t *f = rte_pktmbuf_mtod(m, const uint8_t *);
        uint32_t len = rte_pktmbuf_pkt_len(m);
        uint32_t h;

        if (unlikely(len > lim)) {
            wk_drop(w, m, DROP_MTU_EXCEEDED);
            continue;
        }
        if (!likely(dflt && flow_hash_ipv4_fast(&grp->hash, f, rte_pktmbuf_data_len(m), &h)))
            h = flow_hash(&grp->hash, f, rte_pktmbuf_data_len(m), vni, g_dp.local_ip, vtep_be);
        if (likely(encap_cached_send(w, c, ec, grp, m, h, len, 0))) {
            pk++;
            by += len;
        }
    }
    vs->encap_packets += pk;
    vs->encap_bytes += by;
}

/* A classified frame's class code, res & 3 (FC_R_COUNTED | FC_R_LONG):
 * 0 short, not counted; 1 short, not counted and not keyed (no 5-tuple: set
 * by the parse loop, never by the classifier); 2 short; 3 long. */
#define CLS_UNKEYED 1u
#define CLS_CODES 4u

/* Counters of a run of frames of one VNI, added once at the end of the run
 * to the VNI's and, for counted frames (codes 2, 3), to the burst's totals
 * for the classifier table. */
struct vni_run {
    uint64_t pk, by;                        /* encapsulated */
    uint64_t cpk[CLS_CODES], cby[CLS_CODES];    /* classified, by code */
};

static inline void vni_run_flush(struct wk *w, uint32_t vni_idx, const struct vni_run *r,
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
}

/* Class code tables of one burst (see CLS_UNKEYED): the class DSCP << 2,
 * the class group, and whether the frame's flow hash is flow_hash_mix()
 * of the CRC the classifier used, with nothing else to do (a keyed frame,
 * a group hashing the 5-tuple with FLOW_HASH_SEED, no inner rewrite). */
struct cls_codes {
    uint8_t tos[CLS_CODES];
    const struct dp_group *grp[CLS_CODES];
    bool fast[CLS_CODES];
};

static void cls_codes_init(const struct dp_conf *c, struct cls_codes *t)
{
    for (unsigned code = 0; code < CLS_CODES; code++) {
        const struct dp_class_action *a = &c->cls_act[code == 3];

        t->tos[code] = (uint8_t)(a->dscp << 2);
        t->grp[code] = &c->groups[a->group];
        t->fast[code] = code != CLS_UNKEYED && !c->cls_rewrite_inner &&
                        t->grp[code]->hash.fields == FH_DEFAULT_FIELDS &&
                        t->grp[code]->hash.seed == FLOW_HASH_SEED;
    }
}

/* The flow hash of a classified frame whose class code is not fast: the
 * inner DSCP rewritten first when asked (the IPv4 checksum fixed
 * incrementally), then the group's policy over the key (when the caller
 * has it in memory) or the frame. */
static __attribute__((noinline)) uint32_t cls_slow_hash(const struct dp_conf *c,
                                                        struct rte_mbuf *m, unsigned code,
                                                        const struct dp_group *grp,
                                                        const struct fc_key *key,
                                                        const struct fc_meta *meta,
                                                        uint32_t vni, uint32_t vtep_be)
{
    uint8_t *f = rte_pktmbuf_mtod(m, uint8_t *);

    if (c->cls_rewrite_inner) {
        uint8_t dscp = c->cls_act[code == 3].dscp;

        if (meta->flags & FC_M_IPV4)
            fc_ipv4_set_dscp(f + meta->l3_off, dscp);
        else if (meta->flags & FC_M_IPV6)
            fc_ipv6_set_dscp(f + meta->l3_off, dscp);
    }
    if (key != NULL && grp->hash.fields == FH_DEFAULT_FIELDS && code != CLS_UNKEYED)
        return flow_hash_5tuple_key(&grp->hash, key);
    return flow_hash(&grp->hash, f, rte_pktmbuf_data_len(m), vni, g_dp.local_ip, vtep_be);
}

/* A class code for the key the classifier would count */
#define CLS_TO_COUNT 2u

/* Parse one frame of a classified VNI (vni) for the classifier: key and
 * meta (meta->len = len), the inner ECN bits in *iecn and, for a keyed
 * frame, the 5-tuple CRC shared by the table and the flow hash in *crc.
 * Returns CLS_UNKEYED (no 5-tuple: not IP, a fragment, ...), 0 (keyed, a
 * protocol the classifier does not count) or CLS_TO_COUNT. */
static inline unsigned cls_parse(const uint8_t *f, uint32_t dlen, uint32_t len, uint32_t vni,
                                 uint32_t protos, struct fc_key *key, struct fc_meta *meta,
                                 uint32_t *crc, uint8_t *iecn)
{
    const uint8_t *end = f + dlen;
    bool keyed = likely(fc_extract_fast(f, end, vni, FC_ALL_PROTOS, key, meta) == FC_OK) ||
                 fc_extract(f, end, vni, FC_ALL_PROTOS, key, meta) == FC_OK;

    meta->len = len;
    *iecn = fc_inner_tos(f, meta) & 3;
    if (unlikely(!keyed))
        return CLS_UNKEYED;
    /* one CRC for the table and the flow hash */
    *crc = flow_hash_5tuple_crc(FLOW_HASH_SEED, key);
    /* a protocol the classifier does not count: short, uncounted (the key
     * still serves the hash) */
    if (unlikely(protos != FC_ALL_PROTOS) &&
        !(fc_proto_bit((uint8_t)(key->vni_proto & 0x7fu)) & protos))
        return 0;
    return CLS_TO_COUNT;
}

/* The flow hash of a classified frame of class code: flow_hash_mix() of
 * its 5-tuple CRC crc when the code is fast, else cls_slow_hash(). */
static inline __attribute__((always_inline)) uint32_t
cls_hash(const struct dp_conf *c, const struct cls_codes *cc, struct rte_mbuf *m, unsigned code,
         uint32_t crc, const struct fc_key *key, const struct fc_meta *meta, uint32_t vni,
         uint32_t vtep_be)
{
    if (likely(cc->fast[code]))
        return flow_hash_mix(crc);
    return cls_slow_hash(c, m, code, cc->grp[code], key, meta, vni, vtep_be);
}

/* The send step of a classified frame m (class code, len bytes, flow hash
 * h, iecn its inner ECN bits) of a run: the run's class counters, the MTU
 * (lim: the largest inner frame), then the prepared outer header of its
 * class (ecs[0] short, ecs[1] long: class group and DSCP, keyed to the
 * run) with the inner ECN copied out (RFC 6040 normal mode), and its
 * port's TX buffer. */
static inline __attribute__((always_inline)) void
cls_send(struct wk *w, const struct dp_conf *c, struct encap_cache ecs[2], struct vni_run *run,
         struct rte_mbuf *m, unsigned code, uint32_t len, uint32_t lim, uint32_t h, uint8_t iecn)
{
    struct encap_cache *ec = &ecs[code == 3];

    run->cpk[code]++;
    run->cby[code] += len;
    if (unlikely(len > lim)) {
        wk_drop(w, m, DROP_MTU_EXCEEDED);
        return;
    }
    if (likely(encap_cached_send(w, c, ec, ec->grp, m, h, len, iecn))) {
        run->pk++;
        run->by += len;
    }
}

/* Key a run's class caches (ecs[0] short, ecs[1] long) to VNI slot
 * vni_idx toward vtep_be. */
static inline void cls_cache_key(struct encap_cache ecs[2], const struct cls_codes *cc,
                                 uint32_t vni_idx, uint32_t vni, uint32_t vtep_be)
{
    encap_cache_key(&ecs[0], vni_idx, vni, vtep_be, cc->grp[0], cc->tos[0]);
    encap_cache_key(&ecs[1], vni_idx, vni, vtep_be, cc->grp[3], cc->tos[3]);
}

/* One keyed frame classified alone (the rare cases of encap_run_cls);
 * returns its FC_R_* bits. */
static __attribute__((noinline)) uint32_t cls_one(struct flow_table *ft,
                                                  const struct fc_key *key,
                                                  const struct fc_meta *meta, uint32_t crc,
                                                  uint64_t now)
{
    uint8_t r;

    flow_table_classify_hashed(ft, key, meta, &crc, 1, 0, now, &r);
    return r;
}

/* cls_one() of the common frame (fc_fast_flags()) from its key's fields
 * (see flow_table_classify_v4_home()). */
static __attribute__((noinline)) uint32_t cls_one_v4(struct flow_table *ft, uint64_t key_lo,
                                                     uint64_t key_hi, uint8_t flags,
                                                     uint32_t len, uint32_t crc, uint64_t now)
{
    struct fc_key key;
    struct fc_meta meta = {len, 14, FC_OK, flags};

    memset(&key, 0, sizeof(key));
    memcpy(&key, &key_lo, 8);
    memcpy((uint8_t *)&key + 8, &key_hi, 8);
    return cls_one(ft, &key, &meta, crc, now);
}

void encap_run_cls(struct wk *w, struct encap_cache ecs[2], struct rte_mbuf **pkts, unsigned n,
                   uint32_t vni_idx, uint32_t vtep_be)
{
    const struct dp_conf *c = w->conf;
    struct flow_table *ft = c->cls->ft[w->pub.id];
    const uint32_t protos = c->cls_protocols;
    const uint32_t vni = c->vnis[vni_idx].vni;
    const uint64_t vni_key = (uint64_t)(vni & 0xffffffu) << 8;
    const uint64_t now = w->now_tsc;
    struct vni_run run = {0, 0, {0, 0, 0, 0}, {0, 0, 0, 0}};
    uint64_t tot_pk[2] = {0, 0}, tot_by[2] = {0, 0};    /* counted, for the table */
    unsigned uncounted = 0;
    const uint32_t lim = c->underlay_mtu - VXLAN_OUTER_IP_OVERHEAD;
    struct flow_table_home home;
    struct cls_codes cc;

    flow_table_home_init(ft, &home);
    cls_codes_init(c, &cc);
    cls_cache_key(ecs, &cc, vni_idx, vni, vtep_be);
    for (unsigned i = 0; i < n; i++) {
        struct rte_mbuf *m = pkts[i];
        const uint8_t *f = rte_pktmbuf_mtod(m, const uint8_t *);
        const uint32_t dlen = rte_pktmbuf_data_len(m), len = rte_pktmbuf_pkt_len(m);
        const uint8_t flags = fc_fast_flags(f, f + dlen, protos);
        struct fc_key key;
        struct fc_meta meta;
        uint32_t crc = 0, h;
        uint8_t iecn;
        unsigned code;

        if (likely(flags != 0)) {
            /* the common frame, classified from its fields in place */
            uint64_t hi, lo;
            uint32_t ports, r;

            memcpy(&hi, f + 26, 8);             /* saddr, daddr */
            memcpy(&ports, f + 34, 4);          /* sport, dport */
            lo = vni_key | f[23] | (uint64_t)ports << 32;
            crc = flow_hash_v4_crc(FLOW_HASH_SEED, hi, f[23], ports);
            iecn = f[15] & 3;
            r = flow_table_classify_v4_home(&home, crc, lo, hi, flags, len, now);
            if (unlikely(r == 0))
                r = cls_one_v4(ft, lo, hi, flags, len, crc, now);
            code = r & 3;
            if (likely(cc.fast[code])) {
                h = flow_hash_mix(crc);
            } else {
                /* the rare hashes and rewrites need key and meta */
                fc_extract_fast(f, f + dlen, vni, protos, &key, &meta);
                meta.len = len;
                h = cls_slow_hash(c, m, code, cc.grp[code], &key, &meta, vni, vtep_be);
            }
        } else {
            code = cls_parse(f, dlen, len, vni, protos, &key, &meta, &crc, &iecn);
            if (likely(code == CLS_TO_COUNT))
                code = cls_one(ft, &key, &meta, crc, now) & 3;
            else
                uncounted++;
            h = cls_hash(c, &cc, m, code, crc, &key, &meta, vni, vtep_be);
        }
        cls_send(w, c, ecs, &run, m, code, len, lim, h, iecn);
    }
    vni_run_flush(w, vni_idx, &run, tot_pk, tot_by);
    flow_table_add_counted(ft, tot_pk, tot_by, uncounted);
}

void encap_runs_cls(struct wk *w, struct encap_cache ecs[2], struct rte_mbuf **pkts,
                    const struct encap_cls_run *runs, unsigned n_runs)
{
    const struct dp_conf *c = w->conf;
    struct flow_table *ft = c->cls->ft[w->pub.id];
    const uint32_t protos = c->cls_protocols;
    const uint32_t lim = c->underlay_mtu - VXLAN_OUTER_IP_OVERHEAD;
    struct fc_key keys[DP_BURST];
    struct fc_meta meta[DP_BURST];
    uint8_t iecn[DP_BURST];     /* inner ECN bits */
    uint8_t res[DP_BURST];      /* FC_R_* (or CLS_UNKEYED): res & 3 is the class code */
    uint32_t crc[DP_BURST];     /* flow_hash_5tuple_crc(), of keyed frames */
    uint64_t skip_mask = 0;     /* bit k: the classifier does not count frame k */
    uint64_t tot_pk[2] = {0, 0}, tot_by[2] = {0, 0};    /* counted, for the table */
    struct cls_codes cc;
    unsigned n = 0;

    /* one parse per frame: the 5-tuple for the classifier and the hash */
    for (unsigned r = 0; r < n_runs; r++) {
        const uint32_t vni = c->vnis[runs[r].vni_idx].vni;

        for (unsigned j = 0; j < runs[r].n; j++, n++) {
            unsigned code = cls_parse(rte_pktmbuf_mtod(pkts[n], const uint8_t *),
                                      rte_pktmbuf_data_len(pkts[n]),
                                      rte_pktmbuf_pkt_len(pkts[n]), vni, protos, &keys[n],
                                      &meta[n], &crc[n], &iecn[n]);

            if (unlikely(code != CLS_TO_COUNT)) {
                res[n] = (uint8_t)code;
                skip_mask |= 1ull << n;
            }
        }
    }
    if (n == 0)
        return;
    /* the classifier, for the whole burst in one call */
    flow_table_classify_hashed(ft, keys, meta, crc, (~0ull >> (64 - n)) & ~skip_mask,
                               (unsigned)__builtin_popcountll(skip_mask), w->now_tsc, res);
    cls_codes_init(c, &cc);

    /* per run: the class caches keyed to its VNI and VTEP; per frame: the
     * send step */
    n = 0;
    for (unsigned r = 0; r < n_runs; r++) {
        const uint32_t vni_idx = runs[r].vni_idx, vtep_be = runs[r].vtep_be;
        const uint32_t vni = c->vnis[vni_idx].vni;
        struct vni_run run = {0, 0, {0, 0, 0, 0}, {0, 0, 0, 0}};

        cls_cache_key(ecs, &cc, vni_idx, vni, vtep_be);
        for (unsigned j = 0; j < runs[r].n; j++, n++) {
            const unsigned code = res[n] & 3u;

            cls_send(w, c, ecs, &run, pkts[n], code, meta[n].len, lim,
                     cls_hash(c, &cc, pkts[n], code, crc[n], &keys[n], &meta[n], vni, vtep_be),
                     iecn[n]);
        }
        vni_run_flush(w, vni_idx, &run, tot_pk, tot_by);
    }
    flow_table_add_counted(ft, tot_pk, tot_by, 0);
}
