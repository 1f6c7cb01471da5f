/* Source MAC learning, the worker's half: tell the control thread (the MAC
 * table's writer) where a station is, at most once a second per station
 * and attachment, at once when it moves. */
#include "crc32c.h"

#include "worker_priv.h"

void learn_source(struct wk *w, uint32_t vni_idx, const uint8_t *mac, uint16_t a)
{
    uint32_t m4;
    uint16_t m2;
    struct learn_slot *s;
    struct learn_event ev;

    memcpy(&m4, mac, 4);
    memcpy(&m2, mac + 4, 2);
    s = &w->learn_cache[crc32c_u16(m2, crc32c_u32(m4, vni_idx)) &
                        (LEARN_CACHE_SLOTS - 1)];
    if (s->vni_idx == vni_idx && s->attach == a && !memcmp(s->mac, mac, 6) &&
        w->now_tsc - s->tsc < w->learn_refresh_tsc)
        return;
    ev.vni_idx = vni_idx;
    ev.attach = a;
    memcpy(ev.mac, mac, 6);
    if (rte_ring_sp_enqueue_elem(w->pub.learn_ring, &ev, sizeof(ev)) != 0) {
        w->pub.st.ev.learn_ring_full++;
        return;     /* slot untouched: the next frame tries again */
    }
    w->pub.st.ev.learn_events++;
    s->vni_idx = vni_idx;
    s->attach = a;
    memcpy(s->mac, mac, 6);
    s->tsc = w->now_tsc;
}
