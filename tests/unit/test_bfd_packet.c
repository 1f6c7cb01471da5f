/* Unit tests for BFD control packet coding (control/bfd_packet.c) and the
 * RFC 5881 Ethernet/IPv4/UDP framing (control/bfd_udp.c).
 *
 * Build: gcc -std=gnu11 -Iinclude control/bfd_packet.c control/bfd_udp.c
 *        tests/unit/test_bfd_packet.c -lcmocka
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>

#include "bfd_packet.h"
#include "bfd_udp.h"
#include "bytes.h"

/* ---- helpers ---------------------------------------------------------- */

static struct bfd_ctrl sample(void)
{
    struct bfd_ctrl c = {
        .diag = BFD_DIAG_NONE,
        .state = BFD_STATE_UP,
        .detect_mult = 3,
        .my_disc = 0x11223344,
        .your_disc = 0x55667788,
        .desired_min_tx_us = 300000,
        .required_min_rx_us = 250000,
        .required_min_echo_rx_us = 0,
    };

    return c;
}

static size_t enc(const struct bfd_ctrl *c, uint8_t *b)
{
    size_t n = bfd_ctrl_encode(c, b, BFD_CTRL_LEN);

    assert_int_equal(n, BFD_CTRL_LEN);
    return n;
}

static enum bfd_drop dec(const uint8_t *b, size_t len)
{
    struct bfd_ctrl c;

    return bfd_ctrl_decode(b, len, &c);
}

/* Independent one's-complement checksum check: sum of 16-bit words. */
static uint32_t words(const uint8_t *p, size_t n)
{
    uint32_t s = 0;

    for (size_t i = 0; i < n; i += 2)
        s += (uint32_t)p[i] << 8 | (i + 1 < n ? p[i + 1] : 0);
    return s;
}

static uint16_t folded(uint32_t s)
{
    while (s >> 16)
        s = (s & 0xffff) + (s >> 16);
    return (uint16_t)s;
}

static const uint8_t MAC_A[6] = { 0x02, 0, 0, 0, 0, 0x01 };
static const uint8_t MAC_B[6] = { 0x02, 0, 0, 0, 0, 0x02 };

static struct bfd_udp_tx tx_params(void)
{
    struct bfd_udp_tx p = {
        .src_ip_be = htonl(0xc0000201),     /* 192.0.2.1 */
        .dst_ip_be = htonl(0xc0000202),     /* 192.0.2.2 */
        .src_port = 49200,
        .tos = BFD_TOS_CS6,
    };

    copy_bytes(p.dst_mac, MAC_B, 6);
    copy_bytes(p.src_mac, MAC_A, 6);
    return p;
}

/* A valid 66-byte frame carrying sample(). */
static size_t good_frame(uint8_t *f, size_t cap)
{
    struct bfd_udp_tx p = tx_params();
    struct bfd_ctrl c = sample();
    uint8_t pl[BFD_CTRL_LEN];
    size_t n;

    enc(&c, pl);
    n = bfd_udp_build(f, cap, &p, pl, sizeof(pl));
    assert_int_equal(n, BFD_FRAME_LEN);
    return n;
}

/* Recompute the IPv4 header checksum after editing the header. */
static void fix_ip_sum(uint8_t *f)
{
    uint8_t *ip = f + 14;
    size_t ihl = (size_t)(ip[0] & 0xf) * 4;
    uint16_t s;

    ip[10] = ip[11] = 0;
    s = (uint16_t)~folded(words(ip, ihl));
    ip[10] = (uint8_t)(s >> 8);
    ip[11] = (uint8_t)s;
}

/* ---- control packet: encoding ---------------------------------------- */

