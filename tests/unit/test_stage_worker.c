/* Unit tests: the worker (dataplane/worker.c): what dp_worker_create
 * makes, RX queue assignment, and dp_worker_main itself on a thread of
 * its own: bursts dispatched by port role, control packets sent, a new
 * generation picked up under RCU, the last flush when it stops. */
#include <arpa/inet.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <rte_cycles.h>
#include <rte_malloc.h>

#include "stage_harness.h"

static const uint8_t host_a[6] = {0x02, 0, 0, 0, 0xaa, 0x01};  /* on h0 */
static const uint8_t host_b[6] = {0x02, 0, 0, 0, 0xbb, 0x01};  /* remote */
static const uint8_t host_c[6] = {0x02, 0, 0, 0, 0xcc, 0x01};  /* h1 VLAN 10 */

static int setup(void **state)
{
    (void)state;
    h_reset();
    H.w->n_rxq = 0;
    return 0;
}

static int teardown(void **state)
{
    struct learn_event ev[64];
    (void)state;

    H.w->n_rxq = 0;
    h_learn_events(ev, 64);
    h_assert_no_leak();
    return 0;
}

static void test_create(void **state)
{
    struct worker *w1 = dp_worker_create(1, rte_get_main_lcore(), 128, 32, 64);
    (void)state;

    assert_non_null(w1);
    assert_int_equal(w1->id, 1);
    assert_int_equal(wk_of(w1)->txq, 1);
    assert_int_equal(rte_ring_get_capacity(w1->learn_ring), 127);
    assert_int_equal(rte_ring_get_capacity(w1->punt_ring), 31);
    assert_int_equal(rte_ring_get_capacity(w1->bfd_ring), 31);
    /* every worker has its own control TX ring; a key picks one */
    assert_non_null(w1->ctrl_tx_ring);
    assert_non_null(H.pub->ctrl_tx_ring);
    assert_ptr_not_equal(w1->ctrl_tx_ring, H.pub->ctrl_tx_ring);
    assert_int_equal(rte_ring_get_capacity(w1->ctrl_tx_ring), 63);
    assert_ptr_equal(dp_ctrl_tx_ring(0), H.pub->ctrl_tx_ring);
    assert_ptr_equal(dp_ctrl_tx_ring(7), H.pub->ctrl_tx_ring);     /* one worker */
    g_dp.workers[1] = w1;
    g_dp.n_workers = 2;
    assert_ptr_equal(dp_ctrl_tx_ring(1), w1->ctrl_tx_ring);
    assert_ptr_equal(dp_ctrl_tx_ring(4), H.pub->ctrl_tx_ring);
    assert_ptr_equal(dp_ctrl_tx_ring(5), w1->ctrl_tx_ring);
    assert_int_equal(rte_ring_enqueue(w1->ctrl_tx_ring, w1), 0);
    assert_int_equal(dp_ctrl_tx_pending(), 1);
    void *back;
    assert_int_equal(rte_ring_dequeue(w1->ctrl_tx_ring, &back), 0);
    g_dp.n_workers = 1;
    g_dp.workers[1] = NULL;
    assert_int_equal(wk_of(w1)->learn_refresh_tsc, rte_get_tsc_hz());
    assert_int_equal(w1->running, 0);
    /* a second worker 1: its rings' names are taken */
    assert_null(dp_worker_create(1, rte_get_main_lcore(), 128, 32, 64));
}

static void test_create_fails_cleanly(void **state)
{
    struct rte_malloc_socket_stats before, after;
    struct rte_ring *taken = rte_ring_create("bfd2", 16, 0, 0);
    (void)state;

    /* worker 2's learn and punt rings are made, its BFD ring is not:
     * nothing it made is left behind */
    assert_non_null(taken);
    assert_int_equal(rte_malloc_get_socket_stats(0, &before), 0);
    assert_null(dp_worker_create(2, rte_get_main_lcore(), 128, 32, 64));
    assert_int_equal(rte_malloc_get_socket_stats(0, &after), 0);
    assert_null(rte_ring_lookup("learn2"));
    assert_null(rte_ring_lookup("punt2"));
    assert_null(rte_ring_lookup("ctrl_tx2"));
    assert_int_equal(after.heap_allocsz_bytes, before.heap_allocsz_bytes);
    assert_int_equal(after.alloc_count, before.alloc_count);
    rte_ring_free(taken);
}

