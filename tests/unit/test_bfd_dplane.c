/* Unit tests for vtepd as FRR bfdd's data plane (control/bfd/bfd_dplane.c):
 * bfdd's sessions (by lid) mapped onto the BFD manager's slots, and what
 * goes back to bfdd.
 *
 * The test plays bfdd: it listens on a Unix socket in a temporary
 * directory, accepts the connection bfd_dplane makes (control.bfdd_dplane
 * = unix:PATH), writes messages encoded with vtepd's codec and reads the
 * answers. The clock (bfd_now_ns) is the test's.
 *
 * The BFD manager's side of bfd_manager_priv.h (the slot table and its
 * three functions) is a small model here: slots with a used flag, the
 * configuration's ones marked from_config, bfdd's limited to
 * BFD_DPLANE_MAX_SESS as the manager does. The BFD thread and the packets
 * are tested elsewhere (test_bfd_session.c, tests/netns/test_bfdd_dplane.sh).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <cmocka.h>

#include <arpa/inet.h>

#include "bfd_dplane.h"
#include "bfd_manager.h"
#include "bfd_manager_priv.h"
#include "bfddp_packet.h"
#include "dp.h"
#include "vtepd_config.h"

/* ---- the manager's side, modelled ---------------------------------------- */

struct bfd_mgr_sess bfd_sess[BFD_MAX_SESS];
static uint64_t clock_ns = 1000000000ull;
static int n_create, n_apply;
static struct bfddp_target last_target;

uint64_t bfd_now_ns(void)
{
    return clock_ns;
}

int bfd_sess_find(uint16_t port, uint32_t peer_be)
{
    for (int i = 0; i < BFD_MAX_SESS; i++)
        if (bfd_sess[i].used && bfd_sess[i].port == port && bfd_sess[i].s.cfg.peer_ip_be == peer_be)
            return i;
    return -1;
}

static void slot_set(struct bfd_mgr_sess *m, const struct bfddp_target *t)
{
    m->s.cfg.local_ip_be = t->local_ip_be;
    m->s.cfg.peer_ip_be = t->peer_ip_be;
    m->s.cfg.desired_min_tx_us = t->desired_min_tx_us;
    m->s.cfg.required_min_rx_us = t->required_min_rx_us;
    m->s.cfg.detect_mult = t->detect_mult;
    m->s.state = t->admin_down ? BFD_STATE_ADMIN_DOWN : BFD_STATE_DOWN;
}

int bfd_sess_create_dplane(const struct bfddp_target *t, uint64_t now_ns)
{
    int n = 0, free_slot = -1;
    (void)now_ns;

    for (int i = 0; i < BFD_MAX_SESS; i++) {
        if (bfd_sess[i].used && !bfd_sess[i].from_config)
            n++;
        if (!bfd_sess[i].used && free_slot < 0)
            free_slot = i;
    }
    if (n >= BFD_DPLANE_MAX_SESS || free_slot < 0)
        return -ENOSPC;
    memset(&bfd_sess[free_slot], 0, sizeof(bfd_sess[free_slot]));
    bfd_sess[free_slot].used = true;
    bfd_sess[free_slot].port = t->port;
    bfd_sess[free_slot].nexthop = t->nexthop;
    slot_set(&bfd_sess[free_slot], t);
    n_create++;
    last_target = *t;
    return free_slot;
}

bool bfd_sess_apply_dplane(int i, const struct bfddp_target *t, uint64_t now_ns)
{
    (void)now_ns;
    if (!bfd_sess[i].used || bfd_sess[i].from_config)
        return false;
    n_apply++;
    last_target = *t;
    slot_set(&bfd_sess[i], t);
    return false;
}

/* ---- the test's bfdd -------------------------------------------------------- */

#define K_IFACE "vtep-k0"
#define IP(a, b, c, d) htonl((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (d))

