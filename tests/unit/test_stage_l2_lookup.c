/* Unit tests: MAC table lookups for a burst (dataplane/l2_lookup.c):
 * every key gets its own value, whether it repeats the one before it, one
 * further back, or is absent; the VNI is part of the key. The two halves
 * of a run's lookup (l2_lookup_start, then l2_lookup_runs) the same, for
 * one key and for many, and a change made between the halves is seen. */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "stage_harness.h"

static void mac_of(uint8_t m[6], unsigned i)
{
    m[0] = 0x02;
    m[1] = 0;
    m[2] = 0;
    m[3] = (uint8_t)(i >> 16);
    m[4] = (uint8_t)(i >> 8);
    m[5] = (uint8_t)i;
}

/* What the table holds for station i of VNI slot s (0 for odd i). */
static uint64_t val_of(uint32_t s, unsigned i)
{
    if (i % 2)
        return 0;
    return i % 4 ? mac_val_local(MAC_LOCAL, (uint16_t)(s * 100 + i))
                 : mac_val_remote(MAC_REMOTE, htonl(0xc6336400u + s * 64 + i));
}

static void fill(uint32_t n_vnis, unsigned n)
{
    uint8_t m[6];

    for (uint32_t s = 0; s < n_vnis; s++)
        for (unsigned i = 0; i < n; i++)
            if (val_of(s, i)) {
                mac_of(m, i);
                assert_int_equal(mac_table_set(g_dp.macs, s, m, val_of(s, i), 0), 0);
            }
}

static void test_distinct(void **state)
{
    struct mac_key k[DP_BURST];
    uint64_t v[DP_BURST];
    uint8_t m[6];
    (void)state;

    fill(2, DP_BURST);
    for (unsigned i = 0; i < DP_BURST; i++) {
        mac_of(m, i);
        mac_key_set(&k[i], i % 2 ? 0 : 1, m);
    }
    memset(v, 0xa5, sizeof(v));
    l2_lookup_burst(k, DP_BURST, v);
    for (unsigned i = 0; i < DP_BURST; i++)
        assert_int_equal(v[i], val_of(i % 2 ? 0 : 1, i));
}

static void test_runs_and_repeats(void **state)
{
    /* station indexes: runs, a repeat further back, absent ones, and
     * the same MAC in the other VNI */
    static const struct { uint32_t s; unsigned i; } seq[] = {
        {0, 4}, {0, 4}, {0, 4}, {0, 2}, {0, 2}, {0, 4}, {0, 3}, {0, 3}, {1, 4}, {1, 4},
        {0, 4}, {1, 2}, {0, 6}, {0, 6}, {0, 6}, {0, 6}, {0, 1}, {1, 6}, {0, 6}, {1, 6},
    };
    struct mac_key k[RTE_DIM(seq)];
    uint64_t v[RTE_DIM(seq)];
    uint8_t m[6];
    (void)state;

    fill(2, 8);
    for (unsigned j = 0; j < RTE_DIM(seq); j++) {
        mac_of(m, seq[j].i);
        mac_key_set(&k[j], seq[j].s, m);
    }
    memset(v, 0xa5, sizeof(v));
    l2_lookup_burst(k, RTE_DIM(seq), v);
    for (unsigned j = 0; j < RTE_DIM(seq); j++)
        assert_int_equal(v[j], val_of(seq[j].s, seq[j].i));
    /* one key, a whole burst */
    for (unsigned j = 0; j < RTE_DIM(seq); j++)
        k[j] = k[0];
    l2_lookup_burst(k, RTE_DIM(seq), v);
    for (unsigned j = 0; j < RTE_DIM(seq); j++)
        assert_int_equal(v[j], val_of(0, 4));
}

