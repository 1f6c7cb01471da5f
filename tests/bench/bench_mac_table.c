/* Microbenchmark of the MAC table at scale (control/core/mac_table.c, the
 * workers' lookup table): memory and bulk lookup cost of a table holding
 * 1,000,000 MACs over 4,096 VNIs against a small one (1,024 MACs over 4
 * VNIs). Lookups go in bursts of 32 keys drawn uniformly at random from the
 * table's own keys (every lookup a hit), through mac_table_lookup_bulk() as
 * l2_lookup.c calls it. The keys are drawn before timing into a stream of
 * up to 2^20 copies read in order, as a worker finds its keys in packet
 * headers already in cache: the timed loop reads no random key memory of
 * its own. Reports nanoseconds of
 * this thread's CPU time per lookup (CLOCK_THREAD_CPUTIME_ID: time spent
 * descheduled on a shared machine is not counted, as TSC cycles would
 * count it), median of runs, and the large/small rate ratio; memory is the
 * growth of DPDK's heap (rte_malloc_get_socket_stats) across create + fill.
 *
 * --huge runs DPDK on hugepages (the EAL without --no-huge) when the
 * system has enough free and a hugetlbfs mount (root: echo 512 >
 * /proc/sys/vm/nr_hugepages; mount -t hugetlbfs nodev /dev/hugepages);
 * otherwise it says so and runs on 4 KiB pages. The pages used are printed.
 *
 * Built by meson, not run as a test:
 * --burst N (1-64, default 32) looks up N keys per bulk call instead: with
 * 1, nothing overlaps and the large case shows the memory latency of one
 * lookup.
 *
 *   build/tests/bench/bench_mac_table [--runs N] [--lookups N] [--macs N] [--vnis N]
 *                                     [--burst N | --ahead] [--huge]
 *
 * --ahead pipelines the bursts of 32 (lookup_loop_ahead): the way a
 * worker that starts each lookup as soon as it has parsed the key hides
 * the bucket's memory latency behind other work.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_malloc.h>

#include "mac_table.h"

#include "bench_rand.h"
#include "bench_time.h"

#define BURST 32u
#define MAX_RUNS 31
#define STREAM_MAX (1u << 20)
#define HUGE_NEED_MB 512u


static size_t heap_used(void)
{
    struct rte_malloc_socket_stats s;

    if (rte_malloc_get_socket_stats(0, &s) != 0)
        return 0;
    return s.heap_allocsz_bytes;
}

/* Free hugepage memory in MiB, from /proc/meminfo. */
static uint64_t huge_free_mb(void)
{
    FILE *f = fopen("/proc/meminfo", "r");
    unsigned long long free_pages = 0, kb = 0, v;
    char line[128];

    if (!f)
        return 0;
    while (fgets(line, sizeof(line), f)) {
        if (sscanf(line, "HugePages_Free: %llu", &v) == 1)
            free_pages = v;
        else if (sscanf(line, "Hugepagesize: %llu kB", &v) == 1)
            kb = v;
    }
    fclose(f);
    return free_pages * kb / 1024;
}

/* A hugetlbfs mount exists (the EAL needs one for hugepages). */
static bool hugetlbfs_mounted(void)
{
    FILE *f = fopen("/proc/mounts", "r");
    char line[512];
    bool found = false;

    if (!f)
        return false;
    while (!found && fgets(line, sizeof(line), f))
        found = strstr(line, " hugetlbfs ") != NULL;
    fclose(f);
    return found;
}

struct result {
    double ns;              /* CPU time per lookup, median */
    double ns_min;          /* the fastest run (least disturbed by other load) */
    size_t bytes;
};

/* The timed loop: lookups keys from the stream, in bursts. Returns how many
 * missed (none should). Not inlined, so that callgrind can count it alone
 * (valgrind --tool=callgrind --toggle-collect=lookup_loop). */
static __attribute__((noinline)) uint64_t lookup_loop(const struct mac_table *t,
                                                      const struct mac_key *stream,
                                                      uint32_t n_stream, uint64_t lookups)
{
    const struct mac_key *kp[BURST];
    uint64_t vals[BURST], missed = 0;
    uint32_t at = 0;

    for (uint64_t done = 0; done < lookups; done += BURST) {
        for (unsigned j = 0; j < BURST; j++)
            kp[j] = &stream[at + j];
        at = at + BURST < n_stream ? at + BURST : 0;
        mac_table_lookup_bulk(t, kp, BURST, vals);
        for (unsigned j = 0; j < BURST; j++)
            missed += vals[j] == 0;
    }
    return missed;
}

/* The same with bursts of n (1-64) keys: --burst, to see how much of the
 * memory latency the bursts of 32 hide (n = 1: one lookup at a time). */
