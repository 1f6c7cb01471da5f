/* Netlink request builders and reply parsers of the fdb mirror
 * (see fdb_mirror_nl.h). libmnl does the framing; every attribute is
 * written with the *_check variants so nothing is written past size, and
 * every attribute read is length-checked before use. */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include <libmnl/libmnl.h>
#include <linux/if_link.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>
#include <netinet/in.h>

#include "fdb_mirror_nl.h"

#define FM_HDR_FLAGS (NLM_F_REQUEST | NLM_F_ACK)

/* Header and fixed part; NULL when even those do not fit. */
static struct nlmsghdr *put_hdr(void *buf, size_t size, uint16_t type, uint16_t flags,
                                uint32_t seq, size_t fixed, void **fixedp)
{
    struct nlmsghdr *nlh;

    if (size < MNL_NLMSG_HDRLEN + MNL_ALIGN(fixed))
        return NULL;
    nlh = mnl_nlmsg_put_header(buf);
    nlh->nlmsg_type = type;
    nlh->nlmsg_flags = flags;
    nlh->nlmsg_seq = seq;
    *fixedp = mnl_nlmsg_put_extra_header(nlh, fixed);
    return nlh;
}

/* A neighbour request: header (type, flags) and its ndmsg with family and
 * ifindex set, the rest zero, in *ndmp; NULL when they do not fit. */
static struct nlmsghdr *put_ndm_hdr(void *buf, size_t size, uint16_t type, uint16_t flags,
                                    uint32_t seq, uint8_t family, int ifindex,
                                    struct ndmsg **ndmp)
{
    struct nlmsghdr *nlh;
    void *fx;

    nlh = put_hdr(buf, size, type, flags, seq, sizeof(**ndmp), &fx);
    if (nlh == NULL)
        return NULL;
    *ndmp = fx;
    (*ndmp)->ndm_family = family;
    (*ndmp)->ndm_ifindex = ifindex;
    return nlh;
}

/* The same for an add (create or replace) or a delete, acknowledged. */
static struct nlmsghdr *put_ndm_update(void *buf, size_t size, uint32_t seq, bool add,
                                       uint8_t family, int ifindex, struct ndmsg **ndmp)
{
    return put_ndm_hdr(buf, size, add ? RTM_NEWNEIGH : RTM_DELNEIGH,
                       FM_HDR_FLAGS | (add ? NLM_F_CREATE | NLM_F_REPLACE : 0), seq, family,
                       ifindex, ndmp);
}

/* The fixed header of nlh's payload (len bytes), NULL when nlh is too
 * short to hold it. */
static const void *fixed_part(const struct nlmsghdr *nlh, size_t len)
{
    if (nlh->nlmsg_len < MNL_NLMSG_HDRLEN + len)
        return NULL;
    return mnl_nlmsg_get_payload(nlh);
}

static int name_ok(const char *name)
{
    size_t n;

    if (name == NULL)
        return 0;
    n = strlen(name);
    return n > 0 && n < IF_NAMESIZE;
}

int fm_build_fdb(void *buf, size_t size, uint32_t seq, bool add, int port_ifindex,
                 const uint8_t mac[6])
{
    struct nlmsghdr *nlh;
    struct ndmsg *ndm;

    if (port_ifindex <= 0 || mac == NULL)
        return -EINVAL;
    nlh = put_ndm_update(buf, size, seq, add, AF_BRIDGE, port_ifindex, &ndm);
    if (nlh == NULL)
        return -ENOSPC;
    ndm->ndm_state = NUD_NOARP;
    ndm->ndm_flags = NTF_MASTER;
    if (!mnl_attr_put_check(nlh, size, NDA_LLADDR, 6, mac))
        return -ENOSPC;
    return (int)nlh->nlmsg_len;
}

