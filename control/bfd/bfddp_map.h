/* Sessions FRR's bfdd hands over (DP_ADD_SESSION, see docs/BFD-DPLANE.md)
 * mapped onto vtepd's underlay ports, and vtepd's session state translated
 * back into bfdd's messages (BFD_STATE_CHANGE, BFD_SESSION_COUNTERS).
 *
 * Pure functions over caller memory: no I/O, no clock, no DPDK. The BFD
 * manager builds a struct bfddp_map_env from the configuration and the
 * running generation, and calls these on the BFD thread.
 *
 * Mapping rules (bfddp_map_session):
 *  - IPv6 and multihop sessions are refused (vtepd runs single-hop IPv4);
 *    so is a peer that is 0, multicast, broadcast or our own address, and a
 *    Required Min RX of 0 ("send me nothing": vtepd cannot run that).
 *  - The port: when bfdd names an interface, the underlay port whose
 *    kernel_iface (the exception-path TAP FRR sees) or whose name is that
 *    interface, else refused. Without an interface: the port of the
 *    underlay next hop whose address is the peer; without one, the only
 *    underlay port when there is exactly one; else refused (ambiguous).
 *  - The local address: bfdd's source address, or vtep.local_ip when bfdd
 *    has none (0.0.0.0).
 *  - The next hop: the underlay next hop on that port with the peer's
 *    address, whose ECMP membership the session then drives; -1 if none.
 *  - Timers and multiplier are bfdd's; the shutdown flag means AdminDown.
 *    Echo, demand, passive and the C bit are not supported: the session
 *    runs without them, and the flags are reported in `ignored`.
 */
#ifndef VTEPD_BFDDP_MAP_H
#define VTEPD_BFDDP_MAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bfd_session.h"
#include "bfddp_packet.h"
#include "vtepd_config.h"

struct bfddp_map_port {
    char name[CFG_NAME_LEN];            /* the port's name in the configuration */
    char kernel_iface[CFG_IFNAME_LEN];  /* its exception-path TAP, "" when none */
    bool underlay;                      /* only underlay ports carry BFD */
};

struct bfddp_map_nexthop {
    uint16_t port;                      /* index into env.ports */
    uint32_t ip_be;
};

/* What vtepd has that a session can be mapped onto. */
struct bfddp_map_env {
    uint32_t local_ip_be;               /* vtep.local_ip */
    int n_ports;
    struct bfddp_map_port ports[CFG_MAX_PORTS];
    int n_nexthops;
    struct bfddp_map_nexthop nexthops[CFG_MAX_NEXTHOPS];   /* index = next hop id */
};

/* A session vtepd can run. */
struct bfddp_target {
    uint16_t port;                      /* index into env.ports */
    int nexthop;                        /* index into env.nexthops, -1 if none */
    uint32_t local_ip_be;
    uint32_t peer_ip_be;
    uint32_t desired_min_tx_us;
    uint32_t required_min_rx_us;
    uint8_t detect_mult;
    bool admin_down;                    /* bfdd's shutdown flag */
    uint32_t ignored;                   /* BFDDP_SF_* asked for but not supported */
    const char *by;                     /* how the port was found: "interface",
                                           "next hop", "only underlay port" */
};

enum bfddp_map_result {
    BFDDP_MAP_OK = 0,
    BFDDP_MAP_IPV6,                     /* "ipv6" */
    BFDDP_MAP_MULTIHOP,                 /* "multihop" */
    BFDDP_MAP_BAD_PEER,                 /* "bad_peer": 0, multicast, broadcast, ours */
    BFDDP_MAP_BAD_SOURCE,               /* "bad_source": multicast or broadcast */
    BFDDP_MAP_BAD_TIMERS,               /* "bad_timers": Required Min RX 0, ... */
    BFDDP_MAP_NO_PORT,                  /* "no_port": the interface is no underlay port */
    BFDDP_MAP_AMBIGUOUS,                /* "ambiguous": no interface, port not known */
    BFDDP_MAP_NUM
};

/* Map s (a decoded DP_ADD_SESSION) onto env. Returns BFDDP_MAP_OK with *t
 * filled, or the reason it cannot run here, with a sentence naming the
 * values in why (always NUL-terminated when whylen > 0). */
enum bfddp_map_result bfddp_map_session(const struct bfddp_map_env *env,
                                        const struct bfddp_session *s,
                                        struct bfddp_target *t, char *why, size_t whylen);

/* Stable key of a result ("ok", "ipv6", ...); "?" when out of range. */
const char *bfddp_map_result_name(enum bfddp_map_result r);

/* What vtepd knows of the remote end beyond the session struct: the C bit
 * and Required Min Echo RX of the last accepted packet. */
struct bfddp_remote_extra {
    bool cpi;
    uint32_t required_min_echo_rx_us;
};

/* BFD_STATE_CHANGE for bfdd's session lid from vtepd's session s: our
 * state and local diag, the remote's discriminator, flags (C, D), timers
 * and multiplier (0 for what was never received). extra may be NULL. */
void bfddp_map_state_change(uint32_t lid, const struct bfd_session *s,
                            const struct bfddp_remote_extra *extra, struct bfddp_msg *out);

/* Counters of one running session, for BFD_SESSION_COUNTERS. */
struct bfddp_wire_counters {
    uint64_t rx_packets, rx_bytes;      /* control packets received for it */
    uint64_t tx_packets, tx_bytes;      /* control packets sent */
};

/* BFD_SESSION_COUNTERS answering request id for lid; c NULL (a lid vtepd
 * does not run) answers zeros, as bfdd needs an answer in every case. */
void bfddp_map_counters(uint16_t id, uint32_t lid, const struct bfddp_wire_counters *c,
                        struct bfddp_msg *out);

#endif
