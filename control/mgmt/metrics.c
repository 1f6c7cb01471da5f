/* Prometheus exposition of vtepd's state (see metrics.h): one function
 * per section, listed in sections[] at the end. */
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_mempool.h>
#include <rte_version.h>

#include "arp_proxy.h"
#include "arp_suppress.h"
#include "bfd_manager.h"
#include "bfd_packet.h"
#include "cli_server.h"
#include "control.h"
#include "dp.h"
#include "dp_worker.h"
#include "evpn_rib.h"
#include "feed_server.h"
#include "mac_table.h"
#include "metrics.h"
#include "metrics_http.h"
#include "prom_text.h"
#include "reload.h"
#include "stats_sum.h"
#include "version.h"

#define U(x) ((uint64_t)(x))

/* ---- process ------------------------------------------------------------ */

static void sec_process(FILE *f, const struct metrics_ctx *m)
{
    const struct reload_status *rs = reload_status();
    unsigned size, avail;

    dp_pools_count(&size, &avail);
    prom_family(f, "vtepd_build_info", PROM_GAUGE,
                "Always 1; the labels name the vtepd release, git revision and DPDK version");
    prom_u64(f, "vtepd_build_info", 1, "version", VTEPD_VERSION, "git", VTEPD_GIT,
             "dpdk", rte_version(), PROM_END);
    prom_family(f, "vtepd_uptime_seconds", PROM_GAUGE, "Seconds since vtepd started forwarding");
    prom_f64(f, "vtepd_uptime_seconds", control_uptime_s(), PROM_END);
    prom_family(f, "vtepd_workers", PROM_GAUGE, "Worker lcores forwarding packets");
    prom_u64(f, "vtepd_workers", g_dp.n_workers, PROM_END);
    prom_family(f, "vtepd_config_generation", PROM_GAUGE,
                "Configuration generation in use (1 at start, +1 per applied reload)");
    prom_u64(f, "vtepd_config_generation", m->conf->gen, PROM_END);
    prom_family(f, "vtepd_config_reloads_total", PROM_COUNTER,
                "Reloads asked for (SIGHUP, vtepctl reload), by result");
    prom_u64(f, "vtepd_config_reloads_total", rs->reloads - rs->failures, "result", "applied",
             PROM_END);
    prom_u64(f, "vtepd_config_reloads_total", rs->failures, "result", "refused", PROM_END);
    prom_family(f, "vtepd_config_last_reload_successful", PROM_GAUGE,
                "1 when the last reload was applied (or none was asked for), 0 when refused");
    prom_u64(f, "vtepd_config_last_reload_successful", rs->reloads == 0 || rs->last_rc == 0,
             PROM_END);
    prom_family(f, "vtepd_config_last_reload_timestamp_seconds", PROM_GAUGE,
                "Unix time of the last reload attempt (0: none)");
    prom_f64(f, "vtepd_config_last_reload_timestamp_seconds", rs->reloads ? rs->last_time : 0,
             PROM_END);
    prom_family(f, "vtepd_mbuf_pool_size", PROM_GAUGE, "Packet buffers in the mbuf pool");
    prom_u64(f, "vtepd_mbuf_pool_size", size, PROM_END);
    prom_family(f, "vtepd_mbuf_pool_in_use", PROM_GAUGE,
                "Packet buffers taken from the pool (in rings, queues and caches included)");
    prom_u64(f, "vtepd_mbuf_pool_in_use", size - avail, PROM_END);
}

/* ---- ports and workers ------------------------------------------------------ */

static void sec_ports(FILE *f, const struct metrics_ctx *m)
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

    prom_family(f, "vtepd_port_info", PROM_GAUGE, "Always 1; the role of each port");
    for (uint16_t p = 0; p < g_dp.n_ports; p++)
        prom_u64(f, "vtepd_port_info", 1, "port", g_dp.ports[p].name, "role",
                 g_dp.ports[p].role == PORT_ROLE_UNDERLAY ? "underlay" : "access", PROM_END);
    for (size_t k = 0; k < sizeof(pm) / sizeof(pm[0]); k++) {
        prom_family(f, pm[k].name, PROM_COUNTER, pm[k].help);
        for (uint16_t p = 0; p < g_dp.n_ports; p++)
            prom_u64(f, pm[k].name, *(const uint64_t *)((const char *)&m->t->port[p] + pm[k].off),
                     "port", g_dp.ports[p].name, PROM_END);
    }
}

