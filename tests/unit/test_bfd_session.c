/* Unit tests for the BFD session (control/bfd_session.c), with a fake
 * clock: every time below is nanoseconds chosen by the test.
 *
 * Two kinds of peer:
 *  - a scripted one: the test writes the peer's packets (struct bfd_ctrl)
 *    and reads what the session sends back;
 *  - a second session, wired back to back through full Ethernet/IPv4/UDP
 *    frames (bfd_udp_build / bfd_udp_parse) with a fixed latency, and a
 *    switch to cut each direction.
 *
 * Build: gcc -std=gnu11 -Iinclude control/bfd_packet.c control/bfd_udp.c
 *        control/bfd_session.c tests/unit/test_bfd_session.c -lcmocka
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>

#include "bfd_packet.h"
#include "bfd_session.h"
#include "bfd_udp.h"
#include "bytes.h"

#define US(x) ((uint64_t)(x) * 1000u)
#define MS(x) ((uint64_t)(x) * 1000000u)

#define LOCAL_DISC  0x0101u
#define PEER_DISC   0xabcdu
#define IV(tx, rx, mult) (&(struct bfd_intervals){ \
    .desired_min_tx_us = (tx), .required_min_rx_us = (rx), .detect_mult = (mult) })
#define AD BFD_STATE_ADMIN_DOWN
#define DN BFD_STATE_DOWN
#define IN BFD_STATE_INIT
#define UP BFD_STATE_UP

/* ---- state change recorder (the callback) ----------------------------- */

#define MAX_EV 32

struct events {
    size_t n;
    struct {
        enum bfd_state from, to;
        uint8_t diag;
    } ev[MAX_EV];
};

/* The (old, new) pair is the shape of bfd_state_fn. */
/* NOLINTBEGIN(bugprone-easily-swappable-parameters) */
static void on_change(void *ctx, const struct bfd_session *s,
                      enum bfd_state from, enum bfd_state to)
/* NOLINTEND(bugprone-easily-swappable-parameters) */
{
    struct events *e = ctx;

    assert_int_equal(s->state, to);     /* called when consistent */
    if (e->n < MAX_EV) {
        e->ev[e->n].from = from;
        e->ev[e->n].to = to;
        e->ev[e->n].diag = s->local_diag;
    }
    e->n++;
}

/* ---- scripted peer ------------------------------------------------------ */

static struct bfd_session_cfg base_cfg(void)
{
    struct bfd_session_cfg c = {
        .local_ip_be = htonl(0xc0000201),
        .peer_ip_be = htonl(0xc0000202),
        .local_disc = LOCAL_DISC,
        .desired_min_tx_us = 50000,
        .required_min_rx_us = 50000,
        .detect_mult = 3,
        .seed = 12345,
    };

    return c;
}

static void init_session(struct bfd_session *s, struct events *e, uint64_t now)
{
    struct bfd_session_cfg c = base_cfg();

    if (e) {
        *e = (struct events){ .n = 0 };
        c.on_state_change = on_change;
        c.cb_ctx = e;
    }
    assert_int_equal(bfd_session_init(s, &c, now), 0);
}

/* A packet from the scripted peer: 300 ms / 100 ms, mult 3. Your
 * Discriminator is ours when to_us, else 0. */
static struct bfd_ctrl peer(enum bfd_state st, bool to_us)
{
    struct bfd_ctrl c = {
        .version = 1,
        .state = (uint8_t)st,
        .detect_mult = 3,
        .length = 24,
        .my_disc = PEER_DISC,
        .your_disc = to_us ? LOCAL_DISC : 0,
        .desired_min_tx_us = 300000,
        .required_min_rx_us = 100000,
    };

    return c;
}

/* Give c to s as bytes (the real receive path). */
static enum bfd_drop feed(struct bfd_session *s, const struct bfd_ctrl *c,
                          uint64_t now, struct bfd_rx_result *r)
{
    uint8_t b[BFD_CTRL_LEN];

    assert_int_equal(bfd_ctrl_encode(c, b, sizeof(b)), BFD_CTRL_LEN);
    return bfd_session_rx(s, now, b, sizeof(b), r);
}

/* Poll once; true and *c decoded when a packet came out. */
static bool take(struct bfd_session *s, uint64_t now, struct bfd_ctrl *c,
                 struct bfd_poll_result *pr)
{
    uint8_t b[64];
    struct bfd_poll_result r;
    size_t n;

    *c = (struct bfd_ctrl){ .version = 0 };
    n = bfd_session_poll(s, now, b, sizeof(b), &r);
    if (pr)
        *pr = r;
    if (n == 0)
        return false;
    assert_int_equal(n, BFD_CTRL_LEN);
    assert_int_equal(r.pkt_len, n);
    assert_int_equal(bfd_ctrl_decode(b, n, c), BFD_DROP_NONE);
    assert_false(c->poll && c->final);  /* never both (RFC 5880 6.5) */
    assert_int_equal(c->poll, r.poll);
    assert_int_equal(c->final, r.final);
    return true;
}

/* Poll until nothing more is due at now; returns the packets taken. */
static int drain(struct bfd_session *s, uint64_t now)
{
    struct bfd_ctrl c;
    int n = 0;

    while (take(s, now, &c, NULL)) {
        n++;
        assert_true(n < 8);
    }
    return n;
}

/* Bring a fresh session (time 0) to state st with the scripted peer; the
 * clock ends at *now. Polls Up's poll sequence to its end. */
static void make_state(struct bfd_session *s, struct events *e,
                       enum bfd_state st, uint64_t *now)
{
    struct bfd_ctrl p;

    *now = 0;
    init_session(s, e, 0);
    drain(s, 0);
    *now = MS(1);
    switch (st) {
    case AD:
        assert_true(bfd_session_set_admin(s, false, *now));
        break;
    case DN:
        break;
    case IN:
        p = peer(DN, false);
        assert_int_equal(feed(s, &p, *now, NULL), BFD_DROP_NONE);
        break;
    case UP:
        p = peer(IN, true);
        assert_int_equal(feed(s, &p, *now, NULL), BFD_DROP_NONE);
        drain(s, *now);
        *now = MS(2);
        p = peer(UP, true);
        p.final = true;         /* ends our poll sequence */
        assert_int_equal(feed(s, &p, *now, NULL), BFD_DROP_NONE);
        *now = MS(3);
        p.final = false;
        assert_int_equal(feed(s, &p, *now, NULL), BFD_DROP_NONE);
        assert_false(s->poll_active);
        break;
    }
    drain(s, *now);
    assert_int_equal(s->state, st);
    if (e)
        e->n = 0;
}

/* A session just come up Down (at the time returned) and p the first packet
 * of a peer that is Down and does not know our discriminator yet. */
static uint64_t down_with_new_peer(struct bfd_session *s, struct bfd_ctrl *p)
{
    uint64_t now;

    make_state(s, NULL, DN, &now);
    *p = peer(DN, false);
    return now;
}

/* ---- back-to-back pair ------------------------------------------------- */

#define QMAX 64
#define LOGMAX 4096

struct sent {
    uint64_t at;
    struct bfd_ctrl c;
};

struct frame {
    uint64_t at;                    /* delivery time */
    int to;
    size_t len;
    uint8_t f[BFD_FRAME_LEN];
};

struct link {
    struct bfd_session s[2];
    struct events ev[2];
    uint64_t ev_at[2][MAX_EV];
    size_t ev_seen[2];
    uint64_t now;                   /* the fake clock */
    uint64_t latency;
    bool cut[2];                    /* drop what s[i] sends */
    struct frame q[QMAX];           /* in flight, by delivery time */
    size_t qn;
    struct sent log[2][LOGMAX];
    size_t nlog[2];
    uint64_t last_rx[2];            /* last frame delivered to s[i] */
    struct bfd_udp_counters udp;
};

