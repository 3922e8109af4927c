/* SPDX-License-Identifier: MIT */
/*
 * test_blkif_engine.c - host tests of one disk's I/O engine
 * (drivers/blk/blkif_engine.c) against a fake backend that serves the
 * shared ring from a disk in memory: data round trips through bounce
 * pages, more requests than slots, barriers waiting for everything
 * before them and holding everything after, the EOPNOTSUPP fallbacks end
 * to end, read-only disks, bad responses stopping the disk (every
 * request failed, pages handed back), grants running out, and stopping
 * with I/O queued.
 */
#include <stdlib.h>
#include <ktest.h>
#include "drivers/blk/blkif_engine.h"
#include "tests/host/host.h"
#include <xen/errno.h>

#define DISK_SECTORS 4096
#define MAX_GREFS    1024

/* --- the fake driver: pages and grants --------------------------------- */

static struct {
    void *page[MAX_GREFS]; /* granted page, NULL when ended */
    bool readonly[MAX_GREFS];
    unsigned int maps, unmaps, notifies;
    unsigned int fail_maps; /* seg_map fails while > 0 */
    grant_ref_t next;
} drv;

static int
fake_seg_map(void *ctx, const void *src, size_t len, grant_ref_t *gref,
             void **page)
{
    grant_ref_t g;

    if ( drv.fail_maps )
    {
        drv.fail_maps--;
        return -XEN_ENOSPC;
    }
    for ( g = drv.next; drv.page[g % MAX_GREFS]; g++ )
        continue;
    g %= MAX_GREFS;
    drv.next = g + 1;
    *page = calloc(1, 4096);
    if ( src )
        memcpy(*page, src, len);
    drv.page[g] = *page;
    drv.readonly[g] = src != NULL;
    *gref = g;
    drv.maps++;
    return 0;
}

static void
fake_seg_unmap(void *ctx, grant_ref_t gref, void *page, void *dst, size_t len)
{
    if ( dst )
        memcpy(dst, page, len);
    drv.page[gref] = NULL;
    free(page);
    drv.unmaps++;
}

static void
fake_notify(void *ctx)
{
    drv.notifies++;
}

static const struct blkif_engine_ops ops = { fake_seg_map, fake_seg_unmap,
                                             fake_notify };

/* --- the fake backend ---------------------------------------------------- */

static struct {
    union {
        struct blkif_sring s;
        unsigned char bytes[4096];
    } page;
    unsigned char disk[DISK_SECTORS * 512];
    RING_IDX req_cons;
    char log[256];        /* the operations it saw: R W B F */
    int16_t flush_status; /* its answer to every flush */
    int16_t barrier_status;
    unsigned int max_seen; /* most requests in flight at once */
} be;

static union blkif_sring_entry *
be_slot(RING_IDX i)
{
    union blkif_sring_entry *first = be.page.s.ring;

    return first + (i % 32);
}

/* Requests the backend has taken and not answered, oldest first. */
static blkif_request_t pending[64];
static unsigned int npending;

/* Take every request pushed so far (executing nothing yet). */
static void
be_take(void)
{
    size_t n;

    while ( be.req_cons != be.page.s.req_prod )
    {
        pending[npending++] = be_slot(be.req_cons++)->req;
        n = strlen(be.log);
        if ( n + 1 < sizeof(be.log) )
            be.log[n] = "RWBF"[pending[npending - 1].operation & 3];
    }
    if ( npending > be.max_seen )
        be.max_seen = npending;
}

