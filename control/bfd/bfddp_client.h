/* The data-plane end of FRR bfdd's distributed-BFD connection (bfdd
 * --dplaneaddr): vtepd connects to bfdd (bfdd 8.4 is the server, see
 * docs/BFD-DPLANE.md), frames and decodes what bfdd sends, and queues what
 * vtepd sends back.
 *
 * Everything is non-blocking and driven by bfddp_client_poll(), called by
 * the owner's loop (vtepd's BFD thread) at least every few milliseconds:
 *  - not connected: when the backoff is over, a non-blocking connect();
 *    a failure doubles the backoff (min_ms .. max_ms); a connection that
 *    delivered a valid message resets it;
 *  - connecting (TCP): completion is checked without waiting;
 *  - connected: reads at most BFDDP_CLIENT_READ_BUDGET bytes per call,
 *    hands every whole message to ops->on_message, and writes what is
 *    queued. End-of-file, a socket error, a framing error (bad version,
 *    length < 8 or > 8192: the stream cannot be resynchronised) or a full
 *    output queue (bfdd does not read) close the connection: then
 *    ops->on_disconnect, and a reconnect after the backoff.
 * A message that frames but does not decode is counted by reason and
 * skipped; an unknown type is skipped too (as bfdd does).
 *
 * No DPDK, no threads, no allocation: the struct holds its buffers. Not
 * thread-safe: one owner calls everything.
 */
#ifndef VTEPD_BFDDP_CLIENT_H
#define VTEPD_BFDDP_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bfddp_addr.h"
#include "bfddp_packet.h"

#define BFDDP_CLIENT_TXBUF          65536   /* queued output before giving up */
#define BFDDP_CLIENT_READ_BUDGET    65536   /* bytes read per poll at most */
enum bfddp_conn {
    BFDDP_CONN_IDLE = 0,        /* waiting for the next attempt */
    BFDDP_CONN_CONNECTING,      /* TCP connect in progress */
    BFDDP_CONN_UP,              /* connected */
};

struct bfddp_client_ops {
    void (*on_connect)(void *ctx);
    /* one decoded message; may call bfddp_client_send() */
    void (*on_message)(void *ctx, const struct bfddp_msg *m);
    /* the connection closed; why is a short sentence */
    void (*on_disconnect)(void *ctx, const char *why);
    /* optional: something worth a log line (warning: true for errors).
     * Repeated connect failures with the same reason are said once. */
    void (*log)(void *ctx, bool warning, const char *msg);
};

struct bfddp_client_stats {
    uint64_t connects;          /* connections made */
    uint64_t connect_failures;  /* attempts that failed */
    uint64_t disconnects;
    uint64_t rx_bytes, tx_bytes;
    uint64_t rx_msgs[BFDDP_TYPE_NUM];
    uint64_t tx_msgs[BFDDP_TYPE_NUM];
    uint64_t rx_errors[BFDDP_ERR_NUM];  /* messages refused, by reason */
    uint64_t rx_unknown_type;
    uint64_t fatal;             /* connections closed for a framing error */
    uint64_t tx_overflow;       /* connections closed: output queue full */
    uint64_t tx_not_connected;  /* messages dropped: not connected */
    uint64_t tx_encode_errors;  /* messages vtepd refused to send */
};

struct bfddp_client {
    struct bfddp_addr addr;
    struct bfddp_client_ops ops;
    void *ctx;
    int fd;
    enum bfddp_conn conn;
    uint64_t min_backoff_ns, max_backoff_ns, backoff_ns;
    uint64_t next_try_ns;       /* IDLE: when to try */
    uint64_t up_since_ns;       /* UP: when it connected */
    bool got_valid;             /* this connection delivered a valid message */
    char last_error[160];       /* why the last attempt or connection ended */
    struct bfddp_stream in;
    uint8_t rxbuf[BFDDP_MAX_MSG_LEN];
    uint8_t txbuf[BFDDP_CLIENT_TXBUF];
    size_t tx_len;              /* queued bytes at txbuf[0..tx_len) */
    struct bfddp_client_stats st;
};

/* Set up c for addr (copied); the first attempt is due at now_ns. No
 * socket yet. Backoffs in milliseconds, min_ms <= max_ms, both > 0. */
void bfddp_client_init(struct bfddp_client *c, const struct bfddp_addr *addr,
                       const struct bfddp_client_ops *ops, void *ctx,
                       uint32_t min_ms, uint32_t max_ms, uint64_t now_ns);

/* Do what is due at now_ns (connect, read and dispatch, write); never
 * waits. */
void bfddp_client_poll(struct bfddp_client *c, uint64_t now_ns);

/* Queue m (type, id and body; see bfddp_encode) and try to write it at
 * once. Returns 0; -ENOTCONN when not connected (dropped, counted);
 * -EINVAL when the encoder refuses it (counted, logged by the caller);
 * -ENOBUFS when the queue is full: the connection is then closed
 * (on_disconnect is called before this returns). */
int bfddp_client_send(struct bfddp_client *c, const struct bfddp_msg *m, uint64_t now_ns);

/* Close the connection (if any) with reason why; the next attempt after
 * the backoff. on_disconnect is called when a connection was up. */
void bfddp_client_close(struct bfddp_client *c, const char *why, uint64_t now_ns);

/* Close for good (no callback, no reconnect): at shutdown. */
void bfddp_client_shutdown(struct bfddp_client *c);

/* Earliest time poll has something scheduled (next attempt), or
 * UINT64_MAX when it only waits for the socket. */
uint64_t bfddp_client_next_deadline(const struct bfddp_client *c);

/* "idle", "connecting", "up" */
const char *bfddp_conn_name(enum bfddp_conn s);

#endif
