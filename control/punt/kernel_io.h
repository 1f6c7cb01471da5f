/* The exception path, the control thread's half: the kernel interfaces
 * (net_tap, one per underlay port with kernel_iface) are read and written
 * here and nowhere else. Workers hand kernel-bound frames over a ring each
 * (dataplane/exception.c, already rate-limited); what the kernel sends
 * goes to the ctrl_tx ring and out of the underlay port. A TAP costs a
 * system call per frame: keeping it off the workers keeps their cores for
 * forwarding. Control thread only. */
#ifndef VTEPD_KERNEL_IO_H
#define VTEPD_KERNEL_IO_H

#include <stdint.h>

#include <rte_mbuf.h>

struct dp_totals;

/* Move frames both ways: the workers' kernel rings into the TAPs, the
 * TAPs' frames into the ctrl_tx ring (m->port = the underlay port). At most
 * budget frames from each worker ring and from each TAP per call; never
 * blocks (the TAPs' descriptors are non-blocking). Returns how many frames
 * it moved. */
unsigned kernel_io_poll(unsigned budget);

/* Write m to the kernel interface at dp port kport now (the control
 * thread's own frames, e.g. ARP not for vtepd). Consumes m; 0, or -EINVAL
 * (not a kernel port) / -ENOBUFS (the TAP did not take it), counted. */
int kernel_io_send(struct rte_mbuf *m, uint16_t kport);

/* At shutdown, after the workers stopped: free what their kernel rings
 * still hold (counted as not sent). */
void kernel_io_drain(void);

/* Add this module's counters to t: the kernel ports' rx/tx, from_kernel. */
void kernel_io_add_totals(struct dp_totals *t);

#endif
