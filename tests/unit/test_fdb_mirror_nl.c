/* Unit tests for the fdb mirror's netlink messages
 * (control/evpn/fdb_mirror_nl.c).
 *
 * Builders: each request is built into a buffer and checked field by field
 * and attribute by attribute (walked here with plain pointer arithmetic,
 * not with the parser under test); every builder is also given every
 * buffer size too small for its message and must refuse without writing
 * past it. Parsers: real kernel replies captured by
 * tests/fixtures/gen_fdb_mirror_replies.py (fdb-mirror-replies.bin), and
 * every truncation of them.
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

#include <linux/if_link.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>

#include "fdb_mirror_nl.h"

static const uint8_t mac1[6] = {0x02, 0, 0, 0, 0x10, 0x01};

/* ---- a minimal independent attribute walker ---- */

struct a {
    uint16_t type;
    uint16_t len;           /* payload length */
    const uint8_t *p;
};

/* Attributes at buf[0..len) into out[]; returns the count, -1 if malformed. */
static int attrs(const uint8_t *buf, size_t len, struct a *out, int max)
{
    size_t off = 0;
    int n = 0;

    while (off + 4 <= len) {
        uint16_t alen, atype;

        memcpy(&alen, buf + off, 2);
        memcpy(&atype, buf + off + 2, 2);
        if (alen < 4 || off + alen > len || n >= max)
            return -1;
        out[n].type = atype & NLA_TYPE_MASK;
        out[n].len = (uint16_t)(alen - 4);
        out[n].p = buf + off + 4;
        n++;
        off += (alen + 3u) & ~3u;
    }
    return off == len || off == ((len + 3) & ~3u) ? n : -1;
}

static const struct a *find(const struct a *as, int n, uint16_t type)
{
    int i;

    for (i = 0; i < n; i++)
        if (as[i].type == type)
            return &as[i];
    return NULL;
}

static uint32_t u32at(const uint8_t *p)
{
    uint32_t v;

    memcpy(&v, p, 4);
    return v;
}

/* header checks common to every request */
static const struct nlmsghdr *hdr(const uint8_t *buf, int len, uint16_t type, uint16_t flags,
                                  uint32_t seq)
{
    const struct nlmsghdr *nlh = (const struct nlmsghdr *)buf;

    assert_true(len >= (int)sizeof(*nlh));
    assert_int_equal(nlh->nlmsg_len, (uint32_t)len);
    assert_int_equal(nlh->nlmsg_type, type);
    assert_int_equal(nlh->nlmsg_flags, flags);
    assert_int_equal(nlh->nlmsg_seq, seq);
    assert_int_equal(nlh->nlmsg_pid, 0);
    return nlh;
}

/* ---- builders ---- */

static void test_fdb_add_del(void **state)
{
    uint8_t buf[256];
    const struct ndmsg *ndm;
    struct a as[8];
    int len, n;
    (void)state;

    len = fm_build_fdb(buf, sizeof(buf), 7, true, 42, mac1);
    assert_int_equal(len, 16 + 12 + 12);
    hdr(buf, len, RTM_NEWNEIGH, NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_REPLACE, 7);
    ndm = (const struct ndmsg *)(buf + 16);
    assert_int_equal(ndm->ndm_family, AF_BRIDGE);
    assert_int_equal(ndm->ndm_ifindex, 42);
    assert_int_equal(ndm->ndm_state, NUD_NOARP);       /* static: not permanent, not dynamic */
    assert_int_equal(ndm->ndm_flags, NTF_MASTER);      /* not sticky, not extern_learn */
    n = attrs(buf + 28, (size_t)len - 28, as, 8);
    assert_int_equal(n, 1);
    assert_int_equal(as[0].type, NDA_LLADDR);
    assert_int_equal(as[0].len, 6);
    assert_memory_equal(as[0].p, mac1, 6);

    len = fm_build_fdb(buf, sizeof(buf), 8, false, 42, mac1);
    assert_int_equal(len, 40);
    hdr(buf, len, RTM_DELNEIGH, NLM_F_REQUEST | NLM_F_ACK, 8);
    ndm = (const struct ndmsg *)(buf + 16);
    assert_int_equal(ndm->ndm_ifindex, 42);
    assert_int_equal(ndm->ndm_flags, NTF_MASTER);

    assert_int_equal(fm_build_fdb(buf, sizeof(buf), 1, true, 0, mac1), -EINVAL);
    assert_int_equal(fm_build_fdb(buf, sizeof(buf), 1, true, 3, NULL), -EINVAL);
}

