/* Flow hash over configurable header fields (see include/flow_hash.h). */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_ether.h>
#include "crc32c.h"
#include <rte_ip.h>

#include "flow_hash.h"

static const char *const names[FH_NUM_FIELDS] = {
    [FH_INNER_SRC_MAC] = "inner_src_mac",
    [FH_INNER_DST_MAC] = "inner_dst_mac",
    [FH_INNER_ETHERTYPE] = "inner_ethertype",
    [FH_INNER_SRC_IP] = "inner_src_ip",
    [FH_INNER_DST_IP] = "inner_dst_ip",
    [FH_INNER_PROTO] = "inner_proto",
    [FH_INNER_SRC_PORT] = "inner_src_port",
    [FH_INNER_DST_PORT] = "inner_dst_port",
    [FH_VNI] = "vni",
    [FH_OUTER_SRC_IP] = "outer_src_ip",
    [FH_OUTER_DST_IP] = "outer_dst_ip",
};

int flow_hash_field_from_name(const char *name)
{
    for (int i = 0; i < FH_NUM_FIELDS; i++)
        if (strcmp(names[i], name) == 0)
            return i;
    return -ENOENT;
}

const char *flow_hash_field_names(void)
{
    return "inner_src_mac, inner_dst_mac, inner_ethertype, inner_src_ip, "
           "inner_dst_ip, inner_proto, inner_src_port, inner_dst_port, vni, "
           "outer_src_ip, outer_dst_ip";
}

const char *flow_hash_field_name(enum flow_hash_field f)
{
    return (unsigned)f < FH_NUM_FIELDS ? names[f] : "?";
}

int flow_hash_policy_init(struct flow_hash_policy *p, const char fields[][32], int n)
{
    p->fields = n ? 0 : FH_DEFAULT_FIELDS;
    p->seed = FLOW_HASH_SEED;
    for (int i = 0; i < n; i++) {
        int f = flow_hash_field_from_name(fields[i]);
        if (f < 0)
            return -EINVAL;
        p->fields |= FH_BIT(f);
    }
    return 0;
}

/* Field offsets from DPDK's header structs; fields are read with memcpy
 * (frames are only 2-byte aligned) */
#define ETH_TYPE_OFF offsetof(struct rte_ether_hdr, ether_type)
#define V4_SRC offsetof(struct rte_ipv4_hdr, src_addr)
#define V4_DST offsetof(struct rte_ipv4_hdr, dst_addr)
#define V6_SRC offsetof(struct rte_ipv6_hdr, src_addr)
#define V6_DST offsetof(struct rte_ipv6_hdr, dst_addr)

static inline uint32_t load32(const uint8_t *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
}

static inline uint16_t load16(const uint8_t *p)
{
    uint16_t v;
    memcpy(&v, p, 2);
    return v;
}

static inline uint32_t crc_mac(const uint8_t *m, uint32_t h)
{
    h = crc32c_u32(load32(m), h);
    return crc32c_u16(load16(m + 4), h);
}

