/* Deferred freeing under RCU (see rcu_free.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_rcu_qsbr.h>

#include "log.h"
#include "rcu_free.h"

#define RCU_DQ_SIZE 4096

struct rcu_item {
    void (*fn)(void *);
    void *obj;
};

/* Items the full queue could not take: freed by token, in order. */
struct overflow {
    struct overflow *next;
    uint64_t token;
    struct rcu_item it;
};

static struct rte_rcu_qsbr *qs;
static struct rte_rcu_qsbr_dq *dq;
static struct overflow *ov_head, *ov_tail;
static uint64_t pending;

static void free_items(void *p, void *e, unsigned int n)
{
    struct rcu_item *it = e;
    (void)p;

    for (unsigned i = 0; i < n; i++) {
        it[i].fn(it[i].obj);
        pending--;
    }
}

int rcu_free_init(struct rte_rcu_qsbr *qsv)
{
    struct rte_rcu_qsbr_dq_parameters prm = {
        .name = "vtepd_rcu_free",
        .flags = RTE_RCU_QSBR_DQ_MT_UNSAFE,
        .size = RCU_DQ_SIZE,
        .esize = sizeof(struct rcu_item),
        .trigger_reclaim_limit = 0,
        .max_reclaim_size = RCU_DQ_SIZE,
        .free_fn = free_items,
        .p = NULL,
        .v = qsv,
    };

    qs = qsv;
    dq = rte_rcu_qsbr_dq_create(&prm);
    if (!dq) {
        VLOG(ERR, "rcu: cannot create the defer queue: %s", rte_strerror(rte_errno));
        return -rte_errno;
    }
    return 0;
}

void rcu_free_later(void (*fn)(void *), void *obj)
{
    struct rcu_item it = {.fn = fn, .obj = obj};
    struct overflow *o;

    if (!obj)
        return;
    pending++;
    /* keep order: nothing goes into the queue while older items wait outside */
    if (!ov_head && rte_rcu_qsbr_dq_enqueue(dq, &it) == 0)
        return;
    o = malloc(sizeof(*o));
    if (!o) {
        /* last resort: wait for the workers (they never stop reporting) */
        VLOG(WARNING, "rcu: out of memory, waiting for a grace period");
        rte_rcu_qsbr_synchronize(qs, RTE_QSBR_THRID_INVALID);
        fn(obj);
        pending--;
        return;
    }
    o->next = NULL;
    o->token = rte_rcu_qsbr_start(qs);
    o->it = it;
    if (ov_tail)
        ov_tail->next = o;
    else
        ov_head = o;
    ov_tail = o;
}

void rcu_free_poll(void)
{
    unsigned freed, left, avail;

    if (!dq)
        return;
    rte_rcu_qsbr_dq_reclaim(dq, RCU_DQ_SIZE, &freed, &left, &avail);
    while (ov_head && rte_rcu_qsbr_check(qs, ov_head->token, false) == 1) {
        struct overflow *o = ov_head;
        ov_head = o->next;
        if (!ov_head)
            ov_tail = NULL;
        o->it.fn(o->it.obj);
        pending--;
        free(o);
    }
}

uint64_t rcu_free_pending(void)
{
    return pending;
}

void rcu_free_shutdown(void)
{
    if (!dq)
        return;
    rcu_free_poll();
    while (ov_head) {
        struct overflow *o = ov_head;
        ov_head = o->next;
        o->it.fn(o->it.obj);
        pending--;
        free(o);
    }
    ov_tail = NULL;
    if (rte_rcu_qsbr_dq_delete(dq) != 0)
        VLOG(WARNING, "rcu: %llu object(s) not freed at exit", (unsigned long long)pending);
    dq = NULL;
}
