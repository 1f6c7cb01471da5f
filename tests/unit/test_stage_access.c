/* Unit tests: access port input (dataplane/access_input.c) on the basic
 * harness configuration: VNI 100 = h0 untagged + h1 VLAN 10, flooding to
 * 198.51.100.2 and .3; VNI 200 = h0 VLAN 20 + h1 untagged; VNI 300 = h0
 * VLAN 30. Every test checks the bytes that left, the counters, the learn
 * events, and that every mbuf came back. */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "stage_harness.h"

static const uint8_t host_a[6] = {0x02, 0, 0, 0, 0xaa, 0x01};  /* sender on h0 */
static const uint8_t host_b[6] = {0x02, 0, 0, 0, 0xbb, 0x01};  /* remote */
static const uint8_t host_c[6] = {0x02, 0, 0, 0, 0xcc, 0x01};  /* local, h1 VLAN 10 */
static const uint8_t bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
static const uint8_t spine1[6] = H_SPINE1_MAC;
static const uint8_t spine2[6] = H_SPINE2_MAC;
static const uint16_t underlay_ports[2] = {P_UP0, P_UP1};

#define VTEP_B "198.51.100.2"

static int teardown(void **state)
{
    struct learn_event ev[64];
    (void)state;

    h_learn_events(ev, 64);
    h_assert_no_leak();
    return 0;
}

static void input1(uint16_t port, struct rte_mbuf *m)
{
    access_input(H.w, port, &m, 1);
}

static void set_remote(uint32_t vni, const uint8_t *mac, const char *vtep)
{
    assert_int_equal(mac_table_set(g_dp.macs, h_slot(vni), mac,
                                   mac_val_remote(MAC_REMOTE, inet_addr(vtep)), 0), 0);
}

static void set_local(uint32_t vni, const uint8_t *mac, uint16_t attach, enum mac_kind k)
{
    assert_int_equal(mac_table_set(g_dp.macs, h_slot(vni), mac, mac_val_local(k, attach), 0), 0);
}

static const uint8_t *nh_mac(const struct dp_nexthop *nh)
{
    return nh->mac.addr_bytes;
}

/* Take the one VXLAN packet inner should have become and check it. */
static void expect_encap(const uint8_t *inner, uint16_t len, uint32_t vni, const char *vtep)
{
    struct rte_mbuf *out[4];
    uint16_t sport;
    const struct dp_nexthop *nh = h_expect_nh(inner, len, vni, inet_addr(vtep), &sport);

    assert_non_null(nh);
    assert_int_equal(h_take(nh->port, out, 4), 1);
    assert_int_equal(h_assert_vxlan(out[0], nh->port, nh_mac(nh), inet_addr(vtep), vni, 4789,
                                    64, inner, len), sport);
    h_free(out, 1);
    h_assert_silent(-1);
}

static void expect_learn(uint32_t vni, uint16_t attach, const uint8_t *mac)
{
    struct learn_event ev[4];

    assert_int_equal(h_learn_events(ev, 4), 1);
    assert_int_equal(ev[0].vni_idx, h_slot(vni));
    assert_int_equal(ev[0].attach, attach);
    assert_memory_equal(ev[0].mac, mac, 6);
}

static void test_unicast_to_remote(void **state)
{
    uint8_t f[100];
    uint32_t s = h_slot(100);
    (void)state;

    set_remote(100, host_b, VTEP_B);
    h_udp4(f, host_b, host_a, -1, 0xc0000201, 0xc0000202, 1000, 80, 100);
    input1(P_H0, h_mbuf(f, 100));
    expect_encap(f, 100, 100, VTEP_B);
    assert_int_equal(H.pub->st.port[P_H0].rx_packets, 1);
    assert_int_equal(H.pub->st.port[P_H0].rx_bytes, 100);
    assert_int_equal(H.pub->st.vni[s].encap_packets, 1);
    assert_int_equal(H.pub->st.vni[s].encap_bytes, 100);
    assert_int_equal(H.pub->st.vni[s].flood_packets, 0);
    assert_int_equal(h_drops_total(), 0);
    expect_learn(100, h_attach(P_H0, 0), host_a);
    assert_int_equal(H.pub->st.ev.learn_events, 1);
}