uint32_t flow_hash(const struct flow_hash_policy *p, const uint8_t *frame,
                   uint32_t len, uint32_t vni, uint32_t outer_src,
                   uint32_t outer_dst)
{
    const uint32_t f = p->fields;
    uint32_t h = p->seed;
    uint32_t off = RTE_ETHER_HDR_LEN;
    uint16_t etype;
    int is_ip = 0;

    if (len < RTE_ETHER_HDR_LEN)
        return crc32c_u32(len, h);
    etype = load16(frame + ETH_TYPE_OFF);
    if (etype == RTE_BE16(RTE_ETHER_TYPE_VLAN) && len >= off + sizeof(struct rte_vlan_hdr)) {
        etype = load16(frame + off + offsetof(struct rte_vlan_hdr, eth_proto));
        off += sizeof(struct rte_vlan_hdr);
    }

    if (f & FH_IP_FIELDS) {
        uint32_t proto = 0, l4 = 0, ports_ok = 0;

        if (etype == RTE_BE16(RTE_ETHER_TYPE_IPV4) && len >= off + sizeof(struct rte_ipv4_hdr) &&
            (frame[off] >> 4) == 4) {
            const uint8_t *ip = frame + off;
            uint32_t ihl = (uint32_t)(ip[0] & RTE_IPV4_HDR_IHL_MASK) * RTE_IPV4_IHL_MULTIPLIER;
            uint16_t frag = load16(ip + offsetof(struct rte_ipv4_hdr, fragment_offset));

            is_ip = 1;
            proto = ip[offsetof(struct rte_ipv4_hdr, next_proto_id)];
            if ((f & FH_BIT(FH_INNER_SRC_IP)) && (f & FH_BIT(FH_INNER_DST_IP))) {
                uint64_t both;
                memcpy(&both, ip + V4_SRC, 8);      /* source, destination */
                h = crc32c_u64(both, h);
            } else if (f & FH_BIT(FH_INNER_SRC_IP)) {
                h = crc32c_u32(load32(ip + V4_SRC), h);
            } else if (f & FH_BIT(FH_INNER_DST_IP)) {
                h = crc32c_u32(load32(ip + V4_DST), h);
            }
            /* ports only on first fragments; later fragments carry none */
            if (ihl >= sizeof(struct rte_ipv4_hdr) && (frag & RTE_BE16(RTE_IPV4_HDR_OFFSET_MASK)) == 0 &&
                !(frag & RTE_BE16(RTE_IPV4_HDR_MF_FLAG))) {
                l4 = off + ihl;
                ports_ok = 1;
            }
        } else if (etype == RTE_BE16(RTE_ETHER_TYPE_IPV6) &&
                   len >= off + sizeof(struct rte_ipv6_hdr) && (frame[off] >> 4) == 6) {
            const uint8_t *ip = frame + off;

            is_ip = 1;
            proto = ip[offsetof(struct rte_ipv6_hdr, proto)];
            if (f & FH_BIT(FH_INNER_SRC_IP))
                for (int i = 0; i < 16; i += 4)
                    h = crc32c_u32(load32(ip + V6_SRC + i), h);
            if (f & FH_BIT(FH_INNER_DST_IP))
                for (int i = 0; i < 16; i += 4)
                    h = crc32c_u32(load32(ip + V6_DST + i), h);
            l4 = off + (uint32_t)sizeof(struct rte_ipv6_hdr);
            ports_ok = 1;
        }
        if (is_ip) {
            if (f & FH_BIT(FH_INNER_PROTO))
                h = crc32c_u8((uint8_t)proto, h);
            if (ports_ok && (proto == IPPROTO_TCP || proto == IPPROTO_UDP ||
                             proto == IPPROTO_SCTP) && len >= l4 + 4) {
                uint32_t ports = load32(frame + l4);
                if (!(f & FH_BIT(FH_INNER_SRC_PORT)))
                    ports &= RTE_BE32(0x0000ffff);
                if (!(f & FH_BIT(FH_INNER_DST_PORT)))
                    ports &= RTE_BE32(0xffff0000);
                h = crc32c_u32(ports, h);
            }
        }
    }
    /* L2 fields when asked for, and always for frames that are not IP when
     * the policy looks at IP fields (so ARP and friends still spread). */
    if ((f & FH_L2_FIELDS) || (!is_ip && (f & FH_IP_FIELDS))) {
        uint32_t l2 = (f & FH_L2_FIELDS) ? f : FH_L2_FIELDS;
        if (l2 & FH_BIT(FH_INNER_SRC_MAC))
            h = crc_mac(frame + offsetof(struct rte_ether_hdr, src_addr), h);
        if (l2 & FH_BIT(FH_INNER_DST_MAC))
            h = crc_mac(frame + offsetof(struct rte_ether_hdr, dst_addr), h);
        if (l2 & FH_BIT(FH_INNER_ETHERTYPE))
            h = crc32c_u16(etype, h);
    }
    if (f & FH_BIT(FH_VNI))
        h = crc32c_u32(vni, h);
    if (f & FH_BIT(FH_OUTER_SRC_IP))
        h = crc32c_u32(outer_src, h);
    if (f & FH_BIT(FH_OUTER_DST_IP))
        h = crc32c_u32(outer_dst, h);
    return flow_hash_mix(h);
}
