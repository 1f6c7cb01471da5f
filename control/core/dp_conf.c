/* Building configuration generations (see dp_conf.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_lpm.h>
#include <rte_malloc.h>

#include "dp_conf.h"
#include "flow_table.h"
#include "log.h"
#include "vni_map.h"

_Static_assert(DP_MAX_PORTS >= CFG_MAX_PORTS, "dp ports hold every configured port");
_Static_assert(DP_MAX_NEXTHOPS >= CFG_MAX_NEXTHOPS, "dp next hops hold the configured ones");
_Static_assert(DP_MAX_GROUPS >= CFG_MAX_GROUPS, "dp groups hold the configured ones");
_Static_assert(DP_MAX_VNIS >= CFG_MAX_VNIS, "dp VNI slots hold every configured VNI");
_Static_assert(DP_MAX_VNI_ATTACH >= CFG_MAX_ATTACH, "attachments per VNI");
_Static_assert(DP_MAX_ATTACH < DP_NO_ATTACH, "attachment ids fit 16 bits with a spare value");
_Static_assert(CFG_MAX_NEXTHOPS <= ECMP_MAX_MEMBERS, "a group can hold every next hop");
_Static_assert(CFG_NAME_LEN <= sizeof(((struct dp_group *)0)->name), "group names fit");
_Static_assert(CFG_CLS_TCP == FC_PROTO_TCP && CFG_CLS_UDP == FC_PROTO_UDP,
               "classifier protocol bits");

static int fail(char *err, size_t errlen, int rc, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int fail(char *err, size_t errlen, int rc, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return rc;
}

static void classifier_put(struct dp_classifier *k)
{
    if (!k || --k->refs > 0)
        return;
    for (int w = 0; w < DP_MAX_WORKERS; w++)
        flow_table_destroy(k->ft[w]);
    rte_free(k);
}

/* The classifier of cfg: old's when its tables fit (same capacity,
 * threshold and idle time: every flow keeps its count), else new tables. */
static int classifier_get(const struct vtepd_config *cfg, const struct dp_conf *old,
                          struct dp_classifier **out, char *err, size_t errlen)
{
    const struct cfg_classifier *cl = &cfg->classifier;
    struct dp_classifier *k = old ? old->cls : NULL;
    uint64_t hz = rte_get_tsc_hz();

    if (k && k->capacity == cl->flows_per_worker && k->threshold == cl->threshold_packets &&
        k->idle_s == cl->idle_s) {
        k->refs++;
        *out = k;
        return 0;
    }
    k = rte_zmalloc("dp_classifier", sizeof(*k), 0);
    if (!k)
        return fail(err, errlen, -ENOMEM, "classifier: no memory");
    k->refs = 1;
    k->capacity = cl->flows_per_worker;
    k->threshold = cl->threshold_packets;
    k->idle_s = cl->idle_s;
    /* 64 entries per sweep call: a whole pass about once a second */
    k->sweep_interval_tsc = hz / (cl->flows_per_worker / 64 ? cl->flows_per_worker / 64 : 1);
    for (unsigned w = 0; w < g_dp.n_workers; w++) {
        struct flow_table_params fp = {
            .capacity = cl->flows_per_worker, .threshold = cl->threshold_packets,
            .idle = (uint64_t)cl->idle_s * hz, .hz = hz,
        };
        k->ft[w] = flow_table_create(&fp);
        if (!k->ft[w]) {
            int e = errno;
            classifier_put(k);
            return fail(err, errlen, -e, "classifier: cannot create a flow table of %u flows "
                        "for worker %u: %s", cl->flows_per_worker, w, strerror(e));
        }
    }
    *out = k;
    return 0;
}

static bool (*mac_source)(uint16_t port, uint32_t ip, uint8_t mac[6]);

void dp_conf_set_mac_source(bool (*fn)(uint16_t port, uint32_t ip, uint8_t mac[6]))
{
    mac_source = fn;
}

