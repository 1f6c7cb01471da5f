/* The CLI commands (see cli_server.h for the socket): every answer
 * is one JSON document, except "show metrics" (Prometheus text). */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_version.h>

#include "port_link.h"
#include "arp_proxy.h"
#include "bfd_manager.h"
#include "cli_server.h"
#include "control.h"
#include "dp.h"
#include "feed_server.h"
#include "flow_table.h"
#include "json_writer.h"
#include "kernel_mirror.h"
#include "mac_table.h"
#include "metrics.h"
#include "reload.h"
#include "stats_sum.h"
#include "underlay_neigh.h"
#include "version.h"

static double start_s;

static double mono_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

double control_uptime_s(void)
{
    return mono_s() - start_s;
}

static int cmd_show_stats(FILE *out, const char *args)
{
    (void)args;
    stats_json_write(out, mono_s() - start_s);
    return 0;
}

static int cmd_show_macs(FILE *out, const char *args)
{
    struct json j;
    (void)args;

    json_begin(&j, out);
    json_obj(&j, NULL);
    stats_json_macs(&j);
    json_end(&j);
    return 0;
}

static int cmd_show_vnis(FILE *out, const char *args)
{
    const struct dp_conf *c = g_dp.conf;
    struct json j;
    (void)args;

    json_begin(&j, out);
    json_obj(&j, NULL);
    json_arr(&j, "vnis");
    for (uint32_t v = 0; v < DP_MAX_VNIS; v++) {
        const struct dp_flood *fl = g_dp.flood[v];
        if (!c->vnis[v].vni)
            continue;
        json_obj(&j, NULL);
        json_u64(&j, "vni", c->vnis[v].vni);
        json_u64(&j, "mac_count", mac_table_count(g_dp.macs, v));
        json_u64(&j, "mac_learned", mac_table_learned(g_dp.macs, v));
        json_u64(&j, "flood_count", fl ? fl->n : 0);
        json_u64(&j, "attachments", c->vnis[v].n_attach);
        json_close(&j);
    }
    json_end(&j);
    return 0;
}

static int cmd_show_metrics(FILE *out, const char *args)
{
    (void)args;
    metrics_write(out);
    return 0;
}

static int cmd_show_bfd(FILE *out, const char *args)
{
    struct json j;
    (void)args;

    json_begin(&j, out);
    bfd_manager_dump_json(&j);
    json_end(&j);
    return 0;
}

static int cmd_show_evpn(FILE *out, const char *args)
{
    if (!g_rib) {
        struct json j;
        json_begin(&j, out);
        json_obj(&j, NULL);
        json_str(&j, "error", "no EVPN feed configured (control.feed_socket)");
        json_end(&j);
        return -1;
    }
    struct json j;
    json_begin(&j, out);
    feed_server_dump_json(&j, strcmp(args, "summary") != 0);
    json_end(&j);
    return 0;
}

static int cmd_show_version(FILE *out, const char *args)
{
    const struct reload_status *rs = reload_status();
    struct json j;
    (void)args;

    json_begin(&j, out);
    json_obj(&j, NULL);
    json_str(&j, "vtepd", VTEPD_VERSION);
    json_str(&j, "git", VTEPD_GIT);
    json_str(&j, "dpdk", rte_version());
    json_str(&j, "config", g_cfg->path);
    json_u64(&j, "config_generation", g_dp.conf->gen);
    json_u64(&j, "pid", (uint64_t)getpid());
    json_dbl(&j, "uptime_seconds", mono_s() - start_s, 3);
    json_u64(&j, "workers", g_dp.n_workers);
    json_obj(&j, "reload");
    json_u64(&j, "count", rs->reloads);
    json_u64(&j, "failures", rs->failures);
    if (rs->reloads) {
        json_dbl(&j, "last_time", rs->last_time, 3);
        json_bool(&j, "last_ok", rs->last_rc == 0);
        json_str(&j, "last_message", rs->last_msg);
    }
    json_end(&j);
    return 0;
}

static void flow_key_json(struct json *j, const struct fc_key *k)
{
    char a[INET6_ADDRSTRLEN];
    uint8_t ip[16];
    int v6 = (k->vni_proto & FC_KEY_V6) != 0;

    json_u64(j, "vni", k->vni_proto >> 8);
    json_u64(j, "proto", k->vni_proto & 0x7f);
    for (int src = 1; src >= 0; src--) {
        fc_key_addr6(k, src, ip);
        inet_ntop(v6 ? AF_INET6 : AF_INET, v6 ? (const void *)ip : (const void *)(ip + 12), a,
                  sizeof(a));
        json_str(j, src ? "src" : "dst", a);
        json_u64(j, src ? "sport" : "dport", ntohs(src ? k->sport : k->dport));
    }
}

