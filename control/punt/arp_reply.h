/* ARP on underlay ports: answer requests for our VTEP address so that a
 * router can resolve us. */
#ifndef VTEPD_ARP_REPLY_H
#define VTEPD_ARP_REPLY_H

#include <stdint.h>

enum arp_rx {
    ARP_RX_REPLIED = 0,     /* frame now holds the reply (42 bytes: the caller trims) */
    ARP_RX_TO_US,           /* a valid reply addressed to us: nothing to answer */
    ARP_RX_NOT_US,          /* valid, about another address */
    ARP_RX_BAD,             /* not Ethernet/IPv4 ARP, truncated, bad opcode or sender */
};

/* Read the ARP frame (len bytes, untagged) received on a port with
 * port_mac and, for a request for local_ip (network order), write the
 * reply over it. Reads nothing beyond len. */
enum arp_rx arp_make_reply(uint8_t *frame, uint32_t len, uint32_t local_ip,
                           const uint8_t port_mac[6]);

#endif
