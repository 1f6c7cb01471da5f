/* vtep-meter offline mode: libpcap reader and the A/B merge
 * (see meter_pcap.h). */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <pcap/pcap.h>

#include "meter_pcap.h"

const char *meter_pcap_linktype_name(int dlt, char *buf, unsigned size)
{
    const char *n = pcap_datalink_val_to_name(dlt);

    snprintf(buf, size, "%s (%d)", n ? n : "unknown", dlt);
    return buf;
}

static int link_of(int dlt, enum meter_link *link)
{
    switch (dlt) {
    case DLT_EN10MB:
        *link = METER_LINK_ETHERNET;
        return 0;
    case DLT_RAW:
#ifdef DLT_IPV4
    case DLT_IPV4:
#endif
#ifdef DLT_IPV6
    case DLT_IPV6:
#endif
        *link = METER_LINK_RAW;
        return 0;
    case DLT_LINUX_SLL:
        *link = METER_LINK_LINUX_SLL;
        return 0;
#ifdef DLT_LINUX_SLL2
    case DLT_LINUX_SLL2:
        *link = METER_LINK_LINUX_SLL2;
        return 0;
#endif
    default:
        return -EPROTONOSUPPORT;
    }
}

int meter_pcap_open(struct meter_pcap *r, const char *path)
{
    char errbuf[PCAP_ERRBUF_SIZE] = "";
    pcap_t *p;
    int dlt;

    memset(r, 0, sizeof(*r));
    r->path = path;
    p = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_NANO, errbuf);
    if (!p) {
        snprintf(r->err, sizeof(r->err), "%s: cannot read capture: %s", path, errbuf);
        return errno == ENOENT ? -ENOENT : -EINVAL;
    }
    dlt = pcap_datalink(p);
    if (link_of(dlt, &r->link) < 0) {
        char lt[64];

        snprintf(r->err, sizeof(r->err),
                 "%s: link type %s not supported (supported: EN10MB, RAW, LINUX_SLL, LINUX_SLL2)",
                 path, meter_pcap_linktype_name(dlt, lt, sizeof(lt)));
        pcap_close(p);
        return -EPROTONOSUPPORT;
    }
    r->tsprec_nano = pcap_get_tstamp_precision(p) == PCAP_TSTAMP_PRECISION_NANO;
    r->handle = p;
    return 0;
}

int meter_pcap_next(struct meter_pcap *r)
{
    struct pcap_pkthdr *h;
    const u_char *d;
    int rc;

    if (!r->handle)
        return 0;
    rc = pcap_next_ex(r->handle, &h, &d);
    if (rc == 1) {
        r->packets++;
        r->ts = (int64_t)h->ts.tv_sec * 1000000000LL +
                (int64_t)h->ts.tv_usec * (r->tsprec_nano ? 1 : 1000);
        r->caplen = h->caplen;
        r->wirelen = h->len;
        r->data = d;
        return 1;
    }
    if (rc == PCAP_ERROR_BREAK)
        return 0;
    snprintf(r->err, sizeof(r->err), "%s: damaged after record %" PRIu64 ": %s",
             r->path, r->packets, pcap_geterr(r->handle));
    return -EIO;
}

void meter_pcap_close(struct meter_pcap *r)
{
    if (r->handle)
        pcap_close(r->handle);
    r->handle = NULL;
}

static void note(char (*errs)[320], unsigned max_errs, unsigned *n_errs, const char *msg)
{
    fprintf(stderr, "vtep-meter: %s\n", msg);
    if (*n_errs < max_errs)
        snprintf(errs[(*n_errs)++], 320, "%s", msg);
}

