/* FRR bfdd's distributed-BFD data-plane protocol, version 1: stream framer,
 * decoder and encoder. Layout and behaviour: docs/BFD-DPLANE.md. */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "bfddp_packet.h"
#include "wire.h"

/* Offsets inside a whole message (header included). */
enum {
    OFF_VERSION = 0,
    OFF_ZERO = 1,
    OFF_TYPE = 2,
    OFF_ID = 4,
    OFF_LENGTH = 6,
    OFF_BODY = 8,
    /* ECHO_REQUEST / ECHO_REPLY */
    OFF_ECHO_DP_TIME = 8,
    OFF_ECHO_BFDD_TIME = 16,
    /* DP_ADD_SESSION / DP_DELETE_SESSION */
    OFF_S_FLAGS = 8,
    OFF_S_SRC = 12,
    OFF_S_DST = 28,
    OFF_S_LID = 44,
    OFF_S_MIN_TX = 48,
    OFF_S_MIN_RX = 52,
    OFF_S_MIN_ECHO_TX = 56,
    OFF_S_MIN_ECHO_RX = 60,
    OFF_S_HOLD_TIME = 64,
    OFF_S_TTL = 68,
    OFF_S_DETECT_MULT = 69,
    OFF_S_ZERO = 70,
    OFF_S_IFINDEX = 72,
    OFF_S_IFNAME = 76,
    /* BFD_STATE_CHANGE */
    OFF_SC_LID = 8,
    OFF_SC_RID = 12,
    OFF_SC_REMOTE_FLAGS = 16,
    OFF_SC_DESIRED_TX = 20,
    OFF_SC_REQUIRED_RX = 24,
    OFF_SC_REQUIRED_ECHO_RX = 28,
    OFF_SC_STATE = 32,
    OFF_SC_DIAG = 33,
    OFF_SC_DETECT_MULT = 34,
    /* DP_REQUEST_SESSION_COUNTERS, BFD_SESSION_COUNTERS */
    OFF_C_LID = 8,
    OFF_C_VALUES = 16,          /* after 4 bytes of padding */
};

_Static_assert(OFF_S_IFNAME + BFDDP_IFNAME_LEN == BFDDP_SESSION_LEN,
               "session layout");
_Static_assert(OFF_SC_DETECT_MULT + 2 == BFDDP_STATE_LEN, "state layout");
_Static_assert(OFF_C_VALUES + 8 * 8 == BFDDP_COUNTERS_LEN, "counters layout");
_Static_assert(OFF_C_LID + 4 == BFDDP_COUNTERS_REQ_LEN, "request layout");
_Static_assert(OFF_ECHO_BFDD_TIME + 8 == BFDDP_ECHO_LEN, "echo layout");

static const char *const type_names[BFDDP_TYPE_NUM] = {
    [BFDDP_ECHO_REQUEST] = "ECHO_REQUEST",
    [BFDDP_ECHO_REPLY] = "ECHO_REPLY",
    [BFDDP_ADD_SESSION] = "DP_ADD_SESSION",
    [BFDDP_DELETE_SESSION] = "DP_DELETE_SESSION",
    [BFDDP_STATE_CHANGE] = "BFD_STATE_CHANGE",
    [BFDDP_REQUEST_COUNTERS] = "DP_REQUEST_SESSION_COUNTERS",
    [BFDDP_SESSION_COUNTERS] = "BFD_SESSION_COUNTERS",
};

static const uint16_t type_lens[BFDDP_TYPE_NUM] = {
    [BFDDP_ECHO_REQUEST] = BFDDP_ECHO_LEN,
    [BFDDP_ECHO_REPLY] = BFDDP_ECHO_LEN,
    [BFDDP_ADD_SESSION] = BFDDP_SESSION_LEN,
    [BFDDP_DELETE_SESSION] = BFDDP_SESSION_LEN,
    [BFDDP_STATE_CHANGE] = BFDDP_STATE_LEN,
    [BFDDP_REQUEST_COUNTERS] = BFDDP_COUNTERS_REQ_LEN,
    [BFDDP_SESSION_COUNTERS] = BFDDP_COUNTERS_LEN,
};

