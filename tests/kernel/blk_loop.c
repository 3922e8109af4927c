/* SPDX-License-Identifier: MIT */
/*
 * blk_loop.c - self-tests of the block frontend's kernel half
 * (drivers/blk/blkfront.c) without a real backend: a disk whose backend
 * is an event handler of our own, on an event channel from us to us,
 * serving the shared ring from memory. So the locking, the events and
 * the synchronous waits run on real vCPUs on tier 1 and tier 2 before
 * any dom0 is involved. The fake backend reads the bounce pages through
 * the frontend's own records instead of mapping grants (it is us).
 */
#include <kernel.h>
#include <hypervisor.h>
#include <grant.h>
#include <ktest.h>
#include <mm.h>
#include <xen_errno.h>
#include <arch/x86.h>
#include "drivers/blk/blkfront.h"

#define LOOP_SECTORS 2048 /* 1 MiB */

enum loop_mode {
    LOOP_SERVE,  /* answer everything */
    LOOP_BAD_ID, /* answer with an id never handed out */
    LOOP_HOLD,   /* take requests, answer none */
};

struct loop {
    struct blk_disk *d;
    evtchn_port_t bport; /* the backend's end */
    unsigned char *disk;
    RING_IDX req_cons, rsp_prod;
    enum loop_mode mode;
    unsigned int taken;
};

static union blkif_sring_entry *
loop_slot(struct loop *l, RING_IDX i)
{
    struct blkif_sring *s = l->d->ring_page;
    union blkif_sring_entry *first = s->ring;

    return first + (i % 32);
}

/* Do one request against memory; its BLKIF_RSP_* status. */
static int16_t
loop_do(struct loop *l, const blkif_request_t *q)
{
    struct blkif_shadow_slot *s =
        &l->d->engine.shadow.slot[q->id % BLKIF_SHADOW_MAX];
    uint64_t at = q->sector_number;
    unsigned int i, n;

    for ( i = 0; i < q->nr_segments && i < s->nr_segs; i++ )
    {
        n = q->seg[i].last_sect - q->seg[i].first_sect + 1u;
        if ( at + n > LOOP_SECTORS )
            return BLKIF_RSP_ERROR;
        if ( q->operation == BLKIF_OP_READ )
            memcpy((char *)s->page[i] + q->seg[i].first_sect * 512,
                   l->disk + at * 512, n * 512);
        else
            memcpy(l->disk + at * 512,
                   (char *)s->page[i] + q->seg[i].first_sect * 512, n * 512);
        at += n;
    }
    return BLKIF_RSP_OKAY;
}

/* The backend's event: serve the ring. Interrupts are off. */
static void
loop_event(evtchn_port_t port, void *arg)
{
    struct loop *l = arg;
    struct blkif_sring *s = l->d->ring_page;
    blkif_response_t *r;
    blkif_request_t q;
    RING_IDX prod;

    /* Under the disk's lock: we read the frontend's records. */
    spin_lock(&l->d->lock);
    do
    {
        prod = *(volatile RING_IDX *)&s->req_prod;
        smp_rmb(); /* req_prod before the requests it covers */
        while ( l->req_cons != prod )
        {
            q = loop_slot(l, l->req_cons++)->req;
            l->taken++;
            if ( l->mode == LOOP_HOLD )
                continue;
            r = &loop_slot(l, l->rsp_prod++)->rsp;
            r->status = loop_do(l, &q);
            r->id = l->mode == LOOP_BAD_ID ? q.id ^ (1ull << 40) : q.id;
            r->operation = q.operation;
        }
        /*
         * As a backend must: ask for an event at the next request, then
         * look again (a full barrier orders the two), or a request pushed
         * meanwhile would wait for an event the frontend will not send.
         */
        *(volatile RING_IDX *)&s->req_event = l->req_cons + 1;
        smp_mb();
    } while ( *(volatile RING_IDX *)&s->req_prod != l->req_cons );
    smp_wmb(); /* the responses before rsp_prod */
    *(volatile RING_IDX *)&s->rsp_prod = l->rsp_prod;
    spin_unlock(&l->d->lock);
    evtchn_send(l->bport);
}

