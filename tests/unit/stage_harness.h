/* A dataplane for unit tests of the packet stages in dataplane/: a small
 * EAL, a real mbuf pool, one net_ring ethdev per dp port (what a port sends
 * lands on a ring the test reads back, what the test puts on its RX ring
 * the port receives), an RCU variable, the MAC table and one worker made by
 * dp_worker_create(). Configuration generations come from YAML text through
 * config_load_buffer() and dp_conf_build(), flood lists through
 * evpn_program_flood_refresh(), exactly as vtepd builds them.
 *
 * Tests call the stage functions of dataplane/worker_priv.h directly on
 * H.w and check what came out with h_take(). */
#ifndef VTEPD_STAGE_HARNESS_H
#define VTEPD_STAGE_HARNESS_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <rte_mbuf.h>
#include <rte_ring.h>

#include "dp.h"
#include "wire.h"
#include "worker_priv.h"

#define H_PORTS       4         /* dp ports 0..3 exist as ethdevs */
#define H_POOL_SIZE   2047      /* mbufs; cache 0, so counts are exact */
#define H_RING_SIZE   512       /* per port RX and TX ring (511 usable) */
#define H_LEARN_RING  64        /* 63 learn events fit */
#define H_PUNT_RING   16        /* 15 punted packets fit */

/* The usual test configuration: dp ports up0 (0), h0 (1), h1 (2), up1 (3);
 * next hops spine1 (up0) and spine2 (up1); VNI 100 on h0 untagged and h1
 * VLAN 10 flooding to two VTEPs (198.51.100.2 and .3, the only VTEPs it
 * takes VXLAN from); VNI 200 on h0 VLAN 20 and h1 untagged with no flood
 * list, no source check and no ARP suppression; VNI 300 on h0 VLAN 30
 * only. */
extern const char H_CONF_BASIC[];

#define H_LOCAL_IP   "192.0.2.1"
#define H_UP0_MAC    {0x02, 0, 0, 0, 0, 0x01}
#define H_UP1_MAC    {0x02, 0, 0, 0, 0, 0x04}
#define H_SPINE1_MAC {0x02, 0, 0, 0, 0x01, 0x01}
#define H_SPINE2_MAC {0x02, 0, 0, 0, 0x01, 0x02}
enum { P_UP0 = 0, P_H0 = 1, P_H1 = 2, P_UP1 = 3 };

struct harness {
    struct rte_mempool *pool;
    struct rte_ring *rx[H_PORTS];   /* the port receives what is put here */
    struct rte_ring *tx[H_PORTS];   /* the port sends here */
    struct worker *pub;
    struct wk *w;
};

extern struct harness H;

/* Start the EAL (file prefix from name) and build everything fixed.
 * Returns 0 or -1 (reason printed). Call once per process. */
int h_init(const char *name);

/* Parse yaml, build its generation (the current one as old, so slots and
 * ids carry over), publish it, refresh every flood list, free the old one
 * once the worker (if it runs dp_worker_main) is past it, and point the
 * worker at it when it does not run. Returns 0 or -1 (reason printed). */
int h_load(const char *yaml);

/* H_CONF_BASIC with the first `from` replaced by `to` (a static buffer,
 * valid until the next call; abort when from is not there). */
const char *h_conf_basic_with(const char *from, const char *to);

/* The current generation, and its slot / attachment id for a VNI / a
 * (port, VLAN) (abort when absent). */
const struct dp_conf *h_conf(void);
uint32_t h_slot(uint32_t vni);
uint16_t h_attach(uint16_t port, uint16_t vlan);

/* Per-test reset: empty MAC table, rings drained, worker counters, TX
 * buffers and learn cache zeroed, every ECMP member live, pool full. */
void h_reset(void);

/* The usual cmocka fixtures of a stage test: h_setup runs h_reset(),
 * h_teardown h_assert_no_leak(). Both return 0. */
int h_setup(void **state);
int h_teardown(void **state);

/* An mbuf holding len bytes of frame, data starting headroom bytes into
 * the buffer (RTE_PKTMBUF_HEADROOM for a normal one; even, as the DPDK
 * header structs want it). */
struct rte_mbuf *h_mbuf_at(const void *frame, uint16_t len, uint16_t headroom);
struct rte_mbuf *h_mbuf(const void *frame, uint16_t len);

/* Flush the worker's TX buffers, then take up to max packets port sent
 * (oldest first). Returns how many. */
unsigned h_take(uint16_t port, struct rte_mbuf **out, unsigned max);

/* Flush, then the number of packets port sent (they are freed). */
unsigned h_drain(uint16_t port);

/* Free n packets. */
void h_free(struct rte_mbuf **m, unsigned n);

/* Mbufs in the pool (H_POOL_SIZE when none is held anywhere). */
unsigned h_pool_avail(void);

/* Sum of the worker's drop counters. */
uint64_t h_drops_total(void);

