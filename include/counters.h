/* Packet counters: per port, per VNI, per drop reason, and events.
 *
 * Each worker owns one set and is its only writer; the control thread sums
 * them (stats_sum.c) for the exit summary, the stats JSON and the metrics.
 * Counters only ever grow. */
#ifndef VTEPD_COUNTERS_H
#define VTEPD_COUNTERS_H

#include <stdint.h>

#include "drop_reasons.h"

struct port_stats {
    uint64_t rx_packets;
    uint64_t rx_bytes;
    uint64_t tx_packets;
    uint64_t tx_bytes;
    uint64_t tx_dropped;
};

struct vni_stats {
    uint64_t encap_packets;     /* access -> underlay, unicast */
    uint64_t encap_bytes;       /* inner bytes */
    uint64_t decap_packets;     /* underlay -> access, accepted */
    uint64_t decap_bytes;       /* inner bytes */
    uint64_t flood_packets;     /* BUM frames received for replication */
    uint64_t flood_copies;      /* copies sent (underlay and local) */
    uint64_t local_switched;    /* access -> access unicast */
    uint64_t cls_packets[2];    /* encapsulated by the classifier: [0] short, [1] long */
    uint64_t cls_bytes[2];
};

/* Events that are not drops but that operators want to see. */
struct event_stats {
    uint64_t learn_events;      /* sent to the control thread */
    uint64_t learn_ring_full;   /* learn events lost: ring full */
    uint64_t punted;            /* packets given to the control or BFD thread */
    uint64_t punted_bfd;        /* of which to the BFD thread */
    uint64_t ctrl_tx;           /* packets sent for the control and BFD threads */
    uint64_t to_kernel;         /* exception path: underlay port -> kernel */
    uint64_t from_kernel;       /* exception path: kernel -> underlay port */
};

#endif
