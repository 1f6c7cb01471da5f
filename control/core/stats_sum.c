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
        t->ev.punted_bfd += rd(&s->ev.punted_bfd);
        t->ev.ctrl_tx += rd(&s->ev.ctrl_tx);
        t->ev.to_kernel += rd(&s->ev.to_kernel);
        t->ev.from_kernel += rd(&s->ev.from_kernel);
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

/* struct vni_stats is a row of 64-bit counters: summed word by word */
_Static_assert(sizeof(struct vni_stats) % sizeof(uint64_t) == 0, "vni_stats: u64 only");
#define VNI_WORDS (sizeof(struct vni_stats) / sizeof(uint64_t))

static void sum_vni_raw(uint32_t slot, struct vni_stats *o)
{
    uint64_t *out = (uint64_t *)o;

    memset(o, 0, sizeof(*o));
    for (unsigned i = 0; i < g_dp.n_workers; i++) {
        const uint64_t *w = (const uint64_t *)&g_dp.workers[i]->st.vni[slot];
        for (size_t k = 0; k < VNI_WORDS; k++)
            out[k] += rd(&w[k]);
    }
}

void stats_sum_vni(uint32_t slot, struct vni_stats *o)
{
    const uint64_t *b = (const uint64_t *)&vni_base[slot];
    uint64_t *out = (uint64_t *)o;

    sum_vni_raw(slot, o);
    for (size_t k = 0; k < VNI_WORDS; k++)
        out[k] -= b[k];
}

void stats_vni_rebase(uint32_t slot)
{
    if (slot < DP_MAX_VNIS)
        sum_vni_raw(slot, &vni_base[slot]);
}