static void sec_workers(FILE *f, const struct metrics_ctx *m)
{
    char w[16];

    prom_family(f, "vtepd_worker_packets_total", PROM_COUNTER, "Packets received by a worker");
    for (unsigned i = 0; i < g_dp.n_workers; i++) {
        snprintf(w, sizeof(w), "%u", i);
        prom_u64(f, "vtepd_worker_packets_total",
                 __atomic_load_n(&g_dp.workers[i]->st.packets, __ATOMIC_RELAXED), "worker", w,
                 PROM_END);
    }
    prom_family(f, "vtepd_worker_busy_seconds_total", PROM_COUNTER,
                "Time a worker spent in loop turns that had packets (the rest is idle polling)");
    for (unsigned i = 0; i < g_dp.n_workers; i++) {
        snprintf(w, sizeof(w), "%u", i);
        prom_f64(f, "vtepd_worker_busy_seconds_total",
                 (double)__atomic_load_n(&g_dp.workers[i]->st.busy_cycles, __ATOMIC_RELAXED) /
                 m->tsc_hz, "worker", w, PROM_END);
    }
    prom_family(f, "vtepd_worker_learn_events_total", PROM_COUNTER,
                "Source MACs a worker reported to the control thread");
    for (unsigned i = 0; i < g_dp.n_workers; i++) {
        snprintf(w, sizeof(w), "%u", i);
        prom_u64(f, "vtepd_worker_learn_events_total",
                 __atomic_load_n(&g_dp.workers[i]->st.ev.learn_events, __ATOMIC_RELAXED),
                 "worker", w, PROM_END);
    }
    prom_family(f, "vtepd_worker_punted_packets_total", PROM_COUNTER,
                "Packets a worker handed to the control thread (ARP) or the BFD thread");
    for (unsigned i = 0; i < g_dp.n_workers; i++) {
        const struct event_stats *ev = &g_dp.workers[i]->st.ev;
        uint64_t all = __atomic_load_n(&ev->punted, __ATOMIC_RELAXED);
        uint64_t bfd = __atomic_load_n(&ev->punted_bfd, __ATOMIC_RELAXED);

        snprintf(w, sizeof(w), "%u", i);
        prom_u64(f, "vtepd_worker_punted_packets_total", all - RTE_MIN(bfd, all), "worker", w,
                 "to", "control", PROM_END);
        prom_u64(f, "vtepd_worker_punted_packets_total", bfd, "worker", w, "to", "bfd",
                 PROM_END);
    }
    prom_family(f, "vtepd_worker_control_tx_packets_total", PROM_COUNTER,
                "Packets a worker sent for the control and BFD threads (its control TX ring)");
    for (unsigned i = 0; i < g_dp.n_workers; i++) {
        snprintf(w, sizeof(w), "%u", i);
        prom_u64(f, "vtepd_worker_control_tx_packets_total",
                 __atomic_load_n(&g_dp.workers[i]->st.ev.ctrl_tx, __ATOMIC_RELAXED),
                 "worker", w, PROM_END);
    }
    prom_family(f, "vtepd_learn_events_sent_total", PROM_COUNTER,
                "Source MACs the workers reported to the control thread");
    prom_u64(f, "vtepd_learn_events_sent_total", m->t->ev.learn_events, PROM_END);
    prom_family(f, "vtepd_learn_events_lost_total", PROM_COUNTER,
                "Source MAC reports lost: the learn ring was full");
    prom_u64(f, "vtepd_learn_events_lost_total", m->t->ev.learn_ring_full, PROM_END);
    prom_family(f, "vtepd_punted_packets_total", PROM_COUNTER,
                "Packets the workers handed to the control or BFD thread");
    prom_u64(f, "vtepd_punted_packets_total", m->t->ev.punted, PROM_END);
    prom_family(f, "vtepd_control_tx_packets_total", PROM_COUNTER,
                "Packets sent for the control and BFD threads (ARP replies, BFD)");
    prom_u64(f, "vtepd_control_tx_packets_total", m->t->ev.ctrl_tx, PROM_END);
}

/* ---- VNIs, MAC table, drops ---------------------------------------------- */

static void sec_vnis(FILE *f, const struct metrics_ctx *m)
{
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
    const struct dp_conf *c = m->conf;
    uint32_t slots[DP_MAX_VNIS], n = 0;
    struct vni_stats *s;
    char vni[16];

    for (uint32_t v = 0; v < DP_MAX_VNIS; v++)
        if (c->vnis[v].vni)
            slots[n++] = v;
    /* summed once per VNI, not once per family */
    s = calloc(n ? n : 1, sizeof(*s));
    if (!s)
        return;
    for (uint32_t k = 0; k < n; k++)
        stats_sum_vni(slots[k], &s[k]);
    for (size_t k = 0; k < sizeof(vm) / sizeof(vm[0]); k++) {
        prom_family(f, vm[k].name, PROM_COUNTER, vm[k].help);
        for (uint32_t i = 0; i < n; i++) {
            snprintf(vni, sizeof(vni), "%u", c->vnis[slots[i]].vni);
            prom_u64(f, vm[k].name, *(const uint64_t *)((const char *)&s[i] + vm[k].off),
                     "vni", vni, PROM_END);
        }
    }
    free(s);
    prom_family(f, "vtepd_vni_macs", PROM_GAUGE, "MAC table entries of a VNI (every kind)");
    for (uint32_t i = 0; i < n; i++) {
        snprintf(vni, sizeof(vni), "%u", c->vnis[slots[i]].vni);
        prom_u64(f, "vtepd_vni_macs", mac_table_count(g_dp.macs, slots[i]), "vni", vni, PROM_END);
    }
    prom_family(f, "vtepd_vni_macs_learned", PROM_GAUGE, "Locally learned MACs of a VNI");
    for (uint32_t i = 0; i < n; i++) {
        snprintf(vni, sizeof(vni), "%u", c->vnis[slots[i]].vni);
        prom_u64(f, "vtepd_vni_macs_learned", mac_table_learned(g_dp.macs, slots[i]), "vni", vni,
                 PROM_END);
    }
    prom_family(f, "vtepd_vni_mac_limit", PROM_GAUGE,
                "Most MACs a VNI may learn (vnis[].mac_limit, else vtep.mac_limit)");
    for (int i = 0; g_cfg && i < g_cfg->n_vnis; i++) {
        snprintf(vni, sizeof(vni), "%u", g_cfg->vnis[i].vni);
        prom_u64(f, "vtepd_vni_mac_limit", g_cfg->vnis[i].mac_limit, "vni", vni, PROM_END);
    }
    prom_family(f, "vtepd_vni_mac_limit_refused_total", PROM_COUNTER,
                "MACs not learned because their VNI was at its limit");
    for (uint32_t i = 0; i < n; i++) {
        snprintf(vni, sizeof(vni), "%u", c->vnis[slots[i]].vni);
        prom_u64(f, "vtepd_vni_mac_limit_refused_total", g_ctl.vni_learn_limit[slots[i]], "vni",
                 vni, PROM_END);
    }
    prom_family(f, "vtepd_vni_flood_vteps", PROM_GAUGE,
                "Remote VTEPs in a VNI's head-end replication list (configured and EVPN type 3)");
    for (uint32_t i = 0; i < n; i++) {
        const struct dp_flood *fl = __atomic_load_n(&g_dp.flood[slots[i]], __ATOMIC_ACQUIRE);
        snprintf(vni, sizeof(vni), "%u", c->vnis[slots[i]].vni);
        prom_u64(f, "vtepd_vni_flood_vteps", fl ? fl->n : 0, "vni", vni, PROM_END);
    }
}

