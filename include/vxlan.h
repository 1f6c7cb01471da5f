/* VXLAN (RFC 7348) outer headers: building them for encapsulation and
 * checking them on receipt. Pure functions over byte buffers, so unit tests
 * and the fuzzer need no mbufs.
 */
#ifndef VTEPD_VXLAN_H
#define VTEPD_VXLAN_H

#include <stdint.h>
#include <string.h>

#include <rte_byteorder.h>

#include "counters.h"

#define VXLAN_ENCAP_LEN 50          /* Ethernet 14 + IPv4 20 + UDP 8 + VXLAN 8 */
#define VXLAN_OUTER_IP_OVERHEAD 36  /* IPv4 + UDP + VXLAN, counted against the MTU */
#define VXLAN_FLAG_I 0x08
#define BFD_UDP_PORT 3784

/* Outer headers that stay the same for every packet sent to one next hop:
 * Ethernet (next-hop MAC, our port MAC), IPv4 (our address, DF, TTL, UDP)
 * and the UDP destination port. sum holds the one's-complement sum of the
 * constant IPv4 header words, so each packet's checksum costs a few adds. */
struct vxlan_tmpl {
    uint8_t hdr[VXLAN_ENCAP_LEN];
    uint32_t sum;
};

/* Fill t for packets from src_mac/src_ip (ours) to next hop dst_mac, with
 * the given TTL and UDP destination port (host order). IPv4 id is 0: every
 * packet we send has DF set (RFC 6864 atomic datagrams). */
void vxlan_tmpl_init(struct vxlan_tmpl *t, const uint8_t dst_mac[6],
                     const uint8_t src_mac[6], uint32_t src_ip_be,
                     uint8_t ttl, uint16_t udp_dport);

/* Write the 50 outer bytes at out for one packet: remote VTEP dst_ip_be,
 * UDP source port sport (host order), VNI vni, DSCP dscp (0-63) and an inner
 * frame of inner_len bytes. The IPv4 checksum is valid; UDP checksum is 0. */
static inline void vxlan_encap_write(uint8_t *out, const struct vxlan_tmpl *t,
                                     uint32_t dst_ip_be, uint16_t sport,
                                     uint32_t vni, uint16_t inner_len,
                                     uint8_t dscp)
{
    uint16_t ip_len = (uint16_t)(inner_len + VXLAN_OUTER_IP_OVERHEAD);
    uint16_t udp_len = (uint16_t)(inner_len + 16);
    uint8_t tos = (uint8_t)(dscp << 2);
    uint32_t dst = rte_be_to_cpu_32(dst_ip_be);
    uint32_t sum = t->sum + ip_len + tos + (dst >> 16) + (dst & 0xffff);
    uint16_t v16;
    uint32_t v32;

    memcpy(out, t->hdr, VXLAN_ENCAP_LEN);
    sum = (sum & 0xffff) + (sum >> 16);
    sum = (sum & 0xffff) + (sum >> 16);
    out[15] = tos;
    v16 = rte_cpu_to_be_16(ip_len);
    memcpy(out + 16, &v16, 2);
    v16 = rte_cpu_to_be_16((uint16_t)~sum);
    memcpy(out + 24, &v16, 2);
    memcpy(out + 30, &dst_ip_be, 4);
    v16 = rte_cpu_to_be_16(sport);
    memcpy(out + 34, &v16, 2);
    v16 = rte_cpu_to_be_16(udp_len);
    memcpy(out + 38, &v16, 2);
    v32 = rte_cpu_to_be_32(vni << 8);
    memcpy(out + 46, &v32, 4);
}

/* What a received underlay frame is. */
enum underlay_class {
    UL_VXLAN = 0,   /* valid VXLAN for us: decapsulate */
    UL_ARP,         /* ARP: give to the control thread */
    UL_BFD,         /* single-hop BFD to us: give to the control thread */
    UL_DROP         /* see result.drop */
};

struct underlay_params {
    uint32_t local_ip;      /* network order */
    uint16_t udp_port;      /* host order */
    uint8_t port_mac[6];
};

struct underlay_result {
    enum drop_reason drop;  /* valid when UL_DROP */
    uint32_t vni;           /* UL_VXLAN */
    uint32_t outer_src;     /* UL_VXLAN, UL_BFD: IPv4 source, network order */
    uint16_t inner_off;     /* UL_VXLAN: offset of the inner Ethernet frame */
    uint16_t inner_len;     /* UL_VXLAN: its length */
};

/* Classify one frame of len bytes received on an underlay port. Checks
 * every header against len before reading it: Ethernet destination, IPv4
 * version/IHL/lengths/checksum (skipped when ip_csum_good), not a fragment,
 * destination = our VTEP, UDP length, destination port, VXLAN I flag and
 * that an inner Ethernet header follows. The VNI is not checked here. */
enum underlay_class underlay_classify(const uint8_t *pkt, uint32_t len,
                                      const struct underlay_params *p,
                                      int ip_csum_good,
                                      struct underlay_result *r);

#endif
