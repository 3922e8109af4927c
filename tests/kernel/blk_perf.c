/* SPDX-License-Identifier: MIT */
/*
 * blk_perf.c - self-tests of blkfront's performance features on real
 * disks (tools/blk/tier2.sh runs them against Linux's blkback, with all
 * features on and with each switched off by blk=): what was negotiated
 * agrees with what was offered and asked for, a 1 MiB request travels
 * whole (one indirect request when offered), persistent grants are
 * reused, six 1 MiB requests in flight on one queue outrun its pool of
 * persistent grants and all succeed, every CPU submits to its own queue, a barrier orders writes
 * submitted on other queues, and discarded sectors read back as the
 * backend has them (blkif promises nothing: the test says what it saw)
 * while the sectors around them keep their pattern. Writes go only to
 * the blktest= disk, and leave the whole-disk pattern as it was.
 */
#include <kernel.h>
#include <blk.h>
#include <bootinfo.h>
#include <cmdline.h>
#include <ktest.h>
#include <mm.h>
#include <percpu.h>
#include <sched.h>
#include <smp.h>
#include <wait.h>
#include <xen_errno.h>
#include <arch/x86.h>
#include "drivers/blk/blk_pattern.h"
#include "tests/kernel/blk_test.h"

extern struct boot_info boot_info;

#define BIG_AT       8192 /* the 1 MiB request's area */
#define BIG_SECTORS  2048
#define ORDER_AT     12288 /* the cross-queue barrier's writes */
#define DISCARD_AT   16384 /* the discard's area: 2 MiB */
#define DISCARD_SECS 4096
#define DEEP_AT      24576 /* the deep queue's area: 6 MiB */
#define DEEP_REQS    6

/* Whether blk= on the command line holds word w. */
static bool
blk_opt(const char *w)
{
    static char s[96];
    size_t n = strlen(w);
    const char *p = s, *end;

    if ( !cmdline_get(boot_info.cmdline, "blk", s, sizeof(s)) )
        return false;
    for ( ; *p; p = *end ? end + 1 : end )
    {
        for ( end = p; *end && *end != ','; end++ )
            continue;
        if ( (size_t)(end - p) == n && memcmp(p, w, n) == 0 )
            return true;
    }
    return false;
}

TEST(blk_perf, features_as_negotiated)
{
    struct blk_disk *d;
    struct blk_info in;
    unsigned int i;

    if ( blk_disk_count() == 0 )
        KTEST_SKIP("no disks");
    for ( i = 0; (d = blk_disk_get(i)); i++ )
    {
        blk_disk_info(d, &in);
        blk_disk_put(d);
        printk(
            "    # %s: %u queue(s), %u ring page(s), %u segments a request, persistent %s, discard %s\n",
            in.name, in.queues, in.ring_pages, in.max_segs,
            in.persistent ? "on" : "off", in.discard ? "on" : "off");
        EXPECT_GE(in.queues, 1u);
        EXPECT_LE(in.queues, nr_cpus);
        EXPECT_LE(in.queues, BLK_QUEUES_MAX);
        EXPECT_GE(in.max_segs, 11u);
        EXPECT_LE(in.ring_pages, 8u);
        EXPECT_EQ(in.ring_pages & (in.ring_pages - 1), 0u);
        if ( blk_opt("noindirect") )
            EXPECT_EQ(in.max_segs, 11u);
        if ( blk_opt("nopersistent") )
            EXPECT_FALSE(in.persistent);
        if ( blk_opt("nodiscard") )
            EXPECT_FALSE(in.discard);
        if ( blk_opt("queues=1") )
            EXPECT_EQ(in.queues, 1u);
        if ( blk_opt("ringorder=0") )
            EXPECT_EQ(in.ring_pages, 1u);
    }
}

/*
 * 1 MiB in one request, the pattern written over itself and read back:
 * with indirect requests, one ring request each way.
 */
