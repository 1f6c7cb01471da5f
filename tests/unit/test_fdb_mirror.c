/* Unit tests for the fdb mirror's engine (control/evpn/fdb_mirror.c) on a
 * fake kernel.
 *
 * The fake answers rtnetlink the way the kernel does for the requests the
 * mirror sends (links by name or index, bridge fdb entries that move
 * between ports of a bridge, IPv4 neighbours, dumps split over several
 * datagrams, ACKs and errors), checks the flags of every request it gets,
 * and records what it was asked. It also counts the requests not yet
 * answered (to check the in-flight window), can fail one MAC with a chosen
 * errno, lose replies (ENOBUFS) or fail a send.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <libmnl/libmnl.h>
#include <linux/if_link.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <sys/socket.h>

#include "fdb_mirror.h"
#include "fdb_mirror_io.h"

#define FK_LINKS 64
#define FK_FDB 2048
#define FK_NEIGH 512
#define FK_Q 4096
#define FK_LOG 8192

struct fk_link {
    bool used;
    char name[IF_NAMESIZE];
    int ifindex;
    char kind[16];
    uint32_t vni, local;
    uint16_t port;
    int learning;
    int master;
    bool up;
    bool addrgen_none;
    int peer;
    uint8_t mac[6];
};

struct fk_fdb {
    bool used;
    int bridge;
    int port;
    uint8_t mac[6];
    uint16_t state;
    uint8_t flags;
};

struct fk_neigh {
    bool used;
    int ifindex;
    uint32_t ip;
    uint8_t mac[6];
    uint16_t state;
    uint8_t flags;
};

struct fk_dgram {
    size_t len;
    int completes;              /* requests it finishes (ACK, error, DONE) */
    uint8_t d[16384];
};

static struct fk {
    struct fk_link link[FK_LINKS];
    int next_ifindex;
    struct fk_fdb fdb[FK_FDB];
    struct fk_neigh neigh[FK_NEIGH];
    struct fk_dgram *q[FK_Q];
    int qh, qt;
    int outstanding, max_outstanding;
    int send_calls, msgs;
    int creates, dellinks, getlinks, setlinks, fdb_adds, fdb_dels, neigh_adds, neigh_dels, dumps;
    int up_before_addrgen;      /* created links brought up with IPv6 addresses on */
    int fail_errno;
    uint8_t fail_mac[6];
    bool lose_replies;          /* next recv: drop every queued reply, -ENOBUFS */
    int send_fail_once;         /* next send: this error, nothing processed */
    uint16_t log_type[FK_LOG];
    uint8_t log_family[FK_LOG];
    int nlog;
} fk;

static const uint8_t M[8][6] = {
    {2, 0, 0, 0, 0x10, 1}, {2, 0, 0, 0, 0x10, 2}, {2, 0, 0, 0, 0x10, 3}, {2, 0, 0, 0, 0x10, 4},
    {2, 0, 0, 0, 0x10, 5}, {2, 0, 0, 0, 0x10, 6}, {2, 0, 0, 0, 0x10, 7}, {2, 0, 0, 0, 0x10, 8},
};
static uint32_t LOCAL;

/* ---- fake kernel state ---- */

static struct fk_link *link_by_name(const char *name)
{
    int i;

    for (i = 0; i < FK_LINKS; i++)
        if (fk.link[i].used && strcmp(fk.link[i].name, name) == 0)
            return &fk.link[i];
    return NULL;
}

static struct fk_link *link_by_index(int ifindex)
{
    int i;

    for (i = 0; i < FK_LINKS; i++)
        if (fk.link[i].used && fk.link[i].ifindex == ifindex)
            return &fk.link[i];
    return NULL;
}

static struct fk_link *link_new(const char *name, const char *kind)
{
    int i;

    for (i = 0; i < FK_LINKS; i++) {
        if (!fk.link[i].used) {
            struct fk_link *l = &fk.link[i];

            memset(l, 0, sizeof(*l));
            l->used = true;
            snprintf(l->name, sizeof(l->name), "%s", name);
            snprintf(l->kind, sizeof(l->kind), "%s", kind);
            l->ifindex = fk.next_ifindex++;
            l->learning = 1;
            l->mac[0] = 0x0e;
            l->mac[5] = (uint8_t)l->ifindex;
            return l;
        }
    }
    fail_msg("fake kernel: too many links");
    return NULL;
}

static void link_del(struct fk_link *l)
{
    int i;

    for (i = 0; i < FK_FDB; i++)
        if (fk.fdb[i].used && (fk.fdb[i].port == l->ifindex || fk.fdb[i].bridge == l->ifindex))
            fk.fdb[i].used = false;
    for (i = 0; i < FK_NEIGH; i++)
        if (fk.neigh[i].used && fk.neigh[i].ifindex == l->ifindex)
            fk.neigh[i].used = false;
    for (i = 0; i < FK_LINKS; i++)
        if (fk.link[i].used && fk.link[i].master == l->ifindex)
            fk.link[i].master = 0;
    l->used = false;
}

static struct fk_fdb *fdb_find(int bridge, const uint8_t *mac)
{
    int i;

    for (i = 0; i < FK_FDB; i++)
        if (fk.fdb[i].used && fk.fdb[i].bridge == bridge && memcmp(fk.fdb[i].mac, mac, 6) == 0)
            return &fk.fdb[i];
    return NULL;
}

static struct fk_fdb *fdb_put(int bridge, int port, const uint8_t *mac, uint16_t state,
                              uint8_t flags)
{
    struct fk_fdb *f = fdb_find(bridge, mac);
    int i;

    for (i = 0; f == NULL && i < FK_FDB; i++)
        if (!fk.fdb[i].used)
            f = &fk.fdb[i];
    assert_non_null(f);
    f->used = true;
    f->bridge = bridge;
    f->port = port;
    memcpy(f->mac, mac, 6);
    f->state = state;
    f->flags = flags;
    return f;
}

static bool fdb_on(int port, const uint8_t *mac)
{
    int i;

    for (i = 0; i < FK_FDB; i++)
        if (fk.fdb[i].used && fk.fdb[i].port == port && memcmp(fk.fdb[i].mac, mac, 6) == 0)
            return true;
    return false;
}

static int fdb_count(int port)
{
    int i, n = 0;

    for (i = 0; i < FK_FDB; i++)
        if (fk.fdb[i].used && fk.fdb[i].port == port)
            n++;
    return n;
}

static struct fk_neigh *neigh_find(int ifindex, uint32_t ip)
{
    int i;

    for (i = 0; i < FK_NEIGH; i++)
        if (fk.neigh[i].used && fk.neigh[i].ifindex == ifindex && fk.neigh[i].ip == ip)
            return &fk.neigh[i];
    return NULL;
}

static struct fk_neigh *neigh_put(int ifindex, uint32_t ip, const uint8_t *mac, uint16_t state,
                                  uint8_t flags)
{
    struct fk_neigh *n = neigh_find(ifindex, ip);
    int i;

    for (i = 0; n == NULL && i < FK_NEIGH; i++)
        if (!fk.neigh[i].used)
            n = &fk.neigh[i];
    assert_non_null(n);
    n->used = true;
    n->ifindex = ifindex;
    n->ip = ip;
    memcpy(n->mac, mac, 6);
    n->state = state;
    n->flags = flags;
    return n;
}

