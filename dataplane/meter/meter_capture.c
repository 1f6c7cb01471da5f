/* vtep-meter live capture: ports, timestamp clocks, receive loop
 * (see meter_capture.h).
 *
 * Clock choice per port:
 *   1. the device offers RTE_ETH_RX_OFFLOAD_TIMESTAMP: enable it; the PMD
 *      writes device ticks into the mbuf timestamp dynamic field
 *      ("rte_dynfield_timestamp", valid when "rte_dynflag_rx_timestamp" is
 *      set); ticks -> ns with a frequency and offset measured by sampling
 *      rte_eth_read_clock() against CLOCK_REALTIME 200 ms apart (mlx5,
 *      cnxk). Drivers without read_clock whose timestamps are their PTP
 *      clock in ns (ice in 22.11) are sampled through
 *      rte_eth_timesync_read_time() instead. The first stamped packet is
 *      checked against the realtime clock: more than 100 ms apart means the
 *      conversion is wrong, and the port falls back to the TSC;
 *   2. net_pcap: it fills the same field (without advertising the offload)
 *      with the pcap record's time in microseconds since the epoch (DPDK
 *      22.11 drivers/net/pcap: tv_sec * 1e6 + tv_usec, the file opened with
 *      microsecond precision, so nanosecond captures are cut to us);
 *   3. otherwise the TSC read when the burst arrived (one stamp per burst).
 * All clocks are mapped to CLOCK_REALTIME nanoseconds.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <rte_bus.h>
#include <rte_cycles.h>
#include <rte_dev.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_mbuf_dyn.h>

#include "meter_capture.h"

#define BURST 32
#define RX_DESC 1024
#define MBUFS_PER_PORT 4096
#define PARSE_BYTES 512            /* bytes of a frame the dissector may read */
#define CALIBRATE_US 200000
#define LATE_US 100                /* a TSC stamp this late is worth a warning */

static int64_t realtime_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* TSC <-> realtime: one bracketed sample. */
static int tsc_clock(struct meter_clock *c)
{
    int64_t r0 = realtime_ns();
    uint64_t t = rte_rdtsc();
    int64_t r1 = realtime_ns();

    return meter_clock_init(c, (double)rte_get_tsc_hz(), t, r0 + (r1 - r0) / 2);
}

/* Device clock sample bracketed by two realtime reads: rte_eth_read_clock()
 * ticks, or (use_ptp) the PTP clock's time in ns. */
