/* EVPN feed server: BMP (RFC 7854) sessions from BGP speakers over a Unix
 * stream socket and, optionally, loopback TCP (FRR 8.4 speaks BMP over TCP
 * only). Each session is parsed with bmp_parse and applied to the RIB.
 * Sessions are independent: one failing or closing disturbs no other. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "big_alloc.h"
#include "bmp_parse.h"
#include "event_loop.h"
#include "evpn_program.h"
#include "evpn_rib.h"
#include "feed_server.h"
#include "json_writer.h"
#include "log.h"
#include "peer_cred.h"
#include "unix_listen.h"

#define FEED_MAX FEED_SERVER_SLOTS
#define FEED_BUF (2u << 20)     /* two maximal BMP messages */
#define FEED_MAX_PEERS 64
/* CPU time one feed may take per turn of the control loop, and all feeds
 * together when catching up on a backlog: a feed that streams faster than
 * the RIB absorbs is served in slices, the rest waits in its socket (TCP
 * backpressure), and the loop keeps learning MACs and answering the CLI. */
#define FEED_SLICE_NS 1000000ull
#define FEED_TURN_NS 2000000ull

struct feed_peer {
    struct rib_source src;
    char addr[BMP_ADDR_STR_LEN];
    uint32_t as;
    uint32_t bgp_id;
    bool up;
    uint64_t routes_reach, routes_unreach, eor;
};

struct feed {
    bool used;
    bool initiated;             /* BMP Initiation received */
    bool backlog;               /* complete messages or socket data left over */
    int fd;
    uid_t uid;
    unsigned id;
    char name[RIB_FEED_NAME_LEN];
    bool named;                 /* name from the BMP Initiation sysName */
    char origin[64];            /* "unix" or the TCP peer */
    struct bmp_stream st;
    uint8_t *buf;
    struct bmp_parser ps;
    struct bmp_msg *msg;
    uint64_t connected_at;
    uint64_t last_rx_s;
    uint64_t bytes;
    uint64_t slices_exhausted;  /* turns that ended with work left */
    uint64_t errors;
    uint64_t skipped_not_pre_policy;    /* post-policy, Loc-RIB, Adj-RIB-Out */
    char last_error[BMP_REASON_LEN];
    int n_peers;
    struct feed_peer peers[FEED_MAX_PEERS];
};

static struct feed feeds[FEED_MAX];
static struct evpn_rib *rib;
static int unix_fd = -1, tcp_fd = -1;
static char unix_path[256];
static unsigned next_id = 1;
static struct feed_server_opts opt;
static unsigned rr_next;        /* round-robin start for backlog turns */
static struct {
    uint64_t accepted, closed, refused, fatal, bytes;
    uint64_t refused_uid, refused_full, refused_cred, evicted;
    uint64_t init_timeouts, idle_timeouts, slices_exhausted;
} fs;

static uint64_t now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec;
}

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static struct feed_peer *peer_of(struct feed *f, const struct bmp_peer_hdr *h, bool create)
{
    for (int i = 0; i < f->n_peers; i++)
        if (f->peers[i].src.peer_distinguisher == h->distinguisher &&
            !memcmp(f->peers[i].src.peer_addr, h->addr, 16))
            return &f->peers[i];
    if (!create || f->n_peers == FEED_MAX_PEERS)
        return NULL;
    struct feed_peer *p = &f->peers[f->n_peers++];
    memset(p, 0, sizeof(*p));
    p->src.peer_distinguisher = h->distinguisher;
    memcpy(p->src.peer_addr, h->addr, 16);
    snprintf(p->addr, sizeof(p->addr), "%s", h->addr_str);
    return p;
}

static void fill_source(const struct feed *f, const struct bmp_peer_hdr *h, struct rib_source *s)
{
    memset(s, 0, sizeof(*s));
    snprintf(s->feed, sizeof(s->feed), "%s", f->name);
    s->peer_distinguisher = h->distinguisher;
    memcpy(s->peer_addr, h->addr, 16);
}