/* Execute and answer the oldest `n` taken requests (all: n = ~0u). */
static void
be_answer(unsigned int n)
{
    blkif_request_t *q;
    blkif_response_t *r;
    unsigned int i, s;
    int16_t status;
    unsigned char *page, *at;

    while ( n-- && npending )
    {
        q = &pending[0];
        status = BLKIF_RSP_OKAY;
        if ( q->operation == BLKIF_OP_FLUSH_DISKCACHE )
            status = be.flush_status;
        if ( q->operation == BLKIF_OP_WRITE_BARRIER )
            status = be.barrier_status;
        at = be.disk + q->sector_number * 512;
        for ( i = 0; status == 0 && i < q->nr_segments; i++ )
        {
            page = drv.page[q->seg[i].gref];
            s = q->seg[i].last_sect - q->seg[i].first_sect + 1u;
            if ( !page || (q->operation == BLKIF_OP_READ &&
                           drv.readonly[q->seg[i].gref]) )
                status = BLKIF_RSP_ERROR; /* Xen would refuse the map */
            else if ( q->operation == BLKIF_OP_READ )
                memcpy(page + q->seg[i].first_sect * 512, at, s * 512);
            else
                memcpy(at, page + q->seg[i].first_sect * 512, s * 512);
            at += s * 512;
        }
        r = &be_slot(be.page.s.rsp_prod)->rsp;
        r->id = q->id;
        r->operation = q->operation;
        r->status = status;
        be.page.s.rsp_prod++;
        memmove(&pending[0], &pending[1], --npending * sizeof(pending[0]));
    }
}

/* The backend keeps up: take and answer until nothing is left. */
static void
be_serve(struct blkif_engine *e, struct blk_req **done)
{
    do
    {
        be_take();
        be_answer(~0u);
        blkif_engine_poll(e, done);
    } while ( be.req_cons != be.page.s.req_prod );
}

static void
fence(void)
{
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
}

static const struct ring_barriers fences = { fence, fence, fence };

static struct blkif_params params;

/* A fresh disk, driver and backend. */
static void
setup(struct blkif_engine *e, const char *offers)
{
    memset(&drv, 0, sizeof(drv));
    memset(&be, 0, sizeof(be));
    npending = 0;
    memset(&params, 0, sizeof(params));
    params.sector_size = params.phys_sector_size = 512;
    params.sectors = params.sectors_512 = DISK_SECTORS;
    params.flush = strchr(offers, 'f') != NULL;
    params.barrier = strchr(offers, 'b') != NULL;
    params.readonly = strchr(offers, 'r') != NULL;
    blkif_ring_init(&e->ring, &be.page, sizeof(be.page), "xvdt", &fences);
    blkif_engine_init(e, "xvdt", 51712, &params, &ops, NULL);
}

/* --- callers -------------------------------------------------------------- */

static unsigned int completions;

static void
count_done(struct blk_req *r)
{
    completions++;
    *(int *)r->arg += 1;
}

static void
req(struct blk_req *r, unsigned int op, uint64_t sector, uint32_t count,
    void *buf, int *calls)
{
    memset(r, 0, sizeof(*r));
    r->op = op;
    r->sector = sector;
    r->count = count;
    r->buf = buf;
    r->done = count_done;
    r->arg = calls;
    r->status = 12345;
}

static void
submit(struct blkif_engine *e, struct blk_req *r)
{
    struct blk_req *done = NULL;

    blkif_engine_submit(e, r, &done);
    blkif_engine_finish(done);
}

static void
serve(struct blkif_engine *e)
{
    struct blk_req *done = NULL;

    be_serve(e, &done);
    blkif_engine_finish(done);
}

static void
poll(struct blkif_engine *e)
{
    struct blk_req *done = NULL;

    blkif_engine_poll(e, &done);
    blkif_engine_finish(done);
}

static void
fill(unsigned char *b, size_t n, unsigned int seed)
{
    size_t i;

    for ( i = 0; i < n; i++ )
        b[i] = (unsigned char)(i * 31 + seed);
}

static struct blkif_engine eng;
static unsigned char wbuf[2048 * 512 + 7], rbuf[2048 * 512 + 7];