static void sec_mac_table(FILE *f, const struct metrics_ctx *m)
{
    static const struct {
        const char *result;
        size_t off;
    } lr[] = {
        {"new", offsetof(struct control_stats, learn_new)},
        {"refreshed", offsetof(struct control_stats, learn_refreshed)},
        {"moved", offsetof(struct control_stats, learn_moved)},
        {"limit", offsetof(struct control_stats, learn_limit)},
        {"static", offsetof(struct control_stats, learn_static)},
        {"table_full", offsetof(struct control_stats, learn_full)},
        {"stale", offsetof(struct control_stats, learn_stale)},
    };
    uint64_t total = 0;

    for (uint32_t v = 0; v < DP_MAX_VNIS; v++)
        if (m->conf->vnis[v].vni)
            total += mac_table_count(g_dp.macs, v);
    prom_family(f, "vtepd_mac_table_entries", PROM_GAUGE, "MAC table entries over every VNI");
    prom_u64(f, "vtepd_mac_table_entries", total, PROM_END);
    prom_family(f, "vtepd_mac_table_capacity", PROM_GAUGE,
                "Entries the MAC table holds (vtep.mac_table_size)");
    prom_u64(f, "vtepd_mac_table_capacity", g_cfg ? g_cfg->mac_table_size : 0, PROM_END);
    prom_family(f, "vtepd_mac_learn_events_total", PROM_COUNTER,
                "MAC learning outcomes in the control thread (limit, static, table_full: refused; "
                "stale: for a VNI or attachment a reload removed)");
    for (size_t k = 0; k < sizeof(lr) / sizeof(lr[0]); k++)
        prom_u64(f, "vtepd_mac_learn_events_total",
                 *(const uint64_t *)((const char *)&g_ctl + lr[k].off), "result", lr[k].result,
                 PROM_END);
    prom_family(f, "vtepd_mac_aged_total", PROM_COUNTER, "Learned MACs removed by aging");
    prom_u64(f, "vtepd_mac_aged_total", g_ctl.aged, PROM_END);
}

static void sec_drops(FILE *f, const struct metrics_ctx *m)
{
    prom_family(f, "vtepd_drops_total", PROM_COUNTER,
                "Packets dropped, by reason and the path that decided it");
    for (int r = 0; r < DROP_NUM; r++)
        prom_u64(f, "vtepd_drops_total", m->t->drops[r], "reason",
                 drop_reason_name((enum drop_reason)r), "path",
                 drop_path_name(drop_reason_path((enum drop_reason)r)), PROM_END);
}

