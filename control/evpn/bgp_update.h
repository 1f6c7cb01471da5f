/* BGP UPDATE parser (RFC 4271) for EVPN monitoring.
 *
 * Decodes the path attributes an EVPN VTEP needs (ORIGIN, AS_PATH,
 * NEXT_HOP, MED, LOCAL_PREF, ORIGINATOR_ID, CLUSTER_LIST, EXTENDED
 * COMMUNITIES, PMSI_TUNNEL, MP_REACH_NLRI, MP_UNREACH_NLRI) and the EVPN
 * NLRI (AFI 25 / SAFI 70) inside the MP attributes. IPv4 withdrawn routes
 * and NLRI are checked and counted, other AFI/SAFI and other attributes are
 * skipped and counted.
 *
 * The result has fixed size; the EVPN NLRI blocks and the raw extended
 * communities point into the caller's message buffer and are valid as long
 * as that buffer is.
 */
#ifndef VTEPD_BGP_UPDATE_H
#define VTEPD_BGP_UPDATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "evpn_nlri.h"

#define BGP_MARKER_LEN          16
#define BGP_HEADER_LEN          19
#define BGP_UPDATE_MIN_LEN      23

#define BGP_MSG_OPEN            1
#define BGP_MSG_UPDATE          2
#define BGP_MSG_NOTIFICATION    3
#define BGP_MSG_KEEPALIVE       4

#define BGP_AFI_IPV4            1
#define BGP_AFI_IPV6            2
#define BGP_AFI_L2VPN           25
#define BGP_SAFI_UNICAST        1
#define BGP_SAFI_EVPN           70

#define BGP_ATTR_FLAG_OPTIONAL  0x80
#define BGP_ATTR_FLAG_TRANSITIVE 0x40
#define BGP_ATTR_FLAG_PARTIAL   0x20
#define BGP_ATTR_FLAG_EXT_LEN   0x10

#define BGP_ATTR_ORIGIN         1
#define BGP_ATTR_AS_PATH        2
#define BGP_ATTR_NEXT_HOP       3
#define BGP_ATTR_MED            4
#define BGP_ATTR_LOCAL_PREF     5
#define BGP_ATTR_ORIGINATOR_ID  9
#define BGP_ATTR_CLUSTER_LIST   10
#define BGP_ATTR_MP_REACH       14
#define BGP_ATTR_MP_UNREACH     15
#define BGP_ATTR_EXT_COMM       16
#define BGP_ATTR_PMSI_TUNNEL    22

/* Bit for attribute type t in bgp_attrs.present (decoded types are < 32). */
#define BGP_ATTR_BIT(t)         (1u << (t))

#define BGP_AS_SET              1
#define BGP_AS_SEQUENCE         2
#define BGP_AS_CONFED_SEQUENCE  3
#define BGP_AS_CONFED_SET       4

#define BGP_TUNNEL_VXLAN        8   /* Encapsulation EC tunnel type */
#define BGP_PMSI_INGRESS_REPL   6   /* PMSI tunnel type */
#define BGP_MAC_MOB_STICKY      0x01

#define BGP_MAX_RTS             16
#define BGP_MAX_ENCAPS          4
#define BGP_MAX_CLUSTER_IDS     8

/* Why an UPDATE was rejected. Stable; used to index counters. */
enum bgp_err {
    BGP_ERR_NONE = 0,
    BGP_ERR_HEADER,         /* marker, length or type of the BGP message */
    BGP_ERR_WITHDRAWN,      /* Withdrawn Routes length or an IPv4 prefix */
    BGP_ERR_ATTR_FRAMING,   /* attribute header/length overruns its space */
    BGP_ERR_ATTR_FLAGS,     /* optional/transitive bits wrong for the type */
    BGP_ERR_ATTR_LENGTH,    /* wrong length for a fixed-size attribute */
    BGP_ERR_ATTR_VALUE,     /* impossible value (e.g. ORIGIN 7) */
    BGP_ERR_AS_PATH,        /* AS_PATH segment type/length */
    BGP_ERR_EXT_COMM,       /* EXTENDED_COMMUNITIES length */
    BGP_ERR_PMSI,           /* PMSI_TUNNEL length / tunnel identifier */
    BGP_ERR_MP_REACH,       /* MP_REACH_NLRI header or next hop */
    BGP_ERR_MP_UNREACH,     /* MP_UNREACH_NLRI header */
    BGP_ERR_MP_DUPLICATE,   /* MP_REACH_NLRI or MP_UNREACH_NLRI twice */
    BGP_ERR_EVPN_NLRI,      /* an EVPN NLRI is inconsistent */
    BGP_ERR_NLRI,           /* trailing IPv4 NLRI */
    BGP_ERR_NUM
};

/* What kind of End-of-RIB marker an UPDATE is (RFC 4724 section 2). */
enum bgp_eor {
    BGP_EOR_NONE = 0,
    BGP_EOR_IPV4_UNICAST,   /* empty UPDATE */
    BGP_EOR_EVPN,           /* only an empty MP_UNREACH_NLRI for 25/70 */
    BGP_EOR_OTHER,          /* only an empty MP_UNREACH_NLRI, other AFI/SAFI */
};

/* Route Target extended community (type 0x00/0x01/0x02, subtype 0x02). */
struct bgp_rt {
    uint8_t type;           /* 0x00: AS2:u32, 0x01: IPv4:u16, 0x02: AS4:u16 */
    uint32_t global;        /* AS number, or IPv4 address in host order */
    uint32_t local;         /* assigned number */
};

