/* EVPN NLRI decoding (RFC 7432 section 7, RFC 8365).
 *
 * Every read is preceded by a check against the length the caller gave;
 * the route length byte is only trusted after it was checked against the
 * bytes left.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "evpn_nlri.h"
#include "wire.h"

/* Fixed part of a MAC/IP body: RD, ESI, Ethernet Tag, MAC length, MAC,
 * IP length. One label (3 bytes) and the IP address come on top. */
#define MAC_IP_FIXED    (EVPN_RD_LEN + EVPN_ESI_LEN + 4 + 1 + 6 + 1)
#define MAC_IP_MIN      (MAC_IP_FIXED + 3)
/* Fixed part of an IMET body: RD, Ethernet Tag, IP length. */
#define IMET_FIXED      (EVPN_RD_LEN + 4 + 1)

static int fail(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
    if (err != NULL && errlen > 0) {
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return -1;
}

const char *evpn_route_type_name(uint8_t type)
{
    switch (type) {
    case EVPN_ROUTE_ETH_AD: return "eth-ad";
    case EVPN_ROUTE_MAC_IP: return "mac-ip";
    case EVPN_ROUTE_IMET: return "imet";
    case EVPN_ROUTE_ES: return "es";
    case EVPN_ROUTE_IP_PREFIX: return "ip-prefix";
    default: return "unknown";
    }
}

/* The RD's fields; its text too only when want_str (the feed's hot loop
 * and the validation scan never print it: snprintf was the largest cost
 * of decoding a route). */
static void rd_decode(const uint8_t *raw, struct evpn_rd *rd, bool want_str)
{
    memset(rd, 0, sizeof(*rd));
    memcpy(rd->raw, raw, EVPN_RD_LEN);
    rd->type = wire_get16(raw);
    switch (rd->type) {
    case 0:
        rd->admin = wire_get16(raw + 2);
        rd->number = wire_get32(raw + 4);
        if (want_str)
            snprintf(rd->str, sizeof(rd->str), "%u:%u", rd->admin, rd->number);
        break;
    case 1:
        rd->admin = wire_get32(raw + 2);
        rd->number = wire_get16(raw + 6);
        if (want_str)
            snprintf(rd->str, sizeof(rd->str), "%u.%u.%u.%u:%u", raw[2], raw[3],
                     raw[4], raw[5], rd->number);
        break;
    case 2:
        rd->admin = wire_get32(raw + 2);
        rd->number = wire_get16(raw + 6);
        if (want_str)
            snprintf(rd->str, sizeof(rd->str), "%u:%u", rd->admin, rd->number);
        break;
    default:
        if (want_str)
            snprintf(rd->str, sizeof(rd->str), "%u:%02x%02x%02x%02x%02x%02x",
                     rd->type, raw[2], raw[3], raw[4], raw[5], raw[6], raw[7]);
        break;
    }
}

void evpn_rd_decode(const uint8_t *raw, struct evpn_rd *rd)
{
    rd_decode(raw, rd, true);
}

/* Type 2 body: RD(8) ESI(10) Tag(4) MAClen(1) MAC(6) IPlen(1) IP(0/4/16)
 * Label1(3) [Label2(3)]. b has exactly r->length bytes. */
static int decode_mac_ip(const uint8_t *b, struct evpn_route *r, bool want_str,
                         char *err, size_t errlen)
{
    size_t len = r->length;
    size_t ip_bytes;
    size_t need;
    const uint8_t *q;

    if (len < MAC_IP_MIN)
        return fail(err, errlen, "mac-ip route length %zu, minimum is %d",
                    len, MAC_IP_MIN);
    rd_decode(b, &r->rd, want_str);
    memcpy(r->esi, b + EVPN_RD_LEN, EVPN_ESI_LEN);
    r->eth_tag = wire_get32(b + EVPN_RD_LEN + EVPN_ESI_LEN);
    q = b + EVPN_RD_LEN + EVPN_ESI_LEN + 4;
    if (q[0] != 48)
        return fail(err, errlen, "mac-ip MAC length %u bits, must be 48",
                    q[0]);
    memcpy(r->mac, q + 1, 6);
    r->ip_len = q[7];
    if (r->ip_len != 0 && r->ip_len != 32 && r->ip_len != 128)
        return fail(err, errlen,
                    "mac-ip IP length %u bits, must be 0, 32 or 128",
                    r->ip_len);
    ip_bytes = r->ip_len / 8u;
    need = MAC_IP_MIN + ip_bytes;
    if (len != need && len != need + 3)
        return fail(err, errlen,
                    "mac-ip route length %zu does not fit IP length %u "
                    "(expected %zu or %zu)", len, r->ip_len, need, need + 3);
    q = b + MAC_IP_FIXED;
    memcpy(r->ip, q, ip_bytes);
    q += ip_bytes;
    r->n_labels = 1;
    r->label1 = wire_get24(q);
    if (len == need + 3) {
        r->n_labels = 2;
        r->label2 = wire_get24(q + 3);
    }
    return 0;
}

/* Type 3 body: RD(8) Tag(4) IPlen(1) IP(4/16). */
static int decode_imet(const uint8_t *b, struct evpn_route *r, bool want_str,
                       char *err, size_t errlen)
{
    size_t len = r->length;
    size_t need;

    if (len < IMET_FIXED)
        return fail(err, errlen, "imet route length %zu, minimum is %d",
                    len, IMET_FIXED + 4);
    rd_decode(b, &r->rd, want_str);
    r->eth_tag = wire_get32(b + EVPN_RD_LEN);
    r->ip_len = b[EVPN_RD_LEN + 4];
    if (r->ip_len != 32 && r->ip_len != 128)
        return fail(err, errlen,
                    "imet originating router IP length %u bits, "
                    "must be 32 or 128", r->ip_len);
    need = IMET_FIXED + r->ip_len / 8u;
    if (len != need)
        return fail(err, errlen,
                    "imet route length %zu does not fit IP length %u "
                    "(expected %zu)", len, r->ip_len, need);
    memcpy(r->ip, b + IMET_FIXED, r->ip_len / 8u);
    return 0;
}

static int nlri_decode(const uint8_t *p, size_t len, struct evpn_route *r, bool want_str,
                       char *err, size_t errlen)
{
    int rc = 0;

    memset(r, 0, sizeof(*r));
    if (len < 2)
        return fail(err, errlen, "NLRI header needs 2 bytes, %zu left", len);
    r->type = p[0];
    r->length = p[1];
    if ((size_t)r->length > len - 2)
        return fail(err, errlen,
                    "route type %u length %u exceeds the %zu bytes left",
                    r->type, r->length, len - 2);
    if (r->type == EVPN_ROUTE_MAC_IP)
        rc = decode_mac_ip(p + 2, r, want_str, err, errlen);
    else if (r->type == EVPN_ROUTE_IMET)
        rc = decode_imet(p + 2, r, want_str, err, errlen);
    if (rc < 0)
        return -1;
    return 2 + r->length;
}

int evpn_nlri_decode(const uint8_t *p, size_t len, struct evpn_route *r,
                     char *err, size_t errlen)
{
    return nlri_decode(p, len, r, true, err, errlen);
}

/* What evpn_nlri_decode accepts, without decoding: the bytes the NLRI
 * occupies and its type, or -1 (then the decode says why). The scan runs
 * this over every NLRI of every UPDATE before the feed decodes them. */
static int nlri_check(const uint8_t *p, size_t len, uint8_t *type)
{
    size_t rl;

    if (len < 2)
        return -1;
    *type = p[0];
    rl = p[1];
    if (rl > len - 2)
        return -1;
    if (p[0] == EVPN_ROUTE_MAC_IP) {
        const uint8_t *q = p + 2 + EVPN_RD_LEN + EVPN_ESI_LEN + 4;
        size_t need;

        if (rl < MAC_IP_MIN || q[0] != 48 || (q[7] != 0 && q[7] != 32 && q[7] != 128))
            return -1;
        need = MAC_IP_MIN + q[7] / 8u;
        if (rl != need && rl != need + 3)
            return -1;
    } else if (p[0] == EVPN_ROUTE_IMET) {
        uint8_t ip_len;

        if (rl < IMET_FIXED)
            return -1;
        ip_len = p[2 + EVPN_RD_LEN + 4];
        if ((ip_len != 32 && ip_len != 128) || rl != IMET_FIXED + ip_len / 8u)
            return -1;
    }
    return (int)(2 + rl);
}

int evpn_nlri_scan(const uint8_t *p, size_t len, struct evpn_nlri_view *v,
                   char *err, size_t errlen)
{
    struct evpn_route r;
    char why[160];
    size_t off = 0;

    memset(v, 0, sizeof(*v));
    while (off < len) {
        uint8_t type = 0;
        int n = nlri_check(p + off, len - off, &type);

        if (n < 0) {
            /* the full decode gives the reason */
            if (nlri_decode(p + off, len - off, &r, false, why, sizeof(why)) >= 0)
                snprintf(why, sizeof(why), "inconsistent NLRI");
            memset(v, 0, sizeof(*v));
            return fail(err, errlen, "EVPN NLRI at offset %zu: %s", off, why);
        }
        if (type == EVPN_ROUTE_MAC_IP || type == EVPN_ROUTE_IMET)
            v->n_routes++;
        else
            v->n_skipped++;
        off += (size_t)n;
    }
    v->data = p;
    v->len = len;
    return 0;
}

void evpn_nlri_iter_init(struct evpn_nlri_iter *it,
                         const struct evpn_nlri_view *v)
{
    it->data = v->data;
    it->len = v->data != NULL ? v->len : 0;
    it->off = 0;
}

static bool iter_next(struct evpn_nlri_iter *it, struct evpn_route *r, bool want_str)
{
    while (it->off < it->len) {
        int n = nlri_decode(it->data + it->off, it->len - it->off, r, want_str, NULL, 0);

        if (n < 0) {
            it->off = it->len;
            return false;
        }
        it->off += (size_t)n;
        if (r->type == EVPN_ROUTE_MAC_IP || r->type == EVPN_ROUTE_IMET)
            return true;
    }
    return false;
}

bool evpn_nlri_iter_next(struct evpn_nlri_iter *it, struct evpn_route *r)
{
    return iter_next(it, r, true);
}

bool evpn_nlri_iter_next_nostr(struct evpn_nlri_iter *it, struct evpn_route *r)
{
    return iter_next(it, r, false);
}
