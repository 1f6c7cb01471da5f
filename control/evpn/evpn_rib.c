/* EVPN RIB (see evpn_rib.h).
 *
 * Data structures (all chained hash tables of our own, keyed by a 64-bit
 * mix hash, doubling as they grow and halving when mostly empty):
 *   sources  (feed, peer distinguisher, peer address) -> source, which
 *            lists its paths (peer down, End-of-RIB, stale marking);
 *   paths    (source, route key) -> path;
 *   macs     (VNI, MAC) -> mac_entry listing the type-2 paths that map
 *            there, and the VTEP last reported for it;
 *   rds      RD -> rd_entry: the VNIs type-3 routes give that RD, each
 *            with a reference count, and the type-2 paths of that RD still
 *            waiting for a VNI (so a type-3 arrival resolves exactly them);
 *   floods   VNI -> flood_entry: its VTEPs sorted by address, each with a
 *            reference count (one per type-3 path) and whether it was
 *            reported.
 *
 * Every public operation changes reference counts and path lists first and
 * marks the (VNI, MAC) and VNI entries it touched dirty; it then "flushes":
 * for each dirty entry the new result (best VTEP, flood set) is compared
 * with what was last reported and a callback fires only if they differ.
 * Transient states inside one operation (a replace detaching then
 * re-attaching a path) therefore never reach the callbacks. Within one
 * flush, flood_changed calls come first, then mac_changed calls, each in
 * the order the entries were first touched.
 *
 * Callbacks must not call back into the RIB.
 */
#include <arpa/inet.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "big_alloc.h"
#include "evpn_rib.h"
#include "json_writer.h"

#define HT_MIN_BUCKETS 64
#define VNI_MASK 0xffffffu
#define GOLDEN64 0x9e3779b97f4a7c15ULL

/* ------------------------------------------------------------------------ */
/* hashing */

/* A 64-bit finaliser: every input bit affects every output bit. */
static uint64_t mix64(uint64_t x)
{
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ULL;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebULL;
    x ^= x >> 31;
    return x;
}

/* Hash of len bytes at data, seeded. */
static uint64_t hash_bytes(const void *data, size_t len, uint64_t seed)
{
    const uint8_t *p = data;
    uint64_t h = mix64(seed ^ (len * GOLDEN64));
    uint64_t w;

    while (len >= 8) {
        memcpy(&w, p, 8);
        h = mix64(h ^ w) + GOLDEN64;
        p += 8;
        len -= 8;
    }
    if (len) {
        w = 0;
        memcpy(&w, p, len);
        h = mix64(h ^ w ^ GOLDEN64);
    }
    return h;
}

/* ------------------------------------------------------------------------ */
/* intrusive chained hash table; an entry embeds struct hnode first */

struct hnode {
    struct hnode *next;
    uint64_t hash;
};

struct htab {
    struct hnode **b;
    size_t nb;                      /* power of two */
    size_t n;
};

/* Empty table with the minimum bucket count; false on allocation failure. */
static bool ht_init(struct htab *t)
{
    t->b = big_alloc(HT_MIN_BUCKETS * sizeof(*t->b));
    t->nb = HT_MIN_BUCKETS;
    t->n = 0;
    return t->b != NULL;
}

/* Rehash into nb buckets; on allocation failure the table stays as is
 * (still correct, only slower). */
static void ht_resize(struct htab *t, size_t nb)
{
    struct hnode **nbk = big_alloc(nb * sizeof(*nbk));

    if (!nbk)
        return;
    for (size_t i = 0; i < t->nb; i++) {
        struct hnode *e = t->b[i];

        while (e) {
            struct hnode *next = e->next;
            size_t idx = e->hash & (nb - 1);

            e->next = nbk[idx];
            nbk[idx] = e;
            e = next;
        }
    }
    big_free(t->b, t->nb * sizeof(*t->b));
    t->b = nbk;
    t->nb = nb;
}

/* First entry of the chain that may hold hash. */
static struct hnode *ht_chain(const struct htab *t, uint64_t hash)
{
    return t->b[hash & (t->nb - 1)];
}

/* Link e (with its hash) in; grows the table at load factor 1. */
static void ht_insert(struct htab *t, struct hnode *e, uint64_t hash)
{
    size_t idx;

    if (t->n >= t->nb)
        ht_resize(t, t->nb * 2);
    e->hash = hash;
    idx = hash & (t->nb - 1);
    e->next = t->b[idx];
    t->b[idx] = e;
    t->n++;
}

/* Unlink e, which must be in t. Never resizes (safe while walking other
 * chains); see ht_shrink. */
static void ht_remove(struct htab *t, struct hnode *e)
{
    struct hnode **pp = &t->b[e->hash & (t->nb - 1)];

    while (*pp != e)
        pp = &(*pp)->next;
    *pp = e->next;
    e->next = NULL;
    t->n--;
}

/* Halve the bucket array while it is less than 1/8 full (checked after
 * every operation: the common case returns at the first test). */
static inline void ht_shrink(struct htab *t)
{
    size_t nb = t->nb;

    if (nb <= HT_MIN_BUCKETS || t->n >= nb / 8)
        return;
    while (nb > HT_MIN_BUCKETS && t->n < nb / 8)
        nb /= 2;
    ht_resize(t, nb);
}

/* ------------------------------------------------------------------------ */
/* fixed-size object pools: paths and (VNI, MAC) entries come and go by the
 * hundred thousand; a free list is cheaper than malloc/calloc/free. Chunks
 * double from 16 kB to 2 MB; from BIG_ALLOC_MIN on they are huge pages
 * (big_alloc.h): a large RIB takes one page fault per 2 MB, not per 4 kB.
 * Objects are carved from the newest chunk as needed (nothing touches a
 * chunk ahead of use). Memory goes back to the system only with the RIB. */

#define POOL_CHUNK_FIRST ((size_t)16 << 10)
#define POOL_CHUNK_MAX ((size_t)2 << 20)

struct pool_chunk {
    struct pool_chunk *next;
    size_t bytes;                   /* as given to big_alloc */
    max_align_t objs[];
};

struct pool {
    size_t size;                    /* object size, rounded to max_align_t */
    void *free;                     /* free objects, linked through their first word */
    struct pool_chunk *chunks;      /* newest first */
    char *carve, *carve_end;        /* never used part of the newest chunk */
    size_t next_bytes;              /* size of the next chunk */
};

static void pool_init(struct pool *p, size_t size)
{
    p->size = (size + sizeof(max_align_t) - 1) / sizeof(max_align_t) * sizeof(max_align_t);
    p->free = NULL;
    p->chunks = NULL;
    p->carve = p->carve_end = NULL;
    p->next_bytes = POOL_CHUNK_FIRST;
}

/* A zeroed object, or NULL on allocation failure. */
static void *pool_get(struct pool *p)
{
    void *o;

    if (p->free) {
        o = p->free;
        p->free = *(void **)o;
        memset(o, 0, p->size);
        return o;
    }
    if ((size_t)(p->carve_end - p->carve) < p->size) {
        size_t bytes = p->next_bytes;
        struct pool_chunk *c;

        if (bytes < sizeof(*c) + p->size)
            bytes = sizeof(*c) + p->size;
        c = big_alloc(bytes);
        if (!c)
            return NULL;
        c->next = p->chunks;
        c->bytes = bytes;
        p->chunks = c;
        p->carve = (char *)c->objs;
        p->carve_end = (char *)c + bytes;
        /* past the calloc sizes straight to a whole huge page */
        p->next_bytes = p->next_bytes * 2 >= BIG_ALLOC_MIN ? POOL_CHUNK_MAX : p->next_bytes * 2;
    }
    /* fresh memory from big_alloc is zeroed and never used */
    o = p->carve;
    p->carve += p->size;
    return o;
}

