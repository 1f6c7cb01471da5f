/* Unit tests: VXLAN encapsulation (dataplane/encap.c) and the next-hop
 * choice (dataplane/nexthop.c): exact outer headers from the generation's
 * TTL, UDP port and templates, MTU and headroom limits, routes to ECMP
 * groups with their own hash policies, no live next hop; a group and TOS
 * given by the caller; the short/long classifier of encap_runs_cls (VNI 1:
 * 3 packets short to group left with DSCP 46, then long to group right
 * with DSCP 10; VNI 16777215 not classified). */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "flow_table.h"
#include "stage_harness.h"

static const char conf[] =
    "vtep: { local_ip: " H_LOCAL_IP ", udp_port: 4790, ttl: 17, underlay_mtu: 1400 }\n"
    "ports:\n"
    "  - { name: up0, role: underlay, devargs: \"r0\", mac: \"02:00:00:00:00:01\" }\n"
    "  - { name: h0, role: access, devargs: \"r1\", mac: \"02:00:00:00:00:02\" }\n"
    "  - { name: h1, role: access, devargs: \"r2\", mac: \"02:00:00:00:00:03\" }\n"
    "  - { name: up1, role: underlay, devargs: \"r3\", mac: \"02:00:00:00:00:04\" }\n"
    "underlay:\n"
    "  nexthops:\n"
    "    - { name: spine1, port: up0, ip: 192.0.2.254, mac: \"02:00:00:00:01:01\" }\n"
    "    - { name: spine2, port: up1, ip: 192.0.2.253, mac: \"02:00:00:00:01:02\" }\n"
    "  groups:\n"
    "    - { name: left, nexthops: [ spine1 ], ecmp_hash: [ inner_src_ip ] }\n"
    "    - { name: right, nexthops: [ spine2 ] }\n"
    "    - { name: both, nexthops: [ spine1, spine2 ], ecmp_hash: [ inner_dst_port ] }\n"
    "  routes:\n"
    "    - { prefix: 198.51.100.0/25, group: left }\n"
    "    - { prefix: 198.51.100.128/25, group: right }\n"
    "    - { prefix: 203.0.113.0/24, group: both }\n"
    "vnis:\n"
    "  - vni: 16777215\n"
    "    access: [ { port: h0, vlan: untagged } ]\n"
    "  - vni: 1\n"
    "    access: [ { port: h1, vlan: untagged } ]\n"
    "classifier:\n"
    "  threshold_packets: 3\n"
    "  flows_per_worker: 1024\n"
    "  protocols: [ tcp, udp ]\n"
    "  short: { group: left, dscp: 46 }\n"
    "  long: { group: right, dscp: 10 }\n"
    "  vnis: [ 1 ]\n";

static const uint8_t host_a[6] = {0x02, 0, 0, 0, 0xaa, 0x01};
static const uint8_t host_b[6] = {0x02, 0, 0, 0, 0xbb, 0x01};
static const uint8_t spine1[6] = H_SPINE1_MAC;
static const uint8_t spine2[6] = H_SPINE2_MAC;

static const struct dp_group *group(const char *name)
{
    const struct dp_conf *c = h_conf();

    for (uint16_t g = 0; g < c->n_groups; g++)
        if (!strcmp(c->groups[g].name, name))
            return &c->groups[g];
    fail_msg("no group %s", name);
    return NULL;
}

/* The UDP source port a group's policy gives inner of vni toward vtep. */
static uint16_t sport_of(const char *grp, const uint8_t *inner, uint16_t len, uint32_t vni,
                         uint32_t vtep)
{
    return flow_hash_udp_sport(flow_hash(&group(grp)->hash, inner, len, vni, g_dp.local_ip,
                                         vtep));
}

/* encap_send one frame; the port it left by (-1: none) and its UDP
 * source port. */
static int send1(const uint8_t *f, uint16_t len, uint16_t headroom, uint32_t vni,
                 const char *vtep, uint16_t *sport, int want_rc)
{
    struct rte_mbuf *out[2];
    uint32_t ip = inet_addr(vtep);
    int port = -1;

    assert_int_equal(encap_send(H.w, h_mbuf_at(f, len, headroom), h_slot(vni), ip, -1, 0),
                     want_rc);
    for (uint16_t p = 0; p < H_PORTS; p++) {
        unsigned n = h_take(p, out, 2);
        if (n == 0)
            continue;
        assert_int_equal(n, 1);
        assert_int_equal(port, -1);
        port = p;
        *sport = h_assert_vxlan(out[0], p, p == P_UP0 ? spine1 : spine2, ip, vni, 4790, 17,
                                f, len);
        h_free(out, 1);
    }
    return port;
}

static void test_headers(void **state)
{
    uint8_t f[200];
    uint16_t sport;
    (void)state;

    /* 198.51.100.0/25 -> left -> spine1 on up0 */
    h_udp4(f, host_b, host_a, -1, 0xc0000201, 0xc0000202, 1234, 80, 200);
    assert_int_equal(send1(f, 200, RTE_PKTMBUF_HEADROOM, 16777215, "198.51.100.2", &sport, 0),
                     P_UP0);
    assert_int_equal(sport, sport_of("left", f, 200, 16777215, inet_addr("198.51.100.2")));
    /* 198.51.100.128/25 -> right -> spine2 on up1 */
    assert_int_equal(send1(f, 200, RTE_PKTMBUF_HEADROOM, 1, "198.51.100.200", &sport, 0), P_UP1);
    assert_int_equal(sport, sport_of("right", f, 200, 1, inet_addr("198.51.100.200")));
    assert_int_equal(H.pub->st.port[P_UP0].tx_packets, 1);
    assert_int_equal(H.pub->st.port[P_UP0].tx_bytes, 250);
    assert_int_equal(H.pub->st.port[P_UP1].tx_packets, 1);
    /* the caller counts the VNI's packets, not encap_send */
    assert_int_equal(H.pub->st.vni[h_slot(1)].encap_packets, 0);
    assert_int_equal(h_drops_total(), 0);
}

