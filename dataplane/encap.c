/* VXLAN encapsulation: prepend the next hop's 50-byte outer header
 * template, with this packet's lengths, destination VTEP, VNI, UDP source
 * port and an incrementally updated IPv4 checksum. */
#include "worker_priv.h"

int encap_send(struct wk *w, struct rte_mbuf *m, uint32_t vni_idx, uint32_t vtep_be)
{
    const struct dp_conf *c = w->conf;
    uint32_t vni = c->vnis[vni_idx].vni;
    uint32_t inner_len = rte_pktmbuf_pkt_len(m);
    const struct dp_nexthop *nh;
    uint32_t h;
    void *hdr;

    if (unlikely(inner_len + VXLAN_OUTER_IP_OVERHEAD > c->underlay_mtu)) {
        wk_drop(w, m, DROP_MTU_EXCEEDED);
        return -1;
    }
    nh = nexthop_select(c, rte_pktmbuf_mtod(m, const uint8_t *), rte_pktmbuf_data_len(m), vni,
                        vtep_be, &h);
    if (unlikely(nh == NULL)) {
        wk_drop(w, m, DROP_NO_NEXTHOP);
        return -1;
    }
    hdr = rte_pktmbuf_prepend(m, VXLAN_ENCAP_LEN);
    if (unlikely(hdr == NULL)) {
        wk_drop(w, m, DROP_NO_HEADROOM);
        return -1;
    }
    vxlan_encap_write(hdr, &nh->tmpl, vtep_be, flow_hash_udp_sport(h), vni,
                      (uint16_t)inner_len, 0);
    m->ol_flags = 0;
    tx_enqueue(w, nh->port, m);
    return 0;
}