static void test_tagged_to_remote(void **state)
{
    uint8_t f[104], inner[100];
    uint16_t len;
    (void)state;

    set_remote(100, host_b, VTEP_B);
    /* PCP 5, DEI 1, VLAN 10: the tag goes, whatever its priority */
    h_udp4(f, host_b, host_a, 0xb00a, 0xc0000201, 0xc0000202, 1000, 80, 104);
    len = h_untag(inner, f, 104);
    input1(P_H1, h_mbuf(f, 104));
    expect_encap(inner, len, 100, VTEP_B);
    assert_int_equal(H.pub->st.port[P_H1].rx_bytes, 104);
    assert_int_equal(H.pub->st.vni[h_slot(100)].encap_bytes, 100);
    expect_learn(100, h_attach(P_H1, 10), host_a);
}

static void test_priority_tag(void **state)
{
    uint8_t f[68], inner[64];
    uint16_t len;
    (void)state;

    /* VLAN 0 (priority only) is the untagged attachment: VNI 100 on h0 */
    set_remote(100, host_b, VTEP_B);
    h_eth(f, host_b, host_a, 0x6000, 0x0800, 68);
    len = h_untag(inner, f, 68);
    input1(P_H0, h_mbuf(f, 68));
    expect_encap(inner, len, 100, VTEP_B);
    expect_learn(100, h_attach(P_H0, 0), host_a);
}

static void test_local_switch(void **state)
{
    uint8_t f[96], want[100];
    struct rte_mbuf *out[2];
    uint32_t s = h_slot(100);
    (void)state;

    /* untagged h0 -> h1 VLAN 10: the tag is added */
    set_local(100, host_c, h_attach(P_H1, 10), MAC_LOCAL);
    h_eth(f, host_c, host_a, -1, 0x0800, 96);
    input1(P_H0, h_mbuf(f, 96));
    assert_int_equal(h_take(P_H1, out, 2), 1);
    h_assert_bytes(out[0], want, h_tag(want, f, 96, 10));
    h_free(out, 1);
    h_assert_silent(-1);
    assert_int_equal(H.pub->st.vni[s].local_switched, 1);
    assert_int_equal(H.pub->st.vni[s].encap_packets, 0);
    expect_learn(100, h_attach(P_H0, 0), host_a);

    /* h1 VLAN 10 -> untagged h0 (a static entry): the tag goes */
    set_local(100, host_a, h_attach(P_H0, 0), MAC_LOCAL_STATIC);
    h_eth(f, host_a, host_c, 10, 0x0800, 96);
    input1(P_H1, h_mbuf(f, 96));
    assert_int_equal(h_take(P_H0, out, 2), 1);
    h_assert_bytes(out[0], want, h_untag(want, f, 96));
    h_free(out, 1);
    h_assert_silent(-1);
    assert_int_equal(H.pub->st.vni[s].local_switched, 2);
    expect_learn(100, h_attach(P_H1, 10), host_c);
    assert_int_equal(h_drops_total(), 0);
}

static void test_same_attachment_and_stale(void **state)
{
    uint8_t f[64];
    (void)state;

    h_eth(f, host_c, host_a, -1, 0x0800, 64);
    /* the destination is where the frame came from */
    set_local(100, host_c, h_attach(P_H0, 0), MAC_LOCAL);
    input1(P_H0, h_mbuf(f, 64));
    assert_int_equal(H.pub->st.drops[DROP_ACCESS_SAME_PORT], 1);
    /* an entry naming an attachment of another VNI (left by a reload) */
    set_local(100, host_c, h_attach(P_H1, 0), MAC_LOCAL);
    input1(P_H0, h_mbuf(f, 64));
    assert_int_equal(H.pub->st.drops[DROP_ACCESS_SAME_PORT], 2);
    /* or no attachment at all */
    set_local(100, host_c, 0xfffe, MAC_LOCAL);
    input1(P_H0, h_mbuf(f, 64));
    assert_int_equal(H.pub->st.drops[DROP_ACCESS_SAME_PORT], 3);
    assert_int_equal(h_drops_total(), 3);
    assert_int_equal(H.pub->st.vni[h_slot(100)].local_switched, 0);
    h_assert_silent(-1);
}

/* inner (len, untagged) flooded in VNI 100 from h0: one VXLAN copy per
 * flood VTEP and one tagged copy on h1. */
