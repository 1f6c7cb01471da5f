/* vtep-meter: result files.
 *
 * Into one directory (created when missing):
 *   flows.csv           one line per flow (meter_flow.h for the
 *                       definitions of every column)
 *   packets.csv         one line per matched packet (--per-packet)
 *   latency_samples.csv class,latency_ns of the latency reservoir
 *   summary.json        how the run went (ports, clocks, counters, errors)
 *                       and count/mean/min/p50/p90/p99/p99.9/max of FCT,
 *                       latency and jitter per class (short, long, all)
 *   *.png               made by scripts/meter-plot from the files above
 */
#ifndef VTEPD_METER_OUTPUT_H
#define VTEPD_METER_OUTPUT_H

#include <stdint.h>

#include "meter.h"

#define METER_MAX_PORTS 16
#define METER_MAX_ERRORS 16
#define METER_ERRLEN 320

/* How one capture port (or offline file) was read. */
struct meter_port_desc {
    char name[32];           /* "A0", "B0", ... */
    char tap;                /* 'A' or 'B' */
    char source[256];        /* devargs or file */
    char driver[32];
    char clock[32];          /* "nic", "pcap-us", "tsc", "pcap-file" */
    char clock_note[256];    /* in words, as printed at start */
    double resolution_ns;
    uint64_t rx;             /* frames received */
    uint64_t ts_missing;     /* frames without the expected timestamp */
    uint64_t rx_errors;      /* device counters: ierrors + imissed + nombuf */
    double stamp_gap_max_ns; /* TSC clock: longest time between a poll that
                                returned packets and the poll before it (the
                                stamps' worst uncertainty) */
    uint64_t late_bursts;    /* TSC clock: bursts with a gap over 100 us */
};

struct meter_run_desc {
    const char *mode;        /* "live" or "offline" */
    struct meter_port_desc port[METER_MAX_PORTS];
    unsigned n_ports;
    char errors[METER_MAX_ERRORS][METER_ERRLEN];
    unsigned n_errors;
    double wall_s;           /* capture or analysis time */
    double cpu_s;            /* CPU time of the thread meanwhile (busy polling
                                included) */
    int interrupted;         /* stopped by a signal */
};

/* Record an error in d (printed by the caller). */
void meter_run_error(struct meter_run_desc *d, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Write flows.csv, packets.csv (when records were kept),
 * latency_samples.csv and summary.json into dir. 0 or the first negative
 * errno (the reason on stderr); later files are still attempted. */
int meter_write_results(const struct meter *m, const struct meter_report *r,
                        const struct meter_run_desc *d, const char *dir);

/* Run "python script dir" and wait for it. 0, or -errno when it could not
 * start, -ECHILD when it failed (its messages go to stderr). */
int meter_run_plot(const char *python, const char *script, const char *dir);

#endif
