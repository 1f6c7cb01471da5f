/* A data-plane stand-in for FRR's bfdd (bfdd --dplaneaddr), built on vtepd's
 * codec (include/bfddp_packet.h). It does what vtepd must do, minus running
 * the sessions: connect to bfdd, keep the sessions bfdd hands over (by
 * lid), answer every counters request at once, and report state changes
 * when told to. tests/netns/test_bfddp_frr.sh drives it.
 *
 * usage: bfddp_standin --addr unix:PATH|ipv4:A.B.C.D:PORT --control FIFO
 *                      [--connect-timeout SECONDS]
 *
 * Commands, one a line on the FIFO:
 *   up|init|down|admindown PEER [DIAG]   BFD_STATE_CHANGE for the session
 *                                        whose peer (dst) is PEER; the remote
 *                                        discriminator sent is lid ^ 0x5a5a5a5a
 *   echo                                 ECHO_REQUEST with dp_time = now (us)
 *   sessions                             one "session ..." line per session
 *   quit                                 exit 0
 * Log (stdout, line-buffered), one event a line:
 *   connected | rx <message> | tx <message> | refused <code>: <reason> |
 *   fatal <code>: <reason> | echo rtt <us> us | session ... | error ... |
 *   closed
 * Counters answered for a session: control packets in = 1000 + number of
 * state changes sent for it, out = 2000 + the same, bytes = packets * 24,
 * echo all 0; for an unknown lid all 0.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "bfddp_packet.h"

#define MAX_SESSIONS 64

struct sess {
    bool used;
    struct bfddp_session s;
    uint64_t changes_sent;
};

static struct sess sessions[MAX_SESSIONS];
static int sock = -1;

/* One log line stamped ts (CLOCK_REALTIME), or now when ts is NULL. */
static void logat(const struct timespec *ts, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void logat(const struct timespec *ts, const char *fmt, ...)
{
    struct timespec now;
    va_list ap;

    if (ts == NULL) {
        clock_gettime(CLOCK_REALTIME, &now);
        ts = &now;
    }
    printf("%lld.%06ld ", (long long)ts->tv_sec, ts->tv_nsec / 1000);
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    putchar('\n');
}

#define logf_(...) logat(NULL, __VA_ARGS__)

static struct sess *find_lid(uint32_t lid)
{
    int i;

    for (i = 0; i < MAX_SESSIONS; i++)
        if (sessions[i].used && sessions[i].s.lid == lid)
            return &sessions[i];
    return NULL;
}

/* The session to PEER; when there are several (bgpd's registration
 * before and after it knows its source), the one with a source address. */
static struct sess *find_peer(const char *peer)
{
    struct sess *best = NULL;
    uint8_t a[16] = { 0 };
    bool v6 = strchr(peer, ':') != NULL;
    int i;

    if (inet_pton(v6 ? AF_INET6 : AF_INET, peer, a) != 1)
        return NULL;
    for (i = 0; i < MAX_SESSIONS; i++) {
        struct sess *x = &sessions[i];
        static const uint8_t zero[16];

        if (!x->used || memcmp(x->s.dst, a, 16) != 0 ||
            ((x->s.flags & BFDDP_SF_IPV6) != 0) != v6)
            continue;
        if (best == NULL || memcmp(x->s.src, zero, 16) != 0)
            best = x;
    }
    return best;
}

static int send_msg(const struct bfddp_msg *m)
{
    uint8_t buf[BFDDP_SESSION_LEN];
    struct bfddp_error e;
    char line[512];
    size_t off = 0;
    struct timespec ts;
    int n = bfddp_encode(m, buf, sizeof(buf), &e);

    if (n < 0) {
        logf_("error encode %s: %s", bfddp_err_name(e.code), e.detail);
        return n;
    }
    clock_gettime(CLOCK_REALTIME, &ts);     /* the log shows when it left */
    while (off < (size_t)n) {
        ssize_t w = write(sock, buf + off, (size_t)n - off);

        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            logf_("error write: %s", strerror(errno));
            return -EIO;
        }
        off += (size_t)w;
    }
    bfddp_format(m, line, sizeof(line));
    logat(&ts, "tx %s", line);
    return 0;
}

