/* Unit tests: vtep-meter statistics and clocks (dataplane/meter/
 * meter_stats.c, meter_clock.c, meter_flow.h): nearest-rank percentiles,
 * summaries, the latency reservoir, the RFC 3550 jitter step, tick to ns
 * conversion. */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "meter_clock.h"
#include "meter_flow.h"
#include "meter_stats.h"

static void test_percentiles(void **state)
{
    double v[1000];
    (void)state;

    for (int i = 0; i < 100; i++)
        v[i] = i + 1;                                  /* 1..100 */
    assert_true(meter_percentile(v, 100, 50) == 50);
    assert_true(meter_percentile(v, 100, 90) == 90);
    assert_true(meter_percentile(v, 100, 99) == 99);
    assert_true(meter_percentile(v, 100, 99.9) == 100);
    assert_true(meter_percentile(v, 100, 0) == 1);
    assert_true(meter_percentile(v, 100, 100) == 100);
    assert_true(meter_percentile(v, 1, 50) == 1);
    assert_true(meter_percentile(v, 0, 50) == 0);
    for (int i = 0; i < 1000; i++)
        v[i] = i + 1;                                  /* 1..1000 */
    assert_true(meter_percentile(v, 1000, 99.9) == 999);   /* ceil(999.0), not 1000 */
    assert_true(meter_percentile(v, 1000, 99) == 990);
    assert_true(meter_percentile(v, 1000, 50) == 500);
    {
        double w[4] = {10, 20, 30, 40};

        assert_true(meter_percentile(w, 4, 50) == 20);   /* ceil(2) = 2nd */
        assert_true(meter_percentile(w, 4, 50.001) == 30);
        assert_true(meter_percentile(w, 4, 90) == 40);
        assert_true(meter_percentile(w, 4, 25) == 10);
    }
}

static void test_summarize(void **state)
{
    double v[7] = {70, 10, 50, 30, 20, 60, 40};
    struct meter_summary s;
    (void)state;

    meter_summarize(v, 7, &s);
    assert_int_equal(s.count, 7);
    assert_true(s.mean == 40);
    assert_true(s.min == 10);
    assert_true(s.p50 == 40);                          /* ceil(3.5) = 4th */
    assert_true(s.p90 == 70);                          /* ceil(6.3) = 7th */
    assert_true(s.p99 == 70);
    assert_true(s.p999 == 70);
    assert_true(s.max == 70);
    for (int i = 1; i < 7; i++)
        assert_true(v[i - 1] <= v[i]);                 /* sorted in place */
    meter_summarize(v, 0, &s);
    assert_int_equal(s.count, 0);
    assert_true(s.max == 0);
}

static void test_reservoir(void **state)
{
    struct meter_reservoir r;
    uint64_t sum = 0;
    (void)state;

    assert_int_equal(meter_reservoir_init(&r, 100), 0);
    for (int i = 0; i < 100; i++)
        meter_reservoir_add(&r, i, (uint32_t)i);
    assert_int_equal(r.n, 100);
    for (int i = 0; i < 100; i++) {
        assert_int_equal(r.val[i], i);             /* below capacity: everything */
        assert_int_equal(r.tag[i], i);
    }
    for (int i = 100; i < 100000; i++)
        meter_reservoir_add(&r, i, (uint32_t)i);
    assert_int_equal(r.n, 100);
    assert_int_equal(r.seen, 100000);
    for (int i = 0; i < 100; i++) {
        assert_int_equal(r.val[i], r.tag[i]);      /* value and tag stay together */
        sum += (uint64_t)r.val[i];
    }
    /* a uniform sample of 0..99999 has a mean near 50000 (sd of the mean ~2900) */
    assert_true(sum / 100 > 35000 && sum / 100 < 65000);
    meter_reservoir_free(&r);
    assert_int_equal(meter_reservoir_init(&r, 0), 0);
    meter_reservoir_add(&r, 1, 1);
    assert_int_equal(r.n, 0);
    assert_int_equal(r.seen, 1);
    meter_reservoir_free(&r);
}

/* RFC 3550 6.4.1: J(i) = J(i-1) + (|D(i-1,i)| - J(i-1))/16. */
static void test_jitter_step(void **state)
{
    double j = 0;
    (void)state;

    j = meter_jitter_step(j, 1600);
    assert_true(j == 100);
    j = meter_jitter_step(j, -1600);
    assert_true(j == 100 + (1600 - 100) / 16.0);
    j = 0;
    for (int i = 0; i < 2000; i++)
        j = meter_jitter_step(j, (i & 1) ? 500 : -500);
    assert_true(fabs(j - 500) < 1e-6);                  /* converges to |D| */
    assert_true(meter_jitter_step(0, 0) == 0);
}

static void test_clock(void **state)
{
    struct meter_clock c;
    double hz;
    (void)state;

    assert_int_equal(meter_clock_init(&c, 1e9, 1000, 5000), 0);
    assert_int_equal(meter_clock_ns(&c, 1000), 5000);
    assert_int_equal(meter_clock_ns(&c, 1000 + 123456789), 5000 + 123456789);
    assert_int_equal(meter_clock_ns(&c, 0), 4000);        /* before the base */
    assert_true(meter_clock_resolution_ns(&c) == 1);
    /* 2.5 GHz over a day: exact to a nanosecond */
    assert_int_equal(meter_clock_init(&c, 2.5e9, 0, 0), 0);
    assert_int_equal(meter_clock_ns(&c, 2500000000ULL * 86400), 86400LL * 1000000000);
    assert_int_equal(meter_clock_ns(&c, 25), 10);
    /* net_pcap microseconds since the epoch */
    assert_int_equal(meter_clock_init(&c, 1e6, 0, 0), 0);
    assert_int_equal(meter_clock_ns(&c, 1700000000123456ULL), 1700000000123456000LL);
    assert_int_equal(meter_clock_init(&c, 0, 0, 0), -EINVAL);
    assert_int_equal(meter_clock_init(&c, NAN, 0, 0), -EINVAL);
    /* frequency from two samples */
    assert_int_equal(meter_clock_hz(1000, 0, 1000 + 156250000, 100000000, &hz), 0);
    assert_true(fabs(hz - 1.5625e9) < 1e-3);
    assert_int_equal(meter_clock_hz(1000, 0, 1000, 5, &hz), -EINVAL);
    assert_int_equal(meter_clock_hz(1000, 5, 2000, 5, &hz), -EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_percentiles),
        cmocka_unit_test(test_summarize),
        cmocka_unit_test(test_reservoir),
        cmocka_unit_test(test_jitter_step),
        cmocka_unit_test(test_clock),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
