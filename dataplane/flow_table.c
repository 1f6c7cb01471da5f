/* Per-worker short/long flow table (see include/flow_table.h). */
#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <sys/mman.h>

#include <nmmintrin.h>  /* SSE4.2 CRC32C, SSE2 compares (-march=corei7) */
#include <smmintrin.h>

#include "flow_hash.h"
#include "flow_table.h"

#define SLOTS 8u
#define FREE_END UINT32_MAX
/* vni_proto of a free entry's key: protocol byte 0x7f | FC_KEY_V6, which
 * fc_extract() never makes, so a free entry never matches a key */
#define FREE_VNI_PROTO 0xffu

#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)

struct ft_bucket {
    uint16_t sig[SLOTS];    /* 0: slot empty */
    uint32_t idx[SLOTS];    /* entry index, when sig != 0 */
    uint32_t spill;         /* keys of this primary bucket living in their secondary */
    uint32_t pad[3];
} __attribute__((aligned(64)));

/* packets == 0: free; then key.vni_proto is FREE_VNI_PROTO, c.bytes holds
 * the next free index and c.last_seen the previous one (FREE_END: none) */
struct ft_entry {
    struct fc_key key;
    struct fc_counts c;
} __attribute__((aligned(64)));

_Static_assert(sizeof(struct ft_bucket) == 64, "bucket is one cache line");
_Static_assert(sizeof(struct ft_entry) == 64, "entry is one cache line");
_Static_assert(sizeof(struct fc_key) == 40, "key has no padding");

struct ft_top_pub {
    uint32_t seq;           /* odd while the worker writes */
    uint32_t n;
    uint64_t at;            /* worker's clock when the pass ended */
    struct ft_entry ent[FLOW_TABLE_TOP_MAX];
};

struct flow_table {
    /* hot, read-only after init */
    struct ft_bucket *buckets;
    struct ft_entry *entries;
    uint32_t bmask;
    uint32_t bshift;        /* 64 - log2(buckets) */
    uint32_t eshift;        /* 32 - log2(capacity) */
    uint32_t seed;
    uint64_t seed_hi;       /* seed << 32 */
    uint32_t capacity;
    uint32_t free_head;
    uint64_t direct_lim;    /* one-pass bursts while live < this */
    uint64_t home_lim;      /* new flows take their home entry while live < this */
    struct fc_params fp;
    struct flow_table_stats st;
    /* sweep */
    uint32_t cursor;
    uint32_t heap_n;        /* min-heap on bytes of long flows, this pass */
    size_t map_len;         /* != 0: from flow_table_create() */
    struct flow_table_params params;
    struct ft_entry heap[FLOW_TABLE_TOP_MAX];
    struct ft_top_pub pub;
};

/* Counters: single writer (the worker); relaxed atomic stores so that a
 * reader on another thread never sees a torn value. */
static inline void ctr_add(uint64_t *c, uint64_t v)
{
    __atomic_store_n(c, *c + v, __ATOMIC_RELAXED);
}

/* The table's hash of a key from its 5-tuple CRC (crc =
 * flow_hash_5tuple_crc(FLOW_HASH_SEED, key), which the encap path also uses
 * for the flow hash): one more CRC step folds in the VNI, the protocol (the
 * IPv6 mark among them) and the table's seed. */
static inline uint32_t table_hash(const struct flow_table *t, uint32_t crc, uint32_t vni_proto)
{
    return (uint32_t)_mm_crc32_u64(crc, t->seed_hi | vni_proto);
}

static inline uint32_t key_hash(const struct flow_table *t, const struct fc_key *k)
{
    return table_hash(t, flow_hash_5tuple_crc(FLOW_HASH_SEED, k), k->vni_proto);
}

/* CRC is linear: structured keys (consecutive ports, addresses) would land
 * in a few buckets. A 64-bit multiply spreads every bit of h over the top
 * bits (the bucket) and the middle ones (the signature, never 0). */
static inline void place(const struct flow_table *t, uint32_t h, uint32_t *prim, uint16_t *sig)
{
    uint64_t x = (uint64_t)h * 0x9E3779B97F4A7C15ull;

    *prim = (uint32_t)(x >> t->bshift);
    *sig = (uint16_t)((x >> 16) | 1);     /* 15 bits of signature, never 0 */
}

