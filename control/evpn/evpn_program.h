/* Programs the dataplane from the EVPN RIB: remote MACs into the MAC table,
 * flood lists (configured VTEPs plus type-3 routes) swapped in under RCU.
 * Control thread only. */
#ifndef VTEPD_EVPN_PROGRAM_H
#define VTEPD_EVPN_PROGRAM_H

#include <stdint.h>

#include "evpn_rib.h"

struct evpn_program_stats {
    uint64_t mac_set, mac_del;
    uint64_t mac_static_kept;   /* RIB wanted a MAC a static entry holds */
    uint64_t mac_local_kept;    /* withdrawal (or replay) of a MAC learned here */
    uint64_t mac_table_full;
    uint64_t flood_swaps;
    uint64_t flood_no_memory;
    uint64_t unknown_vni;
};

extern struct evpn_program_stats g_evpn_prog;

/* Callbacks for rib_create(), bound to the running dataplane. */
void evpn_program_init(struct rib_callbacks *cb);

/* is_vni callback for rib_create(): VNIs of the current generation. */
bool evpn_program_is_vni(void *ctx, uint32_t vni);

struct dp_conf;

/* Rebuild the flood list of VNI slot `slot` of generation c (the current
 * one, or one about to be published) from its configured VTEPs and the
 * RIB's type-3 VTEPs (rib may be NULL); the list is swapped only when it
 * changes. A free slot gets no list. */
void evpn_program_flood_refresh(const struct evpn_rib *rib, const struct dp_conf *c,
                                uint32_t slot);

/* What the dataplane holds now: MAC-table entries over every configured VNI
 * (every kind) and flood-list VTEPs over every VNI. A few thousand reads:
 * cheap enough to poll (scripts/evpn-scale waits on it). */
void evpn_program_totals(uint64_t *macs, uint64_t *flood_vteps);

/* rib_replay() callback: (vni, mac) goes to vtep unless a static or a
 * locally learned entry holds the MAC. */
void evpn_program_replay(void *ctx, uint32_t vni, const uint8_t mac[6], uint32_t vtep);

#endif
