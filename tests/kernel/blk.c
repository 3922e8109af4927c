/* SPDX-License-Identifier: MIT */
/*
 * blk.c - self-tests of the block frontend (drivers/blk/) on whatever
 * disks the domain has. The read-only ones run on every disk; the
 * writing ones only on the scratch disk the command line names
 * (blktest=xvdb), with the pattern seeded by blkseed= (hex or decimal,
 * default 0), and SKIP otherwise. What they leave on the scratch disk
 * is checked again by the host (tools/blk/README.md): the ordering tests
 * tag every sector they write (a dm-log-writes log shows them) and then
 * put the pattern back, so in any order the tests leave every sector n
 * holding n XOR seed.
 */
#include <kernel.h>
#include <blk.h>
#include <bootinfo.h>
#include <cmdline.h>
#include <ktest.h>
#include <mm.h>
#include <wait.h>
#include <xen_errno.h>
#include "drivers/blk/blk_pattern.h"

extern struct boot_info boot_info;

#define EPOCHS        8
#define EPOCH_SECTORS 64   /* each epoch's area */
#define EPOCH_BASE    2048 /* where the epochs start */
#define BARRIERS      3
#define CHUNK         256 /* sectors per request of the whole-disk pass */
#define IN_FLIGHT     8   /* requests of the whole-disk pass at once */

/*
 * Barriers sent to the scratch disk by these tests so far: every tag
 * says how many came before its write (tools/blk/README.md), whatever
 * order the tests run in.
 */
static uint64_t barriers_sent;

/* The scratch disk (a reference), or NULL with *why set. */
static struct blk_disk *
scratch(const char **why, uint64_t *seed)
{
    static char name[16], seed_s[24];
    struct blk_disk *d;
    struct blk_info in;

    if ( !cmdline_get(boot_info.cmdline, "blktest", name, sizeof(name)) )
    {
        *why = "writing tests run only on a disk named by blktest=";
        return NULL;
    }
    *seed = 0;
    if ( cmdline_get(boot_info.cmdline, "blkseed", seed_s, sizeof(seed_s)) &&
         blk_number_parse(seed_s, seed) )
    {
        *why = "blkseed= is not a number";
        return NULL;
    }
    d = blk_disk_find(name);
    if ( !d )
    {
        *why = "the blktest= disk is not there";
        return NULL;
    }
    blk_disk_info(d, &in);
    if ( in.readonly )
    {
        blk_disk_put(d);
        *why = "the blktest= disk is read-only: it is never written";
        return NULL;
    }
    return d;
}

/* Asynchronous requests of one test, and the order they completed in. */
struct batch {
    struct waitq wq;
    unsigned int done; /* completions so far */
    unsigned int failed;
};

struct breq {
    struct blk_req r;
    struct batch *b;
    unsigned int order; /* 1 + completions before this one */
};

static void
breq_done(struct blk_req *r)
{
    struct breq *q = container_of(r, struct breq, r);
    struct batch *b = q->b;

    q->order = __atomic_add_fetch(&b->done, 1, __ATOMIC_ACQ_REL);
    if ( r->status )
        __atomic_add_fetch(&b->failed, 1, __ATOMIC_RELAXED);
    waitq_wake_all(&b->wq);
}

struct until {
    struct batch *b;
    unsigned int n;
};

static bool
batch_reached(void *arg)
{
    struct until *u = arg;

    return __atomic_load_n(&u->b->done, __ATOMIC_ACQUIRE) >= u->n;
}

/* Wait until n requests of b have completed; false on timeout. */
static bool
batch_wait(struct batch *b, unsigned int n)
{
    struct until u = { b, n };

    return wait_event_timeout(&b->wq, batch_reached, &u, 2 * BLK_TIMEOUT_NS);
}

static bool
breq_is_done(void *arg)
{
    struct breq *q = arg;

    return __atomic_load_n(&q->order, __ATOMIC_ACQUIRE) != 0;
}

/* Wait until request q has completed; false on timeout. */
static bool
breq_wait(struct breq *q)
{
    return wait_event_timeout(&q->b->wq, breq_is_done, q, 2 * BLK_TIMEOUT_NS);
}

static void
breq_submit(struct blk_disk *d, struct breq *q, struct batch *b,
            unsigned int op, uint64_t sector, uint32_t count, void *buf)
{
    memset(q, 0, sizeof(*q));
    q->b = b;
    q->r.op = op;
    q->r.sector = sector;
    q->r.count = count;
    q->r.buf = buf;
    q->r.done = breq_done;
    blk_submit(d, &q->r);
}

