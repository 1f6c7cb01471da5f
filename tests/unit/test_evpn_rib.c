/* Unit tests for the EVPN RIB (control/evpn_rib.c).
 *
 * A recording fake of the callbacks logs every call as a line of text
 * ("mac VNI MAC VTEP", "flood VNI VTEP,VTEP,..."), so each test asserts the
 * exact callback sequence an operation produces.
 */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "big_alloc.h"
#include "evpn_rib.h"
#include "json_writer.h"

#define LOG_MAX 64
#define LOG_LEN 160

/* ------------------------------------------------------------------------ */
/* recording callbacks */

struct recorder {
    char log[LOG_MAX][LOG_LEN];
    int n;
    bool count_only;                /* scale test: count, do not log */
    uint64_t mac_set, mac_del, flood_calls;
};

static struct recorder rec;

/* "a.b.c.d" for a network-order address, "-" for 0. */
static const char *ipstr(uint32_t a, char *buf, size_t len)
{
    if (a == 0)
        snprintf(buf, len, "-");
    else
        inet_ntop(AF_INET, &a, buf, (socklen_t)len);
    return buf;
}

static void on_mac(void *ctx, uint32_t vni, const uint8_t mac[6], uint32_t vtep)
{
    char ip[INET_ADDRSTRLEN];

    assert_ptr_equal(ctx, &rec);
    if (vtep)
        rec.mac_set++;
    else
        rec.mac_del++;
    if (rec.count_only)
        return;
    assert_true(rec.n < LOG_MAX);
    snprintf(rec.log[rec.n++], LOG_LEN, "mac %u %02x:%02x:%02x:%02x:%02x:%02x %s", vni, mac[0],
             mac[1], mac[2], mac[3], mac[4], mac[5], ipstr(vtep, ip, sizeof(ip)));
}

static void on_flood(void *ctx, uint32_t vni, const uint32_t *vteps, uint32_t n)
{
    char line[LOG_LEN];
    size_t off;

    assert_ptr_equal(ctx, &rec);
    rec.flood_calls++;
    for (uint32_t i = 1; i < n; i++)    /* sorted by address, no duplicates */
        assert_true(ntohl(vteps[i - 1]) < ntohl(vteps[i]));
    if (rec.count_only)
        return;
    off = (size_t)snprintf(line, sizeof(line), "flood %u ", vni);
    if (n == 0)
        snprintf(line + off, sizeof(line) - off, "-");
    for (uint32_t i = 0; i < n && off < sizeof(line); i++) {
        char ip[INET_ADDRSTRLEN];

        off += (size_t)snprintf(line + off, sizeof(line) - off, "%s%s", i ? "," : "",
                                ipstr(vteps[i], ip, sizeof(ip)));
    }
    assert_true(rec.n < LOG_MAX);
    snprintf(rec.log[rec.n++], LOG_LEN, "%s", line);
}

/* Asserts the calls logged since the last check are exactly the given lines
 * (NULL-terminated), then clears the log. */
static void expect_calls(const char *first, ...)
{
    va_list ap;
    const char *s = first;
    int i = 0;

    va_start(ap, first);
    for (; s; s = va_arg(ap, const char *), i++) {
        if (i >= rec.n)
            fail_msg("missing call %d: expected \"%s\"", i, s);
        assert_string_equal(rec.log[i], s);
    }
    va_end(ap);
    if (rec.n != i)
        fail_msg("unexpected call %d: \"%s\"", i, rec.log[i]);
    rec.n = 0;
}

#define END ((const char *)NULL)
#define expect_none() expect_calls(END)

/* ------------------------------------------------------------------------ */
/* fixtures */

static bool is_vni(void *ctx, uint32_t vni)
{
    assert_ptr_equal(ctx, &rec);
    return vni == 100 || vni == 200 || vni == 300 || (vni >= 10000 && vni < 11000);
}

static uint32_t ip4(unsigned a, unsigned b, unsigned c, unsigned d)
{
    return htonl(a << 24 | b << 16 | c << 8 | d);
}

#define LOCAL ip4(10, 0, 0, 1)
#define VT1 ip4(192, 0, 2, 1)
#define VT2 ip4(192, 0, 2, 2)
#define VT3 ip4(192, 0, 2, 3)
#define VT9 ip4(192, 0, 2, 9)

static int setup(void **state)
{
    struct rib_callbacks cb = {.mac_changed = on_mac, .flood_changed = on_flood, .ctx = &rec};

    memset(&rec, 0, sizeof(rec));
    *state = rib_create(LOCAL, is_vni, &cb);
    return *state ? 0 : -1;
}

static int teardown(void **state)
{
    rib_free(*state);
    return 0;
}

/* Source: feed name, peer 198.51.100.<peer>, distinguisher pd. */
static struct rib_source src_of(const char *feed, uint8_t peer, uint64_t pd)
{
    struct rib_source s;

    memset(&s, 0, sizeof(s));
    snprintf(s.feed, sizeof(s.feed), "%s", feed);
    s.peer_distinguisher = pd;
    s.peer_addr[12] = 198;
    s.peer_addr[13] = 51;
    s.peer_addr[14] = 100;
    s.peer_addr[15] = peer;
    return s;
}

/* RD 65000:n (type 0). */
static void set_rd(uint8_t rd[8], uint32_t n)
{
    memset(rd, 0, 8);
    rd[2] = 0xfd;
    rd[3] = 0xe8;
    rd[4] = (uint8_t)(n >> 24);
    rd[5] = (uint8_t)(n >> 16);
    rd[6] = (uint8_t)(n >> 8);
    rd[7] = (uint8_t)n;
}

/* Type-2 MAC-only route: RD 65000:rd, MAC 02:00:00:00:00:<m>. */
static struct rib_route t2(uint32_t rd, uint8_t m, uint32_t nexthop, uint32_t label)
{
    struct rib_route rt;

    memset(&rt, 0, sizeof(rt));
    rt.type = 2;
    set_rd(rt.rd, rd);
    rt.mac[0] = 0x02;
    rt.mac[5] = m;
    rt.nexthop = nexthop;
    rt.label = label;
    return rt;
}

/* Type-3 route: RD 65000:rd, IPv4 originator, PMSI IR with label. */
static struct rib_route t3(uint32_t rd, uint32_t originator, uint32_t label)
{
    struct rib_route rt;

    memset(&rt, 0, sizeof(rt));
    rt.type = 3;
    set_rd(rt.rd, rd);
    rt.ip_len = 32;
    memcpy(rt.ip, &originator, 4);
    rt.nexthop = originator;
    rt.label = label;
    rt.pmsi_ir = true;
    return rt;
}

#define MAC1 "02:00:00:00:00:01"
#define MAC2 "02:00:00:00:00:02"

/* ------------------------------------------------------------------------ */
/* a small JSON syntax checker (RFC 8259) for rib_dump_json */

static const char *js_value(const char *p, int depth);

static const char *js_ws(const char *p)
{
    while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
        p++;
    return p;
}

static const char *js_string(const char *p)
{
    if (*p++ != '"')
        return NULL;
    while (*p != '"') {
        if ((unsigned char)*p < 0x20)
            return NULL;
        if (*p == '\\') {
            p++;
            if (*p == 'u') {
                for (int i = 1; i <= 4; i++)
                    if (!strchr("0123456789abcdefABCDEF", p[i]) || !p[i])
                        return NULL;
                p += 4;
            } else if (!*p || !strchr("\"\\/bfnrt", *p)) {
                return NULL;
            }
        }
        p++;
    }
    return p + 1;
}

static const char *js_digits(const char *p)
{
    if (*p < '0' || *p > '9')
        return NULL;
    while (*p >= '0' && *p <= '9')
        p++;
    return p;
}