/* The devices the mirror would make for vni (prefix "vtd"), already there
 * and right, as after an earlier run. */
static void fk_prebuild(uint32_t vni)
{
    char name[IF_NAMESIZE];
    struct fk_link *br, *vx, *pt, *pp;

    snprintf(name, sizeof(name), "vtdbr%u", vni);
    br = link_new(name, "bridge");
    snprintf(name, sizeof(name), "vtdvx%u", vni);
    vx = link_new(name, "vxlan");
    vx->vni = vni;
    vx->local = LOCAL;
    vx->port = 4789;
    vx->learning = 0;
    snprintf(name, sizeof(name), "vtdpt%u", vni);
    pt = link_new(name, "veth");
    snprintf(name, sizeof(name), "vtdpp%u", vni);
    pp = link_new(name, "veth");
    pt->peer = pp->ifindex;
    pp->peer = pt->ifindex;
    vx->master = pt->master = br->ifindex;
    br->up = vx->up = pt->up = true;
    br->addrgen_none = vx->addrgen_none = pt->addrgen_none = true;
}

/* ---- fake kernel: replies ---- */

static struct fk_dgram *dg_new(void)
{
    struct fk_dgram *g = calloc(1, sizeof(*g));

    assert_non_null(g);
    return g;
}

static void dg_push(struct fk_dgram *g)
{
    assert_true(fk.qt - fk.qh < FK_Q);
    fk.q[fk.qt++ % FK_Q] = g;
}

static struct nlmsghdr *rp_put(struct fk_dgram *g, uint16_t type, uint16_t flags, uint32_t seq)
{
    struct nlmsghdr *nlh = mnl_nlmsg_put_header(g->d + g->len);

    nlh->nlmsg_type = type;
    nlh->nlmsg_flags = flags;
    nlh->nlmsg_seq = seq;
    return nlh;
}

static void rp_done(struct fk_dgram *g, struct nlmsghdr *nlh)
{
    g->len += MNL_ALIGN(nlh->nlmsg_len);
    assert_true(g->len < sizeof(g->d) - 512);
}

static void rp_ack(struct fk_dgram *g, const struct nlmsghdr *req, int err)
{
    struct nlmsghdr *nlh = rp_put(g, NLMSG_ERROR, NLM_F_CAPPED, req->nlmsg_seq);
    struct nlmsgerr *e = mnl_nlmsg_put_extra_header(nlh, sizeof(*e));

    e->error = err;
    e->msg = *req;
    rp_done(g, nlh);
    g->completes++;
}

static void rp_link(struct fk_dgram *g, uint32_t seq, const struct fk_link *l)
{
    struct nlmsghdr *nlh = rp_put(g, RTM_NEWLINK, 0, seq);
    struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
    struct nlattr *li, *data;

    ifi->ifi_index = l->ifindex;
    ifi->ifi_flags = l->up ? IFF_UP : 0;
    mnl_attr_put_strz(nlh, IFLA_IFNAME, l->name);
    mnl_attr_put_u32(nlh, IFLA_MTU, 1500);
    if (l->master)
        mnl_attr_put_u32(nlh, IFLA_MASTER, (uint32_t)l->master);
    li = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
    mnl_attr_put_strz(nlh, IFLA_INFO_KIND, l->kind);
    if (strcmp(l->kind, "vxlan") == 0) {
        data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
        mnl_attr_put_u32(nlh, IFLA_VXLAN_ID, l->vni);
        if (l->local)
            mnl_attr_put(nlh, IFLA_VXLAN_LOCAL, 4, &l->local);
        mnl_attr_put_u8(nlh, IFLA_VXLAN_TTL, 0);
        mnl_attr_put_u8(nlh, IFLA_VXLAN_LEARNING, (uint8_t)l->learning);
        mnl_attr_put_u16(nlh, IFLA_VXLAN_PORT, htons(l->port));
        mnl_attr_nest_end(nlh, data);
    }
    mnl_attr_nest_end(nlh, li);
    rp_done(g, nlh);
}

static void rp_fdb(struct fk_dgram *g, uint32_t seq, int port, int master, const uint8_t *mac,
                   uint16_t state, uint8_t flags)
{
    struct nlmsghdr *nlh = rp_put(g, RTM_NEWNEIGH, NLM_F_MULTI, seq);
    struct ndmsg *ndm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ndm));

    ndm->ndm_family = AF_BRIDGE;
    ndm->ndm_ifindex = port;
    ndm->ndm_state = state;
    ndm->ndm_flags = flags;
    mnl_attr_put(nlh, NDA_LLADDR, 6, mac);
    if (master)
        mnl_attr_put_u32(nlh, NDA_MASTER, (uint32_t)master);
    rp_done(g, nlh);
}

static void rp_neigh(struct fk_dgram *g, uint32_t seq, const struct fk_neigh *n)
{
    struct nlmsghdr *nlh = rp_put(g, RTM_NEWNEIGH, NLM_F_MULTI, seq);
    struct ndmsg *ndm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ndm));

    ndm->ndm_family = AF_INET;
    ndm->ndm_ifindex = n->ifindex;
    ndm->ndm_state = n->state;
    ndm->ndm_flags = n->flags;
    mnl_attr_put(nlh, NDA_DST, 4, &n->ip);
    mnl_attr_put(nlh, NDA_LLADDR, 6, n->mac);
    rp_done(g, nlh);
}

static void rp_dump_done(struct fk_dgram *g, uint32_t seq)
{
    struct nlmsghdr *nlh = rp_put(g, NLMSG_DONE, NLM_F_MULTI, seq);
    int *z = mnl_nlmsg_put_extra_header(nlh, sizeof(int));

    *z = 0;
    rp_done(g, nlh);
    g->completes++;
}

/* ---- fake kernel: requests ---- */

struct req_attrs {
    const char *ifname;
    const struct nlattr *linkinfo, *af_spec, *lladdr, *dst;
    int master;
    int nda_ifindex;
};

static int top_attr(const struct nlattr *a, void *arg)
{
    struct req_attrs *r = arg;

    switch (mnl_attr_get_type(a)) {
    case IFLA_IFNAME:
        r->ifname = mnl_attr_get_str(a);
        break;
    case IFLA_LINKINFO:
        r->linkinfo = a;
        break;
    case IFLA_MASTER:
        r->master = (int)mnl_attr_get_u32(a);
        break;
    case IFLA_AF_SPEC:
        r->af_spec = a;
        break;
    default:
        break;
    }
    return MNL_CB_OK;
}

static int nd_attr(const struct nlattr *a, void *arg)
{
    struct req_attrs *r = arg;

    switch (mnl_attr_get_type(a)) {
    case NDA_LLADDR:
        assert_int_equal(mnl_attr_get_payload_len(a), 6);
        r->lladdr = a;
        break;
    case NDA_DST:
        assert_int_equal(mnl_attr_get_payload_len(a), 4);
        r->dst = a;
        break;
    case NDA_IFINDEX:
        r->nda_ifindex = (int)mnl_attr_get_u32(a);
        break;
    default:
        fail_msg("unexpected neighbour attribute %u", mnl_attr_get_type(a));
    }
    return MNL_CB_OK;
}

