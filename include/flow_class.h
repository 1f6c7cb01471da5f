/* Short/long flow classifier: the decision logic, shared verbatim by the
 * DPDK dataplane (dataplane/flow_table.c) and the XDP twin
 * (dataplane/xdp/splitter.bpf.c).
 *
 * The idea (shared/papers/short-long-flow-splitter.txt): every flow starts
 * short; packet k of a flow is short while k <= threshold and long after.
 * A flow that sends nothing for `idle` ticks is over: its next packet starts
 * a new flow (packet 1, short).
 *
 * This header compiles with gcc (C, userspace) and with clang -target bpf,
 * and the code it generates passes the BPF verifier: only <linux/types.h>,
 * every function always inlined, packet reads only after a "pointer + n <=
 * end" check, no loops, no libc.
 *
 * TCP FIN/RST do NOT end a flow early, as in the paper (only idleness does):
 *  - FIN is a half-close: the other direction, and the FIN's own ACK, keep
 *    flowing; a lost FIN is retransmitted; segments reordered behind a FIN
 *    or RST would re-enter as a new short flow and hop back to the short
 *    tunnel, reordering a long flow across two paths (TCP sees that as loss);
 *  - RST can be sent by anyone who knows the 5-tuple, and would demote a
 *    long flow to the short tunnel on request.
 * The case that matters is a flow that ends and restarts with the same
 * 5-tuple within idle_s (port reuse under a high connection rate): with the
 * paper's rule alone, the new connection inherits the old count and goes
 * long too early. We detect that case at its only reliable marker: a TCP
 * segment with SYN set (SYN or SYN-ACK) starts the flow again at packet 1
 * (FC_R_RESTART). SYN only appears in a handshake, so a live long flow never
 * carries one; a retransmitted SYN restarts a count that is 1 or 2 anyway.
 *
 * Time is in opaque "ticks" chosen by the caller (TSC in vtepd, ns in the
 * XDP twin, a fake clock in tests); only differences are used.
 */
#ifndef VTEPD_FLOW_CLASS_H
#define VTEPD_FLOW_CLASS_H

#include <linux/types.h>

#define FC_INLINE static inline __attribute__((always_inline))

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define FC_BE16(x) ((__u16)__builtin_bswap16((__u16)(x)))
#define FC_BE32(x) ((__u32)__builtin_bswap32((__u32)(x)))
#else
#define FC_BE16(x) ((__u16)(x))
#define FC_BE32(x) ((__u32)(x))
#endif

/* protocols: which flows are counted (config "protocols") */
#define FC_PROTO_TCP 0x1u
#define FC_PROTO_UDP 0x2u

#define FC_IPPROTO_TCP 6
#define FC_IPPROTO_UDP 17
#define FC_IPPROTO_FRAG6 44

/* The flow key: VNI and the inner 5-tuple, 40 bytes, no padding; whole-struct
 * compares and hashes are valid after fc_extract() filled every byte.
 * IPv4 flows use only the first 16 bytes (the rest is zero), so a hash of an
 * IPv4 key can stop there: the protocol byte has FC_KEY_V6 set for IPv6, and
 * an IPv6 address is split into its last 4 bytes (saddr/daddr, in the first
 * 16 bytes of the key) and its first 12 (saddr_hi/daddr_hi). */
#define FC_KEY_V6 0x80u     /* in vni_proto: an IPv6 flow (only TCP/UDP are keyed) */

struct fc_key {
    __u32 vni_proto;    /* VNI << 8 | IP protocol | FC_KEY_V6 (host order) */
    __u16 sport;        /* network order */
    __u16 dport;        /* network order */
    __u32 saddr;        /* IPv4 source, or bytes 12-15 of the IPv6 source */
    __u32 daddr;
    __u32 saddr_hi[3];  /* IPv6: bytes 0-11 of the source; IPv4: 0 */
    __u32 daddr_hi[3];
};

/* fc_extract() verdicts: only FC_OK packets are classified and counted; every
 * other packet goes as short and is not counted. */