static void on_message(const struct bfddp_msg *m)
{
    struct bfddp_msg r;
    struct sess *x;
    struct timeval tv;
    int i;

    switch (m->hdr.type) {
    case BFDDP_ADD_SESSION:
        x = find_lid(m->u.session.lid);
        for (i = 0; x == NULL && i < MAX_SESSIONS; i++)
            if (!sessions[i].used)
                x = &sessions[i];
        if (x == NULL) {
            logf_("error session table full");
            return;
        }
        if (!x->used)
            x->changes_sent = 0;
        x->used = true;
        x->s = m->u.session;    /* add or update */
        break;
    case BFDDP_DELETE_SESSION:
        x = find_lid(m->u.session.lid);
        if (x != NULL)
            x->used = false;
        break;
    case BFDDP_REQUEST_COUNTERS:
        /* always answered, at once: bfdd blocks until it is */
        memset(&r, 0, sizeof(r));
        r.hdr.type = BFDDP_SESSION_COUNTERS;
        r.hdr.id = m->hdr.id;
        r.u.counters.lid = m->u.counters_req.lid;
        x = find_lid(m->u.counters_req.lid);
        if (x != NULL) {
            r.u.counters.control_in_packets = 1000 + x->changes_sent;
            r.u.counters.control_out_packets = 2000 + x->changes_sent;
            r.u.counters.control_in_bytes =
                24 * r.u.counters.control_in_packets;
            r.u.counters.control_out_bytes =
                24 * r.u.counters.control_out_packets;
        }
        send_msg(&r);
        break;
    case BFDDP_ECHO_REPLY:
        gettimeofday(&tv, NULL);
        logf_("echo rtt %" PRId64 " us",
              (int64_t)((uint64_t)tv.tv_sec * 1000000u + (uint64_t)tv.tv_usec -
                        m->u.echo.dp_time));
        break;
    default:
        break;     /* nothing else is for the data plane */
    }
}

static void command(char *line)
{
    static const char *const states[] = { "admindown", "down", "init", "up" };
    char *verb = strtok(line, " \t\r"), *arg = strtok(NULL, " \t\r");
    char *diag = strtok(NULL, " \t\r");
    struct bfddp_msg m;
    struct sess *x;
    struct timeval tv;
    int st;

    if (verb == NULL)
        return;
    memset(&m, 0, sizeof(m));
    if (strcmp(verb, "quit") == 0) {
        logf_("quit");
        exit(0);
    }
    if (strcmp(verb, "echo") == 0) {
        gettimeofday(&tv, NULL);
        m.hdr.type = BFDDP_ECHO_REQUEST;
        m.u.echo.dp_time = (uint64_t)tv.tv_sec * 1000000u + (uint64_t)tv.tv_usec;
        send_msg(&m);
        return;
    }
    if (strcmp(verb, "sessions") == 0) {
        char text[512];
        int i;

        for (i = 0; i < MAX_SESSIONS; i++) {
            if (!sessions[i].used)
                continue;
            m.hdr.type = BFDDP_ADD_SESSION;
            m.u.session = sessions[i].s;
            bfddp_format(&m, text, sizeof(text));
            logf_("session %s", text);
        }
        logf_("sessions end");
        return;
    }
    for (st = 0; st < 4; st++)
        if (strcmp(verb, states[st]) == 0)
            break;
    if (st == 4 || arg == NULL) {
        logf_("error unknown command %s", verb);
        return;
    }
    x = find_peer(arg);
    if (x == NULL) {
        logf_("error no session to %s", arg);
        return;
    }
    m.hdr.type = BFDDP_STATE_CHANGE;
    m.u.state.lid = x->s.lid;
    m.u.state.rid = x->s.lid ^ 0x5a5a5a5au;
    m.u.state.state = (uint8_t)st;
    m.u.state.diag = diag != NULL ? (uint8_t)atoi(diag) : 0;
    /* the remote's timers: mirror the session's own */
    m.u.state.desired_tx_us = x->s.min_tx_us;
    m.u.state.required_rx_us = x->s.min_rx_us;
    m.u.state.detect_mult = x->s.detect_mult;
    if (send_msg(&m) == 0)
        x->changes_sent++;
}

