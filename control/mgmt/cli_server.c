/* CLI / JSON control socket (see cli_server.h).
 *
 * Every client socket is non-blocking and has a deadline: the command line
 * must arrive within CLI_READ_TIMEOUT_MS of the connection, the answer must
 * be taken within CLI_WRITE_TIMEOUT_MS. The control thread never waits for
 * a client: a silent, trickling or non-reading client only holds its own
 * slot until its deadline, and a client that goes away early costs nothing
 * (writes use MSG_NOSIGNAL; SIGPIPE is ignored process-wide as well). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "cli_server.h"
#include "event_loop.h"
#include "json_writer.h"
#include "log.h"
#include "unix_listen.h"

#define CLI_MAX_CMDS 48
#define CLI_LINE_MAX 512
#define CLI_MAX_CLIENTS 16
#define CLI_READ_TIMEOUT_MS 2000
#define CLI_WRITE_TIMEOUT_MS 10000     /* without progress */
#define CLI_WRITE_MAX_MS 60000         /* in all */

struct cli_cmd {
    const char *name;
    const char *help;
    cli_cmd_fn fn;
};

struct cli_conn {
    bool used;
    bool writing;
    int fd;
    uint64_t since_ms;          /* accepted at */
    uint64_t deadline_ms;
    uint64_t write_end_ms;      /* the answer must be out by then, whatever the progress */
    size_t got;
    char line[CLI_LINE_MAX];
    char *out;                  /* the answer, malloc'ed by open_memstream */
    size_t out_len, out_off;
};

static struct cli_cmd cmds[CLI_MAX_CMDS];
static int n_cmds;
static int listen_fd = -1;
static char sock_path[256];
static struct cli_conn conns[CLI_MAX_CLIENTS];
static struct cli_counters cnt;

static uint64_t now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

void cli_register(const char *name, const char *help, cli_cmd_fn fn)
{
    if (n_cmds < CLI_MAX_CMDS)
        cmds[n_cmds++] = (struct cli_cmd){name, help, fn};
    else
        VLOG(ERR, "cli: too many commands, '%s' not registered", name);
}

int cli_command_count(void)
{
    return n_cmds;
}

const char *cli_command_name(int i)
{
    return i >= 0 && i < n_cmds ? cmds[i].name : NULL;
}

void cli_execute(FILE *out, const char *line)
{
    char buf[CLI_LINE_MAX];
    char *cmd, *args;
    size_t n;

    snprintf(buf, sizeof(buf), "%s", line);
    n = strlen(buf);
    while (n && (buf[n - 1] == '\n' || buf[n - 1] == '\r' || buf[n - 1] == ' '))
        buf[--n] = '\0';
    cmd = buf;
    while (*cmd == ' ')
        cmd++;
    cnt.commands++;
    if (*cmd == '\0' || !strcmp(cmd, "help")) {
        struct json j;
        json_begin(&j, out);
        json_obj(&j, NULL);
        json_obj(&j, "commands");
        for (int i = 0; i < n_cmds; i++)
            json_str(&j, cmds[i].name, cmds[i].help);
        json_end(&j);
        return;
    }
    /* longest registered name that prefixes the line at a word boundary */
    int best = -1;
    size_t best_len = 0;
    for (int i = 0; i < n_cmds; i++) {
        size_t l = strlen(cmds[i].name);
        if (l > best_len && !strncmp(cmd, cmds[i].name, l) && (cmd[l] == '\0' || cmd[l] == ' ')) {
            best = i;
            best_len = l;
        }
    }
    if (best < 0) {
        struct json j;
        cnt.unknown++;
        json_begin(&j, out);
        json_obj(&j, NULL);
        json_str(&j, "error", "unknown command (try 'help')");
        json_str(&j, "command", cmd);
        json_end(&j);
        return;
    }
    args = cmd + best_len;
    while (*args == ' ')
        args++;
    cmds[best].fn(out, args);
}

static void conn_close(struct cli_conn *c)
{
    ev_del(c->fd);
    close(c->fd);
    free(c->out);
    memset(c, 0, sizeof(*c));
    c->fd = -1;
}

/* Send what the socket takes now; close when all is sent or the client is
 * gone. */
static void conn_flush(struct cli_conn *c)
{
    while (c->out_off < c->out_len) {
        ssize_t w = send(c->fd, c->out + c->out_off, c->out_len - c->out_off,
                         MSG_NOSIGNAL | MSG_DONTWAIT);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return;     /* wait for EPOLLOUT */
        if (w <= 0) {
            cnt.client_gone++;
            conn_close(c);
            return;
        }
        c->out_off += (size_t)w;
        /* a client that reads keeps its slot a while longer */
        c->deadline_ms = now_ms() + CLI_WRITE_TIMEOUT_MS;
        if (c->deadline_ms > c->write_end_ms)
            c->deadline_ms = c->write_end_ms;
    }
    cnt.answered++;
    conn_close(c);
}

