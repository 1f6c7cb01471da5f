/* vtep-meter: converting a capture clock's ticks into nanoseconds.
 *
 * Every capture port has a clock: the NIC's (device ticks, frequency found
 * by sampling rte_eth_read_clock against CLOCK_REALTIME), the pcap record
 * time that net_pcap puts in the mbuf timestamp field (microseconds), or the
 * TSC read at receive. All are mapped onto one time base, nanoseconds of
 * CLOCK_REALTIME, by ns = base_ns + (ticks - base_ticks) * 1e9 / hz,
 * computed in fixed point (a 64-bit multiplier with as many fractional bits
 * as fit, 128-bit product: well under a nanosecond off after a day), so
 * that timestamps of ports on different clocks can be subtracted.
 */
#ifndef VTEPD_METER_CLOCK_H
#define VTEPD_METER_CLOCK_H

#include <stdint.h>

struct meter_clock {
    uint64_t base_ticks;
    int64_t base_ns;
    uint64_t mult;     /* ns per tick << shift */
    unsigned shift;
    double hz;
};

/* A clock of hz ticks per second (1 kHz .. 100 GHz) whose tick base_ticks
 * is the instant base_ns. 0 or -EINVAL. */
int meter_clock_init(struct meter_clock *c, double hz, uint64_t base_ticks, int64_t base_ns);

/* Frequency from two samples (t0 at ns0, t1 at ns1; t1 > t0, ns1 > ns0).
 * 0 with *hz set, or -EINVAL. */
int meter_clock_hz(uint64_t t0, int64_t ns0, uint64_t t1, int64_t ns1, double *hz);

/* ticks -> ns (ticks before base_ticks give times before base_ns). */
static inline int64_t meter_clock_ns(const struct meter_clock *c, uint64_t ticks)
{
    if (ticks >= c->base_ticks)
        return c->base_ns + (int64_t)(((unsigned __int128)(ticks - c->base_ticks) * c->mult) >> c->shift);
    return c->base_ns - (int64_t)(((unsigned __int128)(c->base_ticks - ticks) * c->mult) >> c->shift);
}

/* One tick in ns (the clock's resolution). */
static inline double meter_clock_resolution_ns(const struct meter_clock *c)
{
    return 1e9 / c->hz;
}

#endif
