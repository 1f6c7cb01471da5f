/* Worker lcore main loop: load the configuration generation, poll the
 * assigned RX queues, run each burst through its stages to completion,
 * send what the control and BFD threads handed over, flush TX, report RCU
 * quiescence. No locks, no syscalls, no allocation; the one exception is
 * vtep.poll_sleep_us, off by default: a turn that found no packet at all
 * sleeps that long, after reporting quiescence (for machines where the
 * worker shares its core, e.g. labs; it adds up to that much latency). */
#include <time.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_malloc.h>
#include <rte_rcu_qsbr.h>

#include "flow_table.h"
#include "log.h"
#include "vtepd_config.h"
#include "worker_priv.h"

struct worker *dp_worker_create(unsigned id, unsigned lcore, unsigned learn_ring_size,
                                unsigned punt_ring_size, unsigned ctrl_tx_ring_size)
{
    int socket = (int)rte_lcore_to_socket_id(lcore);
    struct wk *w = rte_zmalloc_socket("worker", sizeof(*w), RTE_CACHE_LINE_SIZE, socket);
    char name[RTE_RING_NAMESIZE];

    if (!w) {
        VLOG(ERR, "worker %u: no memory for its state (%zu bytes)", id, sizeof(*w));
        return NULL;
    }
    w->pub.id = id;
    w->pub.lcore = lcore;
    w->txq = (uint16_t)id;
    w->pool = dp_pool_of(socket);
    w->learn_refresh_tsc = rte_get_tsc_hz();    /* tell the control thread once a second */
    snprintf(name, sizeof(name), "learn%u", id);
    w->pub.learn_ring = rte_ring_create_elem(name, sizeof(struct learn_event), learn_ring_size,
                                             socket, RING_F_SP_ENQ | RING_F_SC_DEQ);
    snprintf(name, sizeof(name), "punt%u", id);
    w->pub.punt_ring = rte_ring_create(name, punt_ring_size, socket,
                                       RING_F_SP_ENQ | RING_F_SC_DEQ);
    snprintf(name, sizeof(name), "bfd%u", id);
    w->pub.bfd_ring = rte_ring_create(name, punt_ring_size, socket,
                                      RING_F_SP_ENQ | RING_F_SC_DEQ);
    snprintf(name, sizeof(name), "kernel%u", id);
    /* producers: this worker and the BFD thread (BFD for the host's other
     * addresses); consumer: the control thread */
    w->pub.kernel_ring = rte_ring_create(name, punt_ring_size, socket, RING_F_SC_DEQ);
    /* producers: the control thread and the BFD thread */
    snprintf(name, sizeof(name), "ctrl_tx%u", id);
    w->pub.ctrl_tx_ring = rte_ring_create(name, ctrl_tx_ring_size, socket, RING_F_SC_DEQ);
    if (!w->pub.learn_ring || !w->pub.punt_ring || !w->pub.bfd_ring || !w->pub.kernel_ring ||
        !w->pub.ctrl_tx_ring) {
        VLOG(ERR, "worker %u: cannot create its rings: %s", id, rte_strerror(rte_errno));
        rte_ring_free(w->pub.learn_ring);
        rte_ring_free(w->pub.punt_ring);
        rte_ring_free(w->pub.bfd_ring);
        rte_ring_free(w->pub.kernel_ring);
        rte_ring_free(w->pub.ctrl_tx_ring);
        rte_free(w);
        return NULL;
    }
    return &w->pub;
}

int dp_worker_add_rxq(struct worker *pub, uint16_t port, uint16_t queue)
{
    struct wk *w = wk_of(pub);

    /* a kernel interface (TAP) is read by the control thread only: a TAP
     * read is a system call */
    if (port >= g_dp.n_ports || g_dp.ports[port].role == PORT_ROLE_KERNEL)
        return -EINVAL;
    if (w->n_rxq >= RTE_DIM(w->rxq))
        return -ENOSPC;
    w->rxq[w->n_rxq].port = port;
    w->rxq[w->n_rxq].queue = queue;
    w->n_rxq++;
    return 0;
}

/* Packets the control and BFD threads want sent: m->port holds the dp port
 * index. */
