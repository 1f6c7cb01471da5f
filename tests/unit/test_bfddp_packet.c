/* Unit tests for the bfdd data-plane protocol codec (control/bfd/bfddp_packet.c).
 *
 * Part 1 decodes the byte streams FRR 8.4.4's bfdd sent in
 * scripts/capture-bfddp-fixtures (tests/fixtures/bfddp-frr-8.4.4-*.bin) and
 * checks every field of every message against the lab's configuration and
 * the values bfdd showed (tests/fixtures/bfddp-frr-8.4.4.txt). Part 2 checks
 * that the encoder reproduces those bytes, and the exact bytes of the
 * messages bfdd accepted from the capture's stand-in. Part 3 truncates and
 * corrupts every captured message (every prefix, every length value, every
 * version, every type) and checks each field rule.
 *
 * The fixtures are found through $BFDDP_FIXTURE_DIR, else BFDDP_FIXTURE_DIR
 * (a compile-time string, default relative to the repository root).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "bfddp_packet.h"

#ifndef BFDDP_FIXTURE_DIR
#define BFDDP_FIXTURE_DIR "tests/fixtures"
#endif

/* bfdd's discriminators in the capture (random per run; see the .txt) */
#define LID_S1  3117439392u     /* peer 192.0.2.3 interface bc26019A */
#define LID_S2  142378858u      /* peer 198.51.100.2 multihop */
#define LID_S3  1283975873u     /* peer 2001:db8::2 */
#define LID_S4A 1276546919u     /* bgpd's first registration (no source) */
#define LID_S4  212191271u      /* bgpd's neighbor 192.0.2.2 bfd */
#define IFNAME  "bc26019A"
#define IFINDEX 2u

/* ---- fixtures ------------------------------------------------------------ */

struct blob {
    uint8_t d[4096];
    size_t len;
};

static void load(const char *phase, struct blob *b)
{
    const char *dir = getenv("BFDDP_FIXTURE_DIR");
    char path[512];
    FILE *f;

    if (dir == NULL || dir[0] == '\0')
        dir = BFDDP_FIXTURE_DIR;
    snprintf(path, sizeof(path), "%s/bfddp-frr-8.4.4-%s.bin", dir, phase);
    f = fopen(path, "rb");
    if (f == NULL)
        fail_msg("cannot open fixture %s", path);
    b->len = fread(b->d, 1, sizeof(b->d), f);
    assert_int_equal(ferror(f), 0);
    assert_true(feof(f));   /* the whole file fitted */
    fclose(f);
}

static void hex(const char *s, struct blob *b)
{
    size_t n = strlen(s) / 2, i;
    unsigned int v;

    assert_true(n <= sizeof(b->d));
    for (i = 0; i < n; i++) {
        assert_int_equal(sscanf(s + 2 * i, "%2x", &v), 1);
        b->d[i] = (uint8_t)v;
    }
    b->len = n;
}

/* Splits a fixture into its messages with the framer, fed one byte at a
 * time (the worst partial reads); at most max messages. */
static size_t split(const struct blob *b, const uint8_t **msgs, size_t *lens,
                    size_t max)
{
    static uint8_t buf[BFDDP_MAX_MSG_LEN];
    static uint8_t copy[8][4096];
    static size_t which;
    struct bfddp_stream s;
    const uint8_t *m;
    size_t n = 0, off, len;
    uint8_t *dst = copy[which++ % 8];

    memcpy(dst, b->d, b->len);
    bfddp_stream_init(&s, buf, sizeof(buf));
    /* messages are handed out inside buf: copy them to dst, in order */
    for (off = 0; off < b->len; off++) {
        assert_int_equal(bfddp_stream_append(&s, b->d + off, 1), 1);
        while (bfddp_stream_next(&s, &m, &len) == BFDDP_FRAME_OK) {
            size_t at = 0, i;

            for (i = 0; i < n; i++)
                at += lens[i];
            assert_true(n < max);
            assert_memory_equal(m, b->d + at, len);
            msgs[n] = dst + at;
            lens[n] = len;
            n++;
        }
        assert_false(s.fatal);
    }
    assert_int_equal(s.frames, n);
    assert_int_equal(s.bytes_in, b->len);
    assert_int_equal(s.tail - s.head, 0);   /* nothing left over */
    return n;
}

static void addr(const char *text, uint8_t out[16])
{
    memset(out, 0, 16);
    if (strchr(text, ':') != NULL)
        assert_int_equal(inet_pton(AF_INET6, text, out), 1);
    else
        assert_int_equal(inet_pton(AF_INET, text, out), 1);
}

struct want_session {
    uint16_t type;
    uint32_t lid;
    uint32_t flags;
    const char *src;
    const char *dst;
    uint32_t tx, rx, echo_tx, echo_rx;
    uint8_t ttl, mult;
    uint32_t ifindex;
    const char *ifname;
};

static void check_session(const uint8_t *p, size_t len,
                          const struct want_session *w)
{
    struct bfddp_msg m;
    struct bfddp_error e;
    const struct bfddp_session *s = &m.u.session;
    uint8_t a[16];

    assert_int_equal(len, BFDDP_SESSION_LEN);
    assert_int_equal(bfddp_decode(p, len, &m, &e), 0);
    assert_int_equal(e.code, BFDDP_ERR_NONE);
    assert_int_equal(m.hdr.version, 1);
    assert_int_equal(m.hdr.type, w->type);
    assert_int_equal(m.hdr.id, 0);
    assert_int_equal(m.hdr.length, 140);
    assert_int_equal(s->lid, w->lid);
    assert_int_equal(s->flags, w->flags);
    addr(w->src, a);
    assert_memory_equal(s->src, a, 16);
    addr(w->dst, a);
    assert_memory_equal(s->dst, a, 16);
    assert_int_equal(s->min_tx_us, w->tx);
    assert_int_equal(s->min_rx_us, w->rx);
    assert_int_equal(s->min_echo_tx_us, w->echo_tx);
    assert_int_equal(s->min_echo_rx_us, w->echo_rx);
    assert_int_equal(s->hold_time_ms, 0);
    assert_int_equal(s->ttl, w->ttl);
    assert_int_equal(s->detect_mult, w->mult);
    assert_int_equal(s->ifindex, w->ifindex);
    assert_string_equal(s->ifname, w->ifname);
}

