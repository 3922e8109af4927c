/* SPDX-License-Identifier: MIT */
/*
 * blk_hostile.c - blkfront against a backend that misbehaves on purpose
 * (tools/tier2/hostileback.c in the tier-2 dom0, started by the agent's
 * "hostile" verb; tools/test-hostile.sh runs this suite). Each hostile
 * disk breaks one rule: a response with a wrong or repeated id, a bad
 * status or operation, a producer index that jumps, a response for a
 * request never made, nonsense or missing xenstore keys, closing with
 * I/O in flight, never answering. Each must stop (or never bring up)
 * only that disk, with its request failed; the real disk (xvda, Linux's
 * blkback, holding the pattern of blkseed=) goes on, and when dom0
 * takes the hostile disks away nothing is left behind (the suite's leak
 * check). The console messages naming each fault are checked by the
 * harness. `hostiletame` on the command line makes every backend
 * behave, so these tests must fail (tools/test-hostile.sh --tame).
 * All manual: elsewhere nobody plays the hostile backend.
 */
#include <kernel.h>
#include <blk.h>
#include <bootinfo.h>
#include <clock.h>
#include <cmdline.h>
#include <grant.h>
#include <ktest.h>
#include <mm.h>
#include <sched.h>
#include <wait.h>
#include <xenbus.h>
#include <xen_errno.h>
#include "drivers/blk/blk_pattern.h"
#include "tests/kernel/dom0_agent.h"
#include "tests/kernel/xs_test.h"

extern struct boot_info boot_info;

#define REAL_DISK  "xvda"
#define HB_SEED    0x4057113ull /* tools/tier2/hostileback.c's sectors */
#define READ_COUNT 8
#define STOP_WAIT  (10 * NSEC_PER_SEC)
#define NEVER_WAIT (BLK_TIMEOUT_NS + 20 * NSEC_PER_SEC)
/* Thirteen backends start, or close, at once in a TCG dom0: 15 s each. */
#define AGENT_WAIT (60 * NSEC_PER_SEC)

/* What a disk's first read must end with. */
enum outcome {
    FAILS,            /* the read fails with -XEN_EIO: the disk stops */
    READS_THEN_STOPS, /* the read succeeds, then the disk stops */
    SECOND_FAILS,     /* the read succeeds, the next fails with -XEN_EIO */
    GONE,             /* the read fails with -XEN_ENODEV: the backend closed */
    REFUSED,          /* never brought up: its keys are refused */
};

struct hostile {
    const char *vdev;     /* our name for it */
    const char *scenario; /* hostileback's */
    uint32_t id;          /* its xenstore id: 202 * 256 + 16 * letter */
    enum outcome outcome;
};

/* Keep in step with the tests below and tools/test-hostile.sh. */
static const struct hostile hostiles[] = {
    { "xvdb", "bad-id", 51728, FAILS },
    { "xvdc", "dup-id", 51744, SECOND_FAILS },
    { "xvdd", "bad-status", 51760, FAILS },
    { "xvde", "wrong-op", 51776, FAILS },
    { "xvdf", "prod-jump", 51792, FAILS },
    { "xvdg", "never-made", 51808, READS_THEN_STOPS },
    { "xvdh", "close-mid-io", 51824, GONE },
    { "xvdi", "never", 51840, FAILS },
    { "xvdj", "sector-size-0", 51856, REFUSED },
    { "xvdk", "sector-size-3", 51872, REFUSED },
    { "xvdl", "sectors-overflow", 51888, REFUSED },
    { "xvdm", "no-info", 51904, REFUSED },
    { "xvdn", "no-sectors", 51920, REFUSED },
};
#define NEVER_DISK    7 /* hostiles[] index of "never" */
#define FIRST_REFUSED 8 /* of the first refused one */

/*
 * The tests of one file run in the reverse order of their definitions
 * (the order GCC emits them into the ktests section), so below they are
 * defined last first: backends_attached runs first, backends_detached
 * last. Whichever scenario test runs first attaches the backends, so the
 * scenarios do not depend on that order; backends_detached does, and
 * fails if a scenario has not run yet.
 */
