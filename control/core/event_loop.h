/* The control thread's event loop: epoll over file descriptors (sockets of
 * the EVPN feed and the CLI) with a callback each. */
#ifndef VTEPD_EVENT_LOOP_H
#define VTEPD_EVENT_LOOP_H

#include <stdint.h>

typedef void (*ev_cb)(int fd, uint32_t events, void *arg);

/* Create the loop. Returns 0 or a negative errno. */
int ev_init(void);

/* Watch fd (any number the process may open) for events (EPOLLIN, ...)
 * and call cb(fd, events, arg) when they happen. Returns 0 or a negative
 * errno (-EBADF, -ENOMEM, or epoll_ctl's). */
int ev_add(int fd, uint32_t events, ev_cb cb, void *arg);

/* Change the events watched on fd. */
int ev_mod(int fd, uint32_t events);

/* Stop watching fd (the caller closes it). */
void ev_del(int fd);

/* Wait at most timeout_us microseconds for events and dispatch them.
 * Returns how many were dispatched. */
int ev_run_once(int64_t timeout_us);

#endif