struct fx {
    char dir[64];
    char path[128];
    int lfd;                    /* bfdd's listener */
    int fd;                     /* the accepted connection */
    struct vtepd_config *cfg;
    struct dp_conf *dc;
    struct bfddp_stream in;
    uint8_t inbuf[BFDDP_MAX_MSG_LEN];
};

static void advance(uint64_t ns)
{
    clock_ns += ns;
}

static int listen_at(const char *path)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);

    assert_true(fd >= 0);
    snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
    assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    assert_int_equal(listen(fd, 4), 0);
    return fd;
}

/* poll bfd_dplane until it connected; accept on the test's side */
static void accept_conn(struct fx *f)
{
    struct pollfd p = {.fd = f->lfd, .events = POLLIN};

    for (int i = 0; i < 50; i++) {
        bfd_dplane_poll(clock_ns);
        if (poll(&p, 1, 10) == 1)
            break;
        advance(100000000ull);
    }
    f->fd = accept(f->lfd, NULL, NULL);
    assert_true(f->fd >= 0);
    bfddp_stream_init(&f->in, f->inbuf, sizeof(f->inbuf));
    bfd_dplane_poll(clock_ns);
}

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));

    assert_non_null(f);
    snprintf(f->dir, sizeof(f->dir), "/tmp/test_bfd_dplane.XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    snprintf(f->path, sizeof(f->path), "%s/dplane.sock", f->dir);
    f->lfd = listen_at(f->path);
    f->fd = -1;
    memset(bfd_sess, 0, sizeof(bfd_sess));
    n_create = n_apply = 0;

    /* one underlay port with its TAP, an access port; next hops .2 and .3 */
    f->cfg = calloc(1, sizeof(*f->cfg));
    f->dc = calloc(1, sizeof(*f->dc));
    assert_non_null(f->cfg);
    assert_non_null(f->dc);
    f->cfg->local_ip = IP(192, 0, 2, 1);
    f->cfg->n_ports = 2;
    snprintf(f->cfg->ports[0].name, sizeof(f->cfg->ports[0].name), "ul0");
    snprintf(f->cfg->ports[0].kernel_iface, sizeof(f->cfg->ports[0].kernel_iface), K_IFACE);
    f->cfg->ports[0].role = PORT_ROLE_UNDERLAY;
    snprintf(f->cfg->ports[1].name, sizeof(f->cfg->ports[1].name), "ac0");
    f->cfg->ports[1].role = PORT_ROLE_ACCESS;
    snprintf(f->cfg->bfdd_dplane, sizeof(f->cfg->bfdd_dplane), "unix:%s", f->path);
    f->dc->n_nexthops = 2;
    f->dc->nexthops[0].port = 0;
    f->dc->nexthops[0].ip = IP(192, 0, 2, 2);
    f->dc->nexthops[1].port = 0;
    f->dc->nexthops[1].ip = IP(192, 0, 2, 3);

    assert_int_equal(bfd_dplane_init(f->cfg), 0);
    assert_true(bfd_dplane_enabled());
    bfd_dplane_set_env(f->cfg, f->dc, clock_ns);
    accept_conn(f);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;

    bfd_dplane_stop();
    if (f->fd >= 0)
        close(f->fd);
    close(f->lfd);
    unlink(f->path);
    rmdir(f->dir);
    free(f->cfg);
    free(f->dc);
    free(f);
    return 0;
}

static void send_msg(struct fx *f, const struct bfddp_msg *m)
{
    uint8_t buf[BFDDP_MAX_MSG_LEN];
    int n = bfddp_encode(m, buf, sizeof(buf), NULL);

    assert_true(n > 0);
    assert_int_equal(write(f->fd, buf, (size_t)n), n);
    bfd_dplane_poll(clock_ns);
}

