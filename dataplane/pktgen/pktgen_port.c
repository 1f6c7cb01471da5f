/* vtep-pktgen: the one port it sends on (see pktgen_port.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <rte_ethdev.h>

#include "pktgen_port.h"

#define RING 1024

int pktgen_port_start(uint16_t port, struct rte_mempool *pool)
{
    struct rte_eth_conf conf;
    int rc;

    memset(&conf, 0, sizeof(conf));
    rc = rte_eth_dev_configure(port, 1, 1, &conf);
    if (rc == 0)
        rc = rte_eth_rx_queue_setup(port, 0, RING, rte_eth_dev_socket_id(port), NULL, pool);
    if (rc == 0)
        rc = rte_eth_tx_queue_setup(port, 0, RING, rte_eth_dev_socket_id(port), NULL);
    if (rc == 0)
        rc = rte_eth_dev_start(port);
    if (rc < 0)
        fprintf(stderr, "vtep-pktgen: port %u: setup failed: %s\n", port, rte_strerror(-rc));
    return rc < 0 ? rc : 0;
}

int pktgen_port_wait_up(uint16_t port, double timeout_s)
{
    struct timespec ts = {.tv_sec = 0, .tv_nsec = 10000000L};
    struct rte_eth_link link;

    for (double waited = 0; waited < timeout_s; waited += 0.01) {
        memset(&link, 0, sizeof(link));
        if (rte_eth_link_get_nowait(port, &link) == 0 && link.link_status == RTE_ETH_LINK_UP)
            return 0;
        nanosleep(&ts, NULL);
    }
    fprintf(stderr, "vtep-pktgen: port %u: link not up after %.1f s (is the peer running?)\n",
            port, timeout_s);
    return -ETIMEDOUT;
}

void pktgen_port_wait_down(uint16_t port, double timeout_s, const volatile sig_atomic_t *stop)
{
    struct timespec ts = {.tv_sec = 0, .tv_nsec = 10000000L};
    struct rte_eth_link link;

    for (double waited = 0; waited < timeout_s && !*stop; waited += 0.01) {
        memset(&link, 0, sizeof(link));
        if (rte_eth_link_get_nowait(port, &link) == 0 && link.link_status == RTE_ETH_LINK_DOWN)
            return;
        nanosleep(&ts, NULL);
    }
}

void pktgen_port_drain(uint16_t port)
{
    struct rte_mbuf *m[32];
    uint16_t n = rte_eth_rx_burst(port, 0, m, 32);

    if (n)
        rte_pktmbuf_free_bulk(m, n);
}

void pktgen_port_stop(uint16_t port)
{
    rte_eth_dev_stop(port);
    rte_eth_dev_close(port);
}
