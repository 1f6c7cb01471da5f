/* EVPN feed server: accepts BMP sessions on a Unix stream socket (and
 * optionally on a loopback TCP port) and applies what they carry to the RIB.
 * A closed session leaves its paths stale (still forwarding) until the same
 * feed (by BMP sysName) reconnects and sends End-of-RIB, or until stale_s
 * seconds pass. */
#ifndef VTEPD_FEED_SERVER_H
#define VTEPD_FEED_SERVER_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct evpn_rib;

/* Listen on path (mode 0660, stale file replaced) and, when tcp_port is
 * non-zero, on 127.0.0.1:tcp_port. Returns 0, or -1 with the reason logged. */
int feed_server_start(struct evpn_rib *rib, const char *path, uint16_t tcp_port,
                      uint64_t stale_s);

/* Periodic work (about once a second): sweep stale paths that timed out. */
void feed_server_poll(void);

/* Close every session and listening socket. */
void feed_server_stop(void);

/* JSON: server counters, each feed with its peers, then the whole RIB
 * (full) or only its counters. */
void feed_server_dump_json(FILE *out, bool full);

#endif