void dp_conf_free(void *conf)
{
    struct dp_conf *c = conf;

    if (!c)
        return;
    classifier_put(c->cls);
    for (int p = 0; p < DP_MAX_PORTS; p++)
        rte_free(c->vlan_attach[p]);
    rte_free(c->vnis);
    rte_free(c->attach);
    rte_free(c->flood_pool);
    vni_map_free(c->vni_map);
    if (c->routes)
        rte_lpm_free(c->routes);
    rte_free(c);
}

int dp_conf_nexthop_find(const struct dp_conf *c, uint16_t port, uint32_t ip)
{
    for (int i = 0; i < c->n_nexthops; i++)
        if (c->nexthops[i].port == port && c->nexthops[i].ip == ip)
            return i;
    return -ENOENT;
}

int dp_conf_vni_slot(const struct dp_conf *c, uint32_t vni)
{
    int64_t s = vni_map_find(c->vni_map, vni);
    return s < 0 ? -1 : (int)s;
}

/* The attachment id old gives (port, vlan, vni), or DP_NO_ATTACH. */
static uint16_t old_attach(const struct dp_conf *old, uint16_t port, uint16_t vlan, uint32_t vni)
{
    if (!old)
        return DP_NO_ATTACH;
    uint16_t a = vlan ? (old->vlan_attach[port] ? old->vlan_attach[port][vlan] : DP_NO_ATTACH)
                      : old->untagged_attach[port];
    if (a == DP_NO_ATTACH || old->vnis[old->attach[a].vni_idx].vni != vni)
        return DP_NO_ATTACH;
    return a;
}

static int build_vnis(struct dp_conf *c, const struct vtepd_config *cfg, const struct dp_conf *old,
                      char *err, size_t errlen)
{
    uint32_t next_slot = 0, n_flood = 0;
    uint16_t next_attach = 0;
    uint32_t *fp;

    for (int i = 0; i < cfg->n_vnis; i++)
        n_flood += (uint32_t)cfg->vnis[i].n_flood;
    c->flood_pool = rte_zmalloc("dp_flood_cfg", sizeof(uint32_t) * (n_flood ? n_flood : 1), 0);
    c->vni_map = vni_map_create((uint32_t)cfg->n_vnis);
    if (!c->flood_pool || !c->vni_map)
        return fail(err, errlen, -ENOMEM, "no memory for the VNI tables");
    fp = c->flood_pool;

    /* first the VNIs that stay (their slots are taken), then the new ones */
    for (int pass = 0; pass < 2; pass++)
        for (int i = 0; i < cfg->n_vnis; i++) {
            const struct cfg_vni *cv = &cfg->vnis[i];
            int slot = old ? dp_conf_vni_slot(old, cv->vni) : -1;
            struct dp_vni *v;

            if ((pass == 0) != (slot >= 0))
                continue;
            if (slot < 0) {
                while (next_slot < DP_MAX_VNIS &&
                       (c->vnis[next_slot].vni || (old && old->vnis[next_slot].vni)))
                    next_slot++;
                if (next_slot == DP_MAX_VNIS)
                    return fail(err, errlen, -ENOSPC, "vnis[%d]: no free VNI slot", i);
                slot = (int)next_slot;
            }
            v = &c->vnis[slot];
            v->vni = cv->vni;
            v->src_check = cv->src_vtep_check;
            v->arp_suppress = cv->arp_suppress;
            vni_map_add(c->vni_map, cv->vni, (uint32_t)slot);
            v->cfg_flood = fp;
            v->n_cfg_flood = (uint32_t)cv->n_flood;
            memcpy(fp, cv->flood, sizeof(uint32_t) * (size_t)cv->n_flood);
            fp += cv->n_flood;
        }

    /* attachments: same order of passes */
    for (int pass = 0; pass < 2; pass++)
        for (int i = 0; i < cfg->n_vnis; i++) {
            const struct cfg_vni *cv = &cfg->vnis[i];
            int slot = dp_conf_vni_slot(c, cv->vni);
            struct dp_vni *v = &c->vnis[slot];

            for (int k = 0; k < cv->n_attach; k++) {
                uint16_t port = (uint16_t)cv->attach[k].port, vlan = cv->attach[k].vlan;
                uint16_t a = old_attach(old, port, vlan, cv->vni);

                if ((pass == 0) != (a != DP_NO_ATTACH))
                    continue;
                if (a == DP_NO_ATTACH) {
                    while (next_attach < DP_MAX_ATTACH &&
                           (c->attach[next_attach].vni_idx != DP_NO_VNI ||
                            (old && old->attach[next_attach].vni_idx != DP_NO_VNI)))
                        next_attach++;
                    if (next_attach == DP_MAX_ATTACH)
                        return fail(err, errlen, -ENOSPC, "vnis[%d].access[%d]: no free "
                                    "attachment id", i, k);
                    a = next_attach;
                }
                c->attach[a] = (struct dp_attach){.port = port, .vlan = vlan,
                                                  .vni_idx = (uint32_t)slot};
                if (vlan == VLAN_UNTAGGED)
                    c->untagged_attach[port] = a;
                else
                    c->vlan_attach[port][vlan] = a;
                v->attach[v->n_attach++] = a;
            }
        }
    return 0;
}

