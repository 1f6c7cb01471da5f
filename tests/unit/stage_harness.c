/* The dataplane the stage unit tests run on (see stage_harness.h). */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <rte_cycles.h>
#include <rte_eth_ring.h>
#include <rte_ethdev.h>
#include <rte_malloc.h>
#include <rte_mbuf_dyn.h>
#include <rte_rcu_qsbr.h>

#include "dp_conf.h"
#include "eal_test.h"
#include "evpn_program.h"
#include "rcu_free.h"
#include "stage_harness.h"
#include "vtepd_config.h"

struct harness H;

const char H_CONF_BASIC[] =
    "vtep: { local_ip: " H_LOCAL_IP ", udp_port: 4789, ttl: 64, underlay_mtu: 1500 }\n"
    "ports:\n"
    "  - { name: up0, role: underlay, devargs: \"ut_ring0\", mac: \"02:00:00:00:00:01\" }\n"
    "  - { name: h0, role: access, devargs: \"ut_ring1\", mac: \"02:00:00:00:00:02\" }\n"
    "  - { name: h1, role: access, devargs: \"ut_ring2\", mac: \"02:00:00:00:00:03\" }\n"
    "  - { name: up1, role: underlay, devargs: \"ut_ring3\", mac: \"02:00:00:00:00:04\" }\n"
    "underlay:\n"
    "  nexthops:\n"
    "    - { name: spine1, port: up0, ip: 192.0.2.254, mac: \"02:00:00:00:01:01\" }\n"
    "    - { name: spine2, port: up1, ip: 192.0.2.253, mac: \"02:00:00:00:01:02\" }\n"
    "vnis:\n"
    "  - vni: 100\n"
    "    access: [ { port: h0, vlan: untagged }, { port: h1, vlan: 10 } ]\n"
    "    flood: [ 198.51.100.2, 198.51.100.3 ]\n"
    "  - vni: 200\n"
    "    src_vtep_check: false\n"
    "    arp_suppress: false\n"
    "    access: [ { port: h0, vlan: 20 }, { port: h1, vlan: untagged } ]\n"
    "  - vni: 300\n"
    "    access: [ { port: h0, vlan: 30 } ]\n";

static int make_port(unsigned i)
{
    char name[RTE_RING_NAMESIZE];
    struct rte_eth_conf conf;
    int pid;

    snprintf(name, sizeof(name), "ut_rx%u", i);
    H.rx[i] = rte_ring_create(name, H_RING_SIZE, 0, RING_F_SP_ENQ | RING_F_SC_DEQ);
    snprintf(name, sizeof(name), "ut_tx%u", i);
    H.tx[i] = rte_ring_create(name, H_RING_SIZE, 0, RING_F_SP_ENQ | RING_F_SC_DEQ);
    if (!H.rx[i] || !H.tx[i])
        return -1;
    snprintf(name, sizeof(name), "net_ring_ut%u", i);
    pid = rte_eth_from_rings(name, &H.rx[i], 1, &H.tx[i], 1, 0);
    if (pid < 0)
        return -1;
    memset(&conf, 0, sizeof(conf));
    if (rte_eth_dev_configure((uint16_t)pid, 1, 1, &conf) != 0 ||
        rte_eth_rx_queue_setup((uint16_t)pid, 0, H_RING_SIZE, 0, NULL, H.pool) != 0 ||
        rte_eth_tx_queue_setup((uint16_t)pid, 0, H_RING_SIZE, 0, NULL) != 0 ||
        rte_eth_dev_start((uint16_t)pid) != 0)
        return -1;
    g_dp.ports[i].port_id = (uint16_t)pid;
    g_dp.ports[i].nb_rxq = 1;
    g_dp.ports[i].nb_txq = 1;
    return 0;
}

