/* vtep-pktgen (module-private): when the next packets are due at a
 * constant rate, from the TSC. No DPDK: the unit tests use it alone. */
#ifndef VTEPD_PKTGEN_PACE_H
#define VTEPD_PKTGEN_PACE_H

#include <stdint.h>

struct pace {
    uint64_t t0;        /* TSC at the start */
    uint64_t hz;        /* TSC ticks per second, > 0 */
    uint64_t rate;      /* packets per second; 0: unpaced */
};

/* pace_init: a schedule of `rate` packets per second from TSC t0. */
void pace_init(struct pace *p, uint64_t t0, uint64_t hz, uint64_t rate);

/* pace_due: how many packets the schedule has made due by TSC `now`
 * (packet k, counted from 0, is due at t0 + k * hz / rate, so the count is
 * floor((now - t0) * rate / hz) + 1; 0 before t0). Exact over any run length
 * (128-bit product); never decreases as `now` grows. UINT64_MAX when
 * unpaced. */
uint64_t pace_due(const struct pace *p, uint64_t now);

/* pace_wanted: how many of the due packets to send now: due - sent, at
 * most `burst` (0 when nothing is due). */
uint32_t pace_wanted(const struct pace *p, uint64_t now, uint64_t sent, uint32_t burst);

#endif
