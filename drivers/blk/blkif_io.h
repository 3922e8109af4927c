/* SPDX-License-Identifier: MIT */
/*
 * blkif_io.h - private to the I/O engine's two files (blkif_engine.c,
 * blkif_requeue.c): the engine's state of one caller request, kept in
 * the request's priv words, and the one engine helper the requeueing
 * needs. Nothing else includes it.
 */
#ifndef XENLING_BLKIF_IO_H
#define XENLING_BLKIF_IO_H

#include "drivers/blk/blkif_engine.h"

struct blkif_io {
    struct blk_req *next; /* in one queue, or the done list */
    struct blkif_order order;
    struct blkif_split split; /* a data step: what is not yet cut */
    uint64_t seq;             /* its place in the order of submission */
    uint32_t out;             /* ring requests of this step in flight */
    int rsp;                  /* their statuses, merged (BLKIF_RSP_*) */
    bool started;             /* order started */
    bool stepping;            /* the current step is set up */
    bool issued;              /* the whole step is on the ring */
    bool retired;             /* on the done list */
    bool taken;               /* on a requeue list (blkif_requeue.c) */
};

BUILD_BUG_ON(sizeof(struct blkif_io) > sizeof(((struct blk_req *)0)->priv));

static inline struct blkif_io *
blkif_io(struct blk_req *r)
{
    return (struct blkif_io *)r->priv;
}

/*
 * Hand slot s's pages back (seg_unmap), copying a successful read into
 * r's buffer first when `copy`. The engine's lock is held.
 */
void blkif_engine_unmap_slot(struct blkif_engine *e,
                             struct blkif_shadow_slot *s, struct blk_req *r,
                             bool copy);

#endif
