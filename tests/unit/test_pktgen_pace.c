/* Unit tests: vtep-pktgen's TSC pacing (dataplane/pktgen/pktgen_pace.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "pktgen_pace.h"

#define HZ 2100000000ull

/* packet k is due at t0 + k * hz / rate: one packet at t0, then one more
 * every hz / rate ticks */
static void test_due_schedule(void **state)
{
    struct pace p;

    (void)state;
    pace_init(&p, 1000, HZ, 1000000);           /* one packet every 2,100 ticks */
    assert_int_equal(pace_due(&p, 999), 0);
    assert_int_equal(pace_due(&p, 1000), 1);
    assert_int_equal(pace_due(&p, 1000 + 2099), 1);
    assert_int_equal(pace_due(&p, 1000 + 2100), 2);
    assert_int_equal(pace_due(&p, 1000 + HZ), 1000001);       /* one second */
    assert_int_equal(pace_due(&p, 1000 + 10 * HZ - 1), 10000000);
}

/* no overflow over long runs at high rates: a day at a billion packets/s */
static void test_due_long_run(void **state)
{
    struct pace p;
    uint64_t day = 86400ull * HZ;

    (void)state;
    pace_init(&p, 0, HZ, 1000000000ull);
    assert_int_equal(pace_due(&p, day), 86400ull * 1000000000ull + 1);
    /* monotonic */
    for (uint64_t t = day - 10000; t < day; t += 7)
        assert_true(pace_due(&p, t) <= pace_due(&p, t + 7));
}

static void test_wanted(void **state)
{
    struct pace p;

    (void)state;
    pace_init(&p, 0, HZ, 1000000);
    assert_int_equal(pace_wanted(&p, 0, 0, 32), 1);
    assert_int_equal(pace_wanted(&p, 0, 1, 32), 0);            /* already sent */
    assert_int_equal(pace_wanted(&p, 2100 * 10, 1, 32), 10);
    assert_int_equal(pace_wanted(&p, 2100 * 100, 1, 32), 32);  /* at most a burst */
    assert_int_equal(pace_wanted(&p, 2100 * 100, 200, 32), 0); /* ahead of schedule */
}

/* rate 0: unpaced, always a whole burst */
static void test_unpaced(void **state)
{
    struct pace p;

    (void)state;
    pace_init(&p, 0, HZ, 0);
    assert_true(pace_due(&p, 0) == UINT64_MAX);
    assert_int_equal(pace_wanted(&p, 0, 123456, 64), 64);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_due_schedule),
        cmocka_unit_test(test_due_long_run),
        cmocka_unit_test(test_wanted),
        cmocka_unit_test(test_unpaced),
    };
    return cmocka_run_group_tests_name("pktgen_pace", tests, NULL, NULL);
}
