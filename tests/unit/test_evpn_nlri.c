/* Unit tests for the EVPN NLRI decoder (control/evpn_nlri.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "evpn_nlri.h"

static const uint8_t RD0[8] = { 0, 0, 0xfd, 0xe8, 0, 0, 0, 100 };
static const uint8_t RD1[8] = { 0, 1, 192, 0, 2, 1, 0, 100 };
static const uint8_t RD2[8] = { 0, 2, 0, 0x01, 0x11, 0x70, 0, 7 };
static const uint8_t MAC[6] = { 0x02, 0x00, 0x00, 0x00, 0x01, 0x01 };
static const uint8_t IP4[4] = { 203, 0, 113, 11 };
static const uint8_t IP6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0,
                                 0, 0, 0, 0, 0, 0, 0, 0x11 };
static const uint8_t ESI[10] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9 };

static size_t put24(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 16);
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)v;
    return 3;
}

/* Writes a type 2 NLRI at out; returns its size. */
static size_t mac_ip(uint8_t *out, const uint8_t *rd, const uint8_t *ip,
                     uint8_t ip_bits, int n_labels)
{
    size_t n = 2;

    out[0] = EVPN_ROUTE_MAC_IP;
    memcpy(out + n, rd, 8);
    n += 8;
    memcpy(out + n, ESI, 10);
    n += 10;
    out[n++] = 0;
    out[n++] = 0;
    out[n++] = 0;
    out[n++] = 5;                   /* Ethernet Tag 5 */
    out[n++] = 48;
    memcpy(out + n, MAC, 6);
    n += 6;
    out[n++] = ip_bits;
    if (ip_bits > 0)
        memcpy(out + n, ip, ip_bits / 8u);
    n += ip_bits / 8u;
    n += put24(out + n, 100);
    if (n_labels == 2)
        n += put24(out + n, 0x123456);
    out[1] = (uint8_t)(n - 2);
    return n;
}

/* Writes a type 3 NLRI at out; returns its size. */
static size_t imet(uint8_t *out, const uint8_t *rd, const uint8_t *ip,
                   uint8_t ip_bits)
{
    size_t n = 2;

    out[0] = EVPN_ROUTE_IMET;
    memcpy(out + n, rd, 8);
    n += 8;
    out[n++] = 0;
    out[n++] = 0;
    out[n++] = 0;
    out[n++] = 0;
    out[n++] = ip_bits;
    memcpy(out + n, ip, ip_bits / 8u);
    n += ip_bits / 8u;
    out[1] = (uint8_t)(n - 2);
    return n;
}

/* An NLRI of another route type with an opaque body. */
static size_t other(uint8_t *out, uint8_t type, uint8_t len)
{
    out[0] = type;
    out[1] = len;
    memset(out + 2, 0xab, len);
    return 2u + len;
}

static void test_rd_types(void **state)
{
    static const uint8_t rd9[8] = { 0, 9, 1, 2, 3, 4, 5, 6 };
    struct evpn_rd rd;

    (void)state;
    evpn_rd_decode(RD0, &rd);
    assert_int_equal(rd.type, 0);
    assert_int_equal(rd.admin, 65000);
    assert_int_equal(rd.number, 100);
    assert_string_equal(rd.str, "65000:100");
    evpn_rd_decode(RD1, &rd);
    assert_int_equal(rd.type, 1);
    assert_int_equal(rd.admin, 0xc0000201u);
    assert_int_equal(rd.number, 100);
    assert_string_equal(rd.str, "192.0.2.1:100");
    evpn_rd_decode(RD2, &rd);
    assert_int_equal(rd.type, 2);
    assert_int_equal(rd.admin, 70000);
    assert_int_equal(rd.number, 7);
    assert_string_equal(rd.str, "70000:7");
    evpn_rd_decode(rd9, &rd);
    assert_int_equal(rd.type, 9);
    assert_string_equal(rd.str, "9:010203040506");
    assert_memory_equal(rd.raw, rd9, 8);
}

