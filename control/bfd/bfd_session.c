/* One BFD session: RFC 5880 asynchronous mode state machine and timers
 * (see bfd_session.h and docs/BFD.md). */
#include <errno.h>
#include "bfd_session.h"
#include "bfd_udp.h"

static uint32_t max_u32(uint32_t a, uint32_t b)
{
    return a > b ? a : b;
}

static uint32_t min_u32(uint32_t a, uint32_t b)
{
    return a < b ? a : b;
}

/* 64 random bits: the caller's source, else splitmix64 over s->prng. */
static uint64_t rand64(struct bfd_session *s)
{
    uint64_t z;

    if (s->cfg.rand_fn) {
        z = (uint64_t)s->cfg.rand_fn(s->cfg.rand_ctx) << 32;
        return z | s->cfg.rand_fn(s->cfg.rand_ctx);
    }
    s->prng += 0x9e3779b97f4a7c15ull;
    z = s->prng;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* RFC 5880 6.8.7: the interval reduced by 0-25% at random; with a detect
 * multiplier of 1, between 75% and 90% of it. Nanoseconds. */
static uint64_t jittered_ns(struct bfd_session *s, uint32_t interval_us)
{
    uint64_t full = (uint64_t)interval_us * 1000;
    uint64_t lo = (full * 3 + 3) / 4;
    uint64_t hi = s->cfg.detect_mult == 1 ? full * 9 / 10 : full;

    if (hi <= lo)
        return lo;
    return lo + rand64(s) % (hi - lo + 1);
}

/* bfd.DesiredMinTxInterval we want to advertise in the current state:
 * never below one second while not Up (RFC 5880 6.8.3). */
static uint32_t want_tx_us(const struct bfd_session *s)
{
    if (s->state == BFD_STATE_UP)
        return s->cfg.desired_min_tx_us;
    return max_u32(s->cfg.desired_min_tx_us, BFD_SLOW_TX_US);
}

uint32_t bfd_session_tx_interval_us(const struct bfd_session *s)
{
    if (s->remote_min_rx_us == 0)
        return 0;
    return max_u32(s->eff_tx_us, s->remote_min_rx_us);
}

uint64_t bfd_session_detect_time_us(const struct bfd_session *s)
{
    return (uint64_t)s->remote_mult *
           max_u32(s->eff_rx_us, s->remote_desired_tx_us);
}

uint64_t bfd_session_detect_deadline(const struct bfd_session *s)
{
    if (!s->detect_armed)
        return BFD_NO_DEADLINE;
    return s->last_rx_ns + bfd_session_detect_time_us(s) * 1000;
}

/* Periodic transmission runs unless the peer asked for no packets, or it
 * is in Demand mode with both ends Up (RFC 5880 6.8.7) and we have no Poll
 * to carry (6.5). */
static bool periodic_enabled(const struct bfd_session *s)
{
    if (bfd_session_tx_interval_us(s) == 0)
        return false;
    if (s->remote_demand && s->state == BFD_STATE_UP &&
        s->remote_state == BFD_STATE_UP && !s->poll_active)
        return false;
    return true;
}

/* Redraw the next periodic packet from the last one when the negotiated
 * interval changed: a peer lowering its Required Min RX is honoured at
 * once, one raising it is not sent to faster than it asked. */
static void reschedule(struct bfd_session *s)
{
    uint32_t iv = bfd_session_tx_interval_us(s);

    if (iv == s->tx_interval_us)
        return;
    s->tx_interval_us = iv;
    if (iv != 0 && s->tx_started)
        s->next_tx_ns = s->last_tx_ns + jittered_ns(s, iv);
}

/* Bring the advertised intervals in line with the configuration and the
 * state (RFC 5880 6.8.3). Any change starts a Poll sequence. While Up, the
 * values in use during the sequence are the conservative ones: the faster
 * transmit interval and the longer receive interval (a raised Desired Min
 * TX and a lowered Required Min RX wait for the Final). While Up, a change
 * made during a sequence, or right after one before a packet without F
 * came back, waits for that (6.8.3: one change per sequence, no ambiguous
 * Final). While not Up, changes apply at once. */
static void sync_intervals(struct bfd_session *s)
{
    uint32_t tx = want_tx_us(s);
    uint32_t rx = s->cfg.required_min_rx_us;

    if (tx == s->adv_tx_us && rx == s->adv_rx_us)
        return;
    if (s->state == BFD_STATE_UP) {
        if (s->poll_active || s->poll_wait)
            return;
        s->eff_tx_us = min_u32(s->adv_tx_us, tx);
        s->eff_rx_us = max_u32(s->adv_rx_us, rx);
    } else {
        s->eff_tx_us = tx;
        s->eff_rx_us = rx;
    }
    s->adv_tx_us = tx;
    s->adv_rx_us = rx;
    s->poll_active = true;
    s->cnt.polls_started++;
}

/* A Final answered our Poll: the advertised values are now in use. Until
 * a packet without F arrives, no new sequence starts while Up. */
static void end_poll(struct bfd_session *s)
{
    s->poll_active = false;
    s->poll_wait = true;
    s->eff_tx_us = s->adv_tx_us;
    s->eff_rx_us = s->adv_rx_us;
    s->cnt.polls_completed++;
}

/* A packet is owed now (s->clock_ns): remember since when. */
static void owe_packet(struct bfd_session *s)
{
    if (!s->final_pending && !s->trigger_pending)
        s->due_ns = s->clock_ns;
}

/* Enter state st with local diag diag at s->clock_ns. */
static void set_state(struct bfd_session *s, enum bfd_state st,
                      enum bfd_diag diag)
{
    enum bfd_state old = s->state;

    if (st == old)
        return;
    s->state = st;
    s->local_diag = (uint8_t)diag;
    s->cnt.state_changes++;
    if (st == BFD_STATE_UP)
        s->cnt.up_transitions++;
    if (old == BFD_STATE_UP)
        s->cnt.down_transitions++;
    s->cnt.last_change_ns = s->clock_ns;
    s->cnt.last_diag = (uint8_t)diag;
    owe_packet(s);
    s->trigger_pending = true;
    sync_intervals(s);
    reschedule(s);
}

/* Report a state change since old through the callback; true if any. */
static bool notify(struct bfd_session *s, enum bfd_state old)
{
    if (old == s->state)
        return false;
    if (s->cfg.on_state_change)
        s->cfg.on_state_change(s->cfg.cb_ctx, s, old, s->state);
    return true;
}

int bfd_session_init(struct bfd_session *s, const struct bfd_session_cfg *cfg,
                     uint64_t now_ns)
{
    if (cfg->local_disc == 0 || cfg->detect_mult == 0 ||
        cfg->desired_min_tx_us == 0 || cfg->required_min_rx_us == 0 ||
        (cfg->src_port != 0 && cfg->src_port < BFD_SRC_PORT_MIN))
        return -EINVAL;
    *s = (struct bfd_session){ .cfg = *cfg };
    s->clock_ns = now_ns;
    s->prng = cfg->seed;
    if (s->cfg.src_port == 0)
        s->cfg.src_port = (uint16_t)(BFD_SRC_PORT_MIN +
            rand64(s) % (BFD_SRC_PORT_MAX - BFD_SRC_PORT_MIN + 1));
    s->state = cfg->admin_down ? BFD_STATE_ADMIN_DOWN : BFD_STATE_DOWN;
    s->local_diag = cfg->admin_down ? BFD_DIAG_ADMIN_DOWN : BFD_DIAG_NONE;
    s->remote_state = BFD_STATE_DOWN;
    s->remote_min_rx_us = 1;
    s->adv_tx_us = want_tx_us(s);
    s->adv_rx_us = cfg->required_min_rx_us;
    s->eff_tx_us = s->adv_tx_us;
    s->eff_rx_us = s->adv_rx_us;
    s->tx_interval_us = bfd_session_tx_interval_us(s);
    s->next_tx_ns = now_ns;     /* Active role: start sending at once */
    return 0;
}

bool bfd_session_match(const struct bfd_session *s, const struct bfd_ctrl *c,
                       uint32_t src_ip_be)
{
    if (c->your_disc != 0)
        return c->your_disc == s->cfg.local_disc;
    return src_ip_be == s->cfg.peer_ip_be;
}

/* Detection time passed without a valid packet (RFC 5880 6.8.4): Init or
 * Up go Down with diag 1; in any state the peer is forgotten (6.8.1:
 * bfd.RemoteDiscr back to 0; 6.8.18: bfd.RemoteMinRxInterval back to 1). */
static void check_detect(struct bfd_session *s)
{
    if (!s->detect_armed || s->clock_ns < bfd_session_detect_deadline(s))
        return;
    s->detect_armed = false;
    s->cnt.detect_expired++;
    s->remote_disc = 0;
    s->remote_state = BFD_STATE_DOWN;
    s->remote_demand = false;
    s->remote_min_rx_us = 1;
    if (s->state == BFD_STATE_INIT || s->state == BFD_STATE_UP)
        set_state(s, BFD_STATE_DOWN, BFD_DIAG_DETECT_EXPIRED);
    sync_intervals(s);
    reschedule(s);
}

/* RFC 5880 6.8.6, from the selection of the session on, at s->clock_ns. */
static enum bfd_drop receive(struct bfd_session *s, const struct bfd_ctrl *c)
{
    if (c->your_disc != 0 && c->your_disc != s->cfg.local_disc)
        return BFD_DROP_UNKNOWN_DISC;

    s->remote_disc = c->my_disc;
    s->remote_state = (enum bfd_state)(c->state & 0x3);
    s->remote_diag = c->diag;
    s->remote_mult = c->detect_mult;
    s->remote_demand = c->demand;
    s->remote_min_rx_us = c->required_min_rx_us;
    s->remote_desired_tx_us = c->desired_min_tx_us;
    if (c->final && s->poll_active)
        end_poll(s);
    else if (!c->final)
        s->poll_wait = false;
    /* Valid packet: restart the detection time (6.8.4). */
    s->detect_armed = true;
    s->last_rx_ns = s->clock_ns;

    if (s->state == BFD_STATE_ADMIN_DOWN) {
        sync_intervals(s);
        reschedule(s);
        return BFD_DROP_ADMIN_DOWN;
    }

    if (s->remote_state == BFD_STATE_ADMIN_DOWN) {
        if (s->state != BFD_STATE_DOWN)
            set_state(s, BFD_STATE_DOWN, BFD_DIAG_NEIGHBOR_DOWN);
    } else if (s->state == BFD_STATE_DOWN) {
        if (s->remote_state == BFD_STATE_DOWN)
            set_state(s, BFD_STATE_INIT, (enum bfd_diag)s->local_diag);
        else if (s->remote_state == BFD_STATE_INIT)
            set_state(s, BFD_STATE_UP, BFD_DIAG_NONE);
    } else if (s->state == BFD_STATE_INIT) {
        if (s->remote_state == BFD_STATE_INIT || s->remote_state == BFD_STATE_UP)
            set_state(s, BFD_STATE_UP, BFD_DIAG_NONE);
    } else if (s->remote_state == BFD_STATE_DOWN) {     /* we are Up */
        set_state(s, BFD_STATE_DOWN, BFD_DIAG_NEIGHBOR_DOWN);
    }

    if (c->poll) {      /* answer at once with F (6.8.7) */
        owe_packet(s);
        s->final_pending = true;
    }
    sync_intervals(s);
    reschedule(s);
    return BFD_DROP_NONE;
}

/* What a received packet did, for the caller (res may be NULL). */
static enum bfd_drop rx_result(const struct bfd_session *s, enum bfd_drop why, bool changed,
                               enum bfd_state old, struct bfd_rx_result *res)
{
    if (res) {
        *res = (struct bfd_rx_result){
            .drop = why,
            .state_changed = changed,
            .old_state = old,
            .new_state = s->state,
            .send_now = s->final_pending || s->trigger_pending,
        };
    }
    return why;
}

enum bfd_drop bfd_session_rx_ctrl(struct bfd_session *s,
                                  const struct bfd_ctrl *c, uint64_t now_ns,
                                  struct bfd_rx_result *res)
{
    enum bfd_state old = s->state;
    enum bfd_drop why;
    bool changed;

    s->clock_ns = now_ns;
    check_detect(s);    /* a late caller must not let a packet hide it */
    why = receive(s, c);
    if (why == BFD_DROP_NONE)
        s->cnt.rx++;
    else
        s->cnt.rx_drop[why]++;
    changed = notify(s, old);
    return rx_result(s, why, changed, old, res);
}

enum bfd_drop bfd_session_rx(struct bfd_session *s, uint64_t now_ns,
                             const uint8_t *pkt, size_t len,
                             struct bfd_rx_result *res)
{
    struct bfd_ctrl c;
    enum bfd_drop why = bfd_ctrl_decode(pkt, len, &c);

    enum bfd_state old = s->state;
    bool changed;

    if (why == BFD_DROP_NONE)
        return bfd_session_rx_ctrl(s, &c, now_ns, res);
    s->clock_ns = now_ns;
    check_detect(s);
    s->cnt.rx_drop[why]++;
    changed = notify(s, old);
    return rx_result(s, why, changed, old, res);
}

/* A periodic or triggered packet goes out now: draw the next one. */
static void sent_scheduled(struct bfd_session *s)
{
    uint32_t iv = bfd_session_tx_interval_us(s);

    s->tx_started = true;
    s->last_tx_ns = s->clock_ns;
    s->tx_interval_us = iv;
    s->next_tx_ns = s->clock_ns + (iv != 0 ? jittered_ns(s, iv) : 0);
}

size_t bfd_session_poll(struct bfd_session *s, uint64_t now_ns, uint8_t *buf,
                        size_t cap, struct bfd_poll_result *res)
{
    enum bfd_state old = s->state;
    struct bfd_poll_result r = { .pkt_len = 0 };
    bool send = false;
    bool final = false;

    s->clock_ns = now_ns;
    check_detect(s);
    if (buf != NULL && cap >= BFD_CTRL_LEN) {
        if (s->final_pending) {
            /* The Final carries the current state too: it stands for the
             * triggered packet, but not for the periodic one (no P). */
            send = true;
            final = true;
            s->final_pending = false;
            s->trigger_pending = false;
        } else if (s->trigger_pending) {
            s->trigger_pending = false;
            if (bfd_session_tx_interval_us(s) != 0) {
                send = true;
                sent_scheduled(s);
            }
        } else if (periodic_enabled(s) && now_ns >= s->next_tx_ns) {
            send = true;
            sent_scheduled(s);
        }
    }
    if (send) {
        const struct bfd_ctrl c = {
            .version = BFD_VERSION,
            .diag = s->local_diag,
            .state = (uint8_t)s->state,
            .poll = !final && s->poll_active,
            .final = final,
            .detect_mult = s->cfg.detect_mult,
            .length = BFD_CTRL_LEN,
            .my_disc = s->cfg.local_disc,
            .your_disc = s->remote_disc,
            .desired_min_tx_us = s->adv_tx_us,
            .required_min_rx_us = s->adv_rx_us,
            .required_min_echo_rx_us = 0,   /* no Echo */
        };

        r.pkt_len = bfd_ctrl_encode(&c, buf, cap);
        r.poll = c.poll;
        r.final = c.final;
        s->cnt.tx++;
        if (c.poll)
            s->cnt.tx_poll++;
        if (c.final)
            s->cnt.tx_final++;
    }
    r.next_deadline_ns = bfd_session_next_deadline(s);
    r.old_state = old;
    r.new_state = s->state;
    r.state_changed = notify(s, old);
    if (res)
        *res = r;
    return r.pkt_len;
}

uint64_t bfd_session_next_deadline(const struct bfd_session *s)
{
    uint64_t d = BFD_NO_DEADLINE;
    uint64_t det = bfd_session_detect_deadline(s);

    if (s->final_pending || s->trigger_pending)
        return s->due_ns;
    if (periodic_enabled(s))
        d = s->next_tx_ns;
    return det < d ? det : d;
}

bool bfd_session_set_admin(struct bfd_session *s, bool up, uint64_t now_ns)
{
    enum bfd_state old = s->state;

    s->clock_ns = now_ns;
    if (up && s->state == BFD_STATE_ADMIN_DOWN)
        set_state(s, BFD_STATE_DOWN, BFD_DIAG_NONE);
    else if (!up && s->state != BFD_STATE_ADMIN_DOWN)
        set_state(s, BFD_STATE_ADMIN_DOWN, BFD_DIAG_ADMIN_DOWN);
    return notify(s, old);
}

int bfd_session_set_intervals(struct bfd_session *s,
                              const struct bfd_intervals *iv, uint64_t now_ns)
{
    if (iv->desired_min_tx_us == 0 || iv->required_min_rx_us == 0)
        return -EINVAL;
    s->clock_ns = now_ns;   /* timers are redrawn from the last packet sent */
    s->cfg.desired_min_tx_us = iv->desired_min_tx_us;
    s->cfg.required_min_rx_us = iv->required_min_rx_us;
    if (iv->detect_mult != 0)
        s->cfg.detect_mult = iv->detect_mult;
    sync_intervals(s);
    reschedule(s);
    return 0;
}