TEST(blk_perf, one_mebibyte_round_trip)
{
    const char *why;
    uint64_t seed;
    struct blk_disk *d = blk_test_scratch(&why, &seed);
    struct blk_info a, b;
    unsigned char *buf;

    if ( !d )
        KTEST_SKIP(why);
    buf = page_alloc_n(BIG_SECTORS * 512 / PAGE_SIZE);
    ASSERT_TRUE(buf != NULL);
    blk_disk_info(d, &a);
    blk_pattern_fill(buf, BIG_AT, BIG_SECTORS, seed);
    EXPECT_EQ(blk_write(d, BIG_AT, BIG_SECTORS, buf), 0);
    memset(buf, 0, BIG_SECTORS * 512);
    EXPECT_EQ(blk_read(d, BIG_AT, BIG_SECTORS, buf), 0);
    EXPECT_EQ(blk_pattern_check(buf, BIG_AT, BIG_SECTORS, seed),
              (uint64_t)BIG_SECTORS);
    blk_disk_info(d, &b);
    printk("    # 1 MiB each way: %llu ring requests, %llu indirect\n",
           (unsigned long long)(b.reads + b.writes - a.reads - a.writes),
           (unsigned long long)(b.indirect - a.indirect));
    if ( a.max_segs >= 256 )
    {
        EXPECT_EQ(b.writes - a.writes, 1u);
        EXPECT_EQ(b.reads - a.reads, 1u);
        EXPECT_EQ(b.indirect - a.indirect, 2u);
    }
    else if ( a.max_segs == 11 )
        EXPECT_EQ(b.indirect, 0u);
    if ( a.persistent )
        EXPECT_GT(b.pool_hits, a.pool_hits); /* the read reused them */
    else
        EXPECT_EQ(b.pool_hits, 0u);
    EXPECT_EQ(blk_flush(d, NULL), 0);
    page_free_n(buf, BIG_SECTORS * 512 / PAGE_SIZE);
    blk_disk_put(d);
}

/* Six 1 MiB requests at once, from this CPU (so on one queue). */
struct deep {
    struct blk_req r[DEEP_REQS];
    unsigned int done; /* atomic: completions */
    struct waitq wq;
};

static void
deep_done(struct blk_req *r)
{
    struct deep *dp = r->arg;

    __atomic_add_fetch(&dp->done, 1, __ATOMIC_ACQ_REL);
    waitq_wake_all(&dp->wq);
}

static bool
deep_all(void *arg)
{
    return __atomic_load_n(&((struct deep *)arg)->done, __ATOMIC_ACQUIRE) ==
           DEEP_REQS;
}

/* Submit all DEEP_REQS requests of op over buf, wait; how many failed. */
static unsigned int
deep_round(struct ktest_ctx *t, struct blk_disk *d, struct deep *dp,
           unsigned int op, unsigned char *buf)
{
    unsigned int i, failed = 0;
    unsigned long flags;

    memset(dp->r, 0, sizeof(dp->r));
    dp->done = 0;
    /* Interrupts off while submitting: this CPU's queue takes no answer
     * meanwhile, so no pool page comes back and the requests past the
     * pool must wait for one (blk_submit: any context). With them on, a
     * backend that answered while we copied the next 1 MiB in kept the
     * pool from ever filling, and the test missed its path. */
    flags = irq_save();
    for ( i = 0; i < DEEP_REQS; i++ )
    {
        dp->r[i].op = op;
        dp->r[i].sector = DEEP_AT + i * BIG_SECTORS;
        dp->r[i].count = BIG_SECTORS;
        dp->r[i].buf = buf + i * BIG_SECTORS * 512;
        dp->r[i].done = deep_done;
        dp->r[i].arg = dp;
        blk_submit(d, &dp->r[i]);
    }
    irq_restore(flags);
    EXPECT_TRUE(wait_event_timeout(&dp->wq, deep_all, dp, 2 * BLK_TIMEOUT_NS));
    for ( i = 0; i < DEEP_REQS; i++ )
        failed += dp->r[i].status != 0;
    return failed;
}

