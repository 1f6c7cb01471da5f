/* Next-hop liveness across ECMP groups. Writers: the BFD thread (under its
 * lock) and the control thread while it builds a generation. */
#ifndef VTEPD_NEXTHOP_LIVE_H
#define VTEPD_NEXTHOP_LIVE_H

#include "dp.h"

/* Next hop nh of c may carry traffic as far as ARP and the link go: it
 * has a MAC and its port's link is up (BFD, when it watches nh, decides
 * the rest). */
static inline bool nexthop_usable(const struct dp_conf *c, uint16_t nh)
{
    return c->nexthops[nh].has_mac && dp_port_link_up(c->nexthops[nh].port);
}

/* Put next hop nh (index into c->nexthops) in or out of every group of c
 * it belongs to. Returns the number of buckets that changed member. */
unsigned nexthop_set_live(struct dp_conf *c, uint16_t nh, int live);

/* Buckets held by next hop nh over all groups of c. */
unsigned nexthop_buckets(const struct dp_conf *c, uint16_t nh);

#endif
