/* Unit tests for the BMP framer and parser (control/bmp_parse.c).
 *
 * Part 1 replays a real capture from FRR 8.4.4 (iBGP, VNI 100) and checks
 * what is in it. Part 2 builds every message type with a small builder that
 * records its length fields; part 3 truncates and corrupts messages.
 *
 * The capture is found through $BMP_FIXTURE, else BMP_FIXTURE_PATH (a
 * compile-time string, default relative to the repository root).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "bmp_parse.h"
#include "bytes.h"

#ifndef BMP_FIXTURE_PATH
#define BMP_FIXTURE_PATH "tests/fixtures/frr-8.4.4-ibgp-evpn.bmp"
#endif

#define FIXTURE_LEN 2817
#define FIXTURE_MSGS 20

/* ---- builder ---------------------------------------------------------- */

/* A recorded field's mark (fmark): inside a PDU BMP does not parse. */

/* BMP common header; returns the length field index (closed by bmp_end) */
static size_t bmp_begin(struct bld *b, unsigned int type)
{
    size_t fi;

    memset(b, 0, sizeof(*b));
    u8(b, BMP_VERSION);
    fi = field(b, 4, false);
    u8(b, type);
    return fi;
}

static void bmp_end(struct bld *b, size_t fi)
{
    close_field_from(b, fi, 0);
}

static const uint8_t PEER4[4] = { 192, 0, 2, 1 };
static const uint8_t PEER6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0,
                                   0, 0, 0, 0, 0, 0, 0, 0x01 };
static const uint8_t VTEP[4] = { 198, 51, 100, 1 };

static void peer_hdr(struct bld *b, unsigned int type, unsigned int flags,
                     uint32_t as)
{
    u8(b, type);
    u8(b, flags);
    u32(b, 0);
    u32(b, 7);                                      /* distinguisher 7 */
    if (flags & BMP_PEER_FLAG_V) {
        raw(b, PEER6, 16);
    } else {
        for (int i = 0; i < 12; i++)
            u8(b, 0);
        raw(b, PEER4, 4);
    }
    u32(b, as);
    u32(b, 0xc6336401);
    u32(b, 1700000000);
    u32(b, 123456);
}

static void tlv(struct bld *b, unsigned int type, const void *v, size_t len)
{
    size_t fi;

    u16(b, type);
    fi = field(b, 2, false);
    raw(b, v, len);
    close_field(b, fi);
}

/* BGP OPEN with multiprotocol EVPN and (optionally) 4-octet AS capability;
 * ext uses the RFC 9072 extended optional parameters encoding. */
static void open_msg(struct bld *b, uint32_t id, bool as4, bool ext)
{
    size_t start = b->len, f_len, f_opt, f_par;

    marker(b);
    f_len = field(b, 2, false);
    u8(b, BGP_MSG_OPEN);
    u8(b, 4);
    u16(b, 65000);
    u16(b, 9);
    u32(b, id);
    if (ext) {
        u8(b, 255);
        u8(b, 255);
        f_opt = field(b, 2, false);
        u8(b, 2);
        f_par = field(b, 2, false);
    } else {
        f_opt = field(b, 1, false);
        u8(b, 2);
        f_par = field(b, 1, false);
    }
    u8(b, 1);                                       /* MP: 25/70 */
    u8(b, 4);
    u16(b, BGP_AFI_L2VPN);
    u8(b, 0);
    u8(b, BGP_SAFI_EVPN);
    if (as4) {
        u8(b, 65);
        u8(b, 4);
        u32(b, 65000);
    }
    close_field(b, f_par);
    close_field(b, f_opt);
    close_field_from(b, f_len, start);
}

/* BGP UPDATE: ORIGIN, AS_PATH sequence (65001, 65002) in 2- or 4-byte
 * form, EXTENDED_COMMUNITIES (RT 65000:100, VXLAN), MP_REACH_NLRI for EVPN
 * with one MAC/IP route. */
static void update_msg(struct bld *b, bool as4)
{
    static const uint8_t rd[8] = { 0, 1, 198, 51, 100, 1, 0, 2 };
    static const uint8_t mac[6] = { 2, 0, 0, 0, 1, 1 };
    size_t start = b->len, f_len, f_attrs, fi, f_route;
    int i;

    marker(b);
    f_len = field(b, 2, false);
    u8(b, BGP_MSG_UPDATE);
    u16(b, 0);
    f_attrs = field(b, 2, false);
    u8(b, 0x40);
    u8(b, BGP_ATTR_ORIGIN);
    u8(b, 1);
    u8(b, 0);
    u8(b, 0x40);
    u8(b, BGP_ATTR_AS_PATH);
    fi = field(b, 1, false);
    u8(b, BGP_AS_SEQUENCE);
    u8(b, 2);
    if (as4) {
        u32(b, 65001);
        u32(b, 65002);
    } else {
        u16(b, 65001);
        u16(b, 65002);
    }
    close_field(b, fi);
    u8(b, 0xc0);
    u8(b, BGP_ATTR_EXT_COMM);
    fi = field(b, 1, false);
    u8(b, 0x00); u8(b, 0x02); u16(b, 65000); u32(b, 100);
    u8(b, 0x03); u8(b, 0x0c); u16(b, 0); u32(b, 8);
    close_field(b, fi);
    u8(b, 0x90);
    u8(b, BGP_ATTR_MP_REACH);
    fi = field(b, 2, false);
    u16(b, BGP_AFI_L2VPN);
    u8(b, BGP_SAFI_EVPN);
    u8(b, 4);
    raw(b, VTEP, 4);
    u8(b, 0);
    u8(b, EVPN_ROUTE_MAC_IP);
    f_route = field(b, 1, false);
    raw(b, rd, 8);
    for (i = 0; i < 14; i++)
        u8(b, 0);                                   /* ESI, Ethernet Tag */
    u8(b, 48);
    raw(b, mac, 6);
    u8(b, 32);
    u8(b, 203); u8(b, 0); u8(b, 113); u8(b, 11);
    u8(b, 0); u8(b, 0); u8(b, 100);                 /* VNI 100 */
    close_field(b, f_route);
    close_field(b, fi);
    close_field(b, f_attrs);
    close_field_from(b, f_len, start);
}

static void build_route_mon(struct bld *b, unsigned int flags, bool as4)
{
    size_t f = bmp_begin(b, BMP_MSG_ROUTE_MONITORING);

    peer_hdr(b, BMP_PEER_GLOBAL, flags, 65000);
    update_msg(b, as4);
    bmp_end(b, f);
}

static void build_peer_up(struct bld *b)
{
    static const char vrf[] = "blue";
    static const char s[] = "hello";
    size_t f = bmp_begin(b, BMP_MSG_PEER_UP);

    peer_hdr(b, BMP_PEER_GLOBAL, BMP_PEER_FLAG_V, 65000);
    raw(b, PEER6, 15);
    u8(b, 2);                                       /* local 2001:db8::2 */
    u16(b, 40000);
    u16(b, 179);
    open_msg(b, 0xc6336402, true, true);
    open_msg(b, 0xc6336401, false, false);
    tlv(b, 0, s, 5);
    tlv(b, 3, vrf, 4);
    tlv(b, 99, s, 2);
    bmp_end(b, f);
}

static void build_peer_down_notify(struct bld *b, unsigned int reason)
{
    size_t f = bmp_begin(b, BMP_MSG_PEER_DOWN), fn;
    size_t start;

    peer_hdr(b, BMP_PEER_GLOBAL, 0, 65000);
    u8(b, reason);
    start = b->len;
    marker(b);
    fn = field(b, 2, false);
    u8(b, BGP_MSG_NOTIFICATION);
    u8(b, 6);                                       /* Cease */
    u8(b, 2);                                       /* admin shutdown */
    u8(b, 0xaa);                                    /* data */
    close_field_from(b, fn, start);
    bmp_end(b, f);
}