static void test_neigh_add_del(void **state)
{
    uint8_t buf[256];
    const struct ndmsg *ndm;
    struct a as[8];
    uint32_t ip = inet_addr("203.0.113.11");
    int len, n;
    (void)state;

    len = fm_build_neigh(buf, sizeof(buf), 9, true, 5, ip, mac1);
    assert_int_equal(len, 16 + 12 + 8 + 12);
    hdr(buf, len, RTM_NEWNEIGH, NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_REPLACE, 9);
    ndm = (const struct ndmsg *)(buf + 16);
    assert_int_equal(ndm->ndm_family, AF_INET);
    assert_int_equal(ndm->ndm_ifindex, 5);
    assert_int_equal(ndm->ndm_state, NUD_PERMANENT);   /* exempt from neighbour GC */
    assert_int_equal(ndm->ndm_flags, 0);               /* not NTF_EXT_LEARNED: zebra's remote mark */
    n = attrs(buf + 28, (size_t)len - 28, as, 8);
    assert_int_equal(n, 2);
    assert_non_null(find(as, n, NDA_DST));
    assert_int_equal(find(as, n, NDA_DST)->len, 4);
    assert_int_equal(u32at(find(as, n, NDA_DST)->p), ip);
    assert_memory_equal(find(as, n, NDA_LLADDR)->p, mac1, 6);

    len = fm_build_neigh(buf, sizeof(buf), 10, false, 5, ip, NULL);
    hdr(buf, len, RTM_DELNEIGH, NLM_F_REQUEST | NLM_F_ACK, 10);
    n = attrs(buf + 28, (size_t)len - 28, as, 8);
    assert_int_equal(n, 1);
    assert_int_equal(as[0].type, NDA_DST);
    assert_int_equal(fm_build_neigh(buf, sizeof(buf), 1, true, 5, ip, NULL), -EINVAL);
}

static void test_getlink_dellink(void **state)
{
    uint8_t buf[128];
    const struct ifinfomsg *ifi;
    struct a as[4];
    int len, n;
    (void)state;

    len = fm_build_getlink(buf, sizeof(buf), 11, "vtdbr100");
    hdr(buf, len, RTM_GETLINK, NLM_F_REQUEST | NLM_F_ACK, 11);
    ifi = (const struct ifinfomsg *)(buf + 16);
    assert_int_equal(ifi->ifi_index, 0);
    n = attrs(buf + 32, (size_t)len - 32, as, 4);
    assert_int_equal(n, 1);
    assert_int_equal(as[0].type, IFLA_IFNAME);
    assert_string_equal((const char *)as[0].p, "vtdbr100");
    assert_int_equal(as[0].len, 9);

    len = fm_build_dellink(buf, sizeof(buf), 12, "vtdvx100");
    hdr(buf, len, RTM_DELLINK, NLM_F_REQUEST | NLM_F_ACK, 12);
    assert_int_equal(fm_build_getlink(buf, sizeof(buf), 1, ""), -EINVAL);
    assert_int_equal(fm_build_getlink(buf, sizeof(buf), 1, "0123456789abcdef"), -EINVAL);
}

static void test_new_bridge(void **state)
{
    uint8_t buf[256];
    const struct ifinfomsg *ifi;
    struct a as[8], li[4], data[4];
    const struct a *p;
    int len, n, nli, nd;
    (void)state;

    len = fm_build_new_bridge(buf, sizeof(buf), 13, "vtdbr100");
    hdr(buf, len, RTM_NEWLINK, NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL, 13);
    ifi = (const struct ifinfomsg *)(buf + 16);
    assert_int_equal(ifi->ifi_change, IFF_UP);   /* created down */
    assert_int_equal(ifi->ifi_flags, 0);
    n = attrs(buf + 32, (size_t)len - 32, as, 8);
    assert_int_equal(n, 2);
    assert_string_equal((const char *)find(as, n, IFLA_IFNAME)->p, "vtdbr100");
    p = find(as, n, IFLA_LINKINFO);
    assert_non_null(p);
    nli = attrs(p->p, p->len, li, 4);
    assert_int_equal(nli, 2);
    assert_string_equal((const char *)find(li, nli, IFLA_INFO_KIND)->p, "bridge");
    p = find(li, nli, IFLA_INFO_DATA);
    nd = attrs(p->p, p->len, data, 4);
    assert_int_equal(nd, 1);
    assert_int_equal(data[0].type, IFLA_BR_MCAST_SNOOPING);
    assert_int_equal(data[0].len, 1);
    assert_int_equal(data[0].p[0], 0);
}

