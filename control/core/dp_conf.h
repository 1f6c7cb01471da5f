/* Configuration generations of the dataplane (struct dp_conf in dp.h):
 * built by the control thread from a parsed configuration, published with
 * one pointer store, freed under RCU. */
#ifndef VTEPD_DP_CONF_H
#define VTEPD_DP_CONF_H

#include <stddef.h>

#include "dp.h"
#include "vtepd_config.h"

/* Build the generation for cfg. A VNI, an attachment (port, VLAN, VNI) or
 * an ECMP group (same name, same member names in the same order) that old
 * has too keeps its slot, id or buckets; new ones take slots and ids that
 * were free in old (never one old is still using). Every member of a group
 * that is new or changed starts live: the caller applies next-hop liveness.
 * Returns 0 with *out set, or a negative errno with err set. */
int dp_conf_build(const struct vtepd_config *cfg, const struct dp_conf *old,
                  struct dp_conf **out, char *err, size_t errlen);

/* Where dp_conf_build() finds the MAC of a next hop the configuration
 * gives none for (ARP resolution): fn fills mac and returns true when it
 * knows one. Without it such next hops have no MAC (not live). */
void dp_conf_set_mac_source(bool (*fn)(uint16_t port, uint32_t ip, uint8_t mac[6]));

/* Free a generation (directly, or from the RCU queue once retired). */
void dp_conf_free(void *conf);

/* Index of the next hop on dp port `port` with address ip, or -ENOENT. */
int dp_conf_nexthop_find(const struct dp_conf *c, uint16_t port, uint32_t ip);

/* Slot of a configured VNI, or -1. */
int dp_conf_vni_slot(const struct dp_conf *c, uint32_t vni);

#endif
