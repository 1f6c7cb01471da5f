/* The control thread: builds the dataplane from the configuration, runs the
 * event loop that drains the workers' rings (MAC learning, punted packets),
 * ages MACs, and reports. */
#ifndef VTEPD_CONTROL_H
#define VTEPD_CONTROL_H

#include <stdint.h>
#include <stdio.h>

#include "dp.h"
#include "mac_table.h"
#include "vtepd_config.h"

/* Counters kept by the control thread itself. */
struct control_stats {
    uint64_t learn_new;
    uint64_t learn_refreshed;
    uint64_t learn_moved;
    uint64_t learn_limit;       /* refused: VNI at its MAC limit */
    uint64_t learn_static;      /* refused: MAC is static elsewhere */
    uint64_t learn_full;        /* refused: table full */
    uint64_t aged;
    uint64_t learn_stale;       /* event for a VNI or attachment a reload removed */
    uint64_t arp_replies;
    uint64_t arp_ignored;       /* ARP replies/gratuitous ARP to us */
    uint64_t arp_to_kernel;     /* ARP handed to the port's kernel interface */
    uint64_t punt_other;        /* punted packets that are not ARP */
    uint64_t ctrl_tx_full;
    uint64_t drops[DROP_NUM];   /* drops decided here (DROP_PATH_CONTROL) */
    uint64_t vni_learn_limit[DP_MAX_VNIS];  /* per VNI slot: learn_limit events */
};

extern struct control_stats g_ctl;

/* The EVPN RIB when a feed is configured, else NULL. */
extern struct evpn_rib *g_rib;

/* Build g_dp from cfg after rte_eal_init(): ports, mempool, MAC table and
 * workers (the first configuration generation comes from config_apply).
 * Returns 0 or a negative errno (logged). */
int dp_setup(const struct vtepd_config *cfg);

/* Stop and close the ports, free what dp_setup() made that holds mbufs. */
void dp_teardown(void);

struct run_opts {
    uint64_t exit_on_idle_ms;   /* 0: run until signalled */
    uint64_t duration_ms;       /* 0: no limit */
    const char *stats_json;
};

/* Run the control loop until a signal, idle timeout or duration ends it
 * (the running configuration is g_cfg, control/mgmt/reload.h). */
void control_run(const struct run_opts *o);

/* Stop the workers (after the BFD thread), take what they handed over last,
 * free what waited for them. */
void control_stop_workers(void);

/* A few lines of totals: per port, per VNI, per drop reason. */
void stats_summary(FILE *f);

/* Write every counter, the tables and run time as JSON to f. */
void stats_json_write(FILE *f, double uptime_s);

struct json;

/* Write the MAC table as one member "macs": [ ... ] of the open object. */
void stats_json_macs(struct json *j);

struct residence_hist;

/* A worker's residence-time histogram summarised as member "residence"
 * (count, mean, p50/p90/p99/p99.9, max in microseconds). */
void residence_json(struct json *j, const struct residence_hist *h);

/* "local", "static-local", "remote", "static-remote". */
const char *mac_kind_name(enum mac_kind k);

/* Register the CLI commands (control/mgmt/cli_commands.c). */
void control_cli_register(void);

/* Seconds since control_cli_register() (start-up, just before forwarding). */
double control_uptime_s(void);

#endif
