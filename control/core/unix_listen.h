/* Listening Unix stream sockets, created safely. */
#ifndef VTEPD_UNIX_LISTEN_H
#define VTEPD_UNIX_LISTEN_H

#include <stddef.h>

/* Listen on path with the given mode. A leftover socket file nobody answers
 * on is replaced; a socket someone still listens on, or a path that is not a
 * socket, is refused. Returns the non-blocking listening fd, or a negative
 * errno with the reason in err. */
int unix_listen(const char *path, unsigned mode, char *err, size_t errlen);

#endif
