/* Signals, handled on purpose, never fatal by accident:
 *   SIGINT, SIGTERM  stop cleanly (flush TX, write stats, remove sockets)
 *   SIGHUP           reload the configuration file
 *   SIGUSR1          log a one-line summary of the counters
 *   SIGUSR2          ignored (logged)
 *   SIGPIPE          ignored: a client that goes away is an error return
 * They are blocked in every thread (before the EAL starts any) and read
 * from a signalfd by the control thread's event loop. */
#ifndef VTEPD_SIGNALS_H
#define VTEPD_SIGNALS_H

#include <signal.h>

/* Set by the signal watcher (or a CLI command), read by the control loop. */
extern volatile sig_atomic_t g_stop_requested;
extern volatile sig_atomic_t g_reload_requested;
extern volatile sig_atomic_t g_summary_requested;

/* Block the handled signals and ignore SIGPIPE, in the calling thread and
 * every thread it creates later. Call first thing in main(). */
void signals_block(void);

/* Watch the blocked signals through a signalfd in the event loop. Returns 0
 * or a negative errno. */
int signals_watch(void);

#endif
