/* SPDX-License-Identifier: MIT */
/*
 * test_blkif_perf.c - host tests of the I/O engine's performance
 * features (drivers/blk/blkif_engine.c) against the fake backend of
 * tests/host/blk_fake.c: indirect requests (one ring slot for 1 MiB, the
 * descriptor page, running out of page sets, responses checked as
 * strictly as any), rings of several pages, discards (whole extents,
 * refusals, the fallback when not offered), and a barrier's drain
 * waiting for the disk's other queues.
 */
#include <stdlib.h>
#include <ktest.h>
#include "drivers/blk/blkif_engine.h"
#include "tests/host/blk_fake.h"
#include "tests/host/host.h"
#include <xen/errno.h>

static struct blkif_engine eng;
static unsigned char wbuf[2048 * 512 + 7], rbuf[2048 * 512 + 7];
static struct blkif_ind_set sets[4];
static struct blkif_seg segs[4][BLKIF_IND_SEGS_MAX];

/* The engine of setup(), with `n` indirect sets of `max` segments. */
static int
setup_indirect(const char *offers, uint32_t max, uint32_t n)
{
    uint32_t i;

    setup(&eng, offers);
    memset(sets, 0, sizeof(sets));
    for ( i = 0; i < n; i++ )
        sets[i].seg = segs[i];
    return blkif_engine_set_indirect(&eng, max, sets, n);
}

TEST(blkif_perf, one_mebibyte_in_one_slot)
{
    struct blk_req w, r;
    int wc = 0, rc = 0;

    ASSERT_EQ(setup_indirect("fb", 256, 4), 0);
    fill(wbuf + 3, 2048 * 512, 7);
    req(&w, BLK_OP_WRITE, 1000, 2048, wbuf + 3, &wc);
    submit(&eng, &w);
    serve(&eng);
    EXPECT_EQ(w.status, 0);
    EXPECT_TRUE(memcmp(be.disk + 1000 * 512, wbuf + 3, 2048 * 512) == 0);
    req(&r, BLK_OP_READ, 1000, 2048, rbuf + 1, &rc);
    submit(&eng, &r);
    serve(&eng);
    EXPECT_EQ(r.status, 0);
    EXPECT_TRUE(memcmp(rbuf + 1, wbuf + 3, 2048 * 512) == 0);
    EXPECT_STREQ(be.log, "II");
    EXPECT_EQ(eng.stats.writes, 1u);
    EXPECT_EQ(eng.stats.reads, 1u);
    EXPECT_EQ(eng.stats.indirect, 2u);
    /* 256 data pages and a descriptor page each way, all back. */
    EXPECT_EQ(drv.maps, 2u * 257u);
    EXPECT_EQ(drv.unmaps, drv.maps);
    EXPECT_TRUE(eng.ind_free != NULL);
}

TEST(blkif_perf, small_pieces_stay_direct)
{
    struct blk_req w;
    int wc = 0;

    ASSERT_EQ(setup_indirect("fb", 32, 1), 0);
    /* 300 sectors: 38 pages, cut at 32: indirect, then 6 pages direct. */
    fill(wbuf, 300 * 512, 8);
    req(&w, BLK_OP_WRITE, 8, 300, wbuf, &wc);
    submit(&eng, &w);
    serve(&eng);
    EXPECT_EQ(w.status, 0);
    EXPECT_STREQ(be.log, "IW");
    EXPECT_EQ(eng.stats.indirect, 1u);
    EXPECT_TRUE(memcmp(be.disk + 8 * 512, wbuf, 300 * 512) == 0);
    EXPECT_EQ(drv.unmaps, drv.maps);
}

TEST(blkif_perf, waits_for_a_free_page_set)
{
    static struct blk_req w[4];
    int calls[4] = { 0 };
    unsigned int i;

    ASSERT_EQ(setup_indirect("fb", 32, 2), 0);
    fill(wbuf, sizeof(wbuf), 9);
    for ( i = 0; i < 4; i++ )
    {
        req(&w[i], BLK_OP_WRITE, i * 512, 512, wbuf + i * 512 * 512, &calls[i]);
        submit(&eng, &w[i]);
    }
    /* 8 indirect requests are needed; 2 sets: 2 in flight. */
    EXPECT_EQ(eng.shadow.in_flight, 2u);
    serve(&eng);
    for ( i = 0; i < 4; i++ )
        EXPECT_EQ(w[i].status, 0);
    EXPECT_EQ(be.max_seen, 2u);
    EXPECT_EQ(eng.stats.indirect, 8u);
    EXPECT_TRUE(memcmp(be.disk, wbuf, 2048 * 512) == 0);
}

