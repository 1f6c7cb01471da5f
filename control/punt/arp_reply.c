/* ARP on underlay ports: answer requests for our VTEP address so that a
 * real router can resolve us. */
#include <string.h>

#include <rte_arp.h>
#include <rte_byteorder.h>
#include <rte_ether.h>

#include "arp_reply.h"

enum arp_rx arp_make_reply(uint8_t *f, uint32_t len, uint32_t local_ip,
                           const uint8_t port_mac[6])
{
    struct rte_ether_hdr *eth = (struct rte_ether_hdr *)f;
    struct rte_arp_hdr *a = (struct rte_arp_hdr *)(eth + 1);
    struct rte_ether_addr sha;
    uint32_t sip;

    if (len < sizeof(*eth) + sizeof(*a) || eth->ether_type != RTE_BE16(RTE_ETHER_TYPE_ARP))
        return ARP_RX_BAD;
    if (a->arp_hardware != RTE_BE16(RTE_ARP_HRD_ETHER) ||
        a->arp_protocol != RTE_BE16(RTE_ETHER_TYPE_IPV4) ||
        a->arp_hlen != RTE_ETHER_ADDR_LEN || a->arp_plen != sizeof(uint32_t))
        return ARP_RX_BAD;
    if (a->arp_opcode != RTE_BE16(RTE_ARP_OP_REQUEST) &&
        a->arp_opcode != RTE_BE16(RTE_ARP_OP_REPLY))
        return ARP_RX_BAD;
    if (!rte_is_unicast_ether_addr(&a->arp_data.arp_sha))
        return ARP_RX_BAD;
    if (a->arp_data.arp_tip != local_ip)
        return ARP_RX_NOT_US;
    if (a->arp_opcode != RTE_BE16(RTE_ARP_OP_REQUEST))
        return ARP_RX_TO_US;
    sha = a->arp_data.arp_sha;
    sip = a->arp_data.arp_sip;
    /* Ethernet: back to the asker, from our port */
    eth->dst_addr = sha;
    memcpy(eth->src_addr.addr_bytes, port_mac, RTE_ETHER_ADDR_LEN);
    a->arp_opcode = RTE_BE16(RTE_ARP_OP_REPLY);
    memcpy(a->arp_data.arp_sha.addr_bytes, port_mac, RTE_ETHER_ADDR_LEN);
    a->arp_data.arp_sip = local_ip;
    a->arp_data.arp_tha = sha;
    a->arp_data.arp_tip = sip;
    return ARP_RX_REPLIED;
}
