/* The exception path: what an underlay port receives for this host but not
 * for the dataplane (BGP, ICMP, SSH, LLDP, ...) goes to the port's kernel
 * interface (a TAP with the port's MAC), within a rate per port shared by
 * the workers (a token bucket each: what exceeds it is dropped and counted,
 * so a flood toward the host cannot starve the kernel or the worker); what
 * the kernel sends on that interface goes out of the port as it is. */
#include "worker_priv.h"

void kernel_send(struct wk *w, uint16_t port, struct rte_mbuf *m)
{
    const struct dp_port *p = &g_dp.ports[port];
    uint64_t cost = p->kernel_cost_tsc;
    uint64_t burst = cost * 64;     /* up to 64 packets back to back */
    uint64_t credit = w->kernel_credit[port] + (w->now_tsc - w->kernel_last[port]);

    w->kernel_last[port] = w->now_tsc;
    if (credit > burst)
        credit = burst;
    if (unlikely(credit < cost)) {
        w->kernel_credit[port] = credit;
        wk_drop(w, m, DROP_KERNEL_RATE_LIMIT);
        return;
    }
    w->kernel_credit[port] = credit - cost;
    w->pub.st.ev.to_kernel++;
    tx_enqueue(w, p->kernel, m);
}

void kernel_input(struct wk *w, uint16_t port, struct rte_mbuf **pkts, uint16_t n)
{
    const struct dp_port *k = &g_dp.ports[port];
    struct port_stats *ps = &w->pub.st.port[port];

    ps->rx_packets += n;
    for (uint16_t i = 0; i < n; i++) {
        ps->rx_bytes += rte_pktmbuf_pkt_len(pkts[i]);
        tx_enqueue(w, k->peer, pkts[i]);
    }
    w->pub.st.ev.from_kernel += n;
}
