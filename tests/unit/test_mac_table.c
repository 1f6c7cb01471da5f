/* Unit tests: MAC table (control/core/mac_table.c, include/mac_table.h):
 * learn, move, refresh, age, per-VNI limit, statics, remote entries, bulk
 * lookup; a reader thread looking up while the writer churns; deleted slots
 * not reused before the readers' grace period. */
#include <errno.h>
#include <pthread.h>
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>
#include <rte_malloc.h>
#include <rte_rcu_qsbr.h>

#include "eal_test.h"
#include "mac_table.h"

static struct rte_rcu_qsbr *qsv;

static void mac_of(uint8_t m[6], uint32_t i)
{
    m[0] = 0x02; m[1] = 0; m[2] = (uint8_t)(i >> 24); m[3] = (uint8_t)(i >> 16);
    m[4] = (uint8_t)(i >> 8); m[5] = (uint8_t)i;
}

static int setup(void **state)
{
    *state = mac_table_create("ut_macs", 4096, 4, qsv, 0);
    return *state ? 0 : -1;
}

static int teardown(void **state)
{
    mac_table_free(*state);
    return 0;
}

static void test_learn_refresh_move(void **state)
{
    struct mac_table *t = *state;
    uint8_t m[6];
    uint64_t v;

    mac_of(m, 1);
    assert_int_equal(mac_table_lookup(t, 0, m), 0);
    assert_int_equal(mac_table_learn(t, 0, m, 3, 100), LEARN_NEW);
    v = mac_table_lookup(t, 0, m);
    assert_int_equal(mac_val_kind(v), MAC_LOCAL);
    assert_int_equal(mac_val_attach(v), 3);
    assert_int_equal(mac_table_learned(t, 0), 1);
    assert_int_equal(mac_table_learn(t, 0, m, 3, 101), LEARN_REFRESHED);
    assert_int_equal(mac_table_learn(t, 0, m, 5, 102), LEARN_MOVED);
    assert_int_equal(mac_val_attach(mac_table_lookup(t, 0, m)), 5);
    assert_int_equal(mac_table_learned(t, 0), 1);
    assert_int_equal(mac_table_count(t, 0), 1);
    /* the same MAC in another VNI is another station */
    assert_int_equal(mac_table_lookup(t, 1, m), 0);
    assert_int_equal(mac_table_learn(t, 1, m, 9, 102), LEARN_NEW);
    assert_int_equal(mac_val_attach(mac_table_lookup(t, 0, m)), 5);
    assert_int_equal(mac_val_attach(mac_table_lookup(t, 1, m)), 9);
}

static void test_age(void **state)
{
    struct mac_table *t = *state;
    uint8_t a[6], b[6], s[6], r[6];

    mac_of(a, 10);
    mac_of(b, 11);
    mac_of(s, 12);
    mac_of(r, 13);
    assert_int_equal(mac_table_learn(t, 0, a, 1, 1000), LEARN_NEW);
    assert_int_equal(mac_table_learn(t, 0, b, 1, 1000), LEARN_NEW);
    assert_int_equal(mac_table_set(t, 0, s, mac_val_local(MAC_LOCAL_STATIC, 2), 0), 0);
    assert_int_equal(mac_table_set(t, 0, r, mac_val_remote(MAC_REMOTE, inet_addr("198.51.100.2")), 0), 0);
    /* b is refreshed at 1200, a is not */
    assert_int_equal(mac_table_learn(t, 0, b, 1, 1200), LEARN_REFRESHED);
    assert_int_equal(mac_table_age(t, 1300, 300), 0);     /* exactly 300 s: kept */
    assert_int_equal(mac_table_age(t, 1301, 300), 1);
    assert_int_equal(mac_table_lookup(t, 0, a), 0);
    assert_int_not_equal(mac_table_lookup(t, 0, b), 0);
    assert_int_equal(mac_table_learned(t, 0), 1);
    /* statics and remote entries never age */
    assert_int_equal(mac_table_age(t, 1000000, 300), 1);
    assert_int_not_equal(mac_table_lookup(t, 0, s), 0);
    assert_int_not_equal(mac_table_lookup(t, 0, r), 0);
    assert_int_equal(mac_table_count(t, 0), 2);
    assert_int_equal(mac_table_learned(t, 0), 0);
}

