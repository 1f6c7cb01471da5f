/* vtep-pktgen: replay the frames of a pcap in a loop on one DPDK port, at a
 * constant packet rate paced by the TSC, or as fast as the port takes them.
 *
 *   vtep-pktgen --pcap FILE [--rate PPS] [--seconds S] [--burst N]
 *               [--link-timeout S] [--finish S] [--hold S] [--json FILE] -- EAL-ARGS
 *
 * The port is the first ethdev of the EAL arguments (a --vdev: net_memif
 * role=client toward a vtepd whose port is the memif server, or any PMD
 * that copies what it sends). A packet the port refuses (its ring full)
 * stays due and goes at the next chance, so a paced run sends rate x
 * seconds packets unless the receiver falls behind for good.
 *
 * --hold keeps the port open after sending, until the peer closes it: in
 * DPDK 22.11 a memif server polling its RX queue while the client
 * disconnects can fault (seen in vtepd's worker), so the receiver stops
 * first.
 * Exit: 0 sent, 1 usage or setup error.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>

#include "pktgen_frames.h"
#include "pktgen_pace.h"
#include "pktgen_port.h"

#define MAX_BURST 256

static volatile sig_atomic_t g_stop;

static void on_signal(int sig)
{
    (void)sig;
    g_stop = 1;
}

struct opts {
    const char *pcap;
    const char *json;
    uint64_t rate;          /* 0: unpaced */
    double seconds;
    uint32_t burst;
    double link_timeout;
    double hold;            /* after sending: wait this long for the link to go down */
    double finish;          /* paced: up to this long after the end to send what was due */
};

struct result {
    double link_wait_s;
    double seconds;         /* from the first send to the last */
    uint64_t sent, bytes;
    uint64_t due;           /* paced: what the schedule made due before the end */
    uint64_t refused;       /* packets a tx_burst call did not take (retried when paced) */
    uint64_t max_backlog;   /* paced: most packets due but not yet sent at a turn */
    uint64_t late_turns;    /* paced: turns that found more than a burst due */
};

static void usage(FILE *f)
{
    fprintf(f,
"usage: vtep-pktgen --pcap FILE [options] -- EAL-ARGS\n"
"Replays FILE's frames in a loop on the first port of EAL-ARGS.\n"
"  --rate PPS          packets per second, paced by the TSC (default 0: as fast as\n"
"                      the port takes them)\n"
"  --seconds S         how long to send (default 5)\n"
"  --burst N           at most N packets per tx_burst call, 1-%d (default 32)\n"
"  --link-timeout S    wait at most S for the link to come up (default 10)\n"
"  --finish S          paced: when the receiver fell behind, keep sending after the\n"
"                      end, for up to S more seconds, until every packet due in\n"
"                      the run went (then exactly rate x seconds are sent)\n"
"  --hold S            then keep the port open until the peer closes it or S\n"
"                      seconds passed (default 0: close at once)\n"
"  --json FILE         write the result as JSON (before --hold)\n"
"Exit: 0 sent, 1 usage or setup error.\n", MAX_BURST);
}

static int parse_u64(const char *s, uint64_t max, uint64_t *v)
{
    char *end;
    unsigned long long x;

    errno = 0;
    x = strtoull(s, &end, 10);
    if (errno || end == s || *end || s[0] == '-' || x > max)
        return -EINVAL;
    *v = x;
    return 0;
}

static int parse_secs(const char *s, double *v)
{
    char *end;

    errno = 0;
    *v = strtod(s, &end);
    if (errno || end == s || *end || !(*v > 0) || *v > 86400)
        return -EINVAL;
    return 0;
}

/* Options before "--"; the index of the first EAL argument, or -1 (bad
 * usage), -2 (--help). */