static void sec_control(FILE *f, const struct metrics_ctx *m)
{
    (void)m;
    prom_family(f, "vtepd_control_punts_total", PROM_COUNTER,
                "Punted packets the control thread handled, by outcome");
    prom_u64(f, "vtepd_control_punts_total", g_ctl.arp_replies, "result", "arp_reply", PROM_END);
    prom_u64(f, "vtepd_control_punts_total", g_ctl.arp_ignored, "result", "arp_ignored", PROM_END);
    prom_u64(f, "vtepd_control_punts_total", g_ctl.punt_other, "result", "not_arp", PROM_END);
    {
        struct arps_counters a;
        uint32_t n;
        arp_proxy_counters(&a, &n);
        prom_family(f, "vtepd_arp_suppress_bindings", PROM_GAUGE,
                    "IPv4 bindings the ARP suppression table holds (local and remote)");
        prom_u64(f, "vtepd_arp_suppress_bindings", n, PROM_END);
        prom_family(f, "vtepd_arp_suppress_requests_total", PROM_COUNTER,
                    "ARP requests from local hosts the control thread decided on, by outcome");
        prom_u64(f, "vtepd_arp_suppress_requests_total", a.answered, "result", "answered",
                 PROM_END);
        prom_u64(f, "vtepd_arp_suppress_requests_total", a.flood_unknown, "result", "unknown",
                 PROM_END);
        prom_u64(f, "vtepd_arp_suppress_requests_total", a.flood_conflict, "result", "conflict",
                 PROM_END);
        prom_u64(f, "vtepd_arp_suppress_requests_total", a.flood_own_ip, "result", "own_ip",
                 PROM_END);
        prom_u64(f, "vtepd_arp_suppress_requests_total", a.probes, "result", "probe", PROM_END);
        prom_family(f, "vtepd_arp_suppress_conflicts_total", PROM_COUNTER,
                    "IPv4 addresses seen bound to two MACs at once");
        prom_u64(f, "vtepd_arp_suppress_conflicts_total", a.conflicts, PROM_END);
    }
    prom_family(f, "vtepd_control_tx_ring_full_total", PROM_COUNTER,
                "Control packets not sent: the control TX ring was full");
    prom_u64(f, "vtepd_control_tx_ring_full_total", g_ctl.ctrl_tx_full, PROM_END);
}

/* ---- ECMP and BFD -------------------------------------------------------------- */

static void sec_ecmp(FILE *f, const struct metrics_ctx *m)
{
    const struct dp_conf *c = m->conf;

    /* the BFD thread moves buckets under its lock */
    bfd_manager_lock();
    prom_family(f, "vtepd_ecmp_member_buckets", PROM_GAUGE,
                "ECMP buckets (of 256) a next hop holds in a group");
    for (uint16_t g = 0; g < c->n_groups; g++)
        for (uint16_t k = 0; k < c->groups[g].ecmp.n_members; k++)
            prom_u64(f, "vtepd_ecmp_member_buckets", ecmp_buckets_of(&c->groups[g].ecmp, k),
                     "group", c->groups[g].name, "nexthop",
                     c->nexthops[c->groups[g].member_nh[k]].name, PROM_END);
    prom_family(f, "vtepd_ecmp_member_live", PROM_GAUGE,
                "1 when a next hop takes traffic in a group (no BFD session, or its session is Up "
                "past the hold-down)");
    for (uint16_t g = 0; g < c->n_groups; g++)
        for (uint16_t k = 0; k < c->groups[g].ecmp.n_members; k++)
            prom_u64(f, "vtepd_ecmp_member_live", (c->groups[g].ecmp.live >> k) & 1u, "group",
                     c->groups[g].name, "nexthop", c->nexthops[c->groups[g].member_nh[k]].name,
                     PROM_END);
    bfd_manager_unlock();
}

static const char *bfd_state_label(uint8_t s)
{
    switch (s) {
    case BFD_STATE_ADMIN_DOWN: return "admin_down";
    case BFD_STATE_DOWN: return "down";
    case BFD_STATE_INIT: return "init";
    case BFD_STATE_UP: return "up";
    }
    return "unknown";
}

