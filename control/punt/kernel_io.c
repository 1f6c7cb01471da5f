/* The exception path, the control thread's half (see kernel_io.h). */
#include <errno.h>

#include <rte_ethdev.h>
#include <rte_ring.h>

#include "control.h"
#include "dp_worker.h"
#include "kernel_io.h"
#include "stats_sum.h"

#define KIO_BURST 32

/* the kernel ports' counters (a worker never sends to or reads a TAP) */
static struct port_stats kport[DP_MAX_PORTS];
static uint64_t from_kernel;

static bool is_kernel_port(uint16_t k)
{
    return k < g_dp.n_ports && g_dp.ports[k].role == PORT_ROLE_KERNEL &&
           g_dp.ports[k].peer != DP_NO_PORT;
}

/* Write pkts[0..n) (all for kernel port k) to its TAP; what it does not
 * take is freed and counted. */
static void tap_write(uint16_t k, struct rte_mbuf **pkts, uint16_t n)
{
    struct port_stats *ps = &kport[k];
    uint64_t bytes = 0;
    uint16_t sent;

    for (uint16_t i = 0; i < n; i++)
        bytes += rte_pktmbuf_pkt_len(pkts[i]);
    sent = rte_eth_tx_burst(g_dp.ports[k].port_id, 0, pkts, n);
    for (uint16_t i = sent; i < n; i++) {
        bytes -= rte_pktmbuf_pkt_len(pkts[i]);
        rte_pktmbuf_free(pkts[i]);
    }
    ps->tx_packets += sent;
    ps->tx_bytes += bytes;
    if (sent < n) {
        ps->tx_dropped += (uint64_t)(n - sent);
        g_ctl.drops[DROP_TX_FULL] += (uint64_t)(n - sent);
    }
}

/* One worker's ring into the TAPs: runs of frames for the same TAP are
 * written together. */
static unsigned from_worker(struct rte_ring *r, unsigned budget)
{
    struct rte_mbuf *pkts[KIO_BURST];
    unsigned total = 0;

    while (total < budget) {
        unsigned n = rte_ring_sc_dequeue_burst(r, (void **)pkts,
                                               RTE_MIN((unsigned)KIO_BURST, budget - total), NULL);
        unsigned i = 0;

        if (n == 0)
            break;
        total += n;
        while (i < n) {
            uint16_t k = pkts[i]->port;
            unsigned j = i + 1;

            while (j < n && pkts[j]->port == k)
                j++;
            if (is_kernel_port(k)) {
                tap_write(k, pkts + i, (uint16_t)(j - i));
            } else {
                for (unsigned x = i; x < j; x++)
                    rte_pktmbuf_free(pkts[x]);
                g_ctl.drops[DROP_CTRL_BAD_PORT] += j - i;
            }
            i = j;
        }
    }
    return total;
}

/* One TAP's frames out of its underlay port, through the ctrl_tx ring. */
static unsigned from_tap(uint16_t k, unsigned budget)
{
    struct rte_mbuf *pkts[KIO_BURST];
    struct port_stats *ps = &kport[k];
    unsigned total = 0;

    while (total < budget) {
        uint16_t n = rte_eth_rx_burst(g_dp.ports[k].port_id, 0, pkts,
                                      (uint16_t)RTE_MIN((unsigned)KIO_BURST, budget - total));
        unsigned q;

        if (n == 0)
            break;
        total += n;
        ps->rx_packets += n;
        for (uint16_t i = 0; i < n; i++) {
            ps->rx_bytes += rte_pktmbuf_pkt_len(pkts[i]);
            pkts[i]->port = g_dp.ports[k].peer;
        }
        q = rte_ring_mp_enqueue_burst(dp_ctrl_tx_ring(k), (void **)pkts, n, NULL);   /* one worker per TAP: in order */
        from_kernel += q;
        for (unsigned i = q; i < n; i++) {
            g_ctl.ctrl_tx_full++;
            rte_pktmbuf_free(pkts[i]);
        }
        if (n < KIO_BURST)
            break;
    }
    return total;
}

unsigned kernel_io_poll(unsigned budget)
{
    unsigned moved = 0;

    for (unsigned i = 0; i < g_dp.n_workers; i++)
        moved += from_worker(g_dp.workers[i]->kernel_ring, budget);
    for (uint16_t k = 0; k < g_dp.n_ports; k++)
        if (is_kernel_port(k))
            moved += from_tap(k, budget);
    return moved;
}

int kernel_io_send(struct rte_mbuf *m, uint16_t kport_id)
{
    uint64_t before;

    if (!is_kernel_port(kport_id)) {
        rte_pktmbuf_free(m);
        g_ctl.drops[DROP_CTRL_BAD_PORT]++;
        return -EINVAL;
    }
    before = kport[kport_id].tx_packets;
    tap_write(kport_id, &m, 1);
    return kport[kport_id].tx_packets > before ? 0 : -ENOBUFS;
}

void kernel_io_drain(void)
{
    struct rte_mbuf *m;

    for (unsigned i = 0; i < g_dp.n_workers; i++)
        while (g_dp.workers[i]->kernel_ring &&
               rte_ring_sc_dequeue(g_dp.workers[i]->kernel_ring, (void **)&m) == 0) {
            uint16_t k = m->port < DP_MAX_PORTS ? m->port : 0;
            kport[k].tx_dropped++;
            rte_pktmbuf_free(m);
        }
}

void kernel_io_add_totals(struct dp_totals *t)
{
    for (uint16_t p = 0; p < g_dp.n_ports; p++) {
        t->port[p].rx_packets += kport[p].rx_packets;
        t->port[p].rx_bytes += kport[p].rx_bytes;
        t->port[p].tx_packets += kport[p].tx_packets;
        t->port[p].tx_bytes += kport[p].tx_bytes;
        t->port[p].tx_dropped += kport[p].tx_dropped;
    }
    t->ev.from_kernel += from_kernel;
}
