/* CLI / JSON control socket: a Unix stream socket where each connection
 * sends one command line ("show stats", "show macs", "help", ...) and gets
 * one JSON document back, then the connection closes:
 *
 *   echo "show stats" | socat - UNIX-CONNECT:/run/vtepd/cli.sock
 */
#ifndef VTEPD_CLI_SERVER_H
#define VTEPD_CLI_SERVER_H

#include <stdio.h>

/* A command writes its JSON answer to out; args is the rest of the line
 * (may be empty). Returns 0, or -1 after writing {"error": ...}. */
typedef int (*cli_cmd_fn)(FILE *out, const char *args);

/* Register "show NAME"-style commands before cli_server_start(). */
void cli_register(const char *name, const char *help, cli_cmd_fn fn);

/* Listen on path (mode 0660; a stale socket file is replaced, a live one
 * is an error). Returns 0, or -1 with the reason logged. */
int cli_server_start(const char *path);

/* Close the socket and remove its file. */
void cli_server_stop(void);

/* Run one command line as if it came from the socket (tests, --stats). */
void cli_execute(FILE *out, const char *line);

#endif
