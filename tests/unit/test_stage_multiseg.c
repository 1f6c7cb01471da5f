/* Unit tests: chained (multi-segment) mbufs through the stages, as a NIC
 * with RX scatter or net_pcap delivers a frame longer than one mbuf:
 * decapsulation of a 9000-byte VXLAN frame chained over 2 KB segments
 * (lengths from the chain, headers from the first segment), trailing bytes
 * cut across segments, outer headers split over segments (dropped as
 * underlay_hdr_split), encapsulation and flooding of a chained inner frame,
 * and the outer IPv4 checksum left to the NIC when the port offloads it. */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "stage_harness.h"

static const uint8_t host_a[6] = {0x02, 0, 0, 0, 0xaa, 0x01};  /* local, h0 */
static const uint8_t host_b[6] = {0x02, 0, 0, 0, 0xbb, 0x01};  /* remote */
static const uint8_t bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

#define PEER "198.51.100.2"
#define BIG 9200

static int setup(void **state)
{
    (void)state;
    h_reset();
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    h_assert_no_leak();
    return 0;
}

/* frame (len bytes) as a chain whose first segment holds first bytes and
 * every other one at most seg bytes (no headroom past the first). */
static struct rte_mbuf *chain(const uint8_t *frame, uint32_t len, uint16_t first, uint16_t seg)
{
    struct rte_mbuf *head = NULL, *last = NULL;
    uint32_t off = 0;

    while (off < len) {
        struct rte_mbuf *m = rte_pktmbuf_alloc(H.pool);
        uint16_t n = (uint16_t)RTE_MIN((uint32_t)(head ? seg : first), len - off);

        assert_non_null(m);
        if (head) {
            /* no headroom past the first segment (as net_pcap chains) */
            rte_pktmbuf_prepend(m, rte_pktmbuf_headroom(m));
            m->data_len = 0;
            m->pkt_len = 0;
        }
        memcpy(rte_pktmbuf_append(m, n), frame + off, n);
        off += n;
        if (!head) {
            head = m;
        } else {
            last->next = m;
            head->nb_segs++;
            head->pkt_len += n;
        }
        last = m;
    }
    return head;
}

/* m's bytes (any number of segments) are exactly want (len bytes). */
static void assert_chain_bytes(const struct rte_mbuf *m, const uint8_t *want, uint32_t len)
{
    static uint8_t got[BIG];
    uint32_t sum = 0, segs = 0;

    assert_int_equal(rte_pktmbuf_pkt_len(m), len);
    for (const struct rte_mbuf *s = m; s; s = s->next) {
        sum += s->data_len;
        segs++;
    }
    assert_int_equal(sum, len);
    assert_int_equal(segs, m->nb_segs);
    const uint8_t *p = rte_pktmbuf_read(m, 0, len, got);
    assert_non_null(p);
    assert_memory_equal(p, want, len);
}

static void set_local(uint32_t vni, const uint8_t *mac, uint16_t attach)
{
    assert_int_equal(mac_table_set(g_dp.macs, h_slot(vni), mac,
                                   mac_val_local(MAC_LOCAL, attach), 0), 0);
}

static void set_remote(uint32_t vni, const uint8_t *mac, const char *vtep)
{
    assert_int_equal(mac_table_set(g_dp.macs, h_slot(vni), mac,
                                   mac_val_remote(MAC_REMOTE_STATIC, inet_addr(vtep)), 0), 0);
}

static void load_jumbo(void)
{
    assert_int_equal(h_load(h_conf_basic_with("underlay_mtu: 1500", "underlay_mtu: 9100")), 0);
}

/* The jumbo configuration, host_a local on h0, and in inner a UDP frame of
 * len bytes from host_a to host_b (what the decap tests carry). */
static void jumbo_with_inner(uint8_t *inner, uint16_t len)
{
    load_jumbo();
    set_local(100, host_a, h_attach(P_H0, 0));
    h_udp4(inner, host_a, host_b, -1, 0xcb007101, 0xcb007102, 1000, 2000, len);
}

/* m decapsulated with no drop: h0 sent exactly inner (len bytes). */
static void decap_delivers(struct rte_mbuf *m, const uint8_t *inner, uint32_t len)
{
    struct rte_mbuf *out[2];

    underlay_input(H.w, P_UP0, &m, 1);
    assert_int_equal(h_drops_total(), 0);
    assert_int_equal(h_take(P_H0, out, 2), 1);
    assert_chain_bytes(out[0], inner, len);
    h_free(out, 1);
}