static void build_stats(struct bld *b)
{
    static const uint8_t six[6] = { 1, 2, 3, 4, 5, 6 };
    size_t f = bmp_begin(b, BMP_MSG_STATS_REPORT);
    size_t fc, fi;

    peer_hdr(b, BMP_PEER_GLOBAL, 0, 65000);
    fc = field(b, 4, false);
    u16(b, 0);                                      /* rejected prefixes */
    fi = field(b, 2, false);
    u32(b, 11);
    close_field(b, fi);
    u16(b, 7);                                      /* Adj-RIB-In routes */
    fi = field(b, 2, false);
    u32(b, 1);
    u32(b, 2);
    close_field(b, fi);
    u16(b, 9);                                      /* per AFI/SAFI */
    fi = field(b, 2, false);
    u16(b, BGP_AFI_L2VPN);
    u8(b, BGP_SAFI_EVPN);
    u32(b, 0);
    u32(b, 42);
    close_field(b, fi);
    u16(b, 20);                                     /* unknown, 6 bytes */
    fi = field(b, 2, false);
    raw(b, six, 6);
    close_field(b, fi);
    put_at(b->d, b->fpos[fc], 4, 4);
    bmp_end(b, f);
}

static void build_initiation(struct bld *b)
{
    static const char descr[] = "FRRouting 8.4.4";
    size_t f = bmp_begin(b, BMP_MSG_INITIATION);

    tlv(b, 1, descr, strlen(descr));
    tlv(b, 2, "leaf2", 5);
    tlv(b, 0, "x", 1);
    bmp_end(b, f);
}

static void build_termination(struct bld *b)
{
    static const uint8_t reason[2] = { 0, 2 };
    size_t f = bmp_begin(b, BMP_MSG_TERMINATION);

    tlv(b, 0, "bye", 3);
    tlv(b, 1, reason, 2);
    bmp_end(b, f);
}

static void build_mirror(struct bld *b)
{
    static const uint8_t code[2] = { 0, 1 };
    size_t f = bmp_begin(b, BMP_MSG_ROUTE_MIRRORING);
    size_t fi, first, i;

    peer_hdr(b, BMP_PEER_GLOBAL, 0, 65000);
    u16(b, 0);
    fi = field(b, 2, false);
    first = b->nf;
    update_msg(b, true);
    /* only the BGP header of a mirrored PDU is checked */
    for (i = first + 1; i < b->nf; i++)
        b->fmark[i] = true;
    close_field(b, fi);
    tlv(b, 1, code, 2);
    bmp_end(b, f);
}

/* ---- helpers ---------------------------------------------------------- */

static enum bmp_result parse(struct bmp_parser *ps, const struct bld *b,
                             struct bmp_msg *m)
{
    return bmp_parse_msg(ps, b->d, b->len, m);
}

static void expect_error(const struct bld *b, enum bmp_err kind,
                         const char *needle)
{
    struct bmp_parser ps;
    static struct bmp_msg m;

    bmp_parser_init(&ps);
    assert_int_equal(parse(&ps, b, &m), BMP_MSG_ERROR);
    if (m.err != kind)
        fail_msg("error kind %s (\"%s\"), want %s", bmp_err_name(m.err),
                 m.reason, bmp_err_name(kind));
    if (strstr(m.reason, needle) == NULL)
        fail_msg("reason \"%s\" lacks \"%s\"", m.reason, needle);
    assert_int_equal(ps.c.malformed, 1);
    assert_int_equal(ps.c.err[kind], 1);
}

/* What a message test works on: a builder, a parser and the last message
 * parsed. new_case() zeroes it and initialises the parser before each test
 * that names it as its setup. */
struct msg_case {
    struct bld b;
    struct bmp_parser ps;
    struct bmp_msg m;
};

static int new_case(void **state)
{
    static struct msg_case c;

    memset(&c, 0, sizeof(c));
    bmp_parser_init(&c.ps);
    *state = &c;
    return 0;
}

static bool bytes_eq(struct bmp_bytes v, const char *s)
{
    return v.data != NULL && v.len == strlen(s) &&
           memcmp(v.data, s, v.len) == 0;
}

static uint8_t fixture[4096];
static size_t fixture_len;

static int load_fixture(void **state)
{
    const char *path = getenv("BMP_FIXTURE");
    FILE *f;

    (void)state;
    if (path == NULL)
        path = BMP_FIXTURE_PATH;
    f = fopen(path, "rb");
    if (f == NULL) {
        fprintf(stderr, "cannot open fixture %s (set BMP_FIXTURE)\n", path);
        return -1;
    }
    fixture_len = fread(fixture, 1, sizeof(fixture), f);
    fclose(f);
    return fixture_len == FIXTURE_LEN ? 0 : -1;
}

/* Splits the fixture into its messages with the framer. */
static size_t fixture_frames(const uint8_t **msgs, size_t *lens, size_t max)
{
    static uint8_t buf[8192];
    struct bmp_stream s;
    size_t n = 0;

    bmp_stream_init(&s, buf, sizeof(buf));
    assert_int_equal(bmp_stream_append(&s, fixture, fixture_len),
                     fixture_len);
    while (n < max && bmp_stream_next(&s, &msgs[n], &lens[n]) == BMP_FRAME_OK)
        n++;
    return n;
}

/* ---- part 1: the FRR capture ------------------------------------------ */

static void check_fixture_attrs(const struct bgp_update *u, bool local)
{
    const struct bgp_attrs *a = &u->attrs;
    char s[32];

    assert_int_equal(a->origin, 0);
    assert_true(a->present & BGP_ATTR_BIT(BGP_ATTR_AS_PATH));
    assert_int_equal(a->as_path_len, 0);            /* iBGP */
    assert_int_equal(a->n_rts, 1);
    assert_int_equal(a->rts[0].type, 0);
    assert_string_equal(bgp_rt_format(&a->rts[0], s, sizeof(s)), "65000:100");
    assert_int_equal(a->n_encaps, 1);
    assert_int_equal(a->encap_types[0], BGP_TUNNEL_VXLAN);
    assert_false(a->mac_mobility.present);
    assert_int_equal(a->n_ext_other, 0);
    assert_int_equal(u->nh_len, 4);
    if (local) {
        assert_false(a->present & BGP_ATTR_BIT(BGP_ATTR_LOCAL_PREF));
        assert_false(a->present & BGP_ATTR_BIT(BGP_ATTR_ORIGINATOR_ID));
        assert_memory_equal(u->nh, ((const uint8_t[]){ 198, 51, 100, 2 }), 4);
        return;
    }
    assert_int_equal(a->local_pref, 100);
    assert_int_equal(a->originator_id, 0xc6336401);     /* 198.51.100.1 */
    assert_int_equal(a->n_cluster_ids, 1);
    assert_int_equal(a->cluster_ids[0], 0xc6336402);    /* 198.51.100.2 */
    assert_memory_equal(u->nh, VTEP, 4);
}

