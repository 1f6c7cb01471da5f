/* Large, long-lived control-plane arrays (the RIB's object pools and hash
 * bucket arrays, a feed's receive buffer) in transparent huge pages where
 * the kernel offers them: one page fault and one TLB entry per 2 MB instead
 * of 512. Control thread only; no DPDK. */
#ifndef VTEPD_BIG_ALLOC_H
#define VTEPD_BIG_ALLOC_H

#include <stddef.h>

/* From this size on, an allocation is its own 2 MB-aligned mapping with
 * huge pages requested (madvise MADV_HUGEPAGE); below, calloc. */
#define BIG_ALLOC_MIN ((size_t)256 << 10)

/* bytes of zeroed memory (at least 16-byte aligned), or NULL. */
void *big_alloc(size_t bytes);

/* Frees what big_alloc(bytes) returned (the same bytes); NULL is ignored. */
void big_free(void *p, size_t bytes);

#endif