static void drain_ctrl_tx(struct wk *w)
{
    struct rte_mbuf *pkts[DP_BURST];
    unsigned n = rte_ring_sc_dequeue_burst(w->pub.ctrl_tx_ring, (void **)pkts, DP_BURST, NULL);

    for (unsigned i = 0; i < n; i++) {
        uint16_t p = pkts[i]->port;
        if (p == DP_PORT_REINJECT) {
            /* ARP the control thread did not answer: flooded from its attachment */
            uint32_t a = pkts[i]->hash.usr;
            if (a >= DP_MAX_ATTACH || w->conf->attach[a].vni_idx == DP_NO_VNI) {
                wk_drop(w, pkts[i], DROP_CTRL_BAD_PORT);
                continue;
            }
            flood_send(w, pkts[i], w->conf->attach[a].vni_idx, (uint16_t)a, 1);
            continue;
        }
        if (p >= g_dp.n_ports) {
            wk_drop(w, pkts[i], DROP_CTRL_BAD_PORT);
            continue;
        }
        w->pub.st.ev.ctrl_tx++;
        tx_enqueue(w, p, pkts[i]);
    }
}

int dp_worker_main(void *arg)
{
    struct wk *w = wk_of(arg);
    struct worker_stats *st = &w->pub.st;
    struct rte_mbuf *pkts[DP_BURST];

    rte_rcu_qsbr_thread_register(g_dp.qsv, w->pub.id);
    rte_rcu_qsbr_thread_online(g_dp.qsv, w->pub.id);
    w->pub.running = 1;

    while (!__atomic_load_n(&g_dp.stop, __ATOMIC_RELAXED)) {
        uint32_t got = 0;
        uint32_t sleep_ns;

        /* held until the quiescent report below, never across it */
        w->conf = dp_conf_current();
        w->now_tsc = rte_rdtsc();
        for (uint16_t q = 0; q < w->n_rxq; q++) {
            const struct rxq_ref *r = &w->rxq[q];
            const struct dp_port *p = &g_dp.ports[r->port];
            uint16_t n = rte_eth_rx_burst(p->port_id, r->queue, pkts, DP_BURST);

            if (n == 0)
                continue;
            got += n;
            if (unlikely(w->conf->residence)) {
                uint64_t t = rte_rdtsc();
                for (uint16_t i = 0; i < n; i++)
                    *dp_rx_tsc(pkts[i]) = t;
            }
            if (p->role == PORT_ROLE_ACCESS)
                access_input(w, r->port, pkts, n);
            else
                underlay_input(w, r->port, pkts, n);
        }
        drain_ctrl_tx(w);
        tx_flush_all(w);
        /* the classifier's idle flows go a few at a time: a pass a second */
        if (w->conf->cls && w->now_tsc - w->last_sweep_tsc >= w->conf->cls->sweep_interval_tsc) {
            w->last_sweep_tsc = w->now_tsc;
            flow_table_sweep(w->conf->cls->ft[w->pub.id], w->now_tsc, 64);
        }
        sleep_ns = w->conf->poll_sleep_ns;
        w->conf = NULL;
        rte_rcu_qsbr_quiescent(g_dp.qsv, w->pub.id);
        if (!got && sleep_ns) {
            struct timespec ts = {.tv_sec = 0, .tv_nsec = (long)sleep_ns};
            clock_nanosleep(CLOCK_MONOTONIC, 0, &ts, NULL);
            continue;
        }
        if (got) {
            uint64_t t1 = rte_rdtsc();
            st->busy_cycles += t1 - w->now_tsc;
            st->packets += got;
            if (st->first_rx_tsc == 0)
                st->first_rx_tsc = w->now_tsc;
            st->last_rx_tsc = t1;
        }
    }
    w->conf = dp_conf_current();
    drain_ctrl_tx(w);
    tx_flush_all(w);
    w->conf = NULL;
    rte_rcu_qsbr_thread_offline(g_dp.qsv, w->pub.id);
    rte_rcu_qsbr_thread_unregister(g_dp.qsv, w->pub.id);
    w->pub.running = 0;
    return 0;
}
