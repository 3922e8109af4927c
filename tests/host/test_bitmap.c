/* SPDX-License-Identifier: MIT */
/*
 * test_bitmap.c - host tests of the bitmap helpers (include/bitmap.h,
 * kernel/lib/bitmap.c): single bits, ranges across word boundaries,
 * find_next_set, find_run with its wrap-around, weight, and a randomized
 * comparison against a one-byte-per-bit model.
 */
#include <ktest.h>
#include <bitmap.h>
#include "host.h"

#define NBITS 300 /* not a multiple of the word size */

/* Is exactly [start, start + n) set within [0, size)? */
static bool
only_range_set(const unsigned long *map, size_t size, size_t start, size_t n)
{
    for ( size_t i = 0; i < size; i++ )
        if ( bitmap_test(map, i) != (i >= start && i < start + n) )
            return false;
    return true;
}

TEST(bitmap, single_bits)
{
    unsigned long map[BITMAP_LONGS(NBITS)] = { 0 };

    EXPECT_EQ(BITMAP_LONGS(NBITS), (NBITS + 63) / 64u);
    bitmap_set(map, 0);
    bitmap_set(map, 63);
    bitmap_set(map, 64);
    bitmap_set(map, NBITS - 1);
    EXPECT_EQ(map[0], 0x8000000000000001ul);
    EXPECT_EQ(map[1], 1ul);
    EXPECT_TRUE(bitmap_test(map, NBITS - 1));
    EXPECT_FALSE(bitmap_test(map, 1));
    EXPECT_EQ(bitmap_weight(map, NBITS), 4u);
    bitmap_clear(map, 63);
    EXPECT_EQ(map[0], 1ul);
    EXPECT_EQ(bitmap_weight(map, NBITS), 3u);
}

TEST(bitmap, ranges_across_words)
{
    static const struct {
        size_t start, n;
    } cases[] = {
        { 0, 0 },    { 5, 0 },     { 0, 1 },         { 0, 64 },    { 0, 65 },
        { 1, 63 },   { 1, 64 },    { 60, 8 },        { 63, 2 },    { 64, 64 },
        { 10, 200 }, { 0, NBITS }, { NBITS - 1, 1 }, { 128, 172 }, { 3, 250 },
    };

    for ( size_t i = 0; i < ARRAY_SIZE(cases); i++ )
    {
        unsigned long map[BITMAP_LONGS(NBITS)] = { 0 };
        size_t s = cases[i].start, n = cases[i].n;

        bitmap_set_range(map, s, n);
        EXPECT_TRUE(only_range_set(map, NBITS, s, n));
        EXPECT_EQ(bitmap_weight(map, NBITS), n);

        /* Clearing the same range from a full map leaves the complement. */
        memset(map, 0xff, sizeof(map));
        bitmap_clear_range(map, s, n);
        EXPECT_EQ(bitmap_weight(map, NBITS), NBITS - n);
        for ( size_t b = 0; b < NBITS; b++ )
            if ( bitmap_test(map, b) == (b >= s && b < s + n) )
            {
                EXPECT_EQ(b, (size_t)-1); /* reports the first bad bit */
                break;
            }
    }
}

TEST(bitmap, find_next_set)
{
    unsigned long map[BITMAP_LONGS(NBITS)] = { 0 };

    EXPECT_EQ(bitmap_find_next_set(map, NBITS, 0), (size_t)NBITS);
    bitmap_set(map, 5);
    bitmap_set(map, 64);
    bitmap_set(map, 200);
    EXPECT_EQ(bitmap_find_next_set(map, NBITS, 0), 5u);
    EXPECT_EQ(bitmap_find_next_set(map, NBITS, 5), 5u);
    EXPECT_EQ(bitmap_find_next_set(map, NBITS, 6), 64u);
    EXPECT_EQ(bitmap_find_next_set(map, NBITS, 65), 200u);
    EXPECT_EQ(bitmap_find_next_set(map, NBITS, 201), (size_t)NBITS);
    EXPECT_EQ(bitmap_find_next_set(map, NBITS, NBITS), (size_t)NBITS);
    EXPECT_EQ(bitmap_find_next_set(map, NBITS, NBITS + 50), (size_t)NBITS);
    /* Bits past size in the last word are not reported. */
    map[BITMAP_LONGS(NBITS) - 1] |= 1ul << 63;
    EXPECT_EQ(bitmap_find_next_set(map, NBITS, 201), (size_t)NBITS);
    /* Nor are bits past a size that ends mid-word. */
    EXPECT_EQ(bitmap_find_next_set(map, 100, 65), 100u);
}

TEST(bitmap, find_run)
{
    unsigned long map[BITMAP_LONGS(NBITS)] = { 0 };

    EXPECT_EQ(bitmap_find_run(map, NBITS, 0, 1), (size_t)NBITS);
    bitmap_set_range(map, 10, 3);   /* 10..12 */
    bitmap_set_range(map, 60, 10);  /* 60..69, across a word */
    bitmap_set_range(map, 290, 10); /* 290..299, the end */

    EXPECT_EQ(bitmap_find_run(map, NBITS, 0, 0), (size_t)NBITS);
    EXPECT_EQ(bitmap_find_run(map, NBITS, 0, NBITS + 1), (size_t)NBITS);
    EXPECT_EQ(bitmap_find_run(map, NBITS, 0, 1), 10u);
    EXPECT_EQ(bitmap_find_run(map, NBITS, 0, 3), 10u);
    EXPECT_EQ(bitmap_find_run(map, NBITS, 0, 4), 60u);
    EXPECT_EQ(bitmap_find_run(map, NBITS, 11, 2), 11u);
    EXPECT_EQ(bitmap_find_run(map, NBITS, 11, 3), 60u);
    EXPECT_EQ(bitmap_find_run(map, NBITS, 0, 10), 60u);
    EXPECT_EQ(bitmap_find_run(map, NBITS, 61, 10), 290u);
    EXPECT_EQ(bitmap_find_run(map, NBITS, 0, 11), (size_t)NBITS);
    /* A run may not wrap from the end back to bit 0. */
    bitmap_set_range(map, 0, 5);
    EXPECT_EQ(bitmap_find_run(map, NBITS, 295, 8), 60u);
}

