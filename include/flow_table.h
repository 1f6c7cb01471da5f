/* Per-worker short/long flow table for the DPDK dataplane.
 *
 * One table per worker, used by that worker only (RSS and the flow hash keep
 * a flow on one worker): no locks, no atomics on the hot path, no allocation
 * after creation. The decision logic is include/flow_class.h, shared with the
 * XDP twin.
 *
 * Layout: `capacity` entries of 64 bytes (fc_key + fc_counts), one cache
 * line each, and capacity/4 buckets of 64 bytes, each holding 8 slots of
 * (16-bit signature, 32-bit entry index). A key lives in its primary bucket,
 * or in its secondary one when the primary was full (the primary counts its
 * spilled keys, so a lookup reads the secondary only when that count is
 * non-zero). Buckets are at most half full at capacity, so "table full"
 * means `capacity` live flows, not an unlucky bucket. Bytes per flow: 64
 * (entry) + 16 (bucket share) = 80; 20 MiB at the default 262144 flows.
 * Each key also has a home entry, picked by its hash: while the table is
 * less than a quarter full a new flow takes its home when that is free
 * (else, and in fuller tables, the first free entry). The one-pass loop
 * (few flows, see direct_flows) reads the home entry first and finds most
 * flows there without the bucket (fewer instructions); a flow living
 * elsewhere costs the home entry, the bucket and its entry. The staged
 * loop (many flows) reads bucket, then entry, as the home would often be
 * taken there. Entries never move while their flow lives.
 *
 * Hash: flow_hash_5tuple_crc(FLOW_HASH_SEED, key) (include/flow_hash.h,
 * the CRC the encap path also makes its flow hash of), then one CRC step
 * over the VNI/protocol word and the table's seed.
 *
 * Time: opaque ticks chosen by the caller (vtepd: TSC; tests: a fake clock),
 * hz ticks per second (used only to report ages).
 *
 * Idle flows: the idle rule is applied on every lookup (an entry idle for
 * `idle` ticks is a new flow at its next packet, whatever the sweep did), and
 * flow_table_sweep() returns idle entries to the free list a few at a time.
 */
#ifndef VTEPD_FLOW_TABLE_H
#define VTEPD_FLOW_TABLE_H

#include <stddef.h>
#include <stdint.h>

#include "flow_class.h"

#define FLOW_TABLE_MIN_CAPACITY 64u
#define FLOW_TABLE_MAX_CAPACITY (1u << 26)
#define FLOW_TABLE_BURST_MAX 64u    /* packets per flow_table_classify_bulk() */
#define FLOW_TABLE_TOP_MAX 64u      /* long flows kept for flow_table_top() */

struct flow_table;

struct flow_table_params {
    uint32_t capacity;      /* flows; power of two, MIN..MAX_CAPACITY */
    uint32_t threshold;     /* packets 1..threshold of a flow are short (>= 1) */
    uint64_t idle;          /* ticks (>= 1): a flow idle this long is over */
    uint64_t hz;            /* ticks per second (>= 1) */
    uint32_t seed;          /* hash seed; 0 picks one from the clock */
    uint32_t direct_flows;  /* a burst is classified in one pass while the table
                             * holds at most this many flows (their entries and
                             * buckets stay in cache), else in prefetched stages;
                             * 0: FLOW_TABLE_DIRECT_FLOWS; FLOW_TABLE_NEVER_DIRECT:
                             * always in stages. The results are the same. */
};

#define FLOW_TABLE_DIRECT_FLOWS 8192u   /* 8192 x (entry + bucket line) = 1 MiB */
#define FLOW_TABLE_NEVER_DIRECT UINT32_MAX

/* Counters. Each is written by the worker only; flow_table_stats() reads
 * each one atomically (no torn values) but not all at one instant. */
