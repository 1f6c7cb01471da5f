/* MAC table lookups for a burst: consecutive frames to one (VNI, MAC) -
 * the common case of a bulk transfer - share one lookup, and the distinct
 * keys go to the MAC table in one bulk call (which hashes them all and
 * prefetches their buckets before comparing). */
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

void l2_lookup_runs(const struct mac_key *keys, unsigned n, uint64_t *vals)
{
    const struct mac_key *kp[DP_BURST];

    if (n == 1) {
        /* a burst of one run (a bulk transfer): the single lookup costs
         * far less than the bulk one's set-up for one key */
        const struct mac_table *t = g_dp.macs;
        uint64_t kw = mac_key_word(&keys[0]);

        vals[0] = mac_bucket_find(t, mac_key_bucket(t, kw), kw);
        return;
    }
    for (unsigned i = 0; i < n; i++)
        kp[i] = &keys[i];
    mac_table_lookup_bulk(g_dp.macs, kp, n, vals);
}
