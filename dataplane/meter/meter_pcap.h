/* vtep-meter offline mode: reading pcap and pcapng captures with libpcap,
 * with nanosecond timestamps (files in microseconds are scaled up by
 * libpcap; pcapng if_tsresol is honoured), and feeding two of them, merged
 * in timestamp order, to the analysis as tap A and tap B.
 */
#ifndef VTEPD_METER_PCAP_H
#define VTEPD_METER_PCAP_H

#include <stdint.h>

#include "meter.h"

struct meter_pcap {
    void *handle;            /* pcap_t */
    const char *path;
    enum meter_link link;
    int tsprec_nano;         /* libpcap delivers nanoseconds */
    uint64_t packets;        /* records read */
    /* current record, valid after meter_pcap_next() returned 1 */
    int64_t ts;              /* ns since the epoch */
    uint32_t caplen;
    uint32_t wirelen;
    const uint8_t *data;
    char err[320];           /* why the last call failed */
};

/* Open path for reading. 0, or -ENOENT/-EINVAL (cannot open or not a
 * capture: libpcap's reason in r->err) or -EPROTONOSUPPORT (link type the
 * meter does not understand; r->err names it). */
int meter_pcap_open(struct meter_pcap *r, const char *path);

/* Next record: 1 with r->ts/caplen/data set, 0 at the clean end of the
 * file, -EIO when the file is damaged or truncated (r->err says where;
 * records before it were delivered). */
int meter_pcap_next(struct meter_pcap *r);

/* Close r (safe on a reader that failed to open). */
void meter_pcap_close(struct meter_pcap *r);

/* Text for a pcap link type number ("EN10MB (1)"). */
const char *meter_pcap_linktype_name(int dlt, char *buf, unsigned size);

/* Timestamp resolution the file itself records, in ns: 1000 for classic
 * microsecond pcap, 1 for nanosecond pcap, if_tsresol of the first pcapng
 * interface (default 1000). 0 when the file cannot be read or recognised. */
double meter_pcap_file_resolution_ns(const char *path);

/* Offline analysis of path_a (tap A) and path_b (tap B): records are fed in
 * timestamp order across the two files, then meter_finish(). A file that
 * cannot be opened or breaks off is reported on stderr and in errs (up to
 * n_errs messages of errlen bytes, *n_errs updated); the other file and
 * everything read before the break are still analysed. Returns 0 when both
 * files were read completely, -EIO otherwise. */
int meter_offline_run(struct meter *m, const char *path_a, const char *path_b,
                      char (*errs)[320], unsigned max_errs, unsigned *n_errs);

#endif