static struct bfddp_msg add_msg(uint32_t lid, uint32_t src_be, uint32_t dst_be, const char *ifname,
                                uint32_t tx_us, uint8_t mult)
{
    struct bfddp_msg m;

    memset(&m, 0, sizeof(m));
    m.hdr.type = BFDDP_ADD_SESSION;
    m.u.session.lid = lid;
    memcpy(m.u.session.src, &src_be, 4);
    memcpy(m.u.session.dst, &dst_be, 4);
    m.u.session.min_tx_us = tx_us;
    m.u.session.min_rx_us = tx_us;
    m.u.session.min_echo_rx_us = 50000;
    m.u.session.detect_mult = mult;
    m.u.session.ttl = 255;
    snprintf(m.u.session.ifname, sizeof(m.u.session.ifname), "%s", ifname);
    m.u.session.ifindex = ifname[0] ? 7 : 0;
    return m;
}

static void send_add(struct fx *f, uint32_t lid, uint32_t dst_be, const char *ifname, uint32_t tx_us)
{
    struct bfddp_msg m = add_msg(lid, IP(192, 0, 2, 1), dst_be, ifname, tx_us, 3);

    send_msg(f, &m);
}

static void send_delete(struct fx *f, uint32_t lid)
{
    struct bfddp_msg m = add_msg(lid, IP(192, 0, 2, 1), IP(192, 0, 2, 2), "", 10000, 3);

    m.hdr.type = BFDDP_DELETE_SESSION;
    send_msg(f, &m);
}

/* The next message vtepd sent, or false when none comes within 200 ms. */
static bool recv_msg(struct fx *f, struct bfddp_msg *m)
{
    const uint8_t *p;
    size_t len, room;

    for (int tries = 0; tries < 20; tries++) {
        enum bfddp_frame r = bfddp_stream_next(&f->in, &p, &len);
        struct pollfd pf = {.fd = f->fd, .events = POLLIN};
        uint8_t *w;
        ssize_t n;

        if (r == BFDDP_FRAME_OK) {
            assert_int_equal(bfddp_decode(p, len, m, NULL), 0);
            return true;
        }
        assert_int_equal(r, BFDDP_FRAME_NEED_MORE);
        bfd_dplane_poll(clock_ns);
        if (poll(&pf, 1, 10) != 1)
            continue;
        w = bfddp_stream_space(&f->in, &room);
        n = read(f->fd, w, room);
        assert_true(n > 0);
        bfddp_stream_commit(&f->in, (size_t)n);
    }
    return false;
}

/* Skip messages of type skip (ECHO_REQUEST); the next other one. */
static bool recv_not(struct fx *f, struct bfddp_msg *m, uint16_t skip)
{
    while (recv_msg(f, m))
        if (m->hdr.type != skip)
            return true;
    return false;
}

static int slot_of_peer(uint32_t peer_be)
{
    return bfd_sess_find(0, peer_be);
}

/* bfdd adds lid 1001 to 192.0.2.2 over its TAP at 10 ms: the slot it runs in. */
static int add_lid_1001(struct fx *f)
{
    int slot;

    send_add(f, 1001, IP(192, 0, 2, 2), K_IFACE, 10000);
    slot = slot_of_peer(IP(192, 0, 2, 2));
    assert_true(slot >= 0);
    return slot;
}

static int lids_on(int slot, uint32_t *out, int cap)
{
    return bfd_dplane_lids(slot, out, cap);
}

/* ---- tests ----------------------------------------------------------------- */

/* The connection opens with an ECHO_REQUEST; bfdd's ECHO_REQUEST is
 * answered with its id and time. */
static void test_connect_and_echo(void **state)
{
    struct fx *f = *state;
    struct bfddp_msg m, r;
    struct bfd_dplane_info info;

    assert_true(recv_msg(f, &m));
    assert_int_equal(m.hdr.type, BFDDP_ECHO_REQUEST);
    assert_true(m.u.echo.dp_time > 0);

    memset(&r, 0, sizeof(r));
    r.hdr.type = BFDDP_ECHO_REQUEST;
    r.hdr.id = 77;
    r.u.echo.dp_time = 123456789;
    send_msg(f, &r);
    assert_true(recv_not(f, &m, 0xffff));
    assert_int_equal(m.hdr.type, BFDDP_ECHO_REPLY);
    assert_int_equal(m.hdr.id, 77);
    assert_int_equal(m.u.echo.dp_time, 123456789);
    assert_true(m.u.echo.bfdd_time > 0);

    bfd_dplane_info_fill(&info);
    assert_true(info.configured);
    assert_true(info.connected);
    assert_int_equal(info.connects, 1);
}

