/* Unit tests for the BGP UPDATE parser (control/bgp_update.c).
 *
 * Messages are built with a small builder that records the position of
 * every length field it writes, so the corruption tests can visit them all.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "bgp_update.h"
#include "bytes.h"

/* ---- builder ---------------------------------------------------------- */

/* A recorded field's mark (fmark): any corruption of it must give an error. */

struct upd {
    size_t start;
    size_t f_len;
    size_t f_attrs;
};

static void upd_begin(struct bld *b, struct upd *u)
{
    u->start = b->len;
    marker(b);
    u->f_len = field(b, 2, true);
    u8(b, BGP_MSG_UPDATE);
}

static void v4_prefix(struct bld *b, unsigned int bits, uint32_t addr)
{
    unsigned int i;

    value_field(b, 1, bits, false);
    for (i = 0; i < (bits + 7) / 8; i++)
        u8(b, i < 4 ? addr >> (24 - 8 * i) : 0);
}

/* Withdrawn Routes Length + prefixes (n of them from pfx). */
static void upd_withdrawn(struct bld *b, const uint32_t *pfx,
                          const unsigned int *bits, size_t n)
{
    size_t fi = field(b, 2, true);
    size_t i;

    for (i = 0; i < n; i++)
        v4_prefix(b, bits[i], pfx[i]);
    close_field(b, fi);
}

static void upd_attrs_begin(struct bld *b, struct upd *u)
{
    u->f_attrs = field(b, 2, true);
}

static void upd_attrs_end(struct bld *b, struct upd *u)
{
    close_field(b, u->f_attrs);
}

static void upd_end(struct bld *b, struct upd *u)
{
    close_field_from(b, u->f_len, u->start);
}

static size_t attr_begin(struct bld *b, unsigned int flags, unsigned int type)
{
    u8(b, flags);
    u8(b, type);
    return field(b, (flags & BGP_ATTR_FLAG_EXT_LEN) ? 2 : 1, true);
}

static void attr_u32(struct bld *b, unsigned int flags, unsigned int type,
                     uint32_t v)
{
    size_t fi = attr_begin(b, flags, type);

    u32(b, v);
    close_field(b, fi);
}

static const uint8_t RD1[8] = { 0, 1, 198, 51, 100, 7, 0, 2 };
static const uint8_t MAC[6] = { 0x02, 0, 0, 0, 0x01, 0x01 };
static const uint8_t IP4[4] = { 203, 0, 113, 11 };
static const uint8_t IP6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0,
                                 0, 0, 0, 0, 0, 0, 0, 0x11 };
static const uint8_t VTEP[4] = { 198, 51, 100, 7 };

static void nlri_mac_ip(struct bld *b, const uint8_t *ip, unsigned int bits,
                        int n_labels)
{
    size_t fi;
    int i;

    u8(b, EVPN_ROUTE_MAC_IP);
    fi = field(b, 1, true);
    raw(b, RD1, 8);
    for (i = 0; i < 10; i++)
        u8(b, 0);
    u32(b, 0);
    value_field(b, 1, 48, true);
    raw(b, MAC, 6);
    value_field(b, 1, bits, true);
    raw(b, ip, bits / 8);
    u24(b, 100);
    if (n_labels == 2)
        u24(b, 5001);
    close_field(b, fi);
}

static void nlri_imet(struct bld *b, const uint8_t *ip, unsigned int bits)
{
    size_t fi;

    u8(b, EVPN_ROUTE_IMET);
    fi = field(b, 1, true);
    raw(b, RD1, 8);
    u32(b, 0);
    value_field(b, 1, bits, true);
    raw(b, ip, bits / 8);
    close_field(b, fi);
}

static void nlri_other(struct bld *b, unsigned int type, unsigned int len)
{
    unsigned int i;

    u8(b, type);
    value_field(b, 1, len, true);
    for (i = 0; i < len; i++)
        u8(b, 0x5a);
}

static void ec(struct bld *b, unsigned int type, unsigned int sub,
               uint16_t hi, uint32_t lo)
{
    u8(b, type);
    u8(b, sub);
    u16(b, hi);
    u32(b, lo);
}

/* ORIGIN, AS_PATH (confed seq, seq, set), NEXT_HOP, MED, LOCAL_PREF,
 * ORIGINATOR_ID, CLUSTER_LIST, EXTENDED_COMMUNITIES, PMSI_TUNNEL,
 * MP_REACH_NLRI (ext length, four NLRI), MP_UNREACH_NLRI, an unknown
 * attribute, withdrawn routes and NLRI. */