static void test_encode_layout(void **state)
{
    static const uint8_t want[BFD_CTRL_LEN] = {
        0x23,                   /* version 1, diag 3 */
        0xe2,                   /* Up (3 << 6), P, D */
        0x05, 0x18,             /* mult 5, length 24 */
        0x00, 0x00, 0x00, 0x01, /* my */
        0xde, 0xad, 0xbe, 0xef, /* your */
        0x00, 0x0f, 0x42, 0x40, /* 1000000 us */
        0x00, 0x04, 0x93, 0xe0, /* 300000 us */
        0x00, 0x00, 0x00, 0x00,
    };
    struct bfd_ctrl c = { .version = 0 };
    uint8_t b[BFD_CTRL_LEN + 4];
    (void)state;

    c.version = 7;              /* ignored: always 1 */
    c.diag = BFD_DIAG_NEIGHBOR_DOWN;
    c.state = BFD_STATE_UP;
    c.poll = true;
    c.demand = true;
    c.auth = true;              /* ignored: never set */
    c.length = 99;              /* ignored: always 24 */
    c.detect_mult = 5;
    c.my_disc = 1;
    c.your_disc = 0xdeadbeef;
    c.desired_min_tx_us = 1000000;
    c.required_min_rx_us = 300000;
    fill_bytes(b, 0xaa, sizeof(b));
    assert_int_equal(bfd_ctrl_encode(&c, b, sizeof(b)), BFD_CTRL_LEN);
    assert_memory_equal(b, want, BFD_CTRL_LEN);
    assert_int_equal(b[BFD_CTRL_LEN], 0xaa);    /* nothing written beyond */
    assert_int_equal(bfd_ctrl_encode(&c, b, BFD_CTRL_LEN - 1), 0);
}

static void test_roundtrip_fields(void **state)
{
    static const uint8_t flags[] = { BFD_FLAG_P, BFD_FLAG_F, BFD_FLAG_C,
                                     BFD_FLAG_D };
    struct bfd_ctrl c = sample(), d;
    uint8_t b[BFD_CTRL_LEN];
    (void)state;

    for (unsigned int st = 0; st < 4; st++) {
        for (unsigned int diag = 0; diag < 32; diag += 5) {
            c.state = (uint8_t)st;
            c.diag = (uint8_t)diag;
            c.your_disc = st <= BFD_STATE_DOWN ? 0 : 42;
            enc(&c, b);
            assert_int_equal(bfd_ctrl_decode(b, sizeof(b), &d), BFD_DROP_NONE);
            assert_int_equal(d.version, 1);
            assert_int_equal(d.state, st);
            assert_int_equal(d.diag, diag);
            assert_int_equal(d.length, 24);
            assert_int_equal(d.detect_mult, 3);
            assert_int_equal(d.my_disc, c.my_disc);
            assert_int_equal(d.your_disc, c.your_disc);
            assert_int_equal(d.desired_min_tx_us, 300000);
            assert_int_equal(d.required_min_rx_us, 250000);
            assert_int_equal(d.required_min_echo_rx_us, 0);
            assert_false(d.poll || d.final || d.cpi || d.auth || d.demand ||
                         d.multipoint);
        }
    }
    c = sample();
    for (size_t i = 0; i < sizeof(flags); i++) {
        c.poll = flags[i] == BFD_FLAG_P;
        c.final = flags[i] == BFD_FLAG_F;
        c.cpi = flags[i] == BFD_FLAG_C;
        c.demand = flags[i] == BFD_FLAG_D;
        enc(&c, b);
        assert_int_equal(b[1] & 0x3f, flags[i]);
        assert_int_equal(bfd_ctrl_decode(b, sizeof(b), &d), BFD_DROP_NONE);
        assert_int_equal(d.poll, c.poll);
        assert_int_equal(d.final, c.final);
        assert_int_equal(d.cpi, c.cpi);
        assert_int_equal(d.demand, c.demand);
    }
    c.required_min_echo_rx_us = 0xffffffffu;
    c.desired_min_tx_us = 0x80000001u;
    enc(&c, b);
    assert_int_equal(bfd_ctrl_decode(b, sizeof(b), &d), BFD_DROP_NONE);
    assert_int_equal(d.required_min_echo_rx_us, 0xffffffffu);
    assert_int_equal(d.desired_min_tx_us, 0x80000001u);
}

