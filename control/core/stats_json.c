/* Stats as JSON: every counter (per port, per VNI, per drop reason), the
 * control thread's own counters, the MAC table, ECMP groups, mempool use,
 * run time (the stats JSON file and "show stats"). */
#include <arpa/inet.h>
#include <stdio.h>

#include <rte_cycles.h>
#include <rte_mempool.h>

#include "arp_proxy.h"
#include "bfd_manager.h"
#include "cli_server.h"
#include "control.h"
#include "dp_worker.h"
#include "evpn_program.h"
#include "feed_server.h"
#include "json_writer.h"
#include "mac_table.h"
#include "nexthop_live.h"
#include "rcu_free.h"
#include "stats_sum.h"

const char *mac_kind_name(enum mac_kind k)
{
    switch (k) {
    case MAC_LOCAL: return "local";
    case MAC_LOCAL_STATIC: return "static-local";
    case MAC_REMOTE: return "remote";
    case MAC_REMOTE_STATIC: return "static-remote";
    default: return "none";
    }
}

static void ip_str(uint32_t be, char *buf)
{
    struct in_addr a = {.s_addr = be};
    inet_ntop(AF_INET, &a, buf, INET_ADDRSTRLEN);
}

static void write_ports(struct json *j, const struct dp_totals *t)
{
    json_obj(j, "ports");
    for (uint16_t p = 0; p < g_dp.n_ports; p++) {
        const struct port_stats *s = &t->port[p];
        json_obj(j, g_dp.ports[p].name);
        json_str(j, "role", dp_port_role_name(g_dp.ports[p].role));
        json_u64(j, "rx_packets", s->rx_packets);
        json_u64(j, "rx_bytes", s->rx_bytes);
        json_u64(j, "tx_packets", s->tx_packets);
        json_u64(j, "tx_bytes", s->tx_bytes);
        json_u64(j, "tx_dropped", s->tx_dropped);
        json_close(j);
    }
    json_close(j);
}

static void write_vnis(struct json *j)
{
    const struct dp_conf *c = g_dp.conf;
    char key[16], ip[INET_ADDRSTRLEN];

    json_obj(j, "vnis");
    for (uint32_t v = 0; v < DP_MAX_VNIS; v++) {
        const struct dp_flood *fl = g_dp.flood[v];
        struct vni_stats s;

        if (!c->vnis[v].vni)
            continue;
        stats_sum_vni(v, &s);
        snprintf(key, sizeof(key), "%u", c->vnis[v].vni);
        json_obj(j, key);
        json_u64(j, "encap_packets", s.encap_packets);
        json_u64(j, "encap_bytes", s.encap_bytes);
        json_u64(j, "decap_packets", s.decap_packets);
        json_u64(j, "decap_bytes", s.decap_bytes);
        json_u64(j, "flood_packets", s.flood_packets);
        json_u64(j, "flood_copies", s.flood_copies);
        json_u64(j, "local_switched", s.local_switched);
        if (c->cls && c->vnis[v].classify) {
            json_u64(j, "classified_short_packets", s.cls_packets[0]);
            json_u64(j, "classified_long_packets", s.cls_packets[1]);
        }
        json_u64(j, "mac_count", mac_table_count(g_dp.macs, v));
        json_u64(j, "mac_learned", mac_table_learned(g_dp.macs, v));
        json_u64(j, "mac_limit_refused", g_ctl.vni_learn_limit[v]);
        json_arr(j, "flood_list");
        for (uint32_t i = 0; fl && i < fl->n; i++) {
            ip_str(fl->vtep[i], ip);
            json_str(j, NULL, ip);
        }
        json_close(j);
        json_close(j);
    }
    json_close(j);
}

static void write_drops(struct json *j, const struct dp_totals *t)
{
    json_obj(j, "drops");
    for (int r = 0; r < DROP_NUM; r++)
        json_u64(j, drop_reason_name((enum drop_reason)r), t->drops[r]);
    json_close(j);
    json_obj(j, "events");
    json_u64(j, "learn_events", t->ev.learn_events);
    json_u64(j, "learn_ring_full", t->ev.learn_ring_full);
    json_u64(j, "learn_new", g_ctl.learn_new);
    json_u64(j, "learn_refreshed", g_ctl.learn_refreshed);
    json_u64(j, "learn_moved", g_ctl.learn_moved);
    json_u64(j, "learn_limit", g_ctl.learn_limit);
    json_u64(j, "learn_static", g_ctl.learn_static);
    json_u64(j, "learn_table_full", g_ctl.learn_full);
    json_u64(j, "learn_stale", g_ctl.learn_stale);
    json_u64(j, "mac_aged", g_ctl.aged);
    json_u64(j, "punted", t->ev.punted);
    json_u64(j, "punted_bfd", t->ev.punted_bfd);
    json_u64(j, "punt_unhandled", g_ctl.punt_other);
    json_u64(j, "arp_replies", g_ctl.arp_replies);
    json_u64(j, "arp_ignored", g_ctl.arp_ignored);
    json_u64(j, "ctrl_tx", t->ev.ctrl_tx);
    json_u64(j, "ctrl_tx_full", g_ctl.ctrl_tx_full);
    json_u64(j, "to_kernel", t->ev.to_kernel);
    json_u64(j, "from_kernel", t->ev.from_kernel);
    json_u64(j, "arp_to_kernel", g_ctl.arp_to_kernel);
    json_close(j);
    arp_proxy_counters_json(j, "arp_suppress");
}

