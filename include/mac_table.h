/* MAC table: (VNI, MAC) -> where the station is.
 *
 * One open-addressing hash table shared by all VNIs, keyed by (VNI slot,
 * MAC) packed into one 64-bit word. A bucket is one 64-byte cache line
 * holding three (key, value) pairs and an overflow count; a key that does
 * not fit in its home bucket goes to the next bucket with a free slot
 * (linear probing over buckets), and every bucket it passed counts it in
 * its overflow count, so a lookup reads the home bucket and moves on only
 * while that count is not 0. A lookup of a present key usually reads one
 * cache line and nothing else.
 *
 * Workers look up without locks (the inline readers below) while the
 * control thread - the only writer (control/core/mac_table.c) - adds,
 * changes and deletes. Keys never move once written: an insert writes the
 * value, then the key (release), then the overflow counts; a change is one
 * atomic store of the value (a packed 64-bit word, no pointer); a delete
 * writes a tombstone over the key, and the slot becomes free again only
 * after every worker has reported quiescence on the rte_rcu_qsbr variable,
 * so a reader never pairs a key with the value of a later key.
 *
 * Per-VNI accounting (count of learned MACs, the learn limit) and the aging
 * of locally learned entries (per slot position: last seen, is local) live
 * with the writer, in control-thread memory the readers never touch.
 */
#ifndef VTEPD_MAC_TABLE_H
#define VTEPD_MAC_TABLE_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_common.h>
#include <rte_prefetch.h>

struct rte_rcu_qsbr;
struct rte_rcu_qsbr_dq;

#define MAC_BUCKET_SLOTS 3
#define MAC_KEY_EMPTY 0ull      /* slot never used, or reclaimed */
#define MAC_KEY_TOMB 1ull       /* deleted, waiting for the readers' grace period */
#define MAC_TABLE_MAX_VNIS 0x7fffu

struct mac_bucket {
    uint64_t key[MAC_BUCKET_SLOTS];     /* packed keys, EMPTY or TOMB */
    uint64_t val[MAC_BUCKET_SLOTS];
    uint32_t ovf;           /* keys homed here or before, stored after */
    uint32_t pad[3];
} __rte_aligned(64);

struct mac_table {
    /* what the readers need, on a line the writer does not write */
    struct mac_bucket *bkt;
    uint32_t mask;          /* buckets - 1 */
    uint32_t shift;         /* 64 - log2(buckets) */
    uint64_t seed;          /* random per table, mixed into the hash */
    uint32_t n_vnis;
    uint32_t *learned;      /* per VNI: MAC_LOCAL entries */
    uint32_t *count;        /* per VNI: all entries */
    uint32_t *limit;        /* per VNI */
    uint32_t *last_seen;    /* per slot position: seconds */
    uint8_t *is_local;      /* per slot position: holds a MAC_LOCAL entry */
    struct rte_rcu_qsbr *qsv;
    struct rte_rcu_qsbr_dq *dq;
    void (*observer)(void *ctx, uint32_t vni_idx, const uint8_t mac[6], bool local);
    void *observer_ctx;
    /* writer state */
    uint32_t max_pos __rte_aligned(64);
    uint32_t capacity;      /* entries accepted (the size asked for) */
    uint32_t live;          /* entries present */
    uint32_t age_cursor;    /* next position mac_table_age_step looks at */
    uint32_t pending;       /* deleted slots in the reclamation queue */
    uint32_t dq_size;
};

enum mac_kind {
    MAC_NONE = 0,
    MAC_LOCAL = 1,          /* learned on an access attachment; ages */
    MAC_LOCAL_STATIC = 2,   /* configured on an access attachment */
    MAC_REMOTE = 3,         /* behind a remote VTEP, from the control plane */
    MAC_REMOTE_STATIC = 4,  /* behind a remote VTEP, configured */
};

/* The key as callers build it (16 bytes; the table packs it in 64 bits). */
struct mac_key {
    uint32_t vni_idx;
    uint8_t mac[6];
    uint8_t pad[6];         /* always 0 */
};