static void check_fixture_imet(const struct bmp_msg *m, bool local)
{
    const struct bgp_update *u = &m->rm.update;
    const uint8_t leaf2[4] = { 198, 51, 100, 2 };
    const uint8_t *orig = local ? leaf2 : VTEP;
    struct evpn_nlri_iter it;
    struct evpn_route r;

    check_fixture_attrs(u, local);
    assert_true(u->attrs.pmsi.present);
    assert_int_equal(u->attrs.pmsi.flags, 0);
    assert_int_equal(u->attrs.pmsi.tunnel_type, BGP_PMSI_INGRESS_REPL);
    assert_int_equal(u->attrs.pmsi.label, 100);         /* VNI 100 */
    assert_int_equal(u->attrs.pmsi.endpoint_len, 4);
    assert_memory_equal(u->attrs.pmsi.endpoint, orig, 4);
    assert_int_equal(u->evpn_reach.n_routes, 1);
    evpn_nlri_iter_init(&it, &u->evpn_reach);
    assert_true(evpn_nlri_iter_next(&it, &r));
    assert_int_equal(r.type, EVPN_ROUTE_IMET);
    assert_string_equal(r.rd.str, local ? "198.51.100.2:2" : "198.51.100.1:2");
    assert_int_equal(r.eth_tag, 0);
    assert_int_equal(r.ip_len, 32);
    assert_memory_equal(r.ip, orig, 4);
    assert_false(evpn_nlri_iter_next(&it, &r));
}

/* One MAC/IP route: advertised (reach) or withdrawn. */
static void check_fixture_mac(const struct bmp_msg *m, bool with_ip,
                              bool reach)
{
    static const uint8_t mac[6] = { 0x02, 0x00, 0x00, 0x00, 0x01, 0x01 };
    static const uint8_t zero_esi[10] = { 0 };
    static const uint8_t host[4] = { 203, 0, 113, 11 };
    const struct bgp_update *u = &m->rm.update;
    struct evpn_nlri_iter it;
    struct evpn_route r;

    if (reach) {
        check_fixture_attrs(u, false);
        assert_false(u->attrs.pmsi.present);
        assert_int_equal(u->evpn_reach.n_routes, 1);
        assert_int_equal(u->evpn_unreach.n_routes, 0);
        evpn_nlri_iter_init(&it, &u->evpn_reach);
    } else {
        assert_false(u->has_mp_reach);
        assert_int_equal(u->n_attrs, 1);
        assert_int_equal(u->evpn_unreach.n_routes, 1);
        assert_int_equal(u->eor, BGP_EOR_NONE);
        evpn_nlri_iter_init(&it, &u->evpn_unreach);
    }
    assert_true(evpn_nlri_iter_next(&it, &r));
    assert_int_equal(r.type, EVPN_ROUTE_MAC_IP);
    assert_int_equal(r.rd.type, 1);
    assert_int_equal(r.rd.admin, 0xc6336401);
    assert_int_equal(r.rd.number, 2);
    assert_string_equal(r.rd.str, "198.51.100.1:2");
    assert_memory_equal(r.esi, zero_esi, 10);
    assert_int_equal(r.eth_tag, 0);
    assert_memory_equal(r.mac, mac, 6);
    assert_int_equal(r.ip_len, with_ip ? 32 : 0);
    if (with_ip)
        assert_memory_equal(r.ip, host, 4);
    /* FRR 8.4 BMP encodes EVPN prefixes without their labels: the one
     * label field is 0 in this capture (VNI 100 is in the PMSI label) */
    assert_int_equal(r.n_labels, 1);
    assert_int_equal(r.label1, 0);
    assert_false(evpn_nlri_iter_next(&it, &r));
}

static void test_fixture(void **state)
{
    static uint8_t buf[BMP_MAX_MSG_LEN];
    static struct bmp_msg m;
    struct bmp_stream s;
    struct bmp_parser ps;
    const uint8_t *msg;
    size_t len;
    int i = 0, post = 0;

    (void)state;
    bmp_stream_init(&s, buf, sizeof(buf));
    bmp_parser_init(&ps);
    assert_int_equal(bmp_stream_append(&s, fixture, fixture_len), FIXTURE_LEN);
    while (bmp_stream_next(&s, &msg, &len) == BMP_FRAME_OK) {
        assert_int_equal(bmp_parse_msg(&ps, msg, len, &m), BMP_MSG_OK);
        assert_int_equal(m.version, 3);
        assert_int_equal(m.length, len);
        if (m.has_peer && m.peer.post_policy)
            post++;
        if (i == 0) {
            assert_int_equal(m.type, BMP_MSG_INITIATION);
            assert_false(m.has_peer);
            assert_int_equal(m.info.n_tlvs, 2);
            assert_true(bytes_eq(m.info.sys_descr, "FRRouting 8.4.4"));
            assert_true(bytes_eq(m.info.sys_name, "leaf2"));
        } else if (i == 1) {
            assert_int_equal(m.type, BMP_MSG_PEER_UP);
            assert_int_equal(m.peer.type, BMP_PEER_GLOBAL);
            assert_int_equal(m.peer.flags, 0);
            assert_false(m.peer.ipv6);
            assert_true(m.peer.as4);
            assert_string_equal(m.peer.addr_str, "192.0.2.1");
            assert_int_equal(m.peer.as, 65000);
            assert_int_equal(m.peer.bgp_id, 0xc6336401);
            assert_int_equal(m.peer.distinguisher, 0);
            assert_int_equal(m.peer.ts_sec, 1795464137);
            assert_string_equal(m.peer_up.local_addr_str, "192.0.2.2");
            assert_int_equal(m.peer_up.local_port, 38790);
            assert_int_equal(m.peer_up.remote_port, 179);
            assert_int_equal(m.peer_up.sent.my_as, 65000);
            assert_int_equal(m.peer_up.sent.hold_time, 9);
            assert_int_equal(m.peer_up.sent.bgp_id, 0xc6336402);
            assert_int_equal(m.peer_up.sent.pdu.len, 116);
            assert_int_equal(m.peer_up.received.bgp_id, 0xc6336401);
            assert_true(m.peer_up.sent.as4);
            assert_true(m.peer_up.received.as4);
            assert_int_equal(m.peer_up.received.as4_number, 65000);
            assert_true(m.peer_up.sent.mp_evpn);
            assert_true(m.peer_up.as4);
            assert_int_equal(m.peer_up.info.n_tlvs, 0);
        } else if (i == FIXTURE_MSGS - 1) {
            assert_int_equal(m.type, BMP_MSG_PEER_DOWN);
            assert_string_equal(m.peer.addr_str, "192.0.2.1");
            assert_int_equal(m.peer_down.reason, BMP_DOWN_REMOTE_NO_NOTIFY);
            assert_false(m.peer_down.has_notification);
            assert_int_equal(m.peer_down.data.len, 0);
        } else {
            assert_int_equal(m.type, BMP_MSG_ROUTE_MONITORING);
            /* message 4 is leaf2's own IMET route: zero peer */
            assert_string_equal(m.peer.addr_str,
                                i == 4 ? "0.0.0.0" : "192.0.2.1");
            assert_int_equal(m.peer.as, i == 4 ? 0 : 65000);
            assert_int_equal(m.rm.update.eor,
                             (i == 5 || i == 6) ? BGP_EOR_EVPN : BGP_EOR_NONE);
            if (i == 2 || i == 3 || i == 4)
                check_fixture_imet(&m, i == 4);
            else if (i == 5 || i == 6)
                assert_int_equal(m.peer.ts_sec, 0);
            else if (i == 7 || i == 8 || i == 15 || i == 16)
                check_fixture_mac(&m, false, true);
            else if (i == 9 || i == 10 || i == 17 || i == 18)
                check_fixture_mac(&m, true, true);
            else if (i == 11 || i == 12)
                check_fixture_mac(&m, true, false);
            else
                check_fixture_mac(&m, false, false);
        }
        i++;
    }
    assert_int_equal(i, FIXTURE_MSGS);
    assert_int_equal(post, 9);
    assert_int_equal(s.frames, FIXTURE_MSGS);
    assert_int_equal(s.bytes_in, FIXTURE_LEN);
    assert_int_equal(ps.c.msgs, FIXTURE_MSGS);
    assert_int_equal(ps.c.by_type[BMP_MSG_INITIATION], 1);
    assert_int_equal(ps.c.by_type[BMP_MSG_PEER_UP], 1);
    assert_int_equal(ps.c.by_type[BMP_MSG_ROUTE_MONITORING], 17);
    assert_int_equal(ps.c.by_type[BMP_MSG_PEER_DOWN], 1);
    assert_int_equal(ps.c.by_type[BMP_MSG_STATS_REPORT], 0);
    assert_int_equal(ps.c.unknown_type, 0);
    assert_int_equal(ps.c.malformed, 0);
    assert_int_equal(ps.c.evpn_reach, 11);
    assert_int_equal(ps.c.evpn_unreach, 4);
    assert_int_equal(ps.c.evpn_skipped, 0);
    assert_int_equal(ps.c.eor_evpn, 2);
    assert_int_equal(ps.c.eor_ipv4, 0);
    assert_int_equal(ps.c.attrs_unknown, 0);
    assert_int_equal(ps.c.ipv4_nlri, 0);
}

