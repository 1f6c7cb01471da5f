/* BFD sessions (RFC 5880/5881) to the underlay next hops, owned by the
 * control thread. A next hop with a session carries traffic only while its
 * session is Up (after the optional hold-down); Down removes it from the
 * ECMP group at once. */
#ifndef VTEPD_BFD_MANAGER_H
#define VTEPD_BFD_MANAGER_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "vtepd_config.h"

/* Create the configured sessions (after dp_setup). Returns 0 or -1. */
int bfd_manager_init(const struct vtepd_config *cfg);

/* True when at least one session is configured. */
bool bfd_manager_active(void);

/* A punted frame (UDP to port 3784 for our address) from dp port `port`,
 * received by the worker at arrival_tsc (rte_rdtsc): the session's timers
 * see the packet when it arrived, not when the control thread got to it. */
void bfd_manager_rx(const uint8_t *frame, uint32_t len, uint16_t port, uint64_t arrival_tsc);

/* Send what is due, expire detection times, end hold-downs. */
void bfd_manager_poll(void);

/* Microseconds until the next session deadline (0: now), -1 when none. */
int64_t bfd_manager_next_us(void);

/* JSON: every session's state, timers, counters and ECMP membership. */
void bfd_manager_dump_json(FILE *out);

#endif
