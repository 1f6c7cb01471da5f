/* Build the dataplane from the configuration (see include/control.h). */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_dev.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_lpm.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_mbuf_dyn.h>
#include <rte_rcu_qsbr.h>

#include "control.h"
#include "dp.h"
#include "log.h"
#include "mac_table.h"
#include "vni_map.h"

#define RX_DESC 1024
#define TX_DESC 1024
#define LEARN_RING_SIZE 4096
#define PUNT_RING_SIZE 1024
#define CTRL_TX_RING_SIZE 1024

/* Probe a device from its devargs (a vdev such as "net_pcap0,rx_pcap=x" or
 * a PCI address) and return its port id, or -1. */
static int probe_port(const struct cfg_port *cp)
{
    char name[CFG_DEVARGS_LEN];
    uint16_t pid;
    char *comma;
    int rc;

    snprintf(name, sizeof(name), "%s", cp->devargs);
    comma = strchr(name, ',');
    if (comma)
        *comma = '\0';
    if (rte_eth_dev_get_port_by_name(name, &pid) == 0)
        return pid;     /* already probed (EAL --vdev or PCI scan) */
    rc = rte_dev_probe(cp->devargs);
    if (rc < 0 && rc != -EEXIST) {
        VLOG(ERR, "port %s: cannot probe '%s': %s", cp->name, cp->devargs, rte_strerror(-rc));
        return -1;
    }
    if (rte_eth_dev_get_port_by_name(name, &pid) != 0) {
        VLOG(ERR, "port %s: device '%s' probed but no ethdev port named '%s'",
             cp->name, cp->devargs, name);
        return -1;
    }
    return pid;
}

static int setup_port(struct dp_port *p, const struct cfg_port *cp, unsigned n_workers)
{
    struct rte_eth_dev_info info;
    struct rte_eth_conf conf;
    uint16_t nb_rxd = RX_DESC, nb_txd = TX_DESC;
    int pid = probe_port(cp);
    int rc;

    if (pid < 0)
        return -1;
    p->port_id = (uint16_t)pid;
    snprintf(p->name, sizeof(p->name), "%s", cp->name);
    p->role = (uint8_t)cp->role;
    rc = rte_eth_dev_info_get(p->port_id, &info);
    if (rc != 0) {
        VLOG(ERR, "port %s: cannot get device info: %s", cp->name, rte_strerror(-rc));
        return -1;
    }
    p->nb_rxq = (uint16_t)RTE_MIN(n_workers, info.max_rx_queues);
    p->nb_txq = (uint16_t)n_workers;
    if (info.max_tx_queues < n_workers) {
        VLOG(ERR, "port %s: %u workers need %u TX queues, the device has %u "
             "(for net_pcap give one tx_pcap per worker)", cp->name, n_workers,
             n_workers, info.max_tx_queues);
        return -1;
    }
    memset(&conf, 0, sizeof(conf));
    if (p->nb_rxq > 1 && info.flow_type_rss_offloads) {
        conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
        conf.rx_adv_conf.rss_conf.rss_hf = (RTE_ETH_RSS_IP | RTE_ETH_RSS_UDP |
                                            RTE_ETH_RSS_TCP) & info.flow_type_rss_offloads;
    }
    if (info.rx_offload_capa & RTE_ETH_RX_OFFLOAD_IPV4_CKSUM)
        conf.rxmode.offloads |= RTE_ETH_RX_OFFLOAD_IPV4_CKSUM;
    rc = rte_eth_dev_configure(p->port_id, p->nb_rxq, p->nb_txq, &conf);
    if (rc != 0) {
        VLOG(ERR, "port %s: configure (%u rxq, %u txq) failed: %s", cp->name,
             p->nb_rxq, p->nb_txq, rte_strerror(-rc));
        return -1;
    }
    rte_eth_dev_adjust_nb_rx_tx_desc(p->port_id, &nb_rxd, &nb_txd);
    for (uint16_t q = 0; q < p->nb_rxq; q++) {
        rc = rte_eth_rx_queue_setup(p->port_id, q, nb_rxd,
                                    (unsigned)rte_eth_dev_socket_id(p->port_id),
                                    NULL, g_dp.pool);
        if (rc != 0) {
            VLOG(ERR, "port %s: rx queue %u setup failed: %s", cp->name, q, rte_strerror(-rc));
            return -1;
        }
    }
    for (uint16_t q = 0; q < p->nb_txq; q++) {
        rc = rte_eth_tx_queue_setup(p->port_id, q, nb_txd,
                                    (unsigned)rte_eth_dev_socket_id(p->port_id), NULL);
        if (rc != 0) {
            VLOG(ERR, "port %s: tx queue %u setup failed: %s", cp->name, q, rte_strerror(-rc));
            return -1;
        }
    }
    if (cp->mtu) {
        rc = rte_eth_dev_set_mtu(p->port_id, cp->mtu);
        if (rc != 0)
            VLOG(WARNING, "port %s: cannot set MTU %u: %s", cp->name, cp->mtu,
                 rte_strerror(-rc));
    }
    if (cp->has_mac) {
        memcpy(p->mac.addr_bytes, cp->mac, 6);
        rc = rte_eth_dev_default_mac_addr_set(p->port_id, &p->mac);
        if (rc != 0)
            VLOG(INFO, "port %s: device keeps its own MAC (%s); using %02x:%02x:%02x:%02x:%02x:%02x "
                 "in promiscuous mode", cp->name, rte_strerror(-rc),
                 cp->mac[0], cp->mac[1], cp->mac[2], cp->mac[3], cp->mac[4], cp->mac[5]);
    } else {
        rte_eth_macaddr_get(p->port_id, &p->mac);
    }
    rc = rte_eth_dev_start(p->port_id);
    if (rc != 0) {
        VLOG(ERR, "port %s: start failed: %s", cp->name, rte_strerror(-rc));
        return -1;
    }
    /* access ports bridge every station's frames; underlay ports may carry
     * a configured MAC the device does not filter for */
    rc = rte_eth_promiscuous_enable(p->port_id);
    if (rc != 0 && rc != -ENOTSUP)
        VLOG(WARNING, "port %s: promiscuous mode: %s", cp->name, rte_strerror(-rc));
    VLOG(INFO, "port %s: %s, dpdk port %u (%s), %u rxq, %u txq, mac %02x:%02x:%02x:%02x:%02x:%02x",
         cp->name, cp->role == PORT_ROLE_ACCESS ? "access" : "underlay", p->port_id,
         info.driver_name, p->nb_rxq, p->nb_txq, p->mac.addr_bytes[0], p->mac.addr_bytes[1],
         p->mac.addr_bytes[2], p->mac.addr_bytes[3], p->mac.addr_bytes[4], p->mac.addr_bytes[5]);
    return 0;
}