static void test_new_vxlan(void **state)
{
    uint8_t buf[256];
    struct a as[8], li[4], data[8];
    const struct a *p;
    uint32_t local = inet_addr("192.0.2.1");
    uint16_t port;
    int len, n, nli, nd;
    (void)state;

    len = fm_build_new_vxlan(buf, sizeof(buf), 14, "vtdvx100", 100, local, 4789, 17);
    hdr(buf, len, RTM_NEWLINK, NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL, 14);
    n = attrs(buf + 32, (size_t)len - 32, as, 8);
    assert_int_equal(n, 3);
    assert_string_equal((const char *)find(as, n, IFLA_IFNAME)->p, "vtdvx100");
    assert_int_equal(u32at(find(as, n, IFLA_MASTER)->p), 17);
    p = find(as, n, IFLA_LINKINFO);
    nli = attrs(p->p, p->len, li, 4);
    assert_int_equal(nli, 2);
    assert_string_equal((const char *)find(li, nli, IFLA_INFO_KIND)->p, "vxlan");
    p = find(li, nli, IFLA_INFO_DATA);
    nd = attrs(p->p, p->len, data, 8);
    assert_int_equal(nd, 4);
    assert_int_equal(u32at(find(data, nd, IFLA_VXLAN_ID)->p), 100);
    assert_int_equal(find(data, nd, IFLA_VXLAN_LOCAL)->len, 4);
    assert_int_equal(u32at(find(data, nd, IFLA_VXLAN_LOCAL)->p), local);
    assert_int_equal(find(data, nd, IFLA_VXLAN_PORT)->len, 2);
    memcpy(&port, find(data, nd, IFLA_VXLAN_PORT)->p, 2);
    assert_int_equal(ntohs(port), 4789);        /* network order on the wire */
    assert_int_equal(find(data, nd, IFLA_VXLAN_LEARNING)->len, 1);
    assert_int_equal(find(data, nd, IFLA_VXLAN_LEARNING)->p[0], 0);

    assert_int_equal(fm_build_new_vxlan(buf, sizeof(buf), 1, "x", 0, local, 4789, 1), -EINVAL);
    assert_int_equal(fm_build_new_vxlan(buf, sizeof(buf), 1, "x", 1u << 24, local, 4789, 1), -EINVAL);
    assert_int_equal(fm_build_new_vxlan(buf, sizeof(buf), 1, "x", 5, local, 4789, 0), -EINVAL);
}

static void test_new_veth(void **state)
{
    uint8_t buf[256];
    struct a as[8], li[4], data[4], peer[4];
    const struct a *p;
    const struct ifinfomsg *pifi;
    int len, n, nli, nd, np;
    (void)state;

    len = fm_build_new_veth(buf, sizeof(buf), 15, "vtdpt100", "vtdpp100", 17);
    hdr(buf, len, RTM_NEWLINK, NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL, 15);
    n = attrs(buf + 32, (size_t)len - 32, as, 8);
    assert_int_equal(n, 3);
    assert_string_equal((const char *)find(as, n, IFLA_IFNAME)->p, "vtdpt100");
    assert_int_equal(u32at(find(as, n, IFLA_MASTER)->p), 17);
    p = find(as, n, IFLA_LINKINFO);
    nli = attrs(p->p, p->len, li, 4);
    assert_string_equal((const char *)find(li, nli, IFLA_INFO_KIND)->p, "veth");
    p = find(li, nli, IFLA_INFO_DATA);
    nd = attrs(p->p, p->len, data, 4);
    assert_int_equal(nd, 1);
    assert_int_equal(data[0].type, 1);          /* VETH_INFO_PEER */
    /* the peer: its own ifinfomsg (down), then its name */
    assert_true(data[0].len >= 16);
    pifi = (const struct ifinfomsg *)data[0].p;
    assert_int_equal(pifi->ifi_change, IFF_UP);
    assert_int_equal(pifi->ifi_flags, 0);
    assert_int_equal(pifi->ifi_index, 0);
    np = attrs(data[0].p + 16, data[0].len - 16u, peer, 4);
    assert_int_equal(np, 1);
    assert_int_equal(peer[0].type, IFLA_IFNAME);
    assert_string_equal((const char *)peer[0].p, "vtdpp100");
}