enum { NOT_TRIED, ATTACHED, FAILED, DETACHED };
static int state = NOT_TRIED;
static unsigned int scenarios_run;

/* The "never" disk's read runs in a thread while the others are tested:
 * its answer can only be the 30-second timeout. */
static struct thread *never_thread;
static int never_status = 1; /* 1: not run */

static const struct hostile *
by_scenario(const char *scenario)
{
    unsigned int i;

    for ( i = 0; i < ARRAY_SIZE(hostiles); i++ )
        if ( strcmp(hostiles[i].scenario, scenario) == 0 )
            return &hostiles[i];
    return NULL;
}

/* The disk named vdev once it is up, within XS_TEST_WAIT, or NULL. */
static struct blk_disk *
wait_disk(const char *vdev)
{
    uint64_t deadline = clock_now_ns() + XS_TEST_WAIT;
    struct blk_disk *d;

    while ( !(d = blk_disk_find(vdev)) && clock_now_ns() < deadline )
        sleep_ns(20 * NSEC_PER_MSEC);
    return d;
}

static bool
disk_stopped(struct blk_disk *d)
{
    struct blk_info in;

    blk_disk_info(d, &in);
    return in.stopped;
}

static void
never_read(void *arg)
{
    struct blk_disk *d = wait_disk(hostiles[NEVER_DISK].vdev);
    void *buf = arg;

    if ( !d )
    {
        never_status = -XEN_ENODEV;
        return;
    }
    never_status = blk_read(d, 0, READ_COUNT, buf);
    blk_disk_put(d);
}

/* Read REAL_DISK's first sectors: they hold the pattern of blkseed=. */
static void
check_real_disk(struct ktest_ctx *t)
{
    static char seed_s[24];
    uint64_t seed = 0;
    struct blk_disk *d = blk_disk_find(REAL_DISK);
    void *buf;

    if ( cmdline_get(boot_info.cmdline, "blkseed", seed_s, sizeof(seed_s)) )
        EXPECT_EQ(blk_number_parse(seed_s, &seed), 0);
    if ( !EXPECT_TRUE(d != NULL) )
        return;
    buf = page_alloc_n(8);
    if ( EXPECT_TRUE(buf != NULL) )
    {
        EXPECT_EQ(blk_read(d, 0, 64, buf), 0);
        EXPECT_EQ(blk_pattern_check(buf, 0, 64, seed), 64u);
        page_free_n(buf, 8);
    }
    EXPECT_FALSE(disk_stopped(d));
    blk_disk_put(d);
}

/*
 * Once per boot: the real disk works, dom0 starts one hostile backend
 * per scenario (two requests: a console line holds about 250
 * characters), and the "never" disk's read starts in a thread. Returns
 * whether the backends are there; if not, t is marked skipped (no agent,
 * or they were taken away already) or failed.
 */
static bool
attach_once(struct ktest_ctx *t)
{
    static char buf[READ_COUNT * BLK_SECTOR];
    char req[256], reply[256];
    const char *tame =
        cmdline_has(boot_info.cmdline, "hostiletame") ? " tame" : "";
    unsigned int i, n;
    int rc;

    if ( state == ATTACHED )
        return true;
    if ( state != NOT_TRIED )
    {
        ktest_skip(t, state == DETACHED
                          ? "the hostile backends were taken away already"
                          : "attaching the hostile backends failed");
        return false;
    }
    state = FAILED;
    if ( !xenstore_available() )
    {
        ktest_skip(t, "no xenstore (plain QEMU, or we are dom0)");
        return false;
    }
    check_real_disk(t);
    for ( i = 0; i < ARRAY_SIZE(hostiles); i = n )
    {
        int len = snprintf(req, sizeof(req), "hostile");

        n = i == 0 ? FIRST_REFUSED : ARRAY_SIZE(hostiles);
        for ( ; i < n; i++ )
            len += snprintf(req + len, sizeof(req) - (size_t)len, " %s=%s",
                            hostiles[i].vdev, hostiles[i].scenario);
        snprintf(req + len, sizeof(req) - (size_t)len, "%s", tame);
        rc = dom0_agent(req, reply, sizeof(reply), AGENT_WAIT);
        if ( rc == -XEN_ETIMEDOUT )
        {
            ktest_skip(t, "no dom0 agent answered");
            return false;
        }
        if ( rc )
            printk("    # dom0: %s\n", reply);
        if ( !EXPECT_EQ(rc, 0) )
            return false;
    }
    state = ATTACHED;
    never_thread = thread_create("blk-never", never_read, buf, 0);
    EXPECT_TRUE(never_thread != NULL);
    return true;
}

