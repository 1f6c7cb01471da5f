/* fdb_mirror_tool: drive control/evpn/fdb_mirror.c from the command line,
 * for tests/netns/test_fdb_mirror.sh. Each run is a fresh mirror instance
 * (as after a vtepd restart): it performs the commands in order, running
 * the mirror's non-blocking loop (poll + fdb_mirror_run with a budget)
 * after each "sync" and at the end, and prints what happened.
 *
 * usage: fdb_mirror_tool --local A.B.C.D [--prefix P] [--budget N] CMD...
 *   ensure VNI | remove VNI | reconcile VNI
 *   add VNI MAC | del VNI MAC | ip VNI A.B.C.D MAC | noip VNI A.B.C.D
 *   sync            run until idle; prints "sync t0=EPOCH t1=EPOCH rounds=N"
 *                   (t0 before the first request went out, t1 when the
 *                   last answer was in)
 *   status VNI      prints the VNI's state and counts
 * At the end it runs until idle and prints "stats ..." (fdb_mirror_stats).
 * Exit 0 when every command was accepted, the loop went idle within 10 s
 * and no request failed; 1 otherwise. */
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fdb_mirror.h"

static double now_epoch(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int parse_mac(const char *s, uint8_t mac[6])
{
    unsigned int b[6];
    int i;

    if (sscanf(s, "%x:%x:%x:%x:%x:%x", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5]) != 6)
        return -1;
    for (i = 0; i < 6; i++) {
        if (b[i] > 255)
            return -1;
        mac[i] = (uint8_t)b[i];
    }
    return 0;
}

static int parse_vni(const char *s, uint32_t *vni)
{
    char *end;
    unsigned long v = strtoul(s, &end, 10);

    if (*s == '\0' || *end != '\0' || v == 0 || v > 0xffffff)
        return -1;
    *vni = (uint32_t)v;
    return 0;
}

static void log_line(void *arg, const char *line)
{
    (void)arg;
    fprintf(stderr, "fdb_mirror: %s\n", line);
}

/* Run until idle; 0, or -ETIMEDOUT / the run's error. */
static int sync_mirror(struct fdb_mirror *m, unsigned int budget, double *t0, double *t1,
                       unsigned int *rounds)
{
    double start = now_epoch(), deadline = start + 10.0;
    struct pollfd pfd = { .fd = fdb_mirror_fd(m), .events = POLLIN };

    *t0 = start;
    *rounds = 0;
    while (fdb_mirror_busy(m)) {
        int r = fdb_mirror_run(m, budget);

        if (r < 0)
            return r;
        (*rounds)++;
        if (!fdb_mirror_busy(m))
            break;
        if (now_epoch() > deadline)
            return -ETIMEDOUT;
        if (r == 0)
            (void)poll(&pfd, 1, 10);
    }
    *t1 = now_epoch();
    return 0;
}

static const char *state_name(enum fdb_mirror_vni_state s)
{
    switch (s) {
    case FDB_MIRROR_VNI_ABSENT: return "absent";
    case FDB_MIRROR_VNI_ENSURING: return "ensuring";
    case FDB_MIRROR_VNI_READY: return "ready";
    case FDB_MIRROR_VNI_RECONCILING: return "reconciling";
    case FDB_MIRROR_VNI_FAILED: return "failed";
    case FDB_MIRROR_VNI_REMOVING: return "removing";
    }
    return "?";
}

static void usage(void)
{
    fprintf(stderr, "usage: fdb_mirror_tool --local A.B.C.D [--prefix P] [--budget N] CMD...\n");
}

