/* BMP (RFC 7854) stream framer and message parser.
 *
 * Two layers:
 *  - struct bmp_stream: the socket reader appends bytes, bmp_stream_next()
 *    hands out complete messages one at a time, says "need more bytes", or
 *    reports a fatal framing error (bad version, length < 6 or > maximum)
 *    after which the session must be closed.
 *  - struct bmp_parser: bmp_parse_msg() decodes one complete message into a
 *    struct bmp_msg and counts it. A malformed message gets a reason string
 *    ("route-monitoring: MP_REACH_NLRI next hop length 40 exceeds attribute
 *    length 12"), is counted by kind, and the caller just goes on with the
 *    next frame.
 *
 * No global state, no allocation: the caller owns the stream buffer, the
 * parser context and the result. Views inside a struct bmp_msg (strings,
 * BGP PDUs, EVPN NLRI blocks) point into the message buffer and are valid
 * until that buffer changes (for a bmp_stream: the next append or
 * bmp_stream_space() call).
 */
#ifndef VTEPD_BMP_PARSE_H
#define VTEPD_BMP_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bgp_update.h"

#define BMP_VERSION             3
#define BMP_COMMON_HDR_LEN      6
#define BMP_PEER_HDR_LEN        42
#define BMP_MAX_MSG_LEN         (1u << 20)  /* larger frames are fatal */
#define BMP_REASON_LEN          256
#define BMP_ADDR_STR_LEN        46          /* INET6_ADDRSTRLEN */

/* Message types (RFC 7854 section 4.1). */
#define BMP_MSG_ROUTE_MONITORING    0
#define BMP_MSG_STATS_REPORT        1
#define BMP_MSG_PEER_DOWN           2
#define BMP_MSG_PEER_UP             3
#define BMP_MSG_INITIATION          4
#define BMP_MSG_TERMINATION         5
#define BMP_MSG_ROUTE_MIRRORING     6
#define BMP_MSG_TYPE_NUM            7

/* Per-peer header peer types and flags (RFC 7854 4.2, RFC 9069). */
#define BMP_PEER_GLOBAL         0
#define BMP_PEER_RD_INSTANCE    1
#define BMP_PEER_LOCAL          2
#define BMP_PEER_LOC_RIB        3
#define BMP_PEER_FLAG_V         0x80    /* IPv6 peer address */
#define BMP_PEER_FLAG_L         0x40    /* post-policy Adj-RIB-In */
#define BMP_PEER_FLAG_A         0x20    /* legacy 2-byte AS_PATH */
#define BMP_PEER_FLAG_O         0x10    /* Adj-RIB-Out (RFC 8671) */

/* Peer Down reasons (RFC 7854 4.9, RFC 9069). */
#define BMP_DOWN_LOCAL_NOTIFY   1
#define BMP_DOWN_LOCAL_NO_NOTIFY 2
#define BMP_DOWN_REMOTE_NOTIFY  3
#define BMP_DOWN_REMOTE_NO_NOTIFY 4
#define BMP_DOWN_DECONFIGURED   5
#define BMP_DOWN_LOCAL_TLV      6

#define BMP_MAX_STRINGS         4   /* String TLVs kept per message */
#define BMP_MAX_STATS           32  /* statistics kept per report */

/* ---- framing ---------------------------------------------------------- */

enum bmp_frame {
    BMP_FRAME_OK = 0,       /* a complete message is available */
    BMP_FRAME_NEED_MORE,    /* not enough bytes yet */
    BMP_FRAME_FATAL,        /* stream is broken: close the session */
};

/* Receive buffer plus framing state. Buffer memory is the caller's. */
struct bmp_stream {
    uint8_t *buf;
    size_t cap;
    size_t head;            /* first unconsumed byte */
    size_t tail;            /* end of received bytes */
    size_t max_msg;         /* min(cap, BMP_MAX_MSG_LEN) */
    bool fatal;             /* sticky until bmp_stream_init() */
    char reason[BMP_REASON_LEN];  /* why it went fatal */
    /* counters */
    uint64_t bytes_in;
    uint64_t frames;
    uint64_t fatal_errors;
};

/* Looks at the bytes at p: BMP_FRAME_OK with the message length in
 * *msg_len when a whole message of at most max_len bytes is there,
 * BMP_FRAME_NEED_MORE when the header or body is incomplete, BMP_FRAME_FATAL
 * with a reason when the version is not 3 (checked from the first byte) or
 * the length is < 6 or > max_len. Reads only p[0..avail-1]. */
enum bmp_frame bmp_frame_check(const uint8_t *p, size_t avail, size_t max_len,
                               size_t *msg_len, char *reason,
                               size_t reason_len);

/* Sets up a stream over caller memory buf[0..cap-1]. Frames longer than
 * min(cap, BMP_MAX_MSG_LEN) are fatal, so give cap >= BMP_MAX_MSG_LEN to
 * accept everything RFC-sized. Resets state and counters. */