/*
 * The disk of `scenario` comes up; its first read ends as the scenario's
 * outcome says, the disk stops, and the next read fails at once.
 */
static void
io_scenario(struct ktest_ctx *t, const char *scenario)
{
    const struct hostile *h = by_scenario(scenario);
    uint64_t deadline;
    struct blk_disk *d;
    struct blk_info in;
    void *buf;
    int rc;

    if ( !attach_once(t) )
        return;
    scenarios_run++;
    ASSERT_TRUE(h != NULL);
    d = wait_disk(h->vdev);
    ASSERT_TRUE(d != NULL);
    buf = page_alloc_n(1);
    if ( !EXPECT_TRUE(buf != NULL) )
        goto out;
    rc = blk_read(d, 0, READ_COUNT, buf);
    switch ( h->outcome )
    {
    case FAILS:
        EXPECT_EQ(rc, -XEN_EIO);
        break;
    case READS_THEN_STOPS:
    case SECOND_FAILS:
        EXPECT_EQ(rc, 0);
        EXPECT_EQ(blk_pattern_check(buf, 0, READ_COUNT, HB_SEED),
                  (uint64_t)READ_COUNT);
        if ( h->outcome == SECOND_FAILS )
            EXPECT_EQ(blk_read(d, 0, READ_COUNT, buf), -XEN_EIO);
        break;
    default:
        EXPECT_EQ(rc, -XEN_ENODEV);
        break;
    }
    deadline = clock_now_ns() + STOP_WAIT;
    while ( !disk_stopped(d) && clock_now_ns() < deadline )
        sleep_ns(20 * NSEC_PER_MSEC);
    blk_disk_info(d, &in);
    EXPECT_TRUE(in.stopped);
    /* A stopped disk refuses at once; nothing reaches the backend. */
    rc = blk_read(d, 0, READ_COUNT, buf);
    EXPECT_TRUE(rc == -XEN_EIO || rc == -XEN_ENODEV);
    page_free_n(buf, 1);
out:
    blk_disk_put(d);
}

/* The disk of `scenario` is refused at connect: it closes, never listed. */
static void
refused_scenario(struct ktest_ctx *t, const char *scenario)
{
    const struct hostile *h = by_scenario(scenario);
    uint64_t deadline = clock_now_ns() + XS_TEST_WAIT;
    struct xenbus_device *dev = NULL;
    XenbusState front = XenbusStateUnknown, back;
    struct blk_disk *d;
    char id[12];
    bool gone;

    if ( !attach_once(t) )
        return;
    scenarios_run++;
    ASSERT_TRUE(h != NULL);
    snprintf(id, sizeof(id), "%u", h->id);
    while ( clock_now_ns() < deadline )
    {
        if ( !dev )
            dev = xenbus_find("vbd", id);
        if ( dev )
        {
            xenbus_get_states(dev, &front, &back, &gone);
            if ( front == XenbusStateClosed )
                break;
        }
        sleep_ns(20 * NSEC_PER_MSEC);
    }
    ASSERT_TRUE(dev != NULL);
    EXPECT_EQ(front, XenbusStateClosed);
    xenbus_put(dev);
    d = blk_disk_find(h->vdev);
    EXPECT_TRUE(d == NULL);
    if ( d )
        blk_disk_put(d);
}

/* --- the tests, last first (see the note above hostiles[]) ------------- */

/*
 * dom0 takes every hostile disk away (each backend closes as a detaching
 * toolstack would): every device goes, and no grant stays deferred (the
 * suite's leak check then sees every page back).
 */
