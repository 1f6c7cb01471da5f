/* Prometheus families of the short/long classifier and of the residence
 * histogram (the two sections metrics.h reserves). */
#include <stdio.h>

#include "dp_worker.h"
#include "flow_table.h"
#include "metrics.h"
#include "prom_text.h"
#include "residence.h"

void metrics_write_classifier(FILE *f, const struct metrics_ctx *m)
{
    const struct dp_conf *c = m->conf;
    struct flow_table_stats fs[DP_MAX_WORKERS];
    static const struct {
        const char *name, *help;
        enum prom_type type;
        size_t off;
    } per_worker[] = {
        {"vtepd_classifier_live_flows", "Flows in a worker's classifier table now", PROM_GAUGE,
         offsetof(struct flow_table_stats, live)},
        {"vtepd_classifier_promotions_total", "Flows that became long", PROM_COUNTER,
         offsetof(struct flow_table_stats, promotions)},
        {"vtepd_classifier_evictions_total", "Idle flows pushed out of the table", PROM_COUNTER,
         offsetof(struct flow_table_stats, evictions)},
        {"vtepd_classifier_table_full_total", "New flows not tracked: the table was full",
         PROM_COUNTER, offsetof(struct flow_table_stats, table_full)},
        {"vtepd_classifier_restarts_total", "Live flows restarted by a TCP SYN", PROM_COUNTER,
         offsetof(struct flow_table_stats, restarts)},
    };
    char w[16], vni[16];

    if (!c->cls)
        return;
    for (unsigned i = 0; i < g_dp.n_workers; i++)
        flow_table_stats(c->cls->ft[i], &fs[i]);
    for (size_t k = 0; k < sizeof(per_worker) / sizeof(per_worker[0]); k++) {
        prom_family(f, per_worker[k].name, per_worker[k].type, per_worker[k].help);
        for (unsigned i = 0; i < g_dp.n_workers; i++) {
            snprintf(w, sizeof(w), "%u", i);
            prom_u64(f, per_worker[k].name,
                     *(const uint64_t *)((const char *)&fs[i] + per_worker[k].off), "worker", w,
                     PROM_END);
        }
    }
    prom_family(f, "vtepd_classifier_packets_total", PROM_COUNTER,
                "Frames encapsulated by the classifier, by class");
    prom_family(f, "vtepd_classifier_bytes_total", PROM_COUNTER,
                "Inner bytes encapsulated by the classifier, by class");
    for (int pass = 0; pass < 2; pass++)
        for (uint32_t s = 0; s < DP_MAX_VNIS; s++) {
            struct vni_stats vs;
            if (!c->vnis[s].vni || !c->vnis[s].classify)
                continue;
            stats_sum_vni(s, &vs);
            snprintf(vni, sizeof(vni), "%u", c->vnis[s].vni);
            for (int l = 0; l < 2; l++)
                prom_u64(f, pass ? "vtepd_classifier_bytes_total" : "vtepd_classifier_packets_total",
                         pass ? vs.cls_bytes[l] : vs.cls_packets[l], "vni", vni, "class",
                         l ? "long" : "short", PROM_END);
        }
}

void metrics_write_residence(FILE *f, const struct metrics_ctx *m)
{
    /* bounds in seconds; each residence bucket falls under the first bound
     * its inclusive upper value does not exceed */
    static const double le[] = {1e-6, 2e-6, 5e-6, 1e-5, 2e-5, 5e-5, 1e-4, 2e-4, 5e-4,
                                1e-3, 2e-3, 5e-3, 1e-2};
    enum { NB = sizeof(le) / sizeof(le[0]) };
    char w[16];

    if (!m->conf->residence)
        return;
    prom_family(f, "vtepd_packet_residence_seconds", PROM_HISTOGRAM,
                "Time a packet spends in vtepd, RX burst to TX burst, per worker");
    for (unsigned i = 0; i < g_dp.n_workers; i++) {
        struct residence_hist h = g_dp.workers[i]->st.residence;  /* snapshot */
        uint64_t count[NB + 1] = {0};
        struct prom_hist ph = {.n = NB, .le = le, .count = count,
                               .sum = (double)h.sum / m->tsc_hz};

        for (unsigned b = 0; b < RES_BUCKETS; b++) {
            double hi = (double)(res_bucket_high(b) - 1) / m->tsc_hz;
            unsigned k = 0;
            while (k < NB && hi > le[k])
                k++;
            count[k] += h.bucket[b];   /* cppcheck-suppress unreadVariable ; read through ph.count */
        }
        snprintf(w, sizeof(w), "%u", i);
        prom_histogram(f, "vtepd_packet_residence_seconds", &ph, "worker", w, PROM_END);
    }
}
