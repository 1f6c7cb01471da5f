/* Huge-page-backed allocation of large arrays (see big_alloc.h). */
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "big_alloc.h"

#define HUGE_2M ((size_t)2 << 20)

/* bytes rounded up to whole 2 MB pages; 0 on overflow. */
static size_t map_len(size_t bytes)
{
    if (bytes > SIZE_MAX - HUGE_2M)
        return 0;
    return (bytes + HUGE_2M - 1) & ~(HUGE_2M - 1);
}

/* Whether bytes get a mapping of their own (else calloc). */
static int mapped(size_t bytes)
{
    size_t len = map_len(bytes);

    return bytes >= BIG_ALLOC_MIN && len != 0 && len <= SIZE_MAX - HUGE_2M;
}

void *big_alloc(size_t bytes)
{
    size_t len = map_len(bytes);
    uint8_t *m, *p;
    size_t head;

    if (!mapped(bytes))
        return bytes ? calloc(1, bytes) : NULL;
    /* map one huge page more, keep the 2 MB-aligned part */
    m = mmap(NULL, len + HUGE_2M, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED)
        return NULL;
    p = (uint8_t *)(((uintptr_t)m + HUGE_2M - 1) & ~(uintptr_t)(HUGE_2M - 1));
    head = (size_t)(p - m);
    if (head)
        munmap(m, head);
    munmap(p + len, HUGE_2M - head);
    /* advice only: without THP (or with it off) these are small pages */
    (void)madvise(p, len, MADV_HUGEPAGE);
    return p;
}

void big_free(void *p, size_t bytes)
{
    if (!p)
        return;
    if (!mapped(bytes)) {
        free(p);
        return;
    }
    munmap(p, map_len(bytes));
}
