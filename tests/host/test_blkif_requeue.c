/* SPDX-License-Identifier: MIT */
/*
 * test_blkif_requeue.c - host tests of what a disk does with its
 * unfinished requests across a resume (drivers/blk/blkif_requeue.c): a
 * paused engine issues nothing and still takes responses; taking its
 * requests out lists every unfinished one exactly once in the order it
 * was submitted (whatever slot or list it sat in), never one that was
 * acknowledged, hands every page back; several queues merge by their
 * disk-wide numbers; and submitting the list to a new backend keeps the
 * barrier's and the flush's promises.
 */
#include <stdlib.h>
#include <ktest.h>
#include "drivers/blk/blkif_engine.h"
#include "drivers/blk/blkif_requeue.h"
#include "tests/host/blk_fake.h"
#include "tests/host/host.h"
#include <xen/errno.h>

static struct blkif_engine eng;
static unsigned char wbuf[64 * 512], keep[DISK_SECTORS * 512];

/* A new backend over the same disk, with the features in `offers`. */
static void
new_backend(struct blkif_engine *e, const char *offers)
{
    memcpy(keep, be.disk, sizeof(keep));
    setup(e, offers);
    memcpy(be.disk, keep, sizeof(keep));
}

/* Take e's unfinished requests; check they are `want` in that order. */
static bool
taken_in_order(struct blkif_engine *e, struct blk_req **list,
               struct blk_req *const *want, unsigned int n)
{
    struct blk_req *r;
    unsigned int i = 0;
    bool ok = true;

    blkif_requeue_take(e, list);
    /* The list links through the engine's first priv word (blkif_io.h). */
    for ( r = *list; r; r = (struct blk_req *)r->priv[0], i++ )
        ok = ok && i < n && r == want[i];
    return ok && i == n;
}

/* Submit the list again, in its order. */
static void
resubmit(struct blkif_engine *e, struct blk_req **list)
{
    struct blk_req *r;

    while ( (r = blkif_requeue_pop(list)) )
        submit(e, r);
}

TEST(blkif_requeue, paused_engine_issues_nothing_but_takes_responses)
{
    struct blk_req w1, w2;
    struct blk_req *done = NULL;
    int c1 = 0, c2 = 0;

    setup(&eng, "fb");
    fill(wbuf, 8 * 512, 1);
    req(&w1, BLK_OP_WRITE, 0, 8, wbuf, &c1);
    req(&w2, BLK_OP_WRITE, 8, 8, wbuf, &c2);
    submit(&eng, &w1);
    blkif_engine_pause(&eng, true, &done);
    submit(&eng, &w2);
    be_take();
    EXPECT_STREQ(be.log, "W"); /* w2 waits */
    be_answer(1);
    poll(&eng);
    EXPECT_EQ(c1, 1); /* w1's answer is still taken */
    be_take();
    EXPECT_STREQ(be.log, "W");
    blkif_engine_pause(&eng, false, &done);
    blkif_engine_finish(done);
    serve(&eng);
    EXPECT_STREQ(be.log, "WW");
    EXPECT_EQ(c2, 1);
    EXPECT_EQ(w2.status, 0);
}

TEST(blkif_requeue, acknowledged_stay_done_the_rest_go_again_in_order)
{
    struct blk_req w1, w2, b, w3, f, *list = NULL, *done = NULL;
    int c1 = 0, c2 = 0, cb = 0, c3 = 0, cf = 0;

    setup(&eng, "fb");
    fill(wbuf, 32 * 512, 2);
    req(&w1, BLK_OP_WRITE, 0, 8, wbuf, &c1);
    req(&w2, BLK_OP_WRITE, 8, 8, wbuf + 8 * 512, &c2);
    req(&b, BLK_OP_BARRIER, 16, 8, wbuf + 16 * 512, &cb);
    req(&w3, BLK_OP_WRITE, 24, 8, wbuf + 24 * 512, &c3);
    req(&f, BLK_OP_FLUSH, 0, 0, NULL, &cf);
    submit(&eng, &w1);
    submit(&eng, &w2);
    submit(&eng, &b);
    submit(&eng, &w3);
    submit(&eng, &f);
    be_take();
    be_answer(1); /* w1 acknowledged; w2 on the ring; b draining */
    poll(&eng);
    EXPECT_EQ(c1, 1);
    blkif_engine_pause(&eng, true, &done);
    {
        struct blk_req *const want[] = { &w2, &b, &w3, &f };

        EXPECT_TRUE(taken_in_order(&eng, &list, want, 4));
    }
    EXPECT_EQ(drv.maps, drv.unmaps); /* w2's page back, unread */
    EXPECT_EQ(eng.shadow.in_flight, 0u);
    EXPECT_EQ(blkif_engine_pending(&eng), 0u);
    /* The old backend never answers; a new one, without barriers. */
    memset(be.disk, 0, 8 * 512); /* w1 must not be written again */
    new_backend(&eng, "f");
    resubmit(&eng, &list);
    be_take();
    EXPECT_STREQ(be.log, "W"); /* w2; the barrier drains behind it */
    be_answer(1);
    poll(&eng);
    be_take();
    EXPECT_STREQ(be.log, "WW"); /* b as write + flush: alone */
    be_answer(1);
    poll(&eng);
    be_take();
    EXPECT_STREQ(be.log, "WWF");
    EXPECT_EQ(c3, 0); /* held behind the barrier */
    be_answer(1);
    poll(&eng);
    EXPECT_EQ(cb, 1);
    serve(&eng);
    EXPECT_STREQ(be.log, "WWFWF");
    EXPECT_EQ(c1 + c2 + c3 + cf, 4);
    EXPECT_EQ(w2.status + b.status + w3.status + f.status, 0);
    EXPECT_TRUE(memcmp(be.disk + 8 * 512, wbuf + 8 * 512, 24 * 512) == 0);
    EXPECT_EQ(be.disk[0], 0); /* w1 was not sent again */
    EXPECT_EQ(drv.maps, drv.unmaps);
}

