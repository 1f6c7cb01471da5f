/* Unit tests: underlay input (dataplane/decap.c) on the basic harness
 * configuration (VNI 100 = h0 untagged + h1 VLAN 10; VNI 200 = h0 VLAN 20
 * + h1 untagged): decapsulation and delivery, split horizon, flooding to
 * local attachments only, punting ARP and BFD, and the drops. */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>
#include <rte_cycles.h>

#include "stage_harness.h"

static const uint8_t host_a[6] = {0x02, 0, 0, 0, 0xaa, 0x01};  /* local, h0 */
static const uint8_t host_b[6] = {0x02, 0, 0, 0, 0xbb, 0x01};  /* remote sender */
static const uint8_t host_c[6] = {0x02, 0, 0, 0, 0xcc, 0x01};  /* local, h1 VLAN 10 */
static const uint8_t host_x[6] = {0x02, 0, 0, 0, 0xee, 0x01};  /* unknown */
static const uint8_t bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

#define PEER "198.51.100.2"

static void set_local(uint32_t vni, const uint8_t *mac, uint16_t attach)
{
    assert_int_equal(mac_table_set(g_dp.macs, h_slot(vni), mac,
                                   mac_val_local(MAC_LOCAL, attach), 0), 0);
}

/* One VXLAN packet of vni carrying inner, received on up0. */
static void input_vxlan(uint32_t vni, const uint8_t *inner, uint16_t len, uint16_t pad)
{
    static uint8_t f[2048];
    uint16_t n = h_vxlan(f, P_UP0, inet_addr(PEER), 4789, vni, inner, len, pad);
    struct rte_mbuf *m = h_mbuf(f, n);

    underlay_input(H.w, P_UP0, &m, 1);
}

static void expect_out(uint16_t port, const uint8_t *want, uint16_t len)
{
    struct rte_mbuf *out[4];

    assert_int_equal(h_take(port, out, 4), 1);
    h_assert_bytes(out[0], want, len);
    h_free(out, 1);
}

static void test_deliver(void **state)
{
    uint8_t in[80], want[84];
    struct learn_event ev[2];
    uint32_t s = h_slot(100);
    (void)state;

    set_local(100, host_c, h_attach(P_H1, 10));
    set_local(100, host_a, h_attach(P_H0, 0));
    /* to a tagged attachment: the tag is added */
    h_udp4(in, host_c, host_b, -1, 1, 2, 3, 4, 80);
    input_vxlan(100, in, 80, 0);
    expect_out(P_H1, want, h_tag(want, in, 80, 10));
    h_assert_silent(-1);
    /* to an untagged one: as it came, Ethernet padding cut off */
    h_udp4(in, host_a, host_b, -1, 1, 2, 3, 4, 80);
    input_vxlan(100, in, 80, 24);
    expect_out(P_H0, in, 80);
    h_assert_silent(-1);
    assert_int_equal(H.pub->st.port[P_UP0].rx_packets, 2);
    assert_int_equal(H.pub->st.port[P_UP0].rx_bytes, 130 + 154);
    assert_int_equal(H.pub->st.vni[s].decap_packets, 2);
    assert_int_equal(H.pub->st.vni[s].decap_bytes, 160);
    assert_int_equal(h_drops_total(), 0);
    /* remote senders are not learned from the data plane */
    assert_int_equal(h_learn_events(ev, 2), 0);
}

