/* vtep-meter: dissection of one captured frame (see meter_packet.h).
 *
 * Walks link layer -> (VLAN tags) -> outer IP -> [UDP/VXLAN -> inner
 * Ethernet -> (VLAN tags) -> inner IP] -> L4, then hashes a canonical record
 * of the fields a forwarding path does not change. Every read is checked
 * against the captured length first.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "meter_packet.h"

#define ETH_HLEN 14
#define ETHERTYPE_IPV4 0x0800
#define ETHERTYPE_IPV6 0x86DD
#define ETHERTYPE_VLAN 0x8100
#define ETHERTYPE_QINQ 0x88A8
#define ETHERTYPE_QINQ_OLD 0x9100
#define MAX_VLAN_TAGS 3
#define MAX_IPV6_EXT 8
#define VXLAN_HLEN 8
#define UDP_HLEN 8

#define PROTO_ICMP 1
#define PROTO_TCP 6
#define PROTO_UDP 17
#define PROTO_ICMPV6 58
#define PROTO_SCTP 132

#define SIG_SEED 0x5eed0f3e7e6d0a11ULL
#define KEY_SEED 0x6b65795f68617368ULL

static inline uint16_t rd16(const uint8_t *p)
{
    return (uint16_t)((p[0] << 8) | p[1]);
}

static inline uint32_t rd32(const uint8_t *p)
{
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

/* ---- hash ------------------------------------------------------------- */

#define H_M1 0x9E3779B97F4A7C15ULL   /* 2^64 / golden ratio */
#define H_M2 0xD6E8FEB86659FD93ULL
#define H_M3 0xA0761D6478BD642FULL

static inline uint64_t rotl64(uint64_t x, unsigned r)
{
    return (x << r) | (x >> (64 - r));
}

static inline uint64_t final_mix(uint64_t h)
{
    h ^= h >> 32;
    h *= H_M2;
    h ^= h >> 29;
    h *= H_M3;
    h ^= h >> 32;
    return h;
}

static inline uint64_t load_le64(const uint8_t *p)
{
    uint64_t v = 0;

    for (int i = 7; i >= 0; i--)
        v = (v << 8) | p[i];
    return v;
}

uint64_t meter_hash64(const void *data, size_t len, uint64_t seed)
{
    const uint8_t *p = data;
    uint64_t h = seed ^ ((uint64_t)len * H_M1);
    size_t i = 0;

    for (; i + 8 <= len; i += 8)
        h = rotl64(h ^ (load_le64(p + i) * H_M1), 31) * H_M2;
    if (i < len) {
        uint8_t tail[8];

        memset(tail, 0, sizeof(tail));
        memcpy(tail, p + i, len - i);
        h = rotl64(h ^ (load_le64(tail) * H_M1), 31) * H_M2;
    }
    return final_mix(h);
}

uint64_t meter_flow_key_hash(const struct meter_flow_key *key)
{
    return meter_hash64(key, sizeof(*key), KEY_SEED);
}

/* ---- canonical signature record ---------------------------------------- */

#define SIG_MAX (4 + 32 + 16 + 24 + METER_MAX_PREFIX + 8)

struct sigbuf {
    uint8_t b[SIG_MAX];
    uint32_t n;
};

static inline void put(struct sigbuf *s, const void *p, uint32_t len)
{
    if (len > SIG_MAX - s->n)   /* cannot happen with the fields below */
        len = SIG_MAX - s->n;
    memcpy(s->b + s->n, p, len);
    s->n += len;
}

static inline void put8(struct sigbuf *s, uint8_t v)
{
    put(s, &v, 1);
}

static inline void put16(struct sigbuf *s, uint16_t v)
{
    uint8_t b[2] = {(uint8_t)(v >> 8), (uint8_t)v};

    put(s, b, 2);
}

static inline void put32(struct sigbuf *s, uint32_t v)
{
    uint8_t b[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};

    put(s, b, 4);
}

/* ---- configuration ----------------------------------------------------- */

void meter_parse_cfg_default(struct meter_parse_cfg *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->vxlan_ports[0] = METER_VXLAN_PORT;
    cfg->n_vxlan_ports = 1;
    cfg->prefix_len = 16;
}

