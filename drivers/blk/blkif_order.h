/* SPDX-License-Identifier: MIT */
/*
 * blkif_order.h - the steps that keep the promises of BLK_OP_FLUSH and
 * BLK_OP_BARRIER (include/blk.h) with whatever the backend offers, and
 * what happens when it refuses one with BLKIF_RSP_EOPNOTSUPP: the feature
 * is turned off for the disk (a console line says so) and the request
 * goes on with the fallback. Portable (drivers/blk/blkif_order.c),
 * host-tested in tests/host/test_blkif_order.c.
 *
 *   caller op      backend offers   steps                        result
 *   FLUSH          flush            FLUSH                        0
 *   FLUSH          barrier only     BARRIER(empty)               0, not durable
 *   FLUSH          neither          (nothing sent)               -EOPNOTSUPP
 *   BARRIER+data   barrier, flush   DRAIN, BARRIER(data), FLUSH  0
 *   BARRIER+data   barrier only     DRAIN, BARRIER(data)         0, not durable
 *   BARRIER+data   flush only       DRAIN, WRITE(data), FLUSH    0
 *   BARRIER+data   neither          DRAIN, WRITE(data)           0, not durable
 *   BARRIER empty  barrier          DRAIN, BARRIER(empty)        0
 *   BARRIER empty  otherwise        DRAIN                        0
 *
 * A flush promises durability of what completed before it, so it runs
 * beside other requests (and needs no drain, even as a barrier: what it
 * covers has completed). A barrier is exclusive: it waits until nothing
 * else is in flight (DRAIN) and nothing else is issued until it is done,
 * so its ordering never depends on the backend; the backend's own
 * barrier adds that its cache is flushed before the data is written
 * (Linux's blkback does so), and the FLUSH after makes the data durable
 * before any later write starts, which blkif does not promise of a
 * barrier alone.
 */
#ifndef XENLING_BLKIF_ORDER_H
#define XENLING_BLKIF_ORDER_H

#include <lib.h>
#include "drivers/blk/blkif_negot.h"

enum blkif_step {
    BLKIF_STEP_DONE,    /* finished: see status and flags */
    BLKIF_STEP_DRAIN,   /* wait until no other request is in flight */
    BLKIF_STEP_READ,    /* the data as BLKIF_OP_READ requests */
    BLKIF_STEP_WRITE,   /* the data as BLKIF_OP_WRITE requests */
    BLKIF_STEP_BARRIER, /* the data (or none) as BLKIF_OP_WRITE_BARRIER */
    BLKIF_STEP_FLUSH,   /* one BLKIF_OP_FLUSH_DISKCACHE */
};

/* One caller request's progress. */
struct blkif_order {
    uint8_t op;         /* BLK_OP_* */
    bool data;          /* it carries sectors */
    uint8_t step;       /* enum blkif_step: the step now running */
    bool exclusive;     /* from now until done, issue nothing else */
    int status;         /* when done: 0 or a negative Xen errno */
    unsigned int flags; /* when done: BLK_RES_* */
};

/*
 * Begin request `op` (with data or not) on a disk with features *p.
 * Returns the first step (also in o->step); BLKIF_STEP_DONE at once for
 * a write to a read-only disk (-XEN_EROFS: nothing is sent) or an op
 * that is not one (-XEN_EINVAL).
 */
enum blkif_step blkif_order_start(struct blkif_order *o, unsigned int op,
                                  bool data, const struct blkif_params *p);

/*
 * The step o->step finished with `rsp` (a BLKIF_RSP_* status: the merge
 * of its ring requests' statuses; BLKIF_RSP_OKAY for DRAIN). Returns the
 * next step. EOPNOTSUPP on a FLUSH or BARRIER turns that feature off in
 * *p with a console line naming disk `name` (once: not when it is off
 * already) and goes on with the fallback; an error ends the request
 * with -XEN_EIO. A caller about to run a FLUSH or BARRIER step whose
 * feature was turned off meanwhile passes EOPNOTSUPP without sending it.
 */
enum blkif_step blkif_order_next(struct blkif_order *o, int rsp,
                                 struct blkif_params *p, const char *name);

/*
 * The status of a step made of several ring requests, from two of
 * them: an error beats "not supported", which beats OK.
 */
int blkif_rsp_merge(int a, int b);

#endif
