/* Applying a configuration to the running dataplane (see
 * config_apply.h). */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "bfd_manager.h"
#include "config_apply.h"
#include "control.h"
#include "dp.h"
#include "dp_conf.h"
#include "evpn_program.h"
#include "log.h"
#include "mac_table.h"
#include "rcu_free.h"
#include "stats_sum.h"

static uint64_t now_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec;
}

/* mac_table_purge(): entries whose VNI slot or attachment the new
 * generation does not have (any more) */
static bool stale_entry(void *ctx, uint32_t slot, uint64_t val)
{
    const struct dp_conf *c = ctx;
    enum mac_kind k = mac_val_kind(val);

    if (slot >= DP_MAX_VNIS || c->vnis[slot].vni == 0)
        return true;
    if (mac_kind_is_local(k)) {
        uint16_t a = mac_val_attach(val);
        return a >= DP_MAX_ATTACH || c->attach[a].vni_idx != slot;
    }
    return false;
}

static const struct cfg_vni *cfg_vni_find(const struct vtepd_config *cfg, uint32_t vni)
{
    for (int i = 0; cfg && i < cfg->n_vnis; i++)
        if (cfg->vnis[i].vni == vni)
            return &cfg->vnis[i];
    return NULL;
}

/* The packed table value of a static MAC in generation c (slot's VNI). */
static uint64_t static_val(const struct dp_conf *c, uint32_t slot, const struct cfg_static_mac *s)
{
    const struct dp_vni *v = &c->vnis[slot];
    uint16_t a = DP_NO_ATTACH;

    if (s->remote)
        return mac_val_remote(MAC_REMOTE_STATIC, s->vtep);
    for (unsigned i = 0; i < v->n_attach; i++)
        if (c->attach[v->attach[i]].port == s->port)
            a = v->attach[i];
    return mac_val_local(MAC_LOCAL_STATIC, a);
}

static const struct cfg_static_mac *static_find(const struct cfg_vni *cv, const uint8_t mac[6])
{
    for (int i = 0; cv && i < cv->n_static; i++)
        if (!memcmp(cv->statics[i].mac, mac, 6))
            return &cv->statics[i];
    return NULL;
}

static bool static_same(const struct cfg_static_mac *a, const struct cfg_static_mac *b)
{
    return a->remote == b->remote && (a->remote ? a->vtep == b->vtep : a->port == b->port);
}

/* New VNI slots of c: c has them, the running generation prev does not. */
static bool slot_is_new(const struct dp_conf *c, const struct dp_conf *prev, uint32_t slot)
{
    return c->vnis[slot].vni && (!prev || prev->vnis[slot].vni != c->vnis[slot].vni);
}

/* A static entry both the running generation and c read the same way: a
 * remote one, or a local one whose attachment id both have in that VNI. */
static bool val_in_both(const struct dp_conf *c, const struct dp_conf *prev, uint32_t slot,
                        uint64_t val)
{
    uint16_t a = mac_val_attach(val);

    if (!mac_kind_is_local(mac_val_kind(val)))
        return true;
    return a < DP_MAX_ATTACH && c->attach[a].vni_idx == slot &&
           (!prev || prev->attach[a].vni_idx == slot);
}

/* Static MACs. Phase 0, before c is published: every new or changed entry
 * of a new VNI (no frame maps to its slot yet) or that both generations
 * read alike, so traffic switches with the generation. Phase 1, after:
 * the other new or changed entries, and the removals. */
static void apply_statics(const struct vtepd_config *cfg, const struct vtepd_config *old,
                          const struct dp_conf *c, const struct dp_conf *prev, int phase,
                          struct apply_report *rep)
{
    /* statics the old configuration had and the new one does not: gone
     * (when the entry is still that static; the RIB replay below may give
     * the MAC a remote VTEP again) */
    for (int i = 0; phase == 1 && old && i < old->n_vnis; i++) {
        const struct cfg_vni *ov = &old->vnis[i];
        const struct cfg_vni *nv = cfg_vni_find(cfg, ov->vni);
        int slot = dp_conf_vni_slot(c, ov->vni);

        if (slot < 0)
            continue;   /* the VNI went: purged with it */
        for (int s = 0; s < ov->n_static; s++) {
            const struct cfg_static_mac *ns = static_find(nv, ov->statics[s].mac);
            enum mac_kind k;

            if (ns && static_same(ns, &ov->statics[s]))
                continue;
            k = mac_val_kind(mac_table_lookup(g_dp.macs, (uint32_t)slot, ov->statics[s].mac));
            if ((k == MAC_LOCAL_STATIC || k == MAC_REMOTE_STATIC) && !ns &&
                mac_table_del(g_dp.macs, (uint32_t)slot, ov->statics[s].mac) == 0)
                rep->statics_removed++;
        }
    }
    for (int i = 0; i < cfg->n_vnis; i++) {
        const struct cfg_vni *nv = &cfg->vnis[i];
        const struct cfg_vni *ov = cfg_vni_find(old, nv->vni);
        int slot = dp_conf_vni_slot(c, nv->vni);

        bool is_new = slot_is_new(c, prev, (uint32_t)slot);

        if (phase == 0)
            mac_table_set_limit(g_dp.macs, (uint32_t)slot, nv->mac_limit);
        for (int s = 0; s < nv->n_static; s++) {
            const struct cfg_static_mac *st = &nv->statics[s];
            const struct cfg_static_mac *os = static_find(ov, st->mac);
            uint64_t val = static_val(c, (uint32_t)slot, st);

            if ((is_new || val_in_both(c, prev, (uint32_t)slot, val)) != (phase == 0))
                continue;
            if (os && static_same(os, st) &&
                mac_table_lookup(g_dp.macs, (uint32_t)slot, st->mac) == val)
                continue;
            if (mac_table_set(g_dp.macs, (uint32_t)slot, st->mac, val, now_s()) != 0) {
                VLOG(ERR, "VNI %u: cannot install static MAC %02x:%02x:%02x:%02x:%02x:%02x "
                     "(table full)", nv->vni, st->mac[0], st->mac[1], st->mac[2], st->mac[3],
                     st->mac[4], st->mac[5]);
                continue;
            }
            rep->statics_added++;
        }
    }
}

