/* Stats as JSON: every counter (per port, per VNI, per drop reason), the
 * control thread's own counters, the MAC table, mempool use, run time. */
#include <arpa/inet.h>
#include <inttypes.h>
#include <stdio.h>

#include <rte_cycles.h>
#include <rte_mempool.h>

#include "bfd_manager.h"
#include "cli_server.h"
#include "control.h"
#include "evpn_program.h"
#include "feed_server.h"
#include "dp.h"
#include "mac_table.h"
#include "rcu_free.h"

static const char *kind_name(enum mac_kind k)
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

#define U64(x) ((unsigned long long)(x))

static void write_ports(FILE *f)
{
    fprintf(f, "  \"ports\": {");
    for (uint16_t p = 0; p < g_dp.n_ports; p++) {
        struct port_stats s = {0};
        for (unsigned i = 0; i < g_dp.n_workers; i++) {
            const struct port_stats *w = &g_dp.workers[i]->st.port[p];
            s.rx_packets += w->rx_packets;
            s.rx_bytes += w->rx_bytes;
            s.tx_packets += w->tx_packets;
            s.tx_bytes += w->tx_bytes;
            s.tx_dropped += w->tx_dropped;
        }
        fprintf(f, "%s\n    \"%s\": {\"role\": \"%s\", \"rx_packets\": %llu, \"rx_bytes\": %llu, "
                "\"tx_packets\": %llu, \"tx_bytes\": %llu, \"tx_dropped\": %llu}",
                p ? "," : "", g_dp.ports[p].name,
                g_dp.ports[p].role == PORT_ROLE_ACCESS ? "access" : "underlay",
                U64(s.rx_packets), U64(s.rx_bytes), U64(s.tx_packets), U64(s.tx_bytes),
                U64(s.tx_dropped));
    }
    fprintf(f, "\n  },\n");
}

static void write_vnis(FILE *f)
{
    fprintf(f, "  \"vnis\": {");
    for (uint32_t v = 0; v < g_dp.n_vnis; v++) {
        struct vni_stats s = {0};
        const struct dp_flood *fl = g_dp.vnis[v].flood;
        for (unsigned i = 0; i < g_dp.n_workers; i++) {
            const struct vni_stats *w = &g_dp.workers[i]->st.vni[v];
            s.encap_packets += w->encap_packets;
            s.encap_bytes += w->encap_bytes;
            s.decap_packets += w->decap_packets;
            s.decap_bytes += w->decap_bytes;
            s.flood_packets += w->flood_packets;
            s.flood_copies += w->flood_copies;
            s.local_switched += w->local_switched;
        }
        fprintf(f, "%s\n    \"%u\": {\"encap_packets\": %llu, \"encap_bytes\": %llu, "
                "\"decap_packets\": %llu, \"decap_bytes\": %llu, \"flood_packets\": %llu, "
                "\"flood_copies\": %llu, \"local_switched\": %llu, \"mac_count\": %u, "
                "\"mac_learned\": %u, \"mac_limit_refused\": %llu, \"flood_list\": [",
                v ? "," : "", g_dp.vnis[v].vni, U64(s.encap_packets), U64(s.encap_bytes),
                U64(s.decap_packets), U64(s.decap_bytes), U64(s.flood_packets),
                U64(s.flood_copies), U64(s.local_switched), mac_table_count(g_dp.macs, v),
                mac_table_learned(g_dp.macs, v), U64(g_ctl.vni_learn_limit[v]));
        for (uint32_t i = 0; fl && i < fl->n; i++) {
            char ip[INET_ADDRSTRLEN];
            ip_str(fl->vtep[i], ip);
            fprintf(f, "%s\"%s\"", i ? ", " : "", ip);
        }
        fprintf(f, "]}");
    }
    fprintf(f, "\n  },\n");
}

