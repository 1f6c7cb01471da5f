/* Worker lcore main loop: poll the assigned RX queues, process each burst to
 * completion, send what the control thread handed over, flush TX, report
 * RCU quiescence. No locks, no syscalls, no allocation. */
#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_rcu_qsbr.h>

#include "dp.h"
#include "vtepd_config.h"

void tx_flush_port(struct worker *w, uint16_t port)
{
    struct txbuf *b = &w->tx[port];
    struct port_stats *ps = &w->st.port[port];
    uint16_t sent = 0, n = b->n;
    uint64_t bytes = 0;

    if (n == 0)
        return;
    for (uint16_t i = 0; i < n; i++)
        bytes += rte_pktmbuf_pkt_len(b->pkts[i]);
    /* a few retries absorb a briefly full TX ring */
    for (int tries = 0; tries < 4 && sent < n; tries++)
        sent += rte_eth_tx_burst(g_dp.ports[port].port_id, w->txq,
                                 b->pkts + sent, (uint16_t)(n - sent));
    for (uint16_t i = sent; i < n; i++) {
        bytes -= rte_pktmbuf_pkt_len(b->pkts[i]);
        rte_pktmbuf_free(b->pkts[i]);
    }
    ps->tx_packets += sent;
    ps->tx_bytes += bytes;
    if (sent < n) {
        ps->tx_dropped += (uint64_t)(n - sent);
        w->st.drops[DROP_TX_FULL] += (uint64_t)(n - sent);
    }
    b->n = 0;
}

void tx_flush_all(struct worker *w)
{
    for (uint16_t p = 0; p < g_dp.n_ports; p++)
        tx_flush_port(w, p);
}

/* Packets the control thread wants sent (ARP replies, BFD): m->port holds
 * the dp port index. */
static void drain_ctrl_tx(struct worker *w)
{
    struct rte_mbuf *pkts[DP_BURST];
    unsigned n = rte_ring_sc_dequeue_burst(w->ctrl_tx_ring, (void **)pkts, DP_BURST, NULL);

    for (unsigned i = 0; i < n; i++) {
        uint16_t p = pkts[i]->port;
        if (p >= g_dp.n_ports) {
            dp_drop(w, pkts[i], DROP_CTRL_BAD_PORT);
            continue;
        }
        w->st.ev.ctrl_tx++;
        tx_enqueue(w, p, pkts[i]);
    }
}

int worker_main(void *arg)
{
    struct worker *w = arg;
    struct rte_mbuf *pkts[DP_BURST];

    rte_rcu_qsbr_thread_register(g_dp.qsv, w->id);
    rte_rcu_qsbr_thread_online(g_dp.qsv, w->id);
    w->running = 1;

    while (!__atomic_load_n(&g_dp.stop, __ATOMIC_RELAXED)) {
        uint64_t t0 = rte_rdtsc();
        uint32_t got = 0;

        for (uint16_t q = 0; q < w->n_rxq; q++) {
            const struct rxq_ref *r = &w->rxq[q];
            const struct dp_port *p = &g_dp.ports[r->port];
            uint16_t n = rte_eth_rx_burst(p->port_id, r->queue, pkts, DP_BURST);

            if (n == 0)
                continue;
            got += n;
            if (p->role == PORT_ROLE_ACCESS)
                access_rx_burst(w, r->port, pkts, n);
            else
                underlay_rx_burst(w, r->port, pkts, n);
        }
        if (w->ctrl_tx_ring)
            drain_ctrl_tx(w);
        tx_flush_all(w);
        rte_rcu_qsbr_quiescent(g_dp.qsv, w->id);
        if (got) {
            uint64_t t1 = rte_rdtsc();
            w->st.busy_cycles += t1 - t0;
            w->st.packets += got;
            if (w->st.first_rx_tsc == 0)
                w->st.first_rx_tsc = t0;
            w->st.last_rx_tsc = t1;
        }
    }
    if (w->ctrl_tx_ring)
        drain_ctrl_tx(w);
    tx_flush_all(w);
    rte_rcu_qsbr_thread_offline(g_dp.qsv, w->id);
    rte_rcu_qsbr_thread_unregister(g_dp.qsv, w->id);
    w->running = 0;
    return 0;
}