enum fc_verdict {
    FC_OK = 0,
    FC_NOT_IP = 1,      /* not IPv4/IPv6 (ARP, LLDP, ...) */
    FC_FRAGMENT = 2,    /* IPv4 MF or offset != 0; IPv6 fragment header */
    FC_PROTO_OFF = 3,   /* protocol not enabled (ICMP, UDP by default, IPv6
                         * extension headers, which are not walked) */
    FC_MALFORMED = 4,   /* truncated or inconsistent headers */
};

/* fc_meta.flags */
#define FC_M_IPV4 0x01  /* l3_off points at an IPv4 header of >= 20 bytes */
#define FC_M_IPV6 0x02  /* l3_off points at an IPv6 header of 40 bytes */
#define FC_M_SYN  0x04  /* TCP with SYN set: a connection (re)starts */

/* What the classifier needs besides the key, per packet. */
struct fc_meta {
    __u32 len;          /* bytes counted for this packet (set by the caller) */
    __u16 l3_off;       /* offset of the IP header, when FC_M_IPV4/6 */
    __u8 verdict;       /* enum fc_verdict */
    __u8 flags;         /* FC_M_* */
};

/* Per-flow state: 24 bytes. */
struct fc_counts {
    __u64 last_seen;    /* ticks of the latest packet */
    __u64 bytes;        /* bytes of the flow so far */
    __u32 packets;      /* packets so far; saturates at 0xffffffff */
    __u32 born;         /* ticks of the first packet >> age_shift (wraps) */
};

struct fc_params {
    __u64 idle;         /* ticks: a flow idle this long is over (>= 1) */
    __u32 threshold;    /* packets 1..threshold are short */
    __u32 age_shift;    /* fc_counts.born resolution: 2^age_shift ticks */
};

/* fc_account() result bits */
#define FC_R_LONG     0x01  /* the packet is long (else short) */
#define FC_R_COUNTED  0x02  /* the packet was counted in a flow entry */
#define FC_R_NEW      0x04  /* packet 1 of a flow (new, expired or restarted) */
#define FC_R_PROMOTED 0x08  /* packet threshold+1: the flow became long */
#define FC_R_EXPIRED  0x10  /* an idle flow with this key ended here */
#define FC_R_RESTART  0x20  /* a TCP SYN restarted a live flow */

FC_INLINE __u16 fc_ld16(const __u8 *p)
{
    __u16 v;
    __builtin_memcpy(&v, p, 2);
    return v;
}

FC_INLINE __u32 fc_proto_bit(__u8 proto)
{
    return proto == FC_IPPROTO_TCP ? FC_PROTO_TCP :
           proto == FC_IPPROTO_UDP ? FC_PROTO_UDP : 0;
}

/* Key and meta of the Ethernet frame in [start, end) (one 802.1Q tag
 * allowed). Reads nothing at or past end. Fills the whole key when the
 * verdict is FC_OK, and meta->l3_off/flags whenever an IP header was found
 * (so a packet that is not classified can still be marked). meta->len is the
 * caller's. */
