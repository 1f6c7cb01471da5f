/* Unit tests: short/long flow classifier, include/flow_class.h (key
 * extraction, threshold and idle rules, DSCP/ECN helpers) and the per-worker
 * table dataplane/flow_table.c, on a fake clock (1 tick = 1 ms). */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "flow_class.h"
#include "flow_table.h"

#define HZ 1000u
#define IDLE (30u * HZ)
#define THRESH 20u

/* ---- frame builders ------------------------------------------------------ */

struct pkt {
    uint8_t b[128];
    uint32_t len;
};

static uint16_t csum16(const uint8_t *p, unsigned len)
{
    uint32_t s = 0;

    for (unsigned i = 0; i + 1 < len; i += 2)
        s += (uint32_t)(p[i] << 8 | p[i + 1]);
    while (s >> 16)
        s = (s & 0xffff) + (s >> 16);
    return (uint16_t)~s;
}

/* Ethernet (+ optional 802.1Q) / IPv4 / TCP or UDP. */
static struct pkt v4(uint8_t proto, uint32_t sip, uint32_t dip, uint16_t sp, uint16_t dport,
                     uint16_t vlan, uint8_t tcp_flags, uint16_t frag)
{
    struct pkt p;
    uint8_t *f = p.b, *ip;
    unsigned off = 14;

    memset(&p, 0, sizeof(p));
    f[0] = 0x02; f[5] = 0x02; f[6] = 0x02; f[11] = 0x01;
    if (vlan) {
        f[12] = 0x81; f[13] = 0x00;
        f[14] = (uint8_t)(vlan >> 8); f[15] = (uint8_t)vlan;
        off = 18;
    }
    f[off - 2] = 0x08; f[off - 1] = 0x00;
    ip = f + off;
    ip[0] = 0x45;
    ip[1] = 0x02;           /* ECT(0) */
    ip[2] = 0; ip[3] = 40;
    ip[6] = (uint8_t)(frag >> 8); ip[7] = (uint8_t)frag;
    ip[8] = 64;
    ip[9] = proto;
    sip = htonl(sip);
    dip = htonl(dip);
    memcpy(ip + 12, &sip, 4);
    memcpy(ip + 16, &dip, 4);
    uint16_t c = htons(csum16(ip, 20));
    memcpy(ip + 10, &c, 2);
    ip[20] = (uint8_t)(sp >> 8); ip[21] = (uint8_t)sp;
    ip[22] = (uint8_t)(dport >> 8); ip[23] = (uint8_t)dport;
    if (proto == 6) {
        ip[32] = 0x50;
        ip[33] = tcp_flags;
    }
    p.len = off + 40;
    return p;
}

static struct pkt tcp4(uint32_t sip, uint16_t sp)
{
    return v4(6, sip, 0xc0000202u, sp, 80, 0, 0x10, 0);
}

static struct pkt v6(uint8_t nh, uint16_t sp, uint8_t last)
{
    struct pkt p;
    uint8_t *f = p.b, *ip = f + 14;

    memset(&p, 0, sizeof(p));
    f[0] = 0x02; f[5] = 0x02; f[6] = 0x02; f[11] = 0x01;
    f[12] = 0x86; f[13] = 0xdd;
    ip[0] = 0x60;
    ip[5] = 20;
    ip[6] = nh;
    ip[7] = 64;
    ip[8] = 0x20; ip[9] = 0x01; ip[10] = 0x0d; ip[11] = 0xb8; ip[23] = last;
    ip[24] = 0x20; ip[25] = 0x01; ip[26] = 0x0d; ip[27] = 0xb8; ip[39] = 1;
    ip[40] = (uint8_t)(sp >> 8); ip[41] = (uint8_t)sp;
    ip[43] = 80;
    ip[52] = 0x50;
    ip[53] = 0x10;
    p.len = 14 + 40 + 20;
    return p;
}

static int extract(const struct pkt *p, uint32_t vni, uint32_t protos, struct fc_key *k,
                   struct fc_meta *m)
{
    memset(k, 0xAA, sizeof(*k));    /* every byte must be written */
    m->len = p->len;
    return fc_extract(p->b, p->b + p->len, vni, protos, k, m);
}

static struct flow_table *table(uint32_t capacity)
{
    struct flow_table_params prm = {
        .capacity = capacity, .threshold = THRESH, .idle = IDLE, .hz = HZ, .seed = 12345,
    };
    struct flow_table *t = flow_table_create(&prm);

    assert_non_null(t);
    return t;
}

/* Classify frame p at time now in VNI vni (TCP only). */
static uint8_t cls(struct flow_table *t, const struct pkt *p, uint32_t vni, uint64_t now)
{
    struct fc_key k;
    struct fc_meta m;

    extract(p, vni, FC_PROTO_TCP, &k, &m);
    return flow_table_classify(t, &k, &m, now);
}

/* ---- extraction ---------------------------------------------------------- */

