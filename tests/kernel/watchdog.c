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

/* Why this run cannot lose a timer event on purpose, or NULL if it can. */
static const char *
cannot_lose_events(void)
{
    if ( !xen.present )
        return "not on Xen";
    if ( cmdline_has(boot_info.cmdline, "nowatchdog") )
        return "nowatchdog on the command line";
    return NULL;
}

/*
 * Run wait(arg), a wait of 10 ms, with this CPU's VIRQ_TIMER port masked:
 * the timer's event stays pending, undelivered, and is let through after.
 * Returns how long the wait took (the watchdog must have ended it).
 */
static uint64_t
with_timer_event_held_back(struct ktest_ctx *t, void (*wait)(void *arg),
                           void *arg)
{
    evtchn_port_t port = timer_virq_port();
    uint64_t t0, took;

    if ( !EXPECT_TRUE(timer_available()) ||
         !EXPECT_TRUE(watchdog_available()) || !EXPECT_TRUE(port != 0) )
        return 0;
    watchdog_expect_trip(true);
    evtchn_mask(port);
    t0 = clock_now_ns();
    wait(arg);
    took = clock_now_ns() - t0;
    evtchn_unmask(port); /* delivers it */
    watchdog_expect_trip(false);
    printk("    # watchdog: the 10 ms wait ended after %llu ms\n",
           (unsigned long long)(took / NSEC_PER_MSEC));
    return took;
}

static void
wait_10ms(void *arg)
{
    struct waitq wq = WAITQ_INIT("watchdog-test");

    *(bool *)arg = wait_event_timeout(&wq, never, NULL, 10 * NSEC_PER_MSEC);
}

TEST(watchdog, wait_with_a_lost_timer_event_ends)
{
    unsigned long trips = watchdog_trips();
    const char *why = cannot_lose_events();
    bool ok = true;

    if ( why )
        KTEST_SKIP(why);
    EXPECT_GE(with_timer_event_held_back(t, wait_10ms, &ok),
              WATCHDOG_MARGIN_NS);
    EXPECT_FALSE(ok);
    EXPECT_EQ(watchdog_trips() - trips, 1ul);
    /* The event was only held back: timers work again. */
    EXPECT_EQ(sleep_ns(5 * NSEC_PER_MSEC), 0);
    EXPECT_EQ(watchdog_trips() - trips, 1ul);
}

/* A thread that waits, without a deadline, until it is let go; and the
 * one that joins it with a deadline. */
struct parked {
    struct waitq wq;
    volatile bool go;
    struct thread *th;
    int rc;
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

static void
join_10ms(void *arg)
{
    struct parked *p = arg;
    int code;

    p->rc = thread_join_timeout(p->th, 10 * NSEC_PER_MSEC, &code);
}

/* A thread join with a deadline is a bounded wait too (its sleep's
 * watchdog): with the timer's event lost it ends timed out, not never. */
TEST(watchdog, join_with_a_lost_timer_event_ends)
{
    struct parked p = { .wq = WAITQ_INIT("watchdog-parked"), .rc = 1 };
    unsigned long trips = watchdog_trips();
    const char *why = cannot_lose_events();
    int code;

    if ( why )
        KTEST_SKIP(why);
    p.th = thread_create("watchdog-parked", parked_fn, &p, smp_processor_id());
    ASSERT_TRUE(p.th != NULL);
    EXPECT_GE(with_timer_event_held_back(t, join_10ms, &p), WATCHDOG_MARGIN_NS);
    EXPECT_EQ(p.rc, -1);
    EXPECT_EQ(watchdog_trips() - trips, 1ul);

    p.go = true;
    waitq_wake_all(&p.wq);
    EXPECT_EQ(thread_join_timeout(p.th, 10 * NSEC_PER_SEC, &code), 0);
    EXPECT_EQ(watchdog_trips() - trips, 1ul);
}
