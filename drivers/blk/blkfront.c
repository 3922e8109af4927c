/* SPDX-License-Identifier: MIT */
/*
 * blkfront.c - the block frontend's kernel half: each disk's queues
 * (a shared ring of 2^order pages, an event channel bound to the vCPU
 * the queue serves, a lock around the portable I/O engine
 * blkif_engine.c), the routing of requests to queues and of barriers
 * across them, the list of disks, and the public API of include/blk.h.
 * The pages the backend sees (bounce pages, persistent grants) are
 * blk_grants.c; the xenbus glue that finds disks and negotiates with
 * their backends is blk_xenbus.c; the monitor's `blk` is blk_monitor.c.
 */
#include <kernel.h>
#include <clock.h>
#include <grant.h>
#include <mm.h>
#include <percpu.h>
#include <resume.h>
#include <sched.h>
#include <smp.h>
#include <xen_errno.h>
#include <arch/x86.h>
#include "drivers/blk/blkfront.h"
#include "drivers/blk/blkif_requeue.h"

/*
 * Persistent grants per queue: the pages of four 1 MiB indirect requests
 * (each 256 data pages and a descriptor page), so four are in flight at
 * once; below what Linux's blkback keeps mapped per ring (1056 by
 * default), so every one stays mapped. At least one request's pages, or
 * a request would wait for itself (blkif_pool_take).
 */
#define POOL_CAP (4 * (BLKIF_IND_SEGS_MAX + 1))
BUILD_BUG_ON(POOL_CAP < BLKIF_IND_SEGS_MAX + 1);
BUILD_BUG_ON(BLK_QUEUES_MAX != BLKIF_QUEUES_MAX);
#define IND_SETS 8 /* indirect requests in flight per queue */

/* The list of connected disks, in the order they appeared. */
static spinlock_t disks_lock = SPINLOCK_INIT("blk-disks");
static struct blk_disk *disks; /* disks_lock */

static void
b_rmb(void)
{
    smp_rmb();
}

static void
b_wmb(void)
{
    smp_wmb();
}

static void
b_mb(void)
{
    smp_mb();
}

static const struct ring_barriers barriers = { b_rmb, b_wmb, b_mb };

/* --- the engine's hooks ------------------------------------------------ */

static void
notify(void *ctx)
{
    struct blk_queue *q = ctx;

    evtchn_send(q->port);
}

/* Requests routed to q and not yet completed. */
static unsigned int
queue_busy(struct blk_queue *q)
{
    return __atomic_load_n(&q->routed, __ATOMIC_SEQ_CST) -
           __atomic_load_n(&q->retired, __ATOMIC_SEQ_CST);
}

/* Queue 0's barrier drain: do the other queues still hold requests? */
static bool
others_busy(void *ctx)
{
    struct blk_queue *q = ctx;
    unsigned int i;

    for ( i = 0; i < q->d->layout.nr_queues; i++ )
        if ( i != q->idx && queue_busy(&q->d->q[i]) )
            return true;
    return false;
}

const struct blkif_engine_ops blkfront_engine_ops = { blk_seg_map,
                                                      blk_seg_unmap, notify,
                                                      others_busy };

void
blkfront_note_retired(struct blk_queue *q)
{
    /*
     * Seq-cst: the count is visible before we read d->serial in
     * after_retire, and queue 0 reads it after it set serial (Dekker).
     */
    __atomic_store_n(&q->retired, (unsigned int)q->engine.stats.done,
                     __ATOMIC_SEQ_CST);
}

void
blkfront_after_retire(struct blk_queue *q)
{
    struct blk_queue *q0 = &q->d->q[0];
    struct blk_req *done = NULL;
    unsigned long flags;

    if ( q->idx == 0 || !__atomic_load_n(&q->d->serial, __ATOMIC_SEQ_CST) )
        return;
    flags = spin_lock_irqsave(&q0->lock);
    blkif_engine_kick(&q0->engine, &done);
    blkfront_note_retired(q0);
    spin_unlock_irqrestore(&q0->lock, flags);
    blkif_engine_finish(done);
}

