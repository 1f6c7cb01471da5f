/* Unit tests: VXLAN outer header building and underlay classification
 * (dataplane/vxlan_encap.c, dataplane/vxlan_decap.c). */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "vxlan.h"

static const uint8_t nh_mac[6] = {0x02, 0, 0, 0, 0x01, 0x01};
static const uint8_t port_mac[6] = {0x02, 0, 0, 0, 0, 0x01};

static uint16_t rd16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }

/* Reference IPv4 header checksum, computed from scratch. */
static uint16_t ref_cksum(const uint8_t *ip)
{
    uint32_t s = 0;
    for (int i = 0; i < 20; i += 2)
        if (i != 10)
            s += rd16(ip + i);
    while (s >> 16)
        s = (s & 0xffff) + (s >> 16);
    return (uint16_t)~s;
}

static void test_encap_fields(void **state)
{
    struct vxlan_tmpl t;
    uint8_t h[VXLAN_ENCAP_LEN];
    uint32_t src = inet_addr("192.0.2.1"), dst = inet_addr("198.51.100.2");
    (void)state;

    vxlan_tmpl_init(&t, nh_mac, port_mac, src, 64, 4789);
    vxlan_encap_write(h, &t, dst, 0xC123, 0xABCDEF, 64, 46 << 2);
    assert_memory_equal(h, nh_mac, 6);
    assert_memory_equal(h + 6, port_mac, 6);
    assert_int_equal(rd16(h + 12), 0x0800);
    assert_int_equal(h[14], 0x45);
    assert_int_equal(h[15], 46 << 2);                /* DSCP 46, ECN 0 */
    assert_int_equal(rd16(h + 16), 64 + 36);          /* IPv4 total length */
    assert_int_equal(rd16(h + 18), 0);                /* id */
    assert_int_equal(rd16(h + 20), 0x4000);           /* DF, offset 0 */
    assert_int_equal(h[22], 64);
    assert_int_equal(h[23], 17);
    assert_int_equal(rd16(h + 24), ref_cksum(h + 14));
    assert_memory_equal(h + 26, &src, 4);
    assert_memory_equal(h + 30, &dst, 4);
    assert_int_equal(rd16(h + 34), 0xC123);
    assert_int_equal(rd16(h + 36), 4789);
    assert_int_equal(rd16(h + 38), 64 + 16);          /* UDP length */
    assert_int_equal(rd16(h + 40), 0);                /* UDP checksum 0 */
    assert_int_equal(h[42], 0x08);
    assert_int_equal(h[43] | h[44] | h[45], 0);
    assert_int_equal(h[46], 0xAB);
    assert_int_equal(h[47], 0xCD);
    assert_int_equal(h[48], 0xEF);
    assert_int_equal(h[49], 0);
}

static void test_encap_checksum_many(void **state)
{
    struct vxlan_tmpl t;
    uint8_t h[VXLAN_ENCAP_LEN];
    (void)state;

    /* the incremental checksum must match a full one for every length,
     * destination, TTL and DSCP, including the carries */
    for (unsigned ttl = 1; ttl < 256; ttl += 37) {
        vxlan_tmpl_init(&t, nh_mac, port_mac, htonl(0xC0000201u + ttl * 0x01010101u),
                        (uint8_t)ttl, 4789);
        for (uint32_t len = 14; len < 9000; len += 97)
            for (uint32_t d = 0; d < 64; d++) {
                uint32_t dst = htonl(0xFFFF0000u ^ (d * 0x9E3779B9u));
                vxlan_encap_write(h, &t, dst, 49152, d, (uint16_t)len, (uint8_t)((d & 63) << 2 | (d & 3)));  /* DSCP and ECN */
                assert_int_equal(rd16(h + 24), ref_cksum(h + 14));
            }
    }
}

/* A header prepared once per run and next hop (vxlan_prep) gives the same
 * 50 bytes as vxlan_encap_write_run, for every length, destination, TTL,
 * VNI, UDP source port and TOS, the checksum carries included; the bytes
 * it leaves out of its copy (the total length) are written. */