static void test_queued_until_flush(void **state)
{
    uint8_t f[64];
    struct rte_mbuf *m;
    (void)state;

    h_eth(f, host_b, host_a, -1, 0x0800, 64);
    m = h_mbuf(f, 64);
    m->ol_flags = RTE_MBUF_F_RX_IP_CKSUM_GOOD | RTE_MBUF_F_RX_VLAN;
    assert_int_equal(encap_send(H.w, m, h_slot(1), inet_addr("198.51.100.3"), -1, 0), 0);
    assert_int_equal(H.w->tx[P_UP0].n, 1);
    assert_ptr_equal(H.w->tx[P_UP0].pkts[0], m);
    assert_int_equal(rte_ring_count(H.tx[P_UP0]), 0);
    /* receive flags do not leak into the send */
    assert_int_equal(m->ol_flags, 0);
    assert_int_equal(h_drain(P_UP0), 1);
}

static void test_mtu(void **state)
{
    static uint8_t f[1400];
    uint16_t sport;
    (void)state;

    /* underlay_mtu 1400: 1364 inner bytes + 36 = 1400 */
    h_udp4(f, host_b, host_a, -1, 1, 2, 3, 4, 1364);
    assert_int_equal(send1(f, 1364, RTE_PKTMBUF_HEADROOM, 1, "198.51.100.2", &sport, 0), P_UP0);
    h_udp4(f, host_b, host_a, -1, 1, 2, 3, 4, 1365);
    assert_int_equal(send1(f, 1365, RTE_PKTMBUF_HEADROOM, 1, "198.51.100.2", &sport, -1), -1);
    assert_int_equal(H.pub->st.drops[DROP_MTU_EXCEEDED], 1);
    assert_int_equal(h_drops_total(), 1);
}

static void test_headroom(void **state)
{
    uint8_t f[64];
    uint16_t sport;
    (void)state;

    h_eth(f, host_b, host_a, -1, 0x0800, 64);
    assert_int_equal(send1(f, 64, 50, 1, "198.51.100.2", &sport, 0), P_UP0);
    assert_int_equal(send1(f, 64, 48, 1, "198.51.100.2", &sport, -1), -1);
    assert_int_equal(send1(f, 64, 0, 1, "198.51.100.2", &sport, -1), -1);
    assert_int_equal(H.pub->st.drops[DROP_NO_HEADROOM], 2);
    assert_int_equal(h_drops_total(), 2);
}

static void test_group_policies(void **state)
{
    uint8_t a[80], b[80];
    uint16_t sa, sb;
    (void)state;

    /* left hashes the inner source address only */
    h_udp4(a, host_b, host_a, -1, 0xc0000201, 0xc0000202, 1000, 80, 80);
    h_udp4(b, host_b, host_a, -1, 0xc0000201, 0xc0000203, 2000, 443, 80);
    send1(a, 80, RTE_PKTMBUF_HEADROOM, 1, "198.51.100.2", &sa, 0);
    send1(b, 80, RTE_PKTMBUF_HEADROOM, 1, "198.51.100.2", &sb, 0);
    assert_int_equal(sa, sb);
    h_udp4(b, host_b, host_a, -1, 0xc0000209, 0xc0000202, 1000, 80, 80);
    send1(b, 80, RTE_PKTMBUF_HEADROOM, 1, "198.51.100.2", &sb, 0);
    assert_int_not_equal(sa, sb);
    /* "both" hashes the inner destination port only: one port, one next
     * hop and one UDP source port, whatever the addresses */
    for (uint16_t dport = 1; dport < 64; dport++) {
        int pa, pb;
        h_udp4(a, host_b, host_a, -1, 0x0a000001u + dport, 0x0a000002, 1000, dport, 80);
        h_udp4(b, host_b, host_a, -1, 0x0b000001, 0x0b000002u * dport, 3000, dport, 80);
        pa = send1(a, 80, RTE_PKTMBUF_HEADROOM, 1, "203.0.113.7", &sa, 0);
        pb = send1(b, 80, RTE_PKTMBUF_HEADROOM, 1, "203.0.113.7", &sb, 0);
        assert_int_equal(pa, pb);
        assert_int_equal(sa, sb);
        assert_int_equal(sa, sport_of("both", a, 80, 1, inet_addr("203.0.113.7")));
    }
    /* the default group (5-tuple): the ports count */
    h_udp4(a, host_b, host_a, -1, 1, 2, 1000, 80, 80);
    h_udp4(b, host_b, host_a, -1, 1, 2, 1001, 80, 80);
    send1(a, 80, RTE_PKTMBUF_HEADROOM, 1, "192.0.2.77", &sa, 0);
    send1(b, 80, RTE_PKTMBUF_HEADROOM, 1, "192.0.2.77", &sb, 0);
    assert_int_not_equal(sa, sb);
    assert_int_equal(sa, sport_of("default", a, 80, 1, inet_addr("192.0.2.77")));
}