/* The backend's event on queue q: take its responses. Interrupts off. */
static void
queue_event(evtchn_port_t port, void *arg)
{
    struct blk_queue *q = arg;
    struct blk_req *done = NULL;

    spin_lock(&q->lock);
    if ( __atomic_load_n(&q->d->connected, __ATOMIC_ACQUIRE) )
    {
        if ( q->params.persistent )
            q->stamp = clock_now_ns(); /* once per event, not per page */
        blkif_engine_poll(&q->engine, &done);
        blkfront_note_retired(q);
    }
    spin_unlock(&q->lock);
    blkif_engine_finish(done);
    blkfront_after_retire(q);
}

/* --- life of a disk ----------------------------------------------------- */

struct blk_disk *
blkfront_new(uint32_t vdev, domid_t backend_id)
{
    struct blk_disk *d = kzalloc(sizeof(*d));

    if ( !d )
        return NULL;
    blkif_vdev_name(d->name, sizeof(d->name), vdev);
    d->vdev = vdev;
    d->backend_id = backend_id;
    blk_opts_get(&d->opts);
    d->layout.ring_order = 0;
    d->layout.nr_queues = 1;
    d->route_lock = (spinlock_t)SPINLOCK_INIT("blk-route");
    d->wq = (struct waitq)WAITQ_INIT("blk-io");
    d->refs = 1;
    return d;
}

void
blkfront_layout(struct blk_disk *d, uint32_t max_order, uint32_t max_queues)
{
    blkif_layout_choose(&d->opts, max_order, max_queues, nr_cpus, &d->layout);
}

/*
 * One queue's ring pages, grants and event channel. Again after a
 * resume (`again`): the queue and its lock exist, its engine is paused
 * (it may be queueing requests: the ring is set under the lock).
 */
static int
queue_setup(struct blk_disk *d, struct blk_queue *q, bool again)
{
    unsigned int i, pages = 1u << d->layout.ring_order;
    unsigned long flags;
    void *ring;
    int rc;

    if ( !again )
        q->lock = (spinlock_t)SPINLOCK_INIT("blk-queue");
    ring = page_alloc_n(pages);
    if ( !ring )
        return -XEN_ENOMEM;
    memset(ring, 0, pages * PAGE_SIZE);
    flags = spin_lock_irqsave(&q->lock);
    q->ring = ring;
    q->ring_pages = pages;
    blkif_ring_init(&q->engine.ring, q->ring, pages * PAGE_SIZE, q->name,
                    &barriers);
    spin_unlock_irqrestore(&q->lock, flags);
    for ( i = 0; i < pages; i++, q->ring_refs++ )
    {
        rc = gnttab_grant(d->backend_id, (char *)q->ring + i * PAGE_SIZE, false,
                          &q->ring_ref[i]);
        if ( rc )
        {
            printk("blk: %s: cannot grant ring page %u of queue %u (%s)\n",
                   d->name, i, q->idx, xen_errno_name(rc));
            return rc;
        }
    }
    rc = evtchn_alloc_unbound(d->backend_id, queue_event, q, &q->port);
    if ( rc )
    {
        printk("blk: %s: cannot open an event channel for queue %u (%s)\n",
               d->name, q->idx, xen_errno_name(rc));
        return rc;
    }
    q->have_port = true;
    /* Completions run on the vCPU whose submitters use this queue. */
    if ( d->layout.nr_queues > 1 && (rc = evtchn_bind_vcpu(q->port, q->cpu)) )
        printk("blk: %s: queue %u's events stay on vCPU 0 (%s)\n", d->name,
               q->idx, xen_errno_name(rc));
    return 0;
}

