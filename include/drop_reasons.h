/* Every reason a packet can be dropped, in one list: the enum, the stable
 * names (keys of the stats JSON and the "reason" label of the metrics) and
 * the path each belongs to all come from DROP_REASONS, so they cannot drift
 * apart. Keep names stable: operators graph them. */
#ifndef VTEPD_DROP_REASONS_H
#define VTEPD_DROP_REASONS_H

/* X(ENUM, name, path, what) */
#define DROP_REASONS(X)                                                                        \
    X(ACCESS_RUNT, access_runt, ACCESS, "shorter than an Ethernet header (or its VLAN tag)")   \
    X(ACCESS_NO_VNI, access_no_vni, ACCESS, "(port, VLAN) is mapped to no VNI")               \
    X(ACCESS_BAD_SRC_MAC, access_bad_src_mac, ACCESS, "multicast, broadcast or zero source MAC") \
    X(ACCESS_SAME_PORT, access_same_port, ACCESS, "destination learned where the frame came from") \
    X(LINK_LOCAL, link_local_multicast, ACCESS, "01:80:c2:00:00:0x (STP, LACP, LLDP): never bridged") \
    X(MTU_EXCEEDED, mtu_exceeded, ENCAP, "too big for the underlay MTU after encapsulation")   \
    X(NO_NEXTHOP, no_nexthop, ENCAP, "no live underlay next hop in the group")                 \
    X(NO_HEADROOM, no_headroom, ENCAP, "mbuf cannot take the outer headers or the VLAN tag")   \
    X(UNDERLAY_RUNT, underlay_runt, UNDERLAY, "shorter than an Ethernet header")               \
    X(UNDERLAY_NOT_FOR_US, underlay_not_for_us, UNDERLAY, "Ethernet destination is not our MAC") \
    X(UNDERLAY_HDR_SPLIT, underlay_hdr_split, UNDERLAY, "outer headers not contiguous in the first mbuf segment") \
    X(UNDERLAY_ETHERTYPE, underlay_ethertype, UNDERLAY, "neither IPv4 nor ARP")                 \
    X(IP_BAD_HEADER, ip_bad_header, UNDERLAY, "IPv4 version, IHL, total length or checksum")   \
    X(IP_NOT_LOCAL, ip_not_local, UNDERLAY, "IPv4 destination is not our VTEP")                \
    X(IP_FRAGMENT, ip_fragment, UNDERLAY, "IPv4 fragment")                                     \
    X(IP_NOT_UDP, ip_not_udp, UNDERLAY, "IPv4 to us, not UDP")                                 \
    X(UDP_BAD_LENGTH, udp_bad_length, UNDERLAY, "UDP length")                                  \
    X(UDP_WRONG_PORT, udp_wrong_port, UNDERLAY, "UDP to us, not the VXLAN or BFD port")        \
    X(VXLAN_TRUNCATED, vxlan_truncated, UNDERLAY, "VXLAN header or inner Ethernet cut short")  \
    X(VXLAN_BAD_FLAGS, vxlan_bad_flags, UNDERLAY, "VXLAN I flag clear")                        \
    X(VXLAN_UNKNOWN_VNI, vxlan_unknown_vni, UNDERLAY, "VNI not configured here")               \
    X(SRC_VTEP_UNKNOWN, src_vtep_unknown, UNDERLAY, "VXLAN from a VTEP not on the VNI's flood list") \
    X(DECAP_DST_REMOTE, decap_dst_remote, DECAP, "inner destination is behind the underlay (split horizon)") \
    X(DECAP_INNER_VLAN, decap_inner_vlan, DECAP, "inner frame carries a VLAN tag (RFC 7348 5)") \
    X(ARP_NOT_FOR_US, arp_not_for_us, CONTROL, "ARP on the underlay for another address")      \
    X(ARP_BAD, arp_bad, CONTROL, "malformed ARP")                                              \
    X(PUNT_RING_FULL, punt_ring_full, PUNT, "the control or BFD thread is not keeping up")     \
    X(KERNEL_RATE_LIMIT, kernel_rate_limit, PUNT, "over the exception path's rate to the kernel") \
    X(TX_FULL, tx_full, TX, "the port did not take the packet")                                 \
    X(FLOOD_NO_MBUF, flood_no_mbuf, FLOOD, "replication could not get a buffer")              \
    X(FLOOD_NO_TARGET, flood_no_target, FLOOD, "BUM frame with nowhere to go in its VNI")      \
    X(CTRL_BAD_PORT, ctrl_bad_port, TX, "control packet for a port that does not exist")

enum drop_reason {
#define DROP_ENUM_(e, n, p, w) DROP_##e,
    DROP_REASONS(DROP_ENUM_)
#undef DROP_ENUM_
    DROP_NUM
};

/* Where in the pipeline a reason is decided. */
enum drop_path {
    DROP_PATH_ACCESS,       /* access port input */
    DROP_PATH_ENCAP,        /* encapsulation, next hop */
    DROP_PATH_UNDERLAY,     /* underlay input checks */
    DROP_PATH_DECAP,        /* after decapsulation */
    DROP_PATH_FLOOD,        /* head-end replication */
    DROP_PATH_PUNT,         /* handing packets to other threads */
    DROP_PATH_TX,           /* port output */
    DROP_PATH_CONTROL,      /* counted by the control thread */
    DROP_PATH_NUM
};

/* Stable name ("vxlan_unknown_vni"), path and one-line description. */
const char *drop_reason_name(enum drop_reason r);
enum drop_path drop_reason_path(enum drop_reason r);
const char *drop_reason_help(enum drop_reason r);
const char *drop_path_name(enum drop_path p);

#endif
