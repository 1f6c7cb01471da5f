/* vtep-meter: the per-packet analysis pipeline (see meter.h):
 * dissect -> flow accounting at A -> match A/B copies -> latency, jitter,
 * FCT inputs; expiry of what waited too long; summaries at the end. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "meter.h"

#define DSCP_ENCAP 0x80   /* flag kept beside the DSCP in match entries */

void meter_config_default(struct meter_config *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    meter_parse_cfg_default(&cfg->parse);
    cfg->threshold = 20;
    cfg->max_flows = 1u << 18;
    cfg->max_pending = 1u << 20;
    cfg->max_samples = 1u << 22;
    cfg->max_records = 0;
    cfg->timeout_ns = 1000000000LL;
    cfg->skip_ns = 0;
}

struct meter *meter_create(const struct meter_config *cfg)
{
    struct meter *m;

    if (cfg->timeout_ns <= 0 || cfg->max_flows == 0 || cfg->max_pending == 0 ||
        cfg->parse.prefix_len > METER_MAX_PREFIX || cfg->skip_ns < 0) {
        fprintf(stderr, "vtep-meter: invalid analysis configuration\n");
        return NULL;
    }
    m = calloc(1, sizeof(*m));
    if (!m)
        goto nomem;
    m->cfg = *cfg;
    if (meter_match_init(&m->match, cfg->max_pending) < 0 ||
        meter_flows_init(&m->flows, cfg->max_flows) < 0 ||
        meter_reservoir_init(&m->lat, cfg->max_samples) < 0)
        goto nomem;
    if (cfg->max_records) {
        m->rec = calloc(cfg->max_records, sizeof(*m->rec));
        if (!m->rec)
            goto nomem;
    }
    m->wm[0] = m->wm[1] = INT64_MIN;
    m->first_a = INT64_MAX;
    return m;
nomem:
    fprintf(stderr, "vtep-meter: not enough memory for %u flows, %u pending packets, "
            "%u latency samples and %u packet records (lower --max-*)\n",
            cfg->max_flows, cfg->max_pending, cfg->max_samples, cfg->max_records);
    meter_destroy(m);
    return NULL;
}

void meter_destroy(struct meter *m)
{
    if (!m)
        return;
    meter_match_free(&m->match);
    meter_flows_free(&m->flows);
    meter_reservoir_free(&m->lat);
    free(m->rec);
    free(m);
}

static inline struct meter_flow *flow_at(struct meter *m, uint32_t i)
{
    return i == METER_NONE ? NULL : &m->flows.f[i];
}

/* A and B copies of one packet. */
static void on_match(struct meter *m, uint32_t flow, int64_t ts_a, uint16_t port_a,
                     int64_t ts_b, uint16_t port_b, uint8_t dscp_b, uint32_t ip_len)
{
    struct meter_flow *f = flow_at(m, flow);
    int64_t lat = ts_b - ts_a;

    m->c.matched++;
    if (lat < 0)
        m->c.negative_latency++;
    if (f)
        meter_flow_on_match(f, ts_a, ts_b, dscp_b & 63, (dscp_b & DSCP_ENCAP) != 0);
    meter_reservoir_add(&m->lat, lat, flow);
    if (m->cfg.max_records == 0)
        return;
    if (m->n_rec >= m->cfg.max_records) {
        m->c.records_dropped++;
        return;
    }
    m->rec[m->n_rec++] = (struct meter_record){
        .ts_a = ts_a, .ts_b = ts_b, .flow = flow, .ip_len = ip_len,
        .port_a = port_a, .port_b = port_b, .dscp_b = dscp_b & 63,
        .jitter = f ? f->jitter : 0,
    };
}

/* Entry i leaves the table: what it was waiting for did not come. */
static void retire(struct meter *m, uint32_t i)
{
    struct meter_match_entry *e = &m->match.e[i];
    struct meter_flow *f = flow_at(m, e->flow);

    if (e->state == METER_M_PENDING_A) {
        m->c.lost++;
        if (f)
            f->lost++;
    } else if (e->state == METER_M_PENDING_B) {
        m->c.unexpected_b++;
        if (f) {
            f->unexpected_b++;
            f->b_packets++;
        }
    }
    meter_match_remove(&m->match, i);
}

static void expire_list(struct meter *m, enum meter_match_list l, int64_t wm)
{
    uint32_t i;

    if (wm == INT64_MIN)
        return;
    while ((i = meter_match_oldest(&m->match, l)) != METER_NONE &&
           m->match.e[i].ts < wm - m->cfg.timeout_ns)
        retire(m, i);
}

/* Insert, pushing out the oldest entry when the table is full. */
static void insert(struct meter *m, uint64_t sig, enum meter_match_state st, int64_t ts,
                   uint16_t port, uint32_t flow, uint8_t dscp, uint32_t ip_len)
{
    if (meter_match_insert(&m->match, sig, st, ts, port, flow, dscp, ip_len) != METER_NONE)
        return;
    uint32_t a = meter_match_oldest(&m->match, METER_LIST_A);
    uint32_t b = meter_match_oldest(&m->match, METER_LIST_B);
    uint32_t victim = a;

    if (a == METER_NONE || (b != METER_NONE && m->match.e[b].ts < m->match.e[a].ts))
        victim = b;
    if (victim == METER_NONE)
        return;     /* cannot happen: a full table has entries */
    m->c.pending_evicted++;
    retire(m, victim);
    meter_match_insert(&m->match, sig, st, ts, port, flow, dscp, ip_len);
}

