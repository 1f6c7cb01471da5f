/* Test seam of the fdb mirror: open it on injected I/O instead of a
 * netlink socket, so that unit tests see every request it sends and feed
 * it canned kernel replies. Private to control/evpn and tests/unit. */
#ifndef VTEPD_FDB_MIRROR_IO_H
#define VTEPD_FDB_MIRROR_IO_H

#include <stddef.h>
#include <sys/types.h>

#include "fdb_mirror.h"

struct fm_io {
    /* one datagram of one or more requests: 0 or -errno */
    int (*send)(void *ctx, const void *buf, size_t len);
    /* one datagram of replies: its length, -EAGAIN when none, or -errno */
    ssize_t (*recv)(void *ctx, void *buf, size_t len);
    void *ctx;
};

/* fdb_mirror_open() on io; fdb_mirror_fd() then returns -1. */
int fdb_mirror_open_io(struct fdb_mirror **mp, const struct fdb_mirror_config *cfg,
                       const struct fm_io *io);

#endif
