/* SPDX-License-Identifier: MIT */
/*
 * test_blkif_req.c - host tests of cutting caller requests into blkif
 * ring requests (drivers/blk/blkif_req.c): segments never cross a page,
 * ring requests hold at most max_segs of them, every sector is covered
 * once and in order (a sweep over offsets, lengths and segment limits),
 * alignment to large logical sectors, runs past the end of the disk,
 * and the request written to the ring.
 */
#include <ktest.h>
#include "drivers/blk/blkif_req.h"
#include <xen/errno.h>

#define DISK (1ull << 30) /* sectors */

TEST(blkif_req, one_page_one_segment)
{
    struct blkif_split s;
    struct blkif_piece p;

    ASSERT_EQ(blkif_split_start(&s, 16, 8, 0, 512, DISK, 11), 0);
    ASSERT_TRUE(blkif_split_next(&s, &p));
    EXPECT_EQ(p.sector, 16u);
    EXPECT_EQ(p.nr_sectors, 8u);
    EXPECT_EQ(p.nr_segs, 1u);
    EXPECT_EQ(p.seg[0].page, 0u);
    EXPECT_EQ(p.seg[0].first, 0);
    EXPECT_EQ(p.seg[0].last, 7);
    EXPECT_FALSE(blkif_split_next(&s, &p));
}

TEST(blkif_req, unaligned_buffer_starts_mid_page)
{
    struct blkif_split s;
    struct blkif_piece p;

    /* The buffer starts at byte 1536 of its page: sector 3 of 8. */
    ASSERT_EQ(blkif_split_start(&s, 100, 10, 1536, 512, DISK, 11), 0);
    ASSERT_TRUE(blkif_split_next(&s, &p));
    EXPECT_EQ(p.nr_segs, 2u);
    EXPECT_EQ(p.seg[0].page, 0u);
    EXPECT_EQ(p.seg[0].first, 3);
    EXPECT_EQ(p.seg[0].last, 7);
    EXPECT_EQ(p.seg[1].page, 1u);
    EXPECT_EQ(p.seg[1].first, 0);
    EXPECT_EQ(p.seg[1].last, 4);
    EXPECT_EQ(p.nr_sectors, 10u);
    EXPECT_FALSE(blkif_split_next(&s, &p));
}

TEST(blkif_req, large_request_splits_at_eleven_pages)
{
    struct blkif_split s;
    struct blkif_piece p;

    ASSERT_EQ(blkif_split_start(&s, 0, BLKIF_REQ_SECTS_MAX, 0, 512, DISK,
                                BLKIF_SEGS_MAX),
              0);
    ASSERT_TRUE(blkif_split_next(&s, &p));
    EXPECT_EQ(p.nr_segs, 11u);
    EXPECT_EQ(p.nr_sectors, 88u);
    EXPECT_FALSE(blkif_split_next(&s, &p));

    ASSERT_EQ(blkif_split_start(&s, 0, 89, 0, 512, DISK, BLKIF_SEGS_MAX), 0);
    ASSERT_TRUE(blkif_split_next(&s, &p));
    EXPECT_EQ(p.nr_sectors, 88u);
    ASSERT_TRUE(blkif_split_next(&s, &p));
    EXPECT_EQ(p.sector, 88u);
    EXPECT_EQ(p.nr_sectors, 1u);
    EXPECT_EQ(p.seg[0].page, 11u);
    EXPECT_FALSE(blkif_split_next(&s, &p));
    EXPECT_EQ(blkif_split_count(89, 0, 11), 2u);
}

/*
 * Every combination of start offset, length and segment limit: the
 * pieces cover the run exactly once, in order, each segment inside one
 * page and the pages consecutive, and the count is predicted.
 */
TEST(blkif_req, sweep_covers_every_sector_once)
{
    struct blkif_split s;
    struct blkif_piece p;
    uint32_t off, max, i, page, in_page;
    uint64_t count, pieces, next, covered;
    unsigned int bad = 0;

    for ( off = 0; off < 8; off++ )
        for ( max = 1; max <= BLKIF_SEGS_MAX; max++ )
            for ( count = 1; count <= 200; count++ )
            {
                if ( blkif_split_start(&s, 1000, count, off * 512, 512, DISK,
                                       max) )
                {
                    bad++;
                    continue;
                }
                pieces = covered = 0;
                next = 1000;
                page = 0;
                in_page = off;
                while ( blkif_split_next(&s, &p) )
                {
                    pieces++;
                    bad +=
                        p.sector != next || p.nr_segs == 0 || p.nr_segs > max;
                    for ( i = 0; i < p.nr_segs; i++ )
                    {
                        bad += p.seg[i].page != page ||
                               p.seg[i].first != in_page ||
                               p.seg[i].last < p.seg[i].first ||
                               p.seg[i].last > 7;
                        covered += p.seg[i].last - p.seg[i].first + 1u;
                        in_page = p.seg[i].last + 1u;
                        if ( in_page == 8 )
                        {
                            in_page = 0;
                            page++;
                        }
                    }
                    next += p.nr_sectors;
                }
                bad += covered != count || next != 1000 + count ||
                       pieces != blkif_split_count(count, off * 512, max);
            }
    EXPECT_EQ(bad, 0u);
}