TEST(blkif_engine, write_then_read_back_through_bounce_pages)
{
    struct blk_req w, r;
    int wc = 0, rc = 0;

    setup(&eng, "fb");
    /* 1 MiB from an odd address: the backend only sees our pages. */
    fill(wbuf + 3, 2048 * 512, 1);
    req(&w, BLK_OP_WRITE, 1000, 2048, wbuf + 3, &wc);
    submit(&eng, &w);
    EXPECT_EQ(drv.notifies, 1u);
    serve(&eng);
    EXPECT_EQ(wc, 1);
    EXPECT_EQ(w.status, 0);
    EXPECT_TRUE(memcmp(be.disk + 1000 * 512, wbuf + 3, 2048 * 512) == 0);
    req(&r, BLK_OP_READ, 1000, 2048, rbuf + 5, &rc);
    submit(&eng, &r);
    serve(&eng);
    EXPECT_EQ(rc, 1);
    EXPECT_EQ(r.status, 0);
    EXPECT_TRUE(memcmp(rbuf + 5, wbuf + 3, 2048 * 512) == 0);
    /* Every page handed back; 24 ring requests each way. */
    EXPECT_EQ(drv.maps, drv.unmaps);
    EXPECT_EQ(eng.stats.writes, 24u);
    EXPECT_EQ(eng.stats.reads, 24u);
    EXPECT_EQ(eng.stats.sectors_read, 2048u);
    EXPECT_EQ(blkif_engine_pending(&eng), 0u);
    EXPECT_EQ(be.max_seen, 24u);
}

TEST(blkif_engine, more_requests_than_slots)
{
    static struct blk_req r[40];
    int calls[40] = { 0 };
    unsigned int i;

    setup(&eng, "fb");
    fill(wbuf, sizeof(wbuf), 2);
    for ( i = 0; i < 40; i++ )
    {
        req(&r[i], BLK_OP_WRITE, i * 88, 88, wbuf + i * 512, &calls[i]);
        submit(&eng, &r[i]);
    }
    EXPECT_EQ(eng.shadow.in_flight, 32u); /* the ring is full */
    EXPECT_EQ(blkif_engine_pending(&eng), 40u);
    serve(&eng);
    for ( i = 0; i < 40; i++ )
    {
        EXPECT_EQ(calls[i], 1);
        EXPECT_EQ(r[i].status, 0);
    }
    EXPECT_EQ(be.max_seen, 32u);
    EXPECT_TRUE(memcmp(be.disk + 39 * 88 * 512, wbuf + 39 * 512, 88 * 512) ==
                0);
    EXPECT_EQ(drv.maps, drv.unmaps);
}

TEST(blkif_engine, barrier_waits_for_earlier_and_holds_later)
{
    struct blk_req w1, w2, b, w3;
    int c1 = 0, c2 = 0, cb = 0, c3 = 0;

    setup(&eng, "fb");
    fill(wbuf, 8 * 512, 3);
    req(&w1, BLK_OP_WRITE, 0, 8, wbuf, &c1);
    req(&w2, BLK_OP_WRITE, 8, 8, wbuf, &c2);
    req(&b, BLK_OP_BARRIER, 16, 8, wbuf, &cb);
    req(&w3, BLK_OP_WRITE, 24, 8, wbuf, &c3);
    submit(&eng, &w1);
    submit(&eng, &w2);
    submit(&eng, &b);
    submit(&eng, &w3);
    be_take();
    EXPECT_STREQ(be.log, "WW"); /* the barrier drains; w3 waits behind */
    be_answer(1);
    poll(&eng);
    be_take();
    EXPECT_STREQ(be.log, "WW"); /* one write still in flight */
    be_answer(1);
    poll(&eng);
    be_take();
    EXPECT_STREQ(be.log, "WWB"); /* drained: the barrier, alone */
    be_answer(1);
    poll(&eng);
    be_take();
    EXPECT_STREQ(be.log, "WWBF"); /* its data made durable, still alone */
    EXPECT_EQ(c3, 0);
    be_answer(1);
    poll(&eng);
    EXPECT_EQ(cb, 1);
    EXPECT_EQ(b.status, 0);
    EXPECT_EQ(b.flags, 0u);
    be_take();
    EXPECT_STREQ(be.log, "WWBFW"); /* and only now w3 */
    serve(&eng);
    EXPECT_EQ(c3, 1);
    EXPECT_EQ(c1 + c2, 2);
}