static const char *const err_names[BFDDP_ERR_NUM] = {
    [BFDDP_ERR_NONE] = "none",
    [BFDDP_ERR_VERSION] = "version",
    [BFDDP_ERR_LENGTH_SHORT] = "length_short",
    [BFDDP_ERR_LENGTH_LONG] = "length_long",
    [BFDDP_ERR_TRUNCATED] = "truncated",
    [BFDDP_ERR_TRAILING] = "trailing",
    [BFDDP_ERR_TYPE] = "type",
    [BFDDP_ERR_TYPE_LENGTH] = "type_length",
    [BFDDP_ERR_LID] = "lid_zero",
    [BFDDP_ERR_FLAGS] = "flags",
    [BFDDP_ERR_ADDR] = "address",
    [BFDDP_ERR_IFNAME] = "ifname",
    [BFDDP_ERR_DETECT_MULT] = "detect_mult_zero",
    [BFDDP_ERR_INTERVAL] = "interval",
    [BFDDP_ERR_TTL] = "ttl_zero",
    [BFDDP_ERR_STATE] = "state",
    [BFDDP_ERR_DIAG] = "diag",
    [BFDDP_ERR_NOSPC] = "no_space",
};

const char *bfddp_type_name(uint16_t type)
{
    return type < BFDDP_TYPE_NUM ? type_names[type] : "UNKNOWN";
}

size_t bfddp_type_len(uint16_t type)
{
    return type < BFDDP_TYPE_NUM ? type_lens[type] : 0;
}

const char *bfddp_err_name(enum bfddp_err e)
{
    return (unsigned int)e < BFDDP_ERR_NUM ? err_names[e] : "?";
}

/* Records code and reason in *err (may be NULL); returns rc. */
__attribute__((format(printf, 4, 5)))
static int fail(struct bfddp_error *err, int rc, enum bfddp_err code,
                const char *fmt, ...)
{
    va_list ap;

    if (err == NULL)
        return rc;
    err->code = code;
    va_start(ap, fmt);
    vsnprintf(err->detail, sizeof(err->detail), fmt, ap);
    va_end(ap);
    return rc;
}

static void ok(struct bfddp_error *err)
{
    if (err != NULL) {
        err->code = BFDDP_ERR_NONE;
        err->detail[0] = '\0';
    }
}

/* ---- framing ------------------------------------------------------------- */

enum bfddp_frame bfddp_frame_check(const uint8_t *p, size_t avail,
                                   size_t max_len, size_t *msg_len,
                                   struct bfddp_error *err)
{
    size_t len;

    *msg_len = 0;
    if (avail == 0)
        return BFDDP_FRAME_NEED_MORE;
    if (p[OFF_VERSION] != BFDDP_VERSION) {
        fail(err, 0, BFDDP_ERR_VERSION, "data-plane protocol version %u, "
             "expected %d", p[OFF_VERSION], BFDDP_VERSION);
        return BFDDP_FRAME_FATAL;
    }
    if (avail < BFDDP_HDR_LEN)
        return BFDDP_FRAME_NEED_MORE;
    len = wire_get16(p + OFF_LENGTH);
    if (len < BFDDP_HDR_LEN) {
        fail(err, 0, BFDDP_ERR_LENGTH_SHORT, "%s: length %zu is below the "
             "%d-byte header", bfddp_type_name(wire_get16(p + OFF_TYPE)), len,
             BFDDP_HDR_LEN);
        return BFDDP_FRAME_FATAL;
    }
    if (len > max_len) {
        fail(err, 0, BFDDP_ERR_LENGTH_LONG, "%s: length %zu exceeds the "
             "maximum %zu", bfddp_type_name(wire_get16(p + OFF_TYPE)), len,
             max_len);
        return BFDDP_FRAME_FATAL;
    }
    if (avail < len)
        return BFDDP_FRAME_NEED_MORE;
    *msg_len = len;
    ok(err);
    return BFDDP_FRAME_OK;
}

void bfddp_stream_init(struct bfddp_stream *s, uint8_t *buf, size_t cap)
{
    memset(s, 0, sizeof(*s));
    s->buf = buf;
    s->cap = buf != NULL ? cap : 0;
    s->max_msg = s->cap < BFDDP_MAX_MSG_LEN ? s->cap : BFDDP_MAX_MSG_LEN;
}

