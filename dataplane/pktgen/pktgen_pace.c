/* vtep-pktgen: a constant packet rate from the TSC (see pktgen_pace.h). */
#include "pktgen_pace.h"

void pace_init(struct pace *p, uint64_t t0, uint64_t hz, uint64_t rate)
{
    p->t0 = t0;
    p->hz = hz ? hz : 1;
    p->rate = rate;
}

uint64_t pace_due(const struct pace *p, uint64_t now)
{
    unsigned __int128 n;

    if (p->rate == 0)
        return UINT64_MAX;
    if (now < p->t0)
        return 0;
    n = (unsigned __int128)(now - p->t0) * p->rate / p->hz + 1;
    return n > UINT64_MAX ? UINT64_MAX : (uint64_t)n;
}

uint32_t pace_wanted(const struct pace *p, uint64_t now, uint64_t sent, uint32_t burst)
{
    uint64_t due = pace_due(p, now);

    if (due <= sent)
        return 0;
    return due - sent < burst ? (uint32_t)(due - sent) : burst;
}