int h_init(const char *name)
{
    static const struct rte_mbuf_dynfield rx_tsc = {
        .name = "vtepd_rx_tsc", .size = sizeof(uint64_t), .align = __alignof__(uint64_t),
    };
    size_t qsz;

    if (eal_test_init(name) != 0) {
        fprintf(stderr, "%s: EAL init failed\n", name);
        return -1;
    }
    g_rx_tsc_off = rte_mbuf_dynfield_register(&rx_tsc);
    H.pool = rte_pktmbuf_pool_create("ut_mbufs", H_POOL_SIZE, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE, 0);
    qsz = rte_rcu_qsbr_get_memsize(1);
    g_dp.qsv = rte_zmalloc("ut_rcu", qsz, RTE_CACHE_LINE_SIZE);
    if (g_rx_tsc_off < 0 || !H.pool || !g_dp.qsv || rte_rcu_qsbr_init(g_dp.qsv, 1) != 0 ||
        rcu_free_init(g_dp.qsv) != 0) {
        fprintf(stderr, "%s: pool, dynfield or RCU setup failed\n", name);
        return -1;
    }
    g_dp.pool = H.pool;
    for (unsigned i = 0; i < H_PORTS; i++)
        if (make_port(i) != 0) {
            fprintf(stderr, "%s: net_ring port %u: %s\n", name, i, rte_strerror(rte_errno));
            return -1;
        }
    g_dp.macs = mac_table_create("ut_macs", 4096, DP_MAX_VNIS, g_dp.qsv, 0);
    H.pub = dp_worker_create(0, rte_get_main_lcore(), H_LEARN_RING, H_PUNT_RING, 64);
    if (!g_dp.macs || !H.pub) {
        fprintf(stderr, "%s: MAC table or worker setup failed\n", name);
        return -1;
    }
    H.w = wk_of(H.pub);
    g_dp.workers[0] = H.pub;
    g_dp.n_workers = 1;
    return 0;
}

int h_load(const char *yaml)
{
    struct vtepd_config cfg;
    struct dp_conf *c, *old = g_dp.conf;
    char err[512];
    int rc;

    if (config_load_buffer("h.yaml", yaml, strlen(yaml), &cfg, err, sizeof(err)) != 0) {
        fprintf(stderr, "config: %s\n", err);
        return -1;
    }
    g_dp.local_ip = cfg.local_ip;
    g_dp.n_ports = (uint16_t)cfg.n_ports;
    for (int i = 0; i < cfg.n_ports && i < H_PORTS; i++) {
        struct dp_port *p = &g_dp.ports[i];
        snprintf(p->name, sizeof(p->name), "%s", cfg.ports[i].name);
        p->role = (uint8_t)cfg.ports[i].role;
        p->kernel = p->peer = DP_NO_PORT;
        p->kernel_cost_tsc = 0;
        if (cfg.ports[i].has_mac)
            memcpy(p->mac.addr_bytes, cfg.ports[i].mac, 6);
        else
            rte_eth_macaddr_get(p->port_id, &p->mac);
    }
    /* an underlay port's kernel interface is the next dp port, as
     * dp_setup makes it (one worker: the whole rate is this worker's) */
    for (int i = 0; i < cfg.n_ports; i++) {
        uint16_t k = g_dp.n_ports;

        if (!cfg.ports[i].kernel_iface[0] || k >= H_PORTS)
            continue;
        snprintf(g_dp.ports[k].name, sizeof(g_dp.ports[k].name), "%s", cfg.ports[i].kernel_iface);
        g_dp.ports[k].role = PORT_ROLE_KERNEL;
        g_dp.ports[k].kernel = DP_NO_PORT;
        g_dp.ports[k].peer = (uint16_t)i;
        g_dp.ports[k].mac = g_dp.ports[i].mac;
        g_dp.ports[i].kernel = k;
        g_dp.ports[i].kernel_cost_tsc = rte_get_tsc_hz() / cfg.ports[i].kernel_rate_pps;
        g_dp.n_ports = (uint16_t)(k + 1);
    }
    if (g_dp.n_ports > H_PORTS) {
        fprintf(stderr, "config: at most %d ports, kernel interfaces included\n", H_PORTS);
        config_free(&cfg);
        return -1;
    }
    rc = dp_conf_build(&cfg, old, &c, err, sizeof(err));
    config_free(&cfg);
    if (rc != 0) {
        fprintf(stderr, "dp_conf_build: %s (%d)\n", err, rc);
        return -1;
    }
    __atomic_store_n(&g_dp.conf, c, __ATOMIC_RELEASE);
    for (uint32_t s = 0; s < DP_MAX_VNIS; s++)
        evpn_program_flood_refresh(NULL, c, s);
    /* a worker running dp_worker_main may still hold old: wait for it */
    rte_rcu_qsbr_synchronize(g_dp.qsv, RTE_QSBR_THRID_INVALID);
    dp_conf_free(old);
    rcu_free_poll();
    if (!__atomic_load_n(&H.pub->running, __ATOMIC_ACQUIRE))
        H.w->conf = c;
    return 0;
}