static void build_rich(struct bld *b, bool as4)
{
    static const uint32_t wd[2] = { 0x0a000000, 0xc0000200 };
    static const unsigned int wd_bits[2] = { 8, 24 };
    static const uint8_t unknown_val[4] = { 0x40, 0x63, 0xff, 0x00 };
    struct upd u;
    size_t fi, mp;

    memset(b, 0, sizeof(*b));
    upd_begin(b, &u);
    upd_withdrawn(b, wd, wd_bits, 2);
    upd_attrs_begin(b, &u);

    fi = attr_begin(b, 0x40, BGP_ATTR_ORIGIN);
    u8(b, 2);
    close_field(b, fi);

    fi = attr_begin(b, 0x50, BGP_ATTR_AS_PATH);
    u8(b, BGP_AS_CONFED_SEQUENCE);
    value_field(b, 1, 1, true);
    if (as4) u32(b, 64512); else u16(b, 64512);
    u8(b, BGP_AS_SEQUENCE);
    value_field(b, 1, 3, true);
    if (as4) {
        u32(b, 65001);
        u32(b, 65002);
        u32(b, 4200000000u);
    } else {
        u16(b, 65001);
        u16(b, 65002);
        u16(b, 23456);
    }
    u8(b, BGP_AS_SET);
    value_field(b, 1, 2, true);
    if (as4) { u32(b, 100); u32(b, 200); } else { u16(b, 100); u16(b, 200); }
    close_field(b, fi);

    fi = attr_begin(b, 0x40, BGP_ATTR_NEXT_HOP);
    raw(b, VTEP, 4);
    close_field(b, fi);
    attr_u32(b, 0x80, BGP_ATTR_MED, 50);
    attr_u32(b, 0x40, BGP_ATTR_LOCAL_PREF, 200);
    attr_u32(b, 0x80, BGP_ATTR_ORIGINATOR_ID, 0xc6336407);

    fi = attr_begin(b, 0x80, BGP_ATTR_CLUSTER_LIST);
    u32(b, 0xc6336402);
    u32(b, 0xc6336403);
    close_field(b, fi);

    fi = attr_begin(b, 0xc0, BGP_ATTR_EXT_COMM);
    ec(b, 0x00, 0x02, 65000, 100);                  /* RT 65000:100 */
    ec(b, 0x01, 0x02, 0xc000, 0x020100c8);          /* RT 192.0.2.1:200 */
    ec(b, 0x02, 0x02, 0xfa56, 0xea00012c);          /* RT 4200000000:300 */
    ec(b, 0x03, 0x0c, 0, 8);                        /* encap VXLAN */
    ec(b, 0x06, 0x00, 0x0100, 7);                   /* MAC mob sticky 7 */
    ec(b, 0x06, 0x00, 0x0000, 3);                   /* MAC mob 3 */
    ec(b, 0x06, 0x03, 0x0200, 0x00000101);          /* router's MAC */
    close_field(b, fi);

    fi = attr_begin(b, 0xc0, BGP_ATTR_PMSI_TUNNEL);
    u8(b, 0);
    u8(b, BGP_PMSI_INGRESS_REPL);
    u24(b, 100);
    raw(b, VTEP, 4);
    close_field(b, fi);

    mp = attr_begin(b, 0x90, BGP_ATTR_MP_REACH);
    u16(b, BGP_AFI_L2VPN);
    u8(b, BGP_SAFI_EVPN);
    value_field(b, 1, 4, true);
    raw(b, VTEP, 4);
    u8(b, 0);
    nlri_mac_ip(b, IP4, 32, 2);
    nlri_mac_ip(b, IP6, 128, 1);
    nlri_imet(b, VTEP, 32);
    nlri_other(b, EVPN_ROUTE_IP_PREFIX, 34);
    close_field(b, mp);

    fi = attr_begin(b, 0x80, BGP_ATTR_MP_UNREACH);
    u16(b, BGP_AFI_L2VPN);
    u8(b, BGP_SAFI_EVPN);
    nlri_mac_ip(b, NULL, 0, 1);
    close_field(b, fi);

    fi = attr_begin(b, 0xc0, 99);
    raw(b, unknown_val, 4);
    close_field(b, fi);

    upd_attrs_end(b, &u);
    v4_prefix(b, 24, 0xc6336400);
    v4_prefix(b, 25, 0xcb007180);
    upd_end(b, &u);
}

static enum bgp_err parse(const struct bld *b, bool as4, struct bgp_update *u,
                          char *err, size_t errlen)
{
    if (errlen > 0)
        err[0] = '\0';
    return bgp_update_parse(b->d, b->len, as4, u, err, errlen);
}

/* Asserts an error of the given kind whose reason contains needle. */
static void expect_err(const struct bld *b, bool as4, enum bgp_err kind,
                       const char *needle)
{
    struct bgp_update u;
    char err[256];
    enum bgp_err e = parse(b, as4, &u, err, sizeof(err));

    if (e != kind)
        fail_msg("got %s (\"%s\"), want %s", bgp_err_name(e), err,
                 bgp_err_name(kind));
    if (strstr(err, needle) == NULL)
        fail_msg("reason \"%s\" lacks \"%s\"", err, needle);
}

/* An UPDATE with just the given attribute bytes. */
static void one_attr_update(struct bld *b, unsigned int flags,
                            unsigned int type, const void *val, size_t len)
{
    struct upd u;
    size_t fi;

    memset(b, 0, sizeof(*b));
    upd_begin(b, &u);
    upd_withdrawn(b, NULL, NULL, 0);
    upd_attrs_begin(b, &u);
    fi = attr_begin(b, flags, type);
    raw(b, val, len);
    close_field(b, fi);
    upd_attrs_end(b, &u);
    upd_end(b, &u);
}

/* ---- tests ------------------------------------------------------------ */

