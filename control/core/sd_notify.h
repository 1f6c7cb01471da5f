/* systemd service notifications (sd_notify protocol, without libsystemd):
 * READY=1 once the sockets listen and the workers forward, RELOADING=1 and
 * READY=1 around a reload, STOPPING=1 on the way out, STATUS= lines, and
 * WATCHDOG=1 pings from the control loop when the unit sets WatchdogSec.
 * Does nothing when NOTIFY_SOCKET is not set. */
#ifndef VTEPD_SD_NOTIFY_H
#define VTEPD_SD_NOTIFY_H

#include <stdint.h>

/* Send one notification (e.g. "READY=1\nSTATUS=forwarding"). Returns 0,
 * 0 when not under systemd, or a negative errno. */
int sd_notify_send(const char *state);

/* The watchdog period systemd asked for, in microseconds, or 0. */
uint64_t sd_watchdog_usec(void);

#endif