static void expect_flood_vni100_from_h0(const uint8_t *inner, uint16_t len)
{
    static const char *const vteps[] = {"198.51.100.2", "198.51.100.3"};
    struct rte_mbuf *out[4];
    uint8_t want[1600];
    unsigned got[2] = {0, 0};

    /* underlay copies, on whichever next hop ECMP picks for each */
    for (unsigned u = 0; u < 2; u++) {
        uint16_t p = underlay_ports[u];
        unsigned n = h_take(p, out, 4);
        for (unsigned i = 0; i < n; i++) {
            const uint8_t *h = rte_pktmbuf_mtod(out[i], const uint8_t *);
            for (int v = 0; v < 2; v++) {
                uint32_t ip = inet_addr(vteps[v]);
                uint16_t sport;
                const struct dp_nexthop *nh;

                if (memcmp(h + 30, &ip, 4))
                    continue;
                nh = h_expect_nh(inner, len, 100, ip, &sport);
                assert_int_equal(nh->port, p);
                assert_int_equal(h_assert_vxlan(out[i], p, nh_mac(nh), ip, 100, 4789, 64,
                                                inner, len), sport);
                got[v]++;
            }
        }
        h_free(out, n);
    }
    assert_int_equal(got[0], 1);
    assert_int_equal(got[1], 1);
    assert_int_equal(h_take(P_H1, out, 4), 1);
    h_assert_bytes(out[0], want, h_tag(want, inner, len, 10));
    h_free(out, 1);
    h_assert_silent(-1);
}

static void test_unknown_unicast_floods(void **state)
{
    uint8_t f[120];
    uint32_t s = h_slot(100);
    (void)state;

    /* host_b is known in VNI 200 only: in VNI 100 it is unknown */
    set_remote(200, host_b, VTEP_B);
    h_udp4(f, host_b, host_a, -1, 0xc0000201, 0xc0000202, 5, 6, 120);
    input1(P_H0, h_mbuf(f, 120));
    expect_flood_vni100_from_h0(f, 120);
    assert_int_equal(H.pub->st.vni[s].flood_packets, 1);
    assert_int_equal(H.pub->st.vni[s].flood_copies, 3);
    assert_int_equal(H.pub->st.vni[s].encap_packets, 0);
    assert_int_equal(H.pub->st.vni[h_slot(200)].flood_packets, 0);
    assert_int_equal(h_drops_total(), 0);
    expect_learn(100, h_attach(P_H0, 0), host_a);
}

static void test_bum_floods(void **state)
{
    static const uint8_t dsts[][6] = {
        {0xff, 0xff, 0xff, 0xff, 0xff, 0xff},
        {0x01, 0x00, 0x5e, 0x00, 0x00, 0x01},
        {0x33, 0x33, 0x00, 0x00, 0x00, 0x01},
        {0x01, 0x80, 0xc2, 0x00, 0x00, 0x10},   /* past the link-local block */
    };
    uint8_t f[60];
    uint32_t s = h_slot(100);
    (void)state;

    for (unsigned i = 0; i < 4; i++) {
        /* a multicast destination floods even when the table knows it */
        set_remote(100, dsts[i], VTEP_B);
        h_eth(f, dsts[i], host_a, -1, 0x0800, 60);
        input1(P_H0, h_mbuf(f, 60));
        expect_flood_vni100_from_h0(f, 60);
    }
    assert_int_equal(H.pub->st.vni[s].flood_packets, 4);
    assert_int_equal(H.pub->st.vni[s].flood_copies, 12);
    assert_int_equal(H.pub->st.vni[s].encap_packets, 0);
    /* VNI 300 has one attachment and no flood list: nowhere to go */
    h_eth(f, bcast, host_a, 30, 0x0800, 60);
    input1(P_H0, h_mbuf(f, 60));
    assert_int_equal(H.pub->st.drops[DROP_FLOOD_NO_TARGET], 1);
    assert_int_equal(H.pub->st.vni[h_slot(300)].flood_packets, 1);
    assert_int_equal(h_drops_total(), 1);
    h_assert_silent(-1);
}

