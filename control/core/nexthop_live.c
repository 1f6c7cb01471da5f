/* A next hop in or out of every ECMP group of a generation that holds it
 * (see nexthop_live.h). */
#include "nexthop_live.h"

unsigned nexthop_set_live(struct dp_conf *c, uint16_t nh, int live)
{
    unsigned moved = 0;

    for (uint16_t g = 0; g < c->n_groups; g++) {
        struct dp_group *grp = &c->groups[g];
        for (uint16_t m = 0; m < grp->ecmp.n_members; m++)
            if (grp->member_nh[m] == nh)
                moved += ecmp_set_live(&grp->ecmp, m, live);
    }
    return moved;
}

unsigned nexthop_buckets(const struct dp_conf *c, uint16_t nh)
{
    unsigned n = 0;

    for (uint16_t g = 0; g < c->n_groups; g++) {
        const struct dp_group *grp = &c->groups[g];
        for (uint16_t m = 0; m < grp->ecmp.n_members; m++)
            if (grp->member_nh[m] == nh)
                n += ecmp_buckets_of(&grp->ecmp, m);
    }
    return n;
}
