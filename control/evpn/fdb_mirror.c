/* Kernel mirror of vtepd's local MACs for zebra (see fdb_mirror.h
 * for the contract and docs/FDB_MIRROR.md for the zebra facts behind it).
 *
 * Model: desired state (VNIs, entries with `want`) plus what is known of
 * the kernel (`kstate`). An entry that needs a request sits on its VNI's
 * pending list, at most once, so changes coalesce. fdb_mirror_run() reads
 * replies, then walks the VNIs round-robin and sends, within the budget
 * and the in-flight window:
 *   - a VNI being ensured: its next round of link requests (each round
 *     depends on the ifindexes the previous one learned):
 *       1 GETLINK br, vx, pt
 *       2 bridge: create if absent (delete first if not a bridge); GETLINK br
 *       3 vxlan / veth: create if absent, delete and create if wrong;
 *         GETLINK vx, pt
 *       4 IPv6 address generation off on all three (before they come up:
 *         no link-local, no DAD/RS/MLD into the VNI), enslave, up
 *   - a VNI being reconciled: fdb dump of the stand-in port, neighbour
 *     dump of the bridge, then a sweep over its entries (bounded per call)
 *     that marks what must be added or deleted;
 *   - a ready VNI: its pending entries.
 * While a dump runs nothing else is sent (the dump's replies have the
 * socket to themselves, and our own changes cannot shift the kernel's dump
 * cursor). Replies come back in request order; each request has a slot in
 * a ring indexed by its sequence number. A lost reply (ENOBUFS) makes every
 * request in flight count as lost: their entries are pending again, rounds
 * and dumps restart (every request is idempotent).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>

#include <libmnl/libmnl.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>

#include "fdb_mirror.h"
#include "fdb_mirror_io.h"
#include "fdb_mirror_nl.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

#define DEFAULT_PREFIX "vtd"
#define DEFAULT_PORT 4789
#define DEFAULT_MAX_ENTRIES 262144u
#define DEFAULT_INFLIGHT 64u
#define MAX_INFLIGHT 1024u
#define MIN_INFLIGHT 8u          /* the largest ensure round */
#define TXBUF_SIZE 32768u
#define RXBUF_SIZE 65536u
#define MSG_ROOM 512u           /* the largest request we build, with margin */
#define VNI_BUCKETS 256u
#define LOG_UNEXPECTED_MAX 10

enum { DEV_BR, DEV_VX, DEV_PT, DEV_PP, N_NAMES };
static const char *const dev_tag[N_NAMES] = { "br", "vx", "pt", "pp" };

enum ekind { E_MAC, E_IP };
enum kst { K_UNKNOWN, K_PRESENT, K_ABSENT };

struct fm_vni;

struct fm_entry {
    struct fm_entry *hnext;             /* hash chain */
    struct fm_entry *vprev, *vnext;     /* all entries of the VNI */
    struct fm_entry *pprev, *pnext;     /* the VNI's pending list */
    struct fm_vni *v;
    uint32_t ip;                        /* E_IP key, network order */
    uint8_t mac[6];                     /* E_MAC key; E_IP: desired MAC */
    uint8_t kmac[6];                    /* E_IP: the MAC the kernel has */
    uint8_t kind;
    bool want;
    bool pending;
    bool inflight;
    uint8_t kstate;
    uint32_t seen_gen;                  /* reconciliation that saw it in the kernel */
    int err;                            /* last failure, 0 = none */
};

enum vst { V_ENSURING, V_READY, V_FAILED, V_REMOVE_WAIT, V_REMOVING, V_FREEING, V_DEAD };
enum rec { REC_NONE, REC_FDB, REC_NEIGH_TODO, REC_NEIGH, REC_SWEEP };

struct fm_vni {
    struct fm_vni *hnext;               /* VNI hash chain */
    struct fm_vni *next;                /* all VNIs (round-robin) */
    uint32_t vni;
    char name[N_NAMES][IF_NAMESIZE];
    int ifindex[3];                     /* br, vx, pt */
    enum vst st;
    int round;                          /* ensure round done last (0..4) */
    unsigned int round_wait;            /* replies the current round waits for */
    int round_err;
    bool round_broken;                  /* a request of the round was lost: redo from 0 */
    unsigned int auto_ensures;          /* re-ensures after ENODEV since the last success */
    bool have[3];
    struct fm_link found[3];
    bool rec_want;
    enum rec rec;
    bool dump_intr;
    uint32_t gen;
    struct fm_entry *cursor;            /* sweep position */
    struct fm_entry *ehead;
    struct fm_entry *phead, *ptail;
    uint32_t n_mac, n_ip, n_pending;
    uint32_t inflight;
    uint32_t reconciles;
    int err;
};

enum rtype { R_FDB, R_NEIGH, R_GETLINK, R_LINKOP, R_DUMP_FDB, R_DUMP_NEIGH, R_DEL };

struct fm_req {
    uint32_t seq;
    bool used;
    uint8_t type;
    uint8_t dev;                        /* DEV_* the request is about */
    bool add;
    int ok_err;                         /* an error that counts as success */
    uint8_t mac[6];                     /* R_FDB/R_NEIGH add: MAC sent */
    const char *what;                   /* for the log */
    struct fm_vni *v;
    struct fm_entry *e;
};

struct fdb_mirror {
    struct fdb_mirror_config cfg;
    struct mnl_socket *nl;
    struct fm_io io;
    uint32_t seq;
    struct fm_req *ring;
    uint32_t ring_mask;
    uint32_t max_inflight;
    uint32_t inflight;
    struct fm_vni *dump_vni;            /* the VNI whose dump runs, or NULL */
    struct fm_vni *vni_hash[VNI_BUCKETS];
    struct fm_vni *vnis;
    struct fm_vni *rr;                  /* where the next send phase starts */
    struct fm_entry **ehash;
    uint32_t ehash_mask;
    uint32_t entries;
    struct fdb_mirror_stats st;
    unsigned int logged_unexpected;
    uint8_t *tx;
    size_t tx_len;
    uint32_t tx_first_seq;              /* first request of the unsent batch */
    uint32_t tx_count;
    uint8_t *rx;
    size_t rx_len, rx_off;
};

