/* vtep-meter: CSV and JSON result files, and the plot script
 * (see meter_output.h). */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "meter_output.h"

void meter_run_error(struct meter_run_desc *d, const char *fmt, ...)
{
    va_list ap;

    if (d->n_errors >= METER_MAX_ERRORS)
        return;
    va_start(ap, fmt);
    vsnprintf(d->errors[d->n_errors++], METER_ERRLEN, fmt, ap);
    va_end(ap);
}

/* mkdir -p */
static int make_dir(const char *dir)
{
    char buf[4096];
    size_t n = strlen(dir);

    if (n == 0 || n >= sizeof(buf))
        return -ENAMETOOLONG;
    memcpy(buf, dir, n + 1);
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(buf, 0755) < 0 && errno != EEXIST)
            return -errno;
        *p = '/';
    }
    if (mkdir(buf, 0755) < 0 && errno != EEXIST)
        return -errno;
    return 0;
}

static FILE *open_out(const char *dir, const char *name, char *path, size_t size)
{
    FILE *f;

    snprintf(path, size, "%s/%s", dir, name);
    f = fopen(path, "w");
    if (!f)
        fprintf(stderr, "vtep-meter: cannot write %s: %s\n", path, strerror(errno));
    return f;
}

static int close_out(FILE *f, const char *path)
{
    int bad = ferror(f);

    if (fclose(f) != 0 || bad) {
        fprintf(stderr, "vtep-meter: error writing %s\n", path);
        return -EIO;
    }
    return 0;
}

static void addr_str(const struct meter_flow_key *k, const uint8_t *a, char *buf, size_t size)
{
    if (!inet_ntop(k->family == 6 ? AF_INET6 : AF_INET, a, buf, (socklen_t)size))
        snprintf(buf, size, "?");
}

static void dscp_set_str(uint64_t set, char *buf, size_t size)
{
    size_t n = 0;

    buf[0] = '\0';
    for (int d = 0; d < 64 && n + 4 < size; d++)
        if (set & (1ULL << d))
            n += (size_t)snprintf(buf + n, size - n, "%s%d", n ? "|" : "", d);
}

static const char *flow_class_name(const struct meter *m, uint32_t fi)
{
    if (fi == METER_NONE || fi >= m->flows.n)
        return "none";
    return meter_class_name(meter_flow_class(&m->flows.f[fi], m->cfg.threshold));
}

static int write_flows(const struct meter *m, const char *dir)
{
    char path[4200], s[INET6_ADDRSTRLEN], d[INET6_ADDRSTRLEN], pb[8], set[200];
    FILE *f = open_out(dir, "flows.csv", path, sizeof(path));

    if (!f)
        return -EIO;
    fprintf(f, "flow,proto,src,sport,dst,dport,class,packets,bytes,b_packets,matched,lost,"
               "dup_b,unexpected_b,completed,first_a_ns,last_a_ns,first_b_ns,last_b_ns,fct_ns,"
               "lat_min_ns,lat_mean_ns,lat_max_ns,jitter_ns,dscp_b_first,dscp_b_last,"
               "dscp_b_set,encap_b,skipped\n");
    for (uint32_t i = 0; i < m->flows.n; i++) {
        const struct meter_flow *fl = &m->flows.f[i];
        int64_t fct = 0;

        addr_str(&fl->key, fl->key.src, s, sizeof(s));
        addr_str(&fl->key, fl->key.dst, d, sizeof(d));
        fprintf(f, "%u,%s,%s,%u,%s,%u,%s,%u,%" PRIu64 ",%u,%u,%u,%u,%u,%d,", i,
                meter_proto_name(fl->key.proto, pb, sizeof(pb)), s, fl->key.sport, d,
                fl->key.dport, meter_class_name(meter_flow_class(fl, m->cfg.threshold)),
                fl->packets, fl->bytes, fl->b_packets, fl->matched, fl->lost, fl->dup_b,
                fl->unexpected_b, meter_flow_completed(fl) ? 1 : 0);
        if (fl->packets)
            fprintf(f, "%" PRId64 ",%" PRId64 ",", fl->first_a, fl->last_a);
        else
            fprintf(f, ",,");
        if (fl->matched) {
            dscp_set_str(fl->dscp_set, set, sizeof(set));
            fprintf(f, "%" PRId64 ",%" PRId64 ",", fl->first_b, fl->last_b);
            if (meter_flow_fct(fl, &fct))
                fprintf(f, "%" PRId64, fct);
            fprintf(f, ",%" PRId64 ",%.3f,%" PRId64 ",", fl->lat_min,
                    (double)fl->lat_sum / fl->matched, fl->lat_max);
            if (fl->matched >= 2)
                fprintf(f, "%.3f", fl->jitter);
            fprintf(f, ",%u,%u,%s,%u,", fl->dscp_first, fl->dscp_last, set, fl->encap_b);
        } else {
            fprintf(f, ",,,,,,,,,,0,");
        }
        fprintf(f, "%d\n", meter_flow_skipped(m, fl) ? 1 : 0);
    }
    return close_out(f, path);
}

