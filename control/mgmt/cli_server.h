/* CLI / JSON control socket: a Unix stream socket where each connection
 * sends one command line ("show stats", "show macs", "reload", "help", ...)
 * and gets one JSON document back, then the connection closes:
 *
 *   echo "show stats" | socat - UNIX-CONNECT:/run/vtepd/cli.sock
 *
 * Clients are served without ever blocking the control thread: the line
 * must arrive within 2 s, and the answer be read with no pause over 10 s
 * and within 60 s in all; at most 16 clients at once (a new one evicts the
 * oldest that has not sent its line).
 */
#ifndef VTEPD_CLI_SERVER_H
#define VTEPD_CLI_SERVER_H

#include <stdint.h>
#include <stdio.h>

/* A command writes its JSON answer to out; args is the rest of the line
 * (may be empty). Returns 0, or -1 after writing {"error": ...}. */
typedef int (*cli_cmd_fn)(FILE *out, const char *args);

/* Register "show NAME"-style commands before cli_server_start(). */
void cli_register(const char *name, const char *help, cli_cmd_fn fn);

/* The registered commands, for tests and "help". */
int cli_command_count(void);
const char *cli_command_name(int i);

/* Listen on path (mode 0660; a stale socket file is replaced, a live one
 * is an error). Returns 0, or a negative errno with the reason logged. */
int cli_server_start(const char *path);

/* Close clients that passed their deadline (call every loop iteration). */
void cli_server_poll(void);

/* Close every client and the socket, and remove its file. */
void cli_server_stop(void);

/* Run one command line as if it came from the socket (tests, --stats). */
void cli_execute(FILE *out, const char *line);

struct cli_counters {
    uint64_t accepted;
    uint64_t refused;           /* no slot and nobody to evict */
    uint64_t evicted;           /* idle client closed to make room */
    uint64_t timeouts;          /* deadline passed (no line / answer not read) */
    uint64_t client_gone;       /* closed before taking the whole answer */
    uint64_t answered;
    uint64_t commands;
    uint64_t unknown;
};

const struct cli_counters *cli_server_counters(void);

#endif
