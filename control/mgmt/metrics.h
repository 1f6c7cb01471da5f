/* Prometheus exposition of vtepd's state: "show metrics" on the CLI socket
 * and GET /metrics over HTTP (metrics_http.h) write the same text.
 *
 * Control thread only: the rendering reads what the control thread owns
 * (the configuration generation, the RIB, the feed sessions, the CLI
 * counters) and takes the BFD lock for the sessions. The HTTP thread never
 * calls it; it asks the control thread to (metrics_http.c).
 *
 * The text is a list of sections, one function each (metrics.c); every
 * family is written whole by one section (HELP, TYPE, then its samples), so
 * `promtool check metrics` holds. Names follow the Prometheus conventions:
 * vtepd_ prefix, base units (seconds, bytes), _total for counters, labels
 * port, vni, reason/path, peer, group, nexthop, feed, worker. */
#ifndef VTEPD_METRICS_H
#define VTEPD_METRICS_H

#include <stdio.h>

#include "stats_sum.h"

/* Write every family to f. */
void metrics_write(FILE *f);

/* What each section is given: totals summed once per rendering. */
struct metrics_ctx {
    const struct dp_conf *conf;     /* the current generation */
    const struct dp_totals *t;      /* stats_sum() */
    double tsc_hz;
};

typedef void (*metrics_section_fn)(FILE *f, const struct metrics_ctx *m);

/* ---- the classifier and the residence histogram (metrics_classifier.c) ---
 *
 * metrics_write_classifier: the short/long flow classifier, written only
 * while m->conf->cls is set (include/dp.h); the data: flow_table_stats() of
 * m->conf->cls->ft[w] for each worker w (include/flow_table.h), and
 * cls_packets[]/cls_bytes[] ([0] short, [1] long) of stats_sum_vni() for
 * each VNI slot with vnis[].classify ("show classifier" reads the same):
 *   vtepd_classifier_live_flows{worker}         gauge    flows in the table now
 *   vtepd_classifier_promotions_total{worker}   counter  flows that became long
 *   vtepd_classifier_evictions_total{worker}    counter  flows pushed out
 *   vtepd_classifier_table_full_total{worker}   counter  new flows not tracked: table full
 *   vtepd_classifier_packets_total{vni,class}   counter  class="short" or "long"
 *   vtepd_classifier_bytes_total{vni,class}     counter  inner bytes
 *
 * metrics_write_residence: time a packet spends inside vtepd (RX burst to
 * TX burst), per worker, written only while m->conf->residence is set; the
 * data: g_dp.workers[w]->st.residence (include/residence.h, TSC ticks,
 * bucket b holds [res_bucket_low(b), res_bucket_high(b))). As a Prometheus
 * histogram written with prom_histogram() (prom_text.h): a few fixed bounds
 * in seconds, each the inclusive (res_bucket_high(b) - 1) / m->tsc_hz of
 * the last residence bucket it takes, the rest above them in +Inf:
 *   vtepd_packet_residence_seconds_bucket{worker,le}, _sum{worker}, _count{worker}
 */
void metrics_write_classifier(FILE *f, const struct metrics_ctx *m);
void metrics_write_residence(FILE *f, const struct metrics_ctx *m);

#endif
