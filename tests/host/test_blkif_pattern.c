/* SPDX-License-Identifier: MIT */
/*
 * test_blkif_pattern.c - host tests of the scratch disk's sector pattern
 * and the ordering tests' tags (drivers/blk/blk_pattern.c): the exact
 * bytes (little-endian, so other checkers can agree), a corrupted or
 * misplaced sector found, tags read back and torn ones refused, and the
 * blkseed= parser.
 */
#include <ktest.h>
#include "drivers/blk/blk_pattern.h"
#include <xen/errno.h>

static unsigned char buf[8 * BLK_PATTERN_SECTOR];

TEST(blkif_pattern, exact_bytes_little_endian)
{
    unsigned int i;

    blk_pattern_fill(buf, 0x0102, 2, 0xff00000000000001ull);
    /* Sector 0x102 ^ seed = 0xff00000000000103, little-endian, 64 times. */
    EXPECT_EQ(buf[0], 0x03);
    EXPECT_EQ(buf[1], 0x01);
    EXPECT_EQ(buf[2], 0x00);
    EXPECT_EQ(buf[7], 0xff);
    for ( i = 0; i < 8; i++ )
        EXPECT_EQ(buf[504 + i], buf[i]);
    /* The next sector holds 0x103 ^ seed. */
    EXPECT_EQ(buf[512], 0x02);
    EXPECT_EQ(buf[513], 0x01);
}

TEST(blkif_pattern, check_finds_the_first_bad_sector)
{
    blk_pattern_fill(buf, 1000, 8, 42);
    EXPECT_EQ(blk_pattern_check(buf, 1000, 8, 42), 8u);
    EXPECT_EQ(blk_pattern_check(buf, 1000, 8, 43), 0u); /* another seed */
    EXPECT_EQ(blk_pattern_check(buf, 1001, 8, 42), 0u); /* misplaced */
    buf[5 * 512 + 300] ^= 1;
    EXPECT_EQ(blk_pattern_check(buf, 1000, 8, 42), 5u);
    /* The last byte of the last sector counts too. */
    buf[5 * 512 + 300] ^= 1;
    buf[sizeof(buf) - 1] ^= 0x80;
    EXPECT_EQ(blk_pattern_check(buf, 1000, 8, 42), 7u);
    EXPECT_EQ(blk_pattern_check(buf, 1000, 0, 42), 0u);
}

TEST(blkif_pattern, tags_round_trip)
{
    struct blk_tag in = { .sector = 77,
                          .seed = 5,
                          .epoch = 3,
                          .seal = 4,
                          .barriers = 2,
                          .kind = BLK_TAG_BARRIER };
    struct blk_tag out;

    blk_tag_write(buf, &in);
    EXPECT_TRUE(memcmp(buf, "XLBLKTAG", 8) == 0);
    EXPECT_EQ(buf[8], 77); /* sector */
    EXPECT_EQ(buf[24], 3); /* epoch */
    EXPECT_EQ(buf[48], 1); /* kind */
    EXPECT_EQ(buf[52], 0);
    EXPECT_EQ(buf[56], 77 ^ 5); /* the pattern word after the tag */
    ASSERT_EQ(blk_tag_read(buf, &out), 0);
    EXPECT_EQ(out.sector, 77u);
    EXPECT_EQ(out.seed, 5u);
    EXPECT_EQ(out.epoch, 3u);
    EXPECT_EQ(out.seal, 4u);
    EXPECT_EQ(out.barriers, 2u);
    EXPECT_EQ(out.kind, (uint32_t)BLK_TAG_BARRIER);
}

TEST(blkif_pattern, untagged_and_torn_sectors)
{
    struct blk_tag in = { .sector = 9, .seed = 1 };
    struct blk_tag out;

    blk_pattern_fill(buf, 9, 1, 1);
    EXPECT_EQ(blk_tag_read(buf, &out), -XEN_ENOENT);
    blk_tag_write(buf, &in);
    ASSERT_EQ(blk_tag_read(buf, &out), 0);
    /* Half of another write in the tail: a torn sector. */
    memset(buf + 256, 0, 256);
    EXPECT_EQ(blk_tag_read(buf, &out), -XEN_EBADMSG);
    blk_tag_write(buf, &in);
    buf[48] = 2; /* no such kind */
    EXPECT_EQ(blk_tag_read(buf, &out), -XEN_EBADMSG);
}

TEST(blkif_pattern, seed_parser)
{
    uint64_t v = 99;

    EXPECT_EQ(blk_number_parse("0", &v), 0);
    EXPECT_EQ(v, 0u);
    EXPECT_EQ(blk_number_parse("1234", &v), 0);
    EXPECT_EQ(v, 1234u);
    EXPECT_EQ(blk_number_parse("0xDeadBeef", &v), 0);
    EXPECT_EQ(v, 0xdeadbeefu);
    EXPECT_EQ(blk_number_parse("0xffffffffffffffff", &v), 0);
    EXPECT_EQ(v, UINT64_MAX);
    EXPECT_EQ(blk_number_parse("18446744073709551615", &v), 0);
    EXPECT_EQ(v, UINT64_MAX);
    v = 7;
    EXPECT_EQ(blk_number_parse("18446744073709551616", &v), -XEN_EINVAL);
    EXPECT_EQ(blk_number_parse("0x10000000000000000", &v), -XEN_EINVAL);
    EXPECT_EQ(blk_number_parse("", &v), -XEN_EINVAL);
    EXPECT_EQ(blk_number_parse("0x", &v), -XEN_EINVAL);
    EXPECT_EQ(blk_number_parse("12a", &v), -XEN_EINVAL);
    EXPECT_EQ(blk_number_parse("-1", &v), -XEN_EINVAL);
    EXPECT_EQ(blk_number_parse(" 1", &v), -XEN_EINVAL);
    EXPECT_EQ(v, 7u); /* untouched on failure */
}
