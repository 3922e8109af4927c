/* SPDX-License-Identifier: MIT */
/*
 * blkif_requeue.h - what a disk does with its unfinished requests when
 * its backend goes away under it and a new one comes (a resume in a new
 * domain, docs/resume.md): every request the engine holds and has not
 * completed - on the ring unanswered, partly issued, between two steps,
 * or not yet started - is taken out of the (paused) engine and listed
 * in the order it was submitted, so that submitting the list again, in
 * that order, to an engine over the new ring repeats every promise:
 * what a barrier waited for is before it, what it held back after it,
 * and a flush comes after everything that completed before it (those
 * stay completed: an acknowledged request is never sent again). Each
 * goes again from its first step, with the new backend's features.
 * Portable (drivers/blk/blkif_requeue.c), host-tested in
 * tests/host/test_blkif_requeue.c.
 */
#ifndef XENLING_BLKIF_REQUEUE_H
#define XENLING_BLKIF_REQUEUE_H

#include <lib.h>
#include <blk.h>
#include "drivers/blk/blkif_engine.h"

/*
 * Take every unfinished request out of engine e (paused, its lock held)
 * onto *out, ordered by submission (merged into what *out holds
 * already, itself in that order: a disk's queues are taken one after
 * the other). Their ring requests' pages are handed back unread
 * (seg_unmap), the shadow table is emptied and the engine holds nothing
 * afterwards; it is started again with blkif_engine_init. Returns how
 * many were taken.
 */
unsigned int blkif_requeue_take(struct blkif_engine *e, struct blk_req **out);

/* The first request of a requeue list, unlinked; NULL when empty. */
struct blk_req *blkif_requeue_pop(struct blk_req **list);

/* Request r's order number (its engine's next_seq when submitted). */
uint64_t blkif_requeue_seq(struct blk_req *r);

#endif
