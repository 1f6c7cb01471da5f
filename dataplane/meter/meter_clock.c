/* vtep-meter: tick to nanosecond conversion (see meter_clock.h). */
#include <errno.h>
#include <math.h>
#include <string.h>

#include "meter_clock.h"

int meter_clock_init(struct meter_clock *c, double hz, uint64_t base_ticks, int64_t base_ns)
{
    memset(c, 0, sizeof(*c));
    if (!(hz >= 1e3 && hz <= 1e11))
        return -EINVAL;
    c->hz = hz;
    c->base_ticks = base_ticks;
    c->base_ns = base_ns;
    /* The most fractional bits that keep ns-per-tick << shift below 2^64. */
    long double npt = 1e9L / (long double)hz;
    unsigned shift = 64;

    while (shift > 0 && ldexpl(npt, (int)shift) >= 18446744073709551615.0L)
        shift--;
    c->shift = shift;
    c->mult = (uint64_t)(ldexpl(npt, (int)shift) + 0.5L);
    return 0;
}

int meter_clock_hz(uint64_t t0, int64_t ns0, uint64_t t1, int64_t ns1, double *hz)
{
    if (t1 <= t0 || ns1 <= ns0)
        return -EINVAL;
    *hz = (double)(t1 - t0) * 1e9 / (double)(ns1 - ns0);
    return 0;
}