/* The three configured sessions as bfdd.conf has them. */
#define S1_0 { BFDDP_ADD_SESSION, LID_S1, 0, "0.0.0.0", "192.0.2.3", \
               100000, 100000, 50000, 50000, 255, 3, IFINDEX, IFNAME }
#define S2_0 { BFDDP_ADD_SESSION, LID_S2, \
               BFDDP_SF_MULTIHOP | BFDDP_SF_PASSIVE, "192.0.2.1", \
               "198.51.100.2", 200000, 300000, 50000, 50000, 250, 5, 0, "" }
#define S3_0 { BFDDP_ADD_SESSION, LID_S3, BFDDP_SF_ECHO | BFDDP_SF_IPV6, \
               "2001:db8::1", "2001:db8::2", 300000, 300000, 60000, 70000, \
               255, 3, IFINDEX, IFNAME }
#define S4_0 { BFDDP_ADD_SESSION, LID_S4, 0, "192.0.2.1", "192.0.2.2", \
               300000, 300000, 50000, 50000, 255, 3, IFINDEX, IFNAME }

/* ---- part 1: what bfdd sent ---------------------------------------------- */

/* On connect, bfdd sends DP_ADD_SESSION for every session it has. */
static void test_fixture_connect(void **state)
{
    static const struct want_session w[] = { S3_0, S2_0, S1_0 };
    const uint8_t *msgs[8];
    size_t lens[8], i;
    struct blob b;

    (void)state;
    load("connect", &b);
    assert_int_equal(b.len, 420);
    assert_int_equal(split(&b, msgs, lens, 8), 3);
    for (i = 0; i < 3; i++)
        check_session(msgs[i], lens[i], &w[i]);
}

/* The answer to our ECHO_REQUEST (dp_time 123456789). */
static void test_fixture_echo_reply(void **state)
{
    struct bfddp_msg m;
    struct blob b;

    (void)state;
    load("up", &b);
    assert_int_equal(b.len, BFDDP_ECHO_LEN);
    assert_int_equal(bfddp_decode(b.d, b.len, &m, NULL), 0);
    assert_int_equal(m.hdr.type, BFDDP_ECHO_REPLY);
    assert_int_equal(m.hdr.id, 0);
    assert_int_equal(m.u.echo.dp_time, 123456789u);
    /* bfdd's gettimeofday() in microseconds, 2026-12-01T21:45:49Z */
    assert_int_equal(m.u.echo.bfdd_time, 1796161149065789ull);
}

/* `show bfd peers counters`: one request per session, ids 1, 2, 3. */
static void test_fixture_counters_request(void **state)
{
    static const uint32_t lids[] = { LID_S1, LID_S2, LID_S3 };
    const uint8_t *msgs[8];
    size_t lens[8], i;
    struct bfddp_msg m;
    struct blob b;

    (void)state;
    load("counters", &b);
    assert_int_equal(split(&b, msgs, lens, 8), 3);
    for (i = 0; i < 3; i++) {
        assert_int_equal(lens[i], BFDDP_COUNTERS_REQ_LEN);
        assert_int_equal(bfddp_decode(msgs[i], lens[i], &m, NULL), 0);
        assert_int_equal(m.hdr.type, BFDDP_REQUEST_COUNTERS);
        assert_int_equal(m.hdr.id, i + 1);
        assert_int_equal(m.u.counters_req.lid, lids[i]);
    }
    /* after the reconnect the ids start again at 1 */
    load("probes", &b);
    assert_int_equal(bfddp_decode(b.d, b.len, &m, NULL), 0);
    assert_int_equal(m.hdr.type, BFDDP_REQUEST_COUNTERS);
    assert_int_equal(m.hdr.id, 1);
    assert_int_equal(m.u.counters_req.lid, LID_S2);
}

/* bgpd's neighbor bfd: first without source address and interface, then
 * (once the TCP session is up) deleted and added again with both. */
static void test_fixture_bgp(void **state)
{
    static const struct want_session w[] = {
        { BFDDP_ADD_SESSION, LID_S4A, 0, "0.0.0.0", "192.0.2.2",
          300000, 300000, 50000, 50000, 255, 3, 0, "" },
        { BFDDP_DELETE_SESSION, LID_S4A, 0, "0.0.0.0", "192.0.2.2",
          300000, 300000, 50000, 50000, 255, 3, 0, "" },
        S4_0,
    };
    const uint8_t *msgs[8];
    size_t lens[8], i;
    struct blob b;

    (void)state;
    load("bgp", &b);
    assert_int_equal(split(&b, msgs, lens, 8), 3);
    for (i = 0; i < 3; i++)
        check_session(msgs[i], lens[i], &w[i]);
}

/* Configuration changes: each is a new DP_ADD_SESSION for the same lid. */
static void test_fixture_update_delete(void **state)
{
    static const struct want_session w[] = {
        /* receive-interval 250 */
        { BFDDP_ADD_SESSION, LID_S1, 0, "0.0.0.0", "192.0.2.3",
          100000, 250000, 50000, 50000, 255, 3, IFINDEX, IFNAME },
        /* transmit-interval 150 */
        { BFDDP_ADD_SESSION, LID_S1, 0, "0.0.0.0", "192.0.2.3",
          150000, 250000, 50000, 50000, 255, 3, IFINDEX, IFNAME },
        /* detect-multiplier 4 */
        { BFDDP_ADD_SESSION, LID_S1, 0, "0.0.0.0", "192.0.2.3",
          150000, 250000, 50000, 50000, 255, 4, IFINDEX, IFNAME },
        /* shutdown: twice */
        { BFDDP_ADD_SESSION, LID_S1, BFDDP_SF_SHUTDOWN, "0.0.0.0",
          "192.0.2.3", 150000, 250000, 50000, 50000, 255, 4, IFINDEX, IFNAME },
        { BFDDP_ADD_SESSION, LID_S1, BFDDP_SF_SHUTDOWN, "0.0.0.0",
          "192.0.2.3", 150000, 250000, 50000, 50000, 255, 4, IFINDEX, IFNAME },
        /* no shutdown: twice */
        { BFDDP_ADD_SESSION, LID_S1, 0, "0.0.0.0", "192.0.2.3",
          150000, 250000, 50000, 50000, 255, 4, IFINDEX, IFNAME },
        { BFDDP_ADD_SESSION, LID_S1, 0, "0.0.0.0", "192.0.2.3",
          150000, 250000, 50000, 50000, 255, 4, IFINDEX, IFNAME },
    };
    static const struct want_session del = {
        BFDDP_DELETE_SESSION, LID_S1, 0, "0.0.0.0", "192.0.2.3",
        150000, 250000, 50000, 50000, 255, 4, IFINDEX, IFNAME };
    const uint8_t *msgs[8];
    size_t lens[8], i;
    struct blob b;

    (void)state;
    load("update", &b);
    assert_int_equal(split(&b, msgs, lens, 8), 7);
    for (i = 0; i < 7; i++)
        check_session(msgs[i], lens[i], &w[i]);
    load("delete", &b);
    assert_int_equal(split(&b, msgs, lens, 8), 1);
    check_session(msgs[0], lens[0], &del);
}