TEST(blkif_engine, flushes_run_beside_writes)
{
    struct blk_req w, f;
    int cw = 0, cf = 0;

    setup(&eng, "fb");
    req(&w, BLK_OP_WRITE, 0, 8, wbuf, &cw);
    req(&f, BLK_OP_FLUSH, 0, 0, NULL, &cf);
    submit(&eng, &w);
    submit(&eng, &f);
    be_take();
    EXPECT_STREQ(be.log, "WF");
    serve(&eng);
    EXPECT_EQ(f.status, 0);
    EXPECT_EQ(eng.stats.flushes, 1u);
}

TEST(blkif_engine, refused_flush_falls_back_to_a_barrier)
{
    struct blk_req f1, f2;
    int c1 = 0, c2 = 0;

    setup(&eng, "fb");
    be.flush_status = BLKIF_RSP_EOPNOTSUPP;
    req(&f1, BLK_OP_FLUSH, 0, 0, NULL, &c1);
    host_capture_begin();
    submit(&eng, &f1);
    serve(&eng);
    host_capture_end();
    EXPECT_STREQ(be.log, "FB");
    EXPECT_EQ(f1.status, 0);
    EXPECT_EQ(f1.flags, BLK_RES_NOT_DURABLE);
    EXPECT_FALSE(params.flush);
    EXPECT_TRUE(host_capture_contains("flushes are off for this disk"));
    /* The next flush goes straight to the barrier; then that is refused. */
    be.barrier_status = BLKIF_RSP_EOPNOTSUPP;
    req(&f2, BLK_OP_FLUSH, 0, 0, NULL, &c2);
    host_capture_begin();
    submit(&eng, &f2);
    serve(&eng);
    host_capture_end();
    EXPECT_STREQ(be.log, "FBB");
    EXPECT_EQ(f2.status, -XEN_EOPNOTSUPP);
    EXPECT_FALSE(params.barrier);
    /* With neither, nothing is sent and durability is not promised. */
    req(&f2, BLK_OP_FLUSH, 0, 0, NULL, &c2);
    submit(&eng, &f2);
    EXPECT_EQ(c2, 2);
    EXPECT_EQ(f2.status, -XEN_EOPNOTSUPP);
    EXPECT_STREQ(be.log, "FBB");
}

TEST(blkif_engine, refused_barrier_becomes_write_then_flush)
{
    struct blk_req b;
    int cb = 0;

    setup(&eng, "fb");
    be.barrier_status = BLKIF_RSP_EOPNOTSUPP;
    fill(wbuf, 100 * 512, 4);
    req(&b, BLK_OP_BARRIER, 50, 100, wbuf, &cb);
    host_capture_begin();
    submit(&eng, &b);
    serve(&eng);
    host_capture_end();
    /* Two barrier pieces refused; the data again as writes, a flush. */
    EXPECT_STREQ(be.log, "BBWWF");
    EXPECT_EQ(b.status, 0);
    EXPECT_EQ(b.flags, 0u);
    EXPECT_EQ(host_capture_count("barriers are off for this disk"), 1u);
    EXPECT_TRUE(memcmp(be.disk + 50 * 512, wbuf, 100 * 512) == 0);
    EXPECT_EQ(drv.maps, drv.unmaps);
}

/*
 * A flush refused while a barrier waits: the flush's fallback waits for
 * the barrier, the barrier's own fallback goes first, and the flush
 * learns the barrier is off without sending it again.
 */
