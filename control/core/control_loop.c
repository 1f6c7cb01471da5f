/* The control thread's loop: MAC learning from the workers' rings, punted
 * packets (ARP), MAC aging, sockets (CLI, EVPN feeds, signals), deferred
 * RCU frees, reloads, and exit on idle / duration / signal. Every step is
 * bounded: nothing here waits on a client, a feed or the workers. */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include "arp_proxy.h"
#include "arp_reply.h"
#include "cli_server.h"
#include "control.h"
#include "dp_worker.h"
#include "event_loop.h"
#include "feed_server.h"
#include "kernel_mirror.h"
#include "log.h"
#include "mac_table.h"
#include "port_link.h"
#include "rcu_free.h"
#include "reload.h"
#include "sd_notify.h"
#include "signals.h"
#include "underlay_neigh.h"

struct control_stats g_ctl;
struct evpn_rib *g_rib;

static uint64_t now_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec;
}

static uint64_t now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Learn events name a VNI slot and an attachment of the generation the
 * worker was using; a reload since may have removed either. */
static bool learn_valid(const struct dp_conf *c, const struct learn_event *ev)
{
    return ev->vni_idx < DP_MAX_VNIS && c->vnis[ev->vni_idx].vni != 0 &&
           ev->attach < DP_MAX_ATTACH && c->attach[ev->attach].vni_idx == ev->vni_idx;
}

static unsigned drain_learn(void)
{
    const struct dp_conf *c = g_dp.conf;
    struct learn_event ev[64];
    unsigned total = 0;
    uint64_t t = now_s();

    for (unsigned i = 0; i < g_dp.n_workers; i++) {
        unsigned n;
        while ((n = rte_ring_sc_dequeue_burst_elem(g_dp.workers[i]->learn_ring, ev,
                                                   sizeof(ev[0]), 64, NULL)) > 0) {
            total += n;
            for (unsigned k = 0; k < n; k++) {
                if (!learn_valid(c, &ev[k])) {
                    g_ctl.learn_stale++;
                    continue;
                }
                switch (mac_table_learn(g_dp.macs, ev[k].vni_idx, ev[k].mac, ev[k].attach, t)) {
                case LEARN_NEW: g_ctl.learn_new++; break;
                case LEARN_REFRESHED: g_ctl.learn_refreshed++; break;
                case LEARN_MOVED: g_ctl.learn_moved++; break;
                case LEARN_LIMIT:
                    g_ctl.learn_limit++;
                    g_ctl.vni_learn_limit[ev[k].vni_idx]++;
                    break;
                case LEARN_STATIC: g_ctl.learn_static++; break;
                case LEARN_FULL: g_ctl.learn_full++; break;
                }
            }
        }
    }
    return total;
}

/* A frame worker `from` punted; what goes back out leaves through it. */
static void handle_punt(struct rte_mbuf *m, unsigned from)
{
    uint16_t port = m->port;
    const struct dp_port *p = port < g_dp.n_ports ? &g_dp.ports[port] : NULL;
    uint8_t *d = rte_pktmbuf_mtod(m, uint8_t *);
    enum arp_rx rc;

    if (p && p->role == PORT_ROLE_ACCESS) {
        arp_proxy_punt(m, from);
        return;
    }
    if (!p || m->nb_segs != 1 || rte_pktmbuf_data_len(m) < RTE_ETHER_HDR_LEN ||
        rte_pktmbuf_mtod(m, struct rte_ether_hdr *)->ether_type != RTE_BE16(RTE_ETHER_TYPE_ARP)) {
        g_ctl.punt_other++;
        rte_pktmbuf_free(m);
        return;
    }
    /* our next hops' ARP keeps their MACs; the frame goes on from here */
    underlay_neigh_input(port, d, rte_pktmbuf_data_len(m));
    rc = arp_make_reply(d, rte_pktmbuf_data_len(m), g_dp.local_ip, p->mac.addr_bytes);
    if (rc != ARP_RX_REPLIED) {
        /* not ours to answer: the kernel's, when the port has an exception
         * path (its addresses, its replies); malformed ARP and ARP on a
         * port without one are counted and dropped */
        if (rc != ARP_RX_BAD && p->kernel != DP_NO_PORT) {
            m->port = p->kernel;
            if (rte_ring_mp_enqueue(dp_ctrl_tx_ring(from), m) != 0) {
                g_ctl.ctrl_tx_full++;
                rte_pktmbuf_free(m);
            } else {
                g_ctl.arp_to_kernel++;
            }
            return;
        }
        if (rc == ARP_RX_TO_US)
            g_ctl.arp_ignored++;
        else if (rc == ARP_RX_NOT_US)
            g_ctl.drops[DROP_ARP_NOT_FOR_US]++;
        else
            g_ctl.drops[DROP_ARP_BAD]++;
        rte_pktmbuf_free(m);
        return;
    }
    /* 42 bytes of ARP, padded to the Ethernet minimum */
    rte_pktmbuf_trim(m, (uint16_t)(rte_pktmbuf_pkt_len(m) - 42));
    if (!rte_pktmbuf_append(m, 18)) {
        rte_pktmbuf_free(m);
        return;
    }
    memset(rte_pktmbuf_mtod_offset(m, uint8_t *, 42), 0, 18);
    m->port = port;
    if (rte_ring_mp_enqueue(dp_ctrl_tx_ring(from), m) != 0) {
        g_ctl.ctrl_tx_full++;
        rte_pktmbuf_free(m);
        return;
    }
    g_ctl.arp_replies++;
}

