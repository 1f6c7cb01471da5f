/* ARP suppression wired to the daemon: see arp_proxy.h. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <rte_ether.h>
#include <rte_ring.h>

#include "arp_proxy.h"
#include "arp_suppress.h"
#include "control.h"
#include "dp_worker.h"
#include "json_writer.h"
#include "kernel_mirror.h"
#include "log.h"

static struct arps_table *tbl;
static uint64_t last_expire;

/* frames the proxy could not hand on (ring full), by verdict */
static uint64_t answer_tx_full, flood_tx_full, stale_attach;

static uint64_t mono_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void local_changed(void *arg, uint32_t vni, uint32_t ip, const uint8_t *mac)
{
    (void)arg;
    kernel_mirror_ip(vni, ip, mac, mac != NULL);
}

int arp_proxy_init(void)
{
    struct arps_callbacks cb = { .local_changed = local_changed, .arg = NULL };

    tbl = arps_create(NULL, &cb);
    return tbl ? 0 : -ENOMEM;
}

void arp_proxy_fini(void)
{
    arps_destroy(tbl);
    tbl = NULL;
}

static void to_ctrl_tx(struct rte_mbuf *m, unsigned worker, uint64_t *full)
{
    if (rte_ring_mp_enqueue(dp_ctrl_tx_ring(worker), m) != 0) {
        (*full)++;
        g_ctl.ctrl_tx_full++;
        rte_pktmbuf_free(m);
    }
}

void arp_proxy_punt(struct rte_mbuf *m, unsigned worker)
{
    const struct dp_conf *c = g_dp.conf;
    uint32_t a = m->hash.usr & ~DP_PUNT_SNOOP;
    bool snoop_only = (m->hash.usr & DP_PUNT_SNOOP) != 0;
    uint8_t *d = rte_pktmbuf_mtod(m, uint8_t *);
    uint32_t len = rte_pktmbuf_data_len(m), reply_len = 0;
    const struct dp_attach *at;

    /* the attachment may be gone (a reload since the worker punted) */
    if (a >= DP_MAX_ATTACH || c->attach[a].vni_idx >= DP_MAX_VNIS ||
        c->vnis[c->attach[a].vni_idx].vni == 0 || m->nb_segs != 1 || !tbl) {
        stale_attach++;
        rte_pktmbuf_free(m);
        return;
    }
    at = &c->attach[a];
    uint32_t vni = c->vnis[at->vni_idx].vni;
    if (snoop_only) {
        (void)arps_snoop(tbl, vni, d, len, mono_ms());
        rte_pktmbuf_free(m);
        return;
    }
    switch (arps_handle(tbl, vni, d, len, mono_ms(), &reply_len)) {
    case ARPS_ANSWER:
        rte_pktmbuf_trim(m, (uint16_t)(len - reply_len));
        if (reply_len < RTE_ETHER_MIN_LEN - RTE_ETHER_CRC_LEN) {
            uint16_t pad = (uint16_t)(RTE_ETHER_MIN_LEN - RTE_ETHER_CRC_LEN - reply_len);
            uint8_t *p = (uint8_t *)rte_pktmbuf_append(m, pad);
            if (!p) {
                rte_pktmbuf_free(m);
                return;
            }
            memset(p, 0, pad);
        }
        if (at->vlan) {
            /* the worker took the tag off; the asker expects it back */
            m->vlan_tci = at->vlan;
            if (rte_vlan_insert(&m) != 0) {
                rte_pktmbuf_free(m);
                return;
            }
        }
        m->port = at->port;
        to_ctrl_tx(m, worker, &answer_tx_full);
        return;
    case ARPS_FLOOD:
        m->port = DP_PORT_REINJECT;
        m->hash.usr = a;
        to_ctrl_tx(m, worker, &flood_tx_full);
        return;
    case ARPS_DROP:
    default:
        g_ctl.drops[DROP_ARP_BAD]++;
        rte_pktmbuf_free(m);
        return;
    }
}

void arp_proxy_remote(void *ctx, uint32_t vni, uint32_t ip, const uint8_t mac[6], uint32_t vtep,
                      uint32_t seq)
{
    (void)ctx;
    if (!tbl)
        return;
    if (vtep == 0) {
        (void)arps_remote_del(tbl, vni, ip, mono_ms());
        return;
    }
    int rc = arps_remote_set(tbl, vni, ip, mac, vtep, seq, mono_ms());
    if (rc == -ENOSPC)
        VLOG_RL(WARNING, "ARP suppression table full: MAC/IP route for VNI %u not used", vni);
}

static bool configured(const struct vtepd_config *cfg, uint32_t vni)
{
    for (int i = 0; i < cfg->n_vnis; i++)
        if (cfg->vnis[i].vni == vni && cfg->vnis[i].arp_suppress)
            return true;
    return false;
}