/* The entry a key prefers (its home): a new flow takes it when it is free,
 * and a lookup checks it first, which touches one cache line when the flow
 * lives there. From the low 32 bits of place()'s product. */
#define HOME_MUL 0x7F4A7C15u

static inline uint32_t home_entry(const struct flow_table *t, uint32_t h)
{
    return (h * HOME_MUL) >> t->eshift;
}

/* table_hash() and home_entry() from the table's fields as a caller holds
 * them in registers: the home entry of a key (its table hash in *h). */
static inline struct ft_entry *home_of(struct ft_entry *ents, uint64_t seed_hi, uint32_t eshift,
                                       uint32_t crc, uint32_t vni_proto, uint32_t *h)
{
    *h = (uint32_t)_mm_crc32_u64(crc, seed_hi | vni_proto);
    return &ents[(*h * HOME_MUL) >> eshift];
}

static inline uint32_t alt_bucket(const struct flow_table *t, uint32_t prim, uint16_t sig)
{
    uint32_t a = (prim ^ ((uint32_t)sig * 0x5bd1e995u >> 7)) & t->bmask;

    return a != prim ? a : prim ^ 1u;
}

/* Bit i set: slot i holds sig. */
static inline uint32_t sig_match(const struct ft_bucket *b, uint16_t sig)
{
    __m128i s = _mm_load_si128((const __m128i *)(const void *)b->sig);
    __m128i c = _mm_cmpeq_epi16(s, _mm_set1_epi16((short)sig));

    return (uint32_t)_mm_movemask_epi8(_mm_packs_epi16(c, _mm_setzero_si128()));
}

static inline int key_eq(const struct fc_key *a, const struct fc_key *b)
{
    const uint8_t *pa = (const uint8_t *)a, *pb = (const uint8_t *)b;
    __m128i x = _mm_xor_si128(_mm_loadu_si128((const __m128i *)(const void *)pa),
                              _mm_loadu_si128((const __m128i *)(const void *)pb));
    __m128i y = _mm_xor_si128(_mm_loadu_si128((const __m128i *)(const void *)(pa + 16)),
                              _mm_loadu_si128((const __m128i *)(const void *)(pb + 16)));
    uint64_t ta, tb;

    memcpy(&ta, pa + 32, 8);
    memcpy(&tb, pb + 32, 8);
    x = _mm_or_si128(x, y);
    return _mm_testz_si128(x, x) & (ta == tb);
}

/* key_eq() for a key b that fc_extract() made: when b is IPv4, equal first
 * 16 bytes (the VNI and protocol among them) make a an IPv4 key too, and
 * both are zero past them. */
static inline int key_eq_fc(const struct fc_key *a, const struct fc_key *b)
{
    if (likely(!(b->vni_proto & FC_KEY_V6))) {
        __m128i x = _mm_xor_si128(_mm_loadu_si128((const __m128i *)(const void *)a),
                                  _mm_loadu_si128((const __m128i *)(const void *)b));
        return _mm_testz_si128(x, x);
    }
    return key_eq(a, b);
}

static inline struct ft_entry *bucket_find(struct flow_table *t, const struct ft_bucket *b,
                                           uint16_t sig, const struct fc_key *k)
{
    uint32_t m = sig_match(b, sig);

    while (m) {
        struct ft_entry *e = &t->entries[b->idx[__builtin_ctz(m)]];
        if (likely(key_eq(&e->key, k)))
            return e;
        m &= m - 1;
    }
    return NULL;
}

static inline struct ft_entry *table_find(struct flow_table *t, uint32_t prim, uint16_t sig,
                                          const struct fc_key *k)
{
    const struct ft_bucket *b = &t->buckets[prim];
    struct ft_entry *e = bucket_find(t, b, sig, k);

    if (e == NULL && unlikely(b->spill != 0))
        e = bucket_find(t, &t->buckets[alt_bucket(t, prim, sig)], sig, k);
    return e;
}

/* Move one key out of full bucket b (index bi) to its other bucket, if that
 * one has room: cuckoo displacement of depth 1. Returns the freed slot, or
 * -1. Only bucket slots move; entries stay where they are. */
