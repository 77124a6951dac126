#ifndef HD_CORE_BITS_H
#define HD_CORE_BITS_H

/* Bit tricks for the hot loops, with portable fallbacks. */

#include <stdint.h>

/* Index of the lowest set bit of x; x must not be 0. */
static inline unsigned hd_ctz64(uint64_t x)
{
#if defined(__GNUC__) || defined(__clang__)
    return (unsigned)__builtin_ctzll(x);
#else
    unsigned n = 0;
    while (!(x & 1)) {
        x >>= 1;
        n++;
    }
    return n;
#endif
}

/* 1 when a uint64_t loaded with memcpy has the first byte in its low bits. */
#if defined(__BYTE_ORDER__) && defined(__ORDER_LITTLE_ENDIAN__) && \
    __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define HD_LITTLE_ENDIAN 1
#else
#define HD_LITTLE_ENDIAN 0
#endif

#endif