static void test_default_group_spreads(void **state)
{
    uint8_t f[80];
    unsigned on[H_PORTS] = {0};
    (void)state;

    /* 512 flows to a VTEP without a route: both next hops, the same one
     * for every packet of a flow */
    for (unsigned i = 0; i < 512; i++) {
        uint16_t s1, s2;
        int p1, p2;

        h_udp4(f, host_b, host_a, -1, 0xc6336401, 0xc6336402, (uint16_t)(1024 + i), 80, 80);
        p1 = send1(f, 80, RTE_PKTMBUF_HEADROOM, 16777215, "192.0.2.77", &s1, 0);
        p2 = send1(f, 80, RTE_PKTMBUF_HEADROOM, 16777215, "192.0.2.77", &s2, 0);
        assert_int_equal(p1, p2);
        assert_int_equal(s1, s2);
        assert_true(p1 == P_UP0 || p1 == P_UP1);
        on[p1]++;
    }
    assert_true(on[P_UP0] > 192 && on[P_UP1] > 192);
}

static void test_no_nexthop(void **state)
{
    struct dp_conf *c = g_dp.conf;
    struct dp_group *right = NULL, *dflt = &c->groups[0];
    uint8_t f[80];
    uint16_t sport, kept[64];
    unsigned on_spine1 = 0;
    (void)state;

    for (uint16_t g = 0; g < c->n_groups; g++)
        if (!strcmp(c->groups[g].name, "right"))
            right = &c->groups[g];
    assert_non_null(right);
    /* right's only member down: nothing to send with */
    ecmp_set_live(&right->ecmp, 0, 0);
    h_eth(f, host_b, host_a, -1, 0x0800, 80);
    assert_int_equal(send1(f, 80, RTE_PKTMBUF_HEADROOM, 1, "198.51.100.200", &sport, -1), -1);
    assert_int_equal(H.pub->st.drops[DROP_NO_NEXTHOP], 1);
    /* the same through encap_run: dropped, not counted as encapsulated */
    {
        struct rte_mbuf *m[2] = {h_mbuf(f, 80), h_mbuf(f, 80)};
        struct encap_cache ec;

        encap_cache_init(&ec);
        encap_run(H.w, &ec, m, 2, h_slot(1), inet_addr("198.51.100.200"));
        assert_int_equal(H.pub->st.drops[DROP_NO_NEXTHOP], 3);
        assert_int_equal(H.pub->st.vni[h_slot(1)].encap_packets, 0);
        for (uint16_t p = 0; p < H_PORTS; p++)
            assert_int_equal(h_drain(p), 0);
    }
    /* the default group keeps both: spine2 is still there */
    for (int i = 0; i < 64; i++) {
        h_udp4(f, host_b, host_a, -1, 1, 2, (uint16_t)(5000 + i), 80, 80);
        on_spine1 += send1(f, 80, RTE_PKTMBUF_HEADROOM, 1, "192.0.2.77", &kept[i], 0) == P_UP0;
    }
    assert_true(on_spine1 > 0 && on_spine1 < 64);
    /* spine1 (member 0 of default) goes down: its flows move to spine2,
     * spine2's flows stay, with the same UDP source port */
    ecmp_set_live(&dflt->ecmp, 0, 0);
    for (int i = 0; i < 64; i++) {
        h_udp4(f, host_b, host_a, -1, 1, 2, (uint16_t)(5000 + i), 80, 80);
        assert_int_equal(send1(f, 80, RTE_PKTMBUF_HEADROOM, 1, "192.0.2.77", &sport, 0), P_UP1);
        assert_int_equal(sport, kept[i]);
    }
    ecmp_set_live(&dflt->ecmp, 1, 0);
    assert_int_equal(send1(f, 80, RTE_PKTMBUF_HEADROOM, 1, "192.0.2.77", &sport, -1), -1);
    assert_int_equal(H.pub->st.drops[DROP_NO_NEXTHOP], 4);
    assert_int_equal(h_drops_total(), 4);
    /* and back */
    ecmp_set_live(&dflt->ecmp, 0, 1);
    assert_int_equal(send1(f, 80, RTE_PKTMBUF_HEADROOM, 1, "192.0.2.77", &sport, 0), P_UP0);
}

static void test_nexthop_select(void **state)
{
    const struct dp_conf *c = h_conf();
    uint8_t f[80];
    uint32_t h;
    const struct dp_nexthop *nh;
    (void)state;

    h_udp4(f, host_b, host_a, -1, 1, 2, 3, 4, 80);
    nh = nexthop_select(c, -1, f, 80, 7, inet_addr("198.51.100.1"), &h);
    assert_non_null(nh);
    assert_string_equal(nh->name, "spine1");
    assert_int_equal(h, flow_hash(&group("left")->hash, f, 80, 7, g_dp.local_ip,
                                  inet_addr("198.51.100.1")));
    nh = nexthop_select(c, -1, f, 80, 7, inet_addr("198.51.100.255"), &h);
    assert_string_equal(nh->name, "spine2");
    assert_int_equal(nh->port, P_UP1);
    assert_int_equal(nh->ip, inet_addr("192.0.2.253"));
    assert_memory_equal(nh->mac.addr_bytes, spine2, 6);
    /* the route boundary */
    nh = nexthop_select(c, -1, f, 80, 7, inet_addr("198.51.100.127"), &h);
    assert_string_equal(nh->name, "spine1");
    nh = nexthop_select(c, -1, f, 80, 7, inet_addr("198.51.100.128"), &h);
    assert_string_equal(nh->name, "spine2");
    /* a frame too short for any header still hashes and picks */
    nh = nexthop_select(c, -1, f, 3, 7, inet_addr("198.51.100.1"), &h);
    assert_string_equal(nh->name, "spine1");
}

static int group_index(const char *name)
{
    return (int)(group(name) - &h_conf()->groups[0]);
}