/* Parser route + UPDATE attributes -> RIB route. */
static void to_rib_route(const struct evpn_route *e, const struct bgp_update *u,
                         struct rib_route *r)
{
    const struct bgp_attrs *a = &u->attrs;

    memset(r, 0, sizeof(*r));
    r->type = e->type;
    memcpy(r->rd, e->rd.raw, 8);
    r->eth_tag = e->eth_tag;
    memcpy(r->mac, e->mac, 6);
    r->ip_len = e->ip_len;
    memcpy(r->ip, e->ip, 16);
    r->label = e->type == EVPN_ROUTE_MAC_IP ? e->label1 : 0;
    if (u->nh_len == 4)
        memcpy(&r->nexthop, u->nh, 4);
    r->mm_seq = a->mac_mobility.present ? a->mac_mobility.seq : 0;
    r->sticky = a->mac_mobility.present && a->mac_mobility.sticky;
    for (unsigned i = 0; i < a->n_rts && i < BGP_MAX_RTS && r->n_rts < RIB_MAX_RTS; i++)
        r->rt_local[r->n_rts++] = a->rts[i].local;
    if (a->pmsi.present) {
        r->pmsi_ir = a->pmsi.tunnel_type == 6;
        if (e->type == EVPN_ROUTE_IMET)
            r->label = a->pmsi.label;
        if (a->pmsi.endpoint_len == 4)
            memcpy(&r->pmsi_endpoint, a->pmsi.endpoint, 4);
    }
}

/* Routes of one UPDATE prefetched and applied together (at most
 * RIB_PREFETCH_MAX). */
#define FEED_WINDOW 32

static void apply_route_monitoring(struct feed *f, const struct bmp_msg *m)
{
    struct rib_route win[FEED_WINDOW];
    const struct bgp_update *u = &m->rm.update;
    struct feed_peer *p = peer_of(f, &m->peer, true);
    struct rib_source src;
    struct evpn_nlri_iter it;
    struct evpn_route e;
    struct rib_route r;

    /* Pre-policy Adj-RIB-In only: FRR 8.4 sends post-policy copies of the
     * same routes, and its post-policy stream is unreliable (own routes with
     * a zero peer header, withdrawals not re-sent). */
    if (m->peer.post_policy || m->peer.type == BMP_PEER_LOC_RIB || m->peer.adj_rib_out) {
        f->skipped_not_pre_policy++;
        return;
    }
    fill_source(f, &m->peer, &src);
    if (u->eor == BGP_EOR_EVPN) {
        uint32_t n = rib_end_of_rib(rib, &src);
        if (p)
            p->eor++;
        VLOG_RL(INFO, "feed %s: End-of-RIB from peer %s, %u stale path(s) removed", f->name,
                m->peer.addr_str, n);
        return;
    }
    if (u->evpn_unreach.data) {
        evpn_nlri_iter_init(&it, &u->evpn_unreach);
        while (evpn_nlri_iter_next_nostr(&it, &e)) {
            if (e.type != EVPN_ROUTE_MAC_IP && e.type != EVPN_ROUTE_IMET)
                continue;
            to_rib_route(&e, u, &r);
            rib_withdraw(rib, &src, &r);
            if (p)
                p->routes_unreach++;
        }
    }
    if (u->evpn_reach.data) {
        bool more = true;

        /* a window of routes at a time: decoded, their RIB and MAC-table
         * buckets prefetched together, then applied in order */
        evpn_nlri_iter_init(&it, &u->evpn_reach);
        while (more) {
            unsigned n = 0;

            while (n < FEED_WINDOW && (more = evpn_nlri_iter_next_nostr(&it, &e))) {
                if (e.type != EVPN_ROUTE_MAC_IP && e.type != EVPN_ROUTE_IMET)
                    continue;
                to_rib_route(&e, u, &win[n++]);
            }
            rib_prefetch(rib, &src, win, n);
            for (unsigned i = 0; i < n; i++)
                rib_update(rib, &src, &win[i]);
            if (p)
                p->routes_reach += n;
        }
    }
}

