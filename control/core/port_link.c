/* Port link state and the ECMP membership it gates (see port_link.h). */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <rte_ethdev.h>

#include "bfd_manager.h"
#include "dp.h"
#include "json_writer.h"
#include "log.h"
#include "nexthop_live.h"
#include "port_link.h"

#define LSC_RECHECK_NS 1000000000ull   /* ports with events: a look a second anyway */

struct port_link {
    bool events;                /* LSC callback registered */
    unsigned if_index;          /* kernel interface behind the port, 0: none */
    uint8_t pending;            /* set by the callback (EAL interrupt thread) */
    uint64_t last_read_ns;
    uint64_t downs, ups;        /* changes seen */
    struct timespec last_change;    /* wall clock */
};

static struct port_link links[DP_MAX_PORTS];
static int ifr_fd = -1;

static uint64_t mono_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int on_lsc(uint16_t port_id, enum rte_eth_event_type type, void *arg, void *ret)
{
    (void)type;
    (void)ret;
    (void)port_id;
    __atomic_store_n(&((struct port_link *)arg)->pending, 1, __ATOMIC_RELEASE);
    return 0;
}

/* The kernel interface if_index is administratively up with carrier. */
static bool kernel_running(unsigned if_index)
{
    struct ifreq ifr;

    memset(&ifr, 0, sizeof(ifr));
    if (ifr_fd < 0 || !if_indextoname(if_index, ifr.ifr_name))
        return false;   /* gone (deleted, moved away): no link */
    if (ioctl(ifr_fd, SIOCGIFFLAGS, &ifr) != 0)
        return false;
    return (ifr.ifr_flags & (IFF_UP | IFF_RUNNING)) == (IFF_UP | IFF_RUNNING);
}

static bool read_link(uint16_t p)
{
    struct rte_eth_link l;

    memset(&l, 0, sizeof(l));
    if (rte_eth_link_get_nowait(g_dp.ports[p].port_id, &l) != 0)
        return true;    /* the device cannot tell: assume up */
    if (l.link_status != RTE_ETH_LINK_UP)
        return false;
    return links[p].if_index == 0 || kernel_running(links[p].if_index);
}

/* Next hops of the running generation on port p in or out of ECMP, as
 * link, ARP and BFD together say; the buckets they hold before and after
 * (over all groups). */
static void refresh_nexthops(uint16_t p, unsigned *before, unsigned *after)
{
    const struct dp_conf *c = dp_conf_current();

    *before = *after = 0;
    bfd_manager_lock();
    for (uint16_t nh = 0; nh < c->n_nexthops; nh++)
        if (c->nexthops[nh].port == p) {
            *before += nexthop_buckets(c, nh);
            bfd_manager_refresh_nexthop(nh);
            *after += nexthop_buckets(c, nh);
        }
    bfd_manager_unlock();
}

static void apply(uint16_t p, bool up)
{
    struct port_link *pl = &links[p];
    unsigned before, after;
    struct timespec rt;

    if (up)
        pl->ups++;
    else
        pl->downs++;
    __atomic_store_n(&g_dp.ports[p].link_down, !up, __ATOMIC_RELEASE);
    refresh_nexthops(p, &before, &after);
    /* wall-clock time once the ECMP groups changed, to line up with the
     * moment the link went */
    clock_gettime(CLOCK_REALTIME, &rt);
    pl->last_change = rt;
    VLOG(NOTICE, "port %s: link %s at %lld.%09ld; its next hops hold %u ECMP buckets (were %u)",
         g_dp.ports[p].name, up ? "up" : "down", (long long)rt.tv_sec, rt.tv_nsec, after,
         before);
}