static void fm_log(struct fdb_mirror *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void fm_log(struct fdb_mirror *m, const char *fmt, ...)
{
    char line[320];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    if (m->cfg.log != NULL)
        m->cfg.log(m->cfg.log_arg, line);
    else
        fprintf(stderr, "fdb_mirror: %s\n", line);
}

static void fmt_mac(char out[18], const uint8_t mac[6])
{
    snprintf(out, 18, "%02x:%02x:%02x:%02x:%02x:%02x",
             mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
}

static void fmt_ip(char out[16], uint32_t ip)
{
    const uint8_t *b = (const uint8_t *)&ip;

    snprintf(out, 16, "%u.%u.%u.%u", b[0], b[1], b[2], b[3]);
}

/* ---- real I/O ---- */

static int nl_send(void *ctx, const void *buf, size_t len)
{
    struct mnl_socket *nl = ctx;

    if (mnl_socket_sendto(nl, buf, len) < 0)
        return -errno;
    return 0;
}

static ssize_t nl_recv(void *ctx, void *buf, size_t len)
{
    struct mnl_socket *nl = ctx;
    ssize_t n = mnl_socket_recvfrom(nl, buf, len);

    if (n < 0)
        return errno == EWOULDBLOCK ? -EAGAIN : -errno;
    return n;
}

/* ---- tables ---- */

static uint64_t mix64(uint64_t k)
{
    k ^= k >> 33;
    k *= 0xff51afd7ed558ccdULL;
    k ^= k >> 33;
    k *= 0xc4ceb9fe1a85ec53ULL;
    k ^= k >> 33;
    return k;
}

static uint32_t ekey_hash(const struct fdb_mirror *m, uint32_t vni, uint8_t kind, uint32_t ip,
                          const uint8_t *mac)
{
    uint64_t k;

    if (kind == E_MAC)
        k = ((uint64_t)mac[0] << 40) | ((uint64_t)mac[1] << 32) | ((uint64_t)mac[2] << 24)
            | ((uint64_t)mac[3] << 16) | ((uint64_t)mac[4] << 8) | mac[5];
    else
        k = (1ULL << 63) | ip;
    return (uint32_t)mix64(k ^ ((uint64_t)vni << 40) ^ vni) & m->ehash_mask;
}

static struct fm_entry *elookup(const struct fdb_mirror *m, const struct fm_vni *v, uint8_t kind,
                                uint32_t ip, const uint8_t *mac)
{
    struct fm_entry *e = m->ehash[ekey_hash(m, v->vni, kind, ip, mac)];

    for (; e != NULL; e = e->hnext) {
        if (e->v != v || e->kind != kind)
            continue;
        if (kind == E_MAC ? memcmp(e->mac, mac, 6) == 0 : e->ip == ip)
            return e;
    }
    return NULL;
}

static struct fm_entry *ecreate(struct fdb_mirror *m, struct fm_vni *v, uint8_t kind, uint32_t ip,
                                const uint8_t *mac)
{
    struct fm_entry *e = calloc(1, sizeof(*e));
    uint32_t h;

    if (e == NULL)
        return NULL;
    e->v = v;
    e->kind = kind;
    e->ip = ip;
    if (mac != NULL)
        memcpy(e->mac, mac, 6);
    e->kstate = K_UNKNOWN;
    h = ekey_hash(m, v->vni, kind, ip, mac);
    e->hnext = m->ehash[h];
    m->ehash[h] = e;
    e->vnext = v->ehead;
    if (v->ehead != NULL)
        v->ehead->vprev = e;
    v->ehead = e;
    m->entries++;
    return e;
}

static void pend(struct fm_entry *e)
{
    struct fm_vni *v = e->v;

    if (e->pending)
        return;
    e->pending = true;
    e->pnext = NULL;
    e->pprev = v->ptail;
    if (v->ptail != NULL)
        v->ptail->pnext = e;
    else
        v->phead = e;
    v->ptail = e;
    v->n_pending++;
}

static void unpend(struct fm_entry *e)
{
    struct fm_vni *v = e->v;

    if (!e->pending)
        return;
    if (e->pprev != NULL)
        e->pprev->pnext = e->pnext;
    else
        v->phead = e->pnext;
    if (e->pnext != NULL)
        e->pnext->pprev = e->pprev;
    else
        v->ptail = e->pprev;
    e->pprev = e->pnext = NULL;
    e->pending = false;
    v->n_pending--;
}

static void efree(struct fdb_mirror *m, struct fm_entry *e)
{
    struct fm_vni *v = e->v;
    struct fm_entry **pp = &m->ehash[ekey_hash(m, v->vni, e->kind, e->ip, e->mac)];

    unpend(e);
    while (*pp != NULL && *pp != e)
        pp = &(*pp)->hnext;
    if (*pp == e)
        *pp = e->hnext;
    if (e->vprev != NULL)
        e->vprev->vnext = e->vnext;
    else
        v->ehead = e->vnext;
    if (e->vnext != NULL)
        e->vnext->vprev = e->vprev;
    if (v->cursor == e)
        v->cursor = e->vnext;
    m->entries--;
    free(e);
}

/* Does the entry need a request? */
static bool needs_req(const struct fm_entry *e)
{
    if (e->want)
        return e->kstate != K_PRESENT || (e->kind == E_IP && memcmp(e->kmac, e->mac, 6) != 0);
    return e->kstate != K_ABSENT;
}

/* Free an entry nobody wants any more once the kernel is known clean. */
static void maybe_free(struct fdb_mirror *m, struct fm_entry *e)
{
    if (!e->want && !e->inflight && !e->pending && e->kstate == K_ABSENT)
        efree(m, e);
}

static struct fm_vni *vlookup(const struct fdb_mirror *m, uint32_t vni)
{
    struct fm_vni *v = m->vni_hash[vni % VNI_BUCKETS];

    while (v != NULL && v->vni != vni)
        v = v->hnext;
    return v;
}

static void vfree(struct fdb_mirror *m, struct fm_vni *v)
{
    struct fm_vni **pp = &m->vni_hash[v->vni % VNI_BUCKETS];

    while (*pp != NULL && *pp != v)
        pp = &(*pp)->hnext;
    if (*pp == v)
        *pp = v->hnext;
    for (pp = &m->vnis; *pp != NULL && *pp != v; pp = &(*pp)->next)
        ;
    if (*pp == v)
        *pp = v->next;
    if (m->rr == v)
        m->rr = v->next;
    if (m->dump_vni == v)
        m->dump_vni = NULL;
    free(v);
}

/* ---- open / close ---- */

static int prefix_ok(const char *p)
{
    size_t i, n = strnlen(p, FDB_MIRROR_PREFIX_MAX + 1);

    if (n == 0 || n > FDB_MIRROR_PREFIX_MAX)
        return 0;
    for (i = 0; i < n; i++) {
        char c = p[i];

        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
              || c == '_' || c == '-'))
            return 0;
    }
    return 1;
}