static const struct nlattr *nested(const struct nlattr *parent, uint16_t type)
{
    const struct nlattr *a;

    mnl_attr_for_each_nested(a, parent)
        if (mnl_attr_get_type(a) == type)
            return a;
    return NULL;
}

static int do_newlink(const struct nlmsghdr *nlh)
{
    const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
    struct req_attrs r = { 0 };
    struct fk_link *l;

    assert_int_equal(mnl_attr_parse(nlh, sizeof(*ifi), top_attr, &r), MNL_CB_OK);
    if (nlh->nlmsg_flags & NLM_F_CREATE) {
        const struct nlattr *kind, *data, *a;
        char peer[IF_NAMESIZE] = "";

        fk.creates++;
        assert_true(nlh->nlmsg_flags & NLM_F_EXCL);
        assert_non_null(r.ifname);
        assert_non_null(r.linkinfo);
        assert_int_equal(ifi->ifi_flags & IFF_UP, 0);   /* created down */
        if (link_by_name(r.ifname) != NULL)
            return -EEXIST;
        if (r.master && link_by_index(r.master) == NULL)
            return -ENODEV;
        kind = nested(r.linkinfo, IFLA_INFO_KIND);
        assert_non_null(kind);
        data = nested(r.linkinfo, IFLA_INFO_DATA);
        if (strcmp(mnl_attr_get_str(kind), "veth") == 0) {
            const struct nlattr *pe;

            assert_non_null(data);
            pe = nested(data, 1);
            assert_non_null(pe);
            /* ifinfomsg, then the peer's attributes */
            for (a = (const struct nlattr *)((const char *)mnl_attr_get_payload(pe) + 16);
                 mnl_attr_ok(a, (int)((const char *)mnl_attr_get_payload(pe)
                                      + mnl_attr_get_payload_len(pe) - (const char *)a));
                 a = mnl_attr_next(a))
                if (mnl_attr_get_type(a) == IFLA_IFNAME)
                    snprintf(peer, sizeof(peer), "%s", mnl_attr_get_str(a));
            assert_true(peer[0] != '\0');
            if (link_by_name(peer) != NULL)
                return -EEXIST;
        }
        l = link_new(r.ifname, mnl_attr_get_str(kind));
        l->master = r.master;
        if (strcmp(l->kind, "vxlan") == 0) {
            assert_non_null(data);
            mnl_attr_for_each_nested(a, data) {
                switch (mnl_attr_get_type(a)) {
                case IFLA_VXLAN_ID: l->vni = mnl_attr_get_u32(a); break;
                case IFLA_VXLAN_LOCAL: memcpy(&l->local, mnl_attr_get_payload(a), 4); break;
                case IFLA_VXLAN_PORT: l->port = ntohs(mnl_attr_get_u16(a)); break;
                case IFLA_VXLAN_LEARNING: l->learning = mnl_attr_get_u8(a); break;
                default: break;
                }
            }
        } else if (strcmp(l->kind, "veth") == 0) {
            struct fk_link *p = link_new(peer, "veth");

            l->peer = p->ifindex;
            p->peer = l->ifindex;
        }
        return 0;
    }
    /* change an existing device */
    l = link_by_index(ifi->ifi_index);
    if (l == NULL)
        return -ENODEV;
    if (r.af_spec != NULL) {
        const struct nlattr *in6 = nested(r.af_spec, AF_INET6), *mode;

        assert_non_null(in6);
        mode = nested(in6, IFLA_INET6_ADDR_GEN_MODE);
        assert_non_null(mode);
        if (mnl_attr_get_u8(mode) == IN6_ADDR_GEN_MODE_NONE)
            l->addrgen_none = true;
    }
    fk.setlinks++;
    if (r.master) {
        if (link_by_index(r.master) == NULL)
            return -ENODEV;
        l->master = r.master;
    }
    if (ifi->ifi_change & IFF_UP) {
        bool up = ifi->ifi_flags & IFF_UP;

        if (up && !l->up && !l->addrgen_none)
            fk.up_before_addrgen++;
        l->up = up;
    }
    return 0;
}

/* The link a link request names (IFLA_IFNAME, which it must carry), NULL if
 * there is none by that name; the request's attributes are left in *r. */
static struct fk_link *link_named_in(const struct nlmsghdr *nlh, struct req_attrs *r)
{
    mnl_attr_parse(nlh, sizeof(struct ifinfomsg), top_attr, r);
    assert_non_null(r->ifname);
    return link_by_name(r->ifname);
}