static void test_mac_only(void **state)
{
    uint8_t b[64];
    struct evpn_route r;
    size_t n = mac_ip(b, RD1, NULL, 0, 1);

    (void)state;
    assert_int_equal(n, 35);
    assert_int_equal(evpn_nlri_decode(b, n, &r, NULL, 0), 35);
    assert_int_equal(r.type, EVPN_ROUTE_MAC_IP);
    assert_int_equal(r.length, 33);
    assert_string_equal(r.rd.str, "192.0.2.1:100");
    assert_memory_equal(r.esi, ESI, 10);
    assert_int_equal(r.eth_tag, 5);
    assert_memory_equal(r.mac, MAC, 6);
    assert_int_equal(r.ip_len, 0);
    assert_int_equal(r.n_labels, 1);
    assert_int_equal(r.label1, 100);
    assert_int_equal(evpn_label_vni(r.label1), 100);
    assert_int_equal(r.label2, 0);
}

static void test_mac_ipv4_two_labels(void **state)
{
    uint8_t b[64];
    struct evpn_route r;
    size_t n = mac_ip(b, RD0, IP4, 32, 2);

    (void)state;
    assert_int_equal(n, 42);
    assert_int_equal(evpn_nlri_decode(b, n, &r, NULL, 0), 42);
    assert_int_equal(r.ip_len, 32);
    assert_memory_equal(r.ip, IP4, 4);
    assert_int_equal(r.n_labels, 2);
    assert_int_equal(r.label1, 100);
    assert_int_equal(r.label2, 0x123456);
    assert_int_equal(evpn_label_mpls(r.label2), 0x12345);
    assert_string_equal(r.rd.str, "65000:100");
}

static void test_mac_ipv6(void **state)
{
    uint8_t b[64];
    struct evpn_route r;
    size_t n = mac_ip(b, RD2, IP6, 128, 1);

    (void)state;
    assert_int_equal(n, 2 + 49);
    assert_int_equal(evpn_nlri_decode(b, n, &r, NULL, 0), (int)n);
    assert_int_equal(r.ip_len, 128);
    assert_memory_equal(r.ip, IP6, 16);
    assert_int_equal(r.n_labels, 1);
    assert_string_equal(r.rd.str, "70000:7");

    n = mac_ip(b, RD2, IP6, 128, 2);
    assert_int_equal(evpn_nlri_decode(b, n, &r, NULL, 0), 2 + 52);
    assert_int_equal(r.n_labels, 2);
}

static void test_imet(void **state)
{
    uint8_t b[64];
    struct evpn_route r;
    size_t n = imet(b, RD1, IP4, 32);

    (void)state;
    assert_int_equal(evpn_nlri_decode(b, n, &r, NULL, 0), 19);
    assert_int_equal(r.type, EVPN_ROUTE_IMET);
    assert_int_equal(r.ip_len, 32);
    assert_memory_equal(r.ip, IP4, 4);
    assert_int_equal(r.n_labels, 0);

    n = imet(b, RD0, IP6, 128);
    assert_int_equal(evpn_nlri_decode(b, n, &r, NULL, 0), 31);
    assert_memory_equal(r.ip, IP6, 16);
}

