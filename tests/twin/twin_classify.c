/* The C side of the twin-equality test: every frame of a capture through the
 * same key extraction (include/flow_class.h) and the DPDK dataplane's flow
 * table (dataplane/flow_table.c), configured from the classifier: section
 * of FILE, with the capture's timestamps (ns) as the clock. Frames with the
 * same timestamp, up to 32, go through flow_table_classify_bulk() together,
 * as a received burst would. Prints what vtep-splitter test-run prints, one
 * line per frame:
 *   INDEX short|long counted|uncounted DSCP|-
 * DSCP is the one the XDP twin would leave in the frame (the class's DSCP,
 * ECN kept), "-" for frames that are not IP. VNI 0, as the XDP twin.
 *
 *   twin_classify FILE PCAP
 */
#include <errno.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flow_class.h"
#include "flow_table.h"
#include "vtepd_config.h"

#define BURST 32u
#define SNAP 2048u

struct frame {
    unsigned long idx;
    uint8_t data[SNAP];
    uint32_t len;
};

static struct frame burst[BURST];
static struct fc_key keys[BURST];
static struct fc_meta meta[BURST];

static void flush(struct flow_table *t, unsigned n, uint64_t now, const struct cfg_classifier *cl)
{
    uint8_t res[BURST];

    for (unsigned i = 0; i < n; i++) {
        meta[i].len = burst[i].len;
        fc_extract(burst[i].data, burst[i].data + burst[i].len, 0, cl->protocols, &keys[i],
                   &meta[i]);
    }
    flow_table_classify_bulk(t, keys, meta, n, now, res);
    for (unsigned i = 0; i < n; i++) {
        uint8_t *f = burst[i].data;
        uint8_t dscp = (res[i] & FC_R_LONG) ? cl->long_flows.dscp : cl->short_flows.dscp;
        char d[8] = "-";

        if (meta[i].flags & FC_M_IPV4) {
            fc_ipv4_set_dscp(f + meta[i].l3_off, dscp);
            snprintf(d, sizeof(d), "%u", (unsigned)(f[meta[i].l3_off + 1] >> 2));
        } else if (meta[i].flags & FC_M_IPV6) {
            fc_ipv6_set_dscp(f + meta[i].l3_off, dscp);
            snprintf(d, sizeof(d), "%u", (unsigned)(fc_ipv6_tclass(f + meta[i].l3_off) >> 2));
        }
        printf("%lu %s %s %s\n", burst[i].idx, (res[i] & FC_R_LONG) ? "long" : "short",
               (res[i] & FC_R_COUNTED) ? "counted" : "uncounted", d);
    }
}

int main(int argc, char **argv)
{
    char err[512], errbuf[PCAP_ERRBUF_SIZE];
    struct vtepd_config cfg;
    struct flow_table *t;
    struct pcap_pkthdr *h;
    const u_char *data;
    unsigned long idx = 0;
    uint64_t bnow = 0;
    unsigned n = 0;
    int nx;
    pcap_t *p;

    if (argc != 3) {
        fprintf(stderr, "usage: twin_classify FILE PCAP\n");
        return 2;
    }
    if (config_load_classifier(argv[1], &cfg, err, sizeof(err)) != 0) {
        fprintf(stderr, "twin_classify: %s\n", err);
        return 1;
    }
    if (!cfg.classifier.present) {
        fprintf(stderr, "twin_classify: %s: no classifier: section\n", argv[1]);
        return 1;
    }
    struct flow_table_params prm = {
        .capacity = cfg.classifier.flows_per_worker,
        .threshold = cfg.classifier.threshold_packets,
        .idle = (uint64_t)cfg.classifier.idle_s * 1000000000ull,
        .hz = 1000000000ull,
    };
    t = flow_table_create(&prm);
    if (!t) {
        fprintf(stderr, "twin_classify: flow_table_create: %s\n", strerror(errno));
        return 1;
    }
    p = pcap_open_offline_with_tstamp_precision(argv[2], PCAP_TSTAMP_PRECISION_NANO, errbuf);
    if (!p) {
        fprintf(stderr, "twin_classify: %s: %s\n", argv[2], errbuf);
        return 1;
    }
    while ((nx = pcap_next_ex(p, &h, &data)) == 1) {
        /* the same clock as vtep-splitter test-run: ns, plus 1 */
        uint64_t now = (uint64_t)h->ts.tv_sec * 1000000000ull + (uint64_t)h->ts.tv_usec + 1;

        idx++;
        if (h->caplen != h->len || h->caplen < 14 || h->caplen > 3000 || h->caplen > SNAP) {
            if (n) {
                flush(t, n, bnow, &cfg.classifier);
                n = 0;
            }
            printf("%lu skipped\n", idx);
            continue;
        }
        if (n && (now != bnow || n == BURST)) {
            flush(t, n, bnow, &cfg.classifier);
            n = 0;
        }
        bnow = now;
        burst[n].idx = idx;
        burst[n].len = h->caplen;
        memcpy(burst[n].data, data, h->caplen);
        n++;
    }
    if (n)
        flush(t, n, bnow, &cfg.classifier);
    if (nx == PCAP_ERROR) {
        fprintf(stderr, "twin_classify: %s: %s\n", argv[2], pcap_geterr(p));
        return 1;
    }
    pcap_close(p);
    flow_table_destroy(t);
    config_free(&cfg);
    return 0;
}
