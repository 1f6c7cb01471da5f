/* The data-plane end of bfdd's distributed-BFD connection (see
 * bfddp_client.h). */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "bfddp_client.h"

#define CONNECT_TIMEOUT_NS  3000000000ull   /* a TCP connect that takes longer fails */
#define GOOD_CONNECTION_NS  10000000000ull   /* lasted this long: backoff back to min */

const char *bfddp_conn_name(enum bfddp_conn s)
{
    switch (s) {
    case BFDDP_CONN_IDLE: return "idle";
    case BFDDP_CONN_CONNECTING: return "connecting";
    case BFDDP_CONN_UP: return "up";
    }
    return "?";
}

static void say(struct bfddp_client *c, bool warning, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void say(struct bfddp_client *c, bool warning, const char *fmt, ...)
{
    char msg[256];
    va_list ap;

    if (!c->ops.log)
        return;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    c->ops.log(c->ctx, warning, msg);
}

void bfddp_client_init(struct bfddp_client *c, const struct bfddp_addr *addr,
                       const struct bfddp_client_ops *ops, void *ctx,
                       uint32_t min_ms, uint32_t max_ms, uint64_t now_ns)
{
    memset(c, 0, sizeof(*c));
    c->addr = *addr;
    c->ops = *ops;
    c->ctx = ctx;
    c->fd = -1;
    c->conn = BFDDP_CONN_IDLE;
    c->min_backoff_ns = (uint64_t)(min_ms ? min_ms : 1) * 1000000ull;
    c->max_backoff_ns = (uint64_t)(max_ms > min_ms ? max_ms : min_ms) * 1000000ull;
    c->backoff_ns = c->min_backoff_ns;
    c->next_try_ns = now_ns;
}

static void schedule_retry(struct bfddp_client *c, uint64_t now_ns)
{
    c->next_try_ns = now_ns + c->backoff_ns;
    c->backoff_ns *= 2;
    if (c->backoff_ns > c->max_backoff_ns)
        c->backoff_ns = c->max_backoff_ns;
}

/* A connection attempt failed: why (errno text) noted, said when it
 * differs from the last failure's, next attempt later. */
static void connect_failed(struct bfddp_client *c, const char *why, uint64_t now_ns)
{
    if (c->fd >= 0)
        close(c->fd);
    c->fd = -1;
    c->conn = BFDDP_CONN_IDLE;
    c->st.connect_failures++;
    if (strcmp(c->last_error, why) != 0) {
        say(c, true, "bfdd data plane %s: cannot connect: %s (retrying, at most every %llu ms)",
            c->addr.text, why, (unsigned long long)(c->max_backoff_ns / 1000000ull));
        snprintf(c->last_error, sizeof(c->last_error), "%s", why);
    }
    schedule_retry(c, now_ns);
}

static void connected(struct bfddp_client *c, uint64_t now_ns)
{
    int one = 1;

    if (!c->addr.is_unix)
        setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    c->conn = BFDDP_CONN_UP;
    c->up_since_ns = now_ns;
    c->got_valid = false;
    c->tx_len = 0;
    c->last_error[0] = '\0';
    bfddp_stream_init(&c->in, c->rxbuf, sizeof(c->rxbuf));
    c->st.connects++;
    say(c, false, "bfdd data plane %s: connected", c->addr.text);
    if (c->ops.on_connect)
        c->ops.on_connect(c->ctx);
}

static void try_connect(struct bfddp_client *c, uint64_t now_ns)
{
    union {
        struct sockaddr sa;
        struct sockaddr_un un;
        struct sockaddr_in in;
    } sa;
    socklen_t sl;

    memset(&sa, 0, sizeof(sa));
    if (c->addr.is_unix) {
        sa.un.sun_family = AF_UNIX;
        memcpy(sa.un.sun_path, c->addr.path, strlen(c->addr.path));
        sl = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(c->addr.path) + 1);
    } else {
        sa.in.sin_family = AF_INET;
        sa.in.sin_addr.s_addr = c->addr.ip_be;
        sa.in.sin_port = htons(c->addr.port);
        sl = sizeof(sa.in);
    }
    c->fd = socket(c->addr.is_unix ? AF_UNIX : AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
                   0);
    if (c->fd < 0) {
        connect_failed(c, strerror(errno), now_ns);
        return;
    }
    c->up_since_ns = now_ns;
    if (connect(c->fd, &sa.sa, sl) == 0) {
        connected(c, now_ns);
        return;
    }
    if (errno == EINPROGRESS && !c->addr.is_unix) {
        c->conn = BFDDP_CONN_CONNECTING;
        return;
    }
    /* a Unix socket whose backlog is full says EAGAIN: try again later */
    connect_failed(c, strerror(errno), now_ns);
}