/* Member names of a group, for comparing generations. */
static bool same_members(const struct dp_conf *a, const struct dp_group *ga,
                         const struct dp_conf *b, const struct dp_group *gb)
{
    if (ga->ecmp.n_members != gb->ecmp.n_members)
        return false;
    for (uint16_t m = 0; m < ga->ecmp.n_members; m++) {
        const struct dp_nexthop *x = &a->nexthops[ga->member_nh[m]];
        const struct dp_nexthop *y = &b->nexthops[gb->member_nh[m]];
        if (strcmp(x->name, y->name) != 0 || x->ip != y->ip || x->port != y->port)
            return false;
    }
    return true;
}

static int build_groups(struct dp_conf *c, const struct vtepd_config *cfg,
                        const struct dp_conf *old, char *err, size_t errlen)
{
    int n = cfg->n_groups ? cfg->n_groups : 1;

    for (int g = 0; g < n; g++) {
        struct dp_group *grp = &c->groups[g];
        const struct cfg_group *cg = cfg->n_groups ? &cfg->groups[g] : NULL;

        snprintf(grp->name, sizeof(grp->name), "%s", cg ? cg->name : "default");
        for (int m = 0; cg && m < cg->n_members; m++)
            grp->member_nh[m] = (uint16_t)cg->members[m];
        ecmp_init(&grp->ecmp, cg ? (uint16_t)cg->n_members : 0);
        if (flow_hash_policy_init(&grp->hash, cg ? (const char (*)[32])cg->hash_fields : NULL,
                                  cg ? cg->n_hash_fields : 0) != 0)
            return fail(err, errlen, -EINVAL, "underlay.groups: %s: bad hash field", grp->name);
        /* an unchanged group keeps its buckets: its flows stay where they are */
        for (uint16_t og = 0; old && og < old->n_groups; og++)
            if (!strcmp(old->groups[og].name, grp->name) &&
                same_members(old, &old->groups[og], c, grp))
                grp->ecmp = old->groups[og].ecmp;
    }
    c->n_groups = (uint16_t)n;
    if (cfg->n_routes) {
        struct rte_lpm_config lc = {.max_rules = CFG_MAX_ROUTES * 2, .number_tbl8s = 256};
        snprintf(c->routes_name, sizeof(c->routes_name), "vtep_routes_%llu",
                 (unsigned long long)c->gen);
        c->routes = rte_lpm_create(c->routes_name, SOCKET_ID_ANY, &lc);
        if (!c->routes)
            return fail(err, errlen, -ENOMEM, "cannot create the VTEP route table: %s",
                        rte_strerror(rte_errno));
        for (int r = 0; r < cfg->n_routes; r++)
            if (rte_lpm_add(c->routes, ntohl(cfg->routes[r].prefix), cfg->routes[r].len,
                            (uint32_t)cfg->routes[r].group) != 0)
                return fail(err, errlen, -EINVAL, "underlay.routes[%d]: cannot add", r);
    }
    return 0;
}

