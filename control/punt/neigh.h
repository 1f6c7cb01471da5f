/* Underlay neighbour resolution: the MAC of each next hop (an IPv4
 * address on an underlay port), found and kept fresh by ARP through the
 * dataplane.
 *
 * Pure control-thread C: no DPDK, no I/O, time passed in (milliseconds).
 * The caller feeds it the ARP frames its underlay ports receive
 * (neigh_input), sends the ARP requests it builds (neigh_poll), and is told
 * through a callback when a next hop's MAC becomes known, changes or is
 * lost: a next hop is live (in its ECMP groups, with its header template)
 * exactly while it has a MAC.
 *
 * States (r = retrans_ms, U = ucast_probes, B = bcast_probes):
 *   INCOMPLETE  no MAC. B broadcast requests, r apart; no answer: FAILED.
 *   REACHABLE   MAC confirmed (an ARP reply to us, a request for our address
 *               or a gratuitous ARP from the next hop) within reachable_ms.
 *               U*r before that runs out: PROBE (refresh before expiry).
 *   PROBE       MAC kept and used; U unicast requests to it, r apart. An
 *               answer: REACHABLE. None by the time reachable_ms has passed
 *               since the last confirmation: STALE.
 *   STALE       reachability expired, MAC still kept and used (the next hop
 *               may only have changed its MAC, or be slow to answer);
 *               B broadcast requests, r apart. An answer: REACHABLE (with
 *               the new MAC if it changed). None: FAILED, MAC lost.
 *   FAILED      no MAC; one broadcast request after a backoff that doubles
 *               from backoff_min_ms to backoff_max_ms; any ARP from the next
 *               hop: resolved again.
 *   STATIC      MAC from the configuration: always wins, never sends ARP;
 *               ARP from the next hop with another MAC is counted, ignored.
 * An ARP request from the next hop for some other address shows its MAC
 * but not that it hears us: a next hop without a MAC takes it and goes to
 * PROBE (usable at once, confirmed by unicast); one with a MAC only updates
 * it if it changed. ARP is matched on the next hop's own port only.
 * Liveness beyond ARP (fast failure detection) is BFD's job, not this one's.
 */
#ifndef VTEPD_NEIGH_H
#define VTEPD_NEIGH_H

#include <stdbool.h>
#include <stdint.h>

#define NEIGH_FRAME_LEN 60      /* an ARP request, padded to the Ethernet minimum */

enum neigh_state {
    NEIGH_INCOMPLETE = 0,
    NEIGH_REACHABLE,
    NEIGH_PROBE,
    NEIGH_STALE,
    NEIGH_FAILED,
    NEIGH_STATIC,
};

enum neigh_event {
    NEIGH_EV_RESOLVED = 0,      /* a MAC is known: the next hop becomes live */
    NEIGH_EV_CHANGED,           /* a different MAC: rewrite the header template */
    NEIGH_EV_LOST,              /* no MAC any more: out of its ECMP groups */
};

struct neigh_params {
    uint32_t max_nexthops;      /* 0 = 256 */
    uint32_t reachable_ms;      /* 0 = 30000 */
    uint32_t retrans_ms;        /* 0 = 1000 */
    uint32_t ucast_probes;      /* 0 = 3 */
    uint32_t bcast_probes;      /* 0 = 3 */
    uint32_t backoff_min_ms;    /* 0 = 1000 */
    uint32_t backoff_max_ms;    /* 0 = 60000 */
};

struct neigh_callbacks {
    /* mac is the new MAC (RESOLVED, CHANGED) or NULL (LOST) */
    void (*changed)(void *arg, int id, enum neigh_event ev, const uint8_t *mac);
    void *arg;
};

/* One frame to send on a port (neigh_poll). */
struct neigh_frame {
    uint16_t port;
    uint16_t len;
    int id;                     /* the next hop it is for */
    uint8_t data[NEIGH_FRAME_LEN];
};

struct neigh_info {
    enum neigh_state state;
    uint16_t port;
    uint32_t ip;                /* network order */
    bool has_mac;
    uint8_t mac[6];
    uint64_t confirmed_age_ms;  /* since the last confirmation (UINT64_MAX: never) */
    uint32_t probes;            /* sent in the current state */
    uint64_t next_ms;           /* when it acts next (UINT64_MAX: never) */
    uint64_t requests_sent, confirmations;
};

struct neigh_counters {
    uint64_t bcast_sent, ucast_sent;
    uint64_t arp_in;            /* ARP frames given to neigh_input */
    uint64_t matched;           /* ... from one of our next hops */
    uint64_t confirmations;
    uint64_t resolved, changed, lost;
    uint64_t static_mismatch;   /* ARP with another MAC than the static one */
    uint64_t invalid;           /* malformed ARP or sender MAC */
};

struct neigh_table;

/* NULL on allocation failure; params/cb may be NULL. */
struct neigh_table *neigh_create(const struct neigh_params *params, const struct neigh_callbacks *cb);
void neigh_destroy(struct neigh_table *t);

/* A next hop ip on port, where we are port_mac / port_ip (the sender of
 * our requests). static_mac non-NULL: STATIC (RESOLVED is reported at
 * once), else INCOMPLETE with its first request due now. Returns its id
 * (>= 0), -EEXIST (same port and IP), -EINVAL, -ENOSPC. */
int neigh_add(struct neigh_table *t, uint16_t port, uint32_t ip, const uint8_t port_mac[6],
              uint32_t port_ip, const uint8_t *static_mac, uint64_t now_ms);

/* Make a next hop static with mac, or dynamic again (mac NULL: its MAC is
 * kept and confirmed by unicast at once, PROBE). 0 or -ENOENT/-EINVAL. */
int neigh_set_static(struct neigh_table *t, int id, const uint8_t *mac, uint64_t now_ms);

/* Forget a next hop (no event). 0 or -ENOENT. */
int neigh_remove(struct neigh_table *t, int id);

/* An ARP frame (untagged Ethernet) received on port. 1 when it came from
 * one of our next hops (and was used), 0 when not, -EINVAL when malformed. */
int neigh_input(struct neigh_table *t, uint16_t port, const uint8_t *frame, uint32_t len,
                uint64_t now_ms);

/* Run what is due at now_ms: state changes (events through the callback)
 * and ARP requests, written to out[0..max). Returns the frames written;
 * what did not fit stays due for the next call. */
unsigned int neigh_poll(struct neigh_table *t, uint64_t now_ms, struct neigh_frame *out,
                        unsigned int max);

/* The earliest time neigh_poll has something to do (UINT64_MAX: never). */
uint64_t neigh_next_deadline(const struct neigh_table *t);

/* True when the next hop has a MAC (REACHABLE, PROBE, STALE, STATIC). */
bool neigh_is_live(const struct neigh_table *t, int id);

/* 0 and *out filled, or -ENOENT. */
int neigh_get(const struct neigh_table *t, int id, uint64_t now_ms, struct neigh_info *out);

/* The id of the next hop (port, ip), or -ENOENT. */
int neigh_find(const struct neigh_table *t, uint16_t port, uint32_t ip);

const char *neigh_state_name(enum neigh_state s);
void neigh_get_counters(const struct neigh_table *t, struct neigh_counters *out);

#endif
