/* ARP suppression table (see arp_suppress.h for the rules).
 *
 * Bindings live in a chained hash keyed by (VNI, IP) and on one list that
 * the ageing cursor walks. Frames are read only after their length has
 * been checked; the reply is written over the request. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "arp_suppress.h"
#include "wire.h"

#define DEF_MAX 65536u
#define DEF_TTL 300000u
#define DEF_HOLD 3000u

#define ETH_HLEN 14u
#define VLAN_HLEN 4u
#define ARP_LEN 28u
#define MIN_FRAME 60u

struct arps_entry {
    struct arps_entry *hnext;
    struct arps_entry *prev, *next;     /* all entries (ageing walk) */
    uint32_t vni;
    uint32_t ip;
    bool has_local;
    bool has_remote;
    uint8_t local_mac[6];
    uint8_t remote_mac[6];
    uint64_t local_seen;
    uint64_t remote_at;
    uint32_t remote_vtep;
    uint32_t remote_seq;
    uint64_t hold_until;                /* flood until then (a fresh conflict) */
};

struct arps_table {
    struct arps_params p;
    struct arps_callbacks cb;
    struct arps_entry **hash;
    uint32_t mask;
    uint32_t count;
    struct arps_entry *head;
    struct arps_entry *cursor;
    struct arps_counters c;
};

static uint32_t hkey(const struct arps_table *t, uint32_t vni, uint32_t ip)
{
    uint64_t k = ((uint64_t)vni << 32) | ip;

    k ^= k >> 33;
    k *= 0xff51afd7ed558ccdULL;
    k ^= k >> 33;
    return (uint32_t)k & t->mask;
}

struct arps_table *arps_create(const struct arps_params *params, const struct arps_callbacks *cb)
{
    struct arps_table *t = calloc(1, sizeof(*t));
    uint32_t n;

    if (t == NULL)
        return NULL;
    if (params != NULL)
        t->p = *params;
    if (t->p.max_bindings == 0)
        t->p.max_bindings = DEF_MAX;
    if (t->p.local_ttl_ms == 0)
        t->p.local_ttl_ms = DEF_TTL;
    if (t->p.conflict_hold_ms == 0)
        t->p.conflict_hold_ms = DEF_HOLD;
    if (cb != NULL)
        t->cb = *cb;
    for (n = 256; n < t->p.max_bindings / 2 && n < (1u << 22); n <<= 1)
        ;
    t->mask = n - 1;
    t->hash = calloc(n, sizeof(*t->hash));
    if (t->hash == NULL) {
        free(t);
        return NULL;
    }
    return t;
}

void arps_destroy(struct arps_table *t)
{
    struct arps_entry *e, *n;

    if (t == NULL)
        return;
    for (e = t->head; e != NULL; e = n) {
        n = e->next;
        free(e);
    }
    free(t->hash);
    free(t);
}

static struct arps_entry *find(const struct arps_table *t, uint32_t vni, uint32_t ip)
{
    struct arps_entry *e = t->hash[hkey(t, vni, ip)];

    while (e != NULL && (e->vni != vni || e->ip != ip))
        e = e->hnext;
    return e;
}

static struct arps_entry *get(struct arps_table *t, uint32_t vni, uint32_t ip, int *err)
{
    struct arps_entry *e = find(t, vni, ip);
    uint32_t h;

    if (e != NULL)
        return e;
    if (t->count >= t->p.max_bindings) {
        t->c.table_full++;
        *err = -ENOSPC;
        return NULL;
    }
    e = calloc(1, sizeof(*e));
    if (e == NULL) {
        *err = -ENOMEM;
        return NULL;
    }
    e->vni = vni;
    e->ip = ip;
    h = hkey(t, vni, ip);
    e->hnext = t->hash[h];
    t->hash[h] = e;
    e->next = t->head;
    if (t->head != NULL)
        t->head->prev = e;
    t->head = e;
    t->count++;
    return e;
}

static void drop(struct arps_table *t, struct arps_entry *e)
{
    struct arps_entry **pp = &t->hash[hkey(t, e->vni, e->ip)];

    while (*pp != NULL && *pp != e)
        pp = &(*pp)->hnext;
    if (*pp == e)
        *pp = e->hnext;
    if (e->prev != NULL)
        e->prev->next = e->next;
    else
        t->head = e->next;
    if (e->next != NULL)
        e->next->prev = e->prev;
    if (t->cursor == e)
        t->cursor = e->next;
    t->count--;
    free(e);
}

