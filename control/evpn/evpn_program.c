/* RIB -> dataplane (see evpn_program.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rte_malloc.h>

#include "control.h"
#include "dp.h"
#include "dp_conf.h"
#include "evpn_program.h"
#include "log.h"
#include "mac_table.h"
#include "rcu_free.h"

struct evpn_program_stats g_evpn_prog;

bool evpn_program_is_vni(void *ctx, uint32_t vni)
{
    (void)ctx;
    return dp_conf_vni_slot(g_dp.conf, vni) >= 0;
}

static uint64_t now_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec;
}

static void mac_changed(void *ctx, uint32_t vni, const uint8_t mac[6], uint32_t vtep)
{
    int vi = dp_conf_vni_slot(g_dp.conf, vni);
    int rc;
    (void)ctx;

    if (vi < 0) {
        g_evpn_prog.unknown_vni++;
        return;
    }
    if (vtep == 0) {
        enum mac_kind k = mac_val_kind(mac_table_lookup(g_dp.macs, (uint32_t)vi, mac));

        if (k == MAC_LOCAL_STATIC || k == MAC_REMOTE_STATIC) {
            g_evpn_prog.mac_static_kept++;
        } else if (k == MAC_REMOTE) {
            mac_table_del(g_dp.macs, (uint32_t)vi, mac);
            g_evpn_prog.mac_del++;
        } else if (k == MAC_LOCAL) {
            g_evpn_prog.mac_local_kept++;
        }
        return;
    }
    /* a remote route for a MAC learned here means the station moved away;
     * if it shows up here again, local learning takes it back. Statics stay
     * (one table lookup: the set checks the kind where it finds the key) */
    rc = mac_table_set_dynamic(g_dp.macs, (uint32_t)vi, mac, mac_val_remote(MAC_REMOTE, vtep),
                               now_s());
    if (rc == -EEXIST) {
        g_evpn_prog.mac_static_kept++;
        return;
    }
    if (rc != 0) {
        g_evpn_prog.mac_table_full++;
        return;
    }
    g_evpn_prog.mac_set++;
}

/* The MAC table's home bucket of (vni, mac) toward the cache: mac_changed
 * reads it soon (rib_prefetch). */
static void prefetch_mac(void *ctx, uint32_t vni, const uint8_t mac[6])
{
    int vi = dp_conf_vni_slot(g_dp.conf, vni);
    (void)ctx;

    if (vi >= 0)
        mac_table_prefetch(g_dp.macs, (uint32_t)vi, mac);
}

