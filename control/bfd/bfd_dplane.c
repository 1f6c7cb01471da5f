/* vtepd as FRR bfdd's data plane (see bfd_dplane.h, docs/BFD-DPLANE.md).
 *
 * bfdd's sessions are kept by lid. Each one that maps onto an underlay
 * port (bfddp_map.c) rides on the manager's slot for that (port, peer):
 * a configured session to the same peer is shared (there is one BFD
 * session per peer on the wire; the configuration's timers rule it), else
 * a slot of bfdd's own is made with bfdd's timers. A session that cannot
 * be mapped is kept with its reason (show bfd) and never reported: bfdd
 * shows it down. Every state change of a slot goes to bfdd for each lid on
 * it; a new lid on a slot that is not Down hears the state at once.
 *
 * Everything runs on the BFD thread under the BFD lock (reloads call in
 * from the control thread under the same lock); the socket never blocks. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>

#include "bfd_dplane.h"
#include "bfd_manager.h"
#include "bfd_manager_priv.h"
#include "bfddp_client.h"
#include "bfddp_map.h"
#include "dp.h"
#include "json_writer.h"
#include "log.h"

#define MAX_LIDS            64
#define ECHO_PERIOD_NS      10000000000ull  /* a liveness probe to bfdd this often */
#define BACKOFF_MIN_MS      100
#define BACKOFF_MAX_MS      2000
#define RETRY_PERIOD_NS     1000000000ull   /* sessions not run are tried again this often */

struct lid_rec {
    bool used;
    uint32_t lid;
    struct bfddp_session req;           /* bfdd's last DP_ADD_SESSION */
    enum bfddp_map_result result;       /* BFDDP_MAP_OK: it runs on slot */
    int slot;                           /* -1: not running */
    bool no_room;                       /* mapped, but no slot was free */
    char why[160];                      /* when it does not run */
    uint64_t seq;                       /* order of the last ADD (the newest rules a bfdd slot) */
};

static bool enabled;
static struct bfddp_client cli;
static struct bfddp_map_env env;
static struct lid_rec lids[MAX_LIDS];
static uint64_t add_seq;
static uint64_t n_adds, n_updates, n_deletes, n_deletes_unknown, n_counters, n_counters_unknown;
static uint64_t n_full, n_unexpected, n_state_sent;
static uint64_t refused[BFDDP_MAP_NUM];
static uint64_t retry_next_ns;
static uint64_t echo_next_ns, echo_replies, echo_rtt_last_us, echo_rtt_max_us, echo_answered;

static const char *ip_str(uint32_t be, char *buf, size_t len)
{
    struct in_addr a = {.s_addr = be};

    inet_ntop(AF_INET, &a, buf, (socklen_t)len);
    return buf;
}

static uint64_t wall_us(void)
{
    struct timeval tv;

    gettimeofday(&tv, NULL);
    return (uint64_t)tv.tv_sec * 1000000ull + (uint64_t)tv.tv_usec;
}

static struct lid_rec *lid_find(uint32_t lid)
{
    for (int i = 0; i < MAX_LIDS; i++)
        if (lids[i].used && lids[i].lid == lid)
            return &lids[i];
    return NULL;
}

static void send_state(const struct lid_rec *l, uint64_t now_ns)
{
    const struct bfd_mgr_sess *m = &bfd_sess[l->slot];
    struct bfddp_msg msg;

    bfddp_map_state_change(l->lid, &m->s, &m->extra, &msg);
    if (bfddp_client_send(&cli, &msg, now_ns) == 0)
        n_state_sent++;
}

void bfd_dplane_state_changed(int slot, uint64_t now_ns)
{
    if (!enabled)
        return;
    for (int i = 0; i < MAX_LIDS; i++)
        if (lids[i].used && lids[i].slot == slot)
            send_state(&lids[i], now_ns);
}

int bfd_dplane_lids(int slot, uint32_t *out, int cap)
{
    int n = 0;

    for (int i = 0; enabled && i < MAX_LIDS; i++)
        if (lids[i].used && lids[i].slot == slot) {
            if (n < cap)
                out[n] = lids[i].lid;
            n++;
        }
    return n;
}

static void detach(struct lid_rec *l, uint64_t now_ns)
{
    struct bfd_mgr_sess *m;

    if (l->slot < 0)
        return;
    m = &bfd_sess[l->slot];
    l->slot = -1;
    if (m->n_lids)
        m->n_lids--;
    if (m->n_lids == 0 && !m->from_config)
        m->orphan_since_ns = now_ns ? now_ns : 1;
}