static void pool_put(struct pool *p, void *o)
{
    *(void **)o = p->free;
    p->free = o;
}

static void pool_destroy(struct pool *p)
{
    while (p->chunks) {
        struct pool_chunk *c = p->chunks;

        p->chunks = c->next;
        big_free(c, c->bytes);
    }
    p->free = NULL;
    p->carve = p->carve_end = NULL;
}

/* ------------------------------------------------------------------------ */
/* circular doubly linked lists with a head sentinel */

struct link {
    struct link *prev, *next;
};

#define CONTAINER(ptr, type, member) \
    ((type *)(void *)((char *)(ptr) - offsetof(type, member)))

/* h becomes an empty list (or e an unlinked element). */
static void link_init(struct link *h)
{
    h->prev = h;
    h->next = h;
}

/* Append e at the tail of list h. */
static void link_add_tail(struct link *h, struct link *e)
{
    e->prev = h->prev;
    e->next = h;
    h->prev->next = e;
    h->prev = e;
}

/* Unlink e from its list (e becomes self-linked). */
static void link_del(struct link *e)
{
    e->prev->next = e->next;
    e->next->prev = e->prev;
    link_init(e);
}

/* ------------------------------------------------------------------------ */
/* entries */

/* Route key: what identifies a route within a source. Zero padded. */
struct path_key {
    uint8_t type;
    uint8_t ip_len;
    uint8_t mac[6];                 /* type 2 only */
    uint8_t rd[8];
    uint32_t eth_tag;
    uint8_t ip[16];                 /* first ip_len / 8 bytes */
};

struct source {
    struct hnode node;              /* first */
    struct rib_source id;           /* feed NUL-padded */
    struct link paths;              /* struct path.by_src */
    uint32_t npaths;
    uint32_t nstale;
};

enum path_state {
    PS_NONE = 0,                    /* type 3, or nothing attached */
    PS_MAC,                         /* type 2 in a mac_entry */
    PS_PENDING,                     /* type 2 waiting in an rd_entry */
    PS_IGNORED,                     /* type 2 whose VNI is not configured */
};

struct mac_entry;
struct rd_entry;
struct flood_entry;

struct path {
    struct hnode node;              /* first; in r->paths */
    struct link by_src;             /* in src->paths */
    struct link by_owner;           /* mac_entry paths or rd_entry pending */
    struct source *src;
    struct path_key key;
    /* attributes as last received */
    uint32_t label;
    uint32_t nexthop;
    uint32_t mm_seq;
    uint32_t pmsi_endpoint;
    uint32_t rt_local[RIB_MAX_RTS];
    uint8_t n_rts;
    bool sticky;
    bool pmsi_ir;
    /* derived */
    bool stale;
    bool has_vni;
    uint8_t state;                  /* enum path_state */
    uint32_t vni;
    uint32_t vtep;                  /* type 2: next hop; type 3: flood VTEP or 0 */
    uint64_t stale_since;
    struct mac_entry *mac;          /* PS_MAC */
    struct rd_entry *pend;          /* PS_PENDING */
    struct rd_entry *rd_map;        /* type 3 holding a ref on (rd, vni) */
    struct flood_entry *flood;      /* type 3 holding a ref on (vni, vtep) */
};

struct mac_entry {
    struct hnode node;              /* first */
    uint32_t vni;
    uint8_t mac[6];
    bool dirty;
    struct link paths;              /* struct path.by_owner */
    uint32_t npaths;
    uint32_t reported;              /* VTEP last given to mac_changed, 0 = none */
    uint32_t n_ips;                 /* IPv4 addresses last given to ip_changed */
    uint32_t *ips;
    struct mac_entry *dirty_next;
};

struct rd_vni {
    uint32_t vni;
    uint32_t refs;
};

struct rd_entry {
    struct hnode node;              /* first */
    uint8_t rd[8];
    struct rd_vni *v;
    uint32_t nv, cap;
    struct link pending;            /* struct path.by_owner */
    uint32_t npending;
};

struct flood_member {
    uint32_t vtep;
    uint32_t refs;
    bool reported;
};

struct flood_entry {
    struct hnode node;              /* first */
    uint32_t vni;
    bool dirty;
    struct flood_member *m;         /* sorted by address */
    uint32_t n, cap;
    struct flood_entry *dirty_next;
};

struct evpn_rib {
    uint32_t local_vtep;
    bool (*is_vni)(void *ctx, uint32_t vni);
    struct rib_callbacks cb;
    struct htab sources, paths, macs, rds, floods;
    struct pool path_pool, mac_pool;
    struct mac_entry *mdirty, *mdirty_tail;
    struct flood_entry *fdirty, *fdirty_tail;
    uint32_t *scratch;
    uint32_t scratch_cap;
    struct rib_counters c;
    /* The last source callers named, as they gave it: a feed names the same
     * source for every route of an UPDATE, so its normalisation and hash are
     * reused; the source itself is kept while it exists (source_gc clears). */
    bool sc_valid;
    struct rib_source sc_raw;       /* bytes as given */
    struct rib_source sc_id;        /* normalised */
    uint64_t sc_h;
    struct source *sc_s;            /* NULL: look it up */
};

/* ------------------------------------------------------------------------ */
/* small helpers */

/* True when VNI vni is configured here (every VNI when no is_vni given). */
static bool vni_configured(const struct evpn_rib *r, uint32_t vni)
{
    return r->is_vni ? r->is_vni(r->cb.ctx, vni) : true;
}

/* The first route-target local part that is a configured VNI. */
static bool rt_vni(const struct evpn_rib *r, const uint32_t *rts, unsigned n, uint32_t *vni)
{
    for (unsigned i = 0; i < n && i < RIB_MAX_RTS; i++)
        if (rts[i] != 0 && rts[i] <= VNI_MASK && vni_configured(r, rts[i])) {
            *vni = rts[i];
            return true;
        }
    return false;
}

/* Bytes of address for an IP length in bits (clamped to 16). */
static size_t ip_bytes(uint8_t ip_len)
{
    size_t n = ip_len / 8u;

    return n > 16 ? 16 : n;
}

/* The originator of a type-3 route as an IPv4 address (network order), or 0. */
static uint32_t originator_v4(const struct path_key *k)
{
    uint32_t a = 0;

    if (k->ip_len == 32)
        memcpy(&a, k->ip, 4);
    return a;
}

/* Normalised key of rt (padding and unused bytes zero). */
static void make_key(const struct rib_route *rt, struct path_key *k)
{
    memset(k, 0, sizeof(*k));
    k->type = rt->type;
    k->ip_len = rt->ip_len;
    if (rt->type == 2)
        memcpy(k->mac, rt->mac, 6);
    memcpy(k->rd, rt->rd, 8);
    k->eth_tag = rt->eth_tag;
    memcpy(k->ip, rt->ip, ip_bytes(rt->ip_len));
}

/* Normalised source identity (feed name NUL-padded, at most 63 chars). */
static void make_source_id(const struct rib_source *s, struct rib_source *id)
{
    size_t n = strnlen(s->feed, RIB_FEED_NAME_LEN - 1);

    memset(id, 0, sizeof(*id));
    memcpy(id->feed, s->feed, n);
    id->peer_distinguisher = s->peer_distinguisher;
    memcpy(id->peer_addr, s->peer_addr, 16);
}

/* Hash of a normalised source identity. */
static uint64_t source_hash(const struct rib_source *id)
{
    uint64_t h = hash_bytes(id->feed, RIB_FEED_NAME_LEN, 1);

    h = hash_bytes(id->peer_addr, 16, h);
    return mix64(h ^ id->peer_distinguisher);
}

