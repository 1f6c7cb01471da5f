/* The kernel mirror, wired to the daemon (see kernel_mirror.h). */
#include <errno.h>
#include <string.h>
#include <sys/epoll.h>

#include "dp.h"
#include "dp_conf.h"
#include "event_loop.h"
#include "fdb_mirror.h"
#include "json_writer.h"
#include "kernel_mirror.h"
#include "log.h"
#include "mac_table.h"

#define MIRROR_BUDGET 256       /* netlink requests per control-loop turn */

static struct fdb_mirror *fm;
static uint32_t vnis[CFG_MAX_VNIS];     /* VNIs mirrored now */
static int n_vnis;
static uint64_t unknown_slot;

static void log_line(void *arg, const char *line)
{
    (void)arg;
    VLOG_RL(WARNING, "kernel mirror: %s", line);
}

static void on_local(void *ctx, uint32_t slot, const uint8_t mac[6], bool local)
{
    const struct dp_conf *c = g_dp.conf;
    uint32_t vni;
    (void)ctx;

    if (slot >= DP_MAX_VNIS || !(vni = c->vnis[slot].vni)) {
        unknown_slot++;     /* a VNI a reload removed: its devices go with it */
        return;
    }
    if (local)
        fdb_mirror_mac_add(fm, vni, mac);
    else
        fdb_mirror_mac_del(fm, vni, mac);
}

static void on_readable(int fd, uint32_t events, void *arg)
{
    (void)fd;
    (void)events;
    (void)arg;
    fdb_mirror_run(fm, MIRROR_BUDGET);
}

static bool mirrored(uint32_t vni)
{
    for (int i = 0; i < n_vnis; i++)
        if (vnis[i] == vni)
            return true;
    return false;
}

int kernel_mirror_start(const struct vtepd_config *cfg)
{
    struct fdb_mirror_config mc = {.local_ip = cfg->local_ip, .dstport = cfg->udp_port,
                                   .log = log_line};
    struct mac_key k;
    uint64_t val;
    uint32_t it = 0;
    int rc;

    if (!cfg->kernel_mirror)
        return 0;
    snprintf(mc.prefix, sizeof(mc.prefix), "%s", cfg->kernel_mirror_prefix);
    rc = fdb_mirror_open(&fm, &mc);
    if (rc != 0) {
        VLOG(ERR, "kernel mirror: cannot open netlink: %s", strerror(-rc));
        return rc;
    }
    for (int i = 0; i < cfg->n_vnis; i++) {
        fdb_mirror_vni_ensure(fm, cfg->vnis[i].vni);
        vnis[n_vnis++] = cfg->vnis[i].vni;
    }
    /* what vtepd holds now is the desired state; then the kernel is
     * reconciled with it (a restart after a crash leaves nothing stale) */
    while (mac_table_next(g_dp.macs, &it, &k, &val, NULL) == 0)
        if (mac_kind_is_local(mac_val_kind(val)))
            on_local(NULL, k.vni_idx, k.mac, true);
    mac_table_set_observer(g_dp.macs, on_local, NULL);
    for (int i = 0; i < n_vnis; i++)
        fdb_mirror_reconcile(fm, vnis[i]);
    if ((rc = ev_add(fdb_mirror_fd(fm), EPOLLIN, on_readable, NULL)) != 0) {
        VLOG(ERR, "kernel mirror: epoll: %s", strerror(-rc));
        return rc;
    }
    fdb_mirror_run(fm, MIRROR_BUDGET);
    VLOG(INFO, "kernel mirror: %d VNI(s), prefix %s", n_vnis,
         cfg->kernel_mirror_prefix[0] ? cfg->kernel_mirror_prefix : "vtd");
    return 0;
}

void kernel_mirror_sync(const struct vtepd_config *cfg)
{
    if (!fm)
        return;
    for (int i = 0; i < n_vnis; i++) {
        bool keep = false;
        for (int v = 0; v < cfg->n_vnis; v++)
            keep |= cfg->vnis[v].vni == vnis[i];
        if (!keep) {
            fdb_mirror_vni_remove(fm, vnis[i]);
            vnis[i--] = vnis[--n_vnis];
        }
    }
    for (int v = 0; v < cfg->n_vnis; v++)
        if (!mirrored(cfg->vnis[v].vni)) {
            fdb_mirror_vni_ensure(fm, cfg->vnis[v].vni);
            vnis[n_vnis++] = cfg->vnis[v].vni;
        }
}

void kernel_mirror_ip(uint32_t vni, uint32_t ip_be, const uint8_t mac[6], bool add)
{
    if (!fm || !mirrored(vni))
        return;
    if (add)
        fdb_mirror_ip_add(fm, vni, ip_be, mac);
    else
        fdb_mirror_ip_del(fm, vni, ip_be);
}

void kernel_mirror_poll(void)
{
    if (fm && fdb_mirror_busy(fm))
        fdb_mirror_run(fm, MIRROR_BUDGET);
}

void kernel_mirror_stop(void)
{
    if (!fm)
        return;
    mac_table_set_observer(g_dp.macs, NULL, NULL);
    ev_del(fdb_mirror_fd(fm));
    fdb_mirror_close(fm);
    fm = NULL;
}

bool kernel_mirror_active(void)
{
    return fm != NULL;
}

void kernel_mirror_dump_json(struct json *j)
{
    struct fdb_mirror_stats st;

    json_obj(j, NULL);
    json_bool(j, "enabled", fm != NULL);
    if (!fm) {
        json_close(j);
        return;
    }
    json_arr(j, "vnis");
    for (int i = 0; i < n_vnis; i++) {
        struct fdb_mirror_vni_info vi;
        static const char *const names[] = {"absent", "ensuring", "ready", "reconciling",
                                            "failed", "removing"};
        fdb_mirror_vni_status(fm, vnis[i], &vi);
        json_obj(j, NULL);
        json_u64(j, "vni", vnis[i]);
        json_str(j, "state", (unsigned)vi.state < 6 ? names[vi.state] : "?");
        if (vi.err)
            json_str(j, "error", strerror(-vi.err));
        json_str(j, "bridge", vi.br);
        json_str(j, "vxlan", vi.vx);
        json_str(j, "port", vi.pt);
        json_u64(j, "macs", vi.macs);
        json_u64(j, "ips", vi.ips);
        json_u64(j, "pending", vi.pending);
        json_u64(j, "reconciles", vi.reconciles);
        json_close(j);
    }
    json_close(j);
    fdb_mirror_get_stats(fm, &st);
    json_obj(j, "counters");
    json_u64(j, "requests", st.requests);
    json_u64(j, "acks", st.acks);
    json_u64(j, "errors", st.errors);
    json_u64(j, "fdb_adds", st.fdb_adds);
    json_u64(j, "fdb_dels", st.fdb_dels);
    json_u64(j, "neigh_adds", st.neigh_adds);
    json_u64(j, "neigh_dels", st.neigh_dels);
    json_u64(j, "stale_removed", st.stale_removed);
    json_u64(j, "missing_added", st.missing_added);
    json_u64(j, "already_present", st.already_present);
    json_u64(j, "resyncs", st.resyncs);
    json_u64(j, "entries", st.entries);
    json_u64(j, "inflight", st.inflight);
    json_u64(j, "unknown_slot", unknown_slot);
    json_close(j);
    json_close(j);
}
