/* bfdd's sessions onto vtepd's ports, vtepd's states back to bfdd (see
 * bfddp_map.h). */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "bfddp_map.h"

static const char *const result_names[BFDDP_MAP_NUM] = {
    [BFDDP_MAP_OK] = "ok",
    [BFDDP_MAP_IPV6] = "ipv6",
    [BFDDP_MAP_MULTIHOP] = "multihop",
    [BFDDP_MAP_BAD_PEER] = "bad_peer",
    [BFDDP_MAP_BAD_SOURCE] = "bad_source",
    [BFDDP_MAP_BAD_TIMERS] = "bad_timers",
    [BFDDP_MAP_NO_PORT] = "no_port",
    [BFDDP_MAP_AMBIGUOUS] = "ambiguous",
};

const char *bfddp_map_result_name(enum bfddp_map_result r)
{
    return (unsigned)r < BFDDP_MAP_NUM ? result_names[r] : "?";
}

static enum bfddp_map_result refuse(enum bfddp_map_result r, char *why, size_t whylen,
                                    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static enum bfddp_map_result refuse(enum bfddp_map_result r, char *why, size_t whylen,
                                    const char *fmt, ...)
{
    if (why && whylen) {
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(why, whylen, fmt, ap);
        va_end(ap);
    }
    return r;
}

static bool ip_unusable(uint32_t ip_be)
{
    uint32_t h = ntohl(ip_be);

    return h == 0 || h == 0xffffffffu || (h >> 28) == 0xe;     /* 0, broadcast, 224/4 */
}

/* The underlay port that interface ifname is: its kernel_iface (FRR sees
 * the TAP) first, then its name. -1 when none. */
static int port_by_ifname(const struct bfddp_map_env *env, const char *ifname)
{
    for (int i = 0; i < env->n_ports; i++)
        if (env->ports[i].underlay && env->ports[i].kernel_iface[0] &&
            !strcmp(env->ports[i].kernel_iface, ifname))
            return i;
    for (int i = 0; i < env->n_ports; i++)
        if (env->ports[i].underlay && !strcmp(env->ports[i].name, ifname))
            return i;
    return -1;
}

static int nexthop_on(const struct bfddp_map_env *env, int port, uint32_t ip_be)
{
    for (int i = 0; i < env->n_nexthops; i++)
        if (env->nexthops[i].port == port && env->nexthops[i].ip_be == ip_be)
            return i;
    return -1;
}

enum bfddp_map_result bfddp_map_session(const struct bfddp_map_env *env,
                                        const struct bfddp_session *s,
                                        struct bfddp_target *t, char *why, size_t whylen)
{
    char peer[INET_ADDRSTRLEN], src[INET_ADDRSTRLEN];
    uint32_t peer_be = bfddp_addr_v4_be(s->dst), src_be = bfddp_addr_v4_be(s->src);
    struct in_addr a;
    int port = -1, nh = -1;
    const char *by = NULL;

    if (why && whylen)
        why[0] = '\0';
    memset(t, 0, sizeof(*t));
    if (s->flags & BFDDP_SF_IPV6)
        return refuse(BFDDP_MAP_IPV6, why, whylen,
                      "IPv6 session: vtepd runs single-hop IPv4 BFD only");
    if (s->flags & BFDDP_SF_MULTIHOP)
        return refuse(BFDDP_MAP_MULTIHOP, why, whylen,
                      "multihop session: vtepd runs single-hop BFD only (RFC 5881)");
    a.s_addr = peer_be;
    inet_ntop(AF_INET, &a, peer, sizeof(peer));
    a.s_addr = src_be;
    inet_ntop(AF_INET, &a, src, sizeof(src));
    if (ip_unusable(peer_be) || peer_be == env->local_ip_be || peer_be == src_be)
        return refuse(BFDDP_MAP_BAD_PEER, why, whylen,
                      "peer %s is not a unicast address of another system", peer);
    if (src_be != 0 && ip_unusable(src_be))
        return refuse(BFDDP_MAP_BAD_SOURCE, why, whylen, "source %s is not unicast", src);
    if (s->min_rx_us == 0 || s->min_tx_us == 0 || s->detect_mult == 0)
        return refuse(BFDDP_MAP_BAD_TIMERS, why, whylen,
                      "timers tx %u us, rx %u us, multiplier %u: vtepd needs all nonzero",
                      s->min_tx_us, s->min_rx_us, s->detect_mult);

    if (s->ifname[0]) {
        char ifname[BFDDP_IFNAME_LEN];

        /* decoded names are NUL-terminated; copy in case a caller's is not */
        snprintf(ifname, sizeof(ifname), "%.*s", BFDDP_IFNAME_LEN - 1, s->ifname);
        port = port_by_ifname(env, ifname);
        if (port < 0)
            return refuse(BFDDP_MAP_NO_PORT, why, whylen,
                          "interface %s is no underlay port's kernel_iface or name", ifname);
        nh = nexthop_on(env, port, peer_be);
        by = "interface";
    } else {
        for (int i = 0; i < env->n_nexthops; i++)
            if (env->nexthops[i].ip_be == peer_be) {
                if (nh >= 0 && env->nexthops[i].port != env->nexthops[nh].port)
                    return refuse(BFDDP_MAP_AMBIGUOUS, why, whylen,
                                  "no interface, and peer %s is a next hop on two ports", peer);
                if (nh < 0)
                    nh = i;
            }
        if (nh >= 0) {
            port = env->nexthops[nh].port;
            by = "next hop";
        } else {
            int n_ul = 0, only_ul = -1;

            for (int i = 0; i < env->n_ports; i++)
                if (env->ports[i].underlay) {
                    n_ul++;
                    only_ul = i;
                }
            if (n_ul != 1)
                return refuse(BFDDP_MAP_AMBIGUOUS, why, whylen,
                              "no interface, peer %s is no next hop, and there are %d underlay "
                              "ports: cannot tell which one", peer, n_ul);
            port = only_ul;
            by = "only underlay port";
        }
    }
    t->port = (uint16_t)port;
    t->nexthop = nh;
    t->local_ip_be = src_be ? src_be : env->local_ip_be;
    t->peer_ip_be = peer_be;
    t->desired_min_tx_us = s->min_tx_us;
    t->required_min_rx_us = s->min_rx_us;
    t->detect_mult = s->detect_mult;
    t->admin_down = (s->flags & BFDDP_SF_SHUTDOWN) != 0;
    t->ignored = s->flags & (BFDDP_SF_ECHO | BFDDP_SF_DEMAND | BFDDP_SF_PASSIVE | BFDDP_SF_CBIT);
    t->by = by;
    return BFDDP_MAP_OK;
}

void bfddp_map_state_change(uint32_t lid, const struct bfd_session *s,
                            const struct bfddp_remote_extra *extra, struct bfddp_msg *out)
{
    struct bfddp_state_change *c = &out->u.state;
    bool known = s->remote_disc != 0;   /* forgotten after a detection expiry */

    memset(out, 0, sizeof(*out));
    out->hdr.type = BFDDP_STATE_CHANGE;
    c->lid = lid;
    c->rid = s->remote_disc;
    c->state = (uint8_t)s->state;
    c->diag = s->local_diag <= BFDDP_DIAG_MAX ? s->local_diag : 0;
    if (known) {
        c->remote_flags = (s->remote_demand ? BFDDP_RF_DEMAND : 0u) |
                          (extra && extra->cpi ? BFDDP_RF_CPI : 0u);
        c->desired_tx_us = s->remote_desired_tx_us;
        c->required_rx_us = s->remote_min_rx_us;
        c->required_echo_rx_us = extra ? extra->required_min_echo_rx_us : 0;
        c->detect_mult = s->remote_mult;
    }
}

void bfddp_map_counters(uint16_t id, uint32_t lid, const struct bfddp_wire_counters *c,
                        struct bfddp_msg *out)
{
    memset(out, 0, sizeof(*out));
    out->hdr.type = BFDDP_SESSION_COUNTERS;
    out->hdr.id = id;
    out->u.counters.lid = lid;
    if (!c)
        return;
    out->u.counters.control_in_packets = c->rx_packets;
    out->u.counters.control_in_bytes = c->rx_bytes;
    out->u.counters.control_out_packets = c->tx_packets;
    out->u.counters.control_out_bytes = c->tx_bytes;
}