/* ECMP groups (groups[0] = every next hop) and the VTEP prefix routes. */
static int setup_groups(const struct vtepd_config *cfg)
{
    int n = cfg->n_groups ? cfg->n_groups : 1;

    for (int g = 0; g < n; g++) {
        struct dp_group *grp = &g_dp.groups[g];
        const struct cfg_group *cg = cfg->n_groups ? &cfg->groups[g] : NULL;

        snprintf(grp->name, sizeof(grp->name), "%s", cg ? cg->name : "default");
        for (int m = 0; cg && m < cg->n_members; m++)
            grp->member_nh[m] = (uint16_t)cg->members[m];
        ecmp_init(&grp->ecmp, cg ? (uint16_t)cg->n_members : 0);
        if (flow_hash_policy_init(&grp->hash, cg ? (const char (*)[32])cg->hash_fields : NULL,
                                  cg ? cg->n_hash_fields : 0) != 0)
            return -1;
    }
    g_dp.n_groups = (uint16_t)n;
    if (cfg->n_routes) {
        struct rte_lpm_config lc = {.max_rules = CFG_MAX_ROUTES * 2, .number_tbl8s = 256};
        g_dp.routes = rte_lpm_create("vtep_routes", (int)rte_socket_id(), &lc);
        if (!g_dp.routes) {
            VLOG(ERR, "cannot create the VTEP route table");
            return -1;
        }
        for (int r = 0; r < cfg->n_routes; r++)
            if (rte_lpm_add(g_dp.routes, ntohl(cfg->routes[r].prefix), cfg->routes[r].len,
                            (uint32_t)cfg->routes[r].group) != 0) {
                VLOG(ERR, "cannot add VTEP route %d", r);
                return -1;
            }
    }
    return 0;
}

