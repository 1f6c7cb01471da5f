/* Prometheus text exposition of the counters ("show metrics" on the CLI
 * socket): per port, per VNI, per drop reason, MAC table, BFD sessions. */
#include <stddef.h>
#include <stdio.h>

#include "bfd_manager.h"
#include "control.h"
#include "dp.h"
#include "mac_table.h"
#include "stats_sum.h"

#define U64(x) ((unsigned long long)(x))

static void help(FILE *f, const char *name, const char *type, const char *text)
{
    fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, text, name, type);
}

void metrics_write(FILE *f)
{
    static const struct {
        const char *name, *help;
        size_t off;
    } pm[] = {
        {"vtepd_port_rx_packets_total", "Packets received on a port", offsetof(struct port_stats, rx_packets)},
        {"vtepd_port_rx_bytes_total", "Bytes received on a port", offsetof(struct port_stats, rx_bytes)},
        {"vtepd_port_tx_packets_total", "Packets sent on a port", offsetof(struct port_stats, tx_packets)},
        {"vtepd_port_tx_bytes_total", "Bytes sent on a port", offsetof(struct port_stats, tx_bytes)},
        {"vtepd_port_tx_dropped_total", "Packets the port did not take", offsetof(struct port_stats, tx_dropped)},
    };
    static const struct {
        const char *name, *help;
        size_t off;
    } vm[] = {
        {"vtepd_vni_encap_packets_total", "Unicast frames encapsulated", offsetof(struct vni_stats, encap_packets)},
        {"vtepd_vni_encap_bytes_total", "Inner bytes encapsulated", offsetof(struct vni_stats, encap_bytes)},
        {"vtepd_vni_decap_packets_total", "VXLAN packets accepted", offsetof(struct vni_stats, decap_packets)},
        {"vtepd_vni_decap_bytes_total", "Inner bytes decapsulated", offsetof(struct vni_stats, decap_bytes)},
        {"vtepd_vni_flood_packets_total", "BUM frames replicated", offsetof(struct vni_stats, flood_packets)},
        {"vtepd_vni_flood_copies_total", "Copies sent by head-end replication", offsetof(struct vni_stats, flood_copies)},
        {"vtepd_vni_local_switched_total", "Frames switched between local ports", offsetof(struct vni_stats, local_switched)},
    };

    const struct dp_conf *c = g_dp.conf;
    struct dp_totals t;

    stats_sum(&t);
    for (size_t k = 0; k < sizeof(pm) / sizeof(pm[0]); k++) {
        help(f, pm[k].name, "counter", pm[k].help);
        for (uint16_t p = 0; p < g_dp.n_ports; p++)
            fprintf(f, "%s{port=\"%s\"} %llu\n", pm[k].name, g_dp.ports[p].name,
                    U64(*(const uint64_t *)((const char *)&t.port[p] + pm[k].off)));
    }
    for (size_t k = 0; k < sizeof(vm) / sizeof(vm[0]); k++) {
        help(f, vm[k].name, "counter", vm[k].help);
        for (uint32_t n = 0; n < DP_MAX_VNIS; n++) {
            struct vni_stats s;
            if (!c->vnis[n].vni)
                continue;
            stats_sum_vni(n, &s);
            fprintf(f, "%s{vni=\"%u\"} %llu\n", vm[k].name, c->vnis[n].vni,
                    U64(*(const uint64_t *)((const char *)&s + vm[k].off)));
        }
    }
    help(f, "vtepd_vni_macs", "gauge", "MAC table entries of a VNI");
    for (uint32_t n = 0; n < DP_MAX_VNIS; n++)
        if (c->vnis[n].vni)
            fprintf(f, "vtepd_vni_macs{vni=\"%u\"} %u\n", c->vnis[n].vni,
                    mac_table_count(g_dp.macs, n));
    help(f, "vtepd_vni_macs_learned", "gauge", "Locally learned MACs of a VNI");
    for (uint32_t n = 0; n < DP_MAX_VNIS; n++)
        if (c->vnis[n].vni)
            fprintf(f, "vtepd_vni_macs_learned{vni=\"%u\"} %u\n", c->vnis[n].vni,
                    mac_table_learned(g_dp.macs, n));
    help(f, "vtepd_drops_total", "counter", "Packets dropped, by reason");
    for (int r = 0; r < DROP_NUM; r++)
        fprintf(f, "vtepd_drops_total{reason=\"%s\",path=\"%s\"} %llu\n",
                drop_reason_name((enum drop_reason)r),
                drop_path_name(drop_reason_path((enum drop_reason)r)), U64(t.drops[r]));
    help(f, "vtepd_mac_learn_events_total", "counter", "MAC learning outcomes in the control thread");
    fprintf(f, "vtepd_mac_learn_events_total{result=\"new\"} %llu\n", U64(g_ctl.learn_new));
    fprintf(f, "vtepd_mac_learn_events_total{result=\"moved\"} %llu\n", U64(g_ctl.learn_moved));
    fprintf(f, "vtepd_mac_learn_events_total{result=\"limit\"} %llu\n", U64(g_ctl.learn_limit));
    fprintf(f, "vtepd_mac_learn_events_total{result=\"static\"} %llu\n", U64(g_ctl.learn_static));
    fprintf(f, "vtepd_mac_learn_events_total{result=\"table_full\"} %llu\n", U64(g_ctl.learn_full));
    help(f, "vtepd_mac_aged_total", "counter", "Learned MACs removed by aging");
    fprintf(f, "vtepd_mac_aged_total %llu\n", U64(g_ctl.aged));
    help(f, "vtepd_ecmp_member_buckets", "gauge", "ECMP buckets held by a next hop in a group (0: not live)");
    bfd_manager_lock();
    for (uint16_t g = 0; g < c->n_groups; g++)
        for (uint16_t m = 0; m < c->groups[g].ecmp.n_members; m++)
            fprintf(f, "vtepd_ecmp_member_buckets{group=\"%s\",nexthop=\"%s\"} %u\n",
                    c->groups[g].name, c->nexthops[c->groups[g].member_nh[m]].name,
                    ecmp_buckets_of(&c->groups[g].ecmp, m));
    bfd_manager_unlock();
}