int fm_build_neigh(void *buf, size_t size, uint32_t seq, bool add, int br_ifindex,
                   uint32_t ip, const uint8_t mac[6])
{
    struct nlmsghdr *nlh;
    struct ndmsg *ndm;

    if (br_ifindex <= 0 || (add && mac == NULL))
        return -EINVAL;
    nlh = put_ndm_update(buf, size, seq, add, AF_INET, br_ifindex, &ndm);
    if (nlh == NULL)
        return -ENOSPC;
    ndm->ndm_state = add ? NUD_PERMANENT : 0;
    ndm->ndm_type = RTN_UNICAST;
    if (!mnl_attr_put_check(nlh, size, NDA_DST, 4, &ip))
        return -ENOSPC;
    if (add && !mnl_attr_put_check(nlh, size, NDA_LLADDR, 6, mac))
        return -ENOSPC;
    return (int)nlh->nlmsg_len;
}

static int link_by_name(void *buf, size_t size, uint32_t seq, uint16_t type, const char *name)
{
    struct nlmsghdr *nlh;
    struct ifinfomsg *ifi;
    void *fx;

    if (!name_ok(name))
        return -EINVAL;
    nlh = put_hdr(buf, size, type, FM_HDR_FLAGS, seq, sizeof(*ifi), &fx);
    if (nlh == NULL)
        return -ENOSPC;
    ifi = fx;
    ifi->ifi_family = AF_UNSPEC;
    if (!mnl_attr_put_strz_check(nlh, size, IFLA_IFNAME, name))
        return -ENOSPC;
    return (int)nlh->nlmsg_len;
}

int fm_build_getlink(void *buf, size_t size, uint32_t seq, const char *name)
{
    return link_by_name(buf, size, seq, RTM_GETLINK, name);
}

int fm_build_dellink(void *buf, size_t size, uint32_t seq, const char *name)
{
    return link_by_name(buf, size, seq, RTM_DELLINK, name);
}

/* RTM_NEWLINK CREATE|EXCL with the name and IFLA_LINKINFO / KIND opened:
 * returns the IFLA_INFO_KIND-written header, *linkinfo the open nest. */
static struct nlmsghdr *new_link(void *buf, size_t size, uint32_t seq, const char *name,
                                 const char *kind, struct nlattr **linkinfo)
{
    struct nlmsghdr *nlh;
    struct ifinfomsg *ifi;
    void *fx;

    nlh = put_hdr(buf, size, RTM_NEWLINK, FM_HDR_FLAGS | NLM_F_CREATE | NLM_F_EXCL, seq,
                  sizeof(*ifi), &fx);
    if (nlh == NULL)
        return NULL;
    ifi = fx;
    ifi->ifi_family = AF_UNSPEC;
    /* created down: IFF_UP in ifi_change, clear in ifi_flags */
    ifi->ifi_change = IFF_UP;
    ifi->ifi_flags = 0;
    if (!mnl_attr_put_strz_check(nlh, size, IFLA_IFNAME, name))
        return NULL;
    *linkinfo = mnl_attr_nest_start_check(nlh, size, IFLA_LINKINFO);
    if (*linkinfo == NULL)
        return NULL;
    if (!mnl_attr_put_strz_check(nlh, size, IFLA_INFO_KIND, kind))
        return NULL;
    return nlh;
}

int fm_build_new_bridge(void *buf, size_t size, uint32_t seq, const char *name)
{
    struct nlmsghdr *nlh;
    struct nlattr *li, *data;

    if (!name_ok(name))
        return -EINVAL;
    nlh = new_link(buf, size, seq, name, "bridge", &li);
    if (nlh == NULL)
        return -ENOSPC;
    data = mnl_attr_nest_start_check(nlh, size, IFLA_INFO_DATA);
    if (data == NULL || !mnl_attr_put_u8_check(nlh, size, IFLA_BR_MCAST_SNOOPING, 0))
        return -ENOSPC;
    mnl_attr_nest_end(nlh, data);
    mnl_attr_nest_end(nlh, li);
    return (int)nlh->nlmsg_len;
}