int main(int argc, char **argv)
{
    struct fdb_mirror_config cfg;
    struct fdb_mirror *m;
    struct fdb_mirror_stats st;
    unsigned int budget = 64, rounds;
    double t0, t1;
    int i, r, bad = 0;

    memset(&cfg, 0, sizeof(cfg));
    cfg.log = log_line;
    for (i = 1; i < argc && strncmp(argv[i], "--", 2) == 0; i++) {
        if (strcmp(argv[i], "--local") == 0 && i + 1 < argc) {
            struct in_addr a;

            if (inet_pton(AF_INET, argv[++i], &a) != 1) {
                usage();
                return 2;
            }
            cfg.local_ip = a.s_addr;
        } else if (strcmp(argv[i], "--prefix") == 0 && i + 1 < argc) {
            snprintf(cfg.prefix, sizeof(cfg.prefix), "%s", argv[++i]);
        } else if (strcmp(argv[i], "--budget") == 0 && i + 1 < argc) {
            budget = (unsigned int)strtoul(argv[++i], NULL, 10);
        } else {
            usage();
            return 2;
        }
    }
    r = fdb_mirror_open(&m, &cfg);
    if (r < 0) {
        fprintf(stderr, "fdb_mirror_open: %s\n", strerror(-r));
        return 1;
    }
    for (; i < argc; i++) {
        const char *c = argv[i];
        uint32_t vni = 0;
        uint8_t mac[6];
        struct in_addr ip;
        int need = 0;

        if (strcmp(c, "sync") == 0) {
            r = sync_mirror(m, budget, &t0, &t1, &rounds);
            if (r < 0) {
                fprintf(stderr, "sync: %s\n", strerror(-r));
                bad = 1;
                break;
            }
            printf("sync t0=%.6f t1=%.6f rounds=%u\n", t0, t1, rounds);
            continue;
        }
        if (strcmp(c, "ensure") == 0 || strcmp(c, "remove") == 0 || strcmp(c, "reconcile") == 0
            || strcmp(c, "status") == 0)
            need = 1;
        else if (strcmp(c, "add") == 0 || strcmp(c, "del") == 0 || strcmp(c, "noip") == 0)
            need = 2;
        else if (strcmp(c, "ip") == 0)
            need = 3;
        if (need == 0 || i + need >= argc || parse_vni(argv[i + 1], &vni) < 0) {
            fprintf(stderr, "bad command at '%s'\n", c);
            usage();
            fdb_mirror_close(m);
            return 2;
        }
        if ((strcmp(c, "add") == 0 || strcmp(c, "del") == 0) && parse_mac(argv[i + 2], mac) < 0) {
            fprintf(stderr, "bad MAC '%s'\n", argv[i + 2]);
            fdb_mirror_close(m);
            return 2;
        }
        if ((strcmp(c, "ip") == 0 || strcmp(c, "noip") == 0)
            && (inet_pton(AF_INET, argv[i + 2], &ip) != 1
                || (need == 3 && parse_mac(argv[i + 3], mac) < 0))) {
            fprintf(stderr, "bad IP/MAC after '%s'\n", c);
            fdb_mirror_close(m);
            return 2;
        }
        if (strcmp(c, "ensure") == 0) {
            r = fdb_mirror_vni_ensure(m, vni);
        } else if (strcmp(c, "remove") == 0) {
            r = fdb_mirror_vni_remove(m, vni);
        } else if (strcmp(c, "reconcile") == 0) {
            r = fdb_mirror_reconcile(m, vni);
        } else if (strcmp(c, "add") == 0) {
            r = fdb_mirror_mac_add(m, vni, mac);
        } else if (strcmp(c, "del") == 0) {
            r = fdb_mirror_mac_del(m, vni, mac);
        } else if (strcmp(c, "ip") == 0) {
            r = fdb_mirror_ip_add(m, vni, ip.s_addr, mac);
        } else if (strcmp(c, "noip") == 0) {
            r = fdb_mirror_ip_del(m, vni, ip.s_addr);
        } else {
            struct fdb_mirror_vni_info info;

            fdb_mirror_vni_status(m, vni, &info);
            printf("status vni=%u state=%s err=%d br=%s/%d vx=%s/%d pt=%s/%d macs=%u ips=%u "
                   "pending=%u reconciles=%u\n",
                   vni, state_name(info.state), info.err, info.br, info.br_ifindex, info.vx,
                   info.vx_ifindex, info.pt, info.pt_ifindex, info.macs, info.ips, info.pending,
                   info.reconciles);
            r = 0;
        }
        if (r < 0) {
            fprintf(stderr, "%s %s: %s\n", c, argv[i + 1], strerror(-r));
            bad = 1;
        }
        i += need;
    }
    if (!bad) {
        r = sync_mirror(m, budget, &t0, &t1, &rounds);
        if (r < 0) {
            fprintf(stderr, "final sync: %s\n", strerror(-r));
            bad = 1;
        }
    }
    fdb_mirror_get_stats(m, &st);
    printf("stats requests=%llu acks=%llu errors=%llu enoent_ok=%llu fdb_adds=%llu fdb_dels=%llu "
           "neigh_adds=%llu neigh_dels=%llu dump_entries=%llu stale_removed=%llu "
           "missing_added=%llu already_present=%llu resyncs=%llu unexpected=%llu last_err=%d\n",
           (unsigned long long)st.requests, (unsigned long long)st.acks,
           (unsigned long long)st.errors, (unsigned long long)st.enoent_ok,
           (unsigned long long)st.fdb_adds, (unsigned long long)st.fdb_dels,
           (unsigned long long)st.neigh_adds, (unsigned long long)st.neigh_dels,
           (unsigned long long)st.dump_entries, (unsigned long long)st.stale_removed,
           (unsigned long long)st.missing_added, (unsigned long long)st.already_present,
           (unsigned long long)st.resyncs, (unsigned long long)st.unexpected, st.last_err);
    if (st.errors != 0)
        bad = 1;
    fdb_mirror_close(m);
    return bad;
}
