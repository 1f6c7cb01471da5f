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
#include <string.h>

#include "crc32c.h"
#include "flow_class.h"

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

/* The last step of every flow hash: CRC is linear, one multiply-xorshift
 * round spreads every input bit over the top byte (ECMP bucket) and the low
 * bits (UDP port). */
static inline uint32_t flow_hash_mix(uint32_t h)
{
    h *= 0x9E3779B1u;
    return h ^ (h >> 15);
}

/* The seed flow_hash_policy_init() gives every policy. */
#define FLOW_HASH_SEED 0x5eed1234u

/* The CRC steps of an IPv4 5-tuple, in flow_hash()'s order: both addresses
 * (as they lie in the header), the protocol, both ports. */
static inline uint32_t flow_hash_v4_crc(uint32_t seed, uint64_t addrs, uint8_t proto,
                                        uint32_t ports)
{
    return crc32c_u32(ports, crc32c_u8(proto, crc32c_u64(addrs, seed)));
}

/* The CRC part of flow_hash_5tuple_key(), seeded with seed: a function of
 * the key's addresses, IP protocol and ports (not of its VNI). The encap
 * path computes it once per frame (seed FLOW_HASH_SEED) for both the flow
 * hash (flow_hash_mix() of it) and the classifier's table, which folds in
 * the VNI and its own seed (flow_table_classify_hashed()). */
static inline uint32_t flow_hash_5tuple_crc(uint32_t seed, const struct fc_key *k)
{
    const uint8_t proto = (uint8_t)(k->vni_proto & 0x7fu);
    uint32_t h = seed;
    uint32_t ports;

    memcpy(&ports, &k->sport, 4);           /* sport, dport */
    if (__builtin_expect(!(k->vni_proto & FC_KEY_V6), 1)) {
        uint64_t both;

        memcpy(&both, &k->saddr, 8);        /* saddr, daddr */
        return flow_hash_v4_crc(seed, both, proto, ports);
    } else {
        /* the address words in wire order: bytes 0-11, then 12-15 */
        h = crc32c_u32(k->saddr_hi[0], h);
        h = crc32c_u32(k->saddr_hi[1], h);
        h = crc32c_u32(k->saddr_hi[2], h);
        h = crc32c_u32(k->saddr, h);
        h = crc32c_u32(k->daddr_hi[0], h);
        h = crc32c_u32(k->daddr_hi[1], h);
        h = crc32c_u32(k->daddr_hi[2], h);
        h = crc32c_u32(k->daddr, h);
    }
    return crc32c_u32(ports, crc32c_u8(proto, h));
}

/* flow_hash() under a policy whose fields are FH_DEFAULT_FIELDS (the inner
 * 5-tuple), from the key fc_extract() made of the same frame with verdict
 * FC_OK (protocols TCP and UDP): the same value, without parsing the frame
 * again. */
static inline uint32_t flow_hash_5tuple_key(const struct flow_hash_policy *p,
                                            const struct fc_key *k)
{
    return flow_hash_mix(flow_hash_5tuple_crc(p->seed, k));
}

/* flow_hash() under a policy whose fields are FH_DEFAULT_FIELDS, for the
 * common frame only: untagged IPv4 without options, not a fragment, TCP or
 * UDP, len >= 38 readable bytes at f. Returns 1 with the same value as
 * flow_hash() in *out, or 0 (nothing written) for any other frame, which
 * flow_hash() then handles. Parses nothing else: the access fast path uses
 * it when the classifier does not need the frame's key. */
static inline int flow_hash_ipv4_fast(const struct flow_hash_policy *p, const uint8_t *f,
                                      uint32_t len, uint32_t *out)
{
    uint64_t addrs;
    uint32_t w, ports;
    uint16_t frag;
    uint8_t proto;

    if (len < 38)
        return 0;
    memcpy(&w, f + 12, 4);                  /* ethertype, version/IHL, TOS */
    memcpy(&frag, f + 20, 2);
    proto = f[23];
    /* one test for "IPv4, no options, not a fragment" */
    if ((((w & FC_BE32(0xffffff00u)) ^ FC_BE32(0x08004500u)) | (frag & FC_BE16(0x3fff))) != 0 ||
        (proto != FC_IPPROTO_TCP && proto != FC_IPPROTO_UDP))
        return 0;
    memcpy(&addrs, f + 26, 8);              /* source, destination */
    memcpy(&ports, f + 34, 4);              /* source port, destination port */
    *out = flow_hash_mix(flow_hash_v4_crc(p->seed, addrs, proto, ports));
    return 1;
}

/* Outer UDP source port for hash h: always within 49152-65535. */
static inline uint16_t flow_hash_udp_sport(uint32_t h)
{
    return (uint16_t)(0xC000u | ((h ^ (h >> 16)) & 0x3FFFu));
}

#endif