int fdb_mirror_open_io(struct fdb_mirror **mp, const struct fdb_mirror_config *cfg,
                       const struct fm_io *io)
{
    struct fdb_mirror *m;
    uint32_t n, buckets;

    *mp = NULL;
    if (cfg == NULL || io == NULL || io->send == NULL || io->recv == NULL || cfg->local_ip == 0)
        return -EINVAL;
    m = calloc(1, sizeof(*m));
    if (m == NULL)
        return -ENOMEM;
    m->cfg = *cfg;
    if (m->cfg.prefix[0] == '\0')
        snprintf(m->cfg.prefix, sizeof(m->cfg.prefix), "%s", DEFAULT_PREFIX);
    if (!prefix_ok(m->cfg.prefix)) {
        free(m);
        return -EINVAL;
    }
    if (m->cfg.dstport == 0)
        m->cfg.dstport = DEFAULT_PORT;
    if (m->cfg.max_entries == 0)
        m->cfg.max_entries = DEFAULT_MAX_ENTRIES;
    m->max_inflight = m->cfg.max_inflight ? m->cfg.max_inflight : DEFAULT_INFLIGHT;
    if (m->max_inflight > MAX_INFLIGHT)
        m->max_inflight = MAX_INFLIGHT;
    if (m->max_inflight < MIN_INFLIGHT)
        m->max_inflight = MIN_INFLIGHT;     /* an ensure round goes out whole */
    for (n = 1; n < m->max_inflight; n <<= 1)
        ;
    m->ring_mask = n - 1;
    for (buckets = 1024; buckets < m->cfg.max_entries / 2 && buckets < (1u << 22); buckets <<= 1)
        ;
    m->ehash_mask = buckets - 1;
    m->ring = calloc(n, sizeof(*m->ring));
    m->ehash = calloc(buckets, sizeof(*m->ehash));
    m->tx = malloc(TXBUF_SIZE);
    m->rx = malloc(RXBUF_SIZE);
    if (m->ring == NULL || m->ehash == NULL || m->tx == NULL || m->rx == NULL) {
        free(m->ring);
        free(m->ehash);
        free(m->tx);
        free(m->rx);
        free(m);
        return -ENOMEM;
    }
    m->io = *io;
    /* distinct from any earlier instance's numbers */
    m->seq = (uint32_t)time(NULL) * 1000u + 1u;     /* odd: never 0 */
    *mp = m;
    return 0;
}

int fdb_mirror_open(struct fdb_mirror **mp, const struct fdb_mirror_config *cfg)
{
    struct mnl_socket *nl;
    struct fm_io io;
    int one = 1, rcvbuf = 4 << 20, r;

    *mp = NULL;
    if (cfg == NULL)
        return -EINVAL;
    nl = mnl_socket_open2(NETLINK_ROUTE, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (nl == NULL)
        return -errno;
    if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
        r = -errno;
        mnl_socket_close(nl);
        return r;
    }
    /* Best effort: the kernel's error text, short ACKs, filtered dumps
     * (4.20+; the dumps are filtered here again), room for replies. */
    (void)mnl_socket_setsockopt(nl, NETLINK_EXT_ACK, &one, sizeof(one));
    (void)mnl_socket_setsockopt(nl, NETLINK_CAP_ACK, &one, sizeof(one));
    (void)mnl_socket_setsockopt(nl, NETLINK_GET_STRICT_CHK, &one, sizeof(one));
    if (setsockopt(mnl_socket_get_fd(nl), SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf)) < 0)
        (void)setsockopt(mnl_socket_get_fd(nl), SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
    io.send = nl_send;
    io.recv = nl_recv;
    io.ctx = nl;
    r = fdb_mirror_open_io(mp, cfg, &io);
    if (r < 0) {
        mnl_socket_close(nl);
        return r;
    }
    (*mp)->nl = nl;
    return 0;
}

void fdb_mirror_close(struct fdb_mirror *m)
{
    struct fm_vni *v, *vn;
    struct fm_entry *e, *en;

    if (m == NULL)
        return;
    for (v = m->vnis; v != NULL; v = vn) {
        vn = v->next;
        for (e = v->ehead; e != NULL; e = en) {
            en = e->vnext;
            free(e);
        }
        free(v);
    }
    if (m->nl != NULL)
        mnl_socket_close(m->nl);
    free(m->ring);
    free(m->ehash);
    free(m->tx);
    free(m->rx);
    free(m);
}

int fdb_mirror_fd(const struct fdb_mirror *m)
{
    return m->nl != NULL ? mnl_socket_get_fd(m->nl) : -1;
}

/* ---- desired state ---- */

static void vni_start_ensure(struct fm_vni *v)
{
    v->st = V_ENSURING;
    v->round = 0;
    v->round_wait = 0;
    v->round_err = 0;
    v->round_broken = false;
    v->err = 0;
    memset(v->have, 0, sizeof(v->have));
}

int fdb_mirror_vni_ensure(struct fdb_mirror *m, uint32_t vni)
{
    struct fm_vni *v;
    int i;

    if (vni == 0 || vni > 0xffffff)
        return -EINVAL;
    v = vlookup(m, vni);
    if (v != NULL) {
        if (v->st >= V_REMOVE_WAIT)
            return -EBUSY;
        /* re-check the devices (someone may have removed them); not in the
         * middle of a reconciliation, whose dumps name the ifindexes */
        if (v->st == V_FAILED || (v->st == V_READY && v->rec == REC_NONE && !v->rec_want))
            vni_start_ensure(v);
        v->auto_ensures = 0;
        return 0;
    }
    v = calloc(1, sizeof(*v));
    if (v == NULL)
        return -ENOMEM;
    v->vni = vni;
    for (i = 0; i < N_NAMES; i++)
        snprintf(v->name[i], IF_NAMESIZE, "%s%s%u", m->cfg.prefix, dev_tag[i], vni);
    vni_start_ensure(v);
    v->hnext = m->vni_hash[vni % VNI_BUCKETS];
    m->vni_hash[vni % VNI_BUCKETS] = v;
    v->next = m->vnis;
    m->vnis = v;
    return 0;
}

int fdb_mirror_vni_remove(struct fdb_mirror *m, uint32_t vni)
{
    struct fm_vni *v = vlookup(m, vni);
    struct fm_entry *e;

    if (v == NULL)
        return -ENOENT;
    if (v->st >= V_REMOVE_WAIT)
        return 0;
    for (e = v->ehead; e != NULL; e = e->vnext)
        e->want = false;
    while (v->phead != NULL)
        unpend(v->phead);
    v->rec_want = false;
    v->st = V_REMOVE_WAIT;
    return 0;
}

static bool vni_usable(const struct fm_vni *v)
{
    return v != NULL && (v->st == V_ENSURING || v->st == V_READY || v->st == V_FAILED);
}

static int mac_ok(const uint8_t *mac)
{
    static const uint8_t zero[6];

    return mac != NULL && !(mac[0] & 1) && memcmp(mac, zero, 6) != 0;
}