static void test_arp_suppression(void **state)
{
    uint8_t f[60], want[64];
    struct rte_mbuf *m, *got, *out[4];
    uint32_t s = h_slot(100);
    (void)state;

    /* VNI 100 suppresses ARP: a broadcast request goes to the control
     * thread (which answers it or hands it back to be flooded), with the
     * attachment it came from, and is not flooded here */
    h_eth(f, bcast, host_a, 10, 0x0806, 60);
    m = h_mbuf(f, 60);
    input1(P_H1, m);
    assert_int_equal(rte_ring_dequeue(H.pub->punt_ring, (void **)&got), 0);
    assert_ptr_equal(got, m);
    assert_int_equal(got->port, P_H1);
    assert_int_equal(got->hash.usr, h_attach(P_H1, 10));
    h_assert_bytes(got, want, h_untag(want, f, 60));
    rte_pktmbuf_free(got);
    assert_int_equal(H.pub->st.vni[s].flood_packets, 0);
    assert_int_equal(H.pub->st.ev.punted, 1);
    expect_learn(100, h_attach(P_H1, 10), host_a);
    h_assert_silent(-1);
    /* a unicast ARP goes on, and a copy is punted to be snooped */
    set_remote(100, host_b, VTEP_B);
    h_eth(f, host_b, host_a, -1, 0x0806, 60);
    input1(P_H0, h_mbuf(f, 60));
    assert_int_equal(rte_ring_dequeue(H.pub->punt_ring, (void **)&got), 0);
    assert_int_equal(got->hash.usr, h_attach(P_H0, 0) | DP_PUNT_SNOOP);
    h_assert_bytes(got, f, 60);
    rte_pktmbuf_free(got);
    expect_encap(f, 60, 100, VTEP_B);
    /* VNI 200 does not suppress: its broadcast ARP floods (h1 -> h0 VLAN 20) */
    h_eth(f, bcast, host_c, -1, 0x0806, 60);
    input1(P_H1, h_mbuf(f, 60));
    assert_int_equal(h_take(P_H0, out, 4), 1);
    h_assert_bytes(out[0], want, h_tag(want, f, 60, 20));
    h_free(out, 1);
    assert_int_equal(rte_ring_count(H.pub->punt_ring), 0);
    assert_int_equal(H.pub->st.ev.punted, 2);
    assert_int_equal(h_drops_total(), 0);
    h_assert_silent(-1);
}

/* In a burst, a unicast ARP frame from the station and to the destination
 * of the short-path frames before it still takes the full path in a VNI
 * that suppresses ARP: its copy is punted to be snooped. */
static void test_arp_snoop_in_burst(void **state)
{
    struct rte_mbuf *in[4], *got;
    uint8_t f[4][60];
    (void)state;

    set_remote(100, host_b, VTEP_B);
    for (unsigned i = 0; i < 4; i++) {
        h_eth(f[i], host_b, host_a, -1, i == 2 ? 0x0806 : 0x0800, 60);
        in[i] = h_mbuf(f[i], 60);
    }
    access_input(H.w, P_H0, in, 4);
    assert_int_equal(rte_ring_dequeue(H.pub->punt_ring, (void **)&got), 0);
    assert_int_equal(got->hash.usr, h_attach(P_H0, 0) | DP_PUNT_SNOOP);
    h_assert_bytes(got, f[2], 60);
    rte_pktmbuf_free(got);
    assert_int_equal(rte_ring_count(H.pub->punt_ring), 0);
    assert_int_equal(H.pub->st.vni[h_slot(100)].encap_packets, 4);
    for (unsigned u = 0; u < 2; u++)
        h_drain(underlay_ports[u]);
    assert_int_equal(h_drops_total(), 0);
    expect_learn(100, h_attach(P_H0, 0), host_a);
}

