/* SPDX-License-Identifier: MIT */
/*
 * bitmap.c - range operations and searches on bitmaps (include/bitmap.h).
 * Used by the page allocator; portable and unit-tested on the host.
 */
#include <bitmap.h>

void
bitmap_set_range(unsigned long *map, size_t start, size_t n)
{
    while ( n && start % BITS_PER_LONG )
    {
        bitmap_set(map, start++);
        n--;
    }
    while ( n >= BITS_PER_LONG )
    {
        map[start / BITS_PER_LONG] = ~0ul;
        start += BITS_PER_LONG;
        n -= BITS_PER_LONG;
    }
    while ( n-- )
        bitmap_set(map, start++);
}

void
bitmap_clear_range(unsigned long *map, size_t start, size_t n)
{
    while ( n && start % BITS_PER_LONG )
    {
        bitmap_clear(map, start++);
        n--;
    }
    while ( n >= BITS_PER_LONG )
    {
        map[start / BITS_PER_LONG] = 0;
        start += BITS_PER_LONG;
        n -= BITS_PER_LONG;
    }
    while ( n-- )
        bitmap_clear(map, start++);
}

size_t
bitmap_find_next_set(const unsigned long *map, size_t size, size_t from)
{
    while ( from < size )
    {
        unsigned long w = map[from / BITS_PER_LONG] >> (from % BITS_PER_LONG);

        if ( w )
        {
            from += __builtin_ctzl(w);
            return from < size ? from : size;
        }
        from = ALIGN_DOWN(from, BITS_PER_LONG) + BITS_PER_LONG;
    }
    return size;
}

static size_t
find_run_from(const unsigned long *map, size_t size, size_t from, size_t limit,
              size_t n)
{
    while ( from < limit )
    {
        size_t start = bitmap_find_next_set(map, size, from), len = 0;

        if ( start >= limit || start + n > size )
            return size;
        while ( len < n && bitmap_test(map, start + len) )
            len++;
        if ( len == n )
            return start;
        from = start + len + 1;
    }
    return size;
}

size_t
bitmap_find_run(const unsigned long *map, size_t size, size_t from, size_t n)
{
    size_t r;

    if ( n == 0 || n > size )
        return size;
    if ( from >= size )
        from = 0;
    r = find_run_from(map, size, from, size, n);
    if ( r == size && from )
        r = find_run_from(map, size, 0, from, n);
    return r;
}

size_t
bitmap_weight(const unsigned long *map, size_t size)
{
    size_t i, w = 0;

    for ( i = 0; i < size / BITS_PER_LONG; i++ )
        w += __builtin_popcountl(map[i]);
    for ( i = ALIGN_DOWN(size, BITS_PER_LONG); i < size; i++ )
        w += bitmap_test(map, i);
    return w;
}