static int setup_vnis(const struct vtepd_config *cfg)
{
    uint32_t n_attach = 0;

    g_dp.n_vnis = (uint32_t)cfg->n_vnis;
    g_dp.vnis = rte_zmalloc("vnis", sizeof(struct dp_vni) * (cfg->n_vnis ? cfg->n_vnis : 1), 0);
    for (int i = 0; i < cfg->n_vnis; i++)
        n_attach += (uint32_t)cfg->vnis[i].n_attach;
    if (n_attach >= DP_NO_ATTACH) {
        VLOG(ERR, "too many access attachments (%u)", n_attach);
        return -1;
    }
    g_dp.attach = rte_zmalloc("attach", sizeof(struct dp_attach) * (n_attach ? n_attach : 1), 0);
    g_dp.vni_map = vni_map_create((uint32_t)cfg->n_vnis);
    if (!g_dp.vnis || !g_dp.attach || !g_dp.vni_map)
        return -1;

    for (int i = 0; i < cfg->n_vnis; i++) {
        const struct cfg_vni *cv = &cfg->vnis[i];
        struct dp_vni *v = &g_dp.vnis[i];
        struct dp_flood *fl;

        v->vni = cv->vni;
        vni_map_add(g_dp.vni_map, cv->vni, (uint32_t)i);
        for (int a = 0; a < cv->n_attach; a++) {
            uint16_t ai = g_dp.n_attach++;
            struct dp_attach *at = &g_dp.attach[ai];
            struct dp_port *p = &g_dp.ports[cv->attach[a].port];

            at->port = (uint16_t)cv->attach[a].port;
            at->vlan = cv->attach[a].vlan;
            at->vni_idx = (uint32_t)i;
            if (at->vlan == VLAN_UNTAGGED)
                p->untagged_attach = ai;
            else
                p->vlan_attach[at->vlan] = ai;
            v->attach[v->n_attach++] = ai;
        }
        fl = rte_zmalloc("flood", sizeof(*fl) + sizeof(uint32_t) * (size_t)cv->n_flood, 0);
        if (!fl)
            return -1;
        fl->n = (uint32_t)cv->n_flood;
        memcpy(fl->vtep, cv->flood, sizeof(uint32_t) * (size_t)cv->n_flood);
        v->flood = fl;
    }
    return 0;
}

static int setup_macs(const struct vtepd_config *cfg)
{
    g_dp.macs = mac_table_create("macs", cfg->mac_table_size, g_dp.n_vnis, g_dp.qsv,
                                 (int)rte_socket_id());
    if (!g_dp.macs)
        return -1;
    for (int i = 0; i < cfg->n_vnis; i++) {
        const struct cfg_vni *cv = &cfg->vnis[i];

        mac_table_set_limit(g_dp.macs, (uint32_t)i, cv->mac_limit);
        for (int s = 0; s < cv->n_static; s++) {
            const struct cfg_static_mac *st = &cv->statics[s];
            uint64_t val;

            if (st->remote) {
                val = mac_val_remote(MAC_REMOTE_STATIC, st->vtep);
            } else {
                uint16_t ai = DP_NO_ATTACH;
                for (unsigned a = 0; a < g_dp.vnis[i].n_attach; a++)
                    if (g_dp.attach[g_dp.vnis[i].attach[a]].port == st->port)
                        ai = g_dp.vnis[i].attach[a];
                val = mac_val_local(MAC_LOCAL_STATIC, ai);
            }
            if (mac_table_set(g_dp.macs, (uint32_t)i, st->mac, val, 0) != 0) {
                VLOG(ERR, "VNI %u: cannot install static MAC (table full)", cv->vni);
                return -1;
            }
        }
    }
    return 0;
}