/* ---- control packet: every drop rule of RFC 5880 6.8.6 ---------------- */

static void test_decode_padding_ok(void **state)
{
    struct bfd_ctrl c = sample(), d;
    uint8_t b[64];
    (void)state;

    fill_bytes(b, 0xee, sizeof(b));
    enc(&c, b);
    /* Payload longer than Length: the rest is padding. */
    assert_int_equal(bfd_ctrl_decode(b, sizeof(b), &d), BFD_DROP_NONE);
    assert_int_equal(d.my_disc, c.my_disc);
}

static void test_decode_truncated(void **state)
{
    struct bfd_ctrl c = sample();
    uint8_t b[BFD_CTRL_LEN];
    (void)state;

    enc(&c, b);
    assert_int_equal(dec(b, 0), BFD_DROP_TRUNCATED);
    assert_int_equal(dec(b, 3), BFD_DROP_TRUNCATED);
}

static void test_decode_bad_version(void **state)
{
    struct bfd_ctrl c = sample();
    uint8_t b[BFD_CTRL_LEN];
    (void)state;

    for (unsigned int v = 0; v < 8; v++) {
        enc(&c, b);
        b[0] = (uint8_t)(v << 5 | (b[0] & 0x1f));
        assert_int_equal(dec(b, sizeof(b)),
                         v == 1 ? BFD_DROP_NONE : BFD_DROP_VERSION);
    }
}

static void test_decode_length_short(void **state)
{
    struct bfd_ctrl c = sample();
    uint8_t b[64];
    (void)state;

    fill_bytes(b, 0, sizeof(b));
    enc(&c, b);
    b[3] = 23;
    assert_int_equal(dec(b, sizeof(b)), BFD_DROP_LENGTH_SHORT);
    b[3] = 0;
    assert_int_equal(dec(b, sizeof(b)), BFD_DROP_LENGTH_SHORT);
    /* With A, the minimum is 26. */
    b[1] |= BFD_FLAG_A;
    b[3] = 24;
    assert_int_equal(dec(b, sizeof(b)), BFD_DROP_LENGTH_SHORT);
    b[3] = 25;
    assert_int_equal(dec(b, sizeof(b)), BFD_DROP_LENGTH_SHORT);
}

static void test_decode_length_exceeds_payload(void **state)
{
    struct bfd_ctrl c = sample();
    uint8_t b[64];
    (void)state;

    fill_bytes(b, 0, sizeof(b));
    enc(&c, b);
    /* Payload of 23 bytes, Length 24. */
    assert_int_equal(dec(b, 23), BFD_DROP_LENGTH_PAYLOAD);
    assert_int_equal(dec(b, 4), BFD_DROP_LENGTH_PAYLOAD);
    /* Payload of 24 bytes, Length 28. */
    b[3] = 28;
    assert_int_equal(dec(b, 24), BFD_DROP_LENGTH_PAYLOAD);
    assert_int_equal(dec(b, 28), BFD_DROP_NONE);
    b[3] = 255;
    assert_int_equal(dec(b, sizeof(b)), BFD_DROP_LENGTH_PAYLOAD);
}

static void test_decode_detect_mult_zero(void **state)
{
    struct bfd_ctrl c = sample();
    uint8_t b[BFD_CTRL_LEN];
    (void)state;

    c.detect_mult = 0;
    enc(&c, b);
    assert_int_equal(dec(b, sizeof(b)), BFD_DROP_DETECT_MULT);
}

static void test_decode_multipoint(void **state)
{
    struct bfd_ctrl c = sample();
    uint8_t b[BFD_CTRL_LEN];
    (void)state;

    c.multipoint = true;
    enc(&c, b);
    assert_int_equal(b[1] & BFD_FLAG_M, BFD_FLAG_M);
    assert_int_equal(dec(b, sizeof(b)), BFD_DROP_MULTIPOINT);
}

