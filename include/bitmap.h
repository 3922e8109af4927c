/* SPDX-License-Identifier: MIT */
/*
 * bitmap.h - bit arrays of unsigned longs: set/clear/test single bits and
 * ranges, and find runs. Portable (kernel/lib/bitmap.c), not atomic:
 * callers serialize.
 */
#ifndef XENLING_BITMAP_H
#define XENLING_BITMAP_H

#include <lib.h>

#define BITS_PER_LONG   (8 * sizeof(unsigned long))
#define BITMAP_LONGS(n) (((n) + BITS_PER_LONG - 1) / BITS_PER_LONG)

static inline bool
bitmap_test(const unsigned long *map, size_t bit)
{
    return (map[bit / BITS_PER_LONG] >> (bit % BITS_PER_LONG)) & 1;
}

static inline void
bitmap_set(unsigned long *map, size_t bit)
{
    map[bit / BITS_PER_LONG] |= 1ul << (bit % BITS_PER_LONG);
}

static inline void
bitmap_clear(unsigned long *map, size_t bit)
{
    map[bit / BITS_PER_LONG] &= ~(1ul << (bit % BITS_PER_LONG));
}

void bitmap_set_range(unsigned long *map, size_t start, size_t n);
void bitmap_clear_range(unsigned long *map, size_t start, size_t n);

/* First set bit at or after `from`, or `size` if none. */
size_t bitmap_find_next_set(const unsigned long *map, size_t size, size_t from);

/*
 * First run of n set bits starting at or after `from`, wrapping once to 0;
 * returns its first bit, or `size` if there is none.
 */
size_t bitmap_find_run(const unsigned long *map, size_t size, size_t from,
                       size_t n);

/* Number of set bits in [0, size). */
size_t bitmap_weight(const unsigned long *map, size_t size);

#endif
