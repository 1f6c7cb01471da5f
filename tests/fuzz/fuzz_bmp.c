/* libFuzzer target for the BMP framer and parser, the BGP UPDATE parser
 * and the EVPN NLRI decoder.
 *
 * The input is treated as a raw BMP byte stream and fed twice: in one piece
 * and in small chunks. Both runs must see the same frames with the same
 * results (the framer must not depend on how bytes arrive). The input is
 * also given directly to the UPDATE parser (both AS widths) and to the
 * NLRI scanner. Build and run with scripts/fuzz-bmp.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "bmp_parse.h"

#define STREAM_CAP 65536
#define MAX_TRACE 512

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct trace {
    size_t n;
    uint8_t res[MAX_TRACE];
    uint8_t err[MAX_TRACE];
    uint32_t len[MAX_TRACE];
    enum bmp_frame end;
};

static void check(int ok)
{
    if (!ok)
        __builtin_trap();
}

/* Walks a scanned NLRI block; the route count must match the scan. */
static void walk_nlri(const struct evpn_nlri_view *v)
{
    struct evpn_nlri_iter it;
    struct evpn_route r;
    uint32_t n = 0;

    evpn_nlri_iter_init(&it, v);
    while (evpn_nlri_iter_next(&it, &r)) {
        check(r.type == EVPN_ROUTE_MAC_IP || r.type == EVPN_ROUTE_IMET);
        check(strlen(r.rd.str) < sizeof(r.rd.str));
        n++;
    }
    check(n == v->n_routes);
}

static void walk_update(const struct bgp_update *u)
{
    char s[32];
    uint16_t i;

    walk_nlri(&u->evpn_reach);
    walk_nlri(&u->evpn_unreach);
    for (i = 0; i < u->attrs.n_rts && i < BGP_MAX_RTS; i++)
        check(strlen(bgp_rt_format(&u->attrs.rts[i], s, sizeof(s))) <
              sizeof(s));
}

static void parse_one(struct bmp_parser *ps, const uint8_t *msg, size_t len,
                      struct trace *t)
{
    static struct bmp_msg m;
    enum bmp_result r = bmp_parse_msg(ps, msg, len, &m);

    if (r == BMP_MSG_OK && m.type == BMP_MSG_ROUTE_MONITORING)
        walk_update(&m.rm.update);
    if (r == BMP_MSG_ERROR)
        check(m.reason[0] != '\0' && m.err != BMP_ERR_NONE);
    if (t->n < MAX_TRACE) {
        t->res[t->n] = (uint8_t)r;
        t->err[t->n] = (uint8_t)(m.err * 16 + m.bgp_err);
        t->len[t->n] = (uint32_t)len;
    }
    t->n++;
}

/* Feeds data in chunks of at most chunk bytes; records every result. */
static void run_stream(const uint8_t *data, size_t size, size_t chunk,
                       struct trace *t)
{
    static uint8_t buf[STREAM_CAP];
    struct bmp_stream s;
    struct bmp_parser ps;
    const uint8_t *msg;
    size_t off = 0, len;
    enum bmp_frame st = BMP_FRAME_NEED_MORE;

    memset(t, 0, sizeof(*t));
    bmp_stream_init(&s, buf, sizeof(buf));
    bmp_parser_init(&ps);
    while (off < size && st != BMP_FRAME_FATAL) {
        size_t n = size - off < chunk ? size - off : chunk;

        n = bmp_stream_append(&s, data + off, n);
        off += n;
        while ((st = bmp_stream_next(&s, &msg, &len)) == BMP_FRAME_OK)
            parse_one(&ps, msg, len, t);
        check(n > 0 || st == BMP_FRAME_FATAL);
    }
    t->end = st;
    check(ps.c.msgs == t->n);
    check(ps.c.malformed <= ps.c.msgs);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct trace whole, chunked;
    static struct bgp_update u;
    struct evpn_nlri_view v;
    char err[BMP_REASON_LEN];

    run_stream(data, size, STREAM_CAP, &whole);
    run_stream(data, size, 7, &chunked);
    check(whole.n == chunked.n && whole.end == chunked.end);
    check(memcmp(whole.res, chunked.res, sizeof(whole.res)) == 0);
    check(memcmp(whole.err, chunked.err, sizeof(whole.err)) == 0);
    check(memcmp(whole.len, chunked.len, sizeof(whole.len)) == 0);

    if (bgp_update_parse(data, size, true, &u, err, sizeof(err)) ==
        BGP_ERR_NONE)
        walk_update(&u);
    if (bgp_update_parse(data, size, false, &u, err, sizeof(err)) ==
        BGP_ERR_NONE)
        walk_update(&u);
    if (evpn_nlri_scan(data, size, &v, err, sizeof(err)) == 0)
        walk_nlri(&v);
    return 0;
}