static void link_init(struct link *l, uint64_t latency)
{
    fill_bytes(l, 0, sizeof(*l));
    l->latency = latency;
    for (int i = 0; i < 2; i++) {
        struct bfd_session_cfg c = base_cfg();

        c.local_disc = 0x1000u + (uint32_t)i;
        c.local_ip_be = htonl(0xc0000201u + (uint32_t)i);
        c.peer_ip_be = htonl(0xc0000202u - (uint32_t)i);
        c.seed = 1000u + (uint64_t)i;
        c.on_state_change = on_change;
        c.cb_ctx = &l->ev[i];
        assert_int_equal(bfd_session_init(&l->s[i], &c, 0), 0);
    }
}

/* Hand every frame due by l->now to its session. */
static void link_deliver(struct link *l)
{
    struct bfd_udp_rx rx;
    struct bfd_ctrl c;
    size_t k = 0;

    while (k < l->qn && l->q[k].at <= l->now)
        k++;
    for (size_t i = 0; i < k; i++) {
        struct bfd_session *s = &l->s[l->q[i].to];

        assert_int_equal(bfd_udp_parse(l->q[i].f, l->q[i].len, &rx, &l->udp),
                         BFD_DROP_NONE);
        assert_int_equal(bfd_ctrl_decode(rx.payload, rx.payload_len, &c),
                         BFD_DROP_NONE);
        assert_true(bfd_session_match(s, &c, rx.src_ip_be));
        assert_int_equal(bfd_session_rx(s, l->now, rx.payload, rx.payload_len,
                                        NULL), BFD_DROP_NONE);
        l->last_rx[l->q[i].to] = l->now;
    }
    for (size_t i = k; i < l->qn; i++)
        l->q[i - k] = l->q[i];
    l->qn -= k;
}

/* Everything s[side] has to send at l->now, framed and put in flight. */
static void link_send(struct link *l, int side)
{
    struct bfd_session *s = &l->s[side];
    uint8_t f[BFD_FRAME_LEN];
    const struct bfd_udp_tx tx = {
        .src_ip_be = s->cfg.local_ip_be,
        .dst_ip_be = s->cfg.peer_ip_be,
        .src_port = s->cfg.src_port,
        .tos = BFD_TOS_CS6,
    };

    while (bfd_session_poll(s, l->now, f + BFD_FRAME_HDR_LEN, BFD_CTRL_LEN,
                            NULL) > 0) {
        size_t n = bfd_udp_build(f, sizeof(f), &tx, f + BFD_FRAME_HDR_LEN,
                                 BFD_CTRL_LEN);

        assert_int_equal(n, BFD_FRAME_LEN);
        /* RFC 5881: source port in range and the same for the session. */
        assert_true(s->cfg.src_port >= 49152);
        assert_int_equal(f[34] << 8 | f[35], s->cfg.src_port);
        if (l->nlog[side] < LOGMAX) {
            struct sent *e = &l->log[side][l->nlog[side]++];

            e->at = l->now;
            assert_int_equal(bfd_ctrl_decode(f + BFD_FRAME_HDR_LEN,
                                             BFD_CTRL_LEN, &e->c),
                             BFD_DROP_NONE);
        }
        if (!l->cut[side]) {
            struct frame *q;

            assert_true(l->qn < QMAX);
            q = &l->q[l->qn++];
            q->at = l->now + l->latency;
            q->to = 1 - side;
            q->len = n;
            copy_bytes(q->f, f, n);
        }
    }
}

static void note_events(struct link *l)
{
    for (int i = 0; i < 2; i++) {
        while (l->ev_seen[i] < l->ev[i].n && l->ev_seen[i] < MAX_EV)
            l->ev_at[i][l->ev_seen[i]++] = l->now;
    }
}

/* Run both ends until time `until` (inclusive), waking exactly at each
 * deadline the sessions give and at each frame arrival. */
static void link_run(struct link *l, uint64_t until)
{
    int guard = 0;

    for (;;) {
        uint64_t next = bfd_session_next_deadline(&l->s[0]);
        uint64_t d1 = bfd_session_next_deadline(&l->s[1]);

        if (d1 < next)
            next = d1;
        if (l->qn > 0 && l->q[0].at < next)
            next = l->q[0].at;
        if (next < l->now)
            next = l->now;
        if (next > until)
            break;
        l->now = next;
        link_deliver(l);
        note_events(l);
        link_send(l, 0);
        link_send(l, 1);
        note_events(l);
        assert_true(++guard < 1000000);
    }
    l->now = until;
}

/* Which periodic packets to look at and the bounds of their gaps. */
struct gaps {
    int side;
    uint64_t from, to;              /* sent in [from, to] */
    uint32_t interval_us;
    unsigned lo_pct, hi_pct;        /* of interval_us */
};

/* Check the gaps between the periodic (non-Final) packets g describes;
 * returns how many there were. */
static size_t check_gaps(const struct link *l, const struct gaps *g)
{
    uint64_t prev = 0;
    bool have = false;
    size_t n = 0;

    for (size_t k = 0; k < l->nlog[g->side]; k++) {
        const struct sent *e = &l->log[g->side][k];

        if (e->at < g->from || e->at > g->to || e->c.final)
            continue;
        if (have) {
            uint64_t gap = e->at - prev;

            assert_true(gap * 100 >= US(g->interval_us) * g->lo_pct);
            assert_true(gap * 100 <= US(g->interval_us) * g->hi_pct);
            n++;
        }
        prev = e->at;
        have = true;
    }
    return n;
}

/* ---- init -------------------------------------------------------------- */

static void test_init(void **state)
{
    struct bfd_session s;
    struct bfd_session_cfg c = base_cfg();
    struct bfd_ctrl p;
    (void)state;

    assert_int_equal(bfd_session_init(&s, &c, MS(5)), 0);
    assert_int_equal(s.state, DN);
    assert_int_equal(s.local_diag, 0);
    assert_int_equal(s.remote_disc, 0);
    assert_int_equal(s.remote_state, DN);
    assert_int_equal(s.remote_min_rx_us, 1);     /* RFC 5880 6.8.1 */
    assert_int_equal(s.adv_tx_us, 1000000);      /* slow while not Up */
    assert_int_equal(s.adv_rx_us, 50000);
    assert_false(s.poll_active);
    assert_true(s.cfg.src_port >= 49152);
    assert_int_equal(bfd_session_next_deadline(&s), MS(5));   /* at once */
    assert_int_equal(bfd_session_detect_deadline(&s), BFD_NO_DEADLINE);
    assert_int_equal(bfd_session_detect_time_us(&s), 0);

    /* The first packet: Down, your disc 0, 1 s, our Required Min RX. */
    assert_true(take(&s, MS(5), &p, NULL));
    assert_int_equal(p.state, DN);
    assert_int_equal(p.my_disc, LOCAL_DISC);
    assert_int_equal(p.your_disc, 0);
    assert_int_equal(p.detect_mult, 3);
    assert_int_equal(p.desired_min_tx_us, 1000000);
    assert_int_equal(p.required_min_rx_us, 50000);
    assert_int_equal(p.required_min_echo_rx_us, 0);
    assert_false(p.poll || p.final || p.demand || p.cpi);
    assert_int_equal(s.cnt.tx, 1);

    /* Source port: as configured, or picked in range, stable. */
    c.src_port = 50000;
    assert_int_equal(bfd_session_init(&s, &c, 0), 0);
    assert_int_equal(s.cfg.src_port, 50000);
    c.src_port = 0;
    for (uint64_t seed = 0; seed < 200; seed++) {
        c.seed = seed;
        assert_int_equal(bfd_session_init(&s, &c, 0), 0);
        assert_true(s.cfg.src_port >= BFD_SRC_PORT_MIN);
    }

    /* Invalid configurations leave the struct alone. */
    fill_bytes(&s, 0x5a, sizeof(s));
    for (int i = 0; i < 5; i++) {
        c = base_cfg();
        switch (i) {
        case 0: c.local_disc = 0; break;
        case 1: c.detect_mult = 0; break;
        case 2: c.desired_min_tx_us = 0; break;
        case 3: c.required_min_rx_us = 0; break;
        case 4: c.src_port = 49151; break;
        }
        if (bfd_session_init(&s, &c, 0) != -EINVAL)
            fail_msg("invalid configuration %d accepted", i);
    }
    assert_int_equal(s.state, 0x5a5a5a5a);

    /* Starting administratively down. */
    c = base_cfg();
    c.admin_down = true;
    assert_int_equal(bfd_session_init(&s, &c, 0), 0);
    assert_int_equal(s.state, AD);
    assert_true(take(&s, 0, &p, NULL));
    assert_int_equal(p.state, AD);
    assert_int_equal(p.diag, BFD_DIAG_ADMIN_DOWN);
}

