/* FRR bfdd's distributed-BFD data-plane protocol ("BFDDP", bfdd
 * --dplaneaddr), version 1, as FRR 8.4 speaks it. Codec only: no I/O.
 *
 * Every message is an 8-byte header (version 1, a zero byte, type, id and
 * total length, 16-bit fields in network order) and a fixed-size body whose
 * size depends on the type (see docs/BFD-DPLANE.md). Two layers:
 *  - struct bfddp_stream: the socket reader appends bytes;
 *    bfddp_stream_next() hands out complete messages, says "need more", or
 *    goes fatal (sticky) on a bad version or a length < 8 or > the maximum.
 *    After a fatal error the connection must be closed: the byte stream
 *    cannot be resynchronised.
 *  - bfddp_decode() turns one complete message into a struct bfddp_msg in
 *    host byte order, checking every length and field; bfddp_encode() does
 *    the reverse for every type and refuses values bfdd cannot take.
 *
 * A rejected message gets a struct bfddp_error: a stable reason code (for
 * counters, bfddp_err_name()) and a sentence with the numbers.
 *
 * Pure functions over caller memory: no allocation, no global state, no
 * DPDK. Safe on hostile input: every read is bounds-checked.
 */
#ifndef VTEPD_BFDDP_PACKET_H
#define VTEPD_BFDDP_PACKET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define BFDDP_VERSION           1
#define BFDDP_HDR_LEN           8
/* bfdd's own buffers are 8 KiB: no frame can be longer. */
#define BFDDP_MAX_MSG_LEN       8192
#define BFDDP_DEFAULT_PORT      50700   /* ipv4:/ipv6: without a port */
#define BFDDP_IFNAME_LEN        64      /* with the terminating NUL */
#define BFDDP_DETAIL_LEN        112

/* Total message lengths (header included) of each type. */
#define BFDDP_ECHO_LEN          24
#define BFDDP_SESSION_LEN       140
#define BFDDP_STATE_LEN         36      /* 27 bytes of fields, 1 of padding */
#define BFDDP_COUNTERS_REQ_LEN  12
#define BFDDP_COUNTERS_LEN      80      /* lid, 4 bytes of padding, 8 x u64 */

enum bfddp_type {
    BFDDP_ECHO_REQUEST = 0,         /* data plane -> bfdd: time probe */
    BFDDP_ECHO_REPLY = 1,           /* bfdd -> data plane: the answer */
    BFDDP_ADD_SESSION = 2,          /* bfdd -> data plane: add or update */
    BFDDP_DELETE_SESSION = 3,       /* bfdd -> data plane */
    BFDDP_STATE_CHANGE = 4,         /* data plane -> bfdd */
    BFDDP_REQUEST_COUNTERS = 5,     /* bfdd -> data plane, id != 0 */
    BFDDP_SESSION_COUNTERS = 6,     /* data plane -> bfdd, same id */
    BFDDP_TYPE_NUM
};

/* struct bfddp_session.flags */
#define BFDDP_SF_MULTIHOP       0x01u
#define BFDDP_SF_DEMAND         0x02u
#define BFDDP_SF_CBIT           0x04u
#define BFDDP_SF_ECHO           0x08u
#define BFDDP_SF_IPV6           0x10u
#define BFDDP_SF_PASSIVE        0x20u
#define BFDDP_SF_SHUTDOWN       0x40u
#define BFDDP_SF_ALL            0x7fu

/* struct bfddp_state_change.remote_flags */
#define BFDDP_RF_CPI            0x01u
#define BFDDP_RF_DEMAND         0x02u
#define BFDDP_RF_MP             0x04u
#define BFDDP_RF_ALL            0x07u

/* Largest state (Up, 3) and diag (Reverse Concatenated Path Down, 8) the
 * encoder sends: bfdd indexes tables with them without a range check. */
#define BFDDP_STATE_MAX         3
#define BFDDP_DIAG_MAX          8

/* Why a frame or message was rejected. Names (bfddp_err_name) are short
 * stable keys for counters. */
