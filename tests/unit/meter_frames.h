/* Frame builders for the vtep-meter unit tests: Ethernet (optionally
 * 802.1Q) / IPv4 or IPv6 / TCP or UDP frames, and VXLAN encapsulation of a
 * frame under an outer Ethernet/IPv4/UDP header, with valid checksums. */
#ifndef VTEPD_TEST_METER_FRAMES_H
#define VTEPD_TEST_METER_FRAMES_H

#include <stdint.h>
#include <string.h>

struct tframe {
    uint8_t b[1600];
    uint32_t len;
};

/* What one test packet carries. Fields a path changes: mac_*, ttl, tos,
 * vlan. Fields it keeps: the rest. */
struct tpkt {
    uint8_t mac_src, mac_dst;
    int vlan;                 /* -1: untagged */
    int v6;
    uint32_t src, dst;        /* IPv4 (last bytes for IPv6) */
    uint8_t ttl, tos;
    uint16_t ip_id;
    uint8_t proto;            /* 6 or 17 */
    uint16_t sport, dport;
    uint32_t seq, ack;
    uint8_t flags;
    uint16_t window;
    uint32_t flow_label;
    uint32_t pay_len;
    uint8_t pay_seed;
    int pad_to_60;
};

static inline void tput16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static inline void tput32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static inline uint16_t tcsum(const uint8_t *p, uint32_t n, uint32_t sum)
{
    for (uint32_t i = 0; i + 1 < n; i += 2)
        sum += (uint32_t)(p[i] << 8 | p[i + 1]);
    if (n & 1)
        sum += (uint32_t)p[n - 1] << 8;
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)~sum;
}

static inline struct tpkt tpkt_default(void)
{
    struct tpkt t;

    memset(&t, 0, sizeof(t));
    t.mac_src = 1;
    t.mac_dst = 2;
    t.vlan = -1;
    t.src = 0xC6336401;     /* 198.51.100.1 */
    t.dst = 0xCB007102;     /* 203.0.113.2 */
    t.ttl = 64;
    t.ip_id = 0x1234;
    t.proto = 6;
    t.sport = 40000;
    t.dport = 80;
    t.seq = 1000;
    t.ack = 2000;
    t.flags = 0x18;
    t.window = 5000;
    t.pay_len = 40;
    t.pay_seed = 7;
    return t;
}

/* Build t into f. */
static inline void tframe_build(struct tframe *f, const struct tpkt *t)
{
    uint8_t *p = f->b;
    uint32_t o = 0, l4len, l4;

    memset(f->b, 0, sizeof(f->b));
    memset(p, 0x02, 6);
    p[5] = t->mac_dst;
    memset(p + 6, 0x02, 6);
    p[11] = t->mac_src;
    o = 12;
    if (t->vlan >= 0) {
        tput16(p + o, 0x8100);
        tput16(p + o + 2, (uint16_t)t->vlan);
        o += 4;
    }
    tput16(p + o, t->v6 ? 0x86DD : 0x0800);
    o += 2;
    l4len = (t->proto == 6 ? 20 : 8) + t->pay_len;
    if (t->v6) {
        p[o] = (uint8_t)(0x60 | (t->tos >> 4));
        p[o + 1] = (uint8_t)((t->tos << 4) | ((t->flow_label >> 16) & 0x0f));
        tput16(p + o + 2, (uint16_t)t->flow_label);
        tput16(p + o + 4, (uint16_t)l4len);
        p[o + 6] = t->proto;
        p[o + 7] = t->ttl;
        p[o + 8] = 0x20;
        p[o + 9] = 0x01;
        p[o + 10] = 0x0d;
        p[o + 11] = 0xb8;
        tput32(p + o + 20, t->src);
        p[o + 24] = 0x20;
        p[o + 25] = 0x01;
        p[o + 26] = 0x0d;
        p[o + 27] = 0xb8;
        tput32(p + o + 36, t->dst);
        l4 = o + 40;
    } else {
        uint32_t iplen = 20 + l4len;

        p[o] = 0x45;
        p[o + 1] = t->tos;
        tput16(p + o + 2, (uint16_t)iplen);
        tput16(p + o + 4, t->ip_id);
        tput16(p + o + 6, 0x4000);
        p[o + 8] = t->ttl;
        p[o + 9] = t->proto;
        tput32(p + o + 12, t->src);
        tput32(p + o + 16, t->dst);
        tput16(p + o + 10, tcsum(p + o, 20, 0));
        l4 = o + 20;
    }
    tput16(p + l4, t->sport);
    tput16(p + l4 + 2, t->dport);
    if (t->proto == 6) {
        tput32(p + l4 + 4, t->seq);
        tput32(p + l4 + 8, t->ack);
        p[l4 + 12] = 0x50;
        p[l4 + 13] = t->flags;
        tput16(p + l4 + 14, t->window);
        for (uint32_t i = 0; i < t->pay_len; i++)
            p[l4 + 20 + i] = (uint8_t)(t->pay_seed + i * 13);
        /* a checksum that depends on what changes (TTL does not enter TCP's,
         * but keep it honest: sum over the segment with a TTL-dependent salt) */
        tput16(p + l4 + 16, tcsum(p + l4, l4len, t->ttl));
    } else {
        tput16(p + l4 + 4, (uint16_t)l4len);
        for (uint32_t i = 0; i < t->pay_len; i++)
            p[l4 + 8 + i] = (uint8_t)(t->pay_seed + i * 13);
        tput16(p + l4 + 6, tcsum(p + l4, l4len, t->ttl));
    }
    f->len = l4 + l4len;
    if (t->pad_to_60 && f->len < 60) {
        memset(p + f->len, 0xee, 60 - f->len);   /* trailer garbage, not zeros */
        f->len = 60;
    }
}

/* Wrap inner into out: Ethernet/IPv4(src, dst, ttl, dscp)/UDP(sport, dport)/VXLAN(vni). */
static inline void tframe_vxlan(struct tframe *out, const struct tframe *inner, uint32_t src,
                                uint32_t dst, uint8_t ttl, uint8_t dscp, uint16_t sport,
                                uint16_t dport, uint32_t vni)
{
    uint8_t *p = out->b;
    uint32_t iplen = 20 + 8 + 8 + inner->len;

    memset(out->b, 0, sizeof(out->b));
    memset(p, 0x04, 12);
    tput16(p + 12, 0x0800);
    p[14] = 0x45;
    p[15] = (uint8_t)(dscp << 2);
    tput16(p + 16, (uint16_t)iplen);
    tput16(p + 20, 0x4000);
    p[22] = ttl;
    p[23] = 17;
    tput32(p + 26, src);
    tput32(p + 30, dst);
    tput16(p + 24, tcsum(p + 14, 20, 0));
    tput16(p + 34, sport);
    tput16(p + 36, dport);
    tput16(p + 38, (uint16_t)(iplen - 20));
    p[42] = 0x08;
    tput32(p + 46, vni << 8);
    memcpy(p + 50, inner->b, inner->len);
    out->len = 50 + inner->len;
}

#endif
