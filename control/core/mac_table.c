/* MAC table writer: open addressing over one-line buckets, lock-free
 * readers, slot reuse after an RCU grace period (see include/mac_table.h).
 * Control thread only. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_malloc.h>
#include <rte_random.h>
#include <rte_rcu_qsbr.h>

#include "log.h"
#include "mac_table.h"

/* Reclamation queue: deleted slots wait here for the grace period. When it
 * is full the writer waits for the readers (a few microseconds: workers
 * report quiescence every poll loop) instead of growing it. */
#define MAC_DQ_MIN 1024u
#define MAC_DQ_TRIGGER 32u
#define MAC_DQ_RECLAIM 256u

static inline void key_unpack(uint64_t kw, uint32_t *vni_idx, uint8_t mac[6])
{
    uint32_t lo = (uint32_t)kw;
    uint16_t hi = (uint16_t)(kw >> 32);

    *vni_idx = (uint32_t)(kw >> 48) - 1;
    memcpy(mac, &lo, 4);
    memcpy(mac + 4, &hi, 2);
}

static inline uint64_t key_pack(uint32_t vni_idx, const uint8_t mac[6])
{
    struct mac_key k;

    mac_key_set(&k, vni_idx, mac);
    return mac_key_word(&k);
}

static inline uint64_t *slot_key(struct mac_table *t, uint32_t pos)
{
    return &t->bkt[pos / MAC_BUCKET_SLOTS].key[pos % MAC_BUCKET_SLOTS];
}

static inline uint64_t *slot_val(struct mac_table *t, uint32_t pos)
{
    return &t->bkt[pos / MAC_BUCKET_SLOTS].val[pos % MAC_BUCKET_SLOTS];
}

/* rte_rcu_qsbr_dq callback: the readers are past these slots. */
static void slots_free(void *p, void *e, unsigned int n)
{
    struct mac_table *t = p;
    const uint32_t *pos = e;

    for (unsigned int i = 0; i < n; i++)
        __atomic_store_n(slot_key(t, pos[i]), MAC_KEY_EMPTY, __ATOMIC_RELAXED);
    t->pending -= n;
}

struct mac_table *mac_table_create(const char *name, uint32_t size,
                                   uint32_t n_vnis, struct rte_rcu_qsbr *qsv,
                                   int socket)
{
    struct mac_table *t;
    uint32_t nv = n_vnis ? n_vnis : 1;
    uint64_t nb = 8;
    unsigned lg = 3;

    if (size == 0 || size > (1u << 30) || n_vnis > MAC_TABLE_MAX_VNIS) {
        VLOG(ERR, "mac table %s: %u entries over %u VNIs is out of range", name, size,
             n_vnis);
        return NULL;
    }
    /* at most 2/3 of the slots in use: buckets >= size / 2 */
    while (nb * 2 < size) {
        nb <<= 1;
        lg++;
    }
    t = rte_zmalloc_socket("mac_table", sizeof(*t), 64, socket);
    if (!t)
        return NULL;
    t->n_vnis = n_vnis;
    t->mask = (uint32_t)nb - 1;
    t->shift = 64 - lg;
    t->seed = rte_rand();
    t->capacity = size;
    t->max_pos = (uint32_t)nb * MAC_BUCKET_SLOTS;
    t->qsv = qsv;
    t->bkt = rte_zmalloc_socket("mac_buckets", nb * sizeof(struct mac_bucket), 64, socket);
    t->learned = rte_zmalloc_socket("mac_learned", nv * sizeof(uint32_t), 0, socket);
    t->count = rte_zmalloc_socket("mac_count", nv * sizeof(uint32_t), 0, socket);
    t->limit = rte_zmalloc_socket("mac_limit", nv * sizeof(uint32_t), 0, socket);
    t->last_seen = rte_zmalloc_socket("mac_seen", (size_t)t->max_pos * sizeof(uint32_t),
                                      0, socket);
    t->is_local = rte_zmalloc_socket("mac_is_local", t->max_pos, 0, socket);
    if (!t->bkt || !t->learned || !t->count || !t->limit || !t->last_seen || !t->is_local) {
        VLOG(ERR, "mac table %s: no memory for %u entries", name, size);
        goto fail;
    }
    if (qsv) {
        char dqname[RTE_RING_NAMESIZE];
        uint32_t dqsize = size / 16 > MAC_DQ_MIN ? size / 16 : MAC_DQ_MIN;
        struct rte_rcu_qsbr_dq_parameters prm = {
            .name = dqname,
            .size = dqsize,
            .esize = sizeof(uint32_t),
            .trigger_reclaim_limit = MAC_DQ_TRIGGER,
            .max_reclaim_size = MAC_DQ_RECLAIM,
            .free_fn = slots_free,
            .p = t,
            .v = qsv,
        };

        t->dq_size = dqsize;
        snprintf(dqname, sizeof(dqname), "%.20s_dq", name);
        t->dq = rte_rcu_qsbr_dq_create(&prm);
        if (!t->dq) {
            VLOG(ERR, "mac table %s: rte_rcu_qsbr_dq_create failed: %s", name,
                 rte_strerror(rte_errno));
            goto fail;
        }
    }
    for (uint32_t i = 0; i < nv; i++)
        t->limit[i] = UINT32_MAX;
    return t;
fail:
    mac_table_free(t);
    return NULL;
}