static void test_add_rxq(void **state)
{
    unsigned max = RTE_DIM(H.w->rxq);
    (void)state;

    for (unsigned i = 0; i < max; i++)
        assert_int_equal(dp_worker_add_rxq(H.pub, (uint16_t)(i % 4), (uint16_t)(i / 4)), 0);
    assert_int_equal(dp_worker_add_rxq(H.pub, 0, 99), -ENOSPC);
    assert_int_equal(H.w->n_rxq, max);
    assert_int_equal(H.w->rxq[5].port, 1);
    assert_int_equal(H.w->rxq[5].queue, 1);
}

static void test_ctrl_tx_at_stop(void **state)
{
    static const uint8_t bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    uint8_t f[60], b[60], want[64];
    struct rte_mbuf *m[5], *out[4];
    unsigned n_up = 0;
    (void)state;

    /* stopped before it starts: one last turn sends what is queued */
    h_eth(f, host_b, host_a, -1, 0x0806, 60);
    h_eth(b, bcast, host_a, -1, 0x0806, 60);
    for (int i = 0; i < 3; i++)
        m[i] = h_mbuf(f, 60);
    m[0]->port = P_UP1;
    m[1]->port = H_PORTS;       /* no such port */
    m[2]->port = P_UP0;
    /* an ARP the control thread did not answer: flooded as if it came in
     * on h0 (VNI 100: two VTEPs and h1 VLAN 10), and one whose
     * attachment does not exist */
    m[3] = h_mbuf(b, 60);
    m[3]->port = DP_PORT_REINJECT;
    m[3]->hash.usr = h_attach(P_H0, 0);
    m[4] = h_mbuf(b, 60);
    m[4]->port = DP_PORT_REINJECT;
    m[4]->hash.usr = 0xfffe;
    assert_int_equal(rte_ring_enqueue_bulk(dp_ctrl_tx_ring(0), (void **)m, 5, NULL), 5);
    g_dp.stop = 1;
    assert_int_equal(dp_worker_main(H.pub), 0);
    assert_int_equal(H.pub->running, 0);
    assert_null(H.w->conf);
    assert_int_equal(H.pub->st.ev.ctrl_tx, 2);
    assert_int_equal(H.pub->st.drops[DROP_CTRL_BAD_PORT], 2);
    assert_int_equal(h_drops_total(), 2);
    /* already on the wire, not waiting in a TX buffer */
    for (uint16_t p = P_UP0; p <= P_UP1; p = (uint16_t)(p + P_UP1 - P_UP0)) {
        unsigned n = rte_ring_dequeue_burst(H.tx[p], (void **)out, 4, NULL);
        for (unsigned i = 0; i < n; i++) {
            if (out[i] == m[p == P_UP0 ? 2 : 0]) {
                h_assert_bytes(out[i], f, 60);
                continue;
            }
            /* a flood copy toward a VTEP */
            assert_int_equal(rte_pktmbuf_pkt_len(out[i]), 110);
            assert_memory_equal(rte_pktmbuf_mtod(out[i], const uint8_t *) + 50, b, 60);
            n_up++;
        }
        h_free(out, n);
    }
    assert_int_equal(n_up, 2);
    assert_int_equal(rte_ring_dequeue_burst(H.tx[P_H1], (void **)out, 4, NULL), 1);
    h_assert_bytes(out[0], want, h_tag(want, b, 60, 10));
    h_free(out, 1);
    assert_int_equal(H.pub->st.vni[h_slot(100)].flood_copies, 3);
    assert_int_equal(H.pub->st.packets, 0);
    assert_int_equal(H.pub->st.first_rx_tsc, 0);
}

static void *run_worker(void *arg)
{
    (void)arg;
    dp_worker_main(H.pub);
    return NULL;
}

/* Wait (up to 10 s) until port has sent n packets; take them. */
static void wait_sent(uint16_t port, struct rte_mbuf **out, unsigned n)
{
    unsigned got = 0;
    struct timespec ts = {0, 1000000};

    for (int i = 0; i < 10000 && got < n; i++) {
        got += rte_ring_dequeue_burst(H.tx[port], (void **)out + got, n - got, NULL);
        if (got < n)
            nanosleep(&ts, NULL);
    }
    assert_int_equal(got, n);
}

static void put_rx(uint16_t port, const uint8_t *f, uint16_t len)
{
    struct rte_mbuf *m = h_mbuf(f, len);

    assert_int_equal(rte_ring_enqueue(H.rx[port], m), 0);
}