static void test_other_types_skipped(void **state)
{
    uint8_t b[256];
    struct evpn_nlri_view v;
    struct evpn_nlri_iter it;
    struct evpn_route r;
    size_t n = 0;
    int seen = 0;

    (void)state;
    n += other(b + n, EVPN_ROUTE_ETH_AD, 25);
    n += mac_ip(b + n, RD0, IP4, 32, 1);
    n += other(b + n, EVPN_ROUTE_ES, 23);
    n += other(b + n, EVPN_ROUTE_IP_PREFIX, 34);
    n += imet(b + n, RD1, IP4, 32);
    n += other(b + n, 200, 0);
    assert_int_equal(evpn_nlri_decode(b, n, &r, NULL, 0), 27);
    assert_int_equal(r.type, EVPN_ROUTE_ETH_AD);
    assert_int_equal(evpn_nlri_scan(b, n, &v, NULL, 0), 0);
    assert_int_equal(v.n_routes, 2);
    assert_int_equal(v.n_skipped, 4);
    evpn_nlri_iter_init(&it, &v);
    while (evpn_nlri_iter_next(&it, &r)) {
        assert_true(r.type == EVPN_ROUTE_MAC_IP || r.type == EVPN_ROUTE_IMET);
        seen++;
    }
    assert_int_equal(seen, 2);
    assert_string_equal(evpn_route_type_name(5), "ip-prefix");
    assert_string_equal(evpn_route_type_name(200), "unknown");
}

/* The feed's iterator decodes the same routes, leaving only the RD's text
 * out. */
static void test_iter_nostr(void **state)
{
    uint8_t b[256];
    struct evpn_nlri_view v;
    struct evpn_nlri_iter it, it2;
    struct evpn_route r, r2;
    size_t n = 0;
    int seen = 0;

    (void)state;
    n += mac_ip(b + n, RD0, IP4, 32, 2);
    n += other(b + n, EVPN_ROUTE_ES, 23);
    n += imet(b + n, RD1, IP6, 128);
    n += mac_ip(b + n, RD2, NULL, 0, 1);
    assert_int_equal(evpn_nlri_scan(b, n, &v, NULL, 0), 0);
    evpn_nlri_iter_init(&it, &v);
    evpn_nlri_iter_init(&it2, &v);
    while (evpn_nlri_iter_next(&it, &r)) {
        assert_true(evpn_nlri_iter_next_nostr(&it2, &r2));
        assert_true(r.rd.str[0] != '\0');
        assert_string_equal(r2.rd.str, "");
        memset(r.rd.str, 0, sizeof(r.rd.str));
        assert_memory_equal(&r, &r2, sizeof(r));
        seen++;
    }
    assert_false(evpn_nlri_iter_next_nostr(&it2, &r2));
    assert_int_equal(seen, 3);
}

/* The scan's quick check accepts exactly what the decode accepts: blocks
 * mutated at random (types, lengths, MAC and IP lengths), the scan against
 * decoding every NLRI in turn. */
static void test_scan_matches_decode(void **state)
{
    uint8_t base[256], b[256];
    uint32_t x = 2463534242u;
    size_t n = 0;
    unsigned bad = 0;

    (void)state;
    n += mac_ip(base + n, RD0, IP4, 32, 2);
    n += imet(base + n, RD1, IP6, 128);
    n += mac_ip(base + n, RD2, NULL, 0, 1);
    n += imet(base + n, RD0, IP4, 32);
    n += mac_ip(base + n, RD1, IP6, 128, 1);
    for (unsigned round = 0; round < 200000; round++) {
        static const uint8_t vals[] = {0, 1, 2, 3, 4, 5, 12, 17, 32, 33, 36, 37, 39, 48, 49,
                                       128, 255};
        struct evpn_nlri_view v;
        struct evpn_route r;
        char err[256];
        size_t len = n, off = 0;
        bool ok = true;

        memcpy(b, base, n);
        for (unsigned k = 0; k < 2; k++) {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            b[x % n] = vals[(x >> 16) % sizeof(vals)];
        }
        if (round % 7 == 0)
            len = (x >> 8) % (n + 1);
        while (off < len) {
            int k = evpn_nlri_decode(b + off, len - off, &r, NULL, 0);
            if (k < 0) {
                ok = false;
                break;
            }
            off += (size_t)k;
        }
        err[0] = '\0';
        assert_int_equal(evpn_nlri_scan(b, len, &v, err, sizeof(err)), ok ? 0 : -1);
        assert_null(strstr(err, "inconsistent NLRI"));
        bad += !ok;
    }
    assert_true(bad > 1000);
}

