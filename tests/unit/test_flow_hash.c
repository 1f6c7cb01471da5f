/* Unit tests: flow hash (dataplane/flow_hash.c): UDP source port range and
 * spread, per-flow stability, each field set of the policy. */
#include <errno.h>
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "flow_hash.h"
#include "guard_buf.h"

/* Untagged Ethernet/IPv4/UDP frame; returns its length. */
static uint32_t udp4(uint8_t *f, uint32_t sip, uint32_t dip, uint16_t sp, uint16_t dp, uint8_t proto)
{
    memset(f, 0, 64);
    f[0] = 0x02; f[5] = 0x02;
    f[6] = 0x02; f[11] = 0x01;
    f[12] = 0x08; f[13] = 0x00;
    f[14] = 0x45;
    f[23] = proto;
    memcpy(f + 26, &sip, 4);
    memcpy(f + 30, &dip, 4);
    f[34] = (uint8_t)(sp >> 8); f[35] = (uint8_t)sp;
    f[36] = (uint8_t)(dp >> 8); f[37] = (uint8_t)dp;
    return 64;
}

static struct flow_hash_policy policy(const char *const *names, int n)
{
    struct flow_hash_policy p;
    char buf[16][32];

    for (int i = 0; i < n; i++)
        snprintf(buf[i], sizeof(buf[i]), "%s", names[i]);
    assert_int_equal(flow_hash_policy_init(&p, (const char (*)[32])buf, n), 0);
    return p;
}

static void test_names(void **state)
{
    struct flow_hash_policy p;
    char bad[1][32] = {"colour"};
    (void)state;

    for (int f = 0; f < FH_NUM_FIELDS; f++)
        assert_int_equal(flow_hash_field_from_name(flow_hash_field_name((enum flow_hash_field)f)), f);
    assert_int_equal(flow_hash_field_from_name("colour"), -ENOENT);
    assert_int_equal(flow_hash_policy_init(&p, (const char (*)[32])bad, 1), -EINVAL);
    assert_int_equal(flow_hash_policy_init(&p, NULL, 0), 0);
    assert_int_equal(p.fields, FH_DEFAULT_FIELDS);
}

static void test_sport_range_and_spread(void **state)
{
    struct flow_hash_policy p;
    static unsigned hist[16384];
    uint8_t f[64];
    unsigned distinct = 0;
    const unsigned flows = 200000;
    (void)state;

    flow_hash_policy_init(&p, NULL, 0);
    memset(hist, 0, sizeof(hist));
    for (unsigned i = 0; i < flows; i++) {
        udp4(f, htonl(0xCB007100u + (i & 0xff)), htonl(0xC6336400u + (i >> 8)),
             (uint16_t)(1024 + i * 7), 80, 6);
        uint16_t sp = flow_hash_udp_sport(flow_hash(&p, f, 64, 100, 0, 0));
        assert_true(sp >= 49152);
        hist[sp - 49152]++;
    }
    for (unsigned i = 0; i < 16384; i++)
        distinct += hist[i] != 0;
    /* 200,000 flows into 16,384 ports: nearly every port used, and no port
     * holds more than ~3x its fair share (12.2) */
    assert_true(distinct > 16000);
    for (unsigned i = 0; i < 16384; i++)
        assert_true(hist[i] < 40);
    /* every value of the hash maps into the range */
    for (uint64_t h = 0; h < (1ull << 32); h += 65537)
        assert_true(flow_hash_udp_sport((uint32_t)h) >= 49152);
    assert_true(flow_hash_udp_sport(0xffffffffu) >= 49152);
}

static void test_stable_per_flow(void **state)
{
    struct flow_hash_policy p;
    uint8_t a[64], b[64];
    (void)state;

    flow_hash_policy_init(&p, NULL, 0);
    udp4(a, inet_addr("203.0.113.1"), inet_addr("203.0.113.2"), 1000, 80, 17);
    udp4(b, inet_addr("203.0.113.1"), inet_addr("203.0.113.2"), 1000, 80, 17);
    b[60] = 0x55;                        /* payload differs */
    b[18] = 0x12;                        /* IPv4 id differs */
    assert_int_equal(flow_hash(&p, a, 64, 1, 2, 3), flow_hash(&p, b, 64, 1, 2, 3));
    b[37] = 81;                          /* destination port differs */
    assert_int_not_equal(flow_hash(&p, a, 64, 1, 2, 3), flow_hash(&p, b, 64, 1, 2, 3));
}