static void check_rich(const struct bgp_update *u)
{
    const struct bgp_attrs *a = &u->attrs;
    struct evpn_nlri_iter it;
    struct evpn_route r;
    char s[32];

    assert_int_equal(u->n_withdrawn_v4, 2);
    assert_int_equal(u->n_nlri_v4, 2);
    assert_int_equal(u->n_attrs, 12);
    assert_int_equal(u->n_attrs_unknown, 1);
    assert_int_equal(u->n_attrs_dup, 0);
    assert_int_equal(u->eor, BGP_EOR_NONE);
    assert_int_equal(a->present,
                     BGP_ATTR_BIT(1) | BGP_ATTR_BIT(2) | BGP_ATTR_BIT(3) |
                     BGP_ATTR_BIT(4) | BGP_ATTR_BIT(5) | BGP_ATTR_BIT(9) |
                     BGP_ATTR_BIT(10) | BGP_ATTR_BIT(14) | BGP_ATTR_BIT(15) |
                     BGP_ATTR_BIT(16) | BGP_ATTR_BIT(22));
    assert_int_equal(a->origin, 2);
    assert_int_equal(a->as_path_segments, 3);
    assert_int_equal(a->as_path_asns, 6);
    assert_int_equal(a->as_path_len, 4);
    assert_int_equal(a->first_as, 64512);
    assert_int_equal(a->last_as, 200);
    assert_memory_equal(a->next_hop, VTEP, 4);
    assert_int_equal(a->med, 50);
    assert_int_equal(a->local_pref, 200);
    assert_int_equal(a->originator_id, 0xc6336407);
    assert_int_equal(a->n_cluster_ids, 2);
    assert_int_equal(a->cluster_ids[1], 0xc6336403);

    assert_int_equal(a->ext_comm_len, 56);
    assert_non_null(a->ext_comm);
    assert_int_equal(a->n_rts, 3);
    assert_string_equal(bgp_rt_format(&a->rts[0], s, sizeof(s)), "65000:100");
    assert_string_equal(bgp_rt_format(&a->rts[1], s, sizeof(s)),
                        "192.0.2.1:200");
    assert_string_equal(bgp_rt_format(&a->rts[2], s, sizeof(s)),
                        "4200000000:300");
    assert_int_equal(a->rts[1].global, 0xc0000201);
    assert_int_equal(a->n_encaps, 1);
    assert_int_equal(a->encap_types[0], BGP_TUNNEL_VXLAN);
    assert_true(a->mac_mobility.present);
    assert_true(a->mac_mobility.sticky);
    assert_int_equal(a->mac_mobility.seq, 7);
    assert_int_equal(a->n_ext_other, 1);

    assert_true(a->pmsi.present);
    assert_int_equal(a->pmsi.tunnel_type, BGP_PMSI_INGRESS_REPL);
    assert_int_equal(a->pmsi.label, 100);
    assert_int_equal(a->pmsi.endpoint_len, 4);
    assert_memory_equal(a->pmsi.endpoint, VTEP, 4);

    assert_true(u->has_mp_reach);
    assert_int_equal(u->mp_reach_afi, BGP_AFI_L2VPN);
    assert_int_equal(u->mp_reach_safi, BGP_SAFI_EVPN);
    assert_int_equal(u->nh_len, 4);
    assert_memory_equal(u->nh, VTEP, 4);
    assert_int_equal(u->evpn_reach.n_routes, 3);
    assert_int_equal(u->evpn_reach.n_skipped, 1);
    evpn_nlri_iter_init(&it, &u->evpn_reach);
    assert_true(evpn_nlri_iter_next(&it, &r));
    assert_int_equal(r.type, EVPN_ROUTE_MAC_IP);
    assert_string_equal(r.rd.str, "198.51.100.7:2");
    assert_memory_equal(r.mac, MAC, 6);
    assert_int_equal(r.ip_len, 32);
    assert_memory_equal(r.ip, IP4, 4);
    assert_int_equal(r.n_labels, 2);
    assert_int_equal(r.label1, 100);
    assert_int_equal(r.label2, 5001);
    assert_true(evpn_nlri_iter_next(&it, &r));
    assert_int_equal(r.ip_len, 128);
    assert_memory_equal(r.ip, IP6, 16);
    assert_true(evpn_nlri_iter_next(&it, &r));
    assert_int_equal(r.type, EVPN_ROUTE_IMET);
    assert_memory_equal(r.ip, VTEP, 4);
    assert_false(evpn_nlri_iter_next(&it, &r));

    assert_true(u->has_mp_unreach);
    assert_int_equal(u->evpn_unreach.n_routes, 1);
    evpn_nlri_iter_init(&it, &u->evpn_unreach);
    assert_true(evpn_nlri_iter_next(&it, &r));
    assert_int_equal(r.ip_len, 0);
    assert_false(evpn_nlri_iter_next(&it, &r));
}

/* Builds the rich UPDATE with 4- or 2-byte ASes and parses it as such: no
 * error, and the parse says which AS width it read. */
static void parse_rich(struct bld *b, bool as4, struct bgp_update *u)
{
    char err[256];

    build_rich(b, as4);
    assert_int_equal(parse(b, as4, u, err, sizeof(err)), BGP_ERR_NONE);
    assert_int_equal(u->attrs.as4, as4);
}

static void test_rich_update_as4(void **state)
{
    struct bld b;
    struct bgp_update u;

    (void)state;
    parse_rich(&b, true, &u);
    check_rich(&u);
}

static void test_rich_update_as2(void **state)
{
    struct bld b;
    struct bgp_update u;

    (void)state;
    parse_rich(&b, false, &u);
    assert_int_equal(u.attrs.as_path_len, 4);
    assert_int_equal(u.attrs.first_as, 64512);
    assert_int_equal(u.attrs.last_as, 200);
    /* the same bytes read with 4-byte ASes do not fit */
    expect_err(&b, true, BGP_ERR_AS_PATH, "AS_PATH");
}