static const char *js_number(const char *p)
{
    if (*p == '-')
        p++;
    if (*p == '0')
        p++;
    else if (!(p = js_digits(p)))
        return NULL;
    if (*p == '.' && !(p = js_digits(p + 1)))
        return NULL;
    if (*p == 'e' || *p == 'E') {
        p++;
        if (*p == '+' || *p == '-')
            p++;
        p = js_digits(p);
    }
    return p;
}

static const char *js_value(const char *p, int depth)
{
    p = js_ws(p);
    if (depth > 32)
        return NULL;
    if (*p == '{' || *p == '[') {
        char close = *p == '{' ? '}' : ']';

        p = js_ws(p + 1);
        if (*p == close)
            return p + 1;
        for (;;) {
            if (close == '}') {
                if (!(p = js_string(js_ws(p))))
                    return NULL;
                p = js_ws(p);
                if (*p++ != ':')
                    return NULL;
            }
            if (!(p = js_value(p, depth + 1)))
                return NULL;
            p = js_ws(p);
            if (*p == close)
                return p + 1;
            if (*p++ != ',')
                return NULL;
        }
    }
    if (*p == '"')
        return js_string(p);
    if (!strncmp(p, "true", 4))
        return p + 4;
    if (!strncmp(p, "false", 5))
        return p + 5;
    if (!strncmp(p, "null", 4))
        return p + 4;
    return js_number(p);
}

/* The dump of r as a malloc'ed string, checked to be one valid JSON value. */
static char *dump(const struct evpn_rib *r)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    const char *end;

    struct json j;

    assert_non_null(f);
    json_begin(&j, f);
    rib_dump_json(r, &j);
    json_end(&j);
    fclose(f);
    end = js_value(buf, 0);
    if (!end || *js_ws(end) != '\0')
        fail_msg("invalid JSON near offset %ld:\n%s", end ? (long)(end - buf) : -1L, buf);
    /* one line: the writer's newlines and indentation out, ", " kept */
    size_t o = 0;
    for (size_t i = 0; buf[i]; i++) {
        if (buf[i] == '\n') {
            while (buf[i + 1] == ' ')
                i++;
            if (o && buf[o - 1] == ',')
                buf[o++] = ' ';
            continue;
        }
        buf[o++] = buf[i];
    }
    buf[o] = '\0';
    return buf;
}

static void test_json_checker(void **state)
{
    (void)state;
    assert_non_null(js_value("{\"a\": [1, -2.5e3, \"x\\u00e9\", true, null, {}]}", 0));
    assert_null(js_value("{\"a\": [1,]}", 0));
    assert_null(js_value("{\"a\" 1}", 0));
    assert_null(js_value("\"a\\x\"", 0));
}

/* ------------------------------------------------------------------------ */
/* type 2 basics */

static void test_t2_add_replace_withdraw(void **state)
{
    struct evpn_rib *r = *state;
    struct rib_source a = src_of("a", 1, 0);
    struct rib_route rt = t2(1, 1, VT1, 100);
    const struct rib_counters *c = rib_counters(r);

    rib_update(r, &a, &rt);
    expect_calls("mac 100 " MAC1 " 192.0.2.1", END);
    rib_update(r, &a, &rt);                 /* identical replace: silent */
    expect_none();
    assert_int_equal(c->paths, 1);
    assert_int_equal(c->type2_paths, 1);
    assert_int_equal(c->adds, 1);
    assert_int_equal(c->replaces, 1);
    assert_int_equal(c->mac_updates, 1);

    rt.nexthop = VT2;                       /* moved to another VTEP */
    rib_update(r, &a, &rt);
    expect_calls("mac 100 " MAC1 " 192.0.2.2", END);
    rt.mm_seq = 5;                          /* attribute change, same VTEP */
    rib_update(r, &a, &rt);
    expect_none();

    rt.nexthop = 0;                         /* attributes ignored on withdrawal */
    rib_withdraw(r, &a, &rt);
    expect_calls("mac 100 " MAC1 " -", END);
    rib_withdraw(r, &a, &rt);
    expect_none();
    assert_int_equal(c->paths, 0);
    assert_int_equal(c->type2_paths, 0);
    assert_int_equal(c->withdraws, 1);
    assert_int_equal(c->withdraw_unknown, 1);
    assert_int_equal(c->replaces, 3);
    assert_int_equal(c->mac_updates, 3);
}

static void test_t2_unconfigured_vni(void **state)
{
    struct evpn_rib *r = *state;
    struct rib_source a = src_of("a", 1, 0);
    struct rib_route rt = t2(1, 1, VT1, 999);
    const struct rib_counters *c = rib_counters(r);

    rib_update(r, &a, &rt);
    expect_none();
    assert_int_equal(c->paths, 1);          /* kept, not programmed */
    assert_int_equal(c->ignored_vni, 1);
    assert_int_equal(c->unresolved, 0);
    rt.label = 100;                         /* now a configured VNI */
    rib_update(r, &a, &rt);
    expect_calls("mac 100 " MAC1 " 192.0.2.1", END);
    rt.label = 999;
    rib_update(r, &a, &rt);
    expect_calls("mac 100 " MAC1 " -", END);
    rib_withdraw(r, &a, &rt);
    expect_none();
    assert_int_equal(c->paths, 0);
    assert_int_equal(c->withdraws, 1);
}

/* The label carries the whole 24-bit VNI; higher bits are not part of it. */
static void test_t2_label_24_bits(void **state)
{
    struct evpn_rib *r = *state;
    struct rib_source a = src_of("a", 1, 0);
    struct rib_route rt = t2(1, 1, VT1, 0x1000000u | 10500);

    rib_update(r, &a, &rt);
    expect_calls("mac 10500 " MAC1 " 192.0.2.1", END);
}

/* FRR 8.4 BMP: type-2 label 0, VNI from a type-3 with the same RD that
 * arrives later. */
static void test_t2_label0_resolved_by_later_t3(void **state)
{
    struct evpn_rib *r = *state;
    struct rib_source a = src_of("a", 1, 0);
    struct rib_route m1 = t2(7, 1, VT1, 0);
    struct rib_route m2 = t2(7, 2, VT1, 0);
    struct rib_route other = t2(8, 1, VT2, 0);
    struct rib_route imet = t3(7, VT1, 200);
    struct rib_route m3 = t2(7, 3, VT1, 0);
    const struct rib_counters *c = rib_counters(r);

    rib_update(r, &a, &m1);
    rib_update(r, &a, &m2);
    rib_update(r, &a, &other);              /* another RD: stays pending */
    expect_none();
    assert_int_equal(c->unresolved, 3);
    assert_int_equal(c->paths, 3);

    rib_update(r, &a, &imet);
    expect_calls("flood 200 192.0.2.1", "mac 200 " MAC1 " 192.0.2.1",
                 "mac 200 " MAC2 " 192.0.2.1", END);
    assert_int_equal(c->unresolved, 1);
    assert_int_equal(c->type3_paths, 1);

    rib_update(r, &a, &m3);                 /* RD already mapped: resolves now */
    expect_calls("mac 200 02:00:00:00:00:03 192.0.2.1", END);
    assert_int_equal(c->unresolved, 1);

    rib_update(r, &a, &imet);               /* type-3 refresh: silent */
    expect_none();
}

/* RT fallback: label 0, no type-3 for the RD, an RT whose local part is a
 * configured VNI (ASN:VNI). */