/* A disk named xvdp served by loop l; false (and a skip) if not here. */
static bool
loop_start(struct loop *l, enum loop_mode mode, const char **why)
{
    struct blkif_params p = { 0 };

    memset(l, 0, sizeof(*l));
    l->mode = mode;
    if ( !evtchn_available() || !gnttab_available() )
    {
        *why = "no event channels or grant table (not on Xen)";
        return false;
    }
    l->disk = page_alloc_n(LOOP_SECTORS * 512 / PAGE_SIZE);
    l->d = blkfront_new((202 << 8) | (15 << 4), DOMID_SELF);
    if ( !l->disk || !l->d || blkfront_setup(l->d) ||
         evtchn_bind_interdomain(DOMID_SELF, l->d->port, loop_event, l,
                                 &l->bport) )
    {
        *why = "could not set the loop disk up";
        return false;
    }
    p.sectors = p.sectors_512 = LOOP_SECTORS;
    p.sector_size = p.phys_sector_size = 512;
    p.flush = p.barrier = true;
    p.max_queues = 1;
    return blkfront_connect(l->d, &p) == 0;
}

static void
loop_end(struct loop *l)
{
    if ( l->bport )
        evtchn_close(l->bport);
    if ( l->d )
        blkfront_remove(l->d, -XEN_ENODEV, "loop test over");
    if ( l->disk )
        page_free_n(l->disk, LOOP_SECTORS * 512 / PAGE_SIZE);
}

static void
fill(unsigned char *b, size_t n, unsigned int seed)
{
    size_t i;

    for ( i = 0; i < n; i++ )
        b[i] = (unsigned char)(i * 13 + seed);
}

TEST(blk_loop, round_trip_through_our_own_backend)
{
    static struct loop l;
    const char *why = "";
    unsigned char *w, *r;
    struct blk_info in;
    unsigned int flags = 99;

    if ( !loop_start(&l, LOOP_SERVE, &why) )
    {
        loop_end(&l);
        KTEST_SKIP(why);
    }
    w = page_alloc_n(80);
    r = page_alloc_n(80);
    ASSERT_TRUE(w && r);
    /* 300 sectors from an odd address; the bounce pages carry them. */
    fill(w + 1, 300 * 512, 5);
    EXPECT_EQ(blk_write(l.d, 100, 300, w + 1), 0);
    EXPECT_EQ(memcmp(l.disk + 100 * 512, w + 1, 300 * 512), 0);
    EXPECT_EQ(blk_read(l.d, 100, 300, r + 3), 0);
    EXPECT_EQ(memcmp(r + 3, w + 1, 300 * 512), 0);
    EXPECT_EQ(blk_flush(l.d, &flags), 0);
    EXPECT_EQ(flags, 0u);
    EXPECT_EQ(blk_io(l.d, BLK_OP_BARRIER, 0, 8, w, &flags), 0);
    EXPECT_EQ(blk_read(l.d, LOOP_SECTORS, 1, r), -XEN_ERANGE);
    blk_disk_info(l.d, &in);
    EXPECT_STREQ(in.name, "xvdp");
    EXPECT_EQ(in.flushes, 2u); /* the flush, and the one after the barrier */
    EXPECT_EQ(in.barriers, 1u);
    EXPECT_EQ(in.failed, 1u); /* the read past the end */
    EXPECT_FALSE(in.stopped);
    page_free_n(w, 80);
    page_free_n(r, 80);
    loop_end(&l);
}

/* Asynchronous requests from several threads' worth at once. */
struct many {
    struct waitq wq;
    unsigned int done, failed;
};

static void
many_done(struct blk_req *r)
{
    struct many *m = r->arg;

    if ( r->status )
        __atomic_add_fetch(&m->failed, 1, __ATOMIC_RELAXED);
    __atomic_add_fetch(&m->done, 1, __ATOMIC_ACQ_REL);
    waitq_wake_all(&m->wq);
}

