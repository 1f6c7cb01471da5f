/* CLI / JSON control socket (see include/cli_server.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "cli_server.h"
#include "event_loop.h"
#include "log.h"
#include "unix_listen.h"

#define CLI_MAX_CMDS 32
#define CLI_LINE_MAX 512

struct cli_cmd {
    const char *name;
    const char *help;
    cli_cmd_fn fn;
};

static struct cli_cmd cmds[CLI_MAX_CMDS];
static int n_cmds;
static int listen_fd = -1;
static char sock_path[256];

void cli_register(const char *name, const char *help, cli_cmd_fn fn)
{
    if (n_cmds < CLI_MAX_CMDS)
        cmds[n_cmds++] = (struct cli_cmd){name, help, fn};
}

static void json_str(FILE *out, const char *s)
{
    fputc('"', out);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            fprintf(out, "\\%c", c);
        else if (c < 0x20 || c >= 0x7f)
            fprintf(out, "\\u%04x", c);
        else
            fputc(c, out);
    }
    fputc('"', out);
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
    if (*cmd == '\0' || !strcmp(cmd, "help")) {
        fprintf(out, "{\"commands\": {");
        for (int i = 0; i < n_cmds; i++) {
            fprintf(out, "%s", i ? ", " : "");
            json_str(out, cmds[i].name);
            fprintf(out, ": ");
            json_str(out, cmds[i].help);
        }
        fprintf(out, "}}\n");
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
        fprintf(out, "{\"error\": ");
        json_str(out, "unknown command (try 'help')");
        fprintf(out, ", \"command\": ");
        json_str(out, cmd);
        fprintf(out, "}\n");
        return;
    }
    args = cmd + best_len;
    while (*args == ' ')
        args++;
    cmds[best].fn(out, args);
}

static void write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return;     /* client gone or too slow (send timeout) */
        p += w;
        n -= (size_t)w;
    }
}

static void on_accept(int fd, uint32_t events, void *arg)
{
    (void)events;
    (void)arg;
    for (;;) {
        int c = accept4(fd, NULL, NULL, SOCK_CLOEXEC);
        char line[CLI_LINE_MAX];
        size_t got = 0;
        struct timeval tv = {.tv_sec = 1};
        char *ans = NULL;
        size_t ans_len = 0;
        FILE *out;

        if (c < 0)
            return;
        /* one short line, read within a second; then the answer */
        setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
        setsockopt(c, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
        while (got < sizeof(line) - 1) {
            ssize_t r = read(c, line + got, sizeof(line) - 1 - got);
            if (r <= 0)
                break;
            got += (size_t)r;
            if (memchr(line, '\n', got))
                break;
        }
        line[got] = '\0';
        out = open_memstream(&ans, &ans_len);
        if (out) {
            if (got == sizeof(line) - 1 && !memchr(line, '\n', got))
                fprintf(out, "{\"error\": \"command line longer than %d bytes\"}\n",
                        CLI_LINE_MAX - 2);
            else
                cli_execute(out, line);
            fclose(out);
            write_all(c, ans, ans_len);
            free(ans);
        }
        close(c);
    }
}

int cli_server_start(const char *path)
{
    char err[256];

    listen_fd = unix_listen(path, 0660, err, sizeof(err));
    if (listen_fd < 0) {
        VLOG(ERR, "cli socket: %s", err);
        return -1;
    }
    snprintf(sock_path, sizeof(sock_path), "%s", path);
    if (ev_add(listen_fd, EPOLLIN, on_accept, NULL) != 0) {
        VLOG(ERR, "cli socket: epoll: %s", strerror(errno));
        close(listen_fd);
        listen_fd = -1;
        return -1;
    }
    VLOG(INFO, "cli: listening on %s", path);
    return 0;
}

void cli_server_stop(void)
{
    if (listen_fd < 0)
        return;
    ev_del(listen_fd);
    close(listen_fd);
    unlink(sock_path);
    listen_fd = -1;
}