static void test_t2_rt_fallback(void **state)
{
    struct evpn_rib *r = *state;
    struct rib_source a = src_of("a", 1, 0);
    struct rib_route rt = t2(1, 1, VT1, 0);
    struct rib_route nort = t2(2, 2, VT1, 0);
    const struct rib_counters *c = rib_counters(r);

    rt.n_rts = 3;
    rt.rt_local[0] = 65000;                 /* not a VNI here */
    rt.rt_local[1] = 300;
    rt.rt_local[2] = 200;
    rib_update(r, &a, &rt);
    expect_calls("mac 300 " MAC1 " 192.0.2.1", END);
    assert_int_equal(c->unresolved, 0);

    nort.n_rts = 1;
    nort.rt_local[0] = 4242;
    rib_update(r, &a, &nort);
    expect_none();
    assert_int_equal(c->unresolved, 1);

    /* a type-3 mapping of the RD takes precedence over the RT */
    {
        struct rib_route imet = t3(3, VT2, 100);
        struct rib_route m = t2(3, 3, VT2, 0);

        rib_update(r, &a, &imet);
        expect_calls("flood 100 192.0.2.2", END);
        m.n_rts = 1;
        m.rt_local[0] = 200;
        rib_update(r, &a, &m);
        expect_calls("mac 100 02:00:00:00:00:03 192.0.2.2", END);
    }
}

/* Type 3: VNI from the PMSI label, else a configured RT; VTEP from the PMSI
 * endpoint, else the originator. */
static void test_t3_vni_and_vtep(void **state)
{
    struct evpn_rib *r = *state;
    struct rib_source a = src_of("a", 1, 0);
    struct rib_route x = t3(1, VT1, 0);
    struct rib_route y = t3(2, VT2, 300);
    struct rib_route z = t3(3, VT3, 0);
    const struct rib_counters *c = rib_counters(r);

    x.n_rts = 2;
    x.rt_local[0] = 7;
    x.rt_local[1] = 200;
    rib_update(r, &a, &x);
    expect_calls("flood 200 192.0.2.1", END);

    y.pmsi_endpoint = VT9;                  /* endpoint wins over originator */
    rib_update(r, &a, &y);
    expect_calls("flood 300 192.0.2.9", END);

    rib_update(r, &a, &z);                  /* no label, no RT: kept, no VNI */
    expect_none();
    assert_int_equal(c->type3_paths, 3);
    assert_int_equal(c->ignored_vni, 1);

    {
        struct rib_route u = t3(4, VT3, 777);   /* VNI not configured */

        rib_update(r, &a, &u);
        expect_none();
        assert_int_equal(c->ignored_vni, 2);
        assert_int_equal(c->type3_paths, 4);
    }
}

/* Our own next hop / originator / PMSI endpoint: ignored, counted, not kept;
 * a replacement naming us removes the path it replaces. */
static void test_own_vtep_ignored(void **state)
{
    struct evpn_rib *r = *state;
    struct rib_source a = src_of("a", 1, 0);
    struct rib_route m = t2(1, 1, LOCAL, 100);
    struct rib_route i = t3(1, LOCAL, 100);
    struct rib_route e = t3(2, VT2, 100);
    const struct rib_counters *c = rib_counters(r);

    rib_update(r, &a, &m);
    rib_update(r, &a, &i);
    e.pmsi_endpoint = LOCAL;
    rib_update(r, &a, &e);
    expect_none();
    assert_int_equal(c->ignored_own, 3);
    assert_int_equal(c->paths, 0);
    assert_int_equal(c->adds, 0);

    m.nexthop = VT1;
    rib_update(r, &a, &m);
    expect_calls("mac 100 " MAC1 " 192.0.2.1", END);
    m.nexthop = LOCAL;                      /* the MAC moved to us */
    rib_update(r, &a, &m);
    expect_calls("mac 100 " MAC1 " -", END);
    assert_int_equal(c->paths, 0);
    assert_int_equal(c->ignored_own, 4);
    rib_withdraw(r, &a, &m);
    assert_int_equal(c->withdraw_unknown, 1);
}

/* IPv6 next hop (delivered as 0): not kept. IPv6 originator without an IPv4
 * PMSI endpoint: kept, no flooding, counted. */
static void test_no_ipv4_nexthop(void **state)
{
    struct evpn_rib *r = *state;
    struct rib_source a = src_of("a", 1, 0);
    struct rib_route m = t2(1, 1, 0, 100);
    struct rib_route v6 = t3(2, 0, 100);
    const struct rib_counters *c = rib_counters(r);

    rib_update(r, &a, &m);
    expect_none();
    assert_int_equal(c->ignored_no_nexthop, 1);
    assert_int_equal(c->paths, 0);

    v6.ip_len = 128;
    memset(v6.ip, 0, 16);
    v6.ip[0] = 0x20;
    v6.ip[1] = 0x01;
    v6.ip[15] = 1;
    rib_update(r, &a, &v6);
    expect_none();
    assert_int_equal(c->paths, 1);
    assert_int_equal(c->type3_paths, 1);
    assert_int_equal(c->ignored_no_nexthop, 2);

    v6.pmsi_endpoint = VT3;                 /* an IPv4 endpoint makes it usable */
    rib_update(r, &a, &v6);
    expect_calls("flood 100 192.0.2.3", END);
    v6.pmsi_endpoint = 0;
    rib_update(r, &a, &v6);
    expect_calls("flood 100 -", END);
    assert_int_equal(c->paths, 1);
    rib_withdraw(r, &a, &v6);
    expect_none();
    assert_int_equal(c->paths, 0);
}

/* ------------------------------------------------------------------------ */
/* best path */

static void test_best_sticky_beats_higher_seq(void **state)
{
    struct evpn_rib *r = *state;
    struct rib_source a = src_of("a", 1, 0);
    struct rib_source b = src_of("a", 2, 0);
    struct rib_route hi = t2(1, 1, VT1, 100);
    struct rib_route st = t2(2, 1, VT2, 100);

    hi.mm_seq = 50;
    rib_update(r, &a, &hi);
    expect_calls("mac 100 " MAC1 " 192.0.2.1", END);
    st.mm_seq = 1;
    st.sticky = true;
    rib_update(r, &b, &st);
    expect_calls("mac 100 " MAC1 " 192.0.2.2", END);
    hi.mm_seq = 1000;
    rib_update(r, &a, &hi);
    expect_none();
    rib_withdraw(r, &b, &st);
    expect_calls("mac 100 " MAC1 " 192.0.2.1", END);
}

static void test_best_higher_seq(void **state)
{
    struct evpn_rib *r = *state;
    struct rib_source a = src_of("a", 1, 0);
    struct rib_route p1 = t2(1, 1, VT1, 100);
    struct rib_route p2 = t2(2, 1, VT2, 100);

    p1.mm_seq = 3;
    p2.mm_seq = 4;                          /* the MAC moved behind VT2 */
    rib_update(r, &a, &p1);
    rib_update(r, &a, &p2);
    expect_calls("mac 100 " MAC1 " 192.0.2.1", "mac 100 " MAC1 " 192.0.2.2", END);
    p1.mm_seq = 5;                          /* and back */
    rib_update(r, &a, &p1);
    expect_calls("mac 100 " MAC1 " 192.0.2.1", END);
    p2.mm_seq = 2;                          /* a lower sequence does not win */
    rib_update(r, &a, &p2);
    expect_none();
}