/* The lid on slot l->slot added last: its timers rule a bfdd-only slot. */
static const struct lid_rec *newest_on(int slot)
{
    const struct lid_rec *best = NULL;

    for (int i = 0; i < MAX_LIDS; i++)
        if (lids[i].used && lids[i].slot == slot && (!best || lids[i].seq > best->seq))
            best = &lids[i];
    return best;
}

void bfd_dplane_handover(int slot, uint64_t now_ns)
{
    const struct lid_rec *l = newest_on(slot);
    struct bfddp_target t;

    if (!l || bfddp_map_session(&env, &l->req, &t, NULL, 0) != BFDDP_MAP_OK)
        return;
    bfd_sess_apply_dplane(slot, &t, now_ns);
}

/* Map l (its req is set) and put it on its slot; on failure keep the
 * reason. Says what happened when it differs from before. */
static void place(struct lid_rec *l, bool is_new, uint64_t now_ns)
{
    char peer[INET_ADDRSTRLEN], why[160];
    struct bfddp_target t;
    enum bfddp_map_result r = bfddp_map_session(&env, &l->req, &t, why, sizeof(why));
    int slot;
    bool attached = false, changed = false;

    ip_str(bfddp_addr_v4_be(l->req.dst), peer, sizeof(peer));
    if (r != BFDDP_MAP_OK) {
        detach(l, now_ns);
        if (is_new || l->result != r || strcmp(l->why, why) != 0) {
            refused[r]++;
            VLOG(WARNING, "bfd %s: bfdd session lid %u not run (%s): %s", peer, l->lid,
                 bfddp_map_result_name(r), why);
        }
        l->result = r;
        l->no_room = false;
        snprintf(l->why, sizeof(l->why), "%s", why);
        return;
    }
    slot = bfd_sess_find(t.port, t.peer_ip_be);
    if (l->slot >= 0 && l->slot != slot)
        detach(l, now_ns);      /* it moved to another port or peer */
    if (l->slot < 0) {
        if (slot < 0) {
            slot = bfd_sess_create_dplane(&t, now_ns);
            if (slot < 0) {
                if (!l->no_room) {
                    VLOG(WARNING, "bfd %s: bfdd session lid %u not run: %s", peer, l->lid,
                         slot == -ENOSPC ? "no room (bfdd's sessions take 48 slots at most)"
                                         : "timers the session refuses");
                    n_full++;
                }
                l->no_room = true;
                l->result = BFDDP_MAP_OK;
                snprintf(l->why, sizeof(l->why), "%s", slot == -ENOSPC ?
                         "no room for another session" : "timers refused");
                return;
            }
        }
        char src[INET_ADDRSTRLEN];

        l->slot = slot;
        bfd_sess[slot].n_lids++;
        bfd_sess[slot].orphan_since_ns = 0;
        attached = true;
        VLOG(NOTICE, "bfd %s: bfdd session lid %u runs from %s on port %s (found by %s%s)%s%s",
             peer, l->lid, ip_str(t.local_ip_be, src, sizeof(src)), env.ports[t.port].name,
             t.by, t.nexthop >= 0 ? ", a next hop: drives its ECMP membership" : "",
             bfd_sess[slot].from_config ? "; shares the configured session, whose timers rule" : "",
             t.ignored ? "; echo/demand/passive/C-bit asked for: not supported, ignored" : "");
    }
    l->result = BFDDP_MAP_OK;
    l->no_room = false;
    l->why[0] = '\0';
    if (newest_on(slot) == l)
        changed = bfd_sess_apply_dplane(slot, &t, now_ns);
    /* bfdd holds a new session Down until told otherwise */
    if (attached && !changed && bfd_sess[slot].s.state != BFD_STATE_DOWN)
        send_state(l, now_ns);
}

static void on_add(const struct bfddp_session *s, uint64_t now_ns)
{
    struct lid_rec *l = lid_find(s->lid);
    bool is_new = l == NULL;

    if (!l) {
        for (int i = 0; i < MAX_LIDS && !l; i++)
            if (!lids[i].used)
                l = &lids[i];
        if (!l) {
            n_full++;
            VLOG_RL(WARNING, "bfd: bfdd session lid %u not run: %d bfdd sessions at most",
                    s->lid, MAX_LIDS);
            return;
        }
        memset(l, 0, sizeof(*l));
        l->used = true;
        l->lid = s->lid;
        l->slot = -1;
        n_adds++;
    } else {
        n_updates++;
    }
    l->req = *s;
    l->seq = ++add_seq;
    place(l, is_new, now_ns);
}