static bool mac_ok(const uint8_t *m)
{
    static const uint8_t zero[6];

    return m != NULL && !(m[0] & 1) && memcmp(m, zero, 6) != 0;
}

/* A host address: not 0.0.0.0/8, 127/8, multicast, class E or broadcast. */
static bool ip_ok(uint32_t ip_be)
{
    const uint8_t *b = (const uint8_t *)&ip_be;

    return b[0] != 0 && b[0] != 127 && b[0] < 224;
}

static void conflict(struct arps_table *t, struct arps_entry *e, uint64_t now)
{
    t->c.conflicts++;
    e->hold_until = now + t->p.conflict_hold_ms;
}

static bool local_fresh(const struct arps_table *t, const struct arps_entry *e, uint64_t now)
{
    return e->has_local && now - e->local_seen <= t->p.local_ttl_ms;
}

/* The entry a binding of ip to mac goes into (made if needed), or NULL
 * with *err: -EINVAL (zero/multicast MAC or IP), -ENOSPC, -ENOMEM. */
static struct arps_entry *binding_for(struct arps_table *t, uint32_t vni, uint32_t ip,
                                      const uint8_t mac[6], int *err)
{
    if (!mac_ok(mac) || !ip_ok(ip)) {
        *err = -EINVAL;
        return NULL;
    }
    return get(t, vni, ip, err);
}

int arps_remote_set(struct arps_table *t, uint32_t vni, uint32_t ip, const uint8_t mac[6],
                    uint32_t vtep, uint32_t seq, uint64_t now_ms)
{
    struct arps_entry *e;
    bool changed;
    int err = 0;

    e = binding_for(t, vni, ip, mac, &err);
    if (e == NULL)
        return err;
    changed = !e->has_remote || memcmp(e->remote_mac, mac, 6) != 0;
    e->has_remote = true;
    memcpy(e->remote_mac, mac, 6);
    e->remote_vtep = vtep;
    e->remote_seq = seq;
    e->remote_at = now_ms;
    if (changed && local_fresh(t, e, now_ms) && memcmp(e->local_mac, mac, 6) != 0)
        conflict(t, e, now_ms);
    return 0;
}

int arps_remote_del(struct arps_table *t, uint32_t vni, uint32_t ip, uint64_t now_ms)
{
    struct arps_entry *e = find(t, vni, ip);

    (void)now_ms;
    if (e == NULL || !e->has_remote)
        return -ENOENT;
    e->has_remote = false;
    if (!e->has_local)
        drop(t, e);
    return 0;
}

int arps_local_set(struct arps_table *t, uint32_t vni, uint32_t ip, const uint8_t mac[6],
                   uint64_t now_ms)
{
    struct arps_entry *e;
    bool is_new, moved;
    int err = 0;

    e = binding_for(t, vni, ip, mac, &err);
    if (e == NULL)
        return err;
    is_new = !e->has_local;
    moved = e->has_local && memcmp(e->local_mac, mac, 6) != 0;
    /* another local host claims the IP, or local and EVPN disagree (one
     * event counts once) */
    if ((moved && now_ms - e->local_seen <= t->p.local_ttl_ms)
        || ((is_new || moved) && e->has_remote && memcmp(e->remote_mac, mac, 6) != 0))
        conflict(t, e, now_ms);
    e->has_local = true;
    memcpy(e->local_mac, mac, 6);
    e->local_seen = now_ms;
    t->c.snooped++;
    if ((is_new || moved) && t->cb.local_changed != NULL)
        t->cb.local_changed(t->cb.arg, vni, ip, mac);
    return 0;
}

/* The MAC a request for e would be answered with, or NULL. */
static const uint8_t *winner(const struct arps_table *t, const struct arps_entry *e, uint64_t now,
                             bool *in_hold)
{
    bool lf = local_fresh(t, e, now);

    *in_hold = now < e->hold_until;
    if (*in_hold)
        return NULL;
    if (lf && e->has_remote && memcmp(e->local_mac, e->remote_mac, 6) != 0)
        return e->local_seen >= e->remote_at ? e->local_mac : e->remote_mac;
    if (lf)
        return e->local_mac;
    if (e->has_remote)
        return e->remote_mac;
    return NULL;
}

