/* Underlay next hops resolved by ARP (see underlay_neigh.h). */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <time.h>

#include <rte_mbuf.h>
#include <rte_rcu_qsbr.h>
#include <rte_ring.h>

#include "bfd_manager.h"
#include "control.h"
#include "dp_conf.h"
#include "dp_worker.h"
#include "json_writer.h"
#include "log.h"
#include "neigh.h"
#include "underlay_neigh.h"

static struct neigh_table *nt;
static uint64_t tx_no_mbuf, tx_ring_full, pending_flips;

static uint64_t now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Make next hop nh of the running generation use mac (NULL: none). The
 * template copy workers do not use is rewritten and then made current;
 * when that copy may still be read (the last flip's grace period is not
 * over), the change waits for the next poll. Returns true when done. */
static bool nexthop_apply(uint16_t nh, const uint8_t *mac)
{
    struct dp_conf *c = g_dp.conf;
    struct dp_nexthop *n = &c->nexthops[nh];
    uint8_t spare = n->cur ^ 1;

    if (mac && n->has_mac && !memcmp(n->mac.addr_bytes, mac, 6))
        return true;
    if (!mac) {
        bfd_manager_lock();
        n->has_mac = false;
        bfd_manager_refresh_nexthop(nh);
        bfd_manager_unlock();
        return true;
    }
    if (n->tmpl_token && rte_rcu_qsbr_check(g_dp.qsv, n->tmpl_token, false) != 1)
        return false;
    n->tmpl[spare] = n->tmpl[n->cur];
    memcpy(n->tmpl[spare].hdr.eth.dst_addr.addr_bytes, mac, 6);
    __atomic_store_n(&n->cur, spare, __ATOMIC_RELEASE);
    n->tmpl_token = rte_rcu_qsbr_start(g_dp.qsv);
    bfd_manager_lock();
    memcpy(n->mac.addr_bytes, mac, 6);
    n->has_mac = true;
    bfd_manager_refresh_nexthop(nh);
    bfd_manager_unlock();
    return true;
}

