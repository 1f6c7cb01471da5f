/* VXLAN outer header template of a next hop (see include/vxlan.h): built by
 * the control thread when a configuration generation is made. */
#include <netinet/in.h>

#include "vxlan.h"

void vxlan_tmpl_init(struct vxlan_tmpl *t, const uint8_t dst_mac[6],
                     const uint8_t src_mac[6], uint32_t src_ip_be,
                     uint8_t ttl, uint16_t udp_dport)
{
    struct vxlan_outer *h = &t->hdr;
    const uint8_t *ip;
    uint32_t sum = 0;

    memset(t, 0, sizeof(*t));
    memcpy(h->eth.dst_addr.addr_bytes, dst_mac, 6);
    memcpy(h->eth.src_addr.addr_bytes, src_mac, 6);
    h->eth.ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
    h->ip.version_ihl = RTE_IPV4_VHL_DEF;
    /* type_of_service, total_length, checksum, destination: per packet;
     * packet_id 0 with DF set (RFC 6864) */
    h->ip.fragment_offset = rte_cpu_to_be_16(RTE_IPV4_HDR_DF_FLAG);
    h->ip.time_to_live = ttl;
    h->ip.next_proto_id = IPPROTO_UDP;
    h->ip.src_addr = src_ip_be;
    /* UDP source port and length: per packet; checksum 0 (RFC 7348) */
    h->udp.dst_port = rte_cpu_to_be_16(udp_dport);
    h->vx.vx_flags = rte_cpu_to_be_32((uint32_t)VXLAN_FLAG_I << 24);

    /* sum of the IPv4 words that do not change per packet, as they lie in
     * memory (see include/vxlan.h) */
    ip = (const uint8_t *)&h->ip;
    for (int i = 0; i < 20; i += 2) {
        uint16_t w;
        memcpy(&w, ip + i, 2);
        sum += w;
    }
    t->sum = sum;
}