static void test_encap_prep_same(void **state)
{
    struct vxlan_tmpl t;
    struct vxlan_run r;
    struct vxlan_prep p;
    uint8_t a[VXLAN_ENCAP_LEN], b[VXLAN_ENCAP_LEN];
    (void)state;

    for (unsigned ttl = 1; ttl < 256; ttl += 37) {
        vxlan_tmpl_init(&t, nh_mac, port_mac, htonl(0xC0000201u + ttl * 0x01010101u),
                        (uint8_t)ttl, 4789);
        for (uint32_t d = 0; d < 64; d++) {
            uint32_t dst = htonl(0xFFFF0000u ^ (d * 0x9E3779B9u));

            vxlan_run_init(&r, dst, d * 0x3FFFFu & 0xFFFFFFu, (uint8_t)(d * 37));
            vxlan_prep_init(&p, &t, &r);
            for (uint32_t len = 14; len < 9000; len += 97) {
                uint16_t sport = (uint16_t)(0xC000u | (len * d));

                memset(a, 0xA5, sizeof(a));
                memset(b, 0x5A, sizeof(b));
                vxlan_encap_write_run(a, &t, &r, sport, (uint16_t)len);
                vxlan_encap_write_prep(b, &p, sport, (uint16_t)len);
                assert_memory_equal(a, b, VXLAN_ENCAP_LEN);
                assert_int_equal(rd16(b + 24), ref_cksum(b + 14));
            }
        }
    }
}

/* Build a VXLAN frame to us into buf; returns its length. */
static uint32_t make_vxlan(uint8_t *buf, uint32_t vni, uint32_t inner_len)
{
    struct vxlan_tmpl t;
    uint8_t peer_mac[6] = {0x02, 0, 0, 0, 0x01, 0x01};

    /* the peer sends to our port MAC and our address */
    vxlan_tmpl_init(&t, port_mac, peer_mac, inet_addr("198.51.100.2"), 64, 4789);
    vxlan_encap_write(buf, &t, inet_addr("192.0.2.1"), 50000, vni, (uint16_t)inner_len, 0);
    for (uint32_t i = 0; i < inner_len; i++)
        buf[VXLAN_ENCAP_LEN + i] = (uint8_t)(i * 7);
    return VXLAN_ENCAP_LEN + inner_len;
}

static void fix_cksum(uint8_t *b)
{
    uint16_t c;
    b[24] = b[25] = 0;
    c = ref_cksum(b + 14);
    b[24] = (uint8_t)(c >> 8);
    b[25] = (uint8_t)c;
}

static const struct underlay_params up = {
    .udp_port = 4789,
    .port_mac = {0x02, 0, 0, 0, 0, 0x01},
};

static enum underlay_class classify(uint8_t *b, uint32_t len, struct underlay_result *r)
{
    struct underlay_params p = up;
    p.local_ip = inet_addr("192.0.2.1");
    return underlay_classify(b, len, &p, 0, r);
}

static void expect_class(uint8_t *b, uint32_t len, enum underlay_class cls, enum drop_reason why)
{
    struct underlay_result r;
    assert_int_equal(classify(b, len, &r), cls);
    assert_string_equal(drop_reason_name(r.drop), drop_reason_name(why));
}

static void expect_drop(uint8_t *b, uint32_t len, enum drop_reason why)
{
    expect_class(b, len, UL_DROP, why);
}

/* For this host, not for the dataplane: the kernel's (exception path), or
 * dropped for `why` when the port has none. */
static void expect_host(uint8_t *b, uint32_t len, enum drop_reason why)
{
    expect_class(b, len, UL_HOST, why);
}

static void test_decap_ok(void **state)
{
    uint8_t b[256];
    uint32_t len = make_vxlan(b, 100, 60);
    struct underlay_result r;
    (void)state;

    assert_int_equal(classify(b, len, &r), UL_VXLAN);
    assert_int_equal(r.vni, 100);
    assert_int_equal(r.inner_off, 50);
    assert_int_equal(r.inner_len, 60);
    assert_int_equal(r.outer_src, inet_addr("198.51.100.2"));
    /* Ethernet padding after the IPv4 packet is ignored */
    assert_int_equal(classify(b, len + 10, &r), UL_VXLAN);
    assert_int_equal(r.inner_len, 60);
    /* reserved flag bits are ignored on receipt (RFC 7348) */
    b[42] = 0xFF;
    b[49] = 0xFF;
    assert_int_equal(classify(b, len, &r), UL_VXLAN);
}

