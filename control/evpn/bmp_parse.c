/* BMP (RFC 7854, RFC 9069) stream framer and message parser.
 *
 * Framing problems (version, length) are fatal for the session; anything
 * wrong inside a well-framed message rejects only that message, with a
 * reason and a counter. All reads are checked against the message length.
 */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "bmp_parse.h"
#include "wire.h"

/* Detail buffer size: leaves room in msg->reason for the type prefix. */
#define WHY_LEN 200

enum info_kind {
    INFO_INITIATION,
    INFO_TERMINATION,
    INFO_PEER,              /* Peer Up, Peer Down reason 6 */
};

/* State for parsing one message. */
struct pctx {
    struct bmp_parser *ps;
    struct bmp_msg *m;
    char why[WHY_LEN];
};

static void vreason(char *buf, size_t len, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));

static void vreason(char *buf, size_t len, const char *fmt, va_list ap)
{
    if (buf != NULL && len > 0)
        vsnprintf(buf, len, fmt, ap);
}

static enum bmp_frame frame_fatal(char *reason, size_t len,
                                  const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static enum bmp_frame frame_fatal(char *reason, size_t len,
                                  const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vreason(reason, len, fmt, ap);
    va_end(ap);
    return BMP_FRAME_FATAL;
}

static enum bmp_err fail(struct pctx *c, enum bmp_err kind,
                         const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static enum bmp_err fail(struct pctx *c, enum bmp_err kind,
                         const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vreason(c->why, sizeof(c->why), fmt, ap);
    va_end(ap);
    return kind;
}

static struct bmp_bytes bytes_of(const uint8_t *p, size_t len)
{
    struct bmp_bytes b = { .data = len > 0 ? p : NULL, .len = len };

    return b;
}

const char *bmp_msg_type_name(uint8_t type)
{
    switch (type) {
    case BMP_MSG_ROUTE_MONITORING: return "route-monitoring";
    case BMP_MSG_STATS_REPORT: return "statistics-report";
    case BMP_MSG_PEER_DOWN: return "peer-down";
    case BMP_MSG_PEER_UP: return "peer-up";
    case BMP_MSG_INITIATION: return "initiation";
    case BMP_MSG_TERMINATION: return "termination";
    case BMP_MSG_ROUTE_MIRRORING: return "route-mirroring";
    default: return "unknown";
    }
}

const char *bmp_err_name(enum bmp_err e)
{
    switch (e) {
    case BMP_ERR_NONE: return "none";
    case BMP_ERR_HEADER: return "header";
    case BMP_ERR_PEER_HEADER: return "peer_header";
    case BMP_ERR_TLV: return "tlv";
    case BMP_ERR_PEER_UP: return "peer_up";
    case BMP_ERR_PEER_DOWN: return "peer_down";
    case BMP_ERR_STATS: return "stats";
    case BMP_ERR_BGP: return "bgp";
    case BMP_ERR_NUM: break;
    }
    return "unknown";
}

/* ---- framing ---------------------------------------------------------- */

enum bmp_frame bmp_frame_check(const uint8_t *p, size_t avail, size_t max_len,
                               size_t *msg_len, char *reason,
                               size_t reason_len)
{
    uint32_t len;

    *msg_len = 0;
    if (avail == 0)
        return BMP_FRAME_NEED_MORE;
    if (p[0] != BMP_VERSION)
        return frame_fatal(reason, reason_len,
                           "BMP version %u, expected %d", p[0], BMP_VERSION);
    if (avail < 5)
        return BMP_FRAME_NEED_MORE;
    len = wire_get32(p + 1);
    if (len < BMP_COMMON_HDR_LEN)
        return frame_fatal(reason, reason_len,
                           "BMP message length %u is below the %d-byte "
                           "common header", len, BMP_COMMON_HDR_LEN);
    if (len > max_len)
        return frame_fatal(reason, reason_len,
                           "BMP message length %u exceeds the maximum %zu",
                           len, max_len);
    if (avail < len)
        return BMP_FRAME_NEED_MORE;
    *msg_len = len;
    return BMP_FRAME_OK;
}

void bmp_stream_init(struct bmp_stream *s, uint8_t *buf, size_t cap)
{
    memset(s, 0, sizeof(*s));
    s->buf = buf;
    s->cap = buf != NULL ? cap : 0;
    s->max_msg = s->cap < BMP_MAX_MSG_LEN ? s->cap : BMP_MAX_MSG_LEN;
}

static void stream_compact(struct bmp_stream *s)
{
    if (s->head == 0)
        return;
    if (s->tail > s->head)
        memmove(s->buf, s->buf + s->head, s->tail - s->head);
    s->tail -= s->head;
    s->head = 0;
}

uint8_t *bmp_stream_space(struct bmp_stream *s, size_t *room)
{
    stream_compact(s);
    *room = s->cap - s->tail;
    return s->buf != NULL ? s->buf + s->tail : NULL;
}

void bmp_stream_commit(struct bmp_stream *s, size_t n)
{
    if (n > s->cap - s->tail)
        n = s->cap - s->tail;
    s->tail += n;
    s->bytes_in += n;
}

size_t bmp_stream_append(struct bmp_stream *s, const uint8_t *data, size_t n)
{
    size_t room;
    uint8_t *dst = bmp_stream_space(s, &room);

    if (n > room)
        n = room;
    if (n > 0) {
        memcpy(dst, data, n);
        bmp_stream_commit(s, n);
    }
    return n;
}

enum bmp_frame bmp_stream_next(struct bmp_stream *s, const uint8_t **msg,
                               size_t *msg_len)
{
    enum bmp_frame st;
    size_t n;

    *msg = NULL;
    *msg_len = 0;
    if (s->fatal)
        return BMP_FRAME_FATAL;
    if (s->buf == NULL)
        return BMP_FRAME_NEED_MORE;
    st = bmp_frame_check(s->buf + s->head, s->tail - s->head, s->max_msg,
                         &n, s->reason, sizeof(s->reason));
    if (st == BMP_FRAME_FATAL) {
        s->fatal = true;
        s->fatal_errors++;
        return st;
    }
    if (st == BMP_FRAME_NEED_MORE)
        return st;
    *msg = s->buf + s->head;
    *msg_len = n;
    s->head += n;
    s->frames++;
    return BMP_FRAME_OK;
}

/* ---- message parts ---------------------------------------------------- */

static void format_addr(const uint8_t addr[16], bool ipv6, char *out,
                        size_t len)
{
    if (inet_ntop(ipv6 ? AF_INET6 : AF_INET, ipv6 ? addr : addr + 12,
                  out, (socklen_t)len) == NULL)
        snprintf(out, len, "?");
}

static bool has_peer_header(uint8_t type)
{
    return type == BMP_MSG_ROUTE_MONITORING || type == BMP_MSG_STATS_REPORT ||
           type == BMP_MSG_PEER_DOWN || type == BMP_MSG_PEER_UP ||
           type == BMP_MSG_ROUTE_MIRRORING;
}

/* type(1) flags(1) distinguisher(8) address(16) AS(4) BGP ID(4)
 * timestamp seconds(4) microseconds(4) */
static enum bmp_err parse_peer_hdr(struct pctx *c, const uint8_t *p,
                                   size_t len)
{
    struct bmp_peer_hdr *h = &c->m->peer;

    if (len < BMP_PEER_HDR_LEN)
        return fail(c, BMP_ERR_PEER_HEADER,
                    "%zu bytes after the common header, the per-peer "
                    "header needs %d", len, BMP_PEER_HDR_LEN);
    h->type = p[0];
    h->flags = p[1];
    if (h->type == BMP_PEER_LOC_RIB) {
        /* RFC 9069: zero address, flags carry only F; 4-byte ASes */
        h->as4 = true;
    } else {
        h->ipv6 = (h->flags & BMP_PEER_FLAG_V) != 0;
        h->post_policy = (h->flags & BMP_PEER_FLAG_L) != 0;
        h->as4 = (h->flags & BMP_PEER_FLAG_A) == 0;
        h->adj_rib_out = (h->flags & BMP_PEER_FLAG_O) != 0;
    }
    h->distinguisher = wire_get64(p + 2);
    memcpy(h->addr, p + 10, 16);
    format_addr(h->addr, h->ipv6, h->addr_str, sizeof(h->addr_str));
    h->as = wire_get32(p + 26);
    h->bgp_id = wire_get32(p + 30);
    h->ts_sec = wire_get32(p + 34);
    h->ts_usec = wire_get32(p + 38);
    return BMP_ERR_NONE;
}

/* Information TLVs: type(2) length(2) value. */
static enum bmp_err parse_info(struct pctx *c, const uint8_t *p, size_t len,
                               enum info_kind kind, struct bmp_info *info)
{
    size_t off = 0;

    while (off < len) {
        uint16_t t, tl;
        struct bmp_bytes v;

        if (len - off < 4)
            return fail(c, BMP_ERR_TLV,
                        "information TLV at offset %zu: header needs 4 "
                        "bytes, %zu left", off, len - off);
        t = wire_get16(p + off);
        tl = wire_get16(p + off + 2);
        if (tl > len - off - 4)
            return fail(c, BMP_ERR_TLV,
                        "information TLV type %u at offset %zu: length %u "
                        "exceeds the %zu bytes left", t, off, tl,
                        len - off - 4);
        v = bytes_of(p + off + 4, tl);
        info->n_tlvs++;
        if (t == 0) {
            if (info->n_strings < BMP_MAX_STRINGS)
                info->strings[info->n_strings] = v;
            info->n_strings++;
        } else if (kind == INFO_INITIATION && t == 1) {
            info->sys_descr = v;
        } else if (kind == INFO_INITIATION && t == 2) {
            info->sys_name = v;
        } else if (kind == INFO_TERMINATION && t == 1) {
            if (tl != 2)
                return fail(c, BMP_ERR_TLV,
                            "termination reason TLV length %u, must be 2",
                            tl);
            info->has_term_reason = true;
            info->term_reason = wire_get16(p + off + 4);
        } else if (kind == INFO_PEER && t == 3) {
            info->vrf_name = v;
        } else {
            info->n_other++;
        }
        off += 4 + (size_t)tl;
    }
    return BMP_ERR_NONE;
}

/* Capabilities inside an OPEN optional parameter: code(1) len(1) value. */
static enum bmp_err parse_caps(struct pctx *c, const char *which,
                               const uint8_t *p, size_t len,
                               struct bmp_open *o)
{
    size_t off = 0;

    while (off < len) {
        uint8_t code, cl;

        if (len - off < 2)
            return fail(c, BMP_ERR_PEER_UP,
                        "%s OPEN: capability header needs 2 bytes, "
                        "%zu left", which, len - off);
        code = p[off];
        cl = p[off + 1];
        if (cl > len - off - 2)
            return fail(c, BMP_ERR_PEER_UP,
                        "%s OPEN: capability %u length %u exceeds the %zu "
                        "bytes left", which, code, cl, len - off - 2);
        if (code == 65) {
            if (cl != 4)
                return fail(c, BMP_ERR_PEER_UP,
                            "%s OPEN: 4-octet AS capability length %u, "
                            "must be 4", which, cl);
            o->as4 = true;
            o->as4_number = wire_get32(p + off + 2);
        } else if (code == 1 && cl == 4 &&
                   wire_get16(p + off + 2) == BGP_AFI_L2VPN &&
                   p[off + 5] == BGP_SAFI_EVPN) {
            o->mp_evpn = true;
        }
        o->n_caps++;
        off += 2 + (size_t)cl;
    }
    return BMP_ERR_NONE;
}

/* BGP OPEN: header(19) version(1) AS(2) hold(2) BGP ID(4) opt len(1)
 * params; RFC 9072 extended form when opt len and first type are 255.
 * Returns the OPEN length in *used. */
static enum bmp_err parse_open(struct pctx *c, const char *which,
                               const uint8_t *p, size_t len,
                               struct bmp_open *o, size_t *used)
{
    size_t olen, plen, start, off, hdr;
    bool ext = false;
    int i;

    if (len < BGP_HEADER_LEN)
        return fail(c, BMP_ERR_PEER_UP,
                    "%s OPEN: %zu bytes left, the BGP header needs %d",
                    which, len, BGP_HEADER_LEN);
    for (i = 0; i < BGP_MARKER_LEN; i++) {
        if (p[i] != 0xff)
            return fail(c, BMP_ERR_PEER_UP,
                        "%s OPEN: marker byte %d is 0x%02x, not 0xff",
                        which, i, p[i]);
    }
    olen = wire_get16(p + 16);
    if (olen < 29)
        return fail(c, BMP_ERR_PEER_UP,
                    "%s OPEN length %zu, minimum is 29", which, olen);
    if (olen > len)
        return fail(c, BMP_ERR_PEER_UP,
                    "%s OPEN length %zu exceeds the %zu bytes left",
                    which, olen, len);
    if (p[18] != BGP_MSG_OPEN)
        return fail(c, BMP_ERR_PEER_UP,
                    "%s message type %u is not OPEN (1)", which, p[18]);
    o->pdu = bytes_of(p, olen);
    o->version = p[19];
    o->my_as = wire_get16(p + 20);
    o->hold_time = wire_get16(p + 22);
    o->bgp_id = wire_get32(p + 24);
    plen = p[28];
    start = 29;
    if (plen == 255 && olen >= 32 && p[29] == 255) {
        ext = true;
        plen = wire_get16(p + 30);
        start = 32;
    }
    if (start + plen != olen)
        return fail(c, BMP_ERR_PEER_UP,
                    "%s OPEN: optional parameters length %zu does not match "
                    "OPEN length %zu", which, plen, olen);
    hdr = ext ? 3 : 2;
    off = start;
    while (off < olen) {
        uint8_t ptype;
        size_t vl;
        enum bmp_err e;

        if (olen - off < hdr)
            return fail(c, BMP_ERR_PEER_UP,
                        "%s OPEN: parameter header needs %zu bytes, %zu left",
                        which, hdr, olen - off);
        ptype = p[off];
        vl = ext ? wire_get16(p + off + 1) : p[off + 1];
        if (vl > olen - off - hdr)
            return fail(c, BMP_ERR_PEER_UP,
                        "%s OPEN: parameter %u length %zu exceeds the %zu "
                        "bytes left", which, ptype, vl, olen - off - hdr);
        /* RFC 4271 6.2: a speaker refuses unsupported parameters, and
         * Capabilities (2) is the only one left (RFC 5492), so anything
         * else cannot come from an established session */
        if (ptype != 2)
            return fail(c, BMP_ERR_PEER_UP,
                        "%s OPEN: optional parameter type %u is not "
                        "Capabilities (2)", which, ptype);
        e = parse_caps(c, which, p + off + hdr, vl, o);
        if (e != BMP_ERR_NONE)
            return e;
        off += hdr + vl;
    }
    *used = olen;
    return BMP_ERR_NONE;
}

/* local address(16) local port(2) remote port(2) sent OPEN, received OPEN,
 * information TLVs */
static enum bmp_err parse_peer_up(struct pctx *c, const uint8_t *p,
                                  size_t len)
{
    struct bmp_peer_up *up = &c->m->peer_up;
    size_t off = 20;
    size_t used = 0;
    enum bmp_err e;

    if (len < 20)
        return fail(c, BMP_ERR_PEER_UP,
                    "%zu bytes after the per-peer header, local address "
                    "and ports need 20", len);
    memcpy(up->local_addr, p, 16);
    format_addr(up->local_addr, c->m->peer.ipv6, up->local_addr_str,
                sizeof(up->local_addr_str));
    up->local_port = wire_get16(p + 16);
    up->remote_port = wire_get16(p + 18);
    e = parse_open(c, "sent", p + off, len - off, &up->sent, &used);
    if (e != BMP_ERR_NONE)
        return e;
    off += used;
    e = parse_open(c, "received", p + off, len - off, &up->received, &used);
    if (e != BMP_ERR_NONE)
        return e;
    off += used;
    up->as4 = up->sent.as4 && up->received.as4;
    return parse_info(c, p + off, len - off, INFO_PEER, &up->info);
}

/* reason(1) then, by reason: NOTIFICATION PDU (1, 3), FSM event (2),
 * nothing (4, 5), information TLVs (6). */
static enum bmp_err parse_peer_down(struct pctx *c, const uint8_t *p,
                                    size_t len)
{
    struct bmp_peer_down *pd = &c->m->peer_down;
    const uint8_t *d = p + 1;
    size_t dl;
    int i;

    if (len < 1)
        return fail(c, BMP_ERR_PEER_DOWN, "no reason code");
    pd->reason = p[0];
    dl = len - 1;
    pd->data = bytes_of(d, dl);
    switch (pd->reason) {
    case BMP_DOWN_LOCAL_NOTIFY:
    case BMP_DOWN_REMOTE_NOTIFY:
        if (dl < 21)
            return fail(c, BMP_ERR_PEER_DOWN,
                        "reason %u: NOTIFICATION needs 21 bytes, %zu present",
                        pd->reason, dl);
        for (i = 0; i < BGP_MARKER_LEN; i++) {
            if (d[i] != 0xff)
                return fail(c, BMP_ERR_PEER_DOWN,
                            "reason %u: NOTIFICATION marker byte %d is "
                            "0x%02x, not 0xff", pd->reason, i, d[i]);
        }
        if (wire_get16(d + 16) != dl)
            return fail(c, BMP_ERR_PEER_DOWN,
                        "reason %u: NOTIFICATION length %u does not match "
                        "the %zu bytes present", pd->reason, wire_get16(d + 16),
                        dl);
        if (d[18] != BGP_MSG_NOTIFICATION)
            return fail(c, BMP_ERR_PEER_DOWN,
                        "reason %u: BGP message type %u is not "
                        "NOTIFICATION (3)", pd->reason, d[18]);
        pd->has_notification = true;
        pd->notify_code = d[19];
        pd->notify_subcode = d[20];
        return BMP_ERR_NONE;
    case BMP_DOWN_LOCAL_NO_NOTIFY:
        if (dl != 2)
            return fail(c, BMP_ERR_PEER_DOWN,
                        "reason 2: FSM event code needs exactly 2 bytes, "
                        "%zu present", dl);
        pd->has_fsm_event = true;
        pd->fsm_event = wire_get16(d);
        return BMP_ERR_NONE;
    case BMP_DOWN_REMOTE_NO_NOTIFY:
    case BMP_DOWN_DECONFIGURED:
        if (dl != 0)
            return fail(c, BMP_ERR_PEER_DOWN,
                        "reason %u carries no data, %zu bytes present",
                        pd->reason, dl);
        return BMP_ERR_NONE;
    case BMP_DOWN_LOCAL_TLV:
        return parse_info(c, d, dl, INFO_PEER, &pd->info);
    default:
        return BMP_ERR_NONE;
    }
}

/* Expected value length of RFC 7854 stat types 0-10, 0 for others. */
static size_t stat_fixed_len(uint16_t type)
{
    if (type <= 6)
        return 4;
    if (type <= 8)
        return 8;
    if (type <= 10)
        return 11;
    return 0;
}

/* count(4) then count x { type(2) length(2) value } filling the message. */
static enum bmp_err parse_stats(struct pctx *c, const uint8_t *p, size_t len)
{
    struct bmp_stats *st = &c->m->stats;
    size_t off = 4;
    uint32_t i;

    if (len < 4)
        return fail(c, BMP_ERR_STATS,
                    "stats count needs 4 bytes, %zu present", len);
    st->count = wire_get32(p);
    for (i = 0; i < st->count; i++) {
        struct bmp_stat s;
        size_t want;

        if (len - off < 4)
            return fail(c, BMP_ERR_STATS,
                        "stats count %u but only %u statistics present",
                        st->count, i);
        memset(&s, 0, sizeof(s));
        s.type = wire_get16(p + off);
        s.len = wire_get16(p + off + 2);
        if (s.len > len - off - 4)
            return fail(c, BMP_ERR_STATS,
                        "statistic %u (type %u) length %u exceeds the %zu "
                        "bytes left", i, s.type, s.len, len - off - 4);
        want = stat_fixed_len(s.type);
        if (want != 0 && s.len != want)
            return fail(c, BMP_ERR_STATS,
                        "statistic type %u length %u, must be %zu",
                        s.type, s.len, want);
        if (s.len == 4) {
            s.decoded = true;
            s.value = wire_get32(p + off + 4);
        } else if (s.len == 8) {
            s.decoded = true;
            s.value = wire_get64(p + off + 4);
        } else if (s.len == 11) {
            s.decoded = true;
            s.has_afi_safi = true;
            s.afi = wire_get16(p + off + 4);
            s.safi = p[off + 6];
            s.value = wire_get64(p + off + 7);
        }
        if (st->n_stored < BMP_MAX_STATS)
            st->stat[st->n_stored++] = s;
        off += 4 + (size_t)s.len;
    }
    if (off != len)
        return fail(c, BMP_ERR_STATS,
                    "%zu bytes left after the %u statistics", len - off,
                    st->count);
    return BMP_ERR_NONE;
}

/* A mirrored BGP PDU, even an errored one, was framed by the speaker:
 * at least a header, all-ones marker, length equal to the TLV length. */
static enum bmp_err check_bgp_header(struct pctx *c, const uint8_t *p,
                                     size_t len)
{
    int i;

    if (len < BGP_HEADER_LEN)
        return fail(c, BMP_ERR_TLV,
                    "mirrored BGP message of %zu bytes, the header needs %d",
                    len, BGP_HEADER_LEN);
    for (i = 0; i < BGP_MARKER_LEN; i++) {
        if (p[i] != 0xff)
            return fail(c, BMP_ERR_TLV,
                        "mirrored BGP message marker byte %d is 0x%02x, "
                        "not 0xff", i, p[i]);
    }
    if (wire_get16(p + 16) != len)
        return fail(c, BMP_ERR_TLV,
                    "mirrored BGP message length %u does not match the TLV "
                    "length %zu", wire_get16(p + 16), len);
    return BMP_ERR_NONE;
}

/* TLVs: type 0 BGP message, type 1 information code (2 bytes). */
static enum bmp_err parse_mirror(struct pctx *c, const uint8_t *p, size_t len)
{
    struct bmp_mirror *mi = &c->m->mirror;
    size_t off = 0;

    while (off < len) {
        uint16_t t, tl;

        if (len - off < 4)
            return fail(c, BMP_ERR_TLV,
                        "mirroring TLV at offset %zu: header needs 4 bytes, "
                        "%zu left", off, len - off);
        t = wire_get16(p + off);
        tl = wire_get16(p + off + 2);
        if (tl > len - off - 4)
            return fail(c, BMP_ERR_TLV,
                        "mirroring TLV type %u at offset %zu: length %u "
                        "exceeds the %zu bytes left", t, off, tl,
                        len - off - 4);
        mi->n_tlvs++;
        if (t == 0) {
            enum bmp_err e = check_bgp_header(c, p + off + 4, tl);

            if (e != BMP_ERR_NONE)
                return e;
            if (mi->n_bgp_pdus == 0)
                mi->bgp_pdu = bytes_of(p + off + 4, tl);
            mi->n_bgp_pdus++;
        } else if (t == 1) {
            if (tl != 2)
                return fail(c, BMP_ERR_TLV,
                            "mirroring information TLV length %u, must be 2",
                            tl);
            mi->has_info = true;
            mi->info_code = wire_get16(p + off + 4);
        }
        off += 4 + (size_t)tl;
    }
    return BMP_ERR_NONE;
}

static enum bmp_err parse_route_mon(struct pctx *c, const uint8_t *p,
                                    size_t len)
{
    struct bmp_msg *m = c->m;

    m->rm.bgp_pdu = bytes_of(p, len);
    m->bgp_err = bgp_update_parse(p, len, m->peer.as4, &m->rm.update,
                                  c->why, sizeof(c->why));
    return m->bgp_err == BGP_ERR_NONE ? BMP_ERR_NONE : BMP_ERR_BGP;
}

/* Adds what a well-formed message carried to the counters. */
static void count_content(struct bmp_counters *k, const struct bmp_msg *m)
{
    const struct bgp_update *u = &m->rm.update;

    if (m->has_peer && m->peer.type > BMP_PEER_LOC_RIB)
        k->peer_type_unknown++;
    switch (m->type) {
    case BMP_MSG_ROUTE_MONITORING:
        k->evpn_reach += u->evpn_reach.n_routes;
        k->evpn_unreach += u->evpn_unreach.n_routes;
        k->evpn_skipped += u->evpn_reach.n_skipped + u->evpn_unreach.n_skipped;
        k->mp_other += u->n_mp_other;
        k->ipv4_withdrawn += u->n_withdrawn_v4;
        k->ipv4_nlri += u->n_nlri_v4;
        k->attrs_unknown += u->n_attrs_unknown;
        k->attrs_dup += u->n_attrs_dup;
        k->ext_comm_other += u->attrs.n_ext_other;
        if (u->eor == BGP_EOR_EVPN)
            k->eor_evpn++;
        else if (u->eor == BGP_EOR_IPV4_UNICAST)
            k->eor_ipv4++;
        else if (u->eor == BGP_EOR_OTHER)
            k->eor_other++;
        break;
    case BMP_MSG_PEER_UP:
        k->tlv_other += m->peer_up.info.n_other;
        break;
    case BMP_MSG_PEER_DOWN:
        k->tlv_other += m->peer_down.info.n_other;
        if (m->peer_down.reason == 0 ||
            m->peer_down.reason > BMP_DOWN_LOCAL_TLV)
            k->peer_down_unknown_reason++;
        break;
    case BMP_MSG_INITIATION:
    case BMP_MSG_TERMINATION:
        k->tlv_other += m->info.n_other;
        break;
    default:
        break;
    }
}

static enum bmp_result finish_error(struct pctx *c, enum bmp_err e,
                                    const char *prefix)
{
    struct bmp_counters *k = &c->ps->c;

    c->m->err = e;
    k->malformed++;
    if ((unsigned int)e < BMP_ERR_NUM)
        k->err[e]++;
    if (e == BMP_ERR_BGP && (unsigned int)c->m->bgp_err < BGP_ERR_NUM)
        k->bgp_err[c->m->bgp_err]++;
    snprintf(c->m->reason, sizeof(c->m->reason), "%s: %s", prefix, c->why);
    return BMP_MSG_ERROR;
}

void bmp_parser_init(struct bmp_parser *ps)
{
    memset(ps, 0, sizeof(*ps));
}

enum bmp_result bmp_parse_msg(struct bmp_parser *ps, const uint8_t *buf,
                              size_t len, struct bmp_msg *m)
{
    struct pctx c = { .ps = ps, .m = m };
    const uint8_t *body;
    size_t blen;
    enum bmp_err e = BMP_ERR_NONE;

    memset(m, 0, sizeof(*m));
    ps->c.msgs++;
    if (len < BMP_COMMON_HDR_LEN)
        return finish_error(&c, fail(&c, BMP_ERR_HEADER,
                                     "%zu bytes, the common header needs %d",
                                     len, BMP_COMMON_HDR_LEN), "bmp");
    m->version = buf[0];
    m->length = wire_get32(buf + 1);
    m->type = buf[5];
    if (m->version != BMP_VERSION)
        return finish_error(&c, fail(&c, BMP_ERR_HEADER,
                                     "version %u, expected %d", m->version,
                                     BMP_VERSION), "bmp");
    if (m->length != len)
        return finish_error(&c, fail(&c, BMP_ERR_HEADER,
                                     "length field %u does not match the "
                                     "%zu bytes given", m->length, len),
                            "bmp");
    if (m->type >= BMP_MSG_TYPE_NUM) {
        ps->c.unknown_type++;
        return BMP_MSG_SKIPPED;
    }
    ps->c.by_type[m->type]++;

    body = buf + BMP_COMMON_HDR_LEN;
    blen = len - BMP_COMMON_HDR_LEN;
    if (has_peer_header(m->type)) {
        e = parse_peer_hdr(&c, body, blen);
        if (e != BMP_ERR_NONE)
            return finish_error(&c, e, bmp_msg_type_name(m->type));
        m->has_peer = true;
        body += BMP_PEER_HDR_LEN;
        blen -= BMP_PEER_HDR_LEN;
    }
    switch (m->type) {
    case BMP_MSG_ROUTE_MONITORING:
        e = parse_route_mon(&c, body, blen);
        break;
    case BMP_MSG_STATS_REPORT:
        e = parse_stats(&c, body, blen);
        break;
    case BMP_MSG_PEER_DOWN:
        e = parse_peer_down(&c, body, blen);
        break;
    case BMP_MSG_PEER_UP:
        e = parse_peer_up(&c, body, blen);
        break;
    case BMP_MSG_INITIATION:
        e = parse_info(&c, body, blen, INFO_INITIATION, &m->info);
        break;
    case BMP_MSG_TERMINATION:
        e = parse_info(&c, body, blen, INFO_TERMINATION, &m->info);
        break;
    case BMP_MSG_ROUTE_MIRRORING:
        e = parse_mirror(&c, body, blen);
        break;
    default:
        break;
    }
    if (e != BMP_ERR_NONE)
        return finish_error(&c, e, bmp_msg_type_name(m->type));
    count_content(&ps->c, m);
    return BMP_MSG_OK;
}