static int is_vxlan_port(const struct meter_parse_cfg *cfg, uint16_t port)
{
    for (unsigned i = 0; i < cfg->n_vxlan_ports && i < METER_MAX_VXLAN_PORTS; i++)
        if (cfg->vxlan_ports[i] == port)
            return 1;
    return 0;
}

/* ---- layers -------------------------------------------------------------- */

/* Skip VLAN tags after an Ethernet header at p[off..]: on return *type is the
 * real ethertype and *off the start of its payload. */
static int skip_ethernet(const uint8_t *p, uint32_t len, uint32_t *off, uint16_t *type)
{
    uint32_t o = *off;
    uint16_t t;

    if (len < o + ETH_HLEN)
        return -ENODATA;
    t = rd16(p + o + 12);
    o += ETH_HLEN;
    for (int i = 0; i < MAX_VLAN_TAGS &&
         (t == ETHERTYPE_VLAN || t == ETHERTYPE_QINQ || t == ETHERTYPE_QINQ_OLD); i++) {
        if (len < o + 4)
            return -ENODATA;
        t = rd16(p + o + 2);
        o += 4;
    }
    *off = o;
    *type = t;
    return 0;
}

/* The IP layer of one packet: where its L4 header starts and how long. */
struct ip_info {
    uint32_t l4_off;     /* offset of the L4 header in the frame */
    uint32_t l4_len;     /* L4 bytes per the IP header (may exceed capture) */
    uint32_t ip_len;     /* whole IP packet per its header */
    uint8_t proto;
    uint8_t dscp;
    uint8_t nonfirst;    /* a non-first fragment: no L4 header */
};

/* Parse an IPv4 or IPv6 header at p[off..]. When s is given the invariant
 * fields and addresses go into the signature record and key. */
static int parse_ip(const uint8_t *p, uint32_t len, uint32_t off, uint16_t type,
                    struct ip_info *ip, struct meter_flow_key *key, struct sigbuf *s)
{
    if (type == ETHERTYPE_IPV4) {
        uint32_t ihl, tot;
        uint16_t frag;

        if (len < off + 20)
            return -ENODATA;
        if ((p[off] >> 4) != 4)
            return -EBADMSG;
        ihl = (uint32_t)(p[off] & 0x0f) * 4;
        tot = rd16(p + off + 2);
        if (ihl < 20 || tot < ihl)
            return -EBADMSG;
        if (len < off + ihl)
            return -ENODATA;
        frag = rd16(p + off + 6);
        ip->dscp = p[off + 1] >> 2;
        ip->proto = p[off + 9];
        ip->ip_len = tot;
        ip->l4_off = off + ihl;
        ip->l4_len = tot - ihl;
        ip->nonfirst = (frag & 0x1fff) != 0;
        if (key) {
            memset(key, 0, sizeof(*key));
            key->family = 4;
            key->proto = ip->proto;
            memcpy(key->src, p + off + 12, 4);
            memcpy(key->dst, p + off + 16, 4);
        }
        if (s) {
            put8(s, 4);
            put8(s, ip->proto);
            put(s, p + off + 12, 8);            /* addresses */
            put16(s, rd16(p + off + 4));        /* identification */
            put16(s, (uint16_t)tot);
            put16(s, frag & 0x3fff);            /* MF + offset, not DF */
        }
        return 0;
    }
    if (type == ETHERTYPE_IPV6) {
        uint32_t o = off + 40, end, plen;
        uint8_t nh;
        uint32_t frag_id = 0;
        int have_frag = 0;
        uint16_t frag_off = 0;

        if (len < off + 40)
            return -ENODATA;
        if ((p[off] >> 4) != 6)
            return -EBADMSG;
        plen = rd16(p + off + 4);
        nh = p[off + 6];
        ip->dscp = (uint8_t)(((p[off] & 0x0f) << 2) | (p[off + 1] >> 6));
        ip->ip_len = 40 + plen;
        end = off + 40 + plen;
        ip->nonfirst = 0;
        for (int i = 0; i < MAX_IPV6_EXT; i++) {
            uint32_t hl;

            if (nh == 0 || nh == 43 || nh == 60) {          /* HBH, routing, dst opts */
                if (len < o + 2)
                    return -ENODATA;
                hl = ((uint32_t)p[o + 1] + 1) * 8;
            } else if (nh == 44) {                          /* fragment */
                if (len < o + 8)
                    return -ENODATA;
                hl = 8;
                frag_off = rd16(p + o + 2);
                frag_id = rd32(p + o + 4);
                have_frag = 1;
                if (frag_off & 0xfff8)
                    ip->nonfirst = 1;
            } else if (nh == 51) {                          /* AH */
                if (len < o + 2)
                    return -ENODATA;
                hl = ((uint32_t)p[o + 1] + 2) * 4;
            } else {
                break;
            }
            if (o + hl > end)
                return -EBADMSG;
            nh = p[o];
            o += hl;
            if (ip->nonfirst)
                break;
        }
        ip->proto = nh;
        ip->l4_off = o;
        ip->l4_len = end - o;
        if (key) {
            memset(key, 0, sizeof(*key));
            key->family = 6;
            key->proto = nh;
            memcpy(key->src, p + off + 8, 16);
            memcpy(key->dst, p + off + 24, 16);
        }
        if (s) {
            put8(s, 6);
            put8(s, nh);
            put(s, p + off + 8, 32);
            put16(s, (uint16_t)plen);
            if (have_frag) {
                put32(s, frag_id);
                put16(s, frag_off & 0xfff9);   /* offset + M */
            }
        }
        return 0;
    }
    return -EPROTONOSUPPORT;
}