/* Fed one byte at a time through a small buffer: same 20 messages. */
static void test_fixture_byte_by_byte(void **state)
{
    static uint8_t buf[512];
    static struct bmp_msg m;
    struct bmp_stream s;
    struct bmp_parser ps;
    const uint8_t *msg;
    size_t len, i, room;

    (void)state;
    bmp_stream_init(&s, buf, sizeof(buf));
    bmp_parser_init(&ps);
    for (i = 0; i < fixture_len; i++) {
        uint8_t *dst = bmp_stream_space(&s, &room);
        enum bmp_frame st;

        assert_true(room > 0);
        *dst = fixture[i];
        bmp_stream_commit(&s, 1);
        while ((st = bmp_stream_next(&s, &msg, &len)) == BMP_FRAME_OK)
            assert_int_equal(bmp_parse_msg(&ps, msg, len, &m), BMP_MSG_OK);
        assert_int_equal(st, BMP_FRAME_NEED_MORE);
    }
    assert_int_equal(s.frames, FIXTURE_MSGS);
    assert_int_equal(ps.c.evpn_reach, 11);
    assert_int_equal(ps.c.evpn_unreach, 4);
    assert_int_equal(ps.c.eor_evpn, 2);
}

/* Every prefix of the stream: complete messages come out, then "need
 * more", never a fatal error. */
static void test_fixture_every_prefix(void **state)
{
    static uint8_t buf[4096];
    const uint8_t *msgs[32];
    size_t lens[32], ends[32] = { 0 };
    struct bmp_stream s;
    const uint8_t *msg;
    size_t n, k, i, len;

    (void)state;
    n = fixture_frames(msgs, lens, 32);
    assert_int_equal(n, FIXTURE_MSGS);
    for (i = 0; i < n; i++)
        ends[i] = (i > 0 ? ends[i - 1] : 0) + lens[i];
    assert_int_equal(ends[n - 1], FIXTURE_LEN);
    for (k = 0; k <= fixture_len; k++) {
        size_t want = 0, got = 0;

        bmp_stream_init(&s, buf, sizeof(buf));
        bmp_stream_append(&s, fixture, k);
        while (want < n && ends[want] <= k)
            want++;
        while (bmp_stream_next(&s, &msg, &len) == BMP_FRAME_OK)
            got++;
        assert_int_equal(got, want);
        assert_int_equal(bmp_stream_next(&s, &msg, &len),
                         BMP_FRAME_NEED_MORE);
        assert_false(s.fatal);
    }
}

/* Each message cut at every length, its BMP length fixed to match: an
 * error with a reason (Initiation may end on a TLV boundary), no crash. */
static void test_fixture_truncated_inside(void **state)
{
    static uint8_t d[512];
    static struct bmp_msg m;
    const uint8_t *msgs[32];
    size_t lens[32];
    struct bmp_parser ps;
    size_t n, i, k;
    enum bmp_result r;

    (void)state;
    n = fixture_frames(msgs, lens, 32);
    bmp_parser_init(&ps);
    for (i = 0; i < n; i++) {
        for (k = 0; k < lens[i]; k++) {
            memcpy(d, msgs[i], k);
            if (k >= 5)
                put_at(d, 1, 4, k);
            r = bmp_parse_msg(&ps, d, k, &m);
            if (msgs[i][5] != BMP_MSG_INITIATION || k < 6)
                assert_int_equal(r, BMP_MSG_ERROR);
            if (r == BMP_MSG_ERROR)
                assert_true(strlen(m.reason) > 0);
            /* length field untouched: always a header error */
            assert_int_equal(bmp_parse_msg(&ps, msgs[i], k, &m),
                             BMP_MSG_ERROR);
            assert_int_equal(m.err, BMP_ERR_HEADER);
        }
    }
}

/* ---- part 2: built messages ------------------------------------------- */

static void test_route_mon_as4_and_as2(void **state)
{
    struct msg_case *t = *state;
    struct evpn_nlri_iter it;
    struct evpn_route r;

    build_route_mon(&t->b, BMP_PEER_FLAG_L, true);
    assert_int_equal(parse(&t->ps, &t->b, &t->m), BMP_MSG_OK);
    assert_true(t->m.peer.as4);
    assert_true(t->m.peer.post_policy);
    assert_int_equal(t->m.peer.distinguisher, 7);
    assert_int_equal(t->m.peer.ts_usec, 123456);
    assert_int_equal(t->m.rm.update.attrs.first_as, 65001);
    assert_int_equal(t->m.rm.update.attrs.last_as, 65002);
    assert_int_equal(t->m.rm.update.attrs.as_path_len, 2);
    assert_int_equal(t->m.rm.bgp_pdu.len, t->b.len - 48);
    evpn_nlri_iter_init(&it, &t->m.rm.update.evpn_reach);
    assert_true(evpn_nlri_iter_next(&it, &r));
    assert_int_equal(evpn_label_vni(r.label1), 100);

    /* A flag: legacy 2-byte AS_PATH */
    build_route_mon(&t->b, BMP_PEER_FLAG_A, false);
    assert_int_equal(parse(&t->ps, &t->b, &t->m), BMP_MSG_OK);
    assert_false(t->m.peer.as4);
    assert_false(t->m.rm.update.attrs.as4);
    assert_int_equal(t->m.rm.update.attrs.first_as, 65001);
    assert_int_equal(t->m.rm.update.attrs.last_as, 65002);

    /* 2-byte path without the A flag is read as 4-byte and fails */
    build_route_mon(&t->b, 0, false);
    expect_error(&t->b, BMP_ERR_BGP, "route-monitoring: AS_PATH");
    assert_int_equal(t->ps.c.evpn_reach, 2);
}

static void test_route_mon_ipv6_peer_and_loc_rib(void **state)
{
    struct msg_case *t = *state;
    size_t f;

    build_route_mon(&t->b, BMP_PEER_FLAG_V | BMP_PEER_FLAG_O, true);
    assert_int_equal(parse(&t->ps, &t->b, &t->m), BMP_MSG_OK);
    assert_true(t->m.peer.ipv6);
    assert_true(t->m.peer.adj_rib_out);
    assert_string_equal(t->m.peer.addr_str, "2001:db8::1");

    /* Loc-RIB (RFC 9069): F flag 0x80 is not V; 4-byte AS */
    f = bmp_begin(&t->b, BMP_MSG_ROUTE_MONITORING);
    peer_hdr(&t->b, BMP_PEER_LOC_RIB, 0x80, 0);
    memset(t->b.d + t->b.len - 32, 0, 16);
    update_msg(&t->b, true);
    bmp_end(&t->b, f);
    assert_int_equal(parse(&t->ps, &t->b, &t->m), BMP_MSG_OK);
    assert_false(t->m.peer.ipv6);
    assert_true(t->m.peer.as4);
    assert_string_equal(t->m.peer.addr_str, "0.0.0.0");

    /* unknown peer type: parsed, counted */
    build_route_mon(&t->b, 0, true);
    t->b.d[6] = 9;
    assert_int_equal(parse(&t->ps, &t->b, &t->m), BMP_MSG_OK);
    assert_int_equal(t->ps.c.peer_type_unknown, 1);
}