static int make_room(struct flow_table *t, uint32_t bi)
{
    struct ft_bucket *b = &t->buckets[bi];

    for (unsigned s = 0; s < SLOTS; s++) {
        struct ft_entry *e = &t->entries[b->idx[s]];
        uint32_t p, to;
        uint16_t sg;
        uint32_t m;

        place(t, key_hash(t, &e->key), &p, &sg);
        to = p == bi ? alt_bucket(t, p, sg) : p;
        m = sig_match(&t->buckets[to], 0);
        if (m == 0)
            continue;
        t->buckets[to].sig[__builtin_ctz(m)] = b->sig[s];
        t->buckets[to].idx[__builtin_ctz(m)] = b->idx[s];
        b->sig[s] = 0;
        if (p == bi)
            t->buckets[p].spill++;      /* primary -> secondary */
        else
            t->buckets[p].spill--;      /* secondary -> back home */
        return (int)s;
    }
    return -1;
}

/* Take free entry idx off the free list (doubly linked: any free entry can
 * be taken, the home entry of a new flow among them). */
static inline void free_unlink(struct flow_table *t, uint32_t idx)
{
    struct ft_entry *e = &t->entries[idx];
    uint32_t next = (uint32_t)e->c.bytes, prev = (uint32_t)e->c.last_seen;

    if (prev == FREE_END)
        t->free_head = next;
    else
        t->entries[prev].c.bytes = next;
    if (next != FREE_END)
        t->entries[next].c.last_seen = prev;
}

/* Put entry idx (not in use) at the head of the free list. */
static inline void free_push(struct flow_table *t, uint32_t idx)
{
    struct ft_entry *e = &t->entries[idx];

    e->key.vni_proto = FREE_VNI_PROTO;
    e->c.packets = 0;
    e->c.bytes = t->free_head;
    e->c.last_seen = FREE_END;
    if (t->free_head != FREE_END)
        t->entries[t->free_head].c.last_seen = idx;
    t->free_head = idx;
}

/* A fresh entry for k (its home entry home when that one is free), or NULL
 * when the table (or the bucket pair) is full. */
static struct ft_entry *table_insert(struct flow_table *t, uint32_t prim, uint16_t sig,
                                     uint32_t home, const struct fc_key *k)
{
    struct ft_bucket *b = &t->buckets[prim];
    struct ft_entry *e;
    uint32_t m, idx;
    int slot;

    if (unlikely(t->free_head == FREE_END))
        return NULL;
    m = sig_match(b, 0);
    if (likely(m != 0)) {
        slot = __builtin_ctz(m);
    } else {
        uint32_t a = alt_bucket(t, prim, sig);
        m = sig_match(&t->buckets[a], 0);
        if (m != 0) {
            slot = __builtin_ctz(m);
            b->spill++;
            b = &t->buckets[a];
        } else if ((slot = make_room(t, prim)) < 0) {
            if ((slot = make_room(t, a)) < 0)
                return NULL;
            b->spill++;
            b = &t->buckets[a];
        }
    }
    /* home entries serve the one-pass loop (few flows); in a table more
     * than a quarter full, a new flow's home is often taken and reading
     * one more random line per new flow would not pay. (A rule of the
     * table's own state: the placement, and so the sweep's order, does not
     * depend on direct_flows.) */
    idx = t->st.live < t->home_lim && t->entries[home].c.packets == 0 ? home : t->free_head;
    free_unlink(t, idx);
    e = &t->entries[idx];
    e->key = *k;
    b->idx[slot] = idx;
    b->sig[slot] = sig;
    ctr_add(&t->st.live, 1);
    return e;
}

/* Free entry idx (live): clear its bucket slot, push it on the free list. */
static void table_remove(struct flow_table *t, uint32_t idx)
{
    struct ft_entry *e = &t->entries[idx];
    uint32_t prim;
    uint16_t sig;
    struct ft_bucket *b;
    int done = 0;

    place(t, key_hash(t, &e->key), &prim, &sig);
    b = &t->buckets[prim];

    for (unsigned s = 0; s < SLOTS && !done; s++)
        if (b->sig[s] == sig && b->idx[s] == idx) {
            b->sig[s] = 0;
            done = 1;
        }
    if (!done) {
        struct ft_bucket *b2 = &t->buckets[alt_bucket(t, prim, sig)];
        for (unsigned s = 0; s < SLOTS && !done; s++)
            if (b2->sig[s] == sig && b2->idx[s] == idx) {
                b2->sig[s] = 0;
                b->spill--;
                done = 1;
            }
    }
    free_push(t, idx);
    ctr_add(&t->st.live, (uint64_t)-1);
}