static int setup_workers(void)
{
    unsigned lcore, n = 0;
    size_t qsz;
    uint64_t hz = rte_get_tsc_hz();

    RTE_LCORE_FOREACH_WORKER(lcore) {
        if (n < DP_MAX_WORKERS)
            n++;
    }
    if (n == 0) {
        VLOG(ERR, "no worker lcore: give EAL at least two lcores (e.g. -l 0-1); "
             "the main lcore runs the control thread");
        return -1;
    }
    g_dp.n_workers = n;
    qsz = rte_rcu_qsbr_get_memsize(n);
    g_dp.qsv = rte_zmalloc("rcu", qsz, RTE_CACHE_LINE_SIZE);
    if (!g_dp.qsv || rte_rcu_qsbr_init(g_dp.qsv, n) != 0)
        return -1;

    n = 0;
    RTE_LCORE_FOREACH_WORKER(lcore) {
        struct worker *w;
        char name[RTE_RING_NAMESIZE];

        if (n >= DP_MAX_WORKERS)
            break;
        w = rte_zmalloc_socket("worker", sizeof(*w), RTE_CACHE_LINE_SIZE,
                               (int)rte_lcore_to_socket_id(lcore));
        if (!w)
            return -1;
        w->id = n;
        w->lcore = lcore;
        w->txq = (uint16_t)n;
        w->learn_refresh_tsc = hz;  /* tell the control thread once a second */
        snprintf(name, sizeof(name), "learn%u", n);
        w->learn_ring = rte_ring_create_elem(name, sizeof(struct learn_event), LEARN_RING_SIZE,
                                             (int)rte_lcore_to_socket_id(lcore),
                                             RING_F_SP_ENQ | RING_F_SC_DEQ);
        snprintf(name, sizeof(name), "punt%u", n);
        w->punt_ring = rte_ring_create(name, PUNT_RING_SIZE, (int)rte_lcore_to_socket_id(lcore),
                                       RING_F_SP_ENQ | RING_F_SC_DEQ);
        snprintf(name, sizeof(name), "bfd%u", n);
        w->bfd_ring = rte_ring_create(name, PUNT_RING_SIZE, (int)rte_lcore_to_socket_id(lcore),
                                      RING_F_SP_ENQ | RING_F_SC_DEQ);
        if (n == DP_CTRL_TX_WORKER) {
            /* producers: the control thread and the BFD thread */
            w->ctrl_tx_ring = rte_ring_create("ctrl_tx", CTRL_TX_RING_SIZE,
                                              (int)rte_lcore_to_socket_id(lcore),
                                              RING_F_SC_DEQ);
            if (!w->ctrl_tx_ring)
                return -1;
        }
        w->st.vni = rte_zmalloc("vni_stats", sizeof(struct vni_stats) *
                                (g_dp.n_vnis ? g_dp.n_vnis : 1), RTE_CACHE_LINE_SIZE);
        if (!w->learn_ring || !w->punt_ring || !w->bfd_ring || !w->st.vni) {
            VLOG(ERR, "worker %u: cannot allocate rings", n);
            return -1;
        }
        g_dp.workers[n++] = w;
    }
    /* spread every (port, queue) over the workers */
    unsigned k = 0;
    for (uint16_t p = 0; p < g_dp.n_ports; p++)
        for (uint16_t q = 0; q < g_dp.ports[p].nb_rxq; q++, k++) {
            struct worker *w = g_dp.workers[k % g_dp.n_workers];
            w->rxq[w->n_rxq].port = p;
            w->rxq[w->n_rxq].queue = q;
            w->n_rxq++;
        }
    return 0;
}

static unsigned count_worker_lcores(void)
{
    unsigned lcore, n = 0;

    RTE_LCORE_FOREACH_WORKER(lcore)
        n++;
    return RTE_MIN(n, (unsigned)DP_MAX_WORKERS);
}