/*
 * More in flight on one queue than its pool of persistent grants holds
 * (4 MiB): the requests past it wait for pages to come back, and every
 * one succeeds. Issue 11: they got grants outside the pool, read-only
 * for a write's data or a descriptor page, which Linux's blkback (mapping
 * every grant writable with feature-persistent) failed with
 * BLKIF_RSP_ERROR.
 */
TEST(blk_perf, deep_queue_outruns_the_grant_pool)
{
    static struct deep dp = { .wq = WAITQ_INIT("blk-deep") };
    const size_t pages = DEEP_REQS * BIG_SECTORS * 512 / PAGE_SIZE;
    const char *why;
    uint64_t seed;
    struct blk_disk *d = blk_test_scratch(&why, &seed);
    struct blk_info a, b;
    unsigned char *buf;

    if ( !d )
        KTEST_SKIP(why);
    buf = page_alloc_n(pages);
    ASSERT_TRUE(buf != NULL);
    blk_disk_info(d, &a);
    blk_pattern_fill(buf, DEEP_AT, DEEP_REQS * BIG_SECTORS, seed);
    EXPECT_EQ(deep_round(t, d, &dp, BLK_OP_WRITE, buf), 0u);
    memset(buf, 0, pages * PAGE_SIZE);
    EXPECT_EQ(deep_round(t, d, &dp, BLK_OP_READ, buf), 0u);
    EXPECT_EQ(blk_pattern_check(buf, DEEP_AT, DEEP_REQS * BIG_SECTORS, seed),
              (uint64_t)DEEP_REQS * BIG_SECTORS);
    blk_disk_info(d, &b);
    printk("    # persistent grants %s: %llu waits for a pool page\n",
           a.persistent ? "on" : "off",
           (unsigned long long)(b.pool_waits - a.pool_waits));
    /* Indirect: 6 requests of 257 pages would be in flight, the pool holds 4. */
    if ( a.persistent && a.max_segs >= 256 )
        EXPECT_GT(b.pool_waits, a.pool_waits);
    EXPECT_EQ(blk_flush(d, NULL), 0);
    page_free_n(buf, pages);
    blk_disk_put(d);
}

/* Reads from a thread on each vCPU. */
struct spread {
    struct blk_disk *d;
    void *buf[BLK_QUEUES_MAX];
    unsigned int failed;
};

static void
spread_reader(void *arg)
{
    struct spread *s = arg;
    unsigned int cpu = smp_processor_id(), i;

    for ( i = 0; i < 16; i++ )
        if ( blk_read(s->d, (cpu * 16 + i) * 8, 8, s->buf[cpu]) )
            __atomic_add_fetch(&s->failed, 1, __ATOMIC_RELAXED);
}

TEST(blk_perf, each_cpu_uses_its_queue)
{
    static struct spread s;
    struct thread *th[BLK_QUEUES_MAX];
    struct blk_info a, b;
    unsigned int i, n;

    s.d = blk_disk_get(0);
    if ( !s.d )
        KTEST_SKIP("no disks");
    blk_disk_info(s.d, &a);
    n = MIN(nr_cpus, BLK_QUEUES_MAX);
    for ( i = 0; i < n; i++ )
        s.buf[i] = page_alloc();
    s.failed = 0;
    for ( i = 0; i < n; i++ )
        th[i] = thread_create("blk-spread", spread_reader, &s, i);
    for ( i = 0; i < n; i++ )
        if ( th[i] )
            thread_join(th[i]);
    blk_disk_info(s.d, &b);
    EXPECT_EQ(s.failed, 0u);
    for ( i = 0; i < n; i++ )
    {
        if ( !EXPECT_TRUE(th[i] != NULL) )
            continue;
        /* CPU i's 16 reads went to queue i % queues. */
        EXPECT_GE(b.queue_reqs[i % b.queues] - a.queue_reqs[i % b.queues], 16u);
        page_free(s.buf[i]);
    }
    for ( i = 0; i < b.queues; i++ )
        printk("    # queue %u: %llu requests\n", i,
               (unsigned long long)(b.queue_reqs[i] - a.queue_reqs[i]));
    blk_disk_put(s.d);
}

