/* BFD sessions to the underlay next hops, run by a thread of their own.
 *
 * The control thread serves sockets, the RIB and reloads, any of which can
 * take milliseconds; a BFD session at 10 ms x 3 cannot wait for that. So
 * the sessions live on the "vtepd-bfd" thread, which sleeps until the next
 * transmission or detection deadline (at most BFD_NAP_US), drains the
 * workers' BFD rings, and sends through the control TX ring (multi-producer:
 * the control thread sends ARP replies through it too). A session going
 * Down takes its next hop out of every ECMP group at once, from this
 * thread: the BFD thread is the ECMP buckets' one writer. Up puts it back,
 * after an optional hold-down.
 *
 * bfd_lock guards the sessions and the ECMP groups between this thread and
 * the control thread (CLI dumps, reload); each side holds it for
 * microseconds. */
#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include <rte_cycles.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include "bfd_manager.h"
#include "json_writer.h"
#include "bfd_session.h"
#include "bfd_udp.h"
#include "dp.h"
#include "dp_conf.h"
#include "dp_worker.h"
#include "log.h"
#include "nexthop_live.h"

struct bfd_mgr_sess {
    struct bfd_session s;
    int nexthop;
    uint16_t port;
    uint32_t hold_down_ms;
    uint64_t up_since_ns;       /* 0 when not Up */
    bool live;                  /* the next hop is in the ECMP group */
    uint64_t ecmp_out, ecmp_in, buckets_moved;
    uint64_t tx_sent, tx_no_mbuf, tx_ring_full, tx_no_mac;
    uint64_t tx_late_max_ns;    /* worst lateness of a transmission */
    uint64_t tx_late_sum_ns, tx_late_n;
    uint64_t last_down_ns;
};

#define BFD_NAP_US 1000         /* longest sleep: punted packets wait at most this */

static struct bfd_mgr_sess sess[CFG_MAX_NEXTHOPS];
static int n_sess;
static struct bfd_udp_counters udp_cnt;
static uint64_t rx_no_session, rx_decode_drop;
static uint64_t wakeups, wake_late_max_ns;
static pthread_mutex_t bfd_lock;
static pthread_t bfd_thread;
static bool thread_started;
static volatile int thread_stop;
static uint32_t rt_priority;

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void set_live(struct bfd_mgr_sess *m, bool live, const char *why)
{
    unsigned moved;

    if (m->live == live)
        return;
    /* the BFD lock is held: g_dp.conf is the generation to change; a next
     * hop without a MAC (ARP has not resolved it) or on a port whose link is
     * down stays out whatever BFD says */
    moved = nexthop_set_live(g_dp.conf, (uint16_t)m->nexthop,
                             live && nexthop_usable(g_dp.conf, (uint16_t)m->nexthop));
    m->live = live;
    m->buckets_moved += moved;
    if (live)
        m->ecmp_in++;
    else
        m->ecmp_out++;
    VLOG(NOTICE, "next hop %s %s the ECMP group (%s, %u buckets moved)",
         g_dp.conf->nexthops[m->nexthop].name, live ? "joins" : "leaves", why, moved);
}

static void on_state(void *ctx, const struct bfd_session *s, enum bfd_state old_state,
                     enum bfd_state new_state)
{
    struct bfd_mgr_sess *m = ctx;
    char peer[INET_ADDRSTRLEN];
    struct in_addr a = {.s_addr = s->cfg.peer_ip_be};
    struct timespec rt;

    /* wall-clock time of the change, to line up with packet captures */
    clock_gettime(CLOCK_REALTIME, &rt);
    inet_ntop(AF_INET, &a, peer, sizeof(peer));
    VLOG(NOTICE, "bfd %s: %s -> %s (diag %s) at %lld.%09ld", peer, bfd_state_name(old_state),
         bfd_state_name(new_state), bfd_diag_name(s->local_diag), (long long)rt.tv_sec,
         rt.tv_nsec);
    if (new_state == BFD_STATE_UP) {
        m->up_since_ns = now_ns();
        if (m->hold_down_ms == 0)
            set_live(m, true, "BFD up");
    } else {
        m->up_since_ns = 0;
        if (old_state == BFD_STATE_UP)
            m->last_down_ns = now_ns();
        set_live(m, false, "BFD down");
    }
}