static void test_extract_tcp4(void **state)
{
    struct pkt p = v4(6, 0xc0000201u, 0xc0000202u, 40000, 80, 0, 0x10, 0);
    struct fc_key k, kt;
    struct fc_meta m;
    (void)state;

    assert_int_equal(extract(&p, 100, FC_PROTO_TCP, &k, &m), FC_OK);
    assert_int_equal(m.verdict, FC_OK);
    assert_int_equal(m.flags, FC_M_IPV4);
    assert_int_equal(m.l3_off, 14);
    assert_int_equal(k.vni_proto, 100u << 8 | 6);
    assert_int_equal(k.sport, htons(40000));
    assert_int_equal(k.dport, htons(80));
    assert_int_equal(k.saddr_hi[0] | k.saddr_hi[1] | k.saddr_hi[2], 0);
    assert_int_equal(k.daddr_hi[0] | k.daddr_hi[1] | k.daddr_hi[2], 0);
    assert_int_equal(k.saddr, htonl(0xc0000201u));
    assert_int_equal(k.daddr, htonl(0xc0000202u));
    uint8_t a6[16];
    static const uint8_t mapped[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 192, 0, 2, 1};
    fc_key_addr6(&k, 1, a6);
    assert_memory_equal(a6, mapped, 16);

    /* an 802.1Q tag changes nothing but the offset */
    p = v4(6, 0xc0000201u, 0xc0000202u, 40000, 80, 7, 0x10, 0);
    assert_int_equal(extract(&p, 100, FC_PROTO_TCP, &kt, &m), FC_OK);
    assert_int_equal(m.l3_off, 18);
    assert_memory_equal(&k, &kt, sizeof(k));

    /* SYN and SYN-ACK are flagged, a plain ACK is not */
    p = v4(6, 1, 2, 3, 4, 0, 0x02, 0);
    extract(&p, 1, FC_PROTO_TCP, &k, &m);
    assert_true(m.flags & FC_M_SYN);
    p = v4(6, 1, 2, 3, 4, 0, 0x12, 0);
    extract(&p, 1, FC_PROTO_TCP, &k, &m);
    assert_true(m.flags & FC_M_SYN);
    p = v4(6, 1, 2, 3, 4, 0, 0x11, 0);      /* FIN-ACK */
    extract(&p, 1, FC_PROTO_TCP, &k, &m);
    assert_false(m.flags & FC_M_SYN);
}

static void test_tcp_only_default(void **state)
{
    struct pkt u = v4(17, 1, 2, 53, 53, 0, 0, 0);
    struct pkt icmp = v4(1, 1, 2, 0, 0, 0, 0, 0);
    struct pkt tcp = v4(6, 1, 2, 1000, 80, 0, 0x10, 0);
    struct fc_key k;
    struct fc_meta m;
    struct flow_table *t = table(1024);
    struct flow_table_stats st;
    (void)state;

    assert_int_equal(extract(&u, 1, FC_PROTO_TCP, &k, &m), FC_PROTO_OFF);
    assert_int_equal(m.flags, FC_M_IPV4);       /* still markable */
    assert_int_equal(extract(&u, 1, FC_PROTO_TCP | FC_PROTO_UDP, &k, &m), FC_OK);
    assert_int_equal(k.vni_proto, 1u << 8 | 17);
    assert_int_equal(extract(&tcp, 1, FC_PROTO_UDP, &k, &m), FC_PROTO_OFF);
    assert_int_equal(extract(&icmp, 1, FC_PROTO_TCP | FC_PROTO_UDP, &k, &m), FC_PROTO_OFF);

    /* UDP through a TCP-only table: short, uncounted, however many */
    for (int i = 0; i < 100; i++)
        assert_int_equal(cls(t, &u, 1, 0), 0);
    flow_table_stats(t, &st);
    assert_int_equal(st.not_counted, 100);
    assert_int_equal(st.live, 0);
    assert_int_equal(st.inserts, 0);
    flow_table_destroy(t);
}