static void feed_close(struct feed *f, const char *why)
{
    VLOG_RL(INFO, "feed %s (%s): closed: %s; its paths are stale for up to %llu s",
            f->name, f->origin, why, (unsigned long long)opt.stale_s);
    rib_feed_stale(rib, f->name, now_s());
    ev_del(f->fd);
    close(f->fd);
    big_free(f->buf, FEED_BUF);
    free(f->msg);
    f->used = false;
    fs.closed++;
}

/* Handle one complete BMP message. Returns -1 when the session must end. */
static int feed_message(struct feed *f, const uint8_t *p, size_t len)
{
    struct bmp_msg *m = f->msg;
    enum bmp_result res = bmp_parse_msg(&f->ps, p, len, m);

    if (res == BMP_MSG_SKIPPED)
        return 0;
    if (res == BMP_MSG_ERROR) {
        f->errors++;
        snprintf(f->last_error, sizeof(f->last_error), "%s", m->reason);
        VLOG_RL(WARNING, "feed %s: malformed message skipped: %s", f->name, m->reason);
        return 0;
    }
    switch (m->type) {
    case BMP_MSG_INITIATION:
        if (m->info.sys_name.data && m->info.sys_name.len) {
            char name[RIB_FEED_NAME_LEN];
            size_t n = m->info.sys_name.len;
            if (n > sizeof(name) - 1)
                n = sizeof(name) - 1;
            for (size_t i = 0; i < n; i++) {
                char c = (char)m->info.sys_name.data[i];
                name[i] = (c > 0x20 && c < 0x7f && c != '"' && c != '\\') ? c : '_';
            }
            name[n] = '\0';
            for (int i = 0; i < FEED_MAX; i++)
                if (feeds[i].used && &feeds[i] != f && feeds[i].named &&
                    !strcmp(feeds[i].name, name)) {
                    VLOG_RL(WARNING, "feed %s: a second session with this name; "
                            "keeping it apart as %s-%u", name, name, f->id);
                    snprintf(name + (n > 40 ? 40 : n), sizeof(name) - (n > 40 ? 40 : n),
                             "-%u", f->id);
                    break;
                }
            snprintf(f->name, sizeof(f->name), "%s", name);
            f->named = true;
        }
        f->initiated = true;
        VLOG_RL(INFO, "feed %s (%s): initiation", f->name, f->origin);
        break;
    case BMP_MSG_PEER_UP: {
        struct feed_peer *pp = peer_of(f, &m->peer, true);
        if (pp) {
            pp->up = true;
            pp->as = m->peer.as;
            pp->bgp_id = m->peer.bgp_id;
        }
        VLOG_RL(INFO, "feed %s: peer %s AS %u up", f->name, m->peer.addr_str, m->peer.as);
        break;
    }
    case BMP_MSG_PEER_DOWN: {
        struct rib_source src;
        struct feed_peer *pp = peer_of(f, &m->peer, false);
        fill_source(f, &m->peer, &src);
        uint32_t n = rib_peer_down(rib, &src);
        if (pp)
            pp->up = false;
        VLOG_RL(INFO, "feed %s: peer %s down (reason %u): %u path(s) removed", f->name,
                m->peer.addr_str, m->peer_down.reason, n);
        break;
    }
    case BMP_MSG_ROUTE_MONITORING:
        apply_route_monitoring(f, m);
        break;
    case BMP_MSG_TERMINATION:
        return -1;
    default:
        break;      /* statistics, mirroring: counted by the parser */
    }
    return 0;
}

/* Parse what is buffered and read more, until the socket is drained or the
 * slice ends (then f->backlog says there is more to do). Returns false when
 * the feed was closed. */