FC_INLINE int fc_extract(const void *start, const void *end, __u32 vni,
                         __u32 protocols, struct fc_key *k, struct fc_meta *m)
{
    const __u8 *p = (const __u8 *)start;
    const __u8 *e = (const __u8 *)end;
    const __u8 *ip;
    const __u8 *l4;
    __u16 etype;
    __u32 off = 14;
    __u8 proto;

    m->flags = 0;
    m->l3_off = 0;
    if (p + 14 > e)
        return m->verdict = FC_MALFORMED;
    etype = fc_ld16(p + 12);
    if (etype == FC_BE16(0x8100)) {
        if (p + 18 > e)
            return m->verdict = FC_MALFORMED;
        etype = fc_ld16(p + 16);
        off = 18;
    }
    ip = p + off;
    if (etype == FC_BE16(0x0800)) {
        __u32 ihl;

        if (ip + 20 > e)
            return m->verdict = FC_MALFORMED;
        if ((ip[0] >> 4) != 4)
            return m->verdict = FC_MALFORMED;
        ihl = (__u32)(ip[0] & 0xf) * 4;
        if (ihl < 20)
            return m->verdict = FC_MALFORMED;
        m->flags = FC_M_IPV4;
        m->l3_off = (__u16)off;
        if (fc_ld16(ip + 6) & FC_BE16(0x3fff))     /* MF or offset */
            return m->verdict = FC_FRAGMENT;
        proto = ip[9];
        if (!(fc_proto_bit(proto) & protocols))
            return m->verdict = FC_PROTO_OFF;
        l4 = ip + ihl;
        __builtin_memcpy(&k->saddr, ip + 12, 8);    /* saddr, daddr */
        __builtin_memset(k->saddr_hi, 0, 24);       /* saddr_hi, daddr_hi */
        k->vni_proto = (vni & 0xffffffu) << 8 | proto;
    } else if (etype == FC_BE16(0x86dd)) {
        if (ip + 40 > e)
            return m->verdict = FC_MALFORMED;
        if ((ip[0] >> 4) != 6)
            return m->verdict = FC_MALFORMED;
        m->flags = FC_M_IPV6;
        m->l3_off = (__u16)off;
        proto = ip[6];
        if (proto == FC_IPPROTO_FRAG6)
            return m->verdict = FC_FRAGMENT;
        if (!(fc_proto_bit(proto) & protocols))
            return m->verdict = FC_PROTO_OFF;
        l4 = ip + 40;
        __builtin_memcpy(k->saddr_hi, ip + 8, 12);
        __builtin_memcpy(&k->saddr, ip + 20, 4);
        __builtin_memcpy(k->daddr_hi, ip + 24, 12);
        __builtin_memcpy(&k->daddr, ip + 36, 4);
        k->vni_proto = (vni & 0xffffffu) << 8 | proto | FC_KEY_V6;
    } else {
        return m->verdict = FC_NOT_IP;
    }
    if (proto == FC_IPPROTO_TCP) {
        if (l4 + 14 > e)                /* through the flags byte */
            return m->verdict = FC_MALFORMED;
        if (l4[13] & 0x02)
            m->flags |= FC_M_SYN;
    } else if (l4 + 8 > e) {            /* a whole UDP header */
        return m->verdict = FC_MALFORMED;
    }
    __builtin_memcpy(&k->sport, l4, 4);             /* sport, dport */
    return m->verdict = FC_OK;
}

/* The test for fc_extract()'s common frame: untagged IPv4 without
 * options, not a fragment, TCP or UDP enabled in protocols, at least 48
 * bytes (Ethernet, IPv4 and TCP through its flags). Returns the frame's
 * fc_meta flags (FC_M_IPV4, FC_M_SYN for a TCP SYN), or 0 for any other
 * frame. Its key is then: protocol p[23], addresses p[26..33], ports
 * p[34..37]; its TOS p[15]. */
FC_INLINE __u8 fc_fast_flags(const __u8 *p, const __u8 *e, __u32 protocols)
{
    __u32 w;
    __u8 proto;

    if (p + 48 > e)
        return 0;
    __builtin_memcpy(&w, p + 12, 4);            /* ethertype, version/IHL, TOS */
    if ((w & FC_BE32(0xffffff00u)) != FC_BE32(0x08004500u))
        return 0;
    if (fc_ld16(p + 20) & FC_BE16(0x3fff))      /* MF or offset */
        return 0;
    proto = p[23];
    if (proto == FC_IPPROTO_TCP) {
        if (!(protocols & FC_PROTO_TCP))
            return 0;
        return (p[47] & 0x02) ? FC_M_IPV4 | FC_M_SYN : FC_M_IPV4;
    }
    if (proto != FC_IPPROTO_UDP || !(protocols & FC_PROTO_UDP))
        return 0;
    return FC_M_IPV4;
}