int
blkfront_setup(struct blk_disk *d)
{
    bool again = d->q != NULL; /* reconnecting: layout within q_cap */
    unsigned int i;
    int rc;

    if ( !again )
    {
        d->q = kzalloc(d->layout.nr_queues * sizeof(*d->q));
        if ( !d->q )
            return -XEN_ENOMEM;
        d->q_cap = d->layout.nr_queues;
    }
    for ( i = 0; i < d->layout.nr_queues; i++ )
    {
        d->q[i].d = d;
        d->q[i].idx = d->q[i].cpu = i;
        /* Messages name the queue; queue 0 (or the only one) is the disk. */
        if ( i )
            snprintf(d->q[i].name, sizeof(d->q[i].name), "%s/q%u", d->name, i);
        else
            memcpy(d->q[i].name, d->name, sizeof(d->name));
        if ( (rc = queue_setup(d, &d->q[i], again && i < d->q_cap)) )
            return rc;
    }
    return 0;
}

int
blkfront_queue_alloc(struct blk_disk *d, struct blk_queue *q)
{
    unsigned int i;

    if ( q->params.persistent )
    {
        q->pool_mem = kzalloc(POOL_CAP * sizeof(*q->pool_mem));
        if ( !q->pool_mem )
            return -XEN_ENOMEM;
        blkif_pool_init(&q->pool, q->pool_mem, POOL_CAP);
    }
    if ( d->max_segs <= BLKIF_SEGS_MAX )
        return 0;
    q->ind = kzalloc(IND_SETS * sizeof(*q->ind));
    q->ind_segs = kzalloc(IND_SETS * d->max_segs * sizeof(*q->ind_segs));
    if ( !q->ind || !q->ind_segs )
        return -XEN_ENOMEM;
    for ( i = 0; i < IND_SETS; i++ )
        q->ind[i].seg = q->ind_segs + i * d->max_segs;
    return blkif_engine_set_indirect(&q->engine, d->max_segs, q->ind, IND_SETS);
}

void
blkfront_print_features(struct blk_disk *d)
{
    const struct blkif_params *p = &d->params;

    printk(
        "blk: %s: negotiated: %u queue%s of %u ring page%s (%u slots each), %u segments a request%s, persistent grants %s, discard %s\n",
        d->name, d->layout.nr_queues, d->layout.nr_queues == 1 ? "" : "s",
        1u << d->layout.ring_order, d->layout.ring_order ? "s" : "",
        d->q[0].engine.ring.size, d->max_segs,
        d->max_segs > BLKIF_SEGS_MAX ? " (indirect)" : "",
        p->persistent        ? "on"
        : d->opts.persistent ? "off (not offered)"
                             : "off (blk=nopersistent)",
        p->discard         ? "on"
        : !d->opts.discard ? "off (blk=nodiscard)"
                           : "off (not offered)");
}

int
blkfront_connect(struct blk_disk *d, const struct blkif_params *p)
{
    struct blk_disk **at;
    unsigned long flags;
    unsigned int i;
    char line[192];
    int rc = 0;

    d->params = *p;
    d->params.discard = p->discard && d->opts.discard;
    d->params.persistent = p->persistent && d->opts.persistent;
    d->max_segs = blkif_segs_choose(&d->opts, p->max_indirect_segs);
    for ( i = 0; i < d->layout.nr_queues && !rc; i++ )
    {
        struct blk_queue *q = &d->q[i];

        flags = spin_lock_irqsave(&q->lock);
        q->params = d->params;
        rc = blkif_engine_init(&q->engine, q->name, (blkif_vdev_t)d->vdev,
                               &q->params, &blkfront_engine_ops, q);
        spin_unlock_irqrestore(&q->lock, flags);
        if ( !rc )
            rc = blkfront_queue_alloc(d, q);
    }
    if ( rc )
        return rc;
    flags = spin_lock_irqsave(&d->route_lock);
    __atomic_store_n(&d->connected, true, __ATOMIC_RELEASE);
    d->listed = true;
    spin_unlock_irqrestore(&d->route_lock, flags);
    blkif_params_describe(line, sizeof(line), d->name, p);
    printk("blk: %s\n", line);
    blkfront_print_features(d);
    flags = spin_lock_irqsave(&disks_lock);
    for ( at = &disks; *at; at = &(*at)->next )
        continue;
    *at = d;
    d->refs++; /* the list's */
    spin_unlock_irqrestore(&disks_lock, flags);
    return 0;
}