/* Total order on sources: feed name, then peer address, then distinguisher. */
static int source_cmp(const struct source *a, const struct source *b)
{
    int c = memcmp(a->id.feed, b->id.feed, RIB_FEED_NAME_LEN);

    if (c)
        return c;
    c = memcmp(a->id.peer_addr, b->id.peer_addr, 16);
    if (c)
        return c;
    if (a->id.peer_distinguisher != b->id.peer_distinguisher)
        return a->id.peer_distinguisher < b->id.peer_distinguisher ? -1 : 1;
    return 0;
}

/* Hash of (source, route key): a multiply-xorshift step per word of the
 * key, one full mix at the end (the per-route hash: hash_bytes' full mix
 * per word cost 170 instructions). */
static uint64_t path_hash(const struct source *s, const struct path_key *k)
{
    uint64_t w[5] = {0}, h = (uint64_t)(uintptr_t)s;

    _Static_assert(sizeof(*k) <= sizeof(w), "path_key fits five words");
    memcpy(w, k, sizeof(*k));
    for (unsigned i = 0; i < 5; i++) {
        h = (h ^ w[i]) * 0x9e3779b97f4a7c15ULL;
        h ^= h >> 29;
    }
    return mix64(h);
}

/* Hash of (VNI, MAC). */
static uint64_t mac_hash(uint32_t vni, const uint8_t mac[6])
{
    uint64_t w = 0;

    memcpy(&w, mac, 6);
    return mix64(w ^ ((uint64_t)vni << 48) ^ ((uint64_t)vni * GOLDEN64));
}

/* Hash of a raw RD. */
static uint64_t rd_hash(const uint8_t rd[8])
{
    uint64_t w;

    memcpy(&w, rd, 8);
    return mix64(w ^ 0x5bd1e995u);
}

/* Hash of a VNI. */
static uint64_t vni_hash(uint32_t vni)
{
    return mix64((uint64_t)vni * GOLDEN64 + 7);
}

/* ------------------------------------------------------------------------ */
/* sources */

/* The source with identity id, or NULL. */
static struct source *source_find(const struct evpn_rib *r, const struct rib_source *id,
                                  uint64_t h)
{
    for (struct hnode *e = ht_chain(&r->sources, h); e; e = e->next) {
        struct source *s = (struct source *)e;

        if (e->hash == h && !memcmp(s->id.feed, id->feed, RIB_FEED_NAME_LEN) &&
            s->id.peer_distinguisher == id->peer_distinguisher &&
            !memcmp(s->id.peer_addr, id->peer_addr, 16))
            return s;
    }
    return NULL;
}

/* The source of src as the caller names it (normalised first), or NULL. */
static struct source *source_of(const struct evpn_rib *r, const struct rib_source *src)
{
    struct rib_source id;

    make_source_id(src, &id);
    return source_find(r, &id, source_hash(&id));
}

/* The source with identity id, created if needed; NULL on allocation failure. */
static struct source *source_get(struct evpn_rib *r, const struct rib_source *id, uint64_t h)
{
    struct source *s = source_find(r, id, h);

    if (s)
        return s;
    s = calloc(1, sizeof(*s));
    if (!s)
        return NULL;
    s->id = *id;
    link_init(&s->paths);
    ht_insert(&r->sources, &s->node, h);
    return s;
}

/* Frees s if it has no path left. */
static void source_gc(struct evpn_rib *r, struct source *s)
{
    if (s && s->npaths == 0) {
        if (r->sc_s == s)
            r->sc_s = NULL;
        ht_remove(&r->sources, &s->node);
        free(s);
    }
}

/* ------------------------------------------------------------------------ */
/* (VNI, MAC) entries */

/* Queue m for the next flush (once). */
/* Append entry e (a mac_entry or a flood_entry) to a dirty queue once. */
#define DIRTY_PUSH(head, tail, e)                                                  \
    do {                                                                           \
        if ((e)->dirty)                                                            \
            break;                                                                 \
        (e)->dirty = true;                                                         \
        (e)->dirty_next = NULL;                                                    \
        if (tail)                                                                  \
            (tail)->dirty_next = (e);                                              \
        else                                                                       \
            (head) = (e);                                                          \
        (tail) = (e);                                                              \
    } while (0)

static void mac_dirty(struct evpn_rib *r, struct mac_entry *m)
{
    DIRTY_PUSH(r->mdirty, r->mdirty_tail, m);
}

/* The entry for (vni, mac), created if needed; NULL on allocation failure. */
static struct mac_entry *mac_get(struct evpn_rib *r, uint32_t vni, const uint8_t mac[6])
{
    uint64_t h = mac_hash(vni, mac);
    struct mac_entry *m;

    for (struct hnode *e = ht_chain(&r->macs, h); e; e = e->next) {
        m = (struct mac_entry *)e;
        if (e->hash == h && m->vni == vni && !memcmp(m->mac, mac, 6))
            return m;
    }
    m = pool_get(&r->mac_pool);
    if (!m)
        return NULL;
    m->vni = vni;
    memcpy(m->mac, mac, 6);
    link_init(&m->paths);
    ht_insert(&r->macs, &m->node, h);
    return m;
}

/* Puts type-2 path p (VNI set, configured) under its (VNI, MAC). */
static void mac_attach(struct evpn_rib *r, struct path *p)
{
    struct mac_entry *m = mac_get(r, p->vni, p->key.mac);

    if (!m) {
        p->state = PS_NONE;
        return;
    }
    link_add_tail(&m->paths, &p->by_owner);
    m->npaths++;
    p->mac = m;
    p->state = PS_MAC;
    mac_dirty(r, m);
}

/* True when path a is preferred to path b (header's best-path order). */
static bool path_better(const struct path *a, const struct path *b)
{
    int c;

    if (a->sticky != b->sticky)
        return a->sticky;
    if (a->mm_seq != b->mm_seq)
        return a->mm_seq > b->mm_seq;
    if (a->vtep != b->vtep)
        return ntohl(a->vtep) < ntohl(b->vtep);
    c = source_cmp(a->src, b->src);
    if (c)
        return c < 0;
    return memcmp(&a->key, &b->key, sizeof(a->key)) < 0;
}

/* The best path of m, or NULL when it has none. */
static struct path *mac_best(const struct mac_entry *m)
{
    struct path *best = NULL;

    for (struct link *l = m->paths.next; l != &m->paths; l = l->next) {
        struct path *p = CONTAINER(l, struct path, by_owner);

        if (!best || path_better(p, best))
            best = p;
    }
    return best;
}

/* ------------------------------------------------------------------------ */
/* flood sets */

/* Queue f for the next flush (once). */
static void flood_dirty(struct evpn_rib *r, struct flood_entry *f)
{
    DIRTY_PUSH(r->fdirty, r->fdirty_tail, f);
}

/* The flood entry of vni, created if needed; NULL on allocation failure. */
static struct flood_entry *flood_get(struct evpn_rib *r, uint32_t vni)
{
    uint64_t h = vni_hash(vni);
    struct flood_entry *f;

    for (struct hnode *e = ht_chain(&r->floods, h); e; e = e->next) {
        f = (struct flood_entry *)e;
        if (e->hash == h && f->vni == vni)
            return f;
    }
    f = calloc(1, sizeof(*f));
    if (!f)
        return NULL;
    f->vni = vni;
    ht_insert(&r->floods, &f->node, h);
    return f;
}

/* Index of vtep in f->m, or where it would be inserted (*found false). */
static uint32_t flood_pos(const struct flood_entry *f, uint32_t vtep, bool *found)
{
    uint32_t lo = 0, hi = f->n, key = ntohl(vtep);

    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        uint32_t v = ntohl(f->m[mid].vtep);

        if (v == key) {
            *found = true;
            return mid;
        }
        if (v < key)
            lo = mid + 1;
        else
            hi = mid;
    }
    *found = false;
    return lo;
}

