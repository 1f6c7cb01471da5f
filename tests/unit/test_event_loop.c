/* The control thread's event loop (control/core/event_loop.c): sockets
 * numbered above 1024, as on a leaf where DPDK holds one fd per hugepage
 * file, are watched and dispatched like any other; a callback that watches
 * a new, higher fd (the table grows under the dispatch loop) is safe. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cmocka.h>

#include "event_loop.h"

struct hits {
    int n;
    int last_fd;
};

static void on_read(int fd, uint32_t events, void *arg)
{
    struct hits *h = arg;
    char c;

    assert_true(events & EPOLLIN);
    assert_int_equal(read(fd, &c, 1), 1);
    h->n++;
    h->last_fd = fd;
}

/* An fd number at least `at` (a dup of fd), the soft limit raised as
 * needed; -1 when the hard limit does not allow it. */
static int dup_at(int fd, int at)
{
    struct rlimit rl;

    assert_int_equal(getrlimit(RLIMIT_NOFILE, &rl), 0);
    if (rl.rlim_cur <= (rlim_t)at + 1) {
        if (rl.rlim_max <= (rlim_t)at + 1)
            return -1;
        rl.rlim_cur = (rlim_t)at + 2;
        assert_int_equal(setrlimit(RLIMIT_NOFILE, &rl), 0);
    }
    return fcntl(fd, F_DUPFD_CLOEXEC, at);
}

static void test_high_fd(void **state)
{
    struct hits h = {0, -1};
    int p[2], hi;

    (void)state;
    assert_int_equal(ev_init(), 0);
    assert_int_equal(ev_add(-1, EPOLLIN, on_read, &h), -EBADF);
    assert_int_equal(pipe(p), 0);
    hi = dup_at(p[0], 2600);
    if (hi < 0) {
        print_message("RLIMIT_NOFILE's hard limit is below 2602: cannot open fd 2600\n");
        skip();
    }
    assert_true(hi >= 2600);
    assert_int_equal(ev_add(hi, EPOLLIN, on_read, &h), 0);
    assert_int_equal(write(p[1], "x", 1), 1);
    assert_int_equal(ev_run_once(1000000), 1);
    assert_int_equal(h.n, 1);
    assert_int_equal(h.last_fd, hi);

    /* gone once deleted: the byte stays unread */
    ev_del(hi);
    assert_int_equal(write(p[1], "y", 1), 1);
    assert_int_equal(ev_run_once(20000), 0);
    assert_int_equal(h.n, 1);
    close(hi);
    close(p[0]);
    close(p[1]);
}

/* A callback on a low fd that watches a much higher one: the slot table
 * moves while ev_run_once() dispatches. */
struct grow {
    int hi;
    struct hits *hits;
};

static void on_grow(int fd, uint32_t events, void *arg)
{
    struct grow *g = arg;
    char c;

    (void)events;
    assert_int_equal(read(fd, &c, 1), 1);
    assert_int_equal(ev_add(g->hi, EPOLLIN, on_read, g->hits), 0);
}

static void test_grow_in_callback(void **state)
{
    struct hits h = {0, -1};
    struct grow g = {-1, &h};
    int a[2], b[2];

    (void)state;
    assert_int_equal(ev_init(), 0);
    assert_int_equal(pipe(a), 0);
    assert_int_equal(pipe(b), 0);
    g.hi = dup_at(b[0], 9000);
    if (g.hi < 0) {
        print_message("RLIMIT_NOFILE's hard limit is below 9002: cannot open fd 9000\n");
        skip();
    }
    assert_int_equal(ev_add(a[0], EPOLLIN, on_grow, &g), 0);
    assert_int_equal(write(a[1], "x", 1), 1);
    assert_int_equal(write(b[1], "x", 1), 1);
    assert_int_equal(ev_run_once(1000000), 1);
    assert_int_equal(h.n, 0);
    assert_int_equal(ev_run_once(1000000), 1);
    assert_int_equal(h.n, 1);
    assert_int_equal(h.last_fd, g.hi);
    ev_del(a[0]);
    ev_del(g.hi);
    close(g.hi);
    close(a[0]);
    close(a[1]);
    close(b[0]);
    close(b[1]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_high_fd),
        cmocka_unit_test(test_grow_in_callback),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
