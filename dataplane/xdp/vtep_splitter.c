/* vtep-splitter: loader of the XDP twin of the short/long flow classifier
 * (splitter.bpf.c), configured from the classifier: section of a vtepd YAML
 * file (the file may hold only that section).
 *
 *   vtep-splitter -c FILE attach IFNAME [--generic]
 *   vtep-splitter detach IFNAME
 *   vtep-splitter stats IFNAME
 *   vtep-splitter -c FILE test-run PCAP
 *
 * attach loads the program, fills its config map and attaches it in native
 * (driver) mode, or in generic (skb) mode only with --generic. The
 * attachment outlives this process; detach and stats find the program on
 * the interface (by its name) and its maps through the kernel. test-run
 * pushes every frame of a capture through the program with
 * BPF_PROG_TEST_RUN, keeping the maps between packets, with the capture's
 * timestamps as the clock, and prints one line per packet:
 *   INDEX short|long counted|uncounted DSCP|-
 */
#include <errno.h>
#include <getopt.h>
#include <net/if.h>
/* libpcap's own struct bpf_insn would clash with <linux/bpf.h> */
#define PCAP_DONT_INCLUDE_PCAP_BPF_H
struct bpf_program;
#include <pcap/dlt.h>
#include <pcap/pcap.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/if_link.h>

#include "flow_class.h"
#include "splitter.h"
#include "splitter.skel.h"
#include "vtepd_config.h"

#define PROG_NAME "splitter"

static int usage(void)
{
    fprintf(stderr,
            "usage: vtep-splitter -c FILE attach IFNAME [--generic]\n"
            "       vtep-splitter detach IFNAME\n"
            "       vtep-splitter stats IFNAME\n"
            "       vtep-splitter -c FILE test-run PCAP\n");
    return 2;
}

static int silent_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
    if (level == LIBBPF_WARN)
        return vfprintf(stderr, fmt, ap);
    return 0;
}

/* The classifier: section of path, as the program's config. */
static int load_config(const char *path, struct splitter_cfg *sc, uint32_t *flows)
{
    struct vtepd_config cfg;
    char err[512];

    if (config_load_classifier(path, &cfg, err, sizeof(err)) != 0) {
        fprintf(stderr, "vtep-splitter: %s\n", err);
        return -EINVAL;
    }
    if (!cfg.classifier.present) {
        fprintf(stderr, "vtep-splitter: %s: no classifier: section\n", path);
        config_free(&cfg);
        return -EINVAL;
    }
    memset(sc, 0, sizeof(*sc));
    sc->enabled = cfg.classifier.enabled;
    sc->threshold = cfg.classifier.threshold_packets;
    sc->idle_ns = (uint64_t)cfg.classifier.idle_s * 1000000000ull;
    sc->age_shift = fc_age_shift(1000000000ull);
    sc->protocols = cfg.classifier.protocols;   /* CFG_CLS_* == FC_PROTO_* */
    sc->dscp_short = cfg.classifier.short_flows.dscp;
    sc->dscp_long = cfg.classifier.long_flows.dscp;
    *flows = cfg.classifier.flows_per_worker;
    config_free(&cfg);
    return 0;
}

/* Open and load the program with flows entries in its LRU map. */
static struct splitter_bpf *open_load(uint32_t flows)
{
    struct splitter_bpf *skel = splitter_bpf__open();
    int rc;

    if (!skel) {
        fprintf(stderr, "vtep-splitter: cannot open the BPF object: %s\n", strerror(errno));
        return NULL;
    }
    bpf_map__set_max_entries(skel->maps.flows, flows);
    rc = splitter_bpf__load(skel);
    if (rc) {
        fprintf(stderr, "vtep-splitter: the kernel refused the program: %s%s\n", strerror(-rc),
                rc == -EPERM ? " (needs root or CAP_BPF + CAP_NET_ADMIN)" : "");
        splitter_bpf__destroy(skel);
        return NULL;
    }
    return skel;
}

static int set_config(struct splitter_bpf *skel, const struct splitter_cfg *sc)
{
    uint32_t zero = 0;

    if (bpf_map_update_elem(bpf_map__fd(skel->maps.config), &zero, sc, BPF_ANY) != 0) {
        fprintf(stderr, "vtep-splitter: cannot write the config map: %s\n", strerror(errno));
        return -errno;
    }
    return 0;
}

static int ifindex_of(const char *ifname)
{
    unsigned idx = if_nametoindex(ifname);

    if (idx == 0) {
        fprintf(stderr, "vtep-splitter: no interface '%s'\n", ifname);
        return -ENODEV;
    }
    return (int)idx;
}

