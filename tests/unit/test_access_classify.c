/* Unit tests: access port classification (dataplane/access_classify.c),
 * exhaustively: every truncation, every VLAN id with and without an
 * attachment, priority tags, every ethertype, every first octet of both
 * MACs, the link-local block and its edges, the order of the checks; and
 * never a byte read past len (the frame ends at an inaccessible page). */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "access_classify.h"
#include "dp.h"
#include "guard_buf.h"
#include "stage_harness.h"   /* h_eth_hdr() alone, no harness */

static struct guard_buf gb;
static uint16_t vmap[4096];

/* The contract of access_classify.h, written out independently. */
static enum access_class reference(const uint8_t *f, uint32_t len, uint16_t untagged,
                                   const uint16_t *vlan_attach, struct access_result *r)
{
    uint16_t a = untagged;
    bool tagged = false;
    static const uint8_t zero[6];

    if (len < 14) {
        r->drop = DROP_ACCESS_RUNT;
        return AC_DROP;
    }
    if (f[12] == 0x81 && f[13] == 0x00) {
        unsigned vid;
        if (len < 18) {
            r->drop = DROP_ACCESS_RUNT;
            return AC_DROP;
        }
        tagged = true;
        vid = (unsigned)(f[14] & 0x0f) << 8 | f[15];
        if (vid != 0)
            a = vlan_attach ? vlan_attach[vid] : DP_NO_ATTACH;
    }
    if (a == DP_NO_ATTACH) {
        r->drop = DROP_ACCESS_NO_VNI;
        return AC_DROP;
    }
    if ((f[6] & 1) || !memcmp(f + 6, zero, 6)) {
        r->drop = DROP_ACCESS_BAD_SRC_MAC;
        return AC_DROP;
    }
    r->attach = a;
    r->strip_tag = tagged;
    if (f[0] & 1) {
        if (f[0] == 0x01 && f[1] == 0x80 && f[2] == 0xc2 && f[3] == 0 && f[4] == 0 &&
            f[5] < 0x10) {
            r->drop = DROP_LINK_LOCAL;
            return AC_DROP;
        }
        return AC_BUM;
    }
    return AC_UNICAST;
}

/* Classify f[0..len) placed against the guard page and compare every
 * field that means something with the reference. */
static enum access_class check(const uint8_t *f, uint32_t len, uint16_t untagged,
                               const uint16_t *vlan_attach)
{
    struct access_result got, want;
    enum access_class cg, cw;
    const uint8_t *p = guard_buf_put(&gb, f, len);

    memset(&got, 0xee, sizeof(got));
    cg = access_classify(p, len, untagged, vlan_attach, &got);
    cw = reference(f, len, untagged, vlan_attach, &want);
    if (cg != cw || (cg == AC_DROP && got.drop != want.drop) ||
        (cg != AC_DROP && (got.attach != want.attach || got.strip_tag != want.strip_tag))) {
        print_error("len %u untagged %u map %s: got class %d drop %s attach %u strip %d, "
                    "want class %d drop %s attach %u strip %d\n", len, untagged,
                    vlan_attach ? "yes" : "NULL", cg,
                    cg == AC_DROP ? drop_reason_name(got.drop) : "-", got.attach,
                    got.strip_tag, cw, cw == AC_DROP ? drop_reason_name(want.drop) : "-",
                    want.attach, want.strip_tag);
        print_error("frame:");
        for (uint32_t i = 0; i < len && i < 20; i++)
            print_error(" %02x", f[i]);
        print_error("\n");
        fail();
    }
    return cg;
}

/* 64 bytes: the Ethernet header, then 0x5a. */
static void frame(uint8_t *f, const uint8_t *dst, const uint8_t *src, int tci, uint16_t etype)
{
    memset(f, 0x5a, 64);
    h_eth_hdr(f, dst, src, tci, etype);
}

static const uint8_t uc_dst[6] = {0x02, 0, 0, 0, 0xbb, 0x01};
static const uint8_t uc_src[6] = {0x02, 0, 0, 0, 0xaa, 0x01};

static int group_setup(void **state)
{
    (void)state;
    for (unsigned v = 0; v < 4096; v++)
        vmap[v] = v % 3 ? (uint16_t)(v * 7 % 30000) : DP_NO_ATTACH;
    return guard_buf_init(&gb, 4096);
}

static int group_teardown(void **state)
{
    (void)state;
    guard_buf_free(&gb);
    return 0;
}