static int parse_opts(int argc, char **argv, struct opts *o)
{
    static const struct option lo[] = {
        {"pcap", required_argument, NULL, 'p'},
        {"rate", required_argument, NULL, 'r'},
        {"seconds", required_argument, NULL, 's'},
        {"burst", required_argument, NULL, 'b'},
        {"link-timeout", required_argument, NULL, 'l'},
        {"json", required_argument, NULL, 'j'},
        {"hold", required_argument, NULL, 'H'},
        {"finish", required_argument, NULL, 'F'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int c, end = argc;
    uint64_t v;

    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], "--") == 0) {
            end = i;
            break;
        }
    optind = 1;
    while ((c = getopt_long(end, argv, "+h", lo, NULL)) != -1) {
        switch (c) {
        case 'p': o->pcap = optarg; break;
        case 'j': o->json = optarg; break;
        case 'r':
            if (parse_u64(optarg, 1000000000ull, &o->rate) < 0)
                goto bad;
            break;
        case 's':
            if (parse_secs(optarg, &o->seconds) < 0)
                goto bad;
            break;
        case 'l':
            if (parse_secs(optarg, &o->link_timeout) < 0)
                goto bad;
            break;
        case 'F':
            if (parse_secs(optarg, &o->finish) < 0)
                goto bad;
            break;
        case 'H':
            if (parse_secs(optarg, &o->hold) < 0)
                goto bad;
            break;
        case 'b':
            if (parse_u64(optarg, MAX_BURST, &v) < 0 || v == 0)
                goto bad;
            o->burst = (uint32_t)v;
            break;
        case 'h': return -2;
        default: return -1;
        }
    }
    if (optind < end) {
        fprintf(stderr, "vtep-pktgen: unexpected argument '%s'\n", argv[optind]);
        return -1;
    }
    if (!o->pcap) {
        fprintf(stderr, "vtep-pktgen: --pcap FILE is required\n");
        return -1;
    }
    return end < argc ? end + 1 : argc;
bad:
    fprintf(stderr, "vtep-pktgen: bad value '%s' for option %s\n", optarg, argv[optind - 1]);
    return -1;
}

/* The send loop: until `seconds` passed or a signal came. */
static void run(uint16_t port, const struct pktgen_frames *f, const struct opts *o,
                struct result *r)
{
    struct rte_mbuf *bufs[MAX_BURST];
    uint64_t hz = rte_get_tsc_hz(), t0 = rte_rdtsc(), now = t0;
    uint64_t end = t0 + (uint64_t)(o->seconds * (double)hz), target;
    uint64_t finish = (uint64_t)(o->finish * (double)hz);
    uint32_t idx = 0, idle = 0;
    struct pace p;

    pace_init(&p, t0, hz, o->rate);
    target = o->rate ? pace_due(&p, end - 1) : 0;
    while (!g_stop) {
        uint32_t want = o->burst, k, nb, start = idx;

        now = rte_rdtsc();
        if (now >= end && !(o->finish > 0 && r->sent < target && now < end + finish))
            break;
        if (o->rate) {
            /* after the end (--finish) only what was due before it */
            uint64_t at = now < end ? now : end - 1;
            uint64_t backlog = pace_due(&p, at) - r->sent;

            want = pace_wanted(&p, at, r->sent, o->burst);
            if (want == 0) {
                if (++idle % 1024 == 0)
                    pktgen_port_drain(port);
                continue;
            }
            if (backlog > r->max_backlog)
                r->max_backlog = backlog;
            if (backlog > o->burst)
                r->late_turns++;
        }
        for (k = 0; k < want; k++) {
            rte_mbuf_refcnt_update(f->m[idx], 1);    /* the PMD frees its reference */
            bufs[k] = f->m[idx];
            idx = idx + 1 == f->n ? 0 : idx + 1;
        }
        nb = rte_eth_tx_burst(port, 0, bufs, (uint16_t)want);
        for (k = 0; k < nb; k++)
            r->bytes += rte_pktmbuf_pkt_len(bufs[k]);
        for (k = nb; k < want; k++)
            rte_mbuf_refcnt_update(bufs[k], -1);
        idx = (uint32_t)((start + nb) % f->n);
        r->sent += nb;
        r->refused += want - nb;
        if (!o->rate && nb == 0 && ++idle % 1024 == 0)
            pktgen_port_drain(port);
    }
    r->seconds = (double)(now - t0) / (double)hz;
    r->due = o->rate ? target : r->sent;
}

/* a JSON string: quotes, backslashes and control characters escaped */
static void json_str(FILE *out, const char *v)
{
    fputc('"', out);
    for (const unsigned char *c = (const unsigned char *)v; *c; c++) {
        if (*c == '"' || *c == '\\')
            fprintf(out, "\\%c", *c);
        else if (*c < 0x20)
            fprintf(out, "\\u%04x", *c);
        else
            fputc(*c, out);
    }
    fputc('"', out);
}

