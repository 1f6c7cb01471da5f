/* Inside the BFD manager: the session slots, shared by bfd_manager.c (the
 * thread, configured sessions, packets, ECMP) and bfd_dplane.c (sessions
 * FRR's bfdd hands over). Everything here is called with the BFD lock held.
 *
 * A slot is one BFD session on the wire: one (underlay port, peer) pair,
 * whoever asked for it. The configuration's bfd: entries and bfdd's
 * sessions (by lid) both point at slots; a slot is "config" when a bfd:
 * entry owns it (its timers rule), "bfdd" when only bfdd's lids hold it,
 * both when both do. */
#ifndef VTEPD_BFD_MANAGER_PRIV_H
#define VTEPD_BFD_MANAGER_PRIV_H

#include <stdbool.h>
#include <stdint.h>

#include "bfd_session.h"
#include "bfddp_map.h"
#include "vtepd_config.h"

/* bfdd's sessions may take this many slots; the configuration's
 * CFG_MAX_NEXTHOPS always find room. */
#define BFD_DPLANE_MAX_SESS     48
#define BFD_MAX_SESS            (CFG_MAX_NEXTHOPS + BFD_DPLANE_MAX_SESS)
/* A slot only bfdd held, whose last lid went (DP_DELETE_SESSION, bfdd
 * gone), keeps running this long before it is retired: bgpd replaces its
 * first registration at once, and a bfdd that comes back re-adds its
 * sessions, so a working session is neither flapped nor restarted. */
#define BFD_DPLANE_ORPHAN_GRACE_NS  5000000000ull

struct bfd_mgr_sess {
    bool used;
    bool from_config;           /* a bfd: entry owns it */
    uint16_t n_lids;            /* bfdd sessions riding on it */
    uint64_t orphan_since_ns;   /* bfdd-only and no lid left: when (0: not) */
    struct bfd_session s;
    int nexthop;                /* next hop of the running generation, -1: none */
    uint16_t port;
    uint32_t hold_down_ms;
    uint64_t up_since_ns;       /* 0 when not Up */
    bool live;                  /* Up (past the hold-down): the next hop may carry traffic */
    uint64_t ecmp_out, ecmp_in, buckets_moved;
    uint64_t tx_sent, tx_bytes, tx_no_mbuf, tx_ring_full, tx_no_mac;
    uint64_t tx_late_max_ns;    /* worst lateness of a transmission */
    uint64_t tx_late_sum_ns, tx_late_n;
    uint64_t last_down_ns;
    uint64_t rx_matched, rx_bytes;  /* packets for it, accepted or not */
    bool has_peer_mac;          /* learnt from the peer's own packets: */
    uint8_t peer_mac[6];        /* the destination when no next hop MAC */
    struct bfddp_remote_extra extra;    /* C bit, echo RX of the last packet */
};

extern struct bfd_mgr_sess bfd_sess[BFD_MAX_SESS];

uint64_t bfd_now_ns(void);

/* Slot of the session on dp port `port` to peer_be, or -1. */
int bfd_sess_find(uint16_t port, uint32_t peer_be);

/* A new bfdd-only slot for t (starts Down, or AdminDown). Returns its
 * index, -ENOSPC when bfdd's slots are all taken, -EINVAL for timers the
 * session refuses. */
int bfd_sess_create_dplane(const struct bfddp_target *t, uint64_t now_ns);

/* bfdd's timers and shutdown flag onto bfdd-only slot i (no effect on a
 * configured one). Returns true when the state changed. */
bool bfd_sess_apply_dplane(int i, const struct bfddp_target *t, uint64_t now_ns);

#endif
