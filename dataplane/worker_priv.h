/* A worker's private state and the packet stages it runs. Only files in
 * dataplane/ include this; the control side sees a worker through
 * include/dp_worker.h.
 *
 * Stages, one file each, called in this order and never backwards (no
 * cycle between them):
 *   worker.c        the loop: poll RX queues, dispatch bursts, send control
 *                   packets, flush TX, report RCU quiescence
 *   access_input.c  access port -> VNI, learning, BUM / unicast split
 *   decap.c         underlay port -> checks -> decapsulate -> deliver
 *   l2_lookup.c     MAC table lookups for a burst (one per distinct key)
 *   learn.c         source MACs -> learn events for the control thread
 *   flood.c         head-end replication of BUM frames
 *   encap.c         short/long classifier, VXLAN encapsulation toward a remote VTEP
 *   nexthop.c       VTEP -> ECMP group -> next hop (flow hash)
 *   punt.c          frames for the control and BFD threads
 *   exception.c     the exception path: underlay port -> the control thread,
 *                   which writes its kernel TAP
 *   port_tx.c       TX buffers per port, tagging on access ports */
#ifndef VTEPD_WORKER_PRIV_H
#define VTEPD_WORKER_PRIV_H

#include <stdint.h>

#include <rte_mbuf.h>

#include "dp.h"
#include "dp_worker.h"
#include "flow_table.h"
#include "mac_table.h"

#define DP_TXBUF 64
#define LEARN_CACHE_SLOTS 2048  /* per worker, power of two */

struct rxq_ref {
    uint16_t port;              /* index into dp.ports */
    uint16_t queue;
};

struct txbuf {
    uint16_t n;
    struct rte_mbuf *pkts[DP_TXBUF];
};

/* The last time this worker told the control thread that (vni, mac) was on
 * attach. A station already known is reported at most once a second; one
 * that moves misses the cache and is reported at once. */
struct learn_slot {
    uint32_t vni_idx;
    uint8_t mac[6];
    uint16_t attach;
    uint64_t tsc;
};

/* What encap_run keeps from run to run of one burst (one configuration
 * generation, one loop turn): for the (VNI, VTEP) of the last run, its
 * route's group and, per ECMP member met so far, the outer header toward
 * that member's next hop (read from its template once), its port and TX
 * buffer. */
struct encap_member {
    struct vxlan_prep hdr;
    uint16_t port;
    bool tx_ip_csum;
    struct txbuf *b;
} __rte_cache_aligned;      /* one line each: its header's 16-byte loads never split */

struct encap_cache {
    uint32_t vni_idx;           /* DP_NO_VNI: nothing kept yet */
    uint32_t vtep_be;
    const struct dp_group *grp;
    uint64_t made;              /* bit i: mem[i] made */
    struct vxlan_run r;
    struct encap_member mem[ECMP_MAX_MEMBERS];
};

struct wk {
    struct worker pub;          /* first: what the control side sees */
    const struct dp_conf *conf; /* the generation of this loop turn */
    uint64_t now_tsc;           /* TSC at the start of this loop turn */
    uint64_t learn_refresh_tsc;
    uint64_t last_sweep_tsc;    /* classifier idle sweep */
    uint64_t kernel_credit[DP_MAX_PORTS];   /* exception path token bucket (TSC) */
    uint64_t kernel_last[DP_MAX_PORTS];
    struct rte_mempool *pool;   /* its NUMA socket's: flood and snoop copies */
    uint16_t txq;
    uint16_t n_rxq;
    struct rxq_ref rxq[DP_MAX_PORTS * 4];
    struct txbuf tx[DP_MAX_PORTS];
    struct learn_slot learn_cache[LEARN_CACHE_SLOTS];
    struct encap_cache enc;     /* access_input's, for the burst in hand */
    struct encap_cache encc[2]; /* the same for encap_run_cls: short, long */
} __rte_cache_aligned;

static inline struct wk *wk_of(struct worker *w)
{
    return (struct wk *)w;
}

/* Count and free a dropped packet. */
static inline void wk_drop(struct wk *w, struct rte_mbuf *m, enum drop_reason why)
{
    w->pub.st.drops[why]++;
    rte_pktmbuf_free(m);
}

/* access_input.c, decap.c: one received burst of dp port `port`. */
void access_input(struct wk *w, uint16_t port, struct rte_mbuf **pkts, uint16_t n);
void underlay_input(struct wk *w, uint16_t port, struct rte_mbuf **pkts, uint16_t n);

/* l2_lookup.c: look up n (<= DP_BURST) keys; vals[i] is key i's packed
 * value (0 when absent). Runs of equal keys cost one lookup. */