/* Changing a field changes the hash iff the policy includes the field. */
static void test_each_field(void **state)
{
    static const char *const all[] = {"inner_src_mac", "inner_dst_mac", "inner_ethertype",
        "inner_src_ip", "inner_dst_ip", "inner_proto", "inner_src_port", "inner_dst_port",
        "vni", "outer_src_ip", "outer_dst_ip"};
    (void)state;

    for (int f = 0; f < FH_NUM_FIELDS; f++) {
        struct flow_hash_policy only = policy(&all[f], 1);
        for (int g = 0; g < FH_NUM_FIELDS; g++) {
            uint8_t a[64], b[64];
            uint32_t vni = 100, vni2 = 100, os = 1, os2 = 1, od = 2, od2 = 2;

            udp4(a, inet_addr("203.0.113.1"), inet_addr("203.0.113.2"), 1000, 80, 17);
            memcpy(b, a, 64);
            switch (g) {
            case FH_INNER_SRC_MAC: b[11] ^= 1; break;
            case FH_INNER_DST_MAC: b[5] ^= 1; break;
            case FH_INNER_ETHERTYPE: continue;   /* changes the parse; below */
            case FH_INNER_SRC_IP: b[29] ^= 1; break;
            case FH_INNER_DST_IP: b[33] ^= 1; break;
            case FH_INNER_PROTO: b[23] = 6; break;
            case FH_INNER_SRC_PORT: b[35] ^= 1; break;
            case FH_INNER_DST_PORT: b[37] ^= 1; break;
            case FH_VNI: vni2 = 101; break;
            case FH_OUTER_SRC_IP: os2 = 9; break;
            case FH_OUTER_DST_IP: od2 = 9; break;
            }
            uint32_t ha = flow_hash(&only, a, 64, vni, os, od);
            uint32_t hb = flow_hash(&only, b, 64, vni2, os2, od2);
            if (f == g)
                assert_int_not_equal(ha, hb);
            else
                assert_int_equal(ha, hb);
        }
    }
}

static void test_non_ip_uses_l2(void **state)
{
    struct flow_hash_policy p;
    uint8_t a[64], b[64];
    (void)state;

    flow_hash_policy_init(&p, NULL, 0);          /* default: inner 5-tuple */
    udp4(a, 0, 0, 0, 0, 0);
    a[12] = 0x08; a[13] = 0x06;                  /* ARP */
    memcpy(b, a, 64);
    b[11] ^= 1;                                  /* other source MAC */
    assert_int_not_equal(flow_hash(&p, a, 64, 1, 0, 0), flow_hash(&p, b, 64, 1, 0, 0));
    memcpy(b, a, 64);
    b[13] = 0x35;                                /* RARP */
    assert_int_not_equal(flow_hash(&p, a, 64, 1, 0, 0), flow_hash(&p, b, 64, 1, 0, 0));
}