int meter_offline_run(struct meter *m, const char *path_a, const char *path_b,
                      char (*errs)[320], unsigned max_errs, unsigned *n_errs)
{
    struct meter_pcap r[2];
    const char *paths[2] = {path_a, path_b};
    int have[2] = {0, 0};
    int ok = 1;

    for (int t = 0; t < 2; t++) {
        int rc = meter_pcap_open(&r[t], paths[t]);

        if (rc < 0) {
            note(errs, max_errs, n_errs, r[t].err);
            ok = 0;
            continue;
        }
        rc = meter_pcap_next(&r[t]);
        if (rc < 0) {
            note(errs, max_errs, n_errs, r[t].err);
            ok = 0;
        }
        have[t] = rc == 1;
    }
    /* Two-way merge on timestamps (A first on a tie). */
    while (have[0] || have[1]) {
        int t = !have[0] ? 1 : !have[1] ? 0 : (r[1].ts < r[0].ts ? 1 : 0);
        int rc;

        meter_packet(m, t ? METER_TAP_B : METER_TAP_A, (uint16_t)t, r[t].ts,
                     r[t].data, r[t].caplen, r[t].link);
        rc = meter_pcap_next(&r[t]);
        if (rc < 0) {
            note(errs, max_errs, n_errs, r[t].err);
            ok = 0;
        }
        have[t] = rc == 1;
    }
    for (int t = 0; t < 2; t++)
        meter_pcap_close(&r[t]);
    meter_finish(m);
    return ok ? 0 : -EIO;
}

static uint32_t rd32e(const uint8_t *p, int big)
{
    return big ? ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3]
               : ((uint32_t)p[3] << 24) | ((uint32_t)p[2] << 16) | ((uint32_t)p[1] << 8) | p[0];
}

static uint16_t rd16e(const uint8_t *p, int big)
{
    return big ? (uint16_t)((p[0] << 8) | p[1]) : (uint16_t)((p[1] << 8) | p[0]);
}

/* if_tsresol of the first Interface Description Block in buf (n bytes). */
static double pcapng_resolution(const uint8_t *buf, size_t n)
{
    uint32_t magic, shb_len, idb_len;
    size_t o;
    int big;

    if (n < 28)
        return 0;
    magic = rd32e(buf + 8, 0);
    if (magic == 0x1A2B3C4D)
        big = 0;
    else if (magic == 0x4D3C2B1A)
        big = 1;
    else
        return 0;
    shb_len = rd32e(buf + 4, big);
    if (shb_len < 28 || shb_len % 4 || shb_len > n - 8)
        return 0;
    o = shb_len;                            /* o + 8 <= n */
    if (rd32e(buf + o, big) != 1)           /* the IDB follows the SHB */
        return 0;
    idb_len = rd32e(buf + o + 4, big);
    if (idb_len < 20 || (size_t)idb_len + o > n)
        return 0;
    for (size_t q = o + 16; q + 4 <= o + idb_len - 4;) {
        uint16_t code = rd16e(buf + q, big), len = rd16e(buf + q + 2, big);

        if (code == 0)
            break;
        if (code == 9 && len == 1 && q + 5 <= o + idb_len) {
            uint8_t v = buf[q + 4];
            double unit = (v & 0x80) ? 1.0 / (double)(1ULL << (v & 0x3f)) : 1;

            if (!(v & 0x80))
                for (int i = 0; i < (v & 0x7f) && i < 30; i++)
                    unit /= 10;
            return unit * 1e9;
        }
        q += 4 + (((size_t)len + 3) & ~(size_t)3);
    }
    return 1000;      /* pcapng default: microseconds */
}

double meter_pcap_file_resolution_ns(const char *path)
{
    uint8_t buf[4096];
    size_t n;
    uint32_t magic;
    FILE *f = fopen(path, "rb");

    if (!f)
        return 0;
    n = fread(buf, 1, sizeof(buf), f);
    fclose(f);
    if (n < 4)
        return 0;
    magic = rd32e(buf, 0);
    if (magic == 0xa1b2c3d4 || magic == 0xd4c3b2a1)
        return 1000;
    if (magic == 0xa1b23c4d || magic == 0x4d3cb2a1)
        return 1;
    if (magic == 0x0A0D0D0A)
        return pcapng_resolution(buf, n);
    return 0;
}