/* Not in the candidate entry: look in the buckets, insert when absent. */
static __attribute__((noinline)) struct ft_entry *
lookup_slow(struct flow_table *t, uint32_t h, const struct fc_key *k, int *found)
{
    uint32_t prim;
    uint16_t sig;
    struct ft_entry *e;

    place(t, h, &prim, &sig);
    e = table_find(t, prim, sig, k);
    *found = e != NULL;
    return e ? e : table_insert(t, prim, sig, home_entry(t, h), k);
}

static inline void account_stats(struct flow_table *t, uint32_t r)
{
    if (unlikely(r & (FC_R_NEW | FC_R_PROMOTED))) {
        if (r & FC_R_NEW)
            ctr_add(&t->st.inserts, 1);
        if (r & FC_R_EXPIRED)
            ctr_add(&t->st.evictions, 1);
        if (r & FC_R_RESTART)
            ctr_add(&t->st.restarts, 1);
        if (r & FC_R_PROMOTED)
            ctr_add(&t->st.promotions, 1);
    }
}

/* Per-burst counters, added to the table once at the end of the burst. */
struct ft_burst {
    uint64_t pkts[2], bytes[2];
    uint32_t not_counted, table_full;
};

/* The classification of one FC_OK packet with table hash h whose candidate
 * entry (its home entry, or the first signature match in its primary
 * bucket) is e, or NULL. The common case (the candidate holds the key, a
 * live flow that neither ends, restarts, becomes long nor saturates here)
 * is fc_account_live(); every other case is fc_account(). */
static inline uint32_t account_one(struct flow_table *t, struct ft_entry *e, uint32_t h,
                                   const struct fc_key *key, const struct fc_meta *meta,
                                   uint64_t now, struct ft_burst *bs, bool count)
{
    uint32_t r;
    int found;

    if (likely(e != NULL && key_eq_fc(&e->key, key))) {
        r = fc_account_live(&e->c, now, meta, &t->fp);
        if (likely(r != 0))
            goto counted;
        r = fc_account(&e->c, 1, now, meta, &t->fp);
    } else {
        e = lookup_slow(t, h, key, &found);
        if (unlikely(e == NULL)) {
            bs->table_full++;
            bs->not_counted++;
            return 0;
        }
        r = fc_account(&e->c, found, now, meta, &t->fp);
    }
    account_stats(t, r);
counted:
    if (count) {
        bs->pkts[r & FC_R_LONG]++;
        bs->bytes[r & FC_R_LONG] += meta->len;
    }
    return r;
}

/* account_one() out of line: the cases the one-pass loop does not finish
 * itself (a flow not at home, new, ending, restarting, becoming long). */
static __attribute__((noinline)) uint32_t
account_rare(struct flow_table *t, struct ft_entry *e, uint32_t h, const struct fc_key *key,
             const struct fc_meta *meta, uint64_t now, struct ft_burst *bs, bool count)
{
    return account_one(t, e, h, key, meta, now, bs, count);
}

static inline void burst_end(struct flow_table *t, const struct ft_burst *bs)
{
    ctr_add(&t->st.pkts_short, bs->pkts[0]);
    ctr_add(&t->st.pkts_long, bs->pkts[1]);
    ctr_add(&t->st.bytes_short, bs->bytes[0]);
    ctr_add(&t->st.bytes_long, bs->bytes[1]);
    if (unlikely(bs->not_counted | bs->table_full)) {
        ctr_add(&t->st.not_counted, bs->not_counted);
        ctr_add(&t->st.table_full, bs->table_full);
    }
}

/* The candidate entry of a key in bucket b: the first signature match. */
static inline struct ft_entry *candidate(struct flow_table *t, const struct ft_bucket *b,
                                         uint16_t sig)
{
    uint32_t m = sig_match(b, sig);

    return likely(m != 0) ? &t->entries[b->idx[__builtin_ctz(m)]] : NULL;
}

/* flow_table_classify_hashed(); count: add the counted packets to
 * pkts_short/long, bytes_short/long. */