/* ---- RFC 5880 6.8.6: every local state against every remote state ------ */

static void test_transition_table(void **state)
{
    static const struct {
        enum bfd_state local, remote, want;
        uint8_t diag;
        enum bfd_drop drop;
    } t[] = {
        { AD, AD, AD, BFD_DIAG_ADMIN_DOWN, BFD_DROP_ADMIN_DOWN },
        { AD, DN, AD, BFD_DIAG_ADMIN_DOWN, BFD_DROP_ADMIN_DOWN },
        { AD, IN, AD, BFD_DIAG_ADMIN_DOWN, BFD_DROP_ADMIN_DOWN },
        { AD, UP, AD, BFD_DIAG_ADMIN_DOWN, BFD_DROP_ADMIN_DOWN },
        { DN, AD, DN, BFD_DIAG_NONE, BFD_DROP_NONE },
        { DN, DN, IN, BFD_DIAG_NONE, BFD_DROP_NONE },
        { DN, IN, UP, BFD_DIAG_NONE, BFD_DROP_NONE },
        { DN, UP, DN, BFD_DIAG_NONE, BFD_DROP_NONE },
        { IN, AD, DN, BFD_DIAG_NEIGHBOR_DOWN, BFD_DROP_NONE },
        { IN, DN, IN, BFD_DIAG_NONE, BFD_DROP_NONE },
        { IN, IN, UP, BFD_DIAG_NONE, BFD_DROP_NONE },
        { IN, UP, UP, BFD_DIAG_NONE, BFD_DROP_NONE },
        { UP, AD, DN, BFD_DIAG_NEIGHBOR_DOWN, BFD_DROP_NONE },
        { UP, DN, DN, BFD_DIAG_NEIGHBOR_DOWN, BFD_DROP_NONE },
        { UP, IN, UP, BFD_DIAG_NONE, BFD_DROP_NONE },
        { UP, UP, UP, BFD_DIAG_NONE, BFD_DROP_NONE },
    };
    (void)state;

    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        for (int zero_your = 0; zero_your < 2; zero_your++) {
            struct bfd_session s;
            struct events e;
            struct bfd_rx_result r;
            struct bfd_poll_result pr;
            struct bfd_ctrl p, out;
            uint64_t now;
            uint64_t changes;
            bool changed = t[i].want != t[i].local;

            /* Your Discriminator 0 is only legal from (Admin)Down. */
            if (zero_your && t[i].remote != DN && t[i].remote != AD)
                continue;
            make_state(&s, &e, t[i].local, &now);
            changes = s.cnt.state_changes;
            now += MS(10);
            p = peer(t[i].remote, !zero_your);
            print_message("%s x %s%s\n", bfd_state_name(t[i].local),
                          bfd_state_name(t[i].remote),
                          zero_your ? " (your disc 0)" : "");
            assert_int_equal(feed(&s, &p, now, &r), t[i].drop);
            assert_int_equal(r.drop, t[i].drop);
            assert_int_equal(s.state, t[i].want);
            assert_int_equal(s.local_diag, t[i].diag);
            assert_int_equal(r.state_changed, changed);
            assert_int_equal(r.old_state, t[i].local);
            assert_int_equal(r.new_state, t[i].want);
            assert_int_equal(e.n, changed ? 1 : 0);
            assert_int_equal(s.cnt.state_changes, changes + (changed ? 1 : 0));
            /* The remote's variables are taken in every case. */
            assert_int_equal(s.remote_disc, PEER_DISC);
            assert_int_equal(s.remote_state, t[i].remote);
            if (t[i].drop != BFD_DROP_NONE)
                assert_int_equal(s.cnt.rx_drop[t[i].drop], 1);
            if (changed) {
                assert_int_equal(e.ev[0].from, t[i].local);
                assert_int_equal(e.ev[0].to, t[i].want);
                assert_int_equal(s.cnt.last_change_ns, now);
                assert_int_equal(s.cnt.last_diag, t[i].diag);
                /* A packet with the new state goes out at once. */
                assert_true(r.send_now);
                assert_true(bfd_session_next_deadline(&s) <= now);
                assert_true(take(&s, now, &out, &pr));
                assert_int_equal(out.state, t[i].want);
                assert_int_equal(out.diag, t[i].diag);
                assert_int_equal(out.your_disc, PEER_DISC);
                assert_false(pr.state_changed);
            } else {
                assert_false(r.send_now);
            }
        }
    }
}

/* ---- three-way handshake between two sessions ------------------------- */

static void test_handshake_back_to_back(void **state)
{
    struct link *l = test_malloc(sizeof(*l));
    (void)state;

    link_init(l, MS(1));
    link_run(l, MS(100));
    for (int i = 0; i < 2; i++) {
        assert_int_equal(l->s[i].state, UP);
        assert_int_equal(l->ev[i].n, 2);
        assert_int_equal(l->ev[i].ev[0].from, DN);
        assert_int_equal(l->ev[i].ev[0].to, IN);
        assert_int_equal(l->ev[i].ev[1].from, IN);
        assert_int_equal(l->ev[i].ev[1].to, UP);
        /* Down at 0, both sent Down; Init 1 ms later, Up 1 ms after. */
        assert_int_equal(l->ev_at[i][0], MS(1));
        assert_int_equal(l->ev_at[i][1], MS(2));
        assert_int_equal(l->s[i].remote_disc, 0x1000u + (uint32_t)(1 - i));
        /* The poll sequence of going Up is over. */
        assert_false(l->s[i].poll_active);
        assert_int_equal(l->s[i].cnt.polls_started, 1);
        assert_int_equal(l->s[i].cnt.polls_completed, 1);
        assert_int_equal(l->s[i].cnt.up_transitions, 1);
        assert_int_equal(l->s[i].cnt.tx_final, 1);
        /* Fast timers: 50 ms each way, detection 3 x 50 ms. */
        assert_int_equal(bfd_session_tx_interval_us(&l->s[i]), 50000);
        assert_int_equal(bfd_session_detect_time_us(&l->s[i]), 150000);
        assert_int_equal(l->s[i].adv_tx_us, 50000);
    }
    /* What went on the wire from s[0]: Down, Init (slow, 1 s), then Up
     * with P and the fast interval, the Final, then periodic Up. */
    assert_int_equal(l->log[0][0].c.state, DN);
    assert_int_equal(l->log[0][0].c.desired_min_tx_us, 1000000);
    assert_int_equal(l->log[0][1].c.state, IN);
    assert_int_equal(l->log[0][1].c.desired_min_tx_us, 1000000);
    assert_int_equal(l->log[0][1].c.your_disc, 0x1001u);
    assert_int_equal(l->log[0][2].c.state, UP);
    assert_true(l->log[0][2].c.poll);
    assert_int_equal(l->log[0][2].c.desired_min_tx_us, 50000);
    assert_true(l->log[0][3].c.final);
    assert_false(l->log[0][3].c.poll);

    link_run(l, MS(2000));
    for (int i = 0; i < 2; i++) {
        const struct gaps g = { .side = i, .from = MS(10), .to = MS(2000),
                                .interval_us = 50000, .lo_pct = 75,
                                .hi_pct = 100 };

        assert_int_equal(l->s[i].state, UP);
        assert_int_equal(l->ev[i].n, 2);
        assert_true(check_gaps(l, &g) > 30);
    }
    assert_int_equal(l->udp.drop[BFD_DROP_TTL], 0);
    test_free(l);
}

/* Link failure between the two: the side that stops hearing goes Down with
 * diag 1 exactly one detection time after the last packet, the other
 * learns it (diag 3); when the link heals both come back. */