static void test_main_loop(void **state)
{
    static uint8_t v[256];
    uint8_t f[80], want[84];
    struct rte_mbuf *out[4], *ctl;
    struct learn_event ev[4];
    uint32_t vtep = inet_addr("198.51.100.2");
    uint16_t sport;
    const struct dp_nexthop *nh;
    pthread_t t;
    uint64_t t0 = rte_rdtsc();
    (void)state;

    for (uint16_t p = 0; p < H_PORTS; p++)
        assert_int_equal(dp_worker_add_rxq(H.pub, p, 0), 0);
    assert_int_equal(mac_table_set(g_dp.macs, h_slot(100), host_b,
                                   mac_val_remote(MAC_REMOTE, vtep), 0), 0);
    assert_int_equal(mac_table_set(g_dp.macs, h_slot(100), host_c,
                                   mac_val_local(MAC_LOCAL, h_attach(P_H1, 10)), 0), 0);
    assert_int_equal(pthread_create(&t, NULL, run_worker, NULL), 0);

    /* access port: encapsulated; underlay port: decapsulated */
    h_udp4(f, host_b, host_a, -1, 1, 2, 3, 4, 80);
    nh = h_expect_nh(f, 80, 100, vtep, &sport);
    put_rx(P_H0, f, 80);
    wait_sent(nh->port, out, 1);
    assert_int_equal(h_assert_vxlan(out[0], nh->port, nh->mac.addr_bytes, vtep, 100, 4789, 64,
                                    f, 80), sport);
    h_free(out, 1);
    h_eth(f, host_c, host_b, -1, 0x0800, 80);
    put_rx(P_UP1, v, h_vxlan(v, P_UP1, vtep, 4789, 100, f, 80, 0));
    wait_sent(P_H1, out, 1);
    h_assert_bytes(out[0], want, h_tag(want, f, 80, 10));
    h_free(out, 1);
    /* a control packet */
    ctl = h_mbuf(f, 60);
    ctl->port = P_UP0;
    assert_int_equal(rte_ring_enqueue(dp_ctrl_tx_ring(0), ctl), 0);
    wait_sent(P_UP0, out, 1);
    assert_ptr_equal(out[0], ctl);
    h_free(out, 1);

    /* a new generation (VXLAN on 4790) while it runs: h_load waits for
     * the worker's quiescent report before freeing the old one */
    assert_int_equal(h_load(h_conf_basic_with("udp_port: 4789", "udp_port: 4790")), 0);
    put_rx(P_UP0, v, h_vxlan(v, P_UP0, vtep, 4790, 100, f, 80, 0));
    wait_sent(P_H1, out, 1);
    h_assert_bytes(out[0], want, h_tag(want, f, 80, 10));
    h_free(out, 1);

    g_dp.stop = 1;
    assert_int_equal(pthread_join(t, NULL), 0);
    assert_int_equal(H.pub->running, 0);
    assert_null(H.w->conf);
    assert_int_equal(h_load(H_CONF_BASIC), 0);

    assert_int_equal(H.pub->st.packets, 3);
    assert_int_equal(H.pub->st.port[P_H0].rx_packets, 1);
    assert_int_equal(H.pub->st.port[P_UP1].rx_packets, 1);
    assert_int_equal(H.pub->st.port[P_UP0].rx_packets, 1);
    assert_int_equal(H.pub->st.ev.ctrl_tx, 1);
    assert_int_equal(H.pub->st.vni[h_slot(100)].encap_packets, 1);
    assert_int_equal(H.pub->st.vni[h_slot(100)].decap_packets, 2);
    assert_true(H.pub->st.first_rx_tsc >= t0);
    assert_true(H.pub->st.last_rx_tsc > H.pub->st.first_rx_tsc);
    assert_true(H.pub->st.busy_cycles > 0);
    assert_int_equal(h_drops_total(), 0);
    assert_int_equal(h_learn_events(ev, 4), 1);
    assert_memory_equal(ev[0].mac, host_a, 6);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_create, setup, teardown),
        cmocka_unit_test_setup_teardown(test_create_fails_cleanly, setup, teardown),
        cmocka_unit_test_setup_teardown(test_add_rxq, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ctrl_tx_at_stop, setup, teardown),
        cmocka_unit_test_setup_teardown(test_main_loop, setup, teardown),
    };

    if (h_init("stage_worker") != 0 || h_load(H_CONF_BASIC) != 0)
        return 1;
    return cmocka_run_group_tests_name("stage_worker", tests, NULL, NULL);
}
