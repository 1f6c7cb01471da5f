/* Unit tests: port output (dataplane/port_tx.c): TX buffers flushed in
 * bursts, a full port, delivery to an access attachment with its tag. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>
#include <rte_cycles.h>

#include "stage_harness.h"

static const uint8_t mac_a[6] = {0x02, 0, 0, 0, 0xaa, 0x01};
static const uint8_t mac_b[6] = {0x02, 0, 0, 0, 0xbb, 0x01};

static void test_enqueue_then_flush(void **state)
{
    uint8_t f[3][200];
    uint16_t len[3] = {60, 128, 200};
    struct rte_mbuf *out[8];
    (void)state;

    for (int i = 0; i < 3; i++) {
        h_eth(f[i], mac_b, mac_a, -1, 0x0800, len[i]);
        f[i][20] = (uint8_t)i;
        tx_enqueue(H.w, P_UP1, h_mbuf(f[i], len[i]));
    }
    /* nothing leaves before the flush */
    assert_int_equal(rte_ring_count(H.tx[P_UP1]), 0);
    assert_int_equal(H.w->tx[P_UP1].n, 3);
    tx_flush_port(H.w, P_UP1);
    assert_int_equal(H.w->tx[P_UP1].n, 0);
    assert_int_equal(rte_ring_dequeue_burst(H.tx[P_UP1], (void **)out, 8, NULL), 3);
    for (int i = 0; i < 3; i++)
        h_assert_bytes(out[i], f[i], len[i]);
    h_free(out, 3);
    assert_int_equal(H.pub->st.port[P_UP1].tx_packets, 3);
    assert_int_equal(H.pub->st.port[P_UP1].tx_bytes, 60 + 128 + 200);
    assert_int_equal(H.pub->st.port[P_UP1].tx_dropped, 0);
    for (int p = 0; p < H_PORTS; p++)
        if (p != P_UP1)
            assert_int_equal(H.pub->st.port[p].tx_packets, 0);
    assert_int_equal(h_drops_total(), 0);
    /* flushing an empty buffer sends nothing and counts nothing */
    tx_flush_port(H.w, P_UP1);
    assert_int_equal(rte_ring_count(H.tx[P_UP1]), 0);
    assert_int_equal(H.pub->st.port[P_UP1].tx_packets, 3);
}

static void test_full_buffer_flushes_itself(void **state)
{
    uint8_t f[64];
    struct rte_mbuf *out[DP_TXBUF + 1];
    (void)state;

    h_eth(f, mac_b, mac_a, -1, 0x0800, 64);
    for (unsigned i = 0; i < DP_TXBUF; i++)
        tx_enqueue(H.w, P_UP0, h_mbuf(f, 64));
    assert_int_equal(rte_ring_count(H.tx[P_UP0]), 0);
    /* the 65th packet sends the 64 before it */
    tx_enqueue(H.w, P_UP0, h_mbuf(f, 64));
    assert_int_equal(rte_ring_count(H.tx[P_UP0]), DP_TXBUF);
    assert_int_equal(H.w->tx[P_UP0].n, 1);
    assert_int_equal(h_take(P_UP0, out, DP_TXBUF + 1), DP_TXBUF + 1);
    h_free(out, DP_TXBUF + 1);
    assert_int_equal(H.pub->st.port[P_UP0].tx_packets, DP_TXBUF + 1);
    assert_int_equal(H.pub->st.port[P_UP0].tx_bytes, 64 * (DP_TXBUF + 1));
}

static void test_port_full(void **state)
{
    struct rte_mbuf *fill[H_RING_SIZE], *out[16];
    unsigned n_fill = H_RING_SIZE - 1 - 5;      /* 5 places left */
    uint8_t f[100];
    (void)state;

    for (unsigned i = 0; i < n_fill; i++)
        fill[i] = rte_pktmbuf_alloc(H.pool);
    assert_int_equal(rte_ring_enqueue_bulk(H.tx[P_H0], (void **)fill, n_fill, NULL), n_fill);
    for (int i = 0; i < 10; i++) {
        h_eth(f, mac_b, mac_a, -1, 0x0800, (uint16_t)(60 + i));
        tx_enqueue(H.w, P_H0, h_mbuf(f, (uint16_t)(60 + i)));
    }
    tx_flush_port(H.w, P_H0);
    /* the first five went out, in order; the other five were freed */
    assert_int_equal(H.pub->st.port[P_H0].tx_packets, 5);
    assert_int_equal(H.pub->st.port[P_H0].tx_bytes, 60 + 61 + 62 + 63 + 64);
    assert_int_equal(H.pub->st.port[P_H0].tx_dropped, 5);
    assert_int_equal(H.pub->st.drops[DROP_TX_FULL], 5);
    assert_int_equal(h_drops_total(), 5);
    assert_int_equal(H.w->tx[P_H0].n, 0);
    assert_int_equal(rte_ring_dequeue_bulk(H.tx[P_H0], (void **)fill, n_fill, NULL), n_fill);
    h_free(fill, n_fill);
    assert_int_equal(h_take(P_H0, out, 16), 5);
    for (unsigned i = 0; i < 5; i++)
        assert_int_equal(rte_pktmbuf_pkt_len(out[i]), 60 + i);
    h_free(out, 5);
}