static void test_ipv6_and_vlan(void **state)
{
    struct flow_hash_policy p;
    uint8_t a[80], b[80];
    (void)state;

    flow_hash_policy_init(&p, NULL, 0);
    memset(a, 0, sizeof(a));
    a[12] = 0x86; a[13] = 0xdd;
    a[14] = 0x60;
    a[20] = 17;                                  /* next header UDP */
    a[22 + 15] = 1;                              /* src ::1 */
    a[38 + 15] = 2;                              /* dst ::2 */
    a[54] = 0x04; a[55] = 0x00;                  /* sport 1024 */
    a[56] = 0x00; a[57] = 0x35;                  /* dport 53 */
    memcpy(b, a, sizeof(a));
    b[55] = 1;
    assert_int_not_equal(flow_hash(&p, a, 80, 1, 0, 0), flow_hash(&p, b, 80, 1, 0, 0));
    memcpy(b, a, sizeof(a));
    b[38 + 3] = 9;
    assert_int_not_equal(flow_hash(&p, a, 80, 1, 0, 0), flow_hash(&p, b, 80, 1, 0, 0));

    /* a tagged frame hashes like the same frame untagged */
    uint8_t u[64], t[68];
    udp4(u, inet_addr("203.0.113.1"), inet_addr("203.0.113.2"), 1000, 80, 17);
    memcpy(t, u, 12);
    t[12] = 0x81; t[13] = 0x00; t[14] = 0; t[15] = 10;
    memcpy(t + 16, u + 12, 52);
    assert_int_equal(flow_hash(&p, u, 64, 1, 0, 0), flow_hash(&p, t, 68, 1, 0, 0));
}

/* Every truncation of a frame: the hash reads nothing past len (the frame
 * ends at an inaccessible page, and bytes past len do not change it), and
 * it depends on exactly the headers that fit: L2 fields until the IPv4
 * header is whole, then the addresses, then the ports too. */
static void test_short_frames(void **state)
{
    struct flow_hash_policy p;
    struct guard_buf gb;
    uint8_t f[64], g[64];
    uint32_t h[65];
    (void)state;

    assert_int_equal(guard_buf_init(&gb, 64), 0);
    flow_hash_policy_init(&p, NULL, 0);
    udp4(f, inet_addr("203.0.113.1"), inet_addr("203.0.113.2"), 1000, 80, 17);
    for (uint32_t l = 0; l <= 64; l++) {
        h[l] = flow_hash(&p, guard_buf_put(&gb, f, l), l, 1, 2, 3);
        /* what lies past len is not the frame */
        memcpy(g, f, l);
        memset(g + l, 0xa5, 64 - l);
        assert_int_equal(flow_hash(&p, g, l, 1, 2, 3), h[l]);
        memset(g + l, 0x00, 64 - l);
        assert_int_equal(flow_hash(&p, g, l, 1, 2, 3), h[l]);
    }
    /* shorter than an Ethernet header: the length alone, one value each */
    for (uint32_t l = 0; l < 14; l++)
        for (uint32_t k = 0; k < l; k++)
            assert_int_not_equal(h[l], h[k]);
    /* Ethernet but no whole IPv4 header: MACs and ethertype */
    for (uint32_t l = 15; l < 34; l++)
        assert_int_equal(h[l], h[14]);
    /* IPv4 without the ports, then with them */
    for (uint32_t l = 35; l < 38; l++)
        assert_int_equal(h[l], h[34]);
    for (uint32_t l = 39; l <= 64; l++)
        assert_int_equal(h[l], h[38]);
    assert_int_not_equal(h[14], h[34]);
    assert_int_not_equal(h[34], h[38]);
    assert_int_not_equal(h[13], h[14]);
    /* the same for every field at once, tagged and IPv6 frames */
    p.fields = (1u << FH_NUM_FIELDS) - 1;
    p.seed = 1;
    for (int kind = 0; kind < 2; kind++) {
        memset(f, 0, sizeof(f));
        if (kind == 0) {
            udp4(g, 1, 2, 3, 4, 6);
            memcpy(f, g, 12);
            f[12] = 0x81; f[13] = 0x00; f[15] = 7;
            memcpy(f + 16, g + 12, 48);
        } else {
            f[12] = 0x86; f[13] = 0xdd; f[14] = 0x60; f[20] = 17;
            f[37] = 1; f[53] = 2; f[54] = 4; f[57] = 53;
        }
        for (uint32_t l = 0; l <= 64; l++) {
            uint32_t x = flow_hash(&p, guard_buf_put(&gb, f, l), l, 1, 2, 3);
            memcpy(g, f, l);
            memset(g + l, 0xff, 64 - l);
            assert_int_equal(flow_hash(&p, g, l, 1, 2, 3), x);
        }
    }
    guard_buf_free(&gb);
}