struct flow_table_stats {
    uint64_t live;          /* entries in use, idle-but-unswept ones included */
    uint64_t inserts;       /* flows started (new, after idle, after SYN) */
    uint64_t promotions;    /* flows that became long */
    uint64_t evictions;     /* idle flows ended (by the sweep or at lookup) */
    uint64_t restarts;      /* live flows restarted by a TCP SYN */
    uint64_t table_full;    /* new flows not counted: table full */
    uint64_t pkts_short;    /* counted packets classified short */
    uint64_t pkts_long;
    uint64_t bytes_short;
    uint64_t bytes_long;
    uint64_t not_counted;   /* packets that went short uncounted (any verdict
                             * other than FC_OK, or table full) */
    uint64_t sweep_passes;  /* completed sweeps over the whole table */
};

/* One long flow, as flow_table_top() reports it. */
struct flow_top {
    struct fc_key key;
    uint64_t packets;
    uint64_t bytes;
    uint64_t age_ms;        /* since its first packet (resolution <= 1/16 s) */
    uint64_t idle_ms;       /* since its last packet, as of the snapshot */
};

/* Bytes flow_table_init() needs for p (0 when p is invalid). */
size_t flow_table_mem_size(const struct flow_table_params *p);

/* Build an empty table in mem (64-byte aligned, flow_table_mem_size() bytes,
 * e.g. from rte_zmalloc_socket()). Returns the table (placed in mem), or NULL
 * when p or mem is invalid. The caller frees mem after the last use. */
struct flow_table *flow_table_init(void *mem, size_t len, const struct flow_table_params *p);

/* Allocate (anonymous mmap, transparent huge pages advised, pre-faulted) and
 * init. Returns NULL and sets errno (EINVAL, ENOMEM) on failure. */
struct flow_table *flow_table_create(const struct flow_table_params *p);

/* Release a table from flow_table_create(). NULL is fine. */
void flow_table_destroy(struct flow_table *t);

/* Classify a burst: for packet i, keys[i]/meta[i] as fc_extract() left them
 * (meta[i].len set). res[i] receives FC_R_* bits: FC_R_LONG clear means
 * short; FC_R_COUNTED clear means not counted (verdict != FC_OK, or a new
 * flow while the table is full). n <= FLOW_TABLE_BURST_MAX. The result is the
 * same as calling flow_table_classify() on each packet in order (a flow may
 * appear several times in a burst). Worker thread only. */
void flow_table_classify_bulk(struct flow_table *t, const struct fc_key *keys,
                              const struct fc_meta *meta, unsigned n, uint64_t now,
                              uint8_t *res);

/* flow_table_classify_bulk() of the packets whose bit is set in mask (bit i:
 * packet i); res[i] of the others is left as it was. For the encapsulation
 * stage, which classifies only the frames of VNIs that have the classifier
 * (a frame of such a VNI that is not FC_OK is a short, uncounted packet, as
 * in flow_table_classify_bulk()). Worker thread only. */
void flow_table_classify_mask(struct flow_table *t, const struct fc_key *keys,
                              const struct fc_meta *meta, unsigned n, uint64_t mask,
                              uint64_t now, uint8_t *res);

/* flow_table_classify_mask() for a caller that has sorted the burst out
 * itself: each packet i whose bit is set in mask has verdict FC_OK and
 * crc[i] == flow_hash_5tuple_crc(FLOW_HASH_SEED, &keys[i]) (include/
 * flow_hash.h; the encap path computes it once for this and the flow hash);
 * uncounted is the number of the burst's other packets that the caller
 * made short and uncounted (added to not_counted). res[i] of the packets
 * not in mask is left as it was. Unlike flow_table_classify_mask(), it
 * leaves pkts_short/long and bytes_short/long to the caller, who counts
 * the classes anyway: flow_table_add_counted() once per burst. Worker
 * thread only. */
void flow_table_classify_hashed(struct flow_table *t, const struct fc_key *keys,
                                const struct fc_meta *meta, const uint32_t *crc,
                                uint64_t mask, unsigned uncounted, uint64_t now, uint8_t *res);