static int set_entry(struct fdb_mirror *m, uint32_t vni, uint8_t kind, uint32_t ip,
                     const uint8_t *mac, bool want)
{
    struct fm_vni *v = vlookup(m, vni);
    struct fm_entry *e;

    if (!vni_usable(v))
        return -ENOENT;
    e = elookup(m, v, kind, ip, kind == E_MAC ? mac : NULL);
    if (e == NULL) {
        /* unknown (e.g. just after a restart): a delete is still sent, the
         * kernel may hold it; ENOENT is then success */
        if (m->entries >= m->cfg.max_entries)
            return -ENOSPC;
        e = ecreate(m, v, kind, ip, kind == E_MAC ? mac : NULL);
        if (e == NULL)
            return -ENOMEM;
    }
    if (want && !e->want) {
        if (kind == E_MAC)
            v->n_mac++;
        else
            v->n_ip++;
    } else if (!want && e->want) {
        if (kind == E_MAC)
            v->n_mac--;
        else
            v->n_ip--;
    }
    e->want = want;
    if (kind == E_IP && want)
        memcpy(e->mac, mac, 6);
    e->err = 0;
    /* an entry in flight is looked at again when its answer comes */
    if (!e->inflight) {
        if (needs_req(e))
            pend(e);
        else
            unpend(e);
    }
    maybe_free(m, e);
    return 0;
}

int fdb_mirror_mac_add(struct fdb_mirror *m, uint32_t vni, const uint8_t mac[6])
{
    if (!mac_ok(mac))
        return -EINVAL;
    return set_entry(m, vni, E_MAC, 0, mac, true);
}

int fdb_mirror_mac_del(struct fdb_mirror *m, uint32_t vni, const uint8_t mac[6])
{
    if (!mac_ok(mac))
        return -EINVAL;
    return set_entry(m, vni, E_MAC, 0, mac, false);
}

int fdb_mirror_ip_add(struct fdb_mirror *m, uint32_t vni, uint32_t ip, const uint8_t mac[6])
{
    if (!mac_ok(mac) || ip == 0 || ip == 0xffffffffu)
        return -EINVAL;
    return set_entry(m, vni, E_IP, ip, mac, true);
}

int fdb_mirror_ip_del(struct fdb_mirror *m, uint32_t vni, uint32_t ip)
{
    if (ip == 0 || ip == 0xffffffffu)
        return -EINVAL;
    return set_entry(m, vni, E_IP, ip, NULL, false);
}

int fdb_mirror_reconcile(struct fdb_mirror *m, uint32_t vni)
{
    struct fm_vni *v = vlookup(m, vni);

    if (!vni_usable(v))
        return -ENOENT;
    v->rec_want = true;
    return 0;
}

/* ---- sending ---- */

static int tx_flush(struct fdb_mirror *m);

/* A ring slot for the next request, or NULL when the window is full. */
static struct fm_req *req_slot(struct fdb_mirror *m)
{
    struct fm_req *r;

    if (m->inflight >= m->max_inflight)
        return NULL;
    if (TXBUF_SIZE - m->tx_len < MSG_ROOM && tx_flush(m) < 0)
        return NULL;
    r = &m->ring[m->seq & m->ring_mask];
    if (r->used)
        return NULL;
    memset(r, 0, sizeof(*r));
    r->seq = m->seq;
    return r;
}

/* The request built at m->tx + m->tx_len (len bytes, or a builder error)
 * becomes in flight. */
static int req_commit(struct fdb_mirror *m, struct fm_req *r, int len)
{
    if (len < 0) {
        fm_log(m, "building %s for VNI %u failed: %s", r->what ? r->what : "request",
               r->v ? r->v->vni : 0, strerror(-len));
        return len;
    }
    r->used = true;
    if (m->tx_count == 0)
        m->tx_first_seq = r->seq;
    m->tx_count++;
    m->tx_len += (size_t)len;
    m->seq++;
    if (m->seq == 0)
        m->seq = 1;
    m->inflight++;
    if (r->v != NULL)
        r->v->inflight++;
    m->st.requests++;
    return 0;
}

static void *txp(struct fdb_mirror *m)
{
    return m->tx + m->tx_len;
}

static size_t txroom(const struct fdb_mirror *m)
{
    return TXBUF_SIZE - m->tx_len;
}

static void lose_req(struct fdb_mirror *m, struct fm_req *r);

/* Send the batch. On failure every request in it is lost (and re-done). */
static int tx_flush(struct fdb_mirror *m)
{
    uint32_t i, n = m->tx_count, first = m->tx_first_seq;
    int r;

    if (m->tx_len == 0)
        return 0;
    r = m->io.send(m->io.ctx, m->tx, m->tx_len);
    m->tx_len = 0;
    m->tx_count = 0;
    if (r == 0)
        return 0;
    fm_log(m, "netlink send of %u request(s) failed: %s", n, strerror(-r));
    m->st.last_err = r;
    for (i = 0; i < n; i++) {
        struct fm_req *q = &m->ring[(first + i) & m->ring_mask];

        if (q->used && q->seq == first + i)
            lose_req(m, q);
    }
    return r;
}

enum lop { L_GET, L_DEL, L_NEW_BR, L_NEW_VX, L_NEW_VETH, L_ADDRGEN, L_UP };

static int send_link(struct fdb_mirror *m, struct fm_vni *v, enum lop op, uint8_t dev)
{
    struct fm_req *r = req_slot(m);
    int len;

    if (r == NULL)
        return -EAGAIN;
    r->v = v;
    r->dev = dev;
    r->type = op == L_GET ? R_GETLINK : R_LINKOP;
    switch (op) {
    case L_GET:
        r->what = "getlink";
        r->ok_err = -ENODEV;
        len = fm_build_getlink(txp(m), txroom(m), r->seq, v->name[dev]);
        break;
    case L_DEL:
        r->what = "dellink";
        r->ok_err = -ENODEV;
        if (v->st == V_REMOVING)
            r->type = R_DEL;
        len = fm_build_dellink(txp(m), txroom(m), r->seq, v->name[dev]);
        break;
    case L_NEW_BR:
        r->what = "create bridge";
        len = fm_build_new_bridge(txp(m), txroom(m), r->seq, v->name[DEV_BR]);
        break;
    case L_NEW_VX:
        r->what = "create vxlan";
        len = fm_build_new_vxlan(txp(m), txroom(m), r->seq, v->name[DEV_VX], v->vni,
                                 m->cfg.local_ip, m->cfg.dstport, v->ifindex[DEV_BR]);
        break;
    case L_NEW_VETH:
        r->what = "create veth";
        len = fm_build_new_veth(txp(m), txroom(m), r->seq, v->name[DEV_PT], v->name[DEV_PP],
                                v->ifindex[DEV_BR]);
        break;
    case L_ADDRGEN:
        r->what = "addrgenmode none";
        r->ok_err = -EAFNOSUPPORT;      /* no IPv6 in this kernel: nothing to turn off */
        len = fm_build_addrgen_none(txp(m), txroom(m), r->seq, v->ifindex[dev]);
        break;
    case L_UP:
    default:
        r->what = "enslave/up";
        len = fm_build_setlink(txp(m), txroom(m), r->seq, v->ifindex[dev],
                               dev == DEV_BR ? 0 : v->ifindex[DEV_BR], true);
        break;
    }
    if (req_commit(m, r, len) < 0)
        return len;
    v->round_wait++;
    return 0;
}