static int write_json(const char *path, const struct opts *o, const struct pktgen_frames *f,
                      const struct result *r)
{
    FILE *out = fopen(path, "w");

    if (!out) {
        fprintf(stderr, "vtep-pktgen: cannot write %s: %s\n", path, strerror(errno));
        return -errno;
    }
    fputs("{\"pcap\": ", out);
    json_str(out, o->pcap);
    fprintf(out,
            ", \"frames\": %u, \"rate_pps\": %" PRIu64 ", \"burst\": %u,\n"
            " \"link_wait_s\": %.3f, \"seconds\": %.6f, \"sent\": %" PRIu64
            ", \"bytes\": %" PRIu64 ",\n"
            " \"sent_pps\": %.1f, \"due\": %" PRIu64 ", \"refused\": %" PRIu64
            ", \"max_backlog\": %" PRIu64 ", \"late_turns\": %" PRIu64 "}\n",
            f->n, o->rate, o->burst, r->link_wait_s, r->seconds, r->sent, r->bytes,
            r->seconds > 0 ? (double)r->sent / r->seconds : 0.0, r->due, r->refused,
            r->max_backlog, r->late_turns);
    return fclose(out) == 0 ? 0 : -EIO;
}

int main(int argc, char **argv)
{
    struct opts o = {.seconds = 5, .burst = 32, .link_timeout = 10};
    struct pktgen_frames f;
    struct result r;
    struct rte_mempool *pool = NULL;
    struct sigaction sa;
    char *eal_argv[256];
    int eal_at, eal_argc = 0, rc = 1;
    uint16_t port;
    uint64_t t, n_mbufs;
    struct stat st;

    eal_at = parse_opts(argc, argv, &o);
    if (eal_at < 0) {
        usage(eal_at == -2 ? stdout : stderr);
        return eal_at == -2 ? 0 : 1;
    }
    eal_argv[eal_argc++] = argv[0];
    for (int i = eal_at; i < argc && eal_argc < 255; i++)
        eal_argv[eal_argc++] = argv[i];
    eal_argv[eal_argc] = NULL;
    if (rte_eal_init(eal_argc, eal_argv) < 0) {
        fprintf(stderr, "vtep-pktgen: EAL initialisation failed (EAL arguments go after --)\n");
        return 1;
    }
    memset(&f, 0, sizeof(f));
    memset(&r, 0, sizeof(r));
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    if (rte_eth_dev_count_avail() == 0) {
        fprintf(stderr, "vtep-pktgen: no port (give one with --vdev after --)\n");
        goto out;
    }
    RTE_ETH_FOREACH_DEV(port)
        break;
    /* the pcap's frames (a record takes at least 16 + 14 bytes of the
     * file), the RX ring, spare */
    if (stat(o.pcap, &st) < 0) {
        fprintf(stderr, "vtep-pktgen: %s: %s\n", o.pcap, strerror(errno));
        goto out;
    }
    n_mbufs = (uint64_t)st.st_size / 30 + 4096;
    if (n_mbufs > PKTGEN_MAX_FRAMES + 4096)
        n_mbufs = PKTGEN_MAX_FRAMES + 4096;
    pool = rte_pktmbuf_pool_create("pktgen", (unsigned)n_mbufs, 256, 0,
                                   RTE_MBUF_DEFAULT_BUF_SIZE, (int)rte_socket_id());
    if (!pool) {
        fprintf(stderr, "vtep-pktgen: mbuf pool: %s\n", rte_strerror(rte_errno));
        goto out;
    }
    if (pktgen_frames_load(&f, o.pcap, pool) < 0 || pktgen_port_start(port, pool) < 0)
        goto out;
    t = rte_rdtsc();
    if (pktgen_port_wait_up(port, o.link_timeout) < 0)
        goto stop;
    r.link_wait_s = (double)(rte_rdtsc() - t) / (double)rte_get_tsc_hz();
    run(port, &f, &o, &r);
    printf("vtep-pktgen: %u frames from %s; sent %" PRIu64 " packets in %.3f s = %.0f pps "
           "(target %" PRIu64 "%s), refused %" PRIu64 ", max backlog %" PRIu64
           ", late turns %" PRIu64 "\n",
           f.n, o.pcap, r.sent, r.seconds, r.seconds > 0 ? (double)r.sent / r.seconds : 0.0,
           o.rate, o.rate ? " pps" : ": unpaced", r.refused, r.max_backlog, r.late_turns);
    fflush(stdout);
    rc = 0;
    if (o.json && write_json(o.json, &o, &f, &r) < 0)
        rc = 1;
    if (o.hold > 0)
        pktgen_port_wait_down(port, o.hold, &g_stop);
stop:
    pktgen_port_stop(port);
out:
    pktgen_frames_free(&f);
    rte_mempool_free(pool);
    rte_eal_cleanup();
    return rc;
}