static __attribute__((noinline)) uint64_t lookup_loop_n(const struct mac_table *t,
                                                        const struct mac_key *stream,
                                                        uint32_t n_stream, uint64_t lookups,
                                                        unsigned n)
{
    const struct mac_key *kp[64];
    uint64_t vals[64], missed = 0;
    uint32_t at = 0;

    for (uint64_t done = 0; done < lookups; done += n) {
        for (unsigned j = 0; j < n; j++)
            kp[j] = &stream[at + j];
        at = at + 2 * n <= n_stream ? at + n : 0;
        mac_table_lookup_bulk(t, kp, n, vals);
        for (unsigned j = 0; j < n; j++)
            missed += vals[j] == 0;
    }
    return missed;
}

/* --ahead: bursts of 32 in a pipeline, as a worker that starts its
 * lookups while it parses: burst k+1's keys are hashed and their buckets
 * prefetched (mac_lookup_start) before burst k's are compared
 * (mac_lookup_finish), so each bucket has a burst's worth of work to
 * arrive in. */
static __attribute__((noinline)) uint64_t lookup_loop_ahead(const struct mac_table *t,
                                                            const struct mac_key *stream,
                                                            uint32_t n_stream, uint64_t lookups)
{
    struct mac_lookup l[2][BURST];
    uint64_t missed = 0;
    uint32_t at = 0;
    unsigned cur = 0;

    for (unsigned j = 0; j < BURST; j++)
        mac_lookup_start(t, &stream[j], &l[0][j]);
    for (uint64_t done = 0; done < lookups; done += BURST) {
        at = at + BURST < n_stream ? at + BURST : 0;
        for (unsigned j = 0; j < BURST; j++)
            mac_lookup_start(t, &stream[at + j], &l[cur ^ 1][j]);
        for (unsigned j = 0; j < BURST; j++)
            missed += mac_lookup_finish(t, &l[cur][j]) == 0;
        cur ^= 1;
    }
    return missed;
}

static bool ahead;
static unsigned burst = BURST;

static void mac_of(uint32_t i, uint8_t mac[6])
{
    mac[0] = 0x02;
    mac[1] = (uint8_t)(i >> 24);
    mac[2] = (uint8_t)(i >> 16);
    mac[3] = (uint8_t)(i >> 8);
    mac[4] = (uint8_t)i;
    mac[5] = 0x01;
}

static int run(uint32_t n_macs, uint32_t n_vnis, unsigned runs, uint64_t lookups,
               struct result *res)
{
    uint32_t size = 1024;
    size_t before = heap_used();
    struct mac_table *t;
    struct mac_key *keys, *stream;
    uint32_t n_stream = lookups < STREAM_MAX ? (uint32_t)lookups : STREAM_MAX;
    double per[MAX_RUNS];
    uint64_t sink = 0;

    while (size < n_macs)
        size <<= 1;
    t = mac_table_create(n_macs > 100000 ? "bench_big" : "bench_small", size, n_vnis, NULL, 0);
    if (!t) {
        fprintf(stderr, "bench_mac_table: cannot create a table of %u\n", size);
        return -1;
    }
    keys = malloc((size_t)n_macs * sizeof(*keys));
    if (!keys) {
        mac_table_free(t);
        return -1;
    }
    for (uint32_t i = 0; i < n_macs; i++) {
        uint8_t mac[6];
        uint32_t vni = i % n_vnis;

        mac_of(i, mac);
        mac_key_set(&keys[i], vni, mac);
        if (mac_table_set(t, vni, mac, mac_val_remote(MAC_REMOTE, 0x0a000000u | i), 0) != 0) {
            fprintf(stderr, "bench_mac_table: insert %u of %u failed (table %u)\n", i, n_macs,
                    size);
            free(keys);
            mac_table_free(t);
            return -1;
        }
    }
    res->bytes = heap_used() - before;
    n_stream -= n_stream % BURST;
    if (n_stream < 64)
        n_stream = 64;
    stream = malloc((size_t)n_stream * sizeof(*stream));
    if (!stream) {
        free(keys);
        mac_table_free(t);
        return -1;
    }
    for (uint32_t i = 0; i < n_stream; i++)
        stream[i] = keys[xs() % n_macs];
    for (unsigned r = 0; r < runs; r++) {
        uint64_t t0, t1;

        t0 = bench_cpu_ns();
        if (ahead)
            sink += lookup_loop_ahead(t, stream, n_stream, lookups);
        else if (burst == BURST)
            sink += lookup_loop(t, stream, n_stream, lookups);
        else
            sink += lookup_loop_n(t, stream, n_stream, lookups, burst);
        t1 = bench_cpu_ns();
        per[r] = (double)(t1 - t0) / (double)lookups;
    }
    qsort(per, runs, sizeof(per[0]), bench_cmp_double);
    res->ns = per[runs / 2];
    res->ns_min = per[0];
    if (sink)
        fprintf(stderr, "bench_mac_table: %llu lookups missed\n", (unsigned long long)sink);
    free(stream);
    free(keys);
    mac_table_free(t);
    return sink ? -1 : 0;
}