/* L4 ports, TCP seq/ack/flags, ICMP type/code and the payload prefix. */
static int parse_l4(const struct meter_parse_cfg *cfg, const uint8_t *p, uint32_t len,
                    const struct ip_info *ip, struct meter_pkt *out, struct sigbuf *s)
{
    uint32_t o = ip->l4_off;
    uint32_t end = ip->l4_off + ip->l4_len;        /* per the IP header */
    uint32_t hl = 0, avail, want;

    if (ip->nonfirst) {
        hl = 0;
    } else if (ip->proto == PROTO_TCP) {
        if (ip->l4_len < 20)
            return -EBADMSG;
        if (len < o + 20)
            return -ENODATA;
        hl = (uint32_t)(p[o + 12] >> 4) * 4;
        if (hl < 20 || hl > ip->l4_len)
            return -EBADMSG;
        out->key.sport = rd16(p + o);
        out->key.dport = rd16(p + o + 2);
        out->tcp_flags = p[o + 13];
        put16(s, out->key.sport);
        put16(s, out->key.dport);
        put32(s, rd32(p + o + 4));                  /* seq */
        put32(s, rd32(p + o + 8));                  /* ack */
        put8(s, p[o + 13] & 0x3f);                  /* flags without ECE/CWR */
    } else if (ip->proto == PROTO_UDP || ip->proto == PROTO_SCTP) {
        hl = ip->proto == PROTO_UDP ? UDP_HLEN : 12;
        if (ip->l4_len < hl)
            return -EBADMSG;
        if (len < o + hl)
            return -ENODATA;
        out->key.sport = rd16(p + o);
        out->key.dport = rd16(p + o + 2);
        put16(s, out->key.sport);
        put16(s, out->key.dport);
        if (ip->proto == PROTO_UDP) {
            uint16_t ulen = rd16(p + o + 4);

            put16(s, ulen);
            if (ulen >= UDP_HLEN && ulen < ip->l4_len)
                end = o + ulen;                     /* UDP says less: trust it */
        } else {
            put32(s, rd32(p + o + 4));              /* SCTP verification tag */
        }
    } else if (ip->proto == PROTO_ICMP || ip->proto == PROTO_ICMPV6) {
        hl = 4;
        if (ip->l4_len < hl)
            return -EBADMSG;
        if (len < o + hl)
            return -ENODATA;
        put8(s, p[o]);
        put8(s, p[o + 1]);
    }
    o += hl;
    want = end > o ? end - o : 0;
    if (want > cfg->prefix_len)
        want = cfg->prefix_len;
    if (want > METER_MAX_PREFIX)
        want = METER_MAX_PREFIX;
    avail = len > o ? len - o : 0;
    if (avail < want) {
        out->short_prefix = 1;
        want = avail;
    }
    put8(s, (uint8_t)want);
    put(s, p + o, want);
    return 0;
}