static void sec_bfd(FILE *f, const struct metrics_ctx *m)
{
    struct bfd_sess_info s[CFG_MAX_NEXTHOPS * 4];
    struct bfd_thread_info th;
    int n = bfd_manager_snapshot(s, (int)(sizeof(s) / sizeof(s[0])), &th);
    (void)m;

    if (n > (int)(sizeof(s) / sizeof(s[0])))
        n = (int)(sizeof(s) / sizeof(s[0]));
#define SESS(i) "peer", s[i].peer, "port", s[i].port, "nexthop", s[i].nexthop
    prom_family(f, "vtepd_bfd_session_state", PROM_GAUGE,
                "1 for the state a BFD session is in (admin_down, down, init, up), 0 for the others");
    for (int i = 0; i < n; i++)
        for (int st = BFD_STATE_ADMIN_DOWN; st <= BFD_STATE_UP; st++)
            prom_u64(f, "vtepd_bfd_session_state", s[i].state == st, SESS(i), "state",
                     bfd_state_label((uint8_t)st), PROM_END);
    prom_family(f, "vtepd_bfd_session_transitions_total", PROM_COUNTER,
                "BFD session transitions into Up (to=up) and out of Up (to=down)");
    for (int i = 0; i < n; i++) {
        prom_u64(f, "vtepd_bfd_session_transitions_total", s[i].up_transitions, SESS(i), "to",
                 "up", PROM_END);
        prom_u64(f, "vtepd_bfd_session_transitions_total", s[i].down_transitions, SESS(i), "to",
                 "down", PROM_END);
    }
    prom_family(f, "vtepd_bfd_session_detect_expired_total", PROM_COUNTER,
                "Detection times that passed without a packet from the peer");
    for (int i = 0; i < n; i++)
        prom_u64(f, "vtepd_bfd_session_detect_expired_total", s[i].detect_expired, SESS(i), PROM_END);
    prom_family(f, "vtepd_bfd_session_detection_time_seconds", PROM_GAUGE,
                "Detection time in use (remote multiplier x agreed receive interval)");
    for (int i = 0; i < n; i++)
        prom_f64(f, "vtepd_bfd_session_detection_time_seconds", (double)s[i].detect_time_us / 1e6,
                 SESS(i), PROM_END);
    prom_family(f, "vtepd_bfd_session_tx_interval_seconds", PROM_GAUGE,
                "Transmit interval in use (before jitter)");
    for (int i = 0; i < n; i++)
        prom_f64(f, "vtepd_bfd_session_tx_interval_seconds", (double)s[i].tx_interval_us / 1e6,
                 SESS(i), PROM_END);
    prom_family(f, "vtepd_bfd_session_packets_total", PROM_COUNTER,
                "BFD control packets sent (direction=tx) and accepted (direction=rx)");
    for (int i = 0; i < n; i++) {
        prom_u64(f, "vtepd_bfd_session_packets_total", s[i].tx, SESS(i), "direction", "tx",
                 PROM_END);
        prom_u64(f, "vtepd_bfd_session_packets_total", s[i].rx, SESS(i), "direction", "rx",
                 PROM_END);
    }
    prom_family(f, "vtepd_bfd_session_rx_dropped_total", PROM_COUNTER,
                "BFD packets for a session that it refused (vtepctl show bfd has the reasons)");
    for (int i = 0; i < n; i++)
        prom_u64(f, "vtepd_bfd_session_rx_dropped_total", s[i].rx_dropped, SESS(i), PROM_END);
    prom_family(f, "vtepd_bfd_session_tx_errors_total", PROM_COUNTER,
                "BFD packets not sent, by reason");
    for (int i = 0; i < n; i++) {
        prom_u64(f, "vtepd_bfd_session_tx_errors_total", s[i].tx_no_mbuf, SESS(i), "reason",
                 "no_mbuf", PROM_END);
        prom_u64(f, "vtepd_bfd_session_tx_errors_total", s[i].tx_ring_full, SESS(i), "reason",
                 "ring_full", PROM_END);
    }
    prom_family(f, "vtepd_bfd_session_tx_late_max_seconds", PROM_GAUGE,
                "Worst lateness of a transmission since start or 'clear bfd counters'");
    for (int i = 0; i < n; i++)
        prom_f64(f, "vtepd_bfd_session_tx_late_max_seconds", (double)s[i].tx_late_max_ns / 1e9,
                 SESS(i), PROM_END);
    prom_family(f, "vtepd_bfd_session_tx_late_avg_seconds", PROM_GAUGE,
                "Mean lateness of a transmission since start or 'clear bfd counters'");
    for (int i = 0; i < n; i++)
        prom_f64(f, "vtepd_bfd_session_tx_late_avg_seconds",
                 s[i].tx_late_n ? (double)s[i].tx_late_sum_ns / (double)s[i].tx_late_n / 1e9 : 0,
                 SESS(i), PROM_END);
    prom_family(f, "vtepd_bfd_session_ecmp_changes_total", PROM_COUNTER,
                "Times the session took its next hop out of (to=out) or back into (to=in) ECMP");
    for (int i = 0; i < n; i++) {
        prom_u64(f, "vtepd_bfd_session_ecmp_changes_total", s[i].ecmp_out, SESS(i), "to", "out",
                 PROM_END);
        prom_u64(f, "vtepd_bfd_session_ecmp_changes_total", s[i].ecmp_in, SESS(i), "to", "in",
                 PROM_END);
    }
#undef SESS
    prom_family(f, "vtepd_bfd_thread_running", PROM_GAUGE, "1 while the BFD thread runs");
    prom_u64(f, "vtepd_bfd_thread_running", th.running, PROM_END);
    prom_family(f, "vtepd_bfd_thread_wakeups_total", PROM_COUNTER, "Turns of the BFD thread");
    prom_u64(f, "vtepd_bfd_thread_wakeups_total", th.wakeups, PROM_END);
    prom_family(f, "vtepd_bfd_thread_wake_late_max_seconds", PROM_GAUGE,
                "Worst lateness of the BFD thread's wake-ups since start or 'clear bfd counters'");
    prom_f64(f, "vtepd_bfd_thread_wake_late_max_seconds", (double)th.wake_late_max_ns / 1e9,
             PROM_END);
    prom_family(f, "vtepd_bfd_rx_frames_total", PROM_COUNTER,
                "BFD frames the BFD thread read, by outcome");
    prom_u64(f, "vtepd_bfd_rx_frames_total", th.rx_frames_ok - th.rx_bad_packet - th.rx_no_session,
             "result", "session", PROM_END);
    prom_u64(f, "vtepd_bfd_rx_frames_total", th.rx_frame_drops, "result", "bad_frame", PROM_END);
    prom_u64(f, "vtepd_bfd_rx_frames_total", th.rx_bad_packet, "result", "bad_packet", PROM_END);
    prom_u64(f, "vtepd_bfd_rx_frames_total", th.rx_no_session, "result", "no_session", PROM_END);
}

/* ---- EVPN feed and RIB ---------------------------------------------------------- */

