/* vtep-meter: one-way latency and flow completion time between two taps.
 *
 *   vtep-meter [options] --port A=DEVARGS --port B=DEVARGS [...] -- EAL-ARGS
 *   vtep-meter [options] --offline A.pcap B.pcap
 *
 * Exit status: 0 all went well; 1 bad usage or setup (nothing written);
 * 2 an input was damaged, unreadable or a port reported receive errors
 * (results of what was read are written); 3 results written but the plots
 * failed.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <rte_eal.h>

#include "meter.h"
#include "meter_capture.h"
#include "meter_output.h"
#include "meter_pcap.h"

#ifndef METER_PLOT_SCRIPT
#define METER_PLOT_SCRIPT "scripts/meter-plot"
#endif

static volatile sig_atomic_t g_stop;

static void on_signal(int sig)
{
    (void)sig;
    g_stop = 1;
}

struct opts {
    struct meter_config cfg;
    struct meter_live_opts live;
    const char *out;
    const char *offline[2];
    const char *plot_script;
    const char *python;
    int no_plot;
    int force_tsc;
    int n_vxlan;
};

static void usage(FILE *f)
{
    fprintf(f,
"usage: vtep-meter [options] --port A=DEVARGS --port B=DEVARGS [--port ...] -- EAL-ARGS\n"
"       vtep-meter [options] --offline A.pcap B.pcap\n"
"\n"
"Matches every packet seen at tap A (before the path under test) with its copy\n"
"at tap B (after it) and reports one-way latency per packet and, per flow, FCT\n"
"(last packet at B minus first packet at A), jitter (RFC 3550), loss and class.\n"
"\n"
"  --port A=DEVARGS | B=DEVARGS  capture port (DPDK devargs), repeatable\n"
"  --offline A B          analyse two pcap/pcapng files instead (no DPDK)\n"
"  -o, --out DIR          result directory (default meter-out)\n"
"  -t, --threshold N      short flow: at most N packets (default 20)\n"
"  --timeout MS           wait at most MS for the other copy (default 1000)\n"
"  --duration S           stop capturing after S seconds\n"
"  --idle-exit MS         stop when no port received for MS ms\n"
"  --skip S               leave flows starting in the first S s out of the summaries\n"
"  --per-packet           write packets.csv (every matched packet)\n"
"  --prefix N             payload bytes in the signature (default 16, max 64)\n"
"  --vxlan-port P         VXLAN UDP port (repeatable, default 4789)\n"
"  --clock auto|tsc       auto: NIC or net_pcap timestamps where offered\n"
"  --max-flows N --max-pending N --max-samples N --max-records N   table sizes\n"
"  --no-plot              no PNG plots\n"
"  --plot-script PATH     default %s\n"
"  --python PATH          default /usr/bin/python3\n"
"  -q, --quiet            no progress line\n"
"Exit: 0 ok, 1 usage/setup, 2 damaged input (partial results written), 3 plots failed.\n",
            METER_PLOT_SCRIPT);
}

static int parse_u32(const char *s, uint32_t min, uint32_t max, uint32_t *v)
{
    char *end;
    unsigned long long x;

    errno = 0;
    x = strtoull(s, &end, 10);
    if (errno || end == s || *end || s[0] == '-' || x < min || x > max)
        return -EINVAL;
    *v = (uint32_t)x;
    return 0;
}

static int parse_secs(const char *s, double *v)
{
    char *end;

    errno = 0;
    *v = strtod(s, &end);
    if (errno || end == s || *end || !(*v >= 0) || *v > 1e7)
        return -EINVAL;
    return 0;
}

enum {
    O_PORT = 256, O_OFFLINE, O_TIMEOUT, O_DURATION, O_IDLE, O_SKIP, O_PER_PACKET, O_PREFIX,
    O_VXLAN, O_CLOCK, O_MAX_FLOWS, O_MAX_PENDING, O_MAX_SAMPLES, O_MAX_RECORDS, O_NO_PLOT,
    O_PLOT_SCRIPT, O_PYTHON,
};

static const struct option long_opts[] = {
    {"port", required_argument, NULL, O_PORT},
    {"offline", required_argument, NULL, O_OFFLINE},
    {"out", required_argument, NULL, 'o'},
    {"threshold", required_argument, NULL, 't'},
    {"timeout", required_argument, NULL, O_TIMEOUT},
    {"duration", required_argument, NULL, O_DURATION},
    {"idle-exit", required_argument, NULL, O_IDLE},
    {"skip", required_argument, NULL, O_SKIP},
    {"per-packet", no_argument, NULL, O_PER_PACKET},
    {"prefix", required_argument, NULL, O_PREFIX},
    {"vxlan-port", required_argument, NULL, O_VXLAN},
    {"clock", required_argument, NULL, O_CLOCK},
    {"max-flows", required_argument, NULL, O_MAX_FLOWS},
    {"max-pending", required_argument, NULL, O_MAX_PENDING},
    {"max-samples", required_argument, NULL, O_MAX_SAMPLES},
    {"max-records", required_argument, NULL, O_MAX_RECORDS},
    {"no-plot", no_argument, NULL, O_NO_PLOT},
    {"plot-script", required_argument, NULL, O_PLOT_SCRIPT},
    {"python", required_argument, NULL, O_PYTHON},
    {"quiet", no_argument, NULL, 'q'},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

static int add_port(struct meter_run_desc *d, const char *spec)
{
    struct meter_port_desc *p;
    unsigned same = 0;

    if ((spec[0] != 'A' && spec[0] != 'B') || spec[1] != '=' || spec[2] == '\0') {
        fprintf(stderr, "vtep-meter: --port wants A=DEVARGS or B=DEVARGS, not '%s'\n", spec);
        return -EINVAL;
    }
    if (d->n_ports >= METER_MAX_PORTS) {
        fprintf(stderr, "vtep-meter: at most %d ports\n", METER_MAX_PORTS);
        return -EINVAL;
    }
    if (strlen(spec + 2) >= sizeof(p->source)) {
        fprintf(stderr, "vtep-meter: devargs too long: %s\n", spec + 2);
        return -EINVAL;
    }
    for (unsigned i = 0; i < d->n_ports; i++)
        same += d->port[i].tap == spec[0];
    p = &d->port[d->n_ports++];
    p->tap = spec[0];
    snprintf(p->name, sizeof(p->name), "%c%u", spec[0], same);
    snprintf(p->source, sizeof(p->source), "%s", spec + 2);
    return 0;
}

/* Options before "--"; returns the index of "--" + 1 (EAL arguments), or
 * argc when there is none, or -1 on a usage error / -2 for --help. */
