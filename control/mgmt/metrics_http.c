/* The metrics over HTTP (see metrics_http.h): libmicrohttpd on a thread of
 * its own, the text rendered by the control thread on request. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>

#include "event_loop.h"
#include "log.h"
#include "metrics.h"
#include "metrics_http.h"
#include "prom_text.h"

static const unsigned known_codes[5] = {200, 404, 405, 500, 503};

/* The meeting point of the HTTP thread (asks) and the control thread
 * (renders). asked/done are request numbers: a rendering made after
 * request n was asked answers n and every request before it. */
static struct {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    uint64_t asked, done;
    char *text;                 /* the latest rendering (control thread's malloc) */
    size_t len;
    bool ok;
    bool stopping;
    uint64_t renders, render_ns;
} rv = {.mu = PTHREAD_MUTEX_INITIALIZER};

static struct MHD_Daemon *mhd;
static int wake_fd = -1;
static uint64_t codes[6];       /* known_codes, then other: atomics */
static uint64_t conn_accepted, conn_evicted, conn_refused;     /* atomics */

/* Open connections, seen by the HTTP thread only (every libmicrohttpd
 * callback runs there). A connection is busy from its request line to the
 * end of its answer; the others are idle, and the oldest idle one makes
 * room for a new connection when all METRICS_HTTP_MAX_CONNECTIONS are
 * taken, so that a few clients that connect and say nothing cannot lock
 * Prometheus out. libmicrohttpd's own limit is twice ours: room for the
 * evicted ones while it closes them. */
struct http_conn {
    bool used, busy, evicted;
    int fd;
    uint64_t idle_since_ns;
};
static struct http_conn conns[2 * METRICS_HTTP_MAX_CONNECTIONS];

static uint64_t mono_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* ---- control thread ------------------------------------------------------ */

static void on_wake(int fd, uint32_t events, void *arg)
{
    uint64_t v, target, t0;
    char *buf = NULL;
    size_t len = 0;
    FILE *f;
    bool ok;
    (void)events;
    (void)arg;

    if (read(fd, &v, sizeof(v)) < 0 && errno != EAGAIN)
        VLOG_RL(WARNING, "metrics: eventfd read: %s", strerror(errno));
    pthread_mutex_lock(&rv.mu);
    target = rv.asked;
    v = rv.done;
    pthread_mutex_unlock(&rv.mu);
    if (target == v)
        return;
    t0 = mono_ns();
    f = open_memstream(&buf, &len);
    if (f) {
        metrics_write(f);
        ok = !ferror(f);
        if (fclose(f) != 0)
            ok = false;
    } else {
        ok = false;
    }
    if (!ok) {
        VLOG_RL(ERR, "metrics: cannot render the text (out of memory)");
        free(buf);
        buf = NULL;
        len = 0;
    }
    pthread_mutex_lock(&rv.mu);
    free(rv.text);
    rv.text = buf;
    rv.len = len;
    rv.ok = ok;
    rv.done = target;
    rv.renders++;
    rv.render_ns += mono_ns() - t0;
    pthread_cond_broadcast(&rv.cv);
    pthread_mutex_unlock(&rv.mu);
}

/* ---- HTTP thread --------------------------------------------------------- */

/* Ask the control thread for the text and wait for it. Returns 200 with
 * *out (malloc'ed copy) and *len set, 503 when it did not answer in time
 * (or vtepd is stopping), 500 when it could not render. */
static unsigned fetch_text(char **out, size_t *len)
{
    struct timespec dl;
    uint64_t me, one = 1;
    unsigned code = 503;

    clock_gettime(CLOCK_MONOTONIC, &dl);
    dl.tv_sec += METRICS_HTTP_TIMEOUT_MS / 1000;
    dl.tv_nsec += (long)(METRICS_HTTP_TIMEOUT_MS % 1000) * 1000000L;
    if (dl.tv_nsec >= 1000000000L) {
        dl.tv_sec++;
        dl.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&rv.mu);
    if (rv.stopping) {
        pthread_mutex_unlock(&rv.mu);
        return 503;
    }
    me = ++rv.asked;
    pthread_mutex_unlock(&rv.mu);
    /* the counter cannot overflow in practice; EAGAIN would still wake */
    if (write(wake_fd, &one, sizeof(one)) < 0 && errno != EAGAIN)
        return 500;
    pthread_mutex_lock(&rv.mu);
    while (rv.done < me && !rv.stopping)
        if (pthread_cond_timedwait(&rv.cv, &rv.mu, &dl) == ETIMEDOUT)
            break;
    if (rv.done >= me) {
        code = 500;
        if (rv.ok) {
            *out = malloc(rv.len ? rv.len : 1);
            if (*out) {
                memcpy(*out, rv.text, rv.len);
                *len = rv.len;
                code = 200;
            }
        }
    }
    pthread_mutex_unlock(&rv.mu);
    return code;
}

