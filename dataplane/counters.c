/* Names of the drop reasons (see include/counters.h). */
#include "counters.h"

static const char *const names[DROP_NUM] = {
    [DROP_ACCESS_RUNT] = "access_runt",
    [DROP_ACCESS_NO_VNI] = "access_no_vni",
    [DROP_ACCESS_BAD_SRC_MAC] = "access_bad_src_mac",
    [DROP_ACCESS_SAME_PORT] = "access_same_port",
    [DROP_LINK_LOCAL] = "link_local_multicast",
    [DROP_MTU_EXCEEDED] = "mtu_exceeded",
    [DROP_NO_NEXTHOP] = "no_nexthop",
    [DROP_NO_HEADROOM] = "no_headroom",
    [DROP_UNDERLAY_RUNT] = "underlay_runt",
    [DROP_UNDERLAY_NOT_FOR_US] = "underlay_not_for_us",
    [DROP_UNDERLAY_ETHERTYPE] = "underlay_ethertype",
    [DROP_IP_BAD_HEADER] = "ip_bad_header",
    [DROP_IP_NOT_LOCAL] = "ip_not_local",
    [DROP_IP_FRAGMENT] = "ip_fragment",
    [DROP_IP_NOT_UDP] = "ip_not_udp",
    [DROP_UDP_BAD_LENGTH] = "udp_bad_length",
    [DROP_UDP_WRONG_PORT] = "udp_wrong_port",
    [DROP_VXLAN_TRUNCATED] = "vxlan_truncated",
    [DROP_VXLAN_BAD_FLAGS] = "vxlan_bad_flags",
    [DROP_VXLAN_UNKNOWN_VNI] = "vxlan_unknown_vni",
    [DROP_DECAP_DST_REMOTE] = "decap_dst_remote",
    [DROP_DECAP_INNER_VLAN] = "decap_inner_vlan",
    [DROP_ARP_NOT_FOR_US] = "arp_not_for_us",
    [DROP_ARP_BAD] = "arp_bad",
    [DROP_PUNT_RING_FULL] = "punt_ring_full",
    [DROP_TX_FULL] = "tx_full",
    [DROP_FLOOD_NO_MBUF] = "flood_no_mbuf",
    [DROP_FLOOD_NO_TARGET] = "flood_no_target",
    [DROP_CTRL_BAD_PORT] = "ctrl_bad_port",
};

const char *drop_reason_name(enum drop_reason r)
{
    return (unsigned)r < DROP_NUM && names[r] ? names[r] : "unknown";
}