/* Writes on one vCPU's queue, a barrier from another's. */
struct cross {
    struct blk_disk *d;
    struct blk_req r[17]; /* 8 before, the barrier, 8 after */
    unsigned int order[17];
    unsigned int done;
    unsigned char *buf;
    uint64_t seed;
    bool before_sent, barrier_sent;
    struct waitq wq;
};

static void
cross_done(struct blk_req *r)
{
    struct cross *c = r->arg;
    unsigned int n = __atomic_add_fetch(&c->done, 1, __ATOMIC_ACQ_REL);

    c->order[r - c->r] = n;
    waitq_wake_all(&c->wq);
}

static void
cross_submit(struct cross *c, unsigned int i, unsigned int op)
{
    struct blk_req *r = &c->r[i];

    r->op = op;
    r->sector = op == BLK_OP_BARRIER ? 0 : ORDER_AT + i * 8;
    r->count = op == BLK_OP_BARRIER ? 0 : 8;
    r->buf = op == BLK_OP_BARRIER ? NULL : c->buf + i * 8 * 512;
    r->done = cross_done;
    r->arg = c;
    blk_submit(c->d, r);
}

static bool
cross_sent(void *arg)
{
    return __atomic_load_n(&((struct cross *)arg)->barrier_sent,
                           __ATOMIC_ACQUIRE);
}

static bool
cross_before_sent(void *arg)
{
    return __atomic_load_n(&((struct cross *)arg)->before_sent,
                           __ATOMIC_ACQUIRE);
}

static bool
cross_all(void *arg)
{
    return __atomic_load_n(&((struct cross *)arg)->done, __ATOMIC_ACQUIRE) ==
           17;
}

/* The other vCPU: 8 writes, wait for the barrier's submission, 8 more. */
static void
cross_writer(void *arg)
{
    struct cross *c = arg;
    unsigned int i;

    for ( i = 0; i < 8; i++ )
        cross_submit(c, i, BLK_OP_WRITE);
    __atomic_store_n(&c->before_sent, true, __ATOMIC_RELEASE);
    waitq_wake_all(&c->wq);
    wait_event_timeout(&c->wq, cross_sent, c, 2 * BLK_TIMEOUT_NS);
    for ( i = 9; i < 17; i++ )
        cross_submit(c, i, BLK_OP_WRITE);
}

TEST(blk_perf, barrier_orders_other_queues)
{
    static struct cross c;
    const char *why;
    struct blk_info in;
    struct thread *th;
    unsigned int i, cpu;

    memset(&c, 0, sizeof(c));
    c.d = blk_test_scratch(&why, &c.seed);
    if ( !c.d )
        KTEST_SKIP(why);
    blk_disk_info(c.d, &in);
    if ( in.queues < 2 || nr_cpus < 2 )
    {
        blk_disk_put(c.d);
        KTEST_SKIP("one queue: blk.scratch_barriers_order_writes covers it");
    }
    c.wq = (struct waitq)WAITQ_INIT("blk-cross");
    c.buf = page_alloc_n(17 * 8 * 512 / PAGE_SIZE + 1);
    ASSERT_TRUE(c.buf != NULL);
    blk_pattern_fill(c.buf, ORDER_AT, 17 * 8, c.seed);
    cpu = smp_processor_id();
    /* A writer on the next vCPU: with 2 vCPUs, the other queue. */
    printk("    # barrier from vCPU %u, writes from vCPU %u\n", cpu,
           (cpu + 1) % nr_cpus);
    th = thread_create("blk-cross", cross_writer, &c, (cpu + 1) % nr_cpus);
    ASSERT_TRUE(th != NULL);
    EXPECT_TRUE(
        wait_event_timeout(&c.wq, cross_before_sent, &c, 2 * BLK_TIMEOUT_NS));
    cross_submit(&c, 8, BLK_OP_BARRIER);
    __atomic_store_n(&c.barrier_sent, true, __ATOMIC_RELEASE);
    waitq_wake_all(&c.wq);
    EXPECT_TRUE(wait_event_timeout(&c.wq, cross_all, &c, 2 * BLK_TIMEOUT_NS));
    thread_join(th);
    for ( i = 0; i < 17; i++ )
    {
        EXPECT_EQ(c.r[i].status, 0);
        if ( i < 8 )
            EXPECT_LT(c.order[i], c.order[8]);
        if ( i > 8 )
            EXPECT_GT(c.order[i], c.order[8]);
    }
    blk_disk_info(c.d, &in);
    EXPECT_FALSE(in.stopped);
    EXPECT_EQ(blk_flush(c.d, NULL), 0);
    page_free_n(c.buf, 17 * 8 * 512 / PAGE_SIZE + 1);
    blk_disk_put(c.d);
}