static void test_non_ip_and_fragments(void **state)
{
    struct pkt p;
    struct fc_key k;
    struct fc_meta m;
    struct flow_table *t = table(1024);
    struct flow_table_stats st;
    uint8_t a6[16];
    (void)state;

    /* ARP */
    memset(&p, 0, sizeof(p));
    p.b[12] = 0x08; p.b[13] = 0x06;
    p.len = 60;
    assert_int_equal(extract(&p, 1, FC_PROTO_TCP, &k, &m), FC_NOT_IP);
    assert_int_equal(m.flags, 0);
    for (int i = 0; i < 50; i++)
        assert_int_equal(flow_table_classify(t, &k, &m, 0), 0);

    /* IPv4 fragments: MF set, offset set, both; DF alone is not a fragment */
    p = v4(6, 1, 2, 3, 4, 0, 0x10, 0x2000);
    assert_int_equal(extract(&p, 1, FC_PROTO_TCP, &k, &m), FC_FRAGMENT);
    assert_int_equal(m.flags, FC_M_IPV4);
    for (int i = 0; i < 50; i++)
        assert_int_equal(flow_table_classify(t, &k, &m, 0), 0);
    p = v4(6, 1, 2, 3, 4, 0, 0x10, 0x00b9);
    assert_int_equal(extract(&p, 1, FC_PROTO_TCP, &k, &m), FC_FRAGMENT);
    p = v4(6, 1, 2, 3, 4, 0, 0x10, 0x20b9);
    assert_int_equal(extract(&p, 1, FC_PROTO_TCP, &k, &m), FC_FRAGMENT);
    p = v4(6, 1, 2, 3, 4, 0, 0x10, 0x4000);
    assert_int_equal(extract(&p, 1, FC_PROTO_TCP, &k, &m), FC_OK);

    /* IPv6: TCP ok, fragment header, extension header not walked */
    p = v6(6, 1000, 1);
    assert_int_equal(extract(&p, 1, FC_PROTO_TCP, &k, &m), FC_OK);
    assert_int_equal(m.flags, FC_M_IPV6);
    assert_int_equal(k.vni_proto, 1u << 8 | 6 | FC_KEY_V6);
    assert_int_equal(k.saddr_hi[0], htonl(0x20010db8u));
    assert_int_equal(k.saddr, htonl(1));
    assert_int_equal(k.daddr, htonl(1));
    static const uint8_t s6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
    fc_key_addr6(&k, 1, a6);
    assert_memory_equal(a6, s6, 16);
    /* an IPv6 flow and an IPv4 flow with the same low address bits differ */
    struct fc_key k4;
    struct pkt q = v4(6, 1, 1, 1000, 80, 0, 0x10, 0);
    extract(&q, 1, FC_PROTO_TCP, &k4, &m);
    assert_int_equal(k4.saddr, k.saddr);
    assert_memory_not_equal(&k4, &k, sizeof(k));
    p = v6(44, 1000, 1);
    assert_int_equal(extract(&p, 1, FC_PROTO_TCP, &k, &m), FC_FRAGMENT);
    p = v6(0, 1000, 1);
    assert_int_equal(extract(&p, 1, FC_PROTO_TCP, &k, &m), FC_PROTO_OFF);

    /* truncated and inconsistent headers never read past the end */
    p = v4(6, 1, 2, 3, 4, 0, 0x10, 0);
    for (uint32_t len = 0; len < 14 + 20 + 14; len++) {
        p.len = len;
        assert_int_equal(extract(&p, 1, FC_PROTO_TCP, &k, &m), FC_MALFORMED);
    }
    p.len = 14 + 20 + 14;
    assert_int_equal(extract(&p, 1, FC_PROTO_TCP, &k, &m), FC_OK);
    p = v4(6, 1, 2, 3, 4, 0, 0x10, 0);
    p.b[14] = 0x44;     /* IHL 4 */
    assert_int_equal(extract(&p, 1, FC_PROTO_TCP, &k, &m), FC_MALFORMED);
    p.b[14] = 0x4f;     /* IHL 15: TCP header beyond the frame */
    assert_int_equal(extract(&p, 1, FC_PROTO_TCP, &k, &m), FC_MALFORMED);
    p.b[14] = 0x65;     /* version 6 in an IPv4 ethertype */
    assert_int_equal(extract(&p, 1, FC_PROTO_TCP, &k, &m), FC_MALFORMED);
    p = v4(17, 1, 2, 3, 4, 0, 0, 0);
    p.len = 14 + 20 + 7;
    assert_int_equal(extract(&p, 1, FC_PROTO_UDP, &k, &m), FC_MALFORMED);
    p = v4(6, 1, 2, 3, 4, 7, 0x10, 0);
    p.len = 17;         /* tag cut short */
    assert_int_equal(extract(&p, 1, FC_PROTO_TCP, &k, &m), FC_MALFORMED);

    flow_table_stats(t, &st);
    assert_int_equal(st.live, 0);
    assert_int_equal(st.not_counted, 100);
    flow_table_destroy(t);
}

/* ---- rules and table ----------------------------------------------------- */

static void test_rules(void **state)
{
    (void)state;
    assert_false(fc_packet_is_long(1, 1));
    assert_true(fc_packet_is_long(2, 1));
    assert_false(fc_packet_is_long(20, 20));
    assert_true(fc_packet_is_long(21, 20));
    assert_false(fc_idle_expired(29999, 0, 30000));
    assert_true(fc_idle_expired(30000, 0, 30000));
    assert_false(fc_idle_expired(100, 200, 30000));   /* clock behind the stamp */
    assert_int_equal(fc_age_shift(1000), 5);          /* 32 ticks <= 1/16 s */
    assert_true((1ull << fc_age_shift(1000000000ull)) <= 1000000000ull / 16);
    assert_true((2ull << fc_age_shift(1000000000ull)) > 1000000000ull / 16);
}

static void test_boundary(void **state)
{
    struct flow_table *t = table(1024);
    struct pkt p = tcp4(0x0a000001, 1234);
    struct flow_table_stats st;
    struct fc_counts c;
    struct fc_key k;
    struct fc_meta m;
    (void)state;

    for (uint32_t i = 1; i <= 1000; i++) {
        uint8_t r = cls(t, &p, 100, i);
        assert_true(r & FC_R_COUNTED);
        if (i <= THRESH)
            assert_false(r & FC_R_LONG);
        else
            assert_true(r & FC_R_LONG);
        assert_int_equal(!!(r & FC_R_NEW), i == 1);
        assert_int_equal(!!(r & FC_R_PROMOTED), i == THRESH + 1);
    }
    extract(&p, 100, FC_PROTO_TCP, &k, &m);
    assert_int_equal(flow_table_lookup(t, &k, &c), 1);
    assert_int_equal(c.packets, 1000);
    assert_int_equal(c.bytes, 1000ull * p.len);
    assert_int_equal(c.last_seen, 1000);
    flow_table_stats(t, &st);
    assert_int_equal(st.live, 1);
    assert_int_equal(st.inserts, 1);
    assert_int_equal(st.promotions, 1);
    assert_int_equal(st.pkts_short, THRESH);
    assert_int_equal(st.pkts_long, 1000 - THRESH);
    assert_int_equal(st.bytes_short, THRESH * p.len);
    flow_table_destroy(t);

    /* threshold 1: the first packet short, the second long */
    struct flow_table_params prm = {.capacity = 64, .threshold = 1, .idle = IDLE, .hz = HZ, .seed = 1};
    t = flow_table_create(&prm);
    assert_non_null(t);
    assert_int_equal(cls(t, &p, 1, 0) & FC_R_LONG, 0);
    assert_int_equal(cls(t, &p, 1, 0) & (FC_R_LONG | FC_R_PROMOTED), FC_R_LONG | FC_R_PROMOTED);
    flow_table_destroy(t);
}