static bool
many_all(void *arg)
{
    struct many *m = arg;

    return __atomic_load_n(&m->done, __ATOMIC_ACQUIRE) == 60;
}

TEST(blk_loop, sixty_requests_in_flight)
{
    static struct loop l;
    static struct blk_req q[60];
    struct many m = { .wq = WAITQ_INIT("blk-loop") };
    const char *why = "";
    unsigned char *w;
    unsigned int i;

    if ( !loop_start(&l, LOOP_SERVE, &why) )
    {
        loop_end(&l);
        KTEST_SKIP(why);
    }
    w = page_alloc_n(12);
    ASSERT_TRUE(w != NULL);
    fill(w, 12 * PAGE_SIZE, 9);
    for ( i = 0; i < 60; i++ )
    {
        memset(&q[i], 0, sizeof(q[i]));
        q[i].op = i % 10 == 9 ? BLK_OP_FLUSH : BLK_OP_WRITE;
        q[i].sector = i * 32;
        q[i].count = q[i].op == BLK_OP_FLUSH ? 0 : 88;
        q[i].buf = w;
        q[i].done = many_done;
        q[i].arg = &m;
        blk_submit(l.d, &q[i]);
    }
    EXPECT_TRUE(wait_event_timeout(&m.wq, many_all, &m, BLK_TIMEOUT_NS));
    EXPECT_EQ(m.failed, 0u);
    EXPECT_EQ(memcmp(l.disk + 58 * 32 * 512, w, 88 * 512), 0);
    page_free_n(w, 12);
    loop_end(&l);
}

TEST(blk_loop, bad_response_stops_only_that_disk)
{
    static struct loop l;
    const char *why = "";
    struct blk_info in;
    void *buf;

    if ( !loop_start(&l, LOOP_BAD_ID, &why) )
    {
        loop_end(&l);
        KTEST_SKIP(why);
    }
    buf = page_alloc();
    ASSERT_TRUE(buf != NULL);
    EXPECT_EQ(blk_read(l.d, 0, 8, buf), -XEN_EIO);
    blk_disk_info(l.d, &in);
    EXPECT_TRUE(in.stopped);
    /* Stopped: refused at once, nothing more reaches the ring. */
    EXPECT_EQ(blk_read(l.d, 0, 8, buf), -XEN_EIO);
    EXPECT_EQ(l.taken, 1u);
    page_free(buf);
    loop_end(&l);
}

TEST(blk_loop, removing_a_disk_fails_its_queued_io)
{
    static struct loop l;
    static struct blk_req q[40];
    struct many m = { .wq = WAITQ_INIT("blk-loop") };
    const char *why = "";
    void *buf;
    unsigned int i;

    if ( !loop_start(&l, LOOP_HOLD, &why) )
    {
        loop_end(&l);
        KTEST_SKIP(why);
    }
    buf = page_alloc_n(11);
    ASSERT_TRUE(buf != NULL);
    for ( i = 0; i < 40; i++ )
    {
        memset(&q[i], 0, sizeof(q[i]));
        q[i].op = BLK_OP_READ;
        q[i].sector = i * 8;
        q[i].count = 88;
        q[i].buf = buf;
        q[i].done = many_done;
        q[i].arg = &m;
        blk_submit(l.d, &q[i]);
    }
    /* 32 on the ring (never answered), 8 queued behind them. */
    EXPECT_EQ(m.done, 0u);
    evtchn_close(l.bport);
    l.bport = 0;
    blkfront_remove(l.d, -XEN_ENODEV, "removed with I/O queued");
    l.d = NULL;
    EXPECT_EQ(m.done, 40u);
    EXPECT_EQ(m.failed, 40u);
    EXPECT_EQ(q[0].status, -XEN_ENODEV);
    EXPECT_EQ(q[39].status, -XEN_ENODEV);
    EXPECT_LE(l.taken, 32u); /* the backend may not have looked yet */
    page_free_n(buf, 11);
    loop_end(&l);
}