int fm_build_new_vxlan(void *buf, size_t size, uint32_t seq, const char *name, uint32_t vni,
                       uint32_t local, uint16_t port, int master)
{
    struct nlmsghdr *nlh;
    struct nlattr *li, *data;

    if (!name_ok(name) || vni == 0 || vni > 0xffffff || port == 0 || master <= 0)
        return -EINVAL;
    nlh = new_link(buf, size, seq, name, "vxlan", &li);
    if (nlh == NULL)
        return -ENOSPC;
    data = mnl_attr_nest_start_check(nlh, size, IFLA_INFO_DATA);
    if (data == NULL
        || !mnl_attr_put_u32_check(nlh, size, IFLA_VXLAN_ID, vni)
        || !mnl_attr_put_check(nlh, size, IFLA_VXLAN_LOCAL, 4, &local)
        || !mnl_attr_put_u16_check(nlh, size, IFLA_VXLAN_PORT, htons(port))
        || !mnl_attr_put_u8_check(nlh, size, IFLA_VXLAN_LEARNING, 0))
        return -ENOSPC;
    mnl_attr_nest_end(nlh, data);
    mnl_attr_nest_end(nlh, li);
    if (!mnl_attr_put_u32_check(nlh, size, IFLA_MASTER, (uint32_t)master))
        return -ENOSPC;
    return (int)nlh->nlmsg_len;
}

int fm_build_new_veth(void *buf, size_t size, uint32_t seq, const char *name,
                      const char *peer, int master)
{
    struct nlmsghdr *nlh;
    struct nlattr *li, *data, *pe;
    struct ifinfomsg *pifi;

    if (!name_ok(name) || !name_ok(peer) || master <= 0)
        return -EINVAL;
    nlh = new_link(buf, size, seq, name, "veth", &li);
    if (nlh == NULL)
        return -ENOSPC;
    data = mnl_attr_nest_start_check(nlh, size, IFLA_INFO_DATA);
    if (data == NULL)
        return -ENOSPC;
    pe = mnl_attr_nest_start_check(nlh, size, 1 /* VETH_INFO_PEER */);
    if (pe == NULL)
        return -ENOSPC;
    /* the peer's own ifinfomsg, then its attributes */
    if (nlh->nlmsg_len + MNL_ALIGN(sizeof(*pifi)) > size)
        return -ENOSPC;
    pifi = mnl_nlmsg_get_payload_tail(nlh);
    memset(pifi, 0, MNL_ALIGN(sizeof(*pifi)));
    pifi->ifi_family = AF_UNSPEC;
    pifi->ifi_change = IFF_UP;
    nlh->nlmsg_len += MNL_ALIGN(sizeof(*pifi));
    if (!mnl_attr_put_strz_check(nlh, size, IFLA_IFNAME, peer))
        return -ENOSPC;
    mnl_attr_nest_end(nlh, pe);
    mnl_attr_nest_end(nlh, data);
    mnl_attr_nest_end(nlh, li);
    if (!mnl_attr_put_u32_check(nlh, size, IFLA_MASTER, (uint32_t)master))
        return -ENOSPC;
    return (int)nlh->nlmsg_len;
}

static struct nlmsghdr *set_link(void *buf, size_t size, uint32_t seq, int ifindex,
                                 struct ifinfomsg **ifip)
{
    struct nlmsghdr *nlh;
    void *fx;

    nlh = put_hdr(buf, size, RTM_NEWLINK, FM_HDR_FLAGS, seq, sizeof(**ifip), &fx);
    if (nlh == NULL)
        return NULL;
    *ifip = fx;
    (*ifip)->ifi_family = AF_UNSPEC;
    (*ifip)->ifi_index = ifindex;
    return nlh;
}

