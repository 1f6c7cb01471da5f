/* vtep-pktgen (module-private): the frames to replay, read from a pcap
 * into mbufs that are sent again and again (the sending PMD must copy
 * them: net_memif in copy mode, net_af_packet, net_pcap). */
#ifndef VTEPD_PKTGEN_FRAMES_H
#define VTEPD_PKTGEN_FRAMES_H

#include <stdint.h>

#include <rte_mbuf.h>

#define PKTGEN_MAX_FRAMES (1u << 20)

struct pktgen_frames {
    struct rte_mbuf **m;    /* n frames, each one segment */
    uint32_t n;
    uint64_t bytes;         /* sum of their lengths */
    uint32_t skipped;       /* records left out: truncated, too short, too long */
};

/* pktgen_frames_load: every whole frame of `path` (14 bytes to the pool's
 * data room), at most PKTGEN_MAX_FRAMES, into mbufs from `pool`. 0, or
 * -ENOENT (unreadable), -EINVAL (no usable frame), -ENOMEM (pool too
 * small); the reason is printed on stderr. */
int pktgen_frames_load(struct pktgen_frames *f, const char *path, struct rte_mempool *pool);

/* pktgen_frames_free: give the mbufs back (safe on a zeroed struct). */
void pktgen_frames_free(struct pktgen_frames *f);

#endif