static void test_as_path_errors(void **state)
{
    static const uint8_t bad_type[] = { 7, 1, 0, 0, 0, 1 };
    static const uint8_t empty_seg[] = { 2, 0 };
    static const uint8_t overrun[] = { 2, 2, 0, 0, 0, 1 };
    static const uint8_t dangling[] = { 2, 1, 0, 0, 0, 1, 2 };
    static const uint8_t set_only[] = { 1, 3, 0, 1, 0, 2, 0, 3 };
    struct bld b;
    struct bgp_update u;

    (void)state;
    one_attr_update(&b, 0x40, BGP_ATTR_AS_PATH, bad_type, sizeof(bad_type));
    expect_err(&b, true, BGP_ERR_AS_PATH, "unknown segment type 7");
    one_attr_update(&b, 0x40, BGP_ATTR_AS_PATH, empty_seg, sizeof(empty_seg));
    expect_err(&b, true, BGP_ERR_AS_PATH, "empty segment");
    one_attr_update(&b, 0x40, BGP_ATTR_AS_PATH, overrun, sizeof(overrun));
    expect_err(&b, true, BGP_ERR_AS_PATH, "segment of 2 4-byte ASes");
    one_attr_update(&b, 0x40, BGP_ATTR_AS_PATH, dangling, sizeof(dangling));
    expect_err(&b, true, BGP_ERR_AS_PATH, "1 byte left");

    /* 2-byte AS_SET of three: path length 1 */
    one_attr_update(&b, 0x40, BGP_ATTR_AS_PATH, set_only, sizeof(set_only));
    assert_int_equal(parse(&b, false, &u, NULL, 0), BGP_ERR_NONE);
    assert_int_equal(u.attrs.as_path_len, 1);
    assert_int_equal(u.attrs.as_path_asns, 3);
    assert_int_equal(u.attrs.first_as, 1);
    assert_int_equal(u.attrs.last_as, 3);

    /* empty AS_PATH (iBGP) */
    one_attr_update(&b, 0x40, BGP_ATTR_AS_PATH, NULL, 0);
    assert_int_equal(parse(&b, true, &u, NULL, 0), BGP_ERR_NONE);
    assert_true(u.attrs.present & BGP_ATTR_BIT(BGP_ATTR_AS_PATH));
    assert_int_equal(u.attrs.as_path_len, 0);
    assert_int_equal(u.attrs.first_as, 0);
}

static void test_ext_length_and_many_rts(void **state)
{
    struct bld b;
    struct upd up;
    struct bgp_update u;
    size_t fi;
    uint32_t i;

    (void)state;
    memset(&b, 0, sizeof(b));
    upd_begin(&b, &up);
    upd_withdrawn(&b, NULL, NULL, 0);
    upd_attrs_begin(&b, &up);
    fi = attr_begin(&b, 0x50, BGP_ATTR_ORIGIN);     /* ext length, 1 byte */
    u8(&b, 0);
    close_field(&b, fi);
    fi = attr_begin(&b, 0xd0, BGP_ATTR_EXT_COMM);   /* 40 RTs: 320 bytes */
    for (i = 0; i < 40; i++)
        ec(&b, 0x00, 0x02, 65000, i);
    close_field(&b, fi);
    upd_attrs_end(&b, &up);
    upd_end(&b, &up);
    assert_int_equal(b.d[b.fpos[b.nf - 1]], 0x01);  /* length 0x0140 */
    assert_int_equal(parse(&b, true, &u, NULL, 0), BGP_ERR_NONE);
    assert_int_equal(u.attrs.origin, 0);
    assert_int_equal(u.attrs.ext_comm_len, 320);
    assert_int_equal(u.attrs.n_rts, 40);
    assert_int_equal(u.attrs.rts[BGP_MAX_RTS - 1].local, BGP_MAX_RTS - 1);
}

static void test_ext_communities(void **state)
{
    struct bgp_attrs a;
    static const uint8_t mm_static[8] = { 0x06, 0x00, 0x01, 0, 0, 0, 0, 0 };
    static const uint8_t mm_seq9[8] = { 0x06, 0x00, 0x00, 0, 0, 0, 0, 9 };
    static const uint8_t encap_mpls[8] = { 0x03, 0x0c, 0, 0, 0, 0, 0, 10 };
    static const uint8_t rt_nontrans[8] = { 0x40, 0x02, 0, 1, 0, 0, 0, 1 };
    struct bld b;
    struct bgp_update u;
    char s[8];

    (void)state;
    memset(&a, 0, sizeof(a));
    bgp_ext_comm_decode(mm_static, &a);
    assert_true(a.mac_mobility.present);
    assert_true(a.mac_mobility.sticky);
    assert_int_equal(a.mac_mobility.seq, 0);
    bgp_ext_comm_decode(mm_seq9, &a);               /* higher seq wins */
    assert_false(a.mac_mobility.sticky);
    assert_int_equal(a.mac_mobility.seq, 9);
    bgp_ext_comm_decode(mm_static, &a);             /* lower: ignored */
    assert_int_equal(a.mac_mobility.seq, 9);
    bgp_ext_comm_decode(encap_mpls, &a);
    assert_int_equal(a.encap_types[0], 10);
    bgp_ext_comm_decode(rt_nontrans, &a);
    assert_int_equal(a.n_rts, 0);
    assert_int_equal(a.n_ext_other, 1);

    /* formatting never overflows a small buffer */
    a.rts[0].type = 0x01;
    a.rts[0].global = 0xc0000201;
    a.rts[0].local = 100;
    assert_int_equal(strlen(bgp_rt_format(&a.rts[0], s, sizeof(s))), 7);

    one_attr_update(&b, 0xc0, BGP_ATTR_EXT_COMM, mm_static, 7);
    expect_err(&b, true, BGP_ERR_EXT_COMM, "length 7 is not a multiple of 8");
    one_attr_update(&b, 0xc0, BGP_ATTR_EXT_COMM, NULL, 0);
    assert_int_equal(parse(&b, true, &u, NULL, 0), BGP_ERR_NONE);
    assert_int_equal(u.attrs.ext_comm_len, 0);
}

