/* SPDX-License-Identifier: MIT */
/*
 * resume_blk.c - the disk half of resume.* (tests/kernel/resume.c): when
 * blktest= names a scratch disk, a thread writes it over and over while
 * the toolstack suspends the domain, so that requests are in flight at
 * each suspend. Each round puts 4 writes and a flush on the disk at
 * once (every 8th round a barrier with data as well), and waits for
 * them all. Passes alternate: odd passes write tagged sectors (the tag's
 * epoch is the pass), even ones the pattern of blkseed= (blk_pattern.h);
 * for every chunk the pass of its last acknowledged write is noted. At
 * the end every chunk must read back as that pass wrote it, and then
 * (after a last pattern pass if needed) the whole disk holds the
 * pattern, which the host checks again (tools/blk/patcheck.py) once the
 * guest is gone.
 */
#include <kernel.h>
#include <blk.h>
#include <clock.h>
#include <ktest.h>
#include <mm.h>
#include <sched.h>
#include <wait.h>
#include <xen_errno.h>
#include "drivers/blk/blk_pattern.h"
#include "tests/kernel/blk_test.h"

#define RB_CHUNK    16                   /* sectors a write (8 KiB) */
#define RB_WRITES   4                    /* writes a round */
#define RB_CHUNKS   4096                 /* at most (the disk's first 32 MiB) */
#define RB_BARRIER  8                    /* every 8th round adds a barrier */
#define RB_WAIT_NS  (240 * NSEC_PER_SEC) /* a round across a cycle */
#define RB_REQS     (RB_WRITES + 2)
#define RB_PAUSE_NS (2 * NSEC_PER_MSEC) /* between rounds */
#define RB_SPAN     16 /* chunks a request of the final check (128 KiB) */

static struct {
    struct blk_disk *d;
    uint64_t seed;
    unsigned int chunks;           /* of the disk (or RB_CHUNKS) */
    uint32_t last_pass[RB_CHUNKS]; /* acknowledged; 0: never */
    uint8_t *buf[RB_REQS];         /* one chunk each */
    struct blk_req req[RB_REQS];
    struct waitq wq;
    unsigned int done;       /* atomic: completions this round */
    unsigned int pass, next; /* where the writer is */
    uint64_t rounds, writes, flushes, barriers, failed, timeouts;
    bool stop; /* atomic */
    struct thread *t;
} rb = { .wq = WAITQ_INIT("resume-blk") };

/* What chunk c holds after pass p wrote it. */
static void
rb_fill(uint8_t *buf, unsigned int c, uint32_t p)
{
    uint64_t s = (uint64_t)c * RB_CHUNK, i;
    struct blk_tag t = { .seed = rb.seed, .epoch = p };

    if ( p % 2 == 0 )
    {
        blk_pattern_fill(buf, s, RB_CHUNK, rb.seed);
        return;
    }
    for ( i = 0; i < RB_CHUNK; i++ )
    {
        t.sector = s + i;
        blk_tag_write(buf + i * BLK_SECTOR, &t);
    }
}

/* Whether chunk c at buf is what pass p wrote. */
static bool
rb_matches(const uint8_t *buf, unsigned int c, uint32_t p)
{
    uint64_t s = (uint64_t)c * RB_CHUNK, i;
    struct blk_tag t;

    if ( p % 2 == 0 )
        return blk_pattern_check(buf, s, RB_CHUNK, rb.seed) == RB_CHUNK;
    for ( i = 0; i < RB_CHUNK; i++ )
        if ( blk_tag_read(buf + i * BLK_SECTOR, &t) || t.sector != s + i ||
             t.epoch != p || t.seed != rb.seed )
            return false;
    return true;
}

static void
rb_done(struct blk_req *r)
{
    __atomic_add_fetch(&rb.done, 1, __ATOMIC_ACQ_REL);
    waitq_wake_all(&rb.wq);
}

static bool
rb_round_over(void *arg)
{
    return __atomic_load_n(&rb.done, __ATOMIC_ACQUIRE) >= *(unsigned int *)arg;
}

/* One round: the next writes (and maybe a barrier), a flush beside them. */
static bool
rb_round(void)
{
    unsigned int n = 0, i, chunk[RB_REQS];
    uint32_t pass[RB_REQS];

    __atomic_store_n(&rb.done, 0, __ATOMIC_RELEASE);
    for ( i = 0; i < RB_WRITES + (rb.rounds % RB_BARRIER == RB_BARRIER - 1);
          i++ )
    {
        struct blk_req *r = &rb.req[n];

        chunk[n] = rb.next;
        pass[n] = rb.pass;
        rb_fill(rb.buf[n], chunk[n], pass[n]);
        memset(r, 0, sizeof(*r));
        r->op = i < RB_WRITES ? BLK_OP_WRITE : BLK_OP_BARRIER;
        r->sector = (uint64_t)chunk[n] * RB_CHUNK;
        r->count = RB_CHUNK;
        r->buf = rb.buf[n];
        r->done = rb_done;
        n++;
        if ( ++rb.next == rb.chunks )
        {
            rb.next = 0;
            rb.pass++;
        }
    }
    memset(&rb.req[n], 0, sizeof(rb.req[n]));
    rb.req[n].op = BLK_OP_FLUSH;
    rb.req[n].done = rb_done;
    n++;
    for ( i = 0; i < n; i++ )
        blk_submit(rb.d, &rb.req[i]);
    if ( !wait_event_timeout(&rb.wq, rb_round_over, &n, RB_WAIT_NS) )
    {
        rb.timeouts++;
        return false; /* the requests are still the disk's: stop here */
    }
    for ( i = 0; i < n; i++ )
    {
        struct blk_req *r = &rb.req[i];

        if ( r->status )
        {
            rb.failed++;
            printk("    # resume: disk: %s of sector %llu failed (%s)\n",
                   r->op == BLK_OP_FLUSH ? "a flush" : "a write",
                   (unsigned long long)r->sector, xen_errno_name(r->status));
            continue;
        }
        if ( r->op == BLK_OP_FLUSH )
            rb.flushes++;
        else
        {
            rb.last_pass[chunk[i]] = pass[i];
            rb.writes++;
            rb.barriers += r->op == BLK_OP_BARRIER;
        }
    }
    rb.rounds++;
    return true;
}