/* DP_ADD_SESSION with bfdd's interface (the TAP): a slot of bfdd's own on
 * ul0 with bfdd's timers, the next hop with the peer's address; Down, so
 * bfdd hears nothing yet. A state change goes to bfdd with the lid. */
static void test_add_and_state_change(void **state)
{
    struct fx *f = *state;
    struct bfddp_msg m;
    uint32_t l[4];
    int slot;

    slot = add_lid_1001(f);
    assert_int_equal(n_create, 1);
    assert_int_equal(last_target.port, 0);
    assert_int_equal(last_target.nexthop, 0);
    assert_int_equal(last_target.local_ip_be, IP(192, 0, 2, 1));
    assert_int_equal(last_target.desired_min_tx_us, 10000);
    assert_int_equal(last_target.required_min_rx_us, 10000);
    assert_int_equal(last_target.detect_mult, 3);
    assert_false(bfd_sess[slot].from_config);
    assert_int_equal(bfd_sess[slot].n_lids, 1);
    assert_int_equal(lids_on(slot, l, 4), 1);
    assert_int_equal(l[0], 1001);
    assert_true(recv_not(f, &m, BFDDP_ECHO_REQUEST) == false);   /* Down: nothing said */

    /* the manager's session goes Up: BFD_STATE_CHANGE for lid 1001 */
    bfd_sess[slot].s.state = BFD_STATE_UP;
    bfd_sess[slot].s.local_diag = 0;
    bfd_sess[slot].s.remote_disc = 0xabcd;
    bfd_sess[slot].s.remote_desired_tx_us = 10000;
    bfd_sess[slot].s.remote_min_rx_us = 10000;
    bfd_sess[slot].s.remote_mult = 3;
    bfd_dplane_state_changed(slot, clock_ns);
    assert_true(recv_not(f, &m, BFDDP_ECHO_REQUEST));
    assert_int_equal(m.hdr.type, BFDDP_STATE_CHANGE);
    assert_int_equal(m.u.state.lid, 1001);
    assert_int_equal(m.u.state.state, 3);
    assert_int_equal(m.u.state.rid, 0xabcd);
    assert_int_equal(m.u.state.detect_mult, 3);

    /* Down with diag 1 (control detection time expired) */
    bfd_sess[slot].s.state = BFD_STATE_DOWN;
    bfd_sess[slot].s.local_diag = 1;
    bfd_dplane_state_changed(slot, clock_ns);
    assert_true(recv_not(f, &m, BFDDP_ECHO_REQUEST));
    assert_int_equal(m.u.state.state, 1);
    assert_int_equal(m.u.state.diag, 1);
}

/* A second DP_ADD_SESSION for the same lid updates the slot's timers;
 * no second slot, still one lid. The shutdown flag makes it AdminDown. */
static void test_update(void **state)
{
    struct fx *f = *state;
    struct bfddp_msg m;
    uint32_t l[4];
    int slot;

    slot = add_lid_1001(f);
    send_add(f, 1001, IP(192, 0, 2, 2), K_IFACE, 300000);
    assert_int_equal(n_create, 1);
    assert_int_equal(slot_of_peer(IP(192, 0, 2, 2)), slot);
    assert_int_equal(bfd_sess[slot].s.cfg.desired_min_tx_us, 300000);
    assert_int_equal(lids_on(slot, l, 4), 1);
    assert_int_equal(bfd_sess[slot].n_lids, 1);

    m = add_msg(1001, IP(192, 0, 2, 1), IP(192, 0, 2, 2), K_IFACE, 300000, 3);
    m.u.session.flags = BFDDP_SF_SHUTDOWN;
    send_msg(f, &m);
    assert_true(last_target.admin_down);
    assert_int_equal(bfd_sess[slot].s.state, BFD_STATE_ADMIN_DOWN);
}