TEST(blkif_engine, fallbacks_meet)
{
    struct blk_req f, b;
    int cf = 0, cb = 0;

    setup(&eng, "fb");
    be.flush_status = BLKIF_RSP_EOPNOTSUPP;
    be.barrier_status = BLKIF_RSP_EOPNOTSUPP;
    req(&f, BLK_OP_FLUSH, 0, 0, NULL, &cf);
    req(&b, BLK_OP_BARRIER, 0, 8, wbuf, &cb);
    host_capture_begin();
    submit(&eng, &f);
    submit(&eng, &b);
    serve(&eng);
    host_capture_end();
    EXPECT_STREQ(be.log, "FBW");
    EXPECT_EQ(b.status, 0);
    EXPECT_EQ(b.flags, BLK_RES_NOT_DURABLE);
    EXPECT_EQ(f.status, -XEN_EOPNOTSUPP);
    EXPECT_EQ(host_capture_count("flushes are off"), 1u);
    EXPECT_EQ(host_capture_count("barriers are off"), 1u);
    EXPECT_EQ(cf + cb, 2);
}

TEST(blkif_engine, read_only_disk_is_never_written)
{
    struct blk_req w, b, r;
    int cw = 0, cb = 0, cr = 0;

    setup(&eng, "fbr");
    req(&w, BLK_OP_WRITE, 0, 8, wbuf, &cw);
    req(&b, BLK_OP_BARRIER, 0, 8, wbuf, &cb);
    req(&r, BLK_OP_READ, 0, 8, rbuf, &cr);
    submit(&eng, &w);
    submit(&eng, &b);
    EXPECT_EQ(w.status, -XEN_EROFS);
    EXPECT_EQ(b.status, -XEN_EROFS);
    EXPECT_EQ(cw + cb, 2);
    submit(&eng, &r);
    serve(&eng);
    EXPECT_EQ(r.status, 0);
    EXPECT_STREQ(be.log, "R");
    EXPECT_EQ(eng.stats.sectors_written, 0u);
}

TEST(blkif_engine, bad_requests_fail_at_once)
{
    struct blk_req r;
    int c = 0;

    setup(&eng, "fb");
    req(&r, BLK_OP_READ, DISK_SECTORS - 1, 2, rbuf, &c);
    submit(&eng, &r);
    EXPECT_EQ(r.status, -XEN_ERANGE);
    req(&r, BLK_OP_READ, 0, 0, rbuf, &c);
    submit(&eng, &r);
    EXPECT_EQ(r.status, -XEN_EINVAL);
    req(&r, BLK_OP_READ, 0, 1, NULL, &c);
    submit(&eng, &r);
    EXPECT_EQ(r.status, -XEN_EINVAL);
    req(&r, BLK_OP_FLUSH, 0, 1, rbuf, &c);
    submit(&eng, &r);
    EXPECT_EQ(r.status, -XEN_EINVAL);
    req(&r, 9, 0, 1, rbuf, &c);
    submit(&eng, &r);
    EXPECT_EQ(r.status, -XEN_EINVAL);
    /* A 4096-byte-sector disk wants whole sectors of its own. */
    params.sector_size = 4096;
    req(&r, BLK_OP_READ, 4, 8, rbuf, &c);
    submit(&eng, &r);
    EXPECT_EQ(r.status, -XEN_EINVAL);
    EXPECT_EQ(c, 6);
    EXPECT_STREQ(be.log, "");
    EXPECT_EQ(blkif_engine_pending(&eng), 0u);
}