int meter_parse(const struct meter_parse_cfg *cfg, enum meter_link link,
                const uint8_t *p, uint32_t len, struct meter_pkt *out)
{
    struct sigbuf s;
    struct ip_info ip;
    uint32_t off = 0;
    uint16_t type = 0;
    int rc;

    memset(out, 0, sizeof(*out));
    s.n = 0;
    switch (link) {
    case METER_LINK_ETHERNET:
        rc = skip_ethernet(p, len, &off, &type);
        if (rc < 0)
            return rc;
        break;
    case METER_LINK_RAW:
        if (len < 1)
            return -ENODATA;
        type = (p[0] >> 4) == 4 ? ETHERTYPE_IPV4 : (p[0] >> 4) == 6 ? ETHERTYPE_IPV6 : 0;
        if (type == 0)
            return -EBADMSG;
        break;
    case METER_LINK_LINUX_SLL:
        if (len < 16)
            return -ENODATA;
        type = rd16(p + 14);
        off = 16;
        break;
    case METER_LINK_LINUX_SLL2:
        if (len < 20)
            return -ENODATA;
        type = rd16(p);
        off = 20;
        break;
    default:
        return -EPROTONOSUPPORT;
    }
    /* Outer (or only) IP header: its DSCP is the one the path saw. */
    rc = parse_ip(p, len, off, type, &ip, NULL, NULL);
    if (rc < 0)
        return rc;
    out->dscp = ip.dscp;
    if (ip.proto == PROTO_UDP && !ip.nonfirst && ip.l4_len >= UDP_HLEN + VXLAN_HLEN + ETH_HLEN &&
        len >= ip.l4_off + UDP_HLEN && is_vxlan_port(cfg, rd16(p + ip.l4_off + 2))) {
        uint32_t v = ip.l4_off + UDP_HLEN;

        if (len < v + VXLAN_HLEN)
            return -ENODATA;
        out->encap = 1;
        out->vni = rd32(p + v + 4) >> 8;
        off = v + VXLAN_HLEN;
        rc = skip_ethernet(p, len, &off, &type);
        if (rc < 0)
            return rc;
        /* The inner packet ends where the outer one says it does. */
        if (ip.l4_off + ip.l4_len < len)
            len = ip.l4_off + ip.l4_len;
    }
    rc = parse_ip(p, len, off, type, &ip, &out->key, &s);
    if (rc < 0)
        return rc;
    out->ip_len = ip.ip_len;
    /* Ethernet padding after the IP packet is not part of it. */
    if (ip.l4_off + ip.l4_len < len)
        len = ip.l4_off + ip.l4_len;
    rc = parse_l4(cfg, p, len, &ip, out, &s);
    if (rc < 0)
        return rc;
    out->sig = meter_hash64(s.b, s.n, SIG_SEED);
    out->key_hash = meter_flow_key_hash(&out->key);
    return 0;
}

/* ---- text ----------------------------------------------------------------- */

const char *meter_proto_name(uint8_t proto, char *buf, size_t size)
{
    switch (proto) {
    case PROTO_TCP: return "tcp";
    case PROTO_UDP: return "udp";
    case PROTO_ICMP: return "icmp";
    case PROTO_ICMPV6: return "ipv6-icmp";
    case PROTO_SCTP: return "sctp";
    default:
        snprintf(buf, size, "%u", proto);
        return buf;
    }
}

char *meter_flow_key_str(const struct meter_flow_key *key, char *buf, size_t size)
{
    char s[INET6_ADDRSTRLEN], d[INET6_ADDRSTRLEN], pb[8];
    int af = key->family == 6 ? AF_INET6 : AF_INET;

    if (size == 0)
        return buf;
    if (!inet_ntop(af, key->src, s, sizeof(s)))
        snprintf(s, sizeof(s), "?");
    if (!inet_ntop(af, key->dst, d, sizeof(d)))
        snprintf(d, sizeof(d), "?");
    if (af == AF_INET6)
        snprintf(buf, size, "%s [%s]:%u > [%s]:%u", meter_proto_name(key->proto, pb, sizeof(pb)),
                 s, key->sport, d, key->dport);
    else
        snprintf(buf, size, "%s %s:%u > %s:%u", meter_proto_name(key->proto, pb, sizeof(pb)),
                 s, key->sport, d, key->dport);
    return buf;
}
