/* MAC table: (VNI, MAC) -> where the station is.
 *
 * One rte_hash shared by all VNIs, keyed by (VNI slot, MAC), in lock-free
 * read/write-concurrency mode with an rte_rcu_qsbr variable: workers look up
 * without locks (the inline readers below) while the control thread - the
 * only writer (control/core/mac_table.c) - adds, changes and deletes. A
 * deleted key's slot is reused only after every worker has reported
 * quiescence. The value is a packed 64-bit word (no pointer), so a change
 * is one atomic store and needs no reclamation.
 *
 * Per-VNI accounting (count of learned MACs, the learn limit) and the aging
 * of locally learned entries also live with the writer, in control-thread
 * memory.
 */
#ifndef VTEPD_MAC_TABLE_H
#define VTEPD_MAC_TABLE_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_hash.h>

struct rte_rcu_qsbr;

struct mac_table {
    struct rte_hash *h;         /* first: all the readers need */
    uint32_t n_vnis;
    uint32_t *learned;      /* per VNI: MAC_LOCAL entries */
    uint32_t *count;        /* per VNI: all entries */
    uint32_t *limit;        /* per VNI */
    uint64_t *last_seen;    /* per key position: seconds */
    uint8_t *is_local;      /* per key position: holds a MAC_LOCAL entry */
    uint32_t max_pos;
    uint32_t age_cursor;    /* next position mac_table_age_step looks at */
    void (*observer)(void *ctx, uint32_t vni_idx, const uint8_t mac[6], bool local);
    void *observer_ctx;
};

enum mac_kind {
    MAC_NONE = 0,
    MAC_LOCAL = 1,          /* learned on an access attachment; ages */
    MAC_LOCAL_STATIC = 2,   /* configured on an access attachment */
    MAC_REMOTE = 3,         /* behind a remote VTEP, from the control plane */
    MAC_REMOTE_STATIC = 4,  /* behind a remote VTEP, configured */
};

/* 16 bytes so that rte_hash compares keys with one SSE compare. */
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

/* Create a table of size entries for n_vnis VNIs, registered with qsv for
 * safe slot reuse. Returns NULL on failure (reason logged). */
struct mac_table *mac_table_create(const char *name, uint32_t size,
                                   uint32_t n_vnis, struct rte_rcu_qsbr *qsv,
                                   int socket);
void mac_table_free(struct mac_table *t);

/* Learned-MAC limit for one VNI (entries of kind MAC_LOCAL). */
void mac_table_set_limit(struct mac_table *t, uint32_t vni_idx, uint32_t limit);

/* --- readers (any thread, lock-free) --- */

/* Look up n (<= 64) keys; vals[i] is the packed value or 0 when absent. */
static inline void mac_table_lookup_bulk(const struct mac_table *t, const struct mac_key **keys,
                                         unsigned n, uint64_t *vals)
{
    void *data[RTE_HASH_LOOKUP_BULK_MAX];
    uint64_t hits = 0;

    if (n == 0)
        return;
    rte_hash_lookup_bulk_data(t->h, (const void **)keys, n, &hits, data);
    for (unsigned i = 0; i < n; i++)
        vals[i] = (hits >> i) & 1 ? (uint64_t)(uintptr_t)data[i] : 0;
}

/* Value for one key, or 0 when absent. */
static inline uint64_t mac_table_lookup(const struct mac_table *t, uint32_t vni_idx,
                                        const uint8_t mac[6])
{
    struct mac_key k;
    void *data;

    mac_key_set(&k, vni_idx, mac);
    if (rte_hash_lookup_data(t->h, &k, &data) < 0)
        return 0;
    return (uint64_t)(uintptr_t)data;
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