static void test_source_vtep_check(void **state)
{
    static uint8_t f[4][200];
    struct rte_mbuf *m[6];
    static const char *const src[4] = {"198.51.100.3", "203.0.113.5", "198.51.100.2",
                                       "203.0.113.5"};
    uint8_t in[64];
    (void)state;

    /* VNI 100 takes VXLAN only from its flood VTEPs (.2, .3); VNI 200
     * has the check off. The burst alternates sources so that the
     * remembered last source does not hide a change. */
    set_local(100, host_a, h_attach(P_H0, 0));
    set_local(200, host_a, h_attach(P_H1, 0));
    h_eth(in, host_a, host_b, -1, 0x0800, 64);
    for (int i = 0; i < 4; i++)
        h_vxlan(f[i], P_UP0, inet_addr(src[i]), 4789, 100, in, 64, 0);
    m[0] = h_mbuf(f[0], 114);
    m[1] = h_mbuf(f[1], 114);
    m[2] = h_mbuf(f[1], 114);
    m[3] = h_mbuf(f[2], 114);
    m[4] = h_mbuf(f[3], 114);
    m[5] = h_mbuf(f[0], 114);
    underlay_input(H.w, P_UP0, m, 6);
    assert_int_equal(H.pub->st.drops[DROP_SRC_VTEP_UNKNOWN], 3);
    assert_int_equal(h_drain(P_H0), 3);
    h_vxlan(f[0], P_UP0, inet_addr("203.0.113.5"), 4789, 200, in, 64, 0);
    m[0] = h_mbuf(f[0], 114);
    underlay_input(H.w, P_UP0, m, 1);
    assert_int_equal(h_drain(P_H1), 1);
    assert_int_equal(H.pub->st.vni[h_slot(100)].decap_packets, 3);
    assert_int_equal(H.pub->st.vni[h_slot(200)].decap_packets, 1);
    assert_int_equal(h_drops_total(), 3);
    h_assert_silent(-1);
}

static void test_unknown_vni(void **state)
{
    uint8_t in[64];
    (void)state;

    set_local(100, host_a, h_attach(P_H0, 0));
    h_eth(in, host_a, host_b, -1, 0x0800, 64);
    input_vxlan(101, in, 64, 0);
    input_vxlan(0, in, 64, 0);
    assert_int_equal(H.pub->st.drops[DROP_VXLAN_UNKNOWN_VNI], 2);
    assert_int_equal(h_drops_total(), 2);
    assert_int_equal(H.pub->st.vni[h_slot(100)].decap_packets, 0);
    h_assert_silent(-1);
}

static void test_inner_drops(void **state)
{
    uint8_t in[64];
    static const uint8_t ll[6] = {0x01, 0x80, 0xc2, 0, 0, 0x03};
    (void)state;

    set_local(100, host_a, h_attach(P_H0, 0));
    /* an inner VLAN tag (RFC 7348 section 5), 802.1Q or 802.1ad */
    h_eth(in, host_a, host_b, 10, 0x0800, 64);
    input_vxlan(100, in, 64, 0);
    h_eth(in, host_a, host_b, -1, 0x88a8, 64);
    input_vxlan(100, in, 64, 0);
    assert_int_equal(H.pub->st.drops[DROP_DECAP_INNER_VLAN], 2);
    /* an IEEE link-local group */
    h_eth(in, ll, host_b, -1, 0x88cc, 64);
    input_vxlan(100, in, 64, 0);
    assert_int_equal(H.pub->st.drops[DROP_LINK_LOCAL], 1);
    /* the VXLAN part was valid: they count as decapsulated */
    assert_int_equal(H.pub->st.vni[h_slot(100)].decap_packets, 3);
    assert_int_equal(h_drops_total(), 3);
    h_assert_silent(-1);
}

static void test_split_horizon(void **state)
{
    uint8_t in[64];
    (void)state;

    /* an inner destination behind the underlay is never sent back */
    assert_int_equal(mac_table_set(g_dp.macs, h_slot(100), host_c,
                                   mac_val_remote(MAC_REMOTE, inet_addr("198.51.100.3")), 0), 0);
    h_eth(in, host_c, host_b, -1, 0x0800, 64);
    input_vxlan(100, in, 64, 0);
    assert_int_equal(H.pub->st.drops[DROP_DECAP_DST_REMOTE], 1);
    /* nor to an attachment of another VNI (an entry a reload left) */
    set_local(100, host_c, h_attach(P_H1, 0));
    input_vxlan(100, in, 64, 0);
    set_local(100, host_c, 0xfffe);
    input_vxlan(100, in, 64, 0);
    assert_int_equal(H.pub->st.drops[DROP_DECAP_DST_REMOTE], 3);
    assert_int_equal(h_drops_total(), 3);
    h_assert_silent(-1);
}

