/* ARP on underlay ports: answer requests for our VTEP address so that a
 * router can resolve us. */
#ifndef VTEPD_ARP_REPLY_H
#define VTEPD_ARP_REPLY_H

#include <stdint.h>

/* Build an ARP reply in place for a request for local_ip on a port with
 * port_mac. frame holds len bytes. Returns 1 when frame now holds the reply
 * (42 bytes: the caller trims), 0 when the ARP is valid but needs no reply,
 * -1 malformed, -2 a request for another address. */
int arp_make_reply(uint8_t *frame, uint32_t len, uint32_t local_ip, const uint8_t port_mac[6]);

#endif