static void
rb_thread(void *arg)
{
    /* A pause between rounds: a backend that answers before we wait
     * would otherwise keep this thread from ever sleeping. */
    while ( !__atomic_load_n(&rb.stop, __ATOMIC_ACQUIRE) && rb_round() )
        sleep_ns(RB_PAUSE_NS);
}

bool
resume_blk_start(void)
{
    const char *why;
    struct blk_info in;
    unsigned int i;

    memset(rb.last_pass, 0, sizeof(rb.last_pass));
    rb.rounds = rb.writes = rb.flushes = rb.barriers = 0;
    rb.failed = rb.timeouts = 0;
    rb.d = blk_test_scratch(&why, &rb.seed);
    if ( !rb.d )
    {
        printk("    # resume: no disk writes: %s\n", why);
        return false;
    }
    blk_disk_info(rb.d, &in);
    rb.chunks = (unsigned int)MIN(in.sectors / RB_CHUNK, (uint64_t)RB_CHUNKS);
    for ( i = 0; i < RB_REQS; i++ )
        rb.buf[i] = page_alloc_n(RB_CHUNK * BLK_SECTOR / PAGE_SIZE);
    rb.pass = 1; /* tags first: the disk may hold the pattern already */
    rb.next = 0;
    __atomic_store_n(&rb.stop, false, __ATOMIC_RELEASE);
    rb.t = thread_create("resume-blk", rb_thread, NULL, 0);
    printk(
        "    # resume: writing %s (%u chunks of %u sectors) across the cycles\n",
        in.name, rb.chunks, RB_CHUNK);
    return rb.t != NULL;
}

/* Read every chunk back, RB_SPAN at a time; count those not as their
 * last pass wrote them. */
static unsigned int
rb_verify(uint8_t *big)
{
    unsigned int c, k, n, bad = 0;
    int rc;

    for ( c = 0; c < rb.chunks; c += n )
    {
        n = MIN(RB_SPAN, rb.chunks - c);
        rc = blk_read(rb.d, (uint64_t)c * RB_CHUNK, n * RB_CHUNK, big);
        for ( k = 0; k < n; k++ )
        {
            const uint8_t *at = big + k * RB_CHUNK * BLK_SECTOR;

            if ( !rb.last_pass[c + k] ||
                 (!rc && rb_matches(at, c + k, rb.last_pass[c + k])) )
                continue;
            if ( bad++ < 5 )
                printk(
                    "    # resume: disk: chunk %u (sector %u) is not what pass %u wrote (%s)\n",
                    c + k, (c + k) * RB_CHUNK, rb.last_pass[c + k],
                    rc ? xen_errno_name(rc) : "other data");
        }
    }
    return bad;
}

void
resume_blk_finish(struct ktest_ctx *t)
{
    unsigned int bad, c, k, n, covered = 0;
    size_t pages = RB_SPAN * RB_CHUNK * BLK_SECTOR / PAGE_SIZE;
    uint8_t *big = page_alloc_n(pages);
    struct blk_info in;
    unsigned int i;

    __atomic_store_n(&rb.stop, true, __ATOMIC_RELEASE);
    thread_join(rb.t);
    ASSERT_TRUE(big != NULL);
    for ( c = 0; c < rb.chunks; c++ )
        covered += rb.last_pass[c] != 0;
    bad = rb_verify(big);
    blk_disk_info(rb.d, &in);
    printk(
        "    # resume: disk: %llu rounds, %llu writes (%llu barriers), %llu flushes acknowledged, %llu failed; %u of %u chunks written, %u not read back as written\n",
        (unsigned long long)rb.rounds, (unsigned long long)rb.writes,
        (unsigned long long)rb.barriers, (unsigned long long)rb.flushes,
        (unsigned long long)rb.failed, covered, rb.chunks, bad);
    EXPECT_EQ(rb.timeouts, 0ull);
    EXPECT_EQ(rb.failed, 0ull);
    EXPECT_GT(rb.flushes, 0ull);
    EXPECT_EQ(bad, 0u);
    EXPECT_FALSE(in.stopped);
    /* Leave the pattern everywhere, for the host's check. */
    for ( c = 0; c < rb.chunks && !in.stopped; c += n )
    {
        n = MIN(RB_SPAN, rb.chunks - c);
        for ( k = 0; k < n; k++ )
            rb_fill(big + k * RB_CHUNK * BLK_SECTOR, c + k, 0);
        EXPECT_EQ(blk_write(rb.d, (uint64_t)c * RB_CHUNK, n * RB_CHUNK, big),
                  0);
    }
    EXPECT_EQ(blk_flush(rb.d, NULL), 0);
    page_free_n(big, pages);
    for ( i = 0; i < RB_REQS; i++ )
        page_free_n(rb.buf[i], RB_CHUNK * BLK_SECTOR / PAGE_SIZE);
    blk_disk_put(rb.d);
    rb.d = NULL;
}
