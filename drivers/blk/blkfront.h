/* SPDX-License-Identifier: MIT */
/*
 * blkfront.h - one disk of the block frontend as the xenbus glue sees
 * it: make it (blkfront_new), give the backend a ring and an event
 * channel (blkfront_setup: the values to publish), start I/O once the
 * backend has connected and its keys are checked (blkfront_connect), and
 * take it away (blkfront_remove). drivers/blk/blkfront.c; the public API
 * is include/blk.h.
 */
#ifndef XENLING_BLKFRONT_H
#define XENLING_BLKFRONT_H

#include <blk.h>
#include <evtchn.h>
#include <spinlock.h>
#include <wait.h>
#include "drivers/blk/blkif_engine.h"

struct blk_disk {
    char name[16];              /* set at creation, then read-only */
    uint32_t vdev;              /* ditto */
    domid_t backend_id;         /* ditto */
    spinlock_t lock;            /* protects the fields below it */
    struct blkif_engine engine; /* lock */
    struct blkif_params params; /* lock (features may turn off) */
    bool connected;             /* lock: engine running */
    void *ring_page;            /* the shared ring: setup to release */
    grant_ref_t ring_ref;       /* its grant: ditto */
    evtchn_port_t port;         /* the event channel: ditto */
    bool have_port, have_ring;  /* ditto */
    struct waitq wq;            /* blk_io waits here */
    unsigned int refs;          /* disks_lock */
    struct blk_disk *next;      /* the disk list: disks_lock */
};

/*
 * A new disk for virtual device `vdev` served by domain `backend_id`,
 * not yet listed, holding one reference (the caller's). NULL without
 * memory.
 */
struct blk_disk *blkfront_new(uint32_t vdev, domid_t backend_id);

/*
 * Share a ring page with the backend and open an event channel for it:
 * afterwards d->ring_ref and d->port are what to write to ring-ref and
 * event-channel. Returns 0, or a negative errno (printed; what was made
 * is undone by blkfront_remove).
 */
int blkfront_setup(struct blk_disk *d);

/*
 * The backend is connected and its keys *p are checked: start I/O, list
 * the disk, print its console line. Returns 0, or -XEN_EINVAL.
 */
int blkfront_connect(struct blk_disk *d, const struct blkif_params *p);

/*
 * Take the disk away: stop it (every request queued or in flight fails
 * with `err`, "blk: NAME: stopped: why" printed if it was running),
 * unlist it, close its event channel, end the ring's grant (the page is
 * kept while the backend still maps it), and drop the caller's
 * reference. Thread context.
 */
void blkfront_remove(struct blk_disk *d, int err, const char *why);

#endif