TEST(blkif_perf, descriptor_page_refused)
{
    struct blk_req w;
    int wc = 0;

    ASSERT_EQ(setup_indirect("fb", 32, 1), 0);
    /* 12 data pages map, the descriptor page does not: all handed back,
     * and with nothing in flight to wait for, the request fails. */
    drv.fail_nth = 13;
    req(&w, BLK_OP_WRITE, 0, 96, wbuf, &wc);
    submit(&eng, &w);
    EXPECT_EQ(wc, 1);
    EXPECT_EQ(w.status, -XEN_ENOSPC);
    EXPECT_EQ(drv.maps, 12u);
    EXPECT_EQ(drv.unmaps, 12u);
    EXPECT_TRUE(eng.ind_free == &sets[0]); /* the set is back */
    EXPECT_FALSE(eng.stopped);
}

/*
 * Linux's blkback answers an indirect read as a read; blkif's wording
 * ("copied from request") allows BLKIF_OP_INDIRECT too. Both name the
 * request; a write does not.
 */
TEST(blkif_perf, indirect_answer_names_its_operation)
{
    struct blk_req r[2];
    int rc = 0;

    ASSERT_EQ(setup_indirect("fb", 256, 2), 0);
    req(&r[0], BLK_OP_READ, 0, 256, rbuf, &rc);
    submit(&eng, &r[0]);
    req(&r[1], BLK_OP_READ, 256, 256, rbuf + 256 * 512, &rc);
    submit(&eng, &r[1]);
    be_take();
    be_answer(2);
    EXPECT_EQ(be_slot(be.page.s.rsp_prod - 2)->rsp.operation, BLKIF_OP_READ);
    be_slot(be.page.s.rsp_prod - 1)->rsp.operation = BLKIF_OP_INDIRECT;
    poll(&eng);
    EXPECT_EQ(r[0].status, 0);
    EXPECT_EQ(r[1].status, 0);
    req(&r[0], BLK_OP_READ, 0, 256, rbuf, &rc);
    submit(&eng, &r[0]);
    be_take();
    be_answer(1);
    be_slot(be.page.s.rsp_prod - 1)->rsp.operation = BLKIF_OP_WRITE;
    host_capture_begin();
    poll(&eng);
    host_capture_end();
    EXPECT_TRUE(host_capture_contains(
        "has operation 1 (write), its request was 0 (read)"));
    EXPECT_EQ(r[0].status, -XEN_EIO);
    EXPECT_TRUE(eng.stopped);
    EXPECT_EQ(drv.unmaps, drv.maps);
}

TEST(blkif_perf, indirect_never_not_supported)
{
    struct blk_req r;
    int rc = 0;

    ASSERT_EQ(setup_indirect("fb", 256, 1), 0);
    req(&r, BLK_OP_READ, 0, 256, rbuf, &rc);
    submit(&eng, &r);
    be_take();
    be_answer(1);
    be_slot(be.page.s.rsp_prod - 1)->rsp.status = BLKIF_RSP_EOPNOTSUPP;
    host_capture_begin();
    poll(&eng);
    host_capture_end();
    EXPECT_TRUE(host_capture_contains("(read) has status -2"));
    EXPECT_TRUE(eng.stopped);
}

TEST(blkif_perf, set_indirect_refuses_nonsense)
{
    setup(&eng, "");
    sets[0].seg = segs[0];
    EXPECT_EQ(blkif_engine_set_indirect(&eng, 11, sets, 1), -XEN_EINVAL);
    EXPECT_EQ(blkif_engine_set_indirect(&eng, BLKIF_IND_SEGS_MAX + 1, sets, 1),
              -XEN_EINVAL);
    EXPECT_EQ(blkif_engine_set_indirect(&eng, 64, sets, 0), -XEN_EINVAL);
    EXPECT_EQ(blkif_engine_set_indirect(&eng, 64, NULL, 1), -XEN_EINVAL);
    EXPECT_EQ(eng.max_segs, 11u);
}