/* Packed value: kind | attachment << 16 | VTEP IPv4 (network order) << 32. */
static inline uint64_t mac_val_local(enum mac_kind k, uint16_t attach)
{
    return (uint64_t)k | (uint64_t)attach << 16;
}
static inline uint64_t mac_val_remote(enum mac_kind k, uint32_t vtep_be)
{
    return (uint64_t)k | (uint64_t)vtep_be << 32;
}
static inline enum mac_kind mac_val_kind(uint64_t v) { return (enum mac_kind)(v & 0xff); }
static inline uint16_t mac_val_attach(uint64_t v) { return (uint16_t)(v >> 16); }
static inline uint32_t mac_val_vtep(uint64_t v) { return (uint32_t)(v >> 32); }
static inline bool mac_kind_is_local(enum mac_kind k)
{
    return k == MAC_LOCAL || k == MAC_LOCAL_STATIC;
}

/* A key as two 64-bit words (its memory image, padding 0): equal keys
 * have equal words, so a burst compares them in registers. */
static inline void mac_key_words(uint32_t vni_idx, const uint8_t *mac, uint64_t *lo, uint64_t *hi)
{
    uint32_t m0;
    uint16_t m4;

    __builtin_memcpy(&m0, mac, 4);
    __builtin_memcpy(&m4, mac + 4, 2);
    *lo = (uint64_t)vni_idx | (uint64_t)m0 << 32;
    *hi = m4;
}

static inline void mac_key_store(struct mac_key *k, uint64_t lo, uint64_t hi)
{
    __builtin_memcpy(k, &lo, 8);
    __builtin_memcpy((uint8_t *)k + 8, &hi, 8);
}

static inline void mac_key_set(struct mac_key *k, uint32_t vni_idx, const uint8_t *mac)
{
    uint64_t lo, hi;

    mac_key_words(vni_idx, mac, &lo, &hi);
    mac_key_store(k, lo, hi);
}

/* Keys equal (two 64-bit compares; the padding is always 0). */
static inline bool mac_key_eq(const struct mac_key *a, const struct mac_key *b)
{
    uint64_t a0, a1, b0, b1;

    __builtin_memcpy(&a0, a, 8);
    __builtin_memcpy(&a1, (const uint8_t *)a + 8, 8);
    __builtin_memcpy(&b0, b, 8);
    __builtin_memcpy(&b1, (const uint8_t *)b + 8, 8);
    return ((a0 ^ b0) | (a1 ^ b1)) == 0;
}

/* Create a table holding up to size entries for n_vnis (<= MAC_TABLE_MAX_VNIS)
 * VNIs; deleted slots are reused after a grace period of qsv (at once when
 * qsv is NULL: no concurrent readers). Returns NULL on failure (reason
 * logged). */
struct mac_table *mac_table_create(const char *name, uint32_t size,
                                   uint32_t n_vnis, struct rte_rcu_qsbr *qsv,
                                   int socket);
void mac_table_free(struct mac_table *t);

/* Learned-MAC limit for one VNI (entries of kind MAC_LOCAL). */
void mac_table_set_limit(struct mac_table *t, uint32_t vni_idx, uint32_t limit);

/* --- readers (any thread, lock-free) --- */

/* The packed key: MAC in the low 48 bits, (VNI slot + 1) in the high 16
 * (never 0, so never EMPTY or TOMB). VNI slots are < MAC_TABLE_MAX_VNIS. */
static inline uint64_t mac_key_word(const struct mac_key *k)
{
    uint64_t lo, hi;

    __builtin_memcpy(&lo, k, 8);
    __builtin_memcpy(&hi, (const uint8_t *)k + 8, 8);
    return (lo >> 32) | (hi << 32) | (((lo & MAC_TABLE_MAX_VNIS) + 1) << 48);
}

/* Home bucket: multiplicative (Fibonacci) hashing of the key word, after a
 * random per-table XOR. Sequential MACs (one vendor's serial numbers) spread
 * evenly, and which keys collide is not known outside. A CRC-32C of the key
 * (linear, so structured keys fall into a few residues of the low bits)
 * read 2.1 buckets per hit on the benchmark's small table, this 1.02. */
