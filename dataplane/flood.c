/* Head-end replication of broadcast, multicast and unknown-unicast frames:
 * one copy per VTEP on the VNI's flood list (only for frames from an access
 * port: split horizon) and one per other local attachment of the VNI. The
 * last target gets the original, every other one a copy. */
#include "worker_priv.h"

void flood_send(struct wk *w, struct rte_mbuf *m, uint32_t vni_idx, uint16_t from_attach,
                int to_underlay)
{
    const struct dp_vni *v = &w->conf->vnis[vni_idx];
    const struct dp_flood *fl = to_underlay ?
        __atomic_load_n(&g_dp.flood[vni_idx], __ATOMIC_ACQUIRE) : NULL;
    struct vni_stats *vs = &w->pub.st.vni[vni_idx];
    uint32_t n_remote = fl ? fl->n : 0;
    uint32_t n_local = 0, left;

    for (unsigned i = 0; i < v->n_attach; i++)
        n_local += v->attach[i] != from_attach;
    left = n_remote + n_local;
    vs->flood_packets++;
    if (left == 0) {
        wk_drop(w, m, DROP_FLOOD_NO_TARGET);
        return;
    }

    /* copies first; the original goes out last, untouched until then */
    for (uint32_t i = 0; i < n_remote; i++) {
        struct rte_mbuf *c = m;
        if (--left > 0) {
            c = rte_pktmbuf_copy(m, w->pool, 0, UINT32_MAX);
            if (unlikely(c == NULL)) {
                w->pub.st.drops[DROP_FLOOD_NO_MBUF]++;
                continue;
            }
        }
        if (encap_send(w, c, vni_idx, fl->vtep[i], -1, 0) == 0)
            vs->flood_copies++;
    }
    for (unsigned i = 0; i < v->n_attach; i++) {
        struct rte_mbuf *c = m;
        if (v->attach[i] == from_attach)
            continue;
        if (--left > 0) {
            c = rte_pktmbuf_copy(m, w->pool, 0, UINT32_MAX);
            if (unlikely(c == NULL)) {
                w->pub.st.drops[DROP_FLOOD_NO_MBUF]++;
                continue;
            }
        }
        vs->flood_copies++;
        access_send(w, c, v->attach[i]);
    }
}