static void test_age_in_slices(void **state)
{
    struct mac_table *t = *state;
    uint32_t removed = 0, slice = mac_table_positions(t) / 4 + 1;
    uint8_t m[6];

    for (uint32_t i = 0; i < 100; i++) {
        mac_of(m, 0x50000 + i);
        assert_int_equal(mac_table_learn(t, 1, m, 1, i < 50 ? 10 : 500), LEARN_NEW);
    }
    /* four slices make a full pass: exactly the 50 old ones go */
    for (int k = 0; k < 4; k++)
        removed += mac_table_age_step(t, 700, 300, slice);
    assert_int_equal(removed, 50);
    assert_int_equal(mac_table_learned(t, 1), 50);
    /* a MAC moved to remote is no longer aged */
    mac_of(m, 0x50000 + 60);
    assert_int_equal(mac_table_set(t, 1, m, mac_val_remote(MAC_REMOTE, 1), 500), 0);
    for (int k = 0; k < 4; k++)
        removed += mac_table_age_step(t, 100000, 300, slice);
    assert_int_equal(removed, 99);
    assert_int_equal(mac_val_kind(mac_table_lookup(t, 1, m)), MAC_REMOTE);
}

static void test_limit(void **state)
{
    struct mac_table *t = *state;
    uint8_t m[6];
    unsigned learned = 0, refused = 0;

    mac_table_set_limit(t, 2, 50);
    /* a MAC flood of 10,000 stations */
    for (uint32_t i = 0; i < 10000; i++) {
        mac_of(m, 0x10000 + i);
        enum learn_result r = mac_table_learn(t, 2, m, 1, 5);
        learned += r == LEARN_NEW;
        refused += r == LEARN_LIMIT;
    }
    assert_int_equal(learned, 50);
    assert_int_equal(refused, 10000 - 50);
    assert_int_equal(mac_table_learned(t, 2), 50);
    /* known stations still refresh and move at the limit */
    mac_of(m, 0x10000);
    assert_int_equal(mac_table_learn(t, 2, m, 1, 6), LEARN_REFRESHED);
    assert_int_equal(mac_table_learn(t, 2, m, 2, 6), LEARN_MOVED);
    /* other VNIs are not affected */
    mac_of(m, 0x10000 + 9999);
    assert_int_equal(mac_table_learn(t, 3, m, 1, 5), LEARN_NEW);
    /* room again once one ages out */
    mac_of(m, 0x10000 + 1);
    assert_int_equal(mac_table_del(t, 2, m), 0);
    mac_of(m, 0x20000);
    assert_int_equal(mac_table_learn(t, 2, m, 1, 7), LEARN_NEW);
    assert_int_equal(mac_table_learn(t, 2, m + 0, 1, 7), LEARN_REFRESHED);
    mac_of(m, 0x20001);
    assert_int_equal(mac_table_learn(t, 2, m, 1, 7), LEARN_LIMIT);
}

