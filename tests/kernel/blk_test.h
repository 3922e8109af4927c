/* SPDX-License-Identifier: MIT */
/*
 * blk_test.h - what the block self-tests share: finding the scratch
 * disk the command line names (tests/kernel/blk.c), and the disk writer
 * of the resume test.
 */
#ifndef XENLING_TESTS_BLK_TEST_H
#define XENLING_TESTS_BLK_TEST_H

#include <blk.h>
#include <ktest.h>

/*
 * The scratch disk named by blktest= (a reference: blk_disk_put it),
 * with the pattern's seed from blkseed= in *seed; or NULL with *why
 * saying why the writing tests skip (not named, not there, read-only,
 * a seed that is not a number).
 */
struct blk_disk *blk_test_scratch(const char **why, uint64_t *seed);

/*
 * resume.*'s disk writer (tests/kernel/resume_blk.c). Start: when
 * blktest= names a usable scratch disk, a thread keeps writing it (with
 * flushes and barriers) until finish; returns whether it runs (a line
 * says why not). Finish: stop it, check that every acknowledged write
 * reads back, and leave the pattern of blkseed= on the disk's chunks for
 * the host's check. Thread context.
 */
bool resume_blk_start(void);
void resume_blk_finish(struct ktest_ctx *t);

#endif