/* Reconnect: every remaining session again; shutdown: bgpd's delete only
 * (bfdd's own deletes for S2/S3 never left its buffer). */
static void test_fixture_reconnect_shutdown(void **state)
{
    static const struct want_session w[] = { S4_0, S3_0, S2_0 };
    static const struct want_session del = {
        BFDDP_DELETE_SESSION, LID_S4, 0, "192.0.2.1", "192.0.2.2",
        300000, 300000, 50000, 50000, 255, 3, IFINDEX, IFNAME };
    const uint8_t *msgs[8];
    size_t lens[8], i;
    struct blob b;

    (void)state;
    load("reconnect", &b);
    assert_int_equal(split(&b, msgs, lens, 8), 3);
    for (i = 0; i < 3; i++)
        check_session(msgs[i], lens[i], &w[i]);
    load("shutdown", &b);
    assert_int_equal(split(&b, msgs, lens, 8), 1);
    check_session(msgs[0], lens[0], &del);
}

/* All phases as one stream, in chunks of every size from 1 to 300 bytes:
 * the same 23 messages come out each time. */
static const char *const phases[] = {
    "connect", "up", "counters", "bgp", "update", "delete", "reconnect",
    "probes", "shutdown",
};

static void whole_stream(struct blob *all)
{
    struct blob b;
    size_t i;

    all->len = 0;
    for (i = 0; i < sizeof(phases) / sizeof(phases[0]); i++) {
        load(phases[i], &b);
        assert_true(all->len + b.len <= sizeof(all->d));
        memcpy(all->d + all->len, b.d, b.len);
        all->len += b.len;
    }
    assert_int_equal(all->len, 2592);
}

static void test_stream_chunks(void **state)
{
    static struct blob all;
    static uint8_t buf[BFDDP_SESSION_LEN];   /* the smallest cap that works */
    struct bfddp_stream s;
    struct bfddp_msg m;
    const uint8_t *msg;
    size_t chunk, off, len, n, types[BFDDP_TYPE_NUM];

    (void)state;
    whole_stream(&all);
    for (chunk = 1; chunk <= 300; chunk++) {
        bfddp_stream_init(&s, buf, sizeof(buf));
        memset(types, 0, sizeof(types));
        n = 0;
        off = 0;
        while (off < all.len) {
            size_t want = all.len - off < chunk ? all.len - off : chunk;
            size_t took = bfddp_stream_append(&s, all.d + off, want);

            off += took;
            while (bfddp_stream_next(&s, &msg, &len) == BFDDP_FRAME_OK) {
                assert_int_equal(bfddp_decode(msg, len, &m, NULL), 0);
                types[m.hdr.type]++;
                n++;
            }
            assert_false(s.fatal);
            assert_true(took > 0);  /* a full buffer always frees up */
        }
        assert_int_equal(n, 23);
        assert_int_equal(types[BFDDP_ADD_SESSION], 15);
        assert_int_equal(types[BFDDP_DELETE_SESSION], 3);
        assert_int_equal(types[BFDDP_REQUEST_COUNTERS], 4);
        assert_int_equal(types[BFDDP_ECHO_REPLY], 1);
        assert_int_equal(s.bytes_in, all.len);
    }
}

/* ---- part 2: encoding ------------------------------------------------------ */

/* decode then encode gives back bfdd's exact bytes, for all 23 messages */
static void test_reencode_captures(void **state)
{
    static struct blob all;
    const uint8_t *msgs[32];
    size_t lens[32], n, i;
    uint8_t out[256];
    struct bfddp_msg m;

    (void)state;
    whole_stream(&all);
    n = split(&all, msgs, lens, 32);
    assert_int_equal(n, 23);
    for (i = 0; i < n; i++) {
        assert_int_equal(bfddp_decode(msgs[i], lens[i], &m, NULL), 0);
        memset(out, 0xa5, sizeof(out));
        assert_int_equal(bfddp_encode(&m, out, sizeof(out), NULL),
                         (int)lens[i]);
        assert_memory_equal(out, msgs[i], lens[i]);
        assert_int_equal(out[lens[i]], 0xa5);   /* nothing written beyond */
    }
}

/* Our encoder produces, byte for byte, the messages bfdd accepted from the
 * capture's Python stand-in (bfddp-frr-8.4.4.log.jsonl, "dir": "tx"): S1
 * went Up with remote id 1111; S4 went Down with diag 1 and BGP dropped
 * the neighbour; bfdd showed the counters. */