static void test_eviction_at_idle(void **state)
{
    struct flow_table *t = table(1024);
    struct pkt a = tcp4(0x0a000001, 1000), b = tcp4(0x0a000002, 2000);
    struct flow_table_stats st;
    struct fc_counts c;
    struct fc_key ka;
    struct fc_meta m;
    uint64_t last = 5000;
    uint8_t r;
    (void)state;

    extract(&a, 7, FC_PROTO_TCP, &ka, &m);
    for (uint32_t i = 0; i <= THRESH; i++)
        cls(t, &a, 7, last - THRESH + i);
    for (uint32_t i = 0; i <= THRESH; i++)
        cls(t, &b, 7, last - THRESH + i);

    /* sweep: one tick before idle nothing goes, at idle it goes */
    assert_int_equal(flow_table_sweep(t, last + IDLE - 1, 1024), 0);
    assert_int_equal(flow_table_lookup(t, &ka, &c), 1);
    assert_int_equal(flow_table_sweep(t, last + IDLE, 1024), 2);
    assert_int_equal(flow_table_lookup(t, &ka, &c), 0);
    flow_table_stats(t, &st);
    assert_int_equal(st.live, 0);
    assert_int_equal(st.evictions, 2);
    assert_int_equal(st.sweep_passes, 2);

    /* at lookup: a packet one tick before idle continues the flow (long),
     * a packet at idle starts a new one (short, packet 1) */
    for (uint32_t i = 0; i <= THRESH; i++)
        cls(t, &a, 7, last - THRESH + i);
    r = cls(t, &a, 7, last + IDLE - 1);
    assert_true(r & FC_R_LONG);
    last += IDLE - 1;
    r = cls(t, &a, 7, last + IDLE);
    assert_int_equal(r, FC_R_COUNTED | FC_R_NEW | FC_R_EXPIRED);
    assert_int_equal(flow_table_lookup(t, &ka, &c), 1);
    assert_int_equal(c.packets, 1);
    flow_table_stats(t, &st);
    assert_int_equal(st.evictions, 3);
    assert_int_equal(st.live, 1);

    /* the sweep is amortized: a budget of 10 looks at 10 entries only */
    flow_table_destroy(t);
    t = table(1024);
    for (uint32_t f = 0; f < 1024; f++) {
        struct pkt p = tcp4(0x0a000000 + f, 7);
        cls(t, &p, 1, 0);
    }
    unsigned total = 0;
    for (int call = 0; call < 102; call++) {
        unsigned e = flow_table_sweep(t, IDLE, 10);
        assert_true(e <= 10);
        total += e;
    }
    assert_int_equal(total, 1020);
    assert_int_equal(flow_table_sweep(t, IDLE, 10), 4);
    flow_table_stats(t, &st);
    assert_int_equal(st.live, 0);
    flow_table_destroy(t);
}

static void test_table_full(void **state)
{
    struct flow_table *t = table(64);
    struct flow_table_stats st;
    uint8_t r;
    (void)state;

    for (uint32_t f = 0; f < 64; f++) {
        struct pkt p = tcp4(0x0a000000 + f, 9);
        assert_int_equal(cls(t, &p, 1, 10), FC_R_COUNTED | FC_R_NEW);
    }
    /* a new flow: short, uncounted, table_full */
    struct pkt x = tcp4(0x0b000000, 9);
    for (uint32_t i = 0; i < 2 * THRESH; i++)
        assert_int_equal(cls(t, &x, 1, 11), 0);
    /* old flows still count and still become long */
    struct pkt o = tcp4(0x0a000005, 9);
    for (uint32_t i = 2; i <= THRESH + 1; i++)
        r = cls(t, &o, 1, 12);
    assert_int_equal(r, FC_R_COUNTED | FC_R_LONG | FC_R_PROMOTED);
    flow_table_stats(t, &st);
    assert_int_equal(st.live, 64);
    assert_int_equal(st.table_full, 2 * THRESH);
    assert_int_equal(st.not_counted, 2 * THRESH);
    /* once idle flows are swept, new flows fit again */
    assert_int_equal(flow_table_sweep(t, 11 + IDLE, 64), 63);
    assert_int_equal(cls(t, &x, 1, 11 + IDLE), FC_R_COUNTED | FC_R_NEW);
    flow_table_destroy(t);
}

static void test_vnis_apart(void **state)
{
    struct flow_table *t = table(1024);
    struct pkt p = tcp4(0x0a000001, 4242);
    struct fc_key k1, k2;
    struct fc_meta m;
    struct fc_counts c;
    (void)state;

    for (uint32_t i = 0; i < THRESH + 5; i++)
        cls(t, &p, 100, i);
    /* the same 5-tuple in VNI 200 is a different flow: short from packet 1 */
    for (uint32_t i = 1; i <= THRESH; i++)
        assert_int_equal(cls(t, &p, 200, 100 + i) & (FC_R_LONG | FC_R_NEW),
                         i == 1 ? FC_R_NEW : 0);
    extract(&p, 100, FC_PROTO_TCP, &k1, &m);
    extract(&p, 200, FC_PROTO_TCP, &k2, &m);
    assert_int_equal(flow_table_lookup(t, &k1, &c), 1);
    assert_int_equal(c.packets, THRESH + 5);
    assert_int_equal(flow_table_lookup(t, &k2, &c), 1);
    assert_int_equal(c.packets, THRESH);
    flow_table_destroy(t);
}