static bool vxlan_ok(const struct fdb_mirror *m, const struct fm_vni *v)
{
    const struct fm_link *l = &v->found[DEV_VX];

    return strcmp(l->kind, "vxlan") == 0 && l->has_vxlan && l->vxlan_id == v->vni
           && l->vxlan_local == m->cfg.local_ip && l->vxlan_port == m->cfg.dstport
           && l->vxlan_learning == 0;
}

static void vni_fail(struct fdb_mirror *m, struct fm_vni *v, int err, const char *why)
{
    v->st = V_FAILED;
    v->err = err ? err : -EIO;
    fm_log(m, "VNI %u: %s (%s)", v->vni, why, strerror(-v->err));
}

/* The next ensure round of v (all its replies are in). Returns the
 * requests sent, or -EAGAIN when the window is full (the round is then
 * retried from its start: every request in it is idempotent, and
 * round_wait counts what was sent). */
static int ensure_step(struct fdb_mirror *m, struct fm_vni *v)
{
    int r = 0;

    if (v->round_broken)
        vni_start_ensure(v);
    if (v->round_err) {
        v->st = V_FAILED;
        v->err = v->round_err;
        return 0;
    }
    /* A round is sent whole or not at all: make sure the window has room. */
    if (m->inflight + MIN_INFLIGHT > m->max_inflight)
        return -EAGAIN;
    switch (v->round) {
    case 0:
        memset(v->have, 0, sizeof(v->have));
        r |= send_link(m, v, L_GET, DEV_BR);
        r |= send_link(m, v, L_GET, DEV_VX);
        r |= send_link(m, v, L_GET, DEV_PT);
        break;
    case 1:
        if (v->have[DEV_BR] && strcmp(v->found[DEV_BR].kind, "bridge") != 0) {
            fm_log(m, "VNI %u: %s is a '%s', not a bridge: replacing it", v->vni,
                   v->name[DEV_BR], v->found[DEV_BR].kind);
            r |= send_link(m, v, L_DEL, DEV_BR);
            v->have[DEV_BR] = false;
        }
        if (!v->have[DEV_BR])
            r |= send_link(m, v, L_NEW_BR, DEV_BR);
        v->have[DEV_BR] = false;
        r |= send_link(m, v, L_GET, DEV_BR);
        break;
    case 2:
        if (!v->have[DEV_BR] || strcmp(v->found[DEV_BR].kind, "bridge") != 0) {
            vni_fail(m, v, -ENODEV, "bridge missing after creation");
            return 0;
        }
        v->ifindex[DEV_BR] = v->found[DEV_BR].ifindex;
        if (v->have[DEV_VX] && !vxlan_ok(m, v)) {
            fm_log(m, "VNI %u: %s exists with other parameters: replacing it", v->vni,
                   v->name[DEV_VX]);
            r |= send_link(m, v, L_DEL, DEV_VX);
            v->have[DEV_VX] = false;
        }
        if (!v->have[DEV_VX])
            r |= send_link(m, v, L_NEW_VX, DEV_VX);
        if (v->have[DEV_PT] && strcmp(v->found[DEV_PT].kind, "veth") != 0) {
            fm_log(m, "VNI %u: %s is a '%s', not a veth: replacing it", v->vni,
                   v->name[DEV_PT], v->found[DEV_PT].kind);
            r |= send_link(m, v, L_DEL, DEV_PT);
            v->have[DEV_PT] = false;
        }
        if (!v->have[DEV_PT]) {
            /* a stray peer name would make the pair's creation fail */
            r |= send_link(m, v, L_DEL, DEV_PP);
            r |= send_link(m, v, L_NEW_VETH, DEV_PT);
        }
        v->have[DEV_VX] = v->have[DEV_PT] = false;
        r |= send_link(m, v, L_GET, DEV_VX);
        r |= send_link(m, v, L_GET, DEV_PT);
        break;
    case 3:
        if (!v->have[DEV_VX] || !vxlan_ok(m, v)) {
            vni_fail(m, v, -ENODEV, "vxlan device missing or wrong after creation");
            return 0;
        }
        if (!v->have[DEV_PT] || strcmp(v->found[DEV_PT].kind, "veth") != 0) {
            vni_fail(m, v, -ENODEV, "stand-in port missing after creation");
            return 0;
        }
        v->ifindex[DEV_VX] = v->found[DEV_VX].ifindex;
        v->ifindex[DEV_PT] = v->found[DEV_PT].ifindex;
        r |= send_link(m, v, L_ADDRGEN, DEV_BR);
        r |= send_link(m, v, L_ADDRGEN, DEV_VX);
        r |= send_link(m, v, L_ADDRGEN, DEV_PT);
        r |= send_link(m, v, L_UP, DEV_VX);
        r |= send_link(m, v, L_UP, DEV_PT);
        r |= send_link(m, v, L_UP, DEV_BR);
        break;
    default:
        v->st = V_READY;
        v->err = 0;
        return 0;
    }
    if (r != 0) {
        if (v->round_wait == 0)
            return -EAGAIN;     /* nothing went out: the same round next time */
        v->round_broken = true; /* part of it went out: start over once answered */
    }
    v->round++;
    return (int)v->round_wait;
}

static int send_entry(struct fdb_mirror *m, struct fm_entry *e)
{
    struct fm_vni *v = e->v;
    struct fm_req *r = req_slot(m);
    int len;

    if (r == NULL)
        return -EAGAIN;
    r->v = v;
    r->e = e;
    r->add = e->want;
    memcpy(r->mac, e->mac, 6);
    if (e->kind == E_MAC) {
        r->type = R_FDB;
        r->what = e->want ? "fdb add" : "fdb del";
        len = fm_build_fdb(txp(m), txroom(m), r->seq, e->want, v->ifindex[DEV_PT], e->mac);
    } else {
        r->type = R_NEIGH;
        r->what = e->want ? "neigh add" : "neigh del";
        len = fm_build_neigh(txp(m), txroom(m), r->seq, e->want, v->ifindex[DEV_BR], e->ip,
                             e->want ? e->mac : NULL);
    }
    if (!e->want)
        r->ok_err = -ENOENT;
    if (req_commit(m, r, len) < 0)
        return len;
    e->inflight = true;
    if (e->kind == E_MAC)
        e->want ? m->st.fdb_adds++ : m->st.fdb_dels++;
    else
        e->want ? m->st.neigh_adds++ : m->st.neigh_dels++;
    return 0;
}