static void test_encode_accepted_by_bfdd(void **state)
{
    struct bfddp_msg m;
    struct blob want;
    uint8_t out[128];

    (void)state;
    memset(&m, 0, sizeof(m));
    m.hdr.type = BFDDP_STATE_CHANGE;
    m.u.state = (struct bfddp_state_change){
        .lid = LID_S1, .rid = 1111, .desired_tx_us = 100000,
        .required_rx_us = 100000, .state = 3, .diag = 0, .detect_mult = 3 };
    hex("0100000400000024b9d059a00000045700000000000186a0000186a0"
        "0000000003000300", &want);
    assert_int_equal(bfddp_encode(&m, out, sizeof(out), NULL), 36);
    assert_memory_equal(out, want.d, 36);

    m.u.state = (struct bfddp_state_change){
        .lid = LID_S4, .rid = 4444, .desired_tx_us = 300000,
        .required_rx_us = 300000, .state = 1, .diag = 1, .detect_mult = 3 };
    hex("01000004000000240ca5c8270000115c00000000000493e0000493e0"
        "0000000001010300", &want);
    assert_int_equal(bfddp_encode(&m, out, sizeof(out), NULL), 36);
    assert_memory_equal(out, want.d, 36);

    memset(&m, 0, sizeof(m));
    m.hdr.type = BFDDP_ECHO_REQUEST;
    m.u.echo.dp_time = 123456789;
    hex("010000000000001800000000075bcd150000000000000000", &want);
    assert_int_equal(bfddp_encode(&m, out, sizeof(out), NULL), 24);
    assert_memory_equal(out, want.d, 24);

    memset(&m, 0, sizeof(m));
    m.hdr.type = BFDDP_SESSION_COUNTERS;
    m.hdr.id = 1;
    m.u.counters = (struct bfddp_counters){
        .lid = LID_S1,
        .control_in_bytes = LID_S1 * 1000ull + 1,
        .control_in_packets = LID_S1 * 1000ull + 2,
        .control_out_bytes = LID_S1 * 1000ull + 3,
        .control_out_packets = LID_S1 * 1000ull + 4,
        .echo_in_bytes = LID_S1 * 1000ull + 5,
        .echo_in_packets = LID_S1 * 1000ull + 6,
        .echo_out_bytes = LID_S1 * 1000ull + 7,
        .echo_out_packets = LID_S1 * 1000ull + 8 };
    hex("0100000600010050b9d059a000000000000002d5d5de1901000002d5d5de1902"
        "000002d5d5de1903000002d5d5de1904000002d5d5de1905000002d5d5de1906"
        "000002d5d5de1907000002d5d5de1908", &want);
    assert_int_equal(bfddp_encode(&m, out, sizeof(out), NULL), 80);
    assert_memory_equal(out, want.d, 80);
}

/* Every type: encode, decode, same fields; padding comes out zero. */
static void test_roundtrip_all_types(void **state)
{
    struct bfddp_msg in, back;
    uint8_t out[256];
    uint16_t t;
    int len;

    (void)state;
    for (t = 0; t < (uint16_t)BFDDP_TYPE_NUM; t++) {
        memset(&in, 0, sizeof(in));
        in.hdr.type = t;
        in.hdr.id = (uint16_t)(0xfff0 + t);
        switch (t) {
        case BFDDP_ECHO_REQUEST:
        case BFDDP_ECHO_REPLY:
            in.u.echo.dp_time = 0x0102030405060708ull;
            in.u.echo.bfdd_time = 0xf1f2f3f4f5f6f7f8ull;
            break;
        case BFDDP_ADD_SESSION:
        case BFDDP_DELETE_SESSION:
            in.u.session.flags = BFDDP_SF_ALL;
            addr("2001:db8::10", in.u.session.src);
            addr("2001:db8::20", in.u.session.dst);
            in.u.session.lid = 0xdeadbeef;
            in.u.session.min_tx_us = 10000;
            in.u.session.min_rx_us = 20000;
            in.u.session.min_echo_tx_us = 30000;
            in.u.session.min_echo_rx_us = 40000;
            in.u.session.hold_time_ms = 5000;
            in.u.session.ttl = 254;
            in.u.session.detect_mult = 255;
            in.u.session.ifindex = 0x80000001u;
            memset(in.u.session.ifname, 'x', BFDDP_IFNAME_LEN - 1);
            break;
        case BFDDP_STATE_CHANGE:
            in.u.state = (struct bfddp_state_change){
                .lid = 0xffffffffu, .rid = 0x12345678u,
                .remote_flags = BFDDP_RF_ALL, .desired_tx_us = 1,
                .required_rx_us = 0xfffffffeu, .required_echo_rx_us = 7,
                .state = BFDDP_STATE_MAX, .diag = BFDDP_DIAG_MAX,
                .detect_mult = 255 };
            break;
        case BFDDP_REQUEST_COUNTERS:
            in.u.counters_req.lid = 77;
            break;
        case BFDDP_SESSION_COUNTERS:
            in.u.counters = (struct bfddp_counters){
                0xffffffffu, 1, 2, 3, 4, 5, 6, 7, UINT64_MAX };
            break;
        }
        memset(out, 0xff, sizeof(out));
        len = bfddp_encode(&in, out, sizeof(out), NULL);
        assert_int_equal(len, (int)bfddp_type_len(t));
        assert_int_equal(out[1], 0);
        if (t == BFDDP_STATE_CHANGE)
            assert_int_equal(out[35], 0);
        if (t == BFDDP_SESSION_COUNTERS)
            assert_memory_equal(out + 12, "\0\0\0\0", 4);
        if (t == BFDDP_ADD_SESSION)
            assert_int_equal(out[70] | out[71] | out[139], 0);
        assert_int_equal(bfddp_decode(out, (size_t)len, &back, NULL), 0);
        in.hdr.version = 1;
        in.hdr.length = (uint16_t)len;
        assert_memory_equal(&back.hdr, &in.hdr, sizeof(in.hdr));
        switch (t) {
        case BFDDP_ADD_SESSION:
        case BFDDP_DELETE_SESSION:
            assert_memory_equal(&back.u.session, &in.u.session,
                                sizeof(in.u.session));
            break;
        case BFDDP_STATE_CHANGE:
            assert_memory_equal(&back.u.state, &in.u.state,
                                sizeof(in.u.state));
            break;
        case BFDDP_SESSION_COUNTERS:
            assert_memory_equal(&back.u.counters, &in.u.counters,
                                sizeof(in.u.counters));
            break;
        default:
            assert_memory_equal(&back.u, &in.u, sizeof(in.u.echo));
        }
    }
}