uint8_t *bfddp_stream_space(struct bfddp_stream *s, size_t *room)
{
    if (s->head > 0) {
        if (s->tail > s->head)
            memmove(s->buf, s->buf + s->head, s->tail - s->head);
        s->tail -= s->head;
        s->head = 0;
    }
    *room = s->cap - s->tail;
    return s->buf != NULL ? s->buf + s->tail : NULL;
}

void bfddp_stream_commit(struct bfddp_stream *s, size_t n)
{
    if (n > s->cap - s->tail)
        n = s->cap - s->tail;
    s->tail += n;
    s->bytes_in += n;
}

size_t bfddp_stream_append(struct bfddp_stream *s, const uint8_t *data,
                           size_t n)
{
    size_t room;
    uint8_t *dst = bfddp_stream_space(s, &room);

    if (n > room)
        n = room;
    if (n > 0) {
        memcpy(dst, data, n);
        bfddp_stream_commit(s, n);
    }
    return n;
}

enum bfddp_frame bfddp_stream_next(struct bfddp_stream *s,
                                   const uint8_t **msg, size_t *msg_len)
{
    enum bfddp_frame st;
    size_t n;

    *msg = NULL;
    *msg_len = 0;
    if (s->fatal)
        return BFDDP_FRAME_FATAL;
    if (s->buf == NULL)
        return BFDDP_FRAME_NEED_MORE;
    st = bfddp_frame_check(s->buf + s->head, s->tail - s->head, s->max_msg,
                           &n, &s->err);
    if (st == BFDDP_FRAME_FATAL)
        s->fatal = true;
    if (st != BFDDP_FRAME_OK)
        return st;
    *msg = s->buf + s->head;
    *msg_len = n;
    s->head += n;
    s->frames++;
    return BFDDP_FRAME_OK;
}

/* ---- field checks shared by decode and encode ---------------------------- */

static bool all_zero(const uint8_t *p, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        if (p[i] != 0)
            return false;
    return true;
}

static bool ifname_terminated(const char *name)
{
    return memchr(name, '\0', BFDDP_IFNAME_LEN) != NULL;
}

static int check_session(uint16_t type, const struct bfddp_session *s,
                         struct bfddp_error *err)
{
    const char *t = bfddp_type_name(type);
    bool v6 = (s->flags & BFDDP_SF_IPV6) != 0;

    if (s->lid == 0)
        return fail(err, -EBADMSG, BFDDP_ERR_LID, "%s: local discriminator 0",
                    t);
    if (!ifname_terminated(s->ifname))
        return fail(err, -EBADMSG, BFDDP_ERR_IFNAME, "%s lid %" PRIu32
                    ": interface name not NUL-terminated in %d bytes", t,
                    s->lid, BFDDP_IFNAME_LEN);
    if (type == BFDDP_DELETE_SESSION)
        return 0;   /* the lid is all a delete needs */
    if ((s->flags & ~BFDDP_SF_ALL) != 0)
        return fail(err, -EBADMSG, BFDDP_ERR_FLAGS, "%s lid %" PRIu32
                    ": undefined session flags 0x%08" PRIx32, t, s->lid,
                    s->flags & ~BFDDP_SF_ALL);
    if (!v6 && (!all_zero(s->src + 4, 12) || !all_zero(s->dst + 4, 12)))
        return fail(err, -EBADMSG, BFDDP_ERR_ADDR, "%s lid %" PRIu32
                    ": IPv4 address with nonzero bytes 4-15", t, s->lid);
    if (all_zero(s->dst, v6 ? 16 : 4))
        return fail(err, -EBADMSG, BFDDP_ERR_ADDR, "%s lid %" PRIu32
                    ": no peer address", t, s->lid);
    if (s->detect_mult == 0)
        return fail(err, -EBADMSG, BFDDP_ERR_DETECT_MULT, "%s lid %" PRIu32
                    ": detect multiplier 0", t, s->lid);
    if (s->min_tx_us == 0)
        return fail(err, -EBADMSG, BFDDP_ERR_INTERVAL, "%s lid %" PRIu32
                    ": desired min TX interval 0", t, s->lid);
    if (s->ttl == 0)
        return fail(err, -EBADMSG, BFDDP_ERR_TTL, "%s lid %" PRIu32
                    ": TTL 0", t, s->lid);
    return 0;
}