void evpn_program_replay(void *ctx, uint32_t vni, const uint8_t mac[6], uint32_t vtep)
{
    int vi = dp_conf_vni_slot(g_dp.conf, vni);
    uint64_t cur;
    (void)ctx;

    if (vi < 0)
        return;
    cur = mac_table_lookup(g_dp.macs, (uint32_t)vi, mac);
    switch (mac_val_kind(cur)) {
    case MAC_LOCAL_STATIC:
    case MAC_REMOTE_STATIC:
        g_evpn_prog.mac_static_kept++;
        return;
    case MAC_LOCAL:
        g_evpn_prog.mac_local_kept++;
        return;
    case MAC_REMOTE:
        if (mac_val_vtep(cur) == vtep)
            return;
        break;
    default:
        break;
    }
    mac_changed(NULL, vni, mac, vtep);
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

/* Publish vteps[0..n) (sorted, no duplicates) as the flood list of slot,
 * unless it is the list already there. */
static void flood_publish(uint32_t slot, const uint32_t *vteps, uint32_t n, bool none)
{
    struct dp_flood *old = g_dp.flood[slot], *nf = NULL;

    if (none) {
        if (!old)
            return;
    } else {
        if (old && old->n == n && (n == 0 || !memcmp(old->vtep, vteps, n * sizeof(uint32_t))))
            return;
        nf = rte_malloc("flood", sizeof(*nf) + sizeof(uint32_t) * (n ? n : 1), 0);
        if (!nf) {
            g_evpn_prog.flood_no_memory++;
            VLOG_RL(ERR, "VNI slot %u: no memory for a flood list of %u", slot, n);
            return;
        }
        nf->n = n;
        memcpy(nf->vtep, vteps, n * sizeof(uint32_t));
    }
    __atomic_store_n(&g_dp.flood[slot], nf, __ATOMIC_RELEASE);
    /* freed once every worker has reported a quiescent state since the
     * store; the control thread does not wait for it */
    rcu_free_later(rte_free, old);
    g_evpn_prog.flood_swaps++;
}

/* configured VTEPs + rib[0..n_rib), sorted and deduplicated, into out */
static uint32_t flood_merge(const struct dp_vni *v, const uint32_t *rib, uint32_t n_rib,
                            uint32_t *out)
{
    uint32_t m = 0;

    memcpy(out, v->cfg_flood, v->n_cfg_flood * sizeof(uint32_t));
    if (n_rib)      /* rib may be NULL then */
        memcpy(out + v->n_cfg_flood, rib, n_rib * sizeof(uint32_t));
    m = v->n_cfg_flood + n_rib;
    qsort(out, m, sizeof(uint32_t), cmp_u32);
    uint32_t k = 0;
    for (uint32_t i = 0; i < m; i++)
        if (k == 0 || out[k - 1] != out[i])
            out[k++] = out[i];
    return k;
}

static void flood_set(const struct dp_conf *c, uint32_t slot, const uint32_t *rib, uint32_t n_rib)
{
    const struct dp_vni *v = &c->vnis[slot];
    uint32_t *all;
    uint32_t n;

    if (v->vni == 0) {
        flood_publish(slot, NULL, 0, true);
        return;
    }
    all = malloc(sizeof(uint32_t) * (v->n_cfg_flood + n_rib + 1));
    if (!all) {
        g_evpn_prog.flood_no_memory++;
        return;
    }
    n = flood_merge(v, rib, n_rib, all);
    flood_publish(slot, all, n, false);
    free(all);
}

static void flood_changed(void *ctx, uint32_t vni, const uint32_t *vteps, uint32_t n)
{
    int vi = dp_conf_vni_slot(g_dp.conf, vni);
    (void)ctx;

    if (vi < 0) {
        g_evpn_prog.unknown_vni++;
        return;
    }
    flood_set(g_dp.conf, (uint32_t)vi, vteps, n);
}

void evpn_program_flood_refresh(const struct evpn_rib *rib, const struct dp_conf *c,
                                uint32_t slot)
{
    const struct dp_vni *v = &c->vnis[slot];
    uint32_t n = 0, *vteps = NULL;

    if (rib && v->vni) {
        uint32_t cap = 1024;
        vteps = malloc(cap * sizeof(uint32_t));
        if (!vteps) {
            g_evpn_prog.flood_no_memory++;
            return;
        }
        /* a VNI's type-3 VTEPs: as many as there are leaves in the fabric */
        while ((n = rib_flood_get(rib, v->vni, vteps, cap)) == cap) {
            uint32_t *bigger = realloc(vteps, 2 * (size_t)cap * sizeof(uint32_t));
            if (!bigger)
                break;
            vteps = bigger;
            cap *= 2;
        }
    }
    flood_set(c, slot, vteps, n);
    free(vteps);
}

void evpn_program_totals(uint64_t *macs, uint64_t *flood_vteps)
{
    const struct dp_conf *c = g_dp.conf;
    uint64_t m = 0, f = 0;

    for (uint32_t v = 0; v < DP_MAX_VNIS; v++) {
        const struct dp_flood *fl = g_dp.flood[v];

        if (!c->vnis[v].vni)
            continue;
        m += mac_table_count(g_dp.macs, v);
        f += fl ? fl->n : 0;
    }
    *macs = m;
    *flood_vteps = f;
}

void evpn_program_init(struct rib_callbacks *cb)
{
    cb->mac_changed = mac_changed;
    cb->flood_changed = flood_changed;
    cb->prefetch_mac = prefetch_mac;
    cb->ctx = NULL;
}