static int cmd_attach(const char *cfgpath, const char *ifname, bool generic)
{
    struct splitter_cfg sc;
    struct splitter_bpf *skel;
    uint32_t flows;
    int ifindex, rc;
    __u32 flags = XDP_FLAGS_UPDATE_IF_NOEXIST | (generic ? XDP_FLAGS_SKB_MODE : XDP_FLAGS_DRV_MODE);

    if ((rc = load_config(cfgpath, &sc, &flows)) != 0)
        return 1;
    if (!sc.enabled) {
        fprintf(stderr, "vtep-splitter: %s: classifier.enabled is false: nothing to attach\n",
                cfgpath);
        return 1;
    }
    if ((ifindex = ifindex_of(ifname)) < 0)
        return 1;
    if (!(skel = open_load(flows)))
        return 1;
    if (set_config(skel, &sc) != 0) {
        splitter_bpf__destroy(skel);
        return 1;
    }
    rc = bpf_xdp_attach(ifindex, bpf_program__fd(skel->progs.splitter), flags, NULL);
    if (rc == -EEXIST || rc == -EBUSY) {
        fprintf(stderr, "vtep-splitter: %s already has an XDP program (detach it first)\n", ifname);
    } else if (rc && !generic && (rc == -EOPNOTSUPP || rc == -EINVAL)) {
        fprintf(stderr, "vtep-splitter: %s refuses native XDP (%s): its driver cannot run XDP "
                "programs; use --generic to attach in generic (skb) mode, which is slower\n",
                ifname, strerror(-rc));
    } else if (rc) {
        fprintf(stderr, "vtep-splitter: cannot attach to %s in %s mode: %s\n", ifname,
                generic ? "generic" : "native", strerror(-rc));
    } else {
        printf("vtep-splitter: attached to %s (%s mode): threshold %u packets, idle %llu s, "
               "%u flows, protocols%s%s, short DSCP %u, long DSCP %u\n",
               ifname, generic ? "generic" : "native", sc.threshold,
               (unsigned long long)(sc.idle_ns / 1000000000ull), flows,
               (sc.protocols & FC_PROTO_TCP) ? " tcp" : "", (sc.protocols & FC_PROTO_UDP) ? " udp" : "",
               sc.dscp_short, sc.dscp_long);
    }
    /* the attachment holds the program and its maps; our fds can go */
    splitter_bpf__destroy(skel);
    return rc ? 1 : 0;
}

/* The id of our program on ifindex and its attach mode, or 0. */
static __u32 our_prog(int ifindex, const char *ifname, __u32 *mode_flags)
{
    LIBBPF_OPTS(bpf_xdp_query_opts, q);
    struct bpf_prog_info info;
    __u32 len = sizeof(info);
    int fd;

    if (bpf_xdp_query(ifindex, 0, &q) != 0 || q.prog_id == 0) {
        fprintf(stderr, "vtep-splitter: no XDP program on %s\n", ifname);
        return 0;
    }
    fd = bpf_prog_get_fd_by_id(q.prog_id);
    memset(&info, 0, sizeof(info));
    if (fd < 0 || bpf_obj_get_info_by_fd(fd, &info, &len) != 0 ||
        strcmp(info.name, PROG_NAME) != 0) {
        fprintf(stderr, "vtep-splitter: the XDP program on %s is not vtep-splitter's\n", ifname);
        if (fd >= 0)
            close(fd);
        return 0;
    }
    close(fd);
    *mode_flags = q.attach_mode == XDP_ATTACHED_SKB ? XDP_FLAGS_SKB_MODE :
                  q.attach_mode == XDP_ATTACHED_HW ? XDP_FLAGS_HW_MODE : XDP_FLAGS_DRV_MODE;
    return q.prog_id;
}

static int cmd_detach(const char *ifname)
{
    LIBBPF_OPTS(bpf_xdp_attach_opts, o);
    int ifindex = ifindex_of(ifname), fd, rc;
    __u32 mode, id;

    if (ifindex < 0 || !(id = our_prog(ifindex, ifname, &mode)))
        return 1;
    fd = bpf_prog_get_fd_by_id(id);
    o.old_prog_fd = fd;
    rc = bpf_xdp_detach(ifindex, mode | XDP_FLAGS_REPLACE, &o);
    close(fd);
    if (rc) {
        fprintf(stderr, "vtep-splitter: cannot detach from %s: %s\n", ifname, strerror(-rc));
        return 1;
    }
    printf("vtep-splitter: detached from %s\n", ifname);
    return 0;
}