static void test_decap_drops(void **state)
{
    uint8_t b[256], o[256];
    uint32_t len = make_vxlan(o, 100, 60);
    (void)state;

    memcpy(b, o, len);
    expect_drop(b, 13, DROP_UNDERLAY_RUNT);
    b[0] = 0x04;
    expect_drop(b, len, DROP_UNDERLAY_NOT_FOR_US);    /* another host's unicast */
    b[0] = 0x01;
    expect_host(b, len, DROP_UNDERLAY_NOT_FOR_US);    /* a group (LLDP, ...) */
    memcpy(b, o, len);
    b[12] = 0x86; b[13] = 0xdd;
    expect_host(b, len, DROP_UNDERLAY_ETHERTYPE);
    memcpy(b, o, len);
    expect_drop(b, 30, DROP_IP_BAD_HEADER);           /* IPv4 header cut */
    b[14] = 0x65; fix_cksum(b);                       /* version 6 */
    expect_drop(b, len, DROP_IP_BAD_HEADER);
    memcpy(b, o, len);
    b[14] = 0x44; fix_cksum(b);                       /* IHL 16 bytes */
    expect_drop(b, len, DROP_IP_BAD_HEADER);
    memcpy(b, o, len);
    b[16] = 0x01; b[17] = 0x00; fix_cksum(b);         /* total length past the frame */
    expect_drop(b, len, DROP_IP_BAD_HEADER);
    memcpy(b, o, len);
    b[25] ^= 1;                                       /* bad checksum */
    expect_drop(b, len, DROP_IP_BAD_HEADER);
    memcpy(b, o, len);
    b[33] = 9; fix_cksum(b);                          /* 192.0.2.9 */
    expect_host(b, len, DROP_IP_NOT_LOCAL);
    memcpy(b, o, len);
    b[20] = 0x20; fix_cksum(b);                       /* MF */
    expect_host(b, len, DROP_IP_FRAGMENT);
    memcpy(b, o, len);
    b[20] = 0x40; b[21] = 0x10; fix_cksum(b);         /* DF + offset */
    expect_host(b, len, DROP_IP_FRAGMENT);
    memcpy(b, o, len);
    b[23] = 6; fix_cksum(b);                          /* TCP */
    expect_host(b, len, DROP_IP_NOT_UDP);
    memcpy(b, o, len);
    b[38] = 0x10; b[39] = 0x00;                       /* UDP length > IP payload */
    expect_drop(b, len, DROP_UDP_BAD_LENGTH);
    memcpy(b, o, len);
    b[38] = 0; b[39] = 7;                             /* UDP length < 8 */
    expect_drop(b, len, DROP_UDP_BAD_LENGTH);
    memcpy(b, o, len);
    b[36] = 0x12; b[37] = 0xb6;                       /* port 4790 */
    expect_host(b, len, DROP_UDP_WRONG_PORT);
    memcpy(b, o, len);
    b[42] = 0x00;                                     /* I flag clear */
    expect_drop(b, len, DROP_VXLAN_BAD_FLAGS);

    /* VXLAN header present but no complete inner Ethernet header */
    len = make_vxlan(b, 100, 10);
    expect_drop(b, len, DROP_VXLAN_TRUNCATED);
    len = make_vxlan(b, 100, 0);
    expect_drop(b, len, DROP_VXLAN_TRUNCATED);
}

static void test_punts(void **state)
{
    uint8_t b[256];
    uint32_t len = make_vxlan(b, 100, 60);
    struct underlay_result r;
    (void)state;

    b[36] = 0x0e; b[37] = 0xc8;                       /* UDP 3784: BFD */
    assert_int_equal(classify(b, len, &r), UL_BFD);
    assert_int_equal(r.outer_src, inet_addr("198.51.100.2"));
    /* BFD to another address of the host (a session bfdd runs from the
     * address it peers from): the BFD thread's too */
    b[33] = 9; fix_cksum(b);                          /* to 192.0.2.9 */
    assert_int_equal(classify(b, len, &r), UL_BFD);
    assert_int_equal(r.outer_src, inet_addr("198.51.100.2"));
    b[20] = 0x20; fix_cksum(b);                       /* ... but a fragment: the kernel's */
    expect_host(b, len, DROP_IP_NOT_LOCAL);
    b[20] = 0x00; b[23] = 6; fix_cksum(b);            /* TCP to port 3784: the kernel's */
    expect_host(b, len, DROP_IP_NOT_LOCAL);
    b[23] = 17; b[36] = 0x0e; b[37] = 0xc9; fix_cksum(b);   /* UDP 3785 (echo): the kernel's */
    expect_host(b, len, DROP_IP_NOT_LOCAL);
    b[36] = 0x0e; b[37] = 0xc8;
    b[16] = 0; b[17] = 20 + 7; fix_cksum(b);          /* IP payload too short for UDP */
    expect_host(b, 14 + 27, DROP_IP_NOT_LOCAL);
    memset(b, 0xff, 6);
    b[12] = 0x08; b[13] = 0x06;                       /* ARP, broadcast */
    assert_int_equal(classify(b, 42, &r), UL_ARP);
}