void
blk_queue_release_ring(struct blk_queue *q)
{
    unsigned int k;

    blk_pool_shrink(q, 0, 0);
    for ( k = 0; k < q->ring_refs; k++ )
        gnttab_end_and_free(q->ring_ref[k], (char *)q->ring + k * PAGE_SIZE);
    for ( k = q->ring_refs; q->ring && k < q->ring_pages; k++ )
        page_free((char *)q->ring + k * PAGE_SIZE);
}

/* Free what setup and connect made; the last reference is gone. */
static void
disk_free(struct blk_disk *d)
{
    unsigned int i;

    for ( i = 0; d->q && i < d->q_cap; i++ )
    {
        struct blk_queue *q = &d->q[i];

        blk_queue_release_ring(q);
        kfree(q->pool_mem);
        kfree(q->ind);
        kfree(q->ind_segs);
    }
    kfree(d->q);
    kfree(d);
}

void
blk_disk_put(struct blk_disk *d)
{
    unsigned long flags = spin_lock_irqsave(&disks_lock);
    bool last = --d->refs == 0;

    spin_unlock_irqrestore(&disks_lock, flags);
    if ( last )
        disk_free(d);
}

void
blk_disk_stop(struct blk_disk *d, int err, const char *why)
{
    struct blk_req *done, *held, *r;
    unsigned long flags;
    bool engines;
    unsigned int i;

    /* A disk waiting for its new backend: what it kept fails too, and
     * it is not brought back (blkfront_reconnect sees it). */
    flags = spin_lock_irqsave(&d->route_lock);
    engines = d->connected || d->reconnecting;
    held = d->requeue;
    d->requeue = NULL;
    d->reconnecting = false;
    spin_unlock_irqrestore(&d->route_lock, flags);
    while ( (r = blkif_requeue_pop(&held)) )
    {
        r->status = err;
        r->flags = 0;
        if ( r->done )
            r->done(r);
    }
    for ( i = 0; d->q && i < d->layout.nr_queues; i++ )
    {
        struct blk_queue *q = &d->q[i];

        done = NULL;
        flags = spin_lock_irqsave(&q->lock);
        if ( engines )
        {
            blkif_engine_stop(&q->engine, err, why, &done);
            blkfront_note_retired(q);
        }
        spin_unlock_irqrestore(&q->lock, flags);
        blkif_engine_finish(done);
    }
}

void
blkfront_remove(struct blk_disk *d, int err, const char *why)
{
    struct blk_disk **at;
    unsigned long flags;
    bool listed = false;
    unsigned int i;

    blk_disk_stop(d, err, why);
    flags = spin_lock_irqsave(&disks_lock);
    for ( at = &disks; *at; at = &(*at)->next )
        if ( *at == d )
        {
            *at = d->next;
            listed = true;
            break;
        }
    spin_unlock_irqrestore(&disks_lock, flags);
    for ( i = 0; d->q && i < d->layout.nr_queues; i++ )
    {
        if ( d->q[i].have_port )
            evtchn_close(d->q[i].port); /* its handler is over on return */
        d->q[i].have_port = false;
    }
    if ( listed )
        blk_disk_put(d);
    blk_disk_put(d);
}

/* --- the public API ------------------------------------------------------ */

unsigned int
blk_disk_count(void)
{
    unsigned long flags = spin_lock_irqsave(&disks_lock);
    unsigned int n = 0;
    struct blk_disk *d;

    for ( d = disks; d; d = d->next )
        n++;
    spin_unlock_irqrestore(&disks_lock, flags);
    return n;
}

/* The first listed disk that `match` accepts, with a reference. */
static struct blk_disk *
disk_lookup(bool (*match)(struct blk_disk *d, const void *key, unsigned int i),
            const void *key)
{
    unsigned long flags = spin_lock_irqsave(&disks_lock);
    struct blk_disk *d;
    unsigned int i = 0;

    for ( d = disks; d && !match(d, key, i); d = d->next )
        i++;
    if ( d )
        d->refs++;
    spin_unlock_irqrestore(&disks_lock, flags);
    return d;
}

