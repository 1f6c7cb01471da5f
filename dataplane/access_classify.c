/* Access port classification (see include/access_classify.h). */
#include <rte_ether.h>

#include "access_classify.h"
#include "dp.h"

static enum access_class drop(struct access_result *r, enum drop_reason why)
{
    r->drop = why;
    return AC_DROP;
}

enum access_class access_classify(const uint8_t *frame, uint32_t len, uint16_t untagged_attach,
                                  const uint16_t *vlan_attach, struct access_result *r)
{
    const struct rte_ether_hdr *eth = (const struct rte_ether_hdr *)frame;
    uint16_t a = untagged_attach;

    r->strip_tag = false;
    if (len < sizeof(*eth))
        return drop(r, DROP_ACCESS_RUNT);
    if (eth->ether_type == RTE_BE16(RTE_ETHER_TYPE_VLAN)) {
        const struct rte_vlan_hdr *vh = (const struct rte_vlan_hdr *)(eth + 1);
        uint16_t vid;

        if (len < sizeof(*eth) + sizeof(*vh))
            return drop(r, DROP_ACCESS_RUNT);
        vid = rte_be_to_cpu_16(vh->vlan_tci) & 0xfff;
        if (vid)                /* vid 0: priority tag, the untagged attachment */
            a = vlan_attach ? vlan_attach[vid] : DP_NO_ATTACH;
        /* the VXLAN payload is always untagged */
        r->strip_tag = a != DP_NO_ATTACH;
    }
    if (a == DP_NO_ATTACH)
        return drop(r, DROP_ACCESS_NO_VNI);
    if (!rte_is_valid_assigned_ether_addr(&eth->src_addr))
        return drop(r, DROP_ACCESS_BAD_SRC_MAC);
    r->attach = a;
    if (rte_is_multicast_ether_addr(&eth->dst_addr)) {
        if (dp_is_link_local(eth->dst_addr.addr_bytes))
            return drop(r, DROP_LINK_LOCAL);
        return AC_BUM;
    }
    return AC_UNICAST;
}
