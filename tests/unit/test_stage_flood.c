/* Unit tests: head-end replication (dataplane/flood.c): one copy per flood
 * VTEP (frames from access ports only) and per other local attachment,
 * the original to the last target, what a failed copy or encapsulation
 * costs. */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "stage_harness.h"

/* Three access ports and one underlay port with two next hops. VNI 100:
 * three attachments, three flood VTEPs; VNI 200: one attachment,
 * no flood VTEP; VNI 300: one attachment, one flood VTEP. */
static const char conf[] =
    "vtep: { local_ip: " H_LOCAL_IP ", underlay_mtu: 1500 }\n"
    "ports:\n"
    "  - { name: up0, role: underlay, devargs: \"r0\", mac: \"02:00:00:00:00:01\" }\n"
    "  - { name: h0, role: access, devargs: \"r1\", mac: \"02:00:00:00:00:02\" }\n"
    "  - { name: h1, role: access, devargs: \"r2\", mac: \"02:00:00:00:00:03\" }\n"
    "  - { name: h2, role: access, devargs: \"r3\", mac: \"02:00:00:00:00:04\" }\n"
    "underlay:\n"
    "  nexthops:\n"
    "    - { name: spine1, port: up0, ip: 192.0.2.254, mac: \"02:00:00:00:01:01\" }\n"
    "    - { name: spine2, port: up0, ip: 192.0.2.253, mac: \"02:00:00:00:01:02\" }\n"
    "vnis:\n"
    "  - vni: 100\n"
    "    access: [ { port: h0, vlan: untagged }, { port: h1, vlan: 10 }, { port: h2, vlan: 11 } ]\n"
    "    flood: [ 198.51.100.4, 198.51.100.2, 198.51.100.3 ]\n"
    "  - vni: 200\n"
    "    access: [ { port: h1, vlan: untagged } ]\n"
    "  - vni: 300\n"
    "    access: [ { port: h0, vlan: 30 } ]\n"
    "    flood: [ 198.51.100.9 ]\n";

static const uint8_t host_a[6] = {0x02, 0, 0, 0, 0xaa, 0x01};
static const uint8_t bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
enum { P_H2 = 3 };  /* this configuration's fourth port */

/* Take every VXLAN copy of inner (VNI vni) sent on the underlay ports,
 * check each, and return a bit per VTEP 198.51.100.(1..31) seen. */
static uint32_t take_vxlan(const uint8_t *inner, uint16_t len, uint32_t vni,
                           struct rte_mbuf *orig, bool orig_expected)
{
    struct rte_mbuf *out[8];
    uint32_t seen = 0;
    bool orig_seen = false;

    {
        unsigned n = h_take(P_UP0, out, 8);
        for (unsigned i = 0; i < n; i++) {
            const uint8_t *h = rte_pktmbuf_mtod(out[i], const uint8_t *);
            uint32_t ip;
            uint16_t sport;
            const struct dp_nexthop *nh;

            memcpy(&ip, h + 30, 4);
            assert_int_equal(ntohl(ip) & 0xffffff00u, 0xc6336400u);    /* 198.51.100.x */
            assert_true((ntohl(ip) & 0xff) < 32);
            assert_false(seen & 1u << (ntohl(ip) & 0xff));
            seen |= 1u << (ntohl(ip) & 0xff);
            nh = h_expect_nh(inner, len, vni, ip, &sport);
            assert_int_equal(nh->port, P_UP0);
            assert_int_equal(h_assert_vxlan(out[i], nh->port, nh->mac.addr_bytes, ip, vni, 4789,
                                            64, inner, len), sport);
            assert_true(RTE_MBUF_DIRECT(out[i]));
            assert_int_equal(rte_mbuf_refcnt_read(out[i]), 1);
            orig_seen |= out[i] == orig;
        }
        h_free(out, n);
    }
    assert_int_equal(orig_seen, orig_expected);
    return seen;
}

#define VTEP_BIT(x) (1u << (x))