static void test_encode_refuses(void **state)
{
    struct bfddp_msg m;
    struct bfddp_error e;
    uint8_t out[256];
    uint16_t t;

    (void)state;
    memset(&m, 0, sizeof(m));
    /* unknown types */
    for (t = BFDDP_TYPE_NUM; t < 300; t++) {
        m.hdr.type = t;
        assert_int_equal(bfddp_encode(&m, out, sizeof(out), &e), -EINVAL);
        assert_int_equal(e.code, BFDDP_ERR_TYPE);
    }
    /* a buffer one byte short, for every type */
    m.u.state = (struct bfddp_state_change){ .lid = 1, .state = 3 };
    for (t = 0; t < (uint16_t)BFDDP_TYPE_NUM; t++) {
        m.hdr.type = t;
        if (t == BFDDP_ADD_SESSION || t == BFDDP_DELETE_SESSION) {
            memset(&m.u, 0, sizeof(m.u));
            m.u.session.lid = 1;
            m.u.session.dst[0] = 192;
            m.u.session.detect_mult = 3;
            m.u.session.min_tx_us = 1;
            m.u.session.ttl = 255;
        }
        memset(out, 0xee, sizeof(out));
        assert_int_equal(bfddp_encode(&m, out, bfddp_type_len(t) - 1, &e),
                         -ENOSPC);
        assert_int_equal(e.code, BFDDP_ERR_NOSPC);
        assert_int_equal(out[0], 0xee);     /* nothing written */
        assert_int_equal(bfddp_encode(&m, NULL, 1000, &e), -ENOSPC);
        assert_int_equal(bfddp_encode(&m, out, bfddp_type_len(t), &e),
                         (int)bfddp_type_len(t));
        memset(&m.u, 0, sizeof(m.u));
        m.u.state = (struct bfddp_state_change){ .lid = 1, .state = 3 };
    }
    /* state changes bfdd must not get (it indexes tables with them) */
    m.hdr.type = BFDDP_STATE_CHANGE;
    m.u.state = (struct bfddp_state_change){ .lid = 1, .state = 4 };
    assert_int_equal(bfddp_encode(&m, out, sizeof(out), &e), -EINVAL);
    assert_int_equal(e.code, BFDDP_ERR_STATE);
    m.u.state = (struct bfddp_state_change){ .lid = 1, .diag = 9 };
    assert_int_equal(bfddp_encode(&m, out, sizeof(out), &e), -EINVAL);
    assert_int_equal(e.code, BFDDP_ERR_DIAG);
    m.u.state = (struct bfddp_state_change){ .lid = 0, .state = 3 };
    assert_int_equal(bfddp_encode(&m, out, sizeof(out), &e), -EINVAL);
    assert_int_equal(e.code, BFDDP_ERR_LID);
    m.u.state = (struct bfddp_state_change){ .lid = 1, .remote_flags = 8 };
    assert_int_equal(bfddp_encode(&m, out, sizeof(out), &e), -EINVAL);
    assert_int_equal(e.code, BFDDP_ERR_FLAGS);
    assert_non_null(strstr(e.detail, "0x00000008"));
}

/* ---- part 3: hostile input ------------------------------------------------ */

/* One captured message of each kind bfdd sent. */
static size_t samples(const uint8_t **msgs, size_t *lens)
{
    static struct blob all;
    const uint8_t *m[32];
    size_t l[32], n, i, k = 0;
    bool seen[BFDDP_TYPE_NUM * 2] = { false };

    whole_stream(&all);
    n = split(&all, m, l, 32);
    for (i = 0; i < n; i++) {
        /* one per type, and IPv4/IPv6 for sessions */
        size_t key = (size_t)m[i][3] * 2 + (m[i][11] & BFDDP_SF_IPV6 ? 1 : 0);

        if (m[i][3] != BFDDP_ADD_SESSION && m[i][3] != BFDDP_DELETE_SESSION)
            key = (size_t)m[i][3] * 2;
        if (seen[key])
            continue;
        seen[key] = true;
        msgs[k] = m[i];
        lens[k] = l[i];
        k++;
    }
    return k;   /* echo reply, add v4, add v6, delete v4, request */
}

/* Every prefix of every message: the framer waits, decode says truncated. */
static void test_truncations(void **state)
{
    const uint8_t *msgs[16];
    size_t lens[16], n, i, cut, flen;
    uint8_t buf[BFDDP_MAX_MSG_LEN];
    struct bfddp_stream s;
    struct bfddp_msg m;
    struct bfddp_error e;
    const uint8_t *msg;

    (void)state;
    n = samples(msgs, lens);
    assert_int_equal(n, 5);
    for (i = 0; i < n; i++) {
        for (cut = 0; cut < lens[i]; cut++) {
            assert_int_equal(bfddp_frame_check(msgs[i], cut, sizeof(buf),
                                               &flen, &e),
                             BFDDP_FRAME_NEED_MORE);
            bfddp_stream_init(&s, buf, sizeof(buf));
            bfddp_stream_append(&s, msgs[i], cut);
            assert_int_equal(bfddp_stream_next(&s, &msg, &flen),
                             BFDDP_FRAME_NEED_MORE);
            assert_null(msg);
            assert_int_equal(bfddp_decode(msgs[i], cut, &m, &e), -EBADMSG);
            assert_int_equal(e.code, BFDDP_ERR_TRUNCATED);
            assert_true(strlen(e.detail) > 0);
        }
        /* and the whole message is fine */
        bfddp_stream_init(&s, buf, sizeof(buf));
        bfddp_stream_append(&s, msgs[i], lens[i]);
        assert_int_equal(bfddp_stream_next(&s, &msg, &flen), BFDDP_FRAME_OK);
        assert_int_equal(flen, lens[i]);
    }
}

/* Every value of the length field of every message. */
static void test_length_corruptions(void **state)
{
    const uint8_t *msgs[16];
    size_t lens[16], n, i, flen;
    uint8_t c[BFDDP_MAX_MSG_LEN + 8];
    struct bfddp_msg m;
    struct bfddp_error e;
    enum bfddp_frame st;
    uint32_t v;
    int rc;

    (void)state;
    n = samples(msgs, lens);
    for (i = 0; i < n; i++) {
        for (v = 0; v <= 0xffff; v++) {
            memset(c, 0, sizeof(c));
            memcpy(c, msgs[i], lens[i]);
            c[6] = (uint8_t)(v >> 8);
            c[7] = (uint8_t)v;
            /* framer, with bfdd's buffer size as the maximum */
            st = bfddp_frame_check(c, lens[i], BFDDP_MAX_MSG_LEN, &flen, &e);
            if (v < BFDDP_HDR_LEN) {
                assert_int_equal(st, BFDDP_FRAME_FATAL);
                assert_int_equal(e.code, BFDDP_ERR_LENGTH_SHORT);
            } else if (v > BFDDP_MAX_MSG_LEN) {
                assert_int_equal(st, BFDDP_FRAME_FATAL);
                assert_int_equal(e.code, BFDDP_ERR_LENGTH_LONG);
            } else if (v > lens[i]) {
                assert_int_equal(st, BFDDP_FRAME_NEED_MORE);
            } else {
                assert_int_equal(st, BFDDP_FRAME_OK);
                assert_int_equal(flen, v);
            }
            /* decode of the bytes as captured */
            rc = bfddp_decode(c, lens[i], &m, &e);
            if (v == lens[i]) {
                assert_int_equal(rc, 0);
                continue;
            }
            assert_int_equal(rc, -EBADMSG);
            if (v < BFDDP_HDR_LEN)
                assert_int_equal(e.code, BFDDP_ERR_LENGTH_SHORT);
            else if (v > BFDDP_MAX_MSG_LEN)
                assert_int_equal(e.code, BFDDP_ERR_LENGTH_LONG);
            else if (v > lens[i])
                assert_int_equal(e.code, BFDDP_ERR_TRUNCATED);
            else
                assert_int_equal(e.code, BFDDP_ERR_TRAILING);
            /* decode of exactly the bytes the length names (zero-padded) */
            if (v >= BFDDP_HDR_LEN && v <= BFDDP_MAX_MSG_LEN) {
                assert_int_equal(bfddp_decode(c, v, &m, &e), -EBADMSG);
                assert_int_equal(e.code, BFDDP_ERR_TYPE_LENGTH);
                assert_non_null(strstr(e.detail, "expected"));
            }
        }
    }
}

