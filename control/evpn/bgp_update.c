/* BGP UPDATE parser (RFC 4271, RFC 4760, RFC 7432, RFC 6514, RFC 9012).
 *
 * Layout: header, Withdrawn Routes Length + IPv4 prefixes, Total Path
 * Attribute Length + attributes, IPv4 NLRI up to the message end. Every
 * length is checked against the bytes left before anything it covers is
 * read. Any inconsistency rejects the whole message with a reason.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "bgp_update.h"
#include "wire.h"

struct attr_ctx {
    struct bgp_update *u;
    bool as4;
    size_t mp_unreach_nlri_len;     /* for End-of-RIB detection */
    char *err;
    size_t errlen;
};

static void vreason(char *err, size_t errlen, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));

static void vreason(char *err, size_t errlen, const char *fmt, va_list ap)
{
    if (err != NULL && errlen > 0)
        vsnprintf(err, errlen, fmt, ap);
}

static void set_reason(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void set_reason(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vreason(err, errlen, fmt, ap);
    va_end(ap);
}

static enum bgp_err fail(char *err, size_t errlen, enum bgp_err kind,
                         const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static enum bgp_err fail(char *err, size_t errlen, enum bgp_err kind,
                         const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vreason(err, errlen, fmt, ap);
    va_end(ap);
    return kind;
}

const char *bgp_err_name(enum bgp_err e)
{
    switch (e) {
    case BGP_ERR_NONE: return "none";
    case BGP_ERR_HEADER: return "header";
    case BGP_ERR_WITHDRAWN: return "withdrawn";
    case BGP_ERR_ATTR_FRAMING: return "attr_framing";
    case BGP_ERR_ATTR_FLAGS: return "attr_flags";
    case BGP_ERR_ATTR_LENGTH: return "attr_length";
    case BGP_ERR_ATTR_VALUE: return "attr_value";
    case BGP_ERR_AS_PATH: return "as_path";
    case BGP_ERR_EXT_COMM: return "ext_comm";
    case BGP_ERR_PMSI: return "pmsi";
    case BGP_ERR_MP_REACH: return "mp_reach";
    case BGP_ERR_MP_UNREACH: return "mp_unreach";
    case BGP_ERR_MP_DUPLICATE: return "mp_duplicate";
    case BGP_ERR_EVPN_NLRI: return "evpn_nlri";
    case BGP_ERR_NLRI: return "nlri";
    case BGP_ERR_NUM: break;
    }
    return "unknown";
}

static const char *attr_name(uint8_t type)
{
    switch (type) {
    case BGP_ATTR_ORIGIN: return "ORIGIN";
    case BGP_ATTR_AS_PATH: return "AS_PATH";
    case BGP_ATTR_NEXT_HOP: return "NEXT_HOP";
    case BGP_ATTR_MED: return "MULTI_EXIT_DISC";
    case BGP_ATTR_LOCAL_PREF: return "LOCAL_PREF";
    case BGP_ATTR_ORIGINATOR_ID: return "ORIGINATOR_ID";
    case BGP_ATTR_CLUSTER_LIST: return "CLUSTER_LIST";
    case BGP_ATTR_MP_REACH: return "MP_REACH_NLRI";
    case BGP_ATTR_MP_UNREACH: return "MP_UNREACH_NLRI";
    case BGP_ATTR_EXT_COMM: return "EXTENDED_COMMUNITIES";
    case BGP_ATTR_PMSI_TUNNEL: return "PMSI_TUNNEL";
    default: return "attribute";
    }
}

char *bgp_rt_format(const struct bgp_rt *rt, char *buf, size_t len)
{
    if (len == 0)
        return buf;
    if (rt->type == 0x01)
        snprintf(buf, len, "%u.%u.%u.%u:%u", (rt->global >> 24) & 0xffu,
                 (rt->global >> 16) & 0xffu, (rt->global >> 8) & 0xffu,
                 rt->global & 0xffu, rt->local);
    else
        snprintf(buf, len, "%u:%u", rt->global, rt->local);
    return buf;
}

void bgp_ext_comm_decode(const uint8_t ec[8], struct bgp_attrs *a)
{
    uint8_t type = ec[0];
    uint8_t sub = ec[1];

    if (type <= 0x02 && sub == 0x02) {
        struct bgp_rt rt;

        rt.type = type;
        if (type == 0x00) {
            rt.global = wire_get16(ec + 2);
            rt.local = wire_get32(ec + 4);
        } else {
            rt.global = wire_get32(ec + 2);
            rt.local = wire_get16(ec + 6);
        }
        if (a->n_rts < BGP_MAX_RTS)
            a->rts[a->n_rts] = rt;
        if (a->n_rts < UINT16_MAX)
            a->n_rts++;
    } else if (type == 0x03 && sub == 0x0c) {
        /* RFC 9012 4.1: 4 reserved bytes, then the 2-byte tunnel type */
        if (a->n_encaps < BGP_MAX_ENCAPS)
            a->encap_types[a->n_encaps] = wire_get16(ec + 6);
        if (a->n_encaps < UINT16_MAX)
            a->n_encaps++;
    } else if (type == 0x06 && sub == 0x00) {
        /* RFC 7432 7.7: flags, reserved, 4-byte sequence number */
        uint32_t seq = wire_get32(ec + 4);

        if (!a->mac_mobility.present || seq > a->mac_mobility.seq) {
            a->mac_mobility.present = true;
            a->mac_mobility.flags = ec[2];
            a->mac_mobility.sticky = (ec[2] & BGP_MAC_MOB_STICKY) != 0;
            a->mac_mobility.seq = seq;
        }
    } else if (a->n_ext_other < UINT16_MAX) {
        a->n_ext_other++;
    }
}

/* IPv4 prefixes (Withdrawn Routes, NLRI): length in bits, then
 * ceil(bits / 8) bytes. Returns -1 at the first bad one. */
static int count_v4_prefixes(const uint8_t *p, size_t len, uint32_t *count,
                             const char *what, char *err, size_t errlen)
{
    size_t off = 0;

    *count = 0;
    while (off < len) {
        uint8_t bits = p[off];
        size_t nbytes = (bits + 7u) / 8u;

        if (bits > 32) {
            set_reason(err, errlen,
                       "%s prefix at offset %zu: length %u bits exceeds 32",
                       what, off, bits);
            return -1;
        }
        if (nbytes > len - off - 1) {
            set_reason(err, errlen,
                       "%s prefix at offset %zu: /%u needs %zu bytes, "
                       "%zu left", what, off, bits, nbytes, len - off - 1);
            return -1;
        }
        off += 1 + nbytes;
        (*count)++;
    }
    return 0;
}

static enum bgp_err parse_origin(struct attr_ctx *c, const uint8_t *v,
                                 size_t len)
{
    if (len != 1)
        return fail(c->err, c->errlen, BGP_ERR_ATTR_LENGTH,
                    "ORIGIN length %zu, must be 1", len);
    if (v[0] > 2)
        return fail(c->err, c->errlen, BGP_ERR_ATTR_VALUE,
                    "ORIGIN value %u, must be 0, 1 or 2", v[0]);
    c->u->attrs.origin = v[0];
    return BGP_ERR_NONE;
}

static enum bgp_err parse_as_path(struct attr_ctx *c, const uint8_t *v,
                                  size_t len)
{
    struct bgp_attrs *a = &c->u->attrs;
    size_t asz = c->as4 ? 4 : 2;
    size_t off = 0;

    a->as4 = c->as4;
    while (off < len) {
        uint8_t stype, scount;
        size_t seg_bytes;
        const uint8_t *q;
        unsigned int i;

        if (len - off < 2)
            return fail(c->err, c->errlen, BGP_ERR_AS_PATH,
                        "AS_PATH: 1 byte left at offset %zu, "
                        "a segment header needs 2", off);
        stype = v[off];
        scount = v[off + 1];
        if (stype < BGP_AS_SET || stype > BGP_AS_CONFED_SET)
            return fail(c->err, c->errlen, BGP_ERR_AS_PATH,
                        "AS_PATH: unknown segment type %u at offset %zu",
                        stype, off);
        if (scount == 0)
            return fail(c->err, c->errlen, BGP_ERR_AS_PATH,
                        "AS_PATH: empty segment at offset %zu", off);
        seg_bytes = (size_t)scount * asz;
        if (seg_bytes > len - off - 2)
            return fail(c->err, c->errlen, BGP_ERR_AS_PATH,
                        "AS_PATH: segment of %u %zu-byte ASes at offset %zu "
                        "exceeds the %zu bytes left", scount, asz, off,
                        len - off - 2);
        q = v + off + 2;
        for (i = 0; i < scount; i++) {
            uint32_t asn = asz == 4 ? wire_get32(q + i * asz)
                                    : wire_get16(q + i * asz);
            if (a->as_path_asns == 0)
                a->first_as = asn;
            a->last_as = asn;
            a->as_path_asns++;
        }
        if (stype == BGP_AS_SEQUENCE)
            a->as_path_len += scount;
        else if (stype == BGP_AS_SET)
            a->as_path_len += 1;
        a->as_path_segments++;
        off += 2 + seg_bytes;
    }
    return BGP_ERR_NONE;
}

static enum bgp_err parse_u32_attr(struct attr_ctx *c, uint8_t type,
                                   const uint8_t *v, size_t len,
                                   uint32_t *out)
{
    if (len != 4)
        return fail(c->err, c->errlen, BGP_ERR_ATTR_LENGTH,
                    "%s length %zu, must be 4", attr_name(type), len);
    *out = wire_get32(v);
    return BGP_ERR_NONE;
}

static enum bgp_err parse_cluster_list(struct attr_ctx *c, const uint8_t *v,
                                       size_t len)
{
    struct bgp_attrs *a = &c->u->attrs;
    size_t i;

    if (len == 0 || len % 4 != 0)
        return fail(c->err, c->errlen, BGP_ERR_ATTR_LENGTH,
                    "CLUSTER_LIST length %zu, must be a non-zero "
                    "multiple of 4", len);
    for (i = 0; i < len / 4; i++) {
        if (i < BGP_MAX_CLUSTER_IDS)
            a->cluster_ids[i] = wire_get32(v + 4 * i);
    }
    a->n_cluster_ids = (uint16_t)(len / 4);
    return BGP_ERR_NONE;
}

static enum bgp_err parse_ext_comm(struct attr_ctx *c, const uint8_t *v,
                                   size_t len)
{
    struct bgp_attrs *a = &c->u->attrs;
    size_t off;

    if (len % 8 != 0)
        return fail(c->err, c->errlen, BGP_ERR_EXT_COMM,
                    "EXTENDED_COMMUNITIES length %zu is not a multiple of 8",
                    len);
    a->ext_comm = v;
    a->ext_comm_len = (uint16_t)len;
    for (off = 0; off < len; off += 8)
        bgp_ext_comm_decode(v + off, a);
    return BGP_ERR_NONE;
}

/* PMSI: flags(1) tunnel type(1) label(3) tunnel identifier(rest). */
static enum bgp_err parse_pmsi(struct attr_ctx *c, const uint8_t *v,
                               size_t len)
{
    struct bgp_pmsi *pm = &c->u->attrs.pmsi;
    size_t id_len;

    if (len < 5)
        return fail(c->err, c->errlen, BGP_ERR_PMSI,
                    "PMSI_TUNNEL length %zu, minimum is 5", len);
    id_len = len - 5;
    if (v[1] == BGP_PMSI_INGRESS_REPL && id_len != 4 && id_len != 16)
        return fail(c->err, c->errlen, BGP_ERR_PMSI,
                    "PMSI_TUNNEL ingress replication endpoint of %zu bytes, "
                    "must be 4 or 16", id_len);
    pm->present = true;
    pm->flags = v[0];
    pm->tunnel_type = v[1];
    pm->label = wire_get24(v + 2);
    pm->tunnel_id_len = (uint16_t)id_len;
    if (id_len == 4 || id_len == 16) {
        pm->endpoint_len = (uint8_t)id_len;
        memcpy(pm->endpoint, v + 5, id_len);
    }
    return BGP_ERR_NONE;
}

static bool is_evpn(uint16_t afi, uint8_t safi)
{
    return afi == BGP_AFI_L2VPN && safi == BGP_SAFI_EVPN;
}

/* MP_REACH_NLRI: AFI(2) SAFI(1) NH len(1) NH reserved(1) NLRI. */
static enum bgp_err parse_mp_reach(struct attr_ctx *c, const uint8_t *v,
                                   size_t len)
{
    struct bgp_update *u = c->u;
    char why[192];
    size_t nh_len;
    size_t nlri_off;

    if (len < 5)
        return fail(c->err, c->errlen, BGP_ERR_MP_REACH,
                    "MP_REACH_NLRI length %zu, minimum is 5", len);
    u->has_mp_reach = true;
    u->mp_reach_afi = wire_get16(v);
    u->mp_reach_safi = v[2];
    nh_len = v[3];
    if (nh_len > len - 5)
        return fail(c->err, c->errlen, BGP_ERR_MP_REACH,
                    "MP_REACH_NLRI next hop length %zu exceeds attribute "
                    "length %zu", nh_len, len);
    if (!is_evpn(u->mp_reach_afi, u->mp_reach_safi)) {
        u->n_mp_other++;
        return BGP_ERR_NONE;
    }
    if (nh_len != 4 && nh_len != 16 && nh_len != 32)
        return fail(c->err, c->errlen, BGP_ERR_MP_REACH,
                    "MP_REACH_NLRI EVPN next hop length %zu, must be "
                    "4, 16 or 32", nh_len);
    u->nh_len = (uint8_t)nh_len;
    memcpy(u->nh, v + 4, nh_len);
    nlri_off = 5 + nh_len;
    if (evpn_nlri_scan(v + nlri_off, len - nlri_off, &u->evpn_reach,
                       why, sizeof(why)) < 0)
        return fail(c->err, c->errlen, BGP_ERR_EVPN_NLRI,
                    "MP_REACH_NLRI: %s", why);
    return BGP_ERR_NONE;
}

/* MP_UNREACH_NLRI: AFI(2) SAFI(1) withdrawn NLRI. */
static enum bgp_err parse_mp_unreach(struct attr_ctx *c, const uint8_t *v,
                                     size_t len)
{
    struct bgp_update *u = c->u;
    char why[192];

    if (len < 3)
        return fail(c->err, c->errlen, BGP_ERR_MP_UNREACH,
                    "MP_UNREACH_NLRI length %zu, minimum is 3", len);
    u->has_mp_unreach = true;
    u->mp_unreach_afi = wire_get16(v);
    u->mp_unreach_safi = v[2];
    c->mp_unreach_nlri_len = len - 3;
    if (!is_evpn(u->mp_unreach_afi, u->mp_unreach_safi)) {
        u->n_mp_other++;
        return BGP_ERR_NONE;
    }
    if (evpn_nlri_scan(v + 3, len - 3, &u->evpn_unreach,
                       why, sizeof(why)) < 0)
        return fail(c->err, c->errlen, BGP_ERR_EVPN_NLRI,
                    "MP_UNREACH_NLRI: %s", why);
    return BGP_ERR_NONE;
}

static enum bgp_err parse_attr(struct attr_ctx *c, uint8_t type,
                               const uint8_t *v, size_t len)
{
    struct bgp_attrs *a = &c->u->attrs;

    switch (type) {
    case BGP_ATTR_ORIGIN:
        return parse_origin(c, v, len);
    case BGP_ATTR_AS_PATH:
        return parse_as_path(c, v, len);
    case BGP_ATTR_NEXT_HOP:
        if (len != 4)
            return fail(c->err, c->errlen, BGP_ERR_ATTR_LENGTH,
                        "NEXT_HOP length %zu, must be 4", len);
        memcpy(a->next_hop, v, 4);
        return BGP_ERR_NONE;
    case BGP_ATTR_MED:
        return parse_u32_attr(c, type, v, len, &a->med);
    case BGP_ATTR_LOCAL_PREF:
        return parse_u32_attr(c, type, v, len, &a->local_pref);
    case BGP_ATTR_ORIGINATOR_ID:
        return parse_u32_attr(c, type, v, len, &a->originator_id);
    case BGP_ATTR_CLUSTER_LIST:
        return parse_cluster_list(c, v, len);
    case BGP_ATTR_EXT_COMM:
        return parse_ext_comm(c, v, len);
    case BGP_ATTR_PMSI_TUNNEL:
        return parse_pmsi(c, v, len);
    case BGP_ATTR_MP_REACH:
        return parse_mp_reach(c, v, len);
    case BGP_ATTR_MP_UNREACH:
        return parse_mp_unreach(c, v, len);
    default:
        c->u->n_attrs_unknown++;
        return BGP_ERR_NONE;
    }
}

/* Optional and Transitive bits a decoded attribute must carry, or -1 for
 * types not decoded here (their flags are not checked). */
static int expected_flags(uint8_t type)
{
    const int wk = BGP_ATTR_FLAG_TRANSITIVE;
    const int opt = BGP_ATTR_FLAG_OPTIONAL;
    const int opt_trans = BGP_ATTR_FLAG_OPTIONAL | BGP_ATTR_FLAG_TRANSITIVE;

    switch (type) {
    case BGP_ATTR_ORIGIN: case BGP_ATTR_AS_PATH: case BGP_ATTR_NEXT_HOP:
    case BGP_ATTR_LOCAL_PREF:
        return wk;
    case BGP_ATTR_MED: case BGP_ATTR_ORIGINATOR_ID: case BGP_ATTR_CLUSTER_LIST:
    case BGP_ATTR_MP_REACH: case BGP_ATTR_MP_UNREACH:
        return opt;
    case BGP_ATTR_EXT_COMM: case BGP_ATTR_PMSI_TUNNEL:
        return opt_trans;
    default:
        return -1;
    }
}

/* Attribute: flags(1) type(1) length(1, or 2 with EXT_LEN) value. */
static enum bgp_err parse_attrs(struct attr_ctx *c, const uint8_t *p,
                                size_t len)
{
    uint8_t seen[32] = { 0 };
    size_t off = 0;

    while (off < len) {
        uint8_t flags, type;
        size_t hdr, alen;
        int want;

        if (len - off < 3)
            return fail(c->err, c->errlen, BGP_ERR_ATTR_FRAMING,
                        "attribute header at offset %zu needs 3 bytes, "
                        "%zu left", off, len - off);
        flags = p[off];
        type = p[off + 1];
        if (flags & BGP_ATTR_FLAG_EXT_LEN) {
            if (len - off < 4)
                return fail(c->err, c->errlen, BGP_ERR_ATTR_FRAMING,
                            "extended-length attribute header at offset "
                            "%zu needs 4 bytes, %zu left", off, len - off);
            alen = wire_get16(p + off + 2);
            hdr = 4;
        } else {
            alen = p[off + 2];
            hdr = 3;
        }
        if (alen > len - off - hdr)
            return fail(c->err, c->errlen, BGP_ERR_ATTR_FRAMING,
                        "%s (type %u) at offset %zu: length %zu exceeds the "
                        "%zu bytes left", attr_name(type), type, off, alen,
                        len - off - hdr);
        c->u->n_attrs++;
        want = expected_flags(type);
        if (want >= 0 && (flags & (BGP_ATTR_FLAG_OPTIONAL |
                                   BGP_ATTR_FLAG_TRANSITIVE)) != want)
            return fail(c->err, c->errlen, BGP_ERR_ATTR_FLAGS,
                        "%s flags 0x%02x: optional/transitive bits must be "
                        "0x%02x", attr_name(type), flags, (unsigned int)want);
        if (seen[type / 8] & (1u << (type % 8))) {
            if (type == BGP_ATTR_MP_REACH || type == BGP_ATTR_MP_UNREACH)
                return fail(c->err, c->errlen, BGP_ERR_MP_DUPLICATE,
                            "%s appears twice", attr_name(type));
            c->u->n_attrs_dup++;
        } else {
            enum bgp_err e = parse_attr(c, type, p + off + hdr, alen);

            seen[type / 8] |= (uint8_t)(1u << (type % 8));
            if (e != BGP_ERR_NONE)
                return e;
            if (want >= 0)
                c->u->attrs.present |= BGP_ATTR_BIT(type);
        }
        off += hdr + alen;
    }
    return BGP_ERR_NONE;
}

static void detect_eor(const struct attr_ctx *c, size_t nlri_len)
{
    struct bgp_update *u = c->u;

    if (u->withdrawn_len != 0 || nlri_len != 0)
        return;
    if (u->n_attrs == 0) {
        u->eor = BGP_EOR_IPV4_UNICAST;
        u->eor_afi = BGP_AFI_IPV4;
        u->eor_safi = BGP_SAFI_UNICAST;
        return;
    }
    /* a single attribute, MP_UNREACH_NLRI, with nothing after AFI/SAFI */
    if (u->n_attrs != 1 || !u->has_mp_unreach || c->mp_unreach_nlri_len != 0)
        return;
    u->eor_afi = u->mp_unreach_afi;
    u->eor_safi = u->mp_unreach_safi;
    u->eor = is_evpn(u->eor_afi, u->eor_safi) ? BGP_EOR_EVPN : BGP_EOR_OTHER;
}

enum bgp_err bgp_update_parse(const uint8_t *msg, size_t len, bool as4,
                              struct bgp_update *u, char *err, size_t errlen)
{
    struct attr_ctx c = { .u = u, .as4 = as4, .err = err, .errlen = errlen };
    char why[160];
    size_t off, left, nlri_len;
    enum bgp_err e;
    int i;

    memset(u, 0, sizeof(*u));
    if (len < BGP_HEADER_LEN)
        return fail(err, errlen, BGP_ERR_HEADER,
                    "BGP header needs %d bytes, %zu present",
                    BGP_HEADER_LEN, len);
    for (i = 0; i < BGP_MARKER_LEN; i++) {
        if (msg[i] != 0xff)
            return fail(err, errlen, BGP_ERR_HEADER,
                        "BGP marker byte %d is 0x%02x, not 0xff", i, msg[i]);
    }
    u->length = wire_get16(msg + 16);
    if (u->length != len)
        return fail(err, errlen, BGP_ERR_HEADER,
                    "BGP length %u does not match the %zu bytes carried",
                    u->length, len);
    if (msg[18] != BGP_MSG_UPDATE)
        return fail(err, errlen, BGP_ERR_HEADER,
                    "BGP message type %u is not UPDATE (2)", msg[18]);
    if (len < BGP_UPDATE_MIN_LEN)
        return fail(err, errlen, BGP_ERR_HEADER,
                    "UPDATE length %zu, minimum is %d", len,
                    BGP_UPDATE_MIN_LEN);

    off = BGP_HEADER_LEN;
    u->withdrawn_len = wire_get16(msg + off);
    off += 2;
    left = len - off;
    if (u->withdrawn_len > left || left - u->withdrawn_len < 2)
        return fail(err, errlen, BGP_ERR_WITHDRAWN,
                    "withdrawn routes length %u leaves no room for the path "
                    "attribute length (%zu bytes left)", u->withdrawn_len,
                    left);
    if (count_v4_prefixes(msg + off, u->withdrawn_len, &u->n_withdrawn_v4,
                          "withdrawn", why, sizeof(why)) < 0)
        return fail(err, errlen, BGP_ERR_WITHDRAWN, "%s", why);
    off += u->withdrawn_len;

    u->attrs_len = wire_get16(msg + off);
    off += 2;
    left = len - off;
    if (u->attrs_len > left)
        return fail(err, errlen, BGP_ERR_ATTR_FRAMING,
                    "path attribute length %u exceeds the %zu bytes left",
                    u->attrs_len, left);
    e = parse_attrs(&c, msg + off, u->attrs_len);
    if (e != BGP_ERR_NONE)
        return e;
    off += u->attrs_len;

    nlri_len = len - off;
    if (count_v4_prefixes(msg + off, nlri_len, &u->n_nlri_v4, "NLRI",
                          why, sizeof(why)) < 0)
        return fail(err, errlen, BGP_ERR_NLRI, "%s", why);
    detect_eor(&c, nlri_len);
    return BGP_ERR_NONE;
}
