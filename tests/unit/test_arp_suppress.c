/* Unit tests for the ARP suppression table (control/punt/arp_suppress.c):
 * every verdict, the reply built in place byte by byte, snooping, the
 * conflict rules with their hold time, ageing with a budget, callbacks,
 * limits, and malformed frames (every truncation, every bad field). */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "arp_suppress.h"

static const uint8_t A[6] = {0x02, 0, 0, 0, 0xaa, 0x01};    /* the asker */
static const uint8_t L[6] = {0x02, 0, 0, 0, 0xaa, 0x02};    /* a local host */
static const uint8_t L2[6] = {0x02, 0, 0, 0, 0xaa, 0x03};
static const uint8_t R[6] = {0x02, 0, 0, 0, 0xbb, 0x01};    /* a remote host */
static const uint8_t R2[6] = {0x02, 0, 0, 0, 0xbb, 0x02};
static const uint8_t BC[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

static uint32_t ip(const char *s)
{
    return inet_addr(s);
}

/* An ARP frame: eth src = sha, dst broadcast; tag > 0 adds an 802.1Q tag.
 * Returns its length (60, or 64 with the tag). */
static uint32_t arp(uint8_t *f, uint16_t op, const uint8_t *sha, const char *spa,
                    const char *tpa, int tag)
{
    uint32_t s = ip(spa), t = ip(tpa), off = 14;

    memset(f, 0, 64);
    memcpy(f, BC, 6);
    memcpy(f + 6, sha, 6);
    if (tag > 0) {
        f[12] = 0x81;
        f[13] = 0x00;
        f[14] = (uint8_t)(tag >> 8);
        f[15] = (uint8_t)tag;
        off = 18;
    }
    f[off - 2] = 0x08;
    f[off - 1] = 0x06;
    f[off + 1] = 1;
    f[off + 2] = 0x08;
    f[off + 4] = 6;
    f[off + 5] = 4;
    f[off + 7] = (uint8_t)op;
    memcpy(f + off + 8, sha, 6);
    memcpy(f + off + 14, &s, 4);
    memcpy(f + off + 24, &t, 4);
    return tag > 0 ? 64 : 60;
}

static struct arps_table *tab;
static int cb_calls;
static uint32_t cb_ip;
static uint8_t cb_mac[6];
static bool cb_removed;

static void on_local(void *arg, uint32_t vni, uint32_t addr, const uint8_t *mac)
{
    (void)arg;
    assert_true(vni != 0);
    cb_calls++;
    cb_ip = addr;
    cb_removed = mac == NULL;
    if (mac != NULL)
        memcpy(cb_mac, mac, 6);
}

static int setup(void **state)
{
    struct arps_params p = { .max_bindings = 1000, .local_ttl_ms = 60000, .conflict_hold_ms = 3000 };
    struct arps_callbacks cb = { on_local, NULL };
    (void)state;

    cb_calls = 0;
    tab = arps_create(&p, &cb);
    return tab == NULL ? -1 : 0;
}

static int teardown(void **state)
{
    (void)state;
    arps_destroy(tab);
    return 0;
}

static struct arps_counters ctr(void)
{
    struct arps_counters c;

    arps_get_counters(tab, &c);
    return c;
}

static void check_reply(const uint8_t *f, uint32_t off, const uint8_t *from, const char *fromip,
                        const uint8_t *to, const char *toip)
{
    uint32_t s = ip(fromip), t = ip(toip);

    assert_memory_equal(f, to, 6);          /* back to the asker */
    assert_memory_equal(f + 6, from, 6);
    assert_int_equal(f[off - 2], 0x08);
    assert_int_equal(f[off - 1], 0x06);
    assert_int_equal(f[off], 0);
    assert_int_equal(f[off + 1], 1);
    assert_int_equal(f[off + 2], 0x08);
    assert_int_equal(f[off + 3], 0);
    assert_int_equal(f[off + 4], 6);
    assert_int_equal(f[off + 5], 4);
    assert_int_equal(f[off + 6], 0);
    assert_int_equal(f[off + 7], 2);        /* reply */
    assert_memory_equal(f + off + 8, from, 6);
    assert_memory_equal(f + off + 14, &s, 4);
    assert_memory_equal(f + off + 18, to, 6);
    assert_memory_equal(f + off + 24, &t, 4);
}

static void test_unknown_floods_and_snoops(void **state)
{
    uint8_t f[64];
    uint32_t n = arp(f, 1, A, "203.0.113.1", "203.0.113.9", 0), out = 99;
    struct arps_binding b;
    (void)state;

    assert_int_equal(arps_handle(tab, 100, f, n, 1000, &out), ARPS_FLOOD);
    assert_int_equal(out, 0);
    assert_int_equal(ctr().flood_unknown, 1);
    assert_int_equal(ctr().requests, 1);
    /* the asker was learned */
    assert_int_equal(arps_lookup(tab, 100, ip("203.0.113.1"), 1000, &b), 0);
    assert_true(b.has_local);
    assert_false(b.has_remote);
    assert_memory_equal(b.local_mac, A, 6);
    assert_int_equal(cb_calls, 1);
    assert_int_equal(cb_ip, ip("203.0.113.1"));
    assert_memory_equal(cb_mac, A, 6);
    /* refreshing it is not a change */
    n = arp(f, 1, A, "203.0.113.1", "203.0.113.9", 0);
    arps_handle(tab, 100, f, n, 2000, &out);
    assert_int_equal(cb_calls, 1);
    assert_int_equal(ctr().snooped, 2);
}

static void test_answer_remote(void **state)
{
    uint8_t f[64];
    uint32_t n, out = 0, i;
    (void)state;

    assert_int_equal(arps_remote_set(tab, 100, ip("203.0.113.2"), R, ip("192.0.2.2"), 0, 0), 0);
    n = arp(f, 1, A, "203.0.113.1", "203.0.113.2", 0);
    memset(f + 42, 0xee, 22);               /* the asker's padding: not echoed */
    assert_int_equal(arps_handle(tab, 100, f, 64, 10, &out), ARPS_ANSWER);
    assert_int_equal(out, 60);
    check_reply(f, 14, R, "203.0.113.2", A, "203.0.113.1");
    for (i = 42; i < 60; i++)
        assert_int_equal(f[i], 0);
    assert_int_equal(ctr().answered, 1);
    assert_int_equal(ctr().flooded, 0);
    assert_int_equal(cb_calls, 1);          /* the asker snooped; the remote one is no callback */
    /* another VNI knows nothing about it */
    n = arp(f, 1, A, "203.0.113.1", "203.0.113.2", 0);
    assert_int_equal(arps_handle(tab, 200, f, n, 10, &out), ARPS_FLOOD);
}

static void test_answer_local_and_tagged(void **state)
{
    uint8_t f[64];
    uint32_t n, out;
    (void)state;

    /* L announces itself by asking for someone */
    n = arp(f, 1, L, "203.0.113.3", "203.0.113.254", 0);
    assert_int_equal(arps_handle(tab, 100, f, n, 0, &out), ARPS_FLOOD);
    /* A asks for L's address, on VLAN 10: answered, tag kept */
    n = arp(f, 1, A, "203.0.113.1", "203.0.113.3", 10);
    assert_int_equal(arps_handle(tab, 100, f, n, 5, &out), ARPS_ANSWER);
    assert_int_equal(out, 60);
    assert_int_equal(f[12], 0x81);
    assert_int_equal(f[13], 0x00);
    assert_int_equal(f[14], 0);
    assert_int_equal(f[15], 10);
    check_reply(f, 18, L, "203.0.113.3", A, "203.0.113.1");
    assert_int_equal(f[46], 0);
    assert_int_equal(f[59], 0);
    /* an unpadded request (42 bytes): the reply is 42 bytes */
    n = arp(f, 1, A, "203.0.113.1", "203.0.113.3", 0);
    assert_int_equal(arps_handle(tab, 100, f, 42, 6, &out), ARPS_ANSWER);
    assert_int_equal(out, 42);
    (void)n;
}

static void test_gratuitous_probe_reply(void **state)
{
    uint8_t f[64];
    uint32_t n, out;
    struct arps_binding b;
    (void)state;

    assert_int_equal(arps_remote_set(tab, 100, ip("203.0.113.2"), R, ip("192.0.2.2"), 0, 0), 0);
    /* gratuitous request and reply: flooded, learned, never answered */
    n = arp(f, 1, L, "203.0.113.5", "203.0.113.5", 0);
    assert_int_equal(arps_handle(tab, 100, f, n, 1, &out), ARPS_FLOOD);
    n = arp(f, 2, L2, "203.0.113.6", "203.0.113.6", 0);
    assert_int_equal(arps_handle(tab, 100, f, n, 2, &out), ARPS_FLOOD);
    assert_int_equal(ctr().gratuitous, 2);
    assert_int_equal(arps_lookup(tab, 100, ip("203.0.113.6"), 2, &b), 0);
    assert_memory_equal(b.local_mac, L2, 6);
    /* a probe for a known address: flooded (the owner must answer), and
     * its sender (0.0.0.0) not learned */
    n = arp(f, 1, A, "0.0.0.0", "203.0.113.2", 0);
    assert_int_equal(arps_handle(tab, 100, f, n, 3, &out), ARPS_FLOOD);
    assert_int_equal(ctr().probes, 1);
    assert_int_equal(arps_count(tab), 3);
    /* a reply: forwarded, its sender learned */
    n = arp(f, 2, L, "203.0.113.7", "203.0.113.1", 0);
    memcpy(f, A, 6);
    assert_int_equal(arps_handle(tab, 100, f, n, 4, &out), ARPS_FLOOD);
    assert_int_equal(ctr().replies, 1);
    assert_int_equal(arps_lookup(tab, 100, ip("203.0.113.7"), 4, &b), 0);
    assert_int_equal(ctr().answered, 0);
    assert_int_equal(ctr().flooded, 4);
}

static void test_never_about_own_ip(void **state)
{
    uint8_t f[64];
    uint32_t n, out;
    (void)state;

    /* EVPN still says .2 is A (A has just moved here); A asks for .2 */
    assert_int_equal(arps_remote_set(tab, 100, ip("203.0.113.2"), A, ip("192.0.2.2"), 1, 0), 0);
    n = arp(f, 1, A, "203.0.113.1", "203.0.113.2", 0);
    assert_int_equal(arps_handle(tab, 100, f, n, 10, &out), ARPS_FLOOD);
    assert_int_equal(ctr().flood_own_ip, 1);
    assert_int_equal(ctr().answered, 0);
    /* and asking about the address it uses itself is gratuitous ARP */
    n = arp(f, 1, A, "203.0.113.1", "203.0.113.1", 0);
    assert_int_equal(arps_handle(tab, 100, f, n, 11, &out), ARPS_FLOOD);
    assert_int_equal(ctr().gratuitous, 1);
}

static void test_conflict_local_remote(void **state)
{
    uint8_t f[64];
    uint32_t n, out, x = ip("203.0.113.20");
    struct arps_binding b;
    (void)state;

    assert_int_equal(arps_remote_set(tab, 100, x, R, ip("192.0.2.2"), 0, 0), 0);
    assert_int_equal(ctr().conflicts, 0);
    /* a local host claims the same IP */
    assert_int_equal(arps_local_set(tab, 100, x, L, 10), 0);
    assert_int_equal(ctr().conflicts, 1);
    assert_int_equal(arps_lookup(tab, 100, x, 20, &b), 0);
    assert_true(b.conflict);
    assert_true(b.in_hold);
    assert_false(b.usable);
    /* within the hold: flooded */
    n = arp(f, 1, A, "203.0.113.1", "203.0.113.20", 0);
    assert_int_equal(arps_handle(tab, 100, f, n, 2000, &out), ARPS_FLOOD);
    assert_int_equal(ctr().flood_conflict, 1);
    /* after it: the most recent evidence (the local one) */
    n = arp(f, 1, A, "203.0.113.1", "203.0.113.20", 0);
    assert_int_equal(arps_handle(tab, 100, f, n, 3010, &out), ARPS_ANSWER);
    check_reply(f, 14, L, "203.0.113.20", A, "203.0.113.1");
    /* EVPN announces it again with a new MAC (it moved on): a new conflict,
     * then the remote one is the newest */
    assert_int_equal(arps_remote_set(tab, 100, x, R2, ip("192.0.2.3"), 2, 5000), 0);
    assert_int_equal(ctr().conflicts, 2);
    n = arp(f, 1, A, "203.0.113.1", "203.0.113.20", 0);
    assert_int_equal(arps_handle(tab, 100, f, n, 7000, &out), ARPS_FLOOD);
    n = arp(f, 1, A, "203.0.113.1", "203.0.113.20", 0);
    assert_int_equal(arps_handle(tab, 100, f, n, 8001, &out), ARPS_ANSWER);
    check_reply(f, 14, R2, "203.0.113.20", A, "203.0.113.1");
    /* the same remote route refreshed: not a new conflict */
    assert_int_equal(arps_remote_set(tab, 100, x, R2, ip("192.0.2.3"), 2, 9000), 0);
    assert_int_equal(ctr().conflicts, 2);
    /* the local host speaks again (same MAC): no new conflict, and it is
     * now the newest evidence */
    n = arp(f, 1, L, "203.0.113.20", "203.0.113.254", 0);
    assert_int_equal(arps_handle(tab, 100, f, n, 10000, &out), ARPS_FLOOD);
    assert_int_equal(ctr().conflicts, 2);
    assert_int_equal(arps_lookup(tab, 100, x, 10001, &b), 0);
    assert_memory_equal(b.answer_mac, L, 6);
    /* the route goes: no conflict left, local answers */
    assert_int_equal(arps_remote_del(tab, 100, x, 11000), 0);
    assert_int_equal(arps_lookup(tab, 100, x, 11001, &b), 0);
    assert_false(b.conflict);
    assert_memory_equal(b.answer_mac, L, 6);
    /* agreement is no conflict */
    assert_int_equal(arps_remote_set(tab, 100, x, L, ip("192.0.2.2"), 3, 12000), 0);
    assert_int_equal(ctr().conflicts, 2);
}

static void test_conflict_local_local(void **state)
{
    uint8_t f[64];
    uint32_t n, out, x = ip("203.0.113.30");
    (void)state;

    n = arp(f, 1, L, "203.0.113.30", "203.0.113.254", 0);
    arps_handle(tab, 100, f, n, 0, &out);
    assert_int_equal(cb_calls, 1);
    /* another local host uses the same address */
    n = arp(f, 1, L2, "203.0.113.30", "203.0.113.254", 0);
    arps_handle(tab, 100, f, n, 100, &out);
    assert_int_equal(ctr().conflicts, 1);
    assert_int_equal(cb_calls, 2);
    assert_memory_equal(cb_mac, L2, 6);
    n = arp(f, 1, A, "203.0.113.1", "203.0.113.30", 0);
    assert_int_equal(arps_handle(tab, 100, f, n, 200, &out), ARPS_FLOOD);
    n = arp(f, 1, A, "203.0.113.1", "203.0.113.30", 0);
    assert_int_equal(arps_handle(tab, 100, f, n, 3101, &out), ARPS_ANSWER);
    check_reply(f, 14, L2, "203.0.113.30", A, "203.0.113.1");
    (void)x;
}

static void test_ageing(void **state)
{
    struct arps_params p = { .local_ttl_ms = 1000 };
    struct arps_callbacks cb = { on_local, NULL };
    struct arps_table *t = arps_create(&p, &cb);
    struct arps_binding b;
    uint8_t f[64], mac[6] = {2, 0, 0, 0, 0, 0};
    uint32_t n, out, i, removed = 0, calls = 0;
    (void)state;

    assert_non_null(t);
    for (i = 0; i < 10; i++) {
        mac[5] = (uint8_t)(i + 1);
        assert_int_equal(arps_local_set(t, 100, htonl(0xcb007100u + i), mac, i), 0);
    }
    assert_int_equal(arps_remote_set(t, 100, htonl(0xcb007100u), R, ip("192.0.2.2"), 0, 0), 0);
    assert_int_equal(arps_expire(t, 1000, 100), 0);
    /* expired but not yet swept: not used for answers */
    n = arp(f, 1, A, "203.0.113.200", "203.0.113.5", 0);
    assert_int_equal(arps_handle(t, 100, f, n, 1100, &out), ARPS_FLOOD);
    cb_calls = 0;
    /* a budget of 3 entries per call */
    while (removed < 10) {
        unsigned int r = arps_expire(t, 1100, 3);

        assert_true(r <= 3);
        removed += r;
        assert_true(++calls < 20);
    }
    assert_int_equal(cb_calls, 10);
    assert_true(cb_removed);
    /* the one with a remote binding stays, for its remote part */
    assert_int_equal(arps_lookup(t, 100, htonl(0xcb007100u), 1100, &b), 0);
    assert_false(b.has_local);
    assert_true(b.has_remote);
    assert_int_equal(arps_lookup(t, 100, htonl(0xcb007101u), 1100, &b), -ENOENT);
    /* the asker learned at 1100 */
    assert_int_equal(arps_count(t), 2);
    arps_destroy(t);
}

static void test_remote_del_and_limits(void **state)
{
    struct arps_params p = { .max_bindings = 2 };
    struct arps_table *t = arps_create(&p, NULL);
    struct arps_counters c;
    uint8_t f[64];
    uint32_t n, out;
    static const uint8_t mcast[6] = {0x01, 0, 0x5e, 0, 0, 1}, zero[6];
    (void)state;

    assert_non_null(t);
    assert_int_equal(arps_remote_del(t, 100, ip("203.0.113.2"), 0), -ENOENT);
    assert_int_equal(arps_remote_set(t, 100, ip("203.0.113.2"), mcast, 1, 0, 0), -EINVAL);
    assert_int_equal(arps_remote_set(t, 100, ip("203.0.113.2"), zero, 1, 0, 0), -EINVAL);
    assert_int_equal(arps_remote_set(t, 100, ip("224.0.0.1"), R, 1, 0, 0), -EINVAL);
    assert_int_equal(arps_remote_set(t, 100, ip("0.0.0.0"), R, 1, 0, 0), -EINVAL);
    assert_int_equal(arps_remote_set(t, 100, ip("203.0.113.2"), R, 1, 0, 0), 0);
    assert_int_equal(arps_remote_set(t, 200, ip("203.0.113.2"), R2, 1, 0, 0), 0);
    assert_int_equal(arps_remote_set(t, 300, ip("203.0.113.2"), R2, 1, 0, 0), -ENOSPC);
    /* full: the asker is not learned, the decision is still made */
    n = arp(f, 1, A, "203.0.113.1", "203.0.113.2", 0);
    assert_int_equal(arps_handle(t, 200, f, n, 1, &out), ARPS_ANSWER);
    check_reply(f, 14, R2, "203.0.113.2", A, "203.0.113.1");
    arps_get_counters(t, &c);
    assert_int_equal(c.table_full, 2);
    assert_int_equal(arps_count(t), 2);
    assert_int_equal(arps_remote_del(t, 100, ip("203.0.113.2"), 2), 0);
    assert_int_equal(arps_count(t), 1);
    assert_int_equal(arps_remote_del(t, 100, ip("203.0.113.2"), 2), -ENOENT);
    arps_destroy(t);
    arps_destroy(NULL);
}

static int walked;

static void walk_cb(void *arg, const struct arps_binding *b)
{
    (void)arg;
    assert_int_equal(b->vni, 200);
    walked++;
}

static void test_walk(void **state)
{
    (void)state;

    arps_remote_set(tab, 100, ip("203.0.113.2"), R, 1, 0, 0);
    arps_remote_set(tab, 200, ip("203.0.113.2"), R2, 1, 0, 0);
    arps_local_set(tab, 200, ip("203.0.113.3"), L, 0);
    walked = 0;
    assert_int_equal(arps_walk(tab, 200, 5, walk_cb, NULL), 2);
    assert_int_equal(walked, 2);
}

/* Every malformed variant: DROP (or FLOOD for what is not ARP), never a
 * read past len, nothing learned. */
static void test_malformed(void **state)
{
    uint8_t f[64], g[64];
    uint32_t n, len, out;
    int i;
    struct {
        int off;
        uint8_t val;
    } bad[] = {
        {14, 1}, {15, 6},          /* htype */
        {16, 0x86}, {17, 0xdd},    /* ptype */
        {18, 8},                   /* hlen */
        {19, 16},                  /* plen */
        {20, 1}, {21, 3}, {21, 0}, /* opcode */
        {22, 0x01},                /* multicast sender MAC */
        {38, 0}, {38, 224}, {38, 255}, {38, 127},  /* target IP 0.x, mcast, bcast, loopback */
        {28, 224},                 /* multicast sender IP */
    };
    (void)state;

    n = arp(g, 1, A, "203.0.113.1", "203.0.113.2", 0);
    arps_remote_set(tab, 100, ip("203.0.113.2"), R, 1, 0, 0);
    for (len = 0; len < 42; len++) {
        memcpy(f, g, n);
        assert_int_equal(arps_handle(tab, 100, f, len, 1, &out), ARPS_DROP);
        assert_int_equal(out, 0);
        assert_memory_equal(f, g, n);       /* untouched */
    }
    n = arp(g, 1, A, "203.0.113.1", "203.0.113.2", 7);
    for (len = 14; len < 46; len++) {
        memcpy(f, g, n);
        assert_int_equal(arps_handle(tab, 100, f, len, 1, &out), ARPS_DROP);
    }
    for (i = 0; i < (int)(sizeof(bad) / sizeof(bad[0])); i++) {
        n = arp(f, 1, A, "203.0.113.1", "203.0.113.2", 0);
        f[bad[i].off] = bad[i].val;
        assert_int_equal(arps_handle(tab, 100, f, n, 1, &out), ARPS_DROP);
    }
    n = arp(f, 1, A, "203.0.113.1", "203.0.113.2", 0);
    memset(f + 22, 0, 6);                   /* zero sender MAC */
    assert_int_equal(arps_handle(tab, 100, f, n, 1, &out), ARPS_DROP);
    n = arp(f, 1, A, "203.0.113.1", "203.0.113.2", 0);
    f[12] = 0x08;
    f[13] = 0x00;                           /* IPv4, not ARP */
    assert_int_equal(arps_handle(tab, 100, f, n, 1, &out), ARPS_FLOOD);
    assert_int_equal(ctr().not_arp, 1);
    assert_int_equal(arps_handle(tab, 100, NULL, 60, 1, &out), ARPS_DROP);
    assert_int_equal(ctr().answered, 0);
    assert_int_equal(arps_count(tab), 1);   /* only the remote binding */
    assert_int_equal(ctr().dropped, 42 + 32 + 15 + 1 + 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_unknown_floods_and_snoops, setup, teardown),
        cmocka_unit_test_setup_teardown(test_answer_remote, setup, teardown),
        cmocka_unit_test_setup_teardown(test_answer_local_and_tagged, setup, teardown),
        cmocka_unit_test_setup_teardown(test_gratuitous_probe_reply, setup, teardown),
        cmocka_unit_test_setup_teardown(test_never_about_own_ip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_conflict_local_remote, setup, teardown),
        cmocka_unit_test_setup_teardown(test_conflict_local_local, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ageing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_remote_del_and_limits, setup, teardown),
        cmocka_unit_test_setup_teardown(test_walk, setup, teardown),
        cmocka_unit_test_setup_teardown(test_malformed, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