static void test_syn_restarts_fin_rst_do_not_end(void **state)
{
    struct flow_table *t = table(1024);
    struct pkt ack = v4(6, 1, 2, 3333, 80, 0, 0x10, 0);
    struct pkt fin = v4(6, 1, 2, 3333, 80, 0, 0x11, 0);
    struct pkt rst = v4(6, 1, 2, 3333, 80, 0, 0x04, 0);
    struct pkt syn = v4(6, 1, 2, 3333, 80, 0, 0x02, 0);
    struct flow_table_stats st;
    uint8_t r;
    (void)state;

    for (uint32_t i = 0; i < THRESH + 1; i++)
        r = cls(t, &ack, 1, i);
    assert_true(r & FC_R_LONG);
    /* FIN and RST are counted like any segment; the flow stays long */
    assert_true(cls(t, &fin, 1, 50) & FC_R_LONG);
    assert_true(cls(t, &rst, 1, 51) & FC_R_LONG);
    assert_true(cls(t, &ack, 1, 52) & FC_R_LONG);
    /* a SYN on the same 5-tuple is a new connection: packet 1, short */
    r = cls(t, &syn, 1, 60);
    assert_int_equal(r, FC_R_COUNTED | FC_R_NEW | FC_R_RESTART);
    for (uint32_t i = 2; i <= THRESH; i++)
        assert_false(cls(t, &ack, 1, 60 + i) & FC_R_LONG);
    assert_true(cls(t, &ack, 1, 100) & FC_R_PROMOTED);
    flow_table_stats(t, &st);
    assert_int_equal(st.restarts, 1);
    assert_int_equal(st.inserts, 2);
    assert_int_equal(st.promotions, 2);
    assert_int_equal(st.live, 1);
    flow_table_destroy(t);
}

/* A pseudo-random stream (flows repeating inside bursts, packets that are not
 * classified, SYNs, clock jumps past idle, sweeps) through the bulk API and
 * one packet at a time must give identical results and counters. */
static struct flow_table *table_direct(uint32_t capacity, uint32_t direct_flows)
{
    struct flow_table_params prm = {
        .capacity = capacity, .threshold = THRESH, .idle = IDLE, .hz = HZ, .seed = 12345,
        .direct_flows = direct_flows,
    };
    struct flow_table *t = flow_table_create(&prm);

    assert_non_null(t);
    return t;
}

/* One stream through four tables: bursts in one pass (few flows), bursts in
 * prefetched stages, bursts with a random mask (the masked-out packets go
 * nowhere), and one packet at a time (the masked-in packets only). Every
 * result and every counter must agree. */
static void test_bulk_equals_single(void **state)
{
    struct flow_table *a = table_direct(256, 0), *s = table_direct(256, FLOW_TABLE_NEVER_DIRECT);
    struct flow_table *b = table(256), *mt = table(256), *mb = table(256);
    struct flow_table_stats sa, sb, ss, smt, smb;
    uint32_t rnd = 2463534242u;
    uint64_t now = 0;
    unsigned differences = 0;
    (void)state;

    for (int burst = 0; burst < 2000; burst++) {
        struct fc_key k[FLOW_TABLE_BURST_MAX];
        struct fc_meta m[FLOW_TABLE_BURST_MAX];
        uint8_t ra[FLOW_TABLE_BURST_MAX], rs[FLOW_TABLE_BURST_MAX], rm[FLOW_TABLE_BURST_MAX], rb;
        uint64_t mask = 0;
        unsigned n;

        rnd ^= rnd << 13; rnd ^= rnd >> 17; rnd ^= rnd << 5;
        n = 1 + rnd % FLOW_TABLE_BURST_MAX;
        for (unsigned i = 0; i < n; i++) {
            rnd ^= rnd << 13; rnd ^= rnd >> 17; rnd ^= rnd << 5;
            /* 300 flows over a 256-entry table: table_full happens too */
            uint32_t f = rnd % 300;
            uint8_t flags = (rnd >> 20) % 97 == 0 ? 0x02 : 0x10;
            uint8_t proto = (rnd >> 12) % 23 == 0 ? 17 : 6;
            struct pkt p = v4(proto, 0x0a000000 + f, 0xc0000202u, (uint16_t)(1000 + f % 7), 80,
                              0, flags, 0);
            extract(&p, 1 + f % 3, FC_PROTO_TCP, &k[i], &m[i]);
            m[i].len = 60 + f;
            if ((rnd >> 3) % 5 != 0)
                mask |= 1ull << i;
        }
        memset(rm, 0xEE, sizeof(rm));
        flow_table_classify_bulk(a, k, m, n, now, ra);
        flow_table_classify_bulk(s, k, m, n, now, rs);
        flow_table_classify_mask(mt, k, m, n, mask | (~0ull << (n - 1) << 1), now, rm);
        for (unsigned i = 0; i < n; i++) {
            rb = flow_table_classify(b, &k[i], &m[i], now);
            if ((rb != ra[i] || rb != rs[i]) && differences++ < 5)
                print_error("burst %d packet %u: bulk %#x staged %#x single %#x\n", burst, i,
                            ra[i], rs[i], rb);
            if (mask & (1ull << i)) {
                rb = flow_table_classify(mb, &k[i], &m[i], now);
                if (rb != rm[i] && differences++ < 5)
                    print_error("burst %d packet %u: masked %#x single %#x\n", burst, i,
                                rm[i], rb);
            } else if (rm[i] != 0xEE && differences++ < 5) {
                print_error("burst %d packet %u: masked out but written\n", burst, i);
            }
        }
        for (unsigned i = n; i < FLOW_TABLE_BURST_MAX; i++)
            if (rm[i] != 0xEE && differences++ < 5)
                print_error("burst %d: res[%u] past n written\n", burst, i);
        now += (rnd >> 8) % 89 == 0 ? IDLE : (rnd >> 8) % 500;
        flow_table_sweep(a, now, 16);
        flow_table_sweep(s, now, 16);
        flow_table_sweep(b, now, 16);
        flow_table_sweep(mt, now, 16);
        flow_table_sweep(mb, now, 16);
    }
    assert_int_equal(differences, 0);
    flow_table_stats(a, &sa);
    flow_table_stats(b, &sb);
    flow_table_stats(s, &ss);
    flow_table_stats(mt, &smt);
    flow_table_stats(mb, &smb);
    assert_memory_equal(&sa, &sb, sizeof(sa));
    assert_memory_equal(&ss, &sb, sizeof(sa));
    assert_memory_equal(&smt, &smb, sizeof(sa));
    /* the stream did exercise every path */
    assert_true(sa.table_full > 0);
    assert_true(sa.evictions > 0);
    assert_true(sa.restarts > 0);
    assert_true(sa.promotions > 0);
    assert_true(sa.pkts_long > 0);
    assert_true(sa.not_counted > sa.table_full);    /* UDP through a TCP-only table */
    assert_true(smt.pkts_short + smt.pkts_long < sb.pkts_short + sb.pkts_long);
    flow_table_destroy(a);
    flow_table_destroy(s);
    flow_table_destroy(b);
    flow_table_destroy(mt);
    flow_table_destroy(mb);
}

