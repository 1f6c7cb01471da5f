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

#include "arp_proxy.h"
#include "bfd_manager.h"
#include "cli_server.h"
#include "control.h"
#include "event_loop.h"
#include "evpn_program.h"
#include "evpn_rib.h"
#include "config_apply.h"
#include "feed_server.h"
#include "dp.h"
#include "dp_worker.h"
#include "lcore_topology.h"
#include "log.h"
#include "port_link.h"
#include "metrics_http.h"
#include "reload.h"
#include "rcu_free.h"
#include "sd_notify.h"
#include "kernel_mirror.h"
#include "signals.h"
#include "underlay_neigh.h"
#include "version.h"

#define MAX_ARGS 128

static void usage(FILE *f)
{
    fprintf(f,
        "usage: vtepd -c FILE [--exit-on-idle MS] [--duration MS] [--stats-json FILE] [-- EAL args]\n"
        "  -c, --config FILE      YAML configuration\n"
        "  --exit-on-idle MS      stop once no port received anything for MS ms\n"
        "  --duration MS          stop after MS ms\n"
        "  --stats-json FILE      write every counter as JSON at exit\n"
        "  --check                check the configuration as start-up would, and exit\n"
        "  --version              print the version and exit\n"
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

static double mono_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
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
        {"version", no_argument, NULL, 'V'},
        {NULL, 0, NULL, 0},
    };
    struct run_opts ro = {0};
    const char *config = NULL;
    struct vtepd_config *cfg;
    struct apply_report rep;
    char err[512];
    char *eal_argv[MAX_ARGS];
    int eal_argc = 0, opt, check_only = 0, rc = 0;
    double t_start;

    /* before any thread exists, so that every thread inherits the mask */
    signals_block();
    while ((opt = getopt_long(argc, argv, "c:hV", opts, NULL)) != -1) {
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
        case 'V': printf("vtepd %s (%s)\n", VTEPD_VERSION, VTEPD_GIT); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (!config) {
        fprintf(stderr, "vtepd: -c FILE is required\n");
        usage(stderr);
        return 2;
    }
    cfg = calloc(1, sizeof(*cfg));
    if (!cfg) {
        VLOG(ERR, "out of memory");
        return 1;
    }
    g_cfg = cfg;
    if (config_load(config, cfg, err, sizeof(err)) != 0 ||
        config_check_startup(cfg, err, sizeof(err)) != 0) {
        VLOG(ERR, "%s", err);
        rc = 1;
        goto free_cfg;
    }
    if (check_only) {
        printf("%s: OK (%d ports, %d next hops, %d VNIs)\n", config, cfg->n_ports,
               cfg->n_nexthops, cfg->n_vnis);
        goto free_cfg;
    }

    eal_argv[eal_argc++] = argv[0];
    for (int i = 0; i < cfg->n_eal && eal_argc < MAX_ARGS - 1; i++)
        eal_argv[eal_argc++] = cfg->eal[i];
    for (int i = optind; i < argc && eal_argc < MAX_ARGS - 1; i++)
        eal_argv[eal_argc++] = argv[i];
    eal_argv[eal_argc] = NULL;
    if (rte_eal_init(eal_argc, eal_argv) < 0) {
        VLOG(ERR, "EAL initialisation failed (arguments from %s eal: and the command line)",
             config);
        rc = 1;
        goto free_cfg;
    }
    t_start = mono_s();

    if (dp_setup(cfg) != 0 || ev_init() != 0 || signals_watch() != 0 ||
        rcu_free_init(g_dp.qsv) != 0) {
        VLOG(ERR, "dataplane setup failed");
        rc = 1;
        goto out;
    }
    bfd_manager_init(cfg);
    port_link_init();
    lcore_topology_warn();
    if (underlay_neigh_init() != 0 || arp_proxy_init() != 0 || config_apply(cfg, NULL, &rep, err, sizeof(err)) != 0) {
        VLOG(ERR, "%s", err);
        rc = 1;
        goto out;
    }
    underlay_neigh_sync(cfg);
    if (kernel_mirror_start(cfg) != 0) {
        rc = 1;
        goto out;
    }
    control_cli_register();
    if (cfg->feed_socket[0] || cfg->feed_tcp_port) {
        struct rib_callbacks cb;
        evpn_program_init(&cb);
        cb.ip_changed = arp_proxy_remote;
        g_rib = rib_create(cfg->local_ip, evpn_program_is_vni, &cb);
        struct feed_server_opts fo = {
            .path = cfg->feed_socket, .tcp_port = cfg->feed_tcp_port,
            .stale_s = cfg->feed_stale_s, .allowed_uids = cfg->feed_users,
            .n_allowed_uids = cfg->n_feed_users, .init_timeout_s = cfg->feed_init_timeout_s,
            .idle_timeout_s = cfg->feed_idle_timeout_s,
        };
        if (!g_rib || feed_server_start(g_rib, &fo) != 0) {
            VLOG(ERR, "EVPN feed server failed to start");
            rc = 1;
            goto out;
        }
    }
    if (cfg->cli_socket[0] && cli_server_start(cfg->cli_socket) != 0) {
        rc = 1;
        goto out;
    }
    if (cfg->metrics_port && metrics_http_start(cfg->metrics_ip, cfg->metrics_port) != 0) {
        rc = 1;
        goto out;
    }
    for (unsigned i = 0; i < g_dp.n_workers; i++)
        rte_eal_remote_launch(dp_worker_main, g_dp.workers[i], g_dp.workers[i]->lcore);
    if (bfd_manager_start() != 0) {
        g_stop_requested = 1;
        rc = 1;
    }
    VLOG(INFO, "forwarding: %u worker(s), %u port(s), %d VNI(s), configuration %s",
         g_dp.n_workers, g_dp.n_ports, cfg->n_vnis, config);
    sd_notify_send("READY=1\nSTATUS=forwarding");
    control_run(&ro);
    sd_notify_send("STOPPING=1\nSTATUS=stopping");
    metrics_http_stop();
    bfd_manager_stop();
    control_stop_workers();
    kernel_mirror_stop();
    cli_server_stop();
    if (g_rib)
        feed_server_stop();
    port_link_fini();
    dp_teardown();
    stats_summary(stdout);
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
        unsigned size, avail, in_use;
        dp_pools_count(&size, &avail);
        in_use = size - avail;
        if (in_use)
            VLOG(WARNING, "%u mbufs still in use at exit", in_use);
    }
out:
    metrics_http_stop();
    cli_server_stop();
    if (g_rib) {
        feed_server_stop();
        rib_free(g_rib);
        g_rib = NULL;
    }
    arp_proxy_fini();
    rte_eal_cleanup();
free_cfg:
    config_free(g_cfg);
    free(g_cfg);
    g_cfg = NULL;
    return rc;
}