enum arps_verdict arps_handle(struct arps_table *t, uint32_t vni, uint8_t *f, uint32_t len,
                              uint64_t now_ms, uint32_t *reply_len)
{
    uint32_t off = ETH_HLEN, spa, tpa, out;
    uint16_t et, op;
    const uint8_t *ans;
    struct arps_entry *e;
    uint8_t *a, sha[6];
    bool hold;

    if (reply_len != NULL)
        *reply_len = 0;
    if (f == NULL || len < ETH_HLEN) {
        t->c.dropped++;
        return ARPS_DROP;
    }
    et = wire_get16(f + 12);
    if (et == 0x8100 || et == 0x88a8) {
        if (len < ETH_HLEN + VLAN_HLEN) {
            t->c.dropped++;
            return ARPS_DROP;
        }
        et = wire_get16(f + 16);
        off += VLAN_HLEN;
    }
    if (et != 0x0806) {
        t->c.not_arp++;
        t->c.flooded++;
        return ARPS_FLOOD;
    }
    if (len < off + ARP_LEN) {
        t->c.dropped++;
        return ARPS_DROP;
    }
    a = f + off;
    op = wire_get16(a + 6);
    /* Ethernet/IPv4 only, 6/4-byte addresses, request or reply */
    if (wire_get16(a) != 1 || wire_get16(a + 2) != 0x0800 || a[4] != 6 || a[5] != 4 || (op != 1 && op != 2)
        || !mac_ok(a + 8)) {
        t->c.dropped++;
        return ARPS_DROP;
    }
    memcpy(sha, a + 8, 6);
    memcpy(&spa, a + 14, 4);
    memcpy(&tpa, a + 24, 4);
    if (op == 1)
        t->c.requests++;
    if (op == 1 && spa == 0) {
        /* RFC 5227 probe: the owner must see it */
        if (!ip_ok(tpa)) {
            t->c.dropped++;
            return ARPS_DROP;
        }
        t->c.probes++;
        t->c.flooded++;
        return ARPS_FLOOD;
    }
    if (!ip_ok(spa) || (op == 1 && !ip_ok(tpa))) {
        t->c.dropped++;
        return ARPS_DROP;
    }
    (void)arps_local_set(t, vni, spa, sha, now_ms);     /* snoop the sender */
    if (spa == tpa) {
        t->c.gratuitous++;
        t->c.flooded++;
        return ARPS_FLOOD;
    }
    if (op == 2) {
        t->c.replies++;
        t->c.flooded++;
        return ARPS_FLOOD;
    }
    e = find(t, vni, tpa);
    ans = e != NULL ? winner(t, e, now_ms, &hold) : NULL;
    if (ans == NULL) {
        if (e != NULL && hold)
            t->c.flood_conflict++;
        else
            t->c.flood_unknown++;
        t->c.flooded++;
        return ARPS_FLOOD;
    }
    if (memcmp(ans, sha, 6) == 0) {
        /* the binding is the asker itself: only the asker can answer */
        t->c.flood_own_ip++;
        t->c.flooded++;
        return ARPS_FLOOD;
    }
    /* the reply, in place: to the frame's sender, from the binding */
    memcpy(f, f + 6, 6);
    memcpy(f + 6, ans, 6);
    a[6] = 0;
    a[7] = 2;
    memcpy(a + 8, ans, 6);
    memcpy(a + 14, &tpa, 4);
    memcpy(a + 18, sha, 6);
    memcpy(a + 24, &spa, 4);
    out = len < MIN_FRAME ? len : MIN_FRAME;
    if (out > off + ARP_LEN)
        memset(f + off + ARP_LEN, 0, out - off - ARP_LEN);
    if (reply_len != NULL)
        *reply_len = out;
    t->c.answered++;
    return ARPS_ANSWER;
}