static int connect_to(const char *addr, double timeout_s)
{
    struct sockaddr_storage ss;
    socklen_t sl;
    struct timespec t0, t;

    memset(&ss, 0, sizeof(ss));
    if (strncmp(addr, "unix:", 5) == 0) {
        struct sockaddr_un *su = (struct sockaddr_un *)&ss;

        if (strlen(addr + 5) >= sizeof(su->sun_path))
            return -ENAMETOOLONG;
        su->sun_family = AF_UNIX;
        strcpy(su->sun_path, addr + 5);
        sl = sizeof(*su);
    } else if (strncmp(addr, "ipv4:", 5) == 0) {
        struct sockaddr_in *si = (struct sockaddr_in *)&ss;
        char host[64];
        const char *colon = strrchr(addr + 5, ':');
        size_t hl = colon != NULL ? (size_t)(colon - (addr + 5)) : 0;

        if (colon == NULL || hl >= sizeof(host))
            return -EINVAL;
        memcpy(host, addr + 5, hl);
        host[hl] = '\0';
        si->sin_family = AF_INET;
        si->sin_port = htons((uint16_t)atoi(colon + 1));
        if (inet_pton(AF_INET, host, &si->sin_addr) != 1)
            return -EINVAL;
        sl = sizeof(*si);
    } else {
        return -EINVAL;
    }
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (;;) {
        int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);

        if (fd < 0)
            return -errno;
        if (connect(fd, (struct sockaddr *)&ss, sl) == 0)
            return fd;
        close(fd);
        clock_gettime(CLOCK_MONOTONIC, &t);
        if ((double)(t.tv_sec - t0.tv_sec) +
                (double)(t.tv_nsec - t0.tv_nsec) / 1e9 > timeout_s)
            return -ETIMEDOUT;
        usleep(50000);
    }
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        { "addr", required_argument, NULL, 'a' },
        { "control", required_argument, NULL, 'c' },
        { "connect-timeout", required_argument, NULL, 't' },
        { NULL, 0, NULL, 0 },
    };
    static uint8_t rbuf[BFDDP_MAX_MSG_LEN];
    const char *addr = NULL, *control = NULL;
    double timeout_s = 10;
    struct bfddp_stream st;
    char cbuf[1024];
    size_t clen = 0;
    int o, cfd;

    setvbuf(stdout, NULL, _IOLBF, 0);
    while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (o == 'a')
            addr = optarg;
        else if (o == 'c')
            control = optarg;
        else if (o == 't')
            timeout_s = atof(optarg);
        else
            return 2;
    }
    if (addr == NULL || control == NULL) {
        fprintf(stderr, "usage: %s --addr unix:PATH|ipv4:A:P --control FIFO\n",
                argv[0]);
        return 2;
    }
    cfd = open(control, O_RDWR | O_NONBLOCK | O_CLOEXEC);  /* never EOF */
    if (cfd < 0) {
        fprintf(stderr, "%s: %s\n", control, strerror(errno));
        return 1;
    }
    sock = connect_to(addr, timeout_s);
    if (sock < 0) {
        logf_("error connect %s: %s", addr, strerror(-sock));
        return 1;
    }
    logf_("connected");
    bfddp_stream_init(&st, rbuf, sizeof(rbuf));
    for (;;) {
        struct pollfd p[2] = { { sock, POLLIN, 0 }, { cfd, POLLIN, 0 } };

        if (poll(p, 2, -1) < 0) {
            if (errno == EINTR)
                continue;
            logf_("error poll: %s", strerror(errno));
            return 1;
        }
        if (p[0].revents != 0) {
            size_t room, len;
            uint8_t *w = bfddp_stream_space(&st, &room);
            const uint8_t *msg;
            ssize_t n = read(sock, w, room);
            enum bfddp_frame fr;

            if (n < 0 && errno == EINTR)
                continue;
            if (n <= 0) {
                logf_("closed%s%s", n < 0 ? ": " : "",
                      n < 0 ? strerror(errno) : "");
                return 0;
            }
            bfddp_stream_commit(&st, (size_t)n);
            while ((fr = bfddp_stream_next(&st, &msg, &len)) ==
                   BFDDP_FRAME_OK) {
                struct bfddp_msg m;
                struct bfddp_error e;
                char line[512];

                if (bfddp_decode(msg, len, &m, &e) != 0) {
                    logf_("refused %s: %s", bfddp_err_name(e.code), e.detail);
                    continue;
                }
                bfddp_format(&m, line, sizeof(line));
                logf_("rx %s", line);
                on_message(&m);
            }
            if (fr == BFDDP_FRAME_FATAL) {
                logf_("fatal %s: %s", bfddp_err_name(st.err.code),
                      st.err.detail);
                return 1;
            }
        }
        if (p[1].revents != 0) {
            ssize_t n = read(cfd, cbuf + clen, sizeof(cbuf) - 1 - clen);
            char *nl;

            if (n > 0)
                clen += (size_t)n;
            cbuf[clen] = '\0';
            while ((nl = strchr(cbuf, '\n')) != NULL) {
                size_t used = (size_t)(nl - cbuf) + 1;

                *nl = '\0';
                command(cbuf);
                memmove(cbuf, cbuf + used, clen - used + 1);
                clen -= used;
            }
            if (clen == sizeof(cbuf) - 1)
                clen = 0;   /* an overlong line: dropped */
        }
    }
}