static void test_setlink_addrgen(void **state)
{
    uint8_t buf[128];
    const struct ifinfomsg *ifi;
    struct a as[4], in6[2], mode[2];
    int len, n;
    (void)state;

    len = fm_build_setlink(buf, sizeof(buf), 16, 23, 17, true);
    hdr(buf, len, RTM_NEWLINK, NLM_F_REQUEST | NLM_F_ACK, 16);   /* no CREATE: existing only */
    ifi = (const struct ifinfomsg *)(buf + 16);
    assert_int_equal(ifi->ifi_index, 23);
    assert_int_equal(ifi->ifi_change, IFF_UP);
    assert_int_equal(ifi->ifi_flags, IFF_UP);
    n = attrs(buf + 32, (size_t)len - 32, as, 4);
    assert_int_equal(n, 1);
    assert_int_equal(as[0].type, IFLA_MASTER);
    assert_int_equal(u32at(as[0].p), 17);

    len = fm_build_setlink(buf, sizeof(buf), 17, 17, 0, true);   /* the bridge: no master */
    assert_int_equal(len, 32);

    len = fm_build_addrgen_none(buf, sizeof(buf), 18, 23);
    hdr(buf, len, RTM_NEWLINK, NLM_F_REQUEST | NLM_F_ACK, 18);
    ifi = (const struct ifinfomsg *)(buf + 16);
    assert_int_equal(ifi->ifi_index, 23);
    assert_int_equal(ifi->ifi_change, 0);       /* flags untouched: it stays down */
    n = attrs(buf + 32, (size_t)len - 32, as, 4);
    assert_int_equal(n, 1);
    assert_int_equal(as[0].type, IFLA_AF_SPEC);
    n = attrs(as[0].p, as[0].len, in6, 2);
    assert_int_equal(n, 1);
    assert_int_equal(in6[0].type, AF_INET6);
    n = attrs(in6[0].p, in6[0].len, mode, 2);
    assert_int_equal(n, 1);
    assert_int_equal(mode[0].type, IFLA_INET6_ADDR_GEN_MODE);
    assert_int_equal(mode[0].p[0], IN6_ADDR_GEN_MODE_NONE);
}

static void test_dumps(void **state)
{
    uint8_t buf[128];
    const struct ndmsg *ndm;
    struct a as[2];
    int len;
    (void)state;

    len = fm_build_fdb_dump(buf, sizeof(buf), 19, 23);
    hdr(buf, len, RTM_GETNEIGH, NLM_F_REQUEST | NLM_F_DUMP, 19);  /* ends with DONE, no ACK */
    assert_int_equal(len, 28);
    ndm = (const struct ndmsg *)(buf + 16);
    assert_int_equal(ndm->ndm_family, AF_BRIDGE);
    assert_int_equal(ndm->ndm_ifindex, 23);
    /* strict dump checking refuses any other header field */
    assert_int_equal(ndm->ndm_state, 0);
    assert_int_equal(ndm->ndm_flags, 0);
    assert_int_equal(ndm->ndm_type, 0);

    len = fm_build_neigh_dump(buf, sizeof(buf), 20, 17);
    hdr(buf, len, RTM_GETNEIGH, NLM_F_REQUEST | NLM_F_DUMP, 20);
    ndm = (const struct ndmsg *)(buf + 16);
    assert_int_equal(ndm->ndm_family, AF_INET);
    assert_int_equal(ndm->ndm_ifindex, 0);      /* must be 0 with strict checking */
    assert_int_equal(attrs(buf + 28, (size_t)len - 28, as, 2), 1);
    assert_int_equal(as[0].type, NDA_IFINDEX);
    assert_int_equal(u32at(as[0].p), 17);
}

