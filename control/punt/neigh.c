/* Underlay neighbour resolution (see neigh.h for the states).
 *
 * A small array of next hops, each with its state, MAC and the time it
 * acts next; neigh_poll() runs what is due. Frames are read only after
 * their length has been checked. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "neigh.h"

#define ETH_HLEN 14u
#define ARP_LEN 28u
#define NEVER UINT64_MAX

struct nh {
    bool used;
    enum neigh_state state;
    uint16_t port;
    uint32_t ip;
    uint8_t port_mac[6];
    uint32_t port_ip;
    bool has_mac;
    uint8_t mac[6];
    uint64_t confirmed;                 /* NEVER: not yet */
    uint32_t probes;
    uint64_t next;
    uint64_t backoff;
    uint64_t requests_sent, confirmations;
};

struct neigh_table {
    struct neigh_params p;
    struct neigh_callbacks cb;
    struct nh *nh;
    struct neigh_counters c;
};

static const uint8_t bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

struct neigh_table *neigh_create(const struct neigh_params *params, const struct neigh_callbacks *cb)
{
    struct neigh_table *t = calloc(1, sizeof(*t));

    if (t == NULL)
        return NULL;
    if (params != NULL)
        t->p = *params;
    /* zero means the default */
#define DEFAULT(f, v) (t->p.f = t->p.f ? t->p.f : (v))
    DEFAULT(max_nexthops, 256);
    DEFAULT(reachable_ms, 30000);
    DEFAULT(retrans_ms, 1000);
    DEFAULT(ucast_probes, 3);
    DEFAULT(bcast_probes, 3);
    DEFAULT(backoff_min_ms, 1000);
    DEFAULT(backoff_max_ms, 60000);
#undef DEFAULT
    if (t->p.backoff_max_ms < t->p.backoff_min_ms)
        t->p.backoff_max_ms = t->p.backoff_min_ms;
    if (cb != NULL)
        t->cb = *cb;
    t->nh = calloc(t->p.max_nexthops, sizeof(*t->nh));
    if (t->nh == NULL) {
        free(t);
        return NULL;
    }
    return t;
}

void neigh_destroy(struct neigh_table *t)
{
    if (t == NULL)
        return;
    free(t->nh);
    free(t);
}

static struct nh *get(const struct neigh_table *t, int id)
{
    if (id < 0 || (uint32_t)id >= t->p.max_nexthops || !t->nh[id].used)
        return NULL;
    return &t->nh[id];
}

static bool mac_ok(const uint8_t *m)
{
    static const uint8_t zero[6];

    return m != NULL && !(m[0] & 1) && memcmp(m, zero, 6) != 0;
}

static void emit(struct neigh_table *t, int id, enum neigh_event ev, const uint8_t *mac)
{
    if (ev == NEIGH_EV_RESOLVED)
        t->c.resolved++;
    else if (ev == NEIGH_EV_CHANGED)
        t->c.changed++;
    else
        t->c.lost++;
    if (t->cb.changed != NULL)
        t->cb.changed(t->cb.arg, id, ev, mac);
}

/* When a REACHABLE next hop starts refreshing: early enough that the
 * unicast probes all go out before reachable_ms runs out. */
static uint64_t refresh_at(const struct neigh_table *t, const struct nh *n)
{
    uint64_t window = (uint64_t)t->p.ucast_probes * t->p.retrans_ms;

    if (window >= t->p.reachable_ms)
        return n->confirmed + t->p.reachable_ms / 2;
    return n->confirmed + t->p.reachable_ms - window;
}

int neigh_add(struct neigh_table *t, uint16_t port, uint32_t ip, const uint8_t port_mac[6],
              uint32_t port_ip, const uint8_t *static_mac, uint64_t now_ms)
{
    uint32_t i;
    int id = -1;
    struct nh *n;

    if (ip == 0 || !mac_ok(port_mac) || (static_mac != NULL && !mac_ok(static_mac)))
        return -EINVAL;
    if (neigh_find(t, port, ip) >= 0)
        return -EEXIST;
    for (i = 0; i < t->p.max_nexthops; i++) {
        if (!t->nh[i].used) {
            id = (int)i;
            break;
        }
    }
    if (id < 0)
        return -ENOSPC;
    n = &t->nh[id];
    memset(n, 0, sizeof(*n));
    n->used = true;
    n->port = port;
    n->ip = ip;
    memcpy(n->port_mac, port_mac, 6);
    n->port_ip = port_ip;
    n->confirmed = NEVER;
    if (static_mac != NULL) {
        n->state = NEIGH_STATIC;
        n->has_mac = true;
        memcpy(n->mac, static_mac, 6);
        n->next = NEVER;
        emit(t, id, NEIGH_EV_RESOLVED, n->mac);
    } else {
        n->state = NEIGH_INCOMPLETE;
        n->next = now_ms;
    }
    return id;
}