TEST_MANUAL(blk_hostile, backends_detached)
{
    uint64_t deadline;
    struct xenbus_device *dev;
    struct blk_disk *d;
    unsigned int i, left;
    char id[12], reply[128];
    int rc;

    if ( state != ATTACHED )
        KTEST_SKIP("the hostile backends were not attached");
    /* Every scenario test and real_disk_goes_on ran before us. */
    EXPECT_EQ(scenarios_run, ARRAY_SIZE(hostiles) + 1);
    if ( never_thread )
    {
        /* never_answered did not join it: it must end before we go. */
        int code;

        thread_join_timeout(never_thread, NEVER_WAIT, &code);
        never_thread = NULL;
    }
    state = DETACHED;
    rc = dom0_agent("hostile-end", reply, sizeof(reply), AGENT_WAIT);
    if ( rc )
        printk("    # dom0: %s\n", reply);
    ASSERT_EQ(rc, 0);
    deadline = clock_now_ns() + XS_TEST_WAIT;
    for ( i = 0; i < ARRAY_SIZE(hostiles); i++ )
    {
        snprintf(id, sizeof(id), "%u", hostiles[i].id);
        while ( (dev = xenbus_find("vbd", id)) && clock_now_ns() < deadline )
        {
            xenbus_put(dev);
            sleep_ns(20 * NSEC_PER_MSEC);
        }
        if ( dev )
            xenbus_put(dev);
        EXPECT_TRUE(dev == NULL);
        d = blk_disk_find(hostiles[i].vdev);
        EXPECT_TRUE(d == NULL);
        if ( d )
            blk_disk_put(d);
    }
    while ( (left = gnttab_retry_deferred()) && clock_now_ns() < deadline )
        sleep_ns(20 * NSEC_PER_MSEC);
    EXPECT_EQ(left, 0u);
}

/* After all that, the real disk still reads right and is not stopped. */
TEST_MANUAL(blk_hostile, real_disk_goes_on)
{
    if ( !attach_once(t) )
        return;
    scenarios_run++;
    check_real_disk(t);
}

/* The read nobody answers times out, and stops only that disk. */
TEST_MANUAL(blk_hostile, never_answered)
{
    struct blk_disk *d;
    int code;

    if ( !attach_once(t) )
        return;
    scenarios_run++;
    ASSERT_TRUE(never_thread != NULL);
    ASSERT_EQ(thread_join_timeout(never_thread, NEVER_WAIT, &code), 0);
    never_thread = NULL;
    EXPECT_EQ(never_status, -XEN_ETIMEDOUT);
    d = blk_disk_find(hostiles[NEVER_DISK].vdev);
    ASSERT_TRUE(d != NULL);
    EXPECT_TRUE(disk_stopped(d));
    blk_disk_put(d);
}

TEST_MANUAL(blk_hostile, no_sectors_key)
{
    refused_scenario(t, "no-sectors");
}

TEST_MANUAL(blk_hostile, no_info_key)
{
    refused_scenario(t, "no-info");
}

TEST_MANUAL(blk_hostile, size_overflows)
{
    refused_scenario(t, "sectors-overflow");
}

TEST_MANUAL(blk_hostile, sector_size_three)
{
    refused_scenario(t, "sector-size-3");
}

TEST_MANUAL(blk_hostile, sector_size_zero)
{
    refused_scenario(t, "sector-size-0");
}

TEST_MANUAL(blk_hostile, closed_mid_io)
{
    io_scenario(t, "close-mid-io");
}

TEST_MANUAL(blk_hostile, response_never_asked_for)
{
    io_scenario(t, "never-made");
}

TEST_MANUAL(blk_hostile, producer_jumps)
{
    io_scenario(t, "prod-jump");
}

TEST_MANUAL(blk_hostile, wrong_operation)
{
    io_scenario(t, "wrong-op");
}

TEST_MANUAL(blk_hostile, bad_status)
{
    io_scenario(t, "bad-status");
}

TEST_MANUAL(blk_hostile, duplicate_id)
{
    io_scenario(t, "dup-id");
}

TEST_MANUAL(blk_hostile, wrong_id)
{
    io_scenario(t, "bad-id");
}

/* The real disk works; dom0 starts the hostile backends. */
TEST_MANUAL(blk_hostile, backends_attached)
{
    if ( attach_once(t) )
        EXPECT_EQ(state, ATTACHED);
}