static int parse_opts(int argc, char **argv, struct opts *o, struct meter_run_desc *d)
{
    int c, end = argc;
    uint32_t v;
    double s;

    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], "--") == 0) {
            end = i;
            break;
        }
    optind = 1;
    while ((c = getopt_long(end, argv, "+o:t:qh", long_opts, NULL)) != -1) {
        switch (c) {
        case O_PORT:
            if (add_port(d, optarg) < 0)
                return -1;
            break;
        case O_OFFLINE:
            if (optind >= end) {
                fprintf(stderr, "vtep-meter: --offline wants two files: A.pcap B.pcap\n");
                return -1;
            }
            o->offline[0] = optarg;
            o->offline[1] = argv[optind++];
            break;
        case 'o':
            o->out = optarg;
            break;
        case 't':
            if (parse_u32(optarg, 0, 1u << 30, &o->cfg.threshold) < 0)
                goto bad;
            break;
        case O_TIMEOUT:
            if (parse_u32(optarg, 1, 3600000, &v) < 0)
                goto bad;
            o->cfg.timeout_ns = (int64_t)v * 1000000;
            o->live.timeout_ns = o->cfg.timeout_ns;
            break;
        case O_DURATION:
            if (parse_secs(optarg, &o->live.duration_s) < 0)
                goto bad;
            break;
        case O_IDLE:
            if (parse_u32(optarg, 1, 86400000, &o->live.idle_exit_ms) < 0)
                goto bad;
            break;
        case O_SKIP:
            if (parse_secs(optarg, &s) < 0)
                goto bad;
            o->cfg.skip_ns = (int64_t)(s * 1e9);
            break;
        case O_PER_PACKET:
            if (o->cfg.max_records == 0)
                o->cfg.max_records = 1u << 22;
            break;
        case O_PREFIX:
            if (parse_u32(optarg, 0, METER_MAX_PREFIX, &v) < 0)
                goto bad;
            o->cfg.parse.prefix_len = (uint8_t)v;
            break;
        case O_VXLAN:
            if (parse_u32(optarg, 1, 65535, &v) < 0 || o->n_vxlan >= METER_MAX_VXLAN_PORTS)
                goto bad;
            o->cfg.parse.vxlan_ports[o->n_vxlan++] = (uint16_t)v;
            o->cfg.parse.n_vxlan_ports = (uint8_t)o->n_vxlan;
            break;
        case O_CLOCK:
            if (strcmp(optarg, "tsc") == 0)
                o->force_tsc = 1;
            else if (strcmp(optarg, "auto") != 0)
                goto bad;
            break;
        case O_MAX_FLOWS:
            if (parse_u32(optarg, 1, 1u << 28, &o->cfg.max_flows) < 0)
                goto bad;
            break;
        case O_MAX_PENDING:
            if (parse_u32(optarg, 1, 1u << 30, &o->cfg.max_pending) < 0)
                goto bad;
            break;
        case O_MAX_SAMPLES:
            if (parse_u32(optarg, 0, 1u << 30, &o->cfg.max_samples) < 0)
                goto bad;
            break;
        case O_MAX_RECORDS:
            if (parse_u32(optarg, 0, 1u << 30, &o->cfg.max_records) < 0)
                goto bad;
            break;
        case O_NO_PLOT:
            o->no_plot = 1;
            break;
        case O_PLOT_SCRIPT:
            o->plot_script = optarg;
            break;
        case O_PYTHON:
            o->python = optarg;
            break;
        case 'q':
            o->live.quiet = 1;
            break;
        case 'h':
            return -2;
        default:
            return -1;
        }
    }
    if (optind < end) {
        fprintf(stderr, "vtep-meter: unexpected argument '%s'\n", argv[optind]);
        return -1;
    }
    return end < argc ? end + 1 : argc;
