/* Dataplane state shared by the workers and the control thread.
 *
 * Everything here is built by the control thread before the workers start.
 * After that, workers only read it, except their own struct worker. Tables
 * that change at run time (MAC table, flood lists, ECMP buckets) have the
 * control thread as their single writer and are safe to read without locks.
 */
#ifndef VTEPD_DP_H
#define VTEPD_DP_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_ether.h>
#include <rte_mbuf.h>
#include <rte_mbuf_dyn.h>
#include <rte_ring.h>

#include "counters.h"
#include "ecmp.h"
#include "flow_hash.h"
#include "vxlan.h"

#define DP_MAX_PORTS     16
#define DP_MAX_WORKERS   16
#define DP_MAX_NEXTHOPS  ECMP_MAX_MEMBERS
#define DP_MAX_GROUPS    8
#define DP_BURST         32
#define DP_TXBUF         64
#define DP_NO_ATTACH     0xffff
#define LEARN_CACHE_SLOTS 2048  /* per worker, power of two */

struct mac_table;
struct rte_rcu_qsbr;
struct vni_map;

struct dp_port {
    char name[32];
    uint16_t port_id;           /* DPDK port id */
    uint8_t role;               /* enum port_role */
    struct rte_ether_addr mac;
    uint16_t nb_rxq;
    uint16_t nb_txq;
    /* access ports: attachment for untagged frames and per VLAN id */
    uint16_t untagged_attach;   /* DP_NO_ATTACH when none */
    uint16_t *vlan_attach;      /* [4096], DP_NO_ATTACH when none */
};

/* One (access port, VLAN) bound to a VNI. */
struct dp_attach {
    uint16_t port;              /* index into dp.ports */
    uint16_t vlan;              /* 0 = untagged */
    uint32_t vni_idx;
};

/* Head-end replication list, replaced as a whole (RCU) when it changes. */
struct dp_flood {
    uint32_t n;
    uint32_t vtep[];            /* network order */
};

struct dp_vni {
    uint32_t vni;
    uint16_t n_attach;
    uint16_t attach[16];        /* indexes into dp.attach */
    struct dp_flood *flood;     /* read with __atomic_load_n */
};

/* An ECMP group: resilient buckets over member next hops, and the hash
 * policy that spreads flows over them (and picks their UDP source port). */
struct dp_group {
    char name[32];
    struct ecmp_group ecmp;         /* buckets hold member indexes */
    uint16_t member_nh[ECMP_MAX_MEMBERS];   /* member -> dp.nexthops index */
    struct flow_hash_policy hash;
};

struct dp_nexthop {
    char name[32];
    uint16_t port;              /* index into dp.ports (underlay) */
    uint32_t ip;                /* network order */
    struct rte_ether_addr mac;
    struct vxlan_tmpl tmpl;     /* outer headers toward this next hop */
};

/* Learn cache slot: the last time this worker told the control thread that
 * (vni, mac) was on attach. Saves the learn traffic for stations already
 * known; a station that moves misses the cache and is reported at once. */
struct learn_slot {
    uint32_t vni_idx;
    uint8_t mac[6];
    uint16_t attach;
    uint64_t tsc;
};

/* Event a worker sends the control thread. */
struct learn_event {
    uint32_t vni_idx;
    uint16_t attach;
    uint8_t mac[6];
};

struct txbuf {
    uint16_t n;
    struct rte_mbuf *pkts[DP_TXBUF];
};

struct worker_stats {
    struct port_stats port[DP_MAX_PORTS];
    uint64_t drops[DROP_NUM];
    struct event_stats ev;
    uint64_t busy_cycles;       /* TSC spent in iterations that had packets */
    uint64_t packets;           /* packets received by this worker */
    uint64_t first_rx_tsc;      /* 0 until the first packet */
    uint64_t last_rx_tsc;
    struct vni_stats *vni;      /* [n_vnis] */
};

struct rxq_ref {
    uint16_t port;              /* index into dp.ports */
    uint16_t queue;
};

struct worker {
    unsigned id;                /* 0..n_workers-1, also the RCU thread id */
    unsigned lcore;
    uint16_t n_rxq;
    struct rxq_ref rxq[DP_MAX_PORTS * 4];
    uint16_t txq;               /* this worker's TX queue on every port */
    struct rte_ring *learn_ring;    /* worker -> control: struct learn_event */
    struct rte_ring *punt_ring;     /* worker -> control: mbufs (ARP) */
    struct rte_ring *bfd_ring;      /* worker -> BFD thread: mbufs (UDP 3784 to us) */
    /* control and BFD threads -> this worker: mbufs to send, m->port = dp
     * port; only on the DP_CTRL_TX_WORKER (multi-producer) */
    struct rte_ring *ctrl_tx_ring;
    uint64_t learn_refresh_tsc;
    volatile int running;
    struct txbuf tx[DP_MAX_PORTS];
    struct learn_slot learn_cache[LEARN_CACHE_SLOTS];
    struct worker_stats st;
} __rte_cache_aligned;