static int write_packets(const struct meter *m, const char *dir)
{
    char path[4200];
    FILE *f = open_out(dir, "packets.csv", path, sizeof(path));

    if (!f)
        return -EIO;
    fprintf(f, "flow,class,port_a,port_b,ts_a_ns,ts_b_ns,latency_ns,ip_len,dscp_b,jitter_ns\n");
    for (uint32_t i = 0; i < m->n_rec; i++) {
        const struct meter_record *r = &m->rec[i];

        if (r->flow == METER_NONE)
            fprintf(f, ",none,");
        else
            fprintf(f, "%u,%s,", r->flow, flow_class_name(m, r->flow));
        fprintf(f, "%u,%u,%" PRId64 ",%" PRId64 ",%" PRId64 ",%u,%u,%.3f\n", r->port_a,
                r->port_b, r->ts_a, r->ts_b, r->ts_b - r->ts_a, r->ip_len, r->dscp_b, r->jitter);
    }
    return close_out(f, path);
}

static int write_samples(const struct meter *m, const char *dir)
{
    char path[4200];
    FILE *f = open_out(dir, "latency_samples.csv", path, sizeof(path));

    if (!f)
        return -EIO;
    fprintf(f, "class,latency_ns\n");
    for (uint32_t i = 0; i < m->lat.n; i++) {
        uint32_t fi = m->lat.tag[i];

        if (fi != METER_NONE && fi < m->flows.n && meter_flow_skipped(m, &m->flows.f[fi]))
            continue;
        fprintf(f, "%s,%" PRId64 "\n", flow_class_name(m, fi), m->lat.val[i]);
    }
    return close_out(f, path);
}

/* ---- JSON ------------------------------------------------------------------ */

static void json_str(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;

        if (c == '"' || c == '\\')
            fprintf(f, "\\%c", c);
        else if (c < 0x20)
            fprintf(f, "\\u%04x", c);
        else
            fputc(c, f);
    }
    fputc('"', f);
}

static void json_num(FILE *f, double v)
{
    if (!isfinite(v))
        fprintf(f, "null");
    else if (v == floor(v) && fabs(v) < 9e15)
        fprintf(f, "%.0f", v);
    else
        fprintf(f, "%.3f", v);
}

static void json_summary(FILE *f, const char *name, const struct meter_summary *s, int last)
{
    fprintf(f, "      \"%s\": {\"count\": %" PRIu64, name, s->count);
    if (s->count) {
        const char *k[] = {"mean", "min", "p50", "p90", "p99", "p99_9", "max"};
        double v[] = {s->mean, s->min, s->p50, s->p90, s->p99, s->p999, s->max};

        for (unsigned i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
            fprintf(f, ", \"%s\": ", k[i]);
            json_num(f, v[i]);
        }
    }
    fprintf(f, "}%s\n", last ? "" : ",");
}