static void send_frame(struct bfd_mgr_sess *m, const uint8_t *pkt, size_t len)
{
    const struct dp_nexthop *nh = &g_dp.conf->nexthops[m->nexthop];
    struct bfd_udp_tx tx = {.src_ip_be = m->s.cfg.local_ip_be, .dst_ip_be = m->s.cfg.peer_ip_be,
                            .src_port = m->s.cfg.src_port, .tos = BFD_TOS_CS6};
    struct rte_mbuf *mb;
    uint8_t *d;
    size_t flen;

    if (!nh->has_mac) {
        m->tx_no_mac++;     /* ARP has not resolved the peer yet */
        return;
    }
    mb = rte_pktmbuf_alloc(g_dp.pool);
    if (!mb) {
        m->tx_no_mbuf++;
        return;
    }
    memcpy(tx.dst_mac, nh->mac.addr_bytes, 6);
    memcpy(tx.src_mac, g_dp.ports[m->port].mac.addr_bytes, 6);
    d = (uint8_t *)rte_pktmbuf_append(mb, BFD_FRAME_HDR_LEN + (uint16_t)len);
    if (!d) {
        rte_pktmbuf_free(mb);
        m->tx_no_mbuf++;
        return;
    }
    flen = bfd_udp_build(d, BFD_FRAME_HDR_LEN + len, &tx, pkt, len);
    if (flen == 0) {
        rte_pktmbuf_free(mb);
        return;
    }
    mb->port = m->port;
    /* a session's packets always leave through the same worker: in order */
    if (rte_ring_mp_enqueue(dp_ctrl_tx_ring((unsigned)m->nexthop), mb) != 0) {
        rte_pktmbuf_free(mb);
        m->tx_ring_full++;
        return;
    }
    m->tx_sent++;
}

/* Run one session's timers: send what is due, expire detection. */
static void service(struct bfd_mgr_sess *m, uint64_t t)
{
    uint8_t pkt[BFD_CTRL_LEN + 8];
    struct bfd_poll_result pr;
    uint64_t due = bfd_session_next_deadline(&m->s);
    size_t len;

    if (due == BFD_NO_DEADLINE || t < due)
        goto hold;
    len = bfd_session_poll(&m->s, t, pkt, sizeof(pkt), &pr);
    if (len) {
        uint64_t late = t - due;
        if (late > m->tx_late_max_ns)
            m->tx_late_max_ns = late;
        m->tx_late_sum_ns += late;
        m->tx_late_n++;
        send_frame(m, pkt, len);
    }
hold:
    if (!m->live && m->up_since_ns && m->s.state == BFD_STATE_UP &&
        t - m->up_since_ns >= (uint64_t)m->hold_down_ms * 1000000ull)
        set_live(m, true, "BFD up, hold-down over");
}

void bfd_manager_init(const struct vtepd_config *cfg)
{
    pthread_mutexattr_t ma;

    pthread_mutexattr_init(&ma);
    pthread_mutexattr_setprotocol(&ma, PTHREAD_PRIO_INHERIT);
    pthread_mutex_init(&bfd_lock, &ma);
    pthread_mutexattr_destroy(&ma);
    rt_priority = cfg->realtime_priority;
}

/* A new session for b (next hop nh of the generation being built). */
static int sess_create(struct bfd_mgr_sess *m, const struct vtepd_config *cfg,
                       const struct cfg_bfd *b, int nh, uint64_t t)
{
    static uint32_t disc_next;
    struct bfd_session_cfg sc = {
        .local_ip_be = cfg->local_ip,
        .peer_ip_be = b->peer,
        .desired_min_tx_us = b->tx_ms * 1000,
        .required_min_rx_us = b->rx_ms * 1000,
        .detect_mult = b->multiplier,
        .on_state_change = on_state,
        .cb_ctx = m,
    };

    if (disc_next == 0) {
        /* discriminators are unique per session over the process' life */
        if (getrandom(&disc_next, sizeof(disc_next), 0) != sizeof(disc_next))
            disc_next = (uint32_t)t;
        disc_next = (disc_next & 0x7fff0000u) | 1;
    }
    sc.local_disc = disc_next++;
    memset(m, 0, sizeof(*m));
    if (getrandom(&sc.seed, sizeof(sc.seed), 0) != sizeof(sc.seed))
        sc.seed = t ^ sc.local_disc;
    m->nexthop = nh;
    m->port = (uint16_t)b->port;
    m->hold_down_ms = b->hold_down_ms;
    if (bfd_session_init(&m->s, &sc, t) != 0)
        return -EINVAL;
    /* a next hop watched by BFD carries traffic only once BFD is Up */
    m->live = false;
    return 0;
}

