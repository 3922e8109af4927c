/* SPDX-License-Identifier: MIT */
/*
 * blkfront.h - one disk of the block frontend as the xenbus glue sees
 * it: make it (blkfront_new), choose its rings from what the backend
 * offers (blkfront_layout), give the backend the rings and an event
 * channel each (blkfront_setup: the values to publish), start I/O once
 * the backend has connected and its keys are checked (blkfront_connect),
 * and take it away (blkfront_remove). drivers/blk/blkfront.c; the public
 * API is include/blk.h.
 *
 * A disk has 1..BLKIF_QUEUES_MAX queues, each a ring of 2^order pages
 * with its own event channel (bound to the vCPU the queue serves), lock,
 * I/O engine and pool of persistent grants. A submitter uses its own
 * CPU's queue (blkif_queue_of), except around a barrier (blk_submit).
 */
#ifndef XENLING_BLKFRONT_H
#define XENLING_BLKFRONT_H

#include <blk.h>
#include <evtchn.h>
#include <spinlock.h>
#include <wait.h>
#include "drivers/blk/blkif_engine.h"
#include "drivers/blk/blkif_feat.h"
#include "drivers/blk/blkif_pool.h"

#define BLK_RING_PAGES_MAX (1u << BLKIF_RING_ORDER_MAX)

struct blk_disk;

struct blk_queue {
    struct blk_disk *d;         /* set at setup, then read-only */
    unsigned int idx, cpu;      /* ditto: the vCPU its event goes to */
    char name[24];              /* ditto: "xvda", then "xvda/q1", ... */
    spinlock_t lock;            /* protects the fields below it */
    struct blkif_engine engine; /* lock */
    struct blkif_params params; /* lock: its own copy (features turn off) */
    struct blkif_pool pool;     /* lock; used when params.persistent */
    uint64_t stamp;             /* lock: clock at the last event */
    void *ring;                 /* the shared ring: setup to release */
    unsigned int ring_pages;    /* ditto: its size */
    grant_ref_t ring_ref[BLK_RING_PAGES_MAX]; /* ditto */
    unsigned int ring_refs;                   /* ditto: how many are granted */
    evtchn_port_t port;                       /* ditto */
    bool have_port;                           /* ditto */
    struct blkif_ind_set *ind;   /* indirect page sets: connect to free */
    struct blkif_seg *ind_segs;  /* their segment arrays: ditto */
    struct blkif_pgnt *pool_mem; /* the pool's entries: ditto */
    unsigned int routed;         /* atomic: requests sent to this queue */
    unsigned int retired;        /* atomic: of those, completed */
};

struct blk_disk {
    char name[16];              /* set at creation, then read-only */
    uint32_t vdev;              /* ditto */
    domid_t backend_id;         /* ditto, until a resume (blk_resume.c) */
    struct blkif_opts opts;     /* ditto (blk= on the command line) */
    struct blkif_layout layout; /* set before setup, then read-only */
    struct blk_queue *q;        /* layout.nr_queues of them: setup */
    unsigned int q_cap;         /* allocated at the first setup: a resume
                                 * uses as many or fewer, never frees */
    struct blkif_params params; /* as negotiated: set at connect */
    uint32_t max_segs;          /* ditto */
    spinlock_t route_lock;      /* protects serial, seq, requeue, and the
                                 * changes of connected, reconnecting */
    bool serial;                /* a barrier is on queue 0: all go there */
    uint64_t seq;               /* the next request's order number */
    bool connected;             /* atomic: engines up and I/O may run */
    bool reconnecting;          /* after a resume in a new domain until
                                 * the new backend connects: requests
                                 * wait (blk_resume.c) */
    bool listed;                /* on the disk list (was connected) */
    struct blk_req *requeue;    /* reconnecting: unfinished requests, in
                                 * order (blkif_requeue.h) */
    struct waitq wq;            /* blk_io waits here */
    unsigned int refs;          /* disks_lock */
    struct blk_disk *next;      /* the disk list: disks_lock */
};