/* Every builder, every size below what it needs: -ENOSPC and nothing
 * written past the size given. */
static int build_any(int which, uint8_t *buf, size_t size)
{
    switch (which) {
    case 0: return fm_build_fdb(buf, size, 1, true, 3, mac1);
    case 1: return fm_build_neigh(buf, size, 1, true, 3, 0x0100000a, mac1);
    case 2: return fm_build_getlink(buf, size, 1, "vtdbr100");
    case 3: return fm_build_new_bridge(buf, size, 1, "vtdbr100");
    case 4: return fm_build_new_vxlan(buf, size, 1, "vtdvx100", 100, 0x0100000a, 4789, 3);
    case 5: return fm_build_new_veth(buf, size, 1, "vtdpt100", "vtdpp100", 3);
    case 6: return fm_build_addrgen_none(buf, size, 1, 3);
    case 7: return fm_build_setlink(buf, size, 1, 3, 4, true);
    case 8: return fm_build_fdb_dump(buf, size, 1, 3);
    default: return fm_build_neigh_dump(buf, size, 1, 3);
    }
}

static void test_no_overflow(void **state)
{
    uint8_t buf[512];
    int which, full;
    size_t size, i;
    (void)state;

    for (which = 0; which < 10; which++) {
        full = build_any(which, buf, sizeof(buf));
        assert_true(full > 16);
        for (size = 0; size < (size_t)full; size++) {
            memset(buf, 0xa5, sizeof(buf));
            assert_int_equal(build_any(which, buf, size), -ENOSPC);
            for (i = size; i < sizeof(buf); i++)
                if (buf[i] != 0xa5)
                    fail_msg("builder %d wrote byte %zu with size %zu", which, i, size);
        }
        assert_int_equal(build_any(which, buf, (size_t)full), full);
    }
}

/* ---- parsers, on real kernel replies ---- */

struct rec {
    uint16_t tag;
    uint32_t len;
    uint8_t *d;
};

static struct rec recs[64];
static int nrecs;
static uint8_t *blob;
static uint8_t *aligned; /* the records again, each at an 8-byte boundary, as a
                          * recv() buffer holds a datagram */

static int load_fixture(void **state)
{
    FILE *f = fopen(FDB_MIRROR_FIXTURE_PATH, "rb");
    long sz;
    size_t off = 0;
    (void)state;

    if (f == NULL)
        return -1;
    fseek(f, 0, SEEK_END);
    sz = ftell(f);
    fseek(f, 0, SEEK_SET);
    blob = malloc((size_t)sz);
    if (blob == NULL || fread(blob, 1, (size_t)sz, f) != (size_t)sz) {
        fclose(f);
        return -1;
    }
    fclose(f);
    aligned = malloc((size_t)sz + 8 * 64);
    if (aligned == NULL)
        return -1;
    nrecs = 0;
    size_t aoff = 0;
    while (off + 6 <= (size_t)sz && nrecs < 64) {
        memcpy(&recs[nrecs].tag, blob + off, 2);
        memcpy(&recs[nrecs].len, blob + off + 2, 4);
        off += 6;
        if (off + recs[nrecs].len > (size_t)sz)
            return -1;
        recs[nrecs].d = aligned + aoff;
        memcpy(recs[nrecs].d, blob + off, recs[nrecs].len);
        aoff += (recs[nrecs].len + 7u) & ~(size_t)7;
        off += recs[nrecs].len;
        nrecs++;
    }
    return 0;
}

static int free_fixture(void **state)
{
    (void)state;
    free(blob);
    free(aligned);
    return 0;
}

/* The messages of every datagram with this tag, in order. */
static int msgs(uint16_t tag, const struct nlmsghdr **out, int max)
{
    int i, n = 0;

    for (i = 0; i < nrecs; i++) {
        size_t off = 0, len;

        if (recs[i].tag != tag)
            continue;
        while ((len = fm_next_msg(recs[i].d, off, recs[i].len)) != 0 && n < max) {
            out[n++] = (const struct nlmsghdr *)(recs[i].d + off);
            off += len;
        }
    }
    return n;
}