/*
 * Discard: the whole extents inside a 2 MiB run may be forgotten. blkif
 * promises nothing about what they read back as, so the test only says
 * what it saw (zeros, the old pattern, or else), and checks what it can:
 * the discard completes, the sectors just outside the run keep their
 * pattern, and every sector reads. Then the pattern goes back.
 */
TEST(blk_perf, discard_then_read_back)
{
    const char *why;
    uint64_t seed, s, zeros = 0, kept = 0, other = 0;
    struct blk_disk *d = blk_test_scratch(&why, &seed);
    unsigned int pages = (DISCARD_SECS + 16) * 512 / PAGE_SIZE;
    struct blk_info a, b;
    unsigned char *buf, *sec;
    int rc;

    if ( !d )
        KTEST_SKIP(why);
    blk_disk_info(d, &a);
    if ( !a.discard )
    {
        EXPECT_EQ(blk_discard(d, DISCARD_AT, 8), -XEN_EOPNOTSUPP);
        blk_disk_put(d);
        KTEST_SKIP("discard not offered, or blk=nodiscard: refused cleanly");
    }
    buf = page_alloc_n(pages);
    ASSERT_TRUE(buf != NULL);
    printk("    # discard granularity %u B, alignment %u B\n",
           a.discard_granularity, a.discard_alignment);
    rc = blk_discard(d, DISCARD_AT, DISCARD_SECS);
    EXPECT_EQ(rc, 0);
    blk_disk_info(d, &b);
    EXPECT_EQ(b.discards - a.discards, rc == 0 ? 1u : 0u);
    /* The run and 8 sectors either side. */
    EXPECT_EQ(blk_read(d, DISCARD_AT - 8, DISCARD_SECS + 16, buf), 0);
    EXPECT_EQ(blk_pattern_check(buf, DISCARD_AT - 8, 8, seed), 8u);
    EXPECT_EQ(blk_pattern_check(buf + (DISCARD_SECS + 8) * 512,
                                DISCARD_AT + DISCARD_SECS, 8, seed),
              8u);
    for ( s = 0; s < DISCARD_SECS; s++ )
    {
        sec = buf + (8 + s) * 512;
        if ( blk_pattern_check(sec, DISCARD_AT + s, 1, seed) == 1 )
            kept++;
        else if ( sec[0] == 0 && !memcmp(sec, sec + 1, 511) )
            zeros++;
        else
            other++;
    }
    printk(
        "    # after the discard: %llu sectors read as zeros, %llu kept their data, %llu other\n",
        (unsigned long long)zeros, (unsigned long long)kept,
        (unsigned long long)other);
    blk_pattern_fill(buf, DISCARD_AT, DISCARD_SECS, seed);
    EXPECT_EQ(blk_write(d, DISCARD_AT, DISCARD_SECS, buf), 0);
    EXPECT_EQ(blk_flush(d, NULL), 0);
    page_free_n(buf, pages);
    blk_disk_put(d);
}
