/* One BFD session (RFC 5880, asynchronous mode, single-hop IPv4 per
 * RFC 5881), driven by the caller's clock.
 *
 * The caller owns the struct (no allocation, no global state) and passes
 * the time in every call: now_ns is any monotonic clock in nanoseconds.
 * Intervals are microseconds, as on the wire. The session never reads a
 * clock and never sends: it says what to send and when to call it again.
 *
 * Use:
 *   bfd_session_init(&s, &cfg, now);
 *   loop:
 *     on a received control packet (the UDP payload, after bfd_udp_parse):
 *         bfd_session_rx(&s, now, payload, len, &rx);
 *     when now >= bfd_session_next_deadline(&s) (or after an rx that says
 *     send_now):
 *         while ((n = bfd_session_poll(&s, now, buf, sizeof(buf), &pr)) > 0)
 *             send buf[0..n) framed with bfd_udp_build();
 *   State changes are reported in the rx/poll results and, if cfg has one,
 *   through the on_state_change callback (called last, after the session
 *   is consistent; it must not call back into the same session).
 *
 * What is implemented (see docs/BFD.md): the reception procedure of 6.8.6
 * with every state transition; detection time 6.8.4 (expiry: Down, diag 1);
 * transmission 6.8.7 with jitter (75-100%, 75-90% when detect mult is 1);
 * slow transmission (Desired Min TX >= 1 s) while not Up (6.8.3); timer
 * changes through a Poll sequence (6.5, 6.8.3): new values are sent with P
 * until a packet with F comes back, the conservative of old and new is used
 * meanwhile; immediate Final replies; one immediate packet on each local
 * state change; AdminDown (6.8.16). Not implemented: authentication, Demand
 * mode for ourselves (a peer's Demand mode is honoured), Echo, the Passive
 * role.
 *
 * Struct fields may be read (state, counters, negotiated values); change
 * them only through the functions below.
 */
#ifndef VTEPD_BFD_SESSION_H
#define VTEPD_BFD_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bfd_packet.h"

#define BFD_SLOW_TX_US      1000000u    /* Desired Min TX floor while not Up */
#define BFD_NO_DEADLINE     UINT64_MAX  /* nothing scheduled */

struct bfd_session;

/* Random source: returns 32 uniformly random bits. */
typedef uint32_t (*bfd_rand_fn)(void *ctx);

/* Called after a state change, from inside the function that caused it. */
typedef void (*bfd_state_fn)(void *ctx, const struct bfd_session *s,
                             enum bfd_state old_state, enum bfd_state new_state);

struct bfd_session_cfg {
    uint32_t local_ip_be;       /* our address (network order) */
    uint32_t peer_ip_be;        /* the peer's address (network order) */
    uint32_t local_disc;        /* My Discriminator: nonzero, unique */
    uint16_t src_port;          /* UDP source port 49152-65535; 0: picked
                                   from the random source at init */
    uint32_t desired_min_tx_us; /* nonzero; used once Up */
    uint32_t required_min_rx_us;/* nonzero (0, "send me nothing", is not
                                   supported) */
    uint8_t detect_mult;        /* nonzero */
    bool admin_down;            /* start in AdminDown */
    bfd_rand_fn rand_fn;        /* NULL: internal PRNG seeded with seed */
    void *rand_ctx;
    uint64_t seed;              /* for the internal PRNG (tests: any value;
                                   production: from getrandom()) */
    bfd_state_fn on_state_change;   /* optional */
    void *cb_ctx;
};

struct bfd_session_counters {
    uint64_t tx;                /* control packets produced by poll */
    uint64_t tx_poll;           /* ... with P set */
    uint64_t tx_final;          /* ... with F set */
    uint64_t rx;                /* packets accepted */
    uint64_t rx_drop[BFD_DROP_NUM]; /* packets dropped, by reason */
    uint64_t state_changes;
    uint64_t up_transitions;    /* entered Up */
    uint64_t down_transitions;  /* left Up */
    uint64_t detect_expired;    /* detection time passed without a packet */
    uint64_t polls_started;     /* Poll sequences started */
    uint64_t polls_completed;   /* ... ended by a Final */
    uint64_t last_change_ns;    /* time of the last state change (0: none) */
    uint8_t last_diag;          /* local diag set by the last state change */
};

/* The session. Fields follow RFC 5880 6.8.1 where one exists. */
struct bfd_session {
    struct bfd_session_cfg cfg;
    enum bfd_state state;           /* bfd.SessionState */
    uint8_t local_diag;             /* bfd.LocalDiag */
    uint32_t remote_disc;           /* bfd.RemoteDiscr (0: unknown) */
    enum bfd_state remote_state;    /* bfd.RemoteSessionState */
    uint8_t remote_diag;            /* last Diag received */
    uint8_t remote_mult;            /* last Detect Mult received */
    bool remote_demand;             /* bfd.RemoteDemandMode */
    uint32_t remote_min_rx_us;      /* bfd.RemoteMinRxInterval (init 1) */
    uint32_t remote_desired_tx_us;  /* last Desired Min TX received */
    uint32_t adv_tx_us;             /* bfd.DesiredMinTxInterval (sent) */
    uint32_t adv_rx_us;             /* bfd.RequiredMinRxInterval (sent) */
    uint32_t eff_tx_us;             /* desired TX our transmit rate uses */
    uint32_t eff_rx_us;             /* required RX our detection time uses */
    bool poll_active;               /* sending P until F comes back */
    bool poll_wait;                 /* a change is queued behind the last
                                       poll: wait for a packet without F */
    bool final_pending;             /* a Final reply is owed */
    bool trigger_pending;           /* state changed: send one packet now */
    uint64_t due_ns;                /* when the owed packet became due */
    uint32_t tx_interval_us;        /* interval next_tx_ns was drawn from */
    bool tx_started;                /* a periodic/triggered packet went out */
    uint64_t last_tx_ns;            /* time of that packet */
    uint64_t next_tx_ns;            /* next periodic packet */
    bool detect_armed;              /* a valid packet was received and the
                                       detection time has not passed */
    uint64_t last_rx_ns;            /* time of the last valid packet */
    uint64_t prng;                  /* internal PRNG state */
    uint64_t clock_ns;              /* time given to the latest call */
    struct bfd_session_counters cnt;
};

