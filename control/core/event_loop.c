/* epoll event loop of the control thread (see event_loop.h). */
#include <errno.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#include "event_loop.h"

#define EV_MAX_FDS 1024

struct ev_slot {
    ev_cb cb;
    void *arg;
};

static int epfd = -1;
static struct ev_slot slots[EV_MAX_FDS];

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

    if (fd < 0 || fd >= EV_MAX_FDS)
        return -EMFILE;
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
    if (fd < 0 || fd >= EV_MAX_FDS)
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
        if (fd >= 0 && fd < EV_MAX_FDS && slots[fd].cb)
            slots[fd].cb(fd, evs[i].events, slots[fd].arg);
    }
    return n;
}