static void test_decode_my_disc_zero(void **state)
{
    struct bfd_ctrl c = sample();
    uint8_t b[BFD_CTRL_LEN];
    (void)state;

    c.my_disc = 0;
    enc(&c, b);
    assert_int_equal(dec(b, sizeof(b)), BFD_DROP_MY_DISC);
}

static void test_decode_your_disc_zero(void **state)
{
    struct bfd_ctrl c = sample();
    uint8_t b[BFD_CTRL_LEN];
    (void)state;

    c.your_disc = 0;
    c.state = BFD_STATE_UP;
    enc(&c, b);
    assert_int_equal(dec(b, sizeof(b)), BFD_DROP_YOUR_DISC);
    c.state = BFD_STATE_INIT;
    enc(&c, b);
    assert_int_equal(dec(b, sizeof(b)), BFD_DROP_YOUR_DISC);
    c.state = BFD_STATE_DOWN;
    enc(&c, b);
    assert_int_equal(dec(b, sizeof(b)), BFD_DROP_NONE);
    c.state = BFD_STATE_ADMIN_DOWN;
    enc(&c, b);
    assert_int_equal(dec(b, sizeof(b)), BFD_DROP_NONE);
}

static void test_decode_auth(void **state)
{
    struct bfd_ctrl c = sample();
    uint8_t b[BFD_CTRL_LEN + 4];
    (void)state;

    fill_bytes(b, 0, sizeof(b));
    enc(&c, b);
    b[1] |= BFD_FLAG_A;
    b[3] = 28;                  /* 24 + a simple password section of 4 */
    b[24] = 1;                  /* Auth Type 1 */
    b[25] = 4;                  /* Auth Len */
    b[26] = 1;                  /* key id */
    b[27] = 'x';
    assert_int_equal(dec(b, sizeof(b)), BFD_DROP_AUTH);
}

static void test_names(void **state)
{
    (void)state;

    for (int i = 0; i < BFD_DROP_NUM; i++) {
        const char *n = bfd_drop_name((enum bfd_drop)i);

        assert_non_null(n);
        assert_string_not_equal(n, "?");
        for (int j = 0; j < i; j++)
            assert_string_not_equal(n, bfd_drop_name((enum bfd_drop)j));
    }
    assert_string_equal(bfd_drop_name(BFD_DROP_TTL), "ttl");
    assert_string_equal(bfd_drop_name(BFD_DROP_NONE), "none");
    assert_string_equal(bfd_drop_name(BFD_DROP_NUM), "?");
    assert_string_equal(bfd_state_name(BFD_STATE_ADMIN_DOWN), "AdminDown");
    assert_string_equal(bfd_state_name(BFD_STATE_DOWN), "Down");
    assert_string_equal(bfd_state_name(BFD_STATE_INIT), "Init");
    assert_string_equal(bfd_state_name(BFD_STATE_UP), "Up");
    assert_string_equal(bfd_diag_name(BFD_DIAG_DETECT_EXPIRED), "detect_expired");
    assert_string_equal(bfd_diag_name(BFD_DIAG_NEIGHBOR_DOWN), "neighbor_down");
    assert_string_equal(bfd_diag_name(BFD_DIAG_ADMIN_DOWN), "admin_down");
    assert_string_equal(bfd_diag_name(31), "?");
}

/* ---- RFC 5881 framing -------------------------------------------------- */

