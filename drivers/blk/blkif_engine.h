/* SPDX-License-Identifier: MIT */
/*
 * blkif_engine.h - one disk's I/O engine: callers' requests queued in
 * order, each run through its steps (blkif_order.h), each step cut into
 * ring requests (blkif_req.h) and put on the ring (blkif_ring.h) as slots
 * allow, every response checked (blkif_shadow.h) and turned into the next
 * step or the request's completion. A bad response or an unusable index
 * stops the disk: every request fails, nothing more is sent, and the
 * kernel goes on. Portable (drivers/blk/blkif_engine.c), host-tested
 * against a fake backend in tests/host/test_blkif_engine.c; the driver
 * (drivers/blk/blkfront.c) supplies the pages, grants and events, and
 * holds its lock around every call.
 *
 *   submit -> queue -> [cur: being cut] -> ring -> responses
 *                ^                                   |
 *                +---- resume (the next step) <------+--> done list
 *
 * Data never goes to the backend from the caller's buffer: each segment
 * is a page of the driver's (ops->seg_map), copied in for writes and out
 * for reads, so a misbehaving backend cannot touch the caller's memory,
 * and a stopped disk can fail its requests at once.
 */
#ifndef XENLING_BLKIF_ENGINE_H
#define XENLING_BLKIF_ENGINE_H

#include <lib.h>
#include <blk.h>
#include "drivers/blk/blkif_feat.h"
#include "drivers/blk/blkif_negot.h"
#include "drivers/blk/blkif_order.h"
#include "drivers/blk/blkif_req.h"
#include "drivers/blk/blkif_ring.h"
#include "drivers/blk/blkif_shadow.h"

/* What the engine needs from the driver. Called with the lock held. */
struct blkif_engine_ops {
    /*
     * Give the backend a page holding `len` bytes: copied from src, and
     * granted read-only (unless the backend keeps grants: see
     * blkif_grant_readonly), for a write; granted writable, for a read
     * (src NULL). Returns 0 with *gref and *page, or a negative errno (no
     * page, no grant, the pool of persistent grants empty: the engine
     * retries after a completion).
     */
    int (*seg_map)(void *ctx, const void *src, size_t len,
                   struct blkif_seg *seg);
    /*
     * Take the page back: copy `len` bytes to dst first (a read that
     * succeeded; NULL otherwise), then end the grant and free the page
     * (the driver keeps a page the backend still maps until it lets go),
     * or put it back in its pool of persistent grants.
     */
    void (*seg_unmap)(void *ctx, struct blkif_seg *seg, void *dst, size_t len);
    /* Send the backend its event: requests are waiting. */
    void (*notify)(void *ctx);
    /*
     * Optional (NULL: none): whether another queue of the same disk still
     * has requests of its own queued or in flight. A barrier's drain
     * waits for them too (blkfront.c routes every request to this queue
     * meanwhile, and kicks it when they are done).
     */
    bool (*others_busy)(void *ctx);
};

struct blkif_engine_stats {
    uint64_t reads, writes, flushes, barriers; /* ring requests sent */
    uint64_t indirect; /* of the reads and writes, sent as INDIRECT */
    uint64_t discards; /* BLKIF_OP_DISCARD sent */
    uint64_t sectors_read, sectors_written;
    uint64_t submitted;    /* callers' requests */
    uint64_t done, failed; /* of those, completed; of those, failed */
};

/* One disk. Locked by the driver. */
struct blkif_engine {
    struct blkfront_ring ring;
    struct blkif_shadow shadow;
    struct blkif_params *p; /* the disk's; flush/barrier may turn off */
    const char *name;
    blkif_vdev_t handle;
    const struct blkif_engine_ops *ops;
    void *ctx;
    struct blk_req *head, *tail;   /* waiting to start, in order */
    struct blk_req *rhead, *rtail; /* waiting for their next step */
    struct blk_req *cur;           /* its step partly on the ring */
    struct blk_req *excl;          /* exclusive, running: nothing else */
    bool stopped;
    bool paused;       /* issue nothing (a suspend): blkif_engine_pause */
    uint64_t next_seq; /* the next request's order number (the driver's
                        * to set: a disk with several queues counts
                        * across them) */
    int stop_err;      /* what queued requests fail with */
    struct blkif_engine_stats stats;
    uint32_t max_segs;              /* a read or write request's (>= 11) */
    struct blkif_ind_set *ind_free; /* indirect page sets not in use */
    struct blkif_piece piece;       /* scratch: the piece being issued */
    struct blkif_request_segment desc[BLKIF_IND_SEGS_MAX]; /* scratch */
    grant_ref_t grefs[BLKIF_IND_SEGS_MAX];                 /* scratch */
};

/*
 * Start the engine of disk `name` over a ring already initialised (the
 * shadow table gets the ring's size). Returns 0, or -XEN_EINVAL.
 */
int blkif_engine_init(struct blkif_engine *e, const char *name,
                      blkif_vdev_t handle, struct blkif_params *p,
                      const struct blkif_engine_ops *ops, void *ctx);

/*
 * Let reads and writes carry up to `max_segs` segments (12 ..
 * BLKIF_IND_SEGS_MAX) as BLKIF_OP_INDIRECT requests, with `nr` page sets
 * of the driver's (each set's seg array holding max_segs entries): at
 * most nr indirect requests are in flight at once. Before any request.
 * Returns 0, or -XEN_EINVAL (nothing changes).
 */
int blkif_engine_set_indirect(struct blkif_engine *e, uint32_t max_segs,
                              struct blkif_ind_set *sets, uint32_t nr);

/*
 * Queue request r and issue what the ring takes. A request that cannot
 * be valid (unknown op, no data for a read, sectors past the end, not
 * aligned to the disk's sector, a write to a read-only disk) or a disk
 * that is stopped completes at once with its error. Completed requests
 * are linked onto *done (call blkif_engine_finish after unlocking).
 */
void blkif_engine_submit(struct blkif_engine *e, struct blk_req *r,
                         struct blk_req **done);

/*
 * Take every response on the ring (the backend's event, or polling):
 * checks each, finishes steps, issues what is waiting. A bad response
 * stops the disk. Completed requests are linked onto *done.
 */
void blkif_engine_poll(struct blkif_engine *e, struct blk_req **done);

/*
 * Stop the disk: print "blk: NAME: stopped: why", fail every request
 * queued or in flight with `err` (in-flight pages are handed back with
 * seg_unmap and never read again), refuse new ones with it. Completed
 * requests are linked onto *done.
 */
void blkif_engine_stop(struct blkif_engine *e, int err, const char *why,
                       struct blk_req **done);

/* Call each completed request's done(), in order. Without the lock. */
void blkif_engine_finish(struct blk_req *done);

/* Requests queued or in progress (not yet on the done list). */
unsigned int blkif_engine_pending(const struct blkif_engine *e);

/*
 * Pause (a suspend: nothing more goes on the ring, new requests are
 * queued, responses are still taken) or go on (issue what waited).
 * Completed requests are linked onto *done.
 */
void blkif_engine_pause(struct blkif_engine *e, bool pause,
                        struct blk_req **done);

/*
 * Issue what may go now (another queue went idle: a barrier's drain may
 * be over). Completed requests are linked onto *done.
 */
void blkif_engine_kick(struct blkif_engine *e, struct blk_req **done);

#endif
