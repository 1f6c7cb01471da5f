/* Port output: per-port TX buffers flushed in bursts, and delivery to an
 * access attachment with its VLAN tag. */
#include <rte_cycles.h>
#include <rte_ethdev.h>

#include "worker_priv.h"

void tx_flush_port(struct wk *w, uint16_t port)
{
    struct txbuf *b = &w->tx[port];
    struct port_stats *ps = &w->pub.st.port[port];
    uint16_t sent = 0, n = b->n;
    uint64_t bytes = 0;

    uint64_t res[DP_TXBUF];
    bool residence = w->conf->residence;

    if (n == 0)
        return;
    for (uint16_t i = 0; i < n; i++)
        bytes += rte_pktmbuf_pkt_len(b->pkts[i]);
    if (unlikely(residence)) {
        /* read before the PMD owns the mbufs; counted for those it takes */
        uint64_t t = rte_rdtsc();
        for (uint16_t i = 0; i < n; i++) {
            uint64_t rx = *dp_rx_tsc(b->pkts[i]);
            res[i] = rx && t > rx ? t - rx : UINT64_MAX;
        }
    }
    /* a few retries absorb a briefly full TX ring */
    for (int tries = 0; tries < 4 && sent < n; tries++)
        sent += rte_eth_tx_burst(g_dp.ports[port].port_id, w->txq, b->pkts + sent,
                                 (uint16_t)(n - sent));
    for (uint16_t i = sent; i < n; i++) {
        bytes -= rte_pktmbuf_pkt_len(b->pkts[i]);
        rte_pktmbuf_free(b->pkts[i]);
    }
    if (unlikely(residence))
        for (uint16_t i = 0; i < sent; i++)
            if (res[i] != UINT64_MAX)
                res_add(&w->pub.st.residence, res[i]);
    ps->tx_packets += sent;
    ps->tx_bytes += bytes;
    if (sent < n) {
        ps->tx_dropped += (uint64_t)(n - sent);
        w->pub.st.drops[DROP_TX_FULL] += (uint64_t)(n - sent);
    }
    b->n = 0;
}

void tx_flush_all(struct wk *w)
{
    for (uint16_t p = 0; p < g_dp.n_ports; p++)
        tx_flush_port(w, p);
}

void access_send(struct wk *w, struct rte_mbuf *m, uint16_t a)
{
    const struct dp_attach *at = &w->conf->attach[a];

    if (at->vlan != 0) {
        m->vlan_tci = at->vlan;
        if (unlikely(rte_vlan_insert(&m) != 0)) {
            wk_drop(w, m, DROP_NO_HEADROOM);
            return;
        }
    }
    tx_enqueue(w, at->port, m);
}