/* fd of the map called name used by program id, or -1. */
static int prog_map(__u32 id, const char *name)
{
    struct bpf_prog_info info;
    __u32 ids[16], len = sizeof(info);
    int pfd = bpf_prog_get_fd_by_id(id), found = -1;

    if (pfd < 0)
        return -1;
    memset(&info, 0, sizeof(info));
    info.nr_map_ids = 16;
    info.map_ids = (__u64)(unsigned long)ids;
    if (bpf_obj_get_info_by_fd(pfd, &info, &len) == 0) {
        for (__u32 i = 0; i < info.nr_map_ids && i < 16 && found < 0; i++) {
            struct bpf_map_info mi;
            __u32 ml = sizeof(mi);
            int mfd = bpf_map_get_fd_by_id(ids[i]);
            memset(&mi, 0, sizeof(mi));
            if (mfd >= 0 && bpf_obj_get_info_by_fd(mfd, &mi, &ml) == 0 && !strcmp(mi.name, name))
                found = mfd;
            else if (mfd >= 0)
                close(mfd);
        }
    }
    close(pfd);
    return found;
}

/* Sum of the per-CPU counters in the stats map fd. */
static int read_stats(int fd, struct splitter_stats *sum)
{
    int ncpu = libbpf_num_possible_cpus();
    struct splitter_stats *per;
    uint32_t zero = 0;

    if (ncpu <= 0)
        return -EINVAL;
    per = calloc((size_t)ncpu, sizeof(*per));
    if (!per)
        return -ENOMEM;
    if (bpf_map_lookup_elem(fd, &zero, per) != 0) {
        free(per);
        return -errno;
    }
    memset(sum, 0, sizeof(*sum));
    for (int c = 0; c < ncpu; c++) {
        const __u64 *src = (const __u64 *)&per[c];
        __u64 *dst = (__u64 *)sum;
        for (size_t i = 0; i < sizeof(*sum) / sizeof(__u64); i++)
            dst[i] += src[i];
    }
    free(per);
    return 0;
}

static void print_stats(const struct splitter_stats *s, long live)
{
    printf("packets %llu\n"
           "short_packets %llu\nlong_packets %llu\nshort_bytes %llu\nlong_bytes %llu\n"
           "not_counted %llu\n  not_ip %llu\n  fragments %llu\n  proto_off %llu\n"
           "  malformed %llu\n  insert_failed %llu\n"
           "inserts %llu\npromotions %llu\nexpired %llu\nrestarts %llu\nmarked %llu\n",
           (unsigned long long)s->packets, (unsigned long long)s->pkts_short,
           (unsigned long long)s->pkts_long, (unsigned long long)s->bytes_short,
           (unsigned long long)s->bytes_long, (unsigned long long)s->not_counted,
           (unsigned long long)s->not_ip, (unsigned long long)s->fragments,
           (unsigned long long)s->proto_off, (unsigned long long)s->malformed,
           (unsigned long long)s->insert_failed, (unsigned long long)s->inserts,
           (unsigned long long)s->promotions, (unsigned long long)s->expired,
           (unsigned long long)s->restarts, (unsigned long long)s->marked);
    if (live >= 0)
        printf("flows_in_map %ld\n", live);
}

static int cmd_stats(const char *ifname)
{
    int ifindex = ifindex_of(ifname), sfd, ffd;
    struct splitter_stats s;
    struct fc_key k, next;
    long live = 0;
    __u32 mode, id;

    if (ifindex < 0 || !(id = our_prog(ifindex, ifname, &mode)))
        return 1;
    sfd = prog_map(id, "stats");
    ffd = prog_map(id, "flows");
    if (sfd < 0 || read_stats(sfd, &s) != 0) {
        fprintf(stderr, "vtep-splitter: cannot read the stats map of %s\n", ifname);
        return 1;
    }
    printf("interface %s prog_id %u mode %s\n", ifname, id,
           mode == XDP_FLAGS_SKB_MODE ? "generic" : "native");
    if (ffd >= 0) {
        void *prev = NULL;
        while (bpf_map_get_next_key(ffd, prev, &next) == 0) {
            live++;
            k = next;
            prev = &k;
        }
    } else {
        live = -1;
    }
    print_stats(&s, live);
    close(sfd);
    if (ffd >= 0)
        close(ffd);
    return 0;
}

