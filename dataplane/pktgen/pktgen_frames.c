/* vtep-pktgen: the frames to replay, from a pcap (see pktgen_frames.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pcap/pcap.h>

#include "pktgen_frames.h"

static int add_frame(struct pktgen_frames *f, uint32_t *cap, struct rte_mempool *pool,
                     const uint8_t *data, uint32_t len)
{
    struct rte_mbuf *m;
    char *dst;

    if (f->n == *cap) {
        uint32_t ncap = *cap ? *cap * 2 : 1024;
        struct rte_mbuf **nm = realloc(f->m, ncap * sizeof(*nm));

        if (!nm)
            return -ENOMEM;
        f->m = nm;
        *cap = ncap;
    }
    m = rte_pktmbuf_alloc(pool);
    if (!m)
        return -ENOMEM;
    dst = rte_pktmbuf_append(m, (uint16_t)len);
    if (!dst) {
        rte_pktmbuf_free(m);
        return -ENOMEM;
    }
    memcpy(dst, data, len);
    f->m[f->n++] = m;
    f->bytes += len;
    return 0;
}

int pktgen_frames_load(struct pktgen_frames *f, const char *path, struct rte_mempool *pool)
{
    char err[PCAP_ERRBUF_SIZE];
    struct pcap_pkthdr *h;
    const u_char *data;
    uint32_t cap = 0, room = rte_pktmbuf_data_room_size(pool) - RTE_PKTMBUF_HEADROOM;
    pcap_t *pc;
    int r, rc = 0;

    memset(f, 0, sizeof(*f));
    pc = pcap_open_offline(path, err);
    if (!pc) {
        fprintf(stderr, "vtep-pktgen: %s: %s\n", path, err);
        return -ENOENT;
    }
    while (f->n < PKTGEN_MAX_FRAMES && (r = pcap_next_ex(pc, &h, &data)) == 1) {
        if (h->caplen != h->len || h->caplen < 14 || h->caplen > room) {
            f->skipped++;
            continue;
        }
        rc = add_frame(f, &cap, pool, data, h->caplen);
        if (rc < 0) {
            fprintf(stderr, "vtep-pktgen: %s: no memory for frame %u (mbuf pool too small)\n",
                    path, f->n + 1);
            break;
        }
    }
    pcap_close(pc);
    if (rc == 0 && f->n == 0) {
        fprintf(stderr, "vtep-pktgen: %s: no whole frame of 14 to %u bytes\n", path, room);
        rc = -EINVAL;
    }
    if (rc < 0)
        pktgen_frames_free(f);
    return rc;
}

void pktgen_frames_free(struct pktgen_frames *f)
{
    for (uint32_t i = 0; i < f->n; i++)
        rte_pktmbuf_free(f->m[i]);
    free(f->m);
    memset(f, 0, sizeof(*f));
}
