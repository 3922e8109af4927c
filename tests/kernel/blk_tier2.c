/* SPDX-License-Identifier: MIT */
/*
 * blk_tier2.c - block tests that need dom0's help (the tier-2 agent,
 * tools/tier2/agent; tools/blk/tier2.sh runs them): the backend's own
 * statistics agree with what we sent, a disk attached after boot comes
 * up and one detached with I/O queued goes away with that I/O failed,
 * and the crash-consistency writer that dom0 destroys mid-stream. All
 * manual: elsewhere nobody would answer.
 */
#include <kernel.h>
#include <blk.h>
#include <bootinfo.h>
#include <clock.h>
#include <cmdline.h>
#include <ktest.h>
#include <mm.h>
#include <wait.h>
#include <xen_errno.h>
#include "drivers/blk/blk_pattern.h"
#include "tests/kernel/dom0_agent.h"
#include "tests/kernel/xs_test.h"

extern struct boot_info boot_info;

#define HOTPLUG_DISK "xvdc"
#define CRASH_BASE   4096 /* sectors: where the crash epochs start */
#define CRASH_WIDTH  64   /* sectors per epoch */

/* The value of "name=N" in an agent's reply, or UINT64_MAX. */
static uint64_t
field(const char *reply, const char *name)
{
    size_t n = strlen(name);
    const char *p;
    uint64_t v = 0;

    for ( p = reply; *p; p++ )
        if ( (p == reply || p[-1] == ' ') && strncmp(p, name, n) == 0 &&
             p[n] == '=' )
        {
            for ( p += n + 1; *p >= '0' && *p <= '9'; p++ )
                v = v * 10 + (uint64_t)(*p - '0');
            return v;
        }
    return UINT64_MAX;
}

/*
 * blkback counts each ring request it served in sysfs (rd_req, wr_req,
 * and f_req for flushes and barriers alike): those must be exactly what
 * we sent to the scratch disk.
 */
TEST_MANUAL(blk, backend_counted_what_we_sent)
{
    static char name[16];
    char req[48], reply[256];
    struct blk_disk *d;
    struct blk_info in;
    int rc;

    XS_REQUIRE();
    if ( !cmdline_get(boot_info.cmdline, "blktest", name, sizeof(name)) ||
         !(d = blk_disk_find(name)) )
        KTEST_SKIP("no blktest= disk");
    blk_disk_info(d, &in);
    blk_disk_put(d);
    snprintf(req, sizeof(req), "blk-stats %s", name);
    rc = dom0_agent(req, reply, sizeof(reply), XS_TEST_WAIT);
    if ( rc == -XEN_ETIMEDOUT )
        KTEST_SKIP("no dom0 agent answered");
    ASSERT_EQ(rc, 0);
    printk(
        "    # dom0: %s; we sent: %llu reads, %llu writes, %llu flushes, %llu barriers\n",
        reply, (unsigned long long)in.reads, (unsigned long long)in.writes,
        (unsigned long long)in.flushes, (unsigned long long)in.barriers);
    EXPECT_EQ(field(reply, "rd_req"), in.reads);
    EXPECT_EQ(field(reply, "wr_req"), in.writes);
    EXPECT_EQ(field(reply, "f_req"), in.flushes + in.barriers);
    EXPECT_GT(in.flushes + in.barriers, 0u); /* the writing tests ran */
}

/* Reads kept in flight on a disk until it goes away. */
struct stream {
    struct blk_disk *d;
    struct blk_req r[16];
    void *buf;
    struct waitq wq;
    bool stop;        /* no more resubmitting */
    unsigned int out; /* in flight */
    unsigned int ok, gone, other;
};

static void stream_done(struct blk_req *r);

static void
stream_submit(struct stream *s, struct blk_req *r)
{
    memset(r, 0, sizeof(*r));
    r->op = BLK_OP_READ;
    r->sector = (uint64_t)(r - s->r) * 88;
    r->count = 88;
    r->buf = s->buf;
    r->done = stream_done;
    r->arg = s;
    __atomic_add_fetch(&s->out, 1, __ATOMIC_ACQ_REL);
    blk_submit(s->d, r);
}

static void
stream_done(struct blk_req *r)
{
    struct stream *s = r->arg;

    if ( r->status == 0 )
        __atomic_add_fetch(&s->ok, 1, __ATOMIC_RELAXED);
    else if ( r->status == -XEN_ENODEV )
        __atomic_add_fetch(&s->gone, 1, __ATOMIC_RELAXED);
    else
        __atomic_add_fetch(&s->other, 1, __ATOMIC_RELAXED);
    if ( r->status == 0 && !__atomic_load_n(&s->stop, __ATOMIC_ACQUIRE) )
        stream_submit(s, r); /* out stays counted: decrement below */
    __atomic_sub_fetch(&s->out, 1, __ATOMIC_ACQ_REL);
    waitq_wake_all(&s->wq);
}