int fm_build_addrgen_none(void *buf, size_t size, uint32_t seq, int ifindex)
{
    struct nlmsghdr *nlh;
    struct ifinfomsg *ifi;
    struct nlattr *spec, *in6;

    if (ifindex <= 0)
        return -EINVAL;
    nlh = set_link(buf, size, seq, ifindex, &ifi);
    if (nlh == NULL)
        return -ENOSPC;
    spec = mnl_attr_nest_start_check(nlh, size, IFLA_AF_SPEC);
    if (spec == NULL)
        return -ENOSPC;
    in6 = mnl_attr_nest_start_check(nlh, size, AF_INET6);
    if (in6 == NULL
        || !mnl_attr_put_u8_check(nlh, size, IFLA_INET6_ADDR_GEN_MODE, IN6_ADDR_GEN_MODE_NONE))
        return -ENOSPC;
    mnl_attr_nest_end(nlh, in6);
    mnl_attr_nest_end(nlh, spec);
    return (int)nlh->nlmsg_len;
}

int fm_build_setlink(void *buf, size_t size, uint32_t seq, int ifindex, int master, bool up)
{
    struct nlmsghdr *nlh;
    struct ifinfomsg *ifi;

    if (ifindex <= 0)
        return -EINVAL;
    nlh = set_link(buf, size, seq, ifindex, &ifi);
    if (nlh == NULL)
        return -ENOSPC;
    ifi->ifi_change = IFF_UP;
    ifi->ifi_flags = up ? IFF_UP : 0;
    if (master > 0 && !mnl_attr_put_u32_check(nlh, size, IFLA_MASTER, (uint32_t)master))
        return -ENOSPC;
    return (int)nlh->nlmsg_len;
}

int fm_build_fdb_dump(void *buf, size_t size, uint32_t seq, int port_ifindex)
{
    struct nlmsghdr *nlh;
    struct ndmsg *ndm;

    if (port_ifindex <= 0)
        return -EINVAL;
    /* no NLM_F_ACK: a dump ends with NLMSG_DONE */
    nlh = put_ndm_hdr(buf, size, RTM_GETNEIGH, NLM_F_REQUEST | NLM_F_DUMP, seq, AF_BRIDGE,
                      port_ifindex, &ndm);
    return nlh == NULL ? -ENOSPC : (int)nlh->nlmsg_len;
}

int fm_build_neigh_dump(void *buf, size_t size, uint32_t seq, int ifindex)
{
    struct nlmsghdr *nlh;
    struct ndmsg *ndm;

    if (ifindex <= 0)
        return -EINVAL;
    nlh = put_ndm_hdr(buf, size, RTM_GETNEIGH, NLM_F_REQUEST | NLM_F_DUMP, seq, AF_INET, 0, &ndm);
    if (nlh == NULL)
        return -ENOSPC;
    if (!mnl_attr_put_u32_check(nlh, size, NDA_IFINDEX, (uint32_t)ifindex))
        return -ENOSPC;
    return (int)nlh->nlmsg_len;
}

/* ---- parsing ---- */

/* Walk the attributes at data[0..len): call cb for each one whose header
 * and payload fit; -EINVAL when one does not. */
static int walk_attrs(const void *data, size_t len,
                      int (*cb)(const struct nlattr *a, void *arg), void *arg)
{
    size_t off = 0;

    while (len - off >= sizeof(struct nlattr)) {
        const struct nlattr *a = (const struct nlattr *)((const char *)data + off);
        int r;

        if (a->nla_len < sizeof(struct nlattr) || a->nla_len > len - off)
            return -EINVAL;
        r = cb(a, arg);
        if (r < 0)
            return r;
        off += MNL_ALIGN(a->nla_len);
        if (off > len)
            break;          /* the last attribute's padding was cut off */
    }
    return 0;
}

/* the attributes that follow a fixed header of hdrlen bytes */
static int walk_msg_attrs(const struct nlmsghdr *nlh, size_t hdrlen,
                          int (*cb)(const struct nlattr *a, void *arg), void *arg)
{
    size_t plen, off = MNL_ALIGN(hdrlen);

    if (nlh->nlmsg_len < MNL_NLMSG_HDRLEN + hdrlen)
        return -EINVAL;
    plen = nlh->nlmsg_len - MNL_NLMSG_HDRLEN;
    if (off >= plen)
        return 0;
    return walk_attrs((const char *)mnl_nlmsg_get_payload(nlh) + off, plen - off, cb, arg);
}

