/* Configuration reload (SIGHUP, the "reload" CLI command): the file the
 * daemon was started with is read again; when it parses, passes the
 * start-up checks and changes nothing that needs a restart (EAL arguments,
 * ports, the VTEP address, the MAC table size, the sockets, the metrics
 * address), it is applied
 * to the running dataplane (config_apply) without stopping the workers.
 * Otherwise it is refused with its FILE:LINE:COL message and the running
 * configuration stays as it was. Control thread only. */
#ifndef VTEPD_RELOAD_H
#define VTEPD_RELOAD_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "config_apply.h"
#include "vtepd_config.h"

/* The running configuration (heap; replaced by a successful reload). */
extern struct vtepd_config *g_cfg;

/* Reload g_cfg->path. Returns 0 (msg: a summary of what changed) or a
 * negative errno (msg: why it was refused). */
int reload_run(char *msg, size_t msglen);

/* Why cfg cannot replace running without a restart: 0, or -1 with err set
 * ("FILE: field: changed; needs a restart"). */
int reload_restart_needed(const struct vtepd_config *running, const struct vtepd_config *cfg,
                          char *err, size_t errlen);

/* The last reload, for "show version": count, failures, when (realtime
 * seconds), result message. */
struct reload_status {
    uint64_t reloads, failures;
    double last_time;
    int last_rc;
    char last_msg[512];
};
const struct reload_status *reload_status(void);

#endif