static inline void classify_hashed(struct flow_table *t, const struct fc_key *keys,
                                   const struct fc_meta *meta, const uint32_t *crc,
                                   uint64_t mask, unsigned uncounted, uint64_t now,
                                   uint8_t *res, bool count)
{
    struct ft_burst bs = {{0, 0}, {0, 0}, uncounted, 0};

    if (likely(t->st.live < t->direct_lim)) {
        /* few flows, whose entries stay in cache: one pass, each packet's
         * home entry first. The table's fields are copied into locals: the
         * stores to res (bytes) could alias them. */
        struct ft_entry *const ents = t->entries;
        const uint64_t seed_hi = t->seed_hi;
        const uint32_t eshift = t->eshift;
        const struct fc_params fp = t->fp;

        for (uint64_t m = mask; m; m &= m - 1) {
            unsigned i = (unsigned)__builtin_ctzll(m);
            const struct fc_key *k = &keys[i];
            uint32_t h, r;
            struct ft_entry *e = home_of(ents, seed_hi, eshift, crc[i], k->vni_proto, &h);

            __m128i x = _mm_xor_si128(_mm_loadu_si128((const __m128i *)(const void *)e),
                                      _mm_loadu_si128((const __m128i *)(const void *)k));

            /* key_eq_fc(), the IPv6 test after the first 16 bytes matched */
            if (likely(_mm_testz_si128(x, x)) &&
                likely(!(k->vni_proto & FC_KEY_V6) || key_eq(&e->key, k)) &&
                likely((r = fc_account_live(&e->c, now, &meta[i], &fp)) != 0)) {
                if (count) {
                    bs.pkts[r & FC_R_LONG]++;
                    bs.bytes[r & FC_R_LONG] += meta[i].len;
                }
            } else {
                r = account_rare(t, e, h, k, &meta[i], now, &bs, count);
            }
            res[i] = (uint8_t)r;
        }
    } else {
        /* many flows: the buckets of the burst are prefetched first (hash),
         * then the candidate entries (signature match), then the packets
         * are classified in order, so that repeats of a flow in the burst
         * see the previous packets' updates. Home entries are not read
         * here: with many flows a good share of them lives elsewhere, and
         * a third dependent read (home, bucket, entry) costs more than the
         * one it saves for the others. */
        uint32_t h[FLOW_TABLE_BURST_MAX];
        uint32_t prim[FLOW_TABLE_BURST_MAX];
        uint16_t sig[FLOW_TABLE_BURST_MAX];
        struct ft_entry *cand[FLOW_TABLE_BURST_MAX];

        for (uint64_t m = mask; m; m &= m - 1) {
            unsigned i = (unsigned)__builtin_ctzll(m);

            h[i] = table_hash(t, crc[i], keys[i].vni_proto);
            place(t, h[i], &prim[i], &sig[i]);
            __builtin_prefetch(&t->buckets[prim[i]]);
        }
        for (uint64_t m = mask; m; m &= m - 1) {
            unsigned i = (unsigned)__builtin_ctzll(m);
            const struct ft_bucket *b = &t->buckets[prim[i]];

            cand[i] = candidate(t, b, sig[i]);
            if (likely(cand[i] != NULL))
                __builtin_prefetch(cand[i]);
            if (unlikely(b->spill))
                __builtin_prefetch(&t->buckets[alt_bucket(t, prim[i], sig[i])]);
        }
        for (uint64_t m = mask; m; m &= m - 1) {
            unsigned i = (unsigned)__builtin_ctzll(m);

            res[i] = (uint8_t)account_one(t, cand[i], h[i], &keys[i], &meta[i], now, &bs,
                                          count);
        }
    }
    burst_end(t, &bs);
}

void flow_table_classify_hashed(struct flow_table *t, const struct fc_key *keys,
                                const struct fc_meta *meta, const uint32_t *crc,
                                uint64_t mask, unsigned uncounted, uint64_t now, uint8_t *res)
{
    classify_hashed(t, keys, meta, crc, mask, uncounted, now, res, false);
}

void flow_table_add_counted(struct flow_table *t, const uint64_t pkts[2],
                            const uint64_t bytes[2], unsigned uncounted)
{
    struct ft_burst bs = {{pkts[0], pkts[1]}, {bytes[0], bytes[1]}, uncounted, 0};

    burst_end(t, &bs);
}