static inline uint32_t mac_key_bucket(const struct mac_table *t, uint64_t kw)
{
    return (uint32_t)(((kw ^ t->seed) * 0x9e3779b97f4a7c15ull) >> t->shift);
}

/* Value of key word kw whose home bucket is b, or 0 when absent. The three
 * slots of a bucket are compared without branches (which slot holds the
 * key is random: a branch per slot mispredicts about every other lookup). */
static inline uint64_t mac_bucket_find(const struct mac_table *t, uint32_t b, uint64_t kw)
{
    const struct mac_bucket *bkt = t->bkt;
    uint32_t mask = t->mask;

    for (uint32_t n = 0; n <= mask; n++) {
        const struct mac_bucket *p = &bkt[b];
        uint64_t m0 = -(uint64_t)(__atomic_load_n(&p->key[0], __ATOMIC_ACQUIRE) == kw);
        uint64_t m1 = -(uint64_t)(__atomic_load_n(&p->key[1], __ATOMIC_ACQUIRE) == kw);
        uint64_t m2 = -(uint64_t)(__atomic_load_n(&p->key[2], __ATOMIC_ACQUIRE) == kw);

        RTE_BUILD_BUG_ON(MAC_BUCKET_SLOTS != 3);
        if (__builtin_expect((m0 | m1 | m2) != 0, 1))
            return (m0 & __atomic_load_n(&p->val[0], __ATOMIC_RELAXED)) |
                   (m1 & __atomic_load_n(&p->val[1], __ATOMIC_RELAXED)) |
                   (m2 & __atomic_load_n(&p->val[2], __ATOMIC_RELAXED));
        if (__atomic_load_n(&p->ovf, __ATOMIC_ACQUIRE) == 0)
            return 0;
        b = (b + 1) & mask;
    }
    return 0;
}

/* A lookup in two halves, for callers that overlap the memory latency of
 * a bucket with other work (parsing the rest of a burst, comparing the
 * previous burst): mac_lookup_start() hashes the key and prefetches its
 * home bucket; mac_lookup_finish() reads and compares, with the same
 * guarantees as a lookup made at that moment. */
struct mac_lookup {
    uint64_t kw;        /* packed key */
    uint32_t b;         /* home bucket */
};

static inline void mac_lookup_start(const struct mac_table *t, const struct mac_key *k,
                                    struct mac_lookup *l)
{
    l->kw = mac_key_word(k);
    l->b = mac_key_bucket(t, l->kw);
    rte_prefetch0(&t->bkt[l->b]);
}

/* The value of the key given to mac_lookup_start(l), or 0 when absent. */
static inline uint64_t mac_lookup_finish(const struct mac_table *t, const struct mac_lookup *l)
{
    return mac_bucket_find(t, l->b, l->kw);
}

/* Look up n (<= 64) keys; vals[i] is the packed value or 0 when absent.
 * Hashes every key and prefetches every home bucket first, then compares,
 * so the cache misses of a burst overlap. */
static inline void mac_table_lookup_bulk(const struct mac_table *t, const struct mac_key **keys,
                                         unsigned n, uint64_t *vals)
{
    struct mac_lookup l[64];

    if (n > 64)
        n = 64;
    for (unsigned i = 0; i < n; i++)
        mac_lookup_start(t, keys[i], &l[i]);
    for (unsigned i = 0; i < n; i++)
        vals[i] = mac_lookup_finish(t, &l[i]);
}

/* Value for one key, or 0 when absent. */
static inline uint64_t mac_table_lookup(const struct mac_table *t, uint32_t vni_idx,
                                        const uint8_t mac[6])
{
    struct mac_key k;
    uint64_t kw;

    if (vni_idx >= t->n_vnis)
        return 0;
    mac_key_set(&k, vni_idx, mac);
    kw = mac_key_word(&k);
    return mac_bucket_find(t, mac_key_bucket(t, kw), kw);
}

/* --- writer (control thread only) --- */