static void test_static_and_remote(void **state)
{
    struct mac_table *t = *state;
    uint8_t s[6], r[6];
    uint32_t vtep = inet_addr("198.51.100.7");

    mac_of(s, 0x30000);
    mac_of(r, 0x30001);
    assert_int_equal(mac_table_set(t, 0, s, mac_val_local(MAC_LOCAL_STATIC, 4), 0), 0);
    assert_int_equal(mac_table_set(t, 0, r, mac_val_remote(MAC_REMOTE_STATIC, vtep), 0), 0);
    /* statics never move */
    assert_int_equal(mac_table_learn(t, 0, s, 5, 1), LEARN_STATIC);
    assert_int_equal(mac_table_learn(t, 0, s, 4, 1), LEARN_REFRESHED);
    assert_int_equal(mac_table_learn(t, 0, r, 5, 1), LEARN_STATIC);
    assert_int_equal(mac_val_vtep(mac_table_lookup(t, 0, r)), vtep);
    assert_int_equal(mac_val_attach(mac_table_lookup(t, 0, s)), 4);
    assert_int_equal(mac_table_learned(t, 0), 0);

    /* a dynamic remote entry moves to local when the station shows up here */
    mac_of(r, 0x30002);
    assert_int_equal(mac_table_set(t, 0, r, mac_val_remote(MAC_REMOTE, vtep), 0), 0);
    assert_int_equal(mac_table_learn(t, 0, r, 6, 1), LEARN_MOVED);
    assert_int_equal(mac_val_kind(mac_table_lookup(t, 0, r)), MAC_LOCAL);
    assert_int_equal(mac_table_learned(t, 0), 1);
    /* and back to remote when the control plane says so */
    assert_int_equal(mac_table_set(t, 0, r, mac_val_remote(MAC_REMOTE, vtep), 0), 0);
    assert_int_equal(mac_table_learned(t, 0), 0);
    assert_int_equal(mac_table_count(t, 0), 3);
    assert_int_equal(mac_table_del(t, 0, r), 0);
    assert_int_equal(mac_table_del(t, 0, r), -ENOENT);
    assert_int_equal(mac_table_count(t, 0), 2);
}

static void test_set_dynamic_keeps_statics(void **state)
{
    struct mac_table *t = *state;
    uint8_t s[6], l[6], n[6];

    mac_of(s, 0x31000);
    mac_of(l, 0x31001);
    mac_of(n, 0x31002);
    assert_int_equal(mac_table_set(t, 0, s, mac_val_remote(MAC_REMOTE_STATIC, 7), 0), 0);
    assert_int_equal(mac_table_set(t, 0, l, mac_val_local(MAC_LOCAL_STATIC, 3), 0), 0);
    assert_int_equal(mac_table_set_dynamic(t, 0, s, mac_val_remote(MAC_REMOTE, 9), 0), -EEXIST);
    assert_int_equal(mac_table_set_dynamic(t, 0, l, mac_val_remote(MAC_REMOTE, 9), 0), -EEXIST);
    assert_int_equal(mac_val_vtep(mac_table_lookup(t, 0, s)), 7);
    assert_int_equal(mac_val_kind(mac_table_lookup(t, 0, l)), MAC_LOCAL_STATIC);
    /* new and dynamic entries are set; a learned one becomes remote */
    assert_int_equal(mac_table_set_dynamic(t, 0, n, mac_val_remote(MAC_REMOTE, 9), 0), 0);
    assert_int_equal(mac_val_vtep(mac_table_lookup(t, 0, n)), 9);
    assert_int_equal(mac_table_learn(t, 1, n, 2, 5), LEARN_NEW);
    assert_int_equal(mac_table_learned(t, 1), 1);
    assert_int_equal(mac_table_set_dynamic(t, 1, n, mac_val_remote(MAC_REMOTE, 8), 0), 0);
    assert_int_equal(mac_val_kind(mac_table_lookup(t, 1, n)), MAC_REMOTE);
    assert_int_equal(mac_table_learned(t, 1), 0);
    assert_int_equal(mac_table_count(t, 0), 3);
    assert_int_equal(mac_table_set_dynamic(t, 9, n, mac_val_remote(MAC_REMOTE, 8), 0), -EINVAL);
}

static void test_bulk_and_iterate(void **state)
{
    struct mac_table *t = *state;
    struct mac_key keys[64];
    const struct mac_key *kp[64];
    uint64_t vals[64];
    struct mac_key k;
    uint64_t v, seen;
    uint32_t it = 0, n = 0;

    for (uint32_t i = 0; i < 64; i += 2) {
        uint8_t m[6];
        mac_of(m, 0x40000 + i);
        assert_int_equal(mac_table_learn(t, 1, m, (uint16_t)i, 77), LEARN_NEW);
    }
    for (uint32_t i = 0; i < 64; i++) {
        uint8_t m[6];
        mac_of(m, 0x40000 + i);
        mac_key_set(&keys[i], 1, m);
        kp[i] = &keys[i];
    }
    mac_table_lookup_bulk(t, kp, 64, vals);
    for (uint32_t i = 0; i < 64; i++) {
        if (i % 2) {
            assert_int_equal(vals[i], 0);
        } else {
            assert_int_equal(mac_val_kind(vals[i]), MAC_LOCAL);
            assert_int_equal(mac_val_attach(vals[i]), i);
        }
    }
    while (mac_table_next(t, &it, &k, &v, &seen) == 0) {
        assert_int_equal(k.vni_idx, 1);
        assert_int_equal(seen, 77);
        assert_int_equal(mac_val_attach(v), k.mac[5]);
        n++;
    }
    assert_int_equal(n, 32);
}

