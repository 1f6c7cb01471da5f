/* Build the dataplane from the configuration (see control.h). */
#include <arpa/inet.h>
#include <inttypes.h>
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
#include "dp_worker.h"
#include "log.h"
#include "mac_table.h"

#define RX_DESC 1024
#define TX_DESC 1024
#define LEARN_RING_SIZE 4096
#define PUNT_RING_SIZE 1024
#define CTRL_TX_RING_SIZE 1024

/* Probe a device from its devargs (a vdev such as "net_pcap0,rx_pcap=x" or
 * a PCI address) and return its port id, or a negative errno (logged). */
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
        return rc;
    }
    if (rte_eth_dev_get_port_by_name(name, &pid) != 0) {
        VLOG(ERR, "port %s: device '%s' probed but no ethdev port named '%s'",
             cp->name, cp->devargs, name);
        return -ENODEV;
    }
    return pid;
}

/* RX queues to poll on a port. A device that made several queues at probe
 * time and offers no RSS to configure (net_af_packet's qpairs, one
 * PACKET_FANOUT_HASH group; net_pcap's rx_pcap list; net_ring) keeps
 * delivering to every one of them: all are polled, or what lands in the
 * others is lost. Any other device gets one queue per worker, which its
 * RSS spreads flows over, up to the queues it has. */
static uint16_t rx_queue_count(const struct rte_eth_dev_info *info, unsigned n_workers)
{
    if (!info->flow_type_rss_offloads && info->nb_rx_queues > 1)
        return RTE_MIN(info->nb_rx_queues, (uint16_t)(DP_MAX_PORTS * 4));
    return (uint16_t)RTE_MIN(n_workers, info->max_rx_queues);
}

/* The largest frame port cp must carry: its MTU (or the underlay MTU on
 * an underlay port without one), Ethernet header, CRC and one VLAN tag. */
static unsigned port_max_frame(const struct vtepd_config *cfg, const struct cfg_port *cp)
{
    unsigned mtu = cp->mtu ? cp->mtu :
        cp->role == PORT_ROLE_UNDERLAY ? cfg->underlay_mtu : RTE_ETHER_MTU;

    return mtu + RTE_ETHER_HDR_LEN + RTE_ETHER_CRC_LEN + RTE_VLAN_HLEN;
}

/* The socket whose pool a device receives into (its own when known). */
static int port_socket(uint16_t port_id)
{
    int s = rte_eth_dev_socket_id(port_id);

    return s >= 0 && s < DP_MAX_SOCKETS ? s : (int)rte_socket_id();
}

