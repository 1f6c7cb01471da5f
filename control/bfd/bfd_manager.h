/* BFD sessions (RFC 5880/5881) to the underlay next hops, run on a thread
 * of their own ("vtepd-bfd") so that nothing the control thread does (CLI
 * dumps, RIB work, reloads) delays a transmission or a detection. A next hop
 * with a session carries traffic only while its session is Up (after the
 * optional hold-down); Down removes it from its ECMP groups at once. The BFD
 * thread is the only writer of the ECMP buckets.
 *
 * Sessions come from the configuration (bfd:) and, with
 * control.bfdd_dplane, from FRR's bfdd, for which vtepd is the data plane
 * (bfd_dplane.c): the BFD thread keeps the connection to bfdd, runs the
 * sessions bfdd hands over beside the configured ones (one session per
 * peer on the wire: a configured one is shared) and reports their states
 * back. */
#ifndef VTEPD_BFD_MANAGER_H
#define VTEPD_BFD_MANAGER_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "vtepd_config.h"

struct dp_conf;

/* Set up the manager (lock, thread priority, bfdd's data-plane address from
 * cfg); no sessions yet. Returns 0, or -EINVAL for a bad
 * control.bfdd_dplane (the parser rules that out). */
int bfd_manager_init(const struct vtepd_config *cfg);

/* Make the configured sessions those of cfg for generation c, which is
 * about to be published (call with the lock held): a session to the same
 * peer on the same port keeps its state (new timers start a Poll
 * sequence), a new one starts Down (or takes over the one bfdd asked for
 * to that peer), a removed one says AdminDown to its peer and goes (or
 * runs on with bfdd's timers when bfdd holds it too). bfdd's sessions are
 * mapped again onto c. Then every next hop of c is put in or out of c's
 * ECMP groups: live unless a session watches it and is not Up. Returns 0
 * or a negative errno (nothing changed then). */
int bfd_manager_reconfigure(const struct vtepd_config *cfg, struct dp_conf *c);

/* True when at least one session exists (configured or from bfdd). */
bool bfd_manager_active(void);

/* Start the BFD thread (after the workers' rings exist). It drains the
 * workers' BFD rings (frames stamped with their arrival TSC, so the
 * session timers see when a packet arrived, not when it was read), sends
 * what is due, expires detection times and ends hold-downs. Returns 0 or a
 * negative errno. */
int bfd_manager_start(void);

/* Stop and join the thread (before the workers stop). */
void bfd_manager_stop(void);

/* Hold off the BFD thread while the control thread changes what it reads
 * (sessions, ECMP groups). Keep it short. */
void bfd_manager_lock(void);
void bfd_manager_unlock(void);

/* Next hop nh of the running generation gained or lost its MAC (ARP):
 * put it in or out of its ECMP groups as MAC and BFD together say. Call
 * with the lock held. */
void bfd_manager_refresh_nexthop(uint16_t nh);

/* Restart the lateness measurements (tx_late_*, wake_late_max) from now:
 * "clear bfd counters". */
void bfd_manager_clear_counters(void);

/* JSON: every session's state, timers, counters and ECMP membership, and
 * the thread's wake-up lateness. Takes the lock. */
struct json;
void bfd_manager_dump_json(struct json *j);

/* One session as the metrics see it: a copy taken under the lock. */
struct bfd_sess_info {
    char peer[16];              /* dotted quad */
    char port[32];
    char nexthop[32];           /* "" when the peer is no next hop */
    char origin[16];            /* "config", "bfdd", "config+bfdd" */
    uint16_t bfdd_lids;         /* bfdd sessions riding on it */
    uint8_t state;              /* enum bfd_state */
    uint64_t tx, rx;            /* control packets sent, accepted */
    uint64_t up_transitions, down_transitions, detect_expired;
    uint64_t tx_interval_us, detect_time_us;
    uint64_t tx_late_max_ns, tx_late_sum_ns, tx_late_n;    /* since the last clear */
    uint64_t tx_no_mbuf, tx_ring_full;
    uint64_t rx_dropped;        /* packets for this session it refused */
    bool ecmp_live;
    uint64_t ecmp_out, ecmp_in;
};

/* The thread and what arrives for no session. */
struct bfd_thread_info {
    bool running;
    uint64_t wakeups, wake_late_max_ns;
    uint64_t rx_frames_ok, rx_frame_drops, rx_no_session, rx_bad_packet;
    uint64_t rx_to_kernel;      /* BFD for another local address, no session: the kernel's */
};

/* Copy at most cap sessions into out and the thread's figures into *th
 * (under the lock, for microseconds). Returns how many sessions there are
 * (may be more than cap). */
int bfd_manager_snapshot(struct bfd_sess_info *out, int cap, struct bfd_thread_info *th);

/* The connection to bfdd (control.bfdd_dplane), as the metrics see it. */
#define BFD_DPLANE_INFO_TYPES 7     /* BFDDP message types 0-6 */
struct bfd_dplane_info {
    bool configured;
    char address[128];
    bool connected;
    uint64_t connects, connect_failures, disconnects;
    uint64_t rx_msgs[BFD_DPLANE_INFO_TYPES], tx_msgs[BFD_DPLANE_INFO_TYPES];
    uint64_t rx_refused;            /* messages that did not decode */
    uint64_t closed_unframeable, closed_tx_full;
    uint32_t sessions_running, sessions_not_run;
    uint64_t echo_rtt_last_us;
};

/* Copy the figures (under the lock). */
void bfd_manager_dplane_snapshot(struct bfd_dplane_info *out);

#endif