static int cmd_show_classifier(FILE *out, const char *args)
{
    const struct dp_conf *c = g_dp.conf;
    const struct cfg_classifier *cl = &g_cfg->classifier;
    unsigned top = 0;
    struct json j;

    if (!strncmp(args, "top", 3)) {
        top = 10;
        if (args[3] == ' ')
            top = (unsigned)strtoul(args + 4, NULL, 10);
        if (top == 0 || top > FLOW_TABLE_TOP_MAX)
            top = FLOW_TABLE_TOP_MAX;
    }
    json_begin(&j, out);
    json_obj(&j, NULL);
    json_bool(&j, "enabled", c->cls != NULL);
    if (!c->cls) {
        json_end(&j);
        return 0;
    }
    json_u64(&j, "threshold_packets", cl->threshold_packets);
    json_u64(&j, "idle_s", cl->idle_s);
    json_u64(&j, "flows_per_worker", cl->flows_per_worker);
    json_arr(&j, "protocols");
    if (c->cls_protocols & FC_PROTO_TCP)
        json_str(&j, NULL, "tcp");
    if (c->cls_protocols & FC_PROTO_UDP)
        json_str(&j, NULL, "udp");
    json_close(&j);
    for (int l = 0; l < 2; l++) {
        json_obj(&j, l ? "long" : "short");
        json_str(&j, "group", c->groups[c->cls_act[l].group].name);
        json_u64(&j, "dscp", c->cls_act[l].dscp);
        json_close(&j);
    }
    json_bool(&j, "rewrite_inner_dscp", c->cls_rewrite_inner);
    json_arr(&j, "workers");
    for (unsigned w = 0; w < g_dp.n_workers; w++) {
        struct flow_table_stats fs;
        flow_table_stats(c->cls->ft[w], &fs);
        json_obj(&j, NULL);
        json_u64(&j, "worker", w);
        json_u64(&j, "live_flows", fs.live);
        json_u64(&j, "inserts", fs.inserts);
        json_u64(&j, "promotions", fs.promotions);
        json_u64(&j, "evictions", fs.evictions);
        json_u64(&j, "restarts", fs.restarts);
        json_u64(&j, "table_full", fs.table_full);
        json_u64(&j, "short_packets", fs.pkts_short);
        json_u64(&j, "long_packets", fs.pkts_long);
        json_u64(&j, "short_bytes", fs.bytes_short);
        json_u64(&j, "long_bytes", fs.bytes_long);
        json_u64(&j, "not_counted", fs.not_counted);
        json_u64(&j, "sweep_passes", fs.sweep_passes);
        json_close(&j);
    }
    json_close(&j);
    json_obj(&j, "vnis");
    for (uint32_t v = 0; v < DP_MAX_VNIS; v++) {
        struct vni_stats vs;
        char key[16];
        if (!c->vnis[v].vni || !c->vnis[v].classify)
            continue;
        stats_sum_vni(v, &vs);
        snprintf(key, sizeof(key), "%u", c->vnis[v].vni);
        json_obj(&j, key);
        json_u64(&j, "short_packets", vs.cls_packets[0]);
        json_u64(&j, "short_bytes", vs.cls_bytes[0]);
        json_u64(&j, "long_packets", vs.cls_packets[1]);
        json_u64(&j, "long_bytes", vs.cls_bytes[1]);
        json_close(&j);
    }
    json_close(&j);
    if (top) {
        struct flow_top ft[FLOW_TABLE_TOP_MAX];
        json_arr(&j, "top_long_flows");
        for (unsigned w = 0; w < g_dp.n_workers; w++) {
            unsigned n = flow_table_top(c->cls->ft[w], rte_rdtsc(), ft, top);
            for (unsigned i = 0; i < n; i++) {
                json_obj(&j, NULL);
                json_u64(&j, "worker", w);
                flow_key_json(&j, &ft[i].key);
                json_u64(&j, "packets", ft[i].packets);
                json_u64(&j, "bytes", ft[i].bytes);
                json_u64(&j, "age_ms", ft[i].age_ms);
                json_u64(&j, "idle_ms", ft[i].idle_ms);
                json_close(&j);
            }
        }
        json_close(&j);
    }
    json_end(&j);
    return 0;
}