static bool
match_index(struct blk_disk *d, const void *key, unsigned int i)
{
    return i == *(const unsigned int *)key;
}

static bool
match_name(struct blk_disk *d, const void *key, unsigned int i)
{
    return strcmp(d->name, key) == 0;
}

struct blk_disk *
blk_disk_get(unsigned int i)
{
    return disk_lookup(match_index, &i);
}

struct blk_disk *
blk_disk_find(const char *name)
{
    return disk_lookup(match_name, name);
}

/* Add queue q's counts and features to *out. Its lock is held. */
static void
info_add(const struct blk_queue *q, struct blk_info *out)
{
    const struct blkif_engine_stats *s = &q->engine.stats;

    out->flush = out->flush && q->params.flush;
    out->barrier = out->barrier && q->params.barrier;
    out->discard = out->discard && q->params.discard;
    out->stopped = out->stopped || q->engine.stopped;
    out->flushes += s->flushes;
    out->barriers += s->barriers;
    out->reads += s->reads;
    out->writes += s->writes;
    out->sectors_read += s->sectors_read;
    out->sectors_written += s->sectors_written;
    out->failed += s->failed;
    out->indirect += s->indirect;
    out->discards += s->discards;
    out->pool_hits += q->pool.hits;
    out->pool_waits += q->pool.waits;
    out->queue_reqs[q->idx] = s->submitted;
}

void
blk_disk_info(struct blk_disk *d, struct blk_info *out)
{
    bool connected = __atomic_load_n(&d->connected, __ATOMIC_ACQUIRE);
    unsigned long flags;
    unsigned int i;

    memset(out, 0, sizeof(*out));
    memcpy(out->name, d->name, sizeof(out->name));
    out->sectors = d->params.sectors_512;
    out->sector_size = d->params.sector_size;
    out->phys_sector_size = d->params.phys_sector_size;
    out->readonly = d->params.readonly;
    out->cdrom = d->params.cdrom;
    out->removable = d->params.removable;
    out->flush = d->params.flush;
    out->barrier = d->params.barrier;
    out->discard = d->params.discard;
    out->discard_granularity = d->params.discard_granularity;
    out->discard_alignment = d->params.discard_alignment;
    out->persistent = d->params.persistent;
    out->queues = d->layout.nr_queues;
    out->ring_pages = 1u << d->layout.ring_order;
    out->max_segs = d->max_segs;
    out->stopped = !connected;
    for ( i = 0; connected && i < d->layout.nr_queues; i++ )
    {
        flags = spin_lock_irqsave(&d->q[i].lock);
        info_add(&d->q[i], out);
        spin_unlock_irqrestore(&d->q[i].lock, flags);
    }
}

/*
 * The queue for request r, its lock taken (interrupts off: *flags). A
 * barrier goes to queue 0 and, while it is there, so does everything
 * after it: its drain waits for the other queues to empty
 * (others_busy), and what follows it cannot start before it on another
 * queue. The route lock is held until the queue's lock is, so requests
 * enter their queue in the order they were routed.
 */
struct blk_queue *
blkfront_route_locked(struct blk_disk *d, const struct blk_req *r)
{
    struct blk_queue *q;

    /* Numbered in the order they enter their queues: a resume submits
     * what was unfinished again in this order (blkif_requeue.h). */
    if ( d->layout.nr_queues == 1 || d->reconnecting )
    {
        q = &d->q[0];
        spin_lock(&q->lock);
        q->engine.next_seq = d->seq++;
        __atomic_add_fetch(&q->routed, 1, __ATOMIC_SEQ_CST);
        return q;
    }
    if ( r->op == BLK_OP_BARRIER )
        __atomic_store_n(&d->serial, true, __ATOMIC_SEQ_CST);
    else if ( d->serial && queue_busy(&d->q[0]) == 0 )
        __atomic_store_n(&d->serial, false, __ATOMIC_SEQ_CST);
    q = d->serial
            ? &d->q[0]
            : &d->q[blkif_queue_of(smp_processor_id(), d->layout.nr_queues)];
    spin_lock(&q->lock);
    q->engine.next_seq = d->seq++;
    /* Counted before the route lock goes: serial ends only after it. */
    __atomic_add_fetch(&q->routed, 1, __ATOMIC_SEQ_CST);
    return q;
}