TEST(blk, disks_have_sane_sizes)
{
    struct blk_disk *d;
    struct blk_info in;
    unsigned int i;

    if ( blk_disk_count() == 0 )
        KTEST_SKIP("no disks (tools/run-tier2.sh --disk FILE attaches one)");
    for ( i = 0; (d = blk_disk_get(i)); i++ )
    {
        blk_disk_info(d, &in);
        blk_disk_put(d);
        EXPECT_GT(in.sectors, 0u);
        EXPECT_GE(in.sector_size, 512u);
        EXPECT_EQ(in.sector_size & (in.sector_size - 1), 0u);
        EXPECT_EQ(in.sectors % (in.sector_size / 512), 0u);
        EXPECT_GE(in.phys_sector_size, in.sector_size);
        EXPECT_FALSE(in.stopped);
    }
}

TEST(blk, read_first_and_last_sectors)
{
    struct blk_disk *d;
    struct blk_info in;
    unsigned int i, per;
    void *buf;

    if ( blk_disk_count() == 0 )
        KTEST_SKIP("no disks");
    buf = page_alloc();
    ASSERT_TRUE(buf != NULL);
    for ( i = 0; (d = blk_disk_get(i)); i++ )
    {
        blk_disk_info(d, &in);
        per = in.sector_size / 512;
        EXPECT_EQ(blk_read(d, 0, per, buf), 0);
        EXPECT_EQ(blk_read(d, in.sectors - per, per, buf), 0);
        blk_disk_put(d);
    }
    page_free(buf);
}

TEST(blk, bad_requests_fail_cleanly)
{
    struct blk_disk *d;
    struct blk_info in;
    void *buf;

    d = blk_disk_get(0);
    if ( !d )
        KTEST_SKIP("no disks");
    buf = page_alloc();
    ASSERT_TRUE(buf != NULL);
    blk_disk_info(d, &in);
    EXPECT_EQ(blk_read(d, in.sectors, in.sector_size / 512, buf), -XEN_ERANGE);
    EXPECT_EQ(blk_read(d, UINT64_MAX - 1, 8, buf), -XEN_ERANGE);
    EXPECT_EQ(blk_read(d, 0, 0, buf), -XEN_EINVAL);
    EXPECT_EQ(blk_io(d, 99, 0, 1, buf, NULL), -XEN_EINVAL);
    page_free(buf);
    blk_disk_info(d, &in);
    EXPECT_FALSE(in.stopped); /* refused here, not by the backend */
    blk_disk_put(d);
}

/* 64 reads in flight on every disk at once; each matches a lone read. */
TEST(blk, many_reads_in_flight)
{
    static struct breq q[64];
    struct blk_disk *d[4] = { NULL };
    struct batch b = { .wq = WAITQ_INIT("blk-test") };
    unsigned char *buf, *one;
    struct blk_info in;
    unsigned int i, n = 0, nd;
    uint64_t span;

    if ( blk_disk_count() == 0 )
        KTEST_SKIP("no disks");
    buf = page_alloc_n(64 * 8 * 512 / PAGE_SIZE);
    one = page_alloc();
    ASSERT_TRUE(buf && one);
    for ( nd = 0; nd < ARRAY_SIZE(d) && (d[nd] = blk_disk_get(nd)); nd++ )
        continue;
    for ( i = 0; i < 64; i++ )
    {
        blk_disk_info(d[i % nd], &in);
        span = MAX(in.sectors / 8, 2u) - 1;
        breq_submit(d[i % nd], &q[i], &b, BLK_OP_READ, (i * 7919 % span) * 8, 8,
                    buf + i * 8 * 512);
        n++;
    }
    ASSERT_TRUE(batch_wait(&b, n));
    EXPECT_EQ(b.failed, 0u);
    for ( i = 0; i < 64; i++ )
    {
        EXPECT_EQ(q[i].r.status, 0);
        EXPECT_EQ(blk_read(d[i % nd], q[i].r.sector, 8, one), 0);
        EXPECT_EQ(memcmp(one, buf + i * 8 * 512, 8 * 512), 0);
    }
    for ( i = 0; i < nd; i++ )
        blk_disk_put(d[i]);
    page_free_n(buf, 64 * 8 * 512 / PAGE_SIZE);
    page_free(one);
}