static int check_state(const struct bfddp_state_change *sc,
                       struct bfddp_error *err)
{
    const char *t = bfddp_type_name(BFDDP_STATE_CHANGE);

    if (sc->lid == 0)
        return fail(err, -EBADMSG, BFDDP_ERR_LID, "%s: local discriminator 0",
                    t);
    if (sc->state > BFDDP_STATE_MAX)
        return fail(err, -EBADMSG, BFDDP_ERR_STATE, "%s lid %" PRIu32
                    ": state %u (0-%d)", t, sc->lid, sc->state,
                    BFDDP_STATE_MAX);
    if (sc->diag > BFDDP_DIAG_MAX)
        return fail(err, -EBADMSG, BFDDP_ERR_DIAG, "%s lid %" PRIu32
                    ": diag %u (0-%d)", t, sc->lid, sc->diag, BFDDP_DIAG_MAX);
    if ((sc->remote_flags & ~BFDDP_RF_ALL) != 0)
        return fail(err, -EBADMSG, BFDDP_ERR_FLAGS, "%s lid %" PRIu32
                    ": undefined remote flags 0x%08" PRIx32, t, sc->lid,
                    sc->remote_flags & ~BFDDP_RF_ALL);
    return 0;
}

/* ---- decode -------------------------------------------------------------- */

static void decode_session(const uint8_t *p, struct bfddp_session *s)
{
    s->flags = wire_get32(p + OFF_S_FLAGS);
    memcpy(s->src, p + OFF_S_SRC, sizeof(s->src));
    memcpy(s->dst, p + OFF_S_DST, sizeof(s->dst));
    s->lid = wire_get32(p + OFF_S_LID);
    s->min_tx_us = wire_get32(p + OFF_S_MIN_TX);
    s->min_rx_us = wire_get32(p + OFF_S_MIN_RX);
    s->min_echo_tx_us = wire_get32(p + OFF_S_MIN_ECHO_TX);
    s->min_echo_rx_us = wire_get32(p + OFF_S_MIN_ECHO_RX);
    s->hold_time_ms = wire_get32(p + OFF_S_HOLD_TIME);
    s->ttl = p[OFF_S_TTL];
    s->detect_mult = p[OFF_S_DETECT_MULT];
    s->ifindex = wire_get32(p + OFF_S_IFINDEX);
    /* up to the NUL only: the bytes after it are not part of the name
     * (s was zeroed); no NUL at all is kept whole for check_session() */
    memcpy(s->ifname, p + OFF_S_IFNAME,
           strnlen((const char *)p + OFF_S_IFNAME, BFDDP_IFNAME_LEN));
}

static void decode_state(const uint8_t *p, struct bfddp_state_change *sc)
{
    sc->lid = wire_get32(p + OFF_SC_LID);
    sc->rid = wire_get32(p + OFF_SC_RID);
    sc->remote_flags = wire_get32(p + OFF_SC_REMOTE_FLAGS);
    sc->desired_tx_us = wire_get32(p + OFF_SC_DESIRED_TX);
    sc->required_rx_us = wire_get32(p + OFF_SC_REQUIRED_RX);
    sc->required_echo_rx_us = wire_get32(p + OFF_SC_REQUIRED_ECHO_RX);
    sc->state = p[OFF_SC_STATE];
    sc->diag = p[OFF_SC_DIAG];
    sc->detect_mult = p[OFF_SC_DETECT_MULT];
}

static void decode_counters(const uint8_t *p, struct bfddp_counters *c)
{
    const uint8_t *v = p + OFF_C_VALUES;

    c->lid = wire_get32(p + OFF_C_LID);
    c->control_in_bytes = wire_get64(v);
    c->control_in_packets = wire_get64(v + 8);
    c->control_out_bytes = wire_get64(v + 16);
    c->control_out_packets = wire_get64(v + 24);
    c->echo_in_bytes = wire_get64(v + 32);
    c->echo_in_packets = wire_get64(v + 40);
    c->echo_out_bytes = wire_get64(v + 48);
    c->echo_out_packets = wire_get64(v + 56);
}