static void write_drops(FILE *f)
{
    uint64_t learn_events = 0, learn_full = 0, punted = 0, ctrl_tx = 0;

    fprintf(f, "  \"drops\": {");
    for (int r = 0; r < DROP_NUM; r++) {
        uint64_t n = 0;
        for (unsigned i = 0; i < g_dp.n_workers; i++)
            n += g_dp.workers[i]->st.drops[r];
        if (r == DROP_ARP_NOT_FOR_US)
            n += g_ctl.arp_not_for_us;
        if (r == DROP_ARP_BAD)
            n += g_ctl.arp_bad;
        fprintf(f, "%s\n    \"%s\": %llu", r ? "," : "", drop_reason_name((enum drop_reason)r),
                U64(n));
    }
    fprintf(f, "\n  },\n");
    for (unsigned i = 0; i < g_dp.n_workers; i++) {
        learn_events += g_dp.workers[i]->st.ev.learn_events;
        learn_full += g_dp.workers[i]->st.ev.learn_ring_full;
        punted += g_dp.workers[i]->st.ev.punted;
        ctrl_tx += g_dp.workers[i]->st.ev.ctrl_tx;
    }
    fprintf(f, "  \"events\": {\"learn_events\": %llu, \"learn_ring_full\": %llu, "
            "\"learn_new\": %llu, \"learn_refreshed\": %llu, \"learn_moved\": %llu, "
            "\"learn_limit\": %llu, \"learn_static\": %llu, \"learn_table_full\": %llu, "
            "\"mac_aged\": %llu, \"punted\": %llu, \"punt_unhandled\": %llu, "
            "\"arp_replies\": %llu, \"arp_ignored\": %llu, \"ctrl_tx\": %llu, "
            "\"ctrl_tx_full\": %llu},\n",
            U64(learn_events), U64(learn_full), U64(g_ctl.learn_new), U64(g_ctl.learn_refreshed),
            U64(g_ctl.learn_moved), U64(g_ctl.learn_limit), U64(g_ctl.learn_static),
            U64(g_ctl.learn_full), U64(g_ctl.aged), U64(punted), U64(g_ctl.punt_other),
            U64(g_ctl.arp_replies), U64(g_ctl.arp_ignored), U64(ctrl_tx), U64(g_ctl.ctrl_tx_full));
}

void stats_json_macs(FILE *f)
{
    struct mac_key k;
    uint64_t v, seen;
    uint32_t it = 0;
    int first = 1;

    fprintf(f, "  \"macs\": [");
    while (mac_table_next(g_dp.macs, &it, &k, &v, &seen) == 0) {
        enum mac_kind kind = mac_val_kind(v);
        fprintf(f, "%s\n    {\"vni\": %u, \"mac\": \"%02x:%02x:%02x:%02x:%02x:%02x\", "
                "\"type\": \"%s\"", first ? "" : ",",
                k.vni_idx < g_dp.n_vnis ? g_dp.vnis[k.vni_idx].vni : 0,
                k.mac[0], k.mac[1], k.mac[2], k.mac[3], k.mac[4], k.mac[5], kind_name(kind));
        if (mac_kind_is_local(kind)) {
            uint16_t a = mac_val_attach(v);
            if (a < g_dp.n_attach)
                fprintf(f, ", \"port\": \"%s\", \"vlan\": %u",
                        g_dp.ports[g_dp.attach[a].port].name, g_dp.attach[a].vlan);
        } else {
            char ip[INET_ADDRSTRLEN];
            ip_str(mac_val_vtep(v), ip);
            fprintf(f, ", \"vtep\": \"%s\"", ip);
        }
        fprintf(f, "}");
        first = 0;
    }
    fprintf(f, "\n  ],\n");
}

