/* Residence time of packets in a worker: from the RX burst that brought a
 * packet in to the TX burst that sends it out, in TSC ticks, kept per
 * worker in a log-scaled histogram (optional: vtep.residence_histogram).
 *
 * Buckets: 4 per power of two (a value v >= 4 falls in bucket
 * 4*(msb(v)-1) + the two bits below its msb; v < 4 in bucket v), so a
 * bucket's upper bound is at most 25 % above its lower one. 252 buckets
 * cover every 64-bit value. */
#ifndef VTEPD_RESIDENCE_H
#define VTEPD_RESIDENCE_H

#include <stdint.h>

#define RES_BUCKETS 252     /* values up to 2^64 - 1: msb 63 ends at 4 * 62 + 3 */

struct residence_hist {
    uint64_t count;
    uint64_t sum;           /* ticks */
    uint64_t max;           /* ticks */
    uint64_t bucket[RES_BUCKETS];
};

static inline unsigned res_bucket(uint64_t v)
{
    unsigned msb;

    if (v < 4)
        return (unsigned)v;
    msb = 63u - (unsigned)__builtin_clzll(v);
    return 4u * (msb - 1u) + (unsigned)((v >> (msb - 2u)) & 3u);
}

/* Smallest value of bucket b, and of the next one (its exclusive bound). */
static inline uint64_t res_bucket_low(unsigned b)
{
    unsigned msb;

    if (b < 4)
        return b;
    msb = b / 4u + 1u;
    return (1ull << msb) | ((uint64_t)(b & 3u) << (msb - 2u));
}

static inline uint64_t res_bucket_high(unsigned b)
{
    return b + 1 < RES_BUCKETS ? res_bucket_low(b + 1) : UINT64_MAX;
}

static inline void res_add(struct residence_hist *h, uint64_t v)
{
    h->count++;
    h->sum += v;
    if (v > h->max)
        h->max = v;
    h->bucket[res_bucket(v)]++;
}

/* n samples of the same value v at once (packets of one RX burst sent in
 * one TX burst): the same histogram as n calls of res_add(h, v). */
static inline void res_add_n(struct residence_hist *h, uint64_t v, uint64_t n)
{
    h->count += n;
    h->sum += v * n;
    if (v > h->max)
        h->max = v;
    h->bucket[res_bucket(v)] += n;
}

/* The value below which a fraction q (0..1) of the samples fall, read from
 * the buckets (the upper bound of the bucket holding it, at most the max):
 * never below the true quantile, at most 25 % above it. 0 when empty. */
static inline uint64_t res_quantile(const struct residence_hist *h, double q)
{
    uint64_t rank, seen = 0;

    if (h->count == 0)
        return 0;
    rank = (uint64_t)(q * (double)h->count);
    if (rank >= h->count)
        rank = h->count - 1;
    for (unsigned b = 0; b < RES_BUCKETS; b++) {
        seen += h->bucket[b];
        if (seen > rank) {
            uint64_t hi = res_bucket_high(b) - 1;
            return hi < h->max ? hi : h->max;
        }
    }
    return h->max;
}

#endif