TEST(bitmap, find_run_wraps_once)
{
    unsigned long map[BITMAP_LONGS(NBITS)] = { 0 };

    bitmap_set_range(map, 20, 4);
    bitmap_set_range(map, 100, 2);
    /* Nothing long enough after `from`: the search wraps to bit 0. */
    EXPECT_EQ(bitmap_find_run(map, NBITS, 150, 4), 20u);
    EXPECT_EQ(bitmap_find_run(map, NBITS, 102, 2), 20u);
    EXPECT_EQ(bitmap_find_run(map, NBITS, 101, 2), 20u);
    EXPECT_EQ(bitmap_find_run(map, NBITS, 100, 2), 100u);
    /* A run that starts before `from` and reaches past it is found. */
    EXPECT_EQ(bitmap_find_run(map, NBITS, 22, 4), 20u);
    /* Starting just past the only run wraps back to it. */
    bitmap_clear_range(map, 0, NBITS);
    bitmap_set_range(map, 0, 3);
    EXPECT_EQ(bitmap_find_run(map, NBITS, 1, 3), 0u);
    EXPECT_EQ(bitmap_find_run(map, NBITS, 1, 2), 1u);
    EXPECT_EQ(bitmap_find_run(map, NBITS, 2, 2), 0u);
    bitmap_clear_range(map, 0, 3);
    bitmap_set_range(map, 20, 4);
    bitmap_set_range(map, 100, 2);
    /* from >= size means 0. */
    EXPECT_EQ(bitmap_find_run(map, NBITS, NBITS, 4), 20u);
    EXPECT_EQ(bitmap_find_run(map, NBITS, 5000, 2), 20u);
    /* Nothing anywhere. */
    EXPECT_EQ(bitmap_find_run(map, NBITS, 150, 5), (size_t)NBITS);
    EXPECT_EQ(bitmap_find_run(map, NBITS, 0, 5), (size_t)NBITS);
}

TEST(bitmap, weight_ignores_bits_past_size)
{
    unsigned long map[2];

    memset(map, 0xff, sizeof(map));
    EXPECT_EQ(bitmap_weight(map, 0), 0u);
    EXPECT_EQ(bitmap_weight(map, 1), 1u);
    EXPECT_EQ(bitmap_weight(map, 64), 64u);
    EXPECT_EQ(bitmap_weight(map, 100), 100u);
    EXPECT_EQ(bitmap_weight(map, 128), 128u);
}

/* A small deterministic generator, so a failure is reproducible. */
static uint32_t
next_rand(uint32_t *state)
{
    *state ^= *state << 13;
    *state ^= *state >> 17;
    *state ^= *state << 5;
    return *state;
}

/* The obvious, slow answer for find_run. */
static size_t
model_find_run(const bool *bits, size_t size, size_t from, size_t n)
{
    size_t pass, start;

    if ( n == 0 || n > size )
        return size;
    if ( from >= size )
        from = 0;
    for ( pass = 0; pass < 2; pass++ )
        for ( start = pass ? 0 : from; start < (pass ? from : size); start++ )
        {
            size_t len = 0;

            while ( start + len < size && len < n && bits[start + len] )
                len++;
            if ( len == n )
                return start;
        }
    return size;
}

TEST(bitmap, random_against_model)
{
    unsigned long map[BITMAP_LONGS(NBITS)] = { 0 };
    bool model[NBITS] = { false };
    uint32_t seed = 12345;
    unsigned int bad = 0;

    for ( int round = 0; round < 3000 && bad == 0; round++ )
    {
        size_t start = next_rand(&seed) % NBITS;
        size_t n = next_rand(&seed) % (NBITS - start + 1);
        size_t from = next_rand(&seed) % (NBITS + 10);
        size_t want = 1 + next_rand(&seed) % 40;
        size_t set = 0, expect_next = NBITS;
        bool value = next_rand(&seed) % 2;

        /* Mostly short ranges, so runs of all lengths occur. */
        if ( next_rand(&seed) % 4 )
            n %= 48;
        if ( value )
            bitmap_set_range(map, start, n);
        else
            bitmap_clear_range(map, start, n);
        for ( size_t i = start; i < start + n; i++ )
            model[i] = value;

        for ( size_t i = 0; i < NBITS; i++ )
        {
            bad += bitmap_test(map, i) != model[i];
            set += model[i];
            if ( expect_next == NBITS && i >= from && model[i] )
                expect_next = i;
        }
        bad += bitmap_weight(map, NBITS) != set;
        bad += bitmap_find_next_set(map, NBITS, from) != expect_next;
        bad += bitmap_find_run(map, NBITS, from, want) !=
               model_find_run(model, NBITS, from, want);
        if ( bad )
            printk("    # round %d: start %zu n %zu from %zu want %zu\n", round,
                   start, n, from, want);
    }
    EXPECT_EQ(bad, 0u);
}