bad:
    fprintf(stderr, "vtep-meter: bad value '%s' for option %s\n", optarg, argv[optind - 1]);
    return -1;
}

/* The plot script: --plot-script, else meter-plot beside the binary
 * (installed), else the one in the source tree. */
static const char *plot_script(const struct opts *o, char *buf, size_t size)
{
    ssize_t n;

    if (o->plot_script)
        return o->plot_script;
    n = readlink("/proc/self/exe", buf, size - 1);
    if (n > 0) {
        char *slash;

        buf[n] = '\0';
        slash = strrchr(buf, '/');
        if (slash && (size_t)(slash - buf) + sizeof("/meter-plot") <= size) {
            strcpy(slash, "/meter-plot");
            if (access(buf, R_OK) == 0)
                return buf;
        }
    }
    return METER_PLOT_SCRIPT;
}

static double now_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double cpu_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int run_offline(struct meter *m, struct opts *o, struct meter_run_desc *d)
{
    double t0 = now_s(), c0 = cpu_s();
    unsigned n_err = 0;
    int rc;

    d->mode = "offline";
    d->n_ports = 2;
    for (int t = 0; t < 2; t++) {
        struct meter_port_desc *p = &d->port[t];

        p->tap = t ? 'B' : 'A';
        snprintf(p->name, sizeof(p->name), "%c0", p->tap);
        snprintf(p->source, sizeof(p->source), "%s", o->offline[t]);
        snprintf(p->driver, sizeof(p->driver), "libpcap");
        snprintf(p->clock, sizeof(p->clock), "pcap-file");
        p->resolution_ns = meter_pcap_file_resolution_ns(o->offline[t]);
        snprintf(p->clock_note, sizeof(p->clock_note),
                 "capture file timestamps read at nanosecond precision; the file records %g ns",
                 p->resolution_ns);
        printf("vtep-meter: tap %c: %s: %s\n", p->tap, p->source, p->clock_note);
    }
    fflush(stdout);
    rc = meter_offline_run(m, o->offline[0], o->offline[1], d->errors, METER_MAX_ERRORS, &n_err);
    d->n_errors = n_err;
    d->port[0].rx = m->c.frames[0];
    d->port[1].rx = m->c.frames[1];
    d->wall_s = now_s() - t0;
    d->cpu_s = cpu_s() - c0;
    return rc;
}

static int run_live(struct meter *m, struct opts *o, struct meter_run_desc *d,
                    int argc, char **argv, int eal_at)
{
    struct meter_capture cap;
    char *eal_argv[256];
    int eal_argc = 0, rc;
    double t0, c0;
    struct sigaction sa;

    d->mode = "live";
    eal_argv[eal_argc++] = argv[0];
    for (int i = eal_at; i < argc && eal_argc < 255; i++)
        eal_argv[eal_argc++] = argv[i];
    eal_argv[eal_argc] = NULL;
    if (rte_eal_init(eal_argc, eal_argv) < 0) {
        fprintf(stderr, "vtep-meter: EAL initialisation failed (EAL arguments go after --)\n");
        return -1;
    }
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    rc = meter_capture_open(&cap, d, o->force_tsc);
    if (rc < 0) {
        meter_capture_close(&cap, d);
        rte_eal_cleanup();
        return -1;
    }
    t0 = now_s();
    c0 = cpu_s();
    meter_capture_run(&cap, m, &o->live, &g_stop);
    d->wall_s = now_s() - t0;
    d->cpu_s = cpu_s() - c0;
    d->interrupted = g_stop != 0;
    meter_capture_close(&cap, d);
    meter_finish(m);
    rte_eal_cleanup();
    return d->n_errors ? -EIO : 0;
}