static int vxlan_attr(const struct nlattr *a, void *arg)
{
    struct fm_link *l = arg;
    uint16_t len = mnl_attr_get_payload_len(a);

    switch (mnl_attr_get_type(a)) {
    case IFLA_VXLAN_ID:
        if (len != 4)
            return -EINVAL;
        l->vxlan_id = mnl_attr_get_u32(a);
        break;
    case IFLA_VXLAN_LOCAL:
        if (len != 4)
            return -EINVAL;
        memcpy(&l->vxlan_local, mnl_attr_get_payload(a), 4);
        break;
    case IFLA_VXLAN_PORT:
        if (len != 2)
            return -EINVAL;
        l->vxlan_port = ntohs(mnl_attr_get_u16(a));
        break;
    case IFLA_VXLAN_LEARNING:
        if (len != 1)
            return -EINVAL;
        l->vxlan_learning = mnl_attr_get_u8(a) ? 1 : 0;
        break;
    default:
        break;
    }
    return 0;
}

struct linkinfo_ctx {
    struct fm_link *l;
    const struct nlattr *data;
};

static int linkinfo_attr(const struct nlattr *a, void *arg)
{
    struct linkinfo_ctx *c = arg;
    uint16_t len = mnl_attr_get_payload_len(a);

    switch (mnl_attr_get_type(a)) {
    case IFLA_INFO_KIND:
        if (len == 0 || len > FM_KIND_LEN)
            return -EINVAL;
        memcpy(c->l->kind, mnl_attr_get_payload(a), len);
        c->l->kind[len < FM_KIND_LEN ? len : FM_KIND_LEN - 1] = '\0';
        break;
    case IFLA_INFO_DATA:
        c->data = a;
        break;
    default:
        break;
    }
    return 0;
}

static int link_attr(const struct nlattr *a, void *arg)
{
    struct fm_link *l = arg;
    uint16_t len = mnl_attr_get_payload_len(a);
    struct linkinfo_ctx c = { .l = l, .data = NULL };
    int r;

    switch (mnl_attr_get_type(a)) {
    case IFLA_IFNAME:
        if (len == 0 || len > IF_NAMESIZE)
            return -EINVAL;
        memcpy(l->name, mnl_attr_get_payload(a), len);
        l->name[len < IF_NAMESIZE ? len : IF_NAMESIZE - 1] = '\0';
        break;
    case IFLA_MASTER:
        if (len != 4)
            return -EINVAL;
        l->master = (int)mnl_attr_get_u32(a);
        break;
    case IFLA_LINKINFO:
        r = walk_attrs(mnl_attr_get_payload(a), len, linkinfo_attr, &c);
        if (r < 0)
            return r;
        if (c.data != NULL && strcmp(l->kind, "vxlan") == 0) {
            r = walk_attrs(mnl_attr_get_payload(c.data), mnl_attr_get_payload_len(c.data),
                           vxlan_attr, l);
            if (r < 0)
                return r;
            l->has_vxlan = true;
        }
        break;
    default:
        break;
    }
    return 0;
}

int fm_parse_link(const struct nlmsghdr *nlh, struct fm_link *out)
{
    const struct ifinfomsg *ifi;

    memset(out, 0, sizeof(*out));
    out->vxlan_learning = -1;
    ifi = fixed_part(nlh, sizeof(*ifi));
    if (ifi == NULL)
        return -EINVAL;
    out->ifindex = ifi->ifi_index;
    out->flags = ifi->ifi_flags;
    return walk_msg_attrs(nlh, sizeof(*ifi), link_attr, out);
}