TEST(blk, read_only_disks_refuse_writes)
{
    struct blk_disk *d;
    struct blk_info before, after;
    unsigned int i, ro = 0;
    void *buf = page_alloc_zeroed();

    ASSERT_TRUE(buf != NULL);
    for ( i = 0; (d = blk_disk_get(i)); i++ )
    {
        blk_disk_info(d, &before);
        if ( before.readonly )
        {
            ro++;
            EXPECT_EQ(blk_write(d, 0, 8, buf), -XEN_EROFS);
            EXPECT_EQ(blk_io(d, BLK_OP_BARRIER, 0, 8, buf, NULL), -XEN_EROFS);
            blk_disk_info(d, &after);
            EXPECT_EQ(after.writes, before.writes);
            EXPECT_EQ(after.barriers, before.barriers);
            EXPECT_EQ(after.sectors_written, 0u);
        }
        blk_disk_put(d);
    }
    page_free(buf);
    if ( ro == 0 )
        KTEST_SKIP("no read-only disk");
}

/* Fill `count` sectors from `sector` with tags. */
static void
tag_fill(unsigned char *buf, uint64_t sector, uint32_t count,
         const struct blk_tag *proto)
{
    struct blk_tag t = *proto;
    uint32_t i;

    for ( i = 0; i < count; i++ )
    {
        t.sector = sector + i;
        blk_tag_write(buf + i * BLK_PATTERN_SECTOR, &t);
    }
}

/*
 * Put the pattern back over sectors [first, first + count) and flush, so
 * the disk holds the whole-disk pattern whatever order the tests ran in.
 */
static int
pattern_restore(struct blk_disk *d, uint64_t first, uint32_t count,
                uint64_t seed, unsigned char *buf)
{
    int rc;

    blk_pattern_fill(buf, first, count, seed);
    rc = blk_write(d, first, count, buf);
    return rc ? rc : blk_flush(d, NULL);
}

/* The disk's flush-type requests sent so far (each a flush in the log). */
static uint64_t
flushes_sent(struct blk_disk *d)
{
    struct blk_info in;

    blk_disk_info(d, &in);
    return in.flushes + in.barriers;
}

/*
 * Epochs: write an area of tagged sectors in four requests, wait for all
 * of them, then flush; each tag names the flush that seals it.
 */
TEST(blk, scratch_epochs_sealed_by_flushes)
{
    static struct breq q[4];
    struct batch b = { .wq = WAITQ_INIT("blk-test") };
    struct blk_tag tag = { 0 };
    const char *why;
    struct blk_disk *d = scratch(&why, &tag.seed);
    struct blk_info in;
    unsigned char *buf;
    unsigned int e, i, flags, quarter = EPOCH_SECTORS / 4;
    uint64_t at;

    if ( !d )
        KTEST_SKIP(why);
    blk_disk_info(d, &in);
    buf = page_alloc_n(EPOCH_SECTORS * 512 / PAGE_SIZE);
    if ( in.sectors < EPOCH_BASE + EPOCHS * EPOCH_SECTORS + 1024 || !buf )
    {
        blk_disk_put(d);
        if ( buf )
            page_free_n(buf, EPOCH_SECTORS * 512 / PAGE_SIZE);
        KTEST_SKIP("scratch disk too small for the epochs");
    }
    for ( e = 1; e <= EPOCHS; e++ )
    {
        at = EPOCH_BASE + (e - 1) * EPOCH_SECTORS;
        tag.epoch = e;
        tag.seal = flushes_sent(d) + 1;
        tag.barriers = barriers_sent;
        tag_fill(buf, at, EPOCH_SECTORS, &tag);
        for ( i = 0; i < 4; i++ )
            breq_submit(d, &q[i], &b, BLK_OP_WRITE, at + i * quarter, quarter,
                        buf + i * quarter * 512);
        ASSERT_TRUE(batch_wait(&b, 4 * e));
        EXPECT_EQ(b.failed, 0u);
        EXPECT_EQ(flushes_sent(d) + 1, tag.seal); /* nothing else flushed */
        EXPECT_EQ(blk_flush(d, &flags), 0);
        EXPECT_EQ(flags, 0u); /* durable, as the backend offers a flush */
        printk("blk: %s: epoch %u flushed (flush %llu)\n", in.name, e,
               (unsigned long long)tag.seal);
    }
    for ( e = 0; e < EPOCHS; e++ )
        EXPECT_EQ(pattern_restore(d, EPOCH_BASE + e * EPOCH_SECTORS,
                                  EPOCH_SECTORS, tag.seed, buf),
                  0);
    page_free_n(buf, EPOCH_SECTORS * 512 / PAGE_SIZE);
    blk_disk_put(d);
}

