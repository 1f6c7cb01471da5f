/* vtep-meter: percentiles, summaries and the latency reservoir
 * (see meter_stats.h). */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "meter_stats.h"

double meter_percentile(const double *v, size_t n, double p)
{
    unsigned __int128 rank;
    uint64_t pm;

    if (n == 0)
        return 0;
    if (!(p > 0))
        return v[0];
    if (p >= 100)
        return v[n - 1];
    /* Exact integer ceil(p/100 * n) for p given to 1/1000 (99.9 -> 99900). */
    pm = (uint64_t)llround(p * 1000.0);
    rank = ((unsigned __int128)pm * n + 99999) / 100000;
    if (rank < 1)
        rank = 1;
    if (rank > n)
        rank = n;
    return v[(size_t)rank - 1];
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return (x > y) - (x < y);
}

void meter_summarize(double *v, size_t n, struct meter_summary *s)
{
    long double sum = 0;

    memset(s, 0, sizeof(*s));
    if (n == 0)
        return;
    qsort(v, n, sizeof(*v), cmp_double);
    for (size_t i = 0; i < n; i++)
        sum += v[i];
    s->count = n;
    s->mean = (double)(sum / (long double)n);
    s->min = v[0];
    s->p50 = meter_percentile(v, n, 50);
    s->p90 = meter_percentile(v, n, 90);
    s->p99 = meter_percentile(v, n, 99);
    s->p999 = meter_percentile(v, n, 99.9);
    s->max = v[n - 1];
}

int meter_reservoir_init(struct meter_reservoir *r, uint32_t cap)
{
    memset(r, 0, sizeof(*r));
    r->rng = 0x853c49e6748fea9bULL;
    if (cap == 0)
        return 0;
    r->val = malloc((size_t)cap * sizeof(*r->val));
    r->tag = malloc((size_t)cap * sizeof(*r->tag));
    if (!r->val || !r->tag) {
        meter_reservoir_free(r);
        return -ENOMEM;
    }
    r->cap = cap;
    return 0;
}

void meter_reservoir_free(struct meter_reservoir *r)
{
    free(r->val);
    free(r->tag);
    memset(r, 0, sizeof(*r));
}

/* xorshift64*: small, fast, fixed seed. */
static inline uint64_t next_rand(uint64_t *s)
{
    uint64_t x = *s;

    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *s = x;
    return x * 0x2545F4914F6CDD1DULL;
}

void meter_reservoir_add(struct meter_reservoir *r, int64_t val, uint32_t tag)
{
    uint64_t j;

    r->seen++;
    if (r->cap == 0)
        return;
    if (r->n < r->cap) {
        r->val[r->n] = val;
        r->tag[r->n] = tag;
        r->n++;
        return;
    }
    j = next_rand(&r->rng) % r->seen;   /* keep with probability cap/seen */
    if (j < r->cap) {
        r->val[j] = val;
        r->tag[j] = tag;
    }
}