static int cmd_test_run(const char *cfgpath, const char *pcapfile)
{
    char errbuf[PCAP_ERRBUF_SIZE];
    struct splitter_cfg sc;
    struct splitter_bpf *skel;
    struct pcap_pkthdr *h;
    const u_char *data;
    unsigned char out[4096];
    uint32_t flows;
    unsigned long idx = 0;
    int stfd, rc = 0, nx;
    pcap_t *p;

    if (load_config(cfgpath, &sc, &flows) != 0)
        return 1;
    p = pcap_open_offline_with_tstamp_precision(pcapfile, PCAP_TSTAMP_PRECISION_NANO, errbuf);
    if (!p) {
        fprintf(stderr, "vtep-splitter: %s: %s\n", pcapfile, errbuf);
        return 1;
    }
    if (pcap_datalink(p) != DLT_EN10MB) {
        fprintf(stderr, "vtep-splitter: %s: not an Ethernet capture\n", pcapfile);
        pcap_close(p);
        return 1;
    }
    if (!(skel = open_load(flows))) {
        pcap_close(p);
        return 1;
    }
    stfd = bpf_map__fd(skel->maps.stats);
    sc.use_now = 1;
    while ((nx = pcap_next_ex(p, &h, &data)) == 1) {
        LIBBPF_OPTS(bpf_test_run_opts, o);
        struct splitter_stats before, after;
        const char *cls, *cnt;
        char dscp[8] = "-";

        idx++;
        if (h->caplen != h->len || h->caplen < 14 || h->caplen > 3000) {
            fprintf(stderr, "vtep-splitter: %s: frame %lu: %u of %u bytes captured; skipped\n",
                    pcapfile, idx, h->caplen, h->len);
            printf("%lu skipped\n", idx);
            continue;
        }
        /* the capture's time; 1 ns past 0 so that a zero stamp is still a time */
        sc.now = (uint64_t)h->ts.tv_sec * 1000000000ull + (uint64_t)h->ts.tv_usec + 1;
        if (set_config(skel, &sc) != 0 || read_stats(stfd, &before) != 0) {
            rc = 1;
            break;
        }
        o.data_in = data;
        o.data_size_in = h->caplen;
        o.data_out = out;
        o.data_size_out = sizeof(out);
        o.repeat = 1;
        if (bpf_prog_test_run_opts(bpf_program__fd(skel->progs.splitter), &o) != 0) {
            fprintf(stderr, "vtep-splitter: BPF_PROG_TEST_RUN on frame %lu: %s\n", idx,
                    strerror(errno));
            rc = 1;
            break;
        }
        if (read_stats(stfd, &after) != 0 || o.retval != XDP_PASS) {
            fprintf(stderr, "vtep-splitter: frame %lu: retval %u\n", idx, o.retval);
            rc = 1;
            break;
        }
        /* the program's own counters say what it decided */
        if (after.pkts_long > before.pkts_long) {
            cls = "long";
            cnt = "counted";
        } else if (after.pkts_short > before.pkts_short) {
            cls = "short";
            cnt = "counted";
        } else {
            cls = "short";
            cnt = "uncounted";
        }
        /* the DSCP it left in the frame */
        if (o.data_size_out >= 14) {
            unsigned off = 14;
            unsigned et = (unsigned)(out[12] << 8 | out[13]);
            if (et == 0x8100 && o.data_size_out >= 18) {
                et = (unsigned)(out[16] << 8 | out[17]);
                off = 18;
            }
            if (et == 0x0800 && o.data_size_out >= off + 20)
                snprintf(dscp, sizeof(dscp), "%u", (unsigned)(out[off + 1] >> 2));
            else if (et == 0x86dd && o.data_size_out >= off + 40)
                snprintf(dscp, sizeof(dscp), "%u", (unsigned)(fc_ipv6_tclass(out + off) >> 2));
        }
        printf("%lu %s %s %s\n", idx, cls, cnt, dscp);
    }
    if (nx == PCAP_ERROR) {
        fprintf(stderr, "vtep-splitter: %s: %s\n", pcapfile, pcap_geterr(p));
        rc = 1;
    }
    pcap_close(p);
    splitter_bpf__destroy(skel);
    return rc;
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"config", required_argument, NULL, 'c'},
        {"generic", no_argument, NULL, 'g'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *cfgpath = NULL;
    bool generic = false;
    int c;

    while ((c = getopt_long(argc, argv, "c:gh", opts, NULL)) != -1) {
        switch (c) {
        case 'c': cfgpath = optarg; break;
        case 'g': generic = true; break;
        default: return usage();
        }
    }
    if (optind + 2 != argc)
        return usage();
    libbpf_set_print(silent_print);
    if (!strcmp(argv[optind], "attach") && cfgpath)
        return cmd_attach(cfgpath, argv[optind + 1], generic);
    if (!strcmp(argv[optind], "detach"))
        return cmd_detach(argv[optind + 1]);
    if (!strcmp(argv[optind], "stats"))
        return cmd_stats(argv[optind + 1]);
    if (!strcmp(argv[optind], "test-run") && cfgpath)
        return cmd_test_run(cfgpath, argv[optind + 1]);
    return usage();
}