static void test_flood_local_only(void **state)
{
    static const uint8_t mcast[6] = {0x01, 0x00, 0x5e, 0, 0, 0x05};
    const uint8_t *dst[3] = {host_x, bcast, mcast};
    uint8_t in[70], want[74];
    uint32_t s = h_slot(100);
    (void)state;

    /* a known multicast destination floods all the same */
    set_local(100, mcast, h_attach(P_H1, 10));
    for (int i = 0; i < 3; i++) {
        h_eth(in, dst[i], host_b, -1, 0x0800, 70);
        input_vxlan(100, in, 70, 0);
        /* VNI 100 floods to two VTEPs, but never from the underlay */
        expect_out(P_H0, in, 70);
        expect_out(P_H1, want, h_tag(want, in, 70, 10));
        h_assert_silent(-1);
    }
    assert_int_equal(H.pub->st.vni[s].flood_packets, 3);
    assert_int_equal(H.pub->st.vni[s].flood_copies, 6);
    assert_int_equal(H.pub->st.vni[s].decap_packets, 3);
    assert_int_equal(h_drops_total(), 0);
}

static void test_punt(void **state)
{
    uint8_t f[80];
    struct rte_mbuf *m[2], *got;
    uint32_t ip = g_dp.local_ip;
    uint64_t t0, t1;
    (void)state;

    /* ARP (to anyone: the control thread decides) and BFD to us */
    h_eth(f, bcast, host_b, -1, 0x0806, 60);
    m[0] = h_mbuf(f, 60);
    h_udp4(f, g_dp.ports[P_UP1].mac.addr_bytes, host_b, -1, 0xc00002fe, ntohl(ip), 49152,
           3784, 80);
    h_ipv4_cksum(f, 14);
    m[1] = h_mbuf(f, 80);
    t0 = rte_rdtsc();
    underlay_input(H.w, P_UP1, m, 2);
    t1 = rte_rdtsc();
    assert_int_equal(rte_ring_dequeue(H.pub->punt_ring, (void **)&got), 0);
    assert_ptr_equal(got, m[0]);
    assert_int_equal(got->port, P_UP1);
    assert_true(*dp_rx_tsc(got) >= t0 && *dp_rx_tsc(got) <= t1);
    rte_pktmbuf_free(got);
    assert_int_equal(rte_ring_dequeue(H.pub->bfd_ring, (void **)&got), 0);
    assert_ptr_equal(got, m[1]);
    assert_int_equal(got->port, P_UP1);
    assert_true(*dp_rx_tsc(got) >= t0 && *dp_rx_tsc(got) <= t1);
    rte_pktmbuf_free(got);
    assert_int_equal(H.pub->st.ev.punted, 2);
    assert_int_equal(H.pub->st.port[P_UP1].rx_packets, 2);
    assert_int_equal(h_drops_total(), 0);
    h_assert_silent(-1);
}

static void test_punt_ring_full(void **state)
{
    uint8_t f[60];
    struct rte_mbuf *m[H_PUNT_RING + 2];
    unsigned cap = H_PUNT_RING - 1;
    (void)state;

    h_eth(f, bcast, host_b, -1, 0x0806, 60);
    for (unsigned i = 0; i < cap + 2; i++)
        m[i] = h_mbuf(f, 60);
    underlay_input(H.w, P_UP0, m, (uint16_t)(cap + 2));
    assert_int_equal(H.pub->st.ev.punted, cap);
    assert_int_equal(H.pub->st.drops[DROP_PUNT_RING_FULL], 2);
    assert_int_equal(rte_ring_count(H.pub->punt_ring), cap);
    assert_int_equal(rte_ring_dequeue_bulk(H.pub->punt_ring, (void **)m, cap, NULL), cap);
    h_free(m, cap);
}

