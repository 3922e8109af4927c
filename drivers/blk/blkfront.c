/* SPDX-License-Identifier: MIT */
/*
 * blkfront.c - the block frontend's kernel half: each disk's shared ring
 * page, event channel and bounce pages (granted to the backend one
 * segment at a time), its lock around the portable I/O engine
 * (blkif_engine.c), the list of disks, and the public API of
 * include/blk.h. The xenbus glue that finds disks and negotiates with
 * their backends is blk_xenbus.c; the monitor's `blk` command is
 * blk_monitor.c.
 */
#include <kernel.h>
#include <grant.h>
#include <mm.h>
#include <xen_errno.h>
#include <arch/x86.h>
#include "drivers/blk/blkfront.h"

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

/* --- pages the backend sees -------------------------------------------- */

static int
seg_map(void *ctx, const void *src, size_t len, grant_ref_t *gref, void **page)
{
    struct blk_disk *d = ctx;
    void *p = page_alloc();
    int rc;

    if ( !p )
        return -XEN_ENOMEM;
    if ( src )
        memcpy(p, src, len);
    /* The backend reads what we write, and writes what we read. */
    rc = gnttab_grant(d->backend_id, p, src != NULL, gref);
    if ( rc )
    {
        page_free(p);
        return rc;
    }
    *page = p;
    return 0;
}

static void
seg_unmap(void *ctx, grant_ref_t gref, void *page, void *dst, size_t len)
{
    if ( dst )
        memcpy(dst, page, len);
    /* A page the backend still maps is kept until it lets go. */
    gnttab_end_and_free(gref, page);
}

static void
notify(void *ctx)
{
    struct blk_disk *d = ctx;

    evtchn_send(d->port);
}

static const struct blkif_engine_ops engine_ops = { seg_map, seg_unmap,
                                                    notify };

/* The backend's event: take its responses. Interrupts are off. */
static void
disk_event(evtchn_port_t port, void *arg)
{
    struct blk_disk *d = arg;
    struct blk_req *done = NULL;

    spin_lock(&d->lock);
    if ( d->connected )
        blkif_engine_poll(&d->engine, &done);
    spin_unlock(&d->lock);
    blkif_engine_finish(done);
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
    d->lock = (spinlock_t)SPINLOCK_INIT("blk-disk");
    d->wq = (struct waitq)WAITQ_INIT("blk-io");
    d->refs = 1;
    return d;
}

int
blkfront_setup(struct blk_disk *d)
{
    int rc;

    d->ring_page = page_alloc_zeroed();
    if ( !d->ring_page )
        return -XEN_ENOMEM;
    blkif_ring_init(&d->engine.ring, d->ring_page, PAGE_SIZE, d->name,
                    &barriers);
    rc = gnttab_grant(d->backend_id, d->ring_page, false, &d->ring_ref);
    if ( rc )
    {
        printk("blk: %s: cannot grant the ring page (%s)\n", d->name,
               xen_errno_name(rc));
        page_free(d->ring_page);
        d->ring_page = NULL;
        return rc;
    }
    d->have_ring = true;
    rc = evtchn_alloc_unbound(d->backend_id, disk_event, d, &d->port);
    if ( rc )
    {
        printk("blk: %s: cannot open an event channel (%s)\n", d->name,
               xen_errno_name(rc));
        return rc;
    }
    d->have_port = true;
    return 0;
}

int
blkfront_connect(struct blk_disk *d, const struct blkif_params *p)
{
    unsigned long flags;
    struct blk_disk **at;
    char line[192];
    int rc;

    flags = spin_lock_irqsave(&d->lock);
    d->params = *p;
    rc = blkif_engine_init(&d->engine, d->name, (blkif_vdev_t)d->vdev,
                           &d->params, &engine_ops, d);
    d->connected = rc == 0;
    spin_unlock_irqrestore(&d->lock, flags);
    if ( rc )
        return rc;
    blkif_params_describe(line, sizeof(line), d->name, p);
    printk("blk: %s\n", line);
    flags = spin_lock_irqsave(&disks_lock);
    for ( at = &disks; *at; at = &(*at)->next )
        continue;
    *at = d;
    d->refs++; /* the list's */
    spin_unlock_irqrestore(&disks_lock, flags);
    return 0;
}

/* Free what setup made; the last reference is gone. */
static void
disk_free(struct blk_disk *d)
{
    if ( d->have_ring )
        gnttab_end_and_free(d->ring_ref, d->ring_page);
    else if ( d->ring_page )
        page_free(d->ring_page);
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
    struct blk_req *done = NULL;
    unsigned long flags = spin_lock_irqsave(&d->lock);

    if ( d->connected )
        blkif_engine_stop(&d->engine, err, why, &done);
    spin_unlock_irqrestore(&d->lock, flags);
    blkif_engine_finish(done);
}

void
blkfront_remove(struct blk_disk *d, int err, const char *why)
{
    struct blk_disk **at;
    unsigned long flags;
    bool listed = false;

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
    if ( d->have_port )
        evtchn_close(d->port); /* its handler has finished when it returns */
    d->have_port = false;
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

void
blk_disk_info(struct blk_disk *d, struct blk_info *out)
{
    unsigned long flags = spin_lock_irqsave(&d->lock);
    const struct blkif_engine_stats *s = &d->engine.stats;

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
    out->stopped = !d->connected || d->engine.stopped;
    out->flushes = s->flushes;
    out->barriers = s->barriers;
    out->reads = s->reads;
    out->writes = s->writes;
    out->sectors_read = s->sectors_read;
    out->sectors_written = s->sectors_written;
    out->failed = s->failed;
    spin_unlock_irqrestore(&d->lock, flags);
}

void
blk_submit(struct blk_disk *d, struct blk_req *r)
{
    struct blk_req *done = NULL;
    unsigned long flags = spin_lock_irqsave(&d->lock);
    bool connected = d->connected;

    if ( connected )
        blkif_engine_submit(&d->engine, r, &done);
    spin_unlock_irqrestore(&d->lock, flags);
    if ( !connected )
    {
        r->status = -XEN_ENODEV; /* never connected */
        r->flags = 0;
        if ( r->done )
            r->done(r);
        return;
    }
    blkif_engine_finish(done);
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

    s.r.op = op;
    s.r.sector = sector;
    s.r.count = count;
    s.r.buf = buf;
    s.r.done = sync_done;
    s.r.arg = &s;
    blk_submit(d, &s.r);
    if ( !wait_event_timeout(&d->wq, sync_is_done, &s, BLK_TIMEOUT_NS) )
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