/* fc_extract() of the common frame (fc_fast_flags()) in fewer steps. Fills
 * key and meta as fc_extract() would and returns FC_OK; returns -1 for any
 * other frame, writing nothing: call fc_extract() then. */
FC_INLINE int fc_extract_fast(const void *start, const void *end, __u32 vni,
                              __u32 protocols, struct fc_key *k, struct fc_meta *m)
{
    const __u8 *p = (const __u8 *)start;
    __u8 flags = fc_fast_flags(p, (const __u8 *)end, protocols);

    if (!flags)
        return -1;
    __builtin_memcpy(&k->saddr, p + 26, 8);     /* saddr, daddr */
    __builtin_memset(k->saddr_hi, 0, 24);
    k->vni_proto = (vni & 0xffffffu) << 8 | p[23];
    __builtin_memcpy(&k->sport, p + 34, 4);     /* sport, dport */
    m->l3_off = 14;
    m->flags = flags;
    m->verdict = FC_OK;
    return FC_OK;
}

/* The 16-byte source (src != 0) or destination address of an IPv6 key; for
 * an IPv4 key, the address as ::ffff:a.b.c.d. */
FC_INLINE void fc_key_addr6(const struct fc_key *k, int src, __u8 out[16])
{
    const __u32 *hi = src ? k->saddr_hi : k->daddr_hi;
    __u32 lo = src ? k->saddr : k->daddr;

    if (k->vni_proto & FC_KEY_V6) {
        __builtin_memcpy(out, hi, 12);
    } else {
        __u32 pre[3] = {0, 0, FC_BE32(0x0000ffffu)};
        __builtin_memcpy(out, pre, 12);
    }
    __builtin_memcpy(out + 12, &lo, 4);
}

/* The idle rule: a flow last seen at last_seen is over at now when
 * now - last_seen >= idle, and not a tick before. A clock that reads earlier
 * than last_seen (another CPU's stamp) never ends a flow. */
FC_INLINE int fc_idle_expired(__u64 now, __u64 last_seen, __u64 idle)
{
    return now >= last_seen && now - last_seen >= idle;
}

/* The threshold rule: packet k (1-based) of a flow is long iff k > threshold. */
FC_INLINE int fc_packet_is_long(__u32 k, __u32 threshold)
{
    return k > threshold;
}

/* Count one FC_OK packet into the flow state c and classify it. found says
 * whether c holds this key's state (else c is filled from scratch). Returns
 * FC_R_* bits; FC_R_COUNTED is always set. */
FC_INLINE __u32 fc_account(struct fc_counts *c, int found, __u64 now,
                           const struct fc_meta *m, const struct fc_params *p)
{
    __u32 r = FC_R_COUNTED;

    if (!found)
        r |= FC_R_NEW;
    else if (fc_idle_expired(now, c->last_seen, p->idle))
        r |= FC_R_NEW | FC_R_EXPIRED;
    else if (m->flags & FC_M_SYN)
        r |= FC_R_NEW | FC_R_RESTART;
    if (r & FC_R_NEW) {
        c->packets = 1;
        c->bytes = m->len;
        c->born = (__u32)(now >> (p->age_shift & 63));
    } else {
        if (c->packets != 0xffffffffu)
            c->packets++;
        c->bytes += m->len;
    }
    c->last_seen = now;
    if (fc_packet_is_long(c->packets, p->threshold)) {
        r |= FC_R_LONG;
        if (c->packets == p->threshold + 1)
            r |= FC_R_PROMOTED;
    }
    return r;
}

/* fc_account() of a found flow (c holds this key's state) in the common
 * case: the flow is not idle (now - last_seen < idle, which holds too when
 * now reads earlier than last_seen), the packet has no SYN, is not packet
 * threshold+1 and the count is not saturated. Then counts the packet exactly
 * as fc_account(c, 1, ...) would and returns the same bits (FC_R_COUNTED,
 * FC_R_LONG); otherwise changes nothing and returns 0: call fc_account(). */