static void print_summary(const struct meter *m, const struct meter_report *r)
{
    const struct meter_counters *c = &m->c;

    printf("vtep-meter: A %" PRIu64 " frames (%" PRIu64 " IP), B %" PRIu64 " frames (%" PRIu64
           " IP); matched %" PRIu64 ", lost %" PRIu64 ", unexpected at B %" PRIu64
           ", duplicates at B %" PRIu64 "; %" PRIu64 " flows\n",
           c->frames[0], c->ip[0], c->frames[1], c->ip[1], c->matched, c->lost, c->unexpected_b,
           c->dup_b, c->flows);
    for (int k = 0; k < METER_N_CLASSES; k++) {
        const struct meter_class_report *cr = &r->cls[k];

        printf("vtep-meter: %-5s %" PRIu64 " flows, %" PRIu64 " completed",
               meter_class_name((enum meter_class)k), cr->flows, cr->completed);
        if (cr->fct.count)
            printf("; FCT p50 %.0f p99 %.0f ns", cr->fct.p50, cr->fct.p99);
        if (cr->latency.count)
            printf("; latency p50 %.0f p99 %.0f max %.0f ns", cr->latency.p50, cr->latency.p99,
                   cr->latency.max);
        if (cr->jitter.count)
            printf("; jitter p50 %.1f ns", cr->jitter.p50);
        printf("\n");
    }
    if (c->flow_overflow || c->pending_evicted || c->records_dropped)
        printf("vtep-meter: limits reached: %" PRIu64 " packets without a flow slot, %" PRIu64
               " pending packets evicted, %" PRIu64 " packet records dropped\n",
               c->flow_overflow, c->pending_evicted, c->records_dropped);
}

int main(int argc, char **argv)
{
    static struct meter_run_desc d;
    struct meter_report rep;
    struct opts o;
    struct meter *m;
    char pathbuf[PATH_MAX];
    int eal_at, rc, status = 0;

    memset(&o, 0, sizeof(o));
    meter_config_default(&o.cfg);
    o.live.timeout_ns = o.cfg.timeout_ns;
    o.out = "meter-out";
    o.python = "/usr/bin/python3";
    eal_at = parse_opts(argc, argv, &o, &d);
    if (eal_at == -2) {
        usage(stdout);
        return 0;
    }
    if (eal_at < 0) {
        usage(stderr);
        return 1;
    }
    if (o.offline[0] && d.n_ports) {
        fprintf(stderr, "vtep-meter: --offline and --port exclude each other\n");
        return 1;
    }
    if (!o.offline[0]) {
        unsigned a = 0, b = 0;

        for (unsigned i = 0; i < d.n_ports; i++) {
            if (d.port[i].tap == 'A')
                a++;
            else
                b++;
        }
        if (a == 0 || b == 0) {
            fprintf(stderr, "vtep-meter: need at least one --port A=... and one --port B=... "
                    "(or --offline A.pcap B.pcap)\n");
            usage(stderr);
            return 1;
        }
    }
    m = meter_create(&o.cfg);
    if (!m)
        return 1;
    if (o.offline[0]) {
        rc = run_offline(m, &o, &d);
    } else {
        rc = run_live(m, &o, &d, argc, argv, eal_at);
        if (rc == -1) {
            meter_destroy(m);
            return 1;
        }
    }
    if (rc < 0)
        status = 2;
    if (meter_report_build(m, &rep) < 0) {
        fprintf(stderr, "vtep-meter: not enough memory for the summaries\n");
        meter_destroy(m);
        return 1;
    }
    print_summary(m, &rep);
    if (meter_write_results(m, &rep, &d, o.out) < 0) {
        meter_destroy(m);
        return 1;
    }
    printf("vtep-meter: results in %s/\n", o.out);
    fflush(stdout);
    if (!o.no_plot && meter_run_plot(o.python, plot_script(&o, pathbuf, sizeof(pathbuf)), o.out) < 0)
        status = status ? status : 3;
    meter_destroy(m);
    return status;
}