static void check_connecting(struct bfddp_client *c, uint64_t now_ns)
{
    struct pollfd p = {.fd = c->fd, .events = POLLOUT};
    int e = 0;
    socklen_t el = sizeof(e);

    if (poll(&p, 1, 0) <= 0) {
        if (now_ns - c->up_since_ns > CONNECT_TIMEOUT_NS)
            connect_failed(c, "connect timed out", now_ns);
        return;
    }
    if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &e, &el) != 0)
        e = errno;
    if (e != 0) {
        connect_failed(c, strerror(e), now_ns);
        return;
    }
    connected(c, now_ns);
}

void bfddp_client_close(struct bfddp_client *c, const char *why, uint64_t now_ns)
{
    bool was_up = c->conn == BFDDP_CONN_UP;

    if (c->fd >= 0)
        close(c->fd);
    c->fd = -1;
    if (c->conn == BFDDP_CONN_IDLE)
        return;
    c->conn = BFDDP_CONN_IDLE;
    c->tx_len = 0;
    snprintf(c->last_error, sizeof(c->last_error), "%s", why);
    if (was_up) {
        c->st.disconnects++;
        if (c->got_valid || now_ns - c->up_since_ns >= GOOD_CONNECTION_NS)
            c->backoff_ns = c->min_backoff_ns;
        say(c, true, "bfdd data plane %s: connection closed: %s", c->addr.text, why);
    }
    schedule_retry(c, now_ns);
    if (was_up && c->ops.on_disconnect)
        c->ops.on_disconnect(c->ctx, why);
}

void bfddp_client_shutdown(struct bfddp_client *c)
{
    if (c->fd >= 0)
        close(c->fd);
    c->fd = -1;
    c->conn = BFDDP_CONN_IDLE;
    c->next_try_ns = UINT64_MAX;
    c->tx_len = 0;
}

static void flush(struct bfddp_client *c, uint64_t now_ns)
{
    size_t off = 0;

    while (c->conn == BFDDP_CONN_UP && off < c->tx_len) {
        ssize_t w = send(c->fd, c->txbuf + off, c->tx_len - off, MSG_DONTWAIT | MSG_NOSIGNAL);

        if (w > 0) {
            off += (size_t)w;
            c->st.tx_bytes += (uint64_t)w;
            continue;
        }
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            break;
        bfddp_client_close(c, w < 0 ? strerror(errno) : "send wrote nothing", now_ns);
        return;
    }
    if (off) {
        memmove(c->txbuf, c->txbuf + off, c->tx_len - off);
        c->tx_len -= off;
    }
}

int bfddp_client_send(struct bfddp_client *c, const struct bfddp_msg *m, uint64_t now_ns)
{
    uint8_t buf[BFDDP_SESSION_LEN];
    struct bfddp_error e;
    int n;

    if (c->conn != BFDDP_CONN_UP) {
        c->st.tx_not_connected++;
        return -ENOTCONN;
    }
    n = bfddp_encode(m, buf, sizeof(buf), &e);
    if (n < 0) {
        c->st.tx_encode_errors++;
        say(c, true, "bfdd data plane: not sent: %s", e.detail);
        return -EINVAL;
    }
    if (c->tx_len + (size_t)n > sizeof(c->txbuf)) {
        c->st.tx_overflow++;
        bfddp_client_close(c, "output queue full: bfdd does not read", now_ns);
        return -ENOBUFS;
    }
    memcpy(c->txbuf + c->tx_len, buf, (size_t)n);
    c->tx_len += (size_t)n;
    if (m->hdr.type < BFDDP_TYPE_NUM)
        c->st.tx_msgs[m->hdr.type]++;
    flush(c, now_ns);
    return 0;
}

