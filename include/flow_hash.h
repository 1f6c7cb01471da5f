/* Flow hash over a configurable set of header fields.
 *
 * One hash per encapsulated packet feeds both the outer UDP source port and
 * the ECMP member choice, so spines downstream spread our flows the way we do.
 * Default policy: inner 5-tuple (IPv4/IPv6 addresses, protocol, TCP/UDP/SCTP
 * ports). Inner frames that are not IP hash their MACs and ethertype instead.
 */
#ifndef VTEPD_FLOW_HASH_H
#define VTEPD_FLOW_HASH_H

#include <stdint.h>

enum flow_hash_field {
    FH_INNER_SRC_MAC = 0,
    FH_INNER_DST_MAC,
    FH_INNER_ETHERTYPE,
    FH_INNER_SRC_IP,
    FH_INNER_DST_IP,
    FH_INNER_PROTO,
    FH_INNER_SRC_PORT,
    FH_INNER_DST_PORT,
    FH_VNI,
    FH_OUTER_SRC_IP,
    FH_OUTER_DST_IP,
    FH_NUM_FIELDS
};

#define FH_BIT(f) (1u << (f))
#define FH_IP_FIELDS (FH_BIT(FH_INNER_SRC_IP) | FH_BIT(FH_INNER_DST_IP) | \
                      FH_BIT(FH_INNER_PROTO) | FH_BIT(FH_INNER_SRC_PORT) | \
                      FH_BIT(FH_INNER_DST_PORT))
#define FH_L2_FIELDS (FH_BIT(FH_INNER_SRC_MAC) | FH_BIT(FH_INNER_DST_MAC) | \
                      FH_BIT(FH_INNER_ETHERTYPE))
#define FH_DEFAULT_FIELDS FH_IP_FIELDS

struct flow_hash_policy {
    uint32_t fields;    /* FH_BIT() set */
    uint32_t seed;
};

/* Field id for a configuration name ("inner_src_ip", ...), or -ENOENT. */
int flow_hash_field_from_name(const char *name);

/* Comma-separated list of all field names, for error messages. */
const char *flow_hash_field_names(void);

/* Name of field f (f < FH_NUM_FIELDS). */
const char *flow_hash_field_name(enum flow_hash_field f);

/* Build a policy from configuration names; n == 0 gives the default policy.
 * Returns 0, or -EINVAL when a name is unknown. */
int flow_hash_policy_init(struct flow_hash_policy *p, const char fields[][32], int n);

/* Hash of one untagged-or-tagged Ethernet frame of len bytes (the inner frame,
 * before encapsulation), with the VNI and the outer addresses (network order)
 * it will be sent with. Reads nothing beyond len. Deterministic for a given
 * policy: every packet of a flow gets the same value. */
uint32_t flow_hash(const struct flow_hash_policy *p, const uint8_t *frame,
                   uint32_t len, uint32_t vni, uint32_t outer_src,
                   uint32_t outer_dst);

/* Outer UDP source port for hash h: always within 49152-65535. */
static inline uint16_t flow_hash_udp_sport(uint32_t h)
{
    return (uint16_t)(0xC000u | ((h ^ (h >> 16)) & 0x3FFFu));
}

#endif