struct gone {
    uint32_t vni[64];
    unsigned n;
    const struct vtepd_config *cfg;
};

static void collect_gone(void *arg, const struct arps_binding *b)
{
    struct gone *g = arg;

    if (configured(g->cfg, b->vni))
        return;
    for (unsigned i = 0; i < g->n; i++)
        if (g->vni[i] == b->vni)
            return;
    if (g->n < 64)
        g->vni[g->n++] = b->vni;
}

void arp_proxy_sync(const struct vtepd_config *cfg)
{
    struct gone g = { .n = 0, .cfg = cfg };

    if (!tbl)
        return;
    /* a VNI removed (or its suppression turned off) takes its bindings
     * along; the remote ones come back if it is configured again (the
     * RIB reports its MAC/IP routes again on reresolve) */
    do {
        g.n = 0;
        arps_walk(tbl, 0, mono_ms(), collect_gone, &g);
        for (unsigned i = 0; i < g.n; i++) {
            unsigned n = arps_forget_vni(tbl, g.vni[i]);
            VLOG(INFO, "ARP suppression: %u binding(s) of VNI %u dropped", n, g.vni[i]);
        }
    } while (g.n == 64);
}

void arp_proxy_poll(uint64_t now_ms)
{
    /* a 1/100 of the table every 10 ms: a full pass a second */
    if (!tbl || now_ms - last_expire < 10)
        return;
    last_expire = now_ms;
    arps_expire(tbl, now_ms, arps_count(tbl) / 100 + 16);
}

static void mac_str(const uint8_t m[6], char *out, size_t n)
{
    snprintf(out, n, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
}

static void dump_one(void *arg, const struct arps_binding *b)
{
    struct json *j = arg;
    char ip[INET_ADDRSTRLEN], mac[18];

    json_obj(j, NULL);
    json_u64(j, "vni", b->vni);
    inet_ntop(AF_INET, &b->ip, ip, sizeof(ip));
    json_str(j, "ip", ip);
    if (b->usable) {
        mac_str(b->answer_mac, mac, sizeof(mac));
        json_str(j, "answer_mac", mac);
    } else {
        json_null(j, "answer_mac");
    }
    if (b->has_local) {
        json_obj(j, "local");
        mac_str(b->local_mac, mac, sizeof(mac));
        json_str(j, "mac", mac);
        json_u64(j, "age_ms", b->local_age_ms);
        json_close(j);
    }
    if (b->has_remote) {
        json_obj(j, "remote");
        mac_str(b->remote_mac, mac, sizeof(mac));
        json_str(j, "mac", mac);
        inet_ntop(AF_INET, &b->remote_vtep, ip, sizeof(ip));
        json_str(j, "vtep", ip);
        json_u64(j, "seq", b->remote_seq);
        json_u64(j, "age_ms", b->remote_age_ms);
        json_close(j);
    }
    json_bool(j, "conflict", b->conflict);
    json_bool(j, "in_hold", b->in_hold);
    json_close(j);
}

void arp_proxy_counters(struct arps_counters *out, uint32_t *bindings)
{
    memset(out, 0, sizeof(*out));
    *bindings = 0;
    if (!tbl)
        return;
    arps_get_counters(tbl, out);
    *bindings = arps_count(tbl);
}

void arp_proxy_counters_json(struct json *j, const char *key)
{
    struct arps_counters k;
    uint32_t n;

    arp_proxy_counters(&k, &n);
    json_obj(j, key);
    json_u64(j, "bindings", n);
    json_u64(j, "requests", k.requests);
    json_u64(j, "answered", k.answered);
    json_u64(j, "flooded", k.flooded);
    json_u64(j, "flood_unknown", k.flood_unknown);
    json_u64(j, "flood_conflict", k.flood_conflict);
    json_u64(j, "flood_own_ip", k.flood_own_ip);
    json_u64(j, "gratuitous", k.gratuitous);
    json_u64(j, "probes", k.probes);
    json_u64(j, "replies", k.replies);
    json_u64(j, "malformed", k.dropped);
    json_u64(j, "conflicts", k.conflicts);
    json_u64(j, "snooped", k.snooped);
    json_u64(j, "aged", k.aged);
    json_u64(j, "table_full", k.table_full);
    json_u64(j, "answer_tx_full", answer_tx_full);
    json_u64(j, "flood_tx_full", flood_tx_full);
    json_u64(j, "stale_attachment", stale_attach);
    json_close(j);
}

void arp_proxy_dump_json(struct json *j, uint32_t vni)
{
    json_obj(j, NULL);
    arp_proxy_counters_json(j, "counters");
    json_arr(j, "bindings");
    if (tbl)
        arps_walk(tbl, vni, mono_ms(), dump_one, j);
    json_close(j);
    json_close(j);
}
