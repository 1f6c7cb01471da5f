/* Unit tests: source learning, the worker's half (dataplane/learn.c): the
 * event sent, once a second per station and attachment, at once on a
 * move, and what a full ring costs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "stage_harness.h"

static const uint8_t mac_a[6] = {0x02, 0, 0, 0, 0xaa, 0x01};

static void expect_event(uint32_t vni_idx, uint16_t attach, const uint8_t *mac)
{
    struct learn_event ev[2];

    assert_int_equal(h_learn_events(ev, 2), 1);
    assert_int_equal(ev[0].vni_idx, vni_idx);
    assert_int_equal(ev[0].attach, attach);
    assert_memory_equal(ev[0].mac, mac, 6);
}

static void expect_none(void)
{
    struct learn_event ev[2];

    assert_int_equal(h_learn_events(ev, 2), 0);
}

static void test_once_a_second(void **state)
{
    uint64_t t0 = 1000000, sec = H.w->learn_refresh_tsc;
    (void)state;

    assert_true(sec > 0);
    H.w->now_tsc = t0;
    learn_source(H.w, 7, mac_a, 3);
    expect_event(7, 3, mac_a);
    learn_source(H.w, 7, mac_a, 3);
    H.w->now_tsc = t0 + sec - 1;
    learn_source(H.w, 7, mac_a, 3);
    expect_none();
    H.w->now_tsc = t0 + sec;
    learn_source(H.w, 7, mac_a, 3);
    expect_event(7, 3, mac_a);
    /* the second counts from the last report */
    H.w->now_tsc = t0 + 2 * sec - 1;
    learn_source(H.w, 7, mac_a, 3);
    expect_none();
    assert_int_equal(H.pub->st.ev.learn_events, 2);
    assert_int_equal(H.pub->st.ev.learn_ring_full, 0);
}

static void test_move_and_other_vni(void **state)
{
    (void)state;

    H.w->now_tsc = 5000;
    learn_source(H.w, 7, mac_a, 3);
    expect_event(7, 3, mac_a);
    /* moved: reported at once, and moving back too */
    learn_source(H.w, 7, mac_a, 4);
    expect_event(7, 4, mac_a);
    learn_source(H.w, 7, mac_a, 3);
    expect_event(7, 3, mac_a);
    /* the same MAC in another VNI is another station */
    learn_source(H.w, 8, mac_a, 3);
    expect_event(8, 3, mac_a);
    /* another MAC */
    {
        uint8_t m[6];
        memcpy(m, mac_a, 6);
        m[5] ^= 0x80;
        learn_source(H.w, 7, m, 3);
        expect_event(7, 3, m);
    }
    assert_int_equal(H.pub->st.ev.learn_events, 5);
}

static void test_ring_full(void **state)
{
    unsigned cap = H_LEARN_RING - 1;
    uint8_t m[6];
    struct learn_event ev[H_LEARN_RING];
    (void)state;

    memcpy(m, mac_a, 6);
    for (unsigned i = 0; i <= cap; i++) {
        m[4] = (uint8_t)i;
        learn_source(H.w, 1, m, 2);
    }
    assert_int_equal(H.pub->st.ev.learn_events, cap);
    assert_int_equal(H.pub->st.ev.learn_ring_full, 1);
    assert_int_equal(h_learn_events(ev, H_LEARN_RING), cap);
    for (unsigned i = 0; i < cap; i++)
        assert_int_equal(ev[i].mac[4], i);
    /* the lost one is reported by its next frame, even within the second */
    learn_source(H.w, 1, m, 2);
    expect_event(1, 2, m);
    learn_source(H.w, 1, m, 2);
    expect_none();
    assert_int_equal(H.pub->st.ev.learn_events, cap + 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_once_a_second, h_setup),
        cmocka_unit_test_setup(test_move_and_other_vni, h_setup),
        cmocka_unit_test_setup(test_ring_full, h_setup),
    };

    if (h_init("stage_learn") != 0 || h_load(H_CONF_BASIC) != 0)
        return 1;
    return cmocka_run_group_tests_name("stage_learn", tests, NULL, NULL);
}
