/* vtep-meter: flows and their accounting.
 *
 * A flow is a directional 5-tuple (struct meter_flow_key) of the innermost
 * IP packet. Flows live in a fixed array allocated at start (never freed
 * during a run: the output needs them all), found through a chained hash.
 *
 * Definitions (tap A before the path under test, tap B after it):
 *   packets, bytes   packets seen at A and the sum of their IP lengths
 *   FCT              last matched packet at B minus first packet at A
 *   latency          per matched packet: B timestamp minus A timestamp
 *   jitter           RFC 3550 interarrival jitter over the matched packets
 *                    in the order they were matched (arrival order at B):
 *                    J += (|D| - J) / 16, D = latency_i - latency_(i-1)
 *   lost             A packets whose copy never reached B within the timeout
 *   completed        every A packet was matched at B (lost == 0, matched ==
 *                    packets, at least one packet)
 *   class            short when packets <= threshold, else long
 *   DSCP             the outermost DSCP of the matched B copies: the first
 *                    one, the last one and the set of all of them
 */
#ifndef VTEPD_METER_FLOW_H
#define VTEPD_METER_FLOW_H

#include <stdbool.h>
#include <stdint.h>

#include "meter_packet.h"

enum meter_class {
    METER_CLASS_SHORT = 0,
    METER_CLASS_LONG = 1,
    METER_CLASS_ALL = 2,    /* for summaries: short and long together */
};
#define METER_N_CLASSES 3

struct meter_flow {
    struct meter_flow_key key;
    uint64_t key_hash;
    uint32_t chain;          /* next flow in the hash chain */
    uint32_t packets;        /* seen at A */
    uint64_t bytes;          /* IP bytes seen at A */
    uint32_t b_packets;      /* seen at B: matched + duplicates + unexpected */
    uint32_t matched;
    uint32_t lost;
    uint32_t dup_b;          /* extra copies at B of an already matched packet */
    uint32_t unexpected_b;   /* seen at B, never at A (within the timeout) */
    int64_t first_a;         /* ns; INT64_MAX until the first A packet */
    int64_t last_a;
    int64_t first_b;         /* matched B packets; INT64_MAX until the first */
    int64_t last_b;
    int64_t lat_min;
    int64_t lat_max;
    int64_t lat_sum;
    int64_t lat_prev;        /* latency of the previous matched packet */
    double jitter;           /* RFC 3550 J, ns */
    uint64_t dscp_set;       /* bit d set when DSCP d was seen at B */
    uint8_t dscp_first;
    uint8_t dscp_last;
    uint8_t encap_b;         /* matched B copies were VXLAN encapsulated */
    uint8_t pad;
};

struct meter_flows {
    struct meter_flow *f;
    uint32_t *bucket;
    uint32_t cap;
    uint32_t n;
    uint32_t mask;
};

/* Allocate room for capacity flows (1..2^28). 0, -EINVAL or -ENOMEM. */
int meter_flows_init(struct meter_flows *t, uint32_t capacity);

/* Release t's memory. */
void meter_flows_free(struct meter_flows *t);

/* Index of the flow with key (hash = meter_flow_key_hash(key)), or
 * METER_NONE. */
uint32_t meter_flows_lookup(const struct meter_flows *t,
                            const struct meter_flow_key *key, uint64_t hash);

/* Prefetch the hash chain head for hash. */
static inline void meter_flows_prefetch(const struct meter_flows *t, uint64_t hash)
{
    __builtin_prefetch(&t->bucket[hash & t->mask]);
}

/* Index of the flow with key, created (zeroed accounting) when new; sets
 * *created. METER_NONE when new and the table is full. */
uint32_t meter_flows_get(struct meter_flows *t, const struct meter_flow_key *key,
                         uint64_t hash, bool *created);

/* Accounting. */
void meter_flow_on_a(struct meter_flow *f, int64_t ts, uint32_t ip_len);
void meter_flow_on_match(struct meter_flow *f, int64_t ts_a, int64_t ts_b,
                         uint8_t dscp_b, bool encap_b);

/* RFC 3550 interarrival jitter step: J + (|d| - J) / 16. */
static inline double meter_jitter_step(double j, int64_t d)
{
    double ad = d < 0 ? -(double)d : (double)d;

    return j + (ad - j) / 16.0;
}

/* Derived values. */
static inline bool meter_flow_completed(const struct meter_flow *f)
{
    return f->packets > 0 && f->lost == 0 && f->matched >= f->packets;
}

/* FCT in ns; false when the flow has no matched packet. */
static inline bool meter_flow_fct(const struct meter_flow *f, int64_t *fct)
{
    if (f->matched == 0 || f->packets == 0)
        return false;
    *fct = f->last_b - f->first_a;
    return true;
}

static inline enum meter_class meter_flow_class(const struct meter_flow *f, uint32_t threshold)
{
    return f->packets <= threshold ? METER_CLASS_SHORT : METER_CLASS_LONG;
}

static inline const char *meter_class_name(enum meter_class c)
{
    return c == METER_CLASS_SHORT ? "short" : c == METER_CLASS_LONG ? "long" : "all";
}

#endif