static void test_runts(void **state)
{
    uint8_t f[64] __attribute__((aligned(8)));
    struct access_result r;
    (void)state;

    /* untagged: 0..13 bytes are runts whatever they hold */
    frame(f, uc_dst, uc_src, -1, 0x0800);
    for (uint32_t len = 0; len < 14; len++) {
        assert_int_equal(check(f, len, 5, vmap), AC_DROP);
        access_classify(guard_buf_put(&gb, f, len), len, 5, vmap, &r);
        assert_int_equal(r.drop, DROP_ACCESS_RUNT);
    }
    assert_int_equal(check(f, 14, 5, vmap), AC_UNICAST);
    /* tagged: the tag must be there too */
    frame(f, uc_dst, uc_src, 1, 0x0800);
    for (uint32_t len = 0; len < 18; len++) {
        assert_int_equal(check(f, len, 5, vmap), AC_DROP);
        access_classify(guard_buf_put(&gb, f, len), len, 5, vmap, &r);
        assert_int_equal(r.drop, DROP_ACCESS_RUNT);
    }
    assert_int_equal(check(f, 18, 5, vmap), AC_UNICAST);
    /* a runt is a runt even with no attachment, a bad source... */
    memset(f, 0xff, sizeof(f));
    for (uint32_t len = 0; len < 14; len++)
        check(f, len, DP_NO_ATTACH, NULL);
}

static void test_every_vlan(void **state)
{
    uint8_t f[64] __attribute__((aligned(8)));
    struct access_result r;
    (void)state;

    for (int tagged_map = 0; tagged_map < 2; tagged_map++)
        for (unsigned vid = 0; vid < 4096; vid++)
            for (unsigned pcp_dei = 0; pcp_dei < 16; pcp_dei++)
                for (int u = 0; u < 2; u++) {
                    uint16_t untagged = u ? 4242 : DP_NO_ATTACH;
                    const uint16_t *map = tagged_map ? vmap : NULL;
                    enum access_class c;

                    frame(f, uc_dst, uc_src, (int)(pcp_dei << 12 | vid), 0x0800);
                    c = check(f, 18 + (vid & 31), untagged, map);
                    access_classify(f, 64, untagged, map, &r);
                    if (vid == 0) {
                        /* priority tag: the untagged attachment, tag off */
                        assert_int_equal(c, u ? AC_UNICAST : AC_DROP);
                        if (u) {
                            assert_int_equal(r.attach, 4242);
                            assert_true(r.strip_tag);
                        }
                    } else if (map && vmap[vid] != DP_NO_ATTACH) {
                        assert_int_equal(c, AC_UNICAST);
                        assert_int_equal(r.attach, vmap[vid]);
                        assert_true(r.strip_tag);
                    } else {
                        assert_int_equal(c, AC_DROP);
                        assert_int_equal(r.drop, DROP_ACCESS_NO_VNI);
                    }
                }
}

static void test_every_ethertype(void **state)
{
    uint8_t f[64] __attribute__((aligned(8)));
    struct access_result r;
    (void)state;

    /* only 0x8100 is a tag; 802.1ad and the rest pass as untagged */
    for (uint32_t et = 0; et <= 0xffff; et++) {
        frame(f, uc_dst, uc_src, -1, (uint16_t)et);
        f[14] = 0x00;
        f[15] = 0x0a;       /* VLAN 10 if it were read as a tag */
        if (et == 0x8100) {
            assert_int_equal(check(f, 60, 9, vmap), AC_UNICAST);
            access_classify(f, 60, 9, vmap, &r);
            assert_int_equal(r.attach, vmap[10]);
            continue;
        }
        assert_int_equal(check(f, 14 + (et & 15), 9, vmap), AC_UNICAST);
        access_classify(f, 60, 9, vmap, &r);
        assert_int_equal(r.attach, 9);
        assert_false(r.strip_tag);
    }
}

static void test_every_source(void **state)
{
    static const uint8_t srcs[][6] = {
        {0, 0, 0, 0, 0, 0},
        {0, 0, 0, 0, 0, 1},
        {0x80, 0, 0, 0, 0, 0},
        {0xff, 0xff, 0xff, 0xff, 0xff, 0xff},
        {0x01, 0x80, 0xc2, 0, 0, 0},
        {0x33, 0x33, 0, 0, 0, 1},
    };
    uint8_t f[64] __attribute__((aligned(8))), src[6];
    int bad = 0;
    (void)state;

    for (unsigned o = 0; o < 256; o++)
        for (int tci = -1; tci <= 20; tci += 21) {
            memcpy(src, uc_src, 6);
            src[0] = (uint8_t)o;
            frame(f, uc_dst, src, tci, 0x0800);
            bad += check(f, 60, 3, vmap) == AC_DROP;
        }
    assert_int_equal(bad, 256);     /* the odd first octets, tagged and not */
    for (unsigned i = 0; i < RTE_DIM(srcs); i++) {
        frame(f, uc_dst, srcs[i], -1, 0x0800);
        assert_int_equal(check(f, 60, 3, vmap), i == 1 || i == 2 ? AC_UNICAST : AC_DROP);
    }
}