static void test_drops(void **state)
{
    static const struct {
        int tci;
        uint16_t port, len;
        const uint8_t dst[6], src[6];
        enum drop_reason why;
    } c[] = {
        {-1, P_H0, 13, {0x02, 0, 0, 0, 0xbb, 1}, {0x02, 0, 0, 0, 0xaa, 1}, DROP_ACCESS_RUNT},
        {10, P_H1, 17, {0x02, 0, 0, 0, 0xbb, 1}, {0x02, 0, 0, 0, 0xaa, 1}, DROP_ACCESS_RUNT},
        {99, P_H0, 64, {0x02, 0, 0, 0, 0xbb, 1}, {0x02, 0, 0, 0, 0xaa, 1}, DROP_ACCESS_NO_VNI},
        {10, P_H0, 64, {0x02, 0, 0, 0, 0xbb, 1}, {0x02, 0, 0, 0, 0xaa, 1}, DROP_ACCESS_NO_VNI},
        {-1, P_H0, 64, {0x02, 0, 0, 0, 0xbb, 1}, {0x01, 0, 0x5e, 0, 0, 1}, DROP_ACCESS_BAD_SRC_MAC},
        {-1, P_H0, 64, {0x02, 0, 0, 0, 0xbb, 1}, {0xff, 0xff, 0xff, 0xff, 0xff, 0xff},
         DROP_ACCESS_BAD_SRC_MAC},
        {10, P_H1, 64, {0x02, 0, 0, 0, 0xbb, 1}, {0, 0, 0, 0, 0, 0}, DROP_ACCESS_BAD_SRC_MAC},
        {-1, P_H0, 64, {0x01, 0x80, 0xc2, 0, 0, 0}, {0x02, 0, 0, 0, 0xaa, 1}, DROP_LINK_LOCAL},
        {20, P_H0, 64, {0x01, 0x80, 0xc2, 0, 0, 0x0e}, {0x02, 0, 0, 0, 0xaa, 1}, DROP_LINK_LOCAL},
    };
    uint8_t f[64];
    uint64_t bytes[H_PORTS] = {0}, pkts[H_PORTS] = {0}, want[DROP_NUM] = {0};
    struct learn_event ev[4];
    (void)state;

    set_remote(100, host_b, VTEP_B);
    for (unsigned i = 0; i < RTE_DIM(c); i++) {
        memset(f, 0, sizeof(f));
        h_eth(f, c[i].dst, c[i].src, c[i].tci, 0x0800, 64);
        input1(c[i].port, h_mbuf(f, c[i].len));
        want[c[i].why]++;
        for (int d = 0; d < DROP_NUM; d++)
            assert_int_equal(H.pub->st.drops[d], want[d]);
        bytes[c[i].port] += c[i].len;
        pkts[c[i].port]++;
    }
    for (int p = 0; p < H_PORTS; p++) {
        assert_int_equal(H.pub->st.port[p].rx_packets, pkts[p]);
        assert_int_equal(H.pub->st.port[p].rx_bytes, bytes[p]);
    }
    assert_int_equal(H.pub->st.drops[DROP_ACCESS_RUNT], 2);
    assert_int_equal(H.pub->st.drops[DROP_ACCESS_NO_VNI], 2);
    assert_int_equal(H.pub->st.drops[DROP_ACCESS_BAD_SRC_MAC], 3);
    assert_int_equal(H.pub->st.drops[DROP_LINK_LOCAL], 2);
    /* a dropped frame teaches nothing */
    assert_int_equal(h_learn_events(ev, 4), 0);
    h_assert_silent(-1);
}

static void test_burst(void **state)
{
    enum { N = DP_BURST };
    struct rte_mbuf *in[N], *out[N];
    uint8_t f[N][80];
    unsigned want_up = 0, want_h1 = 0, n_up = 0;
    struct learn_event ev[8];
    (void)state;

    set_remote(100, host_b, VTEP_B);
    set_local(100, host_c, h_attach(P_H1, 10), MAC_LOCAL);
    /* runs of one destination, the other, a drop, a broadcast: the
     * order of frames per output port is kept */
    for (unsigned i = 0; i < N; i++) {
        const uint8_t *dst = (i / 3) % 2 ? host_c : host_b;
        if (i % 11 == 10)
            dst = bcast;
        h_eth(f[i], dst, host_a, -1, 0x0800, 80);
        f[i][40] = (uint8_t)i;
        if (i % 7 == 6)
            f[i][6] = 0x01;     /* multicast source: dropped */
        in[i] = h_mbuf(f[i], 80);
    }
    access_input(H.w, P_H0, in, N);
    for (unsigned i = 0; i < N; i++) {
        if (i % 7 == 6)
            continue;
        if (i % 11 == 10) {
            want_up += 2;
            want_h1++;
        } else if ((i / 3) % 2) {
            want_h1++;
        } else {
            want_up++;
        }
    }
    /* unicast frames leave each port in the order they came; broadcasts
     * are replicated as they are met, ahead of the unicast lookups */
    for (unsigned u = 0; u < 2; u++) {
        int last = -1;
        unsigned n = h_take(underlay_ports[u], out, N);
        for (unsigned k = 0; k < n; k++) {
            int i = rte_pktmbuf_mtod(out[k], const uint8_t *)[50 + 40];
            if (i % 11 == 10)
                continue;
            assert_true(i > last);
            last = i;
        }
        n_up += n;
        h_free(out, n);
    }
    {
        int last = -1;
        unsigned n = h_take(P_H1, out, N);
        for (unsigned k = 0; k < n; k++) {
            int i = rte_pktmbuf_mtod(out[k], const uint8_t *)[40 + 4];
            if (i % 11 == 10)
                continue;
            assert_true(i > last);
            last = i;
        }
        h_free(out, n);
        assert_int_equal(n, want_h1);
    }
    assert_int_equal(n_up, want_up);
    assert_int_equal(H.pub->st.port[P_H0].rx_packets, N);
    assert_int_equal(H.pub->st.drops[DROP_ACCESS_BAD_SRC_MAC], 4);
    assert_int_equal(h_drops_total(), 4);
    /* one station, one event, however many frames */
    assert_int_equal(h_learn_events(ev, 8), 1);
    h_assert_silent(-1);
}

