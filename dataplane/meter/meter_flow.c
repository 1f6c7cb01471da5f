/* vtep-meter: flow table and per-flow accounting (see meter_flow.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "meter_flow.h"
#include "meter_match.h"

int meter_flows_init(struct meter_flows *t, uint32_t capacity)
{
    uint32_t nb = 1;

    memset(t, 0, sizeof(*t));
    if (capacity == 0 || capacity > (1u << 28))
        return -EINVAL;
    while (nb < capacity)
        nb <<= 1;
    t->f = calloc(capacity, sizeof(*t->f));
    t->bucket = malloc((size_t)nb * sizeof(*t->bucket));
    if (!t->f || !t->bucket) {
        meter_flows_free(t);
        return -ENOMEM;
    }
    for (uint32_t i = 0; i < nb; i++)
        t->bucket[i] = METER_NONE;
    t->cap = capacity;
    t->mask = nb - 1;
    return 0;
}

void meter_flows_free(struct meter_flows *t)
{
    free(t->f);
    free(t->bucket);
    memset(t, 0, sizeof(*t));
}

uint32_t meter_flows_lookup(const struct meter_flows *t,
                            const struct meter_flow_key *key, uint64_t hash)
{
    for (uint32_t i = t->bucket[hash & t->mask]; i != METER_NONE; i = t->f[i].chain)
        if (t->f[i].key_hash == hash && memcmp(&t->f[i].key, key, sizeof(*key)) == 0)
            return i;
    return METER_NONE;
}

uint32_t meter_flows_get(struct meter_flows *t, const struct meter_flow_key *key,
                         uint64_t hash, bool *created)
{
    uint32_t i = meter_flows_lookup(t, key, hash);
    struct meter_flow *f;

    *created = false;
    if (i != METER_NONE)
        return i;
    if (t->n >= t->cap)
        return METER_NONE;
    i = t->n++;
    f = &t->f[i];
    memset(f, 0, sizeof(*f));
    f->key = *key;
    f->key_hash = hash;
    f->first_a = INT64_MAX;
    f->last_a = INT64_MIN;
    f->first_b = INT64_MAX;
    f->last_b = INT64_MIN;
    f->lat_min = INT64_MAX;
    f->lat_max = INT64_MIN;
    f->chain = t->bucket[hash & t->mask];
    t->bucket[hash & t->mask] = i;
    *created = true;
    return i;
}

void meter_flow_on_a(struct meter_flow *f, int64_t ts, uint32_t ip_len)
{
    f->packets++;
    f->bytes += ip_len;
    if (ts < f->first_a)
        f->first_a = ts;
    if (ts > f->last_a)
        f->last_a = ts;
}

void meter_flow_on_match(struct meter_flow *f, int64_t ts_a, int64_t ts_b,
                         uint8_t dscp_b, bool encap_b)
{
    int64_t lat = ts_b - ts_a;

    if (f->matched > 0)
        f->jitter = meter_jitter_step(f->jitter, lat - f->lat_prev);
    else
        f->dscp_first = dscp_b;
    f->lat_prev = lat;
    f->matched++;
    f->b_packets++;
    f->lat_sum += lat;
    if (lat < f->lat_min)
        f->lat_min = lat;
    if (lat > f->lat_max)
        f->lat_max = lat;
    if (ts_b < f->first_b)
        f->first_b = ts_b;
    if (ts_b > f->last_b)
        f->last_b = ts_b;
    f->dscp_last = dscp_b;
    f->dscp_set |= 1ULL << (dscp_b & 63);
    if (encap_b)
        f->encap_b = 1;
}