static void test_underlay_drops_counted(void **state)
{
    static uint8_t f[200];
    uint8_t in[64];
    struct rte_mbuf *m[6];
    uint16_t n;
    (void)state;

    set_local(100, host_a, h_attach(P_H0, 0));
    h_eth(in, host_a, host_b, -1, 0x0800, 64);
    n = h_vxlan(f, P_UP0, inet_addr(PEER), 4789, 100, in, 64, 0);
    m[0] = h_mbuf(f, 13);                       /* runt */
    f[0] ^= 0x02;
    m[1] = h_mbuf(f, n);                        /* not our MAC */
    f[0] ^= 0x02;
    f[24] ^= 0xff;
    m[2] = h_mbuf(f, n);                        /* IPv4 checksum */
    f[24] ^= 0xff;
    m[3] = h_mbuf(f, n);                        /* a good one */
    m[4] = h_mbuf(f, n - 1);                    /* cut short */
    f[37] = 0x01;
    m[5] = h_mbuf(f, n);                        /* UDP 4609 */
    underlay_input(H.w, P_UP0, m, 6);
    assert_int_equal(H.pub->st.drops[DROP_UNDERLAY_RUNT], 1);
    assert_int_equal(H.pub->st.drops[DROP_UNDERLAY_NOT_FOR_US], 1);
    assert_int_equal(H.pub->st.drops[DROP_IP_BAD_HEADER], 2);
    assert_int_equal(H.pub->st.drops[DROP_UDP_WRONG_PORT], 1);
    assert_int_equal(h_drops_total(), 5);
    assert_int_equal(H.pub->st.port[P_UP0].rx_packets, 6);
    assert_int_equal(H.pub->st.port[P_UP0].rx_bytes, 13 + 5u * n - 1);
    expect_out(P_H0, in, 64);
    h_assert_silent(-1);
}

static void test_checksum_offload_flags(void **state)
{
    static uint8_t f[200];
    uint8_t in[64];
    struct rte_mbuf *m;
    uint16_t n;
    (void)state;

    set_local(100, host_a, h_attach(P_H0, 0));
    h_eth(in, host_a, host_b, -1, 0x0800, 64);
    n = h_vxlan(f, P_UP0, inet_addr(PEER), 4789, 100, in, 64, 0);
    f[25] ^= 0x55;                              /* a wrong checksum */
    /* the NIC said it was good: not checked again */
    m = h_mbuf(f, n);
    m->ol_flags = RTE_MBUF_F_RX_IP_CKSUM_GOOD | RTE_MBUF_F_RX_L4_CKSUM_GOOD;
    underlay_input(H.w, P_UP0, &m, 1);
    {
        struct rte_mbuf *out[2];
        assert_int_equal(h_take(P_H0, out, 2), 1);
        h_assert_bytes(out[0], in, 64);
        assert_int_equal(out[0]->ol_flags, 0);
        h_free(out, 1);
    }
    /* bad, unknown or none: checked, and wrong */
    const uint64_t fl[3] = {RTE_MBUF_F_RX_IP_CKSUM_BAD, RTE_MBUF_F_RX_IP_CKSUM_UNKNOWN,
                            RTE_MBUF_F_RX_IP_CKSUM_NONE};
    for (int i = 0; i < 3; i++) {
        m = h_mbuf(f, n);
        m->ol_flags = fl[i];
        underlay_input(H.w, P_UP0, &m, 1);
    }
    assert_int_equal(H.pub->st.drops[DROP_IP_BAD_HEADER], 3);
    assert_int_equal(h_drops_total(), 3);
    h_assert_silent(-1);
}