static void test_pmsi(void **state)
{
    uint8_t v[32] = { 0x01, BGP_PMSI_INGRESS_REPL, 0, 0, 100 };
    struct bld b;
    struct bgp_update u;

    (void)state;
    memcpy(v + 5, IP6, 16);
    one_attr_update(&b, 0xc0, BGP_ATTR_PMSI_TUNNEL, v, 21);
    assert_int_equal(parse(&b, true, &u, NULL, 0), BGP_ERR_NONE);
    assert_true(u.attrs.pmsi.present);
    assert_int_equal(u.attrs.pmsi.flags, 1);
    assert_int_equal(u.attrs.pmsi.label, 100);
    assert_int_equal(u.attrs.pmsi.endpoint_len, 16);
    assert_memory_equal(u.attrs.pmsi.endpoint, IP6, 16);

    one_attr_update(&b, 0xc0, BGP_ATTR_PMSI_TUNNEL, v, 10);
    expect_err(&b, true, BGP_ERR_PMSI,
               "ingress replication endpoint of 5 bytes, must be 4 or 16");
    one_attr_update(&b, 0xc0, BGP_ATTR_PMSI_TUNNEL, v, 4);
    expect_err(&b, true, BGP_ERR_PMSI, "PMSI_TUNNEL length 4, minimum is 5");

    /* other tunnel type (3, PIM-SM tree) with an 8-byte identifier */
    v[1] = 3;
    one_attr_update(&b, 0xc0, BGP_ATTR_PMSI_TUNNEL, v, 13);
    assert_int_equal(parse(&b, true, &u, NULL, 0), BGP_ERR_NONE);
    assert_int_equal(u.attrs.pmsi.tunnel_type, 3);
    assert_int_equal(u.attrs.pmsi.tunnel_id_len, 8);
    assert_int_equal(u.attrs.pmsi.endpoint_len, 0);
    /* no tunnel information */
    v[1] = 0;
    one_attr_update(&b, 0xc0, BGP_ATTR_PMSI_TUNNEL, v, 5);
    assert_int_equal(parse(&b, true, &u, NULL, 0), BGP_ERR_NONE);
    assert_int_equal(u.attrs.pmsi.tunnel_id_len, 0);
}

/* MP_REACH_NLRI for EVPN with a next hop of nh_len bytes and one IMET. */
static void mp_reach_update(struct bld *b, unsigned int nh_len)
{
    struct upd u;
    size_t fi;
    unsigned int i;

    memset(b, 0, sizeof(*b));
    upd_begin(b, &u);
    upd_withdrawn(b, NULL, NULL, 0);
    upd_attrs_begin(b, &u);
    fi = attr_begin(b, 0x80, BGP_ATTR_MP_REACH);
    u16(b, BGP_AFI_L2VPN);
    u8(b, BGP_SAFI_EVPN);
    u8(b, nh_len);
    for (i = 0; i < nh_len; i++)
        u8(b, nh_len == 4 ? VTEP[i] : (i < 16 ? IP6[i] : 0xfe));
    u8(b, 0);
    nlri_imet(b, IP6, 128);
    close_field(b, fi);
    upd_attrs_end(b, &u);
    upd_end(b, &u);
}

static void test_mp_reach_next_hops(void **state)
{
    static const uint8_t short_nh[12] = { 0, 25, 70, 40, 1, 2, 3, 4,
                                          5, 6, 7, 8 };
    struct bld b;
    struct bgp_update u;

    (void)state;
    mp_reach_update(&b, 4);
    assert_int_equal(parse(&b, true, &u, NULL, 0), BGP_ERR_NONE);
    assert_int_equal(u.nh_len, 4);
    assert_memory_equal(u.nh, VTEP, 4);
    assert_int_equal(u.evpn_reach.n_routes, 1);

    mp_reach_update(&b, 16);
    assert_int_equal(parse(&b, true, &u, NULL, 0), BGP_ERR_NONE);
    assert_int_equal(u.nh_len, 16);
    assert_memory_equal(u.nh, IP6, 16);

    mp_reach_update(&b, 32);
    assert_int_equal(parse(&b, true, &u, NULL, 0), BGP_ERR_NONE);
    assert_int_equal(u.nh_len, 32);
    assert_int_equal(u.nh[16], 0xfe);

    mp_reach_update(&b, 8);
    expect_err(&b, true, BGP_ERR_MP_REACH,
               "EVPN next hop length 8, must be 4, 16 or 32");

    one_attr_update(&b, 0x80, BGP_ATTR_MP_REACH, short_nh, sizeof(short_nh));
    expect_err(&b, true, BGP_ERR_MP_REACH,
               "MP_REACH_NLRI next hop length 40 exceeds attribute length 12");
    one_attr_update(&b, 0x80, BGP_ATTR_MP_REACH, short_nh, 4);
    expect_err(&b, true, BGP_ERR_MP_REACH, "length 4, minimum is 5");
    one_attr_update(&b, 0x80, BGP_ATTR_MP_UNREACH, short_nh, 2);
    expect_err(&b, true, BGP_ERR_MP_UNREACH, "length 2, minimum is 3");
}

static void test_mp_other_afi_skipped(void **state)
{
    /* IPv6 unicast MP_REACH, next hop 16 bytes, 2001:db8::/32 */
    uint8_t v[64] = { 0, 2, 1, 16 };
    static const uint8_t unreach_v4[] = { 0, 1, 1, 24, 192, 0, 2 };
    struct bld b;
    struct bgp_update u;

    (void)state;
    memcpy(v + 4, IP6, 16);
    v[20] = 0;
    v[21] = 32;
    memcpy(v + 22, IP6, 4);
    one_attr_update(&b, 0x80, BGP_ATTR_MP_REACH, v, 26);
    assert_int_equal(parse(&b, true, &u, NULL, 0), BGP_ERR_NONE);
    assert_true(u.has_mp_reach);
    assert_int_equal(u.mp_reach_afi, BGP_AFI_IPV6);
    assert_int_equal(u.n_mp_other, 1);
    assert_null(u.evpn_reach.data);

    one_attr_update(&b, 0x80, BGP_ATTR_MP_UNREACH, unreach_v4,
                    sizeof(unreach_v4));
    assert_int_equal(parse(&b, true, &u, NULL, 0), BGP_ERR_NONE);
    assert_int_equal(u.n_mp_other, 1);
    assert_int_equal(u.eor, BGP_EOR_NONE);
}