int neigh_set_static(struct neigh_table *t, int id, const uint8_t *mac, uint64_t now_ms)
{
    struct nh *n = get(t, id);

    if (n == NULL)
        return -ENOENT;
    if (mac != NULL) {
        bool had = n->has_mac;

        if (!mac_ok(mac))
            return -EINVAL;
        if (had && memcmp(n->mac, mac, 6) == 0 && n->state == NEIGH_STATIC)
            return 0;
        n->state = NEIGH_STATIC;
        n->next = NEVER;
        n->probes = 0;
        if (!had || memcmp(n->mac, mac, 6) != 0) {
            n->has_mac = true;
            memcpy(n->mac, mac, 6);
            emit(t, id, had ? NEIGH_EV_CHANGED : NEIGH_EV_RESOLVED, n->mac);
        }
        return 0;
    }
    if (n->state != NEIGH_STATIC)
        return 0;
    /* dynamic again: keep the MAC, confirm it by unicast now */
    n->state = NEIGH_PROBE;
    n->probes = 0;
    n->confirmed = NEVER;
    n->next = now_ms;
    return 0;
}

int neigh_remove(struct neigh_table *t, int id)
{
    struct nh *n = get(t, id);

    if (n == NULL)
        return -ENOENT;
    n->used = false;
    return 0;
}

int neigh_find(const struct neigh_table *t, uint16_t port, uint32_t ip)
{
    uint32_t i;

    for (i = 0; i < t->p.max_nexthops; i++)
        if (t->nh[i].used && t->nh[i].port == port && t->nh[i].ip == ip)
            return (int)i;
    return -ENOENT;
}

static uint16_t be16(const uint8_t *p)
{
    return (uint16_t)((p[0] << 8) | p[1]);
}

/* The next hop shows it has mac; confirmed: it answered us (or asked for
 * our address, or announced itself). */
static void learn(struct neigh_table *t, int id, struct nh *n, const uint8_t *mac, bool confirmed,
                  uint64_t now)
{
    bool had = n->has_mac, differs = had && memcmp(n->mac, mac, 6) != 0;

    if (n->state == NEIGH_STATIC) {
        if (memcmp(n->mac, mac, 6) != 0)
            t->c.static_mismatch++;
        return;
    }
    if (!had || differs) {
        n->has_mac = true;
        memcpy(n->mac, mac, 6);
        emit(t, id, had ? NEIGH_EV_CHANGED : NEIGH_EV_RESOLVED, n->mac);
    }
    if (confirmed) {
        t->c.confirmations++;
        n->confirmations++;
        n->state = NEIGH_REACHABLE;
        n->confirmed = now;
        n->probes = 0;
        n->next = refresh_at(t, n);
    } else if (!had) {
        /* usable now; confirm it by unicast right away */
        n->state = NEIGH_PROBE;
        n->confirmed = NEVER;
        n->probes = 0;
        n->next = now;
    }
}

int neigh_input(struct neigh_table *t, uint16_t port, const uint8_t *f, uint32_t len,
                uint64_t now_ms)
{
    const uint8_t *a;
    uint32_t spa, tpa, i;
    uint16_t op;
    int used = 0;

    t->c.arp_in++;
    if (f == NULL || len < ETH_HLEN + ARP_LEN || be16(f + 12) != 0x0806) {
        t->c.invalid++;
        return -EINVAL;
    }
    a = f + ETH_HLEN;
    op = be16(a + 6);
    if (be16(a) != 1 || be16(a + 2) != 0x0800 || a[4] != 6 || a[5] != 4 || (op != 1 && op != 2)
        || !mac_ok(a + 8)) {
        t->c.invalid++;
        return -EINVAL;
    }
    memcpy(&spa, a + 14, 4);
    memcpy(&tpa, a + 24, 4);
    if (spa == 0)
        return 0;               /* a probe: says nothing about its sender */
    for (i = 0; i < t->p.max_nexthops; i++) {
        struct nh *n = &t->nh[i];
        bool confirmed;

        if (!n->used || n->port != port || n->ip != spa)
            continue;
        /* a reply or a request to our address, or a gratuitous ARP */
        confirmed = tpa == n->port_ip || tpa == spa;
        learn(t, (int)i, n, a + 8, confirmed, now_ms);
        used = 1;
    }
    if (used)
        t->c.matched++;
    return used;
}

static void build_request(const struct nh *n, bool unicast, struct neigh_frame *fr, int id)
{
    uint8_t *d = fr->data, *a = d + ETH_HLEN;

    memset(d, 0, NEIGH_FRAME_LEN);
    memcpy(d, unicast ? n->mac : bcast, 6);
    memcpy(d + 6, n->port_mac, 6);
    d[12] = 0x08;
    d[13] = 0x06;
    a[1] = 1;                   /* Ethernet */
    a[2] = 0x08;                /* IPv4 */
    a[4] = 6;
    a[5] = 4;
    a[7] = 1;                   /* request */
    memcpy(a + 8, n->port_mac, 6);
    memcpy(a + 14, &n->port_ip, 4);
    /* target hardware address left zero, also when unicast */
    memcpy(a + 24, &n->ip, 4);
    fr->port = n->port;
    fr->len = NEIGH_FRAME_LEN;
    fr->id = id;
}

