/* EVPN RIB: every path learned from the BMP feeds, and the best of them.
 *
 * Pure control-thread data (malloc'ed, no DPDK), driven by the feed server
 * and unit-testable on its own. A path is identified by its source (feed
 * name, BGP peer distinguisher and address) and its route (RD and the route
 * key: type 2 = Ethernet tag + MAC + IP; type 3 = Ethernet tag + originator
 * IP). The RIB keeps every path and reports, through callbacks, only what
 * the dataplane must change:
 *   - the best remote VTEP for each (VNI, MAC), or its removal;
 *   - the flood list (set of remote VTEPs) of each VNI.
 *
 * Best path per (VNI, MAC): sticky/static (MAC mobility flag) paths first,
 * then the highest MAC-mobility sequence number, then the lowest next-hop
 * address, then the lowest source (deterministic, independent of arrival
 * order). A MAC/IP route and a MAC-only route for the same MAC are separate
 * paths that name the same VTEP; either keeps the MAC alive.
 *
 * VNI of a type-2 route: the label when non-zero; else the VNI of a type-3
 * route with the same RD (FRR 8.4's BMP zeroes type-2 labels); else a route
 * target whose local part is a configured VNI (ASN:VNI). Routes that cannot
 * be mapped are kept, counted as unresolved, and mapped as soon as a type-3
 * route with their RD arrives. Routes whose next hop (type 2) or originator
 * (type 3) is our own VTEP are ignored and counted.
 */
#ifndef VTEPD_EVPN_RIB_H
#define VTEPD_EVPN_RIB_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define RIB_FEED_NAME_LEN 64
#define RIB_MAX_RTS 8

/* Where a path came from: one BGP peer as seen by one feed. A feed keeps
 * its name across reconnects (the BMP Initiation sysName), so a
 * reconnected feed refreshes the same paths. */
struct rib_source {
    char feed[RIB_FEED_NAME_LEN];
    uint64_t peer_distinguisher;
    uint8_t peer_addr[16];          /* IPv4 in the last 4 bytes */
};

/* One EVPN route as the parser delivers it (see evpn_nlri.h, bgp_update.h). */
struct rib_route {
    uint8_t type;                   /* 2 or 3 */
    uint8_t rd[8];                  /* raw route distinguisher */
    uint32_t eth_tag;
    uint8_t mac[6];                 /* type 2 */
    uint8_t ip_len;                 /* bits: 0, 32 or 128 (type 2); 32 or 128 (type 3) */
    uint8_t ip[16];
    uint32_t label;                 /* type 2: label1 raw 24 bits; type 3: PMSI label */
    /* attributes (ignored on withdrawal) */
    uint32_t nexthop;               /* IPv4, network order; 0 = none */
    uint32_t mm_seq;                /* MAC mobility sequence, 0 if absent */
    bool sticky;                    /* MAC mobility static/sticky flag */
    uint8_t n_rts;
    uint32_t rt_local[RIB_MAX_RTS]; /* local (assigned) part of each RT */
    bool pmsi_ir;                   /* PMSI tunnel type 6 (ingress replication) */
    uint32_t pmsi_endpoint;         /* IPv4, network order; 0 = none */
};

struct rib_callbacks {
    /* (vni, mac) now goes to vtep (network order), or nowhere when vtep == 0 */
    void (*mac_changed)(void *ctx, uint32_t vni, const uint8_t mac[6], uint32_t vtep);
    /* the flood list of vni is now vteps[0..n) (network order, sorted) */
    void (*flood_changed)(void *ctx, uint32_t vni, const uint32_t *vteps, uint32_t n);
    /* a MAC/IP route binds IPv4 ip to mac behind vtep (MAC-mobility
     * sequence seq), or no longer does (vtep 0); optional (ARP suppression) */
    void (*ip_changed)(void *ctx, uint32_t vni, uint32_t ip, const uint8_t mac[6], uint32_t vtep,
                       uint32_t seq);
    /* a hint from rib_prefetch: (vni, mac) may be reported soon; the
     * dataplane may bring its table entry toward the cache; optional */
    void (*prefetch_mac)(void *ctx, uint32_t vni, const uint8_t mac[6]);
    void *ctx;
};