/* Equal sticky/sequence: the lowest next hop wins whatever the order. */
static void test_best_lowest_nexthop_any_order(void **state)
{
    struct evpn_rib *r = *state;
    struct rib_source a = src_of("a", 1, 0);
    struct rib_source b = src_of("b", 1, 0);
    struct rib_route lo = t2(1, 1, ip4(192, 0, 2, 20), 100);
    struct rib_route hi = t2(2, 1, ip4(192, 0, 3, 1), 100);
    struct rib_route lo2 = t2(1, 2, ip4(192, 0, 2, 20), 100);
    struct rib_route hi2 = t2(2, 2, ip4(192, 0, 3, 1), 100);

    /* address order, not byte order of the network-order integer */
    assert_true(ip4(192, 0, 3, 1) < ip4(192, 0, 2, 20));
    rib_update(r, &a, &lo);
    rib_update(r, &b, &hi);
    expect_calls("mac 100 " MAC1 " 192.0.2.20", END);
    rib_update(r, &b, &hi2);
    rib_update(r, &a, &lo2);
    expect_calls("mac 100 " MAC2 " 192.0.3.1", "mac 100 " MAC2 " 192.0.2.20", END);
    rib_withdraw(r, &a, &lo);
    expect_calls("mac 100 " MAC1 " 192.0.3.1", END);
}

/* A MAC/IP route and a MAC-only route name the same MAC: one entry, and
 * either keeps it alive. */
static void test_mac_ip_and_mac_only(void **state)
{
    struct evpn_rib *r = *state;
    struct rib_source a = src_of("a", 1, 0);
    struct rib_route macip = t2(1, 1, VT1, 100);
    struct rib_route maconly = t2(1, 1, VT1, 100);
    const struct rib_counters *c = rib_counters(r);

    macip.ip_len = 32;
    macip.ip[0] = 10;
    macip.ip[3] = 5;
    rib_update(r, &a, &macip);
    rib_update(r, &a, &maconly);
    expect_calls("mac 100 " MAC1 " 192.0.2.1", END);
    assert_int_equal(c->paths, 2);
    rib_withdraw(r, &a, &maconly);
    expect_none();
    rib_update(r, &a, &maconly);
    rib_withdraw(r, &a, &macip);
    expect_none();
    rib_withdraw(r, &a, &maconly);
    expect_calls("mac 100 " MAC1 " -", END);
}

/* ip_changed: the IPv4 addresses of a MAC's MAC/IP routes, bound to the
 * MAC through its best VTEP; gone when their routes are withdrawn. */
static char ip_log[16][96];
static int n_ip_log;

static void on_ip(void *ctx, uint32_t vni, uint32_t ip, const uint8_t mac[6], uint32_t vtep,
                  uint32_t seq)
{
    const uint8_t *a = (const uint8_t *)&ip, *v = (const uint8_t *)&vtep;
    (void)ctx;
    if (n_ip_log < 16)
        snprintf(ip_log[n_ip_log++], sizeof(ip_log[0]), "%u %u.%u.%u.%u %02x %u.%u.%u.%u %u",
                 vni, a[0], a[1], a[2], a[3], mac[5], v[0], v[1], v[2], v[3], seq);
}

static void test_ip_changed(void **state)
{
    struct rib_callbacks cb = {.mac_changed = on_mac, .flood_changed = on_flood,
                               .ip_changed = on_ip, .ctx = &rec};
    struct evpn_rib *r = rib_create(LOCAL, is_vni, &cb);
    struct rib_source a = src_of("a", 1, 0), b = src_of("b", 2, 0);
    struct rib_route macip = t2(1, 1, VT1, 100), maconly = t2(1, 1, VT1, 100);
    struct rib_route moved = t2(2, 1, VT2, 100);
    (void)state;

    assert_non_null(r);
    n_ip_log = 0;
    macip.ip_len = 32;
    macip.ip[0] = 10;
    macip.ip[3] = 5;
    rib_update(r, &a, &maconly);
    assert_int_equal(n_ip_log, 0);              /* MAC-only: no binding */
    rib_update(r, &a, &macip);
    assert_int_equal(n_ip_log, 1);
    assert_string_equal(ip_log[0], "100 10.0.0.5 01 192.0.2.1 0");
    /* the MAC moves to VT2 with a higher sequence: the binding follows */
    moved.ip_len = 32;
    memcpy(moved.ip, macip.ip, 4);
    moved.mm_seq = 3;
    rib_update(r, &b, &moved);
    assert_int_equal(n_ip_log, 2);
    assert_string_equal(ip_log[1], "100 10.0.0.5 01 192.0.2.2 3");
    rib_withdraw(r, &b, &moved);
    rib_withdraw(r, &a, &macip);
    assert_string_equal(ip_log[n_ip_log - 1], "100 10.0.0.5 01 0.0.0.0 0");
    rec.n = 0;
    rib_free(r);
}

/* Two feeds deliver the same route: the best stays when one withdraws. */
static void test_two_feeds_same_route(void **state)
{
    struct evpn_rib *r = *state;
    struct rib_source a = src_of("rr1", 1, 0);
    struct rib_source b = src_of("rr2", 1, 0);
    struct rib_route m = t2(1, 1, VT1, 100);
    struct rib_route i = t3(1, VT1, 100);
    const struct rib_counters *c = rib_counters(r);

    rib_update(r, &a, &i);
    rib_update(r, &a, &m);
    rib_update(r, &b, &m);
    rib_update(r, &b, &i);
    expect_calls("flood 100 192.0.2.1", "mac 100 " MAC1 " 192.0.2.1", END);
    assert_int_equal(c->paths, 4);
    rib_withdraw(r, &a, &m);
    rib_withdraw(r, &a, &i);
    expect_none();
    rib_withdraw(r, &b, &m);
    rib_withdraw(r, &b, &i);
    expect_calls("mac 100 " MAC1 " -", "flood 100 -", END);
    assert_int_equal(c->paths, 0);
}

/* ------------------------------------------------------------------------ */
/* peer down, stale, End-of-RIB, sweep */

/* Two peers of feed "a" (a1, a2: 198.51.100.1 and .2) and one of feed "b"
 * (b1), and their routes: m1, m2 (RD 1, VNI 100, VT1), m3 (RD 2, VNI 200,
 * VT2) and i1 (the type-3 of RD 1). peers_with_a1() gives a1 m1, m2 and i1
 * (and clears the calls they made). */
struct peers {
    struct rib_source a1, a2, b1;
    struct rib_route m1, m2, m3, i1;
};

static struct peers peers_with_a1(struct evpn_rib *r)
{
    struct peers p = {
        .a1 = src_of("a", 1, 0), .a2 = src_of("a", 2, 0), .b1 = src_of("b", 1, 0),
        .m1 = t2(1, 1, VT1, 100), .m2 = t2(1, 2, VT1, 100), .m3 = t2(2, 3, VT2, 200),
        .i1 = t3(1, VT1, 100),
    };

    rib_update(r, &p.a1, &p.m1);
    rib_update(r, &p.a1, &p.m2);
    rib_update(r, &p.a1, &p.i1);
    return p;
}

/* Peer down removes exactly that peer's paths of that feed. */
static void test_peer_down_exact(void **state)
{
    struct evpn_rib *r = *state;
    struct peers p = peers_with_a1(r);
    struct rib_source a1d = src_of("a", 1, 9);     /* other distinguisher */
    const struct rib_counters *c = rib_counters(r);

    rib_update(r, &p.a2, &p.m2);
    rib_update(r, &a1d, &p.m3);
    rib_update(r, &p.b1, &p.m3);
    rec.n = 0;
    assert_int_equal(c->paths, 6);

    assert_int_equal(rib_peer_down(r, &p.a1), 3);
    expect_calls("flood 100 -", "mac 100 " MAC1 " -", END);
    assert_int_equal(c->paths, 3);
    assert_int_equal(rib_peer_down(r, &p.a1), 0);

    assert_int_equal(rib_peer_down(r, &a1d), 1);
    expect_none();                          /* b1 still has m3 */
    assert_int_equal(rib_peer_down(r, &p.a2), 1);
    expect_calls("mac 100 " MAC2 " -", END);
    assert_int_equal(rib_peer_down(r, &p.b1), 1);
    expect_calls("mac 200 02:00:00:00:00:03 -", END);
    assert_int_equal(c->paths, 0);
    assert_int_equal(c->withdraws, 0);
}