static bool
stream_idle(void *arg)
{
    struct stream *s = arg;

    return __atomic_load_n(&s->out, __ATOMIC_ACQUIRE) == 0;
}

/*
 * Hot plug: dom0 attaches a disk after boot (xl block-attach): it comes
 * up with its console line and can be read. Then, with 16 reads kept in
 * flight, dom0 detaches it (xl block-detach): every read in flight or
 * queued fails with -XEN_ENODEV, nothing hangs, and the disk is gone.
 */
TEST_MANUAL(blk, hotplug_with_io_queued)
{
    static struct stream s;
    uint64_t deadline;
    unsigned int i;
    struct blk_info in;
    int rc;

    XS_REQUIRE();
    rc = xs_test_dom0_request("block-attach %s", HOTPLUG_DISK);
    if ( rc == -XEN_ETIMEDOUT )
        KTEST_SKIP("no dom0 agent answered");
    ASSERT_EQ(rc, 0);
    deadline = clock_now_ns() + XS_TEST_WAIT;
    while ( !(s.d = blk_disk_find(HOTPLUG_DISK)) && clock_now_ns() < deadline )
        sleep_ns(50 * NSEC_PER_MSEC);
    ASSERT_TRUE(s.d != NULL);
    blk_disk_info(s.d, &in);
    EXPECT_FALSE(in.stopped);
    s.buf = page_alloc_n(11);
    ASSERT_TRUE(s.buf != NULL);
    EXPECT_EQ(blk_read(s.d, in.sectors - 8, 8, s.buf), 0);
    s.wq = (struct waitq)WAITQ_INIT("blk-hotplug");
    for ( i = 0; i < ARRAY_SIZE(s.r); i++ )
        stream_submit(&s, &s.r[i]);
    EXPECT_EQ(xs_test_dom0_request("block-detach %s", HOTPLUG_DISK), 0);
    /* The detach fails what is queued; the stream stops by itself. */
    EXPECT_TRUE(wait_event_timeout(&s.wq, stream_idle, &s, XS_TEST_WAIT));
    __atomic_store_n(&s.stop, true, __ATOMIC_RELEASE);
    wait_event_timeout(&s.wq, stream_idle, &s, XS_TEST_WAIT);
    printk("    # reads: %u done, %u failed as the disk went, %u other\n", s.ok,
           s.gone, s.other);
    EXPECT_GT(s.ok, 0u);
    EXPECT_GT(s.gone, 0u);
    EXPECT_EQ(s.other, 0u);
    blk_disk_info(s.d, &in);
    EXPECT_TRUE(in.stopped);
    blk_disk_put(s.d);
    EXPECT_TRUE(blk_disk_find(HOTPLUG_DISK) == NULL);
    page_free_n(s.buf, 11);
}

/*
 * Crash consistency: epoch after epoch of tagged sectors on the scratch
 * disk, each flushed, with a console line once the flush completed,
 * until dom0 destroys the domain (tools/blk/tier2.sh). The host then
 * checks that every epoch reported flushed is on the disk whole
 * (tools/blk/patcheck.py --epochs 4096:64:K). Fails if nobody came.
 */
TEST_MANUAL(blk, crash_epochs_until_destroyed)
{
    static char name[16];
    struct blk_tag tag = { 0 };
    struct blk_disk *d;
    struct blk_info in;
    unsigned char *buf;
    unsigned int e, i;
    uint64_t at;

    if ( !cmdline_get(boot_info.cmdline, "blktest", name, sizeof(name)) ||
         !(d = blk_disk_find(name)) )
        KTEST_SKIP("no blktest= disk");
    blk_disk_info(d, &in);
    buf = page_alloc_n(CRASH_WIDTH * 512 / PAGE_SIZE);
    ASSERT_TRUE(buf != NULL);
    for ( e = 1; CRASH_BASE + (uint64_t)e * CRASH_WIDTH <= in.sectors; e++ )
    {
        at = CRASH_BASE + (uint64_t)(e - 1) * CRASH_WIDTH;
        tag.epoch = e;
        for ( i = 0; i < CRASH_WIDTH; i++ )
        {
            tag.sector = at + i;
            blk_tag_write(buf + i * 512, &tag);
        }
        if ( !EXPECT_EQ(blk_write(d, at, CRASH_WIDTH, buf), 0) ||
             !EXPECT_EQ(blk_flush(d, NULL), 0) )
            break;
        printk("blk: crash: epoch %u flushed\n", e);
    }
    printk("    # the disk is full and nobody destroyed us\n");
    EXPECT_TRUE(false);
    page_free_n(buf, CRASH_WIDTH * 512 / PAGE_SIZE);
    blk_disk_put(d);
}