static int setup_port(struct dp_port *p, const struct cfg_port *cp, unsigned n_workers,
                      unsigned max_frame)
{
    struct rte_eth_dev_info info;
    struct rte_eth_conf conf;
    struct rte_mempool *pool;
    uint16_t nb_rxd = RX_DESC, nb_txd = TX_DESC, mtu;
    unsigned data_room;
    int pid = probe_port(cp);
    int rc;

    if (pid < 0)
        return pid;
    p->port_id = (uint16_t)pid;
    snprintf(p->name, sizeof(p->name), "%s", cp->name);
    p->role = (uint8_t)cp->role;
    p->socket = port_socket(p->port_id);
    pool = dp_pool_of(p->socket);
    data_room = rte_pktmbuf_data_room_size(pool) - RTE_PKTMBUF_HEADROOM;
    rc = rte_eth_dev_info_get(p->port_id, &info);
    if (rc != 0) {
        VLOG(ERR, "port %s: cannot get device info: %s", cp->name, rte_strerror(-rc));
        return rc;
    }
    p->nb_rxq = rx_queue_count(&info, n_workers);
    if (p->nb_rxq < n_workers)
        VLOG(INFO, "port %s: %u RX queue%s for %u workers: not every worker polls it%s",
             cp->name, p->nb_rxq, p->nb_rxq == 1 ? "" : "s", n_workers,
             strcmp(info.driver_name, "net_af_packet") == 0 ? " (give qpairs=N)" : "");
    p->nb_txq = (uint16_t)n_workers;
    if (info.max_tx_queues < n_workers) {
        VLOG(ERR, "port %s: %u workers need %u TX queues, the device has %u "
             "(for net_pcap give one tx_pcap per worker)", cp->name, n_workers,
             n_workers, info.max_tx_queues);
        return -EINVAL;
    }
    memset(&conf, 0, sizeof(conf));
    if (p->nb_rxq > 1 && info.flow_type_rss_offloads) {
        /* the NIC's Toeplitz hash over the outer (underlay: the VXLAN UDP
         * source port carries the inner flow's entropy) or only (access)
         * IP addresses and ports: one flow, one queue, one worker */
        conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
        conf.rx_adv_conf.rss_conf.rss_hf = (RTE_ETH_RSS_IP | RTE_ETH_RSS_UDP |
                                            RTE_ETH_RSS_TCP) & info.flow_type_rss_offloads;
    }
    if (info.rx_offload_capa & RTE_ETH_RX_OFFLOAD_IPV4_CKSUM)
        conf.rxmode.offloads |= RTE_ETH_RX_OFFLOAD_IPV4_CKSUM;
    /* frames longer than one mbuf: the NIC chains them (scatter) when it
     * can; the workers handle chains (headers from the first segment) */
    if (max_frame > data_room) {
        if (info.rx_offload_capa & RTE_ETH_RX_OFFLOAD_SCATTER)
            conf.rxmode.offloads |= RTE_ETH_RX_OFFLOAD_SCATTER;
        else
            VLOG(WARNING, "port %s: frames up to %u bytes do not fit a %u-byte mbuf and "
                 "the device (%s) offers no RX scatter: larger frames may be dropped by it "
                 "(raise vtep.mbuf_data_room)", cp->name, max_frame, data_room,
                 info.driver_name);
    }
    if (info.tx_offload_capa & RTE_ETH_TX_OFFLOAD_MULTI_SEGS)
        conf.txmode.offloads |= RTE_ETH_TX_OFFLOAD_MULTI_SEGS;
    else if (max_frame > data_room)
        VLOG(NOTICE, "port %s: the device (%s) does not advertise multi-segment TX; "
             "chained frames are handed to it as they are", cp->name, info.driver_name);
    /* the outer IPv4 checksum of what we encapsulate: by the NIC when it
     * can, else in software (incremental, from the next hop's template) */
    p->tx_ip_csum = cp->role == PORT_ROLE_UNDERLAY &&
                    (info.tx_offload_capa & RTE_ETH_TX_OFFLOAD_IPV4_CKSUM);
    if (p->tx_ip_csum)
        conf.txmode.offloads |= RTE_ETH_TX_OFFLOAD_IPV4_CKSUM;
    /* link state changes as events where the device raises them (else the
     * control loop polls, see port_link.c) */
    if (*info.dev_flags & RTE_ETH_DEV_INTR_LSC)
        conf.intr_conf.lsc = 1;
    rc = rte_eth_dev_configure(p->port_id, p->nb_rxq, p->nb_txq, &conf);
    if (rc != 0) {
        VLOG(ERR, "port %s: configure (%u rxq, %u txq, rx offloads 0x%" PRIx64
             ", tx offloads 0x%" PRIx64 ") failed: %s", cp->name, p->nb_rxq, p->nb_txq,
             conf.rxmode.offloads, conf.txmode.offloads, rte_strerror(-rc));
        return rc;
    }
    rte_eth_dev_adjust_nb_rx_tx_desc(p->port_id, &nb_rxd, &nb_txd);
    for (uint16_t q = 0; q < p->nb_rxq; q++) {
        rc = rte_eth_rx_queue_setup(p->port_id, q, nb_rxd, (unsigned)p->socket, NULL, pool);
        if (rc != 0) {
            VLOG(ERR, "port %s: rx queue %u setup failed: %s", cp->name, q, rte_strerror(-rc));
            return rc;
        }
    }
    for (uint16_t q = 0; q < p->nb_txq; q++) {
        rc = rte_eth_tx_queue_setup(p->port_id, q, nb_txd, (unsigned)p->socket, NULL);
        if (rc != 0) {
            VLOG(ERR, "port %s: tx queue %u setup failed: %s", cp->name, q, rte_strerror(-rc));
            return rc;
        }
    }
    mtu = (uint16_t)(max_frame - RTE_ETHER_HDR_LEN - RTE_ETHER_CRC_LEN - RTE_VLAN_HLEN);
    if (cp->mtu || mtu > RTE_ETHER_MTU) {
        rc = rte_eth_dev_set_mtu(p->port_id, mtu);
        if (rc == -ENOTSUP)
            VLOG(INFO, "port %s: the device has no MTU setting (MTU %u wanted)", cp->name, mtu);
        else if (rc != 0)
            VLOG(WARNING, "port %s: cannot set MTU %u: %s", cp->name, mtu, rte_strerror(-rc));
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
        return rc;
    }
    /* access ports bridge every station's frames; underlay ports may carry
     * a configured MAC the device does not filter for */
    rc = rte_eth_promiscuous_enable(p->port_id);
    if (rc != 0 && rc != -ENOTSUP)
        VLOG(WARNING, "port %s: promiscuous mode: %s", cp->name, rte_strerror(-rc));
    VLOG(INFO, "port %s: %s, dpdk port %u (%s), socket %d, %u rxq, %u txq, "
         "mac %02x:%02x:%02x:%02x:%02x:%02x, rx offloads 0x%" PRIx64 ", tx offloads 0x%" PRIx64
         "%s", cp->name, dp_port_role_name(cp->role), p->port_id, info.driver_name, p->socket,
         p->nb_rxq, p->nb_txq, p->mac.addr_bytes[0], p->mac.addr_bytes[1],
         p->mac.addr_bytes[2], p->mac.addr_bytes[3], p->mac.addr_bytes[4], p->mac.addr_bytes[5],
         conf.rxmode.offloads, conf.txmode.offloads, conf.intr_conf.lsc ? ", link events" : "");
    return 0;
}

