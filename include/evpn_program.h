/* Programs the dataplane from the EVPN RIB: remote MACs into the MAC table,
 * flood lists (configured VTEPs plus type-3 routes) swapped in under RCU. */
#ifndef VTEPD_EVPN_PROGRAM_H
#define VTEPD_EVPN_PROGRAM_H

#include <stdint.h>

#include "evpn_rib.h"
#include "vtepd_config.h"

struct evpn_program_stats {
    uint64_t mac_set, mac_del;
    uint64_t mac_static_kept;   /* RIB wanted a MAC a static entry holds */
    uint64_t mac_local_kept;    /* withdrawal of a MAC now learned locally */
    uint64_t mac_table_full;
    uint64_t flood_swaps;
    uint64_t unknown_vni;
};

extern struct evpn_program_stats g_evpn_prog;

/* Callbacks for rib_create(), bound to the running dataplane. cfg must stay
 * valid (its static flood lists are merged into every new list). */
void evpn_program_init(const struct vtepd_config *cfg, struct rib_callbacks *cb);

/* is_vni callback for rib_create(). */
bool evpn_program_is_vni(void *ctx, uint32_t vni);

#endif
