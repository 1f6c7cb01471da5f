/* Byte helpers of the unit tests. Header-only (static inline, so each test
 * uses what it needs); include it after cmocka.h.
 *
 * fill_bytes/copy_bytes: memset/memcpy without the libc calls
 * (clang-analyzer's insecureAPI check); their argument shape is the usual
 * one.
 *
 * struct bld: a buffer for building protocol messages (BGP, BMP) with its
 * length fields recorded: a test reserves a field, writes what it covers,
 * then closes it, and can later corrupt every recorded field in turn.
 * Values are written in network byte order; running out of room fails the
 * test. */
#ifndef TESTS_UNIT_BYTES_H
#define TESTS_UNIT_BYTES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* NOLINTNEXTLINE(bugprone-easily-swappable-parameters) */
static inline void fill_bytes(void *p, int v, size_t n)
{
    uint8_t *d = p;

    for (size_t i = 0; i < n; i++)
        d[i] = (uint8_t)v;
}

/* NOLINTNEXTLINE(bugprone-easily-swappable-parameters) */
static inline void copy_bytes(void *dst, const void *src, size_t n)
{
    uint8_t *d = dst;
    const uint8_t *q = src;

    for (size_t i = 0; i < n; i++)
        d[i] = q[i];
}

#define BLD_MAX_FIELDS 96

struct bld {
    uint8_t d[4096];
    size_t len;
    size_t fpos[BLD_MAX_FIELDS];    /* recorded length fields */
    uint8_t fwidth[BLD_MAX_FIELDS];
    bool fmark[BLD_MAX_FIELDS];     /* what the test says of the field */
    size_t nf;
};

static inline void u8(struct bld *b, unsigned int v)
{
    assert_true(b->len < sizeof(b->d));
    b->d[b->len++] = (uint8_t)v;
}

static inline void u16(struct bld *b, unsigned int v)
{
    u8(b, v >> 8);
    u8(b, v);
}

static inline void u24(struct bld *b, uint32_t v)
{
    u8(b, v >> 16);
    u8(b, v >> 8);
    u8(b, v);
}

static inline void u32(struct bld *b, uint32_t v)
{
    u16(b, v >> 16);
    u16(b, v & 0xffffu);
}

static inline void raw(struct bld *b, const void *p, size_t n)
{
    assert_true(n <= sizeof(b->d) - b->len);
    copy_bytes(b->d + b->len, p, n);
    b->len += n;
}

/* The BGP marker: 16 bytes of 0xff. */
static inline void marker(struct bld *b)
{
    int i;

    for (i = 0; i < 16; i++)
        u8(b, 0xff);
}

/* Writes v as a width-byte big-endian number at d + pos. */
static inline void put_at(uint8_t *d, size_t pos, int width, size_t v)
{
    int i;

    for (i = width - 1; i >= 0; i--) {
        d[pos + (size_t)i] = (uint8_t)v;
        v >>= 8;
    }
}

static inline size_t get_at(const uint8_t *d, size_t pos, int width)
{
    size_t v = 0;
    int i;

    for (i = 0; i < width; i++)
        v = (v << 8) | d[pos + (size_t)i];
    return v;
}

/* Reserves a length field of width bytes, marked as the test says;
 * returns its index. */
static inline size_t field(struct bld *b, int width, bool mark)
{
    size_t fi = b->nf++;
    int i;

    assert_true(fi < BLD_MAX_FIELDS);
    b->fpos[fi] = b->len;
    b->fwidth[fi] = (uint8_t)width;
    b->fmark[fi] = mark;
    for (i = 0; i < width; i++)
        u8(b, 0);
    return fi;
}

/* A recorded length-type field with a given value (bits, counts). */
static inline void value_field(struct bld *b, int width, size_t v, bool mark)
{
    size_t fi = field(b, width, mark);

    put_at(b->d, b->fpos[fi], width, v);
}

/* Field value = bytes written since the end of the field. */
static inline void close_field(struct bld *b, size_t fi)
{
    put_at(b->d, b->fpos[fi], b->fwidth[fi],
           b->len - b->fpos[fi] - b->fwidth[fi]);
}

/* Field value = bytes written since start. */
static inline void close_field_from(struct bld *b, size_t fi, size_t start)
{
    put_at(b->d, b->fpos[fi], b->fwidth[fi], b->len - start);
}

/* The values a sweep gives recorded field fi in turn: 0, its value - 1 and
 * + 1, the largest its width holds; never its own value nor one that does
 * not fit. Returns how many (at most 4) are in vals. */
static inline size_t field_corruptions(const struct bld *b, size_t fi, size_t vals[4])
{
    size_t orig = get_at(b->d, b->fpos[fi], b->fwidth[fi]);
    size_t max = b->fwidth[fi] >= sizeof(size_t) ? SIZE_MAX
                 : ((size_t)1 << (8 * b->fwidth[fi])) - 1;
    size_t cand[4] = { 0, orig - 1, orig + 1, max };
    size_t n = 0, j;

    for (j = 0; j < 4; j++)
        if (cand[j] != orig && cand[j] <= max)
            vals[n++] = cand[j];
    return n;
}

#endif