/* A bad response stops the disk: everything fails, nothing hangs. */
TEST(blkif_engine, bad_response_stops_the_disk)
{
    static struct blk_req r[36];
    int calls[36] = { 0 };
    blkif_response_t *x;
    unsigned int i;

    setup(&eng, "fb");
    for ( i = 0; i < 36; i++ )
    {
        req(&r[i], BLK_OP_READ, i * 8, 8, rbuf, &calls[i]);
        submit(&eng, &r[i]);
    }
    be_take();
    be_answer(1);
    x = &be_slot(be.page.s.rsp_prod - 1)->rsp;
    x->id ^= 1ull << 20; /* a sequence never handed out */
    host_capture_begin();
    poll(&eng);
    host_capture_end();
    EXPECT_TRUE(host_capture_contains("names no request in flight"));
    EXPECT_TRUE(host_capture_contains(
        "blk: xvdt: stopped: the backend sent a bad response"));
    for ( i = 0; i < 36; i++ )
    {
        EXPECT_EQ(calls[i], 1);
        EXPECT_EQ(r[i].status, -XEN_EIO);
    }
    EXPECT_EQ(drv.maps, drv.unmaps);
    EXPECT_EQ(blkif_engine_pending(&eng), 0u);
    /* Later answers are never read; new requests fail at once. */
    be_answer(~0u);
    poll(&eng);
    req(&r[0], BLK_OP_READ, 0, 8, rbuf, &calls[0]);
    submit(&eng, &r[0]);
    EXPECT_EQ(calls[0], 2);
    EXPECT_EQ(r[0].status, -XEN_EIO);
}

TEST(blkif_engine, response_index_jump_stops_the_disk)
{
    struct blk_req r;
    int c = 0;

    setup(&eng, "fb");
    req(&r, BLK_OP_READ, 0, 8, rbuf, &c);
    submit(&eng, &r);
    be.page.s.rsp_prod += 5;
    host_capture_begin();
    poll(&eng);
    host_capture_end();
    EXPECT_TRUE(host_capture_contains(
        "blk: xvdt: stopped: the backend broke the ring"));
    EXPECT_EQ(c, 1);
    EXPECT_EQ(r.status, -XEN_EIO);
}

TEST(blkif_engine, pages_running_out)
{
    struct blk_req a, b;
    int ca = 0, cb = 0;

    /* Nothing in flight to free a page: the request fails. */
    setup(&eng, "fb");
    drv.fail_maps = 1;
    req(&a, BLK_OP_WRITE, 0, 8, wbuf, &ca);
    submit(&eng, &a);
    EXPECT_EQ(ca, 1);
    EXPECT_EQ(a.status, -XEN_ENOSPC);
    /* Something in flight: wait for it, then go on. */
    req(&a, BLK_OP_WRITE, 0, 8, wbuf, &ca);
    submit(&eng, &a);
    drv.fail_maps = 1;
    req(&b, BLK_OP_WRITE, 8, 8, wbuf, &cb);
    submit(&eng, &b);
    EXPECT_EQ(cb, 0);
    serve(&eng);
    EXPECT_EQ(ca, 2);
    EXPECT_EQ(cb, 1);
    EXPECT_EQ(b.status, 0);
    EXPECT_EQ(drv.maps, drv.unmaps);
}

TEST(blkif_engine, stop_with_io_queued_fails_each_once)
{
    static struct blk_req r[50];
    int calls[50] = { 0 };
    struct blk_req *done = NULL;
    unsigned int i;

    setup(&eng, "fb");
    for ( i = 0; i < 50; i++ )
    {
        /* r[1] takes three ring requests: failed once all the same. */
        req(&r[i], i % 5 == 4 ? BLK_OP_BARRIER : BLK_OP_WRITE, i * 16,
            i == 1 ? 200 : 16, wbuf, &calls[i]);
        submit(&eng, &r[i]);
    }
    be_take();
    be_answer(1);
    host_capture_begin();
    blkif_engine_poll(&eng, &done); /* one finished */
    blkif_engine_stop(&eng, -XEN_ENODEV, "disk removed", &done);
    blkif_engine_stop(&eng, -XEN_EIO, "again", &done); /* once only */
    blkif_engine_finish(done);
    host_capture_end();
    EXPECT_EQ(host_capture_count("stopped:"), 1u);
    for ( i = 0; i < 50; i++ )
        EXPECT_EQ(calls[i], 1);
    EXPECT_EQ(r[0].status, 0);
    EXPECT_EQ(r[49].status, -XEN_ENODEV);
    EXPECT_EQ(drv.maps, drv.unmaps);
    EXPECT_EQ(blkif_engine_pending(&eng), 0u);
}