void stats_json_macs(struct json *j)
{
    const struct dp_conf *c = g_dp.conf;
    struct mac_key k;
    uint64_t v, seen;
    uint32_t it = 0;

    json_arr(j, "macs");
    while (mac_table_next(g_dp.macs, &it, &k, &v, &seen) == 0) {
        enum mac_kind kind = mac_val_kind(v);
        json_obj(j, NULL);
        json_u64(j, "vni", k.vni_idx < DP_MAX_VNIS ? c->vnis[k.vni_idx].vni : 0);
        json_strf(j, "mac", "%02x:%02x:%02x:%02x:%02x:%02x", k.mac[0], k.mac[1], k.mac[2],
                  k.mac[3], k.mac[4], k.mac[5]);
        json_str(j, "type", mac_kind_name(kind));
        if (mac_kind_is_local(kind)) {
            uint16_t a = mac_val_attach(v);
            if (a < DP_MAX_ATTACH && c->attach[a].vni_idx != DP_NO_VNI) {
                json_str(j, "port", g_dp.ports[c->attach[a].port].name);
                json_u64(j, "vlan", c->attach[a].vlan);
            }
        } else {
            char ip[INET_ADDRSTRLEN];
            ip_str(mac_val_vtep(v), ip);
            json_str(j, "vtep", ip);
        }
        json_close(j);
    }
    json_close(j);
}

static void write_groups(struct json *j)
{
    const struct dp_conf *c = g_dp.conf;

    /* the BFD thread moves buckets: read them under its lock */
    bfd_manager_lock();
    json_u64(j, "config_generation", c->gen);
    json_arr(j, "ecmp_groups");
    for (uint16_t g = 0; g < c->n_groups; g++) {
        const struct dp_group *grp = &c->groups[g];
        json_obj(j, NULL);
        json_str(j, "name", grp->name);
        json_arr(j, "members");
        for (uint16_t m = 0; m < grp->ecmp.n_members; m++) {
            json_obj(j, NULL);
            json_str(j, "nexthop", c->nexthops[grp->member_nh[m]].name);
            json_bool(j, "live", (grp->ecmp.live >> m) & 1);
            json_u64(j, "buckets", ecmp_buckets_of(&grp->ecmp, m));
            json_close(j);
        }
        json_close(j);
        json_close(j);
    }
    json_close(j);
    bfd_manager_unlock();
}

/* Residence times as a member "residence": count, mean, p50, p90, p99,
 * p99.9 and max, in microseconds. */
void residence_json(struct json *j, const struct residence_hist *h)
{
    double us = 1e6 / (double)rte_get_tsc_hz();
    struct residence_hist snap = *h;    /* the worker keeps counting */

    json_obj(j, "residence");
    json_u64(j, "count", snap.count);
    json_dbl(j, "mean_us", snap.count ? (double)snap.sum / (double)snap.count * us : 0.0, 3);
    json_dbl(j, "p50_us", (double)res_quantile(&snap, 0.50) * us, 3);
    json_dbl(j, "p90_us", (double)res_quantile(&snap, 0.90) * us, 3);
    json_dbl(j, "p99_us", (double)res_quantile(&snap, 0.99) * us, 3);
    json_dbl(j, "p999_us", (double)res_quantile(&snap, 0.999) * us, 3);
    json_dbl(j, "max_us", (double)snap.max * us, 3);
    json_close(j);
}

