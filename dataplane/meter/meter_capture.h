/* vtep-meter live capture (module-private): DPDK capture ports, the clock
 * each one stamps packets with, and the receive loop. */
#ifndef VTEPD_METER_CAPTURE_H
#define VTEPD_METER_CAPTURE_H

#include <signal.h>
#include <stdint.h>

#include "meter.h"
#include "meter_clock.h"
#include "meter_output.h"

enum meter_clock_kind {
    METER_CLK_NIC = 0,    /* device ticks in the mbuf timestamp field */
    METER_CLK_PCAP_US,    /* net_pcap: pcap record time, us, same field */
    METER_CLK_TSC,        /* TSC read when the burst was received */
};

struct meter_cap_port {
    uint16_t port_id;
    uint16_t index;               /* position on the command line */
    enum meter_tap tap;
    enum meter_clock_kind kind;
    struct meter_clock clk;       /* NIC and PCAP_US */
    int ts_off;                   /* mbuf timestamp dynamic field */
    uint64_t ts_flag;             /* its "valid" flag */
    uint64_t rx;
    uint64_t ts_missing;
    int started;
    int verified;                 /* NIC clock checked on a real packet */
    uint64_t last_poll;           /* TSC of the previous rx_burst call */
    uint64_t max_gap;             /* TSC stamps: longest wait before a burst */
    uint64_t late_bursts;         /* bursts stamped > LATE_US after the last poll */
};

struct meter_capture {
    struct meter_cap_port port[METER_MAX_PORTS];
    unsigned n;
    struct rte_mempool *pool;
    struct meter_clock tsc;       /* TSC -> realtime ns */
    int live_clocks;              /* every port stamps with a running clock */
    struct meter_run_desc *desc;  /* where the ports are described */
};

struct meter_live_opts {
    double duration_s;            /* 0: until a signal */
    unsigned idle_exit_ms;        /* 0: never */
    int64_t timeout_ns;
    int quiet;
};

/* Probe and start the ports described in d->port[0..d->n_ports) (source =
 * devargs, tap = 'A'/'B'); choose and describe each one's clock (printed,
 * and kept in d). force_tsc: TSC on every port. 0, or -errno with the
 * reason on stderr (ports already started are stopped by
 * meter_capture_close()). */
int meter_capture_open(struct meter_capture *c, struct meter_run_desc *d, int force_tsc);

/* Receive and analyse until *stop, the duration, or idleness. Prints a
 * progress line once a second unless quiet. Returns 0. */
int meter_capture_run(struct meter_capture *c, struct meter *m,
                      const struct meter_live_opts *o, const volatile sig_atomic_t *stop);

/* Stop the ports, add their receive counters and errors to d. */
void meter_capture_close(struct meter_capture *c, struct meter_run_desc *d);

#endif
