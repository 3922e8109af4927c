/* SPDX-License-Identifier: MIT */
/*
 * blk_test.h - what the block self-tests share: finding the scratch
 * disk the command line names (tests/kernel/blk.c).
 */
#ifndef XENLING_TESTS_BLK_TEST_H
#define XENLING_TESTS_BLK_TEST_H

#include <blk.h>

/*
 * The scratch disk named by blktest= (a reference: blk_disk_put it),
 * with the pattern's seed from blkseed= in *seed; or NULL with *why
 * saying why the writing tests skip (not named, not there, read-only,
 * a seed that is not a number).
 */
struct blk_disk *blk_test_scratch(const char **why, uint64_t *seed);

#endif
