/* Port output: per-port TX buffers flushed in bursts, and delivery to an
 * access attachment with its VLAN tag. */
#include <rte_cycles.h>
#include <rte_ethdev.h>

#include "worker_priv.h"

/* Residence: every packet of an RX burst carries that burst's stamp, and
 * a TX buffer holds runs of packets from the same burst, so the stamps are
 * gathered as runs (stamp, end) and each run is one histogram update. */
struct res_runs {
    uint64_t rx[DP_TXBUF];
    uint16_t end[DP_TXBUF];
    uint16_t n;
};

static void res_runs_gather(struct res_runs *r, struct rte_mbuf *const *pkts, uint16_t n)
{
    uint64_t prev = *dp_rx_tsc(pkts[0]);

    r->n = 0;
    for (uint16_t i = 1; i < n; i++) {
        uint64_t rx = *dp_rx_tsc(pkts[i]);

        if (rx != prev) {
            r->rx[r->n] = prev;
            r->end[r->n++] = i;
            prev = rx;
        }
    }
    r->rx[r->n] = prev;
    r->end[r->n++] = n;
}

/* the first `sent` packets went at TSC t; unstamped ones (0) are not counted */
static void res_runs_count(struct residence_hist *h, const struct res_runs *r, uint64_t t,
                           uint16_t sent)
{
    uint16_t start = 0;

    for (uint16_t k = 0; k < r->n && start < sent; k++) {
        uint16_t end = r->end[k] < sent ? r->end[k] : sent;
        uint64_t rx = r->rx[k];

        if (rx && t > rx)
            res_add_n(h, t - rx, (uint64_t)(end - start));
        start = r->end[k];
    }
}

/* Bytes of n packets, four at a time in two sums (half the loop overhead
 * and a shorter dependency chain than one sum a packet). */
static inline uint64_t pkts_bytes(struct rte_mbuf *const *pkts, uint16_t n)
{
    uint64_t a = 0, b = 0;
    uint16_t i = 0;

    for (; i + 4 <= n; i += 4) {
        a += rte_pktmbuf_pkt_len(pkts[i]) + rte_pktmbuf_pkt_len(pkts[i + 1]);
        b += rte_pktmbuf_pkt_len(pkts[i + 2]) + rte_pktmbuf_pkt_len(pkts[i + 3]);
    }
    for (; i < n; i++)
        a += rte_pktmbuf_pkt_len(pkts[i]);
    return a + b;
}

void tx_flush_port(struct wk *w, uint16_t port)
{
    struct txbuf *b = &w->tx[port];
    struct port_stats *ps = &w->pub.st.port[port];
    uint16_t sent = 0, n = b->n;
    uint64_t bytes, t = 0;
    struct res_runs runs;
    bool residence = w->conf->residence;

    if (n == 0)
        return;
    bytes = pkts_bytes(b->pkts, n);
    if (unlikely(residence)) {
        /* read before the PMD owns the mbufs; counted for those it takes */
        t = rte_rdtsc();
        res_runs_gather(&runs, b->pkts, n);
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
        res_runs_count(&w->pub.st.residence, &runs, t, sent);
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