static void test_link_failure_and_recovery(void **state)
{
    struct link *l = test_malloc(sizeof(*l));
    uint64_t last;
    (void)state;

    link_init(l, MS(1));
    link_run(l, MS(1000));
    assert_int_equal(l->s[0].state, UP);
    assert_int_equal(l->s[1].state, UP);

    l->cut[0] = true;                   /* s[0] -> s[1] lost */
    link_run(l, MS(1001));              /* in-flight frame arrives */
    last = l->last_rx[1];
    assert_int_equal(bfd_session_detect_deadline(&l->s[1]), last + MS(150));
    link_run(l, last + MS(150) - 1);
    assert_int_equal(l->s[1].state, UP);
    link_run(l, last + MS(150));
    assert_int_equal(l->s[1].state, DN);
    assert_int_equal(l->s[1].local_diag, BFD_DIAG_DETECT_EXPIRED);
    assert_int_equal(l->ev_at[1][2], last + MS(150));
    assert_int_equal(l->s[1].cnt.detect_expired, 1);
    assert_int_equal(l->s[1].remote_disc, 0);
    link_run(l, last + MS(151));
    assert_int_equal(l->s[0].state, DN);
    assert_int_equal(l->s[0].local_diag, BFD_DIAG_NEIGHBOR_DOWN);
    assert_int_equal(l->ev_at[0][2], last + MS(151));

    link_run(l, MS(5000));
    assert_int_equal(l->s[1].state, DN);        /* hears nothing */
    l->cut[0] = false;
    link_run(l, MS(9000));
    assert_int_equal(l->s[0].state, UP);
    assert_int_equal(l->s[1].state, UP);
    assert_int_equal(l->s[0].local_diag, 0);
    assert_int_equal(l->s[1].local_diag, 0);
    assert_int_equal(bfd_session_tx_interval_us(&l->s[0]), 50000);
    assert_int_equal(l->s[0].cnt.up_transitions, 2);
    assert_int_equal(l->s[1].cnt.down_transitions, 1);
    test_free(l);
}

/* ---- detection time ---------------------------------------------------- */

static void test_detect_timeout_up(void **state)
{
    struct bfd_session s;
    struct events e;
    struct bfd_ctrl p, out;
    struct bfd_poll_result pr;
    uint64_t now, t1, dl;
    (void)state;

    make_state(&s, &e, UP, &now);
    /* Peer: 300 ms desired TX, mult 3; ours: 50 ms required RX. */
    t1 = now + MS(7);
    p = peer(UP, true);
    assert_int_equal(feed(&s, &p, t1, NULL), BFD_DROP_NONE);
    assert_int_equal(bfd_session_detect_time_us(&s), 900000);
    dl = t1 + MS(900);
    assert_int_equal(bfd_session_detect_deadline(&s), dl);

    /* Wake at every deadline the session gives, up to just before. */
    now = t1;
    for (int guard = 0; guard < 100; guard++) {
        uint64_t d = bfd_session_next_deadline(&s);

        assert_true(d <= dl);
        if (d >= dl)
            break;
        now = d;
        drain(&s, now);
        assert_int_equal(s.state, UP);
    }
    assert_int_equal(bfd_session_next_deadline(&s), dl);
    assert_int_equal(drain(&s, dl - 1), 0);
    assert_int_equal(s.state, UP);

    assert_true(take(&s, dl, &out, &pr));
    assert_true(pr.state_changed);
    assert_int_equal(pr.old_state, UP);
    assert_int_equal(pr.new_state, DN);
    assert_int_equal(s.state, DN);
    assert_int_equal(s.local_diag, BFD_DIAG_DETECT_EXPIRED);
    assert_int_equal(out.state, DN);
    assert_int_equal(out.diag, BFD_DIAG_DETECT_EXPIRED);
    assert_int_equal(out.your_disc, 0);         /* peer forgotten */
    assert_int_equal(out.desired_min_tx_us, 1000000);
    assert_int_equal(s.remote_min_rx_us, 1);
    assert_int_equal(e.n, 1);
    assert_int_equal(e.ev[0].diag, BFD_DIAG_DETECT_EXPIRED);
    assert_int_equal(s.cnt.detect_expired, 1);
    assert_int_equal(s.cnt.down_transitions, 1);
    assert_int_equal(s.cnt.last_change_ns, dl);
    assert_int_equal(s.cnt.last_diag, BFD_DIAG_DETECT_EXPIRED);
    assert_int_equal(bfd_session_detect_deadline(&s), BFD_NO_DEADLINE);
}

/* A caller that checks late sees the expiry at its next check. */
static void test_detect_timeout_late_check(void **state)
{
    struct bfd_session s;
    struct bfd_poll_result pr;
    struct bfd_ctrl p;
    uint8_t b[64];
    uint64_t now, dl;
    (void)state;

    make_state(&s, NULL, UP, &now);
    p = peer(UP, true);
    assert_int_equal(feed(&s, &p, now, NULL), BFD_DROP_NONE);
    dl = now + MS(900);
    /* No buffer: timers still run, nothing is consumed. */
    assert_int_equal(bfd_session_poll(&s, dl + MS(5), NULL, 0, &pr), 0);
    assert_true(pr.state_changed);
    assert_int_equal(s.state, DN);
    assert_int_equal(s.cnt.last_change_ns, dl + MS(5));
    assert_true(s.trigger_pending);
    assert_int_equal(bfd_session_poll(&s, dl + MS(5), b, 10, &pr), 0);
    assert_true(s.trigger_pending);
    assert_int_equal(bfd_session_poll(&s, dl + MS(5), b, sizeof(b), &pr),
                     BFD_CTRL_LEN);
    assert_false(pr.state_changed);
}

/* A caller that sleeps past the expiry and then gets a packet: the
 * expiry is not hidden by the packet. */
static void test_detect_timeout_before_rx(void **state)
{
    struct bfd_session s;
    struct events e;
    struct bfd_rx_result r;
    struct bfd_ctrl p;
    uint8_t junk[3] = { 0x20, 0, 0 };
    uint64_t now, dl;
    (void)state;

    make_state(&s, &e, UP, &now);
    p = peer(UP, true);
    assert_int_equal(feed(&s, &p, now, NULL), BFD_DROP_NONE);
    dl = now + MS(900);
    assert_int_equal(feed(&s, &p, dl - 1, &r), BFD_DROP_NONE);
    assert_false(r.state_changed);          /* in time: still Up */
    dl = dl - 1 + MS(900);
    assert_int_equal(feed(&s, &p, dl, &r), BFD_DROP_NONE);
    assert_true(r.state_changed);
    assert_int_equal(r.old_state, UP);
    assert_int_equal(r.new_state, DN);
    assert_int_equal(s.local_diag, BFD_DIAG_DETECT_EXPIRED);
    assert_true(r.send_now);
    assert_int_equal(e.n, 1);
    /* The packet itself was taken: peer Up while we are Down, stay Down. */
    assert_int_equal(s.remote_disc, PEER_DISC);
    assert_int_equal(s.state, DN);

    /* Same through a packet that is dropped. */
    make_state(&s, &e, UP, &now);
    assert_int_equal(feed(&s, &p, now, NULL), BFD_DROP_NONE);
    assert_int_equal(bfd_session_rx(&s, now + MS(900), junk, sizeof(junk), &r),
                     BFD_DROP_TRUNCATED);
    assert_true(r.state_changed);
    assert_int_equal(s.state, DN);
    assert_int_equal(e.n, 1);
}

static void test_detect_timeout_init(void **state)
{
    struct bfd_session s;
    struct bfd_ctrl p;
    uint64_t now;
    (void)state;

    now = down_with_new_peer(&s, &p);
    p.desired_min_tx_us = 1000000;      /* a peer not Up sends slowly */
    assert_int_equal(feed(&s, &p, now, NULL), BFD_DROP_NONE);
    assert_int_equal(s.state, IN);
    assert_int_equal(bfd_session_detect_time_us(&s), 3000000);
    drain(&s, now + MS(3000) - 1);
    assert_int_equal(s.state, IN);
    drain(&s, now + MS(3000));
    assert_int_equal(s.state, DN);
    assert_int_equal(s.local_diag, BFD_DIAG_DETECT_EXPIRED);
}

