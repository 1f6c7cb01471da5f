/* vtep-pktgen (module-private): the one port it sends on. */
#ifndef VTEPD_PKTGEN_PORT_H
#define VTEPD_PKTGEN_PORT_H

#include <signal.h>
#include <stdint.h>

#include <rte_mempool.h>

/* pktgen_port_start: configure port `port` with one RX and one TX queue
 * (RX mbufs from `pool`) and start it. 0 or a negative errno, printed. */
int pktgen_port_start(uint16_t port, struct rte_mempool *pool);

/* pktgen_port_wait_up: poll the link until it is up (a memif client is
 * up once the server accepted it) or `timeout_s` passed. 0 when up,
 * -ETIMEDOUT otherwise (printed). */
int pktgen_port_wait_up(uint16_t port, double timeout_s);

/* pktgen_port_wait_down: sleep until the link is down (the peer closed
 * it), `timeout_s` passed or *stop is set; the queues are not polled. */
void pktgen_port_wait_down(uint16_t port, double timeout_s, const volatile sig_atomic_t *stop);

/* pktgen_port_drain: receive and free what the peer sent us (one burst). */
void pktgen_port_drain(uint16_t port);

/* pktgen_port_stop: stop and close the port. */
void pktgen_port_stop(uint16_t port);

#endif