/* Takes one reference on vtep in vni's flood set. Returns the entry, or NULL
 * (nothing taken) on allocation failure. */
static struct flood_entry *flood_ref(struct evpn_rib *r, uint32_t vni, uint32_t vtep)
{
    struct flood_entry *f = flood_get(r, vni);
    bool found;
    uint32_t i;

    if (!f)
        return NULL;
    i = flood_pos(f, vtep, &found);
    if (!found) {
        if (f->n == f->cap) {
            uint32_t cap = f->cap ? f->cap * 2 : 4;
            struct flood_member *m = realloc(f->m, cap * sizeof(*m));

            if (!m) {
                flood_dirty(r, f);  /* lets the flush free an empty entry */
                return NULL;
            }
            f->m = m;
            f->cap = cap;
        }
        memmove(&f->m[i + 1], &f->m[i], (f->n - i) * sizeof(*f->m));
        f->m[i].vtep = vtep;
        f->m[i].refs = 0;
        f->m[i].reported = false;
        f->n++;
    }
    if (f->m[i].refs++ == 0)
        flood_dirty(r, f);
    return f;
}

/* Drops one reference on vtep in f (taken by flood_ref). The member stays,
 * with no reference, until the flush. */
static void flood_unref(struct evpn_rib *r, struct flood_entry *f, uint32_t vtep)
{
    bool found;
    uint32_t i = flood_pos(f, vtep, &found);

    if (found && f->m[i].refs > 0 && --f->m[i].refs == 0)
        flood_dirty(r, f);
}

/* ------------------------------------------------------------------------ */
/* RD -> VNI map and pending type-2 paths */

/* The entry of rd, or NULL. */
static struct rd_entry *rd_find(const struct evpn_rib *r, const uint8_t rd[8], uint64_t h)
{
    for (struct hnode *e = ht_chain(&r->rds, h); e; e = e->next) {
        struct rd_entry *d = (struct rd_entry *)e;

        if (e->hash == h && !memcmp(d->rd, rd, 8))
            return d;
    }
    return NULL;
}

/* The entry of rd, created if needed; NULL on allocation failure. */
static struct rd_entry *rd_get(struct evpn_rib *r, const uint8_t rd[8])
{
    uint64_t h = rd_hash(rd);
    struct rd_entry *d = rd_find(r, rd, h);

    if (d)
        return d;
    d = calloc(1, sizeof(*d));
    if (!d)
        return NULL;
    memcpy(d->rd, rd, 8);
    link_init(&d->pending);
    ht_insert(&r->rds, &d->node, h);
    return d;
}

/* Frees d when it maps no VNI and holds no pending path. */
static void rd_gc(struct evpn_rib *r, struct rd_entry *d)
{
    if (d->nv == 0 && d->npending == 0) {
        ht_remove(&r->rds, &d->node);
        free(d->v);
        free(d);
    }
}

/* The VNI type-3 routes give RD rd (the lowest when they disagree). */
static bool rd_vni(const struct evpn_rib *r, const uint8_t rd[8], uint32_t *vni)
{
    const struct rd_entry *d = rd_find(r, rd, rd_hash(rd));
    bool have = false;

    if (!d)
        return false;
    for (uint32_t i = 0; i < d->nv; i++)
        if (!have || d->v[i].vni < *vni) {
            *vni = d->v[i].vni;
            have = true;
        }
    return have;
}

static void t2_set_vni(struct evpn_rib *r, struct path *p, uint32_t vni);

/* Gives every pending type-2 path of d the VNI d now maps to. */
static void rd_resolve_pending(struct evpn_rib *r, struct rd_entry *d)
{
    uint32_t vni;

    if (d->npending == 0 || !rd_vni(r, d->rd, &vni))
        return;
    while (d->pending.next != &d->pending) {
        struct path *p = CONTAINER(d->pending.next, struct path, by_owner);

        link_del(&p->by_owner);
        d->npending--;
        r->c.unresolved--;
        p->pend = NULL;
        p->state = PS_NONE;
        t2_set_vni(r, p, vni);
    }
}

/* Takes one reference on (rd, vni) for type-3 path p and resolves the RD's
 * pending type-2 paths. Leaves p->rd_map NULL on allocation failure. */
static void rd_ref(struct evpn_rib *r, struct path *p)
{
    struct rd_entry *d = rd_get(r, p->key.rd);
    uint32_t i;

    if (!d)
        return;
    for (i = 0; i < d->nv && d->v[i].vni != p->vni; i++)
        ;
    if (i == d->nv) {
        if (d->nv == d->cap) {
            uint32_t cap = d->cap ? d->cap * 2 : 2;
            struct rd_vni *v = realloc(d->v, cap * sizeof(*v));

            if (!v) {
                rd_gc(r, d);
                return;
            }
            d->v = v;
            d->cap = cap;
        }
        d->v[i].vni = p->vni;
        d->v[i].refs = 0;
        d->nv++;
    }
    d->v[i].refs++;
    p->rd_map = d;
    rd_resolve_pending(r, d);
}

/* Drops the (rd, vni) reference of type-3 path p. Paths resolved through it
 * keep their VNI. */
static void rd_unref(struct evpn_rib *r, struct path *p)
{
    struct rd_entry *d = p->rd_map;

    p->rd_map = NULL;
    for (uint32_t i = 0; i < d->nv; i++)
        if (d->v[i].vni == p->vni) {
            if (--d->v[i].refs == 0)
                d->v[i] = d->v[--d->nv];
            break;
        }
    rd_gc(r, d);
}

/* ------------------------------------------------------------------------ */
/* attaching / detaching a path's contributions */

/* Type-2 path p now has VNI vni: under its (VNI, MAC) when configured,
 * else kept aside and counted. */
static void t2_set_vni(struct evpn_rib *r, struct path *p, uint32_t vni)
{
    p->has_vni = true;
    p->vni = vni;
    if (vni_configured(r, vni)) {
        mac_attach(r, p);
    } else {
        p->state = PS_IGNORED;
        r->c.ignored_vni++;
    }
}

/* What a replaced path had, to keep its VNI resolution when the route's own
 * VNI sources did not change. */
struct old_attrs {
    bool valid;
    bool has_vni;
    uint32_t vni;
    uint32_t label;
    uint8_t n_rts;
    uint32_t rt_local[RIB_MAX_RTS];
};

/* What resolution of p saw before its attributes change. */
static void old_attrs_of(const struct path *p, struct old_attrs *old)
{
    old->valid = true;
    old->has_vni = p->has_vni;
    old->vni = p->vni;
    old->label = p->label;
    old->n_rts = p->n_rts;
    memcpy(old->rt_local, p->rt_local, sizeof(old->rt_local));
}

/* Resolves type-2 path p (attributes set, nothing attached) and attaches it:
 * label, else a type-3 of the same RD, else a configured route target, else
 * pending on its RD. A label-0 path replaced with the same route targets
 * keeps the VNI it had (no churn when its RD mapping changed meanwhile). */
static void t2_attach(struct evpn_rib *r, struct path *p, const struct old_attrs *old)
{
    uint32_t vni = 0;
    struct rd_entry *d;

    p->vtep = p->nexthop;
    p->has_vni = false;
    if (p->label & VNI_MASK) {
        t2_set_vni(r, p, p->label & VNI_MASK);
        return;
    }
    if (old && old->valid && old->has_vni && (old->label & VNI_MASK) == 0 &&
        old->n_rts == p->n_rts &&
        !memcmp(old->rt_local, p->rt_local, p->n_rts * sizeof(uint32_t))) {
        t2_set_vni(r, p, old->vni);
        return;
    }
    if (rd_vni(r, p->key.rd, &vni) || rt_vni(r, p->rt_local, p->n_rts, &vni)) {
        t2_set_vni(r, p, vni);
        return;
    }
    d = rd_get(r, p->key.rd);
    if (!d) {
        p->state = PS_NONE;
        return;
    }
    link_add_tail(&d->pending, &p->by_owner);
    d->npending++;
    p->pend = d;
    p->state = PS_PENDING;
    r->c.unresolved++;
}