static void test_parse_getlink(void **state)
{
    const struct nlmsghdr *m[8];
    struct fm_link l;
    const char *emsg;
    int n, err;
    (void)state;

    n = msgs(1, m, 8);
    assert_int_equal(n, 2);
    assert_int_equal(m[0]->nlmsg_type, RTM_NEWLINK);
    assert_int_equal(m[0]->nlmsg_seq, 101);
    assert_int_equal(fm_parse_link(m[0], &l), 0);
    assert_string_equal(l.name, "vvx100");
    assert_string_equal(l.kind, "vxlan");
    assert_true(l.ifindex > 0);
    assert_true(l.master > 0);
    assert_true(l.flags & IFF_UP);
    assert_true(l.has_vxlan);
    assert_int_equal(l.vxlan_id, 100);
    assert_int_equal(l.vxlan_local, inet_addr("192.0.2.1"));
    assert_int_equal(l.vxlan_port, 4789);
    assert_int_equal(l.vxlan_learning, 0);
    assert_int_equal(m[1]->nlmsg_type, NLMSG_ERROR);
    assert_int_equal(fm_parse_error(m[1], &err, &emsg), 0);
    assert_int_equal(err, 0);           /* the ACK after the reply */

    n = msgs(2, m, 8);
    assert_int_equal(n, 2);
    assert_int_equal(fm_parse_link(m[0], &l), 0);
    assert_string_equal(l.name, "vpt100");
    assert_string_equal(l.kind, "veth");
    assert_false(l.has_vxlan);
    assert_int_equal(l.vxlan_learning, -1);
    assert_true(l.master > 0);

    n = msgs(3, m, 8);
    assert_int_equal(n, 1);
    assert_int_equal(fm_parse_error(m[0], &err, &emsg), 0);
    assert_int_equal(err, -ENODEV);
}

static void test_parse_fdb_dump(void **state)
{
    const struct nlmsghdr *m[16];
    struct fm_neigh e;
    int n, i, statics = 0, ext = 0, perm = 0, self = 0, done = 0, master = 0;
    (void)state;

    n = msgs(4, m, 16);
    assert_true(n >= 4);
    for (i = 0; i < n; i++) {
        assert_int_equal(m[i]->nlmsg_seq, 104);
        if (m[i]->nlmsg_type == NLMSG_DONE) {
            done++;
            continue;
        }
        assert_int_equal(m[i]->nlmsg_type, RTM_NEWNEIGH);
        assert_int_equal(fm_parse_neigh(m[i], &e), 0);
        assert_int_equal(e.family, AF_BRIDGE);
        assert_true(e.has_lladdr);
        if (e.flags & NTF_SELF) {
            self++;                     /* the port's own address lists */
            assert_int_equal(e.master, 0);
            continue;
        }
        assert_true(e.master > 0);      /* the bridge names itself in NDA_MASTER */
        if (master == 0)
            master = e.master;
        assert_int_equal(e.master, master);
        if (e.state & NUD_PERMANENT) {
            perm++;                     /* the port's own MAC: never ours */
        } else if (e.flags & NTF_EXT_LEARNED) {
            ext++;
            assert_int_equal(e.lladdr[5], 0x02);
        } else {
            assert_int_equal(e.state, NUD_NOARP);
            assert_memory_equal(e.lladdr, mac1, 6);
            statics++;
        }
    }
    assert_int_equal(done, 1);
    assert_int_equal(statics, 1);
    assert_int_equal(ext, 1);
    assert_int_equal(perm, 1);
    assert_true(self >= 1);
}

static void test_parse_neigh_dump(void **state)
{
    const struct nlmsghdr *m[8];
    struct fm_neigh e;
    int n, i, ours = 0, zebra = 0;
    (void)state;

    n = msgs(5, m, 8);
    assert_int_equal(n, 3);
    assert_int_equal(m[2]->nlmsg_type, NLMSG_DONE);
    for (i = 0; i < 2; i++) {
        assert_int_equal(fm_parse_neigh(m[i], &e), 0);
        assert_int_equal(e.family, AF_INET);
        assert_true(e.has_dst);
        assert_true(e.has_lladdr);
        if (e.dst == inet_addr("203.0.113.11")) {
            assert_true(e.state & NUD_PERMANENT);
            assert_false(e.flags & NTF_EXT_LEARNED);
            assert_memory_equal(e.lladdr, mac1, 6);
            ours++;
        } else {
            assert_int_equal(e.dst, inet_addr("203.0.113.12"));
            assert_true(e.flags & NTF_EXT_LEARNED);
            zebra++;
        }
    }
    assert_int_equal(ours, 1);
    assert_int_equal(zebra, 1);
}