static void on_neigh(void *arg, int id, enum neigh_event ev, const uint8_t *mac)
{
    struct neigh_info ni;
    struct dp_conf *c = g_dp.conf;
    int nh = -1;
    (void)arg;

    if (neigh_get(nt, id, now_ms(), &ni) != 0)
        return;
    for (uint16_t i = 0; i < c->n_nexthops; i++)
        if (c->nexthops[i].port == ni.port && c->nexthops[i].ip == ni.ip)
            nh = i;
    if (nh < 0 || c->nexthops[nh].mac_static)
        return;
    char ip[INET_ADDRSTRLEN];
    struct in_addr a = {.s_addr = ni.ip};
    inet_ntop(AF_INET, &a, ip, sizeof(ip));
    if (ev == NEIGH_EV_LOST)
        VLOG(NOTICE, "next hop %s (%s): MAC lost (ARP)", c->nexthops[nh].name, ip);
    else
        VLOG(NOTICE, "next hop %s (%s): %s %02x:%02x:%02x:%02x:%02x:%02x (ARP)",
             c->nexthops[nh].name, ip, ev == NEIGH_EV_RESOLVED ? "resolved to" : "moved to",
             mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
    if (!nexthop_apply((uint16_t)nh, ev == NEIGH_EV_LOST ? NULL : mac))
        pending_flips++;
}

int underlay_neigh_init(void)
{
    struct neigh_callbacks cb = {.changed = on_neigh};

    nt = neigh_create(NULL, &cb);
    if (!nt)
        return -ENOMEM;
    dp_conf_set_mac_source(underlay_neigh_mac);
    return 0;
}

void underlay_neigh_sync(const struct vtepd_config *cfg)
{
    uint64_t t = now_ms();

    /* forget the next hops the configuration no longer has */
    for (int id = 0; id < 256; id++) {
        struct neigh_info ni;
        bool keep = false;
        if (neigh_get(nt, id, t, &ni) != 0)
            continue;
        for (int i = 0; i < cfg->n_nexthops; i++)
            keep |= cfg->nexthops[i].port == ni.port && cfg->nexthops[i].ip == ni.ip;
        if (!keep)
            neigh_remove(nt, id);
    }
    for (int i = 0; i < cfg->n_nexthops; i++) {
        const struct cfg_nexthop *n = &cfg->nexthops[i];
        int id = neigh_find(nt, (uint16_t)n->port, n->ip);
        if (id < 0)
            neigh_add(nt, (uint16_t)n->port, n->ip, g_dp.ports[n->port].mac.addr_bytes,
                      g_dp.local_ip, n->has_mac ? n->mac : NULL, t);
        else
            neigh_set_static(nt, id, n->has_mac ? n->mac : NULL, t);
    }
}

int underlay_neigh_input(uint16_t port, const uint8_t *frame, uint32_t len)
{
    return neigh_input(nt, port, frame, len, now_ms()) == 1;
}

void underlay_neigh_poll(void)
{
    struct neigh_frame f[16];
    unsigned n;

    if (pending_flips) {
        /* changes that waited for a grace period: apply what ARP says now */
        struct dp_conf *c = g_dp.conf;
        pending_flips = 0;
        for (uint16_t i = 0; i < c->n_nexthops; i++) {
            uint8_t mac[6];
            if (c->nexthops[i].mac_static)
                continue;
            bool has = underlay_neigh_mac(c->nexthops[i].port, c->nexthops[i].ip, mac);
            if (!nexthop_apply(i, has ? mac : NULL))
                pending_flips++;
        }
    }
    n = neigh_poll(nt, now_ms(), f, 16);
    for (unsigned i = 0; i < n; i++) {
        struct rte_mbuf *m = rte_pktmbuf_alloc(g_dp.pool);
        void *d;

        if (!m || !(d = rte_pktmbuf_append(m, f[i].len))) {
            tx_no_mbuf++;
            if (m)
                rte_pktmbuf_free(m);
            continue;
        }
        memcpy(d, f[i].data, f[i].len);
        m->port = f[i].port;
        /* one port's requests through one worker */
        if (rte_ring_mp_enqueue(dp_ctrl_tx_ring(f[i].port), m) != 0) {
            tx_ring_full++;
            rte_pktmbuf_free(m);
        }
    }
}

bool underlay_neigh_mac(uint16_t port, uint32_t ip, uint8_t mac[6])
{
    struct neigh_info ni;
    int id = nt ? neigh_find(nt, port, ip) : -1;

    if (id < 0 || neigh_get(nt, id, now_ms(), &ni) != 0 || !ni.has_mac)
        return false;
    memcpy(mac, ni.mac, 6);
    return true;
}

void underlay_neigh_dump_json(struct json *j)
{
    const struct dp_conf *c = g_dp.conf;
    struct neigh_counters nc;
    uint64_t t = now_ms();
    char ip[INET_ADDRSTRLEN];

    json_obj(j, NULL);
    json_arr(j, "neighbors");
    for (uint16_t i = 0; i < c->n_nexthops; i++) {
        const struct dp_nexthop *n = &c->nexthops[i];
        struct in_addr a = {.s_addr = n->ip};
        struct neigh_info ni;
        int id = neigh_find(nt, n->port, n->ip);

        inet_ntop(AF_INET, &a, ip, sizeof(ip));
        json_obj(j, NULL);
        json_str(j, "nexthop", n->name);
        json_str(j, "port", g_dp.ports[n->port].name);
        json_str(j, "ip", ip);
        if (n->has_mac)
            json_strf(j, "mac", "%02x:%02x:%02x:%02x:%02x:%02x", n->mac.addr_bytes[0],
                      n->mac.addr_bytes[1], n->mac.addr_bytes[2], n->mac.addr_bytes[3],
                      n->mac.addr_bytes[4], n->mac.addr_bytes[5]);
        else
            json_null(j, "mac");
        if (id >= 0 && neigh_get(nt, id, t, &ni) == 0) {
            json_str(j, "state", neigh_state_name(ni.state));
            if (ni.confirmed_age_ms != UINT64_MAX)
                json_u64(j, "confirmed_age_ms", ni.confirmed_age_ms);
            else
                json_null(j, "confirmed_age_ms");
            json_u64(j, "requests_sent", ni.requests_sent);
            json_u64(j, "confirmations", ni.confirmations);
        }
        json_close(j);
    }
    json_close(j);
    neigh_get_counters(nt, &nc);
    json_obj(j, "counters");
    json_u64(j, "broadcast_requests", nc.bcast_sent);
    json_u64(j, "unicast_requests", nc.ucast_sent);
    json_u64(j, "arp_in", nc.arp_in);
    json_u64(j, "from_nexthops", nc.matched);
    json_u64(j, "confirmations", nc.confirmations);
    json_u64(j, "resolved", nc.resolved);
    json_u64(j, "changed", nc.changed);
    json_u64(j, "lost", nc.lost);
    json_u64(j, "static_mismatch", nc.static_mismatch);
    json_u64(j, "invalid", nc.invalid);
    json_u64(j, "tx_no_mbuf", tx_no_mbuf);
    json_u64(j, "tx_ring_full", tx_ring_full);
    json_close(j);
    json_close(j);
}