/* The RIB's last-source cache: the same source named with other bytes after
 * the feed name's NUL is the same source; a source freed with its last path
 * and named again, right after or after another source, is a new one. */
static void test_source_cache(void **state)
{
    struct evpn_rib *r = *state;
    struct rib_source a = src_of("a", 1, 0), a_junk = src_of("a", 1, 0);
    struct rib_source b = src_of("b", 2, 0);
    struct rib_route m1 = t2(1, 1, VT1, 100), m2 = t2(1, 2, VT2, 100);
    const struct rib_counters *c = rib_counters(r);

    a_junk.feed[sizeof(a_junk.feed) - 1] = 'x';     /* after the NUL */
    rib_update(r, &a, &m1);
    rib_update(r, &a_junk, &m1);        /* a replace, not a second path */
    assert_int_equal(c->paths, 1);
    assert_int_equal(c->replaces, 1);
    rib_withdraw(r, &a, &m1);           /* a's last path: a is freed */
    assert_int_equal(c->paths, 0);
    rib_update(r, &a, &m1);             /* named again at once */
    rib_withdraw(r, &a_junk, &m1);
    assert_int_equal(c->paths, 0);
    assert_int_equal(c->withdraws, 2);
    rib_update(r, &a, &m1);
    rib_update(r, &b, &m2);             /* another source in between */
    rib_update(r, &a, &m2);
    assert_int_equal(c->paths, 3);
    assert_int_equal(rib_peer_down(r, &a_junk), 2);
    assert_int_equal(rib_peer_down(r, &b), 1);
    assert_int_equal(c->paths, 0);
    rib_update(r, &a, &m1);
    assert_int_equal(c->paths, 1);
    expect_calls("mac 100 " MAC1 " " "192.0.2.1", "mac 100 " MAC1 " -", "mac 100 " MAC1 " 192.0.2.1",
                 "mac 100 " MAC1 " -", "mac 100 " MAC1 " 192.0.2.1",
                 "mac 100 02:00:00:00:00:02 192.0.2.2", "mac 100 " MAC1 " -",
                 "mac 100 02:00:00:00:00:02 -", "mac 100 " MAC1 " 192.0.2.1", END);
}

/* Feed drops: its paths go stale and keep forwarding; on reconnect the
 * refreshed ones are kept silently, End-of-RIB of a peer removes that peer's
 * unrefreshed ones only. */
static void test_stale_refresh_eor(void **state)
{
    struct evpn_rib *r = *state;
    struct peers p = peers_with_a1(r);
    const struct rib_counters *c = rib_counters(r);
    char *js;

    rib_update(r, &p.a2, &p.m3);
    rib_update(r, &p.b1, &p.m3);
    rec.n = 0;

    rib_feed_stale(r, "a", 1000);
    expect_none();
    assert_int_equal(c->stale, 4);
    js = dump(r);
    assert_non_null(strstr(js, "\"stale\": true, \"stale_since\": 1000"));
    free(js);

    rib_update(r, &p.a1, &p.m1);            /* refresh: silent */
    rib_update(r, &p.a1, &p.i1);
    expect_none();
    assert_int_equal(c->stale, 2);

    assert_int_equal(rib_end_of_rib(r, &p.a1), 1);   /* m2 */
    expect_calls("mac 100 " MAC2 " -", END);
    assert_int_equal(c->stale, 1);             /* a2's m3 still stale */
    assert_int_equal(c->swept, 1);
    assert_int_equal(rib_end_of_rib(r, &p.a1), 0);
    assert_int_equal(rib_end_of_rib(r, &p.b1), 0);

    assert_int_equal(rib_end_of_rib(r, &p.a2), 1);
    expect_none();                          /* b1 still has m3 */
    assert_int_equal(c->stale, 0);
    assert_int_equal(c->paths, 3);
    assert_int_equal(c->swept, 2);
}

/* A refresh with changed attributes reports the change. */
static void test_stale_refresh_changed(void **state)
{
    struct evpn_rib *r = *state;
    struct rib_source a = src_of("a", 1, 0);
    struct rib_route m = t2(1, 1, VT1, 100);

    rib_update(r, &a, &m);
    rec.n = 0;
    rib_feed_stale(r, "a", 5);
    m.nexthop = VT2;
    rib_update(r, &a, &m);
    expect_calls("mac 100 " MAC1 " 192.0.2.2", END);
    assert_int_equal(rib_counters(r)->stale, 0);
}

static void test_sweep_timeout(void **state)
{
    struct evpn_rib *r = *state;
    struct rib_source a = src_of("a", 1, 0);
    struct rib_source b = src_of("b", 1, 0);
    struct rib_route m1 = t2(1, 1, VT1, 100);
    struct rib_route m2 = t2(1, 2, VT1, 100);
    struct rib_route i1 = t3(1, VT1, 100);
    const struct rib_counters *c = rib_counters(r);

    rib_update(r, &a, &m1);
    rib_update(r, &a, &i1);
    rib_update(r, &b, &m2);
    rec.n = 0;
    rib_feed_stale(r, "a", 100);
    rib_feed_stale(r, "a", 130);            /* already stale: keeps time 100 */
    rib_feed_stale(r, "nobody", 100);
    assert_int_equal(c->stale, 2);
    assert_int_equal(rib_sweep(r, 150, 60), 0);
    assert_int_equal(rib_sweep(r, 160, 60), 0);     /* exactly 60 s: not longer */
    expect_none();
    assert_int_equal(rib_sweep(r, 161, 60), 2);
    expect_calls("flood 100 -", "mac 100 " MAC1 " -", END);
    assert_int_equal(c->stale, 0);
    assert_int_equal(c->swept, 2);
    assert_int_equal(c->paths, 1);
    assert_int_equal(rib_sweep(r, 10000, 60), 0);
    rib_update(r, &a, &m1);                 /* the freed source comes back */
    expect_calls("mac 100 " MAC1 " 192.0.2.1", END);
    assert_int_equal(c->paths, 2);
    assert_int_equal(c->stale, 0);
}

/* ------------------------------------------------------------------------ */
/* flood lists */

static void test_flood_refcount_and_order(void **state)
{
    struct evpn_rib *r = *state;
    struct rib_source p1 = src_of("a", 1, 0);
    struct rib_source p2 = src_of("a", 2, 0);
    struct rib_route x = t3(1, ip4(192, 0, 3, 1), 100);
    struct rib_route y = t3(2, ip4(192, 0, 2, 200), 100);
    struct rib_route z = t3(3, ip4(10, 9, 9, 9), 100);

    rib_update(r, &p1, &x);
    rib_update(r, &p2, &x);                 /* same VTEP from another peer */
    expect_calls("flood 100 192.0.3.1", END);
    rib_update(r, &p1, &y);
    rib_update(r, &p1, &z);
    expect_calls("flood 100 192.0.2.200,192.0.3.1",
                 "flood 100 10.9.9.9,192.0.2.200,192.0.3.1", END);
    rib_withdraw(r, &p1, &x);               /* p2 still floods to it */
    expect_none();
    rib_withdraw(r, &p2, &x);
    expect_calls("flood 100 10.9.9.9,192.0.2.200", END);
    /* one path moving its endpoint: one call with the final set */
    z.pmsi_endpoint = ip4(192, 0, 2, 250);
    rib_update(r, &p1, &z);
    expect_calls("flood 100 192.0.2.200,192.0.2.250", END);
    /* moving to a VTEP already in the set */
    z.pmsi_endpoint = ip4(192, 0, 2, 200);
    rib_update(r, &p1, &z);
    expect_calls("flood 100 192.0.2.200", END);
    rib_withdraw(r, &p1, &z);
    expect_none();
    rib_withdraw(r, &p1, &y);
    expect_calls("flood 100 -", END);
    assert_int_equal(rib_counters(r)->flood_updates, 7);
}

