/* What a frame received on an access port is: which attachment (and so
 * which VNI) it belongs to, whether its 802.1Q tag must come off, whether
 * it is BUM or unicast, or why it is dropped. Pure function over the frame
 * bytes and the port's attachment map, so unit tests can call it. */
#ifndef VTEPD_ACCESS_CLASSIFY_H
#define VTEPD_ACCESS_CLASSIFY_H

#include <stdbool.h>
#include <stdint.h>

#include "drop_reasons.h"

enum access_class {
    AC_UNICAST = 0,     /* known-unicast candidate: look the destination up */
    AC_BUM,             /* broadcast / multicast: replicate */
    AC_DROP             /* see result.drop */
};

struct access_result {
    enum drop_reason drop;      /* AC_DROP */
    uint16_t attach;            /* attachment id */
    bool strip_tag;             /* remove the 4-byte 802.1Q tag after the MACs */
};

/* Classify frame (len bytes) from a port whose untagged frames go to
 * untagged_attach and VLAN v to vlan_attach[v] (DP_NO_ATTACH: none; a NULL
 * vlan_attach means no tagged attachment). A priority tag (VLAN 0) counts
 * as untagged. Reads nothing beyond len. Checks, in order: runt, VLAN ->
 * attachment, source MAC (not multicast, not zero), link-local group
 * destinations (01:80:c2:00:00:0x). */
enum access_class access_classify(const uint8_t *frame, uint32_t len, uint16_t untagged_attach,
                                  const uint16_t *vlan_attach, struct access_result *r);

#endif