/* Every version and every type value. */
static void test_version_type_corruptions(void **state)
{
    const uint8_t *msgs[16];
    size_t lens[16], n, i, flen;
    uint8_t c[256];
    struct bfddp_msg m;
    struct bfddp_error e;
    uint8_t buf[256];
    struct bfddp_stream s;
    const uint8_t *msg;
    uint32_t v;
    int rc;

    (void)state;
    n = samples(msgs, lens);
    for (i = 0; i < n; i++) {
        for (v = 0; v <= 0xff; v++) {
            if (v == BFDDP_VERSION)
                continue;
            memcpy(c, msgs[i], lens[i]);
            c[0] = (uint8_t)v;
            /* fatal from the first byte */
            assert_int_equal(bfddp_frame_check(c, 1, 256, &flen, &e),
                             BFDDP_FRAME_FATAL);
            assert_int_equal(e.code, BFDDP_ERR_VERSION);
            bfddp_stream_init(&s, buf, sizeof(buf));
            bfddp_stream_append(&s, c, lens[i]);
            assert_int_equal(bfddp_stream_next(&s, &msg, &flen),
                             BFDDP_FRAME_FATAL);
            assert_true(s.fatal);
            assert_int_equal(s.err.code, BFDDP_ERR_VERSION);
            /* sticky: a good message after it does not come out */
            bfddp_stream_append(&s, msgs[i], lens[i]);
            assert_int_equal(bfddp_stream_next(&s, &msg, &flen),
                             BFDDP_FRAME_FATAL);
            assert_int_equal(bfddp_decode(c, lens[i], &m, &e),
                             -EPROTONOSUPPORT);
            assert_int_equal(e.code, BFDDP_ERR_VERSION);
        }
        for (v = 0; v <= 0xffff; v++) {
            memcpy(c, msgs[i], lens[i]);
            c[2] = (uint8_t)(v >> 8);
            c[3] = (uint8_t)v;
            rc = bfddp_decode(c, lens[i], &m, &e);
            if (v >= BFDDP_TYPE_NUM) {
                assert_int_equal(rc, -ENOMSG);
                assert_int_equal(e.code, BFDDP_ERR_TYPE);
            } else if (bfddp_type_len((uint16_t)v) != lens[i]) {
                assert_int_equal(rc, -EBADMSG);
                assert_int_equal(e.code, BFDDP_ERR_TYPE_LENGTH);
            } else if (rc != 0) {
                /* same size, other type: only its field rules may refuse */
                assert_int_equal(rc, -EBADMSG);
                assert_true(e.code >= BFDDP_ERR_LID &&
                            e.code <= BFDDP_ERR_DIAG);
            }
        }
    }
}

/* A captured session message (index k in the connect phase: 0 is S3,
 * IPv6; 2 is S1, IPv4) as type, with n bytes at off replaced. */
static void mutate(const char *what, size_t k, uint16_t type, size_t off,
                   const void *val, size_t n, enum bfddp_err want)
{
    struct blob b;
    struct bfddp_msg m;
    struct bfddp_error e;
    uint8_t *p;
    int rc;

    load("connect", &b);
    p = b.d + k * BFDDP_SESSION_LEN;
    p[3] = (uint8_t)type;
    memcpy(p + off, val, n);
    rc = bfddp_decode(p, BFDDP_SESSION_LEN, &m, &e);
    if (want == BFDDP_ERR_NONE) {
        if (rc != 0)
            fail_msg("%s: refused (%s)", what, e.detail);
        return;
    }
    if (rc != -EBADMSG || e.code != want)
        fail_msg("%s: rc %d code %s, wanted %s", what, rc,
                 bfddp_err_name(e.code), bfddp_err_name(want));
    assert_true(strlen(e.detail) > 10);
}