static void test_empty_block(void **state)
{
    struct evpn_nlri_view v;
    struct evpn_nlri_iter it;
    struct evpn_route r;
    uint8_t b[1] = { 0 };

    (void)state;
    assert_int_equal(evpn_nlri_scan(b, 0, &v, NULL, 0), 0);
    assert_int_equal(v.n_routes, 0);
    evpn_nlri_iter_init(&it, &v);
    assert_false(evpn_nlri_iter_next(&it, &r));
}

/* The iterator stops at data a scan would have refused. */
static void test_iter_unscanned_data(void **state)
{
    static const uint8_t bad[4] = { EVPN_ROUTE_MAC_IP, 20, 0, 0 };
    struct evpn_nlri_view v = { .data = bad, .len = sizeof(bad) };
    struct evpn_nlri_iter it;
    struct evpn_route r;
    int i;

    (void)state;
    evpn_nlri_iter_init(&it, &v);
    assert_false(evpn_nlri_iter_next(&it, &r));
    assert_false(evpn_nlri_iter_next(&it, &r));
    for (i = 1; i <= 5; i++)
        assert_string_not_equal(evpn_route_type_name((uint8_t)i), "unknown");
}

static void expect_error(const uint8_t *b, size_t n, const char *needle)
{
    struct evpn_route r;
    struct evpn_nlri_view v;
    char err[200] = "";

    assert_int_equal(evpn_nlri_decode(b, n, &r, err, sizeof(err)), -1);
    if (strstr(err, needle) == NULL)
        fail_msg("reason \"%s\" lacks \"%s\"", err, needle);
    err[0] = '\0';
    assert_int_equal(evpn_nlri_scan(b, n, &v, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "EVPN NLRI at offset 0"));
    assert_null(v.data);
}

static void test_bad_fields(void **state)
{
    uint8_t b[64];
    size_t n;

    (void)state;
    n = mac_ip(b, RD0, IP4, 32, 1);
    b[2 + 22] = 40;                                 /* MAC length */
    expect_error(b, n, "MAC length 40 bits, must be 48");

    n = mac_ip(b, RD0, IP4, 32, 1);
    b[2 + 29] = 24;                                 /* IP length */
    expect_error(b, n, "IP length 24 bits, must be 0, 32 or 128");

    n = mac_ip(b, RD0, IP4, 32, 1);
    b[2 + 29] = 128;                                /* says IPv6, has v4 */
    expect_error(b, n, "route length 37 does not fit IP length 128");

    n = mac_ip(b, RD0, IP4, 32, 1);
    b[1] = 38;                                      /* 1 extra byte */
    b[n] = 0;
    expect_error(b, n + 1, "route length 38 does not fit IP length 32");

    n = mac_ip(b, RD0, IP4, 32, 1);
    b[1] = 20;                                      /* too short */
    expect_error(b, n, "mac-ip route length 20, minimum is 33");

    n = imet(b, RD0, IP4, 32);
    b[2 + 12] = 0;
    expect_error(b, n, "originating router IP length 0 bits");

    n = imet(b, RD0, IP4, 32);
    b[2 + 12] = 128;
    expect_error(b, n, "imet route length 17 does not fit IP length 128");

    n = imet(b, RD0, IP4, 32);
    b[1] = 5;
    expect_error(b, n, "imet route length 5, minimum is 17");

    n = mac_ip(b, RD0, IP4, 32, 1);
    expect_error(b, n - 1, "route type 2 length 37 exceeds the 36 bytes left");
    expect_error(b, 1, "NLRI header needs 2 bytes, 1 left");

    n = other(b, EVPN_ROUTE_IP_PREFIX, 34);
    expect_error(b, n - 1, "route type 5 length 34 exceeds");
}