/* Result of bfd_session_rx. */
struct bfd_rx_result {
    enum bfd_drop drop;             /* BFD_DROP_NONE: accepted */
    bool state_changed;
    enum bfd_state old_state;
    enum bfd_state new_state;
    bool send_now;                  /* a packet is due: call bfd_session_poll */
};

/* Result of bfd_session_poll. */
struct bfd_poll_result {
    size_t pkt_len;                 /* same as the return value */
    bool poll;                      /* the packet has P */
    bool final;                     /* the packet has F */
    bool state_changed;
    enum bfd_state old_state;
    enum bfd_state new_state;
    uint64_t next_deadline_ns;      /* call poll again at this time */
};

/* Set up s from cfg at time now_ns: state Down (AdminDown if
 * cfg->admin_down), first packet due at now_ns. Returns 0, or -EINVAL when cfg
 * is invalid (local_disc 0, detect_mult 0, desired_min_tx_us 0,
 * required_min_rx_us 0, or a nonzero src_port below 49152); s is then
 * untouched. */
int bfd_session_init(struct bfd_session *s, const struct bfd_session_cfg *cfg,
                     uint64_t now_ns);

/* A control packet for this session was received at now_ns: pkt is the UDP
 * payload of len bytes, already checked by bfd_udp_parse (TTL etc.). First
 * runs the detection timer (a packet arriving after the detection time
 * passed does not save the session), then the whole of RFC 5880 6.8.6.
 * The caller picked the session by Your
 * Discriminator, or by peer address when it is 0 (bfd_session_match).
 * Returns the drop reason (BFD_DROP_NONE when accepted), counted in
 * s->cnt; res (may be NULL) tells more. */
enum bfd_drop bfd_session_rx(struct bfd_session *s, uint64_t now_ns,
                             const uint8_t *pkt, size_t len,
                             struct bfd_rx_result *res);

/* The same for a packet already decoded by bfd_ctrl_decode (which must
 * have returned BFD_DROP_NONE). */
enum bfd_drop bfd_session_rx_ctrl(struct bfd_session *s,
                                  const struct bfd_ctrl *c, uint64_t now_ns,
                                  struct bfd_rx_result *res);

/* Does a decoded packet from src_ip_be belong to s? By Your Discriminator
 * when it is nonzero, else by the peer's address (RFC 5881 section 3). */
bool bfd_session_match(const struct bfd_session *s, const struct bfd_ctrl *c,
                       uint32_t src_ip_be);

/* Run the timers at now_ns (detection time expiry: Down with diag 1) and
 * produce at most one control packet: a Final reply, the packet that
 * follows a state change, or the periodic packet when it is due. Writes
 * the BFD_CTRL_LEN bytes to buf and returns BFD_CTRL_LEN, or returns 0
 * when nothing is to be sent now (or cap < BFD_CTRL_LEN: nothing is
 * consumed then). Call again while it returns a packet. res may be NULL. */
size_t bfd_session_poll(struct bfd_session *s, uint64_t now_ns, uint8_t *buf,
                        size_t cap, struct bfd_poll_result *res);

/* Earliest time at which bfd_session_poll has something to do: a packet
 * owed now (a time <= now), the next periodic packet, or the detection
 * time expiry. BFD_NO_DEADLINE when none. */
uint64_t bfd_session_next_deadline(const struct bfd_session *s);

/* When the detection time expires, or BFD_NO_DEADLINE when not armed. */
uint64_t bfd_session_detect_deadline(const struct bfd_session *s);

/* Administratively enable (up = true: AdminDown -> Down, diag cleared) or
 * disable (-> AdminDown, diag 7) the session (RFC 5880 6.8.16). AdminDown
 * packets keep being sent at the slow rate. Returns true when the state
 * changed. */
bool bfd_session_set_admin(struct bfd_session *s, bool up, uint64_t now_ns);

/* New timer configuration for bfd_session_set_intervals. */
struct bfd_intervals {
    uint32_t desired_min_tx_us;     /* nonzero */
    uint32_t required_min_rx_us;    /* nonzero */
    uint8_t detect_mult;            /* 0: keep the current one */
};

/* Change the configured timers. Advertised intervals that change start a
 * Poll sequence (RFC 5880 6.8.3). Returns 0, or -EINVAL when an interval is 0
 * (nothing changes then). */
int bfd_session_set_intervals(struct bfd_session *s,
                              const struct bfd_intervals *iv, uint64_t now_ns);

/* Detection time in microseconds (RFC 5880 6.8.4): remote Detect Mult x
 * max(our Required Min RX in use, remote Desired Min TX); 0 before any
 * packet was received. */
uint64_t bfd_session_detect_time_us(const struct bfd_session *s);

/* Negotiated transmit interval in microseconds, before jitter:
 * max(our Desired Min TX in use, remote Required Min RX); 0 when the peer
 * asked for no packets. */
uint32_t bfd_session_tx_interval_us(const struct bfd_session *s);

#endif
