/* Deferred freeing of memory the workers may still be reading (flood
 * lists, retired configuration generations), on DPDK's RCU defer queue
 * (rte_rcu_qsbr_dq): the control thread swaps a pointer, hands the old
 * object here and goes on at once; the object is freed once every worker
 * has reported a quiescent state since. Control thread only. */
#ifndef VTEPD_RCU_FREE_H
#define VTEPD_RCU_FREE_H

#include <stdint.h>

struct rte_rcu_qsbr;

/* Set up the queue over qsv. Returns 0 or a negative errno. */
int rcu_free_init(struct rte_rcu_qsbr *qsv);

/* Call fn(obj) once no worker can hold obj any more. Never blocks. */
void rcu_free_later(void (*fn)(void *), void *obj);

/* Free what has become safe to free (call every control-loop turn). */
void rcu_free_poll(void);

/* Objects waiting to be freed. */
uint64_t rcu_free_pending(void);

/* Free everything now: the workers have stopped. */
void rcu_free_shutdown(void);

#endif