enum learn_result {
    LEARN_NEW = 0,          /* new local entry */
    LEARN_REFRESHED,        /* same place: age timer restarted */
    LEARN_MOVED,            /* was elsewhere (other attachment or remote) */
    LEARN_LIMIT,            /* refused: the VNI is at its MAC limit */
    LEARN_STATIC,           /* refused: a static entry holds this MAC */
    LEARN_FULL,             /* refused: the table is full */
};

/* Hint only: bring the home bucket of (vni_idx, mac) and its last-seen
 * times toward the cache, for the writer that will set the entry soon.
 * Changes nothing; an unknown VNI slot is ignored. */
static inline void mac_table_prefetch(const struct mac_table *t, uint32_t vni_idx,
                                      const uint8_t mac[6])
{
    struct mac_key k;
    uint32_t b;

    if (vni_idx >= t->n_vnis)
        return;
    mac_key_set(&k, vni_idx, mac);
    b = mac_key_bucket(t, mac_key_word(&k));
    rte_prefetch0(&t->bkt[b]);
    rte_prefetch0(&t->last_seen[b * MAC_BUCKET_SLOTS]);
}

/* A worker saw mac as source on attachment attach of vni_idx at time now
 * (seconds, monotonic). Static entries never move. */
enum learn_result mac_table_learn(struct mac_table *t, uint32_t vni_idx,
                                  const uint8_t mac[6], uint16_t attach,
                                  uint64_t now);

/* Install or replace an entry of any kind (static config, control plane).
 * Replacing a MAC_LOCAL entry releases its slot in the VNI's learned count.
 * Returns 0, -EINVAL (no such VNI slot) or -ENOSPC (the table is full). */
int mac_table_set(struct mac_table *t, uint32_t vni_idx, const uint8_t mac[6],
                  uint64_t val, uint64_t now);

/* The same, except that a static entry (MAC_LOCAL_STATIC, MAC_REMOTE_STATIC)
 * stays as it is: then -EEXIST. One lookup (the control plane's routes). */
int mac_table_set_dynamic(struct mac_table *t, uint32_t vni_idx, const uint8_t mac[6],
                          uint64_t val, uint64_t now);

/* Call fn whenever an entry becomes local (learned or static on an access
 * attachment) or stops being local (aged, deleted, replaced by a remote
 * one): the kernel mirror for zebra follows the local MACs this way. */
void mac_table_set_observer(struct mac_table *t,
                            void (*fn)(void *ctx, uint32_t vni_idx, const uint8_t mac[6],
                                       bool local),
                            void *ctx);

/* Remove an entry. Returns 0, or -ENOENT when absent. */
int mac_table_del(struct mac_table *t, uint32_t vni_idx, const uint8_t mac[6]);

/* Remove every entry for which drop(ctx, vni_idx, val) is true (a reload
 * removing VNIs or attachments). Returns how many were removed. */
uint32_t mac_table_purge(struct mac_table *t,
                         bool (*drop)(void *ctx, uint32_t vni_idx, uint64_t val), void *ctx);

/* Remove MAC_LOCAL entries not refreshed for more than age seconds.
 * Returns how many were removed. */
uint32_t mac_table_age(struct mac_table *t, uint64_t now, uint64_t age);

/* The same over the next `budget` key positions only (a cursor wraps
 * around), so the control thread can age a large table in small slices.
 * mac_table_positions() slices make a full pass. */
uint32_t mac_table_age_step(struct mac_table *t, uint64_t now, uint64_t age, uint32_t budget);
uint32_t mac_table_positions(const struct mac_table *t);

/* Learned (MAC_LOCAL) entries of one VNI, and all entries of one VNI. */
uint32_t mac_table_learned(const struct mac_table *t, uint32_t vni_idx);
uint32_t mac_table_count(const struct mac_table *t, uint32_t vni_idx);

/* Iterate: *it starts at 0; returns 0 and fills key/val until the end (-ENOENT). */
int mac_table_next(const struct mac_table *t, uint32_t *it,
                   struct mac_key *key, uint64_t *val, uint64_t *last_seen);

#endif
