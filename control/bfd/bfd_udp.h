/* Single-hop BFD over IPv4 (RFC 5881) framing: build the Ethernet/IPv4/UDP
 * frame around a control packet, and check a received frame and find the
 * control packet in it.
 *
 * Sent frames: UDP destination port 3784, the session's source port
 * (49152-65535, the same for every packet of a session), IPv4 TTL 255, DF
 * set, IPv4 header checksum and UDP checksum both computed.
 *
 * Received frames: must be IPv4 (no VLAN tag, no fragment) carrying UDP to
 * port 3784 with consistent lengths and a valid IPv4 checksum; a nonzero
 * UDP checksum must be right; the TTL must be 255 (we do no authentication,
 * RFC 5881 section 5). The first rule broken is returned as a reason and
 * counted. The caller is trusted to have checked the destination MAC and
 * IPv4 address (the dataplane does); they are returned for its use.
 *
 * Plain byte buffers: no DPDK types, no allocation, no global state. IPv4
 * addresses are uint32_t in network byte order (suffix _be), ports are in
 * host order.
 */
#ifndef VTEPD_BFD_UDP_H
#define VTEPD_BFD_UDP_H

#include <stddef.h>
#include <stdint.h>

#include "bfd_packet.h"

#ifndef BFD_UDP_PORT
#define BFD_UDP_PORT        3784    /* single-hop control (also in vxlan.h) */
#endif
#define BFD_SRC_PORT_MIN    49152   /* RFC 5881 section 4 */
#define BFD_SRC_PORT_MAX    65535
#define BFD_TTL             255
#define BFD_TOS_CS6         0xc0    /* a sensible TOS for BFD (network control) */
#define BFD_ETH_HDR_LEN     14
#define BFD_IP_HDR_LEN      20
#define BFD_UDP_HDR_LEN     8
#define BFD_FRAME_HDR_LEN   (BFD_ETH_HDR_LEN + BFD_IP_HDR_LEN + BFD_UDP_HDR_LEN)
#define BFD_FRAME_LEN       (BFD_FRAME_HDR_LEN + BFD_CTRL_LEN)  /* 66 bytes */

/* What goes into the headers of a sent frame. */
struct bfd_udp_tx {
    uint8_t dst_mac[6];         /* the peer's (or next hop's) MAC */
    uint8_t src_mac[6];         /* our port's MAC */
    uint32_t src_ip_be;         /* our address */
    uint32_t dst_ip_be;         /* the peer's address */
    uint16_t src_port;          /* the session's port, 49152-65535 */
    uint8_t tos;                /* IPv4 TOS byte (DSCP << 2), e.g. BFD_TOS_CS6 */
};

/* Write Ethernet + IPv4 + UDP headers for p followed by the payload_len
 * bytes at payload into frame. Returns the frame length
 * (BFD_FRAME_HDR_LEN + payload_len), or 0 when cap is too small or the
 * payload does not fit in an IPv4 packet. The payload may lie inside
 * frame, e.g. already at frame + BFD_FRAME_HDR_LEN (built in place by
 * bfd_session_poll): it is moved before the headers are written. */
size_t bfd_udp_build(uint8_t *frame, size_t cap, const struct bfd_udp_tx *p,
                     const uint8_t *payload, size_t payload_len);

/* What was found in a received frame. payload points into the frame. */
struct bfd_udp_rx {
    const uint8_t *payload;     /* the BFD control packet */
    size_t payload_len;         /* UDP length - 8 */
    uint32_t src_ip_be;
    uint32_t dst_ip_be;
    uint16_t src_port;
    uint16_t dst_port;
    uint8_t ttl;
};

/* Frames seen by bfd_udp_parse: accepted, and dropped by reason. */
struct bfd_udp_counters {
    uint64_t rx_ok;
    uint64_t drop[BFD_DROP_NUM];
};

/* Check the len-byte Ethernet frame and fill *out. Returns BFD_DROP_NONE,
 * or the first broken rule among frame_short, not_ipv4, ip_header,
 * ip_checksum, ip_fragment, not_udp, udp_length, udp_port, udp_checksum,
 * ttl. When cnt is not NULL, the outcome is counted there. On a drop, *out
 * holds whatever was read so far (the addresses once the IPv4 header is
 * known good). */
enum bfd_drop bfd_udp_parse(const uint8_t *frame, size_t len,
                            struct bfd_udp_rx *out,
                            struct bfd_udp_counters *cnt);

#endif