static void test_route_mon_errors(void **state)
{
    static const uint8_t mp[12] = { 0, 25, 70, 40, 1, 2, 3, 4, 5, 6, 7, 8 };
    struct bld b;
    size_t f, fl, fa;

    (void)state;
    /* UPDATE whose MP_REACH_NLRI next hop overruns the attribute */
    f = bmp_begin(&b, BMP_MSG_ROUTE_MONITORING);
    peer_hdr(&b, BMP_PEER_GLOBAL, 0, 65000);
    marker(&b);
    fl = field(&b, 2, false);
    u8(&b, BGP_MSG_UPDATE);
    u16(&b, 0);
    fa = field(&b, 2, false);
    u8(&b, 0x80);
    u8(&b, BGP_ATTR_MP_REACH);
    u8(&b, sizeof(mp));
    raw(&b, mp, sizeof(mp));
    close_field(&b, fa);
    close_field_from(&b, fl, 48);
    bmp_end(&b, f);
    expect_error(&b, BMP_ERR_BGP,
                 "route-monitoring: MP_REACH_NLRI next hop length 40 "
                 "exceeds attribute length 12");

    /* per-peer header cut short */
    f = bmp_begin(&b, BMP_MSG_ROUTE_MONITORING);
    u32(&b, 0);
    bmp_end(&b, f);
    expect_error(&b, BMP_ERR_PEER_HEADER,
                 "route-monitoring: 4 bytes after the common header, the "
                 "per-peer header needs 42");

    /* no BGP message at all */
    f = bmp_begin(&b, BMP_MSG_ROUTE_MONITORING);
    peer_hdr(&b, BMP_PEER_GLOBAL, 0, 65000);
    bmp_end(&b, f);
    expect_error(&b, BMP_ERR_BGP, "BGP header needs 19 bytes, 0 present");

    /* wrong version / length given directly to the parser */
    build_route_mon(&b, 0, true);
    b.d[0] = 2;
    expect_error(&b, BMP_ERR_HEADER, "bmp: version 2, expected 3");
    build_route_mon(&b, 0, true);
    b.len--;
    expect_error(&b, BMP_ERR_HEADER, "does not match");
    b.len = 3;
    expect_error(&b, BMP_ERR_HEADER, "3 bytes, the common header needs 6");
}

static void test_peer_up(void **state)
{
    struct msg_case *t = *state;
    const struct bmp_peer_up *up = &t->m.peer_up;

    build_peer_up(&t->b);
    assert_int_equal(parse(&t->ps, &t->b, &t->m), BMP_MSG_OK);
    assert_string_equal(t->m.peer.addr_str, "2001:db8::1");
    assert_string_equal(up->local_addr_str, "2001:db8::2");
    assert_int_equal(up->local_port, 40000);
    assert_int_equal(up->remote_port, 179);
    assert_true(up->sent.as4);                      /* RFC 9072 encoding */
    assert_true(up->sent.mp_evpn);
    assert_int_equal(up->sent.n_caps, 2);
    assert_int_equal(up->sent.bgp_id, 0xc6336402);
    assert_false(up->received.as4);
    assert_true(up->received.mp_evpn);
    assert_false(up->as4);                          /* not negotiated */
    assert_int_equal(up->info.n_tlvs, 3);
    assert_int_equal(up->info.n_strings, 1);
    assert_true(bytes_eq(up->info.strings[0], "hello"));
    assert_true(bytes_eq(up->info.vrf_name, "blue"));
    assert_int_equal(up->info.n_other, 1);
    assert_int_equal(t->ps.c.tlv_other, 1);

    build_peer_up(&t->b);
    t->b.d[48 + 20 + 18] = BGP_MSG_UPDATE;
    expect_error(&t->b, BMP_ERR_PEER_UP,
                 "peer-up: sent message type 2 is not OPEN (1)");
    build_peer_up(&t->b);
    t->b.len = 48 + 19;
    put_at(t->b.d, 1, 4, t->b.len);
    expect_error(&t->b, BMP_ERR_PEER_UP, "need 20");
}

static void test_peer_down(void **state)
{
    struct msg_case *t = *state;
    static const uint8_t fsm[2] = { 0, 5 };
    size_t f;
    unsigned int reason;

    build_peer_down_notify(&t->b, BMP_DOWN_LOCAL_NOTIFY);
    assert_int_equal(parse(&t->ps, &t->b, &t->m), BMP_MSG_OK);
    assert_true(t->m.peer_down.has_notification);
    assert_int_equal(t->m.peer_down.notify_code, 6);
    assert_int_equal(t->m.peer_down.notify_subcode, 2);
    assert_int_equal(t->m.peer_down.data.len, 22);
    build_peer_down_notify(&t->b, BMP_DOWN_REMOTE_NOTIFY);
    assert_int_equal(parse(&t->ps, &t->b, &t->m), BMP_MSG_OK);
    assert_int_equal(t->m.peer_down.reason, 3);

    f = bmp_begin(&t->b, BMP_MSG_PEER_DOWN);
    peer_hdr(&t->b, BMP_PEER_GLOBAL, 0, 65000);
    u8(&t->b, BMP_DOWN_LOCAL_NO_NOTIFY);
    raw(&t->b, fsm, 2);
    bmp_end(&t->b, f);
    assert_int_equal(parse(&t->ps, &t->b, &t->m), BMP_MSG_OK);
    assert_true(t->m.peer_down.has_fsm_event);
    assert_int_equal(t->m.peer_down.fsm_event, 5);
    u8(&t->b, 0);
    bmp_end(&t->b, f);
    expect_error(&t->b, BMP_ERR_PEER_DOWN,
                 "peer-down: reason 2: FSM event code needs exactly 2 bytes, "
                 "3 present");

    for (reason = 4; reason <= 5; reason++) {
        f = bmp_begin(&t->b, BMP_MSG_PEER_DOWN);
        peer_hdr(&t->b, BMP_PEER_GLOBAL, 0, 65000);
        u8(&t->b, reason);
        bmp_end(&t->b, f);
        assert_int_equal(parse(&t->ps, &t->b, &t->m), BMP_MSG_OK);
        u8(&t->b, 1);
        bmp_end(&t->b, f);
        expect_error(&t->b, BMP_ERR_PEER_DOWN, "carries no data, 1 bytes");
    }

    f = bmp_begin(&t->b, BMP_MSG_PEER_DOWN);
    peer_hdr(&t->b, BMP_PEER_GLOBAL, 0, 65000);
    u8(&t->b, BMP_DOWN_LOCAL_TLV);
    tlv(&t->b, 0, "vrf gone", 8);
    bmp_end(&t->b, f);
    assert_int_equal(parse(&t->ps, &t->b, &t->m), BMP_MSG_OK);
    assert_true(bytes_eq(t->m.peer_down.info.strings[0], "vrf gone"));

    f = bmp_begin(&t->b, BMP_MSG_PEER_DOWN);
    peer_hdr(&t->b, BMP_PEER_GLOBAL, 0, 65000);
    u8(&t->b, 42);
    u8(&t->b, 1);
    bmp_end(&t->b, f);
    assert_int_equal(parse(&t->ps, &t->b, &t->m), BMP_MSG_OK);
    assert_int_equal(t->m.peer_down.data.len, 1);
    assert_int_equal(t->ps.c.peer_down_unknown_reason, 1);

    f = bmp_begin(&t->b, BMP_MSG_PEER_DOWN);
    peer_hdr(&t->b, BMP_PEER_GLOBAL, 0, 65000);
    bmp_end(&t->b, f);
    expect_error(&t->b, BMP_ERR_PEER_DOWN, "peer-down: no reason code");

    build_peer_down_notify(&t->b, BMP_DOWN_REMOTE_NOTIFY);
    t->b.d[48 + 1 + 18] = BGP_MSG_KEEPALIVE;
    expect_error(&t->b, BMP_ERR_PEER_DOWN, "is not NOTIFICATION (3)");
    build_peer_down_notify(&t->b, BMP_DOWN_REMOTE_NOTIFY);
    t->b.d[48 + 1 + 5] = 0;
    expect_error(&t->b, BMP_ERR_PEER_DOWN, "marker byte 5 is 0x00");
}