unsigned int arps_expire(struct arps_table *t, uint64_t now_ms, unsigned int budget)
{
    unsigned int seen = 0, removed = 0;

    if (t->cursor == NULL)
        t->cursor = t->head;
    while (t->cursor != NULL && seen < budget) {
        struct arps_entry *e = t->cursor;

        t->cursor = e->next;
        seen++;
        if (!e->has_local || now_ms - e->local_seen <= t->p.local_ttl_ms)
            continue;
        e->has_local = false;
        t->c.aged++;
        removed++;
        if (t->cb.local_changed != NULL)
            t->cb.local_changed(t->cb.arg, e->vni, e->ip, NULL);
        if (!e->has_remote)
            drop(t, e);
    }
    return removed;
}

static void fill(const struct arps_table *t, const struct arps_entry *e, uint64_t now,
                 struct arps_binding *b)
{
    const uint8_t *w;
    bool hold;

    memset(b, 0, sizeof(*b));
    b->vni = e->vni;
    b->ip = e->ip;
    b->has_local = e->has_local;
    memcpy(b->local_mac, e->local_mac, 6);
    b->local_age_ms = e->has_local ? now - e->local_seen : 0;
    b->has_remote = e->has_remote;
    memcpy(b->remote_mac, e->remote_mac, 6);
    b->remote_vtep = e->remote_vtep;
    b->remote_seq = e->remote_seq;
    b->remote_age_ms = e->has_remote ? now - e->remote_at : 0;
    b->conflict = e->has_local && e->has_remote && memcmp(e->local_mac, e->remote_mac, 6) != 0;
    w = winner(t, e, now, &hold);
    b->in_hold = hold;
    b->usable = w != NULL;
    if (w != NULL)
        memcpy(b->answer_mac, w, 6);
}

int arps_lookup(const struct arps_table *t, uint32_t vni, uint32_t ip, uint64_t now_ms,
                struct arps_binding *out)
{
    const struct arps_entry *e = find(t, vni, ip);

    if (e == NULL)
        return -ENOENT;
    fill(t, e, now_ms, out);
    return 0;
}

unsigned int arps_walk(const struct arps_table *t, uint32_t vni, uint64_t now_ms,
                       void (*cb)(void *arg, const struct arps_binding *b), void *arg)
{
    const struct arps_entry *e;
    struct arps_binding b;
    unsigned int n = 0;

    for (e = t->head; e != NULL; e = e->next) {
        if (vni != 0 && e->vni != vni)
            continue;
        fill(t, e, now_ms, &b);
        cb(arg, &b);
        n++;
    }
    return n;
}

void arps_get_counters(const struct arps_table *t, struct arps_counters *out)
{
    *out = t->c;
}

uint32_t arps_count(const struct arps_table *t)
{
    return t->count;
}

bool arps_snoop(struct arps_table *t, uint32_t vni, const uint8_t *f, uint32_t len,
                uint64_t now_ms)
{
    uint32_t off = ETH_HLEN, spa;
    const uint8_t *a;
    uint16_t et, op;

    if (f == NULL || len < ETH_HLEN)
        return false;
    et = wire_get16(f + 12);
    if (et == 0x8100 || et == 0x88a8) {
        if (len < ETH_HLEN + VLAN_HLEN)
            return false;
        et = wire_get16(f + 16);
        off += VLAN_HLEN;
    }
    if (et != 0x0806 || len < off + ARP_LEN)
        return false;
    a = f + off;
    op = wire_get16(a + 6);
    if (wire_get16(a) != 1 || wire_get16(a + 2) != 0x0800 || a[4] != 6 || a[5] != 4 || (op != 1 && op != 2)
        || !mac_ok(a + 8))
        return false;
    memcpy(&spa, a + 14, 4);
    if (!ip_ok(spa))
        return false;
    return arps_local_set(t, vni, spa, a + 8, now_ms) == 0;
}

unsigned int arps_forget_vni(struct arps_table *t, uint32_t vni)
{
    struct arps_entry *e = t->head, *next;
    unsigned int n = 0;

    for (; e != NULL; e = next) {
        next = e->next;
        if (e->vni != vni)
            continue;
        if (e->has_local && t->cb.local_changed != NULL)
            t->cb.local_changed(t->cb.arg, e->vni, e->ip, NULL);
        drop(t, e);
        n++;
    }
    return n;
}
