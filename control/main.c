/* vtepd: a userspace VXLAN/EVPN VTEP on DPDK.
 *
 *   vtepd -c FILE [--exit-on-idle MS] [--duration MS] [--stats-json FILE] [-- EAL args]
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rte_eal.h>
#include <rte_lcore.h>
#include <rte_mempool.h>

#include "bfd_manager.h"
#include "cli_server.h"
#include "control.h"
#include "event_loop.h"
#include "evpn_program.h"
#include "evpn_rib.h"
#include "feed_server.h"
#include "dp.h"
#include "log.h"

#define MAX_ARGS 128

static void usage(FILE *f)
{
    fprintf(f,
        "usage: vtepd -c FILE [--exit-on-idle MS] [--duration MS] [--stats-json FILE] [-- EAL args]\n"
        "  -c, --config FILE      YAML configuration\n"
        "  --exit-on-idle MS      stop once no port received anything for MS ms\n"
        "  --duration MS          stop after MS ms\n"
        "  --stats-json FILE      write every counter as JSON at exit\n"
        "  --check                parse the configuration and exit\n"
        "EAL arguments come from the config's eal: list, then from after --.\n");
}

static int parse_ms(const char *s, uint64_t *out)
{
    char *end;
    unsigned long long v;

    errno = 0;
    v = strtoull(s, &end, 10);
    if (errno || *s == '\0' || *end != '\0' || *s == '-')
        return -1;
    *out = v;
    return 0;
}

static void on_signal(int sig)
{
    (void)sig;
    g_stop_requested = 1;
}

static double mono_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void print_summary(void)
{
    for (uint16_t p = 0; p < g_dp.n_ports; p++) {
        uint64_t rx = 0, tx = 0, txd = 0;
        for (unsigned i = 0; i < g_dp.n_workers; i++) {
            rx += g_dp.workers[i]->st.port[p].rx_packets;
            tx += g_dp.workers[i]->st.port[p].tx_packets;
            txd += g_dp.workers[i]->st.port[p].tx_dropped;
        }
        printf("port %-8s rx %llu tx %llu tx_dropped %llu\n", g_dp.ports[p].name,
               (unsigned long long)rx, (unsigned long long)tx, (unsigned long long)txd);
    }
    for (uint32_t v = 0; v < g_dp.n_vnis; v++) {
        uint64_t e = 0, d = 0, fl = 0, sw = 0;
        for (unsigned i = 0; i < g_dp.n_workers; i++) {
            e += g_dp.workers[i]->st.vni[v].encap_packets;
            d += g_dp.workers[i]->st.vni[v].decap_packets;
            fl += g_dp.workers[i]->st.vni[v].flood_packets;
            sw += g_dp.workers[i]->st.vni[v].local_switched;
        }
        printf("vni %-8u encap %llu decap %llu flooded %llu switched %llu\n", g_dp.vnis[v].vni,
               (unsigned long long)e, (unsigned long long)d, (unsigned long long)fl,
               (unsigned long long)sw);
    }
    for (int r = 0; r < DROP_NUM; r++) {
        uint64_t n = 0;
        for (unsigned i = 0; i < g_dp.n_workers; i++)
            n += g_dp.workers[i]->st.drops[r];
        if (n)
            printf("drop %-22s %llu\n", drop_reason_name((enum drop_reason)r),
                   (unsigned long long)n);
    }
    if (g_ctl.arp_replies)
        printf("arp replies %llu\n", (unsigned long long)g_ctl.arp_replies);
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"config", required_argument, NULL, 'c'},
        {"exit-on-idle", required_argument, NULL, 'i'},
        {"duration", required_argument, NULL, 'd'},
        {"stats-json", required_argument, NULL, 's'},
        {"check", no_argument, NULL, 'k'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct run_opts ro = {0};
    const char *config = NULL;
    struct vtepd_config cfg;
    char err[512];
    char *eal_argv[MAX_ARGS];
    int eal_argc = 0, opt, check_only = 0, rc = 0;
    double t_start;

    while ((opt = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
        switch (opt) {
        case 'c': config = optarg; break;
        case 'i':
            if (parse_ms(optarg, &ro.exit_on_idle_ms) || ro.exit_on_idle_ms == 0) {
                fprintf(stderr, "vtepd: --exit-on-idle: expected milliseconds > 0, got '%s'\n", optarg);
                return 2;
            }
            break;
        case 'd':
            if (parse_ms(optarg, &ro.duration_ms) || ro.duration_ms == 0) {
                fprintf(stderr, "vtepd: --duration: expected milliseconds > 0, got '%s'\n", optarg);
                return 2;
            }
            break;
        case 's': ro.stats_json = optarg; break;
        case 'k': check_only = 1; break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (!config) {
        fprintf(stderr, "vtepd: -c FILE is required\n");
        usage(stderr);
        return 2;
    }
    if (config_load(config, &cfg, err, sizeof(err)) != 0) {
        VLOG(ERR, "%s", err);
        return 1;
    }
    if (check_only) {
        printf("%s: OK (%d ports, %d next hops, %d VNIs)\n", config, cfg.n_ports,
               cfg.n_nexthops, cfg.n_vnis);
        config_free(&cfg);
        return 0;
    }

    eal_argv[eal_argc++] = argv[0];
    for (int i = 0; i < cfg.n_eal && eal_argc < MAX_ARGS - 1; i++)
        eal_argv[eal_argc++] = cfg.eal[i];
    for (int i = optind; i < argc && eal_argc < MAX_ARGS - 1; i++)
        eal_argv[eal_argc++] = argv[i];
    eal_argv[eal_argc] = NULL;
    if (optind < argc || cfg.n_eal + 1 >= MAX_ARGS) {
        /* nothing: the arguments after -- belong to EAL */
    }
    if (rte_eal_init(eal_argc, eal_argv) < 0) {
        VLOG(ERR, "EAL initialisation failed (arguments from %s eal: and the command line)", config);
        config_free(&cfg);
        return 1;
    }
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    t_start = mono_s();

    if (dp_setup(&cfg) != 0) {
        VLOG(ERR, "dataplane setup failed");
        rc = 1;
        goto out;
    }
    if (ev_init() != 0) {
        VLOG(ERR, "epoll: %s", strerror(errno));
        rc = 1;
        goto out;
    }
    control_cli_register();
    if (cfg.realtime_priority) {
        /* BFD timers at 10 ms x 3 want the control thread scheduled on
         * time; it sleeps in epoll between events, so FIFO starves no one */
        struct sched_param sp = {.sched_priority = (int)cfg.realtime_priority};
        int e = pthread_setschedparam(pthread_self(), SCHED_FIFO, &sp);
        if (e != 0)
            VLOG(WARNING, "control.realtime_priority %u: %s", cfg.realtime_priority, strerror(e));
        else
            VLOG(INFO, "control thread at SCHED_FIFO priority %u", cfg.realtime_priority);
    }
    if (bfd_manager_init(&cfg) != 0) {
        rc = 1;
        goto out;
    }
    if (cfg.feed_socket[0] || cfg.feed_tcp_port) {
        struct rib_callbacks cb;
        evpn_program_init(&cfg, &cb);
        g_rib = rib_create(cfg.local_ip, evpn_program_is_vni, &cb);
        if (!g_rib || feed_server_start(g_rib, cfg.feed_socket, cfg.feed_tcp_port,
                                        cfg.feed_stale_s) != 0) {
            VLOG(ERR, "EVPN feed server failed to start");
            rc = 1;
            goto out;
        }
    }
    if (cfg.cli_socket[0] && cli_server_start(cfg.cli_socket) != 0) {
        rc = 1;
        goto out;
    }
    for (unsigned i = 0; i < g_dp.n_workers; i++)
        rte_eal_remote_launch(worker_main, g_dp.workers[i], g_dp.workers[i]->lcore);
    VLOG(INFO, "forwarding: %u worker(s), %u port(s), %u VNI(s), VTEP %s",
         g_dp.n_workers, g_dp.n_ports, g_dp.n_vnis, config);
    control_run(&cfg, &ro);
    cli_server_stop();
    if (g_rib)
        feed_server_stop();
    dp_teardown();
    print_summary();
    if (ro.stats_json) {
        FILE *f = fopen(ro.stats_json, "w");
        if (!f) {
            VLOG(ERR, "cannot write %s: %s", ro.stats_json, strerror(errno));
            rc = 1;
        } else {
            stats_json_write(f, mono_s() - t_start);
            fclose(f);
        }
    }
    if (g_dp.pool) {
        unsigned in_use = g_dp.pool->size - rte_mempool_avail_count(g_dp.pool);
        if (in_use)
            VLOG(WARNING, "%u mbufs still in use at exit", in_use);
    }
out:
    if (g_rib) {
        rib_free(g_rib);
        g_rib = NULL;
    }
    config_free(&cfg);
    rte_eal_cleanup();
    return rc;
}