const char *h_conf_basic_with(const char *from, const char *to)
{
    static char buf[8192];
    const char *p = strstr(H_CONF_BASIC, from);

    if (!p || strlen(H_CONF_BASIC) - strlen(from) + strlen(to) >= sizeof(buf)) {
        fprintf(stderr, "h_conf_basic_with: no '%s' in the basic configuration\n", from);
        abort();
    }
    snprintf(buf, sizeof(buf), "%.*s%s%s", (int)(p - H_CONF_BASIC), H_CONF_BASIC, to,
             p + strlen(from));
    return buf;
}

const struct dp_conf *h_conf(void)
{
    return g_dp.conf;
}

uint32_t h_slot(uint32_t vni)
{
    int s = dp_conf_vni_slot(g_dp.conf, vni);

    if (s < 0) {
        fprintf(stderr, "no VNI %u in the generation\n", vni);
        abort();
    }
    return (uint32_t)s;
}

uint16_t h_attach(uint16_t port, uint16_t vlan)
{
    const struct dp_conf *c = g_dp.conf;
    uint16_t a = vlan ? (c->vlan_attach[port] ? c->vlan_attach[port][vlan] : DP_NO_ATTACH)
                      : c->untagged_attach[port];

    if (a == DP_NO_ATTACH) {
        fprintf(stderr, "no attachment (port %u, vlan %u)\n", port, vlan);
        abort();
    }
    return a;
}

static bool purge_all(void *ctx, uint32_t vni_idx, uint64_t val)
{
    (void)ctx;
    (void)vni_idx;
    (void)val;
    return true;
}

static void drain_mbuf_ring(struct rte_ring *r)
{
    void *m;

    while (r && rte_ring_dequeue(r, &m) == 0)
        rte_pktmbuf_free(m);
}

void h_reset(void)
{
    struct dp_conf *c = g_dp.conf;
    struct learn_event ev;

    mac_table_purge(g_dp.macs, purge_all, NULL);
    for (unsigned p = 0; p < DP_MAX_PORTS; p++) {
        for (unsigned i = 0; i < H.w->tx[p].n; i++)
            rte_pktmbuf_free(H.w->tx[p].pkts[i]);
        H.w->tx[p].n = 0;
    }
    for (unsigned i = 0; i < H_PORTS; i++) {
        drain_mbuf_ring(H.rx[i]);
        drain_mbuf_ring(H.tx[i]);
    }
    drain_mbuf_ring(H.pub->punt_ring);
    drain_mbuf_ring(H.pub->bfd_ring);
    drain_mbuf_ring(H.pub->kernel_ring);
    drain_mbuf_ring(H.pub->ctrl_tx_ring);
    while (rte_ring_dequeue_elem(H.pub->learn_ring, &ev, sizeof(ev)) == 0)
        ;
    memset(&H.pub->st, 0, sizeof(H.pub->st));
    memset(H.w->learn_cache, 0, sizeof(H.w->learn_cache));
    memset(H.w->kernel_credit, 0, sizeof(H.w->kernel_credit));
    memset(H.w->kernel_last, 0, sizeof(H.w->kernel_last));
    for (uint16_t g = 0; c && g < c->n_groups; g++)
        for (uint16_t m = 0; m < c->groups[g].ecmp.n_members; m++)
            ecmp_set_live(&c->groups[g].ecmp, m, 1);
    H.w->conf = c;
    H.w->now_tsc = rte_rdtsc();
    g_dp.stop = 0;
}