static void test_group_and_tos_given(void **state)
{
    uint8_t f[100];
    struct rte_mbuf *out[2];
    uint32_t vtep = inet_addr("198.51.100.2");     /* route: left, spine1 */
    (void)state;

    /* the caller's group wins over the VTEP's route; its TOS goes out
     * with a valid checksum */
    h_udp4(f, host_b, host_a, -1, 1, 2, 3, 4, 100);
    assert_int_equal(encap_send(H.w, h_mbuf(f, 100), h_slot(1), vtep, group_index("right"),
                                (46 << 2) | 1), 0);
    assert_int_equal(h_take(P_UP1, out, 2), 1);
    h_assert_vxlan_tos(out[0], P_UP1, spine2, vtep, 1, 4790, 17, (46 << 2) | 1, f, 100);
    assert_int_equal(rte_pktmbuf_mtod(out[0], const uint8_t *)[50 + 15], 0);  /* inner TOS */
    h_free(out, 1);
    assert_int_equal(h_drain(P_UP0), 0);
    {
        uint32_t h;
        const struct dp_nexthop *nh = nexthop_select(h_conf(), group_index("right"), f, 100, 1,
                                                     vtep, &h);
        assert_string_equal(nh->name, "spine2");
        assert_int_equal(h, flow_hash(&group("right")->hash, f, 100, 1, g_dp.local_ip, vtep));
    }
}

/* n packets of one UDP flow (inner TOS ECN ect) through h_encap_burst. */
static void burst_of_flow(uint32_t vni, uint16_t sport, unsigned n, uint8_t ecn,
                          const char *vtep)
{
    struct rte_mbuf *m[8];
    uint32_t vi[8], vt[8];
    uint8_t f[120];

    h_udp4(f, host_b, host_a, -1, 0x0a000001, 0x0a000002, sport, 53, 120);
    f[15] = ecn;
    for (unsigned i = 0; i < n; i++) {
        m[i] = h_mbuf(f, 120);
        vi[i] = h_slot(vni);
        vt[i] = inet_addr(vtep);
    }
    h_encap_burst(H.w, m, vi, vt, n);
}

static void test_classifier(void **state)
{
    struct rte_mbuf *out[8];
    uint8_t f[120];
    uint32_t s1 = h_slot(1), sx = h_slot(16777215);
    uint32_t vtep = inet_addr("192.0.2.77");       /* no route: default group */
    (void)state;

    /* packets 1-3 of a flow are short: group left (spine1, up0), DSCP 46;
     * then long: group right (spine2, up1), DSCP 10; the inner ECN is
     * copied out (RFC 6040), the inner frame left as it was */
    h_udp4(f, host_b, host_a, -1, 0x0a000001, 0x0a000002, 7000, 53, 120);
    f[15] = 2;
    burst_of_flow(1, 7000, 5, 2, "192.0.2.77");
    assert_int_equal(h_take(P_UP0, out, 8), 3);
    for (int i = 0; i < 3; i++)
        h_assert_vxlan_tos(out[i], P_UP0, spine1, vtep, 1, 4790, 17, (46 << 2) | 2, f, 120);
    h_free(out, 3);
    assert_int_equal(h_take(P_UP1, out, 8), 2);
    for (int i = 0; i < 2; i++)
        h_assert_vxlan_tos(out[i], P_UP1, spine2, vtep, 1, 4790, 17, (10 << 2) | 2, f, 120);
    h_free(out, 2);
    assert_int_equal(H.pub->st.vni[s1].cls_packets[0], 3);
    assert_int_equal(H.pub->st.vni[s1].cls_packets[1], 2);
    assert_int_equal(H.pub->st.vni[s1].cls_bytes[0], 3 * 120);
    assert_int_equal(H.pub->st.vni[s1].encap_packets, 5);
    assert_int_equal(H.pub->st.vni[s1].encap_bytes, 5 * 120);
    /* the flow stays long; another flow starts short */
    burst_of_flow(1, 7000, 1, 0, "192.0.2.77");
    assert_int_equal(h_drain(P_UP1), 1);
    burst_of_flow(1, 7001, 1, 0, "192.0.2.77");
    assert_int_equal(h_drain(P_UP0), 1);
    assert_int_equal(H.pub->st.vni[s1].cls_packets[1], 3);
    /* a VNI the classifier does not apply to: by route, TOS 0, uncounted */
    burst_of_flow(16777215, 7000, 4, 2, "198.51.100.200");
    assert_int_equal(h_take(P_UP1, out, 8), 4);
    for (int i = 0; i < 4; i++)
        h_assert_vxlan(out[i], P_UP1, spine2, inet_addr("198.51.100.200"), 16777215, 4790, 17,
                       f, 120);
    h_free(out, 4);
    assert_int_equal(H.pub->st.vni[sx].cls_packets[0] + H.pub->st.vni[sx].cls_packets[1], 0);
    assert_int_equal(H.pub->st.vni[sx].encap_packets, 4);
    assert_int_equal(h_drops_total(), 0);
}

/* One burst of a classified VNI mixing a UDP flow (5 packets, threshold 3)
 * with frames the classifier does not count (ICMP, a first fragment),
 * every other frame with an inner ECN mark (with and without the ECN step): each
 * frame leaves by its class group with its class DSCP and the UDP source
 * port flow_hash() gives under that group's policy (the long group's
 * default policy is the path that reuses the classifier's CRC); the VNI's
 * class counters and the table's counters (counted packets by class,
 * uncounted ones) add up. */