/* A lid to a peer the configuration already runs a session to shares that
 * slot (no new one, the configuration's timers untouched) and hears its
 * state at once when it is not Down. */
static void test_shared_with_config(void **state)
{
    struct fx *f = *state;
    struct bfddp_msg m;
    struct bfd_mgr_sess *c = &bfd_sess[3];
    uint32_t l[4];

    c->used = true;
    c->from_config = true;
    c->port = 0;
    c->nexthop = 1;
    c->s.cfg.peer_ip_be = IP(192, 0, 2, 3);
    c->s.cfg.local_ip_be = IP(192, 0, 2, 1);
    c->s.cfg.desired_min_tx_us = 100000;
    c->s.state = BFD_STATE_UP;
    c->s.remote_disc = 0x55;

    send_add(f, 2002, IP(192, 0, 2, 3), "", 10000);       /* no interface: by next hop */
    assert_int_equal(n_create, 0);
    assert_int_equal(n_apply, 0);
    assert_int_equal(c->s.cfg.desired_min_tx_us, 100000);
    assert_int_equal(c->n_lids, 1);
    assert_int_equal(lids_on(3, l, 4), 1);
    assert_int_equal(l[0], 2002);
    assert_true(recv_not(f, &m, BFDDP_ECHO_REQUEST));
    assert_int_equal(m.hdr.type, BFDDP_STATE_CHANGE);
    assert_int_equal(m.u.state.lid, 2002);
    assert_int_equal(m.u.state.state, 3);
    assert_int_equal(m.u.state.rid, 0x55);

    /* bfdd deletes it: the configuration's session stays, not orphaned */
    send_delete(f, 2002);
    assert_int_equal(c->n_lids, 0);
    assert_true(c->used);
    assert_int_equal(c->orphan_since_ns, 0);
}

/* DP_DELETE_SESSION: the lid goes, its bfdd-only slot is orphaned (the
 * manager retires it after the grace period); an unknown lid is counted. */
static void test_delete(void **state)
{
    struct fx *f = *state;
    struct bfd_dplane_info info;
    uint32_t l[4];
    int slot;

    slot = add_lid_1001(f);
    send_delete(f, 1001);
    assert_int_equal(lids_on(slot, l, 4), 0);
    assert_int_equal(bfd_sess[slot].n_lids, 0);
    assert_int_equal(bfd_sess[slot].orphan_since_ns, clock_ns);
    send_delete(f, 4242);
    bfd_dplane_info_fill(&info);
    assert_int_equal(info.sessions_running + info.sessions_not_run, 0);

    /* bfdd adds it again within the grace period: the same slot, no longer orphaned */
    send_add(f, 1003, IP(192, 0, 2, 2), K_IFACE, 10000);
    assert_int_equal(slot_of_peer(IP(192, 0, 2, 2)), slot);
    assert_int_equal(n_create, 1);
    assert_int_equal(bfd_sess[slot].orphan_since_ns, 0);
}

/* DP_REQUEST_SESSION_COUNTERS is answered with its id: the slot's packet
 * counters for a running lid, zeros for one vtepd does not run. */
