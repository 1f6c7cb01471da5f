/* Microbenchmark of the per-worker flow table (dataplane/flow_table.c):
 * TSC cycles per packet, medians of several runs, at 1,024 and 1,000,000
 * live flows, packets drawn uniformly at random over the flows in bursts of
 * 32 (the worst case for caches: every packet may hit a different flow).
 *
 *   table:      flow_table_classify_bulk() on ready keys
 *   frame path: fc_extract() from a frame in L1 + classify + outer TOS, i.e.
 *               what the encap path adds per packet
 *   rte_hash:   the same work on DPDK's rte_hash (lookup_bulk_data, add on
 *               miss, fc_account on the data) for comparison; --rte-hash
 *
 * Built by meson, not run as a test:
 *   build/tests/bench/bench_flow_table [--runs N] [--packets N] [--flows N CAPACITY]
 *                                      [--rte-hash]
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_hash.h>
#include <rte_hash_crc.h>

#include "flow_class.h"
#include "flow_table.h"

#include "bench_rand.h"

#define BURST 32u
#define MAX_RUNS 31


/* Flow i's frame: Ethernet/IPv4/TCP, addresses and ports from i (distinct
 * for i < 2^32), built in place in f (64 bytes). */
static void frame_of(uint8_t *f, uint32_t i)
{
    uint32_t sip = htonl(0x0a000000u | (i >> 8));
    uint32_t dip = htonl(0xc0000200u | (i & 0xff));
    uint16_t sp = htons((uint16_t)(1024 + (i * 2654435761u >> 20)));

    memset(f, 0, 64);
    f[0] = 0x02; f[6] = 0x02;
    f[12] = 0x08;
    f[14] = 0x45;
    f[16] = 0; f[17] = 46;
    f[22] = 64; f[23] = 6;
    memcpy(f + 26, &sip, 4);
    memcpy(f + 30, &dip, 4);
    memcpy(f + 34, &sp, 2);
    f[36] = 0; f[37] = 80;
    f[46] = 0x50; f[47] = 0x10;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static double median(uint64_t *v, int n)
{
    qsort(v, (size_t)n, sizeof(*v), cmp_u64);
    return n % 2 ? (double)v[n / 2] : ((double)v[n / 2 - 1] + (double)v[n / 2]) / 2;
}

/* Packets are prepared in chunks of CHUNK outside the timed region (they
 * stay in L2, as a received burst is in L1 when the encap path runs), and a
 * whole chunk is timed at once so the TSC reads cost nothing per packet. */
#define CHUNK 4096u

struct chunk {
    uint8_t frames[CHUNK][64];
    struct fc_key keys[CHUNK];
    struct fc_meta meta[CHUNK];
    uint8_t res[CHUNK];
    uint8_t tos[CHUNK];
};

static struct chunk ck;

static void make_chunk(uint32_t nflows, bool extract_now)
{
    for (unsigned i = 0; i < CHUNK; i++) {
        frame_of(ck.frames[i], (uint32_t)(xs() % nflows));
        ck.meta[i].len = 64;
        if (extract_now)
            fc_extract(ck.frames[i], ck.frames[i] + 64, 100, FC_PROTO_TCP, &ck.keys[i],
                       &ck.meta[i]);
    }
}

static struct flow_table *new_table(uint32_t capacity)
{
    struct flow_table_params p = {
        .capacity = capacity, .threshold = 20, .hz = rte_get_tsc_hz(), .seed = 0,
    };
    struct flow_table *t;

    p.idle = 30 * p.hz;
    t = flow_table_create(&p);
    if (t == NULL) {
        fprintf(stderr, "flow_table_create(%u): %s\n", capacity, strerror(errno));
        exit(1);
    }
    return t;
}

/* Insert every flow once (untimed), then return cycles/packet over npk
 * packets, timing only the classifier (with_extract: fc_extract + classify +
 * outer TOS, from frames already in cache). */
static double run_table(struct flow_table *t, uint32_t nflows, uint64_t npk, bool with_extract)
{
    uint64_t cyc = 0, now = 1;

    for (uint32_t i = 0; i < nflows; i += CHUNK) {
        unsigned n = nflows - i < CHUNK ? nflows - i : CHUNK;
        for (unsigned j = 0; j < n; j++) {
            frame_of(ck.frames[j], i + j);
            ck.meta[j].len = 64;
            fc_extract(ck.frames[j], ck.frames[j] + 64, 100, FC_PROTO_TCP, &ck.keys[j],
                       &ck.meta[j]);
        }
        for (unsigned j = 0; j < n; j += BURST)
            flow_table_classify_bulk(t, ck.keys + j, ck.meta + j, n - j < BURST ? n - j : BURST,
                                     now, ck.res + j);
    }
    for (uint64_t done = 0; done < npk; done += CHUNK) {
        make_chunk(nflows, !with_extract);
        uint64_t t0 = rte_rdtsc_precise();
        for (unsigned j = 0; j < CHUNK; j += BURST) {
            now++;
            if (with_extract) {
                for (unsigned i = j; i < j + BURST; i++)
                    fc_extract(ck.frames[i], ck.frames[i] + 64, 100, FC_PROTO_TCP, &ck.keys[i],
                               &ck.meta[i]);
            }
            flow_table_classify_bulk(t, ck.keys + j, ck.meta + j, BURST, now, ck.res + j);
            if (with_extract) {
                for (unsigned i = j; i < j + BURST; i++)
                    ck.tos[i] = fc_outer_tos((ck.res[i] & FC_R_LONG) ? 10 : 46, ck.frames[i][15]);
            }
        }
        cyc += rte_rdtsc_precise() - t0;
        __asm__ volatile("" : : "r"(ck.tos[0]), "r"(ck.res[CHUNK - 1]) : "memory");
    }
    return (double)cyc / (double)(npk / CHUNK * CHUNK);
}

/* The same work on rte_hash: lookup_bulk_data, add on a miss, fc_account. */
static double run_rte_hash(uint32_t nflows, uint32_t capacity, uint64_t npk)
{
    static int seq;
    char name[32];
    struct rte_hash_parameters hp = {
        .entries = capacity, .key_len = sizeof(struct fc_key),
        .hash_func = rte_hash_crc, .hash_func_init_val = 0x1234, .socket_id = 0,
    };
    struct fc_params fp = {.idle = 30 * rte_get_tsc_hz(), .threshold = 20,
                           .age_shift = fc_age_shift(rte_get_tsc_hz())};
    struct fc_counts *counts = calloc(capacity, sizeof(*counts));
    uint64_t cyc = 0, next = 0, now = 1;
    struct rte_hash *h;

    snprintf(name, sizeof(name), "bench%d", seq++);
    hp.name = name;
    h = rte_hash_create(&hp);
    if (h == NULL || counts == NULL) {
        fprintf(stderr, "rte_hash_create(%u) failed\n", capacity);
        exit(1);
    }
    for (uint32_t i = 0; i < nflows; i++) {
        struct fc_key k;
        struct fc_meta m = {.len = 64};
        frame_of(ck.frames[0], i);
        fc_extract(ck.frames[0], ck.frames[0] + 64, 100, FC_PROTO_TCP, &k, &m);
        if (rte_hash_add_key_data(h, &k, &counts[next]) == 0)
            fc_account(&counts[next++], 0, now, &m, &fp);
    }
    for (uint64_t done = 0; done < npk; done += CHUNK) {
        make_chunk(nflows, true);
        uint64_t t0 = rte_rdtsc_precise();
        for (unsigned j = 0; j < CHUNK; j += BURST) {
            const void *kp[BURST];
            void *data[BURST];
            uint64_t hits = 0;

            now++;
            for (unsigned i = 0; i < BURST; i++)
                kp[i] = &ck.keys[j + i];
            rte_hash_lookup_bulk_data(h, kp, BURST, &hits, data);
            for (unsigned i = 0; i < BURST; i++) {
                int found = (hits >> i) & 1;
                struct fc_counts *c = data[i];
                if (!found) {
                    if (next < capacity && rte_hash_add_key_data(h, kp[i], &counts[next]) == 0)
                        c = &counts[next++];
                    else
                        continue;
                }
                ck.res[j + i] = (uint8_t)fc_account(c, found, now, &ck.meta[j + i], &fp);
            }
        }
        cyc += rte_rdtsc_precise() - t0;
        __asm__ volatile("" : : "r"(ck.res[CHUNK - 1]) : "memory");
    }
    rte_hash_free(h);
    free(counts);
    return (double)cyc / (double)(npk / CHUNK * CHUNK);
}

static void usage(const char *argv0)
{
    fprintf(stderr, "usage: %s [--runs N] [--packets N] [--flows N CAPACITY] [--rte-hash]\n", argv0);
    exit(2);
}

int main(int argc, char **argv)
{
    char *eal_argv[] = {argv[0], "--no-huge", "--no-pci", "-m", "1024", "-l", "0",
                        "--log-level", "error", "--file-prefix", NULL, NULL};
    char prefix[64];
    int runs = 7;
    uint64_t npk = 4000000;
    bool rte = false;
    uint32_t flows[2] = {1024, 1000000};
    uint32_t cap[2] = {262144, 1048576};
    int ncases = 2;

    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--runs") && i + 1 < argc)
            runs = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--packets") && i + 1 < argc)
            npk = strtoull(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--flows") && i + 2 < argc) {
            /* one case only: --flows N CAPACITY */
            flows[0] = (uint32_t)strtoul(argv[++i], NULL, 10);
            cap[0] = (uint32_t)strtoul(argv[++i], NULL, 10);
            ncases = 1;
        } else if (!strcmp(argv[i], "--rte-hash"))
            rte = true;
        else
            usage(argv[0]);
    }
    if (runs < 1 || runs > MAX_RUNS || npk < BURST)
        usage(argv[0]);
    snprintf(prefix, sizeof(prefix), "bench-ft-%d", (int)getpid());
    eal_argv[10] = prefix;
    if (rte_eal_init(11, eal_argv) < 0) {
        fprintf(stderr, "rte_eal_init failed\n");
        return 1;
    }

    struct flow_table_params dp = {.capacity = 262144, .threshold = 20, .idle = 1, .hz = 1};
    printf("flow_table: entry 64 B, bucket share 16 B: %.1f B/flow; default %u flows: %.1f MiB/worker\n",
           (double)flow_table_mem_size(&dp) / dp.capacity, dp.capacity,
           (double)flow_table_mem_size(&dp) / (1 << 20));
    printf("TSC %.3f GHz, %d runs x %llu packets, bursts of %u, uniform random flow per packet\n",
           (double)rte_get_tsc_hz() / 1e9, runs, (unsigned long long)npk, BURST);

    /* fill the default table to capacity: new flows must all fit */
    {
        struct flow_table *t = new_table(262144);
        struct flow_table_stats st;
        uint32_t offered = 262144 + 1024;
        for (uint32_t i = 0; i < offered; i += BURST) {
            for (unsigned j = 0; j < BURST; j++) {
                frame_of(ck.frames[j], i + j);
                ck.meta[j].len = 64;
                fc_extract(ck.frames[j], ck.frames[j] + 64, 100, FC_PROTO_TCP, &ck.keys[j],
                           &ck.meta[j]);
            }
            flow_table_classify_bulk(t, ck.keys, ck.meta, BURST, 1, ck.res);
        }
        flow_table_stats(t, &st);
        printf("fill test: %u new flows offered to a 262144-flow table: live %llu, table_full %llu\n",
               offered, (unsigned long long)st.live, (unsigned long long)st.table_full);
        flow_table_destroy(t);
    }

    for (int f = 0; f < ncases; f++) {
        uint64_t tab[MAX_RUNS], fra[MAX_RUNS], rth[MAX_RUNS];
        for (int r = 0; r < runs; r++) {
            struct flow_table *t = new_table(cap[f]);
            tab[r] = (uint64_t)(run_table(t, flows[f], npk, false) * 1000);
            flow_table_destroy(t);
            t = new_table(cap[f]);
            fra[r] = (uint64_t)(run_table(t, flows[f], npk, true) * 1000);
            flow_table_destroy(t);
            if (rte)
                rth[r] = (uint64_t)(run_rte_hash(flows[f], cap[f], npk) * 1000);
        }
        printf("%7u flows (capacity %7u): table %.2f cycles/packet, frame path %.2f cycles/packet",
               flows[f], cap[f], median(tab, runs) / 1000, median(fra, runs) / 1000);
        if (rte)
            printf(", rte_hash %.2f cycles/packet", median(rth, runs) / 1000);
        printf("  [min/max table %.2f/%.2f]\n", (double)tab[0] / 1000,
               (double)tab[runs - 1] / 1000);
    }
    rte_eal_cleanup();
    return 0;
}