/* In Down, the detection time only makes the session forget the peer. */
static void test_detect_timeout_down(void **state)
{
    struct bfd_session s;
    struct events e;
    struct bfd_ctrl p, out;
    uint64_t now;
    (void)state;

    make_state(&s, &e, UP, &now);
    p = peer(DN, true);
    assert_int_equal(feed(&s, &p, now, NULL), BFD_DROP_NONE);
    assert_int_equal(s.state, DN);
    assert_int_equal(s.local_diag, BFD_DIAG_NEIGHBOR_DOWN);
    drain(&s, now);
    assert_int_equal(s.remote_disc, PEER_DISC);
    assert_int_equal(bfd_session_detect_deadline(&s), now + MS(900));
    drain(&s, now + MS(900));
    assert_int_equal(s.state, DN);
    assert_int_equal(s.local_diag, BFD_DIAG_NEIGHBOR_DOWN);
    assert_int_equal(s.remote_disc, 0);
    assert_int_equal(s.cnt.detect_expired, 1);
    assert_int_equal(e.n, 1);                   /* only Up -> Down */
    assert_true(take(&s, now + MS(2000), &out, NULL));
    assert_int_equal(out.your_disc, 0);
}

/* ---- remote AdminDown -------------------------------------------------- */

static void test_remote_admin_down(void **state)
{
    struct bfd_session s;
    struct events e;
    struct bfd_rx_result r;
    struct bfd_ctrl p, out;
    uint64_t now;
    (void)state;

    make_state(&s, &e, UP, &now);
    p = peer(AD, false);
    p.diag = BFD_DIAG_ADMIN_DOWN;
    assert_int_equal(feed(&s, &p, now, &r), BFD_DROP_NONE);
    assert_true(r.state_changed);
    assert_int_equal(s.state, DN);
    assert_int_equal(s.local_diag, BFD_DIAG_NEIGHBOR_DOWN);
    assert_int_equal(s.remote_diag, BFD_DIAG_ADMIN_DOWN);
    assert_true(take(&s, now, &out, NULL));
    assert_int_equal(out.state, DN);
    assert_int_equal(out.diag, BFD_DIAG_NEIGHBOR_DOWN);
    assert_int_equal(s.cnt.last_diag, BFD_DIAG_NEIGHBOR_DOWN);
    assert_int_equal(e.n, 1);

    /* More AdminDown: we stay Down, no Init (6.8.6). */
    now += MS(500);
    assert_int_equal(feed(&s, &p, now, &r), BFD_DROP_NONE);
    assert_false(r.state_changed);
    assert_int_equal(s.state, DN);
}

/* ---- local AdminDown --------------------------------------------------- */

static void test_admin_down_up(void **state)
{
    struct bfd_session s;
    struct events e;
    struct bfd_ctrl p, out;
    uint64_t now, t, prev = 0;
    int n = 0;
    (void)state;

    make_state(&s, &e, UP, &now);
    assert_true(bfd_session_set_admin(&s, false, now));
    assert_false(bfd_session_set_admin(&s, false, now));
    assert_int_equal(s.state, AD);
    assert_int_equal(s.local_diag, BFD_DIAG_ADMIN_DOWN);
    assert_int_equal(e.n, 1);
    assert_int_equal(e.ev[0].from, UP);
    assert_int_equal(e.ev[0].to, AD);
    assert_int_equal(s.cnt.down_transitions, 1);
    assert_true(take(&s, now, &out, NULL));
    assert_int_equal(out.state, AD);
    assert_int_equal(out.diag, BFD_DIAG_ADMIN_DOWN);
    assert_int_equal(out.desired_min_tx_us, 1000000);

    /* AdminDown packets keep going out, at the slow rate; packets from the
     * peer are dropped. */
    prev = now;
    for (t = now; t < now + MS(10000); t += MS(1)) {
        if (t % MS(100) == 0) {
            p = peer(UP, true);
            assert_int_equal(feed(&s, &p, t, NULL), BFD_DROP_ADMIN_DOWN);
        }
        while (take(&s, t, &out, NULL)) {
            assert_int_equal(out.state, AD);
            assert_true(t - prev >= MS(750));
            assert_true(t - prev <= MS(1000));
            prev = t;
            n++;
        }
    }
    assert_true(n >= 10);
    assert_int_equal(s.state, AD);
    assert_true(s.cnt.rx_drop[BFD_DROP_ADMIN_DOWN] >= 100);

    t = now + MS(10000);
    assert_true(bfd_session_set_admin(&s, true, t));
    assert_false(bfd_session_set_admin(&s, true, t));
    assert_int_equal(s.state, DN);
    assert_int_equal(s.local_diag, 0);
    assert_true(take(&s, t, &out, NULL));
    assert_int_equal(out.state, DN);
    /* The peer is Up and hears our Down: it goes Down, then Init... */
    p = peer(IN, true);
    assert_int_equal(feed(&s, &p, t + MS(1), NULL), BFD_DROP_NONE);
    assert_int_equal(s.state, UP);
}

/* ---- slow timers while not Up, fast ones after --------------------------- */

static void test_slow_until_up(void **state)
{
    struct bfd_session s;
    struct bfd_session_cfg c = base_cfg();
    struct bfd_ctrl p, out;
    uint64_t t, prev = 0, t_up;
    int n = 0;
    bool first = true;
    (void)state;

    c.desired_min_tx_us = 10000;        /* 10 ms once Up */
    c.required_min_rx_us = 10000;
    assert_int_equal(bfd_session_init(&s, &c, 0), 0);
    /* Down, nobody answering: one packet per 0.75-1 s. */
    for (t = 0; t <= MS(30000); t += US(100)) {
        while (take(&s, t, &out, NULL)) {
            assert_int_equal(out.state, DN);
            assert_int_equal(out.desired_min_tx_us, 1000000);
            assert_int_equal(out.required_min_rx_us, 10000);
            if (!first) {
                assert_true(t - prev >= MS(750));
                assert_true(t - prev <= MS(1000) + US(100));
            }
            first = false;
            prev = t;
            n++;
        }
    }
    assert_true(n >= 30 && n <= 41);

    /* Init: still slow, even though the peer would take 10 ms. */
    p = peer(DN, false);
    p.desired_min_tx_us = 1000000;
    p.required_min_rx_us = 10000;
    t = MS(30000);
    assert_int_equal(feed(&s, &p, t, NULL), BFD_DROP_NONE);
    assert_int_equal(s.state, IN);
    assert_int_equal(bfd_session_tx_interval_us(&s), 1000000);
    drain(&s, t);
    prev = t;
    for (; t <= MS(32000); t += US(100)) {
        if (t % MS(500) == 0) {
            assert_int_equal(feed(&s, &p, t, NULL), BFD_DROP_NONE);
        }
        while (take(&s, t, &out, NULL)) {
            assert_int_equal(out.state, IN);
            assert_int_equal(out.desired_min_tx_us, 1000000);
            assert_true(t - prev >= MS(750));
            prev = t;
        }
    }

    /* Up: 10 ms at once, announced with a Poll. */
    t_up = t;
    p.state = UP;
    p.your_disc = LOCAL_DISC;
    p.desired_min_tx_us = 10000;
    assert_int_equal(feed(&s, &p, t_up, NULL), BFD_DROP_NONE);
    assert_int_equal(s.state, UP);
    assert_int_equal(bfd_session_tx_interval_us(&s), 10000);
    assert_true(take(&s, t_up, &out, NULL));
    assert_int_equal(out.state, UP);
    assert_true(out.poll);
    assert_int_equal(out.desired_min_tx_us, 10000);
    prev = t_up;
    n = 0;
    for (t = t_up + US(100); t <= t_up + MS(500); t += US(100)) {
        if (t % MS(5) == 0)
            assert_int_equal(feed(&s, &p, t, NULL), BFD_DROP_NONE);
        while (take(&s, t, &out, NULL)) {
            assert_true(t - prev >= US(7500));
            assert_true(t - prev <= US(10000) + US(100));
            prev = t;
            n++;
        }
    }
    assert_true(n >= 49);
    assert_int_equal(s.state, UP);
}