int flow_table_direct(const struct flow_table *t)
{
    return t->st.live < t->direct_lim;
}

void flow_table_home_init(const struct flow_table *t, struct flow_table_home *h)
{
    h->entries = t->entries;
    h->seed_hi = t->seed_hi;
    h->idle = t->fp.idle;
    h->eshift = t->eshift;
    h->threshold = t->fp.threshold;
}

uint32_t flow_table_classify_v4_home(const struct flow_table_home *h, uint32_t crc,
                                     uint64_t key_lo, uint64_t key_hi, uint8_t flags,
                                     uint32_t len, uint64_t now)
{
    uint32_t th;
    struct ft_entry *e = home_of(h->entries, h->seed_hi, h->eshift, crc, (uint32_t)key_lo, &th);
    /* the key's first 16 bytes; an IPv4 key is zero past them, and an
     * entry whose first 16 bytes match is an IPv4 key too (the protocol
     * byte's FC_KEY_V6) */
    __m128i x = _mm_xor_si128(_mm_loadu_si128((const __m128i *)(const void *)e),
                              _mm_set_epi64x((long long)key_hi, (long long)key_lo));
    const struct fc_meta m = {len, 14, FC_OK, flags};
    const struct fc_params fp = {h->idle, h->threshold, 0};

    if (!_mm_testz_si128(x, x))
        return 0;
    return fc_account_live(&e->c, now, &m, &fp);
}

void flow_table_classify_mask(struct flow_table *t, const struct fc_key *keys,
                              const struct fc_meta *meta, unsigned n, uint64_t mask,
                              uint64_t now, uint8_t *res)
{
    uint32_t crc[FLOW_TABLE_BURST_MAX];
    uint64_t ok = 0;
    unsigned uncounted = 0;

    if (n > FLOW_TABLE_BURST_MAX)
        n = FLOW_TABLE_BURST_MAX;
    if (n < 64)
        mask &= (1ull << n) - 1;
    for (uint64_t m = mask; m; m &= m - 1) {
        unsigned i = (unsigned)__builtin_ctzll(m);

        if (unlikely(meta[i].verdict != FC_OK)) {
            /* short, not counted (the key is not even read) */
            res[i] = 0;
            uncounted++;
            continue;
        }
        crc[i] = flow_hash_5tuple_crc(FLOW_HASH_SEED, &keys[i]);
        ok |= 1ull << i;
    }
    classify_hashed(t, keys, meta, crc, ok, uncounted, now, res, true);
}

void flow_table_classify_bulk(struct flow_table *t, const struct fc_key *keys,
                              const struct fc_meta *meta, unsigned n, uint64_t now,
                              uint8_t *res)
{
    flow_table_classify_mask(t, keys, meta, n, UINT64_MAX, now, res);
}

uint8_t flow_table_classify(struct flow_table *t, const struct fc_key *key,
                            const struct fc_meta *meta, uint64_t now)
{
    uint8_t r;

    flow_table_classify_mask(t, key, meta, 1, 1, now, &r);
    return r;
}

/* ---- sweep and top list ------------------------------------------------ */

static inline void heap_swap(struct ft_entry *a, struct ft_entry *b)
{
    struct ft_entry x = *a;
    *a = *b;
    *b = x;
}

static void heap_down(struct ft_entry *h, uint32_t n, uint32_t i)
{
    for (;;) {
        uint32_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < n && h[l].c.bytes < h[m].c.bytes)
            m = l;
        if (r < n && h[r].c.bytes < h[m].c.bytes)
            m = r;
        if (m == i)
            return;
        heap_swap(&h[i], &h[m]);
        i = m;
    }
}

static void top_offer(struct flow_table *t, const struct ft_entry *e)
{
    struct ft_entry *h = t->heap;

    if (t->heap_n < FLOW_TABLE_TOP_MAX) {
        uint32_t i = t->heap_n++;
        h[i] = *e;
        while (i > 0 && h[(i - 1) / 2].c.bytes > h[i].c.bytes) {
            heap_swap(&h[i], &h[(i - 1) / 2]);
            i = (i - 1) / 2;
        }
    } else if (e->c.bytes > h[0].c.bytes) {
        h[0] = *e;
        heap_down(h, t->heap_n, 0);
    }
}