int dp_conf_build(const struct vtepd_config *cfg, const struct dp_conf *old,
                  struct dp_conf **out, char *err, size_t errlen)
{
    static uint64_t next_gen = 1;
    struct dp_conf *c = rte_zmalloc("dp_conf", sizeof(*c), RTE_CACHE_LINE_SIZE);
    int rc;

    if (!c)
        return fail(err, errlen, -ENOMEM, "no memory for a configuration generation");
    c->gen = next_gen++;
    c->udp_port = cfg->udp_port;
    c->ttl = cfg->ttl;
    c->underlay_mtu = cfg->underlay_mtu;
    c->residence = cfg->residence_histogram;
    c->poll_sleep_ns = cfg->poll_sleep_us * 1000u;
    c->vnis = rte_zmalloc("dp_vnis", sizeof(struct dp_vni) * DP_MAX_VNIS, 0);
    c->attach = rte_malloc("dp_attach", sizeof(struct dp_attach) * (size_t)DP_MAX_ATTACH, 0);
    if (!c->vnis || !c->attach) {
        rc = fail(err, errlen, -ENOMEM, "no memory for a configuration generation");
        goto bad;
    }
    for (unsigned a = 0; a < DP_MAX_ATTACH; a++)
        c->attach[a] = (struct dp_attach){.vni_idx = DP_NO_VNI};
    for (int p = 0; p < DP_MAX_PORTS; p++)
        c->untagged_attach[p] = DP_NO_ATTACH;
    for (int p = 0; p < cfg->n_ports; p++) {
        if (cfg->ports[p].role != PORT_ROLE_ACCESS)
            continue;
        c->vlan_attach[p] = rte_malloc("dp_vlan_attach", 4096 * sizeof(uint16_t), 0);
        if (!c->vlan_attach[p]) {
            rc = fail(err, errlen, -ENOMEM, "no memory for a VLAN map");
            goto bad;
        }
        for (int v = 0; v < 4096; v++)
            c->vlan_attach[p][v] = DP_NO_ATTACH;
    }
    if ((rc = build_vnis(c, cfg, old, err, errlen)) != 0)
        goto bad;
    for (int i = 0; i < cfg->n_nexthops; i++) {
        const struct cfg_nexthop *cn = &cfg->nexthops[i];
        struct dp_nexthop *nh = &c->nexthops[i];

        snprintf(nh->name, sizeof(nh->name), "%s", cn->name);
        nh->port = (uint16_t)cn->port;
        nh->ip = cn->ip;
        nh->mac_static = cn->has_mac;
        if (cn->has_mac) {
            memcpy(nh->mac.addr_bytes, cn->mac, 6);
            nh->has_mac = true;
        } else if (mac_source) {
            nh->has_mac = mac_source(nh->port, nh->ip, nh->mac.addr_bytes);
        }
        vxlan_tmpl_init(&nh->tmpl[0], nh->mac.addr_bytes, g_dp.ports[cn->port].mac.addr_bytes,
                        g_dp.local_ip, cfg->ttl, cfg->udp_port);
    }
    c->n_nexthops = (uint16_t)cfg->n_nexthops;
    if ((rc = build_groups(c, cfg, old, err, errlen)) != 0)
        goto bad;
    if (cfg->classifier.present && cfg->classifier.enabled) {
        const struct cfg_classifier *cl = &cfg->classifier;

        if ((rc = classifier_get(cfg, old, &c->cls, err, errlen)) != 0)
            goto bad;
        c->cls_protocols = cl->protocols;
        c->cls_rewrite_inner = cl->rewrite_inner_dscp;
        c->cls_act[0] = (struct dp_class_action){.group = (uint16_t)cl->short_flows.group,
                                                 .dscp = cl->short_flows.dscp};
        c->cls_act[1] = (struct dp_class_action){.group = (uint16_t)cl->long_flows.group,
                                                 .dscp = cl->long_flows.dscp};
        for (int i = 0; i < cfg->n_vnis; i++)
            c->vnis[dp_conf_vni_slot(c, cfg->vnis[i].vni)].classify = cfg->vnis[i].classify;
    }
    *out = c;
    return 0;
bad:
    dp_conf_free(c);
    return rc;
}
