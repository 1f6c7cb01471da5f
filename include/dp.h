/* Dataplane state shared by the workers and the control thread.
 *
 * Two kinds of state:
 *  - fixed at start: the ports, the mempool, the MAC table, the workers;
 *  - one configuration generation (struct dp_conf): VNIs, access
 *    attachments, next hops with their header templates, ECMP groups and
 *    VTEP routes. A reload builds a new generation and publishes it with
 *    one pointer store; workers load the pointer once per loop turn, and
 *    the old generation is freed once every worker has reported a
 *    quiescent state since (RCU). VNI slots and attachment ids are stable
 *    across generations, so the MAC table and the counters keep meaning.
 * Flood lists change with EVPN routes, not with the configuration: one
 * pointer per VNI slot, swapped under RCU as well.
 *
 * Writers: the control thread (everything but the ECMP buckets), the BFD
 * thread (the ECMP buckets of the current generation, under its lock). */
#ifndef VTEPD_DP_H
#define VTEPD_DP_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_ether.h>
#include <rte_mbuf.h>
#include <rte_mbuf_dyn.h>

#include "counters.h"
#include "ecmp.h"
#include "flow_hash.h"
#include "vxlan.h"

#define DP_MAX_PORTS     16
#define DP_MAX_WORKERS   16
#define DP_MAX_NEXTHOPS  ECMP_MAX_MEMBERS
#define DP_MAX_GROUPS    8
#define DP_MAX_VNIS      4096
#define DP_MAX_VNI_ATTACH 8         /* access attachments per VNI */
#define DP_MAX_ATTACH    (DP_MAX_VNIS * DP_MAX_VNI_ATTACH)
#define DP_BURST         32
#define DP_NO_ATTACH     0xffff
#define DP_NO_VNI        UINT32_MAX
#define DP_MAX_SOCKETS   RTE_MAX_NUMA_NODES

struct mac_table;
struct rte_rcu_qsbr;
struct rte_lpm;
struct vni_map;
struct worker;

#define DP_NO_PORT 0xffff
/* m->port of a frame the control thread hands a worker to flood as if it
 * came from attachment m->hash.usr (ARP it did not answer) */
#define DP_PORT_REINJECT 0xfffe
/* m->hash.usr of an access ARP frame punted to the control thread: the
 * attachment it came from, and whether it is only a copy to snoop */
#define DP_PUNT_SNOOP 0x80000000u

struct dp_port {
    char name[32];
    uint16_t port_id;           /* DPDK port id */
    uint8_t role;               /* enum port_role */
    struct rte_ether_addr mac;
    uint16_t nb_rxq;
    uint16_t nb_txq;
    /* exception path: an underlay port's kernel interface (kernel), and a
     * kernel interface's underlay port (peer); DP_NO_PORT when none */
    uint16_t kernel;
    uint16_t peer;
    uint64_t kernel_cost_tsc;   /* underlay: TSC per packet a worker may hand the kernel */
    int socket;                 /* NUMA socket of the device (its pool's) */
    bool tx_ip_csum;            /* the PMD fills the outer IPv4 checksum (TX offload) */
    /* link down as the control thread last saw it (port_link.c; 0 until
     * it looks); a next hop on a port whose link is down is out of its
     * ECMP groups */
    uint8_t link_down;
};

/* One (access port, VLAN) bound to a VNI. A free id has vni_idx DP_NO_VNI. */
struct dp_attach {
    uint16_t port;              /* index into dp.ports */
    uint16_t vlan;              /* 0 = untagged */
    uint32_t vni_idx;
};

/* Head-end replication list, replaced as a whole (RCU) when it changes. */
struct dp_flood {
    uint32_t n;
    uint32_t vtep[];            /* network order, sorted */
};

