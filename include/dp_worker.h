/* A worker as the control side sees it: its rings and its counters. What a
 * worker keeps to itself (TX buffers, learn cache, the generation it is
 * using) is in dataplane/worker_priv.h, which nothing outside dataplane/
 * includes.
 *
 * Rings (all single producer, single consumer, except ctrl_tx):
 *   learn_ring  worker -> control thread: struct learn_event
 *   punt_ring   worker -> control thread: ARP frames for our address
 *   bfd_ring    worker -> BFD thread: UDP 3784 frames for our address
 *   ctrl_tx     control and BFD threads -> this worker: frames to send,
 *               m->port holding the dp port index (multi-producer). Every
 *               worker has one; dp_ctrl_tx_ring() picks it by a key. */
#ifndef VTEPD_DP_WORKER_H
#define VTEPD_DP_WORKER_H

#include <stdint.h>

#include <rte_ring.h>

#include "counters.h"
#include "dp.h"
#include "residence.h"

/* Event a worker sends the control thread: mac was seen as a source on
 * attachment attach of VNI slot vni_idx. */
struct learn_event {
    uint32_t vni_idx;
    uint16_t attach;
    uint8_t mac[6];
};

struct worker_stats {
    struct port_stats port[DP_MAX_PORTS];
    uint64_t drops[DROP_NUM];
    struct event_stats ev;
    uint64_t busy_cycles;       /* TSC spent in iterations that had packets */
    uint64_t packets;           /* packets received by this worker */
    uint64_t first_rx_tsc;      /* 0 until the first packet */
    uint64_t last_rx_tsc;
    struct residence_hist residence;    /* when conf.residence is on */
    struct vni_stats vni[DP_MAX_VNIS];
};

struct worker {
    unsigned id;                /* 0..n_workers-1, also the RCU thread id */
    unsigned lcore;
    struct rte_ring *learn_ring;
    struct rte_ring *punt_ring;
    struct rte_ring *bfd_ring;
    struct rte_ring *ctrl_tx_ring;  /* control and BFD threads -> this worker's TX */
    volatile int running;
    struct worker_stats st;
};

/* Create worker id on lcore with its rings (ring sizes: powers of two).
 * Returns NULL with the reason logged. Control thread, before launch. */
struct worker *dp_worker_create(unsigned id, unsigned lcore, unsigned learn_ring_size,
                                unsigned punt_ring_size, unsigned ctrl_tx_ring_size);

/* Give the worker RX queue `queue` of dp port `port` to poll; its TX queue
 * on every port is its id. Returns 0 or -ENOSPC. */
int dp_worker_add_rxq(struct worker *w, uint16_t port, uint16_t queue);

/* Worker main loop (rte_eal_remote_launch entry); arg is a struct worker *. */
int dp_worker_main(void *arg);

/* The control TX ring for frames of stream `key`: worker key % n_workers
 * sends them on its own TX queue. One key always names one worker, so the
 * frames of one stream leave in the order they were queued; callers use
 * the worker a punted frame came from (a reply leaves through the worker
 * that received the request) or a stable id (a BFD session's next hop). */
static inline struct rte_ring *dp_ctrl_tx_ring(unsigned key)
{
    return g_dp.workers[key % g_dp.n_workers]->ctrl_tx_ring;
}

/* Frames waiting in the workers' control TX rings (relaxed: for the
 * control thread's idle test). */
static inline unsigned dp_ctrl_tx_pending(void)
{
    unsigned n = 0;

    for (unsigned i = 0; i < g_dp.n_workers; i++)
        n += rte_ring_count(g_dp.workers[i]->ctrl_tx_ring);
    return n;
}

#endif
