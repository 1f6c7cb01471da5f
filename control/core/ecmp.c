/* Resilient ECMP bucket table, the writer side (see include/ecmp.h): run by
 * the BFD thread (liveness) and the control thread (new generations). */
#include "ecmp.h"

static void store(struct ecmp_group *g, unsigned b, uint16_t m)
{
    __atomic_store_n(&g->bucket[b], m, __ATOMIC_RELAXED);
}

unsigned ecmp_buckets_of(const struct ecmp_group *g, uint16_t m)
{
    unsigned n = 0;

    for (unsigned b = 0; b < ECMP_BUCKETS; b++)
        n += g->bucket[b] == m;
    return n;
}

void ecmp_init(struct ecmp_group *g, uint16_t n_members)
{
    if (n_members > ECMP_MAX_MEMBERS)
        n_members = ECMP_MAX_MEMBERS;
    g->n_members = n_members;
    g->live = n_members ? (uint32_t)((1ull << n_members) - 1) : 0;
    for (unsigned b = 0; b < ECMP_BUCKETS; b++)
        store(g, b, n_members ? (uint16_t)(b % n_members) : ECMP_NONE);
}

/* Live member with the fewest (want_min) or most buckets. */
static int pick_member(const struct ecmp_group *g, const unsigned *load, int want_min)
{
    int best = -1;

    for (int m = 0; m < g->n_members; m++) {
        if (!(g->live & (1u << m)))
            continue;
        if (best < 0 || (want_min ? load[m] < load[best] : load[m] > load[best]))
            best = m;
    }
    return best;
}

unsigned ecmp_set_live(struct ecmp_group *g, uint16_t m, int live)
{
    unsigned load[ECMP_MAX_MEMBERS] = {0};
    unsigned moved = 0, n_live = 0;

    if (m >= g->n_members || !!(g->live & (1u << m)) == !!live)
        return 0;
    if (live)
        g->live |= 1u << m;
    else
        g->live &= ~(1u << m);
    for (unsigned b = 0; b < ECMP_BUCKETS; b++)
        if (g->bucket[b] < ECMP_MAX_MEMBERS)
            load[g->bucket[b]]++;
    for (int i = 0; i < g->n_members; i++)
        n_live += !!(g->live & (1u << i));

    if (!live) {
        /* hand each orphan bucket to the least loaded live member */
        for (unsigned b = 0; b < ECMP_BUCKETS; b++) {
            if (g->bucket[b] != m)
                continue;
            int to = pick_member(g, load, 1);
            store(g, b, to < 0 ? ECMP_NONE : (uint16_t)to);
            if (to >= 0)
                load[to]++;
            load[m]--;
            moved++;
        }
        return moved;
    }

    /* returning member: orphaned buckets first (no member was live), then
     * take from the most loaded until m has its fair share */
    for (unsigned b = 0; b < ECMP_BUCKETS; b++)
        if (g->bucket[b] == ECMP_NONE) {
            store(g, b, m);
            load[m]++;
            moved++;
        }
    unsigned fair = ECMP_BUCKETS / n_live;
    while (load[m] < fair) {
        int from = pick_member(g, load, 0);
        if (from < 0 || from == m || load[from] <= fair)
            break;
        /* take the from-member's last bucket: deterministic */
        for (int b = ECMP_BUCKETS - 1; b >= 0; b--)
            if (g->bucket[b] == from) {
                store(g, (unsigned)b, m);
                load[from]--;
                load[m]++;
                moved++;
                break;
            }
    }
    return moved;
}