/* Take the one frame port sent, expect it to be inner with tag tci (-1:
 * none), and to be orig or not. */
static void take_local(uint16_t port, const uint8_t *inner, uint16_t len, int tci,
                       const struct rte_mbuf *orig, bool is_orig)
{
    struct rte_mbuf *out[2];
    uint8_t want[1600];

    assert_int_equal(h_take(port, out, 2), 1);
    if (tci < 0)
        h_assert_bytes(out[0], inner, len);
    else
        h_assert_bytes(out[0], want, h_tag(want, inner, len, (uint16_t)tci));
    assert_int_equal(out[0] == orig, is_orig);
    rte_pktmbuf_free(out[0]);
}

static void test_from_access(void **state)
{
    uint8_t f[100];
    struct rte_mbuf *m, *out[4];
    uint32_t s = h_slot(100);
    (void)state;

    h_udp4(f, bcast, host_a, -1, 1, 2, 3, 4, 100);
    m = h_mbuf(f, 100);
    flood_send(H.w, m, s, h_attach(P_H0, 0), 1);
    /* every VTEP once, then h1 VLAN 10 a copy, h2 VLAN 11 the original */
    assert_int_equal(take_vxlan(f, 100, 100, m, false),
                     VTEP_BIT(2) | VTEP_BIT(3) | VTEP_BIT(4));
    take_local(P_H1, f, 100, 10, m, false);
    take_local(P_H2, f, 100, 11, m, true);
    (void)out;
    assert_int_equal(H.pub->st.vni[s].flood_packets, 1);
    assert_int_equal(H.pub->st.vni[s].flood_copies, 5);
    assert_int_equal(h_drops_total(), 0);
    h_assert_silent(-1);
}

static void test_from_other_attachment(void **state)
{
    uint8_t f[64];
    struct rte_mbuf *m;
    uint32_t s = h_slot(100);
    (void)state;

    /* from h2 VLAN 11, the last attachment: the original goes to h1 VLAN 10 */
    h_eth(f, bcast, host_a, -1, 0x0806, 64);
    m = h_mbuf(f, 64);
    flood_send(H.w, m, s, h_attach(P_H2, 11), 1);
    assert_int_equal(take_vxlan(f, 64, 100, m, false), VTEP_BIT(2) | VTEP_BIT(3) | VTEP_BIT(4));
    take_local(P_H0, f, 64, -1, m, false);
    take_local(P_H1, f, 64, 10, m, true);
    assert_int_equal(H.pub->st.vni[s].flood_copies, 5);
}

static void test_from_underlay(void **state)
{
    uint8_t f[64];
    struct rte_mbuf *m, *out[4];
    uint32_t s = h_slot(100);
    (void)state;

    /* split horizon: local attachments only, all three */
    h_eth(f, bcast, host_a, -1, 0x0806, 64);
    m = h_mbuf(f, 64);
    flood_send(H.w, m, s, DP_NO_ATTACH, 0);
    assert_int_equal(take_vxlan(f, 64, 100, m, false), 0);
    take_local(P_H0, f, 64, -1, m, false);
    take_local(P_H1, f, 64, 10, m, false);
    take_local(P_H2, f, 64, 11, m, true);
    (void)out;
    assert_int_equal(H.pub->st.vni[s].flood_copies, 3);
    h_assert_silent(-1);
}

static void test_single_target_is_the_original(void **state)
{
    uint8_t f[64];
    struct rte_mbuf *m;
    (void)state;

    /* VNI 300: one VTEP, no other attachment: no copy at all */
    h_eth(f, bcast, host_a, -1, 0x0806, 64);
    m = h_mbuf(f, 64);
    flood_send(H.w, m, h_slot(300), h_attach(P_H0, 30), 1);
    assert_int_equal(h_pool_avail(), H_POOL_SIZE - 1);
    assert_int_equal(take_vxlan(f, 64, 300, m, true), VTEP_BIT(9));
    /* VNI 200 from the underlay: its one attachment gets the original */
    m = h_mbuf(f, 64);
    flood_send(H.w, m, h_slot(200), DP_NO_ATTACH, 0);
    assert_int_equal(h_pool_avail(), H_POOL_SIZE - 1);
    take_local(P_H1, f, 64, -1, m, true);
    /* VNI 300 from the underlay: its VTEP is no target, its attachment is */
    m = h_mbuf(f, 64);
    flood_send(H.w, m, h_slot(300), DP_NO_ATTACH, 0);
    take_local(P_H0, f, 64, 30, m, true);
    assert_int_equal(h_drops_total(), 0);
}

