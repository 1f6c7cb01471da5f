/* Delivery to an access attachment, tagging as configured. */
#include <rte_ether.h>

#include "dp.h"

void access_send(struct worker *w, struct rte_mbuf *m, uint16_t a)
{
    const struct dp_attach *at = &g_dp.attach[a];

    if (at->vlan != 0) {
        m->vlan_tci = at->vlan;
        if (unlikely(rte_vlan_insert(&m) != 0)) {
            dp_drop(w, m, DROP_NO_HEADROOM);
            return;
        }
    }
    tx_enqueue(w, at->port, m);
}
