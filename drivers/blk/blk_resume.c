/* SPDX-License-Identifier: MIT */
/*
 * blk_resume.c - the disks across a suspend (include/blk.h,
 * docs/resume.md): before it every engine pauses, keeping what is on
 * its ring; after a cancelled one they go on; in a new domain the
 * answers the old backend left on each ring are taken, every unfinished
 * request is taken out in the order it was submitted
 * (blkif_requeue.c), and the disk waits, holding them and any new ones,
 * until xenbus has set it up with its new backend (blkfront_reset, then
 * blk_xenbus.c's setup) and that backend connects (blkfront_reconnect:
 * features read again, the requests submitted again in order). The
 * rest of the disk is blkfront.c.
 */
#include <kernel.h>
#include <grant.h>
#include <mm.h>
#include <xen_errno.h>
#include "drivers/blk/blkfront.h"
#include "drivers/blk/blkif_requeue.h"

/* Pause or unpause every queue of every connected disk. */
static void
pause_all(bool pause)
{
    struct blk_req *done;
    struct blk_disk *d;
    unsigned long flags;
    unsigned int k, i;

    for ( k = 0; (d = blk_disk_get(k)); k++ )
    {
        for ( i = 0; __atomic_load_n(&d->connected, __ATOMIC_ACQUIRE) &&
                     i < d->layout.nr_queues;
              i++ )
        {
            struct blk_queue *q = &d->q[i];

            done = NULL;
            flags = spin_lock_irqsave(&q->lock);
            blkif_engine_pause(&q->engine, pause, &done);
            blkfront_note_retired(q);
            spin_unlock_irqrestore(&q->lock, flags);
            blkif_engine_finish(done);
            blkfront_after_retire(q);
        }
        blk_disk_put(d);
    }
}

void
blk_suspend(void)
{
    pause_all(true);
}

/*
 * In a new domain: the old backend's last answers, then every
 * unfinished request of d onto d->requeue, in order. Its ports died
 * with the old domain (their numbers may be someone else's now: never
 * closed). Returns how many were kept.
 */
static unsigned int
keep_requests(struct blk_disk *d, struct blk_req **done)
{
    unsigned long flags = spin_lock_irqsave(&d->route_lock);
    unsigned int i, n = 0;

    if ( !d->connected )
    {
        spin_unlock_irqrestore(&d->route_lock, flags);
        return 0;
    }
    for ( i = 0; i < d->layout.nr_queues; i++ )
    {
        struct blk_queue *q = &d->q[i];

        spin_lock(&q->lock);
        q->have_port = false;
        /* Answers the old backend wrote before the domain went are in
         * our memory: those requests are done, not sent again. */
        if ( !q->engine.stopped )
            blkif_engine_poll(&q->engine, done);
        n += blkif_requeue_take(&q->engine, &d->requeue);
        blkfront_note_retired(q);
        spin_unlock(&q->lock);
    }
    __atomic_store_n(&d->connected, false, __ATOMIC_RELEASE);
    d->reconnecting = !d->q[0].engine.stopped;
    spin_unlock_irqrestore(&d->route_lock, flags);
    return n;
}

void
blk_resume(bool cancelled)
{
    struct blk_req *done;
    struct blk_disk *d;
    unsigned int k, n;

    if ( cancelled )
    {
        pause_all(false);
        return;
    }
    for ( k = 0; (d = blk_disk_get(k)); k++ )
    {
        done = NULL;
        n = keep_requests(d, &done);
        blkif_engine_finish(done);
        if ( d->reconnecting )
            printk(
                "blk: %s: %u unfinished request%s kept until the new backend connects\n",
                d->name, n, n == 1 ? "" : "s");
        blk_disk_put(d);
    }
}

void
blkfront_reset(struct blk_disk *d, domid_t backend)
{
    unsigned long flags;
    unsigned int i;

    for ( i = 0; i < d->q_cap; i++ )
    {
        struct blk_queue *q = &d->q[i];
        struct blkif_pgnt *pool_mem;
        struct blkif_ind_set *ind;
        struct blkif_seg *ind_segs;

        /* Persistent grants are the old backend's: ended, rebuilt on
         * demand for the new one (every page is free: nothing is in
         * flight). */
        blk_queue_release_ring(q);
        flags = spin_lock_irqsave(&q->lock);
        q->ring = NULL;
        q->ring_refs = q->ring_pages = 0;
        pool_mem = q->pool_mem;
        ind = q->ind;
        ind_segs = q->ind_segs;
        q->pool_mem = NULL;
        q->ind = NULL;
        q->ind_segs = NULL;
        memset(&q->pool, 0, sizeof(q->pool));
        q->engine.ind_free = NULL;
        spin_unlock_irqrestore(&q->lock, flags);
        kfree(pool_mem);
        kfree(ind);
        kfree(ind_segs);
    }
    d->backend_id = backend;
}

/* Console lines for what the old backend offered and the new one does
 * not (or the other way round): the disk goes on without it. */