static void test_no_target(void **state)
{
    uint8_t f[64];
    struct dp_flood *saved;
    uint32_t s200 = h_slot(200), s300 = h_slot(300);
    (void)state;

    h_eth(f, bcast, host_a, -1, 0x0806, 64);
    /* VNI 200 from its only attachment, empty flood list */
    flood_send(H.w, h_mbuf(f, 64), s200, h_attach(P_H1, 0), 1);
    assert_int_equal(H.pub->st.drops[DROP_FLOOD_NO_TARGET], 1);
    assert_int_equal(H.pub->st.vni[s200].flood_packets, 1);
    assert_int_equal(H.pub->st.vni[s200].flood_copies, 0);
    /* VNI 300 with no flood list at all, from its only attachment */
    saved = g_dp.flood[s300];
    g_dp.flood[s300] = NULL;
    flood_send(H.w, h_mbuf(f, 64), s300, h_attach(P_H0, 30), 1);
    g_dp.flood[s300] = saved;
    assert_int_equal(H.pub->st.drops[DROP_FLOOD_NO_TARGET], 2);
    assert_int_equal(h_drops_total(), 2);
    h_assert_silent(-1);
}

static void test_no_mbuf_for_copies(void **state)
{
    struct rte_mbuf *hold[H_POOL_SIZE], *m;
    unsigned n_hold = 0;
    uint8_t f[64];
    uint32_t s = h_slot(100);
    (void)state;

    h_eth(f, bcast, host_a, -1, 0x0806, 64);
    m = h_mbuf(f, 64);
    while ((hold[n_hold] = rte_pktmbuf_alloc(H.pool)) != NULL)
        n_hold++;
    /* no copy can be made: four targets lose theirs, the last gets the
     * original */
    flood_send(H.w, m, s, h_attach(P_H0, 0), 1);
    assert_int_equal(H.pub->st.drops[DROP_FLOOD_NO_MBUF], 4);
    assert_int_equal(H.pub->st.vni[s].flood_copies, 1);
    h_free(hold, n_hold);
    take_local(P_H2, f, 64, 11, m, true);
    assert_int_equal(take_vxlan(f, 64, 100, m, false), 0);
    /* one buffer free: the first VTEP gets it */
    m = h_mbuf(f, 64);
    n_hold = 0;
    while ((hold[n_hold] = rte_pktmbuf_alloc(H.pool)) != NULL)
        n_hold++;
    rte_pktmbuf_free(hold[--n_hold]);
    flood_send(H.w, m, s, h_attach(P_H0, 0), 1);
    h_free(hold, n_hold);
    assert_int_equal(H.pub->st.drops[DROP_FLOOD_NO_MBUF], 7);
    assert_int_equal(H.pub->st.vni[s].flood_copies, 3);
    assert_int_equal(take_vxlan(f, 64, 100, m, false),
                     VTEP_BIT(ntohl(g_dp.flood[s]->vtep[0]) & 0xff));
    take_local(P_H2, f, 64, 11, m, true);
    assert_int_equal(h_drops_total(), 7);
    h_assert_silent(-1);
}