/* The exception path of underlay port i: a TAP interface in the kernel
 * (net_tap) with the port's MAC, so that the kernel's IP stack (FRR's BGP,
 * ICMP, SSH, LLDP) talks through the DPDK-owned port: what the dataplane
 * does not consume goes up to it, what it sends goes out of the port. */
static int setup_kernel_port(const struct vtepd_config *cfg, int i, unsigned n_workers)
{
    const struct cfg_port *up = &cfg->ports[i];
    struct dp_port *p = &g_dp.ports[i];
    uint16_t k = g_dp.n_ports;
    struct cfg_port kp;
    int rc;

    if (k >= DP_MAX_PORTS) {
        VLOG(ERR, "port %s: no room for its kernel interface (%d ports at most)", up->name,
             DP_MAX_PORTS);
        return -ENOSPC;
    }
    memset(&kp, 0, sizeof(kp));
    snprintf(kp.name, sizeof(kp.name), "%s", up->kernel_iface);
    kp.role = PORT_ROLE_KERNEL;
    snprintf(kp.devargs, sizeof(kp.devargs),
             "net_tap_vtepd%d,iface=%s,mac=%02x:%02x:%02x:%02x:%02x:%02x", i, up->kernel_iface,
             p->mac.addr_bytes[0], p->mac.addr_bytes[1], p->mac.addr_bytes[2],
             p->mac.addr_bytes[3], p->mac.addr_bytes[4], p->mac.addr_bytes[5]);
    kp.mtu = up->mtu;
    g_dp.ports[k].kernel = DP_NO_PORT;
    if ((rc = setup_port(&g_dp.ports[k], &kp, n_workers, port_max_frame(cfg, &kp))) != 0)
        return rc;
    g_dp.ports[k].peer = (uint16_t)i;
    p->kernel = k;
    /* the rate is shared by the workers: each takes its part */
    p->kernel_cost_tsc = rte_get_tsc_hz() * n_workers / up->kernel_rate_pps;
    g_dp.n_ports = (uint16_t)(k + 1);
    VLOG(INFO, "port %s: exception path through kernel interface %s, %u packets/s to it",
         up->name, up->kernel_iface, up->kernel_rate_pps);
    return 0;
}

