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
 * One scenario: the request, what the backend offers ("f" flush, "b"
 * barrier, "r" read-only), its answer to each step that reaches it, and
 * what must happen: the steps as letters (D drain, R read, W write,
 * B barrier, F flush), the result, and the features left on.
 */
struct scenario {
    unsigned int op;
    bool data;
    const char *offers;
    int rsp[4];
    const char *steps;
    int status;
    unsigned int flags;
    const char *left;
};

static char
letter(enum blkif_step s)
{
    return "xDRWBF"[s];
}

/* The features string of *p: "f" and "b" as they are on. */
static const char *
features(const struct blkif_params *p)
{
    static char buf[3];

    snprintf(buf, sizeof(buf), "%s%s", p->flush ? "f" : "",
             p->barrier ? "b" : "");
    return buf;
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
    p->flush = strchr(sc->offers, 'f') != NULL;
    p->barrier = strchr(sc->offers, 'b') != NULL;
    p->readonly = strchr(sc->offers, 'r') != NULL;
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

#define RD  BLK_OP_READ
#define WR  BLK_OP_WRITE
#define FL  BLK_OP_FLUSH
#define BA  BLK_OP_BARRIER
#define ND  BLK_RES_NOT_DURABLE
#define EIO (-XEN_EIO)
#define EOP (-XEN_EOPNOTSUPP)

static const struct scenario table[] = {
    /* op, data, offers, answers, steps, status, flags, features left */
    { RD, 1, "fb", { OK }, "R", 0, 0, "fb" },
    { RD, 1, "fb", { ERR }, "R", EIO, 0, "fb" },
    { WR, 1, "", { OK }, "W", 0, 0, "" },
    { WR, 1, "r", { OK }, "", -XEN_EROFS, 0, "" },
    /* 4: FLUSH, by what the backend offers */
    { FL, 0, "fb", { OK }, "F", 0, 0, "fb" },
    { FL, 0, "b", { OK }, "B", 0, ND, "b" },
    { FL, 0, "", { OK }, "", EOP, ND, "" },
    { FL, 0, "fb", { ERR }, "F", EIO, 0, "fb" },
    /* 8: FLUSH refused: off, then a barrier; then that refused too */
    { FL, 0, "fb", { NS, OK }, "FB", 0, ND, "b" },
    { FL, 0, "fb", { NS, NS }, "FB", EOP, ND, "" },
    { FL, 0, "f", { NS }, "F", EOP, ND, "" },
    /* 11: BARRIER with data, by what the backend offers */
    { BA, 1, "fb", { OK, OK }, "DBF", 0, 0, "fb" },
    { BA, 1, "b", { OK }, "DB", 0, ND, "b" },
    { BA, 1, "f", { OK, OK }, "DWF", 0, 0, "f" },
    { BA, 1, "", { OK }, "DW", 0, ND, "" },
    { BA, 1, "fbr", { OK }, "", -XEN_EROFS, 0, "fb" },
    /* 16: BARRIER refused: the data goes as a write, then the flush */
    { BA, 1, "fb", { NS, OK, OK }, "DBWF", 0, 0, "f" },
    { BA, 1, "b", { NS, OK }, "DBW", 0, ND, "" },
    /* 18: the flush after the data refused: written, not durable */
    { BA, 1, "fb", { OK, NS }, "DBF", 0, ND, "b" },
    { BA, 1, "f", { OK, NS }, "DWF", 0, ND, "" },
    /* 20: errors at each step */
    { BA, 1, "fb", { ERR }, "DB", EIO, 0, "fb" },
    { BA, 1, "f", { ERR }, "DW", EIO, 0, "f" },
    { BA, 1, "fb", { OK, ERR }, "DBF", EIO, 0, "fb" },
    /* 23: an empty BARRIER orders; it promises no durability */
    { BA, 0, "fb", { OK }, "DB", 0, 0, "fb" },
    { BA, 0, "f", { OK }, "D", 0, 0, "f" },
    { BA, 0, "b", { NS }, "DB", 0, 0, "" },
    { BA, 0, "fbr", { OK }, "DB", 0, 0, "fb" },
    /* 27: nonsense */
    { RD, 0, "fb", { OK }, "", -XEN_EINVAL, 0, "fb" },
    { WR, 0, "fb", { OK }, "", -XEN_EINVAL, 0, "fb" },
    { FL, 1, "fb", { OK }, "", -XEN_EINVAL, 0, "fb" },
    { 42, 1, "fb", { OK }, "", -XEN_EINVAL, 0, "fb" },
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
             !EXPECT_STREQ(features(&p), table[i].left) )
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
    /* A flush that falls back to a barrier stays beside the others. */
    EXPECT_EQ(blkif_order_start(&o, BLK_OP_FLUSH, false, &p), BLKIF_STEP_FLUSH);
    host_capture_begin();
    EXPECT_EQ(blkif_order_next(&o, NS, &p, "xvdt"), BLKIF_STEP_BARRIER);
    host_capture_end();
    EXPECT_FALSE(o.exclusive);
    EXPECT_EQ(blkif_order_next(&o, OK, &p, "xvdt"), BLKIF_STEP_DONE);
    /* Done stays done. */
    EXPECT_EQ(blkif_order_next(&o, ERR, &p, "xvdt"), BLKIF_STEP_DONE);
    EXPECT_EQ(o.status, 0);
    EXPECT_EQ(o.flags, BLK_RES_NOT_DURABLE);
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