/*
 * A new disk for virtual device `vdev` served by domain `backend_id`,
 * not yet listed, holding one reference (the caller's), with one queue
 * of one page until blkfront_layout says otherwise. NULL without
 * memory.
 */
struct blk_disk *blkfront_new(uint32_t vdev, domid_t backend_id);

/*
 * Choose the rings from the backend's max-ring-page-order and
 * multi-queue-max-queues (blkif_layout_choose, within blk=). Before
 * blkfront_setup.
 */
void blkfront_layout(struct blk_disk *d, uint32_t max_order,
                     uint32_t max_queues);

/*
 * Share each queue's ring pages with the backend and open an event
 * channel for it: afterwards d->q[i].ring_ref[] and .port are what to
 * publish. Returns 0, or a negative errno (printed; what was made is
 * undone by blkfront_remove).
 */
int blkfront_setup(struct blk_disk *d);

/*
 * The backend is connected and its keys *p are checked: start I/O with
 * the features chosen (a console line says which), list the disk.
 * Returns 0, or -XEN_EINVAL / -XEN_ENOMEM.
 */
int blkfront_connect(struct blk_disk *d, const struct blkif_params *p);

/*
 * The engine's seg_map and seg_unmap for queue ctx (blk_grants.c): a
 * persistent grant from the queue's pool when the backend keeps them
 * (-XEN_EAGAIN when the pool is at its cap and none is free: the engine
 * retries after a completion), else a page granted for this segment
 * only. Queue lock held.
 */
int blk_seg_map(void *ctx, const void *src, size_t len, struct blkif_seg *seg);
void blk_seg_unmap(void *ctx, struct blkif_seg *seg, void *dst, size_t len);

/*
 * End and free queue q's persistent grants unused for idle_ns before
 * `now` (idle_ns 0: all that are free). Takes q's lock; thread context.
 */
void blk_pool_shrink(struct blk_queue *q, uint64_t now, uint64_t idle_ns);

/*
 * End q's persistent grants and its ring pages' grants and free those
 * pages (the pages past ring_refs were allocated but never granted). Its
 * fields still name them: the caller clears or frees the rest. Nothing
 * may be in flight on q, and its interrupt must be unbound.
 */
void blk_queue_release_ring(struct blk_queue *q);

/* Start the thread that shrinks idle pools. Once, thread context. */
void blk_pool_thread_start(void);

/* Read blk= from the command line (once, at blk_init); a copy of it. */
void blk_opts_init(void);
void blk_opts_get(struct blkif_opts *o);

/*
 * blkfront.c's own, for blk_resume.c: publish queue q's completions
 * (its lock held), let a barrier waiting on queue 0 look again (no
 * locks), the queue request r goes to (route lock held; returns with
 * that queue's lock taken, interrupts already off), a queue's indirect
 * sets and persistent pool, and the console line of the features.
 */
void blkfront_note_retired(struct blk_queue *q);
void blkfront_after_retire(struct blk_queue *q);
struct blk_queue *blkfront_route_locked(struct blk_disk *d,
                                        const struct blk_req *r);
int blkfront_queue_alloc(struct blk_disk *d, struct blk_queue *q);
void blkfront_print_features(struct blk_disk *d);
extern const struct blkif_engine_ops blkfront_engine_ops;

/*
 * A resume (drivers/blk/blk_resume.c). blkfront_reset: before the setup
 * of a disk that is reconnecting, hand back its old rings and
 * persistent grants, and take `backend` as its backend domain.
 * blkfront_reconnect: the new backend connected with keys *p: start the
 * engines again and submit the kept requests in their order. Returns 0
 * or a negative errno. Thread context (a xenbus hook).
 */
void blkfront_reset(struct blk_disk *d, domid_t backend);
int blkfront_reconnect(struct blk_disk *d, const struct blkif_params *p);

/*
 * Take the disk away: stop it (every request queued or in flight fails
 * with `err`, "blk: NAME: stopped: why" printed if it was running),
 * unlist it, close its event channels, end the rings' grants and the
 * persistent ones (pages kept while the backend still maps them), and
 * drop the caller's reference. Thread context.
 */
void blkfront_remove(struct blk_disk *d, int err, const char *why);

#endif
