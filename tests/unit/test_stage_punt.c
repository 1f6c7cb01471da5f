/* Unit tests: handing frames to the control and BFD threads
 * (dataplane/punt.c): the dp port and the arrival time go with the frame;
 * a full ring drops and counts. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>
#include <rte_cycles.h>

#include "stage_harness.h"

static void test_stamped(void **state)
{
    uint8_t f[60] = {0};
    struct rte_mbuf *m, *got;
    uint64_t t0, t1;
    struct rte_ring *rings[2] = {H.pub->punt_ring, H.pub->bfd_ring};
    (void)state;

    for (int r = 0; r < 2; r++) {
        m = h_mbuf(f, 60);
        m->port = 77;
        t0 = rte_rdtsc();
        punt_send(H.w, rings[r], m, (uint16_t)(P_UP1 - r));
        t1 = rte_rdtsc();
        assert_int_equal(rte_ring_count(rings[1 - r]), 0);
        assert_int_equal(rte_ring_dequeue(rings[r], (void **)&got), 0);
        assert_ptr_equal(got, m);
        assert_int_equal(got->port, P_UP1 - r);
        assert_true(*dp_rx_tsc(got) >= t0 && *dp_rx_tsc(got) <= t1);
        h_assert_bytes(got, f, 60);
        rte_pktmbuf_free(got);
    }
    assert_int_equal(H.pub->st.ev.punted, 2);
    assert_int_equal(h_drops_total(), 0);
}

static void test_ring_full(void **state)
{
    uint8_t f[60] = {0};
    struct rte_mbuf *m[H_PUNT_RING];
    unsigned cap = H_PUNT_RING - 1;
    (void)state;

    for (unsigned i = 0; i < cap + 3; i++)
        punt_send(H.w, H.pub->bfd_ring, h_mbuf(f, 60), P_UP0);
    assert_int_equal(H.pub->st.ev.punted, cap);
    assert_int_equal(H.pub->st.drops[DROP_PUNT_RING_FULL], 3);
    assert_int_equal(h_drops_total(), 3);
    assert_int_equal(rte_ring_dequeue_bulk(H.pub->bfd_ring, (void **)m, cap, NULL), cap);
    h_free(m, cap);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_stamped, h_setup, h_teardown),
        cmocka_unit_test_setup_teardown(test_ring_full, h_setup, h_teardown),
    };

    if (h_init("stage_punt") != 0 || h_load(H_CONF_BASIC) != 0)
        return 1;
    return cmocka_run_group_tests_name("stage_punt", tests, NULL, NULL);
}