static void count_code(unsigned code)
{
    size_t k = 0;

    while (k < 5 && known_codes[k] != code)
        k++;
    __atomic_fetch_add(&codes[k], 1, __ATOMIC_RELAXED);
}

/* Queue body (taken over when must_free) with status code. */
static enum MHD_Result reply(struct MHD_Connection *c, unsigned code, const char *type,
                             char *body, size_t len, bool must_free)
{
    struct MHD_Response *r =
        MHD_create_response_from_buffer(len, body, must_free ? MHD_RESPMEM_MUST_FREE
                                                             : MHD_RESPMEM_PERSISTENT);
    enum MHD_Result ret;

    if (!r) {
        if (must_free)
            free(body);
        return MHD_NO;
    }
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
    if (code == MHD_HTTP_METHOD_NOT_ALLOWED)
        MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, MHD_HTTP_METHOD_GET);
    if (code == MHD_HTTP_SERVICE_UNAVAILABLE)
        MHD_add_response_header(r, MHD_HTTP_HEADER_RETRY_AFTER, "1");
    ret = MHD_queue_response(c, code, r);
    MHD_destroy_response(r);
    if (ret == MHD_YES)
        count_code(code);
    return ret;
}

static enum MHD_Result reply_msg(struct MHD_Connection *c, unsigned code, const char *msg)
{
    return reply(c, code, "text/plain; charset=utf-8", (char *)(uintptr_t)msg, strlen(msg),
                 false);
}

static struct http_conn *conn_of(struct MHD_Connection *c)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);

    return ci ? ci->socket_context : NULL;
}

static void on_connection(void *cls, struct MHD_Connection *c, void **sock_ctx,
                          enum MHD_ConnectionNotificationCode what)
{
    struct http_conn *hc = *sock_ctx;
    (void)cls;

    if (what == MHD_CONNECTION_NOTIFY_CLOSED) {
        if (hc)
            hc->used = false;
        *sock_ctx = NULL;
        return;
    }
    for (size_t i = 0; i < sizeof(conns) / sizeof(conns[0]); i++)
        if (!conns[i].used) {
            const union MHD_ConnectionInfo *ci =
                MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
            conns[i] = (struct http_conn){.used = true, .fd = ci ? ci->connect_fd : -1,
                                          .idle_since_ns = mono_ns()};
            *sock_ctx = &conns[i];
            return;
        }
    *sock_ctx = NULL;           /* cannot happen: libmicrohttpd's limit is the array's size */
}

static void on_completed(void *cls, struct MHD_Connection *c, void **req,
                         enum MHD_RequestTerminationCode why)
{
    struct http_conn *hc = conn_of(c);
    (void)cls;
    (void)req;
    (void)why;

    if (hc) {
        hc->busy = false;
        hc->idle_since_ns = mono_ns();
    }
}

/* A new connection: take it, evicting the oldest idle one when every slot
 * is taken; refuse it when every connection is busy. */
static enum MHD_Result on_accept(void *cls, const struct sockaddr *addr, socklen_t addrlen)
{
    struct http_conn *oldest = NULL;
    unsigned open = 0;
    (void)cls;
    (void)addr;
    (void)addrlen;

    for (size_t i = 0; i < sizeof(conns) / sizeof(conns[0]); i++) {
        struct http_conn *hc = &conns[i];
        if (!hc->used || hc->evicted)
            continue;
        open++;
        if (!hc->busy && hc->fd >= 0 && (!oldest || hc->idle_since_ns < oldest->idle_since_ns))
            oldest = hc;
    }
    if (open >= METRICS_HTTP_MAX_CONNECTIONS) {
        if (!oldest) {
            __atomic_fetch_add(&conn_refused, 1, __ATOMIC_RELAXED);
            return MHD_NO;
        }
        /* libmicrohttpd sees the end of the stream and closes it */
        shutdown(oldest->fd, SHUT_RDWR);
        oldest->evicted = true;
        __atomic_fetch_add(&conn_evicted, 1, __ATOMIC_RELAXED);
    }
    __atomic_fetch_add(&conn_accepted, 1, __ATOMIC_RELAXED);
    return MHD_YES;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version,
                                  const char *upload_data, size_t *upload_data_size,
                                  void **req)
{
    static bool named;
    static int answered;        /* its address marks a connection already answered */
    char *text = NULL;
    size_t len = 0;
    unsigned code;
    (void)cls;
    (void)version;
    (void)upload_data;

    if (!named) {
        pthread_setname_np(pthread_self(), "vtepd-metrics");
        named = true;
    }
    if (*req == &answered) {
        /* a body after the answer: read and dropped (bounded by the
         * connection's memory limit and timeout) */
        *upload_data_size = 0;
        return MHD_YES;
    }
    *req = &answered;
    {
        struct http_conn *hc = conn_of(c);
        if (hc)
            hc->busy = true;
    }
    if (strcmp(url, "/metrics") != 0)
        return reply_msg(c, MHD_HTTP_NOT_FOUND, "not found: the metrics are at /metrics\n");
    if (strcmp(method, MHD_HTTP_METHOD_GET) != 0)
        return reply_msg(c, MHD_HTTP_METHOD_NOT_ALLOWED, "method not allowed: use GET\n");
    code = fetch_text(&text, &len);
    if (code == 200)
        return reply(c, MHD_HTTP_OK, PROM_CONTENT_TYPE, text, len, true);
    if (code == 503)
        return reply_msg(c, MHD_HTTP_SERVICE_UNAVAILABLE,
                         "the control thread did not answer within 2 s\n");
    return reply_msg(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "the metrics could not be rendered\n");
}

