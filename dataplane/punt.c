/* Frames for the other threads (ARP for our address to the control
 * thread, BFD to the BFD thread), stamped with their arrival TSC so that
 * BFD timers see when a packet arrived, not when it was read. */
#include <rte_cycles.h>

#include "worker_priv.h"

void punt_send(struct wk *w, struct rte_ring *r, struct rte_mbuf *m, uint16_t port)
{
    m->port = port;     /* dp port index for the receiving thread */
    *dp_rx_tsc(m) = rte_rdtsc();
    if (unlikely(rte_ring_sp_enqueue(r, m) != 0)) {
        wk_drop(w, m, DROP_PUNT_RING_FULL);
        return;
    }
    w->pub.st.ev.punted++;
    if (r == w->pub.bfd_ring)
        w->pub.st.ev.punted_bfd++;
}
