/* Who is on the other end of a local connection. The EVPN feed only takes
 * routes from the BGP speaker's user (root, frr), so it asks the kernel:
 * SO_PEERCRED for a Unix socket, sock_diag (NETLINK_SOCK_DIAG) for a
 * loopback TCP connection, whose client socket is owned by a local uid. */
#ifndef VTEPD_PEER_CRED_H
#define VTEPD_PEER_CRED_H

#include <stdbool.h>
#include <sys/types.h>

/* uid of the process at the other end of connected Unix socket fd.
 * Returns 0, or a negative errno. */
int peer_uid_unix(int fd, uid_t *uid);

/* uid owning the client socket of accepted TCP connection fd when both
 * ends are on this host (loopback). Returns 0, -ENOENT when the kernel
 * knows no such local socket (the peer is remote or already gone), or
 * another negative errno. */
int peer_uid_tcp_local(int fd, uid_t *uid);

/* True when uid is one of the n uids in allowed. */
bool peer_uid_allowed(uid_t uid, const uid_t *allowed, int n);

#endif
