/* The benchmarks' random numbers: xorshift64, fixed seed, so that every run
 * draws the same keys. One stream per program. */
#ifndef VTEPD_BENCH_RAND_H
#define VTEPD_BENCH_RAND_H

#include <stdint.h>

static uint64_t xs_state = 88172645463325252ull;

static inline uint64_t xs(void)
{
    xs_state ^= xs_state << 13;
    xs_state ^= xs_state >> 7;
    xs_state ^= xs_state << 17;
    return xs_state;
}

#endif