static int cmd_show_neighbors(FILE *out, const char *args)
{
    struct json j;
    (void)args;

    json_begin(&j, out);
    underlay_neigh_dump_json(&j);
    json_end(&j);
    return 0;
}

static int cmd_show_ports(FILE *out, const char *args)
{
    struct json j;
    (void)args;

    json_begin(&j, out);
    port_link_dump_json(&j);
    json_end(&j);
    return 0;
}

static int cmd_show_kernel_mirror(FILE *out, const char *args)
{
    struct json j;
    (void)args;

    json_begin(&j, out);
    kernel_mirror_dump_json(&j);
    json_end(&j);
    return 0;
}

static int cmd_show_arp_cache(FILE *out, const char *args)
{
    struct json j;
    unsigned long vni = 0;

    if (args && *args) {
        char *end;
        errno = 0;
        vni = strtoul(args, &end, 10);
        while (*end == ' ')
            end++;
        if (errno || *end || vni == 0 || vni > 0xffffff) {
            json_begin(&j, out);
            json_obj(&j, NULL);
            json_str(&j, "error", "usage: show arp-cache [VNI] (VNI 1-16777215)");
            json_end(&j);
            return -1;
        }
    }
    json_begin(&j, out);
    arp_proxy_dump_json(&j, (uint32_t)vni);
    json_end(&j);
    return 0;
}

static int cmd_clear_bfd(FILE *out, const char *args)
{
    struct json j;
    (void)args;

    bfd_manager_clear_counters();
    json_begin(&j, out);
    json_obj(&j, NULL);
    json_bool(&j, "ok", true);
    json_end(&j);
    return 0;
}

static int cmd_reload(FILE *out, const char *args)
{
    char msg[512];
    struct json j;
    int rc;
    (void)args;

    rc = reload_run(msg, sizeof(msg));
    json_begin(&j, out);
    json_obj(&j, NULL);
    if (rc == 0) {
        json_bool(&j, "ok", true);
        json_str(&j, "result", msg);
        json_u64(&j, "config_generation", g_dp.conf->gen);
    } else {
        json_str(&j, "error", msg);
    }
    json_end(&j);
    return rc == 0 ? 0 : -1;
}

void control_cli_register(void)
{
    start_s = mono_s();
    cli_register("show stats", "every counter, the MAC table, mempool use (JSON)", cmd_show_stats);
    cli_register("show macs", "the MAC table of every VNI (JSON)", cmd_show_macs);
    cli_register("show metrics", "every counter in Prometheus text format", cmd_show_metrics);
    cli_register("show bfd", "BFD sessions: state, timers, counters, ECMP membership (JSON)",
                 cmd_show_bfd);
    cli_register("show vnis", "per VNI: MAC count, learned MACs, flood-list size (JSON)",
                 cmd_show_vnis);
    cli_register("show evpn", "EVPN feeds, peers, RIB paths, best paths, flood lists (JSON); "
                 "'show evpn summary': feeds and counters only",
                 cmd_show_evpn);
    cli_register("show version", "version, DPDK, configuration generation, last reload (JSON)",
                 cmd_show_version);
    cli_register("show classifier", "short/long flow classifier: per worker and per VNI "
                 "counters (JSON); 'show classifier top [N]': the N largest long flows",
                 cmd_show_classifier);
    cli_register("show neighbors", "underlay next hops: MAC (configured or ARP), state (JSON)",
                 cmd_show_neighbors);
    cli_register("show ports", "ports: socket, link state and how it is watched, link "
                 "changes, TX checksum offload, ECMP buckets of their next hops (JSON)",
                 cmd_show_ports);
    cli_register("show kernel-mirror", "the local MACs mirrored into kernel bridges for zebra "
                 "(JSON)", cmd_show_kernel_mirror);
    cli_register("show arp-cache", "ARP suppression: IPv4 bindings per VNI (local snooped, "
                 "remote from EVPN MAC/IP routes), what a request is answered with, counters "
                 "(JSON); 'show arp-cache VNI': one VNI", cmd_show_arp_cache);
    cli_register("clear bfd counters", "restart the BFD timer lateness measurements (JSON)",
                 cmd_clear_bfd);
    cli_register("reload", "read the configuration file again and apply it (JSON result)",
                 cmd_reload);
}