static void test_full_table(void **state)
{
    struct mac_table *t = mac_table_create("ut_small", 1024, 1, qsv, 0);
    unsigned added = 0, full = 0;
    (void)state;

    assert_non_null(t);
    for (uint32_t i = 0; i < 3000; i++) {
        uint8_t m[6];
        mac_of(m, i + 1);
        enum learn_result r = mac_table_learn(t, 0, m, 1, 1);
        added += r == LEARN_NEW;
        full += r == LEARN_FULL;
    }
    /* the extendable-bucket table holds at least what was asked for */
    assert_true(added >= 1024);
    assert_int_equal(added + full, 3000);
    assert_int_equal(mac_table_learned(t, 0), added);
    mac_table_free(t);
}

/* A reader thread looks up 512 stable keys in bursts while the writer adds
 * and deletes 200,000 churn keys around them in a table kept 80 % full
 * (long overflow runs, slots reused after the grace period). The reader must
 * find every stable key, each time with its own value. */
#define N_STABLE 512u
#define N_CHURN 2800u

struct reader_arg {
    struct mac_table *t;
    struct mac_key keys[N_STABLE];
    volatile int stop;
    uint64_t lookups, wrong;
};

static uint64_t stable_val(uint32_t i)
{
    return mac_val_remote(MAC_REMOTE, 0x0a000000u + i);
}

static void *reader(void *p)
{
    struct reader_arg *a = p;

    rte_rcu_qsbr_thread_register(qsv, 0);
    rte_rcu_qsbr_thread_online(qsv, 0);
    while (!a->stop) {
        for (uint32_t i = 0; i < N_STABLE; i += 32) {
            const struct mac_key *kp[32];
            uint64_t vals[32];

            for (unsigned j = 0; j < 32; j++)
                kp[j] = &a->keys[i + j];
            mac_table_lookup_bulk(a->t, kp, 32, vals);
            for (unsigned j = 0; j < 32; j++)
                a->wrong += vals[j] != stable_val(i + j);
            a->lookups += 32;
        }
        rte_rcu_qsbr_quiescent(qsv, 0);
    }
    rte_rcu_qsbr_thread_offline(qsv, 0);
    rte_rcu_qsbr_thread_unregister(qsv, 0);
    return NULL;
}

static void test_concurrent_churn(void **state)
{
    struct mac_table *t = mac_table_create("ut_churn", 4096, 4, qsv, 0);
    static struct reader_arg a;
    static uint8_t in[N_CHURN];
    uint32_t x = 12345;
    pthread_t th;
    uint8_t m[6];
    (void)state;

    assert_non_null(t);
    memset(&a, 0, sizeof(a));
    memset(in, 0, sizeof(in));
    a.t = t;
    for (uint32_t i = 0; i < N_STABLE; i++) {
        mac_of(m, 0x600000 + i);
        assert_int_equal(mac_table_set(t, i % 4, m, stable_val(i), 0), 0);
        mac_key_set(&a.keys[i], i % 4, m);
    }
    assert_int_equal(pthread_create(&th, NULL, reader, &a), 0);
    for (uint32_t op = 0; op < 200000; op++) {
        uint32_t c;

        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        c = x % N_CHURN;
        mac_of(m, 0x700000 + c);
        if (in[c]) {
            assert_int_equal(mac_table_del(t, c % 4, m), 0);
            in[c] = 0;
        } else if (mac_table_set(t, c % 4, m, mac_val_remote(MAC_REMOTE, c + 1), 0) == 0) {
            in[c] = 1;
        }
    }
    a.stop = 1;
    pthread_join(th, NULL);
    assert_true(a.lookups > 0);
    assert_int_equal(a.wrong, 0);
    /* and the churn keys are exactly those the writer kept */
    for (uint32_t c = 0; c < N_CHURN; c++) {
        mac_of(m, 0x700000 + c);
        assert_int_equal(mac_table_lookup(t, c % 4, m) != 0, in[c]);
    }
    mac_table_free(t);
}

