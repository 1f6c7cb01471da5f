/* ARP suppression table: per VNI, IPv4 -> MAC bindings, so that vtepd
 * answers a local host's ARP request itself instead of flooding it to every
 * VTEP of the VNI.
 *
 * Pure control-thread C (malloc'ed, no DPDK, no I/O, time passed in).
 *
 * Sources of a binding (one (VNI, IP) can have both at once):
 *   remote  the best EVPN type-2 MAC/IP route for the IP (MAC, VTEP,
 *           MAC-mobility sequence): set/cleared by the caller as the RIB's
 *           best path changes; does not age.
 *   local   snooped from ARP sent by hosts on our access ports (sender
 *           IP/MAC of requests, replies and gratuitous ARP); ages out after
 *           local_ttl_ms without being seen again.
 *
 * Conflicts (same IP, different MAC): a local binding and a remote one that
 * disagree, or a local binding whose MAC changes (two local hosts claiming
 * one IP, or one that moved between ports). Each new disagreement is
 * counted. Which MAC is used:
 *   - during conflict_hold_ms after the disagreement was last fed (either
 *     source updated while they differ), none: the request is flooded so
 *     that the real owner answers (a move or a duplicate address in
 *     progress; a wrong answer would black-hole the asker's traffic);
 *   - after that, the source updated most recently wins: a host that stays
 *     local keeps refreshing its local binding by its own ARP, one that
 *     moved away is announced again by EVPN (MAC mobility makes a new route
 *     with a higher sequence), so the newest evidence is the best guess.
 *
 * Decision for an ARP frame from a local host (arps_handle):
 *   ANSWER  a request for an IP with a usable binding: the frame is turned
 *           into the reply in place (from the binding's MAC, to the asker);
 *   FLOOD   forward it as the dataplane would (broadcast: flood): replies,
 *           gratuitous ARP (an announcement everyone must see), ARP probes
 *           (RFC 5227: duplicate detection needs the real owner), unknown
 *           IPs, conflicts, and a request whose binding is the asker's own
 *           MAC (a host is never answered about its own IP: only it can);
 *   DROP    malformed ARP (bad lengths/types/opcode, non-unicast sender
 *           MAC, zero/broadcast/multicast target IP): never sent on.
 * Every decision except DROP also snoops the sender (not for probes, whose
 * sender IP is 0).
 */
#ifndef VTEPD_ARP_SUPPRESS_H
#define VTEPD_ARP_SUPPRESS_H

#include <stdbool.h>
#include <stdint.h>

struct arps_table;

struct arps_params {
    uint32_t max_bindings;      /* (VNI, IP) entries; 0 = 65536 */
    uint32_t local_ttl_ms;      /* local bindings age out; 0 = 300000 */
    uint32_t conflict_hold_ms;  /* flood while a conflict is fresh; 0 = 3000 */
};

/* A local binding appeared, changed MAC (mac != NULL) or went away
 * (mac == NULL): e.g. to mirror it for zebra (fdb_mirror_ip_add/del). */
struct arps_callbacks {
    void (*local_changed)(void *arg, uint32_t vni, uint32_t ip, const uint8_t *mac);
    void *arg;
};

enum arps_verdict {
    ARPS_DROP = 0,
    ARPS_FLOOD = 1,
    ARPS_ANSWER = 2,
};

struct arps_counters {
    uint64_t requests;          /* ARP requests handled */
    uint64_t answered;
    uint64_t flooded;           /* every FLOOD verdict */
    uint64_t flood_unknown;     /* ... of which: no binding */
    uint64_t flood_conflict;    /* ... conflict in its hold time */
    uint64_t flood_own_ip;      /* ... binding is the asker's own MAC */
    uint64_t gratuitous;        /* gratuitous ARP seen (flooded) */
    uint64_t probes;            /* ARP probes seen (flooded) */
    uint64_t replies;           /* ARP replies seen (flooded/forwarded) */
    uint64_t dropped;           /* malformed: DROP */
    uint64_t not_arp;           /* frames that were not ARP (FLOOD) */
    uint64_t conflicts;         /* disagreements detected */
    uint64_t snooped;           /* local bindings learned or refreshed */
    uint64_t aged;              /* local bindings aged out */
    uint64_t table_full;        /* bindings refused: max_bindings */
};

