/* SPDX-License-Identifier: MIT */
/*
 * test_blkif_order.c - host tests of the steps behind FLUSH and BARRIER
 * (drivers/blk/blkif_order.c): every row of the table in
 * blkif_order.h, each fallback after a backend answers EOPNOTSUPP (the
 * feature turned off, with a console line), errors, read-only disks,
 * and which steps run exclusively.
 */
#include <ktest.h>
#include <blk.h>
#include "drivers/blk/blkif_order.h"
#include "tests/host/host.h"
#include <xen/errno.h>
#include <xen/xen.h>
#include <xen/io/blkif.h>

#define OK  BLKIF_RSP_OKAY
#define ERR BLKIF_RSP_ERROR
#define NS  BLKIF_RSP_EOPNOTSUPP

/*
 * One scenario: the request, what the backend offers, its answer to
 * each step that reaches it, and what must happen: the steps as letters
 * (D drain, R read, W write, B barrier, F flush), the result, and the
 * features left on.
 */
struct scenario {
    unsigned int op;
    bool data, flush, barrier, readonly;
    int rsp[4];
    const char *steps;
    int status;
    unsigned int flags;
    bool flush_after, barrier_after;
};

static char
letter(enum blkif_step s)
{
    return "xDRWBF"[s];
}

/* Run one scenario; return the steps taken, in letters. */
static const char *
run(const struct scenario *sc, struct blkif_order *o, struct blkif_params *p)
{
    static char steps[16];
    enum blkif_step s;
    unsigned int n = 0, answers = 0;
    int rsp;

    memset(p, 0, sizeof(*p));
    p->flush = sc->flush;
    p->barrier = sc->barrier;
    p->readonly = sc->readonly;
    memset(steps, 0, sizeof(steps));
    s = blkif_order_start(o, sc->op, sc->data, p);
    while ( s != BLKIF_STEP_DONE && n + 1 < sizeof(steps) )
    {
        steps[n++] = letter(s);
        rsp = OK;
        if ( s != BLKIF_STEP_DRAIN )
            rsp = answers < ARRAY_SIZE(sc->rsp) ? sc->rsp[answers++] : OK;
        s = blkif_order_next(o, rsp, p, "xvdt");
    }
    return steps;
}

static const struct scenario table[] = {
    /* op, data, flush, barrier, ro, answers, steps, status, flags, F, B */
    { BLK_OP_READ, true, 1, 1, 0, { OK }, "R", 0, 0, 1, 1 },
    { BLK_OP_READ, true, 1, 1, 0, { ERR }, "R", -XEN_EIO, 0, 1, 1 },
    { BLK_OP_WRITE, true, 0, 0, 0, { OK }, "W", 0, 0, 0, 0 },
    { BLK_OP_WRITE, true, 0, 0, 1, { OK }, "", -XEN_EROFS, 0, 0, 0 },
    /* FLUSH, by what the backend offers */
    { BLK_OP_FLUSH, false, 1, 1, 0, { OK }, "F", 0, 0, 1, 1 },
    { BLK_OP_FLUSH,
      false,
      0,
      1,
      0,
      { OK },
      "DB",
      0,
      BLK_RES_NOT_DURABLE,
      0,
      1 },
    { BLK_OP_FLUSH,
      false,
      0,
      0,
      0,
      { OK },
      "D",
      -XEN_EOPNOTSUPP,
      BLK_RES_NOT_DURABLE,
      0,
      0 },
    { BLK_OP_FLUSH, false, 1, 1, 0, { ERR }, "F", -XEN_EIO, 0, 1, 1 },
    /* FLUSH refused: off, then a barrier; then that refused too */
    { BLK_OP_FLUSH,
      false,
      1,
      1,
      0,
      { NS, OK },
      "FDB",
      0,
      BLK_RES_NOT_DURABLE,
      0,
      1 },
    { BLK_OP_FLUSH,
      false,
      1,
      1,
      0,
      { NS, NS },
      "FDB",
      -XEN_EOPNOTSUPP,
      BLK_RES_NOT_DURABLE,
      0,
      0 },
    { BLK_OP_FLUSH,
      false,
      1,
      0,
      0,
      { NS },
      "FD",
      -XEN_EOPNOTSUPP,
      BLK_RES_NOT_DURABLE,
      0,
      0 },
    /* BARRIER with data, by what the backend offers */
    { BLK_OP_BARRIER, true, 1, 1, 0, { OK, OK }, "DBF", 0, 0, 1, 1 },
    { BLK_OP_BARRIER,
      true,
      0,
      1,
      0,
      { OK },
      "DB",
      0,
      BLK_RES_NOT_DURABLE,
      0,
      1 },
    { BLK_OP_BARRIER, true, 1, 0, 0, { OK, OK }, "DWF", 0, 0, 1, 0 },
    { BLK_OP_BARRIER,
      true,
      0,
      0,
      0,
      { OK },
      "DW",
      0,
      BLK_RES_NOT_DURABLE,
      0,
      0 },
    { BLK_OP_BARRIER, true, 1, 1, 1, { OK }, "", -XEN_EROFS, 0, 1, 1 },
    /* BARRIER refused: the data goes as a write, then the flush */
    { BLK_OP_BARRIER, true, 1, 1, 0, { NS, OK, OK }, "DBWF", 0, 0, 1, 0 },
    { BLK_OP_BARRIER,
      true,
      0,
      1,
      0,
      { NS, OK },
      "DBW",
      0,
      BLK_RES_NOT_DURABLE,
      0,
      0 },
    /* the flush after the data refused: written, ordered, not durable */
    { BLK_OP_BARRIER,
      true,
      1,
      1,
      0,
      { OK, NS },
      "DBF",
      0,
      BLK_RES_NOT_DURABLE,
      0,
      1 },
    { BLK_OP_BARRIER,
      true,
      1,
      0,
      0,
      { OK, NS },
      "DWF",
      0,
      BLK_RES_NOT_DURABLE,
      0,
      0 },
    /* errors at each step */
    { BLK_OP_BARRIER, true, 1, 1, 0, { ERR }, "DB", -XEN_EIO, 0, 1, 1 },
    { BLK_OP_BARRIER, true, 1, 0, 0, { ERR }, "DW", -XEN_EIO, 0, 1, 0 },
    { BLK_OP_BARRIER, true, 1, 1, 0, { OK, ERR }, "DBF", -XEN_EIO, 0, 1, 1 },
    /* an empty BARRIER orders; it promises no durability */
    { BLK_OP_BARRIER, false, 1, 1, 0, { OK }, "DB", 0, 0, 1, 1 },
    { BLK_OP_BARRIER, false, 1, 0, 0, { OK }, "D", 0, 0, 1, 0 },
    { BLK_OP_BARRIER, false, 0, 1, 0, { NS }, "DB", 0, 0, 0, 0 },
    { BLK_OP_BARRIER, false, 1, 1, 1, { OK }, "DB", 0, 0, 1, 1 },
    /* nonsense */
    { BLK_OP_READ, false, 1, 1, 0, { OK }, "", -XEN_EINVAL, 0, 1, 1 },
    { BLK_OP_WRITE, false, 1, 1, 0, { OK }, "", -XEN_EINVAL, 0, 1, 1 },
    { BLK_OP_FLUSH, true, 1, 1, 0, { OK }, "", -XEN_EINVAL, 0, 1, 1 },
    { 42, true, 1, 1, 0, { OK }, "", -XEN_EINVAL, 0, 1, 1 },
};