static void top_publish(struct flow_table *t, uint64_t now)
{
    struct ft_top_pub *p = &t->pub;
    uint32_t n = t->heap_n;
    uint32_t s = p->seq;

    /* heap -> largest first (pop the minimum to the end) */
    for (uint32_t k = n; k > 1; k--) {
        heap_swap(&t->heap[0], &t->heap[k - 1]);
        heap_down(t->heap, k - 1, 0);
    }
    __atomic_store_n(&p->seq, s + 1, __ATOMIC_RELAXED);
    __atomic_thread_fence(__ATOMIC_RELEASE);
    memcpy(p->ent, t->heap, n * sizeof(p->ent[0]));
    __atomic_store_n(&p->n, n, __ATOMIC_RELAXED);
    __atomic_store_n(&p->at, now, __ATOMIC_RELAXED);
    __atomic_store_n(&p->seq, s + 2, __ATOMIC_RELEASE);
    t->heap_n = 0;
}

unsigned flow_table_sweep(struct flow_table *t, uint64_t now, unsigned budget)
{
    unsigned evicted = 0;

    while (budget--) {
        uint32_t idx = t->cursor;
        struct ft_entry *e = &t->entries[idx];

        if (e->c.packets != 0) {
            if (fc_idle_expired(now, e->c.last_seen, t->fp.idle)) {
                table_remove(t, idx);
                evicted++;
            } else if (fc_packet_is_long(e->c.packets, t->fp.threshold)) {
                top_offer(t, e);
            }
        }
        if (++t->cursor == t->capacity) {
            t->cursor = 0;
            top_publish(t, now);
            ctr_add(&t->st.sweep_passes, 1);
        }
    }
    if (evicted)
        ctr_add(&t->st.evictions, evicted);
    return evicted;
}

static uint64_t ticks_to_ms(uint64_t ticks, uint64_t hz)
{
    return ticks / hz * 1000 + (ticks % hz) * 1000 / hz;
}

unsigned flow_table_top(const struct flow_table *t, uint64_t now, struct flow_top *out,
                        unsigned max)
{
    const struct ft_top_pub *p = &t->pub;

    if (max > FLOW_TABLE_TOP_MAX)
        max = FLOW_TABLE_TOP_MAX;
    for (;;) {
        uint32_t s1 = __atomic_load_n(&p->seq, __ATOMIC_ACQUIRE), s2, n;
        uint64_t at;

        if (s1 & 1)
            continue;
        n = __atomic_load_n(&p->n, __ATOMIC_RELAXED);
        at = __atomic_load_n(&p->at, __ATOMIC_RELAXED);
        if (n > max)
            n = max;
        for (uint32_t i = 0; i < n; i++) {
            const struct ft_entry *e = &p->ent[i];
            out[i].key = e->key;
            out[i].packets = e->c.packets;
            out[i].bytes = e->c.bytes;
            /* born is stored coarse: (now >> shift) - born, in 2^shift ticks */
            uint32_t units = (uint32_t)(now >> t->fp.age_shift) - e->c.born;
            out[i].age_ms = ticks_to_ms((uint64_t)units << t->fp.age_shift, t->params.hz);
            out[i].idle_ms = at >= e->c.last_seen ?
                ticks_to_ms(at - e->c.last_seen, t->params.hz) : 0;
        }
        __atomic_thread_fence(__ATOMIC_ACQUIRE);
        s2 = __atomic_load_n(&p->seq, __ATOMIC_RELAXED);
        if (s1 == s2)
            return s1 == 0 ? 0 : n;
    }
}

int flow_table_lookup(const struct flow_table *t, const struct fc_key *key,
                      struct fc_counts *out)
{
    uint32_t prim;
    uint16_t sig;
    struct ft_entry *e;

    place(t, key_hash(t, key), &prim, &sig);
    e = table_find((struct flow_table *)(uintptr_t)t, prim, sig, key);

    if (e == NULL)
        return 0;
    *out = e->c;
    return 1;
}

void flow_table_stats(const struct flow_table *t, struct flow_table_stats *out)
{
    const uint64_t *src = (const uint64_t *)&t->st;
    uint64_t *dst = (uint64_t *)out;

    for (size_t i = 0; i < sizeof(*out) / sizeof(uint64_t); i++)
        dst[i] = __atomic_load_n(&src[i], __ATOMIC_RELAXED);
}