static void test_failed_encap_copies(void **state)
{
    static uint8_t f[1465];
    struct rte_mbuf *m, *out[4];
    struct dp_conf *c = g_dp.conf;
    uint32_t s = h_slot(100);
    (void)state;

    /* too big for the underlay: the VTEP copies are dropped, the local
     * ones (no outer headers) go */
    h_eth(f, bcast, host_a, -1, 0x0800, sizeof(f));
    m = h_mbuf(f, sizeof(f));
    flood_send(H.w, m, s, h_attach(P_H0, 0), 1);
    assert_int_equal(H.pub->st.drops[DROP_MTU_EXCEEDED], 3);
    assert_int_equal(H.pub->st.vni[s].flood_copies, 2);
    assert_int_equal(h_take(P_H1, out, 4), 1);
    assert_ptr_not_equal(out[0], m);
    h_free(out, 1);
    assert_int_equal(h_take(P_H2, out, 4), 1);
    assert_ptr_equal(out[0], m);
    h_free(out, 1);
    /* no live next hop: the same */
    for (uint16_t k = 0; k < c->groups[0].ecmp.n_members; k++)
        ecmp_set_live(&c->groups[0].ecmp, k, 0);
    flood_send(H.w, h_mbuf(f, 64), s, h_attach(P_H0, 0), 1);
    assert_int_equal(H.pub->st.drops[DROP_NO_NEXTHOP], 3);
    assert_int_equal(H.pub->st.vni[s].flood_copies, 4);
    assert_int_equal(h_drain(P_H1) + h_drain(P_H2), 2);
    /* VNI 300: the original itself fails */
    flood_send(H.w, h_mbuf(f, 64), h_slot(300), h_attach(P_H0, 30), 1);
    assert_int_equal(H.pub->st.drops[DROP_NO_NEXTHOP], 4);
    assert_int_equal(H.pub->st.vni[h_slot(300)].flood_copies, 0);
    assert_int_equal(h_drops_total(), 7);
    h_assert_silent(-1);
}

static void test_copies_get_headroom(void **state)
{
    uint8_t f[64];
    struct rte_mbuf *m;
    uint32_t s = h_slot(100);
    (void)state;

    /* the original has room for a tag, not for outer headers: copies
     * start with full headroom, the original goes to h2 VLAN 11 */
    h_eth(f, bcast, host_a, -1, 0x0806, 64);
    m = h_mbuf_at(f, 64, 4);
    flood_send(H.w, m, s, h_attach(P_H0, 0), 1);
    assert_int_equal(take_vxlan(f, 64, 100, m, false), VTEP_BIT(2) | VTEP_BIT(3) | VTEP_BIT(4));
    {
        struct rte_mbuf *out[4];
        uint8_t want[68];

        assert_int_equal(h_take(P_H1, out, 4), 1);
        h_assert_bytes(out[0], want, h_tag(want, f, 64, 10));
        assert_ptr_not_equal(out[0], m);
        h_free(out, 1);
        assert_int_equal(h_take(P_H2, out, 4), 1);
        h_assert_bytes(out[0], want, h_tag(want, f, 64, 11));
        assert_ptr_equal(out[0], m);
        assert_int_equal(out[0]->data_off, 0);
        h_free(out, 1);
    }
    assert_int_equal(h_drops_total(), 0);
    assert_int_equal(H.pub->st.vni[s].flood_copies, 5);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_from_access, h_setup, h_teardown),
        cmocka_unit_test_setup_teardown(test_from_other_attachment, h_setup, h_teardown),
        cmocka_unit_test_setup_teardown(test_from_underlay, h_setup, h_teardown),
        cmocka_unit_test_setup_teardown(test_single_target_is_the_original, h_setup, h_teardown),
        cmocka_unit_test_setup_teardown(test_no_target, h_setup, h_teardown),
        cmocka_unit_test_setup_teardown(test_no_mbuf_for_copies, h_setup, h_teardown),
        cmocka_unit_test_setup_teardown(test_failed_encap_copies, h_setup, h_teardown),
        cmocka_unit_test_setup_teardown(test_copies_get_headroom, h_setup, h_teardown),
    };

    if (h_init("stage_flood") != 0 || h_load(conf) != 0)
        return 1;
    return cmocka_run_group_tests_name("stage_flood", tests, NULL, NULL);
}