/* MAC Mobility extended community (type 0x06, subtype 0x00). */
struct bgp_mac_mobility {
    bool present;
    uint8_t flags;
    bool sticky;            /* flags & BGP_MAC_MOB_STICKY */
    uint32_t seq;
};

/* PMSI_TUNNEL attribute (RFC 6514 section 5, RFC 8365 section 5.1.3). */
struct bgp_pmsi {
    bool present;
    uint8_t flags;
    uint8_t tunnel_type;    /* 6 = ingress replication */
    uint32_t label;         /* raw 24-bit field: the VNI for VXLAN */
    uint16_t tunnel_id_len; /* bytes of tunnel identifier */
    uint8_t endpoint_len;   /* 4 or 16 when the identifier is an address
                             * (always for ingress replication), else 0 */
    uint8_t endpoint[16];
};

struct bgp_attrs {
    uint32_t present;       /* BGP_ATTR_BIT(type) for each decoded attribute */
    uint8_t origin;         /* 0 IGP, 1 EGP, 2 INCOMPLETE */

    /* AS_PATH */
    bool as4;               /* parsed with 4-byte AS numbers */
    uint16_t as_path_segments;
    uint32_t as_path_asns;  /* AS numbers in all segments */
    uint32_t as_path_len;   /* RFC 4271 length: AS_SET counts 1,
                             * confederation segments 0 */
    uint32_t first_as;      /* first AS number encoded, 0 if none */
    uint32_t last_as;       /* last AS number encoded (origin), 0 if none */

    uint8_t next_hop[4];    /* NEXT_HOP attribute (IPv4) */
    uint32_t med;
    uint32_t local_pref;
    uint32_t originator_id; /* host order */
    uint16_t n_cluster_ids; /* number in CLUSTER_LIST; first
                             * BGP_MAX_CLUSTER_IDS stored */
    uint32_t cluster_ids[BGP_MAX_CLUSTER_IDS];

    /* EXTENDED_COMMUNITIES: raw attribute value and what was decoded */
    const uint8_t *ext_comm;
    uint16_t ext_comm_len;  /* multiple of 8 */
    uint16_t n_rts;         /* Route Targets found; first BGP_MAX_RTS stored */
    struct bgp_rt rts[BGP_MAX_RTS];
    uint16_t n_encaps;      /* Encapsulation ECs; first BGP_MAX_ENCAPS kept */
    uint16_t encap_types[BGP_MAX_ENCAPS];
    struct bgp_mac_mobility mac_mobility;  /* highest sequence if several */
    uint16_t n_ext_other;   /* other extended communities (not decoded) */

    struct bgp_pmsi pmsi;
};

struct bgp_update {
    uint16_t length;            /* BGP message length */
    uint16_t withdrawn_len;
    uint32_t n_withdrawn_v4;    /* IPv4 prefixes withdrawn (skipped) */
    uint16_t attrs_len;
    uint16_t n_attrs;           /* path attributes in the message */
    uint32_t n_nlri_v4;         /* IPv4 prefixes announced (skipped) */
    struct bgp_attrs attrs;

    bool has_mp_reach;
    uint16_t mp_reach_afi;
    uint8_t mp_reach_safi;
    uint8_t nh_len;             /* EVPN next hop: 4 (IPv4), 16 or 32 (IPv6
                                 * global [+ link-local]) */
    uint8_t nh[32];

    bool has_mp_unreach;
    uint16_t mp_unreach_afi;
    uint8_t mp_unreach_safi;

    struct evpn_nlri_view evpn_reach;    /* from MP_REACH_NLRI 25/70 */
    struct evpn_nlri_view evpn_unreach;  /* from MP_UNREACH_NLRI 25/70 */

    uint16_t n_mp_other;        /* MP attributes of other AFI/SAFI, skipped */
    uint16_t n_attrs_unknown;   /* attributes not decoded here, skipped */
    uint16_t n_attrs_dup;       /* repeated attributes, ignored after first */

    enum bgp_eor eor;
    uint16_t eor_afi;
    uint8_t eor_safi;
};

/* Parses one complete BGP message of exactly len bytes (header included)
 * that must be an UPDATE. as4 selects 4-byte (true) or 2-byte (false) AS
 * numbers in AS_PATH. Fills *u (zeroed first) and returns BGP_ERR_NONE, or
 * returns the kind of error with a human-readable reason in err (err may be
 * NULL); then *u is partly filled and must not be used. Decoded attributes
 * must have the RFC 4271 optional/transitive bits; a repeated attribute is
 * ignored, except MP_REACH_NLRI/MP_UNREACH_NLRI (an error). Never reads
 * outside msg[0..len-1]; allocates nothing. */
enum bgp_err bgp_update_parse(const uint8_t *msg, size_t len, bool as4,
                              struct bgp_update *u, char *err, size_t errlen);

/* Stable short name of an error kind, e.g. "mp_reach". */
const char *bgp_err_name(enum bgp_err e);

/* Writes a Route Target as "65000:100" or "192.0.2.1:100" into buf
 * (always NUL-terminated when len > 0). Returns buf. */
char *bgp_rt_format(const struct bgp_rt *rt, char *buf, size_t len);

/* Decodes one 8-byte extended community into *a (counts and arrays as in
 * struct bgp_attrs). Unknown kinds only bump n_ext_other. */
void bgp_ext_comm_decode(const uint8_t ec[8], struct bgp_attrs *a);

#endif /* VTEPD_BGP_UPDATE_H */