/* fc_account_live() against fc_account() on random states, clocks and
 * packets, the boundaries (idle, threshold + 1, saturation, a clock behind
 * the stamp) made frequent. */
static void test_account_live(void **state)
{
    uint64_t rnd = 88172645463325252ull;
    unsigned live = 0, declined = 0;
    (void)state;

    for (int i = 0; i < 200000; i++) {
        struct fc_params p = {.idle = 1000, .threshold = 20, .age_shift = 3};
        struct fc_counts c, ref, orig;
        struct fc_meta m = {.len = 100, .verdict = FC_OK};
        uint64_t now;
        uint32_t r, rr;

        rnd ^= rnd << 13; rnd ^= rnd >> 7; rnd ^= rnd << 17;
        if (rnd % 7 == 0)
            p.threshold = UINT32_MAX - 1;
        c.last_seen = 5000 + (rnd >> 8) % 64;
        c.bytes = (rnd >> 16) % 100000;
        c.born = (uint32_t)(rnd >> 24);
        switch ((rnd >> 32) % 6) {
        case 0: c.packets = p.threshold; break;                 /* next is threshold+1 */
        case 1: c.packets = UINT32_MAX; break;                  /* saturated */
        case 2: c.packets = UINT32_MAX - 1; break;
        default: c.packets = 1 + (uint32_t)(rnd >> 40) % 60; break;
        }
        switch ((rnd >> 48) % 5) {
        case 0: now = c.last_seen + p.idle; break;              /* exactly idle */
        case 1: now = c.last_seen + p.idle - 1; break;
        case 2: now = c.last_seen - 1 - (rnd >> 50) % 100; break;   /* clock behind */
        default: now = c.last_seen + (rnd >> 52) % 1100; break;
        }
        m.flags = (uint8_t)(FC_M_IPV4 | ((rnd >> 60) % 4 == 0 ? FC_M_SYN : 0));
        ref = c;
        orig = c;
        rr = fc_account(&ref, 1, now, &m, &p);
        r = fc_account_live(&c, now, &m, &p);
        if (r == 0) {
            declined++;
            /* declined: nothing touched, and only where fc_account() does
             * more than count (a new flow, a promotion), saturates, or the
             * clock reads behind the stamp */
            assert_memory_equal(&c, &orig, sizeof(c));
            assert_true((rr & (FC_R_NEW | FC_R_PROMOTED)) || orig.packets == UINT32_MAX ||
                        now < orig.last_seen);
        } else {
            live++;
            assert_int_equal(r, rr);
            assert_memory_equal(&c, &ref, sizeof(c));
        }
    }
    assert_true(live > 50000);
    assert_true(declined > 50000);
}

/* Many flows through a small table: bucket spills to the secondary bucket,
 * removal from both, and the table usable to full capacity again. */
static void test_fill_drain_refill(void **state)
{
    struct flow_table *t = table(4096);
    struct flow_table_stats st;
    (void)state;

    for (int round = 0; round < 3; round++) {
        uint64_t t0 = (uint64_t)round * 2 * IDLE;
        for (uint32_t f = 0; f < 4096; f++) {
            struct pkt p = tcp4(0x0a000000 + f * 7919 + (uint32_t)round, (uint16_t)f);
            assert_int_equal(cls(t, &p, 1, t0), FC_R_COUNTED | FC_R_NEW);
        }
        for (uint32_t f = 0; f < 4096; f++) {
            struct pkt p = tcp4(0x0a000000 + f * 7919 + (uint32_t)round, (uint16_t)f);
            assert_int_equal(cls(t, &p, 1, t0 + 1), FC_R_COUNTED);
        }
        flow_table_stats(t, &st);
        assert_int_equal(st.live, 4096);
        assert_int_equal(st.table_full, 0);
        assert_int_equal(flow_table_sweep(t, t0 + 1 + IDLE, 4096), 4096);
        flow_table_stats(t, &st);
        assert_int_equal(st.live, 0);
    }
    flow_table_destroy(t);
}