const struct flow_table_params *flow_table_params(const struct flow_table *t)
{
    return &t->params;
}

/* ---- creation ---------------------------------------------------------- */

#define ALIGN64(x) (((x) + 63) & ~(size_t)63)

static int params_ok(const struct flow_table_params *p)
{
    return p && p->capacity >= FLOW_TABLE_MIN_CAPACITY &&
           p->capacity <= FLOW_TABLE_MAX_CAPACITY &&
           (p->capacity & (p->capacity - 1)) == 0 && p->threshold >= 1 &&
           p->threshold < UINT32_MAX && p->idle >= 1 && p->hz >= 1;
}

size_t flow_table_mem_size(const struct flow_table_params *p)
{
    if (!params_ok(p))
        return 0;
    return ALIGN64(sizeof(struct flow_table)) +
           (size_t)(p->capacity / 4) * sizeof(struct ft_bucket) +
           (size_t)p->capacity * sizeof(struct ft_entry);
}

struct flow_table *flow_table_init(void *mem, size_t len, const struct flow_table_params *p)
{
    struct flow_table *t = mem;
    uint8_t *base = mem;
    uint32_t nb;

    if (!params_ok(p) || mem == NULL || ((uintptr_t)mem & 63) != 0 ||
        len < flow_table_mem_size(p))
        return NULL;
    nb = p->capacity / 4;
    memset(t, 0, sizeof(*t));
    t->params = *p;
    t->buckets = (struct ft_bucket *)(void *)(base + ALIGN64(sizeof(*t)));
    t->entries = (struct ft_entry *)(void *)(t->buckets + nb);
    t->bmask = nb - 1;
    t->bshift = 64 - (uint32_t)__builtin_ctz(nb);
    t->capacity = p->capacity;
    t->seed = p->seed ? p->seed :
              (uint32_t)(__builtin_ia32_rdtsc() * 0x9E3779B97F4A7C15ull >> 32) | 1u;
    t->seed_hi = (uint64_t)t->seed << 32;
    t->eshift = 32 - (uint32_t)__builtin_ctz(p->capacity);
    t->home_lim = p->capacity / 4;
    t->fp.idle = p->idle;
    t->fp.threshold = p->threshold;
    t->fp.age_shift = fc_age_shift(p->hz);
    t->direct_lim = p->direct_flows == FLOW_TABLE_NEVER_DIRECT ? 0 :
                    (uint64_t)(p->direct_flows ? p->direct_flows : FLOW_TABLE_DIRECT_FLOWS) + 1;
    memset(t->buckets, 0, (size_t)nb * sizeof(struct ft_bucket));
    memset(t->entries, 0, (size_t)p->capacity * sizeof(struct ft_entry));
    t->free_head = FREE_END;
    for (uint32_t i = p->capacity; i-- > 0;)
        free_push(t, i);
    return t;
}

struct flow_table *flow_table_create(const struct flow_table_params *p)
{
    const size_t huge = 2u << 20;
    size_t need = flow_table_mem_size(p), len;
    uint8_t *raw, *mem;
    struct flow_table *t;

    if (need == 0) {
        errno = EINVAL;
        return NULL;
    }
    /* 2 MiB aligned so that transparent huge pages can back it: at 1M flows
     * the random bucket/entry reads would otherwise miss the TLB as well */
    len = need + huge;
    raw = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (raw == MAP_FAILED) {
        errno = ENOMEM;
        return NULL;
    }
    mem = (uint8_t *)(((uintptr_t)raw + huge - 1) & ~(uintptr_t)(huge - 1));
    if (mem > raw)
        munmap(raw, (size_t)(mem - raw));
    len -= (size_t)(mem - raw);
    size_t keep = (need + huge - 1) & ~(huge - 1);
    if (keep < len) {
        munmap(mem + keep, len - keep);
        len = keep;
    }
    (void)madvise(mem, len, MADV_HUGEPAGE);
    t = flow_table_init(mem, len, p);
    if (t == NULL) {
        munmap(mem, len);
        errno = EINVAL;
        return NULL;
    }
    t->map_len = len;
    return t;
}

void flow_table_destroy(struct flow_table *t)
{
    if (t && t->map_len)
        munmap(t, t->map_len);
}