static void
print_changes(const struct blk_disk *d, const struct blkif_params *old)
{
    static const char *const names[] = { "flush", "barrier", "discard",
                                         "persistent grants" };
    const bool was[] = { old->flush, old->barrier, old->discard,
                         old->persistent };
    const bool now[] = { d->params.flush, d->params.barrier, d->params.discard,
                         d->params.persistent };
    unsigned int i;

    for ( i = 0; i < ARRAY_SIZE(names); i++ )
        if ( was[i] != now[i] )
            printk("blk: %s: the new backend %s %s: %s\n", d->name,
                   now[i] ? "offers" : "has no", names[i],
                   now[i] ? "on" : "turned off");
}

/* Start queue q's engine again over its new ring, paused. q locked. */
static int
engine_again(struct blk_disk *d, struct blk_queue *q)
{
    int rc;

    q->params = d->params;
    rc = blkif_engine_init(&q->engine, q->name, (blkif_vdev_t)d->vdev,
                           &q->params, &blkfront_engine_ops, q);
    q->engine.paused = true;
    __atomic_store_n(&q->routed, 0, __ATOMIC_SEQ_CST);
    __atomic_store_n(&q->retired, 0, __ATOMIC_SEQ_CST);
    return rc;
}

/* Whether d still waits for its backend (not stopped meanwhile). */
static bool
still_reconnecting(struct blk_disk *d)
{
    unsigned long flags = spin_lock_irqsave(&d->route_lock);
    bool r = d->reconnecting;

    spin_unlock_irqrestore(&d->route_lock, flags);
    if ( !r )
        printk("blk: %s: not reconnected: it was stopped meanwhile\n", d->name);
    return r;
}

int
blkfront_reconnect(struct blk_disk *d, const struct blkif_params *p)
{
    struct blkif_params old = d->params;
    struct blk_req *list, *r, *done = NULL;
    unsigned long flags;
    unsigned int i, n = 0;
    int rc = 0;

    if ( !still_reconnecting(d) )
        return 0;
    if ( p->sector_size != old.sector_size || p->sectors_512 < old.sectors_512 )
    {
        blk_disk_stop(d, -XEN_EIO, "the disk changed across the resume");
        return 0;
    }
    d->params = *p;
    d->params.discard = p->discard && d->opts.discard;
    d->params.persistent = p->persistent && d->opts.persistent;
    d->max_segs = blkif_segs_choose(&d->opts, p->max_indirect_segs);
    print_changes(d, &old);
    /*
     * Each engine again over its new ring, paused: what was queued in it
     * since the resume joins the kept requests (by number: it came
     * after them), and what comes meanwhile stays queued. Then the
     * indirect sets and pools (a paused engine reads neither).
     */
    for ( i = 0; i < d->layout.nr_queues && !rc; i++ )
    {
        flags = spin_lock_irqsave(&d->route_lock);
        spin_lock(&d->q[i].lock);
        blkif_requeue_take(&d->q[i].engine, &d->requeue);
        rc = engine_again(d, &d->q[i]);
        spin_unlock(&d->q[i].lock);
        spin_unlock_irqrestore(&d->route_lock, flags);
        if ( !rc )
            rc = blkfront_queue_alloc(d, &d->q[i]);
    }
    if ( rc )
        return rc; /* the device closes: teardown fails what waits */
    /*
     * Everything kept, in order, under the route lock so that nothing
     * new overtakes it (a request routed meanwhile waits for the lock,
     * and is numbered after); then the engines go on.
     */
    flags = spin_lock_irqsave(&d->route_lock);
    if ( !d->reconnecting ) /* stopped meanwhile: its engines stay so */
    {
        spin_unlock_irqrestore(&d->route_lock, flags);
        return 0;
    }
    spin_lock(&d->q[0].lock);
    blkif_requeue_take(&d->q[0].engine, &d->requeue);
    spin_unlock(&d->q[0].lock);
    list = d->requeue;
    d->requeue = NULL;
    d->reconnecting = false;
    d->serial = false;
    __atomic_store_n(&d->connected, true, __ATOMIC_RELEASE);
    while ( (r = blkif_requeue_pop(&list)) )
    {
        struct blk_queue *q = blkfront_route_locked(d, r);

        blkif_engine_submit(&q->engine, r, &done);
        spin_unlock(&q->lock);
        n++;
    }
    for ( i = 0; i < d->layout.nr_queues; i++ )
    {
        spin_lock(&d->q[i].lock);
        blkif_engine_pause(&d->q[i].engine, false, &done);
        blkfront_note_retired(&d->q[i]);
        spin_unlock(&d->q[i].lock);
    }
    spin_unlock_irqrestore(&d->route_lock, flags);
    blkif_engine_finish(done);
    for ( i = 0; i < d->layout.nr_queues; i++ )
        blkfront_after_retire(&d->q[i]);
    blkfront_print_features(d);
    printk("blk: %s: reconnected: %u request%s submitted again in order\n",
           d->name, n, n == 1 ? "" : "s");
    return 0;
}