static void sec_evpn(FILE *f, const struct metrics_ctx *m)
{
    static const struct {
        const char *name, *help;
        size_t off;
    } fm[] = {
        {"vtepd_evpn_feed_received_bytes_total", "Bytes a feed session sent", offsetof(struct feed_stats, bytes)},
        {"vtepd_evpn_feed_messages_total", "BMP messages a feed session sent", offsetof(struct feed_stats, messages)},
        {"vtepd_evpn_feed_malformed_total", "BMP messages of a session that were malformed (skipped)", offsetof(struct feed_stats, malformed)},
        {"vtepd_evpn_feed_unknown_type_total", "BMP messages of an unknown type (skipped)", offsetof(struct feed_stats, unknown_type)},
        {"vtepd_evpn_feed_eor_total", "EVPN End-of-RIB markers a session sent", offsetof(struct feed_stats, eor)},
        {"vtepd_evpn_feed_not_pre_policy_total", "Route monitoring messages skipped: not pre-policy Adj-RIB-In", offsetof(struct feed_stats, skipped_not_pre_policy)},
        {"vtepd_evpn_feed_slices_exhausted_total", "Loop turns that ended with work left for the session (it streams faster than the RIB absorbs)", offsetof(struct feed_stats, slices_exhausted)},
    };
    struct feed_server_stats ss;
    struct feed_stats fst;
    struct feed_peer_stats ps;
    const struct rib_counters *rc;
    char id[16];

    if (!g_rib)
        return;
    (void)m;
    feed_server_stats(&ss);
    prom_family(f, "vtepd_evpn_feed_connections_accepted_total", PROM_COUNTER,
                "Feed connections accepted");
    prom_u64(f, "vtepd_evpn_feed_connections_accepted_total", ss.accepted, PROM_END);
    prom_family(f, "vtepd_evpn_feed_connections_closed_total", PROM_COUNTER,
                "Feed sessions closed (by the peer, an error, a timeout or an eviction)");
    prom_u64(f, "vtepd_evpn_feed_connections_closed_total", ss.closed, PROM_END);
    prom_family(f, "vtepd_evpn_feed_connections_refused_total", PROM_COUNTER,
                "Feed connections refused, by reason (uid: not in control.feed_allowed_users; "
                "no_credentials: its user could not be told; full: every slot taken; "
                "no_memory)");
    prom_u64(f, "vtepd_evpn_feed_connections_refused_total", ss.refused_uid, "reason", "uid",
             PROM_END);
    prom_u64(f, "vtepd_evpn_feed_connections_refused_total", ss.refused_cred, "reason",
             "no_credentials", PROM_END);
    prom_u64(f, "vtepd_evpn_feed_connections_refused_total", ss.refused_full, "reason", "full",
             PROM_END);
    prom_u64(f, "vtepd_evpn_feed_connections_refused_total",
             ss.refused - ss.refused_uid - ss.refused_cred - ss.refused_full, "reason",
             "no_memory", PROM_END);
    prom_family(f, "vtepd_evpn_feed_evictions_total", PROM_COUNTER,
                "Sessions without a BMP Initiation closed to make room for a new connection");
    prom_u64(f, "vtepd_evpn_feed_evictions_total", ss.evicted, PROM_END);
    prom_family(f, "vtepd_evpn_feed_timeouts_total", PROM_COUNTER,
                "Sessions closed at a deadline (kind=init: no BMP Initiation in time; idle)");
    prom_u64(f, "vtepd_evpn_feed_timeouts_total", ss.init_timeouts, "kind", "init", PROM_END);
    prom_u64(f, "vtepd_evpn_feed_timeouts_total", ss.idle_timeouts, "kind", "idle", PROM_END);
    prom_family(f, "vtepd_evpn_feed_framing_errors_total", PROM_COUNTER,
                "Sessions closed because their BMP stream could not be framed");
    prom_u64(f, "vtepd_evpn_feed_framing_errors_total", ss.fatal, PROM_END);
    prom_family(f, "vtepd_evpn_feed_sessions", PROM_GAUGE, "Feed sessions open now");
    {
        unsigned open = 0;
        for (int i = 0; i < FEED_SERVER_SLOTS; i++)
            open += feed_server_feed_stats(i, &fst) == 0;
        prom_u64(f, "vtepd_evpn_feed_sessions", open, PROM_END);
    }

    /* per session: feed = its BMP sysName, session = its number (two
     * sessions can carry the same name while one replaces the other) */
#define FEED "feed", fst.name, "session", id
    prom_family(f, "vtepd_evpn_feed_session_info", PROM_GAUGE,
                "Always 1 per open session; origin is unix or the TCP peer, initiated is whether "
                "its BMP Initiation came");
    for (int i = 0; i < FEED_SERVER_SLOTS; i++)
        if (feed_server_feed_stats(i, &fst) == 0) {
            snprintf(id, sizeof(id), "%u", fst.id);
            prom_u64(f, "vtepd_evpn_feed_session_info", 1, FEED, "origin", fst.origin,
                     "initiated", fst.initiated ? "true" : "false", PROM_END);
        }
    prom_family(f, "vtepd_evpn_feed_session_up_seconds", PROM_GAUGE,
                "Seconds since the session connected");
    for (int i = 0; i < FEED_SERVER_SLOTS; i++)
        if (feed_server_feed_stats(i, &fst) == 0) {
            snprintf(id, sizeof(id), "%u", fst.id);
            prom_u64(f, "vtepd_evpn_feed_session_up_seconds", fst.up_s, FEED, PROM_END);
        }
    for (size_t k = 0; k < sizeof(fm) / sizeof(fm[0]); k++) {
        prom_family(f, fm[k].name, PROM_COUNTER, fm[k].help);
        for (int i = 0; i < FEED_SERVER_SLOTS; i++)
            if (feed_server_feed_stats(i, &fst) == 0) {
                snprintf(id, sizeof(id), "%u", fst.id);
                prom_u64(f, fm[k].name, *(const uint64_t *)((const char *)&fst + fm[k].off),
                         FEED, PROM_END);
            }
    }
    prom_family(f, "vtepd_evpn_feed_routes_total", PROM_COUNTER,
                "EVPN routes a session carried: kind=reach (advertised type 2/3), unreach "
                "(withdrawn), other_type (other EVPN route types, skipped)");
    for (int i = 0; i < FEED_SERVER_SLOTS; i++)
        if (feed_server_feed_stats(i, &fst) == 0) {
            snprintf(id, sizeof(id), "%u", fst.id);
            prom_u64(f, "vtepd_evpn_feed_routes_total", fst.evpn_reach, FEED, "kind", "reach",
                     PROM_END);
            prom_u64(f, "vtepd_evpn_feed_routes_total", fst.evpn_unreach, FEED, "kind",
                     "unreach", PROM_END);
            prom_u64(f, "vtepd_evpn_feed_routes_total", fst.evpn_other, FEED, "kind",
                     "other_type", PROM_END);
        }
    prom_family(f, "vtepd_evpn_peer_up", PROM_GAUGE,
                "1 while a BGP peer a feed monitors is up (BMP Peer Up without Peer Down)");
    for (int i = 0; i < FEED_SERVER_SLOTS; i++)
        if (feed_server_feed_stats(i, &fst) == 0) {
            snprintf(id, sizeof(id), "%u", fst.id);
            for (int k = 0; feed_server_peer_stats(i, k, &ps) == 0; k++)
                prom_u64(f, "vtepd_evpn_peer_up", ps.up, FEED, "peer", ps.addr, PROM_END);
        }
    prom_family(f, "vtepd_evpn_peer_routes_total", PROM_COUNTER,
                "EVPN routes received from a BGP peer (kind=reach, unreach)");
    for (int i = 0; i < FEED_SERVER_SLOTS; i++)
        if (feed_server_feed_stats(i, &fst) == 0) {
            snprintf(id, sizeof(id), "%u", fst.id);
            for (int k = 0; feed_server_peer_stats(i, k, &ps) == 0; k++) {
                prom_u64(f, "vtepd_evpn_peer_routes_total", ps.reach, FEED, "peer", ps.addr,
                         "kind", "reach", PROM_END);
                prom_u64(f, "vtepd_evpn_peer_routes_total", ps.unreach, FEED, "peer", ps.addr,
                         "kind", "unreach", PROM_END);
            }
        }
#undef FEED

    rc = rib_counters(g_rib);
    prom_family(f, "vtepd_evpn_rib_paths", PROM_GAUGE, "Paths in the EVPN RIB, by route type");
    prom_u64(f, "vtepd_evpn_rib_paths", rc->type2_paths, "type", "2", PROM_END);
    prom_u64(f, "vtepd_evpn_rib_paths", rc->type3_paths, "type", "3", PROM_END);
    prom_family(f, "vtepd_evpn_rib_paths_unresolved", PROM_GAUGE,
                "Type-2 paths whose VNI is not known yet");
    prom_u64(f, "vtepd_evpn_rib_paths_unresolved", rc->unresolved, PROM_END);
    prom_family(f, "vtepd_evpn_rib_paths_stale", PROM_GAUGE,
                "Paths of closed feeds waiting for a refresh (still forwarding)");
    prom_u64(f, "vtepd_evpn_rib_paths_stale", rc->stale, PROM_END);
    prom_family(f, "vtepd_evpn_rib_updates_total", PROM_COUNTER,
                "Changes to the RIB (op=add, replace, withdraw, withdraw_unknown, swept: stale "
                "paths that timed out)");
    prom_u64(f, "vtepd_evpn_rib_updates_total", rc->adds, "op", "add", PROM_END);
    prom_u64(f, "vtepd_evpn_rib_updates_total", rc->replaces, "op", "replace", PROM_END);
    prom_u64(f, "vtepd_evpn_rib_updates_total", rc->withdraws, "op", "withdraw", PROM_END);
    prom_u64(f, "vtepd_evpn_rib_updates_total", rc->withdraw_unknown, "op", "withdraw_unknown",
             PROM_END);
    prom_u64(f, "vtepd_evpn_rib_updates_total", rc->swept, "op", "swept", PROM_END);
    prom_family(f, "vtepd_evpn_rib_ignored_total", PROM_COUNTER,
                "Routes the RIB did not use (reason=own_vtep, unconfigured_vni, no_nexthop)");
    prom_u64(f, "vtepd_evpn_rib_ignored_total", rc->ignored_own, "reason", "own_vtep", PROM_END);
    prom_u64(f, "vtepd_evpn_rib_ignored_total", rc->ignored_vni, "reason", "unconfigured_vni",
             PROM_END);
    prom_u64(f, "vtepd_evpn_rib_ignored_total", rc->ignored_no_nexthop, "reason", "no_nexthop",
             PROM_END);
    prom_family(f, "vtepd_evpn_rib_programmed_total", PROM_COUNTER,
                "Dataplane changes the RIB made (what=mac: a (VNI, MAC) entry; flood: a flood list)");
    prom_u64(f, "vtepd_evpn_rib_programmed_total", rc->mac_updates, "what", "mac", PROM_END);
    prom_u64(f, "vtepd_evpn_rib_programmed_total", rc->flood_updates, "what", "flood", PROM_END);
}

