/* Unit tests: the exception path (dataplane/exception.c): what an underlay
 * port receives for the host goes to its kernel interface within the
 * port's rate, what the kernel sends goes out of the port; a port without
 * a kernel interface drops it with the reason; the worker loop hands a
 * kernel interface's bursts to kernel_input. */
#include <arpa/inet.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <rte_cycles.h>

#include "stage_harness.h"
#include "vtepd_config.h"

/* dp ports: up0 (0, kernel interface vtk0 = dp port 3), h0 (1), up1 (2,
 * none); 1000 packets/s to the kernel */
static const char conf[] =
    "vtep: { local_ip: " H_LOCAL_IP " }\n"
    "ports:\n"
    "  - { name: up0, role: underlay, devargs: \"r0\", mac: \"02:00:00:00:00:01\",\n"
    "      kernel_iface: vtk0, kernel_rate_pps: 1000 }\n"
    "  - { name: h0, role: access, devargs: \"r1\", mac: \"02:00:00:00:00:02\" }\n"
    "  - { name: up1, role: underlay, devargs: \"r2\", mac: \"02:00:00:00:00:03\" }\n"
    "underlay:\n"
    "  nexthops:\n"
    "    - { name: spine1, port: up0, ip: 192.0.2.254, mac: \"02:00:00:00:01:01\" }\n"
    "vnis:\n"
    "  - { vni: 100, access: [ { port: h0, vlan: untagged } ] }\n";

enum { P_U0 = 0, P_A0 = 1, P_U1 = 2, P_K0 = 3 };

static const uint8_t peer[6] = {0x02, 0, 0, 0, 0x01, 0x01};
static const uint8_t lldp[6] = {0x01, 0x80, 0xc2, 0, 0, 0x0e};

static int teardown(void **state)
{
    H.w->n_rxq = 0;
    return h_teardown(state);
}

/* A frame for the host on underlay port `port`: kind 0 BGP (TCP 179 to our
 * address), 1 LLDP, 2 IPv6, 3 IPv4 to another address, 4 UDP to us on a
 * port that is not VXLAN or BFD. Returns its length. */
static uint16_t host_frame(uint8_t *f, uint16_t port, int kind)
{
    const uint8_t *me = g_dp.ports[port].mac.addr_bytes;

    switch (kind) {
    case 1:
        return h_eth(f, lldp, peer, -1, 0x88cc, 60);
    case 2:
        return h_eth(f, me, peer, -1, 0x86dd, 80);
    default:
        break;
    }
    h_udp4(f, me, peer, -1, 0xc00002fe, kind == 3 ? 0xc0000209 : ntohl(g_dp.local_ip),
           40000, kind == 4 ? 53 : 179, 90);
    if (kind != 4)
        f[23] = 6;
    h_ipv4_cksum(f, 14);
    return 90;
}

static void test_to_kernel(void **state)
{
    uint8_t f[5][100];
    uint16_t len[5];
    struct rte_mbuf *m[5], *out[8];
    (void)state;

    assert_int_equal(g_dp.n_ports, 4);
    assert_int_equal(g_dp.ports[P_K0].role, PORT_ROLE_KERNEL);
    assert_int_equal(g_dp.ports[P_U0].kernel, P_K0);
    for (int k = 0; k < 5; k++) {
        len[k] = host_frame(f[k], P_U0, k);
        m[k] = h_mbuf(f[k], len[k]);
    }
    underlay_input(H.w, P_U0, m, 5);
    /* to the kernel as they came, in order */
    assert_int_equal(h_take(P_K0, out, 8), 5);
    for (int k = 0; k < 5; k++)
        h_assert_bytes(out[k], f[k], len[k]);
    h_free(out, 5);
    assert_int_equal(H.pub->st.ev.to_kernel, 5);
    assert_int_equal(H.pub->st.port[P_K0].tx_packets, 5);
    assert_int_equal(h_drops_total(), 0);
    h_assert_silent(-1);
}

static void test_no_kernel_interface(void **state)
{
    static const enum drop_reason why[5] = {
        DROP_IP_NOT_UDP, DROP_UNDERLAY_NOT_FOR_US, DROP_UNDERLAY_ETHERTYPE, DROP_IP_NOT_LOCAL,
        DROP_UDP_WRONG_PORT,
    };
    uint8_t f[100];
    (void)state;

    /* up1 has none: each is dropped with the reason it is not ours */
    for (int k = 0; k < 5; k++) {
        struct rte_mbuf *m = h_mbuf(f, host_frame(f, P_U1, k));
        underlay_input(H.w, P_U1, &m, 1);
        assert_int_equal(H.pub->st.drops[why[k]], 1);
        assert_int_equal(h_drops_total(), (uint64_t)k + 1);
    }
    assert_int_equal(H.pub->st.ev.to_kernel, 0);
    h_assert_silent(-1);
}

