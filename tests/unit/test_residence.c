/* Unit tests: the residence-time histogram (include/residence.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "residence.h"

/* every value lands in the bucket whose bounds hold it; bounds are
 * contiguous and at most 25 % wide above 8 */
static void test_bucket_bounds(void **state)
{
    (void)state;
    for (unsigned b = 0; b + 1 < RES_BUCKETS; b++) {
        uint64_t lo = res_bucket_low(b), hi = res_bucket_high(b);
        assert_true(lo < hi);
        assert_int_equal(res_bucket(lo), b);
        assert_int_equal(res_bucket(hi - 1), b);
        assert_int_equal(res_bucket(hi), b + 1);
        if (lo >= 8)
            assert_true((hi - lo) * 4 <= lo);
    }
    assert_int_equal(res_bucket(UINT64_MAX), RES_BUCKETS - 1);
    assert_int_equal(res_bucket(0), 0);
    assert_int_equal(res_bucket(4), 4);
    assert_int_equal(res_bucket(5), 5);
    assert_int_equal(res_bucket(8), 8);
}

static int cmp(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* quantiles from buckets are never below the exact value and at most 25 %
 * above it (for values >= 8) */
static void test_quantiles(void **state)
{
    static uint64_t v[100000];
    struct residence_hist h;
    const double qs[] = {0.5, 0.9, 0.99, 0.999};
    (void)state;

    memset(&h, 0, sizeof(h));
    srand(7);
    for (unsigned i = 0; i < 100000; i++) {
        /* a long-tailed mix: most around 2,000 ticks, some up to 2 M */
        v[i] = 1000 + (uint64_t)(rand() % 2000) + (i % 97 == 0 ? (uint64_t)(rand() % 2000000) : 0);
        res_add(&h, v[i]);
    }
    qsort(v, 100000, sizeof(v[0]), cmp);
    assert_int_equal(h.count, 100000);
    assert_int_equal(h.max, v[99999]);
    for (unsigned k = 0; k < 4; k++) {
        uint64_t exact = v[(size_t)(qs[k] * 100000)];
        uint64_t got = res_quantile(&h, qs[k]);
        assert_true(got >= exact);
        assert_true(got <= exact + exact / 4);
    }
    assert_int_equal(res_quantile(&h, 1.0), h.max);
    memset(&h, 0, sizeof(h));
    assert_int_equal(res_quantile(&h, 0.5), 0);
    res_add(&h, 3);
    assert_int_equal(res_quantile(&h, 0.99), 3);
}

/* res_add_n(v, n) leaves the histogram as n calls of res_add(v) */
static void test_add_n(void **state)
{
    static struct residence_hist a, b;
    const uint64_t v[] = {0, 3, 4, 1000, 5000, 5000, 123456789, 7};
    const uint64_t n[] = {1, 2, 32, 1, 17, 5, 3, 64};
    (void)state;

    memset(&a, 0, sizeof(a));
    memset(&b, 0, sizeof(b));
    for (unsigned k = 0; k < sizeof(v) / sizeof(v[0]); k++) {
        res_add_n(&a, v[k], n[k]);
        for (uint64_t i = 0; i < n[k]; i++)
            res_add(&b, v[k]);
    }
    assert_int_equal(a.count, b.count);
    assert_int_equal(a.sum, b.sum);
    assert_int_equal(a.max, b.max);
    assert_memory_equal(a.bucket, b.bucket, sizeof(a.bucket));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bucket_bounds),
        cmocka_unit_test(test_quantiles),
        cmocka_unit_test(test_add_n),
    };
    return cmocka_run_group_tests_name("residence", tests, NULL, NULL);
}