TEST(blkif_requeue, order_is_submission_not_slot_order)
{
    static struct blk_req w[6];
    struct blk_req *list = NULL, *done = NULL;
    int c[6] = { 0 };
    unsigned int i;

    setup(&eng, "fb");
    fill(wbuf, 8 * 512, 3);
    for ( i = 0; i < 4; i++ )
    {
        req(&w[i], BLK_OP_WRITE, i * 8, 8, wbuf, &c[i]);
        submit(&eng, &w[i]);
    }
    be_take();
    be_answer(2); /* w0, w1 done: their slots are free again */
    poll(&eng);
    for ( i = 4; i < 6; i++ )
    {
        req(&w[i], BLK_OP_WRITE, i * 8, 8, wbuf, &c[i]);
        submit(&eng, &w[i]); /* into the lowest free slots */
    }
    EXPECT_TRUE(eng.shadow.slot[0].owner == &w[5] ||
                eng.shadow.slot[0].owner == &w[4]);
    blkif_engine_pause(&eng, true, &done);
    {
        struct blk_req *const want[] = { &w[2], &w[3], &w[4], &w[5] };

        EXPECT_TRUE(taken_in_order(&eng, &list, want, 4));
    }
    EXPECT_EQ(c[0] + c[1], 2);
    EXPECT_EQ(c[2] + c[3] + c[4] + c[5], 0);
    new_backend(&eng, "fb");
    resubmit(&eng, &list);
    serve(&eng);
    for ( i = 0; i < 6; i++ )
        EXPECT_EQ(c[i], 1);
}

TEST(blkif_requeue, a_request_cut_in_pieces_is_listed_once)
{
    static unsigned char big[200 * 512];
    struct blk_req a, b2, *list = NULL, *done = NULL;
    int ca = 0, cb = 0;

    setup(&eng, "fb");
    fill(big, sizeof(big), 4);
    /* 200 sectors: three ring requests of 11 pages at most. */
    req(&a, BLK_OP_WRITE, 100, 200, big, &ca);
    req(&b2, BLK_OP_READ, 0, 8, wbuf, &cb);
    submit(&eng, &a);
    submit(&eng, &b2);
    be_take();
    be_answer(1); /* one piece of a answered: a is not done */
    poll(&eng);
    EXPECT_EQ(ca, 0);
    blkif_engine_pause(&eng, true, &done);
    {
        struct blk_req *const want[] = { &a, &b2 };

        EXPECT_TRUE(taken_in_order(&eng, &list, want, 2));
    }
    EXPECT_EQ(drv.maps, drv.unmaps);
    new_backend(&eng, "fb");
    resubmit(&eng, &list);
    serve(&eng);
    EXPECT_EQ(ca, 1);
    EXPECT_EQ(cb, 1);
    EXPECT_TRUE(memcmp(be.disk + 100 * 512, big, sizeof(big)) == 0);
}

TEST(blkif_requeue, queues_merge_by_disk_wide_numbers)
{
    static struct blkif_engine e2;
    struct blk_req r[4], *list = NULL, *done = NULL;
    int c[4] = { 0 };
    unsigned int i;

    setup(&eng, "fb");
    e2 = eng; /* a second engine over the same fake ring, never issued */
    blkif_engine_pause(&eng, true, &done);
    blkif_engine_pause(&e2, true, &done);
    /* Numbered as a disk with two queues numbers them: 0 and 2 on one
     * queue, 1 and 3 on the other. */
    for ( i = 0; i < 4; i++ )
    {
        struct blkif_engine *e = i % 2 ? &e2 : &eng;

        req(&r[i], BLK_OP_WRITE, i * 8, 8, wbuf, &c[i]);
        e->next_seq = i;
        submit(e, &r[i]);
        EXPECT_EQ(blkif_requeue_seq(&r[i]), (uint64_t)i);
    }
    EXPECT_EQ(blkif_requeue_take(&e2, &list), 2u);
    EXPECT_EQ(blkif_requeue_take(&eng, &list), 2u);
    for ( i = 0; i < 4; i++ )
        EXPECT_TRUE(blkif_requeue_pop(&list) == &r[i]);
    EXPECT_TRUE(blkif_requeue_pop(&list) == NULL);
    EXPECT_EQ(drv.maps, 0u); /* nothing was ever issued */
}