static void test_stats(void **state)
{
    struct msg_case *t = *state;
    const struct bmp_stats *st = &t->m.stats;

    build_stats(&t->b);
    assert_int_equal(parse(&t->ps, &t->b, &t->m), BMP_MSG_OK);
    assert_int_equal(st->count, 4);
    assert_int_equal(st->n_stored, 4);
    assert_int_equal(st->stat[0].type, 0);
    assert_true(st->stat[0].decoded);
    assert_int_equal(st->stat[0].value, 11);
    assert_int_equal(st->stat[1].value, 0x100000002ull);
    assert_true(st->stat[2].has_afi_safi);
    assert_int_equal(st->stat[2].afi, BGP_AFI_L2VPN);
    assert_int_equal(st->stat[2].safi, BGP_SAFI_EVPN);
    assert_int_equal(st->stat[2].value, 42);
    assert_int_equal(st->stat[3].type, 20);
    assert_false(st->stat[3].decoded);
    assert_int_equal(st->stat[3].len, 6);
    assert_int_equal(t->ps.c.by_type[BMP_MSG_STATS_REPORT], 1);

    build_stats(&t->b);
    put_at(t->b.d, 48, 4, 5);
    expect_error(&t->b, BMP_ERR_STATS,
                 "statistics-report: stats count 5 but only 4 statistics "
                 "present");
    build_stats(&t->b);
    put_at(t->b.d, 48, 4, 3);
    expect_error(&t->b, BMP_ERR_STATS, "10 bytes left after the 3 statistics");
    build_stats(&t->b);
    put_at(t->b.d, 48 + 4 + 2, 2, 5);                  /* type 0, length 5 */
    expect_error(&t->b, BMP_ERR_STATS, "statistic type 0 length 5, must be 4");
}

static void test_initiation_termination(void **state)
{
    struct msg_case *t = *state;
    static const uint8_t bad_reason[3] = { 0, 1, 2 };
    size_t f;

    build_initiation(&t->b);
    assert_int_equal(parse(&t->ps, &t->b, &t->m), BMP_MSG_OK);
    assert_true(bytes_eq(t->m.info.sys_descr, "FRRouting 8.4.4"));
    assert_true(bytes_eq(t->m.info.sys_name, "leaf2"));
    assert_true(bytes_eq(t->m.info.strings[0], "x"));

    build_termination(&t->b);
    assert_int_equal(parse(&t->ps, &t->b, &t->m), BMP_MSG_OK);
    assert_true(t->m.info.has_term_reason);
    assert_int_equal(t->m.info.term_reason, 2);
    assert_true(bytes_eq(t->m.info.strings[0], "bye"));
    assert_int_equal(t->ps.c.by_type[BMP_MSG_TERMINATION], 1);

    f = bmp_begin(&t->b, BMP_MSG_TERMINATION);
    tlv(&t->b, 1, bad_reason, 3);
    bmp_end(&t->b, f);
    expect_error(&t->b, BMP_ERR_TLV,
                 "termination: termination reason TLV length 3, must be 2");

    /* more String TLVs than stored: all counted */
    f = bmp_begin(&t->b, BMP_MSG_INITIATION);
    for (int i = 0; i < BMP_MAX_STRINGS + 3; i++)
        tlv(&t->b, 0, "s", 1);
    bmp_end(&t->b, f);
    assert_int_equal(parse(&t->ps, &t->b, &t->m), BMP_MSG_OK);
    assert_int_equal(t->m.info.n_strings, BMP_MAX_STRINGS + 3);

    /* empty Initiation is accepted */
    f = bmp_begin(&t->b, BMP_MSG_INITIATION);
    bmp_end(&t->b, f);
    assert_int_equal(parse(&t->ps, &t->b, &t->m), BMP_MSG_OK);
    assert_int_equal(t->m.info.n_tlvs, 0);

    build_initiation(&t->b);
    t->b.len -= 1;
    put_at(t->b.d, 1, 4, t->b.len);
    expect_error(&t->b, BMP_ERR_TLV,
                 "initiation: information TLV type 0 at offset 28: length 1 "
                 "exceeds the 0 bytes left");
}

static void test_route_mirroring(void **state)
{
    struct msg_case *t = *state;
    size_t f;

    build_mirror(&t->b);
    assert_int_equal(parse(&t->ps, &t->b, &t->m), BMP_MSG_OK);
    assert_int_equal(t->m.mirror.n_tlvs, 2);
    assert_int_equal(t->m.mirror.n_bgp_pdus, 1);
    assert_non_null(t->m.mirror.bgp_pdu.data);
    assert_int_equal(t->m.mirror.bgp_pdu.data[18], BGP_MSG_UPDATE);
    assert_true(t->m.mirror.has_info);
    assert_int_equal(t->m.mirror.info_code, 1);

    f = bmp_begin(&t->b, BMP_MSG_ROUTE_MIRRORING);
    peer_hdr(&t->b, BMP_PEER_GLOBAL, 0, 65000);
    tlv(&t->b, 1, "abc", 3);
    bmp_end(&t->b, f);
    expect_error(&t->b, BMP_ERR_TLV,
                 "route-mirroring: mirroring information TLV length 3");
}

static void test_unknown_type_skipped(void **state)
{
    struct msg_case *t = *state;
    size_t f;

    f = bmp_begin(&t->b, 7);
    u32(&t->b, 0xdeadbeef);
    bmp_end(&t->b, f);
    assert_int_equal(parse(&t->ps, &t->b, &t->m), BMP_MSG_SKIPPED);
    t->b.d[5] = 200;
    assert_int_equal(parse(&t->ps, &t->b, &t->m), BMP_MSG_SKIPPED);
    assert_int_equal(t->ps.c.unknown_type, 2);
    assert_int_equal(t->ps.c.malformed, 0);
    assert_int_equal(t->ps.c.msgs, 2);
    assert_string_equal(bmp_msg_type_name(200), "unknown");
}

/* A bad message in the middle of a stream is reported and counted; the
 * messages after it are parsed normally. */
