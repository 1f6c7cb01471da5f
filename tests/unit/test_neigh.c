/* Unit tests for underlay neighbour resolution (control/punt/neigh.c) with
 * a fake clock: every state and transition, the frames it builds (byte by
 * byte), the exact times of retries, refresh, expiry and backoff, static
 * MACs, events, limits and malformed input. */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "neigh.h"

static const uint8_t PM[6] = {0x02, 0, 0, 0, 0, 0x01};     /* our port */
static const uint8_t NH[6] = {0x02, 0, 0, 0, 0, 0x02};     /* the next hop */
static const uint8_t NH2[6] = {0x02, 0, 0, 0, 0, 0x03};    /* ... after a MAC change */
static const uint8_t BC[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
static uint32_t ME, GW, OTHER;

/* recorded events */
static struct {
    int n;
    int id[32];
    enum neigh_event ev[32];
    uint8_t mac[32][6];
} evs;

static void on_change(void *arg, int id, enum neigh_event ev, const uint8_t *mac)
{
    (void)arg;
    assert_true(evs.n < 32);
    evs.id[evs.n] = id;
    evs.ev[evs.n] = ev;
    if (mac != NULL)
        memcpy(evs.mac[evs.n], mac, 6);
    else
        memset(evs.mac[evs.n], 0, 6);
    if (ev == NEIGH_EV_LOST)
        assert_null(mac);
    else
        assert_non_null(mac);
    evs.n++;
}

static struct neigh_table *t;
/* R = 10 s, r = 1 s, U = 3, B = 3, backoff 1..8 s */
static const struct neigh_params P = {
    .max_nexthops = 4, .reachable_ms = 10000, .retrans_ms = 1000, .ucast_probes = 3,
    .bcast_probes = 3, .backoff_min_ms = 1000, .backoff_max_ms = 8000,
};

static int setup(void **state)
{
    struct neigh_callbacks cb = { on_change, NULL };
    (void)state;

    memset(&evs, 0, sizeof(evs));
    ME = inet_addr("192.0.2.1");
    GW = inet_addr("192.0.2.254");
    OTHER = inet_addr("192.0.2.77");
    t = neigh_create(&P, &cb);
    return t == NULL ? -1 : 0;
}

static int teardown(void **state)
{
    (void)state;
    neigh_destroy(t);
    return 0;
}

/* An ARP frame from sha/spa for tpa, to dst. */
static uint32_t arp(uint8_t *f, uint16_t op, const uint8_t *dst, const uint8_t *sha, uint32_t spa,
                    uint32_t tpa)
{
    memset(f, 0, 60);
    memcpy(f, dst, 6);
    memcpy(f + 6, sha, 6);
    f[12] = 0x08;
    f[13] = 0x06;
    f[15] = 1;
    f[16] = 0x08;
    f[18] = 6;
    f[19] = 4;
    f[21] = (uint8_t)op;
    memcpy(f + 22, sha, 6);
    memcpy(f + 28, &spa, 4);
    memcpy(f + 38, &tpa, 4);
    return 60;
}

static int reply(uint64_t now, const uint8_t *mac)
{
    uint8_t f[60];

    return neigh_input(t, 0, f, arp(f, 2, PM, mac, GW, ME), now);
}

static enum neigh_state state_of(int id, uint64_t now)
{
    struct neigh_info i;

    assert_int_equal(neigh_get(t, id, now, &i), 0);
    return i.state;
}

/* Poll at now; returns the frames; checks each is a request for GW. */
static unsigned int poll_at(uint64_t now, struct neigh_frame *out, unsigned int max)
{
    unsigned int n = neigh_poll(t, now, out, max), i;

    for (i = 0; i < n; i++) {
        const uint8_t *d = out[i].data;
        static const uint8_t zero[6];

        assert_int_equal(out[i].len, 60);
        assert_memory_equal(d + 6, PM, 6);
        assert_int_equal(d[12], 0x08);
        assert_int_equal(d[13], 0x06);
        assert_int_equal(d[14], 0);
        assert_int_equal(d[15], 1);
        assert_int_equal(d[16], 0x08);
        assert_int_equal(d[17], 0);
        assert_int_equal(d[18], 6);
        assert_int_equal(d[19], 4);
        assert_int_equal(d[20], 0);
        assert_int_equal(d[21], 1);             /* request */
        assert_memory_equal(d + 22, PM, 6);
        assert_memory_equal(d + 28, &ME, 4);
        assert_memory_equal(d + 32, zero, 6);   /* target MAC unknown/zero */
        assert_memory_equal(d + 38, &GW, 4);
    }
    return n;
}

static bool is_bcast(const struct neigh_frame *f)
{
    return memcmp(f->data, BC, 6) == 0;
}

static void test_resolve(void **state)
{
    struct neigh_frame fr[4];
    struct neigh_info i;
    int id;
    (void)state;

    id = neigh_add(t, 0, GW, PM, ME, NULL, 1000);
    assert_int_equal(id, 0);
    assert_false(neigh_is_live(t, id));
    assert_int_equal(state_of(id, 1000), NEIGH_INCOMPLETE);
    assert_int_equal(neigh_next_deadline(t), 1000);
    assert_int_equal(poll_at(999, fr, 4), 0);
    assert_int_equal(poll_at(1000, fr, 4), 1);
    assert_true(is_bcast(&fr[0]));
    assert_int_equal(fr[0].port, 0);
    assert_int_equal(fr[0].id, id);
    assert_int_equal(poll_at(1500, fr, 4), 0);
    assert_int_equal(neigh_next_deadline(t), 2000);
    /* the answer */
    assert_int_equal(reply(1600, NH), 1);
    assert_true(neigh_is_live(t, id));
    assert_int_equal(evs.n, 1);
    assert_int_equal(evs.ev[0], NEIGH_EV_RESOLVED);
    assert_memory_equal(evs.mac[0], NH, 6);
    assert_int_equal(neigh_get(t, id, 1700, &i), 0);
    assert_int_equal(i.state, NEIGH_REACHABLE);
    assert_memory_equal(i.mac, NH, 6);
    assert_int_equal(i.confirmed_age_ms, 100);
    /* refresh due U*r before reachable_ms runs out: 1600 + 10000 - 3000 */
    assert_int_equal(neigh_next_deadline(t), 8600);
    assert_string_equal(neigh_state_name(i.state), "reachable");
}

static void test_incomplete_to_failed_with_backoff(void **state)
{
    struct neigh_frame fr[4];
    uint64_t t0 = 0, when;
    unsigned int sent = 0;
    int id;
    static const uint64_t expect[] = {4000, 6000, 10000, 18000, 26000, 34000};
    size_t k;
    (void)state;

    id = neigh_add(t, 0, GW, PM, ME, NULL, t0);
    assert_int_equal(poll_at(0, fr, 4), 1);
    assert_int_equal(poll_at(1000, fr, 4), 1);
    assert_int_equal(poll_at(2000, fr, 4), 1);
    assert_int_equal(state_of(id, 2000), NEIGH_INCOMPLETE);
    /* B requests unanswered: FAILED at 3000, no frame, no event (never had a MAC) */
    assert_int_equal(poll_at(3000, fr, 4), 0);
    assert_int_equal(state_of(id, 3000), NEIGH_FAILED);
    assert_int_equal(evs.n, 0);
    /* retries after 1 s, then 2, 4, 8, 8, 8 (capped) */
    for (k = 0; k < sizeof(expect) / sizeof(expect[0]); k++) {
        when = neigh_next_deadline(t);
        assert_int_equal(when, expect[k]);
        assert_int_equal(poll_at(when - 1, fr, 4), 0);
        assert_int_equal(poll_at(when, fr, 4), 1);
        assert_true(is_bcast(&fr[0]));
        sent++;
    }
    assert_int_equal(sent, 6);
    /* an answer, at last */
    assert_int_equal(reply(35000, NH), 1);
    assert_int_equal(state_of(id, 35000), NEIGH_REACHABLE);
    assert_int_equal(evs.n, 1);
    assert_int_equal(evs.ev[0], NEIGH_EV_RESOLVED);
}

static void test_refresh_keeps_reachable(void **state)
{
    struct neigh_frame fr[4];
    struct neigh_counters c;
    int id;
    (void)state;

    id = neigh_add(t, 0, GW, PM, ME, NULL, 0);
    poll_at(0, fr, 4);
    reply(100, NH);                            /* confirmed at 100 */
    assert_int_equal(poll_at(7099, fr, 4), 0);
    assert_int_equal(poll_at(7100, fr, 4), 1); /* refresh: unicast to the MAC */
    assert_memory_equal(fr[0].data, NH, 6);
    assert_int_equal(state_of(id, 7100), NEIGH_PROBE);
    assert_true(neigh_is_live(t, id));         /* still used while probing */
    assert_int_equal(reply(7150, NH), 1);
    assert_int_equal(state_of(id, 7150), NEIGH_REACHABLE);
    assert_int_equal(evs.n, 1);                /* same MAC: no event */
    assert_int_equal(neigh_next_deadline(t), 7150 + 7000);
    neigh_get_counters(t, &c);
    assert_int_equal(c.ucast_sent, 1);
    assert_int_equal(c.bcast_sent, 1);
    assert_int_equal(c.confirmations, 2);
}

static void test_expiry_to_lost(void **state)
{
    struct neigh_frame fr[4];
    int id;
    uint64_t t1;
    (void)state;

    id = neigh_add(t, 0, GW, PM, ME, NULL, 0);
    poll_at(0, fr, 4);
    reply(0, NH);                              /* confirmed at 0 */
    /* PROBE: 3 unicast at 7, 8, 9 s */
    for (t1 = 7000; t1 <= 9000; t1 += 1000) {
        assert_int_equal(poll_at(t1, fr, 4), 1);
        assert_false(is_bcast(&fr[0]));
        assert_int_equal(state_of(id, t1), NEIGH_PROBE);
    }
    /* reachable_ms after the confirmation: STALE, MAC kept, broadcast */
    assert_int_equal(poll_at(10000, fr, 4), 1);
    assert_true(is_bcast(&fr[0]));
    assert_int_equal(state_of(id, 10000), NEIGH_STALE);
    assert_true(neigh_is_live(t, id));
    assert_int_equal(poll_at(11000, fr, 4), 1);
    assert_int_equal(poll_at(12000, fr, 4), 1);
    assert_int_equal(evs.n, 1);
    /* B broadcasts unanswered: lost at 13 s */
    assert_int_equal(poll_at(12999, fr, 4), 0);
    assert_int_equal(poll_at(13000, fr, 4), 0);
    assert_int_equal(state_of(id, 13000), NEIGH_FAILED);
    assert_false(neigh_is_live(t, id));
    assert_int_equal(evs.n, 2);
    assert_int_equal(evs.ev[1], NEIGH_EV_LOST);
    assert_int_equal(neigh_next_deadline(t), 14000);
}

static void test_mac_change(void **state)
{
    struct neigh_frame fr[4];
    uint8_t f[60];
    int id;
    (void)state;

    id = neigh_add(t, 0, GW, PM, ME, NULL, 0);
    poll_at(0, fr, 4);
    reply(10, NH);
    /* a gratuitous ARP with a new MAC (router failover): changed, confirmed */
    assert_int_equal(neigh_input(t, 0, f, arp(f, 1, BC, NH2, GW, GW), 500), 1);
    assert_int_equal(evs.n, 2);
    assert_int_equal(evs.ev[1], NEIGH_EV_CHANGED);
    assert_memory_equal(evs.mac[1], NH2, 6);
    assert_int_equal(state_of(id, 500), NEIGH_REACHABLE);
    assert_int_equal(neigh_next_deadline(t), 500 + 7000);
    /* in STALE, an answer with yet another MAC */
    poll_at(7500, fr, 4);
    poll_at(8500, fr, 4);
    poll_at(9500, fr, 4);
    poll_at(10500, fr, 4);
    assert_int_equal(state_of(id, 10500), NEIGH_STALE);
    assert_int_equal(reply(10600, NH), 1);
    assert_int_equal(state_of(id, 10600), NEIGH_REACHABLE);
    assert_int_equal(evs.n, 3);
    assert_int_equal(evs.ev[2], NEIGH_EV_CHANGED);
    assert_memory_equal(evs.mac[2], NH, 6);
}

static void test_weak_learning(void **state)
{
    struct neigh_frame fr[4];
    uint8_t f[60];
    int id;
    (void)state;

    id = neigh_add(t, 0, GW, PM, ME, NULL, 0);
    /* the next hop asks for someone else: its MAC, not its reachability */
    assert_int_equal(neigh_input(t, 0, f, arp(f, 1, BC, NH, GW, OTHER), 5), 1);
    assert_int_equal(evs.n, 1);
    assert_int_equal(evs.ev[0], NEIGH_EV_RESOLVED);
    assert_true(neigh_is_live(t, id));
    assert_int_equal(state_of(id, 5), NEIGH_PROBE);
    assert_int_equal(poll_at(5, fr, 4), 1);    /* confirmed by unicast at once */
    assert_memory_equal(fr[0].data, NH, 6);
    /* it asks for our address: that is a confirmation */
    assert_int_equal(neigh_input(t, 0, f, arp(f, 1, BC, NH, GW, ME), 20), 1);
    assert_int_equal(state_of(id, 20), NEIGH_REACHABLE);
    /* a weak one with another MAC updates the MAC, keeps the timers */
    assert_int_equal(neigh_input(t, 0, f, arp(f, 1, BC, NH2, GW, OTHER), 30), 1);
    assert_int_equal(evs.n, 2);
    assert_int_equal(evs.ev[1], NEIGH_EV_CHANGED);
    assert_int_equal(state_of(id, 30), NEIGH_REACHABLE);
    assert_int_equal(neigh_next_deadline(t), 20 + 7000);
}

static void test_static_wins(void **state)
{
    struct neigh_frame fr[4];
    struct neigh_counters c;
    uint8_t f[60];
    int id, id2;
    (void)state;

    id = neigh_add(t, 0, GW, PM, ME, NH, 0);
    assert_true(neigh_is_live(t, id));
    assert_int_equal(evs.n, 1);
    assert_int_equal(evs.ev[0], NEIGH_EV_RESOLVED);
    assert_int_equal(state_of(id, 0), NEIGH_STATIC);
    assert_int_equal(neigh_next_deadline(t), UINT64_MAX);
    assert_int_equal(poll_at(1000000, fr, 4), 0);
    /* ARP saying otherwise: counted, ignored */
    assert_int_equal(reply(10, NH2), 1);
    assert_int_equal(neigh_input(t, 0, f, arp(f, 1, BC, NH2, GW, GW), 11), 1);
    assert_int_equal(evs.n, 1);
    neigh_get_counters(t, &c);
    assert_int_equal(c.static_mismatch, 2);
    assert_int_equal(state_of(id, 20), NEIGH_STATIC);
    /* the same static MAC again: nothing; another: changed */
    assert_int_equal(neigh_set_static(t, id, NH, 30), 0);
    assert_int_equal(evs.n, 1);
    assert_int_equal(neigh_set_static(t, id, NH2, 31), 0);
    assert_int_equal(evs.n, 2);
    assert_int_equal(evs.ev[1], NEIGH_EV_CHANGED);
    /* dynamic again: MAC kept, probed by unicast now */
    assert_int_equal(neigh_set_static(t, id, NULL, 40), 0);
    assert_int_equal(state_of(id, 40), NEIGH_PROBE);
    assert_true(neigh_is_live(t, id));
    assert_int_equal(poll_at(40, fr, 4), 1);
    assert_memory_equal(fr[0].data, NH2, 6);
    /* a dynamic one made static while resolving: resolved by the config */
    id2 = neigh_add(t, 1, GW, PM, ME, NULL, 50);
    assert_int_equal(neigh_set_static(t, id2, NH, 51), 0);
    assert_int_equal(evs.n, 3);
    assert_int_equal(evs.id[2], id2);
    assert_int_equal(evs.ev[2], NEIGH_EV_RESOLVED);
    assert_int_equal(neigh_set_static(t, id2, (const uint8_t *)"\x01\0\0\0\0\0", 52), -EINVAL);
}

static void test_ports_and_filtering(void **state)
{
    uint8_t f[60];
    int a, b;
    (void)state;

    a = neigh_add(t, 0, GW, PM, ME, NULL, 0);
    b = neigh_add(t, 1, GW, PM, ME, NULL, 0);  /* same address, another port */
    assert_true(a >= 0 && b >= 0 && a != b);
    assert_int_equal(neigh_find(t, 1, GW), b);
    assert_int_equal(neigh_find(t, 2, GW), -ENOENT);
    /* an answer on port 1 resolves only the next hop of port 1 */
    assert_int_equal(neigh_input(t, 1, f, arp(f, 2, PM, NH, GW, ME), 5), 1);
    assert_false(neigh_is_live(t, a));
    assert_true(neigh_is_live(t, b));
    /* from an address we do not use */
    assert_int_equal(neigh_input(t, 0, f, arp(f, 2, PM, NH, OTHER, ME), 6), 0);
    /* a probe (sender 0.0.0.0) says nothing */
    assert_int_equal(neigh_input(t, 0, f, arp(f, 1, BC, NH, 0, GW), 7), 0);
    assert_false(neigh_is_live(t, a));
}

static void test_malformed(void **state)
{
    uint8_t f[60], g[60];
    uint32_t len;
    struct neigh_counters c;
    int id, i;
    static const int offs[] = {14, 15, 16, 17, 18, 19, 20, 21};
    (void)state;

    id = neigh_add(t, 0, GW, PM, ME, NULL, 0);
    arp(g, 2, PM, NH, GW, ME);
    for (len = 0; len < 42; len++) {
        memcpy(f, g, 60);
        assert_int_equal(neigh_input(t, 0, f, len, 1), -EINVAL);
    }
    for (i = 0; i < 8; i++) {
        memcpy(f, g, 60);
        f[offs[i]] ^= 0x40;                    /* htype, ptype, hlen, plen, opcode */
        assert_int_equal(neigh_input(t, 0, f, 60, 1), -EINVAL);
    }
    memcpy(f, g, 60);
    f[22] = 0x01;                              /* multicast sender MAC */
    assert_int_equal(neigh_input(t, 0, f, 60, 1), -EINVAL);
    memcpy(f, g, 60);
    f[12] = 0x08;
    f[13] = 0x00;
    assert_int_equal(neigh_input(t, 0, f, 60, 1), -EINVAL);
    assert_int_equal(neigh_input(t, 0, NULL, 60, 1), -EINVAL);
    assert_false(neigh_is_live(t, id));
    assert_int_equal(evs.n, 0);
    neigh_get_counters(t, &c);
    assert_int_equal(c.invalid, 42 + 8 + 3);
    assert_int_equal(neigh_input(t, 0, g, 42, 2), 1);  /* unpadded is fine */
}

static void test_limits_and_poll_room(void **state)
{
    struct neigh_frame fr[4];
    uint32_t ips[5];
    int i, ids[5];
    (void)state;

    for (i = 0; i < 5; i++)
        ips[i] = htonl(0xc0000210u + (uint32_t)i);
    for (i = 0; i < 4; i++) {
        ids[i] = neigh_add(t, 0, ips[i], PM, ME, NULL, 0);
        assert_int_equal(ids[i], i);
    }
    assert_int_equal(neigh_add(t, 0, ips[4], PM, ME, NULL, 0), -ENOSPC);
    assert_int_equal(neigh_add(t, 0, ips[0], PM, ME, NULL, 0), -EEXIST);
    assert_int_equal(neigh_add(t, 0, 0, PM, ME, NULL, 0), -EINVAL);
    assert_int_equal(neigh_add(t, 0, ips[4], BC, ME, NULL, 0), -EINVAL);
    /* 4 due, room for 3: the 4th next time */
    assert_int_equal(neigh_poll(t, 0, fr, 3), 3);
    assert_int_equal(neigh_next_deadline(t), 0);
    assert_int_equal(neigh_poll(t, 0, fr, 3), 1);
    assert_int_equal(fr[0].id, 3);
    assert_int_equal(neigh_next_deadline(t), 1000);
    assert_int_equal(neigh_remove(t, ids[1]), 0);
    assert_int_equal(neigh_remove(t, ids[1]), -ENOENT);
    assert_false(neigh_is_live(t, ids[1]));
    assert_int_equal(neigh_add(t, 0, ips[4], PM, ME, NULL, 5), 1);   /* slot reused */
    assert_int_equal(neigh_get(t, 9, 0, &(struct neigh_info){0}), -ENOENT);
    neigh_destroy(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_resolve, setup, teardown),
        cmocka_unit_test_setup_teardown(test_incomplete_to_failed_with_backoff, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refresh_keeps_reachable, setup, teardown),
        cmocka_unit_test_setup_teardown(test_expiry_to_lost, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mac_change, setup, teardown),
        cmocka_unit_test_setup_teardown(test_weak_learning, setup, teardown),
        cmocka_unit_test_setup_teardown(test_static_wins, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ports_and_filtering, setup, teardown),
        cmocka_unit_test_setup_teardown(test_malformed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_limits_and_poll_room, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