static void test_end_of_rib(void **state)
{
    static const uint8_t evpn[3] = { 0, 25, 70 };
    static const uint8_t v6[3] = { 0, 2, 1 };
    static const uint8_t origin = 0;
    struct bld b;
    struct upd up;
    struct bgp_update u;
    size_t fi;

    (void)state;
    one_attr_update(&b, 0x80, BGP_ATTR_MP_UNREACH, evpn, 3);
    assert_int_equal(b.len, 29);
    assert_int_equal(parse(&b, true, &u, NULL, 0), BGP_ERR_NONE);
    assert_int_equal(u.eor, BGP_EOR_EVPN);
    assert_int_equal(u.eor_afi, 25);
    assert_int_equal(u.eor_safi, 70);
    assert_int_equal(u.evpn_unreach.n_routes, 0);

    one_attr_update(&b, 0x90, BGP_ATTR_MP_UNREACH, evpn, 3);
    assert_int_equal(parse(&b, true, &u, NULL, 0), BGP_ERR_NONE);
    assert_int_equal(u.eor, BGP_EOR_EVPN);

    one_attr_update(&b, 0x80, BGP_ATTR_MP_UNREACH, v6, 3);
    assert_int_equal(parse(&b, true, &u, NULL, 0), BGP_ERR_NONE);
    assert_int_equal(u.eor, BGP_EOR_OTHER);
    assert_int_equal(u.eor_afi, 2);

    /* empty UPDATE: IPv4 unicast EoR */
    memset(&b, 0, sizeof(b));
    upd_begin(&b, &up);
    upd_withdrawn(&b, NULL, NULL, 0);
    upd_attrs_begin(&b, &up);
    upd_attrs_end(&b, &up);
    upd_end(&b, &up);
    assert_int_equal(b.len, 23);
    assert_int_equal(parse(&b, true, &u, NULL, 0), BGP_ERR_NONE);
    assert_int_equal(u.eor, BGP_EOR_IPV4_UNICAST);

    /* an extra attribute: not an EoR */
    memset(&b, 0, sizeof(b));
    upd_begin(&b, &up);
    upd_withdrawn(&b, NULL, NULL, 0);
    upd_attrs_begin(&b, &up);
    fi = attr_begin(&b, 0x40, BGP_ATTR_ORIGIN);
    raw(&b, &origin, 1);
    close_field(&b, fi);
    fi = attr_begin(&b, 0x80, BGP_ATTR_MP_UNREACH);
    raw(&b, evpn, 3);
    close_field(&b, fi);
    upd_attrs_end(&b, &up);
    upd_end(&b, &up);
    assert_int_equal(parse(&b, true, &u, NULL, 0), BGP_ERR_NONE);
    assert_int_equal(u.eor, BGP_EOR_NONE);
}

static void test_ipv4_prefix_errors(void **state)
{
    static const uint32_t p33[1] = { 0x0a000000 };
    static const unsigned int b33[1] = { 33 };
    struct bld b;
    struct upd up;

    (void)state;
    memset(&b, 0, sizeof(b));
    upd_begin(&b, &up);
    upd_withdrawn(&b, p33, b33, 1);
    upd_attrs_begin(&b, &up);
    upd_attrs_end(&b, &up);
    upd_end(&b, &up);
    expect_err(&b, true, BGP_ERR_WITHDRAWN, "length 33 bits exceeds 32");

    memset(&b, 0, sizeof(b));
    upd_begin(&b, &up);
    upd_withdrawn(&b, NULL, NULL, 0);
    upd_attrs_begin(&b, &up);
    upd_attrs_end(&b, &up);
    u8(&b, 24);                                     /* /24 with 2 bytes */
    u8(&b, 10);
    u8(&b, 0);
    upd_end(&b, &up);
    expect_err(&b, true, BGP_ERR_NLRI, "/24 needs 3 bytes, 2 left");
}

static void test_header_errors(void **state)
{
    struct bld b;
    struct bgp_update u;

    (void)state;
    build_rich(&b, true);
    assert_int_equal(bgp_update_parse(b.d, 18, true, &u, NULL, 0),
                     BGP_ERR_HEADER);
    b.d[3] = 0xfe;
    expect_err(&b, true, BGP_ERR_HEADER, "marker byte 3 is 0xfe");
    build_rich(&b, true);
    b.d[18] = BGP_MSG_KEEPALIVE;
    expect_err(&b, true, BGP_ERR_HEADER, "type 4 is not UPDATE");
    build_rich(&b, true);
    b.len--;
    expect_err(&b, true, BGP_ERR_HEADER, "does not match");

    /* 22-byte "UPDATE" */
    build_rich(&b, true);
    b.len = 22;
    put_at(b.d, 16, 2, 22);
    expect_err(&b, true, BGP_ERR_HEADER, "UPDATE length 22, minimum is 23");

    build_rich(&b, true);
    put_at(b.d, 19, 2, 0xffff);
    expect_err(&b, true, BGP_ERR_WITHDRAWN, "withdrawn routes length 65535");
}