static int send_dump(struct fdb_mirror *m, struct fm_vni *v, bool fdb)
{
    struct fm_req *r = req_slot(m);
    int len;

    if (r == NULL)
        return -EAGAIN;
    r->v = v;
    r->type = fdb ? R_DUMP_FDB : R_DUMP_NEIGH;
    r->what = fdb ? "fdb dump" : "neighbour dump";
    if (fdb)
        len = fm_build_fdb_dump(txp(m), txroom(m), r->seq, v->ifindex[DEV_PT]);
    else
        len = fm_build_neigh_dump(txp(m), txroom(m), r->seq, v->ifindex[DEV_BR]);
    if (req_commit(m, r, len) < 0)
        return len;
    v->rec = fdb ? REC_FDB : REC_NEIGH;
    v->dump_intr = false;
    m->dump_vni = v;
    return 0;
}

/* Visit up to budget entries of v after its dumps. Returns the work done. */
static unsigned int sweep(struct fdb_mirror *m, struct fm_vni *v, unsigned int budget)
{
    unsigned int done = 0;

    while (v->cursor != NULL && done < budget) {
        struct fm_entry *e = v->cursor;

        v->cursor = e->vnext;
        done++;
        if (e->seen_gen != v->gen) {
            e->kstate = K_ABSENT;
            if (e->want) {
                m->st.missing_added++;
                pend(e);
            } else {
                unpend(e);
                maybe_free(m, e);
            }
        } else if (e->want) {
            if (e->kind == E_IP && memcmp(e->kmac, e->mac, 6) != 0) {
                m->st.missing_added++;
                pend(e);
            } else {
                m->st.already_present++;
                unpend(e);
            }
        } else {
            m->st.stale_removed++;
            pend(e);
        }
    }
    if (v->cursor == NULL) {
        v->rec = REC_NONE;
        v->reconciles++;
    }
    return done;
}

static void start_remove(struct fdb_mirror *m, struct fm_vni *v)
{
    v->st = V_REMOVING;
    v->round_wait = 0;
    v->round_broken = false;
    if (send_link(m, v, L_DEL, DEV_VX) < 0 || send_link(m, v, L_DEL, DEV_PT) < 0
        || send_link(m, v, L_DEL, DEV_BR) < 0) {
        /* what went out is sent again once answered (idempotent) */
        if (v->round_wait == 0)
            v->st = V_REMOVE_WAIT;
        else
            v->round_broken = true;
    }
}

/* All answers of the removal round are in. */
static void remove_round_done(struct fm_vni *v)
{
    v->st = v->round_broken ? V_REMOVE_WAIT : V_FREEING;
    v->round_broken = false;
}

/* Free up to budget entries of a removed VNI, then the VNI. */
static unsigned int free_some(struct fdb_mirror *m, struct fm_vni *v, unsigned int budget)
{
    unsigned int done = 0;

    while (v->ehead != NULL && done < budget) {
        efree(m, v->ehead);
        done++;
    }
    if (v->ehead == NULL)
        v->st = V_DEAD;         /* freed at the end of fdb_mirror_run() */
    return done;
}

/* Send work of one VNI within budget; returns the units done. */
static unsigned int vni_work(struct fdb_mirror *m, struct fm_vni *v, unsigned int budget)
{
    unsigned int done = 0;
    int r;

    switch (v->st) {
    case V_ENSURING:
        if (v->round_wait != 0)
            return 0;
        r = ensure_step(m, v);
        if (r > 0)
            done += (unsigned int)r;
        if (v->st != V_READY || done >= budget)
            return done;
        budget -= done;
        break;
    case V_REMOVE_WAIT:
        if (v->inflight == 0 && m->inflight + 4 <= m->max_inflight) {
            start_remove(m, v);
            done += 3;
        }
        return done;
    case V_FREEING:
        return free_some(m, v, budget);
    case V_READY:
        break;
    default:
        return 0;
    }
    if (v->rec == REC_SWEEP)
        return done + sweep(m, v, budget);
    if (v->rec == REC_NEIGH_TODO)
        return done + (send_dump(m, v, false) == 0 ? 1 : 0);
    if (v->rec == REC_NONE && v->rec_want) {
        if (v->inflight != 0)
            return done;        /* this VNI's answers first */
        if (send_dump(m, v, true) < 0)
            return done;
        v->rec_want = false;
        v->gen++;
        return done + 1;
    }
    if (v->rec != REC_NONE)
        return done;
    while (v->phead != NULL && done < budget) {
        struct fm_entry *e = v->phead;

        if (!needs_req(e)) {
            unpend(e);
            maybe_free(m, e);
            continue;
        }
        if (send_entry(m, e) < 0)
            break;
        unpend(e);
        done++;
    }
    return done;
}

static unsigned int send_phase(struct fdb_mirror *m, unsigned int budget)
{
    unsigned int done = 0, visited = 0, nv = 0;
    struct fm_vni *v;

    if (m->dump_vni != NULL || m->vnis == NULL)
        return 0;
    for (v = m->vnis; v != NULL; v = v->next)
        nv++;
    v = m->rr != NULL ? m->rr : m->vnis;
    while (visited < nv && done < budget && m->dump_vni == NULL
           && m->inflight < m->max_inflight) {
        done += vni_work(m, v, budget - done);
        visited++;
        v = v->next != NULL ? v->next : m->vnis;
        m->rr = v;
    }
    return done;
}

/* Free the VNIs whose removal is complete. */
static void reap(struct fdb_mirror *m)
{
    struct fm_vni *v, *next;

    for (v = m->vnis; v != NULL; v = next) {
        next = v->next;
        if (v->st == V_DEAD)
            vfree(m, v);
    }
}

/* ---- receiving ---- */

static void entry_failed(struct fdb_mirror *m, struct fm_req *r, int err, const char *emsg)
{
    struct fm_entry *e = r->e;
    struct fm_vni *v = r->v;
    char what[40];

    if (e->kind == E_MAC)
        fmt_mac(what, e->mac);
    else
        fmt_ip(what, e->ip);
    m->st.errors++;
    m->st.last_err = err;
    if (e->err != err)
        fm_log(m, "VNI %u: %s %s failed: %s%s%s", v->vni, r->what, what, strerror(-err),
               emsg ? ": " : "", emsg ? emsg : "");
    e->err = err;
    e->kstate = K_UNKNOWN;
    if (err == -ENODEV || err == -ENXIO) {
        /* our port or bridge went away: make the devices again, then
         * retry (a few times in a row at most) */
        if (v->st == V_READY && v->auto_ensures < 3) {
            v->auto_ensures++;
            vni_start_ensure(v);
        }
        if (v->st == V_ENSURING) {
            e->err = 0;
            pend(e);
        }
    }
}