void
blk_submit(struct blk_disk *d, struct blk_req *r)
{
    struct blk_req *done = NULL;
    struct blk_queue *q;
    unsigned long flags;

    /* Reconnecting (a resume): it waits in queue 0's paused engine. */
    flags = spin_lock_irqsave(&d->route_lock);
    if ( !d->connected && !d->reconnecting )
    {
        spin_unlock_irqrestore(&d->route_lock, flags);
        r->status = -XEN_ENODEV; /* never connected, or stopped */
        r->flags = 0;
        if ( r->done )
            r->done(r);
        return;
    }
    q = blkfront_route_locked(d, r);
    spin_unlock(&d->route_lock); /* q's lock still held, irqs off */
    blkif_engine_submit(&q->engine, r, &done);
    blkfront_note_retired(q);
    spin_unlock_irqrestore(&q->lock, flags);
    blkif_engine_finish(done);
    blkfront_after_retire(q);
}

/* A synchronous request's completion. */
struct sync {
    struct blk_req r;
    struct blk_disk *d;
    bool done; /* set once, then the waker */
};

static void
sync_done(struct blk_req *r)
{
    struct sync *s = r->arg;
    struct blk_disk *d = s->d;

    __atomic_store_n(&s->done, true, __ATOMIC_RELEASE);
    waitq_wake_all(&d->wq); /* s may be gone after the store: d is not */
}

static bool
sync_is_done(void *arg)
{
    struct sync *s = arg;

    return __atomic_load_n(&s->done, __ATOMIC_ACQUIRE);
}

int
blk_io(struct blk_disk *d, unsigned int op, uint64_t sector, uint32_t count,
       void *buf, unsigned int *flags)
{
    struct sync s = { .d = d };
    unsigned int resumes;

    s.r.op = op;
    s.r.sector = sector;
    s.r.count = count;
    s.r.buf = buf;
    s.r.done = sync_done;
    s.r.arg = &s;
    blk_submit(d, &s.r);
    /* A wait a suspend interrupted gets a new one: the time away, or a
     * reconnection to a new backend (blk_resume.c), is not the disk's
     * fault. */
    do
        resumes = resume_count();
    while ( !wait_event_timeout(&d->wq, sync_is_done, &s, BLK_TIMEOUT_NS) &&
            resume_count() != resumes );
    if ( !sync_is_done(&s) )
    {
        /* Stopping fails every request now, this one included. */
        blk_disk_stop(d, -XEN_ETIMEDOUT, "a request got no answer in 30 s");
        wait_event_timeout(&d->wq, sync_is_done, &s, BLK_TIMEOUT_NS);
    }
    if ( flags )
        *flags = s.r.flags;
    return s.r.status;
}

int
blk_read(struct blk_disk *d, uint64_t sector, uint32_t count, void *buf)
{
    return blk_io(d, BLK_OP_READ, sector, count, buf, NULL);
}

int
blk_write(struct blk_disk *d, uint64_t sector, uint32_t count, const void *buf)
{
    return blk_io(d, BLK_OP_WRITE, sector, count, (void *)buf, NULL);
}

int
blk_flush(struct blk_disk *d, unsigned int *flags)
{
    return blk_io(d, BLK_OP_FLUSH, 0, 0, NULL, flags);
}

int
blk_discard(struct blk_disk *d, uint64_t sector, uint32_t count)
{
    return blk_io(d, BLK_OP_DISCARD, sector, count, NULL, NULL);
}