static void conn_answer(struct cli_conn *c, bool too_long)
{
    FILE *out = open_memstream(&c->out, &c->out_len);

    if (!out) {
        conn_close(c);
        return;
    }
    if (too_long) {
        struct json j;
        json_begin(&j, out);
        json_obj(&j, NULL);
        json_strf(&j, "error", "command line longer than %d bytes", CLI_LINE_MAX - 2);
        json_end(&j);
    } else
        cli_execute(out, c->line);
    fclose(out);
    c->writing = true;
    c->out_off = 0;
    c->deadline_ms = now_ms() + CLI_WRITE_TIMEOUT_MS;
    c->write_end_ms = now_ms() + CLI_WRITE_MAX_MS;
    if (ev_mod(c->fd, EPOLLOUT) != 0) {
        conn_close(c);
        return;
    }
    conn_flush(c);
}

static void on_client(int fd, uint32_t events, void *arg)
{
    struct cli_conn *c = arg;
    (void)fd;

    if (c->writing) {
        if (events & (EPOLLERR | EPOLLHUP)) {
            cnt.client_gone++;
            conn_close(c);
            return;
        }
        conn_flush(c);
        return;
    }
    for (;;) {
        ssize_t r = recv(c->fd, c->line + c->got, sizeof(c->line) - 1 - c->got, MSG_DONTWAIT);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return;
        if (r <= 0) {
            /* end of input: a line without its newline is still a command */
            if (c->got == 0) {
                conn_close(c);
                return;
            }
            c->line[c->got] = '\0';
            conn_answer(c, false);
            return;
        }
        c->got += (size_t)r;
        c->line[c->got] = '\0';
        if (memchr(c->line, '\n', c->got)) {
            conn_answer(c, false);
            return;
        }
        if (c->got == sizeof(c->line) - 1) {
            conn_answer(c, true);
            return;
        }
    }
}

/* A free slot, or the oldest client that has not sent its command yet (a
 * flood of idle connections must not lock the operator out). */
static struct cli_conn *conn_slot(void)
{
    struct cli_conn *oldest = NULL;

    for (int i = 0; i < CLI_MAX_CLIENTS; i++) {
        if (!conns[i].used)
            return &conns[i];
        if (!conns[i].writing && (!oldest || conns[i].since_ms < oldest->since_ms))
            oldest = &conns[i];
    }
    if (oldest) {
        cnt.evicted++;
        conn_close(oldest);
    }
    return oldest;
}

static void on_accept(int fd, uint32_t events, void *arg)
{
    (void)events;
    (void)arg;
    for (;;) {
        int s = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        struct cli_conn *c;

        if (s < 0) {
            if (errno == EINTR)
                continue;
            return;
        }
        cnt.accepted++;
        c = conn_slot();
        if (!c) {
            cnt.refused++;
            close(s);
            continue;
        }
        c->used = true;
        c->fd = s;
        c->since_ms = now_ms();
        c->deadline_ms = c->since_ms + CLI_READ_TIMEOUT_MS;
        if (ev_add(s, EPOLLIN | EPOLLRDHUP, on_client, c) != 0) {
            close(s);
            memset(c, 0, sizeof(*c));
            cnt.refused++;
        }
    }
}

void cli_server_poll(void)
{
    uint64_t t;

    if (listen_fd < 0)
        return;
    t = now_ms();
    for (int i = 0; i < CLI_MAX_CLIENTS; i++)
        if (conns[i].used && t >= conns[i].deadline_ms) {
            cnt.timeouts++;
            VLOG_RL(INFO, "cli: client %s timed out after %llu ms",
                    conns[i].writing ? "not reading its answer" : "sent no command",
                    (unsigned long long)(t - conns[i].since_ms));
            conn_close(&conns[i]);
        }
}

int cli_server_start(const char *path)
{
    char err[256];
    int fd = unix_listen(path, 0660, err, sizeof(err));

    if (fd < 0) {
        VLOG(ERR, "cli socket: %s", err);
        return fd;
    }
    int e;
    if ((e = -ev_add(fd, EPOLLIN, on_accept, NULL)) != 0) {
        VLOG(ERR, "cli socket: epoll: %s", strerror(e));
        close(fd);
        unlink(path);
        return -e;
    }
    listen_fd = fd;
    snprintf(sock_path, sizeof(sock_path), "%s", path);
    VLOG(INFO, "cli: listening on %s", path);
    return 0;
}

void cli_server_stop(void)
{
    for (int i = 0; i < CLI_MAX_CLIENTS; i++)
        if (conns[i].used)
            conn_close(&conns[i]);
    if (listen_fd < 0)
        return;
    ev_del(listen_fd);
    close(listen_fd);
    unlink(sock_path);
    listen_fd = -1;
}

const struct cli_counters *cli_server_counters(void)
{
    return &cnt;
}
