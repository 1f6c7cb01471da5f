/* Summing worker counters (see stats_sum.h). */
#include <string.h>

#include "control.h"
#include "dp_worker.h"
#include "stats_sum.h"

static struct vni_stats vni_base[DP_MAX_VNIS];

static uint64_t rd(const uint64_t *p)
{
    return __atomic_load_n(p, __ATOMIC_RELAXED);
}

void stats_sum(struct dp_totals *t)
{
    memset(t, 0, sizeof(*t));
    for (unsigned i = 0; i < g_dp.n_workers; i++) {
        const struct worker_stats *s = &g_dp.workers[i]->st;

        for (uint16_t p = 0; p < g_dp.n_ports; p++) {
            t->port[p].rx_packets += rd(&s->port[p].rx_packets);
            t->port[p].rx_bytes += rd(&s->port[p].rx_bytes);
            t->port[p].tx_packets += rd(&s->port[p].tx_packets);
            t->port[p].tx_bytes += rd(&s->port[p].tx_bytes);
            t->port[p].tx_dropped += rd(&s->port[p].tx_dropped);
        }
        for (int r = 0; r < DROP_NUM; r++)
            t->drops[r] += rd(&s->drops[r]);
        t->ev.learn_events += rd(&s->ev.learn_events);
        t->ev.learn_ring_full += rd(&s->ev.learn_ring_full);
        t->ev.punted += rd(&s->ev.punted);
        t->ev.ctrl_tx += rd(&s->ev.ctrl_tx);
        t->packets += rd(&s->packets);
        t->busy_cycles += rd(&s->busy_cycles);
        uint64_t f = rd(&s->first_rx_tsc), l = rd(&s->last_rx_tsc);
        if (f && (!t->first_rx_tsc || f < t->first_rx_tsc))
            t->first_rx_tsc = f;
        if (l > t->last_rx_tsc)
            t->last_rx_tsc = l;
    }
    for (int r = 0; r < DROP_NUM; r++)
        t->drops[r] += g_ctl.drops[r];
}

static void sum_vni_raw(uint32_t slot, struct vni_stats *o)
{
    memset(o, 0, sizeof(*o));
    for (unsigned i = 0; i < g_dp.n_workers; i++) {
        const struct vni_stats *w = &g_dp.workers[i]->st.vni[slot];
        o->encap_packets += rd(&w->encap_packets);
        o->encap_bytes += rd(&w->encap_bytes);
        o->decap_packets += rd(&w->decap_packets);
        o->decap_bytes += rd(&w->decap_bytes);
        o->flood_packets += rd(&w->flood_packets);
        o->flood_copies += rd(&w->flood_copies);
        o->local_switched += rd(&w->local_switched);
    }
}

void stats_sum_vni(uint32_t slot, struct vni_stats *o)
{
    const struct vni_stats *b = &vni_base[slot];

    sum_vni_raw(slot, o);
    o->encap_packets -= b->encap_packets;
    o->encap_bytes -= b->encap_bytes;
    o->decap_packets -= b->decap_packets;
    o->decap_bytes -= b->decap_bytes;
    o->flood_packets -= b->flood_packets;
    o->flood_copies -= b->flood_copies;
    o->local_switched -= b->local_switched;
}

void stats_vni_rebase(uint32_t slot)
{
    if (slot < DP_MAX_VNIS)
        sum_vni_raw(slot, &vni_base[slot]);
}