/* Tell the peer the session goes away (AdminDown, RFC 5880 6.8.16) before
 * it is deleted, so its side does not wait for a detection timeout. */
static void sess_retire(struct bfd_mgr_sess *m, uint64_t t)
{
    uint8_t pkt[BFD_CTRL_LEN + 8];
    size_t len;

    bfd_session_set_admin(&m->s, false, t);
    len = bfd_session_poll(&m->s, t, pkt, sizeof(pkt), NULL);
    if (len)
        send_frame(m, pkt, len);
}

/* No session watches next hop nh, or its session is Up (hold-down over). */
static bool nexthop_bfd_ok(uint16_t nh)
{
    for (int i = 0; i < n_sess; i++)
        if (sess[i].nexthop == nh)
            return sess[i].live;
    return true;
}

int bfd_manager_reconfigure(const struct vtepd_config *cfg, struct dp_conf *c)
{
    static struct bfd_mgr_sess next[CFG_MAX_NEXTHOPS];
    bool kept[CFG_MAX_NEXTHOPS] = {false};
    uint64_t t = now_ns();
    int n = 0;

    for (int i = 0; i < cfg->n_bfd; i++) {
        const struct cfg_bfd *b = &cfg->bfd[i];
        int nh = dp_conf_nexthop_find(c, (uint16_t)b->port, b->peer);
        int old = -1;

        if (nh < 0)
            return -ENOENT;     /* the config parser rules this out */
        for (int k = 0; k < n_sess; k++)
            if (!kept[k] && sess[k].port == b->port && sess[k].s.cfg.peer_ip_be == b->peer)
                old = k;
        if (old >= 0) {
            struct bfd_intervals iv = {.desired_min_tx_us = b->tx_ms * 1000,
                                       .required_min_rx_us = b->rx_ms * 1000,
                                       .detect_mult = b->multiplier};
            kept[old] = true;
            next[n] = sess[old];
            next[n].nexthop = nh;
            next[n].hold_down_ms = b->hold_down_ms;
            if (iv.desired_min_tx_us != next[n].s.cfg.desired_min_tx_us ||
                iv.required_min_rx_us != next[n].s.cfg.required_min_rx_us ||
                iv.detect_mult != next[n].s.cfg.detect_mult)
                bfd_session_set_intervals(&next[n].s, &iv, t);
        } else if (sess_create(&next[n], cfg, b, nh, t) != 0) {
            VLOG(ERR, "bfd[%d]: bad session parameters", i);
            return -EINVAL;
        }
        n++;
    }
    for (int k = 0; k < n_sess; k++)
        if (!kept[k]) {
            char peer[INET_ADDRSTRLEN];
            struct in_addr a = {.s_addr = sess[k].s.cfg.peer_ip_be};
            inet_ntop(AF_INET, &a, peer, sizeof(peer));
            VLOG(NOTICE, "bfd %s: session removed by the configuration", peer);
            sess_retire(&sess[k], t);
        }
    memcpy(sess, next, sizeof(next[0]) * (size_t)n);
    n_sess = n;
    for (int i = 0; i < n_sess; i++)
        sess[i].s.cfg.cb_ctx = &sess[i];
    /* liveness in the new generation: a next hop is live unless a session
     * watches it and is not (yet) Up */
    for (uint16_t nh = 0; nh < c->n_nexthops; nh++)
        nexthop_set_live(c, nh, nexthop_bfd_ok(nh) && nexthop_usable(c, nh));
    return 0;
}

void bfd_manager_refresh_nexthop(uint16_t nh)
{
    struct dp_conf *c = g_dp.conf;

    if (nh < c->n_nexthops)
        nexthop_set_live(c, nh, nexthop_bfd_ok(nh) && nexthop_usable(c, nh));
}