static void test_classifier_mixed_burst(void **state)
{
    enum { N = 7 };
    /* U: the UDP flow; I: ICMP; F: a first fragment */
    static const char kind[N] = {'U', 'I', 'U', 'U', 'F', 'U', 'U'};
    static const unsigned long_at[N] = {0, 0, 0, 0, 0, 1, 1};
    uint8_t f[N][120];
    struct rte_mbuf *m[N], *out[2][N];
    uint32_t vi[N], vt[N];
    uint32_t vtep = inet_addr("192.0.2.77");
    uint32_t s1 = h_slot(1);
    struct flow_table *ft = h_conf()->cls->ft[H.w->pub.id];
    struct flow_table_stats st0, st1;
    uint64_t cls0[2] = {H.pub->st.vni[s1].cls_packets[0], H.pub->st.vni[s1].cls_packets[1]};
    unsigned got[2], used[2] = {0, 0};
    (void)state;

    flow_table_stats(ft, &st0);
    for (unsigned i = 0; i < N; i++) {
        h_udp4(f[i], host_b, host_a, -1, 0x0a000031, 0x0a000032, 7300, 53, 120);
        f[i][15] = (uint8_t)(i & 1);        /* ECN ECT(1) on every other frame */
        if (kind[i] == 'I')
            f[i][23] = 1;
        if (kind[i] == 'F')
            f[i][20] = 0x20;                /* MF */
        m[i] = h_mbuf(f[i], 120);
        vi[i] = s1;
        vt[i] = vtep;
    }
    h_encap_burst(H.w, m, vi, vt, N);
    got[0] = h_take(P_UP0, out[0], N);
    got[1] = h_take(P_UP1, out[1], N);
    assert_int_equal(got[0], 5);
    assert_int_equal(got[1], 2);
    for (unsigned i = 0; i < N; i++) {
        const char *g = long_at[i] ? "right" : "left";
        unsigned p = long_at[i];
        uint8_t tos = (uint8_t)((long_at[i] ? 10 : 46) << 2 | (i & 1));
        uint16_t sport;

        assert_true(used[p] < got[p]);
        sport = h_assert_vxlan_tos(out[p][used[p]++], p ? P_UP1 : P_UP0, p ? spine2 : spine1,
                                   vtep, 1, 4790, 17, tos, f[i], 120);
        assert_int_equal(sport, sport_of(g, f[i], 120, 1, vtep));
    }
    h_free(out[0], got[0]);
    h_free(out[1], got[1]);
    assert_int_equal(H.pub->st.vni[s1].cls_packets[0] - cls0[0], 5);
    assert_int_equal(H.pub->st.vni[s1].cls_packets[1] - cls0[1], 2);
    flow_table_stats(ft, &st1);
    assert_int_equal(st1.pkts_short - st0.pkts_short, 3);
    assert_int_equal(st1.pkts_long - st0.pkts_long, 2);
    assert_int_equal(st1.bytes_short - st0.bytes_short, 3 * 120);
    assert_int_equal(st1.bytes_long - st0.bytes_long, 2 * 120);
    assert_int_equal(st1.not_counted - st0.not_counted, 2);
    assert_int_equal(st1.inserts - st0.inserts, 1);
    assert_int_equal(st1.promotions - st0.promotions, 1);
    assert_int_equal(h_drops_total(), 0);
}

/* A burst of mixed frames through h_encap_burst (one parse per frame): each
 * leaves by the next hop and with the UDP source port that nexthop_select()
 * and flow_hash() give for its group (by route, or the classifier's short
 * group), whatever path computed it: UDP, TCP and IPv6 keys under the
 * default policy, groups with their own policy, ICMP (not keyed); per-VNI
 * counters right over runs of alternating VNIs. */
static void test_burst_mixed(void **state)
{
    enum { N = 7 };
    static const uint32_t vni[N] = {16777215, 16777215, 1, 16777215, 1, 16777215, 16777215};
    static const char *const vt[N] = {"198.51.100.200", "203.0.113.7", "192.0.2.77",
                                      "198.51.100.200", "192.0.2.77", "198.51.100.2",
                                      "198.51.100.130"};
    uint8_t f[N][120];
    uint16_t len[N];
    struct rte_mbuf *m[N], *out[2][N];
    uint32_t vi[N], vtep[N];
    unsigned got[2], used[2] = {0, 0};
    (void)state;

    for (unsigned i = 0; i < N; i++) {
        len[i] = (uint16_t)(100 + i);
        h_udp4(f[i], host_b, host_a, -1, 0x0a000001 + i, 0x0a000102, (uint16_t)(5000 + i), 53,
               len[i]);
        vi[i] = h_slot(vni[i]);
        vtep[i] = inet_addr(vt[i]);
    }
    f[1][23] = 6;           /* TCP (group both: inner_dst_port) */
    f[1][47] = 0x10;        /* ACK */
    f[3][23] = 1;           /* ICMP: not keyed, flow_hash() on the frame */
    /* frame 4: IPv6/UDP, classified */
    h_eth(f[4], host_b, host_a, -1, 0x86dd, len[4]);
    memset(f[4] + 14, 0, 48);
    f[4][14] = 0x60;
    f[4][20] = 17;
    f[4][21] = 64;
    f[4][14 + 8 + 15] = 1;
    f[4][14 + 24 + 15] = 2;
    f[4][54] = 0x13; f[4][55] = 0x88;
    f[4][56] = 0x00; f[4][57] = 0x35;
    f[6][14 + 6] = 0x20;    /* a first fragment (MF): not keyed */
    for (unsigned i = 0; i < N; i++)
        m[i] = h_mbuf(f[i], len[i]);
    h_encap_burst(H.w, m, vi, vtep, N);
    got[0] = h_take(P_UP0, out[0], N);
    got[1] = h_take(P_UP1, out[1], N);
    assert_int_equal(got[0] + got[1], N);
    for (unsigned i = 0; i < N; i++) {
        uint16_t want, sport;
        const struct dp_nexthop *nh;
        uint8_t tos = 0;
        int p;

        if (vni[i] == 1) {
            want = sport_of("left", f[i], len[i], 1, vtep[i]);
            nh = &h_conf()->nexthops[group("left")->member_nh[0]];
            tos = 46 << 2;
        } else {
            nh = h_expect_nh(f[i], len[i], vni[i], vtep[i], &want);
        }
        p = nh->port == P_UP0 ? 0 : 1;
        assert_true(used[p] < got[p]);
        sport = h_assert_vxlan_tos(out[p][used[p]++], nh->port, nh->mac.addr_bytes, vtep[i],
                                   vni[i], 4790, 17, tos, f[i], len[i]);
        assert_int_equal(sport, want);
    }
    h_free(out[0], got[0]);
    h_free(out[1], got[1]);
    assert_int_equal(H.pub->st.vni[h_slot(1)].encap_packets, 2);
    assert_int_equal(H.pub->st.vni[h_slot(1)].encap_bytes, len[2] + len[4]);
    assert_int_equal(H.pub->st.vni[h_slot(1)].cls_packets[0], 2);
    assert_int_equal(H.pub->st.vni[h_slot(1)].cls_bytes[0], len[2] + len[4]);
    assert_int_equal(H.pub->st.vni[h_slot(16777215)].encap_packets, 5);
    assert_int_equal(H.pub->st.vni[h_slot(16777215)].encap_bytes,
                     len[0] + len[1] + len[3] + len[5] + len[6]);
    assert_int_equal(h_drops_total(), 0);
}

