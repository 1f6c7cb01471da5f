/* Microbenchmark of the memory floor under any per-flow table: the cost of
 * updating one random 64-byte line per packet, at the best memory
 * parallelism a worker can get, as a function of the table's size.
 *
 * A table of `size` bytes (anonymous mmap, transparent huge pages advised,
 * pre-faulted) is updated one line per "packet": a counter in the line is
 * read, incremented and written back, as a flow entry's packet count is.
 * Packets come in bursts of 32; their line indices are drawn uniformly at
 * random before timing into a stream read in order (a worker finds its
 * keys in headers already in cache), so the timed loop reads no random
 * memory but the table. Two schedules:
 *   burst: prefetch the 32 lines of a burst, then update them (the staged
 *          loop of a hash table that knows every key of a burst first);
 *   ahead: prefetch burst k+1's lines while updating burst k's, so each
 *          line has a whole burst of updates to arrive in.
 * Reports TSC cycles and nanoseconds of this thread's CPU time per update
 * (CLOCK_THREAD_CPUTIME_ID: time descheduled is not counted), median of
 * runs. Nothing else is done per packet, so the figures are a lower bound
 * for a table of that size: a real lookup adds its hashing, compares and
 * branches.
 *
 *   build/tests/bench/bench_mem_lines [--runs N] [--updates N] [--sizes LIST]
 *
 * LIST: comma-separated sizes in KiB (default 32,64,1024,16384,65536,163840).
 * Built by meson, not run as a test (it measures, it does not check).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <x86intrin.h>

#include "bench_rand.h"
#include "bench_time.h"

#define BURST 32u
#define LINE 64u
#define MAX_RUNS 31
#define MAX_SIZES 16
#define STREAM_MAX (1u << 22)

static double median(double *v, unsigned n)
{
    qsort(v, n, sizeof(*v), bench_cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* One line's update: what a flow entry's count costs at the least. */
static inline void touch(uint8_t *tab, uint32_t line)
{
    uint64_t *c = (uint64_t *)(void *)(tab + (size_t)line * LINE);

    *c += 1;
}

/* Prefetch a burst's lines, then update them. */
static void run_burst(uint8_t *tab, const uint32_t *stream, uint64_t updates, uint32_t slen)
{
    uint32_t pos = 0;

    for (uint64_t done = 0; done < updates; done += BURST) {
        const uint32_t *s = &stream[pos];

        for (unsigned i = 0; i < BURST; i++)
            __builtin_prefetch(tab + (size_t)s[i] * LINE, 1, 3);
        for (unsigned i = 0; i < BURST; i++)
            touch(tab, s[i]);
        pos = pos + BURST < slen ? pos + BURST : 0;
    }
}

/* Prefetch the next burst's lines while updating this burst's. */
static void run_ahead(uint8_t *tab, const uint32_t *stream, uint64_t updates, uint32_t slen)
{
    uint32_t pos = 0;

    for (unsigned i = 0; i < BURST; i++)
        __builtin_prefetch(tab + (size_t)stream[i] * LINE, 1, 3);
    for (uint64_t done = 0; done < updates; done += BURST) {
        const uint32_t *s = &stream[pos];
        const uint32_t next = pos + BURST < slen ? pos + BURST : 0;
        const uint32_t *sn = &stream[next];

        for (unsigned i = 0; i < BURST; i++) {
            __builtin_prefetch(tab + (size_t)sn[i] * LINE, 1, 3);
            touch(tab, s[i]);
        }
        pos = next;
    }
}

static int parse_sizes(const char *arg, uint64_t *kib, unsigned *n)
{
    char *copy = strdup(arg), *save = NULL;

    *n = 0;
    if (copy == NULL)
        return -1;
    for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        char *end;
        unsigned long long v = strtoull(tok, &end, 10);

        if (*end != '\0' || v == 0 || v > (64ull << 20) || *n == MAX_SIZES) {
            free(copy);
            return -1;
        }
        kib[(*n)++] = v;
    }
    free(copy);
    return *n ? 0 : -1;
}

int main(int argc, char **argv)
{
    uint64_t kib[MAX_SIZES] = {32, 64, 1024, 16384, 65536, 163840};
    unsigned n_sizes = 6, runs = 5;
    uint64_t updates = 1u << 24;
    static uint32_t stream[STREAM_MAX];

    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--runs") && i + 1 < argc) {
            runs = (unsigned)atoi(argv[++i]);
        } else if (!strcmp(argv[i], "--updates") && i + 1 < argc) {
            updates = strtoull(argv[++i], NULL, 10);
        } else if (!strcmp(argv[i], "--sizes") && i + 1 < argc) {
            if (parse_sizes(argv[++i], kib, &n_sizes) < 0) {
                fprintf(stderr, "--sizes: comma-separated KiB, 1..%llu, at most %d\n",
                        64ull << 20, MAX_SIZES);
                return 2;
            }
        } else {
            fprintf(stderr, "usage: %s [--runs N] [--updates N] [--sizes KIB,KIB,...]\n",
                    argv[0]);
            return 2;
        }
    }
    if (runs < 1 || runs > MAX_RUNS || updates < BURST) {
        fprintf(stderr, "--runs 1..%d, --updates >= %u\n", MAX_RUNS, BURST);
        return 2;
    }
    updates -= updates % BURST;

    printf("# one random 64-byte line updated per packet, bursts of %u, %llu updates a run,"
           " median of %u runs\n", BURST, (unsigned long long)updates, runs);
    printf("# %10s %8s %12s %10s %12s %10s\n", "KiB", "lines", "burst cyc", "burst ns",
           "ahead cyc", "ahead ns");
    for (unsigned z = 0; z < n_sizes; z++) {
        const size_t size = (size_t)kib[z] << 10;
        const uint32_t lines = (uint32_t)(size / LINE);
        const uint32_t slen = (uint32_t)(STREAM_MAX - STREAM_MAX % BURST);
        double cyc[2][MAX_RUNS], ns[2][MAX_RUNS];
        uint8_t *tab;

        if (lines < BURST) {
            fprintf(stderr, "%llu KiB: fewer than %u lines\n", (unsigned long long)kib[z],
                    BURST);
            return 2;
        }
        tab = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (tab == MAP_FAILED) {
            fprintf(stderr, "%llu KiB: mmap: %s\n", (unsigned long long)kib[z],
                    strerror(errno));
            return 1;
        }
        (void)madvise(tab, size, MADV_HUGEPAGE);
        memset(tab, 0, size);
        for (uint32_t i = 0; i < slen; i++)
            stream[i] = (uint32_t)(xs() % lines);
        for (unsigned r = 0; r < runs; r++) {
            for (int mode = 0; mode < 2; mode++) {
                uint64_t t0 = bench_cpu_ns();
                uint64_t c0 = __rdtsc();

                if (mode == 0)
                    run_burst(tab, stream, updates, slen);
                else
                    run_ahead(tab, stream, updates, slen);
                cyc[mode][r] = (double)(__rdtsc() - c0) / (double)updates;
                ns[mode][r] = (double)(bench_cpu_ns() - t0) / (double)updates;
            }
        }
        printf("  %10llu %8u %12.1f %10.2f %12.1f %10.2f\n", (unsigned long long)kib[z], lines,
               median(cyc[0], runs), median(ns[0], runs), median(cyc[1], runs),
               median(ns[1], runs));
        fflush(stdout);
        munmap(tab, size);
    }
    return 0;
}