/* ---- CLI and HTTP servers ------------------------------------------------------------------ */

static void sec_cli(FILE *f, const struct metrics_ctx *m)
{
    const struct cli_counters *c = cli_server_counters();
    (void)m;

    prom_family(f, "vtepd_cli_clients_total", PROM_COUNTER,
                "CLI socket clients, by outcome (accepted; refused: no slot; evicted: idle, "
                "closed for a new one; timeout: no line or answer not read in time; gone: "
                "closed before taking the answer)");
    prom_u64(f, "vtepd_cli_clients_total", c->accepted, "result", "accepted", PROM_END);
    prom_u64(f, "vtepd_cli_clients_total", c->refused, "result", "refused", PROM_END);
    prom_u64(f, "vtepd_cli_clients_total", c->evicted, "result", "evicted", PROM_END);
    prom_u64(f, "vtepd_cli_clients_total", c->timeouts, "result", "timeout", PROM_END);
    prom_u64(f, "vtepd_cli_clients_total", c->client_gone, "result", "gone", PROM_END);
    prom_family(f, "vtepd_cli_commands_total", PROM_COUNTER,
                "CLI command lines received (result=known, unknown)");
    prom_u64(f, "vtepd_cli_commands_total", c->commands - c->unknown, "result", "known", PROM_END);
    prom_u64(f, "vtepd_cli_commands_total", c->unknown, "result", "unknown", PROM_END);
    prom_family(f, "vtepd_cli_answers_total", PROM_COUNTER, "CLI answers taken whole by a client");
    prom_u64(f, "vtepd_cli_answers_total", c->answered, PROM_END);
}