/* More frames than one burst (DP_BURST) in one h_encap_burst call: all sent,
 * in order. */
static void test_burst_longer_than_dp_burst(void **state)
{
    enum { N = DP_BURST + 9 };
    struct rte_mbuf *m[N], *out[2][N];
    uint32_t vi[N], vt[N];
    uint8_t f[100];
    unsigned got[2];
    (void)state;

    for (unsigned i = 0; i < N; i++) {
        h_udp4(f, host_b, host_a, -1, 0x0a000001, 0x0a000002, 4000, 53, 100);
        f[60] = (uint8_t)i;
        m[i] = h_mbuf(f, 100);
        vi[i] = h_slot(16777215);
        vt[i] = inet_addr("192.0.2.77");
    }
    h_encap_burst(H.w, m, vi, vt, N);
    got[0] = h_take(P_UP0, out[0], N);
    got[1] = h_take(P_UP1, out[1], N);
    assert_int_equal(got[0] + got[1], N);
    assert_true(got[0] == 0 || got[1] == 0);        /* one flow, one next hop */
    for (unsigned i = 0; i < N; i++) {
        const struct rte_mbuf *o = got[0] ? out[0][i] : out[1][i];
        assert_int_equal(rte_pktmbuf_mtod(o, const uint8_t *)[50 + 60], i);
    }
    h_free(out[0], got[0]);
    h_free(out[1], got[1]);
    assert_int_equal(H.pub->st.vni[h_slot(16777215)].encap_packets, N);
}

/* encap_run (the access path's run of frames of a VNI without the
 * classifier) sends the same frames, in the same order, on the same ports
 * as encap_send frame by frame (the per-frame path: nexthop_select and
 * flow_hash on the frame), with the same drops and counters: toward a VTEP of each
 * group (default 5-tuple policy, inner_src_ip, inner_dst_port), frames
 * that the fast hash takes (IPv4 UDP and TCP) and that it leaves to
 * flow_hash (ICMP, a fragment, IPv4 options, IPv6, short, non-IP), one
 * over the MTU and one without headroom; as two runs, one VTEP after the
 * other, with one encap_cache. */
static void test_run_equals_send(void **state)
{
    enum { N = 12 };
    static const char *const vt[] = {"198.51.100.130", "198.51.100.2", "203.0.113.7"};
    const uint32_t slot = h_slot(16777215);
    struct encap_cache ec;      /* one for all: runs of one burst */
    (void)state;

    encap_cache_init(&ec);
    for (unsigned g = 0; g < 3; g++) {
        uint8_t f[N][1500];
        uint16_t len[N], room[N];
        struct rte_mbuf *m[N], *out[2][2][N];
        uint32_t vtep[N];
        unsigned got[2][2];
        uint64_t drops[2], pk[2], by[2];

        for (unsigned i = 0; i < N; i++) {
            len[i] = (uint16_t)(64 + 7 * i);
            room[i] = RTE_PKTMBUF_HEADROOM;
            h_udp4(f[i], host_b, host_a, -1, 0x0a000001 + 3 * i, 0x0a000102 + i,
                   (uint16_t)(5000 + 11 * i), (uint16_t)(53 + i), len[i]);
            vtep[i] = inet_addr(vt[g]);
        }
        f[1][23] = 6;                   /* TCP */
        f[2][23] = 1;                   /* ICMP */
        f[3][20] = 0x20;                /* first fragment */
        f[4][14] = 0x46;                /* IPv4 options */
        f[5][12] = 0x86; f[5][13] = 0xdd;   /* IPv6 (random header) */
        f[5][14] = 0x60;
        len[6] = 36;                    /* too short for ports */
        f[7][12] = 0x08; f[7][13] = 0x06;   /* ARP */
        len[8] = 1400 - VXLAN_OUTER_IP_OVERHEAD + 1;   /* over the underlay MTU */
        h_udp4(f[8], host_b, host_a, -1, 0x0a000001, 0x0a000002, 1, 2, len[8]);
        room[9] = 48;                   /* no headroom for the outer header */
        for (unsigned pass = 0; pass < 2; pass++) {
            uint64_t d0 = h_drops_total();
            uint64_t p0 = H.pub->st.vni[slot].encap_packets;
            uint64_t b0 = H.pub->st.vni[slot].encap_bytes;

            for (unsigned i = 0; i < N; i++)
                m[i] = h_mbuf_at(f[i], len[i], room[i]);
            if (pass == 0) {
                for (unsigned i = 0; i < N; i++)
                    if (encap_send(H.w, m[i], slot, vtep[i], -1, 0) == 0) {
                        H.pub->st.vni[slot].encap_packets++;    /* the caller counts */
                        H.pub->st.vni[slot].encap_bytes += len[i];
                    }
            } else {
                /* two runs: the second one reuses what the first made */
                encap_run(H.w, &ec, m, 5, slot, vtep[0]);
                encap_run(H.w, &ec, m + 5, N - 5, slot, vtep[0]);
            }
            got[pass][0] = h_take(P_UP0, out[pass][0], N);
            got[pass][1] = h_take(P_UP1, out[pass][1], N);
            drops[pass] = h_drops_total() - d0;
            pk[pass] = H.pub->st.vni[slot].encap_packets - p0;
            by[pass] = H.pub->st.vni[slot].encap_bytes - b0;
        }
        assert_int_equal(drops[0], 2);
        assert_int_equal(drops[1], drops[0]);
        assert_int_equal(pk[0], N - 2);
        assert_int_equal(pk[1], pk[0]);
        assert_int_equal(by[1], by[0]);
        for (unsigned p = 0; p < 2; p++) {
            assert_int_equal(got[1][p], got[0][p]);
            for (unsigned i = 0; i < got[0][p]; i++) {
                const struct rte_mbuf *a = out[0][p][i], *b = out[1][p][i];

                assert_int_equal(rte_pktmbuf_pkt_len(b), rte_pktmbuf_pkt_len(a));
                assert_int_equal(b->ol_flags, a->ol_flags);
                assert_memory_equal(rte_pktmbuf_mtod(b, const uint8_t *),
                                    rte_pktmbuf_mtod(a, const uint8_t *),
                                    rte_pktmbuf_data_len(a));
            }
            h_free(out[0][p], got[0][p]);
            h_free(out[1][p], got[1][p]);
        }
        assert_int_equal(got[0][0] + got[0][1], N - 2);
    }
}

