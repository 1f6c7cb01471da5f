/* Next hop choice: the classifier's class group, else the remote VTEP's
 * prefix route names an ECMP group (none: the default group of every next
 * hop); the group's hash policy
 * gives the flow hash, whose top byte picks a bucket, whose member is the
 * next hop. The same hash gives the UDP source port, so spines spread our
 * flows the way we do. */
#include <rte_lpm.h>

#include "worker_priv.h"

const struct dp_group *nexthop_group(const struct dp_conf *c, int group, uint32_t vtep_be)
{
    uint32_t g;

    if (group >= 0)
        return &c->groups[group];   /* the classifier's choice */
    if (unlikely(c->routes != NULL) &&
        rte_lpm_lookup(c->routes, rte_be_to_cpu_32(vtep_be), &g) == 0 && g < c->n_groups)
        return &c->groups[g];
    return &c->groups[0];
}

const struct dp_nexthop *nexthop_select(const struct dp_conf *c, int group, const uint8_t *inner,
                                        uint32_t len, uint32_t vni, uint32_t vtep_be,
                                        uint32_t *hash)
{
    const struct dp_group *grp = nexthop_group(c, group, vtep_be);

    *hash = flow_hash(&grp->hash, inner, len, vni, g_dp.local_ip, vtep_be);
    return nexthop_pick(c, grp, *hash);
}