/* A type-3 changing VNI leaves one flood list and joins another. */
static void test_t3_vni_change(void **state)
{
    struct evpn_rib *r = *state;
    struct rib_source a = src_of("a", 1, 0);
    struct rib_route i = t3(1, VT1, 100);

    rib_update(r, &a, &i);
    expect_calls("flood 100 192.0.2.1", END);
    i.label = 200;
    rib_update(r, &a, &i);
    expect_calls("flood 100 -", "flood 200 192.0.2.1", END);
}

/* ------------------------------------------------------------------------ */
/* VNI changes and exact withdrawals */

static void test_t2_vni_change_on_replace(void **state)
{
    struct evpn_rib *r = *state;
    struct rib_source a = src_of("a", 1, 0);
    struct rib_source b = src_of("b", 1, 0);
    struct rib_route m = t2(1, 1, VT1, 100);
    struct rib_route other = t2(1, 1, VT2, 100);

    rib_update(r, &a, &m);
    expect_calls("mac 100 " MAC1 " 192.0.2.1", END);
    m.label = 200;
    rib_update(r, &a, &m);
    expect_calls("mac 100 " MAC1 " -", "mac 200 " MAC1 " 192.0.2.1", END);

    rib_update(r, &b, &other);              /* VNI 100 from another feed */
    expect_calls("mac 100 " MAC1 " 192.0.2.2", END);
    m.label = 100;                          /* back: joins b's path */
    rib_update(r, &a, &m);
    expect_calls("mac 200 " MAC1 " -", "mac 100 " MAC1 " 192.0.2.1", END);
    rib_withdraw(r, &a, &m);
    expect_calls("mac 100 " MAC1 " 192.0.2.2", END);
}

/* Withdrawing an unresolved path removes exactly it: a later type-3 of its RD
 * resolves only the others. */
static void test_withdraw_unresolved(void **state)
{
    struct evpn_rib *r = *state;
    struct rib_source a = src_of("a", 1, 0);
    struct rib_source b = src_of("b", 1, 0);
    struct rib_route m1 = t2(5, 1, VT1, 0);
    struct rib_route m2 = t2(5, 2, VT1, 0);
    struct rib_route i = t3(5, VT1, 300);
    const struct rib_counters *c = rib_counters(r);

    rib_update(r, &a, &m1);
    rib_update(r, &a, &m2);
    rib_update(r, &b, &m1);
    assert_int_equal(c->unresolved, 3);
    rib_withdraw(r, &a, &m1);
    assert_int_equal(c->unresolved, 2);
    rib_withdraw(r, &a, &m2);
    expect_none();
    assert_int_equal(c->unresolved, 1);
    rib_update(r, &a, &i);
    expect_calls("flood 300 192.0.2.1", "mac 300 " MAC1 " 192.0.2.1", END);
    assert_int_equal(c->unresolved, 0);
    rib_withdraw(r, &b, &m1);
    expect_calls("mac 300 " MAC1 " -", END);
    assert_int_equal(c->paths, 1);
}

/* When the last type-3 of an RD goes, paths resolved through it keep their
 * VNI (no churn, also on an identical replace); their withdrawal after the RD
 * maps elsewhere removes exactly them. */
static void test_rd_mapping_change_no_churn(void **state)
{
    struct evpn_rib *r = *state;
    struct rib_source a = src_of("a", 1, 0);
    struct rib_route i100 = t3(9, VT1, 100);
    struct rib_route i200 = t3(9, VT2, 200);
    struct rib_route m = t2(9, 1, VT1, 0);
    struct rib_route m2 = t2(9, 2, VT2, 0);
    const struct rib_counters *c = rib_counters(r);

    rib_update(r, &a, &i100);
    rib_update(r, &a, &m);
    expect_calls("flood 100 192.0.2.1", "mac 100 " MAC1 " 192.0.2.1", END);
    rib_withdraw(r, &a, &i100);
    expect_calls("flood 100 -", END);
    rib_update(r, &a, &m);                  /* identical replace, RD unmapped */
    expect_none();
    assert_int_equal(c->unresolved, 0);

    rib_update(r, &a, &i200);               /* RD now maps to 200 */
    expect_calls("flood 200 192.0.2.2", END);
    rib_update(r, &a, &m);                  /* identical replace: stays in 100 */
    expect_none();
    rib_update(r, &a, &m2);                 /* a new path takes the new mapping */
    expect_calls("mac 200 " MAC2 " 192.0.2.2", END);
    rib_withdraw(r, &a, &m);
    expect_calls("mac 100 " MAC1 " -", END);
    rib_withdraw(r, &a, &i200);
    expect_calls("flood 200 -", END);
    rib_withdraw(r, &a, &m2);
    expect_calls("mac 200 " MAC2 " -", END);
    assert_int_equal(c->paths, 0);
}

/* The same RD from two type-3 paths: the mapping stays while either lives. */
static void test_rd_mapping_refcount(void **state)
{
    struct evpn_rib *r = *state;
    struct rib_source a = src_of("a", 1, 0);
    struct rib_source b = src_of("b", 1, 0);
    struct rib_route i = t3(4, VT1, 200);
    struct rib_route m = t2(4, 1, VT1, 0);

    rib_update(r, &a, &i);
    rib_update(r, &b, &i);
    rib_withdraw(r, &a, &i);
    expect_calls("flood 200 192.0.2.1", END);
    rib_update(r, &a, &m);
    expect_calls("mac 200 " MAC1 " 192.0.2.1", END);
    rib_withdraw(r, &b, &i);
    expect_calls("flood 200 -", END);
    m.mac[5] = 2;
    rib_update(r, &a, &m);                  /* RD no longer mapped */
    expect_none();
    assert_int_equal(rib_counters(r)->unresolved, 1);
}

/* A pending path resolved to a VNI that is not configured leaves the
 * unresolved count and is not programmed. */
static void test_pending_resolves_to_unconfigured(void **state)
{
    struct evpn_rib *r = *state;
    struct rib_source a = src_of("a", 1, 0);
    struct rib_route m = t2(6, 1, VT1, 0);
    struct rib_route i = t3(6, VT1, 555);
    const struct rib_counters *c = rib_counters(r);

    rib_update(r, &a, &m);
    rib_update(r, &a, &i);
    expect_none();
    assert_int_equal(c->unresolved, 0);
    assert_int_equal(c->ignored_vni, 2);    /* the type-3 and the type-2 */
    rib_withdraw(r, &a, &m);
    rib_withdraw(r, &a, &i);
    expect_none();
    assert_int_equal(c->paths, 0);
    assert_int_equal(c->withdraws, 2);
}

/* Route types other than 2 and 3 and NULL arguments are ignored. */
static void test_robustness(void **state)
{
    struct evpn_rib *r = *state;
    struct rib_source a = src_of("a", 1, 0);
    struct rib_route x = t2(1, 1, VT1, 100);
    const struct rib_counters *c = rib_counters(r);

    x.type = 5;
    rib_update(r, &a, &x);
    rib_withdraw(r, &a, &x);
    rib_update(NULL, &a, &x);
    rib_update(r, NULL, &x);
    rib_update(r, &a, NULL);
    assert_int_equal(rib_peer_down(r, &a), 0);
    assert_int_equal(rib_end_of_rib(r, &a), 0);
    rib_feed_stale(r, NULL, 1);
    rib_free(NULL);
    assert_int_equal(c->paths, 0);
    assert_int_equal(c->adds + c->withdraw_unknown, 0);
    expect_none();
    {
        /* no callbacks and no is_vni: every VNI is accepted, nothing crashes */
        struct evpn_rib *q = rib_create(LOCAL, NULL, NULL);
        struct rib_route m = t2(1, 1, VT1, 4000);

        assert_non_null(q);
        rib_update(q, &a, &m);
        assert_int_equal(rib_counters(q)->mac_updates, 1);
        rib_free(q);
    }
}

