/* Configuration reload (see reload.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "arp_proxy.h"
#include "feed_server.h"
#include "log.h"
#include "reload.h"
#include "kernel_mirror.h"
#include "sd_notify.h"
#include "underlay_neigh.h"

struct vtepd_config *g_cfg;
static struct reload_status st;

static int differs(const struct vtepd_config *c, char *err, size_t errlen, const char *field)
{
    snprintf(err, errlen, "%s: %s: changed; this needs a restart (reload refused, the "
             "running configuration stays)", c->path, field);
    return -1;
}

int reload_restart_needed(const struct vtepd_config *a, const struct vtepd_config *b,
                          char *err, size_t errlen)
{
    if (a->n_eal != b->n_eal)
        return differs(b, err, errlen, "eal");
    for (int i = 0; i < a->n_eal; i++)
        if (strcmp(a->eal[i], b->eal[i]) != 0)
            return differs(b, err, errlen, "eal");
    if (a->n_ports != b->n_ports)
        return differs(b, err, errlen, "ports");
    for (int i = 0; i < a->n_ports; i++) {
        const struct cfg_port *x = &a->ports[i], *y = &b->ports[i];
        char f[64];
        snprintf(f, sizeof(f), "ports[%d]", i);
        if (strcmp(x->name, y->name) != 0 || x->role != y->role ||
            strcmp(x->devargs, y->devargs) != 0 || x->has_mac != y->has_mac ||
            memcmp(x->mac, y->mac, 6) != 0 || x->mtu != y->mtu)
            return differs(b, err, errlen, f);
    }
    if (a->local_ip != b->local_ip)
        return differs(b, err, errlen, "vtep.local_ip");
    if (a->mac_table_size != b->mac_table_size)
        return differs(b, err, errlen, "vtep.mac_table_size");
    if (a->mempool_mbufs != b->mempool_mbufs)
        return differs(b, err, errlen, "vtep.mempool_mbufs");
    if (a->mbuf_data_room != b->mbuf_data_room)
        return differs(b, err, errlen, "vtep.mbuf_data_room");
    if (strcmp(a->feed_socket, b->feed_socket) != 0)
        return differs(b, err, errlen, "control.feed_socket");
    if (a->feed_tcp_port != b->feed_tcp_port)
        return differs(b, err, errlen, "control.feed_tcp_port");
    if (strcmp(a->cli_socket, b->cli_socket) != 0)
        return differs(b, err, errlen, "control.cli_socket");
    if (a->kernel_mirror != b->kernel_mirror ||
        strcmp(a->kernel_mirror_prefix, b->kernel_mirror_prefix) != 0)
        return differs(b, err, errlen, "control.kernel_mirror");
    if (a->realtime_priority != b->realtime_priority)
        return differs(b, err, errlen, "control.realtime_priority");
    if (a->metrics_ip != b->metrics_ip || a->metrics_port != b->metrics_port)
        return differs(b, err, errlen, "control.metrics_listen");
    if (strcmp(a->bfdd_dplane, b->bfdd_dplane) != 0)
        return differs(b, err, errlen, "control.bfdd_dplane");
    return 0;
}

static double realtime_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int refuse(struct vtepd_config *cfg, int rc, const char *err, char *msg, size_t msglen)
{
    if (cfg) {
        config_free(cfg);
        free(cfg);
    }
    snprintf(msg, msglen, "%s", err);
    st.failures++;
    st.last_rc = rc;
    snprintf(st.last_msg, sizeof(st.last_msg), "%s", err);
    VLOG(ERR, "reload refused: %s", err);
    sd_notify_send("READY=1\nSTATUS=forwarding (last reload refused)");
    return rc;
}

int reload_run(char *msg, size_t msglen)
{
    struct vtepd_config *cfg = calloc(1, sizeof(*cfg));
    struct apply_report rep;
    char err[512];
    int rc;

    st.reloads++;
    st.last_time = realtime_s();
    sd_notify_send("RELOADING=1\nSTATUS=reloading");
    if (!cfg)
        return refuse(NULL, -ENOMEM, "out of memory", msg, msglen);
    if (config_load(g_cfg->path, cfg, err, sizeof(err)) != 0 ||
        config_check_startup(cfg, err, sizeof(err)) != 0 ||
        reload_restart_needed(g_cfg, cfg, err, sizeof(err)) != 0)
        return refuse(cfg, -EINVAL, err, msg, msglen);
    rc = config_apply(cfg, g_cfg, &rep, err, sizeof(err));
    if (rc != 0)
        return refuse(cfg, rc, err, msg, msglen);
    feed_server_set_policy(cfg->feed_stale_s, cfg->feed_users, cfg->n_feed_users,
                           cfg->feed_init_timeout_s, cfg->feed_idle_timeout_s);
    underlay_neigh_sync(cfg);
    kernel_mirror_sync(cfg);
    arp_proxy_sync(cfg);
    config_free(g_cfg);
    free(g_cfg);
    g_cfg = cfg;
    snprintf(msg, msglen, "generation %llu: VNIs +%u -%u ~%u, attachments +%u -%u, "
             "static MACs +%u -%u, MAC entries purged %u, ECMP groups kept %u, "
             "BFD sessions %u", (unsigned long long)rep.gen, rep.vnis_added, rep.vnis_removed,
             rep.vnis_changed, rep.attach_added, rep.attach_removed, rep.statics_added,
             rep.statics_removed, rep.macs_purged, rep.groups_kept, rep.bfd_sessions);
    st.last_rc = 0;
    snprintf(st.last_msg, sizeof(st.last_msg), "%s", msg);
    VLOG(NOTICE, "reload: %s", msg);
    sd_notify_send("READY=1\nSTATUS=forwarding");
    return 0;
}

const struct reload_status *reload_status(void)
{
    return &st;
}
