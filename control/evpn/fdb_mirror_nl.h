/* Netlink messages of the fdb mirror: request builders and reply parsers
 * (rtnetlink, built with libmnl). Private to control/evpn/fdb_mirror.c and
 * its unit tests; no state, no I/O.
 *
 * Every request asks for an ACK (NLM_F_ACK), so that each one completes
 * with exactly one NLMSG_ERROR (error 0 = success), except dumps, which end
 * with NLMSG_DONE. */
#ifndef VTEPD_FDB_MIRROR_NL_H
#define VTEPD_FDB_MIRROR_NL_H

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <linux/netlink.h>

#define FM_KIND_LEN 16

/* What an RTM_NEWLINK (a GETLINK reply) says about one device. */
struct fm_link {
    int ifindex;
    unsigned int flags;             /* ifi_flags (IFF_UP, ...) */
    int master;                     /* IFLA_MASTER, 0 when none */
    char name[IF_NAMESIZE];
    char kind[FM_KIND_LEN];         /* IFLA_INFO_KIND, "" when absent */
    bool has_vxlan;                 /* IFLA_INFO_DATA of a vxlan device parsed */
    uint32_t vxlan_id;
    uint32_t vxlan_local;           /* network order, 0 when absent */
    uint16_t vxlan_port;            /* host order, 0 when absent */
    int vxlan_learning;             /* 0/1, -1 when absent */
};

/* One RTM_NEWNEIGH / RTM_DELNEIGH: a bridge fdb entry (AF_BRIDGE) or an
 * IPv4 neighbour (AF_INET). */
struct fm_neigh {
    uint8_t family;
    int ifindex;
    uint16_t state;                 /* NUD_* */
    uint8_t flags;                  /* NTF_* */
    int master;                     /* NDA_MASTER, 0 when absent */
    bool has_lladdr;
    uint8_t lladdr[6];
    bool has_dst;
    uint32_t dst;                   /* IPv4, network order */
    int vlan;                       /* NDA_VLAN, -1 when absent */
};

/* Builders: write one request into buf[0..size) and return its length, or
 * -ENOSPC when it does not fit, -EINVAL on a bad argument. */

/* Bridge fdb entry on a bridge port: add = RTM_NEWNEIGH with
 * NLM_F_CREATE|NLM_F_REPLACE, else RTM_DELNEIGH. AF_BRIDGE, ndm_state
 * NUD_NOARP ("static"), ndm_flags NTF_MASTER, NDA_LLADDR. */
int fm_build_fdb(void *buf, size_t size, uint32_t seq, bool add, int port_ifindex,
                 const uint8_t mac[6]);

/* IPv4 neighbour on the bridge (the SVI): add = RTM_NEWNEIGH
 * CREATE|REPLACE, NUD_PERMANENT, NDA_DST + NDA_LLADDR; del = RTM_DELNEIGH,
 * NDA_DST only. ip in network order. */
int fm_build_neigh(void *buf, size_t size, uint32_t seq, bool add, int br_ifindex,
                   uint32_t ip, const uint8_t mac[6]);

/* RTM_GETLINK / RTM_DELLINK of a device by name (IFLA_IFNAME). */
int fm_build_getlink(void *buf, size_t size, uint32_t seq, const char *name);
int fm_build_dellink(void *buf, size_t size, uint32_t seq, const char *name);

/* RTM_NEWLINK NLM_F_CREATE|NLM_F_EXCL of a bridge, down, multicast
 * snooping off. */
int fm_build_new_bridge(void *buf, size_t size, uint32_t seq, const char *name);

/* RTM_NEWLINK CREATE|EXCL of a vxlan device, down, enslaved to master:
 * IFLA_VXLAN_ID vni, LOCAL local (network order), PORT port (host order),
 * LEARNING 0. */
int fm_build_new_vxlan(void *buf, size_t size, uint32_t seq, const char *name, uint32_t vni,
                       uint32_t local, uint16_t port, int master);

/* RTM_NEWLINK CREATE|EXCL of a veth pair: name enslaved to master, both
 * ends down. */
int fm_build_new_veth(void *buf, size_t size, uint32_t seq, const char *name,
                      const char *peer, int master);

/* RTM_NEWLINK (no CREATE) on ifindex: IFLA_AF_SPEC / AF_INET6 /
 * IFLA_INET6_ADDR_GEN_MODE = none, so that no IPv6 link-local address
 * (and no DAD, RS or MLD) comes up on the device. */
int fm_build_addrgen_none(void *buf, size_t size, uint32_t seq, int ifindex);

/* RTM_NEWLINK (no CREATE) on ifindex: IFLA_MASTER master (when > 0) and
 * IFF_UP set (up) or cleared. */
int fm_build_setlink(void *buf, size_t size, uint32_t seq, int ifindex, int master, bool up);

/* Dumps (NLM_F_DUMP): the bridge fdb of one port (ndm_ifindex), the IPv4
 * neighbours of one device (NDA_IFINDEX; honoured with
 * NETLINK_GET_STRICT_CHK, the parser filters again anyway). */
int fm_build_fdb_dump(void *buf, size_t size, uint32_t seq, int port_ifindex);
int fm_build_neigh_dump(void *buf, size_t size, uint32_t seq, int ifindex);

/* Parsers: 0, or -EINVAL when the message is malformed (short header,
 * attribute lengths that do not fit, wrong attribute sizes). */
int fm_parse_link(const struct nlmsghdr *nlh, struct fm_link *out);
int fm_parse_neigh(const struct nlmsghdr *nlh, struct fm_neigh *out);

/* NLMSG_ERROR: *err = 0 (an ACK) or the negative errno; *msg = the
 * kernel's extended-ACK text (NLMSGERR_ATTR_MSG, pointing into nlh) or
 * NULL. The request it answers is the one with nlh->nlmsg_seq. */
int fm_parse_error(const struct nlmsghdr *nlh, int *err, const char **msg);

/* The next message at buf[off..len): its length (aligned, at most
 * len - off), or 0 when no complete message is left. */
size_t fm_next_msg(const void *buf, size_t off, size_t len);

#endif