static void test_attr_errors(void **state)
{
    static const uint8_t four[4] = { 1, 2, 3, 4 };
    static const uint8_t origin7 = 7;
    struct bld b;
    struct upd up;

    (void)state;
    one_attr_update(&b, 0x40, BGP_ATTR_ORIGIN, four, 2);
    expect_err(&b, true, BGP_ERR_ATTR_LENGTH, "ORIGIN length 2, must be 1");
    one_attr_update(&b, 0x40, BGP_ATTR_ORIGIN, &origin7, 1);
    expect_err(&b, true, BGP_ERR_ATTR_VALUE, "ORIGIN value 7");
    one_attr_update(&b, 0x40, BGP_ATTR_NEXT_HOP, four, 3);
    expect_err(&b, true, BGP_ERR_ATTR_LENGTH, "NEXT_HOP length 3, must be 4");
    one_attr_update(&b, 0x80, BGP_ATTR_MED, four, 2);
    expect_err(&b, true, BGP_ERR_ATTR_LENGTH, "MULTI_EXIT_DISC length 2");
    one_attr_update(&b, 0x40, BGP_ATTR_LOCAL_PREF, four, 1);
    expect_err(&b, true, BGP_ERR_ATTR_LENGTH, "LOCAL_PREF length 1");
    one_attr_update(&b, 0x80, BGP_ATTR_ORIGINATOR_ID, four, 0);
    expect_err(&b, true, BGP_ERR_ATTR_LENGTH, "ORIGINATOR_ID length 0");
    one_attr_update(&b, 0x80, BGP_ATTR_CLUSTER_LIST, four, 3);
    expect_err(&b, true, BGP_ERR_ATTR_LENGTH, "CLUSTER_LIST length 3");
    one_attr_update(&b, 0x80, BGP_ATTR_CLUSTER_LIST, NULL, 0);
    expect_err(&b, true, BGP_ERR_ATTR_LENGTH, "CLUSTER_LIST length 0");

    /* wrong optional/transitive bits */
    one_attr_update(&b, 0xc0, BGP_ATTR_LOCAL_PREF, four, 4);
    expect_err(&b, true, BGP_ERR_ATTR_FLAGS,
               "LOCAL_PREF flags 0xc0: optional/transitive bits must be 0x40");
    one_attr_update(&b, 0x40, BGP_ATTR_MP_REACH, four, 4);
    expect_err(&b, true, BGP_ERR_ATTR_FLAGS, "MP_REACH_NLRI flags 0x40");
    one_attr_update(&b, 0x80, BGP_ATTR_EXT_COMM, four, 0);
    expect_err(&b, true, BGP_ERR_ATTR_FLAGS, "EXTENDED_COMMUNITIES flags");

    /* attribute header cut short: 2 bytes, then 3 of an extended one */
    memset(&b, 0, sizeof(b));
    upd_begin(&b, &up);
    upd_withdrawn(&b, NULL, NULL, 0);
    upd_attrs_begin(&b, &up);
    u8(&b, 0x40);
    u8(&b, 1);
    upd_attrs_end(&b, &up);
    upd_end(&b, &up);
    expect_err(&b, true, BGP_ERR_ATTR_FRAMING,
               "attribute header at offset 0 needs 3 bytes, 2 left");
    memset(&b, 0, sizeof(b));
    upd_begin(&b, &up);
    upd_withdrawn(&b, NULL, NULL, 0);
    upd_attrs_begin(&b, &up);
    u8(&b, 0x50);
    u8(&b, 2);
    u8(&b, 0);
    upd_attrs_end(&b, &up);
    upd_end(&b, &up);
    expect_err(&b, true, BGP_ERR_ATTR_FRAMING,
               "extended-length attribute header at offset 0 needs 4 bytes");

    build_rich(&b, true);
    put_at(b.d, 19 + 2 + 6, 2, 0x7fff);              /* attrs length */
    expect_err(&b, true, BGP_ERR_ATTR_FRAMING,
               "path attribute length 32767 exceeds");
}

static void test_unknown_and_duplicate_attrs(void **state)
{
    static const uint8_t evpn[3] = { 0, 25, 70 };
    struct bld b;
    struct upd up;
    struct bgp_update u;
    size_t fi;

    (void)state;
    memset(&b, 0, sizeof(b));
    upd_begin(&b, &up);
    upd_withdrawn(&b, NULL, NULL, 0);
    upd_attrs_begin(&b, &up);
    attr_u32(&b, 0x40, BGP_ATTR_LOCAL_PREF, 100);
    attr_u32(&b, 0x40, BGP_ATTR_LOCAL_PREF, 300);   /* duplicate: ignored */
    attr_u32(&b, 0xe0, 200, 1);                     /* unknown, partial */
    fi = attr_begin(&b, 0x80, 32);                  /* LARGE_COMMUNITY */
    u32(&b, 1);
    u32(&b, 2);
    u32(&b, 3);
    close_field(&b, fi);
    upd_attrs_end(&b, &up);
    upd_end(&b, &up);
    assert_int_equal(parse(&b, true, &u, NULL, 0), BGP_ERR_NONE);
    assert_int_equal(u.attrs.local_pref, 100);
    assert_int_equal(u.n_attrs_dup, 1);
    assert_int_equal(u.n_attrs_unknown, 2);
    assert_int_equal(u.n_attrs, 4);

    for (int t = BGP_ATTR_MP_REACH; t <= BGP_ATTR_MP_UNREACH; t++) {
        memset(&b, 0, sizeof(b));
        upd_begin(&b, &up);
        upd_withdrawn(&b, NULL, NULL, 0);
        upd_attrs_begin(&b, &up);
        fi = attr_begin(&b, 0x80, BGP_ATTR_MP_UNREACH);
        raw(&b, evpn, 3);
        close_field(&b, fi);
        for (int copy = 0; copy < 2; copy++) {      /* the attribute twice */
            fi = attr_begin(&b, 0x80, (unsigned int)t);
            raw(&b, evpn, 3);
            if (t == BGP_ATTR_MP_REACH) {
                u8(&b, 4);
                raw(&b, VTEP, 4);
                u8(&b, 0);
            }
            close_field(&b, fi);
        }
        upd_attrs_end(&b, &up);
        upd_end(&b, &up);
        expect_err(&b, true, BGP_ERR_MP_DUPLICATE, "appears twice");
    }
}