static void do_request(const struct nlmsghdr *nlh)
{
    struct fk_dgram *g = dg_new();
    struct req_attrs r = { 0 };
    const struct ndmsg *ndm;
    struct fk_link *l;
    int err = 0, i, n;

    fk.msgs++;
    if (fk.nlog < FK_LOG) {
        fk.log_type[fk.nlog] = nlh->nlmsg_type;
        fk.log_family[fk.nlog] = nlh->nlmsg_len >= 17 ? ((const uint8_t *)nlh)[16] : 0;
        fk.nlog++;
    }
    fk.outstanding++;
    if (fk.outstanding > fk.max_outstanding)
        fk.max_outstanding = fk.outstanding;
    assert_true(nlh->nlmsg_flags & NLM_F_REQUEST);
    switch (nlh->nlmsg_type) {
    case RTM_GETLINK:
        fk.getlinks++;
        assert_true(nlh->nlmsg_flags & NLM_F_ACK);
        l = link_named_in(nlh, &r);
        if (l == NULL)
            err = -ENODEV;
        else
            rp_link(g, nlh->nlmsg_seq, l);
        rp_ack(g, nlh, err);
        break;
    case RTM_NEWLINK:
        assert_true(nlh->nlmsg_flags & NLM_F_ACK);
        rp_ack(g, nlh, do_newlink(nlh));
        break;
    case RTM_DELLINK:
        fk.dellinks++;
        l = link_named_in(nlh, &r);
        if (l == NULL) {
            err = -ENODEV;
        } else {
            if (l->peer && link_by_index(l->peer))
                link_del(link_by_index(l->peer));
            link_del(l);
        }
        rp_ack(g, nlh, err);
        break;
    case RTM_NEWNEIGH:
    case RTM_DELNEIGH:
        ndm = mnl_nlmsg_get_payload(nlh);
        assert_true(nlh->nlmsg_flags & NLM_F_ACK);
        mnl_attr_parse(nlh, sizeof(*ndm), nd_attr, &r);
        l = link_by_index(ndm->ndm_ifindex);
        if (ndm->ndm_family == AF_BRIDGE) {
            const uint8_t *mac;

            assert_non_null(r.lladdr);
            mac = mnl_attr_get_payload(r.lladdr);
            assert_int_equal(ndm->ndm_flags, NTF_MASTER);
            if (l == NULL || l->master == 0) {
                err = -ENODEV;
            } else if (nlh->nlmsg_type == RTM_NEWNEIGH) {
                fk.fdb_adds++;
                assert_int_equal(ndm->ndm_state, NUD_NOARP);
                assert_int_equal(nlh->nlmsg_flags & (NLM_F_CREATE | NLM_F_REPLACE | NLM_F_EXCL),
                                 NLM_F_CREATE | NLM_F_REPLACE);
                if (fk.fail_errno && memcmp(mac, fk.fail_mac, 6) == 0)
                    err = fk.fail_errno;
                else
                    fdb_put(l->master, l->ifindex, mac, NUD_NOARP, 0);
            } else {
                struct fk_fdb *f = fdb_find(l->master, mac);

                fk.fdb_dels++;
                if (f == NULL || f->port != l->ifindex)
                    err = -ENOENT;      /* as the bridge: only on that port */
                else
                    f->used = false;
            }
        } else {
            uint32_t ip;

            assert_int_equal(ndm->ndm_family, AF_INET);
            assert_non_null(r.dst);
            memcpy(&ip, mnl_attr_get_payload(r.dst), 4);
            assert_int_equal(ndm->ndm_flags, 0);
            if (l == NULL) {
                err = -ENODEV;
            } else if (nlh->nlmsg_type == RTM_NEWNEIGH) {
                fk.neigh_adds++;
                assert_int_equal(ndm->ndm_state, NUD_PERMANENT);
                assert_non_null(r.lladdr);
                neigh_put(l->ifindex, ip, mnl_attr_get_payload(r.lladdr), NUD_PERMANENT, 0);
            } else {
                struct fk_neigh *ne = neigh_find(l->ifindex, ip);

                fk.neigh_dels++;
                if (ne == NULL)
                    err = -ENOENT;
                else
                    ne->used = false;
            }
        }
        rp_ack(g, nlh, err);
        break;
    case RTM_GETNEIGH:
        fk.dumps++;
        assert_true(nlh->nlmsg_flags & NLM_F_DUMP);
        ndm = mnl_nlmsg_get_payload(nlh);
        mnl_attr_parse(nlh, sizeof(*ndm), nd_attr, &r);
        n = 0;
        if (ndm->ndm_family == AF_BRIDGE) {
            l = link_by_index(ndm->ndm_ifindex);
            assert_non_null(l);
            /* the port's own address and a multicast list entry first */
            rp_fdb(g, nlh->nlmsg_seq, l->ifindex, l->master, l->mac, NUD_PERMANENT, 0);
            rp_fdb(g, nlh->nlmsg_seq, l->ifindex, 0, (const uint8_t *)"\x33\x33\0\0\0\x01",
                   NUD_PERMANENT, NTF_SELF);
            for (i = 0; i < FK_FDB; i++) {
                if (!fk.fdb[i].used || fk.fdb[i].port != l->ifindex)
                    continue;
                if (++n % 2 == 0) {     /* two entries per datagram */
                    dg_push(g);
                    g = dg_new();
                }
                rp_fdb(g, nlh->nlmsg_seq, l->ifindex, fk.fdb[i].bridge, fk.fdb[i].mac,
                       fk.fdb[i].state, fk.fdb[i].flags);
            }
        } else {
            assert_int_equal(ndm->ndm_family, AF_INET);
            assert_int_equal(ndm->ndm_ifindex, 0);
            for (i = 0; i < FK_NEIGH; i++) {
                if (!fk.neigh[i].used || fk.neigh[i].ifindex != r.nda_ifindex)
                    continue;
                if (++n % 2 == 0) {
                    dg_push(g);
                    g = dg_new();
                }
                rp_neigh(g, nlh->nlmsg_seq, &fk.neigh[i]);
            }
        }
        rp_dump_done(g, nlh->nlmsg_seq);
        break;
    default:
        fail_msg("fake kernel: unexpected request type %u", nlh->nlmsg_type);
    }
    dg_push(g);
}

static int fk_send(void *ctx, const void *buf, size_t len)
{
    size_t off = 0;
    (void)ctx;

    fk.send_calls++;
    if (fk.send_fail_once) {
        int e = fk.send_fail_once;

        fk.send_fail_once = 0;
        return e;
    }
    while (off < len) {
        const struct nlmsghdr *nlh = (const struct nlmsghdr *)((const char *)buf + off);

        assert_true(len - off >= sizeof(*nlh));
        assert_true(nlh->nlmsg_len >= sizeof(*nlh) && nlh->nlmsg_len <= len - off);
        do_request(nlh);
        off += MNL_ALIGN(nlh->nlmsg_len);
    }
    return 0;
}

static ssize_t fk_recv(void *ctx, void *buf, size_t len)
{
    struct fk_dgram *g;
    size_t n;
    (void)ctx;

    if (fk.lose_replies && fk.qt > fk.qh) {
        fk.lose_replies = false;
        while (fk.qh < fk.qt) {
            g = fk.q[fk.qh++ % FK_Q];
            fk.outstanding -= g->completes;
            free(g);
        }
        return -ENOBUFS;
    }
    if (fk.qh == fk.qt)
        return -EAGAIN;
    g = fk.q[fk.qh++ % FK_Q];
    n = g->len;
    assert_true(n <= len);
    memcpy(buf, g->d, n);
    fk.outstanding -= g->completes;
    free(g);
    return (ssize_t)n;
}

/* ---- helpers ---- */

static struct fdb_mirror *open_mirror(uint32_t max_inflight, uint32_t max_entries)
{
    struct fdb_mirror_config cfg;
    struct fm_io io = { fk_send, fk_recv, NULL };
    struct fdb_mirror *m;

    memset(&cfg, 0, sizeof(cfg));
    cfg.local_ip = LOCAL;
    cfg.max_inflight = max_inflight;
    cfg.max_entries = max_entries;
    assert_int_equal(fdb_mirror_open_io(&m, &cfg, &io), 0);
    return m;
}

/* Run until idle; the number of calls it took. */
static int settle(struct fdb_mirror *m, unsigned int budget)
{
    int calls = 0;

    while (fdb_mirror_busy(m)) {
        assert_true(fdb_mirror_run(m, budget) >= 0);
        if (++calls > 100000)
            fail_msg("mirror never went idle");
    }
    return calls;
}

static int ifidx(const char *name)
{
    struct fk_link *l = link_by_name(name);

    return l != NULL ? l->ifindex : 0;
}

static int setup(void **state)
{
    int i;
    (void)state;

    while (fk.qh < fk.qt)
        free(fk.q[fk.qh++ % FK_Q]);
    memset(&fk, 0, sizeof(fk));
    fk.qh = fk.qt = FK_Q;       /* room to put a datagram in front */
    fk.next_ifindex = 2;
    LOCAL = inet_addr("192.0.2.1");
    for (i = 0; i < FK_LINKS; i++)
        fk.link[i].used = false;
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    while (fk.qh < fk.qt)
        free(fk.q[fk.qh++ % FK_Q]);
    return 0;
}

/* ---- tests ---- */