int h_setup(void **state)
{
    (void)state;
    h_reset();
    return 0;
}

int h_teardown(void **state)
{
    (void)state;
    h_assert_no_leak();
    return 0;
}

struct rte_mbuf *h_mbuf_at(const void *frame, uint16_t len, uint16_t headroom)
{
    struct rte_mbuf *m = rte_pktmbuf_alloc(H.pool);

    assert_non_null(m);
    assert_true((unsigned)headroom + len <= m->buf_len);
    assert_true(headroom % 2 == 0);
    m->data_off = headroom;
    memcpy(rte_pktmbuf_mtod(m, void *), frame, len);
    m->data_len = len;
    m->pkt_len = len;
    *dp_rx_tsc(m) = 0;      /* as a packet built by the control thread */
    return m;
}

struct rte_mbuf *h_mbuf(const void *frame, uint16_t len)
{
    return h_mbuf_at(frame, len, RTE_PKTMBUF_HEADROOM);
}

unsigned h_take(uint16_t port, struct rte_mbuf **out, unsigned max)
{
    tx_flush_all(H.w);
    return rte_ring_dequeue_burst(H.tx[port], (void **)out, max, NULL);
}

unsigned h_drain(uint16_t port)
{
    struct rte_mbuf *m[64];
    unsigned n, total = 0;

    while ((n = h_take(port, m, 64)) > 0) {
        h_free(m, n);
        total += n;
    }
    return total;
}

void h_free(struct rte_mbuf **m, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        rte_pktmbuf_free(m[i]);
}

unsigned h_pool_avail(void)
{
    return rte_mempool_avail_count(H.pool);
}

uint64_t h_drops_total(void)
{
    uint64_t t = 0;

    for (int i = 0; i < DROP_NUM; i++)
        t += H.pub->st.drops[i];
    return t;
}

uint16_t h_eth(uint8_t *f, const uint8_t *dst, const uint8_t *src, int tci, uint16_t etype,
               uint16_t len)
{
    uint16_t o = h_eth_hdr(f, dst, src, tci, etype);

    for (uint16_t i = o; i < len; i++)
        f[i] = (uint8_t)(i - o);
    return len;
}

uint16_t h_udp4(uint8_t *f, const uint8_t *dst, const uint8_t *src, int tci, uint32_t sip,
                uint32_t dip, uint16_t sport, uint16_t dport, uint16_t len)
{
    uint16_t o = tci >= 0 ? 18 : 14;
    uint8_t *ip = f + o, *udp = ip + 20;
    uint16_t ip_len = (uint16_t)(len - o);

    h_eth(f, dst, src, tci, 0x0800, len);
    memset(ip, 0, 28);
    ip[0] = 0x45;
    ip[2] = (uint8_t)(ip_len >> 8);
    ip[3] = (uint8_t)ip_len;
    ip[8] = 64;
    ip[9] = 17;
    sip = htonl(sip);
    dip = htonl(dip);
    memcpy(ip + 12, &sip, 4);
    memcpy(ip + 16, &dip, 4);
    udp[0] = (uint8_t)(sport >> 8);
    udp[1] = (uint8_t)sport;
    udp[2] = (uint8_t)(dport >> 8);
    udp[3] = (uint8_t)dport;
    udp[4] = (uint8_t)((ip_len - 20) >> 8);
    udp[5] = (uint8_t)(ip_len - 20);
    return len;
}

void h_ipv4_cksum(uint8_t *f, uint16_t l3)
{
    uint8_t *ip = f + l3;
    uint32_t sum = 0;

    ip[10] = ip[11] = 0;
    for (int i = 0; i < 20; i += 2)
        sum += (uint32_t)(ip[i] << 8 | ip[i + 1]);
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    wire_put16(ip + 10, (uint16_t)~sum);
}

