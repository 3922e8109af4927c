/* SPDX-License-Identifier: MIT */
/*
 * mm.c - self-tests of the page allocator and the heap. The suite-wide
 * leak check (kernel/selftest.c) also proves these give back what they take.
 */
#include <kernel.h>
#include <ktest.h>
#include <mm.h>

#define N_PAGES 256

static bool
in_image(uint64_t pa)
{
    return pa >= virt_to_phys(__kernel_start) &&
           pa < virt_to_phys(__kernel_end);
}

TEST(mm, page_alloc_unique_aligned)
{
    static uint8_t *pages[N_PAGES];
    size_t before = page_free_count();
    unsigned int i, j;

    for ( i = 0; i < N_PAGES; i++ )
    {
        pages[i] = page_alloc();
        ASSERT_TRUE(pages[i] != NULL);
        EXPECT_EQ(virt_to_phys(pages[i]) & (PAGE_SIZE - 1), 0);
        EXPECT_FALSE(in_image(virt_to_phys(pages[i])));
        EXPECT_GE(virt_to_phys(pages[i]), 0x100000);
        /* Mark each page with its index; a shared page shows up below. */
        memset(pages[i], (int)i, PAGE_SIZE);
    }
    EXPECT_EQ(page_free_count(), before - N_PAGES);
    for ( i = 0; i < N_PAGES; i++ )
    {
        for ( j = 0; j < PAGE_SIZE; j += 512 )
            if ( pages[i][j] != (uint8_t)i )
                break;
        EXPECT_EQ(j, PAGE_SIZE);
    }
    for ( i = 0; i < N_PAGES; i++ )
        page_free(pages[i]);
    EXPECT_EQ(page_free_count(), before);
}

TEST(mm, page_free_poisons)
{
    uint8_t *p = page_alloc();

    ASSERT_TRUE(p != NULL);
    memset(p, 0, PAGE_SIZE);
    page_free(p);
    /* Deliberate read after free: freed pages must hold junk. */
    EXPECT_EQ(p[0], PAGE_POISON);
    EXPECT_EQ(p[PAGE_SIZE - 1], PAGE_POISON);
}

TEST(mm, page_alloc_contiguous)
{
    size_t before = page_free_count();
    uint8_t *p = page_alloc_n(16);
    uint8_t *q;

    ASSERT_TRUE(p != NULL);
    EXPECT_EQ(page_free_count(), before - 16);
    /* Every page of the run is ours: no single-page allocation lands in it. */
    q = page_alloc();
    ASSERT_TRUE(q != NULL);
    EXPECT_TRUE(q < p || q >= p + 16 * PAGE_SIZE);
    page_free(q);
    page_free_n(p, 16);
    EXPECT_EQ(page_free_count(), before);
}

TEST(mm, page_alloc_zeroed)
{
    uint8_t *p = page_alloc_zeroed();
    size_t i, nonzero = 0;

    ASSERT_TRUE(p != NULL);
    for ( i = 0; i < PAGE_SIZE; i++ )
        nonzero += p[i] != 0;
    EXPECT_EQ(nonzero, 0);
    page_free(p);
}

TEST(mm, heap_sizes_and_alignment)
{
    static const size_t sizes[] = { 1,    15,   16,   17,   100,   500,
                                    1000, 2032, 2033, 4096, 10000, 70000 };
    void *p[ARRAY_SIZE(sizes)];
    size_t live = heap_live_allocations();
    unsigned int i, j;

    for ( i = 0; i < ARRAY_SIZE(sizes); i++ )
    {
        p[i] = kmalloc(sizes[i]);
        ASSERT_TRUE(p[i] != NULL);
        EXPECT_EQ((uintptr_t)p[i] & 15, 0);
        memset(p[i], 0xa0 + i, sizes[i]);
    }
    EXPECT_EQ(heap_live_allocations(), live + ARRAY_SIZE(sizes));
    /* No block overlaps another: each still holds its own pattern. */
    for ( i = 0; i < ARRAY_SIZE(sizes); i++ )
    {
        const uint8_t *b = p[i];

        for ( j = 0; j < sizes[i]; j++ )
            if ( b[j] != (uint8_t)(0xa0 + i) )
                break;
        EXPECT_EQ(j, sizes[i]);
    }
    for ( i = 0; i < ARRAY_SIZE(sizes); i++ )
        kfree(p[i]);
    EXPECT_EQ(heap_live_allocations(), live);
    EXPECT_TRUE(kmalloc(0) == NULL);
}

TEST(mm, heap_free_poisons_and_reuses)
{
    uint8_t *a = kmalloc(64), *b;

    ASSERT_TRUE(a != NULL);
    memset(a, 0, 64);
    kfree(a);
    EXPECT_EQ(a[0], PAGE_POISON); /* deliberate read after free */
    b = kmalloc(64);
    EXPECT_TRUE(b == a); /* LIFO free list: same block */
    kfree(b);
}

TEST(mm, kzalloc_zeroes)
{
    uint8_t *a = kmalloc(200);
    uint8_t *b;
    unsigned int i, nz = 0;

    ASSERT_TRUE(a != NULL);
    memset(a, 0xff, 200);
    kfree(a);
    b = kzalloc(200);
    ASSERT_TRUE(b != NULL);
    for ( i = 0; i < 200; i++ )
        nz += b[i] != 0;
    EXPECT_EQ(nz, 0);
    kfree(b);
}