static void test_ensure_from_empty(void **state)
{
    struct fdb_mirror *m = open_mirror(0, 0);
    struct fdb_mirror_vni_info info;
    struct fk_link *br, *vx, *pt, *pp;
    (void)state;

    assert_int_equal(fdb_mirror_vni_ensure(m, 100), 0);
    fdb_mirror_vni_status(m, 100, &info);
    assert_int_equal(info.state, FDB_MIRROR_VNI_ENSURING);
    assert_true(fdb_mirror_busy(m));
    settle(m, 64);
    br = link_by_name("vtdbr100");
    vx = link_by_name("vtdvx100");
    pt = link_by_name("vtdpt100");
    pp = link_by_name("vtdpp100");
    assert_non_null(br);
    assert_non_null(vx);
    assert_non_null(pt);
    assert_non_null(pp);
    assert_string_equal(br->kind, "bridge");
    assert_string_equal(vx->kind, "vxlan");
    assert_int_equal(vx->vni, 100);
    assert_int_equal(vx->local, LOCAL);
    assert_int_equal(vx->port, 4789);
    assert_int_equal(vx->learning, 0);
    assert_int_equal(vx->master, br->ifindex);
    assert_int_equal(pt->master, br->ifindex);
    assert_int_equal(pp->master, 0);
    assert_true(br->up && vx->up && pt->up);
    assert_false(pp->up);                       /* no carrier on the stand-in port */
    assert_true(br->addrgen_none && vx->addrgen_none && pt->addrgen_none);
    assert_int_equal(fk.up_before_addrgen, 0);
    fdb_mirror_vni_status(m, 100, &info);
    assert_int_equal(info.state, FDB_MIRROR_VNI_READY);
    assert_int_equal(info.br_ifindex, br->ifindex);
    assert_int_equal(info.vx_ifindex, vx->ifindex);
    assert_int_equal(info.pt_ifindex, pt->ifindex);
    assert_string_equal(info.pp, "vtdpp100");
    assert_int_equal(fk.outstanding, 0);
    fdb_mirror_close(m);
}

static void test_ensure_idempotent(void **state)
{
    struct fdb_mirror *m;
    int before;
    (void)state;

    fk_prebuild(100);
    before = ifidx("vtdvx100");
    m = open_mirror(0, 0);
    assert_int_equal(fdb_mirror_vni_ensure(m, 100), 0);
    settle(m, 64);
    assert_int_equal(fk.creates, 0);
    assert_int_equal(fk.dellinks, 0);
    assert_int_equal(ifidx("vtdvx100"), before);
    /* ensure again on a ready VNI: checked again, still nothing made */
    assert_int_equal(fdb_mirror_vni_ensure(m, 100), 0);
    settle(m, 64);
    assert_int_equal(fk.creates, 0);
    assert_int_equal(fk.dellinks, 0);
    assert_true(fk.getlinks >= 8);
    fdb_mirror_close(m);
}

static void test_ensure_repairs(void **state)
{
    struct fdb_mirror *m;
    struct fk_link *vx, *pt;
    struct fdb_mirror_vni_info info;
    (void)state;

    fk_prebuild(100);
    link_by_name("vtdvx100")->local = inet_addr("192.0.2.9");   /* another VTEP address */
    /* the port is a bridge, not a veth; and a stray peer name exists */
    link_del(link_by_name("vtdpt100"));
    link_by_name("vtdpp100")->peer = 0;
    link_new("vtdpt100", "bridge")->master = ifidx("vtdbr100");
    link_by_name("vtdbr100")->up = false;
    m = open_mirror(0, 0);
    assert_int_equal(fdb_mirror_vni_ensure(m, 100), 0);
    settle(m, 64);
    vx = link_by_name("vtdvx100");
    pt = link_by_name("vtdpt100");
    assert_int_equal(vx->local, LOCAL);
    assert_string_equal(pt->kind, "veth");
    assert_int_equal(pt->master, ifidx("vtdbr100"));
    assert_true(link_by_name("vtdbr100")->up);
    assert_int_equal(fk.creates, 2);            /* vxlan and veth */
    assert_int_equal(fk.dellinks, 3);           /* vxlan, the wrong port, the stray peer */
    fdb_mirror_vni_status(m, 100, &info);
    assert_int_equal(info.state, FDB_MIRROR_VNI_READY);
    fdb_mirror_close(m);
}

static void test_ensure_fails(void **state)
{
    struct fdb_mirror *m;
    struct fdb_mirror_vni_info info;
    (void)state;

    /* a vxlan device of another VNI elsewhere blocks nothing; but a bridge
     * that cannot be made (name taken by our peer-name race) fails */
    m = open_mirror(0, 0);
    assert_int_equal(fdb_mirror_vni_ensure(m, 100), 0);
    /* run round 1 (GETLINK x3), then let a device with the bridge's name
     * appear before round 2 creates it: EEXIST */
    assert_true(fdb_mirror_run(m, 64) > 0);
    link_new("vtdbr100", "bridge");
    settle(m, 64);
    fdb_mirror_vni_status(m, 100, &info);
    assert_int_equal(info.state, FDB_MIRROR_VNI_FAILED);
    assert_int_equal(info.err, -EEXIST);
    /* entries wait while it is failed */
    assert_int_equal(fdb_mirror_mac_add(m, 100, M[0]), 0);
    settle(m, 64);
    assert_int_equal(fk.fdb_adds, 0);
    /* ensure again: found, used, MAC sent */
    assert_int_equal(fdb_mirror_vni_ensure(m, 100), 0);
    settle(m, 64);
    fdb_mirror_vni_status(m, 100, &info);
    assert_int_equal(info.state, FDB_MIRROR_VNI_READY);
    assert_true(fdb_on(ifidx("vtdpt100"), M[0]));
    fdb_mirror_close(m);
}

static void test_mac_add_del(void **state)
{
    struct fdb_mirror *m = open_mirror(0, 0);
    struct fdb_mirror_stats st;
    int pt;
    (void)state;

    assert_int_equal(fdb_mirror_vni_ensure(m, 100), 0);
    /* desired before the devices exist: sent once they do */
    assert_int_equal(fdb_mirror_mac_add(m, 100, M[0]), 0);
    assert_int_equal(fdb_mirror_mac_add(m, 100, M[1]), 0);
    assert_int_equal(fdb_mirror_mac_state(m, 100, M[0]), 0);
    settle(m, 64);
    pt = ifidx("vtdpt100");
    assert_true(fdb_on(pt, M[0]));
    assert_true(fdb_on(pt, M[1]));
    assert_int_equal(fdb_mirror_mac_state(m, 100, M[0]), 1);
    assert_int_equal(fk.fdb_adds, 2);
    assert_int_equal(fdb_mirror_mac_del(m, 100, M[0]), 0);
    assert_int_equal(fdb_mirror_mac_state(m, 100, M[0]), -ENOENT);
    settle(m, 64);
    assert_false(fdb_on(pt, M[0]));
    assert_true(fdb_on(pt, M[1]));
    fdb_mirror_get_stats(m, &st);
    assert_int_equal(st.fdb_adds, 2);
    assert_int_equal(st.fdb_dels, 1);
    assert_int_equal(st.errors, 0);
    assert_int_equal(st.entries, 1);            /* the deleted one is freed */
    fdb_mirror_close(m);
}

