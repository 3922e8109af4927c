/* SPDX-License-Identifier: MIT */
/*
 * test_blkif_pool.c - host tests of the persistent-grant pool
 * (drivers/blk/blkif_pool.c): pages reused most recently used first,
 * the cap, and shrinking what went idle (oldest first, never a page in
 * use), or everything at the end; where a segment's page comes from and
 * whether its grant may be read-only.
 */
#include <ktest.h>
#include "drivers/blk/blkif_pool.h"

static struct blkif_pgnt store[4], out[8];
static char pages[4][16];

TEST(blkif_pool, grows_to_its_cap_then_reuses)
{
    struct blkif_pool p;
    grant_ref_t g;
    void *pg;
    unsigned int i;

    blkif_pool_init(&p, store, 4);
    EXPECT_FALSE(blkif_pool_get(&p, &g, &pg));
    for ( i = 0; i < 4; i++ )
    {
        ASSERT_TRUE(blkif_pool_may_grow(&p));
        blkif_pool_grew(&p);
    }
    EXPECT_FALSE(blkif_pool_may_grow(&p));
    EXPECT_EQ(p.granted, 4u);
    for ( i = 0; i < 4; i++ )
        blkif_pool_put(&p, 100 + i, pages[i], 10 + i);
    EXPECT_EQ(p.nfree, 4u);
    /* The most recently used comes back first. */
    ASSERT_TRUE(blkif_pool_get(&p, &g, &pg));
    EXPECT_EQ(g, 103u);
    EXPECT_TRUE(pg == pages[3]);
    ASSERT_TRUE(blkif_pool_get(&p, &g, &pg));
    EXPECT_EQ(g, 102u);
    EXPECT_EQ(p.hits, 2u);
    EXPECT_EQ(p.grown, 4u);
    blkif_pool_put(&p, 102, pages[2], 50);
    ASSERT_TRUE(blkif_pool_get(&p, &g, &pg));
    EXPECT_EQ(g, 102u);
}

TEST(blkif_pool, shrinks_what_went_idle)
{
    struct blkif_pool p;
    grant_ref_t g;
    void *pg;
    unsigned int i;

    blkif_pool_init(&p, store, 4);
    for ( i = 0; i < 4; i++ )
    {
        blkif_pool_grew(&p);
        blkif_pool_put(&p, 200 + i, pages[i], 1000 * (i + 1));
    }
    ASSERT_TRUE(blkif_pool_get(&p, &g, &pg)); /* 203: in use */
    /* At 3500, idle 1000: used before 2500, so 200 and 201. */
    EXPECT_EQ(blkif_pool_shrink(&p, 3500, 1000, out, 8), 2u);
    EXPECT_EQ(out[0].gref, 200u);
    EXPECT_EQ(out[1].gref, 201u);
    EXPECT_EQ(p.nfree, 1u);
    EXPECT_EQ(p.granted, 2u); /* 202 free, 203 in use */
    EXPECT_EQ(p.shrunk, 2u);
    EXPECT_TRUE(blkif_pool_may_grow(&p));
    /* Nothing idle enough; a clock still below the idle time. */
    EXPECT_EQ(blkif_pool_shrink(&p, 3500, 1000, out, 8), 0u);
    EXPECT_EQ(blkif_pool_shrink(&p, 500, 1000, out, 8), 0u);
    /* A bound on how many at once. */
    blkif_pool_put(&p, 203, pages[3], 4000);
    EXPECT_EQ(blkif_pool_shrink(&p, 1u << 30, 1000, out, 1), 1u);
    EXPECT_EQ(out[0].gref, 202u);
    /* The end: every free page, whatever its age. */
    EXPECT_EQ(blkif_pool_shrink(&p, 4000, 0, out, 8), 1u);
    EXPECT_EQ(out[0].gref, 203u);
    EXPECT_EQ(p.granted, 0u);
    EXPECT_FALSE(blkif_pool_get(&p, &g, &pg));
}

TEST(blkif_pool, a_pool_of_nothing)
{
    struct blkif_pool p;

    blkif_pool_init(&p, NULL, 0);
    EXPECT_FALSE(blkif_pool_may_grow(&p));
    EXPECT_EQ(blkif_pool_shrink(&p, 10, 0, out, 8), 0u);
}

TEST(blkif_pool, take_stays_inside_the_pool_with_persistent_grants)
{
    struct blkif_pool p;
    grant_ref_t g;
    void *pg;

    blkif_pool_init(&p, store, 2);
    EXPECT_EQ(blkif_pool_take(&p, true, &g, &pg), BLKIF_POOL_NEW);
    blkif_pool_grew(&p);
    EXPECT_EQ(blkif_pool_take(&p, true, &g, &pg), BLKIF_POOL_NEW);
    blkif_pool_grew(&p);
    /* At the cap with none free: wait, never a grant outside the pool. */
    EXPECT_EQ(blkif_pool_take(&p, true, &g, &pg), BLKIF_POOL_WAIT);
    EXPECT_EQ(p.waits, 1u);
    blkif_pool_put(&p, 301, pages[1], 5);
    EXPECT_EQ(blkif_pool_take(&p, true, &g, &pg), BLKIF_POOL_REUSED);
    EXPECT_EQ(g, 301u);
    EXPECT_TRUE(pg == pages[1]);
    /* Without them, a grant for the segment only; the pool is not used. */
    EXPECT_EQ(blkif_pool_take(NULL, false, &g, &pg), BLKIF_POOL_ONCE);
    EXPECT_EQ(p.granted, 2u);
}

TEST(blkif_pool, persistent_grants_are_never_read_only)
{
    /* A backend that keeps grants maps them writable (blkif.h). */
    EXPECT_FALSE(blkif_grant_readonly(true, true));
    EXPECT_FALSE(blkif_grant_readonly(true, false));
    EXPECT_TRUE(blkif_grant_readonly(false, true));
    EXPECT_FALSE(blkif_grant_readonly(false, false));
}