static void test_udp_build(void **state)
{
    uint8_t f[128];
    const uint8_t *ip = f + 14, *udp = f + 34;
    size_t n = good_frame(f, sizeof(f));
    struct bfd_ctrl c = sample();
    uint8_t pl[BFD_CTRL_LEN];
    uint32_t s;
    (void)state;

    assert_memory_equal(f, MAC_B, 6);
    assert_memory_equal(f + 6, MAC_A, 6);
    assert_int_equal(f[12], 0x08);
    assert_int_equal(f[13], 0x00);
    assert_int_equal(ip[0], 0x45);
    assert_int_equal(ip[1], 0xc0);
    assert_int_equal(ip[2] << 8 | ip[3], 20 + 8 + 24);
    assert_int_equal(ip[6] & 0x40, 0x40);           /* DF */
    assert_int_equal(ip[8], 255);                   /* TTL */
    assert_int_equal(ip[9], 17);
    assert_int_equal(folded(words(ip, 20)), 0xffff);
    assert_int_equal(ip[12], 192);
    assert_int_equal(ip[15], 1);
    assert_int_equal(ip[19], 2);
    assert_int_equal(udp[0] << 8 | udp[1], 49200);
    assert_int_equal(udp[2] << 8 | udp[3], 3784);
    assert_int_equal(udp[4] << 8 | udp[5], 32);
    assert_true((udp[6] | udp[7]) != 0);            /* computed */
    /* Pseudo header + UDP header + payload sums to all ones. */
    s = words(ip + 12, 8) + 17 + 32 + words(udp, 32);
    assert_int_equal(folded(s), 0xffff);
    enc(&c, pl);
    assert_memory_equal(f + 42, pl, BFD_CTRL_LEN);
    assert_int_equal(n, 66);

    /* Too small a buffer. */
    {
        struct bfd_udp_tx p = tx_params();

        assert_int_equal(bfd_udp_build(f, 65, &p, pl, sizeof(pl)), 0);
    }
}

static void test_udp_build_in_place(void **state)
{
    uint8_t f[BFD_FRAME_LEN], g[BFD_FRAME_LEN];
    struct bfd_udp_tx p = tx_params();
    struct bfd_ctrl c = sample();
    (void)state;

    /* Payload already at its place in the frame. */
    enc(&c, f + BFD_FRAME_HDR_LEN);
    assert_int_equal(bfd_udp_build(f, sizeof(f), &p, f + BFD_FRAME_HDR_LEN,
                                   BFD_CTRL_LEN), BFD_FRAME_LEN);
    good_frame(g, sizeof(g));
    assert_memory_equal(f, g, BFD_FRAME_LEN);

    /* Payload overlapping its destination, below and above it. */
    {
        uint8_t h[BFD_FRAME_LEN + 16];

        for (size_t off = 30; off <= BFD_FRAME_HDR_LEN + 16; off += 4) {
            fill_bytes(h, 0, sizeof(h));
            enc(&c, h + off);
            assert_int_equal(bfd_udp_build(h, sizeof(h), &p, h + off,
                                           BFD_CTRL_LEN), BFD_FRAME_LEN);
            assert_memory_equal(h, g, BFD_FRAME_LEN);
        }
    }
}

static void test_udp_parse_roundtrip(void **state)
{
    uint8_t f[128];
    size_t n = good_frame(f, sizeof(f));
    struct bfd_udp_counters cnt = { .rx_ok = 0 };
    struct bfd_udp_rx rx;
    struct bfd_ctrl d;
    (void)state;

    assert_int_equal(bfd_udp_parse(f, n, &rx, &cnt), BFD_DROP_NONE);
    assert_int_equal(cnt.rx_ok, 1);
    assert_ptr_equal(rx.payload, f + 42);
    assert_int_equal(rx.payload_len, 24);
    assert_int_equal(rx.src_ip_be, htonl(0xc0000201));
    assert_int_equal(rx.dst_ip_be, htonl(0xc0000202));
    assert_int_equal(rx.src_port, 49200);
    assert_int_equal(rx.dst_port, 3784);
    assert_int_equal(rx.ttl, 255);
    assert_int_equal(bfd_ctrl_decode(rx.payload, rx.payload_len, &d),
                     BFD_DROP_NONE);
    assert_int_equal(d.my_disc, 0x11223344);

    /* Ethernet padding after the IPv4 packet is ignored. */
    fill_bytes(f + n, 0, 10);
    assert_int_equal(bfd_udp_parse(f, n + 10, &rx, NULL), BFD_DROP_NONE);
    assert_int_equal(rx.payload_len, 24);

    /* A zero UDP checksum means none (IPv4): accepted. */
    f[40] = f[41] = 0;
    assert_int_equal(bfd_udp_parse(f, n, &rx, &cnt), BFD_DROP_NONE);
    assert_int_equal(cnt.rx_ok, 2);
}