/* ---- start, stop, counters ----------------------------------------------- */

int metrics_http_start(uint32_t ip_be, uint16_t port)
{
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(port),
                             .sin_addr.s_addr = ip_be};
    char addr[INET_ADDRSTRLEN];
    int one = 1, fd, e;

    if (mhd)
        return -EALREADY;
    inet_ntop(AF_INET, &sa.sin_addr, addr, sizeof(addr));
    fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        e = errno;
        VLOG(ERR, "control.metrics_listen %s:%u: socket: %s", addr, port, strerror(e));
        return -e;
    }
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 || listen(fd, 16) != 0) {
        e = errno;
        VLOG(ERR, "control.metrics_listen %s:%u: cannot listen: %s", addr, port, strerror(e));
        close(fd);
        return -e;
    }
    wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    e = wake_fd < 0 ? errno : -ev_add(wake_fd, EPOLLIN, on_wake, NULL);
    if (e != 0) {
        VLOG(ERR, "metrics: eventfd: %s", strerror(e));
        if (wake_fd >= 0)
            close(wake_fd);
        wake_fd = -1;
        close(fd);
        return -e;
    }
    rv.stopping = false;
    {
        pthread_condattr_t ca;
        pthread_condattr_init(&ca);
        pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
        pthread_cond_init(&rv.cv, &ca);
        pthread_condattr_destroy(&ca);
    }
    /* the thread is created here, by the control thread: it inherits its
     * CPU set (the EAL main lcore) and its blocked signals */
    memset(conns, 0, sizeof(conns));
    mhd = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL, 0, on_accept, NULL,
                           on_request, NULL,
                           MHD_OPTION_LISTEN_SOCKET, (MHD_socket)fd,
                           MHD_OPTION_CONNECTION_LIMIT, (unsigned)(sizeof(conns) / sizeof(conns[0])),
                           MHD_OPTION_NOTIFY_CONNECTION, on_connection, NULL,
                           MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL,
                           MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)METRICS_HTTP_IDLE_S,
                           MHD_OPTION_CONNECTION_MEMORY_LIMIT,
                           (size_t)METRICS_HTTP_REQUEST_BYTES,
                           MHD_OPTION_END);
    if (!mhd) {
        VLOG(ERR, "control.metrics_listen %s:%u: libmicrohttpd did not start", addr, port);
        ev_del(wake_fd);
        close(wake_fd);
        wake_fd = -1;
        close(fd);
        pthread_cond_destroy(&rv.cv);
        return -EIO;
    }
    VLOG(INFO, "metrics: http://%s:%u/metrics", addr, port);
    return 0;
}

void metrics_http_stop(void)
{
    if (!mhd)
        return;
    pthread_mutex_lock(&rv.mu);
    rv.stopping = true;
    pthread_cond_broadcast(&rv.cv);
    pthread_mutex_unlock(&rv.mu);
    MHD_stop_daemon(mhd);       /* joins its thread, closes the listening socket */
    mhd = NULL;
    ev_del(wake_fd);
    close(wake_fd);
    wake_fd = -1;
    pthread_mutex_lock(&rv.mu);
    free(rv.text);
    rv.text = NULL;
    rv.len = 0;
    pthread_mutex_unlock(&rv.mu);
    pthread_cond_destroy(&rv.cv);
}

bool metrics_http_counters(struct metrics_http_counters *o)
{
    if (!mhd)
        return false;
    for (int k = 0; k < 5; k++)
        o->code[k] = __atomic_load_n(&codes[k], __ATOMIC_RELAXED);
    o->other = __atomic_load_n(&codes[5], __ATOMIC_RELAXED);
    o->conn_accepted = __atomic_load_n(&conn_accepted, __ATOMIC_RELAXED);
    o->conn_evicted = __atomic_load_n(&conn_evicted, __ATOMIC_RELAXED);
    o->conn_refused = __atomic_load_n(&conn_refused, __ATOMIC_RELAXED);
    pthread_mutex_lock(&rv.mu);
    o->renders = rv.renders;
    o->render_ns = rv.render_ns;
    pthread_mutex_unlock(&rv.mu);
    return true;
}

uint64_t metrics_http_code_count(const struct metrics_http_counters *c, unsigned code)
{
    for (int k = 0; k < 5; k++)
        if (known_codes[k] == code)
            return c->code[k];
    return c->other;
}