static bool feed_service(struct feed *f, uint64_t deadline_ns)
{
    for (;;) {
        size_t room;
        uint8_t *space;
        ssize_t r;

        for (;;) {
            const uint8_t *msg;
            size_t len;
            enum bmp_frame fr = bmp_stream_next(&f->st, &msg, &len);
            if (fr == BMP_FRAME_NEED_MORE)
                break;
            if (fr == BMP_FRAME_FATAL) {
                fs.fatal++;
                feed_close(f, f->st.reason);
                return false;
            }
            if (feed_message(f, msg, len) != 0) {
                feed_close(f, "termination message");
                return false;
            }
            if (now_ns() >= deadline_ns) {
                f->backlog = true;
                f->slices_exhausted++;
                fs.slices_exhausted++;
                return true;
            }
        }
        space = bmp_stream_space(&f->st, &room);
        if (room == 0) {
            fs.fatal++;
            feed_close(f, f->st.reason[0] ? f->st.reason : "receive buffer full");
            return false;
        }
        r = read(f->fd, space, room);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            f->backlog = false;
            return true;
        }
        if (r <= 0) {
            feed_close(f, r == 0 ? "peer closed the connection" : strerror(errno));
            return false;
        }
        fs.bytes += (uint64_t)r;
        f->bytes += (uint64_t)r;
        f->last_rx_s = now_s();
        bmp_stream_commit(&f->st, (size_t)r);
        if (now_ns() >= deadline_ns) {
            f->backlog = true;
            f->slices_exhausted++;
            fs.slices_exhausted++;
            return true;
        }
    }
}

static void on_feed(int fd, uint32_t events, void *arg)
{
    (void)fd;
    (void)events;
    feed_service(arg, now_ns() + FEED_SLICE_NS);
}

void feed_server_set_policy(uint64_t stale_s, const uid_t *allowed, int n_allowed,
                            uint32_t init_timeout_s, uint32_t idle_timeout_s)
{
    opt.stale_s = stale_s;
    opt.allowed_uids = allowed;
    opt.n_allowed_uids = n_allowed;
    opt.init_timeout_s = init_timeout_s;
    opt.idle_timeout_s = idle_timeout_s;
}

bool feed_server_backlog(void)
{
    for (int i = 0; i < FEED_MAX; i++)
        if (feeds[i].used && feeds[i].backlog)
            return true;
    return false;
}

void feed_server_resume(void)
{
    uint64_t start = now_ns();

    for (unsigned k = 0; k < FEED_MAX; k++) {
        struct feed *f = &feeds[(rr_next + k) % FEED_MAX];
        uint64_t t = now_ns();

        if (!f->used || !f->backlog)
            continue;
        if (t - start >= FEED_TURN_NS) {
            rr_next = (rr_next + k) % FEED_MAX;
            return;
        }
        feed_service(f, t + FEED_SLICE_NS);
    }
    rr_next = (rr_next + 1) % FEED_MAX;
}

/* A free slot, or the one of the oldest session that has not identified
 * itself yet (no BMP Initiation): idle connections must not lock out the
 * BGP speaker. NULL when every slot holds a live feed. */
static struct feed *feed_slot(void)
{
    struct feed *oldest = NULL;

    for (int i = 0; i < FEED_MAX; i++) {
        if (!feeds[i].used)
            return &feeds[i];
        if (!feeds[i].initiated &&
            (!oldest || feeds[i].connected_at < oldest->connected_at))
            oldest = &feeds[i];
    }
    if (oldest) {
        fs.evicted++;
        feed_close(oldest, "evicted: no BMP Initiation and a new connection needs the slot");
    }
    return oldest;
}

