/* Packet counters: per port, per VNI and per drop reason.
 *
 * Each worker owns one set and is its only writer; the control thread sums
 * them when asked (stats JSON, metrics). Counters only ever grow.
 */
#ifndef VTEPD_COUNTERS_H
#define VTEPD_COUNTERS_H

#include <stdint.h>

/* Every reason a packet can be dropped. Names (drop_reason_name) are the
 * keys used in the stats JSON; keep them stable. */
enum drop_reason {
    DROP_ACCESS_RUNT = 0,       /* shorter than an Ethernet header */
    DROP_ACCESS_NO_VNI,         /* (port, VLAN) mapped to no VNI */
    DROP_ACCESS_BAD_SRC_MAC,    /* multicast/broadcast or zero source MAC */
    DROP_ACCESS_SAME_PORT,      /* destination learned where it came from */
    DROP_LINK_LOCAL,            /* 01:80:c2:00:00:0x (STP, LACP, LLDP...): never bridged */
    DROP_MTU_EXCEEDED,          /* too big for the underlay after encap */
    DROP_NO_NEXTHOP,            /* no live underlay next hop */
    DROP_NO_HEADROOM,           /* mbuf cannot take the outer headers */
    DROP_UNDERLAY_RUNT,
    DROP_UNDERLAY_NOT_FOR_US,   /* Ethernet destination is not our MAC */
    DROP_UNDERLAY_ETHERTYPE,    /* neither IPv4 nor ARP */
    DROP_IP_BAD_HEADER,         /* version, IHL, total length, checksum */
    DROP_IP_NOT_LOCAL,          /* IPv4 destination is not our VTEP */
    DROP_IP_FRAGMENT,
    DROP_IP_NOT_UDP,
    DROP_UDP_BAD_LENGTH,
    DROP_UDP_WRONG_PORT,        /* UDP to us, but not the VXLAN port */
    DROP_VXLAN_TRUNCATED,       /* VXLAN header or inner Ethernet cut short */
    DROP_VXLAN_BAD_FLAGS,       /* I flag clear */
    DROP_VXLAN_UNKNOWN_VNI,
    DROP_DECAP_DST_REMOTE,      /* inner destination is behind the underlay */
    DROP_DECAP_INNER_VLAN,      /* inner frame carries a VLAN tag (RFC 7348 5) */
    DROP_ARP_NOT_FOR_US,        /* ARP on the underlay for another address */
    DROP_ARP_BAD,               /* malformed ARP */
    DROP_PUNT_RING_FULL,
    DROP_TX_FULL,               /* the port did not take the packet */
    DROP_FLOOD_NO_MBUF,         /* replication could not get a buffer */
    DROP_FLOOD_NO_TARGET,       /* BUM frame with nowhere to go in its VNI */
    DROP_CTRL_BAD_PORT,         /* control thread packet for a bad port */
    DROP_NUM
};

/* Stable name of a drop reason, e.g. "vxlan_unknown_vni". */
const char *drop_reason_name(enum drop_reason r);

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
};

/* Events that are not drops but that operators want to see. */
struct event_stats {
    uint64_t learn_events;      /* sent to the control thread */
    uint64_t learn_ring_full;   /* learn events lost: ring full */
    uint64_t punted;            /* packets given to the control thread */
    uint64_t ctrl_tx;           /* packets sent for the control thread */
};

#endif