/* One binding as shown (arps_lookup, arps_walk). */
struct arps_binding {
    uint32_t vni;
    uint32_t ip;                        /* network order */
    bool has_local;
    uint8_t local_mac[6];
    uint64_t local_age_ms;              /* since last seen */
    bool has_remote;
    uint8_t remote_mac[6];
    uint32_t remote_vtep;               /* network order */
    uint32_t remote_seq;
    uint64_t remote_age_ms;             /* since the route was set */
    bool conflict;                      /* sources disagree now */
    bool in_hold;                       /* ... and the hold has not ended */
    bool usable;                        /* a request would be answered */
    uint8_t answer_mac[6];              /* with this MAC */
};

/* NULL on allocation failure. params/cb may be NULL (defaults, none). */
struct arps_table *arps_create(const struct arps_params *params, const struct arps_callbacks *cb);
void arps_destroy(struct arps_table *t);

/* The best type-2 MAC/IP route for (vni, ip) is now mac via vtep with
 * MAC-mobility sequence seq; arps_remote_del: there is none any more.
 * 0, -EINVAL (zero/multicast MAC or IP), -ENOSPC (table full), -ENOMEM;
 * del: -ENOENT when there was no remote binding. */
int arps_remote_set(struct arps_table *t, uint32_t vni, uint32_t ip, const uint8_t mac[6],
                    uint32_t vtep, uint32_t seq, uint64_t now_ms);
int arps_remote_del(struct arps_table *t, uint32_t vni, uint32_t ip, uint64_t now_ms);

/* A local host with mac has ip (as snooping does; for static hosts).
 * Same returns as arps_remote_set. */
int arps_local_set(struct arps_table *t, uint32_t vni, uint32_t ip, const uint8_t mac[6],
                   uint64_t now_ms);

/* An ARP frame (Ethernet, optionally one 802.1Q/802.1ad tag) received from
 * a local host on an access port of vni. Snoops its sender and decides.
 * On ARPS_ANSWER the reply is written over frame[0..len) (the VLAN tag
 * kept, padding zeroed) and *reply_len set to its length (<= len). */
enum arps_verdict arps_handle(struct arps_table *t, uint32_t vni, uint8_t *frame, uint32_t len,
                              uint64_t now_ms, uint32_t *reply_len);

/* Learn only the sender of an ARP frame (request, reply or gratuitous)
 * that the dataplane forwards itself (unicast ARP): no verdict, nothing
 * written. true when a local binding was set or refreshed. */
bool arps_snoop(struct arps_table *t, uint32_t vni, const uint8_t *frame, uint32_t len,
                uint64_t now_ms);

/* Remove every binding of vni (it is no longer configured); local ones
 * are reported gone through local_changed. Returns the count. */
unsigned int arps_forget_vni(struct arps_table *t, uint32_t vni);

/* Age out local bindings not seen for local_ttl_ms, visiting at most
 * budget entries per call (a cursor carries on next time). Returns the
 * bindings removed. */
unsigned int arps_expire(struct arps_table *t, uint64_t now_ms, unsigned int budget);

/* 0 and *out filled, or -ENOENT. */
int arps_lookup(const struct arps_table *t, uint32_t vni, uint32_t ip, uint64_t now_ms,
                struct arps_binding *out);

/* Call cb for every binding of vni (vni 0: all VNIs); returns the count. */
unsigned int arps_walk(const struct arps_table *t, uint32_t vni, uint64_t now_ms,
                       void (*cb)(void *arg, const struct arps_binding *b), void *arg);

void arps_get_counters(const struct arps_table *t, struct arps_counters *out);
uint32_t arps_count(const struct arps_table *t);

#endif