/*
 * Barriers: writes before each barrier and after it, all in flight at
 * once; the barrier completes after every write before it and before
 * every write after it.
 */
TEST(blk, scratch_barriers_order_writes)
{
    static struct breq q[BARRIERS][9];
    struct batch b = { .wq = WAITQ_INIT("blk-test") };
    struct blk_tag tag = { 0 };
    const char *why;
    struct blk_disk *d = scratch(&why, &tag.seed);
    unsigned char *buf;
    unsigned int j, i, n = 0;
    uint64_t at = EPOCH_BASE + EPOCHS * EPOCH_SECTORS, base;

    if ( !d )
        KTEST_SKIP(why);
    buf = page_alloc_n(BARRIERS * 9 * 8 * 512 / PAGE_SIZE);
    ASSERT_TRUE(buf != NULL);
    for ( j = 0; j < BARRIERS; j++ )
        for ( i = 0; i < 9; i++ )
        {
            unsigned char *p = buf + (j * 9 + i) * 8 * 512;

            base = at + (j * 9 + i) * 8;
            tag.barriers = barriers_sent;
            tag.kind = i == 4 ? BLK_TAG_BARRIER : BLK_TAG_WRITE;
            barriers_sent += i == 4; /* what follows comes after it */
            tag_fill(p, base, 8, &tag);
            breq_submit(d, &q[j][i], &b, i == 4 ? BLK_OP_BARRIER : BLK_OP_WRITE,
                        base, 8, p);
            n++;
        }
    ASSERT_TRUE(batch_wait(&b, n));
    EXPECT_EQ(b.failed, 0u);
    for ( j = 0; j < BARRIERS; j++ )
        for ( i = 0; i < 9; i++ )
        {
            if ( i < 4 )
                EXPECT_LT(q[j][i].order, q[j][4].order);
            if ( i > 4 )
                EXPECT_GT(q[j][i].order, q[j][4].order);
        }
    EXPECT_EQ(pattern_restore(d, at, BARRIERS * 9 * 8, tag.seed, buf), 0);
    page_free_n(buf, BARRIERS * 9 * 8 * 512 / PAGE_SIZE);
    blk_disk_put(d);
}

/*
 * The whole disk: the pattern written (IN_FLIGHT requests at a time),
 * flushed, read back and checked. The host checks it again after the
 * guest is gone.
 */
TEST(blk, scratch_whole_disk_pattern)
{
    static struct breq q[IN_FLIGHT];
    struct batch b = { .wq = WAITQ_INIT("blk-test") };
    const char *why;
    uint64_t seed, s, bad;
    struct blk_disk *d = scratch(&why, &seed);
    struct blk_info in;
    unsigned char *buf;
    unsigned int k, n = 0, pages = IN_FLIGHT * CHUNK * 512 / PAGE_SIZE;
    uint32_t count;

    if ( !d )
        KTEST_SKIP(why);
    blk_disk_info(d, &in);
    buf = page_alloc_n(pages);
    ASSERT_TRUE(buf != NULL);
    for ( s = 0; s < in.sectors; s += count, n++ )
    {
        k = n % IN_FLIGHT;
        if ( n >= IN_FLIGHT && !EXPECT_TRUE(breq_wait(&q[k])) )
            break; /* slot k's last request is still out */
        count = (uint32_t)MIN((uint64_t)CHUNK, in.sectors - s);
        blk_pattern_fill(buf + k * CHUNK * 512, s, count, seed);
        breq_submit(d, &q[k], &b, BLK_OP_WRITE, s, count,
                    buf + k * CHUNK * 512);
    }
    ASSERT_TRUE(batch_wait(&b, n));
    EXPECT_EQ(b.failed, 0u);
    EXPECT_EQ(blk_flush(d, NULL), 0);
    for ( s = 0; s < in.sectors; s += count )
    {
        count = (uint32_t)MIN((uint64_t)CHUNK * IN_FLIGHT, in.sectors - s);
        if ( !EXPECT_EQ(blk_read(d, s, count, buf), 0) )
            break;
        bad = blk_pattern_check(buf, s, count, seed);
        if ( !EXPECT_EQ(bad, (uint64_t)count) )
        {
            printk("# sector %llu does not hold its pattern\n",
                   (unsigned long long)(s + bad));
            break;
        }
    }
    printk(
        "blk: %s: pattern written, flushed and read back: %llu sectors, seed %#llx\n",
        in.name, (unsigned long long)in.sectors, (unsigned long long)seed);
    page_free_n(buf, pages);
    blk_disk_put(d);
}