int dp_setup(const struct vtepd_config *cfg)
{
    unsigned n_workers = count_worker_lcores();
    unsigned n_mbufs, max_frame;

    g_dp.local_ip = cfg->local_ip;
    g_dp.udp_port = cfg->udp_port;
    g_dp.ttl = cfg->ttl;
    g_dp.underlay_mtu = cfg->underlay_mtu;
    if (n_workers == 0) {
        VLOG(ERR, "no worker lcore: give EAL at least two lcores (e.g. -l 0-1); "
             "the main lcore runs the control thread");
        return -1;
    }

    static const struct rte_mbuf_dynfield punt_tsc = {
        .name = "vtepd_punt_tsc", .size = sizeof(uint64_t), .align = __alignof__(uint64_t),
    };
    g_punt_tsc_off = rte_mbuf_dynfield_register(&punt_tsc);
    if (g_punt_tsc_off < 0) {
        VLOG(ERR, "cannot register the mbuf dynamic field for punt timestamps");
        return -1;
    }

    /* enough buffers for every RX ring, every TX ring, the rings to and
     * from the control thread and the per-lcore caches */
    n_mbufs = (unsigned)cfg->n_ports * n_workers * (RX_DESC + TX_DESC) +
              n_workers * (2 * PUNT_RING_SIZE + DP_MAX_PORTS * DP_TXBUF + 512) +
              CTRL_TX_RING_SIZE + 4096;
    /* the largest frame the configuration allows must fit in one mbuf: the
     * underlay checks read a frame's lengths from its first segment only */
    max_frame = cfg->underlay_mtu + RTE_ETHER_HDR_LEN;
    for (int i = 0; i < cfg->n_ports; i++)
        max_frame = RTE_MAX(max_frame, (unsigned)cfg->ports[i].mtu + RTE_ETHER_HDR_LEN + 4);
    g_dp.pool = rte_pktmbuf_pool_create("mbufs", n_mbufs, 256, 0,
                                        (uint16_t)RTE_MAX((unsigned)RTE_MBUF_DEFAULT_BUF_SIZE,
                                                          RTE_PKTMBUF_HEADROOM + max_frame),
                                        (int)rte_socket_id());
    if (!g_dp.pool) {
        VLOG(ERR, "cannot create a pool of %u mbufs: %s (give EAL more memory, -m)",
             n_mbufs, rte_strerror(rte_errno));
        return -1;
    }

    for (int i = 0; i < cfg->n_ports; i++) {
        struct dp_port *p = &g_dp.ports[i];

        p->untagged_attach = DP_NO_ATTACH;
        if (cfg->ports[i].role == PORT_ROLE_ACCESS) {
            p->vlan_attach = rte_malloc("vlan_attach", 4096 * sizeof(uint16_t), 0);
            if (!p->vlan_attach)
                return -1;
            for (int v = 0; v < 4096; v++)
                p->vlan_attach[v] = DP_NO_ATTACH;
        }
        if (setup_port(p, &cfg->ports[i], n_workers) != 0)
            return -1;
        g_dp.n_ports = (uint16_t)(i + 1);
    }

    for (int i = 0; i < cfg->n_nexthops; i++) {
        const struct cfg_nexthop *cn = &cfg->nexthops[i];
        struct dp_nexthop *nh = &g_dp.nexthops[i];

        snprintf(nh->name, sizeof(nh->name), "%s", cn->name);
        nh->port = (uint16_t)cn->port;
        nh->ip = cn->ip;
        memcpy(nh->mac.addr_bytes, cn->mac, 6);
        vxlan_tmpl_init(&nh->tmpl, cn->mac, g_dp.ports[cn->port].mac.addr_bytes,
                        cfg->local_ip, cfg->ttl, cfg->udp_port);
    }
    g_dp.n_nexthops = (uint16_t)cfg->n_nexthops;
    if (setup_groups(cfg) != 0)
        return -1;

    if (setup_vnis(cfg) != 0 || setup_workers() != 0 || setup_macs(cfg) != 0)
        return -1;
    g_ctl.vni_learn_limit = rte_zmalloc("vni_learn_limit",
                                        sizeof(uint64_t) * (g_dp.n_vnis ? g_dp.n_vnis : 1), 0);
    return g_ctl.vni_learn_limit ? 0 : -1;
}

static void drain_ring(struct rte_ring *r)
{
    void *m;

    if (!r)
        return;
    while (rte_ring_dequeue(r, &m) == 0)
        rte_pktmbuf_free(m);
}

void dp_teardown(void)
{
    for (unsigned i = 0; i < g_dp.n_workers; i++) {
        drain_ring(g_dp.workers[i]->punt_ring);
        drain_ring(g_dp.workers[i]->bfd_ring);
        drain_ring(g_dp.workers[i]->ctrl_tx_ring);
    }
    for (uint16_t p = 0; p < g_dp.n_ports; p++) {
        int rc = rte_eth_dev_stop(g_dp.ports[p].port_id);
        if (rc != 0)
            VLOG(WARNING, "port %s: stop: %s", g_dp.ports[p].name, rte_strerror(-rc));
        rte_eth_dev_close(g_dp.ports[p].port_id);
    }
}
