/* ARP suppression wired to the daemon (arp_suppress.c is the table):
 * broadcast ARP from the access ports of a VNI with arp_suppress on is
 * punted here and either answered from the table (the reply goes back out
 * of the asker's attachment, its VLAN tag restored) or handed back to a
 * worker to be flooded as it would have been; unicast ARP is forwarded by
 * the workers and only its copy comes here, to snoop the sender. Remote
 * bindings come from EVPN type-2 MAC/IP routes (the RIB's ip_changed),
 * local ones from snooping and are mirrored into the kernel for zebra.
 * Control thread only. */
#ifndef VTEPD_ARP_PROXY_H
#define VTEPD_ARP_PROXY_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_mbuf.h>

#include "vtepd_config.h"

struct json;

/* Create the table. 0 or -ENOMEM. */
int arp_proxy_init(void);
void arp_proxy_fini(void);

/* A frame punted from an access port by worker `worker`: m->hash.usr is
 * the attachment (| DP_PUNT_SNOOP for a copy to snoop only). The answer,
 * or the frame handed back to be flooded, goes out through that worker.
 * Consumes m. */
void arp_proxy_punt(struct rte_mbuf *m, unsigned worker);

/* RIB callback (rib_callbacks.ip_changed): the best MAC/IP route for
 * (vni, ip) is mac behind vtep, or none any more (vtep 0). */
void arp_proxy_remote(void *ctx, uint32_t vni, uint32_t ip, const uint8_t mac[6], uint32_t vtep,
                      uint32_t seq);

/* After a reload: bindings of VNIs no longer configured are dropped. */
void arp_proxy_sync(const struct vtepd_config *cfg);

/* Age local bindings (bounded work; every control-loop turn). */
void arp_proxy_poll(uint64_t now_ms);

/* JSON for "show arp-cache [VNI]" (vni 0: all). */
void arp_proxy_dump_json(struct json *j, uint32_t vni);

/* The counters as one JSON object under key (stats, show arp-cache). */
void arp_proxy_counters_json(struct json *j, const char *key);

/* Counters for metrics. */
struct arps_counters;
void arp_proxy_counters(struct arps_counters *out, uint32_t *bindings);

#endif