/* A run on the full path between two short-path frames to one
 * destination: the second frame opens a run of its own. From host_a on
 * h0 (VNI 100): two frames to host_b, one priority-tagged to host_d (the
 * full path, same attachment), one to host_b, one to host_d; host_b is
 * behind 198.51.100.2, host_d behind .3. */
static void test_runs_around_full_path(void **state)
{
    static const uint8_t host_d[6] = {0x02, 0, 0, 0, 0xdd, 0x01};
    static const char *const want[5] = {VTEP_B, VTEP_B, "198.51.100.3", VTEP_B,
                                        "198.51.100.3"};
    struct rte_mbuf *in[5], *out[5];
    uint8_t f[5][84];
    unsigned got = 0;
    (void)state;

    set_remote(100, host_b, VTEP_B);
    set_remote(100, host_d, "198.51.100.3");
    for (unsigned i = 0; i < 5; i++) {
        const uint8_t *dst = i == 2 || i == 4 ? host_d : host_b;

        h_eth(f[i], dst, host_a, i == 2 ? 0x6000 : -1, 0x0800, 84);
        f[i][i == 2 ? 64 : 60] = (uint8_t)(0xe0 + i);    /* byte 60 once untagged */
        in[i] = h_mbuf(f[i], 84);
    }
    access_input(H.w, P_H0, in, 5);
    for (unsigned u = 0; u < 2; u++) {
        unsigned n = h_take(underlay_ports[u], out, 5);

        for (unsigned k = 0; k < n; k++) {
            const uint8_t *o = rte_pktmbuf_mtod(out[k], const uint8_t *);
            unsigned i = o[VXLAN_ENCAP_LEN + 60] - 0xe0u;
            uint32_t dst;

            assert_true(i <= 4);
            memcpy(&dst, o + 30, 4);
            assert_int_equal(dst, inet_addr(want[i]));
        }
        got += n;
        h_free(out, n);
    }
    assert_int_equal(got, 5);
    assert_int_equal(H.pub->st.vni[h_slot(100)].encap_packets, 5);
    assert_int_equal(h_drops_total(), 0);
    expect_learn(100, h_attach(P_H0, 0), host_a);
}

static void test_learn_per_burst_and_move(void **state)
{
    struct rte_mbuf *in[6];
    uint8_t f[2][64];
    struct learn_event ev[8];
    (void)state;

    set_remote(100, host_b, VTEP_B);
    h_eth(f[0], host_b, host_a, -1, 0x0800, 64);
    h_eth(f[1], host_b, host_c, -1, 0x0800, 64);
    /* a a c a c a: two stations, two events */
    for (int i = 0; i < 6; i++)
        in[i] = h_mbuf(f[(i == 2 || i == 4) ? 1 : 0], 64);
    access_input(H.w, P_H0, in, 6);
    assert_int_equal(h_learn_events(ev, 8), 2);
    assert_memory_equal(ev[0].mac, host_a, 6);
    assert_memory_equal(ev[1].mac, host_c, 6);
    /* within the second, again: nothing */
    in[0] = h_mbuf(f[0], 64);
    in[1] = h_mbuf(f[1], 64);
    access_input(H.w, P_H0, in, 2);
    assert_int_equal(h_learn_events(ev, 8), 0);
    /* host_a moves to h1 VLAN 10: at once */
    h_eth(f[0], host_b, host_a, 10, 0x0800, 64);
    input1(P_H1, h_mbuf(f[0], 64));
    expect_learn(100, h_attach(P_H1, 10), host_a);
    /* a second later host_c is reported again */
    H.w->now_tsc += H.w->learn_refresh_tsc;
    input1(P_H0, h_mbuf(f[1], 64));
    expect_learn(100, h_attach(P_H0, 0), host_c);
    assert_int_equal(H.pub->st.ev.learn_events, 4);
    assert_int_equal(h_drain(P_UP0) + h_drain(P_UP1), 10);
}