static void test_flush_all(void **state)
{
    uint8_t f[80];
    struct rte_mbuf *out[4];
    (void)state;

    h_eth(f, mac_b, mac_a, -1, 0x0806, 80);
    for (uint16_t p = 0; p < H_PORTS; p++)
        for (uint16_t k = 0; k <= p; k++)
            tx_enqueue(H.w, p, h_mbuf(f, 80));
    tx_flush_all(H.w);
    for (uint16_t p = 0; p < H_PORTS; p++) {
        assert_int_equal(H.w->tx[p].n, 0);
        assert_int_equal(rte_ring_dequeue_burst(H.tx[p], (void **)out, 4, NULL), p + 1);
        h_free(out, p + 1);
        assert_int_equal(H.pub->st.port[p].tx_packets, p + 1);
    }
}

static void test_access_send_untagged(void **state)
{
    uint8_t f[90];
    struct rte_mbuf *out[2];
    (void)state;

    h_eth(f, mac_b, mac_a, -1, 0x0800, 90);
    access_send(H.w, h_mbuf(f, 90), h_attach(P_H0, 0));
    assert_int_equal(h_take(P_H0, out, 2), 1);
    h_assert_bytes(out[0], f, 90);
    h_free(out, 1);
    for (uint16_t p = 0; p < H_PORTS; p++)
        if (p != P_H0)
            assert_int_equal(h_drain(p), 0);
}

static void test_access_send_tagged(void **state)
{
    uint8_t f[90], want[94];
    struct rte_mbuf *out[2];
    (void)state;

    /* VNI 100 is VLAN 10 on h1, VNI 300 VLAN 30 on h0 */
    h_eth(f, mac_b, mac_a, -1, 0x0800, 90);
    access_send(H.w, h_mbuf(f, 90), h_attach(P_H1, 10));
    assert_int_equal(h_take(P_H1, out, 2), 1);
    h_assert_bytes(out[0], want, h_tag(want, f, 90, 10));
    h_free(out, 1);
    access_send(H.w, h_mbuf(f, 90), h_attach(P_H0, 30));
    assert_int_equal(h_take(P_H0, out, 2), 1);
    h_assert_bytes(out[0], want, h_tag(want, f, 90, 30));
    h_free(out, 1);
    assert_int_equal(h_drops_total(), 0);
}

static void test_access_send_headroom(void **state)
{
    uint8_t f[64], want[68];
    struct rte_mbuf *out[2];
    (void)state;

    h_eth(f, mac_b, mac_a, -1, 0x0800, 64);
    /* the tag needs 4 bytes in front of the frame */
    access_send(H.w, h_mbuf_at(f, 64, 2), h_attach(P_H1, 10));
    assert_int_equal(H.pub->st.drops[DROP_NO_HEADROOM], 1);
    assert_int_equal(h_take(P_H1, out, 2), 0);
    access_send(H.w, h_mbuf_at(f, 64, 4), h_attach(P_H1, 10));
    assert_int_equal(h_take(P_H1, out, 2), 1);
    h_assert_bytes(out[0], want, h_tag(want, f, 64, 10));
    assert_int_equal(out[0]->data_off, 0);
    h_free(out, 1);
    /* an untagged attachment needs none */
    access_send(H.w, h_mbuf_at(f, 64, 0), h_attach(P_H0, 0));
    assert_int_equal(h_take(P_H0, out, 2), 1);
    h_assert_bytes(out[0], f, 64);
    h_free(out, 1);
    assert_int_equal(h_drops_total(), 1);
}