/* The slot of a deleted key stays a tombstone (never reused) while a reader
 * is online and has not reported quiescence since the delete. */
static void test_slot_reuse_waits_for_readers(void **state)
{
    struct mac_table *t = mac_table_create("ut_reuse", 1024, 1, qsv, 0);
    uint32_t pos = UINT32_MAX;
    uint8_t m[6];
    (void)state;

    assert_non_null(t);
    /* 40 keys to delete once the reader has moved on */
    for (uint32_t i = 0; i < 40; i++) {
        mac_of(m, 0x810000 + i);
        assert_int_equal(mac_table_set(t, 0, m, mac_val_remote(MAC_REMOTE, 9), 0), 0);
    }
    mac_of(m, 0x800000);
    assert_int_equal(mac_table_set(t, 0, m, mac_val_remote(MAC_REMOTE, 9), 0), 0);
    {
        struct mac_key k;
        uint64_t kw;

        mac_key_set(&k, 0, m);
        kw = mac_key_word(&k);
        for (uint32_t p = 0; p < mac_table_positions(t); p++)
            if (t->bkt[p / MAC_BUCKET_SLOTS].key[p % MAC_BUCKET_SLOTS] == kw)
                pos = p;
    }
    assert_true(pos != UINT32_MAX);
    rte_rcu_qsbr_thread_register(qsv, 0);
    rte_rcu_qsbr_thread_online(qsv, 0);
    assert_int_equal(mac_table_del(t, 0, m), 0);
    /* many more deletes: the writer tries to reclaim, the reader holds it */
    for (uint32_t i = 1; i <= 200; i++) {
        mac_of(m, 0x800000 + i);
        assert_int_equal(mac_table_set(t, 0, m, mac_val_remote(MAC_REMOTE, 9), 0), 0);
        assert_int_equal(mac_table_del(t, 0, m), 0);
        assert_int_equal(t->bkt[pos / MAC_BUCKET_SLOTS].key[pos % MAC_BUCKET_SLOTS],
                         MAC_KEY_TOMB);
    }
    /* the reader moves on: the next deletes reclaim the slot (and nothing
     * is added that could take it) */
    rte_rcu_qsbr_quiescent(qsv, 0);
    for (uint32_t i = 0; i < 40; i++) {
        mac_of(m, 0x810000 + i);
        assert_int_equal(mac_table_del(t, 0, m), 0);
    }
    assert_int_equal(t->bkt[pos / MAC_BUCKET_SLOTS].key[pos % MAC_BUCKET_SLOTS],
                     MAC_KEY_EMPTY);
    rte_rcu_qsbr_thread_offline(qsv, 0);
    rte_rcu_qsbr_thread_unregister(qsv, 0);
    mac_table_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_learn_refresh_move, setup, teardown),
        cmocka_unit_test_setup_teardown(test_age, setup, teardown),
        cmocka_unit_test_setup_teardown(test_age_in_slices, setup, teardown),
        cmocka_unit_test_setup_teardown(test_limit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_static_and_remote, setup, teardown),
        cmocka_unit_test_setup_teardown(test_set_dynamic_keeps_statics, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bulk_and_iterate, setup, teardown),
        cmocka_unit_test(test_full_table),
        cmocka_unit_test(test_concurrent_churn),
        cmocka_unit_test(test_slot_reuse_waits_for_readers),
    };
    size_t sz;

    if (eal_test_init("mac_table") != 0)
        return 1;
    sz = rte_rcu_qsbr_get_memsize(1);
    qsv = rte_zmalloc("qsv", sz, 64);
    rte_rcu_qsbr_init(qsv, 1);
    return cmocka_run_group_tests_name("mac_table", tests, NULL, NULL);
}