static void test_counters(void **state)
{
    struct fx *f = *state;
    struct bfddp_msg m, q;
    int slot;

    slot = add_lid_1001(f);
    bfd_sess[slot].rx_matched = 11;
    bfd_sess[slot].rx_bytes = 264;
    bfd_sess[slot].tx_sent = 13;
    bfd_sess[slot].tx_bytes = 312;

    memset(&q, 0, sizeof(q));
    q.hdr.type = BFDDP_REQUEST_COUNTERS;
    q.hdr.id = 9;
    q.u.counters_req.lid = 1001;
    send_msg(f, &q);
    assert_true(recv_not(f, &m, BFDDP_ECHO_REQUEST));
    assert_int_equal(m.hdr.type, BFDDP_SESSION_COUNTERS);
    assert_int_equal(m.hdr.id, 9);
    assert_int_equal(m.u.counters.lid, 1001);
    assert_int_equal(m.u.counters.control_in_packets, 11);
    assert_int_equal(m.u.counters.control_in_bytes, 264);
    assert_int_equal(m.u.counters.control_out_packets, 13);
    assert_int_equal(m.u.counters.control_out_bytes, 312);

    q.hdr.id = 10;
    q.u.counters_req.lid = 5555;
    send_msg(f, &q);
    assert_true(recv_not(f, &m, BFDDP_ECHO_REQUEST));
    assert_int_equal(m.hdr.id, 10);
    assert_int_equal(m.u.counters.lid, 5555);
    assert_int_equal(m.u.counters.control_in_packets, 0);
    assert_int_equal(m.u.counters.control_out_packets, 0);
}

/* Sessions vtepd cannot run are kept with their reason, never reported,
 * and run once the reason goes (a next hop added by a reload). */
static void test_not_mappable(void **state)
{
    struct fx *f = *state;
    struct bfddp_msg m;
    struct bfd_dplane_info info;

    m = add_msg(3001, IP(192, 0, 2, 1), IP(192, 0, 2, 2), K_IFACE, 10000, 3);
    m.u.session.flags = BFDDP_SF_MULTIHOP;
    m.u.session.ttl = 254;
    send_msg(f, &m);
    send_add(f, 3002, IP(192, 0, 2, 9), "eth9", 10000);        /* not an underlay port */
    send_add(f, 3003, IP(192, 0, 2, 9), "ac0", 10000);         /* an access port */
    assert_int_equal(n_create, 0);
    bfd_dplane_info_fill(&info);
    assert_int_equal(info.sessions_running, 0);
    assert_int_equal(info.sessions_not_run, 3);

    /* no interface, no next hop with that address, but one underlay port:
     * it runs there, with no next hop to drive */
    send_add(f, 3004, IP(192, 0, 2, 9), "", 10000);
    assert_int_equal(n_create, 1);
    assert_int_equal(last_target.nexthop, -1);
    bfd_dplane_info_fill(&info);
    assert_int_equal(info.sessions_running, 1);
    assert_false(recv_not(f, &m, BFDDP_ECHO_REQUEST));     /* nothing said of any */
}

/* bfdd's sessions take BFD_DPLANE_MAX_SESS slots at most: the next one is
 * kept as "no room" and runs once a slot is free (tried every second). */
static void test_slot_exhaustion(void **state)
{
    struct fx *f = *state;
    struct bfd_dplane_info info;
    int first;

    for (int i = 0; i <= BFD_DPLANE_MAX_SESS; i++)
        send_add(f, 5000 + (uint32_t)i, IP(198, 51, 100, 1 + i), K_IFACE, 10000);
    bfd_dplane_info_fill(&info);
    assert_int_equal(info.sessions_running, BFD_DPLANE_MAX_SESS);
    assert_int_equal(info.sessions_not_run, 1);
    assert_int_equal(n_create, BFD_DPLANE_MAX_SESS);
    assert_true(bfd_sess_find(0, IP(198, 51, 100, 1 + BFD_DPLANE_MAX_SESS)) < 0);

    /* one is deleted and its slot retired by the manager */
    first = bfd_sess_find(0, IP(198, 51, 100, 1));
    send_delete(f, 5000);
    bfd_sess[first].used = false;
    advance(1100000000ull);             /* the next retry */
    bfd_dplane_poll(clock_ns);
    bfd_dplane_info_fill(&info);
    assert_int_equal(info.sessions_running, BFD_DPLANE_MAX_SESS);
    assert_int_equal(info.sessions_not_run, 0);
    assert_true(bfd_sess_find(0, IP(198, 51, 100, 1 + BFD_DPLANE_MAX_SESS)) >= 0);
}

