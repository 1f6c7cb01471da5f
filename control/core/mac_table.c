/* MAC table writer: on rte_hash with lock-free readers and RCU slot reuse
 * (see include/mac_table.h). Control thread only. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_hash.h>
#include "crc32c.h"
#include <rte_malloc.h>
#include <rte_rcu_qsbr.h>

#include "log.h"
#include "mac_table.h"

/* rte_hash key hash for the 16-byte mac_key: two CRC32-C steps instead of
 * the generic loop. */
static uint32_t mac_key_hash(const void *key, uint32_t len, uint32_t init)
{
    uint64_t a, b;

    (void)len;
    memcpy(&a, key, 8);
    memcpy(&b, (const uint8_t *)key + 8, 8);
    return crc32c_u64(b, crc32c_u64(a, init));
}

struct mac_table *mac_table_create(const char *name, uint32_t size,
                                   uint32_t n_vnis, struct rte_rcu_qsbr *qsv,
                                   int socket)
{
    struct rte_hash_parameters hp = {
        .name = name,
        .entries = size,
        .key_len = sizeof(struct mac_key),
        .hash_func = mac_key_hash,
        .hash_func_init_val = 0,
        .socket_id = socket,
        .extra_flag = RTE_HASH_EXTRA_FLAGS_RW_CONCURRENCY_LF |
                      RTE_HASH_EXTRA_FLAGS_EXT_TABLE,
    };
    struct mac_table *t;
    uint32_t nv = n_vnis ? n_vnis : 1;

    t = rte_zmalloc_socket("mac_table", sizeof(*t), 0, socket);
    if (!t)
        return NULL;
    t->n_vnis = n_vnis;
    t->h = rte_hash_create(&hp);
    if (!t->h) {
        VLOG(ERR, "mac table: rte_hash_create(%u entries) failed: %s", size,
             rte_strerror(rte_errno));
        goto fail;
    }
    if (qsv) {
        struct rte_hash_rcu_config rc = {
            .v = qsv,
            .mode = RTE_HASH_QSBR_MODE_DQ,
        };
        if (rte_hash_rcu_qsbr_add(t->h, &rc) != 0) {
            VLOG(ERR, "mac table: rte_hash_rcu_qsbr_add failed: %s",
                 rte_strerror(rte_errno));
            goto fail;
        }
    }
    t->max_pos = rte_hash_max_key_id(t->h) + 1;
    t->learned = rte_zmalloc_socket("mac_learned", nv * sizeof(uint32_t), 0, socket);
    t->count = rte_zmalloc_socket("mac_count", nv * sizeof(uint32_t), 0, socket);
    t->limit = rte_zmalloc_socket("mac_limit", nv * sizeof(uint32_t), 0, socket);
    t->last_seen = rte_zmalloc_socket("mac_seen", (size_t)t->max_pos * sizeof(uint64_t),
                                      0, socket);
    t->is_local = rte_zmalloc_socket("mac_is_local", t->max_pos, 0, socket);
    if (!t->learned || !t->count || !t->limit || !t->last_seen || !t->is_local)
        goto fail;
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
    rte_hash_free(t->h);
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

static int32_t add(struct mac_table *t, const struct mac_key *k, uint64_t val)
{
    int rc = rte_hash_add_key_data(t->h, k, (void *)(uintptr_t)val);

    if (rc != 0)
        return rc;          /* -ENOSPC: table full; -EINVAL */
    return rte_hash_lookup(t->h, k);
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
    struct mac_key k;
    void *data;
    int32_t pos;

    if (vni_idx >= t->n_vnis)
        return LEARN_FULL;
    mac_key_set(&k, vni_idx, mac);
    pos = rte_hash_lookup_data(t->h, &k, &data);
    if (pos >= 0) {
        uint64_t v = (uint64_t)(uintptr_t)data;
        enum mac_kind kind = mac_val_kind(v);

        if (kind == MAC_LOCAL_STATIC || kind == MAC_REMOTE_STATIC)
            return (kind == MAC_LOCAL_STATIC && mac_val_attach(v) == attach)
                       ? LEARN_REFRESHED : LEARN_STATIC;
        if (kind == MAC_LOCAL && mac_val_attach(v) == attach) {
            t->last_seen[pos] = now;
            return LEARN_REFRESHED;
        }
        if (kind != MAC_LOCAL && t->learned[vni_idx] >= t->limit[vni_idx])
            return LEARN_LIMIT;
        if (rte_hash_add_key_data(t->h, &k,
                                  (void *)(uintptr_t)mac_val_local(MAC_LOCAL, attach)) != 0)
            return LEARN_FULL;
        if (kind != MAC_LOCAL)
            t->learned[vni_idx]++;
        t->last_seen[pos] = now;
        t->is_local[pos] = 1;
        observe(t, vni_idx, mac, mac_kind_is_local(kind), true);
        return LEARN_MOVED;
    }
    if (t->learned[vni_idx] >= t->limit[vni_idx])
        return LEARN_LIMIT;
    pos = add(t, &k, mac_val_local(MAC_LOCAL, attach));
    if (pos < 0)
        return LEARN_FULL;
    t->last_seen[pos] = now;
    t->is_local[pos] = 1;
    t->learned[vni_idx]++;
    t->count[vni_idx]++;
    observe(t, vni_idx, mac, false, true);
    return LEARN_NEW;
}

int mac_table_set(struct mac_table *t, uint32_t vni_idx, const uint8_t mac[6],
                  uint64_t val, uint64_t now)
{
    struct mac_key k;
    void *data;
    int32_t pos;
    int was_local = 0, existed;

    if (vni_idx >= t->n_vnis)
        return -EINVAL;
    mac_key_set(&k, vni_idx, mac);
    pos = rte_hash_lookup_data(t->h, &k, &data);
    existed = pos >= 0;
    bool was_any_local = false;
    if (existed) {
        was_local = mac_val_kind((uint64_t)(uintptr_t)data) == MAC_LOCAL;
        was_any_local = mac_kind_is_local(mac_val_kind((uint64_t)(uintptr_t)data));
    }
    pos = add(t, &k, val);
    if (pos < 0)
        return pos;
    t->last_seen[pos] = now;
    t->is_local[pos] = mac_val_kind(val) == MAC_LOCAL;
    if (!existed)
        t->count[vni_idx]++;
    if (was_local && mac_val_kind(val) != MAC_LOCAL)
        t->learned[vni_idx]--;
    else if (!was_local && mac_val_kind(val) == MAC_LOCAL)
        t->learned[vni_idx]++;
    observe(t, vni_idx, mac, was_any_local, mac_kind_is_local(mac_val_kind(val)));
    return 0;
}

int mac_table_del(struct mac_table *t, uint32_t vni_idx, const uint8_t mac[6])
{
    struct mac_key k;
    void *data;

    if (vni_idx >= t->n_vnis)
        return -ENOENT;
    mac_key_set(&k, vni_idx, mac);
    int32_t pos = rte_hash_lookup_data(t->h, &k, &data);
    if (pos < 0)
        return -ENOENT;
    if (rte_hash_del_key(t->h, &k) < 0)
        return -ENOENT;
    if ((uint32_t)pos < t->max_pos)
        t->is_local[pos] = 0;
    if (mac_val_kind((uint64_t)(uintptr_t)data) == MAC_LOCAL)
        t->learned[vni_idx]--;
    t->count[vni_idx]--;
    observe(t, vni_idx, mac, mac_kind_is_local(mac_val_kind((uint64_t)(uintptr_t)data)), false);
    return 0;
}

uint32_t mac_table_purge(struct mac_table *t,
                         bool (*drop)(void *ctx, uint32_t vni_idx, uint64_t val), void *ctx)
{
    uint32_t it = 0, removed = 0, n = 0, cap = 0;
    struct mac_key *victims = NULL;
    const void *kp;
    void *data;

    /* collect first, delete after: a delete may move keys within a bucket
     * chain, which an iteration in progress could then miss */
    while (rte_hash_iterate(t->h, &kp, &data, &it) >= 0) {
        struct mac_key k;
        memcpy(&k, kp, sizeof(k));
        if (!drop(ctx, k.vni_idx, (uint64_t)(uintptr_t)data))
            continue;
        if (n == cap) {
            uint32_t nc = cap ? cap * 2 : 256;
            struct mac_key *v = realloc(victims, (size_t)nc * sizeof(*v));
            if (!v)
                break;
            victims = v;
            cap = nc;
        }
        victims[n++] = k;
    }
    for (uint32_t i = 0; i < n; i++)
        if (mac_table_del(t, victims[i].vni_idx, victims[i].mac) == 0)
            removed++;
    free(victims);
    return removed;
}

uint32_t mac_table_age_step(struct mac_table *t, uint64_t now, uint64_t age, uint32_t budget)
{
    uint32_t removed = 0;

    while (budget--) {
        uint32_t pos = t->age_cursor;

        t->age_cursor = pos + 1 < t->max_pos ? pos + 1 : 0;
        if (!t->is_local[pos] || now - t->last_seen[pos] <= age)
            continue;
        const void *kp;
        struct mac_key k;
        if (rte_hash_get_key_with_position(t->h, (int32_t)pos, (void **)&kp) != 0) {
            t->is_local[pos] = 0;
            continue;
        }
        memcpy(&k, kp, sizeof(k));
        if (mac_val_kind(mac_table_lookup(t, k.vni_idx, k.mac)) == MAC_LOCAL &&
            mac_table_del(t, k.vni_idx, k.mac) == 0)
            removed++;
        else
            t->is_local[pos] = 0;
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
    const void *k;
    void *data;
    int32_t pos = rte_hash_iterate(t->h, &k, &data, it);

    if (pos < 0)
        return -ENOENT;
    memcpy(key, k, sizeof(*key));
    *val = (uint64_t)(uintptr_t)data;
    if (last_seen)
        *last_seen = (uint32_t)pos < t->max_pos ? t->last_seen[pos] : 0;
    return 0;
}
