/* Totals over every worker's counters (and the control thread's own drop
 * counts): the one place that sums them, for the exit summary, the stats
 * JSON and the metrics. Control thread; the workers keep counting while it
 * reads (each 64-bit counter is read whole). */
#ifndef VTEPD_STATS_SUM_H
#define VTEPD_STATS_SUM_H

#include <stdint.h>

#include "counters.h"
#include "dp.h"

struct dp_totals {
    struct port_stats port[DP_MAX_PORTS];
    uint64_t drops[DROP_NUM];       /* workers + control thread */
    struct event_stats ev;
    uint64_t packets;
    uint64_t busy_cycles;
    uint64_t first_rx_tsc, last_rx_tsc;
};

void stats_sum(struct dp_totals *t);

/* Counters of VNI slot `slot` since the slot took its current VNI. */
void stats_sum_vni(uint32_t slot, struct vni_stats *out);

/* The slot now holds another VNI: its counters start again at 0. */
void stats_vni_rebase(uint32_t slot);

#endif