static void test_error_then_continue(void **state)
{
    static uint8_t buf[4096];
    static struct bmp_msg m;
    struct bld good, bad;
    struct bmp_stream s;
    struct bmp_parser ps;
    const uint8_t *msg;
    size_t len;
    enum bmp_result res[4] = { BMP_MSG_SKIPPED, BMP_MSG_SKIPPED,
                               BMP_MSG_SKIPPED, BMP_MSG_SKIPPED };
    int n = 0;

    (void)state;
    build_route_mon(&good, 0, true);
    build_route_mon(&bad, 0, true);
    bad.d[48 + 19 + 2 + 1] = 200;                   /* attrs length */
    bmp_stream_init(&s, buf, sizeof(buf));
    bmp_parser_init(&ps);
    bmp_stream_append(&s, good.d, good.len);
    bmp_stream_append(&s, bad.d, bad.len);
    bmp_stream_append(&s, good.d, good.len);
    while (bmp_stream_next(&s, &msg, &len) == BMP_FRAME_OK) {
        assert_true(n < 4);
        res[n++] = bmp_parse_msg(&ps, msg, len, &m);
        if (n == 2) {
            assert_int_equal(m.err, BMP_ERR_BGP);
            assert_int_equal(m.bgp_err, BGP_ERR_ATTR_FRAMING);
            assert_string_equal(m.reason,
                                "route-monitoring: path attribute length "
                                "200 exceeds the 88 bytes left");
        }
    }
    assert_int_equal(n, 3);
    assert_int_equal(res[0], BMP_MSG_OK);
    assert_int_equal(res[1], BMP_MSG_ERROR);
    assert_int_equal(res[2], BMP_MSG_OK);
    assert_int_equal(ps.c.malformed, 1);
    assert_int_equal(ps.c.err[BMP_ERR_BGP], 1);
    assert_int_equal(ps.c.bgp_err[BGP_ERR_ATTR_FRAMING], 1);
    assert_int_equal(ps.c.by_type[BMP_MSG_ROUTE_MONITORING], 3);
    assert_int_equal(ps.c.evpn_reach, 2);
    assert_string_equal(bmp_err_name(BMP_ERR_BGP), "bgp");
    assert_string_equal(bgp_err_name(BGP_ERR_ATTR_FRAMING), "attr_framing");
}

/* The short error paths and every name table. */
static void test_small_error_paths(void **state)
{
    struct msg_case *t = *state;
    static const uint8_t short_open[30] = {
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        0, 30, BGP_MSG_OPEN, 4, 0xfd, 0xe8, 0, 9, 1, 2, 3, 4, 1, 2 };
    static const uint8_t v6_eor[] = { 0x80, BGP_ATTR_MP_UNREACH, 3, 0, 2, 1 };
    size_t f, i, j;
    int k;

    f = bmp_begin(&t->b, BMP_MSG_STATS_REPORT);
    peer_hdr(&t->b, BMP_PEER_GLOBAL, 0, 65000);
    u16(&t->b, 0);
    bmp_end(&t->b, f);
    expect_error(&t->b, BMP_ERR_STATS, "stats count needs 4 bytes, 2 present");

    f = bmp_begin(&t->b, BMP_MSG_ROUTE_MIRRORING);
    peer_hdr(&t->b, BMP_PEER_GLOBAL, 0, 65000);
    u16(&t->b, 0);
    bmp_end(&t->b, f);
    expect_error(&t->b, BMP_ERR_TLV,
                 "mirroring TLV at offset 0: header needs 4 bytes, 2 left");
    f = bmp_begin(&t->b, BMP_MSG_ROUTE_MIRRORING);
    peer_hdr(&t->b, BMP_PEER_GLOBAL, 0, 65000);
    tlv(&t->b, 0, short_open, 10);
    bmp_end(&t->b, f);
    expect_error(&t->b, BMP_ERR_TLV,
                 "mirrored BGP message of 10 bytes, the header needs 19");

    f = bmp_begin(&t->b, BMP_MSG_PEER_DOWN);
    peer_hdr(&t->b, BMP_PEER_GLOBAL, 0, 65000);
    u8(&t->b, BMP_DOWN_LOCAL_NOTIFY);
    raw(&t->b, short_open, 10);
    bmp_end(&t->b, f);
    expect_error(&t->b, BMP_ERR_PEER_DOWN,
                 "reason 1: NOTIFICATION needs 21 bytes, 10 present");

    /* OPEN whose single optional parameter byte is a cut header */
    f = bmp_begin(&t->b, BMP_MSG_PEER_UP);
    peer_hdr(&t->b, BMP_PEER_GLOBAL, 0, 65000);
    for (k = 0; k < 20; k++)
        u8(&t->b, 0);
    raw(&t->b, short_open, sizeof(short_open));
    raw(&t->b, short_open, sizeof(short_open));
    bmp_end(&t->b, f);
    expect_error(&t->b, BMP_ERR_PEER_UP,
                 "peer-up: sent OPEN: parameter header needs 2 bytes, 1 left");

    /* End-of-RIB for IPv4 unicast and for another AFI/SAFI */
    for (k = 0; k < 2; k++) {
        f = bmp_begin(&t->b, BMP_MSG_ROUTE_MONITORING);
        peer_hdr(&t->b, BMP_PEER_GLOBAL, 0, 65000);
        marker(&t->b);
        u16(&t->b, k == 0 ? 23 : 23 + sizeof(v6_eor));
        u8(&t->b, BGP_MSG_UPDATE);
        u16(&t->b, 0);
        u16(&t->b, k == 0 ? 0 : sizeof(v6_eor));
        if (k == 1)
            raw(&t->b, v6_eor, sizeof(v6_eor));
        bmp_end(&t->b, f);
        assert_int_equal(parse(&t->ps, &t->b, &t->m), BMP_MSG_OK);
    }
    assert_int_equal(t->ps.c.eor_ipv4, 1);
    assert_int_equal(t->ps.c.eor_other, 1);
    assert_int_equal(t->ps.c.eor_evpn, 0);

    /* names: all distinct, none "unknown" */
    for (i = 0; i < BMP_ERR_NUM; i++) {
        assert_string_not_equal(bmp_err_name((enum bmp_err)i), "unknown");
        for (j = 0; j < i; j++)
            assert_string_not_equal(bmp_err_name((enum bmp_err)i),
                                    bmp_err_name((enum bmp_err)j));
    }
    assert_string_equal(bmp_err_name(BMP_ERR_NUM), "unknown");
    for (i = 0; i < BGP_ERR_NUM; i++) {
        assert_string_not_equal(bgp_err_name((enum bgp_err)i), "unknown");
        for (j = 0; j < i; j++)
            assert_string_not_equal(bgp_err_name((enum bgp_err)i),
                                    bgp_err_name((enum bgp_err)j));
    }
    assert_string_equal(bgp_err_name(BGP_ERR_NUM), "unknown");
    for (i = 0; i < BMP_MSG_TYPE_NUM; i++)
        assert_string_not_equal(bmp_msg_type_name((uint8_t)i), "unknown");
}

/* ---- part 3: framing and corruption ------------------------------------ */