/* Random keys fill every table size to exactly its capacity: buckets are
 * half full on average at capacity, and an overflowing pair moves a key
 * (cuckoo, depth 1), so "full" means capacity live flows. */
static void test_fill_random_to_capacity(void **state)
{
    static const uint32_t caps[] = {64, 1024, 65536};
    uint64_t rnd = 0x9E3779B97F4A7C15ull;
    (void)state;

    for (unsigned c = 0; c < 3; c++) {
        for (uint32_t seed = 1; seed <= 4; seed++) {
            struct flow_table_params prm = {.capacity = caps[c], .threshold = THRESH,
                                            .idle = IDLE, .hz = HZ, .seed = seed};
            struct flow_table *t = flow_table_create(&prm);
            struct flow_table_stats st;

            assert_non_null(t);
            for (uint32_t f = 0; f < caps[c]; f++) {
                struct fc_key k;
                struct fc_meta m = {.len = 60, .verdict = FC_OK};
                rnd ^= rnd << 13; rnd ^= rnd >> 7; rnd ^= rnd << 17;
                memset(&k, 0, sizeof(k));
                k.vni_proto = 1u << 8 | 6;
                k.saddr = (uint32_t)rnd;
                k.daddr = (uint32_t)(rnd >> 32);
                k.sport = (uint16_t)(rnd >> 7);
                k.dport = (uint16_t)(rnd >> 29);
                if (flow_table_classify(t, &k, &m, 1) != (FC_R_COUNTED | FC_R_NEW))
                    fail_msg("capacity %u seed %u: flow %u not inserted", caps[c], seed, f);
            }
            flow_table_stats(t, &st);
            assert_int_equal(st.live, caps[c]);
            assert_int_equal(st.table_full, 0);
            flow_table_destroy(t);
        }
    }
}

static void test_top(void **state)
{
    struct flow_table *t = table(1024);
    struct flow_top top[8];
    (void)state;

    assert_int_equal(flow_table_top(t, 0, top, 8), 0);
    /* flow f sends 20 + 10*f packets of 100 bytes from t=1000; f=0 stays short */
    for (uint32_t f = 0; f < 5; f++) {
        struct pkt p = tcp4(0x0a000100 + f, 5000);
        for (uint32_t i = 0; i < THRESH + 10 * f; i++) {
            struct fc_key k;
            struct fc_meta m;
            extract(&p, 1, FC_PROTO_TCP, &k, &m);
            m.len = 100;
            flow_table_classify(t, &k, &m, 1000 + i);
        }
    }
    flow_table_sweep(t, 5000, 1000);
    assert_int_equal(flow_table_top(t, 5000, top, 8), 0);   /* pass not complete */
    flow_table_sweep(t, 5000, 24);
    unsigned n = flow_table_top(t, 11000, top, 8);
    assert_int_equal(n, 4);
    for (unsigned i = 0; i < n; i++) {
        uint32_t f = 4 - i;
        assert_int_equal(top[i].key.saddr, htonl(0x0a000100 + f));
        assert_int_equal(top[i].packets, THRESH + 10 * f);
        assert_int_equal(top[i].bytes, 100ull * (THRESH + 10 * f));
        /* born at tick 1000 (stored at 32-tick resolution), now 11000 */
        assert_true(top[i].age_ms >= 10000 - 32 && top[i].age_ms <= 10000 + 32);
        assert_int_equal(top[i].idle_ms, 5000 - (1000 + THRESH + 10 * f - 1));
    }
    assert_int_equal(flow_table_top(t, 11000, top, 2), 2);
    assert_int_equal(top[1].packets, THRESH + 30);
    flow_table_destroy(t);
}

static void test_params(void **state)
{
    struct flow_table_params p = {.capacity = 1000, .threshold = 20, .idle = 1, .hz = 1};
    (void)state;

    assert_null(flow_table_create(&p));         /* not a power of two */
    p.capacity = 32;
    assert_null(flow_table_create(&p));         /* too small */
    p.capacity = 64;
    p.threshold = 0;
    assert_null(flow_table_create(&p));
    p.threshold = 1;
    p.idle = 0;
    assert_null(flow_table_create(&p));
    p.idle = 1;
    size_t small = flow_table_mem_size(&p);
    assert_true(small > 64 * 80);
    p.capacity = 262144;
    /* 64-byte entry + a quarter of a 64-byte bucket per flow, plus a fixed
     * header (the top-list buffers) */
    assert_int_equal(flow_table_mem_size(&p) - 262144ull * 80, small - 64 * 80);
    assert_true(small - 64 * 80 < 16384);
}

/* ---- DSCP / ECN ---------------------------------------------------------- */