void mac_table_free(struct mac_table *t)
{
    if (!t)
        return;
    if (t->dq)
        rte_rcu_qsbr_dq_delete(t->dq);
    rte_free(t->bkt);
    rte_free(t->learned);
    rte_free(t->count);
    rte_free(t->limit);
    rte_free(t->last_seen);
    rte_free(t->is_local);
    rte_free(t);
}

void mac_table_set_limit(struct mac_table *t, uint32_t vni_idx, uint32_t limit)
{
    if (vni_idx < t->n_vnis)
        t->limit[vni_idx] = limit;
}

/* Position of key word kw, or -1. */
static int64_t find(const struct mac_table *t, uint64_t kw)
{
    uint32_t b = mac_key_bucket(t, kw);

    for (uint32_t n = 0; n <= t->mask; n++) {
        const struct mac_bucket *p = &t->bkt[b];

        for (unsigned s = 0; s < MAC_BUCKET_SLOTS; s++)
            if (p->key[s] == kw)
                return (int64_t)b * MAC_BUCKET_SLOTS + s;
        if (p->ovf == 0)
            return -1;
        b = (b + 1) & t->mask;
    }
    return -1;
}

/* First free slot from kw's home bucket on, or -1. */
static int64_t free_slot(const struct mac_table *t, uint64_t kw)
{
    uint32_t b = mac_key_bucket(t, kw);

    for (uint32_t n = 0; n <= t->mask; n++) {
        const struct mac_bucket *p = &t->bkt[b];

        for (unsigned s = 0; s < MAC_BUCKET_SLOTS; s++)
            if (p->key[s] == MAC_KEY_EMPTY)
                return (int64_t)b * MAC_BUCKET_SLOTS + s;
        b = (b + 1) & t->mask;
    }
    return -1;
}