static int write_json(const struct meter *m, const struct meter_report *r,
                      const struct meter_run_desc *d, const char *dir)
{
    const struct meter_counters *c = &m->c;
    char path[4200];
    FILE *f = open_out(dir, "summary.json", path, sizeof(path));

    if (!f)
        return -EIO;
    fprintf(f, "{\n  \"tool\": \"vtep-meter\",\n  \"mode\": ");
    json_str(f, d->mode);
    fprintf(f, ",\n  \"complete\": %s,\n  \"interrupted\": %s,\n  \"wall_s\": %.3f, "
               "\"cpu_s\": %.3f,\n",
            d->n_errors ? "false" : "true", d->interrupted ? "true" : "false", d->wall_s, d->cpu_s);
    fprintf(f, "  \"config\": {\"threshold\": %u, \"timeout_ns\": %" PRId64
               ", \"skip_ns\": %" PRId64 ", \"payload_prefix\": %u, \"vxlan_ports\": [",
            m->cfg.threshold, m->cfg.timeout_ns, m->cfg.skip_ns, m->cfg.parse.prefix_len);
    for (unsigned i = 0; i < m->cfg.parse.n_vxlan_ports; i++)
        fprintf(f, "%s%u", i ? ", " : "", m->cfg.parse.vxlan_ports[i]);
    fprintf(f, "], \"max_flows\": %u, \"max_pending\": %u, \"max_samples\": %u, "
               "\"max_records\": %u},\n",
            m->cfg.max_flows, m->cfg.max_pending, m->cfg.max_samples, m->cfg.max_records);
    fprintf(f, "  \"ports\": [");
    for (unsigned i = 0; i < d->n_ports; i++) {
        const struct meter_port_desc *p = &d->port[i];

        fprintf(f, "%s\n    {\"name\": ", i ? "," : "");
        json_str(f, p->name);
        fprintf(f, ", \"tap\": \"%c\", \"source\": ", p->tap);
        json_str(f, p->source);
        fprintf(f, ", \"driver\": ");
        json_str(f, p->driver);
        fprintf(f, ", \"clock\": ");
        json_str(f, p->clock);
        fprintf(f, ", \"resolution_ns\": ");
        json_num(f, p->resolution_ns);
        fprintf(f, ", \"clock_note\": ");
        json_str(f, p->clock_note);
        fprintf(f, ", \"rx\": %" PRIu64 ", \"ts_missing\": %" PRIu64 ", \"rx_errors\": %" PRIu64,
                p->rx, p->ts_missing, p->rx_errors);
        if (strcmp(p->clock, "tsc") == 0) {
            fprintf(f, ", \"stamp_gap_max_ns\": ");
            json_num(f, p->stamp_gap_max_ns);
            fprintf(f, ", \"late_bursts\": %" PRIu64, p->late_bursts);
        }
        fprintf(f, "}");
    }
    fprintf(f, "\n  ],\n  \"errors\": [");
    for (unsigned i = 0; i < d->n_errors; i++) {
        fprintf(f, "%s\n    ", i ? "," : "");
        json_str(f, d->errors[i]);
    }
    fprintf(f, "%s],\n", d->n_errors ? "\n  " : "");
    fprintf(f, "  \"counters\": {\n");
    for (int t = 0; t < 2; t++)
        fprintf(f, "    \"%c\": {\"frames\": %" PRIu64 ", \"ip\": %" PRIu64 ", \"not_ip\": %" PRIu64
                   ", \"malformed\": %" PRIu64 ", \"truncated\": %" PRIu64
                   ", \"short_prefix\": %" PRIu64 ", \"vxlan\": %" PRIu64 "},\n",
                t ? 'B' : 'A', c->frames[t], c->ip[t], c->not_ip[t], c->malformed[t],
                c->truncated[t], c->short_prefix[t], c->encap[t]);
    fprintf(f, "    \"matched\": %" PRIu64 ", \"matched_b_first\": %" PRIu64
               ", \"lost\": %" PRIu64 ", \"unexpected_b\": %" PRIu64 ", \"dup_b\": %" PRIu64
               ", \"dup_sig_a\": %" PRIu64 ", \"negative_latency\": %" PRIu64 ",\n",
            c->matched, c->matched_b_first, c->lost, c->unexpected_b, c->dup_b, c->dup_sig_a,
            c->negative_latency);
    fprintf(f, "    \"flows\": %" PRIu64 ", \"flow_overflow\": %" PRIu64
               ", \"pending_evicted\": %" PRIu64 ", \"records_dropped\": %" PRIu64
               ", \"skipped_flows\": %" PRIu64 ",\n",
            c->flows, c->flow_overflow, c->pending_evicted, c->records_dropped, r->skipped_flows);
    fprintf(f, "    \"latency_samples\": %" PRIu64 ", \"latency_sampled\": %s\n  },\n",
            r->latency_samples, r->latency_sampled ? "true" : "false");
    fprintf(f, "  \"classes\": {\n");
    for (int k = 0; k < METER_N_CLASSES; k++) {
        const struct meter_class_report *cr = &r->cls[k];

        fprintf(f, "    \"%s\": {\n      \"flows\": %" PRIu64 ", \"completed\": %" PRIu64
                   ", \"packets\": %" PRIu64 ", \"lost\": %" PRIu64 ",\n",
                meter_class_name((enum meter_class)k), cr->flows, cr->completed, cr->packets,
                cr->lost);
        json_summary(f, "fct_ns", &cr->fct, 0);
        json_summary(f, "latency_ns", &cr->latency, 0);
        json_summary(f, "jitter_ns", &cr->jitter, 1);
        fprintf(f, "    }%s\n", k + 1 < METER_N_CLASSES ? "," : "");
    }
    fprintf(f, "  }\n}\n");
    return close_out(f, path);
}

int meter_write_results(const struct meter *m, const struct meter_report *r,
                        const struct meter_run_desc *d, const char *dir)
{
    int rc[4] = {0, 0, 0, 0};
    int mk = make_dir(dir);

    if (mk < 0) {
        fprintf(stderr, "vtep-meter: cannot create %s: %s\n", dir, strerror(-mk));
        return mk;
    }
    rc[0] = write_flows(m, dir);
    if (m->cfg.max_records)
        rc[1] = write_packets(m, dir);
    rc[2] = write_samples(m, dir);
    rc[3] = write_json(m, r, d, dir);
    for (int i = 0; i < 4; i++)
        if (rc[i] < 0)
            return rc[i];
    return 0;
}

int meter_run_plot(const char *python, const char *script, const char *dir)
{
    int status;
    pid_t pid;

    if (access(python, X_OK) < 0 || access(script, R_OK) < 0) {
        int e = errno;

        fprintf(stderr, "vtep-meter: cannot run plots: %s %s: %s\n", python, script, strerror(e));
        return -e;
    }
    fflush(NULL);
    pid = fork();
    if (pid < 0)
        return -errno;
    if (pid == 0) {
        execl(python, python, script, dir, (char *)NULL);
        _exit(127);
    }
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            return -errno;
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        fprintf(stderr, "vtep-meter: %s %s failed (status %d)\n", python, script,
                WIFEXITED(status) ? WEXITSTATUS(status) : -1);
        return -ECHILD;
    }
    return 0;
}