enum bfddp_err {
    BFDDP_ERR_NONE = 0,
    BFDDP_ERR_VERSION,          /* "version": header version is not 1 */
    BFDDP_ERR_LENGTH_SHORT,     /* "length_short": header length < 8 */
    BFDDP_ERR_LENGTH_LONG,      /* "length_long": longer than the maximum */
    BFDDP_ERR_TRUNCATED,        /* "truncated": fewer bytes than the length */
    BFDDP_ERR_TRAILING,         /* "trailing": more bytes than the length */
    BFDDP_ERR_TYPE,             /* "type": unknown message type */
    BFDDP_ERR_TYPE_LENGTH,      /* "type_length": wrong size for the type */
    BFDDP_ERR_LID,              /* "lid_zero": local discriminator 0 */
    BFDDP_ERR_FLAGS,            /* "flags": undefined flag bits */
    BFDDP_ERR_ADDR,             /* "address": no peer, or IPv4 padding */
    BFDDP_ERR_IFNAME,           /* "ifname": not NUL-terminated */
    BFDDP_ERR_DETECT_MULT,      /* "detect_mult_zero" */
    BFDDP_ERR_INTERVAL,         /* "interval": desired min TX 0 */
    BFDDP_ERR_TTL,              /* "ttl_zero" */
    BFDDP_ERR_STATE,            /* "state": > 3 */
    BFDDP_ERR_DIAG,             /* "diag": > 8 */
    BFDDP_ERR_NOSPC,            /* "no_space": output buffer too small */
    BFDDP_ERR_NUM
};

struct bfddp_error {
    enum bfddp_err code;
    char detail[BFDDP_DETAIL_LEN];  /* "DP_ADD_SESSION: detect multiplier 0" */
};

struct bfddp_hdr {
    uint8_t version;            /* decode: always BFDDP_VERSION */
    uint16_t type;              /* enum bfddp_type */
    uint16_t id;                /* 0: unsolicited; else pairs request/reply */
    uint16_t length;            /* decode: total length; encode: ignored */
};

/* ECHO_REQUEST / ECHO_REPLY. bfdd answers a request at once with the same
 * dp_time and its gettimeofday() in microseconds as bfdd_time. */
struct bfddp_echo {
    uint64_t dp_time;
    uint64_t bfdd_time;
};

/* DP_ADD_SESSION / DP_DELETE_SESSION. Addresses stay in network order, as
 * on the wire: IPv6 uses all 16 bytes, IPv4 the first 4 (the other 12 are
 * zero). src is all-zero when bfdd has no local address. Intervals are
 * microseconds; hold_time (milliseconds) is 0 in FRR 8.4. */
struct bfddp_session {
    uint32_t flags;             /* BFDDP_SF_* */
    uint8_t src[16];
    uint8_t dst[16];
    uint32_t lid;               /* bfdd's discriminator: the session's key */
    uint32_t min_tx_us;
    uint32_t min_rx_us;
    uint32_t min_echo_tx_us;
    uint32_t min_echo_rx_us;
    uint32_t hold_time_ms;
    uint8_t ttl;                /* 255 single hop; minimum TTL for multihop */
    uint8_t detect_mult;
    uint32_t ifindex;           /* bfdd's namespace; 0 when unbound */
    char ifname[BFDDP_IFNAME_LEN];  /* NUL-terminated, "" when unbound */
};

/* BFD_STATE_CHANGE: the data plane's local state for session lid, with
 * what it knows of the remote. */
struct bfddp_state_change {
    uint32_t lid;
    uint32_t rid;               /* remote discriminator */
    uint32_t remote_flags;      /* BFDDP_RF_* */
    uint32_t desired_tx_us;     /* remote Desired Min TX */
    uint32_t required_rx_us;    /* remote Required Min RX */
    uint32_t required_echo_rx_us;
    uint8_t state;              /* local state: 0 AdminDown .. 3 Up */
    uint8_t diag;               /* local diag (shown by bfdd as remote diag) */
    uint8_t detect_mult;        /* remote Detect Mult */
};

/* DP_REQUEST_SESSION_COUNTERS */
struct bfddp_counters_req {
    uint32_t lid;
};

/* BFD_SESSION_COUNTERS (sent with the request's id) */
struct bfddp_counters {
    uint32_t lid;
    uint64_t control_in_bytes;
    uint64_t control_in_packets;
    uint64_t control_out_bytes;
    uint64_t control_out_packets;
    uint64_t echo_in_bytes;
    uint64_t echo_in_packets;
    uint64_t echo_out_bytes;
    uint64_t echo_out_packets;
};

struct bfddp_msg {
    struct bfddp_hdr hdr;
    union {
        struct bfddp_echo echo;             /* ECHO_REQUEST, ECHO_REPLY */
        struct bfddp_session session;       /* ADD_SESSION, DELETE_SESSION */
        struct bfddp_state_change state;    /* STATE_CHANGE */
        struct bfddp_counters_req counters_req;
        struct bfddp_counters counters;     /* SESSION_COUNTERS */
    } u;
};

/* ---- framing ----------------------------------------------------------- */

enum bfddp_frame {
    BFDDP_FRAME_OK = 0,         /* a whole message is there */
    BFDDP_FRAME_NEED_MORE,      /* header or body incomplete */
    BFDDP_FRAME_FATAL,          /* bad version or length: close */
};

