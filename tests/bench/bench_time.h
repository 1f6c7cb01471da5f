/* The benchmarks' clock and sorting: this thread's CPU time (time spent
 * descheduled on a shared machine is not counted, as TSC cycles would count
 * it) and the comparison that sorts per-run figures for their median. */
#ifndef VTEPD_BENCH_TIME_H
#define VTEPD_BENCH_TIME_H

#include <stdint.h>
#include <time.h>

/* Nanoseconds of CPU time this thread has used. */
static inline uint64_t bench_cpu_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* qsort() order of doubles, smallest first. */
static inline int bench_cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return (x > y) - (x < y);
}

#endif