static void test_coalesce(void **state)
{
    struct fdb_mirror *m = open_mirror(0, 0);
    struct fdb_mirror_stats st;
    int pt;
    (void)state;

    assert_int_equal(fdb_mirror_vni_ensure(m, 100), 0);
    settle(m, 64);
    pt = ifidx("vtdpt100");
    /* flapping before the next run: one request for the final wish */
    assert_int_equal(fdb_mirror_mac_add(m, 100, M[0]), 0);
    assert_int_equal(fdb_mirror_mac_del(m, 100, M[0]), 0);
    assert_int_equal(fdb_mirror_mac_add(m, 100, M[0]), 0);
    settle(m, 64);
    assert_int_equal(fk.fdb_adds, 1);
    assert_int_equal(fk.fdb_dels, 0);
    assert_true(fdb_on(pt, M[0]));
    assert_int_equal(fdb_mirror_mac_del(m, 100, M[0]), 0);
    assert_int_equal(fdb_mirror_mac_add(m, 100, M[0]), 0);
    settle(m, 64);
    assert_int_equal(fk.fdb_adds, 1);           /* already there: nothing sent */
    assert_int_equal(fk.fdb_dels, 0);
    /* never desired here, deleted: one delete (the kernel may have it
     * from before a restart), "not there" is fine, nothing kept */
    fdb_put(ifidx("vtdbr100"), pt, M[5], NUD_NOARP, 0);
    assert_int_equal(fdb_mirror_mac_del(m, 100, M[5]), 0);
    assert_int_equal(fdb_mirror_mac_del(m, 100, M[4]), 0);
    assert_true(fdb_mirror_busy(m));
    settle(m, 64);
    assert_false(fdb_on(pt, M[5]));
    assert_int_equal(fk.fdb_dels, 2);
    fdb_mirror_get_stats(m, &st);
    assert_int_equal(st.enoent_ok, 1);
    assert_int_equal(st.entries, 1);
    fk.fdb_dels = 0;
    /* a change while the add is in flight is sent after its answer */
    assert_int_equal(fdb_mirror_mac_add(m, 100, M[1]), 0);
    assert_true(fdb_mirror_run(m, 64) > 0);     /* add sent, answer queued */
    assert_int_equal(fdb_mirror_mac_del(m, 100, M[1]), 0);
    settle(m, 64);
    assert_false(fdb_on(pt, M[1]));
    assert_int_equal(fk.fdb_adds, 2);
    assert_int_equal(fk.fdb_dels, 1);
    fdb_mirror_close(m);
}

static void test_ip_bindings(void **state)
{
    struct fdb_mirror *m = open_mirror(0, 0);
    uint32_t ip = inet_addr("203.0.113.11");
    struct fk_neigh *n;
    int br;
    (void)state;

    assert_int_equal(fdb_mirror_vni_ensure(m, 100), 0);
    assert_int_equal(fdb_mirror_mac_add(m, 100, M[0]), 0);
    assert_int_equal(fdb_mirror_ip_add(m, 100, ip, M[0]), 0);
    settle(m, 64);
    br = ifidx("vtdbr100");
    n = neigh_find(br, ip);
    assert_non_null(n);
    assert_memory_equal(n->mac, M[0], 6);
    assert_int_equal(n->state, NUD_PERMANENT);
    /* the IP moves to another MAC: one replace */
    assert_int_equal(fdb_mirror_ip_add(m, 100, ip, M[1]), 0);
    settle(m, 64);
    assert_memory_equal(neigh_find(br, ip)->mac, M[1], 6);
    assert_int_equal(fk.neigh_adds, 2);
    assert_int_equal(fdb_mirror_ip_add(m, 100, ip, M[1]), 0);
    settle(m, 64);
    assert_int_equal(fk.neigh_adds, 2);
    assert_int_equal(fdb_mirror_ip_del(m, 100, ip), 0);
    settle(m, 64);
    assert_null(neigh_find(br, ip));
    assert_int_equal(fk.neigh_dels, 1);
    fdb_mirror_close(m);
}

/* After a restart: the kernel holds an earlier run's entries, the new
 * instance is given a desired set that dropped some and added others. */
static void test_reconcile(void **state)
{
    struct fdb_mirror *m;
    struct fdb_mirror_stats st;
    struct fdb_mirror_vni_info info;
    uint32_t ip1 = inet_addr("203.0.113.11"), ip2 = inet_addr("203.0.113.12");
    uint32_t ip3 = inet_addr("203.0.113.13");
    int br, pt, vx, i, first_write = -1, last_dump = -1;
    (void)state;

    fk_prebuild(100);
    br = ifidx("vtdbr100");
    pt = ifidx("vtdpt100");
    vx = ifidx("vtdvx100");
    fdb_put(br, pt, M[0], NUD_NOARP, 0);                 /* stale */
    fdb_put(br, pt, M[1], NUD_NOARP, 0);                 /* still desired */
    fdb_put(br, pt, M[2], NUD_REACHABLE, NTF_EXT_LEARNED); /* stale, other flags */
    fdb_put(br, vx, M[6], NUD_NOARP, NTF_EXT_LEARNED);   /* zebra's remote MAC */
    neigh_put(br, ip1, M[0], NUD_PERMANENT, 0);          /* stale */
    neigh_put(br, ip2, M[1], NUD_PERMANENT, 0);          /* desired, wrong MAC */
    neigh_put(br, ip3, M[6], NUD_NOARP, NTF_EXT_LEARNED); /* zebra's remote neighbour */
    fk.fdb_adds = fk.fdb_dels = 0;

    m = open_mirror(0, 0);
    assert_int_equal(fdb_mirror_vni_ensure(m, 100), 0);
    assert_int_equal(fdb_mirror_mac_add(m, 100, M[1]), 0);
    assert_int_equal(fdb_mirror_mac_add(m, 100, M[3]), 0);
    assert_int_equal(fdb_mirror_ip_add(m, 100, ip2, M[3]), 0);
    assert_int_equal(fdb_mirror_reconcile(m, 100), 0);
    settle(m, 64);

    assert_false(fdb_on(pt, M[0]));
    assert_true(fdb_on(pt, M[1]));
    assert_false(fdb_on(pt, M[2]));
    assert_true(fdb_on(pt, M[3]));
    assert_true(fdb_on(vx, M[6]));              /* zebra's: untouched */
    assert_int_equal(fdb_count(pt), 2);
    assert_null(neigh_find(br, ip1));
    assert_memory_equal(neigh_find(br, ip2)->mac, M[3], 6);
    assert_non_null(neigh_find(br, ip3));       /* zebra's: untouched */
    assert_int_equal(fk.fdb_adds, 1);           /* only the missing one */
    assert_int_equal(fk.fdb_dels, 2);
    fdb_mirror_get_stats(m, &st);
    assert_int_equal(st.stale_removed, 3);      /* M0, M2, ip1 */
    assert_int_equal(st.missing_added, 2);      /* M3, ip2 (other MAC) */
    assert_int_equal(st.already_present, 1);    /* M1 */
    assert_int_equal(st.dump_entries, 5);       /* 3 fdb + 2 neighbours of ours */
    assert_int_equal(st.errors, 0);
    fdb_mirror_vni_status(m, 100, &info);
    assert_int_equal(info.reconciles, 1);
    assert_int_equal(info.state, FDB_MIRROR_VNI_READY);
    /* no entry of the VNI was written before both dumps were read */
    for (i = 0; i < fk.nlog; i++) {
        if (fk.log_type[i] == RTM_GETNEIGH)
            last_dump = i;
        if ((fk.log_type[i] == RTM_NEWNEIGH || fk.log_type[i] == RTM_DELNEIGH) && first_write < 0)
            first_write = i;
    }
    assert_true(last_dump >= 0 && first_write > last_dump);
    fdb_mirror_close(m);
}

