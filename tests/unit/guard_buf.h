/* Bytes that end right where an inaccessible page begins, so that a
 * function reading past the length it was given faults, with or without a
 * sanitizer. For the "reads nothing beyond len" promises of the
 * classifiers and the flow hash.
 *
 * Frames start at an even address, as mbuf data always does (the DPDK
 * header structs are 2-byte aligned and UBSan holds code to it): an
 * odd-length frame therefore ends one byte before the guard page, and
 * that byte is poisoned for ASan builds. */
#ifndef VTEPD_GUARD_BUF_H
#define VTEPD_GUARD_BUF_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#if defined(__SANITIZE_ADDRESS__)
#define GUARD_BUF_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define GUARD_BUF_ASAN 1
#endif
#endif
#ifdef GUARD_BUF_ASAN
#include <sanitizer/asan_interface.h>
#endif

struct guard_buf {
    uint8_t *map;       /* accessible pages, then one PROT_NONE page */
    size_t room;        /* accessible bytes */
};

/* Room for up to room bytes. Returns 0 or -1. */
static inline int guard_buf_init(struct guard_buf *g, size_t room)
{
    size_t page = (size_t)sysconf(_SC_PAGESIZE);

    g->room = (room + page - 1) / page * page;
    g->map = mmap(NULL, g->room + page, PROT_READ | PROT_WRITE,
                  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (g->map == MAP_FAILED)
        return -1;
    return mprotect(g->map + g->room, page, PROT_NONE);
}

/* Copy len bytes of data so that they end at the guard page (one byte
 * before it, poisoned, when len is odd); returns where they start. */
static inline const uint8_t *guard_buf_put(struct guard_buf *g, const void *data, size_t len)
{
    uint8_t *p = g->map + g->room - len - (len & 1);

#ifdef GUARD_BUF_ASAN
    ASAN_UNPOISON_MEMORY_REGION(g->map, g->room);
    if (len & 1)
        ASAN_POISON_MEMORY_REGION(g->map + g->room - 1, 1);
#endif
    memcpy(p, data, len);
    return p;
}

static inline void guard_buf_free(struct guard_buf *g)
{
#ifdef GUARD_BUF_ASAN
    ASAN_UNPOISON_MEMORY_REGION(g->map, g->room);
#endif
    munmap(g->map, g->room + (size_t)sysconf(_SC_PAGESIZE));
}

#endif