static void test_truncation_never_reads_past(void **state)
{
    uint8_t o[256];
    uint32_t len = make_vxlan(o, 7, 64);
    struct underlay_result r;
    (void)state;

    /* every prefix must be rejected cleanly (ASan catches over-reads) */
    for (uint32_t l = 0; l < len - 50; l++) {
        uint8_t *b = malloc(l ? l : 1);
        memcpy(b, o, l);
        enum underlay_class c = classify(b, l, &r);
        assert_int_equal(c, UL_DROP);
        free(b);
    }
}

/* underlay_rx_fast against underlay_classify_seg: a frame the fast check
 * accepts is UL_VXLAN with the same VNI, source and inner length, at inner
 * offset 50; a frame underlay_classify_seg accepts at offset 50 with the
 * 64 header bytes in the first segment is accepted by the fast check too.
 * Frames: valid ones, then each with one byte of the first 64 changed (to
 * several values), then with lengths cut and segments split; with and
 * without the hardware's checksum verdict. */
static void check_fast_agrees(const uint8_t *b, uint32_t seg, uint32_t len, int csum_good,
                              unsigned *n_fast, unsigned *n_slow_ok)
{
    struct underlay_params p = up;
    struct underlay_fast f;
    struct underlay_result r;
    enum underlay_class c;
    uint32_t vni = 0, src = 0, inner_len = 0;
    bool fast;

    p.local_ip = inet_addr("192.0.2.1");
    underlay_fast_init(&f, &p);
    fast = underlay_rx_fast(b, seg, len, &f, csum_good, &vni, &src, &inner_len);
    c = underlay_classify_seg(b, seg, len, &p, csum_good, &r);
    if (fast) {
        (*n_fast)++;
        assert_int_equal(c, UL_VXLAN);
        assert_int_equal(r.inner_off, UNDERLAY_FAST_INNER_OFF);
        assert_int_equal(vni, r.vni);
        assert_int_equal(src, r.outer_src);
        assert_int_equal(inner_len, r.inner_len);
    } else if (c == UL_VXLAN && r.inner_off == UNDERLAY_FAST_INNER_OFF && seg >= 64 && len >= 64) {
        fail_msg("fast check refused a frame underlay_classify_seg accepts at offset 50");
    }
    if (c == UL_VXLAN)
        (*n_slow_ok)++;
}

static void test_rx_fast_agrees(void **state)
{
    static const uint8_t vals[] = {0x00, 0x01, 0x08, 0x11, 0x20, 0x3f, 0x40, 0x45, 0x46,
                                   0x80, 0xc0, 0xfe, 0xff};
    uint8_t o[256], b[256];
    uint32_t len = make_vxlan(o, 0xABCDEF, 64);
    unsigned n_fast = 0, n_slow_ok = 0;
    (void)state;

    for (int good = 0; good <= 1; good++) {
        unsigned before = n_fast;

        check_fast_agrees(o, len, len, good, &n_fast, &n_slow_ok);
        check_fast_agrees(o, len, len + 20, good, &n_fast, &n_slow_ok);   /* padding */
        assert_int_equal(n_fast, before + 2);
        for (uint32_t off = 0; off < 64; off++) {
            for (unsigned v = 0; v < sizeof(vals); v++) {
                memcpy(b, o, len);
                if (b[off] == vals[v])
                    continue;
                b[off] = vals[v];
                check_fast_agrees(b, len, len, good, &n_fast, &n_slow_ok);
                if (off >= 14 && off < 34 && off != 24 && off != 25) {
                    fix_cksum(b);   /* the change alone, checksum valid */
                    check_fast_agrees(b, len, len, good, &n_fast, &n_slow_ok);
                }
            }
        }
        for (uint32_t l = 0; l <= len; l++)
            check_fast_agrees(o, l, len, good, &n_fast, &n_slow_ok);
        for (uint32_t l = 0; l <= len; l++)
            check_fast_agrees(o, l < 64 ? l : 64, l, good, &n_fast, &n_slow_ok);
    }
    /* both kinds were seen: frames both accept, frames both refuse */
    assert_true(n_fast > 100);
    assert_true(n_slow_ok >= n_fast);
    print_message("fast check: %u frames accepted, underlay_classify_seg: %u\n", n_fast,
                  n_slow_ok);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_encap_fields),
        cmocka_unit_test(test_encap_checksum_many),
        cmocka_unit_test(test_encap_prep_same),
        cmocka_unit_test(test_decap_ok),
        cmocka_unit_test(test_decap_drops),
        cmocka_unit_test(test_punts),
        cmocka_unit_test(test_truncation_never_reads_past),
        cmocka_unit_test(test_rx_fast_agrees),
    };
    return cmocka_run_group_tests_name("vxlan", tests, NULL, NULL);
}