static void on_delete(uint32_t lid, uint64_t now_ns)
{
    struct lid_rec *l = lid_find(lid);
    char peer[INET_ADDRSTRLEN];

    if (!l) {
        n_deletes_unknown++;
        return;
    }
    n_deletes++;
    VLOG(NOTICE, "bfd %s: bfdd deleted session lid %u", ip_str(bfddp_addr_v4_be(l->req.dst),
         peer, sizeof(peer)), lid);
    detach(l, now_ns);
    l->used = false;
}

static void on_counters(uint16_t id, uint32_t lid, uint64_t now_ns)
{
    const struct lid_rec *l = lid_find(lid);
    struct bfddp_wire_counters wc;
    struct bfddp_msg msg;

    n_counters++;
    if (l && l->slot >= 0) {
        const struct bfd_mgr_sess *m = &bfd_sess[l->slot];
        wc.rx_packets = m->rx_matched;
        wc.rx_bytes = m->rx_bytes;
        wc.tx_packets = m->tx_sent;
        wc.tx_bytes = m->tx_bytes;
        bfddp_map_counters(id, lid, &wc, &msg);
    } else {
        n_counters_unknown++;
        bfddp_map_counters(id, lid, NULL, &msg);
    }
    bfddp_client_send(&cli, &msg, now_ns);
}

static void on_message(void *ctx, const struct bfddp_msg *m)
{
    uint64_t now_ns = bfd_now_ns();
    struct bfddp_msg r;
    (void)ctx;

    switch ((enum bfddp_type)m->hdr.type) {
    case BFDDP_ADD_SESSION:
        on_add(&m->u.session, now_ns);
        break;
    case BFDDP_DELETE_SESSION:
        on_delete(m->u.session.lid, now_ns);
        break;
    case BFDDP_REQUEST_COUNTERS:
        on_counters(m->hdr.id, m->u.counters_req.lid, now_ns);
        break;
    case BFDDP_ECHO_REPLY: {
        uint64_t t = wall_us();
        echo_replies++;
        echo_rtt_last_us = t >= m->u.echo.dp_time ? t - m->u.echo.dp_time : 0;
        if (echo_rtt_last_us > echo_rtt_max_us)
            echo_rtt_max_us = echo_rtt_last_us;
        break;
    }
    case BFDDP_ECHO_REQUEST:
        /* bfdd 8.4 never asks; answer as bfdd would */
        memset(&r, 0, sizeof(r));
        r.hdr.type = BFDDP_ECHO_REPLY;
        r.hdr.id = m->hdr.id;
        r.u.echo.dp_time = m->u.echo.dp_time;
        r.u.echo.bfdd_time = wall_us();
        if (bfddp_client_send(&cli, &r, now_ns) == 0)
            echo_answered++;
        break;
    case BFDDP_STATE_CHANGE:
    case BFDDP_SESSION_COUNTERS:
    case BFDDP_TYPE_NUM:
        n_unexpected++;     /* what only a data plane sends */
        break;
    }
}

static void send_echo(uint64_t now_ns)
{
    struct bfddp_msg m;

    memset(&m, 0, sizeof(m));
    m.hdr.type = BFDDP_ECHO_REQUEST;
    m.u.echo.dp_time = wall_us();
    bfddp_client_send(&cli, &m, now_ns);
    echo_next_ns = now_ns + ECHO_PERIOD_NS;
}

static void on_connect(void *ctx)
{
    (void)ctx;
    send_echo(bfd_now_ns());
}

/* bfdd's sessions went with the connection: every lid is forgotten (bfdd
 * sends them all again on the next one); their slots run on through the
 * grace period. */
static void on_disconnect(void *ctx, const char *why)
{
    uint64_t now_ns = bfd_now_ns();
    int n = 0;
    (void)ctx;
    (void)why;

    for (int i = 0; i < MAX_LIDS; i++)
        if (lids[i].used) {
            detach(&lids[i], now_ns);
            lids[i].used = false;
            n++;
        }
    if (n)
        VLOG(NOTICE, "bfd: %d bfdd session(s) forgotten with the connection; their sessions run "
             "on for %llu s in case bfdd comes back", n,
             (unsigned long long)(BFD_DPLANE_ORPHAN_GRACE_NS / 1000000000ull));
}

static void on_log(void *ctx, bool warning, const char *msg)
{
    (void)ctx;
    if (warning)
        VLOG_RL(WARNING, "%s", msg);
    else
        VLOG(NOTICE, "%s", msg);
}