void stats_json_write(FILE *f, double uptime_s)
{
    uint64_t hz = rte_get_tsc_hz();
    unsigned size, avail;
    const struct cli_counters *cc = cli_server_counters();
    struct dp_totals t;
    struct json j;

    dp_pools_count(&size, &avail);
    stats_sum(&t);
    json_begin(&j, f);
    json_obj(&j, NULL);
    write_ports(&j, &t);
    write_vnis(&j);
    write_drops(&j, &t);
    stats_json_macs(&j);
    write_groups(&j);
    json_arr(&j, "workers");
    for (unsigned i = 0; i < g_dp.n_workers; i++) {
        const struct worker_stats *s = &g_dp.workers[i]->st;
        json_obj(&j, NULL);
        json_u64(&j, "lcore", g_dp.workers[i]->lcore);
        json_u64(&j, "packets", s->packets);
        json_u64(&j, "busy_cycles", s->busy_cycles);
        json_dbl(&j, "cycles_per_packet",
                 s->packets ? (double)s->busy_cycles / (double)s->packets : 0.0, 1);
        /* what this worker did: learning, punts (ARP/BFD), control TX */
        json_u64(&j, "learn_events", __atomic_load_n(&s->ev.learn_events, __ATOMIC_RELAXED));
        json_u64(&j, "punted", __atomic_load_n(&s->ev.punted, __ATOMIC_RELAXED));
        json_u64(&j, "punted_bfd", __atomic_load_n(&s->ev.punted_bfd, __ATOMIC_RELAXED));
        json_u64(&j, "ctrl_tx", __atomic_load_n(&s->ev.ctrl_tx, __ATOMIC_RELAXED));
        json_obj(&j, "ports");
        for (uint16_t p = 0; p < g_dp.n_ports; p++) {
            json_obj(&j, g_dp.ports[p].name);
            json_u64(&j, "rx_packets", __atomic_load_n(&s->port[p].rx_packets, __ATOMIC_RELAXED));
            json_u64(&j, "tx_packets", __atomic_load_n(&s->port[p].tx_packets, __ATOMIC_RELAXED));
            json_close(&j);
        }
        json_close(&j);
        if (g_dp.conf->residence || s->residence.count)
            residence_json(&j, &s->residence);
        json_close(&j);
    }
    json_close(&j);
    json_obj(&j, "mempool");
    json_u64(&j, "size", size);
    json_u64(&j, "available", avail);
    json_u64(&j, "in_use", size - avail);
    json_close(&j);
    json_obj(&j, "cli");
    json_u64(&j, "accepted", cc->accepted);
    json_u64(&j, "answered", cc->answered);
    json_u64(&j, "timeouts", cc->timeouts);
    json_u64(&j, "client_gone", cc->client_gone);
    json_u64(&j, "evicted", cc->evicted);
    json_u64(&j, "refused", cc->refused);
    json_u64(&j, "commands", cc->commands);
    json_u64(&j, "unknown", cc->unknown);
    json_close(&j);
    json_u64(&j, "rcu_free_pending", rcu_free_pending());
    if (g_rib) {
        json_obj(&j, "evpn_program");
        json_u64(&j, "mac_set", g_evpn_prog.mac_set);
        json_u64(&j, "mac_del", g_evpn_prog.mac_del);
        json_u64(&j, "mac_static_kept", g_evpn_prog.mac_static_kept);
        json_u64(&j, "mac_local_kept", g_evpn_prog.mac_local_kept);
        json_u64(&j, "mac_table_full", g_evpn_prog.mac_table_full);
        json_u64(&j, "flood_swaps", g_evpn_prog.flood_swaps);
        json_u64(&j, "flood_no_memory", g_evpn_prog.flood_no_memory);
        json_u64(&j, "unknown_vni", g_evpn_prog.unknown_vni);
        json_close(&j);
        json_key(&j, "evpn");
        feed_server_dump_json(&j, true);
    }
    json_key(&j, "bfd");
    bfd_manager_dump_json(&j);
    json_u64(&j, "tsc_hz", hz);
    json_dbl(&j, "forwarding_seconds",
             t.first_rx_tsc && t.last_rx_tsc > t.first_rx_tsc ?
                 (double)(t.last_rx_tsc - t.first_rx_tsc) / (double)hz : 0.0, 6);
    json_dbl(&j, "uptime_seconds", uptime_s, 3);
    json_end(&j);
}

void stats_summary(FILE *f)
{
    const struct dp_conf *c = g_dp.conf;
    struct dp_totals t;

    stats_sum(&t);
    for (uint16_t p = 0; p < g_dp.n_ports; p++)
        fprintf(f, "port %-8s rx %llu tx %llu tx_dropped %llu\n", g_dp.ports[p].name,
                (unsigned long long)t.port[p].rx_packets,
                (unsigned long long)t.port[p].tx_packets,
                (unsigned long long)t.port[p].tx_dropped);
    for (uint32_t v = 0; c && v < DP_MAX_VNIS; v++) {
        struct vni_stats s;
        if (!c->vnis[v].vni)
            continue;
        stats_sum_vni(v, &s);
        fprintf(f, "vni %-8u encap %llu decap %llu flooded %llu switched %llu\n",
                c->vnis[v].vni, (unsigned long long)s.encap_packets,
                (unsigned long long)s.decap_packets, (unsigned long long)s.flood_packets,
                (unsigned long long)s.local_switched);
    }
    for (int r = 0; r < DROP_NUM; r++)
        if (t.drops[r])
            fprintf(f, "drop %-22s %llu\n", drop_reason_name((enum drop_reason)r),
                    (unsigned long long)t.drops[r]);
    if (g_ctl.arp_replies)
        fprintf(f, "arp replies %llu\n", (unsigned long long)g_ctl.arp_replies);
}