TEST(blkif_perf, eight_page_ring_holds_256)
{
    static struct blk_req r[300];
    static int calls[300];
    unsigned int i;

    setup_ring(&eng, "fb", 8);
    EXPECT_EQ(eng.ring.size, 256u);
    EXPECT_EQ(eng.shadow.nr, 256u);
    for ( i = 0; i < 300; i++ )
    {
        calls[i] = 0;
        req(&r[i], BLK_OP_READ, i * 8 % DISK_SECTORS, 8, rbuf + i % 8 * 512,
            &calls[i]);
        submit(&eng, &r[i]);
    }
    EXPECT_EQ(eng.shadow.in_flight, 256u);
    serve(&eng);
    for ( i = 0; i < 300; i++ )
        EXPECT_EQ(calls[i], 1);
    EXPECT_EQ(be.max_seen, 256u);
}

TEST(blkif_perf, discard_whole_extents)
{
    struct blk_req d;
    int dc = 0;

    setup(&eng, "fbd");
    params.discard_granularity = 4096;
    memset(be.disk, 0xaa, sizeof(be.disk));
    req(&d, BLK_OP_DISCARD, 3, 30, NULL, &dc);
    submit(&eng, &d);
    serve(&eng);
    EXPECT_EQ(d.status, 0);
    EXPECT_STREQ(be.log, "D");
    EXPECT_EQ(be.discarded, 24u);
    EXPECT_EQ(be.last_discard, 8u);
    EXPECT_EQ(be.disk[7 * 512], 0xaa); /* before the first whole extent */
    EXPECT_EQ(be.disk[8 * 512], 0);
    EXPECT_EQ(be.disk[32 * 512], 0xaa);
    EXPECT_EQ(eng.stats.discards, 1u);
    /* No whole extent: done, nothing sent. */
    req(&d, BLK_OP_DISCARD, 1, 6, NULL, &dc);
    submit(&eng, &d);
    EXPECT_EQ(dc, 2);
    EXPECT_EQ(d.status, 0);
    EXPECT_EQ(eng.stats.discards, 1u);
}

TEST(blkif_perf, discard_refusals)
{
    struct blk_req d;
    int dc = 0;

    setup(&eng, "f"); /* not offered */
    req(&d, BLK_OP_DISCARD, 0, 8, NULL, &dc);
    submit(&eng, &d);
    EXPECT_EQ(d.status, -XEN_EOPNOTSUPP);
    EXPECT_STREQ(be.log, "");
    setup(&eng, "dr"); /* read-only */
    submit(&eng, &d);
    EXPECT_EQ(d.status, -XEN_EROFS);
    setup(&eng, "d");
    req(&d, BLK_OP_DISCARD, 0, 0, NULL, &dc);
    submit(&eng, &d);
    EXPECT_EQ(d.status, -XEN_EINVAL);
    req(&d, BLK_OP_DISCARD, DISK_SECTORS - 4, 8, NULL, &dc);
    submit(&eng, &d);
    EXPECT_EQ(d.status, -XEN_ERANGE);
    /* The backend refuses: off for the disk, said once. */
    be.discard_status = BLKIF_RSP_EOPNOTSUPP;
    req(&d, BLK_OP_DISCARD, 0, 8, NULL, &dc);
    submit(&eng, &d);
    host_capture_begin();
    serve(&eng);
    host_capture_end();
    EXPECT_EQ(d.status, -XEN_EOPNOTSUPP);
    EXPECT_TRUE(host_capture_contains("backend refused a discard"));
    EXPECT_FALSE(params.discard);
    submit(&eng, &d);
    EXPECT_EQ(d.status, -XEN_EOPNOTSUPP);
    EXPECT_EQ(eng.stats.discards, 1u);
    EXPECT_FALSE(eng.stopped);
}

TEST(blkif_perf, discard_steps)
{
    struct blkif_params p = { 0 };
    struct blkif_order o;

    p.discard = true;
    EXPECT_EQ(blkif_order_start(&o, BLK_OP_DISCARD, false, &p),
              BLKIF_STEP_DONE);
    EXPECT_EQ(o.status, -XEN_EINVAL); /* a discard of nothing */
    EXPECT_EQ(blkif_order_start(&o, BLK_OP_DISCARD, true, &p),
              BLKIF_STEP_DISCARD);
    EXPECT_FALSE(o.exclusive); /* it runs beside other requests */
    EXPECT_EQ(blkif_order_next(&o, BLKIF_RSP_OKAY, &p, "xvdt"),
              BLKIF_STEP_DONE);
    EXPECT_EQ(o.status, 0);
    EXPECT_EQ(blkif_order_start(&o, BLK_OP_DISCARD, true, &p),
              BLKIF_STEP_DISCARD);
    EXPECT_EQ(blkif_order_next(&o, BLKIF_RSP_ERROR, &p, "xvdt"),
              BLKIF_STEP_DONE);
    EXPECT_EQ(o.status, -XEN_EIO);
    EXPECT_TRUE(p.discard); /* an error is not a refusal */
}