static void entry_done(struct fdb_mirror *m, struct fm_req *r, int err, const char *emsg)
{
    struct fm_entry *e = r->e;
    bool changed = r->add != e->want || (r->add && memcmp(r->mac, e->mac, 6) != 0);

    e->inflight = false;
    if (err == 0 || err == r->ok_err) {
        if (err != 0)
            m->st.enoent_ok++;
        else
            m->st.acks++;
        e->err = 0;
        e->v->auto_ensures = 0;
        if (r->add) {
            e->kstate = K_PRESENT;
            memcpy(e->kmac, r->mac, 6);
        } else {
            e->kstate = K_ABSENT;
        }
    } else {
        entry_failed(m, r, err, emsg);
    }
    /* a failed request is not repeated unless the wish changed meanwhile
     * (no retry storm); the next add/del or reconciliation retries it */
    if ((e->err == 0 || changed) && needs_req(e))
        pend(e);
    maybe_free(m, e);
}

static void link_done(struct fdb_mirror *m, struct fm_req *r, int err, const char *emsg)
{
    struct fm_vni *v = r->v;

    if (v->round_wait > 0)
        v->round_wait--;
    if (err == 0 || err == r->ok_err) {
        if (err == 0)
            m->st.acks++;
        if (r->type == R_DEL && v->round_wait == 0)
            remove_round_done(v);
        return;
    }
    m->st.errors++;
    m->st.last_err = err;
    if (r->type == R_DEL) {
        fm_log(m, "VNI %u: deleting %s failed: %s%s%s", v->vni, v->name[r->dev], strerror(-err),
               emsg ? ": " : "", emsg ? emsg : "");
        if (v->round_wait == 0)
            remove_round_done(v);   /* forgotten anyway: a later ensure repairs */
        return;
    }
    fm_log(m, "VNI %u: %s %s failed: %s%s%s", v->vni, r->what, v->name[r->dev], strerror(-err),
           emsg ? ": " : "", emsg ? emsg : "");
    if (v->round_err == 0)
        v->round_err = err;
}

static void dump_done(struct fdb_mirror *m, struct fm_req *r, int err, const char *emsg)
{
    struct fm_vni *v = r->v;

    m->dump_vni = NULL;
    if (err != 0) {
        m->st.errors++;
        m->st.last_err = err;
        fm_log(m, "VNI %u: %s failed: %s%s%s", v->vni, r->what, strerror(-err),
               emsg ? ": " : "", emsg ? emsg : "");
        v->rec = REC_NONE;
        if (err == -EBUSY || err == -EINTR)
            v->rec_want = true;     /* try again */
        return;
    }
    if (v->dump_intr) {
        /* the kernel's table changed under the dump: do it again */
        v->rec = REC_NONE;
        v->rec_want = true;
        return;
    }
    if (r->type == R_DUMP_FDB) {
        v->rec = REC_NEIGH_TODO;    /* sent by the next send phase */
        return;
    }
    v->rec = REC_SWEEP;
    v->cursor = v->ehead;
}

static void dump_entry(struct fdb_mirror *m, struct fm_req *r, const struct nlmsghdr *nlh)
{
    struct fm_vni *v = r->v;
    struct fm_neigh n;
    struct fm_entry *e;
    bool fdb = r->type == R_DUMP_FDB;

    if (nlh->nlmsg_flags & NLM_F_DUMP_INTR)
        v->dump_intr = true;
    if (fm_parse_neigh(nlh, &n) < 0) {
        m->st.unexpected++;
        return;
    }
    if (fdb) {
        /* ours: the bridge's entries on our port, not the port's own
         * (permanent) address nor its NTF_SELF lists */
        if (n.family != AF_BRIDGE || n.ifindex != v->ifindex[DEV_PT]
            || n.master != v->ifindex[DEV_BR] || (n.state & NUD_PERMANENT)
            || (n.flags & NTF_SELF) || !n.has_lladdr || n.vlan > 0 || !mac_ok(n.lladdr))
            return;
    } else {
        /* ours: permanent IPv4 neighbours on the bridge; zebra's remote
         * ones carry NTF_EXT_LEARNED */
        if (n.family != AF_INET || n.ifindex != v->ifindex[DEV_BR]
            || !(n.state & NUD_PERMANENT) || (n.flags & NTF_EXT_LEARNED)
            || !n.has_dst || !n.has_lladdr)
            return;
    }
    m->st.dump_entries++;
    e = elookup(m, v, fdb ? E_MAC : E_IP, n.dst, fdb ? n.lladdr : NULL);
    if (e == NULL) {
        /* in the kernel only (stale): tracked so that the sweep deletes it */
        if (m->entries >= 2 * m->cfg.max_entries)
            return;
        e = ecreate(m, v, fdb ? E_MAC : E_IP, n.dst, fdb ? n.lladdr : NULL);
        if (e == NULL)
            return;
    }
    e->seen_gen = v->gen;
    e->kstate = K_PRESENT;
    if (!fdb)
        memcpy(e->kmac, n.lladdr, 6);
}

static void req_release(struct fdb_mirror *m, struct fm_req *r)
{
    r->used = false;
    if (m->inflight > 0)
        m->inflight--;
    if (r->v != NULL && r->v->inflight > 0)
        r->v->inflight--;
}

/* A request whose answer will never come. */
static void lose_req(struct fdb_mirror *m, struct fm_req *r)
{
    struct fm_vni *v = r->v;

    req_release(m, r);
    switch (r->type) {
    case R_FDB:
    case R_NEIGH:
        r->e->inflight = false;
        r->e->kstate = K_UNKNOWN;
        if (needs_req(r->e))
            pend(r->e);
        break;
    case R_GETLINK:
    case R_LINKOP:
        if (v->round_wait > 0)
            v->round_wait--;
        v->round_broken = true;
        break;
    case R_DUMP_FDB:
    case R_DUMP_NEIGH:
        if (m->dump_vni == v)
            m->dump_vni = NULL;
        v->rec = REC_NONE;
        v->rec_want = true;
        break;
    case R_DEL:
    default:
        if (v->round_wait > 0)
            v->round_wait--;
        v->round_broken = true;
        if (v->round_wait == 0)
            remove_round_done(v);
        break;
    }
}

static void lose_all(struct fdb_mirror *m)
{
    uint32_t i;

    m->st.resyncs++;
    for (i = 0; i <= m->ring_mask; i++)
        if (m->ring[i].used)
            lose_req(m, &m->ring[i]);
    m->rx_len = m->rx_off = 0;
}