uint16_t h_vxlan(uint8_t *f, uint16_t port, uint32_t peer_ip_be, uint16_t udp_port,
                 uint32_t vni, const uint8_t *inner, uint16_t inner_len, uint16_t pad)
{
    static const uint8_t peer_mac[6] = {0x02, 0, 0, 0, 0x01, 0x01};
    struct vxlan_tmpl t;

    vxlan_tmpl_init(&t, g_dp.ports[port].mac.addr_bytes, peer_mac, peer_ip_be, 64, udp_port);
    vxlan_encap_write(f, &t, g_dp.local_ip, 50000, vni, inner_len, 0);
    memcpy(f + VXLAN_ENCAP_LEN, inner, inner_len);
    memset(f + VXLAN_ENCAP_LEN + inner_len, 0, pad);
    return (uint16_t)(VXLAN_ENCAP_LEN + inner_len + pad);
}

void h_assert_bytes(const struct rte_mbuf *m, const void *want, uint16_t len)
{
    assert_int_equal(m->nb_segs, 1);
    assert_int_equal(rte_pktmbuf_pkt_len(m), len);
    assert_int_equal(rte_pktmbuf_data_len(m), len);
    assert_memory_equal(rte_pktmbuf_mtod(m, const void *), want, len);
}

uint16_t h_tag(uint8_t *out, const uint8_t *in, uint16_t len, uint16_t tci)
{
    memcpy(out, in, 12);
    out[12] = 0x81;
    out[13] = 0x00;
    out[14] = (uint8_t)(tci >> 8);
    out[15] = (uint8_t)tci;
    memcpy(out + 16, in + 12, len - 12u);
    return (uint16_t)(len + 4);
}

uint16_t h_untag(uint8_t *out, const uint8_t *in, uint16_t len)
{
    memcpy(out, in, 12);
    memcpy(out + 12, in + 16, len - 16u);
    return (uint16_t)(len - 4);
}

unsigned h_learn_events(struct learn_event *ev, unsigned max)
{
    unsigned n = 0;

    while (n < max && rte_ring_dequeue_elem(H.pub->learn_ring, &ev[n], sizeof(ev[0])) == 0)
        n++;
    return n;
}

void h_assert_no_leak(void)
{
    for (unsigned p = 0; p < DP_MAX_PORTS; p++)
        assert_int_equal(H.w->tx[p].n, 0);
    for (unsigned i = 0; i < H_PORTS; i++) {
        assert_int_equal(rte_ring_count(H.tx[i]), 0);
        assert_int_equal(rte_ring_count(H.rx[i]), 0);
    }
    assert_int_equal(rte_ring_count(H.pub->punt_ring), 0);
    assert_int_equal(rte_ring_count(H.pub->bfd_ring), 0);
    assert_int_equal(rte_ring_count(H.pub->kernel_ring), 0);
    assert_int_equal(rte_ring_count(H.pub->ctrl_tx_ring), 0);
    assert_int_equal(h_pool_avail(), H_POOL_SIZE);
}

static uint16_t rd16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

uint16_t h_assert_vxlan(const struct rte_mbuf *m, uint16_t port, const uint8_t *nh_mac,
                        uint32_t vtep_be, uint32_t vni, uint16_t udp_dport, uint8_t ttl,
                        const uint8_t *inner, uint16_t inner_len)
{
    return h_assert_vxlan_tos(m, port, nh_mac, vtep_be, vni, udp_dport, ttl, 0, inner,
                              inner_len);
}