/* What one pass of test_run_cls_equals_gathered saw. */
#define RCG_MAX 1400
struct rcg_out {
    unsigned n;
    uint8_t port[RCG_MAX];
    uint16_t len[RCG_MAX];
    uint64_t ol[RCG_MAX];
    uint8_t bytes[RCG_MAX][160];
};

/* Frame k of the sequence: flows of VNI 1 (classified) and VNI 16777215
 * (not) to two VTEPs; 300 UDP flows, each sent twice (past a quarter of the
 * table, new flows no longer get their home entry), TCP with SYN in the
 * middle of a flow, ICMP, fragments, IPv4 options, IPv6 UDP, a short UDP
 * frame, ECN marks, one frame over the MTU, long flows. */
static uint16_t rcg_frame(unsigned k, uint8_t *f, uint32_t *vni, uint32_t *vtep)
{
    unsigned flow = k < 600 ? k % 300 : (k * 7) % 13;
    uint16_t len = (uint16_t)(64 + (k % 5) * 9);

    *vni = (k % 11 == 3) ? 16777215 : 1;
    *vtep = inet_addr(k % 3 ? "192.0.2.77" : "198.51.100.130");
    h_udp4(f, host_b, host_a, -1, 0x0a000100 + flow, 0x0a000200 + (flow >> 3),
           (uint16_t)(7000 + flow), 53, len);
    f[15] = (uint8_t)(k % 4);                  /* ECN */
    switch (k % 17) {
    case 1:
        f[23] = 6;                              /* TCP ... */
        f[47] = (k % 34 == 1) ? 0x02 : 0x10;    /* ... SYN or ACK */
        break;
    case 5:
        f[23] = 1;                              /* ICMP */
        break;
    case 7:
        f[20] = 0x20;                           /* first fragment */
        break;
    case 9:
        f[14] = 0x46;                           /* IPv4 options */
        break;
    case 12:
        f[12] = 0x86;                           /* IPv6 UDP */
        f[13] = 0xdd;
        f[14] = 0x60;
        f[20] = 17;
        break;
    case 14:
        len = 44;                               /* UDP, shorter than 48 bytes */
        break;
    default:
        break;
    }
    if (k == 640)
        len = 1400 - VXLAN_OUTER_IP_OVERHEAD + 1;  /* over the underlay MTU */
    return len;
}

static void rcg_pass(struct rcg_out *o, struct flow_table_stats *st, uint64_t vc[6],
                     uint64_t *drops)
{
    static uint8_t f[32][1500];
    const uint32_t s1 = h_slot(1), sx = h_slot(16777215);
    struct flow_table *ft = h_conf()->cls->ft[H.w->pub.id];
    const uint64_t hz = rte_get_tsc_hz();
    uint64_t d0 = h_drops_total();
    const uint64_t v0[6] = {
        H.pub->st.vni[s1].encap_packets, H.pub->st.vni[s1].encap_bytes,
        H.pub->st.vni[s1].cls_packets[0], H.pub->st.vni[s1].cls_packets[1],
        H.pub->st.vni[s1].cls_bytes[1], H.pub->st.vni[sx].encap_packets,
    };
    unsigned k = 0, b = 0;

    o->n = 0;
    while (k < 800) {
        struct rte_mbuf *m[32], *out[64];
        uint32_t vi[32], vt[32];
        unsigned n = 1 + (b * 13) % 32;

        for (unsigned i = 0; i < n; i++, k++) {
            uint32_t vni;
            uint16_t len = rcg_frame(k, f[i], &vni, &vt[i]);

            vi[i] = h_slot(vni);
            m[i] = h_mbuf(f[i], len);
        }
        /* the clock: ticks apart, and once past the idle time */
        H.w->now_tsc = 1000000 + (uint64_t)b * 1000 + (k >= 700 ? 31 * hz : 0);
        h_encap_burst(H.w, m, vi, vt, n);
        b++;
        for (uint16_t p = P_UP0; p <= P_UP1; p += P_UP1 - P_UP0) {
            unsigned got = h_take(p, out, 64);

            for (unsigned i = 0; i < got; i++) {
                assert_true(o->n < RCG_MAX);
                assert_true(rte_pktmbuf_data_len(out[i]) <= 160);
                o->port[o->n] = (uint8_t)p;
                o->len[o->n] = rte_pktmbuf_data_len(out[i]);
                o->ol[o->n] = out[i]->ol_flags;
                memcpy(o->bytes[o->n], rte_pktmbuf_mtod(out[i], const uint8_t *), o->len[o->n]);
                o->n++;
            }
            h_free(out, got);
        }
    }
    flow_table_stats(ft, st);
    vc[0] = H.pub->st.vni[s1].encap_packets - v0[0];
    vc[1] = H.pub->st.vni[s1].encap_bytes - v0[1];
    vc[2] = H.pub->st.vni[s1].cls_packets[0] - v0[2];
    vc[3] = H.pub->st.vni[s1].cls_packets[1] - v0[3];
    vc[4] = H.pub->st.vni[s1].cls_bytes[1] - v0[4];
    vc[5] = H.pub->st.vni[sx].encap_packets - v0[5];
    *drops = h_drops_total() - d0;
}