/* Whether the connection on c comes from an allowed user; names it. */
static bool feed_allowed(int c, bool is_tcp, uid_t *uid)
{
    int rc = is_tcp ? peer_uid_tcp_local(c, uid) : peer_uid_unix(c, uid);

    if (rc != 0) {
        fs.refused_cred++;
        VLOG_RL(WARNING, "feed: refusing a %s connection: cannot tell its user: %s",
                is_tcp ? "TCP" : "Unix", strerror(-rc));
        return false;
    }
    if (!peer_uid_allowed(*uid, opt.allowed_uids, opt.n_allowed_uids)) {
        fs.refused_uid++;
        VLOG_RL(WARNING, "feed: refusing a %s connection from uid %u: not in "
                "control.feed_allowed_users", is_tcp ? "TCP" : "Unix", (unsigned)*uid);
        return false;
    }
    return true;
}

static void on_accept(int lfd, uint32_t events, void *arg)   /* cppcheck-suppress constParameter */
{
    int is_tcp = arg != NULL;
    (void)events;

    for (;;) {
        struct sockaddr_in sin;
        socklen_t sl = sizeof(sin);
        int c = accept4(lfd, is_tcp ? (struct sockaddr *)&sin : NULL, is_tcp ? &sl : NULL,
                        SOCK_NONBLOCK | SOCK_CLOEXEC);
        struct feed *f;
        uid_t uid;

        if (c < 0) {
            if (errno == EINTR)
                continue;
            return;
        }
        if (!feed_allowed(c, is_tcp, &uid)) {
            fs.refused++;
            close(c);
            continue;
        }
        f = feed_slot();
        if (!f) {
            VLOG_RL(WARNING, "feed: refusing a connection: %d identified sessions already",
                    FEED_MAX);
            fs.refused++;
            fs.refused_full++;
            close(c);
            continue;
        }
        memset(f, 0, sizeof(*f));
        f->buf = big_alloc(FEED_BUF);
        f->msg = malloc(sizeof(*f->msg));
        if (!f->buf || !f->msg) {
            big_free(f->buf, FEED_BUF);
            free(f->msg);
            close(c);
            fs.refused++;
            continue;
        }
        f->used = true;
        f->fd = c;
        f->uid = uid;
        f->id = next_id++;
        snprintf(f->name, sizeof(f->name), "feed-%u", f->id);
        if (is_tcp) {
            char a[INET_ADDRSTRLEN] = "?";
            inet_ntop(AF_INET, &sin.sin_addr, a, sizeof(a));
            snprintf(f->origin, sizeof(f->origin), "tcp %s:%u uid %u", a, ntohs(sin.sin_port),
                     (unsigned)uid);
            /* a dead BGP speaker on TCP is noticed even when the feed is quiet */
            int one = 1, idle = 30, intvl = 10, probes = 3;
            setsockopt(c, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one));
            setsockopt(c, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof(idle));
            setsockopt(c, IPPROTO_TCP, TCP_KEEPINTVL, &intvl, sizeof(intvl));
            setsockopt(c, IPPROTO_TCP, TCP_KEEPCNT, &probes, sizeof(probes));
        } else {
            snprintf(f->origin, sizeof(f->origin), "unix uid %u", (unsigned)uid);
        }
        f->connected_at = now_s();
        f->last_rx_s = f->connected_at;
        bmp_stream_init(&f->st, f->buf, FEED_BUF);
        bmp_parser_init(&f->ps);
        if (ev_add(c, EPOLLIN, on_feed, f) != 0) {
            big_free(f->buf, FEED_BUF);
            free(f->msg);
            close(c);
            f->used = false;
            continue;
        }
        fs.accepted++;
        VLOG_RL(INFO, "feed %s: connected (%s)", f->name, f->origin);
    }
}