static void test_parse_errors(void **state)
{
    const struct nlmsghdr *m[4];
    const char *emsg;
    int err;
    (void)state;

    assert_int_equal(msgs(6, m, 4), 1);
    assert_int_equal(fm_parse_error(m[0], &err, &emsg), 0);
    assert_int_equal(err, -ENOENT);     /* deleting what is not there */

    assert_int_equal(msgs(7, m, 4), 1);
    assert_int_equal(fm_parse_error(m[0], &err, &emsg), 0);
    assert_true(err < 0);
    assert_non_null(emsg);              /* the kernel's extended-ACK text */
    assert_true(strlen(emsg) > 0);
    print_message("      kernel said: %s (%s)\n", emsg, strerror(-err));
}

/* Every message of the fixture cut at every length: the parsers return 0
 * or -EINVAL and never read past the cut (the copy is exactly that long,
 * so a sanitizer build would catch a read past it). */
static void test_truncations(void **state)
{
    int i, cuts = 0;
    (void)state;

    for (i = 0; i < nrecs; i++) {
        size_t off = 0, len;

        while ((len = fm_next_msg(recs[i].d, off, recs[i].len)) != 0) {
            const struct nlmsghdr *orig = (const struct nlmsghdr *)(recs[i].d + off);
            uint32_t full = orig->nlmsg_len, cut;

            for (cut = 16; cut < full; cut++) {
                uint8_t *c = malloc(cut);
                struct nlmsghdr *h;
                struct fm_link l;
                struct fm_neigh e;
                int err, r;

                assert_non_null(c);
                memcpy(c, orig, cut);
                h = (struct nlmsghdr *)c;
                h->nlmsg_len = cut;
                r = fm_parse_link(h, &l);
                assert_true(r == 0 || r == -EINVAL);
                r = fm_parse_neigh(h, &e);
                assert_true(r == 0 || r == -EINVAL);
                r = fm_parse_error(h, &err, NULL);
                assert_true(r == 0 || r == -EINVAL);
                assert_int_equal(fm_next_msg(c, 0, cut), cut);
                free(c);
                cuts++;
            }
            off += len;
        }
    }
    assert_true(cuts > 1000);
}

static void test_next_msg(void **state)
{
    uint8_t buf[64];
    struct nlmsghdr *h = (struct nlmsghdr *)buf;
    (void)state;

    memset(buf, 0, sizeof(buf));
    h->nlmsg_len = 20;
    assert_int_equal(fm_next_msg(buf, 0, 64), 20);
    assert_int_equal(fm_next_msg(buf, 0, 19), 0);   /* claims more than there is */
    h->nlmsg_len = 8;
    assert_int_equal(fm_next_msg(buf, 0, 64), 0);   /* shorter than a header */
    h->nlmsg_len = 18;
    assert_int_equal(fm_next_msg(buf, 0, 64), 20);  /* padded to 4 */
    assert_int_equal(fm_next_msg(buf, 0, 18), 18);  /* last message, padding cut */
    assert_int_equal(fm_next_msg(buf, 60, 64), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fdb_add_del),
        cmocka_unit_test(test_neigh_add_del),
        cmocka_unit_test(test_getlink_dellink),
        cmocka_unit_test(test_new_bridge),
        cmocka_unit_test(test_new_vxlan),
        cmocka_unit_test(test_new_veth),
        cmocka_unit_test(test_setlink_addrgen),
        cmocka_unit_test(test_dumps),
        cmocka_unit_test(test_no_overflow),
        cmocka_unit_test(test_next_msg),
        cmocka_unit_test(test_parse_getlink),
        cmocka_unit_test(test_parse_fdb_dump),
        cmocka_unit_test(test_parse_neigh_dump),
        cmocka_unit_test(test_parse_errors),
        cmocka_unit_test(test_truncations),
    };

    return cmocka_run_group_tests(tests, load_fixture, free_fixture);
}