int main(int argc, char **argv)
{
    char prefix[64];
    char *eal[] = {argv[0], "--no-pci", "-m", "1024", "--file-prefix", prefix,
                   "--log-level", "lib.eal:warning", "-l", "0", "--no-huge"};
    int n_eal = (int)(sizeof(eal) / sizeof(eal[0]));
    bool huge = false;
    unsigned runs = 5;
    uint64_t lookups = 4000000;
    uint32_t macs = 1000000, vnis = 4096;
    struct result small, big;

    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--runs") && i + 1 < argc)
            runs = (unsigned)atoi(argv[++i]);
        else if (!strcmp(argv[i], "--lookups") && i + 1 < argc)
            lookups = strtoull(argv[++i], NULL, 0);
        else if (!strcmp(argv[i], "--macs") && i + 1 < argc)
            macs = (uint32_t)strtoul(argv[++i], NULL, 0);
        else if (!strcmp(argv[i], "--vnis") && i + 1 < argc)
            vnis = (uint32_t)strtoul(argv[++i], NULL, 0);
        else if (!strcmp(argv[i], "--burst") && i + 1 < argc)
            burst = (unsigned)atoi(argv[++i]);
        else if (!strcmp(argv[i], "--huge"))
            huge = true;
        else if (!strcmp(argv[i], "--ahead"))
            ahead = true;
        else {
            fprintf(stderr, "usage: %s [--runs N] [--lookups N] [--macs N] [--vnis N] "
                    "[--burst N | --ahead] [--huge]\n", argv[0]);
            return 2;
        }
    }
    if (ahead && burst != BURST) {
        fprintf(stderr, "bench_mac_table: --ahead looks up bursts of %u\n", BURST);
        return 2;
    }
    if (runs < 1 || runs > MAX_RUNS || macs < 1024 || vnis < 4 || burst < 1 || burst > 64) {
        fprintf(stderr, "bench_mac_table: runs 1-%d, macs >= 1024, vnis >= 4, burst 1-64\n",
                MAX_RUNS);
        return 2;
    }
    snprintf(prefix, sizeof(prefix), "bench-mac%d", (int)getpid());
    if (huge) {
        uint64_t free_mb = huge_free_mb();

        if (free_mb >= HUGE_NEED_MB && hugetlbfs_mounted()) {
            n_eal--;        /* drop --no-huge */
            eal[3] = "512";
        } else {
            fprintf(stderr, "bench_mac_table: --huge: %llu MiB of hugepages free (%u needed), "
                    "hugetlbfs %smounted (as root: echo 512 > /proc/sys/vm/nr_hugepages; "
                    "mount -t hugetlbfs nodev /dev/hugepages); running on 4 KiB pages\n",
                    (unsigned long long)free_mb, HUGE_NEED_MB, hugetlbfs_mounted() ? "" : "not ");
            huge = false;
        }
    }
    if (rte_eal_init(n_eal, eal) < 0) {
        fprintf(stderr, "bench_mac_table: EAL init failed\n");
        return 1;
    }
    if (run(1024, 4, runs, lookups, &small) || run(macs, vnis, runs, lookups, &big)) {
        rte_eal_cleanup();
        return 1;
    }
    printf("pages: %s\n", huge ? "hugepages (EAL on hugetlbfs)" : "4 KiB (--no-huge)");
    printf("small: 1024 MACs over 4 VNIs: %zu bytes, %.1f ns/lookup (min %.1f)\n", small.bytes,
           small.ns, small.ns_min);
    printf("large: %u MACs over %u VNIs: %zu bytes (%.1f MiB, %.1f B/MAC), %.1f ns/lookup "
           "(min %.1f)\n", macs, vnis, big.bytes, (double)big.bytes / 1048576.0,
           (double)big.bytes / macs, big.ns, big.ns_min);
    printf("rate ratio large/small: %.2f, of the fastest runs %.2f (%d runs x %llu lookups, "
           "bursts of %u%s, median)\n", small.ns / big.ns, small.ns_min / big.ns_min, runs,
           (unsigned long long)lookups, burst, ahead ? ", one burst looked up ahead" : "");
    rte_eal_cleanup();
    return 0;
}