/* ---- jitter (RFC 5880 6.8.7) -------------------------------------------- */

/* A jitter measurement: n periodic packets at a 100 ms interval with the
 * given detect multiplier; every gap must lie within [lo_pm, hi_pm]
 * per mille of the interval; gmin and gmax are what was seen. */
struct jitter {
    uint8_t mult;
    int n;
    unsigned lo_pm, hi_pm;
    uint64_t gmin, gmax;
};

static void jitter_run(struct jitter *j)
{
    struct bfd_session s;
    struct bfd_ctrl p, out;
    uint64_t now, prev;
    int sent = 0;

    make_state(&s, NULL, UP, &now);
    assert_int_equal(bfd_session_set_intervals(&s, IV(100000, 100000, j->mult),
                                               now), 0);
    p = peer(UP, true);
    p.desired_min_tx_us = 1000;
    p.required_min_rx_us = 1000;
    p.final = true;
    assert_int_equal(feed(&s, &p, now, NULL), BFD_DROP_NONE);
    p.final = false;
    assert_int_equal(bfd_session_tx_interval_us(&s), 100000);
    drain(&s, now);
    prev = 0;
    j->gmin = UINT64_MAX;
    j->gmax = 0;
    while (sent < j->n) {
        uint64_t d = bfd_session_next_deadline(&s);

        assert_true(d > now && d != BFD_NO_DEADLINE);
        now = d;
        assert_int_equal(feed(&s, &p, now, NULL), BFD_DROP_NONE);
        while (take(&s, now, &out, NULL)) {
            if (prev != 0) {
                uint64_t gap = now - prev;

                assert_true(gap * 1000 >= MS(100) * j->lo_pm);
                assert_true(gap * 1000 <= MS(100) * j->hi_pm);
                if (gap < j->gmin)
                    j->gmin = gap;
                if (gap > j->gmax)
                    j->gmax = gap;
            }
            prev = now;
            sent++;
        }
        assert_int_equal(s.state, UP);
    }
}

static void test_jitter_bounds(void **state)
{
    struct jitter j3 = { .mult = 3, .n = 10000, .lo_pm = 750, .hi_pm = 1000 };
    struct jitter j1 = { .mult = 1, .n = 10000, .lo_pm = 750, .hi_pm = 900 };
    (void)state;

    jitter_run(&j3);
    assert_true(j3.gmin < MS(76));      /* the whole range is used */
    assert_true(j3.gmax > MS(99));
    jitter_run(&j1);
    assert_true(j1.gmin < MS(76));
    assert_true(j1.gmax > MS(89));
}

static uint32_t rand_zero(void *ctx)
{
    (*(int *)ctx)++;
    return 0;
}

static void test_random_source(void **state)
{
    struct bfd_session a, b;
    struct bfd_session_cfg c = base_cfg();
    struct bfd_ctrl out;
    int calls = 0;
    uint64_t ta[20], tb[20];
    (void)state;

    /* Same seed, same timing. */
    assert_int_equal(bfd_session_init(&a, &c, 0), 0);
    assert_int_equal(bfd_session_init(&b, &c, 0), 0);
    assert_int_equal(a.cfg.src_port, b.cfg.src_port);
    for (int i = 0; i < 20; i++) {
        ta[i] = bfd_session_next_deadline(&a);
        tb[i] = bfd_session_next_deadline(&b);
        assert_true(take(&a, ta[i], &out, NULL));
        assert_true(take(&b, tb[i], &out, NULL));
    }
    assert_memory_equal(ta, tb, sizeof(ta));

    /* The caller's source: always 0 -> exactly 75 %. */
    c.rand_fn = rand_zero;
    c.rand_ctx = &calls;
    assert_int_equal(bfd_session_init(&a, &c, 0), 0);
    assert_int_equal(a.cfg.src_port, BFD_SRC_PORT_MIN);
    assert_true(calls > 0);
    assert_true(take(&a, 0, &out, NULL));
    assert_int_equal(bfd_session_next_deadline(&a), MS(750));
    assert_true(take(&a, MS(750), &out, NULL));
    assert_int_equal(bfd_session_next_deadline(&a), MS(1500));
}

/* ---- poll sequence (RFC 5880 6.5, 6.8.3) --------------------------------- */

/* Up with a peer at 20 ms / 20 ms; us at 50 / 50. */
static void make_fast_up(struct bfd_session *s, uint64_t *now,
                         struct bfd_ctrl *p)
{
    make_state(s, NULL, UP, now);
    *p = peer(UP, true);
    p->desired_min_tx_us = 20000;
    p->required_min_rx_us = 20000;
    assert_int_equal(feed(s, p, *now, NULL), BFD_DROP_NONE);
    assert_int_equal(bfd_session_tx_interval_us(s), 50000);
    assert_int_equal(bfd_session_detect_time_us(s), 150000);
    assert_false(s->poll_active);
    drain(s, *now);
}

static void test_poll_sequence(void **state)
{
    struct bfd_session s;
    struct bfd_ctrl p, out;
    struct bfd_rx_result r;
    uint64_t now, prev, end, peer_tx;
    int polls = 0;
    (void)state;

    make_fast_up(&s, &now, &p);
    assert_int_equal(s.cnt.polls_started, 1);

    /* Slower transmission (TX 50 -> 200 ms) and faster reception (RX 50 ->
     * 10 ms): both must wait for the Final. */
    now += MS(1);
    assert_int_equal(bfd_session_set_intervals(&s, IV(200000, 10000, 0), now), 0);
    assert_true(s.poll_active);
    assert_int_equal(s.cnt.polls_started, 2);
    assert_int_equal(s.adv_tx_us, 200000);
    assert_int_equal(s.adv_rx_us, 10000);
    assert_int_equal(bfd_session_tx_interval_us(&s), 50000);
    assert_int_equal(bfd_session_detect_time_us(&s), 150000);

    /* The Final is lost a few times: P on every periodic packet, at the
     * old rate, with the new values; no extra packets. */
    prev = 0;
    end = now + MS(400);
    while (now < end) {
        now = bfd_session_next_deadline(&s);
        assert_int_equal(feed(&s, &p, now, &r), BFD_DROP_NONE);
        assert_false(r.send_now);
        while (take(&s, now, &out, NULL)) {
            assert_true(out.poll);
            assert_false(out.final);
            assert_int_equal(out.desired_min_tx_us, 200000);
            assert_int_equal(out.required_min_rx_us, 10000);
            if (prev != 0) {
                assert_true(now - prev >= US(37500));
                assert_true(now - prev <= MS(50));
            }
            prev = now;
            polls++;
        }
        assert_int_equal(bfd_session_detect_time_us(&s), 150000);
    }
    assert_true(polls >= 8);
    assert_int_equal(s.cnt.tx_poll, (uint64_t)polls + 1);   /* + Up's */

    /* The Final: the new values are in force. */
    p.final = true;
    assert_int_equal(feed(&s, &p, now, &r), BFD_DROP_NONE);
    assert_false(s.poll_active);
    assert_int_equal(s.cnt.polls_completed, 2);
    assert_int_equal(bfd_session_tx_interval_us(&s), 200000);
    assert_int_equal(bfd_session_detect_time_us(&s), 60000);  /* 3 x 20 */
    p.final = false;
    prev = 0;
    end = now + MS(2000);
    polls = 0;
    peer_tx = now + MS(20);             /* the peer sends every 20 ms */
    while (now < end) {
        now = bfd_session_next_deadline(&s);
        if (peer_tx <= now) {
            now = peer_tx;
            peer_tx += MS(20);
            assert_int_equal(feed(&s, &p, now, NULL), BFD_DROP_NONE);
        }
        while (take(&s, now, &out, NULL)) {
            assert_false(out.poll);
            if (prev != 0) {
                assert_true(now - prev >= MS(150));
                assert_true(now - prev <= MS(200));
            }
            prev = now;
            polls++;
        }
        assert_int_equal(s.state, UP);
    }
    assert_true(polls >= 9);
}