/* One mbuf pool per NUMA socket that has a port or a worker lcore (the
 * main lcore's socket always: the control and BFD threads allocate from
 * it). Each holds enough buffers for the RX and TX rings of its ports, its
 * workers' rings to the other threads and their per-lcore caches;
 * vtep.mempool_mbufs raises every pool to at least that many. The data
 * room is vtep.mbuf_data_room, else large enough for the largest frame of
 * any port (one segment per frame); frames longer than it arrive chained. */
static int setup_pools(const struct vtepd_config *cfg, unsigned n_workers)
{
    unsigned ports_on[DP_MAX_SOCKETS] = {0}, workers_on[DP_MAX_SOCKETS] = {0};
    unsigned max_frame = 0, data_room, lcore, main_socket = rte_socket_id();
    char name[RTE_MEMPOOL_NAMESIZE];

    for (int i = 0; i < cfg->n_ports; i++) {
        int pid = probe_port(&cfg->ports[i]);
        if (pid < 0)
            return pid;
        ports_on[port_socket((uint16_t)pid)]++;
        max_frame = RTE_MAX(max_frame, port_max_frame(cfg, &cfg->ports[i]));
        if (cfg->ports[i].kernel_iface[0])
            ports_on[main_socket]++;   /* its TAP: probed later, on this socket */
    }
    RTE_LCORE_FOREACH_WORKER(lcore) {
        unsigned s = rte_lcore_to_socket_id(lcore);
        workers_on[s < DP_MAX_SOCKETS ? s : main_socket]++;
    }
    data_room = cfg->mbuf_data_room ? cfg->mbuf_data_room :
        RTE_MAX((unsigned)RTE_MBUF_DEFAULT_DATAROOM, max_frame);
    for (unsigned s = 0; s < DP_MAX_SOCKETS; s++) {
        unsigned n;

        if (!ports_on[s] && !workers_on[s] && s != main_socket)
            continue;
        n = ports_on[s] * n_workers * (RX_DESC + TX_DESC) +
            workers_on[s] * (2 * PUNT_RING_SIZE + DP_MAX_PORTS * 64 + 512) + 4096;
        if (s == main_socket)   /* the control and BFD threads' frames, every worker's ring */
            n += n_workers * CTRL_TX_RING_SIZE;
        if (cfg->mempool_mbufs > n)
            n = cfg->mempool_mbufs;
        /* socket 0 keeps the historic name */
        if (s == 0)
            snprintf(name, sizeof(name), "mbufs");
        else
            snprintf(name, sizeof(name), "mbufs_s%u", s);
        g_dp.pools[s] = rte_pktmbuf_pool_create(name, n, 256, 0,
                                                (uint16_t)(RTE_PKTMBUF_HEADROOM + data_room),
                                                (int)s);
        if (!g_dp.pools[s]) {
            VLOG(ERR, "cannot create a pool of %u mbufs (%u bytes each) on socket %u: %s "
                 "(give EAL more memory on that socket, -m or --socket-mem)", n,
                 RTE_PKTMBUF_HEADROOM + data_room, s, rte_strerror(rte_errno));
            return -ENOMEM;
        }
        VLOG(INFO, "mbuf pool %s: %u mbufs of %u data bytes on socket %u (%u ports, %u workers)",
             name, n, data_room, s, ports_on[s], workers_on[s]);
    }
    g_dp.pool = g_dp.pools[main_socket];
    return 0;
}