int port_link_init(void)
{
    ifr_fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (ifr_fd < 0)
        VLOG(WARNING, "no socket to read kernel interface flags: %s", strerror(errno));
    for (uint16_t p = 0; p < g_dp.n_ports; p++) {
        struct port_link *pl = &links[p];
        struct dp_port *dp = &g_dp.ports[p];
        struct rte_eth_dev_info info;
        bool up;

        memset(pl, 0, sizeof(*pl));
        if (rte_eth_dev_info_get(dp->port_id, &info) == 0) {
            pl->if_index = info.if_index;
            if (*info.dev_flags & RTE_ETH_DEV_INTR_LSC) {
                int rc = rte_eth_dev_callback_register(dp->port_id, RTE_ETH_EVENT_INTR_LSC,
                                                       on_lsc, pl);
                if (rc == 0)
                    pl->events = true;
                else
                    VLOG(WARNING, "port %s: no link events (%s): polled", dp->name,
                         rte_strerror(-rc));
            }
        }
        up = read_link(p);
        pl->last_read_ns = mono_ns();
        __atomic_store_n(&dp->link_down, !up, __ATOMIC_RELEASE);
        VLOG(INFO, "port %s: link %s, watched by %s%s", dp->name, up ? "up" : "down",
             pl->events ? "link state events" : "polling each control-loop turn",
             pl->if_index ? " and its kernel interface's flags" : "");
    }
    return 0;
}

unsigned port_link_poll(void)
{
    uint64_t t = mono_ns();
    unsigned changed = 0;

    for (uint16_t p = 0; p < g_dp.n_ports; p++) {
        struct port_link *pl = &links[p];
        bool up;

        if (g_dp.ports[p].role == PORT_ROLE_KERNEL)
            continue;   /* our own TAP: nothing routes over it */
        if (pl->events && !__atomic_exchange_n(&pl->pending, 0, __ATOMIC_ACQ_REL) &&
            t - pl->last_read_ns < LSC_RECHECK_NS)
            continue;
        pl->last_read_ns = t;
        up = read_link(p);
        if (up != dp_port_link_up(p)) {
            apply(p, up);
            changed++;
        }
    }
    return changed;
}

void port_link_fini(void)
{
    for (uint16_t p = 0; p < g_dp.n_ports; p++)
        if (links[p].events) {
            rte_eth_dev_callback_unregister(g_dp.ports[p].port_id, RTE_ETH_EVENT_INTR_LSC,
                                            on_lsc, &links[p]);
            links[p].events = false;
        }
    if (ifr_fd >= 0) {
        close(ifr_fd);
        ifr_fd = -1;
    }
}

void port_link_dump_json(struct json *j)
{
    const struct dp_conf *c = dp_conf_current();

    json_obj(j, NULL);
    json_arr(j, "ports");
    for (uint16_t p = 0; p < g_dp.n_ports; p++) {
        const struct port_link *pl = &links[p];
        const struct dp_port *dp = &g_dp.ports[p];

        json_obj(j, NULL);
        json_str(j, "name", dp->name);
        json_str(j, "role", dp_port_role_name(dp->role));
        json_u64(j, "dpdk_port", dp->port_id);
        json_i64(j, "socket", dp->socket);
        json_bool(j, "link_up", dp_port_link_up(p));
        json_str(j, "link_watch", pl->events ? "events" : "poll");
        json_u64(j, "kernel_ifindex", pl->if_index);
        json_u64(j, "link_downs", pl->downs);
        json_u64(j, "link_ups", pl->ups);
        json_dbl(j, "last_change", (double)pl->last_change.tv_sec +
                 (double)pl->last_change.tv_nsec / 1e9, 6);
        json_bool(j, "tx_ipv4_cksum_offload", dp->tx_ip_csum);
        json_arr(j, "nexthops");
        bfd_manager_lock();
        for (uint16_t nh = 0; nh < c->n_nexthops; nh++)
            if (c->nexthops[nh].port == p) {
                json_obj(j, NULL);
                json_str(j, "name", c->nexthops[nh].name);
                json_u64(j, "ecmp_buckets", nexthop_buckets(c, nh));
                json_close(j);
            }
        bfd_manager_unlock();
        json_close(j);
        json_close(j);
    }
    json_close(j);
    json_close(j);
}