bool bfd_manager_active(void)
{
    return n_sess > 0;
}

/* Monotonic ns at which a packet stamped with TSC value tsc arrived: how long
 * ago it was (in TSC ticks, read together with the clock) taken from now.
 * The interval is short, so an imprecise TSC rate hardly matters. */
static uint64_t arrival_ns(uint64_t tsc, uint64_t t_now)
{
    static double ns_per_tick;
    uint64_t now_tsc = rte_rdtsc();

    if (ns_per_tick == 0)
        ns_per_tick = 1e9 / (double)rte_get_tsc_hz();
    if (tsc == 0 || tsc > now_tsc)
        return t_now;
    uint64_t ago = (uint64_t)((double)(now_tsc - tsc) * ns_per_tick);
    return ago < t_now ? t_now - ago : t_now;
}

static void bfd_rx(const uint8_t *frame, uint32_t len, uint16_t port, uint64_t arrival_tsc)
{
    struct bfd_udp_rx u;
    struct bfd_ctrl c;
    struct bfd_rx_result res;
    uint64_t t = now_ns();
    uint64_t at = arrival_ns(arrival_tsc, t);

    /* never in the future, never before what the session already saw */
    if (at > t)
        at = t;

    if (bfd_udp_parse(frame, len, &u, &udp_cnt) != BFD_DROP_NONE)
        return;
    if (bfd_ctrl_decode(u.payload, u.payload_len, &c) != BFD_DROP_NONE) {
        rx_decode_drop++;
        return;
    }
    for (int i = 0; i < n_sess; i++) {
        struct bfd_mgr_sess *m = &sess[i];
        if (m->port != port || !bfd_session_match(&m->s, &c, u.src_ip_be))
            continue;
        if (at < m->s.last_rx_ns)
            at = m->s.last_rx_ns;
        bfd_session_rx_ctrl(&m->s, &c, at, &res);
        if (res.send_now)
            service(m, t);
        return;
    }
    rx_no_session++;
}

/* BFD frames the workers punted: m->port is the dp port, the arrival TSC
 * is in the punt dynamic field. */
static void drain_rx(void)
{
    struct rte_mbuf *m[32];

    for (unsigned i = 0; i < g_dp.n_workers; i++) {
        unsigned n;
        while ((n = rte_ring_sc_dequeue_burst(g_dp.workers[i]->bfd_ring, (void **)m, 32,
                                              NULL)) > 0)
            for (unsigned k = 0; k < n; k++) {
                if (m[k]->nb_segs == 1)
                    bfd_rx(rte_pktmbuf_mtod(m[k], const uint8_t *),
                           rte_pktmbuf_data_len(m[k]), m[k]->port, *dp_rx_tsc(m[k]));
                else
                    udp_cnt.drop[BFD_DROP_FRAME_SHORT]++;
                rte_pktmbuf_free(m[k]);
            }
    }
}

/* Nanoseconds until the next session deadline (0: now), or BFD_NAP_US. */
static uint64_t next_wait_ns(uint64_t t)
{
    uint64_t next = t + BFD_NAP_US * 1000ull;

    for (int i = 0; i < n_sess; i++) {
        uint64_t d = bfd_session_next_deadline(&sess[i].s);
        if (d < next)
            next = d;
        if (!sess[i].live && sess[i].up_since_ns) {
            uint64_t h = sess[i].up_since_ns + (uint64_t)sess[i].hold_down_ms * 1000000ull;
            if (h < next)
                next = h;
        }
    }
    return next <= t ? 0 : next - t;
}

