/* SPDX-License-Identifier: MIT */
/*
 * test_blkif_feat.c - host tests of the performance features' choices
 * (drivers/blk/blkif_feat.c): the blk= switches and their refusals, the
 * rings chosen from what a backend offers (Linux's blkback: order 4, 4
 * queues) within our limits and the vCPUs, the segments per request,
 * the queue a CPU submits to, and the discard extents inside a run.
 */
#include <ktest.h>
#include "drivers/blk/blkif_feat.h"
#include "drivers/blk/blkif_req.h"
#include "tests/host/host.h"
#include <xen/errno.h>

TEST(blkif_feat, defaults_are_all_on)
{
    struct blkif_opts o;

    EXPECT_EQ(blkif_opts_parse("", &o), 0);
    EXPECT_TRUE(o.indirect);
    EXPECT_TRUE(o.persistent);
    EXPECT_TRUE(o.discard);
    EXPECT_EQ(blkif_opts_parse("persistent", &o), 0); /* still accepted */
    EXPECT_TRUE(o.persistent);
    EXPECT_EQ(o.queues, 0u);
    EXPECT_EQ(o.ring_order, -1);
}

TEST(blkif_feat, every_switch)
{
    struct blkif_opts o;

    EXPECT_EQ(blkif_opts_parse(
                  "noindirect,nopersistent,nodiscard,queues=3,ringorder=2", &o),
              0);
    EXPECT_FALSE(o.indirect);
    EXPECT_FALSE(o.persistent);
    EXPECT_FALSE(o.discard);
    EXPECT_EQ(o.queues, 3u);
    EXPECT_EQ(o.ring_order, 2);
    /* Empty words are fine; the last value wins. */
    EXPECT_EQ(blkif_opts_parse(",queues=1,,queues=2,ringorder=0,", &o), 0);
    EXPECT_TRUE(o.indirect);
    EXPECT_EQ(o.queues, 2u);
    EXPECT_EQ(o.ring_order, 0);
}

TEST(blkif_feat, bad_words_are_refused_by_name)
{
    static const char *const bad[] = {
        "indirect",     "queues=0",      "queues=9",     "queues=",
        "queues=1x",    "ringorder=4",   "ringorder=",   "ringorder=-1",
        "queues=12345", "nodiscard,foo", "noindirect=1",
    };
    struct blkif_opts o;
    unsigned int i;

    for ( i = 0; i < ARRAY_SIZE(bad); i++ )
    {
        host_capture_begin();
        EXPECT_EQ(blkif_opts_parse(bad[i], &o), -XEN_EINVAL);
        host_capture_end();
        EXPECT_TRUE(host_capture_contains("blk= ignored"));
        /* Nothing half-applied: the defaults. */
        EXPECT_TRUE(o.discard);
        EXPECT_EQ(o.queues, 0u);
    }
    host_capture_begin();
    blkif_opts_parse("nodiscard,foo", &o);
    host_capture_end();
    EXPECT_TRUE(host_capture_contains("'foo'"));
}

TEST(blkif_feat, layout_from_linux_blkback)
{
    struct blkif_opts o;
    struct blkif_layout l;

    blkif_opts_default(&o);
    blkif_layout_choose(&o, 4, 4, 2, &l);
    EXPECT_EQ(l.ring_order, BLKIF_RING_ORDER_MAX); /* ours is lower */
    EXPECT_EQ(l.nr_queues, 2u);                    /* one per vCPU */
    blkif_layout_choose(&o, 4, 4, 8, &l);
    EXPECT_EQ(l.nr_queues, 4u); /* the backend's limit */
    blkif_layout_choose(&o, 0, 1, 8, &l);
    EXPECT_EQ(l.ring_order, 0u);
    EXPECT_EQ(l.nr_queues, 1u);
    blkif_layout_choose(&o, 1, 0, 0, &l); /* 0 queues, 0 CPUs: 1 */
    EXPECT_EQ(l.ring_order, 1u);
    EXPECT_EQ(l.nr_queues, 1u);
    blkif_layout_choose(&o, 9, 64, 64, &l);
    EXPECT_EQ(l.nr_queues, BLKIF_QUEUES_MAX);
    blkif_opts_parse("queues=1,ringorder=0", &o);
    blkif_layout_choose(&o, 4, 4, 2, &l);
    EXPECT_EQ(l.ring_order, 0u);
    EXPECT_EQ(l.nr_queues, 1u);
    blkif_opts_parse("queues=8,ringorder=2", &o);
    blkif_layout_choose(&o, 1, 4, 3, &l);
    EXPECT_EQ(l.ring_order, 1u); /* never above the backend's */
    EXPECT_EQ(l.nr_queues, 3u);
}

