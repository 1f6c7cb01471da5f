/* Resilient ECMP: a table of buckets maps a flow hash to a live member.
 *
 * When a member leaves, only its buckets are handed to the remaining members
 * (the least loaded first); when one returns, it takes back just enough
 * buckets from the most loaded members to even the spread. Every other flow
 * keeps its member. The control thread is the only writer; each bucket is a
 * 16-bit store, so workers read the table without locks and see either the
 * old or the new member of a bucket, never anything else.
 */
#ifndef VTEPD_ECMP_H
#define VTEPD_ECMP_H

#include <stdint.h>

#define ECMP_BUCKETS 256
#define ECMP_MAX_MEMBERS 16
#define ECMP_NONE 0xffff

struct ecmp_group {
    uint16_t bucket[ECMP_BUCKETS];  /* member index or ECMP_NONE */
    uint16_t n_members;             /* configured members */
    uint32_t live;                  /* bit i: member i is live */
};

/* Group of n members, all live, buckets spread evenly. */
void ecmp_init(struct ecmp_group *g, uint16_t n_members);

/* Mark member m live or not and move only the buckets that must move.
 * Returns the number of buckets that changed member. */
unsigned ecmp_set_live(struct ecmp_group *g, uint16_t m, int live);

/* Member for flow hash h, or ECMP_NONE when no member is live. */
static inline uint16_t ecmp_pick(const struct ecmp_group *g, uint32_t h)
{
    return __atomic_load_n(&g->bucket[h >> 24], __ATOMIC_RELAXED);
}

/* Buckets held by member m. */
unsigned ecmp_buckets_of(const struct ecmp_group *g, uint16_t m);

#endif