static void on_msg(struct fdb_mirror *m, const struct nlmsghdr *nlh)
{
    struct fm_req *r = &m->ring[nlh->nlmsg_seq & m->ring_mask];
    const char *emsg = NULL;
    int err = 0;

    if (!r->used || r->seq != nlh->nlmsg_seq) {
        m->st.unexpected++;
        if (m->logged_unexpected++ < LOG_UNEXPECTED_MAX)
            fm_log(m, "reply type %u seq %u matches no request", nlh->nlmsg_type, nlh->nlmsg_seq);
        return;
    }
    switch (nlh->nlmsg_type) {
    case NLMSG_ERROR:
        if (fm_parse_error(nlh, &err, &emsg) < 0) {
            m->st.unexpected++;
            err = -EIO;
        }
        break;
    case NLMSG_DONE:
        /* a dump that failed part way carries its error here */
        if (nlh->nlmsg_len >= MNL_NLMSG_HDRLEN + sizeof(int)) {
            int v;

            memcpy(&v, mnl_nlmsg_get_payload(nlh), sizeof(v));
            if (v < 0 && v >= -4095)
                err = v;
        }
        break;
    case RTM_NEWLINK:
        if (r->type == R_GETLINK) {
            if (fm_parse_link(nlh, &r->v->found[r->dev]) == 0)
                r->v->have[r->dev] = true;
            else
                m->st.unexpected++;
        } else {
            m->st.unexpected++;
        }
        return;
    case RTM_NEWNEIGH:
        if (r->type == R_DUMP_FDB || r->type == R_DUMP_NEIGH)
            dump_entry(m, r, nlh);
        else
            m->st.unexpected++;
        return;
    default:
        m->st.unexpected++;
        return;
    }
    /* the request is complete */
    req_release(m, r);
    switch (r->type) {
    case R_FDB:
    case R_NEIGH:
        entry_done(m, r, err, emsg);
        break;
    case R_DUMP_FDB:
    case R_DUMP_NEIGH:
        dump_done(m, r, err, emsg);
        break;
    default:
        link_done(m, r, err, emsg);
        break;
    }
}

/* Read and handle up to budget messages. Returns the units done or a
 * negative errno when the socket failed. */
static int rx_phase(struct fdb_mirror *m, unsigned int budget)
{
    unsigned int done = 0;

    while (done < budget) {
        size_t len;

        if (m->rx_off >= m->rx_len) {
            ssize_t n;

            if (m->inflight == 0)
                break;
            n = m->io.recv(m->io.ctx, m->rx, RXBUF_SIZE);
            if (n == -EAGAIN || n == -EINTR)
                break;
            if (n == -ENOBUFS || n == -ENOSPC) {
                /* replies were dropped (or one did not fit): start over */
                fm_log(m, "netlink replies lost (%s): re-sending what was in flight",
                       strerror((int)-n));
                lose_all(m);
                done++;
                continue;
            }
            if (n < 0) {
                fm_log(m, "netlink receive failed: %s", strerror((int)-n));
                m->st.last_err = (int)n;
                return (int)n;
            }
            m->rx_len = (size_t)n;
            m->rx_off = 0;
        }
        len = fm_next_msg(m->rx, m->rx_off, m->rx_len);
        if (len == 0) {
            m->st.unexpected++;
            m->rx_off = m->rx_len = 0;     /* the rest of the datagram is garbage */
            continue;
        }
        on_msg(m, (const struct nlmsghdr *)(m->rx + m->rx_off));
        m->rx_off += len;
        done++;
    }
    return (int)done;
}

int fdb_mirror_run(struct fdb_mirror *m, unsigned int budget)
{
    int rx;
    unsigned int done;

    if (budget == 0)
        return 0;
    rx = rx_phase(m, budget);
    if (rx < 0)
        return rx;
    done = (unsigned int)rx;
    if (done < budget)
        done += send_phase(m, budget - done);
    (void)tx_flush(m);     /* a failure is logged, its requests re-done */
    reap(m);
    return (int)done;
}

bool fdb_mirror_busy(const struct fdb_mirror *m)
{
    const struct fm_vni *v;

    if (m->inflight != 0 || m->rx_off < m->rx_len)
        return true;
    for (v = m->vnis; v != NULL; v = v->next) {
        if (v->st == V_ENSURING || v->st >= V_REMOVE_WAIT)
            return true;
        if (v->st == V_READY && (v->n_pending != 0 || v->rec != REC_NONE || v->rec_want))
            return true;
    }
    return false;
}

void fdb_mirror_vni_status(const struct fdb_mirror *m, uint32_t vni,
                           struct fdb_mirror_vni_info *info)
{
    const struct fm_vni *v = vlookup(m, vni);

    memset(info, 0, sizeof(*info));
    if (v == NULL) {
        info->state = FDB_MIRROR_VNI_ABSENT;
        return;
    }
    switch (v->st) {
    case V_ENSURING:
        info->state = FDB_MIRROR_VNI_ENSURING;
        break;
    case V_READY:
        info->state = (v->rec != REC_NONE || v->rec_want) ? FDB_MIRROR_VNI_RECONCILING
                                                          : FDB_MIRROR_VNI_READY;
        break;
    case V_FAILED:
        info->state = FDB_MIRROR_VNI_FAILED;
        break;
    default:
        info->state = FDB_MIRROR_VNI_REMOVING;
        break;
    }
    info->err = v->err;
    info->br_ifindex = v->ifindex[DEV_BR];
    info->vx_ifindex = v->ifindex[DEV_VX];
    info->pt_ifindex = v->ifindex[DEV_PT];
    snprintf(info->br, sizeof(info->br), "%s", v->name[DEV_BR]);
    snprintf(info->vx, sizeof(info->vx), "%s", v->name[DEV_VX]);
    snprintf(info->pt, sizeof(info->pt), "%s", v->name[DEV_PT]);
    snprintf(info->pp, sizeof(info->pp), "%s", v->name[DEV_PP]);
    info->macs = v->n_mac;
    info->ips = v->n_ip;
    info->pending = v->n_pending;
    info->reconciles = v->reconciles;
}

void fdb_mirror_get_stats(const struct fdb_mirror *m, struct fdb_mirror_stats *st)
{
    *st = m->st;
    st->entries = m->entries;
    st->inflight = m->inflight;
}

int fdb_mirror_mac_state(const struct fdb_mirror *m, uint32_t vni, const uint8_t mac[6])
{
    const struct fm_vni *v = vlookup(m, vni);
    const struct fm_entry *e;

    if (v == NULL || mac == NULL)
        return -ENOENT;
    e = elookup(m, v, E_MAC, 0, mac);
    if (e == NULL || !e->want)
        return -ENOENT;
    return e->kstate == K_PRESENT && !e->inflight ? 1 : 0;
}