/* Write an Ethernet header at f: dst, src (6 bytes each), an 802.1Q tag
 * when tci >= 0, ethertype. Returns its length (14 or 18). Needs nothing of
 * the harness (test_access_classify uses it alone). */
static inline uint16_t h_eth_hdr(uint8_t *f, const uint8_t *dst, const uint8_t *src, int tci,
                                 uint16_t etype)
{
    uint16_t o = 12;

    memcpy(f, dst, 6);
    memcpy(f + 6, src, 6);
    if (tci >= 0) {
        wire_put16(f + o, 0x8100);
        wire_put16(f + o + 2, (uint16_t)tci);
        o += 4;
    }
    wire_put16(f + o, etype);
    return (uint16_t)(o + 2);
}

/* Ethernet frame builders: dst, src (6 bytes each), an optional 802.1Q
 * tag (tci < 0: untagged), ethertype, then payload bytes 0, 1, 2, ... up to
 * len in all. Returns len. IPv4/UDP variant: a valid inner IPv4/UDP
 * header (addresses and ports given, host order) padded to len. */
uint16_t h_eth(uint8_t *f, const uint8_t *dst, const uint8_t *src, int tci, uint16_t etype,
               uint16_t len);
uint16_t h_udp4(uint8_t *f, const uint8_t *dst, const uint8_t *src, int tci, uint32_t sip,
                uint32_t dip, uint16_t sport, uint16_t dport, uint16_t len);

/* Set the header checksum of the IPv4 header at f + l3 (after a field of
 * it was changed; h_udp4 leaves it 0). Computed here, not by DPDK. */
void h_ipv4_cksum(uint8_t *f, uint16_t l3);

/* A VXLAN frame as a peer sends it to us on port (our MAC, our address,
 * UDP port udp_port): outer headers around inner (inner_len bytes), then
 * pad bytes of Ethernet padding. Returns its length. */
uint16_t h_vxlan(uint8_t *f, uint16_t port, uint32_t peer_ip_be, uint16_t udp_port,
                 uint32_t vni, const uint8_t *inner, uint16_t inner_len, uint16_t pad);

/* Expect m to be exactly the len bytes at want. */
void h_assert_bytes(const struct rte_mbuf *m, const void *want, uint16_t len);

/* Expect m to be the inner frame (inner_len bytes) in VXLAN as we send
 * it out of port: Ethernet from the port's MAC to nh_mac, IPv4 from our
 * address to vtep_be with DF, TTL ttl, id 0 and a valid checksum, UDP to
 * udp_dport from a port in 49152-65535 with checksum 0, the I flag and
 * vni. Returns the UDP source port. */
uint16_t h_assert_vxlan(const struct rte_mbuf *m, uint16_t port, const uint8_t *nh_mac,
                        uint32_t vtep_be, uint32_t vni, uint16_t udp_dport, uint8_t ttl,
                        const uint8_t *inner, uint16_t inner_len);

/* The same with outer TOS byte tos (h_assert_vxlan: 0). */
uint16_t h_assert_vxlan_tos(const struct rte_mbuf *m, uint16_t port, const uint8_t *nh_mac,
                            uint32_t vtep_be, uint32_t vni, uint16_t udp_dport, uint8_t ttl,
                            uint8_t tos, const uint8_t *inner, uint16_t inner_len);

/* Known-unicast frames i of VNI slot vni_idx[i] to VTEP vtep_be[i], in
 * order, the way access_input hands them over: runs of one (VNI, VTEP) of
 * VNIs without the classifier to encap_run; the others to encap_run_cls
 * while encap_cls_by_run() holds (a small table), else gathered (up to a
 * burst, until a run without the classifier comes) to encap_runs_cls.
 * Consumes the mbufs. */
void h_encap_burst(struct wk *w, struct rte_mbuf **pkts, const uint32_t *vni_idx,
                   const uint32_t *vtep_be, unsigned n);

/* The next hop, port and UDP source port encap_send must pick for inner
 * (len bytes) of vni toward vtep_be by the VTEP's route (nexthop_select of
 * the generation, no classifier group). */
const struct dp_nexthop *h_expect_nh(const uint8_t *inner, uint16_t len, uint32_t vni,
                                     uint32_t vtep_be, uint16_t *sport);

/* Expect nothing sent on any port but except (-1: none excepted). */
void h_assert_silent(int except);

/* Build in out the frame in with an 802.1Q tag (tci) inserted after its
 * MACs / with its tag removed. Return the new length. */
uint16_t h_tag(uint8_t *out, const uint8_t *in, uint16_t len, uint16_t tci);
uint16_t h_untag(uint8_t *out, const uint8_t *in, uint16_t len);

/* Dequeue every learn event (up to max) of the worker. */
unsigned h_learn_events(struct learn_event *ev, unsigned max);

/* Assert that the pool is full again and nothing is left anywhere. */
void h_assert_no_leak(void);

#endif