int bfddp_decode(const uint8_t *p, size_t len, struct bfddp_msg *m,
                 struct bfddp_error *err)
{
    struct bfddp_hdr *h = &m->hdr;
    const char *t;
    size_t want;
    int rc;

    memset(m, 0, sizeof(*m));
    ok(err);
    if (p == NULL || len < BFDDP_HDR_LEN)
        return fail(err, -EBADMSG, BFDDP_ERR_TRUNCATED, "%zu bytes, shorter "
                    "than the %d-byte header", p == NULL ? 0 : len,
                    BFDDP_HDR_LEN);
    h->version = p[OFF_VERSION];
    h->type = wire_get16(p + OFF_TYPE);
    h->id = wire_get16(p + OFF_ID);
    h->length = wire_get16(p + OFF_LENGTH);
    t = bfddp_type_name(h->type);
    if (h->version != BFDDP_VERSION)
        return fail(err, -EPROTONOSUPPORT, BFDDP_ERR_VERSION, "%s: protocol "
                    "version %u, expected %d", t, h->version, BFDDP_VERSION);
    if (h->length < BFDDP_HDR_LEN)
        return fail(err, -EBADMSG, BFDDP_ERR_LENGTH_SHORT, "%s: length %u is "
                    "below the %d-byte header", t, h->length, BFDDP_HDR_LEN);
    if (h->length > BFDDP_MAX_MSG_LEN)
        return fail(err, -EBADMSG, BFDDP_ERR_LENGTH_LONG, "%s: length %u "
                    "exceeds the maximum %d", t, h->length, BFDDP_MAX_MSG_LEN);
    if (len < h->length)
        return fail(err, -EBADMSG, BFDDP_ERR_TRUNCATED, "%s: length %u but "
                    "only %zu bytes", t, h->length, len);
    if (len > h->length)
        return fail(err, -EBADMSG, BFDDP_ERR_TRAILING, "%s: length %u but "
                    "%zu bytes", t, h->length, len);
    want = bfddp_type_len(h->type);
    if (want == 0)
        return fail(err, -ENOMSG, BFDDP_ERR_TYPE, "unknown message type %u "
                    "(length %u)", h->type, h->length);
    if (h->length != want)
        return fail(err, -EBADMSG, BFDDP_ERR_TYPE_LENGTH, "%s: length %u, "
                    "expected %zu", t, h->length, want);

    switch ((enum bfddp_type)h->type) {
    case BFDDP_ECHO_REQUEST:
    case BFDDP_ECHO_REPLY:
        m->u.echo.dp_time = wire_get64(p + OFF_ECHO_DP_TIME);
        m->u.echo.bfdd_time = wire_get64(p + OFF_ECHO_BFDD_TIME);
        return 0;
    case BFDDP_ADD_SESSION:
    case BFDDP_DELETE_SESSION:
        decode_session(p, &m->u.session);
        rc = check_session(h->type, &m->u.session, err);
        return rc;
    case BFDDP_STATE_CHANGE:
        decode_state(p, &m->u.state);
        return check_state(&m->u.state, err);
    case BFDDP_REQUEST_COUNTERS:
        /* no check: every request must be answered, or bfdd blocks */
        m->u.counters_req.lid = wire_get32(p + OFF_C_LID);
        return 0;
    case BFDDP_SESSION_COUNTERS:
        decode_counters(p, &m->u.counters);
        return 0;
    case BFDDP_TYPE_NUM:
        break;
    }
    return fail(err, -ENOMSG, BFDDP_ERR_TYPE, "unknown message type %u",
                h->type);
}

/* ---- encode -------------------------------------------------------------- */

