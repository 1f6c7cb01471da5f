/* RIB -> dataplane (see include/evpn_program.h). */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rte_malloc.h>
#include <rte_rcu_qsbr.h>

#include "dp.h"
#include "evpn_program.h"
#include "log.h"
#include "mac_table.h"
#include "rcu_free.h"
#include "vni_map.h"

struct evpn_program_stats g_evpn_prog;
static const struct vtepd_config *pcfg;

bool evpn_program_is_vni(void *ctx, uint32_t vni)
{
    (void)ctx;
    return vni_map_find(g_dp.vni_map, vni) >= 0;
}

static void mac_changed(void *ctx, uint32_t vni, const uint8_t mac[6], uint32_t vtep)
{
    int64_t vi = vni_map_find(g_dp.vni_map, vni);
    uint64_t cur;
    enum mac_kind k;
    struct timespec ts;
    (void)ctx;

    if (vi < 0) {
        g_evpn_prog.unknown_vni++;
        return;
    }
    cur = mac_table_lookup(g_dp.macs, (uint32_t)vi, mac);
    k = mac_val_kind(cur);
    if (k == MAC_LOCAL_STATIC || k == MAC_REMOTE_STATIC) {
        g_evpn_prog.mac_static_kept++;
        return;
    }
    if (vtep == 0) {
        if (k == MAC_REMOTE) {
            mac_table_del(g_dp.macs, (uint32_t)vi, mac);
            g_evpn_prog.mac_del++;
        } else if (k == MAC_LOCAL) {
            g_evpn_prog.mac_local_kept++;
        }
        return;
    }
    clock_gettime(CLOCK_MONOTONIC, &ts);
    /* a remote route for a MAC learned here means the station moved away;
     * if it shows up here again, local learning takes it back */
    if (mac_table_set(g_dp.macs, (uint32_t)vi, mac, mac_val_remote(MAC_REMOTE, vtep),
                      (uint64_t)ts.tv_sec) != 0) {
        g_evpn_prog.mac_table_full++;
        return;
    }
    g_evpn_prog.mac_set++;
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

static void flood_changed(void *ctx, uint32_t vni, const uint32_t *vteps, uint32_t n)
{
    int64_t vi = vni_map_find(g_dp.vni_map, vni);
    const struct cfg_vni *cv;
    struct dp_flood *nf, *old;
    uint32_t m = 0;
    (void)ctx;

    if (vi < 0) {
        g_evpn_prog.unknown_vni++;
        return;
    }
    cv = &pcfg->vnis[vi];
    nf = rte_malloc("flood", sizeof(*nf) + sizeof(uint32_t) * (n + (uint32_t)cv->n_flood), 0);
    if (!nf) {
        VLOG(ERR, "VNI %u: no memory for a flood list of %u", vni, n);
        return;
    }
    for (int i = 0; i < cv->n_flood; i++)
        nf->vtep[m++] = cv->flood[i];
    for (uint32_t i = 0; i < n; i++) {
        uint32_t j;
        for (j = 0; j < m && nf->vtep[j] != vteps[i]; j++)
            ;
        if (j == m)
            nf->vtep[m++] = vteps[i];
    }
    qsort(nf->vtep, m, sizeof(uint32_t), cmp_u32);
    nf->n = m;
    old = g_dp.vnis[vi].flood;
    if (old && old->n == m && !memcmp(old->vtep, nf->vtep, m * sizeof(uint32_t))) {
        rte_free(nf);
        return;
    }
    __atomic_store_n(&g_dp.vnis[vi].flood, nf, __ATOMIC_RELEASE);
    /* freed once every worker has reported a quiescent state since the
     * store; the control thread does not wait for it */
    rcu_free_later(rte_free, old);
    g_evpn_prog.flood_swaps++;
}

void evpn_program_init(const struct vtepd_config *cfg, struct rib_callbacks *cb)
{
    pcfg = cfg;
    cb->mac_changed = mac_changed;
    cb->flood_changed = flood_changed;
    cb->ctx = NULL;
}
