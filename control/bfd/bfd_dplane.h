/* vtepd as FRR bfdd's data plane (control.bfdd_dplane): the connection to
 * bfdd and the sessions it hands over (by lid), run in the BFD manager's
 * slots beside the configured ones. Module-private to the BFD manager:
 * every function but bfd_dplane_init() is called with the BFD lock held.
 * See docs/BFD-DPLANE.md, "vtepd as bfdd's data plane". */
#ifndef VTEPD_BFD_DPLANE_H
#define VTEPD_BFD_DPLANE_H

#include <stdbool.h>
#include <stdint.h>

#include "vtepd_config.h"

struct dp_conf;
struct json;
struct bfd_dplane_info;

/* Read control.bfdd_dplane (nothing to do without it). The connection is
 * made by the BFD thread. Returns 0 or -EINVAL. */
int bfd_dplane_init(const struct vtepd_config *cfg);

/* True when control.bfdd_dplane is set. */
bool bfd_dplane_enabled(void);

/* What sessions map onto: cfg's ports and local address, generation c's
 * next hops. Then sessions that could not be mapped are tried again. */
void bfd_dplane_set_env(const struct vtepd_config *cfg, const struct dp_conf *c, uint64_t now_ns);

/* Connect, read and answer bfdd, write; every second, try again the
 * sessions that could not run (no room, nothing to map onto). On the BFD
 * thread each turn. */
void bfd_dplane_poll(uint64_t now_ns);

/* Slot `slot` changed state: BFD_STATE_CHANGE for every lid on it. */
void bfd_dplane_state_changed(int slot, uint64_t now_ns);

/* The lids on slot `slot` (at most cap into out); returns how many there are. */
int bfd_dplane_lids(int slot, uint32_t *out, int cap);

/* The configuration let go of slot `slot` while bfdd's lids hold it:
 * bfdd's timers (of the lid added last) apply from now. */
void bfd_dplane_handover(int slot, uint64_t now_ns);

/* Close the connection for good (vtepd stops). */
void bfd_dplane_stop(void);

/* "bfdd_dplane": {...} for show bfd. */
void bfd_dplane_dump_json(struct json *j);

/* Figures for the metrics. */
void bfd_dplane_info_fill(struct bfd_dplane_info *out);

#endif