static void test_learn_ring_full(void **state)
{
    struct rte_mbuf *in[4];
    struct learn_event ev[H_LEARN_RING];
    uint8_t f[64], src[6];
    (void)state;

    set_remote(100, host_b, VTEP_B);
    memcpy(src, host_a, 6);
    for (unsigned i = 0; i < H_LEARN_RING - 1; i++) {
        src[3] = (uint8_t)i;
        h_eth(f, host_b, src, -1, 0x0800, 64);
        input1(P_H0, h_mbuf(f, 64));
    }
    assert_int_equal(H.pub->st.ev.learn_events, H_LEARN_RING - 1);
    /* a burst from one more station while the ring is full: it is
     * tried once per burst (runs of one source skip the learn cache),
     * and forwarded all the same */
    h_eth(f, host_b, host_c, -1, 0x0800, 64);
    for (int i = 0; i < 4; i++)
        in[i] = h_mbuf(f, 64);
    access_input(H.w, P_H0, in, 4);
    assert_int_equal(H.pub->st.ev.learn_ring_full, 1);
    assert_int_equal(h_learn_events(ev, H_LEARN_RING), H_LEARN_RING - 1);
    /* room again: the next frame reports it */
    input1(P_H0, h_mbuf(f, 64));
    expect_learn(100, h_attach(P_H0, 0), host_c);
    assert_int_equal(h_drain(P_UP0) + h_drain(P_UP1), H_LEARN_RING - 1 + 5);
    assert_int_equal(h_drops_total(), 0);
}

static void test_mtu(void **state)
{
    static uint8_t f[1600], inner[1600];
    struct rte_mbuf *out[2];
    uint16_t sport;
    const struct dp_nexthop *nh;
    (void)state;

    /* underlay_mtu 1500: an inner frame of 1464 bytes makes 1500 */
    set_remote(100, host_b, VTEP_B);
    h_udp4(f, host_b, host_a, -1, 1, 2, 3, 4, 1464);
    input1(P_H0, h_mbuf(f, 1464));
    nh = h_expect_nh(f, 1464, 100, inet_addr(VTEP_B), &sport);
    assert_int_equal(h_take(nh->port, out, 2), 1);
    assert_int_equal(rte_pktmbuf_pkt_len(out[0]), 1514);
    h_free(out, 1);
    h_udp4(f, host_b, host_a, -1, 1, 2, 3, 4, 1465);
    input1(P_H0, h_mbuf(f, 1465));
    assert_int_equal(H.pub->st.drops[DROP_MTU_EXCEEDED], 1);
    h_assert_silent(-1);
    /* the tag does not count: it is gone before encapsulation */
    h_udp4(f, host_b, host_a, 10, 1, 2, 3, 4, 1468);
    input1(P_H1, h_mbuf(f, 1468));
    expect_encap(inner, h_untag(inner, f, 1468), 100, VTEP_B);
    assert_int_equal(h_drops_total(), 1);
    assert_int_equal(H.pub->st.vni[h_slot(100)].encap_packets, 2);
}