static void on_a(struct meter *m, uint16_t port, int64_t ts, const struct meter_pkt *p)
{
    bool created;
    uint32_t flow = meter_flows_get(&m->flows, &p->key, p->key_hash, &created);
    uint32_t i;

    if (flow == METER_NONE) {
        m->c.flow_overflow++;
    } else {
        if (created)
            m->c.flows++;
        meter_flow_on_a(&m->flows.f[flow], ts, p->ip_len);
    }
    if (ts < m->first_a)
        m->first_a = ts;
    int any;

    i = meter_match_find_any(&m->match, p->sig, METER_M_PENDING_B, &any);
    if (i != METER_NONE) {
        struct meter_match_entry *e = &m->match.e[i];

        m->c.matched_b_first++;
        on_match(m, flow, ts, port, e->ts, e->port, e->dscp, p->ip_len);
        e->flow = flow;
        meter_match_set(&m->match, i, METER_M_MATCHED, ts);
    } else {
        if (any)        /* waiting or matched under the same signature */
            m->c.dup_sig_a++;
        insert(m, p->sig, METER_M_PENDING_A, ts, port, flow, 0, p->ip_len);
    }
    if (ts > m->wm[METER_TAP_A]) {
        m->wm[METER_TAP_A] = ts;
        expire_list(m, METER_LIST_B, ts);
    }
}

static void on_b(struct meter *m, uint16_t port, int64_t ts, const struct meter_pkt *p)
{
    uint8_t dscp = (uint8_t)(p->dscp | (p->encap ? DSCP_ENCAP : 0));
    uint32_t i = meter_match_find(&m->match, p->sig, METER_M_PENDING_A);

    if (i != METER_NONE) {
        struct meter_match_entry *e = &m->match.e[i];

        on_match(m, e->flow, e->ts, e->port, ts, port, dscp, e->ip_len);
        meter_match_set(&m->match, i, METER_M_MATCHED, e->ts);
    } else if ((i = meter_match_find(&m->match, p->sig, METER_M_MATCHED)) != METER_NONE) {
        struct meter_flow *f = flow_at(m, m->match.e[i].flow);

        m->c.dup_b++;
        if (f) {
            f->dup_b++;
            f->b_packets++;
        }
    } else {
        insert(m, p->sig, METER_M_PENDING_B, ts, port,
               meter_flows_lookup(&m->flows, &p->key, p->key_hash), dscp, p->ip_len);
    }
    if (ts > m->wm[METER_TAP_B]) {
        m->wm[METER_TAP_B] = ts;
        expire_list(m, METER_LIST_A, ts);
    }
}

static inline int count_refused(struct meter *m, unsigned t, int rc)
{
    if (rc == -EPROTONOSUPPORT)
        m->c.not_ip[t]++;
    else if (rc == -ENODATA)
        m->c.truncated[t]++;
    else
        m->c.malformed[t]++;
    return rc;
}

static inline void account(struct meter *m, enum meter_tap tap, uint16_t port, int64_t ts,
                           const struct meter_pkt *p)
{
    unsigned t = tap == METER_TAP_B ? 1 : 0;

    m->c.ip[t]++;
    m->c.short_prefix[t] += p->short_prefix;
    m->c.encap[t] += p->encap;
    if (t == 0)
        on_a(m, port, ts, p);
    else
        on_b(m, port, ts, p);
}

int meter_packet(struct meter *m, enum meter_tap tap, uint16_t port, int64_t ts,
                 const uint8_t *frame, uint32_t caplen, enum meter_link link)
{
    struct meter_pkt p;
    unsigned t = tap == METER_TAP_B ? 1 : 0;
    int rc;

    m->c.frames[t]++;
    rc = meter_parse(&m->cfg.parse, link, frame, caplen, &p);
    if (rc < 0)
        return count_refused(m, t, rc);
    account(m, tap, port, ts, &p);
    return 0;
}

void meter_packet_burst(struct meter *m, enum meter_tap tap, uint16_t port,
                        const int64_t *ts, const uint8_t *const *frame,
                        const uint32_t *caplen, unsigned n, enum meter_link link)
{
    struct meter_pkt p[METER_BURST_MAX];
    uint8_t ok[METER_BURST_MAX];
    unsigned t = tap == METER_TAP_B ? 1 : 0;

    if (n > METER_BURST_MAX)
        n = METER_BURST_MAX;
    m->c.frames[t] += n;
    /* Dissect the burst and fetch the hash chains it will need... */
    for (unsigned k = 0; k < n; k++) {
        int rc = meter_parse(&m->cfg.parse, link, frame[k], caplen[k], &p[k]);

        ok[k] = rc == 0;
        if (rc < 0) {
            count_refused(m, t, rc);
            continue;
        }
        meter_match_prefetch(&m->match, p[k].sig);
        meter_flows_prefetch(&m->flows, p[k].key_hash);
    }
    /* ...then account for it. */
    for (unsigned k = 0; k < n; k++)
        if (ok[k])
            account(m, tap, port, ts[k], &p[k]);
}