/* A 9000-byte VXLAN frame (outer IPv4 8986) in 2 KB segments. */
static void test_decap_chained(void **state)
{
    static uint8_t inner[BIG], f[BIG];
    struct rte_mbuf *m;
    uint16_t n;
    (void)state;

    jumbo_with_inner(inner, 8950);
    n = h_vxlan(f, P_UP0, inet_addr(PEER), 4789, 100, inner, 8950, 0);
    assert_int_equal(n, 9000);
    m = chain(f, n, 2048, 2048);
    assert_int_equal(m->nb_segs, 5);
    decap_delivers(m, inner, 8950);
    assert_int_equal(H.pub->st.vni[h_slot(100)].decap_packets, 1);
    assert_int_equal(H.pub->st.vni[h_slot(100)].decap_bytes, 8950);
    assert_int_equal(H.pub->st.port[P_UP0].rx_bytes, 9000);
    h_assert_silent(-1);
}

/* Bytes after the VXLAN payload (here 2,500) spanning several segments
 * are cut, and the segments that held only them go back to the pool. */
static void test_decap_trailer_across_segments(void **state)
{
    static uint8_t inner[BIG], f[BIG];
    struct rte_mbuf *m, *out[2];
    uint16_t n;
    (void)state;

    jumbo_with_inner(inner, 3000);
    n = h_vxlan(f, P_UP0, inet_addr(PEER), 4789, 100, inner, 3000, 2500);
    m = chain(f, n, 1000, 700);
    assert_true(m->nb_segs >= 7);
    underlay_input(H.w, P_UP0, &m, 1);
    assert_int_equal(h_drops_total(), 0);
    assert_int_equal(h_take(P_H0, out, 2), 1);
    assert_chain_bytes(out[0], inner, 3000);
    /* 950 bytes of inner frame in the first segment, then 700 per segment */
    assert_int_equal(out[0]->nb_segs, 4);
    h_free(out, 1);
}

/* Outer headers (or the inner Ethernet header) not all in the first
 * segment: dropped with their own reason; a chain too short for its IPv4
 * length is still ip_bad_header. */
static void test_split_headers(void **state)
{
    static uint8_t inner[BIG], f[BIG];
    static const uint16_t firsts[] = {10, 20, 33, 42, 49, 50, 63};
    struct rte_mbuf *m;
    uint16_t n;
    (void)state;

    jumbo_with_inner(inner, 3000);
    n = h_vxlan(f, P_UP0, inet_addr(PEER), 4789, 100, inner, 3000, 0);
    for (unsigned i = 0; i < RTE_DIM(firsts); i++) {
        m = chain(f, n, firsts[i], 2048);
        underlay_input(H.w, P_UP0, &m, 1);
        assert_int_equal(H.pub->st.drops[DROP_UNDERLAY_HDR_SPLIT], i + 1);
    }
    /* 64 bytes in the first segment: everything needed is there */
    m = chain(f, n, 64, 2048);
    underlay_input(H.w, P_UP0, &m, 1);
    assert_int_equal(h_drain(P_H0), 1);
    /* the chain ends 100 bytes before the IPv4 total length says */
    m = chain(f, (uint32_t)n - 100, 2048, 2048);
    underlay_input(H.w, P_UP0, &m, 1);
    assert_int_equal(H.pub->st.drops[DROP_IP_BAD_HEADER], 1);
    assert_int_equal(h_drops_total(), RTE_DIM(firsts) + 1);
    h_assert_silent(-1);
}

/* A chained 9000-byte frame from an access port to a remote MAC: the
 * outer headers go in front of the first segment, lengths from the chain. */
static void test_encap_chained(void **state)
{
    static uint8_t inner[BIG], got[BIG];
    const struct dp_nexthop *nh;
    struct rte_mbuf *m, *out[2];
    const struct vxlan_outer *o;
    uint16_t sport;
    (void)state;

    load_jumbo();
    set_remote(100, host_b, PEER);
    h_udp4(inner, host_b, host_a, -1, 0xcb007101, 0xcb007102, 1000, 2000, 9000);
    nh = h_expect_nh(inner, 9000, 100, inet_addr(PEER), &sport);
    m = chain(inner, 9000, 2048, 2048);
    access_input(H.w, P_H0, &m, 1);
    assert_int_equal(h_drops_total(), 0);
    assert_int_equal(h_take(nh->port, out, 2), 1);
    assert_int_equal(rte_pktmbuf_pkt_len(out[0]), 9050);
    assert_true(rte_pktmbuf_data_len(out[0]) >= VXLAN_ENCAP_LEN);
    o = rte_pktmbuf_mtod(out[0], const struct vxlan_outer *);
    assert_int_equal(rte_be_to_cpu_16(o->ip.total_length), 9036);
    assert_int_equal(rte_be_to_cpu_16(o->udp.dgram_len), 9016);
    assert_int_equal(rte_be_to_cpu_16(o->udp.src_port), sport);
    assert_int_equal(rte_raw_cksum(&o->ip, sizeof(o->ip)), 0xffff);
    assert_int_equal(rte_be_to_cpu_32(o->vx.vx_vni) >> 8, 100);
    assert_int_equal(o->ip.dst_addr, inet_addr(PEER));
    assert_memory_equal(o->eth.dst_addr.addr_bytes, nh->mac.addr_bytes, 6);
    assert_memory_equal(rte_pktmbuf_read(out[0], VXLAN_ENCAP_LEN, 9000, got), inner, 9000);
    h_free(out, 1);
    assert_int_equal(H.pub->st.vni[h_slot(100)].encap_bytes, 9000);
    /* over the underlay MTU (9100 - 36 = 9064 bytes of inner frame) */
    h_udp4(inner, host_b, host_a, -1, 0xcb007101, 0xcb007102, 1000, 2000, 9065);
    m = chain(inner, 9065, 2048, 2048);
    access_input(H.w, P_H0, &m, 1);
    assert_int_equal(H.pub->st.drops[DROP_MTU_EXCEEDED], 1);
    h_assert_silent(-1);
}

