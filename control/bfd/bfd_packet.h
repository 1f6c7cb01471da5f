/* BFD control packets (RFC 5880 section 4.1): encoding and decoding of the
 * 24-byte mandatory section, and the reasons a received packet is dropped.
 *
 * Decoding applies every check of RFC 5880 6.8.6 that needs no session
 * (version, length, detect multiplier, multipoint bit, discriminators,
 * authentication) and names the first rule a packet breaks. Authentication
 * is not supported: a packet with the A bit set is dropped ("auth").
 *
 * Interval fields are microseconds, as on the wire. Pure functions over
 * byte buffers: no allocation, no global state, no DPDK.
 */
#ifndef VTEPD_BFD_PACKET_H
#define VTEPD_BFD_PACKET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define BFD_VERSION         1
#define BFD_CTRL_LEN        24      /* mandatory section, no authentication */
#define BFD_CTRL_AUTH_MIN   26      /* smallest legal length with the A bit */

/* Byte 1 of the packet: Sta(2) P F C A D M. */
#define BFD_FLAG_P          0x20    /* Poll */
#define BFD_FLAG_F          0x10    /* Final */
#define BFD_FLAG_C          0x08    /* Control Plane Independent */
#define BFD_FLAG_A          0x04    /* Authentication Present */
#define BFD_FLAG_D          0x02    /* Demand */
#define BFD_FLAG_M          0x01    /* Multipoint (must be zero) */

/* Session states, with their wire values (RFC 5880 4.1). */
enum bfd_state {
    BFD_STATE_ADMIN_DOWN = 0,
    BFD_STATE_DOWN = 1,
    BFD_STATE_INIT = 2,
    BFD_STATE_UP = 3,
};

/* Diagnostic codes (RFC 5880 4.1). */
enum bfd_diag {
    BFD_DIAG_NONE = 0,
    BFD_DIAG_DETECT_EXPIRED = 1,        /* Control Detection Time Expired */
    BFD_DIAG_ECHO_FAILED = 2,
    BFD_DIAG_NEIGHBOR_DOWN = 3,         /* Neighbor Signaled Session Down */
    BFD_DIAG_FWD_PLANE_RESET = 4,
    BFD_DIAG_PATH_DOWN = 5,
    BFD_DIAG_CONCAT_PATH_DOWN = 6,
    BFD_DIAG_ADMIN_DOWN = 7,
    BFD_DIAG_REV_CONCAT_PATH_DOWN = 8,
    BFD_DIAG_NUM
};

/* Why a received frame or packet was dropped. BFD_DROP_NONE means it was
 * accepted. Names (bfd_drop_name) are short stable keys for counters. */
enum bfd_drop {
    BFD_DROP_NONE = 0,
    /* Ethernet/IPv4/UDP framing (bfd_udp_parse) */
    BFD_DROP_FRAME_SHORT,       /* "frame_short": no room for the headers */
    BFD_DROP_NOT_IPV4,          /* "not_ipv4": EtherType is not IPv4 */
    BFD_DROP_IP_HEADER,         /* "ip_header": version, IHL or total length */
    BFD_DROP_IP_CHECKSUM,       /* "ip_checksum" */
    BFD_DROP_IP_FRAGMENT,       /* "ip_fragment" */
    BFD_DROP_NOT_UDP,           /* "not_udp" */
    BFD_DROP_UDP_LENGTH,        /* "udp_length": UDP length inconsistent */
    BFD_DROP_UDP_PORT,          /* "udp_port": destination is not 3784 */
    BFD_DROP_UDP_CHECKSUM,      /* "udp_checksum": nonzero and wrong */
    BFD_DROP_TTL,               /* "ttl": IPv4 TTL is not 255 (RFC 5881 5) */
    /* control packet (bfd_ctrl_decode), RFC 5880 6.8.6 */
    BFD_DROP_TRUNCATED,         /* "truncated": fewer than 4 bytes */
    BFD_DROP_VERSION,           /* "version": not 1 */
    BFD_DROP_LENGTH_SHORT,      /* "length_short": Length < 24 (26 with A) */
    BFD_DROP_LENGTH_PAYLOAD,    /* "length_exceeds_payload" */
    BFD_DROP_DETECT_MULT,       /* "detect_mult_zero" */
    BFD_DROP_MULTIPOINT,        /* "multipoint": M bit set */
    BFD_DROP_MY_DISC,           /* "my_disc_zero" */
    BFD_DROP_YOUR_DISC,         /* "your_disc_zero": 0 while not (Admin)Down */
    BFD_DROP_AUTH,              /* "auth": A bit set, not supported */
    /* session (bfd_session_rx) */
    BFD_DROP_UNKNOWN_DISC,      /* "unknown_disc": Your Discriminator is not ours */
    BFD_DROP_ADMIN_DOWN,        /* "admin_down": local session is AdminDown */
    BFD_DROP_NUM
};

/* The mandatory section, decoded. Intervals in microseconds. */
struct bfd_ctrl {
    uint8_t version;
    uint8_t diag;               /* enum bfd_diag (0-31 on the wire) */
    uint8_t state;              /* enum bfd_state */
    bool poll;
    bool final;
    bool cpi;                   /* C bit */
    bool auth;                  /* A bit */
    bool demand;                /* D bit */
    bool multipoint;            /* M bit */
    uint8_t detect_mult;
    uint8_t length;             /* Length field */
    uint32_t my_disc;
    uint32_t your_disc;
    uint32_t desired_min_tx_us;
    uint32_t required_min_rx_us;
    uint32_t required_min_echo_rx_us;
};

/* Write the 24-byte mandatory section of c to buf. Version is always 1,
 * Length always 24 and the A bit always clear; every other field is taken
 * from c as is. Returns BFD_CTRL_LEN, or 0 when cap is too small. */
size_t bfd_ctrl_encode(const struct bfd_ctrl *c, uint8_t *buf, size_t cap);

/* Decode the len bytes at pkt (a UDP payload) into *c and check the
 * session-independent rules of RFC 5880 6.8.6, in this order: truncated,
 * version, length_short, length_exceeds_payload, detect_mult_zero,
 * multipoint, my_disc_zero, your_disc_zero, auth. Returns BFD_DROP_NONE
 * when the packet is acceptable; *c is complete only then. Bytes after
 * Length are ignored (padding). */
enum bfd_drop bfd_ctrl_decode(const uint8_t *pkt, size_t len, struct bfd_ctrl *c);

/* Stable names: "none", "ttl", "version", ...; "?" when out of range. */
const char *bfd_drop_name(enum bfd_drop why);
/* "AdminDown", "Down", "Init", "Up"; "?" when out of range. */
const char *bfd_state_name(enum bfd_state st);
/* "none", "detect_expired", "echo_failed", "neighbor_down", ...; "?" when
 * unknown. */
const char *bfd_diag_name(unsigned int diag);

#endif
