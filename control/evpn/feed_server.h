/* EVPN feed server: accepts BMP sessions on a Unix stream socket (and
 * optionally on a loopback TCP port) and applies what they carry to the RIB.
 * A closed session leaves its paths stale (still forwarding) until the same
 * feed (by BMP sysName) reconnects and sends End-of-RIB, or until stale_s
 * seconds pass.
 *
 * Only the BGP speaker may feed routes: every connection's user (SO_PEERCRED
 * on the Unix socket, sock_diag for loopback TCP) must be in allowed_uids.
 * A session must send its BMP Initiation within init_timeout_s; while all
 * slots are taken, a new connection evicts the oldest session that has not.
 * The control thread never waits on a feed: sockets are non-blocking and a
 * feed is served in slices of about 1 ms, so one streaming as fast as it can
 * is throttled by TCP backpressure instead of starving the loop. */
#ifndef VTEPD_FEED_SERVER_H
#define VTEPD_FEED_SERVER_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

struct evpn_rib;

struct feed_server_opts {
    const char *path;           /* Unix socket, or NULL/"" for none */
    uint16_t tcp_port;          /* 127.0.0.1:tcp_port, or 0 for none */
    uint64_t stale_s;           /* life of a closed feed's paths */
    const uid_t *allowed_uids;  /* who may feed (copied pointer: keep alive) */
    int n_allowed_uids;
    uint32_t init_timeout_s;    /* 0: none */
    uint32_t idle_timeout_s;    /* after Initiation; 0: none */
};

/* Listen as o says. Returns 0, or a negative errno with the reason logged. */
int feed_server_start(struct evpn_rib *rib, const struct feed_server_opts *o);

/* New policy from a reload (allowed must stay valid). Sessions already
 * accepted keep running. */
void feed_server_set_policy(uint64_t stale_s, const uid_t *allowed, int n_allowed,
                            uint32_t init_timeout_s, uint32_t idle_timeout_s);

/* Periodic work (about once a second): sweep stale paths that timed out,
 * close sessions past their Initiation or idle deadline. */
void feed_server_poll(void);

/* True when a feed stopped in the middle of its work at the end of its
 * slice; feed_server_resume() continues (about 2 ms over all feeds). */
bool feed_server_backlog(void);
void feed_server_resume(void);

/* Close every session and listening socket. */
void feed_server_stop(void);

/* Server-wide counters ("show evpn summary"). refused counts every
 * refused connection: refused_uid + refused_cred + refused_full + the ones
 * refused for want of memory. */
struct feed_server_stats {
    uint64_t accepted, closed, refused, refused_uid, refused_cred, refused_full;
    uint64_t evicted, init_timeouts, idle_timeouts, slices_exhausted, fatal, bytes;
};
void feed_server_stats(struct feed_server_stats *out);

/* One session. The strings point into the server's memory: valid until
 * the control loop turns again. */
struct feed_stats {
    unsigned id;                /* session number, unique for the process */
    const char *name;           /* BMP sysName, or "feed-<id>" before one */
    const char *origin;         /* "unix" or the TCP peer */
    bool initiated;
    uint64_t up_s;
    uint64_t bytes, messages, malformed, unknown_type;
    uint64_t evpn_reach, evpn_unreach, evpn_other, eor;
    uint64_t slices_exhausted, skipped_not_pre_policy;
    int n_peers;
};
struct feed_peer_stats {
    const char *addr;
    uint32_t as;
    bool up;
    uint64_t reach, unreach, eor;
};

/* Session slots are 0..FEED_SERVER_SLOTS-1. Slot i: 0 with *out filled, or
 * -ENOENT when it is free. Peer k (0..n_peers-1) of slot i: the same. */
#define FEED_SERVER_SLOTS 32
int feed_server_feed_stats(int i, struct feed_stats *out);
int feed_server_peer_stats(int i, int k, struct feed_peer_stats *out);

struct json;

/* One JSON object, the next value of j: server counters, each feed with
 * its peers, then the whole RIB (full) or only its counters. */
void feed_server_dump_json(struct json *j, bool full);

#endif