static unsigned drain_punt(void)
{
    struct rte_mbuf *m[32];
    unsigned total = 0;

    for (unsigned i = 0; i < g_dp.n_workers; i++)
        for (;;) {
            unsigned n = rte_ring_sc_dequeue_burst(g_dp.workers[i]->punt_ring, (void **)m, 32,
                                                   NULL);
            if (n == 0)
                break;
            total += n;
            for (unsigned k = 0; k < n; k++)
                handle_punt(m[k], i);
        }
    return total;
}

/* Packets seen by all workers so far (relaxed reads of their counters). */
static uint64_t rx_total(void)
{
    uint64_t t = 0;

    for (unsigned i = 0; i < g_dp.n_workers; i++)
        t += __atomic_load_n(&g_dp.workers[i]->st.packets, __ATOMIC_RELAXED);
    return t;
}

static void log_summary(void)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);

    if (!f)
        return;
    stats_summary(f);
    fclose(f);
    for (char *line = strtok(buf, "\n"); line; line = strtok(NULL, "\n"))
        VLOG(NOTICE, "summary: %s", line);
    free(buf);
}

void control_run(const struct run_opts *o)
{
    uint64_t start = now_ms(), last_change = start, last_age = start;
    uint64_t last_rx = 0, last_feed_poll = start, last_watchdog = start;
    uint64_t watchdog_ms = sd_watchdog_usec() / 2000;

    while (!g_stop_requested) {
        uint64_t t = now_ms();
        unsigned work = drain_learn() + drain_punt();

        /* a link that went down takes its next hops out of ECMP now */
        work += port_link_poll();
        uint64_t rx = rx_total();

        if (rx != last_rx || work) {
            last_rx = rx;
            last_change = t;
        }
        int pending_ctrl = dp_ctrl_tx_pending() != 0;
        if (o->exit_on_idle_ms && !pending_ctrl && t - last_change >= o->exit_on_idle_ms) {
            VLOG(INFO, "no packet for %llu ms: stopping",
                 (unsigned long long)o->exit_on_idle_ms);
            break;
        }
        if (o->duration_ms && t - start >= o->duration_ms) {
            VLOG(INFO, "ran for %llu ms: stopping", (unsigned long long)o->duration_ms);
            break;
        }
        /* age 1/100 of the table every 10 ms: a full pass a second, and
         * never a long stall of this thread */
        if (g_cfg->mac_age_s && t - last_age >= 10) {
            last_age = t;
            g_ctl.aged += mac_table_age_step(g_dp.macs, now_s(), g_cfg->mac_age_s,
                                             mac_table_positions(g_dp.macs) / 100 + 1);
        }
        if (g_rib && t - last_feed_poll >= 1000) {
            last_feed_poll = t;
            feed_server_poll();
        }
        cli_server_poll();
        rcu_free_poll();
        underlay_neigh_poll();
        kernel_mirror_poll();
        arp_proxy_poll(t);
        if (g_reload_requested) {
            char msg[512];
            g_reload_requested = 0;
            reload_run(msg, sizeof(msg));
        }
        if (g_summary_requested) {
            g_summary_requested = 0;
            log_summary();
        }
        if (watchdog_ms && t - last_watchdog >= watchdog_ms) {
            last_watchdog = t;
            sd_notify_send("WATCHDOG=1");
        }
        /* sockets (CLI, feeds, signals); no nap while there is work left */
        bool backlog = g_rib && feed_server_backlog();
        ev_run_once(work || backlog ? 0 : 500);
        if (g_rib && feed_server_backlog())
            feed_server_resume();
    }
}

void control_stop_workers(void)
{
    __atomic_store_n(&g_dp.stop, 1, __ATOMIC_RELEASE);
    rte_eal_mp_wait_lcore();
    /* what the workers handed over before they stopped */
    drain_learn();
    drain_punt();
    rcu_free_shutdown();
}