TEST(blkif_order, every_scenario_takes_its_steps)
{
    struct blkif_order o;
    struct blkif_params p;
    const char *steps;
    unsigned int i;

    for ( i = 0; i < ARRAY_SIZE(table); i++ )
    {
        host_capture_begin();
        steps = run(&table[i], &o, &p);
        host_capture_end();
        if ( !EXPECT_STREQ(steps, table[i].steps) ||
             !EXPECT_EQ(o.status, table[i].status) ||
             !EXPECT_EQ(o.flags, table[i].flags) ||
             !EXPECT_EQ(p.flush, table[i].flush_after) ||
             !EXPECT_EQ(p.barrier, table[i].barrier_after) )
            printk("# in scenario %u (steps %s)\n", i, steps);
    }
}

TEST(blkif_order, refusals_turn_features_off_with_a_line)
{
    struct blkif_order o;
    struct blkif_params p;

    host_capture_begin();
    run(&table[9], &o, &p); /* FLUSH refused, then the barrier too */
    host_capture_end();
    EXPECT_EQ(
        host_capture_count(
            "blk: xvdt: backend refused a cache flush (EOPNOTSUPP): flushes are off for this disk"),
        1u);
    EXPECT_EQ(
        host_capture_count(
            "blk: xvdt: backend refused a barrier (EOPNOTSUPP): barriers are off for this disk"),
        1u);
    /* Nothing refused, nothing said. */
    host_capture_begin();
    run(&table[11], &o, &p);
    host_capture_end();
    EXPECT_STREQ(host_capture_text(), "");
}

TEST(blkif_order, barriers_are_exclusive_flushes_are_not)
{
    struct blkif_order o;
    struct blkif_params p = { .flush = true, .barrier = true };

    EXPECT_EQ(blkif_order_start(&o, BLK_OP_FLUSH, false, &p), BLKIF_STEP_FLUSH);
    EXPECT_FALSE(o.exclusive);
    EXPECT_EQ(blkif_order_start(&o, BLK_OP_WRITE, true, &p), BLKIF_STEP_WRITE);
    EXPECT_FALSE(o.exclusive);
    EXPECT_EQ(blkif_order_start(&o, BLK_OP_BARRIER, true, &p),
              BLKIF_STEP_DRAIN);
    EXPECT_TRUE(o.exclusive);
    /* A flush that falls back to a barrier becomes exclusive. */
    EXPECT_EQ(blkif_order_start(&o, BLK_OP_FLUSH, false, &p), BLKIF_STEP_FLUSH);
    host_capture_begin();
    EXPECT_EQ(blkif_order_next(&o, NS, &p, "xvdt"), BLKIF_STEP_DRAIN);
    host_capture_end();
    EXPECT_TRUE(o.exclusive);
    /* Done stays done. */
    EXPECT_EQ(blkif_order_next(&o, OK, &p, "xvdt"), BLKIF_STEP_BARRIER);
    EXPECT_EQ(blkif_order_next(&o, OK, &p, "xvdt"), BLKIF_STEP_DONE);
    EXPECT_EQ(blkif_order_next(&o, ERR, &p, "xvdt"), BLKIF_STEP_DONE);
    EXPECT_EQ(o.status, 0);
}

TEST(blkif_order, merge_keeps_the_worst)
{
    EXPECT_EQ(blkif_rsp_merge(OK, OK), OK);
    EXPECT_EQ(blkif_rsp_merge(OK, NS), NS);
    EXPECT_EQ(blkif_rsp_merge(NS, OK), NS);
    EXPECT_EQ(blkif_rsp_merge(NS, ERR), ERR);
    EXPECT_EQ(blkif_rsp_merge(ERR, OK), ERR);
    EXPECT_EQ(blkif_rsp_merge(OK, 7), ERR);
}