static void test_changes_seen_at_once(void **state)
{
    struct mac_key k[2];
    uint64_t v[2];
    uint8_t m[6];
    (void)state;

    mac_of(m, 8);
    mac_key_set(&k[0], 3, m);
    k[1] = k[0];
    l2_lookup_burst(k, 2, v);
    assert_int_equal(v[0], 0);
    assert_int_equal(v[1], 0);
    assert_int_equal(mac_table_set(g_dp.macs, 3, m, mac_val_local(MAC_LOCAL_STATIC, 9), 0), 0);
    l2_lookup_burst(k, 2, v);
    assert_int_equal(v[0], mac_val_local(MAC_LOCAL_STATIC, 9));
    assert_int_equal(v[1], v[0]);
    assert_int_equal(mac_table_set(g_dp.macs, 3, m, mac_val_remote(MAC_REMOTE, 0x01020304), 0), 0);
    l2_lookup_burst(k, 1, v);
    assert_int_equal(mac_val_kind(v[0]), MAC_REMOTE);
    assert_int_equal(mac_val_vtep(v[0]), 0x01020304);
    assert_int_equal(mac_table_del(g_dp.macs, 3, m), 0);
    l2_lookup_burst(k, 1, v);
    assert_int_equal(v[0], 0);
}

static void test_empty_burst(void **state)
{
    struct mac_key k[1];
    uint64_t v[1] = {0x1234};
    (void)state;

    memset(k, 0, sizeof(k));
    l2_lookup_burst(k, 0, v);
    assert_int_equal(v[0], 0x1234);
}

static void test_lookup_runs(void **state)
{
    struct mac_key k[DP_BURST];
    struct mac_lookup lk[DP_BURST];
    uint64_t v[DP_BURST];
    uint8_t m[6];
    (void)state;

    fill(2, DP_BURST);
    /* one key: present (local, remote) and absent */
    for (unsigned i = 0; i < 4; i++) {
        mac_of(m, i);
        mac_key_set(&k[0], 1, m);
        l2_lookup_start(&k[0], &lk[0]);
        v[0] = 0xa5a5;
        l2_lookup_runs(lk, 1, v);
        assert_int_equal(v[0], val_of(1, i));
    }
    /* a burst of distinct keys in both VNIs */
    for (unsigned i = 0; i < DP_BURST; i++) {
        mac_of(m, i);
        mac_key_set(&k[i], i % 3 ? 0 : 1, m);
        l2_lookup_start(&k[i], &lk[i]);
    }
    memset(v, 0xa5, sizeof(v));
    l2_lookup_runs(lk, DP_BURST, v);
    for (unsigned i = 0; i < DP_BURST; i++)
        assert_int_equal(v[i], val_of(i % 3 ? 0 : 1, i));
    /* a change is seen by the next lookup */
    mac_of(m, 1);
    mac_key_set(&k[0], 0, m);
    assert_int_equal(mac_table_set(g_dp.macs, 0, m, mac_val_local(MAC_LOCAL_STATIC, 7), 0), 0);
    l2_lookup_start(&k[0], &lk[0]);
    l2_lookup_runs(lk, 1, v);
    assert_int_equal(v[0], mac_val_local(MAC_LOCAL_STATIC, 7));
    /* and a change between the two halves: the value at the second */
    assert_int_equal(mac_table_set(g_dp.macs, 0, m, mac_val_local(MAC_LOCAL_STATIC, 9), 0), 0);
    l2_lookup_runs(lk, 1, v);
    assert_int_equal(v[0], mac_val_local(MAC_LOCAL_STATIC, 9));
    assert_int_equal(mac_table_del(g_dp.macs, 0, m), 0);
    l2_lookup_runs(lk, 1, v);
    assert_int_equal(v[0], 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_distinct, h_setup),
        cmocka_unit_test_setup(test_runs_and_repeats, h_setup),
        cmocka_unit_test_setup(test_changes_seen_at_once, h_setup),
        cmocka_unit_test_setup(test_empty_burst, h_setup),
        cmocka_unit_test_setup(test_lookup_runs, h_setup),
    };

    if (h_init("stage_l2_lookup") != 0 || h_load(H_CONF_BASIC) != 0)
        return 1;
    return cmocka_run_group_tests_name("stage_l2_lookup", tests, NULL, NULL);
}