/* Add the absent key kw with value val. Returns its position or -ENOSPC. */
static int64_t add(struct mac_table *t, uint64_t kw, uint64_t val)
{
    int64_t pos;

    if (t->live >= t->capacity)
        return -ENOSPC;
    pos = free_slot(t, kw);
    if (pos < 0 && t->dq) {
        /* every free slot waits for the readers: wait for them */
        rte_rcu_qsbr_synchronize(t->qsv, RTE_QSBR_THRID_INVALID);
        rte_rcu_qsbr_dq_reclaim(t->dq, UINT32_MAX, NULL, NULL, NULL);
        pos = free_slot(t, kw);
    }
    if (pos < 0)
        return -ENOSPC;
    __atomic_store_n(slot_val(t, (uint32_t)pos), val, __ATOMIC_RELAXED);
    __atomic_store_n(slot_key(t, (uint32_t)pos), kw, __ATOMIC_RELEASE);
    /* then the buckets passed over tell the readers to go on */
    for (uint32_t b = mac_key_bucket(t, kw); b != (uint32_t)pos / MAC_BUCKET_SLOTS;
         b = (b + 1) & t->mask)
        __atomic_store_n(&t->bkt[b].ovf, t->bkt[b].ovf + 1, __ATOMIC_RELEASE);
    t->live++;
    return pos;
}

/* Remove the key at pos (its word kw). */
static void remove_at(struct mac_table *t, uint32_t pos, uint64_t kw)
{
    for (uint32_t b = mac_key_bucket(t, kw); b != pos / MAC_BUCKET_SLOTS;
         b = (b + 1) & t->mask)
        __atomic_store_n(&t->bkt[b].ovf, t->bkt[b].ovf - 1, __ATOMIC_RELEASE);
    t->is_local[pos] = 0;
    t->live--;
    if (!t->dq) {
        __atomic_store_n(slot_key(t, pos), MAC_KEY_EMPTY, __ATOMIC_RELEASE);
        return;
    }
    __atomic_store_n(slot_key(t, pos), MAC_KEY_TOMB, __ATOMIC_RELEASE);
    if (t->pending >= t->dq_size) {
        rte_rcu_qsbr_dq_reclaim(t->dq, MAC_DQ_RECLAIM, NULL, NULL, NULL);
        if (t->pending >= t->dq_size) {
            /* every queued slot is still held: wait for the readers */
            rte_rcu_qsbr_synchronize(t->qsv, RTE_QSBR_THRID_INVALID);
            rte_rcu_qsbr_dq_reclaim(t->dq, UINT32_MAX, NULL, NULL, NULL);
        }
    }
    if (rte_rcu_qsbr_dq_enqueue(t->dq, &pos) == 0) {
        t->pending++;
    } else {
        /* cannot happen with room counted above; never reuse early */
        rte_rcu_qsbr_synchronize(t->qsv, RTE_QSBR_THRID_INVALID);
        __atomic_store_n(slot_key(t, pos), MAC_KEY_EMPTY, __ATOMIC_RELEASE);
    }
}

void mac_table_set_observer(struct mac_table *t,
                            void (*fn)(void *ctx, uint32_t vni_idx, const uint8_t mac[6],
                                       bool local),
                            void *ctx)
{
    t->observer = fn;
    t->observer_ctx = ctx;
}

/* Tell the observer when (vni, mac) became local or stopped being local. */
static inline void observe(const struct mac_table *t, uint32_t vni_idx, const uint8_t *mac,
                           bool was_local, bool is_local)
{
    if (t->observer && was_local != is_local)
        t->observer(t->observer_ctx, vni_idx, mac, is_local);
}

