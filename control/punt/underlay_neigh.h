/* Underlay next hops resolved by ARP through the dataplane (neigh.c is the
 * state machine, this is its wiring): ARP requests go out through the
 * control TX ring, the ARP frames underlay ports receive come in through
 * the punt path, and a next hop's MAC appearing, changing or going away
 * rewrites its header template in place (double-buffered, RCU) and moves it
 * in or out of its ECMP groups (with BFD: live only with a MAC and BFD Up).
 * A MAC in the configuration always wins. Control thread only. */
#ifndef VTEPD_UNDERLAY_NEIGH_H
#define VTEPD_UNDERLAY_NEIGH_H

#include <stdbool.h>
#include <stdint.h>

#include "vtepd_config.h"

struct json;

/* Set up (before the first generation is built). Returns 0 or -ENOMEM. */
int underlay_neigh_init(void);

/* Track the next hops of cfg (after a generation for cfg is published):
 * new ones added, gone ones forgotten, static MACs applied. */
void underlay_neigh_sync(const struct vtepd_config *cfg);

/* An ARP frame received on underlay dp port `port`: 1 when it came from a
 * next hop (it may also concern the kernel or our VTEP address: the caller
 * goes on with it), 0 otherwise. */
int underlay_neigh_input(uint16_t port, const uint8_t *frame, uint32_t len);

/* Run timers and send the ARP requests that are due; finish template
 * updates that waited for a grace period. Every control-loop turn. */
void underlay_neigh_poll(void);

/* The MAC resolved for (port, ip), for dp_conf_build(). */
bool underlay_neigh_mac(uint16_t port, uint32_t ip, uint8_t mac[6]);

/* JSON for "show neighbors": {"neighbors": [...], "counters": {...}}. */
void underlay_neigh_dump_json(struct json *j);

#endif