/* Add the counted packets ([0] short, [1] long: those whose res has
 * FC_R_COUNTED) and their bytes (meta len) of flow_table_classify_hashed()
 * and flow_table_classify_v4_home() calls to the counters, and uncounted
 * packets the caller made short itself (not_counted). Worker thread only. */
void flow_table_add_counted(struct flow_table *t, const uint64_t pkts[2],
                            const uint64_t bytes[2], unsigned uncounted);

/* Whether the table is in its one-pass mode (it holds at most direct_flows
 * flows): most flows then live in their home entry, where
 * flow_table_classify_v4_home() finds them. Worker thread only. */
int flow_table_direct(const struct flow_table *t);

/* What flow_table_classify_v4_home() reads of a table (fixed at init), as
 * a caller's local copy the compiler can keep in registers. */
struct flow_table_home {
    void *entries;
    uint64_t seed_hi;
    uint64_t idle;
    uint32_t eshift;
    uint32_t threshold;
};

/* Fill h for table t (valid for t's lifetime). */
void flow_table_home_init(const struct flow_table *t, struct flow_table_home *h);

/* The common case of one FC_OK IPv4 packet, from the key's fields as they
 * lie in the frame: key_lo = vni_proto | sport/dport (4 bytes as in the
 * header) << 32, key_hi = saddr/daddr (8 bytes as in the header), crc =
 * flow_hash_5tuple_crc(FLOW_HASH_SEED, key), flags its fc_meta flags
 * (FC_M_IPV4, FC_M_SYN), len its byte count; h from flow_table_home_init().
 * When the flow is live in its home entry and the packet neither ends,
 * restarts, promotes nor saturates it, counts it exactly as
 * flow_table_classify_hashed() would and returns the same bits
 * (FC_R_COUNTED, FC_R_LONG); pkts/bytes by class are left to the caller
 * (flow_table_add_counted()). Otherwise changes nothing and returns 0:
 * classify the packet with flow_table_classify_hashed() then. Worker
 * thread only. */
uint32_t flow_table_classify_v4_home(const struct flow_table_home *h, uint32_t crc,
                                     uint64_t key_lo, uint64_t key_hi, uint8_t flags,
                                     uint32_t len, uint64_t now);

/* One packet; same rules. */
uint8_t flow_table_classify(struct flow_table *t, const struct fc_key *key,
                            const struct fc_meta *meta, uint64_t now);

/* Examine the next `budget` entries (round robin over the whole table): free
 * the idle ones, collect the long ones for flow_table_top(). Call once per
 * worker loop iteration; a full pass takes capacity/budget calls. Returns the
 * number of flows evicted. Worker thread only. */
unsigned flow_table_sweep(struct flow_table *t, uint64_t now, unsigned budget);

/* Copy the counters (any thread). */
void flow_table_stats(const struct flow_table *t, struct flow_table_stats *out);

/* Up to max (<= FLOW_TABLE_TOP_MAX) long flows with the most bytes, largest
 * first, from the last complete sweep pass; now (same clock as the worker)
 * is used for ages. Any thread: the worker publishes a finished list under a
 * sequence counter and this copies it, so each reported flow is one
 * consistent copy of an entry; the entries were copied at different times
 * within that pass (at most one pass old). Returns the count, or 0 before
 * the first complete pass. */
unsigned flow_table_top(const struct flow_table *t, uint64_t now, struct flow_top *out,
                        unsigned max);

/* The state of key, if the table holds it (counts copied into *out). Worker
 * thread only (tests, debugging). Returns 1 if found, 0 if not. Does not
 * apply the idle rule. */
int flow_table_lookup(const struct flow_table *t, const struct fc_key *key,
                      struct fc_counts *out);

/* The parameters the table was built with. */
const struct flow_table_params *flow_table_params(const struct flow_table *t);

#endif