static void encode_session(uint8_t *p, const struct bfddp_session *s)
{
    wire_put32(p + OFF_S_FLAGS, s->flags);
    memcpy(p + OFF_S_SRC, s->src, sizeof(s->src));
    memcpy(p + OFF_S_DST, s->dst, sizeof(s->dst));
    wire_put32(p + OFF_S_LID, s->lid);
    wire_put32(p + OFF_S_MIN_TX, s->min_tx_us);
    wire_put32(p + OFF_S_MIN_RX, s->min_rx_us);
    wire_put32(p + OFF_S_MIN_ECHO_TX, s->min_echo_tx_us);
    wire_put32(p + OFF_S_MIN_ECHO_RX, s->min_echo_rx_us);
    wire_put32(p + OFF_S_HOLD_TIME, s->hold_time_ms);
    p[OFF_S_TTL] = s->ttl;
    p[OFF_S_DETECT_MULT] = s->detect_mult;
    wire_put32(p + OFF_S_IFINDEX, s->ifindex);
    /* the name up to its NUL; the rest of the field stays zero */
    memcpy(p + OFF_S_IFNAME, s->ifname, strnlen(s->ifname, BFDDP_IFNAME_LEN));
}

static void encode_state(uint8_t *p, const struct bfddp_state_change *sc)
{
    wire_put32(p + OFF_SC_LID, sc->lid);
    wire_put32(p + OFF_SC_RID, sc->rid);
    wire_put32(p + OFF_SC_REMOTE_FLAGS, sc->remote_flags);
    wire_put32(p + OFF_SC_DESIRED_TX, sc->desired_tx_us);
    wire_put32(p + OFF_SC_REQUIRED_RX, sc->required_rx_us);
    wire_put32(p + OFF_SC_REQUIRED_ECHO_RX, sc->required_echo_rx_us);
    p[OFF_SC_STATE] = sc->state;
    p[OFF_SC_DIAG] = sc->diag;
    p[OFF_SC_DETECT_MULT] = sc->detect_mult;
}

static void encode_counters(uint8_t *p, const struct bfddp_counters *c)
{
    uint8_t *v = p + OFF_C_VALUES;

    wire_put32(p + OFF_C_LID, c->lid);
    wire_put64(v, c->control_in_bytes);
    wire_put64(v + 8, c->control_in_packets);
    wire_put64(v + 16, c->control_out_bytes);
    wire_put64(v + 24, c->control_out_packets);
    wire_put64(v + 32, c->echo_in_bytes);
    wire_put64(v + 40, c->echo_in_packets);
    wire_put64(v + 48, c->echo_out_bytes);
    wire_put64(v + 56, c->echo_out_packets);
}

int bfddp_encode(const struct bfddp_msg *m, uint8_t *buf, size_t cap,
                 struct bfddp_error *err)
{
    uint16_t type = m->hdr.type;
    size_t len = bfddp_type_len(type);
    int rc = 0;

    ok(err);
    if (len == 0)
        return fail(err, -EINVAL, BFDDP_ERR_TYPE, "cannot encode message "
                    "type %u", type);
    if (type == BFDDP_ADD_SESSION || type == BFDDP_DELETE_SESSION)
        rc = check_session(type, &m->u.session, err);
    else if (type == BFDDP_STATE_CHANGE)
        rc = check_state(&m->u.state, err);
    if (rc != 0)
        return -EINVAL;
    if (buf == NULL || cap < len)
        return fail(err, -ENOSPC, BFDDP_ERR_NOSPC, "%s needs %zu bytes, "
                    "buffer has %zu", bfddp_type_name(type), len,
                    buf == NULL ? 0 : cap);

    memset(buf, 0, len);
    buf[OFF_VERSION] = BFDDP_VERSION;
    buf[OFF_ZERO] = 0;
    wire_put16(buf + OFF_TYPE, type);
    wire_put16(buf + OFF_ID, m->hdr.id);
    wire_put16(buf + OFF_LENGTH, (uint16_t)len);
    switch ((enum bfddp_type)type) {
    case BFDDP_ECHO_REQUEST:
    case BFDDP_ECHO_REPLY:
        wire_put64(buf + OFF_ECHO_DP_TIME, m->u.echo.dp_time);
        wire_put64(buf + OFF_ECHO_BFDD_TIME, m->u.echo.bfdd_time);
        break;
    case BFDDP_ADD_SESSION:
    case BFDDP_DELETE_SESSION:
        encode_session(buf, &m->u.session);
        break;
    case BFDDP_STATE_CHANGE:
        encode_state(buf, &m->u.state);
        break;
    case BFDDP_REQUEST_COUNTERS:
        wire_put32(buf + OFF_C_LID, m->u.counters_req.lid);
        break;
    case BFDDP_SESSION_COUNTERS:
        encode_counters(buf, &m->u.counters);
        break;
    case BFDDP_TYPE_NUM:
        break;
    }
    return (int)len;
}