/* Resolves type-3 path p (attributes set, nothing attached) and attaches it:
 * maps its RD to its VNI, and adds its VTEP to the VNI's flood set when the
 * VNI is configured and the VTEP is IPv4. */
static void t3_attach(struct evpn_rib *r, struct path *p)
{
    uint32_t vni = 0;

    p->vtep = p->pmsi_endpoint ? p->pmsi_endpoint : originator_v4(&p->key);
    p->has_vni = false;
    p->state = PS_NONE;
    if (p->label & VNI_MASK)
        vni = p->label & VNI_MASK;
    else if (!rt_vni(r, p->rt_local, p->n_rts, &vni)) {
        r->c.ignored_vni++;
        return;
    }
    p->has_vni = true;
    p->vni = vni;
    rd_ref(r, p);
    if (!vni_configured(r, vni))
        r->c.ignored_vni++;
    else if (p->vtep == 0)
        r->c.ignored_no_nexthop++;
    else
        p->flood = flood_ref(r, vni, p->vtep);
}

/* Undoes t2_attach / t3_attach / t2_set_vni: p contributes nothing. */
static void path_detach(struct evpn_rib *r, struct path *p)
{
    switch (p->state) {
    case PS_MAC:
        link_del(&p->by_owner);
        p->mac->npaths--;
        mac_dirty(r, p->mac);
        p->mac = NULL;
        break;
    case PS_PENDING:
        link_del(&p->by_owner);
        p->pend->npending--;
        r->c.unresolved--;
        rd_gc(r, p->pend);
        p->pend = NULL;
        break;
    default:
        break;
    }
    p->state = PS_NONE;
    if (p->flood) {
        flood_unref(r, p->flood, p->vtep);
        p->flood = NULL;
    }
    if (p->rd_map)
        rd_unref(r, p);
}

/* (Re)attaches p from its attributes. */
static void path_attach(struct evpn_rib *r, struct path *p, const struct old_attrs *old)
{
    if (p->key.type == 2)
        t2_attach(r, p, old);
    else
        t3_attach(r, p);
}

/* Removes p entirely (withdrawal, peer down, End-of-RIB, sweep, implicit
 * withdrawal by an ignored replacement). Leaves an empty source for the
 * caller to free with source_gc. */
static void path_remove(struct evpn_rib *r, struct path *p)
{
    struct source *s = p->src;

    path_detach(r, p);
    link_del(&p->by_src);
    s->npaths--;
    if (p->stale) {
        s->nstale--;
        r->c.stale--;
    }
    ht_remove(&r->paths, &p->node);
    r->c.paths--;
    if (p->key.type == 2)
        r->c.type2_paths--;
    else
        r->c.type3_paths--;
    pool_put(&r->path_pool, p);
}

/* ------------------------------------------------------------------------ */
/* flush: report what changed */

/* The IPv4 addresses of m's MAC/IP paths are bound to m's MAC via the best
 * path's VTEP: report each one (again, the VTEP may have changed) and the
 * ones that went away. */
static void flush_ips(struct evpn_rib *r, struct mac_entry *m, const struct path *best)
{
    uint32_t n = 0, n4 = 0, *now = NULL;

    if (best)
        for (const struct link *l = m->paths.next; l != &m->paths; l = l->next)
            n4 += CONTAINER(l, struct path, by_owner)->key.ip_len == 32;
    if (n4 == 0 && m->n_ips == 0)
        return;         /* MAC-only routes (the common case): nothing to tell */
    if (n4) {
        now = malloc(sizeof(uint32_t) * n4);
        if (!now)
            return;     /* reported at the next change */
        for (const struct link *l = m->paths.next; l != &m->paths; l = l->next) {
            const struct path *p = CONTAINER(l, struct path, by_owner);
            uint32_t ip;
            bool dup = false;
            if (p->key.ip_len != 32)
                continue;
            memcpy(&ip, p->key.ip, 4);
            for (uint32_t i = 0; i < n; i++)
                dup |= now[i] == ip;
            if (!dup)
                now[n++] = ip;
        }
    }
    for (uint32_t i = 0; i < m->n_ips; i++) {
        bool kept = false;
        for (uint32_t k = 0; k < n; k++)
            kept |= now[k] == m->ips[i];
        if (!kept)
            r->cb.ip_changed(r->cb.ctx, m->vni, m->ips[i], m->mac, 0, 0);
    }
    for (uint32_t k = 0; k < n; k++)
        r->cb.ip_changed(r->cb.ctx, m->vni, now[k], m->mac, best->vtep, best->mm_seq);
    free(m->ips);
    m->ips = now;
    m->n_ips = n;
}

/* Reports every dirty flood set whose membership changed, then every dirty
 * (VNI, MAC) whose best VTEP changed; frees entries left empty; shrinks
 * tables that emptied. */
static void flush(struct evpn_rib *r)
{
    while (r->fdirty) {
        struct flood_entry *f = r->fdirty;
        bool changed = false;
        uint32_t n = 0;

        r->fdirty = f->dirty_next;
        if (!r->fdirty)
            r->fdirty_tail = NULL;
        f->dirty = false;
        for (uint32_t i = 0; i < f->n; i++) {
            if ((f->m[i].refs > 0) != f->m[i].reported)
                changed = true;
            if (f->m[i].refs > 0) {
                f->m[n] = f->m[i];
                f->m[n].reported = true;
                n++;
            }
        }
        f->n = n;
        if (changed) {
            if (n > r->scratch_cap) {
                uint32_t cap = r->scratch_cap ? r->scratch_cap : 16;
                uint32_t *s;

                while (cap < n)
                    cap *= 2;
                s = realloc(r->scratch, cap * sizeof(*s));
                if (s) {
                    r->scratch = s;
                    r->scratch_cap = cap;
                }
            }
            if (n <= r->scratch_cap) {
                for (uint32_t i = 0; i < n; i++)
                    r->scratch[i] = f->m[i].vtep;
                r->c.flood_updates++;
                if (r->cb.flood_changed)
                    r->cb.flood_changed(r->cb.ctx, f->vni, r->scratch, n);
            } else {
                /* cannot report now: report again at the next change */
                for (uint32_t i = 0; i < n; i++)
                    f->m[i].reported = false;
            }
        }
        if (f->n == 0) {
            ht_remove(&r->floods, &f->node);
            free(f->m);
            free(f);
        }
    }
    while (r->mdirty) {
        struct mac_entry *m = r->mdirty;
        struct path *best;
        uint32_t vtep;

        r->mdirty = m->dirty_next;
        if (!r->mdirty)
            r->mdirty_tail = NULL;
        m->dirty = false;
        best = mac_best(m);
        vtep = best ? best->vtep : 0;
        if (vtep != m->reported) {
            m->reported = vtep;
            r->c.mac_updates++;
            if (r->cb.mac_changed)
                r->cb.mac_changed(r->cb.ctx, m->vni, m->mac, vtep);
        }
        if (r->cb.ip_changed)
            flush_ips(r, m, best);
        if (m->npaths == 0) {
            ht_remove(&r->macs, &m->node);
            free(m->ips);
            pool_put(&r->mac_pool, m);
        }
    }
    ht_shrink(&r->paths);
    ht_shrink(&r->macs);
    ht_shrink(&r->sources);
    ht_shrink(&r->rds);
    ht_shrink(&r->floods);
}