static void test_every_destination(void **state)
{
    uint8_t f[64] __attribute__((aligned(8))), dst[6];
    struct access_result r;
    unsigned n_ll = 0, n_bum = 0;
    (void)state;

    for (unsigned o = 0; o < 256; o++) {
        memcpy(dst, uc_dst, 6);
        dst[0] = (uint8_t)o;
        frame(f, dst, uc_src, -1, 0x0800);
        assert_int_equal(check(f, 60, 3, vmap), o & 1 ? AC_BUM : AC_UNICAST);
    }
    /* the link-local block 01:80:c2:00:00:00-0f and its neighbours */
    for (unsigned last = 0; last < 256; last++)
        for (unsigned v = 0; v < 6; v++) {
            uint8_t d[6] = {0x01, 0x80, 0xc2, 0, 0, (uint8_t)last};
            if (v < 5)
                d[v] ^= v == 0 ? 0x02 : 0x01;   /* one octet off the block */
            frame(f, d, uc_src, 20, 0x88cc);
            enum access_class c = check(f, 60, 3, vmap);
            access_classify(f, 60, 3, vmap, &r);
            if (c == AC_DROP) {
                assert_int_equal(r.drop, DROP_LINK_LOCAL);
                n_ll++;
            } else {
                assert_int_equal(c, AC_BUM);
                assert_int_equal(r.attach, vmap[20]);
                n_bum++;
            }
        }
    assert_int_equal(n_ll, 16);
    assert_int_equal(n_bum, 256 * 6 - 16);
    frame(f, (const uint8_t[6]){0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, uc_src, -1, 0x0806);
    assert_int_equal(check(f, 42, 3, vmap), AC_BUM);
}

static void test_order_of_checks(void **state)
{
    static const uint8_t ll[6] = {0x01, 0x80, 0xc2, 0, 0, 0x02};
    static const uint8_t msrc[6] = {0x01, 0, 0x5e, 0, 0, 1};
    uint8_t f[64] __attribute__((aligned(8)));
    struct access_result r;
    (void)state;

    /* no attachment before a bad source, a bad source before link-local */
    frame(f, ll, msrc, 3, 0x0800);
    access_classify(f, 60, 3, vmap, &r);
    assert_int_equal(check(f, 60, 3, vmap), AC_DROP);
    assert_int_equal(r.drop, DROP_ACCESS_NO_VNI);         /* vmap[3] is none */
    frame(f, ll, msrc, 4, 0x0800);
    access_classify(f, 60, 3, vmap, &r);
    assert_int_equal(r.drop, DROP_ACCESS_BAD_SRC_MAC);
    frame(f, ll, uc_src, 4, 0x0800);
    access_classify(f, 60, 3, vmap, &r);
    assert_int_equal(r.drop, DROP_LINK_LOCAL);
    /* a runt before all of them */
    access_classify(f, 17, DP_NO_ATTACH, NULL, &r);
    assert_int_equal(r.drop, DROP_ACCESS_RUNT);
}

/* Every combination of the classes of each field, at every length up to
 * 64, against the reference; each read bounded by the guard page. */
static void test_combinations(void **state)
{
    static const uint8_t dsts[][6] = {
        {0x02, 0, 0, 0, 0xbb, 1}, {0xff, 0xff, 0xff, 0xff, 0xff, 0xff},
        {0x01, 0x80, 0xc2, 0, 0, 0x0f}, {0x01, 0x80, 0xc2, 0, 0, 0x10},
        {0x01, 0, 0x5e, 0, 0, 1}, {0, 0, 0, 0, 0, 0},
    };
    static const uint8_t srcs[][6] = {
        {0x02, 0, 0, 0, 0xaa, 1}, {0, 0, 0, 0, 0, 0}, {0x03, 0, 0, 0, 0, 1},
        {0xff, 0xff, 0xff, 0xff, 0xff, 0xff},
    };
    static const int tcis[] = {-1, 0, 0xe000, 1, 3, 4094, 4095, 0x2005};
    static const uint16_t etypes[] = {0x0800, 0x86dd, 0x0806, 0x8100, 0x88a8, 0x0000};
    uint8_t f[64] __attribute__((aligned(8)));
    unsigned n = 0;
    (void)state;

    for (unsigned d = 0; d < RTE_DIM(dsts); d++)
        for (unsigned s = 0; s < RTE_DIM(srcs); s++)
            for (unsigned t = 0; t < RTE_DIM(tcis); t++)
                for (unsigned e = 0; e < RTE_DIM(etypes); e++)
                    for (int u = 0; u < 2; u++)
                        for (int mp = 0; mp < 2; mp++)
                            for (uint32_t len = 0; len <= 64; len++) {
                                frame(f, dsts[d], srcs[s], tcis[t], etypes[e]);
                                check(f, len, u ? 17 : DP_NO_ATTACH, mp ? vmap : NULL);
                                n++;
                            }
    assert_int_equal(n, 6 * 4 * 8 * 6 * 2 * 2 * 65);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_runts),
        cmocka_unit_test(test_every_vlan),
        cmocka_unit_test(test_every_ethertype),
        cmocka_unit_test(test_every_source),
        cmocka_unit_test(test_every_destination),
        cmocka_unit_test(test_order_of_checks),
        cmocka_unit_test(test_combinations),
    };
    return cmocka_run_group_tests_name("access_classify", tests, group_setup, group_teardown);
}