static void test_udp_ttl(void **state)
{
    uint8_t f[128];
    size_t n = good_frame(f, sizeof(f));
    struct bfd_udp_counters cnt = { .rx_ok = 0 };
    struct bfd_udp_rx rx;
    (void)state;

    f[14 + 8] = 254;
    fix_ip_sum(f);
    assert_int_equal(bfd_udp_parse(f, n, &rx, &cnt), BFD_DROP_TTL);
    assert_string_equal(bfd_drop_name(BFD_DROP_TTL), "ttl");
    assert_int_equal(cnt.drop[BFD_DROP_TTL], 1);
    assert_int_equal(cnt.rx_ok, 0);
    assert_null(rx.payload);
    assert_int_equal(rx.ttl, 254);
    assert_int_equal(rx.src_ip_be, htonl(0xc0000201));  /* for the log */
    f[14 + 8] = 1;
    fix_ip_sum(f);
    assert_int_equal(bfd_udp_parse(f, n, &rx, &cnt), BFD_DROP_TTL);
    assert_int_equal(cnt.drop[BFD_DROP_TTL], 2);
    f[14 + 8] = 255;
    fix_ip_sum(f);
    assert_int_equal(bfd_udp_parse(f, n, &rx, &cnt), BFD_DROP_NONE);
    assert_int_equal(cnt.rx_ok, 1);
}

static void test_udp_drops(void **state)
{
    uint8_t f[128], g[128];
    size_t n = good_frame(g, sizeof(g));
    struct bfd_udp_counters cnt = { .rx_ok = 0 };
    struct bfd_udp_rx rx;
    (void)state;


    assert_int_equal(bfd_udp_parse(g, 41, &rx, &cnt), BFD_DROP_FRAME_SHORT);

    copy_bytes(f, g, n);
    f[12] = 0x86;               /* IPv6 */
    f[13] = 0xdd;
    assert_int_equal(bfd_udp_parse(f, n, &rx, &cnt), BFD_DROP_NOT_IPV4);

    copy_bytes(f, g, n);
    f[14] = 0x65;               /* version 6 */
    assert_int_equal(bfd_udp_parse(f, n, &rx, &cnt), BFD_DROP_IP_HEADER);
    copy_bytes(f, g, n);
    f[14] = 0x44;               /* IHL 4 */
    assert_int_equal(bfd_udp_parse(f, n, &rx, &cnt), BFD_DROP_IP_HEADER);
    /* IPv4 total length beyond the frame. */
    assert_int_equal(bfd_udp_parse(g, n - 1, &rx, &cnt), BFD_DROP_IP_HEADER);

    copy_bytes(f, g, n);
    f[24] ^= 0x01;              /* header checksum */
    assert_int_equal(bfd_udp_parse(f, n, &rx, &cnt), BFD_DROP_IP_CHECKSUM);

    copy_bytes(f, g, n);
    f[20] |= 0x20;              /* MF */
    fix_ip_sum(f);
    assert_int_equal(bfd_udp_parse(f, n, &rx, &cnt), BFD_DROP_IP_FRAGMENT);
    copy_bytes(f, g, n);
    f[21] = 0x08;               /* offset */
    fix_ip_sum(f);
    assert_int_equal(bfd_udp_parse(f, n, &rx, &cnt), BFD_DROP_IP_FRAGMENT);

    copy_bytes(f, g, n);
    f[23] = 6;                  /* TCP */
    fix_ip_sum(f);
    assert_int_equal(bfd_udp_parse(f, n, &rx, &cnt), BFD_DROP_NOT_UDP);

    copy_bytes(f, g, n);
    f[38] = 0;                  /* UDP length 33 > IPv4 payload 32 */
    f[39] = 33;
    assert_int_equal(bfd_udp_parse(f, n, &rx, &cnt), BFD_DROP_UDP_LENGTH);
    f[39] = 7;                  /* UDP length < 8 */
    assert_int_equal(bfd_udp_parse(f, n, &rx, &cnt), BFD_DROP_UDP_LENGTH);
    copy_bytes(f, g, n);
    f[16] = 0;                  /* IPv4 length 24: no room for UDP */
    f[17] = 24;
    fix_ip_sum(f);
    assert_int_equal(bfd_udp_parse(f, n, &rx, &cnt), BFD_DROP_UDP_LENGTH);

    copy_bytes(f, g, n);
    f[36] = 0x12;               /* destination port 4784 (multihop) */
    f[37] = 0xb0;
    assert_int_equal(bfd_udp_parse(f, n, &rx, &cnt), BFD_DROP_UDP_PORT);
    assert_int_equal(rx.dst_port, 4784);

    copy_bytes(f, g, n);
    f[50] ^= 0x01;              /* payload byte: UDP checksum now wrong */
    assert_int_equal(bfd_udp_parse(f, n, &rx, &cnt), BFD_DROP_UDP_CHECKSUM);

    assert_int_equal(cnt.drop[BFD_DROP_FRAME_SHORT], 1);
    assert_int_equal(cnt.drop[BFD_DROP_NOT_IPV4], 1);
    assert_int_equal(cnt.drop[BFD_DROP_IP_HEADER], 3);
    assert_int_equal(cnt.drop[BFD_DROP_IP_CHECKSUM], 1);
    assert_int_equal(cnt.drop[BFD_DROP_IP_FRAGMENT], 2);
    assert_int_equal(cnt.drop[BFD_DROP_NOT_UDP], 1);
    assert_int_equal(cnt.drop[BFD_DROP_UDP_LENGTH], 3);
    assert_int_equal(cnt.drop[BFD_DROP_UDP_PORT], 1);
    assert_int_equal(cnt.drop[BFD_DROP_UDP_CHECKSUM], 1);
    assert_int_equal(cnt.drop[BFD_DROP_TTL], 0);
    assert_int_equal(cnt.rx_ok, 0);
}