static void test_session_field_rules(void **state)
{
    static const uint8_t zero4[4] = { 0 }, zero16[16] = { 0 };
    static const uint8_t flags98[4] = { 0, 0, 0, 0x98 };
    static const uint8_t one = 1, z = 0;
    char longname[BFDDP_IFNAME_LEN];
    const uint16_t add = BFDDP_ADD_SESSION, del = BFDDP_DELETE_SESSION;

    (void)state;
    memset(longname, 'x', sizeof(longname));
    mutate("add lid 0", 0, add, 44, zero4, 4, BFDDP_ERR_LID);
    mutate("add flags 0x98", 0, add, 8, flags98, 4, BFDDP_ERR_FLAGS);
    mutate("add mult 0", 0, add, 69, &z, 1, BFDDP_ERR_DETECT_MULT);
    mutate("add tx 0", 0, add, 48, zero4, 4, BFDDP_ERR_INTERVAL);
    mutate("add ttl 0", 0, add, 68, &z, 1, BFDDP_ERR_TTL);
    mutate("add ifname", 0, add, 76, longname, sizeof(longname),
           BFDDP_ERR_IFNAME);
    mutate("add v6 no peer", 0, add, 28, zero16, 16, BFDDP_ERR_ADDR);
    mutate("add v4 no peer", 2, add, 28, zero4, 4, BFDDP_ERR_ADDR);
    /* IPv4 (S1): a nonzero byte past either address */
    mutate("add v4 src padding", 2, add, 12 + 4, &one, 1, BFDDP_ERR_ADDR);
    mutate("add v4 dst padding", 2, add, 28 + 15, &one, 1, BFDDP_ERR_ADDR);
    /* IPv6 (S3): the same bytes are address */
    mutate("add v6 address byte", 0, add, 12 + 4, &one, 1, BFDDP_ERR_NONE);
    /* rx 0 ("send me nothing") and echo values are the manager's call */
    mutate("add rx 0", 0, add, 52, zero4, 4, BFDDP_ERR_NONE);
    mutate("add echo 0", 0, add, 56, zero16, 8, BFDDP_ERR_NONE);
    /* reserved bytes and the unused hold time are ignored */
    mutate("add zero field", 0, add, 70, flags98 + 3, 1, BFDDP_ERR_NONE);
    mutate("add hold time", 0, add, 64, flags98, 4, BFDDP_ERR_NONE);
    mutate("add bytes after ifname NUL", 0, add, 76 + 20, &one, 1,
           BFDDP_ERR_NONE);
    /* a delete needs only its lid and a terminated name */
    mutate("delete lid 0", 0, del, 44, zero4, 4, BFDDP_ERR_LID);
    mutate("delete ifname", 0, del, 76, longname, sizeof(longname),
           BFDDP_ERR_IFNAME);
    mutate("delete mult 0", 0, del, 69, &z, 1, BFDDP_ERR_NONE);
    mutate("delete no peer", 0, del, 28, zero16, 16, BFDDP_ERR_NONE);
    mutate("delete flags", 0, del, 8, flags98, 4, BFDDP_ERR_NONE);
    mutate("delete v4 padding", 2, del, 12 + 4, &one, 1, BFDDP_ERR_NONE);
}

/* What the decoder refuses in a session, the encoder refuses too. */
static void test_session_encode_rules(void **state)
{
    struct bfddp_msg good, m;
    struct bfddp_error e;
    struct blob b;
    uint8_t out[256];
    int i;

    (void)state;
    load("connect", &b);
    assert_int_equal(bfddp_decode(b.d + (size_t)2 * BFDDP_SESSION_LEN,
                                  BFDDP_SESSION_LEN, &good, NULL), 0);
    for (i = 0; i < 8; i++) {
        enum bfddp_err want;

        m = good;
        switch (i) {
        case 0: m.u.session.lid = 0; want = BFDDP_ERR_LID; break;
        case 1: m.u.session.flags = 0x100; want = BFDDP_ERR_FLAGS; break;
        case 2: m.u.session.detect_mult = 0; want = BFDDP_ERR_DETECT_MULT;
            break;
        case 3: m.u.session.min_tx_us = 0; want = BFDDP_ERR_INTERVAL; break;
        case 4: m.u.session.ttl = 0; want = BFDDP_ERR_TTL; break;
        case 5: memset(m.u.session.ifname, 'y', BFDDP_IFNAME_LEN);
            want = BFDDP_ERR_IFNAME; break;
        case 6: m.u.session.dst[9] = 1; want = BFDDP_ERR_ADDR; break;
        default: memset(m.u.session.dst, 0, 16); want = BFDDP_ERR_ADDR;
        }
        assert_int_equal(bfddp_encode(&m, out, sizeof(out), &e), -EINVAL);
        assert_int_equal(e.code, want);
    }
    /* ifname of exactly 63 characters is the longest that fits */
    m = good;
    memset(m.u.session.ifname, 'z', BFDDP_IFNAME_LEN - 1);
    m.u.session.ifname[BFDDP_IFNAME_LEN - 1] = '\0';
    assert_int_equal(bfddp_encode(&m, out, sizeof(out), &e), 140);
    assert_int_equal(out[139], 0);
    assert_int_equal(out[138], 'z');
}

/* State change rules, on the decode side. */
static void test_state_change_rules(void **state)
{
    struct blob b;
    struct bfddp_msg m;
    struct bfddp_error e;
    unsigned int v;

    (void)state;
    hex("0100000400000024b9d059a00000045700000000000186a0000186a0"
        "0000000003000300", &b);
    assert_int_equal(bfddp_decode(b.d, b.len, &m, &e), 0);
    assert_int_equal(m.u.state.lid, LID_S1);
    assert_int_equal(m.u.state.rid, 1111);
    assert_int_equal(m.u.state.state, 3);
    assert_int_equal(m.u.state.detect_mult, 3);
    for (v = 0; v < 256; v++) {
        b.d[32] = (uint8_t)v;
        assert_int_equal(bfddp_decode(b.d, b.len, &m, &e),
                         v <= 3 ? 0 : -EBADMSG);
        if (v > 3)
            assert_int_equal(e.code, BFDDP_ERR_STATE);
    }
    b.d[32] = 1;
    for (v = 0; v < 256; v++) {
        b.d[33] = (uint8_t)v;
        assert_int_equal(bfddp_decode(b.d, b.len, &m, &e),
                         v <= 8 ? 0 : -EBADMSG);
        if (v > 8)
            assert_int_equal(e.code, BFDDP_ERR_DIAG);
    }
    b.d[33] = 0;
    b.d[19] = 0x08;
    assert_int_equal(bfddp_decode(b.d, b.len, &m, &e), -EBADMSG);
    assert_int_equal(e.code, BFDDP_ERR_FLAGS);
    b.d[19] = 0x07;
    assert_int_equal(bfddp_decode(b.d, b.len, &m, &e), 0);
    memset(b.d + 8, 0, 4);
    assert_int_equal(bfddp_decode(b.d, b.len, &m, &e), -EBADMSG);
    assert_int_equal(e.code, BFDDP_ERR_LID);
    b.d[35] = 0xff;     /* padding is ignored */
    b.d[11] = 1;
    assert_int_equal(bfddp_decode(b.d, b.len, &m, &e), 0);
}

/* Counters requests are never refused (an unanswered one blocks bfdd). */
static void test_counters_request_never_refused(void **state)
{
    struct blob b;
    struct bfddp_msg m;
    uint32_t v;

    (void)state;
    load("probes", &b);
    for (v = 0; v < 32; v++) {
        uint32_t lid = v == 0 ? 0 : (uint32_t)1 << (v - 1);

        b.d[8] = (uint8_t)(lid >> 24);
        b.d[9] = (uint8_t)(lid >> 16);
        b.d[10] = (uint8_t)(lid >> 8);
        b.d[11] = (uint8_t)lid;
        b.d[4] = (uint8_t)v;    /* any id */
        assert_int_equal(bfddp_decode(b.d, b.len, &m, NULL), 0);
        assert_int_equal(m.u.counters_req.lid, lid);
    }
}

