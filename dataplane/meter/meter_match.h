/* vtep-meter: the table of packets waiting for their copy at the other tap.
 *
 * A fixed pool of entries (allocated once), indexed by packet signature in
 * a chained hash, and kept on two age lists: list A holds packets seen at A
 * still waiting for B (PENDING_A) and packets already matched (MATCHED, kept
 * for a while so that a second copy at B is recognised as a duplicate); list
 * B holds packets seen at B first (PENDING_B). Lists are in insertion order,
 * so their heads are the oldest entries. No allocation after init; every
 * operation is O(1) except find, which walks one hash chain.
 */
#ifndef VTEPD_METER_MATCH_H
#define VTEPD_METER_MATCH_H

#include <stdint.h>

#define METER_NONE UINT32_MAX     /* no entry / no flow */

enum meter_match_state {
    METER_M_FREE = 0,
    METER_M_PENDING_A,   /* seen at A, waiting for B */
    METER_M_PENDING_B,   /* seen at B, A copy not (yet) seen */
    METER_M_MATCHED,     /* both seen; kept to spot duplicates at B */
};

enum meter_match_list {
    METER_LIST_A = 0,    /* PENDING_A and MATCHED: ts is the A timestamp */
    METER_LIST_B = 1,    /* PENDING_B: ts is the B timestamp */
};

struct meter_match_entry {
    uint64_t sig;
    int64_t ts;          /* ns */
    uint32_t flow;       /* flow index or METER_NONE */
    uint32_t chain;      /* next entry in the hash chain */
    uint32_t older;      /* age list neighbours */
    uint32_t newer;
    uint32_t ip_len;
    uint16_t port;       /* capture port of ts */
    uint8_t state;
    uint8_t dscp;        /* DSCP seen at B (PENDING_B) */
};

struct meter_match {
    struct meter_match_entry *e;
    uint32_t *bucket;
    uint32_t cap;        /* entries */
    uint32_t mask;       /* buckets - 1 */
    uint32_t used;
    uint32_t free_head;
    uint32_t head[2];    /* oldest per list */
    uint32_t tail[2];    /* newest per list */
};

/* Allocate a table of capacity entries (1..2^30). Returns 0 or -ENOMEM /
 * -EINVAL. The only allocation the table ever makes. */
int meter_match_init(struct meter_match *t, uint32_t capacity);

/* Release the memory of t (t may be zeroed or initialised). */
void meter_match_free(struct meter_match *t);

/* Oldest entry with signature sig in state state, or METER_NONE. */
uint32_t meter_match_find(const struct meter_match *t, uint64_t sig,
                          enum meter_match_state state);

/* As meter_match_find(), and *any set when some entry (any state) has
 * signature sig: one walk of the chain for both questions. */
uint32_t meter_match_find_any(const struct meter_match *t, uint64_t sig,
                              enum meter_match_state state, int *any);

/* Prefetch the hash chain head of sig (before a burst is processed). */
static inline void meter_match_prefetch(const struct meter_match *t, uint64_t sig)
{
    __builtin_prefetch(&t->bucket[sig & t->mask]);
}

/* New entry (state PENDING_A, PENDING_B or MATCHED) at the newest end of
 * its list. Returns its index, or METER_NONE when the table is full (the
 * caller evicts the oldest entry and tries again). */
uint32_t meter_match_insert(struct meter_match *t, uint64_t sig,
                            enum meter_match_state state, int64_t ts,
                            uint16_t port, uint32_t flow, uint8_t dscp,
                            uint32_t ip_len);

/* Change the state of entry i, and its timestamp to ts; an entry that moves
 * to the other list goes to its newest end. */
void meter_match_set(struct meter_match *t, uint32_t i,
                     enum meter_match_state state, int64_t ts);

/* Free entry i. */
void meter_match_remove(struct meter_match *t, uint32_t i);

/* Oldest entry of list l, or METER_NONE. */
static inline uint32_t meter_match_oldest(const struct meter_match *t,
                                          enum meter_match_list l)
{
    return t->head[l];
}

/* The list an entry in state s lives on. */
static inline enum meter_match_list meter_match_list_of(enum meter_match_state s)
{
    return s == METER_M_PENDING_B ? METER_LIST_B : METER_LIST_A;
}

#endif