/* Every whole message in the stream, decoded and handed over. */
static void dispatch(struct bfddp_client *c, uint64_t now_ns)
{
    while (c->conn == BFDDP_CONN_UP) {
        const uint8_t *p;
        size_t len;
        struct bfddp_msg m;
        struct bfddp_error e;
        enum bfddp_frame f = bfddp_stream_next(&c->in, &p, &len);
        int rc;

        if (f == BFDDP_FRAME_NEED_MORE)
            return;
        if (f == BFDDP_FRAME_FATAL) {
            char why[BFDDP_DETAIL_LEN + 40];

            c->st.fatal++;
            c->st.rx_errors[c->in.err.code < BFDDP_ERR_NUM ? c->in.err.code : 0]++;
            snprintf(why, sizeof(why), "unframeable input (%s)", c->in.err.detail);
            bfddp_client_close(c, why, now_ns);
            return;
        }
        rc = bfddp_decode(p, len, &m, &e);
        if (rc == -ENOMSG) {
            c->st.rx_unknown_type++;
            continue;
        }
        if (rc != 0) {
            c->st.rx_errors[e.code < BFDDP_ERR_NUM ? e.code : 0]++;
            say(c, true, "bfdd data plane: message refused (%s): %s", bfddp_err_name(e.code),
                e.detail);
            continue;
        }
        c->st.rx_msgs[m.hdr.type]++;
        if (!c->got_valid) {
            c->got_valid = true;
            c->backoff_ns = c->min_backoff_ns;
        }
        if (c->ops.on_message)
            c->ops.on_message(c->ctx, &m);
    }
}

static void read_input(struct bfddp_client *c, uint64_t now_ns)
{
    size_t budget = BFDDP_CLIENT_READ_BUDGET;

    while (c->conn == BFDDP_CONN_UP && budget > 0) {
        size_t room;
        uint8_t *p = bfddp_stream_space(&c->in, &room);
        ssize_t n;

        if (room == 0) {
            /* cannot happen with a framer that refuses frames > its buffer */
            bfddp_client_close(c, "receive buffer full", now_ns);
            return;
        }
        n = recv(c->fd, p, room < budget ? room : budget, MSG_DONTWAIT);
        if (n > 0) {
            bfddp_stream_commit(&c->in, (size_t)n);
            c->st.rx_bytes += (uint64_t)n;
            budget -= (size_t)n;
            dispatch(c, now_ns);
            continue;
        }
        if (n == 0) {
            bfddp_client_close(c, "bfdd closed the connection", now_ns);
            return;
        }
        if (errno == EINTR)
            continue;
        if (errno != EAGAIN && errno != EWOULDBLOCK)
            bfddp_client_close(c, strerror(errno), now_ns);
        return;
    }
}

void bfddp_client_poll(struct bfddp_client *c, uint64_t now_ns)
{
    switch (c->conn) {
    case BFDDP_CONN_IDLE:
        if (now_ns >= c->next_try_ns)
            try_connect(c, now_ns);
        break;
    case BFDDP_CONN_CONNECTING:
        check_connecting(c, now_ns);
        break;
    case BFDDP_CONN_UP:
        break;
    }
    if (c->conn != BFDDP_CONN_UP)
        return;
    read_input(c, now_ns);
    if (c->conn == BFDDP_CONN_UP && c->tx_len)
        flush(c, now_ns);
}

uint64_t bfddp_client_next_deadline(const struct bfddp_client *c)
{
    switch (c->conn) {
    case BFDDP_CONN_IDLE: return c->next_try_ns;
    case BFDDP_CONN_CONNECTING: return c->up_since_ns + CONNECT_TIMEOUT_NS;
    case BFDDP_CONN_UP: return UINT64_MAX;
    }
    return UINT64_MAX;
}