FC_INLINE __u32 fc_account_live(struct fc_counts *c, __u64 now, const struct fc_meta *m,
                                const struct fc_params *p)
{
    __u32 k = c->packets + 1;

    if (now - c->last_seen >= p->idle || (m->flags & FC_M_SYN) ||
        k == p->threshold + 1 || k == 0)
        return 0;
    c->packets = k;
    c->bytes += m->len;
    c->last_seen = now;
    return FC_R_COUNTED | (k > p->threshold ? FC_R_LONG : 0);
}

/* Smallest shift s such that 2^s ticks is at most 1/16 s: the resolution of
 * fc_counts.born (ages wrap after 2^32 units, > 8 years at that resolution). */
FC_INLINE __u32 fc_age_shift(__u64 hz)
{
    __u32 s = 0;

    while (s < 40 && (2ull << s) <= hz / 16)
        s++;
    return s;
}

/* ---- DSCP / ECN ---------------------------------------------------------- */

/* RFC 1624 eqn. 3: checksum hc after a 16-bit word changed from old to new:
 * HC' = ~(~HC + ~m + m'). Works in either byte order, if all three agree. */
FC_INLINE __u16 fc_csum_replace16(__u16 hc, __u16 old, __u16 new_)
{
    __u32 s = (__u32)(__u16)~hc + (__u32)(__u16)~old + new_;

    s = (s & 0xffff) + (s >> 16);
    s = (s & 0xffff) + (s >> 16);
    return (__u16)~s;
}

/* Set the DSCP of the IPv4 header at ip (20 bytes writable), keeping ECN,
 * and fix the header checksum incrementally. Returns 1 when it changed. */
FC_INLINE int fc_ipv4_set_dscp(__u8 *ip, __u8 dscp)
{
    __u8 tos = (__u8)((dscp << 2) | (ip[1] & 3));
    __u16 oldw, neww, hc;

    if (tos == ip[1])
        return 0;
    __builtin_memcpy(&oldw, ip, 2);
    ip[1] = tos;
    __builtin_memcpy(&neww, ip, 2);
    __builtin_memcpy(&hc, ip + 10, 2);
    hc = fc_csum_replace16(hc, oldw, neww);
    __builtin_memcpy(ip + 10, &hc, 2);
    return 1;
}

/* Traffic class of the IPv6 header at ip. */
FC_INLINE __u8 fc_ipv6_tclass(const __u8 *ip)
{
    return (__u8)((ip[0] & 0xf) << 4 | ip[1] >> 4);
}

/* Set the DSCP of the IPv6 header at ip (2 bytes writable), keeping ECN.
 * Returns 1 when it changed. */
FC_INLINE int fc_ipv6_set_dscp(__u8 *ip, __u8 dscp)
{
    __u8 tc = fc_ipv6_tclass(ip);
    __u8 ntc = (__u8)((dscp << 2) | (tc & 3));

    if (ntc == tc)
        return 0;
    ip[0] = (__u8)((ip[0] & 0xf0) | ntc >> 4);
    ip[1] = (__u8)((ip[1] & 0x0f) | (ntc & 0xf) << 4);
    return 1;
}

/* TOS (IPv4) or traffic class (IPv6) of the frame fc_extract() saw with
 * meta m; 0 for frames without an IP header. Reads only bytes fc_extract()
 * checked. */
FC_INLINE __u8 fc_inner_tos(const __u8 *frame, const struct fc_meta *m)
{
    if (m->flags & FC_M_IPV4)
        return frame[m->l3_off + 1];
    if (m->flags & FC_M_IPV6)
        return fc_ipv6_tclass(frame + m->l3_off);
    return 0;
}

/* Outer TOS for a tunnel packet: our DSCP, the inner ECN copied (RFC 6040
 * normal mode; inner_tos 0 for frames that are not IP). */
FC_INLINE __u8 fc_outer_tos(__u8 dscp, __u8 inner_tos)
{
    return (__u8)((dscp << 2) | (inner_tos & 3));
}

#endif