/* zebra moved our MAC to the vxlan device (remote now); vtepd then drops
 * it: the delete on our port finds nothing, and zebra's entry stays. */
static void test_delete_after_move(void **state)
{
    struct fdb_mirror *m = open_mirror(0, 0);
    struct fdb_mirror_stats st;
    int pt, vx;
    (void)state;

    assert_int_equal(fdb_mirror_vni_ensure(m, 100), 0);
    assert_int_equal(fdb_mirror_mac_add(m, 100, M[0]), 0);
    settle(m, 64);
    pt = ifidx("vtdpt100");
    vx = ifidx("vtdvx100");
    fdb_put(ifidx("vtdbr100"), vx, M[0], NUD_NOARP, NTF_EXT_LEARNED);   /* zebra's move */
    assert_false(fdb_on(pt, M[0]));
    assert_int_equal(fdb_mirror_mac_del(m, 100, M[0]), 0);
    settle(m, 64);
    assert_true(fdb_on(vx, M[0]));
    fdb_mirror_get_stats(m, &st);
    assert_int_equal(st.enoent_ok, 1);
    assert_int_equal(st.errors, 0);
    assert_int_equal(st.entries, 0);
    fdb_mirror_close(m);
}

static void test_error_no_storm(void **state)
{
    struct fdb_mirror *m = open_mirror(0, 0);
    struct fdb_mirror_stats st;
    int calls;
    (void)state;

    assert_int_equal(fdb_mirror_vni_ensure(m, 100), 0);
    settle(m, 64);
    fk.fail_errno = -EPERM;
    memcpy(fk.fail_mac, M[2], 6);
    assert_int_equal(fdb_mirror_mac_add(m, 100, M[2]), 0);
    assert_int_equal(fdb_mirror_mac_add(m, 100, M[3]), 0);
    calls = settle(m, 64);
    assert_true(calls < 10);
    assert_int_equal(fk.fdb_adds, 2);           /* tried once, not again and again */
    fdb_mirror_get_stats(m, &st);
    assert_int_equal(st.errors, 1);
    assert_int_equal(st.last_err, -EPERM);
    assert_int_equal(fdb_mirror_mac_state(m, 100, M[2]), 0);
    assert_int_equal(fdb_mirror_mac_state(m, 100, M[3]), 1);
    /* asked again: tried again */
    fk.fail_errno = 0;
    assert_int_equal(fdb_mirror_mac_add(m, 100, M[2]), 0);
    settle(m, 64);
    assert_int_equal(fdb_mirror_mac_state(m, 100, M[2]), 1);
    assert_int_equal(fk.fdb_adds, 3);
    fdb_mirror_close(m);
}

static void test_budget_and_window(void **state)
{
    struct fdb_mirror *m = open_mirror(8, 0);
    uint8_t mac[6] = {2, 0, 0, 1, 0, 0};
    int i, before, r, pt;
    (void)state;

    assert_int_equal(fdb_mirror_vni_ensure(m, 100), 0);
    settle(m, 64);
    for (i = 0; i < 300; i++) {
        mac[4] = (uint8_t)(i >> 8);
        mac[5] = (uint8_t)i;
        assert_int_equal(fdb_mirror_mac_add(m, 100, mac), 0);
    }
    fk.max_outstanding = 0;
    while (fdb_mirror_busy(m)) {
        before = fk.msgs;
        r = fdb_mirror_run(m, 3);
        assert_true(r >= 0 && r <= 3);
        assert_true(fk.msgs - before <= 3);     /* at most the budget sent per call */
    }
    assert_true(fk.max_outstanding <= 8);       /* the window */
    assert_true(fk.max_outstanding >= 3);
    pt = ifidx("vtdpt100");
    assert_int_equal(fdb_count(pt), 300);
    /* a large budget: the window, not the budget, is the limit */
    for (i = 0; i < 300; i++) {
        mac[4] = (uint8_t)(i >> 8);
        mac[5] = (uint8_t)i;
        assert_int_equal(fdb_mirror_mac_del(m, 100, mac), 0);
    }
    fk.max_outstanding = 0;
    settle(m, 1000);
    assert_int_equal(fk.max_outstanding, 8);
    assert_int_equal(fdb_count(pt), 0);
    fdb_mirror_close(m);
}

static void test_lost_replies(void **state)
{
    struct fdb_mirror *m = open_mirror(16, 0);
    struct fdb_mirror_stats st;
    uint8_t mac[6] = {2, 0, 0, 2, 0, 0};
    int i, pt;
    (void)state;

    assert_int_equal(fdb_mirror_vni_ensure(m, 100), 0);
    settle(m, 64);
    for (i = 0; i < 40; i++) {
        mac[5] = (uint8_t)i;
        assert_int_equal(fdb_mirror_mac_add(m, 100, mac), 0);
    }
    assert_true(fdb_mirror_run(m, 64) > 0);     /* 16 in flight */
    fk.lose_replies = true;                     /* their answers are lost */
    settle(m, 64);
    fdb_mirror_get_stats(m, &st);
    assert_int_equal(st.resyncs, 1);
    assert_int_equal(st.errors, 0);
    pt = ifidx("vtdpt100");
    assert_int_equal(fdb_count(pt), 40);
    for (i = 0; i < 40; i++) {
        mac[5] = (uint8_t)i;
        assert_int_equal(fdb_mirror_mac_state(m, 100, mac), 1);
    }
    /* lost during an ensure round and a reconciliation: both restart */
    assert_int_equal(fdb_mirror_vni_ensure(m, 200), 0);
    assert_true(fdb_mirror_run(m, 64) > 0);
    fk.lose_replies = true;
    settle(m, 64);
    assert_non_null(link_by_name("vtdpt200"));
    assert_int_equal(fdb_mirror_reconcile(m, 100), 0);
    assert_true(fdb_mirror_run(m, 64) > 0);     /* the fdb dump is sent */
    fk.lose_replies = true;
    settle(m, 64);
    fdb_mirror_get_stats(m, &st);
    assert_int_equal(st.resyncs, 3);
    assert_int_equal(st.already_present, 40);
    fdb_mirror_close(m);
}

static void test_send_failure(void **state)
{
    struct fdb_mirror *m = open_mirror(0, 0);
    (void)state;

    assert_int_equal(fdb_mirror_vni_ensure(m, 100), 0);
    settle(m, 64);
    assert_int_equal(fdb_mirror_mac_add(m, 100, M[0]), 0);
    fk.send_fail_once = -ENOBUFS;
    assert_true(fdb_mirror_run(m, 64) >= 0);
    assert_false(fdb_on(ifidx("vtdpt100"), M[0]));
    settle(m, 64);
    assert_true(fdb_on(ifidx("vtdpt100"), M[0]));
    fdb_mirror_close(m);
}