void meter_expire(struct meter *m, int64_t now)
{
    expire_list(m, METER_LIST_A, now);
    expire_list(m, METER_LIST_B, now);
}

void meter_finish(struct meter *m)
{
    for (int l = 0; l < 2; l++) {
        uint32_t i;

        while ((i = meter_match_oldest(&m->match, (enum meter_match_list)l)) != METER_NONE)
            retire(m, i);
    }
}

bool meter_flow_skipped(const struct meter *m, const struct meter_flow *f)
{
    return m->cfg.skip_ns > 0 && f->packets > 0 && m->first_a != INT64_MAX &&
           f->first_a - m->first_a < m->cfg.skip_ns;
}

/* ---- summaries ----------------------------------------------------------- */

struct vec {
    double *v;
    size_t n;
};

int meter_report_build(const struct meter *m, struct meter_report *r)
{
    struct vec fct[METER_N_CLASSES] = {{0}}, jit[METER_N_CLASSES] = {{0}}, lat[METER_N_CLASSES] = {{0}};
    long double lat_sum[METER_N_CLASSES] = {0};
    int64_t lat_min[METER_N_CLASSES], lat_max[METER_N_CLASSES];
    uint64_t lat_n[METER_N_CLASSES] = {0};
    int rc = -ENOMEM;

    memset(r, 0, sizeof(*r));
    for (int c = 0; c < METER_N_CLASSES; c++) {
        lat_min[c] = INT64_MAX;
        lat_max[c] = INT64_MIN;
        fct[c].v = malloc(((size_t)m->flows.n + 1) * sizeof(double));
        jit[c].v = malloc(((size_t)m->flows.n + 1) * sizeof(double));
        lat[c].v = malloc(((size_t)m->lat.n + 1) * sizeof(double));
        if (!fct[c].v || !jit[c].v || !lat[c].v)
            goto out;
    }
    for (uint32_t i = 0; i < m->flows.n; i++) {
        const struct meter_flow *f = &m->flows.f[i];
        const int cls[2] = {meter_flow_class(f, m->cfg.threshold), METER_CLASS_ALL};
        int64_t v;

        if (meter_flow_skipped(m, f)) {
            r->skipped_flows++;
            continue;
        }
        for (int k = 0; k < 2; k++) {
            int c = cls[k];
            struct meter_class_report *cr = &r->cls[c];

            cr->flows++;
            cr->packets += f->packets;
            cr->lost += f->lost;
            if (meter_flow_completed(f) && meter_flow_fct(f, &v)) {
                cr->completed++;
                fct[c].v[fct[c].n++] = (double)v;
            }
            if (f->matched >= 2)
                jit[c].v[jit[c].n++] = f->jitter;
            if (f->matched > 0) {
                lat_n[c] += f->matched;
                lat_sum[c] += f->lat_sum;
                if (f->lat_min < lat_min[c])
                    lat_min[c] = f->lat_min;
                if (f->lat_max > lat_max[c])
                    lat_max[c] = f->lat_max;
            }
        }
    }
    for (uint32_t s = 0; s < m->lat.n; s++) {
        uint32_t fi = m->lat.tag[s];
        const struct meter_flow *f;

        if (fi == METER_NONE || fi >= m->flows.n)
            continue;
        f = &m->flows.f[fi];
        if (meter_flow_skipped(m, f))
            continue;
        int c = meter_flow_class(f, m->cfg.threshold);
        lat[c].v[lat[c].n++] = (double)m->lat.val[s];
        lat[METER_CLASS_ALL].v[lat[METER_CLASS_ALL].n++] = (double)m->lat.val[s];
    }
    r->latency_sampled = m->lat.seen > m->lat.n;
    r->latency_samples = m->lat.n;
    for (int c = 0; c < METER_N_CLASSES; c++) {
        struct meter_class_report *cr = &r->cls[c];

        meter_summarize(fct[c].v, fct[c].n, &cr->fct);
        meter_summarize(jit[c].v, jit[c].n, &cr->jitter);
        meter_summarize(lat[c].v, lat[c].n, &cr->latency);
        /* Exact count, mean and extremes from the flows. */
        cr->latency.count = lat_n[c];
        if (lat_n[c]) {
            cr->latency.mean = (double)(lat_sum[c] / (long double)lat_n[c]);
            cr->latency.min = (double)lat_min[c];
            cr->latency.max = (double)lat_max[c];
        }
    }
    rc = 0;
out:
    for (int c = 0; c < METER_N_CLASSES; c++) {
        free(fct[c].v);
        free(jit[c].v);
        free(lat[c].v);
    }
    return rc;
}