int bfd_dplane_init(const struct vtepd_config *cfg)
{
    static const struct bfddp_client_ops ops = {
        .on_connect = on_connect, .on_message = on_message, .on_disconnect = on_disconnect,
        .log = on_log,
    };
    struct bfddp_addr a;
    char err[160];

    enabled = false;
    if (!cfg->bfdd_dplane[0])
        return 0;
    if (bfddp_addr_parse(cfg->bfdd_dplane, &a, err, sizeof(err)) != 0) {
        VLOG(ERR, "control.bfdd_dplane: %s", err);
        return -EINVAL;
    }
    bfddp_client_init(&cli, &a, &ops, NULL, BACKOFF_MIN_MS, BACKOFF_MAX_MS, bfd_now_ns());
    memset(lids, 0, sizeof(lids));
    enabled = true;
    VLOG(INFO, "bfd: data plane for FRR bfdd at %s", a.text);
    return 0;
}

bool bfd_dplane_enabled(void)
{
    return enabled;
}

void bfd_dplane_set_env(const struct vtepd_config *cfg, const struct dp_conf *c, uint64_t now_ns)
{
    memset(&env, 0, sizeof(env));
    env.local_ip_be = cfg->local_ip;
    env.n_ports = cfg->n_ports < CFG_MAX_PORTS ? cfg->n_ports : CFG_MAX_PORTS;
    for (int i = 0; i < env.n_ports; i++) {
        snprintf(env.ports[i].name, sizeof(env.ports[i].name), "%s", cfg->ports[i].name);
        snprintf(env.ports[i].kernel_iface, sizeof(env.ports[i].kernel_iface), "%s",
                 cfg->ports[i].kernel_iface);
        env.ports[i].underlay = cfg->ports[i].role == PORT_ROLE_UNDERLAY;
    }
    env.n_nexthops = c->n_nexthops < CFG_MAX_NEXTHOPS ? c->n_nexthops : CFG_MAX_NEXTHOPS;
    for (int i = 0; i < env.n_nexthops; i++) {
        env.nexthops[i].port = c->nexthops[i].port;
        env.nexthops[i].ip_be = c->nexthops[i].ip;
    }
    /* a next hop added since may settle what could not be mapped */
    for (int i = 0; enabled && i < MAX_LIDS; i++)
        if (lids[i].used && (lids[i].result != BFDDP_MAP_OK || lids[i].no_room))
            place(&lids[i], false, now_ns);
}

void bfd_dplane_poll(uint64_t now_ns)
{
    if (!enabled)
        return;
    bfddp_client_poll(&cli, now_ns);
    if (cli.conn == BFDDP_CONN_UP && now_ns >= echo_next_ns)
        send_echo(now_ns);
    /* a slot freed since (a lid deleted, a session retired, a next hop
     * added) may let a session run that could not */
    if (now_ns >= retry_next_ns) {
        retry_next_ns = now_ns + RETRY_PERIOD_NS;
        for (int i = 0; i < MAX_LIDS; i++)
            if (lids[i].used && (lids[i].result != BFDDP_MAP_OK || lids[i].no_room))
                place(&lids[i], false, now_ns);
    }
}

void bfd_dplane_stop(void)
{
    if (enabled)
        bfddp_client_shutdown(&cli);
}