TEST(blkif_req, large_logical_sectors_need_alignment)
{
    struct blkif_split s;
    struct blkif_piece p;

    /* 4096-byte sectors: everything in units of 8 of ours. */
    EXPECT_EQ(blkif_split_start(&s, 8, 16, 0, 4096, DISK, 11), 0);
    ASSERT_TRUE(blkif_split_next(&s, &p));
    EXPECT_EQ(p.nr_segs, 2u);
    EXPECT_EQ(p.seg[1].first, 0);
    EXPECT_EQ(p.seg[1].last, 7);
    EXPECT_EQ(blkif_split_start(&s, 4, 16, 0, 4096, DISK, 11), -XEN_EINVAL);
    EXPECT_EQ(blkif_split_start(&s, 8, 12, 0, 4096, DISK, 11), -XEN_EINVAL);
    EXPECT_EQ(blkif_split_start(&s, 8, 16, 512, 4096, DISK, 11), -XEN_EINVAL);
    /* 1024-byte sectors: a buffer at 1024 into its page is fine. */
    EXPECT_EQ(blkif_split_start(&s, 2, 2, 1024, 1024, DISK, 11), 0);
    EXPECT_EQ(blkif_split_start(&s, 2, 2, 512, 1024, DISK, 11), -XEN_EINVAL);
}

TEST(blkif_req, bad_requests_are_refused)
{
    struct blkif_split s;

    EXPECT_EQ(blkif_split_start(&s, 0, 0, 0, 512, DISK, 11), -XEN_EINVAL);
    EXPECT_EQ(blkif_split_start(&s, 0, 1, 100, 512, DISK, 11), -XEN_EINVAL);
    EXPECT_EQ(blkif_split_start(&s, 0, 1, 4096, 512, DISK, 11), -XEN_EINVAL);
    EXPECT_EQ(blkif_split_start(&s, 0, 1, 0, 512, DISK, 0), -XEN_EINVAL);
    EXPECT_EQ(blkif_split_start(&s, 0, 1, 0, 512, DISK, 12), -XEN_EINVAL);
    EXPECT_EQ(blkif_split_start(&s, 0, 1, 0, 1000, DISK, 11), -XEN_EINVAL);
    EXPECT_EQ(blkif_split_start(&s, 0, 1, 0, 256, DISK, 11), -XEN_EINVAL);
    EXPECT_EQ(blkif_split_start(&s, 0, 1, 0, 8192, DISK, 11), -XEN_EINVAL);
    /* The end of the disk: the last sector is fine, one more is not. */
    EXPECT_EQ(blkif_split_start(&s, 99, 1, 0, 512, 100, 11), 0);
    EXPECT_EQ(blkif_split_start(&s, 99, 2, 0, 512, 100, 11), -XEN_ERANGE);
    EXPECT_EQ(blkif_split_start(&s, 0, 101, 0, 512, 100, 11), -XEN_ERANGE);
    /* sector + count wrapping around 2^64 is past the end too. */
    EXPECT_EQ(blkif_split_start(&s, UINT64_MAX - 1, 4, 0, 512, UINT64_MAX, 11),
              -XEN_ERANGE);
    EXPECT_EQ(blkif_split_count(0, 0, 11), 0u);
    EXPECT_EQ(blkif_split_count(1, 4096, 11), 0u);
    EXPECT_EQ(blkif_split_count(1, 0, 0), 0u);
}

TEST(blkif_req, fill_writes_the_whole_request)
{
    blkif_request_t q;
    struct blkif_split s;
    struct blkif_piece p;
    const grant_ref_t gref[2] = { 17, 18 };

    ASSERT_EQ(blkif_split_start(&s, 100, 10, 1536, 512, DISK, 11), 0);
    ASSERT_TRUE(blkif_split_next(&s, &p));
    memset(&q, 0xee, sizeof(q)); /* stale bytes must not survive */
    blkif_req_fill(&q, BLKIF_OP_WRITE, 51712, 0x10005, &p, gref);
    EXPECT_EQ(q.operation, BLKIF_OP_WRITE);
    EXPECT_EQ(q.nr_segments, 2);
    EXPECT_EQ(q.handle, 51712);
    EXPECT_EQ(q.id, 0x10005u);
    EXPECT_EQ(q.sector_number, 100u);
    EXPECT_EQ(q.seg[0].gref, 17u);
    EXPECT_EQ(q.seg[0].first_sect, 3);
    EXPECT_EQ(q.seg[0].last_sect, 7);
    EXPECT_EQ(q.seg[1].gref, 18u);
    EXPECT_EQ(q.seg[1].last_sect, 4);
    EXPECT_EQ(q.seg[2].gref, 0u);
    EXPECT_EQ(q.seg[10].last_sect, 0);

    memset(&q, 0xee, sizeof(q));
    blkif_req_fill_empty(&q, BLKIF_OP_FLUSH_DISKCACHE, 51712, 9);
    EXPECT_EQ(q.operation, BLKIF_OP_FLUSH_DISKCACHE);
    EXPECT_EQ(q.nr_segments, 0);
    EXPECT_EQ(q.sector_number, 0u);
    EXPECT_EQ(q.id, 9u);
    EXPECT_EQ(q.seg[0].gref, 0u);
}

TEST(blkif_req, op_names)
{
    EXPECT_STREQ(blkif_op_name(BLKIF_OP_READ), "read");
    EXPECT_STREQ(blkif_op_name(BLKIF_OP_WRITE_BARRIER), "barrier");
    EXPECT_STREQ(blkif_op_name(BLKIF_OP_FLUSH_DISKCACHE), "flush");
    EXPECT_STREQ(blkif_op_name(200), "op?");
}