/* bfdd goes away: every lid is forgotten, their slots orphaned (run on for
 * the grace period, then the manager retires them); the configuration's
 * slot stays. On reconnection bfdd adds them again: the same slots. */
static void test_disconnect(void **state)
{
    struct fx *f = *state;
    struct bfd_dplane_info info;
    struct bfd_mgr_sess *c = &bfd_sess[5];
    uint32_t l[4];
    int s1;

    c->used = true;
    c->from_config = true;
    c->port = 0;
    c->s.cfg.peer_ip_be = IP(192, 0, 2, 3);
    send_add(f, 1001, IP(192, 0, 2, 2), K_IFACE, 10000);
    send_add(f, 1002, IP(192, 0, 2, 3), K_IFACE, 10000);
    s1 = slot_of_peer(IP(192, 0, 2, 2));
    assert_int_equal(c->n_lids, 1);

    close(f->fd);
    f->fd = -1;
    for (int i = 0; i < 10 && bfd_dplane_lids(s1, l, 4); i++)
        bfd_dplane_poll(clock_ns);
    bfd_dplane_info_fill(&info);
    assert_false(info.connected);
    assert_int_equal(info.disconnects, 1);
    assert_int_equal(info.sessions_running + info.sessions_not_run, 0);
    assert_int_equal(bfd_dplane_lids(s1, l, 4), 0);
    assert_int_equal(bfd_sess[s1].n_lids, 0);
    assert_true(bfd_sess[s1].used);
    assert_int_equal(bfd_sess[s1].orphan_since_ns, clock_ns);
    assert_int_equal(c->n_lids, 0);
    assert_int_equal(c->orphan_since_ns, 0);

    /* reconnect after the backoff; bfdd sends its sessions again */
    advance(200000000ull);
    accept_conn(f);
    bfd_dplane_info_fill(&info);
    assert_true(info.connected);
    assert_int_equal(info.connects, 2);
    send_add(f, 1001, IP(192, 0, 2, 2), K_IFACE, 10000);
    assert_int_equal(slot_of_peer(IP(192, 0, 2, 2)), s1);
    assert_int_equal(n_create, 1);
    assert_int_equal(bfd_sess[s1].orphan_since_ns, 0);
    assert_int_equal(bfd_sess[s1].n_lids, 1);
}

/* A stream that cannot be framed (bad version) closes the connection. */
static void test_bad_stream(void **state)
{
    struct fx *f = *state;
    struct bfd_dplane_info info;
    uint8_t junk[8] = {9, 0, 0, 2, 0, 0, 0, 8};

    assert_int_equal(write(f->fd, junk, sizeof(junk)), (ssize_t)sizeof(junk));
    for (int i = 0; i < 10; i++)
        bfd_dplane_poll(clock_ns);
    bfd_dplane_info_fill(&info);
    assert_false(info.connected);
    assert_int_equal(info.closed_unframeable, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_connect_and_echo, setup, teardown),
        cmocka_unit_test_setup_teardown(test_add_and_state_change, setup, teardown),
        cmocka_unit_test_setup_teardown(test_update, setup, teardown),
        cmocka_unit_test_setup_teardown(test_shared_with_config, setup, teardown),
        cmocka_unit_test_setup_teardown(test_delete, setup, teardown),
        cmocka_unit_test_setup_teardown(test_counters, setup, teardown),
        cmocka_unit_test_setup_teardown(test_not_mappable, setup, teardown),
        cmocka_unit_test_setup_teardown(test_slot_exhaustion, setup, teardown),
        cmocka_unit_test_setup_teardown(test_disconnect, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_stream, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