/* Broadcast probing (INCOMPLETE, STALE): true, and the next probe due, while
 * probes are left; else false, and n is FAILED with the shortest backoff. */
static bool bcast_probe_or_fail(const struct neigh_params *p, struct nh *n, uint64_t now)
{
    if (n->probes < p->bcast_probes) {
        n->next = now + p->retrans_ms;
        return true;
    }
    n->state = NEIGH_FAILED;
    n->probes = 0;
    n->backoff = p->backoff_min_ms;
    n->next = now + n->backoff;
    return false;
}

/* One step of a due next hop; *frame set when it sends one (out has room). */
static bool step(struct neigh_table *t, int id, struct nh *n, uint64_t now, struct neigh_frame *fr)
{
    const struct neigh_params *p = &t->p;
    bool send = false, unicast = false;

    switch (n->state) {
    case NEIGH_INCOMPLETE:
        send = bcast_probe_or_fail(p, n, now);
        break;
    case NEIGH_REACHABLE:
        n->state = NEIGH_PROBE;
        n->probes = 0;
        /* fall through */
    case NEIGH_PROBE:
        if (n->probes < p->ucast_probes) {
            send = unicast = true;
            n->next = now + p->retrans_ms;
        } else {
            n->state = NEIGH_STALE;
            n->probes = 0;
            send = true;
            n->next = now + p->retrans_ms;
        }
        break;
    case NEIGH_STALE:
        send = bcast_probe_or_fail(p, n, now);
        if (!send) {
            n->has_mac = false;
            emit(t, id, NEIGH_EV_LOST, NULL);
        }
        break;
    case NEIGH_FAILED:
        send = true;
        n->backoff = n->backoff * 2 > p->backoff_max_ms ? p->backoff_max_ms : n->backoff * 2;
        n->next = now + n->backoff;
        break;
    case NEIGH_STATIC:
    default:
        n->next = NEVER;
        break;
    }
    if (send) {
        build_request(n, unicast, fr, id);
        n->probes++;
        n->requests_sent++;
        if (unicast)
            t->c.ucast_sent++;
        else
            t->c.bcast_sent++;
    }
    return send;
}

unsigned int neigh_poll(struct neigh_table *t, uint64_t now_ms, struct neigh_frame *out,
                        unsigned int max)
{
    unsigned int sent = 0, guard;
    uint32_t i;

    for (i = 0; i < t->p.max_nexthops; i++) {
        struct nh *n = &t->nh[i];

        /* a step that sends nothing may make the next one due at once */
        for (guard = 0; n->used && n->next <= now_ms && guard < 4; guard++) {
            struct neigh_frame scratch;

            if (sent >= max)
                break;          /* no room: stays due for the next call */
            if (step(t, (int)i, n, now_ms, out != NULL ? &out[sent] : &scratch))
                sent++;
        }
    }
    return sent;
}

uint64_t neigh_next_deadline(const struct neigh_table *t)
{
    uint64_t d = NEVER;
    uint32_t i;

    for (i = 0; i < t->p.max_nexthops; i++)
        if (t->nh[i].used && t->nh[i].next < d)
            d = t->nh[i].next;
    return d;
}

bool neigh_is_live(const struct neigh_table *t, int id)
{
    const struct nh *n = get(t, id);

    return n != NULL && n->has_mac;
}

int neigh_get(const struct neigh_table *t, int id, uint64_t now_ms, struct neigh_info *out)
{
    const struct nh *n = get(t, id);

    if (n == NULL)
        return -ENOENT;
    memset(out, 0, sizeof(*out));
    out->state = n->state;
    out->port = n->port;
    out->ip = n->ip;
    out->has_mac = n->has_mac;
    memcpy(out->mac, n->mac, 6);
    out->confirmed_age_ms = n->confirmed == NEVER ? NEVER : now_ms - n->confirmed;
    out->probes = n->probes;
    out->next_ms = n->next;
    out->requests_sent = n->requests_sent;
    out->confirmations = n->confirmations;
    return 0;
}

const char *neigh_state_name(enum neigh_state s)
{
    switch (s) {
    case NEIGH_INCOMPLETE: return "incomplete";
    case NEIGH_REACHABLE: return "reachable";
    case NEIGH_PROBE: return "probe";
    case NEIGH_STALE: return "stale";
    case NEIGH_FAILED: return "failed";
    case NEIGH_STATIC: return "static";
    }
    return "?";
}

void neigh_get_counters(const struct neigh_table *t, struct neigh_counters *out)
{
    *out = t->c;
}