static void test_evpn_nlri_error_propagates(void **state)
{
    struct bld b;
    size_t i;

    (void)state;
    build_rich(&b, true);
    /* find the first MAC length field (value 48) and break it */
    for (i = 0; i < b.nf; i++) {
        if (b.d[b.fpos[i]] == 48 && b.fwidth[i] == 1)
            break;
    }
    assert_true(i < b.nf);
    b.d[b.fpos[i]] = 47;
    expect_err(&b, true, BGP_ERR_EVPN_NLRI,
               "MP_REACH_NLRI: EVPN NLRI at offset 0: mac-ip MAC length 47");
}

/* Every recorded length field set to 0, one less, one more and its maximum:
 * strict fields must give an error with a reason; none may crash. */
static void sweep_lengths(bool as4)
{
    struct bld good, b;
    struct bgp_update u;
    char err[256];
    size_t fi, j, n;
    size_t vals[4];
    enum bgp_err e;
    int n_strict = 0;

    build_rich(&good, as4);
    for (fi = 0; fi < good.nf; fi++) {
        size_t orig = get_at(good.d, good.fpos[fi], good.fwidth[fi]);

        n = field_corruptions(&good, fi, vals);
        for (j = 0; j < n; j++) {
            b = good;
            put_at(b.d, b.fpos[fi], b.fwidth[fi], vals[j]);
            err[0] = '\0';
            e = bgp_update_parse(b.d, b.len, as4, &u, err, sizeof(err));
            if (good.fmark[fi]) {
                n_strict++;
                if (e == BGP_ERR_NONE)
                    fail_msg("field %zu at %zu (%zu -> %zu) accepted", fi,
                             good.fpos[fi], orig, vals[j]);
            }
            if (e != BGP_ERR_NONE)
                assert_true(strlen(err) > 0);
        }
    }
    assert_true(n_strict > 100);
}

static void test_length_fields_corrupted(void **state)
{
    (void)state;
    sweep_lengths(true);
    sweep_lengths(false);
}

/* Cut the message at every length (fixing the BGP length to match): an
 * error with a reason before the NLRI starts, never a crash. */
static void test_every_truncation(void **state)
{
    struct bld good, b;
    struct bgp_update u;
    char err[256];
    size_t cut, nlri_start;

    (void)state;
    build_rich(&good, true);
    nlri_start = good.len - 4 - 5;
    for (cut = 0; cut < good.len; cut++) {
        enum bgp_err e;

        b = good;
        if (cut >= 19)
            put_at(b.d, 16, 2, cut);
        err[0] = '\0';
        e = bgp_update_parse(b.d, cut, true, &u, err, sizeof(err));
        if (cut != nlri_start && cut != nlri_start + 4)
            assert_int_not_equal(e, BGP_ERR_NONE);
        if (e != BGP_ERR_NONE)
            assert_true(strlen(err) > 0);
        /* unchanged BGP length: always a header error */
        e = bgp_update_parse(good.d, cut, true, &u, NULL, 0);
        assert_int_equal(e, BGP_ERR_HEADER);
    }
}

/* Every byte of the message set to each of 256 values: no crash, and a
 * success yields iterators that agree with the counts. */
static void test_byte_values(void **state)
{
    struct bld good;
    static uint8_t d[4096];
    struct bgp_update u;
    struct evpn_nlri_iter it;
    struct evpn_route r;
    size_t pos;
    uint32_t n;
    int val;

    (void)state;
    build_rich(&good, true);
    for (pos = 0; pos < good.len; pos++) {
        for (val = 0; val < 256; val++) {
            memcpy(d, good.d, good.len);
            d[pos] = (uint8_t)val;
            if (bgp_update_parse(d, good.len, true, &u, NULL, 0) !=
                BGP_ERR_NONE)
                continue;
            n = 0;
            evpn_nlri_iter_init(&it, &u.evpn_reach);
            while (evpn_nlri_iter_next(&it, &r))
                n++;
            assert_int_equal(n, u.evpn_reach.n_routes);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rich_update_as4),
        cmocka_unit_test(test_rich_update_as2),
        cmocka_unit_test(test_as_path_errors),
        cmocka_unit_test(test_ext_length_and_many_rts),
        cmocka_unit_test(test_ext_communities),
        cmocka_unit_test(test_pmsi),
        cmocka_unit_test(test_mp_reach_next_hops),
        cmocka_unit_test(test_mp_other_afi_skipped),
        cmocka_unit_test(test_end_of_rib),
        cmocka_unit_test(test_ipv4_prefix_errors),
        cmocka_unit_test(test_header_errors),
        cmocka_unit_test(test_attr_errors),
        cmocka_unit_test(test_unknown_and_duplicate_attrs),
        cmocka_unit_test(test_evpn_nlri_error_propagates),
        cmocka_unit_test(test_length_fields_corrupted),
        cmocka_unit_test(test_every_truncation),
        cmocka_unit_test(test_byte_values),
    };

    return cmocka_run_group_tests_name("bgp_update", tests, NULL, NULL);
}