/* flow_hash_5tuple_key() on fc_extract()'s key equals flow_hash() under the
 * default policy on the frame, for every frame that fc_extract() keys:
 * IPv4 (with options) and IPv6, TCP and UDP, tagged or not, random
 * addresses, ports and seeds, every truncation; frames it does not key
 * (fragments, ICMP, short ones) are left to flow_hash(). The same for
 * flow_hash_ipv4_fast(), which must hash every untagged IPv4 TCP/UDP
 * frame without options of 38 bytes or more, and nothing else. */
static void test_5tuple_key_equals_flow_hash(void **state)
{
    struct flow_hash_policy p;
    uint64_t x = 0x9d2c5680a5a5a5a5ull;
    unsigned keyed = 0, not_keyed = 0, fast_hits = 0;
    (void)state;

    flow_hash_policy_init(&p, NULL, 0);
    for (unsigned it = 0; it < 4000; it++) {
        uint8_t f[128];
        uint32_t off = 14, l4, len;
        struct fc_key k;
        struct fc_meta m;
        int v6 = it & 1, tag = (it >> 1) & 1, tcp = (it >> 2) & 1;
        unsigned opt = v6 ? 0 : ((it >> 3) & 3) * 4;     /* IPv4 options */

        for (unsigned i = 0; i < sizeof(f); i++) {
            x ^= x << 13; x ^= x >> 7; x ^= x << 17;
            f[i] = (uint8_t)x;
        }
        p.seed = (uint32_t)(x >> 20);
        if (tag) {
            f[12] = 0x81; f[13] = 0x00;
            off = 18;
        }
        f[off - 2] = v6 ? 0x86 : 0x08;
        f[off - 1] = v6 ? 0xdd : 0x00;
        if (v6) {
            f[off] = (uint8_t)(0x60 | (f[off] & 0xf));
            f[off + 6] = tcp ? 6 : 17;
            l4 = off + 40;
        } else {
            f[off] = (uint8_t)(0x40 | (5 + opt / 4));
            f[off + 6] &= (it % 7) ? 0x40 : 0xff;        /* some fragments */
            f[off + 7] = (it % 7) ? 0 : f[off + 7];
            f[off + 9] = (it % 11) ? (tcp ? 6 : 17) : 1; /* some ICMP */
            l4 = off + 20 + opt;
        }
        len = l4 + (tcp ? 20 : 8) + (it % 5);
        for (uint32_t l = len; l + 24 >= len && l >= 14; l -= 3) {
            uint32_t fast;

            /* the access fast path's hash: flow_hash()'s value or nothing */
            if (flow_hash_ipv4_fast(&p, f, l, &fast)) {
                assert_int_equal(fast, flow_hash(&p, f, l, 7, 1, 2));
                assert_false(tag || v6 || opt);
                fast_hits++;
            } else if (!tag && !v6 && !opt && l >= 38 && (it % 7) && (it % 11)) {
                fail_msg("frame %u, %u bytes: plain IPv4 %s not hashed fast", it, l,
                         tcp ? "TCP" : "UDP");
            }
            if (fc_extract(f, f + l, 7, FC_PROTO_TCP | FC_PROTO_UDP, &k, &m) != FC_OK) {
                not_keyed++;
                continue;
            }
            keyed++;
            assert_int_equal(flow_hash_5tuple_key(&p, &k), flow_hash(&p, f, l, 7, 1, 2));
        }
    }
    /* 36,000 frames: about 8,500 keyed (the rest truncated, fragments,
     * ICMP) */
    assert_true(keyed > 5000);
    assert_true(not_keyed > 5000);
    assert_true(fast_hits > 500);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_sport_range_and_spread),
        cmocka_unit_test(test_stable_per_flow),
        cmocka_unit_test(test_each_field),
        cmocka_unit_test(test_non_ip_uses_l2),
        cmocka_unit_test(test_ipv6_and_vlan),
        cmocka_unit_test(test_short_frames),
        cmocka_unit_test(test_5tuple_key_equals_flow_hash),
    };
    return cmocka_run_group_tests_name("flow_hash", tests, NULL, NULL);
}