static void count_changes(const struct dp_conf *c, const struct dp_conf *old,
                          struct apply_report *rep)
{
    for (uint32_t s = 0; s < DP_MAX_VNIS; s++) {
        uint32_t nv = c->vnis[s].vni, ov = old ? old->vnis[s].vni : 0;
        if (nv && nv != ov)
            rep->vnis_added++;
        if (ov && nv != ov)
            rep->vnis_removed++;
        if (nv && nv == ov && (c->vnis[s].n_attach != old->vnis[s].n_attach ||
                               memcmp(c->vnis[s].attach, old->vnis[s].attach,
                                      sizeof(c->vnis[s].attach)) != 0 ||
                               c->vnis[s].n_cfg_flood != old->vnis[s].n_cfg_flood ||
                               memcmp(c->vnis[s].cfg_flood, old->vnis[s].cfg_flood,
                                      c->vnis[s].n_cfg_flood * sizeof(uint32_t)) != 0))
            rep->vnis_changed++;
    }
    for (uint32_t a = 0; a < DP_MAX_ATTACH; a++) {
        bool n = c->attach[a].vni_idx != DP_NO_VNI;
        bool o = old && old->attach[a].vni_idx != DP_NO_VNI;
        rep->attach_added += n && !o;
        rep->attach_removed += o && !n;
    }
    for (uint16_t g = 0; old && g < c->n_groups; g++)
        for (uint16_t og = 0; og < old->n_groups; og++)
            if (!strcmp(c->groups[g].name, old->groups[og].name) &&
                !memcmp(c->groups[g].member_nh, old->groups[og].member_nh,
                        sizeof(c->groups[g].member_nh)) &&
                c->groups[g].ecmp.n_members == old->groups[og].ecmp.n_members)
                rep->groups_kept++;
}

int config_apply(const struct vtepd_config *cfg, const struct vtepd_config *old,
                 struct apply_report *rep, char *err, size_t errlen)
{
    struct dp_conf *prev = g_dp.conf, *c;
    int rc;

    memset(rep, 0, sizeof(*rep));
    rc = dp_conf_build(cfg, prev, &c, err, errlen);
    if (rc != 0)
        return rc;
    count_changes(c, prev, rep);
    /* what a new VNI needs from its first frame: its static MACs (the
     * table is keyed by slot, and no frame maps to a new slot before the
     * generation is published) and its flood list */
    for (uint32_t s = 0; s < DP_MAX_VNIS; s++)
        if (slot_is_new(c, prev, s)) {
            stats_vni_rebase(s);
            evpn_program_flood_refresh(g_rib, c, s);
        }
    apply_statics(cfg, old, c, prev, 0, rep);

    /* the BFD thread writes the ECMP buckets of the running generation:
     * hold it off while the sessions move over and the new one goes live */
    bfd_manager_lock();
    rc = bfd_manager_reconfigure(cfg, c);
    if (rc == 0)
        __atomic_store_n(&g_dp.conf, c, __ATOMIC_RELEASE);
    bfd_manager_unlock();
    if (rc != 0) {
        /* undo what was installed for the new VNIs */
        if (prev)
            mac_table_purge(g_dp.macs, stale_entry, prev);
        for (uint32_t s = 0; s < DP_MAX_VNIS; s++)
            if (slot_is_new(c, prev, s))
                evpn_program_flood_refresh(NULL, prev ? prev : c, s);
        dp_conf_free(c);
        snprintf(err, errlen, "%s: bfd: cannot move the sessions over: %s", cfg->path,
                 strerror(-rc));
        return rc;
    }
    rep->gen = c->gen;
    rep->bfd_sessions = (uint32_t)cfg->n_bfd;
    /* the workers may still be reading the old generation */
    rcu_free_later(dp_conf_free, prev);

    if (prev)
        rep->macs_purged = mac_table_purge(g_dp.macs, stale_entry, c);
    apply_statics(cfg, old, c, prev, 1, rep);
    for (uint32_t s = 0; s < DP_MAX_VNIS; s++)
        if (!slot_is_new(c, prev, s) && (c->vnis[s].vni || g_dp.flood[s]))
            evpn_program_flood_refresh(g_rib, c, s);
    if (g_rib && prev) {
        /* which VNIs exist decides where type-2 routes go */
        rib_reresolve(g_rib);
        rib_replay(g_rib, evpn_program_replay, NULL);
    }
    return 0;
}