static void sec_http(FILE *f, const struct metrics_ctx *m)
{
    static const unsigned codes[] = {200, 404, 405, 500, 503};
    struct metrics_http_counters h;
    char code[8];
    (void)m;

    if (!metrics_http_counters(&h))
        return;
    prom_family(f, "vtepd_metrics_http_requests_total", PROM_COUNTER,
                "Requests to the metrics endpoint, by answer (not counting the one being served)");
    for (size_t k = 0; k < sizeof(codes) / sizeof(codes[0]); k++) {
        snprintf(code, sizeof(code), "%u", codes[k]);
        prom_u64(f, "vtepd_metrics_http_requests_total", metrics_http_code_count(&h, codes[k]),
                 "code", code, PROM_END);
    }
    prom_family(f, "vtepd_metrics_http_connections_total", PROM_COUNTER,
                "Connections to the metrics endpoint (result=accepted; evicted: idle, closed to "
                "make room; refused: every slot busy)");
    prom_u64(f, "vtepd_metrics_http_connections_total", h.conn_accepted, "result", "accepted",
             PROM_END);
    prom_u64(f, "vtepd_metrics_http_connections_total", h.conn_evicted, "result", "evicted",
             PROM_END);
    prom_u64(f, "vtepd_metrics_http_connections_total", h.conn_refused, "result", "refused",
             PROM_END);
    prom_family(f, "vtepd_metrics_renders_total", PROM_COUNTER,
                "Renderings of this text the control thread made for the HTTP endpoint");
    prom_u64(f, "vtepd_metrics_renders_total", h.renders, PROM_END);
    prom_family(f, "vtepd_metrics_render_seconds_total", PROM_COUNTER,
                "Control-thread time spent rendering this text for the HTTP endpoint");
    prom_f64(f, "vtepd_metrics_render_seconds_total", (double)h.render_ns / 1e9, PROM_END);
}

/* ---- the sections, in order -------------------------------------------------------------- */

static const metrics_section_fn sections[] = {
    sec_process,
    sec_ports,
    sec_workers,
    sec_vnis,
    sec_mac_table,
    sec_drops,
    sec_control,
    sec_ecmp,
    sec_bfd,
    sec_evpn,
    sec_cli,
    sec_http,
    metrics_write_classifier,
    metrics_write_residence,
};

void metrics_write(FILE *f)
{
    struct dp_totals *t = malloc(sizeof(*t));
    struct metrics_ctx m;

    if (!t)
        return;
    stats_sum(t);
    m.conf = g_dp.conf;
    m.t = t;
    m.tsc_hz = (double)rte_get_tsc_hz();
    for (size_t k = 0; k < sizeof(sections) / sizeof(sections[0]); k++)
        sections[k](f, &m);
    free(t);
}
