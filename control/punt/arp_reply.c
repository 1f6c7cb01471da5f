/* ARP on underlay ports: answer requests for our VTEP address so that a
 * real router can resolve us. */
#include <string.h>

#include <rte_arp.h>
#include <rte_ether.h>

#include "arp_reply.h"

int arp_make_reply(uint8_t *f, uint32_t len, uint32_t local_ip, const uint8_t port_mac[6])
{
    uint8_t *a = f + RTE_ETHER_HDR_LEN;
    uint8_t sha[6], spa[4];

    if (len < RTE_ETHER_HDR_LEN + 28)
        return -1;
    if (f[12] != 0x08 || f[13] != 0x06)
        return -1;
    /* Ethernet / IPv4, 6-byte and 4-byte addresses */
    if (a[0] != 0 || a[1] != 1 || a[2] != 0x08 || a[3] != 0 || a[4] != 6 || a[5] != 4)
        return -1;
    if (a[6] != 0 || (a[7] != 1 && a[7] != 2))
        return -1;
    if (a[8] & 1)           /* sender hardware address must be unicast */
        return -1;
    if (memcmp(a + 24, &local_ip, 4) != 0)
        return -2;          /* about someone else */
    if (a[7] != 1)
        return 0;           /* a reply to us: nothing to answer */
    memcpy(sha, a + 8, 6);
    memcpy(spa, a + 14, 4);
    /* Ethernet: back to the asker, from our port */
    memcpy(f, sha, 6);
    memcpy(f + 6, port_mac, 6);
    a[7] = 2;
    memcpy(a + 8, port_mac, 6);
    memcpy(a + 14, &local_ip, 4);
    memcpy(a + 18, sha, 6);
    memcpy(a + 24, spa, 4);
    return 1;
}
