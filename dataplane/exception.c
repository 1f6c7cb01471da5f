/* The exception path, the worker's half: what an underlay port receives
 * for this host but not for the dataplane (BGP, ICMP, SSH, LLDP, ...) is
 * handed to the control thread, which writes it to the port's kernel
 * interface (a TAP with the port's MAC; control/punt/kernel_io.c). A TAP
 * costs a system call per frame, so a worker never touches one. The rate
 * per port is shared by the workers (a token bucket each): what exceeds it
 * is dropped and counted, so a flood toward the host cannot starve the
 * kernel, the control thread or the worker. */
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
    m->port = p->kernel;
    if (unlikely(rte_ring_mp_enqueue(w->pub.kernel_ring, m) != 0)) {
        wk_drop(w, m, DROP_KERNEL_QUEUE_FULL);
        return;
    }
    w->pub.st.ev.to_kernel++;
}