TEST(blkif_feat, segments_per_request)
{
    struct blkif_opts o;

    blkif_opts_default(&o);
    EXPECT_EQ(blkif_segs_choose(&o, 256), 256u);
    EXPECT_EQ(blkif_segs_choose(&o, 4096), BLKIF_IND_SEGS_MAX);
    EXPECT_EQ(blkif_segs_choose(&o, 32), 32u);
    EXPECT_EQ(blkif_segs_choose(&o, 11), 11u); /* no better than direct */
    EXPECT_EQ(blkif_segs_choose(&o, 0), 11u);
    o.indirect = false;
    EXPECT_EQ(blkif_segs_choose(&o, 256), 11u);
}

TEST(blkif_feat, queue_of_cpu)
{
    EXPECT_EQ(blkif_queue_of(0, 1), 0u);
    EXPECT_EQ(blkif_queue_of(5, 1), 0u);
    EXPECT_EQ(blkif_queue_of(3, 2), 1u);
    EXPECT_EQ(blkif_queue_of(4, 4), 0u);
}

TEST(blkif_feat, discard_whole_extents_only)
{
    struct blkif_params p = { 0 };
    uint64_t first, n;

    p.sector_size = 512;
    EXPECT_EQ(blkif_discard_range(&p, 0, 8, &first, &n), -XEN_EINVAL);
    EXPECT_EQ(n, 0u);
    p.discard = true;
    p.discard_granularity = 512; /* any sector */
    EXPECT_EQ(blkif_discard_range(&p, 3, 5, &first, &n), 0);
    EXPECT_EQ(first, 3u);
    EXPECT_EQ(n, 5u);
    p.discard_granularity = 4096; /* 8-sector extents from 0 */
    EXPECT_EQ(blkif_discard_range(&p, 3, 30, &first, &n), 0);
    EXPECT_EQ(first, 8u);
    EXPECT_EQ(n, 24u); /* 8..31; 3..7 and 32 are left alone */
    EXPECT_EQ(blkif_discard_range(&p, 1, 10, &first, &n), 0);
    EXPECT_EQ(n, 0u); /* no whole extent */
    EXPECT_EQ(blkif_discard_range(&p, 16, 8, &first, &n), 0);
    EXPECT_EQ(first, 16u);
    EXPECT_EQ(n, 8u);
    p.discard_alignment = 1024; /* extents start at 2, 10, 18, ... */
    EXPECT_EQ(blkif_discard_range(&p, 0, 30, &first, &n), 0);
    EXPECT_EQ(first, 2u);
    EXPECT_EQ(n, 24u); /* 2..25 */
    EXPECT_EQ(blkif_discard_range(&p, 0, 1, &first, &n), 0);
    EXPECT_EQ(n, 0u);                  /* ends before the first extent */
    p.discard_alignment = 4096 + 1024; /* the same, modulo an extent */
    EXPECT_EQ(blkif_discard_range(&p, 10, 8, &first, &n), 0);
    EXPECT_EQ(first, 10u);
    EXPECT_EQ(n, 8u);
}