/* ------------------------------------------------------------------------ */
/* public API */

/* An empty RIB; no is_vni accepts every VNI, no cb reports nothing. */
struct evpn_rib *rib_create(uint32_t local_vtep, bool (*is_vni)(void *ctx, uint32_t vni),
                            const struct rib_callbacks *cb)
{
    struct evpn_rib *r = calloc(1, sizeof(*r));

    if (!r)
        return NULL;
    r->local_vtep = local_vtep;
    r->is_vni = is_vni;
    if (cb)
        r->cb = *cb;
    pool_init(&r->path_pool, sizeof(struct path));
    pool_init(&r->mac_pool, sizeof(struct mac_entry));
    if (!ht_init(&r->sources) || !ht_init(&r->paths) || !ht_init(&r->macs) ||
        !ht_init(&r->rds) || !ht_init(&r->floods)) {
        rib_free(r);
        return NULL;
    }
    return r;
}

/* Frees every entry of t with fn(entry). */
static void ht_free_all(struct htab *t, void (*fn)(struct hnode *))
{
    if (!t->b)
        return;
    for (size_t i = 0; i < t->nb; i++) {
        struct hnode *e = t->b[i];

        while (e) {
            struct hnode *next = e->next;

            fn(e);
            e = next;
        }
    }
    big_free(t->b, t->nb * sizeof(*t->b));
    t->b = NULL;
}

/* Frees an entry that owns nothing else. */
static void free_plain(struct hnode *e)
{
    free(e);
}

/* Frees what a pooled entry owns (the pool frees the entry). */
static void free_none(struct hnode *e)
{
    (void)e;
}

static void free_mac_ips(struct hnode *e)
{
    free(((struct mac_entry *)e)->ips);
}

/* Frees an rd_entry and its VNI array. */
static void free_rd(struct hnode *e)
{
    free(((struct rd_entry *)e)->v);
    free(e);
}

/* Frees a flood_entry and its member array. */
static void free_flood(struct hnode *e)
{
    free(((struct flood_entry *)e)->m);
    free(e);
}

/* Frees everything, without callbacks. */
void rib_free(struct evpn_rib *r)
{
    if (!r)
        return;
    ht_free_all(&r->paths, free_none);
    ht_free_all(&r->sources, free_plain);
    ht_free_all(&r->macs, free_mac_ips);
    pool_destroy(&r->path_pool);
    pool_destroy(&r->mac_pool);
    ht_free_all(&r->rds, free_rd);
    ht_free_all(&r->floods, free_flood);
    free(r->scratch);
    free(r);
}

/* The source src names (or NULL), through the one-entry cache; *h gets the
 * hash of its normalised identity, left in r->sc_id. */
static struct source *source_cached(struct evpn_rib *r, const struct rib_source *src,
                                    uint64_t *h)
{
    if (!r->sc_valid || memcmp(src, &r->sc_raw, sizeof(*src)) != 0) {
        make_source_id(src, &r->sc_id);
        r->sc_h = source_hash(&r->sc_id);
        r->sc_raw = *src;
        r->sc_valid = true;
        r->sc_s = NULL;
    }
    *h = r->sc_h;
    if (!r->sc_s)
        r->sc_s = source_find(r, &r->sc_id, r->sc_h);
    return r->sc_s;
}

/* The path (src, key), or NULL; *sp gets the source (or NULL). */
static struct path *path_find(struct evpn_rib *r, const struct rib_source *src,
                              const struct path_key *k, struct source **sp,
                              uint64_t *src_h)
{
    struct source *s;
    uint64_t h;

    s = source_cached(r, src, src_h);
    *sp = s;
    if (!s)
        return NULL;
    h = path_hash(s, k);
    for (struct hnode *e = ht_chain(&r->paths, h); e; e = e->next) {
        struct path *p = (struct path *)e;

        if (e->hash == h && p->src == s && !memcmp(&p->key, k, sizeof(*k)))
            return p;
    }
    return NULL;
}

void rib_prefetch(struct evpn_rib *r, const struct rib_source *src, const struct rib_route *rt,
                  unsigned n)
{
    struct hnode *const *pb[RIB_PREFETCH_MAX], *const *mb[RIB_PREFETCH_MAX];
    struct path_key k;
    struct source *s;
    uint64_t sh;

    if (!r || !src || !rt)
        return;
    if (n > RIB_PREFETCH_MAX)
        n = RIB_PREFETCH_MAX;
    s = source_cached(r, src, &sh);
    /* the buckets first, all of them: their misses overlap */
    for (unsigned i = 0; i < n; i++) {
        uint32_t vni = rt[i].label & VNI_MASK;

        pb[i] = mb[i] = NULL;
        if (rt[i].type != 2 && rt[i].type != 3)
            continue;
        if (s) {
            make_key(&rt[i], &k);
            pb[i] = &r->paths.b[path_hash(s, &k) & (r->paths.nb - 1)];
            __builtin_prefetch(pb[i]);
        }
        if (rt[i].type != 2 || (!vni && !rd_vni(r, rt[i].rd, &vni)))
            continue;
        mb[i] = &r->macs.b[mac_hash(vni, rt[i].mac) & (r->macs.nb - 1)];
        __builtin_prefetch(mb[i]);
        if (r->cb.prefetch_mac)
            r->cb.prefetch_mac(r->cb.ctx, vni, rt[i].mac);
    }
    /* then the entries the buckets point to (the first of each chain) */
    for (unsigned i = 0; i < n; i++) {
        if (pb[i] && *pb[i])
            __builtin_prefetch((const void *)*pb[i]);
        if (mb[i] && *mb[i])
            __builtin_prefetch((const void *)*mb[i]);
    }
}

/* Copies the attributes of rt into p. */
static void path_set_attrs(struct path *p, const struct rib_route *rt)
{
    p->label = rt->label;
    p->nexthop = rt->nexthop;
    p->mm_seq = rt->mm_seq;
    p->sticky = rt->sticky;
    p->pmsi_ir = rt->pmsi_ir;
    p->pmsi_endpoint = rt->pmsi_endpoint;
    p->n_rts = rt->n_rts > RIB_MAX_RTS ? RIB_MAX_RTS : rt->n_rts;
    memset(p->rt_local, 0, sizeof(p->rt_local));
    memcpy(p->rt_local, rt->rt_local, p->n_rts * sizeof(uint32_t));
}

/* Why rt must not be kept: 1 = own VTEP, 2 = no IPv4 next hop; 0 = keep. */
static int route_ignored(const struct evpn_rib *r, const struct rib_route *rt)
{
    if (rt->type == 2) {
        if (rt->nexthop == 0)
            return 2;
        if (rt->nexthop == r->local_vtep)
            return 1;
        return 0;
    }
    if (r->local_vtep != 0) {
        uint32_t orig = 0;

        if (rt->ip_len == 32)
            memcpy(&orig, rt->ip, 4);
        if (orig == r->local_vtep || rt->pmsi_endpoint == r->local_vtep)
            return 1;
    }
    return 0;
}

/* Adds or replaces one path; an unusable replacement (own VTEP, no IPv4
 * next hop) removes the path it replaces. Reports net changes only. */