uint16_t h_assert_vxlan_tos(const struct rte_mbuf *m, uint16_t port, const uint8_t *nh_mac,
                            uint32_t vtep_be, uint32_t vni, uint16_t udp_dport, uint8_t ttl,
                            uint8_t tos, const uint8_t *inner, uint16_t inner_len)
{
    const uint8_t *h = rte_pktmbuf_mtod(m, const uint8_t *);
    uint32_t sum = 0;

    assert_int_equal(m->nb_segs, 1);
    assert_int_equal(rte_pktmbuf_pkt_len(m), 50u + inner_len);
    assert_memory_equal(h, nh_mac, 6);
    assert_memory_equal(h + 6, g_dp.ports[port].mac.addr_bytes, 6);
    assert_int_equal(rd16(h + 12), 0x0800);
    assert_int_equal(h[14], 0x45);
    assert_int_equal(h[15], tos);
    assert_int_equal(rd16(h + 16), 36u + inner_len);    /* IPv4 total length */
    assert_int_equal(rd16(h + 18), 0);                  /* id */
    assert_int_equal(rd16(h + 20), 0x4000);             /* DF */
    assert_int_equal(h[22], ttl);
    assert_int_equal(h[23], 17);
    for (int i = 0; i < 20; i += 2)
        sum += rd16(h + 14 + i);
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    assert_int_equal(sum, 0xffff);                      /* checksum valid */
    assert_memory_equal(h + 26, &g_dp.local_ip, 4);
    assert_memory_equal(h + 30, &vtep_be, 4);
    assert_true(rd16(h + 34) >= 49152);
    assert_int_equal(rd16(h + 36), udp_dport);
    assert_int_equal(rd16(h + 38), 16u + inner_len);
    assert_int_equal(rd16(h + 40), 0);                  /* UDP checksum */
    assert_int_equal(h[42], 0x08);
    assert_int_equal(h[43] | h[44] | h[45] | h[49], 0);
    assert_int_equal((uint32_t)h[46] << 16 | (uint32_t)h[47] << 8 | h[48], vni);
    assert_memory_equal(h + 50, inner, inner_len);
    assert_int_equal(m->ol_flags, 0);
    return rd16(h + 34);
}

const struct dp_nexthop *h_expect_nh(const uint8_t *inner, uint16_t len, uint32_t vni,
                                     uint32_t vtep_be, uint16_t *sport)
{
    uint32_t hash;
    const struct dp_nexthop *nh = nexthop_select(g_dp.conf, -1, inner, len, vni, vtep_be, &hash);

    *sport = flow_hash_udp_sport(hash);
    return nh;
}

void h_assert_silent(int except)
{
    for (int p = 0; p < H_PORTS; p++)
        if (p != except)
            assert_int_equal(h_drain((uint16_t)p), 0);
}

void h_encap_burst(struct wk *w, struct rte_mbuf **pkts, const uint32_t *vni_idx,
                 const uint32_t *vtep_be, unsigned n)
{
    const struct dp_conf *c = w->conf;
    struct rte_mbuf *cls[DP_BURST];
    struct encap_cls_run cr[DP_BURST];
    unsigned n_cls = 0, n_cr = 0;
    unsigned i = 0;
    struct encap_cache ec, ecc[2];

    encap_cache_init(&ec);
    encap_cache_init(&ecc[0]);
    encap_cache_init(&ecc[1]);

    /* runs of one (VNI, VTEP), in order: those of VNIs without the
     * classifier one by one, the others gathered (up to a burst) until a
     * run without the classifier comes */
    while (i < n) {
        unsigned j = i + 1;

        while (j < n && vni_idx[j] == vni_idx[i] && vtep_be[j] == vtep_be[i])
            j++;
        if (encap_vni_classified(c, vni_idx[i]) && encap_cls_by_run(c, w)) {
            /* a small classifier table: run by run, as access_input */
            encap_run_cls(w, ecc, &pkts[i], j - i, vni_idx[i], vtep_be[i]);
            i = j;
            continue;
        }
        if (!encap_vni_classified(c, vni_idx[i])) {
            if (n_cls) {
                /* the classified frames before it go first */
                encap_runs_cls(w, ecc, cls, cr, n_cr);
                n_cls = n_cr = 0;
            }
            encap_run(w, &ec, &pkts[i], j - i, vni_idx[i], vtep_be[i]);
            i = j;
            continue;
        }
        while (i < j) {
            unsigned k = RTE_MIN(j - i, (unsigned)DP_BURST - n_cls);

            cr[n_cr++] = (struct encap_cls_run){k, vni_idx[i], vtep_be[i]};
            memcpy(&cls[n_cls], &pkts[i], k * sizeof(pkts[0]));
            n_cls += k;
            i += k;
            if (n_cls == DP_BURST) {
                encap_runs_cls(w, ecc, cls, cr, n_cr);
                n_cls = n_cr = 0;
            }
        }
    }
    if (n_cls)
        encap_runs_cls(w, ecc, cls, cr, n_cr);
}