struct rib_counters {
    uint64_t paths;                 /* current */
    uint64_t type2_paths;
    uint64_t type3_paths;
    uint64_t unresolved;            /* current type-2 paths with no VNI yet */
    uint64_t stale;                 /* current paths waiting for a refresh */
    uint64_t adds, replaces, withdraws, withdraw_unknown;
    uint64_t ignored_own;           /* next hop / originator is our VTEP */
    uint64_t ignored_vni;           /* VNI resolved but not configured */
    uint64_t ignored_no_nexthop;
    uint64_t swept;                 /* stale paths removed */
    uint64_t mac_updates, flood_updates;   /* callbacks made */
};

struct evpn_rib;

/* Create a RIB for our VTEP local_vtep (network order). is_vni(ctx, vni)
 * says whether a VNI is configured here. Returns NULL on allocation failure. */
struct evpn_rib *rib_create(uint32_t local_vtep, bool (*is_vni)(void *ctx, uint32_t vni),
                            const struct rib_callbacks *cb);
void rib_free(struct evpn_rib *r);

/* Add or replace the path for (src, route). */
void rib_update(struct evpn_rib *r, const struct rib_source *src, const struct rib_route *rt);

/* Most routes one rib_prefetch call looks at. */
#define RIB_PREFETCH_MAX 64

/* A hint before rib_update of rt[0..n) (n <= RIB_PREFETCH_MAX, from src):
 * brings the hash buckets and chain heads those updates will read toward
 * the cache (and asks the dataplane to do the same through prefetch_mac),
 * so that their cache misses overlap instead of coming one after another.
 * Changes nothing the RIB reports; may be skipped. */
void rib_prefetch(struct evpn_rib *r, const struct rib_source *src, const struct rib_route *rt,
                  unsigned n);

/* Remove the path for (src, route) if present (attributes are ignored). */
void rib_withdraw(struct evpn_rib *r, const struct rib_source *src, const struct rib_route *rt);

/* Remove every path of one peer of one feed (BMP Peer Down). Returns the count. */
uint32_t rib_peer_down(struct evpn_rib *r, const struct rib_source *src);

/* The feed's connection closed (or it re-sent Initiation): mark every path of
 * that feed stale at time now (seconds). Stale paths keep forwarding. */
void rib_feed_stale(struct evpn_rib *r, const char *feed, uint64_t now);

/* End-of-RIB for one peer of a feed: remove that peer's paths that are
 * still stale (not refreshed since the feed went stale). Returns the count. */
uint32_t rib_end_of_rib(struct evpn_rib *r, const struct rib_source *src);

/* Remove paths stale for longer than timeout seconds. Returns the count. */
uint32_t rib_sweep(struct evpn_rib *r, uint64_t now, uint64_t timeout);

/* The configured VNIs changed (a reload): resolve every path's VNI again
 * and report, through the callbacks, what changed as a result. */
void rib_reresolve(struct evpn_rib *r);

/* The flood VTEPs type-3 routes give vni (sorted, network order), at most
 * cap of them. Returns how many were written. */
uint32_t rib_flood_get(const struct evpn_rib *r, uint32_t vni, uint32_t *out, uint32_t cap);

/* Call fn for every (VNI, MAC) whose best path names a VTEP, with that
 * VTEP: the dataplane can be rebuilt from it (after a reload). */
void rib_replay(const struct evpn_rib *r,
                void (*fn)(void *ctx, uint32_t vni, const uint8_t mac[6], uint32_t vtep),
                void *ctx);

const struct rib_counters *rib_counters(const struct evpn_rib *r);

struct json;

/* The counters as one JSON object under key (NULL: the next value). */
void rib_counters_json(const struct evpn_rib *r, struct json *j, const char *key);

/* The RIB as one JSON object, written as the next value of j (after the
 * caller's key, or in an array): {"paths": [...], "best": [...],
 * "flood": {...}, "counters": {...}} */
void rib_dump_json(const struct evpn_rib *r, struct json *j);

#endif