static void test_headroom(void **state)
{
    uint8_t f[68], inner[64];
    struct rte_mbuf *out[2];
    (void)state;

    set_remote(100, host_b, VTEP_B);
    set_local(100, host_c, h_attach(P_H1, 10), MAC_LOCAL);
    /* 50 bytes of outer headers need 50 bytes of headroom (frames start
     * 2-byte aligned, as mbuf data does) */
    h_eth(f, host_b, host_a, -1, 0x0800, 64);
    input1(P_H0, h_mbuf_at(f, 64, 48));
    assert_int_equal(H.pub->st.drops[DROP_NO_HEADROOM], 1);
    h_assert_silent(-1);
    input1(P_H0, h_mbuf_at(f, 64, 50));
    expect_encap(f, 64, 100, VTEP_B);
    /* a stripped tag gives its 4 bytes back */
    h_eth(f, host_b, host_a, 10, 0x0800, 68);
    input1(P_H1, h_mbuf_at(f, 68, 44));
    assert_int_equal(H.pub->st.drops[DROP_NO_HEADROOM], 2);
    input1(P_H1, h_mbuf_at(f, 68, 46));
    expect_encap(inner, h_untag(inner, f, 68), 100, VTEP_B);
    /* local delivery to a tagged attachment needs 4 */
    h_eth(f, host_c, host_a, -1, 0x0800, 64);
    input1(P_H0, h_mbuf_at(f, 64, 2));
    assert_int_equal(H.pub->st.drops[DROP_NO_HEADROOM], 3);
    input1(P_H0, h_mbuf_at(f, 64, 4));
    assert_int_equal(h_take(P_H1, out, 2), 1);
    h_free(out, 1);
    assert_int_equal(h_drops_total(), 3);
    h_assert_silent(-1);
}

static void test_no_nexthop(void **state)
{
    struct dp_conf *c = g_dp.conf;
    uint8_t f[64], want[68];
    struct rte_mbuf *out[2];
    uint32_t s = h_slot(100);
    (void)state;

    set_remote(100, host_b, VTEP_B);
    for (uint16_t m = 0; m < c->groups[0].ecmp.n_members; m++)
        ecmp_set_live(&c->groups[0].ecmp, m, 0);
    h_eth(f, host_b, host_a, -1, 0x0800, 64);
    input1(P_H0, h_mbuf(f, 64));
    assert_int_equal(H.pub->st.drops[DROP_NO_NEXTHOP], 1);
    assert_int_equal(H.pub->st.vni[s].encap_packets, 0);
    /* flooding: the underlay copies are lost, the local one goes */
    h_eth(f, bcast, host_a, -1, 0x0800, 64);
    input1(P_H0, h_mbuf(f, 64));
    assert_int_equal(H.pub->st.drops[DROP_NO_NEXTHOP], 3);
    assert_int_equal(H.pub->st.vni[s].flood_copies, 1);
    assert_int_equal(h_take(P_H1, out, 2), 1);
    h_assert_bytes(out[0], want, h_tag(want, f, 64, 10));
    h_free(out, 1);
    assert_int_equal(h_drops_total(), 3);
    h_assert_silent(-1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_unicast_to_remote, h_setup, teardown),
        cmocka_unit_test_setup_teardown(test_tagged_to_remote, h_setup, teardown),
        cmocka_unit_test_setup_teardown(test_priority_tag, h_setup, teardown),
        cmocka_unit_test_setup_teardown(test_arp_snoop_in_burst, h_setup, teardown),
        cmocka_unit_test_setup_teardown(test_runs_around_full_path, h_setup, teardown),
        cmocka_unit_test_setup_teardown(test_local_switch, h_setup, teardown),
        cmocka_unit_test_setup_teardown(test_same_attachment_and_stale, h_setup, teardown),
        cmocka_unit_test_setup_teardown(test_unknown_unicast_floods, h_setup, teardown),
        cmocka_unit_test_setup_teardown(test_bum_floods, h_setup, teardown),
        cmocka_unit_test_setup_teardown(test_arp_suppression, h_setup, teardown),
        cmocka_unit_test_setup_teardown(test_drops, h_setup, teardown),
        cmocka_unit_test_setup_teardown(test_burst, h_setup, teardown),
        cmocka_unit_test_setup_teardown(test_learn_per_burst_and_move, h_setup, teardown),
        cmocka_unit_test_setup_teardown(test_learn_ring_full, h_setup, teardown),
        cmocka_unit_test_setup_teardown(test_mtu, h_setup, teardown),
        cmocka_unit_test_setup_teardown(test_headroom, h_setup, teardown),
        cmocka_unit_test_setup_teardown(test_no_nexthop, h_setup, teardown),
    };

    (void)spine1;
    (void)spine2;
    if (h_init("stage_access") != 0 || h_load(H_CONF_BASIC) != 0)
        return 1;
    return cmocka_run_group_tests_name("stage_access", tests, NULL, NULL);
}