struct dp {
    /* from the configuration */
    uint32_t local_ip;          /* network order */
    uint16_t udp_port;          /* host order */
    uint8_t ttl;
    uint16_t underlay_mtu;

    uint16_t n_ports;
    struct dp_port ports[DP_MAX_PORTS];
    uint16_t n_attach;
    struct dp_attach *attach;
    uint32_t n_vnis;
    struct dp_vni *vnis;
    struct vni_map *vni_map;
    uint16_t n_nexthops;
    struct dp_nexthop nexthops[DP_MAX_NEXTHOPS];
    uint16_t n_groups;              /* groups[0]: every next hop */
    struct dp_group groups[DP_MAX_GROUPS];
    struct rte_lpm *routes;         /* remote VTEP -> group; NULL: group 0 */

    struct mac_table *macs;
    struct rte_rcu_qsbr *qsv;
    struct rte_mempool *pool;

    unsigned n_workers;
    struct worker *workers[DP_MAX_WORKERS];
    volatile int stop;
};

/* The dataplane: one per process. */
extern struct dp g_dp;

/* The worker that transmits packets built by the control and BFD threads
 * (ARP replies, BFD). */
#define DP_CTRL_TX_WORKER 0

static inline struct rte_ring *dp_ctrl_tx_ring(void)
{
    return g_dp.workers[DP_CTRL_TX_WORKER]->ctrl_tx_ring;
}

/* Offset of the mbuf dynamic field "vtepd_punt_tsc": the TSC at which a
 * worker punted the packet to the control thread (registered by dp_setup). */
extern int g_punt_tsc_off;

static inline uint64_t *dp_punt_tsc(struct rte_mbuf *m)
{
    return RTE_MBUF_DYNFIELD(m, g_punt_tsc_off, uint64_t *);
}

/* Put next hop nh in or out of every ECMP group it belongs to (control
 * thread). Returns the number of buckets that changed member. */
unsigned dp_nexthop_set_live(uint16_t nh, int live);

/* Buckets held by next hop nh over all groups. */
unsigned dp_nexthop_buckets(uint16_t nh);

/* Worker main loop (rte_eal_remote_launch entry); arg is a struct worker *. */
int worker_main(void *arg);

/* Per-burst processing, called by the worker loop. */
void access_rx_burst(struct worker *w, uint16_t port, struct rte_mbuf **pkts, uint16_t n);
void underlay_rx_burst(struct worker *w, uint16_t port, struct rte_mbuf **pkts, uint16_t n);

/* Send whatever is queued on one port / every port; what the port does not
 * take is freed and counted as tx_full. */
void tx_flush_port(struct worker *w, uint16_t port);
void tx_flush_all(struct worker *w);

/* Queue m for transmission on dp port `port` (sent at the next flush). */
static inline void tx_enqueue(struct worker *w, uint16_t port, struct rte_mbuf *m)
{
    struct txbuf *b = &w->tx[port];

    if (unlikely(b->n == DP_TXBUF))
        tx_flush_port(w, port);
    b->pkts[b->n++] = m;
}

/* IEEE 802.1D reserved link-local group 01:80:c2:00:00:00-0f: bridges
 * consume these (STP, pause, LACP, 802.1X, LLDP) and never forward them. */
static inline int dp_is_link_local(const uint8_t *dst)
{
    return dst[0] == 0x01 && dst[1] == 0x80 && dst[2] == 0xc2 && dst[3] == 0 &&
           dst[4] == 0 && (dst[5] & 0xf0) == 0;
}

/* Drop m for reason why (counts and frees). */
static inline void dp_drop(struct worker *w, struct rte_mbuf *m, enum drop_reason why)
{
    w->st.drops[why]++;
    rte_pktmbuf_free(m);
}

/* Encapsulate m (an untagged inner frame) toward vtep and queue it on the
 * next hop chosen by ECMP over the flow hash. Consumes m in every case;
 * returns 0 when queued, -1 when dropped (and counted). */
int vxlan_encap_send(struct worker *w, struct rte_mbuf *m, uint32_t vni_idx,
                     uint32_t vtep_be);

/* Send m (untagged inner frame) out of attachment a, adding its VLAN tag.
 * Consumes m. */
void access_send(struct worker *w, struct rte_mbuf *m, uint16_t a);

/* Head-end replication of BUM frame m (untagged) of vni_idx: one copy per
 * flood-list VTEP (when from_attach != DP_NO_ATTACH, i.e. it came from an
 * access port) and one per other local attachment. Consumes m. */
void flood_send(struct worker *w, struct rte_mbuf *m, uint32_t vni_idx,
                uint16_t from_attach, int to_underlay);

#endif