/* ------------------------------------------------------------------------ */
/* JSON */

static void test_dump_json(void **state)
{
    struct evpn_rib *r = *state;
    struct rib_source a = src_of("rr\"1\\", 1, 77);
    struct rib_source b = src_of("rr2", 1, 0);
    struct rib_source v6 = src_of("rr3", 0, 0);
    struct rib_route m = t2(1, 1, VT1, 100);
    struct rib_route i = t3(1, VT1, 100);
    struct rib_route pend = t2(2, 2, VT2, 0);
    struct rib_route rd1 = t2(3, 3, VT2, 200);
    char *js;

    v6.peer_addr[0] = 0x20;
    v6.peer_addr[1] = 0x01;
    v6.peer_addr[2] = 0x0d;
    v6.peer_addr[3] = 0xb8;
    memset(v6.peer_addr + 12, 0, 4);
    m.ip_len = 32;
    m.ip[0] = 10;
    m.ip[3] = 7;
    m.mm_seq = 3;
    m.sticky = true;
    rib_update(r, &a, &m);
    rib_update(r, &b, &m);
    rib_update(r, &a, &i);
    rib_update(r, &v6, &pend);
    rd1.rd[1] = 1;                          /* type 1: 253.232.0.0:3 */
    rib_update(r, &a, &rd1);
    rib_feed_stale(r, "rr2", 42);
    js = dump(r);
    assert_non_null(strstr(js, "\"feed\": \"rr\\\"1\\\\\""));
    assert_non_null(strstr(js, "\"peer\": \"198.51.100.1\""));
    assert_non_null(strstr(js, "\"peer\": \"2001:db8::\""));
    assert_non_null(strstr(js, "\"peer_distinguisher\": 77"));
    assert_non_null(strstr(js, "\"rd\": \"65000:1\""));
    assert_non_null(strstr(js, "\"rd\": \"253.232.0.0:3\""));
    assert_non_null(strstr(js, "\"mac\": \"02:00:00:00:00:01\", \"ip\": \"10.0.0.7\", "
                               "\"nexthop\": \"192.0.2.1\""));
    assert_non_null(strstr(js, "\"seq\": 3, \"sticky\": true"));
    assert_non_null(strstr(js, "\"originator\": \"192.0.2.1\", \"nexthop\": \"192.0.2.1\", "
                               "\"pmsi_endpoint\": null, \"vtep\": \"192.0.2.1\""));
    assert_non_null(strstr(js, "\"vni\": null, \"state\": \"unresolved\""));
    assert_non_null(strstr(js, "\"stale\": true, \"stale_since\": 42"));
    /* best of (100, MAC1): two paths, the lowest source wins the tie */
    assert_non_null(strstr(js, "{\"vni\": 100, \"mac\": \"02:00:00:00:00:01\", "
                               "\"vtep\": \"192.0.2.1\", \"paths\": 2, \"seq\": 3, "
                               "\"sticky\": true, \"feed\": \"rr\\\"1\\\\\""));
    assert_non_null(strstr(js, "\"flood\": {\"100\": [\"192.0.2.1\"]}"));
    assert_non_null(strstr(js, "\"paths\": 5, \"type2_paths\": 4, \"type3_paths\": 1, "
                               "\"unresolved\": 1, \"stale\": 1"));
    free(js);
}

static void test_dump_json_empty(void **state)
{
    char *js = dump(*state);

    assert_non_null(strstr(js, "\"paths\": []"));
    assert_non_null(strstr(js, "\"flood\": {}"));
    free(js);
}

/* ------------------------------------------------------------------------ */
/* scale */

#define SCALE_VNIS 1000
#define SCALE_MACS 100

static double now_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* 100,000 type-2 paths over 1,000 VNIs (half labelled, half label 0 waiting
 * for their type-3), 1,000 type-3, then everything withdrawn. */
/* rib_prefetch is a hint: a RIB given it before every window reports the
 * same calls and counters as one that never gets it, whatever it is given
 * (unknown source, other route types, too many routes, NULL); it names to
 * prefetch_mac each type-2 route whose VNI it can tell (label, or a type-3
 * route of the same RD), and no other. */
struct pf_log {
    char log[8][LOG_LEN];
    int n;
};
static struct pf_log pf;

static void on_prefetch_log(void *ctx, uint32_t vni, const uint8_t mac[6])
{
    assert_ptr_equal(ctx, &rec);
    if (pf.n < 8)
        snprintf(pf.log[pf.n], LOG_LEN, "prefetch %u %02x", vni, mac[5]);
    pf.n++;
}

static void test_prefetch_hint_only(void **state)
{
    struct rib_callbacks cb = {.mac_changed = on_mac, .flood_changed = on_flood,
                               .prefetch_mac = on_prefetch_log, .ctx = &rec};
    struct evpn_rib *plain = *state, *hinted = rib_create(LOCAL, is_vni, &cb);
    struct rib_source a = src_of("a", 1, 0), b = src_of("b", 2, 0);
    struct rib_route w[RIB_PREFETCH_MAX + 8];
    char logs[2][LOG_MAX][LOG_LEN];
    int nlog[2];
    struct rib_counters c0;

    assert_non_null(hinted);
    memset(&pf, 0, sizeof(pf));
    for (unsigned i = 0; i < RIB_PREFETCH_MAX + 8; i++) {
        w[i] = t2(i % 3 ? 7 : 8, (uint8_t)i, VT1 + (i % 2 ? 0 : VT2), i % 2 ? 100 : 0);
        if (i % 5 == 0)
            w[i].type = 1;          /* not ours: ignored by both */
    }
    w[2] = t3(7, VT3, 200);         /* maps RD 7 to VNI 200 */
    for (int pass = 0; pass < 2; pass++) {
        struct evpn_rib *r = pass ? hinted : plain;

        rec.n = 0;
        for (unsigned off = 0; off < RIB_PREFETCH_MAX + 8; off += 16) {
            if (pass) {
                rib_prefetch(r, off % 32 ? &a : &b, &w[off], RIB_PREFETCH_MAX + 8 - off);
                rib_prefetch(r, NULL, &w[off], 4);
                rib_prefetch(r, &a, NULL, 4);
                rib_prefetch(NULL, &a, &w[off], 4);
            }
            for (unsigned i = off; i < off + 16 && i < RIB_PREFETCH_MAX + 8; i++)
                rib_update(r, &a, &w[i]);
        }
        memcpy(logs[pass], rec.log, sizeof(rec.log));
        nlog[pass] = rec.n;
        if (!pass)
            c0 = *rib_counters(r);
    }
    assert_true(pf.n > 0);
    assert_int_equal(nlog[0], nlog[1]);
    assert_true(nlog[0] > 0);
    for (int i = 0; i < nlog[0]; i++)
        assert_string_equal(logs[0][i], logs[1][i]);
    assert_memory_equal(&c0, rib_counters(hinted), sizeof(c0));
    rec.n = 0;
    /* only label-VNI routes and, once RD 7 maps to 200, its label-0 routes */
    memset(&pf, 0, sizeof(pf));
    {
        struct rib_route q[4] = {t2(7, 1, VT1, 0), t2(8, 2, VT1, 0), t2(9, 3, VT1, 300),
                                 t3(7, VT3, 200)};
        rib_prefetch(hinted, &a, q, 4);
    }
    assert_int_equal(pf.n, 2);
    assert_string_equal(pf.log[0], "prefetch 200 01");
    assert_string_equal(pf.log[1], "prefetch 300 03");
    rib_free(hinted);
}