struct dp_vni {
    uint32_t vni;               /* 0: free slot */
    uint8_t classify;           /* the short/long classifier applies */
    uint8_t src_check;          /* decapsulate only from VTEPs on the flood list */
    uint8_t arp_suppress;       /* local ARP goes to the control thread */
    uint16_t n_attach;
    uint16_t attach[DP_MAX_VNI_ATTACH];     /* attachment ids */
    uint32_t n_cfg_flood;       /* configured flood VTEPs (EVPN adds its own) */
    uint32_t *cfg_flood;
};

/* An ECMP group: resilient buckets over member next hops, and the hash
 * policy that spreads flows over them (and picks their UDP source port). */
struct dp_group {
    char name[32];
    struct ecmp_group ecmp;         /* buckets hold member indexes */
    uint16_t member_nh[ECMP_MAX_MEMBERS];   /* member -> conf.nexthops index */
    struct flow_hash_policy hash;
};

/* The short/long classifier's flow tables, one per worker (each worker the
 * only user of its own). Generations whose classifier has the same table
 * parameters share one (refs counts them; control thread only), so a
 * reload that does not change them keeps every flow's count. */
struct flow_table;
struct dp_classifier {
    uint32_t refs;
    uint32_t capacity, threshold, idle_s;
    uint64_t sweep_interval_tsc;    /* a 64-entry sweep this often: a pass a second */
    struct flow_table *ft[DP_MAX_WORKERS];
};

/* What a class of flows gets: its ECMP group and outer DSCP. */
struct dp_class_action {
    uint16_t group;             /* index into conf.groups */
    uint8_t dscp;
};

/* A next hop. Its MAC is configured, or resolved by ARP and may change:
 * the header template is double-buffered. The control thread writes the
 * copy workers are not told to use, then flips `cur` (release); it writes
 * that copy again only after an RCU grace period (tmpl_token), when no
 * worker can still be reading it. */
struct dp_nexthop {
    char name[32];
    uint16_t port;              /* index into dp.ports (underlay) */
    uint32_t ip;                /* network order */
    struct rte_ether_addr mac;  /* valid when has_mac (BFD reads it too) */
    bool has_mac;               /* configured or resolved: may be live */
    bool mac_static;            /* from the configuration */
    uint8_t cur;                /* template in use */
    uint64_t tmpl_token;        /* RCU token of the last flip */
    struct vxlan_tmpl tmpl[2];  /* outer headers toward this next hop */
};

static inline const struct vxlan_tmpl *dp_nexthop_tmpl(const struct dp_nexthop *nh)
{
    return &nh->tmpl[__atomic_load_n(&nh->cur, __ATOMIC_ACQUIRE)];
}

/* One configuration generation (see above). */
struct dp_conf {
    uint64_t gen;
    uint16_t udp_port;          /* host order */
    uint8_t ttl;
    uint16_t underlay_mtu;
    struct vni_map *vni_map;    /* VNI -> slot */
    struct dp_vni *vnis;        /* [DP_MAX_VNIS], by slot */
    struct dp_attach *attach;   /* [DP_MAX_ATTACH], by id */
    uint16_t untagged_attach[DP_MAX_PORTS];     /* DP_NO_ATTACH when none */
    uint16_t *vlan_attach[DP_MAX_PORTS];        /* [4096] on access ports */
    uint16_t n_nexthops;
    struct dp_nexthop nexthops[DP_MAX_NEXTHOPS];
    uint16_t n_groups;              /* groups[0]: "default", every next hop */
    struct dp_group groups[DP_MAX_GROUPS];
    struct rte_lpm *routes;         /* remote VTEP -> group; NULL: group 0 */
    char routes_name[32];
    uint32_t *flood_pool;           /* backs every vnis[].cfg_flood */
    /* short/long classifier; NULL when off */
    struct dp_classifier *cls;
    uint32_t cls_protocols;         /* FC_PROTO_* */
    bool cls_rewrite_inner;         /* set the inner DSCP as well */
    bool residence;                 /* stamp RX bursts, histogram at TX */
    uint32_t poll_sleep_ns;         /* idle turn: sleep this long (0: busy poll) */
    struct dp_class_action cls_act[2];  /* [0] short, [1] long */
};