/* ---- formatting ---------------------------------------------------------- */

static void format_addr(const uint8_t a[16], bool v6, char *out, size_t cap)
{
    if (inet_ntop(v6 ? AF_INET6 : AF_INET, a, out, (socklen_t)cap) == NULL)
        snprintf(out, cap, "?");
}

static const char *const state_names[] = { "AdminDown", "Down", "Init", "Up" };

int bfddp_format(const struct bfddp_msg *m, char *buf, size_t cap)
{
    const struct bfddp_session *s = &m->u.session;
    const struct bfddp_state_change *sc = &m->u.state;
    const struct bfddp_counters *c = &m->u.counters;
    const char *t = bfddp_type_name(m->hdr.type);
    char src[INET6_ADDRSTRLEN], dst[INET6_ADDRSTRLEN];
    bool v6;

    if (cap == 0)
        return 0;
    switch (m->hdr.type) {
    case BFDDP_ECHO_REQUEST:
    case BFDDP_ECHO_REPLY:
        return snprintf(buf, cap, "%s id %u dp_time %" PRIu64 " bfdd_time %"
                        PRIu64, t, m->hdr.id, m->u.echo.dp_time,
                        m->u.echo.bfdd_time);
    case BFDDP_ADD_SESSION:
    case BFDDP_DELETE_SESSION:
        v6 = (s->flags & BFDDP_SF_IPV6) != 0;
        format_addr(s->src, v6, src, sizeof(src));
        format_addr(s->dst, v6, dst, sizeof(dst));
        return snprintf(buf, cap, "%s id %u lid %" PRIu32 " %s -> %s if "
                        "%.*s(%" PRIu32 ") flags 0x%02" PRIx32 " tx %" PRIu32
                        " rx %" PRIu32 " echo tx %" PRIu32 " rx %" PRIu32
                        " mult %u ttl %u hold %" PRIu32, t, m->hdr.id, s->lid,
                        src, dst, BFDDP_IFNAME_LEN - 1,
                        s->ifname[0] != '\0' ? s->ifname : "-", s->ifindex,
                        s->flags, s->min_tx_us, s->min_rx_us,
                        s->min_echo_tx_us, s->min_echo_rx_us, s->detect_mult,
                        s->ttl, s->hold_time_ms);
    case BFDDP_STATE_CHANGE:
        return snprintf(buf, cap, "%s id %u lid %" PRIu32 " rid %" PRIu32
                        " %s diag %u remote flags 0x%" PRIx32 " tx %" PRIu32
                        " rx %" PRIu32 " echo rx %" PRIu32 " mult %u", t,
                        m->hdr.id, sc->lid, sc->rid,
                        sc->state <= BFDDP_STATE_MAX ? state_names[sc->state]
                                                     : "?",
                        sc->diag, sc->remote_flags, sc->desired_tx_us,
                        sc->required_rx_us, sc->required_echo_rx_us,
                        sc->detect_mult);
    case BFDDP_REQUEST_COUNTERS:
        return snprintf(buf, cap, "%s id %u lid %" PRIu32, t, m->hdr.id,
                        m->u.counters_req.lid);
    case BFDDP_SESSION_COUNTERS:
        return snprintf(buf, cap, "%s id %u lid %" PRIu32 " control in %"
                        PRIu64 "/%" PRIu64 " out %" PRIu64 "/%" PRIu64
                        " echo in %" PRIu64 "/%" PRIu64 " out %" PRIu64 "/%"
                        PRIu64 " (packets/bytes)", t, m->hdr.id, c->lid,
                        c->control_in_packets, c->control_in_bytes,
                        c->control_out_packets, c->control_out_bytes,
                        c->echo_in_packets, c->echo_in_bytes,
                        c->echo_out_packets, c->echo_out_bytes);
    default:
        return snprintf(buf, cap, "%s type %u id %u length %u", t,
                        m->hdr.type, m->hdr.id, m->hdr.length);
    }
}