void bmp_stream_init(struct bmp_stream *s, uint8_t *buf, size_t cap);

/* Returns where the socket may write and how many bytes fit (*room),
 * after moving unconsumed bytes to the start of the buffer. Invalidates
 * messages returned earlier. *room is 0 only when the buffer is full of
 * unconsumed bytes: take frames with bmp_stream_next() first (if none comes
 * out, the stream is fatal, as no frame is longer than the buffer). */
uint8_t *bmp_stream_space(struct bmp_stream *s, size_t *room);

/* Records that n bytes were written at the bmp_stream_space() pointer
 * (n larger than the room given is clamped). */
void bmp_stream_commit(struct bmp_stream *s, size_t n);

/* Copies up to n bytes of data into the stream; returns how many were
 * taken (less than n only when the buffer is full: consume frames with
 * bmp_stream_next() and append the rest). Invalidates earlier messages. */
size_t bmp_stream_append(struct bmp_stream *s, const uint8_t *data, size_t n);

/* Hands out the next complete message: BMP_FRAME_OK with *msg and *msg_len
 * (consumed from the stream, valid until the next append/space call),
 * BMP_FRAME_NEED_MORE, or BMP_FRAME_FATAL (sticky; reason in s->reason). */
enum bmp_frame bmp_stream_next(struct bmp_stream *s, const uint8_t **msg,
                               size_t *msg_len);

/* ---- decoded messages ------------------------------------------------- */

/* Bytes inside the message buffer; not NUL-terminated. */
struct bmp_bytes {
    const uint8_t *data;    /* NULL when absent */
    size_t len;
};

struct bmp_peer_hdr {
    uint8_t type;           /* BMP_PEER_* */
    uint8_t flags;
    bool ipv6;              /* V flag (peer types 0-2) */
    bool post_policy;       /* L flag */
    bool as4;               /* AS_PATH uses 4-byte ASes: A flag clear */
    bool adj_rib_out;       /* O flag */
    uint64_t distinguisher;
    uint8_t addr[16];       /* IPv4 peers: address in addr[12..15] */
    char addr_str[BMP_ADDR_STR_LEN];
    uint32_t as;
    uint32_t bgp_id;        /* host order */
    uint32_t ts_sec;
    uint32_t ts_usec;
};

/* Information TLVs of Initiation, Termination, Peer Up, Peer Down (6). */
struct bmp_info {
    uint16_t n_tlvs;
    uint16_t n_strings;     /* String TLVs; first BMP_MAX_STRINGS stored */
    struct bmp_bytes strings[BMP_MAX_STRINGS];
    struct bmp_bytes sys_descr;     /* Initiation type 1 */
    struct bmp_bytes sys_name;      /* Initiation type 2 */
    struct bmp_bytes vrf_name;      /* Peer Up type 3 (RFC 9069) */
    bool has_term_reason;
    uint16_t term_reason;           /* Termination type 1 */
    uint16_t n_other;               /* TLVs of other types, skipped */
};

/* The parts of a BGP OPEN a monitor cares about. */
struct bmp_open {
    struct bmp_bytes pdu;   /* whole OPEN message */
    uint8_t version;
    uint16_t my_as;
    uint16_t hold_time;
    uint32_t bgp_id;        /* host order */
    bool as4;               /* 4-octet AS capability (RFC 6793) present */
    uint32_t as4_number;
    bool mp_evpn;           /* multiprotocol capability for 25/70 */
    uint16_t n_caps;
};

struct bmp_peer_up {
    uint8_t local_addr[16];
    char local_addr_str[BMP_ADDR_STR_LEN];
    uint16_t local_port;
    uint16_t remote_port;
    struct bmp_open sent;
    struct bmp_open received;
    bool as4;               /* both OPENs carry the 4-octet AS capability */
    struct bmp_info info;
};

struct bmp_peer_down {
    uint8_t reason;         /* BMP_DOWN_* */
    bool has_notification;  /* reasons 1 and 3 */
    uint8_t notify_code;
    uint8_t notify_subcode;
    bool has_fsm_event;     /* reason 2 */
    uint16_t fsm_event;
    struct bmp_bytes data;  /* everything after the reason byte */
    struct bmp_info info;   /* reason 6 */
};

struct bmp_stat {
    uint16_t type;
    uint16_t len;
    bool has_afi_safi;      /* 11-byte value: AFI, SAFI, 64-bit gauge */
    uint16_t afi;
    uint8_t safi;
    bool decoded;           /* value holds a 4- or 8-byte number */
    uint64_t value;
};

struct bmp_stats {
    uint32_t count;         /* Stats Count field */
    uint32_t n_stored;      /* entries in stat[] (first BMP_MAX_STATS) */
    struct bmp_stat stat[BMP_MAX_STATS];
};