int feed_server_start(struct evpn_rib *r, const struct feed_server_opts *o)
{
    rib = r;
    opt = *o;
    if (o->path && o->path[0]) {
        char err[256];
        int fd = unix_listen(o->path, 0660, err, sizeof(err));
        if (fd < 0) {
            VLOG(ERR, "feed socket: %s", err);
            return fd;
        }
        unix_fd = fd;
        snprintf(unix_path, sizeof(unix_path), "%s", o->path);
        opt.path = unix_path;
        if (ev_add(unix_fd, EPOLLIN, on_accept, NULL) != 0) {
            int e = errno;
            VLOG(ERR, "feed socket: epoll: %s", strerror(e));
            return -e;
        }
        VLOG(INFO, "feed: listening on %s", o->path);
    }
    if (o->tcp_port) {
        struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons(o->tcp_port),
                                  .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
        int one = 1;

        tcp_fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (tcp_fd < 0) {
            int e = errno;
            VLOG(ERR, "feed: socket: %s", strerror(e));
            return -e;
        }
        setsockopt(tcp_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
        if (bind(tcp_fd, (struct sockaddr *)&sin, sizeof(sin)) != 0 || listen(tcp_fd, SOMAXCONN) != 0) {
            int e = errno;
            VLOG(ERR, "feed: cannot listen on 127.0.0.1:%u: %s", o->tcp_port, strerror(e));
            close(tcp_fd);
            tcp_fd = -1;
            return -e;
        }
        if (ev_add(tcp_fd, EPOLLIN, on_accept, (void *)1) != 0) {
            int e = errno;
            VLOG(ERR, "feed: epoll: %s", strerror(e));
            return -e;
        }
        VLOG(INFO, "feed: listening on 127.0.0.1:%u", o->tcp_port);
    }
    return 0;
}

void feed_server_poll(void)
{
    uint64_t t = now_s();
    uint32_t n = rib_sweep(rib, t, opt.stale_s);

    if (n)
        VLOG(INFO, "feed: %u stale path(s) swept after %llu s", n,
             (unsigned long long)opt.stale_s);
    for (int i = 0; i < FEED_MAX; i++) {
        struct feed *f = &feeds[i];
        if (!f->used)
            continue;
        if (!f->initiated && opt.init_timeout_s && t - f->connected_at >= opt.init_timeout_s) {
            fs.init_timeouts++;
            feed_close(f, "no BMP Initiation in time");
        } else if (f->initiated && opt.idle_timeout_s && t - f->last_rx_s >= opt.idle_timeout_s) {
            fs.idle_timeouts++;
            feed_close(f, "idle timeout");
        }
    }
}

void feed_server_stop(void)
{
    for (int i = 0; i < FEED_MAX; i++)
        if (feeds[i].used) {
            ev_del(feeds[i].fd);
            close(feeds[i].fd);
            big_free(feeds[i].buf, FEED_BUF);
            free(feeds[i].msg);
            feeds[i].used = false;
        }
    if (unix_fd >= 0) {
        ev_del(unix_fd);
        close(unix_fd);
        unlink(unix_path);
        unix_fd = -1;
    }
    if (tcp_fd >= 0) {
        ev_del(tcp_fd);
        close(tcp_fd);
        tcp_fd = -1;
    }
}

void feed_server_dump_json(struct json *j, bool full)
{
    uint64_t t = now_s();

    json_obj(j, NULL);
    json_obj(j, "server");
    json_u64(j, "accepted", fs.accepted);
    json_u64(j, "closed", fs.closed);
    json_u64(j, "refused", fs.refused);
    json_u64(j, "refused_uid", fs.refused_uid);
    json_u64(j, "refused_no_credentials", fs.refused_cred);
    json_u64(j, "refused_full", fs.refused_full);
    json_u64(j, "evicted", fs.evicted);
    json_u64(j, "init_timeouts", fs.init_timeouts);
    json_u64(j, "idle_timeouts", fs.idle_timeouts);
    json_u64(j, "slices_exhausted", fs.slices_exhausted);
    json_u64(j, "fatal", fs.fatal);
    json_u64(j, "bytes", fs.bytes);
    json_close(j);
    json_arr(j, "feeds");
    for (int i = 0; i < FEED_MAX; i++) {
        const struct feed *f = &feeds[i];
        const struct bmp_counters *c = &f->ps.c;
        if (!f->used)
            continue;
        json_obj(j, NULL);
        json_str(j, "name", f->name);
        json_str(j, "origin", f->origin);
        json_u64(j, "uid", f->uid);
        json_bool(j, "initiated", f->initiated);
        json_u64(j, "bytes", f->bytes);
        json_u64(j, "slices_exhausted", f->slices_exhausted);
        json_u64(j, "up_s", t - f->connected_at);
        json_u64(j, "messages", c->msgs);
        json_u64(j, "malformed", c->malformed);
        json_u64(j, "unknown_type", c->unknown_type);
        json_u64(j, "evpn_reach", c->evpn_reach);
        json_u64(j, "evpn_unreach", c->evpn_unreach);
        json_u64(j, "evpn_other_types", c->evpn_skipped);
        json_u64(j, "eor", c->eor_evpn);
        json_u64(j, "skipped_not_pre_policy", f->skipped_not_pre_policy);
        if (f->last_error[0])
            json_str(j, "last_error", f->last_error);
        json_arr(j, "peers");
        for (int k = 0; k < f->n_peers; k++) {
            const struct feed_peer *p = &f->peers[k];
            json_obj(j, NULL);
            json_str(j, "address", p->addr);
            json_u64(j, "as", p->as);
            json_bool(j, "up", p->up);
            json_u64(j, "reach", p->routes_reach);
            json_u64(j, "unreach", p->routes_unreach);
            json_u64(j, "eor", p->eor);
            json_close(j);
        }
        json_close(j);
        json_close(j);
    }
    json_close(j);
    {
        uint64_t macs, flood;

        evpn_program_totals(&macs, &flood);
        json_obj(j, "tables");
        json_u64(j, "macs", macs);
        json_u64(j, "flood_vteps", flood);
        json_close(j);
    }
    if (full) {
        json_key(j, "rib");
        rib_dump_json(rib, j);
    } else {
        rib_counters_json(rib, j, "rib_counters");
    }
    json_close(j);
}

void feed_server_stats(struct feed_server_stats *o)
{
    *o = (struct feed_server_stats){
        .accepted = fs.accepted, .closed = fs.closed, .refused = fs.refused,
        .refused_uid = fs.refused_uid, .refused_cred = fs.refused_cred,
        .refused_full = fs.refused_full, .evicted = fs.evicted,
        .init_timeouts = fs.init_timeouts, .idle_timeouts = fs.idle_timeouts,
        .slices_exhausted = fs.slices_exhausted, .fatal = fs.fatal, .bytes = fs.bytes,
    };
}

int feed_server_feed_stats(int i, struct feed_stats *o)
{
    const struct feed *f;
    const struct bmp_counters *c;

    if (i < 0 || i >= FEED_MAX || !feeds[i].used)
        return -ENOENT;
    f = &feeds[i];
    c = &f->ps.c;
    *o = (struct feed_stats){
        .id = f->id, .name = f->name, .origin = f->origin, .initiated = f->initiated,
        .up_s = now_s() - f->connected_at, .bytes = f->bytes, .messages = c->msgs,
        .malformed = c->malformed, .unknown_type = c->unknown_type,
        .evpn_reach = c->evpn_reach, .evpn_unreach = c->evpn_unreach,
        .evpn_other = c->evpn_skipped, .eor = c->eor_evpn,
        .slices_exhausted = f->slices_exhausted,
        .skipped_not_pre_policy = f->skipped_not_pre_policy, .n_peers = f->n_peers,
    };
    return 0;
}

int feed_server_peer_stats(int i, int k, struct feed_peer_stats *o)
{
    const struct feed_peer *p;

    if (i < 0 || i >= FEED_MAX || !feeds[i].used || k < 0 || k >= feeds[i].n_peers)
        return -ENOENT;
    p = &feeds[i].peers[k];
    *o = (struct feed_peer_stats){
        .addr = p->addr, .as = p->as, .up = p->up, .reach = p->routes_reach,
        .unreach = p->routes_unreach, .eor = p->eor,
    };
    return 0;
}