enum learn_result mac_table_learn(struct mac_table *t, uint32_t vni_idx,
                                  const uint8_t mac[6], uint16_t attach,
                                  uint64_t now)
{
    uint64_t kw;
    int64_t pos;

    if (vni_idx >= t->n_vnis)
        return LEARN_FULL;
    kw = key_pack(vni_idx, mac);
    pos = find(t, kw);
    if (pos >= 0) {
        uint64_t v = *slot_val(t, (uint32_t)pos);
        enum mac_kind kind = mac_val_kind(v);

        if (kind == MAC_LOCAL_STATIC || kind == MAC_REMOTE_STATIC)
            return (kind == MAC_LOCAL_STATIC && mac_val_attach(v) == attach)
                       ? LEARN_REFRESHED : LEARN_STATIC;
        if (kind == MAC_LOCAL && mac_val_attach(v) == attach) {
            t->last_seen[pos] = (uint32_t)now;
            return LEARN_REFRESHED;
        }
        if (kind != MAC_LOCAL && t->learned[vni_idx] >= t->limit[vni_idx])
            return LEARN_LIMIT;
        __atomic_store_n(slot_val(t, (uint32_t)pos), mac_val_local(MAC_LOCAL, attach),
                         __ATOMIC_RELAXED);
        if (kind != MAC_LOCAL)
            t->learned[vni_idx]++;
        t->last_seen[pos] = (uint32_t)now;
        t->is_local[pos] = 1;
        observe(t, vni_idx, mac, mac_kind_is_local(kind), true);
        return LEARN_MOVED;
    }
    if (t->learned[vni_idx] >= t->limit[vni_idx])
        return LEARN_LIMIT;
    pos = add(t, kw, mac_val_local(MAC_LOCAL, attach));
    if (pos < 0)
        return LEARN_FULL;
    t->last_seen[pos] = (uint32_t)now;
    t->is_local[pos] = 1;
    t->learned[vni_idx]++;
    t->count[vni_idx]++;
    observe(t, vni_idx, mac, false, true);
    return LEARN_NEW;
}

/* mac_table_set once the key's position is known (pos < 0: absent). */
static int set_at(struct mac_table *t, uint32_t vni_idx, const uint8_t *mac, uint64_t kw,
                  int64_t pos, uint64_t val, uint64_t now)
{
    bool was_local = false, was_any_local = false;

    if (pos >= 0) {
        enum mac_kind old = mac_val_kind(*slot_val(t, (uint32_t)pos));

        was_local = old == MAC_LOCAL;
        was_any_local = mac_kind_is_local(old);
        __atomic_store_n(slot_val(t, (uint32_t)pos), val, __ATOMIC_RELAXED);
    } else {
        pos = add(t, kw, val);
        if (pos < 0)
            return (int)pos;
        t->count[vni_idx]++;
    }
    t->last_seen[pos] = (uint32_t)now;
    t->is_local[pos] = mac_val_kind(val) == MAC_LOCAL;
    if (was_local && mac_val_kind(val) != MAC_LOCAL)
        t->learned[vni_idx]--;
    else if (!was_local && mac_val_kind(val) == MAC_LOCAL)
        t->learned[vni_idx]++;
    observe(t, vni_idx, mac, was_any_local, mac_kind_is_local(mac_val_kind(val)));
    return 0;
}

int mac_table_set(struct mac_table *t, uint32_t vni_idx, const uint8_t mac[6],
                  uint64_t val, uint64_t now)
{
    uint64_t kw;

    if (vni_idx >= t->n_vnis)
        return -EINVAL;
    kw = key_pack(vni_idx, mac);
    return set_at(t, vni_idx, mac, kw, find(t, kw), val, now);
}

int mac_table_set_dynamic(struct mac_table *t, uint32_t vni_idx, const uint8_t mac[6],
                          uint64_t val, uint64_t now)
{
    uint64_t kw;
    int64_t pos;

    if (vni_idx >= t->n_vnis)
        return -EINVAL;
    kw = key_pack(vni_idx, mac);
    pos = find(t, kw);
    if (pos >= 0) {
        enum mac_kind k = mac_val_kind(*slot_val(t, (uint32_t)pos));

        if (k == MAC_LOCAL_STATIC || k == MAC_REMOTE_STATIC)
            return -EEXIST;
    }
    return set_at(t, vni_idx, mac, kw, pos, val, now);
}

/* Delete the entry at pos holding kw (vni_idx, mac). */
static void del_at(struct mac_table *t, uint32_t pos, uint64_t kw, uint32_t vni_idx,
                   const uint8_t *mac)
{
    enum mac_kind kind = mac_val_kind(*slot_val(t, pos));

    remove_at(t, pos, kw);
    if (kind == MAC_LOCAL)
        t->learned[vni_idx]--;
    t->count[vni_idx]--;
    observe(t, vni_idx, mac, mac_kind_is_local(kind), false);
}