struct bmp_mirror {
    uint16_t n_tlvs;
    struct bmp_bytes bgp_pdu;   /* first BGP Message TLV */
    uint16_t n_bgp_pdus;
    bool has_info;
    uint16_t info_code;         /* 0 errored PDU, 1 messages lost */
};

struct bmp_route_mon {
    struct bmp_bytes bgp_pdu;   /* the BGP UPDATE */
    struct bgp_update update;   /* valid when the result is BMP_MSG_OK */
};

/* Kinds of malformed messages. Stable; used to index counters. */
enum bmp_err {
    BMP_ERR_NONE = 0,
    BMP_ERR_HEADER,         /* common header vs. the bytes given */
    BMP_ERR_PEER_HEADER,    /* message too short for the per-peer header */
    BMP_ERR_TLV,            /* an information/mirroring TLV is bad */
    BMP_ERR_PEER_UP,        /* local address/ports or an OPEN PDU */
    BMP_ERR_PEER_DOWN,      /* reason data inconsistent with reason */
    BMP_ERR_STATS,          /* stats count or a stat TLV */
    BMP_ERR_BGP,            /* route monitoring UPDATE; see bgp_err */
    BMP_ERR_NUM
};

struct bmp_msg {
    uint8_t version;
    uint32_t length;
    uint8_t type;           /* BMP_MSG_* (or unknown) */
    bool has_peer;          /* types 0, 1, 2, 3, 6 */
    struct bmp_peer_hdr peer;

    /* only the member matching type is filled */
    struct bmp_route_mon rm;
    struct bmp_stats stats;
    struct bmp_peer_down peer_down;
    struct bmp_peer_up peer_up;
    struct bmp_info info;           /* Initiation and Termination */
    struct bmp_mirror mirror;

    /* on BMP_MSG_ERROR */
    enum bmp_err err;
    enum bgp_err bgp_err;           /* when err == BMP_ERR_BGP */
    char reason[BMP_REASON_LEN];    /* "<message type>: <what is wrong>" */
};

enum bmp_result {
    BMP_MSG_OK = 0,
    BMP_MSG_SKIPPED,        /* unknown message type, counted */
    BMP_MSG_ERROR,          /* malformed; msg->err and msg->reason say why */
};

struct bmp_counters {
    uint64_t msgs;                      /* every call to bmp_parse_msg */
    uint64_t by_type[BMP_MSG_TYPE_NUM]; /* known types, good or malformed */
    uint64_t unknown_type;              /* skipped */
    uint64_t malformed;                 /* all errors */
    uint64_t err[BMP_ERR_NUM];          /* errors by kind */
    uint64_t bgp_err[BGP_ERR_NUM];      /* BMP_ERR_BGP errors by kind */
    /* content of well-formed Route Monitoring messages */
    uint64_t evpn_reach;                /* type 2/3 routes advertised */
    uint64_t evpn_unreach;              /* type 2/3 routes withdrawn */
    uint64_t evpn_skipped;              /* EVPN routes of other types */
    uint64_t mp_other;                  /* MP attrs of other AFI/SAFI */
    uint64_t ipv4_withdrawn;            /* IPv4 prefixes, skipped */
    uint64_t ipv4_nlri;                 /* IPv4 prefixes, skipped */
    uint64_t attrs_unknown;             /* attributes not decoded */
    uint64_t attrs_dup;                 /* repeated attributes ignored */
    uint64_t ext_comm_other;            /* extended communities not decoded */
    uint64_t eor_evpn;
    uint64_t eor_ipv4;
    uint64_t eor_other;
    /* other content */
    uint64_t peer_type_unknown;         /* per-peer header type > 3 */
    uint64_t peer_down_unknown_reason;  /* reason 0 or > 6 */
    uint64_t tlv_other;                 /* information TLVs skipped */
};

/* Parser context: counters only, so one per BMP session or shared. */
struct bmp_parser {
    struct bmp_counters c;
};

/* Zeroes the context. */
void bmp_parser_init(struct bmp_parser *ps);

/* Parses one complete message buf[0..len-1] (as from bmp_stream_next) into
 * *msg (zeroed first) and updates ps->c. Returns BMP_MSG_OK, BMP_MSG_SKIPPED
 * for an unknown type, or BMP_MSG_ERROR with msg->err, bgp_err and reason
 * set (msg->peer is still valid when msg->has_peer, to name the sender).
 * The common header must say version 3 and exactly len bytes. Reads only
 * buf[0..len-1]; allocates nothing. */
enum bmp_result bmp_parse_msg(struct bmp_parser *ps, const uint8_t *buf,
                              size_t len, struct bmp_msg *msg);

/* Name of a message type: "route-monitoring", ... or "unknown". */
const char *bmp_msg_type_name(uint8_t type);

/* Stable short name of an error kind, e.g. "peer_header". */
const char *bmp_err_name(enum bmp_err e);

#endif /* VTEPD_BMP_PARSE_H */