/* A chained broadcast: two VXLAN copies (one per flood VTEP) and one
 * tagged copy to h1, each the whole frame. */
static void test_flood_chained(void **state)
{
    static uint8_t inner[BIG], tagged[BIG], got[BIG];
    struct rte_mbuf *m, *out[4];
    unsigned vx = 0;
    (void)state;

    load_jumbo();
    h_udp4(inner, bcast, host_a, -1, 0xcb007101, 0xcb0071ff, 1000, 2000, 8000);
    m = chain(inner, 8000, 2048, 2048);
    access_input(H.w, P_H0, &m, 1);
    assert_int_equal(h_drops_total(), 0);
    assert_int_equal(h_take(P_H1, out, 4), 1);
    h_tag(tagged, inner, 8000, 10);
    assert_chain_bytes(out[0], tagged, 8004);
    h_free(out, 1);
    for (uint16_t p = 0; p < H_PORTS; p++) {
        unsigned n;

        if (p == P_H0 || p == P_H1)
            continue;
        n = h_take(p, out, 4);
        for (unsigned i = 0; i < n; i++) {
            assert_int_equal(rte_pktmbuf_pkt_len(out[i]), 8050);
            assert_memory_equal(rte_pktmbuf_read(out[i], VXLAN_ENCAP_LEN, 8000, got), inner,
                                8000);
        }
        vx += n;
        h_free(out, n);
    }
    assert_int_equal(vx, 2);
    assert_int_equal(H.pub->st.vni[h_slot(100)].flood_copies, 3);
    h_assert_silent(-1);
}

/* On a port that offloads the IPv4 checksum, the header carries 0 and the
 * mbuf asks the NIC for it; elsewhere the checksum is computed here. */
static void test_tx_cksum_offload(void **state)
{
    static uint8_t inner[256];
    const struct dp_nexthop *nh;
    struct rte_mbuf *m, *out[2];
    const struct vxlan_outer *o;
    uint16_t sport;
    (void)state;

    set_remote(100, host_b, PEER);
    h_udp4(inner, host_b, host_a, -1, 0xcb007101, 0xcb007102, 1000, 2000, 200);
    nh = h_expect_nh(inner, 200, 100, inet_addr(PEER), &sport);
    g_dp.ports[nh->port].tx_ip_csum = true;
    m = h_mbuf(inner, 200);
    access_input(H.w, P_H0, &m, 1);
    g_dp.ports[nh->port].tx_ip_csum = false;
    assert_int_equal(h_take(nh->port, out, 2), 1);
    o = rte_pktmbuf_mtod(out[0], const struct vxlan_outer *);
    assert_int_equal(o->ip.hdr_checksum, 0);
    assert_int_equal(out[0]->ol_flags & (RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_IP_CKSUM),
                     RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_IP_CKSUM);
    assert_int_equal(out[0]->l2_len, 14);
    assert_int_equal(out[0]->l3_len, 20);
    h_free(out, 1);

    m = h_mbuf(inner, 200);
    access_input(H.w, P_H0, &m, 1);
    assert_int_equal(h_take(nh->port, out, 2), 1);
    o = rte_pktmbuf_mtod(out[0], const struct vxlan_outer *);
    assert_int_equal(rte_raw_cksum(&o->ip, sizeof(o->ip)), 0xffff);
    assert_int_equal(out[0]->ol_flags & RTE_MBUF_F_TX_IP_CKSUM, 0);
    h_free(out, 1);
    h_assert_silent(-1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_decap_chained, setup, teardown),
        cmocka_unit_test_setup_teardown(test_decap_trailer_across_segments, setup, teardown),
        cmocka_unit_test_setup_teardown(test_split_headers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_encap_chained, setup, teardown),
        cmocka_unit_test_setup_teardown(test_flood_chained, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tx_cksum_offload, setup, teardown),
    };

    if (h_init("stage_multiseg") != 0 || h_load(H_CONF_BASIC) != 0)
        return 1;
    return cmocka_run_group_tests_name("stage_multiseg", tests, NULL, NULL);
}