/* Faster transmission and slower reception are safe at once. */
static void test_poll_safe_changes_immediate(void **state)
{
    struct bfd_session s;
    struct bfd_ctrl p;
    uint64_t now;
    (void)state;

    make_fast_up(&s, &now, &p);
    assert_int_equal(bfd_session_set_intervals(&s, IV(30000, 500000, 0), now), 0);
    assert_true(s.poll_active);
    assert_int_equal(bfd_session_tx_interval_us(&s), 30000);
    assert_int_equal(bfd_session_detect_time_us(&s), 1500000);
    p.final = true;
    assert_int_equal(feed(&s, &p, now + MS(1), NULL), BFD_DROP_NONE);
    assert_int_equal(bfd_session_tx_interval_us(&s), 30000);
    assert_int_equal(bfd_session_detect_time_us(&s), 1500000);
}

/* A second change waits for the first sequence, and for a packet without
 * F after its Final (6.8.3), then goes in a sequence of its own. */
static void test_poll_changes_queued(void **state)
{
    struct bfd_session s;
    struct bfd_ctrl p, out;
    uint64_t now;
    (void)state;

    make_fast_up(&s, &now, &p);
    assert_int_equal(bfd_session_set_intervals(&s, IV(100000, 50000, 0), now), 0);
    assert_int_equal(s.cnt.polls_started, 2);
    assert_int_equal(bfd_session_set_intervals(&s, IV(100000, 70000, 0), now), 0);
    assert_int_equal(s.cnt.polls_started, 2);           /* queued */
    assert_int_equal(s.adv_rx_us, 50000);
    now += MS(1);
    p.final = true;
    assert_int_equal(feed(&s, &p, now, NULL), BFD_DROP_NONE);
    assert_false(s.poll_active);
    assert_int_equal(s.cnt.polls_started, 2);           /* still queued */
    assert_int_equal(s.adv_rx_us, 50000);
    assert_int_equal(bfd_session_tx_interval_us(&s), 100000);
    /* Another Final (answer to an older Poll): still waiting. */
    assert_int_equal(feed(&s, &p, now, NULL), BFD_DROP_NONE);
    assert_int_equal(s.cnt.polls_started, 2);
    p.final = false;
    assert_int_equal(feed(&s, &p, now + MS(2), NULL), BFD_DROP_NONE);
    assert_int_equal(s.cnt.polls_started, 3);
    assert_true(s.poll_active);
    assert_int_equal(s.adv_rx_us, 70000);
    now = bfd_session_next_deadline(&s);
    assert_true(take(&s, now, &out, NULL));
    assert_true(out.poll);
    assert_int_equal(out.required_min_rx_us, 70000);

    /* Same values again: no sequence at all. */
    p.final = true;
    assert_int_equal(feed(&s, &p, now, NULL), BFD_DROP_NONE);
    p.final = false;
    assert_int_equal(feed(&s, &p, now, NULL), BFD_DROP_NONE);
    assert_int_equal(bfd_session_set_intervals(&s, IV(100000, 70000, 0), now), 0);
    assert_false(s.poll_active);
    assert_int_equal(s.cnt.polls_started, 3);
    assert_int_equal(bfd_session_set_intervals(&s, IV(0, 70000, 0), now), -EINVAL);
    assert_int_equal(bfd_session_set_intervals(&s, IV(100000, 0, 0), now), -EINVAL);
    assert_int_equal(s.cfg.desired_min_tx_us, 100000);
}

/* The peer polls: we answer at once with F (and no P, even while our own
 * sequence runs), without touching the periodic schedule. */
static void test_final_reply(void **state)
{
    struct bfd_session s;
    struct bfd_ctrl p, out;
    struct bfd_rx_result r;
    uint64_t now, next_tx;
    (void)state;

    make_fast_up(&s, &now, &p);
    assert_int_equal(bfd_session_set_intervals(&s, IV(60000, 50000, 0), now), 0);
    assert_true(s.poll_active);
    now += MS(3);
    next_tx = s.next_tx_ns;
    p.poll = true;
    p.desired_min_tx_us = 30000;
    assert_int_equal(feed(&s, &p, now, &r), BFD_DROP_NONE);
    assert_true(r.send_now);
    assert_int_equal(bfd_session_next_deadline(&s), now);
    assert_true(take(&s, now, &out, NULL));
    assert_true(out.final);
    assert_false(out.poll);
    assert_int_equal(out.state, UP);
    assert_int_equal(s.cnt.tx_final, 1);
    assert_int_equal(s.next_tx_ns, next_tx);
    assert_false(take(&s, now, &out, NULL));
    /* Our next periodic packet carries our P. */
    assert_int_equal(bfd_session_next_deadline(&s), next_tx);
    assert_true(take(&s, next_tx, &out, NULL));
    assert_true(out.poll);
    assert_false(out.final);
    /* The peer's new Desired Min TX counts at once for detection. */
    assert_int_equal(bfd_session_detect_time_us(&s), 150000);
    p.desired_min_tx_us = 400000;
    assert_int_equal(feed(&s, &p, next_tx, NULL), BFD_DROP_NONE);
    assert_int_equal(bfd_session_detect_time_us(&s), 1200000);
}

/* ---- the peer's Required Min RX ----------------------------------------- */

static void test_remote_min_rx(void **state)
{
    struct bfd_session s;
    struct bfd_ctrl p, out;
    uint64_t now, last;
    (void)state;

    make_fast_up(&s, &now, &p);
    p.desired_min_tx_us = 1000000;      /* detection 3 s: room to watch */
    now = bfd_session_next_deadline(&s);
    assert_true(take(&s, now, &out, NULL));
    last = now;

    /* The peer wants at most one packet per second: obeyed at once. */
    p.required_min_rx_us = 1000000;
    assert_int_equal(feed(&s, &p, now + MS(1), NULL), BFD_DROP_NONE);
    assert_int_equal(bfd_session_tx_interval_us(&s), 1000000);
    assert_true(s.next_tx_ns >= last + MS(750));
    assert_true(s.next_tx_ns <= last + MS(1000));
    assert_int_equal(drain(&s, last + MS(700)), 0);

    /* Back to 20 ms: honoured at once (RFC 5880 6.8.3). */
    p.required_min_rx_us = 20000;
    assert_int_equal(feed(&s, &p, last + MS(100), NULL), BFD_DROP_NONE);
    assert_int_equal(bfd_session_tx_interval_us(&s), 50000);
    assert_true(s.next_tx_ns <= last + MS(50));
    assert_true(take(&s, last + MS(100), &out, NULL));

    /* Zero: no periodic packets at all, detection goes on. */
    p.required_min_rx_us = 0;
    now = last + MS(110);
    assert_int_equal(feed(&s, &p, now, NULL), BFD_DROP_NONE);
    assert_int_equal(bfd_session_tx_interval_us(&s), 0);
    assert_int_equal(bfd_session_next_deadline(&s),
                     bfd_session_detect_deadline(&s));
    assert_int_equal(drain(&s, now + MS(100)), 0);
    /* But a Final is still owed when polled. */
    p.poll = true;
    assert_int_equal(feed(&s, &p, now + MS(100), NULL), BFD_DROP_NONE);
    assert_true(take(&s, now + MS(100), &out, NULL));
    assert_true(out.final);
    assert_int_equal(drain(&s, now + MS(100)), 0);
}

/* A peer in Demand mode, both Up: our periodic packets stop. */
static void test_remote_demand(void **state)
{
    struct bfd_session s;
    struct bfd_ctrl p, out;
    uint64_t now;
    (void)state;

    make_fast_up(&s, &now, &p);
    p.desired_min_tx_us = 1000000;      /* detection 3 s: room to watch */
    p.demand = true;
    assert_int_equal(feed(&s, &p, now, NULL), BFD_DROP_NONE);
    assert_int_equal(drain(&s, now + MS(100)), 0);
    /* A Poll sequence of ours is still sent periodically. */
    assert_int_equal(bfd_session_set_intervals(&s, IV(40000, 50000, 0), now), 0);
    assert_true(take(&s, now + MS(100), &out, NULL));
    assert_true(out.poll);
    p.final = true;
    assert_int_equal(feed(&s, &p, now + MS(101), NULL), BFD_DROP_NONE);
    assert_int_equal(drain(&s, now + MS(300)), 0);
    /* Demand mode off again: periodic packets resume. */
    p.final = false;
    p.demand = false;
    assert_int_equal(feed(&s, &p, now + MS(301), NULL), BFD_DROP_NONE);
    assert_int_equal(drain(&s, now + MS(301)), 1);
}