void rib_update(struct evpn_rib *r, const struct rib_source *src, const struct rib_route *rt)
{
    struct path_key k;
    struct source *s;
    struct path *p;
    uint64_t sh;
    int ign;

    if (!r || !src || !rt || (rt->type != 2 && rt->type != 3))
        return;
    make_key(rt, &k);
    p = path_find(r, src, &k, &s, &sh);
    ign = route_ignored(r, rt);
    if (ign) {
        if (ign == 1)
            r->c.ignored_own++;
        else
            r->c.ignored_no_nexthop++;
        if (p) {
            /* the new route replaces the old one, and is not usable */
            path_remove(r, p);
            source_gc(r, s);
            flush(r);
        }
        return;
    }
    if (!p) {
        if (!s) {
            /* path_find left the normalised identity in r->sc_id */
            s = source_get(r, &r->sc_id, sh);
            if (!s)
                return;
            r->sc_s = s;
        }
        p = pool_get(&r->path_pool);
        if (!p) {
            source_gc(r, s);
            return;
        }
        p->src = s;
        p->key = k;
        link_init(&p->by_owner);
        link_add_tail(&s->paths, &p->by_src);
        s->npaths++;
        ht_insert(&r->paths, &p->node, path_hash(s, &k));
        r->c.paths++;
        if (k.type == 2)
            r->c.type2_paths++;
        else
            r->c.type3_paths++;
        r->c.adds++;
        path_set_attrs(p, rt);
        path_attach(r, p, NULL);
    } else {
        struct old_attrs old;

        old_attrs_of(p, &old);
        r->c.replaces++;
        if (p->stale) {
            p->stale = false;
            s->nstale--;
            r->c.stale--;
        }
        /* the flush compares final states only, so detaching then
         * re-attaching reports nothing when the outcome is unchanged */
        path_detach(r, p);
        path_set_attrs(p, rt);
        path_attach(r, p, &old);
    }
    flush(r);
}

/* Removes exactly the path (src, route key), whatever its state. */
void rib_withdraw(struct evpn_rib *r, const struct rib_source *src, const struct rib_route *rt)
{
    struct path_key k;
    struct source *s;
    struct path *p;
    uint64_t sh;

    if (!r || !src || !rt || (rt->type != 2 && rt->type != 3))
        return;
    make_key(rt, &k);
    p = path_find(r, src, &k, &s, &sh);
    if (!p) {
        r->c.withdraw_unknown++;
        return;
    }
    r->c.withdraws++;
    path_remove(r, p);
    source_gc(r, s);
    flush(r);
}

/* Removes every path of one (feed, peer); one report per changed entry. */
uint32_t rib_peer_down(struct evpn_rib *r, const struct rib_source *src)
{
    struct source *s;
    uint32_t n = 0;

    if (!r || !src)
        return 0;
    s = source_of(r, src);
    if (!s)
        return 0;
    while (s->paths.next != &s->paths) {
        path_remove(r, CONTAINER(s->paths.next, struct path, by_src));
        n++;
    }
    source_gc(r, s);
    flush(r);
    return n;
}

/* Marks every path of feed stale at now; reports nothing. */
void rib_feed_stale(struct evpn_rib *r, const char *feed, uint64_t now)
{
    char name[RIB_FEED_NAME_LEN];

    if (!r || !feed)
        return;
    memset(name, 0, sizeof(name));
    memcpy(name, feed, strnlen(feed, RIB_FEED_NAME_LEN - 1));
    for (size_t i = 0; i < r->sources.nb; i++)
        for (struct hnode *e = r->sources.b[i]; e; e = e->next) {
            struct source *s = (struct source *)e;

            if (memcmp(s->id.feed, name, RIB_FEED_NAME_LEN) != 0)
                continue;
            for (struct link *l = s->paths.next; l != &s->paths; l = l->next) {
                struct path *p = CONTAINER(l, struct path, by_src);

                /* a path already stale keeps its first stale time, so that
                 * a flapping feed cannot keep unrefreshed paths forever */
                if (!p->stale) {
                    p->stale = true;
                    p->stale_since = now;
                    s->nstale++;
                    r->c.stale++;
                }
            }
        }
}

/* Removes the stale paths of s (older than now - timeout when aged). */
static uint32_t source_sweep(struct evpn_rib *r, struct source *s, bool aged, uint64_t now,
                             uint64_t timeout)
{
    uint32_t n = 0;
    struct link *l = s->paths.next;

    while (s->nstale > 0 && l != &s->paths) {
        struct path *p = CONTAINER(l, struct path, by_src);

        l = l->next;
        if (!p->stale)
            continue;
        if (aged && (now < p->stale_since || now - p->stale_since <= timeout))
            continue;
        path_remove(r, p);
        r->c.swept++;
        n++;
    }
    return n;
}

/* Removes the still-stale paths of one (feed, peer). */
uint32_t rib_end_of_rib(struct evpn_rib *r, const struct rib_source *src)
{
    struct source *s;
    uint32_t n;

    if (!r || !src)
        return 0;
    s = source_of(r, src);
    if (!s)
        return 0;
    n = source_sweep(r, s, false, 0, 0);
    source_gc(r, s);
    flush(r);
    return n;
}

/* Removes paths stale for strictly more than timeout seconds. */
uint32_t rib_sweep(struct evpn_rib *r, uint64_t now, uint64_t timeout)
{
    uint32_t n = 0;

    if (!r || r->c.stale == 0)
        return 0;
    for (size_t i = 0; i < r->sources.nb; i++)
        for (struct hnode *e = r->sources.b[i]; e; e = e->next)
            n += source_sweep(r, (struct source *)e, true, now, timeout);
    if (n) {
        /* free sources left empty (ht_remove never resizes) */
        for (size_t i = 0; i < r->sources.nb; i++) {
            struct hnode *e = r->sources.b[i];

            while (e) {
                struct hnode *next = e->next;

                source_gc(r, (struct source *)e);
                e = next;
            }
        }
        flush(r);
    }
    return n;
}

/* The live counters (all zero for a NULL RIB). */
void rib_reresolve(struct evpn_rib *r)
{
    /* type-3 paths first: they map RDs to VNIs for the type-2 ones. The
     * paths table itself is not changed by detach/attach. */
    for (int type = 3; type >= 2; type--)
        for (size_t b = 0; b < r->paths.nb; b++)
            for (struct hnode *e = r->paths.b[b]; e; e = e->next) {
                struct path *p = (struct path *)e;
                struct old_attrs old;

                if (p->key.type != type)
                    continue;
                old_attrs_of(p, &old);
                path_detach(r, p);
                path_attach(r, p, type == 2 ? &old : NULL);
            }
    flush(r);
}

uint32_t rib_flood_get(const struct evpn_rib *r, uint32_t vni, uint32_t *out, uint32_t cap)
{
    uint64_t h = vni_hash(vni);
    uint32_t n = 0;

    for (struct hnode *e = ht_chain(&r->floods, h); e; e = e->next) {
        const struct flood_entry *f = (const struct flood_entry *)e;
        if (e->hash != h || f->vni != vni)
            continue;
        for (uint32_t i = 0; i < f->n; i++)
            if (f->m[i].reported && n < cap)
                out[n++] = f->m[i].vtep;
        break;
    }
    return n;
}

void rib_replay(const struct evpn_rib *r,
                void (*fn)(void *ctx, uint32_t vni, const uint8_t mac[6], uint32_t vtep),
                void *ctx)
{
    for (size_t b = 0; b < r->macs.nb; b++)
        for (struct hnode *e = r->macs.b[b]; e; e = e->next) {
            const struct mac_entry *m = (const struct mac_entry *)e;
            if (m->reported)
                fn(ctx, m->vni, m->mac, m->reported);
        }
}

const struct rib_counters *rib_counters(const struct evpn_rib *r)
{
    static const struct rib_counters none;

    return r ? &r->c : &none;
}

/* ------------------------------------------------------------------------ */
/* JSON dump */

/* Writes an IPv4 address (network order) as a string, 0 as null. */
static void json_ip4(struct json *j, const char *key, uint32_t a)
{
    char buf[INET_ADDRSTRLEN];

    if (a == 0 || !inet_ntop(AF_INET, &a, buf, sizeof(buf)))
        json_null(j, key);
    else
        json_str(j, key, buf);
}