static void *bfd_main(void *arg)
{
    uint64_t wake_at = now_ns();
    (void)arg;

    pthread_setname_np(pthread_self(), "vtepd-bfd");
    if (rt_priority) {
        /* the thread sleeps between deadlines: FIFO starves no one */
        struct sched_param sp = {.sched_priority = (int)rt_priority};
        int e = pthread_setschedparam(pthread_self(), SCHED_FIFO, &sp);
        if (e != 0)
            VLOG(WARNING, "control.realtime_priority %u: %s", rt_priority, strerror(e));
        else
            VLOG(INFO, "BFD thread at SCHED_FIFO priority %u", rt_priority);
    }
    while (!__atomic_load_n(&thread_stop, __ATOMIC_ACQUIRE)) {
        uint64_t t = now_ns(), wait;
        struct timespec ts;

        if (t > wake_at && t - wake_at > wake_late_max_ns)
            wake_late_max_ns = t - wake_at;
        pthread_mutex_lock(&bfd_lock);
        wakeups++;
        drain_rx();
        t = now_ns();
        for (int i = 0; i < n_sess; i++)
            service(&sess[i], t);
        wait = next_wait_ns(now_ns());
        pthread_mutex_unlock(&bfd_lock);
        if (wait == 0)
            continue;
        wake_at = now_ns() + wait;
        ts.tv_sec = (time_t)(wake_at / 1000000000ull);
        ts.tv_nsec = (long)(wake_at % 1000000000ull);
        while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
            ;
    }
    return NULL;
}

int bfd_manager_start(void)
{
    int e;

    thread_stop = 0;
    e = pthread_create(&bfd_thread, NULL, bfd_main, NULL);
    if (e != 0) {
        VLOG(ERR, "cannot start the BFD thread: %s", strerror(e));
        return -e;
    }
    thread_started = true;
    return 0;
}

void bfd_manager_stop(void)
{
    if (!thread_started)
        return;
    __atomic_store_n(&thread_stop, 1, __ATOMIC_RELEASE);
    pthread_join(bfd_thread, NULL);
    thread_started = false;
    drain_rx();
}

void bfd_manager_clear_counters(void)
{
    pthread_mutex_lock(&bfd_lock);
    for (int i = 0; i < n_sess; i++) {
        sess[i].tx_late_max_ns = 0;
        sess[i].tx_late_sum_ns = 0;
        sess[i].tx_late_n = 0;
    }
    wake_late_max_ns = 0;
    pthread_mutex_unlock(&bfd_lock);
}

void bfd_manager_lock(void)
{
    pthread_mutex_lock(&bfd_lock);
}

void bfd_manager_unlock(void)
{
    pthread_mutex_unlock(&bfd_lock);
}

void bfd_manager_dump_json(struct json *j)
{
    char peer[INET_ADDRSTRLEN];

    pthread_mutex_lock(&bfd_lock);
    json_obj(j, NULL);
    json_arr(j, "sessions");
    for (int i = 0; i < n_sess; i++) {
        const struct bfd_mgr_sess *m = &sess[i];
        const struct bfd_session *s = &m->s;
        struct in_addr a = {.s_addr = s->cfg.peer_ip_be};

        inet_ntop(AF_INET, &a, peer, sizeof(peer));
        json_obj(j, NULL);
        json_str(j, "peer", peer);
        json_str(j, "port", g_dp.ports[m->port].name);
        json_str(j, "nexthop", g_dp.conf->nexthops[m->nexthop].name);
        json_str(j, "state", bfd_state_name(s->state));
        json_str(j, "remote_state", bfd_state_name(s->remote_state));
        json_str(j, "local_diag", bfd_diag_name(s->local_diag));
        json_str(j, "remote_diag", bfd_diag_name(s->remote_diag));
        json_u64(j, "local_disc", s->cfg.local_disc);
        json_u64(j, "remote_disc", s->remote_disc);
        json_u64(j, "src_port", s->cfg.src_port);
        json_u64(j, "tx_interval_us", bfd_session_tx_interval_us(s));
        json_u64(j, "detect_time_us", bfd_session_detect_time_us(s));
        json_u64(j, "remote_min_rx_us", s->remote_min_rx_us);
        json_u64(j, "remote_desired_tx_us", s->remote_desired_tx_us);
        json_u64(j, "remote_mult", s->remote_mult);
        json_bool(j, "ecmp_live", m->live);
        json_u64(j, "ecmp_buckets", nexthop_buckets(g_dp.conf, (uint16_t)m->nexthop));
        json_u64(j, "ecmp_out", m->ecmp_out);
        json_u64(j, "ecmp_in", m->ecmp_in);
        json_u64(j, "tx", m->tx_sent);
        json_u64(j, "rx", s->cnt.rx);
        json_u64(j, "up_transitions", s->cnt.up_transitions);
        json_u64(j, "down_transitions", s->cnt.down_transitions);
        json_u64(j, "detect_expired", s->cnt.detect_expired);
        json_dbl(j, "tx_late_max_us", (double)m->tx_late_max_ns / 1000.0, 1);
        json_dbl(j, "tx_late_avg_us", m->tx_late_n ?
                 (double)m->tx_late_sum_ns / (double)m->tx_late_n / 1000.0 : 0.0, 1);
        json_u64(j, "tx_no_mbuf", m->tx_no_mbuf);
        json_u64(j, "tx_ring_full", m->tx_ring_full);
        json_u64(j, "tx_no_mac", m->tx_no_mac);
        json_obj(j, "rx_drop");
        for (int r = 1; r < BFD_DROP_NUM; r++)
            if (s->cnt.rx_drop[r])
                json_u64(j, bfd_drop_name((enum bfd_drop)r), s->cnt.rx_drop[r]);
        json_close(j);
        json_close(j);
    }
    json_close(j);
    json_obj(j, "thread");
    json_bool(j, "running", thread_started);
    json_u64(j, "realtime_priority", rt_priority);
    json_u64(j, "wakeups", wakeups);
    json_dbl(j, "wake_late_max_us", (double)wake_late_max_ns / 1000.0, 1);
    json_close(j);
    json_u64(j, "rx_no_session", rx_no_session);
    json_u64(j, "rx_bad_packet", rx_decode_drop);
    json_u64(j, "rx_frames_ok", udp_cnt.rx_ok);
    json_obj(j, "rx_frame_drops");
    for (int r = 1; r < BFD_DROP_NUM; r++)
        if (udp_cnt.drop[r])
            json_u64(j, bfd_drop_name((enum bfd_drop)r), udp_cnt.drop[r]);
    json_close(j);
    json_close(j);
    pthread_mutex_unlock(&bfd_lock);
}

