/* Port link state: a port whose link goes down takes the next hops on it
 * out of every ECMP group at once; they come back when it is up again (and
 * BFD, ARP say they may). The control thread owns it:
 *  - ports whose device raises link state change interrupts
 *    (RTE_ETH_DEV_INTR_LSC, e.g. ice, i40e, mlx5) are read when the event
 *    callback (EAL interrupt thread) flags them, at the next control-loop
 *    turn, and once a second besides;
 *  - the others are polled with rte_eth_link_get_nowait() every control-
 *    loop turn;
 *  - a port with a kernel network interface behind it (dev_info.if_index:
 *    net_af_packet, net_af_xdp, mlx5) is up only while that interface is
 *    also IFF_UP and IFF_RUNNING (carrier; SIOCGIFFLAGS, no RTNL lock) when
 *    read: DPDK 22.11's net_af_packet reports its link up from start to
 *    stop whatever the veth does. */
#ifndef VTEPD_PORT_LINK_H
#define VTEPD_PORT_LINK_H

#include <stdbool.h>
#include <stdint.h>

struct json;

/* Read every port's link once (no waiting), set g_dp.ports[].link_down,
 * register the LSC callbacks. Call after dp_setup(), before the first
 * generation is built. Returns 0 or a negative errno (logged). */
int port_link_init(void);

/* One control-loop turn: read the ports that are due; on a change, log it
 * (with the wall-clock time) and put the port's next hops of the running
 * generation in or out of their ECMP groups. Returns the number of ports
 * whose state changed. */
unsigned port_link_poll(void);

/* Unregister the callbacks (before the ports close). */
void port_link_fini(void);

/* JSON array "ports": per port its role, socket, link, how it is watched,
 * changes seen, TX checksum offload, and per next hop on it the ECMP
 * buckets it holds. */
void port_link_dump_json(struct json *j);

#endif
