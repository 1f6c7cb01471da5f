/* EVPN NLRI decoding (RFC 7432 section 7, VXLAN use per RFC 8365).
 *
 * An EVPN NLRI is: route type (1 byte), route length (1 byte), body. Route
 * types 2 (MAC/IP Advertisement) and 3 (Inclusive Multicast Ethernet Tag)
 * are decoded; every other type is skipped by its length. A body whose
 * length does not match its own fields is an error.
 *
 * Nothing here allocates. Decoded routes are plain values; a scanned NLRI
 * block (struct evpn_nlri_view) points into the caller's message buffer.
 */
#ifndef VTEPD_EVPN_NLRI_H
#define VTEPD_EVPN_NLRI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define EVPN_ROUTE_ETH_AD       1
#define EVPN_ROUTE_MAC_IP       2
#define EVPN_ROUTE_IMET         3
#define EVPN_ROUTE_ES           4
#define EVPN_ROUTE_IP_PREFIX    5

#define EVPN_RD_LEN             8
#define EVPN_ESI_LEN            10
#define EVPN_RD_STR_LEN         32

/* Route Distinguisher (RFC 4364 section 4.2). */
struct evpn_rd {
    uint16_t type;      /* 0, 1 or 2; other types are kept raw */
    uint32_t admin;     /* type 0: 2-byte AS, 1: IPv4 address (host order),
                         * 2: 4-byte AS; 0 for other types */
    uint32_t number;    /* assigned number; 0 for other types */
    uint8_t raw[EVPN_RD_LEN];
    char str[EVPN_RD_STR_LEN];  /* "65000:100", "192.0.2.1:100";
                                 * other types "<type>:<12 hex digits>" */
};

/* One decoded EVPN route. Fields a route type does not carry stay zero. */
struct evpn_route {
    uint8_t type;               /* EVPN_ROUTE_* */
    uint8_t length;             /* route length field (body bytes) */
    struct evpn_rd rd;
    uint8_t esi[EVPN_ESI_LEN];  /* type 2 */
    uint32_t eth_tag;           /* types 2 and 3 */
    uint8_t mac[6];             /* type 2 */
    uint8_t ip_len;             /* bits. Type 2: 0, 32 or 128 (host IP);
                                 * type 3: 32 or 128 (originating router) */
    uint8_t ip[16];             /* first ip_len / 8 bytes are valid */
    uint8_t n_labels;           /* type 2: 1 or 2; type 3: 0 */
    uint32_t label1;            /* raw 24-bit label field: the VNI for VXLAN */
    uint32_t label2;            /* raw 24-bit label field, if n_labels == 2 */
};

/* A validated block of EVPN NLRIs inside a message buffer. */
struct evpn_nlri_view {
    const uint8_t *data;        /* NULL when there is no block */
    size_t len;
    uint32_t n_routes;          /* routes of type 2 or 3 */
    uint32_t n_skipped;         /* routes of other types, skipped */
};

/* Iterator over the type 2 and 3 routes of a validated view. */
struct evpn_nlri_iter {
    const uint8_t *data;
    size_t len;
    size_t off;
};

/* Decodes the Route Distinguisher in raw[0..7] into *rd, including rd->str.
 * Never fails: unknown RD types are kept raw and printed in hex. */
void evpn_rd_decode(const uint8_t *raw, struct evpn_rd *rd);

/* Decodes one NLRI from the first len bytes of p into *r (zeroed first).
 * Returns the bytes it occupies (2 + route length, at least 2) or -1 with a
 * reason in err when the NLRI runs past len or a type 2/3 body is
 * inconsistent (route length vs. MAC length 48, IP length 0/32/128 for
 * type 2, 32/128 for type 3, one or two labels). Other route types only get
 * type and length filled. Never reads outside p[0..len-1]. err may be NULL. */
int evpn_nlri_decode(const uint8_t *p, size_t len, struct evpn_route *r,
                     char *err, size_t errlen);

/* Checks every NLRI in p[0..len-1] with evpn_nlri_decode and fills *v with
 * the block and its route counts. Returns 0, or -1 with a reason naming the
 * offset of the bad NLRI (then *v is zeroed). */
int evpn_nlri_scan(const uint8_t *p, size_t len, struct evpn_nlri_view *v,
                   char *err, size_t errlen);

/* Starts iterating over a view filled by evpn_nlri_scan. */
void evpn_nlri_iter_init(struct evpn_nlri_iter *it,
                         const struct evpn_nlri_view *v);

/* Decodes the next route of type 2 or 3 into *r, skipping other types.
 * Returns false at the end of the block (or, defensively, at any
 * inconsistency, which a scanned view does not have). */
bool evpn_nlri_iter_next(struct evpn_nlri_iter *it, struct evpn_route *r);

/* The same, leaving r->rd.str empty (the feed does not print it; formatting
 * it cost more than the rest of the decode). */
bool evpn_nlri_iter_next_nostr(struct evpn_nlri_iter *it, struct evpn_route *r);

/* Short name of a route type: "mac-ip", "imet", "eth-ad", ... or "unknown". */
const char *evpn_route_type_name(uint8_t type);

/* The VNI carried in a raw 24-bit label field (RFC 8365: the whole field). */
static inline uint32_t evpn_label_vni(uint32_t raw_label)
{
    return raw_label & 0xffffffu;
}

/* The MPLS label in a raw 24-bit label field (its high 20 bits). */
static inline uint32_t evpn_label_mpls(uint32_t raw_label)
{
    return (raw_label >> 4) & 0xfffffu;
}

#endif /* VTEPD_EVPN_NLRI_H */