static void test_rate(void **state)
{
    uint64_t cost = g_dp.ports[P_U0].kernel_cost_tsc;
    uint8_t f[100];
    uint16_t len = host_frame(f, P_U0, 0);
    (void)state;

    /* 1000/s for one worker; a burst of 64 back to back, then one per
     * cost, the rest dropped and counted */
    assert_int_equal(cost, rte_get_tsc_hz() / 1000);
    H.w->now_tsc = 1000 * cost;
    for (int i = 0; i < 100; i++)
        kernel_send(H.w, P_U0, h_mbuf(f, len));
    assert_int_equal(H.pub->st.ev.to_kernel, 64);
    assert_int_equal(H.pub->st.drops[DROP_KERNEL_RATE_LIMIT], 36);
    assert_int_equal(h_drain(P_K0), 64);
    H.w->now_tsc += 10 * cost;
    for (int i = 0; i < 20; i++)
        kernel_send(H.w, P_U0, h_mbuf(f, len));
    assert_int_equal(H.pub->st.ev.to_kernel, 74);
    assert_int_equal(H.pub->st.drops[DROP_KERNEL_RATE_LIMIT], 46);
    /* a long silence refills to the burst, no more */
    H.w->now_tsc += 100000 * cost;
    for (int i = 0; i < 70; i++)
        kernel_send(H.w, P_U0, h_mbuf(f, len));
    assert_int_equal(H.pub->st.ev.to_kernel, 74 + 64);
    assert_int_equal(h_drain(P_K0), 10 + 64);
    assert_int_equal(h_drops_total(), 46 + 6);
}

static void test_from_kernel(void **state)
{
    uint8_t f[3][100];
    struct rte_mbuf *m[3], *out[4];
    (void)state;

    /* what the kernel sends leaves by its underlay port untouched */
    for (int k = 0; k < 3; k++) {
        host_frame(f[k], P_U0, k);
        memcpy(f[k], peer, 6);
        memcpy(f[k] + 6, g_dp.ports[P_U0].mac.addr_bytes, 6);
        m[k] = h_mbuf(f[k], 90);
    }
    kernel_input(H.w, P_K0, m, 3);
    assert_int_equal(h_take(P_U0, out, 4), 3);
    for (int k = 0; k < 3; k++)
        h_assert_bytes(out[k], f[k], 90);
    h_free(out, 3);
    assert_int_equal(H.pub->st.ev.from_kernel, 3);
    assert_int_equal(H.pub->st.port[P_K0].rx_packets, 3);
    assert_int_equal(H.pub->st.port[P_K0].rx_bytes, 270);
    assert_int_equal(H.pub->st.port[P_U0].tx_packets, 3);
    h_assert_silent(-1);
}

static void *run_worker(void *arg)
{
    (void)arg;
    dp_worker_main(H.pub);
    return NULL;
}

static void test_worker_dispatch(void **state)
{
    uint8_t f[100], g[100];
    struct rte_mbuf *out[2];
    struct timespec ts = {0, 1000000};
    pthread_t t;
    unsigned got_u = 0, got_k = 0;
    (void)state;

    for (uint16_t p = 0; p < 4; p++)
        assert_int_equal(dp_worker_add_rxq(H.pub, p, 0), 0);
    host_frame(f, P_U0, 0);
    memcpy(g, f, 90);
    memcpy(g, peer, 6);
    assert_int_equal(rte_ring_enqueue(H.rx[P_U0], h_mbuf(f, 90)), 0);
    assert_int_equal(rte_ring_enqueue(H.rx[P_K0], h_mbuf(g, 90)), 0);
    assert_int_equal(pthread_create(&t, NULL, run_worker, NULL), 0);
    for (int i = 0; i < 10000 && (got_u == 0 || got_k == 0); i++) {
        if (!got_k && rte_ring_dequeue(H.tx[P_K0], (void **)&out[0]) == 0)
            got_k = 1;
        if (!got_u && rte_ring_dequeue(H.tx[P_U0], (void **)&out[1]) == 0)
            got_u = 1;
        nanosleep(&ts, NULL);
    }
    g_dp.stop = 1;
    assert_int_equal(pthread_join(t, NULL), 0);
    assert_int_equal(got_k + got_u, 2);
    h_assert_bytes(out[0], f, 90);
    h_assert_bytes(out[1], g, 90);
    h_free(out, 2);
    assert_int_equal(H.pub->st.ev.to_kernel, 1);
    assert_int_equal(H.pub->st.ev.from_kernel, 1);
    H.w->conf = h_conf();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_to_kernel, h_setup, teardown),
        cmocka_unit_test_setup_teardown(test_no_kernel_interface, h_setup, teardown),
        cmocka_unit_test_setup_teardown(test_rate, h_setup, teardown),
        cmocka_unit_test_setup_teardown(test_from_kernel, h_setup, teardown),
        cmocka_unit_test_setup_teardown(test_worker_dispatch, h_setup, teardown),
    };

    if (h_init("stage_exception") != 0 || h_load(conf) != 0)
        return 1;
    return cmocka_run_group_tests_name("stage_exception", tests, NULL, NULL);
}