/* ---- dropped packets ----------------------------------------------------- */

static void test_rx_drops(void **state)
{
    struct bfd_session s;
    struct bfd_ctrl p;
    struct bfd_rx_result r;
    uint8_t b[40];
    uint64_t now, dl, rx;
    (void)state;

    make_state(&s, NULL, UP, &now);
    rx = s.cnt.rx;
    dl = bfd_session_detect_deadline(&s);

    /* Unknown Your Discriminator. */
    p = peer(UP, true);
    p.your_disc = LOCAL_DISC + 1;
    assert_int_equal(feed(&s, &p, now + MS(1), &r), BFD_DROP_UNKNOWN_DISC);
    assert_int_equal(r.drop, BFD_DROP_UNKNOWN_DISC);
    assert_false(r.state_changed);
    assert_int_equal(s.cnt.rx_drop[BFD_DROP_UNKNOWN_DISC], 1);

    /* Your Discriminator 0 while the peer says Up. */
    p = peer(UP, false);
    assert_int_equal(feed(&s, &p, now + MS(1), &r), BFD_DROP_YOUR_DISC);
    assert_int_equal(s.cnt.rx_drop[BFD_DROP_YOUR_DISC], 1);

    /* Packet-level rules, through the session. */
    p = peer(UP, true);
    bfd_ctrl_encode(&p, b, sizeof(b));
    b[0] = (uint8_t)(2 << 5);
    assert_int_equal(bfd_session_rx(&s, now, b, 24, &r), BFD_DROP_VERSION);
    bfd_ctrl_encode(&p, b, sizeof(b));
    b[3] = 20;
    assert_int_equal(bfd_session_rx(&s, now, b, 24, &r), BFD_DROP_LENGTH_SHORT);
    bfd_ctrl_encode(&p, b, sizeof(b));
    assert_int_equal(bfd_session_rx(&s, now, b, 20, &r),
                     BFD_DROP_LENGTH_PAYLOAD);
    b[2] = 0;
    assert_int_equal(bfd_session_rx(&s, now, b, 24, &r), BFD_DROP_DETECT_MULT);
    bfd_ctrl_encode(&p, b, sizeof(b));
    b[1] |= BFD_FLAG_M;
    assert_int_equal(bfd_session_rx(&s, now, b, 24, &r), BFD_DROP_MULTIPOINT);
    bfd_ctrl_encode(&p, b, sizeof(b));
    fill_bytes(b + 4, 0, 4);
    assert_int_equal(bfd_session_rx(&s, now, b, 24, &r), BFD_DROP_MY_DISC);
    bfd_ctrl_encode(&p, b, sizeof(b));
    b[1] |= BFD_FLAG_A;
    b[3] = 28;
    assert_int_equal(bfd_session_rx(&s, now, b, 28, &r), BFD_DROP_AUTH);
    assert_int_equal(r.drop, BFD_DROP_AUTH);
    assert_int_equal(bfd_session_rx(&s, now, b, 2, &r), BFD_DROP_TRUNCATED);

    assert_int_equal(s.cnt.rx_drop[BFD_DROP_VERSION], 1);
    assert_int_equal(s.cnt.rx_drop[BFD_DROP_LENGTH_SHORT], 1);
    assert_int_equal(s.cnt.rx_drop[BFD_DROP_LENGTH_PAYLOAD], 1);
    assert_int_equal(s.cnt.rx_drop[BFD_DROP_DETECT_MULT], 1);
    assert_int_equal(s.cnt.rx_drop[BFD_DROP_MULTIPOINT], 1);
    assert_int_equal(s.cnt.rx_drop[BFD_DROP_MY_DISC], 1);
    assert_int_equal(s.cnt.rx_drop[BFD_DROP_AUTH], 1);
    assert_int_equal(s.cnt.rx_drop[BFD_DROP_TRUNCATED], 1);
    /* None of them counted as received, changed anything, or restarted
     * the detection time. */
    assert_int_equal(s.cnt.rx, rx);
    assert_int_equal(s.state, UP);
    assert_int_equal(bfd_session_detect_deadline(&s), dl);
    drain(&s, dl);
    assert_int_equal(s.state, DN);
}

static void test_match(void **state)
{
    struct bfd_session s;
    struct bfd_ctrl p;
    (void)state;

    assert_int_equal(down_with_new_peer(&s, &p), MS(1));
    assert_true(bfd_session_match(&s, &p, htonl(0xc0000202)));
    assert_false(bfd_session_match(&s, &p, htonl(0xc0000203)));
    p = peer(UP, true);
    assert_true(bfd_session_match(&s, &p, htonl(0xc0000203)));
    p.your_disc = LOCAL_DISC + 1;
    assert_false(bfd_session_match(&s, &p, htonl(0xc0000202)));
}

/* Counters after a whole life: Down -> Init -> Up -> Down. */
static void test_counters(void **state)
{
    struct bfd_session s;
    struct bfd_ctrl p;
    (void)state;

    assert_int_equal(down_with_new_peer(&s, &p), MS(1));
    assert_int_equal(feed(&s, &p, MS(10), NULL), BFD_DROP_NONE);
    drain(&s, MS(10));
    p = peer(UP, true);
    assert_int_equal(feed(&s, &p, MS(20), NULL), BFD_DROP_NONE);
    drain(&s, MS(20));
    p = peer(DN, true);
    assert_int_equal(feed(&s, &p, MS(30), NULL), BFD_DROP_NONE);
    drain(&s, MS(30));
    assert_int_equal(s.cnt.rx, 3);
    assert_int_equal(s.cnt.state_changes, 3);
    assert_int_equal(s.cnt.up_transitions, 1);
    assert_int_equal(s.cnt.down_transitions, 1);
    assert_int_equal(s.cnt.last_change_ns, MS(30));
    assert_int_equal(s.cnt.last_diag, BFD_DIAG_NEIGHBOR_DOWN);
    assert_int_equal(s.cnt.tx, 4);      /* first, Init, Up, Down */
    /* Up announced 50 ms with P; Down goes back to 1 s, itself a change
     * announced with P (RFC 5880 6.8.3). */
    assert_int_equal(s.cnt.tx_poll, 2);
    assert_int_equal(s.adv_tx_us, 1000000);
    assert_true(s.poll_active);
    assert_int_equal(s.cnt.polls_started, 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_init),
        cmocka_unit_test(test_transition_table),
        cmocka_unit_test(test_handshake_back_to_back),
        cmocka_unit_test(test_link_failure_and_recovery),
        cmocka_unit_test(test_detect_timeout_up),
        cmocka_unit_test(test_detect_timeout_late_check),
        cmocka_unit_test(test_detect_timeout_before_rx),
        cmocka_unit_test(test_detect_timeout_init),
        cmocka_unit_test(test_detect_timeout_down),
        cmocka_unit_test(test_remote_admin_down),
        cmocka_unit_test(test_admin_down_up),
        cmocka_unit_test(test_slow_until_up),
        cmocka_unit_test(test_jitter_bounds),
        cmocka_unit_test(test_random_source),
        cmocka_unit_test(test_poll_sequence),
        cmocka_unit_test(test_poll_safe_changes_immediate),
        cmocka_unit_test(test_poll_changes_queued),
        cmocka_unit_test(test_final_reply),
        cmocka_unit_test(test_remote_min_rx),
        cmocka_unit_test(test_remote_demand),
        cmocka_unit_test(test_rx_drops),
        cmocka_unit_test(test_match),
        cmocka_unit_test(test_counters),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
