/* Make the running dataplane follow a configuration: at start-up (old is
 * NULL) and on every reload. Control thread only. */
#ifndef VTEPD_CONFIG_APPLY_H
#define VTEPD_CONFIG_APPLY_H

#include <stddef.h>
#include <stdint.h>

#include "vtepd_config.h"

/* What a reload changed, for the log and the CLI. */
struct apply_report {
    uint64_t gen;                   /* the generation now running */
    uint32_t vnis_added, vnis_removed, vnis_changed;
    uint32_t attach_added, attach_removed;
    uint32_t statics_added, statics_removed;
    uint32_t macs_purged;           /* entries of removed VNIs / attachments */
    uint32_t groups_kept;           /* ECMP groups whose buckets carried over */
    uint32_t bfd_sessions;
};

/* Build and publish the generation for cfg, move the BFD sessions over,
 * remove MAC entries that lost their VNI or attachment, install or remove
 * static MACs (old: the configuration running until now, NULL at
 * start-up), rebuild flood lists, and let the RIB re-resolve VNIs.
 * Nothing the new configuration keeps is disturbed: forwarding goes on
 * throughout. Returns 0, or a negative errno with err set when nothing
 * was changed. */
int config_apply(const struct vtepd_config *cfg, const struct vtepd_config *old,
                 struct apply_report *rep, char *err, size_t errlen);

#endif