/* encap_run_cls (runs of classified VNIs frame by frame, while the table
 * is small) and encap_runs_cls (gathered, classified a burst at a time in
 * prefetched stages, for a large table) send the same frames in the same
 * order on the same ports, and leave the same counters: the same 800
 * frames (see rcg_frame) through a fresh table of each kind. The short
 * group hashes on the inner source (the slow hash), the long group on the
 * 5-tuple (the classifier's CRC). */
static void test_run_cls_equals_gathered(void **state)
{
    struct dp_classifier *cls = h_conf()->cls;
    struct flow_table *orig = cls->ft[H.w->pub.id];
    const struct flow_table_params *op = flow_table_params(orig);
    static struct rcg_out o[2];
    struct flow_table_stats st[2];
    uint64_t vc[2][6], drops[2];
    (void)state;

    for (unsigned pass = 0; pass < 2; pass++) {
        struct flow_table_params p = *op;

        p.direct_flows = pass == 0 ? 0 : FLOW_TABLE_NEVER_DIRECT;
        cls->ft[H.w->pub.id] = flow_table_create(&p);
        assert_non_null(cls->ft[H.w->pub.id]);
        assert_int_equal(encap_cls_by_run(h_conf(), H.w), pass == 0);
        rcg_pass(&o[pass], &st[pass], vc[pass], &drops[pass]);
        flow_table_destroy(cls->ft[H.w->pub.id]);
        cls->ft[H.w->pub.id] = orig;
    }
    /* the sequence did what it is for */
    assert_true(st[0].inserts > 300);
    assert_true(st[0].promotions > 0);
    assert_true(st[0].restarts > 0);
    assert_true(st[0].evictions > 0);
    assert_true(st[0].not_counted > 0);
    assert_true(vc[0][2] > 0 && vc[0][3] > 0 && vc[0][5] > 0);
    assert_int_equal(drops[0], 1);
    /* and both paths agree on everything */
    assert_int_equal(drops[1], drops[0]);
    assert_memory_equal(vc[1], vc[0], sizeof(vc[0]));
    /* every table counter (live, inserts, promotions, evictions, restarts,
     * table_full, packets and bytes by class, not_counted) */
    assert_memory_equal(&st[1], &st[0], sizeof(st[0]));
    assert_int_equal(o[1].n, o[0].n);
    for (unsigned i = 0; i < o[0].n; i++) {
        assert_int_equal(o[1].port[i], o[0].port[i]);
        assert_int_equal(o[1].len[i], o[0].len[i]);
        assert_int_equal(o[1].ol[i], o[0].ol[i]);
        assert_memory_equal(o[1].bytes[i], o[0].bytes[i], o[0].len[i]);
    }
    h_assert_no_leak();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_headers, h_setup, h_teardown),
        cmocka_unit_test_setup_teardown(test_burst_mixed, h_setup, h_teardown),
        cmocka_unit_test_setup_teardown(test_burst_longer_than_dp_burst, h_setup, h_teardown),
        cmocka_unit_test_setup_teardown(test_run_equals_send, h_setup, h_teardown),
        cmocka_unit_test_setup_teardown(test_queued_until_flush, h_setup, h_teardown),
        cmocka_unit_test_setup_teardown(test_mtu, h_setup, h_teardown),
        cmocka_unit_test_setup_teardown(test_headroom, h_setup, h_teardown),
        cmocka_unit_test_setup_teardown(test_group_policies, h_setup, h_teardown),
        cmocka_unit_test_setup_teardown(test_default_group_spreads, h_setup, h_teardown),
        cmocka_unit_test_setup_teardown(test_no_nexthop, h_setup, h_teardown),
        cmocka_unit_test_setup_teardown(test_nexthop_select, h_setup, h_teardown),
        cmocka_unit_test_setup_teardown(test_group_and_tos_given, h_setup, h_teardown),
        cmocka_unit_test_setup_teardown(test_classifier, h_setup, h_teardown),
        cmocka_unit_test_setup_teardown(test_classifier_mixed_burst, h_setup, h_teardown),
        cmocka_unit_test_setup_teardown(test_run_cls_equals_gathered, h_setup, h_teardown),
    };

    if (h_init("stage_encap") != 0 || h_load(conf) != 0)
        return 1;
    return cmocka_run_group_tests_name("stage_encap", tests, NULL, NULL);
}