int bfd_manager_snapshot(struct bfd_sess_info *out, int cap, struct bfd_thread_info *th)
{
    int n;

    pthread_mutex_lock(&bfd_lock);
    n = n_sess;
    for (int i = 0; i < n_sess && i < cap; i++) {
        const struct bfd_mgr_sess *m = &sess[i];
        const struct bfd_session *s = &m->s;
        struct bfd_sess_info *o = &out[i];
        struct in_addr a = {.s_addr = s->cfg.peer_ip_be};

        memset(o, 0, sizeof(*o));
        inet_ntop(AF_INET, &a, o->peer, sizeof(o->peer));
        snprintf(o->port, sizeof(o->port), "%s", g_dp.ports[m->port].name);
        snprintf(o->nexthop, sizeof(o->nexthop), "%s", g_dp.conf->nexthops[m->nexthop].name);
        o->state = (uint8_t)s->state;
        o->tx = m->tx_sent;
        o->rx = s->cnt.rx;
        o->up_transitions = s->cnt.up_transitions;
        o->down_transitions = s->cnt.down_transitions;
        o->detect_expired = s->cnt.detect_expired;
        o->tx_interval_us = bfd_session_tx_interval_us(s);
        o->detect_time_us = bfd_session_detect_time_us(s);
        o->tx_late_max_ns = m->tx_late_max_ns;
        o->tx_late_sum_ns = m->tx_late_sum_ns;
        o->tx_late_n = m->tx_late_n;
        o->tx_no_mbuf = m->tx_no_mbuf;
        o->tx_ring_full = m->tx_ring_full;
        for (int r = 1; r < BFD_DROP_NUM; r++)
            o->rx_dropped += s->cnt.rx_drop[r];
        o->ecmp_live = m->live;
        o->ecmp_out = m->ecmp_out;
        o->ecmp_in = m->ecmp_in;
    }
    if (th) {
        memset(th, 0, sizeof(*th));
        th->running = thread_started;
        th->wakeups = wakeups;
        th->wake_late_max_ns = wake_late_max_ns;
        th->rx_frames_ok = udp_cnt.rx_ok;
        for (int r = 1; r < BFD_DROP_NUM; r++)
            th->rx_frame_drops += udp_cnt.drop[r];
        th->rx_no_session = rx_no_session;
        th->rx_bad_packet = rx_decode_drop;
    }
    pthread_mutex_unlock(&bfd_lock);
    return n;
}