static void test_residence(void **state)
{
    struct rte_mbuf *fill[H_RING_SIZE], *m;
    const struct residence_hist *r = &H.pub->st.residence;
    unsigned n_fill = H_RING_SIZE - 1 - 1;
    uint8_t f[64];
    uint64_t t0;
    (void)state;

    /* the same configuration with the residence histogram */
    assert_int_equal(h_load(h_conf_basic_with("underlay_mtu: 1500 }",
                                              "underlay_mtu: 1500, residence_histogram: true }")),
                     0);
    assert_true(h_conf()->residence);

    /* three packets stamped at RX, one built here (stamp 0): three samples */
    h_eth(f, mac_b, mac_a, -1, 0x0800, 64);
    t0 = rte_rdtsc();
    for (int i = 0; i < 4; i++) {
        m = h_mbuf(f, 64);
        *dp_rx_tsc(m) = i < 3 ? t0 - 1000u * (unsigned)(i + 1) : 0;
        tx_enqueue(H.w, P_UP0, m);
    }
    tx_flush_port(H.w, P_UP0);
    assert_int_equal(r->count, 3);
    assert_true(r->max >= 3000 && r->sum >= 6000);
    assert_int_equal(h_drain(P_UP0), 4);
    /* runs of one RX burst's stamp (3 at t0 - 4000, 2 at t0 - 8000, 1 at
     * t0 - 4000 again), the port taking only the first 4: 3 + 1 samples */
    for (unsigned i = 0; i < n_fill - 3; i++)
        fill[i] = rte_pktmbuf_alloc(H.pool);
    assert_int_equal(rte_ring_enqueue_bulk(H.tx[P_UP0], (void **)fill, n_fill - 3, NULL),
                     n_fill - 3);
    {
        static const unsigned back[6] = {4000, 4000, 4000, 8000, 8000, 4000};
        uint64_t sum0 = r->sum;

        t0 = rte_rdtsc();
        for (int i = 0; i < 6; i++) {
            m = h_mbuf(f, 64);
            *dp_rx_tsc(m) = t0 - back[i];
            tx_enqueue(H.w, P_UP0, m);
        }
        tx_flush_port(H.w, P_UP0);
        assert_int_equal(r->count, 3 + 4);
        assert_int_equal(H.pub->st.drops[DROP_TX_FULL], 2);
        /* 3 samples of (t - t0) + 4000 and one of (t - t0) + 8000 */
        assert_true(r->sum - sum0 >= 3 * 4000 + 8000);
        assert_true(r->max >= 8000);
    }
    assert_int_equal(rte_ring_dequeue_bulk(H.tx[P_UP0], (void **)fill, n_fill - 3, NULL),
                     n_fill - 3);
    h_free(fill, n_fill - 3);
    assert_int_equal(h_drain(P_UP0), 4);
    /* a packet the port does not take is not counted */
    for (unsigned i = 0; i < n_fill; i++)
        fill[i] = rte_pktmbuf_alloc(H.pool);
    assert_int_equal(rte_ring_enqueue_bulk(H.tx[P_UP0], (void **)fill, n_fill, NULL), n_fill);
    for (int i = 0; i < 2; i++) {
        m = h_mbuf(f, 64);
        *dp_rx_tsc(m) = rte_rdtsc() - 500;
        tx_enqueue(H.w, P_UP0, m);
    }
    tx_flush_port(H.w, P_UP0);
    assert_int_equal(r->count, 8);
    assert_int_equal(H.pub->st.drops[DROP_TX_FULL], 3);
    assert_int_equal(rte_ring_dequeue_bulk(H.tx[P_UP0], (void **)fill, n_fill, NULL), n_fill);
    h_free(fill, n_fill);
    assert_int_equal(h_drain(P_UP0), 1);
    assert_int_equal(h_load(H_CONF_BASIC), 0);
    /* off again: nothing counted */
    tx_enqueue(H.w, P_UP0, h_mbuf(f, 64));
    assert_int_equal(h_drain(P_UP0), 1);
    assert_int_equal(r->count, 8);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_enqueue_then_flush, h_setup, h_teardown),
        cmocka_unit_test_setup_teardown(test_full_buffer_flushes_itself, h_setup, h_teardown),
        cmocka_unit_test_setup_teardown(test_port_full, h_setup, h_teardown),
        cmocka_unit_test_setup_teardown(test_flush_all, h_setup, h_teardown),
        cmocka_unit_test_setup_teardown(test_access_send_untagged, h_setup, h_teardown),
        cmocka_unit_test_setup_teardown(test_access_send_tagged, h_setup, h_teardown),
        cmocka_unit_test_setup_teardown(test_access_send_headroom, h_setup, h_teardown),
        cmocka_unit_test_setup_teardown(test_residence, h_setup, h_teardown),
    };

    if (h_init("stage_port_tx") != 0 || h_load(H_CONF_BASIC) != 0)
        return 1;
    return cmocka_run_group_tests_name("stage_port_tx", tests, NULL, NULL);
}