static void test_dscp(void **state)
{
    (void)state;
    for (unsigned ecn = 0; ecn < 4; ecn++) {
        for (unsigned dscp = 0; dscp < 64; dscp++) {
            struct pkt p = v4(6, 0xc0000201u + dscp, 0xc6336402u, 1, 2, 0, 0x10,
                              (uint16_t)(dscp * 3));
            uint8_t *ip = p.b + 14;
            ip[1] = (uint8_t)(((63 - dscp) << 2) | ecn);
            uint16_t c = 0;
            memcpy(ip + 10, &c, 2);
            c = htons(csum16(ip, 20));
            memcpy(ip + 10, &c, 2);
            int changed = fc_ipv4_set_dscp(ip, (uint8_t)dscp);
            assert_int_equal(changed, (63 - dscp) != dscp);
            assert_int_equal(ip[1], dscp << 2 | ecn);
            /* the incremental checksum equals a full recomputation: the
             * header sums to 0xffff (csum16 == 0) */
            assert_int_equal(csum16(ip, 20), 0);
            assert_int_equal(fc_ipv4_set_dscp(ip, (uint8_t)dscp), 0);
        }
    }
    /* RFC 1624's example: HC 0xdd2f, m 0x5555 -> m' 0x3285 gives 0x0000,
     * never 0xffff (-0) */
    assert_int_equal(fc_csum_replace16(0xdd2f, 0x5555, 0x3285), 0x0000);

    struct pkt q = v6(6, 1, 1);
    uint8_t *ip6 = q.b + 14;
    ip6[0] = 0x6a; ip6[1] = 0xb5;   /* TC 0xab (DSCP 42, ECN 3), flow label 5.... */
    assert_int_equal(fc_ipv6_tclass(ip6), 0xab);
    assert_int_equal(fc_ipv6_set_dscp(ip6, 10), 1);
    assert_int_equal(fc_ipv6_tclass(ip6), 10 << 2 | 3);
    assert_int_equal(ip6[0] >> 4, 6);
    assert_int_equal(ip6[1] & 0xf, 5);

    /* inner TOS -> outer TOS, RFC 6040 normal mode: ECN copied */
    struct pkt r = v4(6, 1, 2, 3, 4, 7, 0x10, 0);
    struct fc_key k;
    struct fc_meta m;
    r.b[18 + 1] = 0xbb;     /* DSCP 46, ECN CE */
    extract(&r, 1, FC_PROTO_TCP, &k, &m);
    assert_int_equal(fc_inner_tos(r.b, &m), 0xbb);
    assert_int_equal(fc_outer_tos(10, fc_inner_tos(r.b, &m)), 10 << 2 | 3);
    extract(&q, 1, FC_PROTO_TCP, &k, &m);
    assert_int_equal(fc_inner_tos(q.b, &m), 10 << 2 | 3);
    memset(&r, 0, sizeof(r));
    r.b[12] = 0x08; r.b[13] = 0x06; r.len = 60;
    extract(&r, 1, FC_PROTO_TCP, &k, &m);
    assert_int_equal(fc_inner_tos(r.b, &m), 0);
    assert_int_equal(fc_outer_tos(46, 0x03), 46 << 2 | 3);
    assert_int_equal(fc_outer_tos(10, 0xb9), 10 << 2 | 1);
}

/* fc_extract_fast() either declines (-1) or gives exactly what
 * fc_extract() gives, key and meta, on random frames near the shape it
 * takes (IPv4 untagged, TCP/UDP) and on every truncation of them; it takes
 * the common frames. */
static void test_extract_fast_equals_extract(void **state)
{
    uint64_t x = 0x1234567887654321ull;
    unsigned taken = 0, declined = 0;
    (void)state;

    for (unsigned it = 0; it < 20000; it++) {
        uint8_t f[80];
        struct fc_key ka, kb;
        struct fc_meta ma, mb;
        uint32_t protos = (it & 3) ? FC_PROTO_TCP | FC_PROTO_UDP : (it & 4) ? FC_PROTO_TCP : FC_PROTO_UDP;
        uint32_t len;

        for (unsigned i = 0; i < sizeof(f); i++) {
            x ^= x << 13; x ^= x >> 7; x ^= x << 17;
            f[i] = (uint8_t)x;
        }
        /* mostly the fast shape, each condition broken now and then */
        if (it % 13) { f[12] = 0x08; f[13] = 0x00; }
        if (it % 7) f[14] = 0x45;
        if (it % 5) { f[20] &= 0x40; f[21] = 0; }
        if (it % 9) f[23] = (it & 8) ? 6 : 17;
        len = 40 + (uint32_t)(x % 41);
        memset(&ka, 0xa5, sizeof(ka));
        memset(&kb, 0xa5, sizeof(kb));
        memset(&ma, 0x5a, sizeof(ma));
        memset(&mb, 0x5a, sizeof(mb));
        if (fc_extract_fast(f, f + len, 0xabcdef, protos, &ka, &ma) != FC_OK) {
            declined++;
            continue;
        }
        taken++;
        ma.len = mb.len = 0;
        assert_int_equal(fc_extract(f, f + len, 0xabcdef, protos, &kb, &mb), FC_OK);
        mb.len = 0;
        assert_memory_equal(&ka, &kb, sizeof(ka));
        assert_memory_equal(&ma, &mb, sizeof(ma));
    }
    assert_true(taken > 5000);
    assert_true(declined > 5000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_extract_tcp4),
        cmocka_unit_test(test_tcp_only_default),
        cmocka_unit_test(test_non_ip_and_fragments),
        cmocka_unit_test(test_rules),
        cmocka_unit_test(test_boundary),
        cmocka_unit_test(test_eviction_at_idle),
        cmocka_unit_test(test_table_full),
        cmocka_unit_test(test_vnis_apart),
        cmocka_unit_test(test_syn_restarts_fin_rst_do_not_end),
        cmocka_unit_test(test_bulk_equals_single),
        cmocka_unit_test(test_account_live),
        cmocka_unit_test(test_fill_drain_refill),
        cmocka_unit_test(test_fill_random_to_capacity),
        cmocka_unit_test(test_top),
        cmocka_unit_test(test_params),
        cmocka_unit_test(test_dscp),
        cmocka_unit_test(test_extract_fast_equals_extract),
    };
    return cmocka_run_group_tests_name("flow_table", tests, NULL, NULL);
}