static int setup_workers(void)
{
    unsigned lcore, n = 0;
    size_t qsz;

    RTE_LCORE_FOREACH_WORKER(lcore) {
        if (n < DP_MAX_WORKERS)
            n++;
    }
    g_dp.n_workers = n;
    qsz = rte_rcu_qsbr_get_memsize(n);
    g_dp.qsv = rte_zmalloc("rcu", qsz, RTE_CACHE_LINE_SIZE);
    if (!g_dp.qsv || rte_rcu_qsbr_init(g_dp.qsv, n) != 0) {
        VLOG(ERR, "cannot set up RCU for %u workers", n);
        return -ENOMEM;
    }
    n = 0;
    RTE_LCORE_FOREACH_WORKER(lcore) {
        struct worker *w;

        if (n >= DP_MAX_WORKERS)
            break;
        w = dp_worker_create(n, lcore, LEARN_RING_SIZE, PUNT_RING_SIZE, CTRL_TX_RING_SIZE);
        if (!w)
            return -ENOMEM;
        g_dp.workers[n++] = w;
    }
    /* queue q of port p -> worker (p + q) mod N. With one queue per worker
     * every worker polls one queue of every port. The offset by port
     * spreads what lands on the same queue index of every port (a NIC's
     * RSS and af_packet's fanout hash every ARP frame alike, and non-IP
     * alike) and ports with fewer queues than workers (an exception-path
     * TAP, a pcap) over the workers instead of piling them on worker 0. */
    for (uint16_t p = 0; p < g_dp.n_ports; p++)
        for (uint16_t q = 0; q < g_dp.ports[p].nb_rxq; q++) {
            unsigned wi = (p + q) % g_dp.n_workers;
            if (dp_worker_add_rxq(g_dp.workers[wi], p, q) != 0) {
                VLOG(ERR, "worker %u: too many RX queues", wi);
                return -ENOSPC;
            }
            VLOG(INFO, "port %s: RX queue %u -> worker %u (lcore %u)", g_dp.ports[p].name, q,
                 wi, g_dp.workers[wi]->lcore);
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
    int rc;

    g_dp.local_ip = cfg->local_ip;
    if (n_workers == 0) {
        VLOG(ERR, "no worker lcore: give EAL at least two lcores (e.g. -l 0-1); "
             "the main lcore runs the control thread");
        return -EINVAL;
    }

    static const struct rte_mbuf_dynfield rx_tsc = {
        .name = "vtepd_rx_tsc", .size = sizeof(uint64_t), .align = __alignof__(uint64_t),
    };
    g_rx_tsc_off = rte_mbuf_dynfield_register(&rx_tsc);
    if (g_rx_tsc_off < 0) {
        VLOG(ERR, "cannot register the mbuf dynamic field for RX timestamps: %s",
             rte_strerror(rte_errno));
        return -rte_errno;
    }

    if ((rc = setup_pools(cfg, n_workers)) != 0)
        return rc;
    for (int i = 0; i < cfg->n_ports; i++) {
        g_dp.ports[i].kernel = g_dp.ports[i].peer = DP_NO_PORT;
        if ((rc = setup_port(&g_dp.ports[i], &cfg->ports[i], n_workers,
                             port_max_frame(cfg, &cfg->ports[i]))) != 0)
            return rc;
        g_dp.n_ports = (uint16_t)(i + 1);
    }
    for (int i = 0; i < cfg->n_ports; i++)
        if (cfg->ports[i].kernel_iface[0] && (rc = setup_kernel_port(cfg, i, n_workers)) != 0)
            return rc;
    if ((rc = setup_workers()) != 0)
        return rc;
    g_dp.macs = mac_table_create("macs", cfg->mac_table_size, DP_MAX_VNIS, g_dp.qsv,
                                 (int)rte_socket_id());
    if (!g_dp.macs)
        return -ENOMEM;
    return 0;
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
