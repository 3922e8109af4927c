/* SPDX-License-Identifier: MIT */
/*
 * blk_grants.c - the pages a block backend sees, for the engine's
 * seg_map/seg_unmap (drivers/blk/blkif_engine.h): a bounce page granted
 * for one segment and ended after it, or, when the backend keeps grants
 * mapped (feature-persistent), a page of the queue's pool
 * (blkif_pool.c) granted once, writable, and reused, and then only those
 * (a request waits when the pool is used up); the thread that hands back
 * pool pages gone idle; and the blk= switches read once from the
 * command line. The rest of the disk is blkfront.c.
 */
#include <kernel.h>
#include <bootinfo.h>
#include <clock.h>
#include <cmdline.h>
#include <grant.h>
#include <mm.h>
#include <sched.h>
#include <wait.h>
#include <xen_errno.h>
#include "drivers/blk/blkfront.h"

extern struct boot_info boot_info;

#define SEG_POOLED    1u /* blkif_seg.flags: the page is the pool's */
#define POOL_IDLE_NS  (70 * 1000000000ull) /* see docs/blkfront.md */
#define POOL_SHRINK_N 64 /* pages handed back per queue and round */

static struct blkif_opts opts; /* read once by blk_opts_init */

void
blk_opts_init(void)
{
    char s[96];

    blkif_opts_default(&opts);
    if ( cmdline_get(boot_info.cmdline, "blk", s, sizeof(s)) &&
         blkif_opts_parse(s, &opts) == 0 )
        printk("blk: blk=%s\n", s);
}

void
blk_opts_get(struct blkif_opts *o)
{
    *o = opts;
}

int
blk_seg_map(void *ctx, const void *src, size_t len, struct blkif_seg *seg)
{
    struct blk_queue *q = ctx;
    bool persistent = q->params.persistent, ro;
    enum blkif_pool_src from;
    void *p;
    int rc;

    seg->flags = 0;
    from = blkif_pool_take(&q->pool, persistent, &seg->gref, &seg->page);
    if ( from == BLKIF_POOL_WAIT )
        return -XEN_EAGAIN; /* the engine retries after a completion */
    if ( from == BLKIF_POOL_REUSED )
    {
        seg->flags = SEG_POOLED;
        if ( src )
            memcpy(seg->page, src, len);
        return 0;
    }
    p = page_alloc();
    if ( !p )
        return -XEN_ENOMEM;
    if ( src )
        memcpy(p, src, len);
    /* The backend reads what we write, and writes what we read. */
    ro = blkif_grant_readonly(persistent, src != NULL);
    rc = gnttab_grant(q->d->backend_id, p, ro, &seg->gref);
    if ( rc )
    {
        page_free(p);
        return rc;
    }
    if ( from == BLKIF_POOL_NEW )
    {
        blkif_pool_grew(&q->pool);
        seg->flags = SEG_POOLED;
    }
    seg->page = p;
    return 0;
}

void
blk_seg_unmap(void *ctx, struct blkif_seg *seg, void *dst, size_t len)
{
    struct blk_queue *q = ctx;

    if ( dst )
        memcpy(dst, seg->page, len);
    if ( seg->flags & SEG_POOLED )
        blkif_pool_put(&q->pool, seg->gref, seg->page, q->stamp);
    else /* a page the backend still maps is kept until it lets go */
        gnttab_end_and_free(seg->gref, seg->page);
    seg->page = NULL;
}

/* End q's persistent grants that went unused for idle_ns (0: all). */
void
blk_pool_shrink(struct blk_queue *q, uint64_t now, uint64_t idle_ns)
{
    struct blkif_pgnt out[POOL_SHRINK_N];
    unsigned long flags;
    uint32_t n, i;

    do
    {
        flags = spin_lock_irqsave(&q->lock);
        n = q->pool_mem ? blkif_pool_shrink(&q->pool, now, idle_ns, out,
                                            ARRAY_SIZE(out))
                        : 0;
        spin_unlock_irqrestore(&q->lock, flags);
        for ( i = 0; i < n; i++ )
            gnttab_end_and_free(out[i].gref, out[i].page);
    } while ( n == ARRAY_SIZE(out) && idle_ns == 0 );
}

size_t
blk_pool_pages(void)
{
    struct blk_disk *d;
    unsigned long flags;
    unsigned int i, k;
    size_t n = 0;

    for ( k = 0; (d = blk_disk_get(k)); k++ )
    {
        for ( i = 0; i < d->layout.nr_queues; i++ )
        {
            flags = spin_lock_irqsave(&d->q[i].lock);
            n += d->q[i].pool.nfree;
            spin_unlock_irqrestore(&d->q[i].lock, flags);
        }
        blk_disk_put(d);
    }
    return n;
}

/*
 * Every few seconds, hand back the persistent grants no request used
 * for POOL_IDLE_NS, a few at a time (docs/blkfront.md says why 70 s).
 */
static void
pool_thread(void *arg)
{
    struct blk_disk *d;
    unsigned int i, k;

    for ( ;; )
    {
        sleep_ns(5 * 1000000000ull);
        for ( k = 0; (d = blk_disk_get(k)); k++ )
        {
            for ( i = 0; i < d->layout.nr_queues; i++ )
                blk_pool_shrink(&d->q[i], clock_now_ns(), POOL_IDLE_NS);
            blk_disk_put(d);
        }
    }
}

void
blk_pool_thread_start(void)
{
    if ( !thread_create("blk-pool", pool_thread, NULL, 0) )
        printk("blk: no blk-pool thread: idle persistent grants are kept\n");
}