/* Receive buffer plus framing state. Buffer memory is the caller's. */
struct bfddp_stream {
    uint8_t *buf;
    size_t cap;
    size_t head;                /* first unconsumed byte */
    size_t tail;                /* end of received bytes */
    size_t max_msg;             /* min(cap, BFDDP_MAX_MSG_LEN) */
    bool fatal;                 /* sticky until bfddp_stream_init() */
    struct bfddp_error err;     /* why it went fatal */
    uint64_t bytes_in;
    uint64_t frames;
};

/* Looks at the bytes p[0..avail-1]: BFDDP_FRAME_OK with the message length
 * in *msg_len when a whole message of at most max_len bytes is there,
 * NEED_MORE when the header or body is incomplete, FATAL (reason in *err,
 * which may be NULL) when the version is not 1 (known from the first byte)
 * or the length is < 8 or > max_len (known from the first 8 bytes). */
enum bfddp_frame bfddp_frame_check(const uint8_t *p, size_t avail,
                                   size_t max_len, size_t *msg_len,
                                   struct bfddp_error *err);

/* Sets up a stream over buf[0..cap-1]; frames longer than
 * min(cap, BFDDP_MAX_MSG_LEN) are fatal. cap >= BFDDP_SESSION_LEN is needed
 * for bfdd's largest v1 message; cap >= BFDDP_MAX_MSG_LEN accepts anything
 * bfdd could buffer. Resets state and counters. */
void bfddp_stream_init(struct bfddp_stream *s, uint8_t *buf, size_t cap);

/* Where the socket may write and how much fits (*room), after moving
 * unconsumed bytes to the start of the buffer. Invalidates messages handed
 * out earlier. *room is 0 only when the buffer is full: take frames with
 * bfddp_stream_next() first (if none comes out, the stream is fatal). */
uint8_t *bfddp_stream_space(struct bfddp_stream *s, size_t *room);

/* Records that n bytes were written at bfddp_stream_space() (n larger than
 * the room given is clamped). */
void bfddp_stream_commit(struct bfddp_stream *s, size_t n);

/* Copies up to n bytes into the stream; returns how many were taken (fewer
 * than n only when the buffer is full). Invalidates earlier messages. */
size_t bfddp_stream_append(struct bfddp_stream *s, const uint8_t *data,
                           size_t n);

/* The next complete message: BFDDP_FRAME_OK with *msg and *msg_len (valid until
 * the next append/space call), NEED_MORE, or FATAL (sticky; s->err). */
enum bfddp_frame bfddp_stream_next(struct bfddp_stream *s,
                                   const uint8_t **msg, size_t *msg_len);

/* ---- messages ---------------------------------------------------------- */

/* Decodes one message p[0..len-1] (exactly one: len must equal the header
 * length) into *m in host order. Returns 0; -EPROTONOSUPPORT (version),
 * -ENOMSG (unknown type: the caller may skip it, as bfdd does), or
 * -EBADMSG (anything else), with the reason in *err (may be NULL). Padding
 * and reserved bytes are ignored. For DP_DELETE_SESSION only the framing,
 * the lid and the ifname's terminator are checked. */
int bfddp_decode(const uint8_t *p, size_t len, struct bfddp_msg *m,
                 struct bfddp_error *err);

/* Encodes *m (type and id from m->hdr; version and length are set here)
 * into buf[0..cap-1], padding and reserved bytes zero. Returns the length
 * written; -ENOSPC when cap is too small; -EINVAL for a value bfdd must not
 * get (unknown type, lid 0, state > 3, diag > 8, undefined flags, and for
 * sessions what bfddp_decode() would refuse). */
int bfddp_encode(const struct bfddp_msg *m, uint8_t *buf, size_t cap,
                 struct bfddp_error *err);

/* Total message length of a type (header included), 0 when unknown. */
size_t bfddp_type_len(uint16_t type);

/* "DP_ADD_SESSION", ... as in FRR's debug log; "UNKNOWN" otherwise. */
const char *bfddp_type_name(uint16_t type);

/* Counter key of an error code ("version", ...); "?" when out of range. */
const char *bfddp_err_name(enum bfddp_err e);

/* One-line description of a decoded message for logs, e.g.
 * "DP_ADD_SESSION id 0 lid 1750627298 192.0.2.1 -> 192.0.2.3 if eth0 ...".
 * Always NUL-terminates (cap > 0); returns what snprintf would. */
int bfddp_format(const struct bfddp_msg *m, char *buf, size_t cap);

/* IPv4 address of a session address field (network order). */
static inline uint32_t bfddp_addr_v4_be(const uint8_t a[16])
{
    uint32_t v;

    memcpy(&v, a, sizeof(v));
    return v;
}

#endif