/* Every truncation of a valid block is an error, never a crash. */
static void test_every_truncation(void **state)
{
    uint8_t b[256];
    struct evpn_nlri_view v;
    char err[200];
    size_t n = 0, cut, ends[8], n_ends = 0, k;

    (void)state;
    n += mac_ip(b + n, RD0, IP4, 32, 2);
    ends[n_ends++] = n;
    n += mac_ip(b + n, RD1, IP6, 128, 1);
    ends[n_ends++] = n;
    n += imet(b + n, RD2, IP6, 128);
    ends[n_ends++] = n;
    n += other(b + n, 4, 10);
    ends[n_ends++] = n;
    for (cut = 1; cut < n; cut++) {
        bool at_end = false;

        for (k = 0; k < n_ends; k++)
            at_end = at_end || ends[k] == cut;
        err[0] = '\0';
        if (at_end) {
            assert_int_equal(evpn_nlri_scan(b, cut, &v, err, sizeof(err)), 0);
        } else {
            assert_int_equal(evpn_nlri_scan(b, cut, &v, err, sizeof(err)), -1);
            assert_true(strlen(err) > 0);
        }
    }
}

/* The length-type fields of a MAC/IP and IMET NLRI, each set to 0, one
 * less, one more and 255: always an error. */
static void test_length_fields_corrupted(void **state)
{
    static const size_t mac_ip_fields[] = { 1, 2 + 22, 2 + 29 };
    static const size_t imet_fields[] = { 1, 2 + 12 };
    uint8_t good[64], b[64];
    struct evpn_nlri_view v;
    char err[200];
    size_t i, j;
    int values[4];

    (void)state;
    for (i = 0; i < 5; i++) {
        size_t off = i < 3 ? mac_ip_fields[i] : imet_fields[i - 3];
        size_t n = i < 3 ? mac_ip(good, RD0, IP4, 32, 1) : imet(good, RD0, IP4, 32);
        values[0] = 0;
        values[1] = good[off] - 1;
        values[2] = good[off] + 1;
        values[3] = 255;
        for (j = 0; j < 4; j++) {
            memcpy(b, good, n);
            b[off] = (uint8_t)values[j];
            err[0] = '\0';
            assert_int_equal(evpn_nlri_scan(b, n, &v, err, sizeof(err)), -1);
            assert_true(strlen(err) > 0);
        }
    }
}

/* Every one-byte value in every position of a small block: no crash, and
 * a success always describes a block that re-scans the same. */
static void test_byte_flips(void **state)
{
    uint8_t good[128], b[128];
    struct evpn_nlri_view v;
    struct evpn_nlri_iter it;
    struct evpn_route r;
    size_t n = 0, pos;
    uint32_t cnt;
    int val;

    (void)state;
    n += mac_ip(good + n, RD0, IP4, 32, 1);
    n += imet(good + n, RD1, IP4, 32);
    for (pos = 0; pos < n; pos++) {
        for (val = 0; val < 256; val++) {
            memcpy(b, good, n);
            b[pos] = (uint8_t)val;
            if (evpn_nlri_scan(b, n, &v, NULL, 0) != 0)
                continue;
            evpn_nlri_iter_init(&it, &v);
            cnt = 0;
            while (evpn_nlri_iter_next(&it, &r))
                cnt++;
            assert_int_equal(cnt, v.n_routes);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rd_types),
        cmocka_unit_test(test_mac_only),
        cmocka_unit_test(test_mac_ipv4_two_labels),
        cmocka_unit_test(test_mac_ipv6),
        cmocka_unit_test(test_imet),
        cmocka_unit_test(test_other_types_skipped),
        cmocka_unit_test(test_iter_nostr),
        cmocka_unit_test(test_scan_matches_decode),
        cmocka_unit_test(test_empty_block),
        cmocka_unit_test(test_iter_unscanned_data),
        cmocka_unit_test(test_bad_fields),
        cmocka_unit_test(test_every_truncation),
        cmocka_unit_test(test_length_fields_corrupted),
        cmocka_unit_test(test_byte_flips),
    };

    return cmocka_run_group_tests_name("evpn_nlri", tests, NULL, NULL);
}