int mac_table_del(struct mac_table *t, uint32_t vni_idx, const uint8_t mac[6])
{
    uint64_t kw;
    int64_t pos;

    if (vni_idx >= t->n_vnis)
        return -ENOENT;
    kw = key_pack(vni_idx, mac);
    pos = find(t, kw);
    if (pos < 0)
        return -ENOENT;
    del_at(t, (uint32_t)pos, kw, vni_idx, mac);
    return 0;
}

/* Key word at pos when it holds an entry, else 0. */
static inline uint64_t live_key(struct mac_table *t, uint32_t pos)
{
    uint64_t kw = *slot_key(t, pos);

    return kw == MAC_KEY_EMPTY || kw == MAC_KEY_TOMB ? 0 : kw;
}

uint32_t mac_table_purge(struct mac_table *t,
                         bool (*drop)(void *ctx, uint32_t vni_idx, uint64_t val), void *ctx)
{
    uint32_t removed = 0;

    /* keys never move, so deleting while walking the slots misses none */
    for (uint32_t pos = 0; pos < t->max_pos; pos++) {
        uint64_t kw = live_key(t, pos);
        uint32_t vni_idx;
        uint8_t mac[6];

        if (!kw)
            continue;
        key_unpack(kw, &vni_idx, mac);
        if (!drop(ctx, vni_idx, *slot_val(t, pos)))
            continue;
        del_at(t, pos, kw, vni_idx, mac);
        removed++;
    }
    return removed;
}

uint32_t mac_table_age_step(struct mac_table *t, uint64_t now, uint64_t age, uint32_t budget)
{
    uint32_t removed = 0;

    while (budget--) {
        uint32_t pos = t->age_cursor, vni_idx;
        uint8_t mac[6];
        uint64_t kw;

        t->age_cursor = pos + 1 < t->max_pos ? pos + 1 : 0;
        if (!t->is_local[pos] || (uint32_t)now - t->last_seen[pos] <= age)
            continue;
        kw = live_key(t, pos);
        if (!kw || mac_val_kind(*slot_val(t, pos)) != MAC_LOCAL) {
            t->is_local[pos] = 0;
            continue;
        }
        key_unpack(kw, &vni_idx, mac);
        del_at(t, pos, kw, vni_idx, mac);
        removed++;
    }
    return removed;
}

uint32_t mac_table_age(struct mac_table *t, uint64_t now, uint64_t age)
{
    t->age_cursor = 0;
    return mac_table_age_step(t, now, age, t->max_pos);
}

uint32_t mac_table_positions(const struct mac_table *t)
{
    return t->max_pos;
}

uint32_t mac_table_learned(const struct mac_table *t, uint32_t vni_idx)
{
    return vni_idx < t->n_vnis ? t->learned[vni_idx] : 0;
}

uint32_t mac_table_count(const struct mac_table *t, uint32_t vni_idx)
{
    return vni_idx < t->n_vnis ? t->count[vni_idx] : 0;
}

int mac_table_next(const struct mac_table *t, uint32_t *it,
                   struct mac_key *key, uint64_t *val, uint64_t *last_seen)
{
    struct mac_table *w = (struct mac_table *)(uintptr_t)t;

    for (uint32_t pos = *it; pos < t->max_pos; pos++) {
        uint64_t kw = live_key(w, pos);
        uint32_t vni_idx;
        uint8_t mac[6];

        if (!kw)
            continue;
        key_unpack(kw, &vni_idx, mac);
        mac_key_set(key, vni_idx, mac);
        *val = *slot_val(w, pos);
        if (last_seen)
            *last_seen = t->last_seen[pos];
        *it = pos + 1;
        return 0;
    }
    *it = t->max_pos;
    return -ENOENT;
}