void l2_lookup_burst(const struct mac_key *keys, unsigned n, uint64_t *vals);
/* The first half of a run's MAC lookup, as soon as the parse loop has its
 * key: hash it and prefetch its bucket, so that the bucket arrives while
 * the loop parses the rest of the burst. */
static inline void l2_lookup_start(const struct mac_key *key, struct mac_lookup *lk)
{
    mac_lookup_start(g_dp.macs, key, lk);
}
/* l2_lookup.c: the second half for n (<= DP_BURST) lookups started with
 * l2_lookup_start (one per run of equal keys): vals[i] is the packed
 * value of lk[i]'s key as the table holds it now (0 when absent). */
void l2_lookup_runs(const struct mac_lookup *lk, unsigned n, uint64_t *vals);

/* learn.c: mac was seen as a source on attachment a of VNI slot vni_idx. */
void learn_source(struct wk *w, uint32_t vni_idx, const uint8_t *mac, uint16_t a);

/* flood.c: replicate BUM frame m (untagged) of VNI slot vni_idx: one copy
 * per flood-list VTEP when to_underlay (frames from an access port only:
 * split horizon) and one per local attachment other than from_attach.
 * Consumes m. */
void flood_send(struct wk *w, struct rte_mbuf *m, uint32_t vni_idx, uint16_t from_attach,
                int to_underlay);

/* encap.c: encapsulate m (untagged inner frame) toward vtep and queue it on
 * the next hop ECMP picks in group `group` (-1: the group the VTEP's route
 * names), outer TOS tos. Consumes m; returns 0 when queued, -1 when dropped
 * (and counted). */
int encap_send(struct wk *w, struct rte_mbuf *m, uint32_t vni_idx, uint32_t vtep_be, int group,
               uint8_t tos);

/* Whether frames of VNI slot vni_idx go through the short/long classifier
 * (encap_runs_cls) rather than encap_run. */
static inline bool encap_vni_classified(const struct dp_conf *c, uint32_t vni_idx)
{
    return c->cls != NULL && c->vnis[vni_idx].classify;
}

/* An empty cache, for a burst's first run. */
static inline void encap_cache_init(struct encap_cache *ec)
{
    ec->vni_idx = DP_NO_VNI;
}

/* encap.c: a run of n known-unicast frames of one VNI, whose classifier
 * is off, to one remote VTEP: each encapsulated toward the next hop ECMP
 * picks (the VTEP's route group), outer TOS 0, and queued in order;
 * counts encap_packets/bytes of the VNI. The same frames on the wire as
 * encap_send() of each. ec: the burst's cache (encap_cache_init before
 * its first run; valid for one configuration generation, one loop turn).
 * Consumes the mbufs. */
void encap_run(struct wk *w, struct encap_cache *ec, struct rte_mbuf **pkts, unsigned n,
               uint32_t vni_idx, uint32_t vtep_be);

/* encap.c: a run of n known-unicast frames of one VNI with the
 * classifier to one remote VTEP, frame by frame: each classified (the
 * common frame from its header fields, in its home entry), then sent in
 * its class's group with its class DSCP and inner ECN, in order; counts
 * encap and class packets/bytes per VNI. The same frames, classes and
 * counters as encap_runs_cls() of the run. Fastest while the worker's
 * classifier table is small (encap_cls_by_run()). ecs: the burst's caches
 * of the short and the long class (encap_cache_init before its first run;
 * never shared with encap_run). Consumes the mbufs. */
void encap_run_cls(struct wk *w, struct encap_cache ecs[2], struct rte_mbuf **pkts, unsigned n,
                   uint32_t vni_idx, uint32_t vtep_be);

/* Whether this burst's runs of classified VNIs go run by run through
 * encap_run_cls() (the worker's table is small: its flows are found in
 * their home entries) rather than gathered for encap_runs_cls() (a large
 * table, whose reads are prefetched a burst at a time). c->cls != NULL. */
static inline bool encap_cls_by_run(const struct dp_conf *c, const struct wk *w)
{
    return flow_table_direct(c->cls->ft[w->pub.id]);
}

/* A run of n frames of one VNI (slot vni_idx) to one remote VTEP. */
struct encap_cls_run {
    uint32_t n;
    uint32_t vni_idx;
    uint32_t vtep_be;
};

/* encap.c: n_runs runs of frames of VNIs with the classifier, at most
 * DP_BURST frames in all, laid out in pkts run after run: each frame
 * parsed once (the 5-tuple for the classifier and the flow hash), the
 * whole set classified in one flow-table call, then each frame sent in
 * its class's group with its class DSCP and inner ECN, in order; counts
 * encap and class packets/bytes per VNI. ecs: the burst's class caches,
 * as for encap_run_cls(). Consumes the mbufs. */
