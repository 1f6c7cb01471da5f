/* vtep-meter: summary statistics and the bounded latency sample store.
 *
 * Percentiles use the nearest-rank definition: the p-th percentile of n
 * sorted values is v[ceil(p/100 * n) - 1] (v[0] for p == 0), always one of
 * the values, no interpolation (numpy: method="inverted_cdf").
 */
#ifndef VTEPD_METER_STATS_H
#define VTEPD_METER_STATS_H

#include <stddef.h>
#include <stdint.h>

struct meter_summary {
    uint64_t count;
    double mean;
    double min;
    double p50;
    double p90;
    double p99;
    double p999;
    double max;
};

/* Nearest-rank percentile p (0..100, resolved to 0.001) of the n ascending
 * values v; 0 when n == 0. */
double meter_percentile(const double *v, size_t n, double p);

/* Sort v (n values, in place) and fill *s; n == 0 gives count 0 and zeros.
 * NaN values are not allowed. */
void meter_summarize(double *v, size_t n, struct meter_summary *s);

/* Reservoir of latency samples: keeps every sample while fewer than cap
 * were offered, then a uniform random subset of cap of them (Vitter's
 * algorithm R with a fixed-seed generator: reproducible). Each sample
 * carries a 32-bit tag (the flow index). */
struct meter_reservoir {
    int64_t *val;
    uint32_t *tag;
    uint32_t cap;
    uint32_t n;          /* samples held (<= cap) */
    uint64_t seen;       /* samples offered */
    uint64_t rng;
};

/* Allocate room for cap samples (cap may be 0: then nothing is kept).
 * 0 or -ENOMEM. */
int meter_reservoir_init(struct meter_reservoir *r, uint32_t cap);

/* Release r's memory. */
void meter_reservoir_free(struct meter_reservoir *r);

/* Offer one sample. */
void meter_reservoir_add(struct meter_reservoir *r, int64_t val, uint32_t tag);

#endif
