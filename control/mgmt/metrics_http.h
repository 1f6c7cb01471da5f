/* The metrics over HTTP (control.metrics_listen): GET /metrics answers the
 * text of metrics_write() with Content-Type text/plain; version=0.0.4.
 * Other methods on /metrics get 405 (Allow: GET), other paths 404.
 *
 * libmicrohttpd serves the sockets on one thread of its own, created by
 * the control thread and so pinned to the control core like it: never on
 * a worker core. That thread never reads the control thread's state: for
 * each request it wakes the control loop (an eventfd in its epoll set); the
 * control thread renders the text at its next turn and hands it over
 * under a mutex and condition variable. When the control thread has not
 * answered within 2 s the request gets 503.
 *
 * Limits: 16 connections at once (a new one evicts the idle connection
 * that has been idle longest; refused only when all 16 are being
 * answered), 10 s of inactivity per connection, 16 KiB of memory per
 * connection, of which about half holds the request line and headers
 * (larger requests get 431 or 414 from libmicrohttpd); a request body is
 * read and dropped. */
#ifndef VTEPD_METRICS_HTTP_H
#define VTEPD_METRICS_HTTP_H

#include <stdbool.h>
#include <stdint.h>

#define METRICS_HTTP_TIMEOUT_MS 2000
#define METRICS_HTTP_MAX_CONNECTIONS 16
#define METRICS_HTTP_IDLE_S 10
#define METRICS_HTTP_REQUEST_BYTES (16 * 1024)

/* Listen on ip_be:port (network-order IPv4, host-order port) and serve.
 * Control thread, after ev_init(). Returns 0, or a negative errno with
 * the reason logged (the address in use, not local, ...). */
int metrics_http_start(uint32_t ip_be, uint16_t port);

/* Stop: requests still waiting get 503 at once, the server thread is
 * joined, the socket closed. Safe when not started; call again freely. */
void metrics_http_stop(void);

struct metrics_http_counters {
    uint64_t code[5];           /* answers 200, 404, 405, 500, 503 */
    uint64_t other;             /* any other answer */
    uint64_t conn_accepted;     /* connections taken */
    uint64_t conn_evicted;      /* idle connections closed to make room */
    uint64_t conn_refused;      /* refused: every connection busy */
    uint64_t renders;           /* renderings the control thread made */
    uint64_t render_ns;         /* control-thread time they took */
};

/* The counters, when the server runs: true and *out filled. */
bool metrics_http_counters(struct metrics_http_counters *out);

/* Answers with that status code among c. */
uint64_t metrics_http_code_count(const struct metrics_http_counters *c, unsigned code);

#endif