static int nic_sample(uint16_t pid, int use_ptp, uint64_t *ticks, int64_t *ns, int64_t *width)
{
    struct timespec ts;
    int64_t r0 = realtime_ns();
    int rc = use_ptp ? rte_eth_timesync_read_time(pid, &ts) : rte_eth_read_clock(pid, ticks);
    int64_t r1 = realtime_ns();

    if (use_ptp && rc == 0)
        *ticks = (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
    *ns = r0 + (r1 - r0) / 2;
    *width = r1 - r0;
    return rc;
}

/* Frequency and offset of the device clock: two samples CALIBRATE_US
 * apart. Fills p->clk; returns 0 or the driver's error. */
static int nic_calibrate(struct meter_cap_port *p, int use_ptp, double *hz, int64_t *width)
{
    uint64_t t0, t1;
    int64_t n0, n1, w0, w1;
    int rc = nic_sample(p->port_id, use_ptp, &t0, &n0, &w0);

    if (rc != 0)
        return rc;
    rte_delay_us_sleep(CALIBRATE_US);
    rc = nic_sample(p->port_id, use_ptp, &t1, &n1, &w1);
    if (rc != 0)
        return rc;
    rc = meter_clock_hz(t0, n0, t1, n1, hz);
    if (rc == 0)
        rc = meter_clock_init(&p->clk, *hz, t1, n1);
    *width = w0 > w1 ? w0 : w1;
    return rc;
}

static int probe(const char *devargs, uint16_t *pid)
{
    char name[RTE_DEV_NAME_MAX_LEN];
    uint16_t id;
    int rc;

    snprintf(name, sizeof(name), "%s", devargs);
    name[strcspn(name, ",")] = '\0';
    if (rte_eth_dev_get_port_by_name(name, pid) == 0)
        return 0;
    rc = rte_dev_probe(devargs);
    if (rc < 0 && rc != -EEXIST) {
        fprintf(stderr, "vtep-meter: cannot probe '%s': %s\n", devargs, rte_strerror(-rc));
        return rc;
    }
    if (rte_eth_dev_get_port_by_name(name, pid) == 0)
        return 0;
    /* PCI and some drivers name their ports differently: match the device. */
    RTE_ETH_FOREACH_DEV(id) {
        struct rte_eth_dev_info info;

        if (rte_eth_dev_info_get(id, &info) == 0 && info.device &&
            strcmp(rte_dev_name(info.device), name) == 0) {
            *pid = id;
            return 0;
        }
    }
    fprintf(stderr, "vtep-meter: '%s' probed but no ethdev port named '%s'\n", devargs, name);
    return -ENODEV;
}

/* Choose p's clock once the port runs; describe it in pd and on stdout. */
static void choose_clock(struct meter_capture *c, struct meter_cap_port *p,
                         struct meter_port_desc *pd, int offload_on, int force_tsc)
{
    if (offload_on) {
        const char *how = "rte_eth_read_clock";
        int64_t width = 0;
        double hz = 0;
        int rc = rte_mbuf_dyn_rx_timestamp_register(&p->ts_off, &p->ts_flag);

        if (rc == 0) {
            rc = nic_calibrate(p, 0, &hz, &width);
            if (rc != 0) {
                /* no read_clock: the PTP clock, which is what ice stamps with */
                int rc2 = rte_eth_timesync_read_time(p->port_id, &(struct timespec){0});
                if (rc2 != 0 && rc2 != -ENOTSUP && rte_eth_timesync_enable(p->port_id) == 0)
                    rc2 = 0;
                if (rc2 == 0 && nic_calibrate(p, 1, &hz, &width) == 0) {
                    how = "rte_eth_timesync_read_time (PTP clock)";
                    rc = 0;
                }
            }
        }
        if (rc == 0) {
            p->kind = METER_CLK_NIC;
            snprintf(pd->clock, sizeof(pd->clock), "nic");
            pd->resolution_ns = meter_clock_resolution_ns(&p->clk);
            snprintf(pd->clock_note, sizeof(pd->clock_note),
                     "NIC clock (RX timestamp offload, mbuf dynfield): %.6f MHz by "
                     "%s over %d ms, resolution %.3f ns, offset to CLOCK_REALTIME known "
                     "to +-%.1f us", hz / 1e6, how, CALIBRATE_US / 1000, pd->resolution_ns,
                     (double)width / 2000.0);
            return;
        }
        snprintf(pd->clock_note, sizeof(pd->clock_note),
                 "RX timestamp offload on, but device ticks cannot be converted "
                 "(rte_eth_read_clock and rte_eth_timesync_read_time: %s): TSC at receive "
                 "instead", rte_strerror(rc < 0 ? -rc : rc));
    } else if (!force_tsc && strcmp(pd->driver, "net_pcap") == 0 &&
               rte_mbuf_dyn_rx_timestamp_register(&p->ts_off, &p->ts_flag) == 0) {
        p->kind = METER_CLK_PCAP_US;
        meter_clock_init(&p->clk, 1e6, 0, 0);
        snprintf(pd->clock, sizeof(pd->clock), "pcap-us");
        pd->resolution_ns = 1000;
        if (strstr(pd->source, "rx_pcap=")) {
            snprintf(pd->clock_note, sizeof(pd->clock_note),
                     "pcap record time from net_pcap via the mbuf timestamp dynfield, "
                     "microseconds (net_pcap opens files at us precision: ns captures are "
                     "truncated), resolution 1000 ns");
            c->live_clocks = 0;         /* file time, not now */
        } else {
            snprintf(pd->clock_note, sizeof(pd->clock_note),
                     "kernel receive time of net_pcap's live capture via the mbuf timestamp "
                     "dynfield, microseconds, resolution 1000 ns");
        }
        return;
    } else if (force_tsc) {
        snprintf(pd->clock_note, sizeof(pd->clock_note), "TSC at receive (--clock tsc)");
    } else {
        snprintf(pd->clock_note, sizeof(pd->clock_note),
                 "no RX timestamp support (driver %s offers no RTE_ETH_RX_OFFLOAD_TIMESTAMP): "
                 "falling back to the TSC at receive", pd->driver);
    }
    p->kind = METER_CLK_TSC;
    snprintf(pd->clock, sizeof(pd->clock), "tsc");
    pd->resolution_ns = meter_clock_resolution_ns(&c->tsc);
    snprintf(pd->clock_note + strlen(pd->clock_note),
             sizeof(pd->clock_note) - strlen(pd->clock_note),
             ", %.3f GHz, resolution %.3f ns, one stamp per received burst",
             c->tsc.hz / 1e9, pd->resolution_ns);
}

static int open_port(struct meter_capture *c, struct meter_cap_port *p,
                     struct meter_port_desc *pd, int force_tsc)
{
    struct rte_eth_conf conf;
    struct rte_eth_dev_info info;
    uint16_t nb_rxd = RX_DESC, nb_txd = 0;
    int offload_on = 0, rc;

    rc = probe(pd->source, &p->port_id);
    if (rc < 0)
        return rc;
    for (const struct meter_cap_port *q = c->port; q < p; q++)
        if (q->port_id == p->port_id) {
            fprintf(stderr, "vtep-meter: port %s: '%s' is the same device as an earlier "
                    "--port\n", pd->name, pd->source);
            return -EEXIST;
        }
    rc = rte_eth_dev_info_get(p->port_id, &info);
    if (rc != 0) {
        fprintf(stderr, "vtep-meter: port %s: no device info: %s\n", pd->name, rte_strerror(-rc));
        return rc;
    }
    snprintf(pd->driver, sizeof(pd->driver), "%s", info.driver_name ? info.driver_name : "?");
    memset(&conf, 0, sizeof(conf));
    if (!force_tsc && (info.rx_offload_capa & RTE_ETH_RX_OFFLOAD_TIMESTAMP)) {
        conf.rxmode.offloads |= RTE_ETH_RX_OFFLOAD_TIMESTAMP;
        offload_on = 1;
    }
    rc = rte_eth_dev_configure(p->port_id, 1, 0, &conf);
    if (rc != 0) {
        fprintf(stderr, "vtep-meter: port %s: configure failed: %s\n", pd->name, rte_strerror(-rc));
        return rc;
    }
    rte_eth_dev_adjust_nb_rx_tx_desc(p->port_id, &nb_rxd, &nb_txd);
    rc = rte_eth_rx_queue_setup(p->port_id, 0, nb_rxd, (unsigned)rte_eth_dev_socket_id(p->port_id),
                                NULL, c->pool);
    if (rc != 0) {
        fprintf(stderr, "vtep-meter: port %s: RX queue setup failed: %s\n", pd->name,
                rte_strerror(-rc));
        return rc;
    }
    rc = rte_eth_dev_start(p->port_id);
    if (rc != 0) {
        fprintf(stderr, "vtep-meter: port %s: start failed: %s\n", pd->name, rte_strerror(-rc));
        return rc;
    }
    p->started = 1;
    rte_eth_promiscuous_enable(p->port_id);   /* taps carry other hosts' frames */
    choose_clock(c, p, pd, offload_on, force_tsc);
    printf("vtep-meter: port %s (tap %c, %s, driver %s): %s\n", pd->name, pd->tap, pd->source,
           pd->driver, pd->clock_note);
    return 0;
}

int meter_capture_open(struct meter_capture *c, struct meter_run_desc *d, int force_tsc)
{
    int rc;

    memset(c, 0, sizeof(*c));
    c->live_clocks = 1;
    c->desc = d;
    rc = tsc_clock(&c->tsc);
    if (rc < 0) {
        fprintf(stderr, "vtep-meter: TSC frequency unknown\n");
        return rc;
    }
    c->pool = rte_pktmbuf_pool_create("meter_mbufs", MBUFS_PER_PORT * d->n_ports - 1, 256, 0,
                                      RTE_MBUF_DEFAULT_BUF_SIZE, (int)rte_socket_id());
    if (!c->pool) {
        fprintf(stderr, "vtep-meter: cannot allocate mbufs: %s\n", rte_strerror(rte_errno));
        return -ENOMEM;
    }
    for (unsigned i = 0; i < d->n_ports; i++) {
        struct meter_cap_port *p = &c->port[i];

        p->index = (uint16_t)i;
        p->tap = d->port[i].tap == 'B' ? METER_TAP_B : METER_TAP_A;
        c->n = i + 1;
        rc = open_port(c, p, &d->port[i], force_tsc);
        if (rc < 0)
            return rc;
    }
    for (unsigned i = 1; i < c->n; i++)
        if (c->port[i].kind != c->port[0].kind) {
            fprintf(stderr, "vtep-meter: warning: the ports stamp packets with different clocks "
                    "(%s on %s, %s on %s): latencies between them are only as good as the "
                    "agreement of those clocks\n", d->port[0].clock, d->port[0].name,
                    d->port[i].clock, d->port[i].name);
            break;
        }
    fflush(stdout);
    return 0;
}

/* First NIC-stamped frame of a port: its converted time must be close to
 * the realtime clock (it was received moments ago). When it is not, the
 * driver's timestamps are not what its clock says: stamp with the TSC. */
static void nic_verify(struct meter_cap_port *p, const struct rte_mbuf *mb, int64_t now_ns,
                       struct meter_port_desc *pd)
{
    int64_t ts, off;

    if (!(mb->ol_flags & p->ts_flag))
        return;
    p->verified = 1;
    ts = meter_clock_ns(&p->clk, *RTE_MBUF_DYNFIELD(mb, p->ts_off, rte_mbuf_timestamp_t *));
    off = ts - now_ns;
    if (off > -100000000 && off < 100000000)
        return;
    p->kind = METER_CLK_TSC;
    snprintf(pd->clock, sizeof(pd->clock), "tsc");
    snprintf(pd->clock_note, sizeof(pd->clock_note),
             "NIC timestamps disagree with the calibrated device clock by %.3f s: "
             "TSC at receive instead", (double)off / 1e9);
    fprintf(stderr, "vtep-meter: port %s: %s\n", pd->name, pd->clock_note);
}

/* Timestamp of one received frame, ns. */
static inline int64_t frame_ts(struct meter_cap_port *p, const struct rte_mbuf *mb, int64_t tsc_ns)
{
    if (p->kind != METER_CLK_TSC) {
        if (likely(mb->ol_flags & p->ts_flag))
            return meter_clock_ns(&p->clk,
                                  *RTE_MBUF_DYNFIELD(mb, p->ts_off, rte_mbuf_timestamp_t *));
        p->ts_missing++;
    }
    return tsc_ns;
}

static void progress(const struct meter *m, double t)
{
    const struct meter_counters *k = &m->c;

    fprintf(stderr, "vtep-meter: %6.1f s  A %" PRIu64 "  B %" PRIu64 "  matched %" PRIu64
            "  lost %" PRIu64 "  pending %u  flows %" PRIu64 "\n", t, k->frames[0], k->frames[1],
            k->matched, k->lost, meter_pending(m), k->flows);
}

int meter_capture_run(struct meter_capture *c, struct meter *m,
                      const struct meter_live_opts *o, const volatile sig_atomic_t *stop)
{
    struct rte_mbuf *bufs[BURST];
    static uint8_t copy[BURST][PARSE_BYTES];     /* for segmented frames only */
    const uint8_t *data[BURST];
    uint32_t lens[BURST];
    int64_t ts[BURST];
    uint64_t hz = rte_get_tsc_hz();
    uint64_t start = rte_rdtsc(), now, last_rx = start, next_report = start + hz;
    uint64_t deadline = o->duration_s > 0 ? start + (uint64_t)(o->duration_s * (double)hz) : 0;
    uint64_t idle = (uint64_t)o->idle_exit_ms * hz / 1000;

    uint64_t late = (uint64_t)LATE_US * hz / 1000000;

    for (unsigned i = 0; i < c->n; i++)
        c->port[i].last_poll = start;
    while (!*stop) {
        for (unsigned i = 0; i < c->n; i++) {
            struct meter_cap_port *p = &c->port[i];
            uint16_t n = rte_eth_rx_burst(p->port_id, 0, bufs, BURST);
            uint64_t before = p->last_poll;
            int64_t tsc_ns;

            now = rte_rdtsc();
            p->last_poll = now;
            if (n == 0)
                continue;
            /* A TSC stamp says "arrived since the previous poll": the gap is
             * its uncertainty (large when this thread was off the CPU). */
            if (p->kind == METER_CLK_TSC && now - before > p->max_gap) {
                p->max_gap = now - before;
            }
            if (p->kind == METER_CLK_TSC && now - before > late)
                p->late_bursts++;
            last_rx = now;
            tsc_ns = meter_clock_ns(&c->tsc, now);
            if (unlikely(p->kind == METER_CLK_NIC && !p->verified))
                nic_verify(p, bufs[0], tsc_ns, &c->desc->port[i]);
            for (uint16_t k = 0; k < n; k++) {
                struct rte_mbuf *mb = bufs[k];
                uint32_t len = mb->pkt_len < PARSE_BYTES ? mb->pkt_len : PARSE_BYTES;

                /* contiguous first bytes (the usual case) are read in place */
                data[k] = rte_pktmbuf_read(mb, 0, len, copy[k]);
                lens[k] = data[k] ? len : 0;
                ts[k] = frame_ts(p, mb, tsc_ns);
            }
            meter_packet_burst(m, p->tap, p->index, ts, data, lens, n, METER_LINK_ETHERNET);
            p->rx += n;
            rte_pktmbuf_free_bulk(bufs, n);
        }
        now = rte_rdtsc();
        if (now >= next_report) {
            next_report += hz;
            if (c->live_clocks)
                meter_expire(m, meter_clock_ns(&c->tsc, now));
            if (!o->quiet)
                progress(m, (double)(now - start) / (double)hz);
        }
        if (deadline && now >= deadline)
            break;
        if (idle && now - last_rx >= idle)
            break;
    }
    if (!o->quiet)
        progress(m, (double)(rte_rdtsc() - start) / (double)hz);
    return 0;
}

void meter_capture_close(struct meter_capture *c, struct meter_run_desc *d)
{
    for (unsigned i = 0; i < c->n; i++) {
        struct meter_cap_port *p = &c->port[i];
        struct meter_port_desc *pd = &d->port[i];
        struct rte_eth_stats st;

        pd->rx = p->rx;
        pd->ts_missing = p->ts_missing;
        if (p->kind == METER_CLK_TSC) {
            double hz = (double)rte_get_tsc_hz();

            pd->stamp_gap_max_ns = (double)p->max_gap * 1e9 / hz;
            pd->late_bursts = p->late_bursts;
            if (p->late_bursts)
                fprintf(stderr, "vtep-meter: port %s: %" PRIu64 " bursts were polled more than "
                        "%d us after the previous poll (at most %.3f ms): their TSC stamps are "
                        "that late. Give the capture a core of its own (EAL -l), or capture "
                        "with kernel timestamps (tcpdump --time-stamp-precision=nano) and use "
                        "--offline\n", pd->name, p->late_bursts, LATE_US,
                        pd->stamp_gap_max_ns / 1e6);
        }
        if (!p->started)
            continue;
        if (rte_eth_stats_get(p->port_id, &st) == 0) {
            pd->rx_errors = st.ierrors + st.imissed + st.rx_nombuf;
            if (pd->rx_errors) {
                fprintf(stderr, "vtep-meter: port %s: %" PRIu64 " receive errors (ierrors %" PRIu64
                        ", imissed %" PRIu64 ", no mbuf %" PRIu64 ")%s\n", pd->name, pd->rx_errors,
                        st.ierrors, st.imissed, st.rx_nombuf,
                        strcmp(pd->driver, "net_pcap") == 0 ?
                        ": net_pcap stops reading a capture file at a damaged record" : "");
                meter_run_error(d, "port %s: %" PRIu64 " receive errors", pd->name, pd->rx_errors);
            }
        }
        if (pd->ts_missing) {
            fprintf(stderr, "vtep-meter: port %s: %" PRIu64 " frames without a timestamp "
                    "(stamped with the TSC instead)\n", pd->name, pd->ts_missing);
        }
        rte_eth_dev_stop(p->port_id);
        rte_eth_dev_close(p->port_id);
        p->started = 0;
    }
}