void stats_json_write(FILE *f, double uptime_s)
{
    uint64_t hz = rte_get_tsc_hz(), first = 0, last = 0;
    unsigned size = g_dp.pool ? g_dp.pool->size : 0;
    unsigned avail = g_dp.pool ? rte_mempool_avail_count(g_dp.pool) : 0;

    fprintf(f, "{\n");
    write_ports(f);
    write_vnis(f);
    write_drops(f);
    stats_json_macs(f);
    fprintf(f, "  \"ecmp_groups\": [");
    for (uint16_t g = 0; g < g_dp.n_groups; g++) {
        const struct dp_group *grp = &g_dp.groups[g];
        fprintf(f, "%s\n    {\"name\": \"%s\", \"members\": [", g ? "," : "", grp->name);
        for (uint16_t m = 0; m < grp->ecmp.n_members; m++)
            fprintf(f, "%s{\"nexthop\": \"%s\", \"live\": %s, \"buckets\": %u}", m ? ", " : "",
                    g_dp.nexthops[grp->member_nh[m]].name,
                    (grp->ecmp.live >> m) & 1 ? "true" : "false", ecmp_buckets_of(&grp->ecmp, m));
        fprintf(f, "]}");
    }
    fprintf(f, "\n  ],\n");
    fprintf(f, "  \"workers\": [");
    for (unsigned i = 0; i < g_dp.n_workers; i++) {
        const struct worker_stats *s = &g_dp.workers[i]->st;
        if (s->first_rx_tsc && (!first || s->first_rx_tsc < first))
            first = s->first_rx_tsc;
        if (s->last_rx_tsc > last)
            last = s->last_rx_tsc;
        fprintf(f, "%s\n    {\"lcore\": %u, \"packets\": %llu, \"busy_cycles\": %llu, "
                "\"cycles_per_packet\": %.1f}", i ? "," : "", g_dp.workers[i]->lcore,
                U64(s->packets), U64(s->busy_cycles),
                s->packets ? (double)s->busy_cycles / (double)s->packets : 0.0);
    }
    fprintf(f, "\n  ],\n");
    fprintf(f, "  \"mempool\": {\"size\": %u, \"available\": %u, \"in_use\": %u},\n",
            size, avail, size - avail);
    if (g_rib) {
        fprintf(f, "  \"evpn_program\": {\"mac_set\": %llu, \"mac_del\": %llu, "
                "\"mac_static_kept\": %llu, \"mac_local_kept\": %llu, \"mac_table_full\": %llu, "
                "\"flood_swaps\": %llu, \"unknown_vni\": %llu},\n",
                U64(g_evpn_prog.mac_set), U64(g_evpn_prog.mac_del),
                U64(g_evpn_prog.mac_static_kept), U64(g_evpn_prog.mac_local_kept),
                U64(g_evpn_prog.mac_table_full), U64(g_evpn_prog.flood_swaps),
                U64(g_evpn_prog.unknown_vni));
        fprintf(f, "  \"evpn\": ");
        feed_server_dump_json(f, true);
        fprintf(f, "  ,\n");
    }
    fprintf(f, "  \"cli\": {\"accepted\": %llu, \"answered\": %llu, \"timeouts\": %llu, "
            "\"client_gone\": %llu, \"evicted\": %llu, \"refused\": %llu, \"commands\": %llu, "
            "\"unknown\": %llu},\n", U64(cli_server_counters()->accepted),
            U64(cli_server_counters()->answered), U64(cli_server_counters()->timeouts),
            U64(cli_server_counters()->client_gone), U64(cli_server_counters()->evicted),
            U64(cli_server_counters()->refused), U64(cli_server_counters()->commands),
            U64(cli_server_counters()->unknown));
    fprintf(f, "  \"rcu_free_pending\": %llu,\n", U64(rcu_free_pending()));
    if (bfd_manager_active()) {
        fprintf(f, "  \"bfd\": ");
        bfd_manager_dump_json(f);
        fprintf(f, "  ,\n");
    }
    fprintf(f, "  \"tsc_hz\": %llu,\n", U64(hz));
    fprintf(f, "  \"forwarding_seconds\": %.6f,\n",
            first && last > first ? (double)(last - first) / (double)hz : 0.0);
    fprintf(f, "  \"uptime_seconds\": %.3f\n}\n", uptime_s);
}

void stats_summary(FILE *f)
{
    for (uint16_t p = 0; p < g_dp.n_ports; p++) {
        uint64_t rx = 0, tx = 0, txd = 0;
        for (unsigned i = 0; i < g_dp.n_workers; i++) {
            rx += g_dp.workers[i]->st.port[p].rx_packets;
            tx += g_dp.workers[i]->st.port[p].tx_packets;
            txd += g_dp.workers[i]->st.port[p].tx_dropped;
        }
        fprintf(f, "port %-8s rx %llu tx %llu tx_dropped %llu\n", g_dp.ports[p].name, U64(rx),
                U64(tx), U64(txd));
    }
    for (uint32_t v = 0; v < g_dp.n_vnis; v++) {
        uint64_t e = 0, d = 0, fl = 0, sw = 0;
        for (unsigned i = 0; i < g_dp.n_workers; i++) {
            e += g_dp.workers[i]->st.vni[v].encap_packets;
            d += g_dp.workers[i]->st.vni[v].decap_packets;
            fl += g_dp.workers[i]->st.vni[v].flood_packets;
            sw += g_dp.workers[i]->st.vni[v].local_switched;
        }
        fprintf(f, "vni %-8u encap %llu decap %llu flooded %llu switched %llu\n",
                g_dp.vnis[v].vni, U64(e), U64(d), U64(fl), U64(sw));
    }
    for (int r = 0; r < DROP_NUM; r++) {
        uint64_t n = 0;
        for (unsigned i = 0; i < g_dp.n_workers; i++)
            n += g_dp.workers[i]->st.drops[r];
        if (n)
            fprintf(f, "drop %-22s %llu\n", drop_reason_name((enum drop_reason)r), U64(n));
    }
    if (g_ctl.arp_replies)
        fprintf(f, "arp replies %llu\n", U64(g_ctl.arp_replies));
}