/* Pseudo-random byte soup, as a stream and as single messages: no crash,
 * every refusal named. */
static void test_random_bytes(void **state)
{
    static uint8_t data[1 << 16], buf[BFDDP_MAX_MSG_LEN];
    struct bfddp_stream s;
    struct bfddp_msg m;
    struct bfddp_error e;
    const uint8_t *msg;
    uint64_t x = 0x9e3779b97f4a7c15ull;
    size_t i, len, off;
    unsigned int round, ok = 0, refused = 0, fatal = 0;
    char line[512];

    (void)state;
    for (round = 0; round < 200; round++) {
        /* records: mostly well-framed messages of a random type (7 is
         * unknown) with random bodies, now and then a bad header */
        for (i = 0; i < sizeof(data);) {
            size_t rec, k;
            uint16_t t;

            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            t = (uint16_t)(x % 8);
            rec = bfddp_type_len(t) != 0 ? bfddp_type_len(t) : 8 + x % 300;
            if ((x >> 20) % 50 == 0)
                rec = (x >> 30) % 9000;     /* length_short/long, or not */
            if (i + rec + 8 > sizeof(data))
                break;
            for (k = 0; k < rec && k < 8 + 140; k++)
                data[i + k] = (uint8_t)(x >> (k % 57));
            if (rec >= 8 || i + 8 <= sizeof(data)) {
                data[i] = (x >> 40) % 300 == 0 ? 2 : 1;
                data[i + 1] = 0;
                data[i + 2] = 0;
                data[i + 3] = (uint8_t)t;
                data[i + 6] = (uint8_t)(rec >> 8);
                data[i + 7] = (uint8_t)rec;
            }
            i += rec < 8 ? 8 : rec;
        }
        bfddp_stream_init(&s, buf, sizeof(buf));
        for (off = 0; off < sizeof(data) && !s.fatal;) {
            off += bfddp_stream_append(&s, data + off,
                                       (size_t)(x % 97) + 1 < sizeof(data) - off
                                           ? (size_t)(x % 97) + 1
                                           : sizeof(data) - off);
            while (bfddp_stream_next(&s, &msg, &len) == BFDDP_FRAME_OK) {
                if (bfddp_decode(msg, len, &m, &e) == 0) {
                    ok++;
                    assert_true(bfddp_format(&m, line, sizeof(line)) > 0);
                } else {
                    refused++;
                    assert_string_not_equal(bfddp_err_name(e.code), "?");
                    assert_true(e.detail[0] != '\0');
                }
            }
        }
        if (s.fatal) {
            fatal++;
            assert_true(s.err.code == BFDDP_ERR_VERSION ||
                        s.err.code == BFDDP_ERR_LENGTH_SHORT ||
                        s.err.code == BFDDP_ERR_LENGTH_LONG);
        }
        for (off = 0; off + 200 < sizeof(data); off += 97)
            (void)bfddp_decode(data + off, (size_t)(data[off + 7] % 200), &m,
                               &e);
    }
    print_message("random streams: %u decoded, %u refused, %u fatal\n", ok,
                  refused, fatal);
    assert_true(refused > 0 && fatal > 0);
}

static void test_names_and_format(void **state)
{
    struct blob b;
    struct bfddp_msg m;
    char line[512];
    const char *seen[BFDDP_ERR_NUM];
    int i, j;

    (void)state;
    for (i = 0; i < BFDDP_ERR_NUM; i++) {
        seen[i] = bfddp_err_name((enum bfddp_err)i);
        assert_string_not_equal(seen[i], "?");
        for (j = 0; j < i; j++)
            assert_string_not_equal(seen[i], seen[j]);
    }
    assert_string_equal(bfddp_err_name(BFDDP_ERR_NUM), "?");
    assert_string_equal(bfddp_type_name(2), "DP_ADD_SESSION");
    assert_string_equal(bfddp_type_name(7), "UNKNOWN");
    assert_int_equal(bfddp_type_len(7), 0);

    load("connect", &b);
    assert_int_equal(bfddp_decode(b.d + 280, 140, &m, NULL), 0);
    bfddp_format(&m, line, sizeof(line));
    assert_string_equal(line, "DP_ADD_SESSION id 0 lid 3117439392 0.0.0.0 -> "
                        "192.0.2.3 if bc26019A(2) flags 0x00 tx 100000 rx "
                        "100000 echo tx 50000 rx 50000 mult 3 ttl 255 hold 0");
    assert_int_equal(bfddp_decode(b.d, 140, &m, NULL), 0);
    bfddp_format(&m, line, sizeof(line));
    assert_non_null(strstr(line, "2001:db8::1 -> 2001:db8::2"));
    assert_int_equal(bfddp_addr_v4_be(m.u.session.dst), htonl(0x20010db8));
    /* truncated output stays terminated */
    assert_true(bfddp_format(&m, line, 10) > 10);
    assert_int_equal(strlen(line), 9);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fixture_connect),
        cmocka_unit_test(test_fixture_echo_reply),
        cmocka_unit_test(test_fixture_counters_request),
        cmocka_unit_test(test_fixture_bgp),
        cmocka_unit_test(test_fixture_update_delete),
        cmocka_unit_test(test_fixture_reconnect_shutdown),
        cmocka_unit_test(test_stream_chunks),
        cmocka_unit_test(test_reencode_captures),
        cmocka_unit_test(test_encode_accepted_by_bfdd),
        cmocka_unit_test(test_roundtrip_all_types),
        cmocka_unit_test(test_encode_refuses),
        cmocka_unit_test(test_truncations),
        cmocka_unit_test(test_length_corruptions),
        cmocka_unit_test(test_version_type_corruptions),
        cmocka_unit_test(test_session_field_rules),
        cmocka_unit_test(test_session_encode_rules),
        cmocka_unit_test(test_state_change_rules),
        cmocka_unit_test(test_counters_request_never_refused),
        cmocka_unit_test(test_random_bytes),
        cmocka_unit_test(test_names_and_format),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
