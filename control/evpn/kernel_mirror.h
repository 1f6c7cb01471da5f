/* The kernel mirror of vtepd's local MACs, wired to the running daemon
 * (fdb_mirror.c does the netlink work): with control.kernel_mirror on,
 * every configured VNI gets its bridge, VXLAN device and stand-in port,
 * every local MAC (learned or static) an fdb entry and every local IPv4
 * binding snooped from ARP a neighbour entry, so that FRR's zebra
 * originates the type-2 and type-3 routes for this leaf. The MAC table's
 * observer keeps it current: a MAC that ages out, is removed, or becomes
 * remote (it moved to another leaf) leaves the kernel at once. At start the
 * kernel is reconciled with what vtepd holds: no stale entry survives a
 * restart or a crash, none is missing. Control thread only. */
#ifndef VTEPD_KERNEL_MIRROR_H
#define VTEPD_KERNEL_MIRROR_H

#include <stdbool.h>
#include <stdint.h>

#include "vtepd_config.h"

struct json;

/* Start when cfg asks for it (after the first generation is published).
 * Returns 0 (also when off) or a negative errno. */
int kernel_mirror_start(const struct vtepd_config *cfg);

/* The VNIs of cfg after a reload: new ones made, gone ones removed. */
void kernel_mirror_sync(const struct vtepd_config *cfg);

/* A local IPv4 binding learned (or forgotten) by ARP snooping. */
void kernel_mirror_ip(uint32_t vni, uint32_t ip_be, const uint8_t mac[6], bool add);

/* Netlink work that is due (every control-loop turn; bounded). */
void kernel_mirror_poll(void);

/* Close the netlink socket; the kernel objects stay (a restart reconciles). */
void kernel_mirror_stop(void);

bool kernel_mirror_active(void);

/* JSON for "show kernel-mirror". */
void kernel_mirror_dump_json(struct json *j);

#endif