/* big_alloc: zeroed, and huge-page sized mappings 2 MB-aligned. */
static void test_big_alloc(void **state)
{
    size_t sizes[] = {1, 4096, BIG_ALLOC_MIN - 1, BIG_ALLOC_MIN, (size_t)2 << 20,
                      ((size_t)2 << 20) + 1, (size_t)5 << 20};
    (void)state;

    assert_null(big_alloc(0));
    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        uint8_t *p = big_alloc(sizes[i]);
        size_t nz = 0;

        assert_non_null(p);
        if (sizes[i] >= BIG_ALLOC_MIN)
            assert_int_equal((uintptr_t)p & (((uintptr_t)2 << 20) - 1), 0);
        for (size_t k = 0; k < sizes[i]; k += 97)
            nz += p[k] != 0;
        nz += p[sizes[i] - 1] != 0;
        assert_int_equal(nz, 0);
        memset(p, 0xa5, sizes[i]);
        big_free(p, sizes[i]);
    }
    big_free(NULL, 1);
}

static void test_scale(void **state)
{
    struct evpn_rib *r = *state;
    struct rib_source a = src_of("a", 1, 0);
    const struct rib_counters *c = rib_counters(r);
    double ts0, ts1, ts2, ts3, td0, td1;
    char *js;

    rec.count_only = true;
    ts0 = now_s();
    for (uint32_t v = 0; v < SCALE_VNIS; v++)
        for (uint32_t i = 0; i < SCALE_MACS; i++) {
            uint32_t vni = 10000 + v;
            struct rib_route m = t2(vni, 0, ip4(172, 16, i / 250, 1 + i % 250),
                                    v % 2 ? vni : 0);

            m.mac[1] = (uint8_t)(v >> 8);
            m.mac[2] = (uint8_t)v;
            m.mac[5] = (uint8_t)i;
            rib_update(r, &a, &m);
        }
    ts1 = now_s();
    assert_int_equal(c->paths, SCALE_VNIS * SCALE_MACS);
    assert_int_equal(c->unresolved, SCALE_VNIS * SCALE_MACS / 2);
    for (uint32_t v = 0; v < SCALE_VNIS; v++) {
        struct rib_route i3 = t3(10000 + v, ip4(172, 17, 0, 1 + v % 50), 10000 + v);

        rib_update(r, &a, &i3);
    }
    assert_int_equal(c->unresolved, 0);
    assert_int_equal(c->paths, SCALE_VNIS * SCALE_MACS + SCALE_VNIS);
    assert_int_equal(rec.mac_set, SCALE_VNIS * SCALE_MACS);
    assert_int_equal(rec.flood_calls, SCALE_VNIS);
    td0 = now_s();
    js = dump(r);                           /* not part of the timed work */
    td1 = now_s();
    free(js);
    ts2 = now_s();
    for (uint32_t v = 0; v < SCALE_VNIS; v++) {
        uint32_t vni = 10000 + v;
        struct rib_route i3 = t3(vni, ip4(172, 17, 0, 1 + v % 50), 0);

        for (uint32_t i = 0; i < SCALE_MACS; i++) {
            struct rib_route m = t2(vni, 0, 0, 0);

            m.mac[1] = (uint8_t)(v >> 8);
            m.mac[2] = (uint8_t)v;
            m.mac[5] = (uint8_t)i;
            rib_withdraw(r, &a, &m);
        }
        rib_withdraw(r, &a, &i3);
    }
    ts3 = now_s();
    print_message("scale: %u type-2 add %.3f s, %u type-3 (resolving %u) %.3f s, "
                  "withdraw all %.3f s, total %.3f s (JSON dump of all: %.3f s)\n",
                  SCALE_VNIS * SCALE_MACS, ts1 - ts0, SCALE_VNIS, SCALE_VNIS * SCALE_MACS / 2,
                  td0 - ts1, ts3 - ts2, (ts3 - ts2) + (td0 - ts0), td1 - td0);
    assert_int_equal(c->paths, 0);
    assert_int_equal(c->type2_paths, 0);
    assert_int_equal(c->type3_paths, 0);
    assert_int_equal(c->withdraws, SCALE_VNIS * SCALE_MACS + SCALE_VNIS);
    assert_int_equal(c->withdraw_unknown, 0);
    assert_int_equal(rec.mac_set, rec.mac_del);
    assert_int_equal(rec.flood_calls, 2 * SCALE_VNIS);
    assert_int_equal(c->mac_updates, 2 * SCALE_VNIS * SCALE_MACS);
    /* the time budget is for optimized builds; a sanitizer build
     * (ASan+UBSan, -O0) runs the same work about 3x slower */
#if defined(__SANITIZE_ADDRESS__) || !defined(__OPTIMIZE__)
    assert_true((ts3 - ts2) + (td0 - ts0) < 2.0 * 5);
#else
    assert_true((ts3 - ts2) + (td0 - ts0) < 2.0);
#endif
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_json_checker),
        cmocka_unit_test_setup_teardown(test_t2_add_replace_withdraw, setup, teardown),
        cmocka_unit_test_setup_teardown(test_t2_unconfigured_vni, setup, teardown),
        cmocka_unit_test_setup_teardown(test_t2_label_24_bits, setup, teardown),
        cmocka_unit_test_setup_teardown(test_t2_label0_resolved_by_later_t3, setup, teardown),
        cmocka_unit_test_setup_teardown(test_t2_rt_fallback, setup, teardown),
        cmocka_unit_test_setup_teardown(test_t3_vni_and_vtep, setup, teardown),
        cmocka_unit_test_setup_teardown(test_own_vtep_ignored, setup, teardown),
        cmocka_unit_test_setup_teardown(test_no_ipv4_nexthop, setup, teardown),
        cmocka_unit_test_setup_teardown(test_best_sticky_beats_higher_seq, setup, teardown),
        cmocka_unit_test_setup_teardown(test_best_higher_seq, setup, teardown),
        cmocka_unit_test_setup_teardown(test_best_lowest_nexthop_any_order, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mac_ip_and_mac_only, setup, teardown),
        cmocka_unit_test(test_ip_changed),
        cmocka_unit_test_setup_teardown(test_two_feeds_same_route, setup, teardown),
        cmocka_unit_test_setup_teardown(test_peer_down_exact, setup, teardown),
        cmocka_unit_test_setup_teardown(test_source_cache, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stale_refresh_eor, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stale_refresh_changed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sweep_timeout, setup, teardown),
        cmocka_unit_test_setup_teardown(test_flood_refcount_and_order, setup, teardown),
        cmocka_unit_test_setup_teardown(test_t3_vni_change, setup, teardown),
        cmocka_unit_test_setup_teardown(test_t2_vni_change_on_replace, setup, teardown),
        cmocka_unit_test_setup_teardown(test_withdraw_unresolved, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rd_mapping_change_no_churn, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rd_mapping_refcount, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pending_resolves_to_unconfigured, setup, teardown),
        cmocka_unit_test_setup_teardown(test_robustness, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dump_json, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dump_json_empty, setup, teardown),
        cmocka_unit_test_setup_teardown(test_prefetch_hint_only, setup, teardown),
        cmocka_unit_test(test_big_alloc),
        cmocka_unit_test_setup_teardown(test_scale, setup, teardown),
    };

    return cmocka_run_group_tests_name("evpn_rib", tests, NULL, NULL);
}
