/* vtep-meter: the analysis behind both live capture and offline mode.
 *
 * Packets from tap A (before the path under test) and tap B (after it) are
 * fed in with their timestamps (ns, one time base for all ports). Each A
 * packet waits in the match table until a B packet with the same signature
 * arrives (then: one-way latency, flow accounting); each B packet that
 * finds no A packet waits for one (its A copy may be processed later: ports
 * are polled in bursts, clocks differ). Packets wait at most timeout_ns of
 * the other tap's time: an A packet is declared lost once a B timestamp
 * beyond ts_A + timeout has been seen, a B packet unexpected once an A
 * timestamp beyond ts_B + timeout has been seen (or at meter_finish()).
 * A matched entry is kept as long, so that a second B copy counts as a
 * duplicate. Two A packets with one signature wait for two B copies, matched
 * oldest first.
 *
 * Everything is allocated by meter_create(); meter_packet() allocates
 * nothing, makes no system call and is O(1) on average.
 */
#ifndef VTEPD_METER_H
#define VTEPD_METER_H

#include <stdbool.h>
#include <stdint.h>

#include "meter_flow.h"
#include "meter_match.h"
#include "meter_packet.h"
#include "meter_stats.h"

enum meter_tap {
    METER_TAP_A = 0,
    METER_TAP_B = 1,
};

struct meter_config {
    struct meter_parse_cfg parse;
    uint32_t threshold;     /* short flow: packets <= threshold */
    uint32_t max_flows;
    uint32_t max_pending;   /* match table entries */
    uint32_t max_samples;   /* latency reservoir */
    uint32_t max_records;   /* per-packet records kept (0: none) */
    int64_t timeout_ns;
    int64_t skip_ns;        /* flows starting this long after the first A
                               packet are left out of the summaries */
};

/* Defaults: threshold 20, 262144 flows, 1048576 pending, 4194304 samples,
 * no per-packet records, timeout 1 s, skip 0, VXLAN on 4789, prefix 16. */
void meter_config_default(struct meter_config *cfg);

struct meter_counters {
    uint64_t frames[2];         /* per tap, everything offered */
    uint64_t ip[2];             /* dissected */
    uint64_t not_ip[2];
    uint64_t malformed[2];
    uint64_t truncated[2];      /* capture ended inside the headers */
    uint64_t short_prefix[2];   /* capture cut the payload prefix */
    uint64_t encap[2];          /* VXLAN removed */
    uint64_t matched;
    uint64_t matched_b_first;   /* of which the B copy was processed first */
    uint64_t lost;
    uint64_t unexpected_b;
    uint64_t dup_b;
    uint64_t dup_sig_a;         /* A packet whose signature was already waiting */
    uint64_t negative_latency;
    uint64_t flows;
    uint64_t flow_overflow;     /* A packets of new flows with the flow table full */
    uint64_t pending_evicted;   /* entries pushed out by a full match table */
    uint64_t records_dropped;   /* per-packet records beyond max_records */
};

/* One matched packet (kept when max_records > 0). */
struct meter_record {
    int64_t ts_a;
    int64_t ts_b;
    uint64_t sig;
    double jitter;          /* the flow's J after this packet */
    uint32_t flow;          /* METER_NONE when the flow table was full */
    uint32_t ip_len;
    uint16_t port_a;
    uint16_t port_b;
    uint8_t dscp_b;
    uint8_t pad[3];
};

struct meter {
    struct meter_config cfg;
    struct meter_match match;
    struct meter_flows flows;
    struct meter_reservoir lat;
    struct meter_record *rec;
    uint32_t n_rec;
    int64_t wm[2];          /* highest timestamp seen per tap */
    int64_t first_a;        /* lowest A timestamp */
    struct meter_counters c;
};

/* Allocate a meter with *cfg. NULL when cfg is invalid or memory is short
 * (the reason on stderr). */
struct meter *meter_create(const struct meter_config *cfg);

/* Release m (NULL is fine). */
void meter_destroy(struct meter *m);

/* One frame seen at tap at ts ns on capture port port. Returns 0, or the
 * negative meter_parse() error when the frame was not analysed (counted). */
int meter_packet(struct meter *m, enum meter_tap tap, uint16_t port, int64_t ts,
                 const uint8_t *frame, uint32_t caplen, enum meter_link link);

#define METER_BURST_MAX 64

/* n (<= METER_BURST_MAX) frames from one port at once, as meter_packet()
 * on each in turn, with the hash chains prefetched between dissection and
 * accounting (refused frames are counted). */
void meter_packet_burst(struct meter *m, enum meter_tap tap, uint16_t port,
                        const int64_t *ts, const uint8_t *const *frame,
                        const uint32_t *caplen, unsigned n, enum meter_link link);

/* Live capture on real clocks: now is a time no packet from either tap can
 * still precede by more than the timeout; retire what waited longer. */
void meter_expire(struct meter *m, int64_t now);

/* End of input: every packet still waiting is retired (lost at B, or
 * unexpected at B). */
void meter_finish(struct meter *m);

/* Packets waiting in the match table (pending or kept for duplicates). */
static inline uint32_t meter_pending(const struct meter *m)
{
    return m->match.used;
}

/* True when flow f is left out of the summaries (--skip). */
bool meter_flow_skipped(const struct meter *m, const struct meter_flow *f);

struct meter_class_report {
    uint64_t flows;
    uint64_t completed;
    uint64_t packets;
    uint64_t lost;
    struct meter_summary fct;       /* ns, completed flows */
    struct meter_summary latency;   /* ns, matched packets */
    struct meter_summary jitter;    /* ns, flows with >= 2 matched packets */
};

struct meter_report {
    struct meter_class_report cls[METER_N_CLASSES];
    uint64_t skipped_flows;
    bool latency_sampled;           /* percentiles from a random subset */
    uint64_t latency_samples;       /* samples the percentiles come from */
};

/* Per-class summaries of the flows (after meter_finish()). Count, mean, min
 * and max of latency are exact; its percentiles come from the reservoir
 * (exact while fewer than max_samples packets matched). 0 or -ENOMEM. */
int meter_report_build(const struct meter *m, struct meter_report *r);

#endif