/* Writes ip_len bits of ip (0, 32 or 128) as a string, else null. */
static void json_ip(struct json *j, const char *key, const uint8_t *ip, uint8_t ip_len)
{
    char buf[INET6_ADDRSTRLEN];
    const char *s = NULL;

    if (ip_len == 32)
        s = inet_ntop(AF_INET, ip, buf, sizeof(buf));
    else if (ip_len == 128)
        s = inet_ntop(AF_INET6, ip, buf, sizeof(buf));
    if (s)
        json_str(j, key, s);
    else
        json_null(j, key);
}

/* Writes a BMP peer address: IPv4 when the first 12 bytes are zero. */
static void json_peer(struct json *j, const char *key, const uint8_t a[16])
{
    static const uint8_t zero[12];

    if (!memcmp(a, zero, 12))
        json_ip(j, key, a + 12, 32);
    else
        json_ip(j, key, a, 128);
}

/* Writes an RD as "admin:number" (types 0, 1, 2) or "type:hex". */
static void json_rd(struct json *j, const char *key, const uint8_t *rd)
{
    unsigned type = (unsigned)rd[0] << 8 | rd[1];

    switch (type) {
    case 0:
        json_strf(j, key, "%u:%u", (unsigned)rd[2] << 8 | rd[3],
                  (unsigned)rd[4] << 24 | (unsigned)rd[5] << 16 | (unsigned)rd[6] << 8 | rd[7]);
        break;
    case 1:
        json_strf(j, key, "%u.%u.%u.%u:%u", rd[2], rd[3], rd[4], rd[5],
                  (unsigned)rd[6] << 8 | rd[7]);
        break;
    case 2:
        json_strf(j, key, "%u:%u",
                  (unsigned)rd[2] << 24 | (unsigned)rd[3] << 16 | (unsigned)rd[4] << 8 | rd[5],
                  (unsigned)rd[6] << 8 | rd[7]);
        break;
    default:
        json_strf(j, key, "%u:%02x%02x%02x%02x%02x%02x", type, rd[2], rd[3], rd[4], rd[5],
                  rd[6], rd[7]);
        break;
    }
}

static void json_mac(struct json *j, const char *key, const uint8_t *m)
{
    json_strf(j, key, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
}

/* A feed name: at most RIB_FEED_NAME_LEN bytes, maybe without its NUL. */
static void json_feed(struct json *j, const char *key, const char *feed)
{
    char buf[RIB_FEED_NAME_LEN + 1];

    memcpy(buf, feed, RIB_FEED_NAME_LEN);
    buf[RIB_FEED_NAME_LEN] = '\0';
    json_str(j, key, buf);
}

/* A short word for what a path contributes. */
static const char *path_state_name(const struct path *p)
{
    if (p->key.type == 2) {
        switch (p->state) {
        case PS_MAC:
            return "active";
        case PS_PENDING:
            return "unresolved";
        case PS_IGNORED:
            return "vni-not-configured";
        default:
            return "inactive";
        }
    }
    if (p->flood)
        return "flood";
    if (!p->has_vni)
        return "no-vni";
    if (p->vtep == 0)
        return "no-ipv4-vtep";
    return "vni-not-configured";
}

/* Writes one path as an object. */
static void json_path(struct json *j, const struct path *p)
{
    json_obj(j, NULL);
    json_feed(j, "feed", p->src->id.feed);
    json_peer(j, "peer", p->src->id.peer_addr);
    json_u64(j, "peer_distinguisher", p->src->id.peer_distinguisher);
    json_u64(j, "type", p->key.type);
    json_rd(j, "rd", p->key.rd);
    json_u64(j, "eth_tag", p->key.eth_tag);
    if (p->key.type == 2) {
        json_mac(j, "mac", p->key.mac);
        json_ip(j, "ip", p->key.ip, p->key.ip_len);
        json_ip4(j, "nexthop", p->nexthop);
    } else {
        json_ip(j, "originator", p->key.ip, p->key.ip_len);
        json_ip4(j, "nexthop", p->nexthop);
        json_ip4(j, "pmsi_endpoint", p->pmsi_endpoint);
        json_ip4(j, "vtep", p->vtep);
        json_bool(j, "pmsi_ir", p->pmsi_ir);
    }
    json_u64(j, "label", p->label);
    if (p->has_vni)
        json_u64(j, "vni", p->vni);
    else
        json_null(j, "vni");
    json_str(j, "state", path_state_name(p));
    if (p->key.type == 2) {
        json_u64(j, "seq", p->mm_seq);
        json_bool(j, "sticky", p->sticky);
    }
    json_bool(j, "stale", p->stale);
    if (p->stale)
        json_u64(j, "stale_since", p->stale_since);
    json_close(j);
}

/* The whole RIB as one object (see the header). */
void rib_dump_json(const struct evpn_rib *r, struct json *j)
{
    char key[16];

    if (!r)
        return;
    json_obj(j, NULL);
    json_arr(j, "paths");
    for (size_t i = 0; i < r->sources.nb; i++)
        for (const struct hnode *e = r->sources.b[i]; e; e = e->next) {
            const struct source *s = (const struct source *)e;

            for (const struct link *l = s->paths.next; l != &s->paths; l = l->next)
                json_path(j, CONTAINER(l, struct path, by_src));
        }
    json_close(j);
    json_arr(j, "best");
    for (size_t i = 0; i < r->macs.nb; i++)
        for (const struct hnode *e = r->macs.b[i]; e; e = e->next) {
            const struct mac_entry *m = (const struct mac_entry *)e;
            const struct path *b = mac_best(m);

            if (!b)
                continue;
            json_obj(j, NULL);
            json_u64(j, "vni", m->vni);
            json_mac(j, "mac", m->mac);
            json_ip4(j, "vtep", b->vtep);
            json_u64(j, "paths", m->npaths);
            json_u64(j, "seq", b->mm_seq);
            json_bool(j, "sticky", b->sticky);
            json_feed(j, "feed", b->src->id.feed);
            json_peer(j, "peer", b->src->id.peer_addr);
            json_close(j);
        }
    json_close(j);
    json_obj(j, "flood");
    for (size_t i = 0; i < r->floods.nb; i++)
        for (const struct hnode *e = r->floods.b[i]; e; e = e->next) {
            const struct flood_entry *f = (const struct flood_entry *)e;

            snprintf(key, sizeof(key), "%u", f->vni);
            json_arr(j, key);
            for (uint32_t k = 0; k < f->n; k++)
                json_ip4(j, NULL, f->m[k].vtep);
            json_close(j);
        }
    json_close(j);
    rib_counters_json(r, j, "counters");
    json_close(j);
}

void rib_counters_json(const struct evpn_rib *r, struct json *j, const char *key)
{
    const struct rib_counters *c = &r->c;

    json_obj(j, key);
    json_u64(j, "paths", c->paths);
    json_u64(j, "type2_paths", c->type2_paths);
    json_u64(j, "type3_paths", c->type3_paths);
    json_u64(j, "unresolved", c->unresolved);
    json_u64(j, "stale", c->stale);
    json_u64(j, "adds", c->adds);
    json_u64(j, "replaces", c->replaces);
    json_u64(j, "withdraws", c->withdraws);
    json_u64(j, "withdraw_unknown", c->withdraw_unknown);
    json_u64(j, "ignored_own", c->ignored_own);
    json_u64(j, "ignored_vni", c->ignored_vni);
    json_u64(j, "ignored_no_nexthop", c->ignored_no_nexthop);
    json_u64(j, "swept", c->swept);
    json_u64(j, "mac_updates", c->mac_updates);
    json_u64(j, "flood_updates", c->flood_updates);
    json_close(j);
}