void bfd_dplane_dump_json(struct json *j)
{
    char a[INET_ADDRSTRLEN];

    if (!enabled)
        return;
    json_obj(j, "bfdd_dplane");
    json_str(j, "address", cli.addr.text);
    json_str(j, "connection", bfddp_conn_name(cli.conn));
    if (cli.conn == BFDDP_CONN_UP)
        json_dbl(j, "connected_s", (double)(bfd_now_ns() - cli.up_since_ns) / 1e9, 1);
    else
        json_dbl(j, "next_attempt_in_s", cli.next_try_ns > bfd_now_ns() ?
                 (double)(cli.next_try_ns - bfd_now_ns()) / 1e9 : 0.0, 2);
    json_str(j, "last_error", cli.last_error);
    json_u64(j, "connects", cli.st.connects);
    json_u64(j, "connect_failures", cli.st.connect_failures);
    json_u64(j, "disconnects", cli.st.disconnects);
    json_obj(j, "rx");
    for (int t = 0; t < BFDDP_TYPE_NUM; t++)
        if (cli.st.rx_msgs[t])
            json_u64(j, bfddp_type_name((uint16_t)t), cli.st.rx_msgs[t]);
    json_close(j);
    json_obj(j, "tx");
    for (int t = 0; t < BFDDP_TYPE_NUM; t++)
        if (cli.st.tx_msgs[t])
            json_u64(j, bfddp_type_name((uint16_t)t), cli.st.tx_msgs[t]);
    json_close(j);
    json_obj(j, "rx_refused");
    for (int e = 1; e < BFDDP_ERR_NUM; e++)
        if (cli.st.rx_errors[e])
            json_u64(j, bfddp_err_name((enum bfddp_err)e), cli.st.rx_errors[e]);
    json_close(j);
    json_u64(j, "rx_unknown_type", cli.st.rx_unknown_type);
    json_u64(j, "rx_unexpected", n_unexpected);
    json_u64(j, "closed_unframeable", cli.st.fatal);
    json_u64(j, "closed_tx_full", cli.st.tx_overflow);
    json_u64(j, "tx_not_connected", cli.st.tx_not_connected);
    json_u64(j, "adds", n_adds);
    json_u64(j, "updates", n_updates);
    json_u64(j, "deletes", n_deletes);
    json_u64(j, "deletes_unknown", n_deletes_unknown);
    json_u64(j, "counters_answered", n_counters);
    json_u64(j, "counters_unknown_lid", n_counters_unknown);
    json_u64(j, "state_changes_sent", n_state_sent);
    json_u64(j, "no_room", n_full);
    json_obj(j, "not_run");
    for (int r = 1; r < BFDDP_MAP_NUM; r++)
        if (refused[r])
            json_u64(j, bfddp_map_result_name((enum bfddp_map_result)r), refused[r]);
    json_close(j);
    json_u64(j, "echo_replies", echo_replies);
    json_u64(j, "echo_rtt_last_us", echo_rtt_last_us);
    json_u64(j, "echo_rtt_max_us", echo_rtt_max_us);
    json_arr(j, "sessions");
    for (int i = 0; i < MAX_LIDS; i++) {
        const struct lid_rec *l = &lids[i];
        bool v6 = l->req.flags & BFDDP_SF_IPV6;

        if (!l->used)
            continue;
        json_obj(j, NULL);
        json_u64(j, "lid", l->lid);
        if (v6) {
            char src6[64], dst6[64];

            inet_ntop(AF_INET6, l->req.src, src6, sizeof(src6));
            inet_ntop(AF_INET6, l->req.dst, dst6, sizeof(dst6));
            json_str(j, "peer", dst6);
            json_str(j, "local", src6);
        } else {
            json_str(j, "peer", ip_str(bfddp_addr_v4_be(l->req.dst), a, sizeof(a)));
            json_str(j, "local", ip_str(bfddp_addr_v4_be(l->req.src), a, sizeof(a)));
        }
        json_str(j, "interface", l->req.ifname);
        json_strf(j, "flags", "0x%02x", l->req.flags);
        json_u64(j, "tx_us", l->req.min_tx_us);
        json_u64(j, "rx_us", l->req.min_rx_us);
        json_u64(j, "multiplier", l->req.detect_mult);
        if (l->slot >= 0) {
            const struct bfd_mgr_sess *m = &bfd_sess[l->slot];
            json_str(j, "status", "running");
            json_str(j, "port", env.ports[m->port].name);
            json_str(j, "state", bfd_state_name(m->s.state));
            json_bool(j, "shared_with_config", m->from_config);
        } else {
            json_str(j, "status", "not_run");
            json_str(j, "reason", l->no_room ? "no_room" : bfddp_map_result_name(l->result));
            json_str(j, "why", l->why);
        }
        json_close(j);
    }
    json_close(j);
    json_close(j);
}

void bfd_dplane_info_fill(struct bfd_dplane_info *o)
{
    memset(o, 0, sizeof(*o));
    o->configured = enabled;
    if (!enabled)
        return;
    snprintf(o->address, sizeof(o->address), "%s", cli.addr.text);
    o->connected = cli.conn == BFDDP_CONN_UP;
    o->connects = cli.st.connects;
    o->connect_failures = cli.st.connect_failures;
    o->disconnects = cli.st.disconnects;
    for (int t = 0; t < BFDDP_TYPE_NUM && t < BFD_DPLANE_INFO_TYPES; t++) {
        o->rx_msgs[t] = cli.st.rx_msgs[t];
        o->tx_msgs[t] = cli.st.tx_msgs[t];
    }
    for (int e = 1; e < BFDDP_ERR_NUM; e++)
        o->rx_refused += cli.st.rx_errors[e];
    o->rx_refused += cli.st.rx_unknown_type;
    o->closed_unframeable = cli.st.fatal;
    o->closed_tx_full = cli.st.tx_overflow;
    for (int i = 0; i < MAX_LIDS; i++)
        if (lids[i].used) {
            if (lids[i].slot >= 0)
                o->sessions_running++;
            else
                o->sessions_not_run++;
        }
    o->echo_rtt_last_us = echo_rtt_last_us;
}
