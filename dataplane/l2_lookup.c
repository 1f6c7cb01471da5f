/* MAC table lookups for a burst: consecutive frames to one (VNI, MAC) -
 * the common case of a bulk transfer - share one lookup. The parse loops
 * start each run's lookup as soon as they have its key (hash, prefetch of
 * the bucket: l2_lookup_start) and finish them all after the loop
 * (l2_lookup_runs), so the buckets' cache misses overlap the parsing.
 * l2_lookup_burst does both for a burst of keys in one call. */
#include "worker_priv.h"

void l2_lookup_burst(const struct mac_key *keys, unsigned n, uint64_t *vals)
{
    const struct mac_key *kp[DP_BURST];
    uint64_t uvals[DP_BURST];
    uint8_t uidx[DP_BURST];     /* key -> its distinct key in kp/uvals */
    unsigned n_u = 0;

    for (unsigned i = 0; i < n; i++) {
        if (i && mac_key_eq(&keys[i], &keys[i - 1])) {
            uidx[i] = uidx[i - 1];
            continue;
        }
        kp[n_u] = &keys[i];
        uidx[i] = (uint8_t)n_u++;
    }
    mac_table_lookup_bulk(g_dp.macs, kp, n_u, uvals);
    for (unsigned i = 0; i < n; i++)
        vals[i] = uvals[uidx[i]];
}

void l2_lookup_runs(const struct mac_lookup *lk, unsigned n, uint64_t *vals)
{
    const struct mac_table *t = g_dp.macs;

    for (unsigned i = 0; i < n; i++)
        vals[i] = mac_lookup_finish(t, &lk[i]);
}