static void test_framing_fatal(void **state)
{
    static uint8_t buf[256];
    static const uint8_t v1[1] = { 1 };
    static const uint8_t short_len[6] = { 3, 0, 0, 0, 5, 4 };
    static const uint8_t zero_len[6] = { 3, 0, 0, 0, 0, 4 };
    static const uint8_t huge[6] = { 3, 0, 0x10, 0, 1, 0 };   /* 1 MiB + 1 */
    static const uint8_t big_for_buf[6] = { 3, 0, 0, 1, 1, 0 };
    struct bmp_stream s;
    const uint8_t *msg;
    size_t len;
    char why[BMP_REASON_LEN];

    (void)state;
    bmp_stream_init(&s, buf, sizeof(buf));
    bmp_stream_append(&s, v1, 1);                   /* fatal from 1 byte */
    assert_int_equal(bmp_stream_next(&s, &msg, &len), BMP_FRAME_FATAL);
    assert_null(msg);
    assert_string_equal(s.reason, "BMP version 1, expected 3");
    assert_int_equal(bmp_stream_next(&s, &msg, &len), BMP_FRAME_FATAL);
    assert_int_equal(s.fatal_errors, 1);

    bmp_stream_init(&s, buf, sizeof(buf));
    bmp_stream_append(&s, short_len, 5);
    assert_int_equal(bmp_stream_next(&s, &msg, &len), BMP_FRAME_FATAL);
    assert_string_equal(s.reason,
                        "BMP message length 5 is below the 6-byte common "
                        "header");
    bmp_stream_init(&s, buf, sizeof(buf));
    bmp_stream_append(&s, zero_len, 6);
    assert_int_equal(bmp_stream_next(&s, &msg, &len), BMP_FRAME_FATAL);

    /* 1 MiB + 1: over the protocol maximum */
    assert_int_equal(bmp_frame_check(huge, 6, BMP_MAX_MSG_LEN, &len, why,
                                     sizeof(why)), BMP_FRAME_FATAL);
    assert_string_equal(why,
                        "BMP message length 1048577 exceeds the maximum "
                        "1048576");
    /* 257: over this stream's buffer */
    bmp_stream_init(&s, buf, sizeof(buf));
    bmp_stream_append(&s, big_for_buf, 6);
    assert_int_equal(bmp_stream_next(&s, &msg, &len), BMP_FRAME_FATAL);
    assert_string_equal(s.reason,
                        "BMP message length 257 exceeds the maximum 256");

    /* need more: nothing, 4 header bytes, a partial body */
    assert_int_equal(bmp_frame_check(huge, 0, 100, &len, NULL, 0),
                     BMP_FRAME_NEED_MORE);
    assert_int_equal(bmp_frame_check(huge, 4, 100, &len, NULL, 0),
                     BMP_FRAME_NEED_MORE);
    assert_int_equal(bmp_frame_check(big_for_buf, 6, 1000, &len, NULL, 0),
                     BMP_FRAME_NEED_MORE);
    assert_int_equal(len, 0);

    /* a stream without a buffer never yields anything */
    bmp_stream_init(&s, NULL, 100);
    assert_int_equal(bmp_stream_append(&s, v1, 1), 0);
    assert_int_equal(bmp_stream_next(&s, &msg, &len), BMP_FRAME_NEED_MORE);
}

/* Appending more than fits: the caller drains and appends the rest. */
static void test_stream_full_buffer(void **state)
{
    static uint8_t buf[400];
    static struct bmp_msg m;
    struct bmp_stream s;
    struct bmp_parser ps;
    const uint8_t *msg;
    size_t len, off = 0, room;
    int frames = 0;

    (void)state;
    bmp_stream_init(&s, buf, sizeof(buf));
    bmp_parser_init(&ps);
    while (off < fixture_len) {
        off += bmp_stream_append(&s, fixture + off, fixture_len - off);
        while (bmp_stream_next(&s, &msg, &len) == BMP_FRAME_OK) {
            assert_int_equal(bmp_parse_msg(&ps, msg, len, &m), BMP_MSG_OK);
            frames++;
        }
    }
    assert_int_equal(frames, FIXTURE_MSGS);
    assert_non_null(bmp_stream_space(&s, &room));
    assert_int_equal(room, sizeof(buf));
    bmp_stream_commit(&s, 10000);                   /* clamped */
    assert_non_null(bmp_stream_space(&s, &room));
    assert_int_equal(room, 0);
}

/* Every recorded length field of every built message type, set to 0, one
 * less, one more and its maximum: an error with a reason (fields inside a
 * mirrored BGP PDU, which BMP carries opaquely, only must not crash). */
static void test_length_fields_corrupted(void **state)
{
    static void (*const builders[])(struct bld *) = {
        build_peer_up, build_stats, build_initiation, build_termination,
        build_mirror,
    };
    struct bld good, b;
    struct bmp_parser ps;
    static struct bmp_msg m;
    size_t bi, fi, j, n, orig, vals[4];
    int checked = 0;

    (void)state;
    bmp_parser_init(&ps);
    for (bi = 0; bi < 2 + sizeof(builders) / sizeof(builders[0]); bi++) {
        if (bi == 0)
            build_route_mon(&good, 0, true);
        else if (bi == 1)
            build_peer_down_notify(&good, BMP_DOWN_LOCAL_NOTIFY);
        else
            builders[bi - 2](&good);
        assert_int_equal(parse(&ps, &good, &m), BMP_MSG_OK);
        for (fi = 0; fi < good.nf; fi++) {
            orig = get_at(good.d, good.fpos[fi], good.fwidth[fi]);
            n = field_corruptions(&good, fi, vals);
            for (j = 0; j < n; j++) {
                b = good;
                put_at(b.d, b.fpos[fi], b.fwidth[fi], vals[j]);
                if (good.fmark[fi]) {
                    if (parse(&ps, &b, &m) == BMP_MSG_ERROR)
                        assert_true(strlen(m.reason) > 0);
                    continue;
                }
                if (parse(&ps, &b, &m) != BMP_MSG_ERROR)
                    fail_msg("builder %zu field %zu at %zu: %zu -> %zu "
                             "accepted", bi, fi, good.fpos[fi], orig,
                             vals[j]);
                assert_true(strlen(m.reason) > 0);
                checked++;
            }
        }
    }
    assert_true(checked > 100);
}

/* Every byte of every built message set to each value: no crash. */
static void test_byte_values(void **state)
{
    static void (*const builders[])(struct bld *) = {
        build_peer_up, build_stats, build_initiation, build_termination,
        build_mirror,
    };
    struct bld good;
    static uint8_t d[2048];
    struct bmp_parser ps;
    static struct bmp_msg m;
    size_t bi, pos;
    int val;

    (void)state;
    bmp_parser_init(&ps);
    for (bi = 0; bi < 1 + sizeof(builders) / sizeof(builders[0]); bi++) {
        if (bi == 0)
            build_route_mon(&good, 0, true);
        else
            builders[bi - 1](&good);
        for (pos = 0; pos < good.len; pos++) {
            for (val = 0; val < 256; val++) {
                memcpy(d, good.d, good.len);
                d[pos] = (uint8_t)val;
                if (bmp_parse_msg(&ps, d, good.len, &m) == BMP_MSG_ERROR)
                    assert_true(strlen(m.reason) > 0);
            }
        }
    }
    assert_true(ps.c.malformed > 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fixture),
        cmocka_unit_test(test_fixture_byte_by_byte),
        cmocka_unit_test(test_fixture_every_prefix),
        cmocka_unit_test(test_fixture_truncated_inside),
        cmocka_unit_test_setup(test_route_mon_as4_and_as2, new_case),
        cmocka_unit_test_setup(test_route_mon_ipv6_peer_and_loc_rib, new_case),
        cmocka_unit_test(test_route_mon_errors),
        cmocka_unit_test_setup(test_peer_up, new_case),
        cmocka_unit_test_setup(test_peer_down, new_case),
        cmocka_unit_test_setup(test_stats, new_case),
        cmocka_unit_test_setup(test_initiation_termination, new_case),
        cmocka_unit_test_setup(test_route_mirroring, new_case),
        cmocka_unit_test_setup(test_unknown_type_skipped, new_case),
        cmocka_unit_test(test_error_then_continue),
        cmocka_unit_test_setup(test_small_error_paths, new_case),
        cmocka_unit_test(test_framing_fatal),
        cmocka_unit_test(test_stream_full_buffer),
        cmocka_unit_test(test_length_fields_corrupted),
        cmocka_unit_test(test_byte_values),
    };

    return cmocka_run_group_tests_name("bmp_parse", tests, load_fixture,
                                       NULL);
}