static void test_burst_vni_and_order(void **state)
{
    enum { N = DP_BURST };
    static uint8_t f[N][200];
    struct rte_mbuf *m[N], *out[N];
    uint8_t in[64];
    unsigned want_h0 = 0, want_h1 = 0;
    (void)state;

    /* the same MAC in two VNIs is two stations */
    set_local(100, host_c, h_attach(P_H1, 10));
    set_local(200, host_c, h_attach(P_H0, 20));
    for (unsigned i = 0; i < N; i++) {
        uint32_t vni = (i / 4) % 2 ? 200 : 100;
        h_eth(in, host_c, host_b, -1, 0x0800, 64);
        in[30] = (uint8_t)i;
        m[i] = h_mbuf(f[i], h_vxlan(f[i], P_UP0, inet_addr(PEER), 4789, vni, in, 64, 0));
        if (vni == 100)
            want_h1++;
        else
            want_h0++;
    }
    underlay_input(H.w, P_UP0, m, N);
    for (int k = 0; k < 2; k++) {
        uint16_t port = k ? P_H1 : P_H0;
        uint16_t vlan = k ? 10 : 20;
        unsigned n = h_take(port, out, N);
        int last = -1;

        assert_int_equal(n, k ? want_h1 : want_h0);
        for (unsigned j = 0; j < n; j++) {
            const uint8_t *d = rte_pktmbuf_mtod(out[j], const uint8_t *);
            int i = d[30 + 4];
            assert_int_equal(d[14] << 8 | d[15], vlan);
            assert_int_equal(((unsigned)i / 4) % 2, k ? 0u : 1u);
            assert_true(i > last);
            last = i;
        }
        h_free(out, n);
    }
    assert_int_equal(H.pub->st.vni[h_slot(100)].decap_packets, want_h1);
    assert_int_equal(H.pub->st.vni[h_slot(200)].decap_packets, want_h0);
    h_assert_silent(-1);
}

static void test_udp_port_of_generation(void **state)
{
    uint8_t in[64];
    (void)state;

    /* the same configuration on UDP port 4790 */
    assert_int_equal(h_load(h_conf_basic_with("udp_port: 4789", "udp_port: 4790")), 0);
    set_local(100, host_a, h_attach(P_H0, 0));
    h_eth(in, host_a, host_b, -1, 0x0800, 64);
    input_vxlan(100, in, 64, 0);
    assert_int_equal(H.pub->st.drops[DROP_UDP_WRONG_PORT], 1);
    {
        static uint8_t f[200];
        uint16_t n = h_vxlan(f, P_UP0, inet_addr(PEER), 4790, 100, in, 64, 0);
        struct rte_mbuf *m = h_mbuf(f, n);
        underlay_input(H.w, P_UP0, &m, 1);
    }
    expect_out(P_H0, in, 64);
    assert_int_equal(h_load(H_CONF_BASIC), 0);
    input_vxlan(100, in, 64, 0);
    expect_out(P_H0, in, 64);
    assert_int_equal(h_drops_total(), 1);
    h_assert_silent(-1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_deliver, h_setup, h_teardown),
        cmocka_unit_test_setup_teardown(test_source_vtep_check, h_setup, h_teardown),
        cmocka_unit_test_setup_teardown(test_unknown_vni, h_setup, h_teardown),
        cmocka_unit_test_setup_teardown(test_inner_drops, h_setup, h_teardown),
        cmocka_unit_test_setup_teardown(test_split_horizon, h_setup, h_teardown),
        cmocka_unit_test_setup_teardown(test_flood_local_only, h_setup, h_teardown),
        cmocka_unit_test_setup_teardown(test_punt, h_setup, h_teardown),
        cmocka_unit_test_setup_teardown(test_punt_ring_full, h_setup, h_teardown),
        cmocka_unit_test_setup_teardown(test_underlay_drops_counted, h_setup, h_teardown),
        cmocka_unit_test_setup_teardown(test_checksum_offload_flags, h_setup, h_teardown),
        cmocka_unit_test_setup_teardown(test_burst_vni_and_order, h_setup, h_teardown),
        cmocka_unit_test_setup_teardown(test_udp_port_of_generation, h_setup, h_teardown),
    };

    if (h_init("stage_decap") != 0 || h_load(H_CONF_BASIC) != 0)
        return 1;
    return cmocka_run_group_tests_name("stage_decap", tests, NULL, NULL);
}