TEST(blkif_perf, barrier_drain_waits_for_other_queues)
{
    struct blk_req b, w;
    int bc = 0, wc = 0;

    setup(&eng, "fb");
    drv.others_busy = true;
    fill(wbuf, 8 * 512, 3);
    req(&b, BLK_OP_BARRIER, 0, 8, wbuf, &bc);
    submit(&eng, &b);
    req(&w, BLK_OP_WRITE, 64, 8, wbuf, &wc);
    submit(&eng, &w);
    EXPECT_GT(drv.others_asked, 0u);
    EXPECT_STREQ(be.log, ""); /* nothing: the barrier drains first */
    serve(&eng);
    EXPECT_EQ(bc, 0);
    drv.others_busy = false;
    {
        struct blk_req *done = NULL;

        blkif_engine_kick(&eng, &done);
        blkif_engine_finish(done);
    }
    serve(&eng);
    EXPECT_EQ(bc, 1);
    EXPECT_EQ(wc, 1);
    EXPECT_STREQ(be.log, "BFW");
}

/*
 * Four 256 KiB writes, then four reads, all submitted at once, against a
 * backend that keeps grants mapped (and so maps every grant writable), on
 * a pool of persistent grants with room for `cap` pages: every request
 * succeeds, no grant is made outside the pool, and the pages go back to
 * it. Indirect requests of 64 segments when `indirect`, else 11-segment
 * ones.
 */
static void
persistent_round(struct ktest_ctx *t, bool indirect, uint32_t cap)
{
    static struct blkif_pgnt store[256], out[256];
    static struct blk_req w[4], r[4];
    struct blkif_pool pool;
    int calls[8] = { 0 };
    uint32_t i, n;

    if ( indirect )
        ASSERT_EQ(setup_indirect("fb", 64, 4), 0);
    else
        setup(&eng, "fb");
    be.persistent = true;
    blkif_pool_init(&pool, store, cap);
    drv.pool = &pool;
    fill(wbuf, 2048 * 512, 5);
    for ( i = 0; i < 4; i++ )
    {
        req(&w[i], BLK_OP_WRITE, i * 512, 512, wbuf + i * 512 * 512, &calls[i]);
        submit(&eng, &w[i]);
    }
    serve(&eng);
    for ( i = 0; i < 4; i++ )
    {
        EXPECT_EQ(w[i].status, 0);
        req(&r[i], BLK_OP_READ, i * 512, 512, rbuf + i * 512 * 512,
            &calls[4 + i]);
        submit(&eng, &r[i]);
    }
    serve(&eng);
    for ( i = 0; i < 4; i++ )
        EXPECT_EQ(r[i].status, 0);
    EXPECT_TRUE(memcmp(be.disk, wbuf, 2048 * 512) == 0);
    EXPECT_TRUE(memcmp(rbuf, wbuf, 2048 * 512) == 0);
    EXPECT_EQ(eng.stats.failed, 0u);
    EXPECT_EQ(drv.grants, pool.granted); /* none outside the pool */
    EXPECT_LE(pool.granted, cap);
    EXPECT_GT(pool.waits, 0u); /* it was full at times */
    EXPECT_EQ(pool.nfree, pool.granted);
    EXPECT_EQ(drv.unmaps, drv.maps);
    n = blkif_pool_shrink(&pool, 0, 0, out, ARRAY_SIZE(out));
    for ( i = 0; i < n; i++ )
    {
        drv.page[out[i].gref] = NULL;
        free(out[i].page);
    }
    drv.pool = NULL;
}

/*
 * Issue 11: with feature-persistent, Linux's blkback maps every grant
 * writable, so a read-only grant made when the pool ran out (a write's
 * data, a descriptor page) failed its map and the request got
 * BLKIF_RSP_ERROR.
 */
TEST(blkif_perf, persistent_pool_full_indirect)
{
    persistent_round(t, true, 2 * 65); /* two requests' pages */
}

TEST(blkif_perf, persistent_pool_full_direct)
{
    persistent_round(t, false, 40); /* fewer than four ring requests' pages */
}