struct dp {
    uint32_t local_ip;          /* network order; fixed (a restart changes it) */
    uint16_t n_ports;
    struct dp_port ports[DP_MAX_PORTS];

    struct dp_conf *conf;       /* current generation (__atomic_load_n) */
    struct dp_flood *flood[DP_MAX_VNIS];    /* per VNI slot (__atomic_load_n) */

    struct mac_table *macs;
    struct rte_rcu_qsbr *qsv;
    /* one mbuf pool per NUMA socket that has a port or a worker: ports
     * receive into their socket's, workers copy (flooding) from theirs;
     * pool is the main lcore's socket's (control and BFD threads) */
    struct rte_mempool *pool;
    struct rte_mempool *pools[DP_MAX_SOCKETS];

    unsigned n_workers;
    struct worker *workers[DP_MAX_WORKERS];
    volatile int stop;
};

/* The dataplane: one per process. */
extern struct dp g_dp;

/* Whether dp port p's link is up (the control thread's last look). */
static inline bool dp_port_link_up(uint16_t p)
{
    return __atomic_load_n(&g_dp.ports[p].link_down, __ATOMIC_ACQUIRE) == 0;
}

/* The pool of NUMA socket s (the main one when s has none). */
static inline struct rte_mempool *dp_pool_of(int s)
{
    return s >= 0 && s < DP_MAX_SOCKETS && g_dp.pools[s] ? g_dp.pools[s] : g_dp.pool;
}

/* Mbufs in every pool, and how many of them are free now. */
static inline void dp_pools_count(unsigned *size, unsigned *avail)
{
    *size = *avail = 0;
    for (int s = 0; s < DP_MAX_SOCKETS; s++)
        if (g_dp.pools[s]) {
            *size += g_dp.pools[s]->size;
            *avail += rte_mempool_avail_count(g_dp.pools[s]);
        }
}

/* "access", "underlay" or "kernel". */
static inline const char *dp_port_role_name(unsigned role)
{
    return role == 0 ? "access" : role == 1 ? "underlay" : "kernel";
}

/* Whether vtep (network order) is on flood list fl (sorted, as built by
 * the control thread). */
static inline bool dp_flood_has(const struct dp_flood *fl, uint32_t vtep)
{
    uint32_t lo = 0, hi = fl ? fl->n : 0;

    while (lo < hi) {
        uint32_t mid = (lo + hi) / 2;
        if (fl->vtep[mid] == vtep)
            return true;
        if (fl->vtep[mid] < vtep)
            lo = mid + 1;
        else
            hi = mid;
    }
    return false;
}

/* The generation a worker or the control thread should use now. */
static inline const struct dp_conf *dp_conf_current(void)
{
    return __atomic_load_n(&g_dp.conf, __ATOMIC_ACQUIRE);
}

/* Offset of the mbuf dynamic field "vtepd_rx_tsc" (registered by
 * dp_setup): the TSC of the RX burst that brought the packet in, when the
 * residence histogram is on; for a punted packet, the TSC at which the
 * worker handed it over (BFD timers use it); 0 for packets the control and
 * BFD threads build. */
extern int g_rx_tsc_off;

static inline uint64_t *dp_rx_tsc(struct rte_mbuf *m)
{
    return RTE_MBUF_DYNFIELD(m, g_rx_tsc_off, uint64_t *);
}

/* IEEE 802.1D reserved link-local group 01:80:c2:00:00:00-0f: bridges
 * consume these (STP, pause, LACP, 802.1X, LLDP) and never forward them. */
static inline int dp_is_link_local(const uint8_t *dst)
{
    return dst[0] == 0x01 && dst[1] == 0x80 && dst[2] == 0xc2 && dst[3] == 0 &&
           dst[4] == 0 && (dst[5] & 0xf0) == 0;
}

#endif