void encap_runs_cls(struct wk *w, struct encap_cache ecs[2], struct rte_mbuf **pkts,
                    const struct encap_cls_run *runs, unsigned n_runs);

/* nexthop.c: the next hop for a frame of VNI vni to vtep in group `group`
 * (-1: by the VTEP's route), and the flow hash that chose it (for the UDP
 * source port); NULL when the group has no live member. */
const struct dp_nexthop *nexthop_select(const struct dp_conf *c, int group, const uint8_t *inner,
                                        uint32_t len, uint32_t vni, uint32_t vtep_be,
                                        uint32_t *hash);

/* nexthop.c: the ECMP group for a frame to vtep_be in group `group` (-1:
 * the one the VTEP's route names, else the default group). */
const struct dp_group *nexthop_group(const struct dp_conf *c, int group, uint32_t vtep_be);

/* The next hop of member mi (an ecmp_pick() of grp); NULL when mi is no
 * member (ECMP_NONE: none is live). */
static inline const struct dp_nexthop *nexthop_member(const struct dp_conf *c,
                                                      const struct dp_group *grp, uint16_t mi)
{
    if (unlikely(mi >= grp->ecmp.n_members))
        return NULL;
    return &c->nexthops[grp->member_nh[mi]];
}

/* The next hop of group grp for flow hash h; NULL when no member is live. */
static inline const struct dp_nexthop *nexthop_pick(const struct dp_conf *c,
                                                    const struct dp_group *grp, uint32_t h)
{
    return nexthop_member(c, grp, ecmp_pick(&grp->ecmp, h));
}

/* punt.c: hand m (from dp port `port`) to another thread through ring r,
 * stamped with its arrival TSC. Consumes m. */
void punt_send(struct wk *w, struct rte_ring *r, struct rte_mbuf *m, uint16_t port);

/* exception.c: hand m, received on underlay port `port`, to the control
 * thread for the port's kernel interface, within the port's rate (else
 * dropped: kernel_rate_limit; kernel_queue_full when the ring is full),
 * m->port set to the kernel interface's dp port. Consumes m. */
void kernel_send(struct wk *w, uint16_t port, struct rte_mbuf *m);

/* port_tx.c: queue m on dp port `port` (sent at the next flush); send m
 * out of attachment a, adding its VLAN tag; flush one port / every port
 * (what the port does not take is freed and counted as tx_full). */
void tx_flush_port(struct wk *w, uint16_t port);
void tx_flush_all(struct wk *w);
void access_send(struct wk *w, struct rte_mbuf *m, uint16_t a);

/* Cut m (possibly chained) to its first len bytes (len <= pkt_len): the
 * segments past them go back to their pool. rte_pktmbuf_trim only trims
 * within the last segment; Ethernet padding or trailing bytes after a
 * VXLAN payload can span more than that in a chain. */
static inline void dp_mbuf_trim_to(struct rte_mbuf *m, uint32_t len)
{
    struct rte_mbuf *s = m;
    uint32_t left = len;
    uint16_t nseg = 1;

    if (likely(m->next == NULL)) {
        m->data_len = (uint16_t)len;
        m->pkt_len = len;
        return;
    }
    while (s->next != NULL && left > s->data_len) {
        left -= s->data_len;
        s = s->next;
        nseg++;
    }
    s->data_len = (uint16_t)left;
    if (s->next != NULL) {
        rte_pktmbuf_free(s->next);
        s->next = NULL;
    }
    m->nb_segs = nseg;
    m->pkt_len = len;
}

static inline void tx_enqueue(struct wk *w, uint16_t port, struct rte_mbuf *m)
{
    struct txbuf *b = &w->tx[port];

    if (unlikely(b->n == DP_TXBUF))
        tx_flush_port(w, port);
    b->pkts[b->n++] = m;
}

/* n packets on dp port `port`, in order: the same as n tx_enqueue calls. */
static inline void tx_enqueue_bulk(struct wk *w, uint16_t port, struct rte_mbuf *const *m,
                                   unsigned n)
{
    struct txbuf *b = &w->tx[port];

    while (n > 0) {
        unsigned k;

        if (unlikely(b->n == DP_TXBUF))
            tx_flush_port(w, port);
        k = RTE_MIN(n, (unsigned)(DP_TXBUF - b->n));
        memcpy(&b->pkts[b->n], m, k * sizeof(*m));
        b->n = (uint16_t)(b->n + k);
        m += k;
        n -= k;
    }
}

#endif