static void test_udp_ip_options(void **state)
{
    uint8_t g[128], f[160];
    size_t n = good_frame(g, sizeof(g));
    struct bfd_udp_rx rx;
    (void)state;

    /* Same packet with a 4-byte IPv4 option (NOP x3 + EOL). */
    copy_bytes(f, g, 34);
    f[14] = 0x46;
    f[16] = 0;
    f[17] = (uint8_t)(24 + 8 + 24);
    f[34] = 1;
    f[35] = 1;
    f[36] = 1;
    f[37] = 0;
    copy_bytes(f + 38, g + 34, n - 34);
    fix_ip_sum(f);
    assert_int_equal(bfd_udp_parse(f, n + 4, &rx, NULL), BFD_DROP_NONE);
    assert_ptr_equal(rx.payload, f + 46);
    assert_int_equal(rx.payload_len, 24);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_encode_layout),
        cmocka_unit_test(test_roundtrip_fields),
        cmocka_unit_test(test_decode_padding_ok),
        cmocka_unit_test(test_decode_truncated),
        cmocka_unit_test(test_decode_bad_version),
        cmocka_unit_test(test_decode_length_short),
        cmocka_unit_test(test_decode_length_exceeds_payload),
        cmocka_unit_test(test_decode_detect_mult_zero),
        cmocka_unit_test(test_decode_multipoint),
        cmocka_unit_test(test_decode_my_disc_zero),
        cmocka_unit_test(test_decode_your_disc_zero),
        cmocka_unit_test(test_decode_auth),
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_udp_build),
        cmocka_unit_test(test_udp_build_in_place),
        cmocka_unit_test(test_udp_parse_roundtrip),
        cmocka_unit_test(test_udp_ttl),
        cmocka_unit_test(test_udp_drops),
        cmocka_unit_test(test_udp_ip_options),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
