/* epoll event loop of the control thread (see event_loop.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#include "event_loop.h"

struct ev_slot {
    ev_cb cb;
    void *arg;
};

static int epfd = -1;
/* callbacks by fd, grown to the highest fd watched: DPDK holds an fd per
 * hugepage file, so a leaf with thousands of hugepages opens its own
 * sockets far above 1024 */
static struct ev_slot *slots;
static size_t n_slots;

/* Make slots[fd] exist. Returns 0 or -ENOMEM. */
static int slots_reserve(int fd)
{
    struct ev_slot *s;
    size_t n = n_slots ? n_slots : 64;

    if ((size_t)fd < n_slots)
        return 0;
    while (n <= (size_t)fd)
        n *= 2;
    s = realloc(slots, n * sizeof(*s));
    if (s == NULL)
        return -ENOMEM;
    memset(s + n_slots, 0, (n - n_slots) * sizeof(*s));
    slots = s;
    n_slots = n;
    return 0;
}

int ev_init(void)
{
    if (epfd >= 0)
        return 0;
    epfd = epoll_create1(EPOLL_CLOEXEC);
    return epfd < 0 ? -errno : 0;
}

int ev_add(int fd, uint32_t events, ev_cb cb, void *arg)
{
    struct epoll_event e = {.events = events, .data.fd = fd};
    int rc;

    if (fd < 0)
        return -EBADF;
    rc = slots_reserve(fd);
    if (rc != 0)
        return rc;
    if (epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &e) != 0)
        return -errno;
    slots[fd].cb = cb;
    slots[fd].arg = arg;
    return 0;
}

int ev_mod(int fd, uint32_t events)
{
    struct epoll_event e = {.events = events, .data.fd = fd};
    return epoll_ctl(epfd, EPOLL_CTL_MOD, fd, &e);
}

void ev_del(int fd)
{
    if (fd < 0 || (size_t)fd >= n_slots)
        return;
    epoll_ctl(epfd, EPOLL_CTL_DEL, fd, NULL);
    slots[fd].cb = NULL;
    slots[fd].arg = NULL;
}

int ev_run_once(int64_t timeout_us)
{
    struct epoll_event evs[64];
    struct timespec ts;
    int n;

    if (timeout_us < 0)
        timeout_us = 0;
    ts.tv_sec = timeout_us / 1000000;
    ts.tv_nsec = (timeout_us % 1000000) * 1000;
    /* epoll_pwait2 takes a timespec: sub-millisecond waits for BFD timers */
    n = epoll_pwait2(epfd, evs, 64, &ts, NULL);
    if (n < 0)
        return 0;
    for (int i = 0; i < n; i++) {
        int fd = evs[i].data.fd;
        /* a callback may have grown (moved) the table: index it afresh */
        if (fd >= 0 && (size_t)fd < n_slots && slots[fd].cb)
            slots[fd].cb(fd, evs[i].events, slots[fd].arg);
    }
    return n;
}
