/* SPDX-License-Identifier: MIT */
/*
 * watchdog.c - self-tests of the wait watchdog (kernel/watchdog.c): when
 * the timer event a wait depends on is lost (here: this CPU's VIRQ_TIMER
 * port masked), the wait does not hang; its watchdog trips a margin
 * past the timeout, prints its dump, and the wait returns as timed out.
 * Timers work again once the event is let through. SKIP without Xen.
 */
#include <kernel.h>
#include <bootinfo.h>
#include <clock.h>
#include <cmdline.h>
#include <evtchn.h>
#include <hypervisor.h>
#include <ktest.h>
#include <percpu.h>
#include <sched.h>
#include <timer.h>
#include <wait.h>
#include <watchdog.h>

extern struct boot_info boot_info;

static bool
never(void *arg)
{
    return false;
}

TEST(watchdog, wait_with_a_lost_timer_event_ends)
{
    struct waitq wq = WAITQ_INIT("watchdog-test");
    evtchn_port_t port = timer_virq_port();
    unsigned long trips = watchdog_trips();
    uint64_t t0, took;
    bool ok;

    if ( !xen.present )
        KTEST_SKIP("not on Xen");
    ASSERT_TRUE(timer_available());
    if ( cmdline_has(boot_info.cmdline, "nowatchdog") )
        KTEST_SKIP("nowatchdog on the command line");
    ASSERT_TRUE(watchdog_available());
    ASSERT_TRUE(port != 0);

    watchdog_expect_trip(true);
    evtchn_mask(port); /* the VIRQ stays pending, undelivered */
    t0 = clock_now_ns();
    ok = wait_event_timeout(&wq, never, NULL, 10 * NSEC_PER_MSEC);
    took = clock_now_ns() - t0;
    evtchn_unmask(port); /* delivers it */
    watchdog_expect_trip(false);

    printk("    # watchdog: the 10 ms wait ended after %llu ms\n",
           (unsigned long long)(took / NSEC_PER_MSEC));
    EXPECT_FALSE(ok);
    EXPECT_EQ(watchdog_trips() - trips, 1ul);
    EXPECT_GE(took, WATCHDOG_MARGIN_NS);
    /* The event was only held back: timers work again. */
    EXPECT_EQ(sleep_ns(5 * NSEC_PER_MSEC), 0);
    EXPECT_EQ(watchdog_trips() - trips, 1ul);
}

/* A thread that waits, without a deadline, until it is let go. */
struct parked {
    struct waitq wq;
    volatile bool go;
};

static bool
parked_go(void *arg)
{
    return ((struct parked *)arg)->go;
}

static void
parked_fn(void *arg)
{
    struct parked *p = arg;

    wait_event_timeout(&p->wq, parked_go, p, UINT64_MAX);
}

/* A thread join with a deadline is a bounded wait too (its sleep's
 * watchdog): with the timer's event lost it ends timed out, not never. */
TEST(watchdog, join_with_a_lost_timer_event_ends)
{
    struct parked p = { .wq = WAITQ_INIT("watchdog-parked"), .go = false };
    evtchn_port_t port = timer_virq_port();
    unsigned long trips = watchdog_trips();
    struct thread *th;
    uint64_t t0, took;
    int rc, code = -1;

    if ( !xen.present )
        KTEST_SKIP("not on Xen");
    ASSERT_TRUE(timer_available());
    if ( cmdline_has(boot_info.cmdline, "nowatchdog") )
        KTEST_SKIP("nowatchdog on the command line");
    ASSERT_TRUE(watchdog_available());
    ASSERT_TRUE(port != 0);
    th = thread_create("watchdog-parked", parked_fn, &p, smp_processor_id());
    ASSERT_TRUE(th != NULL);

    watchdog_expect_trip(true);
    evtchn_mask(port); /* the VIRQ stays pending, undelivered */
    t0 = clock_now_ns();
    rc = thread_join_timeout(th, 10 * NSEC_PER_MSEC, &code);
    took = clock_now_ns() - t0;
    evtchn_unmask(port); /* delivers it */
    watchdog_expect_trip(false);

    printk("    # watchdog: the 10 ms join ended after %llu ms\n",
           (unsigned long long)(took / NSEC_PER_MSEC));
    EXPECT_EQ(rc, -1);
    EXPECT_EQ(watchdog_trips() - trips, 1ul);
    EXPECT_GE(took, WATCHDOG_MARGIN_NS);

    p.go = true;
    waitq_wake_all(&p.wq);
    EXPECT_EQ(thread_join_timeout(th, 10 * NSEC_PER_SEC, &code), 0);
    EXPECT_EQ(watchdog_trips() - trips, 1ul);
}
