/* SPDX-License-Identifier: MIT */
/*
 * blk_pattern.h - what the writing block tests put on a scratch disk, so
 * that the guest, dom0 and the host can each check the disk on their
 * own. Portable (drivers/blk/blk_pattern.c), host-tested in
 * tests/host/test_blkif_pattern.c; the host's own checkers
 * (tools/blk/patcheck.py, tools/blk/logcheck.py) are separate
 * implementations of the same layout, described in tools/blk/README.md.
 *
 * The pattern: 512-byte sector n holds the 64-bit little-endian value
 * n XOR seed, 64 times.
 *
 * A tagged sector (the ordering tests) instead starts with a tag and
 * holds the pattern word in the rest:
 *
 *   offset  size  field (little-endian)
 *        0     8  magic "XLBLKTAG"
 *        8     8  sector: the sector's own number
 *       16     8  seed
 *       24     8  epoch: the test epoch that wrote it (0: none)
 *       32     8  seal: which of the disk's flushes (1 = the first the
 *                 disk was sent) is issued after this write completed
 *                 and must follow it (0: none)
 *       40     8  barriers: barriers the disk was sent before this write
 *       48     4  kind: 0 a write, 1 a barrier's data (barrier number
 *                 barriers + 1)
 *       52     4  zero
 *   56..511       n XOR seed, 57 times
 */
#ifndef XENLING_BLK_PATTERN_H
#define XENLING_BLK_PATTERN_H

#include <lib.h>

#define BLK_PATTERN_SECTOR 512u
#define BLK_TAG_MAGIC      "XLBLKTAG"

enum blk_tag_kind {
    BLK_TAG_WRITE,
    BLK_TAG_BARRIER,
};

struct blk_tag {
    uint64_t sector;
    uint64_t seed;
    uint64_t epoch;
    uint64_t seal;
    uint64_t barriers;
    uint32_t kind; /* enum blk_tag_kind */
};

/* Fill `count` sectors from `sector` at buf with the pattern. */
void blk_pattern_fill(void *buf, uint64_t sector, uint64_t count,
                      uint64_t seed);

/*
 * Check `count` sectors from `sector` at buf against the pattern.
 * Returns count when all match, else the index (0-based, from buf) of
 * the first sector that does not.
 */
uint64_t blk_pattern_check(const void *buf, uint64_t sector, uint64_t count,
                           uint64_t seed);

/* Write a tagged sector for *t into the 512 bytes at buf. */
void blk_tag_write(void *buf, const struct blk_tag *t);

/*
 * Read the tagged sector at buf into *t. Returns 0, or -XEN_ENOENT if it
 * has no tag (no magic), or -XEN_EBADMSG if the tag is there but the
 * rest of the sector is not what blk_tag_write writes (a torn or mixed
 * sector).
 */
int blk_tag_read(const void *buf, struct blk_tag *t);

/*
 * Parse a number as people write them (blkseed=, a sector for the
 * monitor, a device id): decimal, or hexadecimal after "0x", at most 64
 * bits, nothing else. Returns 0, or -XEN_EINVAL (not printed).
 */
int blk_number_parse(const char *s, uint64_t *out);

#endif