static void test_port_vanished(void **state)
{
    struct fdb_mirror *m = open_mirror(0, 0);
    struct fdb_mirror_vni_info info;
    int old;
    (void)state;

    assert_int_equal(fdb_mirror_vni_ensure(m, 100), 0);
    settle(m, 64);
    old = ifidx("vtdpt100");
    link_del(link_by_name("vtdpp100"));
    link_del(link_by_name("vtdpt100"));         /* someone deleted our port */
    assert_int_equal(fdb_mirror_mac_add(m, 100, M[0]), 0);
    settle(m, 64);
    assert_true(ifidx("vtdpt100") != 0 && ifidx("vtdpt100") != old);
    assert_true(fdb_on(ifidx("vtdpt100"), M[0]));
    fdb_mirror_vni_status(m, 100, &info);
    assert_int_equal(info.state, FDB_MIRROR_VNI_READY);
    assert_int_equal(fdb_mirror_mac_state(m, 100, M[0]), 1);
    fdb_mirror_close(m);
}

static void test_remove(void **state)
{
    struct fdb_mirror *m = open_mirror(0, 0);
    struct fdb_mirror_vni_info info;
    struct fdb_mirror_stats st;
    int i;
    (void)state;

    assert_int_equal(fdb_mirror_vni_ensure(m, 100), 0);
    assert_int_equal(fdb_mirror_vni_ensure(m, 200), 0);
    for (i = 0; i < 8; i++)
        assert_int_equal(fdb_mirror_mac_add(m, 100, M[i]), 0);
    assert_int_equal(fdb_mirror_mac_add(m, 200, M[0]), 0);
    settle(m, 64);
    assert_int_equal(fdb_mirror_vni_remove(m, 100), 0);
    assert_int_equal(fdb_mirror_mac_add(m, 100, M[0]), -ENOENT);
    assert_int_equal(fdb_mirror_vni_ensure(m, 100), -EBUSY);
    settle(m, 2);
    assert_null(link_by_name("vtdbr100"));
    assert_null(link_by_name("vtdvx100"));
    assert_null(link_by_name("vtdpt100"));
    assert_null(link_by_name("vtdpp100"));
    assert_non_null(link_by_name("vtdpt200"));
    fdb_mirror_vni_status(m, 100, &info);
    assert_int_equal(info.state, FDB_MIRROR_VNI_ABSENT);
    fdb_mirror_get_stats(m, &st);
    assert_int_equal(st.entries, 1);
    assert_int_equal(fdb_mirror_vni_remove(m, 100), -ENOENT);
    /* and back */
    assert_int_equal(fdb_mirror_vni_ensure(m, 100), 0);
    settle(m, 64);
    assert_non_null(link_by_name("vtdpt100"));
    fdb_mirror_close(m);
}

static void test_bad_input(void **state)
{
    struct fdb_mirror_config cfg;
    struct fm_io io = { fk_send, fk_recv, NULL };
    struct fdb_mirror *m;
    static const uint8_t bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    static const uint8_t zero[6];
    (void)state;

    memset(&cfg, 0, sizeof(cfg));
    assert_int_equal(fdb_mirror_open_io(&m, &cfg, &io), -EINVAL);     /* no VTEP address */
    cfg.local_ip = LOCAL;
    snprintf(cfg.prefix, sizeof(cfg.prefix), "a b");
    assert_int_equal(fdb_mirror_open_io(&m, &cfg, &io), -EINVAL);
    snprintf(cfg.prefix, sizeof(cfg.prefix), "x");
    cfg.max_entries = 2;
    assert_int_equal(fdb_mirror_open_io(&m, &cfg, &io), 0);
    assert_int_equal(fdb_mirror_vni_ensure(m, 0), -EINVAL);
    assert_int_equal(fdb_mirror_vni_ensure(m, 1u << 24), -EINVAL);
    assert_int_equal(fdb_mirror_mac_add(m, 5, M[0]), -ENOENT);
    assert_int_equal(fdb_mirror_reconcile(m, 5), -ENOENT);
    assert_int_equal(fdb_mirror_vni_ensure(m, 16777215), 0);
    assert_int_equal(fdb_mirror_mac_add(m, 16777215, bcast), -EINVAL);
    assert_int_equal(fdb_mirror_mac_add(m, 16777215, zero), -EINVAL);
    assert_int_equal(fdb_mirror_ip_add(m, 16777215, 0, M[0]), -EINVAL);
    assert_int_equal(fdb_mirror_mac_add(m, 16777215, M[0]), 0);
    assert_int_equal(fdb_mirror_mac_add(m, 16777215, M[1]), 0);
    assert_int_equal(fdb_mirror_mac_add(m, 16777215, M[2]), -ENOSPC);
    settle(m, 64);
    assert_non_null(link_by_name("xbr16777215"));   /* the longest name fits */
    assert_true(fdb_on(ifidx("xpt16777215"), M[1]));
    fdb_mirror_close(m);
    fdb_mirror_close(NULL);
}

/* Replies that match nothing, and garbage, are counted and skipped. */
static void test_unexpected(void **state)
{
    struct fdb_mirror *m = open_mirror(0, 0);
    struct fdb_mirror_stats st;
    struct fk_dgram *g;
    struct nlmsghdr *nlh;
    (void)state;

    assert_int_equal(fdb_mirror_vni_ensure(m, 100), 0);
    assert_true(fdb_mirror_run(m, 64) > 0);     /* 3 GETLINKs in flight */
    /* a stray ACK with a sequence number nobody used, before the answers */
    g = dg_new();
    nlh = rp_put(g, NLMSG_ERROR, 0, 12345);
    ((struct nlmsgerr *)mnl_nlmsg_put_extra_header(nlh, sizeof(struct nlmsgerr)))->error = 0;
    rp_done(g, nlh);
    /* and a message that claims more bytes than the datagram holds */
    nlh = rp_put(g, NLMSG_ERROR, 0, 1);
    nlh->nlmsg_len = 4000;
    g->len += 16;
    /* first in the queue */
    fk.qh--;
    fk.q[fk.qh % FK_Q] = g;
    settle(m, 64);
    fdb_mirror_get_stats(m, &st);
    assert_int_equal(st.unexpected, 2);
    assert_non_null(link_by_name("vtdpt100"));
    fdb_mirror_close(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_ensure_from_empty, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ensure_idempotent, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ensure_repairs, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ensure_fails, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mac_add_del, setup, teardown),
        cmocka_unit_test_setup_teardown(test_coalesce, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ip_bindings, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reconcile, setup, teardown),
        cmocka_unit_test_setup_teardown(test_delete_after_move, setup, teardown),
        cmocka_unit_test_setup_teardown(test_error_no_storm, setup, teardown),
        cmocka_unit_test_setup_teardown(test_budget_and_window, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lost_replies, setup, teardown),
        cmocka_unit_test_setup_teardown(test_send_failure, setup, teardown),
        cmocka_unit_test_setup_teardown(test_port_vanished, setup, teardown),
        cmocka_unit_test_setup_teardown(test_remove, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_input, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unexpected, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