static int neigh_attr(const struct nlattr *a, void *arg)
{
    struct fm_neigh *n = arg;
    uint16_t len = mnl_attr_get_payload_len(a);

    switch (mnl_attr_get_type(a)) {
    case NDA_LLADDR:
        if (len != 6)
            return 0;   /* not Ethernet (e.g. an IP-over-IP neighbour): ignored */
        memcpy(n->lladdr, mnl_attr_get_payload(a), 6);
        n->has_lladdr = true;
        break;
    case NDA_DST:
        if (len == 4) {
            memcpy(&n->dst, mnl_attr_get_payload(a), 4);
            n->has_dst = true;
        } else if (len != 16) {
            return -EINVAL;
        }
        break;
    case NDA_MASTER:
        if (len != 4)
            return -EINVAL;
        n->master = (int)mnl_attr_get_u32(a);
        break;
    case NDA_VLAN:
        if (len != 2)
            return -EINVAL;
        n->vlan = mnl_attr_get_u16(a);
        break;
    default:
        break;
    }
    return 0;
}

int fm_parse_neigh(const struct nlmsghdr *nlh, struct fm_neigh *out)
{
    const struct ndmsg *ndm;

    memset(out, 0, sizeof(*out));
    out->vlan = -1;
    ndm = fixed_part(nlh, sizeof(*ndm));
    if (ndm == NULL)
        return -EINVAL;
    out->family = ndm->ndm_family;
    out->ifindex = ndm->ndm_ifindex;
    out->state = ndm->ndm_state;
    out->flags = ndm->ndm_flags;
    return walk_msg_attrs(nlh, sizeof(*ndm), neigh_attr, out);
}

struct ext_ctx {
    const char *msg;
};

static int ext_attr(const struct nlattr *a, void *arg)
{
    struct ext_ctx *c = arg;
    uint16_t len = mnl_attr_get_payload_len(a);
    const char *s = mnl_attr_get_payload(a);

    if (mnl_attr_get_type(a) == NLMSGERR_ATTR_MSG && len > 0 && s[len - 1] == '\0')
        c->msg = s;
    return 0;
}

int fm_parse_error(const struct nlmsghdr *nlh, int *err, const char **msg)
{
    const struct nlmsgerr *e;
    size_t plen, tlv_off;
    struct ext_ctx c = { NULL };

    *err = 0;
    if (msg != NULL)
        *msg = NULL;
    e = fixed_part(nlh, sizeof(*e));
    if (e == NULL)
        return -EINVAL;
    if (e->error > 0 || e->error < -4095)
        return -EINVAL;
    *err = e->error;
    if (msg == NULL || !(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
        return 0;
    /* TLVs follow the echoed request: its header only when capped */
    plen = nlh->nlmsg_len - MNL_NLMSG_HDRLEN;
    tlv_off = sizeof(*e);
    if (!(nlh->nlmsg_flags & NLM_F_CAPPED)) {
        if (e->msg.nlmsg_len < MNL_NLMSG_HDRLEN)
            return 0;
        tlv_off = sizeof(*e) - sizeof(e->msg) + MNL_ALIGN(e->msg.nlmsg_len);
    }
    tlv_off = MNL_ALIGN(tlv_off);
    if (tlv_off >= plen)
        return 0;
    if (walk_attrs((const char *)e + tlv_off, plen - tlv_off, ext_attr, &c) == 0)
        *msg = c.msg;
    return 0;
}

size_t fm_next_msg(const void *buf, size_t off, size_t len)
{
    const struct nlmsghdr *nlh;
    size_t left;

    if (off >= len || len - off < sizeof(*nlh))
        return 0;
    left = len - off;
    nlh = (const struct nlmsghdr *)((const char *)buf + off);
    if (nlh->nlmsg_len < sizeof(*nlh) || nlh->nlmsg_len > left)
        return 0;
    return MNL_ALIGN(nlh->nlmsg_len) < left ? MNL_ALIGN(nlh->nlmsg_len) : left;
}
