/* CRC32-C steps for the packet path's hashes (flow hash, learn
 * cache). The same values as rte_hash_crc_{1,2,4,8}byte, but when the
 * build targets SSE4.2 (DPDK's pkg-config asks for -march=corei7) each step
 * is one crc32 instruction: rte_hash_crc_* first loads and tests a
 * run-time algorithm flag on every call. Other builds use rte_hash_crc. */
#ifndef VTEPD_CRC32C_H
#define VTEPD_CRC32C_H

#include <stdint.h>

#if defined(__SSE4_2__)
#include <nmmintrin.h>

static inline uint32_t crc32c_u8(uint8_t v, uint32_t h) { return _mm_crc32_u8(h, v); }
static inline uint32_t crc32c_u16(uint16_t v, uint32_t h) { return _mm_crc32_u16(h, v); }
static inline uint32_t crc32c_u32(uint32_t v, uint32_t h) { return _mm_crc32_u32(h, v); }
static inline uint32_t crc32c_u64(uint64_t v, uint32_t h)
{
    return (uint32_t)_mm_crc32_u64(h, v);
}
#else
#include <rte_hash_crc.h>

static inline uint32_t crc32c_u8(uint8_t v, uint32_t h) { return rte_hash_crc_1byte(v, h); }
static inline uint32_t crc32c_u16(uint16_t v, uint32_t h) { return rte_hash_crc_2byte(v, h); }
static inline uint32_t crc32c_u32(uint32_t v, uint32_t h) { return rte_hash_crc_4byte(v, h); }
static inline uint32_t crc32c_u64(uint64_t v, uint32_t h) { return rte_hash_crc_8byte(v, h); }
#endif

#endif
